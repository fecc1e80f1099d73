/*
 * tw-sandbox-sends: sending DMs, creating groups, blocking.
 *
 * POST /2/dm_conversations/with/:id/messages,
 * /2/dm_conversations/:id/messages, /2/dm_conversations and the DM block
 * and unblock calls, with the body checks and refusals X gives.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "config.h"

#include "tw-sandbox-private.h"

#define MAX_TEXT_LENGTH        10000
#define MIN_GROUP_PARTICIPANTS 2
#define MAX_GROUP_PARTICIPANTS 49

/* The real detail strings for refused sends are unknown (reference §7.2);
 * these mirror the wording X uses for other refused writes. */
#define NOT_PERMITTED_USER_DETAIL                                              \
	"You are not permitted to send a DM to this user."
#define NOT_PERMITTED_CONVERSATION_DETAIL                                      \
	"You are not permitted to send messages to this conversation."

/* ------------------------------------------------------------------------ */
/* Sending                                                                   */

static const char *
json_type_word(JsonNode *node)
{
	if (JSON_NODE_HOLDS_OBJECT(node))
		return "object";
	if (JSON_NODE_HOLDS_ARRAY(node))
		return "array";
	if (JSON_NODE_HOLDS_NULL(node))
		return "null";
	switch (json_node_get_value_type(node)) {
	case G_TYPE_STRING:
		return "string";
	case G_TYPE_BOOLEAN:
		return "boolean";
	case G_TYPE_DOUBLE:
		return "number";
	default:
		return "integer";
	}
}

gboolean
tw_sandbox_node_is_string(JsonNode *node)
{
	return JSON_NODE_HOLDS_VALUE(node) &&
	       json_node_get_value_type(node) == G_TYPE_STRING;
}

/* The body of a message: {text?, attachments?}, validated against the
 * OpenAPI schema. X's wording for these errors is unknown (reference §7.2
 * and §14); the messages follow the JSON-schema style X uses elsewhere
 * ("$.field: ..."). */
static gboolean
parse_message_body(JsonNode *node, const char *where, const char **text,
		   const char **media_id, GPtrArray *errors)
{
	JsonObject *object;
	JsonNode *text_node, *attachments_node;
	g_autoptr(GList) members = NULL;
	guint errors_before = errors->len;

	*text = NULL;
	*media_id = NULL;
	if (!node || !JSON_NODE_HOLDS_OBJECT(node)) {
		tw_sandbox_add_message_error(
		    errors, "%s: %s found, object expected", where,
		    node ? json_type_word(node) : "null");
		return FALSE;
	}
	object = json_node_get_object(node);
	members = json_object_get_members(object);
	for (GList *l = members; l; l = l->next) {
		if (!g_str_equal(l->data, "text") &&
		    !g_str_equal(l->data, "attachments"))
			tw_sandbox_add_message_error(
			    errors,
			    "%s.%s: is not defined in the schema "
			    "and the schema does not allow "
			    "additional properties",
			    where, (const char *)l->data);
	}
	text_node = json_object_get_member(object, "text");
	attachments_node = json_object_get_member(object, "attachments");
	if (!text_node && !attachments_node)
		tw_sandbox_add_message_error(
		    errors,
		    "%s: must have at least one of the "
		    "properties [text, attachments]",
		    where);
	if (text_node) {
		if (!tw_sandbox_node_is_string(text_node)) {
			tw_sandbox_add_message_error(
			    errors, "%s.text: %s found, string expected", where,
			    json_type_word(text_node));
		} else {
			const char *value = json_node_get_string(text_node);
			glong length = g_utf8_strlen(value, -1);

			if (length < 1)
				tw_sandbox_add_message_error(
				    errors,
				    "%s.text: must be at least 1 "
				    "characters long",
				    where);
			else if (length > MAX_TEXT_LENGTH)
				tw_sandbox_add_message_error(
				    errors,
				    "%s.text: may only be %d "
				    "characters long",
				    where, MAX_TEXT_LENGTH);
			else
				*text = value;
		}
	}
	if (attachments_node) {
		JsonArray *array = JSON_NODE_HOLDS_ARRAY(attachments_node)
				       ? json_node_get_array(attachments_node)
				       : NULL;
		JsonNode *first = array && json_array_get_length(array) == 1
				      ? json_array_get_element(array, 0)
				      : NULL;
		JsonObject *attachment = first && JSON_NODE_HOLDS_OBJECT(first)
					     ? json_node_get_object(first)
					     : NULL;
		JsonNode *id =
		    attachment ? json_object_get_member(attachment, "media_id")
			       : NULL;

		if (!array)
			tw_sandbox_add_message_error(
			    errors,
			    "%s.attachments: %s found, array "
			    "expected",
			    where, json_type_word(attachments_node));
		else if (json_array_get_length(array) != 1)
			tw_sandbox_add_message_error(
			    errors,
			    "%s.attachments: there must be "
			    "exactly 1 items in the array",
			    where);
		else if (!id || !tw_sandbox_node_is_string(id) ||
			 !tw_sandbox_is_user_id(json_node_get_string(id)))
			tw_sandbox_add_message_error(
			    errors,
			    "%s.attachments[0].media_id: does "
			    "not match the regex pattern %s",
			    where, ID_PATTERN);
		else
			*media_id = json_node_get_string(id);
	}
	return errors->len == errors_before;
}

static JsonNode *
parse_json_body(Request *request, GPtrArray *errors)
{
	g_autoptr(JsonParser) parser = json_parser_new();
	g_autoptr(GError) error = NULL;
	gsize length;
	const char *data = tw_sandbox_body_text(request, &length);

	if (!json_parser_load_from_data(parser, data, (gssize)length, &error) ||
	    !json_parser_get_root(parser)) {
		tw_sandbox_add_message_error(
		    errors, "Request body is not valid JSON: %s",
		    error ? error->message : "empty body");
		return NULL;
	}
	return json_node_copy(json_parser_get_root(parser));
}

static void
respond_sent_locked(Request *request, const Conversation *conversation,
		    const Event *event)
{
	g_autoptr(JsonBuilder) builder = json_builder_new();
	g_autofree char *location = NULL;

	request->sandbox->counters.sends++;
	/* The real header quotes the id: .../2/dm_events/"1585800613253812228"
	 */
	location = g_strdup_printf("https://%s/2/dm_events/\"%s\"",
				   request->sandbox->problem_host, event->id);
	soup_message_headers_replace(
	    soup_server_message_get_response_headers(request->msg), "location",
	    location);

	json_builder_begin_object(builder);
	json_builder_set_member_name(builder, "data");
	json_builder_begin_object(builder);
	tw_sandbox_add_string_member(builder, "dm_conversation_id",
				     conversation->id);
	tw_sandbox_add_string_member(builder, "dm_event_id", event->id);
	json_builder_end_object(builder);
	json_builder_end_object(builder);
	tw_sandbox_respond_builder(request->msg, SOUP_STATUS_CREATED,
				   JSON_CONTENT_TYPE, builder);
}

static void
send_locked(Request *request, Conversation *conversation)
{
	g_autoptr(GPtrArray) errors = tw_sandbox_request_errors_new();
	g_autoptr(JsonNode) root = parse_json_body(request, errors);
	NewMessage message = {0};
	const Event *event;

	if (root)
		parse_message_body(root, "$", &message.text, &message.media_id,
				   errors);
	if (message.media_id != NULL)
		tw_sandbox_check_dm_media_locked(request, message.media_id,
						 errors);
	if (errors->len > 0) {
		tw_sandbox_respond_invalid_request(request->sandbox,
						   request->msg, errors);
		return;
	}
	message.sender_id = request->user_id;
	event = tw_sandbox_add_message_event_locked(request->sandbox,
						    conversation, &message);
	respond_sent_locked(request, conversation, event);
}

void
tw_sandbox_handle_send_with(Request *request, char **captured)
{
	TwSandbox *sandbox = request->sandbox;
	g_autoptr(GPtrArray) errors = tw_sandbox_request_errors_new();
	const char *participant_id = captured[0];
	const User *recipient;

	if (!tw_sandbox_is_user_id(participant_id)) {
		tw_sandbox_add_parameter_error(
		    errors, "participant_id", participant_id,
		    "The `participant_id` query parameter "
		    "value [%s] does not match %s",
		    participant_id, ID_PATTERN);
		tw_sandbox_respond_invalid_request(sandbox, request->msg,
						   errors);
		return;
	}
	recipient = tw_sandbox_find_user_locked(sandbox, participant_id);
	if (!recipient || !recipient->receives_dm ||
	    g_str_equal(participant_id, request->user_id)) {
		tw_sandbox_respond_generic_problem(request->msg,
						   SOUP_STATUS_FORBIDDEN,
						   NOT_PERMITTED_USER_DETAIL);
		return;
	}
	send_locked(request, tw_sandbox_ensure_one_to_one_locked(
				 sandbox, request->user_id, participant_id));
}

void
tw_sandbox_handle_send_to_conversation(Request *request, char **captured)
{
	TwSandbox *sandbox = request->sandbox;
	g_autoptr(GPtrArray) errors = tw_sandbox_request_errors_new();
	Conversation *conversation;

	if (!tw_sandbox_is_conversation_id(captured[0])) {
		tw_sandbox_add_parameter_error(
		    errors, "dm_conversation_id", captured[0],
		    "The `dm_conversation_id` query parameter "
		    "value [%s] does not match %s",
		    captured[0], CONVERSATION_ID_PATTERN);
		tw_sandbox_respond_invalid_request(sandbox, request->msg,
						   errors);
		return;
	}
	conversation =
	    tw_sandbox_resolve_conversation_locked(sandbox, captured[0], TRUE);
	if (!conversation || !tw_sandbox_conversation_has_member(
				 conversation, request->user_id)) {
		tw_sandbox_respond_generic_problem(
		    request->msg, SOUP_STATUS_FORBIDDEN,
		    NOT_PERMITTED_CONVERSATION_DETAIL);
		return;
	}
	if (!conversation->is_group) {
		for (guint i = 0; i < conversation->member_ids->len; i++) {
			const User *member = tw_sandbox_find_user_locked(
			    sandbox, conversation->member_ids->pdata[i]);

			if (!g_str_equal(member->id, request->user_id) &&
			    !member->receives_dm) {
				tw_sandbox_respond_generic_problem(
				    request->msg, SOUP_STATUS_FORBIDDEN,
				    NOT_PERMITTED_USER_DETAIL);
				return;
			}
		}
	}
	send_locked(request, conversation);
}

void
tw_sandbox_handle_create_group(Request *request, char **captured)
{
	TwSandbox *sandbox = request->sandbox;
	g_autoptr(GPtrArray) errors = tw_sandbox_request_errors_new();
	g_autoptr(JsonNode) root = parse_json_body(request, errors);
	g_autoptr(GPtrArray) participant_ids = g_ptr_array_new();
	JsonObject *object = NULL;
	JsonNode *type_node = NULL, *ids_node = NULL, *message_node = NULL;
	NewMessage message = {0};
	Conversation *conversation;
	const Event *event;

	if (root && !JSON_NODE_HOLDS_OBJECT(root))
		tw_sandbox_add_message_error(errors,
					     "$: %s found, object expected",
					     json_type_word(root));
	else if (root)
		object = json_node_get_object(root);
	if (object) {
		g_autoptr(GList) members = json_object_get_members(object);

		for (GList *l = members; l; l = l->next) {
			if (!g_str_equal(l->data, "conversation_type") &&
			    !g_str_equal(l->data, "participant_ids") &&
			    !g_str_equal(l->data, "message"))
				tw_sandbox_add_message_error(
				    errors,
				    "$.%s: is not defined in the schema "
				    "and the schema does not allow "
				    "additional properties",
				    (const char *)l->data);
		}
		type_node = json_object_get_member(object, "conversation_type");
		ids_node = json_object_get_member(object, "participant_ids");
		message_node = json_object_get_member(object, "message");
		if (!type_node || !tw_sandbox_node_is_string(type_node) ||
		    !g_str_equal(json_node_get_string(type_node), "Group"))
			tw_sandbox_add_message_error(
			    errors, "$.conversation_type: does not have "
				    "a value in the enumeration [Group]");
		if (!ids_node || !JSON_NODE_HOLDS_ARRAY(ids_node)) {
			tw_sandbox_add_message_error(
			    errors, "$.participant_ids: is missing but "
				    "it is required");
		} else {
			JsonArray *array = json_node_get_array(ids_node);
			guint count = json_array_get_length(array);

			if (count < MIN_GROUP_PARTICIPANTS)
				tw_sandbox_add_message_error(
				    errors,
				    "$.participant_ids: there "
				    "must be a minimum of %d "
				    "items in the array",
				    MIN_GROUP_PARTICIPANTS);
			if (count > MAX_GROUP_PARTICIPANTS)
				tw_sandbox_add_message_error(
				    errors,
				    "$.participant_ids: there "
				    "must be a maximum of %d "
				    "items in the array",
				    MAX_GROUP_PARTICIPANTS);
			for (guint i = 0; i < count; i++) {
				JsonNode *id = json_array_get_element(array, i);

				if (!tw_sandbox_node_is_string(id) ||
				    !tw_sandbox_is_user_id(
					json_node_get_string(id)))
					tw_sandbox_add_message_error(
					    errors,
					    "$.participant_ids[%u]: does "
					    "not match the regex pattern "
					    "%s",
					    i, ID_PATTERN);
				else
					tw_sandbox_add_unique(
					    participant_ids,
					    json_node_get_string(id));
			}
		}
		if (!message_node)
			tw_sandbox_add_message_error(
			    errors, "$.message: is missing but "
				    "it is required");
		else
			parse_message_body(message_node, "$.message",
					   &message.text, &message.media_id,
					   errors);
		if (message.media_id != NULL)
			tw_sandbox_check_dm_media_locked(
			    request, message.media_id, errors);
	}
	/* Our guess at the wording: the spec only says "excluding yourself". */
	if (errors->len == 0 &&
	    g_ptr_array_find_with_equal_func(participant_ids, request->user_id,
					     g_str_equal, NULL))
		tw_sandbox_add_parameter_error(
		    errors, "participant_ids", request->user_id,
		    "The `participant_ids` must not include "
		    "the authenticated user [%s]",
		    request->user_id);
	if (errors->len > 0) {
		tw_sandbox_respond_invalid_request(sandbox, request->msg,
						   errors);
		return;
	}
	for (guint i = 0; i < participant_ids->len; i++) {
		const User *user = tw_sandbox_find_user_locked(
		    sandbox, participant_ids->pdata[i]);

		if (!user || !user->receives_dm) {
			tw_sandbox_respond_generic_problem(
			    request->msg, SOUP_STATUS_FORBIDDEN,
			    NOT_PERMITTED_USER_DETAIL);
			return;
		}
	}

	conversation = tw_sandbox_create_group_conversation_locked(
	    sandbox, request->user_id, participant_ids);
	message.sender_id = request->user_id;
	event = tw_sandbox_add_message_event_locked(sandbox, conversation,
						    &message);
	respond_sent_locked(request, conversation, event);
}

/* POST /2/users/:id/dm/block and dm/unblock: accepted for any known user;
 * the requests log shows what the client asked for. */
static void
respond_dm_block_locked(Request *request, const char *id, gboolean blocked)
{
	g_autoptr(JsonBuilder) builder = NULL;

	if (!tw_sandbox_find_user_locked(request->sandbox, id)) {
		tw_sandbox_respond_generic_problem(request->msg,
						   SOUP_STATUS_NOT_FOUND, NULL);
		return;
	}
	builder = json_builder_new();
	json_builder_begin_object(builder);
	json_builder_set_member_name(builder, "data");
	json_builder_begin_object(builder);
	tw_sandbox_add_bool_member(builder, "blocked", blocked);
	json_builder_end_object(builder);
	json_builder_end_object(builder);
	tw_sandbox_respond_builder(request->msg, SOUP_STATUS_OK,
				   JSON_CONTENT_TYPE, builder);
}

void
tw_sandbox_handle_dm_block(Request *request, char **captured)
{
	respond_dm_block_locked(request, captured[0], TRUE);
}

void
tw_sandbox_handle_dm_unblock(Request *request, char **captured)
{
	respond_dm_block_locked(request, captured[0], FALSE);
}
