/*
 * A sandbox X API with one support account, and runners signed on to it:
 * the shared fixture of the runner-driven integration tests.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#pragma once

#include <glib.h>
#include <json-glib/json-glib.h>

#include "tw-sandbox.h"
#include "tw-test-runner.h"

G_BEGIN_DECLS

/** The support account's handle, as the plugin normalises it. */
#define TW_TEST_ACCOUNT "acme_support"

/** Generous waits; valgrind makes the runner many times slower. */
#define TW_TEST_WAIT_MS                                                        \
	(g_strcmp0(g_getenv("TW_TEST_UNDER_VALGRIND"), "1") == 0 ? 90000       \
								 : 15000)

/**
 * TwTestWorld:
 * @sandbox: the running sandbox
 * @account_id: the support account's user id
 * @refresh_token: a refresh token for it
 * @user_dir: the runners' libpurple user directory
 */
typedef struct {
	TwSandbox *sandbox;
	char *account_id;
	char *refresh_token;
	char *user_dir;
} TwTestWorld;

/**
 * tw_test_world_set_up:
 * @world: (out): the fixture
 * @config: (nullable): sandbox settings; %NULL for a compressed 2 s window
 *   with 20 reads
 */
void tw_test_world_set_up(TwTestWorld *world, const TwSandboxConfig *config);

/**
 * tw_test_world_tear_down:
 * @world: the fixture
 */
void tw_test_world_tear_down(TwTestWorld *world);

/**
 * tw_test_world_start_runner:
 * @world: the fixture
 * @password: the password to configure
 * @api_base: (nullable): %NULL for the sandbox
 * @first_extra: (nullable): more runner arguments, %NULL-terminated
 *
 * Returns: (transfer full): a runner with the support account, in debug mode
 */
TwTestRunner *tw_test_world_start_runner(TwTestWorld *world,
					 const char *password,
					 const char *api_base,
					 const char *first_extra, ...);

/**
 * tw_test_assert_signed_on:
 * @runner: a runner
 *
 * Waits for its signed-on event and checks the account.
 */
void tw_test_assert_signed_on(TwTestRunner *runner);

/**
 * tw_test_event_has_flag:
 * @event: a "message" event
 * @flag: e.g. "recv", "delayed", "remote-send"
 *
 * Returns: whether the event's flags contain @flag
 */
gboolean tw_test_event_has_flag(JsonObject *event, const char *flag);

/**
 * tw_test_count_messages_with_flag:
 * @runner: a runner
 * @flag: a flag
 *
 * Returns: how many "message" events so far carry @flag
 */
guint tw_test_count_messages_with_flag(TwTestRunner *runner, const char *flag);

/**
 * tw_test_create_message:
 * @world: the fixture
 * @sender: sender id
 * @recipient: recipient id
 * @text: text
 * @created_at: Unix microseconds, 0 for now
 *
 * Returns: (transfer full): the event id
 */
char *tw_test_create_message(TwTestWorld *world, const char *sender,
			     const char *recipient, const char *text,
			     gint64 created_at);

/**
 * tw_test_send_command:
 * @runner: a runner
 * @to: recipient handle
 * @text: plain text
 *
 * Sends {"cmd":"send"} for the support account, JSON-escaping @text.
 */
void tw_test_send_command(TwTestRunner *runner, const char *to,
			  const char *text);

/**
 * tw_test_send_file_command:
 * @runner: a runner
 * @cmd: "send" or "chat-send"
 * @key: "to" or "conversation"
 * @target: its value
 * @text: (nullable): plain text
 * @file: (nullable): an image's path, the runner's "file"
 *
 * Sends {"cmd": @cmd} for the support account, JSON-escaped.
 */
void tw_test_send_file_command(TwTestRunner *runner, const char *cmd,
			       const char *key, const char *target,
			       const char *text, const char *file);

/**
 * tw_test_chat_send_command:
 * @runner: a runner
 * @conversation: a group's conversation id (or a "new:" list of handles)
 * @text: plain text
 *
 * Sends {"cmd":"chat-send"} for the support account, JSON-escaping @text.
 */
void tw_test_chat_send_command(TwTestRunner *runner, const char *conversation,
			       const char *text);

/**
 * tw_test_let_it_run:
 * @milliseconds: how long to keep the main loop running
 */
void tw_test_let_it_run(guint milliseconds);

/**
 * tw_test_sent_texts:
 * @world: the fixture
 * @path: the POST path to look for
 *
 * Returns: (transfer full) (element-type utf8): the "text" of every POST to
 * @path that the sandbox answered with 201, in order
 */
GPtrArray *tw_test_sent_texts(TwTestWorld *world, const char *path);

/**
 * tw_test_wait_sends_answered:
 * @world: the fixture
 *
 * Waits up to %TW_TEST_WAIT_MS until the account's saved outbox has no
 * message marked attempted, that is no POST whose answer the plugin has
 * not taken yet; fails the test otherwise. A runner quit before that
 * leaves the next start to read the conversation and check.
 */
void tw_test_wait_sends_answered(TwTestWorld *world);

/**
 * tw_test_wait_requests:
 * @world: the fixture
 * @method: (nullable): only this method
 * @path: (nullable): only paths starting with this
 * @count: how many
 *
 * Waits up to %TW_TEST_WAIT_MS until the sandbox has received @count
 * matching requests; fails the test when it has not.
 */
void tw_test_wait_requests(TwTestWorld *world, const char *method,
			   const char *path, guint count);

/**
 * tw_test_wait_received:
 * @runner: the runner
 * @count: how many
 *
 * Waits up to %TW_TEST_WAIT_MS until @runner has shown @count received
 * lines; fails the test (printing the runner's stderr) unless it shows
 * exactly @count.
 */
void tw_test_wait_received(TwTestRunner *runner, guint count);

G_END_DECLS
