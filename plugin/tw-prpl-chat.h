/*
 * tw-prpl-chat: the purple glue of group DMs as chats: opening a group's
 * chat, its lines and roster changes, joining, creating a group with its
 * first line, and sending.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#pragma once

#include <glib.h>
#include <purple.h>

#include "tw-account.h"

G_BEGIN_DECLS

/**
 * tw_prpl_group_open:
 * @connection: the connection
 * @conversation_id: the group's X conversation id
 *
 * Opens the group's chat, joined with the members known so far, or finds
 * it when it is open already.
 *
 * Returns: (transfer none): the chat
 */
PurpleConversation *tw_prpl_group_open(PurpleConnection *connection,
				       const char *conversation_id);

/**
 * tw_prpl_group_show_message:
 * @connection: the connection
 * @message: a message of a group (@message->group is set)
 * @flags: PURPLE_MESSAGE_DELAYED or none
 *
 * Writes @message into its group's chat: the account's own lines under
 * its nick, others' as received, adding the writer to the roster.
 */
void tw_prpl_group_show_message(PurpleConnection *connection,
				const TwAccountMessage *message,
				PurpleMessageFlags flags);

/**
 * tw_prpl_on_group_changed:
 * @ui: the PurpleConnection
 * @change: who joined or left which group
 *
 * TwAccountCallbacks.group_changed: updates the group's roster and title.
 */
void tw_prpl_on_group_changed(gpointer ui, const TwAccountGroupChange *change);

/** PurplePluginProtocolInfo.chat_info: conversation id or participants */
GList *tw_prpl_chat_info(PurpleConnection *connection);
/** PurplePluginProtocolInfo.chat_info_defaults: from a chat's name */
GHashTable *tw_prpl_chat_info_defaults(PurpleConnection *connection,
				       const char *chat_name);
/** PurplePluginProtocolInfo.get_chat_name: the conversation id */
char *tw_prpl_get_chat_name(GHashTable *components);
/** PurplePluginProtocolInfo.join_chat: reopens a group, with its recent
 * history, or opens a new group's chat (created by its first line) */
void tw_prpl_join_chat(PurpleConnection *connection, GHashTable *components);
/** PurplePluginProtocolInfo.chat_invite: adds someone to a new group
 * before its first message */
void tw_prpl_chat_invite(PurpleConnection *connection, int id,
			 const char *message, const char *who);
/** PurplePluginProtocolInfo.chat_send: queued for the group */
int tw_prpl_chat_send(PurpleConnection *connection, int id, const char *message,
		      PurpleMessageFlags flags);

G_END_DECLS
