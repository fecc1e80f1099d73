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
#define TW_RUNNER_PLUGIN_DIR_ENV "TWDM_PLUGIN_DIR"
/* Like libpurple's own away auto-response, one person gets the automatic
 * answer at most once in this many seconds: a bot that answered every
 * message would talk forever with another bot (or the sandbox's simulated
 * customers, who answer every DM). */
#define TW_RUNNER_DEFAULT_AUTO_REPLY_GAP 600.0

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

/* Removes a directory tree without following symbolic links. */
static void
tw_runner_remove_tree(const char *path)
{
	GStatBuf info;
	GDir *dir;
	const char *name;

	if (g_lstat(path, &info) != 0)
		return;
	if (S_ISDIR(info.st_mode) && (dir = g_dir_open(path, 0, NULL))) {
		while ((name = g_dir_read_name(dir)) != NULL) {
			g_autofree char *child =
			    g_build_filename(path, name, NULL);

			tw_runner_remove_tree(child);
		}
		g_dir_close(dir);
	}
	if (g_remove(path) != 0)
		g_message("cannot remove %s: %s", path, g_strerror(errno));
}

/* ------------------------------------------------------------------------
 * Start-up: command line, config file, plugins and accounts
 * ------------------------------------------------------------------------ */

static void
tw_runner_account_spec_free(TwRunnerAccountSpec *spec)
{
	g_free(spec->username);
	g_free(spec->password);
	g_free(spec->protocol_id);
	g_ptr_array_unref(spec->options);
	g_free(spec);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC(TwRunnerAccountSpec, tw_runner_account_spec_free)

static TwRunnerAccountSpec *
tw_runner_account_spec_new(const char *username, const char *protocol_id,
			   GPtrArray *shared_options)
{
	TwRunnerAccountSpec *spec = g_new0(TwRunnerAccountSpec, 1);

	spec->username = g_strdup(username);
	spec->protocol_id = g_strdup(protocol_id);
	spec->options = g_ptr_array_new_with_free_func(g_free);
	for (guint i = 0; i < shared_options->len; i++)
		g_ptr_array_add(spec->options,
				g_strdup(g_ptr_array_index(shared_options, i)));
	return spec;
}

static gboolean
tw_runner_config_option_to_string(JsonNode *node, char **value)
{
	if (!JSON_NODE_HOLDS_VALUE(node))
		return FALSE;
	switch (json_node_get_value_type(node)) {
	case G_TYPE_STRING:
		*value = g_strdup(json_node_get_string(node));
		return TRUE;
	case G_TYPE_INT64:
		*value = g_strdup_printf("%" G_GINT64_FORMAT,
					 json_node_get_int(node));
		return TRUE;
	case G_TYPE_BOOLEAN:
		*value =
		    g_strdup(json_node_get_boolean(node) ? "true" : "false");
		return TRUE;
	default:
		return FALSE;
	}
}

/* Reads {"accounts":[{"username","password","protocol","options":{}}]}. */
static gboolean
tw_runner_load_config(const char *path, const char *default_protocol,
		      GPtrArray *shared_options, GPtrArray *specs,
		      GError **error)
{
	g_autoptr(JsonParser) parser = json_parser_new();
	JsonNode *root;
	JsonNode *accounts;

	if (!json_parser_load_from_file(parser, path, error))
		return FALSE;
	root = json_parser_get_root(parser);
	if (root == NULL || !JSON_NODE_HOLDS_OBJECT(root) ||
	    (accounts = json_object_get_member(json_node_get_object(root),
					       "accounts")) == NULL ||
	    !JSON_NODE_HOLDS_ARRAY(accounts)) {
		g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
			    "%s: expected {\"accounts\": [...]}", path);
		return FALSE;
	}
	for (guint i = 0;
	     i < json_array_get_length(json_node_get_array(accounts)); i++) {
		JsonNode *item =
		    json_array_get_element(json_node_get_array(accounts), i);
		JsonObject *object;
		const char *username;
		const char *protocol;
		JsonNode *options;
		g_autoptr(TwRunnerAccountSpec) spec = NULL;

		if (!JSON_NODE_HOLDS_OBJECT(item)) {
			g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
				    "%s: accounts[%u] is not an object", path,
				    i);
			return FALSE;
		}
		object = json_node_get_object(item);
		username = tw_runner_get_string(object, "username");
		if (username == NULL || *username == '\0') {
			g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
				    "%s: accounts[%u] needs a \"username\"",
				    path, i);
			return FALSE;
		}
		protocol = tw_runner_get_string(object, "protocol");
		spec = tw_runner_account_spec_new(
		    username, protocol != NULL ? protocol : default_protocol,
		    shared_options);
		spec->password =
		    g_strdup(tw_runner_get_string(object, "password"));
		options = json_object_get_member(object, "options");
		if (options != NULL && !JSON_NODE_HOLDS_OBJECT(options)) {
			g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_DATA,
				    "%s: accounts[%u].options is not an object",
				    path, i);
			return FALSE;
		}
		if (options != NULL) {
			JsonObject *map = json_node_get_object(options);
			GList *keys = json_object_get_members(map);
			gboolean valid = TRUE;

			for (GList *key = keys; key != NULL && valid;
			     key = key->next) {
				g_autofree char *value = NULL;

				valid = tw_runner_config_option_to_string(
				    json_object_get_member(map, key->data),
				    &value);
				if (valid)
					g_ptr_array_add(
					    spec->options,
					    g_strdup_printf(
						"%s=%s",
						(const char *)key->data,
						value));
				else
					g_set_error(
					    error, G_IO_ERROR,
					    G_IO_ERROR_INVALID_DATA,
					    "%s: accounts[%u].options.%s "
					    "must be a string, integer or "
					    "boolean",
					    path, i, (const char *)key->data);
			}
			g_list_free(keys);
			if (!valid)
				return FALSE;
		}
		g_ptr_array_add(specs, g_steal_pointer(&spec));
	}
	return TRUE;
}

static PurpleAccountOption *
tw_runner_find_protocol_option(PurplePlugin *prpl, const char *key)
{
	PurplePluginProtocolInfo *info = PURPLE_PLUGIN_PROTOCOL_INFO(prpl);

	for (GList *item = info->protocol_options; item != NULL;
	     item = item->next) {
		if (g_strcmp0(purple_account_option_get_setting(item->data),
			      key) == 0)
			return item->data;
	}
	return NULL;
}

static gboolean
tw_runner_parse_bool(const char *text, gboolean *value)
{
	if (g_ascii_strcasecmp(text, "true") == 0 ||
	    g_ascii_strcasecmp(text, "yes") == 0 || g_str_equal(text, "1")) {
		*value = TRUE;
		return TRUE;
	}
	if (g_ascii_strcasecmp(text, "false") == 0 ||
	    g_ascii_strcasecmp(text, "no") == 0 || g_str_equal(text, "0")) {
		*value = FALSE;
		return TRUE;
	}
	return FALSE;
}

/* Stores "key=value" with the type the protocol declares for the key. */
static gboolean
tw_runner_apply_option(PurpleAccount *account, PurplePlugin *prpl,
		       const char *assignment, GError **error)
{
	const char *equals = strchr(assignment, '=');
	g_autofree char *key = NULL;
	const char *value;
	PurpleAccountOption *option;
	gint64 number;
	gboolean flag;

	if (equals == NULL || equals == assignment) {
		g_set_error(error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
			    "option \"%s\" is not KEY=VALUE", assignment);
		return FALSE;
	}
	key = g_strndup(assignment, equals - assignment);
	value = equals + 1;
	option = tw_runner_find_protocol_option(prpl, key);
	switch (option != NULL ? purple_account_option_get_type(option)
			       : PURPLE_PREF_STRING) {
	case PURPLE_PREF_INT:
		if (!g_ascii_string_to_signed(value, 10, G_MININT, G_MAXINT,
					      &number, NULL)) {
			g_set_error(error, G_OPTION_ERROR,
				    G_OPTION_ERROR_BAD_VALUE,
				    "option %s needs an integer, not \"%s\"",
				    key, value);
			return FALSE;
		}
		purple_account_set_int(account, key, (int)number);
		break;
	case PURPLE_PREF_BOOLEAN:
		if (!tw_runner_parse_bool(value, &flag)) {
			g_set_error(error, G_OPTION_ERROR,
				    G_OPTION_ERROR_BAD_VALUE,
				    "option %s needs true or false, not "
				    "\"%s\"",
				    key, value);
			return FALSE;
		}
		purple_account_set_bool(account, key, flag);
		break;
	default:
		if (option == NULL)
			g_message("%s does not declare option \"%s\"; stored "
				  "as a string",
				  purple_account_get_protocol_id(account), key);
		purple_account_set_string(account, key, value);
		break;
	}
	return TRUE;
}

/* Finds the account from an earlier run or creates it, then applies the
 * arguments, as bitlbee does at every sign-on. */
static PurpleAccount *
tw_runner_prepare_account(const TwRunnerAccountSpec *spec, GError **error)
{
	PurplePlugin *prpl = purple_find_prpl(spec->protocol_id);
	PurpleAccount *account;

	if (prpl == NULL) {
		g_set_error(error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND,
			    "no protocol plugin %s for account %s",
			    spec->protocol_id, spec->username);
		return NULL;
	}
	account = purple_accounts_find(spec->username, spec->protocol_id);
	if (account == NULL) {
		account = purple_account_new(spec->username, spec->protocol_id);
		purple_accounts_add(account);
	}
	for (guint i = 0; i < spec->options->len; i++) {
		if (!tw_runner_apply_option(account, prpl,
					    g_ptr_array_index(spec->options, i),
					    error))
			return NULL;
	}
	if (spec->password != NULL) {
		purple_account_set_password(account, spec->password);
		/* Else libpurple forgets it at the first disconnect and a
		 * reconnect would have to ask. */
		purple_account_set_remember_password(account, TRUE);
	}
	return account;
}

typedef struct {
	char *plugin_dir;
	char *user_dir;
	char *config;
	char *account;
	char *password;
	char *password_env;
	char *protocol;
	char *api_base;
	char *client_id;
	char *client_secret;
	char **options;
	double duration;
	char *format;
	char *auto_reply;
	double auto_reply_gap;
	double reconnect_delay;
	gboolean debug;
	gboolean stats;
} TwRunnerArguments;

static void
tw_runner_arguments_clear(TwRunnerArguments *arguments)
{
	g_free(arguments->plugin_dir);
	g_free(arguments->user_dir);
	g_free(arguments->config);
	g_free(arguments->account);
	/* Keep no copy of a secret around longer than needed. */
	if (arguments->password != NULL)
		memset(arguments->password, 0, strlen(arguments->password));
	g_free(arguments->password);
	g_free(arguments->password_env);
	g_free(arguments->protocol);
	g_free(arguments->api_base);
	g_free(arguments->client_id);
	g_free(arguments->client_secret);
	g_strfreev(arguments->options);
	g_free(arguments->format);
	g_free(arguments->auto_reply);
}

static gboolean
tw_runner_parse_arguments(int *argc, char ***argv, TwRunnerArguments *arguments,
			  GError **error)
{
	const GOptionEntry entries[] = {
	    {"plugin-dir", 0, 0, G_OPTION_ARG_FILENAME, &arguments->plugin_dir,
	     "Directory searched first for plugins (default: $" TW_RUNNER_PLUGIN_DIR_ENV
	     " or the build tree)",
	     "DIR"},
	    {"user-dir", 0, 0, G_OPTION_ARG_FILENAME, &arguments->user_dir,
	     "libpurple user directory, kept (default: a temporary one, "
	     "removed at exit)",
	     "DIR"},
	    {"config", 0, 0, G_OPTION_ARG_FILENAME, &arguments->config,
	     "JSON file with {\"accounts\": [...]}", "FILE"},
	    {"account", 0, 0, G_OPTION_ARG_STRING, &arguments->account,
	     "Sign on this account (the X handle)", "HANDLE"},
	    {"password", 0, 0, G_OPTION_ARG_STRING, &arguments->password,
	     "The account's password (for twdm: the refresh token)", "SECRET"},
	    {"password-env", 0, 0, G_OPTION_ARG_STRING,
	     &arguments->password_env,
	     "Read the password from this environment variable instead "
	     "(keeps it out of ps and logs)",
	     "VAR"},
	    {"protocol", 0, 0, G_OPTION_ARG_STRING, &arguments->protocol,
	     "Protocol plugin id of the accounts (default: " TW_PLUGIN_ID ")",
	     "ID"},
	    {"api-base", 0, 0, G_OPTION_ARG_STRING, &arguments->api_base,
	     "Same as --option " TW_OPTION_API_BASE "=URL", "URL"},
	    {"client-id", 0, 0, G_OPTION_ARG_STRING, &arguments->client_id,
	     "Same as --option " TW_OPTION_CLIENT_ID "=ID", "ID"},
	    {"client-secret", 0, 0, G_OPTION_ARG_STRING,
	     &arguments->client_secret,
	     "Same as --option " TW_OPTION_CLIENT_SECRET "=S", "S"},
	    {"option", 0, 0, G_OPTION_ARG_STRING_ARRAY, &arguments->options,
	     "Set an account option (repeatable)", "KEY=VALUE"},
	    {"duration", 0, 0, G_OPTION_ARG_DOUBLE, &arguments->duration,
	     "Quit after this many seconds; stdin EOF then does not quit",
	     "SECONDS"},
	    {"format", 0, 0, G_OPTION_ARG_STRING, &arguments->format,
	     "Output: json (default) or text", "json|text"},
	    {"auto-reply", 0, 0, G_OPTION_ARG_STRING, &arguments->auto_reply,
	     "Answer each incoming IM with TEXT", "TEXT"},
	    {"auto-reply-gap", 0, 0, G_OPTION_ARG_DOUBLE,
	     &arguments->auto_reply_gap,
	     "Auto-reply to one person at most once in SECONDS (default: "
	     "600; 0: to every message)",
	     "SECONDS"},
	    {"reconnect-delay", 0, 0, G_OPTION_ARG_DOUBLE,
	     &arguments->reconnect_delay,
	     "First delay before reconnecting after a non-fatal error "
	     "(default: 1)",
	     "SECONDS"},
	    {"debug", 0, 0, G_OPTION_ARG_NONE, &arguments->debug,
	     "libpurple and plugin debug output on stderr", NULL},
	    {"stats", 0, 0, G_OPTION_ARG_NONE, &arguments->stats,
	     "Measure main-loop stalls; print a \"stats\" event before "
	     "\"exit\"",
	     NULL},
	    {NULL},
	};
	g_autoptr(GOptionContext) context = g_option_context_new(NULL);

	arguments->duration = -1.0;
	arguments->auto_reply_gap = TW_RUNNER_DEFAULT_AUTO_REPLY_GAP;
	arguments->reconnect_delay = 1.0;
	g_option_context_set_summary(
	    context, "Runs libpurple without a UI: events as JSON lines on "
		     "stdout, commands as JSON lines on stdin.\nSee "
		     "tools/RUNNER.md.");
	g_option_context_add_main_entries(context, entries, NULL);
	if (!g_option_context_parse(context, argc, argv, error))
		return FALSE;
	if (*argc > 1) {
		g_set_error(error, G_OPTION_ERROR, G_OPTION_ERROR_FAILED,
			    "unexpected argument \"%s\"", (*argv)[1]);
		return FALSE;
	}
	if (arguments->format != NULL &&
	    !g_str_equal(arguments->format, "json") &&
	    !g_str_equal(arguments->format, "text")) {
		g_set_error(error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
			    "--format must be json or text");
		return FALSE;
	}
	if (arguments->reconnect_delay < 0.01 ||
	    arguments->reconnect_delay > 3600.0) {
		g_set_error(error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
			    "--reconnect-delay must be 0.01 to 3600 seconds");
		return FALSE;
	}
	if (arguments->auto_reply_gap < 0.0) {
		g_set_error(error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
			    "--auto-reply-gap must not be negative");
		return FALSE;
	}
	if (arguments->duration > (double)(G_MAXUINT / 1000)) {
		g_set_error(error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
			    "--duration is too long");
		return FALSE;
	}
	if (arguments->password_env != NULL) {
		const char *value = g_getenv(arguments->password_env);

		if (value == NULL) {
			g_set_error(error, G_OPTION_ERROR,
				    G_OPTION_ERROR_BAD_VALUE,
				    "--password-env: %s is not set",
				    arguments->password_env);
			return FALSE;
		}
		g_free(arguments->password);
		arguments->password = g_strdup(value);
	}
	if (arguments->password != NULL && arguments->account == NULL) {
		g_set_error(error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
			    "--password needs --account");
		return FALSE;
	}
	return TRUE;
}

static gboolean
tw_runner_build_specs(TwRunnerArguments *arguments, GPtrArray *specs,
		      GError **error)
{
	g_autoptr(GPtrArray) shared = g_ptr_array_new_with_free_func(g_free);
	const char *protocol =
	    arguments->protocol != NULL ? arguments->protocol : TW_PLUGIN_ID;

	if (arguments->api_base != NULL)
		g_ptr_array_add(shared, g_strconcat(TW_OPTION_API_BASE "=",
						    arguments->api_base, NULL));
	if (arguments->client_id != NULL)
		g_ptr_array_add(shared,
				g_strconcat(TW_OPTION_CLIENT_ID "=",
					    arguments->client_id, NULL));
	if (arguments->client_secret != NULL)
		g_ptr_array_add(shared,
				g_strconcat(TW_OPTION_CLIENT_SECRET "=",
					    arguments->client_secret, NULL));
	for (char **option = arguments->options;
	     option != NULL && *option != NULL; option++) {
		if (strchr(*option, '=') == NULL || **option == '=') {
			g_set_error(error, G_OPTION_ERROR,
				    G_OPTION_ERROR_BAD_VALUE,
				    "--option %s is not KEY=VALUE", *option);
			return FALSE;
		}
		g_ptr_array_add(shared, g_strdup(*option));
	}

	if (arguments->account != NULL) {
		TwRunnerAccountSpec *spec = tw_runner_account_spec_new(
		    arguments->account, protocol, shared);

		spec->password = g_strdup(arguments->password);
		g_ptr_array_add(specs, spec);
	}
	if (arguments->config != NULL &&
	    !tw_runner_load_config(arguments->config, protocol, shared, specs,
				   error))
		return FALSE;
	return TRUE;
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
	g_clear_pointer(&tw_runner.ui_info, g_hash_table_unref);
	g_clear_pointer(&tw_runner.loop, g_main_loop_unref);
	g_free(tw_runner.auto_reply);
	tw_runner_arguments_clear(&arguments);
	return status;
}
