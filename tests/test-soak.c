/*
 * Soak: customers write continuously, the agent answers, the account owner
 * writes from another device, and the sandbox injects random faults the
 * whole time: 5xx bursts, 429 storms, delays and a timeout, truncated and
 * malformed bodies, connection resets, 401s, events that become visible
 * late, access tokens that expire mid-run and a token refresh that fails.
 * At the end every message the sandbox holds is compared with every line
 * the headless runner printed: lost, duplicated and reordered (per
 * conversation) must all be 0, and the account must still be online.
 *
 * The CI run lasts about a minute. TW_SOAK_SECONDS=1800 (or `-m slow`)
 * runs the long one; TW_SOAK_SEED repeats a run's random choices,
 * TW_SOAK_DEBUG turns the runner's debug output on for long runs too and
 * TW_SOAK_STDERR_FILE keeps it.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <glib.h>
#include <json-glib/json-glib.h>
#include <string.h>

#include "tw-test-loop.h"
#include "tw-test-world.h"

#define CUSTOMERS     4
#define SHORT_SECONDS 40
#define LONG_SECONDS  1800

static gboolean
under_valgrind(void)
{
	return g_strcmp0(g_getenv("TW_TEST_UNDER_VALGRIND"), "1") == 0;
}

static const char *
member(JsonObject *object, const char *name)
{
	return json_object_get_string_member_with_default(object, name, NULL);
}

/****************************************************************************
 * The scenario
 ****************************************************************************/

typedef enum {
	FAULT_5XX,
	FAULT_429,
	FAULT_DELAY,
	FAULT_TRUNCATED,
	FAULT_MALFORMED,
	FAULT_RESET,
	FAULT_401,
	FAULT_TIMEOUT,
	FAULT_KINDS,
} FaultClass;

typedef struct {
	TwTestWorld *world;
	TwTestRunner *runner;
	GRand *rand;
	char *customer_ids[CUSTOMERS + 1]; /* the last one writes late */
	char *customer_handles[CUSTOMERS + 1];
	GHashTable *handle_by_id; /* user id → handle, borrowed */
	guint written;
	guint late_written;
	guint other_device_written;
	guint replies;
	guint faults[FAULT_KINDS];
	guint token_expiries;
	guint refresh_failures;
	guint timer_sources[5];
} Soak;

static void
add_fault(Soak *soak, TwSandboxFaultKind kind, const char *method,
	  const char *path_prefix, guint count, guint status, guint delay_ms)
{
	TwSandboxFault fault = {kind,  method, path_prefix,
				count, status, delay_ms};

	tw_sandbox_add_fault(soak->world->sandbox, &fault);
}

/* A customer writes; sometimes two quick messages in a row. */
static gboolean
customer_tick(gpointer data)
{
	Soak *soak = data;
	guint who = g_rand_int_range(soak->rand, 0, CUSTOMERS);
	guint burst = g_rand_int_range(soak->rand, 0, 4) == 0 ? 2 : 1;

	for (guint i = 0; i < burst; i++) {
		g_autofree char *text =
		    g_strdup_printf("soak %s message %u",
				    soak->customer_handles[who], soak->written);
		g_autofree char *id =
		    tw_test_create_message(soak->world, soak->customer_ids[who],
					   soak->world->account_id, text, 0);

		soak->written++;
	}
	return G_SOURCE_CONTINUE;
}

/* Visible only 1.5 to 3.5 s after it is written, always before the next
 * one: the plugin must look back for it, yet its conversation keeps a
 * defined order. */
static gboolean
late_customer_tick(gpointer data)
{
	Soak *soak = data;
	TwSandboxMessage message = {0};
	g_autofree char *text =
	    g_strdup_printf("soak late message %u", soak->late_written++);
	g_autofree char *id = NULL;

	message.sender_id = soak->customer_ids[CUSTOMERS];
	message.recipient_id = soak->world->account_id;
	message.text = text;
	message.visible_after_ms = g_rand_int_range(soak->rand, 1500, 3500);
	id = tw_sandbox_create_message_full(soak->world->sandbox, &message);
	return G_SOURCE_CONTINUE;
}

/* The account owner answers on the phone. */
static gboolean
other_device_tick(gpointer data)
{
	Soak *soak = data;
	guint who = g_rand_int_range(soak->rand, 0, CUSTOMERS);
	g_autofree char *text = g_strdup_printf("soak other device %u",
						soak->other_device_written++);
	g_autofree char *id =
	    tw_test_create_message(soak->world, soak->world->account_id,
				   soak->customer_ids[who], text, 0);

	return G_SOURCE_CONTINUE;
}

/* The agent answers in the runner. */
static gboolean
reply_tick(gpointer data)
{
	Soak *soak = data;
	guint who = g_rand_int_range(soak->rand, 0, CUSTOMERS);
	g_autofree char *text =
	    g_strdup_printf("soak reply %u", soak->replies++);

	tw_test_send_command(soak->runner, soak->customer_handles[who], text);
	return G_SOURCE_CONTINUE;
}

/* Where a fault may land: reads, sends, user lookups, the token endpoint
 * or anything. */
static const char *const fault_paths[] = {
    "/2/dm_events", "/2/dm_conversations/", "/2/users", "/2/oauth2/token", NULL,
};

static const char *
fault_method(const char *path)
{
	if (path == NULL)
		return NULL;
	return g_str_equal(path, "/2/dm_conversations/") ||
		       g_str_equal(path, "/2/oauth2/token")
		   ? "POST"
		   : "GET";
}

static gboolean
fault_tick(gpointer data)
{
	Soak *soak = data;
	/* The next fault in 1 to 3 s. */
	soak->timer_sources[4] = g_timeout_add(
	    g_rand_int_range(soak->rand, 1000, 3000), fault_tick, soak);
	FaultClass class = g_rand_int_range(soak->rand, 0, FAULT_TIMEOUT);
	const char *path = fault_paths[g_rand_int_range(
	    soak->rand, 0, G_N_ELEMENTS(fault_paths))];
	const char *method = fault_method(path);

	switch (class) {
	case FAULT_5XX: {
		static const guint statuses[] = {500, 502, 503, 504};

		add_fault(soak, TW_SANDBOX_FAULT_STATUS, method, path,
			  g_rand_int_range(soak->rand, 1, 5),
			  statuses[g_rand_int_range(soak->rand, 0, 4)], 0);
		break;
	}
	case FAULT_429:
		/* Storms hit reads and sends, which have windows. */
		path = g_rand_boolean(soak->rand) ? "/2/dm_events"
						  : "/2/dm_conversations/";
		add_fault(soak, TW_SANDBOX_FAULT_RATE_LIMIT, fault_method(path),
			  path, g_rand_int_range(soak->rand, 2, 7), 0, 0);
		break;
	case FAULT_DELAY:
		add_fault(soak, TW_SANDBOX_FAULT_DELAY, method, path,
			  g_rand_int_range(soak->rand, 1, 4), 0,
			  g_rand_int_range(soak->rand, 300, 4000));
		break;
	case FAULT_TRUNCATED:
		/* A truncated token answer loses a rotated refresh token for
		 * good, as with X itself: that is not a fault to survive. */
		if (g_strcmp0(path, "/2/oauth2/token") == 0 || path == NULL)
			path = "/2/dm_events";
		add_fault(soak, TW_SANDBOX_FAULT_TRUNCATED, fault_method(path),
			  path, 1, 0, 0);
		break;
	case FAULT_MALFORMED:
		add_fault(soak, TW_SANDBOX_FAULT_MALFORMED, method, path,
			  g_rand_int_range(soak->rand, 1, 3), 0, 0);
		break;
	case FAULT_RESET:
		/* At least two: curl silently resends once on a reused
		 * connection. */
		add_fault(soak, TW_SANDBOX_FAULT_RESET, method, path,
			  g_rand_int_range(soak->rand, 2, 4), 0, 0);
		break;
	case FAULT_401:
		add_fault(soak, TW_SANDBOX_FAULT_UNAUTHORIZED, "GET",
			  "/2/dm_events", 1, 0, 0);
		break;
	case FAULT_TIMEOUT:
	case FAULT_KINDS:
		g_assert_not_reached();
	}
	soak->faults[class]++;
	return G_SOURCE_REMOVE;
}

/* Longer than the plugin's 30 s request timeout. The POST takes effect
 * at once; only its answer is lost, except on the token endpoint, where
 * the plugin must wait for it (the refresh token is rotated already). */
static void
inject_timeout(Soak *soak)
{
	static const char *const paths[] = {"/2/dm_conversations/",
					    "/2/dm_events", "/2/oauth2/token"};
	const char *path =
	    paths[g_rand_int_range(soak->rand, 0, G_N_ELEMENTS(paths))];

	add_fault(soak, TW_SANDBOX_FAULT_DELAY, fault_method(path), path, 1, 0,
		  35000);
	soak->faults[FAULT_TIMEOUT]++;
}

/****************************************************************************
 * The comparison
 ****************************************************************************/

typedef enum {
	FROM_CUSTOMER,
	FROM_OTHER_DEVICE,
	FROM_RUNNER,
} Origin;

typedef struct {
	char *text;
	char *handle; /* the other person in the conversation */
	guint index;  /* creation order in the sandbox */
	Origin origin;
} Created;

static void
created_free(Created *created)
{
	g_free(created->text);
	g_free(created->handle);
	g_free(created);
}

/* Every MessageCreate the sandbox holds, oldest first. */
static GPtrArray *
dup_created(Soak *soak)
{
	g_autofree char *state =
	    tw_sandbox_dup_state_json(soak->world->sandbox);
	g_autoptr(JsonParser) parser = json_parser_new();
	GPtrArray *created =
	    g_ptr_array_new_with_free_func((GDestroyNotify)created_free);
	JsonArray *messages;

	g_assert_true(json_parser_load_from_data(parser, state, -1, NULL));
	messages = json_object_get_array_member(
	    json_node_get_object(json_parser_get_root(parser)), "messages");
	for (guint i = 0; i < json_array_get_length(messages); i++) {
		JsonObject *message =
		    json_array_get_object_element(messages, i);
		const char *sender = member(message, "sender_id");
		const char *text = member(message, "text");
		g_auto(GStrv) ids = NULL;
		Created *entry;

		if (g_strcmp0(member(message, "event_type"), "MessageCreate") !=
		    0)
			continue;
		ids = g_strsplit(member(message, "dm_conversation_id"), "-", 2);
		g_assert_nonnull(ids[1]);
		entry = g_new0(Created, 1);
		entry->text = g_strdup(text);
		entry->handle = g_strdup(g_hash_table_lookup(
		    soak->handle_by_id,
		    g_str_equal(ids[0], soak->world->account_id) ? ids[1]
								 : ids[0]));
		g_assert_nonnull(entry->handle);
		entry->index = created->len;
		if (g_strcmp0(sender, soak->world->account_id) != 0)
			entry->origin = FROM_CUSTOMER;
		else if (g_str_has_prefix(text, "soak reply "))
			entry->origin = FROM_RUNNER;
		else
			entry->origin = FROM_OTHER_DEVICE;
		g_ptr_array_add(created, entry);
	}
	return created;
}

/* A line the runner printed for a message that came from a poll: a
 * received one, or one the owner sent elsewhere. */
static gboolean
is_polled_line(JsonObject *event)
{
	if (g_strcmp0(member(event, "event"), "message") != 0)
		return FALSE;
	return tw_test_event_has_flag(event, "recv") ||
	       tw_test_event_has_flag(event, "remote-send");
}

/* Sends the plugin gave up on, each told with an error line in the
 * conversation (after eight failed tries in a row). */
static guint
count_given_up(TwTestRunner *runner)
{
	GPtrArray *events = tw_test_runner_get_events(runner);
	guint count = 0;

	for (guint i = 0; i < events->len; i++) {
		JsonObject *event = events->pdata[i];

		if (g_strcmp0(member(event, "event"), "message") == 0 &&
		    tw_test_event_has_flag(event, "error") &&
		    g_str_has_prefix(member(event, "plain"),
				     "Message not sent"))
			count++;
	}
	return count;
}

typedef struct {
	Soak *soak;
	guint expected_replies;
} Drained;

/* Everything written has been shown, and every reply sent. */
static gboolean
is_drained(gpointer data)
{
	Drained *drained = data;
	Soak *soak = drained->soak;
	GPtrArray *events = tw_test_runner_get_events(soak->runner);
	g_autoptr(GPtrArray) created = dup_created(soak);
	g_autoptr(GHashTable) shown = g_hash_table_new(g_str_hash, g_str_equal);
	guint replies = 0;

	for (guint i = 0; i < events->len; i++) {
		if (is_polled_line(events->pdata[i]))
			g_hash_table_add(
			    shown, (gpointer)member(events->pdata[i], "plain"));
	}
	for (guint i = 0; i < created->len; i++) {
		Created *entry = created->pdata[i];

		if (entry->origin == FROM_RUNNER)
			replies++;
		else if (!g_hash_table_contains(shown, entry->text))
			return FALSE;
	}
	return replies + count_given_up(soak->runner) >=
	       drained->expected_replies;
}

typedef struct {
	guint created_polled;
	guint created_replies;
	guint lines;
	guint lost;
	guint duplicated;
	guint reordered;
	guint replies_lost;
	guint replies_given_up;
	guint replies_duplicated;
	guint replies_shown_again;
	guint wrong_conversation;
} Tally;

static void
compare(Soak *soak, Tally *tally)
{
	GPtrArray *events = tw_test_runner_get_events(soak->runner);
	g_autoptr(GPtrArray) created = dup_created(soak);
	g_autoptr(GHashTable) by_text =
	    g_hash_table_new(g_str_hash, g_str_equal);
	g_autoptr(GHashTable) seen = g_hash_table_new(g_str_hash, g_str_equal);
	g_autoptr(GHashTable) sent = g_hash_table_new(g_str_hash, g_str_equal);
	/* handle → highest creation index shown so far, plus one */
	g_autoptr(GHashTable) newest =
	    g_hash_table_new_full(g_str_hash, g_str_equal, NULL, NULL);

	memset(tally, 0, sizeof(*tally));
	for (guint i = 0; i < created->len; i++) {
		Created *entry = created->pdata[i];

		/* Texts are unique, except a reply the plugin sent twice. */
		g_assert_true(entry->origin == FROM_RUNNER ||
			      !g_hash_table_contains(by_text, entry->text));
		g_hash_table_insert(by_text, entry->text, entry);
		if (entry->origin == FROM_RUNNER)
			tally->created_replies++;
		else
			tally->created_polled++;
	}

	for (guint i = 0; i < events->len; i++) {
		JsonObject *event = events->pdata[i];
		const char *text = member(event, "plain");
		Created *entry;
		guint count, high;

		if (!is_polled_line(event))
			continue;
		tally->lines++;
		entry = g_hash_table_lookup(by_text, text);
		if (entry == NULL || entry->origin == FROM_RUNNER) {
			/* Made up, or the plugin's own send shown again. */
			g_test_message("shown but not expected: %s", text);
			if (entry != NULL)
				tally->replies_shown_again++;
			else
				tally->duplicated++;
			continue;
		}
		if (g_strcmp0(member(event, "conversation"), entry->handle) !=
		    0) {
			g_test_message("in the wrong conversation: %s", text);
			tally->wrong_conversation++;
		}
		count = GPOINTER_TO_UINT(g_hash_table_lookup(seen, text));
		g_hash_table_insert(seen, (gpointer)text,
				    GUINT_TO_POINTER(count + 1));
		if (count > 0) {
			g_test_message("shown again: %s", text);
			tally->duplicated++;
			continue;
		}
		high = GPOINTER_TO_UINT(
		    g_hash_table_lookup(newest, entry->handle));
		if (entry->index + 1 < high) {
			g_test_message("out of order in %s: %s", entry->handle,
				       text);
			tally->reordered++;
		} else {
			g_hash_table_insert(newest, entry->handle,
					    GUINT_TO_POINTER(entry->index + 1));
		}
	}
	for (guint i = 0; i < created->len; i++) {
		Created *entry = created->pdata[i];

		if (entry->origin != FROM_RUNNER &&
		    !g_hash_table_contains(seen, entry->text)) {
			g_test_message("lost: %s", entry->text);
			tally->lost++;
		}
	}

	/* Each reply the agent typed: once at X, its echo once here. */
	for (guint i = 0; i < events->len; i++) {
		JsonObject *event = events->pdata[i];

		if (g_strcmp0(member(event, "event"), "message") == 0 &&
		    tw_test_event_has_flag(event, "send") &&
		    !tw_test_event_has_flag(event, "remote-send"))
			g_hash_table_add(sent,
					 (gpointer)member(event, "plain"));
	}
	for (guint i = 0; i < soak->replies; i++) {
		g_autofree char *text = g_strdup_printf("soak reply %u", i);
		guint at_x = 0;

		for (guint j = 0; j < created->len; j++) {
			Created *entry = created->pdata[j];

			if (entry->origin == FROM_RUNNER &&
			    g_str_equal(entry->text, text))
				at_x++;
		}
		if (at_x == 0 || !g_hash_table_contains(sent, text)) {
			g_test_message("reply not at X: %s", text);
			tally->replies_lost++;
		}
	}
	/* Told with an error line, still not delivered: the faults here are
	 * all ones a send must survive. */
	tally->replies_given_up = count_given_up(soak->runner);
	/* Each reply text is typed once: more at X were sent twice. */
	tally->replies_duplicated = tally->created_replies > soak->replies
					? tally->created_replies - soak->replies
					: 0;
}

/****************************************************************************
 * The test
 ****************************************************************************/

static guint
soak_seconds(void)
{
	const char *text = g_getenv("TW_SOAK_SECONDS");

	if (text != NULL && text[0] != '\0')
		return (guint)g_ascii_strtoull(text, NULL, 10);
	return g_test_slow() ? LONG_SECONDS : SHORT_SECONDS;
}

static TwTestRunner *
start_runner(TwTestWorld *world, gboolean debug)
{
	g_autofree char *entry =
	    g_strconcat("TWDM_TEST_PASSWORD=", world->refresh_token, NULL);
	const char *env[] = {entry, NULL};
	const char *args[] = {"--account",
			      TW_TEST_ACCOUNT,
			      "--password-env",
			      "TWDM_TEST_PASSWORD",
			      "--api-base",
			      tw_sandbox_get_base_url(world->sandbox),
			      "--client-id",
			      TW_SANDBOX_CLIENT_ID,
			      "--reconnect-delay",
			      "1",
			      "--option",
			      "first-contact=allow",
			      debug ? "--debug" : NULL,
			      NULL};

	return tw_test_runner_start_with_env(world->user_dir, args, env);
}

static void
print_tail(const char *text, guint lines)
{
	const char *start = text + strlen(text);

	while (start > text && lines > 0) {
		start--;
		if (*start == '\n')
			lines--;
	}
	g_test_message("runner stderr, last lines:\n%s", start);
}

static void
test_soak(void)
{
	TwTestWorld world;
	TwSandboxConfig config;
	TwSandboxCounters counters;
	Soak soak = {&world};
	Tally tally;
	Drained drained = {&soak};
	guint seconds = soak_seconds();
	guint64 seed;
	gint64 start, end, next_expiry, next_refresh_failure, next_timeout;
	gint64 drain_start;
	gboolean is_drained_in_time;
	guint connection_errors, signed_on, signed_off;
	const char *seed_text = g_getenv("TW_SOAK_SEED");

	seed = seed_text != NULL ? g_ascii_strtoull(seed_text, NULL, 10)
				 : (guint64)g_random_int();
	soak.rand = g_rand_new_with_seed((guint32)seed);
	g_test_message("soak: %u s of faults, seed %" G_GUINT64_FORMAT
		       " (TW_SOAK_SEED)",
		       seconds, seed);

	/* Compressed time: 12 reads per 3 s window, so polls come four times
	 * a second; access tokens live 20 s, so they are refreshed on
	 * schedule too. */
	tw_sandbox_config_init(&config);
	config.rate_window_seconds = 3;
	config.dm_read_limit = 12;
	config.dm_send_limit = 30;
	config.dm_send_daily_limit = 1000000;
	config.access_token_lifetime = 20;
	tw_test_world_set_up(&world, &config);
	soak.handle_by_id = g_hash_table_new(g_str_hash, g_str_equal);
	for (guint i = 0; i <= CUSTOMERS; i++) {
		soak.customer_handles[i] =
		    i < CUSTOMERS ? g_strdup_printf("customer_%u", i)
				  : g_strdup("late_customer");
		soak.customer_ids[i] =
		    tw_sandbox_add_user(world.sandbox, soak.customer_handles[i],
					soak.customer_handles[i]);
		g_hash_table_insert(soak.handle_by_id, soak.customer_ids[i],
				    soak.customer_handles[i]);
	}
	soak.runner = start_runner(
	    &world, seconds <= 120 || g_getenv("TW_SOAK_DEBUG") != NULL);
	tw_test_assert_signed_on(soak.runner);

	start = g_get_monotonic_time();
	end = start + (gint64)seconds * G_USEC_PER_SEC;
	next_expiry = start + (gint64)seconds * G_USEC_PER_SEC * 3 / 10;
	next_refresh_failure =
	    start + (gint64)seconds * G_USEC_PER_SEC * 11 / 20;
	next_timeout = start + 3 * G_USEC_PER_SEC;
	soak.timer_sources[0] = g_timeout_add(250, customer_tick, &soak);
	soak.timer_sources[1] = g_timeout_add(4000, late_customer_tick, &soak);
	soak.timer_sources[2] = g_timeout_add(5000, other_device_tick, &soak);
	soak.timer_sources[3] = g_timeout_add(2000, reply_tick, &soak);
	soak.timer_sources[4] = g_timeout_add(1000, fault_tick, &soak);
	while (g_get_monotonic_time() < end) {
		gint64 now = g_get_monotonic_time();

		if (now >= next_expiry) {
			/* Every access token dies: the next request gets a
			 * 401 and the plugin refreshes. */
			tw_sandbox_expire_access_tokens(world.sandbox);
			soak.token_expiries++;
			next_expiry = seconds > 120 ? now + 300 * G_USEC_PER_SEC
						    : G_MAXINT64;
		}
		if (now >= next_refresh_failure) {
			/* The token endpoint fails once while the account is
			 * online, then the tokens expire: the refresh must be
			 * retried, not fatal. */
			add_fault(&soak, TW_SANDBOX_FAULT_STATUS, "POST",
				  "/2/oauth2/token", 1, 503, 0);
			tw_sandbox_expire_access_tokens(world.sandbox);
			soak.refresh_failures++;
			soak.token_expiries++;
			next_refresh_failure = seconds > 120
						   ? now + 420 * G_USEC_PER_SEC
						   : G_MAXINT64;
		}
		if (now >= next_timeout) {
			inject_timeout(&soak);
			next_timeout = seconds > 120
					   ? now + 240 * G_USEC_PER_SEC
					   : G_MAXINT64;
		}
		tw_test_let_it_run(100);
	}
	for (guint i = 0; i < G_N_ELEMENTS(soak.timer_sources); i++)
		g_source_remove(soak.timer_sources[i]);

	/* Calm: no more faults; everything outstanding must arrive. */
	tw_sandbox_clear_faults(world.sandbox);
	drain_start = g_get_monotonic_time();
	drained.expected_replies = soak.replies;
	/* The back-off after the last faults is at most four paces; a
	 * timeout fault may still hold an answer for 35 s. */
	is_drained_in_time = tw_test_wait_until(is_drained, &drained,
						seconds > 120      ? 720000
						: under_valgrind() ? 300000
								   : 120000);
	g_test_message("drained in %.1f s",
		       (g_get_monotonic_time() - drain_start) / 1e6);
	/* Anything shown twice would show up now. */
	tw_test_let_it_run(2000);

	compare(&soak, &tally);
	tw_sandbox_get_counters(world.sandbox, &counters);
	connection_errors = tw_test_runner_count_events(
	    soak.runner, "connection-error", NULL, NULL);
	signed_on =
	    tw_test_runner_count_events(soak.runner, "signed-on", NULL, NULL);
	signed_off =
	    tw_test_runner_count_events(soak.runner, "signed-off", NULL, NULL);

	g_test_message("soak: %u s with faults, %u requests to the sandbox",
		       seconds,
		       tw_sandbox_count_requests(world.sandbox, NULL, NULL));
	g_test_message("  written: %u by customers (%u visible late), %u from "
		       "another device; %u replies sent by the agent",
		       soak.written + soak.late_written, soak.late_written,
		       soak.other_device_written, soak.replies);
	g_test_message("  faults: %u 5xx bursts, %u 429 storms, %u delays, "
		       "%u timeouts, %u truncated, %u malformed, %u resets, "
		       "%u 401s; %u token expiries, %u refresh failures",
		       soak.faults[FAULT_5XX], soak.faults[FAULT_429],
		       soak.faults[FAULT_DELAY], soak.faults[FAULT_TIMEOUT],
		       soak.faults[FAULT_TRUNCATED],
		       soak.faults[FAULT_MALFORMED], soak.faults[FAULT_RESET],
		       soak.faults[FAULT_401], soak.token_expiries,
		       soak.refresh_failures);
	g_test_message("  sandbox: %" G_GUINT64_FORMAT
		       " messages created, %" G_GUINT64_FORMAT
		       " sends, %" G_GUINT64_FORMAT
		       " token refreshes, %" G_GUINT64_FORMAT " 429s",
		       counters.messages_created, counters.sends,
		       counters.token_refreshes, counters.rate_limited);
	g_test_message("  delivered: %u lines for %u messages; replies: %u "
		       "at X for %u typed",
		       tally.lines, tally.created_polled, tally.created_replies,
		       soak.replies);
	g_test_message("  lost %u, duplicated %u, reordered %u, in the wrong "
		       "conversation %u; replies lost %u, sent twice %u, "
		       "shown again %u, given up with an error line %u",
		       tally.lost, tally.duplicated, tally.reordered,
		       tally.wrong_conversation, tally.replies_lost,
		       tally.replies_duplicated, tally.replies_shown_again,
		       tally.replies_given_up);
	g_test_message(
	    "  runner: %u command errors, %u error lines, %u "
	    "notices",
	    tw_test_runner_count_events(soak.runner, "command-error", NULL,
					NULL),
	    tw_test_count_messages_with_flag(soak.runner, "error"),
	    tw_test_runner_count_events(soak.runner, "notify", NULL, NULL));
	g_test_message("  account: %s (%u sign-ons, %u connection errors)",
		       signed_on == 1 && signed_off == 0 ? "online"
							 : "NOT online",
		       signed_on, connection_errors);
	for (guint i = 0; i < tw_test_runner_get_events(soak.runner)->len;
	     i++) {
		JsonObject *event =
		    tw_test_runner_get_events(soak.runner)->pdata[i];

		if (g_strcmp0(member(event, "event"), "connection-error") == 0)
			g_test_message("  connection error: %s (%s)",
				       member(event, "reason"),
				       member(event, "description"));
	}
	if (g_getenv("TW_SOAK_STDERR_FILE") != NULL)
		g_assert_true(g_file_set_contents(
		    g_getenv("TW_SOAK_STDERR_FILE"),
		    tw_test_runner_get_stderr(soak.runner), -1, NULL));
	if (!is_drained_in_time || tally.lost > 0 || tally.duplicated > 0 ||
	    tally.reordered > 0 || connection_errors > 0)
		print_tail(tw_test_runner_get_stderr(soak.runner), 150);

	g_assert_cmpuint(soak.written, >, 0);
	g_assert_cmpuint(soak.late_written, >, 0);
	g_assert_cmpuint(soak.replies, >, 0);
	g_assert_cmpuint(soak.refresh_failures, >, 0);
	g_assert_cmpuint(tally.created_polled, ==,
			 soak.written + soak.late_written +
			     soak.other_device_written);
	g_assert_cmpuint(tally.lost, ==, 0);
	g_assert_cmpuint(tally.duplicated, ==, 0);
	g_assert_cmpuint(tally.reordered, ==, 0);
	g_assert_cmpuint(tally.wrong_conversation, ==, 0);
	g_assert_cmpuint(tally.replies_lost, ==, 0);
	g_assert_cmpuint(tally.replies_given_up, ==, 0);
	g_assert_cmpuint(tally.replies_duplicated, ==, 0);
	g_assert_cmpuint(tally.replies_shown_again, ==, 0);
	g_assert_true(is_drained_in_time);
	/* Still online: never dropped, never signed on again. */
	g_assert_cmpuint(connection_errors, ==, 0);
	g_assert_cmpuint(signed_on, ==, 1);
	g_assert_cmpuint(signed_off, ==, 0);
	g_assert_cmpint(tw_test_runner_quit(soak.runner), ==, 0);

	for (guint i = 0; i <= CUSTOMERS; i++) {
		g_free(soak.customer_ids[i]);
		g_free(soak.customer_handles[i]);
	}
	g_hash_table_destroy(soak.handle_by_id);
	g_rand_free(soak.rand);
	tw_test_world_tear_down(&world);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	tw_test_loop_install();
	g_test_add_func("/soak/faults", test_soak);
	return g_test_run();
}
