/*
 * A GLib-backed PurpleEventLoopUiOps for tests, and a wait helper.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/**
 * tw_test_loop_install:
 *
 * Installs GLib-backed event loop UI ops, so purple_timeout_add() and
 * purple_input_add() work without purple_core_init(). Idempotent.
 */
void tw_test_loop_install(void);

/**
 * tw_test_wait_for:
 * @cond: (nullable): a flag to wait for; %NULL waits the whole timeout
 * @timeout_ms: the longest wait
 *
 * Iterates the default main context until *@cond is %TRUE or the timeout
 * runs out. Signals may fire synchronously, so the flag is checked first.
 *
 * Returns: *@cond at the end (%FALSE when @cond is %NULL)
 */
gboolean tw_test_wait_for(const gboolean *cond, guint timeout_ms);

/**
 * TwTestPredicate:
 * @data: user data
 *
 * Returns: %TRUE when the awaited state is reached
 */
typedef gboolean (*TwTestPredicate)(gpointer data);

/**
 * tw_test_wait_until:
 * @predicate: checked after every main-loop iteration
 * @data: passed to @predicate
 * @timeout_ms: the longest wait
 *
 * Returns: %TRUE when @predicate became true in time
 */
gboolean tw_test_wait_until(TwTestPredicate predicate, gpointer data,
			    guint timeout_ms);

G_END_DECLS
