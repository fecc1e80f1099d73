/*
 * tw-state-writer: the state's files written off the main loop. See
 * tw-state-writer.h.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "config.h"

#include "tw-state-writer.h"

#include <glib/gi18n-lib.h>

#include "tw-state.h"

struct _TwStateWriter {
	char *path;
	GThreadPool *pool; /* one thread at a time, created on first use */
	GMutex mutex;
	GCond idle;
	guint pending;   /* queued or being written */
	guint64 newest;  /* generation of the newest write asked for */
	guint64 written; /* generation of the newest write on disk */
	GError *error;   /* the first background failure not yet told */
};

typedef struct {
	guint64 generation;
	TwStateWriterProduce produce;
	gpointer data;
	GDestroyNotify destroy;
} Write;

gboolean
tw_state_write_private_file(const char *path, const char *contents,
			    GError **error)
{
	GError *local_error = NULL;

	if (!g_file_set_contents_full(path, contents, -1,
				      G_FILE_SET_CONTENTS_CONSISTENT |
					  G_FILE_SET_CONTENTS_DURABLE,
				      0600, &local_error)) {
		g_set_error(error, TW_STATE_ERROR, TW_STATE_ERROR_IO,
			    _("Could not write %s: %s"), path,
			    local_error->message);
		g_error_free(local_error);
		return FALSE;
	}
	return TRUE;
}

/* The worker: writes unless a newer write was asked for meanwhile. */
static void
write_in_background(gpointer data, gpointer user_data)
{
	Write *write = data;
	TwStateWriter *writer = user_data;
	GError *error = NULL;
	gboolean superseded;

	g_mutex_lock(&writer->mutex);
	superseded = write->generation != writer->newest;
	g_mutex_unlock(&writer->mutex);
	if (!superseded) {
		g_autofree char *contents = write->produce(write->data);

		tw_state_write_private_file(writer->path, contents, &error);
	}
	g_mutex_lock(&writer->mutex);
	if (!superseded && error == NULL)
		writer->written = MAX(writer->written, write->generation);
	if (error != NULL && writer->error == NULL)
		writer->error = g_steal_pointer(&error);
	writer->pending--;
	if (writer->pending == 0)
		g_cond_broadcast(&writer->idle);
	g_mutex_unlock(&writer->mutex);
	g_clear_error(&error);
	write->destroy(write->data);
	g_free(write);
}

/* Hands the first untold background failure to @error. Locked. */
static gboolean
take_error_locked(TwStateWriter *writer, GError **error)
{
	if (writer->error == NULL)
		return TRUE;
	g_propagate_error(error, g_steal_pointer(&writer->error));
	return FALSE;
}

static void
wait_idle_locked(TwStateWriter *writer)
{
	while (writer->pending > 0)
		g_cond_wait(&writer->idle, &writer->mutex);
}

TwStateWriter *
tw_state_writer_new(const char *path)
{
	TwStateWriter *writer = g_new0(TwStateWriter, 1);

	writer->path = g_strdup(path);
	g_mutex_init(&writer->mutex);
	g_cond_init(&writer->idle);
	return writer;
}

void
tw_state_writer_free(TwStateWriter *writer)
{
	if (writer == NULL)
		return;
	if (writer->pool != NULL)
		g_thread_pool_free(writer->pool, FALSE, TRUE);
	if (writer->error != NULL)
		g_message("%s", writer->error->message);
	g_clear_error(&writer->error);
	g_cond_clear(&writer->idle);
	g_mutex_clear(&writer->mutex);
	g_free(writer->path);
	g_free(writer);
}

gboolean
tw_state_writer_write_later(TwStateWriter *writer, TwStateWriterProduce produce,
			    gpointer data, GDestroyNotify destroy,
			    GError **error)
{
	Write *write;
	gboolean ok;

	/* A pool that shares GLib's threads cannot fail to be made. */
	if (writer->pool == NULL)
		writer->pool = g_thread_pool_new(write_in_background, writer, 1,
						 FALSE, NULL);
	write = g_new0(Write, 1);
	write->produce = produce;
	write->data = data;
	write->destroy = destroy;
	g_mutex_lock(&writer->mutex);
	write->generation = ++writer->newest;
	writer->pending++;
	ok = take_error_locked(writer, error);
	g_mutex_unlock(&writer->mutex);
	g_thread_pool_push(writer->pool, write, NULL);
	return ok;
}

gboolean
tw_state_writer_flush(TwStateWriter *writer, GError **error)
{
	gboolean ok;

	g_mutex_lock(&writer->mutex);
	wait_idle_locked(writer);
	ok = take_error_locked(writer, error);
	g_mutex_unlock(&writer->mutex);
	return ok;
}

gboolean
tw_state_writer_write_now(TwStateWriter *writer, const char *contents,
			  GError **error)
{
	guint64 generation;

	/* Queued writes are older: skipped, they must not land after this
	 * one; a failed one is moot once this one is on disk. */
	g_mutex_lock(&writer->mutex);
	generation = ++writer->newest;
	wait_idle_locked(writer);
	g_clear_error(&writer->error);
	g_mutex_unlock(&writer->mutex);
	if (!tw_state_write_private_file(writer->path, contents, error))
		return FALSE;
	g_mutex_lock(&writer->mutex);
	writer->written = MAX(writer->written, generation);
	g_mutex_unlock(&writer->mutex);
	return TRUE;
}

guint64
tw_state_writer_get_asked(TwStateWriter *writer)
{
	guint64 asked;

	g_mutex_lock(&writer->mutex);
	asked = writer->newest;
	g_mutex_unlock(&writer->mutex);
	return asked;
}

guint64
tw_state_writer_get_written(TwStateWriter *writer)
{
	guint64 written;

	g_mutex_lock(&writer->mutex);
	written = writer->written;
	g_mutex_unlock(&writer->mutex);
	return written;
}
