/*
 * twdm-runner: a headless libpurple UI for tests and chatbots.
 *
 * It hosts libpurple 2 without a window: it loads protocol plugins (the
 * build tree's first), signs accounts on, writes everything libpurple shows
 * to a user as JSON lines on stdout and reads commands as JSON lines from
 * stdin. It knows nothing of the plugin's internals, only the public ids in
 * purple-twdm.h, so it exercises the plugin exactly as Pidgin, Finch or
 * bitlbee do. tools/RUNNER.md documents the protocol.
 *
 * This file is the program: the runner's state, main(), the run from
 * core start to quit, signals and the stats beat. The rest is in
 * tw-runner-protocol.c (JSON lines out), tw-runner-host.c (libpurple,
 * accounts, plugins), tw-runner-conversations.c, tw-runner-requests.c
 * (notify and request UI ops, answers), tw-runner-commands.c (JSON lines
 * in) and tw-runner-config.c (arguments, config file, account options).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "config.h"

#include "tw-runner.h"

#ifndef TW_BUILD_PLUGIN_DIR
#error "TW_BUILD_PLUGIN_DIR must name the build tree's plugin directory"
#endif

typedef enum {
	TW_RUNNER_EXIT_OK = 0,
	TW_RUNNER_EXIT_USAGE = 1,
	TW_RUNNER_EXIT_STARTUP = 2,
} TwRunnerExitCode;

TwRunner tw_runner;
static int runner_signal_handle;

/* ------------------------------------------------------------------------
 * Quitting
 * ------------------------------------------------------------------------ */

void
tw_runner_request_quit(void)
{
	if (tw_runner.quit_requested)
		return;
	tw_runner.quit_requested = TRUE;
	if (tw_runner.loop != NULL)
		g_main_loop_quit(tw_runner.loop);
}

static gboolean
tw_runner_unix_signal_cb(gpointer data)
{
	tw_runner_request_quit();
	return G_SOURCE_CONTINUE;
}

static gboolean
tw_runner_duration_cb(gpointer data)
{
	tw_runner.duration_source = 0;
	tw_runner_request_quit();
	return G_SOURCE_REMOVE;
}

#define TW_RUNNER_STATS_BEAT_MS 10

/* Anything that holds the loop (a long callback, a blocking call) makes
 * the beat late by that much. */
static gboolean
tw_runner_stats_beat_cb(gpointer data)
{
	gint64 now = g_get_monotonic_time();

	if (tw_runner.stats_next_beat != 0)
		tw_runner.stats_max_stall = MAX(
		    tw_runner.stats_max_stall, now - tw_runner.stats_next_beat);
	/* GLib schedules the next beat from this iteration's start time. */
	tw_runner.stats_next_beat = g_source_get_time(g_main_current_source()) +
				    TW_RUNNER_STATS_BEAT_MS * 1000;
	return G_SOURCE_CONTINUE;
}

static void
tw_runner_emit_stats(void)
{
	JsonBuilder *builder = tw_runner_event_new("stats");
	struct rusage usage = {0};

	getrusage(RUSAGE_SELF, &usage);
	tw_runner_add_int(builder, "max_stall_ms",
			  tw_runner.stats_max_stall / 1000);
	/* Linux reports ru_maxrss in kilobytes. */
	tw_runner_add_int(builder, "peak_rss_kb", usage.ru_maxrss);
	tw_runner_add_int(
	    builder, "cpu_ms",
	    ((gint64)usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) * 1000 +
		(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1000);
	tw_runner_event_emit(builder);
}

static const char *
tw_runner_default_plugin_dir(void)
{
	const char *dir = g_getenv(TW_RUNNER_PLUGIN_DIR_ENV);

	return dir != NULL && *dir != '\0' ? dir : TW_BUILD_PLUGIN_DIR;
}

static void
tw_runner_connect_signals(void)
{
	void *connections = purple_connections_get_handle();
	void *conversations = purple_conversations_get_handle();

	purple_signal_connect(connections, "signing-on", &runner_signal_handle,
			      PURPLE_CALLBACK(tw_runner_signing_on_cb), NULL);
	purple_signal_connect(connections, "signed-on", &runner_signal_handle,
			      PURPLE_CALLBACK(tw_runner_signed_on_cb), NULL);
	purple_signal_connect(connections, "signed-off", &runner_signal_handle,
			      PURPLE_CALLBACK(tw_runner_signed_off_cb), NULL);
	purple_signal_connect(
	    connections, "connection-error", &runner_signal_handle,
	    PURPLE_CALLBACK(tw_runner_connection_error_cb), NULL);
	purple_signal_connect(conversations, "chat-joined",
			      &runner_signal_handle,
			      PURPLE_CALLBACK(tw_runner_chat_joined_cb), NULL);
	purple_signal_connect(conversations, "chat-left", &runner_signal_handle,
			      PURPLE_CALLBACK(tw_runner_chat_left_cb), NULL);
	purple_signal_connect(
	    conversations, "conversation-updated", &runner_signal_handle,
	    PURPLE_CALLBACK(tw_runner_conversation_updated_cb), NULL);
}

/* A headless bot writes no conversation logs, and plays no sounds. */
static void
tw_runner_set_prefs(void)
{
	purple_prefs_set_bool("/purple/logging/log_ims", FALSE);
	purple_prefs_set_bool("/purple/logging/log_chats", FALSE);
	purple_prefs_set_bool("/purple/logging/log_system", FALSE);
	purple_prefs_set_string("/purple/away/idle_reporting", "none");
}

/* The XMPP plugin that libpurple always loads starts the media manager,
 * and GStreamer then loads all its plugins, probes audio and video devices
 * (PulseAudio, Vulkan) and writes a registry to ~/.cache. A headless
 * runner has no voice or video, so it points GStreamer at no plugins and
 * keeps its registry in the user dir. Values from the environment win. */
static void
tw_runner_keep_gstreamer_idle(const char *user_dir)
{
	g_autofree char *no_plugins =
	    g_build_filename(user_dir, "no-gstreamer-plugins", NULL);
	g_autofree char *registry =
	    g_build_filename(user_dir, "gstreamer-registry.bin", NULL);

	g_setenv("GST_PLUGIN_SYSTEM_PATH_1_0", no_plugins, FALSE);
	g_setenv("GST_REGISTRY_1_0", registry, FALSE);
}

static int
tw_runner_run(TwRunnerArguments *arguments, GPtrArray *specs)
{
	const char *plugin_dir = arguments->plugin_dir != NULL
				     ? arguments->plugin_dir
				     : tw_runner_default_plugin_dir();
	g_autofree char *absolute_plugin_dir = NULL;
	g_autofree char *user_dir = NULL;
	gboolean remove_user_dir = FALSE;
	g_autoptr(GError) error = NULL;
	guint signal_sources[2];
	int status = TW_RUNNER_EXIT_OK;

	if (arguments->user_dir != NULL) {
		user_dir = g_canonicalize_filename(arguments->user_dir, NULL);
		if (g_mkdir_with_parents(user_dir, 0700) != 0) {
			g_autofree char *message =
			    g_strdup_printf("cannot create user dir %s: %s",
					    user_dir, g_strerror(errno));

			tw_runner_emit_error(message);
			return TW_RUNNER_EXIT_STARTUP;
		}
	} else {
		user_dir = g_dir_make_tmp("twdm-runner-XXXXXX", &error);
		if (user_dir == NULL) {
			tw_runner_emit_error(error->message);
			return TW_RUNNER_EXIT_STARTUP;
		}
		remove_user_dir = TRUE;
	}
	absolute_plugin_dir = g_canonicalize_filename(plugin_dir, NULL);
	tw_runner_keep_gstreamer_idle(user_dir);

	purple_util_set_user_dir(user_dir);
	purple_debug_set_enabled(arguments->debug);
	purple_core_set_ui_ops(&tw_runner_core_ops);
	purple_eventloop_set_ui_ops(&tw_runner_loop_ops);
	/* Before purple_core_init(): the probe walks paths in order, so the
	 * build tree's plugin wins over an installed copy. */
	purple_plugins_add_search_path(absolute_plugin_dir);

	if (!purple_core_init(TW_RUNNER_UI_ID)) {
		tw_runner_emit_error("libpurple failed to initialize");
		status = TW_RUNNER_EXIT_STARTUP;
		goto out;
	}
	tw_runner.core_running = TRUE;
	purple_set_blist(purple_blist_new());
	purple_blist_load();
	purple_prefs_load();
	tw_runner_set_prefs();
	purple_pounces_load();
	tw_runner_connect_signals();

	tw_runner_keep_plugins_mapped();
	if (!tw_runner_check_plugins(specs, absolute_plugin_dir)) {
		status = TW_RUNNER_EXIT_STARTUP;
		goto out;
	}
	if (purple_plugins_find_with_id(TW_PLUGIN_ID) != NULL)
		purple_signal_connect(
		    purple_plugins_find_with_id(TW_PLUGIN_ID),
		    TW_SIGNAL_MESSAGE_MEDIA, &runner_signal_handle,
		    PURPLE_CALLBACK(tw_runner_message_media_cb), NULL);
	for (guint i = 0; i < specs->len; i++) {
		TwRunnerAccountSpec *spec = g_ptr_array_index(specs, i);
		PurpleAccount *account =
		    tw_runner_prepare_account(spec, &error);
		TwRunnerAccount *state;

		if (account == NULL) {
			tw_runner_emit_error(error->message);
			status = error->domain == G_OPTION_ERROR
				     ? TW_RUNNER_EXIT_USAGE
				     : TW_RUNNER_EXIT_STARTUP;
			goto out;
		}
		if (tw_runner_account_lookup(account) != NULL)
			continue;
		state = g_new0(TwRunnerAccount, 1);
		state->account = account;
		state->reconnect_delay = tw_runner.reconnect_delay;
		g_hash_table_insert(tw_runner.accounts, account, state);
		g_ptr_array_add(tw_runner.account_order, account);
	}

	tw_runner.loop = g_main_loop_new(NULL, FALSE);
	signal_sources[0] =
	    g_unix_signal_add(SIGINT, tw_runner_unix_signal_cb, NULL);
	signal_sources[1] =
	    g_unix_signal_add(SIGTERM, tw_runner_unix_signal_cb, NULL);
	if (tw_runner.has_duration)
		tw_runner.duration_source =
		    g_timeout_add((guint)(arguments->duration * 1000.0),
				  tw_runner_duration_cb, NULL);
	tw_runner_watch_stdin();

	for (guint i = 0;
	     i < tw_runner.account_order->len && !tw_runner.quit_requested; i++)
		tw_runner_account_sign_on(
		    g_ptr_array_index(tw_runner.account_order, i));

	if (tw_runner.stats)
		tw_runner.stats_source = g_timeout_add(
		    TW_RUNNER_STATS_BEAT_MS, tw_runner_stats_beat_cb, NULL);
	if (!tw_runner.quit_requested)
		g_main_loop_run(tw_runner.loop);

	g_source_remove(signal_sources[0]);
	g_source_remove(signal_sources[1]);
	g_clear_handle_id(&tw_runner.duration_source, g_source_remove);
	g_clear_handle_id(&tw_runner.stats_source, g_source_remove);
	tw_runner_unwatch_stdin();

out:
	tw_runner.quit_requested = TRUE;
	/* Timers first, so no reconnect fires while the core shuts down. */
	g_hash_table_remove_all(tw_runner.accounts);
	g_clear_handle_id(&tw_runner.auto_reply_source, g_source_remove);
	g_queue_clear_full(&tw_runner.pending_replies,
			   (GDestroyNotify)tw_runner_auto_reply_free);
	if (tw_runner.core_running) {
		/* Disconnects the accounts (their "signed-off" events still
		 * show) and saves accounts.xml. */
		purple_core_quit();
		tw_runner.core_running = FALSE;
	}
	if (remove_user_dir)
		tw_runner_remove_tree(user_dir);
	return status;
}

int
main(int argc, char **argv)
{
	TwRunnerArguments arguments = {0};
	g_autoptr(GError) error = NULL;
	g_autoptr(GPtrArray) specs = g_ptr_array_new_with_free_func(
	    (GDestroyNotify)tw_runner_account_spec_free);
	int status;
	JsonBuilder *builder;

	/* A reader that goes away must not kill us before accounts.xml is
	 * saved; a failed write ends the run instead. */
	signal(SIGPIPE, SIG_IGN);
	setlocale(LC_ALL, "");
	g_log_set_writer_func(tw_runner_log_writer, NULL, NULL);
	g_set_print_handler(tw_runner_print_to_stderr);

	if (!tw_runner_parse_arguments(&argc, &argv, &arguments, &error) ||
	    !tw_runner_build_specs(&arguments, specs, &error)) {
		g_printerr("twdm-runner: %s\n", error->message);
		g_printerr("Try \"twdm-runner --help\".\n");
		tw_runner_arguments_clear(&arguments);
		return TW_RUNNER_EXIT_USAGE;
	}
	if (arguments.debug)
		g_log_set_debug_enabled(TRUE);

	tw_runner.format = g_strcmp0(arguments.format, "text") == 0
			       ? TW_RUNNER_FORMAT_TEXT
			       : TW_RUNNER_FORMAT_JSON;
	tw_runner.auto_reply = g_strdup(arguments.auto_reply);
	tw_runner.auto_reply_gap = arguments.auto_reply_gap;
	tw_runner.reconnect_delay = arguments.reconnect_delay;
	tw_runner.has_duration = arguments.duration >= 0.0;
	tw_runner.stats = arguments.stats;
	tw_runner.accounts = g_hash_table_new_full(
	    NULL, NULL, NULL, (GDestroyNotify)tw_runner_account_free);
	tw_runner.account_order = g_ptr_array_new();
	tw_runner.requests = g_hash_table_new_full(
	    NULL, NULL, NULL, (GDestroyNotify)tw_runner_request_free);
	tw_runner.auto_replied =
	    g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	tw_runner.pending_media = g_hash_table_new_full(
	    g_str_hash, g_str_equal, g_free, (GDestroyNotify)json_node_unref);

	status = tw_runner_run(&arguments, specs);

	if (tw_runner.stats)
		tw_runner_emit_stats();

	builder = tw_runner_event_new("exit");
	tw_runner_add_int(builder, "status", status);
	tw_runner_event_emit(builder);

	g_hash_table_unref(tw_runner.requests);
	g_hash_table_unref(tw_runner.accounts);
	g_ptr_array_unref(tw_runner.account_order);
	g_hash_table_unref(tw_runner.auto_replied);
	g_hash_table_unref(tw_runner.pending_media);
	g_clear_pointer(&tw_runner.ui_info, g_hash_table_unref);
	g_clear_pointer(&tw_runner.loop, g_main_loop_unref);
	g_free(tw_runner.auto_reply);
	tw_runner_arguments_clear(&arguments);
	return status;
}
