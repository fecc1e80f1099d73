/*
 * tw-http: asynchronous HTTP requests with libcurl's multi interface.
 *
 * One CURLM per client keeps the connection pool; one CURL easy handle per
 * request lives in a TwHttpTransfer, found again through CURLOPT_PRIVATE when
 * tw-loop reports it done. Transfers are indexed by id so cancellation and
 * teardown can reach every one of them.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "config.h"

#include "tw-http.h"

#include <string.h>

#include <curl/curl.h>
#include <gio/gio.h>
#include <glib/gi18n-lib.h>

#include "tw-loop.h"

/* Connection setup gets its own, shorter limit inside the total timeout. */
#define TW_HTTP_CONNECT_TIMEOUT 15

/* Idle connections kept per client: enough for the API host, its media
 * host and a proxy without hoarding sockets. */
#define TW_HTTP_MAX_CACHED_CONNECTIONS 8L

#define TW_HTTP_USER_AGENT "purple-twdm/" PACKAGE_VERSION

struct _TwHttpRequest {
	char *method;
	char *url;
	GPtrArray *headers; /* "Name: value" lines */
	char *content_type;
	GBytes *body;
	guint timeout_seconds;
	/* tw_http_request_set_unrepeatable(); 0 = an ordinary request */
	guint connect_seconds;
	guint stall_seconds;
	gboolean unrepeatable;
};

struct _TwHttpResponse {
	guint status;
	GHashTable *headers; /* lower-case name -> trimmed value */
	GString *body;
};

typedef struct {
	TwHttp *http;
	guint64 id;
	TwHttpRequest *request;
	CURLU *url; /* NULL when the URL did not parse */
	CURL *easy;
	struct curl_slist *header_list;
	TwHttpResponse *response;
	gboolean too_large;
	gboolean via_proxy;
	GError *refusal;     /* set when the request never reached curl */
	guint refusal_timer; /* reports @refusal from the event loop */
	TwHttpDoneFunc func;
	gpointer user_data;
	GDestroyNotify destroy;
	char error_buffer[CURL_ERROR_SIZE];
} TwHttpTransfer;

struct _TwHttp {
	CURLM *multi;
	TwLoop *loop;
	GHashTable *transfers; /* &transfer->id -> TwHttpTransfer */
	guint64 last_id;
	char *proxy_url; /* NULL: environment, "": direct */
	char *proxy_username;
	char *proxy_password;
	char *ca_file;
	char *debug_name;
	TwHttpStats stats;
	guint free_timer; /* a free deferred out of a completion callback */
};

GQuark
tw_http_error_quark(void)
{
	return g_quark_from_static_string("tw-http-error-quark");
}

/* URLs */

/* Query parameters whose values may carry credentials. */
static const char *const tw_http_secret_words[] = {
    "token", "code", "secret", "verifier", "password",
};

static gboolean
tw_http_host_is_loopback(const char *host)
{
	g_autofree char *bare = NULL;
	g_autoptr(GInetAddress) address = NULL;
	gsize length = strlen(host);

	if (g_ascii_strcasecmp(host, "localhost") == 0)
		return TRUE;
	/* curl gives IPv6 literals with their brackets. */
	if (length > 2 && host[0] == '[' && host[length - 1] == ']')
		bare = g_strndup(host + 1, length - 2);
	else
		bare = g_strdup(host);
	address = g_inet_address_new_from_string(bare);
	return address != NULL && g_inet_address_get_is_loopback(address);
}

static CURLU *
tw_http_parse_url(const char *text, GError **error)
{
	CURLU *url = curl_url();
	CURLUcode code;

	/* Accept any scheme here, so that "ftp://" is refused as insecure
	 * rather than reported as unparsable. */
	code = curl_url_set(url, CURLUPART_URL, text, CURLU_NON_SUPPORT_SCHEME);
	if (code != CURLUE_OK) {
		g_set_error(error, TW_HTTP_ERROR, TW_HTTP_ERROR_INVALID_URL,
			    _("Invalid URL: %s"), curl_url_strerror(code));
		curl_url_cleanup(url);
		return NULL;
	}
	return url;
}

/* Sets *loopback when the URL may use plain http, *tls for https. */
static gboolean
tw_http_check_url(CURLU *url, gboolean *loopback, gboolean *tls, GError **error)
{
	char *scheme = NULL;
	char *host = NULL;
	gboolean is_loopback = FALSE;
	gboolean allowed = FALSE;

	if (curl_url_get(url, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK) {
		g_set_error_literal(error, TW_HTTP_ERROR,
				    TW_HTTP_ERROR_INVALID_URL,
				    _("Invalid URL: no scheme"));
	} else if (g_strcmp0(scheme, "https") != 0 &&
		   g_strcmp0(scheme, "http") != 0) {
		g_set_error(
		    error, TW_HTTP_ERROR, TW_HTTP_ERROR_INSECURE_URL,
		    _("Refusing a %s:// URL (only https, or http to a loopback address)"),
		    scheme);
	} else if (curl_url_get(url, CURLUPART_HOST, &host, 0) != CURLUE_OK) {
		g_set_error_literal(error, TW_HTTP_ERROR,
				    TW_HTTP_ERROR_INVALID_URL,
				    _("Invalid URL: no host"));
	} else {
		is_loopback = tw_http_host_is_loopback(host);
		allowed = is_loopback || g_strcmp0(scheme, "https") == 0;
		if (!allowed)
			g_set_error(
			    error, TW_HTTP_ERROR, TW_HTTP_ERROR_INSECURE_URL,
			    _("Refusing plain http to %s (only https, or http to a loopback address)"),
			    host);
	}
	if (loopback != NULL)
		*loopback = is_loopback;
	if (tls != NULL)
		*tls = g_strcmp0(scheme, "https") == 0;
	curl_free(scheme);
	curl_free(host);
	return allowed;
}

gboolean
tw_http_url_is_allowed(const char *url, GError **error)
{
	CURLU *parsed;
	gboolean allowed;

	g_return_val_if_fail(url != NULL, FALSE);

	parsed = tw_http_parse_url(url, error);
	if (parsed == NULL)
		return FALSE;
	allowed = tw_http_check_url(parsed, NULL, NULL, error);
	curl_url_cleanup(parsed);
	return allowed;
}

static gboolean
tw_http_parameter_is_secret(const char *parameter)
{
	const char *equals = strchr(parameter, '=');
	g_autofree char *name = g_ascii_strdown(
	    parameter, equals != NULL ? equals - parameter : -1);

	for (gsize i = 0; i < G_N_ELEMENTS(tw_http_secret_words); i++)
		if (strstr(name, tw_http_secret_words[i]) != NULL)
			return TRUE;
	return FALSE;
}

/* The URL for debug output: secret-looking query values, user info and
 * fragment removed. */
static char *
tw_http_redact_url(CURLU *url)
{
	CURLU *copy;
	char *query = NULL;
	char *text = NULL;
	char *result;

	if (url == NULL)
		return g_strdup("(invalid URL)");
	copy = curl_url_dup(url);
	curl_url_set(copy, CURLUPART_USER, NULL, 0);
	curl_url_set(copy, CURLUPART_PASSWORD, NULL, 0);
	curl_url_set(copy, CURLUPART_FRAGMENT, NULL, 0);
	if (curl_url_get(copy, CURLUPART_QUERY, &query, 0) == CURLUE_OK) {
		g_auto(GStrv) parameters = g_strsplit(query, "&", -1);
		GString *redacted = g_string_new(NULL);

		for (guint i = 0; parameters[i] != NULL; i++) {
			const char *parameter = parameters[i];

			if (i > 0)
				g_string_append_c(redacted, '&');
			if (tw_http_parameter_is_secret(parameter))
				g_string_append_printf(
				    redacted, "%.*s=REDACTED",
				    (int)strcspn(parameter, "="), parameter);
			else
				g_string_append(redacted, parameter);
		}
		curl_url_set(copy, CURLUPART_QUERY, redacted->str, 0);
		g_string_free(redacted, TRUE);
		curl_free(query);
	}
	if (curl_url_get(copy, CURLUPART_URL, &text, 0) != CURLUE_OK)
		result = g_strdup("(invalid URL)");
	else
		result = g_strdup(text);
	curl_free(text);
	curl_url_cleanup(copy);
	return result;
}

/* Requests */

TwHttpRequest *
tw_http_request_new(const char *method, const char *url)
{
	TwHttpRequest *request;

	g_return_val_if_fail(method != NULL && *method != '\0', NULL);
	g_return_val_if_fail(url != NULL, NULL);

	request = g_new0(TwHttpRequest, 1);
	request->method = g_ascii_strup(method, -1);
	request->url = g_strdup(url);
	request->headers = g_ptr_array_new_with_free_func(g_free);
	return request;
}

void
tw_http_request_free(TwHttpRequest *request)
{
	if (request == NULL)
		return;
	g_free(request->method);
	g_free(request->url);
	g_ptr_array_unref(request->headers);
	g_free(request->content_type);
	g_clear_pointer(&request->body, g_bytes_unref);
	g_free(request);
}

void
tw_http_request_add_header(TwHttpRequest *request, const char *name,
			   const char *value)
{
	g_return_if_fail(request != NULL);
	g_return_if_fail(name != NULL && *name != '\0');
	g_return_if_fail(value != NULL);
	/* A line break would smuggle another header into the request. */
	g_return_if_fail(strpbrk(name, "\r\n:") == NULL);
	g_return_if_fail(strpbrk(value, "\r\n") == NULL);

	/* "Name:" tells curl to drop the header; "Name;" sends it empty. */
	if (*value == '\0')
		g_ptr_array_add(request->headers, g_strdup_printf("%s;", name));
	else
		g_ptr_array_add(request->headers,
				g_strdup_printf("%s: %s", name, value));
}

void
tw_http_request_set_body(TwHttpRequest *request, const char *content_type,
			 const char *body, gssize length, gboolean secret)
{
	g_return_if_fail(request != NULL);
	g_return_if_fail(content_type != NULL &&
			 strpbrk(content_type, "\r\n") == NULL);
	g_return_if_fail(body != NULL || length == 0);

	/* Bodies never reach the debug output, secret or not, so @secret
	 * needs no bookkeeping here. */
	if (length < 0)
		length = strlen(body);
	g_free(request->content_type);
	request->content_type = g_strdup(content_type);
	g_clear_pointer(&request->body, g_bytes_unref);
	request->body = g_bytes_new(body, length);
}

void
tw_http_request_set_timeout(TwHttpRequest *request, guint seconds)
{
	g_return_if_fail(request != NULL);

	request->timeout_seconds = seconds;
}

void
tw_http_request_set_unrepeatable(TwHttpRequest *request, guint connect_seconds,
				 guint total_seconds, guint stall_seconds)
{
	g_return_if_fail(request != NULL);

	request->unrepeatable = TRUE;
	request->connect_seconds = connect_seconds;
	request->timeout_seconds = total_seconds;
	request->stall_seconds = stall_seconds;
}

const char *
tw_http_request_get_method(const TwHttpRequest *request)
{
	g_return_val_if_fail(request != NULL, NULL);

	return request->method;
}

const char *
tw_http_request_get_url(const TwHttpRequest *request)
{
	g_return_val_if_fail(request != NULL, NULL);

	return request->url;
}

/* Responses */

static TwHttpResponse *
tw_http_response_new(void)
{
	TwHttpResponse *response = g_new0(TwHttpResponse, 1);

	response->headers =
	    g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	response->body = g_string_new(NULL);
	return response;
}

static void
tw_http_response_free(TwHttpResponse *response)
{
	if (response == NULL)
		return;
	g_hash_table_destroy(response->headers);
	g_string_free(response->body, TRUE);
	g_free(response);
}

guint
tw_http_response_get_status(const TwHttpResponse *response)
{
	g_return_val_if_fail(response != NULL, 0);

	return response->status;
}

gint64
tw_http_parse_date(const char *value)
{
	time_t seconds;

	if (value == NULL)
		return 0;
	seconds = curl_getdate(value, NULL);
	return seconds > 0 ? (gint64)seconds : 0;
}

const char *
tw_http_response_get_header(const TwHttpResponse *response, const char *name)
{
	g_autofree char *key = NULL;

	g_return_val_if_fail(response != NULL, NULL);
	g_return_val_if_fail(name != NULL, NULL);

	key = g_ascii_strdown(name, -1);
	return g_hash_table_lookup(response->headers, key);
}

const char *
tw_http_response_get_body(const TwHttpResponse *response, gsize *length)
{
	g_return_val_if_fail(response != NULL, NULL);

	if (length != NULL)
		*length = response->body->len;
	return response->body->str;
}

/* Transfers */

static void
tw_http_transfer_free(TwHttpTransfer *transfer)
{
	/* The easy handle goes before the CURLU and header list it uses. */
	g_clear_pointer(&transfer->easy, curl_easy_cleanup);
	g_clear_pointer(&transfer->url, curl_url_cleanup);
	g_clear_pointer(&transfer->header_list, curl_slist_free_all);
	tw_clear_timeout(&transfer->refusal_timer);
	g_clear_error(&transfer->refusal);
	tw_http_response_free(transfer->response);
	tw_http_request_free(transfer->request);
	/* Last, so user code runs with our state already consistent. */
	if (transfer->destroy != NULL)
		transfer->destroy(transfer->user_data);
	g_free(transfer);
}

static size_t
tw_http_write_cb(char *data, size_t size, size_t count, void *user_data)
{
	TwHttpTransfer *transfer = user_data;
	GString *body = transfer->response->body;
	size_t length = size * count;

	if (length > TW_HTTP_MAX_BODY - body->len) {
		/* Any count other than @length makes curl fail the transfer. */
		transfer->too_large = TRUE;
		return 0;
	}
	g_string_append_len(body, data, length);
	return length;
}

static size_t
tw_http_header_cb(char *data, size_t size, size_t count, void *user_data)
{
	TwHttpTransfer *transfer = user_data;
	GHashTable *headers = transfer->response->headers;
	size_t length = size * count;
	g_autofree char *line = g_strndup(data, length);
	char *colon;

	/* A new status line starts a new header block: after an interim
	 * 100 Continue, only the final response's headers count. */
	if (g_str_has_prefix(line, "HTTP/")) {
		g_hash_table_remove_all(headers);
		return length;
	}
	colon = strchr(line, ':');
	if (colon == NULL || colon == line)
		return length;
	*colon = '\0';
	g_hash_table_replace(headers, g_ascii_strdown(g_strstrip(line), -1),
			     g_strdup(g_strstrip(colon + 1)));
	return length;
}

static gboolean
tw_http_setopt_ok(CURLcode code, const char *option)
{
	if (code == CURLE_OK)
		return TRUE;
	g_message("curl_easy_setopt(%s) failed: %s", option,
		  curl_easy_strerror(code));
	return FALSE;
}

#define TW_HTTP_SETOPT(easy, option, value)                                    \
	tw_http_setopt_ok(curl_easy_setopt((easy), (option), (value)), #option)

static gboolean
tw_http_transfer_set_method(TwHttpTransfer *transfer)
{
	TwHttpRequest *request = transfer->request;
	CURL *easy = transfer->easy;
	gboolean ok = TRUE;

	if (g_strcmp0(request->method, "GET") == 0 && request->body == NULL)
		return TW_HTTP_SETOPT(easy, CURLOPT_HTTPGET, 1L);
	if (request->body != NULL || g_strcmp0(request->method, "POST") == 0) {
		gsize length = 0;
		const char *body = "";

		if (request->body != NULL)
			body = g_bytes_get_data(request->body, &length);
		if (body == NULL)
			body = "";
		/* The request outlives the easy handle: no copy needed. */
		ok &= TW_HTTP_SETOPT(easy, CURLOPT_POSTFIELDSIZE_LARGE,
				     (curl_off_t)length);
		ok &= TW_HTTP_SETOPT(easy, CURLOPT_POSTFIELDS, body);
	}
	if (g_strcmp0(request->method, "POST") != 0)
		ok &= TW_HTTP_SETOPT(easy, CURLOPT_CUSTOMREQUEST,
				     request->method);
	return ok;
}

static gboolean
tw_http_transfer_set_headers(TwHttpTransfer *transfer)
{
	TwHttpRequest *request = transfer->request;
	struct curl_slist *list = NULL;

	for (guint i = 0; i < request->headers->len; i++)
		list = curl_slist_append(list, request->headers->pdata[i]);
	if (request->content_type != NULL) {
		g_autofree char *line =
		    g_strdup_printf("Content-Type: %s", request->content_type);

		list = curl_slist_append(list, line);
	}
	/* No "Expect: 100-continue" round trip before bodies. */
	list = curl_slist_append(list, "Expect:");
	transfer->header_list = list;
	return list != NULL &&
	       TW_HTTP_SETOPT(transfer->easy, CURLOPT_HTTPHEADER, list);
}

static gboolean
tw_http_transfer_set_proxy(TwHttpTransfer *transfer, gboolean loopback)
{
	TwHttp *http = transfer->http;
	CURL *easy = transfer->easy;
	gboolean ok = TRUE;

	/* A proxy cannot reach our own loopback interface. */
	if (loopback)
		return TW_HTTP_SETOPT(easy, CURLOPT_PROXY, "");
	if (http->proxy_url == NULL)
		return TRUE;
	ok &= TW_HTTP_SETOPT(easy, CURLOPT_PROXY, http->proxy_url);
	if (*http->proxy_url == '\0')
		return ok;
	transfer->via_proxy = TRUE;
	if (http->proxy_username != NULL)
		ok &= TW_HTTP_SETOPT(easy, CURLOPT_PROXYUSERNAME,
				     http->proxy_username);
	if (http->proxy_password != NULL)
		ok &= TW_HTTP_SETOPT(easy, CURLOPT_PROXYPASSWORD,
				     http->proxy_password);
	return ok;
}

static gboolean
tw_http_transfer_configure(TwHttpTransfer *transfer, gboolean loopback,
			   gboolean tls)
{
	TwHttp *http = transfer->http;
	CURL *easy = transfer->easy;
	guint timeout = transfer->request->timeout_seconds != 0
			    ? transfer->request->timeout_seconds
			    : TW_HTTP_DEFAULT_TIMEOUT;
	const char *protocols = loopback ? "http,https" : "https";
	gboolean ok = TRUE;

	ok &= TW_HTTP_SETOPT(easy, CURLOPT_PRIVATE, transfer);
	ok &= TW_HTTP_SETOPT(easy, CURLOPT_CURLU, transfer->url);
	ok &= TW_HTTP_SETOPT(easy, CURLOPT_PROTOCOLS_STR, protocols);
	ok &= TW_HTTP_SETOPT(easy, CURLOPT_REDIR_PROTOCOLS_STR, protocols);
	ok &= TW_HTTP_SETOPT(easy, CURLOPT_FOLLOWLOCATION, 0L);
	ok &= TW_HTTP_SETOPT(easy, CURLOPT_NOSIGNAL, 1L);
	ok &= TW_HTTP_SETOPT(easy, CURLOPT_ERRORBUFFER, transfer->error_buffer);
	ok &= TW_HTTP_SETOPT(easy, CURLOPT_TIMEOUT, (long)timeout);
	ok &= TW_HTTP_SETOPT(
	    easy, CURLOPT_CONNECTTIMEOUT,
	    (long)MIN(timeout, transfer->request->connect_seconds != 0
				   ? transfer->request->connect_seconds
				   : TW_HTTP_CONNECT_TIMEOUT));
	if (transfer->request->unrepeatable) {
		/* libcurl resends a request, once and silently, when a reused
		 * connection turns out dead before any answer: on a fresh
		 * connection, closed afterwards, it never does. */
		ok &= TW_HTTP_SETOPT(easy, CURLOPT_FRESH_CONNECT, 1L);
		ok &= TW_HTTP_SETOPT(easy, CURLOPT_FORBID_REUSE, 1L);
	}
	if (transfer->request->stall_seconds != 0) {
		ok &= TW_HTTP_SETOPT(easy, CURLOPT_LOW_SPEED_LIMIT, 1L);
		ok &= TW_HTTP_SETOPT(easy, CURLOPT_LOW_SPEED_TIME,
				     (long)transfer->request->stall_seconds);
	}
	ok &= TW_HTTP_SETOPT(easy, CURLOPT_SSL_VERIFYPEER, 1L);
	ok &= TW_HTTP_SETOPT(easy, CURLOPT_SSL_VERIFYHOST, 2L);
	if (http->ca_file != NULL)
		ok &= TW_HTTP_SETOPT(easy, CURLOPT_CAINFO, http->ca_file);
	ok &= TW_HTTP_SETOPT(easy, CURLOPT_ACCEPT_ENCODING, "");
	ok &= TW_HTTP_SETOPT(easy, CURLOPT_TCP_KEEPALIVE, 1L);
	ok &= TW_HTTP_SETOPT(easy, CURLOPT_USERAGENT, TW_HTTP_USER_AGENT);
	ok &= TW_HTTP_SETOPT(easy, CURLOPT_MAXFILESIZE_LARGE,
			     (curl_off_t)TW_HTTP_MAX_BODY);
	ok &= TW_HTTP_SETOPT(easy, CURLOPT_SUPPRESS_CONNECT_HEADERS, 1L);
	ok &= TW_HTTP_SETOPT(easy, CURLOPT_WRITEFUNCTION, tw_http_write_cb);
	ok &= TW_HTTP_SETOPT(easy, CURLOPT_WRITEDATA, transfer);
	ok &= TW_HTTP_SETOPT(easy, CURLOPT_HEADERFUNCTION, tw_http_header_cb);
	ok &= TW_HTTP_SETOPT(easy, CURLOPT_HEADERDATA, transfer);
	ok &= tw_http_transfer_set_method(transfer);
	ok &= tw_http_transfer_set_headers(transfer);
	ok &= tw_http_transfer_set_proxy(transfer, loopback);
	/* Over TLS, ALPN tells at once whether a connection can multiplex:
	 * wait for that rather than open a second connection. Plain http
	 * would wait for a whole response instead. */
	if (tls)
		ok &= TW_HTTP_SETOPT(easy, CURLOPT_PIPEWAIT, 1L);
	/* A libcurl built without HTTP/2 still talks HTTP/1.1: not fatal. */
	TW_HTTP_SETOPT(easy, CURLOPT_HTTP_VERSION,
		       (long)CURL_HTTP_VERSION_2TLS);
	return ok;
}

static GError *
tw_http_transfer_error(TwHttpTransfer *transfer, CURLcode result)
{
	const char *detail = transfer->error_buffer[0] != '\0'
				 ? transfer->error_buffer
				 : curl_easy_strerror(result);
	long connect_code = 0;
	long request_size = 0;

	if (transfer->too_large || result == CURLE_FILESIZE_EXCEEDED)
		return g_error_new(TW_HTTP_ERROR, TW_HTTP_ERROR_TOO_LARGE,
				   _("The response is larger than %d bytes"),
				   TW_HTTP_MAX_BODY);
	curl_easy_getinfo(transfer->easy, CURLINFO_HTTP_CONNECTCODE,
			  &connect_code);
	if (connect_code >= 300 ||
	    (transfer->via_proxy && result == CURLE_COULDNT_CONNECT))
		return g_error_new(TW_HTTP_ERROR, TW_HTTP_ERROR_PROXY,
				   _("Proxy failed: %s"), detail);
	curl_easy_getinfo(transfer->easy, CURLINFO_REQUEST_SIZE, &request_size);
	/* Nothing left this machine: safe to send again, even a POST. */
	if (request_size == 0 && (result == CURLE_COULDNT_CONNECT ||
				  result == CURLE_COULDNT_RESOLVE_HOST ||
				  result == CURLE_OPERATION_TIMEDOUT))
		return g_error_new(TW_HTTP_ERROR, TW_HTTP_ERROR_CONNECT,
				   _("Could not connect: %s"), detail);
	switch (result) {
	case CURLE_OPERATION_TIMEDOUT:
		return g_error_new(TW_HTTP_ERROR, TW_HTTP_ERROR_TIMEOUT,
				   _("Request timed out: %s"), detail);
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_SSL_ENGINE_NOTFOUND:
	case CURLE_SSL_ENGINE_SETFAILED:
	case CURLE_SSL_CERTPROBLEM:
	case CURLE_SSL_CIPHER:
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_USE_SSL_FAILED:
	case CURLE_SSL_ENGINE_INITFAILED:
	case CURLE_SSL_CACERT_BADFILE:
	case CURLE_SSL_SHUTDOWN_FAILED:
	case CURLE_SSL_CRL_BADFILE:
	case CURLE_SSL_ISSUER_ERROR:
	case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
	case CURLE_SSL_INVALIDCERTSTATUS:
	case CURLE_SSL_CLIENTCERT:
		return g_error_new(TW_HTTP_ERROR, TW_HTTP_ERROR_TLS,
				   _("Secure connection failed: %s"), detail);
	case CURLE_COULDNT_RESOLVE_PROXY:
	case CURLE_PROXY:
		return g_error_new(TW_HTTP_ERROR, TW_HTTP_ERROR_PROXY,
				   _("Proxy failed: %s"), detail);
	case CURLE_UNSUPPORTED_PROTOCOL:
		return g_error_new(TW_HTTP_ERROR, TW_HTTP_ERROR_INSECURE_URL,
				   _("Protocol not allowed: %s"), detail);
	case CURLE_URL_MALFORMAT:
		return g_error_new(TW_HTTP_ERROR, TW_HTTP_ERROR_INVALID_URL,
				   _("Invalid URL: %s"), detail);
	default:
		/* RECV_ERROR, SEND_ERROR, GOT_NOTHING, PARTIAL_FILE, HTTP2
		 * and the rest */
		return g_error_new(TW_HTTP_ERROR, TW_HTTP_ERROR_NETWORK,
				   _("Network error: %s"), detail);
	}
}

static void
tw_http_log(TwHttp *http, TwHttpTransfer *transfer, const GError *error,
	    gint64 microseconds)
{
	g_autofree char *url = tw_http_redact_url(transfer->url);
	const char *prefix = http->debug_name != NULL ? http->debug_name : "";
	const char *separator = http->debug_name != NULL ? ": " : "";

	if (error != NULL)
		g_debug("%s%s%s %s -> error: %s (%" G_GINT64_FORMAT " ms)",
			prefix, separator, transfer->request->method, url,
			error->message, microseconds / 1000);
	else
		g_debug("%s%s%s %s -> %u (%" G_GSIZE_FORMAT
			" bytes, %" G_GINT64_FORMAT " ms)",
			prefix, separator, transfer->request->method, url,
			transfer->response->status,
			transfer->response->body->len, microseconds / 1000);
}

/* Completion from tw-loop: @easy is already out of the multi handle. */
static void
tw_http_transfer_done(CURL *easy, CURLcode result, gpointer user_data)
{
	TwHttp *http = user_data;
	TwHttpTransfer *transfer;
	char *private_data = NULL;
	curl_off_t total_time = 0;
	long connects = 0;
	long status = 0;
	g_autoptr(GError) error = NULL;

	curl_easy_getinfo(easy, CURLINFO_PRIVATE, &private_data);
	transfer = (gpointer)private_data;
	g_return_if_fail(transfer != NULL);
	g_hash_table_steal(http->transfers, &transfer->id);

	curl_easy_getinfo(easy, CURLINFO_TOTAL_TIME_T, &total_time);
	curl_easy_getinfo(easy, CURLINFO_NUM_CONNECTS, &connects);
	http->stats.connections += MAX(connects, 0);
	if (result == CURLE_OK && !transfer->too_large) {
		curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &status);
		transfer->response->status = (guint)status;
		http->stats.requests++;
	} else {
		error = tw_http_transfer_error(transfer, result);
		http->stats.failures++;
	}
	tw_http_log(http, transfer, error, total_time);

	/* The callback may free @http (deferred, see tw_http_free()), so
	 * only @transfer is touched after it. */
	if (transfer->func != NULL)
		transfer->func(error == NULL ? transfer->response : NULL, error,
			       transfer->user_data);
	tw_http_transfer_free(transfer);
}

static gboolean
tw_http_report_refusal(gpointer data)
{
	TwHttpTransfer *transfer = data;
	TwHttp *http = transfer->http;

	transfer->refusal_timer = 0;
	g_hash_table_steal(http->transfers, &transfer->id);
	http->stats.failures++;
	tw_http_log(http, transfer, transfer->refusal, 0);
	/* The callback may free @http: only @transfer is touched after it. */
	if (transfer->func != NULL)
		transfer->func(NULL, transfer->refusal, transfer->user_data);
	tw_http_transfer_free(transfer);
	return FALSE;
}

/* Client */

TwHttp *
tw_http_new(void)
{
	TwHttp *http = g_new0(TwHttp, 1);
	CURLcode code;

	/* Reference counted and thread-safe since curl 7.84; paired with
	 * the cleanup in tw_http_finish_free(). */
	code = curl_global_init(CURL_GLOBAL_DEFAULT);
	if (code != CURLE_OK)
		g_message("curl_global_init failed: %s",
			  curl_easy_strerror(code));
	http->multi = curl_multi_init();
	curl_multi_setopt(http->multi, CURLMOPT_MAXCONNECTS,
			  TW_HTTP_MAX_CACHED_CONNECTIONS);
	http->loop = tw_loop_new(http->multi, tw_http_transfer_done, http);
	http->transfers = g_hash_table_new(g_int64_hash, g_int64_equal);
	return http;
}

static void
tw_http_finish_free(TwHttp *http)
{
	/* curl order: transfers are gone; the multi cleanup may still call
	 * the loop's socket callback for pooled connections. */
	curl_multi_cleanup(http->multi);
	tw_loop_free(http->loop);
	g_hash_table_destroy(http->transfers);
	g_free(http->proxy_url);
	g_free(http->proxy_username);
	g_free(http->proxy_password);
	g_free(http->ca_file);
	g_free(http->debug_name);
	g_free(http);
	curl_global_cleanup();
}

static gboolean
tw_http_deferred_free(gpointer data)
{
	TwHttp *http = data;

	http->free_timer = 0;
	tw_http_finish_free(http);
	return FALSE;
}

void
tw_http_free(TwHttp *http)
{
	if (http == NULL)
		return;
	g_return_if_fail(http->free_timer == 0);

	tw_http_cancel_all(http);
	/* Inside a completion callback tw-loop still reads the multi handle
	 * once the callback returns: finish on the next loop turn. */
	if (tw_loop_is_dispatching(http->loop))
		http->free_timer =
		    tw_timeout_add(0, tw_http_deferred_free, http);
	else
		tw_http_finish_free(http);
}

void
tw_http_set_proxy(TwHttp *http, const char *proxy_url, const char *username,
		  const char *password)
{
	g_return_if_fail(http != NULL);

	g_free(http->proxy_url);
	http->proxy_url = g_strdup(proxy_url);
	g_free(http->proxy_username);
	http->proxy_username = g_strdup(username);
	g_free(http->proxy_password);
	http->proxy_password = g_strdup(password);
}

void
tw_http_set_ca_file(TwHttp *http, const char *ca_file)
{
	g_return_if_fail(http != NULL);

	g_free(http->ca_file);
	http->ca_file = g_strdup(ca_file);
}

void
tw_http_set_debug_name(TwHttp *http, const char *name)
{
	g_return_if_fail(http != NULL);

	g_free(http->debug_name);
	http->debug_name = g_strdup(name);
}

static guint64
tw_http_refuse(TwHttpTransfer *transfer, GError *error)
{
	/* Never call back before tw_http_send() returns. */
	transfer->refusal = error;
	transfer->refusal_timer =
	    tw_timeout_add(0, tw_http_report_refusal, transfer);
	return transfer->id;
}

guint64
tw_http_send(TwHttp *http, TwHttpRequest *request, TwHttpDoneFunc func,
	     gpointer user_data, GDestroyNotify destroy)
{
	TwHttpTransfer *transfer;
	GError *error = NULL;
	gboolean loopback = FALSE;
	gboolean tls = FALSE;
	CURLMcode code;

	g_return_val_if_fail(http != NULL, 0);
	g_return_val_if_fail(request != NULL, 0);

	transfer = g_new0(TwHttpTransfer, 1);
	transfer->http = http;
	transfer->id = ++http->last_id;
	transfer->request = request;
	transfer->response = tw_http_response_new();
	transfer->func = func;
	transfer->user_data = user_data;
	transfer->destroy = destroy;
	g_hash_table_insert(http->transfers, &transfer->id, transfer);

	transfer->url = tw_http_parse_url(request->url, &error);
	if (transfer->url == NULL ||
	    !tw_http_check_url(transfer->url, &loopback, &tls, &error))
		return tw_http_refuse(transfer, error);

	transfer->easy = curl_easy_init();
	if (transfer->easy == NULL ||
	    !tw_http_transfer_configure(transfer, loopback, tls))
		return tw_http_refuse(
		    transfer,
		    g_error_new_literal(TW_HTTP_ERROR, TW_HTTP_ERROR_NETWORK,
					_("Could not set up the request")));

	/* Adding arms curl's timer; the transfer starts from the loop. */
	code = curl_multi_add_handle(http->multi, transfer->easy);
	if (code != CURLM_OK)
		return tw_http_refuse(
		    transfer, g_error_new(TW_HTTP_ERROR, TW_HTTP_ERROR_NETWORK,
					  _("Could not start the request: %s"),
					  curl_multi_strerror(code)));
	return transfer->id;
}

static void
tw_http_transfer_abandon(TwHttp *http, TwHttpTransfer *transfer)
{
	g_autofree char *url = tw_http_redact_url(transfer->url);

	g_debug("%s%s%s %s -> cancelled",
		http->debug_name != NULL ? http->debug_name : "",
		http->debug_name != NULL ? ": " : "", transfer->request->method,
		url);
	/* A refused transfer never joined the multi handle. */
	if (transfer->easy != NULL && transfer->refusal == NULL)
		curl_multi_remove_handle(http->multi, transfer->easy);
	tw_http_transfer_free(transfer);
}

void
tw_http_cancel(TwHttp *http, guint64 id)
{
	TwHttpTransfer *transfer;

	g_return_if_fail(http != NULL);

	transfer = g_hash_table_lookup(http->transfers, &id);
	if (transfer == NULL)
		return;
	g_hash_table_steal(http->transfers, &id);
	tw_http_transfer_abandon(http, transfer);
}

void
tw_http_cancel_all(TwHttp *http)
{
	GList *transfers;

	g_return_if_fail(http != NULL);

	/* Empty the table first: destroy notifies may call back into us. */
	transfers = g_hash_table_get_values(http->transfers);
	g_hash_table_steal_all(http->transfers);
	for (GList *link = transfers; link != NULL; link = link->next)
		tw_http_transfer_abandon(http, link->data);
	g_list_free(transfers);
}

guint
tw_http_get_in_flight(TwHttp *http)
{
	g_return_val_if_fail(http != NULL, 0);

	return g_hash_table_size(http->transfers);
}

void
tw_http_get_stats(TwHttp *http, TwHttpStats *stats)
{
	g_return_if_fail(http != NULL);
	g_return_if_fail(stats != NULL);

	*stats = http->stats;
}
