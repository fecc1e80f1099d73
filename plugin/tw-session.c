/*
 * tw-session: an account's tokens. The refresh token is exchanged through
 * tw-rotation (one rotation per account, never cancelled, noted on disk
 * before it is sent); a 401 refreshes once per requester and then backs
 * off in read paces; a refused or lost rotation asks the user to
 * authorize the app again, keeping what waits to be sent. The token
 * endpoint has no rate-limit headers, so its retries use fixed seconds.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "config.h"

#include "tw-session.h"

#include <glib/gi18n-lib.h>

#include "tw-auth.h"
#include "tw-authorization.h"
#include "tw-loop.h"
#include "tw-rotation.h"

/* Retries of a failed token request (the endpoint has no rate-limit
 * headers to pace by). */
#define REFRESH_RETRY_FIRST_MS 2000
#define REFRESH_RETRY_MAX_MS   (60 * 1000)
/* Refresh the access token this long before it expires. */
#define REFRESH_MARGIN_SECONDS 300
/* 401s in a row, each right after a successful refresh, before the token
 * is taken as unusable (about eight minutes of backing off) */
#define UNAUTHORIZED_STREAK_MAX 8

struct _TwSession {
	char *refresh_token;
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
	/* whether each requester has used its retry after a 401 */
	gboolean retried[TW_SESSION_N_USERS];

	/* authorization; its tokens are kept once /2/users/me confirms */
	TwAuthorization *authorization;
	char *pending_refresh_token;
	/* the refresh token X refused, replaced by the next authorization */
	char *refused_refresh_token;
	char *pending_oauth1_token;
	char *pending_oauth1_secret;
};

static void refresh_start(TwAccount *account);
static gboolean refresh_timer_cb(gpointer data);
static void reauthorize(TwAccount *account);

TwSession *
tw_session_new(TwAccount *account)
{
	TwSession *session = g_new0(TwSession, 1);

	(void)account;
	session->after_refresh = g_ptr_array_new();
	return session;
}

void
tw_session_free(TwSession *session)
{
	if (session == NULL)
		return;
	g_clear_pointer(&session->authorization, tw_authorization_free);
	g_ptr_array_unref(session->after_refresh);
	tw_auth_wipe_string(session->refresh_token);
	tw_auth_wipe_string(session->refused_refresh_token);
	tw_auth_wipe_string(session->pending_refresh_token);
	tw_auth_wipe_string(session->pending_oauth1_token);
	tw_auth_wipe_string(session->pending_oauth1_secret);
	g_free(session);
}

void
tw_session_stop(TwAccount *account)
{
	TwSession *session = account->session;

	tw_clear_timeout(&session->refresh_timer);
	tw_clear_timeout(&session->expiry_timer);
	/* A rotation is never cancelled: it finishes and stores its token
	 * (tw-rotation), whoever waits for it. */
	tw_rotation_detach(session->refresh_waiter);
	session->refresh_waiter = 0;
	g_clear_pointer(&session->authorization, tw_authorization_free);
	g_ptr_array_set_size(session->after_refresh, 0);
}

void
tw_session_request_succeeded(TwAccount *account, TwSessionUser user)
{
	account->session->retried[user] = FALSE;
}

void
tw_session_token_worked(TwAccount *account)
{
	account->session->unauthorized_streak = 0;
}

gboolean
tw_session_is_renewing(TwAccount *account)
{
	TwSession *session = account->session;

	return session->refresh_waiter != 0 || session->refresh_failures > 0 ||
	       session->authorization != NULL;
}

gint64
tw_session_get_access_token_expiry(TwAccount *account)
{
	return account->session->access_token_expiry;
}

void
tw_session_reauthorized(TwAccount *account)
{
	TwSession *session = account->session;
	g_autoptr(GPtrArray) waiting = g_steal_pointer(&session->after_refresh);

	session->after_refresh = g_ptr_array_new();
	session->rotation_lost = FALSE;
	session->refresh_failures = 0;
	session->refresh_ambiguous = FALSE;
	session->retried[TW_SESSION_USER_POLL] = FALSE;
	session->retried[TW_SESSION_USER_SEND] = FALSE;
	session->unauthorized_streak = 0;
	for (guint i = 0; i < waiting->len && !account->failed; i++)
		((TwAccountOperation)waiting->pdata[i])(account);
}

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

void
tw_session_wait_for_token(TwAccount *account, TwAccountOperation operation)
{
	if (!g_ptr_array_find(account->session->after_refresh, operation, NULL))
		g_ptr_array_add(account->session->after_refresh, operation);
}

gboolean
tw_session_retry_after_refresh(TwAccount *account, guint generation,
			       TwSessionUser user, TwAccountOperation operation)
{
	if (account->auth_method == TW_ACCOUNT_AUTH_OAUTH1) {
		/* OAuth 1.0a tokens do not expire: a 401 means revoked. */
		tw_account_fail_with(
		    account, TW_API_ERROR, TW_API_ERROR_UNAUTHORIZED,
		    _("X no longer accepts the OAuth 1.0a access token: it "
		      "was revoked, or the app's keys were regenerated. "
		      "Enter a new access token and secret, or clear the "
		      "access-token option to authorize again with a PIN."));
		return TRUE;
	}
	if (generation != tw_api_get_access_token_generation(account->api)) {
		/* Sent with a token replaced meanwhile: the new one is
		 * tried, no refresh needed (unless one is under way). */
		if (account->session->refresh_waiter != 0 ||
		    account->session->rotation_lost ||
		    account->session->authorization != NULL)
			tw_session_wait_for_token(account, operation);
		else
			operation(account);
		return TRUE;
	}
	if (account->session->rotation_lost) {
		/* No refresh token to refresh with: the user must authorize
		 * the app again, now. */
		tw_session_wait_for_token(account, operation);
		reauthorize(account);
		return TRUE;
	}
	if (account->session->retried[user]) {
		if (!account->signed_on)
			return FALSE;
		if (account->session->unauthorized_streak >=
		    UNAUTHORIZED_STREAK_MAX) {
			/* Queued messages stay in the outbox for the next
			 * sign-on. */
			tw_account_fail_with(
			    account, TW_API_ERROR, TW_API_ERROR_UNAUTHORIZED,
			    _("X keeps refusing freshly refreshed access "
			      "tokens. Check the app's permissions in the "
			      "developer portal, then sign on again."));
			return TRUE;
		}
		/* A fresh token refused too: a hiccup at X, or a revoked
		 * grant, which the next refresh will tell. Back off, refresh
		 * again; only a refused refresh ends the account. */
		account->session->unauthorized_streak++;
	}
	account->session->retried[user] = TRUE;
	tw_session_wait_for_token(account, operation);
	if (account->session->refresh_waiter != 0)
		return TRUE;
	tw_clear_timeout(&account->session->refresh_timer);
	if (account->session->unauthorized_streak == 0)
		refresh_start(account);
	else
		account->session->refresh_timer = tw_timeout_add(
		    tw_pace_backoff_ms(&account->read_pace,
				       account->session->unauthorized_streak),
		    refresh_timer_cb, account);
	return TRUE;
}

static gboolean
refresh_timer_cb(gpointer data)
{
	TwAccount *account = data;

	account->session->refresh_timer = 0;
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
	tw_clear_timeout(&account->session->refresh_timer);
	account->session->refresh_timer =
	    tw_timeout_add((guint)MIN(seconds * 1000, (gint64)G_MAXINT32),
			   refresh_timer_cb, account);
}

static void authorize_start(TwAccount *account, TwAuthorizationMethod method,
			    const char *reason);

static gboolean
expiry_timer_cb(gpointer data)
{
	TwAccount *account = data;

	account->session->expiry_timer = 0;
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
	account->session->rotation_lost = TRUE;
	/* No refresh is pending: requests go on with the access token. */
	account->session->refresh_failures = 0;
	tw_auth_wipe_string(account->session->refused_refresh_token);
	account->session->refused_refresh_token =
	    g_steal_pointer(&account->session->refresh_token);
	tw_clear_timeout(&account->session->refresh_timer);
	until = g_date_time_new_from_unix_local(
	    account->session->access_token_expiry / G_USEC_PER_SEC);
	until_text = g_date_time_format(until, "%H:%M");
	text = g_strdup_printf(
	    /* TRANSLATORS: X's reason, then when the access token expires. */
	    _("X renewed this account's authorization, but its answer was "
	      "lost on the way, and X no longer accepts the old one (%s). "
	      "Messages keep coming until %s; authorize the app again before "
	      "then: you will be asked at that time, and messages waiting to "
	      "be sent are kept."),
	    error->message, until_text);
	tw_account_notice(account, TW_ACCOUNT_NOTICE_INFO, NULL, text);
	account->session->expiry_timer = tw_timeout_add(
	    (guint)MIN(MAX(account->session->access_token_expiry - now, 0) /
			   1000,
		       (gint64)G_MAXINT32),
	    expiry_timer_cb, account);
}

/* Online, with no refresh token that works: the authorization prompt,
 * once. */
static void
reauthorize(TwAccount *account)
{
	if (account->session->authorization != NULL || account->failed)
		return;
	tw_clear_timeout(&account->session->expiry_timer);
	if (account->callbacks->authorize == NULL) {
		tw_account_fail_with(
		    account, TW_API_ERROR, TW_API_ERROR_TOKEN_REFUSED,
		    _("X no longer accepts this account's authorization: "
		      "sign in again."));
		return;
	}
	authorize_start(account, TW_AUTHORIZATION_OAUTH2,
			_("X no longer accepts this account's saved "
			  "authorization (the answer to its last renewal was "
			  "lost). Authorize the app again; messages waiting to "
			  "be sent are kept."));
}

/* X refused the refresh token: revoked, expired, or rotated by a refresh
 * whose answer never reached the disk. Signing on, the user is asked to
 * authorize the app again; online, the account ends and the next sign-on
 * asks. */
static void
refresh_refused(TwAccount *account, const GError *error)
{
	g_autofree char *reason = NULL;

	if (account->signed_on && account->callbacks->authorize != NULL) {
		tw_account_fail_with(
		    account, TW_API_ERROR, TW_API_ERROR_TOKEN_REFUSED,
		    /* TRANSLATORS: %s is X's reason. */
		    _("X refused the refresh token: %s (connecting again asks "
		      "you to authorize the app again)"),
		    error->message);
		return;
	}
	if (account->callbacks->authorize == NULL) {
		tw_account_fail_with(
		    account, TW_API_ERROR, TW_API_ERROR_TOKEN_REFUSED,
		    /* TRANSLATORS: %s is X's reason. */
		    _("X refused the refresh token: %s"), error->message);
		return;
	}
	g_message("%s: X refused the refresh token (%s): asking to "
		  "authorize again",
		  account->username, error->message);
	tw_auth_wipe_string(account->session->refused_refresh_token);
	account->session->refused_refresh_token =
	    g_steal_pointer(&account->session->refresh_token);
	/* TRANSLATORS: %s is X's reason. */
	reason = g_strdup_printf(_("X no longer accepts this account's saved "
				   "authorization (%s). Authorize the app "
				   "again."),
				 error->message);
	authorize_start(account, TW_AUTHORIZATION_OAUTH2, reason);
}

static void
refresh_failed(TwAccount *account, const TwRotationResult *result)
{
	const GError *error = result->error;
	gboolean after_ambiguous = account->session->refresh_ambiguous;
	g_autoptr(GError) state_error = NULL;

	if (g_error_matches(error, TW_API_ERROR, TW_API_ERROR_TOKEN_REFUSED)) {
		account->session->refresh_ambiguous = FALSE;
		/* After a failure that may have rotated it, a refusal means
		 * the rotation's answer was lost: with a live access token
		 * the account works on until it expires. */
		if (after_ambiguous && account->signed_on &&
		    account->session->access_token_expiry > g_get_real_time()) {
			rotation_lost(account, error);
			return;
		}
		if (after_ambiguous && account->signed_on) {
			account->session->rotation_lost = TRUE;
			tw_auth_wipe_string(
			    account->session->refused_refresh_token);
			account->session->refused_refresh_token =
			    g_steal_pointer(&account->session->refresh_token);
			reauthorize(account);
			return;
		}
		refresh_refused(account, error);
		return;
	}
	/* Signing on with no connection to X at all: the client shows the
	 * network error and reconnects on its own. */
	if (!tw_account_is_transient_error(error) ||
	    (!account->signed_on &&
	     g_error_matches(error, TW_HTTP_ERROR, TW_HTTP_ERROR_CONNECT))) {
		tw_account_fail(account, g_error_copy(error));
		return;
	}
	/* X answered with an error, or nothing was sent: the token is not
	 * spent. Otherwise it may be, which the retry will tell. */
	account->session->refresh_ambiguous = result->ambiguous;
	if (!result->ambiguous &&
	    !tw_state_clear_rotation(account->state, &state_error))
		g_message("%s: %s", account->username, state_error->message);
	/* Signing on or online, keep trying; waiting requests wait. */
	account->session->refresh_failures++;
	g_debug("%s: token refresh failed (%s, %s); retry %u",
		account->username, error->message,
		result->ambiguous ? "may have reached X" : "X did not rotate",
		account->session->refresh_failures);
	account->session->refresh_timer = tw_timeout_add(
	    refresh_backoff_delay(account->session->refresh_failures),
	    refresh_timer_cb, account);
}

static void
refresh_done(const TwRotationResult *result, gpointer data)
{
	TwAccount *account = data;
	g_autoptr(GPtrArray) waiting = NULL;
	g_autoptr(GError) error = NULL;
	const TwToken *token = result->token;

	account->session->refresh_waiter = 0;
	if (result->error != NULL) {
		refresh_failed(account, result);
		return;
	}
	account->session->refresh_failures = 0;
	account->session->refresh_ambiguous = FALSE;
	/* The rotation may be one a disconnected session started with an
	 * older token: what it replaced is the token it was sent with. */
	if (token->refresh_token != NULL &&
	    g_strcmp0(token->refresh_token, account->session->refresh_token) !=
		0) {
		/* Rotation: the old token is spent now. The new one must be
		 * on disk before anything else happens. */
		if (!tw_state_store_refresh_token(
			account->state, token->refresh_token,
			result->refresh_token, &error)) {
			tw_account_fail_with(account, TW_ACCOUNT_ERROR,
					     TW_ACCOUNT_ERROR_STATE, "%s",
					     error->message);
			return;
		}
		tw_auth_wipe_string(account->session->refresh_token);
		account->session->refresh_token =
		    g_strdup(token->refresh_token);
		if (account->callbacks->refresh_token_changed != NULL)
			account->callbacks->refresh_token_changed(
			    account->ui, account->session->refresh_token);
	} else if (!tw_state_clear_rotation(account->state, &error)) {
		g_message("%s: %s", account->username, error->message);
	}
	tw_api_set_access_token(account->api, token->access_token);
	account->session->access_token_expiry =
	    token->expires_in > 0
		? g_get_real_time() + token->expires_in * G_USEC_PER_SEC
		: 0;
	schedule_refresh(account, token->expires_in);

	if (!account->signed_on && !tw_account_is_checking_me(account) &&
	    account->session->after_refresh->len == 0) {
		tw_account_check_me(account, NULL);
		return;
	}
	waiting = g_steal_pointer(&account->session->after_refresh);
	account->session->after_refresh = g_ptr_array_new();
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

	if (account->session->refresh_waiter != 0 ||
	    account->session->rotation_lost || account->failed)
		return;
	tw_clear_timeout(&account->session->refresh_timer);
	/* On disk before it leaves: a crash or a lost answer is known. */
	if (!tw_rotation_is_in_flight(account->state_directory,
				      account->username) &&
	    !tw_state_note_rotation(account->state,
				    account->session->refresh_token, &error)) {
		tw_account_fail_with(account, TW_ACCOUNT_ERROR,
				     TW_ACCOUNT_ERROR_STATE, "%s",
				     error->message);
		return;
	}
	account->session->refresh_waiter = tw_rotation_start(
	    &config, account->session->refresh_token, refresh_done, account);
}

/****************************************************************************
 * Authorization
 ****************************************************************************/

static void
end_authorization(TwAccount *account)
{
	/* tw-authorization lets its owner free it inside its callbacks. */
	g_clear_pointer(&account->session->authorization,
			tw_authorization_free);
	if (account->callbacks->authorize_finished != NULL)
		account->callbacks->authorize_finished(account->ui);
}

/* Only the confirmed account's tokens are kept: a sign-in as somebody
 * else must not replace them. */
static gboolean
keep_authorized_tokens(TwAccount *account, GError **error)
{
	if (account->session->pending_refresh_token != NULL) {
		/* A refused token it replaces counts as spent: a client
		 * that offers it again as the password gets the new one. */
		if (!tw_state_store_refresh_token(
			account->state, account->session->pending_refresh_token,
			account->session->refused_refresh_token, error))
			return FALSE;
		tw_auth_wipe_string(
		    g_steal_pointer(&account->session->refused_refresh_token));
		tw_auth_wipe_string(account->session->refresh_token);
		account->session->refresh_token =
		    g_steal_pointer(&account->session->pending_refresh_token);
		if (account->callbacks->refresh_token_changed != NULL)
			account->callbacks->refresh_token_changed(
			    account->ui, account->session->refresh_token);
	}
	if (account->session->pending_oauth1_token != NULL) {
		if (account->callbacks->oauth1_token_changed != NULL)
			account->callbacks->oauth1_token_changed(
			    account->ui, account->session->pending_oauth1_token,
			    account->session->pending_oauth1_secret);
		tw_auth_wipe_string(
		    g_steal_pointer(&account->session->pending_oauth1_token));
		tw_auth_wipe_string(
		    g_steal_pointer(&account->session->pending_oauth1_secret));
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
		tw_account_fail_with(account, TW_ACCOUNT_ERROR,
				     TW_ACCOUNT_ERROR_STATE, "%s",
				     error->message);
		return;
	}
	tw_account_me_done(reply, account);
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
	tw_auth_wipe_string(account->session->pending_refresh_token);
	account->session->pending_refresh_token =
	    g_strdup(token->refresh_token);
	if (token->refresh_token == NULL)
		g_message("%s: no refresh token came (offline.access was not "
			  "granted): the sign-in ends with the access token",
			  account->username);
	tw_api_set_access_token(account->api, token->access_token);
	account->session->access_token_expiry =
	    token->expires_in > 0
		? g_get_real_time() + token->expires_in * G_USEC_PER_SEC
		: 0;
	schedule_refresh(account, token->expires_in);
	tw_account_check_me(account, authorized_me_done);
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
	tw_auth_wipe_string(account->session->pending_oauth1_token);
	tw_auth_wipe_string(account->session->pending_oauth1_secret);
	account->session->pending_oauth1_token = g_strdup(token);
	account->session->pending_oauth1_secret = g_strdup(token_secret);
	oauth1_use_token(account, token, token_secret);
	tw_account_check_me(account, authorized_me_done);
}

static void
authorization_failed(gpointer data, const GError *error)
{
	TwAccount *account = data;
	GError *copy = g_error_copy(error);

	end_authorization(account);
	tw_account_fail(account, copy);
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
	account->session->authorization = tw_authorization_new(
	    account->api, &config, &authorization_callbacks, account);
	tw_authorization_start(account->session->authorization);
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
		tw_account_fail_with(
		    account, TW_ACCOUNT_ERROR,
		    TW_ACCOUNT_ERROR_INVALID_SETTINGS,
		    _("OAuth 1.0a needs the consumer-key and "
		      "consumer-secret options: the API Key and Secret "
		      "from your X app's \"Keys and tokens\" page."));
		return;
	}
	if (is_set(account->access_token) && is_set(account->password)) {
		oauth1_use_token(account, account->access_token,
				 account->password);
		tw_account_check_me(account, NULL);
		return;
	}
	if (is_set(account->access_token) || is_set(account->password)) {
		tw_account_fail_with(
		    account, TW_ACCOUNT_ERROR,
		    TW_ACCOUNT_ERROR_INVALID_SETTINGS, "%s",
		    is_set(account->access_token)
			? _("The access-token option is set but the "
			    "password is empty: enter the Access Token "
			    "Secret as the password, or clear "
			    "access-token to authorize with a PIN.")
			: _("The password is set but the access-token "
			    "option is empty: enter the Access Token "
			    "too, or clear the password to authorize "
			    "with a PIN."));
		return;
	}
	if (account->callbacks->authorize == NULL) {
		tw_account_fail_with(
		    account, TW_ACCOUNT_ERROR, TW_ACCOUNT_ERROR_NO_TOKEN,
		    _("The account has no OAuth 1.0a access token. Enter "
		      "it in the access-token option and its secret as "
		      "the password."));
		return;
	}
	authorize_start(account, TW_AUTHORIZATION_OAUTH1_PIN, NULL);
}

gboolean
tw_account_authorize_submit(TwAccount *account, const char *text)
{
	if (account->session->authorization == NULL)
		return FALSE;
	return tw_authorization_submit(account->session->authorization, text);
}

void
tw_account_authorize_cancel(TwAccount *account)
{
	if (account->session->authorization != NULL)
		tw_authorization_cancel(account->session->authorization);
}

void
tw_session_start(TwAccount *account)
{
	const char *token;

	if (account->auth_method == TW_ACCOUNT_AUTH_OAUTH1) {
		oauth1_start(account);
		return;
	}
	token =
	    tw_state_choose_refresh_token(account->state, account->password);
	if (token == NULL && account->callbacks->authorize != NULL) {
		authorize_start(account, TW_AUTHORIZATION_OAUTH2, NULL);
		return;
	}
	if (token == NULL) {
		tw_account_fail_with(
		    account, TW_ACCOUNT_ERROR, TW_ACCOUNT_ERROR_NO_TOKEN,
		    _("The account has no refresh token. Enter the OAuth "
		      "2.0 refresh token of @%s as the password."),
		    account->username);
		return;
	}
	if (token != account->password)
		g_debug("%s: signing on with the newest stored refresh token",
			account->username);
	account->session->refresh_token = g_strdup(token);
	if (account->callbacks->progress != NULL)
		account->callbacks->progress(
		    account->ui, _("Refreshing the access token"), 1, 3);
	refresh_start(account);
}
