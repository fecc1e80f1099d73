/*
 * tw-authorization: OAuth 2.0 PKCE and the OAuth 1.0a PIN flow.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "config.h"

#include "tw-authorization.h"

#include <glib/gi18n-lib.h>
#include <string.h>

#include "tw-auth.h"
#include "tw-loop.h"
#include "tw-oauth.h"

/* Random bytes of the OAuth 2.0 state. */
#define STATE_BYTES 16

struct _TwAuthorization {
	TwApi *api;
	TwAuthorizationMethod method;
	char *client_id;
	char *client_secret;
	char *authorize_url;
	char *redirect_uri;
	char *consumer_key;
	char *consumer_secret;
	guint timeout_seconds;
	const TwAuthorizationCallbacks *callbacks;
	gpointer user_data;

	/* the current attempt */
	char *verifier;
	char *state;
	char *request_token;
	char *request_token_secret;
	char *url;
	char *problem;
	char *reason;
	guint64 call;

	guint timeout_timer;
	guint prompt_timer;
	guint fail_timer;
	GError *failure;
	gboolean finished;
};

static void oauth2_new_attempt(TwAuthorization *authorization,
			       const char *problem);
static void oauth1_new_attempt(TwAuthorization *authorization,
			       const char *problem);

/****************************************************************************
 * Callbacks, always from the event loop
 ****************************************************************************/

static void
stop_timers(TwAuthorization *authorization)
{
	tw_clear_timeout(&authorization->timeout_timer);
	tw_clear_timeout(&authorization->prompt_timer);
	tw_clear_timeout(&authorization->fail_timer);
}

static gboolean
prompt_cb(gpointer data)
{
	TwAuthorization *authorization = data;
	TwAuthorizationPrompt prompt = {0};

	authorization->prompt_timer = 0;
	prompt.url = authorization->url;
	prompt.pin = authorization->method == TW_AUTHORIZATION_OAUTH1_PIN;
	prompt.redirect_uri = prompt.pin ? NULL : authorization->redirect_uri;
	prompt.problem = authorization->problem;
	authorization->callbacks->prompt(authorization->user_data, &prompt);
	return G_SOURCE_REMOVE;
}

/* Shows the current URL (again), saying why when @problem is set. */
static void
ask(TwAuthorization *authorization, const char *problem)
{
	char *copy = g_strdup(problem);

	g_free(authorization->problem);
	authorization->problem = copy;
	if (authorization->prompt_timer == 0)
		authorization->prompt_timer =
		    tw_timeout_add(0, prompt_cb, authorization);
}

static gboolean
fail_cb(gpointer data)
{
	TwAuthorization *authorization = data;
	g_autoptr(GError) error = g_steal_pointer(&authorization->failure);

	authorization->fail_timer = 0;
	authorization->finished = TRUE;
	stop_timers(authorization);
	/* The owner may free us in there. */
	authorization->callbacks->failed(authorization->user_data, error);
	return G_SOURCE_REMOVE;
}

/* Takes @error; the first failure wins. */
static void
fail_later(TwAuthorization *authorization, GError *error)
{
	if (authorization->failure != NULL || authorization->finished) {
		g_error_free(error);
		return;
	}
	authorization->failure = error;
	tw_clear_timeout(&authorization->prompt_timer);
	authorization->fail_timer = tw_timeout_add(0, fail_cb, authorization);
}

static gboolean
timeout_cb(gpointer data)
{
	TwAuthorization *authorization = data;
	guint minutes = (authorization->timeout_seconds + 59) / 60;

	authorization->timeout_timer = 0;
	if (authorization->call != 0) {
		tw_api_cancel(authorization->api, authorization->call);
		authorization->call = 0;
	}
	fail_later(authorization,
		   g_error_new(TW_OAUTH_ERROR, TW_OAUTH_ERROR_TIMEOUT,
			       g_dngettext(GETTEXT_PACKAGE,
					   "The authorization was not finished "
					   "within %u minute. Reconnect the "
					   "account to get a new link.",
					   "The authorization was not finished "
					   "within %u minutes. Reconnect the "
					   "account to get a new link.",
					   minutes),
			       minutes));
	return G_SOURCE_REMOVE;
}

/****************************************************************************
 * OAuth 2.0 with PKCE
 ****************************************************************************/

static void
exchange_done(TwApiReply *reply, gpointer data)
{
	TwAuthorization *authorization = data;
	g_autoptr(GError) error = NULL;

	authorization->call = 0;
	if (reply->error == NULL) {
		authorization->finished = TRUE;
		stop_timers(authorization);
		authorization->callbacks->oauth2_done(authorization->user_data,
						      reply->token);
		return;
	}
	if (!g_error_matches(reply->error, TW_API_ERROR,
			     TW_API_ERROR_TOKEN_REFUSED)) {
		fail_later(authorization, g_steal_pointer(&reply->error));
		return;
	}
	error = tw_oauth_token_error(
	    reply->problem != NULL ? reply->problem->type : NULL,
	    reply->problem != NULL ? reply->problem->detail : NULL,
	    authorization->redirect_uri);
	g_message("the token endpoint refused the authorization code: %s",
		  error->message);
	if (g_error_matches(error, TW_OAUTH_ERROR,
			    TW_OAUTH_ERROR_CODE_INVALID)) {
		/* A code is single-use and short-lived: start over. */
		oauth2_new_attempt(authorization, error->message);
		return;
	}
	fail_later(authorization, g_steal_pointer(&error));
}

static void
oauth2_new_attempt(TwAuthorization *authorization, const char *problem)
{
	g_autofree char *challenge = NULL;

	tw_auth_wipe_string(authorization->verifier);
	g_free(authorization->state);
	g_free(authorization->url);
	authorization->verifier = tw_oauth_pkce_verifier_new();
	authorization->state = tw_oauth_random_string(STATE_BYTES);
	challenge = tw_oauth_pkce_challenge(authorization->verifier);
	authorization->url = tw_oauth_build_authorize_url(
	    authorization->authorize_url, authorization->client_id,
	    authorization->redirect_uri, TW_OAUTH_SCOPES, authorization->state,
	    challenge);
	ask(authorization, problem);
}

static gboolean
oauth2_submit(TwAuthorization *authorization, const char *text)
{
	g_autoptr(GError) error = NULL;
	char *code = NULL;

	if (!tw_oauth_parse_redirect(text, authorization->state, &code,
				     &error)) {
		g_message("authorization answer refused: %s", error->message);
		if (g_error_matches(error, TW_OAUTH_ERROR,
				    TW_OAUTH_ERROR_STATE_MISMATCH) ||
		    g_error_matches(error, TW_OAUTH_ERROR,
				    TW_OAUTH_ERROR_NO_CODE))
			ask(authorization, error->message);
		else
			fail_later(authorization, g_steal_pointer(&error));
		return FALSE;
	}
	tw_clear_timeout(&authorization->prompt_timer);
	authorization->call = tw_api_exchange_code(
	    authorization->api, authorization->client_id,
	    authorization->client_secret, code, authorization->redirect_uri,
	    authorization->verifier, exchange_done, authorization, NULL);
	tw_auth_wipe_string(code);
	return TRUE;
}

/****************************************************************************
 * OAuth 1.0a PIN flow
 ****************************************************************************/

static void
access_token_done(TwApiReply *reply, gpointer data)
{
	TwAuthorization *authorization = data;

	authorization->call = 0;
	if (reply->error == NULL) {
		authorization->finished = TRUE;
		stop_timers(authorization);
		authorization->callbacks->oauth1_done(
		    authorization->user_data,
		    g_hash_table_lookup(reply->form, "oauth_token"),
		    g_hash_table_lookup(reply->form, "oauth_token_secret"),
		    g_hash_table_lookup(reply->form, "screen_name"));
		return;
	}
	if (g_error_matches(reply->error, TW_API_ERROR,
			    TW_API_ERROR_TOKEN_REFUSED)) {
		g_autofree char *problem = g_strdup_printf(
		    "X did not accept the PIN (X said: %s). A PIN works "
		    "once and only with its own link: open the new link, "
		    "allow access and type the new PIN.",
		    reply->error->message);

		oauth1_new_attempt(authorization, problem);
		return;
	}
	fail_later(authorization, g_steal_pointer(&reply->error));
}

static void
request_token_done(TwApiReply *reply, gpointer data)
{
	TwAuthorization *authorization = data;
	g_autofree char *token = NULL;

	authorization->call = 0;
	if (g_error_matches(reply->error, TW_API_ERROR,
			    TW_API_ERROR_TOKEN_REFUSED)) {
		fail_later(authorization,
			   g_error_new(TW_OAUTH_ERROR, TW_OAUTH_ERROR_CLIENT,
				       _("X refused the app's consumer keys (X "
					 "said: %s). Copy the API Key and "
					 "Secret from your app's \"Keys and "
					 "tokens\" page into the consumer-key "
					 "and consumer-secret options."),
				       reply->error->message));
		return;
	}
	if (reply->error != NULL) {
		fail_later(authorization, g_steal_pointer(&reply->error));
		return;
	}
	g_free(authorization->request_token);
	tw_auth_wipe_string(authorization->request_token_secret);
	authorization->request_token =
	    g_strdup(g_hash_table_lookup(reply->form, "oauth_token"));
	authorization->request_token_secret =
	    g_strdup(g_hash_table_lookup(reply->form, "oauth_token_secret"));
	token = tw_oauth_percent_encode(authorization->request_token);
	g_free(authorization->url);
	authorization->url =
	    g_strconcat(tw_api_get_base_url(authorization->api),
			"/oauth/authorize?oauth_token=", token, NULL);
	ask(authorization, authorization->problem);
}

static void
oauth1_new_attempt(TwAuthorization *authorization, const char *problem)
{
	char *copy = g_strdup(problem);

	/* Shown with the next link, once the request token is there. */
	g_free(authorization->problem);
	authorization->problem = copy;
	g_clear_pointer(&authorization->request_token, g_free);
	authorization->call = tw_api_oauth1_request_token(
	    authorization->api, authorization->consumer_key,
	    authorization->consumer_secret, "oob", request_token_done,
	    authorization, NULL);
}

/* The PIN, or the oauth_verifier of a pasted callback address. */
static char *
extract_pin(const char *text)
{
	g_autofree char *stripped = g_strstrip(g_strdup(text));
	const char *query = strchr(stripped, '?');

	if (strstr(stripped, "oauth_verifier=") != NULL) {
		g_autoptr(GHashTable) form =
		    tw_oauth_parse_form(query != NULL ? query + 1 : stripped);

		return g_strdup(g_hash_table_lookup(form, "oauth_verifier"));
	}
	for (const char *p = stripped; *p != '\0'; p++) {
		if (!g_ascii_isalnum(*p))
			return NULL;
	}
	return stripped[0] != '\0' ? g_steal_pointer(&stripped) : NULL;
}

static gboolean
oauth1_submit(TwAuthorization *authorization, const char *text)
{
	g_autofree char *pin = extract_pin(text);

	if (authorization->request_token == NULL)
		return FALSE;
	if (pin == NULL || pin[0] == '\0') {
		ask(authorization, _("That is not a PIN. Type the number X "
				     "shows after you allowed access."));
		return FALSE;
	}
	tw_clear_timeout(&authorization->prompt_timer);
	authorization->call = tw_api_oauth1_access_token(
	    authorization->api, authorization->consumer_key,
	    authorization->consumer_secret, authorization->request_token,
	    authorization->request_token_secret, pin, access_token_done,
	    authorization, NULL);
	return TRUE;
}

/****************************************************************************
 * Public
 ****************************************************************************/

TwAuthorization *
tw_authorization_new(TwApi *api, const TwAuthorizationConfig *config,
		     const TwAuthorizationCallbacks *callbacks,
		     gpointer user_data)
{
	TwAuthorization *authorization = g_new0(TwAuthorization, 1);

	authorization->api = api;
	authorization->method = config->method;
	authorization->client_id = g_strdup(config->client_id);
	authorization->client_secret = g_strdup(config->client_secret);
	authorization->authorize_url = g_strdup(config->authorize_url);
	authorization->redirect_uri = g_strdup(config->redirect_uri);
	authorization->consumer_key = g_strdup(config->consumer_key);
	authorization->consumer_secret = g_strdup(config->consumer_secret);
	authorization->reason = g_strdup(config->reason);
	authorization->timeout_seconds = config->timeout_seconds > 0
					     ? config->timeout_seconds
					     : TW_AUTHORIZATION_TIMEOUT;
	authorization->callbacks = callbacks;
	authorization->user_data = user_data;
	return authorization;
}

void
tw_authorization_free(TwAuthorization *authorization)
{
	if (authorization == NULL)
		return;
	stop_timers(authorization);
	if (authorization->call != 0)
		tw_api_cancel(authorization->api, authorization->call);
	g_clear_error(&authorization->failure);
	g_free(authorization->client_id);
	tw_auth_wipe_string(authorization->client_secret);
	g_free(authorization->authorize_url);
	g_free(authorization->redirect_uri);
	g_free(authorization->consumer_key);
	tw_auth_wipe_string(authorization->consumer_secret);
	tw_auth_wipe_string(authorization->verifier);
	g_free(authorization->state);
	g_free(authorization->request_token);
	tw_auth_wipe_string(authorization->request_token_secret);
	g_free(authorization->url);
	g_free(authorization->problem);
	g_free(authorization->reason);
	g_free(authorization);
}

void
tw_authorization_start(TwAuthorization *authorization)
{
	if (authorization->timeout_timer != 0 || authorization->finished)
		return;
	authorization->timeout_timer = tw_timeout_add(
	    authorization->timeout_seconds * 1000, timeout_cb, authorization);
	if (authorization->method == TW_AUTHORIZATION_OAUTH1_PIN)
		oauth1_new_attempt(authorization, authorization->reason);
	else
		oauth2_new_attempt(authorization, authorization->reason);
}

gboolean
tw_authorization_submit(TwAuthorization *authorization, const char *text)
{
	if (authorization->finished || authorization->failure != NULL)
		return FALSE;
	/* The listener and the prompt may both answer: the first one is
	 * being exchanged already. */
	if (authorization->call != 0)
		return authorization->method == TW_AUTHORIZATION_OAUTH2;
	if (authorization->method == TW_AUTHORIZATION_OAUTH1_PIN)
		return oauth1_submit(authorization, text != NULL ? text : "");
	return oauth2_submit(authorization, text);
}

void
tw_authorization_cancel(TwAuthorization *authorization)
{
	fail_later(authorization,
		   g_error_new_literal(TW_OAUTH_ERROR, TW_OAUTH_ERROR_CANCELLED,
				       _("The authorization was cancelled. "
					 "Reconnect the account to sign in.")));
}
