/*
 * tw-sandbox-chunked: X's chunked media upload, for DM GIFs and videos
 * (images may come this way too). POST /2/media/upload/initialize names
 * the type, size and category; POST /2/media/upload/:id/append takes
 * numbered base64 segments; POST /2/media/upload/:id/finalize checks they
 * add up; GET /2/media/upload?command=STATUS&media_id= then follows the
 * processing until processing_info says succeeded or failed.
 *
 * Only the segments' sizes and the file's first bytes are kept, so a large
 * video costs the sandbox no memory; the first bytes tell whether the file
 * is the media_type it claimed. Processing takes the configured number of
 * STATUS checks, and fails for a file that is not its media_type or when
 * processing_error is configured. OAuth 2.0 tokens need media.write. X's
 * wording for these refusals is unknown: the messages are our guess, in
 * the "$.field: reason" style of its schema errors.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "config.h"

#include "tw-sandbox-private.h"

#include <string.h>

#define SEGMENT_INDEX_MAX 999
/* X's processing error for a file that is not what it claims to be. */
#define UNSUPPORTED_FORMAT "Unsupported media format"

typedef enum {
	KIND_IMAGE,
	KIND_GIF,
	KIND_VIDEO,
} MediaKind;

typedef struct {
	const char *name;
	MediaKind kind;
} Category;

/* tweet_* ones are taken here; a DM then refuses them, as X does. */
static const Category categories[] = {
    {"dm_image", KIND_IMAGE}, {"dm_gif", KIND_GIF},
    {"dm_video", KIND_VIDEO}, {"tweet_image", KIND_IMAGE},
    {"tweet_gif", KIND_GIF},  {"tweet_video", KIND_VIDEO},
};
#define CATEGORY_LIST                                                          \
	"dm_image, dm_gif, dm_video, tweet_image, tweet_gif, tweet_video"

/* The types whose first bytes the sandbox knows. */
static const char *const media_types[] = {
    "image/jpeg", "image/png",       "image/webp", "image/gif",
    "video/mp4",  "video/quicktime", NULL,
};

/* By MediaKind: the media key's prefix and the limit's name. */
static const char *const key_prefixes[] = {"3_", "16_", "7_"};
static const char *const kind_names[] = {"image", "GIF", "video"};

static const Category *
find_category(const char *name)
{
	for (guint i = 0; i < G_N_ELEMENTS(categories); i++) {
		if (g_str_equal(categories[i].name, name))
			return &categories[i];
	}
	return NULL;
}

static guint
kind_limit(TwSandbox *sandbox, MediaKind kind)
{
	switch (kind) {
	case KIND_GIF:
		return sandbox->config.gif_max_bytes;
	case KIND_VIDEO:
		return sandbox->config.video_max_bytes;
	case KIND_IMAGE:
		break;
	}
	return IMAGE_MAX_BYTES;
}

/* Whether a file starting with @head is of @media_type. */
static gboolean
head_matches(const char *media_type, const guint8 *head, gsize length)
{
	if (g_str_equal(media_type, "image/gif"))
		return length >= 6 && (memcmp(head, "GIF87a", 6) == 0 ||
				       memcmp(head, "GIF89a", 6) == 0);
	/* MP4 and QuickTime files both start with an ftyp box. */
	if (g_str_has_prefix(media_type, "video/"))
		return length >= 8 && memcmp(head + 4, "ftyp", 4) == 0;
	return g_strcmp0(tw_sandbox_image_type(head, length), media_type) == 0;
}

/* Standard padded base64, as the plugin and X's docs write it: anything
 * else would be decoded into a different file without a word. */
static gboolean
is_base64(const char *text)
{
	gsize length = strlen(text);
	gsize padding = 0;

	if (length % 4 != 0)
		return FALSE;
	while (padding < 2 && padding < length &&
	       text[length - 1 - padding] == '=')
		padding++;
	for (gsize i = 0; i < length - padding; i++) {
		if (!g_ascii_isalnum(text[i]) && text[i] != '+' &&
		    text[i] != '/')
			return FALSE;
	}
	return TRUE;
}

/* The integer member @name of @object; FALSE when it is missing or not a
 * JSON integer. */
static gboolean
get_integer(JsonObject *object, const char *name, gint64 *value)
{
	JsonNode *node = json_object_get_member(object, name);

	if (node == NULL || !JSON_NODE_HOLDS_VALUE(node) ||
	    json_node_get_value_type(node) != G_TYPE_INT64)
		return FALSE;
	*value = json_node_get_int(node);
	return TRUE;
}

/* The living upload @id of the request's user, or NULL with an error on
 * @parameter. Another user's media id looks like an unknown one. */
static Upload *
find_upload_locked(Request *request, const char *parameter, const char *id,
		   GPtrArray *errors)
{
	Upload *upload;

	if (!tw_sandbox_is_digits(id, 1, 19)) {
		tw_sandbox_add_parameter_error(
		    errors, parameter, id,
		    "The `%s` query parameter value [%s] does not match %s",
		    parameter, id, ID_PATTERN);
		return NULL;
	}
	upload = g_hash_table_lookup(request->sandbox->uploads, id);
	if (upload == NULL || !g_str_equal(upload->user_id, request->user_id) ||
	    upload->expires_at <= g_get_real_time()) {
		tw_sandbox_add_parameter_error(errors, parameter, id,
					       "media %s not found", id);
		return NULL;
	}
	return upload;
}

/* Seconds until @upload expires, rounded up. */
static gint64
seconds_left(const Upload *upload)
{
	gint64 left = upload->expires_at - g_get_real_time();

	return MAX(0, (left + G_USEC_PER_SEC - 1) / G_USEC_PER_SEC);
}

/* ------------------------------------------------------------------------ */
/* Processing                                                                */

static void
finish_processing(Upload *upload)
{
	upload->state =
	    upload->error_message != NULL ? UPLOAD_FAILED : UPLOAD_SUCCEEDED;
}

/* At the first finalize: the outcome is decided now, and told after the
 * configured number of STATUS checks. */
static void
start_processing(TwSandbox *sandbox, Upload *upload)
{
	if (!head_matches(upload->media_type, upload->head,
			  upload->head_length))
		upload->error_message = g_strdup(UNSUPPORTED_FORMAT);
	else if (sandbox->config.processing_error != NULL)
		upload->error_message =
		    g_strdup(sandbox->config.processing_error);
	upload->checks_total = sandbox->config.processing_checks;
	upload->checks_left = upload->checks_total;
	upload->state = UPLOAD_PROCESSING;
	if (upload->checks_left == 0)
		finish_processing(upload);
}

/* One STATUS check; the last one gives the outcome. */
static void
take_check(Upload *upload)
{
	if (upload->state != UPLOAD_PROCESSING || upload->checks_left == 0)
		return;
	upload->checks_left--;
	if (upload->checks_left == 0)
		finish_processing(upload);
}

/* processing_info as X gives it; none when there was nothing to process
 * (a one-shot upload, or processing_checks 0 and success). */
static void
add_processing_info(TwSandbox *sandbox, JsonBuilder *builder,
		    const Upload *upload)
{
	guint done = upload->checks_total - upload->checks_left;

	if (upload->state == UPLOAD_INITIALIZED ||
	    (upload->state == UPLOAD_SUCCEEDED && upload->checks_total == 0))
		return;
	json_builder_set_member_name(builder, "processing_info");
	json_builder_begin_object(builder);
	if (upload->state == UPLOAD_PROCESSING) {
		tw_sandbox_add_string_member(
		    builder, "state", done == 0 ? "pending" : "in_progress");
		tw_sandbox_add_int_member(builder, "check_after_secs",
					  sandbox->config.check_after_secs);
		if (done > 0)
			tw_sandbox_add_int_member(builder, "progress_percent",
						  done * 100 /
						      upload->checks_total);
	} else if (upload->state == UPLOAD_SUCCEEDED) {
		tw_sandbox_add_string_member(builder, "state", "succeeded");
		tw_sandbox_add_int_member(builder, "progress_percent", 100);
	} else {
		tw_sandbox_add_string_member(builder, "state", "failed");
		json_builder_set_member_name(builder, "error");
		json_builder_begin_object(builder);
		tw_sandbox_add_int_member(builder, "code", 1);
		tw_sandbox_add_string_member(builder, "name", "InvalidMedia");
		tw_sandbox_add_string_member(builder, "message",
					     upload->error_message);
		json_builder_end_object(builder);
	}
	json_builder_end_object(builder);
}

/* The answer of finalize (with the size and lifetime) and of STATUS. */
static void
respond_state(Request *request, const char *id, const Upload *upload,
	      gboolean finalize)
{
	g_autoptr(JsonBuilder) builder = json_builder_new();

	json_builder_begin_object(builder);
	json_builder_set_member_name(builder, "data");
	json_builder_begin_object(builder);
	tw_sandbox_add_string_member(builder, "id", id);
	tw_sandbox_add_string_member(builder, "media_key", upload->media_key);
	if (finalize) {
		tw_sandbox_add_int_member(builder, "size",
					  (gint64)upload->size);
		tw_sandbox_add_int_member(builder, "expires_after_secs",
					  seconds_left(upload));
	}
	add_processing_info(request->sandbox, builder, upload);
	json_builder_end_object(builder);
	json_builder_end_object(builder);
	tw_sandbox_respond_builder(request->msg, SOUP_STATUS_OK,
				   JSON_CONTENT_TYPE, builder);
}

/* ------------------------------------------------------------------------ */
/* Initialize                                                                */

static void
respond_initialized(Request *request, const char *id, const Upload *upload)
{
	g_autoptr(JsonBuilder) builder = json_builder_new();

	json_builder_begin_object(builder);
	json_builder_set_member_name(builder, "data");
	json_builder_begin_object(builder);
	tw_sandbox_add_string_member(builder, "id", id);
	tw_sandbox_add_string_member(builder, "media_key", upload->media_key);
	tw_sandbox_add_int_member(builder, "expires_after_secs",
				  UPLOAD_LIFETIME_SECONDS);
	json_builder_end_object(builder);
	json_builder_end_object(builder);
	tw_sandbox_respond_builder(request->msg, SOUP_STATUS_OK,
				   JSON_CONTENT_TYPE, builder);
}

void
tw_sandbox_handle_media_initialize(Request *request, char **captured)
{
	TwSandbox *sandbox = request->sandbox;
	g_autoptr(GPtrArray) errors = tw_sandbox_request_errors_new();
	g_autoptr(JsonParser) parser = json_parser_new();
	JsonObject *object;
	const char *media_type = NULL;
	const char *category_name = NULL;
	const Category *category = NULL;
	gint64 total_bytes = 0;
	gboolean has_total = FALSE;
	Upload *upload;
	char *id;

	(void)captured;
	if (!tw_sandbox_check_upload_scope_locked(request))
		return;
	object = tw_sandbox_parse_body_object(request, parser, errors);
	if (object != NULL) {
		media_type =
		    tw_sandbox_required_string(object, "media_type", errors);
		has_total = get_integer(object, "total_bytes", &total_bytes);
		if (!has_total || total_bytes <= 0)
			tw_sandbox_add_message_error(
			    errors, "$.total_bytes: is missing or not an "
				    "integer above 0");
		category_name = tw_sandbox_required_string(
		    object, "media_category", errors);
	}
	if (media_type != NULL && !g_strv_contains(media_types, media_type)) {
		g_autofree char *list = g_strjoinv(", ", (char **)media_types);

		tw_sandbox_add_message_error(
		    errors, "$.media_type: %s is not one of [%s]", media_type,
		    list);
	}
	if (category_name != NULL) {
		category = find_category(category_name);
		if (category == NULL)
			tw_sandbox_add_message_error(
			    errors,
			    "$.media_category: %s is not one of [" CATEGORY_LIST
			    "]",
			    category_name);
	}
	if (category != NULL && has_total &&
	    total_bytes > kind_limit(sandbox, category->kind))
		tw_sandbox_add_message_error(
		    errors,
		    "$.total_bytes: %" G_GINT64_FORMAT
		    " bytes is above the %s limit of %u",
		    total_bytes, kind_names[category->kind],
		    kind_limit(sandbox, category->kind));
	if (errors->len > 0) {
		tw_sandbox_respond_invalid_request(sandbox, request->msg,
						   errors);
		return;
	}
	id = g_strdup_printf("%" G_GUINT64_FORMAT, tw_sandbox_snowflake_now());
	upload = g_new0(Upload, 1);
	upload->user_id = g_strdup(request->user_id);
	upload->category = g_strdup(category->name);
	upload->media_key = g_strconcat(key_prefixes[category->kind], id, NULL);
	upload->media_type = g_strdup(media_type);
	upload->size = (gsize)total_bytes;
	upload->expires_at = g_get_real_time() +
			     (gint64)UPLOAD_LIFETIME_SECONDS * G_USEC_PER_SEC;
	upload->state = UPLOAD_INITIALIZED;
	upload->segments = g_array_new(FALSE, FALSE, sizeof(gint64));
	g_hash_table_insert(sandbox->uploads, id, upload);
	sandbox->counters.upload_initializes++;
	respond_initialized(request, id, upload);
}

/* ------------------------------------------------------------------------ */
/* Append                                                                    */

/* Records segment @index of @size bytes, replacing a previous one: a
 * client whose answer was lost sends it again. */
static void
store_segment(Upload *upload, guint index, const guint8 *data, gsize size)
{
	guint old_length = upload->segments->len;
	gint64 *slot;

	if (index >= old_length) {
		g_array_set_size(upload->segments, index + 1);
		for (guint i = old_length; i <= index; i++)
			g_array_index(upload->segments, gint64, i) = -1;
	}
	slot = &g_array_index(upload->segments, gint64, index);
	if (*slot >= 0)
		upload->received -= (gsize)*slot;
	*slot = (gint64)size;
	upload->received += size;
	if (index == 0) {
		upload->head_length = MIN(size, sizeof upload->head);
		memcpy(upload->head, data, upload->head_length);
	}
}

/* What the upload would hold with segment @index replaced by @size
 * bytes. */
static gsize
received_with(const Upload *upload, guint index, gsize size)
{
	gsize received = upload->received + size;

	if (index < upload->segments->len &&
	    g_array_index(upload->segments, gint64, index) >= 0)
		received -=
		    (gsize)g_array_index(upload->segments, gint64, index);
	return received;
}

static void
respond_appended(Request *request, const Upload *upload)
{
	g_autoptr(JsonBuilder) builder = json_builder_new();

	/* The real body is unconfirmed; the plugin ignores it. */
	json_builder_begin_object(builder);
	json_builder_set_member_name(builder, "data");
	json_builder_begin_object(builder);
	tw_sandbox_add_int_member(builder, "expires_at",
				  upload->expires_at / G_USEC_PER_SEC);
	json_builder_end_object(builder);
	json_builder_end_object(builder);
	tw_sandbox_respond_builder(request->msg, SOUP_STATUS_OK,
				   JSON_CONTENT_TYPE, builder);
}

void
tw_sandbox_handle_media_append(Request *request, char **captured)
{
	TwSandbox *sandbox = request->sandbox;
	const char *id = captured[0];
	g_autoptr(GPtrArray) errors = tw_sandbox_request_errors_new();
	g_autoptr(JsonParser) parser = json_parser_new();
	g_autofree guint8 *data = NULL;
	gsize size = 0;
	JsonObject *object;
	const char *media = NULL;
	gint64 index = -1;
	Upload *upload;

	if (!tw_sandbox_check_upload_scope_locked(request))
		return;
	upload = find_upload_locked(request, "id", id, errors);
	if (upload != NULL && upload->state != UPLOAD_INITIALIZED)
		tw_sandbox_add_parameter_error(
		    errors, "id", id, "media %s is already finalized", id);
	object = tw_sandbox_parse_body_object(request, parser, errors);
	if (object != NULL) {
		media = tw_sandbox_required_string(object, "media", errors);
		if (!get_integer(object, "segment_index", &index) ||
		    index < 0 || index > SEGMENT_INDEX_MAX)
			tw_sandbox_add_message_error(
			    errors,
			    "$.segment_index: is missing or not an integer "
			    "from 0 to %d",
			    SEGMENT_INDEX_MAX);
	}
	if (media != NULL && *media == '\0') {
		tw_sandbox_add_message_error(
		    errors, "$.media: must be at least 1 characters long");
	} else if (media != NULL && !is_base64(media)) {
		tw_sandbox_add_message_error(errors,
					     "$.media: is not valid base64");
	} else if (media != NULL) {
		data = g_base64_decode(media, &size);
		if (size > sandbox->config.segment_max_bytes)
			tw_sandbox_add_message_error(
			    errors,
			    "$.media: %" G_GSIZE_FORMAT
			    " bytes is above the segment limit of %u",
			    size, sandbox->config.segment_max_bytes);
	}
	if (errors->len == 0 &&
	    received_with(upload, (guint)index, size) > upload->size)
		tw_sandbox_add_message_error(
		    errors,
		    "$.media: the segments would add up to %" G_GSIZE_FORMAT
		    " bytes, above total_bytes %" G_GSIZE_FORMAT,
		    received_with(upload, (guint)index, size), upload->size);
	if (errors->len > 0) {
		tw_sandbox_respond_invalid_request(sandbox, request->msg,
						   errors);
		return;
	}
	store_segment(upload, (guint)index, data, size);
	sandbox->counters.upload_appends++;
	sandbox->counters.upload_bytes_appended += size;
	respond_appended(request, upload);
}

/* ------------------------------------------------------------------------ */
/* Finalize and STATUS                                                       */

/* Segments 0 to n-1 without a gap, adding up to total_bytes. */
static void
check_segments(const Upload *upload, const char *id, GPtrArray *errors)
{
	g_autoptr(GString) missing = g_string_new(NULL);
	guint count = 0;

	if (upload->segments->len == 0) {
		tw_sandbox_add_message_error(
		    errors, "media %s: no segment was appended", id);
		return;
	}
	for (guint i = 0; i < upload->segments->len; i++) {
		if (g_array_index(upload->segments, gint64, i) >= 0)
			continue;
		g_string_append_printf(missing, "%s%u", count > 0 ? ", " : "",
				       i);
		count++;
	}
	if (count > 0)
		tw_sandbox_add_message_error(
		    errors, "media %s: segment%s %s %s missing", id,
		    count > 1 ? "s" : "", missing->str,
		    count > 1 ? "are" : "is");
	else if (upload->received != upload->size)
		tw_sandbox_add_message_error(
		    errors,
		    "media %s: the segments add up to %" G_GSIZE_FORMAT
		    " bytes, not total_bytes %" G_GSIZE_FORMAT,
		    id, upload->received, upload->size);
}

void
tw_sandbox_handle_media_finalize(Request *request, char **captured)
{
	TwSandbox *sandbox = request->sandbox;
	const char *id = captured[0];
	g_autoptr(GPtrArray) errors = tw_sandbox_request_errors_new();
	Upload *upload;

	if (!tw_sandbox_check_upload_scope_locked(request))
		return;
	upload = find_upload_locked(request, "id", id, errors);
	if (upload != NULL && upload->state == UPLOAD_INITIALIZED)
		check_segments(upload, id, errors);
	if (errors->len > 0) {
		tw_sandbox_respond_invalid_request(sandbox, request->msg,
						   errors);
		return;
	}
	/* Again, it only says where processing is: a client whose answer
	 * was lost may finalize twice. */
	if (upload->state == UPLOAD_INITIALIZED) {
		start_processing(sandbox, upload);
		sandbox->counters.uploads++;
	}
	sandbox->counters.upload_finalizes++;
	respond_state(request, id, upload, TRUE);
}

void
tw_sandbox_handle_media_status(Request *request, char **captured)
{
	static const char *const allowed[] = {"command", "media_id", NULL};
	TwSandbox *sandbox = request->sandbox;
	g_autoptr(GPtrArray) errors = tw_sandbox_request_errors_new();
	const char *command = tw_sandbox_query_get(request->query, "command");
	const char *media_id = tw_sandbox_query_get(request->query, "media_id");
	Upload *upload = NULL;

	(void)captured;
	if (!tw_sandbox_check_upload_scope_locked(request))
		return;
	tw_sandbox_check_known_parameters(request->query, allowed, errors);
	if (command == NULL)
		tw_sandbox_add_parameter_error(
		    errors, "command", NULL,
		    "The `command` query parameter can not be empty");
	else if (!g_str_equal(command, "STATUS"))
		tw_sandbox_add_parameter_error(
		    errors, "command", command,
		    "The `command` query parameter value [%s] is not one of "
		    "[STATUS]",
		    command);
	if (media_id == NULL)
		tw_sandbox_add_parameter_error(
		    errors, "media_id", NULL,
		    "The `media_id` query parameter can not be empty");
	else
		upload =
		    find_upload_locked(request, "media_id", media_id, errors);
	if (upload != NULL && upload->state == UPLOAD_INITIALIZED)
		tw_sandbox_add_parameter_error(
		    errors, "media_id", media_id,
		    "media %s has not been finalized", media_id);
	if (errors->len > 0) {
		tw_sandbox_respond_invalid_request(sandbox, request->msg,
						   errors);
		return;
	}
	take_check(upload);
	sandbox->counters.upload_status_checks++;
	respond_state(request, media_id, upload, FALSE);
}
