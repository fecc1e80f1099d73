/*
 * bench-sync: the sync benchmark of issue 3.
 *
 * One run prints, as figures and ratios measured side by side:
 *
 * 1. Steady state under compressed rate windows: the delay from the
 *    sandbox creating a DM to the runner's JSON line (median, p95, as a
 *    ratio to the floor window / limit / 2, the mean wait of an ideal
 *    poller that spends the whole budget), the 429 count, and the billed
 *    reads per delivered DM next to a naive poller (max_results=100 every
 *    window / limit seconds) against a second, identical sandbox with the
 *    same history and the same message schedule.
 * 2. A 10,000-DM backlog over 1,000 conversations, written while the
 *    account was offline: time to ingest, events per second, the runner's
 *    longest main-loop stall and its peak RSS (twdm-runner --stats).
 *
 * The machines are shared and noisy: read the figures as ratios within one
 * run, next to the load average printed at the top. Not a test: it asserts
 * only what it needs to measure at all.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <gio/gio.h>
#include <json-glib/json-glib.h>
#include <libsoup/soup.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "tw-sandbox.h"
#include "tw-test-loop.h"
#include "tw-test-runner.h"
#include "tw-test-world.h"

#ifndef TW_BENCH_RUNNER
#error "TW_BENCH_RUNNER must name the built twdm-runner"
#endif
#ifndef TW_BENCH_BUILD_TYPE
#define TW_BENCH_BUILD_TYPE "unknown"
#endif

/* How often the main loop wakes up at least, to keep deadlines. */
#define TICK_MS 50
/* After the last scheduled DM, how long stragglers may take. */
#define DRAIN_SECONDS           30
#define BACKLOG_TIMEOUT_SECONDS 150
/* How long the runner stays on after the backlog is in. */
#define IDLE_AFTER_BACKLOG_MS 2000

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
} TwBenchOptions;

/* Which side of the comparison. */
enum { SIDE_PLUGIN, SIDE_NAIVE, SIDE_COUNT };

typedef struct {
	char *text;
	guint customer;
	gint64 offset;                 /* µs after the schedule starts */
	gint64 created_at[SIDE_COUNT]; /* real time µs, 0 = not yet */
	gint64 seen_at[SIDE_COUNT];    /* real time µs, 0 = not yet */
} TwBenchMessage;

typedef struct {
	const TwBenchOptions *options;
	TwTestWorld worlds[SIDE_COUNT];
	GPtrArray *customer_ids[SIDE_COUNT]; /* char * */
	GPtrArray *messages;                 /* TwBenchMessage */
	GHashTable *by_text;   /* text -> TwBenchMessage, borrowed */
	gint64 schedule_start; /* monotonic µs */
	gint64 schedule_end;   /* monotonic µs: the run stopped */
	guint next_message;
	guint create_timer;

	/* the plugin, through the runner */
	TwTestRunner *runner;
	guint scanned_events;
	guint plugin_duplicates;
	guint plugin_other_messages;
	guint plugin_connection_errors;

	/* the naive poller */
	SoupSession *session;
	char *naive_authorization;
	char *naive_url;
	guint naive_timer;
	gboolean naive_in_flight;
	guint naive_skipped;
	guint naive_errors;
	GHashTable *naive_seen; /* event id */
} TwBenchLatency;

/****************************************************************************
 * Small helpers
 ****************************************************************************/

static void progress(const char *format, ...) G_GNUC_PRINTF(1, 2);

/* Progress goes to stderr, so stdout holds the report alone. */
static void
progress(const char *format, ...)
{
	g_autofree char *text = NULL;
	va_list args;

	va_start(args, format);
	text = g_strdup_vprintf(format, args);
	va_end(args);
	fprintf(stderr, "bench-sync: %s\n", text);
	fflush(stderr);
}

static gboolean
tick_cb(gpointer data)
{
	return G_SOURCE_CONTINUE;
}

static char *
read_load_average(void)
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

static char *
read_cpu_model(void)
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

static int
compare_doubles(gconstpointer a, gconstpointer b)
{
	double left = *(const double *)a;
	double right = *(const double *)b;

	return left < right ? -1 : left > right ? 1 : 0;
}

typedef struct {
	guint count;
	double median;
	double p95;
	double mean;
	double max;
} TwBenchSummary;

static int
compare_int64(gconstpointer a, gconstpointer b)
{
	gint64 left = *(const gint64 *)a;
	gint64 right = *(const gint64 *)b;

	return left < right ? -1 : left > right ? 1 : 0;
}

static TwBenchSummary
summarize(GArray *seconds)
{
	TwBenchSummary summary = {0};
	double total = 0;
	guint n = seconds->len;

	guint finite = 0;

	summary.count = n;
	if (n == 0)
		return summary;
	g_array_sort(seconds, compare_doubles);
	for (guint i = 0; i < n; i++) {
		if (isfinite(g_array_index(seconds, double, i))) {
			total += g_array_index(seconds, double, i);
			finite++;
		}
	}
	summary.mean = finite > 0 ? total / finite : INFINITY;
	summary.median = n % 2 == 1
			     ? g_array_index(seconds, double, n / 2)
			     : (g_array_index(seconds, double, n / 2 - 1) +
				g_array_index(seconds, double, n / 2)) /
				   2;
	/* Nearest rank. */
	summary.p95 =
	    g_array_index(seconds, double, (guint)MAX(ceil(0.95 * n), 1.0) - 1);
	summary.max = g_array_index(seconds, double, n - 1);
	return summary;
}

static void
start_world(TwTestWorld *world, guint window_seconds, guint read_limit)
{
	TwSandboxConfig config;

	tw_sandbox_config_init(&config);
	config.rate_window_seconds = window_seconds;
	config.dm_read_limit = read_limit;
	tw_test_world_set_up(world, &config);
}

/* Like tw_test_world_start_runner(), without --debug: its output would
 * cost the runner time and skew what is measured. */
static TwTestRunner *
start_runner(TwTestWorld *world, const char *refresh_token)
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

static gboolean
wait_signed_on(TwTestRunner *runner)
{
	JsonObject *event = tw_test_runner_wait_event(runner, "signed-on", NULL,
						      NULL, TW_TEST_WAIT_MS);

	if (event == NULL)
		progress("the runner did not sign on; its stderr:\n%s",
			 tw_test_runner_get_stderr(runner));
	return event != NULL;
}

typedef struct {
	TwSandbox *sandbox;
	guint at_least;
} TwBenchRequestWait;

static gboolean
enough_list_requests(gpointer data)
{
	TwBenchRequestWait *wait = data;

	return tw_sandbox_count_requests(wait->sandbox, "GET",
					 "/2/dm_events") >= wait->at_least;
}

/* Quits the runner and returns its "stats" event. The runner's own quit
 * helper frees the events with the runner, so this one reads them first. */
static JsonObject *
quit_runner_with_stats(TwTestRunner *runner)
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

static gint64
stats_member(JsonObject *stats, const char *name)
{
	return stats != NULL
		   ? json_object_get_int_member_with_default(stats, name, -1)
		   : -1;
}

static gboolean
is_received_message(JsonObject *event)
{
	return g_strcmp0(json_object_get_string_member_with_default(
			     event, "event", NULL),
			 "message") == 0 &&
	       tw_test_event_has_flag(event, "recv");
}

typedef struct {
	guint list_requests;
	guint follow_up_pages;
	guint rate_limited;
} TwBenchRequestCounts;

static TwBenchRequestCounts
count_list_requests(TwSandbox *sandbox)
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

/****************************************************************************
 * Part 1: steady state, the plugin next to a naive poller
 ****************************************************************************/

static void
bench_message_free(TwBenchMessage *message)
{
	g_free(message->text);
	g_free(message);
}

static void
create_customers(TwBenchLatency *bench)
{
	for (guint side = 0; side < SIDE_COUNT; side++) {
		bench->customer_ids[side] =
		    g_ptr_array_new_with_free_func(g_free);
		for (guint i = 0; i < bench->options->customers; i++) {
			g_autofree char *handle =
			    g_strdup_printf("customer_%02u", i);
			g_autofree char *name =
			    g_strdup_printf("Customer %u", i);

			g_ptr_array_add(
			    bench->customer_ids[side],
			    tw_sandbox_add_user(bench->worlds[side].sandbox,
						handle, name));
		}
	}
}

/* The same older conversations on both sandboxes: what a poller that
 * reads 100 events at a time pays for again and again. */
static void
create_history(TwBenchLatency *bench)
{
	gint64 now = g_get_real_time();
	guint count = bench->options->history;

	for (guint i = 0; i < count; i++) {
		guint customer = i % bench->options->customers;
		/* Spread over the last three hours, oldest first. */
		gint64 created_at = now - 3 * G_TIME_SPAN_HOUR +
				    (gint64)i * (3 * G_TIME_SPAN_HOUR / count);
		g_autofree char *text = g_strdup_printf("older message %u", i);

		for (guint side = 0; side < SIDE_COUNT; side++) {
			TwTestWorld *world = &bench->worlds[side];
			const char *customer_id =
			    bench->customer_ids[side]->pdata[customer];
			TwSandboxMessage message = {0};
			g_autofree char *id = NULL;

			/* Every third one is an answer of the account. */
			message.sender_id =
			    i % 3 == 2 ? world->account_id : customer_id;
			message.recipient_id =
			    i % 3 == 2 ? customer_id : world->account_id;
			message.text = text;
			message.created_at = created_at;
			id = tw_sandbox_create_message_full(world->sandbox,
							    &message);
		}
	}
}

static void
plan_messages(TwBenchLatency *bench, GRand *rand)
{
	const TwBenchOptions *options = bench->options;
	g_autoptr(GArray) offsets = g_array_new(FALSE, FALSE, sizeof(gint64));

	/* Random, independent times: customers do not write on a beat. */
	for (guint i = 0; i < options->messages; i++) {
		gint64 offset = (gint64)g_rand_double_range(
		    rand, 0, (double)options->run_seconds * G_USEC_PER_SEC);

		g_array_append_val(offsets, offset);
	}
	g_array_sort(offsets, compare_int64);
	bench->messages =
	    g_ptr_array_new_with_free_func((GDestroyNotify)bench_message_free);
	bench->by_text = g_hash_table_new(g_str_hash, g_str_equal);
	for (guint i = 0; i < options->messages; i++) {
		TwBenchMessage *message = g_new0(TwBenchMessage, 1);

		message->customer = (guint)g_rand_int_range(
		    rand, 0, (gint32)options->customers);
		message->offset = g_array_index(offsets, gint64, i);
		message->text =
		    g_strdup_printf("Hello, this is customer %u, message #%u",
				    message->customer, i);
		g_ptr_array_add(bench->messages, message);
		g_hash_table_insert(bench->by_text, message->text, message);
	}
}

static void
create_on_side(TwBenchLatency *bench, TwBenchMessage *message, guint side)
{
	TwTestWorld *world = &bench->worlds[side];
	TwSandboxMessage request = {0};
	g_autofree char *id = NULL;

	request.sender_id = bench->customer_ids[side]->pdata[message->customer];
	request.recipient_id = world->account_id;
	request.text = message->text;
	message->created_at[side] = g_get_real_time();
	id = tw_sandbox_create_message_full(world->sandbox, &request);
}

static void schedule_next_message(TwBenchLatency *bench);

static gboolean
create_due_messages_cb(gpointer data)
{
	TwBenchLatency *bench = data;
	gint64 elapsed = g_get_monotonic_time() - bench->schedule_start;

	bench->create_timer = 0;
	while (bench->next_message < bench->messages->len) {
		TwBenchMessage *message =
		    bench->messages->pdata[bench->next_message];

		if (message->offset > elapsed)
			break;
		/* Take turns, so neither side always gets the head start. */
		if (bench->next_message % 2 == 0) {
			create_on_side(bench, message, SIDE_PLUGIN);
			create_on_side(bench, message, SIDE_NAIVE);
		} else {
			create_on_side(bench, message, SIDE_NAIVE);
			create_on_side(bench, message, SIDE_PLUGIN);
		}
		bench->next_message++;
	}
	schedule_next_message(bench);
	return G_SOURCE_REMOVE;
}

static void
schedule_next_message(TwBenchLatency *bench)
{
	TwBenchMessage *message;
	gint64 wait;

	if (bench->next_message >= bench->messages->len)
		return;
	message = bench->messages->pdata[bench->next_message];
	wait = bench->schedule_start + message->offset - g_get_monotonic_time();
	bench->create_timer = g_timeout_add((guint)MAX(wait, 0) / 1000,
					    create_due_messages_cb, bench);
}

/* Stamps the runner's new lines with their arrival time. */
static void
scan_runner_events(TwBenchLatency *bench)
{
	GPtrArray *events = tw_test_runner_get_events(bench->runner);
	gint64 now = g_get_real_time();

	for (; bench->scanned_events < events->len; bench->scanned_events++) {
		JsonObject *event = events->pdata[bench->scanned_events];
		TwBenchMessage *message;

		if (g_strcmp0(json_object_get_string_member_with_default(
				  event, "event", NULL),
			      "connection-error") == 0)
			bench->plugin_connection_errors++;
		if (!is_received_message(event))
			continue;
		message = g_hash_table_lookup(
		    bench->by_text, json_object_get_string_member_with_default(
					event, "plain", ""));
		if (message == NULL)
			bench->plugin_other_messages++;
		else if (message->seen_at[SIDE_PLUGIN] != 0)
			bench->plugin_duplicates++;
		else
			message->seen_at[SIDE_PLUGIN] = now;
	}
}

static void
naive_take_page(TwBenchLatency *bench, GBytes *body)
{
	g_autoptr(JsonParser) parser = json_parser_new();
	gint64 now = g_get_real_time();
	JsonNode *root;
	JsonArray *data;

	if (!json_parser_load_from_data(parser, g_bytes_get_data(body, NULL),
					(gssize)g_bytes_get_size(body), NULL)) {
		bench->naive_errors++;
		return;
	}
	root = json_parser_get_root(parser);
	if (!JSON_NODE_HOLDS_OBJECT(root) ||
	    !json_object_has_member(json_node_get_object(root), "data"))
		return;
	data = json_object_get_array_member(json_node_get_object(root), "data");
	for (guint i = 0; i < json_array_get_length(data); i++) {
		JsonObject *event = json_array_get_object_element(data, i);
		const char *id = json_object_get_string_member_with_default(
		    event, "id", NULL);
		TwBenchMessage *message;

		if (id == NULL || g_hash_table_contains(bench->naive_seen, id))
			continue;
		g_hash_table_add(bench->naive_seen, g_strdup(id));
		message = g_hash_table_lookup(
		    bench->by_text, json_object_get_string_member_with_default(
					event, "text", ""));
		if (message != NULL && message->seen_at[SIDE_NAIVE] == 0)
			message->seen_at[SIDE_NAIVE] = now;
	}
}

static void
naive_poll_done(GObject *source, GAsyncResult *result, gpointer data)
{
	TwBenchLatency *bench = data;
	SoupMessage *message =
	    soup_session_get_async_result_message(SOUP_SESSION(source), result);
	g_autoptr(GError) error = NULL;
	g_autoptr(GBytes) body = soup_session_send_and_read_finish(
	    SOUP_SESSION(source), result, &error);

	bench->naive_in_flight = FALSE;
	if (body == NULL) {
		bench->naive_errors++;
		return;
	}
	/* A 429 is counted by the sandbox; the next tick simply tries again. */
	if (soup_message_get_status(message) == SOUP_STATUS_OK)
		naive_take_page(bench, body);
	else if (soup_message_get_status(message) != 429)
		bench->naive_errors++;
}

static gboolean
naive_poll_cb(gpointer data)
{
	TwBenchLatency *bench = data;
	g_autoptr(SoupMessage) message = NULL;

	if (bench->naive_in_flight) {
		bench->naive_skipped++;
		return G_SOURCE_CONTINUE;
	}
	message = soup_message_new("GET", bench->naive_url);
	soup_message_headers_append(soup_message_get_request_headers(message),
				    "Authorization",
				    bench->naive_authorization);
	bench->naive_in_flight = TRUE;
	soup_session_send_and_read_async(bench->session, message,
					 G_PRIORITY_DEFAULT, NULL,
					 naive_poll_done, bench);
	return G_SOURCE_CONTINUE;
}

/* The naive poller signs in like any client: refresh token → bearer. */
static gboolean
naive_sign_in(TwBenchLatency *bench)
{
	TwTestWorld *world = &bench->worlds[SIDE_NAIVE];
	g_autofree char *url = g_strconcat(
	    tw_sandbox_get_base_url(world->sandbox), "/2/oauth2/token", NULL);
	g_autoptr(SoupMessage) message = soup_message_new_from_encoded_form(
	    "POST", url,
	    soup_form_encode("grant_type", "refresh_token", "refresh_token",
			     world->refresh_token, "client_id",
			     TW_SANDBOX_CLIENT_ID, NULL));
	g_autoptr(GError) error = NULL;
	g_autoptr(GBytes) body =
	    soup_session_send_and_read(bench->session, message, NULL, &error);
	g_autoptr(JsonParser) parser = json_parser_new();
	const char *token;

	if (body == NULL ||
	    soup_message_get_status(message) != SOUP_STATUS_OK ||
	    !json_parser_load_from_data(parser, g_bytes_get_data(body, NULL),
					(gssize)g_bytes_get_size(body), NULL) ||
	    !JSON_NODE_HOLDS_OBJECT(json_parser_get_root(parser))) {
		progress("the naive poller could not sign in (%s)",
			 error != NULL ? error->message : "bad answer");
		return FALSE;
	}
	token = json_object_get_string_member_with_default(
	    json_node_get_object(json_parser_get_root(parser)), "access_token",
	    NULL);
	if (token == NULL)
		return FALSE;
	bench->naive_authorization = g_strconcat("Bearer ", token, NULL);
	bench->naive_url =
	    g_strconcat(tw_sandbox_get_base_url(world->sandbox),
			"/2/dm_events?max_results=100"
			"&dm_event.fields=id,event_type,text,sender_id,"
			"dm_conversation_id,created_at"
			"&expansions=sender_id&user.fields=id,name,username",
			NULL);
	return TRUE;
}

static gboolean
all_seen(TwBenchLatency *bench)
{
	for (guint i = 0; i < bench->messages->len; i++) {
		TwBenchMessage *message = bench->messages->pdata[i];

		if (message->seen_at[SIDE_PLUGIN] == 0 ||
		    message->seen_at[SIDE_NAIVE] == 0)
			return FALSE;
	}
	return TRUE;
}

static GArray *
latencies_of(TwBenchLatency *bench, guint side, guint *delivered)
{
	GArray *seconds = g_array_new(FALSE, FALSE, sizeof(double));

	*delivered = 0;
	for (guint i = 0; i < bench->messages->len; i++) {
		TwBenchMessage *message = bench->messages->pdata[i];
		/* Not delivered at all counts as slower than any delivery. */
		double latency = INFINITY;

		if (message->seen_at[side] != 0) {
			(*delivered)++;
			latency = (double)(message->seen_at[side] -
					   message->created_at[side]) /
				  G_USEC_PER_SEC;
		}
		g_array_append_val(seconds, latency);
	}
	return seconds;
}

static char *
format_latency(double seconds, double floor_seconds)
{
	if (!isfinite(seconds))
		return g_strdup("  (not delivered)");
	return g_strdup_printf("%6.2f s  (%5.2f x floor)", seconds,
			       seconds / floor_seconds);
}

static void
print_latency_row(const char *label, double plugin, double naive,
		  double floor_seconds)
{
	g_autofree char *left = format_latency(plugin, floor_seconds);
	g_autofree char *right = format_latency(naive, floor_seconds);

	printf("  %-30s %-28s %s\n", label, left, right);
}

static void
print_row(const char *label, const char *plugin, const char *naive)
{
	printf("  %-30s %-28s %s\n", label, plugin, naive);
}

static gboolean
run_latency(const TwBenchOptions *options, TwBenchLatency *bench, GRand *rand,
	    JsonObject **plugin_stats)
{
	TwBenchRequestWait wait;
	g_autoptr(GProxyResolver) direct = NULL;
	gint64 deadline;
	guint tick;
	gint64 last_offset;

	bench->options = options;
	bench->naive_seen =
	    g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	for (guint side = 0; side < SIDE_COUNT; side++)
		start_world(&bench->worlds[side], options->window_seconds,
			    options->read_limit);
	create_customers(bench);
	create_history(bench);
	plan_messages(bench, rand);
	/* Loopback only: no system proxy lookup (libproxy's thread would
	 * only add noise). */
	direct = g_simple_proxy_resolver_new(NULL, NULL);
	bench->session =
	    soup_session_new_with_options("proxy-resolver", direct, NULL);

	progress("part 1: signing on the plugin and the naive poller");
	bench->runner = start_runner(&bench->worlds[SIDE_PLUGIN],
				     bench->worlds[SIDE_PLUGIN].refresh_token);
	if (!wait_signed_on(bench->runner) || !naive_sign_in(bench))
		return FALSE;
	/* The plugin's first poll reads the history's newest page. */
	wait.sandbox = bench->worlds[SIDE_PLUGIN].sandbox;
	wait.at_least = 1;
	tw_test_wait_until(enough_list_requests, &wait, TW_TEST_WAIT_MS);
	naive_poll_cb(bench);
	bench->naive_timer =
	    g_timeout_add(options->window_seconds * 1000 / options->read_limit,
			  naive_poll_cb, bench);
	tw_test_let_it_run(1000);
	for (guint side = 0; side < SIDE_COUNT; side++)
		tw_sandbox_clear_requests(bench->worlds[side].sandbox);

	progress("part 1: %u DMs from %u customers over %u s",
		 options->messages, options->customers, options->run_seconds);
	bench->schedule_start = g_get_monotonic_time();
	schedule_next_message(bench);
	last_offset =
	    bench->messages->len > 0
		? ((TwBenchMessage *)
		       bench->messages->pdata[bench->messages->len - 1])
		      ->offset
		: 0;
	deadline = bench->schedule_start + last_offset +
		   DRAIN_SECONDS * G_USEC_PER_SEC;
	tick = g_timeout_add(TICK_MS, tick_cb, NULL);
	while (
	    g_get_monotonic_time() < deadline &&
	    !(bench->next_message >= bench->messages->len && all_seen(bench))) {
		g_main_context_iteration(NULL, TRUE);
		scan_runner_events(bench);
	}
	bench->schedule_end = g_get_monotonic_time();
	g_source_remove(tick);
	g_clear_handle_id(&bench->create_timer, g_source_remove);
	g_clear_handle_id(&bench->naive_timer, g_source_remove);
	*plugin_stats = quit_runner_with_stats(bench->runner);
	bench->runner = NULL;
	/* A naive request still on its way finishes before the session
	 * goes. */
	while (bench->naive_in_flight)
		g_main_context_iteration(NULL, TRUE);
	return TRUE;
}

static void
print_latency(const TwBenchOptions *options, TwBenchLatency *bench,
	      JsonObject *plugin_stats)
{
	double floor_seconds =
	    (double)options->window_seconds / options->read_limit / 2;
	double interval_seconds =
	    (double)options->window_seconds / options->read_limit;
	guint delivered[SIDE_COUNT];
	g_autoptr(GArray) plugin_seconds =
	    latencies_of(bench, SIDE_PLUGIN, &delivered[SIDE_PLUGIN]);
	g_autoptr(GArray) naive_seconds =
	    latencies_of(bench, SIDE_NAIVE, &delivered[SIDE_NAIVE]);
	TwBenchSummary plugin = summarize(plugin_seconds);
	TwBenchSummary naive = summarize(naive_seconds);
	TwSandboxCounters counters[SIDE_COUNT];
	TwBenchRequestCounts requests[SIDE_COUNT];
	double phase_seconds =
	    (double)(bench->schedule_end - bench->schedule_start) /
	    G_USEC_PER_SEC;
	guint polls;
	double billed_per_dm[SIDE_COUNT];
	g_autofree char *text_left = NULL;
	g_autofree char *text_right = NULL;

	for (guint side = 0; side < SIDE_COUNT; side++) {
		tw_sandbox_get_counters(bench->worlds[side].sandbox,
					&counters[side]);
		requests[side] =
		    count_list_requests(bench->worlds[side].sandbox);
		billed_per_dm[side] =
		    delivered[side] > 0
			? (double)counters[side].billed_reads / delivered[side]
			: 0;
	}

	printf("\n1. Steady state: delivery latency, 429s, billed reads\n");
	printf("  rate window %u s, %u DM reads per window per user"
	       " -> floor = %u / %u / 2 = %.2f s\n",
	       options->window_seconds, options->read_limit,
	       options->window_seconds, options->read_limit, floor_seconds);
	printf("  %u DMs from %u customers at random times over %u s;"
	       " %u older DMs in history;\n"
	       "  two identical sandboxes, the same schedule on both; the run"
	       " lasted %.0f s (at most %u s after the last DM);\n"
	       "  latency = the sandbox creates the DM -> its line is read"
	       " (not delivered: slower than any)\n\n",
	       options->messages, options->customers, options->run_seconds,
	       options->history, phase_seconds, DRAIN_SECONDS);

	text_right = g_strdup_printf("naive: max_results=100 every %.2f s",
				     interval_seconds);
	print_row("", "plugin (twdm-runner)", text_right);
	g_clear_pointer(&text_right, g_free);
	text_left = g_strdup_printf("%u / %u", delivered[SIDE_PLUGIN],
				    options->messages);
	text_right = g_strdup_printf("%u / %u", delivered[SIDE_NAIVE],
				     options->messages);
	print_row("DMs delivered", text_left, text_right);
	g_clear_pointer(&text_left, g_free);
	text_left = g_strdup_printf("%u duplicates, %u others",
				    bench->plugin_duplicates,
				    bench->plugin_other_messages);
	print_row("shown twice / unexpected", text_left, "-");
	g_clear_pointer(&text_left, g_free);
	g_clear_pointer(&text_right, g_free);
	print_latency_row("latency median", plugin.median, naive.median,
			  floor_seconds);
	print_latency_row("latency p95", plugin.p95, naive.p95, floor_seconds);
	print_latency_row("latency mean", plugin.mean, naive.mean,
			  floor_seconds);
	print_latency_row("latency max", plugin.max, naive.max, floor_seconds);
	text_left = g_strdup_printf("%" G_GUINT64_FORMAT,
				    counters[SIDE_PLUGIN].rate_limited);
	text_right = g_strdup_printf("%" G_GUINT64_FORMAT,
				     counters[SIDE_NAIVE].rate_limited);
	print_row("429 responses (whole run)", text_left, text_right);
	g_clear_pointer(&text_left, g_free);
	g_clear_pointer(&text_right, g_free);
	text_left = g_strdup_printf(
	    "%u (%.2f/s; budget %.2f/s)", requests[SIDE_PLUGIN].list_requests,
	    requests[SIDE_PLUGIN].list_requests / phase_seconds,
	    (double)options->read_limit / options->window_seconds);
	text_right =
	    g_strdup_printf("%u (%.2f/s)", requests[SIDE_NAIVE].list_requests,
			    requests[SIDE_NAIVE].list_requests / phase_seconds);
	print_row("GET /2/dm_events in the run", text_left, text_right);
	g_clear_pointer(&text_left, g_free);
	g_clear_pointer(&text_right, g_free);
	polls = requests[SIDE_PLUGIN].list_requests -
		requests[SIDE_PLUGIN].follow_up_pages;
	text_left = g_strdup_printf("%u polls, %u next_token pages", polls,
				    requests[SIDE_PLUGIN].follow_up_pages);
	print_row("  of which", text_left, "-");
	g_clear_pointer(&text_left, g_free);
	text_left = g_strdup_printf(
	    "%.1f", polls > 0
			? (double)requests[SIDE_PLUGIN].list_requests / polls
			: 0);
	print_row("  requests per poll", text_left, "1");
	g_clear_pointer(&text_left, g_free);
	text_left = g_strdup_printf("%" G_GUINT64_FORMAT,
				    counters[SIDE_PLUGIN].events_returned);
	text_right = g_strdup_printf("%" G_GUINT64_FORMAT,
				     counters[SIDE_NAIVE].events_returned);
	print_row("events returned (whole run)", text_left, text_right);
	g_clear_pointer(&text_left, g_free);
	g_clear_pointer(&text_right, g_free);
	text_left = g_strdup_printf("%" G_GUINT64_FORMAT,
				    counters[SIDE_PLUGIN].billed_reads);
	text_right = g_strdup_printf("%" G_GUINT64_FORMAT,
				     counters[SIDE_NAIVE].billed_reads);
	print_row("billed reads (whole run)", text_left, text_right);
	g_clear_pointer(&text_left, g_free);
	g_clear_pointer(&text_right, g_free);
	text_left = g_strdup_printf("%.2f", billed_per_dm[SIDE_PLUGIN]);
	text_right = g_strdup_printf(
	    "%.2f  (%.2f x the plugin)", billed_per_dm[SIDE_NAIVE],
	    billed_per_dm[SIDE_PLUGIN] > 0
		? billed_per_dm[SIDE_NAIVE] / billed_per_dm[SIDE_PLUGIN]
		: 0);
	print_row("billed reads per delivered DM", text_left, text_right);
	g_clear_pointer(&text_left, g_free);
	g_clear_pointer(&text_right, g_free);
	text_left = g_strdup_printf(
	    "%" G_GINT64_FORMAT " ms, %" G_GINT64_FORMAT " MB peak RSS",
	    stats_member(plugin_stats, "max_stall_ms"),
	    stats_member(plugin_stats, "peak_rss_kb") / 1024);
	print_row("runner: longest stall, memory", text_left, "-");
	if (bench->plugin_connection_errors > 0 || bench->naive_errors > 0 ||
	    bench->naive_skipped > 0)
		printf(
		    "  note: %u connection errors in the runner; naive poller:"
		    " %u errors, %u ticks skipped (request still out)\n",
		    bench->plugin_connection_errors, bench->naive_errors,
		    bench->naive_skipped);
}

static void
latency_clear(TwBenchLatency *bench)
{
	if (bench->runner != NULL) {
		tw_test_runner_kill(bench->runner);
		g_clear_pointer(&bench->runner, tw_test_runner_free);
	}
	g_clear_handle_id(&bench->create_timer, g_source_remove);
	g_clear_handle_id(&bench->naive_timer, g_source_remove);
	for (guint side = 0; side < SIDE_COUNT; side++) {
		if (bench->worlds[side].sandbox != NULL)
			tw_test_world_tear_down(&bench->worlds[side]);
		g_clear_pointer(&bench->customer_ids[side], g_ptr_array_unref);
	}
	g_clear_pointer(&bench->messages, g_ptr_array_unref);
	g_clear_pointer(&bench->by_text, g_hash_table_unref);
	g_clear_pointer(&bench->naive_seen, g_hash_table_unref);
	g_clear_object(&bench->session);
	g_clear_pointer(&bench->naive_authorization, g_free);
	g_clear_pointer(&bench->naive_url, g_free);
}

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
		if (!is_received_message(event))
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

static void
run_backlog(const TwBenchOptions *options, JsonObject *idle_stats)
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
	start_world(&world, 15, 100000);

	progress("part 2: first sign-on, then offline");
	runner = start_runner(&world, world.refresh_token);
	if (!wait_signed_on(runner)) {
		tw_test_runner_quit(runner);
		tw_test_world_tear_down(&world);
		return;
	}
	wait.sandbox = world.sandbox;
	wait.at_least = 1;
	tw_test_wait_until(enough_list_requests, &wait, TW_TEST_WAIT_MS);
	tw_test_let_it_run(500);
	stats = quit_runner_with_stats(runner);
	g_clear_pointer(&stats, json_object_unref);

	progress("part 2: writing %u DMs over %u conversations", total,
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

	progress("part 2: the runner ingests the backlog");
	refresh_token =
	    tw_sandbox_issue_refresh_token(world.sandbox, world.account_id);
	backlog.expected = total;
	backlog.texts =
	    g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	started_at = g_get_monotonic_time();
	backlog.runner = start_runner(&world, refresh_token);
	deadline = started_at + BACKLOG_TIMEOUT_SECONDS * G_USEC_PER_SEC;
	tick = g_timeout_add(TICK_MS, tick_cb, NULL);
	while (backlog.received < backlog.expected &&
	       g_get_monotonic_time() < deadline) {
		g_main_context_iteration(NULL, TRUE);
		scan_backlog_events(&backlog);
	}
	g_source_remove(tick);
	requests = count_list_requests(world.sandbox);
	tw_sandbox_get_counters(world.sandbox, &counters);
	/* What the account does once the backlog is in; anything shown
	 * twice would also come now. */
	tw_test_let_it_run(IDLE_AFTER_BACKLOG_MS);
	scan_backlog_events(&backlog);
	stats = quit_runner_with_stats(backlog.runner);
	idle_requests = count_list_requests(world.sandbox);
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
	       stats_member(stats, "max_stall_ms"),
	       stats_member(idle_stats, "max_stall_ms"));
	printf("  %-42s %.1f MB  (part 1, steady state: %.1f MB; %.2f x)\n",
	       "runner peak RSS", stats_member(stats, "peak_rss_kb") / 1024.0,
	       stats_member(idle_stats, "peak_rss_kb") / 1024.0,
	       stats_member(idle_stats, "peak_rss_kb") > 0
		   ? (double)stats_member(stats, "peak_rss_kb") /
			 stats_member(idle_stats, "peak_rss_kb")
		   : 0);
	printf("  %-42s %.2f s  (whole process, the idle time below too)\n",
	       "runner CPU time", stats_member(stats, "cpu_ms") / 1000.0);
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

	g_hash_table_unref(backlog.texts);
	tw_test_world_tear_down(&world);
}

/****************************************************************************
 * main
 ****************************************************************************/

static gboolean
parse_options(int *argc, char ***argv, TwBenchOptions *options)
{
	gint window = 15, limit = 15, seconds = 75, messages = 72,
	     customers = 6, history = 200, backlog = 10000,
	     conversations = 1000, seed = 0;
	const GOptionEntry entries[] = {
	    {"window", 0, 0, G_OPTION_ARG_INT, &window,
	     "Rate window in seconds (default 15)", "S"},
	    {"limit", 0, 0, G_OPTION_ARG_INT, &limit,
	     "DM reads per window (default 15)", "N"},
	    {"seconds", 0, 0, G_OPTION_ARG_INT, &seconds,
	     "Length of the steady-state run (default 75)", "S"},
	    {"messages", 0, 0, G_OPTION_ARG_INT, &messages,
	     "DMs written in the steady-state run (default 72)", "N"},
	    {"customers", 0, 0, G_OPTION_ARG_INT, &customers,
	     "Customers writing them (default 6)", "N"},
	    {"history", 0, 0, G_OPTION_ARG_INT, &history,
	     "Older DMs present before the run (default 200)", "N"},
	    {"backlog", 0, 0, G_OPTION_ARG_INT, &backlog,
	     "DMs in the offline backlog (default 10000)", "N"},
	    {"conversations", 0, 0, G_OPTION_ARG_INT, &conversations,
	     "Conversations they spread over (default 1000)", "N"},
	    {"seed", 0, 0, G_OPTION_ARG_INT, &seed,
	     "Random seed of the schedule (default: from the clock)", "N"},
	    {NULL},
	};
	g_autoptr(GOptionContext) context = g_option_context_new(NULL);
	g_autoptr(GError) error = NULL;

	g_option_context_set_summary(
	    context, "The sync benchmark of issue 3: latency, 429s, billed "
		     "reads, backlog ingestion. Prints a report on stdout.");
	g_option_context_add_main_entries(context, entries, NULL);
	if (!g_option_context_parse(context, argc, argv, &error)) {
		fprintf(stderr, "bench-sync: %s\n", error->message);
		return FALSE;
	}
	if (window < 1 || limit < 2 || seconds < 1 || messages < 1 ||
	    customers < 1 || history < 1 || backlog < 1 || conversations < 1 ||
	    conversations > backlog) {
		fprintf(stderr, "bench-sync: every count must be positive, the "
				"limit at least 2, and conversations at most "
				"the backlog\n");
		return FALSE;
	}
	options->window_seconds = (guint)window;
	options->read_limit = (guint)limit;
	options->run_seconds = (guint)seconds;
	options->messages = (guint)messages;
	options->customers = (guint)customers;
	options->history = (guint)history;
	options->backlog_events = (guint)backlog;
	options->backlog_conversations = (guint)conversations;
	options->seed =
	    seed != 0 ? (guint)seed : (guint)(g_get_real_time() % 1000000);
	return TRUE;
}

int
main(int argc, char **argv)
{
	TwBenchOptions options;
	TwBenchLatency latency = {0};
	g_autoptr(JsonObject) plugin_stats = NULL;
	g_autoptr(GRand) rand = NULL;
	g_autofree char *load_start = read_load_average();
	g_autofree char *load_end = NULL;
	g_autofree char *cpu = read_cpu_model();
	g_autoptr(GDateTime) now = g_date_time_new_now_local();
	g_autofree char *date = g_date_time_format(now, "%Y-%m-%d %H:%M:%S");
	gint64 started = g_get_monotonic_time();

	if (!parse_options(&argc, &argv, &options))
		return 1;
	/* Before the sandbox threads start: setenv is not thread-safe. */
	g_setenv("TW_TEST_RUNNER", TW_BENCH_RUNNER, FALSE);
	rand = g_rand_new_with_seed(options.seed);

	printf("purple-twdm sync benchmark, %s\n", date);
	printf("  machine: %u CPUs (%s), load average at start %s\n",
	       g_get_num_processors(), cpu, load_start);
	printf("  build: %s; schedule seed %u; the machine is shared: compare"
	       " ratios within this run\n",
	       TW_BENCH_BUILD_TYPE, options.seed);
	fflush(stdout);

	if (!run_latency(&options, &latency, rand, &plugin_stats)) {
		fprintf(stderr, "bench-sync: part 1 could not start\n");
		latency_clear(&latency);
		return 1;
	}
	print_latency(&options, &latency, plugin_stats);
	fflush(stdout);
	latency_clear(&latency);

	run_backlog(&options, plugin_stats);

	load_end = read_load_average();
	printf("\n  load average at end %s; whole run %.0f s\n", load_end,
	       (double)(g_get_monotonic_time() - started) / G_USEC_PER_SEC);
	return 0;
}
