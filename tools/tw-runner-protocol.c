/*
 * tw-runner-protocol: the JSON lines the runner writes.
 *
 * Building and writing events, errors and log lines on stdout, one JSON
 * object per line, as tools/RUNNER.md documents.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "config.h"

#include "tw-runner.h"

static void
tw_runner_write_line(const char *line)
{
	if (fputs(line, stdout) == EOF || fputc('\n', stdout) == EOF ||
	    fflush(stdout) == EOF) {
		/* Nobody reads our events any more: stop like on SIGTERM. */
		if (!tw_runner.quit_requested)
			g_message("stdout closed (%s), quitting",
				  g_strerror(errno));
		tw_runner_request_quit();
	}
}

void
tw_runner_add_string(JsonBuilder *builder, const char *key, const char *value)
{
	if (value == NULL)
		return;
	json_builder_set_member_name(builder, key);
	if (g_utf8_validate(value, -1, NULL)) {
		json_builder_add_string_value(builder, value);
	} else {
		g_autofree char *valid = g_utf8_make_valid(value, -1);

		json_builder_add_string_value(builder, valid);
	}
}

void
tw_runner_add_int(JsonBuilder *builder, const char *key, gint64 value)
{
	json_builder_set_member_name(builder, key);
	json_builder_add_int_value(builder, value);
}

void
tw_runner_add_bool(JsonBuilder *builder, const char *key, gboolean value)
{
	json_builder_set_member_name(builder, key);
	json_builder_add_boolean_value(builder, value);
}

void
tw_runner_add_seconds(JsonBuilder *builder, const char *key, double seconds)
{
	json_builder_set_member_name(builder, key);
	if (seconds == (double)(gint64)seconds)
		json_builder_add_int_value(builder, (gint64)seconds);
	else
		json_builder_add_double_value(builder, seconds);
}

void
tw_runner_add_account(JsonBuilder *builder, PurpleAccount *account)
{
	if (account != NULL)
		tw_runner_add_string(builder, "account",
				     purple_account_get_username(account));
}

JsonBuilder *
tw_runner_event_new(const char *name)
{
	JsonBuilder *builder = json_builder_new();

	json_builder_begin_object(builder);
	tw_runner_add_string(builder, "event", name);
	return builder;
}

static char *
tw_runner_format_clock(gint64 unix_seconds)
{
	g_autoptr(GDateTime) time =
	    g_date_time_new_from_unix_local(unix_seconds);

	if (time == NULL)
		time = g_date_time_new_now_local();
	return g_date_time_format(time, "%H:%M:%S");
}

static char *
tw_runner_node_to_text(JsonNode *node)
{
	if (JSON_NODE_HOLDS_VALUE(node) &&
	    json_node_get_value_type(node) == G_TYPE_STRING)
		return g_strdup(json_node_get_string(node));
	return json_to_string(node, FALSE);
}

/* The human-readable form of an event, for the demo and for people. */
static char *
tw_runner_event_to_text(JsonObject *event)
{
	const char *name = json_object_get_string_member(event, "event");
	const char *account =
	    json_object_has_member(event, "account")
		? json_object_get_string_member(event, "account")
		: NULL;
	g_autofree char *clock = NULL;
	GString *text = g_string_new(NULL);

	if (g_strcmp0(name, "message") == 0) {
		JsonArray *flags = json_object_get_array_member(event, "flags");
		const char *type = json_object_get_string_member(event, "type");
		const char *who = json_object_get_string_member(event, "who");
		const char *conversation =
		    json_object_get_string_member(event, "conversation");
		const char *marker = "";

		for (guint i = 0; i < json_array_get_length(flags); i++) {
			const char *flag =
			    json_array_get_string_element(flags, i);

			if (g_strcmp0(flag, "error") == 0)
				marker = "(error) ";
			else if (g_strcmp0(flag, "system") == 0 &&
				 *marker == '\0')
				marker = "(system) ";
		}
		clock = tw_runner_format_clock(
		    json_object_get_int_member(event, "time"));
		g_string_append_printf(text, "[%s] %s ", clock, account);
		/* Say where the line went when the sender alone does not. */
		if (g_strcmp0(type, "chat") == 0)
			g_string_append_printf(text, "[%s] <%s> ", conversation,
					       who);
		else if (g_strcmp0(who, conversation) != 0)
			g_string_append_printf(text, "<%s -> %s> ", who,
					       conversation);
		else
			g_string_append_printf(text, "<%s> ", who);
		g_string_append_printf(
		    text, "%s%s", marker,
		    json_object_get_string_member(event, "plain"));
		return g_string_free(text, FALSE);
	}

	clock = tw_runner_format_clock(g_get_real_time() / G_USEC_PER_SEC);
	g_string_append_printf(text, "[%s] ", clock);
	if (account != NULL)
		g_string_append_printf(text, "%s ", account);
	g_string_append(text, name);

	GList *members = json_object_get_members(event);
	gboolean first = TRUE;

	for (GList *member = members; member != NULL; member = member->next) {
		const char *key = member->data;
		g_autofree char *value = NULL;

		if (g_str_equal(key, "event") || g_str_equal(key, "account"))
			continue;
		value =
		    tw_runner_node_to_text(json_object_get_member(event, key));
		g_string_append_printf(text, "%s%s=%s", first ? ": " : ", ",
				       key, value);
		first = FALSE;
	}
	g_list_free(members);
	return g_string_free(text, FALSE);
}

void
tw_runner_event_emit(JsonBuilder *builder)
{
	g_autoptr(JsonNode) root = NULL;
	g_autofree char *line = NULL;

	json_builder_end_object(builder);
	root = json_builder_get_root(builder);
	g_object_unref(builder);

	if (tw_runner.format == TW_RUNNER_FORMAT_TEXT)
		line = tw_runner_event_to_text(json_node_get_object(root));
	else
		line = json_to_string(root, FALSE);
	tw_runner_write_line(line);
}

void
tw_runner_emit_command_error(const char *format, ...)
{
	JsonBuilder *builder = tw_runner_event_new("command-error");
	g_autofree char *message = NULL;
	va_list args;

	va_start(args, format);
	message = g_strdup_vprintf(format, args);
	va_end(args);
	tw_runner_add_string(builder, "error", message);
	tw_runner_event_emit(builder);
}

void
tw_runner_emit_error(const char *message)
{
	JsonBuilder *builder = tw_runner_event_new("error");

	g_printerr("twdm-runner: %s\n", message);
	tw_runner_add_string(builder, "error", message);
	tw_runner_event_emit(builder);
}

/* ------------------------------------------------------------------------
 * Logging: stdout belongs to the event stream, so everything else,
 * including GLib's debug and info messages and libpurple's g_print() debug
 * output, goes to stderr.
 * ------------------------------------------------------------------------ */

GLogWriterOutput
tw_runner_log_writer(GLogLevelFlags level, const GLogField *fields,
		     gsize n_fields, gpointer user_data)
{
	const char *domain = NULL;
	g_autofree char *text = NULL;

	for (gsize i = 0; i < n_fields; i++) {
		if (g_str_equal(fields[i].key, "GLIB_DOMAIN"))
			domain = fields[i].value;
	}
	if (g_log_writer_default_would_drop(level, domain))
		return G_LOG_WRITER_HANDLED;
	text = g_log_writer_format_fields(level, fields, n_fields, FALSE);
	fprintf(stderr, "%s\n", text);
	fflush(stderr);
	return G_LOG_WRITER_HANDLED;
}

void
tw_runner_print_to_stderr(const char *text)
{
	fputs(text, stderr);
	fflush(stderr);
}
