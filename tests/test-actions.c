/*
 * The account actions (Pidgin's Accounts menu) through the headless runner:
 * "Check for new messages now", "Show rate-limit status" and "Copy my DM
 * link", against the
 * in-process sandbox with X's real rate limits (15 DM reads per 15 min),
 * so that the plugin polls once at sign-on and then waits about a minute.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <glib.h>
#include <json-glib/json-glib.h>
#include <string.h>

#include "tw-test-loop.h"
#include "tw-test-world.h"

#define WAIT_MS          TW_TEST_WAIT_MS
#define ACTION_CHECK_NOW "Check for new messages now"
#define ACTION_STATUS    "Show rate-limit status"
#define ACTION_WAITING   "Conversations waiting for an answer"
#define ACTION_DM_LINK   "Copy my DM link"
#define ACTION_HELD      "Messages held by the blast limit"
#define CHECK_NOW_MS     50000

static void
world_set_up(TwTestWorld *world, gconstpointer data)
{
	TwSandboxConfig config;

	/* X's own windows: the paced poll after sign-on is a minute away, so
	 * a quick arrival can only come from "check now". */
	tw_sandbox_config_init(&config);
	tw_test_world_set_up(world, &config);
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
run_action(TwTestRunner *runner, const char *label)
{
	g_autofree char *command =
	    g_strdup_printf("{\"cmd\":\"action\",\"account\":\"" TW_TEST_ACCOUNT
			    "\",\"name\":\"%s\"}",
			    label);

	tw_test_runner_send(runner, command);
}

/* Runs "Show rate-limit status" and returns the text it showed. */
static char *
status_text(TwTestRunner *runner)
{
	JsonObject *notify;

	run_action(runner, ACTION_STATUS);
	notify = tw_test_runner_wait_event(runner, "notify", "primary",
					   "Rate-limit status", WAIT_MS);
	g_assert_nonnull(notify);
	g_assert_cmpstr(json_object_get_string_member(notify, "type"), ==,
			"info");
	g_assert_cmpstr(json_object_get_string_member(notify, "title"), ==,
			"Twitter DM");
	return g_strdup(json_object_get_string_member(notify, "secondary"));
}

/* The status once the sign-on's first poll has come back. */
static char *
status_after_first_poll(TwTestRunner *runner)
{
	gint64 deadline = g_get_monotonic_time() + WAIT_MS * 1000;

	for (;;) {
		g_autofree char *text = status_text(runner);

		if (strstr(text, "Last check for messages: none yet") == NULL &&
		    strstr(text, "Next check: in progress") == NULL)
			return g_steal_pointer(&text);
		g_assert_cmpint(g_get_monotonic_time(), <, deadline);
		tw_test_let_it_run(50);
	}
}

static void
assert_contains(const char *text, const char *part)
{
	if (strstr(text, part) == NULL)
		g_error("\"%s\" not in the status:\n%s", part, text);
}

/****************************************************************************
 * Tests
 ****************************************************************************/

static void
test_actions_listed(TwTestWorld *world, gconstpointer data)
{
	TwTestRunner *runner = start_signed_on(world);
	JsonObject *event;
	JsonArray *actions;

	tw_test_runner_send(
	    runner,
	    "{\"cmd\":\"actions\",\"account\":\"" TW_TEST_ACCOUNT "\"}");
	event = tw_test_runner_wait_event(runner, "actions", "account",
					  TW_TEST_ACCOUNT, WAIT_MS);
	g_assert_nonnull(event);
	actions = json_object_get_array_member(event, "actions");
	g_assert_cmpuint(json_array_get_length(actions), ==, 5);
	g_assert_cmpstr(json_array_get_string_element(actions, 0), ==,
			ACTION_CHECK_NOW);
	g_assert_cmpstr(json_array_get_string_element(actions, 1), ==,
			ACTION_STATUS);
	g_assert_cmpstr(json_array_get_string_element(actions, 2), ==,
			ACTION_WAITING);
	g_assert_cmpstr(json_array_get_string_element(actions, 3), ==,
			ACTION_DM_LINK);
	g_assert_cmpstr(json_array_get_string_element(actions, 4), ==,
			ACTION_HELD);
	/* Nothing held: it says so, and asks nothing. */
	run_action(runner, ACTION_HELD);
	g_assert_nonnull(tw_test_runner_wait_event(
	    runner, "notify", "primary", "No messages are held.", WAIT_MS));
	g_assert_cmpuint(
	    tw_test_runner_count_events(runner, "request-action", NULL, NULL),
	    ==, 0);
	g_assert_cmpint(tw_test_runner_quit(runner), ==, 0);
}

static void
test_status_after_sign_on(TwTestWorld *world, gconstpointer data)
{
	TwTestRunner *runner = start_signed_on(world);
	g_autofree char *text = status_after_first_poll(runner);

	g_test_message("status:\n%s", text);
	/* X's spelling of the handle, and the display name. */
	assert_contains(text, "Signed on as @Acme_Support (Acme Support)\n");
	assert_contains(text, "Last check for messages: ");
	/* Paced over the 15-minute window: the next poll is far off. */
	assert_contains(text, "Next check: ");
	g_assert_null(strstr(text, "Next check: not scheduled"));
	/* One read at sign-on of X's 15 per window. */
	assert_contains(text, "DM reads left: 14 of 15, the window resets at ");
	assert_contains(text, "DM sends left: not known yet\n");
	assert_contains(text, "Messages waiting to be sent: 0\n");
	/* The sandbox hands out access tokens for 7200 s, like X. */
	assert_contains(text, "Access token valid until ");
	g_assert_null(strstr(text, world->refresh_token));
	g_assert_cmpint(tw_test_runner_quit(runner), ==, 0);
}

static void
test_check_now(TwTestWorld *world, gconstpointer data)
{
	g_autofree char *alice =
	    tw_sandbox_add_user(world->sandbox, "Alice_C", "Alice Customer");
	TwTestRunner *runner = start_signed_on(world);
	g_autofree char *before = status_after_first_poll(runner);
	g_autofree char *after = NULL;
	g_autofree char *event_id = NULL;
	g_autofree char *expected = NULL;
	JsonObject *message;
	guint reads;

	assert_contains(before, "DM reads left: 14 of 15");
	event_id = tw_test_create_message(world, alice, world->account_id,
					  "Are you there?", 0);
	run_action(runner, ACTION_CHECK_NOW);
	/* The paced poll is 900 s / 13 reads = 69 s away: an arrival
	 * within 50 s (even under valgrind) comes from "check now". */
	message = tw_test_runner_wait_event(runner, "message", "plain",
					    "Are you there?", CHECK_NOW_MS);
	g_assert_nonnull(message);
	g_assert_cmpstr(json_object_get_string_member(message, "who"), ==,
			"alice_c");
	/* One page with the message, then the empty page that ends it. */
	reads =
	    tw_sandbox_count_requests(world->sandbox, "GET", "/2/dm_events");
	g_assert_cmpuint(reads, >=, 2);

	after = status_after_first_poll(runner);
	g_test_message("status:\n%s", after);
	expected = g_strdup_printf("DM reads left: %u of 15", 15 - reads);
	assert_contains(after, expected);
	g_assert_cmpint(tw_test_runner_quit(runner), ==, 0);
}

static void
test_status_after_send(TwTestWorld *world, gconstpointer data)
{
	g_autofree char *alice =
	    tw_sandbox_add_user(world->sandbox, "Alice_C", "Alice Customer");
	TwTestRunner *runner = start_signed_on(world);
	g_autoptr(GPtrArray) sent = NULL;
	g_autofree char *path =
	    g_strdup_printf("/2/dm_conversations/with/%s/messages", alice);
	g_autofree char *text = NULL;
	gint64 deadline = g_get_monotonic_time() + WAIT_MS * 1000;

	tw_test_send_command(runner, "alice_c", "Hello from support");
	do {
		g_clear_pointer(&sent, g_ptr_array_unref);
		tw_test_let_it_run(50);
		sent = tw_test_sent_texts(world, path);
	} while (sent->len == 0 && g_get_monotonic_time() < deadline);
	g_assert_cmpuint(sent->len, ==, 1);

	/* The status reflects the POST's headers once its answer is in. */
	for (;;) {
		g_free(text);
		text = status_after_first_poll(runner);
		if (strstr(text, "Messages waiting to be sent: 0\n") != NULL &&
		    strstr(text, "DM sends left: not known yet") == NULL)
			break;
		g_assert_cmpint(g_get_monotonic_time(), <, deadline);
		tw_test_let_it_run(50);
	}
	g_test_message("status:\n%s", text);
	assert_contains(text, "DM sends left: 14 of 15, the window resets at ");
	assert_contains(text, "DM sends left in 24 hours: 1439, until ");
	g_assert_cmpint(tw_test_runner_quit(runner), ==, 0);
}

/* "Copy my DM link" asks for an optional text, then shows the link with the
 * account's own user id (what X's compose link needs) and the text. */
static void
dm_link_with(TwTestWorld *world, const char *answer, const char *expected_tail)
{
	TwTestRunner *runner = start_signed_on(world);
	JsonObject *question;
	JsonObject *notify;
	g_autofree char *command = NULL;
	g_autofree char *expected = NULL;
	g_autoptr(JsonNode) text = json_node_new(JSON_NODE_VALUE);
	g_autofree char *quoted = NULL;

	run_action(runner, ACTION_DM_LINK);
	question = tw_test_runner_wait_event(runner, "request-input", "account",
					     TW_TEST_ACCOUNT, WAIT_MS);
	g_assert_nonnull(question);
	g_assert_cmpstr(json_object_get_string_member(question, "primary"), ==,
			"Your DM link");
	json_node_set_string(text, answer);
	quoted = json_to_string(text, FALSE);
	command = g_strdup_printf(
	    "{\"cmd\":\"answer\",\"id\":%" G_GINT64_FORMAT ",\"text\":%s}",
	    json_object_get_int_member(question, "id"), quoted);
	tw_test_runner_send(runner, command);
	notify = tw_test_runner_wait_event(runner, "notify", "primary",
					   "Your DM link", WAIT_MS);
	g_assert_nonnull(notify);
	expected =
	    g_strdup_printf("https://x.com/messages/compose?recipient_id=%s%s",
			    world->account_id, expected_tail);
	g_assert_cmpstr(json_object_get_string_member(notify, "secondary"), ==,
			expected);
	g_assert_cmpint(tw_test_runner_quit(runner), ==, 0);
}

static void
test_dm_link(TwTestWorld *world, gconstpointer data)
{
	dm_link_with(world, "", "");
}

static void
test_dm_link_with_text(TwTestWorld *world, gconstpointer data)
{
	dm_link_with(world, "  Hi, about order #42  ",
		     "&text=Hi%2C%20about%20order%20%2342");
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	tw_test_loop_install();

	g_test_add("/actions/listed", TwTestWorld, NULL, world_set_up,
		   test_actions_listed, world_tear_down);
	g_test_add("/actions/status-after-sign-on", TwTestWorld, NULL,
		   world_set_up, test_status_after_sign_on, world_tear_down);
	g_test_add("/actions/check-now", TwTestWorld, NULL, world_set_up,
		   test_check_now, world_tear_down);
	g_test_add("/actions/status-after-send", TwTestWorld, NULL,
		   world_set_up, test_status_after_send, world_tear_down);
	g_test_add("/actions/dm-link", TwTestWorld, NULL, world_set_up,
		   test_dm_link, world_tear_down);
	g_test_add("/actions/dm-link-with-text", TwTestWorld, NULL,
		   world_set_up, test_dm_link_with_text, world_tear_down);
	return g_test_run();
}
