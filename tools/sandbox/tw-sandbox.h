/*
 * tw-sandbox: a local X API v2 server for tests, benchmarks and the demo.
 *
 * It answers like the real API for everything the plugin uses (see
 * ../shared/reference/x-api-v2-dm.md §13): OAuth 2.0 authorize page (PKCE),
 * token endpoint with rotation and expiry, revocation, OAuth 1.0a
 * (request_token, authorize, access_token, and real HMAC-SHA1 signature
 * checks on every /2/ request signed that way), users, the DM list and send
 * endpoints, group creation, media uploads (one-shot and chunked, with
 * processing), problem bodies, per-user rate limits with
 * x-rate-limit-* headers, billing counters and fault injection.
 *
 * The server runs in its own thread with its own GMainContext, listening on
 * 127.0.0.1 only. Every function here is thread-safe and may be called from
 * the test's thread while the server runs. The same controls are offered
 * over HTTP under /_sandbox/ for other processes (see README.md).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct _TwSandbox TwSandbox;

/**
 * TwSandboxConfig:
 * @rate_window_seconds: length of a rate-limit window (X: 900)
 * @dm_read_limit: DM GET requests per user per window, shared by the DM
 *   list endpoints (X: 15)
 * @dm_send_limit: DM POSTs per user per window (X: 15)
 * @dm_send_daily_limit: DM POSTs per user per 24 h (X: 1440)
 * @users_limit: user lookups per user per window (X: 900)
 * @me_limit: /2/users/me per user per window (X: 75)
 * @access_token_lifetime: seconds an access token lives (X: 7200)
 * @problem_host: host in problem type URIs ("api.twitter.com" or "api.x.com")
 * @visibility_delay_ms: how long a new event stays invisible to
 *   /2/dm_events (eventual consistency); 0 = at once
 * @client_id: the client id the token endpoint accepts ("twdm-test-client")
 * @client_secret: (nullable): when set, the token endpoint requires HTTP
 *   Basic auth with it (a confidential client)
 * @refresh_reuse_until_used: a rotated refresh token is accepted again as
 *   long as the token that replaced it was never used (a grace some OAuth
 *   servers give for answers lost in transit; whether X does is
 *   unconfirmed, so the default is strict single use)
 * @media_text_link: a message with media gets a trailing t.co link that
 *   stands for the media, as v1.1 did (whether v2 does is unconfirmed; on
 *   by default, so the plugin is tested not to show it twice)
 * @granted_scopes: (nullable): the scopes of the tokens it issues, a
 *   string that outlives the sandbox; %NULL: all the plugin asks for
 * @gif_max_bytes: the largest animated GIF a chunked upload takes
 *   (X: 15 MiB)
 * @video_max_bytes: the largest video a chunked upload takes (X: 512 MiB
 *   for tweets; the DM limit is unconfirmed)
 * @segment_max_bytes: the largest segment an append takes, decoded
 *   (unconfirmed for v2; v1.1 said 5 MiB)
 * @processing_checks: how many STATUS checks processing takes after a
 *   chunked finalize: finalize says pending, the checks before the last
 *   in_progress, the last one succeeded (or failed); 0: finalize answers
 *   with the outcome at once (default 1)
 * @check_after_secs: the check_after_secs processing_info asks for
 *   (default 1)
 * @processing_error: (nullable): when set, the processing of every
 *   chunked upload ends failed with this message (copied)
 * @media_upload_limit: one-shot POST /2/media/upload per user per window
 *   (X: 500)
 * @media_chunked_limit: initialize, append and finalize together per user
 *   per window (X: 1875); STATUS is not limited
 */
typedef struct {
	guint rate_window_seconds;
	guint dm_read_limit;
	guint dm_send_limit;
	guint dm_send_daily_limit;
	guint users_limit;
	guint me_limit;
	guint access_token_lifetime;
	const char *problem_host;
	guint visibility_delay_ms;
	const char *client_id;
	const char *client_secret;
	gboolean refresh_reuse_until_used;
	gboolean media_text_link;
	const char *granted_scopes;
	guint gif_max_bytes;
	guint video_max_bytes;
	guint segment_max_bytes;
	guint processing_checks;
	guint check_after_secs;
	const char *processing_error;
	guint media_upload_limit;
	guint media_chunked_limit;
} TwSandboxConfig;

/** The client id tw_sandbox_config_init() sets. */
#define TW_SANDBOX_CLIENT_ID "twdm-test-client"

/** The OAuth 1.0a consumer key twdm-sandbox registers at start. */
#define TW_SANDBOX_CONSUMER_KEY "twdm-test-consumer"
/** Its secret. */
#define TW_SANDBOX_CONSUMER_SECRET "twdm-test-consumer-secret"

/**
 * tw_sandbox_config_init:
 * @config: (out): filled with X's real values (see the field docs)
 */
void tw_sandbox_config_init(TwSandboxConfig *config);

/**
 * tw_sandbox_new:
 * @config: (nullable): settings, copied; %NULL for the defaults
 *
 * Returns: (transfer full): a stopped server with no users
 */
TwSandbox *tw_sandbox_new(const TwSandboxConfig *config);

/**
 * tw_sandbox_start:
 * @sandbox: the server
 * @port: TCP port on 127.0.0.1, 0 for any free one
 * @error: (out) (optional): why it could not listen
 *
 * Starts the server thread and returns once it listens.
 *
 * Returns: %TRUE on success
 */
gboolean tw_sandbox_start(TwSandbox *sandbox, guint port, GError **error);

/**
 * tw_sandbox_set_tls_certificate:
 * @sandbox: a server not started yet
 * @cert_file: PEM file with the server's certificate (chain)
 * @key_file: PEM file with its private key
 * @error: (out) (optional): why the files cannot be used
 *
 * Makes the server speak HTTPS only; tw_sandbox_get_base_url() then gives
 * "https://127.0.0.1:PORT", so the certificate must name the IP address
 * 127.0.0.1. For the TLS tests and benchmarks.
 *
 * Returns: %TRUE on success
 */
gboolean tw_sandbox_set_tls_certificate(TwSandbox *sandbox,
					const char *cert_file,
					const char *key_file, GError **error);

/**
 * tw_sandbox_get_base_url:
 * @sandbox: a started server
 *
 * Returns: (transfer none): "http://127.0.0.1:PORT" ("https://…" with a TLS
 * certificate), no trailing slash
 */
const char *tw_sandbox_get_base_url(TwSandbox *sandbox);

/**
 * tw_sandbox_free:
 * @sandbox: (transfer full) (nullable): the server; stopped if running
 */
void tw_sandbox_free(TwSandbox *sandbox);

/**
 * tw_sandbox_add_user:
 * @sandbox: the server
 * @username: handle, as X spells it (case kept)
 * @name: display name
 *
 * Creates a user with a fresh snowflake id and a profile image URL served by
 * the sandbox itself.
 *
 * Returns: (transfer full): the new user's id
 */
char *tw_sandbox_add_user(TwSandbox *sandbox, const char *username,
			  const char *name);

/**
 * tw_sandbox_set_receives_dm:
 * @sandbox: the server
 * @user_id: a user
 * @receives: %FALSE: the user does not accept DMs from anyone (sends to
 *   them get 403; lookups say receives_your_dm=false)
 */
void tw_sandbox_set_receives_dm(TwSandbox *sandbox, const char *user_id,
				gboolean receives);

/**
 * tw_sandbox_rename_user:
 * @sandbox: the server
 * @user_id: a user
 * @username: (nullable): a new handle, free and valid; %NULL keeps it
 * @name: (nullable): a new display name; %NULL keeps it
 *
 * What a user changing their handle or name in X looks like: the id stays.
 */
void tw_sandbox_rename_user(TwSandbox *sandbox, const char *user_id,
			    const char *username, const char *name);

/**
 * tw_sandbox_set_connection_status:
 * @sandbox: the server
 * @user_id: a user
 * @status: (array zero-terminated=1) (nullable): the user's
 *   connection_status values ("following", "followed_by", …), as every
 *   caller sees them
 */
void tw_sandbox_set_connection_status(TwSandbox *sandbox, const char *user_id,
				      const char *const *status);

/**
 * tw_sandbox_issue_refresh_token:
 * @sandbox: the server
 * @user_id: the user the token signs in
 *
 * Mints a refresh token, as if the user had just authorized the app with
 * all the plugin's scopes.
 *
 * Returns: (transfer full): the refresh token
 */
char *tw_sandbox_issue_refresh_token(TwSandbox *sandbox, const char *user_id);

/**
 * tw_sandbox_create_message:
 * @sandbox: the server
 * @sender_id: who writes
 * @recipient_id: to whom (a 1:1 conversation, created if needed)
 * @text: the text
 *
 * A DM written from outside the plugin (a customer, or the account owner on
 * another device). Visible after the configured visibility delay.
 *
 * Returns: (transfer full): the new event id
 */
char *tw_sandbox_create_message(TwSandbox *sandbox, const char *sender_id,
				const char *recipient_id, const char *text);

/**
 * TwSandboxMedia:
 * @type: "photo", "video" or "animated_gif"
 * @width: pixels
 * @height: pixels
 * @duration_ms: a video's length; 0 for a photo
 * @alt_text: (nullable): the sender's description
 * @bytes: the size of the file GET /2/dm_conversations/media/ serves for a
 *   photo (a PNG padded to it); 0 = a small PNG
 *
 * A DM attachment as a customer sends it.
 */
typedef struct {
	const char *type;
	guint width;
	guint height;
	guint duration_ms;
	const char *alt_text;
	gsize bytes;
} TwSandboxMedia;

/**
 * TwSandboxMessage:
 * @sender_id: who writes
 * @conversation_id: (nullable): target conversation (1:1 "a-b" or group)
 * @recipient_id: (nullable): for 1:1, instead of @conversation_id
 * @text: the text
 * @created_at: Unix time in microseconds; 0 = now. The event id is derived
 *   from it, so an older time gives a lower id.
 * @visible_after_ms: hide the event from /2/dm_events for this long
 *   (overrides the configured delay when non-zero)
 * @urls: (nullable) (element-type utf8): expanded URLs to append to the text
 *   as t.co links with entities
 * @media: (nullable): one attachment, listed in includes.media
 */
typedef struct {
	const char *sender_id;
	const char *conversation_id;
	const char *recipient_id;
	const char *text;
	gint64 created_at;
	guint visible_after_ms;
	const GPtrArray *urls;
	const TwSandboxMedia *media;
} TwSandboxMessage;

/**
 * tw_sandbox_create_message_full:
 * @sandbox: the server
 * @message: what to create
 *
 * Returns: (transfer full): the new event id
 */
char *tw_sandbox_create_message_full(TwSandbox *sandbox,
				     const TwSandboxMessage *message);

/**
 * tw_sandbox_create_group:
 * @sandbox: the server
 * @creator_id: who creates it
 * @participant_ids: (element-type utf8): the other members
 * @text: first message
 *
 * Returns: (transfer full): the new group's conversation id
 */
char *tw_sandbox_create_group(TwSandbox *sandbox, const char *creator_id,
			      const GPtrArray *participant_ids,
			      const char *text);

/**
 * tw_sandbox_group_add_participant:
 * @sandbox: the server
 * @conversation_id: a group
 * @adder_id: a member who adds
 * @user_id: the user added
 *
 * Adds a member, with a ParticipantsJoin event (sender @adder_id).
 *
 * Returns: %FALSE when the group, the adder or the user is wrong
 */
gboolean tw_sandbox_group_add_participant(TwSandbox *sandbox,
					  const char *conversation_id,
					  const char *adder_id,
					  const char *user_id);

/**
 * tw_sandbox_group_remove_participant:
 * @sandbox: the server
 * @conversation_id: a group
 * @user_id: the member who leaves
 *
 * Removes a member, with a ParticipantsLeave event.
 *
 * Returns: %FALSE when the group or the member is wrong
 */
gboolean tw_sandbox_group_remove_participant(TwSandbox *sandbox,
					     const char *conversation_id,
					     const char *user_id);

/**
 * TwSandboxRequest:
 * @method: HTTP method
 * @path: path without query
 * @query: (nullable): raw query string
 * @body: (nullable): request body as text
 * @user_id: (nullable): the authenticated user, when the bearer was valid
 * @status: status the sandbox answered with (0 if the connection was cut)
 */
typedef struct {
	char *method;
	char *path;
	char *query;
	char *body;
	char *user_id;
	guint status;
} TwSandboxRequest;

/** @request: (transfer full) (nullable): frees a recorded request. */
void tw_sandbox_request_free(TwSandboxRequest *request);

/**
 * tw_sandbox_dup_requests:
 * @sandbox: the server
 *
 * Returns: (transfer full) (element-type TwSandboxRequest): every request
 * received since start or the last tw_sandbox_clear_requests(), in order
 */
GPtrArray *tw_sandbox_dup_requests(TwSandbox *sandbox);

/**
 * tw_sandbox_count_requests:
 * @sandbox: the server
 * @method: (nullable): only this method
 * @path_prefix: (nullable): only paths starting with this
 *
 * Returns: how many recorded requests match
 */
guint tw_sandbox_count_requests(TwSandbox *sandbox, const char *method,
				const char *path_prefix);

/**
 * tw_sandbox_clear_requests:
 * @sandbox: the server
 */
void tw_sandbox_clear_requests(TwSandbox *sandbox);

/**
 * TwSandboxCounters:
 * @billed_reads: DM events returned and billed (a re-read of the same event
 *   by the same user on the same UTC day is free)
 * @events_returned: DM events returned, billed or not
 * @rate_limited: 429 responses for window limits
 * @messages_created: DM events created by anyone
 * @sends: successful DM POSTs
 * @uploads: successful media uploads: one-shot ones, and chunked ones at
 *   their first accepted finalize (whatever processing then says)
 * @upload_initializes: accepted chunked initializes
 * @upload_appends: accepted appends (a re-sent segment counts again)
 * @upload_bytes_appended: decoded bytes of the accepted appends
 * @upload_finalizes: accepted finalizes (a repeated one counts again)
 * @upload_status_checks: answered STATUS requests
 * @token_refreshes: successful refresh_token grants
 * @authorizations: successful authorization_code grants and OAuth 1.0a
 *   access_token exchanges
 * @connections: client connections that carried at least one request
 *   (over HTTPS, each one is a TLS handshake)
 */
typedef struct {
	guint64 billed_reads;
	guint64 events_returned;
	guint64 rate_limited;
	guint64 messages_created;
	guint64 sends;
	guint64 uploads;
	guint64 upload_initializes;
	guint64 upload_appends;
	guint64 upload_bytes_appended;
	guint64 upload_finalizes;
	guint64 upload_status_checks;
	guint64 token_refreshes;
	guint64 authorizations;
	guint64 connections;
} TwSandboxCounters;

/**
 * tw_sandbox_get_counters:
 * @sandbox: the server
 * @counters: (out): the counters
 */
void tw_sandbox_get_counters(TwSandbox *sandbox, TwSandboxCounters *counters);

/**
 * TwSandboxFaultKind:
 * @TW_SANDBOX_FAULT_STATUS: answer with @status and a problem body
 * @TW_SANDBOX_FAULT_RATE_LIMIT: answer 429 Too Many Requests (window limit)
 * @TW_SANDBOX_FAULT_USAGE_CAP: answer 429 UsageCapExceeded
 * @TW_SANDBOX_FAULT_CREDITS: answer 402 CreditsDepleted
 * @TW_SANDBOX_FAULT_DELAY: answer normally after @delay_ms
 * @TW_SANDBOX_FAULT_TRUNCATED: send only half of the normal body
 * @TW_SANDBOX_FAULT_MALFORMED: 200 with a body that is not JSON
 * @TW_SANDBOX_FAULT_RESET: close the connection without answering
 * @TW_SANDBOX_FAULT_UNAUTHORIZED: 401 as for an expired access token
 */
typedef enum {
	TW_SANDBOX_FAULT_STATUS,
	TW_SANDBOX_FAULT_RATE_LIMIT,
	TW_SANDBOX_FAULT_USAGE_CAP,
	TW_SANDBOX_FAULT_CREDITS,
	TW_SANDBOX_FAULT_DELAY,
	TW_SANDBOX_FAULT_TRUNCATED,
	TW_SANDBOX_FAULT_MALFORMED,
	TW_SANDBOX_FAULT_RESET,
	TW_SANDBOX_FAULT_UNAUTHORIZED,
} TwSandboxFaultKind;

/**
 * TwSandboxFault:
 * @kind: what to do
 * @method: (nullable): only requests with this method
 * @path_prefix: (nullable): only paths starting with this
 * @count: how many matching requests get the fault (0 = until cleared)
 * @status: for %TW_SANDBOX_FAULT_STATUS
 * @delay_ms: for %TW_SANDBOX_FAULT_DELAY
 * @path_suffix: (nullable): only paths ending with this (a step of a
 *   path whose middle is an id not known in advance, e.g. "/append")
 * @skip: how many matching requests pass untouched first
 */
typedef struct {
	TwSandboxFaultKind kind;
	const char *method;
	const char *path_prefix;
	guint count;
	guint status;
	guint delay_ms;
	const char *path_suffix;
	guint skip;
} TwSandboxFault;

/**
 * tw_sandbox_add_fault:
 * @sandbox: the server
 * @fault: the fault, copied; faults are matched in the order added
 */
void tw_sandbox_add_fault(TwSandbox *sandbox, const TwSandboxFault *fault);

/**
 * tw_sandbox_clear_faults:
 * @sandbox: the server
 */
void tw_sandbox_clear_faults(TwSandbox *sandbox);

/**
 * tw_sandbox_refuse_refresh:
 * @sandbox: the server
 * @count: the next @count refresh_token grants fail with 400
 *   invalid_request (as for a revoked token), whatever the token
 */
void tw_sandbox_refuse_refresh(TwSandbox *sandbox, guint count);

/**
 * tw_sandbox_expire_access_tokens:
 * @sandbox: the server
 *
 * Every access token issued so far stops working (401).
 */
void tw_sandbox_expire_access_tokens(TwSandbox *sandbox);

/**
 * TwSandboxAuthorizeOutcome:
 * @TW_SANDBOX_AUTHORIZE_APPROVE: the user allows access: OAuth 2.0
 *   redirects with a code (valid 30 s, single use); OAuth 1.0a shows the
 *   PIN (oob) or redirects with oauth_verifier
 * @TW_SANDBOX_AUTHORIZE_REFUSE: the user cancels: OAuth 2.0 redirects
 *   with error=access_denied; OAuth 1.0a shows a refusal page (oob) or
 *   redirects with denied=
 * @TW_SANDBOX_AUTHORIZE_EXPIRED: approve, but the code (or the PIN) has
 *   expired already when the client gets it
 *
 * What the authorize pages do; they never ask anything.
 */
typedef enum {
	TW_SANDBOX_AUTHORIZE_APPROVE,
	TW_SANDBOX_AUTHORIZE_REFUSE,
	TW_SANDBOX_AUTHORIZE_EXPIRED,
} TwSandboxAuthorizeOutcome;

/**
 * tw_sandbox_set_authorize_outcome:
 * @sandbox: the server
 * @outcome: what the next authorizations do
 * @count: for how many; afterwards they approve again (0 = until changed)
 */
void tw_sandbox_set_authorize_outcome(TwSandbox *sandbox,
				      TwSandboxAuthorizeOutcome outcome,
				      guint count);

/**
 * tw_sandbox_set_authorizing_user:
 * @sandbox: the server
 * @user_id: (nullable): the user "signed in" at the authorize pages;
 *   %NULL for the first user created
 */
void tw_sandbox_set_authorizing_user(TwSandbox *sandbox, const char *user_id);

/**
 * tw_sandbox_add_consumer:
 * @sandbox: the server
 * @consumer_key: an OAuth 1.0a consumer key (an app's API Key)
 * @consumer_secret: its secret
 *
 * Registers an app for OAuth 1.0a; replaces the secret of a known key.
 */
void tw_sandbox_add_consumer(TwSandbox *sandbox, const char *consumer_key,
			     const char *consumer_secret);

/**
 * tw_sandbox_issue_oauth1_token:
 * @sandbox: the server
 * @user_id: the user the token signs in
 * @consumer_key: a registered consumer key
 * @token_secret: (out) (transfer full): the token's secret
 *
 * Mints an OAuth 1.0a access token, as X's developer console does for the
 * app owner's own account. It never expires; /2/oauth2/revoke revokes it.
 *
 * Returns: (transfer full) (nullable): the access token; %NULL for an
 * unknown user or consumer
 */
char *tw_sandbox_issue_oauth1_token(TwSandbox *sandbox, const char *user_id,
				    const char *consumer_key,
				    char **token_secret);

/**
 * tw_sandbox_set_customers_mode:
 * @sandbox: the server
 * @account_id: the account the simulated customers write to
 * @interval_ms: average time between customer messages
 *
 * Turns on the demo: a few simulated customers write to @account_id now
 * and then, and answer each DM the account sends them.
 */
void tw_sandbox_set_customers_mode(TwSandbox *sandbox, const char *account_id,
				   guint interval_ms);

/**
 * tw_sandbox_dup_issued_secrets:
 * @sandbox: the server
 *
 * Every credential the server has handed out or been given, spent,
 * expired or not: access and refresh tokens, authorization codes, OAuth
 * 1.0a tokens and their secrets, the consumer secrets and the client
 * secret. For tests that look for secrets in logs and files.
 *
 * Returns: (transfer full): a %NULL-terminated array of strings
 */
char **tw_sandbox_dup_issued_secrets(TwSandbox *sandbox);

/**
 * tw_sandbox_dup_state_json:
 * @sandbox: the server
 *
 * The whole world as one compact JSON object: "counters", "users",
 * "conversations", "messages" (every event, oldest first, all fields) and
 * "request_count". For soak comparisons and twdm-sandbox --state-out.
 *
 * Returns: (transfer full): the JSON text
 */
char *tw_sandbox_dup_state_json(TwSandbox *sandbox);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(TwSandbox, tw_sandbox_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(TwSandboxRequest, tw_sandbox_request_free)

G_END_DECLS
