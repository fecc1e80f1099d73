/*
 * Drives tools/twdm-runner from a test: starts it as a child process,
 * collects its JSON-line events, sends commands, waits for events.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#pragma once

#include <glib.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

typedef struct _TwTestRunner TwTestRunner;

/**
 * tw_test_runner_start:
 * @user_dir: libpurple user directory (kept, so restarts can reuse it)
 * @first_arg: further runner arguments, %NULL-terminated
 *
 * Starts the runner from TW_TEST_RUNNER with --user-dir. Under valgrind
 * (TW_TEST_UNDER_VALGRIND=1) the runner runs under memcheck too.
 *
 * Returns: (transfer full): the running runner
 */
TwTestRunner *tw_test_runner_start(const char *user_dir, const char *first_arg,
				   ...) G_GNUC_NULL_TERMINATED;

/**
 * tw_test_runner_start_argv:
 * @user_dir: libpurple user directory
 * @args: (array zero-terminated=1): further runner arguments
 *
 * Returns: (transfer full): the running runner
 */
TwTestRunner *tw_test_runner_start_argv(const char *user_dir,
					const char *const *args);

/**
 * tw_test_runner_start_with_env:
 * @user_dir: libpurple user directory
 * @args: (array zero-terminated=1): further runner arguments
 * @env: (array zero-terminated=1) (nullable): "NAME=VALUE" entries added to
 *   the runner's environment (not to this process's: setenv is not
 *   thread-safe while the sandbox thread runs)
 *
 * Returns: (transfer full): the running runner
 */
TwTestRunner *tw_test_runner_start_with_env(const char *user_dir,
					    const char *const *args,
					    const char *const *env);

/**
 * tw_test_runner_send:
 * @runner: the runner
 * @command_json: one JSON object, written as one line to its stdin
 */
void tw_test_runner_send(TwTestRunner *runner, const char *command_json);

/**
 * tw_test_runner_answer_action:
 * @runner: the runner
 * @question: a `request` event of kind action, borrowed
 * @action: the index of the action to choose
 *
 * Answers the question with its @action-th choice.
 */
void tw_test_runner_answer_action(TwTestRunner *runner, JsonObject *question,
				  guint action);

/**
 * tw_test_runner_wait_event:
 * @runner: the runner
 * @event: value of the "event" member to wait for
 * @member: (nullable): a further member that must match...
 * @value: (nullable): ...this string value
 * @timeout_ms: the longest wait
 *
 * Waits for the first event not yet returned by a wait that matches,
 * looking at all events received so far first.
 *
 * Returns: (transfer none) (nullable): the event object, %NULL on timeout
 */
JsonObject *tw_test_runner_wait_event(TwTestRunner *runner, const char *event,
				      const char *member, const char *value,
				      guint timeout_ms);

/**
 * tw_test_runner_count_events:
 * @runner: the runner
 * @event: value of the "event" member
 * @member: (nullable): a further member...
 * @value: (nullable): ...and its string value
 *
 * Returns: how many events received so far match
 */
guint tw_test_runner_count_events(TwTestRunner *runner, const char *event,
				  const char *member, const char *value);

/**
 * tw_test_runner_get_events:
 * @runner: the runner
 *
 * Returns: (transfer none) (element-type JsonObject): all events so far
 */
GPtrArray *tw_test_runner_get_events(TwTestRunner *runner);

/**
 * tw_test_runner_get_stderr:
 * @runner: the runner
 *
 * Returns: (transfer none): everything the runner wrote to stderr so far
 */
const char *tw_test_runner_get_stderr(TwTestRunner *runner);

/**
 * tw_test_runner_get_pid:
 * @runner: a runner that is running
 *
 * Returns: its process id, 0 once it has exited
 */
int tw_test_runner_get_pid(TwTestRunner *runner);

/**
 * tw_test_read_status_field:
 * @path: a /proc status file, e.g. "/proc/<pid>/status"
 * @field: a field with its colon, e.g. "VmHWM:"
 *
 * Returns: the number after @field (kB for memory), 0 when absent
 */
gint64 tw_test_read_status_field(const char *path, const char *field);

/**
 * tw_test_runner_get_peak_kb:
 * @runner: a runner that is running
 *
 * Returns: the process's peak resident memory so far (VmHWM), in KiB; 0
 *   when the system does not say. Under valgrind it is valgrind's.
 */
guint64 tw_test_runner_get_peak_kb(TwTestRunner *runner);

/**
 * tw_test_runner_quit:
 * @runner: (transfer full): the runner
 *
 * Sends {"cmd":"quit"}, waits for the exit and frees the runner.
 *
 * Returns: the exit status (0 = clean; non-zero also when valgrind found
 * errors)
 */
int tw_test_runner_quit(TwTestRunner *runner);

/**
 * tw_test_runner_stop:
 * @runner: the runner
 *
 * Sends {"cmd":"quit"} and waits for the exit and for all its output,
 * which stays readable; free it with tw_test_runner_free().
 *
 * Returns: the exit status, as tw_test_runner_quit()
 */
int tw_test_runner_stop(TwTestRunner *runner);

/**
 * tw_test_runner_kill:
 * @runner: the runner
 *
 * SIGKILLs the runner, as a crash would, and waits until it is gone and all
 * its output is read. Free it with tw_test_runner_free().
 */
void tw_test_runner_kill(TwTestRunner *runner);

/**
 * tw_test_runner_free:
 * @runner: (transfer full): a runner that has exited
 */
void tw_test_runner_free(TwTestRunner *runner);

/**
 * tw_test_make_user_dir:
 *
 * Returns: (transfer full): a new temporary directory
 */
char *tw_test_make_user_dir(void);

/**
 * tw_test_remove_tree:
 * @path: a directory to delete recursively
 */
void tw_test_remove_tree(const char *path);

G_END_DECLS
