/*
 * tw-http: asynchronous HTTP requests with libcurl's multi interface.
 *
 * TwHttp owns every curl handle: nothing above this layer sees a curl type.
 * Connections are reused (keep-alive, HTTP/2 where offered), TLS
 * verification is always on, every request has a timeout, and plain http is
 * accepted only for loopback hosts. The Authorization header and request
 * bodies marked secret never reach debug output.
 *
 * Callback contract: a request's completion function runs at most once, and
 * never after tw_http_cancel(), tw_http_cancel_all() or tw_http_free(); its
 * GDestroyNotify runs exactly once in every case.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/** Error domain of this layer. */
#define TW_HTTP_ERROR (tw_http_error_quark())
GQuark tw_http_error_quark(void);

/**
 * TwHttpError:
 * @TW_HTTP_ERROR_NETWORK: connection reset, closed or broken after the
 *   request was (at least partly) sent: it may have taken effect
 * @TW_HTTP_ERROR_CONNECT: no connection (refused, DNS failure, connect
 *   timeout): nothing was sent, so even a POST is safe to send again
 * @TW_HTTP_ERROR_TIMEOUT: the request's timeout ran out
 * @TW_HTTP_ERROR_TLS: certificate or TLS handshake failure
 * @TW_HTTP_ERROR_INSECURE_URL: plain http to a host that is not loopback,
 *   or a scheme other than http(s)
 * @TW_HTTP_ERROR_INVALID_URL: the URL cannot be parsed
 * @TW_HTTP_ERROR_TOO_LARGE: the response body exceeded the size limit
 * @TW_HTTP_ERROR_PROXY: the proxy refused or failed
 *
 * Transport failures. An HTTP status, even 5xx, is not an error here: the
 * caller gets the response and decides.
 */
typedef enum {
	TW_HTTP_ERROR_NETWORK,
	TW_HTTP_ERROR_TIMEOUT,
	TW_HTTP_ERROR_TLS,
	TW_HTTP_ERROR_INSECURE_URL,
	TW_HTTP_ERROR_INVALID_URL,
	TW_HTTP_ERROR_TOO_LARGE,
	TW_HTTP_ERROR_PROXY,
	TW_HTTP_ERROR_CONNECT,
} TwHttpError;

/** Default timeout of a request, in seconds. */
#define TW_HTTP_DEFAULT_TIMEOUT 30

/** Largest response body accepted, in bytes. */
#define TW_HTTP_MAX_BODY (8 * 1024 * 1024)

typedef struct _TwHttp TwHttp;
typedef struct _TwHttpRequest TwHttpRequest;
typedef struct _TwHttpResponse TwHttpResponse;

/**
 * TwHttpDoneFunc:
 * @response: (transfer none) (nullable): the response, %NULL on error
 * @error: (nullable): a #TW_HTTP_ERROR, %NULL when a response arrived
 * @user_data: the data given to tw_http_send()
 *
 * Completion of a request. Exactly one of @response and @error is set.
 */
typedef void (*TwHttpDoneFunc)(TwHttpResponse *response, const GError *error,
			       gpointer user_data);

/**
 * tw_http_url_is_allowed:
 * @url: an absolute URL
 * @error: (out) (optional): why it is refused
 *
 * The transport policy in one place: https anywhere, http only when the host
 * is a loopback address (127.0.0.0/8, ::1 or "localhost").
 *
 * Returns: %TRUE when requests to @url may be made
 */
gboolean tw_http_url_is_allowed(const char *url, GError **error);

/**
 * tw_http_request_new:
 * @method: "GET", "POST", "DELETE"
 * @url: an absolute URL; checked with tw_http_url_is_allowed() on send
 *
 * Returns: (transfer full): a request; give it to tw_http_send() or free it
 * with tw_http_request_free()
 */
TwHttpRequest *tw_http_request_new(const char *method, const char *url);

/**
 * tw_http_request_free:
 * @request: (transfer full) (nullable): a request never sent
 */
void tw_http_request_free(TwHttpRequest *request);

/**
 * tw_http_request_add_header:
 * @request: the request
 * @name: header name
 * @value: header value
 *
 * Adds a header. An "Authorization" header is never logged.
 */
void tw_http_request_add_header(TwHttpRequest *request, const char *name,
				const char *value);

/**
 * tw_http_request_set_body:
 * @request: the request
 * @content_type: e.g. "application/json"
 * @body: (transfer none): the body bytes, copied
 * @length: length of @body, or -1 when it is a NUL-terminated string
 * @secret: %TRUE when the body holds credentials and must not be logged
 */
void tw_http_request_set_body(TwHttpRequest *request, const char *content_type,
			      const char *body, gssize length, gboolean secret);

/**
 * tw_http_request_set_timeout:
 * @request: the request
 * @seconds: total time allowed, connect included; 0 keeps the default
 */
void tw_http_request_set_timeout(TwHttpRequest *request, guint seconds);

/**
 * tw_http_request_set_unrepeatable:
 * @request: the request
 * @connect_seconds: how long connecting may take (nothing is sent yet:
 *   a connect failure is safe to retry)
 * @total_seconds: how long the whole exchange may take
 * @stall_seconds: give up when no byte moves for this long; 0 for no limit
 *
 * For a request that must never reach the server twice, such as a token
 * rotation: it goes over a fresh connection that is closed afterwards, so
 * libcurl never resends it on its own, and a slow server is waited for
 * instead of being given up on while it may already have acted.
 */
void tw_http_request_set_unrepeatable(TwHttpRequest *request,
				      guint connect_seconds,
				      guint total_seconds, guint stall_seconds);

/**
 * tw_http_request_get_method:
 * @request: the request
 *
 * Returns: (transfer none): the method
 */
const char *tw_http_request_get_method(const TwHttpRequest *request);

/**
 * tw_http_request_get_url:
 * @request: the request
 *
 * Returns: (transfer none): the URL
 */
const char *tw_http_request_get_url(const TwHttpRequest *request);

/**
 * tw_http_response_get_status:
 * @response: the response
 *
 * Returns: the HTTP status code
 */
guint tw_http_response_get_status(const TwHttpResponse *response);

/**
 * tw_http_parse_date:
 * @value: (nullable): an HTTP date, such as a Date header's value
 *
 * Returns: the Unix seconds it names, or 0 when it is missing or not a date
 */
gint64 tw_http_parse_date(const char *value);

/**
 * tw_http_response_get_header:
 * @response: the response
 * @name: header name, any case
 *
 * Returns: (transfer none) (nullable): the value of the last header of that
 * name, without surrounding white space
 */
const char *tw_http_response_get_header(const TwHttpResponse *response,
					const char *name);

/**
 * tw_http_response_get_body:
 * @response: the response
 * @length: (out) (optional): body length in bytes
 *
 * Returns: (transfer none): the body, always NUL-terminated (the NUL is not
 * counted in @length)
 */
const char *tw_http_response_get_body(const TwHttpResponse *response,
				      gsize *length);

/**
 * TwHttpStats:
 * @requests: requests completed with a response
 * @connections: new connections opened (curl's CURLINFO_NUM_CONNECTS sum)
 * @failures: requests that ended in a transport error
 *
 * Counters since tw_http_new(), for diagnostics and benchmarks.
 */
typedef struct {
	guint64 requests;
	guint64 connections;
	guint64 failures;
} TwHttpStats;

/**
 * tw_http_new:
 *
 * Creates a client with its own connection pool.
 *
 * Returns: (transfer full): the client; free with tw_http_free()
 */
TwHttp *tw_http_new(void);

/**
 * tw_http_free:
 * @http: (transfer full) (nullable): the client
 *
 * Cancels everything in flight (no completion callback runs) and closes
 * every connection. Safe to call from inside a completion callback.
 */
void tw_http_free(TwHttp *http);

/**
 * tw_http_set_proxy:
 * @http: the client
 * @proxy_url: (nullable): "http://host:port", "socks4a://…", "socks5h://…";
 *   "" for a direct connection; %NULL to use the environment's *_proxy
 * @username: (nullable): proxy user name
 * @password: (nullable): proxy password; never logged
 *
 * Applies to requests sent afterwards. Loopback hosts are always reached
 * directly: a proxy cannot reach this machine's loopback interface.
 */
void tw_http_set_proxy(TwHttp *http, const char *proxy_url,
		       const char *username, const char *password);

/**
 * tw_http_set_ca_file:
 * @http: the client
 * @ca_file: (nullable): a PEM bundle of extra CAs to trust, or %NULL for the
 *   system store only
 *
 * The file becomes curl's CURLOPT_CAINFO, which replaces libcurl's default
 * CA bundle. The default CA directory (CURLOPT_CAPATH, /etc/ssl/certs on
 * Debian) stays in use, so with OpenSSL the system CAs remain trusted; with a
 * libcurl built without a CA directory only @ca_file is trusted. Meant for
 * tests with a private CA; verification is never turned off.
 */
void tw_http_set_ca_file(TwHttp *http, const char *ca_file);

/**
 * tw_http_set_debug_name:
 * @http: the client
 * @name: prefix for this client's debug lines, e.g. the account name
 */
void tw_http_set_debug_name(TwHttp *http, const char *name);

/**
 * tw_http_send:
 * @http: the client
 * @request: (transfer full): the request
 * @func: completion callback
 * @user_data: passed to @func
 * @destroy: (nullable): frees @user_data, exactly once
 *
 * Starts the request. It never blocks and never calls @func before
 * returning: even a refused URL is reported from the event loop.
 *
 * Returns: an id for tw_http_cancel(), never 0
 */
guint64 tw_http_send(TwHttp *http, TwHttpRequest *request, TwHttpDoneFunc func,
		     gpointer user_data, GDestroyNotify destroy);

/**
 * tw_http_cancel:
 * @http: the client
 * @id: a request id; an id already completed is ignored
 *
 * Abandons a request: its callback will not run; its destroy notify runs now.
 */
void tw_http_cancel(TwHttp *http, guint64 id);

/**
 * tw_http_cancel_all:
 * @http: the client
 *
 * tw_http_cancel() for every request in flight.
 */
void tw_http_cancel_all(TwHttp *http);

/**
 * tw_http_get_in_flight:
 * @http: the client
 *
 * Returns: the number of requests not yet completed or cancelled
 */
guint tw_http_get_in_flight(TwHttp *http);

/**
 * tw_http_get_stats:
 * @http: the client
 * @stats: (out): counters
 */
void tw_http_get_stats(TwHttp *http, TwHttpStats *stats);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(TwHttpRequest, tw_http_request_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(TwHttp, tw_http_free)

G_END_DECLS
