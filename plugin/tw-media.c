/*
 * tw-media: media as chat lines (see tw-media.h).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "config.h"

#include "tw-media.h"

#include <glib/gi18n-lib.h>
#include <string.h>

G_DEFINE_QUARK(tw - media - error - quark, tw_media_error)

static const char *
kind_name(TwMediaType type)
{
	switch (type) {
	case TW_MEDIA_PHOTO:
		return C_("media kind", "photo");
	case TW_MEDIA_VIDEO:
		return C_("media kind", "video");
	case TW_MEDIA_ANIMATED_GIF:
		return "GIF";
	case TW_MEDIA_UNKNOWN:
		break;
	}
	return C_("media kind", "attachment");
}

static const char *
best_link(const TwMedia *media)
{
	if (media->type == TW_MEDIA_PHOTO && media->url != NULL)
		return media->url;
	if (media->video_url != NULL)
		return media->video_url;
	if (media->url != NULL)
		return media->url;
	return media->preview_image_url;
}

char *
tw_media_dup_line(const TwMedia *media)
{
	GString *line = g_string_new("[");
	const char *link = best_link(media);

	g_string_append(line, kind_name(media->type));
	if (media->type == TW_MEDIA_VIDEO && media->duration_ms > 0) {
		gint64 seconds = (media->duration_ms + 500) / 1000;

		g_string_append_printf(line, " %" G_GINT64_FORMAT ":%02d",
				       seconds / 60, (int)(seconds % 60));
	} else if (media->width > 0 && media->height > 0) {
		g_string_append_printf(
		    line, " %" G_GINT64_FORMAT "x%" G_GINT64_FORMAT,
		    media->width, media->height);
	}
	g_string_append_c(line, ']');
	if (link != NULL)
		g_string_append_printf(line, " %s", link);
	if (media->alt_text != NULL)
		g_string_append_printf(line, " (%s)", media->alt_text);
	return g_string_free(line, FALSE);
}

/* X's link for a DM's media (v1.1 and, per the reference, possibly v2):
 * https://twitter.com/messages/media/<dm id>, or x.com's. */
static gboolean
is_media_link(const TwUrlEntity *entity)
{
	return entity->expanded_url != NULL &&
	       strstr(entity->expanded_url, "/messages/media/") != NULL;
}

/* Drops the link at the very end of the text when it stands for the
 * media, with the white space before it; by its text, since X's indices
 * may be missing. */
static void
drop_trailing_media_link(TwDmEvent *event)
{
	for (guint i = 0; i < event->urls->len; i++) {
		TwUrlEntity *entity = event->urls->pdata[i];
		gsize text_length;
		gsize url_length;

		if (!is_media_link(entity))
			continue;
		g_strchomp(event->text);
		text_length = strlen(event->text);
		url_length = strlen(entity->url);
		/* Only a link that ends the text: more after it is the
		 * sender's own words. */
		if (text_length < url_length ||
		    strcmp(event->text + text_length - url_length,
			   entity->url) != 0)
			continue;
		event->text[text_length - url_length] = '\0';
		g_strchomp(event->text);
		g_ptr_array_remove_index(event->urls, i);
		return;
	}
}

static void
append_line(TwDmEvent *event, GString *text, const char *line, const char *link)
{
	const char *at;

	if (text->len > 0)
		g_string_append_c(text, '\n');
	at = link != NULL ? strstr(line, link) : NULL;
	if (at != NULL) {
		TwUrlEntity *entity = g_new0(TwUrlEntity, 1);

		entity->start = g_utf8_strlen(text->str, -1) +
				g_utf8_strlen(line, at - line);
		entity->end = entity->start + g_utf8_strlen(link, -1);
		entity->url = g_strdup(link);
		entity->expanded_url = g_strdup(link);
		entity->display_url = g_strdup(link);
		g_ptr_array_add(event->urls, entity);
	}
	g_string_append(text, line);
}

void
tw_media_attach(TwDmEvent *event, GHashTable *media_by_key)
{
	GString *text;

	if (event->type != TW_DM_EVENT_MESSAGE_CREATE ||
	    event->media_keys->len == 0)
		return;
	if (event->text == NULL)
		event->text = g_strdup("");
	drop_trailing_media_link(event);
	text = g_string_new(event->text);
	for (guint i = 0; i < event->media_keys->len; i++) {
		const char *key = event->media_keys->pdata[i];
		const TwMedia *media =
		    media_by_key != NULL
			? g_hash_table_lookup(media_by_key, key)
			: NULL;
		g_autofree char *line = NULL;

		if (media != NULL) {
			g_ptr_array_add(event->media, tw_media_copy(media));
			line = tw_media_dup_line(media);
			append_line(event, text, line, best_link(media));
		} else {
			/* Not described: it was there all the same. */
			const TwMedia unknown = {.type = TW_MEDIA_UNKNOWN};

			line = tw_media_dup_line(&unknown);
			append_line(event, text, line, NULL);
		}
	}
	g_free(event->text);
	event->text = g_string_free(text, FALSE);
}

void
tw_media_attach_page(TwDmPage *page)
{
	for (guint i = 0; i < page->events->len; i++)
		tw_media_attach(page->events->pdata[i], page->media);
}

const char *
tw_media_get_image_url(const TwMedia *media)
{
	if (media->type == TW_MEDIA_PHOTO)
		return media->url;
	if (media->type == TW_MEDIA_VIDEO ||
	    media->type == TW_MEDIA_ANIMATED_GIF)
		return media->preview_image_url;
	return NULL;
}

static gboolean
is_resource_name(const char *name)
{
	if (name[0] == '\0' || name[0] == '.' || strlen(name) > 64)
		return FALSE;
	for (const char *p = name; *p != '\0'; p++) {
		if (!g_ascii_isalnum(*p) && strchr("._-", *p) == NULL)
			return FALSE;
	}
	return TRUE;
}

gboolean
tw_media_parse_ton_url(const char *url, char **dm_id, char **media_id,
		       char **resource_id)
{
	g_autoptr(GUri) uri = NULL;
	g_auto(GStrv) parts = NULL;
	const char *host;
	guint first;

	if (url == NULL)
		return FALSE;
	uri = g_uri_parse(url, G_URI_FLAGS_NONE, NULL);
	if (uri == NULL || g_strcmp0(g_uri_get_scheme(uri), "https") != 0)
		return FALSE;
	host = g_uri_get_host(uri);
	if (host == NULL || (g_ascii_strcasecmp(host, "ton.twitter.com") != 0 &&
			     g_ascii_strcasecmp(host, "ton.x.com") != 0))
		return FALSE;
	/* "", "1.1" or "i", "ton", "data", "dm", dm id, media id, file. */
	parts = g_strsplit(g_uri_get_path(uri), "/", -1);
	if (g_strv_length(parts) != 8 || parts[0][0] != '\0')
		return FALSE;
	first = g_str_equal(parts[1], "1.1") || g_str_equal(parts[1], "i");
	if (!first || !g_str_equal(parts[2], "ton") ||
	    !g_str_equal(parts[3], "data") || !g_str_equal(parts[4], "dm") ||
	    !tw_id_is_valid(parts[5]) || !tw_id_is_valid(parts[6]) ||
	    !is_resource_name(parts[7]))
		return FALSE;
	*dm_id = g_strdup(parts[5]);
	*media_id = g_strdup(parts[6]);
	*resource_id = g_strdup(parts[7]);
	return TRUE;
}

char *
tw_media_dup_cache_name(const TwMedia *media, const char *resource_id)
{
	const char *key = media->media_key;
	const char *underscore = key != NULL ? strchr(key, '_') : NULL;
	g_autofree char *prefix = NULL;
	const char *dot = strrchr(resource_id, '.');

	if (underscore == NULL)
		return NULL;
	prefix = g_strndup(key, underscore - key);
	if (!tw_id_is_valid(prefix) || !tw_id_is_valid(underscore + 1))
		return NULL;
	if (dot == NULL || !is_resource_name(dot + 1))
		return g_strdup(key);
	return g_strconcat(key, dot, NULL);
}

static gboolean
starts_with(const guint8 *bytes, gsize size, gsize at, const char *magic,
	    gsize magic_size)
{
	return size >= at + magic_size &&
	       memcmp(bytes + at, magic, magic_size) == 0;
}

static const TwUploadKind upload_kinds[] = {
    {"dm_image", "image/png", ".png", FALSE},
    {"dm_image", "image/jpeg", ".jpg", FALSE},
    {"dm_image", "image/webp", ".webp", FALSE},
    {"dm_gif", "image/gif", ".gif", TRUE},
    {"dm_video", "video/mp4", ".mp4", TRUE},
    {"dm_video", "video/quicktime", ".mov", TRUE},
};

/* The entry of upload_kinds[] @head starts like, or NULL. */
static const TwUploadKind *
upload_kind_of(const guint8 *head, gsize size)
{
	if (starts_with(head, size, 0, "\x89PNG\r\n\x1a\n", 8))
		return &upload_kinds[0];
	if (starts_with(head, size, 0, "\xff\xd8\xff", 3))
		return &upload_kinds[1];
	if (starts_with(head, size, 0, "RIFF", 4) &&
	    starts_with(head, size, 8, "WEBP", 4))
		return &upload_kinds[2];
	if (starts_with(head, size, 0, "GIF87a", 6) ||
	    starts_with(head, size, 0, "GIF89a", 6))
		return &upload_kinds[3];
	/* ISO base media files open with a box "ftyp" and their brand. */
	if (starts_with(head, size, 4, "ftypqt  ", 8))
		return &upload_kinds[5];
	if (starts_with(head, size, 4, "ftyp", 4))
		return &upload_kinds[4];
	return NULL;
}

gboolean
tw_media_classify_upload(const guint8 *head, gsize head_size, guint64 size,
			 TwUploadKind *kind, GError **error)
{
	const TwUploadKind *found;
	const double megabytes = size / (1024.0 * 1024.0);

	if (size == 0) {
		g_set_error_literal(error, TW_MEDIA_ERROR, TW_MEDIA_ERROR_EMPTY,
				    _("The file is empty."));
		return FALSE;
	}
	found = upload_kind_of(head, MIN(head_size, size));
	if (found == NULL) {
		g_set_error_literal(
		    error, TW_MEDIA_ERROR, TW_MEDIA_ERROR_UNSUPPORTED,
		    _("Only JPEG, PNG and WebP photos, GIFs and MP4 or MOV "
		      "videos can be sent as DMs."));
		return FALSE;
	}
	if (g_str_equal(found->media_category, "dm_image") &&
	    size > TW_MEDIA_PHOTO_MAX_BYTES) {
		g_set_error(error, TW_MEDIA_ERROR, TW_MEDIA_ERROR_TOO_LARGE,
			    /* Translators: %.1f is the file's size in MB,
			     * %u X's limit in MB. */
			    _("The photo is %.1f MB; X takes photos of up to "
			      "%u MB in a DM."),
			    megabytes,
			    TW_MEDIA_PHOTO_MAX_BYTES / (1024 * 1024));
		return FALSE;
	}
	if (g_str_equal(found->media_category, "dm_gif") &&
	    size > TW_MEDIA_GIF_MAX_BYTES) {
		g_set_error(error, TW_MEDIA_ERROR, TW_MEDIA_ERROR_TOO_LARGE,
			    /* Translators: %.1f is the file's size in MB,
			     * %u X's limit in MB. */
			    _("The GIF is %.1f MB; X takes GIFs of up to %u MB "
			      "in a DM."),
			    megabytes, TW_MEDIA_GIF_MAX_BYTES / (1024 * 1024));
		return FALSE;
	}
	if (g_str_equal(found->media_category, "dm_video") &&
	    size > TW_MEDIA_VIDEO_MAX_BYTES) {
		g_set_error(error, TW_MEDIA_ERROR, TW_MEDIA_ERROR_TOO_LARGE,
			    /* Translators: %.1f is the file's size in MB,
			     * %u X's limit in MB. */
			    _("The video is %.1f MB; X takes videos of up to "
			      "%u MB."),
			    megabytes,
			    TW_MEDIA_VIDEO_MAX_BYTES / (1024 * 1024));
		return FALSE;
	}
	*kind = *found;
	return TRUE;
}
