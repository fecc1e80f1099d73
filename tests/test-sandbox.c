/*
 * Tests of the sandbox X API server (tools/sandbox): it must answer like the
 * real API, because every other test trusts it.
 *
 * A libsoup client talks to the server over 127.0.0.1; the C controls and
 * the /_sandbox/ HTTP controls set the scene.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "tw-sandbox.h"

#include <json-glib/json-glib.h>
#include <libsoup/soup.h>
#include <glib/gstdio.h>
#include <signal.h>
#include <string.h>

#define INVALID_REQUEST_TAIL                                                   \
	"\"title\":\"Invalid Request\",\"detail\":\"One or more parameters "   \
	"to your request was invalid.\",\"type\":\"https://api.twitter.com/2/" \
	"problems/invalid-request\"}"
#define UNAUTHORIZED_BODY                                                      \
	"{\"title\":\"Unauthorized\",\"type\":\"about:blank\",\"status\":401," \
	"\"detail\":\"Unauthorized\"}"
#define TOO_MANY_REQUESTS_BODY                                                 \
	"{\"title\":\"Too Many Requests\",\"detail\":\"Too Many Requests\","   \
	"\"type\":\"about:blank\",\"status\":429}"
#define INVALID_TOKEN_BODY                                                     \
	"{\"error\":\"invalid_request\",\"error_description\":\"Value passed " \
	"for the token was invalid.\"}"

/* ------------------------------------------------------------------------ */
/* HTTP and JSON helpers                                                     */

typedef struct {
	guint status;
	char *body;
	SoupMessageHeaders *headers;
	gint64 elapsed_us;
	GError *error;
} Reply;

static void
reply_free(Reply *reply)
{
	g_free(reply->body);
	if (reply->headers)
		soup_message_headers_unref(reply->headers);
	g_clear_error(&reply->error);
	g_free(reply);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC(Reply, reply_free)

typedef struct {
	const char *method;
	const char *url;
	const char *bearer;
	const char *basic; /* "id:secret" */
	const char *content_type;
	const char *body;
} Call;

static Reply *
send_call(SoupSession *session, const Call *call)
{
	g_autoptr(SoupMessage) msg = soup_message_new(call->method, call->url);
	g_autoptr(GBytes) data = NULL;
	SoupMessageHeaders *headers;
	Reply *reply = g_new0(Reply, 1);
	gint64 started;

	g_assert_nonnull(msg);
	headers = soup_message_get_request_headers(msg);
	if (call->bearer) {
		g_autofree char *value =
		    g_strdup_printf("Bearer %s", call->bearer);

		soup_message_headers_replace(headers, "Authorization", value);
	}
	if (call->basic) {
		g_autofree char *encoded = g_base64_encode(
		    (const guchar *)call->basic, strlen(call->basic));
		g_autofree char *value = g_strdup_printf("Basic %s", encoded);

		soup_message_headers_replace(headers, "Authorization", value);
	}
	if (call->body) {
		g_autoptr(GBytes) bytes =
		    g_bytes_new(call->body, strlen(call->body));

		soup_message_set_request_body_from_bytes(
		    msg,
		    call->content_type ? call->content_type
				       : "application/json",
		    bytes);
	}
	started = g_get_monotonic_time();
	data = soup_session_send_and_read(session, msg, NULL, &reply->error);
	reply->elapsed_us = g_get_monotonic_time() - started;
	reply->status = soup_message_get_status(msg);
	reply->headers =
	    soup_message_headers_ref(soup_message_get_response_headers(msg));
	if (data)
		reply->body = g_strndup(g_bytes_get_data(data, NULL),
					g_bytes_get_size(data));
	return reply;
}

static const char *
header(Reply *reply, const char *name)
{
	return soup_message_headers_get_one(reply->headers, name);
}

static JsonNode *
parse_json(const char *text)
{
	g_autoptr(JsonParser) parser = json_parser_new();
	g_autoptr(GError) error = NULL;

	g_assert_nonnull(text);
	json_parser_load_from_data(parser, text, -1, &error);
	g_assert_no_error(error);
	return json_node_copy(json_parser_get_root(parser));
}

static JsonObject *
member_object(JsonObject *object, const char *name)
{
	g_assert_true(json_object_has_member(object, name));
	return json_object_get_object_member(object, name);
}

static JsonArray *
member_array(JsonObject *object, const char *name)
{
	g_assert_true(json_object_has_member(object, name));
	return json_object_get_array_member(object, name);
}

static JsonObject *
element_object(JsonArray *array, guint index)
{
	g_assert_cmpuint(index, <, json_array_get_length(array));
	return json_array_get_object_element(array, index);
}

static const char *
member_string(JsonObject *object, const char *name)
{
	g_assert_true(json_object_has_member(object, name));
	return json_object_get_string_member(object, name);
}

/* "a,b,c": the member names of @object in order. */
static char *
member_names(JsonObject *object)
{
	g_autoptr(GList) members = json_object_get_members(object);
	GString *names = g_string_new(NULL);

	for (GList *l = members; l; l = l->next)
		g_string_append_printf(names, "%s%s", names->len ? "," : "",
				       (const char *)l->data);
	return g_string_free(names, FALSE);
}

/* Numeric order, as X builds 1:1 conversation ids. */
static char *
expected_conversation_id(const char *a, const char *b)
{
	gsize la = strlen(a), lb = strlen(b);
	gboolean a_first = la != lb ? la < lb : strcmp(a, b) < 0;

	return a_first ? g_strdup_printf("%s-%s", a, b)
		       : g_strdup_printf("%s-%s", b, a);
}

/* ------------------------------------------------------------------------ */
/* Fixture                                                                   */

typedef struct {
	TwSandbox *sandbox;
	SoupSession *session;
	char *basic; /* "id:secret" for a confidential client */
	char *alice_id;
	char *bob_id;
	char *carol_id;
	char *alice_token;
	char *bob_token;
	char *carol_token;
} Fixture;

static char *
url_for(Fixture *fixture, const char *path)
{
	return g_strconcat(tw_sandbox_get_base_url(fixture->sandbox), path,
			   NULL);
}

static Reply *
api_call(Fixture *fixture, const char *method, const char *token,
	 const char *path, const char *body)
{
	g_autofree char *url = url_for(fixture, path);
	Call call = {
	    .method = method, .url = url, .bearer = token, .body = body};
	Reply *reply = send_call(fixture->session, &call);

	g_assert_no_error(reply->error);
	return reply;
}

static Reply *
api_get(Fixture *fixture, const char *token, const char *path)
{
	return api_call(fixture, "GET", token, path, NULL);
}

static Reply *
token_call(Fixture *fixture, const char *form, const char *basic)
{
	g_autofree char *url = url_for(fixture, "/2/oauth2/token");
	Call call = {.method = "POST",
		     .url = url,
		     .basic = basic,
		     .content_type = "application/x-www-form-urlencoded",
		     .body = form};
	Reply *reply = send_call(fixture->session, &call);

	g_assert_no_error(reply->error);
	return reply;
}

static Reply *
refresh(Fixture *fixture, const char *refresh_token)
{
	g_autofree char *form = g_strdup_printf(
	    "grant_type=refresh_token&refresh_token=%s&client_id=%s",
	    refresh_token, TW_SANDBOX_CLIENT_ID);

	return token_call(fixture, form, fixture->basic);
}

static char *
sign_in(Fixture *fixture, const char *user_id)
{
	g_autofree char *refresh_token =
	    tw_sandbox_issue_refresh_token(fixture->sandbox, user_id);
	g_autoptr(Reply) reply = refresh(fixture, refresh_token);
	g_autoptr(JsonNode) root = NULL;

	g_assert_cmpuint(reply->status, ==, 200);
	root = parse_json(reply->body);
	return g_strdup(
	    member_string(json_node_get_object(root), "access_token"));
}

static void
fixture_set_up(Fixture *fixture, gconstpointer data)
{
	const TwSandboxConfig *config = data;
	TwSandboxConfig defaults;
	g_autoptr(GError) error = NULL;

	tw_sandbox_config_init(&defaults);
	/* Enough reads that only the rate-limit test meets the limit. */
	defaults.dm_read_limit = 200;
	fixture->sandbox = tw_sandbox_new(config ? config : &defaults);
	if (config && config->client_secret)
		fixture->basic = g_strdup_printf("%s:%s", TW_SANDBOX_CLIENT_ID,
						 config->client_secret);
	g_assert_true(tw_sandbox_start(fixture->sandbox, 0, &error));
	g_assert_no_error(error);
	fixture->session = soup_session_new();
	fixture->alice_id =
	    tw_sandbox_add_user(fixture->sandbox, "alice", "Alice Example");
	fixture->bob_id =
	    tw_sandbox_add_user(fixture->sandbox, "Bob_B", "Bob Builder");
	fixture->carol_id =
	    tw_sandbox_add_user(fixture->sandbox, "carol", "Carol Chen");
	fixture->alice_token = sign_in(fixture, fixture->alice_id);
	fixture->bob_token = sign_in(fixture, fixture->bob_id);
	fixture->carol_token = sign_in(fixture, fixture->carol_id);
	tw_sandbox_clear_requests(fixture->sandbox);
}

static void
fixture_tear_down(Fixture *fixture, gconstpointer data)
{
	g_clear_pointer(&fixture->sandbox, tw_sandbox_free);
	g_clear_object(&fixture->session);
	g_free(fixture->basic);
	g_free(fixture->alice_id);
	g_free(fixture->bob_id);
	g_free(fixture->carol_id);
	g_free(fixture->alice_token);
	g_free(fixture->bob_token);
	g_free(fixture->carol_token);
}

/* ------------------------------------------------------------------------ */
/* Configuration, ids, times                                                 */

static void
test_config_defaults(void)
{
	TwSandboxConfig config;

	tw_sandbox_config_init(&config);
	g_assert_cmpuint(config.rate_window_seconds, ==, 900);
	g_assert_cmpuint(config.dm_read_limit, ==, 15);
	g_assert_cmpuint(config.dm_send_limit, ==, 15);
	g_assert_cmpuint(config.dm_send_daily_limit, ==, 1440);
	g_assert_cmpuint(config.users_limit, ==, 900);
	g_assert_cmpuint(config.me_limit, ==, 75);
	g_assert_cmpuint(config.access_token_lifetime, ==, 7200);
	g_assert_cmpstr(config.problem_host, ==, "api.twitter.com");
	g_assert_cmpuint(config.visibility_delay_ms, ==, 0);
	g_assert_cmpstr(config.client_id, ==, TW_SANDBOX_CLIENT_ID);
	g_assert_null(config.client_secret);
	g_assert_cmpuint(config.gif_max_bytes, ==, 15 * 1024 * 1024);
	g_assert_cmpuint(config.video_max_bytes, ==, 512 * 1024 * 1024);
	g_assert_cmpuint(config.segment_max_bytes, ==, 5 * 1024 * 1024);
	g_assert_cmpuint(config.processing_checks, ==, 1);
	g_assert_cmpuint(config.check_after_secs, ==, 1);
	g_assert_null(config.processing_error);
	g_assert_cmpuint(config.media_upload_limit, ==, 500);
	g_assert_cmpuint(config.media_chunked_limit, ==, 1875);
}

static guint64
id_number(const char *id)
{
	return g_ascii_strtoull(id, NULL, 10);
}

static void
test_ids_and_times(Fixture *fixture, gconstpointer data)
{
	g_autofree char *first = tw_sandbox_create_message(
	    fixture->sandbox, fixture->bob_id, fixture->alice_id, "first");
	g_autofree char *second = tw_sandbox_create_message(
	    fixture->sandbox, fixture->bob_id, fixture->alice_id, "second");
	g_autoptr(GDateTime) old_time =
	    g_date_time_new_utc(2022, 10, 19, 20, 58, 0.0);
	TwSandboxMessage old_message = {
	    .sender_id = fixture->bob_id,
	    .recipient_id = fixture->alice_id,
	    .text = "from 2022",
	    .created_at = g_date_time_to_unix(old_time) * G_USEC_PER_SEC,
	};
	g_autofree char *old = NULL;
	g_autofree char *path = NULL;
	g_autoptr(Reply) reply = NULL;
	g_autoptr(JsonNode) root = NULL;
	JsonArray *data_array;
	gint64 now_ms = g_get_real_time() / 1000;
	guint64 time_bits = id_number(second) >> 22;

	/* Snowflakes: time since the Twitter epoch in the high bits. */
	g_assert_cmpuint(id_number(second), >, id_number(first));
	g_assert_cmpint((gint64)time_bits + 1288834974657, <=, now_ms);
	g_assert_cmpint((gint64)time_bits + 1288834974657, >, now_ms - 60000);
	g_assert_cmpuint(strlen(fixture->alice_id), ==, 19);

	old = tw_sandbox_create_message_full(fixture->sandbox, &old_message);
	g_assert_cmpuint(id_number(old), <, id_number(first));
	g_assert_cmpuint((id_number(old) >> 22) + 1288834974657, ==,
			 (guint64)g_date_time_to_unix(old_time) * 1000);

	/* The per-conversation endpoint has no 30-day cut-off. */
	path = g_strdup_printf("/2/dm_conversations/with/%s/dm_events"
			       "?dm_event.fields=created_at,sender_id",
			       fixture->bob_id);
	reply = api_get(fixture, fixture->alice_token, path);
	g_assert_cmpuint(reply->status, ==, 200);
	root = parse_json(reply->body);
	data_array = member_array(json_node_get_object(root), "data");
	g_assert_cmpuint(json_array_get_length(data_array), ==, 3);
	g_assert_cmpstr(member_string(element_object(data_array, 2), "id"), ==,
			old);
	g_assert_cmpstr(
	    member_string(element_object(data_array, 2), "created_at"), ==,
	    "2022-10-19T20:58:00.000Z");
	g_assert_true(g_regex_match_simple(
	    "^\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z$",
	    member_string(element_object(data_array, 0), "created_at"), 0, 0));

	/* /2/dm_events covers 30 days only. */
	g_clear_pointer(&reply, reply_free);
	g_clear_pointer(&root, json_node_unref);
	reply = api_get(fixture, fixture->alice_token, "/2/dm_events");
	root = parse_json(reply->body);
	g_assert_cmpint(json_object_get_int_member(
			    member_object(json_node_get_object(root), "meta"),
			    "result_count"),
			==, 2);
}

/* ------------------------------------------------------------------------ */
/* OAuth                                                                     */

static void
test_token_rotation(Fixture *fixture, gconstpointer data)
{
	g_autofree char *first_refresh =
	    tw_sandbox_issue_refresh_token(fixture->sandbox, fixture->alice_id);
	g_autoptr(Reply) reply = refresh(fixture, first_refresh);
	g_autoptr(JsonNode) root = NULL;
	g_autofree char *second_refresh = NULL;
	g_autofree char *access = NULL;
	g_autofree char *names = NULL;
	TwSandboxCounters counters;
	JsonObject *object;

	g_assert_cmpuint(reply->status, ==, 200);
	g_assert_cmpstr(header(reply, "Content-Type"), ==,
			"application/json; charset=utf-8");
	root = parse_json(reply->body);
	object = json_node_get_object(root);
	names = member_names(object);
	g_assert_cmpstr(names, ==,
			"token_type,expires_in,access_token,scope,"
			"refresh_token");
	g_assert_cmpstr(member_string(object, "token_type"), ==, "bearer");
	g_assert_cmpint(json_object_get_int_member(object, "expires_in"), ==,
			7200);
	g_assert_cmpstr(member_string(object, "scope"), ==,
			"tweet.read users.read dm.read dm.write "
			"media.write offline.access");
	second_refresh = g_strdup(member_string(object, "refresh_token"));
	access = g_strdup(member_string(object, "access_token"));
	g_assert_cmpstr(second_refresh, !=, first_refresh);
	g_assert_cmpstr(access, !=, second_refresh);

	/* Each refresh token works once. */
	g_clear_pointer(&reply, reply_free);
	reply = refresh(fixture, first_refresh);
	g_assert_cmpuint(reply->status, ==, 400);
	g_assert_cmpstr(reply->body, ==, INVALID_TOKEN_BODY);

	g_clear_pointer(&reply, reply_free);
	reply = refresh(fixture, "not-a-token");
	g_assert_cmpuint(reply->status, ==, 400);
	g_assert_cmpstr(reply->body, ==, INVALID_TOKEN_BODY);

	/* A refused grant leaves the token usable afterwards. */
	tw_sandbox_refuse_refresh(fixture->sandbox, 1);
	g_clear_pointer(&reply, reply_free);
	reply = refresh(fixture, second_refresh);
	g_assert_cmpuint(reply->status, ==, 400);
	g_assert_cmpstr(reply->body, ==, INVALID_TOKEN_BODY);
	g_clear_pointer(&reply, reply_free);
	reply = refresh(fixture, second_refresh);
	g_assert_cmpuint(reply->status, ==, 200);

	/* The access token from the first grant works. */
	g_clear_pointer(&reply, reply_free);
	reply = api_get(fixture, access, "/2/users/me");
	g_assert_cmpuint(reply->status, ==, 200);

	/* Wrong client, missing client, wrong grant. */
	g_clear_pointer(&reply, reply_free);
	reply = token_call(fixture,
			   "grant_type=refresh_token&refresh_token=x&"
			   "client_id=someone-else",
			   NULL);
	g_assert_cmpuint(reply->status, ==, 401);
	g_assert_cmpstr(reply->body, ==,
			"{\"error\":\"unauthorized_client\",\"error_"
			"description\":\"Missing valid authorization "
			"header\"}");
	g_clear_pointer(&reply, reply_free);
	reply = token_call(fixture, "grant_type=refresh_token&refresh_token=x",
			   NULL);
	g_assert_cmpuint(reply->status, ==, 400);
	g_clear_pointer(&reply, reply_free);
	reply = token_call(
	    fixture, "grant_type=password&client_id=" TW_SANDBOX_CLIENT_ID,
	    NULL);
	g_assert_cmpuint(reply->status, ==, 400);
	g_assert_nonnull(strstr(reply->body, "unsupported_grant_type"));

	/* Three sign-ins in the fixture, two grants here. */
	tw_sandbox_get_counters(fixture->sandbox, &counters);
	g_assert_cmpuint(counters.token_refreshes, ==, 5);
}

static char *
refreshed_token(Reply *reply)
{
	g_autoptr(JsonNode) root = NULL;

	g_assert_cmpuint(reply->status, ==, 200);
	root = parse_json(reply->body);
	return g_strdup(
	    member_string(json_node_get_object(root), "refresh_token"));
}

static void
test_token_reuse_until_used(Fixture *fixture, gconstpointer data)
{
	g_autofree char *first =
	    tw_sandbox_issue_refresh_token(fixture->sandbox, fixture->alice_id);
	g_autoptr(Reply) reply = refresh(fixture, first);
	g_autofree char *lost = refreshed_token(reply);
	g_autofree char *second = NULL;
	g_autofree char *third = NULL;

	/* The answer carrying "lost" never arrived: the first token works
	 * once more, and "lost" is dropped. */
	g_clear_pointer(&reply, reply_free);
	reply = refresh(fixture, first);
	second = refreshed_token(reply);
	g_clear_pointer(&reply, reply_free);
	reply = refresh(fixture, lost);
	g_assert_cmpuint(reply->status, ==, 400);

	/* Once the successor is used, the old token is spent for good. */
	g_clear_pointer(&reply, reply_free);
	reply = refresh(fixture, second);
	third = refreshed_token(reply);
	g_clear_pointer(&reply, reply_free);
	reply = refresh(fixture, first);
	g_assert_cmpuint(reply->status, ==, 400);
	g_clear_pointer(&reply, reply_free);
	reply = refresh(fixture, second);
	g_assert_cmpuint(reply->status, ==, 200);
	g_assert_nonnull(third);
}

static void
test_token_confidential(Fixture *fixture, gconstpointer data)
{
	g_autofree char *refresh_token =
	    tw_sandbox_issue_refresh_token(fixture->sandbox, fixture->alice_id);
	g_autofree char *form = g_strdup_printf(
	    "grant_type=refresh_token&refresh_token=%s", refresh_token);
	g_autoptr(Reply) reply = token_call(fixture, form, NULL);

	g_assert_cmpuint(reply->status, ==, 401);
	g_assert_nonnull(strstr(reply->body, "unauthorized_client"));
	g_clear_pointer(&reply, reply_free);
	reply = token_call(fixture, form, TW_SANDBOX_CLIENT_ID ":wrong");
	g_assert_cmpuint(reply->status, ==, 401);
	g_clear_pointer(&reply, reply_free);
	reply = token_call(fixture, form, TW_SANDBOX_CLIENT_ID ":s3cret");
	g_assert_cmpuint(reply->status, ==, 200);
}

static void
test_unauthorized(Fixture *fixture, gconstpointer data)
{
	g_autoptr(Reply) reply = api_get(fixture, NULL, "/2/users/me");
	g_autofree char *revoke_form = NULL;
	g_autofree char *revoke_url = url_for(fixture, "/2/oauth2/revoke");

	g_assert_cmpuint(reply->status, ==, 401);
	g_assert_cmpstr(reply->body, ==, UNAUTHORIZED_BODY);
	g_assert_nonnull(strstr(header(reply, "Content-Type"), "json"));
	g_assert_cmpstr(header(reply, "cache-control"), ==,
			"no-cache, no-store, max-age=0");
	g_assert_nonnull(header(reply, "x-transaction-id"));
	g_assert_nonnull(header(reply, "api-version"));
	g_assert_nonnull(header(reply, "x-response-time"));

	g_clear_pointer(&reply, reply_free);
	reply = api_get(fixture, "garbage", "/2/dm_events");
	g_assert_cmpuint(reply->status, ==, 401);
	g_assert_cmpstr(reply->body, ==, UNAUTHORIZED_BODY);

	/* Expiry hits every token issued so far, not later ones. */
	tw_sandbox_expire_access_tokens(fixture->sandbox);
	g_clear_pointer(&reply, reply_free);
	reply = api_get(fixture, fixture->alice_token, "/2/users/me");
	g_assert_cmpuint(reply->status, ==, 401);
	g_assert_cmpstr(reply->body, ==, UNAUTHORIZED_BODY);
	g_free(fixture->bob_token);
	fixture->bob_token = sign_in(fixture, fixture->bob_id);
	g_clear_pointer(&reply, reply_free);
	reply = api_get(fixture, fixture->bob_token, "/2/users/me");
	g_assert_cmpuint(reply->status, ==, 200);

	/* Revocation. */
	revoke_form = g_strdup_printf("token=%s&client_id=%s",
				      fixture->bob_token, TW_SANDBOX_CLIENT_ID);
	{
		Call call = {.method = "POST",
			     .url = revoke_url,
			     .content_type =
				 "application/x-www-form-urlencoded",
			     .body = revoke_form};

		g_clear_pointer(&reply, reply_free);
		reply = send_call(fixture->session, &call);
	}
	g_assert_cmpuint(reply->status, ==, 200);
	g_assert_cmpstr(reply->body, ==, "{\"revoked\":true}");
	g_clear_pointer(&reply, reply_free);
	reply = api_get(fixture, fixture->bob_token, "/2/users/me");
	g_assert_cmpuint(reply->status, ==, 401);
}

/* ------------------------------------------------------------------------ */
/* Users                                                                     */

static void
test_users(Fixture *fixture, gconstpointer data)
{
	g_autoptr(Reply) reply =
	    api_get(fixture, fixture->alice_token, "/2/users/me");
	g_autofree char *expected = NULL;
	g_autofree char *path = NULL;
	g_autoptr(JsonNode) root = NULL;
	g_autofree char *avatar = NULL;
	JsonObject *user;
	JsonArray *users;

	g_assert_cmpuint(reply->status, ==, 200);
	g_assert_cmpstr(header(reply, "Content-Type"), ==,
			"application/json; charset=utf-8");
	expected = g_strdup_printf("{\"data\":{\"id\":\"%s\",\"name\":\"Alice "
				   "Example\",\"username\":\"alice\"}}",
				   fixture->alice_id);
	g_assert_cmpstr(reply->body, ==, expected);
	g_assert_cmpstr(header(reply, "x-rate-limit-limit"), ==, "75");
	g_assert_cmpstr(header(reply, "x-rate-limit-remaining"), ==, "74");

	/* Fields, alphabetical; receives_your_dm follows the setting. */
	tw_sandbox_set_receives_dm(fixture->sandbox, fixture->bob_id, FALSE);
	g_clear_pointer(&reply, reply_free);
	reply = api_get(fixture, fixture->alice_token,
			"/2/users/by/username/bob_b?user.fields=receives_your_"
			"dm,profile_image_url,verified,description");
	g_assert_cmpuint(reply->status, ==, 200);
	root = parse_json(reply->body);
	user = member_object(json_node_get_object(root), "data");
	{
		g_autofree char *names = member_names(user);

		g_assert_cmpstr(names, ==,
				"description,id,name,profile_image_url,"
				"receives_your_dm,username,verified");
	}
	g_assert_cmpstr(member_string(user, "id"), ==, fixture->bob_id);
	g_assert_cmpstr(member_string(user, "username"), ==, "Bob_B");
	g_assert_false(
	    json_object_get_boolean_member(user, "receives_your_dm"));
	avatar = g_strdup(member_string(user, "profile_image_url"));
	g_assert_true(g_str_has_prefix(
	    avatar, tw_sandbox_get_base_url(fixture->sandbox)));

	/* The profile image is a PNG served (and counted) by the sandbox. */
	{
		Call call = {.method = "GET", .url = avatar};
		g_autoptr(Reply) image = send_call(fixture->session, &call);

		g_assert_no_error(image->error);
		g_assert_cmpuint(image->status, ==, 200);
		g_assert_cmpstr(header(image, "Content-Type"), ==, "image/png");
		g_assert_true(g_str_has_prefix(image->body, "\x89PNG"));
		g_assert_cmpuint(
		    tw_sandbox_count_requests(fixture->sandbox, "GET",
					      "/_sandbox/avatars/"),
		    ==, 1);
	}

	/* Unknown username: 200 with only errors. */
	g_clear_pointer(&reply, reply_free);
	reply = api_get(fixture, fixture->alice_token,
			"/2/users/by/username/nosuchuser");
	g_assert_cmpuint(reply->status, ==, 200);
	g_assert_cmpstr(
	    reply->body, ==,
	    "{\"errors\":[{\"value\":\"nosuchuser\",\"detail\":\"Could not "
	    "find user with username: [nosuchuser].\",\"title\":\"Not "
	    "Found Error\",\"resource_type\":\"user\",\"parameter\":"
	    "\"username\",\"resource_id\":\"nosuchuser\",\"type\":\"https:"
	    "//api.twitter.com/2/problems/resource-not-found\"}]}");

	/* Invalid syntax: 400. */
	g_clear_pointer(&reply, reply_free);
	reply = api_get(fixture, fixture->alice_token,
			"/2/users/by/username/no-such-user");
	g_assert_cmpuint(reply->status, ==, 400);
	g_assert_cmpstr(
	    reply->body, ==,
	    "{\"errors\":[{\"parameters\":{\"username\":[\"no-such-user\"]},"
	    "\"message\":\"The `username` query parameter value "
	    "[no-such-user] does not match ^[A-Za-z0-9_]{1,15}$\"}]," INVALID_REQUEST_TAIL);

	/* Unknown field value: 400. */
	g_clear_pointer(&reply, reply_free);
	reply = api_get(fixture, fixture->alice_token,
			"/2/users/me?user.fields=shoe_size");
	g_assert_cmpuint(reply->status, ==, 400);
	g_assert_nonnull(strstr(reply->body, "[shoe_size] is not one of"));

	/* Several ids, one unknown. */
	path = g_strdup_printf("/2/users?ids=%s,123,%s", fixture->carol_id,
			       fixture->bob_id);
	g_clear_pointer(&reply, reply_free);
	g_clear_pointer(&root, json_node_unref);
	reply = api_get(fixture, fixture->alice_token, path);
	g_assert_cmpuint(reply->status, ==, 200);
	root = parse_json(reply->body);
	users = member_array(json_node_get_object(root), "data");
	g_assert_cmpuint(json_array_get_length(users), ==, 2);
	g_assert_cmpstr(member_string(element_object(users, 0), "username"), ==,
			"carol");
	g_assert_cmpstr(member_string(element_object(users, 1), "username"), ==,
			"Bob_B");
	g_assert_cmpstr(
	    member_string(
		element_object(
		    member_array(json_node_get_object(root), "errors"), 0),
		"resource_id"),
	    ==, "123");

	/* By usernames, and one id. */
	g_clear_pointer(&reply, reply_free);
	g_clear_pointer(&root, json_node_unref);
	reply = api_get(fixture, fixture->alice_token,
			"/2/users/by?usernames=ALICE,carol");
	root = parse_json(reply->body);
	users = member_array(json_node_get_object(root), "data");
	g_assert_cmpuint(json_array_get_length(users), ==, 2);
	g_assert_cmpstr(member_string(element_object(users, 0), "id"), ==,
			fixture->alice_id);
	g_assert_false(
	    json_object_has_member(json_node_get_object(root), "errors"));

	g_free(path);
	path = g_strdup_printf("/2/users/%s", fixture->carol_id);
	g_clear_pointer(&reply, reply_free);
	reply = api_get(fixture, fixture->alice_token, path);
	g_free(expected);
	expected = g_strdup_printf("{\"data\":{\"id\":\"%s\",\"name\":\"Carol "
				   "Chen\",\"username\":\"carol\"}}",
				   fixture->carol_id);
	g_assert_cmpstr(reply->body, ==, expected);
	g_assert_cmpstr(header(reply, "x-rate-limit-limit"), ==, "900");
}

/* ------------------------------------------------------------------------ */
/* DM lists                                                                  */

static JsonNode *
get_json(Fixture *fixture, const char *token, const char *path)
{
	g_autoptr(Reply) reply = api_get(fixture, token, path);

	g_assert_cmpuint(reply->status, ==, 200);
	return parse_json(reply->body);
}

static const char *
next_token_of(JsonNode *root)
{
	JsonObject *meta = member_object(json_node_get_object(root), "meta");

	return json_object_get_string_member_with_default(meta, "next_token",
							  NULL);
}

static void
test_dm_list(Fixture *fixture, gconstpointer data)
{
	const char *texts[] = {"one", "two", "three", "four"};
	const char *senders[] = {fixture->bob_id, fixture->alice_id,
				 fixture->bob_id, fixture->carol_id};
	char *ids[5];
	g_autoptr(GPtrArray) urls = g_ptr_array_new();
	TwSandboxMessage with_link = {
	    .sender_id = fixture->bob_id,
	    .recipient_id = fixture->alice_id,
	    .text = "five",
	    .urls = urls,
	};
	g_autoptr(JsonNode) root = NULL;
	g_autofree char *path = NULL;
	g_autofree char *next = NULL;
	g_autofree char *names = NULL;
	JsonObject *object, *event, *entity;
	JsonArray *events, *users;

	for (guint i = 0; i < 4; i++)
		ids[i] = tw_sandbox_create_message(
		    fixture->sandbox, senders[i],
		    i == 1 ? fixture->bob_id : fixture->alice_id, texts[i]);
	g_ptr_array_add(urls, "https://example.com/some/very/long/path/here");
	ids[4] = tw_sandbox_create_message_full(fixture->sandbox, &with_link);

	/* Page 1: newest first, with fields, entities and includes. */
	root = get_json(fixture, fixture->alice_token,
			"/2/dm_events?max_results=2&dm_event.fields=id,text,"
			"sender_id,dm_conversation_id,created_at,entities&"
			"expansions=sender_id&user.fields=username");
	object = json_node_get_object(root);
	names = member_names(object);
	g_assert_cmpstr(names, ==, "data,includes,meta");
	events = member_array(object, "data");
	g_assert_cmpuint(json_array_get_length(events), ==, 2);
	event = element_object(events, 0);
	g_assert_cmpstr(member_string(event, "id"), ==, ids[4]);
	g_assert_true(g_str_has_prefix(member_string(event, "text"),
				       "five https://t.co/"));
	entity = element_object(
	    member_array(member_object(event, "entities"), "urls"), 0);
	g_assert_cmpint(json_object_get_int_member(entity, "start"), ==, 5);
	g_assert_cmpint(json_object_get_int_member(entity, "end"), ==, 28);
	g_assert_cmpstr(member_string(entity, "expanded_url"), ==,
			"https://example.com/some/very/long/path/here");
	g_assert_cmpstr(member_string(entity, "display_url"), ==,
			"example.com/some/very/lon…");
	g_assert_cmpstr(member_string(element_object(events, 1), "text"), ==,
			"four");
	users = member_array(member_object(object, "includes"), "users");
	g_assert_cmpuint(json_array_get_length(users), ==, 2);
	g_assert_cmpstr(member_string(element_object(users, 0), "id"), ==,
			fixture->bob_id);
	g_assert_cmpstr(member_string(element_object(users, 1), "username"), ==,
			"carol");
	g_assert_cmpint(json_object_get_int_member(
			    member_object(object, "meta"), "result_count"),
			==, 2);
	g_free(names);
	names = member_names(member_object(object, "meta"));
	g_assert_cmpstr(names, ==, "result_count,next_token,previous_token");
	next = g_strdup(next_token_of(root));
	g_assert_cmpuint(strlen(next), >=, 16);

	/* Page 2, then back with previous_token. */
	path = g_strdup_printf("/2/dm_events?max_results=2&pagination_token=%s",
			       next);
	g_clear_pointer(&root, json_node_unref);
	root = get_json(fixture, fixture->alice_token, path);
	events = member_array(json_node_get_object(root), "data");
	g_assert_cmpstr(member_string(element_object(events, 0), "text"), ==,
			"three");
	g_assert_cmpstr(member_string(element_object(events, 1), "text"), ==,
			"two");
	g_free(next);
	next = g_strdup(next_token_of(root));
	g_free(path);
	path = g_strdup_printf(
	    "/2/dm_events?max_results=2&pagination_token=%s",
	    member_string(member_object(json_node_get_object(root), "meta"),
			  "previous_token"));
	{
		g_autoptr(JsonNode) newer =
		    get_json(fixture, fixture->alice_token, path);

		events = member_array(json_node_get_object(newer), "data");
		g_assert_cmpuint(json_array_get_length(events), ==, 2);
		g_assert_cmpstr(member_string(element_object(events, 0), "id"),
				==, ids[4]);
		g_assert_cmpstr(member_string(element_object(events, 1), "id"),
				==, ids[3]);
	}

	/* Page 3 is the last event, and still has a next_token... */
	g_free(path);
	path = g_strdup_printf("/2/dm_events?max_results=2&pagination_token=%s",
			       next);
	g_clear_pointer(&root, json_node_unref);
	root = get_json(fixture, fixture->alice_token, path);
	events = member_array(json_node_get_object(root), "data");
	g_assert_cmpuint(json_array_get_length(events), ==, 1);
	g_assert_cmpstr(member_string(element_object(events, 0), "text"), ==,
			"one");
	g_assert_nonnull(next_token_of(root));

	/* ...which leads to the real end: an empty page, no data. */
	g_free(path);
	path = g_strdup_printf("/2/dm_events?max_results=2&pagination_token=%s",
			       next_token_of(root));
	{
		g_autoptr(Reply) reply =
		    api_get(fixture, fixture->alice_token, path);

		g_assert_cmpuint(reply->status, ==, 200);
		g_assert_cmpstr(reply->body, ==,
				"{\"meta\":{\"result_count\":0}}");
	}

	/* Default fields on a thread endpoint: no participant_ids. */
	g_free(path);
	path = g_strdup_printf("/2/dm_conversations/with/%s/dm_events",
			       fixture->bob_id);
	g_clear_pointer(&root, json_node_unref);
	root = get_json(fixture, fixture->alice_token, path);
	events = member_array(json_node_get_object(root), "data");
	g_assert_cmpuint(json_array_get_length(events), ==, 4);
	g_free(names);
	names = member_names(element_object(events, 3));
	g_assert_cmpstr(names, ==, "event_type,id,text");
	g_assert_cmpstr(member_string(element_object(events, 3), "event_type"),
			==, "MessageCreate");
	g_assert_cmpstr(member_string(element_object(events, 3), "text"), ==,
			"one");

	/* The same thread by its conversation id. */
	{
		g_autofree char *conversation = expected_conversation_id(
		    fixture->alice_id, fixture->bob_id);
		g_autofree char *by_id = g_strdup_printf(
		    "/2/dm_conversations/%s/dm_events?dm_event.fields="
		    "participant_ids,dm_conversation_id",
		    conversation);
		g_autoptr(JsonNode) thread =
		    get_json(fixture, fixture->alice_token, by_id);

		events = member_array(json_node_get_object(thread), "data");
		g_assert_cmpuint(json_array_get_length(events), ==, 4);
		g_assert_cmpstr(member_string(element_object(events, 0),
					      "dm_conversation_id"),
				==, conversation);
		g_assert_false(json_object_has_member(element_object(events, 0),
						      "participant_ids"));
	}

	/* Carol sees only her own conversation. */
	g_clear_pointer(&root, json_node_unref);
	root = get_json(fixture, fixture->carol_token, "/2/dm_events");
	events = member_array(json_node_get_object(root), "data");
	g_assert_cmpuint(json_array_get_length(events), ==, 1);
	g_assert_cmpstr(member_string(element_object(events, 0), "text"), ==,
			"four");

	/* max_results outside 1..100. */
	{
		g_autoptr(Reply) reply = api_get(fixture, fixture->alice_token,
						 "/2/dm_events?max_results=0");

		g_assert_cmpuint(reply->status, ==, 400);
		g_assert_cmpstr(
		    reply->body, ==,
		    "{\"errors\":[{\"parameters\":{\"max_results\":[\"0\"]},"
		    "\"message\":\"The `max_results` query parameter "
		    "value [0] is not between 1 and 100\"}]," INVALID_REQUEST_TAIL);
		g_clear_pointer(&reply, reply_free);
		reply = api_get(fixture, fixture->alice_token,
				"/2/dm_events?max_results=101");
		g_assert_cmpuint(reply->status, ==, 400);
		g_clear_pointer(&reply, reply_free);
		reply = api_get(fixture, fixture->alice_token,
				"/2/dm_events?pagination_token=nonsense");
		g_assert_cmpuint(reply->status, ==, 400);
		g_clear_pointer(&reply, reply_free);
		reply = api_get(fixture, fixture->alice_token,
				"/2/dm_events?since_id=1");
		g_assert_cmpuint(reply->status, ==, 400);
	}

	for (guint i = 0; i < 5; i++)
		g_free(ids[i]);
}

static void
test_group_events(Fixture *fixture, gconstpointer data)
{
	g_autoptr(GPtrArray) participants = g_ptr_array_new();
	g_autofree char *group = NULL;
	g_autoptr(JsonNode) root = NULL;
	g_autofree char *names = NULL;
	JsonArray *events, *ids;
	JsonObject *join;

	g_ptr_array_add(participants, fixture->bob_id);
	g_ptr_array_add(participants, fixture->carol_id);
	group = tw_sandbox_create_group(fixture->sandbox, fixture->alice_id,
					participants, "Welcome, team");
	g_assert_true(g_regex_match_simple("^[0-9]{15,19}$", group, 0, 0));

	root = get_json(fixture, fixture->bob_token,
			"/2/dm_events?event_types=ParticipantsJoin&expansions="
			"participant_ids");
	events = member_array(json_node_get_object(root), "data");
	g_assert_cmpuint(json_array_get_length(events), ==, 1);
	join = element_object(events, 0);
	names = member_names(join);
	g_assert_cmpstr(names, ==, "event_type,id,participant_ids");
	g_assert_cmpstr(member_string(join, "event_type"), ==,
			"ParticipantsJoin");
	ids = member_array(join, "participant_ids");
	g_assert_cmpuint(json_array_get_length(ids), ==, 3);
	g_assert_cmpstr(json_array_get_string_element(ids, 0), ==,
			fixture->alice_id);
	g_assert_cmpuint(
	    json_array_get_length(member_array(
		member_object(json_node_get_object(root), "includes"),
		"users")),
	    ==, 3);

	g_clear_pointer(&root, json_node_unref);
	root = get_json(fixture, fixture->carol_token,
			"/2/dm_events?dm_event.fields=sender_id,"
			"dm_conversation_id");
	events = member_array(json_node_get_object(root), "data");
	g_assert_cmpuint(json_array_get_length(events), ==, 2);
	g_assert_cmpstr(member_string(element_object(events, 0), "text"), ==,
			"Welcome, team");
	g_assert_cmpstr(
	    member_string(element_object(events, 0), "dm_conversation_id"), ==,
	    group);
	g_assert_cmpstr(member_string(element_object(events, 1), "sender_id"),
			==, fixture->alice_id);
	g_assert_cmpuint(
	    id_number(member_string(element_object(events, 1), "id")), >,
	    id_number(group));
}

/* ------------------------------------------------------------------------ */
/* Sending                                                                   */

static void
test_send(Fixture *fixture, gconstpointer data)
{
	g_autofree char *path = g_strdup_printf(
	    "/2/dm_conversations/with/%s/messages", fixture->bob_id);
	g_autofree char *conversation =
	    expected_conversation_id(fixture->alice_id, fixture->bob_id);
	g_autoptr(Reply) reply = api_call(fixture, "POST", fixture->alice_token,
					  path, "{\"text\":\"Hello Bob\"}");
	g_autoptr(JsonNode) root = NULL;
	g_autofree char *expected = NULL;
	g_autofree char *location = NULL;
	g_autofree char *by_id = NULL;
	g_autofree char *long_text = NULL;
	g_autofree char *body = NULL;
	const char *event_id;
	TwSandboxCounters counters;
	GString *text;

	g_assert_cmpuint(reply->status, ==, 201);
	root = parse_json(reply->body);
	event_id = member_string(
	    member_object(json_node_get_object(root), "data"), "dm_event_id");
	expected = g_strdup_printf("{\"data\":{\"dm_conversation_id\":\"%s\","
				   "\"dm_event_id\":\"%s\"}}",
				   conversation, event_id);
	g_assert_cmpstr(reply->body, ==, expected);
	location = g_strdup_printf("https://api.twitter.com/2/dm_events/\"%s\"",
				   event_id);
	g_assert_cmpstr(header(reply, "location"), ==, location);
	g_assert_cmpstr(header(reply, "x-user-limit-24hour-limit"), ==, "1440");
	g_assert_cmpstr(header(reply, "x-user-limit-24hour-remaining"), ==,
			"1439");

	/* The message is in Bob's list. */
	{
		g_autoptr(JsonNode) list =
		    get_json(fixture, fixture->bob_token, "/2/dm_events");
		JsonObject *first = element_object(
		    member_array(json_node_get_object(list), "data"), 0);

		g_assert_cmpstr(member_string(first, "id"), ==, event_id);
		g_assert_cmpstr(member_string(first, "text"), ==, "Hello Bob");
	}

	/* Bob answers by conversation id. */
	by_id =
	    g_strdup_printf("/2/dm_conversations/%s/messages", conversation);
	g_clear_pointer(&reply, reply_free);
	reply = api_call(fixture, "POST", fixture->bob_token, by_id,
			 "{\"text\":\"Hi Alice\"}");
	g_assert_cmpuint(reply->status, ==, 201);
	g_assert_nonnull(strstr(reply->body, conversation));

	/* Carol is not in it. */
	g_clear_pointer(&reply, reply_free);
	reply = api_call(fixture, "POST", fixture->carol_token, by_id,
			 "{\"text\":\"Let me in\"}");
	g_assert_cmpuint(reply->status, ==, 403);

	/* Validation. */
	g_clear_pointer(&reply, reply_free);
	reply = api_call(fixture, "POST", fixture->alice_token, path,
			 "{\"text\":\"\"}");
	g_assert_cmpuint(reply->status, ==, 400);
	g_assert_true(g_str_has_suffix(reply->body, INVALID_REQUEST_TAIL));
	g_clear_pointer(&reply, reply_free);
	reply = api_call(fixture, "POST", fixture->alice_token, path, "{}");
	g_assert_cmpuint(reply->status, ==, 400);
	g_clear_pointer(&reply, reply_free);
	reply = api_call(fixture, "POST", fixture->alice_token, path,
			 "{\"text\":\"x\",\"quick_reply\":{}}");
	g_assert_cmpuint(reply->status, ==, 400);
	g_clear_pointer(&reply, reply_free);
	reply =
	    api_call(fixture, "POST", fixture->alice_token, path, "not json");
	g_assert_cmpuint(reply->status, ==, 400);

	/* 10,000 code points (not bytes) is the limit. */
	text = g_string_new(NULL);
	for (guint i = 0; i < 10000; i++)
		g_string_append(text, "é");
	long_text = g_string_free(text, FALSE);
	body = g_strdup_printf("{\"text\":\"%s\"}", long_text);
	g_clear_pointer(&reply, reply_free);
	reply = api_call(fixture, "POST", fixture->alice_token, path, body);
	g_assert_cmpuint(reply->status, ==, 201);
	g_free(body);
	body = g_strdup_printf("{\"text\":\"%sé\"}", long_text);
	g_clear_pointer(&reply, reply_free);
	reply = api_call(fixture, "POST", fixture->alice_token, path, body);
	g_assert_cmpuint(reply->status, ==, 400);
	g_assert_nonnull(strstr(reply->body, "10000"));

	/* A recipient who does not take DMs. */
	tw_sandbox_set_receives_dm(fixture->sandbox, fixture->bob_id, FALSE);
	g_clear_pointer(&reply, reply_free);
	reply = api_call(fixture, "POST", fixture->alice_token, path,
			 "{\"text\":\"Still there?\"}");
	g_assert_cmpuint(reply->status, ==, 403);
	g_assert_cmpstr(reply->body, ==,
			"{\"title\":\"Forbidden\",\"type\":\"about:blank\","
			"\"status\":403,\"detail\":\"You are not permitted to "
			"send a DM to this user.\"}");

	tw_sandbox_get_counters(fixture->sandbox, &counters);
	g_assert_cmpuint(counters.sends, ==, 3);
	g_assert_cmpuint(counters.messages_created, ==, 3);
}

static void
test_create_group(Fixture *fixture, gconstpointer data)
{
	g_autofree char *body = g_strdup_printf(
	    "{\"conversation_type\":\"Group\",\"message\":{\"text\":"
	    "\"Testing\"},\"participant_ids\":[\"%s\",\"%s\"]}",
	    fixture->bob_id, fixture->carol_id);
	g_autoptr(Reply) reply = api_call(fixture, "POST", fixture->alice_token,
					  "/2/dm_conversations", body);
	g_autoptr(JsonNode) root = NULL;
	g_autofree char *group = NULL;
	g_autofree char *path = NULL;
	JsonObject *data_object;

	g_assert_cmpuint(reply->status, ==, 201);
	root = parse_json(reply->body);
	data_object = member_object(json_node_get_object(root), "data");
	group = g_strdup(member_string(data_object, "dm_conversation_id"));
	g_assert_true(g_regex_match_simple("^[0-9]{15,19}$", group, 0, 0));
	g_assert_cmpuint(id_number(member_string(data_object, "dm_event_id")),
			 >, id_number(group));

	/* A second group with the same people is a new conversation. */
	g_clear_pointer(&reply, reply_free);
	reply = api_call(fixture, "POST", fixture->alice_token,
			 "/2/dm_conversations", body);
	g_assert_cmpuint(reply->status, ==, 201);
	g_assert_null(strstr(reply->body, group));

	/* Members write to it; others may not. */
	path = g_strdup_printf("/2/dm_conversations/%s/messages", group);
	g_clear_pointer(&reply, reply_free);
	reply = api_call(fixture, "POST", fixture->carol_token, path,
			 "{\"text\":\"Hi all\"}");
	g_assert_cmpuint(reply->status, ==, 201);
	{
		g_autofree char *dave =
		    tw_sandbox_add_user(fixture->sandbox, "dave", "Dave");
		g_autofree char *dave_token = sign_in(fixture, dave);

		g_clear_pointer(&reply, reply_free);
		reply = api_call(fixture, "POST", dave_token, path,
				 "{\"text\":\"Hi?\"}");
		g_assert_cmpuint(reply->status, ==, 403);
	}

	/* Invalid shapes. */
	g_free(body);
	body = g_strdup_printf("{\"conversation_type\":\"group\",\"message\":{"
			       "\"text\":\"x\"},\"participant_ids\":[\"%s\","
			       "\"%s\"]}",
			       fixture->bob_id, fixture->carol_id);
	g_clear_pointer(&reply, reply_free);
	reply = api_call(fixture, "POST", fixture->alice_token,
			 "/2/dm_conversations", body);
	g_assert_cmpuint(reply->status, ==, 400);
	g_free(body);
	body = g_strdup_printf("{\"conversation_type\":\"Group\",\"message\":{"
			       "\"text\":\"x\"},\"participant_ids\":[\"%s\"]}",
			       fixture->bob_id);
	g_clear_pointer(&reply, reply_free);
	reply = api_call(fixture, "POST", fixture->alice_token,
			 "/2/dm_conversations", body);
	g_assert_cmpuint(reply->status, ==, 400);
	g_free(body);
	body = g_strdup_printf("{\"conversation_type\":\"Group\",\"message\":{"
			       "\"text\":\"x\"},\"participant_ids\":[\"%s\","
			       "\"%s\"]}",
			       fixture->bob_id, fixture->alice_id);
	g_clear_pointer(&reply, reply_free);
	reply = api_call(fixture, "POST", fixture->alice_token,
			 "/2/dm_conversations", body);
	g_assert_cmpuint(reply->status, ==, 400);
}

/* ------------------------------------------------------------------------ */
/* Rate limits, billing, visibility                                          */

static gint64
header_int(Reply *reply, const char *name)
{
	const char *value = header(reply, name);

	g_assert_nonnull(value);
	return g_ascii_strtoll(value, NULL, 10);
}

static void
test_rate_limit(Fixture *fixture, gconstpointer data)
{
	g_autoptr(Reply) reply = NULL;
	gint64 reset = 0;
	TwSandboxCounters counters;
	g_autofree char *with_bob = g_strdup_printf(
	    "/2/dm_conversations/with/%s/dm_events", fixture->bob_id);

	/* Three reads shared by the DM list endpoints, then 429. */
	for (guint i = 0; i < 3; i++) {
		g_clear_pointer(&reply, reply_free);
		reply = api_get(fixture, fixture->alice_token,
				i == 1 ? with_bob : "/2/dm_events");
		g_assert_cmpuint(reply->status, ==, 200);
		g_assert_cmpint(header_int(reply, "x-rate-limit-limit"), ==, 3);
		g_assert_cmpint(header_int(reply, "x-rate-limit-remaining"), ==,
				2 - i);
		if (i == 0)
			reset = header_int(reply, "x-rate-limit-reset");
		g_assert_cmpint(header_int(reply, "x-rate-limit-reset"), ==,
				reset);
	}
	g_assert_cmpint(reset, >, g_get_real_time() / G_USEC_PER_SEC - 1);
	g_assert_cmpint(reset, <=, g_get_real_time() / G_USEC_PER_SEC + 3);

	g_clear_pointer(&reply, reply_free);
	reply = api_get(fixture, fixture->alice_token, "/2/dm_events");
	g_assert_cmpuint(reply->status, ==, 429);
	g_assert_cmpstr(reply->body, ==, TOO_MANY_REQUESTS_BODY);
	g_assert_cmpint(header_int(reply, "x-rate-limit-remaining"), ==, 0);
	g_assert_cmpint(header_int(reply, "x-rate-limit-reset"), ==, reset);
	tw_sandbox_get_counters(fixture->sandbox, &counters);
	g_assert_cmpuint(counters.rate_limited, ==, 1);

	/* Other users and other families have their own buckets. */
	g_clear_pointer(&reply, reply_free);
	reply = api_get(fixture, fixture->bob_token, "/2/dm_events");
	g_assert_cmpuint(reply->status, ==, 200);
	g_clear_pointer(&reply, reply_free);
	reply = api_get(fixture, fixture->alice_token, "/2/users/me");
	g_assert_cmpuint(reply->status, ==, 200);

	/* Once the reset time has passed, a new window opens. */
	while (g_get_real_time() < reset * G_USEC_PER_SEC)
		g_usleep(50 * 1000);
	g_clear_pointer(&reply, reply_free);
	reply = api_get(fixture, fixture->alice_token, "/2/dm_events");
	g_assert_cmpuint(reply->status, ==, 200);
	g_assert_cmpint(header_int(reply, "x-rate-limit-remaining"), ==, 2);
	g_assert_cmpint(header_int(reply, "x-rate-limit-reset"), >, reset - 1);
}

static void
test_send_rate_limit(Fixture *fixture, gconstpointer data)
{
	g_autofree char *path = g_strdup_printf(
	    "/2/dm_conversations/with/%s/messages", fixture->bob_id);
	g_autoptr(Reply) reply = NULL;

	/* Config: 5 per window, 2 per day; the daily cap bites first. */
	for (guint i = 0; i < 2; i++) {
		g_clear_pointer(&reply, reply_free);
		reply = api_call(fixture, "POST", fixture->alice_token, path,
				 "{\"text\":\"hi\"}");
		g_assert_cmpuint(reply->status, ==, 201);
		g_assert_cmpint(header_int(reply, "x-rate-limit-limit"), ==, 5);
		g_assert_cmpint(
		    header_int(reply, "x-user-limit-24hour-remaining"), ==,
		    1 - i);
	}
	g_clear_pointer(&reply, reply_free);
	reply = api_call(fixture, "POST", fixture->alice_token, path,
			 "{\"text\":\"hi\"}");
	g_assert_cmpuint(reply->status, ==, 429);
	g_assert_cmpstr(reply->body, ==, TOO_MANY_REQUESTS_BODY);
	g_assert_cmpint(header_int(reply, "x-rate-limit-remaining"), ==, 3);
	g_assert_cmpint(header_int(reply, "x-user-limit-24hour-remaining"), ==,
			0);
	g_assert_cmpint(header_int(reply, "x-user-limit-24hour-reset"), >,
			g_get_real_time() / G_USEC_PER_SEC + 86000);
}

static void
test_billing(Fixture *fixture, gconstpointer data)
{
	TwSandboxCounters counters;
	g_autoptr(JsonNode) root = NULL;

	for (guint i = 0; i < 3; i++) {
		g_autofree char *id =
		    tw_sandbox_create_message(fixture->sandbox, fixture->bob_id,
					      fixture->alice_id, "bill me");

		g_assert_nonnull(id);
	}
	root = get_json(fixture, fixture->alice_token, "/2/dm_events");
	tw_sandbox_get_counters(fixture->sandbox, &counters);
	g_assert_cmpuint(counters.events_returned, ==, 3);
	g_assert_cmpuint(counters.billed_reads, ==, 3);

	/* Re-reading the same events the same day is free... */
	g_clear_pointer(&root, json_node_unref);
	root = get_json(fixture, fixture->alice_token,
			"/2/dm_events?max_results=2");
	tw_sandbox_get_counters(fixture->sandbox, &counters);
	g_assert_cmpuint(counters.events_returned, ==, 5);
	g_assert_cmpuint(counters.billed_reads, ==, 3);

	/* ...but another reader pays for them. */
	g_clear_pointer(&root, json_node_unref);
	root = get_json(fixture, fixture->bob_token, "/2/dm_events");
	tw_sandbox_get_counters(fixture->sandbox, &counters);
	g_assert_cmpuint(counters.events_returned, ==, 8);
	g_assert_cmpuint(counters.billed_reads, ==, 6);
	g_assert_cmpuint(counters.messages_created, ==, 3);
}

static gint64
result_count(Fixture *fixture, const char *token, const char *path)
{
	g_autoptr(JsonNode) root = get_json(fixture, token, path);

	return json_object_get_int_member(
	    member_object(json_node_get_object(root), "meta"), "result_count");
}

static void
test_visibility(Fixture *fixture, gconstpointer data)
{
	g_autofree char *send_path = g_strdup_printf(
	    "/2/dm_conversations/with/%s/messages", fixture->bob_id);
	g_autofree char *thread_path = g_strdup_printf(
	    "/2/dm_conversations/with/%s/dm_events", fixture->alice_id);
	g_autoptr(Reply) reply = NULL;
	gint64 sent_at = g_get_monotonic_time();
	TwSandboxMessage quick = {
	    .sender_id = fixture->carol_id,
	    .recipient_id = fixture->bob_id,
	    .text = "quick",
	    .visible_after_ms = 1,
	};
	g_autofree char *quick_id = NULL;

	/* Config: a 1.5 s delay. */
	reply = api_call(fixture, "POST", fixture->alice_token, send_path,
			 "{\"text\":\"eventually\"}");
	g_assert_cmpuint(reply->status, ==, 201);
	g_assert_cmpint(
	    result_count(fixture, fixture->bob_token, "/2/dm_events"), ==, 0);
	/* The thread endpoints show it at once, as in real traffic. */
	g_assert_cmpint(result_count(fixture, fixture->bob_token, thread_path),
			==, 1);

	/* A per-message override. */
	quick_id = tw_sandbox_create_message_full(fixture->sandbox, &quick);
	g_usleep(20 * 1000);
	g_assert_cmpint(
	    result_count(fixture, fixture->bob_token, "/2/dm_events"), ==, 1);

	while (result_count(fixture, fixture->bob_token, "/2/dm_events") < 2) {
		g_assert_cmpint(g_get_monotonic_time() - sent_at, <,
				10 * G_USEC_PER_SEC);
		g_usleep(100 * 1000);
	}
	g_assert_cmpint(g_get_monotonic_time() - sent_at, >=, 1500 * 1000);
}

/* ------------------------------------------------------------------------ */
/* Faults                                                                    */

static Reply *
fresh_get(Fixture *fixture, const char *token, const char *path)
{
	/* A new session: libsoup would silently retry a request that failed
	 * on a reused connection, hiding the fault. */
	g_autoptr(SoupSession) session = soup_session_new();
	g_autofree char *url = url_for(fixture, path);
	Call call = {.method = "GET", .url = url, .bearer = token};

	return send_call(session, &call);
}

static void
add_fault(Fixture *fixture, TwSandboxFaultKind kind, const char *method,
	  guint count, guint status, guint delay_ms)
{
	TwSandboxFault fault = {
	    .kind = kind,
	    .method = method,
	    .path_prefix = "/2/users/me",
	    .count = count,
	    .status = status,
	    .delay_ms = delay_ms,
	};

	tw_sandbox_add_fault(fixture->sandbox, &fault);
}

static void
test_faults(Fixture *fixture, gconstpointer data)
{
	g_autoptr(Reply) reply = NULL;
	g_autoptr(GPtrArray) requests = NULL;
	const TwSandboxRequest *last;

	add_fault(fixture, TW_SANDBOX_FAULT_STATUS, NULL, 1, 503, 0);
	reply = api_get(fixture, fixture->alice_token, "/2/users/me");
	g_assert_cmpuint(reply->status, ==, 503);
	g_assert_cmpstr(reply->body, ==,
			"{\"title\":\"Service Unavailable\",\"type\":\"about:"
			"blank\",\"status\":503,\"detail\":\"Service "
			"Unavailable\"}");
	g_clear_pointer(&reply, reply_free);
	reply = api_get(fixture, fixture->alice_token, "/2/users/me");
	g_assert_cmpuint(reply->status, ==, 200);

	add_fault(fixture, TW_SANDBOX_FAULT_RATE_LIMIT, NULL, 1, 0, 0);
	g_clear_pointer(&reply, reply_free);
	reply = api_get(fixture, fixture->alice_token, "/2/users/me");
	g_assert_cmpuint(reply->status, ==, 429);
	g_assert_cmpstr(reply->body, ==, TOO_MANY_REQUESTS_BODY);
	g_assert_cmpint(header_int(reply, "x-rate-limit-remaining"), ==, 0);

	add_fault(fixture, TW_SANDBOX_FAULT_USAGE_CAP, NULL, 1, 0, 0);
	g_clear_pointer(&reply, reply_free);
	reply = api_get(fixture, fixture->alice_token, "/2/users/me");
	g_assert_cmpuint(reply->status, ==, 429);
	g_assert_cmpstr(reply->body, ==,
			"{\"account_id\":1,\"product_name\":\"standard-basic\","
			"\"title\":\"UsageCapExceeded\",\"period\":\"Monthly\","
			"\"scope\":\"Product\",\"detail\":\"Usage cap "
			"exceeded: Monthly product cap\",\"type\":\"https://"
			"api.twitter.com/2/problems/usage-capped\"}");

	add_fault(fixture, TW_SANDBOX_FAULT_CREDITS, NULL, 1, 0, 0);
	g_clear_pointer(&reply, reply_free);
	reply = api_get(fixture, fixture->alice_token, "/2/users/me");
	g_assert_cmpuint(reply->status, ==, 402);
	g_assert_cmpstr(reply->body, ==,
			"{\"title\":\"CreditsDepleted\",\"detail\":\"Your "
			"enrolled account does not have any credits\",\"type\":"
			"\"https://api.twitter.com/2/problems/credits\"}");

	add_fault(fixture, TW_SANDBOX_FAULT_UNAUTHORIZED, NULL, 1, 0, 0);
	g_clear_pointer(&reply, reply_free);
	reply = api_get(fixture, fixture->alice_token, "/2/users/me");
	g_assert_cmpuint(reply->status, ==, 401);
	g_assert_cmpstr(reply->body, ==, UNAUTHORIZED_BODY);

	add_fault(fixture, TW_SANDBOX_FAULT_MALFORMED, NULL, 1, 0, 0);
	g_clear_pointer(&reply, reply_free);
	reply = api_get(fixture, fixture->alice_token, "/2/users/me");
	g_assert_cmpuint(reply->status, ==, 200);
	g_assert_cmpstr(reply->body, ==, "{\"data\":[{\"id\":");

	add_fault(fixture, TW_SANDBOX_FAULT_DELAY, NULL, 1, 0, 400);
	g_clear_pointer(&reply, reply_free);
	reply = api_get(fixture, fixture->alice_token, "/2/users/me");
	g_assert_cmpuint(reply->status, ==, 200);
	g_assert_nonnull(strstr(reply->body, fixture->alice_id));
	g_assert_cmpint(reply->elapsed_us, >=, 400 * 1000);

	/* The full length is announced, half the body comes, then EOF.
	 * libsoup 3.2 hands over the partial body without an error. */
	add_fault(fixture, TW_SANDBOX_FAULT_TRUNCATED, NULL, 1, 0, 0);
	g_clear_pointer(&reply, reply_free);
	reply = fresh_get(fixture, fixture->alice_token, "/2/users/me");
	if (!reply->error) {
		gint64 announced = header_int(reply, "Content-Length");

		g_assert_cmpint(announced, >, 20);
		g_assert_cmpint((gint64)strlen(reply->body), ==, announced / 2);
	}

	add_fault(fixture, TW_SANDBOX_FAULT_RESET, NULL, 1, 0, 0);
	g_clear_pointer(&reply, reply_free);
	reply = fresh_get(fixture, fixture->alice_token, "/2/users/me");
	g_assert_nonnull(reply->error);
	g_assert_null(reply->body);

	/* Cut connections are recorded with status 0. */
	requests = tw_sandbox_dup_requests(fixture->sandbox);
	last = requests->pdata[requests->len - 1];
	g_assert_cmpuint(last->status, ==, 0);
	last = requests->pdata[requests->len - 2];
	g_assert_cmpuint(last->status, ==, 0);
	last = requests->pdata[requests->len - 3];
	g_assert_cmpuint(last->status, ==, 200);

	/* Method filter, and count 0 = until cleared. */
	add_fault(fixture, TW_SANDBOX_FAULT_STATUS, "POST", 0, 500, 0);
	g_clear_pointer(&reply, reply_free);
	reply = api_get(fixture, fixture->alice_token, "/2/users/me");
	g_assert_cmpuint(reply->status, ==, 200);
	tw_sandbox_clear_faults(fixture->sandbox);
	add_fault(fixture, TW_SANDBOX_FAULT_STATUS, "GET", 0, 500, 0);
	for (guint i = 0; i < 3; i++) {
		g_clear_pointer(&reply, reply_free);
		reply = api_get(fixture, fixture->alice_token, "/2/users/me");
		g_assert_cmpuint(reply->status, ==, 500);
	}
	g_clear_pointer(&reply, reply_free);
	reply = api_get(fixture, fixture->alice_token, "/2/dm_events");
	g_assert_cmpuint(reply->status, ==, 200);
	tw_sandbox_clear_faults(fixture->sandbox);
	g_clear_pointer(&reply, reply_free);
	reply = api_get(fixture, fixture->alice_token, "/2/users/me");
	g_assert_cmpuint(reply->status, ==, 200);
}

/* A delayed answer still pending when the server is freed. */
static void
test_free_with_pending_delay(void)
{
	g_autoptr(TwSandbox) sandbox = tw_sandbox_new(NULL);
	g_autoptr(GError) error = NULL;
	g_autoptr(SoupSession) session = soup_session_new();
	g_autoptr(SoupMessage) msg = NULL;
	g_autofree char *url = NULL;
	TwSandboxFault fault = {.kind = TW_SANDBOX_FAULT_DELAY,
				.delay_ms = 60000};
	gboolean done = FALSE;

	g_assert_true(tw_sandbox_start(sandbox, 0, &error));
	tw_sandbox_add_fault(sandbox, &fault);
	url =
	    g_strconcat(tw_sandbox_get_base_url(sandbox), "/2/users/me", NULL);
	msg = soup_message_new("GET", url);
	soup_session_send_async(session, msg, G_PRIORITY_DEFAULT, NULL, NULL,
				NULL);
	while (!done) {
		g_main_context_iteration(NULL, FALSE);
		done = tw_sandbox_count_requests(sandbox, NULL, NULL) == 1;
		g_usleep(1000);
	}
	g_clear_pointer(&sandbox, tw_sandbox_free);
	soup_session_abort(session);
	while (g_main_context_iteration(NULL, FALSE))
		;
}

/* A taken port is an error, not a crash, and the server can be freed. */
static void
test_port_in_use(void)
{
	g_autoptr(TwSandbox) first = tw_sandbox_new(NULL);
	g_autoptr(TwSandbox) second = tw_sandbox_new(NULL);
	g_autoptr(GError) error = NULL;
	g_autoptr(GUri) uri = NULL;

	g_assert_null(tw_sandbox_get_base_url(first));
	g_assert_true(tw_sandbox_start(first, 0, &error));
	g_assert_no_error(error);
	uri = g_uri_parse(tw_sandbox_get_base_url(first), G_URI_FLAGS_NONE,
			  &error);
	g_assert_no_error(error);
	g_assert_cmpstr(g_uri_get_host(uri), ==, "127.0.0.1");
	g_assert_cmpint(g_uri_get_port(uri), >, 0);
	g_assert_false(g_str_has_suffix(tw_sandbox_get_base_url(first), "/"));

	g_assert_false(
	    tw_sandbox_start(second, (guint)g_uri_get_port(uri), &error));
	g_assert_nonnull(error);
}

/* ------------------------------------------------------------------------ */
/* Records and the control API                                               */

static void
test_requests_record(Fixture *fixture, gconstpointer data)
{
	g_autofree char *path = g_strdup_printf(
	    "/2/dm_conversations/with/%s/messages", fixture->bob_id);
	g_autoptr(Reply) reply = api_get(fixture, fixture->alice_token,
					 "/2/dm_events?max_results=5");
	g_autoptr(GPtrArray) requests = NULL;
	const TwSandboxRequest *request;

	g_clear_pointer(&reply, reply_free);
	reply = api_call(fixture, "POST", fixture->alice_token, path,
			 "{\"text\":\"recorded\"}");
	g_clear_pointer(&reply, reply_free);
	reply = api_get(fixture, NULL, "/2/users/me");

	requests = tw_sandbox_dup_requests(fixture->sandbox);
	g_assert_cmpuint(requests->len, ==, 3);
	request = requests->pdata[0];
	g_assert_cmpstr(request->method, ==, "GET");
	g_assert_cmpstr(request->path, ==, "/2/dm_events");
	g_assert_cmpstr(request->query, ==, "max_results=5");
	g_assert_null(request->body);
	g_assert_cmpstr(request->user_id, ==, fixture->alice_id);
	g_assert_cmpuint(request->status, ==, 200);
	request = requests->pdata[1];
	g_assert_cmpstr(request->method, ==, "POST");
	g_assert_cmpstr(request->path, ==, path);
	g_assert_null(request->query);
	g_assert_cmpstr(request->body, ==, "{\"text\":\"recorded\"}");
	g_assert_cmpuint(request->status, ==, 201);
	request = requests->pdata[2];
	g_assert_null(request->user_id);
	g_assert_cmpuint(request->status, ==, 401);

	g_assert_cmpuint(
	    tw_sandbox_count_requests(fixture->sandbox, NULL, NULL), ==, 3);
	g_assert_cmpuint(tw_sandbox_count_requests(fixture->sandbox, "post",
						   "/2/dm_conversations/"),
			 ==, 1);
	g_assert_cmpuint(
	    tw_sandbox_count_requests(fixture->sandbox, "GET", "/2/users"), ==,
	    1);
	tw_sandbox_clear_requests(fixture->sandbox);
	g_assert_cmpuint(
	    tw_sandbox_count_requests(fixture->sandbox, NULL, NULL), ==, 0);
}

static Reply *
control(Fixture *fixture, const char *method, const char *name,
	const char *body)
{
	g_autofree char *path = g_strconcat("/_sandbox/", name, NULL);

	return api_call(fixture, method, NULL, path, body);
}

static char *
control_string(Fixture *fixture, const char *name, const char *body,
	       const char *member)
{
	g_autoptr(Reply) reply = control(fixture, "POST", name, body);
	g_autoptr(JsonNode) root = NULL;

	g_assert_cmpuint(reply->status, ==, 200);
	root = parse_json(reply->body);
	return g_strdup(member_string(json_node_get_object(root), member));
}

static void
test_control_http(Fixture *fixture, gconstpointer data)
{
	g_autofree char *big = control_string(
	    fixture, "users",
	    "{\"username\":\"FloodSocial\",\"name\":\"API Demos\","
	    "\"id\":\"906948460078698496\"}",
	    "id");
	g_autofree char *small = control_string(
	    fixture, "users",
	    "{\"username\":\"TwitterDev\",\"name\":\"Twitter Dev\","
	    "\"id\":\"944480690\"}",
	    "id");
	g_autofree char *refresh_token = NULL;
	g_autofree char *small_token = NULL;
	g_autofree char *body = NULL;
	g_autofree char *old_id = NULL;
	g_autofree char *group = NULL;
	g_autoptr(Reply) reply = NULL;
	g_autoptr(JsonNode) root = NULL;
	JsonArray *array;

	g_assert_cmpstr(big, ==, "906948460078698496");
	g_assert_cmpstr(small, ==, "944480690");
	refresh_token = control_string(
	    fixture, "tokens", "{\"user_id\":\"944480690\"}", "refresh_token");
	reply = refresh(fixture, refresh_token);
	g_assert_cmpuint(reply->status, ==, 200);
	root = parse_json(reply->body);
	small_token =
	    g_strdup(member_string(json_node_get_object(root), "access_token"));

	/* 1:1 ids compare as numbers: 944480690 < 906948460078698496. */
	old_id = control_string(
	    fixture, "messages",
	    "{\"sender_id\":\"906948460078698496\",\"recipient_id\":"
	    "\"944480690\",\"text\":\"old news\",\"created_at\":"
	    "\"2022-10-25T23:16:15.000Z\"}",
	    "id");
	g_clear_pointer(&reply, reply_free);
	reply = api_call(fixture, "POST", small_token,
			 "/2/dm_conversations/with/906948460078698496/messages",
			 "{\"text\":\"Hello, just you!\"}");
	g_assert_cmpuint(reply->status, ==, 201);
	g_assert_true(g_str_has_prefix(
	    reply->body, "{\"data\":{\"dm_conversation_id\":\"944480690-"
			 "906948460078698496\",\"dm_event_id\":\""));
	g_clear_pointer(&root, json_node_unref);
	root = get_json(fixture, small_token,
			"/2/dm_conversations/944480690-906948460078698496/"
			"dm_events?dm_event.fields=created_at");
	array = member_array(json_node_get_object(root), "data");
	g_assert_cmpuint(json_array_get_length(array), ==, 2);
	g_assert_cmpstr(member_string(element_object(array, 1), "id"), ==,
			old_id);
	g_assert_cmpstr(member_string(element_object(array, 1), "created_at"),
			==, "2022-10-25T23:16:15.000Z");

	/* Links in control messages become t.co entities. */
	g_clear_pointer(&reply, reply_free);
	reply = control(fixture, "POST", "messages",
			"{\"sender_id\":\"944480690\",\"conversation_id\":"
			"\"944480690-906948460078698496\",\"text\":\"see\","
			"\"urls\":[\"https://x.com/TwitterDev/status/"
			"1585800614365339648\"]}");
	g_assert_cmpuint(reply->status, ==, 200);

	/* Groups. */
	body = g_strdup_printf("{\"creator_id\":\"%s\",\"participant_ids\":["
			       "\"%s\",\"%s\"],\"text\":\"group hello\"}",
			       fixture->alice_id, fixture->bob_id, small);
	group = control_string(fixture, "groups", body, "id");
	g_assert_true(g_regex_match_simple("^[0-9]{19}$", group, 0, 0));

	/* receives-dm. */
	g_clear_pointer(&reply, reply_free);
	reply = control(fixture, "POST", "receives-dm",
			"{\"user_id\":\"906948460078698496\",\"receives\":"
			"false}");
	g_assert_cmpuint(reply->status, ==, 200);
	g_clear_pointer(&reply, reply_free);
	reply = api_call(fixture, "POST", small_token,
			 "/2/dm_conversations/with/906948460078698496/messages",
			 "{\"text\":\"again\"}");
	g_assert_cmpuint(reply->status, ==, 403);

	/* All messages, oldest first, with every field. */
	g_clear_pointer(&reply, reply_free);
	g_clear_pointer(&root, json_node_unref);
	reply = control(fixture, "GET", "messages", NULL);
	g_assert_cmpuint(reply->status, ==, 200);
	root = parse_json(reply->body);
	array = json_node_get_array(root);
	g_assert_cmpuint(json_array_get_length(array), ==, 5);
	g_assert_cmpstr(member_string(element_object(array, 0), "id"), ==,
			old_id);
	{
		JsonObject *linked = element_object(array, 2);
		JsonArray *referenced =
		    member_array(linked, "referenced_tweets");

		g_assert_cmpstr(
		    member_string(element_object(referenced, 0), "id"), ==,
		    "1585800614365339648");
		g_assert_true(json_object_has_member(linked, "entities"));
	}
	g_assert_cmpstr(member_string(element_object(array, 3), "event_type"),
			==, "ParticipantsJoin");

	/* Counters and requests. */
	g_clear_pointer(&reply, reply_free);
	g_clear_pointer(&root, json_node_unref);
	reply = control(fixture, "GET", "counters", NULL);
	root = parse_json(reply->body);
	g_assert_cmpint(
	    json_object_get_int_member(json_node_get_object(root), "sends"), ==,
	    1);
	g_assert_cmpint(json_object_get_int_member(json_node_get_object(root),
						   "messages_created"),
			==, 4);

	g_clear_pointer(&reply, reply_free);
	g_clear_pointer(&root, json_node_unref);
	reply = control(fixture, "GET", "requests", NULL);
	root = parse_json(reply->body);
	array = json_node_get_array(root);
	g_assert_cmpuint(
	    json_array_get_length(array), ==,
	    tw_sandbox_count_requests(fixture->sandbox, NULL, NULL));
	g_assert_cmpstr(member_string(element_object(array, 0), "path"), ==,
			"/2/oauth2/token");
	g_clear_pointer(&reply, reply_free);
	reply = control(fixture, "DELETE", "requests", NULL);
	g_assert_cmpuint(reply->status, ==, 200);
	g_assert_cmpuint(
	    tw_sandbox_count_requests(fixture->sandbox, NULL, NULL), ==, 0);

	/* Faults over HTTP. */
	g_clear_pointer(&reply, reply_free);
	reply = control(fixture, "POST", "faults",
			"{\"kind\":\"status\",\"status\":502,\"path_prefix\":"
			"\"/2/users\",\"count\":1}");
	g_assert_cmpuint(reply->status, ==, 200);
	g_clear_pointer(&reply, reply_free);
	reply = api_get(fixture, small_token, "/2/users/me");
	g_assert_cmpuint(reply->status, ==, 502);
	g_clear_pointer(&reply, reply_free);
	reply = control(fixture, "POST", "faults",
			"{\"kind\":\"credits\",\"method\":\"GET\"}");
	g_clear_pointer(&reply, reply_free);
	reply = api_get(fixture, small_token, "/2/users/me");
	g_assert_cmpuint(reply->status, ==, 402);
	g_clear_pointer(&reply, reply_free);
	reply = control(fixture, "DELETE", "faults", NULL);
	g_clear_pointer(&reply, reply_free);
	reply = api_get(fixture, small_token, "/2/users/me");
	g_assert_cmpuint(reply->status, ==, 200);
	g_clear_pointer(&reply, reply_free);
	reply = control(fixture, "POST", "faults", "{\"kind\":\"explode\"}");
	g_assert_cmpuint(reply->status, ==, 400);

	/* Token controls. */
	g_clear_pointer(&reply, reply_free);
	reply = control(fixture, "POST", "expire-tokens", NULL);
	g_assert_cmpuint(reply->status, ==, 200);
	g_clear_pointer(&reply, reply_free);
	reply = api_get(fixture, small_token, "/2/users/me");
	g_assert_cmpuint(reply->status, ==, 401);
	g_clear_pointer(&reply, reply_free);
	reply = control(fixture, "POST", "refuse-refresh", "{\"count\":1}");
	g_clear_pointer(&reply, reply_free);
	g_free(refresh_token);
	refresh_token = control_string(
	    fixture, "tokens", "{\"user_id\":\"944480690\"}", "refresh_token");
	reply = refresh(fixture, refresh_token);
	g_assert_cmpuint(reply->status, ==, 400);

	/* Bad control input. */
	g_clear_pointer(&reply, reply_free);
	reply =
	    control(fixture, "POST", "users", "{\"username\":\"bad name\"}");
	g_assert_cmpuint(reply->status, ==, 400);
	g_clear_pointer(&reply, reply_free);
	reply = control(fixture, "POST", "messages",
			"{\"sender_id\":\"1\",\"recipient_id\":\"2\","
			"\"text\":\"x\"}");
	g_assert_cmpuint(reply->status, ==, 400);
	g_clear_pointer(&reply, reply_free);
	reply = control(fixture, "GET", "nothing-here", NULL);
	g_assert_cmpuint(reply->status, ==, 404);

	/* The state dump has it all. */
	{
		g_autofree char *state =
		    tw_sandbox_dup_state_json(fixture->sandbox);
		g_autoptr(JsonNode) state_root = parse_json(state);
		JsonObject *object = json_node_get_object(state_root);

		g_assert_cmpuint(
		    json_array_get_length(member_array(object, "messages")), ==,
		    5);
		g_assert_cmpuint(
		    json_array_get_length(member_array(object, "users")), ==,
		    5);
		g_assert_true(json_object_has_member(object, "counters"));
	}
}

/* ------------------------------------------------------------------------ */
/* Chunked media upload                                                      */

#define MIB (1024 * 1024)
/* The happy path's video: 2.5 MiB in segments of 1, 1 and 0.5 MiB. */
#define VIDEO_BYTES    (5 * MIB / 2)
#define NO_MEDIA_WRITE "tweet.read users.read dm.read dm.write offline.access"
#define MP4_HEAD                                                               \
	"\0\0\0\x18"                                                           \
	"ftypmp42"
#define GIF_HEAD "GIF89a\x30\0\x30\0"
#define PNG_HEAD                                                               \
	"\x89PNG\r\n\x1a\n"                                                    \
	"\0\0\0\rIHDR"                                                         \
	"\0\0\0\x30\0\0\0\x30"

/* @size bytes starting with @head (@head_length bytes), then a pattern. */
static guint8 *
make_file(const char *head, gsize head_length, gsize size)
{
	guint8 *data = g_malloc(size);

	for (gsize i = 0; i < size; i++)
		data[i] = (guint8)(i * 31 + 7);
	memcpy(data, head, MIN(head_length, size));
	return data;
}

static guint8 *
make_mp4(gsize size)
{
	return make_file(MP4_HEAD, sizeof MP4_HEAD - 1, size);
}

static Reply *
initialize_upload(Fixture *fixture, const char *token, const char *media_type,
		  gint64 total_bytes, const char *category)
{
	g_autofree char *body = g_strdup_printf(
	    "{\"media_type\":\"%s\",\"total_bytes\":%" G_GINT64_FORMAT
	    ",\"media_category\":\"%s\"}",
	    media_type, total_bytes, category);

	return api_call(fixture, "POST", token, "/2/media/upload/initialize",
			body);
}

/* The media id of a successful initialize. */
static char *
initialize_ok(Fixture *fixture, const char *token, const char *media_type,
	      gint64 total_bytes, const char *category)
{
	g_autoptr(Reply) reply = initialize_upload(fixture, token, media_type,
						   total_bytes, category);
	g_autoptr(JsonNode) root = NULL;

	g_assert_cmpuint(reply->status, ==, 200);
	root = parse_json(reply->body);
	return g_strdup(member_string(
	    member_object(json_node_get_object(root), "data"), "id"));
}

static Reply *
append_body(Fixture *fixture, const char *token, const char *id,
	    const char *body)
{
	g_autofree char *path =
	    g_strdup_printf("/2/media/upload/%s/append", id);

	return api_call(fixture, "POST", token, path, body);
}

static Reply *
append_segment(Fixture *fixture, const char *token, const char *id, guint index,
	       const guint8 *data, gsize size)
{
	g_autofree char *media = g_base64_encode(data, size);
	g_autofree char *body = g_strdup_printf(
	    "{\"media\":\"%s\",\"segment_index\":%u}", media, index);

	return append_body(fixture, token, id, body);
}

static void
append_ok(Fixture *fixture, const char *token, const char *id, guint index,
	  const guint8 *data, gsize size)
{
	g_autoptr(Reply) reply =
	    append_segment(fixture, token, id, index, data, size);

	g_assert_cmpuint(reply->status, ==, 200);
}

static Reply *
finalize_upload(Fixture *fixture, const char *token, const char *id)
{
	g_autofree char *path =
	    g_strdup_printf("/2/media/upload/%s/finalize", id);

	return api_call(fixture, "POST", token, path, NULL);
}

static Reply *
upload_status(Fixture *fixture, const char *token, const char *id)
{
	g_autofree char *path =
	    g_strdup_printf("/2/media/upload?command=STATUS&media_id=%s", id);

	return api_get(fixture, token, path);
}

/* The processing_info of a finalize or STATUS answer held by @root, or
 * NULL when it has none. */
static JsonObject *
processing_info(JsonNode *root)
{
	JsonObject *data = member_object(json_node_get_object(root), "data");

	return json_object_has_member(data, "processing_info")
		   ? json_object_get_object_member(data, "processing_info")
		   : NULL;
}

/* The processing state of a 200 finalize or STATUS answer. */
static char *
state_of(Reply *reply)
{
	g_autoptr(JsonNode) root = NULL;
	JsonObject *info;

	g_assert_cmpuint(reply->status, ==, 200);
	root = parse_json(reply->body);
	info = processing_info(root);
	g_assert_nonnull(info);
	return g_strdup(member_string(info, "state"));
}

static char *
status_state(Fixture *fixture, const char *token, const char *id)
{
	g_autoptr(Reply) reply = upload_status(fixture, token, id);

	return state_of(reply);
}

/* Initializes @category media of @size bytes (starting with @head) for
 * Alice, appends it in one segment and finalizes it: the media id. */
static char *
upload_whole(Fixture *fixture, const char *media_type, const char *category,
	     const char *head, gsize head_length, gsize size)
{
	g_autofree guint8 *data = make_file(head, head_length, size);
	char *id = initialize_ok(fixture, fixture->alice_token, media_type,
				 (gint64)size, category);
	g_autoptr(Reply) reply = NULL;

	append_ok(fixture, fixture->alice_token, id, 0, data, size);
	reply = finalize_upload(fixture, fixture->alice_token, id);
	g_assert_cmpuint(reply->status, ==, 200);
	return id;
}

/* Alice's DM to Bob carrying @media_id. */
static Reply *
send_media(Fixture *fixture, const char *token, const char *media_id)
{
	g_autofree char *path = g_strdup_printf(
	    "/2/dm_conversations/with/%s/messages", fixture->bob_id);
	g_autofree char *body =
	    g_strdup_printf("{\"text\":\"Here it is\",\"attachments\":[{"
			    "\"media_id\":\"%s\"}]}",
			    media_id);

	return api_call(fixture, "POST", token, path, body);
}

/* The first error message of a 400 invalid-request answer. */
static char *
first_error(Reply *reply)
{
	g_autoptr(JsonNode) root = NULL;

	g_assert_cmpuint(reply->status, ==, 400);
	g_assert_true(g_str_has_suffix(reply->body, INVALID_REQUEST_TAIL));
	root = parse_json(reply->body);
	return g_strdup(member_string(
	    element_object(member_array(json_node_get_object(root), "errors"),
			   0),
	    "message"));
}

/* Asserts that @reply is a 400 whose first error says @expected. */
static void
assert_refused(Reply *reply, const char *expected)
{
	g_autofree char *message = first_error(reply);

	g_assert_cmpstr(message, ==, expected);
}

static void
assert_dm_refused(Fixture *fixture, const char *media_id, const char *reason)
{
	g_autoptr(Reply) reply =
	    send_media(fixture, fixture->alice_token, media_id);
	g_autofree char *expected = g_strdup_printf(
	    "$.attachments[0].media_id: media %s %s", media_id, reason);

	assert_refused(reply, expected);
}

static void
test_chunked_upload(Fixture *fixture, gconstpointer data)
{
	static const gsize sizes[] = {MIB, MIB, MIB / 2};
	g_autofree guint8 *video = make_mp4(VIDEO_BYTES);
	g_autoptr(Reply) reply =
	    initialize_upload(fixture, fixture->alice_token, "video/mp4",
			      VIDEO_BYTES, "dm_video");
	g_autoptr(JsonNode) root = NULL;
	g_autofree char *id = NULL;
	g_autofree char *key = NULL;
	g_autofree char *expected = NULL;
	g_autofree char *names = NULL;
	JsonObject *object, *info, *event;
	TwSandboxCounters counters;
	gsize offset = 0;

	g_assert_cmpuint(reply->status, ==, 200);
	g_assert_cmpstr(header(reply, "x-rate-limit-limit"), ==, "1875");
	g_assert_cmpstr(header(reply, "x-rate-limit-remaining"), ==, "1874");
	root = parse_json(reply->body);
	id = g_strdup(member_string(
	    member_object(json_node_get_object(root), "data"), "id"));
	key = g_strconcat("7_", id, NULL);
	expected = g_strdup_printf("{\"data\":{\"id\":\"%s\",\"media_key\":"
				   "\"%s\",\"expires_after_secs\":86400}}",
				   id, key);
	g_assert_cmpstr(reply->body, ==, expected);

	for (guint i = 0; i < G_N_ELEMENTS(sizes); i++) {
		g_clear_pointer(&reply, reply_free);
		g_clear_pointer(&root, json_node_unref);
		g_clear_pointer(&names, g_free);
		reply = append_segment(fixture, fixture->alice_token, id, i,
				       video + offset, sizes[i]);
		g_assert_cmpuint(reply->status, ==, 200);
		root = parse_json(reply->body);
		object = member_object(json_node_get_object(root), "data");
		names = member_names(object);
		g_assert_cmpstr(names, ==, "expires_at");
		g_assert_cmpint(
		    json_object_get_int_member(object, "expires_at"), >,
		    g_get_real_time() / G_USEC_PER_SEC + 86000);
		offset += sizes[i];
	}
	g_assert_cmpuint(offset, ==, VIDEO_BYTES);

	/* Finalize: the size, and processing pending. */
	g_clear_pointer(&reply, reply_free);
	g_clear_pointer(&root, json_node_unref);
	g_clear_pointer(&names, g_free);
	reply = finalize_upload(fixture, fixture->alice_token, id);
	g_assert_cmpuint(reply->status, ==, 200);
	root = parse_json(reply->body);
	object = member_object(json_node_get_object(root), "data");
	names = member_names(object);
	g_assert_cmpstr(names, ==,
			"id,media_key,size,expires_after_secs,processing_info");
	g_assert_cmpstr(member_string(object, "media_key"), ==, key);
	g_assert_cmpint(json_object_get_int_member(object, "size"), ==,
			VIDEO_BYTES);
	info = processing_info(root);
	g_clear_pointer(&names, g_free);
	names = member_names(info);
	g_assert_cmpstr(names, ==, "state,check_after_secs");
	g_assert_cmpstr(member_string(info, "state"), ==, "pending");
	g_assert_cmpint(json_object_get_int_member(info, "check_after_secs"),
			==, 1);
	assert_dm_refused(fixture, id, "is not ready");

	/* processing_checks 2: half way at the first STATUS, done at the
	 * second. STATUS is not rate-limited. */
	g_clear_pointer(&reply, reply_free);
	g_clear_pointer(&root, json_node_unref);
	g_clear_pointer(&names, g_free);
	reply = upload_status(fixture, fixture->alice_token, id);
	g_assert_cmpuint(reply->status, ==, 200);
	g_assert_null(header(reply, "x-rate-limit-limit"));
	root = parse_json(reply->body);
	names = member_names(member_object(json_node_get_object(root), "data"));
	g_assert_cmpstr(names, ==, "id,media_key,processing_info");
	info = processing_info(root);
	g_assert_cmpstr(member_string(info, "state"), ==, "in_progress");
	g_assert_cmpint(json_object_get_int_member(info, "progress_percent"),
			==, 50);
	g_assert_cmpint(json_object_get_int_member(info, "check_after_secs"),
			==, 1);
	assert_dm_refused(fixture, id, "is not ready");

	g_clear_pointer(&reply, reply_free);
	g_clear_pointer(&root, json_node_unref);
	reply = upload_status(fixture, fixture->alice_token, id);
	g_assert_cmpuint(reply->status, ==, 200);
	root = parse_json(reply->body);
	info = processing_info(root);
	g_assert_cmpstr(member_string(info, "state"), ==, "succeeded");
	g_assert_cmpint(json_object_get_int_member(info, "progress_percent"),
			==, 100);

	/* Now the DM takes it, with the video's key. */
	g_clear_pointer(&reply, reply_free);
	reply = send_media(fixture, fixture->alice_token, id);
	g_assert_cmpuint(reply->status, ==, 201);
	g_clear_pointer(&root, json_node_unref);
	root = get_json(fixture, fixture->bob_token,
			"/2/dm_events?dm_event.fields=attachments&expansions="
			"attachments.media_keys");
	event =
	    element_object(member_array(json_node_get_object(root), "data"), 0);
	g_assert_cmpstr(
	    json_array_get_string_element(
		member_array(member_object(event, "attachments"), "media_keys"),
		0),
	    ==, key);
	g_assert_cmpstr(
	    member_string(
		element_object(
		    member_array(
			member_object(json_node_get_object(root), "includes"),
			"media"),
		    0),
		"type"),
	    ==, "video");

	tw_sandbox_get_counters(fixture->sandbox, &counters);
	g_assert_cmpuint(counters.upload_initializes, ==, 1);
	g_assert_cmpuint(counters.upload_appends, ==, 3);
	g_assert_cmpuint(counters.upload_bytes_appended, ==, VIDEO_BYTES);
	g_assert_cmpuint(counters.upload_finalizes, ==, 1);
	g_assert_cmpuint(counters.upload_status_checks, ==, 2);
	g_assert_cmpuint(counters.uploads, ==, 1);
	g_assert_cmpuint(counters.sends, ==, 1);

	/* The same counters over the control API. */
	g_clear_pointer(&reply, reply_free);
	g_clear_pointer(&root, json_node_unref);
	reply = control(fixture, "GET", "counters", NULL);
	root = parse_json(reply->body);
	object = json_node_get_object(root);
	g_assert_cmpint(json_object_get_int_member(object, "uploads"), ==, 1);
	g_assert_cmpint(
	    json_object_get_int_member(object, "upload_initializes"), ==, 1);
	g_assert_cmpint(json_object_get_int_member(object, "upload_appends"),
			==, 3);
	g_assert_cmpint(
	    json_object_get_int_member(object, "upload_bytes_appended"), ==,
	    VIDEO_BYTES);
	g_assert_cmpint(json_object_get_int_member(object, "upload_finalizes"),
			==, 1);
	g_assert_cmpint(
	    json_object_get_int_member(object, "upload_status_checks"), ==, 2);
}

/* With the default processing_checks (1), a DM is refused until the
 * STATUS that says succeeded: before finalize, and after it. */
static void
test_chunked_not_ready(Fixture *fixture, gconstpointer data)
{
	g_autofree guint8 *video = make_mp4(1000);
	g_autofree char *id = initialize_ok(fixture, fixture->alice_token,
					    "video/mp4", 1000, "dm_video");
	g_autofree char *state = NULL;
	g_autoptr(Reply) reply = NULL;

	assert_dm_refused(fixture, id, "is not ready");
	append_ok(fixture, fixture->alice_token, id, 0, video, 1000);
	assert_dm_refused(fixture, id, "is not ready");
	reply = finalize_upload(fixture, fixture->alice_token, id);
	state = state_of(reply);
	g_assert_cmpstr(state, ==, "pending");
	assert_dm_refused(fixture, id, "is not ready");
	g_clear_pointer(&state, g_free);
	state = status_state(fixture, fixture->alice_token, id);
	g_assert_cmpstr(state, ==, "succeeded");
	g_clear_pointer(&reply, reply_free);
	reply = send_media(fixture, fixture->alice_token, id);
	g_assert_cmpuint(reply->status, ==, 201);
}

/* processing_checks 0: finalize says nothing is left to process. */
static void
test_chunked_no_processing(Fixture *fixture, gconstpointer data)
{
	g_autofree guint8 *video = make_mp4(1000);
	g_autofree char *id = initialize_ok(fixture, fixture->alice_token,
					    "video/mp4", 1000, "dm_video");
	g_autoptr(Reply) reply = NULL;
	g_autoptr(JsonNode) root = NULL;

	append_ok(fixture, fixture->alice_token, id, 0, video, 1000);
	reply = finalize_upload(fixture, fixture->alice_token, id);
	g_assert_cmpuint(reply->status, ==, 200);
	root = parse_json(reply->body);
	g_assert_null(processing_info(root));
	g_clear_pointer(&reply, reply_free);
	reply = send_media(fixture, fixture->alice_token, id);
	g_assert_cmpuint(reply->status, ==, 201);
}

static void
test_chunked_gap(Fixture *fixture, gconstpointer data)
{
	g_autofree guint8 *video = make_mp4(300);
	g_autofree char *id = initialize_ok(fixture, fixture->alice_token,
					    "video/mp4", 300, "dm_video");
	g_autofree char *short_id = initialize_ok(fixture, fixture->alice_token,
						  "video/mp4", 300, "dm_video");
	g_autofree char *expected = NULL;
	g_autoptr(Reply) reply = NULL;
	TwSandboxCounters counters;

	reply = finalize_upload(fixture, fixture->alice_token, id);
	expected = g_strdup_printf("media %s: no segment was appended", id);
	assert_refused(reply, expected);

	append_ok(fixture, fixture->alice_token, id, 0, video, 100);
	append_ok(fixture, fixture->alice_token, id, 2, video + 200, 100);
	g_clear_pointer(&reply, reply_free);
	g_clear_pointer(&expected, g_free);
	reply = finalize_upload(fixture, fixture->alice_token, id);
	expected = g_strdup_printf("media %s: segment 1 is missing", id);
	assert_refused(reply, expected);
	/* Still open: STATUS is refused, and the gap can be filled. */
	g_clear_pointer(&reply, reply_free);
	g_clear_pointer(&expected, g_free);
	reply = upload_status(fixture, fixture->alice_token, id);
	expected = g_strdup_printf("media %s has not been finalized", id);
	assert_refused(reply, expected);
	tw_sandbox_get_counters(fixture->sandbox, &counters);
	g_assert_cmpuint(counters.upload_finalizes, ==, 0);
	g_assert_cmpuint(counters.uploads, ==, 0);

	append_ok(fixture, fixture->alice_token, id, 1, video + 100, 100);
	g_clear_pointer(&reply, reply_free);
	reply = finalize_upload(fixture, fixture->alice_token, id);
	g_assert_cmpuint(reply->status, ==, 200);

	/* Segments without a gap that fall short of total_bytes. */
	append_ok(fixture, fixture->alice_token, short_id, 0, video, 200);
	g_clear_pointer(&reply, reply_free);
	g_clear_pointer(&expected, g_free);
	reply = finalize_upload(fixture, fixture->alice_token, short_id);
	expected = g_strdup_printf(
	    "media %s: the segments add up to 200 bytes, not total_bytes 300",
	    short_id);
	assert_refused(reply, expected);
}

/* segment_max_bytes is 1 MiB in this test's configuration. */
static void
test_chunked_segment_checks(Fixture *fixture, gconstpointer data)
{
	g_autofree guint8 *video = make_mp4(MIB + 1);
	g_autofree char *id = initialize_ok(fixture, fixture->alice_token,
					    "video/mp4", 2 * MIB, "dm_video");
	g_autoptr(Reply) reply = NULL;
	TwSandboxCounters counters;

	reply = append_segment(fixture, fixture->alice_token, id, 0, video,
			       MIB + 1);
	assert_refused(reply,
		       "$.media: 1048577 bytes is above the segment limit of "
		       "1048576");
	tw_sandbox_get_counters(fixture->sandbox, &counters);
	g_assert_cmpuint(counters.upload_appends, ==, 0);
	append_ok(fixture, fixture->alice_token, id, 0, video, MIB);

	/* The index: an integer from 0 to 999. */
	g_clear_pointer(&reply, reply_free);
	reply = append_body(fixture, fixture->alice_token, id,
			    "{\"media\":\"AAAA\",\"segment_index\":1000}");
	assert_refused(reply, "$.segment_index: is missing or not an integer "
			      "from 0 to 999");
	g_clear_pointer(&reply, reply_free);
	reply = append_body(fixture, fixture->alice_token, id,
			    "{\"media\":\"AAAA\",\"segment_index\":-1}");
	assert_refused(reply, "$.segment_index: is missing or not an integer "
			      "from 0 to 999");
	g_clear_pointer(&reply, reply_free);
	reply = append_body(fixture, fixture->alice_token, id,
			    "{\"media\":\"AAAA\",\"segment_index\":\"1\"}");
	assert_refused(reply, "$.segment_index: is missing or not an integer "
			      "from 0 to 999");
	g_clear_pointer(&reply, reply_free);
	reply = append_body(fixture, fixture->alice_token, id,
			    "{\"media\":\"AAAA\",\"segment_index\":999}");
	g_assert_cmpuint(reply->status, ==, 200);

	/* The media: base64, not empty. */
	g_clear_pointer(&reply, reply_free);
	reply = append_body(fixture, fixture->alice_token, id,
			    "{\"media\":\"AA-_\",\"segment_index\":1}");
	assert_refused(reply, "$.media: is not valid base64");
	g_clear_pointer(&reply, reply_free);
	reply = append_body(fixture, fixture->alice_token, id,
			    "{\"media\":\"\",\"segment_index\":1}");
	assert_refused(reply, "$.media: must be at least 1 characters long");
	g_clear_pointer(&reply, reply_free);
	reply = append_body(fixture, fixture->alice_token, id,
			    "{\"segment_index\":1}");
	assert_refused(reply, "$.media: is missing or not a string");

	/* 1 MiB + 3 bytes so far: a full MiB more is above total_bytes. */
	g_clear_pointer(&reply, reply_free);
	reply =
	    append_segment(fixture, fixture->alice_token, id, 1, video, MIB);
	assert_refused(reply, "$.media: the segments would add up to 2097155 "
			      "bytes, above total_bytes 2097152");
	tw_sandbox_get_counters(fixture->sandbox, &counters);
	g_assert_cmpuint(counters.upload_appends, ==, 2);
	g_assert_cmpuint(counters.upload_bytes_appended, ==, MIB + 3);
}

static void
test_chunked_initialize_checks(Fixture *fixture, gconstpointer data)
{
	g_autoptr(Reply) reply = NULL;
	g_autofree char *tweet_id = NULL;
	g_autofree char *state = NULL;
	TwSandboxCounters counters;

	/* Each category's limit: 512 MiB, 15 MiB, 5 MiB by default. */
	reply = initialize_upload(fixture, fixture->alice_token, "video/mp4",
				  512 * (gint64)MIB + 1, "dm_video");
	assert_refused(reply, "$.total_bytes: 536870913 bytes is above the "
			      "video limit of 536870912");
	g_clear_pointer(&reply, reply_free);
	reply = initialize_upload(fixture, fixture->alice_token, "video/mp4",
				  512 * (gint64)MIB, "dm_video");
	g_assert_cmpuint(reply->status, ==, 200);
	g_clear_pointer(&reply, reply_free);
	reply = initialize_upload(fixture, fixture->alice_token, "image/gif",
				  15 * MIB + 1, "dm_gif");
	assert_refused(reply, "$.total_bytes: 15728641 bytes is above the GIF "
			      "limit of 15728640");
	g_clear_pointer(&reply, reply_free);
	reply = initialize_upload(fixture, fixture->alice_token, "image/png",
				  5 * MIB + 1, "dm_image");
	assert_refused(reply, "$.total_bytes: 5242881 bytes is above the "
			      "image limit of 5242880");

	/* The fields. */
	g_clear_pointer(&reply, reply_free);
	reply = initialize_upload(fixture, fixture->alice_token, "video/mp4", 0,
				  "dm_video");
	assert_refused(reply,
		       "$.total_bytes: is missing or not an integer above 0");
	g_clear_pointer(&reply, reply_free);
	reply = initialize_upload(fixture, fixture->alice_token, "video/mp4",
				  1000, "dm_audio");
	assert_refused(reply, "$.media_category: dm_audio is not one of "
			      "[dm_image, dm_gif, dm_video, tweet_image, "
			      "tweet_gif, tweet_video]");
	g_clear_pointer(&reply, reply_free);
	reply = initialize_upload(fixture, fixture->alice_token, "audio/mpeg",
				  1000, "dm_video");
	assert_refused(reply, "$.media_type: audio/mpeg is not one of "
			      "[image/jpeg, image/png, image/webp, image/gif, "
			      "video/mp4, video/quicktime]");
	g_clear_pointer(&reply, reply_free);
	reply = api_call(fixture, "POST", fixture->alice_token,
			 "/2/media/upload/initialize",
			 "{\"total_bytes\":\"1000\",\"media_category\":"
			 "\"dm_video\"}");
	assert_refused(reply, "$.media_type: is missing or not a string");
	g_clear_pointer(&reply, reply_free);
	reply = api_call(fixture, "POST", fixture->alice_token,
			 "/2/media/upload/initialize", "not json");
	assert_refused(reply, "Request body is not a JSON object");
	tw_sandbox_get_counters(fixture->sandbox, &counters);
	g_assert_cmpuint(counters.upload_initializes, ==, 1);

	/* A tweet category is taken here, and refused by a DM. */
	tweet_id = upload_whole(fixture, "video/mp4", "tweet_video", MP4_HEAD,
				sizeof MP4_HEAD - 1, 100);
	state = status_state(fixture, fixture->alice_token, tweet_id);
	g_assert_cmpstr(state, ==, "succeeded");
	{
		g_autoptr(Reply) sent =
		    send_media(fixture, fixture->alice_token, tweet_id);

		assert_refused(sent, "$.attachments[0].media_id: unsupported "
				     "media category tweet_video");
	}
}

static void
test_chunked_other_user(Fixture *fixture, gconstpointer data)
{
	g_autofree guint8 *video = make_mp4(100);
	g_autofree char *id = initialize_ok(fixture, fixture->alice_token,
					    "video/mp4", 100, "dm_video");
	g_autofree char *not_found = g_strdup_printf("media %s not found", id);
	g_autofree char *state = NULL;
	g_autoptr(Reply) reply = NULL;
	TwSandboxCounters counters;

	reply = append_segment(fixture, fixture->bob_token, id, 0, video, 100);
	assert_refused(reply, not_found);
	tw_sandbox_get_counters(fixture->sandbox, &counters);
	g_assert_cmpuint(counters.upload_appends, ==, 0);
	g_clear_pointer(&reply, reply_free);
	reply =
	    append_segment(fixture, fixture->alice_token, "123", 0, video, 100);
	assert_refused(reply, "media 123 not found");

	append_ok(fixture, fixture->alice_token, id, 0, video, 100);
	g_clear_pointer(&reply, reply_free);
	reply = finalize_upload(fixture, fixture->bob_token, id);
	assert_refused(reply, not_found);
	g_clear_pointer(&reply, reply_free);
	reply = finalize_upload(fixture, fixture->alice_token, id);
	g_assert_cmpuint(reply->status, ==, 200);
	g_clear_pointer(&reply, reply_free);
	reply = upload_status(fixture, fixture->bob_token, id);
	assert_refused(reply, not_found);
	state = status_state(fixture, fixture->alice_token, id);
	g_assert_cmpstr(state, ==, "succeeded");

	/* Nor may Bob send it. */
	g_clear_pointer(&reply, reply_free);
	{
		g_autofree char *path = g_strdup_printf(
		    "/2/dm_conversations/with/%s/messages", fixture->alice_id);
		g_autofree char *body = g_strdup_printf(
		    "{\"attachments\":[{\"media_id\":\"%s\"}]}", id);
		g_autofree char *expected = g_strdup_printf(
		    "$.attachments[0].media_id: media %s not found", id);

		reply =
		    api_call(fixture, "POST", fixture->bob_token, path, body);
		assert_refused(reply, expected);
	}
}

/* processing_error is "Video is too long" in this test's configuration. */
static void
test_chunked_processing_error(Fixture *fixture, gconstpointer data)
{
	g_autofree char *id = upload_whole(fixture, "video/mp4", "dm_video",
					   MP4_HEAD, sizeof MP4_HEAD - 1, 500);
	g_autoptr(Reply) reply =
	    upload_status(fixture, fixture->alice_token, id);
	g_autoptr(JsonNode) root = NULL;
	g_autofree char *names = NULL;
	g_autofree char *state = NULL;
	JsonObject *info, *error;
	TwSandboxCounters counters;

	g_assert_cmpuint(reply->status, ==, 200);
	root = parse_json(reply->body);
	info = processing_info(root);
	g_assert_cmpstr(member_string(info, "state"), ==, "failed");
	error = member_object(info, "error");
	names = member_names(error);
	g_assert_cmpstr(names, ==, "code,name,message");
	g_assert_cmpint(json_object_get_int_member(error, "code"), ==, 1);
	g_assert_cmpstr(member_string(error, "name"), ==, "InvalidMedia");
	g_assert_cmpstr(member_string(error, "message"), ==,
			"Video is too long");
	assert_dm_refused(fixture, id, "failed processing");

	/* It stays failed, and a repeated finalize says so too. */
	state = status_state(fixture, fixture->alice_token, id);
	g_assert_cmpstr(state, ==, "failed");
	g_clear_pointer(&reply, reply_free);
	g_clear_pointer(&state, g_free);
	reply = finalize_upload(fixture, fixture->alice_token, id);
	state = state_of(reply);
	g_assert_cmpstr(state, ==, "failed");
	tw_sandbox_get_counters(fixture->sandbox, &counters);
	g_assert_cmpuint(counters.uploads, ==, 1);
	g_assert_cmpuint(counters.upload_finalizes, ==, 2);
}

/* A file that is not its media_type fails processing; GIFs and images by
 * their first bytes succeed, with their own key prefixes. */
static void
test_chunked_type_check(Fixture *fixture, gconstpointer data)
{
	g_autofree char *fake =
	    upload_whole(fixture, "video/mp4", "dm_video", GIF_HEAD,
			 sizeof GIF_HEAD - 1, 500);
	g_autofree char *gif = upload_whole(fixture, "image/gif", "dm_gif",
					    GIF_HEAD, sizeof GIF_HEAD - 1, 500);
	g_autofree char *png = upload_whole(fixture, "image/png", "dm_image",
					    PNG_HEAD, sizeof PNG_HEAD - 1, 500);
	g_autofree char *png_as_gif = upload_whole(
	    fixture, "image/gif", "dm_gif", PNG_HEAD, sizeof PNG_HEAD - 1, 500);
	g_autoptr(Reply) reply =
	    upload_status(fixture, fixture->alice_token, fake);
	g_autoptr(JsonNode) root = NULL;
	g_autofree char *key = NULL;
	JsonObject *info;

	g_assert_cmpuint(reply->status, ==, 200);
	root = parse_json(reply->body);
	info = processing_info(root);
	g_assert_cmpstr(member_string(info, "state"), ==, "failed");
	g_assert_cmpstr(member_string(member_object(info, "error"), "message"),
			==, "Unsupported media format");
	assert_dm_refused(fixture, fake, "failed processing");

	g_clear_pointer(&reply, reply_free);
	g_clear_pointer(&root, json_node_unref);
	reply = upload_status(fixture, fixture->alice_token, gif);
	root = parse_json(reply->body);
	g_assert_cmpstr(member_string(processing_info(root), "state"), ==,
			"succeeded");
	key = g_strconcat("16_", gif, NULL);
	g_assert_cmpstr(
	    member_string(member_object(json_node_get_object(root), "data"),
			  "media_key"),
	    ==, key);

	g_clear_pointer(&reply, reply_free);
	g_clear_pointer(&root, json_node_unref);
	g_clear_pointer(&key, g_free);
	reply = upload_status(fixture, fixture->alice_token, png);
	root = parse_json(reply->body);
	g_assert_cmpstr(member_string(processing_info(root), "state"), ==,
			"succeeded");
	key = g_strconcat("3_", png, NULL);
	g_assert_cmpstr(
	    member_string(member_object(json_node_get_object(root), "data"),
			  "media_key"),
	    ==, key);

	g_clear_pointer(&reply, reply_free);
	reply = upload_status(fixture, fixture->alice_token, png_as_gif);
	{
		g_autofree char *state = state_of(reply);

		g_assert_cmpstr(state, ==, "failed");
	}
}

/* A segment sent again replaces the first one, as a client whose answer
 * was lost sends it. */
static void
test_chunked_resend(Fixture *fixture, gconstpointer data)
{
	g_autofree guint8 *video = make_mp4(300);
	g_autofree char *id = initialize_ok(fixture, fixture->alice_token,
					    "video/mp4", 300, "dm_video");
	g_autofree char *first = NULL;
	g_autofree char *expected = NULL;
	g_autoptr(Reply) reply = NULL;
	TwSandboxCounters counters;

	append_ok(fixture, fixture->alice_token, id, 0, video, 100);
	append_ok(fixture, fixture->alice_token, id, 1, video + 100, 50);
	append_ok(fixture, fixture->alice_token, id, 1, video + 100, 100);
	append_ok(fixture, fixture->alice_token, id, 2, video + 200, 100);
	reply = finalize_upload(fixture, fixture->alice_token, id);
	g_assert_cmpuint(reply->status, ==, 200);
	first = g_strdup(reply->body);

	/* A second finalize answers the same, and counts no second upload. */
	g_clear_pointer(&reply, reply_free);
	reply = finalize_upload(fixture, fixture->alice_token, id);
	g_assert_cmpuint(reply->status, ==, 200);
	g_assert_cmpstr(reply->body, ==, first);
	g_assert_nonnull(strstr(first, "\"size\":300,"));
	tw_sandbox_get_counters(fixture->sandbox, &counters);
	g_assert_cmpuint(counters.upload_appends, ==, 4);
	g_assert_cmpuint(counters.upload_bytes_appended, ==, 350);
	g_assert_cmpuint(counters.upload_finalizes, ==, 2);
	g_assert_cmpuint(counters.uploads, ==, 1);

	/* Finalized: no more segments. */
	g_clear_pointer(&reply, reply_free);
	reply = append_segment(fixture, fixture->alice_token, id, 2,
			       video + 200, 100);
	expected = g_strdup_printf("media %s is already finalized", id);
	assert_refused(reply, expected);
}

/* The token of this test's configuration lacks media.write. */
static void
test_chunked_scope(Fixture *fixture, gconstpointer data)
{
	g_autoptr(Reply) reply = initialize_upload(
	    fixture, fixture->alice_token, "video/mp4", 100, "dm_video");
	TwSandboxCounters counters;
	const char *forbidden = "{\"title\":\"Forbidden\",\"type\":\"about:"
				"blank\",\"status\":403,\"detail\":\"Your "
				"token lacks the media.write scope.\"}";

	g_assert_cmpuint(reply->status, ==, 403);
	g_assert_cmpstr(reply->body, ==, forbidden);
	g_clear_pointer(&reply, reply_free);
	reply = append_body(fixture, fixture->alice_token, "123",
			    "{\"media\":\"AAAA\",\"segment_index\":0}");
	g_assert_cmpuint(reply->status, ==, 403);
	g_clear_pointer(&reply, reply_free);
	reply = finalize_upload(fixture, fixture->alice_token, "123");
	g_assert_cmpuint(reply->status, ==, 403);
	g_clear_pointer(&reply, reply_free);
	reply = upload_status(fixture, fixture->alice_token, "123");
	g_assert_cmpuint(reply->status, ==, 403);
	g_assert_cmpstr(reply->body, ==, forbidden);
	tw_sandbox_get_counters(fixture->sandbox, &counters);
	g_assert_cmpuint(counters.upload_initializes, ==, 0);

	/* The token itself is good. */
	g_clear_pointer(&reply, reply_free);
	reply = api_get(fixture, fixture->alice_token, "/2/users/me");
	g_assert_cmpuint(reply->status, ==, 200);
}

/* STATUS's query, and the one-shot upload beside the chunked routes. */
static void
test_chunked_routes(Fixture *fixture, gconstpointer data)
{
	g_autofree guint8 *png = make_file(PNG_HEAD, sizeof PNG_HEAD - 1, 100);
	g_autofree char *encoded = g_base64_encode(png, 100);
	g_autofree char *one_shot = g_strdup_printf(
	    "{\"media\":\"%s\",\"media_category\":\"dm_image\"}", encoded);
	g_autoptr(Reply) reply = NULL;
	g_autoptr(JsonNode) root = NULL;
	g_autofree char *id = NULL;
	g_autofree char *expected = NULL;

	reply = api_get(fixture, fixture->alice_token, "/2/media/upload");
	assert_refused(reply, "The `command` query parameter can not be empty");
	g_clear_pointer(&reply, reply_free);
	reply = api_get(fixture, fixture->alice_token,
			"/2/media/upload?command=INIT&media_id=123");
	assert_refused(reply, "The `command` query parameter value [INIT] is "
			      "not one of [STATUS]");
	g_clear_pointer(&reply, reply_free);
	reply = api_get(fixture, fixture->alice_token,
			"/2/media/upload?command=STATUS");
	assert_refused(reply,
		       "The `media_id` query parameter can not be empty");
	g_clear_pointer(&reply, reply_free);
	reply = api_get(fixture, fixture->alice_token,
			"/2/media/upload?command=STATUS&media_id=abc");
	assert_refused(reply, "The `media_id` query parameter value [abc] "
			      "does not match ^[0-9]{1,19}$");
	g_clear_pointer(&reply, reply_free);
	reply = api_get(fixture, fixture->alice_token,
			"/2/media/upload?command=STATUS&media_id=123&x=1");
	assert_refused(reply, "The query parameter [x] is not one of "
			      "[command,media_id]");

	/* The one-shot upload is still itself, with its own limit. */
	g_clear_pointer(&reply, reply_free);
	reply = api_call(fixture, "POST", fixture->alice_token,
			 "/2/media/upload", one_shot);
	g_assert_cmpuint(reply->status, ==, 200);
	g_assert_cmpstr(header(reply, "x-rate-limit-limit"), ==, "500");
	g_assert_cmpstr(header(reply, "x-rate-limit-remaining"), ==, "499");
	root = parse_json(reply->body);
	id = g_strdup(member_string(
	    member_object(json_node_get_object(root), "data"), "id"));
	/* Its STATUS: done, nothing was processed. */
	g_clear_pointer(&reply, reply_free);
	reply = upload_status(fixture, fixture->alice_token, id);
	g_assert_cmpuint(reply->status, ==, 200);
	expected = g_strdup_printf(
	    "{\"data\":{\"id\":\"%s\",\"media_key\":\"3_%s\"}}", id, id);
	g_assert_cmpstr(reply->body, ==, expected);

	/* The chunked paths do not reach it, nor it them. */
	g_clear_pointer(&reply, reply_free);
	reply = api_call(fixture, "POST", fixture->alice_token,
			 "/2/media/upload/initialize", one_shot);
	assert_refused(reply, "$.media_type: is missing or not a string");
	g_clear_pointer(&reply, reply_free);
	reply = api_call(fixture, "POST", fixture->alice_token,
			 "/2/media/upload/1/2/append", one_shot);
	g_assert_cmpuint(reply->status, ==, 404);
	g_clear_pointer(&reply, reply_free);
	reply = api_get(fixture, fixture->alice_token,
			"/2/media/upload/initialize");
	g_assert_cmpuint(reply->status, ==, 405);
}

/* media_chunked_limit is 3 in this test's configuration. */
static void
test_chunked_rate_limit(Fixture *fixture, gconstpointer data)
{
	g_autofree char *id = upload_whole(fixture, "video/mp4", "dm_video",
					   MP4_HEAD, sizeof MP4_HEAD - 1, 100);
	g_autoptr(Reply) reply = initialize_upload(
	    fixture, fixture->alice_token, "video/mp4", 100, "dm_video");
	g_autofree char *state = NULL;
	TwSandboxCounters counters;

	g_assert_cmpuint(reply->status, ==, 429);
	g_assert_cmpstr(reply->body, ==, TOO_MANY_REQUESTS_BODY);
	g_assert_cmpstr(header(reply, "x-rate-limit-limit"), ==, "3");
	g_assert_cmpstr(header(reply, "x-rate-limit-remaining"), ==, "0");
	g_clear_pointer(&reply, reply_free);
	reply = finalize_upload(fixture, fixture->alice_token, id);
	g_assert_cmpuint(reply->status, ==, 429);
	tw_sandbox_get_counters(fixture->sandbox, &counters);
	g_assert_cmpuint(counters.rate_limited, ==, 2);
	g_assert_cmpuint(counters.upload_initializes, ==, 1);

	/* STATUS is not limited; other users have their own window. */
	state = status_state(fixture, fixture->alice_token, id);
	g_assert_cmpstr(state, ==, "succeeded");
	g_clear_pointer(&reply, reply_free);
	reply = initialize_upload(fixture, fixture->bob_token, "video/mp4", 100,
				  "dm_video");
	g_assert_cmpuint(reply->status, ==, 200);
}

/* ------------------------------------------------------------------------ */
/* Customers mode                                                            */

static GPtrArray *
account_events(Fixture *fixture)
{
	g_autoptr(JsonNode) root =
	    get_json(fixture, fixture->alice_token,
		     "/2/dm_events?dm_event.fields=sender_id&max_results=100");
	JsonObject *object = json_node_get_object(root);
	GPtrArray *senders = g_ptr_array_new_with_free_func(g_free);
	JsonArray *array;

	if (!json_object_has_member(object, "data"))
		return senders;
	array = member_array(object, "data");
	for (guint i = 0; i < json_array_get_length(array); i++)
		g_ptr_array_add(senders,
				g_strdup(member_string(element_object(array, i),
						       "sender_id")));
	return senders;
}

static void
test_customers(Fixture *fixture, gconstpointer data)
{
	g_autoptr(GPtrArray) senders = NULL;
	g_autofree char *customer = NULL;
	g_autofree char *path = NULL;
	g_autoptr(Reply) reply = NULL;
	gint64 deadline = g_get_monotonic_time() + 10 * G_USEC_PER_SEC;
	gint64 sent_at;
	guint before = 0, from_customer_before = 0, from_customer_after = 0;

	/* Customers write on their own, every ~200 ms here. */
	tw_sandbox_set_customers_mode(fixture->sandbox, fixture->alice_id, 200);
	do {
		g_assert_cmpint(g_get_monotonic_time(), <, deadline);
		g_usleep(100 * 1000);
		g_clear_pointer(&senders, g_ptr_array_unref);
		senders = account_events(fixture);
	} while (senders->len < 2);
	customer = g_strdup(senders->pdata[0]);
	g_assert_cmpstr(customer, !=, fixture->alice_id);

	/* Quiet them down, then write to one: an answer comes in 1–2 s. */
	tw_sandbox_set_customers_mode(fixture->sandbox, fixture->alice_id,
				      600000);
	g_clear_pointer(&senders, g_ptr_array_unref);
	senders = account_events(fixture);
	before = senders->len;
	for (guint i = 0; i < senders->len; i++)
		from_customer_before +=
		    g_str_equal(senders->pdata[i], customer);

	path =
	    g_strdup_printf("/2/dm_conversations/with/%s/messages", customer);
	sent_at = g_get_monotonic_time();
	reply = api_call(fixture, "POST", fixture->alice_token, path,
			 "{\"text\":\"Thanks for writing, let me check.\"}");
	g_assert_cmpuint(reply->status, ==, 201);
	do {
		g_assert_cmpint(g_get_monotonic_time(), <, deadline);
		g_usleep(100 * 1000);
		g_clear_pointer(&senders, g_ptr_array_unref);
		senders = account_events(fixture);
	} while (senders->len < before + 2);
	g_assert_cmpint(g_get_monotonic_time() - sent_at, >=, 1000 * 1000);
	g_assert_cmpuint(senders->len, ==, before + 2);
	g_assert_cmpstr(senders->pdata[0], ==, customer);
	g_assert_cmpstr(senders->pdata[1], ==, fixture->alice_id);
	for (guint i = 0; i < senders->len; i++)
		from_customer_after += g_str_equal(senders->pdata[i], customer);
	g_assert_cmpuint(from_customer_after, ==, from_customer_before + 1);

	/* Customers have real-looking profiles. */
	{
		g_autofree char *user_path = g_strdup_printf(
		    "/2/users/%s?user.fields=description,location", customer);
		g_autoptr(JsonNode) root =
		    get_json(fixture, fixture->alice_token, user_path);
		JsonObject *user =
		    member_object(json_node_get_object(root), "data");

		g_assert_cmpuint(strlen(member_string(user, "description")), >,
				 0);
		g_assert_cmpuint(strlen(member_string(user, "location")), >, 0);
	}
}

/* ------------------------------------------------------------------------ */
/* The standalone program                                                    */

static Reply *
standalone_post(SoupSession *session, const char *base_url, const char *token,
		const char *path, const char *body)
{
	g_autofree char *url = g_strconcat(base_url, path, NULL);
	Call call = {
	    .method = "POST", .url = url, .bearer = token, .body = body};

	return send_call(session, &call);
}

/* The string @name in the JSON object @text (in its "data" object with
 * @in_data), or NULL; it asserts nothing. */
static char *
quiet_string_member(const char *text, gboolean in_data, const char *name)
{
	g_autoptr(JsonParser) parser = json_parser_new();
	JsonNode *node = NULL;
	JsonObject *object;

	if (text != NULL && json_parser_load_from_data(parser, text, -1, NULL))
		node = json_parser_get_root(parser);
	if (node == NULL || !JSON_NODE_HOLDS_OBJECT(node))
		return NULL;
	object = json_node_get_object(node);
	if (in_data) {
		node = json_object_get_member(object, "data");
		if (node == NULL || !JSON_NODE_HOLDS_OBJECT(node))
			return NULL;
		object = json_node_get_object(node);
	}
	return g_strdup(
	    json_object_get_string_member_with_default(object, name, NULL));
}

/* For a program started with --video-max-bytes 1000 --processing-checks
 * 0: a video too large to initialize (@too_big), and the finalize of one
 * that fits (@finalized, NULL when a step before it failed). It asserts
 * nothing, since a failed assertion would leave the program running; the
 * caller checks the answers once it is stopped. */
static void
standalone_upload(SoupSession *session, const char *base_url,
		  const char *token_body, Reply **too_big, Reply **finalized)
{
	g_autofree char *token =
	    quiet_string_member(token_body, FALSE, "access_token");
	g_autoptr(Reply) reply = NULL;
	g_autofree char *id = NULL;
	g_autofree char *path = NULL;
	g_autofree char *media = NULL;
	g_autofree char *body = NULL;
	g_autofree guint8 *video = make_mp4(100);

	*too_big = standalone_post(
	    session, base_url, token, "/2/media/upload/initialize",
	    "{\"media_type\":\"video/mp4\",\"total_bytes\":1001,"
	    "\"media_category\":\"dm_video\"}");
	*finalized = NULL;
	reply = standalone_post(
	    session, base_url, token, "/2/media/upload/initialize",
	    "{\"media_type\":\"video/mp4\",\"total_bytes\":100,"
	    "\"media_category\":\"dm_video\"}");
	id = quiet_string_member(reply->body, TRUE, "id");
	if (id == NULL)
		return;
	path = g_strdup_printf("/2/media/upload/%s/append", id);
	media = g_base64_encode(video, 100);
	body = g_strdup_printf("{\"media\":\"%s\",\"segment_index\":0}", media);
	g_clear_pointer(&reply, reply_free);
	reply = standalone_post(session, base_url, token, path, body);
	if (reply->status != 200)
		return;
	g_clear_pointer(&path, g_free);
	path = g_strdup_printf("/2/media/upload/%s/finalize", id);
	*finalized = standalone_post(session, base_url, token, path, NULL);
}

static void
test_standalone(void)
{
	const char *exe = g_getenv("TW_TEST_SANDBOX_EXE");
	g_autoptr(GError) error = NULL;
	g_autoptr(GSubprocess) process = NULL;
	g_autoptr(GDataInputStream) output = NULL;
	g_autofree char *line = NULL;
	g_autofree char *state_dir = NULL;
	g_autofree char *state_file = NULL;
	g_autofree char *state = NULL;
	g_autoptr(JsonNode) root = NULL;
	g_autoptr(JsonNode) state_root = NULL;
	g_autoptr(SoupSession) session = soup_session_new();
	g_autoptr(Reply) reply = NULL;
	g_autoptr(Reply) too_big = NULL;
	g_autoptr(Reply) finalized = NULL;
	g_autoptr(JsonNode) finalized_root = NULL;
	g_autofree char *token_url = NULL;
	g_autofree char *form = NULL;
	g_autofree char *names = NULL;
	JsonObject *start;

	if (!exe) {
		g_test_skip("TW_TEST_SANDBOX_EXE is not set");
		return;
	}
	state_dir = g_dir_make_tmp("twdm-sandbox-XXXXXX", &error);
	g_assert_no_error(error);
	state_file = g_build_filename(state_dir, "state.json", NULL);
	process = g_subprocess_new(
	    G_SUBPROCESS_FLAGS_STDOUT_PIPE, &error, exe, "--port", "0",
	    "--account", "demo_shop", "--state-out", state_file,
	    "--video-max-bytes", "1000", "--processing-checks", "0", NULL);
	g_assert_no_error(error);
	output = g_data_input_stream_new(g_subprocess_get_stdout_pipe(process));
	line = g_data_input_stream_read_line_utf8(output, NULL, NULL, &error);
	g_assert_no_error(error);
	g_assert_nonnull(line);

	root = parse_json(line);
	start = json_node_get_object(root);
	names = member_names(start);
	g_assert_cmpstr(names, ==,
			"base_url,account,account_id,refresh_token,client_id,"
			"consumer_key,consumer_secret,access_token,"
			"access_token_secret");
	g_assert_cmpstr(member_string(start, "consumer_key"), ==,
			TW_SANDBOX_CONSUMER_KEY);
	g_assert_true(g_str_has_prefix(member_string(start, "access_token"),
				       member_string(start, "account_id")));
	g_assert_true(g_str_has_prefix(member_string(start, "base_url"),
				       "http://127.0.0.1:"));
	g_assert_cmpstr(member_string(start, "account"), ==, "demo_shop");
	g_assert_cmpstr(member_string(start, "client_id"), ==,
			TW_SANDBOX_CLIENT_ID);

	/* A client can sign in with what the line says. */
	token_url = g_strconcat(member_string(start, "base_url"),
				"/2/oauth2/token", NULL);
	form = g_strdup_printf("grant_type=refresh_token&refresh_token=%s&"
			       "client_id=%s",
			       member_string(start, "refresh_token"),
			       member_string(start, "client_id"));
	{
		Call call = {.method = "POST",
			     .url = token_url,
			     .content_type =
				 "application/x-www-form-urlencoded",
			     .body = form};

		reply = send_call(session, &call);
	}
	g_assert_no_error(reply->error);
	g_assert_cmpuint(reply->status, ==, 200);
	standalone_upload(session, member_string(start, "base_url"),
			  reply->body, &too_big, &finalized);

	g_subprocess_send_signal(process, SIGTERM);
	g_subprocess_wait(process, NULL, &error);
	g_assert_no_error(error);
	g_assert_true(g_subprocess_get_if_exited(process));
	g_assert_cmpint(g_subprocess_get_exit_status(process), ==, 0);

	/* --video-max-bytes and --processing-checks took effect. */
	g_assert_no_error(too_big->error);
	assert_refused(too_big, "$.total_bytes: 1001 bytes is above the "
				"video limit of 1000");
	g_assert_nonnull(finalized);
	g_assert_no_error(finalized->error);
	g_assert_cmpuint(finalized->status, ==, 200);
	finalized_root = parse_json(finalized->body);
	g_assert_null(processing_info(finalized_root));

	g_file_get_contents(state_file, &state, NULL, &error);
	g_assert_no_error(error);
	state_root = parse_json(state);
	g_assert_cmpint(
	    json_object_get_int_member(
		member_object(json_node_get_object(state_root), "counters"),
		"token_refreshes"),
	    ==, 1);
	g_assert_cmpstr(
	    member_string(
		element_object(
		    member_array(json_node_get_object(state_root), "users"), 0),
		"username"),
	    ==, "demo_shop");
	g_remove(state_file);
	g_rmdir(state_dir);
}

/* ------------------------------------------------------------------------ */

static void
add_fixture_test(const char *path, const TwSandboxConfig *config,
		 void (*test)(Fixture *, gconstpointer))
{
	g_test_add(path, Fixture, config, fixture_set_up, test,
		   fixture_tear_down);
}

int
main(int argc, char **argv)
{
	TwSandboxConfig confidential, read_limited, send_limited, delayed;
	TwSandboxConfig forgiving, chunked, immediate, failing, no_media_write;
	TwSandboxConfig chunk_limited;

	g_test_init(&argc, &argv, NULL);

	tw_sandbox_config_init(&confidential);
	confidential.client_secret = "s3cret";
	tw_sandbox_config_init(&read_limited);
	read_limited.rate_window_seconds = 2;
	read_limited.dm_read_limit = 3;
	tw_sandbox_config_init(&send_limited);
	send_limited.dm_send_limit = 5;
	send_limited.dm_send_daily_limit = 2;
	tw_sandbox_config_init(&forgiving);
	forgiving.refresh_reuse_until_used = TRUE;
	tw_sandbox_config_init(&delayed);
	delayed.visibility_delay_ms = 1500;
	delayed.dm_read_limit = 200;
	tw_sandbox_config_init(&chunked);
	chunked.processing_checks = 2;
	chunked.segment_max_bytes = MIB;
	tw_sandbox_config_init(&immediate);
	immediate.processing_checks = 0;
	tw_sandbox_config_init(&failing);
	failing.processing_error = "Video is too long";
	tw_sandbox_config_init(&no_media_write);
	no_media_write.granted_scopes = NO_MEDIA_WRITE;
	tw_sandbox_config_init(&chunk_limited);
	chunk_limited.media_chunked_limit = 3;

	g_test_add_func("/sandbox/config-defaults", test_config_defaults);
	add_fixture_test("/sandbox/ids-and-times", NULL, test_ids_and_times);
	add_fixture_test("/sandbox/token-rotation", NULL, test_token_rotation);
	add_fixture_test("/sandbox/token-reuse-until-used", &forgiving,
			 test_token_reuse_until_used);
	add_fixture_test("/sandbox/token-confidential", &confidential,
			 test_token_confidential);
	add_fixture_test("/sandbox/unauthorized", NULL, test_unauthorized);
	add_fixture_test("/sandbox/users", NULL, test_users);
	add_fixture_test("/sandbox/dm-list", NULL, test_dm_list);
	add_fixture_test("/sandbox/group-events", NULL, test_group_events);
	add_fixture_test("/sandbox/send", NULL, test_send);
	add_fixture_test("/sandbox/create-group", NULL, test_create_group);
	add_fixture_test("/sandbox/rate-limit", &read_limited, test_rate_limit);
	add_fixture_test("/sandbox/send-rate-limit", &send_limited,
			 test_send_rate_limit);
	add_fixture_test("/sandbox/billing", NULL, test_billing);
	add_fixture_test("/sandbox/visibility", &delayed, test_visibility);
	add_fixture_test("/sandbox/faults", NULL, test_faults);
	g_test_add_func("/sandbox/free-with-pending-delay",
			test_free_with_pending_delay);
	g_test_add_func("/sandbox/port-in-use", test_port_in_use);
	add_fixture_test("/sandbox/requests-record", NULL,
			 test_requests_record);
	add_fixture_test("/sandbox/control-http", NULL, test_control_http);
	add_fixture_test("/sandbox/chunked-upload", &chunked,
			 test_chunked_upload);
	add_fixture_test("/sandbox/chunked-not-ready", NULL,
			 test_chunked_not_ready);
	add_fixture_test("/sandbox/chunked-no-processing", &immediate,
			 test_chunked_no_processing);
	add_fixture_test("/sandbox/chunked-gap", NULL, test_chunked_gap);
	add_fixture_test("/sandbox/chunked-segment-checks", &chunked,
			 test_chunked_segment_checks);
	add_fixture_test("/sandbox/chunked-initialize-checks", NULL,
			 test_chunked_initialize_checks);
	add_fixture_test("/sandbox/chunked-other-user", NULL,
			 test_chunked_other_user);
	add_fixture_test("/sandbox/chunked-processing-error", &failing,
			 test_chunked_processing_error);
	add_fixture_test("/sandbox/chunked-type-check", NULL,
			 test_chunked_type_check);
	add_fixture_test("/sandbox/chunked-resend", NULL, test_chunked_resend);
	add_fixture_test("/sandbox/chunked-scope", &no_media_write,
			 test_chunked_scope);
	add_fixture_test("/sandbox/chunked-routes", NULL, test_chunked_routes);
	add_fixture_test("/sandbox/chunked-rate-limit", &chunk_limited,
			 test_chunked_rate_limit);
	add_fixture_test("/sandbox/customers", NULL, test_customers);
	g_test_add_func("/sandbox/standalone", test_standalone);

	return g_test_run();
}
