/*
 * tw-prpl-transfer: Send File (see tw-prpl-transfer.h). The transfer ends
 * when the plugin has its own copy of the file in the outbox: from there
 * the file is uploaded and sent like any message, exactly once, and a
 * failure is told in the conversation as for a message.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "config.h"

#include "tw-prpl-transfer.h"

#include "tw-account.h"
#include "tw-prpl-consent.h"

gboolean
tw_prpl_can_receive_file(PurpleConnection *connection, const char *who)
{
	return who != NULL && *who != '\0';
}

static TwAccount *
transfer_account(PurpleXfer *transfer)
{
	PurpleConnection *connection =
	    purple_account_get_connection(purple_xfer_get_account(transfer));

	return connection != NULL
		   ? purple_connection_get_protocol_data(connection)
		   : NULL;
}

/* The user chose the file: the first-contact rule decides when it goes. */
static void
transfer_init(PurpleXfer *transfer)
{
	PurpleConnection *connection =
	    purple_account_get_connection(purple_xfer_get_account(transfer));
	TwAccount *tw = transfer_account(transfer);

	if (tw == NULL) {
		purple_xfer_cancel_local(transfer);
		return;
	}
	tw_prpl_consent_send_file(connection, tw, transfer,
				  tw_prpl_transfer_send);
}

void
tw_prpl_transfer_send(PurpleXfer *transfer)
{
	TwAccount *tw = transfer_account(transfer);
	const char *who = purple_xfer_get_remote_user(transfer);
	g_autoptr(GError) error = NULL;

	if (tw == NULL) {
		purple_xfer_cancel_local(transfer);
		return;
	}
	if (!tw_account_send_file(
		tw, who, purple_xfer_get_local_filename(transfer), &error)) {
		purple_xfer_error(PURPLE_XFER_SEND,
				  purple_xfer_get_account(transfer), who,
				  error->message);
		purple_xfer_cancel_local(transfer);
		return;
	}
	/* No bytes go over the transfer itself: the outbox has the copy. */
	purple_xfer_start(transfer, -1, NULL, 0);
	purple_xfer_set_bytes_sent(transfer, purple_xfer_get_size(transfer));
	purple_xfer_set_completed(transfer, TRUE);
	purple_xfer_end(transfer);
}

PurpleXfer *
tw_prpl_new_xfer(PurpleConnection *connection, const char *who)
{
	PurpleXfer *transfer = purple_xfer_new(
	    purple_connection_get_account(connection), PURPLE_XFER_SEND, who);

	purple_xfer_set_init_fnc(transfer, transfer_init);
	return transfer;
}

void
tw_prpl_send_file(PurpleConnection *connection, const char *who,
		  const char *file)
{
	PurpleXfer *transfer = tw_prpl_new_xfer(connection, who);

	if (file != NULL)
		purple_xfer_request_accepted(transfer, file);
	else
		purple_xfer_request(transfer);
}
