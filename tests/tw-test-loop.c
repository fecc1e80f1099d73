/*
 * A GLib-backed PurpleEventLoopUiOps for tests, as nullclient.c does it.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "tw-test-loop.h"

#include <purple.h>

#define READ_CONDITIONS  (G_IO_IN | G_IO_HUP | G_IO_ERR)
#define WRITE_CONDITIONS (G_IO_OUT | G_IO_HUP | G_IO_ERR | G_IO_NVAL)

typedef struct {
	PurpleInputFunction function;
	gpointer data;
} InputClosure;

static gboolean
input_dispatch(GIOChannel *source, GIOCondition condition, gpointer data)
{
	InputClosure *closure = data;
	PurpleInputCondition purple_condition = 0;

	if (condition & READ_CONDITIONS)
		purple_condition |= PURPLE_INPUT_READ;
	if (condition & WRITE_CONDITIONS)
		purple_condition |= PURPLE_INPUT_WRITE;
	closure->function(closure->data, g_io_channel_unix_get_fd(source),
			  purple_condition);
	return TRUE;
}

static guint
input_add(gint fd, PurpleInputCondition condition, PurpleInputFunction function,
	  gpointer data)
{
	InputClosure *closure = g_new0(InputClosure, 1);
	GIOCondition io_condition = 0;
	GIOChannel *channel;
	guint id;

	closure->function = function;
	closure->data = data;
	if (condition & PURPLE_INPUT_READ)
		io_condition |= READ_CONDITIONS;
	if (condition & PURPLE_INPUT_WRITE)
		io_condition |= WRITE_CONDITIONS;
	channel = g_io_channel_unix_new(fd);
	id = g_io_add_watch_full(channel, G_PRIORITY_DEFAULT, io_condition,
				 input_dispatch, closure, g_free);
	g_io_channel_unref(channel);
	return id;
}

static PurpleEventLoopUiOps test_loop_ops = {
    .timeout_add = g_timeout_add,
    .timeout_remove = g_source_remove,
    .input_add = input_add,
    .input_remove = g_source_remove,
    .timeout_add_seconds = g_timeout_add_seconds,
};

void
tw_test_loop_install(void)
{
	purple_eventloop_set_ui_ops(&test_loop_ops);
}

static gboolean
set_flag(gpointer data)
{
	*(gboolean *)data = TRUE;
	return G_SOURCE_REMOVE;
}

gboolean
tw_test_wait_until(TwTestPredicate predicate, gpointer data, guint timeout_ms)
{
	gboolean timed_out = FALSE;
	guint id = g_timeout_add(timeout_ms, set_flag, &timed_out);
	gboolean reached;

	while (!(reached = predicate(data)) && !timed_out)
		g_main_context_iteration(NULL, TRUE);
	if (!timed_out)
		g_source_remove(id);
	return reached;
}

static gboolean
flag_is_set(gpointer data)
{
	return data != NULL && *(const gboolean *)data;
}

gboolean
tw_test_wait_for(const gboolean *cond, guint timeout_ms)
{
	return tw_test_wait_until(flag_is_set, (gpointer)cond, timeout_ms);
}
