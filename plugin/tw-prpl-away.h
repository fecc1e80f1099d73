/*
 * tw-prpl-away: libpurple's auto-reply for this protocol. When the user is
 * away with a message and auto-reply is on, libpurple answers whoever
 * writes (again after ten minutes); a customer gets it at most once per
 * away period here, and it does not end their wait for an answer.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#pragma once

#include <purple.h>

#include "tw-account.h"

G_BEGIN_DECLS

/**
 * tw_prpl_away_send_im:
 * @connection: the connection
 * @tw: its account
 * @who: the customer's handle
 * @message: the away message (HTML)
 *
 * PurplePluginProtocolInfo.send_im for a PURPLE_MESSAGE_AUTO_RESP message.
 *
 * Returns: 1 when queued, 0 when @who had it already in this away period
 */
int tw_prpl_away_send_im(PurpleConnection *connection, TwAccount *tw,
			 const char *who, const char *message);

/**
 * tw_prpl_away_status_changed:
 * @account: the account
 * @status: its new status
 *
 * An away period ends when the status is no longer away.
 */
void tw_prpl_away_status_changed(PurpleAccount *account, PurpleStatus *status);

/**
 * tw_prpl_away_forget:
 * @connection: a connection that closes
 *
 * Forgets whom it auto-replied to.
 */
void tw_prpl_away_forget(PurpleConnection *connection);

G_END_DECLS
