/*
 * tw-groups: group conversations. X gives no roster: members are learnt
 * from join and leave events and from who writes, kept in tw-state and
 * told to the glue as they change. Also the group history shown when a
 * chat is opened and the creation of a group with its first message.
 * tw_account_dup_group_members(), tw_account_fetch_group_history() and
 * tw_account_create_group() (tw-account.h) are defined here.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "config.h"

#include "tw-groups.h"

#include <glib/gi18n-lib.h>

#include "tw-outbox.h"
#include "tw-people.h"
#include "tw-text.h"

/****************************************************************************
 * Helpers
 ****************************************************************************/

static int
compare_strings(gconstpointer a, gconstpointer b)
{
	return g_strcmp0(*(char *const *)a, *(char *const *)b);
}

static void
group_changed(TwAccount *account, const TwDmEvent *event, const char *user_id,
	      gboolean joined, gboolean announce)
{
	const TwUser *user = tw_people_lookup(account, user_id);
	g_autofree char *handle = tw_people_dup_handle_of(account, user_id);
	TwAccountGroupChange change = {0};

	if (account->callbacks->group_changed == NULL)
		return;
	change.conversation_id = event->conversation_id;
	change.handle = handle;
	change.name = user != NULL ? user->name : NULL;
	change.joined = joined;
	change.announce = announce;
	change.timestamp = tw_dm_event_get_time(event) / G_USEC_PER_SEC;
	account->callbacks->group_changed(account->ui, &change);
}

/* Someone seen in the group: a member, announced or not. */
static void
group_member_seen(TwAccount *account, const TwDmEvent *event,
		  const char *user_id, gboolean announce)
{
	g_autofree char *handle = NULL;

	if (user_id == NULL || g_strcmp0(user_id, account->me->id) == 0)
		return;
	handle = tw_people_dup_handle_of(account, user_id);
	if (tw_state_group_set_member(account->state, event->conversation_id,
				      user_id, handle))
		group_changed(account, event, user_id, TRUE, announce);
}

/* Join and leave events: the only roster X gives. */
static void
group_apply_membership(TwAccount *account, const TwDmEvent *event,
		       gboolean announce)
{
	if (event->type == TW_DM_EVENT_PARTICIPANTS_JOIN) {
		group_member_seen(account, event, event->sender_id, FALSE);
		for (guint i = 0; i < event->participant_ids->len; i++)
			group_member_seen(account, event,
					  event->participant_ids->pdata[i],
					  announce);
		return;
	}
	for (guint i = 0; i < event->participant_ids->len; i++) {
		const char *user_id = event->participant_ids->pdata[i];

		if (g_strcmp0(user_id, account->me->id) != 0 &&
		    tw_state_group_remove_member(
			account->state, event->conversation_id, user_id))
			group_changed(account, event, user_id, FALSE, announce);
	}
}

void
tw_groups_deliver_event(TwAccount *account, const TwDmEvent *event)
{
	const TwUser *sender;
	g_autofree char *handle = NULL;

	if (event->type != TW_DM_EVENT_MESSAGE_CREATE) {
		group_apply_membership(account, event, TRUE);
		return;
	}
	if (event->sender_id == NULL) {
		g_message("%s: group event %s has no sender; skipped",
			  account->username, event->id);
		return;
	}
	group_member_seen(account, event, event->sender_id, FALSE);
	sender = tw_people_lookup(account, event->sender_id);
	handle = tw_people_dup_handle_of(account, event->sender_id);
	tw_account_show_message(account, event, handle, sender, TRUE);
}

GPtrArray *
tw_account_dup_group_members(TwAccount *account, const char *conversation_id)
{
	GPtrArray *handles = g_ptr_array_new_with_free_func(g_free);
	GHashTable *members =
	    account->state != NULL
		? tw_state_group_get_members(account->state, conversation_id)
		: NULL;
	GHashTableIter iter;
	gpointer handle;

	if (members == NULL)
		return handles;
	g_hash_table_iter_init(&iter, members);
	while (g_hash_table_iter_next(&iter, NULL, &handle))
		g_ptr_array_add(handles, g_strdup(handle));
	g_ptr_array_sort(handles, compare_strings);
	return handles;
}

/* Events of one group's history page, shown if never delivered. */
#define GROUP_HISTORY_PAGE 20

static void
group_history_done(TwApiReply *reply, gpointer data)
{
	TwAccount *account = data;
	GHashTableIter iter;
	gpointer value;
	gint64 vouched;
	guint delivered = 0;

	tw_pace_take_headers(&account->read_pace, &reply->rate_limit,
			     g_get_real_time());
	if (reply->error != NULL) {
		g_message("%s: group history not read: %s", account->username,
			  reply->error->message);
		return;
	}
	g_hash_table_iter_init(&iter, reply->page->users);
	while (g_hash_table_iter_next(&iter, NULL, &value))
		tw_people_remember(account, value);
	/* Older than what the delivered record remembers may have been
	 * shown already. */
	vouched = tw_state_get_newest_delivered_time(account->state) -
		  TW_STATE_DELIVERED_WINDOW;
	g_ptr_array_sort(reply->page->events, tw_dm_event_compare_oldest_first);
	for (guint i = 0; i < reply->page->events->len; i++) {
		const TwDmEvent *event = reply->page->events->pdata[i];

		if (tw_state_is_delivered(account->state, event->id) ||
		    !tw_dm_event_is_group(event) ||
		    event->type == TW_DM_EVENT_UNKNOWN ||
		    (event->created_at > 0 && event->created_at < vouched) ||
		    tw_outbox_event_must_wait(account, event))
			continue;
		tw_groups_deliver_event(account, event);
		tw_state_mark_delivered(account->state, event->id,
					tw_dm_event_get_time(event));
		delivered++;
		if (account->failed)
			return;
	}
	tw_account_save_state(account);
	g_debug("%s: %u events of group history shown", account->username,
		delivered);
}

gboolean
tw_account_fetch_group_history(TwAccount *account, const char *conversation_id)
{
	if (!account->signed_on || account->failed ||
	    !tw_id_is_valid(conversation_id))
		return FALSE;
	/* The window's last request stays for the polls. */
	if (account->read_pace.limit.known &&
	    account->read_pace.limit.remaining <= 1 &&
	    account->read_pace.limit.reset * G_USEC_PER_SEC >
		g_get_real_time()) {
		g_debug("%s: no read budget for group history now",
			account->username);
		return FALSE;
	}
	tw_api_list_group_events(account->api, conversation_id,
				 GROUP_HISTORY_PAGE, NULL, group_history_done,
				 account, NULL);
	return TRUE;
}

typedef struct {
	TwAccount *account;
	GPtrArray *handles; /* still to look up, then all of them */
	GPtrArray *user_ids;
	GPtrArray *parts; /* the first creates the group; the rest follow */
	guint next;
	/* Set when a callback starts the next request: the finished one's
	 * destroy notify then leaves the creation to it. */
	gboolean handed_on;
	TwAccountGroupCreatedFunc func;
	gpointer user_data;
	GDestroyNotify destroy;
} GroupCreation;

/* The destroy notify of every request of a creation. */
static void
group_creation_free(gpointer data)
{
	GroupCreation *creation = data;

	if (creation->handed_on) {
		creation->handed_on = FALSE;
		return;
	}
	tw_outbox_release_echoes(creation->account);
	if (creation->destroy != NULL)
		creation->destroy(creation->user_data);
	g_ptr_array_unref(creation->handles);
	g_ptr_array_unref(creation->user_ids);
	g_ptr_array_unref(creation->parts);
	g_free(creation);
}

static void group_creation_step(GroupCreation *creation);

static void
group_creation_failed(GroupCreation *creation, const GError *error)
{
	creation->func(NULL, error, creation->user_data);
}

static void
group_created(TwApiReply *reply, gpointer data)
{
	GroupCreation *creation = data;
	TwAccount *account = creation->account;

	if (reply->error != NULL) {
		group_creation_failed(creation, reply->error);
		return;
	}
	/* Its first message is this one: never shown again. */
	if (reply->sent->event_id != NULL)
		tw_state_mark_delivered(account->state, reply->sent->event_id,
					0);
	for (guint i = 0; i < creation->user_ids->len; i++)
		tw_state_group_set_member(
		    account->state, reply->sent->conversation_id,
		    creation->user_ids->pdata[i], creation->handles->pdata[i]);
	/* A long first message: the rest follows through the outbox. */
	if (creation->parts->len > 1) {
		g_autofree char *conversation =
		    g_strconcat(TW_ACCOUNT_GROUP_PREFIX,
				reply->sent->conversation_id, NULL);

		for (guint i = 1; i < creation->parts->len; i++)
			tw_state_outbox_push(account->state, conversation,
					     creation->parts->pdata[i]);
		tw_outbox_kick(account);
	}
	tw_account_save_state(account);
	creation->func(reply->sent->conversation_id, NULL, creation->user_data);
}

static void
group_creation_lookup_done(TwApiReply *reply, gpointer data)
{
	GroupCreation *creation = data;
	g_autoptr(GError) error = NULL;

	if (reply->user == NULL) {
		if (g_error_matches(reply->error, TW_API_ERROR,
				    TW_API_ERROR_NOT_FOUND))
			error = g_error_new(
			    TW_API_ERROR, TW_API_ERROR_NOT_FOUND,
			    _("There is no X user @%s."),
			    (char *)creation->handles->pdata[creation->next]);
		group_creation_failed(creation,
				      error != NULL ? error : reply->error);
		return;
	}
	tw_people_remember(creation->account, reply->user);
	g_ptr_array_add(creation->user_ids, g_strdup(reply->user->id));
	creation->next++;
	creation->handed_on = TRUE;
	group_creation_step(creation);
}

/* One lookup at a time, then the POST: a handful of handles at most. */
static void
group_creation_step(GroupCreation *creation)
{
	TwAccount *account = creation->account;

	for (; creation->next < creation->handles->len; creation->next++) {
		const char *handle = creation->handles->pdata[creation->next];
		const char *user_id = tw_people_get_id(account, handle);

		if (user_id == NULL) {
			tw_api_get_user_by_username(
			    account->api, handle, group_creation_lookup_done,
			    creation, group_creation_free);
			return;
		}
		g_ptr_array_add(creation->user_ids, g_strdup(user_id));
	}
	g_ptr_array_add(creation->user_ids, NULL);
	tw_api_create_group(account->api,
			    (const char *const *)creation->user_ids->pdata,
			    creation->parts->pdata[0], group_created, creation,
			    group_creation_free);
	g_ptr_array_remove_index(creation->user_ids,
				 creation->user_ids->len - 1);
}

gboolean
tw_account_create_group(TwAccount *account, const char *const *handles,
			const char *html, TwAccountGroupCreatedFunc func,
			gpointer user_data, GDestroyNotify destroy)
{
	g_autofree char *plain = tw_text_outgoing_to_plain(html);
	g_autoptr(GPtrArray) parts = tw_text_split(plain, TW_TEXT_MAX_CHARS);
	GroupCreation *creation;

	if (!account->signed_on || account->failed || parts->len == 0) {
		if (destroy != NULL)
			destroy(user_data);
		return FALSE;
	}
	creation = g_new0(GroupCreation, 1);
	creation->account = account;
	creation->handles = g_ptr_array_new_with_free_func(g_free);
	for (guint i = 0; handles[i] != NULL; i++)
		g_ptr_array_add(creation->handles,
				g_ascii_strdown(handles[i], -1));
	creation->user_ids = g_ptr_array_new_with_free_func(g_free);
	creation->parts = g_steal_pointer(&parts);
	creation->func = func;
	creation->user_data = user_data;
	creation->destroy = destroy;
	tw_outbox_hold_echoes(account);
	group_creation_step(creation);
	return TRUE;
}
