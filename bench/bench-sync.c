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

#include "bench-common.h"
#include "tw-test-loop.h"

#ifndef TW_BENCH_BUILD_TYPE
#define TW_BENCH_BUILD_TYPE "unknown"
#endif

/* After the last scheduled DM, how long stragglers may take. */
#define DRAIN_SECONDS 30

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
		if (!tw_bench_is_received_message(event))
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
		tw_bench_progress("the naive poller could not sign in (%s)",
				  error != NULL ? error->message
						: "bad answer");
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
		tw_bench_start_world(&bench->worlds[side],
				     options->window_seconds,
				     options->read_limit);
	create_customers(bench);
	create_history(bench);
	plan_messages(bench, rand);
	/* Loopback only: no system proxy lookup (libproxy's thread would
	 * only add noise). */
	direct = g_simple_proxy_resolver_new(NULL, NULL);
	bench->session =
	    soup_session_new_with_options("proxy-resolver", direct, NULL);

	tw_bench_progress("part 1: signing on the plugin and the naive poller");
	bench->runner =
	    tw_bench_start_runner(&bench->worlds[SIDE_PLUGIN],
				  bench->worlds[SIDE_PLUGIN].refresh_token);
	if (!tw_bench_wait_signed_on(bench->runner) || !naive_sign_in(bench))
		return FALSE;
	/* The plugin's first poll reads the history's newest page. */
	wait.sandbox = bench->worlds[SIDE_PLUGIN].sandbox;
	wait.at_least = 1;
	tw_test_wait_until(tw_bench_enough_list_requests, &wait,
			   TW_TEST_WAIT_MS);
	naive_poll_cb(bench);
	bench->naive_timer =
	    g_timeout_add(options->window_seconds * 1000 / options->read_limit,
			  naive_poll_cb, bench);
	tw_test_let_it_run(1000);
	for (guint side = 0; side < SIDE_COUNT; side++)
		tw_sandbox_clear_requests(bench->worlds[side].sandbox);

	tw_bench_progress("part 1: %u DMs from %u customers over %u s",
			  options->messages, options->customers,
			  options->run_seconds);
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
	tick = g_timeout_add(TICK_MS, tw_bench_tick_cb, NULL);
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
	*plugin_stats = tw_bench_quit_runner_with_stats(bench->runner);
	bench->runner = NULL;
	/* A naive request still on its way finishes before the session
	 * goes. */
	while (bench->naive_in_flight)
		g_main_context_iteration(NULL, TRUE);
	return TRUE;
}

/* X's published price of one DM event read (x-api-2026-updates.md). */
#define PRICE_PER_EVENT_READ 0.010
/* What the first sign-on may read and not show: its first page. */
#define FIRST_SIGN_ON_READS 3

static void
add_latency_targets(TwBenchTargets *targets, const TwBenchSummary *plugin,
		    double floor_seconds, double interval_seconds)
{
	g_autofree char *p95_note = g_strdup_printf(
	    "a poller that polls every pace p = %.2f s sees a DM after a "
	    "wait spread evenly over 0..p: mean p/2 (the floor), p95 "
	    "0.95 p = 1.90 x floor; no poller meets 1.5 x at this budget "
	    "(the naive poller beside it shows the same)",
	    interval_seconds);

	tw_bench_targets_add(targets, "steady: latency mean / floor",
			     plugin->mean / floor_seconds, 1.05, "%.2f", FALSE,
			     "the rest: the window's reset is a whole second "
			     "(the sandbox rounds it up, ~0.5 s per window), "
			     "and next_token pages spend reads");
	tw_bench_targets_add(targets, "steady: latency p95 / floor",
			     plugin->p95 / floor_seconds, 1.5, "%.2f", FALSE,
			     p95_note);
}

static void
add_billing_targets(TwBenchTargets *targets, guint delivered, guint expected,
		    guint duplicates, guint64 billed, double billed_per_dm,
		    double naive_billed_per_dm)
{
	tw_bench_targets_add(targets, "steady: DMs not delivered",
			     (double)(expected - MIN(expected, delivered)), 0,
			     "%.0f", TRUE, NULL);
	tw_bench_targets_add(targets, "steady: DMs shown twice",
			     (double)duplicates, 0, "%.0f", TRUE, NULL);
	tw_bench_targets_add(
	    targets, "steady: billed reads beyond the DMs shown",
	    (double)billed - MIN((double)billed, (double)delivered),
	    FIRST_SIGN_ON_READS, "%.0f", TRUE,
	    "the first sign-on reads its newest events once, to know where "
	    "it starts");
	tw_bench_targets_add(targets, "steady: billed reads per delivered DM",
			     billed_per_dm, 1.05, "%.3f", FALSE, NULL);
	tw_bench_targets_add(
	    targets, "steady: the same, / the naive poller's",
	    naive_billed_per_dm > 0 ? billed_per_dm / naive_billed_per_dm : 0,
	    0.5, "%.2f", FALSE, NULL);
}

static void
print_latency(const TwBenchOptions *options, TwBenchLatency *bench,
	      JsonObject *plugin_stats, TwBenchTargets *targets)
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
		    tw_bench_count_list_requests(bench->worlds[side].sandbox);
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
	    tw_bench_stats_member(plugin_stats, "max_stall_ms"),
	    tw_bench_stats_member(plugin_stats, "peak_rss_kb") / 1024);
	print_row("runner: longest stall, memory", text_left, "-");
	add_latency_targets(targets, &plugin, floor_seconds, interval_seconds);
	add_billing_targets(
	    targets, delivered[SIDE_PLUGIN], options->messages,
	    bench->plugin_duplicates, counters[SIDE_PLUGIN].billed_reads,
	    billed_per_dm[SIDE_PLUGIN], billed_per_dm[SIDE_NAIVE]);
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

/* What reading the inbox costs a day at X's price, from this run's
 * billing: every DM read once, plus the first poll of each UTC day, which
 * pays again for the few events it re-reads (at most the idle page). */
static void
print_cost(void)
{
	const guint volumes[] = {100, 1000};

	printf("\n4. Daily cost of reading, at $%.3f per DM event read "
	       "(computed, not measured: a day is not run)\n",
	       PRICE_PER_EVENT_READ);
	for (guint i = 0; i < G_N_ELEMENTS(volumes); i++) {
		double events = volumes[i] + 5.0;

		printf("  %5u DMs a day: %.0f events billed -> $%.2f a day, "
		       "$%.0f a month (30 days)\n",
		       volumes[i], events, events * PRICE_PER_EVENT_READ,
		       events * PRICE_PER_EVENT_READ * 30);
	}
	printf("  (each DM is billed once however many polls see it; the "
	       "first poll of a UTC day pays again for the <= 5 events of "
	       "its page; sending is priced apart: $0.015 per DM sent)\n");
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
	gboolean check = FALSE;
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
	    {"check", 0, 0, G_OPTION_ARG_NONE, &check,
	     "Exit with status 1 when a count target fails (for CI)", NULL},
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
	options->check = check;
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
	g_autofree char *load_start = tw_bench_read_load_average();
	g_autofree char *load_end = NULL;
	g_autofree char *cpu = tw_bench_read_cpu_model();
	g_autoptr(GDateTime) now = g_date_time_new_now_local();
	g_autofree char *date = g_date_time_format(now, "%Y-%m-%d %H:%M:%S");
	gint64 started = g_get_monotonic_time();
	TwBenchTargets *targets = tw_bench_targets_new();
	gboolean counts_pass;

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
		tw_bench_targets_free(targets);
		return 1;
	}
	print_latency(&options, &latency, plugin_stats, targets);
	fflush(stdout);
	latency_clear(&latency);

	tw_bench_run_backlog(&options, plugin_stats, targets);

	tw_bench_targets_print(targets);
	print_cost();
	counts_pass = tw_bench_targets_counts_pass(targets);
	tw_bench_targets_free(targets);
	load_end = tw_bench_read_load_average();
	printf("\n  load average at end %s; whole run %.0f s\n", load_end,
	       (double)(g_get_monotonic_time() - started) / G_USEC_PER_SEC);
	if (options.check && !counts_pass) {
		printf("bench-sync --check: a count target failed (billing, "
		       "a DM lost or shown twice)\n");
		return 1;
	}
	return 0;
}
