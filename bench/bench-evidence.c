/*
 * bench-evidence: the reliability, security and performance figures of
 * issue 7, in one run.
 *
 * 1. Soak: runs tests/test-soak (customers writing, random faults) and
 *    quotes its tally: lost, duplicated, reordered, online.
 * 2. Fuzzing: quotes the summary of the last `tools/fuzz` run (executions
 *    per target, crashes), which needs a clang build of its own.
 * 3. Many accounts: one twdm-runner with 100 accounts (--config) on one
 *    sandbox: time to sign all on, each account's own messages and nobody
 *    else's, peak RSS (VmHWM; per account against a runner with one),
 *    and idle cost. CPU: utime+stime from /proc/<pid>/stat over a minute
 *    of polling at a compressed pace (15 reads per 60 s), per poll, then
 *    scaled to X's pace (15 reads per 15 minutes). Wake-ups: with X's
 *    window, between two rounds of polls (no poll due), the main thread's
 *    voluntary context switches (/proc/<pid>/task/<pid>/status) and, under
 *    `strace -f -c`, its returns from poll() (each is one main-loop
 *    wake-up) must both be 0; while polling, the wake-ups per poll request
 *    (counted by the sandbox) stay a small constant: the timer, then the
 *    socket.
 * 4. HTTP reuse: 100 DM-list requests against the sandbox over HTTPS (a
 *    certificate from a private CA, which both clients are told to trust)
 *    through the plugin's HTTP layer (TwHttp on tw-loop) and through a
 *    purple_util_fetch_url poller, as most libpurple plugins fetch:
 *    connections opened and TLS handshakes per 100 requests, counted by the
 *    client (TwHttpStats) and by the server (connections that carried a
 *    request; over HTTPS each is one handshake).
 *
 * 5. Outage recovery: tests/test-outage's recovery case (30 s of 503 at a
 *    pace of one second while customers write, ended right after a failed
 *    poll): the first read and the last delivery after the end, in paces.
 *
 * Progress goes to stderr, the report to stdout. Options: --accounts N,
 * --idle-seconds N, --requests N, --soak-seconds N (0 skips the soak).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <gio/gio.h>
#include <json-glib/json-glib.h>
#include <purple.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "bench-common.h"
#include "tw-api.h"
#include "tw-http.h"
#include "tw-sandbox.h"
#include "tw-test-crowd.h"
#include "tw-test-loop.h"
#include "tw-test-runner.h"
#include "tw-test-tls.h"
#include "tw-test-world.h"

#ifndef TW_BENCH_RUNNER
#error "TW_BENCH_RUNNER must name the built twdm-runner"
#endif
#ifndef TW_BENCH_SOAK
#error "TW_BENCH_SOAK must name the built tests/test-soak"
#endif
#ifndef TW_BENCH_FUZZ_SUMMARY
#define TW_BENCH_FUZZ_SUMMARY "build-fuzz/fuzz-summary.txt"
#endif
#ifndef TW_BENCH_BUILD_TYPE
#define TW_BENCH_BUILD_TYPE "unknown"
#endif

typedef struct {
	int accounts;
	int idle_seconds;
	int requests;
	int soak_seconds;
} Options;

/****************************************************************************
 * 1. Soak
 ****************************************************************************/

static void
run_soak(const Options *options)
{
	g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new(
	    G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_SILENCE);
	g_autoptr(GSubprocess) soak = NULL;
	g_autoptr(GError) error = NULL;
	g_autofree char *output = NULL;
	g_autofree char *seconds = NULL;
	g_auto(GStrv) lines = NULL;
	gint64 start = g_get_monotonic_time();
	gboolean passed = FALSE;

	printf(
	    "\n1. Soak (tests/test-soak: customers write, the agent answers, "
	    "random faults)\n");
	if (options->soak_seconds == 0) {
		printf("  skipped (--soak-seconds 0)\n");
		return;
	}
	if (!g_file_test(TW_BENCH_SOAK, G_FILE_TEST_IS_EXECUTABLE)) {
		printf("  not built: %s\n", TW_BENCH_SOAK);
		return;
	}
	tw_bench_progress("soak: %d s of faults", options->soak_seconds);
	seconds = g_strdup_printf("%d", options->soak_seconds);
	g_subprocess_launcher_setenv(launcher, "TW_SOAK_SECONDS", seconds,
				     TRUE);
	soak = g_subprocess_launcher_spawn(launcher, &error, TW_BENCH_SOAK,
					   "--tap", NULL);
	if (soak == NULL || !g_subprocess_communicate_utf8(
				soak, NULL, NULL, &output, NULL, &error)) {
		printf("  could not run: %s\n", error->message);
		return;
	}
	lines = g_strsplit(output != NULL ? output : "", "\n", -1);
	for (guint i = 0; lines[i] != NULL; i++) {
		const char *line = lines[i];

		if (g_str_has_prefix(line, "# soak:") ||
		    g_str_has_prefix(line, "#   ") ||
		    g_str_has_prefix(line, "# drained"))
			printf("  %s\n", line + 2);
		else if (g_str_has_prefix(line, "ok "))
			passed = TRUE;
	}
	printf("  result: %s, %.0f s in all\n",
	       passed ? "passed (lost, duplicated and reordered all 0, "
			"still online)"
		      : "FAILED",
	       (g_get_monotonic_time() - start) / 1e6);
}

/****************************************************************************
 * 2. Fuzzing
 ****************************************************************************/

static void
print_fuzz_summary(void)
{
	const char *path = g_getenv("TW_BENCH_FUZZ_SUMMARY");
	g_autofree char *text = NULL;
	g_auto(GStrv) lines = NULL;

	if (path == NULL)
		path = TW_BENCH_FUZZ_SUMMARY;
	printf("\n2. Fuzzing (libFuzzer, clang, ASan+UBSan; `tools/fuzz`)\n");
	if (!g_file_get_contents(path, &text, NULL, NULL)) {
		printf("  no summary at %s: run tools/fuzz (or tools/fuzz "
		       "--seconds 600) first\n",
		       path);
		return;
	}
	lines = g_strsplit(g_strchomp(text), "\n", -1);
	for (guint i = 0; lines[i] != NULL; i++)
		printf("  %s\n", lines[i]);
}

/****************************************************************************
 * 3. Many accounts
 ****************************************************************************/

/* utime + stime, in seconds. */
static double
process_cpu_seconds(int pid)
{
	g_autofree char *path = g_strdup_printf("/proc/%d/stat", pid);
	g_autofree char *stat = NULL;
	const char *close_paren;
	unsigned long user = 0, system = 0;

	if (!g_file_get_contents(path, &stat, NULL, NULL) ||
	    (close_paren = strrchr(stat, ')')) == NULL ||
	    sscanf(close_paren + 2,
		   "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &user,
		   &system) != 2)
		return -1;
	return (double)(user + system) / (double)sysconf(_SC_CLK_TCK);
}

/* From /proc/<pid>/status, e.g. "VmHWM:" in kB. */
static gint64
process_status_value(int pid, const char *field)
{
	g_autofree char *path = g_strdup_printf("/proc/%d/status", pid);

	return tw_test_read_status_field(path, field);
}

/* A counter summed over the process's threads. */
static gint64
threads_status_sum(int pid, const char *field)
{
	g_autofree char *dir = g_strdup_printf("/proc/%d/task", pid);
	g_autoptr(GDir) tasks = g_dir_open(dir, 0, NULL);
	const char *task;
	gint64 total = 0;

	while (tasks != NULL && (task = g_dir_read_name(tasks)) != NULL) {
		g_autofree char *path =
		    g_build_filename(dir, task, "status", NULL);

		total += tw_test_read_status_field(path, field);
	}
	return total;
}

typedef struct {
	TwTestRunner *runner;
	const char *event;
	const char *flag;
	guint count;
} EventWait;

static guint
count_events(TwTestRunner *runner, const char *name, const char *flag)
{
	GPtrArray *events = tw_test_runner_get_events(runner);
	guint count = 0;

	for (guint i = 0; i < events->len; i++) {
		JsonObject *event = events->pdata[i];

		if (g_strcmp0(json_object_get_string_member_with_default(
				  event, "event", NULL),
			      name) == 0 &&
		    (flag == NULL || tw_test_event_has_flag(event, flag)))
			count++;
	}
	return count;
}

static gboolean
has_events(gpointer data)
{
	EventWait *wait = data;

	return count_events(wait->runner, wait->event, wait->flag) >=
	       wait->count;
}

/* Messages each account got that were not its own. */
static guint
count_foreign_messages(TwTestRunner *runner)
{
	GPtrArray *events = tw_test_runner_get_events(runner);
	guint foreign = 0;

	for (guint i = 0; i < events->len; i++) {
		JsonObject *event = events->pdata[i];
		g_autofree char *prefix = NULL;

		if (!tw_test_event_has_flag(event, "recv"))
			continue;
		prefix = g_strdup_printf(
		    "for %s, ", json_object_get_string_member_with_default(
				    event, "account", ""));
		if (!g_str_has_prefix(
			json_object_get_string_member_with_default(event,
								   "plain", ""),
			prefix))
			foreign++;
	}
	return foreign;
}

typedef struct {
	guint64 poll_calls;
	gboolean counted;
	char *note;
} Wakeups;

/* poll(2) and friends, as strace -c counts them for every thread. */
static void
count_wakeups(int pid, guint seconds, Wakeups *wakeups)
{
	g_autofree char *pid_text = g_strdup_printf("%d", pid);
	g_autoptr(GError) error = NULL;
	g_autoptr(GSubprocess) strace = NULL;
	g_autofree char *report = NULL;
	g_auto(GStrv) lines = NULL;
	g_autofree char *strace_path = g_find_program_in_path("strace");

	memset(wakeups, 0, sizeof(*wakeups));
	if (strace_path == NULL) {
		wakeups->note = g_strdup("strace is not installed");
		return;
	}
	strace = g_subprocess_new(G_SUBPROCESS_FLAGS_STDERR_PIPE |
				      G_SUBPROCESS_FLAGS_STDOUT_SILENCE,
				  &error, strace_path, "-f", "-c", "-e",
				  "trace=poll,ppoll,epoll_wait,epoll_pwait,"
				  "select,pselect6",
				  "-p", pid_text, NULL);
	if (strace == NULL) {
		wakeups->note = g_strdup(error->message);
		return;
	}
	tw_test_wait_for(NULL, seconds * 1000);
	g_subprocess_send_signal(strace, SIGINT);
	if (!g_subprocess_communicate_utf8(strace, NULL, NULL, NULL, &report,
					   &error)) {
		wakeups->note = g_strdup(error->message);
		return;
	}
	/* "% time  seconds  usecs/call  calls  errors syscall" rows. */
	lines = g_strsplit(report != NULL ? report : "", "\n", -1);
	for (guint i = 0; lines[i] != NULL; i++) {
		g_auto(GStrv) fields =
		    g_strsplit_set(g_strstrip(lines[i]), " ", -1);
		g_autoptr(GPtrArray) words = g_ptr_array_new();
		const char *name;

		for (guint j = 0; fields[j] != NULL; j++) {
			if (fields[j][0] != '\0')
				g_ptr_array_add(words, fields[j]);
		}
		if (words->len < 5)
			continue;
		name = words->pdata[words->len - 1];
		if (g_str_equal(name, "poll") || g_str_equal(name, "ppoll") ||
		    g_str_has_prefix(name, "epoll_") ||
		    g_str_equal(name, "select") ||
		    g_str_equal(name, "pselect6")) {
			wakeups->poll_calls +=
			    g_ascii_strtoull(words->pdata[3], NULL, 10);
			wakeups->counted = TRUE;
		}
	}
	/* No table at all: not one of those calls in the window. */
	if (!wakeups->counted && report != NULL &&
	    strstr(report, "attached") != NULL &&
	    strstr(report, "% time") == NULL)
		wakeups->counted = TRUE;
	if (!wakeups->counted)
		wakeups->note =
		    g_strdup_printf("strace gave no count (%s)",
				    report != NULL ? g_strstrip(report) : "");
}

typedef struct {
	double sign_on_seconds;
	double delivered_seconds;
	guint signed_on;
	guint received;
	guint foreign;
	guint connection_errors;
	gint64 peak_rss_kb;
	/* a window with no poll due: wake-ups must be 0 */
	guint quiet_seconds;
	guint quiet_polls;
	gint64 quiet_switches;
	gint64 quiet_main_switches;
	Wakeups quiet_wakeups;
	/* idle polling at a compressed pace */
	guint idle_seconds;
	double idle_cpu_seconds;
	guint idle_polls;
	gint64 idle_switches;
	Wakeups wakeups;
	guint wakeup_polls;
	int exit_status;
} CrowdRun;

static void
crowd_run_clear(CrowdRun *run)
{
	g_free(run->quiet_wakeups.note);
	g_free(run->wakeups.note);
}

static guint
count_polls(TwTestCrowd *crowd)
{
	return tw_sandbox_count_requests(crowd->sandbox, "GET", "/2/dm_events");
}

/* One runner with @accounts, on a sandbox whose read window is
 * @window_seconds long (15 reads each). After the waiting messages are
 * shown: @quiet_seconds of counting wake-ups right away, when the next
 * polls are still far off (only with X's 900 s window); then
 * @idle_seconds of CPU time and @idle_seconds of wake-ups. */
static gboolean
run_crowd(guint accounts, guint window_seconds, guint quiet_seconds,
	  guint idle_seconds, CrowdRun *run)
{
	TwTestCrowd crowd = {0};
	TwTestRunner *runner;
	EventWait signed_on = {NULL, "signed-on", NULL, accounts};
	EventWait received = {NULL, "message", "recv", 0};
	gint64 start;
	int pid;

	memset(run, 0, sizeof(*run));
	tw_test_crowd_set_up(&crowd, accounts, window_seconds);
	received.count = crowd.messages_each * accounts;
	start = g_get_monotonic_time();
	runner = tw_test_runner_start(crowd.user_dir, "--config",
				      crowd.config_path, NULL);
	signed_on.runner = received.runner = runner;
	pid = tw_test_runner_get_pid(runner);
	tw_test_wait_until(has_events, &signed_on, 180000);
	run->sign_on_seconds = (g_get_monotonic_time() - start) / 1e6;
	tw_test_wait_until(has_events, &received, 180000);
	run->delivered_seconds = (g_get_monotonic_time() - start) / 1e6;
	/* What the first polls set in motion (avatars, state files). */
	tw_test_wait_for(NULL, 3000);
	run->signed_on = count_events(runner, "signed-on", NULL);
	run->received = count_events(runner, "message", "recv");
	run->foreign = count_foreign_messages(runner);

	if (pid > 0 && quiet_seconds > 0) {
		g_autofree char *main_thread =
		    g_strdup_printf("/proc/%d/task/%d/status", pid, pid);
		guint polls_before = count_polls(&crowd);
		gint64 switches_before =
		    threads_status_sum(pid, "voluntary_ctxt_switches:");
		gint64 main_before = tw_test_read_status_field(
		    main_thread, "voluntary_ctxt_switches:");

		/* libpurple saves blist.xml and accounts.xml a few seconds
		 * after the sign-on's changes: that is not idling yet. */
		tw_test_wait_for(NULL, 12000);
		main_before = tw_test_read_status_field(
		    main_thread, "voluntary_ctxt_switches:");
		switches_before =
		    threads_status_sum(pid, "voluntary_ctxt_switches:");
		/* First untraced (ptrace stops are context switches too),
		 * then under strace. */
		tw_bench_progress("%u accounts: 2 × %u s with no poll due",
				  accounts, quiet_seconds);
		tw_test_wait_for(NULL, quiet_seconds * 1000);
		run->quiet_switches =
		    threads_status_sum(pid, "voluntary_ctxt_switches:") -
		    switches_before;
		run->quiet_main_switches =
		    tw_test_read_status_field(main_thread,
					      "voluntary_ctxt_switches:") -
		    main_before;
		count_wakeups(pid, quiet_seconds, &run->quiet_wakeups);
		run->quiet_seconds = quiet_seconds;
		run->quiet_polls = count_polls(&crowd) - polls_before;
	}
	if (pid > 0 && idle_seconds > 0) {
		guint polls_before = count_polls(&crowd);
		gint64 switches_before =
		    threads_status_sum(pid, "voluntary_ctxt_switches:");
		double cpu_before = process_cpu_seconds(pid);

		tw_bench_progress(
		    "%u accounts: %u s of idle polling, no tracing", accounts,
		    idle_seconds);
		tw_test_wait_for(NULL, idle_seconds * 1000);
		run->idle_cpu_seconds = process_cpu_seconds(pid) - cpu_before;
		run->idle_seconds = idle_seconds;
		run->idle_polls = count_polls(&crowd) - polls_before;
		run->idle_switches =
		    threads_status_sum(pid, "voluntary_ctxt_switches:") -
		    switches_before;

		tw_bench_progress(
		    "%u accounts: %u s of idle polling under strace", accounts,
		    idle_seconds);
		polls_before = count_polls(&crowd);
		count_wakeups(pid, idle_seconds, &run->wakeups);
		run->wakeup_polls = count_polls(&crowd) - polls_before;
	}
	if (pid > 0)
		run->peak_rss_kb = process_status_value(pid, "VmHWM:");
	run->connection_errors = count_events(runner, "connection-error", NULL);
	run->exit_status = tw_test_runner_quit(runner);
	tw_test_crowd_tear_down(&crowd);
	return pid > 0;
}

/* X allows 15 DM reads per 15 minutes; the plugin keeps one in hand. */
#define X_POLLS_PER_HOUR (14 * 4)

static void
print_crowd(guint accounts, const CrowdRun *quiet, const CrowdRun *busy,
	    const CrowdRun *single)
{
	double cpu_per_poll = busy->idle_polls > 0
				  ? busy->idle_cpu_seconds / busy->idle_polls
				  : 0.0;

	printf("  %u accounts: all signed on in %.1f s (%u of %u), their "
	       "%u waiting messages shown after %.1f s\n",
	       accounts, busy->sign_on_seconds, busy->signed_on, accounts,
	       busy->received, busy->delivered_seconds);
	printf("  each account got only its own messages: %s (%u foreign, in "
	       "two runs); connection errors %u; exit status %d\n",
	       busy->foreign + quiet->foreign == 0 ? "yes" : "NO",
	       busy->foreign + quiet->foreign,
	       busy->connection_errors + quiet->connection_errors,
	       busy->exit_status != 0 ? busy->exit_status : quiet->exit_status);
	printf(
	    "  peak RSS %.1f MB for %u accounts; %.1f MB for one; about "
	    "%.0f kB per further account\n",
	    busy->peak_rss_kb / 1024.0, accounts, single->peak_rss_kb / 1024.0,
	    accounts > 1 ? (double)(busy->peak_rss_kb - single->peak_rss_kb) /
			       (accounts - 1)
			 : 0.0);
	if (busy->idle_seconds > 0) {
		printf("  idle polling, compressed to 15 reads per 60 s: %u "
		       "polls in %u s cost %.2f s of CPU = %.2f ms per poll\n",
		       busy->idle_polls, busy->idle_seconds,
		       busy->idle_cpu_seconds, cpu_per_poll * 1000.0);
		printf(
		    "    at X's pace (15 reads per 15 min, about %d polls an "
		    "hour): %.2f CPU seconds per account per hour; "
		    "%.3f%% of one core for %u accounts\n",
		    X_POLLS_PER_HOUR, cpu_per_poll * X_POLLS_PER_HOUR,
		    100.0 * cpu_per_poll * X_POLLS_PER_HOUR * accounts / 3600.0,
		    accounts);
		printf("    (at the compressed pace itself: %.2f CPU seconds "
		       "per account per hour)\n",
		       busy->idle_cpu_seconds / accounts * 3600.0 /
			   busy->idle_seconds);
	}
	printf("  idle wake-ups (strace -f -c: every return from poll() is "
	       "one main-loop wake-up; the sandbox counts the polls):\n");
	if (quiet->quiet_seconds > 0) {
		if (quiet->quiet_wakeups.counted)
			printf(
			    "    with no poll due (X's window): %u s untraced, "
			    "%" G_GINT64_FORMAT " context switches of the "
			    "main loop's thread (%" G_GINT64_FORMAT
			    " of all threads); %u s under strace, %" G_GUINT64_FORMAT
			    " wake-ups; %u polls\n",
			    quiet->quiet_seconds, quiet->quiet_main_switches,
			    quiet->quiet_switches, quiet->quiet_seconds,
			    quiet->quiet_wakeups.poll_calls,
			    quiet->quiet_polls);
		else
			printf("    with no poll due: not counted (%s)\n",
			       quiet->quiet_wakeups.note);
	}
	if (busy->idle_seconds > 0) {
		if (busy->wakeups.counted)
			printf(
			    "    %u s of compressed polling: %" G_GUINT64_FORMAT
			    " wake-ups for %u polls = %.1f per poll (its "
			    "timer, then the socket); without strace %.1f "
			    "context switches per poll\n",
			    busy->idle_seconds, busy->wakeups.poll_calls,
			    busy->wakeup_polls,
			    busy->wakeup_polls > 0
				? (double)busy->wakeups.poll_calls /
				      busy->wakeup_polls
				: 0.0,
			    busy->idle_polls > 0
				? (double)busy->idle_switches / busy->idle_polls
				: 0.0);
		else
			printf("    while polling: not counted (%s)\n",
			       busy->wakeups.note);
	}
	printf("    so the idle wake-ups come from the poll timers: %s\n",
	       quiet->quiet_wakeups.counted &&
		       quiet->quiet_wakeups.poll_calls == 0 &&
		       quiet->quiet_main_switches == 0 &&
		       busy->wakeups.counted && busy->wakeup_polls > 0
		   ? "yes (none between polls, a few per poll)"
		   : "NOT shown");
}

static void
run_accounts(const Options *options)
{
	CrowdRun single, quiet, busy;
	guint accounts = (guint)options->accounts;

	printf("\n3. Many accounts (one twdm-runner with --config, one "
	       "sandbox)\n");
	if (options->accounts <= 0) {
		printf("  skipped (--accounts 0)\n");
		return;
	}
	tw_bench_progress("one account, for the memory baseline");
	run_crowd(1, 60, 0, 0, &single);
	tw_bench_progress("%u accounts, X's window: wake-ups between polls",
			  accounts);
	run_crowd(accounts, 900, 15, 0, &quiet);
	tw_bench_progress(
	    "%u accounts, compressed window: idle CPU and wake-ups", accounts);
	if (!run_crowd(accounts, 60, 0, (guint)options->idle_seconds, &busy)) {
		printf("  the runner's pid was not found\n");
	} else {
		print_crowd(accounts, &quiet, &busy, &single);
	}
	crowd_run_clear(&single);
	crowd_run_clear(&quiet);
	crowd_run_clear(&busy);
}

/****************************************************************************
 * 4. HTTP reuse
 ****************************************************************************/

typedef struct {
	gboolean done;
	guint ok;
	guint failed;
	char *access_token;
} Call;

static void
token_done(TwApiReply *reply, gpointer data)
{
	Call *call = data;

	if (reply->error == NULL)
		call->access_token = g_strdup(reply->token->access_token);
	call->done = TRUE;
}

static void
list_done(TwApiReply *reply, gpointer data)
{
	Call *call = data;

	if (reply->error == NULL)
		call->ok++;
	else
		call->failed++;
	call->done = TRUE;
}

static void
fetch_done(PurpleUtilFetchUrlData *url_data, gpointer data, const gchar *text,
	   gsize length, const gchar *error_message)
{
	Call *call = data;

	/* A DM page, not a problem body or an error. */
	if (text != NULL && strstr(text, "\"result_count\"") != NULL) {
		call->ok++;
	} else {
		if (call->failed == 0)
			tw_bench_progress("purple_util_fetch_url: %s",
					  error_message != NULL ? error_message
					  : text != NULL        ? text
								: "no answer");
		call->failed++;
	}
	call->done = TRUE;
}

/* libpurple as a stock plugin sees it: core, the ssl plugin, and the
 * test CA in its CA pool (as if installed in the system store). */
static gboolean
start_libpurple(const char *user_dir, const char *ca_file)
{
	PurpleCertificateScheme *x509;
	PurpleCertificatePool *pool;
	PurpleCertificate *ca;

	purple_util_set_user_dir(user_dir);
	purple_debug_set_enabled(g_getenv("TW_BENCH_PURPLE_DEBUG") != NULL);
	if (!purple_core_init("twdm-bench") || !purple_ssl_is_supported()) {
		tw_bench_progress("libpurple or its ssl plugin did not start");
		return FALSE;
	}
	x509 = purple_certificate_find_scheme("x509");
	pool = purple_certificate_find_pool("x509", "ca");
	ca = x509 != NULL ? purple_certificate_import(x509, ca_file) : NULL;
	if (pool == NULL || ca == NULL ||
	    !purple_certificate_pool_store(pool, "twdm-bench-ca", ca)) {
		tw_bench_progress(
		    "the test CA could not be added to libpurple's pool");
		if (ca != NULL)
			purple_certificate_destroy(ca);
		return FALSE;
	}
	purple_certificate_destroy(ca);
	return TRUE;
}

typedef struct {
	guint ok;
	guint failed;
	guint64 client_connections;
	guint64 server_connections;
	double seconds;
} Reuse;

static void
print_reuse(const char *name, guint requests, const Reuse *reuse,
	    gboolean client_counted)
{
	printf("  %-30s %3u ok, %u failed; connections (= TLS handshakes) "
	       "per %u requests: %" G_GUINT64_FORMAT " by the server",
	       name, reuse->ok, reuse->failed, requests,
	       reuse->server_connections);
	if (client_counted)
		printf(", %" G_GUINT64_FORMAT " by the client",
		       reuse->client_connections);
	printf("; %.1f ms per request\n", reuse->seconds * 1000.0 / requests);
}

static void
run_http_reuse(const Options *options)
{
	TwTestTls tls;
	TwSandboxConfig config;
	TwSandboxCounters before, after;
	TwHttpStats stats_before, stats_after;
	Reuse plugin = {0}, stock = {0};
	g_autoptr(GError) error = NULL;
	g_autoptr(TwSandbox) sandbox = NULL;
	g_autoptr(TwHttp) http = NULL;
	g_autoptr(TwApi) api = NULL;
	g_autofree char *user_id = NULL;
	g_autofree char *refresh_token = NULL;
	g_autofree char *customer_id = NULL;
	g_autofree char *user_dir = NULL;
	g_autofree char *url = NULL;
	g_autofree char *request = NULL;
	Call call = {0};
	guint requests = (guint)options->requests;
	gint64 start;

	printf("\n4. HTTP reuse (sandbox over HTTPS, private CA trusted by "
	       "both; %u sequential GET /2/dm_events)\n",
	       requests);
	if (requests == 0) {
		printf("  skipped (--requests 0)\n");
		return;
	}
	if (!tw_test_tls_set_up(&tls, &error)) {
		printf("  no certificates: %s\n", error->message);
		return;
	}
	tw_sandbox_config_init(&config);
	config.dm_read_limit = 100000;
	sandbox = tw_sandbox_new(&config);
	if (!tw_sandbox_set_tls_certificate(sandbox, tls.cert_file,
					    tls.key_file, &error) ||
	    !tw_sandbox_start(sandbox, 0, &error)) {
		printf("  the sandbox did not start: %s\n", error->message);
		tw_test_tls_tear_down(&tls);
		return;
	}
	user_id = tw_sandbox_add_user(sandbox, "acme_support", "Acme");
	refresh_token = tw_sandbox_issue_refresh_token(sandbox, user_id);
	customer_id = tw_sandbox_add_user(sandbox, "alice_c", "Alice");
	/* Pages of five real events, as an idle poll asks for. */
	for (guint i = 0; i < 5; i++) {
		g_autofree char *id = tw_sandbox_create_message(
		    sandbox, customer_id, user_id, "a customer's message");
	}

	/* The plugin's layer: TwApi on TwHttp on tw-loop. The access token
	 * comes first, over a client of its own, so that the measured one
	 * starts without a connection. */
	http = tw_http_new();
	tw_http_set_ca_file(http, tls.ca_file);
	api = tw_api_new(http, tw_sandbox_get_base_url(sandbox), &error);
	g_assert_no_error(error);
	tw_api_refresh_token(api, TW_SANDBOX_CLIENT_ID, NULL, refresh_token,
			     token_done, &call, NULL);
	tw_test_wait_for(&call.done, 30000);
	g_clear_pointer(&api, tw_api_free);
	g_clear_pointer(&http, tw_http_free);
	if (call.access_token == NULL) {
		printf("  no access token over HTTPS\n");
		tw_test_tls_tear_down(&tls);
		return;
	}
	http = tw_http_new();
	tw_http_set_ca_file(http, tls.ca_file);
	api = tw_api_new(http, tw_sandbox_get_base_url(sandbox), &error);
	g_assert_no_error(error);
	tw_api_set_access_token(api, call.access_token);
	tw_bench_progress("HTTP reuse: %u requests through TwHttp", requests);
	tw_sandbox_get_counters(sandbox, &before);
	tw_http_get_stats(http, &stats_before);
	start = g_get_monotonic_time();
	for (guint i = 0; i < requests; i++) {
		call.done = FALSE;
		tw_api_list_dm_events(api, 5, NULL, list_done, &call, NULL);
		tw_test_wait_for(&call.done, 30000);
	}
	plugin.seconds = (g_get_monotonic_time() - start) / 1e6;
	tw_sandbox_get_counters(sandbox, &after);
	tw_http_get_stats(http, &stats_after);
	plugin.ok = call.ok;
	plugin.failed = call.failed;
	plugin.client_connections =
	    stats_after.connections - stats_before.connections;
	plugin.server_connections = after.connections - before.connections;

	/* The stock way: purple_util_fetch_url, HTTP/1.0, one connection
	 * per request. */
	user_dir = tw_test_make_user_dir();
	if (start_libpurple(user_dir, tls.ca_file)) {
		url = g_strdup_printf("%s/2/dm_events?max_results=5",
				      tw_sandbox_get_base_url(sandbox));
		request = g_strdup_printf(
		    "GET /2/dm_events?max_results=5 HTTP/1.0\r\n"
		    "Host: %s\r\n"
		    "User-Agent: bench-evidence\r\n"
		    "Authorization: Bearer %s\r\n"
		    "Connection: close\r\n\r\n",
		    tw_sandbox_get_base_url(sandbox) + strlen("https://"),
		    call.access_token);
		tw_bench_progress("HTTP reuse: %u requests through "
				  "purple_util_fetch_url",
				  requests);
		tw_sandbox_get_counters(sandbox, &before);
		call.ok = call.failed = 0;
		start = g_get_monotonic_time();
		for (guint i = 0; i < requests; i++) {
			call.done = FALSE;
			purple_util_fetch_url_request(url, TRUE, NULL, FALSE,
						      request, FALSE,
						      fetch_done, &call);
			if (!tw_test_wait_for(&call.done, 30000)) {
				tw_bench_progress(
				    "purple_util_fetch_url did not "
				    "finish in 30 s");
				call.failed += requests - i;
				break;
			}
		}
		stock.seconds = (g_get_monotonic_time() - start) / 1e6;
		tw_sandbox_get_counters(sandbox, &after);
		stock.ok = call.ok;
		stock.failed = call.failed;
		stock.server_connections =
		    after.connections - before.connections;
		purple_core_quit();
	}
	tw_test_remove_tree(user_dir);

	print_reuse("TwHttp (libcurl multi):", requests, &plugin, TRUE);
	print_reuse("purple_util_fetch_url:", requests, &stock, FALSE);
	if (plugin.server_connections > 0 && stock.server_connections > 0)
		printf("  ratio: purple_util_fetch_url opens %.0f times as "
		       "many connections and TLS handshakes as TwHttp\n",
		       (double)stock.server_connections /
			   plugin.server_connections);
	g_free(call.access_token);
	tw_sandbox_free(g_steal_pointer(&sandbox));
	tw_test_tls_tear_down(&tls);
}

/****************************************************************************
 * 5. Outage recovery
 ****************************************************************************/

static void
run_outage_recovery(void)
{
	g_autoptr(GSubprocessLauncher) launcher = g_subprocess_launcher_new(
	    G_SUBPROCESS_FLAGS_STDOUT_PIPE | G_SUBPROCESS_FLAGS_STDERR_SILENCE);
	g_autoptr(GSubprocess) test = NULL;
	g_autoptr(GError) error = NULL;
	g_autofree char *output = NULL;
	g_auto(GStrv) lines = NULL;
	gboolean passed = FALSE;

	printf("\n5. Outage recovery (tests/test-outage: 30 s of 503 at a "
	       "1 s pace while customers write, ended right after a failed "
	       "poll; targets: first read within 4 paces, everything within "
	       "8)\n");
	if (!g_file_test(TW_BENCH_OUTAGE, G_FILE_TEST_IS_EXECUTABLE)) {
		printf("  not built: %s\n", TW_BENCH_OUTAGE);
		return;
	}
	tw_bench_progress("outage recovery: about 40 s");
	test = g_subprocess_launcher_spawn(
	    launcher, &error, TW_BENCH_OUTAGE, "--tap", "-p",
	    "/outage/recovery/after-30-s-of-503", NULL);
	if (test == NULL || !g_subprocess_communicate_utf8(
				test, NULL, NULL, &output, NULL, &error)) {
		printf("  could not run: %s\n", error->message);
		return;
	}
	lines = g_strsplit(output != NULL ? output : "", "\n", -1);
	for (guint i = 0; lines[i] != NULL; i++) {
		if (g_str_has_prefix(lines[i], "# outage recovery:"))
			printf("  %s\n", lines[i] + 2);
		else if (g_str_has_prefix(lines[i], "ok "))
			passed = TRUE;
	}
	printf("  result: %s\n",
	       passed ? "passed (within the targets, each message exactly "
			"once, oldest first, still online)"
		      : "FAILED");
}

/****************************************************************************
 * Main
 ****************************************************************************/

static gboolean
parse_options(int *argc, char ***argv, Options *options)
{
	GOptionEntry entries[] = {
	    {"accounts", 0, 0, G_OPTION_ARG_INT, &options->accounts,
	     "Accounts in the runner (default 100; 0 skips)", "N"},
	    {"idle-seconds", 0, 0, G_OPTION_ARG_INT, &options->idle_seconds,
	     "Length of each idle measurement (default 60)", "S"},
	    {"requests", 0, 0, G_OPTION_ARG_INT, &options->requests,
	     "Requests per HTTP client (default 100; 0 skips)", "N"},
	    {"soak-seconds", 0, 0, G_OPTION_ARG_INT, &options->soak_seconds,
	     "Seconds of soak faults (default 40; 0 skips)", "S"},
	    {NULL},
	};
	g_autoptr(GOptionContext) context =
	    g_option_context_new("- the figures of issue 7");
	g_autoptr(GError) error = NULL;

	options->accounts = 100;
	options->idle_seconds = 60;
	options->requests = 100;
	options->soak_seconds = 40;
	g_option_context_add_main_entries(context, entries, NULL);
	if (!g_option_context_parse(context, argc, argv, &error)) {
		fprintf(stderr, "bench-evidence: %s\n", error->message);
		return FALSE;
	}
	if (options->accounts < 0 || options->idle_seconds < 0 ||
	    options->requests < 0 || options->soak_seconds < 0) {
		fprintf(stderr, "bench-evidence: negative numbers\n");
		return FALSE;
	}
	return TRUE;
}

int
main(int argc, char **argv)
{
	Options options;
	g_autofree char *load_start = tw_bench_read_load_average();
	g_autofree char *load_end = NULL;
	g_autofree char *gstreamer_dir = NULL;
	g_autofree char *gstreamer_registry = NULL;
	g_autoptr(GDateTime) now = g_date_time_new_now_local();
	g_autofree char *date = g_date_time_format(now, "%Y-%m-%d %H:%M:%S");
	gint64 started = g_get_monotonic_time();

	if (!parse_options(&argc, &argv, &options))
		return 1;
	/* Before any thread starts: setenv is not thread-safe. The soak
	 * and the runners find the runner here; libpurple's media code
	 * finds no GStreamer plugins to probe. */
	g_setenv("TW_TEST_RUNNER", TW_BENCH_RUNNER, FALSE);
	gstreamer_dir =
	    g_build_filename(g_get_tmp_dir(), "twdm-bench-no-gst", NULL);
	gstreamer_registry =
	    g_build_filename(gstreamer_dir, "registry.bin", NULL);
	g_setenv("GST_PLUGIN_SYSTEM_PATH_1_0", gstreamer_dir, FALSE);
	g_setenv("GST_REGISTRY_1_0", gstreamer_registry, FALSE);
	tw_test_loop_install();

	printf("purple-twdm evidence: reliability, security, performance; %s\n",
	       date);
	printf("  machine: %u CPUs, load average at start %s; build: %s\n",
	       g_get_num_processors(), load_start, TW_BENCH_BUILD_TYPE);
	fflush(stdout);

	run_soak(&options);
	fflush(stdout);
	print_fuzz_summary();
	fflush(stdout);
	run_accounts(&options);
	fflush(stdout);
	run_http_reuse(&options);
	fflush(stdout);
	run_outage_recovery();

	load_end = tw_bench_read_load_average();
	printf("\n  load average at end %s; whole run %.0f s\n", load_end,
	       (g_get_monotonic_time() - started) / 1e6);
	return 0;
}
