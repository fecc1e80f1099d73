/*
 * tw-authorization: getting a user's tokens, interactively.
 *
 * OAuth 2.0 Authorization Code with PKCE: an authorize URL for the
 * browser; the redirect comes back through the client's loopback listener
 * or is pasted (the whole address or the bare code); the code is exchanged
 * at once, because it lives 30 seconds.
 *
 * OAuth 1.0a PIN flow: a request token with oauth_callback=oob, the
 * authorize URL for the browser, the PIN typed back, the access token.
 *
 * Knows neither libpurple nor curl: the UI is reached through
 * TwAuthorizationCallbacks, X through TwApi. Every callback runs on the
 * event loop, never from inside a TwAuthorization call.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#pragma once

#include <glib.h>

#include "tw-api.h"

G_BEGIN_DECLS

/** How long the user has to finish, in seconds. */
#define TW_AUTHORIZATION_TIMEOUT (10 * 60)

/**
 * TwAuthorizationMethod:
 * @TW_AUTHORIZATION_OAUTH2: OAuth 2.0 Authorization Code with PKCE
 * @TW_AUTHORIZATION_OAUTH1_PIN: OAuth 1.0a with oauth_callback=oob
 */
typedef enum {
	TW_AUTHORIZATION_OAUTH2,
	TW_AUTHORIZATION_OAUTH1_PIN,
} TwAuthorizationMethod;

/**
 * TwAuthorizationConfig:
 * @method: which flow
 * @client_id: OAuth 2.0 client id
 * @client_secret: (nullable): OAuth 2.0 secret of a confidential client
 * @authorize_url: OAuth 2.0 authorize endpoint
 * @redirect_uri: OAuth 2.0 callback URL registered in the app
 * @consumer_key: OAuth 1.0a API key
 * @consumer_secret: OAuth 1.0a API key secret
 * @timeout_seconds: 0 for #TW_AUTHORIZATION_TIMEOUT
 * @reason: (nullable): why the user is asked, shown with the first prompt
 *   (as its problem), e.g. that X refused the saved authorization
 *
 * Everything is copied by tw_authorization_new().
 */
typedef struct {
	TwAuthorizationMethod method;
	const char *client_id;
	const char *client_secret;
	const char *authorize_url;
	const char *redirect_uri;
	const char *consumer_key;
	const char *consumer_secret;
	guint timeout_seconds;
	const char *reason;
} TwAuthorizationConfig;

/**
 * TwAuthorizationPrompt:
 * @url: the address the user opens in a browser
 * @redirect_uri: (nullable): where X sends the browser back, for a loopback
 *   listener; %NULL in the PIN flow
 * @pin: %TRUE when the answer is a PIN, %FALSE when it is the redirect
 *   address (or its code)
 * @problem: (nullable): why the user is asked again: the previous answer
 *   was refused, or the code expired
 */
typedef struct {
	const char *url;
	const char *redirect_uri;
	gboolean pin;
	const char *problem;
} TwAuthorizationPrompt;

/**
 * TwAuthorizationCallbacks:
 * @prompt: show @prompt; replaces any earlier prompt
 * @oauth2_done: the code was exchanged; @token holds the access and the
 *   refresh token (borrowed: copy what you keep)
 * @oauth1_done: the PIN was exchanged for @token and @token_secret of
 *   @screen_name (nullable)
 * @failed: the authorization cannot go on; @error is a #TW_OAUTH_ERROR or
 *   comes from a lower layer
 *
 * After @oauth2_done, @oauth1_done or @failed nothing else is called; the
 * owner may free the authorization inside them.
 */
typedef struct {
	void (*prompt)(gpointer user_data, const TwAuthorizationPrompt *prompt);
	void (*oauth2_done)(gpointer user_data, TwToken *token);
	void (*oauth1_done)(gpointer user_data, const char *token,
			    const char *token_secret, const char *screen_name);
	void (*failed)(gpointer user_data, const GError *error);
} TwAuthorizationCallbacks;

typedef struct _TwAuthorization TwAuthorization;

/**
 * tw_authorization_new:
 * @api: (transfer none): the API client; must outlive the authorization
 * @config: settings, copied
 * @callbacks: (transfer none): must outlive the authorization
 * @user_data: passed to every callback
 *
 * Returns: (transfer full): an authorization, not started
 */
TwAuthorization *tw_authorization_new(TwApi *api,
				      const TwAuthorizationConfig *config,
				      const TwAuthorizationCallbacks *callbacks,
				      gpointer user_data);

/**
 * tw_authorization_free:
 * @authorization: (transfer full) (nullable): cancels everything; no
 *   callback runs afterwards
 */
void tw_authorization_free(TwAuthorization *authorization);

/**
 * tw_authorization_start:
 * @authorization: the authorization
 *
 * Starts the flow and its timeout. The first @prompt follows.
 */
void tw_authorization_start(TwAuthorization *authorization);

/**
 * tw_authorization_submit:
 * @authorization: the authorization
 * @text: the redirect address, its path and query, or the bare code (OAuth
 *   2.0); the PIN (OAuth 1.0a)
 *
 * Takes the user's answer, from a prompt or from a loopback listener,
 * whichever comes first. A refused answer (another attempt's state, text
 * without a code) brings a new @prompt that says why.
 *
 * Returns: %TRUE when the answer was taken (or an earlier one is being
 * exchanged already), %FALSE when it was refused
 */
gboolean tw_authorization_submit(TwAuthorization *authorization,
				 const char *text);

/**
 * tw_authorization_cancel:
 * @authorization: the authorization
 *
 * The user gave up: @failed follows with %TW_OAUTH_ERROR_CANCELLED.
 */
void tw_authorization_cancel(TwAuthorization *authorization);

G_END_DECLS
