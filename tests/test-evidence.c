/*
 * Reliability evidence that the soak (test-soak.c) found and that stays
 * checked here, deterministically: a send whose answer is lost is never
 * sent twice, however the retries go; a message typed on another device is
 * not held back behind a send in flight; a 401 right after a refresh does
 * not end the account; and sign-on, traffic, disconnect and reconnect
 * cycles leave nothing behind (this test runs under the valgrind setup of
 * tools/run-tests, with the runner under memcheck too).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <glib.h>
#include <json-glib/json-glib.h>
#include <string.h>

#include "tw-test-loop.h"
#include "tw-test-world.h"

#define WAIT_MS TW_TEST_WAIT_MS

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

static char *
send_path(const char *user_id)
{
	return g_strdup_printf("/2/dm_conversations/with/%s/messages", user_id);
}

static void
add_fault(TwTestWorld *world, TwSandboxFaultKind kind, const char *method,
	  const char *path, guint status, guint delay_ms)
{
	TwSandboxFault fault = {kind, method, path, 1, status, delay_ms};

	tw_sandbox_add_fault(world->sandbox, &fault);
}

/* How many messages with @text the sandbox holds. */
static guint
count_at_x(TwTestWorld *world, const char *text)
{
	g_autofree char *state = tw_sandbox_dup_state_json(world->sandbox);
	g_autoptr(JsonParser) parser = json_parser_new();
	JsonArray *messages;
	guint count = 0;

	g_assert_true(json_parser_load_from_data(parser, state, -1, NULL));
	messages = json_object_get_array_member(
	    json_node_get_object(json_parser_get_root(parser)), "messages");
	for (guint i = 0; i < json_array_get_length(messages); i++) {
		JsonObject *message =
		    json_array_get_object_element(messages, i);

		if (g_strcmp0(member(message, "text"), text) == 0)
			count++;
	}
	return count;
}

/* The outbox is empty when the sandbox has answered a verified send: a
 * conversation read after the last POST, and then quiet. */
static void
let_sends_settle(void)
{
	tw_test_let_it_run(under_valgrind() ? 20000 : 8000);
}

/****************************************************************************
 * Sending
 ****************************************************************************/

/* The first POST fails before X takes it (503); the conversation is read
 * and the message is not there; the second POST reaches X but its answer
 * is cut off. The third try must read the conversation again, find the
 * message and not send it once more. */
static void
test_lost_answer_after_verified_retry(TwTestWorld *world, gconstpointer data)
{
	g_autofree char *alice =
	    tw_sandbox_add_user(world->sandbox, "alice_c", "Alice");
	g_autofree char *path = send_path(alice);
	TwTestRunner *runner = start_signed_on(world);
	const char *text = "sent once, whatever happens";

	add_fault(world, TW_SANDBOX_FAULT_STATUS, "POST", path, 503, 0);
	add_fault(world, TW_SANDBOX_FAULT_TRUNCATED, "POST", path, 0, 0);
	tw_test_send_command(runner, "alice_c", text);
	tw_test_wait_requests(world, "POST", path, 2);
	tw_test_wait_requests(world, "GET", "/2/dm_conversations/with/", 2);
	let_sends_settle();
	g_assert_cmpuint(count_at_x(world, text), ==, 1);
	g_assert_cmpuint(
	    tw_test_count_messages_with_flag(runner, "remote-send"), ==, 0);
	g_assert_cmpuint(tw_test_count_messages_with_flag(runner, "error"), ==,
			 0);
	g_assert_cmpint(tw_test_runner_quit(runner), ==, 0);
}

/* The answer is lost, and before the plugin looks, thirty newer messages
 * bury the sent one beyond the first page of the conversation. */
static void
test_lost_answer_buried_in_busy_conversation(TwTestWorld *world,
					     gconstpointer data)
{
	g_autofree char *alice =
	    tw_sandbox_add_user(world->sandbox, "alice_c", "Alice");
	g_autofree char *path = send_path(alice);
	TwTestRunner *runner = start_signed_on(world);
	const char *text = "buried under the customer's messages";

	add_fault(world, TW_SANDBOX_FAULT_TRUNCATED, "POST", path, 0, 0);
	tw_test_send_command(runner, "alice_c", text);
	tw_test_wait_requests(world, "POST", path, 1);
	/* The retry waits at least two seconds: time enough. */
	for (guint i = 0; i < 30; i++) {
		g_autofree char *newer = g_strdup_printf("newer %u", i);
		g_autofree char *id = tw_test_create_message(
		    world, alice, world->account_id, newer, 0);

		g_assert_nonnull(id);
	}
	tw_test_wait_requests(world, "GET", "/2/dm_conversations/with/", 2);
	let_sends_settle();
	g_assert_cmpuint(count_at_x(world, text), ==, 1);
	g_assert_cmpuint(
	    tw_test_count_messages_with_flag(runner, "remote-send"), ==, 0);
	g_assert_cmpint(tw_test_runner_quit(runner), ==, 0);
}

/* While the agent's send waits for its answer, the owner writes from the
 * phone and then the customer answers: both are shown at once, in the
 * order they were written. */
static void
test_other_device_not_held_behind_send(TwTestWorld *world, gconstpointer data)
{
	g_autofree char *alice =
	    tw_sandbox_add_user(world->sandbox, "alice_c", "Alice");
	g_autofree char *path = send_path(alice);
	TwTestRunner *runner = start_signed_on(world);
	g_autofree char *phone = NULL;
	g_autofree char *answer = NULL;
	GPtrArray *events;
	const char *order[2] = {NULL, NULL};
	guint seen = 0;
	gint64 sent_at;

	add_fault(world, TW_SANDBOX_FAULT_DELAY, "POST", path, 0,
		  under_valgrind() ? 40000 : 8000);
	tw_test_send_command(runner, "alice_c", "typed in the runner");
	tw_test_wait_requests(world, "POST", path, 1);
	sent_at = g_get_monotonic_time();
	phone = tw_test_create_message(world, world->account_id, alice,
				       "typed on the phone", 0);
	answer = tw_test_create_message(world, alice, world->account_id,
					"the customer's answer", 0);
	g_assert_nonnull(tw_test_runner_wait_event(
	    runner, "message", "plain", "the customer's answer", WAIT_MS));
	/* Before the send's answer came back. */
	g_assert_cmpint(g_get_monotonic_time() - sent_at, <,
			(under_valgrind() ? 40000 : 8000) * 1000);
	events = tw_test_runner_get_events(runner);
	for (guint i = 0; i < events->len; i++) {
		JsonObject *event = events->pdata[i];

		if (g_strcmp0(member(event, "event"), "message") != 0 ||
		    !(tw_test_event_has_flag(event, "recv") ||
		      tw_test_event_has_flag(event, "remote-send")))
			continue;
		g_assert_cmpuint(seen, <, 2);
		order[seen++] = member(event, "plain");
	}
	g_assert_cmpuint(seen, ==, 2);
	g_assert_cmpstr(order[0], ==, "typed on the phone");
	g_assert_cmpstr(order[1], ==, "the customer's answer");
	g_assert_cmpint(tw_test_runner_quit(runner), ==, 0);
}

/* Whether a poll was answered 401. */
static gboolean
poll_was_refused(gpointer data)
{
	TwTestWorld *world = data;
	g_autoptr(GPtrArray) requests = tw_sandbox_dup_requests(world->sandbox);

	for (guint i = 0; i < requests->len; i++) {
		TwSandboxRequest *request = requests->pdata[i];

		if (request->status == 401 &&
		    g_strcmp0(request->method, "GET") == 0 &&
		    g_strcmp0(request->path, "/2/dm_events") == 0)
			return TRUE;
	}
	return FALSE;
}

/* A line typed while the access token is being refreshed waits for the
 * refresh and is then sent (the soak under valgrind found it stuck in the
 * queue when nothing else came along). */
static void
test_typed_during_refresh(TwTestWorld *world, gconstpointer data)
{
	g_autofree char *alice =
	    tw_sandbox_add_user(world->sandbox, "alice_c", "Alice");
	g_autofree char *path = send_path(alice);
	TwTestRunner *runner = start_signed_on(world);
	guint held_ms = under_valgrind() ? 20000 : 5000;
	const char *text = "typed while the token is refreshed";
	gint64 typed_at;

	add_fault(world, TW_SANDBOX_FAULT_DELAY, "POST", "/2/oauth2/token", 0,
		  held_ms);
	tw_sandbox_expire_access_tokens(world->sandbox);
	/* The next poll gets a 401 and starts a refresh, which is held. */
	g_assert_true(tw_test_wait_until(poll_was_refused, world, WAIT_MS));
	tw_test_let_it_run(300);
	typed_at = g_get_monotonic_time();
	tw_test_send_command(runner, "alice_c", text);
	tw_test_wait_requests(world, "POST", path, 1);
	/* It went out once the refresh was done, not before. */
	g_assert_cmpint(g_get_monotonic_time() - typed_at, >=,
			(gint64)(held_ms - 1000) * 1000);
	let_sends_settle();
	g_assert_cmpuint(count_at_x(world, text), ==, 1);
	g_assert_cmpuint(tw_test_count_messages_with_flag(runner, "error"), ==,
			 0);
	g_assert_cmpint(tw_test_runner_quit(runner), ==, 0);
}

/****************************************************************************
 * Authentication
 ****************************************************************************/

/* X answers 401 twice in a row, the second time right after a successful
 * refresh (a hiccup at X): the account backs off and refreshes again; only
 * a refused refresh token ends it. */
static void
test_second_unauthorized_is_not_fatal(TwTestWorld *world, gconstpointer data)
{
	g_autofree char *alice =
	    tw_sandbox_add_user(world->sandbox, "alice_c", "Alice");
	TwTestRunner *runner = start_signed_on(world);
	TwSandboxFault fault = {
	    TW_SANDBOX_FAULT_UNAUTHORIZED, "GET", "/2/dm_events", 2, 0, 0};
	g_autofree char *id = NULL;

	tw_sandbox_add_fault(world->sandbox, &fault);
	id = tw_test_create_message(world, alice, world->account_id,
				    "after two 401s", 0);
	g_assert_nonnull(tw_test_runner_wait_event(runner, "message", "plain",
						   "after two 401s", WAIT_MS));
	g_assert_cmpuint(
	    tw_test_runner_count_events(runner, "connection-error", NULL, NULL),
	    ==, 0);
	g_assert_cmpuint(
	    tw_test_runner_count_events(runner, "signed-on", NULL, NULL), ==,
	    1);
	g_assert_cmpint(tw_test_runner_quit(runner), ==, 0);
}

/****************************************************************************
 * Memory across connection cycles
 ****************************************************************************/

/* Sign-on, traffic both ways, disconnect, connect: four times, in one
 * runner. Under the valgrind setup the runner runs under memcheck, and
 * its exit status says whether memcheck found errors or definite leaks. */
static void
test_reconnect_cycles(TwTestWorld *world, gconstpointer data)
{
	g_autofree char *alice =
	    tw_sandbox_add_user(world->sandbox, "alice_c", "Alice");
	g_autofree char *path = send_path(alice);
	TwTestRunner *runner = start_signed_on(world);
	const guint cycles = 4;

	for (guint cycle = 0; cycle < cycles; cycle++) {
		g_autofree char *in = g_strdup_printf("cycle %u in", cycle);
		g_autofree char *out = g_strdup_printf("cycle %u out", cycle);
		g_autofree char *id = tw_test_create_message(
		    world, alice, world->account_id, in, 0);
		g_autoptr(GPtrArray) sent = NULL;

		tw_test_wait_received(runner, cycle + 1);
		tw_test_send_command(runner, "alice_c", out);
		tw_test_wait_requests(world, "POST", path, cycle + 1);
		/* Let the answer in before cutting the connection. */
		tw_test_let_it_run(under_valgrind() ? 3000 : 500);
		tw_test_runner_send(runner,
				    "{\"cmd\":\"disconnect\","
				    "\"account\":\"" TW_TEST_ACCOUNT "\"}");
		g_assert_nonnull(tw_test_runner_wait_event(
		    runner, "signed-off", NULL, NULL, WAIT_MS));
		tw_test_runner_send(runner,
				    "{\"cmd\":\"connect\","
				    "\"account\":\"" TW_TEST_ACCOUNT "\"}");
		tw_test_assert_signed_on(runner);
		sent = tw_test_sent_texts(world, path);
		g_assert_cmpuint(sent->len, ==, cycle + 1);
		g_assert_cmpstr(sent->pdata[cycle], ==, out);
	}
	g_assert_cmpuint(
	    tw_test_runner_count_events(runner, "connection-error", NULL, NULL),
	    ==, 0);
	/* Nothing shown twice across the cycles. */
	g_assert_cmpuint(tw_test_count_messages_with_flag(runner, "recv"), ==,
			 cycles);
	g_assert_cmpuint(
	    tw_test_count_messages_with_flag(runner, "remote-send"), ==, 0);
	g_assert_cmpint(tw_test_runner_quit(runner), ==, 0);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	tw_test_loop_install();
#define ADD(path, func)                                                        \
	g_test_add(path, TwTestWorld, NULL, world_set_up, func, world_tear_down)
	ADD("/evidence/send/lost-answer-after-verified-retry",
	    test_lost_answer_after_verified_retry);
	ADD("/evidence/send/lost-answer-buried-in-busy-conversation",
	    test_lost_answer_buried_in_busy_conversation);
	ADD("/evidence/receive/other-device-not-held-behind-send",
	    test_other_device_not_held_behind_send);
	ADD("/evidence/send/typed-during-refresh", test_typed_during_refresh);
	ADD("/evidence/auth/second-unauthorized-is-not-fatal",
	    test_second_unauthorized_is_not_fatal);
	ADD("/evidence/memory/reconnect-cycles", test_reconnect_cycles);
#undef ADD
	return g_test_run();
}
