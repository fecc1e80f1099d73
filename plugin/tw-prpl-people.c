/*
 * tw-prpl-people: the purple glue of the people an account converses
 * with: buddies named by handle and aliased with the display name, their
 * presence (X has none: everyone is there unless they refuse DMs), their
 * icons, the user info dialog and tooltip, adding a buddy, and blocking.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "config.h"

#include "tw-prpl-people.h"

#include <glib/gi18n-lib.h>
#include <string.h>

#include "purple-twdm.h"
#include "tw-account.h"

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
void
tw_prpl_people_update(PurpleConnection *connection, const TwUser *user)
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
void
tw_prpl_people_show_present(PurpleConnection *connection)
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

/* "Waiting for an answer: 14 min", while the customer waits. */
static void
info_add_waiting(PurpleNotifyUserInfo *info, TwAccount *tw, const char *handle)
{
	gint64 since =
	    tw != NULL ? tw_account_get_waiting_since(tw, handle) : 0;
	g_autofree char *text = NULL;

	if (since == 0)
		return;
	text = tw_account_dup_duration_text(
	    MAX(0, (g_get_real_time() - since) / G_USEC_PER_SEC));
	info_add(info, _("Waiting for an answer"), text);
}

static void
show_user_info(PurpleConnection *connection, const char *handle,
	       const TwUser *user, const char *problem)
{
	PurpleNotifyUserInfo *info = purple_notify_user_info_new();

	if (user != NULL)
		add_user_info(info, user, TRUE);
	info_add_waiting(info, purple_connection_get_protocol_data(connection),
			 handle);
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
		tw_prpl_people_update(connection, user);
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
	info_add_waiting(info, tw, purple_buddy_get_name(buddy));
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
		tw_prpl_people_update(connection, user);
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
