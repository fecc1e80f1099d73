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
#define GRANTED_SCOPES   "tweet.read users.read dm.read dm.write offline.access"
#define DAY_SECONDS      86400
#define USERNAME_PATTERN "^[A-Za-z0-9_]{1,15}$"

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
	char *referenced_tweet_id;
	gint64 created_at;
	/* Monotonic time before which /2/dm_events does not show it. */
	gint64 visible_after;
} Event;

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

typedef struct {
	TwSandboxFaultKind kind;
	char *method;
	char *path_prefix;
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
	gint64 created_at;
	guint visible_after_ms;
} NewMessage;

G_BEGIN_DECLS

/* tw-sandbox.c */

/* The account wrote to a customer: the customer answers in 1–2 s. */
void tw_sandbox_schedule_customer_reply_locked(TwSandbox *sandbox,
					       const Conversation *conversation,
					       const char *sender_id);

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

G_END_DECLS
