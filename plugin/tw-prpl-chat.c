/*
 * tw-prpl-chat: the purple glue of group DMs as chats: a group's chat,
 * joined with its members and titled with their names, its lines and
 * roster changes, the join dialog (a conversation id, or the handles of a
 * new group, which X creates with its first line), invitations into a new
 * group, and sending.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "config.h"

#include "tw-prpl-chat.h"

#include <errno.h>
#include <glib/gi18n-lib.h>
#include <string.h>

#include "tw-account.h"

/* Chat ids only need to be unique while the process runs. */
static int next_chat_id = 1;

/* A copy: purple_normalize() answers in a buffer the next call reuses. */
static char *
dup_own_handle(PurpleConnection *connection)
{
	PurpleAccount *account = purple_connection_get_account(connection);

	return g_strdup(
	    purple_normalize(account, purple_account_get_username(account)));
}

/* "Priya, Tom": the members' display names. */
static void
update_chat_title(PurpleConnection *connection, PurpleConversation *conv)
{
	TwAccount *tw = purple_connection_get_protocol_data(connection);
	g_autoptr(GPtrArray) members = tw_account_dup_group_members(
	    tw, purple_conversation_get_name(conv));
	g_autoptr(GString) title = g_string_new(NULL);

	for (guint i = 0; i < members->len; i++) {
		const TwUser *user =
		    tw_account_find_user(tw, members->pdata[i]);

		if (title->len > 0)
			g_string_append(title, ", ");
		g_string_append(title, user != NULL && user->name != NULL
					   ? user->name
					   : (const char *)members->pdata[i]);
	}
	if (title->len == 0)
		g_string_append(title, _("Group DM"));
	if (g_strcmp0(purple_conversation_get_title(conv), title->str) != 0)
		purple_conversation_set_title(conv, title->str);
}

/* The chat of a group, joined with the members known so far. */
PurpleConversation *
tw_prpl_group_open(PurpleConnection *connection, const char *conversation_id)
{
	g_autofree char *own = dup_own_handle(connection);
	PurpleAccount *account = purple_connection_get_account(connection);
	TwAccount *tw = purple_connection_get_protocol_data(connection);
	PurpleConversation *conv = purple_find_conversation_with_account(
	    PURPLE_CONV_TYPE_CHAT, conversation_id, account);
	g_autoptr(GPtrArray) members = NULL;
	GList *users = NULL;
	GList *flags = NULL;
	PurpleConvChat *chat;

	if (conv != NULL &&
	    !purple_conv_chat_has_left(PURPLE_CONV_CHAT(conv)) &&
	    g_slist_find(connection->buddy_chats, conv) != NULL)
		return conv;
	conv =
	    serv_got_joined_chat(connection, next_chat_id++, conversation_id);
	chat = PURPLE_CONV_CHAT(conv);
	/* Own lines are recognised by the nick: the handle, not the name. */
	purple_conv_chat_set_nick(chat, own);
	members = tw_account_dup_group_members(tw, conversation_id);
	users = g_list_append(users, own);
	flags = g_list_append(flags, GINT_TO_POINTER(PURPLE_CBFLAGS_NONE));
	for (guint i = 0; i < members->len; i++) {
		users = g_list_append(users, members->pdata[i]);
		flags =
		    g_list_append(flags, GINT_TO_POINTER(PURPLE_CBFLAGS_NONE));
	}
	purple_conv_chat_add_users(chat, users, NULL, flags, FALSE);
	g_list_free(users);
	g_list_free(flags);
	update_chat_title(connection, conv);
	return conv;
}

void
tw_prpl_on_group_changed(gpointer ui, const TwAccountGroupChange *change)
{
	PurpleConnection *connection = ui;
	PurpleConversation *conv =
	    tw_prpl_group_open(connection, change->conversation_id);
	PurpleConvChat *chat = PURPLE_CONV_CHAT(conv);
	gboolean present = purple_conv_chat_find_user(chat, change->handle);

	if (change->joined && !present)
		purple_conv_chat_add_user(chat, change->handle, NULL,
					  PURPLE_CBFLAGS_NONE,
					  change->announce);
	else if (!change->joined && present)
		purple_conv_chat_remove_user(chat, change->handle, NULL);
	update_chat_title(connection, conv);
}

void
tw_prpl_group_show_message(PurpleConnection *connection,
			   const TwAccountMessage *message,
			   PurpleMessageFlags flags)
{
	g_autofree char *own = dup_own_handle(connection);
	PurpleConversation *conv =
	    tw_prpl_group_open(connection, message->conversation_id);
	PurpleConvChat *chat = PURPLE_CONV_CHAT(conv);

	if (message->outgoing) {
		purple_conv_chat_write(chat, own, message->html,
				       flags | PURPLE_MESSAGE_SEND |
					   PURPLE_MESSAGE_REMOTE_SEND,
				       (time_t)message->timestamp);
		return;
	}
	if (!purple_conv_chat_find_user(chat, message->peer))
		purple_conv_chat_add_user(chat, message->peer, NULL,
					  PURPLE_CBFLAGS_NONE, FALSE);
	serv_got_chat_in(connection, purple_conv_chat_get_id(chat),
			 message->peer, flags | PURPLE_MESSAGE_RECV,
			 message->html, (time_t)message->timestamp);
}

/* Chat components: a group's conversation id, or (to start a group) the
 * handles of the people in it. */
#define CHAT_CONVERSATION "conversation"
#define CHAT_PARTICIPANTS "participants"
/* A chat whose group X has not created yet is named so, with its handles. */
#define NEW_GROUP_PREFIX "new:"
/* Set on a new group's chat while its creation runs. */
#define CHAT_CREATING "twdm-creating"
/* X's limits for the people besides the account. */
#define GROUP_MIN_OTHERS 2
#define GROUP_MAX_OTHERS 49

GList *
tw_prpl_chat_info(PurpleConnection *connection)
{
	struct proto_chat_entry *conversation =
	    g_new0(struct proto_chat_entry, 1);
	struct proto_chat_entry *participants =
	    g_new0(struct proto_chat_entry, 1);

	conversation->label =
	    _("Group conversation id (empty for a new group)");
	conversation->identifier = CHAT_CONVERSATION;
	participants->label =
	    _("New group: handles of the people in it, separated by commas");
	participants->identifier = CHAT_PARTICIPANTS;
	return g_list_append(g_list_append(NULL, conversation), participants);
}

GHashTable *
tw_prpl_chat_info_defaults(PurpleConnection *connection, const char *chat_name)
{
	GHashTable *defaults =
	    g_hash_table_new_full(g_str_hash, g_str_equal, NULL, g_free);

	if (chat_name != NULL && tw_id_is_valid(chat_name))
		g_hash_table_insert(defaults, CHAT_CONVERSATION,
				    g_strdup(chat_name));
	else if (chat_name != NULL)
		g_hash_table_insert(defaults, CHAT_PARTICIPANTS,
				    g_strdup(chat_name));
	return defaults;
}

char *
tw_prpl_get_chat_name(GHashTable *components)
{
	const char *conversation =
	    g_hash_table_lookup(components, CHAT_CONVERSATION);

	return g_strdup(conversation);
}

/* "@Alice, bob carol" -> alice, bob, carol; %NULL and @problem when the
 * list breaks X's rules. */
static GPtrArray *
parse_participants(PurpleConnection *connection, const char *text,
		   char **problem)
{
	g_autofree char *own = dup_own_handle(connection);
	g_autoptr(GPtrArray) handles = g_ptr_array_new_with_free_func(g_free);
	g_auto(GStrv) words = g_regex_split_simple("[\\s,;]+", text, 0, 0);

	for (guint i = 0; words[i] != NULL; i++) {
		const char *word = words[i];
		g_autofree char *handle = NULL;

		while (*word == '@')
			word++;
		if (*word == '\0')
			continue;
		if (!tw_api_username_is_valid(word)) {
			*problem = g_strdup_printf(
			    _("\"%s\" is not a valid X handle."), words[i]);
			return NULL;
		}
		handle = g_ascii_strdown(word, -1);
		if (g_strcmp0(handle, own) != 0 &&
		    !g_ptr_array_find_with_equal_func(handles, handle,
						      g_str_equal, NULL))
			g_ptr_array_add(handles, g_steal_pointer(&handle));
	}
	if (handles->len < GROUP_MIN_OTHERS) {
		*problem = g_strdup_printf(
		    _("A group needs at least %d people besides you; for one "
		      "person, send a direct message."),
		    GROUP_MIN_OTHERS);
		return NULL;
	}
	if (handles->len > GROUP_MAX_OTHERS) {
		*problem = g_strdup_printf(
		    _("X allows at most %d people besides you in a group; "
		      "%u were given."),
		    GROUP_MAX_OTHERS, handles->len);
		return NULL;
	}
	return g_steal_pointer(&handles);
}

/* A chat for a group X will create with its first line. */
static void
open_new_group_chat(PurpleConnection *connection, GPtrArray *handles)
{
	g_autofree char *own = dup_own_handle(connection);
	g_autoptr(GString) name = g_string_new(NEW_GROUP_PREFIX);
	g_autoptr(GString) title = g_string_new(NULL);
	PurpleConversation *conv;
	PurpleConvChat *chat;
	GList *users = NULL;
	GList *flags = NULL;

	for (guint i = 0; i < handles->len; i++) {
		g_string_append_printf(name, "%s%s", i > 0 ? "," : "",
				       (char *)handles->pdata[i]);
		g_string_append_printf(title, "%s@%s", i > 0 ? ", " : "",
				       (char *)handles->pdata[i]);
	}
	conv = serv_got_joined_chat(connection, next_chat_id++, name->str);
	chat = PURPLE_CONV_CHAT(conv);
	purple_conv_chat_set_nick(chat, own);
	users = g_list_append(users, own);
	flags = g_list_append(flags, GINT_TO_POINTER(PURPLE_CBFLAGS_NONE));
	for (guint i = 0; i < handles->len; i++) {
		users = g_list_append(users, handles->pdata[i]);
		flags =
		    g_list_append(flags, GINT_TO_POINTER(PURPLE_CBFLAGS_NONE));
	}
	purple_conv_chat_add_users(chat, users, NULL, flags, FALSE);
	g_list_free(users);
	g_list_free(flags);
	purple_conversation_set_title(conv, title->str);
	purple_conversation_write(
	    conv, NULL,
	    _("X creates the group with its first message: type it here."),
	    PURPLE_MESSAGE_SYSTEM | PURPLE_MESSAGE_NO_LOG, time(NULL));
}

void
tw_prpl_join_chat(PurpleConnection *connection, GHashTable *components)
{
	TwAccount *tw = purple_connection_get_protocol_data(connection);
	const char *conversation =
	    g_hash_table_lookup(components, CHAT_CONVERSATION);
	const char *participants =
	    g_hash_table_lookup(components, CHAT_PARTICIPANTS);
	g_autoptr(GPtrArray) handles = NULL;
	g_autofree char *problem = NULL;

	if (tw == NULL)
		return;
	if (conversation != NULL && conversation[0] != '\0') {
		if (!tw_id_is_valid(conversation)) {
			problem = g_strdup_printf(
			    _("\"%s\" is not a group conversation id."),
			    conversation);
		} else {
			tw_prpl_group_open(connection, conversation);
			tw_account_fetch_group_history(tw, conversation);
			return;
		}
	} else {
		handles = parse_participants(
		    connection, participants != NULL ? participants : "",
		    &problem);
		if (handles != NULL) {
			open_new_group_chat(connection, handles);
			return;
		}
	}
	purple_notify_error(connection, _("Twitter DM"),
			    _("Cannot open the group"), problem);
	purple_serv_got_join_chat_failed(connection, components);
}

typedef struct {
	PurpleConnection *connection;
	int chat_id;
} ChatReference;

static void
new_group_created(const char *conversation_id, const GError *error,
		  gpointer data)
{
	ChatReference *reference = data;
	PurpleConversation *conv =
	    purple_find_chat(reference->connection, reference->chat_id);
	g_autofree char *text = NULL;

	if (conv == NULL)
		return;
	purple_conversation_set_data(conv, CHAT_CREATING, NULL);
	if (error != NULL) {
		g_autofree char *escaped = NULL;

		text = g_strdup_printf(_("The group was not created: %s"),
				       error->message);
		escaped = purple_markup_escape_text(text, -1);
		purple_conversation_write(conv, NULL, escaped,
					  PURPLE_MESSAGE_ERROR, time(NULL));
		purple_notify_error(reference->connection, _("Twitter DM"),
				    _("The group was not created"), text);
		return;
	}
	/* From now on it is the group's chat, found by its id. */
	purple_conversation_set_name(conv, conversation_id);
	update_chat_title(reference->connection, conv);
}

static int
send_to_new_group(PurpleConnection *connection, PurpleConversation *conv,
		  const char *message)
{
	TwAccount *tw = purple_connection_get_protocol_data(connection);
	g_auto(GStrv) handles = g_strsplit(purple_conversation_get_name(conv) +
					       strlen(NEW_GROUP_PREFIX),
					   ",", -1);
	ChatReference *reference;
	const char *tag_start, *tag_end;
	GData *attributes = NULL;

	if (purple_conversation_get_data(conv, CHAT_CREATING) != NULL) {
		purple_conversation_write(
		    conv, NULL,
		    _("The group is being created: send more once it is "
		      "there."),
		    PURPLE_MESSAGE_ERROR, time(NULL));
		return -EAGAIN;
	}
	/* X creates a group with a text message only. */
	if (purple_markup_find_tag("img", message, &tag_start, &tag_end,
				   &attributes)) {
		g_datalist_clear(&attributes);
		purple_conversation_write(
		    conv, NULL,
		    _("A photo cannot start a group: send it once the group "
		      "is there."),
		    PURPLE_MESSAGE_ERROR, time(NULL));
	}
	reference = g_new0(ChatReference, 1);
	reference->connection = connection;
	reference->chat_id = purple_conv_chat_get_id(PURPLE_CONV_CHAT(conv));
	if (!tw_account_create_group(tw, (const char *const *)handles, message,
				     new_group_created, reference, g_free))
		return 0;
	purple_conversation_set_data(conv, CHAT_CREATING, GINT_TO_POINTER(1));
	return 1;
}

void
tw_prpl_chat_invite(PurpleConnection *connection, int id, const char *message,
		    const char *who)
{
	PurpleConversation *conv = purple_find_chat(connection, id);
	const char *name;
	g_autofree char *handle = NULL;
	g_autofree char *problem = NULL;
	g_autofree char *participants = NULL;
	g_autoptr(GPtrArray) handles = NULL;

	if (conv == NULL || who == NULL)
		return;
	name = purple_conversation_get_name(conv);
	if (!g_str_has_prefix(name, NEW_GROUP_PREFIX) ||
	    purple_conversation_get_data(conv, CHAT_CREATING) != NULL) {
		purple_notify_error(connection, _("Twitter DM"),
				    _("Cannot invite"),
				    _("People can be invited into a new group "
				      "before its first message only: X's "
				      "API does not add members to a group."));
		return;
	}
	while (*who == '@')
		who++;
	handle = g_ascii_strdown(who, -1);
	participants =
	    g_strconcat(name + strlen(NEW_GROUP_PREFIX), ",", handle, NULL);
	handles = parse_participants(connection, participants, &problem);
	if (handles == NULL) {
		purple_notify_error(connection, _("Twitter DM"),
				    _("Cannot invite"), problem);
		return;
	}
	{
		g_autoptr(GString) new_name = g_string_new(NEW_GROUP_PREFIX);
		g_autoptr(GString) title = g_string_new(NULL);

		for (guint i = 0; i < handles->len; i++) {
			g_string_append_printf(new_name, "%s%s",
					       i > 0 ? "," : "",
					       (char *)handles->pdata[i]);
			g_string_append_printf(title, "%s@%s",
					       i > 0 ? ", " : "",
					       (char *)handles->pdata[i]);
		}
		purple_conversation_set_name(conv, new_name->str);
		purple_conversation_set_title(conv, title->str);
	}
	if (!purple_conv_chat_find_user(PURPLE_CONV_CHAT(conv), handle))
		purple_conv_chat_add_user(PURPLE_CONV_CHAT(conv), handle, NULL,
					  PURPLE_CBFLAGS_NONE, TRUE);
}

int
tw_prpl_chat_send(PurpleConnection *connection, int id, const char *message,
		  PurpleMessageFlags flags)
{
	g_autofree char *own = dup_own_handle(connection);
	TwAccount *tw = purple_connection_get_protocol_data(connection);
	PurpleConversation *conv = purple_find_chat(connection, id);
	int queued;

	if (tw == NULL)
		return -ENOTCONN;
	if (conv == NULL)
		return -EINVAL;
	if (g_str_has_prefix(purple_conversation_get_name(conv),
			     NEW_GROUP_PREFIX))
		queued = send_to_new_group(connection, conv, message);
	else
		queued = (int)tw_account_send_group(
		    tw, purple_conversation_get_name(conv), message);
	if (queued <= 0)
		return queued;
	/* libpurple leaves the echo of a chat line to the protocol. */
	serv_got_chat_in(connection, id, own, PURPLE_MESSAGE_SEND, message,
			 time(NULL));
	return 0;
}
