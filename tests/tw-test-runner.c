/*
 * Drives tools/twdm-runner from a test.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "tw-test-runner.h"

#include <gio/gio.h>
#include <glib/gstdio.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "tw-test-loop.h"

struct _TwTestRunner {
	GSubprocess *process;
	GDataInputStream *stdout_lines;
	GDataInputStream *stderr_lines;
	GOutputStream *stdin_pipe;
	GCancellable *cancellable;
	GPtrArray *events;    /* JsonObject */
	GHashTable *consumed; /* JsonObject already returned by a wait */
	GString *stderr_text;
	gboolean stdout_closed;
	gboolean stderr_closed;
	gboolean waiting;
	gboolean exited;
};

static void read_stdout_line(TwTestRunner *runner);
static void read_stderr_line(TwTestRunner *runner);

static void
stdout_line_cb(GObject *source, GAsyncResult *result, gpointer data)
{
	TwTestRunner *runner = data;
	g_autoptr(GError) error = NULL;
	g_autofree char *line = g_data_input_stream_read_line_finish_utf8(
	    G_DATA_INPUT_STREAM(source), result, NULL, &error);
	g_autoptr(JsonParser) parser = NULL;

	if (g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
		return;
	if (line == NULL) {
		runner->stdout_closed = TRUE;
		return;
	}
	if (g_test_verbose())
		g_printerr("runner> %s\n", line);
	parser = json_parser_new();
	if (json_parser_load_from_data(parser, line, -1, NULL) &&
	    JSON_NODE_HOLDS_OBJECT(json_parser_get_root(parser)))
		g_ptr_array_add(runner->events,
				json_object_ref(json_node_get_object(
				    json_parser_get_root(parser))));
	else
		g_test_message("runner printed a non-JSON line: %s", line);
	read_stdout_line(runner);
}

static void
read_stdout_line(TwTestRunner *runner)
{
	g_data_input_stream_read_line_async(
	    runner->stdout_lines, G_PRIORITY_DEFAULT, runner->cancellable,
	    stdout_line_cb, runner);
}

static void
stderr_line_cb(GObject *source, GAsyncResult *result, gpointer data)
{
	TwTestRunner *runner = data;
	g_autoptr(GError) error = NULL;
	g_autofree char *line = g_data_input_stream_read_line_finish_utf8(
	    G_DATA_INPUT_STREAM(source), result, NULL, &error);

	if (g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
		return;
	if (line == NULL) {
		runner->stderr_closed = TRUE;
		return;
	}
	if (g_test_verbose())
		g_printerr("runner! %s\n", line);
	g_string_append(runner->stderr_text, line);
	g_string_append_c(runner->stderr_text, '\n');
	read_stderr_line(runner);
}

static void
read_stderr_line(TwTestRunner *runner)
{
	g_data_input_stream_read_line_async(
	    runner->stderr_lines, G_PRIORITY_DEFAULT, runner->cancellable,
	    stderr_line_cb, runner);
}

TwTestRunner *
tw_test_runner_start_argv(const char *user_dir, const char *const *args)
{
	return tw_test_runner_start_with_env(user_dir, args, NULL);
}

TwTestRunner *
tw_test_runner_start_with_env(const char *user_dir, const char *const *args,
			      const char *const *env)
{
	g_autoptr(GPtrArray) argv = g_ptr_array_new();
	g_autoptr(GError) error = NULL;
	g_autoptr(GSubprocessLauncher) launcher = NULL;
	const char *runner_path = g_getenv("TW_TEST_RUNNER");
	g_autofree char *suppressions = NULL;
	TwTestRunner *runner;

	g_assert_nonnull(runner_path);
	if (g_strcmp0(g_getenv("TW_TEST_UNDER_VALGRIND"), "1") == 0) {
		g_autofree char *supp =
		    g_test_build_filename(G_TEST_DIST, "valgrind.supp", NULL);

		g_ptr_array_add(argv, "valgrind");
		g_ptr_array_add(argv, "--error-exitcode=99");
		g_ptr_array_add(argv, "--leak-check=full");
		g_ptr_array_add(argv, "--errors-for-leak-kinds=definite");
		g_ptr_array_add(argv, "--show-leak-kinds=definite");
		g_ptr_array_add(argv, "--num-callers=30");
		suppressions = g_strconcat("--suppressions=", supp, NULL);
		g_ptr_array_add(argv, suppressions);
		g_ptr_array_add(argv, "--suppressions=/usr/share/glib-2.0/"
				      "valgrind/glib.supp");
	}
	g_ptr_array_add(argv, (gpointer)runner_path);
	g_ptr_array_add(argv, "--user-dir");
	g_ptr_array_add(argv, (gpointer)user_dir);
	for (guint i = 0; args != NULL && args[i] != NULL; i++)
		g_ptr_array_add(argv, (gpointer)args[i]);
	g_ptr_array_add(argv, NULL);

	launcher = g_subprocess_launcher_new(G_SUBPROCESS_FLAGS_STDIN_PIPE |
					     G_SUBPROCESS_FLAGS_STDOUT_PIPE |
					     G_SUBPROCESS_FLAGS_STDERR_PIPE);
	/* The plugin's leaks are checked by valgrind; libpurple unloads
	 * system plugins at exit, whose leaks cannot be suppressed by name. */
	g_subprocess_launcher_setenv(launcher, "ASAN_OPTIONS", "detect_leaks=0",
				     TRUE);
	g_subprocess_launcher_setenv(launcher, "G_SLICE", "always-malloc",
				     TRUE);
	for (guint i = 0; env != NULL && env[i] != NULL; i++) {
		g_auto(GStrv) pair = g_strsplit(env[i], "=", 2);

		g_assert_nonnull(pair[1]);
		g_subprocess_launcher_setenv(launcher, pair[0], pair[1], TRUE);
	}
	runner = g_new0(TwTestRunner, 1);
	runner->process = g_subprocess_launcher_spawnv(
	    launcher, (const char *const *)argv->pdata, &error);
	g_assert_no_error(error);
	runner->cancellable = g_cancellable_new();
	runner->events =
	    g_ptr_array_new_with_free_func((GDestroyNotify)json_object_unref);
	runner->consumed = g_hash_table_new(NULL, NULL);
	runner->stderr_text = g_string_new(NULL);
	runner->stdin_pipe =
	    g_object_ref(g_subprocess_get_stdin_pipe(runner->process));
	runner->stdout_lines = g_data_input_stream_new(
	    g_subprocess_get_stdout_pipe(runner->process));
	runner->stderr_lines = g_data_input_stream_new(
	    g_subprocess_get_stderr_pipe(runner->process));
	read_stdout_line(runner);
	read_stderr_line(runner);
	return runner;
}

TwTestRunner *
tw_test_runner_start(const char *user_dir, const char *first_arg, ...)
{
	g_autoptr(GPtrArray) args = g_ptr_array_new();
	va_list list;

	va_start(list, first_arg);
	for (const char *arg = first_arg; arg != NULL;
	     arg = va_arg(list, const char *))
		g_ptr_array_add(args, (gpointer)arg);
	va_end(list);
	g_ptr_array_add(args, NULL);
	return tw_test_runner_start_argv(user_dir,
					 (const char *const *)args->pdata);
}

void
tw_test_runner_send(TwTestRunner *runner, const char *command_json)
{
	g_autoptr(GError) error = NULL;
	g_autofree char *line = g_strconcat(command_json, "\n", NULL);

	g_output_stream_write_all(runner->stdin_pipe, line, strlen(line), NULL,
				  NULL, &error);
	g_assert_no_error(error);
	g_output_stream_flush(runner->stdin_pipe, NULL, &error);
	g_assert_no_error(error);
}

void
tw_test_runner_answer_action(TwTestRunner *runner, JsonObject *question,
			     guint action)
{
	g_autofree char *command = g_strdup_printf(
	    "{\"cmd\":\"answer\",\"id\":%" G_GINT64_FORMAT ",\"action\":%u}",
	    json_object_get_int_member(question, "id"), action);

	tw_test_runner_send(runner, command);
}

static gboolean
event_matches(JsonObject *object, const char *event, const char *member,
	      const char *value)
{
	if (g_strcmp0(json_object_get_string_member_with_default(object,
								 "event", NULL),
		      event) != 0)
		return FALSE;
	if (member == NULL)
		return TRUE;
	return g_strcmp0(json_object_get_string_member_with_default(
			     object, member, NULL),
			 value) == 0;
}

typedef struct {
	TwTestRunner *runner;
	const char *event;
	const char *member;
	const char *value;
	JsonObject *found;
} WaitData;

static gboolean
find_event(gpointer data)
{
	WaitData *wait = data;
	GPtrArray *events = wait->runner->events;

	for (guint i = 0; i < events->len; i++) {
		JsonObject *object = events->pdata[i];

		if (g_hash_table_contains(wait->runner->consumed, object))
			continue;
		if (event_matches(object, wait->event, wait->member,
				  wait->value)) {
			wait->found = object;
			return TRUE;
		}
	}
	return wait->runner->stdout_closed;
}

JsonObject *
tw_test_runner_wait_event(TwTestRunner *runner, const char *event,
			  const char *member, const char *value,
			  guint timeout_ms)
{
	WaitData wait = {runner, event, member, value, NULL};

	tw_test_wait_until(find_event, &wait, timeout_ms);
	if (wait.found != NULL)
		g_hash_table_add(runner->consumed, wait.found);
	return wait.found;
}

guint
tw_test_runner_count_events(TwTestRunner *runner, const char *event,
			    const char *member, const char *value)
{
	guint count = 0;

	for (guint i = 0; i < runner->events->len; i++) {
		if (event_matches(runner->events->pdata[i], event, member,
				  value))
			count++;
	}
	return count;
}

GPtrArray *
tw_test_runner_get_events(TwTestRunner *runner)
{
	return runner->events;
}

const char *
tw_test_runner_get_stderr(TwTestRunner *runner)
{
	return runner->stderr_text->str;
}

int
tw_test_runner_get_pid(TwTestRunner *runner)
{
	const char *pid = g_subprocess_get_identifier(runner->process);

	return pid != NULL ? atoi(pid) : 0;
}

gint64
tw_test_read_status_field(const char *path, const char *field)
{
	g_autofree char *text = NULL;
	const char *line;

	if (!g_file_get_contents(path, &text, NULL, NULL) ||
	    (line = strstr(text, field)) == NULL)
		return 0;
	return g_ascii_strtoll(line + strlen(field), NULL, 10);
}

guint64
tw_test_runner_get_peak_kb(TwTestRunner *runner)
{
	int pid = tw_test_runner_get_pid(runner);
	g_autofree char *path = g_strdup_printf("/proc/%d/status", pid);

	return pid > 0 ? (guint64)tw_test_read_status_field(path, "VmHWM:") : 0;
}

static gboolean
process_exited(gpointer data)
{
	TwTestRunner *runner = data;

	return runner->exited;
}

static void
exited_cb(GObject *source, GAsyncResult *result, gpointer data)
{
	TwTestRunner *runner = data;

	g_subprocess_wait_finish(G_SUBPROCESS(source), result, NULL);
	runner->exited = TRUE;
}

static gboolean
streams_closed(gpointer data)
{
	TwTestRunner *runner = data;

	return runner->stdout_closed && runner->stderr_closed;
}

void
tw_test_runner_free(TwTestRunner *runner)
{
	/* Collect the remaining output (valgrind's report) first. */
	tw_test_wait_until(streams_closed, runner, 10000);
	g_cancellable_cancel(runner->cancellable);
	/* Let the cancelled reads finish before their streams go. */
	while (g_main_context_iteration(NULL, FALSE))
		;
	g_object_unref(runner->stdout_lines);
	g_object_unref(runner->stderr_lines);
	g_object_unref(runner->stdin_pipe);
	g_object_unref(runner->cancellable);
	g_object_unref(runner->process);
	g_ptr_array_unref(runner->events);
	g_hash_table_destroy(runner->consumed);
	g_string_free(runner->stderr_text, TRUE);
	g_free(runner);
}

static gboolean
wait_for_exit(TwTestRunner *runner, guint timeout_ms)
{
	/* g_subprocess_wait would block the loop the pipes need. */
	if (!runner->waiting)
		g_subprocess_wait_async(runner->process, NULL, exited_cb,
					runner);
	runner->waiting = TRUE;
	return tw_test_wait_until(process_exited, runner, timeout_ms);
}

int
tw_test_runner_stop(TwTestRunner *runner)
{
	int status;
	guint timeout = g_strcmp0(g_getenv("TW_TEST_UNDER_VALGRIND"), "1") == 0
			    ? 120000
			    : 20000;

	tw_test_runner_send(runner, "{\"cmd\":\"quit\"}");
	if (!wait_for_exit(runner, timeout)) {
		g_test_message("runner did not quit; killing it");
		g_subprocess_force_exit(runner->process);
		wait_for_exit(runner, 5000);
	}
	status = g_subprocess_get_if_exited(runner->process)
		     ? g_subprocess_get_exit_status(runner->process)
		     : 128 + g_subprocess_get_term_sig(runner->process);
	if (status != 0)
		g_test_message("runner exited with %d; stderr:\n%s", status,
			       runner->stderr_text->str);
	tw_test_wait_until(streams_closed, runner, 10000);
	return status;
}

int
tw_test_runner_quit(TwTestRunner *runner)
{
	int status = tw_test_runner_stop(runner);

	tw_test_runner_free(runner);
	return status;
}

void
tw_test_runner_kill(TwTestRunner *runner)
{
	g_subprocess_send_signal(runner->process, SIGKILL);
	wait_for_exit(runner, 10000);
	tw_test_wait_until(streams_closed, runner, 10000);
}

char *
tw_test_make_user_dir(void)
{
	char *dir = g_dir_make_tmp("twdm-test-XXXXXX", NULL);

	g_assert_nonnull(dir);
	return dir;
}

void
tw_test_remove_tree(const char *path)
{
	GDir *dir = g_dir_open(path, 0, NULL);
	const char *name;

	while (dir != NULL && (name = g_dir_read_name(dir)) != NULL) {
		g_autofree char *child = g_build_filename(path, name, NULL);

		if (g_file_test(child, G_FILE_TEST_IS_DIR) &&
		    !g_file_test(child, G_FILE_TEST_IS_SYMLINK))
			tw_test_remove_tree(child);
		else
			g_unlink(child);
	}
	if (dir != NULL)
		g_dir_close(dir);
	g_rmdir(path);
}
