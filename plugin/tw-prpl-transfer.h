/*
 * tw-prpl-transfer: Send File (Pidgin's menu, Finch's /send-file,
 * bitlbee's DCC): the file goes as a DM attachment through the outbox,
 * not over a connection to the other side.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#pragma once

#include <purple.h>

G_BEGIN_DECLS

/**
 * tw_prpl_can_receive_file:
 * @connection: the connection
 * @who: a buddy's handle
 *
 * PurplePluginProtocolInfo.can_receive_file: every 1:1 conversation
 * takes a file (libpurple 2 has no Send File for chats).
 *
 * Returns: whether the menu item is offered
 */
gboolean tw_prpl_can_receive_file(PurpleConnection *connection,
				  const char *who);

/**
 * tw_prpl_new_xfer:
 * @connection: the connection
 * @who: the recipient's handle
 *
 * PurplePluginProtocolInfo.new_xfer: a sending transfer, started once the
 * user chose the file.
 *
 * Returns: (transfer full): the transfer
 */
PurpleXfer *tw_prpl_new_xfer(PurpleConnection *connection, const char *who);

/**
 * tw_prpl_send_file:
 * @connection: the connection
 * @who: the recipient's handle
 * @file: (nullable): the file; %NULL asks the user for one
 *
 * PurplePluginProtocolInfo.send_file.
 */
void tw_prpl_send_file(PurpleConnection *connection, const char *who,
		       const char *file);

/**
 * tw_prpl_transfer_send:
 * @transfer: an accepted transfer whose first contact is allowed
 *
 * Queues its file as a DM (tw_account_send_file()), which copies it, and
 * ends the transfer as complete; a file X would refuse, or one that
 * cannot be read, cancels it with the reason in words.
 */
void tw_prpl_transfer_send(PurpleXfer *transfer);

G_END_DECLS
