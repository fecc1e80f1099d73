/*
 * tw-sandbox-uploads: the one-shot POST /2/media/upload (X's 2.167 spec)
 * for DM photos: OAuth 2.0 with the media.write scope or OAuth 1.0a, a JSON
 * body with the file as base64 and a required media_category, X's 5 MB
 * limit for images, and a media id a DM may carry for a day
 * (expires_after_secs), only by the user who uploaded it and, for a
 * chunked upload (tw-sandbox-chunked.c), once processing has succeeded.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "config.h"

#include "tw-sandbox-private.h"

#include <string.h>

void
tw_sandbox_upload_free(Upload *upload)
{
	if (upload == NULL)
		return;
	g_free(upload->user_id);
	g_free(upload->category);
	g_free(upload->media_key);
	g_free(upload->media_type);
	if (upload->segments != NULL)
		g_array_unref(upload->segments);
	g_free(upload->error_message);
	g_free(upload);
}

const char *
tw_sandbox_image_type(const guint8 *data, gsize size)
{
	if (size >= 8 && memcmp(data, "\x89PNG\r\n\x1a\n", 8) == 0)
		return "image/png";
	if (size >= 3 && memcmp(data, "\xff\xd8\xff", 3) == 0)
		return "image/jpeg";
	if (size >= 12 && memcmp(data, "RIFF", 4) == 0 &&
	    memcmp(data + 8, "WEBP", 4) == 0)
		return "image/webp";
	return NULL;
}

static guint32
read_be32(const guint8 *data)
{
	return (guint32)data[0] << 24 | (guint32)data[1] << 16 |
	       (guint32)data[2] << 8 | data[3];
}

const char *
tw_sandbox_required_string(JsonObject *object, const char *name,
			   GPtrArray *errors)
{
	JsonNode *node =
	    object != NULL ? json_object_get_member(object, name) : NULL;

	if (node == NULL || !JSON_NODE_HOLDS_VALUE(node) ||
	    json_node_get_value_type(node) != G_TYPE_STRING) {
		tw_sandbox_add_message_error(
		    errors, "$.%s: is missing or not a string", name);
		return NULL;
	}
	return json_node_get_string(node);
}

static void
respond_uploaded(Request *request, const char *id, const char *key, gsize size,
		 const char *type, const guint8 *data)
{
	g_autoptr(JsonBuilder) builder = json_builder_new();

	json_builder_begin_object(builder);
	json_builder_set_member_name(builder, "data");
	json_builder_begin_object(builder);
	tw_sandbox_add_string_member(builder, "id", id);
	tw_sandbox_add_string_member(builder, "media_key", key);
	tw_sandbox_add_int_member(builder, "size", (gint64)size);
	tw_sandbox_add_int_member(builder, "expires_after_secs",
				  UPLOAD_LIFETIME_SECONDS);
	json_builder_set_member_name(builder, "image");
	json_builder_begin_object(builder);
	tw_sandbox_add_string_member(builder, "image_type", type);
	/* A PNG says its size in its header; the others are not read. */
	if (g_str_equal(type, "image/png") && size >= 24) {
		tw_sandbox_add_int_member(builder, "w", read_be32(data + 16));
		tw_sandbox_add_int_member(builder, "h", read_be32(data + 20));
	}
	json_builder_end_object(builder);
	json_builder_end_object(builder);
	json_builder_end_object(builder);
	tw_sandbox_respond_builder(request->msg, SOUP_STATUS_OK,
				   JSON_CONTENT_TYPE, builder);
}

/* The request body as a JSON object held by @parser, or NULL with an error
 * noted. */
JsonObject *
tw_sandbox_parse_body_object(Request *request, JsonParser *parser,
			     GPtrArray *errors)
{
	gsize length;
	const char *body = tw_sandbox_body_text(request, &length);
	JsonNode *root = NULL;

	if (json_parser_load_from_data(parser, body, (gssize)length, NULL))
		root = json_parser_get_root(parser);
	if (root != NULL && JSON_NODE_HOLDS_OBJECT(root))
		return json_node_get_object(root);
	tw_sandbox_add_message_error(errors,
				     "Request body is not a JSON object");
	return NULL;
}

gboolean
tw_sandbox_check_upload_scope_locked(Request *request)
{
	if (tw_sandbox_request_has_scope_locked(request, "media.write"))
		return TRUE;
	tw_sandbox_respond_generic_problem(
	    request->msg, SOUP_STATUS_FORBIDDEN,
	    "Your token lacks the media.write scope.");
	return FALSE;
}

void
tw_sandbox_handle_media_upload(Request *request, char **captured)
{
	TwSandbox *sandbox = request->sandbox;
	g_autoptr(GPtrArray) errors = tw_sandbox_request_errors_new();
	g_autoptr(JsonParser) parser = json_parser_new();
	JsonObject *object;
	const char *media, *category;
	g_autofree guint8 *data = NULL;
	gsize size = 0;
	const char *type;
	Upload *upload;
	char *id;
	g_autofree char *key = NULL;

	(void)captured;
	if (!tw_sandbox_check_upload_scope_locked(request))
		return;
	object = tw_sandbox_parse_body_object(request, parser, errors);
	media = object != NULL
		    ? tw_sandbox_required_string(object, "media", errors)
		    : NULL;
	category =
	    object != NULL
		? tw_sandbox_required_string(object, "media_category", errors)
		: NULL;
	if (category != NULL && !g_str_equal(category, "dm_image") &&
	    !g_str_equal(category, "tweet_image"))
		tw_sandbox_add_message_error(
		    errors,
		    "$.media_category: %s is not a one-shot image category",
		    category);
	if (media != NULL) {
		data = g_base64_decode(media, &size);
		type = tw_sandbox_image_type(data, size);
		if (type == NULL)
			tw_sandbox_add_message_error(
			    errors, "$.media: not a JPEG, PNG or WebP image");
		else if (size > IMAGE_MAX_BYTES)
			tw_sandbox_add_message_error(
			    errors,
			    "$.media: %" G_GSIZE_FORMAT
			    " bytes is above the image limit of %d",
			    size, IMAGE_MAX_BYTES);
	}
	if (errors->len > 0) {
		tw_sandbox_respond_invalid_request(sandbox, request->msg,
						   errors);
		return;
	}
	type = tw_sandbox_image_type(data, size);
	id = g_strdup_printf("%" G_GUINT64_FORMAT, tw_sandbox_snowflake_now());
	key = g_strconcat("3_", id, NULL);
	upload = g_new0(Upload, 1);
	upload->user_id = g_strdup(request->user_id);
	upload->category = g_strdup(category);
	upload->media_key = g_strdup(key);
	upload->size = size;
	upload->expires_at = g_get_real_time() +
			     (gint64)UPLOAD_LIFETIME_SECONDS * G_USEC_PER_SEC;
	upload->state = UPLOAD_SUCCEEDED;
	g_hash_table_insert(sandbox->uploads, id, upload);
	sandbox->counters.uploads++;
	respond_uploaded(request, id, key, size, type, data);
}

gboolean
tw_sandbox_check_dm_media_locked(Request *request, const char *media_id,
				 GPtrArray *errors)
{
	const Upload *upload =
	    g_hash_table_lookup(request->sandbox->uploads, media_id);

	if (upload == NULL || !g_str_equal(upload->user_id, request->user_id) ||
	    upload->expires_at <= g_get_real_time()) {
		tw_sandbox_add_message_error(
		    errors, "$.attachments[0].media_id: media %s not found",
		    media_id);
		return FALSE;
	}
	if (!g_str_has_prefix(upload->category, "dm_")) {
		tw_sandbox_add_message_error(
		    errors,
		    "$.attachments[0].media_id: unsupported media category "
		    "%s",
		    upload->category);
		return FALSE;
	}
	/* Our guess at X's wording for media still being processed. */
	if (upload->state == UPLOAD_FAILED) {
		tw_sandbox_add_message_error(
		    errors,
		    "$.attachments[0].media_id: media %s failed processing",
		    media_id);
		return FALSE;
	}
	if (upload->state != UPLOAD_SUCCEEDED) {
		tw_sandbox_add_message_error(
		    errors, "$.attachments[0].media_id: media %s is not ready",
		    media_id);
		return FALSE;
	}
	return TRUE;
}
