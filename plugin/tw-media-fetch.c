/*
 * tw-media-fetch: images of DMs, downloaded once (see tw-media-fetch.h).
 *
 * X documents `GET /2/dm_conversations/media/:dm_id/:media_id/:resource_id`
 * (OpenAPI 2.167: OAuth 2.0 with dm.read) as the download of DM media; the
 * three parts are the tail of the private ton URL includes.media gives. The
 * signed ton URL itself is the legacy route for OAuth 1.0a, which the
 * sandbox cannot stand in for, so OAuth 1.0a accounts keep the link only.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "config.h"

#include "tw-media-fetch.h"

#include <errno.h>
#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>

#include "tw-api.h"
#include "tw-loop.h"
#include "tw-media.h"

/* One image to fetch. */
typedef struct {
	char *event_id;
	char *conversation_id;
	char *handle;
	gboolean group;
	gboolean outgoing;
	gint64 timestamp;
	TwMedia *media;
	char *dm_id;
	char *media_id;
	char *resource_id;
	char *path;
	guint tries;
} TwMediaItem;

struct _TwMediaFetch {
	TwAccount *account;
	GQueue queue; /* of TwMediaItem, the head in flight or waiting */
	guint64 call;
	guint timer;
};

/* A transient failure is tried once more; then the link must do. */
#define TW_MEDIA_TRIES 2

static void fetch_next(TwMediaFetch *fetch);

static void
item_free(TwMediaItem *item)
{
	g_free(item->event_id);
	g_free(item->conversation_id);
	g_free(item->handle);
	tw_media_free(item->media);
	g_free(item->dm_id);
	g_free(item->media_id);
	g_free(item->resource_id);
	g_free(item->path);
	g_free(item);
}

TwMediaFetch *
tw_media_fetch_new(TwAccount *account)
{
	TwMediaFetch *fetch = g_new0(TwMediaFetch, 1);

	fetch->account = account;
	g_queue_init(&fetch->queue);
	return fetch;
}

void
tw_media_fetch_free(TwMediaFetch *fetch)
{
	if (fetch == NULL)
		return;
	if (fetch->call != 0 && fetch->account->api != NULL)
		tw_api_cancel(fetch->account->api, fetch->call);
	tw_clear_timeout(&fetch->timer);
	g_queue_clear_full(&fetch->queue, (GDestroyNotify)item_free);
	g_free(fetch);
}

static char *
dup_cache_path(TwAccount *account, const TwMedia *media, char **dm_id,
	       char **media_id, char **resource_id)
{
	g_autofree char *name = NULL;
	g_autofree char *directory = NULL;

	if (account->state_directory == NULL ||
	    !tw_media_parse_ton_url(tw_media_get_image_url(media), dm_id,
				    media_id, resource_id))
		return NULL;
	name = tw_media_dup_cache_name(media, *resource_id);
	if (name == NULL) {
		g_clear_pointer(dm_id, g_free);
		g_clear_pointer(media_id, g_free);
		g_clear_pointer(resource_id, g_free);
		return NULL;
	}
	directory = tw_state_dup_media_directory(account->state_directory,
						 account->username);
	return g_build_filename(directory, name, NULL);
}

char *
tw_media_fetch_dup_cached_path(TwAccount *account, const TwMedia *media)
{
	g_autofree char *dm_id = NULL;
	g_autofree char *media_id = NULL;
	g_autofree char *resource_id = NULL;
	g_autofree char *path =
	    dup_cache_path(account, media, &dm_id, &media_id, &resource_id);

	if (path == NULL || !g_file_test(path, G_FILE_TEST_IS_REGULAR))
		return NULL;
	return g_steal_pointer(&path);
}

static void
hand_over(TwMediaFetch *fetch, const TwMediaItem *item, GBytes *data)
{
	TwAccount *account = fetch->account;
	TwAccountMedia shown = {0};

	if (account->callbacks->media == NULL)
		return;
	shown.event_id = item->event_id;
	shown.conversation_id = item->conversation_id;
	shown.group = item->group;
	shown.peer = item->handle;
	shown.outgoing = item->outgoing;
	shown.timestamp = item->timestamp;
	shown.media = item->media;
	shown.path = item->path;
	shown.data = data;
	account->callbacks->media(account->ui, &shown);
}

static void
tell_failure(TwMediaFetch *fetch, const TwMediaItem *item, const char *why)
{
	/* Whole sentences, so translations can agree with the noun. */
	g_autofree char *text =
	    item->media->type == TW_MEDIA_PHOTO
		? g_strdup_printf(
		      /* Translators: %s says why, e.g. "X answered 404". */
		      _("The photo could not be shown (%s); its link is "
			"above."),
		      why)
		: g_strdup_printf(
		      /* Translators: %s says why, e.g. "X answered 404". */
		      _("The preview image could not be shown (%s); its link "
			"is above."),
		      why);

	/* Where the glue puts notes: the peer's IM, or the group's chat. */
	g_autofree char *peer = item->group
				    ? g_strconcat(TW_ACCOUNT_GROUP_PREFIX,
						  item->conversation_id, NULL)
				    : g_strdup(item->handle);

	tw_account_notice(fetch->account, TW_ACCOUNT_NOTICE_INFO, peer, text);
}

static gboolean
is_image_type(const char *content_type)
{
	return content_type != NULL &&
	       g_ascii_strncasecmp(content_type, "image/", 6) == 0;
}

/* Writes the image to the cache, owner-only like the state files. */
static void
store(const TwMediaItem *item, GBytes *data)
{
	g_autofree char *directory = g_path_get_dirname(item->path);
	g_autoptr(GError) error = NULL;
	gsize size = 0;
	const char *bytes = g_bytes_get_data(data, &size);

	if (g_mkdir_with_parents(directory, 0700) != 0 ||
	    !g_file_set_contents_full(item->path, bytes, (gssize)size,
				      G_FILE_SET_CONTENTS_CONSISTENT, 0600,
				      &error))
		g_debug("media not cached: %s",
			error != NULL ? error->message : g_strerror(errno));
}

static gboolean
retry_cb(gpointer data)
{
	TwMediaFetch *fetch = data;

	fetch->timer = 0;
	fetch_next(fetch);
	return G_SOURCE_REMOVE;
}

static void
download_done(TwApiReply *reply, gpointer data)
{
	TwMediaFetch *fetch = data;
	TwMediaItem *item = g_queue_peek_head(&fetch->queue);

	fetch->call = 0;
	if (reply->error == NULL && is_image_type(reply->content_type)) {
		store(item, reply->body);
		hand_over(fetch, item, reply->body);
	} else if (reply->error != NULL &&
		   !g_error_matches(reply->error, TW_HTTP_ERROR,
				    TW_HTTP_ERROR_TOO_LARGE) &&
		   (tw_account_is_transient_error(reply->error) ||
		    reply->status == 429) &&
		   item->tries < TW_MEDIA_TRIES) {
		/* Kept at the head: tried again when X says, else now. */
		fetch->timer = tw_timeout_add(
		    (guint)CLAMP(reply->retry_after, 0, 900) * 1000, retry_cb,
		    fetch);
		return;
	} else if (g_error_matches(reply->error, TW_HTTP_ERROR,
				   TW_HTTP_ERROR_TOO_LARGE)) {
		g_autofree char *why = g_strdup_printf(
		    _("larger than %u MB"), TW_HTTP_MAX_BODY / (1024 * 1024));

		tell_failure(fetch, item, why);
	} else if (reply->error == NULL) {
		tell_failure(fetch, item, _("X sent something else"));
	} else if (reply->status != 0) {
		g_autofree char *why =
		    g_strdup_printf(_("X answered %u"), reply->status);

		tell_failure(fetch, item, why);
	} else {
		tell_failure(fetch, item, reply->error->message);
	}
	item_free(g_queue_pop_head(&fetch->queue));
	fetch_next(fetch);
}

static void
fetch_next(TwMediaFetch *fetch)
{
	TwMediaItem *item = g_queue_peek_head(&fetch->queue);

	if (item == NULL || fetch->call != 0 || fetch->timer != 0 ||
	    fetch->account->api == NULL)
		return;
	item->tries++;
	fetch->call = tw_api_download_dm_media(
	    fetch->account->api, item->dm_id, item->media_id, item->resource_id,
	    download_done, fetch, NULL);
}

void
tw_media_fetch_message(TwAccount *account, const TwDmEvent *event,
		       const char *handle, gboolean group)
{
	TwMediaFetch *fetch = account->media_fetch;

	/* The v2 download takes OAuth 2.0 only. */
	if (fetch == NULL || account->auth_method == TW_ACCOUNT_AUTH_OAUTH1)
		return;
	for (guint i = 0; i < event->media->len; i++) {
		TwMediaItem *item = g_new0(TwMediaItem, 1);
		g_autoptr(GBytes) cached = NULL;
		g_autofree char *contents = NULL;
		gsize size = 0;

		item->media = tw_media_copy(event->media->pdata[i]);
		item->path =
		    dup_cache_path(account, item->media, &item->dm_id,
				   &item->media_id, &item->resource_id);
		if (item->path == NULL) {
			item_free(item);
			continue;
		}
		item->event_id = g_strdup(event->id);
		item->conversation_id = g_strdup(event->conversation_id);
		item->handle = g_strdup(handle);
		item->group = group;
		item->outgoing = tw_account_is_own_event(account, event);
		item->timestamp = tw_dm_event_get_time(event) / G_USEC_PER_SEC;
		if (g_file_get_contents(item->path, &contents, &size, NULL)) {
			cached =
			    g_bytes_new_take(g_steal_pointer(&contents), size);
			hand_over(fetch, item, cached);
			item_free(item);
			continue;
		}
		g_queue_push_tail(&fetch->queue, item);
	}
	fetch_next(fetch);
}
