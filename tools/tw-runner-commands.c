/*
 * tw-runner-commands: the JSON lines the runner reads.
 *
 * Reading stdin line by line and running each command (connect, actions,
 * buddies, block, quit, ...) against libpurple; the commands that send are
 * in tw-runner-send.c.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "config.h"

#include "tw-runner.h"

/* ------------------------------------------------------------------------
 * Commands
 * ------------------------------------------------------------------------ */

const char *
tw_runner_get_string(JsonObject *command, const char *key)
{
	JsonNode *node = json_object_get_member(command, key);

	if (node == NULL || !JSON_NODE_HOLDS_VALUE(node) ||
	    json_node_get_value_type(node) != G_TYPE_STRING)
		return NULL;
	return json_node_get_string(node);
}

static gboolean
tw_runner_get_int(JsonObject *command, const char *key, gint64 *value)
{
	JsonNode *node = json_object_get_member(command, key);

	if (node == NULL || !JSON_NODE_HOLDS_VALUE(node) ||
	    json_node_get_value_type(node) != G_TYPE_INT64)
		return FALSE;
	*value = json_node_get_int(node);
	return TRUE;
}

/* The "account" member names one of the runner's accounts; it may be left
 * out when there is exactly one. */
static PurpleAccount *
tw_runner_command_account(JsonObject *command)
{
	const char *username = tw_runner_get_string(command, "account");

	if (username == NULL) {
		if (json_object_has_member(command, "account")) {
			tw_runner_emit_command_error(
			    "\"account\" must be a string");
			return NULL;
		}
		if (tw_runner.account_order->len == 1)
			return g_ptr_array_index(tw_runner.account_order, 0);
		tw_runner_emit_command_error(
		    "\"account\" is required when the runner has %u "
		    "accounts",
		    tw_runner.account_order->len);
		return NULL;
	}
	for (guint i = 0; i < tw_runner.account_order->len; i++) {
		PurpleAccount *account =
		    g_ptr_array_index(tw_runner.account_order, i);
		g_autofree char *wanted =
		    g_strdup(purple_normalize(account, username));

		if (g_strcmp0(wanted, purple_normalize(
					  account, purple_account_get_username(
						       account))) == 0)
			return account;
	}
	tw_runner_emit_command_error("unknown account \"%s\"", username);
	return NULL;
}

PurpleConnection *
tw_runner_command_connection(JsonObject *command, PurpleAccount **account)
{
	PurpleConnection *connection;

	*account = tw_runner_command_account(command);
	if (*account == NULL)
		return NULL;
	connection = purple_account_get_connection(*account);
	if (connection == NULL ||
	    purple_connection_get_state(connection) != PURPLE_CONNECTED) {
		tw_runner_emit_command_error(
		    "account \"%s\" is not signed on",
		    purple_account_get_username(*account));
		return NULL;
	}
	return connection;
}

/* As choosing a status in Pidgin's status box, with Preferences' "Auto-reply"
 * ("auto_reply": never, away or awayidle) when given. */
static void
tw_runner_command_status(JsonObject *command)
{
	PurpleAccount *account = tw_runner_command_account(command);
	const char *id = tw_runner_get_string(command, "status");
	const char *message = tw_runner_get_string(command, "message");
	const char *auto_reply = tw_runner_get_string(command, "auto_reply");
	const char *const auto_replies[] = {"never", "away", "awayidle"};
	JsonBuilder *builder;

	if (account == NULL)
		return;
	if (id == NULL || purple_account_get_status_type(account, id) == NULL) {
		tw_runner_emit_command_error(
		    "\"status\" must name a status of the account");
		return;
	}
	if (auto_reply != NULL) {
		if (!g_strv_contains(auto_replies, auto_reply)) {
			tw_runner_emit_command_error(
			    "\"auto_reply\" must be never, away or awayidle");
			return;
		}
		purple_prefs_set_string("/purple/away/auto_reply", auto_reply);
	}
	if (message != NULL)
		purple_account_set_status(account, id, TRUE, "message", message,
					  NULL);
	else
		purple_account_set_status(account, id, TRUE, NULL);
	builder = tw_runner_event_new("status");
	tw_runner_add_account(builder, account);
	tw_runner_add_string(
	    builder, "status",
	    purple_status_get_id(purple_account_get_active_status(account)));
	tw_runner_add_string(
	    builder, "auto_reply",
	    purple_prefs_get_string("/purple/away/auto_reply"));
	tw_runner_event_emit(builder);
}

/* As Pidgin's "Invite" in a chat window (serv_chat_invite()). */
static void
tw_runner_command_chat_invite(JsonObject *command)
{
	PurpleAccount *account;
	PurpleConnection *connection =
	    tw_runner_command_connection(command, &account);
	const char *name = tw_runner_get_string(command, "conversation");
	const char *who = tw_runner_get_string(command, "who");
	PurpleConversation *conv;

	if (connection == NULL)
		return;
	if (name == NULL || who == NULL) {
		tw_runner_emit_command_error(
		    "\"conversation\" and \"who\" must be strings");
		return;
	}
	conv = purple_find_conversation_with_account(PURPLE_CONV_TYPE_CHAT,
						     name, account);
	if (conv == NULL || purple_conv_chat_has_left(PURPLE_CONV_CHAT(conv))) {
		tw_runner_emit_command_error("no joined chat \"%s\"", name);
		return;
	}
	serv_chat_invite(connection,
			 purple_conv_chat_get_id(PURPLE_CONV_CHAT(conv)), NULL,
			 who);
}

static gboolean
tw_runner_set_field(PurpleRequestField *field, JsonNode *value)
{
	GType value_type = JSON_NODE_HOLDS_VALUE(value)
			       ? json_node_get_value_type(value)
			       : G_TYPE_INVALID;

	switch (purple_request_field_get_type(field)) {
	case PURPLE_REQUEST_FIELD_STRING:
		if (value_type != G_TYPE_STRING)
			return FALSE;
		purple_request_field_string_set_value(
		    field, json_node_get_string(value));
		return TRUE;
	case PURPLE_REQUEST_FIELD_INTEGER:
		if (value_type != G_TYPE_INT64)
			return FALSE;
		purple_request_field_int_set_value(field,
						   json_node_get_int(value));
		return TRUE;
	case PURPLE_REQUEST_FIELD_BOOLEAN:
		if (value_type != G_TYPE_BOOLEAN)
			return FALSE;
		purple_request_field_bool_set_value(
		    field, json_node_get_boolean(value));
		return TRUE;
	case PURPLE_REQUEST_FIELD_CHOICE:
		if (value_type != G_TYPE_INT64 ||
		    json_node_get_int(value) < 0 ||
		    json_node_get_int(value) >=
			g_list_length(
			    purple_request_field_choice_get_labels(field)))
			return FALSE;
		purple_request_field_choice_set_value(
		    field, (int)json_node_get_int(value));
		return TRUE;
	case PURPLE_REQUEST_FIELD_LIST:
		if (value_type != G_TYPE_STRING ||
		    !g_list_find_custom(
			purple_request_field_list_get_items(field),
			json_node_get_string(value), (GCompareFunc)strcmp))
			return FALSE;
		purple_request_field_list_clear_selected(field);
		purple_request_field_list_add_selected(
		    field, json_node_get_string(value));
		return TRUE;
	default:
		return FALSE;
	}
}

static gboolean
tw_runner_fill_fields(TwRunnerRequest *request, JsonObject *values)
{
	GList *names = json_object_get_members(values);
	gboolean filled = TRUE;

	for (GList *name = names; name != NULL && filled; name = name->next) {
		/* get_field() warns about unknown ids; exists() does not. */
		PurpleRequestField *field =
		    purple_request_fields_exists(request->fields, name->data)
			? purple_request_fields_get_field(request->fields,
							  name->data)
			: NULL;

		if (field == NULL) {
			tw_runner_emit_command_error(
			    "request %u has no field \"%s\"", request->id,
			    (const char *)name->data);
			filled = FALSE;
		} else if (!tw_runner_set_field(
			       field,
			       json_object_get_member(values, name->data))) {
			tw_runner_emit_command_error(
			    "bad value for %s field \"%s\"",
			    tw_runner_field_type_name(
				purple_request_field_get_type(field)),
			    (const char *)name->data);
			filled = FALSE;
		}
	}
	g_list_free(names);
	if (filled &&
	    !purple_request_fields_all_required_filled(request->fields)) {
		tw_runner_emit_command_error(
		    "request %u: a required field is empty", request->id);
		filled = FALSE;
	}
	return filled;
}

static void
tw_runner_command_answer(JsonObject *command)
{
	gint64 id = 0;
	gint64 action = 0;
	TwRunnerRequest *request;
	gboolean cancel = json_object_has_member(command, "cancel") &&
			  json_object_get_boolean_member(command, "cancel");
	const char *text = tw_runner_get_string(command, "text");
	JsonNode *fields_node = json_object_get_member(command, "fields");
	PurpleRequestType type;
	void *user_data;

	if (!tw_runner_get_int(command, "id", &id) || id <= 0 ||
	    id > G_MAXUINT) {
		tw_runner_emit_command_error("\"id\" must be a request id");
		return;
	}
	request = g_hash_table_lookup(tw_runner.requests,
				      GUINT_TO_POINTER((guint)id));
	if (request == NULL) {
		tw_runner_emit_command_error(
		    "no open request %" G_GINT64_FORMAT, id);
		return;
	}
	type = request->type;
	user_data = request->user_data;

	/* Copy what the callback needs first: the callback may close the
	 * request itself, which frees it. */
	switch (type) {
	case PURPLE_REQUEST_INPUT: {
		GCallback callback =
		    cancel ? request->cancel_callback : request->ok_callback;

		if (!cancel && text == NULL) {
			tw_runner_emit_command_error(
			    "request %u needs \"text\" or \"cancel\"",
			    request->id);
			return;
		}
		if (callback != NULL)
			((PurpleRequestInputCb)callback)(
			    user_data, text != NULL ? text : "");
		break;
	}
	case PURPLE_REQUEST_ACTION: {
		GCallback callback = NULL;

		if (!cancel) {
			if (!tw_runner_get_int(command, "action", &action) ||
			    action < 0 ||
			    action >= request->action_callbacks->len) {
				tw_runner_emit_command_error(
				    "request %u needs \"action\" from 0 "
				    "to %u",
				    request->id,
				    request->action_callbacks->len - 1);
				return;
			}
			callback = g_array_index(request->action_callbacks,
						 GCallback, action);
		}
		if (callback != NULL)
			((PurpleRequestActionCb)callback)(user_data,
							  (int)action);
		break;
	}
	case PURPLE_REQUEST_FIELDS: {
		GCallback callback =
		    cancel ? request->cancel_callback : request->ok_callback;
		PurpleRequestFields *fields = request->fields;

		if (!cancel) {
			if (fields_node != NULL &&
			    !JSON_NODE_HOLDS_OBJECT(fields_node)) {
				tw_runner_emit_command_error(
				    "\"fields\" must be an object");
				return;
			}
			if (fields_node != NULL &&
			    !tw_runner_fill_fields(
				request, json_node_get_object(fields_node)))
				return;
		}
		if (callback != NULL)
			((PurpleRequestFieldsCb)callback)(user_data, fields);
		break;
	}
	default:
		tw_runner_emit_command_error("request %u cannot be answered",
					     request->id);
		return;
	}
	purple_request_close(type, GUINT_TO_POINTER((guint)id));
}

static void
tw_runner_command_disconnect(JsonObject *command)
{
	PurpleAccount *account = tw_runner_command_account(command);
	TwRunnerAccount *state;

	if (account == NULL)
		return;
	state = tw_runner_account_lookup(account);
	tw_runner_account_cancel_reconnect(state);
	state->reconnect_delay = tw_runner.reconnect_delay;
	if (purple_account_is_disconnected(account)) {
		tw_runner_emit_command_error(
		    "account \"%s\" is not connected",
		    purple_account_get_username(account));
		return;
	}
	purple_account_disconnect(account);
}

static void
tw_runner_command_connect(JsonObject *command)
{
	PurpleAccount *account = tw_runner_command_account(command);
	TwRunnerAccount *state;

	if (account == NULL)
		return;
	state = tw_runner_account_lookup(account);
	tw_runner_account_cancel_reconnect(state);
	state->reconnect_delay = tw_runner.reconnect_delay;
	if (!purple_account_is_disconnected(account)) {
		tw_runner_emit_command_error(
		    "account \"%s\" is already connected",
		    purple_account_get_username(account));
		return;
	}
	tw_runner_account_sign_on(account);
}

static GList *
tw_runner_account_actions(PurpleConnection *connection, PurplePlugin **prpl)
{
	*prpl = purple_connection_get_prpl(connection);
	if (*prpl == NULL || !PURPLE_PLUGIN_HAS_ACTIONS(*prpl))
		return NULL;
	return PURPLE_PLUGIN_ACTIONS(*prpl, connection);
}

static void
tw_runner_free_actions(GList *actions)
{
	for (GList *item = actions; item != NULL; item = item->next) {
		if (item->data != NULL)
			purple_plugin_action_free(item->data);
	}
	g_list_free(actions);
}

static void
tw_runner_command_actions(JsonObject *command)
{
	PurpleAccount *account;
	PurpleConnection *connection =
	    tw_runner_command_connection(command, &account);
	PurplePlugin *prpl;
	GList *actions;
	JsonBuilder *builder;

	if (connection == NULL)
		return;
	actions = tw_runner_account_actions(connection, &prpl);
	builder = tw_runner_event_new("actions");
	tw_runner_add_account(builder, account);
	json_builder_set_member_name(builder, "actions");
	json_builder_begin_array(builder);
	for (GList *item = actions; item != NULL; item = item->next) {
		PurplePluginAction *action = item->data;

		/* NULL entries are menu separators. */
		if (action != NULL)
			json_builder_add_string_value(builder, action->label);
	}
	json_builder_end_array(builder);
	tw_runner_event_emit(builder);
	tw_runner_free_actions(actions);
}

static void
tw_runner_command_action(JsonObject *command)
{
	PurpleAccount *account;
	PurpleConnection *connection =
	    tw_runner_command_connection(command, &account);
	const char *name = tw_runner_get_string(command, "name");
	PurplePlugin *prpl;
	GList *actions;
	PurplePluginAction *found = NULL;

	if (connection == NULL)
		return;
	if (name == NULL) {
		tw_runner_emit_command_error("\"name\" must be a string");
		return;
	}
	actions = tw_runner_account_actions(connection, &prpl);
	for (GList *item = actions; item != NULL && found == NULL;
	     item = item->next) {
		PurplePluginAction *action = item->data;

		if (action != NULL && g_strcmp0(action->label, name) == 0)
			found = action;
	}
	if (found == NULL) {
		tw_runner_emit_command_error(
		    "account \"%s\" has no action "
		    "\"%s\"",
		    purple_account_get_username(account), name);
	} else if (found->callback != NULL) {
		/* As Pidgin's account menu does it. */
		found->plugin = prpl;
		found->context = connection;
		found->callback(found);
	}
	tw_runner_free_actions(actions);
}

static void
tw_runner_command_get_info(JsonObject *command)
{
	PurpleAccount *account;
	PurpleConnection *connection =
	    tw_runner_command_connection(command, &account);
	const char *who = tw_runner_get_string(command, "who");

	if (connection == NULL)
		return;
	if (who == NULL || *who == '\0') {
		tw_runner_emit_command_error(
		    "\"who\" must be a non-empty string");
		return;
	}
	serv_get_info(connection, who);
}

/* What the buddy list shows of each of the account's buddies. */
static void
tw_runner_command_buddies(JsonObject *command)
{
	PurpleAccount *account = tw_runner_command_account(command);
	GSList *buddies;
	JsonBuilder *builder;

	if (account == NULL)
		return;
	buddies = purple_find_buddies(account, NULL);
	builder = tw_runner_event_new("buddies");
	tw_runner_add_account(builder, account);
	json_builder_set_member_name(builder, "buddies");
	json_builder_begin_array(builder);
	for (GSList *item = buddies; item != NULL; item = item->next) {
		PurpleBuddy *buddy = item->data;
		PurpleGroup *group = purple_buddy_get_group(buddy);
		PurpleStatus *status = purple_presence_get_active_status(
		    purple_buddy_get_presence(buddy));

		json_builder_begin_object(builder);
		tw_runner_add_string(builder, "name",
				     purple_buddy_get_name(buddy));
		tw_runner_add_string(builder, "alias",
				     purple_buddy_get_alias(buddy));
		tw_runner_add_string(
		    builder, "group",
		    group != NULL ? purple_group_get_name(group) : NULL);
		tw_runner_add_string(
		    builder, "status",
		    status != NULL ? purple_status_get_id(status) : NULL);
		tw_runner_add_string(
		    builder, "status_message",
		    status != NULL
			? purple_status_get_attr_string(status, "message")
			: NULL);
		tw_runner_add_string(
		    builder, "icon_checksum",
		    purple_buddy_icons_get_checksum_for_user(buddy));
		json_builder_end_object(builder);
	}
	json_builder_end_array(builder);
	tw_runner_event_emit(builder);
	g_slist_free(buddies);
}

/* As Pidgin's "Join a Chat": the components are the protocol's chat_info
 * fields. */
static void
tw_runner_command_join_chat(JsonObject *command)
{
	PurpleAccount *account;
	PurpleConnection *connection =
	    tw_runner_command_connection(command, &account);
	JsonObject *fields;
	GHashTable *components;
	g_autoptr(GList) names = NULL;

	if (connection == NULL)
		return;
	if (!json_object_has_member(command, "components") ||
	    !JSON_NODE_HOLDS_OBJECT(
		json_object_get_member(command, "components"))) {
		tw_runner_emit_command_error(
		    "\"components\" must be an object");
		return;
	}
	fields = json_object_get_object_member(command, "components");
	components =
	    g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	names = json_object_get_members(fields);
	for (GList *name = names; name != NULL; name = name->next) {
		const char *value = json_object_get_string_member_with_default(
		    fields, name->data, NULL);

		if (value != NULL)
			g_hash_table_insert(components, g_strdup(name->data),
					    g_strdup(value));
	}
	serv_join_chat(connection, components);
	g_hash_table_destroy(components);
}

/* As Pidgin's "Add Buddy": into the protocol's default group. */
static void
tw_runner_command_add_buddy(JsonObject *command)
{
	PurpleAccount *account = tw_runner_command_account(command);
	const char *who = tw_runner_get_string(command, "who");
	const char *group_name = tw_runner_get_string(command, "group");
	PurpleGroup *group;
	PurpleBuddy *buddy;

	if (account == NULL)
		return;
	if (who == NULL || *who == '\0') {
		tw_runner_emit_command_error(
		    "\"who\" must be a non-empty string");
		return;
	}
	if (group_name == NULL)
		group_name = "Buddies";
	group = purple_find_group(group_name);
	if (group == NULL) {
		group = purple_group_new(group_name);
		purple_blist_add_group(group, NULL);
	}
	buddy = purple_buddy_new(account, who, NULL);
	purple_blist_add_buddy(buddy, NULL, group, NULL);
	purple_account_add_buddy(account, buddy);
}

/* As Pidgin's "Block" and "Unblock" (purple_privacy_deny/allow). */
static void
tw_runner_command_privacy(JsonObject *command, gboolean block)
{
	PurpleAccount *account = tw_runner_command_account(command);
	const char *who = tw_runner_get_string(command, "who");

	if (account == NULL)
		return;
	if (who == NULL || *who == '\0') {
		tw_runner_emit_command_error(
		    "\"who\" must be a non-empty string");
		return;
	}
	if (block)
		purple_privacy_deny(account, who, FALSE, FALSE);
	else
		purple_privacy_allow(account, who, FALSE, FALSE);
}

static void
tw_runner_command_block(JsonObject *command)
{
	tw_runner_command_privacy(command, TRUE);
}

static void
tw_runner_command_unblock(JsonObject *command)
{
	tw_runner_command_privacy(command, FALSE);
}

static void
tw_runner_command_quit(JsonObject *command)
{
	tw_runner_request_quit();
}

/* As Pidgin's "Delete" in the account list: the account is signed off,
 * forgotten by libpurple and gone from accounts.xml. */
static void
tw_runner_command_remove_account(JsonObject *command)
{
	PurpleAccount *account = tw_runner_command_account(command);
	g_autofree char *username = NULL;
	JsonBuilder *builder;

	if (account == NULL)
		return;
	username = g_strdup(purple_account_get_username(account));
	g_hash_table_remove(tw_runner.accounts, account);
	g_ptr_array_remove(tw_runner.account_order, account);
	purple_accounts_delete(account);

	builder = tw_runner_event_new("account-removed");
	tw_runner_add_string(builder, "account", username);
	tw_runner_event_emit(builder);
}

static const struct {
	const char *name;
	void (*handler)(JsonObject *command);
} tw_runner_commands[] = {
    {"send", tw_runner_command_send},
    {"chat-send", tw_runner_command_chat_send},
    {"send-file", tw_runner_command_send_file},
    {"command", tw_runner_command_slash},
    {"waiting", tw_runner_command_waiting},
    {"status", tw_runner_command_status},
    {"answer", tw_runner_command_answer},
    {"disconnect", tw_runner_command_disconnect},
    {"connect", tw_runner_command_connect},
    {"actions", tw_runner_command_actions},
    {"action", tw_runner_command_action},
    {"get-info", tw_runner_command_get_info},
    {"buddies", tw_runner_command_buddies},
    {"add-buddy", tw_runner_command_add_buddy},
    {"join-chat", tw_runner_command_join_chat},
    {"chat-invite", tw_runner_command_chat_invite},
    {"block", tw_runner_command_block},
    {"unblock", tw_runner_command_unblock},
    {"quit", tw_runner_command_quit},
    {"remove-account", tw_runner_command_remove_account},
};

static void
tw_runner_handle_command(const char *line)
{
	g_autoptr(JsonParser) parser = json_parser_new();
	g_autoptr(GError) error = NULL;
	JsonNode *root;
	JsonObject *command;
	const char *name;

	if (!json_parser_load_from_data(parser, line, -1, &error)) {
		tw_runner_emit_command_error("not JSON: %s", error->message);
		return;
	}
	root = json_parser_get_root(parser);
	if (root == NULL || !JSON_NODE_HOLDS_OBJECT(root)) {
		tw_runner_emit_command_error("a command is a JSON object");
		return;
	}
	command = json_node_get_object(root);
	name = tw_runner_get_string(command, "cmd");
	if (name == NULL) {
		tw_runner_emit_command_error("\"cmd\" must be a string");
		return;
	}
	if (tw_runner.quit_requested)
		return;
	for (gsize i = 0; i < G_N_ELEMENTS(tw_runner_commands); i++) {
		if (g_str_equal(name, tw_runner_commands[i].name)) {
			tw_runner_commands[i].handler(command);
			return;
		}
	}
	tw_runner_emit_command_error("unknown command \"%s\"", name);
}

static void
tw_runner_stdin_closed(void)
{
	tw_runner.stdin_source = 0;
	if (!tw_runner.has_duration)
		tw_runner_request_quit();
}

static gboolean
tw_runner_stdin_cb(GIOChannel *channel, GIOCondition condition, gpointer data)
{
	for (;;) {
		g_autofree char *line = NULL;
		g_autoptr(GError) error = NULL;
		gsize length = 0;
		GIOStatus status = g_io_channel_read_line(
		    channel, &line, &length, NULL, &error);

		if (status == G_IO_STATUS_NORMAL) {
			g_strchomp(line);
			if (*line != '\0')
				tw_runner_handle_command(line);
			continue;
		}
		if (status == G_IO_STATUS_AGAIN)
			return G_SOURCE_CONTINUE;
		if (status == G_IO_STATUS_ERROR) {
			tw_runner_emit_command_error("cannot read stdin: %s",
						     error->message);
		}
		tw_runner_stdin_closed();
		return G_SOURCE_REMOVE;
	}
}

void
tw_runner_watch_stdin(void)
{
	tw_runner.stdin_channel = g_io_channel_unix_new(STDIN_FILENO);
	/* Commands are UTF-8 JSON; bytes that are not become a command
	 * error rather than a stuck channel. */
	g_io_channel_set_encoding(tw_runner.stdin_channel, NULL, NULL);
	/* Non-blocking, so a partial line never blocks the loop; the flags
	 * are restored at exit, since a terminal shares them with the
	 * shell. */
	tw_runner.stdin_flags = fcntl(STDIN_FILENO, F_GETFL);
	if (tw_runner.stdin_flags != -1)
		fcntl(STDIN_FILENO, F_SETFL,
		      tw_runner.stdin_flags | O_NONBLOCK);
	tw_runner.stdin_source = g_io_add_watch(
	    tw_runner.stdin_channel, G_IO_IN | G_IO_HUP | G_IO_ERR | G_IO_NVAL,
	    tw_runner_stdin_cb, NULL);
}

void
tw_runner_unwatch_stdin(void)
{
	g_clear_handle_id(&tw_runner.stdin_source, g_source_remove);
	if (tw_runner.stdin_channel == NULL)
		return;
	if (tw_runner.stdin_flags != -1)
		fcntl(STDIN_FILENO, F_SETFL, tw_runner.stdin_flags);
	g_clear_pointer(&tw_runner.stdin_channel, g_io_channel_unref);
}
