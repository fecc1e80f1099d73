/*
 * tw-account: one signed-on X account.
 *
 * Sign-on: choose the refresh token (tw-state), exchange it, store the
 * rotated one before using the access token, check /2/users/me, then poll.
 * Polling is paced by the rate-limit headers; delivery is exactly-once
 * through the delivered-id record of tw-state, saved after every batch.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "tw-account.h"

#include <string.h>

#include "tw-auth.h"
#include "tw-loop.h"
#include "tw-pace.h"
#include "tw-rotation.h"
#include "tw-state.h"
#include "tw-text.h"

G_DEFINE_QUARK(tw - account - error - quark, tw_account_error)

/* Page sizes: the overlap window plus a few while idle (each event
 * returned is billed, unless re-read the same UTC day), wider while pages
 * come back entirely new. */
#define POLL_PAGE_IDLE 5
#define POLL_PAGE_MAX  100
/* A poll that follows next_token stops after this many pages (100,000
 * events): far more than 30 days of a busy inbox. */
#define POLL_MAX_PAGES 1000
/* Events delivered per main-loop turn, so a backlog never freezes the UI. */
#define DELIVERY_CHUNK 200
/* Late events (eventual consistency) are looked for this far back. */
#define POLL_OVERLAP (120 * G_TIME_SPAN_SECOND)
/* X keeps this much DM history. */
#define HISTORY_LIMIT (30 * G_TIME_SPAN_DAY)
/* Retries of a failed token request (the endpoint has no rate-limit
 * headers to pace by). */
#define REFRESH_RETRY_FIRST_MS 2000
#define REFRESH_RETRY_MAX_MS   (60 * 1000)
/* Refresh the access token this long before it expires. */
#define REFRESH_MARGIN_SECONDS 300

/* Set once the one-time notice about encrypted chats was shown. */
#define FLAG_E2EE_NOTICE "e2ee-notice-shown"
/* Transient failures of one message before it is given up. */
#define SEND_MAX_ATTEMPTS 8
/* 401s in a row, each right after a successful refresh, before the token
 * is taken as unusable (about eight minutes of backing off) */
#define UNAUTHORIZED_STREAK_MAX 8
/* Own events this much older than queuing may still be the message. */
#define SEND_CLOCK_SKEW (60 * G_TIME_SPAN_SECOND)
/* Events looked at when checking whether a message arrived. */
#define SEND_VERIFY_PAGE 20

typedef void (*TwAccountOperation)(TwAccount *account);

struct _TwAccount {
	/* configuration, owned copies */
	char *username;
	char *password;
	char *api_base;
	char *client_id;
	char *client_secret;
	char *state_directory;
	char *proxy_url;
	char *proxy_username;
	char *proxy_password;
	char *ca_file;
	guint poll_interval;
	guint history_days;
	TwAccountAuthMethod auth_method;
	char *authorize_url;
	char *redirect_uri;
	char *consumer_key;
	char *consumer_secret;
	char *access_token;

	const TwAccountCallbacks *callbacks;
	gpointer ui;

	TwHttp *http;
	TwApi *api;
	TwState *state;
	GError *state_error;
	TwUser *me;
	char *refresh_token;
	gboolean signed_on;
	gboolean failed;
	gint64 connected_at;

	/* token refresh */
	guint refresh_timer;
	/* the rotation this account waits for (tw-rotation), 0 = none */
	guint64 refresh_waiter;
	guint refresh_failures;
	/* the last refresh failed after reaching X: it may have rotated */
	gboolean refresh_ambiguous;
	/* X rotated the refresh token but the answer was lost: the access
	 * token is used until it expires, then the user authorizes again */
	gboolean rotation_lost;
	guint expiry_timer;
	/* 401s that came right after a refresh, in a row */
	guint unauthorized_streak;
	gint64 access_token_expiry; /* Unix µs; 0 = unknown or never */
	/* operations waiting for a fresh access token */
	GPtrArray *after_refresh;
	gboolean me_retried;
	gboolean poll_retried;
	gboolean send_retried;

	/* sign-on */
	guint start_timer;
	guint64 me_call;

	/* authorization; its tokens are kept once /2/users/me confirms */
	TwAuthorization *authorization;
	char *pending_refresh_token;
	/* the refresh token X refused, replaced by the next authorization */
	char *refused_refresh_token;
	char *pending_oauth1_token;
	char *pending_oauth1_secret;

	/* polling */
	guint poll_timer;
	guint64 poll_call;
	guint64 users_call;
	TwPace read_pace;
	gint64 last_poll_time; /* Unix µs of the last page that came back */
	gint64 next_poll_time; /* Unix µs poll_timer, when set, fires */
	guint page_size;
	guint pages_this_poll;
	/* token of the page being fetched; NULL for the first page */
	char *page_token;
	/* delivering the batch, a chunk per main-loop turn */
	guint delivery_timer;
	guint delivery_index;
	/* user ids already looked up, found or not */
	GHashTable *looked_up;
	gint64 poll_horizon;
	gint64 poll_stop_time;
	GPtrArray *batch; /* TwDmEvent, collected over the pages of one poll */
	GPtrArray *waiting; /* TwDmEvent held back until a send is confirmed */
	GHashTable *users;  /* user id -> TwUser */
	GHashTable *handle_ids;   /* lower-case handle -> user id */
	GHashTable *icon_fetches; /* URLs being fetched */
	guint groups_being_created;
	gboolean usage_cap_told;
	gboolean history_gap_told;

	/* sending: the outbox lives in the state, so it survives crashes */
	guint send_timer;
	guint64 verify_call;
	gboolean send_verified;
	guint64 send_call;
	guint64 lookup_call;
	TwPace send_pace;
	gint64 next_send_time; /* Unix µs send_timer, when set, fires */
	gboolean send_wait_told;
};

static void poll_start(TwAccount *account);
static void send_next(TwAccount *account);
static void get_me_start(TwAccount *account);
static void refresh_start(TwAccount *account);

/****************************************************************************
 * Helpers
 ****************************************************************************/

static int
compare_strings(gconstpointer a, gconstpointer b)
{
	return g_strcmp0(*(char *const *)a, *(char *const *)b);
}

static guint
until_reset_delay(const TwPace *pace)
{
	return tw_pace_until_reset_ms(pace, g_get_real_time());
}

static void
take_headers(TwPace *pace, const TwRateLimit *limit)
{
	tw_pace_take_headers(pace, limit, g_get_real_time());
}

/* Headers of another family (users): the window's length for both. */
static void
learn_window(TwAccount *account, const TwRateLimit *limit)
{
	tw_pace_learn_window(&account->read_pace, limit, g_get_real_time());
	tw_pace_learn_window(&account->send_pace, limit, g_get_real_time());
}

static gboolean
is_transient_error(const GError *error)
{
	if (error->domain == TW_HTTP_ERROR)
		return error->code != TW_HTTP_ERROR_INSECURE_URL &&
		       error->code != TW_HTTP_ERROR_INVALID_URL &&
		       error->code != TW_HTTP_ERROR_TLS;
	return g_error_matches(error, TW_API_ERROR, TW_API_ERROR_SERVER) ||
	       g_error_matches(error, TW_API_ERROR,
			       TW_API_ERROR_BAD_RESPONSE) ||
	       g_error_matches(error, TW_API_ERROR,
			       TW_API_ERROR_UNEXPECTED_STATUS);
}

static void
stop_everything(TwAccount *account)
{
	tw_clear_timeout(&account->start_timer);
	tw_clear_timeout(&account->refresh_timer);
	tw_clear_timeout(&account->expiry_timer);
	/* A rotation is never cancelled: it finishes and stores its token
	 * (tw-rotation), whoever waits for it. */
	tw_rotation_detach(account->refresh_waiter);
	account->refresh_waiter = 0;
	tw_clear_timeout(&account->poll_timer);
	tw_clear_timeout(&account->send_timer);
	tw_clear_timeout(&account->delivery_timer);
	g_clear_pointer(&account->authorization, tw_authorization_free);
	if (account->http != NULL)
		tw_http_cancel_all(account->http);
	account->me_call = account->poll_call = 0;
	account->users_call = account->send_call = account->lookup_call = 0;
	account->verify_call = 0;
	g_ptr_array_set_size(account->after_refresh, 0);
}

static void
save_state(TwAccount *account)
{
	g_autoptr(GError) error = NULL;

	if (account->state != NULL && !tw_state_save(account->state, &error))
		g_message("%s: %s", account->username, error->message);
}

/* The end of the account: one error callback, then silence. */
static void
fail(TwAccount *account, GError *error)
{
	if (account->failed) {
		g_error_free(error);
		return;
	}
	account->failed = TRUE;
	g_message("%s: %s", account->username, error->message);
	stop_everything(account);
	save_state(account);
	account->callbacks->error(account->ui, error);
	g_error_free(error);
}

static void fail_with(TwAccount *account, GQuark domain, int code,
		      const char *format, ...) G_GNUC_PRINTF(4, 5);

static void
fail_with(TwAccount *account, GQuark domain, int code, const char *format, ...)
{
	va_list args;
	g_autofree char *message = NULL;

	va_start(args, format);
	message = g_strdup_vprintf(format, args);
	va_end(args);
	fail(account, g_error_new_literal(domain, code, message));
}

static void
notice(TwAccount *account, TwAccountNotice kind, const char *peer,
       const char *text)
{
	if (account->callbacks->notice != NULL)
		account->callbacks->notice(account->ui, kind, peer, text);
}

static void
remember_user(TwAccount *account, const TwUser *user)
{
	g_autofree char *handle = NULL;

	if (user->id == NULL || user->username == NULL)
		return;
	handle = g_ascii_strdown(user->username, -1);
	g_hash_table_replace(account->users, g_strdup(user->id),
			     tw_user_copy(user));
	g_hash_table_replace(account->handle_ids, g_steal_pointer(&handle),
			     g_strdup(user->id));
}

/****************************************************************************
 * Tokens
 ****************************************************************************/

static gboolean refresh_timer_cb(gpointer data);
static void reauthorize(TwAccount *account);

/* The wait before the next refresh after @failures of the token
 * endpoint. X does not pace that endpoint (no rate-limit headers), so
 * fixed seconds: 2 doubling to 60, X's poll pace. */
static guint
refresh_backoff_delay(guint failures)
{
	guint delay = REFRESH_RETRY_FIRST_MS;

	for (guint i = 1; i < failures && delay < REFRESH_RETRY_MAX_MS; i++)
		delay *= 2;
	return tw_pace_add_jitter(MIN(delay, REFRESH_RETRY_MAX_MS));
}

/* Runs @operation once a usable access token is there. */
static void
wait_for_token(TwAccount *account, TwAccountOperation operation)
{
	if (!g_ptr_array_find(account->after_refresh, operation, NULL))
		g_ptr_array_add(account->after_refresh, operation);
}

/* A request came back 401: refresh and run it again. @generation is the
 * access token the request was sent with (TwApiReply). */
static gboolean
retry_after_refresh(TwAccount *account, guint generation, gboolean *retried,
		    TwAccountOperation operation)
{
	if (account->auth_method == TW_ACCOUNT_AUTH_OAUTH1) {
		/* OAuth 1.0a tokens do not expire: a 401 means revoked. */
		fail_with(account, TW_API_ERROR, TW_API_ERROR_UNAUTHORIZED,
			  "X no longer accepts the OAuth 1.0a access token: it "
			  "was revoked, or the app's keys were regenerated. "
			  "Enter a new access token and secret, or clear the "
			  "access-token option to authorize again with a PIN.");
		return TRUE;
	}
	if (generation != tw_api_get_access_token_generation(account->api)) {
		/* Sent with a token replaced meanwhile: the new one is
		 * tried, no refresh needed (unless one is under way). */
		if (account->refresh_waiter != 0 || account->rotation_lost ||
		    account->authorization != NULL)
			wait_for_token(account, operation);
		else
			operation(account);
		return TRUE;
	}
	if (account->rotation_lost) {
		/* No refresh token to refresh with: the user must authorize
		 * the app again, now. */
		wait_for_token(account, operation);
		reauthorize(account);
		return TRUE;
	}
	if (*retried) {
		if (!account->signed_on)
			return FALSE;
		if (account->unauthorized_streak >= UNAUTHORIZED_STREAK_MAX) {
			/* Queued messages stay in the outbox for the next
			 * sign-on. */
			fail_with(account, TW_API_ERROR,
				  TW_API_ERROR_UNAUTHORIZED,
				  "X keeps refusing freshly refreshed access "
				  "tokens. Check the app's permissions in the "
				  "developer portal, then sign on again.");
			return TRUE;
		}
		/* A fresh token refused too: a hiccup at X, or a revoked
		 * grant, which the next refresh will tell. Back off, refresh
		 * again; only a refused refresh ends the account. */
		account->unauthorized_streak++;
	}
	*retried = TRUE;
	wait_for_token(account, operation);
	if (account->refresh_waiter != 0)
		return TRUE;
	tw_clear_timeout(&account->refresh_timer);
	if (account->unauthorized_streak == 0)
		refresh_start(account);
	else
		account->refresh_timer = tw_timeout_add(
		    tw_pace_backoff_ms(&account->read_pace,
				       account->unauthorized_streak),
		    refresh_timer_cb, account);
	return TRUE;
}

static gboolean
refresh_timer_cb(gpointer data)
{
	TwAccount *account = data;

	account->refresh_timer = 0;
	refresh_start(account);
	return G_SOURCE_REMOVE;
}

static void
schedule_refresh(TwAccount *account, gint64 expires_in)
{
	gint64 seconds;

	if (expires_in <= 0)
		return;
	if (expires_in > 2 * REFRESH_MARGIN_SECONDS)
		seconds = expires_in - REFRESH_MARGIN_SECONDS;
	else
		seconds = MAX(expires_in * 3 / 4, 1);
	tw_clear_timeout(&account->refresh_timer);
	account->refresh_timer =
	    tw_timeout_add((guint)MIN(seconds * 1000, (gint64)G_MAXINT32),
			   refresh_timer_cb, account);
}

static void authorize_start(TwAccount *account, TwAuthorizationMethod method,
			    const char *reason);

static gboolean
expiry_timer_cb(gpointer data)
{
	TwAccount *account = data;

	account->expiry_timer = 0;
	reauthorize(account);
	return G_SOURCE_REMOVE;
}

/* The rotation's answer was lost and X refuses the old refresh token:
 * nothing can renew the access token. It works until it expires; the
 * user is told once, in words, and asked to authorize again then. */
static void
rotation_lost(TwAccount *account, const GError *error)
{
	gint64 now = g_get_real_time();
	g_autoptr(GDateTime) until = NULL;
	g_autofree char *until_text = NULL;
	g_autofree char *text = NULL;

	g_message("%s: the answer to a token rotation was lost and X refuses "
		  "the old refresh token (%s): working on until the access "
		  "token expires",
		  account->username, error->message);
	account->rotation_lost = TRUE;
	/* No refresh is pending: requests go on with the access token. */
	account->refresh_failures = 0;
	tw_auth_wipe_string(account->refused_refresh_token);
	account->refused_refresh_token =
	    g_steal_pointer(&account->refresh_token);
	tw_clear_timeout(&account->refresh_timer);
	until = g_date_time_new_from_unix_local(account->access_token_expiry /
						G_USEC_PER_SEC);
	until_text = g_date_time_format(until, "%H:%M");
	text = g_strdup_printf(
	    "X renewed this account's authorization, but its answer was lost "
	    "on the way, and X no longer accepts the old one (%s). Messages "
	    "keep coming until %s; authorize the app again before then: you "
	    "will be asked at that time, and messages waiting to be sent are "
	    "kept.",
	    error->message, until_text);
	notice(account, TW_ACCOUNT_NOTICE_INFO, NULL, text);
	account->expiry_timer = tw_timeout_add(
	    (guint)MIN(MAX(account->access_token_expiry - now, 0) / 1000,
		       (gint64)G_MAXINT32),
	    expiry_timer_cb, account);
}

/* Online, with no refresh token that works: the authorization prompt,
 * once. */
static void
reauthorize(TwAccount *account)
{
	if (account->authorization != NULL || account->failed)
		return;
	tw_clear_timeout(&account->expiry_timer);
	if (account->callbacks->authorize == NULL) {
		fail_with(account, TW_API_ERROR, TW_API_ERROR_TOKEN_REFUSED,
			  "X no longer accepts this account's authorization: "
			  "sign in again.");
		return;
	}
	authorize_start(account, TW_AUTHORIZATION_OAUTH2,
			"X no longer accepts this account's saved "
			"authorization (the answer to its last renewal was "
			"lost). Authorize the app again; messages waiting to "
			"be sent are kept.");
}

/* X refused the refresh token: revoked, expired, or rotated by a refresh
 * whose answer never reached the disk. Signing on, the user is asked to
 * authorize the app again; online, the account ends and the next sign-on
 * asks. */
static void
refresh_refused(TwAccount *account, const GError *error)
{
	g_autofree char *reason = NULL;

	if (account->signed_on || account->callbacks->authorize == NULL) {
		fail_with(account, TW_API_ERROR, TW_API_ERROR_TOKEN_REFUSED,
			  "X refused the refresh token: %s%s", error->message,
			  account->callbacks->authorize != NULL
			      ? " (connecting again asks you to authorize "
				"the app again)"
			      : "");
		return;
	}
	g_message("%s: X refused the refresh token (%s): asking to "
		  "authorize again",
		  account->username, error->message);
	tw_auth_wipe_string(account->refused_refresh_token);
	account->refused_refresh_token =
	    g_steal_pointer(&account->refresh_token);
	reason = g_strdup_printf("X no longer accepts this account's saved "
				 "authorization (%s). Authorize the app "
				 "again.",
				 error->message);
	authorize_start(account, TW_AUTHORIZATION_OAUTH2, reason);
}

static void
refresh_failed(TwAccount *account, const TwRotationResult *result)
{
	const GError *error = result->error;
	gboolean after_ambiguous = account->refresh_ambiguous;
	g_autoptr(GError) state_error = NULL;

	if (g_error_matches(error, TW_API_ERROR, TW_API_ERROR_TOKEN_REFUSED)) {
		account->refresh_ambiguous = FALSE;
		/* After a failure that may have rotated it, a refusal means
		 * the rotation's answer was lost: with a live access token
		 * the account works on until it expires. */
		if (after_ambiguous && account->signed_on &&
		    account->access_token_expiry > g_get_real_time()) {
			rotation_lost(account, error);
			return;
		}
		if (after_ambiguous && account->signed_on) {
			account->rotation_lost = TRUE;
			tw_auth_wipe_string(account->refused_refresh_token);
			account->refused_refresh_token =
			    g_steal_pointer(&account->refresh_token);
			reauthorize(account);
			return;
		}
		refresh_refused(account, error);
		return;
	}
	/* Signing on with no connection to X at all: the client shows the
	 * network error and reconnects on its own. */
	if (!is_transient_error(error) ||
	    (!account->signed_on &&
	     g_error_matches(error, TW_HTTP_ERROR, TW_HTTP_ERROR_CONNECT))) {
		fail(account, g_error_copy(error));
		return;
	}
	/* X answered with an error, or nothing was sent: the token is not
	 * spent. Otherwise it may be, which the retry will tell. */
	account->refresh_ambiguous = result->ambiguous;
	if (!result->ambiguous &&
	    !tw_state_clear_rotation(account->state, &state_error))
		g_message("%s: %s", account->username, state_error->message);
	/* Signing on or online, keep trying; waiting requests wait. */
	account->refresh_failures++;
	g_debug("%s: token refresh failed (%s, %s); retry %u",
		account->username, error->message,
		result->ambiguous ? "may have reached X" : "X did not rotate",
		account->refresh_failures);
	account->refresh_timer =
	    tw_timeout_add(refresh_backoff_delay(account->refresh_failures),
			   refresh_timer_cb, account);
}

static void
refresh_done(const TwRotationResult *result, gpointer data)
{
	TwAccount *account = data;
	g_autoptr(GPtrArray) waiting = NULL;
	g_autoptr(GError) error = NULL;
	const TwToken *token = result->token;

	account->refresh_waiter = 0;
	if (result->error != NULL) {
		refresh_failed(account, result);
		return;
	}
	account->refresh_failures = 0;
	account->refresh_ambiguous = FALSE;
	/* The rotation may be one a disconnected session started with an
	 * older token: what it replaced is the token it was sent with. */
	if (token->refresh_token != NULL &&
	    g_strcmp0(token->refresh_token, account->refresh_token) != 0) {
		/* Rotation: the old token is spent now. The new one must be
		 * on disk before anything else happens. */
		if (!tw_state_store_refresh_token(
			account->state, token->refresh_token,
			result->refresh_token, &error)) {
			fail_with(account, TW_ACCOUNT_ERROR,
				  TW_ACCOUNT_ERROR_STATE, "%s", error->message);
			return;
		}
		tw_auth_wipe_string(account->refresh_token);
		account->refresh_token = g_strdup(token->refresh_token);
		if (account->callbacks->refresh_token_changed != NULL)
			account->callbacks->refresh_token_changed(
			    account->ui, account->refresh_token);
	} else if (!tw_state_clear_rotation(account->state, &error)) {
		g_message("%s: %s", account->username, error->message);
	}
	tw_api_set_access_token(account->api, token->access_token);
	account->access_token_expiry =
	    token->expires_in > 0
		? g_get_real_time() + token->expires_in * G_USEC_PER_SEC
		: 0;
	schedule_refresh(account, token->expires_in);

	if (!account->signed_on && account->me_call == 0 &&
	    account->after_refresh->len == 0) {
		if (account->callbacks->progress != NULL)
			account->callbacks->progress(
			    account->ui, "Checking the account", 2, 3);
		get_me_start(account);
		return;
	}
	waiting = g_steal_pointer(&account->after_refresh);
	account->after_refresh = g_ptr_array_new();
	for (guint i = 0; i < waiting->len && !account->failed; i++)
		((TwAccountOperation)waiting->pdata[i])(account);
}

/* The one refresh of this account: a scheduled one, a 401's and the
 * sign-on's all come here, and wait for the one in flight. */
static void
refresh_start(TwAccount *account)
{
	g_autoptr(GError) error = NULL;
	TwRotationConfig config = {
	    .state_directory = account->state_directory,
	    .username = account->username,
	    .api_base = account->api_base,
	    .client_id = account->client_id,
	    .client_secret = account->client_secret,
	    .proxy_url = account->proxy_url,
	    .proxy_username = account->proxy_username,
	    .proxy_password = account->proxy_password,
	    .ca_file = account->ca_file,
	};

	if (account->refresh_waiter != 0 || account->rotation_lost ||
	    account->failed)
		return;
	tw_clear_timeout(&account->refresh_timer);
	/* On disk before it leaves: a crash or a lost answer is known. */
	if (!tw_rotation_is_in_flight(account->state_directory,
				      account->username) &&
	    !tw_state_note_rotation(account->state, account->refresh_token,
				    &error)) {
		fail_with(account, TW_ACCOUNT_ERROR, TW_ACCOUNT_ERROR_STATE,
			  "%s", error->message);
		return;
	}
	account->refresh_waiter = tw_rotation_start(
	    &config, account->refresh_token, refresh_done, account);
}

/****************************************************************************
 * Sign-on
 ****************************************************************************/

static void poll_schedule(TwAccount *account, guint delay_ms);

/* Authorized again while online (after a lost rotation): what waited
 * for a token goes on. */
static void
reauthorized(TwAccount *account)
{
	g_autoptr(GPtrArray) waiting = g_steal_pointer(&account->after_refresh);

	g_message("%s: authorized again", account->username);
	account->after_refresh = g_ptr_array_new();
	account->rotation_lost = FALSE;
	account->refresh_failures = 0;
	account->refresh_ambiguous = FALSE;
	account->poll_retried = account->send_retried = FALSE;
	account->unauthorized_streak = 0;
	for (guint i = 0; i < waiting->len && !account->failed; i++)
		((TwAccountOperation)waiting->pdata[i])(account);
	if (!account->failed) {
		tw_account_poll_now(account);
		send_next(account);
	}
}

static void
get_me_done(TwApiReply *reply, gpointer data)
{
	TwAccount *account = data;

	account->me_call = 0;
	learn_window(account, &reply->rate_limit);
	if (g_error_matches(reply->error, TW_API_ERROR,
			    TW_API_ERROR_UNAUTHORIZED) &&
	    retry_after_refresh(account, reply->access_token_generation,
				&account->me_retried, get_me_start))
		return;
	if (reply->error != NULL) {
		fail(account, g_steal_pointer(&reply->error));
		return;
	}
	account->me_retried = FALSE;
	if (g_ascii_strcasecmp(reply->user->username, account->username) != 0) {
		fail_with(account, TW_ACCOUNT_ERROR,
			  TW_ACCOUNT_ERROR_WRONG_USER,
			  "This sign-in is for @%s, but the account is "
			  "@%s. Sign in to X as @%s, or rename the account.",
			  reply->user->username, account->username,
			  account->username);
		return;
	}
	if (account->signed_on) {
		reauthorized(account);
		return;
	}
	account->me = g_steal_pointer(&reply->user);
	remember_user(account, account->me);
	account->signed_on = TRUE;
	account->callbacks->signed_on(account->ui, account->me);
	if (!account->failed &&
	    !tw_state_get_flag(account->state, FLAG_E2EE_NOTICE)) {
		notice(account, TW_ACCOUNT_NOTICE_INFO, NULL,
		       "X's end-to-end encrypted chats (\"XChat\") are not "
		       "available through the X API: only unencrypted direct "
		       "messages appear here.");
		tw_state_set_flag(account->state, FLAG_E2EE_NOTICE);
		save_state(account);
	}
	if (!account->failed) {
		poll_schedule(account, 0);
		send_next(account);
	}
}

static void
get_me_start(TwAccount *account)
{
	account->me_call =
	    tw_api_get_me(account->api, get_me_done, account, NULL);
}

/****************************************************************************
 * Authorization
 ****************************************************************************/

static void
end_authorization(TwAccount *account)
{
	/* tw-authorization lets its owner free it inside its callbacks. */
	g_clear_pointer(&account->authorization, tw_authorization_free);
	if (account->callbacks->authorize_finished != NULL)
		account->callbacks->authorize_finished(account->ui);
}

/* Only the confirmed account's tokens are kept: a sign-in as somebody
 * else must not replace them. */
static gboolean
keep_authorized_tokens(TwAccount *account, GError **error)
{
	if (account->pending_refresh_token != NULL) {
		/* A refused token it replaces counts as spent: a client
		 * that offers it again as the password gets the new one. */
		if (!tw_state_store_refresh_token(
			account->state, account->pending_refresh_token,
			account->refused_refresh_token, error))
			return FALSE;
		tw_auth_wipe_string(
		    g_steal_pointer(&account->refused_refresh_token));
		tw_auth_wipe_string(account->refresh_token);
		account->refresh_token =
		    g_steal_pointer(&account->pending_refresh_token);
		if (account->callbacks->refresh_token_changed != NULL)
			account->callbacks->refresh_token_changed(
			    account->ui, account->refresh_token);
	}
	if (account->pending_oauth1_token != NULL) {
		if (account->callbacks->oauth1_token_changed != NULL)
			account->callbacks->oauth1_token_changed(
			    account->ui, account->pending_oauth1_token,
			    account->pending_oauth1_secret);
		tw_auth_wipe_string(
		    g_steal_pointer(&account->pending_oauth1_token));
		tw_auth_wipe_string(
		    g_steal_pointer(&account->pending_oauth1_secret));
	}
	return TRUE;
}

static void
authorized_me_done(TwApiReply *reply, gpointer data)
{
	TwAccount *account = data;
	g_autoptr(GError) error = NULL;

	if (reply->error == NULL &&
	    g_ascii_strcasecmp(reply->user->username, account->username) == 0 &&
	    !keep_authorized_tokens(account, &error)) {
		account->me_call = 0;
		fail_with(account, TW_ACCOUNT_ERROR, TW_ACCOUNT_ERROR_STATE,
			  "%s", error->message);
		return;
	}
	get_me_done(reply, account);
}

static void
check_authorized_account(TwAccount *account)
{
	if (account->callbacks->progress != NULL && !account->signed_on)
		account->callbacks->progress(account->ui,
					     "Checking the account", 2, 3);
	account->me_call =
	    tw_api_get_me(account->api, authorized_me_done, account, NULL);
}

static void
authorization_prompt(gpointer data, const TwAuthorizationPrompt *prompt)
{
	TwAccount *account = data;

	account->callbacks->authorize(account->ui, prompt);
}

static void
authorization_oauth2_done(gpointer data, TwToken *token)
{
	TwAccount *account = data;

	end_authorization(account);
	tw_auth_wipe_string(account->pending_refresh_token);
	account->pending_refresh_token = g_strdup(token->refresh_token);
	if (token->refresh_token == NULL)
		g_message("%s: no refresh token came (offline.access was not "
			  "granted): the sign-in ends with the access token",
			  account->username);
	tw_api_set_access_token(account->api, token->access_token);
	account->access_token_expiry =
	    token->expires_in > 0
		? g_get_real_time() + token->expires_in * G_USEC_PER_SEC
		: 0;
	schedule_refresh(account, token->expires_in);
	check_authorized_account(account);
}

static void
oauth1_use_token(TwAccount *account, const char *token,
		 const char *token_secret)
{
	tw_api_set_oauth1(account->api, account->consumer_key,
			  account->consumer_secret, token, token_secret);
}

static void
authorization_oauth1_done(gpointer data, const char *token,
			  const char *token_secret, const char *screen_name)
{
	TwAccount *account = data;

	end_authorization(account);
	tw_auth_wipe_string(account->pending_oauth1_token);
	tw_auth_wipe_string(account->pending_oauth1_secret);
	account->pending_oauth1_token = g_strdup(token);
	account->pending_oauth1_secret = g_strdup(token_secret);
	oauth1_use_token(account, token, token_secret);
	check_authorized_account(account);
}

static void
authorization_failed(gpointer data, const GError *error)
{
	TwAccount *account = data;
	GError *copy = g_error_copy(error);

	end_authorization(account);
	fail(account, copy);
}

static const TwAuthorizationCallbacks authorization_callbacks = {
    .prompt = authorization_prompt,
    .oauth2_done = authorization_oauth2_done,
    .oauth1_done = authorization_oauth1_done,
    .failed = authorization_failed,
};

static void
authorize_start(TwAccount *account, TwAuthorizationMethod method,
		const char *reason)
{
	TwAuthorizationConfig config = {0};

	config.method = method;
	config.client_id = account->client_id;
	config.client_secret = account->client_secret;
	config.authorize_url = account->authorize_url;
	config.redirect_uri = account->redirect_uri;
	config.consumer_key = account->consumer_key;
	config.consumer_secret = account->consumer_secret;
	config.reason = reason;
	g_debug("%s: %s: asking the user to authorize the app",
		account->username,
		reason != NULL ? "token refused" : "no token");
	account->authorization = tw_authorization_new(
	    account->api, &config, &authorization_callbacks, account);
	tw_authorization_start(account->authorization);
}

static gboolean
is_set(const char *text)
{
	return text != NULL && text[0] != '\0';
}

static void
oauth1_start(TwAccount *account)
{
	if (!is_set(account->consumer_key) ||
	    !is_set(account->consumer_secret)) {
		fail_with(account, TW_ACCOUNT_ERROR,
			  TW_ACCOUNT_ERROR_INVALID_SETTINGS,
			  "OAuth 1.0a needs the consumer-key and "
			  "consumer-secret options: the API Key and Secret "
			  "from your X app's \"Keys and tokens\" page.");
		return;
	}
	if (is_set(account->access_token) && is_set(account->password)) {
		oauth1_use_token(account, account->access_token,
				 account->password);
		if (account->callbacks->progress != NULL)
			account->callbacks->progress(
			    account->ui, "Checking the account", 2, 3);
		get_me_start(account);
		return;
	}
	if (is_set(account->access_token) || is_set(account->password)) {
		fail_with(account, TW_ACCOUNT_ERROR,
			  TW_ACCOUNT_ERROR_INVALID_SETTINGS, "%s",
			  is_set(account->access_token)
			      ? "The access-token option is set but the "
				"password is empty: enter the Access Token "
				"Secret as the password, or clear "
				"access-token to authorize with a PIN."
			      : "The password is set but the access-token "
				"option is empty: enter the Access Token "
				"too, or clear the password to authorize "
				"with a PIN.");
		return;
	}
	if (account->callbacks->authorize == NULL) {
		fail_with(account, TW_ACCOUNT_ERROR, TW_ACCOUNT_ERROR_NO_TOKEN,
			  "The account has no OAuth 1.0a access token. Enter "
			  "it in the access-token option and its secret as "
			  "the password.");
		return;
	}
	authorize_start(account, TW_AUTHORIZATION_OAUTH1_PIN, NULL);
}

static gboolean
start_cb(gpointer data)
{
	TwAccount *account = data;
	g_autoptr(GError) error = NULL;
	const char *token;

	account->start_timer = 0;
	if (account->auth_method == TW_ACCOUNT_AUTH_OAUTH2 &&
	    (account->client_id == NULL || account->client_id[0] == '\0')) {
		fail_with(account, TW_ACCOUNT_ERROR,
			  TW_ACCOUNT_ERROR_INVALID_SETTINGS,
			  "The account has no OAuth 2.0 client id. Set the "
			  "\"client-id\" option to your X app's client id.");
		return G_SOURCE_REMOVE;
	}
	account->api = tw_api_new(account->http, account->api_base, &error);
	if (account->api == NULL) {
		fail_with(account, TW_ACCOUNT_ERROR,
			  TW_ACCOUNT_ERROR_INVALID_SETTINGS,
			  "The API base URL \"%s\" is refused: %s",
			  account->api_base, error->message);
		return G_SOURCE_REMOVE;
	}
	if (account->state == NULL) {
		fail_with(account, TW_ACCOUNT_ERROR, TW_ACCOUNT_ERROR_STATE,
			  "%s", account->state_error->message);
		return G_SOURCE_REMOVE;
	}
	if (account->auth_method == TW_ACCOUNT_AUTH_OAUTH1) {
		oauth1_start(account);
		return G_SOURCE_REMOVE;
	}
	token =
	    tw_state_choose_refresh_token(account->state, account->password);
	if (token == NULL && account->callbacks->authorize != NULL) {
		authorize_start(account, TW_AUTHORIZATION_OAUTH2, NULL);
		return G_SOURCE_REMOVE;
	}
	if (token == NULL) {
		fail_with(account, TW_ACCOUNT_ERROR, TW_ACCOUNT_ERROR_NO_TOKEN,
			  "The account has no refresh token. Enter the OAuth "
			  "2.0 refresh token of @%s as the password.",
			  account->username);
		return G_SOURCE_REMOVE;
	}
	if (token != account->password)
		g_debug("%s: signing on with the newest stored refresh token",
			account->username);
	account->refresh_token = g_strdup(token);
	if (account->callbacks->progress != NULL)
		account->callbacks->progress(
		    account->ui, "Refreshing the access token", 1, 3);
	refresh_start(account);
	return G_SOURCE_REMOVE;
}

/****************************************************************************
 * Receiving
 ****************************************************************************/

static gboolean
poll_timer_cb(gpointer data)
{
	TwAccount *account = data;

	account->poll_timer = 0;
	poll_start(account);
	return G_SOURCE_REMOVE;
}

static void
poll_schedule(TwAccount *account, guint delay_ms)
{
	tw_clear_timeout(&account->poll_timer);
	account->poll_timer = tw_timeout_add(delay_ms, poll_timer_cb, account);
	account->next_poll_time = g_get_real_time() + (gint64)delay_ms * 1000;
}

/* Spread the remaining requests of the window over the time until reset. */
static guint
poll_pace_delay(TwAccount *account)
{
	return tw_pace_spread_ms(&account->read_pace, g_get_real_time());
}

static gint64
event_time(const TwDmEvent *event)
{
	return event->created_at > 0 ? event->created_at : g_get_real_time();
}

/* Known = already delivered, older than what this poll may show, or of a
 * kind this account does not show: paging never digs through history for
 * those. */
static gboolean
event_is_known(TwAccount *account, const TwDmEvent *event)
{
	return tw_state_is_delivered(account->state, event->id) ||
	       (event->created_at > 0 &&
		event->created_at < account->poll_horizon) ||
	       event->type == TW_DM_EVENT_UNKNOWN ||
	       (event->type != TW_DM_EVENT_MESSAGE_CREATE &&
		!tw_dm_event_is_group(event));
}

static int
compare_oldest_first(gconstpointer a, gconstpointer b)
{
	const TwDmEvent *left = *(TwDmEvent *const *)a;
	const TwDmEvent *right = *(TwDmEvent *const *)b;

	if (event_time(left) != event_time(right))
		return event_time(left) < event_time(right) ? -1 : 1;
	return tw_id_compare(left->id, right->id);
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

static gboolean
is_own_event(TwAccount *account, const TwDmEvent *event)
{
	return g_strcmp0(event->sender_id, account->me->id) == 0;
}

/* A send whose event id is not known yet: a POST in flight, or one that
 * may have arrived before a crash or a lost answer. */
static gboolean
own_send_unconfirmed(TwAccount *account)
{
	TwStateOutgoing *head = account->state != NULL
				    ? tw_state_outbox_peek(account->state)
				    : NULL;

	return account->send_call != 0 || account->verify_call != 0 ||
	       account->groups_being_created > 0 ||
	       (head != NULL && head->attempted && !account->send_verified);
}

/* Whether @event may be the echo of @outgoing: the same text (X may trim
 * it), or links, which X rewrites to t.co. */
static gboolean
event_may_be_echo(const TwDmEvent *event, const TwStateOutgoing *outgoing)
{
	g_autofree char *event_text = NULL;
	g_autofree char *outgoing_text = NULL;

	if (outgoing == NULL || event->urls->len > 0)
		return TRUE;
	event_text =
	    g_strstrip(g_strdup(event->text != NULL ? event->text : ""));
	outgoing_text = g_strstrip(g_strdup(outgoing->text));
	return g_str_equal(event_text, outgoing_text);
}

/* Own events that may be the echo of an unconfirmed send wait: such an echo
 * cannot be told from a message typed on another device until the send's
 * id is known. Any other own event is shown at once. */
static gboolean
event_must_wait(TwAccount *account, const TwDmEvent *event)
{
	return is_own_event(account, event) && own_send_unconfirmed(account) &&
	       event_may_be_echo(event, tw_state_outbox_peek(account->state));
}

/* Which events of the batch can be shown now. */
static gboolean
event_is_deliverable(TwAccount *account, const TwDmEvent *event)
{
	if (event->type == TW_DM_EVENT_UNKNOWN ||
	    (event->type != TW_DM_EVENT_MESSAGE_CREATE &&
	     !tw_dm_event_is_group(event)))
		return FALSE;
	return !event_must_wait(account, event);
}

/* A user's lower-case handle, or the id when X could not say who it is. */
static char *
dup_handle_of(TwAccount *account, const char *user_id)
{
	const TwUser *user = g_hash_table_lookup(account->users, user_id);

	return user != NULL ? g_ascii_strdown(user->username, -1)
			    : g_strdup(user_id);
}

static void
group_changed(TwAccount *account, const TwDmEvent *event, const char *user_id,
	      gboolean joined, gboolean announce)
{
	const TwUser *user = g_hash_table_lookup(account->users, user_id);
	g_autofree char *handle = dup_handle_of(account, user_id);
	TwAccountGroupChange change = {0};

	if (account->callbacks->group_changed == NULL)
		return;
	change.conversation_id = event->conversation_id;
	change.handle = handle;
	change.name = user != NULL ? user->name : NULL;
	change.joined = joined;
	change.announce = announce;
	change.timestamp = event_time(event) / G_USEC_PER_SEC;
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
	handle = dup_handle_of(account, user_id);
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

static void
deliver_group_event(TwAccount *account, const TwDmEvent *event)
{
	TwAccountMessage message = {0};
	const TwUser *sender;
	g_autofree char *handle = NULL;
	g_autofree char *html = NULL;

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
	sender = g_hash_table_lookup(account->users, event->sender_id);
	handle = dup_handle_of(account, event->sender_id);
	html = tw_text_incoming_to_html(event->text != NULL ? event->text : "",
					event->urls);
	message.event_id = event->id;
	message.conversation_id = event->conversation_id;
	message.group = TRUE;
	message.peer = handle;
	message.peer_name = sender != NULL ? sender->name : NULL;
	message.peer_user = sender;
	message.html = html;
	message.timestamp = event_time(event) / G_USEC_PER_SEC;
	message.outgoing = is_own_event(account, event);
	message.delayed =
	    event->created_at > 0 && event->created_at < account->connected_at;
	account->callbacks->message(account->ui, &message);
}

static void
deliver_event(TwAccount *account, const TwDmEvent *event)
{
	TwAccountMessage message = {0};
	const char *peer_id = peer_id_of(account, event);
	const TwUser *peer = peer_id != NULL
				 ? g_hash_table_lookup(account->users, peer_id)
				 : NULL;
	g_autofree char *handle = NULL;
	g_autofree char *html = NULL;

	if (peer_id == NULL) {
		g_message("%s: event %s has no conversation partner; skipped",
			  account->username, event->id);
		return;
	}
	/* X could not tell who it is (a deleted account): show the id
	 * rather than lose the message. */
	handle = peer != NULL ? g_ascii_strdown(peer->username, -1)
			      : g_strdup(peer_id);
	html = tw_text_incoming_to_html(event->text != NULL ? event->text : "",
					event->urls);
	message.event_id = event->id;
	message.conversation_id = event->conversation_id;
	message.peer = handle;
	message.peer_name = peer != NULL ? peer->name : NULL;
	message.peer_user = peer;
	message.html = html;
	message.timestamp = event_time(event) / G_USEC_PER_SEC;
	message.outgoing = is_own_event(account, event);
	message.delayed =
	    event->created_at > 0 && event->created_at < account->connected_at;
	account->callbacks->message(account->ui, &message);
}

static void
tell_history_gap(TwAccount *account)
{
	gint64 newest = tw_state_get_newest_delivered_time(account->state);
	g_autoptr(GDateTime) since = NULL;
	g_autofree char *since_text = NULL;
	g_autofree char *text = NULL;

	if (account->history_gap_told || tw_state_is_new(account->state) ||
	    newest == 0 || g_get_real_time() - newest <= HISTORY_LIMIT)
		return;
	account->history_gap_told = TRUE;
	since = g_date_time_new_from_unix_local(newest / G_USEC_PER_SEC);
	since_text = g_date_time_format(since, "%x %X");
	text = g_strdup_printf(
	    "This account was offline since %s, longer than the 30 days "
	    "of messages X keeps: messages from before the last 30 days "
	    "could not be fetched.",
	    since_text);
	notice(account, TW_ACCOUNT_NOTICE_INFO, NULL, text);
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

	account->users_call = 0;
	learn_window(account, &reply->rate_limit);
	if (reply->error != NULL) {
		/* The batch stays undelivered; the next poll tries again. */
		g_message("%s: user lookup failed: %s", account->username,
			  reply->error->message);
		g_ptr_array_set_size(account->batch, 0);
		account->pages_this_poll = 0;
		poll_schedule(account, poll_pace_delay(account));
		return;
	}
	for (guint i = 0; i < reply->users->len; i++)
		remember_user(account, reply->users->pdata[i]);
	deliver_batch(account);
}

static void
add_missing_user(TwAccount *account, GPtrArray *missing, const char *user_id)
{
	if (user_id != NULL && missing->len < 100 &&
	    !g_hash_table_contains(account->users, user_id) &&
	    !g_hash_table_contains(account->looked_up, user_id) &&
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

	for (guint i = 0; i < account->batch->len && missing->len < 100; i++) {
		const TwDmEvent *event = account->batch->pdata[i];

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
		g_hash_table_add(account->looked_up,
				 g_strdup(missing->pdata[i]));
	g_ptr_array_add(missing, NULL);
	account->users_call =
	    tw_api_get_users(account->api, (const char *const *)missing->pdata,
			     users_done, account, NULL);
	return TRUE;
}

static void deliver_chunk(TwAccount *account);

static gboolean
deliver_chunk_cb(gpointer data)
{
	TwAccount *account = data;

	account->delivery_timer = 0;
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
	    event->created_at < account->poll_horizon) {
		/* Older than this account shows: handled, silently. A
		 * group's stay unmarked, for its history when the chat is
		 * opened. */
		if (!tw_dm_event_is_group(event))
			tw_state_mark_delivered(account->state, event->id,
						event->created_at);
		return FALSE;
	}
	if (event_must_wait(account, event)) {
		/* Kept until the send is confirmed: later pages may no longer
		 * reach back to it. */
		if (!g_ptr_array_find_with_equal_func(account->waiting, event,
						      same_event_id, NULL))
			g_ptr_array_add(account->waiting,
					tw_dm_event_copy(event));
		return FALSE;
	}
	if (!event_is_deliverable(account, event))
		return FALSE;
	if (tw_dm_event_is_group(event))
		deliver_group_event(account, event);
	else
		deliver_event(account, event);
	tw_state_mark_delivered(account->state, event->id, event_time(event));
	return TRUE;
}

static void
deliver_chunk(TwAccount *account)
{
	guint end =
	    MIN(account->delivery_index + DELIVERY_CHUNK, account->batch->len);
	guint delivered = 0;

	for (guint i = account->delivery_index; i < end && !account->failed;
	     i++) {
		if (deliver_one(account, account->batch->pdata[i]))
			delivered++;
	}
	account->delivery_index = end;
	if (account->failed)
		return;
	/* One write per chunk: a crash repeats at most this chunk. */
	save_state(account);
	if (delivered > 0)
		g_debug("%s: delivered %u messages", account->username,
			delivered);
	if (end < account->batch->len) {
		account->delivery_timer =
		    tw_timeout_add(0, deliver_chunk_cb, account);
		return;
	}
	g_ptr_array_set_size(account->batch, 0);
	account->pages_this_poll = 0;
	poll_schedule(account, poll_pace_delay(account));
}

static void
deliver_batch(TwAccount *account)
{
	if (lookup_missing_peers(account))
		return;
	/* Events held back earlier get another chance. */
	for (guint i = 0; i < account->waiting->len; i++) {
		TwDmEvent *event = account->waiting->pdata[i];

		if (!g_ptr_array_find_with_equal_func(account->batch, event,
						      same_event_id, NULL))
			g_ptr_array_add(account->batch,
					tw_dm_event_copy(event));
	}
	g_ptr_array_set_size(account->waiting, 0);
	g_ptr_array_sort(account->batch, compare_oldest_first);
	account->delivery_index = 0;
	deliver_chunk(account);
}

static void poll_page(TwAccount *account, const char *pagination_token);

static gboolean
poll_resume_cb(gpointer data)
{
	TwAccount *account = data;

	account->poll_timer = 0;
	poll_page(account, account->page_token);
	return G_SOURCE_REMOVE;
}

/* The same page again later: pages already fetched are kept, so a long
 * backfill goes on across rate-limit windows and errors. */
static void
poll_resume(TwAccount *account, guint delay_ms)
{
	tw_clear_timeout(&account->poll_timer);
	account->poll_timer = tw_timeout_add(delay_ms, poll_resume_cb, account);
}

static void
poll_failed(TwAccount *account, GError *error)
{
	if (g_error_matches(error, TW_API_ERROR, TW_API_ERROR_RATE_LIMITED)) {
		g_debug("%s: rate limited; waiting for the window to reset",
			account->username);
		poll_resume(account, until_reset_delay(&account->read_pace));
	} else if (g_error_matches(error, TW_API_ERROR,
				   TW_API_ERROR_USAGE_CAPPED)) {
		if (!account->usage_cap_told) {
			g_autofree char *text = g_strdup_printf(
			    "X's usage cap for this app is reached (%s): "
			    "new messages cannot be read until it resets.",
			    error->message);

			account->usage_cap_told = TRUE;
			notice(account, TW_ACCOUNT_NOTICE_INFO, NULL, text);
		}
		poll_resume(account, MAX(until_reset_delay(&account->read_pace),
					 tw_pace_backoff_ms(&account->read_pace,
							    G_MAXUINT)));
	} else if (g_error_matches(error, TW_API_ERROR,
				   TW_API_ERROR_CREDITS_DEPLETED)) {
		fail_with(account, TW_API_ERROR, TW_API_ERROR_CREDITS_DEPLETED,
			  "X stopped serving this app: its prepaid credits "
			  "are used up (%s). Add credits in the X developer "
			  "console, then reconnect.",
			  error->message);
	} else if (g_error_matches(error, TW_API_ERROR,
				   TW_API_ERROR_FORBIDDEN)) {
		fail_with(account, TW_API_ERROR, TW_API_ERROR_FORBIDDEN,
			  "X does not let this app read your direct messages "
			  "(%s). The token needs the dm.read scope and the "
			  "app the \"Read and write and Direct message\" "
			  "permission on a plan with DM access.",
			  error->message);
	} else if (is_transient_error(error)) {
		tw_pace_fail(&account->read_pace, error, g_get_real_time());
		g_debug("%s: poll failed (%s); retry %u", account->username,
			error->message, account->read_pace.failures);
		poll_resume(account,
			    tw_pace_backoff_ms(&account->read_pace,
					       account->read_pace.failures));
	} else {
		fail(account, g_steal_pointer(&error));
	}
	g_clear_error(&error);
}

static void
poll_done(TwApiReply *reply, gpointer data)
{
	TwAccount *account = data;
	TwDmPage *page;
	gboolean entirely_new = TRUE;
	gint64 oldest = G_MAXINT64;
	GHashTableIter iter;
	gpointer value;

	account->poll_call = 0;
	take_headers(&account->read_pace, &reply->rate_limit);
	if (g_error_matches(reply->error, TW_API_ERROR,
			    TW_API_ERROR_UNAUTHORIZED) &&
	    retry_after_refresh(account, reply->access_token_generation,
				&account->poll_retried, poll_start))
		return;
	if (reply->error != NULL) {
		poll_failed(account, g_steal_pointer(&reply->error));
		return;
	}
	account->poll_retried = FALSE;
	account->unauthorized_streak = 0;
	tw_pace_succeed(&account->read_pace);
	account->last_poll_time = g_get_real_time();
	page = reply->page;
	g_hash_table_iter_init(&iter, page->users);
	while (g_hash_table_iter_next(&iter, NULL, &value))
		remember_user(account, value);
	for (guint i = 0; i < page->events->len; i++) {
		TwDmEvent *event = page->events->pdata[i];

		if (event_is_known(account, event))
			entirely_new = FALSE;
		if (event->created_at > 0)
			oldest = MIN(oldest, event->created_at);
		g_ptr_array_add(account->batch,
				g_steal_pointer(&page->events->pdata[i]));
	}
	account->pages_this_poll++;

	/* Follow next_token while the page is all new, or still inside the
	 * overlap window where late events may hide. */
	if (page->next_token != NULL && page->events->len > 0 &&
	    account->pages_this_poll < POLL_MAX_PAGES &&
	    (entirely_new || oldest > account->poll_stop_time)) {
		/* Widen while all is new; inside the overlap window re-reads
		 * cost nothing (same UTC day), so take it in one big page. */
		account->page_size =
		    entirely_new ? MIN(account->page_size * 4, POLL_PAGE_MAX)
				 : POLL_PAGE_MAX;
		g_free(account->page_token);
		account->page_token = g_strdup(page->next_token);
		/* A long backfill spends the window, then waits for the next
		 * one: never a 429. */
		if (account->read_pace.limit.known &&
		    account->read_pace.limit.remaining <= 1)
			poll_resume(account,
				    until_reset_delay(&account->read_pace));
		else
			poll_page(account, account->page_token);
		return;
	}
	if (page->next_token == NULL || page->events->len == 0)
		tell_history_gap(account);
	deliver_batch(account);
}

static void
poll_page(TwAccount *account, const char *pagination_token)
{
	if (pagination_token != account->page_token) {
		g_free(account->page_token);
		account->page_token = g_strdup(pagination_token);
	}
	account->poll_call =
	    tw_api_list_dm_events(account->api, account->page_size,
				  pagination_token, poll_done, account, NULL);
}

static void
poll_start(TwAccount *account)
{
	gint64 newest;
	gint64 first;

	if (account->poll_call != 0 || account->users_call != 0 ||
	    account->delivery_timer != 0 || account->failed)
		return;
	tw_clear_timeout(&account->poll_timer);
	if (account->pages_this_poll > 0) {
		poll_page(account, account->page_token);
		return;
	}
	newest = tw_state_get_newest_delivered_time(account->state);
	first = tw_state_get_first_sign_on(account->state) -
		(gint64)account->history_days * G_TIME_SPAN_DAY;
	/* Nothing older than the first sign-on (minus history-days), and
	 * nothing the delivered record can no longer vouch for. */
	account->poll_horizon = MAX(first, newest - TW_STATE_DELIVERED_WINDOW);
	account->poll_stop_time =
	    MAX(account->poll_horizon, newest - POLL_OVERLAP);
	/* One page that reaches back over the overlap window, where late
	 * events may hide, plus room for a few new ones: a poll is one
	 * request in the steady state, and re-reading what was already
	 * delivered today is not billed. */
	account->page_size =
	    CLAMP(tw_state_count_delivered_since(account->state,
						 account->poll_stop_time) +
		      POLL_PAGE_IDLE,
		  POLL_PAGE_IDLE, POLL_PAGE_MAX);
	g_ptr_array_set_size(account->batch, 0);
	poll_page(account, NULL);
}

/****************************************************************************
 * Sending
 ****************************************************************************/

/* The pace sends are timed by: their own headers once seen; until then
 * the reads', whose window X sizes alike, rather than a constant. */
static const TwPace *
send_timing(TwAccount *account)
{
	return account->send_pace.window_us > 0 ? &account->send_pace
						: &account->read_pace;
}

/* The group id of an outbox entry, or NULL for a 1:1 message. */
static const char *
outgoing_group_id(const TwStateOutgoing *outgoing)
{
	if (!g_str_has_prefix(outgoing->conversation, TW_ACCOUNT_GROUP_PREFIX))
		return NULL;
	return outgoing->conversation + strlen(TW_ACCOUNT_GROUP_PREFIX);
}

static gboolean
send_timer_cb(gpointer data)
{
	TwAccount *account = data;

	account->send_timer = 0;
	send_next(account);
	return G_SOURCE_REMOVE;
}

static void
send_schedule(TwAccount *account, guint delay_ms)
{
	tw_clear_timeout(&account->send_timer);
	account->send_timer = tw_timeout_add(delay_ms, send_timer_cb, account);
	account->next_send_time = g_get_real_time() + (gint64)delay_ms * 1000;
}

static void
send_wait(TwAccount *account, const TwStateOutgoing *outgoing, guint delay_ms,
	  const char *why)
{
	if (!account->send_wait_told) {
		g_autofree char *text = g_strdup_printf(
		    "Your message is waiting: %s. It will be sent in about "
		    "%u seconds.",
		    why, (delay_ms + 999) / 1000);

		account->send_wait_told = TRUE;
		notice(account, TW_ACCOUNT_NOTICE_SEND_WAITING,
		       outgoing->conversation, text);
	}
	send_schedule(account, delay_ms);
}

/* The head of the outbox is done with: sent, found sent, or given up. */
static void
send_finish_head(TwAccount *account, const char *event_id, const char *failure)
{
	TwStateOutgoing *outgoing = tw_state_outbox_peek(account->state);

	if (failure != NULL)
		notice(account, TW_ACCOUNT_NOTICE_SEND_FAILED,
		       outgoing->conversation, failure);
	/* Its id is delivered: the poll must not show it again. */
	if (event_id != NULL)
		tw_state_mark_delivered(account->state, event_id, 0);
	tw_state_outbox_pop(account->state);
	save_state(account);
	tw_pace_succeed(&account->send_pace);
	account->send_retried = FALSE;
	account->send_wait_told = FALSE;
	account->send_verified = FALSE;
}

static void
send_transient_failure(TwAccount *account, const GError *error)
{
	TwStateOutgoing *outgoing = tw_state_outbox_peek(account->state);

	tw_pace_fail(&account->send_pace, error, g_get_real_time());
	if (account->send_pace.failures > SEND_MAX_ATTEMPTS) {
		g_autofree char *text = g_strdup_printf(
		    "Message not sent: X did not answer after %u tries "
		    "(%s).",
		    SEND_MAX_ATTEMPTS, error->message);

		send_finish_head(account, NULL, text);
		send_next(account);
		return;
	}
	send_wait(account, outgoing,
		  tw_pace_backoff_ms(send_timing(account),
				     account->send_pace.failures),
		  "X did not answer");
}

static void
send_done(TwApiReply *reply, gpointer data)
{
	TwAccount *account = data;
	TwStateOutgoing *outgoing = tw_state_outbox_peek(account->state);

	account->send_call = 0;
	take_headers(&account->send_pace, &reply->rate_limit);
	if (reply->error == NULL) {
		send_finish_head(account, reply->sent->event_id, NULL);
		send_next(account);
		return;
	}
	/* A refusal (401, 429, 4xx) created nothing; after any other failure
	 * the message may exist, and the next try must look for it first,
	 * even when the conversation was checked before this POST. */
	account->send_verified = !is_transient_error(reply->error);
	if (g_error_matches(reply->error, TW_API_ERROR,
			    TW_API_ERROR_UNAUTHORIZED) &&
	    retry_after_refresh(account, reply->access_token_generation,
				&account->send_retried, send_next))
		return;
	if (g_error_matches(reply->error, TW_API_ERROR,
			    TW_API_ERROR_RATE_LIMITED)) {
		send_wait(account, outgoing,
			  until_reset_delay(send_timing(account)),
			  "X's sending limit is reached");
	} else if (is_transient_error(reply->error)) {
		/* The POST may have arrived: check before sending again. */
		send_transient_failure(account, reply->error);
	} else {
		g_autofree char *text = NULL;

		if (outgoing_group_id(outgoing) != NULL)
			text =
			    g_strdup_printf("Message not sent to the group: %s",
					    reply->error->message);
		else if (g_error_matches(reply->error, TW_API_ERROR,
					 TW_API_ERROR_FORBIDDEN))
			text = g_strdup_printf(
			    "Message not sent: @%s does not accept your "
			    "direct messages (%s).",
			    outgoing->conversation, reply->error->message);
		else
			text = g_strdup_printf("Message not sent: %s",
					       reply->error->message);
		send_finish_head(account, NULL, text);
		send_next(account);
	}
}

static void
lookup_done(TwApiReply *reply, gpointer data)
{
	TwAccount *account = data;
	TwStateOutgoing *outgoing = tw_state_outbox_peek(account->state);

	learn_window(account, &reply->rate_limit);
	account->lookup_call = 0;
	if (reply->error == NULL) {
		remember_user(account, reply->user);
		send_next(account);
		return;
	}
	if (g_error_matches(reply->error, TW_API_ERROR,
			    TW_API_ERROR_UNAUTHORIZED) &&
	    retry_after_refresh(account, reply->access_token_generation,
				&account->send_retried, send_next))
		return;
	if (is_transient_error(reply->error) ||
	    g_error_matches(reply->error, TW_API_ERROR,
			    TW_API_ERROR_RATE_LIMITED)) {
		send_transient_failure(account, reply->error);
		return;
	}
	{
		g_autofree char *text = g_strdup_printf(
		    "Message not sent: there is no X user @%s (%s).",
		    outgoing->conversation, reply->error->message);

		send_finish_head(account, NULL, text);
	}
	send_next(account);
}

static void verify_done(TwApiReply *reply, gpointer data);

/* One page of the head's conversation, newest first, from
 * @pagination_token on (%NULL: the newest). */
static void
verify_page(TwAccount *account, const char *pagination_token)
{
	TwStateOutgoing *outgoing = tw_state_outbox_peek(account->state);
	const char *group_id = outgoing_group_id(outgoing);
	/* Mostly the newest page settles it; digging deeper, big pages
	 * spend less of the read budget. */
	guint page_size =
	    pagination_token != NULL ? POLL_PAGE_MAX : SEND_VERIFY_PAGE;
	const char *peer_id;

	if (group_id != NULL) {
		account->verify_call = tw_api_list_group_events(
		    account->api, group_id, page_size, pagination_token,
		    verify_done, account, NULL);
		return;
	}
	peer_id =
	    g_hash_table_lookup(account->handle_ids, outgoing->conversation);
	if (peer_id == NULL) {
		send_next(account);
		return;
	}
	account->verify_call = tw_api_list_conversation_events(
	    account->api, peer_id, page_size, pagination_token, verify_done,
	    account, NULL);
}

/* After a crash or a lost answer, a message marked attempted may have
 * arrived: look for it in the conversation before sending it again. */
static void
verify_done(TwApiReply *reply, gpointer data)
{
	TwAccount *account = data;
	TwStateOutgoing *outgoing = tw_state_outbox_peek(account->state);

	account->verify_call = 0;
	take_headers(&account->read_pace, &reply->rate_limit);
	if (g_error_matches(reply->error, TW_API_ERROR,
			    TW_API_ERROR_UNAUTHORIZED) &&
	    retry_after_refresh(account, reply->access_token_generation,
				&account->send_retried, send_next))
		return;
	if (reply->error != NULL) {
		if (g_error_matches(reply->error, TW_API_ERROR,
				    TW_API_ERROR_RATE_LIMITED))
			send_wait(account, outgoing,
				  until_reset_delay(&account->read_pace),
				  "X's reading limit is reached");
		else
			send_transient_failure(account, reply->error);
		return;
	}
	for (guint i = 0; i < reply->page->events->len; i++) {
		const TwDmEvent *event = reply->page->events->pdata[i];

		if (event->type == TW_DM_EVENT_MESSAGE_CREATE &&
		    is_own_event(account, event) &&
		    g_strcmp0(event->text, outgoing->text) == 0 &&
		    (event->created_at == 0 ||
		     event->created_at >=
			 outgoing->queued_at - SEND_CLOCK_SKEW) &&
		    !tw_state_is_delivered(account->state, event->id)) {
			g_debug("%s: queued message %s was sent before as %s",
				account->username, outgoing->id, event->id);
			send_finish_head(account, event->id, NULL);
			send_next(account);
			return;
		}
	}
	/* Not on this page: a busy conversation may have buried it while X
	 * did not answer. Older pages count until one reaches back to before
	 * the message was queued. */
	if (reply->page->next_token != NULL && reply->page->events->len > 0 &&
	    event_time(g_ptr_array_index(reply->page->events,
					 reply->page->events->len - 1)) >=
		outgoing->queued_at - SEND_CLOCK_SKEW) {
		verify_page(account, reply->page->next_token);
		return;
	}
	account->send_verified = TRUE;
	send_next(account);
}

/* The same steps as a 1:1 message, on the group's own endpoints. */
static void
send_next_to_group(TwAccount *account, TwStateOutgoing *outgoing,
		   const char *group_id)
{
	if (!tw_id_is_valid(group_id)) {
		g_autofree char *text = g_strdup_printf(
		    "Message not sent: \"%s\" is not a group conversation.",
		    group_id);

		send_finish_head(account, NULL, text);
		send_next(account);
		return;
	}
	if (outgoing->attempted && !account->send_verified) {
		verify_page(account, NULL);
		return;
	}
	outgoing->attempted = TRUE;
	save_state(account);
	account->send_call = tw_api_send_dm_to_conversation(
	    account->api, group_id, outgoing->text, send_done, account, NULL);
}

static void
send_next(TwAccount *account)
{
	TwStateOutgoing *outgoing;
	const char *peer_id;
	const char *group_id;

	if (!account->signed_on || account->failed || account->send_call != 0 ||
	    account->lookup_call != 0 || account->verify_call != 0 ||
	    account->send_timer != 0)
		return;
	outgoing = tw_state_outbox_peek(account->state);
	if (outgoing == NULL)
		return;
	/* A token refresh is under way or being retried: the access token
	 * may be dead, and a POST now would spend the message's one retry
	 * after a 401. The queue goes on when the refresh is done. */
	if (account->refresh_waiter != 0 || account->refresh_failures > 0 ||
	    account->authorization != NULL) {
		wait_for_token(account, send_next);
		return;
	}
	group_id = outgoing_group_id(outgoing);
	if (group_id == NULL &&
	    !tw_api_username_is_valid(outgoing->conversation)) {
		g_autofree char *text = g_strdup_printf(
		    "Message not sent: \"%s\" is not a valid X handle.",
		    outgoing->conversation);

		send_finish_head(account, NULL, text);
		send_next(account);
		return;
	}
	if (account->send_pace.limit.known &&
	    account->send_pace.limit.remaining <= 0 &&
	    account->send_pace.limit.reset * G_USEC_PER_SEC >
		g_get_real_time()) {
		send_wait(account, outgoing,
			  until_reset_delay(send_timing(account)),
			  "X's sending limit is reached");
		return;
	}
	if (account->send_pace.limit.daily_known &&
	    account->send_pace.limit.daily_remaining <= 0 &&
	    account->send_pace.limit.daily_reset * G_USEC_PER_SEC >
		g_get_real_time()) {
		TwPace daily = account->send_pace;

		daily.limit.reset = account->send_pace.limit.daily_reset;
		send_wait(account, outgoing, until_reset_delay(&daily),
			  "X's daily sending limit is reached");
		return;
	}
	if (group_id != NULL) {
		send_next_to_group(account, outgoing, group_id);
		return;
	}
	peer_id =
	    g_hash_table_lookup(account->handle_ids, outgoing->conversation);
	if (peer_id == NULL) {
		account->lookup_call = tw_api_get_user_by_username(
		    account->api, outgoing->conversation, lookup_done, account,
		    NULL);
		return;
	}
	if (outgoing->attempted && !account->send_verified) {
		verify_page(account, NULL);
		return;
	}
	/* Durable before the POST: a crash from here on is checked for. */
	outgoing->attempted = TRUE;
	save_state(account);
	account->send_call = tw_api_send_dm_to_user(
	    account->api, peer_id, outgoing->text, send_done, account, NULL);
}

/****************************************************************************
 * Public
 ****************************************************************************/

TwAccount *
tw_account_new(const TwAccountConfig *config,
	       const TwAccountCallbacks *callbacks, gpointer ui)
{
	TwAccount *account = g_new0(TwAccount, 1);

	account->username = g_ascii_strdown(config->username, -1);
	account->password = g_strdup(config->password);
	account->api_base = g_strdup(config->api_base);
	account->client_id = g_strdup(config->client_id);
	account->client_secret = g_strdup(config->client_secret);
	account->state_directory = g_strdup(config->state_directory);
	account->proxy_url = g_strdup(config->proxy_url);
	account->proxy_username = g_strdup(config->proxy_username);
	account->proxy_password = g_strdup(config->proxy_password);
	account->ca_file = g_strdup(config->ca_file);
	account->poll_interval = config->poll_interval;
	account->history_days = MIN(config->history_days, 30);
	account->auth_method = config->auth_method;
	account->authorize_url = g_strdup(config->authorize_url);
	account->redirect_uri = g_strdup(config->redirect_uri);
	account->consumer_key = g_strdup(config->consumer_key);
	account->consumer_secret = g_strdup(config->consumer_secret);
	account->access_token = g_strdup(config->access_token);
	account->callbacks = callbacks;
	account->ui = ui;
	account->after_refresh = g_ptr_array_new();
	account->batch =
	    g_ptr_array_new_with_free_func((GDestroyNotify)tw_dm_event_free);
	account->waiting =
	    g_ptr_array_new_with_free_func((GDestroyNotify)tw_dm_event_free);
	account->users = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
					       (GDestroyNotify)tw_user_free);
	account->handle_ids =
	    g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	account->looked_up =
	    g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	account->icon_fetches =
	    g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	account->page_size = POLL_PAGE_IDLE;
	tw_pace_init(&account->read_pace, account->poll_interval);
	tw_pace_init(&account->send_pace, 0);

	/* Opened now, so messages can be queued durably at any time. */
	account->state = tw_state_open(
	    account->state_directory, account->username, &account->state_error);

	account->http = tw_http_new();
	tw_http_set_debug_name(account->http, account->username);
	tw_http_set_proxy(account->http, account->proxy_url,
			  account->proxy_username, account->proxy_password);
	tw_http_set_ca_file(account->http, account->ca_file);
	return account;
}

void
tw_account_free(TwAccount *account)
{
	if (account == NULL)
		return;
	stop_everything(account);
	save_state(account);
	g_clear_pointer(&account->api, tw_api_free);
	g_clear_pointer(&account->http, tw_http_free);
	g_clear_pointer(&account->state, tw_state_free);
	g_clear_error(&account->state_error);
	g_clear_pointer(&account->me, tw_user_free);
	g_ptr_array_unref(account->after_refresh);
	g_ptr_array_unref(account->batch);
	g_ptr_array_unref(account->waiting);
	g_hash_table_destroy(account->users);
	g_hash_table_destroy(account->handle_ids);
	g_hash_table_destroy(account->looked_up);
	g_hash_table_destroy(account->icon_fetches);
	g_free(account->page_token);
	tw_pace_clear(&account->read_pace);
	tw_pace_clear(&account->send_pace);
	tw_auth_wipe_string(account->refresh_token);
	tw_auth_wipe_string(account->password);
	tw_auth_wipe_string(account->client_secret);
	tw_auth_wipe_string(account->proxy_password);
	tw_auth_wipe_string(account->consumer_secret);
	tw_auth_wipe_string(account->access_token);
	tw_auth_wipe_string(account->refused_refresh_token);
	tw_auth_wipe_string(account->pending_refresh_token);
	tw_auth_wipe_string(account->pending_oauth1_token);
	tw_auth_wipe_string(account->pending_oauth1_secret);
	g_free(account->authorize_url);
	g_free(account->redirect_uri);
	g_free(account->consumer_key);
	g_free(account->username);
	g_free(account->api_base);
	g_free(account->client_id);
	g_free(account->state_directory);
	g_free(account->proxy_url);
	g_free(account->proxy_username);
	g_free(account->ca_file);
	g_free(account);
}

void
tw_account_connect(TwAccount *account)
{
	if (account->start_timer != 0 || account->api != NULL)
		return;
	account->connected_at = g_get_real_time();
	/* Callbacks never run from inside a TwAccount call. */
	account->start_timer = tw_timeout_add(0, start_cb, account);
}

guint
tw_account_send_im(TwAccount *account, const char *peer, const char *html)
{
	g_autofree char *plain = tw_text_outgoing_to_plain(html);
	g_autoptr(GPtrArray) parts = tw_text_split(plain, TW_TEXT_MAX_CHARS);
	g_autofree char *handle = g_ascii_strdown(peer, -1);

	if (account->state == NULL)
		return 0;
	for (guint i = 0; i < parts->len; i++)
		tw_state_outbox_push(account->state, handle, parts->pdata[i]);
	if (parts->len == 0)
		return 0;
	/* On disk before the user is told it went out. */
	save_state(account);
	if (account->send_timer == 0)
		send_schedule(account, 0);
	return parts->len;
}

guint
tw_account_send_group(TwAccount *account, const char *conversation_id,
		      const char *html)
{
	g_autofree char *plain = tw_text_outgoing_to_plain(html);
	g_autoptr(GPtrArray) parts = tw_text_split(plain, TW_TEXT_MAX_CHARS);
	g_autofree char *conversation =
	    g_strconcat(TW_ACCOUNT_GROUP_PREFIX, conversation_id, NULL);

	if (account->state == NULL)
		return 0;
	for (guint i = 0; i < parts->len; i++)
		tw_state_outbox_push(account->state, conversation,
				     parts->pdata[i]);
	if (parts->len == 0)
		return 0;
	save_state(account);
	if (account->send_timer == 0)
		send_schedule(account, 0);
	return parts->len;
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

void
tw_account_poll_now(TwAccount *account)
{
	if (!account->signed_on || account->failed || account->poll_call != 0 ||
	    account->users_call != 0 || account->delivery_timer != 0)
		return;
	if (account->read_pace.limit.known &&
	    account->read_pace.limit.remaining <= 0)
		poll_schedule(account, until_reset_delay(&account->read_pace));
	else
		poll_schedule(account, 0);
}

const TwUser *
tw_account_get_me(TwAccount *account)
{
	return account->me;
}

gboolean
tw_account_authorize_submit(TwAccount *account, const char *text)
{
	if (account->authorization == NULL)
		return FALSE;
	return tw_authorization_submit(account->authorization, text);
}

void
tw_account_authorize_cancel(TwAccount *account)
{
	if (account->authorization != NULL)
		tw_authorization_cancel(account->authorization);
}

const TwUser *
tw_account_find_user(TwAccount *account, const char *handle)
{
	g_autofree char *lower = g_ascii_strdown(handle, -1);
	const char *id = g_hash_table_lookup(account->handle_ids, lower);

	return id != NULL ? g_hash_table_lookup(account->users, id) : NULL;
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
		remember_user(lookup->account, reply->user);
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

	g_hash_table_remove(fetch->account->icon_fetches, fetch->url);
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

	if (g_hash_table_contains(account->icon_fetches, url)) {
		if (destroy != NULL)
			destroy(user_data);
		return FALSE;
	}
	g_hash_table_add(account->icon_fetches, g_strdup(url));
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

	take_headers(&account->read_pace, &reply->rate_limit);
	if (reply->error != NULL) {
		g_message("%s: group history not read: %s", account->username,
			  reply->error->message);
		return;
	}
	g_hash_table_iter_init(&iter, reply->page->users);
	while (g_hash_table_iter_next(&iter, NULL, &value))
		remember_user(account, value);
	/* Older than what the delivered record remembers may have been
	 * shown already. */
	vouched = tw_state_get_newest_delivered_time(account->state) -
		  TW_STATE_DELIVERED_WINDOW;
	g_ptr_array_sort(reply->page->events, compare_oldest_first);
	for (guint i = 0; i < reply->page->events->len; i++) {
		const TwDmEvent *event = reply->page->events->pdata[i];

		if (tw_state_is_delivered(account->state, event->id) ||
		    !tw_dm_event_is_group(event) ||
		    event->type == TW_DM_EVENT_UNKNOWN ||
		    (event->created_at > 0 && event->created_at < vouched) ||
		    event_must_wait(account, event))
			continue;
		deliver_group_event(account, event);
		tw_state_mark_delivered(account->state, event->id,
					event_time(event));
		delivered++;
		if (account->failed)
			return;
	}
	save_state(account);
	g_debug("%s: %u events of group history shown", account->username,
		delivered);
}

gboolean
tw_account_fetch_group_history(TwAccount *account, const char *conversation_id)
{
	if (!account->signed_on || account->failed ||
	    !tw_id_is_valid(conversation_id))
		return FALSE;
	/* The poll's request kept in hand stays untouched. */
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
	creation->account->groups_being_created--;
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
		if (account->send_timer == 0)
			send_schedule(account, 0);
	}
	save_state(account);
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
			    "There is no X user @%s.",
			    (char *)creation->handles->pdata[creation->next]);
		group_creation_failed(creation,
				      error != NULL ? error : reply->error);
		return;
	}
	remember_user(creation->account, reply->user);
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
		const char *user_id =
		    g_hash_table_lookup(account->handle_ids, handle);

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
	account->groups_being_created++;
	group_creation_step(creation);
	return TRUE;
}

typedef struct {
	TwAccount *account;
	char *handle;
	gboolean blocked;
} BlockRequest;

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
	g_autofree char *text = NULL;

	if (reply->error == NULL) {
		g_debug("%s: @%s %s", request->account->username,
			request->handle,
			request->blocked ? "blocked" : "unblocked");
		return;
	}
	text = g_strdup_printf(request->blocked ? "Could not block @%s: %s"
						: "Could not unblock @%s: %s",
			       request->handle, reply->error->message);
	notice(request->account, TW_ACCOUNT_NOTICE_INFO, NULL, text);
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
	g_autofree char *text = NULL;

	if (reply->user == NULL) {
		text = g_strdup_printf("Could not %s @%s: %s",
				       request->blocked ? "block" : "unblock",
				       request->handle, reply->error->message);
		notice(request->account, TW_ACCOUNT_NOTICE_INFO, NULL, text);
		return;
	}
	remember_user(request->account, reply->user);
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
	user_id = g_hash_table_lookup(account->handle_ids, clean);
	if (user_id != NULL)
		block_start(request, user_id);
	else
		tw_api_get_user_by_username(account->api, clean,
					    block_lookup_done, request,
					    block_request_free);
	return TRUE;
}

/* "45 s", "12 min", "3 h 5 min". */
static char *
format_duration(gint64 seconds)
{
	if (seconds < 120)
		return g_strdup_printf("%" G_GINT64_FORMAT " s", seconds);
	if (seconds < 2 * 3600)
		return g_strdup_printf("%" G_GINT64_FORMAT " min",
				       (seconds + 30) / 60);
	return g_strdup_printf("%" G_GINT64_FORMAT " h %" G_GINT64_FORMAT
			       " min",
			       seconds / 3600, seconds % 3600 / 60);
}

/* "14:02:11 (in 5 s)" or "14:02:11 (3 s ago)" in local time, with the date
 * when it is another day. */
static char *
format_moment(gint64 when, gint64 now)
{
	g_autoptr(GDateTime) local =
	    g_date_time_new_from_unix_local(when / G_USEC_PER_SEC);
	g_autoptr(GDateTime) today =
	    g_date_time_new_from_unix_local(now / G_USEC_PER_SEC);
	gboolean same_day =
	    g_date_time_get_day_of_year(local) ==
		g_date_time_get_day_of_year(today) &&
	    g_date_time_get_year(local) == g_date_time_get_year(today);
	g_autofree char *clock = g_date_time_format(
	    local, same_day ? "%H:%M:%S" : "%Y-%m-%d %H:%M:%S");
	g_autofree char *distance = NULL;

	if (when >= now) {
		distance = format_duration((when - now + G_USEC_PER_SEC - 1) /
					   G_USEC_PER_SEC);
		return g_strdup_printf("%s (in %s)", clock, distance);
	}
	distance = format_duration((now - when) / G_USEC_PER_SEC);
	return g_strdup_printf("%s (%s ago)", clock, distance);
}

static void
append_limit(GString *text, const char *label, const TwRateLimit *limit,
	     gint64 now)
{
	g_autofree char *reset = NULL;

	if (!limit->known) {
		g_string_append_printf(text, "%s: not known yet\n", label);
		return;
	}
	reset = format_moment(limit->reset * G_USEC_PER_SEC, now);
	g_string_append_printf(text,
			       "%s: %" G_GINT64_FORMAT " of %" G_GINT64_FORMAT
			       ", the window resets at %s\n",
			       label, limit->remaining, limit->limit, reset);
	if (limit->daily_known) {
		g_autofree char *daily_reset =
		    format_moment(limit->daily_reset * G_USEC_PER_SEC, now);

		g_string_append_printf(
		    text, "%s in 24 hours: %" G_GINT64_FORMAT ", until %s\n",
		    label, limit->daily_remaining, daily_reset);
	}
}

/* When the last transient error of a family was, while its failures
 * last. */
static void
append_last_error(GString *text, const char *doing, const TwPace *pace,
		  gint64 now)
{
	g_autofree char *when = NULL;

	if (pace->last_error_time == 0)
		return;
	when = format_moment(pace->last_error_time, now);
	g_string_append_printf(text, "Last error %s: %s: %s", doing, when,
			       pace->last_error);
	if (pace->failures > 0)
		g_string_append_printf(text, " (%u in a row)", pace->failures);
	g_string_append_c(text, '\n');
}

char *
tw_account_dup_status_text(TwAccount *account)
{
	GString *text = g_string_new(NULL);
	gint64 now = g_get_real_time();

	if (account->me != NULL && account->signed_on) {
		g_string_append_printf(text, "Signed on as @%s",
				       account->me->username);
		if (account->me->name != NULL)
			g_string_append_printf(text, " (%s)",
					       account->me->name);
		g_string_append_c(text, '\n');
	} else if (account->failed) {
		g_string_append_printf(text, "@%s is not signed on\n",
				       account->username);
	} else {
		g_string_append_printf(text, "Signing on as @%s\n",
				       account->username);
	}

	if (account->last_poll_time > 0) {
		g_autofree char *last =
		    format_moment(account->last_poll_time, now);

		g_string_append_printf(text, "Last check for messages: %s\n",
				       last);
	} else {
		g_string_append(text, "Last check for messages: none yet\n");
	}
	if (account->poll_call != 0 || account->users_call != 0 ||
	    account->delivery_timer != 0) {
		g_string_append(text, "Next check: in progress now\n");
	} else if (account->poll_timer != 0) {
		g_autofree char *next =
		    format_moment(MAX(account->next_poll_time, now), now);

		g_string_append_printf(text, "Next check: %s\n", next);
	} else {
		g_string_append(text, "Next check: not scheduled\n");
	}

	append_limit(text, "DM reads left", &account->read_pace.limit, now);
	append_last_error(text, "reading", &account->read_pace, now);
	append_limit(text, "DM sends left", &account->send_pace.limit, now);
	append_last_error(text, "sending", &account->send_pace, now);
	if (account->send_timer != 0) {
		g_autofree char *next =
		    format_moment(MAX(account->next_send_time, now), now);

		g_string_append_printf(text, "Next send try: %s\n", next);
	}
	g_string_append_printf(text, "Messages waiting to be sent: %u\n",
			       account->state != NULL
				   ? tw_state_outbox_get_length(account->state)
				   : 0);
	if (account->access_token_expiry > 0) {
		g_autofree char *expiry =
		    format_moment(account->access_token_expiry, now);

		g_string_append_printf(text, "Access token valid until %s",
				       expiry);
	} else {
		g_string_append(text, "Access token expiry: none known");
	}
	return g_string_free(text, FALSE);
}
