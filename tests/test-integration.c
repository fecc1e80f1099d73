/*
 * Integration tests: the built plugin inside the headless runner, against
 * the sandbox X API running in this process.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <gio/gio.h>
#include <glib.h>
#include <json-glib/json-glib.h>
#include <string.h>

#include "purple-twdm.h"
#include "tw-sandbox.h"
#include "tw-test-loop.h"
#include "tw-test-runner.h"
#include "tw-test-world.h"

#define ACCOUNT TW_TEST_ACCOUNT
#define WAIT_MS TW_TEST_WAIT_MS

typedef TwTestWorld World;

static void
world_set_up(World *world, gconstpointer data)
{
	tw_test_world_set_up(world, NULL);
}

static void
world_tear_down(World *world, gconstpointer data)
{
	tw_test_world_tear_down(world);
}

static TwTestRunner *
start_runner(World *world, const char *password, const char *api_base)
{
	return tw_test_world_start_runner(world, password, api_base, NULL);
}

#define assert_signed_on         tw_test_assert_signed_on
#define flags_contain            tw_test_event_has_flag
#define count_messages_with_flag tw_test_count_messages_with_flag
#define create_message_at        tw_test_create_message
#define let_it_poll              tw_test_let_it_run

/****************************************************************************
 * Tests
 ****************************************************************************/

static void
test_plugin_from_build_tree(World *world, gconstpointer data)
{
	TwTestRunner *runner = start_runner(world, world->refresh_token, NULL);
	JsonObject *plugin =
	    tw_test_runner_wait_event(runner, "plugin", NULL, NULL, WAIT_MS);
	g_autofree char *loaded_dir = NULL;
	g_autofree char *expected = NULL;
	g_autoptr(GFile) loaded = NULL;
	g_autoptr(GFile) build = NULL;

	g_assert_nonnull(plugin);
	g_assert_cmpstr(json_object_get_string_member(plugin, "id"), ==,
			TW_PLUGIN_ID);
	g_assert_cmpstr(json_object_get_string_member(plugin, "name"), ==,
			TW_PROTOCOL_NAME);
	loaded_dir =
	    g_path_get_dirname(json_object_get_string_member(plugin, "path"));
	loaded = g_file_new_for_path(loaded_dir);
	build = g_file_new_for_path(g_getenv("TW_TEST_PLUGIN_DIR"));
	/* Not an installed copy shadowing the build. */
	g_assert_true(g_file_equal(loaded, build));
	assert_signed_on(runner);
	g_assert_cmpint(tw_test_runner_quit(runner), ==, 0);
}

static void
test_receive_and_reply(World *world, gconstpointer data)
{
	g_autofree char *alice =
	    tw_sandbox_add_user(world->sandbox, "Alice_C", "Alice Customer");
	g_autofree char *bob =
	    tw_sandbox_add_user(world->sandbox, "BobBuyer", "Bob Buyer");
	TwTestRunner *runner = start_runner(world, world->refresh_token, NULL);
	gint64 now;
	const struct {
		const char **sender;
		const char *text;
		const char *who;
		const char *html;
	} sent[] = {
	    {(const char **)&alice, "Hi, my order #12 is late", "alice_c",
	     "Hi, my order #12 is late"},
	    {(const char **)&bob, "Is <b>this</b> & that in stock? don't know",
	     "bobbuyer",
	     "Is &lt;b&gt;this&lt;/b&gt; &amp; that in stock? don't know"},
	    {(const char **)&alice, "Line one\nline two", "alice_c",
	     "Line one\nline two"},
	};
	gint64 times[G_N_ELEMENTS(sent)];
	g_autofree char *reply_path = NULL;
	g_autoptr(GPtrArray) requests = NULL;
	gboolean found_reply = FALSE;

	assert_signed_on(runner);
	now = g_get_real_time();
	for (guint i = 0; i < G_N_ELEMENTS(sent); i++) {
		g_autofree char *id = NULL;

		/* Whole milliseconds, the precision of created_at. */
		times[i] = (now / 1000 + i) * 1000;
		id =
		    create_message_at(world, *sent[i].sender, world->account_id,
				      sent[i].text, times[i]);
		g_assert_nonnull(id);
	}
	for (guint i = 0; i < G_N_ELEMENTS(sent); i++) {
		JsonObject *event = tw_test_runner_wait_event(
		    runner, "message", "who", sent[i].who, WAIT_MS);

		g_assert_nonnull(event);
		g_assert_cmpstr(json_object_get_string_member(event, "type"),
				==, "im");
		g_assert_cmpstr(json_object_get_string_member(event, "account"),
				==, ACCOUNT);
		g_assert_cmpstr(
		    json_object_get_string_member(event, "conversation"), ==,
		    sent[i].who);
		g_assert_cmpstr(json_object_get_string_member(event, "text"),
				==, sent[i].html);
		g_assert_true(flags_contain(event, "recv"));
		g_assert_cmpint(json_object_get_int_member(event, "time"), ==,
				times[i] / G_USEC_PER_SEC);
	}

	tw_test_runner_send(runner,
			    "{\"cmd\":\"send\",\"account\":\"" ACCOUNT
			    "\",\"to\":\"alice_c\",\"text\":"
			    "\"Sorry! It ships <today> & arrives soon\"}");
	reply_path =
	    g_strdup_printf("/2/dm_conversations/with/%s/messages", alice);
	for (guint i = 0; i < 100 && !found_reply; i++) {
		let_it_poll(100);
		found_reply = tw_sandbox_count_requests(world->sandbox, "POST",
							reply_path) == 1;
	}
	g_assert_true(found_reply);
	requests = tw_sandbox_dup_requests(world->sandbox);
	for (guint i = 0; i < requests->len; i++) {
		TwSandboxRequest *request = requests->pdata[i];
		g_autoptr(JsonParser) parser = json_parser_new();
		JsonObject *body;

		if (g_strcmp0(request->path, reply_path) != 0)
			continue;
		g_assert_cmpuint(request->status, ==, 201);
		g_assert_true(json_parser_load_from_data(parser, request->body,
							 -1, NULL));
		body = json_node_get_object(json_parser_get_root(parser));
		g_assert_cmpstr(json_object_get_string_member(body, "text"), ==,
				"Sorry! It ships <today> & arrives soon");
	}

	/* Our own message comes back in the event list: never shown again. */
	let_it_poll(1500);
	g_assert_cmpuint(count_messages_with_flag(runner, "remote-send"), ==,
			 0);
	g_assert_cmpuint(count_messages_with_flag(runner, "recv"), ==, 3);
	g_assert_cmpuint(
	    tw_test_runner_count_events(runner, "connection-error", NULL, NULL),
	    ==, 0);
	g_assert_cmpint(tw_test_runner_quit(runner), ==, 0);
}

static void
test_message_from_other_device(World *world, gconstpointer data)
{
	g_autofree char *bob =
	    tw_sandbox_add_user(world->sandbox, "BobBuyer", "Bob Buyer");
	TwTestRunner *runner = start_runner(world, world->refresh_token, NULL);
	g_autofree char *id = NULL;
	JsonObject *event;

	assert_signed_on(runner);
	id = create_message_at(world, world->account_id, bob,
			       "Typed on my phone", g_get_real_time());
	event = tw_test_runner_wait_event(runner, "message", "conversation",
					  "bobbuyer", WAIT_MS);
	g_assert_nonnull(event);
	g_assert_cmpstr(json_object_get_string_member(event, "text"), ==,
			"Typed on my phone");
	g_assert_true(flags_contain(event, "send"));
	g_assert_true(flags_contain(event, "remote-send"));
	g_assert_false(flags_contain(event, "recv"));
	g_assert_cmpint(tw_test_runner_quit(runner), ==, 0);
}

static void
test_expired_token_refreshes_once(World *world, gconstpointer data)
{
	g_autofree char *alice =
	    tw_sandbox_add_user(world->sandbox, "Alice_C", "Alice Customer");
	TwTestRunner *runner = start_runner(world, world->refresh_token, NULL);
	TwSandboxCounters before, after;
	g_autofree char *id = NULL;

	assert_signed_on(runner);
	tw_sandbox_get_counters(world->sandbox, &before);
	g_assert_cmpuint(before.token_refreshes, ==, 1);
	tw_sandbox_expire_access_tokens(world->sandbox);
	id = create_message_at(world, alice, world->account_id, "Still there?",
			       g_get_real_time());
	g_assert_nonnull(tw_test_runner_wait_event(runner, "message", "who",
						   "alice_c", WAIT_MS));
	let_it_poll(1000);
	tw_sandbox_get_counters(world->sandbox, &after);
	g_assert_cmpuint(after.token_refreshes, ==, 2);
	g_assert_cmpuint(
	    tw_test_runner_count_events(runner, "connection-error", NULL, NULL),
	    ==, 0);
	g_assert_cmpuint(
	    tw_test_runner_count_events(runner, "signed-on", NULL, NULL), ==,
	    1);
	g_assert_cmpint(tw_test_runner_quit(runner), ==, 0);
}

/* Online, a refused refresh ends the account (the next sign-on asks to
 * authorize again: test-auth-flow). */
static void
test_refused_refresh_is_fatal(World *world, gconstpointer data)
{
	TwTestRunner *runner = start_runner(world, world->refresh_token, NULL);
	JsonObject *error;

	assert_signed_on(runner);
	tw_sandbox_refuse_refresh(world->sandbox, 1);
	tw_sandbox_expire_access_tokens(world->sandbox);
	error = tw_test_runner_wait_event(runner, "connection-error", NULL,
					  NULL, WAIT_MS);
	g_assert_nonnull(error);
	g_assert_cmpstr(json_object_get_string_member(error, "reason"), ==,
			"authentication-failed");
	g_assert_true(json_object_get_boolean_member(error, "fatal"));
	/* The server's own words reach the user. */
	g_assert_nonnull(
	    strstr(json_object_get_string_member(error, "description"),
		   "Value passed for the token was invalid"));
	g_assert_nonnull(
	    strstr(json_object_get_string_member(error, "description"),
		   "connecting again asks you to authorize the app again"));
	/* No reconnect loop. */
	let_it_poll(3000);
	g_assert_cmpuint(
	    tw_test_runner_count_events(runner, "connecting", NULL, NULL), ==,
	    1);
	g_assert_cmpuint(tw_test_runner_count_events(
			     runner, "reconnect-scheduled", NULL, NULL),
			 ==, 0);
	g_assert_cmpuint(tw_sandbox_count_requests(world->sandbox, "POST",
						   "/2/oauth2/token"),
			 ==, 2);
	g_assert_cmpint(tw_test_runner_quit(runner), ==, 0);
}

static void
test_plain_http_refused(World *world, gconstpointer data)
{
	/* TEST-NET-1: never contacted, the URL is refused first. */
	TwTestRunner *runner =
	    start_runner(world, world->refresh_token, "http://192.0.2.1:8080");
	JsonObject *error = tw_test_runner_wait_event(
	    runner, "connection-error", NULL, NULL, WAIT_MS);

	g_assert_nonnull(error);
	g_assert_cmpstr(json_object_get_string_member(error, "reason"), ==,
			"invalid-settings");
	g_assert_true(json_object_get_boolean_member(error, "fatal"));
	g_assert_nonnull(
	    strstr(json_object_get_string_member(error, "description"),
		   "http://192.0.2.1:8080"));
	g_assert_cmpuint(tw_sandbox_count_requests(world->sandbox, NULL, NULL),
			 ==, 0);
	g_assert_cmpint(tw_test_runner_quit(runner), ==, 0);
}

static void
test_network_error_reconnects(World *world, gconstpointer data)
{
	g_autoptr(GSocket) socket = NULL;
	g_autoptr(GInetAddress) loopback =
	    g_inet_address_new_loopback(G_SOCKET_FAMILY_IPV4);
	g_autoptr(GSocketAddress) bound = NULL;
	g_autoptr(GSocketAddress) local = NULL;
	g_autofree char *closed_url = NULL;
	TwTestRunner *runner;
	JsonObject *error;

	/* A port that was just free: nobody listens there. */
	socket = g_socket_new(G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM,
			      G_SOCKET_PROTOCOL_TCP, NULL);
	bound = g_inet_socket_address_new(loopback, 0);
	g_assert_true(g_socket_bind(socket, bound, FALSE, NULL));
	local = g_socket_get_local_address(socket, NULL);
	closed_url = g_strdup_printf(
	    "http://127.0.0.1:%u",
	    g_inet_socket_address_get_port(G_INET_SOCKET_ADDRESS(local)));
	g_socket_close(socket, NULL);

	runner = start_runner(world, world->refresh_token, closed_url);
	error = tw_test_runner_wait_event(runner, "connection-error", NULL,
					  NULL, WAIT_MS);
	g_assert_nonnull(error);
	g_assert_cmpstr(json_object_get_string_member(error, "reason"), ==,
			"network-error");
	g_assert_false(json_object_get_boolean_member(error, "fatal"));
	g_assert_nonnull(tw_test_runner_wait_event(
	    runner, "reconnect-scheduled", NULL, NULL, WAIT_MS));
	g_assert_cmpint(tw_test_runner_quit(runner), ==, 0);
}

static void
test_wrong_user(World *world, gconstpointer data)
{
	g_autofree char *other =
	    tw_sandbox_add_user(world->sandbox, "SomeoneElse", "Someone");
	g_autofree char *token =
	    tw_sandbox_issue_refresh_token(world->sandbox, other);
	TwTestRunner *runner = start_runner(world, token, NULL);
	JsonObject *error = tw_test_runner_wait_event(
	    runner, "connection-error", NULL, NULL, WAIT_MS);

	g_assert_nonnull(error);
	g_assert_cmpstr(json_object_get_string_member(error, "reason"), ==,
			"invalid-username");
	g_assert_true(json_object_get_boolean_member(error, "fatal"));
	g_assert_nonnull(
	    strstr(json_object_get_string_member(error, "description"),
		   "@SomeoneElse"));
	g_assert_cmpint(tw_test_runner_quit(runner), ==, 0);
}

/* bitlbee hands the first password again at every sign-on. */
static void
test_restart_with_spent_password(World *world, gconstpointer data)
{
	g_autofree char *alice =
	    tw_sandbox_add_user(world->sandbox, "Alice_C", "Alice Customer");
	TwTestRunner *runner = start_runner(world, world->refresh_token, NULL);
	g_autofree char *first = NULL;
	g_autofree char *second = NULL;
	g_autofree char *token_file = NULL;
	g_autofree char *contents = NULL;
	GPtrArray *events;

	assert_signed_on(runner);
	first = create_message_at(world, alice, world->account_id,
				  "Before the restart", g_get_real_time());
	g_assert_nonnull(tw_test_runner_wait_event(runner, "message", "who",
						   "alice_c", WAIT_MS));
	g_assert_cmpint(tw_test_runner_quit(runner), ==, 0);

	/* The configured (spent) token again: the newest from the state file
	 * is used instead, so sign-on works. */
	runner = start_runner(world, world->refresh_token, NULL);
	assert_signed_on(runner);
	let_it_poll(1500);
	/* Nothing replayed. */
	g_assert_cmpuint(
	    tw_test_runner_count_events(runner, "message", NULL, NULL), ==, 0);
	second = create_message_at(world, alice, world->account_id,
				   "After the restart", g_get_real_time());
	g_assert_nonnull(tw_test_runner_wait_event(runner, "message", "who",
						   "alice_c", WAIT_MS));
	g_assert_cmpuint(
	    tw_test_runner_count_events(runner, "message", NULL, NULL), ==, 1);
	g_assert_cmpuint(
	    tw_test_runner_count_events(runner, "connection-error", NULL, NULL),
	    ==, 0);

	/* No secret in the output, debug output included. */
	events = tw_test_runner_get_events(runner);
	for (guint i = 0; i < events->len; i++) {
		g_autoptr(JsonNode) node = json_node_new(JSON_NODE_OBJECT);
		g_autofree char *line = NULL;

		json_node_set_object(node, events->pdata[i]);
		line = json_to_string(node, FALSE);
		g_assert_null(strstr(line, world->refresh_token));
	}
	g_assert_null(
	    strstr(tw_test_runner_get_stderr(runner), world->refresh_token));
	token_file =
	    g_build_filename(world->user_dir, "twdm", ACCOUNT ".token", NULL);
	g_assert_true(g_file_get_contents(token_file, &contents, NULL, NULL));
	g_assert_null(strstr(contents, world->refresh_token));
	g_assert_cmpint(tw_test_runner_quit(runner), ==, 0);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	tw_test_loop_install();
#define ADD(path, func)                                                        \
	g_test_add(path, World, NULL, world_set_up, func, world_tear_down)
	ADD("/integration/plugin-from-build-tree", test_plugin_from_build_tree);
	ADD("/integration/receive-and-reply", test_receive_and_reply);
	ADD("/integration/message-from-other-device",
	    test_message_from_other_device);
	ADD("/integration/expired-token-refreshes-once",
	    test_expired_token_refreshes_once);
	ADD("/integration/refused-refresh-is-fatal",
	    test_refused_refresh_is_fatal);
	ADD("/integration/plain-http-refused", test_plain_http_refused);
	ADD("/integration/network-error-reconnects",
	    test_network_error_reconnects);
	ADD("/integration/wrong-user", test_wrong_user);
	ADD("/integration/restart-with-spent-password",
	    test_restart_with_spent_password);
#undef ADD
	return g_test_run();
}
