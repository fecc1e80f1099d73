/*
 * tw-prpl-consent: consent before a first DM. A DM to someone who has
 * never written to the account is held until the user agrees (the
 * first-contact option: ask, allow, refuse); replies are never asked
 * about.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#pragma once

#include <purple.h>

#include "tw-account.h"

G_BEGIN_DECLS

/**
 * tw_prpl_consent_send_im:
 * @connection: the connection
 * @tw: its account
 * @who: the recipient's handle
 * @message: the HTML typed
 *
 * PurplePluginProtocolInfo.send_im behind the first-contact rule: sends,
 * asks first (the message waits, and is echoed once sent), or refuses
 * with a note in the conversation.
 *
 * Returns: 1 when sent now (libpurple echoes it), 0 when not (yet)
 */
int tw_prpl_consent_send_im(PurpleConnection *connection, TwAccount *tw,
			    const char *who, const char *message);

/** What sends an accepted transfer once its first contact is allowed. */
typedef void (*TwPrplSendTransfer)(PurpleXfer *transfer);

/**
 * tw_prpl_consent_send_file:
 * @connection: the connection
 * @tw: its account
 * @transfer: a Send File the user accepted, not started
 * @send: sends it (tw_prpl_transfer_send())
 *
 * The same rule for a file: @send now, or held until the user agrees
 * (the transfer waits, so the UI keeps the file), or cancelled with a
 * note.
 */
void tw_prpl_consent_send_file(PurpleConnection *connection, TwAccount *tw,
			       PurpleXfer *transfer, TwPrplSendTransfer send);

/**
 * tw_prpl_consent_forget:
 * @connection: a connection that closes
 *
 * Withdraws its open questions; their messages and files are not sent.
 */
void tw_prpl_consent_forget(PurpleConnection *connection);

G_END_DECLS
