/*
 * The support-desk tools through the headless runner against the
 * in-process sandbox: saved replies ("/reply NAME", "/reply"), the
 * conversations waiting for an answer, and consent before a first DM.
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

/* The texts X took at @path once there are @count, or after @wait_ms. */
static GPtrArray *
wait_sent_to(Desk *desk, const char *path, guint count, guint wait_ms)
{
	gint64 deadline = g_get_monotonic_time() + (gint64)wait_ms * 1000;
	GPtrArray *sent = NULL;

	for (;;) {
		g_clear_pointer(&sent, g_ptr_array_unref);
		sent = tw_test_sent_texts(&desk->world, path);
		if (sent->len >= count || g_get_monotonic_time() > deadline)
			return sent;
		tw_test_let_it_run(50);
	}
}

static GPtrArray *
wait_sent(Desk *desk, guint count)
{
	return wait_sent_to(desk, desk->send_path, count, WAIT_MS);
}

/* Fails the test unless X took @count DMs at @path within @wait_ms. */
static void
assert_sent_to(Desk *desk, const char *path, guint count, guint wait_ms)
{
	g_autoptr(GPtrArray) sent = wait_sent_to(desk, path, count, wait_ms);

	g_assert_cmpuint(sent->len, >=, count);
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

/* The first message line carrying @flag ("system", "error"). */
static JsonObject *
wait_message_with_flag(TwTestRunner *runner, const char *flag)
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
			    tw_test_event_has_flag(event, flag))
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
	list = wait_message_with_flag(runner, "system");
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
	list = wait_message_with_flag(runner, "system");
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

/* The "waiting" command's list. */
static JsonArray *
waiting_list(TwTestRunner *runner)
{
	JsonObject *event;

	tw_test_runner_send(
	    runner,
	    "{\"cmd\":\"waiting\",\"account\":\"" TW_TEST_ACCOUNT "\"}");
	event = tw_test_runner_wait_event(runner, "waiting", "account",
					  TW_TEST_ACCOUNT, WAIT_MS);
	g_assert_nonnull(event);
	return json_object_get_array_member(event, "conversations");
}

static void
wait_until_none_waits(TwTestRunner *runner)
{
	gint64 deadline = g_get_monotonic_time() + WAIT_MS * 1000;

	while (json_array_get_length(waiting_list(runner)) > 0) {
		g_assert_cmpint(g_get_monotonic_time(), <, deadline);
		tw_test_let_it_run(100);
	}
}

static JsonObject *
wait_message(TwTestRunner *runner, const char *plain)
{
	JsonObject *event = tw_test_runner_wait_event(runner, "message",
						      "plain", plain, WAIT_MS);

	g_assert_nonnull(event);
	return event;
}

/* Alice writes twice: she waits since her first message, the message
 * lines say how long, and the agent's reply ends the wait. */
static void
test_waiting_until_answered(Desk *desk, gconstpointer data)
{
	TwTestRunner *runner = tw_test_world_start_runner(
	    &desk->world, desk->world.refresh_token, NULL, NULL);
	gint64 before, after;
	g_autofree char *first = NULL;
	g_autofree char *second = NULL;
	JsonArray *waiting;
	JsonObject *entry;
	JsonObject *line;

	tw_test_assert_signed_on(runner);
	g_assert_cmpuint(json_array_get_length(waiting_list(runner)), ==, 0);
	before = g_get_real_time() / G_USEC_PER_SEC;
	first = tw_test_create_message(&desk->world, desk->alice,
				       desk->world.account_id, "Hello?", 0);
	after = g_get_real_time() / G_USEC_PER_SEC;
	line = wait_message(runner, "Hello?");
	g_assert_true(json_object_has_member(line, "waiting"));
	g_assert_cmpint(json_object_get_int_member(line, "waiting"), <=, 1);
	tw_test_let_it_run(1500);
	second =
	    tw_test_create_message(&desk->world, desk->alice,
				   desk->world.account_id, "Anyone there?", 0);
	line = wait_message(runner, "Anyone there?");
	/* The wait counts from the first message, not the second. */
	g_assert_cmpint(json_object_get_int_member(line, "waiting"), >=, 1);

	waiting = waiting_list(runner);
	g_assert_cmpuint(json_array_get_length(waiting), ==, 1);
	entry = json_array_get_object_element(waiting, 0);
	g_assert_cmpstr(json_object_get_string_member(entry, "conversation"),
			==, "alice_c");
	g_assert_cmpint(json_object_get_int_member(entry, "since"), >=,
			before - 1);
	g_assert_cmpint(json_object_get_int_member(entry, "since"), <=, after);

	tw_test_send_command(runner, "alice_c", "Yes, how can I help?");
	wait_until_none_waits(runner);
	g_assert_cmpint(tw_test_runner_quit(runner), ==, 0);
}

/* An answer written on the phone (another device) ends the wait too. */
static void
test_waiting_answered_elsewhere(Desk *desk, gconstpointer data)
{
	TwTestRunner *runner = start_with_alice(desk);
	g_autofree char *answer = NULL;

	g_assert_cmpuint(json_array_get_length(waiting_list(runner)), ==, 1);
	answer =
	    tw_test_create_message(&desk->world, desk->world.account_id,
				   desk->alice, "Answered on the phone", 0);
	wait_message(runner, "Answered on the phone");
	g_assert_cmpuint(json_array_get_length(waiting_list(runner)), ==, 0);
	g_assert_cmpint(tw_test_runner_quit(runner), ==, 0);
}

/* The wait survives a restart, and so does its start. */
static void
test_waiting_survives_restart(Desk *desk, gconstpointer data)
{
	TwTestRunner *runner = start_with_alice(desk);
	JsonArray *waiting = waiting_list(runner);
	gint64 since = json_object_get_int_member(
	    json_array_get_object_element(waiting, 0), "since");

	g_assert_cmpint(tw_test_runner_quit(runner), ==, 0);
	runner = tw_test_world_start_runner(
	    &desk->world, desk->world.refresh_token, NULL, NULL);
	tw_test_assert_signed_on(runner);
	waiting = waiting_list(runner);
	g_assert_cmpuint(json_array_get_length(waiting), ==, 1);
	g_assert_cmpint(json_object_get_int_member(
			    json_array_get_object_element(waiting, 0), "since"),
			==, since);
	g_assert_cmpint(tw_test_runner_quit(runner), ==, 0);
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

/* The account action lists who waits, the longest first, and says so
 * when no one does; Get Info says how long the customer has waited. */
static void
test_waiting_shown(Desk *desk, gconstpointer data)
{
	TwTestRunner *runner = tw_test_world_start_runner(
	    &desk->world, desk->world.refresh_token, NULL, NULL);
	g_autofree char *bob =
	    tw_sandbox_add_user(desk->world.sandbox, "Bob_B", "Bob Buyer");
	g_autofree char *first = NULL;
	g_autofree char *second = NULL;
	JsonObject *notify;
	JsonObject *info;
	const char *text;

	tw_test_assert_signed_on(runner);
	run_action(runner, "Conversations waiting for an answer");
	notify = tw_test_runner_wait_event(
	    runner, "notify", "primary", "Conversations waiting for an answer",
	    WAIT_MS);
	g_assert_nonnull(notify);
	g_assert_cmpstr(json_object_get_string_member(notify, "secondary"), ==,
			"No one is waiting for an answer.");

	first = tw_test_create_message(&desk->world, desk->alice,
				       desk->world.account_id, "First!", 0);
	wait_message(runner, "First!");
	tw_test_let_it_run(1100);
	second = tw_test_create_message(&desk->world, bob,
					desk->world.account_id, "Second", 0);
	wait_message(runner, "Second");
	run_action(runner, "Conversations waiting for an answer");
	notify = tw_test_runner_wait_event(
	    runner, "notify", "primary", "Conversations waiting for an answer",
	    WAIT_MS);
	g_assert_nonnull(notify);
	text = json_object_get_string_member(notify, "secondary");
	g_assert_true(g_str_has_prefix(text, "@alice_c: "));
	g_assert_nonnull(strstr(text, "\n@bob_b: "));

	tw_test_runner_send(runner,
			    "{\"cmd\":\"get-info\",\"who\":\"alice_c\"}");
	info = tw_test_runner_wait_event(runner, "userinfo", "who", "alice_c",
					 WAIT_MS);
	g_assert_nonnull(info);
	g_assert_true(
	    json_object_has_member(json_object_get_object_member(info, "info"),
				   "Waiting for an answer"));
	g_assert_cmpint(tw_test_runner_quit(runner), ==, 0);
}

/* A runner with the first-contact rule @rule (the test world allows). */
static TwTestRunner *
start_with_rule(Desk *desk, const char *rule)
{
	g_autofree char *option = g_strconcat("first-contact=", rule, NULL);
	TwTestRunner *runner =
	    tw_test_world_start_runner(&desk->world, desk->world.refresh_token,
				       NULL, "--option", option, NULL);

	tw_test_assert_signed_on(runner);
	return runner;
}

static guint
count_sent(Desk *desk, const char *path)
{
	g_autoptr(GPtrArray) sent = tw_test_sent_texts(&desk->world, path);

	return sent->len;
}

/* Carol, who wrote two days ago, before the plugin watched the account. */
typedef struct {
	char *id;
	char *send_path;
	char *history_path;
} EarlierCustomer;

static void
earlier_customer_init(Desk *desk, EarlierCustomer *carol, const char *text)
{
	g_autofree char *message_id = NULL;

	carol->id =
	    tw_sandbox_add_user(desk->world.sandbox, "Carol_C", "Carol");
	carol->send_path =
	    g_strdup_printf("/2/dm_conversations/with/%s/messages", carol->id);
	carol->history_path =
	    g_strdup_printf("/2/dm_conversations/with/%s/dm_events", carol->id);
	message_id = tw_test_create_message(
	    &desk->world, carol->id, desk->world.account_id, text,
	    g_get_real_time() - 2 * G_TIME_SPAN_DAY);
}

static void
earlier_customer_clear(EarlierCustomer *carol)
{
	g_free(carol->id);
	g_free(carol->send_path);
	g_free(carol->history_path);
}
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(EarlierCustomer, earlier_customer_clear)

/* A first DM waits for a yes: nothing reaches X before it, everything
 * typed meanwhile goes with it, in order, and is shown as sent; the next
 * DM to the same person is not asked about. */
static void
test_first_contact_asks(Desk *desk, gconstpointer data)
{
	g_autofree char *bob =
	    tw_sandbox_add_user(desk->world.sandbox, "Bob_B", "Bob Buyer");
	g_autofree char *path =
	    g_strdup_printf("/2/dm_conversations/with/%s/messages", bob);
	TwTestRunner *runner = start_with_rule(desk, "ask");
	JsonObject *question;
	JsonArray *actions;
	g_autoptr(GPtrArray) sent = NULL;

	tw_test_send_command(runner, "bob_b", "Hello Bob");
	question = tw_test_runner_wait_event(runner, "request-action", "who",
					     "bob_b", WAIT_MS);
	g_assert_nonnull(question);
	g_assert_cmpstr(json_object_get_string_member(question, "primary"), ==,
			"Send a first DM to @bob_b?");
	g_assert_nonnull(
	    strstr(json_object_get_string_member(question, "secondary"),
		   "has never written to this account"));
	actions = json_object_get_array_member(question, "actions");
	g_assert_cmpstr(json_array_get_string_element(actions, 0), ==, "Send");
	g_assert_cmpstr(json_array_get_string_element(actions, 1), ==,
			"Don't send");
	tw_test_send_command(runner, "bob_b", "Are you there?");
	tw_test_let_it_run(1000);
	g_assert_cmpuint(count_sent(desk, path), ==, 0);
	g_assert_cmpuint(
	    tw_test_runner_count_events(runner, "request-action", NULL, NULL),
	    ==, 1);
	g_assert_cmpuint(tw_test_count_messages_with_flag(runner, "send"), ==,
			 0);

	tw_test_runner_answer_action(runner, question, 0);
	assert_sent_to(desk, path, 2, WAIT_MS);
	sent = tw_test_sent_texts(&desk->world, path);
	g_assert_cmpstr(g_ptr_array_index(sent, 0), ==, "Hello Bob");
	g_assert_cmpstr(g_ptr_array_index(sent, 1), ==, "Are you there?");
	g_assert_cmpuint(tw_test_count_messages_with_flag(runner, "send"), ==,
			 2);

	tw_test_send_command(runner, "bob_b", "Third");
	assert_sent_to(desk, path, 3, WAIT_MS);
	g_assert_cmpuint(
	    tw_test_runner_count_events(runner, "request-action", NULL, NULL),
	    ==, 1);
	g_assert_cmpint(tw_test_runner_quit(runner), ==, 0);
}

/* "Don't send": nothing reaches X, and the window says so. */
static void
test_first_contact_declined(Desk *desk, gconstpointer data)
{
	g_autofree char *bob =
	    tw_sandbox_add_user(desk->world.sandbox, "Bob_B", "Bob Buyer");
	g_autofree char *path =
	    g_strdup_printf("/2/dm_conversations/with/%s/messages", bob);
	TwTestRunner *runner = start_with_rule(desk, "ask");
	JsonObject *question;
	JsonObject *note;

	tw_test_send_command(runner, "bob_b", "Buy our new plan!");
	question = tw_test_runner_wait_event(runner, "request-action", "who",
					     "bob_b", WAIT_MS);
	g_assert_nonnull(question);
	tw_test_runner_answer_action(runner, question, 1);
	note = wait_message_with_flag(runner, "error");
	g_assert_nonnull(strstr(json_object_get_string_member(note, "plain"),
				"Not sent: @bob_b has never written to this "
				"account."));
	tw_test_let_it_run(1000);
	g_assert_cmpuint(count_sent(desk, path), ==, 0);
	g_assert_cmpint(tw_test_runner_quit(runner), ==, 0);
}

/* A reply to someone who wrote is never asked about. */
static void
test_first_contact_reply_not_asked(Desk *desk, gconstpointer data)
{
	TwTestRunner *runner = start_with_rule(desk, "ask");
	g_autofree char *id = tw_test_create_message(
	    &desk->world, desk->alice, desk->world.account_id,
	    "My parcel arrived broken", 0);
	g_autoptr(GPtrArray) sent = NULL;

	wait_message(runner, "My parcel arrived broken");
	tw_test_send_command(runner, "alice_c",
			     "Sorry! A new one is on its way.");
	sent = wait_sent(desk, 1);
	g_assert_cmpuint(sent->len, ==, 1);
	g_assert_cmpuint(
	    tw_test_runner_count_events(runner, "request-action", NULL, NULL),
	    ==, 0);
	g_assert_cmpint(tw_test_runner_quit(runner), ==, 0);
}

/* Carol wrote two days ago, before the plugin watched the account (it
 * shows no history by default): X's history of the conversation says so,
 * read once with a small page, and she is answered without a question. */
static void
test_first_contact_wrote_before(Desk *desk, gconstpointer data)
{
	g_auto(EarlierCustomer) carol = {0};
	TwTestRunner *runner;
	g_autoptr(GPtrArray) requests = NULL;
	const char *path, *history;

	earlier_customer_init(desk, &carol, "Is my order still coming?");
	path = carol.send_path;
	history = carol.history_path;
	runner = start_with_rule(desk, "ask");

	tw_test_send_command(runner, "carol_c", "Yes, it ships tomorrow.");
	tw_test_send_command(runner, "carol_c", "Sorry for the wait.");
	assert_sent_to(desk, path, 2, WAIT_MS);
	g_assert_cmpuint(
	    tw_test_runner_count_events(runner, "request-action", NULL, NULL),
	    ==, 0);
	g_assert_cmpuint(tw_test_count_messages_with_flag(runner, "send"), ==,
			 2);
	g_assert_cmpuint(tw_test_count_messages_with_flag(runner, "recv"), ==,
			 0);
	requests = tw_sandbox_dup_requests(desk->world.sandbox);
	for (guint i = 0; i < requests->len; i++) {
		const TwSandboxRequest *request = requests->pdata[i];

		if (g_str_has_prefix(request->path, history))
			g_assert_nonnull(
			    strstr(request->query, "max_results=10"));
	}
	g_assert_cmpuint(
	    tw_sandbox_count_requests(desk->world.sandbox, "GET", history), ==,
	    1);
	/* Quit with a POST unanswered, the restart would rightly read the
	 * conversation to see whether it arrived. */
	tw_test_wait_sends_answered(&desk->world);
	g_assert_cmpint(tw_test_runner_quit(runner), ==, 0);

	/* Remembered: after a restart, no question and no second read. */
	runner = start_with_rule(desk, "ask");
	tw_test_send_command(runner, "carol_c", "It left the warehouse.");
	assert_sent_to(desk, path, 3, WAIT_MS);
	g_assert_cmpuint(
	    tw_sandbox_count_requests(desk->world.sandbox, "GET", history), ==,
	    1);
	g_assert_cmpint(tw_test_runner_quit(runner), ==, 0);
}

/* The polls spend the read window to its last request, so the check may
 * find none left: X answers 429, and the check waits for the reset and
 * asks again instead of putting the question to the user. */
static void
test_first_contact_check_waits_for_reset(Desk *desk, gconstpointer data)
{
	g_auto(EarlierCustomer) carol = {0};
	TwSandboxFault limited = {0};
	TwTestRunner *runner;
	const char *path, *history;

	earlier_customer_init(desk, &carol, "Where is my refund?");
	path = carol.send_path;
	history = carol.history_path;
	runner = start_with_rule(desk, "ask");

	limited.kind = TW_SANDBOX_FAULT_RATE_LIMIT;
	limited.method = "GET";
	limited.path_prefix = history;
	limited.count = 1;
	tw_sandbox_add_fault(desk->world.sandbox, &limited);
	tw_test_send_command(runner, "carol_c", "It is on its way.");
	/* The 429 says the window resets 15 s later. */
	assert_sent_to(desk, path, 1, 15000 + WAIT_MS);
	g_assert_cmpuint(
	    tw_sandbox_count_requests(desk->world.sandbox, "GET", history), ==,
	    2);
	g_assert_cmpuint(
	    tw_test_runner_count_events(runner, "request-action", NULL, NULL),
	    ==, 0);
	g_assert_cmpint(tw_test_runner_quit(runner), ==, 0);
}

/* first-contact=refuse: no question, nothing sent, a note in the window. */
static void
test_first_contact_refused(Desk *desk, gconstpointer data)
{
	g_autofree char *bob =
	    tw_sandbox_add_user(desk->world.sandbox, "Bob_B", "Bob Buyer");
	g_autofree char *path =
	    g_strdup_printf("/2/dm_conversations/with/%s/messages", bob);
	TwTestRunner *runner = start_with_rule(desk, "refuse");
	JsonObject *note;

	tw_test_send_command(runner, "bob_b", "Buy our new plan!");
	note = wait_message_with_flag(runner, "error");
	g_assert_nonnull(strstr(json_object_get_string_member(note, "plain"),
				"it does not write first"));
	tw_test_let_it_run(1000);
	g_assert_cmpuint(count_sent(desk, path), ==, 0);
	g_assert_cmpuint(
	    tw_test_runner_count_events(runner, "request-action", NULL, NULL),
	    ==, 0);
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
	g_test_add("/desk/waiting-until-answered", Desk, NULL, desk_set_up,
		   test_waiting_until_answered, desk_tear_down);
	g_test_add("/desk/waiting-answered-elsewhere", Desk, NULL, desk_set_up,
		   test_waiting_answered_elsewhere, desk_tear_down);
	g_test_add("/desk/waiting-survives-restart", Desk, NULL, desk_set_up,
		   test_waiting_survives_restart, desk_tear_down);
	g_test_add("/desk/waiting-shown", Desk, NULL, desk_set_up,
		   test_waiting_shown, desk_tear_down);
	g_test_add("/desk/first-contact-asks", Desk, NULL, desk_set_up,
		   test_first_contact_asks, desk_tear_down);
	g_test_add("/desk/first-contact-declined", Desk, NULL, desk_set_up,
		   test_first_contact_declined, desk_tear_down);
	g_test_add("/desk/first-contact-reply-not-asked", Desk, NULL,
		   desk_set_up, test_first_contact_reply_not_asked,
		   desk_tear_down);
	g_test_add("/desk/first-contact-refused", Desk, NULL, desk_set_up,
		   test_first_contact_refused, desk_tear_down);
	g_test_add("/desk/first-contact-check-waits-for-reset", Desk, NULL,
		   desk_set_up, test_first_contact_check_waits_for_reset,
		   desk_tear_down);
	g_test_add("/desk/first-contact-wrote-before", Desk, NULL, desk_set_up,
		   test_first_contact_wrote_before, desk_tear_down);
	return g_test_run();
}
