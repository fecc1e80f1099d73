/*
 * Many accounts on one sandbox.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "tw-test-crowd.h"

#include <json-glib/json-glib.h>

#include "tw-test-runner.h"

static void
add_string(JsonBuilder *builder, const char *name, const char *value)
{
	json_builder_set_member_name(builder, name);
	json_builder_add_string_value(builder, value);
}

void
tw_test_crowd_set_up(TwTestCrowd *crowd, guint accounts, guint window_seconds)
{
	TwSandboxConfig config;
	g_autoptr(GError) error = NULL;
	g_autoptr(JsonBuilder) builder = json_builder_new();
	g_autoptr(JsonNode) root = NULL;
	g_autofree char *json = NULL;
	g_autofree char *alice = NULL;
	g_autofree char *bob = NULL;
	gint64 written = g_get_real_time() - 60 * G_USEC_PER_SEC;

	tw_sandbox_config_init(&config);
	config.rate_window_seconds = window_seconds;
	crowd->sandbox = tw_sandbox_new(&config);
	g_assert_true(tw_sandbox_start(crowd->sandbox, 0, &error));
	g_assert_no_error(error);
	alice = tw_sandbox_add_user(crowd->sandbox, "alice_c", "Alice");
	bob = tw_sandbox_add_user(crowd->sandbox, "bob_c", "Bob");
	crowd->user_dir = tw_test_make_user_dir();
	crowd->handles = g_ptr_array_new_with_free_func(g_free);
	crowd->messages_each = 2;

	json_builder_begin_object(builder);
	json_builder_set_member_name(builder, "accounts");
	json_builder_begin_array(builder);
	for (guint i = 0; i < accounts; i++) {
		char *handle = g_strdup_printf("acct_%03u", i);
		g_autofree char *id =
		    tw_sandbox_add_user(crowd->sandbox, handle, handle);
		g_autofree char *token =
		    tw_sandbox_issue_refresh_token(crowd->sandbox, id);

		g_ptr_array_add(crowd->handles, handle);
		for (guint j = 0; j < crowd->messages_each; j++) {
			TwSandboxMessage message = {0};
			g_autofree char *text =
			    g_strdup_printf("for %s, %u", handle, j);
			g_autofree char *event = NULL;

			message.sender_id = j == 0 ? alice : bob;
			message.recipient_id = id;
			message.text = text;
			message.created_at = written + i * 1000 + j;
			event = tw_sandbox_create_message_full(crowd->sandbox,
							       &message);
		}
		json_builder_begin_object(builder);
		add_string(builder, "username", handle);
		add_string(builder, "password", token);
		json_builder_set_member_name(builder, "options");
		json_builder_begin_object(builder);
		add_string(builder, "api-base",
			   tw_sandbox_get_base_url(crowd->sandbox));
		add_string(builder, "client-id", TW_SANDBOX_CLIENT_ID);
		add_string(builder, "first-contact", "allow");
		json_builder_set_member_name(builder, "history-days");
		json_builder_add_int_value(builder, 1);
		json_builder_end_object(builder);
		json_builder_end_object(builder);
	}
	json_builder_end_array(builder);
	json_builder_end_object(builder);
	root = json_builder_get_root(builder);
	json = json_to_string(root, TRUE);
	/* Tokens: owner-only, as RUNNER.md asks of a config file. */
	crowd->config_path =
	    g_build_filename(crowd->user_dir, "accounts.json", NULL);
	g_assert_true(g_file_set_contents_full(crowd->config_path, json, -1,
					       G_FILE_SET_CONTENTS_CONSISTENT,
					       0600, &error));
	g_assert_no_error(error);
}

void
tw_test_crowd_tear_down(TwTestCrowd *crowd)
{
	tw_sandbox_free(crowd->sandbox);
	tw_test_remove_tree(crowd->user_dir);
	g_free(crowd->user_dir);
	g_free(crowd->config_path);
	g_ptr_array_unref(crowd->handles);
}
