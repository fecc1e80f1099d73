/*
 * tw-loop: libcurl's multi interface driven by libpurple's event loop.
 *
 * This is the only file below the purple glue that includes a libpurple
 * header. Everything is scheduled through purple_input_add() and
 * purple_timeout_add(), because bitlbee can run libpurple on libevent, where
 * raw GLib sources are never dispatched.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#pragma once

#include <glib.h>
#include <curl/curl.h>

G_BEGIN_DECLS

typedef struct _TwLoop TwLoop;

/**
 * TwLoopDoneFunc:
 * @easy: the finished transfer, already removed from the multi handle
 * @result: curl's result for the transfer
 * @user_data: the data given to tw_loop_new()
 *
 * Called once for each transfer that completes.
 */
typedef void (*TwLoopDoneFunc)(CURL *easy, CURLcode result, gpointer user_data);

/**
 * tw_loop_new:
 * @multi: (transfer none): the multi handle to drive; must outlive the loop
 * @done: called for every completed transfer
 * @user_data: passed to @done
 *
 * Installs socket and timer callbacks on @multi. Free with tw_loop_free().
 *
 * Returns: (transfer full): the new binding
 */
TwLoop *tw_loop_new(CURLM *multi, TwLoopDoneFunc done, gpointer user_data);

/**
 * tw_loop_free:
 * @loop: (transfer full) (nullable): the binding
 *
 * Removes every watch and the timer. Call after curl_multi_cleanup() (which
 * may still call the socket callback) or after removing all transfers.
 */
void tw_loop_free(TwLoop *loop);

/**
 * tw_loop_is_dispatching:
 * @loop: the binding
 *
 * Returns: %TRUE while @loop is inside a completion callback, when the
 * owner must not free the multi handle yet.
 */
gboolean tw_loop_is_dispatching(TwLoop *loop);

/**
 * tw_timeout_add:
 * @milliseconds: delay
 * @func: called on the event loop; return %FALSE to stop
 * @data: passed to @func
 *
 * A timer on libpurple's event loop, for layers that must not include
 * libpurple headers.
 *
 * Returns: a handle for tw_timeout_remove(), never 0
 */
guint tw_timeout_add(guint milliseconds, GSourceFunc func, gpointer data);

/**
 * tw_timeout_remove:
 * @handle: a handle from tw_timeout_add(), or 0 (ignored)
 *
 * Cancels a timer that has not returned %FALSE yet.
 */
void tw_timeout_remove(guint handle);

/**
 * tw_clear_timeout:
 * @handle: (inout): a timer handle; set to 0
 *
 * tw_timeout_remove() and zero the handle.
 */
void tw_clear_timeout(guint *handle);

G_END_DECLS
