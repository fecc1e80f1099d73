/*
 * The shared fixture of the runner-driven integration tests.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "tw-test-world.h"

#include <string.h>

#include "tw-test-loop.h"

void
tw_test_world_set_up(TwTestWorld *world, const TwSandboxConfig *config)
{
	TwSandboxConfig defaults;
	g_autoptr(GError) error = NULL;

	if (config == NULL) {
		tw_sandbox_config_init(&defaults);
		/* Compressed time: 20 reads per 2 s window. */
		defaults.rate_window_seconds = 2;
		defaults.dm_read_limit = 20;
		config = &defaults;
	}
	world->sandbox = tw_sandbox_new(config);
	g_assert_true(tw_sandbox_start(world->sandbox, 0, &error));
	g_assert_no_error(error);
	world->account_id =
	    tw_sandbox_add_user(world->sandbox, "Acme_Support", "Acme Support");
	world->refresh_token =
	    tw_sandbox_issue_refresh_token(world->sandbox, world->account_id);
	world->user_dir = tw_test_make_user_dir();
}

void
tw_test_world_tear_down(TwTestWorld *world)
{
	tw_sandbox_free(world->sandbox);
	tw_test_remove_tree(world->user_dir);
	g_free(world->user_dir);
	g_free(world->account_id);
	g_free(world->refresh_token);
}

TwTestRunner *
tw_test_world_start_runner(TwTestWorld *world, const char *password,
			   const char *api_base, const char *first_extra, ...)
{
	g_autoptr(GPtrArray) args = g_ptr_array_new();
	va_list list;

	g_ptr_array_add(args, "--account");
	g_ptr_array_add(args, TW_TEST_ACCOUNT);
	/* Not on the command line, where ps and valgrind would show it. */
	g_ptr_array_add(args, "--password-env");
	g_ptr_array_add(args, "TWDM_TEST_PASSWORD");
	g_ptr_array_add(args, "--api-base");
	g_ptr_array_add(
	    args, (gpointer)(api_base != NULL
				 ? api_base
				 : tw_sandbox_get_base_url(world->sandbox)));
	g_ptr_array_add(args, "--client-id");
	g_ptr_array_add(args, TW_SANDBOX_CLIENT_ID);
	g_ptr_array_add(args, "--reconnect-delay");
	g_ptr_array_add(args, "1");
	g_ptr_array_add(args, "--debug");
	/* The tests write to people who never wrote; test-desk's consent
	 * tests ask for the default rule again after this. */
	g_ptr_array_add(args, "--option");
	g_ptr_array_add(args, "first-contact=allow");
	va_start(list, first_extra);
	for (const char *arg = first_extra; arg != NULL;
	     arg = va_arg(list, const char *))
		g_ptr_array_add(args, (gpointer)arg);
	va_end(list);
	g_ptr_array_add(args, NULL);
	{
		g_autofree char *entry =
		    g_strconcat("TWDM_TEST_PASSWORD=", password, NULL);
		const char *env[] = {entry, NULL};

		return tw_test_runner_start_with_env(
		    world->user_dir, (const char *const *)args->pdata, env);
	}
}

void
tw_test_assert_signed_on(TwTestRunner *runner)
{
	JsonObject *event = tw_test_runner_wait_event(runner, "signed-on", NULL,
						      NULL, TW_TEST_WAIT_MS);

	if (event == NULL)
		g_test_message("stderr:\n%s",
			       tw_test_runner_get_stderr(runner));
	g_assert_nonnull(event);
	g_assert_cmpstr(json_object_get_string_member(event, "account"), ==,
			TW_TEST_ACCOUNT);
}

gboolean
tw_test_event_has_flag(JsonObject *event, const char *flag)
{
	JsonNode *node = json_object_get_member(event, "flags");
	JsonArray *flags;

	if (node == NULL || !JSON_NODE_HOLDS_ARRAY(node))
		return FALSE;
	flags = json_node_get_array(node);
	for (guint i = 0; i < json_array_get_length(flags); i++) {
		if (g_strcmp0(json_array_get_string_element(flags, i), flag) ==
		    0)
			return TRUE;
	}
	return FALSE;
}

guint
tw_test_count_messages_with_flag(TwTestRunner *runner, const char *flag)
{
	GPtrArray *events = tw_test_runner_get_events(runner);
	guint count = 0;

	for (guint i = 0; i < events->len; i++) {
		JsonObject *event = events->pdata[i];

		if (g_strcmp0(json_object_get_string_member_with_default(
				  event, "event", NULL),
			      "message") == 0 &&
		    tw_test_event_has_flag(event, flag))
			count++;
	}
	return count;
}

char *
tw_test_create_message(TwTestWorld *world, const char *sender,
		       const char *recipient, const char *text,
		       gint64 created_at)
{
	TwSandboxMessage message = {0};

	message.sender_id = sender;
	message.recipient_id = recipient;
	message.text = text;
	message.created_at = created_at;
	return tw_sandbox_create_message_full(world->sandbox, &message);
}

void
tw_test_send_file_command(TwTestRunner *runner, const char *cmd,
			  const char *key, const char *target, const char *text,
			  const char *file)
{
	g_autoptr(JsonBuilder) builder = json_builder_new();
	g_autoptr(JsonNode) root = NULL;
	g_autofree char *line = NULL;

	json_builder_begin_object(builder);
	json_builder_set_member_name(builder, "cmd");
	json_builder_add_string_value(builder, cmd);
	json_builder_set_member_name(builder, "account");
	json_builder_add_string_value(builder, TW_TEST_ACCOUNT);
	json_builder_set_member_name(builder, key);
	json_builder_add_string_value(builder, target);
	if (text != NULL) {
		json_builder_set_member_name(builder, "text");
		json_builder_add_string_value(builder, text);
	}
	if (file != NULL) {
		json_builder_set_member_name(builder, "file");
		json_builder_add_string_value(builder, file);
	}
	json_builder_end_object(builder);
	root = json_builder_get_root(builder);
	line = json_to_string(root, FALSE);
	tw_test_runner_send(runner, line);
}

void
tw_test_send_command(TwTestRunner *runner, const char *to, const char *text)
{
	tw_test_send_file_command(runner, "send", "to", to, text, NULL);
}

void
tw_test_chat_send_command(TwTestRunner *runner, const char *conversation,
			  const char *text)
{
	tw_test_send_file_command(runner, "chat-send", "conversation",
				  conversation, text, NULL);
}

void
tw_test_let_it_run(guint milliseconds)
{
	tw_test_wait_for(NULL, milliseconds);
}

GPtrArray *
tw_test_sent_texts(TwTestWorld *world, const char *path)
{
	g_autoptr(GPtrArray) requests = tw_sandbox_dup_requests(world->sandbox);
	GPtrArray *texts = g_ptr_array_new_with_free_func(g_free);

	for (guint i = 0; i < requests->len; i++) {
		TwSandboxRequest *request = requests->pdata[i];
		g_autoptr(JsonParser) parser = json_parser_new();
		JsonNode *root;

		if (g_strcmp0(request->method, "POST") != 0 ||
		    g_strcmp0(request->path, path) != 0 ||
		    request->status != 201)
			continue;
		g_assert_true(json_parser_load_from_data(parser, request->body,
							 -1, NULL));
		root = json_parser_get_root(parser);
		g_ptr_array_add(texts,
				g_strdup(json_object_get_string_member(
				    json_node_get_object(root), "text")));
	}
	return texts;
}

/* Whether the saved state has an outbox entry whose POST is unanswered. */
static gboolean
sends_answered(gpointer data)
{
	TwTestWorld *world = data;
	g_autofree char *path = g_build_filename(world->user_dir, "twdm",
						 TW_TEST_ACCOUNT ".json", NULL);
	g_autoptr(JsonParser) parser = json_parser_new();
	JsonObject *root;
	JsonArray *outbox;

	if (!json_parser_load_from_file(parser, path, NULL))
		return FALSE;
	root = json_node_get_object(json_parser_get_root(parser));
	if (!json_object_has_member(root, "outbox"))
		return TRUE;
	outbox = json_object_get_array_member(root, "outbox");
	for (guint i = 0; i < json_array_get_length(outbox); i++) {
		JsonObject *outgoing = json_array_get_object_element(outbox, i);

		if (json_object_get_boolean_member_with_default(
			outgoing, "attempted", FALSE))
			return FALSE;
	}
	return TRUE;
}

void
tw_test_wait_sends_answered(TwTestWorld *world)
{
	g_assert_true(
	    tw_test_wait_until(sends_answered, world, TW_TEST_WAIT_MS));
}

typedef struct {
	TwTestWorld *world;
	const char *method;
	const char *path;
	guint count;
} RequestWait;

static gboolean
has_requests(gpointer data)
{
	RequestWait *wait = data;

	return tw_sandbox_count_requests(wait->world->sandbox, wait->method,
					 wait->path) >= wait->count;
}

void
tw_test_wait_requests(TwTestWorld *world, const char *method, const char *path,
		      guint count)
{
	RequestWait wait = {world, method, path, count};

	g_assert_true(tw_test_wait_until(has_requests, &wait, TW_TEST_WAIT_MS));
}

typedef struct {
	TwTestRunner *runner;
	guint count;
} CountWait;

static gboolean
has_received(gpointer data)
{
	CountWait *wait = data;

	return tw_test_count_messages_with_flag(wait->runner, "recv") >=
	       wait->count;
}

void
tw_test_wait_received(TwTestRunner *runner, guint count)
{
	CountWait wait = {runner, count};

	if (!tw_test_wait_until(has_received, &wait, TW_TEST_WAIT_MS))
		g_test_message("stderr:\n%s",
			       tw_test_runner_get_stderr(runner));
	g_assert_cmpuint(tw_test_count_messages_with_flag(runner, "recv"), ==,
			 count);
}
