/*
 * tw-oauth: the pure parts of signing in: OAuth 2.0 PKCE (RFC 7636), the
 * authorize URL, reading the redirect back, and OAuth 1.0a request signing
 * with HMAC-SHA1 (RFC 5849). No I/O, no libpurple, no curl.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/** Error domain of this layer. */
#define TW_OAUTH_ERROR (tw_oauth_error_quark())
GQuark tw_oauth_error_quark(void);

/**
 * TwOAuthError:
 * @TW_OAUTH_ERROR_STATE_MISMATCH: the redirect belongs to another
 *   authorization attempt (its state differs), or carries no state
 * @TW_OAUTH_ERROR_ACCESS_DENIED: the user did not allow access
 * @TW_OAUTH_ERROR_REDIRECT_ERROR: X redirected with another OAuth error
 * @TW_OAUTH_ERROR_NO_CODE: the text is neither a redirect URL nor a code
 * @TW_OAUTH_ERROR_CODE_INVALID: the token endpoint refused the code: it
 *   expired (it lives 30 seconds), was used already, or does not match
 *   the verifier
 * @TW_OAUTH_ERROR_CLIENT: the token endpoint does not know the client id,
 *   or the client secret is wrong
 * @TW_OAUTH_ERROR_REDIRECT_URI: the redirect URI is not the one the app
 *   registered
 * @TW_OAUTH_ERROR_TIMEOUT: the user did not finish in time
 * @TW_OAUTH_ERROR_CANCELLED: the user cancelled the prompt
 * @TW_OAUTH_ERROR_PIN: X refused the OAuth 1.0a PIN or request token
 */
typedef enum {
	TW_OAUTH_ERROR_STATE_MISMATCH,
	TW_OAUTH_ERROR_ACCESS_DENIED,
	TW_OAUTH_ERROR_REDIRECT_ERROR,
	TW_OAUTH_ERROR_NO_CODE,
	TW_OAUTH_ERROR_CODE_INVALID,
	TW_OAUTH_ERROR_CLIENT,
	TW_OAUTH_ERROR_REDIRECT_URI,
	TW_OAUTH_ERROR_TIMEOUT,
	TW_OAUTH_ERROR_CANCELLED,
	TW_OAUTH_ERROR_PIN,
} TwOAuthError;

/** The scopes the plugin asks for, space-separated: media.write for
 * photos sent as DMs. */
#define TW_OAUTH_SCOPES                                                        \
	"tweet.read users.read dm.read dm.write media.write offline.access"

/**
 * tw_oauth_base64url_encode:
 * @data: bytes
 * @length: how many
 *
 * Returns: (transfer full): base64url without padding (RFC 7636 §A)
 */
char *tw_oauth_base64url_encode(const guint8 *data, gsize length);

/**
 * tw_oauth_random_string:
 * @bytes: how many random bytes to encode, 1 to 96
 *
 * Random bytes from the system's random source (falling back to GLib's
 * generator), base64url-encoded: for verifiers, states and nonces.
 *
 * Returns: (transfer full): about 4/3 × @bytes characters of
 * [A-Za-z0-9_-]
 */
char *tw_oauth_random_string(gsize bytes);

/**
 * tw_oauth_pkce_verifier_new:
 *
 * Returns: (transfer full): a fresh code verifier of 64 characters, within
 * the 43 to 128 RFC 7636 allows
 */
char *tw_oauth_pkce_verifier_new(void);

/**
 * tw_oauth_pkce_challenge:
 * @verifier: a code verifier
 *
 * Returns: (transfer full): its S256 challenge:
 * BASE64URL(SHA256(ASCII(@verifier)))
 */
char *tw_oauth_pkce_challenge(const char *verifier);

/**
 * tw_oauth_build_authorize_url:
 * @authorize_url: the authorize endpoint, e.g.
 *   "https://x.com/i/oauth2/authorize"
 * @client_id: OAuth 2.0 client id
 * @redirect_uri: the callback URL registered in the app
 * @scope: space-separated scopes (#TW_OAUTH_SCOPES)
 * @state: the random state
 * @code_challenge: the S256 challenge
 *
 * Adds response_type=code, client_id, redirect_uri, scope (spaces as %20),
 * state, code_challenge and code_challenge_method=S256 to @authorize_url,
 * after any query it has.
 *
 * Returns: (transfer full): the URL to open in a browser
 */
char *tw_oauth_build_authorize_url(const char *authorize_url,
				   const char *client_id,
				   const char *redirect_uri, const char *scope,
				   const char *state,
				   const char *code_challenge);

/**
 * tw_oauth_parse_redirect:
 * @text: what the user pasted or the listener received: the redirect URL
 *   ("http://127.0.0.1:8763/callback?state=…&code=…"), its path and query
 *   ("/callback?…"), the query alone, or the bare code
 * @expected_state: the state sent with the authorize URL
 * @code: (out) (transfer full): the authorization code
 * @error: (out) (optional): a #TW_OAUTH_ERROR
 *
 * Reads the authorization response. A redirect must carry
 * @expected_state; a bare code has no state to check (it is bound to the
 * verifier, which only this client knows).
 *
 * Returns: %TRUE when @code was set
 */
gboolean tw_oauth_parse_redirect(const char *text, const char *expected_state,
				 char **code, GError **error);

/**
 * tw_oauth_parse_form:
 * @text: an application/x-www-form-urlencoded string
 *
 * Splits at '&' and the first '=' of each pair and decodes ('+' is a
 * space). A name without '=' gets the empty value; of repeated names the
 * first wins.
 *
 * Returns: (transfer full) (element-type utf8 utf8): name → value
 */
GHashTable *tw_oauth_parse_form(const char *text);

/**
 * tw_oauth_token_error:
 * @oauth_error: (nullable): the "error" member of a token-endpoint error
 * @description: (nullable): its "error_description"
 * @redirect_uri: the redirect URI the plugin used, for the message
 *
 * Turns a refused authorization_code grant into an error that tells the
 * user what to do: %TW_OAUTH_ERROR_CODE_INVALID, %TW_OAUTH_ERROR_CLIENT or
 * %TW_OAUTH_ERROR_REDIRECT_URI.
 *
 * Returns: (transfer full): the error
 */
GError *tw_oauth_token_error(const char *oauth_error, const char *description,
			     const char *redirect_uri);

/**
 * tw_oauth_percent_encode:
 * @text: a string
 *
 * RFC 3986 percent-encoding as RFC 5849 §3.6 requires: every byte outside
 * the unreserved set A-Z a-z 0-9 - . _ ~ becomes %XX (upper case).
 *
 * Returns: (transfer full): the encoded string
 */
char *tw_oauth_percent_encode(const char *text);

/**
 * tw_oauth1_base_string:
 * @method: the HTTP method, any case
 * @url: the request URL, query included (percent-encoded as sent)
 * @form_body: (nullable): an application/x-www-form-urlencoded body; any
 *   other body (JSON) is never part of the signature
 * @oauth_params: (array zero-terminated=1): name, value, name, value, …,
 *   %NULL: the oauth_* protocol parameters, not encoded, without
 *   oauth_signature and realm
 *
 * The signature base string of RFC 5849 §3.4.1: the upper-case method, the
 * normalized base URL (lower-case scheme and host, default port left out,
 * no query) and the sorted, encoded query, body and protocol parameters,
 * each encoded and joined by '&'.
 *
 * Returns: (transfer full): the base string
 */
char *tw_oauth1_base_string(const char *method, const char *url,
			    const char *form_body,
			    const char *const *oauth_params);

/**
 * tw_oauth1_sign:
 * @base_string: from tw_oauth1_base_string()
 * @consumer_secret: the consumer (client) secret
 * @token_secret: (nullable): the token secret, %NULL or "" before a token
 *   exists
 *
 * HMAC-SHA1 with the key "encode(consumer secret)&encode(token secret)".
 *
 * Returns: (transfer full): the signature, base64 (not yet
 * percent-encoded)
 */
char *tw_oauth1_sign(const char *base_string, const char *consumer_secret,
		     const char *token_secret);

/**
 * TwOAuth1Keys:
 * @consumer_key: the app's API key
 * @consumer_secret: the app's API key secret
 * @token: (nullable): the access token, or the request token during the
 *   PIN flow; %NULL to ask for a request token
 * @token_secret: (nullable): the secret of @token
 */
typedef struct {
	const char *consumer_key;
	const char *consumer_secret;
	const char *token;
	const char *token_secret;
} TwOAuth1Keys;

/**
 * tw_oauth1_authorization:
 * @keys: the credentials
 * @method: the HTTP method
 * @url: the request URL with its query
 * @form_body: (nullable): a form-encoded body, signed too
 * @extra_params: (nullable) (array zero-terminated=1): further protocol
 *   parameters as name, value, …, %NULL (oauth_callback, oauth_verifier)
 * @nonce: (nullable): %NULL for a fresh random nonce (tests pass one)
 * @timestamp: Unix seconds; 0 for now (tests pass one)
 *
 * Signs a request with HMAC-SHA1 (oauth_version 1.0, as X documents).
 *
 * Returns: (transfer full): the Authorization header value,
 * "OAuth oauth_consumer_key=\"…\", …", to be wiped by the caller
 */
char *tw_oauth1_authorization(const TwOAuth1Keys *keys, const char *method,
			      const char *url, const char *form_body,
			      const char *const *extra_params,
			      const char *nonce, gint64 timestamp);

G_END_DECLS
