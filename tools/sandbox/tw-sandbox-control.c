/*
 * tw-sandbox-control: the control API under /_sandbox/.
 *
 * The JSON endpoints a test or the runner uses to shape the world (users,
 * messages, groups, faults, customers mode) and read it back (state,
 * requests, counters).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "config.h"

#include "tw-sandbox-private.h"

static const char *const fault_kind_names[] = {
    "status",    "rate_limit", "usage_cap", "credits",      "delay",
    "truncated", "malformed",  "reset",     "unauthorized", NULL,
};

/* ------------------------------------------------------------------------ */
/* State as JSON                                                             */

static void
add_nullable_string_member(JsonBuilder *builder, const char *name,
			   const char *value)
{
	json_builder_set_member_name(builder, name);
	if (value)
		json_builder_add_string_value(builder, value);
	else
		json_builder_add_null_value(builder);
}

static void
add_counters(JsonBuilder *builder, const TwSandboxCounters *counters)
{
	json_builder_begin_object(builder);
	tw_sandbox_add_int_member(builder, "billed_reads",
				  (gint64)counters->billed_reads);
	tw_sandbox_add_int_member(builder, "events_returned",
				  (gint64)counters->events_returned);
	tw_sandbox_add_int_member(builder, "rate_limited",
				  (gint64)counters->rate_limited);
	tw_sandbox_add_int_member(builder, "messages_created",
				  (gint64)counters->messages_created);
	tw_sandbox_add_int_member(builder, "sends", (gint64)counters->sends);
	tw_sandbox_add_int_member(builder, "uploads",
				  (gint64)counters->uploads);
	tw_sandbox_add_int_member(builder, "upload_initializes",
				  (gint64)counters->upload_initializes);
	tw_sandbox_add_int_member(builder, "upload_appends",
				  (gint64)counters->upload_appends);
	tw_sandbox_add_int_member(builder, "upload_bytes_appended",
				  (gint64)counters->upload_bytes_appended);
	tw_sandbox_add_int_member(builder, "upload_finalizes",
				  (gint64)counters->upload_finalizes);
	tw_sandbox_add_int_member(builder, "upload_status_checks",
				  (gint64)counters->upload_status_checks);
	tw_sandbox_add_int_member(builder, "token_refreshes",
				  (gint64)counters->token_refreshes);
	tw_sandbox_add_int_member(builder, "authorizations",
				  (gint64)counters->authorizations);
	tw_sandbox_add_int_member(builder, "connections",
				  (gint64)counters->connections);
	json_builder_end_object(builder);
}

static void
add_requests_locked(TwSandbox *sandbox, JsonBuilder *builder)
{
	json_builder_begin_array(builder);
	for (guint i = 0; i < sandbox->requests->len; i++) {
		const TwSandboxRequest *record = sandbox->requests->pdata[i];

		json_builder_begin_object(builder);
		tw_sandbox_add_string_member(builder, "method", record->method);
		tw_sandbox_add_string_member(builder, "path", record->path);
		add_nullable_string_member(builder, "query", record->query);
		add_nullable_string_member(builder, "body", record->body);
		add_nullable_string_member(builder, "user_id", record->user_id);
		tw_sandbox_add_int_member(builder, "status", record->status);
		json_builder_end_object(builder);
	}
	json_builder_end_array(builder);
}

/* Every event, oldest first, with every field. */
static void
add_all_events_locked(TwSandbox *sandbox, JsonBuilder *builder)
{
	json_builder_begin_array(builder);
	for (guint i = 0; i < sandbox->events->len; i++)
		tw_sandbox_add_event_object(builder, sandbox->events->pdata[i],
					    tw_sandbox_all_event_fields());
	json_builder_end_array(builder);
}

static void
add_all_users_locked(TwSandbox *sandbox, JsonBuilder *builder)
{
	json_builder_begin_array(builder);
	for (guint i = 0; i < sandbox->user_order->len; i++)
		tw_sandbox_add_user_object(
		    sandbox, builder, sandbox->user_order->pdata[i],
		    FIELD(tw_sandbox_user_field_names, "receives_your_dm") |
			FIELD(tw_sandbox_user_field_names,
			      "profile_image_url"));
	json_builder_end_array(builder);
}

JsonNode *
tw_sandbox_state_node_locked(TwSandbox *sandbox)
{
	g_autoptr(JsonBuilder) builder = json_builder_new();
	g_autoptr(GList) conversations =
	    g_hash_table_get_values(sandbox->conversations);

	json_builder_begin_object(builder);
	json_builder_set_member_name(builder, "counters");
	add_counters(builder, &sandbox->counters);
	json_builder_set_member_name(builder, "users");
	add_all_users_locked(sandbox, builder);
	json_builder_set_member_name(builder, "conversations");
	json_builder_begin_array(builder);
	for (GList *l = conversations; l; l = l->next) {
		const Conversation *conversation = l->data;

		json_builder_begin_object(builder);
		tw_sandbox_add_string_member(builder, "id", conversation->id);
		tw_sandbox_add_string_member(
		    builder, "type",
		    conversation->is_group ? "Group" : "OneToOne");
		tw_sandbox_add_string_array_member(builder, "participant_ids",
						   conversation->member_ids);
		json_builder_end_object(builder);
	}
	json_builder_end_array(builder);
	json_builder_set_member_name(builder, "messages");
	add_all_events_locked(sandbox, builder);
	tw_sandbox_add_int_member(builder, "request_count",
				  sandbox->requests->len);
	json_builder_end_object(builder);
	return json_builder_get_root(builder);
}

/* ------------------------------------------------------------------------ */
/* Control API                                                               */

static void
respond_control_error(SoupServerMessage *msg, guint status, const char *text)
{
	g_autoptr(JsonBuilder) builder = json_builder_new();

	json_builder_begin_object(builder);
	tw_sandbox_add_string_member(builder, "error", text);
	json_builder_end_object(builder);
	tw_sandbox_respond_builder(msg, status, JSON_CONTENT_TYPE, builder);
}

static void
respond_control_id(SoupServerMessage *msg, const char *name, const char *id)
{
	g_autoptr(JsonBuilder) builder = json_builder_new();

	json_builder_begin_object(builder);
	tw_sandbox_add_string_member(builder, name, id);
	json_builder_end_object(builder);
	tw_sandbox_respond_builder(msg, SOUP_STATUS_OK, JSON_CONTENT_TYPE,
				   builder);
}

static void
respond_control_ok(SoupServerMessage *msg)
{
	g_autoptr(JsonBuilder) builder = json_builder_new();

	json_builder_begin_object(builder);
	tw_sandbox_add_bool_member(builder, "ok", TRUE);
	json_builder_end_object(builder);
	tw_sandbox_respond_builder(msg, SOUP_STATUS_OK, JSON_CONTENT_TYPE,
				   builder);
}

static const char *
object_string(JsonObject *object, const char *name)
{
	JsonNode *node = json_object_get_member(object, name);

	return node && tw_sandbox_node_is_string(node)
		   ? json_node_get_string(node)
		   : NULL;
}

static gint64
object_int(JsonObject *object, const char *name, gint64 fallback)
{
	JsonNode *node = json_object_get_member(object, name);

	if (!node || !JSON_NODE_HOLDS_VALUE(node))
		return fallback;
	if (json_node_get_value_type(node) == G_TYPE_INT64)
		return json_node_get_int(node);
	if (json_node_get_value_type(node) == G_TYPE_BOOLEAN)
		return json_node_get_boolean(node);
	return fallback;
}

/* Borrowed strings of a JSON array of strings; NULL when absent. */
static GPtrArray *
object_strings(JsonObject *object, const char *name)
{
	JsonNode *node = json_object_get_member(object, name);
	GPtrArray *values;
	JsonArray *array;

	if (!node || !JSON_NODE_HOLDS_ARRAY(node))
		return NULL;
	array = json_node_get_array(node);
	values = g_ptr_array_new();
	for (guint i = 0; i < json_array_get_length(array); i++) {
		JsonNode *element = json_array_get_element(array, i);

		if (tw_sandbox_node_is_string(element))
			g_ptr_array_add(
			    values, (gpointer)json_node_get_string(element));
	}
	return values;
}

/* created_at: an ISO-8601 string or Unix time in microseconds. */
static gboolean
object_time(JsonObject *object, const char *name, gint64 *time_us)
{
	JsonNode *node = json_object_get_member(object, name);

	*time_us = 0;
	if (!node || JSON_NODE_HOLDS_NULL(node))
		return TRUE;
	if (tw_sandbox_node_is_string(node)) {
		g_autoptr(GDateTime) time = g_date_time_new_from_iso8601(
		    json_node_get_string(node), NULL);

		if (!time)
			return FALSE;
		*time_us = g_date_time_to_unix(time) * G_USEC_PER_SEC +
			   g_date_time_get_microsecond(time);
		return TRUE;
	}
	*time_us = object_int(object, name, 0);
	return *time_us > 0;
}

static void
control_post_locked(Request *request, const char *name, JsonObject *object)
{
	TwSandbox *sandbox = request->sandbox;
	SoupServerMessage *msg = request->msg;
	g_autoptr(GError) error = NULL;
	g_autofree char *id = NULL;

	if (g_str_equal(name, "users")) {
		User *user = tw_sandbox_add_user_locked(
		    sandbox, object_string(object, "id"),
		    object_string(object, "username"),
		    object_string(object, "name"), &error);

		if (user)
			respond_control_id(msg, "id", user->id);
	} else if (g_str_equal(name, "tokens")) {
		const char *user_id = object_string(object, "user_id");

		if (!tw_sandbox_find_user_locked(sandbox, user_id)) {
			respond_control_error(msg, SOUP_STATUS_BAD_REQUEST,
					      "unknown user_id");
			return;
		}
		id = tw_sandbox_issue_refresh_token_locked(sandbox, user_id);
		respond_control_id(msg, "refresh_token", id);
	} else if (g_str_equal(name, "messages")) {
		g_autoptr(GPtrArray) urls = object_strings(object, "urls");
		JsonObject *media_object =
		    json_object_has_member(object, "media")
			? json_object_get_object_member(object, "media")
			: NULL;
		TwSandboxMedia media = {0};
		TwSandboxMessage message = {
		    .sender_id = object_string(object, "sender_id"),
		    .conversation_id = object_string(object, "conversation_id"),
		    .recipient_id = object_string(object, "recipient_id"),
		    .text = object_string(object, "text"),
		    .visible_after_ms =
			(guint)CLAMP(object_int(object, "visible_after_ms", 0),
				     0, G_MAXUINT),
		    .urls = urls,
		};

		if (media_object) {
			media.type = object_string(media_object, "type");
			media.width = (guint)CLAMP(
			    object_int(media_object, "width", 0), 0, G_MAXUINT);
			media.height =
			    (guint)CLAMP(object_int(media_object, "height", 0),
					 0, G_MAXUINT);
			media.duration_ms = (guint)CLAMP(
			    object_int(media_object, "duration_ms", 0), 0,
			    G_MAXUINT);
			media.alt_text =
			    object_string(media_object, "alt_text");
			media.bytes =
			    (gsize)CLAMP(object_int(media_object, "bytes", 0),
					 0, 64 * 1024 * 1024);
			message.media = &media;
		}
		if (!object_time(object, "created_at", &message.created_at)) {
			respond_control_error(msg, SOUP_STATUS_BAD_REQUEST,
					      "bad created_at");
			return;
		}
		id =
		    tw_sandbox_create_message_locked(sandbox, &message, &error);
		if (id)
			respond_control_id(msg, "id", id);
	} else if (g_str_equal(name, "groups")) {
		g_autoptr(GPtrArray) participants =
		    object_strings(object, "participant_ids");

		id = tw_sandbox_create_group_locked(
		    sandbox, object_string(object, "creator_id"), participants,
		    object_string(object, "text"), &error);
		if (id)
			respond_control_id(msg, "id", id);
	} else if (g_str_equal(name, "faults")) {
		const char *kind = object_string(object, "kind");
		Fault *fault;
		guint index;

		for (index = 0; kind && fault_kind_names[index]; index++) {
			if (g_str_equal(fault_kind_names[index], kind))
				break;
		}
		if (!kind || !fault_kind_names[index]) {
			respond_control_error(msg, SOUP_STATUS_BAD_REQUEST,
					      "unknown fault kind");
			return;
		}
		fault = g_new0(Fault, 1);
		fault->kind = (TwSandboxFaultKind)index;
		fault->method = g_strdup(object_string(object, "method"));
		fault->path_prefix =
		    g_strdup(object_string(object, "path_prefix"));
		fault->path_suffix =
		    g_strdup(object_string(object, "path_suffix"));
		fault->skip = (guint)object_int(object, "skip", 0);
		fault->remaining = (guint)object_int(object, "count", 0);
		fault->status = (guint)object_int(object, "status", 0);
		fault->delay_ms = (guint)object_int(object, "delay_ms", 0);
		g_ptr_array_add(sandbox->faults, fault);
		respond_control_ok(msg);
	} else if (g_str_equal(name, "consumers")) {
		const char *key = object_string(object, "key");
		const char *secret = object_string(object, "secret");

		if (!key || !*key || !secret || !*secret) {
			respond_control_error(msg, SOUP_STATUS_BAD_REQUEST,
					      "key and secret are required");
			return;
		}
		g_hash_table_replace(sandbox->consumers, g_strdup(key),
				     g_strdup(secret));
		respond_control_ok(msg);
	} else if (g_str_equal(name, "oauth1-tokens")) {
		const char *user_id = object_string(object, "user_id");
		const char *key = object_string(object, "consumer_key");
		g_autoptr(JsonBuilder) builder = NULL;
		Token *token;

		if (!tw_sandbox_find_user_locked(sandbox, user_id) || !key ||
		    !g_hash_table_contains(sandbox->consumers, key)) {
			respond_control_error(msg, SOUP_STATUS_BAD_REQUEST,
					      "unknown user_id or "
					      "consumer_key");
			return;
		}
		token = tw_sandbox_new_oauth1_token_locked(
		    sandbox, TOKEN_OAUTH1_ACCESS, key, user_id, &id);
		builder = json_builder_new();
		json_builder_begin_object(builder);
		tw_sandbox_add_string_member(builder, "token", id);
		tw_sandbox_add_string_member(builder, "secret", token->secret);
		json_builder_end_object(builder);
		tw_sandbox_respond_builder(msg, SOUP_STATUS_OK,
					   JSON_CONTENT_TYPE, builder);
	} else if (g_str_equal(name, "authorize")) {
		const char *outcome = object_string(object, "outcome");
		const char *user_id = object_string(object, "user_id");
		static const char *const outcomes[] = {"approve", "refuse",
						       "expired", NULL};
		guint index;

		for (index = 0; outcome && outcomes[index]; index++) {
			if (g_str_equal(outcomes[index], outcome))
				break;
		}
		if ((outcome && !outcomes[index]) ||
		    (user_id &&
		     !tw_sandbox_find_user_locked(sandbox, user_id))) {
			respond_control_error(msg, SOUP_STATUS_BAD_REQUEST,
					      "unknown outcome or user_id");
			return;
		}
		if (outcome) {
			sandbox->authorize_outcome =
			    (TwSandboxAuthorizeOutcome)index;
			sandbox->authorize_count =
			    (guint)object_int(object, "count", 0);
		}
		if (user_id) {
			g_free(sandbox->authorizing_user_id);
			sandbox->authorizing_user_id = g_strdup(user_id);
		}
		respond_control_ok(msg);
	} else if (g_str_equal(name, "refuse-refresh")) {
		sandbox->refuse_refresh = (guint)object_int(object, "count", 1);
		respond_control_ok(msg);
	} else if (g_str_equal(name, "expire-tokens")) {
		tw_sandbox_expire_access_tokens_locked(sandbox);
		respond_control_ok(msg);
	} else if (g_str_equal(name, "receives-dm")) {
		User *user = tw_sandbox_find_user_locked(
		    sandbox, object_string(object, "user_id"));

		if (!user) {
			respond_control_error(msg, SOUP_STATUS_BAD_REQUEST,
					      "unknown user_id");
			return;
		}
		user->receives_dm = object_int(object, "receives", TRUE) != 0;
		respond_control_ok(msg);
	} else if (g_str_equal(name, "customers")) {
		if (tw_sandbox_set_customers_mode_locked(
			sandbox, object_string(object, "account_id"),
			(guint)object_int(object, "interval_ms", 30000),
			&error))
			respond_control_ok(msg);
	} else {
		respond_control_error(msg, SOUP_STATUS_NOT_FOUND,
				      "no such control endpoint");
		return;
	}
	if (error)
		respond_control_error(msg, SOUP_STATUS_BAD_REQUEST,
				      error->message);
}

static void
control_get_locked(Request *request, const char *name)
{
	TwSandbox *sandbox = request->sandbox;
	g_autoptr(JsonBuilder) builder = json_builder_new();

	if (g_str_equal(name, "requests")) {
		add_requests_locked(sandbox, builder);
	} else if (g_str_equal(name, "counters")) {
		add_counters(builder, &sandbox->counters);
	} else if (g_str_equal(name, "messages")) {
		add_all_events_locked(sandbox, builder);
	} else if (g_str_equal(name, "users")) {
		add_all_users_locked(sandbox, builder);
	} else if (g_str_equal(name, "state")) {
		g_autoptr(JsonNode) state =
		    tw_sandbox_state_node_locked(sandbox);

		tw_sandbox_respond_node(request->msg, SOUP_STATUS_OK,
					JSON_CONTENT_TYPE, state);
		return;
	} else {
		respond_control_error(request->msg, SOUP_STATUS_NOT_FOUND,
				      "no such control endpoint");
		return;
	}
	tw_sandbox_respond_builder(request->msg, SOUP_STATUS_OK,
				   JSON_CONTENT_TYPE, builder);
}

void
tw_sandbox_handle_control_locked(Request *request)
{
	const char *name = request->path + strlen(CONTROL_PREFIX);

	if (g_str_equal(request->method, "GET")) {
		control_get_locked(request, name);
	} else if (g_str_equal(request->method, "DELETE")) {
		if (g_str_equal(name, "requests"))
			g_ptr_array_set_size(request->sandbox->requests, 0);
		else if (g_str_equal(name, "faults"))
			g_ptr_array_set_size(request->sandbox->faults, 0);
		else {
			respond_control_error(request->msg,
					      SOUP_STATUS_NOT_FOUND,
					      "no such control endpoint");
			return;
		}
		respond_control_ok(request->msg);
	} else if (g_str_equal(request->method, "POST")) {
		g_autoptr(JsonParser) parser = json_parser_new();
		gsize length;
		const char *data = tw_sandbox_body_text(request, &length);
		JsonNode *root;

		if (length == 0)
			data = "{}", length = 2;
		if (!json_parser_load_from_data(parser, data, (gssize)length,
						NULL) ||
		    !(root = json_parser_get_root(parser)) ||
		    !JSON_NODE_HOLDS_OBJECT(root)) {
			respond_control_error(request->msg,
					      SOUP_STATUS_BAD_REQUEST,
					      "the body must be a JSON object");
			return;
		}
		control_post_locked(request, name, json_node_get_object(root));
	} else {
		respond_control_error(request->msg,
				      SOUP_STATUS_METHOD_NOT_ALLOWED,
				      "use GET, POST or DELETE");
	}
}
