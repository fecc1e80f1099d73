/*
 * tw-sandbox: a local X API v2 server for tests, benchmarks and the demo.
 *
 * Bodies, headers and problem documents follow the recorded real traffic
 * summarised in shared/reference/x-api-v2-dm.md; where the real wording is
 * unknown the text is our guess and says so next to it.
 *
 * This file is the server: routing, the request pipeline (fault, auth, rate
 * limit, handler, record), the server thread and the public C API in
 * tw-sandbox.h. The parts of the API it serves live in tw-sandbox-*.c (see
 * tools/sandbox/README.md).
 *
 * Threading: a libsoup 3 SoupServer runs in its own GThread on its own
 * GMainContext. One mutex guards the whole world (users, conversations,
 * events, tokens, buckets, faults, records), so every public function can be
 * called from any thread. Functions named *_locked expect that mutex held.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "config.h"

#include "tw-sandbox-private.h"

#define API_VERSION    "2.167"
#define CONTROL_PREFIX "/_sandbox/"

const char *
tw_sandbox_body_text(Request *request, gsize *length)
{
	gsize size = 0;
	const char *data =
	    request->body ? g_bytes_get_data(request->body, &size) : NULL;

	*length = size;
	return data ? data : "";
}

static const char *const fault_kind_names[] = {
    "status",    "rate_limit", "usage_cap", "credits",      "delay",
    "truncated", "malformed",  "reset",     "unauthorized", NULL,
};

/* ------------------------------------------------------------------------ */
/* Routing                                                                   */

/* Route handlers (handle_*) run in the server thread with the world lock
 * held; @captured holds the path segments matched by "*". */
typedef void (*RouteHandler)(Request *request, char **captured);

typedef struct {
	const char *method;
	const char *pattern;
	gboolean needs_user;
	RateFamily family;
	RouteHandler handler;
} Route;

/* First match wins, so "2/users/by" comes before "2/users/<id>". */
static const Route routes[] = {
    {"POST", "2/oauth2/token", FALSE, RATE_NONE, tw_sandbox_handle_token},
    {"POST", "2/oauth2/revoke", FALSE, RATE_NONE, tw_sandbox_handle_revoke},
    {"GET", "i/oauth2/authorize", FALSE, RATE_NONE,
     tw_sandbox_handle_authorize},
    {"GET", "2/oauth2/authorize", FALSE, RATE_NONE,
     tw_sandbox_handle_authorize},
    {"POST", "oauth/request_token", FALSE, RATE_NONE,
     tw_sandbox_handle_request_token},
    {"GET", "oauth/authorize", FALSE, RATE_NONE,
     tw_sandbox_handle_oauth1_authorize},
    {"POST", "oauth/access_token", FALSE, RATE_NONE,
     tw_sandbox_handle_access_token},
    {"GET", "2/users/me", TRUE, RATE_ME, tw_sandbox_handle_users_me},
    {"GET", "2/users/by/username/*", TRUE, RATE_USERS,
     tw_sandbox_handle_user_by_username},
    {"GET", "2/users/by", TRUE, RATE_USERS, tw_sandbox_handle_users_by},
    {"GET", "2/users", TRUE, RATE_USERS, tw_sandbox_handle_users},
    {"GET", "2/users/*", TRUE, RATE_USERS, tw_sandbox_handle_user},
    {"POST", "2/users/*/dm/block", TRUE, RATE_USERS,
     tw_sandbox_handle_dm_block},
    {"POST", "2/users/*/dm/unblock", TRUE, RATE_USERS,
     tw_sandbox_handle_dm_unblock},
    {"GET", "2/dm_events", TRUE, RATE_DM_READ, tw_sandbox_handle_dm_events},
    {"GET", "2/dm_events/*", TRUE, RATE_DM_READ, tw_sandbox_handle_dm_event},
    {"GET", "2/dm_conversations/with/*/dm_events", TRUE, RATE_DM_READ,
     tw_sandbox_handle_conversation_with_events},
    {"GET", "2/dm_conversations/*/dm_events", TRUE, RATE_DM_READ,
     tw_sandbox_handle_conversation_events},
    {"POST", "2/dm_conversations/with/*/messages", TRUE, RATE_DM_SEND,
     tw_sandbox_handle_send_with},
    {"POST", "2/dm_conversations/*/messages", TRUE, RATE_DM_SEND,
     tw_sandbox_handle_send_to_conversation},
    {"POST", "2/dm_conversations", TRUE, RATE_DM_SEND,
     tw_sandbox_handle_create_group},
    {"GET", "_sandbox/avatars/*", FALSE, RATE_NONE, tw_sandbox_handle_avatar},
};

/* Fills @captured with the (unescaped) segments matched by "*"; a pattern
 * has at most @captured_size of them. */
static gboolean
match_path(const char *pattern, char **segments, char **captured,
	   guint captured_size)
{
	g_auto(GStrv) parts = g_strsplit(pattern, "/", -1);
	guint count = 0;
	guint i;

	for (i = 0; parts[i] && segments[i]; i++) {
		if (g_str_equal(parts[i], "*")) {
			if (!*segments[i])
				return FALSE;
		} else if (!g_str_equal(parts[i], segments[i])) {
			return FALSE;
		}
	}
	if (parts[i] || segments[i])
		return FALSE;
	for (i = 0; parts[i]; i++) {
		if (g_str_equal(parts[i], "*")) {
			g_assert(count < captured_size);
			captured[count++] = segments[i];
		}
	}
	return TRUE;
}

static void
route_api_locked(Request *request)
{
	g_auto(GStrv) segments = NULL;
	char *captured[2] = {NULL, NULL};
	gboolean path_known = FALSE;

	segments = g_strsplit(request->path + 1, "/", -1);
	for (guint i = 0; segments[i]; i++) {
		char *unescaped = g_uri_unescape_string(segments[i], NULL);

		if (unescaped) {
			g_free(segments[i]);
			segments[i] = unescaped;
		}
	}
	for (guint i = 0; i < G_N_ELEMENTS(routes); i++) {
		const Route *route = &routes[i];

		if (!match_path(route->pattern, segments, captured,
				G_N_ELEMENTS(captured)))
			continue;
		path_known = TRUE;
		if (!g_str_equal(route->method, request->method))
			continue;
		if (route->needs_user) {
			request->user_id =
			    tw_sandbox_authenticate_locked(request);
			if (!request->user_id) {
				tw_sandbox_respond_unauthorized(request->msg);
				return;
			}
			request->record->user_id = g_strdup(request->user_id);
		}
		if (route->family != RATE_NONE &&
		    !tw_sandbox_consume_rate_limit_locked(request,
							  route->family))
			return;
		route->handler(request, captured);
		return;
	}
	tw_sandbox_respond_generic_problem(
	    request->msg,
	    path_known ? SOUP_STATUS_METHOD_NOT_ALLOWED : SOUP_STATUS_NOT_FOUND,
	    NULL);
}

static void
add_common_headers(TwSandbox *sandbox, SoupServerMessage *msg, gint64 started,
		   guint extra_ms)
{
	SoupMessageHeaders *headers =
	    soup_server_message_get_response_headers(msg);
	char transaction[17];
	gint64 elapsed_ms = (g_get_monotonic_time() - started) / 1000;

	for (guint i = 0; i < 16; i++)
		transaction[i] =
		    "0123456789abcdef"[g_rand_int_range(sandbox->rand, 0, 16)];
	transaction[16] = '\0';
	soup_message_headers_replace(headers, "api-version", API_VERSION);
	soup_message_headers_replace(headers, "cache-control",
				     "no-cache, no-store, max-age=0");
	soup_message_headers_replace(headers, "x-transaction-id", transaction);
	tw_sandbox_set_header_uint(headers, "x-response-time",
				   elapsed_ms + extra_ms);
}

static TwSandboxRequest *
record_request_locked(TwSandbox *sandbox, SoupServerMessage *msg,
		      const char *path, GBytes *body)
{
	TwSandboxRequest *record = g_new0(TwSandboxRequest, 1);
	const char *query = g_uri_get_query(soup_server_message_get_uri(msg));
	gsize length = body ? g_bytes_get_size(body) : 0;

	record->method = g_strdup(soup_server_message_get_method(msg));
	record->path = g_strdup(path);
	record->query = g_strdup(query);
	if (length > 0)
		record->body = g_strndup(g_bytes_get_data(body, NULL), length);
	g_ptr_array_add(sandbox->requests, record);
	return record;
}

static void handle_control_locked(Request *request);

static void
handle_message(SoupServer *server, SoupServerMessage *msg, const char *path,
	       GHashTable *query, gpointer data)
{
	TwSandbox *sandbox = data;
	gint64 started = g_get_monotonic_time();
	g_autoptr(GBytes) body = soup_message_body_flatten(
	    soup_server_message_get_request_body(msg));
	Request request = {
	    .sandbox = sandbox,
	    .msg = msg,
	    .method = soup_server_message_get_method(msg),
	    .path = path,
	    .query = query,
	    .body = body,
	};
	Fault fault = {0};
	gboolean faulted;
	GSocket *socket = soup_server_message_get_socket(msg);

	g_mutex_lock(&sandbox->mutex);
	/* A mark on the socket object: a new connection never inherits it,
	 * even at a reused address. */
	if (socket && !g_object_get_data(G_OBJECT(socket), "tw-sandbox-seen")) {
		g_object_set_data(G_OBJECT(socket), "tw-sandbox-seen",
				  GINT_TO_POINTER(1));
		sandbox->counters.connections++;
	}
	if (g_str_has_prefix(path, CONTROL_PREFIX) &&
	    !g_str_has_prefix(path, AVATAR_PREFIX)) {
		handle_control_locked(&request);
		g_mutex_unlock(&sandbox->mutex);
		return;
	}

	request.record = record_request_locked(sandbox, msg, path, body);
	faulted =
	    tw_sandbox_take_fault_locked(sandbox, request.method, path, &fault);
	if (!faulted || !tw_sandbox_answer_fault_locked(&request, &fault))
		route_api_locked(&request);
	add_common_headers(sandbox, msg, started,
			   faulted && fault.kind == TW_SANDBOX_FAULT_DELAY
			       ? fault.delay_ms
			       : 0);
	request.record->status = soup_server_message_get_status(msg);
	if (faulted && (fault.kind == TW_SANDBOX_FAULT_RESET ||
			fault.kind == TW_SANDBOX_FAULT_TRUNCATED))
		request.record->status = 0;
	if (faulted && (fault.kind == TW_SANDBOX_FAULT_DELAY ||
			fault.kind == TW_SANDBOX_FAULT_RESET ||
			fault.kind == TW_SANDBOX_FAULT_TRUNCATED))
		tw_sandbox_hold_message_locked(&request, &fault);
	g_debug("%s %s -> %u", request.method, path, request.record->status);
	g_mutex_unlock(&sandbox->mutex);
}

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

static JsonNode *
state_node_locked(TwSandbox *sandbox)
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
		g_autoptr(JsonNode) state = state_node_locked(sandbox);

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

/* /_sandbox/...: JSON in and out, no auth, not recorded, never faulted. */
static void
handle_control_locked(Request *request)
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

/* ------------------------------------------------------------------------ */
/* Server thread                                                             */

static void
finish_start(TwSandbox *sandbox, GError *error)
{
	g_mutex_lock(&sandbox->start_mutex);
	sandbox->start_error = error;
	sandbox->start_finished = TRUE;
	g_cond_signal(&sandbox->start_cond);
	g_mutex_unlock(&sandbox->start_mutex);
}

static gpointer
server_thread(gpointer data)
{
	TwSandbox *sandbox = data;
	g_autoptr(SoupServer) server = NULL;
	GError *error = NULL;
	GSList *uris;

	g_main_context_push_thread_default(sandbox->context);
	server =
	    soup_server_new("tls-certificate", sandbox->tls_certificate, NULL);
	soup_server_add_handler(server, NULL, handle_message, sandbox, NULL);
	if (!soup_server_listen_local(
		server, sandbox->port,
		SOUP_SERVER_LISTEN_IPV4_ONLY |
		    (sandbox->tls_certificate ? SOUP_SERVER_LISTEN_HTTPS : 0),
		&error)) {
		finish_start(sandbox, error);
		g_main_context_pop_thread_default(sandbox->context);
		return NULL;
	}
	uris = soup_server_get_uris(server);
	sandbox->port = uris ? (guint)g_uri_get_port(uris->data) : 0;
	g_slist_free_full(uris, (GDestroyNotify)g_uri_unref);
	sandbox->base_url = g_strdup_printf(
	    "%s://127.0.0.1:%u", sandbox->tls_certificate ? "https" : "http",
	    sandbox->port);
	finish_start(sandbox, NULL);

	g_main_loop_run(sandbox->loop);

	/* Paused messages and timers go first, then the connections; the
	 * drain lets libsoup finish closing them so nothing leaks. */
	g_mutex_lock(&sandbox->mutex);
	for (guint i = 0; i < sandbox->pending_sources->len; i++)
		g_source_destroy(sandbox->pending_sources->pdata[i]);
	g_ptr_array_set_size(sandbox->pending_sources, 0);
	tw_sandbox_stop_customers_timer_locked(sandbox);
	g_mutex_unlock(&sandbox->mutex);
	soup_server_disconnect(server);
	while (g_main_context_iteration(sandbox->context, FALSE))
		;
	g_clear_object(&server);
	while (g_main_context_iteration(sandbox->context, FALSE))
		;
	g_main_context_pop_thread_default(sandbox->context);
	return NULL;
}

gboolean
tw_sandbox_start(TwSandbox *sandbox, guint port, GError **error)
{
	GError *start_error;

	g_return_val_if_fail(sandbox != NULL, FALSE);
	g_return_val_if_fail(sandbox->thread == NULL, FALSE);

	sandbox->port = port;
	sandbox->loop = g_main_loop_new(sandbox->context, FALSE);
	sandbox->start_finished = FALSE;
	sandbox->thread = g_thread_new("tw-sandbox", server_thread, sandbox);

	g_mutex_lock(&sandbox->start_mutex);
	while (!sandbox->start_finished)
		g_cond_wait(&sandbox->start_cond, &sandbox->start_mutex);
	start_error = g_steal_pointer(&sandbox->start_error);
	g_mutex_unlock(&sandbox->start_mutex);

	if (start_error) {
		g_thread_join(g_steal_pointer(&sandbox->thread));
		g_clear_pointer(&sandbox->loop, g_main_loop_unref);
		g_propagate_error(error, start_error);
		return FALSE;
	}
	g_debug("sandbox listening on %s", sandbox->base_url);
	return TRUE;
}

gboolean
tw_sandbox_set_tls_certificate(TwSandbox *sandbox, const char *cert_file,
			       const char *key_file, GError **error)
{
	GTlsCertificate *certificate;

	g_return_val_if_fail(sandbox != NULL, FALSE);
	g_return_val_if_fail(sandbox->thread == NULL, FALSE);

	certificate =
	    g_tls_certificate_new_from_files(cert_file, key_file, error);
	if (!certificate)
		return FALSE;
	g_clear_object(&sandbox->tls_certificate);
	sandbox->tls_certificate = certificate;
	return TRUE;
}

const char *
tw_sandbox_get_base_url(TwSandbox *sandbox)
{
	g_return_val_if_fail(sandbox != NULL, NULL);

	return sandbox->base_url;
}

static gboolean
quit_loop(gpointer data)
{
	g_main_loop_quit(data);
	return G_SOURCE_REMOVE;
}

void
tw_sandbox_free(TwSandbox *sandbox)
{
	if (!sandbox)
		return;
	if (sandbox->thread) {
		/* Quitting from inside the loop cannot race with its start. */
		g_main_context_invoke(sandbox->context, quit_loop,
				      sandbox->loop);
		g_thread_join(g_steal_pointer(&sandbox->thread));
	}
	g_clear_pointer(&sandbox->loop, g_main_loop_unref);

	g_mutex_lock(&sandbox->mutex);
	tw_sandbox_stop_customers_timer_locked(sandbox);
	for (guint i = 0; i < sandbox->pending_sources->len; i++)
		g_source_destroy(sandbox->pending_sources->pdata[i]);
	g_ptr_array_set_size(sandbox->pending_sources, 0);
	g_mutex_unlock(&sandbox->mutex);
	g_main_context_unref(sandbox->context);

	g_ptr_array_unref(sandbox->pending_sources);
	g_ptr_array_unref(sandbox->customers);
	g_free(sandbox->customers_account_id);
	g_ptr_array_unref(sandbox->faults);
	g_hash_table_unref(sandbox->consumers);
	g_hash_table_unref(sandbox->nonces);
	g_free(sandbox->authorizing_user_id);
	g_ptr_array_unref(sandbox->requests);
	g_hash_table_unref(sandbox->billed);
	g_hash_table_unref(sandbox->buckets);
	g_hash_table_unref(sandbox->tokens);
	g_hash_table_unref(sandbox->events_by_id);
	g_ptr_array_unref(sandbox->events);
	g_hash_table_unref(sandbox->conversations);
	g_ptr_array_unref(sandbox->user_order);
	g_hash_table_unref(sandbox->users_by_username);
	g_hash_table_unref(sandbox->users);
	g_rand_free(sandbox->rand);
	g_mutex_clear(&sandbox->mutex);
	g_mutex_clear(&sandbox->start_mutex);
	g_cond_clear(&sandbox->start_cond);
	g_free(sandbox->base_url);
	g_clear_object(&sandbox->tls_certificate);
	g_free(sandbox->problem_host);
	g_free(sandbox->client_id);
	g_free(sandbox->client_secret);
	g_free(sandbox);
}

/* ------------------------------------------------------------------------ */
/* Public controls                                                           */

char *
tw_sandbox_add_user(TwSandbox *sandbox, const char *username, const char *name)
{
	g_autoptr(GError) error = NULL;
	char *id = NULL;
	User *user;

	g_return_val_if_fail(sandbox != NULL, NULL);
	g_return_val_if_fail(username != NULL, NULL);

	g_mutex_lock(&sandbox->mutex);
	user =
	    tw_sandbox_add_user_locked(sandbox, NULL, username, name, &error);
	if (user)
		id = g_strdup(user->id);
	g_mutex_unlock(&sandbox->mutex);
	if (error)
		g_critical("tw_sandbox_add_user: %s", error->message);
	return id;
}

void
tw_sandbox_set_receives_dm(TwSandbox *sandbox, const char *user_id,
			   gboolean receives)
{
	User *user;

	g_return_if_fail(sandbox != NULL);

	g_mutex_lock(&sandbox->mutex);
	user = tw_sandbox_find_user_locked(sandbox, user_id);
	if (user)
		user->receives_dm = receives;
	g_mutex_unlock(&sandbox->mutex);
	if (!user)
		g_critical("tw_sandbox_set_receives_dm: unknown user");
}

void
tw_sandbox_set_connection_status(TwSandbox *sandbox, const char *user_id,
				 const char *const *status)
{
	User *user;

	g_return_if_fail(sandbox != NULL);

	g_mutex_lock(&sandbox->mutex);
	user = tw_sandbox_find_user_locked(sandbox, user_id);
	if (user) {
		g_strfreev(user->connection_status);
		user->connection_status = g_strdupv((char **)status);
	}
	g_mutex_unlock(&sandbox->mutex);
	if (!user)
		g_critical("tw_sandbox_set_connection_status: unknown user");
}

void
tw_sandbox_rename_user(TwSandbox *sandbox, const char *user_id,
		       const char *username, const char *name)
{
	User *user;
	User *other = NULL;

	g_return_if_fail(sandbox != NULL);

	g_mutex_lock(&sandbox->mutex);
	user = tw_sandbox_find_user_locked(sandbox, user_id);
	if (user && username)
		other =
		    tw_sandbox_find_user_by_username_locked(sandbox, username);
	if (user && username && tw_sandbox_is_valid_username(username) &&
	    (other == NULL || other == user)) {
		g_autofree char *old_key = g_utf8_casefold(user->username, -1);

		g_hash_table_remove(sandbox->users_by_username, old_key);
		g_free(user->username);
		user->username = g_strdup(username);
		g_hash_table_insert(sandbox->users_by_username,
				    g_utf8_casefold(username, -1), user);
		username = NULL;
	}
	if (user && name && *name) {
		g_free(user->name);
		user->name = g_strdup(name);
	}
	g_mutex_unlock(&sandbox->mutex);
	if (!user || username)
		g_critical("tw_sandbox_rename_user: unknown user or unusable "
			   "username");
}

char *
tw_sandbox_issue_refresh_token(TwSandbox *sandbox, const char *user_id)
{
	char *token = NULL;

	g_return_val_if_fail(sandbox != NULL, NULL);

	g_mutex_lock(&sandbox->mutex);
	if (tw_sandbox_find_user_locked(sandbox, user_id))
		token = tw_sandbox_issue_refresh_token_locked(sandbox, user_id);
	g_mutex_unlock(&sandbox->mutex);
	if (!token)
		g_critical("tw_sandbox_issue_refresh_token: unknown user");
	return token;
}

char *
tw_sandbox_create_message(TwSandbox *sandbox, const char *sender_id,
			  const char *recipient_id, const char *text)
{
	TwSandboxMessage message = {
	    .sender_id = sender_id,
	    .recipient_id = recipient_id,
	    .text = text,
	};

	return tw_sandbox_create_message_full(sandbox, &message);
}

char *
tw_sandbox_create_message_full(TwSandbox *sandbox,
			       const TwSandboxMessage *message)
{
	g_autoptr(GError) error = NULL;
	char *id;

	g_return_val_if_fail(sandbox != NULL, NULL);
	g_return_val_if_fail(message != NULL, NULL);

	g_mutex_lock(&sandbox->mutex);
	id = tw_sandbox_create_message_locked(sandbox, message, &error);
	g_mutex_unlock(&sandbox->mutex);
	if (error)
		g_critical("tw_sandbox_create_message: %s", error->message);
	return id;
}

char *
tw_sandbox_create_group(TwSandbox *sandbox, const char *creator_id,
			const GPtrArray *participant_ids, const char *text)
{
	g_autoptr(GError) error = NULL;
	char *id;

	g_return_val_if_fail(sandbox != NULL, NULL);

	g_mutex_lock(&sandbox->mutex);
	id = tw_sandbox_create_group_locked(sandbox, creator_id,
					    participant_ids, text, &error);
	g_mutex_unlock(&sandbox->mutex);
	if (error)
		g_critical("tw_sandbox_create_group: %s", error->message);
	return id;
}

/* One ParticipantsJoin or ParticipantsLeave event, visible like a
 * message. */
static void
add_membership_event_locked(TwSandbox *sandbox, Conversation *conversation,
			    EventType type, const char *sender_id,
			    const char *user_id)
{
	Event *event = g_new0(Event, 1);

	event->type = type;
	event->number = tw_sandbox_snowflake_now();
	event->created_at = g_get_real_time();
	event->conversation_id = g_strdup(conversation->id);
	event->sender_id = g_strdup(sender_id);
	event->participant_ids = g_ptr_array_new_with_free_func(g_free);
	g_ptr_array_add(event->participant_ids, g_strdup(user_id));
	event->visible_after =
	    g_get_monotonic_time() +
	    (gint64)sandbox->config.visibility_delay_ms * 1000;
	tw_sandbox_insert_event_locked(sandbox, event);
}

gboolean
tw_sandbox_group_add_participant(TwSandbox *sandbox,
				 const char *conversation_id,
				 const char *adder_id, const char *user_id)
{
	Conversation *conversation;
	gboolean done = FALSE;

	g_return_val_if_fail(sandbox != NULL, FALSE);

	g_mutex_lock(&sandbox->mutex);
	conversation =
	    tw_sandbox_find_conversation_locked(sandbox, conversation_id);
	if (conversation && conversation->is_group &&
	    tw_sandbox_find_user_locked(sandbox, user_id) &&
	    g_ptr_array_find_with_equal_func(conversation->member_ids, adder_id,
					     g_str_equal, NULL) &&
	    !g_ptr_array_find_with_equal_func(conversation->member_ids, user_id,
					      g_str_equal, NULL)) {
		g_ptr_array_add(conversation->member_ids, g_strdup(user_id));
		add_membership_event_locked(sandbox, conversation,
					    EVENT_PARTICIPANTS_JOIN, adder_id,
					    user_id);
		done = TRUE;
	}
	g_mutex_unlock(&sandbox->mutex);
	return done;
}

gboolean
tw_sandbox_group_remove_participant(TwSandbox *sandbox,
				    const char *conversation_id,
				    const char *user_id)
{
	Conversation *conversation;
	guint index;
	gboolean done = FALSE;

	g_return_val_if_fail(sandbox != NULL, FALSE);

	g_mutex_lock(&sandbox->mutex);
	conversation =
	    tw_sandbox_find_conversation_locked(sandbox, conversation_id);
	if (conversation && conversation->is_group &&
	    g_ptr_array_find_with_equal_func(conversation->member_ids, user_id,
					     g_str_equal, &index)) {
		/* Inserted first, so the members who stay see it. */
		add_membership_event_locked(sandbox, conversation,
					    EVENT_PARTICIPANTS_LEAVE, user_id,
					    user_id);
		g_ptr_array_remove_index(conversation->member_ids, index);
		done = TRUE;
	}
	g_mutex_unlock(&sandbox->mutex);
	return done;
}

static TwSandboxRequest *
copy_request(const TwSandboxRequest *record)
{
	TwSandboxRequest *copy = g_new0(TwSandboxRequest, 1);

	copy->method = g_strdup(record->method);
	copy->path = g_strdup(record->path);
	copy->query = g_strdup(record->query);
	copy->body = g_strdup(record->body);
	copy->user_id = g_strdup(record->user_id);
	copy->status = record->status;
	return copy;
}

GPtrArray *
tw_sandbox_dup_requests(TwSandbox *sandbox)
{
	GPtrArray *copies;

	g_return_val_if_fail(sandbox != NULL, NULL);

	copies = g_ptr_array_new_with_free_func(
	    (GDestroyNotify)tw_sandbox_request_free);
	g_mutex_lock(&sandbox->mutex);
	for (guint i = 0; i < sandbox->requests->len; i++)
		g_ptr_array_add(copies,
				copy_request(sandbox->requests->pdata[i]));
	g_mutex_unlock(&sandbox->mutex);
	return copies;
}

guint
tw_sandbox_count_requests(TwSandbox *sandbox, const char *method,
			  const char *path_prefix)
{
	guint count = 0;

	g_return_val_if_fail(sandbox != NULL, 0);

	g_mutex_lock(&sandbox->mutex);
	for (guint i = 0; i < sandbox->requests->len; i++) {
		const TwSandboxRequest *record = sandbox->requests->pdata[i];

		if (method && g_ascii_strcasecmp(method, record->method) != 0)
			continue;
		if (path_prefix && !g_str_has_prefix(record->path, path_prefix))
			continue;
		count++;
	}
	g_mutex_unlock(&sandbox->mutex);
	return count;
}

void
tw_sandbox_clear_requests(TwSandbox *sandbox)
{
	g_return_if_fail(sandbox != NULL);

	g_mutex_lock(&sandbox->mutex);
	g_ptr_array_set_size(sandbox->requests, 0);
	g_mutex_unlock(&sandbox->mutex);
}

char **
tw_sandbox_dup_issued_secrets(TwSandbox *sandbox)
{
	GPtrArray *secrets = g_ptr_array_new();
	GHashTableIter iter;
	gpointer key, value;

	g_return_val_if_fail(sandbox != NULL, NULL);

	g_mutex_lock(&sandbox->mutex);
	g_hash_table_iter_init(&iter, sandbox->tokens);
	while (g_hash_table_iter_next(&iter, &key, &value)) {
		const Token *token = value;

		g_ptr_array_add(secrets, g_strdup(key));
		if (token->secret)
			g_ptr_array_add(secrets, g_strdup(token->secret));
	}
	g_hash_table_iter_init(&iter, sandbox->consumers);
	while (g_hash_table_iter_next(&iter, NULL, &value))
		g_ptr_array_add(secrets, g_strdup(value));
	if (sandbox->client_secret)
		g_ptr_array_add(secrets, g_strdup(sandbox->client_secret));
	g_mutex_unlock(&sandbox->mutex);
	g_ptr_array_add(secrets, NULL);
	return (char **)g_ptr_array_free(secrets, FALSE);
}

void
tw_sandbox_get_counters(TwSandbox *sandbox, TwSandboxCounters *counters)
{
	g_return_if_fail(sandbox != NULL);
	g_return_if_fail(counters != NULL);

	g_mutex_lock(&sandbox->mutex);
	*counters = sandbox->counters;
	g_mutex_unlock(&sandbox->mutex);
}

void
tw_sandbox_add_fault(TwSandbox *sandbox, const TwSandboxFault *fault)
{
	Fault *copy;

	g_return_if_fail(sandbox != NULL);
	g_return_if_fail(fault != NULL);

	copy = g_new0(Fault, 1);
	copy->kind = fault->kind;
	copy->method = g_strdup(fault->method);
	copy->path_prefix = g_strdup(fault->path_prefix);
	copy->remaining = fault->count;
	copy->status = fault->status;
	copy->delay_ms = fault->delay_ms;
	g_mutex_lock(&sandbox->mutex);
	g_ptr_array_add(sandbox->faults, copy);
	g_mutex_unlock(&sandbox->mutex);
}

void
tw_sandbox_clear_faults(TwSandbox *sandbox)
{
	g_return_if_fail(sandbox != NULL);

	g_mutex_lock(&sandbox->mutex);
	g_ptr_array_set_size(sandbox->faults, 0);
	g_mutex_unlock(&sandbox->mutex);
}

void
tw_sandbox_refuse_refresh(TwSandbox *sandbox, guint count)
{
	g_return_if_fail(sandbox != NULL);

	g_mutex_lock(&sandbox->mutex);
	sandbox->refuse_refresh = count;
	g_mutex_unlock(&sandbox->mutex);
}

void
tw_sandbox_expire_access_tokens(TwSandbox *sandbox)
{
	g_return_if_fail(sandbox != NULL);

	g_mutex_lock(&sandbox->mutex);
	tw_sandbox_expire_access_tokens_locked(sandbox);
	g_mutex_unlock(&sandbox->mutex);
}

void
tw_sandbox_set_customers_mode(TwSandbox *sandbox, const char *account_id,
			      guint interval_ms)
{
	g_autoptr(GError) error = NULL;

	g_return_if_fail(sandbox != NULL);

	g_mutex_lock(&sandbox->mutex);
	tw_sandbox_set_customers_mode_locked(sandbox, account_id, interval_ms,
					     &error);
	g_mutex_unlock(&sandbox->mutex);
	if (error)
		g_critical("tw_sandbox_set_customers_mode: %s", error->message);
}

char *
tw_sandbox_dup_state_json(TwSandbox *sandbox)
{
	g_autoptr(JsonNode) state = NULL;

	g_return_val_if_fail(sandbox != NULL, NULL);

	g_mutex_lock(&sandbox->mutex);
	state = state_node_locked(sandbox);
	g_mutex_unlock(&sandbox->mutex);
	return tw_sandbox_node_to_text(state, NULL);
}

void
tw_sandbox_set_authorize_outcome(TwSandbox *sandbox,
				 TwSandboxAuthorizeOutcome outcome, guint count)
{
	g_return_if_fail(sandbox != NULL);

	g_mutex_lock(&sandbox->mutex);
	sandbox->authorize_outcome = outcome;
	sandbox->authorize_count = count;
	g_mutex_unlock(&sandbox->mutex);
}

void
tw_sandbox_set_authorizing_user(TwSandbox *sandbox, const char *user_id)
{
	g_return_if_fail(sandbox != NULL);

	g_mutex_lock(&sandbox->mutex);
	g_free(sandbox->authorizing_user_id);
	sandbox->authorizing_user_id = g_strdup(user_id);
	g_mutex_unlock(&sandbox->mutex);
}

void
tw_sandbox_add_consumer(TwSandbox *sandbox, const char *consumer_key,
			const char *consumer_secret)
{
	g_return_if_fail(sandbox != NULL);
	g_return_if_fail(consumer_key != NULL && consumer_secret != NULL);

	g_mutex_lock(&sandbox->mutex);
	g_hash_table_replace(sandbox->consumers, g_strdup(consumer_key),
			     g_strdup(consumer_secret));
	g_mutex_unlock(&sandbox->mutex);
}

char *
tw_sandbox_issue_oauth1_token(TwSandbox *sandbox, const char *user_id,
			      const char *consumer_key, char **token_secret)
{
	char *text = NULL;

	g_return_val_if_fail(sandbox != NULL, NULL);
	g_return_val_if_fail(token_secret != NULL, NULL);

	*token_secret = NULL;
	g_mutex_lock(&sandbox->mutex);
	if (tw_sandbox_find_user_locked(sandbox, user_id) && consumer_key &&
	    g_hash_table_contains(sandbox->consumers, consumer_key)) {
		Token *token = tw_sandbox_new_oauth1_token_locked(
		    sandbox, TOKEN_OAUTH1_ACCESS, consumer_key, user_id, &text);

		*token_secret = g_strdup(token->secret);
	}
	g_mutex_unlock(&sandbox->mutex);
	return text;
}
