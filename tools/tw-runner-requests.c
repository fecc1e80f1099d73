/*
 * tw-runner-requests: notices and questions.
 *
 * The notify and request UI ops: every notice, user info, input, action and
 * fields request becomes a JSON line with an id, and the "answer" command
 * answers it.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "config.h"

#include "tw-runner.h"

/* ------------------------------------------------------------------------
 * Notifications. Every op returns NULL, like bitlbee: the notice counts as
 * shown and closed at once.
 * ------------------------------------------------------------------------ */

static void *
tw_runner_notify_message(PurpleNotifyMsgType type, const char *title,
			 const char *primary, const char *secondary)
{
	static const char *const type_names[] = {
	    [PURPLE_NOTIFY_MSG_ERROR] = "error",
	    [PURPLE_NOTIFY_MSG_WARNING] = "warning",
	    [PURPLE_NOTIFY_MSG_INFO] = "info",
	};
	JsonBuilder *builder = tw_runner_event_new("notify");

	tw_runner_add_string(
	    builder, "type",
	    (guint)type < G_N_ELEMENTS(type_names) ? type_names[type] : "info");
	tw_runner_add_string(builder, "title", title);
	tw_runner_add_string(builder, "primary", primary);
	tw_runner_add_string(builder, "secondary", secondary);
	tw_runner_event_emit(builder);
	return NULL;
}

static void *
tw_runner_notify_formatted(const char *title, const char *primary,
			   const char *secondary, const char *text)
{
	JsonBuilder *builder = tw_runner_event_new("notify");
	g_autofree char *plain = purple_markup_strip_html(text);

	tw_runner_add_string(builder, "type", "info");
	tw_runner_add_string(builder, "title", title);
	tw_runner_add_string(builder, "primary", primary);
	tw_runner_add_string(builder, "secondary", secondary);
	tw_runner_add_string(builder, "text", plain);
	tw_runner_event_emit(builder);
	return NULL;
}

static void *
tw_runner_notify_userinfo(PurpleConnection *connection, const char *who,
			  PurpleNotifyUserInfo *user_info)
{
	JsonBuilder *builder = tw_runner_event_new("userinfo");

	tw_runner_add_account(builder,
			      purple_connection_get_account(connection));
	tw_runner_add_string(builder, "who", who);
	json_builder_set_member_name(builder, "info");
	json_builder_begin_object(builder);
	for (GList *item = purple_notify_user_info_get_entries(user_info);
	     item != NULL; item = item->next) {
		PurpleNotifyUserInfoEntry *entry = item->data;
		const char *label =
		    purple_notify_user_info_entry_get_label(entry);

		if (purple_notify_user_info_entry_get_type(entry) !=
			PURPLE_NOTIFY_USER_INFO_ENTRY_PAIR ||
		    label == NULL)
			continue;
		tw_runner_add_string(
		    builder, label,
		    purple_notify_user_info_entry_get_value(entry));
	}
	json_builder_end_object(builder);
	tw_runner_event_emit(builder);
	return NULL;
}

static void *
tw_runner_notify_uri(const char *uri)
{
	JsonBuilder *builder = tw_runner_event_new("notify-uri");

	tw_runner_add_string(builder, "uri", uri);
	tw_runner_event_emit(builder);
	return NULL;
}

PurpleNotifyUiOps tw_runner_notify_ops = {
    .notify_message = tw_runner_notify_message,
    .notify_formatted = tw_runner_notify_formatted,
    .notify_userinfo = tw_runner_notify_userinfo,
    .notify_uri = tw_runner_notify_uri,
};

/* ------------------------------------------------------------------------
 * Requests: questions are events, answers are commands
 * ------------------------------------------------------------------------ */

void
tw_runner_request_free(TwRunnerRequest *request)
{
	if (request->action_callbacks != NULL)
		g_array_unref(request->action_callbacks);
	if (request->fields != NULL)
		purple_request_fields_destroy(request->fields);
	g_free(request);
}

/* The ui handle is the id, never a pointer: ids are not reused, so a
 * handle that libpurple closes late cannot name a newer request. */
static TwRunnerRequest *
tw_runner_request_new(PurpleRequestType type, PurpleAccount *account,
		      void *user_data)
{
	TwRunnerRequest *request = g_new0(TwRunnerRequest, 1);

	tw_runner_note_question(account);
	request->id = ++tw_runner.next_request_id;
	request->type = type;
	request->user_data = user_data;
	g_hash_table_insert(tw_runner.requests, GUINT_TO_POINTER(request->id),
			    request);
	return request;
}

static JsonBuilder *
tw_runner_request_event_new(const char *name, TwRunnerRequest *request,
			    PurpleAccount *account, const char *who,
			    const char *title, const char *primary,
			    const char *secondary)
{
	JsonBuilder *builder = tw_runner_event_new(name);

	tw_runner_add_int(builder, "id", request->id);
	tw_runner_add_account(builder, account);
	tw_runner_add_string(builder, "who", who);
	tw_runner_add_string(builder, "title", title);
	tw_runner_add_string(builder, "primary", primary);
	tw_runner_add_string(builder, "secondary", secondary);
	return builder;
}

/* "_Yes" → "Yes": labels carry GTK mnemonics. */
static char *
tw_runner_strip_mnemonic(const char *label)
{
	GString *text = g_string_new(NULL);

	for (const char *c = label; c != NULL && *c != '\0'; c++) {
		if (*c == '_' && c[1] != '\0')
			c++;
		g_string_append_c(text, *c);
	}
	return g_string_free(text, FALSE);
}

static void *
tw_runner_request_input(const char *title, const char *primary,
			const char *secondary, const char *default_value,
			gboolean multiline, gboolean masked, gchar *hint,
			const char *ok_text, GCallback ok_cb,
			const char *cancel_text, GCallback cancel_cb,
			PurpleAccount *account, const char *who,
			PurpleConversation *conv, void *user_data)
{
	TwRunnerRequest *request =
	    tw_runner_request_new(PURPLE_REQUEST_INPUT, account, user_data);
	JsonBuilder *builder;

	request->ok_callback = ok_cb;
	request->cancel_callback = cancel_cb;
	builder = tw_runner_request_event_new("request-input", request, account,
					      who, title, primary, secondary);
	/* A masked default is a secret (a password): never print it. */
	if (!masked)
		tw_runner_add_string(builder, "default", default_value);
	tw_runner_add_bool(builder, "masked", masked);
	tw_runner_add_bool(builder, "multiline", multiline);
	tw_runner_event_emit(builder);
	return GUINT_TO_POINTER(request->id);
}

static void *
tw_runner_request_action(const char *title, const char *primary,
			 const char *secondary, int default_action,
			 PurpleAccount *account, const char *who,
			 PurpleConversation *conv, void *user_data,
			 size_t action_count, va_list actions)
{
	TwRunnerRequest *request =
	    tw_runner_request_new(PURPLE_REQUEST_ACTION, account, user_data);
	JsonBuilder *builder;

	request->action_callbacks =
	    g_array_sized_new(FALSE, TRUE, sizeof(GCallback), action_count);
	builder = tw_runner_request_event_new(
	    "request-action", request, account, who, title, primary, secondary);
	tw_runner_add_int(builder, "default", default_action);
	json_builder_set_member_name(builder, "actions");
	json_builder_begin_array(builder);
	for (size_t i = 0; i < action_count; i++) {
		const char *label = va_arg(actions, const char *);
		GCallback callback = va_arg(actions, GCallback);
		g_autofree char *plain = tw_runner_strip_mnemonic(label);

		g_array_append_val(request->action_callbacks, callback);
		json_builder_add_string_value(builder, plain);
	}
	json_builder_end_array(builder);
	tw_runner_event_emit(builder);
	return GUINT_TO_POINTER(request->id);
}

const char *
tw_runner_field_type_name(PurpleRequestFieldType type)
{
	switch (type) {
	case PURPLE_REQUEST_FIELD_STRING:
		return "string";
	case PURPLE_REQUEST_FIELD_INTEGER:
		return "integer";
	case PURPLE_REQUEST_FIELD_BOOLEAN:
		return "boolean";
	case PURPLE_REQUEST_FIELD_CHOICE:
		return "choice";
	case PURPLE_REQUEST_FIELD_LIST:
		return "list";
	case PURPLE_REQUEST_FIELD_LABEL:
		return "label";
	case PURPLE_REQUEST_FIELD_IMAGE:
		return "image";
	case PURPLE_REQUEST_FIELD_ACCOUNT:
		return "account";
	default:
		return "none";
	}
}

static void
tw_runner_add_field(JsonBuilder *builder, PurpleRequestField *field)
{
	PurpleRequestFieldType type = purple_request_field_get_type(field);

	json_builder_begin_object(builder);
	tw_runner_add_string(builder, "id", purple_request_field_get_id(field));
	tw_runner_add_string(builder, "type", tw_runner_field_type_name(type));
	tw_runner_add_string(builder, "label",
			     purple_request_field_get_label(field));
	tw_runner_add_bool(builder, "required",
			   purple_request_field_is_required(field));
	switch (type) {
	case PURPLE_REQUEST_FIELD_STRING:
		tw_runner_add_bool(
		    builder, "masked",
		    purple_request_field_string_is_masked(field));
		if (!purple_request_field_string_is_masked(field))
			tw_runner_add_string(
			    builder, "default",
			    purple_request_field_string_get_default_value(
				field));
		break;
	case PURPLE_REQUEST_FIELD_INTEGER:
		tw_runner_add_int(
		    builder, "default",
		    purple_request_field_int_get_default_value(field));
		break;
	case PURPLE_REQUEST_FIELD_BOOLEAN:
		tw_runner_add_bool(
		    builder, "default",
		    purple_request_field_bool_get_default_value(field));
		break;
	case PURPLE_REQUEST_FIELD_CHOICE:
		tw_runner_add_int(
		    builder, "default",
		    purple_request_field_choice_get_default_value(field));
		json_builder_set_member_name(builder, "choices");
		json_builder_begin_array(builder);
		for (GList *label =
			 purple_request_field_choice_get_labels(field);
		     label != NULL; label = label->next)
			json_builder_add_string_value(builder, label->data);
		json_builder_end_array(builder);
		break;
	case PURPLE_REQUEST_FIELD_LIST:
		tw_runner_add_bool(
		    builder, "multiple",
		    purple_request_field_list_get_multi_select(field));
		json_builder_set_member_name(builder, "items");
		json_builder_begin_array(builder);
		for (GList *item = purple_request_field_list_get_items(field);
		     item != NULL; item = item->next)
			json_builder_add_string_value(builder, item->data);
		json_builder_end_array(builder);
		break;
	default:
		break;
	}
	json_builder_end_object(builder);
}

static void *
tw_runner_request_fields(const char *title, const char *primary,
			 const char *secondary, PurpleRequestFields *fields,
			 const char *ok_text, GCallback ok_cb,
			 const char *cancel_text, GCallback cancel_cb,
			 PurpleAccount *account, const char *who,
			 PurpleConversation *conv, void *user_data)
{
	TwRunnerRequest *request =
	    tw_runner_request_new(PURPLE_REQUEST_FIELDS, account, user_data);
	JsonBuilder *builder;

	request->ok_callback = ok_cb;
	request->cancel_callback = cancel_cb;
	request->fields = fields;
	builder = tw_runner_request_event_new(
	    "request-fields", request, account, who, title, primary, secondary);
	json_builder_set_member_name(builder, "fields");
	json_builder_begin_array(builder);
	for (GList *group = purple_request_fields_get_groups(fields);
	     group != NULL; group = group->next) {
		for (GList *field =
			 purple_request_field_group_get_fields(group->data);
		     field != NULL; field = field->next) {
			if (purple_request_field_is_visible(field->data))
				tw_runner_add_field(builder, field->data);
		}
	}
	json_builder_end_array(builder);
	tw_runner_event_emit(builder);
	return GUINT_TO_POINTER(request->id);
}

static void
tw_runner_close_request(PurpleRequestType type, void *ui_handle)
{
	guint id = GPOINTER_TO_UINT(ui_handle);
	JsonBuilder *builder;

	if (!g_hash_table_remove(tw_runner.requests, GUINT_TO_POINTER(id)))
		return;
	builder = tw_runner_event_new("request-closed");
	tw_runner_add_int(builder, "id", id);
	tw_runner_event_emit(builder);
}

PurpleRequestUiOps tw_runner_request_ops = {
    .request_input = tw_runner_request_input,
    .request_action = tw_runner_request_action,
    .request_fields = tw_runner_request_fields,
    .close_request = tw_runner_close_request,
};
