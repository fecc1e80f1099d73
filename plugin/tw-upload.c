/*
 * tw-upload: one attachment's upload. The file is mapped, not read into
 * memory, and a video goes a segment at a time, so sending a large one
 * costs a segment's base64 and not the file. What X said so far (the
 * media id, the segments it has, whether it was finalized) is kept while
 * the same file is being sent, so a failed step is the only one repeated.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "config.h"

#include "tw-upload.h"

#include <glib/gi18n-lib.h>

#include "tw-loop.h"
#include "tw-media.h"

/* A segment of a chunked upload. X numbers them 0 to 999, so a file
 * above 1000 of these goes in larger ones. */
#define SEGMENT_BYTES     (1024 * 1024)
#define SEGMENT_COUNT_MAX 1000
/* How long processing may take before the message is given up, and the
 * wait between status checks when X does not say (it normally does,
 * with check_after_secs). */
#define PROCESSING_MAX              (10 * G_TIME_SPAN_MINUTE)
#define CHECK_AFTER_DEFAULT_SECONDS 1

typedef enum {
	STEP_ONE_SHOT,
	STEP_INITIALIZE,
	STEP_APPEND,
	STEP_FINALIZE,
	STEP_STATUS,
} UploadStep;

struct _TwUpload {
	TwAccount *account;
	TwUploadFunc func;
	guint64 call;
	UploadStep step; /* of call */
	guint check_timer;

	/* the file being sent, and what X has of it */
	char *file;
	char *media_category;
	GMappedFile *mapped;
	GBytes *contents; /* of mapped */
	char *media_id;
	gint64 media_expires; /* Unix µs */
	guint segments_sent;
	guint segment_bytes;
	gboolean finalized;
	gint64 processing_since; /* Unix µs, 0 before finalize */
};

static void step(TwUpload *upload);

TwUpload *
tw_upload_new(void)
{
	return g_new0(TwUpload, 1);
}

/* Forgets the file and what X has of it. */
static void
forget_file(TwUpload *upload)
{
	g_clear_pointer(&upload->file, g_free);
	g_clear_pointer(&upload->media_category, g_free);
	g_clear_pointer(&upload->contents, g_bytes_unref);
	g_clear_pointer(&upload->mapped, g_mapped_file_unref);
	g_clear_pointer(&upload->media_id, g_free);
	upload->media_expires = 0;
	upload->segments_sent = 0;
	upload->segment_bytes = 0;
	upload->finalized = FALSE;
	upload->processing_since = 0;
}

void
tw_upload_free(TwUpload *upload)
{
	if (upload == NULL)
		return;
	tw_clear_timeout(&upload->check_timer);
	if (upload->call != 0 && upload->account != NULL &&
	    upload->account->api != NULL)
		tw_api_cancel(upload->account->api, upload->call);
	forget_file(upload);
	g_free(upload);
}

gboolean
tw_upload_is_running(TwAccount *account)
{
	return account->upload->call != 0 || account->upload->check_timer != 0;
}

void
tw_upload_forget(TwAccount *account)
{
	g_return_if_fail(!tw_upload_is_running(account));
	forget_file(account->upload);
}

void
tw_upload_stop(TwAccount *account)
{
	TwUpload *upload = account->upload;

	tw_clear_timeout(&upload->check_timer);
	if (upload->call != 0)
		tw_api_cancel(account->api, upload->call);
	upload->call = 0;
}

static gsize
contents_size(TwUpload *upload)
{
	return g_bytes_get_size(upload->contents);
}

static guint
segment_count(TwUpload *upload)
{
	return (guint)((contents_size(upload) + upload->segment_bytes - 1) /
		       upload->segment_bytes);
}

/* Tells how it ended. After a failed call the file and what X has of it
 * are kept: started again, the upload goes on from that call (the outbox
 * drops them with tw_upload_forget() once the message has left). */
static void
finish(TwUpload *upload, const TwUploadResult *result, TwApiReply *failed,
       const GError *error)
{
	TwUploadFunc func = upload->func;

	upload->func = NULL;
	if (failed == NULL)
		forget_file(upload);
	func(upload->account, result, failed, error);
}

static void
finish_with_error(TwUpload *upload, GError *error)
{
	g_autoptr(GError) owned = error;

	finish(upload, NULL, NULL, owned);
}

static void
succeed(TwUpload *upload)
{
	TwUploadResult result = {
	    .media_id = upload->media_id,
	    .expires_after_secs =
		MAX(0, (upload->media_expires - g_get_real_time()) /
			   G_USEC_PER_SEC),
	};

	upload->media_id = NULL;
	finish(upload, &result, NULL, NULL);
	g_free(result.media_id);
}

/* The media id X gave, and how long it keeps it. */
static void
take_media_id(TwUpload *upload, TwUploadResult *result)
{
	g_free(upload->media_id);
	upload->media_id = g_steal_pointer(&result->media_id);
	upload->media_expires =
	    g_get_real_time() + result->expires_after_secs * G_USEC_PER_SEC;
}

static gboolean
check_status_cb(gpointer data)
{
	TwUpload *upload = data;

	upload->check_timer = 0;
	step(upload);
	return G_SOURCE_REMOVE;
}

/* After finalize and each status: ready, failed, or a check later. */
static void
follow_processing(TwUpload *upload, const TwUploadResult *result)
{
	const char *state = result->processing_state;
	gint64 check_after = result->check_after_secs > 0
				 ? result->check_after_secs
				 : CHECK_AFTER_DEFAULT_SECONDS;

	/* No processing_info: X has nothing to do with it. */
	if (state == NULL || g_str_equal(state, "succeeded")) {
		succeed(upload);
		return;
	}
	if (g_str_equal(state, "failed")) {
		finish_with_error(
		    upload, g_error_new(TW_MEDIA_ERROR,
					TW_MEDIA_ERROR_PROCESSING_FAILED,
					/* TRANSLATORS: %s is X's reason. */
					_("X could not process it (%s)."),
					result->processing_error != NULL
					    ? result->processing_error
					    : _("no reason given")));
		return;
	}
	if (g_get_real_time() + check_after * G_USEC_PER_SEC >
	    upload->processing_since + PROCESSING_MAX) {
		finish_with_error(
		    upload,
		    g_error_new(TW_MEDIA_ERROR,
				TW_MEDIA_ERROR_PROCESSING_FAILED,
				/* TRANSLATORS: %u is minutes. */
				_("X did not finish processing it in "
				  "%u minutes."),
				(guint)(PROCESSING_MAX / G_TIME_SPAN_MINUTE)));
		return;
	}
	upload->check_timer = tw_timeout_add((guint)(check_after * 1000),
					     check_status_cb, upload);
}

static void
step_done(TwApiReply *reply, gpointer data)
{
	TwUpload *upload = data;

	upload->call = 0;
	if (reply->error != NULL) {
		finish(upload, NULL, reply, NULL);
		return;
	}
	switch (upload->step) {
	case STEP_ONE_SHOT:
		take_media_id(upload, reply->upload);
		succeed(upload);
		return;
	case STEP_INITIALIZE:
		take_media_id(upload, reply->upload);
		break;
	case STEP_APPEND:
		upload->segments_sent++;
		break;
	case STEP_FINALIZE:
		upload->finalized = TRUE;
		upload->processing_since = g_get_real_time();
		follow_processing(upload, reply->upload);
		return;
	case STEP_STATUS:
		follow_processing(upload, reply->upload);
		return;
	}
	step(upload);
}

/* The call that comes next, from what X has of the file. */
static UploadStep
next_step(TwUpload *upload)
{
	if (upload->segment_bytes == 0)
		return STEP_ONE_SHOT;
	if (upload->media_id == NULL)
		return STEP_INITIALIZE;
	if (upload->segments_sent < segment_count(upload))
		return STEP_APPEND;
	return upload->finalized ? STEP_STATUS : STEP_FINALIZE;
}

static void
step(TwUpload *upload)
{
	TwApi *api = upload->account->api;
	TwUploadKind kind;
	gsize size = 0;
	const guint8 *head;
	gsize offset;
	g_autoptr(GBytes) segment = NULL;

	upload->step = next_step(upload);
	switch (upload->step) {
	case STEP_ONE_SHOT:
		upload->call = tw_api_upload_media(api, upload->contents,
						   upload->media_category,
						   step_done, upload, NULL);
		break;
	case STEP_INITIALIZE:
		head = g_bytes_get_data(upload->contents, &size);
		/* Checked when queued; the type goes with the first call. */
		if (!tw_media_classify_upload(head, size, size, &kind, NULL))
			kind.media_type = "application/octet-stream";
		upload->call = tw_api_upload_initialize(
		    api, size, kind.media_type, upload->media_category,
		    step_done, upload, NULL);
		break;
	case STEP_APPEND:
		offset = (gsize)upload->segments_sent * upload->segment_bytes;
		segment = g_bytes_new_from_bytes(
		    upload->contents, offset,
		    MIN(upload->segment_bytes, contents_size(upload) - offset));
		upload->call = tw_api_upload_append(
		    api, upload->media_id, upload->segments_sent, segment,
		    step_done, upload, NULL);
		break;
	case STEP_FINALIZE:
		upload->call = tw_api_upload_finalize(api, upload->media_id,
						      step_done, upload, NULL);
		break;
	case STEP_STATUS:
		upload->call = tw_api_get_upload_status(
		    api, upload->media_id, step_done, upload, NULL);
		break;
	}
}

/* Maps @upload->file. Returns: whether it could be read. */
static gboolean
map_file(TwUpload *upload, gboolean chunked, GError **error)
{
	GError *map_error = NULL;

	upload->mapped = g_mapped_file_new(upload->file, FALSE, &map_error);
	if (upload->mapped == NULL) {
		g_set_error(error, TW_MEDIA_ERROR, TW_MEDIA_ERROR_GONE,
			    /* TRANSLATORS: %s is why, from the system. */
			    _("its copy could not be read (%s)."),
			    map_error->message);
		g_error_free(map_error);
		return FALSE;
	}
	upload->contents = g_mapped_file_get_bytes(upload->mapped);
	if (chunked)
		upload->segment_bytes =
		    (guint)MAX(SEGMENT_BYTES,
			       (contents_size(upload) + SEGMENT_COUNT_MAX - 1) /
				   SEGMENT_COUNT_MAX);
	return TRUE;
}

void
tw_upload_start(TwAccount *account, const char *file,
		const char *media_category, TwUploadFunc func)
{
	TwUpload *upload = account->upload;
	g_autoptr(GError) error = NULL;
	/* A media id that runs out during the rest of the upload, the
	 * processing and the DM's retries is no use. */
	gint64 deadline = g_get_real_time() + G_TIME_SPAN_HOUR;
	gboolean chunked = !g_str_equal(media_category, "dm_image");

	g_return_if_fail(!tw_upload_is_running(account));
	upload->account = account;
	upload->func = func;
	if (g_strcmp0(upload->file, file) != 0 ||
	    (upload->media_id != NULL && upload->media_expires < deadline)) {
		forget_file(upload);
		upload->file = g_strdup(file);
		upload->media_category = g_strdup(media_category);
		if (!map_file(upload, chunked, &error)) {
			finish(upload, NULL, NULL, error);
			return;
		}
	}
	step(upload);
}
