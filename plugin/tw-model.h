/*
 * tw-model: the plain data the plugin works with (users, DM events, pages,
 * tokens, problems). Pure data with _new/_free and autoptr; no I/O.
 *
 * Ids are kept as the API's decimal strings; tw_id_compare() orders them
 * numerically (a 19-digit id is larger than an 18-digit one).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/**
 * tw_id_compare:
 * @a: a decimal id
 * @b: a decimal id
 *
 * Numeric order of two snowflake ids given as strings.
 *
 * Returns: <0, 0 or >0 as @a is smaller than, equal to or larger than @b
 */
int tw_id_compare(const char *a, const char *b);

/**
 * tw_id_is_valid:
 * @id: (nullable): a string
 *
 * Returns: %TRUE when @id is 1 to 19 decimal digits
 */
gboolean tw_id_is_valid(const char *id);

/**
 * TwUser:
 * @id: user id
 * @username: the handle without '@', as X spells it
 * @name: display name
 * @profile_image_url: (nullable): avatar URL
 * @description: (nullable): bio
 * @location: (nullable): location
 * @url: (nullable): profile link
 * @verified: verified badge
 * @protected_account: posts are protected
 * @receives_your_dm: TRUE, FALSE, or -1 when the API did not say
 * @followers_count: -1 when unknown
 * @following_count: -1 when unknown
 * @connection_status: (nullable) (element-type utf8): how the account is
 *   connected to this user ("following", "followed_by", "blocking", …);
 *   %NULL when the API did not say
 */
typedef struct {
	char *id;
	char *username;
	char *name;
	char *profile_image_url;
	char *description;
	char *location;
	char *url;
	gboolean verified;
	gboolean protected_account;
	int receives_your_dm;
	gint64 followers_count;
	gint64 following_count;
	GPtrArray *connection_status;
} TwUser;

/** Returns: (transfer full): an empty user with unknown counts. */
TwUser *tw_user_new(void);
/** @user: (transfer full) (nullable): frees the user. */
void tw_user_free(TwUser *user);
/** Returns: (transfer full): a deep copy of @user. */
TwUser *tw_user_copy(const TwUser *user);

/**
 * TwDmEventType:
 * @TW_DM_EVENT_UNKNOWN: a type this plugin does not know; skipped
 * @TW_DM_EVENT_MESSAGE_CREATE: a message
 * @TW_DM_EVENT_PARTICIPANTS_JOIN: someone joined a group
 * @TW_DM_EVENT_PARTICIPANTS_LEAVE: someone left a group
 */
typedef enum {
	TW_DM_EVENT_UNKNOWN,
	TW_DM_EVENT_MESSAGE_CREATE,
	TW_DM_EVENT_PARTICIPANTS_JOIN,
	TW_DM_EVENT_PARTICIPANTS_LEAVE,
} TwDmEventType;

/**
 * TwUrlEntity:
 * @start: first code point of the link in the text (inclusive)
 * @end: end code point (exclusive)
 * @url: the t.co URL as it appears in the text
 * @expanded_url: (nullable): the original URL
 * @display_url: (nullable): a short form for display
 */
typedef struct {
	gint64 start;
	gint64 end;
	char *url;
	char *expanded_url;
	char *display_url;
} TwUrlEntity;

/** @entity: (transfer full) (nullable): frees the entity. */
void tw_url_entity_free(TwUrlEntity *entity);

/**
 * TwDmEvent:
 * @id: event id
 * @type: event type
 * @text: (nullable): message text, plain text as X sends it
 * @sender_id: (nullable): author (MessageCreate) or adder (Join)
 * @conversation_id: (nullable): "a-b" for 1:1, a single id for groups
 * @created_at: Unix time in microseconds, 0 when unknown
 * @participant_ids: (element-type utf8): who joined or left (Join/Leave)
 * @urls: (element-type TwUrlEntity): link entities of @text
 * @media_keys: (element-type utf8): attached media keys
 * @media: (element-type TwMedia): what includes.media says of them, in
 *   @media_keys order (those it does not describe are missing); filled by
 *   tw_media_attach()
 */
typedef struct {
	char *id;
	TwDmEventType type;
	char *text;
	char *sender_id;
	char *conversation_id;
	gint64 created_at;
	GPtrArray *participant_ids;
	GPtrArray *urls;
	GPtrArray *media_keys;
	GPtrArray *media;
} TwDmEvent;

/** Returns: (transfer full): an empty event with empty arrays. */
TwDmEvent *tw_dm_event_new(void);
/** @event: (transfer full) (nullable): frees the event. */
void tw_dm_event_free(TwDmEvent *event);
/** Returns: (transfer full): a deep copy of @event. */
TwDmEvent *tw_dm_event_copy(const TwDmEvent *event);

/**
 * tw_dm_event_is_group:
 * @event: an event
 *
 * Returns: %TRUE when the event belongs to a group conversation (an id
 * without '-')
 */
gboolean tw_dm_event_is_group(const TwDmEvent *event);

/**
 * tw_dm_event_get_time:
 * @event: an event
 *
 * Returns: when it was created, Unix µs; now when X did not say
 */
gint64 tw_dm_event_get_time(const TwDmEvent *event);

/**
 * tw_dm_event_compare_oldest_first:
 * @a: a `TwDmEvent **`
 * @b: a `TwDmEvent **`
 *
 * A #GCompareFunc for g_ptr_array_sort(): by creation time, then id.
 */
int tw_dm_event_compare_oldest_first(gconstpointer a, gconstpointer b);

/**
 * TwMediaType:
 * @TW_MEDIA_UNKNOWN: a type this plugin does not know; shown as a link
 * @TW_MEDIA_PHOTO: a photo
 * @TW_MEDIA_VIDEO: a video
 * @TW_MEDIA_ANIMATED_GIF: a GIF, which X delivers as a looping mp4
 */
typedef enum {
	TW_MEDIA_UNKNOWN,
	TW_MEDIA_PHOTO,
	TW_MEDIA_VIDEO,
	TW_MEDIA_ANIMATED_GIF,
} TwMediaType;

/**
 * TwMedia:
 * @media_key: its key, as attachments.media_keys names it
 * @type: what it is
 * @url: (nullable): the photo itself
 * @preview_image_url: (nullable): a still of a video or GIF
 * @video_url: (nullable): the mp4 variant with the highest bit rate
 * @width: pixels, 0 when unknown
 * @height: pixels, 0 when unknown
 * @duration_ms: a video's length, 0 when unknown
 * @alt_text: (nullable): the sender's description of it
 *
 * One includes.media entry.
 */
typedef struct {
	char *media_key;
	TwMediaType type;
	char *url;
	char *preview_image_url;
	char *video_url;
	gint64 width;
	gint64 height;
	gint64 duration_ms;
	char *alt_text;
} TwMedia;

/**
 * tw_media_type_from_name:
 * @name: (nullable): X's media type, e.g. "animated_gif"
 *
 * Returns: the type; %TW_MEDIA_UNKNOWN for one this plugin does not know
 */
TwMediaType tw_media_type_from_name(const char *name);

/**
 * tw_media_type_get_name:
 * @type: a media type
 *
 * Returns: X's name for it ("photo", "video", "animated_gif"), or "unknown"
 */
const char *tw_media_type_get_name(TwMediaType type);

/** Returns: (transfer full): an empty media entry. */
TwMedia *tw_media_new(void);
/** @media: (transfer full) (nullable): frees the entry. */
void tw_media_free(TwMedia *media);
/** Returns: (transfer full): a deep copy of @media. */
TwMedia *tw_media_copy(const TwMedia *media);

/**
 * TwDmPage:
 * @events: (element-type TwDmEvent): newest first, as the API sends them
 * @users: (element-type utf8 TwUser): includes.users by id
 * @media: (element-type utf8 TwMedia): includes.media by media key
 * @next_token: (nullable): token of the next (older) page
 * @result_count: meta.result_count
 */
typedef struct {
	GPtrArray *events;
	GHashTable *users;
	GHashTable *media;
	char *next_token;
	guint result_count;
} TwDmPage;

/** Returns: (transfer full): an empty page. */
TwDmPage *tw_dm_page_new(void);
/** @page: (transfer full) (nullable): frees the page. */
void tw_dm_page_free(TwDmPage *page);

/**
 * TwToken:
 * @access_token: the bearer token
 * @refresh_token: (nullable): the rotated refresh token
 * @scope: (nullable): space-separated granted scopes
 * @expires_in: lifetime of @access_token in seconds, 0 when not given
 */
typedef struct {
	char *access_token;
	char *refresh_token;
	char *scope;
	gint64 expires_in;
} TwToken;

/** @token: (transfer full) (nullable): frees the token, wiping secrets. */
void tw_token_free(TwToken *token);

/**
 * TwProblem:
 * @status: HTTP status of the response
 * @type: (nullable): problem type URI, or the OAuth "error" code
 * @title: (nullable): problem title
 * @detail: human-readable detail, or OAuth error_description; never %NULL:
 *   the parser falls back to the title, the type, then "HTTP <status>"
 *
 * An RFC 7807 problem body or an OAuth token-endpoint error.
 */
typedef struct {
	guint status;
	char *type;
	char *title;
	char *detail;
} TwProblem;

/** @problem: (transfer full) (nullable): frees the problem. */
void tw_problem_free(TwProblem *problem);

/**
 * tw_problem_has_type:
 * @problem: a problem
 * @name: a problem name such as "usage-capped"
 *
 * Compares the path after "/2/problems/", ignoring the host.
 *
 * Returns: %TRUE when @problem is of that type
 */
gboolean tw_problem_has_type(const TwProblem *problem, const char *name);

/**
 * tw_problem_new:
 * @status: HTTP status
 * @type: (nullable): type URI or OAuth error code
 * @title: (nullable): title
 * @detail: (nullable): detail; when %NULL, the title, the type or
 *   "HTTP <status>" takes its place
 *
 * Returns: (transfer full): the problem
 */
TwProblem *tw_problem_new(guint status, const char *type, const char *title,
			  const char *detail);

/**
 * TwSendResult:
 * @conversation_id: dm_conversation_id of the sent message
 * @event_id: dm_event_id of the sent message
 */
typedef struct {
	char *conversation_id;
	char *event_id;
} TwSendResult;

/** @result: (transfer full) (nullable): frees the result. */
void tw_send_result_free(TwSendResult *result);

/**
 * TwUploadResult:
 * @media_id: the uploaded media's id, for a DM's attachments
 * @expires_after_secs: how long X keeps it for a DM
 * @processing_state: (nullable): processing_info.state when X gave one
 *   ("pending", "in_progress", "failed", "succeeded")
 * @check_after_secs: processing_info.check_after_secs, when to ask for the
 *   status again; 0 when X did not say
 * @processing_error: (nullable): processing_info.error's message (or
 *   name) when processing failed
 */
typedef struct {
	char *media_id;
	gint64 expires_after_secs;
	char *processing_state;
	gint64 check_after_secs;
	char *processing_error;
} TwUploadResult;

/** @result: (transfer full) (nullable): frees the result. */
void tw_upload_result_free(TwUploadResult *result);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(TwUser, tw_user_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(TwDmEvent, tw_dm_event_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(TwDmPage, tw_dm_page_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(TwMedia, tw_media_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(TwToken, tw_token_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(TwProblem, tw_problem_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(TwSendResult, tw_send_result_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(TwUploadResult, tw_upload_result_free)

G_END_DECLS
