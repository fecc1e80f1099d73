/*
 * tw-api: the X API v2 endpoints this plugin uses.
 *
 * Knows paths, query parameters, authentication headers, rate-limit headers
 * and what each status means; knows neither libpurple nor curl. Requests go
 * through TwHttp, bodies through tw-json.
 *
 * Every call takes a TwApiFunc that receives a TwApiReply exactly once
 * (unless cancelled) and a GDestroyNotify for its user data.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#pragma once

#include <glib.h>

#include "tw-http.h"
#include "tw-model.h"

G_BEGIN_DECLS

/** Error domain of this layer; transport errors keep #TW_HTTP_ERROR. */
#define TW_API_ERROR (tw_api_error_quark())
GQuark tw_api_error_quark(void);

/**
 * TwApiError:
 * @TW_API_ERROR_UNAUTHORIZED: 401: the access token is expired or revoked
 * @TW_API_ERROR_TOKEN_REFUSED: the token endpoint refused the grant
 *   (spent or revoked refresh token, wrong client id or secret)
 * @TW_API_ERROR_FORBIDDEN: 403: missing scope, wrong access level, or the
 *   recipient does not accept DMs from this account
 * @TW_API_ERROR_NOT_FOUND: 404, or a lookup that found nobody
 * @TW_API_ERROR_INVALID_REQUEST: 400
 * @TW_API_ERROR_CREDITS_DEPLETED: 402: the app's prepaid credits are gone
 * @TW_API_ERROR_RATE_LIMITED: 429 for a rate-limit window
 * @TW_API_ERROR_USAGE_CAPPED: 429 for a usage cap of the subscription
 * @TW_API_ERROR_SERVER: 5xx
 * @TW_API_ERROR_BAD_RESPONSE: a success status with a body that cannot be
 *   read (truncated, malformed, wrong shape)
 * @TW_API_ERROR_UNEXPECTED_STATUS: any other status
 */
typedef enum {
	TW_API_ERROR_UNAUTHORIZED,
	TW_API_ERROR_TOKEN_REFUSED,
	TW_API_ERROR_FORBIDDEN,
	TW_API_ERROR_NOT_FOUND,
	TW_API_ERROR_INVALID_REQUEST,
	TW_API_ERROR_CREDITS_DEPLETED,
	TW_API_ERROR_RATE_LIMITED,
	TW_API_ERROR_USAGE_CAPPED,
	TW_API_ERROR_SERVER,
	TW_API_ERROR_BAD_RESPONSE,
	TW_API_ERROR_UNEXPECTED_STATUS,
} TwApiError;

/**
 * TW_API_TOKEN_CONNECT_TIMEOUT:
 *
 * Seconds a token request may take to connect. A failed connect sent
 * nothing, so it is safe to retry.
 */
#define TW_API_TOKEN_CONNECT_TIMEOUT 10

/**
 * TW_API_TOKEN_TIMEOUT:
 *
 * Seconds a token request may take in all. Long: once sent, X may have
 * rotated the refresh token, and only its answer carries the new one.
 */
#define TW_API_TOKEN_TIMEOUT (5 * 60)

/**
 * TW_API_TOKEN_STALL_TIMEOUT:
 *
 * Seconds without a byte after which a token request is given up (a dead
 * connection, not a slow server).
 */
#define TW_API_TOKEN_STALL_TIMEOUT 120

/**
 * TwRateLimit:
 * @known: %FALSE when the response carried no usable headers
 * @limit: x-rate-limit-limit
 * @remaining: x-rate-limit-remaining
 * @reset: x-rate-limit-reset, Unix seconds
 * @daily_known: %FALSE when no x-user-limit-24hour-* headers came
 * @daily_remaining: x-user-limit-24hour-remaining
 * @daily_reset: x-user-limit-24hour-reset, Unix seconds
 * @date: the response's Date header, X's clock in Unix seconds (rounded
 *   down), 0 when absent
 */
typedef struct {
	gboolean known;
	gint64 limit;
	gint64 remaining;
	gint64 reset;
	gboolean daily_known;
	gint64 daily_remaining;
	gint64 daily_reset;
	gint64 date;
} TwRateLimit;

/**
 * tw_rate_limit_parse:
 * @limit: (out): parsed values; @limit->known is %FALSE unless all three
 *   window headers are valid non-negative integers
 * @limit_header: (nullable): x-rate-limit-limit
 * @remaining_header: (nullable): x-rate-limit-remaining
 * @reset_header: (nullable): x-rate-limit-reset
 *
 * Parses the window headers, strictly (no garbage, no sign, no overflow).
 * The daily fields are left unknown.
 *
 * Returns: @limit->known
 */
gboolean tw_rate_limit_parse(TwRateLimit *limit, const char *limit_header,
			     const char *remaining_header,
			     const char *reset_header);

/**
 * TwApiReply:
 * @error: (nullable): what went wrong, in #TW_API_ERROR or #TW_HTTP_ERROR
 * @problem: (nullable): the server's problem body, for error statuses
 * @status: HTTP status, 0 when no response arrived
 * @rate_limit: the rate-limit headers of the response
 * @retry_after: seconds from a Retry-After header, 0 when absent
 * @page: (nullable): for tw_api_list_dm_events()
 * @user: (nullable): for tw_api_get_me() and tw_api_get_user_by_username()
 * @users: (nullable) (element-type TwUser): for tw_api_get_users()
 * @token: (nullable): for tw_api_refresh_token() and
 *   tw_api_exchange_code()
 * @sent: (nullable): for the send calls
 * @form: (nullable) (element-type utf8 utf8): the form-encoded answer of
 *   tw_api_oauth1_request_token() and tw_api_oauth1_access_token()
 * @body: (nullable): the response body, for tw_api_download_dm_media()
 * @upload: (nullable): for tw_api_upload_media()
 * @content_type: (nullable): its Content-Type, for the same call
 * @access_token_generation: tw_api_get_access_token_generation() when the
 *   call was made: tells a 401 for an access token already replaced
 *
 * The result of a call. It is freed after the callback returns; the callback
 * may take any member with g_steal_pointer().
 */
typedef struct {
	GError *error;
	TwProblem *problem;
	guint status;
	TwRateLimit rate_limit;
	gint64 retry_after;
	TwDmPage *page;
	TwUser *user;
	GPtrArray *users;
	TwToken *token;
	TwSendResult *sent;
	GHashTable *form;
	GBytes *body;
	TwUploadResult *upload;
	char *content_type;
	guint access_token_generation;
} TwApiReply;

/**
 * TwApiFunc:
 * @reply: (transfer none): the result; members may be stolen
 * @user_data: the data given with the call
 */
typedef void (*TwApiFunc)(TwApiReply *reply, gpointer user_data);

typedef struct _TwApi TwApi;

/** The user.fields the plugin asks for wherever users come back. */
#define TW_API_USER_FIELDS                                                     \
	"id,name,username,profile_image_url,receives_your_dm,description,"     \
	"location,url,verified,protected,public_metrics,connection_status"

/**
 * tw_api_new:
 * @http: (transfer none): the HTTP client; must outlive the API object
 * @base_url: e.g. "https://api.x.com"; a trailing '/' is ignored
 * @error: (out) (optional): a #TW_HTTP_ERROR when @base_url is refused
 *   (see tw_http_url_is_allowed())
 *
 * Returns: (transfer full) (nullable): the API client
 */
TwApi *tw_api_new(TwHttp *http, const char *base_url, GError **error);

/**
 * tw_api_free:
 * @api: (transfer full) (nullable): the client; cancels its calls in flight
 */
void tw_api_free(TwApi *api);

/**
 * tw_api_get_base_url:
 * @api: the client
 *
 * Returns: (transfer none): the base URL without trailing '/'
 */
const char *tw_api_get_base_url(TwApi *api);

/**
 * tw_api_set_access_token:
 * @api: the client
 * @access_token: (nullable): the OAuth 2.0 bearer token, copied; the old
 *   copy is wiped
 */
void tw_api_set_access_token(TwApi *api, const char *access_token);

/**
 * tw_api_get_access_token_generation:
 * @api: the client
 *
 * Returns: how many times tw_api_set_access_token() was called; a reply
 * carries the value its call was made with
 */
guint tw_api_get_access_token_generation(TwApi *api);

/**
 * tw_api_set_oauth1:
 * @api: the client
 * @consumer_key: the app's API key
 * @consumer_secret: the app's API key secret
 * @access_token: the user's OAuth 1.0a access token
 * @access_token_secret: its secret
 *
 * From now on every API call is signed with OAuth 1.0a HMAC-SHA1 (query
 * parameters included; JSON bodies are not signed) instead of carrying a
 * bearer token. Everything is copied; secrets are wiped when replaced.
 */
void tw_api_set_oauth1(TwApi *api, const char *consumer_key,
		       const char *consumer_secret, const char *access_token,
		       const char *access_token_secret);

/**
 * tw_api_cancel:
 * @api: the client
 * @call_id: an id returned by a call; its callback will not run
 */
void tw_api_cancel(TwApi *api, guint64 call_id);

/**
 * tw_api_refresh_token:
 * @api: the client
 * @client_id: OAuth 2.0 client id, sent as form field client_id
 * @client_secret: (nullable): for confidential clients: HTTP Basic auth
 * @refresh_token: the refresh token to exchange
 * @func: gets reply->token
 * @user_data: for @func
 * @destroy: (nullable): frees @user_data
 *
 * POST {base}/2/oauth2/token with grant_type=refresh_token. A 400 or 401
 * from the token endpoint is %TW_API_ERROR_TOKEN_REFUSED with the
 * server's error_description as message.
 *
 * Returns: a call id
 */
guint64 tw_api_refresh_token(TwApi *api, const char *client_id,
			     const char *client_secret,
			     const char *refresh_token, TwApiFunc func,
			     gpointer user_data, GDestroyNotify destroy);

/**
 * tw_api_exchange_code:
 * @api: the client
 * @client_id: OAuth 2.0 client id, sent as form field client_id
 * @client_secret: (nullable): for confidential clients: HTTP Basic auth
 * @code: the authorization code from the redirect
 * @redirect_uri: the redirect URI of the authorize request
 * @code_verifier: the PKCE verifier of the authorize request
 * @func: gets reply->token
 * @user_data: for @func
 * @destroy: (nullable): frees @user_data
 *
 * POST {base}/2/oauth2/token with grant_type=authorization_code. A 400 or
 * 401 is %TW_API_ERROR_TOKEN_REFUSED; reply->problem then holds the OAuth
 * error code as type and error_description as detail, for
 * tw_oauth_token_error().
 *
 * Returns: a call id
 */
guint64 tw_api_exchange_code(TwApi *api, const char *client_id,
			     const char *client_secret, const char *code,
			     const char *redirect_uri,
			     const char *code_verifier, TwApiFunc func,
			     gpointer user_data, GDestroyNotify destroy);

/**
 * tw_api_revoke_token:
 * @api: the client
 * @client_id: OAuth 2.0 client id
 * @client_secret: (nullable): for confidential clients: HTTP Basic auth
 * @token: the token to revoke
 * @token_type_hint: (nullable): "refresh_token" or "access_token"
 * @func: gets only the status
 * @user_data: for @func
 * @destroy: (nullable): frees @user_data
 *
 * POST {base}/2/oauth2/revoke (RFC 7009).
 *
 * Returns: a call id
 */
guint64 tw_api_revoke_token(TwApi *api, const char *client_id,
			    const char *client_secret, const char *token,
			    const char *token_type_hint, TwApiFunc func,
			    gpointer user_data, GDestroyNotify destroy);

/**
 * tw_api_oauth1_request_token:
 * @api: the client
 * @consumer_key: the app's API key
 * @consumer_secret: the app's API key secret
 * @callback: "oob" for the PIN flow, or a callback URL
 * @func: gets reply->form (oauth_token, oauth_token_secret,
 *   oauth_callback_confirmed)
 * @user_data: for @func
 * @destroy: (nullable): frees @user_data
 *
 * POST {base}/oauth/request_token, signed with the consumer key alone. A
 * 400 or 401 is %TW_API_ERROR_TOKEN_REFUSED.
 *
 * Returns: a call id
 */
guint64 tw_api_oauth1_request_token(TwApi *api, const char *consumer_key,
				    const char *consumer_secret,
				    const char *callback, TwApiFunc func,
				    gpointer user_data, GDestroyNotify destroy);

/**
 * tw_api_oauth1_access_token:
 * @api: the client
 * @consumer_key: the app's API key
 * @consumer_secret: the app's API key secret
 * @request_token: the request token the user authorized
 * @request_token_secret: its secret
 * @verifier: the PIN (or oauth_verifier of the callback)
 * @func: gets reply->form (oauth_token, oauth_token_secret, user_id,
 *   screen_name)
 * @user_data: for @func
 * @destroy: (nullable): frees @user_data
 *
 * POST {base}/oauth/access_token with oauth_verifier. A 400 or 401 (a
 * wrong PIN, an expired request token) is %TW_API_ERROR_TOKEN_REFUSED.
 *
 * Returns: a call id
 */
guint64 tw_api_oauth1_access_token(TwApi *api, const char *consumer_key,
				   const char *consumer_secret,
				   const char *request_token,
				   const char *request_token_secret,
				   const char *verifier, TwApiFunc func,
				   gpointer user_data, GDestroyNotify destroy);

/**
 * tw_api_get_me:
 * @api: the client
 * @func: gets reply->user
 * @user_data: for @func
 * @destroy: (nullable): frees @user_data
 *
 * GET /2/users/me with #TW_API_USER_FIELDS.
 *
 * Returns: a call id
 */
guint64 tw_api_get_me(TwApi *api, TwApiFunc func, gpointer user_data,
		      GDestroyNotify destroy);

/**
 * tw_api_get_user_by_username:
 * @api: the client
 * @username: handle without '@'
 * @func: gets reply->user; an unknown handle is %TW_API_ERROR_NOT_FOUND
 * @user_data: for @func
 * @destroy: (nullable): frees @user_data
 *
 * GET /2/users/by/username/:username. Check the handle with
 * tw_api_username_is_valid() first: the server answers 400 for one that
 * cannot exist.
 *
 * Returns: a call id
 */
guint64 tw_api_get_user_by_username(TwApi *api, const char *username,
				    TwApiFunc func, gpointer user_data,
				    GDestroyNotify destroy);

/**
 * tw_api_get_users:
 * @api: the client
 * @ids: (array zero-terminated=1): 1 to 100 user ids
 * @func: gets reply->users (those found)
 * @user_data: for @func
 * @destroy: (nullable): frees @user_data
 *
 * GET /2/users?ids=… with #TW_API_USER_FIELDS.
 *
 * Returns: a call id
 */
guint64 tw_api_get_users(TwApi *api, const char *const *ids, TwApiFunc func,
			 gpointer user_data, GDestroyNotify destroy);

/**
 * tw_api_username_is_valid:
 * @username: (nullable): a handle without '@'
 *
 * Returns: %TRUE when @username is 1 to 15 of [A-Za-z0-9_], as X requires
 */
gboolean tw_api_username_is_valid(const char *username);

/**
 * tw_api_dup_compose_link:
 * @recipient_id: the account's user id, the one customers write to
 * @text: (nullable): a message to prefill in the customer's compose box
 *
 * The "DM us" link a business puts on its website or signature:
 * https://x.com/messages/compose?recipient_id=ID, with &text= when @text is
 * not empty. Both values are percent-encoded.
 *
 * Returns: (transfer full): the link
 */
char *tw_api_dup_compose_link(const char *recipient_id, const char *text);

/**
 * tw_api_list_dm_events:
 * @api: the client
 * @max_results: 1 to 100
 * @pagination_token: (nullable): next_token of the previous page
 * @func: gets reply->page
 * @user_data: for @func
 * @destroy: (nullable): frees @user_data
 *
 * GET /2/dm_events with the event fields, expansions and user fields the
 * plugin needs, so one request brings events and their senders.
 *
 * Returns: a call id
 */
guint64 tw_api_list_dm_events(TwApi *api, guint max_results,
			      const char *pagination_token, TwApiFunc func,
			      gpointer user_data, GDestroyNotify destroy);

/**
 * tw_api_list_conversation_events:
 * @api: the client
 * @participant_id: the other person of a 1:1 conversation
 * @max_results: 1 to 100
 * @pagination_token: (nullable): next_token of the previous page
 * @func: gets reply->page
 * @user_data: for @func
 * @destroy: (nullable): frees @user_data
 *
 * GET /2/dm_conversations/with/:participant_id/dm_events, newest first,
 * with the same fields as tw_api_list_dm_events(). It shares the DM read
 * budget; the plugin uses it to check whether a message it may have sent
 * before a crash arrived.
 *
 * Returns: a call id
 */
guint64 tw_api_list_conversation_events(TwApi *api, const char *participant_id,
					guint max_results,
					const char *pagination_token,
					TwApiFunc func, gpointer user_data,
					GDestroyNotify destroy);

/**
 * tw_api_list_group_events:
 * @api: the client
 * @conversation_id: a group conversation id
 * @max_results: 1 to 100
 * @pagination_token: (nullable): next_token of the previous page
 * @func: gets reply->page
 * @user_data: for @func
 * @destroy: (nullable): frees @user_data
 *
 * GET /2/dm_conversations/:conversation_id/dm_events, newest first, with
 * the same fields as tw_api_list_dm_events(); shares the DM read budget.
 *
 * Returns: a call id
 */
guint64 tw_api_list_group_events(TwApi *api, const char *conversation_id,
				 guint max_results,
				 const char *pagination_token, TwApiFunc func,
				 gpointer user_data, GDestroyNotify destroy);

/**
 * tw_api_download_dm_media:
 * @api: the client
 * @dm_id: the DM event id
 * @media_id: the media id
 * @resource_id: the file name (see tw_media_parse_ton_url())
 * @func: gets reply->body and reply->content_type
 * @user_data: for @func
 * @destroy: (nullable): frees @user_data
 *
 * GET /2/dm_conversations/media/:dm_id/:media_id/:resource_id, the v2
 * download of a DM's private media (OAuth 2.0 with dm.read). Bodies above
 * #TW_HTTP_MAX_BODY fail with #TW_HTTP_ERROR_TOO_LARGE.
 *
 * Returns: a call id
 */
guint64 tw_api_download_dm_media(TwApi *api, const char *dm_id,
				 const char *media_id, const char *resource_id,
				 TwApiFunc func, gpointer user_data,
				 GDestroyNotify destroy);

/**
 * tw_api_send_dm_to_user:
 * @api: the client
 * @participant_id: the recipient's user id
 * @text: plain text, up to 10,000 characters ("" with @media_id only)
 * @media_id: (nullable): an uploaded attachment
 * @func: gets reply->sent
 * @user_data: for @func
 * @destroy: (nullable): frees @user_data
 *
 * POST /2/dm_conversations/with/:participant_id/messages.
 *
 * Returns: a call id
 */
guint64 tw_api_send_dm_to_user(TwApi *api, const char *participant_id,
			       const char *text, const char *media_id,
			       TwApiFunc func, gpointer user_data,
			       GDestroyNotify destroy);

/**
 * tw_api_upload_media:
 * @api: the client
 * @data: the file
 * @media_category: "dm_image", "dm_gif" or "dm_video"
 * @func: gets reply->upload
 * @user_data: for @func
 * @destroy: (nullable): frees @user_data
 *
 * The one-shot POST /2/media/upload (scope media.write), the file as
 * base64 in a JSON body.
 *
 * Returns: a call id
 */
guint64 tw_api_upload_media(TwApi *api, GBytes *data,
			    const char *media_category, TwApiFunc func,
			    gpointer user_data, GDestroyNotify destroy);

/**
 * tw_api_upload_initialize:
 * @api: the client
 * @total_bytes: the file's size
 * @media_type: its MIME type, e.g. "video/mp4"
 * @media_category: "dm_gif" or "dm_video"
 * @func: gets reply->upload (the media id and its lifetime)
 * @user_data: for @func
 * @destroy: (nullable): frees @user_data
 *
 * POST /2/media/upload/initialize, the first step of a chunked upload
 * (scope media.write).
 *
 * Returns: a call id
 */
guint64 tw_api_upload_initialize(TwApi *api, guint64 total_bytes,
				 const char *media_type,
				 const char *media_category, TwApiFunc func,
				 gpointer user_data, GDestroyNotify destroy);

/**
 * tw_api_upload_append:
 * @api: the client
 * @media_id: from tw_api_upload_initialize()
 * @segment_index: the segment's place, 0 to 999
 * @segment: the segment's bytes
 * @func: gets a reply with no parsed body
 * @user_data: for @func
 * @destroy: (nullable): frees @user_data
 *
 * POST /2/media/upload/:id/append, the segment as base64 in a JSON body.
 *
 * Returns: a call id
 */
guint64 tw_api_upload_append(TwApi *api, const char *media_id,
			     guint segment_index, GBytes *segment,
			     TwApiFunc func, gpointer user_data,
			     GDestroyNotify destroy);

/**
 * tw_api_upload_finalize:
 * @api: the client
 * @media_id: every segment of it appended
 * @func: gets reply->upload, with the processing state X starts with
 * @user_data: for @func
 * @destroy: (nullable): frees @user_data
 *
 * POST /2/media/upload/:id/finalize.
 *
 * Returns: a call id
 */
guint64 tw_api_upload_finalize(TwApi *api, const char *media_id, TwApiFunc func,
			       gpointer user_data, GDestroyNotify destroy);

/**
 * tw_api_get_upload_status:
 * @api: the client
 * @media_id: a finalized upload
 * @func: gets reply->upload, with its processing state
 * @user_data: for @func
 * @destroy: (nullable): frees @user_data
 *
 * GET /2/media/upload?command=STATUS&media_id=…
 *
 * Returns: a call id
 */
guint64 tw_api_get_upload_status(TwApi *api, const char *media_id,
				 TwApiFunc func, gpointer user_data,
				 GDestroyNotify destroy);

/**
 * tw_api_send_dm_to_conversation:
 * @api: the client
 * @conversation_id: a 1:1 or group conversation id
 * @text: plain text, up to 10,000 characters ("" with @media_id only)
 * @media_id: (nullable): an uploaded attachment
 * @func: gets reply->sent
 * @user_data: for @func
 * @destroy: (nullable): frees @user_data
 *
 * POST /2/dm_conversations/:conversation_id/messages.
 *
 * Returns: a call id
 */
guint64 tw_api_send_dm_to_conversation(TwApi *api, const char *conversation_id,
				       const char *text, const char *media_id,
				       TwApiFunc func, gpointer user_data,
				       GDestroyNotify destroy);

/**
 * tw_api_create_group:
 * @api: the client
 * @participant_ids: the other members' user ids, %NULL-terminated (X takes
 *   2 to 49; the account itself is not listed)
 * @text: the group's first message, 1 to 10,000 characters
 * @func: gets reply->sent (the new conversation and the message's event)
 * @user_data: for @func
 * @destroy: (nullable): frees @user_data
 *
 * POST /2/dm_conversations with conversation_type "Group".
 *
 * Returns: a call id
 */
guint64 tw_api_create_group(TwApi *api, const char *const *participant_ids,
			    const char *text, TwApiFunc func,
			    gpointer user_data, GDestroyNotify destroy);

/**
 * tw_api_set_dm_block:
 * @api: the client
 * @user_id: the user to block or unblock
 * @blocked: %TRUE for POST /2/users/:id/dm/block, %FALSE for dm/unblock
 * @func: gets only the status or the error
 * @user_data: for @func
 * @destroy: (nullable): frees @user_data
 *
 * Blocks or unblocks direct messages from a user.
 *
 * Returns: a call id
 */
guint64 tw_api_set_dm_block(TwApi *api, const char *user_id, gboolean blocked,
			    TwApiFunc func, gpointer user_data,
			    GDestroyNotify destroy);

/**
 * tw_api_build_url:
 * @api: the client
 * @path: a path starting with '/'
 * @first_name: (nullable): first query parameter name, then its value
 *   (a %NULL value skips the parameter), …, ending with %NULL
 *
 * Joins the base URL, the path and an escaped query string.
 *
 * Returns: (transfer full): the URL
 */
char *tw_api_build_url(TwApi *api, const char *path, const char *first_name,
		       ...);

/**
 * tw_api_error_from_status:
 * @status: an HTTP status of 300 or more
 * @problem: the problem body of the response
 *
 * The one place that decides what an HTTP error status means.
 *
 * Returns: (transfer full): a #TW_API_ERROR whose message is the problem's
 * detail
 */
GError *tw_api_error_from_status(guint status, const TwProblem *problem);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(TwApi, tw_api_free)

G_END_DECLS
