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

#define API_VERSION "2.167"

const char *
tw_sandbox_body_text(Request *request, gsize *length)
{
	gsize size = 0;
	const char *data =
	    request->body ? g_bytes_get_data(request->body, &size) : NULL;

	*length = size;
	return data ? data : "";
}

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

/* First match wins, so "2/users/by" comes before "2/users/<id>". A pattern
 * matches a path of exactly its length: "2/media/upload" is the one-shot
 * upload (POST) and STATUS (GET) and nothing below it. */
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
    {"POST", "2/media/upload", TRUE, RATE_MEDIA_UPLOAD,
     tw_sandbox_handle_media_upload},
    {"GET", "2/media/upload", TRUE, RATE_NONE, tw_sandbox_handle_media_status},
    {"POST", "2/media/upload/initialize", TRUE, RATE_MEDIA_CHUNKED,
     tw_sandbox_handle_media_initialize},
    {"POST", "2/media/upload/*/append", TRUE, RATE_MEDIA_CHUNKED,
     tw_sandbox_handle_media_append},
    {"POST", "2/media/upload/*/finalize", TRUE, RATE_MEDIA_CHUNKED,
     tw_sandbox_handle_media_finalize},
    {"GET", "2/dm_conversations/media/*/*/*", TRUE, RATE_NONE,
     tw_sandbox_handle_media_download},
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
	char *captured[3] = {NULL, NULL, NULL};
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
		tw_sandbox_handle_control_locked(&request);
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
	g_hash_table_unref(sandbox->uploads);
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
	g_free(sandbox->processing_error);
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
	copy->path_suffix = g_strdup(fault->path_suffix);
	copy->skip = fault->skip;
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
	state = tw_sandbox_state_node_locked(sandbox);
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
