/*
 * tw-runner-send: the commands that send, as a user does in a
 * conversation window: a message (send, chat-send), a libpurple command
 * ("/reply ..."), a file (send-file), and the list of conversations
 * waiting for an answer that goes with them.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "config.h"

#include "tw-runner.h"

/* "text" is plain text and gets escaped; "html" is sent as it is, as
 * Pidgin sends what its editor produces; "file" is an image put after
 * either, as Pidgin's editor puts one: in libpurple's imgstore, as
 * <IMG ID="n">. *@image gets its id (0: none), to unref once sent. */
static char *
tw_runner_command_html(JsonObject *command, int *image)
{
	const char *text = tw_runner_get_string(command, "text");
	const char *html = tw_runner_get_string(command, "html");
	const char *file = tw_runner_get_string(command, "file");
	g_autofree char *markup = NULL;
	g_autoptr(GError) error = NULL;
	char *contents = NULL;
	gsize length = 0;

	*image = 0;
	if (text != NULL && *text != '\0')
		markup = purple_markup_escape_text(text, -1);
	else if (html != NULL && *html != '\0')
		markup = g_strdup(html);
	if (file == NULL || *file == '\0') {
		if (markup == NULL)
			tw_runner_emit_command_error(
			    "\"text\", \"html\" or \"file\" must be a "
			    "non-empty string");
		return g_steal_pointer(&markup);
	}
	if (!g_file_get_contents(file, &contents, &length, &error)) {
		tw_runner_emit_command_error("\"file\": %s", error->message);
		return NULL;
	}
	*image = purple_imgstore_add_with_id(contents, length, file);
	return g_strdup_printf("%s<IMG ID=\"%d\">",
			       markup != NULL ? markup : "", *image);
}

void
tw_runner_command_send(JsonObject *command)
{
	PurpleAccount *account;
	const char *to = tw_runner_get_string(command, "to");
	PurpleConversation *conv;
	g_autofree char *html = NULL;
	int image;

	if (tw_runner_command_connection(command, &account) == NULL)
		return;
	if (to == NULL || *to == '\0') {
		tw_runner_emit_command_error(
		    "\"to\" must be a non-empty string");
		return;
	}
	html = tw_runner_command_html(command, &image);
	if (html == NULL)
		return;
	/* What libpurple's auto-reply does, as it does it (serv_got_im()):
	 * lets a test resend the away message without waiting ten minutes. */
	if (json_object_get_boolean_member_with_default(command, "auto_reply",
							FALSE)) {
		serv_send_im(purple_account_get_connection(account), to, html,
			     PURPLE_MESSAGE_AUTO_RESP);
	} else {
		conv = purple_find_conversation_with_account(
		    PURPLE_CONV_TYPE_IM, to, account);
		if (conv == NULL)
			conv = purple_conversation_new(PURPLE_CONV_TYPE_IM,
						       account, to);
		purple_conv_im_send(PURPLE_CONV_IM(conv), html);
	}
	/* The plugin took its own copy when it queued the message. */
	if (image != 0)
		purple_imgstore_unref_by_id(image);
}

void
tw_runner_command_chat_send(JsonObject *command)
{
	PurpleAccount *account;
	const char *name = tw_runner_get_string(command, "conversation");
	PurpleConversation *conv;
	g_autofree char *html = NULL;
	int image;

	if (tw_runner_command_connection(command, &account) == NULL)
		return;
	if (name == NULL) {
		tw_runner_emit_command_error(
		    "\"conversation\" must be a string");
		return;
	}
	conv = purple_find_conversation_with_account(PURPLE_CONV_TYPE_CHAT,
						     name, account);
	if (conv == NULL || purple_conv_chat_has_left(PURPLE_CONV_CHAT(conv))) {
		tw_runner_emit_command_error("no joined chat \"%s\"", name);
		return;
	}
	html = tw_runner_command_html(command, &image);
	if (html == NULL)
		return;
	purple_conv_chat_send(PURPLE_CONV_CHAT(conv), html);
	if (image != 0)
		purple_imgstore_unref_by_id(image);
}

/* The conversations of a purple-twdm account waiting for an answer. */
void
tw_runner_command_waiting(JsonObject *command)
{
	PurpleAccount *account;
	g_autoptr(JsonArray) waiting = NULL;
	JsonBuilder *builder;

	if (tw_runner_command_connection(command, &account) == NULL)
		return;
	waiting = tw_runner_dup_waiting(account);
	if (waiting == NULL) {
		tw_runner_emit_command_error(
		    "account \"%s\" keeps no waiting list",
		    purple_account_get_username(account));
		return;
	}
	builder = tw_runner_event_new("waiting");
	tw_runner_add_account(builder, account);
	json_builder_set_member_name(builder, "conversations");
	json_builder_add_value(
	    builder, json_node_init_array(json_node_alloc(), waiting));
	tw_runner_event_emit(builder);
}

static const char *
tw_runner_command_status_name(PurpleCmdStatus status)
{
	switch (status) {
	case PURPLE_CMD_STATUS_OK:
		return "ok";
	case PURPLE_CMD_STATUS_FAILED:
		return "failed";
	case PURPLE_CMD_STATUS_NOT_FOUND:
		return "not-found";
	case PURPLE_CMD_STATUS_WRONG_ARGS:
		return "wrong-args";
	case PURPLE_CMD_STATUS_WRONG_PRPL:
		return "wrong-protocol";
	case PURPLE_CMD_STATUS_WRONG_TYPE:
		return "wrong-type";
	}
	return "other";
}

/* As typing "/reply thanks" in Pidgin's or Finch's window: runs a libpurple
 * command in the IM with "to" or in the joined chat "conversation". */
void
tw_runner_command_slash(JsonObject *command)
{
	PurpleAccount *account;
	const char *to = tw_runner_get_string(command, "to");
	const char *chat = tw_runner_get_string(command, "conversation");
	const char *line = tw_runner_get_string(command, "line");
	PurpleConversation *conv;
	g_autofree char *error = NULL;
	g_autofree char *markup = NULL;
	PurpleCmdStatus status;
	JsonBuilder *builder;

	if (tw_runner_command_connection(command, &account) == NULL)
		return;
	if (line == NULL) {
		tw_runner_emit_command_error("\"line\" must be a string");
		return;
	}
	if (chat != NULL) {
		conv = purple_find_conversation_with_account(
		    PURPLE_CONV_TYPE_CHAT, chat, account);
		if (conv == NULL ||
		    purple_conv_chat_has_left(PURPLE_CONV_CHAT(conv))) {
			tw_runner_emit_command_error("no joined chat \"%s\"",
						     chat);
			return;
		}
	} else if (to != NULL && *to != '\0') {
		conv = purple_find_conversation_with_account(
		    PURPLE_CONV_TYPE_IM, to, account);
		if (conv == NULL)
			conv = purple_conversation_new(PURPLE_CONV_TYPE_IM,
						       account, to);
	} else {
		tw_runner_emit_command_error(
		    "\"to\" or \"conversation\" must be a non-empty string");
		return;
	}
	if (line[0] == '/')
		line++;
	markup = g_markup_escape_text(line, -1);
	status = purple_cmd_do_command(conv, line, markup, &error);
	builder = tw_runner_event_new("command");
	tw_runner_add_account(builder, account);
	tw_runner_add_string(builder, "status",
			     tw_runner_command_status_name(status));
	if (error != NULL)
		tw_runner_add_string(builder, "error", error);
	tw_runner_event_emit(builder);
}

/* As choosing Send File in Pidgin's conversation menu (or bitlbee's DCC
 * SEND, Finch's /send-file): "file" goes to "to" through the protocol's
 * send_file, without the file dialog. */
void
tw_runner_command_send_file(JsonObject *command)
{
	PurpleAccount *account;
	PurpleConnection *connection =
	    tw_runner_command_connection(command, &account);
	const char *to = tw_runner_get_string(command, "to");
	const char *file = tw_runner_get_string(command, "file");

	if (connection == NULL)
		return;
	if (to == NULL || *to == '\0' || file == NULL || *file == '\0') {
		tw_runner_emit_command_error(
		    "\"to\" and \"file\" must be non-empty strings");
		return;
	}
	if (!g_file_test(file, G_FILE_TEST_IS_REGULAR)) {
		tw_runner_emit_command_error("\"file\": %s is not a file",
					     file);
		return;
	}
	serv_send_file(connection, to, file);
}
