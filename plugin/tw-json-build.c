/*
 * tw-json-build: the JSON bodies the plugin sends (see tw-json.h): a DM's
 * text, a DM with an attachment, and a one-shot media upload.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "config.h"

#include "tw-json.h"

#include <json-glib/json-glib.h>

static char *
tw_json_dup_built(JsonBuilder *builder)
{
	g_autoptr(JsonNode) root = json_builder_get_root(builder);
	g_autoptr(JsonGenerator) generator = json_generator_new();

	json_generator_set_root(generator, root);
	return json_generator_to_data(generator, NULL);
}

char *
tw_json_build_message_body(const char *text)
{
	g_return_val_if_fail(text != NULL, NULL);

	/* JSON must be UTF-8; a stray byte would make X refuse the body. */
	g_autofree char *valid_text = g_utf8_make_valid(text, -1);
	g_autoptr(JsonBuilder) builder = json_builder_new_immutable();

	json_builder_begin_object(builder);
	json_builder_set_member_name(builder, "text");
	json_builder_add_string_value(builder, valid_text);
	json_builder_end_object(builder);
	return tw_json_dup_built(builder);
}

char *
tw_json_build_media_message_body(const char *text, const char *media_id)
{
	g_autofree char *valid_text = g_utf8_make_valid(text, -1);
	g_autoptr(JsonBuilder) builder = json_builder_new_immutable();

	json_builder_begin_object(builder);
	if (valid_text[0] != '\0') {
		json_builder_set_member_name(builder, "text");
		json_builder_add_string_value(builder, valid_text);
	}
	json_builder_set_member_name(builder, "attachments");
	json_builder_begin_array(builder);
	json_builder_begin_object(builder);
	json_builder_set_member_name(builder, "media_id");
	json_builder_add_string_value(builder, media_id);
	json_builder_end_object(builder);
	json_builder_end_array(builder);
	json_builder_end_object(builder);
	return tw_json_dup_built(builder);
}

char *
tw_json_build_upload_body(GBytes *data, const char *media_category)
{
	gsize size = 0;
	const guchar *bytes = g_bytes_get_data(data, &size);
	g_autofree char *encoded = g_base64_encode(bytes, size);
	g_autoptr(JsonBuilder) builder = json_builder_new_immutable();

	json_builder_begin_object(builder);
	json_builder_set_member_name(builder, "media");
	json_builder_add_string_value(builder, encoded);
	json_builder_set_member_name(builder, "media_category");
	json_builder_add_string_value(builder, media_category);
	json_builder_end_object(builder);
	return tw_json_dup_built(builder);
}

char *
tw_json_build_upload_initialize_body(guint64 total_bytes,
				     const char *media_type,
				     const char *media_category)
{
	g_autoptr(JsonBuilder) builder = json_builder_new_immutable();

	json_builder_begin_object(builder);
	json_builder_set_member_name(builder, "media_type");
	json_builder_add_string_value(builder, media_type);
	json_builder_set_member_name(builder, "total_bytes");
	json_builder_add_int_value(builder, (gint64)total_bytes);
	json_builder_set_member_name(builder, "media_category");
	json_builder_add_string_value(builder, media_category);
	json_builder_end_object(builder);
	return tw_json_dup_built(builder);
}

char *
tw_json_build_upload_append_body(GBytes *segment, guint segment_index)
{
	gsize size = 0;
	const guchar *bytes = g_bytes_get_data(segment, &size);
	g_autofree char *encoded = g_base64_encode(bytes, size);
	g_autoptr(JsonBuilder) builder = json_builder_new_immutable();

	json_builder_begin_object(builder);
	json_builder_set_member_name(builder, "media");
	json_builder_add_string_value(builder, encoded);
	json_builder_set_member_name(builder, "segment_index");
	json_builder_add_int_value(builder, segment_index);
	json_builder_end_object(builder);
	return tw_json_dup_built(builder);
}
