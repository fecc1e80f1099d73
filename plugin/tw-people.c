/*
 * tw-people: the people an account meets: the users X described (from
 * includes and lookups), their handles, icons, lookups by handle and
 * blocking, and whether someone has written (the plugin's record, or X's
 * history of the conversation). tw_account_find_user(),
 * tw_account_look_up_user(), tw_account_fetch_icon(),
 * tw_account_set_blocked(), tw_account_has_written() and
 * tw_account_check_wrote() (tw-account.h) are defined here.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "config.h"

#include "tw-people.h"

#include <glib/gi18n-lib.h>

#include "tw-loop.h"

struct _TwPeople {
	GHashTable *users;        /* user id -> TwUser */
	GHashTable *handle_ids;   /* lower-case handle -> user id */
	GHashTable *icon_fetches; /* URLs being fetched */
	/* WroteCheck waiting for the read window to reset */
	GPtrArray *deferred_checks;
	guint deferred_timer;
};

static void wrote_check_free(gpointer data);

TwPeople *
tw_people_new(TwAccount *account)
{
	TwPeople *people = g_new0(TwPeople, 1);

	(void)account;
	people->users = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
					      (GDestroyNotify)tw_user_free);
	people->handle_ids =
	    g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	people->icon_fetches =
	    g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	people->deferred_checks =
	    g_ptr_array_new_with_free_func(wrote_check_free);
	return people;
}

void
tw_people_free(TwPeople *people)
{
	if (people == NULL)
		return;
	g_hash_table_destroy(people->users);
	g_hash_table_destroy(people->handle_ids);
	g_hash_table_destroy(people->icon_fetches);
	tw_clear_timeout(&people->deferred_timer);
	g_ptr_array_unref(people->deferred_checks);
	g_free(people);
}

const TwUser *
tw_people_lookup(TwAccount *account, const char *user_id)
{
	return g_hash_table_lookup(account->people->users, user_id);
}

const char *
tw_people_get_id(TwAccount *account, const char *handle)
{
	return g_hash_table_lookup(account->people->handle_ids, handle);
}

void
tw_people_remember(TwAccount *account, const TwUser *user)
{
	g_autofree char *handle = NULL;

	if (user->id == NULL || user->username == NULL)
		return;
	handle = g_ascii_strdown(user->username, -1);
	g_hash_table_replace(account->people->users, g_strdup(user->id),
			     tw_user_copy(user));
	g_hash_table_replace(account->people->handle_ids,
			     g_steal_pointer(&handle), g_strdup(user->id));
}

char *
tw_people_dup_handle_of(TwAccount *account, const char *user_id)
{
	const TwUser *user =
	    g_hash_table_lookup(account->people->users, user_id);

	return user != NULL ? g_ascii_strdown(user->username, -1)
			    : g_strdup(user_id);
}

const TwUser *
tw_account_find_user(TwAccount *account, const char *handle)
{
	g_autofree char *lower = g_ascii_strdown(handle, -1);
	const char *id =
	    g_hash_table_lookup(account->people->handle_ids, lower);

	return id != NULL ? g_hash_table_lookup(account->people->users, id)
			  : NULL;
}

typedef struct {
	TwAccount *account;
	char *handle;
	TwAccountUserFunc func;
	gpointer user_data;
} UserLookup;

static void
user_lookup_free(gpointer data)
{
	UserLookup *lookup = data;

	g_free(lookup->handle);
	g_free(lookup);
}

static void
user_lookup_done(TwApiReply *reply, gpointer data)
{
	UserLookup *lookup = data;

	if (reply->user != NULL)
		tw_people_remember(lookup->account, reply->user);
	lookup->func(lookup->handle, reply->user, reply->error,
		     lookup->user_data);
}

/* The handle as X spells it in a path: no '@', valid, or NULL. */
static char *
clean_handle(const char *handle)
{
	while (handle != NULL && *handle == '@')
		handle++;
	if (handle == NULL || !tw_api_username_is_valid(handle))
		return NULL;
	return g_ascii_strdown(handle, -1);
}

gboolean
tw_account_look_up_user(TwAccount *account, const char *handle,
			TwAccountUserFunc func, gpointer user_data)
{
	g_autofree char *clean = clean_handle(handle);
	UserLookup *lookup;

	if (!account->signed_on || account->failed || clean == NULL)
		return FALSE;
	lookup = g_new0(UserLookup, 1);
	lookup->account = account;
	lookup->handle = g_strdup(clean);
	lookup->func = func;
	lookup->user_data = user_data;
	tw_api_get_user_by_username(account->api, clean, user_lookup_done,
				    lookup, user_lookup_free);
	return TRUE;
}

typedef struct {
	TwAccount *account;
	char *url;
	TwAccountIconFunc func;
	gpointer user_data;
	GDestroyNotify destroy;
} IconFetch;

static void
icon_fetch_free(gpointer data)
{
	IconFetch *fetch = data;

	g_hash_table_remove(fetch->account->people->icon_fetches, fetch->url);
	if (fetch->destroy != NULL)
		fetch->destroy(fetch->user_data);
	g_free(fetch->url);
	g_free(fetch);
}

static void
icon_fetch_done(TwHttpResponse *response, const GError *error, gpointer data)
{
	IconFetch *fetch = data;
	g_autoptr(GBytes) image = NULL;

	if (error != NULL) {
		g_debug("%s: icon not fetched: %s", fetch->account->username,
			error->message);
	} else if (tw_http_response_get_status(response) != 200) {
		g_debug("%s: icon not fetched: HTTP %u",
			fetch->account->username,
			tw_http_response_get_status(response));
	} else {
		gsize length;
		const char *body = tw_http_response_get_body(response, &length);

		if (length > 0)
			image = g_bytes_new(body, length);
	}
	fetch->func(fetch->url, image, fetch->user_data);
}

gboolean
tw_account_fetch_icon(TwAccount *account, const char *url,
		      TwAccountIconFunc func, gpointer user_data,
		      GDestroyNotify destroy)
{
	IconFetch *fetch;

	if (g_hash_table_contains(account->people->icon_fetches, url)) {
		if (destroy != NULL)
			destroy(user_data);
		return FALSE;
	}
	g_hash_table_add(account->people->icon_fetches, g_strdup(url));
	fetch = g_new0(IconFetch, 1);
	fetch->account = account;
	fetch->url = g_strdup(url);
	fetch->func = func;
	fetch->user_data = user_data;
	fetch->destroy = destroy;
	tw_http_send(account->http, tw_http_request_new("GET", url),
		     icon_fetch_done, fetch, icon_fetch_free);
	return TRUE;
}

typedef struct {
	TwAccount *account;
	char *handle;
	gboolean blocked;
} BlockRequest;

/* The notice of a block or unblock that failed. */
static void
block_failed(BlockRequest *request, const GError *error)
{
	g_autofree char *text = NULL;

	if (request->blocked)
		/* TRANSLATORS: the X handle, then the error's text. */
		text = g_strdup_printf(_("Could not block @%s: %s"),
				       request->handle, error->message);
	else
		/* TRANSLATORS: the X handle, then the error's text. */
		text = g_strdup_printf(_("Could not unblock @%s: %s"),
				       request->handle, error->message);
	tw_account_notice(request->account, TW_ACCOUNT_NOTICE_INFO, NULL, text);
}

static void
block_request_free(gpointer data)
{
	BlockRequest *request = data;

	g_free(request->handle);
	g_free(request);
}

static void
block_done(TwApiReply *reply, gpointer data)
{
	BlockRequest *request = data;

	if (reply->error == NULL) {
		g_debug("%s: @%s %s", request->account->username,
			request->handle,
			request->blocked ? "blocked" : "unblocked");
		return;
	}
	block_failed(request, reply->error);
}

static void
block_start(BlockRequest *request, const char *user_id)
{
	tw_api_set_dm_block(request->account->api, user_id, request->blocked,
			    block_done, request, block_request_free);
}

static void
block_lookup_done(TwApiReply *reply, gpointer data)
{
	BlockRequest *request = data;
	BlockRequest *next;

	if (reply->user == NULL) {
		block_failed(request, reply->error);
		return;
	}
	tw_people_remember(request->account, reply->user);
	next = g_new0(BlockRequest, 1);
	next->account = request->account;
	next->handle = g_strdup(request->handle);
	next->blocked = request->blocked;
	block_start(next, reply->user->id);
}

gboolean
tw_account_set_blocked(TwAccount *account, const char *handle, gboolean blocked)
{
	g_autofree char *clean = clean_handle(handle);
	BlockRequest *request;
	const char *user_id;

	if (!account->signed_on || account->failed || clean == NULL)
		return FALSE;
	request = g_new0(BlockRequest, 1);
	request->account = account;
	request->handle = g_strdup(clean);
	request->blocked = blocked;
	user_id = g_hash_table_lookup(account->people->handle_ids, clean);
	if (user_id != NULL)
		block_start(request, user_id);
	else
		tw_api_get_user_by_username(account->api, clean,
					    block_lookup_done, request,
					    block_request_free);
	return TRUE;
}

void
tw_people_note_wrote(TwAccount *account, const char *handle)
{
	if (account->state != NULL && handle != NULL)
		tw_state_note_correspondent(account->state, handle);
}

gboolean
tw_account_has_written(TwAccount *account, const char *handle)
{
	if (account->state == NULL || handle == NULL)
		return FALSE;
	/* Everyone who waits has written: the record has them too. */
	return tw_state_is_correspondent(account->state, handle);
}

typedef struct {
	TwAccount *account;
	char *handle;
	char *user_id; /* once known */
	TwAccountWroteFunc func;
	gpointer user_data;
	gboolean deferred; /* waited for a reset once already */
} WroteCheck;

static void
wrote_check_free(gpointer data)
{
	WroteCheck *check = data;

	g_free(check->handle);
	g_free(check->user_id);
	g_free(check);
}

static WroteCheck *
wrote_check_new(TwAccount *account, const char *handle, const char *user_id,
		TwAccountWroteFunc func, gpointer user_data)
{
	WroteCheck *check = g_new0(WroteCheck, 1);

	check->account = account;
	check->handle = g_strdup(handle);
	check->user_id = g_strdup(user_id);
	check->func = func;
	check->user_data = user_data;
	return check;
}

/* A check of its own for the next call: the API frees the one it had. */
static WroteCheck *
wrote_check_copy(const WroteCheck *check, const char *user_id)
{
	WroteCheck *copy =
	    wrote_check_new(check->account, check->handle, user_id, check->func,
			    check->user_data);

	copy->deferred = check->deferred;
	return copy;
}

static void wrote_check_start(WroteCheck *check);

static gboolean
deferred_checks_cb(gpointer data)
{
	TwAccount *account = data;
	GPtrArray *due = account->people->deferred_checks;

	account->people->deferred_timer = 0;
	account->people->deferred_checks =
	    g_ptr_array_new_with_free_func(wrote_check_free);
	g_ptr_array_set_free_func(due, NULL);
	for (guint i = 0; i < due->len; i++)
		wrote_check_start(due->pdata[i]);
	g_ptr_array_unref(due);
	return G_SOURCE_REMOVE;
}

/* The polls spend the read window to its last request: a check that
 * finds none left waits for the reset (once) rather than asking the
 * user about someone who may well have written. Takes @check. */
static void
defer_check(WroteCheck *check)
{
	TwPeople *people = check->account->people;

	check->deferred = TRUE;
	g_ptr_array_add(people->deferred_checks, check);
	if (people->deferred_timer == 0)
		people->deferred_timer = tw_timeout_add(
		    tw_pace_until_reset_ms(&check->account->read_pace,
					   g_get_real_time()),
		    deferred_checks_cb, check->account);
}

static void
wrote_events_done(TwApiReply *reply, gpointer data)
{
	WroteCheck *check = data;
	gboolean wrote = FALSE;

	/* The read counts against the same window as the polls. */
	tw_pace_take_headers(&check->account->read_pace, &reply->rate_limit,
			     g_get_real_time());
	if (g_error_matches(reply->error, TW_API_ERROR,
			    TW_API_ERROR_RATE_LIMITED) &&
	    !check->deferred) {
		defer_check(wrote_check_copy(check, check->user_id));
		return;
	}
	for (guint i = 0; reply->page != NULL && i < reply->page->events->len;
	     i++) {
		const TwDmEvent *event = reply->page->events->pdata[i];

		if (event->type == TW_DM_EVENT_MESSAGE_CREATE &&
		    g_strcmp0(event->sender_id, check->user_id) == 0)
			wrote = TRUE;
	}
	if (reply->error != NULL)
		g_debug("%s: could not ask X whether @%s wrote: %s",
			check->account->username, check->handle,
			reply->error->message);
	if (wrote &&
	    tw_state_note_correspondent(check->account->state, check->handle))
		tw_account_save_state(check->account);
	check->func(check->handle, wrote, check->user_data);
}

/* Takes @check, whose user_id is set. */
static void
wrote_check_start(WroteCheck *check)
{
	const TwRateLimit *limit = &check->account->read_pace.limit;

	if (limit->known && limit->remaining <= 0 &&
	    tw_pace_get_reset_time(&check->account->read_pace) >
		g_get_real_time() &&
	    !check->deferred) {
		defer_check(check);
		return;
	}
	tw_api_list_conversation_events(
	    check->account->api, check->user_id, TW_ACCOUNT_WROTE_PAGE, NULL,
	    wrote_events_done, check, wrote_check_free);
}

static void
wrote_lookup_done(TwApiReply *reply, gpointer data)
{
	WroteCheck *check = data;

	if (reply->user == NULL) {
		check->func(check->handle, FALSE, check->user_data);
		return;
	}
	tw_people_remember(check->account, reply->user);
	wrote_check_start(wrote_check_copy(check, reply->user->id));
}

gboolean
tw_account_check_wrote(TwAccount *account, const char *handle,
		       TwAccountWroteFunc func, gpointer user_data)
{
	g_autofree char *clean = clean_handle(handle);
	WroteCheck *check;
	const char *user_id;

	if (!account->signed_on || account->failed || clean == NULL ||
	    account->state == NULL)
		return FALSE;
	user_id = g_hash_table_lookup(account->people->handle_ids, clean);
	check = wrote_check_new(account, clean, user_id, func, user_data);
	if (user_id != NULL)
		wrote_check_start(check);
	else
		tw_api_get_user_by_username(account->api, clean,
					    wrote_lookup_done, check,
					    wrote_check_free);
	return TRUE;
}

void
tw_account_allow_first_contact(TwAccount *account, const char *handle)
{
	if (account->state == NULL || handle == NULL)
		return;
	if (tw_state_note_correspondent(account->state, handle))
		tw_account_save_state(account);
}
