/*
 * tw-json: X API JSON bodies to model structs and back. Pure and
 * synchronous; the only file that walks json-glib trees of API data.
 *
 * Parsers are tolerant where the API is loose (unknown members ignored,
 * "entities" nested or top-level, missing optional fields) and strict where
 * a wrong shape would lose data (a message without an id is an error).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#pragma once

#include <glib.h>

#include "tw-model.h"

G_BEGIN_DECLS

/** Error domain of this layer. */
#define TW_JSON_ERROR (tw_json_error_quark())
GQuark tw_json_error_quark(void);

/**
 * TwJsonError:
 * @TW_JSON_ERROR_MALFORMED: not JSON, or truncated
 * @TW_JSON_ERROR_SHAPE: valid JSON of the wrong shape (missing or mistyped
 *   required member)
 */
typedef enum {
	TW_JSON_ERROR_MALFORMED,
	TW_JSON_ERROR_SHAPE,
} TwJsonError;

/**
 * tw_json_parse_dm_page:
 * @body: response body of a DM list endpoint
 * @length: length of @body, or -1 if NUL-terminated
 * @error: (out) (optional): a #TW_JSON_ERROR
 *
 * Parses `{"data":[…],"includes":{"users":[…]},"meta":{…}}`. The empty
 * page `{"meta":{"result_count":0}}` gives a page without events. Events
 * without an id are an error; events of unknown type are kept with type
 * %TW_DM_EVENT_UNKNOWN.
 *
 * Returns: (transfer full) (nullable): the page, %NULL on error
 */
TwDmPage *tw_json_parse_dm_page(const char *body, gssize length,
				GError **error);

/**
 * tw_json_parse_user:
 * @body: body of `GET /2/users/me` or `/2/users/by/username/:u`
 * @length: length of @body, or -1
 * @error: (out) (optional): a #TW_JSON_ERROR; a 200 with only "errors"
 *   (unknown user) is %TW_JSON_ERROR_SHAPE with the problem's detail
 *
 * Returns: (transfer full) (nullable): the user in "data"
 */
TwUser *tw_json_parse_user(const char *body, gssize length, GError **error);

/**
 * tw_json_parse_users:
 * @body: body of `GET /2/users?ids=` or `/2/users/by?usernames=`
 * @length: length of @body, or -1
 * @error: (out) (optional): a #TW_JSON_ERROR
 *
 * Returns: (transfer full) (element-type TwUser) (nullable): the users
 * found, possibly none
 */
GPtrArray *tw_json_parse_users(const char *body, gssize length, GError **error);

/**
 * tw_json_parse_token:
 * @body: body of a 200 from `POST /2/oauth2/token`
 * @length: length of @body, or -1
 * @error: (out) (optional): a #TW_JSON_ERROR; no access_token is an error
 *
 * Returns: (transfer full) (nullable): the token
 */
TwToken *tw_json_parse_token(const char *body, gssize length, GError **error);

/**
 * tw_json_parse_send_result:
 * @body: body of a 201 from a DM send endpoint
 * @length: length of @body, or -1
 * @error: (out) (optional): a #TW_JSON_ERROR
 *
 * Accepts the real `{"data":{…}}` wrapper and the unwrapped form of old docs.
 *
 * Returns: (transfer full) (nullable): conversation and event id
 */
TwSendResult *tw_json_parse_send_result(const char *body, gssize length,
					GError **error);

/**
 * tw_json_parse_problem:
 * @status: HTTP status of the response
 * @body: (nullable): response body
 * @length: length of @body, or -1
 *
 * Reads an RFC 7807 problem (also with a top-level "errors" array, whose
 * first message is used as detail when there is no detail), or an OAuth
 * error `{"error":…,"error_description":…}`. Never fails: an unreadable
 * body gives a problem with only @status set.
 *
 * Returns: (transfer full): the problem
 */
TwProblem *tw_json_parse_problem(guint status, const char *body, gssize length);

/**
 * tw_json_parse_upload_result:
 * @body: body of a 200 from `POST /2/media/upload`, its initialize and
 *   finalize, or its STATUS
 * @length: length of @body, or -1
 * @error: (out) (optional): a #TW_JSON_ERROR; no valid id is an error
 *
 * Returns: (transfer full) (nullable): the media id and its lifetime (a
 *   day when X does not say)
 */
TwUploadResult *tw_json_parse_upload_result(const char *body, gssize length,
					    GError **error);

/**
 * tw_json_build_message_body:
 * @text: message text, plain UTF-8
 *
 * Returns: (transfer full): `{"text":"…"}` for the DM send endpoints
 */
char *tw_json_build_message_body(const char *text);

/**
 * tw_json_build_media_message_body:
 * @text: message text, plain UTF-8; "" for none
 * @media_id: an uploaded media's id
 *
 * Returns: (transfer full): `{"text":"…","attachments":[{"media_id":"…"}]}`,
 *   without "text" when @text is empty
 */
char *tw_json_build_media_message_body(const char *text, const char *media_id);

/**
 * tw_json_build_upload_body:
 * @data: the file
 * @media_category: X's category, e.g. "dm_image"
 *
 * Returns: (transfer full): `{"media":"<base64>","media_category":"…"}` for
 *   the one-shot `POST /2/media/upload`
 */
char *tw_json_build_upload_body(GBytes *data, const char *media_category);

/**
 * tw_json_build_upload_initialize_body:
 * @total_bytes: the file's size
 * @media_type: its MIME type, e.g. "video/mp4"
 * @media_category: X's category, "dm_gif" or "dm_video"
 *
 * Returns: (transfer full): the body of `POST /2/media/upload/initialize`
 */
char *tw_json_build_upload_initialize_body(guint64 total_bytes,
					   const char *media_type,
					   const char *media_category);

/**
 * tw_json_build_upload_append_body:
 * @segment: a part of the file
 * @segment_index: its place, from 0
 *
 * Returns: (transfer full): `{"media":"<base64>","segment_index":N}` for
 *   `POST /2/media/upload/:id/append`
 */
char *tw_json_build_upload_append_body(GBytes *segment, guint segment_index);

G_END_DECLS
