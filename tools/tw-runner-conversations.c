/*
 * tw-runner-conversations: what conversations show.
 *
 * The conversation UI ops: IM and chat messages with their flags, chat
 * rosters, conversation events, and libpurple's auto-reply when away.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "config.h"

#include "tw-runner.h"

/* ------------------------------------------------------------------------
 * Conversations
 * ------------------------------------------------------------------------ */

static const struct {
	PurpleMessageFlags flag;
	const char *name;
} tw_runner_message_flags[] = {
    {PURPLE_MESSAGE_SEND, "send"},
    {PURPLE_MESSAGE_RECV, "recv"},
    {PURPLE_MESSAGE_SYSTEM, "system"},
    {PURPLE_MESSAGE_AUTO_RESP, "auto-resp"},
    {PURPLE_MESSAGE_ACTIVE_ONLY, "active-only"},
    {PURPLE_MESSAGE_NICK, "nick"},
    {PURPLE_MESSAGE_NO_LOG, "no-log"},
    {PURPLE_MESSAGE_WHISPER, "whisper"},
    {PURPLE_MESSAGE_ERROR, "error"},
    {PURPLE_MESSAGE_DELAYED, "delayed"},
    {PURPLE_MESSAGE_RAW, "raw"},
    {PURPLE_MESSAGE_IMAGES, "images"},
    {PURPLE_MESSAGE_NOTIFY, "notify"},
    {PURPLE_MESSAGE_NO_LINKIFY, "no-linkify"},
    {PURPLE_MESSAGE_INVISIBLE, "invisible"},
    {PURPLE_MESSAGE_REMOTE_SEND, "remote-send"},
};

static void
tw_runner_add_conversation(JsonBuilder *builder, PurpleConversation *conv)
{
	tw_runner_add_account(builder, purple_conversation_get_account(conv));
	tw_runner_add_string(builder, "conversation",
			     purple_conversation_get_name(conv));
}

static char *
tw_runner_conversation_key(PurpleAccount *account, const char *name)
{
	g_autofree char *folded = g_utf8_casefold(name != NULL ? name : "", -1);

	return g_strdup_printf("%s\x1f%s", purple_account_get_username(account),
			       folded);
}

static char *
tw_runner_auto_reply_key(PurpleConversation *conv)
{
	return tw_runner_conversation_key(purple_conversation_get_account(conv),
					  purple_conversation_get_name(conv));
}

void
tw_runner_message_media_cb(PurpleAccount *account,
			   const char *conversation_name, const char *json,
			   gpointer data)
{
	g_autoptr(JsonParser) parser = json_parser_new();

	if (conversation_name == NULL || json == NULL ||
	    !json_parser_load_from_data(parser, json, -1, NULL) ||
	    !JSON_NODE_HOLDS_ARRAY(json_parser_get_root(parser)))
		return;
	g_hash_table_replace(
	    tw_runner.pending_media,
	    tw_runner_conversation_key(account, conversation_name),
	    json_node_copy(json_parser_get_root(parser)));
}

/* An inline image (PURPLE_MESSAGE_IMAGES): its file, from the image store. */
static gboolean
tw_runner_emit_image(PurpleConversation *conv, const char *who,
		     const char *message, time_t mtime)
{
	const char *at = strstr(message, "<img id=\"");
	PurpleStoredImage *image =
	    at != NULL ? purple_imgstore_find_by_id(atoi(at + 9)) : NULL;
	JsonBuilder *builder;

	if (image == NULL)
		return FALSE;
	builder = tw_runner_event_new("image");
	tw_runner_add_conversation(builder, conv);
	tw_runner_add_string(builder, "who", who != NULL ? who : "");
	tw_runner_add_string(builder, "file",
			     purple_imgstore_get_filename(image));
	tw_runner_add_int(builder, "size", purple_imgstore_get_size(image));
	tw_runner_add_int(builder, "time", mtime);
	tw_runner_event_emit(builder);
	return TRUE;
}

void
tw_runner_auto_reply_free(TwRunnerAutoReply *reply)
{
	g_free(reply->who);
	g_free(reply);
}

static void
tw_runner_send_auto_reply(TwRunnerAutoReply *reply)
{
	PurpleConversation *conv;
	g_autofree char *html = NULL;

	/* The account may have gone offline since the message came in. */
	if (!purple_account_is_connected(reply->account))
		return;
	conv = purple_find_conversation_with_account(
	    PURPLE_CONV_TYPE_IM, reply->who, reply->account);
	if (conv == NULL)
		conv = purple_conversation_new(PURPLE_CONV_TYPE_IM,
					       reply->account, reply->who);
	html = purple_markup_escape_text(tw_runner.auto_reply, -1);
	purple_conv_im_send_with_flags(PURPLE_CONV_IM(conv), html,
				       PURPLE_MESSAGE_AUTO_RESP);
}

static gboolean
tw_runner_auto_reply_cb(gpointer data)
{
	TwRunnerAutoReply *reply;

	tw_runner.auto_reply_source = 0;
	while ((reply = g_queue_pop_head(&tw_runner.pending_replies)) != NULL) {
		tw_runner_send_auto_reply(reply);
		tw_runner_auto_reply_free(reply);
	}
	return G_SOURCE_REMOVE;
}

static void
tw_runner_maybe_auto_reply(PurpleConversation *conv, PurpleMessageFlags flags)
{
	const PurpleMessageFlags skip =
	    PURPLE_MESSAGE_SEND | PURPLE_MESSAGE_SYSTEM | PURPLE_MESSAGE_ERROR |
	    PURPLE_MESSAGE_AUTO_RESP | PURPLE_MESSAGE_DELAYED |
	    PURPLE_MESSAGE_INVISIBLE;
	gint64 now = g_get_monotonic_time();
	char *key;
	gpointer last;
	TwRunnerAutoReply *reply;

	if (tw_runner.auto_reply == NULL ||
	    purple_conversation_get_type(conv) != PURPLE_CONV_TYPE_IM ||
	    !(flags & PURPLE_MESSAGE_RECV) || (flags & skip))
		return;

	key = tw_runner_auto_reply_key(conv);
	if (g_hash_table_lookup_extended(tw_runner.auto_replied, key, NULL,
					 &last) &&
	    now - *(gint64 *)last <
		(gint64)(tw_runner.auto_reply_gap * G_USEC_PER_SEC)) {
		g_free(key);
		return;
	}
	g_hash_table_replace(tw_runner.auto_replied, key,
			     g_memdup2(&now, sizeof(now)));

	/* Send from an idle callback: we are inside the plugin's write. */
	reply = g_new0(TwRunnerAutoReply, 1);
	reply->account = purple_conversation_get_account(conv);
	reply->who = g_strdup(purple_conversation_get_name(conv));
	g_queue_push_tail(&tw_runner.pending_replies, reply);
	if (tw_runner.auto_reply_source == 0)
		tw_runner.auto_reply_source =
		    g_idle_add(tw_runner_auto_reply_cb, NULL);
}

static void
tw_runner_write_conv(PurpleConversation *conv, const char *who,
		     const char *alias, const char *message,
		     PurpleMessageFlags flags, time_t mtime)
{
	gboolean is_im =
	    purple_conversation_get_type(conv) == PURPLE_CONV_TYPE_IM;
	PurpleAccount *account = purple_conversation_get_account(conv);
	JsonBuilder *builder;
	g_autofree char *plain = NULL;
	g_autofree char *media_key = NULL;
	JsonNode *media;
	gint64 waiting;

	if ((flags & PURPLE_MESSAGE_IMAGES) &&
	    tw_runner_emit_image(conv, who, message, mtime))
		return;
	builder = tw_runner_event_new("message");
	plain = purple_markup_strip_html(message);

	/* libpurple passes the buddy's name as "who" for the local echo of
	 * an IM; the sender of a sent IM is the account itself. */
	if (is_im && (flags & PURPLE_MESSAGE_SEND) && account != NULL)
		who = purple_account_get_username(account);

	tw_runner_add_conversation(builder, conv);
	tw_runner_add_string(builder, "type", is_im ? "im" : "chat");
	tw_runner_add_string(builder, "who", who != NULL ? who : "");
	if (alias != NULL && g_strcmp0(alias, who) != 0)
		tw_runner_add_string(builder, "alias", alias);
	tw_runner_add_string(builder, "text", message);
	tw_runner_add_string(builder, "plain", plain);
	tw_runner_add_int(builder, "time", mtime);
	waiting = tw_runner_get_waiting_seconds(
	    account, purple_conversation_get_name(conv));
	if (waiting >= 0)
		tw_runner_add_int(builder, "waiting", waiting);
	media_key = tw_runner_conversation_key(
	    account, purple_conversation_get_name(conv));
	media = g_hash_table_lookup(tw_runner.pending_media, media_key);
	if (media != NULL) {
		json_builder_set_member_name(builder, "media");
		json_builder_add_value(builder, json_node_copy(media));
		g_hash_table_remove(tw_runner.pending_media, media_key);
	}
	json_builder_set_member_name(builder, "flags");
	json_builder_begin_array(builder);
	for (gsize i = 0; i < G_N_ELEMENTS(tw_runner_message_flags); i++) {
		if (flags & tw_runner_message_flags[i].flag)
			json_builder_add_string_value(
			    builder, tw_runner_message_flags[i].name);
	}
	json_builder_end_array(builder);
	tw_runner_event_emit(builder);

	tw_runner_maybe_auto_reply(conv, flags);
}

static void
tw_runner_emit_chat_buddy(PurpleConversation *conv, const char *who,
			  const char *action)
{
	JsonBuilder *builder = tw_runner_event_new("chat-buddy");

	tw_runner_add_conversation(builder, conv);
	tw_runner_add_string(builder, "who", who);
	tw_runner_add_string(builder, "action", action);
	tw_runner_event_emit(builder);
}

static void
tw_runner_chat_add_users(PurpleConversation *conv, GList *buddies,
			 gboolean new_arrivals)
{
	for (GList *item = buddies; item != NULL; item = item->next)
		tw_runner_emit_chat_buddy(
		    conv, purple_conv_chat_cb_get_name(item->data), "join");
}

static void
tw_runner_chat_remove_users(PurpleConversation *conv, GList *users)
{
	for (GList *item = users; item != NULL; item = item->next)
		tw_runner_emit_chat_buddy(conv, item->data, "leave");
}

static void
tw_runner_chat_rename_user(PurpleConversation *conv, const char *old_name,
			   const char *new_name, const char *new_alias)
{
	JsonBuilder *builder = tw_runner_event_new("chat-buddy");

	tw_runner_add_conversation(builder, conv);
	tw_runner_add_string(builder, "who", new_name);
	tw_runner_add_string(builder, "action", "rename");
	tw_runner_add_string(builder, "old", old_name);
	tw_runner_event_emit(builder);
}

static void
tw_runner_destroy_conversation(PurpleConversation *conv)
{
	g_autofree char *key = tw_runner_auto_reply_key(conv);

	g_hash_table_remove(tw_runner.auto_replied, key);
}

/* write_im and write_chat stay NULL so that every line, including system
 * and error lines, reaches write_conv. */
PurpleConversationUiOps tw_runner_conversation_ops = {
    .destroy_conversation = tw_runner_destroy_conversation,
    .write_conv = tw_runner_write_conv,
    .chat_add_users = tw_runner_chat_add_users,
    .chat_rename_user = tw_runner_chat_rename_user,
    .chat_remove_users = tw_runner_chat_remove_users,
};

void
tw_runner_chat_joined_cb(PurpleConversation *conv, gpointer data)
{
	JsonBuilder *builder = tw_runner_event_new("chat-joined");

	tw_runner_add_conversation(builder, conv);
	tw_runner_add_string(builder, "title",
			     purple_conversation_get_title(conv));
	tw_runner_event_emit(builder);
}

void
tw_runner_conversation_updated_cb(PurpleConversation *conv,
				  PurpleConvUpdateType type, gpointer data)
{
	JsonBuilder *builder;

	if (type != PURPLE_CONV_UPDATE_TITLE ||
	    purple_conversation_get_type(conv) != PURPLE_CONV_TYPE_CHAT)
		return;
	builder = tw_runner_event_new("chat-title");
	tw_runner_add_conversation(builder, conv);
	tw_runner_add_string(builder, "title",
			     purple_conversation_get_title(conv));
	tw_runner_event_emit(builder);
}

void
tw_runner_chat_left_cb(PurpleConversation *conv, gpointer data)
{
	JsonBuilder *builder = tw_runner_event_new("chat-left");

	tw_runner_add_conversation(builder, conv);
	tw_runner_event_emit(builder);
}
