/*
 * tw-sandbox-media: DM attachments as X describes them in includes.media:
 * a photo's ton URL, a video's or GIF's preview and mp4/HLS variants,
 * sizes, length and alt text, each only when media.fields asks for it.
 * The URLs are X's forms. A photo's file is served by the v2 download,
 * GET /2/dm_conversations/media/:dm_id/:media_id/:resource_id, to members
 * of its conversation with an OAuth 2.0 token (X's 2.167 spec: dm.read);
 * the other URLs are not served.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "config.h"

#include "tw-sandbox-private.h"

#include <string.h>

/* The resource name of a photo in its ton URL. */
#define PHOTO_RESOURCE "photo.jpg"

const char *const tw_sandbox_media_field_names[] = {
    "alt_text",
    "duration_ms",
    "height",
    "media_key",
    "non_public_metrics",
    "organic_metrics",
    "preview_image_url",
    "promoted_metrics",
    "public_metrics",
    "type",
    "url",
    "variants",
    "width",
    NULL,
};

/* X's media key prefixes by type. */
static const char *
key_prefix(const char *type)
{
	if (g_strcmp0(type, "photo") == 0)
		return "3_";
	if (g_strcmp0(type, "video") == 0)
		return "7_";
	if (g_strcmp0(type, "animated_gif") == 0)
		return "16_";
	return NULL;
}

Media *
tw_sandbox_media_new(const TwSandboxMedia *spec, guint64 dm_number)
{
	const char *prefix = key_prefix(spec->type);
	Media *media;

	if (prefix == NULL)
		return NULL;
	media = g_new0(Media, 1);
	media->type = g_strdup(spec->type);
	media->dm_id = g_strdup_printf("%" G_GUINT64_FORMAT, dm_number);
	media->media_id = g_strdup_printf("%" G_GUINT64_FORMAT, dm_number + 1);
	media->key = g_strconcat(prefix, media->media_id, NULL);
	media->width = spec->width;
	media->height = spec->height;
	media->duration_ms = spec->duration_ms;
	media->alt_text = g_strdup(spec->alt_text);
	media->bytes = spec->bytes;
	return media;
}

void
tw_sandbox_media_free(Media *media)
{
	if (media == NULL)
		return;
	g_free(media->key);
	g_free(media->type);
	g_free(media->dm_id);
	g_free(media->media_id);
	g_free(media->alt_text);
	g_free(media);
}

char *
tw_sandbox_media_dup_text_link(guint64 dm_number)
{
	return g_strdup_printf(
	    "https://twitter.com/messages/media/%" G_GUINT64_FORMAT, dm_number);
}

static gboolean
wants(guint fields, const char *name)
{
	return (fields & FIELD(tw_sandbox_media_field_names, name)) != 0;
}

static void
add_variant(JsonBuilder *builder, gint64 bit_rate, const char *content_type,
	    const char *url)
{
	json_builder_begin_object(builder);
	if (bit_rate >= 0) {
		json_builder_set_member_name(builder, "bit_rate");
		json_builder_add_int_value(builder, bit_rate);
	}
	tw_sandbox_add_string_member(builder, "content_type", content_type);
	tw_sandbox_add_string_member(builder, "url", url);
	json_builder_end_object(builder);
}

static void
add_variants(JsonBuilder *builder, const Media *media)
{
	gboolean gif = g_str_equal(media->type, "animated_gif");
	const char *kind = gif ? "dm_gif" : "dm_video";
	g_autofree char *low =
	    g_strdup_printf("https://video.twimg.com/%s/%s/vid/480x270/low.mp4",
			    kind, media->media_id);
	g_autofree char *high = g_strdup_printf(
	    "https://video.twimg.com/%s/%s/vid/1280x720/high.mp4", kind,
	    media->media_id);
	g_autofree char *playlist =
	    g_strdup_printf("https://video.twimg.com/%s/%s/pl/playlist.m3u8",
			    kind, media->media_id);

	json_builder_set_member_name(builder, "variants");
	json_builder_begin_array(builder);
	if (gif) {
		add_variant(builder, 0, "video/mp4", low);
	} else {
		/* Not in bit-rate order, and the playlist first, as X. */
		add_variant(builder, -1, "application/x-mpegURL", playlist);
		add_variant(builder, 2176000, "video/mp4", high);
		add_variant(builder, 632000, "video/mp4", low);
	}
	json_builder_end_array(builder);
}

void
tw_sandbox_add_media_object(JsonBuilder *builder, const Media *media,
			    guint fields)
{
	gboolean photo = g_str_equal(media->type, "photo");

	json_builder_begin_object(builder);
	tw_sandbox_add_string_member(builder, "media_key", media->key);
	tw_sandbox_add_string_member(builder, "type", media->type);
	if (photo && wants(fields, "url")) {
		g_autofree char *url = g_strdup_printf(
		    "https://ton.twitter.com/1.1/ton/data/dm/%s/%s/" PHOTO_RESOURCE,
		    media->dm_id, media->media_id);

		tw_sandbox_add_string_member(builder, "url", url);
	}
	if (!photo && wants(fields, "preview_image_url")) {
		g_autofree char *url = g_strdup_printf(
		    "https://pbs.twimg.com/dm_video_preview/%s/img/preview.jpg",
		    media->media_id);

		tw_sandbox_add_string_member(builder, "preview_image_url", url);
	}
	if (!photo && wants(fields, "variants"))
		add_variants(builder, media);
	if (wants(fields, "width")) {
		json_builder_set_member_name(builder, "width");
		json_builder_add_int_value(builder, media->width);
	}
	if (wants(fields, "height")) {
		json_builder_set_member_name(builder, "height");
		json_builder_add_int_value(builder, media->height);
	}
	if (g_str_equal(media->type, "video") && wants(fields, "duration_ms")) {
		json_builder_set_member_name(builder, "duration_ms");
		json_builder_add_int_value(builder, media->duration_ms);
	}
	if (media->alt_text != NULL && wants(fields, "alt_text"))
		tw_sandbox_add_string_member(builder, "alt_text",
					     media->alt_text);
	json_builder_end_object(builder);
}

void
tw_sandbox_handle_media_download(Request *request, char **captured)
{
	TwSandbox *sandbox = request->sandbox;
	SoupMessageHeaders *headers =
	    soup_server_message_get_request_headers(request->msg);
	const char *authorization =
	    soup_message_headers_get_one(headers, "Authorization");
	Event *event = g_hash_table_lookup(sandbox->events_by_id, captured[0]);
	const Conversation *conversation =
	    event != NULL ? tw_sandbox_find_conversation_locked(
				sandbox, event->conversation_id)
			  : NULL;
	g_autoptr(GBytes) png = NULL;

	/* OAuth 1.0a is not accepted here (2.167: OAuth 2.0 only). */
	if (authorization != NULL &&
	    g_ascii_strncasecmp(authorization, "OAuth ", 6) == 0) {
		tw_sandbox_respond_generic_problem(request->msg,
						   SOUP_STATUS_FORBIDDEN, NULL);
		return;
	}
	if (event == NULL || event->media == NULL || conversation == NULL ||
	    !tw_sandbox_conversation_has_member(conversation,
						request->user_id) ||
	    !g_str_equal(event->media->type, "photo") ||
	    !g_str_equal(event->media->media_id, captured[1]) ||
	    !g_str_equal(captured[2], PHOTO_RESOURCE)) {
		tw_sandbox_respond_generic_problem(request->msg,
						   SOUP_STATUS_NOT_FOUND, NULL);
		return;
	}
	png = tw_sandbox_make_png(event->media->key, event->media->bytes);
	soup_server_message_set_status(request->msg, SOUP_STATUS_OK, NULL);
	soup_server_message_set_response(
	    request->msg, "image/png", SOUP_MEMORY_COPY,
	    g_bytes_get_data(png, NULL), g_bytes_get_size(png));
}
