/*
 * bench-common: what both parts of bench-sync share. See bench-common.h.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "bench-common.h"

#include <stdio.h>
#include <string.h>

#ifndef TW_BENCH_RUNNER
#error "TW_BENCH_RUNNER must name the built twdm-runner"
#endif

/* Progress goes to stderr, so stdout holds the report alone. */
void
tw_bench_progress(const char *format, ...)
{
	g_autofree char *text = NULL;
	va_list args;

	va_start(args, format);
	text = g_strdup_vprintf(format, args);
	va_end(args);
	fprintf(stderr, "%s: %s\n", g_get_prgname() ? g_get_prgname() : "bench",
		text);
	fflush(stderr);
}

gboolean
tw_bench_tick_cb(gpointer data)
{
	return G_SOURCE_CONTINUE;
}

char *
tw_bench_read_load_average(void)
{
	g_autofree char *text = NULL;
	g_auto(GStrv) fields = NULL;

	if (!g_file_get_contents("/proc/loadavg", &text, NULL, NULL))
		return g_strdup("unknown");
	fields = g_strsplit(g_strstrip(text), " ", 4);
	if (g_strv_length(fields) < 3)
		return g_strdup("unknown");
	return g_strdup_printf("%s %s %s", fields[0], fields[1], fields[2]);
}

char *
tw_bench_read_cpu_model(void)
{
	g_autofree char *text = NULL;
	g_auto(GStrv) lines = NULL;

	if (!g_file_get_contents("/proc/cpuinfo", &text, NULL, NULL))
		return g_strdup("unknown CPU");
	lines = g_strsplit(text, "\n", -1);
	for (guint i = 0; lines[i] != NULL; i++) {
		const char *colon = strchr(lines[i], ':');

		if (g_str_has_prefix(lines[i], "model name") && colon != NULL)
			return g_strstrip(g_strdup(colon + 1));
	}
	return g_strdup("unknown CPU");
}

void
tw_bench_start_world(TwTestWorld *world, guint window_seconds, guint read_limit)
{
	TwSandboxConfig config;

	tw_sandbox_config_init(&config);
	config.rate_window_seconds = window_seconds;
	config.dm_read_limit = read_limit;
	tw_test_world_set_up(world, &config);
}

/* Like tw_test_world_start_runner(), without --debug: its output would
 * cost the runner time and skew what is measured. */
TwTestRunner *
tw_bench_start_runner(TwTestWorld *world, const char *refresh_token)
{
	const char *args[] = {
	    "--account",      TW_TEST_ACCOUNT,
	    "--password-env", "TWDM_BENCH_PASSWORD",
	    "--api-base",     tw_sandbox_get_base_url(world->sandbox),
	    "--client-id",    TW_SANDBOX_CLIENT_ID,
	    "--option",       "first-contact=allow",
	    "--stats",        NULL};
	g_autofree char *entry =
	    g_strconcat("TWDM_BENCH_PASSWORD=", refresh_token, NULL);
	const char *env[] = {entry, NULL};

	return tw_test_runner_start_with_env(world->user_dir, args, env);
}

gboolean
tw_bench_wait_signed_on(TwTestRunner *runner)
{
	JsonObject *event = tw_test_runner_wait_event(runner, "signed-on", NULL,
						      NULL, TW_TEST_WAIT_MS);

	if (event == NULL)
		tw_bench_progress("the runner did not sign on; its stderr:\n%s",
				  tw_test_runner_get_stderr(runner));
	return event != NULL;
}

/* Quits the runner and returns its "stats" event. The runner's own quit
 * helper frees the events with the runner, so this one reads them first. */
JsonObject *
tw_bench_quit_runner_with_stats(TwTestRunner *runner)
{
	JsonObject *stats;

	tw_test_runner_send(runner, "{\"cmd\":\"quit\"}");
	stats = tw_test_runner_wait_event(runner, "stats", NULL, NULL, 30000);
	if (stats != NULL)
		json_object_ref(stats);
	tw_test_runner_wait_event(runner, "exit", NULL, NULL, 30000);
	/* Returns when stdout closes: the process is ending. */
	tw_test_runner_wait_event(runner, "(end of output)", NULL, NULL, 10000);
	/* Only reaps it: it has exited already (or hangs, then it goes). */
	tw_test_runner_kill(runner);
	tw_test_runner_free(runner);
	return stats;
}

gint64
tw_bench_stats_member(JsonObject *stats, const char *name)
{
	return stats != NULL
		   ? json_object_get_int_member_with_default(stats, name, -1)
		   : -1;
}

gboolean
tw_bench_is_received_message(JsonObject *event)
{
	return g_strcmp0(json_object_get_string_member_with_default(
			     event, "event", NULL),
			 "message") == 0 &&
	       tw_test_event_has_flag(event, "recv");
}

TwBenchRequestCounts
tw_bench_count_list_requests(TwSandbox *sandbox)
{
	g_autoptr(GPtrArray) requests = tw_sandbox_dup_requests(sandbox);
	TwBenchRequestCounts counts = {0};

	for (guint i = 0; i < requests->len; i++) {
		TwSandboxRequest *request = requests->pdata[i];

		if (g_strcmp0(request->method, "GET") != 0 ||
		    g_strcmp0(request->path, "/2/dm_events") != 0)
			continue;
		counts.list_requests++;
		if (request->query != NULL &&
		    strstr(request->query, "pagination_token=") != NULL)
			counts.follow_up_pages++;
		if (request->status == 429)
			counts.rate_limited++;
	}
	return counts;
}

gboolean
tw_bench_enough_list_requests(gpointer data)
{
	TwBenchRequestWait *wait = data;

	return tw_sandbox_count_requests(wait->sandbox, "GET",
					 "/2/dm_events") >= wait->at_least;
}
