/*
 * tw-runner-host: hosting libpurple.
 *
 * The event loop binding (PurpleEventLoopUiOps on GLib), the core and buddy
 * list UI ops, accounts: sign-on, reconnect with backoff, connection
 * events; and the check of the loaded protocol plugins.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "config.h"

#include "tw-runner.h"

/* Pidgin and Finch double the reconnect delay up to this many seconds. */
#define TW_RUNNER_MAX_RECONNECT_DELAY 60.0

/* ------------------------------------------------------------------------
 * Event loop UI ops, as libpurple's nullclient.c does it
 * ------------------------------------------------------------------------ */

#define TW_RUNNER_READ_CONDITIONS  (G_IO_IN | G_IO_HUP | G_IO_ERR)
#define TW_RUNNER_WRITE_CONDITIONS (G_IO_OUT | G_IO_HUP | G_IO_ERR | G_IO_NVAL)

typedef struct {
	PurpleInputFunction function;
	gpointer data;
} TwRunnerInput;

static gboolean
tw_runner_input_dispatch(GIOChannel *source, GIOCondition condition,
			 gpointer data)
{
	TwRunnerInput *input = data;
	PurpleInputCondition purple_condition = 0;

	if (condition & TW_RUNNER_READ_CONDITIONS)
		purple_condition |= PURPLE_INPUT_READ;
	if (condition & TW_RUNNER_WRITE_CONDITIONS)
		purple_condition |= PURPLE_INPUT_WRITE;
	input->function(input->data, g_io_channel_unix_get_fd(source),
			purple_condition);
	return G_SOURCE_CONTINUE;
}

static guint
tw_runner_input_add(gint fd, PurpleInputCondition condition,
		    PurpleInputFunction function, gpointer data)
{
	TwRunnerInput *input = g_new0(TwRunnerInput, 1);
	GIOCondition io_condition = 0;
	GIOChannel *channel;
	guint id;

	input->function = function;
	input->data = data;
	if (condition & PURPLE_INPUT_READ)
		io_condition |= TW_RUNNER_READ_CONDITIONS;
	if (condition & PURPLE_INPUT_WRITE)
		io_condition |= TW_RUNNER_WRITE_CONDITIONS;
	channel = g_io_channel_unix_new(fd);
	id = g_io_add_watch_full(channel, G_PRIORITY_DEFAULT, io_condition,
				 tw_runner_input_dispatch, input, g_free);
	g_io_channel_unref(channel);
	return id;
}

PurpleEventLoopUiOps tw_runner_loop_ops = {
    .timeout_add = g_timeout_add,
    .timeout_remove = g_source_remove,
    .input_add = tw_runner_input_add,
    .input_remove = g_source_remove,
    .timeout_add_seconds = g_timeout_add_seconds,
};

/* ------------------------------------------------------------------------
 * Accounts and reconnection
 * ------------------------------------------------------------------------ */

TwRunnerAccount *
tw_runner_account_lookup(PurpleAccount *account)
{
	return g_hash_table_lookup(tw_runner.accounts, account);
}

void
tw_runner_account_cancel_reconnect(TwRunnerAccount *state)
{
	g_clear_handle_id(&state->reconnect_source, g_source_remove);
}

void
tw_runner_account_free(TwRunnerAccount *state)
{
	tw_runner_account_cancel_reconnect(state);
	g_free(state);
}

static const char *const tw_runner_error_names[] = {
    [PURPLE_CONNECTION_ERROR_NETWORK_ERROR] = "network-error",
    [PURPLE_CONNECTION_ERROR_INVALID_USERNAME] = "invalid-username",
    [PURPLE_CONNECTION_ERROR_AUTHENTICATION_FAILED] = "authentication-failed",
    [PURPLE_CONNECTION_ERROR_AUTHENTICATION_IMPOSSIBLE] =
	"authentication-impossible",
    [PURPLE_CONNECTION_ERROR_NO_SSL_SUPPORT] = "no-ssl-support",
    [PURPLE_CONNECTION_ERROR_ENCRYPTION_ERROR] = "encryption-error",
    [PURPLE_CONNECTION_ERROR_NAME_IN_USE] = "name-in-use",
    [PURPLE_CONNECTION_ERROR_INVALID_SETTINGS] = "invalid-settings",
    [PURPLE_CONNECTION_ERROR_CERT_NOT_PROVIDED] = "cert-not-provided",
    [PURPLE_CONNECTION_ERROR_CERT_UNTRUSTED] = "cert-untrusted",
    [PURPLE_CONNECTION_ERROR_CERT_EXPIRED] = "cert-expired",
    [PURPLE_CONNECTION_ERROR_CERT_NOT_ACTIVATED] = "cert-not-activated",
    [PURPLE_CONNECTION_ERROR_CERT_HOSTNAME_MISMATCH] = "cert-hostname-mismatch",
    [PURPLE_CONNECTION_ERROR_CERT_FINGERPRINT_MISMATCH] =
	"cert-fingerprint-mismatch",
    [PURPLE_CONNECTION_ERROR_CERT_SELF_SIGNED] = "cert-self-signed",
    [PURPLE_CONNECTION_ERROR_CERT_OTHER_ERROR] = "cert-other-error",
    [PURPLE_CONNECTION_ERROR_OTHER_ERROR] = "other-error",
};

static const char *
tw_runner_error_name(PurpleConnectionError reason)
{
	if ((guint)reason < G_N_ELEMENTS(tw_runner_error_names))
		return tw_runner_error_names[reason];
	return "other-error";
}

/* libpurple may start connecting as a side effect of enabling an account
 * or changing its status, and a second purple_account_connect() would
 * start a second connection, or ask for the password twice. While an
 * account signs on, these note whether libpurple asked a question about
 * it (the password) instead of connecting. */
static PurpleAccount *tw_runner_signing_on_account;
static gboolean tw_runner_signing_on_asked;

void
tw_runner_note_question(PurpleAccount *account)
{
	if (account != NULL && account == tw_runner_signing_on_account)
		tw_runner_signing_on_asked = TRUE;
}

void
tw_runner_account_sign_on(PurpleAccount *account)
{
	PurpleStatusType *available =
	    purple_account_get_status_type_with_primitive(
		account, PURPLE_STATUS_AVAILABLE);

	tw_runner_signing_on_account = account;
	tw_runner_signing_on_asked = FALSE;
	if (available != NULL &&
	    !purple_status_is_online(purple_account_get_active_status(account)))
		purple_account_set_status(
		    account, purple_status_type_get_id(available), TRUE, NULL);
	if (!purple_account_get_enabled(account, TW_RUNNER_UI_ID))
		purple_account_set_enabled(account, TW_RUNNER_UI_ID, TRUE);
	if (!tw_runner_signing_on_asked &&
	    purple_account_is_disconnected(account))
		purple_account_connect(account);
	tw_runner_signing_on_account = NULL;
}

static gboolean
tw_runner_reconnect_cb(gpointer data)
{
	TwRunnerAccount *state = data;
	PurpleConnection *connection =
	    purple_account_get_connection(state->account);

	/* libpurple tears the failed connection down on a later loop turn
	 * than the error; wait for that rather than connect twice. */
	if (connection != NULL && connection->disconnect_timeout != 0) {
		state->reconnect_source =
		    g_timeout_add(50, tw_runner_reconnect_cb, state);
		return G_SOURCE_REMOVE;
	}
	state->reconnect_source = 0;
	/* A "connect" command may have been quicker. */
	if (purple_account_is_disconnected(state->account))
		tw_runner_account_sign_on(state->account);
	return G_SOURCE_REMOVE;
}

static void
tw_runner_schedule_reconnect(TwRunnerAccount *state)
{
	double delay = state->reconnect_delay;
	JsonBuilder *builder;

	tw_runner_account_cancel_reconnect(state);
	state->reconnect_source = g_timeout_add(
	    MAX((guint)(delay * 1000.0), 1u), tw_runner_reconnect_cb, state);
	state->reconnect_delay =
	    MIN(delay * 2.0,
		MAX(TW_RUNNER_MAX_RECONNECT_DELAY, tw_runner.reconnect_delay));

	builder = tw_runner_event_new("reconnect-scheduled");
	tw_runner_add_account(builder, state->account);
	tw_runner_add_seconds(builder, "seconds", delay);
	tw_runner_event_emit(builder);
}

/* ------------------------------------------------------------------------
 * Connection signals
 * ------------------------------------------------------------------------ */

static void
tw_runner_emit_account_event(const char *name, PurpleConnection *connection)
{
	JsonBuilder *builder = tw_runner_event_new(name);

	tw_runner_add_account(builder,
			      purple_connection_get_account(connection));
	tw_runner_event_emit(builder);
}

void
tw_runner_signing_on_cb(PurpleConnection *connection, gpointer data)
{
	tw_runner_emit_account_event("connecting", connection);
}

void
tw_runner_signed_on_cb(PurpleConnection *connection, gpointer data)
{
	TwRunnerAccount *state =
	    tw_runner_account_lookup(purple_connection_get_account(connection));

	if (state != NULL)
		state->reconnect_delay = tw_runner.reconnect_delay;
	tw_runner_emit_account_event("signed-on", connection);
}

void
tw_runner_signed_off_cb(PurpleConnection *connection, gpointer data)
{
	tw_runner_emit_account_event("signed-off", connection);
}

void
tw_runner_connection_error_cb(PurpleConnection *connection,
			      PurpleConnectionError reason,
			      const char *description, gpointer data)
{
	PurpleAccount *account = purple_connection_get_account(connection);
	gboolean fatal = purple_connection_error_is_fatal(reason);
	TwRunnerAccount *state = tw_runner_account_lookup(account);
	JsonBuilder *builder = tw_runner_event_new("connection-error");

	tw_runner_add_account(builder, account);
	tw_runner_add_string(builder, "reason", tw_runner_error_name(reason));
	tw_runner_add_int(builder, "reason_code", reason);
	tw_runner_add_string(builder, "description", description);
	tw_runner_add_bool(builder, "fatal", fatal);
	tw_runner_event_emit(builder);

	if (!fatal && state != NULL && !tw_runner.quit_requested)
		tw_runner_schedule_reconnect(state);
}

/* ------------------------------------------------------------------------
 * Core UI ops
 * ------------------------------------------------------------------------ */

/* Empty, yet they matter: with blist UI ops set, libpurple fills in its
 * own save functions, so blist.xml (buddies, aliases, icon checksums) is
 * written as in Pidgin and Finch. */
static PurpleBlistUiOps tw_runner_blist_ops;

static void
tw_runner_ui_init(void)
{
	purple_blist_set_ui_ops(&tw_runner_blist_ops);
	purple_conversations_set_ui_ops(&tw_runner_conversation_ops);
	purple_notify_set_ui_ops(&tw_runner_notify_ops);
	purple_request_set_ui_ops(&tw_runner_request_ops);
}

static GHashTable *
tw_runner_get_ui_info(void)
{
	if (tw_runner.ui_info == NULL) {
		tw_runner.ui_info = g_hash_table_new(g_str_hash, g_str_equal);
		g_hash_table_insert(tw_runner.ui_info, "name", "twdm-runner");
		g_hash_table_insert(tw_runner.ui_info, "version",
				    PACKAGE_VERSION);
		g_hash_table_insert(tw_runner.ui_info, "client_type", "bot");
	}
	return tw_runner.ui_info;
}

PurpleCoreUiOps tw_runner_core_ops = {
    .ui_init = tw_runner_ui_init,
    .get_ui_info = tw_runner_get_ui_info,
};

static void
tw_runner_emit_plugin(PurplePlugin *plugin)
{
	JsonBuilder *builder = tw_runner_event_new("plugin");
	PurplePluginProtocolInfo *info = PURPLE_PLUGIN_PROTOCOL_INFO(plugin);

	tw_runner_add_string(builder, "id", plugin->info->id);
	tw_runner_add_string(builder, "path", plugin->path);
	tw_runner_add_string(builder, "name", plugin->info->name);
	/* The account options' labels, as the plugin wrote them in the
	 * user's language: what an account editor would show. */
	json_builder_set_member_name(builder, "options");
	json_builder_begin_array(builder);
	for (GList *item = info != NULL ? info->protocol_options : NULL;
	     item != NULL; item = item->next)
		json_builder_add_string_value(
		    builder, purple_account_option_get_text(item->data));
	json_builder_end_array(builder);
	tw_runner_event_emit(builder);
}

void
tw_runner_keep_plugins_mapped(void)
{
	for (GList *item = purple_plugins_get_loaded(); item != NULL;
	     item = item->next) {
		PurplePlugin *plugin = item->data;
		void *handle;

		if (plugin->path == NULL || plugin->native_plugin == FALSE)
			continue;
		handle = dlopen(plugin->path,
				RTLD_LAZY | RTLD_NOLOAD | RTLD_NODELETE);
		/* Drop the reference this call added; NODELETE stays. */
		if (handle != NULL)
			dlclose(handle);
	}
}

gboolean
tw_runner_check_plugins(GPtrArray *specs, const char *plugin_dir)
{
	g_autoptr(GPtrArray) ids = g_ptr_array_new();
	gboolean twdm_needed = specs->len == 0;

	g_ptr_array_add(ids, TW_PLUGIN_ID);
	for (guint i = 0; i < specs->len; i++) {
		TwRunnerAccountSpec *spec = g_ptr_array_index(specs, i);

		if (g_str_equal(spec->protocol_id, TW_PLUGIN_ID))
			twdm_needed = TRUE;
		else if (!g_ptr_array_find_with_equal_func(
			     ids, spec->protocol_id, g_str_equal, NULL))
			g_ptr_array_add(ids, spec->protocol_id);
	}
	for (guint i = 0; i < ids->len; i++) {
		const char *id = g_ptr_array_index(ids, i);
		PurplePlugin *plugin = purple_plugins_find_with_id(id);
		g_autofree char *message = NULL;

		if (plugin != NULL && purple_plugin_is_loaded(plugin)) {
			g_autofree char *dir = g_path_get_dirname(plugin->path);

			if (g_str_equal(id, TW_PLUGIN_ID) &&
			    g_strcmp0(dir, plugin_dir) != 0)
				g_message("%s was loaded from %s, not from %s",
					  id, dir, plugin_dir);
			tw_runner_emit_plugin(plugin);
			continue;
		}
		message = g_strdup_printf(
		    "plugin %s is not loaded (plugin dir %s)%s%s", id,
		    plugin_dir, plugin != NULL ? ": " : "",
		    plugin != NULL && plugin->error != NULL ? plugin->error
							    : "");
		if (i == 0 && !twdm_needed) {
			g_message("%s", message);
			continue;
		}
		tw_runner_emit_error(message);
		return FALSE;
	}
	return TRUE;
}

JsonArray *
tw_runner_dup_waiting(PurpleAccount *account)
{
	PurplePlugin *plugin;
	gboolean ok = FALSE;
	g_autofree char *json = NULL;
	g_autoptr(JsonParser) parser = NULL;
	JsonNode *root;

	if (account == NULL ||
	    g_strcmp0(purple_account_get_protocol_id(account), TW_PLUGIN_ID) !=
		0)
		return NULL;
	plugin = purple_plugins_find_with_id(TW_PLUGIN_ID);
	if (plugin == NULL)
		return NULL;
	json = purple_plugin_ipc_call(plugin, TW_IPC_WAITING, &ok, account);
	if (!ok || json == NULL)
		return NULL;
	parser = json_parser_new();
	if (!json_parser_load_from_data(parser, json, -1, NULL))
		return NULL;
	root = json_parser_get_root(parser);
	if (!JSON_NODE_HOLDS_ARRAY(root))
		return NULL;
	return json_array_ref(json_node_get_array(root));
}

gint64
tw_runner_get_waiting_seconds(PurpleAccount *account, const char *conversation)
{
	PurplePlugin *plugin = purple_plugins_find_with_id(TW_PLUGIN_ID);
	gboolean ok = FALSE;
	int seconds;

	if (account == NULL || plugin == NULL || conversation == NULL ||
	    g_strcmp0(purple_account_get_protocol_id(account), TW_PLUGIN_ID) !=
		0)
		return -1;
	/* One lookup per message line: a 10,000-DM backlog must not build
	 * the whole list 10,000 times. */
	seconds = GPOINTER_TO_INT(purple_plugin_ipc_call(
	    plugin, TW_IPC_WAITING_SECONDS, &ok, account, conversation));
	return ok ? seconds : -1;
}
