/*
 * tw-http against the sandbox and a few canned raw responses: statuses,
 * headers, transport failures, the callback contract, cancellation,
 * teardown, connection reuse and concurrency.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <string.h>

#include <gio/gio.h>
#include <json-glib/json-glib.h>

#include "tw-http.h"
#include "tw-sandbox.h"
#include "tw-test-loop.h"

#define WAIT_MS 5000

typedef struct {
	TwSandbox *sandbox;
	TwHttp *http;
	char *user_id;
} Fixture;

/* What one request saw: copies, because the response dies with the
 * callback. */
typedef struct {
	guint calls;
	guint destroys;
	gboolean done;
	guint status;
	char *body;
	char *content_type;
	char *rate_limit_limit;
	char *rate_limit_remaining;
	char *rate_limit_reset;
	GError *error;
	gint64 finished_at;
	/* Set by tests that free the client from inside the callback. */
	TwHttp **free_from_callback;
} Result;

static void
result_clear(Result *result)
{
	g_clear_pointer(&result->body, g_free);
	g_clear_pointer(&result->content_type, g_free);
	g_clear_pointer(&result->rate_limit_limit, g_free);
	g_clear_pointer(&result->rate_limit_remaining, g_free);
	g_clear_pointer(&result->rate_limit_reset, g_free);
	g_clear_error(&result->error);
}

static void
on_done(TwHttpResponse *response, const GError *error, gpointer data)
{
	Result *result = data;

	g_assert_true((response == NULL) != (error == NULL));
	result->calls++;
	result->done = TRUE;
	result->finished_at = g_get_monotonic_time();
	if (error != NULL) {
		result->error = g_error_copy(error);
	} else {
		result->status = tw_http_response_get_status(response);
		result->body =
		    g_strdup(tw_http_response_get_body(response, NULL));
		result->content_type = g_strdup(
		    tw_http_response_get_header(response, "Content-Type"));
		result->rate_limit_limit = g_strdup(tw_http_response_get_header(
		    response, "x-rate-limit-limit"));
		result->rate_limit_remaining =
		    g_strdup(tw_http_response_get_header(
			response, "x-rate-limit-remaining"));
		result->rate_limit_reset = g_strdup(tw_http_response_get_header(
		    response, "x-rate-limit-reset"));
	}
	if (result->free_from_callback != NULL)
		g_clear_pointer(result->free_from_callback, tw_http_free);
}

static void
on_destroy(gpointer data)
{
	Result *result = data;

	result->destroys++;
}

static char *
sandbox_url(Fixture *fixture, const char *path)
{
	return g_strconcat(tw_sandbox_get_base_url(fixture->sandbox), path,
			   NULL);
}

static guint64
send_request(TwHttp *http, TwHttpRequest *request, Result *result)
{
	guint64 id = tw_http_send(http, request, on_done, result, on_destroy);

	g_assert_cmpuint(id, !=, 0);
	/* Never a callback before tw_http_send() returns. */
	g_assert_cmpuint(result->calls, ==, 0);
	return id;
}

static guint64
send_get(Fixture *fixture, TwHttp *http, const char *path, const char *token,
	 Result *result)
{
	g_autofree char *url = sandbox_url(fixture, path);
	TwHttpRequest *request = tw_http_request_new("GET", url);

	if (token != NULL) {
		g_autofree char *bearer = g_strconcat("Bearer ", token, NULL);

		tw_http_request_add_header(request, "Authorization", bearer);
	}
	return send_request(http, request, result);
}

static void
wait_for_result(Result *result)
{
	g_assert_true(tw_test_wait_for(&result->done, WAIT_MS));
}

static JsonObject *
parse_object(const char *text, JsonParser *parser)
{
	g_autoptr(GError) error = NULL;

	g_assert_nonnull(text);
	json_parser_load_from_data(parser, text, -1, &error);
	g_assert_no_error(error);
	g_assert_true(JSON_NODE_HOLDS_OBJECT(json_parser_get_root(parser)));
	return json_node_get_object(json_parser_get_root(parser));
}

/* An access token, the way tw-auth gets one: a form-encoded refresh grant. */
static char *
fetch_access_token(Fixture *fixture, TwHttp *http)
{
	g_autofree char *refresh =
	    tw_sandbox_issue_refresh_token(fixture->sandbox, fixture->user_id);
	g_autofree char *escaped = g_uri_escape_string(refresh, NULL, FALSE);
	g_autofree char *form = g_strdup_printf(
	    "grant_type=refresh_token&refresh_token=%s&client_id=%s", escaped,
	    TW_SANDBOX_CLIENT_ID);
	g_autofree char *url = sandbox_url(fixture, "/2/oauth2/token");
	g_autoptr(JsonParser) parser = json_parser_new();
	TwHttpRequest *request = tw_http_request_new("POST", url);
	Result result = {0};
	JsonObject *object;
	char *token;

	tw_http_request_set_body(request, "application/x-www-form-urlencoded",
				 form, -1, TRUE);
	send_request(http, request, &result);
	wait_for_result(&result);
	g_assert_no_error(result.error);
	g_assert_cmpuint(result.status, ==, 200);
	object = parse_object(result.body, parser);
	token = g_strdup(json_object_get_string_member_with_default(
	    object, "access_token", NULL));
	g_assert_nonnull(token);
	result_clear(&result);
	return token;
}

static void
fixture_set_up(Fixture *fixture, gconstpointer data)
{
	g_autoptr(GError) error = NULL;

	fixture->sandbox = tw_sandbox_new(NULL);
	g_assert_true(tw_sandbox_start(fixture->sandbox, 0, &error));
	g_assert_no_error(error);
	fixture->user_id =
	    tw_sandbox_add_user(fixture->sandbox, "alice", "Alice");
	fixture->http = tw_http_new();
}

static void
fixture_tear_down(Fixture *fixture, gconstpointer data)
{
	g_clear_pointer(&fixture->http, tw_http_free);
	g_clear_pointer(&fixture->sandbox, tw_sandbox_free);
	g_clear_pointer(&fixture->user_id, g_free);
}

static void
add_fault(Fixture *fixture, TwSandboxFaultKind kind, const char *path,
	  guint delay_ms)
{
	TwSandboxFault fault = {
	    .kind = kind,
	    .path_prefix = path,
	    .count = 0,
	    .delay_ms = delay_ms,
	};

	tw_sandbox_add_fault(fixture->sandbox, &fault);
}

/* The transport policy, no network involved. */
static void
test_url_policy(void)
{
	static const struct {
		const char *url;
		gboolean allowed;
		gint error;
	} cases[] = {
	    {"https://api.x.com/2/users/me", TRUE, 0},
	    {"https://api.twitter.com:443/2/dm_events?x=1", TRUE, 0},
	    {"http://127.0.0.1:8080/2/users/me", TRUE, 0},
	    {"http://127.8.9.10/", TRUE, 0},
	    {"http://[::1]:8080/", TRUE, 0},
	    {"http://localhost/", TRUE, 0},
	    {"http://LocalHost:1234/", TRUE, 0},
	    {"https://127.0.0.1/", TRUE, 0},
	    {"http://example.com/", FALSE, TW_HTTP_ERROR_INSECURE_URL},
	    {"http://api.x.com/2/users/me", FALSE, TW_HTTP_ERROR_INSECURE_URL},
	    {"http://127.0.0.1.example.com/", FALSE,
	     TW_HTTP_ERROR_INSECURE_URL},
	    {"http://localhost.example.com/", FALSE,
	     TW_HTTP_ERROR_INSECURE_URL},
	    {"http://128.0.0.1/", FALSE, TW_HTTP_ERROR_INSECURE_URL},
	    {"http://[::2]/", FALSE, TW_HTTP_ERROR_INSECURE_URL},
	    {"ftp://127.0.0.1/", FALSE, TW_HTTP_ERROR_INSECURE_URL},
	    {"file:///etc/passwd", FALSE, TW_HTTP_ERROR_INSECURE_URL},
	    {"gopher://api.x.com/", FALSE, TW_HTTP_ERROR_INSECURE_URL},
	    {"not a url", FALSE, TW_HTTP_ERROR_INVALID_URL},
	    {"", FALSE, TW_HTTP_ERROR_INVALID_URL},
	    {"//api.x.com/2/users/me", FALSE, TW_HTTP_ERROR_INVALID_URL},
	};

	for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autoptr(GError) error = NULL;
		gboolean allowed = tw_http_url_is_allowed(cases[i].url, &error);

		g_test_message("%s", cases[i].url);
		g_assert_cmpint(allowed, ==, cases[i].allowed);
		if (cases[i].allowed)
			g_assert_no_error(error);
		else
			g_assert_error(error, TW_HTTP_ERROR, cases[i].error);
	}
}

static void
test_ok_with_headers(Fixture *fixture, gconstpointer data)
{
	g_autofree char *token = fetch_access_token(fixture, fixture->http);
	g_autoptr(JsonParser) parser = json_parser_new();
	Result result = {0};
	TwHttpStats stats;
	JsonObject *object;
	JsonObject *user;

	send_get(fixture, fixture->http, "/2/users/me", token, &result);
	g_assert_cmpuint(tw_http_get_in_flight(fixture->http), ==, 1);
	wait_for_result(&result);
	g_assert_no_error(result.error);
	g_assert_cmpuint(result.calls, ==, 1);
	g_assert_cmpuint(result.destroys, ==, 1);
	g_assert_cmpuint(result.status, ==, 200);
	g_assert_cmpuint(tw_http_get_in_flight(fixture->http), ==, 0);

	object = parse_object(result.body, parser);
	user = json_object_get_object_member(object, "data");
	g_assert_nonnull(user);
	g_assert_cmpstr(json_object_get_string_member(user, "id"), ==,
			fixture->user_id);
	g_assert_cmpstr(json_object_get_string_member(user, "username"), ==,
			"alice");

	g_assert_nonnull(result.content_type);
	g_assert_true(
	    g_str_has_prefix(result.content_type, "application/json"));
	g_assert_nonnull(result.rate_limit_limit);
	g_assert_nonnull(result.rate_limit_remaining);
	g_assert_nonnull(result.rate_limit_reset);
	g_assert_cmpuint(g_ascii_strtoull(result.rate_limit_limit, NULL, 10), >,
			 0);
	g_assert_cmpuint(
	    g_ascii_strtoull(result.rate_limit_remaining, NULL, 10), <,
	    g_ascii_strtoull(result.rate_limit_limit, NULL, 10));
	/* Epoch seconds, in the future. */
	g_assert_cmpuint(g_ascii_strtoull(result.rate_limit_reset, NULL, 10),
			 >=, (guint64)(g_get_real_time() / G_USEC_PER_SEC));

	tw_http_get_stats(fixture->http, &stats);
	g_assert_cmpuint(stats.requests, ==, 2);
	g_assert_cmpuint(stats.failures, ==, 0);
	/* Counted; reuse itself is /http/pool/connection-reuse. */
	g_assert_cmpuint(stats.connections, >=, 1);
	result_clear(&result);
}

/* Method, body and headers reach the server as sent. */
static void
test_request_is_sent_as_built(Fixture *fixture, gconstpointer data)
{
	g_autofree char *url = sandbox_url(fixture, "/2/dm_events/123");
	g_autoptr(GPtrArray) requests = NULL;
	TwHttpRequest *request;
	TwSandboxRequest *recorded;
	Result result = {0};

	g_free(fetch_access_token(fixture, fixture->http));
	request = tw_http_request_new("delete", url);
	g_assert_cmpstr(tw_http_request_get_method(request), ==, "DELETE");
	g_assert_cmpstr(tw_http_request_get_url(request), ==, url);
	send_request(fixture->http, request, &result);
	wait_for_result(&result);
	g_assert_no_error(result.error);

	requests = tw_sandbox_dup_requests(fixture->sandbox);
	g_assert_cmpuint(requests->len, ==, 2);
	recorded = requests->pdata[0];
	g_assert_cmpstr(recorded->method, ==, "POST");
	g_assert_cmpstr(recorded->path, ==, "/2/oauth2/token");
	g_assert_nonnull(recorded->body);
	g_assert_true(g_str_has_prefix(
	    recorded->body, "grant_type=refresh_token&refresh_token="));
	g_assert_true(g_str_has_suffix(recorded->body,
				       "&client_id=" TW_SANDBOX_CLIENT_ID));
	g_assert_cmpuint(recorded->status, ==, 200);
	recorded = requests->pdata[1];
	g_assert_cmpstr(recorded->method, ==, "DELETE");
	g_assert_cmpstr(recorded->path, ==, "/2/dm_events/123");
	g_assert_cmpuint(recorded->status, ==, result.status);
	result_clear(&result);
}

static void
test_unauthorized(Fixture *fixture, gconstpointer data)
{
	g_autoptr(JsonParser) parser = json_parser_new();
	Result result = {0};
	JsonObject *problem;
	TwHttpStats stats;

	send_get(fixture, fixture->http, "/2/users/me", NULL, &result);
	wait_for_result(&result);
	/* A status is not a transport error. */
	g_assert_no_error(result.error);
	g_assert_cmpuint(result.status, ==, 401);
	g_assert_cmpuint(result.calls, ==, 1);
	g_assert_cmpuint(result.destroys, ==, 1);
	g_assert_nonnull(result.content_type);
	g_assert_nonnull(strstr(result.content_type, "json"));
	problem = parse_object(result.body, parser);
	g_assert_true(json_object_has_member(problem, "title"));
	g_assert_true(json_object_has_member(problem, "type"));
	g_assert_cmpint(json_object_get_int_member(problem, "status"), ==, 401);

	tw_http_get_stats(fixture->http, &stats);
	g_assert_cmpuint(stats.requests, ==, 1);
	g_assert_cmpuint(stats.failures, ==, 0);
	result_clear(&result);
}

static void
test_rate_limited(Fixture *fixture, gconstpointer data)
{
	g_autofree char *token = fetch_access_token(fixture, fixture->http);
	g_autoptr(JsonParser) parser = json_parser_new();
	Result result = {0};
	JsonObject *problem;

	add_fault(fixture, TW_SANDBOX_FAULT_RATE_LIMIT, "/2/users/me", 0);
	send_get(fixture, fixture->http, "/2/users/me", token, &result);
	wait_for_result(&result);
	g_assert_no_error(result.error);
	g_assert_cmpuint(result.status, ==, 429);
	g_assert_cmpstr(result.rate_limit_remaining, ==, "0");
	g_assert_nonnull(result.rate_limit_reset);
	problem = parse_object(result.body, parser);
	g_assert_cmpint(json_object_get_int_member(problem, "status"), ==, 429);
	result_clear(&result);
}

static void
test_timeout(Fixture *fixture, gconstpointer data)
{
	g_autofree char *url = sandbox_url(fixture, "/2/users/me");
	TwHttpRequest *request = tw_http_request_new("GET", url);
	Result result = {0};
	TwHttpStats stats;
	gint64 started;

	add_fault(fixture, TW_SANDBOX_FAULT_DELAY, "/2/users/me", 3000);
	tw_http_request_set_timeout(request, 1);
	started = g_get_monotonic_time();
	send_request(fixture->http, request, &result);
	g_assert_true(tw_test_wait_for(&result.done, 3 * WAIT_MS));
	g_assert_error(result.error, TW_HTTP_ERROR, TW_HTTP_ERROR_TIMEOUT);
	/* The request's own limit, not the server's answer, ended it. */
	g_assert_cmpint(result.finished_at - started, >=, 900 * 1000);
	g_assert_cmpint(result.finished_at - started, <, 2900 * 1000);
	g_assert_cmpuint(result.calls, ==, 1);
	g_assert_cmpuint(result.destroys, ==, 1);
	tw_http_get_stats(fixture->http, &stats);
	g_assert_cmpuint(stats.failures, ==, 1);
	g_assert_cmpuint(stats.requests, ==, 0);
	result_clear(&result);
}

static void
test_connection_reset(Fixture *fixture, gconstpointer data)
{
	Result result = {0};

	add_fault(fixture, TW_SANDBOX_FAULT_RESET, "/2/users/me", 0);
	send_get(fixture, fixture->http, "/2/users/me", NULL, &result);
	wait_for_result(&result);
	g_assert_error(result.error, TW_HTTP_ERROR, TW_HTTP_ERROR_NETWORK);
	g_assert_cmpstr(result.error->message, !=, "");
	g_assert_cmpuint(result.calls, ==, 1);
	g_assert_cmpuint(result.destroys, ==, 1);
	result_clear(&result);
}

static gboolean
sandbox_saw_request(gpointer data)
{
	Fixture *fixture = data;

	return tw_sandbox_count_requests(fixture->sandbox, "GET",
					 "/2/users/me") > 0;
}

static void
test_cancel_in_flight(Fixture *fixture, gconstpointer data)
{
	Result result = {0};
	Result other = {0};
	guint64 id;

	add_fault(fixture, TW_SANDBOX_FAULT_DELAY, "/2/users/me", 600);
	id = send_get(fixture, fixture->http, "/2/users/me", NULL, &result);
	/* In flight for real: the server holds the request. */
	g_assert_true(
	    tw_test_wait_until(sandbox_saw_request, fixture, WAIT_MS));
	tw_http_cancel(fixture->http, id);
	g_assert_cmpuint(result.destroys, ==, 1);
	g_assert_cmpuint(tw_http_get_in_flight(fixture->http), ==, 0);
	/* A second cancel of the same id is ignored. */
	tw_http_cancel(fixture->http, id);
	g_assert_cmpuint(result.destroys, ==, 1);

	/* Past the delay: the answer, if any, is dropped. */
	tw_test_wait_for(NULL, 1000);
	g_assert_cmpuint(result.calls, ==, 0);
	g_assert_cmpuint(result.destroys, ==, 1);

	/* The client still works afterwards. */
	tw_sandbox_clear_faults(fixture->sandbox);
	send_get(fixture, fixture->http, "/2/users/me", NULL, &other);
	wait_for_result(&other);
	g_assert_no_error(other.error);
	g_assert_cmpuint(other.status, ==, 401);
	result_clear(&other);
}

static void
test_cancel_all(Fixture *fixture, gconstpointer data)
{
	Result results[3] = {{0}};

	add_fault(fixture, TW_SANDBOX_FAULT_DELAY, "/2/users/me", 500);
	for (guint i = 0; i < G_N_ELEMENTS(results); i++)
		send_get(fixture, fixture->http, "/2/users/me", NULL,
			 &results[i]);
	g_assert_cmpuint(tw_http_get_in_flight(fixture->http), ==, 3);
	tw_http_cancel_all(fixture->http);
	g_assert_cmpuint(tw_http_get_in_flight(fixture->http), ==, 0);
	tw_test_wait_for(NULL, 800);
	for (guint i = 0; i < G_N_ELEMENTS(results); i++) {
		g_assert_cmpuint(results[i].calls, ==, 0);
		g_assert_cmpuint(results[i].destroys, ==, 1);
	}
}

static void
test_free_in_flight(Fixture *fixture, gconstpointer data)
{
	Result results[3] = {{0}};

	add_fault(fixture, TW_SANDBOX_FAULT_DELAY, "/2/users/me", 500);
	for (guint i = 0; i < G_N_ELEMENTS(results); i++)
		send_get(fixture, fixture->http, "/2/users/me", NULL,
			 &results[i]);
	g_assert_true(
	    tw_test_wait_until(sandbox_saw_request, fixture, WAIT_MS));
	g_clear_pointer(&fixture->http, tw_http_free);
	for (guint i = 0; i < G_N_ELEMENTS(results); i++) {
		g_assert_cmpuint(results[i].calls, ==, 0);
		g_assert_cmpuint(results[i].destroys, ==, 1);
	}
	tw_test_wait_for(NULL, 800);
	for (guint i = 0; i < G_N_ELEMENTS(results); i++) {
		g_assert_cmpuint(results[i].calls, ==, 0);
		g_assert_cmpuint(results[i].destroys, ==, 1);
	}
}

static void
test_free_from_callback(Fixture *fixture, gconstpointer data)
{
	Result fast = {0};
	Result slow = {0};
	Result refused = {0};

	add_fault(fixture, TW_SANDBOX_FAULT_DELAY, "/2/users/me", 500);
	send_get(fixture, fixture->http, "/2/users/me", NULL, &slow);
	fast.free_from_callback = &fixture->http;
	send_get(fixture, fixture->http, "/2/tweets", NULL, &fast);
	wait_for_result(&fast);
	g_assert_null(fixture->http);
	g_assert_cmpuint(fast.calls, ==, 1);
	g_assert_cmpuint(fast.destroys, ==, 1);
	g_assert_cmpuint(slow.calls, ==, 0);
	g_assert_cmpuint(slow.destroys, ==, 1);
	/* Let the deferred cleanup and the delayed answer happen. */
	tw_test_wait_for(NULL, 800);
	g_assert_cmpuint(slow.calls, ==, 0);
	g_assert_cmpuint(slow.destroys, ==, 1);
	result_clear(&fast);

	/* Also from the callback of a refused URL. */
	fixture->http = tw_http_new();
	refused.free_from_callback = &fixture->http;
	send_request(fixture->http,
		     tw_http_request_new("GET", "http://example.com/"),
		     &refused);
	wait_for_result(&refused);
	g_assert_null(fixture->http);
	g_assert_cmpuint(refused.calls, ==, 1);
	g_assert_cmpuint(refused.destroys, ==, 1);
	result_clear(&refused);
}

static void
test_refused_urls(Fixture *fixture, gconstpointer data)
{
	Result insecure = {0};
	Result invalid = {0};
	Result cancelled = {0};
	TwHttpStats stats;
	guint64 id;

	send_request(fixture->http,
		     tw_http_request_new("GET", "http://example.com/"),
		     &insecure);
	send_request(fixture->http, tw_http_request_new("GET", "not a url"),
		     &invalid);
	id = send_request(fixture->http,
			  tw_http_request_new("GET", "ftp://127.0.0.1/"),
			  &cancelled);
	g_assert_cmpuint(tw_http_get_in_flight(fixture->http), ==, 3);
	tw_http_cancel(fixture->http, id);
	g_assert_cmpuint(cancelled.destroys, ==, 1);

	wait_for_result(&insecure);
	wait_for_result(&invalid);
	g_assert_error(insecure.error, TW_HTTP_ERROR,
		       TW_HTTP_ERROR_INSECURE_URL);
	g_assert_error(invalid.error, TW_HTTP_ERROR, TW_HTTP_ERROR_INVALID_URL);
	g_assert_cmpuint(insecure.calls, ==, 1);
	g_assert_cmpuint(insecure.destroys, ==, 1);
	g_assert_cmpuint(invalid.calls, ==, 1);
	g_assert_cmpuint(invalid.destroys, ==, 1);
	tw_test_wait_for(NULL, 50);
	g_assert_cmpuint(cancelled.calls, ==, 0);
	g_assert_cmpuint(cancelled.destroys, ==, 1);

	/* Nothing went out. */
	tw_http_get_stats(fixture->http, &stats);
	g_assert_cmpuint(stats.connections, ==, 0);
	g_assert_cmpuint(stats.requests, ==, 0);
	g_assert_cmpuint(stats.failures, ==, 2);
	g_assert_cmpuint(tw_http_get_in_flight(fixture->http), ==, 0);
	result_clear(&insecure);
	result_clear(&invalid);
}

typedef struct {
	Result results[20];
} Parallel;

static gboolean
all_done(gpointer data)
{
	Parallel *parallel = data;

	for (guint i = 0; i < G_N_ELEMENTS(parallel->results); i++)
		if (!parallel->results[i].done)
			return FALSE;
	return TRUE;
}

static void
test_concurrency(Fixture *fixture, gconstpointer data)
{
	g_autofree char *token = fetch_access_token(fixture, fixture->http);
	Parallel parallel = {0};
	TwHttpStats stats;
	gint64 started;

	/* Served one after the other, these would take 8 s. */
	add_fault(fixture, TW_SANDBOX_FAULT_DELAY, "/2/users/me", 400);
	started = g_get_monotonic_time();
	for (guint i = 0; i < G_N_ELEMENTS(parallel.results); i++)
		send_get(fixture, fixture->http, "/2/users/me", token,
			 &parallel.results[i]);
	g_assert_cmpuint(tw_http_get_in_flight(fixture->http), ==, 20);
	g_assert_true(tw_test_wait_until(all_done, &parallel, WAIT_MS));
	g_assert_cmpint(g_get_monotonic_time() - started, <,
			4 * G_USEC_PER_SEC);
	for (guint i = 0; i < G_N_ELEMENTS(parallel.results); i++) {
		Result *result = &parallel.results[i];

		g_assert_no_error(result->error);
		g_assert_cmpuint(result->status, ==, 200);
		g_assert_cmpuint(result->calls, ==, 1);
		g_assert_cmpuint(result->destroys, ==, 1);
		result_clear(result);
	}
	tw_http_get_stats(fixture->http, &stats);
	g_assert_cmpuint(stats.requests, ==, 21);
	g_assert_cmpuint(stats.failures, ==, 0);
	/* HTTP/1.1 to the sandbox: parallel requests need connections. */
	g_assert_cmpuint(stats.connections, >, 1);
	g_assert_cmpuint(stats.connections, <=, 21);
	g_assert_cmpuint(tw_http_get_in_flight(fixture->http), ==, 0);
}

static guint
closed_port(void)
{
	g_autoptr(GSocket) socket = NULL;
	g_autoptr(GSocketAddress) address = NULL;
	g_autoptr(GInetAddress) loopback = NULL;
	g_autoptr(GSocketAddress) bound = NULL;
	g_autoptr(GError) error = NULL;
	guint port;

	socket = g_socket_new(G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM,
			      G_SOCKET_PROTOCOL_TCP, &error);
	g_assert_no_error(error);
	loopback = g_inet_address_new_loopback(G_SOCKET_FAMILY_IPV4);
	address = g_inet_socket_address_new(loopback, 0);
	g_assert_true(g_socket_bind(socket, address, FALSE, &error));
	bound = g_socket_get_local_address(socket, &error);
	g_assert_no_error(error);
	port = g_inet_socket_address_get_port(G_INET_SOCKET_ADDRESS(bound));
	/* Closed without listening: connections are refused. */
	g_socket_close(socket, NULL);
	return port;
}

static void
test_proxy_failure(Fixture *fixture, gconstpointer data)
{
	g_autofree char *proxy =
	    g_strdup_printf("http://127.0.0.1:%u", closed_port());
	Result result = {0};
	Result direct = {0};

	tw_http_set_proxy(fixture->http, proxy, "user", "secret");
	/* .invalid never resolves; the proxy would be asked to, and the
	 * proxy itself cannot be reached. */
	send_request(fixture->http,
		     tw_http_request_new("GET", "https://api.x.invalid/2/"),
		     &result);
	wait_for_result(&result);
	g_assert_error(result.error, TW_HTTP_ERROR, TW_HTTP_ERROR_PROXY);
	g_assert_null(strstr(result.error->message, "secret"));
	result_clear(&result);

	/* Loopback hosts bypass the proxy. */
	send_get(fixture, fixture->http, "/2/users/me", NULL, &direct);
	wait_for_result(&direct);
	g_assert_no_error(direct.error);
	g_assert_cmpuint(direct.status, ==, 401);
	result_clear(&direct);
}

/* Sends an empty form POST to @path and waits for its outcome. */
static void
post_and_wait(Fixture *fixture, const char *path, gboolean unrepeatable,
	      Result *result)
{
	g_autofree char *url = sandbox_url(fixture, path);
	TwHttpRequest *request = tw_http_request_new("POST", url);

	tw_http_request_set_body(request, "application/x-www-form-urlencoded",
				 "grant_type=refresh_token", -1, FALSE);
	if (unrepeatable)
		tw_http_request_set_unrepeatable(request, 5, 300, 60);
	send_request(fixture->http, request, result);
	wait_for_result(result);
}

/* A connection that dies before any answer: libcurl silently sends an
 * ordinary request again when the connection was a reused one, but never
 * an unrepeatable one, which always gets a fresh connection. */
static void
test_unrepeatable_not_resent(Fixture *fixture, gconstpointer data)
{
	TwSandboxFault fault = {.kind = TW_SANDBOX_FAULT_RESET,
				.method = "POST",
				.path_prefix = "/2/oauth2/token",
				.count = 1};
	Result warm = {0};
	Result ordinary = {0};
	Result once = {0};
	TwHttpStats before;
	TwHttpStats after;

	/* A pooled keep-alive connection. */
	send_get(fixture, fixture->http, "/2/users/me", NULL, &warm);
	wait_for_result(&warm);
	g_assert_no_error(warm.error);

	tw_sandbox_add_fault(fixture->sandbox, &fault);
	post_and_wait(fixture, "/2/oauth2/token", FALSE, &ordinary);
	g_assert_cmpuint(tw_sandbox_count_requests(fixture->sandbox, "POST",
						   "/2/oauth2/token"),
			 ==, 2);

	tw_sandbox_add_fault(fixture->sandbox, &fault);
	tw_http_get_stats(fixture->http, &before);
	post_and_wait(fixture, "/2/oauth2/token", TRUE, &once);
	tw_http_get_stats(fixture->http, &after);
	g_assert_error(once.error, TW_HTTP_ERROR, TW_HTTP_ERROR_NETWORK);
	g_assert_cmpuint(tw_sandbox_count_requests(fixture->sandbox, "POST",
						   "/2/oauth2/token"),
			 ==, 3);
	g_assert_cmpuint(after.connections, ==, before.connections + 1);
	result_clear(&warm);
	result_clear(&ordinary);
	result_clear(&once);
}

/* A server that takes the request and then says nothing is given up
 * after the stall limit, and the failure says the request was sent (it
 * may have taken effect), unlike a refused connection. */
static void
test_unrepeatable_stall_is_ambiguous(Fixture *fixture, gconstpointer data)
{
	g_autofree char *url = sandbox_url(fixture, "/2/oauth2/token");
	TwHttpRequest *request = tw_http_request_new("POST", url);
	Result result = {0};
	gint64 started;

	/* libcurl measures speed over the last few seconds: the body it
	 * sent keeps the average above zero for up to about five. */
	add_fault(fixture, TW_SANDBOX_FAULT_DELAY, "/2/oauth2/token", 12000);
	tw_http_request_set_body(request, "application/x-www-form-urlencoded",
				 "grant_type=refresh_token", -1, FALSE);
	tw_http_request_set_unrepeatable(request, 5, 300, 1);
	started = g_get_monotonic_time();
	send_request(fixture->http, request, &result);
	g_assert_true(tw_test_wait_for(&result.done, 3 * WAIT_MS));
	g_assert_error(result.error, TW_HTTP_ERROR, TW_HTTP_ERROR_TIMEOUT);
	g_assert_cmpint(result.finished_at - started, <, 11000 * 1000);
	g_assert_cmpuint(tw_sandbox_count_requests(fixture->sandbox, "POST",
						   "/2/oauth2/token"),
			 ==, 1);
	result_clear(&result);
}

static void
test_connect_refused(Fixture *fixture, gconstpointer data)
{
	g_autofree char *url =
	    g_strdup_printf("http://127.0.0.1:%u/", closed_port());
	Result result = {0};

	send_request(fixture->http, tw_http_request_new("GET", url), &result);
	wait_for_result(&result);
	g_assert_error(result.error, TW_HTTP_ERROR, TW_HTTP_ERROR_CONNECT);
	/* curl's own explanation is kept. */
	g_assert_nonnull(strstr(result.error->message, "127.0.0.1"));
	result_clear(&result);
}

static void
test_debug_line_redacts(Fixture *fixture, gconstpointer data)
{
	g_autofree char *pattern = g_strdup_printf(
	    "alice: GET %s/2/users/me?user.fields=id&pagination_token=REDACTED&code=REDACTED -> 401 (* bytes, * ms)",
	    tw_sandbox_get_base_url(fixture->sandbox));
	Result result = {0};

	tw_http_set_debug_name(fixture->http, "alice");
	g_test_expect_message("twdm", G_LOG_LEVEL_DEBUG, pattern);
	send_get(fixture, fixture->http,
		 "/2/users/me?user.fields=id&pagination_token=abc123&code=xyz",
		 NULL, &result);
	wait_for_result(&result);
	g_test_assert_expected_messages();
	g_assert_cmpuint(result.status, ==, 401);
	result_clear(&result);
}

/* A one-connection server with a canned answer, for what the sandbox
 * cannot produce. */
typedef struct {
	GSocket *listener;
	guint port;
	const char *head;
	gsize body_length;       /* bytes of filler after @head */
	gboolean answer_at_once; /* without reading a request first */
	GThread *thread;
} RawServer;

static gboolean
send_all(GSocket *socket, const char *data, gsize length)
{
	while (length > 0) {
		gssize sent = g_socket_send(socket, data, length, NULL, NULL);

		if (sent <= 0)
			return FALSE;
		data += sent;
		length -= sent;
	}
	return TRUE;
}

static gpointer
raw_server_run(gpointer data)
{
	RawServer *server = data;
	g_autoptr(GSocket) connection = NULL;
	g_autoptr(GString) request = g_string_new(NULL);
	char buffer[4096];
	gsize sent = 0;

	connection = g_socket_accept(server->listener, NULL, NULL);
	if (connection == NULL)
		return NULL;
	g_socket_set_timeout(connection, 5);
	while (!server->answer_at_once &&
	       strstr(request->str, "\r\n\r\n") == NULL) {
		gssize received = g_socket_receive(connection, buffer,
						   sizeof(buffer), NULL, NULL);

		if (received <= 0)
			return NULL;
		g_string_append_len(request, buffer, received);
	}
	if (!send_all(connection, server->head, strlen(server->head)))
		return NULL;
	memset(buffer, 'x', sizeof(buffer));
	while (sent < server->body_length) {
		gsize chunk = MIN(sizeof(buffer), server->body_length - sent);

		/* The client hangs up on a body that is too large. */
		if (!send_all(connection, buffer, chunk))
			break;
		sent += chunk;
	}
	g_socket_close(connection, NULL);
	return NULL;
}

static GSocket *
listen_on_loopback(guint *port)
{
	g_autoptr(GInetAddress) loopback =
	    g_inet_address_new_loopback(G_SOCKET_FAMILY_IPV4);
	g_autoptr(GSocketAddress) address =
	    g_inet_socket_address_new(loopback, 0);
	g_autoptr(GSocketAddress) bound = NULL;
	g_autoptr(GError) error = NULL;
	GSocket *listener;

	listener = g_socket_new(G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM,
				G_SOCKET_PROTOCOL_TCP, &error);
	g_assert_no_error(error);
	g_socket_set_timeout(listener, 5);
	g_assert_true(g_socket_bind(listener, address, TRUE, &error));
	g_assert_true(g_socket_listen(listener, &error));
	bound = g_socket_get_local_address(listener, &error);
	g_assert_no_error(error);
	*port = g_inet_socket_address_get_port(G_INET_SOCKET_ADDRESS(bound));
	return listener;
}

static void
raw_server_start(RawServer *server, const char *head, gsize body_length)
{
	server->head = head;
	server->body_length = body_length;
	server->listener = listen_on_loopback(&server->port);
	server->thread = g_thread_new("raw-server", raw_server_run, server);
}

static void
raw_server_stop(RawServer *server)
{
	g_thread_join(server->thread);
	g_object_unref(server->listener);
}

typedef struct {
	gboolean done;
	guint status;
	char *interim;
	char *padded;
	char *twice;
	char *length;
	char *body;
	gsize body_length;
	GError *error;
} RawResult;

static void
on_raw_done(TwHttpResponse *response, const GError *error, gpointer data)
{
	RawResult *result = data;

	result->done = TRUE;
	if (error != NULL) {
		result->error = g_error_copy(error);
		return;
	}
	result->status = tw_http_response_get_status(response);
	result->interim =
	    g_strdup(tw_http_response_get_header(response, "X-Interim"));
	result->padded =
	    g_strdup(tw_http_response_get_header(response, "x-padded"));
	result->twice =
	    g_strdup(tw_http_response_get_header(response, "X-TWICE"));
	result->length =
	    g_strdup(tw_http_response_get_header(response, "content-length"));
	result->body =
	    g_strdup(tw_http_response_get_body(response, &result->body_length));
}

static void
raw_result_clear(RawResult *result)
{
	g_free(result->interim);
	g_free(result->padded);
	g_free(result->twice);
	g_free(result->length);
	g_free(result->body);
	g_clear_error(&result->error);
}

static void
fetch_raw_full(const char *scheme, const char *head, gsize body_length,
	       RawResult *result)
{
	g_autofree char *url = NULL;
	TwHttp *http = tw_http_new();
	RawServer server = {0};

	/* A TLS client speaks first and never ends a line: answer at once. */
	server.answer_at_once = g_str_equal(scheme, "https");
	raw_server_start(&server, head, body_length);
	url = g_strdup_printf("%s://127.0.0.1:%u/raw", scheme, server.port);
	tw_http_send(http, tw_http_request_new("GET", url), on_raw_done, result,
		     NULL);
	g_assert_true(tw_test_wait_for(&result->done, WAIT_MS));
	tw_http_free(http);
	raw_server_stop(&server);
}

static void
fetch_raw(const char *head, gsize body_length, RawResult *result)
{
	fetch_raw_full("http", head, body_length, result);
}

/* The Date header, X's clock for the rate-limit reset. */
static void
test_parse_date(void)
{
	g_assert_cmpint(tw_http_parse_date("Mon, 07 Dec 2026 12:01:39 GMT"), ==,
			G_GINT64_CONSTANT(1796644899));
	g_assert_cmpint(tw_http_parse_date("not a date"), ==, 0);
	g_assert_cmpint(tw_http_parse_date(""), ==, 0);
	g_assert_cmpint(tw_http_parse_date(NULL), ==, 0);
}

static void
test_header_table(void)
{
	RawResult result = {0};

	fetch_raw("HTTP/1.1 100 Continue\r\n"
		  "X-Interim: yes\r\n"
		  "\r\n"
		  "HTTP/1.1 200 OK\r\n"
		  "Content-Length: 5\r\n"
		  "X-Padded: \t spaced value  \r\n"
		  "X-Twice: first\r\n"
		  "x-twice: second\r\n"
		  "Connection: close\r\n"
		  "\r\n"
		  "hello",
		  0, &result);
	g_assert_no_error(result.error);
	g_assert_cmpuint(result.status, ==, 200);
	/* Only the final header block counts. */
	g_assert_null(result.interim);
	g_assert_cmpstr(result.padded, ==, "spaced value");
	g_assert_cmpstr(result.twice, ==, "second");
	g_assert_cmpstr(result.length, ==, "5");
	g_assert_cmpstr(result.body, ==, "hello");
	g_assert_cmpuint(result.body_length, ==, 5);
	raw_result_clear(&result);
}

static void
test_too_large_streamed(void)
{
	RawResult result = {0};

	/* No Content-Length: only the running count can catch it. */
	fetch_raw("HTTP/1.1 200 OK\r\n"
		  "Connection: close\r\n"
		  "\r\n",
		  TW_HTTP_MAX_BODY + 4096, &result);
	g_assert_error(result.error, TW_HTTP_ERROR, TW_HTTP_ERROR_TOO_LARGE);
	raw_result_clear(&result);
}

static void
test_too_large_announced(void)
{
	g_autofree char *head = g_strdup_printf("HTTP/1.1 200 OK\r\n"
						"Content-Length: %d\r\n"
						"\r\n",
						TW_HTTP_MAX_BODY + 1);
	RawResult result = {0};

	fetch_raw(head, 0, &result);
	g_assert_error(result.error, TW_HTTP_ERROR, TW_HTTP_ERROR_TOO_LARGE);
	raw_result_clear(&result);
}

static void
test_largest_body_accepted(void)
{
	RawResult result = {0};

	fetch_raw("HTTP/1.1 200 OK\r\n"
		  "Connection: close\r\n"
		  "\r\n",
		  TW_HTTP_MAX_BODY, &result);
	g_assert_no_error(result.error);
	g_assert_cmpuint(result.status, ==, 200);
	g_assert_cmpuint(result.body_length, ==, TW_HTTP_MAX_BODY);
	g_assert_cmpuint(strlen(result.body), ==, TW_HTTP_MAX_BODY);
	raw_result_clear(&result);
}

/* https to a server that only speaks plain http fails the handshake. */
static void
test_tls_failure(void)
{
	RawResult result = {0};

	fetch_raw_full("https",
		       "HTTP/1.1 400 Bad Request\r\n"
		       "Content-Length: 0\r\n"
		       "\r\n",
		       0, &result);
	g_assert_error(result.error, TW_HTTP_ERROR, TW_HTTP_ERROR_TLS);
	raw_result_clear(&result);
}

/* An HTTP/1.1 server that keeps connections open (the sandbox closes
 * each one) and counts connections and requests. */
typedef struct {
	GSocket *listener;
	guint port;
	GThread *thread;
	gint stop;
	gint connections;
	gint requests;
} KeepAliveServer;

static void
keep_alive_serve(KeepAliveServer *server, GSocket *connection)
{
	static const char answer[] = "HTTP/1.1 200 OK\r\n"
				     "Content-Type: text/plain\r\n"
				     "Content-Length: 2\r\n"
				     "\r\n"
				     "ok";
	g_autoptr(GString) pending = g_string_new(NULL);
	char buffer[4096];

	for (;;) {
		char *end;

		while ((end = strstr(pending->str, "\r\n\r\n")) == NULL) {
			gssize received = g_socket_receive(
			    connection, buffer, sizeof(buffer), NULL, NULL);

			/* The client closed the connection. */
			if (received <= 0)
				return;
			g_string_append_len(pending, buffer, received);
		}
		g_string_erase(pending, 0, end + 4 - pending->str);
		g_atomic_int_inc(&server->requests);
		if (!send_all(connection, answer, strlen(answer)))
			return;
	}
}

static gpointer
keep_alive_run(gpointer data)
{
	KeepAliveServer *server = data;

	while (!g_atomic_int_get(&server->stop)) {
		g_autoptr(GSocket) connection = NULL;

		if (!g_socket_condition_timed_wait(server->listener, G_IO_IN,
						   50 * 1000, NULL, NULL))
			continue;
		connection = g_socket_accept(server->listener, NULL, NULL);
		if (connection == NULL)
			continue;
		g_atomic_int_inc(&server->connections);
		g_socket_set_timeout(connection, 5);
		keep_alive_serve(server, connection);
	}
	return NULL;
}

typedef struct {
	TwHttp *http;
	char *url;
	guint remaining;
	guint ok;
	gboolean done;
} Chain;

static void chain_next(Chain *chain);

static void
on_chain_done(TwHttpResponse *response, const GError *error, gpointer data)
{
	Chain *chain = data;

	g_assert_no_error(error);
	if (tw_http_response_get_status(response) == 200)
		chain->ok++;
	/* Sending from inside a completion callback. */
	if (--chain->remaining > 0)
		chain_next(chain);
	else
		chain->done = TRUE;
}

static void
chain_next(Chain *chain)
{
	tw_http_send(chain->http, tw_http_request_new("GET", chain->url),
		     on_chain_done, chain, NULL);
}

static void
test_connection_reuse(void)
{
	KeepAliveServer server = {0};
	Chain chain = {.remaining = 10};
	TwHttpStats stats;

	server.listener = listen_on_loopback(&server.port);
	server.thread = g_thread_new("keep-alive", keep_alive_run, &server);
	chain.http = tw_http_new();
	chain.url =
	    g_strdup_printf("http://127.0.0.1:%u/2/users/me", server.port);

	/* Ten requests one after the other. */
	chain_next(&chain);
	g_assert_true(tw_test_wait_for(&chain.done, WAIT_MS));
	g_assert_cmpuint(chain.ok, ==, 10);
	tw_http_get_stats(chain.http, &stats);
	g_assert_cmpuint(stats.requests, ==, 10);
	g_assert_cmpuint(stats.connections, ==, 1);
	g_assert_cmpuint(stats.failures, ==, 0);

	/* Freeing the client closes the pooled connection. */
	tw_http_free(chain.http);
	g_atomic_int_set(&server.stop, 1);
	g_thread_join(server.thread);
	g_object_unref(server.listener);
	g_assert_cmpint(server.connections, ==, 1);
	g_assert_cmpint(server.requests, ==, 10);
	g_free(chain.url);
}

#define ADD_SANDBOX_TEST(path, function)                                       \
	g_test_add(path, Fixture, NULL, fixture_set_up, function,              \
		   fixture_tear_down)

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	tw_test_loop_install();

	g_test_add_func("/http/url-policy", test_url_policy);
	g_test_add_func("/http/headers/table", test_header_table);
	g_test_add_func("/http/headers/date", test_parse_date);
	g_test_add_func("/http/error/tls", test_tls_failure);
	g_test_add_func("/http/pool/connection-reuse", test_connection_reuse);
	g_test_add_func("/http/body/too-large-streamed",
			test_too_large_streamed);
	g_test_add_func("/http/body/too-large-announced",
			test_too_large_announced);
	g_test_add_func("/http/body/largest-accepted",
			test_largest_body_accepted);
	ADD_SANDBOX_TEST("/http/status/ok-with-headers", test_ok_with_headers);
	ADD_SANDBOX_TEST("/http/status/unauthorized", test_unauthorized);
	ADD_SANDBOX_TEST("/http/status/rate-limited", test_rate_limited);
	ADD_SANDBOX_TEST("/http/request/sent-as-built",
			 test_request_is_sent_as_built);
	ADD_SANDBOX_TEST("/http/request/debug-line-redacts",
			 test_debug_line_redacts);
	ADD_SANDBOX_TEST("/http/error/timeout", test_timeout);
	ADD_SANDBOX_TEST("/http/error/connection-reset", test_connection_reset);
	ADD_SANDBOX_TEST("/http/error/connect-refused", test_connect_refused);
	ADD_SANDBOX_TEST("/http/request/unrepeatable-not-resent",
			 test_unrepeatable_not_resent);
	ADD_SANDBOX_TEST("/http/request/unrepeatable-stall-is-ambiguous",
			 test_unrepeatable_stall_is_ambiguous);
	ADD_SANDBOX_TEST("/http/error/proxy", test_proxy_failure);
	ADD_SANDBOX_TEST("/http/error/refused-urls", test_refused_urls);
	ADD_SANDBOX_TEST("/http/lifecycle/cancel-in-flight",
			 test_cancel_in_flight);
	ADD_SANDBOX_TEST("/http/lifecycle/cancel-all", test_cancel_all);
	ADD_SANDBOX_TEST("/http/lifecycle/free-in-flight", test_free_in_flight);
	ADD_SANDBOX_TEST("/http/lifecycle/free-from-callback",
			 test_free_from_callback);
	ADD_SANDBOX_TEST("/http/pool/concurrency", test_concurrency);

	return g_test_run();
}
