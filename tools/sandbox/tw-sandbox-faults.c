/*
 * tw-sandbox-faults: injected failures.
 *
 * Faults that answer a matching request with an error status, a malformed
 * body, a delay, a half-sent response or a cut connection.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "config.h"

#include "tw-sandbox-private.h"

/* ------------------------------------------------------------------------ */
/* Faults                                                                    */

/* A page cut off in the middle of its first event. */
#define MALFORMED_BODY "{\"data\":[{\"id\":"

static gboolean
fault_matches(const Fault *fault, const char *method, const char *path)
{
	if (fault->method && g_ascii_strcasecmp(fault->method, method) != 0)
		return FALSE;
	if (fault->path_suffix && !g_str_has_suffix(path, fault->path_suffix))
		return FALSE;
	return !fault->path_prefix ||
	       g_str_has_prefix(path, fault->path_prefix);
}

gboolean
tw_sandbox_take_fault_locked(TwSandbox *sandbox, const char *method,
			     const char *path, Fault *taken)
{
	for (guint i = 0; i < sandbox->faults->len; i++) {
		Fault *fault = sandbox->faults->pdata[i];

		if (!fault_matches(fault, method, path))
			continue;
		if (fault->skip > 0) {
			fault->skip--;
			continue;
		}
		*taken = *fault;
		taken->method = NULL;
		taken->path_prefix = NULL;
		taken->path_suffix = NULL;
		if (fault->remaining > 0 && --fault->remaining == 0)
			g_ptr_array_remove_index(sandbox->faults, i);
		return TRUE;
	}
	return FALSE;
}

gboolean
tw_sandbox_answer_fault_locked(Request *request, const Fault *fault)
{
	TwSandbox *sandbox = request->sandbox;
	SoupMessageHeaders *headers =
	    soup_server_message_get_response_headers(request->msg);
	gint64 reset = g_get_real_time() / G_USEC_PER_SEC +
		       sandbox->config.rate_window_seconds;

	switch (fault->kind) {
	case TW_SANDBOX_FAULT_STATUS:
		tw_sandbox_respond_generic_problem(
		    request->msg, fault->status ? fault->status : 500, NULL);
		return TRUE;
	case TW_SANDBOX_FAULT_RATE_LIMIT:
		tw_sandbox_set_header_uint(headers, "x-rate-limit-limit",
					   sandbox->config.dm_read_limit);
		tw_sandbox_set_header_uint(headers, "x-rate-limit-remaining",
					   0);
		tw_sandbox_set_header_uint(headers, "x-rate-limit-reset",
					   reset);
		sandbox->counters.rate_limited++;
		tw_sandbox_respond_too_many_requests(request->msg);
		return TRUE;
	case TW_SANDBOX_FAULT_USAGE_CAP:
		tw_sandbox_respond_usage_cap(sandbox, request->msg);
		return TRUE;
	case TW_SANDBOX_FAULT_CREDITS:
		tw_sandbox_respond_credits_depleted(sandbox, request->msg);
		return TRUE;
	case TW_SANDBOX_FAULT_MALFORMED:
		soup_server_message_set_status(request->msg, SOUP_STATUS_OK,
					       NULL);
		soup_server_message_set_response(
		    request->msg, JSON_CONTENT_TYPE, SOUP_MEMORY_STATIC,
		    MALFORMED_BODY, strlen(MALFORMED_BODY));
		return TRUE;
	case TW_SANDBOX_FAULT_UNAUTHORIZED:
		tw_sandbox_respond_unauthorized(request->msg);
		return TRUE;
	case TW_SANDBOX_FAULT_RESET:
		/* Nothing is processed: the connection just drops. */
		soup_server_message_set_status(request->msg, SOUP_STATUS_OK,
					       NULL);
		return TRUE;
	case TW_SANDBOX_FAULT_DELAY:
	case TW_SANDBOX_FAULT_TRUNCATED:
		break;
	}
	return FALSE;
}

typedef struct {
	TwSandbox *sandbox;
	SoupServerMessage *msg;
	TwSandboxFaultKind kind;
} HeldMessage;

static void
held_message_free(HeldMessage *held)
{
	g_object_unref(held->msg);
	g_free(held);
}

static gboolean
release_delayed(gpointer data)
{
	HeldMessage *held = data;
	gboolean due;

	g_mutex_lock(&held->sandbox->mutex);
	due = tw_sandbox_forget_current_source_locked(held->sandbox);
	g_mutex_unlock(&held->sandbox->mutex);
	if (due)
		soup_server_message_unpause(held->msg);
	return G_SOURCE_REMOVE;
}

/* The status line, headers with the full Content-Length, and half the
 * body: the client sees the connection end early. */
static GBytes *
serialize_half_response(SoupServerMessage *msg)
{
	SoupMessageHeaders *headers =
	    soup_server_message_get_response_headers(msg);
	g_autoptr(GBytes) body = soup_message_body_flatten(
	    soup_server_message_get_response_body(msg));
	GString *out = g_string_new(NULL);
	SoupMessageHeadersIter iter;
	const char *name, *value;
	gsize length = g_bytes_get_size(body);
	guint status = soup_server_message_get_status(msg);

	g_string_append_printf(out, "HTTP/1.1 %u %s\r\n", status,
			       soup_status_get_phrase(status));
	soup_message_headers_iter_init(&iter, headers);
	while (soup_message_headers_iter_next(&iter, &name, &value)) {
		if (g_ascii_strcasecmp(name, "Content-Length") != 0 &&
		    g_ascii_strcasecmp(name, "Connection") != 0)
			g_string_append_printf(out, "%s: %s\r\n", name, value);
	}
	g_string_append_printf(out,
			       "Content-Length: %" G_GSIZE_FORMAT
			       "\r\nConnection: close\r\n\r\n",
			       length);
	g_string_append_len(out, g_bytes_get_data(body, NULL),
			    (gssize)(length / 2));
	return g_string_free_to_bytes(out);
}

/* Runs from an idle source: stealing the connection inside the handler
 * would free the message under libsoup's feet. */
static gboolean
cut_connection(gpointer data)
{
	HeldMessage *held = data;
	g_autoptr(GBytes) partial = NULL;
	g_autoptr(GSocket) socket = NULL;
	GIOStream *stream;
	gboolean due;

	g_mutex_lock(&held->sandbox->mutex);
	due = tw_sandbox_forget_current_source_locked(held->sandbox);
	g_mutex_unlock(&held->sandbox->mutex);
	if (!due)
		return G_SOURCE_REMOVE;

	if (held->kind == TW_SANDBOX_FAULT_TRUNCATED) {
		partial = serialize_half_response(held->msg);
	} else {
		socket = soup_server_message_get_socket(held->msg);
		if (socket) {
			/* SO_LINGER 0: close() sends a RST, a real reset. */
			struct linger linger = {.l_onoff = 1, .l_linger = 0};

			g_object_ref(socket);
			setsockopt(g_socket_get_fd(socket), SOL_SOCKET,
				   SO_LINGER, &linger, sizeof linger);
		}
	}
	stream = soup_server_message_steal_connection(held->msg);
	if (stream) {
		if (partial)
			g_output_stream_write_all(
			    g_io_stream_get_output_stream(stream),
			    g_bytes_get_data(partial, NULL),
			    g_bytes_get_size(partial), NULL, NULL, NULL);
		g_io_stream_close(stream, NULL, NULL);
		g_object_unref(stream);
	}
	return G_SOURCE_REMOVE;
}

void
tw_sandbox_hold_message_locked(Request *request, const Fault *fault)
{
	HeldMessage *held = g_new0(HeldMessage, 1);
	GSource *source;

	held->sandbox = request->sandbox;
	held->msg = g_object_ref(request->msg);
	held->kind = fault->kind;
	soup_server_message_pause(request->msg);
	if (fault->kind == TW_SANDBOX_FAULT_DELAY) {
		source = g_timeout_source_new(fault->delay_ms);
		g_source_set_callback(source, release_delayed, held,
				      (GDestroyNotify)held_message_free);
	} else {
		source = g_idle_source_new();
		g_source_set_callback(source, cut_connection, held,
				      (GDestroyNotify)held_message_free);
	}
	tw_sandbox_track_source_locked(request->sandbox, source);
}
