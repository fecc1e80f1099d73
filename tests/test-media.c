/*
 * Unit tests of tw-media with tw-json: includes.media parsed (the best mp4
 * variant picked, odd entries skipped) and each attachment shown as a line
 * that names it, with a link entity, and X's trailing media link dropped.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <string.h>

#include <glib.h>

#include "tw-json.h"
#include "tw-media.h"
#include "tw-text.h"

/* A page of one MessageCreate with @text, @entities (JSON, may be "")
 * and media key @key, and @media (JSON) as includes.media. */
static TwDmPage *
parse_page(const char *text, const char *entities, const char *key,
	   const char *media)
{
	g_autofree char *body = g_strdup_printf(
	    "{\"data\":[{\"id\":\"101\",\"event_type\":\"MessageCreate\","
	    "\"text\":\"%s\",\"sender_id\":\"7\","
	    "\"dm_conversation_id\":\"1-7\"%s%s"
	    ",\"attachments\":{\"media_keys\":[\"%s\"]}}],"
	    "\"includes\":{\"media\":%s},\"meta\":{\"result_count\":1}}",
	    text, *entities != '\0' ? "," : "", entities, key, media);
	g_autoptr(GError) error = NULL;
	TwDmPage *page = tw_json_parse_dm_page(body, -1, &error);

	g_assert_no_error(error);
	g_assert_nonnull(page);
	tw_media_attach_page(page);
	return page;
}

static const TwDmEvent *
first_event(const TwDmPage *page)
{
	g_assert_cmpuint(page->events->len, ==, 1);
	return page->events->pdata[0];
}

#define TCO_ENTITY                                                             \
	"\"entities\":{\"urls\":[{\"start\":%u,\"end\":%u,"                    \
	"\"url\":\"https://t.co/abc\",\"expanded_url\":"                       \
	"\"https://twitter.com/messages/media/101\",\"display_url\":"          \
	"\"pic.twitter.com/abc\"}]}"

#define PHOTO                                                                  \
	"[{\"media_key\":\"3_102\",\"type\":\"photo\",\"url\":"                \
	"\"https://ton.twitter.com/1.1/ton/data/dm/101/102/p.jpg\","           \
	"\"width\":1200,\"height\":900,\"alt_text\":\"A cracked screen\"}]"
#define PHOTO_URL "https://ton.twitter.com/1.1/ton/data/dm/101/102/p.jpg"

/* A photo alone: its line, not the t.co link nor an empty message. */
static void
test_photo_only(void)
{
	g_autofree char *entities = g_strdup_printf(TCO_ENTITY, 0, 16);
	g_autoptr(TwDmPage) page =
	    parse_page("https://t.co/abc", entities, "3_102", PHOTO);
	const TwDmEvent *event = first_event(page);
	const TwMedia *media = g_hash_table_lookup(page->media, "3_102");
	const TwUrlEntity *link;
	g_autofree char *html = NULL;

	g_assert_nonnull(media);
	g_assert_cmpint(media->type, ==, TW_MEDIA_PHOTO);
	g_assert_cmpint(media->width, ==, 1200);
	g_assert_cmpstr(event->text, ==,
			"[photo 1200x900] " PHOTO_URL " (A cracked screen)");
	g_assert_cmpuint(event->urls->len, ==, 1);
	link = event->urls->pdata[0];
	g_assert_cmpint(link->start, ==, strlen("[photo 1200x900] "));
	g_assert_cmpint(link->end, ==,
			strlen("[photo 1200x900] ") + strlen(PHOTO_URL));
	html = tw_text_incoming_to_html(event->text, event->urls);
	g_assert_nonnull(strstr(html, "<a href=\"" PHOTO_URL "\">"));
	g_assert_null(strstr(html, "t.co"));
}

/* Words and a photo: the words, then the line; an earlier link stays. */
static void
test_text_and_photo(void)
{
	g_autofree char *entities = g_strdup_printf(
	    "\"entities\":{\"urls\":[{\"start\":6,\"end\":22,\"url\":"
	    "\"https://t.co/xyz\",\"expanded_url\":\"https://example.com/o\"},"
	    "{\"start\":23,\"end\":39,\"url\":\"https://t.co/abc\","
	    "\"expanded_url\":\"https://twitter.com/messages/media/101\"}]}");
	g_autoptr(TwDmPage) page =
	    parse_page("Order https://t.co/xyz https://t.co/abc", entities,
		       "3_102", PHOTO);
	const TwDmEvent *event = first_event(page);
	const TwUrlEntity *order;

	g_assert_cmpstr(event->text, ==,
			"Order https://t.co/xyz\n[photo 1200x900] " PHOTO_URL
			" (A cracked screen)");
	g_assert_cmpuint(event->urls->len, ==, 2);
	order = event->urls->pdata[0];
	g_assert_cmpstr(order->expanded_url, ==, "https://example.com/o");
}

/* No t.co link (v2 may not add one): the text is kept whole. */
static void
test_no_media_link(void)
{
	g_autoptr(TwDmPage) page =
	    parse_page("See the photo", "", "3_102", PHOTO);

	g_assert_cmpstr(first_event(page)->text, ==,
			"See the photo\n[photo 1200x900] " PHOTO_URL
			" (A cracked screen)");
}

/* A video: its length and the highest mp4 variant, not the playlist. */
static void
test_video_best_variant(void)
{
	g_autoptr(TwDmPage) page = parse_page(
	    "", "", "7_102",
	    "[{\"media_key\":\"7_102\",\"type\":\"video\","
	    "\"preview_image_url\":\"https://pbs.twimg.com/p.jpg\","
	    "\"duration_ms\":42400,\"width\":1280,\"height\":720,"
	    "\"variants\":[{\"content_type\":\"application/x-mpegURL\","
	    "\"url\":\"https://video.twimg.com/pl.m3u8\"},"
	    "{\"bit_rate\":632000,\"content_type\":\"video/mp4\","
	    "\"url\":\"https://video.twimg.com/low.mp4\"},"
	    "{\"bit_rate\":2176000,\"content_type\":\"video/mp4\","
	    "\"url\":\"https://video.twimg.com/high.mp4\"},"
	    "{\"bit_rate\":950000,\"content_type\":\"video/mp4\","
	    "\"url\":\"https://video.twimg.com/mid.mp4\"}]}]");

	g_assert_cmpstr(first_event(page)->text, ==,
			"[video 0:42] https://video.twimg.com/high.mp4");
}

/* A GIF, and a type X may add later. */
static void
test_gif_and_unknown(void)
{
	g_autoptr(TwDmPage) gif = parse_page(
	    "", "", "16_102",
	    "[{\"media_key\":\"16_102\",\"type\":\"animated_gif\","
	    "\"width\":320,\"height\":240,"
	    "\"variants\":[{\"bit_rate\":0,\"content_type\":\"video/mp4\","
	    "\"url\":\"https://video.twimg.com/g.mp4\"}]}]");
	g_autoptr(TwDmPage) other =
	    parse_page("", "", "9_102",
		       "[{\"media_key\":\"9_102\",\"type\":\"hologram\","
		       "\"url\":\"https://x.com/h\"}]");

	g_assert_cmpstr(first_event(gif)->text, ==,
			"[GIF 320x240] https://video.twimg.com/g.mp4");
	g_assert_cmpstr(first_event(other)->text, ==,
			"[attachment] https://x.com/h");
}

/* includes.media missing, or broken entries: the DM still says it had an
 * attachment, and the page still parses. */
static void
test_media_missing(void)
{
	g_autoptr(TwDmPage) page = parse_page(
	    "Here", "", "3_102",
	    "[7, null, {\"type\":\"photo\"}, {\"media_key\":\"\"},"
	    "{\"media_key\":\"3_999\",\"type\":\"photo\",\"width\":\"x\"}]");

	g_assert_cmpuint(g_hash_table_size(page->media), ==, 1);
	g_assert_cmpstr(first_event(page)->text, ==, "Here\n[attachment]");
}

/* The line by itself: sizes and alt text only when known. */
static void
test_line(void)
{
	TwMedia photo = {.type = TW_MEDIA_PHOTO, .url = "https://a/p.jpg"};
	TwMedia video = {.type = TW_MEDIA_VIDEO,
			 .duration_ms = 3725000,
			 .preview_image_url = "https://a/v.jpg"};
	g_autofree char *photo_line = tw_media_dup_line(&photo);
	g_autofree char *video_line = tw_media_dup_line(&video);

	g_assert_cmpstr(photo_line, ==, "[photo] https://a/p.jpg");
	/* No mp4 variant: the preview is the best link there is. */
	g_assert_cmpstr(video_line, ==, "[video 62:05] https://a/v.jpg");
}

typedef struct {
	const char *url;
	const char *dm_id; /* NULL: not X's private DM media URL */
	const char *media_id;
	const char *resource_id;
} TonCase;

static const TonCase ton_cases[] = {
    {"https://ton.twitter.com/1.1/ton/data/dm/1583157113245011970/"
     "1583157104411172864/Jyz5zu4u.jpg",
     "1583157113245011970", "1583157104411172864", "Jyz5zu4u.jpg"},
    {"https://ton.x.com/i/ton/data/dm/12/34/photo.png", "12", "34",
     "photo.png"},
    {"https://TON.TWITTER.COM/1.1/ton/data/dm/12/34/a.jpg?x=1", "12", "34",
     "a.jpg"},
    /* Plain http, another host, a path of another shape, ids that are not
     * ids, a file name that climbs out of a directory. */
    {"http://ton.twitter.com/1.1/ton/data/dm/12/34/a.jpg", NULL},
    {"https://pbs.twimg.com/1.1/ton/data/dm/12/34/a.jpg", NULL},
    {"https://ton.twitter.com.evil.example/1.1/ton/data/dm/12/34/a.jpg", NULL},
    {"https://ton.twitter.com/1.1/ton/data/dm/12/34", NULL},
    {"https://ton.twitter.com/1.1/ton/data/dm/12/34/a.jpg/more", NULL},
    {"https://ton.twitter.com/2/ton/data/dm/12/34/a.jpg", NULL},
    {"https://ton.twitter.com/1.1/ton/data/dm/1x/34/a.jpg", NULL},
    {"https://ton.twitter.com/1.1/ton/data/dm/12/34/..", NULL},
    {"https://ton.twitter.com/1.1/ton/data/dm/12/34/a%2Fb.jpg", NULL},
    {"", NULL},
    {NULL, NULL},
};

static void
test_ton_url(void)
{
	for (gsize i = 0; i < G_N_ELEMENTS(ton_cases); i++) {
		const TonCase *c = &ton_cases[i];
		g_autofree char *dm_id = NULL;
		g_autofree char *media_id = NULL;
		g_autofree char *resource_id = NULL;
		gboolean parsed = tw_media_parse_ton_url(
		    c->url, &dm_id, &media_id, &resource_id);

		g_test_message("%s", c->url != NULL ? c->url : "(null)");
		g_assert_cmpint(parsed, ==, c->dm_id != NULL);
		g_assert_cmpstr(dm_id, ==, c->dm_id);
		g_assert_cmpstr(media_id, ==, c->media_id);
		g_assert_cmpstr(resource_id, ==, c->resource_id);
	}
}

static void
test_cache_name(void)
{
	TwMedia media = {.media_key = "3_1583157104411172864",
			 .type = TW_MEDIA_PHOTO};
	g_autofree char *jpeg = tw_media_dup_cache_name(&media, "Jyz.jpg");
	g_autofree char *bare = tw_media_dup_cache_name(&media, "noext");
	g_autofree char *odd = NULL;

	g_assert_cmpstr(jpeg, ==, "3_1583157104411172864.jpg");
	g_assert_cmpstr(bare, ==, "3_1583157104411172864");
	/* Keys that are not X's digits_digits never name a file. */
	media.media_key = "../3_1";
	odd = tw_media_dup_cache_name(&media, "a.jpg");
	g_assert_null(odd);
	media.media_key = "31";
	g_assert_null(tw_media_dup_cache_name(&media, "a.jpg"));
	media.media_key = NULL;
	g_assert_null(tw_media_dup_cache_name(&media, "a.jpg"));
}

/* X's type names, both ways, as the parser and the runner use them. */
static void
test_type_names(void)
{
	const TwMediaType types[] = {TW_MEDIA_PHOTO, TW_MEDIA_VIDEO,
				     TW_MEDIA_ANIMATED_GIF};

	for (gsize i = 0; i < G_N_ELEMENTS(types); i++)
		g_assert_cmpint(
		    tw_media_type_from_name(tw_media_type_get_name(types[i])),
		    ==, types[i]);
	g_assert_cmpstr(tw_media_type_get_name(TW_MEDIA_ANIMATED_GIF), ==,
			"animated_gif");
	g_assert_cmpint(tw_media_type_from_name("unknown"), ==,
			TW_MEDIA_UNKNOWN);
	g_assert_cmpint(tw_media_type_from_name("sticker"), ==,
			TW_MEDIA_UNKNOWN);
	g_assert_cmpint(tw_media_type_from_name(NULL), ==, TW_MEDIA_UNKNOWN);
}

/* The image a UI shows: the photo, or a video's or GIF's still. */
static void
test_image_url(void)
{
	TwMedia photo = {.type = TW_MEDIA_PHOTO,
			 .url = "https://p",
			 .preview_image_url = "https://still"};
	TwMedia video = {.type = TW_MEDIA_VIDEO,
			 .url = "https://v",
			 .preview_image_url = "https://still"};
	TwMedia unknown = {.type = TW_MEDIA_UNKNOWN, .url = "https://u"};

	g_assert_cmpstr(tw_media_get_image_url(&photo), ==, "https://p");
	g_assert_cmpstr(tw_media_get_image_url(&video), ==, "https://still");
	g_assert_null(tw_media_get_image_url(&unknown));
}

/* tw_media_attach() keeps what X said of each attachment on the event,
 * and copies of the event keep it too. */
static void
test_event_keeps_media(void)
{
	g_autoptr(TwDmPage) page =
	    parse_page("", "", "3_5",
		       "[{\"media_key\":\"3_5\",\"type\":\"photo\","
		       "\"url\":\"https://ton.twitter.com/1.1/ton/data/dm/"
		       "101/5/a.jpg\",\"width\":4,\"height\":3,"
		       "\"alt_text\":\"alt\"}]");
	const TwDmEvent *event = first_event(page);
	g_autoptr(TwDmEvent) copy = tw_dm_event_copy(event);
	const TwMedia *media;

	g_assert_cmpuint(event->media->len, ==, 1);
	g_assert_cmpuint(copy->media->len, ==, 1);
	media = copy->media->pdata[0];
	g_assert_true(media != event->media->pdata[0]);
	g_assert_cmpstr(media->media_key, ==, "3_5");
	g_assert_cmpint(media->type, ==, TW_MEDIA_PHOTO);
	g_assert_cmpint(media->width, ==, 4);
	g_assert_cmpstr(media->alt_text, ==, "alt");
	g_assert_nonnull(strstr(media->url, "/101/5/a.jpg"));
}

/* Refused with @code and @words, for a file of @size whose first bytes
 * are @head. */
static void
assert_refused(const char *head, gsize head_size, guint64 size,
	       TwMediaError code, const char *words)
{
	g_autoptr(GError) error = NULL;
	TwUploadKind kind = {0};

	g_assert_false(tw_media_classify_upload((const guint8 *)head, head_size,
						size, &kind, &error));
	g_assert_error(error, TW_MEDIA_ERROR, (gint)code);
	g_assert_nonnull(strstr(error->message, words));
	g_assert_null(kind.media_category);
}

/* Files are told by their first bytes, whatever they are called; photos
 * go in one upload, GIFs and videos in chunks, each up to X's limit. */
static void
test_classify_upload(void)
{
	static const struct {
		const char *magic;
		gsize length;
		const char *category;
		const char *type;
		const char *extension;
		gboolean chunked;
		guint64 limit;
	} kinds[] = {
	    {"\x89PNG\r\n\x1a\n", 8, "dm_image", "image/png", ".png", FALSE,
	     TW_MEDIA_PHOTO_MAX_BYTES},
	    {"\xff\xd8\xff\xe0", 4, "dm_image", "image/jpeg", ".jpg", FALSE,
	     TW_MEDIA_PHOTO_MAX_BYTES},
	    {"RIFF\0\0\0\0WEBP", 12, "dm_image", "image/webp", ".webp", FALSE,
	     TW_MEDIA_PHOTO_MAX_BYTES},
	    {"GIF89a", 6, "dm_gif", "image/gif", ".gif", TRUE,
	     TW_MEDIA_GIF_MAX_BYTES},
	    {"GIF87a", 6, "dm_gif", "image/gif", ".gif", TRUE,
	     TW_MEDIA_GIF_MAX_BYTES},
	    {"\0\0\0\x18"
	     "ftypmp42",
	     12, "dm_video", "video/mp4", ".mp4", TRUE,
	     TW_MEDIA_VIDEO_MAX_BYTES},
	    {"\0\0\0\x14"
	     "ftypqt  ",
	     12, "dm_video", "video/quicktime", ".mov", TRUE,
	     TW_MEDIA_VIDEO_MAX_BYTES},
	};

	for (gsize i = 0; i < G_N_ELEMENTS(kinds); i++) {
		guint8 head[TW_MEDIA_HEAD_BYTES] = {0};
		TwUploadKind kind = {0};
		g_autoptr(GError) error = NULL;

		memcpy(head, kinds[i].magic, kinds[i].length);
		/* Exactly X's limit goes; a byte more does not. */
		g_assert_true(tw_media_classify_upload(
		    head, sizeof head, kinds[i].limit, &kind, &error));
		g_assert_no_error(error);
		g_assert_cmpstr(kind.media_category, ==, kinds[i].category);
		g_assert_cmpstr(kind.media_type, ==, kinds[i].type);
		g_assert_cmpstr(kind.extension, ==, kinds[i].extension);
		g_assert_cmpint(kind.chunked, ==, kinds[i].chunked);
		assert_refused((const char *)head, sizeof head,
			       kinds[i].limit + 1, TW_MEDIA_ERROR_TOO_LARGE,
			       "X takes");
	}
	assert_refused("\x89PNG\r\n\x1a\n", 8, TW_MEDIA_PHOTO_MAX_BYTES + 1,
		       TW_MEDIA_ERROR_TOO_LARGE, "photos of up to 5 MB");
	assert_refused("GIF89a", 6, TW_MEDIA_GIF_MAX_BYTES + 1,
		       TW_MEDIA_ERROR_TOO_LARGE, "GIFs of up to 15 MB");
	assert_refused("\0\0\0\x18"
		       "ftypisom",
		       12, 600 * 1024 * 1024, TW_MEDIA_ERROR_TOO_LARGE,
		       "The video is 600.0 MB; X takes videos of up to 512 MB");
	assert_refused("%PDF-1.7", 8, 8, TW_MEDIA_ERROR_UNSUPPORTED,
		       "Only JPEG, PNG and WebP photos, GIFs and MP4");
	assert_refused("RIFF\0\0\0\0WAVE", 12, 12, TW_MEDIA_ERROR_UNSUPPORTED,
		       "Only JPEG");
	/* A "GIF8" that is not GIF87a or GIF89a is not taken for one. */
	assert_refused("GIF8xa", 6, 6, TW_MEDIA_ERROR_UNSUPPORTED, "Only");
	/* A head longer than the file is only read as far as the file. */
	assert_refused("GIF89a", 6, 3, TW_MEDIA_ERROR_UNSUPPORTED, "Only");
	assert_refused("", 0, 0, TW_MEDIA_ERROR_EMPTY, "empty");
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/media/photo-only", test_photo_only);
	g_test_add_func("/media/text-and-photo", test_text_and_photo);
	g_test_add_func("/media/no-media-link", test_no_media_link);
	g_test_add_func("/media/video-best-variant", test_video_best_variant);
	g_test_add_func("/media/gif-and-unknown", test_gif_and_unknown);
	g_test_add_func("/media/media-missing", test_media_missing);
	g_test_add_func("/media/line", test_line);
	g_test_add_func("/media/ton-url", test_ton_url);
	g_test_add_func("/media/cache-name", test_cache_name);
	g_test_add_func("/media/image-url", test_image_url);
	g_test_add_func("/media/type-names", test_type_names);
	g_test_add_func("/media/event-keeps-media", test_event_keeps_media);
	g_test_add_func("/media/classify-upload", test_classify_upload);
	return g_test_run();
}
