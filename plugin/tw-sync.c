/*
 * tw-sync: reading the inbox. Polls are paced by the read pace (window /
 * limit), back off 1, 2, 4 paces after transient errors, page while pages
 * are entirely new or inside the overlap window where late events hide,
 * and deliver the batch oldest first, a few milliseconds per main-loop
 * turn, through the delivered-id record of tw-state (exactly once, saved
 * every DELIVERY_SAVE_EVERY messages).
 * Group events go to tw-groups; own events that may echo an unconfirmed
 * send wait for tw-outbox.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "config.h"

#include "tw-sync.h"

#include <glib/gi18n-lib.h>
#include <string.h>

#include "tw-groups.h"
#include "tw-loop.h"
#include "tw-outbox.h"
#include "tw-people.h"
#include "tw-session.h"
#include "tw-text.h"

/* Page sizes: the overlap window plus a few while idle (each event
 * returned is billed, unless re-read the same UTC day), twice as wide for
 * each page that comes back entirely new (up to TW_ACCOUNT_PAGE_MAX). The
 * few extra reach back past the overlap window only as far as events
 * this account read before: a first sign-on reads POLL_PAGE_FIRST events
 * it does not show (with history-days 0) and later polls re-read those
 * for free, instead of paying for older ones. */
#define POLL_PAGE_IDLE  5
#define POLL_PAGE_FIRST 3
/* A poll that follows next_token stops after this many pages (100,000
 * events): far more than 30 days of a busy inbox. */
#define POLL_MAX_PAGES 1000
/* Delivering a backlog yields to the main loop after this long, so the UI
 * never freezes (a UI's budget, not X's pace). */
#define DELIVERY_TURN_US 2000
/* The delivered record is written at least this often while delivering: a
 * crash shows at most this many messages again. */
#define DELIVERY_SAVE_EVERY 200
/* Late events (eventual consistency) are looked for this far back. */
#define POLL_OVERLAP (120 * G_TIME_SPAN_SECOND)
/* X keeps this much DM history. */
#define HISTORY_LIMIT (30 * G_TIME_SPAN_DAY)

typedef struct {
	guint64 save;    /* tw_state_get_save_asked() when it was asked */
	guint delivered; /* messages shown since the save before it */
} SavedReport;

struct _TwSync {
	guint poll_timer;
	guint64 poll_call;
	guint64 users_call;
	gint64 last_poll_time; /* Unix µs of the last page that came back */
	gint64 next_poll_time; /* Unix µs poll_timer, when set, fires */
	guint page_size;
	guint pages_this_poll;
	guint overlap_total; /* delivered events inside the overlap window */
	guint overlap_seen;  /* how many of them this poll's pages returned */
	gboolean
	    overlap_deferred; /* the last poll did not reach back over it */
	guint new_pages;      /* pages of this poll that were entirely new */
	/* token of the page being fetched; NULL for the first page */
	char *page_token;
	/* delivering the batch, a chunk per main-loop turn */
	guint delivery_timer;
	guint delivery_index;
	guint delivered_unsaved;
	/* SavedReport: deliveries whose save is asked for, not yet on disk */
	GArray *saved_reports;
	/* user ids already looked up, found or not */
	GHashTable *looked_up;
	gint64 poll_horizon;
	gint64 poll_stop_time;
	GPtrArray *batch; /* TwDmEvent, collected over the pages of one poll */
	GPtrArray *waiting; /* TwDmEvent held back until a send is confirmed */
	gboolean usage_cap_told;
	gboolean history_gap_told;
};

static void poll_start(TwAccount *account);

TwSync *
tw_sync_new(TwAccount *account)
{
	TwSync *sync = g_new0(TwSync, 1);

	(void)account;
	sync->batch =
	    g_ptr_array_new_with_free_func((GDestroyNotify)tw_dm_event_free);
	sync->waiting =
	    g_ptr_array_new_with_free_func((GDestroyNotify)tw_dm_event_free);
	sync->looked_up =
	    g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	sync->page_size = POLL_PAGE_IDLE;
	sync->saved_reports = g_array_new(FALSE, FALSE, sizeof(SavedReport));
	return sync;
}

void
tw_sync_free(TwSync *sync)
{
	if (sync == NULL)
		return;
	g_ptr_array_unref(sync->batch);
	g_ptr_array_unref(sync->waiting);
	g_hash_table_destroy(sync->looked_up);
	g_array_unref(sync->saved_reports);
	g_free(sync->page_token);
	g_free(sync);
}

void
tw_sync_stop(TwAccount *account)
{
	tw_clear_timeout(&account->sync->poll_timer);
	tw_clear_timeout(&account->sync->delivery_timer);
	account->sync->poll_call = account->sync->users_call = 0;
}

gboolean
tw_sync_is_polling(TwAccount *account)
{
	return account->sync->poll_call != 0 ||
	       account->sync->users_call != 0 ||
	       account->sync->delivery_timer != 0;
}

gint64
tw_sync_get_next_poll_time(TwAccount *account)
{
	return account->sync->poll_timer != 0 ? account->sync->next_poll_time
					      : 0;
}

gint64
tw_sync_get_last_poll_time(TwAccount *account)
{
	return account->sync->last_poll_time;
}

/****************************************************************************
 * Receiving
 ****************************************************************************/

static gboolean
poll_timer_cb(gpointer data)
{
	TwAccount *account = data;

	account->sync->poll_timer = 0;
	poll_start(account);
	return G_SOURCE_REMOVE;
}

void
tw_sync_schedule(TwAccount *account, guint delay_ms)
{
	tw_clear_timeout(&account->sync->poll_timer);
	account->sync->poll_timer =
	    tw_timeout_add(delay_ms, poll_timer_cb, account);
	account->sync->next_poll_time =
	    g_get_real_time() + (gint64)delay_ms * 1000;
}

/* Spread the remaining requests of the window over the time until reset. */
static guint
poll_pace_delay(TwAccount *account)
{
	return tw_pace_spread_ms(&account->read_pace, g_get_real_time());
}

/* How many events past the @overlap delivered ones a page may reach: as
 * many as the delivered record holds beyond them (shown, or handled
 * silently as older than the horizon), which were read before and cost
 * nothing to read again the same UTC day. */
static guint
poll_slack(TwAccount *account, guint overlap)
{
	guint read_before = tw_state_get_delivered_count(account->state);

	if (read_before == 0)
		return POLL_PAGE_FIRST;
	return CLAMP(read_before - MIN(read_before, overlap), 1,
		     POLL_PAGE_IDLE);
}

/* Known = already delivered, older than what this poll may show, or of a
 * kind this account does not show: paging never digs through history for
 * those. */
static gboolean
event_is_known(TwAccount *account, const TwDmEvent *event)
{
	return tw_state_is_delivered(account->state, event->id) ||
	       (event->created_at > 0 &&
		event->created_at < account->sync->poll_horizon) ||
	       event->type == TW_DM_EVENT_UNKNOWN ||
	       (event->type != TW_DM_EVENT_MESSAGE_CREATE &&
		!tw_dm_event_is_group(event));
}

static const char *
peer_id_of(TwAccount *account, const TwDmEvent *event)
{
	const char *me = account->me->id;
	const char *dash;

	if (event->sender_id != NULL && g_strcmp0(event->sender_id, me) != 0)
		return event->sender_id;
	/* Our own message: the peer is the other half of "a-b". */
	if (event->conversation_id == NULL ||
	    (dash = strchr(event->conversation_id, '-')) == NULL)
		return NULL;
	if (strncmp(event->conversation_id, me,
		    (gsize)(dash - event->conversation_id)) == 0 &&
	    strlen(me) == (gsize)(dash - event->conversation_id))
		return dash + 1;
	return NULL;
}

/* Which events of the batch can be shown now. */
static gboolean
event_is_deliverable(TwAccount *account, const TwDmEvent *event)
{
	if (event->type == TW_DM_EVENT_UNKNOWN ||
	    (event->type != TW_DM_EVENT_MESSAGE_CREATE &&
	     !tw_dm_event_is_group(event)))
		return FALSE;
	return !tw_outbox_event_must_wait(account, event);
}

static void
deliver_event(TwAccount *account, const TwDmEvent *event)
{
	const char *peer_id = peer_id_of(account, event);
	const TwUser *peer =
	    peer_id != NULL ? tw_people_lookup(account, peer_id) : NULL;
	g_autofree char *handle = NULL;

	if (peer_id == NULL) {
		g_message("%s: event %s has no conversation partner; skipped",
			  account->username, event->id);
		return;
	}
	/* X could not tell who it is (a deleted account): show the id
	 * rather than lose the message. */
	handle = peer != NULL ? g_ascii_strdown(peer->username, -1)
			      : g_strdup(peer_id);
	tw_account_show_message(account, event, handle, peer, FALSE);
}

static void
tell_history_gap(TwAccount *account)
{
	gint64 newest = tw_state_get_newest_delivered_time(account->state);
	g_autoptr(GDateTime) since = NULL;
	g_autofree char *since_text = NULL;
	g_autofree char *text = NULL;

	if (account->sync->history_gap_told ||
	    tw_state_is_new(account->state) || newest == 0 ||
	    g_get_real_time() - newest <= HISTORY_LIMIT)
		return;
	account->sync->history_gap_told = TRUE;
	since = g_date_time_new_from_unix_local(newest / G_USEC_PER_SEC);
	since_text = g_date_time_format(since, "%x %X");
	text = g_strdup_printf(
	    /* TRANSLATORS: %s is the date and time of the last message. */
	    _("This account was offline since %s, longer than the 30 days "
	      "of messages X keeps: messages from before the last 30 days "
	      "could not be fetched."),
	    since_text);
	tw_account_notice(account, TW_ACCOUNT_NOTICE_INFO, NULL, text);
}

static void deliver_batch(TwAccount *account);

static gboolean
same_event_id(gconstpointer a, gconstpointer b)
{
	return g_strcmp0(((const TwDmEvent *)a)->id,
			 ((const TwDmEvent *)b)->id) == 0;
}

static void
users_done(TwApiReply *reply, gpointer data)
{
	TwAccount *account = data;

	account->sync->users_call = 0;
	tw_account_learn_window(account, &reply->rate_limit);
	if (reply->error != NULL) {
		/* The batch stays undelivered; the next poll tries again. */
		g_message("%s: user lookup failed: %s", account->username,
			  reply->error->message);
		g_ptr_array_set_size(account->sync->batch, 0);
		account->sync->pages_this_poll = 0;
		tw_sync_schedule(account, poll_pace_delay(account));
		return;
	}
	for (guint i = 0; i < reply->users->len; i++)
		tw_people_remember(account, reply->users->pdata[i]);
	deliver_batch(account);
}

static void
add_missing_user(TwAccount *account, GPtrArray *missing, const char *user_id)
{
	if (user_id != NULL && missing->len < 100 &&
	    tw_people_lookup(account, user_id) == NULL &&
	    !g_hash_table_contains(account->sync->looked_up, user_id) &&
	    !g_ptr_array_find_with_equal_func(missing, user_id, g_str_equal,
					      NULL))
		g_ptr_array_add(missing, (gpointer)user_id);
}

/* Peers of our own messages from other devices, and the people who join
 * or leave groups, are not in includes. */
static gboolean
lookup_missing_peers(TwAccount *account)
{
	g_autoptr(GPtrArray) missing = g_ptr_array_new();

	for (guint i = 0; i < account->sync->batch->len && missing->len < 100;
	     i++) {
		const TwDmEvent *event = account->sync->batch->pdata[i];

		if (!event_is_deliverable(account, event) ||
		    event_is_known(account, event))
			continue;
		if (!tw_dm_event_is_group(event)) {
			add_missing_user(account, missing,
					 peer_id_of(account, event));
			continue;
		}
		add_missing_user(account, missing, event->sender_id);
		for (guint j = 0; j < event->participant_ids->len; j++)
			add_missing_user(account, missing,
					 event->participant_ids->pdata[j]);
	}
	if (missing->len == 0)
		return FALSE;
	/* A user X cannot find (deleted, suspended) is not asked again. */
	for (guint i = 0; i < missing->len; i++)
		g_hash_table_add(account->sync->looked_up,
				 g_strdup(missing->pdata[i]));
	g_ptr_array_add(missing, NULL);
	account->sync->users_call =
	    tw_api_get_users(account->api, (const char *const *)missing->pdata,
			     users_done, account, NULL);
	return TRUE;
}

/* "delivered N messages" is logged once the save that holds them is on
 * disk: a crash shows again only what came after the last such line. */
static void
report_saved_deliveries(TwAccount *account)
{
	GArray *reports = account->sync->saved_reports;
	guint64 written = tw_state_get_save_written(account->state);
	guint done = 0;
	guint delivered = 0;

	while (done < reports->len &&
	       g_array_index(reports, SavedReport, done).save <= written)
		delivered +=
		    g_array_index(reports, SavedReport, done++).delivered;
	g_array_remove_range(reports, 0, done);
	if (delivered > 0)
		g_debug("%s: delivered %u messages", account->username,
			delivered);
}

/* Asks for the save of the messages shown since the last one. */
static void
save_deliveries(TwAccount *account)
{
	SavedReport report = {0};

	tw_account_save_state_soon(account);
	report.save = tw_state_get_save_asked(account->state);
	report.delivered = account->sync->delivered_unsaved;
	account->sync->delivered_unsaved = 0;
	if (report.delivered > 0)
		g_array_append_val(account->sync->saved_reports, report);
	report_saved_deliveries(account);
}

static void deliver_chunk(TwAccount *account);

static gboolean
deliver_chunk_cb(gpointer data)
{
	TwAccount *account = data;

	account->sync->delivery_timer = 0;
	deliver_chunk(account);
	return G_SOURCE_REMOVE;
}

/* One event of the batch: delivered, silently handled, held or left. */
static gboolean
deliver_one(TwAccount *account, const TwDmEvent *event)
{
	if (tw_state_is_delivered(account->state, event->id))
		return FALSE;
	if (event->created_at > 0 &&
	    event->created_at < account->sync->poll_horizon) {
		/* Older than this account shows: handled, silently. A
		 * group's stay unmarked, for its history when the chat is
		 * opened. */
		if (!tw_dm_event_is_group(event))
			tw_state_mark_delivered(account->state, event->id,
						event->created_at);
		return FALSE;
	}
	if (tw_outbox_event_must_wait(account, event)) {
		/* Kept until the send is confirmed: later pages may no longer
		 * reach back to it. */
		if (!g_ptr_array_find_with_equal_func(
			account->sync->waiting, event, same_event_id, NULL))
			g_ptr_array_add(account->sync->waiting,
					tw_dm_event_copy(event));
		return FALSE;
	}
	if (!event_is_deliverable(account, event))
		return FALSE;
	if (tw_dm_event_is_group(event))
		tw_groups_deliver_event(account, event);
	else
		deliver_event(account, event);
	tw_state_mark_delivered(account->state, event->id,
				tw_dm_event_get_time(event));
	return TRUE;
}

static gint64
newest_created_at(const GPtrArray *events)
{
	gint64 newest = 0;

	for (guint i = 0; i < events->len; i++)
		newest = MAX(newest,
			     ((const TwDmEvent *)events->pdata[i])->created_at);
	return newest;
}

static void
deliver_chunk(TwAccount *account)
{
	TwSync *sync = account->sync;
	gint64 turn_end = g_get_monotonic_time() + DELIVERY_TURN_US;

	/* The save's snapshot has a turn of its own: it and a turn's
	 * deliveries each stay within the budget. */
	report_saved_deliveries(account);
	if (sync->delivered_unsaved >= DELIVERY_SAVE_EVERY) {
		save_deliveries(account);
		turn_end = 0;
	}
	while (sync->delivery_index < sync->batch->len && !account->failed &&
	       g_get_monotonic_time() < turn_end &&
	       sync->delivered_unsaved < DELIVERY_SAVE_EVERY) {
		if (deliver_one(account,
				sync->batch->pdata[sync->delivery_index++]))
			sync->delivered_unsaved++;
	}
	if (account->failed)
		return;
	if (sync->delivery_index < sync->batch->len) {
		sync->delivery_timer =
		    tw_timeout_add(0, deliver_chunk_cb, account);
		return;
	}
	/* Also what was handled silently: the next poll must not redo it.
	 * Only now is all of the batch delivered: a save during it must not
	 * tell a restart that the poll read that far. */
	tw_state_set_read_until(account->state, newest_created_at(sync->batch));
	save_deliveries(account);
	g_ptr_array_set_size(sync->batch, 0);
	sync->pages_this_poll = 0;
	tw_sync_schedule(account, poll_pace_delay(account));
}

static void
deliver_batch(TwAccount *account)
{
	if (lookup_missing_peers(account))
		return;
	/* Events held back earlier get another chance. */
	for (guint i = 0; i < account->sync->waiting->len; i++) {
		TwDmEvent *event = account->sync->waiting->pdata[i];

		if (!g_ptr_array_find_with_equal_func(
			account->sync->batch, event, same_event_id, NULL))
			g_ptr_array_add(account->sync->batch,
					tw_dm_event_copy(event));
	}
	g_ptr_array_set_size(account->sync->waiting, 0);
	g_ptr_array_sort(account->sync->batch,
			 tw_dm_event_compare_oldest_first);
	account->sync->delivery_index = 0;
	deliver_chunk(account);
}

static void poll_page(TwAccount *account, const char *pagination_token);

static gboolean
poll_resume_cb(gpointer data)
{
	TwAccount *account = data;

	account->sync->poll_timer = 0;
	poll_page(account, account->sync->page_token);
	return G_SOURCE_REMOVE;
}

/* The same page again later: pages already fetched are kept, so a long
 * backfill goes on across rate-limit windows and errors. */
static void
poll_resume(TwAccount *account, guint delay_ms)
{
	tw_clear_timeout(&account->sync->poll_timer);
	account->sync->poll_timer =
	    tw_timeout_add(delay_ms, poll_resume_cb, account);
}

static void
poll_failed(TwAccount *account, GError *error)
{
	if (g_error_matches(error, TW_API_ERROR, TW_API_ERROR_RATE_LIMITED)) {
		g_debug("%s: rate limited; waiting for the window to reset",
			account->username);
		poll_resume(account, tw_pace_until_reset_ms(&account->read_pace,
							    g_get_real_time()));
	} else if (g_error_matches(error, TW_API_ERROR,
				   TW_API_ERROR_USAGE_CAPPED)) {
		if (!account->sync->usage_cap_told) {
			g_autofree char *text = g_strdup_printf(
			    /* TRANSLATORS: %s is X's own message. */
			    _("X's usage cap for this app is reached (%s): "
			      "new messages cannot be read until it resets."),
			    error->message);

			account->sync->usage_cap_told = TRUE;
			tw_account_notice(account, TW_ACCOUNT_NOTICE_INFO, NULL,
					  text);
		}
		poll_resume(
		    account,
		    MAX(tw_pace_until_reset_ms(&account->read_pace,
					       g_get_real_time()),
			tw_pace_backoff_ms(&account->read_pace, G_MAXUINT)));
	} else if (g_error_matches(error, TW_API_ERROR,
				   TW_API_ERROR_CREDITS_DEPLETED)) {
		tw_account_fail_with(
		    account, TW_API_ERROR, TW_API_ERROR_CREDITS_DEPLETED,
		    /* TRANSLATORS: %s is X's own message. */
		    _("X stopped serving this app: its prepaid credits "
		      "are used up (%s). Add credits in the X developer "
		      "console, then reconnect."),
		    error->message);
	} else if (g_error_matches(error, TW_API_ERROR,
				   TW_API_ERROR_FORBIDDEN)) {
		tw_account_fail_with(
		    account, TW_API_ERROR, TW_API_ERROR_FORBIDDEN,
		    /* TRANSLATORS: %s is X's own message. */
		    /* dm.read and "Read and write and Direct message" are */
		    /* X's names (in English in its portal): keep them. */
		    _("X does not let this app read your direct messages "
		      "(%s). The token needs the dm.read scope and the "
		      "app the \"Read and write and Direct message\" "
		      "permission on a plan with DM access."),
		    error->message);
	} else if (tw_account_is_transient_error(error)) {
		tw_pace_fail(&account->read_pace, error, g_get_real_time());
		g_debug("%s: poll failed (%s); retry %u", account->username,
			error->message, account->read_pace.failures);
		poll_resume(account,
			    tw_pace_backoff_ms(&account->read_pace,
					       account->read_pace.failures));
	} else {
		tw_account_fail(account, g_steal_pointer(&error));
	}
	g_clear_error(&error);
}

/* Whether this poll must page on to reach back over the overlap window,
 * where late events hide (older than every delivered one the pages held):
 * once the pages have shown all of those, the look further back may wait
 * for the next poll (its page reaches as far as this one did, plus what it
 * shows), but never twice in a row, so a busy inbox still looks. */
static gboolean
overlap_owed(TwAccount *account, gint64 oldest)
{
	TwSync *sync = account->sync;

	if (oldest <= sync->poll_stop_time)
		return FALSE;
	return sync->overlap_seen < sync->overlap_total ||
	       sync->overlap_deferred;
}

static void
poll_done(TwApiReply *reply, gpointer data)
{
	TwAccount *account = data;
	TwSync *sync = account->sync;
	TwDmPage *page;
	gboolean all_unknown = TRUE;
	gboolean page_is_new;
	gboolean more;
	gint64 oldest = G_MAXINT64;
	GHashTableIter iter;
	gpointer value;

	account->sync->poll_call = 0;
	tw_pace_take_headers(&account->read_pace, &reply->rate_limit,
			     g_get_real_time());
	if (g_error_matches(reply->error, TW_API_ERROR,
			    TW_API_ERROR_UNAUTHORIZED) &&
	    tw_session_retry_after_refresh(account,
					   reply->access_token_generation,
					   TW_SESSION_USER_POLL, poll_start))
		return;
	if (reply->error != NULL) {
		poll_failed(account, g_steal_pointer(&reply->error));
		return;
	}
	tw_session_request_succeeded(account, TW_SESSION_USER_POLL);
	tw_session_token_worked(account);
	tw_pace_succeed(&account->read_pace);
	account->sync->last_poll_time = g_get_real_time();
	page = reply->page;
	g_hash_table_iter_init(&iter, page->users);
	while (g_hash_table_iter_next(&iter, NULL, &value))
		tw_people_remember(account, value);
	for (guint i = 0; i < page->events->len; i++) {
		TwDmEvent *event = page->events->pdata[i];

		if (event_is_known(account, event))
			all_unknown = FALSE;
		if (tw_state_is_delivered(account->state, event->id) &&
		    event->created_at >= account->sync->poll_stop_time)
			account->sync->overlap_seen++;
		if (event->created_at > 0)
			oldest = MIN(oldest, event->created_at);
		g_ptr_array_add(account->sync->batch,
				g_steal_pointer(&page->events->pdata[i]));
	}
	account->sync->pages_this_poll++;

	more = page->next_token != NULL && page->events->len > 0 &&
	       sync->pages_this_poll < POLL_MAX_PAGES;
	/* A page is new when it is all unknown, or when it does not reach
	 * back to where the last finished poll read: what it knows is then
	 * only the account's own sends, confirmed while reads failed, with
	 * the customers' messages before them still unread. */
	page_is_new = all_unknown ||
		      oldest > MAX(sync->poll_horizon,
				   tw_state_get_read_until(account->state));
	sync->new_pages = page_is_new ? sync->new_pages + 1 : 0;
	/* Follow next_token while the page is new, or still inside the
	 * overlap window where late events may hide. */
	if (more && (page_is_new || overlap_owed(account, oldest))) {
		/* The next page holds what is still ahead of the delivered
		 * events of the overlap window, and the few read before. A
		 * second page in a row that is new is a backlog: then it
		 * also doubles, though the part that turns out old may not
		 * have been read yet, and be billed. */
		guint overlap_left =
		    sync->overlap_total -
		    MIN(sync->overlap_total, sync->overlap_seen);
		guint ahead =
		    overlap_left + poll_slack(account, sync->overlap_total);

		if (sync->new_pages >= 2)
			ahead = MAX(ahead, sync->page_size * 2);
		sync->page_size = MIN(ahead, TW_ACCOUNT_PAGE_MAX);
		g_free(account->sync->page_token);
		account->sync->page_token = g_strdup(page->next_token);
		/* A long backfill spends the window, then waits for the next
		 * one: never a 429. */
		if (account->read_pace.limit.known &&
		    account->read_pace.limit.remaining <= 0)
			poll_resume(account,
				    tw_pace_until_reset_ms(&account->read_pace,
							   g_get_real_time()));
		else
			poll_page(account, account->sync->page_token);
		return;
	}
	/* Stopped short of the overlap window's start: the next poll owes
	 * the look back. */
	sync->overlap_deferred = more && oldest > sync->poll_stop_time;
	if (page->next_token == NULL || page->events->len == 0)
		tell_history_gap(account);
	deliver_batch(account);
}

static void
poll_page(TwAccount *account, const char *pagination_token)
{
	if (pagination_token != account->sync->page_token) {
		g_free(account->sync->page_token);
		account->sync->page_token = g_strdup(pagination_token);
	}
	account->sync->poll_call =
	    tw_api_list_dm_events(account->api, account->sync->page_size,
				  pagination_token, poll_done, account, NULL);
}

static void
poll_start(TwAccount *account)
{
	gint64 newest;
	gint64 first;

	if (account->sync->poll_call != 0 || account->sync->users_call != 0 ||
	    account->sync->delivery_timer != 0 || account->failed)
		return;
	tw_clear_timeout(&account->sync->poll_timer);
	report_saved_deliveries(account);
	if (account->sync->pages_this_poll > 0) {
		poll_page(account, account->sync->page_token);
		return;
	}
	newest = tw_state_get_newest_delivered_time(account->state);
	first = tw_state_get_first_sign_on(account->state) -
		(gint64)account->history_days * G_TIME_SPAN_DAY;
	/* Nothing older than the first sign-on (minus history-days), and
	 * nothing the delivered record can no longer vouch for. */
	account->sync->poll_horizon =
	    MAX(first, newest - TW_STATE_DELIVERED_WINDOW);
	/* From where the last finished poll read, not from the newest
	 * delivered time, which the account's own sends move. */
	account->sync->poll_stop_time =
	    MAX(account->sync->poll_horizon,
		tw_state_get_read_until(account->state) - POLL_OVERLAP);
	/* One page that reaches back over the overlap window, where late
	 * events may hide, plus room for a few new ones: a poll is one
	 * request in the steady state, and re-reading what was already
	 * delivered today is not billed. */
	account->sync->overlap_total = tw_state_count_delivered_since(
	    account->state, account->sync->poll_stop_time);
	account->sync->overlap_seen = 0;
	account->sync->new_pages = 0;
	account->sync->page_size =
	    MIN(account->sync->overlap_total +
		    poll_slack(account, account->sync->overlap_total),
		TW_ACCOUNT_PAGE_MAX);
	g_ptr_array_set_size(account->sync->batch, 0);
	poll_page(account, NULL);
}

void
tw_account_poll_now(TwAccount *account)
{
	if (!account->signed_on || account->failed ||
	    account->sync->poll_call != 0 || account->sync->users_call != 0 ||
	    account->sync->delivery_timer != 0)
		return;
	if (account->read_pace.limit.known &&
	    account->read_pace.limit.remaining <= 0)
		tw_sync_schedule(account,
				 tw_pace_until_reset_ms(&account->read_pace,
							g_get_real_time()));
	else
		tw_sync_schedule(account, 0);
}
