/*
 * tw-loop: libcurl's multi_socket API on libpurple's event loop.
 *
 * curl says which sockets to watch (CURLMOPT_SOCKETFUNCTION) and when to
 * wake it up (CURLMOPT_TIMERFUNCTION); we turn both into purple_input_add()
 * watches and a single purple_timeout_add() timer, and feed the events back
 * with curl_multi_socket_action().
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "tw-loop.h"

#include <eventloop.h>

struct _TwLoop {
	CURLM *multi;
	/* fd -> purple input handle, so tw_loop_free() can remove them all */
	GHashTable *watches;
	guint timer; /* purple_timeout_add() handle, 0 when none */
	int running;
	guint dispatching; /* depth of completion callbacks on the stack */
	TwLoopDoneFunc done;
	gpointer done_data;
};

static void
tw_loop_check(TwLoop *loop, CURLMcode code, const char *what)
{
	if (code != CURLM_OK)
		g_message("curl_multi_socket_action (%s) failed: %s", what,
			  curl_multi_strerror(code));
}

static void
tw_loop_drain(TwLoop *loop)
{
	CURLMsg *message;
	int left;

	while ((message = curl_multi_info_read(loop->multi, &left)) != NULL) {
		CURL *easy;
		CURLcode result;

		if (message->msg != CURLMSG_DONE)
			continue;
		/* The message dies with curl_multi_remove_handle(): copy first.
		 */
		easy = message->easy_handle;
		result = message->data.result;
		curl_multi_remove_handle(loop->multi, easy);
		loop->dispatching++;
		loop->done(easy, result, loop->done_data);
		loop->dispatching--;
	}
}

static gboolean
tw_loop_timer_cb(gpointer data)
{
	TwLoop *loop = data;

	/* This source dies when we return FALSE; curl may install a new timer
	 * from inside socket_action, which must not remove this one. */
	loop->timer = 0;
	tw_loop_check(loop,
		      curl_multi_socket_action(loop->multi, CURL_SOCKET_TIMEOUT,
					       0, &loop->running),
		      "timeout");
	tw_loop_drain(loop);
	return FALSE;
}

static int
tw_loop_timer_fn(CURLM *multi, long timeout_ms, void *userp)
{
	TwLoop *loop = userp;

	/* A new value replaces the previous timer, -1 only deletes it. Never
	 * call curl from here, not even for 0: curl would recurse. */
	tw_clear_timeout(&loop->timer);
	if (timeout_ms >= 0)
		loop->timer = tw_timeout_add((guint)MIN(timeout_ms, G_MAXINT),
					     tw_loop_timer_cb, loop);
	return 0;
}

static void
tw_loop_io_cb(gpointer data, gint fd, PurpleInputCondition condition)
{
	TwLoop *loop = data;
	int events = 0;

	if (condition & PURPLE_INPUT_READ)
		events |= CURL_CSELECT_IN;
	if (condition & PURPLE_INPUT_WRITE)
		events |= CURL_CSELECT_OUT;
	tw_loop_check(
	    loop,
	    curl_multi_socket_action(loop->multi, fd, events, &loop->running),
	    "socket");
	tw_loop_drain(loop);
}

static int
tw_loop_socket_fn(CURL *easy, curl_socket_t fd, int what, void *userp,
		  void *socketp)
{
	TwLoop *loop = userp;
	gpointer watch;
	PurpleInputCondition condition = 0;

	/* Watches cannot change their condition: replace the old one. */
	if (g_hash_table_steal_extended(loop->watches, GINT_TO_POINTER(fd),
					NULL, &watch))
		purple_input_remove(GPOINTER_TO_UINT(watch));
	if (what == CURL_POLL_REMOVE)
		return 0;
	if (what & CURL_POLL_IN)
		condition |= PURPLE_INPUT_READ;
	if (what & CURL_POLL_OUT)
		condition |= PURPLE_INPUT_WRITE;
	g_hash_table_insert(loop->watches, GINT_TO_POINTER(fd),
			    GUINT_TO_POINTER(purple_input_add(
				fd, condition, tw_loop_io_cb, loop)));
	return 0;
}

TwLoop *
tw_loop_new(CURLM *multi, TwLoopDoneFunc done, gpointer user_data)
{
	TwLoop *loop;

	g_return_val_if_fail(multi != NULL, NULL);
	g_return_val_if_fail(done != NULL, NULL);

	loop = g_new0(TwLoop, 1);
	loop->multi = multi;
	loop->watches = g_hash_table_new(NULL, NULL);
	loop->done = done;
	loop->done_data = user_data;
	curl_multi_setopt(multi, CURLMOPT_SOCKETFUNCTION, tw_loop_socket_fn);
	curl_multi_setopt(multi, CURLMOPT_SOCKETDATA, loop);
	curl_multi_setopt(multi, CURLMOPT_TIMERFUNCTION, tw_loop_timer_fn);
	curl_multi_setopt(multi, CURLMOPT_TIMERDATA, loop);
	return loop;
}

void
tw_loop_free(TwLoop *loop)
{
	GHashTableIter iter;
	gpointer watch;

	if (loop == NULL)
		return;
	g_return_if_fail(loop->dispatching == 0);

	g_hash_table_iter_init(&iter, loop->watches);
	while (g_hash_table_iter_next(&iter, NULL, &watch))
		purple_input_remove(GPOINTER_TO_UINT(watch));
	g_hash_table_destroy(loop->watches);
	tw_clear_timeout(&loop->timer);
	g_free(loop);
}

gboolean
tw_loop_is_dispatching(TwLoop *loop)
{
	g_return_val_if_fail(loop != NULL, FALSE);

	return loop->dispatching > 0;
}

guint
tw_timeout_add(guint milliseconds, GSourceFunc func, gpointer data)
{
	guint handle;

	g_return_val_if_fail(func != NULL, 0);

	handle = purple_timeout_add(milliseconds, func, data);
	g_warn_if_fail(handle != 0);
	return handle;
}

void
tw_timeout_remove(guint handle)
{
	if (handle != 0)
		purple_timeout_remove(handle);
}

void
tw_clear_timeout(guint *handle)
{
	g_return_if_fail(handle != NULL);

	tw_timeout_remove(*handle);
	*handle = 0;
}
