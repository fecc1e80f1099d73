/*
 * The support-desk tools through the headless runner against the
 * in-process sandbox: saved replies ("/reply NAME", "/reply").
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <glib.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <string.h>

#include "tw-test-loop.h"
#include "tw-test-world.h"

#define WAIT_MS TW_TEST_WAIT_MS

typedef struct {
	TwTestWorld world;
	char *alice;
	char *send_path;
} Desk;

static void
desk_set_up(Desk *desk, gconstpointer data)
{
	TwSandboxConfig config;

	/* A window compressed to 15 s: a poll a second, as at X's pace. */
	tw_sandbox_config_init(&config);
	config.rate_window_seconds = 15;
	tw_test_world_set_up(&desk->world, &config);
	desk->alice = tw_sandbox_add_user(desk->world.sandbox, "Alice_C",
					  "Alice Customer");
	desk->send_path = g_strdup_printf(
	    "/2/dm_conversations/with/%s/messages", desk->alice);
}

static void
desk_tear_down(Desk *desk, gconstpointer data)
{
	g_free(desk->alice);
	g_free(desk->send_path);
	tw_test_world_tear_down(&desk->world);
}

static void
write_replies(Desk *desk, const char *text)
{
	g_autofree char *directory =
	    g_build_filename(desk->world.user_dir, "twdm", NULL);
	g_autofree char *path =
	    g_build_filename(directory, TW_TEST_ACCOUNT ".replies", NULL);

	g_assert_cmpint(g_mkdir_with_parents(directory, 0700), ==, 0);
	g_assert_true(g_file_set_contents(path, text, -1, NULL));
}

/* Signed on, with Alice's first message shown: she has written, so the
 * plugin knows her display name. */
static TwTestRunner *
start_with_alice(Desk *desk)
{
	TwTestRunner *runner = tw_test_world_start_runner(
	    &desk->world, desk->world.refresh_token, NULL, NULL);
	g_autofree char *id = NULL;

	tw_test_assert_signed_on(runner);
	id = tw_test_create_message(&desk->world, desk->alice,
				    desk->world.account_id,
				    "My parcel arrived broken", 0);
	g_assert_nonnull(tw_test_runner_wait_event(
	    runner, "message", "text", "My parcel arrived broken", WAIT_MS));
	return runner;
}

/* Runs a slash command in the IM with Alice; returns its "command" event. */
static JsonObject *
run_command(TwTestRunner *runner, const char *line)
{
	g_autoptr(JsonNode) node = json_node_new(JSON_NODE_VALUE);
	g_autofree char *quoted = NULL;
	g_autofree char *command = NULL;
	JsonObject *result;

	json_node_set_string(node, line);
	quoted = json_to_string(node, FALSE);
	command = g_strdup_printf(
	    "{\"cmd\":\"command\",\"account\":\"" TW_TEST_ACCOUNT
	    "\",\"to\":\"alice_c\",\"line\":%s}",
	    quoted);
	tw_test_runner_send(runner, command);
	result =
	    tw_test_runner_wait_event(runner, "command", NULL, NULL, WAIT_MS);
	g_assert_nonnull(result);
	return result;
}

static GPtrArray *
wait_sent(Desk *desk, guint count)
{
	gint64 deadline = g_get_monotonic_time() + WAIT_MS * 1000;
	GPtrArray *sent = NULL;

	for (;;) {
		g_clear_pointer(&sent, g_ptr_array_unref);
		sent = tw_test_sent_texts(&desk->world, desk->send_path);
		if (sent->len >= count || g_get_monotonic_time() > deadline)
			return sent;
		tw_test_let_it_run(50);
	}
}

/* "/reply thanks" sends the saved text once, with {name} filled in from
 * the customer's X display name, and shows it as sent. */
static void
test_reply_sends(Desk *desk, gconstpointer data)
{
	TwTestRunner *runner;
	JsonObject *result;
	JsonObject *shown;
	g_autoptr(GPtrArray) sent = NULL;

	write_replies(desk, "# desk replies\n"
			    "thanks: Thank you for writing, {name}!\n"
			    "  We are on it.\n"
			    "\n"
			    "hours: We answer 9:00-17:00.\n");
	runner = start_with_alice(desk);
	result = run_command(runner, "/reply Thanks");
	g_assert_cmpstr(json_object_get_string_member(result, "status"), ==,
			"ok");
	sent = wait_sent(desk, 1);
	g_assert_cmpuint(sent->len, ==, 1);
	g_assert_cmpstr(
	    g_ptr_array_index(sent, 0), ==,
	    "Thank you for writing, Alice Customer!\nWe are on it.");
	shown = tw_test_runner_wait_event(runner, "message", "who",
					  TW_TEST_ACCOUNT, WAIT_MS);
	g_assert_nonnull(shown);
	g_assert_true(tw_test_event_has_flag(shown, "send"));
	g_assert_cmpstr(
	    json_object_get_string_member(shown, "plain"), ==,
	    "Thank you for writing, Alice Customer!\nWe are on it.");
	/* Nothing more goes out: one command, one DM. */
	tw_test_let_it_run(500);
	g_clear_pointer(&sent, g_ptr_array_unref);
	sent = tw_test_sent_texts(&desk->world, desk->send_path);
	g_assert_cmpuint(sent->len, ==, 1);
	g_assert_cmpint(tw_test_runner_quit(runner), ==, 0);
}

static JsonObject *
wait_system_message(TwTestRunner *runner)
{
	gint64 deadline = g_get_monotonic_time() + WAIT_MS * 1000;

	for (;;) {
		GPtrArray *events = tw_test_runner_get_events(runner);

		for (guint i = 0; i < events->len; i++) {
			JsonObject *event = g_ptr_array_index(events, i);

			if (g_strcmp0(
				json_object_get_string_member_with_default(
				    event, "event", NULL),
				"message") == 0 &&
			    tw_test_event_has_flag(event, "system"))
				return event;
		}
		g_assert_cmpint(g_get_monotonic_time(), <, deadline);
		tw_test_let_it_run(50);
	}
}

/* "/reply" alone lists the replies in the window and sends nothing. */
static void
test_reply_lists(Desk *desk, gconstpointer data)
{
	TwTestRunner *runner;
	JsonObject *result;
	JsonObject *list;
	const char *text;
	g_autoptr(GPtrArray) sent = NULL;

	write_replies(desk, "thanks: Thank you, {name}!\n"
			    "hours: We answer 9:00-17:00.\n");
	runner = start_with_alice(desk);
	result = run_command(runner, "/reply");
	g_assert_cmpstr(json_object_get_string_member(result, "status"), ==,
			"ok");
	list = wait_system_message(runner);
	text = json_object_get_string_member(list, "plain");
	g_assert_nonnull(strstr(text, "thanks: Thank you, {name}!"));
	g_assert_nonnull(strstr(text, "hours: We answer 9:00-17:00."));
	tw_test_let_it_run(300);
	sent = tw_test_sent_texts(&desk->world, desk->send_path);
	g_assert_cmpuint(sent->len, ==, 0);
	g_assert_cmpint(tw_test_runner_quit(runner), ==, 0);
}

/* An unknown name, no file, and a broken file: told in words, nothing
 * sent. */
static void
test_reply_errors(Desk *desk, gconstpointer data)
{
	TwTestRunner *runner = start_with_alice(desk);
	JsonObject *result;
	JsonObject *list;
	g_autoptr(GPtrArray) sent = NULL;

	result = run_command(runner, "/reply thanks");
	g_assert_cmpstr(json_object_get_string_member(result, "status"), ==,
			"failed");
	g_assert_cmpstr(
	    json_object_get_string_member(result, "error"), ==,
	    "There is no saved reply named \"thanks\"; /reply alone "
	    "lists them.");
	run_command(runner, "/reply");
	list = wait_system_message(runner);
	g_assert_nonnull(strstr(json_object_get_string_member(list, "plain"),
				"No saved replies yet."));

	write_replies(desk, "thanks Thank you\n");
	result = run_command(runner, "/reply thanks");
	g_assert_cmpstr(json_object_get_string_member(result, "status"), ==,
			"failed");
	g_assert_nonnull(strstr(json_object_get_string_member(result, "error"),
				"Line 1: a saved reply starts with its name"));
	tw_test_let_it_run(300);
	sent = tw_test_sent_texts(&desk->world, desk->send_path);
	g_assert_cmpuint(sent->len, ==, 0);
	g_assert_cmpint(tw_test_runner_quit(runner), ==, 0);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	tw_test_loop_install();

	g_test_add("/desk/reply-sends", Desk, NULL, desk_set_up,
		   test_reply_sends, desk_tear_down);
	g_test_add("/desk/reply-lists", Desk, NULL, desk_set_up,
		   test_reply_lists, desk_tear_down);
	g_test_add("/desk/reply-errors", Desk, NULL, desk_set_up,
		   test_reply_errors, desk_tear_down);
	return g_test_run();
}
