/*
 * tw-runner-config: what the runner is asked to run.
 *
 * Command-line arguments, the config file, the account specs built from
 * them and the protocol options applied to each account.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "config.h"

#include "tw-runner.h"

/* Like libpurple's own away auto-response, one person gets the automatic
 * answer at most once in this many seconds: a bot that answered every
 * message would talk forever with another bot (or the sandbox's simulated
 * customers, who answer every DM). */
#define TW_RUNNER_DEFAULT_AUTO_REPLY_GAP 600.0

void
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

void
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

PurpleAccount *
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

void
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

gboolean
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

gboolean
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
