/*
 * tw-state-writer: the state's files written off the main loop. A durable
 * write (fsync) can take tens of milliseconds on a busy disk; the UI must
 * not wait for it while a backlog is delivered. One worker thread writes
 * in the order the writes were asked for; a write asked for "now" waits
 * for the ones before it, so an older snapshot never lands after a newer
 * one. No libpurple, no main loop: errors of background writes are kept
 * for the next call on the main thread.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct _TwStateWriter TwStateWriter;

/**
 * tw_state_write_private_file:
 * @path: the file
 * @contents: what it holds afterwards
 * @error: (out) (optional): a #TW_STATE_ERROR
 *
 * Writes @contents atomically and durably, owner-only (0600), on the
 * calling thread.
 *
 * Returns: %TRUE on success
 */
gboolean tw_state_write_private_file(const char *path, const char *contents,
				     GError **error);

/**
 * tw_state_writer_new:
 * @path: the one file this writer writes
 *
 * Returns: (transfer full): a writer; its thread starts with the first
 *   background write
 */
TwStateWriter *tw_state_writer_new(const char *path);

/**
 * tw_state_writer_free:
 * @writer: (transfer full) (nullable): the writer; every write asked for
 *   is on disk when this returns
 */
void tw_state_writer_free(TwStateWriter *writer);

/**
 * TwStateWriterProduce:
 * @data: what tw_state_writer_write_later() was given
 *
 * Turns @data into the file's contents, on the writer's thread: it must
 * touch nothing but @data.
 *
 * Returns: (transfer full): the contents
 */
typedef char *(*TwStateWriterProduce)(gpointer data);

/**
 * tw_state_writer_write_later:
 * @writer: the writer
 * @produce: makes the contents from @data, on the writer's thread
 * @data: (transfer full): a snapshot of what to write
 * @destroy: frees @data, on the writer's thread
 * @error: (out) (optional): why an earlier background write failed
 *
 * Queues the write and returns at once: the formatting and the write both
 * happen on the worker thread. A write still queued when a newer one
 * comes is skipped: only the newest contents matter.
 *
 * Returns: %FALSE when an earlier background write failed (reported once)
 */
gboolean tw_state_writer_write_later(TwStateWriter *writer,
				     TwStateWriterProduce produce,
				     gpointer data, GDestroyNotify destroy,
				     GError **error);

/**
 * tw_state_writer_get_asked:
 * @writer: the writer
 *
 * Returns: the number of the newest write asked for (they count up from 1)
 */
guint64 tw_state_writer_get_asked(TwStateWriter *writer);

/**
 * tw_state_writer_get_written:
 * @writer: the writer
 *
 * Returns: the number of the newest write on disk: everything asked for up
 * to it is there (a skipped write's contents came with a newer one)
 */
guint64 tw_state_writer_get_written(TwStateWriter *writer);

/**
 * tw_state_writer_flush:
 * @writer: the writer
 * @error: (out) (optional): why a background write failed
 *
 * Waits until every queued write is on disk (or failed).
 *
 * Returns: %FALSE when a background write failed (reported once)
 */
gboolean tw_state_writer_flush(TwStateWriter *writer, GError **error);

/**
 * tw_state_writer_write_now:
 * @writer: the writer
 * @contents: the file's new contents
 * @error: (out) (optional): a #TW_STATE_ERROR
 *
 * Waits for the write in progress (queued ones are skipped: they are
 * older), then writes @contents before returning: for the points where
 * the state must be on disk before the next step (a DM is marked
 * attempted before it is posted).
 *
 * Returns: %TRUE when @contents is on disk
 */
gboolean tw_state_writer_write_now(TwStateWriter *writer, const char *contents,
				   GError **error);

G_END_DECLS
