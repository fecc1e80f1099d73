/*
 * tw-prpl: the purple glue between libpurple and TwAccount.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "config.h"

#include "tw-prpl.h"

#include <errno.h>
#include <glib/gi18n-lib.h>
#include <string.h>

#include "purple-twdm.h"
#include "tw-account.h"
#include "tw-http.h"
#include "tw-oauth.h"
#include "tw-prpl-authorize.h"
#include "tw-state.h"

#define DEBUG_CATEGORY "twdm"

/****************************************************************************
 * Errors
 ****************************************************************************/

PurpleConnectionError
tw_prpl_connection_error_reason(const GError *error)
{
	if (error->domain == TW_ACCOUNT_ERROR) {
		switch ((TwAccountError)error->code) {
		case TW_ACCOUNT_ERROR_INVALID_SETTINGS:
			return PURPLE_CONNECTION_ERROR_INVALID_SETTINGS;
		case TW_ACCOUNT_ERROR_NO_TOKEN:
			return PURPLE_CONNECTION_ERROR_AUTHENTICATION_FAILED;
		case TW_ACCOUNT_ERROR_WRONG_USER:
			return PURPLE_CONNECTION_ERROR_INVALID_USERNAME;
		case TW_ACCOUNT_ERROR_STATE:
			return PURPLE_CONNECTION_ERROR_OTHER_ERROR;
		}
	} else if (error->domain == TW_API_ERROR) {
		switch ((TwApiError)error->code) {
		case TW_API_ERROR_TOKEN_REFUSED:
		case TW_API_ERROR_UNAUTHORIZED:
			return PURPLE_CONNECTION_ERROR_AUTHENTICATION_FAILED;
		case TW_API_ERROR_FORBIDDEN:
			return PURPLE_CONNECTION_ERROR_AUTHENTICATION_IMPOSSIBLE;
		case TW_API_ERROR_CREDITS_DEPLETED:
		case TW_API_ERROR_USAGE_CAPPED:
		case TW_API_ERROR_NOT_FOUND:
		case TW_API_ERROR_INVALID_REQUEST:
			return PURPLE_CONNECTION_ERROR_OTHER_ERROR;
		case TW_API_ERROR_RATE_LIMITED:
		case TW_API_ERROR_SERVER:
		case TW_API_ERROR_BAD_RESPONSE:
		case TW_API_ERROR_UNEXPECTED_STATUS:
			return PURPLE_CONNECTION_ERROR_NETWORK_ERROR;
		}
	} else if (error->domain == TW_HTTP_ERROR) {
		switch ((TwHttpError)error->code) {
		case TW_HTTP_ERROR_TLS:
			return PURPLE_CONNECTION_ERROR_CERT_OTHER_ERROR;
		case TW_HTTP_ERROR_INSECURE_URL:
		case TW_HTTP_ERROR_INVALID_URL:
			return PURPLE_CONNECTION_ERROR_INVALID_SETTINGS;
		case TW_HTTP_ERROR_NETWORK:
		case TW_HTTP_ERROR_CONNECT:
		case TW_HTTP_ERROR_TIMEOUT:
		case TW_HTTP_ERROR_TOO_LARGE:
		case TW_HTTP_ERROR_PROXY:
			return PURPLE_CONNECTION_ERROR_NETWORK_ERROR;
		}
	} else if (error->domain == TW_STATE_ERROR) {
		return PURPLE_CONNECTION_ERROR_OTHER_ERROR;
	} else if (error->domain == TW_OAUTH_ERROR) {
		/* Fatal, all of them: a reconnect loop would open one
		 * browser tab after another. */
		switch ((TwOAuthError)error->code) {
		case TW_OAUTH_ERROR_CLIENT:
		case TW_OAUTH_ERROR_REDIRECT_URI:
			return PURPLE_CONNECTION_ERROR_INVALID_SETTINGS;
		case TW_OAUTH_ERROR_STATE_MISMATCH:
		case TW_OAUTH_ERROR_ACCESS_DENIED:
		case TW_OAUTH_ERROR_REDIRECT_ERROR:
		case TW_OAUTH_ERROR_NO_CODE:
		case TW_OAUTH_ERROR_CODE_INVALID:
		case TW_OAUTH_ERROR_TIMEOUT:
		case TW_OAUTH_ERROR_CANCELLED:
		case TW_OAUTH_ERROR_PIN:
			return PURPLE_CONNECTION_ERROR_AUTHENTICATION_FAILED;
		}
	}
	return PURPLE_CONNECTION_ERROR_OTHER_ERROR;
}

static const char *
error_context(PurpleConnectionError reason)
{
	switch (reason) {
	case PURPLE_CONNECTION_ERROR_AUTHENTICATION_FAILED:
		return _("X did not accept the sign-in");
	case PURPLE_CONNECTION_ERROR_AUTHENTICATION_IMPOSSIBLE:
		return _("X does not allow this app to use direct messages");
	case PURPLE_CONNECTION_ERROR_INVALID_SETTINGS:
		return _("The account settings cannot be used");
	case PURPLE_CONNECTION_ERROR_INVALID_USERNAME:
		return _("The token belongs to another X account");
	case PURPLE_CONNECTION_ERROR_NETWORK_ERROR:
		return _("Could not reach X");
	case PURPLE_CONNECTION_ERROR_CERT_OTHER_ERROR:
		return _("The server's certificate is not trusted");
	default:
		return _("X direct messages stopped");
	}
}

/****************************************************************************
 * TwAccount callbacks
 ****************************************************************************/

static void
on_progress(gpointer ui, const char *text, guint step, guint steps)
{
	PurpleConnection *connection = ui;
	const char *label = step <= 1 ? _("Refreshing the access token")
				      : _("Checking the account");

	purple_connection_update_progress(connection, label, step, steps + 1);
}

static void show_buddies_present(PurpleConnection *connection);

static void
on_signed_on(gpointer ui, const TwUser *me)
{
	PurpleConnection *connection = ui;

	if (me->name != NULL)
		purple_connection_set_display_name(connection, me->name);
	purple_connection_set_state(connection, PURPLE_CONNECTED);
	show_buddies_present(connection);
}

static PurpleConvIm *
find_or_open_im(PurpleConnection *connection, const char *peer)
{
	PurpleAccount *account = purple_connection_get_account(connection);
	PurpleConversation *conversation =
	    purple_find_conversation_with_account(PURPLE_CONV_TYPE_IM, peer,
						  account);

	if (conversation == NULL)
		conversation =
		    purple_conversation_new(PURPLE_CONV_TYPE_IM, account, peer);
	return purple_conversation_get_im_data(conversation);
}

/****************************************************************************
 * People
 ****************************************************************************/

/* The X user id of a buddy: it survives a change of handle. */
#define NODE_USER_ID "twdm-user-id"
/* Remembered, so the status is right before the next message. */
#define NODE_DM_CLOSED   "twdm-dm-closed"
#define STATUS_DM_CLOSED "dm-closed"

static PurpleGroup *
people_group(PurpleAccount *account)
{
	const char *name = purple_account_get_string(
	    account, TW_OPTION_BUDDY_GROUP, TW_DEFAULT_BUDDY_GROUP);
	PurpleGroup *group;

	if (name == NULL || name[0] == '\0')
		name = TW_DEFAULT_BUDDY_GROUP;
	group = purple_find_group(name);
	if (group == NULL) {
		group = purple_group_new(name);
		purple_blist_add_group(group, NULL);
	}
	return group;
}

/* A buddy that is this user under an older handle. */
static PurpleBuddy *
find_buddy_by_user_id(PurpleAccount *account, const char *user_id)
{
	GSList *buddies = purple_find_buddies(account, NULL);
	PurpleBuddy *found = NULL;

	for (GSList *item = buddies; item != NULL && found == NULL;
	     item = item->next) {
		if (g_strcmp0(purple_blist_node_get_string(
				  PURPLE_BLIST_NODE(item->data), NODE_USER_ID),
			      user_id) == 0)
			found = item->data;
	}
	g_slist_free(buddies);
	return found;
}

static void
set_presence(PurpleAccount *account, const char *handle, gboolean dm_closed)
{
	g_autofree char *text = NULL;

	if (!dm_closed) {
		purple_prpl_got_user_status(account, handle, "available", NULL);
		return;
	}
	text = g_strdup_printf(_("@%s does not accept your direct messages"),
			       handle);
	purple_prpl_got_user_status(account, handle, STATUS_DM_CLOSED,
				    "message", text, NULL);
}

/* X serves avatars in several sizes; _normal is 48 pixels. */
static char *
icon_url_for(const TwUser *user)
{
	const char *url = user->profile_image_url;
	const char *normal;

	if (url == NULL || url[0] == '\0')
		return NULL;
	normal = g_strrstr(url, "_normal.");
	if (normal == NULL)
		return g_strdup(url);
	return g_strdup_printf("%.*s_400x400%s", (int)(normal - url), url,
			       normal + strlen("_normal"));
}

typedef struct {
	PurpleConnection *connection;
	char *handle;
} IconTarget;

static void
icon_target_free(gpointer data)
{
	IconTarget *target = data;

	g_free(target->handle);
	g_free(target);
}

static void
icon_fetched(const char *url, GBytes *image, gpointer data)
{
	IconTarget *target = data;
	gsize length;
	gconstpointer bytes;

	if (image == NULL)
		return;
	bytes = g_bytes_get_data(image, &length);
	/* The URL is the checksum: a new picture comes with a new URL. */
	purple_buddy_icons_set_for_user(
	    purple_connection_get_account(target->connection), target->handle,
	    g_memdup2(bytes, length), length, url);
}

static void
update_icon(PurpleConnection *connection, PurpleBuddy *buddy,
	    const TwUser *user)
{
	TwAccount *tw = purple_connection_get_protocol_data(connection);
	g_autofree char *url = icon_url_for(user);
	IconTarget *target;

	if (tw == NULL || url == NULL ||
	    g_strcmp0(purple_buddy_icons_get_checksum_for_user(buddy), url) ==
		0)
		return;
	target = g_new0(IconTarget, 1);
	target->connection = connection;
	target->handle = g_strdup(purple_buddy_get_name(buddy));
	tw_account_fetch_icon(tw, url, icon_fetched, target, icon_target_free);
}

/* Everyone the account converses with is a buddy, named by the lower-case
 * handle and aliased with the display name; a new handle of the same user
 * id renames the buddy. */
static void
update_person(PurpleConnection *connection, const TwUser *user)
{
	PurpleAccount *account = purple_connection_get_account(connection);
	g_autofree char *handle = NULL;
	PurpleBuddy *buddy;
	gboolean dm_closed;

	if (user == NULL || user->id == NULL || user->username == NULL)
		return;
	handle = g_ascii_strdown(user->username, -1);
	if (g_ascii_strcasecmp(handle, purple_account_get_username(account)) ==
	    0)
		return;
	buddy = purple_find_buddy(account, handle);
	if (buddy == NULL)
		buddy = find_buddy_by_user_id(account, user->id);
	/* Also "Maria_G" as typed into "Add Buddy". */
	if (buddy != NULL &&
	    g_strcmp0(purple_buddy_get_name(buddy), handle) != 0)
		purple_blist_rename_buddy(buddy, handle);
	if (buddy == NULL) {
		buddy = purple_buddy_new(account, handle, NULL);
		purple_blist_add_buddy(buddy, NULL, people_group(account),
				       NULL);
	}
	purple_blist_node_set_string(PURPLE_BLIST_NODE(buddy), NODE_USER_ID,
				     user->id);
	if (user->name != NULL && user->name[0] != '\0')
		serv_got_alias(connection, handle, user->name);
	/* -1 (not told) keeps what was known. */
	if (user->receives_your_dm != -1)
		purple_blist_node_set_bool(PURPLE_BLIST_NODE(buddy),
					   NODE_DM_CLOSED,
					   !user->receives_your_dm);
	dm_closed = purple_blist_node_get_bool(PURPLE_BLIST_NODE(buddy),
					       NODE_DM_CLOSED);
	set_presence(account, handle, dm_closed);
	update_icon(connection, buddy, user);
}

/* X has no presence: every buddy is there, unless they refuse DMs. */
static void
show_buddies_present(PurpleConnection *connection)
{
	PurpleAccount *account = purple_connection_get_account(connection);
	GSList *buddies = purple_find_buddies(account, NULL);

	for (GSList *item = buddies; item != NULL; item = item->next) {
		PurpleBuddy *buddy = item->data;

		set_presence(account, purple_buddy_get_name(buddy),
			     purple_blist_node_get_bool(
				 PURPLE_BLIST_NODE(buddy), NODE_DM_CLOSED));
	}
	g_slist_free(buddies);
}

static void
info_add(PurpleNotifyUserInfo *info, const char *label, const char *value)
{
	if (value != NULL && value[0] != '\0')
		purple_notify_user_info_add_pair_plaintext(info, label, value);
}

static void
info_add_count(PurpleNotifyUserInfo *info, const char *label, gint64 count)
{
	g_autofree char *text = NULL;

	if (count < 0)
		return;
	text = g_strdup_printf("%" G_GINT64_FORMAT, count);
	info_add(info, label, text);
}

static const char *
yes_no(gboolean value)
{
	return value ? _("Yes") : _("No");
}

/* X's connection_status values, in words; unknown ones as X spells them. */
static char *
connection_text(const GPtrArray *status)
{
	static const struct {
		const char *value;
		const char *text;
	} names[] = {
	    {"following", N_("you follow them")},
	    {"followed_by", N_("they follow you")},
	    {"follow_request_sent", N_("you asked to follow them")},
	    {"follow_request_received", N_("they asked to follow you")},
	    {"blocking", N_("you block them")},
	    {"muting", N_("you mute them")},
	};
	GString *text = g_string_new(NULL);

	for (guint i = 0; i < status->len; i++) {
		const char *value = status->pdata[i];
		const char *words = value;

		for (guint j = 0; j < G_N_ELEMENTS(names); j++) {
			if (g_str_equal(value, names[j].value))
				words = _(names[j].text);
		}
		if (text->len > 0)
			g_string_append(text, ", ");
		g_string_append(text, words);
	}
	if (text->len == 0)
		g_string_append(text, _("not connected"));
	return g_string_free(text, FALSE);
}

static void
add_user_info(PurpleNotifyUserInfo *info, const TwUser *user, gboolean full)
{
	g_autofree char *handle = g_strconcat("@", user->username, NULL);

	info_add(info, _("Name"), user->name);
	info_add(info, _("Handle"), handle);
	if (full) {
		info_add(info, _("Bio"), user->description);
		info_add(info, _("Location"), user->location);
		info_add(info, _("Link"), user->url);
		info_add_count(info, _("Followers"), user->followers_count);
		info_add_count(info, _("Following"), user->following_count);
		info_add(info, _("Verified"), yes_no(user->verified));
		info_add(info, _("Protected"), yes_no(user->protected_account));
		if (user->connection_status != NULL) {
			g_autofree char *connection =
			    connection_text(user->connection_status);

			info_add(info, _("Connection"), connection);
		}
	}
	if (user->receives_your_dm != -1)
		info_add(info, _("Accepts your DMs"),
			 yes_no(user->receives_your_dm));
}

static void
show_user_info(PurpleConnection *connection, const char *handle,
	       const TwUser *user, const char *problem)
{
	PurpleNotifyUserInfo *info = purple_notify_user_info_new();

	if (user != NULL)
		add_user_info(info, user, TRUE);
	info_add(info, _("Error"), problem);
	purple_notify_userinfo(connection, handle, info, NULL, NULL);
	purple_notify_user_info_destroy(info);
}

static void
get_info_found(const char *handle, const TwUser *user, const GError *error,
	       gpointer data)
{
	PurpleConnection *connection = data;
	TwAccount *tw = purple_connection_get_protocol_data(connection);
	g_autofree char *problem = NULL;

	if (user != NULL) {
		update_person(connection, user);
		show_user_info(connection, handle, user, NULL);
		return;
	}
	if (g_error_matches(error, TW_API_ERROR, TW_API_ERROR_NOT_FOUND))
		problem = g_strdup_printf(_("There is no X user @%s."), handle);
	else
		problem = g_strdup_printf(_("Could not look up @%s: %s"),
					  handle, error->message);
	/* What is known from messages is better than nothing. */
	show_user_info(connection, handle,
		       error->code == TW_API_ERROR_NOT_FOUND
			   ? NULL
			   : tw_account_find_user(tw, handle),
		       problem);
}

void
tw_prpl_get_info(PurpleConnection *connection, const char *who)
{
	TwAccount *tw = purple_connection_get_protocol_data(connection);
	g_autofree char *problem = NULL;

	if (tw == NULL ||
	    tw_account_look_up_user(tw, who, get_info_found, connection))
		return;
	problem = g_strdup_printf(_("\"%s\" is not a valid X handle."), who);
	show_user_info(connection, who, NULL, problem);
}

void
tw_prpl_tooltip_text(PurpleBuddy *buddy, PurpleNotifyUserInfo *info,
		     gboolean full)
{
	PurpleConnection *connection =
	    purple_account_get_connection(purple_buddy_get_account(buddy));
	TwAccount *tw = connection != NULL
			    ? purple_connection_get_protocol_data(connection)
			    : NULL;
	const TwUser *user =
	    tw != NULL ? tw_account_find_user(tw, purple_buddy_get_name(buddy))
		       : NULL;

	if (user != NULL)
		add_user_info(info, user, full);
}

typedef struct {
	PurpleAccount *account;
	char *handle;
} BuddyReference;

/* The buddy may have gone, and so may the account. */
static gboolean
remove_buddy_cb(gpointer data)
{
	BuddyReference *reference = data;

	if (g_list_find(purple_accounts_get_all(), reference->account) !=
	    NULL) {
		PurpleBuddy *buddy =
		    purple_find_buddy(reference->account, reference->handle);

		if (buddy != NULL)
			purple_blist_remove_buddy(buddy);
	}
	g_free(reference->handle);
	g_free(reference);
	return G_SOURCE_REMOVE;
}

/* Not during the UI's add: it may still use the buddy. */
static void
remove_buddy_later(PurpleAccount *account, const char *handle)
{
	BuddyReference *reference = g_new0(BuddyReference, 1);

	reference->account = account;
	reference->handle = g_strdup(handle);
	purple_timeout_add(0, remove_buddy_cb, reference);
}

static void
add_buddy_found(const char *handle, const TwUser *user, const GError *error,
		gpointer data)
{
	PurpleConnection *connection = data;
	g_autofree char *text = NULL;

	if (user != NULL) {
		update_person(connection, user);
		return;
	}
	if (!g_error_matches(error, TW_API_ERROR, TW_API_ERROR_NOT_FOUND)) {
		/* Kept: the lookup may work another time. */
		text = g_strdup_printf(_("Could not look up @%s: %s"), handle,
				       error->message);
		purple_notify_error(connection, _("Twitter DM"),
				    _("Could not check the new buddy"), text);
		return;
	}
	text = g_strdup_printf(_("There is no X user @%s. The buddy was "
				 "removed."),
			       handle);
	purple_notify_error(connection, _("Twitter DM"), _("No such X user"),
			    text);
	remove_buddy_later(purple_connection_get_account(connection), handle);
}

void
tw_prpl_add_buddy(PurpleConnection *connection, PurpleBuddy *buddy,
		  PurpleGroup *group)
{
	TwAccount *tw = purple_connection_get_protocol_data(connection);
	const char *name = purple_buddy_get_name(buddy);
	g_autofree char *text = NULL;

	if (tw == NULL ||
	    tw_account_look_up_user(tw, name, add_buddy_found, connection))
		return;
	text = g_strdup_printf(_("\"%s\" is not a valid X handle. The buddy "
				 "was removed."),
			       name);
	purple_notify_error(connection, _("Twitter DM"), _("No such X user"),
			    text);
	remove_buddy_later(purple_connection_get_account(connection), name);
}

void
tw_prpl_add_deny(PurpleConnection *connection, const char *name)
{
	TwAccount *tw = purple_connection_get_protocol_data(connection);

	if (tw != NULL)
		tw_account_set_blocked(tw, name, TRUE);
}

void
tw_prpl_rem_deny(PurpleConnection *connection, const char *name)
{
	TwAccount *tw = purple_connection_get_protocol_data(connection);

	if (tw != NULL)
		tw_account_set_blocked(tw, name, FALSE);
}

/****************************************************************************
 * Group chats
 ****************************************************************************/

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
static PurpleConversation *
open_group_chat(PurpleConnection *connection, const char *conversation_id)
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

static void
on_group_changed(gpointer ui, const TwAccountGroupChange *change)
{
	PurpleConnection *connection = ui;
	PurpleConversation *conv =
	    open_group_chat(connection, change->conversation_id);
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

static void
show_group_message(PurpleConnection *connection,
		   const TwAccountMessage *message, PurpleMessageFlags flags)
{
	g_autofree char *own = dup_own_handle(connection);
	PurpleConversation *conv =
	    open_group_chat(connection, message->conversation_id);
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
			open_group_chat(connection, conversation);
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

	if (purple_conversation_get_data(conv, CHAT_CREATING) != NULL) {
		purple_conversation_write(
		    conv, NULL,
		    _("The group is being created: send more once it is "
		      "there."),
		    PURPLE_MESSAGE_ERROR, time(NULL));
		return -EAGAIN;
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

static void
on_message(gpointer ui, const TwAccountMessage *message)
{
	PurpleConnection *connection = ui;
	PurpleMessageFlags flags = 0;

	/* Blocked people stay out of sight, whoever wrote the message. */
	if (!purple_privacy_check(purple_connection_get_account(connection),
				  message->peer)) {
		purple_debug_info(DEBUG_CATEGORY,
				  "message with a blocked user not shown\n");
		return;
	}
	if (message->delayed)
		flags |= PURPLE_MESSAGE_DELAYED;
	if (message->peer_user != NULL)
		update_person(connection, message->peer_user);
	else if (message->peer_name != NULL)
		serv_got_alias(connection, message->peer, message->peer_name);
	if (message->group) {
		show_group_message(connection, message, flags);
		return;
	}
	if (message->outgoing) {
		/* bitlbee drops plain SEND as a local echo; REMOTE_SEND marks
		 * a message the owner typed on another device. */
		PurpleConvIm *im = find_or_open_im(connection, message->peer);

		purple_conv_im_write(im, message->peer, message->html,
				     flags | PURPLE_MESSAGE_SEND |
					 PURPLE_MESSAGE_REMOTE_SEND,
				     (time_t)message->timestamp);
		return;
	}
	serv_got_im(connection, message->peer, message->html,
		    flags | PURPLE_MESSAGE_RECV, (time_t)message->timestamp);
}

static void
on_notice(gpointer ui, TwAccountNotice kind, const char *peer, const char *text)
{
	PurpleConnection *connection = ui;
	g_autofree char *escaped = purple_markup_escape_text(text, -1);
	PurpleConversation *conv;

	if (peer == NULL) {
		purple_notify_info(connection, _("Twitter DM"),
				   _("Message from the X account"), text);
		return;
	}
	if (g_str_has_prefix(peer, TW_ACCOUNT_GROUP_PREFIX))
		conv = open_group_chat(connection,
				       peer + strlen(TW_ACCOUNT_GROUP_PREFIX));
	else
		conv = find_or_open_im(connection, peer)->conv;
	switch (kind) {
	case TW_ACCOUNT_NOTICE_SEND_FAILED:
		purple_conversation_write(conv, NULL, escaped,
					  PURPLE_MESSAGE_ERROR, time(NULL));
		/* bitlbee does not show conversation error lines. */
		purple_notify_error(connection, _("Twitter DM"),
				    _("A message could not be sent"), text);
		break;
	case TW_ACCOUNT_NOTICE_SEND_WAITING:
	case TW_ACCOUNT_NOTICE_INFO:
		purple_conversation_write(
		    conv, NULL, escaped,
		    PURPLE_MESSAGE_SYSTEM | PURPLE_MESSAGE_NO_LOG, time(NULL));
		break;
	}
}

static void
on_refresh_token_changed(gpointer ui, const char *refresh_token)
{
	PurpleConnection *connection = ui;

	purple_account_set_password(purple_connection_get_account(connection),
				    refresh_token);
}

static void
on_error(gpointer ui, const GError *error)
{
	PurpleConnection *connection = ui;
	PurpleConnectionError reason = tw_prpl_connection_error_reason(error);
	g_autofree char *text = NULL;

	text = g_strdup_printf(
	    /* Translators: what failed, then why (the error's own text). */
	    _("%s: %s"), error_context(reason), error->message);
	purple_connection_error_reason(connection, reason, text);
}

static const TwAccountCallbacks account_callbacks = {
    .progress = on_progress,
    .signed_on = on_signed_on,
    .message = on_message,
    .notice = on_notice,
    .refresh_token_changed = on_refresh_token_changed,
    .error = on_error,
    .authorize = tw_prpl_on_authorize,
    .authorize_finished = tw_prpl_on_authorize_finished,
    .oauth1_token_changed = tw_prpl_on_oauth1_token_changed,
    .group_changed = on_group_changed,
};

/****************************************************************************
 * Protocol functions
 ****************************************************************************/

char *
tw_prpl_proxy_url_for(PurpleProxyInfo *info)
{
	const char *scheme;

	switch (purple_proxy_info_get_type(info)) {
	case PURPLE_PROXY_NONE:
		return g_strdup("");
	case PURPLE_PROXY_HTTP:
		scheme = "http";
		break;
	case PURPLE_PROXY_SOCKS4:
		scheme = "socks4a";
		break;
	case PURPLE_PROXY_SOCKS5:
	case PURPLE_PROXY_TOR:
		/* Names resolve at the proxy, so no DNS leaks around Tor. */
		scheme = "socks5h";
		break;
	case PURPLE_PROXY_USE_ENVVAR:
	case PURPLE_PROXY_USE_GLOBAL:
	default:
		return NULL;
	}
	if (purple_proxy_info_get_host(info) == NULL)
		return NULL;
	return g_strdup_printf("%s://%s:%d", scheme,
			       purple_proxy_info_get_host(info),
			       purple_proxy_info_get_port(info));
}

void
tw_prpl_login(PurpleAccount *account)
{
	PurpleConnection *connection = purple_account_get_connection(account);
	PurpleProxyInfo *proxy = purple_proxy_get_setup(account);
	g_autofree char *proxy_url =
	    proxy != NULL ? tw_prpl_proxy_url_for(proxy) : NULL;
	g_autofree char *state_directory =
	    g_build_filename(purple_user_dir(), "twdm", NULL);
	TwAccountConfig config = {0};
	TwAccount *tw;
	int history_days;

	connection->flags |= PURPLE_CONNECTION_NO_BGCOLOR |
			     PURPLE_CONNECTION_NO_FONTSIZE |
			     PURPLE_CONNECTION_NO_IMAGES;
	config.username =
	    tw_prpl_normalize(account, purple_account_get_username(account));
	config.password = purple_account_get_password(account);
	config.api_base = purple_account_get_string(account, TW_OPTION_API_BASE,
						    TW_DEFAULT_API_BASE);
	if (config.api_base == NULL || config.api_base[0] == '\0')
		config.api_base = TW_DEFAULT_API_BASE;
	config.client_id =
	    purple_account_get_string(account, TW_OPTION_CLIENT_ID, "");
	config.client_secret =
	    purple_account_get_string(account, TW_OPTION_CLIENT_SECRET, "");
	config.auth_method =
	    g_strcmp0(purple_account_get_string(account, TW_OPTION_AUTH_METHOD,
						TW_DEFAULT_AUTH_METHOD),
		      TW_AUTH_METHOD_OAUTH1) == 0
		? TW_ACCOUNT_AUTH_OAUTH1
		: TW_ACCOUNT_AUTH_OAUTH2;
	config.authorize_url = purple_account_get_string(
	    account, TW_OPTION_AUTHORIZE_URL, TW_DEFAULT_AUTHORIZE_URL);
	if (config.authorize_url == NULL || config.authorize_url[0] == '\0')
		config.authorize_url = TW_DEFAULT_AUTHORIZE_URL;
	config.redirect_uri = purple_account_get_string(
	    account, TW_OPTION_REDIRECT_URI, TW_DEFAULT_REDIRECT_URI);
	if (config.redirect_uri == NULL || config.redirect_uri[0] == '\0')
		config.redirect_uri = TW_DEFAULT_REDIRECT_URI;
	config.consumer_key =
	    purple_account_get_string(account, TW_OPTION_CONSUMER_KEY, "");
	config.consumer_secret =
	    purple_account_get_string(account, TW_OPTION_CONSUMER_SECRET, "");
	config.access_token =
	    purple_account_get_string(account, TW_OPTION_ACCESS_TOKEN, "");
	config.ca_file =
	    purple_account_get_string(account, TW_OPTION_CA_FILE, NULL);
	if (config.ca_file != NULL && config.ca_file[0] == '\0')
		config.ca_file = NULL;
	config.state_directory = state_directory;
	config.proxy_url = proxy_url;
	if (proxy != NULL && proxy_url != NULL && proxy_url[0] != '\0') {
		config.proxy_username = purple_proxy_info_get_username(proxy);
		config.proxy_password = purple_proxy_info_get_password(proxy);
	}
	config.poll_interval =
	    (guint)MAX(purple_account_get_int(account, TW_OPTION_POLL_INTERVAL,
					      TW_DEFAULT_POLL_INTERVAL),
		       0);
	history_days = purple_account_get_int(account, TW_OPTION_HISTORY_DAYS,
					      TW_DEFAULT_HISTORY_DAYS);
	config.history_days =
	    (guint)CLAMP(history_days, 0, TW_MAX_HISTORY_DAYS);

	tw = tw_account_new(&config, &account_callbacks, connection);
	purple_connection_set_protocol_data(connection, tw);
	purple_connection_update_progress(connection, _("Connecting"), 0, 4);
	tw_account_connect(tw);
}

void
tw_prpl_close(PurpleConnection *connection)
{
	TwAccount *tw = purple_connection_get_protocol_data(connection);

	tw_prpl_authorize_finish(connection);
	purple_connection_set_protocol_data(connection, NULL);
	tw_account_free(tw);
}

int
tw_prpl_send_im(PurpleConnection *connection, const char *who,
		const char *message, PurpleMessageFlags flags)
{
	TwAccount *tw = purple_connection_get_protocol_data(connection);

	if (tw == NULL)
		return -ENOTCONN;
	/* 0 tells libpurple not to echo: an empty message is not sent. */
	return tw_account_send_im(tw, who, message) > 0 ? 1 : 0;
}

const char *
tw_prpl_list_icon(PurpleAccount *account, PurpleBuddy *buddy)
{
	return TW_PROTOCOL_ICON;
}

GList *
tw_prpl_status_types(PurpleAccount *account)
{
	GList *types = NULL;

	types =
	    g_list_append(types, purple_status_type_new(PURPLE_STATUS_AVAILABLE,
							NULL, NULL, TRUE));
	types = g_list_append(types,
			      purple_status_type_new_with_attrs(
				  PURPLE_STATUS_UNAVAILABLE, "dm-closed",
				  _("Does not accept your messages"), FALSE,
				  FALSE, FALSE, "message", _("Message"),
				  purple_value_new(PURPLE_TYPE_STRING), NULL));
	types =
	    g_list_append(types, purple_status_type_new(PURPLE_STATUS_OFFLINE,
							NULL, NULL, TRUE));
	return types;
}

void
tw_prpl_set_status(PurpleAccount *account, PurpleStatus *status)
{
}

const char *
tw_prpl_normalize(const PurpleAccount *account, const char *who)
{
	/* libpurple expects a buffer that lives until the next call. */
	static char normalized[64];

	if (who == NULL)
		return NULL;
	while (*who == '@')
		who++;
	g_strlcpy(normalized, who, sizeof(normalized));
	for (char *p = normalized; *p != '\0'; p++)
		*p = g_ascii_tolower(*p);
	return normalized;
}

static void
action_check_now(PurplePluginAction *action)
{
	PurpleConnection *connection = action->context;
	TwAccount *tw = purple_connection_get_protocol_data(connection);

	if (tw != NULL)
		tw_account_poll_now(tw);
}

static void
action_show_status(PurplePluginAction *action)
{
	PurpleConnection *connection = action->context;
	TwAccount *tw = purple_connection_get_protocol_data(connection);
	g_autofree char *status = NULL;

	if (tw == NULL)
		return;
	status = tw_account_dup_status_text(tw);
	/* A plain message, not notify_formatted: bitlbee shows only these. */
	purple_notify_info(connection, _("Twitter DM"), _("Rate-limit status"),
			   status);
}

GList *
tw_prpl_actions(PurplePlugin *plugin, gpointer context)
{
	GList *actions = NULL;

	actions = g_list_append(
	    actions, purple_plugin_action_new(_("Check for new messages now"),
					      action_check_now));
	actions = g_list_append(
	    actions, purple_plugin_action_new(_("Show rate-limit status"),
					      action_show_status));
	return actions;
}

/****************************************************************************
 * Debug output
 ****************************************************************************/

static guint debug_handler;

static void
debug_to_purple(const char *domain, GLogLevelFlags level, const char *text,
		gpointer data)
{
	PurpleDebugLevel purple_level = PURPLE_DEBUG_MISC;

	if (level & (G_LOG_LEVEL_ERROR | G_LOG_LEVEL_CRITICAL))
		purple_level = PURPLE_DEBUG_ERROR;
	else if (level & G_LOG_LEVEL_WARNING)
		purple_level = PURPLE_DEBUG_WARNING;
	else if (level & (G_LOG_LEVEL_MESSAGE | G_LOG_LEVEL_INFO))
		purple_level = PURPLE_DEBUG_INFO;
	purple_debug(purple_level, DEBUG_CATEGORY, "%s\n", text);
}

void
tw_prpl_debug_install(void)
{
	if (debug_handler == 0)
		debug_handler = g_log_set_handler(
		    "twdm", G_LOG_LEVEL_MASK & ~G_LOG_LEVEL_ERROR,
		    debug_to_purple, NULL);
}

void
tw_prpl_debug_uninstall(void)
{
	if (debug_handler != 0)
		g_log_remove_handler("twdm", debug_handler);
	debug_handler = 0;
}
