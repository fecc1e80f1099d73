/*
 * tw-media: what a DM's photos, GIFs and videos look like in a chat line.
 * Every client shows text, so each attachment becomes a line that names
 * its kind and carries its link ("[photo 1200x900] https://..."), and the
 * t.co link X appends to stand for the media is not shown twice.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#pragma once

#include <glib.h>

#include "tw-model.h"

G_BEGIN_DECLS

/** The #GError domain of attachments refused before sending. */
#define TW_MEDIA_ERROR (tw_media_error_quark())
GQuark tw_media_error_quark(void);

/**
 * TwMediaError:
 * @TW_MEDIA_ERROR_UNSUPPORTED: a kind of file this plugin cannot send
 * @TW_MEDIA_ERROR_TOO_LARGE: above X's limit for its kind
 * @TW_MEDIA_ERROR_EMPTY: an empty file
 * @TW_MEDIA_ERROR_GONE: the file or image is no longer there to read
 * @TW_MEDIA_ERROR_PROCESSING_FAILED: X took the upload but could not
 *   process it (or did not finish in time)
 */
typedef enum {
	TW_MEDIA_ERROR_UNSUPPORTED,
	TW_MEDIA_ERROR_TOO_LARGE,
	TW_MEDIA_ERROR_EMPTY,
	TW_MEDIA_ERROR_GONE,
	TW_MEDIA_ERROR_PROCESSING_FAILED,
} TwMediaError;

/** X's limit for a photo in a DM (JPEG, PNG, WebP), in bytes. */
#define TW_MEDIA_PHOTO_MAX_BYTES (5 * 1024 * 1024)
/** X's limit for a GIF in a DM, in bytes. */
#define TW_MEDIA_GIF_MAX_BYTES (15 * 1024 * 1024)
/** X's limit for a video (MP4, MOV), in bytes: the one X documents for
 * media; whether DMs take less is unconfirmed, and X's refusal is then
 * told with X's own reason. */
#define TW_MEDIA_VIDEO_MAX_BYTES (512 * 1024 * 1024)
/** How many first bytes of a file tw_media_classify_upload() looks at. */
#define TW_MEDIA_HEAD_BYTES 12

/**
 * TwUploadKind:
 * @media_category: X's media_category: "dm_image", "dm_gif" or "dm_video"
 * @media_type: the MIME type, e.g. "video/mp4"
 * @extension: the file name extension of the kind, e.g. ".mp4"
 * @chunked: whether it goes through the chunked upload (GIFs and videos,
 *   which X processes before a DM may carry them)
 *
 * What a file to send is; the strings are static.
 */
typedef struct {
	const char *media_category;
	const char *media_type;
	const char *extension;
	gboolean chunked;
} TwUploadKind;

/**
 * tw_media_dup_line:
 * @media: an attachment
 *
 * The line that stands for @media: its kind, its size or length when X
 * gave them, the best link (the photo, else the best mp4 variant, else
 * the preview image) and its alt text in parentheses.
 *
 * Returns: (transfer full): the line, e.g. "[photo 1200x900] https://..."
 */
char *tw_media_dup_line(const TwMedia *media);

/**
 * tw_media_attach:
 * @event: a MessageCreate; its text and URL entities are rewritten
 * @media_by_key: (element-type utf8 TwMedia): the page's includes.media
 *
 * Appends a line for each of @event's media keys to its text (a line
 * naming the attachment when includes.media lacks it), with a link entity
 * for each link, and drops the trailing t.co link that stands for the
 * media. A DM that is only a photo thus shows the photo's line, never an
 * empty message.
 */
void tw_media_attach(TwDmEvent *event, GHashTable *media_by_key);

/**
 * tw_media_attach_page:
 * @page: a page of events
 *
 * tw_media_attach() for each event of @page, with its includes.media.
 */
void tw_media_attach_page(TwDmPage *page);

/**
 * tw_media_get_image_url:
 * @media: an attachment
 *
 * Returns: (nullable): the still image a UI can show inline: the photo, or
 * the preview of a video or GIF
 */
const char *tw_media_get_image_url(const TwMedia *media);

/**
 * tw_media_parse_ton_url:
 * @url: a media URL from includes.media
 * @dm_id: (out) (transfer full): the DM event id
 * @media_id: (out) (transfer full): the media id
 * @resource_id: (out) (transfer full): the file name, with its extension
 *
 * Reads X's private DM media URL,
 * `https://ton.twitter.com/1.1/ton/data/dm/<dm_id>/<media_id>/<resource>`
 * (also on ton.x.com and under /i/), whose three parts name the file for
 * `GET /2/dm_conversations/media/:dm_id/:media_id/:resource_id`.
 *
 * Returns: %TRUE when @url has that form; the out values are set only then
 */
gboolean tw_media_parse_ton_url(const char *url, char **dm_id, char **media_id,
				char **resource_id);

/**
 * tw_media_dup_cache_name:
 * @media: an attachment
 * @resource_id: its file name on X, whose extension is kept
 *
 * Returns: (transfer full) (nullable): a file name safe in a directory,
 * from the media key, e.g. "3_1583157113245011970.jpg"; %NULL when the
 * key is not X's digits_digits form
 */
char *tw_media_dup_cache_name(const TwMedia *media, const char *resource_id);

/**
 * tw_media_classify_upload:
 * @head: the file's first bytes
 * @head_size: how many: up to #TW_MEDIA_HEAD_BYTES are looked at
 * @size: the file's whole size
 * @kind: (out): what it is, set only when it may be sent
 * @error: (out) (optional): a #TW_MEDIA_ERROR that says, in words, why X
 *   would not take it
 *
 * Recognises the file by its first bytes, not its name: JPEG, PNG and WebP
 * photos up to #TW_MEDIA_PHOTO_MAX_BYTES, GIFs up to
 * #TW_MEDIA_GIF_MAX_BYTES, MP4 and QuickTime videos up to
 * #TW_MEDIA_VIDEO_MAX_BYTES.
 *
 * Returns: whether the file may be sent
 */
gboolean tw_media_classify_upload(const guint8 *head, gsize head_size,
				  guint64 size, TwUploadKind *kind,
				  GError **error);

G_END_DECLS
