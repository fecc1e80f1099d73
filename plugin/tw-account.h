/*
 * tw-account: one signed-on X account: sign-on, token rotation, polling,
 * delivery and sending. Owns the HTTP client, the API client and the state
 * files; knows nothing of libpurple. The purple glue creates it in login,
 * receives everything through TwAccountCallbacks and frees it in close.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#pragma once

#include <glib.h>

#include "tw-api.h"
#include "tw-authorization.h"

G_BEGIN_DECLS

/** Error domain of this layer; lower layers' errors pass through. */
#define TW_ACCOUNT_ERROR (tw_account_error_quark())
GQuark tw_account_error_quark(void);

/**
 * TwAccountError:
 * @TW_ACCOUNT_ERROR_INVALID_SETTINGS: an account option is unusable
 * @TW_ACCOUNT_ERROR_NO_TOKEN: there is no refresh token to sign on with
 * @TW_ACCOUNT_ERROR_WRONG_USER: the token belongs to another X account
 * @TW_ACCOUNT_ERROR_STATE: the plugin's own files cannot be written
 */
typedef enum {
	TW_ACCOUNT_ERROR_INVALID_SETTINGS,
	TW_ACCOUNT_ERROR_NO_TOKEN,
	TW_ACCOUNT_ERROR_WRONG_USER,
	TW_ACCOUNT_ERROR_STATE,
} TwAccountError;

/**
 * TwAccountAuthMethod:
 * @TW_ACCOUNT_AUTH_OAUTH2: OAuth 2.0 user context: a refresh token, or
 *   the PKCE authorization when there is none
 * @TW_ACCOUNT_AUTH_OAUTH1: OAuth 1.0a user context: consumer keys and an
 *   access token, or the PIN flow when there is none
 */
typedef enum {
	TW_ACCOUNT_AUTH_OAUTH2,
	TW_ACCOUNT_AUTH_OAUTH1,
} TwAccountAuthMethod;

/**
 * TwAccountConfig:
 * @username: the account's handle, lower case, without '@'
 * @password: (nullable): the refresh token the client handed over (OAuth
 *   2.0), or the access token secret (OAuth 1.0a)
 * @api_base: base URL of the API
 * @client_id: OAuth 2.0 client id
 * @client_secret: (nullable): OAuth 2.0 client secret
 * @state_directory: where tw-state keeps this plugin's files
 * @proxy_url: (nullable): see tw_http_set_proxy(); %NULL = environment
 * @proxy_username: (nullable): proxy user
 * @proxy_password: (nullable): proxy password
 * @ca_file: (nullable): extra CA bundle
 * @poll_interval: shortest seconds between polls, 0 = automatic
 * @history_days: backfill on the first sign-on ever, 0 to 30
 * @auth_method: how the account signs in
 * @authorize_url: (nullable): OAuth 2.0 authorize endpoint
 * @redirect_uri: (nullable): OAuth 2.0 callback URL
 * @consumer_key: (nullable): OAuth 1.0a API key
 * @consumer_secret: (nullable): OAuth 1.0a API key secret
 * @access_token: (nullable): OAuth 1.0a access token
 *
 * Everything is copied by tw_account_new().
 */
typedef struct {
	const char *username;
	const char *password;
	const char *api_base;
	const char *client_id;
	const char *client_secret;
	const char *state_directory;
	const char *proxy_url;
	const char *proxy_username;
	const char *proxy_password;
	const char *ca_file;
	guint poll_interval;
	guint history_days;
	TwAccountAuthMethod auth_method;
	const char *authorize_url;
	const char *redirect_uri;
	const char *consumer_key;
	const char *consumer_secret;
	const char *access_token;
} TwAccountConfig;

/**
 * TwAccountMessage:
 * @event_id: the DM event id
 * @conversation_id: its conversation
 * @peer: the other person's handle, lower case (1:1)
 * @peer_name: (nullable): their display name
 * @html: the text, escaped for libpurple
 * @timestamp: when it was written, Unix seconds
 * @outgoing: %TRUE when the account owner wrote it on another device
 * @delayed: %TRUE for backlog fetched after downtime or on first sign-on
 */
typedef struct {
	const char *event_id;
	const char *conversation_id;
	const char *peer;
	const char *peer_name;
	const char *html;
	gint64 timestamp;
	gboolean outgoing;
	gboolean delayed;
} TwAccountMessage;

/**
 * TwAccountNotice:
 * @TW_ACCOUNT_NOTICE_INFO: something the user may want to know
 * @TW_ACCOUNT_NOTICE_SEND_WAITING: a message waits (rate limit, retry)
 * @TW_ACCOUNT_NOTICE_SEND_FAILED: a message could not be sent; final
 *
 * Kinds of conversation lines that are not messages.
 */
typedef enum {
	TW_ACCOUNT_NOTICE_INFO,
	TW_ACCOUNT_NOTICE_SEND_WAITING,
	TW_ACCOUNT_NOTICE_SEND_FAILED,
} TwAccountNotice;

/**
 * TwAccountCallbacks:
 * @progress: sign-on progress, @step of @steps
 * @signed_on: the account is ready
 * @message: a DM to show; called in delivery order
 * @notice: a line for the conversation with @peer (%NULL: account-wide)
 * @refresh_token_changed: the refresh token rotated; store it as the
 *   password (it is already safe in the state file)
 * @error: the account cannot go on; the glue maps @error to a
 *   disconnection reason. No other callback runs after this one.
 * @authorize: the user must authorize the app in a browser: show
 *   @prompt->url, listen on @prompt->redirect_uri when it is a loopback
 *   address, and hand the answer to tw_account_authorize_submit(); a new
 *   call replaces the previous prompt
 * @authorize_finished: the authorization is over: close the prompt and the
 *   listener
 * @oauth1_token_changed: the PIN flow brought an OAuth 1.0a access token:
 *   store @token as the access-token option and @token_secret as the
 *   password
 *
 * How the account talks to the UI layer. All callbacks run on the event
 * loop, never from inside a TwAccount call.
 */
typedef struct {
	void (*progress)(gpointer ui, const char *text, guint step,
			 guint steps);
	void (*signed_on)(gpointer ui, const TwUser *me);
	void (*message)(gpointer ui, const TwAccountMessage *message);
	void (*notice)(gpointer ui, TwAccountNotice kind, const char *peer,
		       const char *text);
	void (*refresh_token_changed)(gpointer ui, const char *refresh_token);
	void (*error)(gpointer ui, const GError *error);
	void (*authorize)(gpointer ui, const TwAuthorizationPrompt *prompt);
	void (*authorize_finished)(gpointer ui);
	void (*oauth1_token_changed)(gpointer ui, const char *token,
				     const char *token_secret);
} TwAccountCallbacks;

typedef struct _TwAccount TwAccount;

/**
 * tw_account_new:
 * @config: settings, copied
 * @callbacks: (transfer none): must outlive the account
 * @ui: passed to every callback
 *
 * Creates the account without starting anything.
 *
 * Returns: (transfer full): the account
 */
TwAccount *tw_account_new(const TwAccountConfig *config,
			  const TwAccountCallbacks *callbacks, gpointer ui);

/**
 * tw_account_free:
 * @account: (transfer full) (nullable): the account
 *
 * Cancels every request and timer; no callback runs afterwards. Saves the
 * delivery state.
 */
void tw_account_free(TwAccount *account);

/**
 * tw_account_connect:
 * @account: the account
 *
 * Starts sign-on: settings check, token refresh, /2/users/me, then polling.
 * The outcome arrives through @signed_on or @error.
 */
void tw_account_connect(TwAccount *account);

/**
 * tw_account_send_im:
 * @account: the account
 * @peer: recipient handle
 * @html: what the user typed, as libpurple hands it over
 *
 * Queues a 1:1 message. Long text is split; empty text is not sent.
 *
 * Returns: the number of DMs queued (0 when there was nothing to send)
 */
guint tw_account_send_im(TwAccount *account, const char *peer,
			 const char *html);

/**
 * tw_account_poll_now:
 * @account: the account
 *
 * Polls as soon as the rate budget allows, e.g. for "Check for new
 * messages now".
 */
void tw_account_poll_now(TwAccount *account);

/**
 * tw_account_authorize_submit:
 * @account: the account
 * @text: what the user pasted or typed (redirect address, code or PIN),
 *   or the request target the loopback listener received
 *
 * Returns: %TRUE when the answer was taken, %FALSE when it was refused
 * (a new @authorize prompt says why) or no authorization is running
 */
gboolean tw_account_authorize_submit(TwAccount *account, const char *text);

/**
 * tw_account_authorize_cancel:
 * @account: the account
 *
 * The user closed the prompt: the sign-on fails, saying so.
 */
void tw_account_authorize_cancel(TwAccount *account);

/**
 * tw_account_get_me:
 * @account: the account
 *
 * Returns: (transfer none) (nullable): the signed-on user
 */
const TwUser *tw_account_get_me(TwAccount *account);

/**
 * tw_account_dup_status_text:
 * @account: the account
 *
 * A plain-text summary for "Show rate-limit status", one fact a line: the
 * signed-on user, the last successful and the next check for messages,
 * DM reads and sends left in their rate-limit windows and when those
 * reset, the messages waiting in the outbox and when the access token
 * expires. Times are local; it holds no secret.
 *
 * Returns: (transfer full): the text
 */
char *tw_account_dup_status_text(TwAccount *account);

G_END_DECLS
