/*
 * tw-groups: an account's group conversations: delivery of their events,
 * rosters, history and creation.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#pragma once

#include "tw-account-private.h"

G_BEGIN_DECLS

/**
 * tw_groups_deliver_event:
 * @account: a signed-on account
 * @event: a group event (a message, or a join or leave)
 *
 * Shows a group message, or applies and announces a membership change.
 * Marking it delivered is the caller's.
 */
void tw_groups_deliver_event(TwAccount *account, const TwDmEvent *event);

G_END_DECLS
