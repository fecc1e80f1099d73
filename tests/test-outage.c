/*
 * X's real failures, end to end through the runner: after an outage of
 * any length the inbox reads again within four paces and shows what was
 * written during it within eight, exactly once, oldest first; and a token
 * rotation never strands the account: a slow answer is waited for, a 401
 * for a replaced token is not answered with another refresh, a transient
 * error while signing on is not fatal, and a refresh in flight survives a
 * disconnect (the next sign-on waits for it instead of spending the
 * refresh token a second time).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <glib.h>
#include <json-glib/json-glib.h>
#include <string.h>

#include "tw-test-loop.h"
#include "tw-test-world.h"

#define WAIT_MS    TW_TEST_WAIT_MS
#define TOKEN_PATH "/2/oauth2/token"

static gboolean
under_valgrind(void)
{
	return g_strcmp0(g_getenv("TW_TEST_UNDER_VALGRIND"), "1") == 0;
}

static const char *
member(JsonObject *event, const char *name)
{
	return json_object_get_string_member_with_default(event, name, NULL);
}

static void
world_set_up(TwTestWorld *world, gconstpointer data)
{
	tw_test_world_set_up(world, NULL);
}

static void
world_tear_down(TwTestWorld *world, gconstpointer data)
{
	tw_test_world_tear_down(world);
}

static TwTestRunner *
start_signed_on(TwTestWorld *world)
{
	TwTestRunner *runner =
	    tw_test_world_start_runner(world, world->refresh_token, NULL, NULL);

	tw_test_assert_signed_on(runner);
	return runner;
}

static void
add_fault(TwTestWorld *world, TwSandboxFaultKind kind, const char *method,
	  const char *path, guint count, guint status, guint delay_ms)
{
	TwSandboxFault fault = {kind, method, path, count, status, delay_ms};

	tw_sandbox_add_fault(world->sandbox, &fault);
}

/* Requests to @path with @method that the sandbox answered @status. */
static guint
count_answered(TwTestWorld *world, const char *method, const char *path,
	       guint status)
{
	g_autoptr(GPtrArray) requests = tw_sandbox_dup_requests(world->sandbox);
	guint count = 0;

	for (guint i = 0; i < requests->len; i++) {
		TwSandboxRequest *request = requests->pdata[i];

		if (request->status == status &&
		    g_strcmp0(request->method, method) == 0 &&
		    g_strcmp0(request->path, path) == 0)
			count++;
	}
	return count;
}

static void
assert_still_online(TwTestRunner *runner)
{
	g_assert_cmpuint(
	    tw_test_runner_count_events(runner, "connection-error", NULL, NULL),
	    ==, 0);
	g_assert_cmpuint(
	    tw_test_runner_count_events(runner, "signed-on", NULL, NULL), ==,
	    1);
}

/****************************************************************************
 * Recovery after an outage
 ****************************************************************************/

typedef struct {
	TwTestWorld *world;
	guint count;
} Threshold;

static gboolean
polls_failed_beyond(gpointer data)
{
	Threshold *threshold = data;

	return count_answered(threshold->world, "GET", "/2/dm_events", 503) >
	       threshold->count;
}

static gboolean
poll_answered(gpointer data)
{
	return count_answered(data, "GET", "/2/dm_events", 200) > 0;
}

typedef struct {
	TwTestRunner *runner;
	guint count;
} Received;

static gboolean
received_all(gpointer data)
{
	Received *received = data;

	return tw_test_count_messages_with_flag(received->runner, "recv") >=
	       received->count;
}

/* 30 s of 503 while customers write, at a pace of one second (four under
 * valgrind), ended right after a failed poll: the worst moment for any
 * backoff. */
static void
test_recovery_after_outage(TwTestWorld *world, gconstpointer data)
{
	guint pace_ms = under_valgrind() ? 4000 : 1000;
	guint outage_ms = 30000;
	/* Time for the runner to turn an answer into lines. */
	gint64 slack_us = (under_valgrind() ? 2000 : 400) * 1000;
	const char *names[] = {"maria_c", "tom_c", "priya_c"};
	g_autoptr(GPtrArray) written = g_ptr_array_new_with_free_func(g_free);
	g_autoptr(GPtrArray) ids = g_ptr_array_new_with_free_func(g_free);
	TwTestRunner *runner;
	Threshold threshold = {world, 0};
	Received received = {NULL, 0};
	gint64 started;
	gint64 ended;
	gint64 first_read;
	gint64 last_shown;
	GPtrArray *events;
	guint seen = 0;
	g_autofree char *first = NULL;

	for (guint i = 0; i < G_N_ELEMENTS(names); i++)
		g_ptr_array_add(ids, tw_sandbox_add_user(world->sandbox,
							 names[i], names[i]));
	runner = start_signed_on(world);
	/* One message shown: the pace is learnt from the headers. */
	first = tw_test_create_message(world, ids->pdata[0], world->account_id,
				       "before the outage", 0);
	tw_test_wait_received(runner, 1);

	add_fault(world, TW_SANDBOX_FAULT_STATUS, "GET", "/2/dm_events", 0, 503,
		  0);
	started = g_get_monotonic_time();
	for (guint i = 0;
	     g_get_monotonic_time() - started < (gint64)outage_ms * 1000; i++) {
		g_autofree char *text = g_strdup_printf("during %u", i);
		g_autofree char *id =
		    tw_test_create_message(world, ids->pdata[i % ids->len],
					   world->account_id, text, 0);

		g_assert_nonnull(id);
		g_ptr_array_add(written, g_steal_pointer(&text));
		tw_test_let_it_run(pace_ms);
	}
	threshold.count = count_answered(world, "GET", "/2/dm_events", 503);
	g_assert_cmpuint(threshold.count, >, 0);
	g_assert_true(
	    tw_test_wait_until(polls_failed_beyond, &threshold, pace_ms * 40));
	tw_sandbox_clear_faults(world->sandbox);
	tw_sandbox_clear_requests(world->sandbox);
	ended = g_get_monotonic_time();

	g_assert_true(tw_test_wait_until(poll_answered, world, pace_ms * 40));
	first_read = g_get_monotonic_time();
	received.runner = runner;
	received.count = 1 + written->len;
	g_assert_true(
	    tw_test_wait_until(received_all, &received, pace_ms * 40));
	last_shown = g_get_monotonic_time();
	g_test_message("outage recovery: first read %.2f paces, last "
		       "delivery %.2f paces after the end",
		       (double)(first_read - ended) / (pace_ms * 1000.0),
		       (double)(last_shown - ended) / (pace_ms * 1000.0));
	g_assert_cmpint(first_read - ended, <=,
			4 * (gint64)pace_ms * 1000 + slack_us);
	g_assert_cmpint(last_shown - ended, <=,
			8 * (gint64)pace_ms * 1000 + slack_us);

	/* Exactly once, oldest first. */
	tw_test_let_it_run(2 * pace_ms);
	events = tw_test_runner_get_events(runner);
	for (guint i = 0; i < events->len; i++) {
		JsonObject *event = events->pdata[i];

		if (g_strcmp0(member(event, "event"), "message") != 0 ||
		    !tw_test_event_has_flag(event, "recv") ||
		    g_strcmp0(member(event, "plain"), "before the outage") == 0)
			continue;
		g_assert_cmpuint(seen, <, written->len);
		g_assert_cmpstr(member(event, "plain"), ==,
				written->pdata[seen]);
		seen++;
	}
	g_assert_cmpuint(seen, ==, written->len);
	assert_still_online(runner);
	g_assert_cmpint(tw_test_runner_quit(runner), ==, 0);
}

static void
outage_set_up(TwTestWorld *world, gconstpointer data)
{
	TwSandboxConfig config;

	tw_sandbox_config_init(&config);
	/* 15 reads per 15 s: one poll pace is one second (four under
	 * valgrind, which needs the time). */
	config.rate_window_seconds = under_valgrind() ? 60 : 15;
	config.dm_read_limit = 15;
	tw_test_world_set_up(world, &config);
}

/****************************************************************************
 * Token rotation
 ****************************************************************************/

static gboolean
poll_was_refused(gpointer data)
{
	return count_answered(data, "GET", "/2/dm_events", 401) > 0;
}

/* X rotates the refresh token at once but its answer takes 33 s, longer
 * than an ordinary request's timeout: the plugin waits for it instead of
 * retrying with the spent token (which X refuses, ending the account). */
static void
test_slow_rotation_answer(TwTestWorld *world, gconstpointer data)
{
	g_autofree char *alice =
	    tw_sandbox_add_user(world->sandbox, "alice_c", "Alice");
	g_autofree char *path =
	    g_strdup_printf("/2/dm_conversations/with/%s/messages", alice);
	TwTestRunner *runner = start_signed_on(world);
	g_autofree char *id = NULL;
	g_autoptr(GPtrArray) sent = NULL;
	guint held_ms = 33000;

	tw_sandbox_clear_requests(world->sandbox);
	add_fault(world, TW_SANDBOX_FAULT_DELAY, "POST", TOKEN_PATH, 1, 0,
		  held_ms);
	tw_sandbox_expire_access_tokens(world->sandbox);
	g_assert_true(tw_test_wait_until(poll_was_refused, world, WAIT_MS));
	id = tw_test_create_message(world, alice, world->account_id,
				    "written while the token rotates", 0);
	tw_test_send_command(runner, "alice_c", "typed while it rotates");
	g_assert_nonnull(tw_test_runner_wait_event(
	    runner, "message", "plain", "written while the token rotates",
	    held_ms + WAIT_MS));
	tw_test_wait_requests(world, "POST", path, 1);
	sent = tw_test_sent_texts(world, path);
	g_assert_cmpuint(sent->len, ==, 1);
	g_assert_cmpstr(sent->pdata[0], ==, "typed while it rotates");
	/* One rotation, answered; never the spent token again. */
	g_assert_cmpuint(count_answered(world, "POST", TOKEN_PATH, 200), ==, 1);
	g_assert_cmpuint(count_answered(world, "POST", TOKEN_PATH, 400), ==, 0);
	assert_still_online(runner);
	g_assert_cmpint(tw_test_runner_quit(runner), ==, 0);
}

/* A send made with the old access token is answered 401 only after
 * another request's refresh has brought a new one: it is sent again with
 * the new token, without a second refresh. */
static void
test_unauthorized_for_replaced_token(TwTestWorld *world, gconstpointer data)
{
	g_autofree char *alice =
	    tw_sandbox_add_user(world->sandbox, "alice_c", "Alice");
	g_autofree char *path =
	    g_strdup_printf("/2/dm_conversations/with/%s/messages", alice);
	TwTestRunner *runner = start_signed_on(world);
	g_autoptr(GPtrArray) sent = NULL;
	guint held_ms = under_valgrind() ? 15000 : 3000;

	/* Known before the test, so the send is one POST. */
	tw_test_send_command(runner, "alice_c", "hello");
	tw_test_wait_requests(world, "POST", path, 1);
	tw_test_let_it_run(under_valgrind() ? 3000 : 500);
	tw_sandbox_clear_requests(world->sandbox);

	add_fault(world, TW_SANDBOX_FAULT_DELAY, "POST", path, 1, 0, held_ms);
	tw_sandbox_expire_access_tokens(world->sandbox);
	tw_test_send_command(runner, "alice_c", "sent with the old token");
	tw_test_wait_requests(world, "POST", path, 2);
	tw_test_let_it_run(under_valgrind() ? 5000 : 1000);
	sent = tw_test_sent_texts(world, path);
	g_assert_cmpuint(sent->len, ==, 1);
	g_assert_cmpstr(sent->pdata[0], ==, "sent with the old token");
	g_assert_cmpuint(count_answered(world, "POST", path, 401), ==, 1);
	g_assert_cmpuint(
	    tw_sandbox_count_requests(world->sandbox, "POST", TOKEN_PATH), ==,
	    1);
	assert_still_online(runner);
	g_assert_cmpint(tw_test_runner_quit(runner), ==, 0);
}

/* X answers the sign-on's refresh with a 503: the plugin tries again
 * instead of ending the connection. */
static void
test_sign_on_refresh_transient(TwTestWorld *world, gconstpointer data)
{
	TwTestRunner *runner;

	add_fault(world, TW_SANDBOX_FAULT_STATUS, "POST", TOKEN_PATH, 1, 503,
		  0);
	runner = start_signed_on(world);
	g_assert_cmpuint(count_answered(world, "POST", TOKEN_PATH, 503), ==, 1);
	g_assert_cmpuint(count_answered(world, "POST", TOKEN_PATH, 200), ==, 1);
	assert_still_online(runner);
	g_assert_cmpint(tw_test_runner_quit(runner), ==, 0);
}

/* The account is disconnected while X holds the answer to its refresh:
 * the refresh is not cancelled, its rotated token is stored, and the
 * sign-on that follows at once waits for it rather than sending the
 * spent token. */
static void
test_refresh_survives_disconnect(TwTestWorld *world, gconstpointer data)
{
	TwTestRunner *runner = start_signed_on(world);
	guint held_ms = under_valgrind() ? 15000 : 4000;
	g_autofree char *alice =
	    tw_sandbox_add_user(world->sandbox, "alice_c", "Alice");
	g_autofree char *id = NULL;

	add_fault(world, TW_SANDBOX_FAULT_DELAY, "POST", TOKEN_PATH, 1, 0,
		  held_ms);
	tw_sandbox_expire_access_tokens(world->sandbox);
	g_assert_true(tw_test_wait_until(poll_was_refused, world, WAIT_MS));
	/* The refresh is on its way to X (whose log shows it only once
	 * answered). */
	tw_test_let_it_run(under_valgrind() ? 5000 : 1000);
	tw_test_runner_send(runner, "{\"cmd\":\"disconnect\","
				    "\"account\":\"" TW_TEST_ACCOUNT "\"}");
	g_assert_nonnull(tw_test_runner_wait_event(runner, "signed-off", NULL,
						   NULL, WAIT_MS));
	tw_test_runner_send(runner, "{\"cmd\":\"connect\","
				    "\"account\":\"" TW_TEST_ACCOUNT "\"}");
	g_assert_nonnull(tw_test_runner_wait_event(runner, "signed-on", NULL,
						   NULL, held_ms + WAIT_MS));
	id = tw_test_create_message(world, alice, world->account_id,
				    "after the reconnect", 0);
	g_assert_nonnull(tw_test_runner_wait_event(
	    runner, "message", "plain", "after the reconnect", WAIT_MS));
	g_assert_cmpuint(count_answered(world, "POST", TOKEN_PATH, 400), ==, 0);
	g_assert_cmpuint(
	    tw_test_runner_count_events(runner, "request-input", NULL, NULL),
	    ==, 0);
	g_assert_cmpuint(
	    tw_test_runner_count_events(runner, "connection-error", NULL, NULL),
	    ==, 0);
	g_assert_cmpint(tw_test_runner_quit(runner), ==, 0);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	tw_test_loop_install();
#define ADD(path, func)                                                        \
	g_test_add(path, TwTestWorld, NULL, world_set_up, func, world_tear_down)
	g_test_add("/outage/recovery/after-30-s-of-503", TwTestWorld, NULL,
		   outage_set_up, test_recovery_after_outage, world_tear_down);
	ADD("/outage/rotation/slow-answer", test_slow_rotation_answer);
	ADD("/outage/rotation/unauthorized-for-replaced-token",
	    test_unauthorized_for_replaced_token);
	ADD("/outage/rotation/sign-on-refresh-transient",
	    test_sign_on_refresh_transient);
	ADD("/outage/rotation/survives-disconnect",
	    test_refresh_survives_disconnect);
#undef ADD
	return g_test_run();
}
