/*
 * bench-common: what both parts of bench-sync share: its options, the
 * sandbox and runner set-up, the runner's stats and the sandbox's request
 * counts.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#pragma once

#include <glib.h>
#include <json-glib/json-glib.h>

#include "bench-targets.h"
#include "tw-sandbox.h"
#include "tw-test-runner.h"
#include "tw-test-world.h"

G_BEGIN_DECLS

/* How often the main loop wakes up at least, to keep deadlines. */
#define TICK_MS 50

typedef struct {
	guint window_seconds;
	guint read_limit;
	guint run_seconds;
	guint messages;
	guint customers;
	guint history;
	guint backlog_events;
	guint backlog_conversations;
	guint seed;
	gboolean check;
} TwBenchOptions;

typedef struct {
	guint list_requests;
	guint follow_up_pages;
	guint rate_limited;
} TwBenchRequestCounts;

/* For tw_test_wait_until(): the sandbox has at least @at_least
 * GET /2/dm_events requests. */
typedef struct {
	TwSandbox *sandbox;
	guint at_least;
} TwBenchRequestWait;

gboolean tw_bench_enough_list_requests(gpointer data);

/* Progress goes to stderr, so stdout holds the report alone. */
void tw_bench_progress(const char *format, ...) G_GNUC_PRINTF(1, 2);

/* A timeout callback that keeps the main loop waking every TICK_MS. */
gboolean tw_bench_tick_cb(gpointer data);

/* (transfer full): /proc/loadavg's first three figures */
char *tw_bench_read_load_average(void);

/* (transfer full): the CPU's model name */
char *tw_bench_read_cpu_model(void);

/* A sandbox with @read_limit DM reads per @window_seconds. */
void tw_bench_start_world(TwTestWorld *world, guint window_seconds,
			  guint read_limit);

/* (transfer full): the runner with --stats, signed on to @world's
 * account with @refresh_token. */
TwTestRunner *tw_bench_start_runner(TwTestWorld *world,
				    const char *refresh_token);

/* Whether @runner signed on; its stderr goes to the progress if not. */
gboolean tw_bench_wait_signed_on(TwTestRunner *runner);

/* Quits and frees @runner. Returns: (transfer full) (nullable): its
 * "stats" event. */
JsonObject *tw_bench_quit_runner_with_stats(TwTestRunner *runner);

/* A number of a stats event, -1 when absent. */
gint64 tw_bench_stats_member(JsonObject *stats, const char *name);

/* Whether @event is a received message line. */
gboolean tw_bench_is_received_message(JsonObject *event);

/* The sandbox's GET /2/dm_events requests so far. */
TwBenchRequestCounts tw_bench_count_list_requests(TwSandbox *sandbox);

/* Part 2, bench-backlog.c: ingests a backlog written while the account
 * was offline, prints its figures and adds its targets. */
void tw_bench_run_backlog(const TwBenchOptions *options, JsonObject *idle_stats,
			  TwBenchTargets *targets);

G_END_DECLS
