/*
 * bench-backlog: part 2 of bench-sync, a backlog of DMs written while the
 * account was offline: time to ingest it, the runner's longest main-loop
 * stall and peak memory, billing per DM.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <json-glib/json-glib.h>
#include <stdio.h>
#include <string.h>

#include "bench-common.h"
#include "tw-test-loop.h"

#define BACKLOG_TIMEOUT_SECONDS 150
/* How long the runner stays on after the backlog is in. */
#define IDLE_AFTER_BACKLOG_MS 2000

/****************************************************************************
 * Part 2: a backlog written while the account was offline
 ****************************************************************************/

typedef struct {
	TwTestRunner *runner;
	guint expected;
	guint scanned;
	guint received;
	guint duplicates;
	GHashTable *texts;   /* texts shown so far */
	gint64 signed_on_at; /* monotonic µs */
	gint64 first_at;
	gint64 last_at;
} TwBenchBacklog;

static void
scan_backlog_events(TwBenchBacklog *backlog)
{
	GPtrArray *events = tw_test_runner_get_events(backlog->runner);
	gint64 now = g_get_monotonic_time();

	for (; backlog->scanned < events->len; backlog->scanned++) {
		JsonObject *event = events->pdata[backlog->scanned];
		const char *name = json_object_get_string_member_with_default(
		    event, "event", NULL);
		const char *text;

		if (g_strcmp0(name, "signed-on") == 0 &&
		    backlog->signed_on_at == 0)
			backlog->signed_on_at = now;
		if (!tw_bench_is_received_message(event))
			continue;
		text = json_object_get_string_member_with_default(event,
								  "plain", "");
		if (g_hash_table_contains(backlog->texts, text)) {
			backlog->duplicates++;
			continue;
		}
		g_hash_table_add(backlog->texts, g_strdup(text));
		backlog->received++;
		if (backlog->first_at == 0)
			backlog->first_at = now;
		backlog->last_at = now;
	}
}

void
tw_bench_run_backlog(const TwBenchOptions *options, JsonObject *idle_stats,
		     TwBenchTargets *targets)
{
	TwTestWorld world = {0};
	TwBenchBacklog backlog = {0};
	g_autoptr(GPtrArray) customers = g_ptr_array_new_with_free_func(g_free);
	g_autoptr(JsonObject) stats = NULL;
	g_autofree char *refresh_token = NULL;
	TwBenchRequestWait wait;
	TwBenchRequestCounts requests, idle_requests;
	TwSandboxCounters counters, idle_counters;
	TwTestRunner *runner;
	gint64 created_start, created_end, started_at, deadline;
	guint per_conversation =
	    options->backlog_events / options->backlog_conversations;
	guint total = per_conversation * options->backlog_conversations;
	guint tick;
	double create_seconds, sign_on_seconds, fetch_seconds, deliver_seconds,
	    total_seconds;

	/* A generous read limit: paging is not what is measured here. */
	tw_bench_start_world(&world, 15, 100000);

	tw_bench_progress("part 2: first sign-on, then offline");
	runner = tw_bench_start_runner(&world, world.refresh_token);
	if (!tw_bench_wait_signed_on(runner)) {
		tw_test_runner_quit(runner);
		tw_test_world_tear_down(&world);
		return;
	}
	wait.sandbox = world.sandbox;
	wait.at_least = 1;
	tw_test_wait_until(tw_bench_enough_list_requests, &wait,
			   TW_TEST_WAIT_MS);
	tw_test_let_it_run(500);
	stats = tw_bench_quit_runner_with_stats(runner);
	g_clear_pointer(&stats, json_object_unref);

	tw_bench_progress("part 2: writing %u DMs over %u conversations", total,
			  options->backlog_conversations);
	created_start = g_get_monotonic_time();
	for (guint i = 0; i < options->backlog_conversations; i++) {
		g_autofree char *handle = g_strdup_printf("backlog_%04u", i);
		g_autofree char *name =
		    g_strdup_printf("Backlog Customer %u", i);

		g_ptr_array_add(customers, tw_sandbox_add_user(world.sandbox,
							       handle, name));
	}
	/* Round after round, so the conversations interleave in time. */
	for (guint round = 0; round < per_conversation; round++) {
		for (guint i = 0; i < options->backlog_conversations; i++) {
			g_autofree char *text = g_strdup_printf(
			    "Backlog %u from customer %u", round, i);
			g_autofree char *id =
			    tw_test_create_message(&world, customers->pdata[i],
						   world.account_id, text, 0);
		}
	}
	created_end = g_get_monotonic_time();
	tw_sandbox_clear_requests(world.sandbox);

	tw_bench_progress("part 2: the runner ingests the backlog");
	refresh_token =
	    tw_sandbox_issue_refresh_token(world.sandbox, world.account_id);
	backlog.expected = total;
	backlog.texts =
	    g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	started_at = g_get_monotonic_time();
	backlog.runner = tw_bench_start_runner(&world, refresh_token);
	deadline = started_at + BACKLOG_TIMEOUT_SECONDS * G_USEC_PER_SEC;
	tick = g_timeout_add(TICK_MS, tw_bench_tick_cb, NULL);
	while (backlog.received < backlog.expected &&
	       g_get_monotonic_time() < deadline) {
		g_main_context_iteration(NULL, TRUE);
		scan_backlog_events(&backlog);
	}
	g_source_remove(tick);
	requests = tw_bench_count_list_requests(world.sandbox);
	tw_sandbox_get_counters(world.sandbox, &counters);
	/* What the account does once the backlog is in; anything shown
	 * twice would also come now. */
	tw_test_let_it_run(IDLE_AFTER_BACKLOG_MS);
	scan_backlog_events(&backlog);
	stats = tw_bench_quit_runner_with_stats(backlog.runner);
	idle_requests = tw_bench_count_list_requests(world.sandbox);
	tw_sandbox_get_counters(world.sandbox, &idle_counters);

	create_seconds = (double)(created_end - created_start) / G_USEC_PER_SEC;
	sign_on_seconds =
	    backlog.signed_on_at > 0
		? (double)(backlog.signed_on_at - started_at) / G_USEC_PER_SEC
		: 0;
	fetch_seconds =
	    backlog.first_at > 0
		? (double)(backlog.first_at - backlog.signed_on_at) /
		      G_USEC_PER_SEC
		: 0;
	deliver_seconds =
	    backlog.first_at > 0
		? (double)(backlog.last_at - backlog.first_at) / G_USEC_PER_SEC
		: 0;
	total_seconds = backlog.last_at > 0
			    ? (double)(backlog.last_at - backlog.signed_on_at) /
				  G_USEC_PER_SEC
			    : 0;

	printf("\n2. Backlog: %u DMs over %u conversations, written while the"
	       " account was offline\n",
	       total, options->backlog_conversations);
	printf("  (after its first sign-on; read limit 100000 per 15 s, so"
	       " paging is not rate-bound;\n"
	       "  the sandbox took %.2f s to create them)\n\n",
	       create_seconds);
	printf("  %-42s %u / %u, %u shown twice\n", "DMs delivered",
	       backlog.received, total, backlog.duplicates);
	printf("  %-42s %.2f s\n", "runner start -> signed-on",
	       sign_on_seconds);
	printf("  %-42s %.2f s  (%u GET /2/dm_events, %u 429s)\n",
	       "signed-on -> first DM line (fetching)", fetch_seconds,
	       requests.list_requests, requests.rate_limited);
	printf("  %-42s %.2f s\n", "first -> last DM line (delivering)",
	       deliver_seconds);
	printf("  %-42s %.2f s\n", "signed-on -> last DM line", total_seconds);
	printf("  %-42s %.0f /s  (delivery alone: %.0f /s)\n",
	       "events per second (signed-on -> last)",
	       total_seconds > 0 ? backlog.received / total_seconds : 0,
	       deliver_seconds > 0 ? backlog.received / deliver_seconds : 0);
	printf("  %-42s %" G_GINT64_FORMAT " ms  (10 ms heartbeat; part 1,"
	       " steady state: %" G_GINT64_FORMAT " ms)\n",
	       "longest main-loop stall of the runner",
	       tw_bench_stats_member(stats, "max_stall_ms"),
	       tw_bench_stats_member(idle_stats, "max_stall_ms"));
	printf("  %-42s %.1f MB  (part 1, steady state: %.1f MB; %.2f x)\n",
	       "runner peak RSS",
	       tw_bench_stats_member(stats, "peak_rss_kb") / 1024.0,
	       tw_bench_stats_member(idle_stats, "peak_rss_kb") / 1024.0,
	       tw_bench_stats_member(idle_stats, "peak_rss_kb") > 0
		   ? (double)tw_bench_stats_member(stats, "peak_rss_kb") /
			 tw_bench_stats_member(idle_stats, "peak_rss_kb")
		   : 0);
	printf("  %-42s %.2f s  (whole process, the idle time below too)\n",
	       "runner CPU time",
	       tw_bench_stats_member(stats, "cpu_ms") / 1000.0);
	printf("  %-42s %" G_GUINT64_FORMAT " (%.3f per DM)\n",
	       "billed reads until the last DM line", counters.billed_reads,
	       backlog.received > 0
		   ? (double)counters.billed_reads / backlog.received
		   : 0);
	printf("  %-42s %u GET /2/dm_events returning %" G_GUINT64_FORMAT
	       " events (%" G_GUINT64_FORMAT " billed)\n",
	       "then, in the next 2 s (idle)",
	       idle_requests.list_requests - requests.list_requests,
	       idle_counters.events_returned - counters.events_returned,
	       idle_counters.billed_reads - counters.billed_reads);
	if (backlog.received < total)
		printf("  NOTE: only %u of %u DMs arrived within %d s\n",
		       backlog.received, total, BACKLOG_TIMEOUT_SECONDS);

	tw_bench_targets_add(targets, "backlog: DMs not delivered",
			     (double)(total - MIN(total, backlog.received)), 0,
			     "%.0f", TRUE, NULL);
	tw_bench_targets_add(targets, "backlog: DMs shown twice",
			     (double)backlog.duplicates, 0, "%.0f", TRUE, NULL);
	tw_bench_targets_add(
	    targets, "backlog: billed reads beyond the DMs shown",
	    (double)counters.billed_reads -
		MIN((double)counters.billed_reads, (double)backlog.received),
	    0, "%.0f", TRUE, NULL);
	tw_bench_targets_add(targets, "backlog: billed reads per delivered DM",
			     backlog.received > 0
				 ? (double)counters.billed_reads /
				       backlog.received
				 : 0,
			     1.05, "%.3f", FALSE, NULL);
	tw_bench_targets_add(
	    targets, "backlog: longest main-loop stall, ms",
	    (double)tw_bench_stats_member(stats, "max_stall_ms"), 5, "%.0f",
	    FALSE,
	    "left: parsing a page of 100 events and snapshotting the state "
	    "for its background write, each a few ms on the main loop");
	tw_bench_targets_add(
	    targets, "backlog: peak RSS / steady-state RSS",
	    tw_bench_stats_member(idle_stats, "peak_rss_kb") > 0
		? (double)tw_bench_stats_member(stats, "peak_rss_kb") /
		      tw_bench_stats_member(idle_stats, "peak_rss_kb")
		: 0,
	    1.3, "%.2f", FALSE,
	    "the backlog brings new people: their buddies, icons and "
	    "conversations stay; the batch of events is held until the "
	    "oldest page is in, to show them oldest first");

	g_hash_table_unref(backlog.texts);
	tw_test_world_tear_down(&world);
}
