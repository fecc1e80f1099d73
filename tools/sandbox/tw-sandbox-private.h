/*
 * tw-sandbox-private.h: what the sandbox's files share.
 *
 * The world (users, conversations, events, tokens, buckets, faults,
 * customers, records) is one TwSandbox guarded by one mutex; functions named
 * *_locked expect it held. Each tw-sandbox-*.c file serves one part of the X
 * API and declares here only what another file calls; everything else is
 * static in its file.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#pragma once

#include "tw-sandbox.h"
#include <gio/gio.h>
#include <json-glib/json-glib.h>
#include <libsoup/soup.h>
#include <string.h>
#include <sys/socket.h>
#define GRANTED_SCOPES                                                         \
	"tweet.read users.read dm.read dm.write media.write offline.access"
#define DAY_SECONDS 86400

#define JSON_CONTENT_TYPE       "application/json; charset=utf-8"
#define USERNAME_PATTERN        "^[A-Za-z0-9_]{1,15}$"
#define ID_PATTERN              "^[0-9]{1,19}$"
#define CONVERSATION_ID_PATTERN "^([0-9]{1,19}-[0-9]{1,19}|[0-9]{15,19})$"
#define CONTROL_PREFIX          "/_sandbox/"
#define AVATAR_PREFIX           "/_sandbox/avatars/"

#define SANDBOX_ERROR         tw_sandbox_error_quark()
#define SANDBOX_ERROR_INVALID 1

/* ------------------------------------------------------------------------ */
/* The world                                                                 */

typedef enum {
	EVENT_MESSAGE_CREATE,
	EVENT_PARTICIPANTS_JOIN,
	EVENT_PARTICIPANTS_LEAVE,
} EventType;

typedef struct {
	char *id;
	char *username;
	char *name;
	char *description;
	char *location;
	gint64 created_at;
	gboolean receives_dm;
	guint followers_count;
	guint following_count;
	guint tweet_count;
	/* connection_status as every caller sees it */
	char **connection_status;
} User;

typedef struct {
	guint start;
	guint end;
	char *url;
	char *expanded_url;
	char *display_url;
} UrlEntity;

/* An attachment's details, for includes.media. */
typedef struct {
	char *key;
	char *type;
	char *dm_id;
	char *media_id;
	guint width;
	guint height;
	guint duration_ms;
	char *alt_text;
	gsize bytes; /* the file's size; 0 = the bare image */
} Media;

typedef struct {
	char *id;
	guint64 number;
	EventType type;
	char *conversation_id;
	char *sender_id;
	char *text;
	GPtrArray *participant_ids;
	GPtrArray *urls;
	char *media_key;
	Media *media; /* a customer's attachment, NULL for a sent media_id */
	char *referenced_tweet_id;
	gint64 created_at;
	/* Monotonic time before which /2/dm_events does not show it. */
	gint64 visible_after;
} Event;

/* X's 5 MB limit for an image, one-shot or chunked. */
#define IMAGE_MAX_BYTES (5 * 1024 * 1024)
/* X keeps an uploaded DM medium this long. */
#define UPLOAD_LIFETIME_SECONDS (24 * 60 * 60)
/* A chunked upload keeps this many first bytes, to check its type. */
#define UPLOAD_HEAD_BYTES 12

/* Where an upload stands. A one-shot upload is succeeded at once; a
 * chunked one takes segments until finalize, then is processing until its
 * STATUS checks are used up. */
typedef enum {
	UPLOAD_INITIALIZED,
	UPLOAD_PROCESSING,
	UPLOAD_SUCCEEDED,
	UPLOAD_FAILED,
} UploadState;

/* A file uploaded with POST /2/media/upload, or in segments through
 * initialize, append and finalize. Of a chunked file only the segments'
 * sizes and its first bytes are kept: a large video costs no memory. */
typedef struct {
	char *user_id;
	char *category;
	char *media_key;
	gsize size;        /* one-shot: the file; chunked: total_bytes */
	gint64 expires_at; /* real time, µs */
	UploadState state;
	/* chunked only */
	char *media_type;
	GArray *segments; /* gint64 size by segment index, -1 = not received */
	gsize received;   /* the sum of the received segments */
	guint8 head[UPLOAD_HEAD_BYTES]; /* segment 0's first bytes */
	gsize head_length;
	guint checks_total; /* STATUS checks finalize set; 0 = none */
	guint checks_left;
	char *error_message; /* set at finalize: processing will fail */
} Upload;

typedef struct {
	char *id;
	gboolean is_group;
	GPtrArray *member_ids;
} Conversation;

typedef enum {
	TOKEN_ACCESS,
	TOKEN_REFRESH,
	/* OAuth 2.0 authorization code, with its PKCE challenge. */
	TOKEN_CODE,
	/* OAuth 1.0a request token (the PIN flow) and access token. */
	TOKEN_OAUTH1_REQUEST,
	TOKEN_OAUTH1_ACCESS,
} TokenKind;

typedef struct {
	TokenKind kind;
	char *user_id;
	char *scope;
	/* Real time in µs after which the token is dead; 0 = never. */
	gint64 expires_at;
	gboolean revoked;
	/* refresh tokens: the token that replaced this one, and whether this
	 * one was ever presented */
	char *successor;
	gboolean used;
	/* codes: who asked, where to, and the challenge */
	char *client_id;
	char *redirect_uri;
	char *code_challenge;
	char *code_challenge_method;
	/* OAuth 1.0a */
	char *secret;
	char *consumer_key;
	char *callback;
	char *verifier;
} Token;

typedef enum {
	RATE_NONE,
	RATE_ME,
	RATE_USERS,
	RATE_DM_READ,
	RATE_DM_SEND,
	RATE_MEDIA_UPLOAD,
	RATE_MEDIA_CHUNKED,
} RateFamily;

typedef struct {
	TwSandboxFaultKind kind;
	char *method;
	char *path_prefix;
	char *path_suffix;
	guint skip;
	guint remaining;
	guint status;
	guint delay_ms;
} Fault;

typedef struct {
	const char *username;
	const char *name;
	const char *location;
	const char *description;
	const char *const *openers;
	const char *const *replies;
} CustomerScript;

typedef struct {
	char *user_id;
	const CustomerScript *script;
	guint next_opener;
	guint next_reply;
} Customer;

struct _TwSandbox {
	TwSandboxConfig config;
	char *problem_host;
	char *client_id;
	char *client_secret;
	char *processing_error;

	/* Guards everything below, up to the thread section. */
	GMutex mutex;
	GRand *rand;
	GHashTable *users;             /* id → User */
	GHashTable *users_by_username; /* casefolded username → User */
	GPtrArray *user_order;         /* User, borrowed, creation order */
	GHashTable *conversations;     /* id → Conversation */
	GPtrArray *events;             /* Event, ascending by number */
	GHashTable *events_by_id;      /* id → Event, borrowed */
	GHashTable *tokens;            /* token → Token */
	GHashTable *buckets;           /* "user/family" → Bucket */
	GHashTable *billed;            /* "user/event/day" set */
	GHashTable *uploads;           /* media id → Upload */
	GPtrArray *requests;           /* TwSandboxRequest */
	GPtrArray *faults;             /* Fault */
	TwSandboxCounters counters;
	guint refuse_refresh;
	TwSandboxAuthorizeOutcome authorize_outcome;
	guint authorize_count;
	char *authorizing_user_id;
	GHashTable *consumers; /* OAuth 1.0a consumer key → secret */
	GHashTable *nonces;    /* "key nonce timestamp" → timestamp (s) */
	GPtrArray *pending_sources; /* GSource on context, one ref each */
	char *customers_account_id;
	guint customers_interval_ms;
	GPtrArray *customers; /* Customer */
	GSource *customers_timer;

	/* Thread; set up by tw_sandbox_start(), read-only while running. */
	GMainContext *context;
	GMainLoop *loop;
	GThread *thread;
	guint port;
	char *base_url;
	GTlsCertificate *tls_certificate;
	GMutex start_mutex;
	GCond start_cond;
	gboolean start_finished;
	GError *start_error;
};

typedef struct {
	const char *sender_id;
	const char *text;
	const GPtrArray *urls;
	const char *media_id;
	const TwSandboxMedia *media;
	gint64 created_at;
	guint visible_after_ms;
} NewMessage;

#define FIELD(names, name) (1u << tw_sandbox_name_index(names, name))

typedef enum {
	PAGE_OLDER,
	PAGE_NEWER,
} PageDirection;

/* ------------------------------------------------------------------------ */
/* Requests                                                                  */

typedef struct {
	TwSandbox *sandbox;
	SoupServerMessage *msg;
	const char *method;
	const char *path;
	GHashTable *query;
	GBytes *body;
	TwSandboxRequest *record;
	const char *user_id;
} Request;

G_BEGIN_DECLS

/* tw-sandbox.c */

/* The request body, borrowed; @length gets its size. */
const char *tw_sandbox_body_text(Request *request, gsize *length);

/* tw-sandbox-world.c */

/* The error domain of the sandbox's own refusals (bad control input). */
GQuark tw_sandbox_error_quark(void);

/* Ids minted for "now" grow strictly within the process, as X's do. */
guint64 tw_sandbox_snowflake_now(void);

/* ISO-8601 UTC with milliseconds, as X writes created_at; free it. */
char *tw_sandbox_format_time(gint64 time_us);

/* The UTC day number of @time_us, for the daily send caps. */
gint64 tw_sandbox_utc_day(gint64 time_us);

/* Whether @text is only ASCII digits, with a length in the given range. */
gboolean tw_sandbox_is_digits(const char *text, gsize min_length,
			      gsize max_length);

/* Whether @text has the shape of an X user id. */
gboolean tw_sandbox_is_user_id(const char *text);

/* Whether @text is a valid X username (1-15 of A-Za-z0-9_). */
gboolean tw_sandbox_is_valid_username(const char *text);

/* The "smaller-larger" id of the 1:1 conversation of @a and @b; free it. */
char *tw_sandbox_one_to_one_conversation_id(const char *a, const char *b);

/* Whether @text has the shape of a 1:1 or group conversation id. */
gboolean tw_sandbox_is_conversation_id(const char *text);

/* Turns standard base64 into unpadded base64url, in place. */
void tw_sandbox_base64url_in_place(char *text);

/* Opaque tokens shaped like X's: base64url of "<random>:<ms>:<suffix>". */
char *tw_sandbox_mint_token(GRand *rand, const char *suffix);

extern const char *const tw_sandbox_event_type_names[];

/* The user with @id, borrowed, or NULL. */
User *tw_sandbox_find_user_locked(TwSandbox *sandbox, const char *id);

/* The user named @username (case-insensitive), borrowed, or NULL. */
User *tw_sandbox_find_user_by_username_locked(TwSandbox *sandbox,
					      const char *username);

/* Adds a user; refuses a taken or invalid username. The result is borrowed. */
User *tw_sandbox_add_user_locked(TwSandbox *sandbox, const char *id,
				 const char *username, const char *name,
				 GError **error);

/* Whether @user_id takes part in @conversation. */
gboolean tw_sandbox_conversation_has_member(const Conversation *conversation,
					    const char *user_id);

/* The conversation with @id, borrowed, or NULL. */
Conversation *tw_sandbox_find_conversation_locked(TwSandbox *sandbox,
						  const char *id);

/* The 1:1 conversation of @a and @b, created when new; borrowed. */
Conversation *tw_sandbox_ensure_one_to_one_locked(TwSandbox *sandbox,
						  const char *a, const char *b);

/* A "a-b" id names the 1:1 conversation of two known users, whether or not
 * they have written yet. */
Conversation *tw_sandbox_resolve_conversation_locked(TwSandbox *sandbox,
						     const char *id,
						     gboolean create);

/* Adds @event (taken) to the world in id order, bumping its id past any taken
 * one. */
void tw_sandbox_insert_event_locked(TwSandbox *sandbox, Event *event);

/* Adds a MessageCreate to @conversation; the event is borrowed. */
Event *tw_sandbox_add_message_event_locked(TwSandbox *sandbox,
					   Conversation *conversation,
					   const NewMessage *message);

/* Creates a group of @creator_id and @participant_ids, with its join events;
 * borrowed. */
Conversation *
tw_sandbox_create_group_conversation_locked(TwSandbox *sandbox,
					    const char *creator_id,
					    const GPtrArray *participant_ids);

/* Mints a refresh token for @user_id; free the text. */
char *tw_sandbox_issue_refresh_token_locked(TwSandbox *sandbox,
					    const char *user_id);

/* Mints an access token for @user_id with the configured lifetime; free the
 * text. */
char *tw_sandbox_issue_access_token_locked(TwSandbox *sandbox,
					   const char *user_id);

/* Makes every access token expired, as after a long outage. */
void tw_sandbox_expire_access_tokens_locked(TwSandbox *sandbox);

/* A customer message from the control or C API; returns the event id (free it)
 * or NULL with @error. */
char *tw_sandbox_create_message_locked(TwSandbox *sandbox,
				       const TwSandboxMessage *message,
				       GError **error);

/* A group and its first message from the control or C API; returns the
 * conversation id (free it) or NULL with @error. */
char *tw_sandbox_create_group_locked(TwSandbox *sandbox, const char *creator_id,
				     const GPtrArray *participant_ids,
				     const char *text, GError **error);

/* tw-sandbox-respond.c */

/* Serialises @node compactly; free the text. */
char *tw_sandbox_node_to_text(JsonNode *node, gsize *length);

/* Answers @msg with @status and @node as its body. */
void tw_sandbox_respond_node(SoupServerMessage *msg, guint status,
			     const char *content_type, JsonNode *node);

/* Takes the builder's finished root. */
void tw_sandbox_respond_builder(SoupServerMessage *msg, guint status,
				const char *content_type, JsonBuilder *builder);

/* Adds "name": value. */
void tw_sandbox_add_string_member(JsonBuilder *builder, const char *name,
				  const char *value);

/* Adds "name": value. */
void tw_sandbox_add_int_member(JsonBuilder *builder, const char *name,
			       gint64 value);

/* Adds "name": value. */
void tw_sandbox_add_bool_member(JsonBuilder *builder, const char *name,
				gboolean value);

/* Adds "name": [values]. */
void tw_sandbox_add_string_array_member(JsonBuilder *builder, const char *name,
					const GPtrArray *values);

/* The generic problem X sends for 401 and 403:
 * {"title":"Unauthorized","type":"about:blank","status":401,"detail":...} */
void tw_sandbox_respond_generic_problem(SoupServerMessage *msg, guint status,
					const char *detail);

/* Answers 401 with X's "Unauthorized" problem. */
void tw_sandbox_respond_unauthorized(SoupServerMessage *msg);

/* The window-limit body: note its own member order. */
void tw_sandbox_respond_too_many_requests(SoupServerMessage *msg);

/* Answers 429 with the monthly UsageCapExceeded problem. */
void tw_sandbox_respond_usage_cap(TwSandbox *sandbox, SoupServerMessage *msg);

/* Answers 402 with the pay-per-use credits problem. */
void tw_sandbox_respond_credits_depleted(TwSandbox *sandbox,
					 SoupServerMessage *msg);

/* Errors of an invalid request, each a JsonNode object. */
GPtrArray *tw_sandbox_request_errors_new(void);

/* Adds an invalid-request error naming @parameter and its @value. */
void tw_sandbox_add_parameter_error(GPtrArray *errors, const char *parameter,
				    const char *value, const char *format, ...)
    G_GNUC_PRINTF(4, 5);

/* Adds an invalid-request error that names no parameter. */
void tw_sandbox_add_message_error(GPtrArray *errors, const char *format, ...)
    G_GNUC_PRINTF(2, 3);

/* Answers 400 with the collected @errors in X's shape. */
void tw_sandbox_respond_invalid_request(TwSandbox *sandbox,
					SoupServerMessage *msg,
					GPtrArray *errors);

/* A partial error riding in a 200, as for an unknown username. */
void tw_sandbox_add_not_found_error(TwSandbox *sandbox, JsonBuilder *builder,
				    const char *resource_type,
				    const char *parameter, const char *value);

/* ------------------------------------------------------------------------ */
/* Query parameters                                                          */
extern const char *const tw_sandbox_user_field_names[];

extern const char *const tw_sandbox_event_field_names[];

/* Classic names and the 2.167 rename (referenced_posts) both work. */
extern const char *const tw_sandbox_event_expansion_names[];

/* The index of @name in the NULL-terminated @names; @name must be there. */
guint tw_sandbox_name_index(const char *const *names, const char *name);

/* The value of query parameter @name, borrowed, or NULL. */
const char *tw_sandbox_query_get(GHashTable *query, const char *name);

/* Reports every parameter not in @allowed, as X does. */
void tw_sandbox_check_known_parameters(GHashTable *query,
				       const char *const *allowed,
				       GPtrArray *errors);

/* A comma-separated list whose items must be in @names: a bit per name. */
guint tw_sandbox_parse_list_parameter(GHashTable *query, const char *parameter,
				      const char *const *names,
				      GPtrArray *errors);

/* Post fields are not modelled; any non-empty list is accepted. */
void tw_sandbox_check_not_empty(GHashTable *query, const char *parameter,
				GPtrArray *errors);

/* Members come out in alphabetical order, as in real bodies. */
void tw_sandbox_add_user_object(TwSandbox *sandbox, JsonBuilder *builder,
				const User *user, guint fields);

/* Every event field, for the control API's full dump. */
guint tw_sandbox_all_event_fields(void);

/* @fields: what was asked for; the defaults are added here. */
void tw_sandbox_add_event_object(JsonBuilder *builder, const Event *event,
				 guint fields);

/* Appends @id (copied) to @ids unless it is already there. */
void tw_sandbox_add_unique(GPtrArray *ids, const char *id);

/* includes.users and includes.media for the expansions asked for. */
void tw_sandbox_add_includes_locked(TwSandbox *sandbox, JsonBuilder *builder,
				    const GPtrArray *events, guint expansions,
				    guint user_fields, guint media_fields);

/* The media.fields X knows, in bit order. */
extern const char *const tw_sandbox_media_field_names[];

/* Media for a message that will be DM @dm_number; NULL for an unknown
 * type. */
Media *tw_sandbox_media_new(const TwSandboxMedia *spec, guint64 dm_number);

/* Frees @media. */
void tw_sandbox_media_free(Media *media);

/* The link X appends to a DM's text to stand for its media. */
char *tw_sandbox_media_dup_text_link(guint64 dm_number);

/* An includes.media object with the requested @fields. */
void tw_sandbox_add_media_object(JsonBuilder *builder, const Media *media,
				 guint fields);

/* 24 characters like X's "18LAA5G1SL0NR5OG0G00ZZZZ": a marker, the cursor
 * event number in 13 base32hex digits, the direction, a check digit and
 * X's usual tail. */
char *tw_sandbox_encode_page_token(guint64 number, PageDirection direction);

/* Reads a pagination_token; FALSE when it is not one the sandbox gave. */
gboolean tw_sandbox_decode_page_token(const char *token, guint64 *number,
				      PageDirection *direction);

/* tw-sandbox-limits.c */

/* The id of the user the request authenticates as (bearer or OAuth 1.0a), or
 * NULL after answering 401. */
const char *tw_sandbox_authenticate_locked(Request *request);

/* Whether the request's OAuth 2.0 token has @scope; OAuth 1.0a has the
 * app's permissions, all of them. */
gboolean tw_sandbox_request_has_scope_locked(Request *request,
					     const char *scope);

/* The scopes tokens get: the configured ones, or all the plugin's. */
const char *tw_sandbox_granted_scopes(TwSandbox *sandbox);

/* Sets header @name to a decimal number. */
void tw_sandbox_set_header_uint(SoupMessageHeaders *headers, const char *name,
				gint64 value);

/* Fixed windows per user and endpoint family: a window opens with its first
 * request and lasts rate_window_seconds. The reset header rounds up, so a
 * client that waits for it always finds the new window open. DM sends also
 * have a 24 h cap with x-user-limit-24hour-* headers. */
gboolean tw_sandbox_consume_rate_limit_locked(Request *request,
					      RateFamily family);

/* tw-sandbox-oauth2.c */

/* The urlencoded body as a table of strings; free it. */
GHashTable *tw_sandbox_decode_form(Request *request);

/* POST /2/oauth2/token. @captured holds the path segments matched by "*". */
void tw_sandbox_handle_token(Request *request, char **captured);

/* RFC 7009: an unknown token is not an error. */
void tw_sandbox_handle_revoke(Request *request, char **captured);

/* The outcome of this authorization; after the set number of uses it is approve
 * again. */
TwSandboxAuthorizeOutcome
tw_sandbox_take_authorize_outcome_locked(TwSandbox *sandbox);

/* The user who "signs in" on the authorize page, borrowed. */
const User *tw_sandbox_authorizing_user_locked(TwSandbox *sandbox);

/* Answers with a small HTML page titled @title (escaped here) around
 * @html_body. */
void tw_sandbox_respond_page(SoupServerMessage *msg, guint status,
			     const char *title, const char *html_body);

/* 302 to @target with the name/value pairs added to its query. */
void tw_sandbox_redirect_with(SoupServerMessage *msg, const char *target,
			      const char *first_name,
			      ...) G_GNUC_NULL_TERMINATED;

/* GET /i/oauth2/authorize: the user is signed in and always answers at
 * once, as tw_sandbox_set_authorize_outcome() says. */
void tw_sandbox_handle_authorize(Request *request, char **captured);

/* tw-sandbox-oauth1.c */

/* Checks the request's OAuth 1.0a signature for real. With @token_kind
 * TOKEN_OAUTH1_ACCESS or TOKEN_OAUTH1_REQUEST the oauth_token must be such
 * a token of the same consumer; with TOKEN_ACCESS none is needed. */
gboolean tw_sandbox_verify_oauth1_locked(Request *request, TokenKind token_kind,
					 Token **token, GHashTable **protocol);

/* Mints an OAuth 1.0a token of @kind; @text gets its key (free it); the token
 * is borrowed. */
Token *tw_sandbox_new_oauth1_token_locked(TwSandbox *sandbox, TokenKind kind,
					  const char *consumer_key,
					  const char *user_id, char **text);

/* POST /oauth/request_token, signed with the consumer key alone. */
void tw_sandbox_handle_request_token(Request *request, char **captured);

/* GET /oauth/authorize?oauth_token=…: approves at once, like
 * tw_sandbox_handle_authorize(); the PIN page is shaped like X's. */
void tw_sandbox_handle_oauth1_authorize(Request *request, char **captured);

/* POST /oauth/access_token: the request token, signed, with the PIN. */
void tw_sandbox_handle_access_token(Request *request, char **captured);

/* tw-sandbox-users.c */

/* GET /2/users/me. @captured holds the path segments matched by "*". */
void tw_sandbox_handle_users_me(Request *request, char **captured);

/* GET /2/users/by/username/:username. @captured holds the path segments matched
 * by "*". */
void tw_sandbox_handle_user_by_username(Request *request, char **captured);

/* GET /2/users/:id. @captured holds the path segments matched by "*". */
void tw_sandbox_handle_user(Request *request, char **captured);

/* GET /2/users?ids=. @captured holds the path segments matched by "*". */
void tw_sandbox_handle_users(Request *request, char **captured);

/* GET /2/users/by?usernames=. @captured holds the path segments matched by "*".
 */
void tw_sandbox_handle_users_by(Request *request, char **captured);

/* /_sandbox/avatars/<id>_<size>.png, any size suffix X uses. */
void tw_sandbox_handle_avatar(Request *request, char **captured);
void tw_sandbox_handle_media_download(Request *request, char **captured);

/* tw-sandbox-uploads.c */

void tw_sandbox_upload_free(Upload *upload);

/* The image type of @data by its first bytes ("image/png", "image/jpeg",
 * "image/webp"), or NULL. */
const char *tw_sandbox_image_type(const guint8 *data, gsize size);

/* The string member @name of @object, or NULL with an error noted. */
/* The request body as a JSON object held by @parser, or NULL with an
 * error noted in @errors. */
JsonObject *tw_sandbox_parse_body_object(Request *request, JsonParser *parser,
					 GPtrArray *errors);

/* Answers 403 unless the token may upload (OAuth 2.0 scope media.write;
 * OAuth 1.0a may). */
gboolean tw_sandbox_check_upload_scope_locked(Request *request);

const char *tw_sandbox_required_string(JsonObject *object, const char *name,
				       GPtrArray *errors);

/* POST /2/media/upload, the one-shot form. */
void tw_sandbox_handle_media_upload(Request *request, char **captured);

/* Whether a DM may carry @media_id: uploaded by the request's user, for a
 * DM, not expired, processed; otherwise an error is added to @errors. */
gboolean tw_sandbox_check_dm_media_locked(Request *request,
					  const char *media_id,
					  GPtrArray *errors);

/* A 48x48 solid-colour PNG, colour from @seed (one stored deflate block, so
 * no image library is needed), padded with a private chunk to @size bytes
 * when @size is larger. */
GBytes *tw_sandbox_make_png(const char *seed, gsize size);

/* tw-sandbox-chunked.c */

/* POST /2/media/upload/initialize: {media_type, total_bytes,
 * media_category}. */
void tw_sandbox_handle_media_initialize(Request *request, char **captured);

/* POST /2/media/upload/:id/append: {media, segment_index}. */
void tw_sandbox_handle_media_append(Request *request, char **captured);

/* POST /2/media/upload/:id/finalize; again, it answers like STATUS. */
void tw_sandbox_handle_media_finalize(Request *request, char **captured);

/* GET /2/media/upload?command=STATUS&media_id=: one processing check. */
void tw_sandbox_handle_media_status(Request *request, char **captured);

/* tw-sandbox-dm-lists.c */

/* GET /2/dm_events. @captured holds the path segments matched by "*". */
void tw_sandbox_handle_dm_events(Request *request, char **captured);

/* GET /2/dm_conversations/with/:participant_id/dm_events. @captured holds the
 * path segments matched by "*". */
void tw_sandbox_handle_conversation_with_events(Request *request,
						char **captured);

/* GET /2/dm_conversations/:dm_conversation_id/dm_events. @captured holds the
 * path segments matched by "*". */
void tw_sandbox_handle_conversation_events(Request *request, char **captured);

/* GET /2/dm_events/:event_id. @captured holds the path segments matched by "*".
 */
void tw_sandbox_handle_dm_event(Request *request, char **captured);

/* tw-sandbox-sends.c */

/* Whether @node holds a JSON string. */
gboolean tw_sandbox_node_is_string(JsonNode *node);

/* POST /2/dm_conversations/with/:participant_id/messages. @captured holds the
 * path segments matched by "*". */
void tw_sandbox_handle_send_with(Request *request, char **captured);

/* POST /2/dm_conversations/:dm_conversation_id/messages. @captured holds the
 * path segments matched by "*". */
void tw_sandbox_handle_send_to_conversation(Request *request, char **captured);

/* POST /2/dm_conversations: {conversation_type:"Group",
 * participant_ids:[2..49, without yourself], message:{text?,attachments?}} */
void tw_sandbox_handle_create_group(Request *request, char **captured);

/* POST /2/users/:id/dm/block. @captured holds the path segments matched by "*".
 */
void tw_sandbox_handle_dm_block(Request *request, char **captured);

/* POST /2/users/:id/dm/unblock. @captured holds the path segments matched by
 * "*". */
void tw_sandbox_handle_dm_unblock(Request *request, char **captured);

/* tw-sandbox-customers.c */

/* Attaches @source (taken) to the server's context and keeps it so freeing the
 * sandbox destroys it. */
void tw_sandbox_track_source_locked(TwSandbox *sandbox, GSource *source);

/* Called from a source's own callback, with the lock held. */
gboolean tw_sandbox_forget_current_source_locked(TwSandbox *sandbox);

/* The account wrote to a customer: the customer answers in 1–2 s. */
void tw_sandbox_schedule_customer_reply_locked(TwSandbox *sandbox,
					       const Conversation *conversation,
					       const char *sender_id);

/* Stops customers mode's timer, if running. */
void tw_sandbox_stop_customers_timer_locked(TwSandbox *sandbox);

/* Starts customers mode for @account_id, a customer writing every @interval_ms;
 * FALSE with @error for an unknown account. */
gboolean tw_sandbox_set_customers_mode_locked(TwSandbox *sandbox,
					      const char *account_id,
					      guint interval_ms,
					      GError **error);

/* tw-sandbox-faults.c */

/* The first matching fault, used up by one (count 0 never runs out). */
gboolean tw_sandbox_take_fault_locked(TwSandbox *sandbox, const char *method,
				      const char *path, Fault *taken);

/* Faults that replace the answer; FALSE for the ones that change how a
 * normal answer travels. */
gboolean tw_sandbox_answer_fault_locked(Request *request, const Fault *fault);

/* Holds the request's answer as @fault says (delay, half answer, cut). */
void tw_sandbox_hold_message_locked(Request *request, const Fault *fault);

/* tw-sandbox-control.c */

/* The whole world as JSON, for GET /_sandbox/state. */
JsonNode *tw_sandbox_state_node_locked(TwSandbox *sandbox);

/* /_sandbox/...: JSON in and out, no auth, not recorded, never faulted. */
void tw_sandbox_handle_control_locked(Request *request);

G_END_DECLS
