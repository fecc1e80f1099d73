/*
 * tw-outbox: an account's sending: the persisted outbox's queue, its
 * pacing, verification after a lost answer, and the echo suppression of
 * own sends.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#pragma once

#include "tw-account-private.h"

G_BEGIN_DECLS

/**
 * tw_outbox_new:
 * @account: the account it belongs to
 *
 * Returns: (transfer full): the sending state of @account (the queue
 *   itself is in tw-state)
 */
TwOutbox *tw_outbox_new(TwAccount *account);

/**
 * tw_outbox_free:
 * @outbox: (nullable): the sending state
 */
void tw_outbox_free(TwOutbox *outbox);

/**
 * tw_outbox_stop:
 * @account: the account
 *
 * No more sends; the queue stays on disk for the next sign-on.
 */
void tw_outbox_stop(TwAccount *account);

/**
 * tw_outbox_send_next:
 * @account: the account
 *
 * Sends the head of the queue, unless a send is in flight or waiting, or
 * the account is not signed on. A #TwAccountOperation.
 */
void tw_outbox_send_next(TwAccount *account);

/**
 * tw_outbox_kick:
 * @account: the account
 *
 * Messages were queued: send soon, unless a send is already scheduled.
 */
void tw_outbox_kick(TwAccount *account);

/**
 * tw_outbox_get_next_send_time:
 * @account: the account
 *
 * Returns: when the next send is tried, Unix µs; 0 = none scheduled
 */
gint64 tw_outbox_get_next_send_time(TwAccount *account);

/**
 * tw_outbox_event_must_wait:
 * @account: a signed-on account
 * @event: an event read from X
 *
 * Returns: whether @event is an own event that may be the echo of a send
 *   not confirmed yet: it waits, since it cannot be told from a message
 *   typed on another device until the send's id is known
 */
gboolean tw_outbox_event_must_wait(TwAccount *account, const TwDmEvent *event);

/**
 * tw_outbox_hold_echoes:
 * @account: the account
 *
 * A send outside the queue (a group's creation) is in flight: own events
 * wait until tw_outbox_release_echoes().
 */
void tw_outbox_hold_echoes(TwAccount *account);

/**
 * tw_outbox_release_echoes:
 * @account: the account
 *
 * The send of tw_outbox_hold_echoes() is done.
 */
void tw_outbox_release_echoes(TwAccount *account);

G_END_DECLS
