/*
 * Group DMs as chats: a group created elsewhere arrives as a chat with its
 * members, joins and leaves change the roster, chat lines reach the group's
 * endpoint, and the roster survives a restart. Each test runs the built
 * plugin inside the headless runner against the in-process sandbox.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <glib.h>
#include <json-glib/json-glib.h>
#include <string.h>

#include "tw-test-loop.h"
#include "tw-test-world.h"

#define WAIT_MS TW_TEST_WAIT_MS

typedef struct {
	TwTestWorld world;
	char *bob;
	char *alice;
	char *carol;
	char *group;
} GroupWorld;

static void
group_set_up(GroupWorld *fixture, gconstpointer data)
{
	tw_test_world_set_up(&fixture->world, NULL);
	fixture->bob =
	    tw_sandbox_add_user(fixture->world.sandbox, "bob_buyer", "Bob");
	fixture->alice =
	    tw_sandbox_add_user(fixture->world.sandbox, "alice_c", "Alice");
	fixture->carol =
	    tw_sandbox_add_user(fixture->world.sandbox, "carol_c", "Carol");
}

static void
group_tear_down(GroupWorld *fixture, gconstpointer data)
{
	g_free(fixture->bob);
	g_free(fixture->alice);
	g_free(fixture->carol);
	g_free(fixture->group);
	tw_test_world_tear_down(&fixture->world);
}

static TwTestRunner *
start_signed_on(GroupWorld *fixture)
{
	TwTestRunner *runner = tw_test_world_start_runner(
	    &fixture->world, fixture->world.refresh_token, NULL, NULL);

	tw_test_assert_signed_on(runner);
	return runner;
}

static const char *
member(JsonObject *object, const char *name)
{
	return json_object_get_string_member_with_default(object, name, NULL);
}

/* Bob makes a group with the account and Alice. */
static void
create_group(GroupWorld *fixture, const char *text)
{
	g_autoptr(GPtrArray) participants = g_ptr_array_new();

	g_ptr_array_add(participants, fixture->world.account_id);
	g_ptr_array_add(participants, fixture->alice);
	fixture->group = tw_sandbox_create_group(
	    fixture->world.sandbox, fixture->bob, participants, text);
	g_assert_nonnull(fixture->group);
}

static char *
group_message(GroupWorld *fixture, const char *sender, const char *text)
{
	TwSandboxMessage message = {0};

	message.sender_id = sender;
	message.conversation_id = fixture->group;
	message.text = text;
	return tw_sandbox_create_message_full(fixture->world.sandbox, &message);
}

/* The chat's members as the runner's chat-buddy events tell them. */
static GHashTable *
roster(TwTestRunner *runner, const char *conversation)
{
	GPtrArray *events = tw_test_runner_get_events(runner);
	GHashTable *members = g_hash_table_new(g_str_hash, g_str_equal);

	for (guint i = 0; i < events->len; i++) {
		JsonObject *event = events->pdata[i];
		const char *who = member(event, "who");

		if (g_strcmp0(member(event, "event"), "chat-joined") == 0 &&
		    g_strcmp0(member(event, "conversation"), conversation) == 0)
			g_hash_table_remove_all(members);
		if (g_strcmp0(member(event, "event"), "chat-buddy") != 0 ||
		    g_strcmp0(member(event, "conversation"), conversation) !=
			0 ||
		    who == NULL)
			continue;
		if (g_strcmp0(member(event, "action"), "join") == 0)
			g_hash_table_add(members, (gpointer)who);
		else if (g_strcmp0(member(event, "action"), "leave") == 0)
			g_hash_table_remove(members, who);
	}
	return members;
}

typedef struct {
	TwTestRunner *runner;
	const char *conversation;
	const char *const *expected;
} RosterWait;

static gboolean
roster_is(gpointer data)
{
	RosterWait *wait = data;
	g_autoptr(GHashTable) members =
	    roster(wait->runner, wait->conversation);
	guint count = 0;

	for (const char *const *who = wait->expected; *who != NULL; who++) {
		if (!g_hash_table_contains(members, *who))
			return FALSE;
		count++;
	}
	return g_hash_table_size(members) == count;
}

static void
assert_roster(TwTestRunner *runner, const char *conversation,
	      const char *const *expected)
{
	RosterWait wait = {runner, conversation, expected};

	if (!tw_test_wait_until(roster_is, &wait, WAIT_MS)) {
		g_autoptr(GHashTable) members = roster(runner, conversation);
		g_autoptr(GList) names = g_hash_table_get_keys(members);

		for (GList *name = names; name != NULL; name = name->next)
			g_test_message("member: %s", (char *)name->data);
		g_assert_not_reached();
	}
}

static JsonObject *
wait_chat_message(TwTestRunner *runner, const char *text)
{
	JsonObject *event;

	while ((event = tw_test_runner_wait_event(runner, "message", "type",
						  "chat", WAIT_MS)) != NULL) {
		if (g_strcmp0(member(event, "plain"), text) == 0)
			return event;
	}
	g_test_message("stderr:\n%s", tw_test_runner_get_stderr(runner));
	g_assert_not_reached();
	return NULL;
}

static guint
count_chat_lines(TwTestRunner *runner, const char *flag, const char *needle)
{
	GPtrArray *events = tw_test_runner_get_events(runner);
	guint count = 0;

	for (guint i = 0; i < events->len; i++) {
		JsonObject *event = events->pdata[i];

		if (g_strcmp0(member(event, "event"), "message") == 0 &&
		    g_strcmp0(member(event, "type"), "chat") == 0 &&
		    tw_test_event_has_flag(event, flag) &&
		    strstr(member(event, "plain"), needle) != NULL)
			count++;
	}
	return count;
}

typedef struct {
	TwTestWorld *world;
	const char *path;
	guint count;
} SentWait;

static gboolean
has_sent(gpointer data)
{
	SentWait *wait = data;
	g_autoptr(GPtrArray) texts =
	    tw_test_sent_texts(wait->world, wait->path);

	return texts->len >= wait->count;
}

static GPtrArray *
wait_sent(TwTestWorld *world, const char *path, guint count)
{
	SentWait wait = {world, path, count};

	g_assert_true(tw_test_wait_until(has_sent, &wait, WAIT_MS));
	return tw_test_sent_texts(world, path);
}

/****************************************************************************
 * Tests
 ****************************************************************************/

static void
test_group_arrives_as_chat(GroupWorld *fixture, gconstpointer data)
{
	TwTestRunner *runner = start_signed_on(fixture);
	static const char *const members[] = {TW_TEST_ACCOUNT, "alice_c",
					      "bob_buyer", NULL};
	JsonObject *event;

	create_group(fixture, "Hello all, about the group order");
	event = tw_test_runner_wait_event(runner, "chat-joined", "conversation",
					  fixture->group, WAIT_MS);
	g_assert_nonnull(event);
	event = wait_chat_message(runner, "Hello all, about the group order");
	g_assert_cmpstr(member(event, "conversation"), ==, fixture->group);
	g_assert_cmpstr(member(event, "who"), ==, "bob_buyer");
	g_assert_true(tw_test_event_has_flag(event, "recv"));
	assert_roster(runner, fixture->group, members);
	/* The title names the others. */
	event = tw_test_runner_wait_event(runner, "chat-title", "title",
					  "Alice, Bob", WAIT_MS);
	g_assert_nonnull(event);
	g_assert_cmpstr(member(event, "conversation"), ==, fixture->group);
	/* Nothing of it went to an IM window. */
	g_assert_cmpuint(
	    tw_test_runner_count_events(runner, "message", "type", "im"), ==,
	    0);
	g_assert_cmpint(tw_test_runner_quit(runner), ==, 0);
}

static void
test_join_and_leave_change_roster(GroupWorld *fixture, gconstpointer data)
{
	TwTestRunner *runner = start_signed_on(fixture);
	static const char *const before[] = {TW_TEST_ACCOUNT, "alice_c",
					     "bob_buyer", NULL};
	static const char *const joined[] = {TW_TEST_ACCOUNT, "alice_c",
					     "bob_buyer", "carol_c", NULL};
	static const char *const left[] = {TW_TEST_ACCOUNT, "bob_buyer",
					   "carol_c", NULL};

	create_group(fixture, "first");
	wait_chat_message(runner, "first");
	assert_roster(runner, fixture->group, before);

	g_assert_true(tw_sandbox_group_add_participant(
	    fixture->world.sandbox, fixture->group, fixture->bob,
	    fixture->carol));
	assert_roster(runner, fixture->group, joined);
	g_assert_nonnull(tw_test_runner_wait_event(
	    runner, "chat-title", "title", "Alice, Bob, Carol", WAIT_MS));
	/* A system line tells of the join. */
	g_assert_cmpuint(count_chat_lines(runner, "system", "carol_c"), ==, 1);

	g_assert_true(tw_sandbox_group_remove_participant(
	    fixture->world.sandbox, fixture->group, fixture->alice));
	assert_roster(runner, fixture->group, left);
	/* Alice's join was told when the group came; now her leave. */
	g_assert_cmpuint(count_chat_lines(runner, "system", "alice_c left"), ==,
			 1);
	g_assert_cmpint(tw_test_runner_quit(runner), ==, 0);
}

static void
test_chat_line_reaches_group_endpoint(GroupWorld *fixture, gconstpointer data)
{
	TwTestRunner *runner = start_signed_on(fixture);
	g_autofree char *path = NULL;
	g_autofree char *later = NULL;
	g_autoptr(GPtrArray) sent = NULL;

	create_group(fixture, "anyone there?");
	wait_chat_message(runner, "anyone there?");
	path =
	    g_strdup_printf("/2/dm_conversations/%s/messages", fixture->group);
	tw_test_chat_send_command(runner, fixture->group,
				  "Yes, looking into it");
	sent = wait_sent(&fixture->world, path, 1);
	g_assert_cmpuint(sent->len, ==, 1);
	g_assert_cmpstr(sent->pdata[0], ==, "Yes, looking into it");
	g_assert_cmpuint(tw_sandbox_count_requests(fixture->world.sandbox,
						   "POST",
						   "/2/dm_conversations/with/"),
			 ==, 0);

	/* Polls after the send do not show it again; a later line does. */
	later = group_message(fixture, fixture->alice, "thanks");
	wait_chat_message(runner, "thanks");
	g_assert_cmpuint(count_chat_lines(runner, "send", "looking into it"),
			 ==, 1);
	g_assert_cmpuint(
	    count_chat_lines(runner, "remote-send", "looking into it"), ==, 0);
	g_assert_cmpint(tw_test_runner_quit(runner), ==, 0);
}

static void
test_own_line_from_another_device(GroupWorld *fixture, gconstpointer data)
{
	TwTestRunner *runner = start_signed_on(fixture);
	g_autofree char *own = NULL;
	JsonObject *event;

	create_group(fixture, "hi");
	wait_chat_message(runner, "hi");
	own = group_message(fixture, fixture->world.account_id,
			    "typed on the phone");
	event = wait_chat_message(runner, "typed on the phone");
	g_assert_true(tw_test_event_has_flag(event, "send"));
	g_assert_true(tw_test_event_has_flag(event, "remote-send"));
	g_assert_cmpstr(member(event, "conversation"), ==, fixture->group);
	g_assert_cmpint(tw_test_runner_quit(runner), ==, 0);
}

static void
test_roster_survives_restart(GroupWorld *fixture, gconstpointer data)
{
	TwTestRunner *runner = start_signed_on(fixture);
	static const char *const members[] = {TW_TEST_ACCOUNT, "alice_c",
					      "bob_buyer", "carol_c", NULL};
	g_autofree char *after = NULL;

	create_group(fixture, "before the restart");
	wait_chat_message(runner, "before the restart");
	g_assert_true(tw_sandbox_group_add_participant(
	    fixture->world.sandbox, fixture->group, fixture->bob,
	    fixture->carol));
	assert_roster(runner, fixture->group, members);
	g_assert_cmpint(tw_test_runner_quit(runner), ==, 0);

	/* Only Alice writes now; the others are known from before. */
	runner = start_signed_on(fixture);
	after = group_message(fixture, fixture->alice, "after the restart");
	wait_chat_message(runner, "after the restart");
	assert_roster(runner, fixture->group, members);
	g_assert_cmpuint(count_chat_lines(runner, "recv", "before the"), ==, 0);
	g_assert_cmpint(tw_test_runner_quit(runner), ==, 0);
}

static void
join_chat(TwTestRunner *runner, const char *field, const char *value)
{
	g_autofree char *command = g_strdup_printf(
	    "{\"cmd\":\"join-chat\",\"components\":{\"%s\":\"%s\"}}", field,
	    value);

	tw_test_runner_send(runner, command);
}

/* The body of the one POST /2/dm_conversations. */
static char *
dup_create_body(TwTestWorld *world)
{
	g_autoptr(GPtrArray) requests = tw_sandbox_dup_requests(world->sandbox);
	char *body = NULL;

	for (guint i = 0; i < requests->len; i++) {
		TwSandboxRequest *request = requests->pdata[i];

		if (g_strcmp0(request->method, "POST") == 0 &&
		    g_strcmp0(request->path, "/2/dm_conversations") == 0) {
			g_assert_null(body);
			body = g_strdup(request->body);
		}
	}
	return body;
}

static void
test_create_group_from_client(GroupWorld *fixture, gconstpointer data)
{
	TwTestRunner *runner = start_signed_on(fixture);
	static const char *const pending = "new:alice_c,bob_buyer";
	static const char *const members[] = {TW_TEST_ACCOUNT, "alice_c",
					      "bob_buyer", NULL};
	g_autofree char *body = NULL;
	g_autofree char *reply = NULL;
	JsonObject *event;
	const char *group;

	join_chat(runner, "participants", "@Alice_C, bob_buyer");
	g_assert_nonnull(tw_test_runner_wait_event(
	    runner, "chat-joined", "conversation", pending, WAIT_MS));
	assert_roster(runner, pending, members);
	/* Nothing is created before the first line. */
	tw_test_let_it_run(200);
	g_assert_cmpuint(tw_sandbox_count_requests(fixture->world.sandbox,
						   "POST",
						   "/2/dm_conversations"),
			 ==, 0);

	tw_test_chat_send_command(runner, pending,
				  "Kick-off for the group order");
	event = tw_test_runner_wait_event(runner, "chat-title", "title",
					  "Alice, Bob", WAIT_MS);
	g_assert_nonnull(event);
	group = member(event, "conversation");
	g_assert_true(g_ascii_isdigit(group[0]));
	body = dup_create_body(&fixture->world);
	g_assert_nonnull(body);
	g_assert_nonnull(strstr(body, "\"Group\""));
	g_assert_nonnull(strstr(body, fixture->alice));
	g_assert_nonnull(strstr(body, fixture->bob));
	g_assert_nonnull(strstr(body, "Kick-off for the group order"));

	/* The chat is the group's now: answers arrive there. */
	fixture->group = g_strdup(group);
	reply = group_message(fixture, fixture->alice, "Great, thanks");
	event = wait_chat_message(runner, "Great, thanks");
	g_assert_cmpstr(member(event, "conversation"), ==, fixture->group);
	g_assert_cmpuint(
	    tw_test_runner_count_events(runner, "chat-joined", NULL, NULL), ==,
	    1);
	/* The first line is shown once, as typed here. */
	g_assert_cmpuint(count_chat_lines(runner, "send", "Kick-off"), ==, 1);
	g_assert_cmpuint(count_chat_lines(runner, "remote-send", "Kick-off"),
			 ==, 0);
	g_assert_cmpint(tw_test_runner_quit(runner), ==, 0);
}

static void
chat_invite(TwTestRunner *runner, const char *conversation, const char *who)
{
	g_autofree char *command = g_strdup_printf(
	    "{\"cmd\":\"chat-invite\",\"conversation\":\"%s\",\"who\":"
	    "\"%s\"}",
	    conversation, who);

	tw_test_runner_send(runner, command);
}

static void
test_invite_into_new_group(GroupWorld *fixture, gconstpointer data)
{
	TwTestRunner *runner = start_signed_on(fixture);
	static const char *const pending = "new:alice_c,bob_buyer,carol_c";
	static const char *const before[] = {TW_TEST_ACCOUNT, "alice_c",
					     "bob_buyer", NULL};
	g_autofree char *body = NULL;
	JsonObject *event;

	join_chat(runner, "participants", "alice_c bob_buyer");
	g_assert_nonnull(
	    tw_test_runner_wait_event(runner, "chat-joined", "conversation",
				      "new:alice_c,bob_buyer", WAIT_MS));
	assert_roster(runner, "new:alice_c,bob_buyer", before);
	chat_invite(runner, "new:alice_c,bob_buyer", "@Carol_C");
	/* The chat's name now lists her too (earlier joins keep the old). */
	event = tw_test_runner_wait_event(runner, "chat-buddy", "who",
					  "carol_c", WAIT_MS);
	g_assert_nonnull(event);
	g_assert_cmpstr(member(event, "conversation"), ==, pending);
	tw_test_chat_send_command(runner, pending, "Welcome, all three");
	event = tw_test_runner_wait_event(runner, "chat-title", "title",
					  "Alice, Bob, Carol", WAIT_MS);
	g_assert_nonnull(event);
	body = dup_create_body(&fixture->world);
	g_assert_nonnull(strstr(body, fixture->carol));

	/* Once the group exists, X cannot add anyone through the API. */
	chat_invite(runner, member(event, "conversation"), "someone_else");
	event = tw_test_runner_wait_event(runner, "notify", "type", "error",
					  WAIT_MS);
	g_assert_nonnull(event);
	g_assert_cmpstr(member(event, "primary"), ==, "Cannot invite");
	g_assert_cmpint(tw_test_runner_quit(runner), ==, 0);
}

static JsonObject *
wait_error_notice(TwTestRunner *runner)
{
	return tw_test_runner_wait_event(runner, "notify", "type", "error",
					 WAIT_MS);
}

static void
test_participant_limits(GroupWorld *fixture, gconstpointer data)
{
	TwTestRunner *runner = start_signed_on(fixture);
	g_autoptr(GString) many = g_string_new(NULL);
	JsonObject *event;

	/* One other person is a DM, not a group. */
	join_chat(runner, "participants", "alice_c, " TW_TEST_ACCOUNT);
	event = wait_error_notice(runner);
	g_assert_nonnull(event);
	g_assert_nonnull(strstr(member(event, "secondary"), "at least 2"));

	for (guint i = 0; i < 50; i++)
		g_string_append_printf(many, "person_%u ", i);
	join_chat(runner, "participants", many->str);
	event = wait_error_notice(runner);
	g_assert_nonnull(event);
	g_assert_nonnull(strstr(member(event, "secondary"), "at most 49"));

	join_chat(runner, "participants", "alice_c, not a handle!");
	event = wait_error_notice(runner);
	g_assert_nonnull(event);
	g_assert_nonnull(strstr(member(event, "secondary"), "not a valid"));

	/* A handle X does not know fails at the first line, saying which. */
	join_chat(runner, "participants", "alice_c, nobody_here");
	g_assert_nonnull(
	    tw_test_runner_wait_event(runner, "chat-joined", "conversation",
				      "new:alice_c,nobody_here", WAIT_MS));
	tw_test_chat_send_command(runner, "new:alice_c,nobody_here", "hello");
	event = wait_error_notice(runner);
	g_assert_nonnull(event);
	g_assert_nonnull(strstr(member(event, "secondary"), "@nobody_here"));
	g_assert_cmpuint(tw_sandbox_count_requests(fixture->world.sandbox,
						   "POST",
						   "/2/dm_conversations"),
			 ==, 0);
	g_assert_cmpuint(
	    tw_test_runner_count_events(runner, "chat-joined", NULL, NULL), ==,
	    1);
	g_assert_cmpint(tw_test_runner_quit(runner), ==, 0);
}

static void
test_reopen_fetches_history(GroupWorld *fixture, gconstpointer data)
{
	TwTestRunner *runner;
	g_autofree char *history_path = NULL;
	JsonObject *event;

	/* Before the first sign-on: the poll does not show it. */
	create_group(fixture, "from before you were here");
	history_path =
	    g_strdup_printf("/2/dm_conversations/%s/dm_events", fixture->group);
	runner = start_signed_on(fixture);
	tw_test_let_it_run(500);
	g_assert_cmpuint(
	    tw_test_runner_count_events(runner, "chat-joined", NULL, NULL), ==,
	    0);

	/* Reopened, e.g. from the buddy list: its history is read. */
	join_chat(runner, "conversation", fixture->group);
	g_assert_nonnull(tw_test_runner_wait_event(
	    runner, "chat-joined", "conversation", fixture->group, WAIT_MS));
	event = wait_chat_message(runner, "from before you were here");
	g_assert_true(tw_test_event_has_flag(event, "delayed"));
	g_assert_cmpuint(tw_sandbox_count_requests(fixture->world.sandbox,
						   "GET", history_path),
			 ==, 1);

	/* Once more: read again, nothing shown twice. */
	join_chat(runner, "conversation", fixture->group);
	tw_test_wait_requests(&fixture->world, "GET", history_path, 2);
	tw_test_let_it_run(300);
	g_assert_cmpuint(count_chat_lines(runner, "recv", "from before"), ==,
			 1);
	g_assert_cmpint(tw_test_runner_quit(runner), ==, 0);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	tw_test_loop_install();
#define ADD(path, func)                                                        \
	g_test_add(path, GroupWorld, NULL, group_set_up, func, group_tear_down)
	ADD("/groups/arrives-as-chat", test_group_arrives_as_chat);
	ADD("/groups/join-and-leave-change-roster",
	    test_join_and_leave_change_roster);
	ADD("/groups/chat-line-reaches-group-endpoint",
	    test_chat_line_reaches_group_endpoint);
	ADD("/groups/own-line-from-another-device",
	    test_own_line_from_another_device);
	ADD("/groups/roster-survives-restart", test_roster_survives_restart);
	ADD("/groups/create-from-client", test_create_group_from_client);
	ADD("/groups/invite-into-new-group", test_invite_into_new_group);
	ADD("/groups/participant-limits", test_participant_limits);
	ADD("/groups/reopen-fetches-history", test_reopen_fetches_history);
#undef ADD
	return g_test_run();
}
