/*
 * Integration tests of signing in: OAuth 2.0 with PKCE through the headless
 * runner (the test plays the user and the browser), revocation when the
 * account is deleted, and OAuth 1.0a (signed DMs, the PIN flow) against the
 * sandbox, which checks PKCE and signatures for real.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <gio/gio.h>
#include <glib.h>
#include <json-glib/json-glib.h>
#include <libsoup/soup.h>
#include <string.h>

#include "purple-twdm.h"
#include "tw-oauth.h"
#include "tw-sandbox.h"
#include "tw-test-loop.h"
#include "tw-test-runner.h"
#include "tw-test-world.h"

#define ACCOUNT         "acme_support"
#define CONSUMER_KEY    "auth-flow-consumer"
#define CONSUMER_SECRET "auth-flow-consumer-secret"
#define WAIT_MS                                                                \
	(g_strcmp0(g_getenv("TW_TEST_UNDER_VALGRIND"), "1") == 0 ? 90000       \
								 : 15000)

typedef struct {
	TwSandbox *sandbox;
	SoupSession *session;
	char *account_id;
	char *user_dir;
	char *redirect_uri;
	char *authorize_url;
} World;

/****************************************************************************
 * Fixture and helpers
 ****************************************************************************/

/* A port that was free a moment ago: each test listens on its own. */
static guint
free_port(void)
{
	g_autoptr(GSocket) socket =
	    g_socket_new(G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM,
			 G_SOCKET_PROTOCOL_TCP, NULL);
	g_autoptr(GInetAddress) loopback =
	    g_inet_address_new_loopback(G_SOCKET_FAMILY_IPV4);
	g_autoptr(GSocketAddress) bound =
	    g_inet_socket_address_new(loopback, 0);
	g_autoptr(GSocketAddress) local = NULL;
	guint port;

	g_assert_true(g_socket_bind(socket, bound, FALSE, NULL));
	local = g_socket_get_local_address(socket, NULL);
	port = g_inet_socket_address_get_port(G_INET_SOCKET_ADDRESS(local));
	g_socket_close(socket, NULL);
	return port;
}

static void
world_set_up(World *world, gconstpointer data)
{
	g_autoptr(GError) error = NULL;
	const TwSandboxConfig *config = data;

	world->sandbox = tw_sandbox_new(config);
	g_assert_true(tw_sandbox_start(world->sandbox, 0, &error));
	g_assert_no_error(error);
	world->session = soup_session_new();
	/* Loopback only: no proxy lookups (libproxy is noisy under
	 * valgrind). */
	soup_session_set_proxy_resolver(world->session, NULL);
	world->account_id =
	    tw_sandbox_add_user(world->sandbox, "Acme_Support", "Acme Support");
	tw_sandbox_add_consumer(world->sandbox, CONSUMER_KEY, CONSUMER_SECRET);
	world->user_dir = tw_test_make_user_dir();
	world->redirect_uri =
	    g_strdup_printf("http://127.0.0.1:%u/callback", free_port());
	world->authorize_url =
	    g_strconcat(tw_sandbox_get_base_url(world->sandbox),
			"/i/oauth2/authorize", NULL);
}

static void
world_tear_down(World *world, gconstpointer data)
{
	g_object_unref(world->session);
	tw_sandbox_free(world->sandbox);
	tw_test_remove_tree(world->user_dir);
	g_free(world->user_dir);
	g_free(world->account_id);
	g_free(world->redirect_uri);
	g_free(world->authorize_url);
}

/* A runner for the account, plus @extra. The password (nullable) goes
 * through the environment: valgrind prints the command line. */
static TwTestRunner *
start_runner(World *world, const char *password, const char *const *extra)
{
	g_autoptr(GPtrArray) args = g_ptr_array_new_with_free_func(g_free);

	g_ptr_array_add(args, g_strdup("--account"));
	g_ptr_array_add(args, g_strdup(ACCOUNT));
	g_ptr_array_add(args, g_strdup("--api-base"));
	g_ptr_array_add(args,
			g_strdup(tw_sandbox_get_base_url(world->sandbox)));
	g_ptr_array_add(args, g_strdup("--client-id"));
	g_ptr_array_add(args, g_strdup(TW_SANDBOX_CLIENT_ID));
	g_ptr_array_add(args, g_strdup("--option"));
	g_ptr_array_add(args, g_strconcat(TW_OPTION_AUTHORIZE_URL "=",
					  world->authorize_url, NULL));
	g_ptr_array_add(args, g_strdup("--option"));
	g_ptr_array_add(args, g_strconcat(TW_OPTION_REDIRECT_URI "=",
					  world->redirect_uri, NULL));
	g_ptr_array_add(args, g_strdup("--reconnect-delay"));
	g_ptr_array_add(args, g_strdup("1"));
	g_ptr_array_add(args, g_strdup("--debug"));
	for (guint i = 0; extra != NULL && extra[i] != NULL; i++)
		g_ptr_array_add(args, g_strdup(extra[i]));
	if (password != NULL) {
		g_autofree char *entry =
		    g_strconcat("TWDM_TEST_PASSWORD=", password, NULL);
		const char *env[] = {entry, NULL};

		g_ptr_array_add(args, g_strdup("--password-env"));
		g_ptr_array_add(args, g_strdup("TWDM_TEST_PASSWORD"));
		g_ptr_array_add(args, NULL);
		return tw_test_runner_start_with_env(
		    world->user_dir, (const char *const *)args->pdata, env);
	}
	g_ptr_array_add(args, NULL);
	return tw_test_runner_start_argv(world->user_dir,
					 (const char *const *)args->pdata);
}

static void
assert_signed_on(TwTestRunner *runner)
{
	JsonObject *event =
	    tw_test_runner_wait_event(runner, "signed-on", NULL, NULL, WAIT_MS);

	if (event == NULL)
		g_test_message("stderr:\n%s",
			       tw_test_runner_get_stderr(runner));
	g_assert_nonnull(event);
	g_assert_cmpstr(json_object_get_string_member(event, "account"), ==,
			ACCOUNT);
}

static JsonObject *
wait_prompt(TwTestRunner *runner)
{
	JsonObject *prompt = tw_test_runner_wait_event(
	    runner, "request-input", "account", ACCOUNT, WAIT_MS);

	if (prompt == NULL)
		g_test_message("stderr:\n%s",
			       tw_test_runner_get_stderr(runner));
	g_assert_nonnull(prompt);
	return prompt;
}

static const char *
member(JsonObject *object, const char *name)
{
	return json_object_get_string_member_with_default(object, name, "");
}

/* The link in the question: the last word of its primary text that
 * starts with http, as a user would see it. */
static char *
prompt_url(JsonObject *prompt)
{
	const char *primary = member(prompt, "primary");
	const char *start = g_strrstr(primary, " http");

	g_assert_nonnull(start);
	start++;
	return g_strndup(start, strcspn(start, " \n"));
}

static void
answer(TwTestRunner *runner, JsonObject *prompt, const char *text)
{
	g_autoptr(JsonBuilder) builder = json_builder_new();
	g_autoptr(JsonNode) root = NULL;
	g_autofree char *line = NULL;

	json_builder_begin_object(builder);
	json_builder_set_member_name(builder, "cmd");
	json_builder_add_string_value(builder, "answer");
	json_builder_set_member_name(builder, "id");
	json_builder_add_int_value(builder,
				   json_object_get_int_member(prompt, "id"));
	json_builder_set_member_name(builder, "text");
	json_builder_add_string_value(builder, text);
	json_builder_end_object(builder);
	root = json_builder_get_root(builder);
	line = json_to_string(root, FALSE);
	tw_test_runner_send(runner, line);
}

typedef struct {
	guint status;
	char *location;
	char *body;
} Page;

static void
page_free(Page *page)
{
	g_free(page->location);
	g_free(page->body);
	g_free(page);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC(Page, page_free)

/* What a browser gets for @url, redirects not followed. */
static Page *
browse(World *world, const char *method, const char *url,
       const char *authorization, const char *form)
{
	g_autoptr(SoupMessage) msg = soup_message_new(method, url);
	g_autoptr(GBytes) body = NULL;
	g_autoptr(GError) error = NULL;
	Page *page = g_new0(Page, 1);

	g_assert_nonnull(msg);
	soup_message_add_flags(msg, SOUP_MESSAGE_NO_REDIRECT);
	if (authorization != NULL)
		soup_message_headers_replace(
		    soup_message_get_request_headers(msg), "Authorization",
		    authorization);
	if (form != NULL) {
		g_autoptr(GBytes) bytes = g_bytes_new(form, strlen(form));

		soup_message_set_request_body_from_bytes(
		    msg, "application/x-www-form-urlencoded", bytes);
	}
	body = soup_session_send_and_read(world->session, msg, NULL, &error);
	g_assert_no_error(error);
	page->status = soup_message_get_status(msg);
	page->location = g_strdup(soup_message_headers_get_one(
	    soup_message_get_response_headers(msg), "Location"));
	page->body =
	    g_strndup(g_bytes_get_data(body, NULL), g_bytes_get_size(body));
	return page;
}

/* Plays the user at X: opens the link, gets the redirect address. */
static char *
authorize_in_browser(World *world, const char *url)
{
	g_autoptr(Page) page = browse(world, "GET", url, NULL, NULL);

	g_assert_cmpuint(page->status, ==, 302);
	g_assert_nonnull(page->location);
	g_assert_true(g_str_has_prefix(page->location, world->redirect_uri));
	return g_steal_pointer(&page->location);
}

static gboolean
wait_for_request(World *world, const char *method, const char *path,
		 guint count)
{
	for (guint waited = 0; waited < WAIT_MS; waited += 50) {
		if (tw_sandbox_count_requests(world->sandbox, method, path) >=
		    count)
			return TRUE;
		tw_test_wait_for(NULL, 50);
	}
	return FALSE;
}

/* The recorded requests to @path, in order. */
static GPtrArray *
requests_to(World *world, const char *method, const char *path)
{
	g_autoptr(GPtrArray) all = tw_sandbox_dup_requests(world->sandbox);
	GPtrArray *found = g_ptr_array_new_with_free_func(
	    (GDestroyNotify)tw_sandbox_request_free);

	for (guint i = 0; i < all->len; i++) {
		TwSandboxRequest *request = all->pdata[i];

		if (g_strcmp0(request->method, method) == 0 &&
		    g_strcmp0(request->path, path) == 0)
			g_ptr_array_add(found, g_steal_pointer(&all->pdata[i]));
	}
	return found;
}

static char *
state_file(World *world, const char *suffix)
{
	g_autofree char *name = g_strconcat(ACCOUNT, suffix, NULL);

	return g_build_filename(world->user_dir, "twdm", name, NULL);
}

static char *
stored_refresh_token(World *world)
{
	g_autofree char *path = state_file(world, ".token");
	g_autofree char *contents = NULL;
	g_autoptr(JsonParser) parser = json_parser_new();

	if (!g_file_get_contents(path, &contents, NULL, NULL))
		return NULL;
	g_assert_true(json_parser_load_from_data(parser, contents, -1, NULL));
	return g_strdup(json_object_get_string_member_with_default(
	    json_node_get_object(json_parser_get_root(parser)), "refresh_token",
	    NULL));
}

static gboolean
contains(const char *haystack, const char *needle)
{
	return haystack != NULL && strstr(haystack, needle) != NULL;
}

/****************************************************************************
 * The sandbox checks for real
 ****************************************************************************/

static void
test_sandbox_checks_pkce(World *world, gconstpointer data)
{
	g_autofree char *verifier = tw_oauth_pkce_verifier_new();
	g_autofree char *challenge = tw_oauth_pkce_challenge(verifier);
	g_autofree char *url = tw_oauth_build_authorize_url(
	    world->authorize_url, TW_SANDBOX_CLIENT_ID, world->redirect_uri,
	    TW_OAUTH_SCOPES, "st", challenge);
	g_autofree char *token_url = g_strconcat(
	    tw_sandbox_get_base_url(world->sandbox), "/2/oauth2/token", NULL);
	g_autofree char *location = authorize_in_browser(world, url);
	g_autofree char *code = NULL;
	g_autoptr(GError) error = NULL;
	const struct {
		const char *verifier;
		const char *redirect_uri;
		guint status;
		const char *says;
	} attempts[] = {
	    {"wrong-verifier-wrong-verifier-wrong-verifier-1",
	     world->redirect_uri, 400, "code verifier"},
	    /* The right one now: the code was spent by the wrong try. */
	    {verifier, world->redirect_uri, 400, "authorization code"},
	};
	g_autofree char *bad_client_url = tw_oauth_build_authorize_url(
	    world->authorize_url, "someone-else", world->redirect_uri,
	    TW_OAUTH_SCOPES, "st", challenge);
	g_autoptr(Page) refused =
	    browse(world, "GET", bad_client_url, NULL, NULL);

	g_assert_true(tw_oauth_parse_redirect(location, "st", &code, &error));
	g_assert_no_error(error);
	for (guint i = 0; i < G_N_ELEMENTS(attempts); i++) {
		g_autofree char *redirect =
		    tw_oauth_percent_encode(attempts[i].redirect_uri);
		g_autofree char *form = g_strdup_printf(
		    "grant_type=authorization_code&code=%s&redirect_uri=%s&"
		    "code_verifier=%s&client_id=%s",
		    code, redirect, attempts[i].verifier, TW_SANDBOX_CLIENT_ID);
		g_autoptr(Page) page =
		    browse(world, "POST", token_url, NULL, form);

		g_assert_cmpuint(page->status, ==, attempts[i].status);
		g_assert_true(contains(page->body, attempts[i].says));
	}
	/* X's error page, no redirect, for an unknown client. */
	g_assert_cmpuint(refused->status, ==, 400);
	g_assert_null(refused->location);
	g_assert_true(contains(refused->body, "Something went wrong"));
}

static void
test_sandbox_checks_signatures(World *world, gconstpointer data)
{
	g_autofree char *secret = NULL;
	g_autofree char *token = tw_sandbox_issue_oauth1_token(
	    world->sandbox, world->account_id, CONSUMER_KEY, &secret);
	g_autofree char *url =
	    g_strconcat(tw_sandbox_get_base_url(world->sandbox),
			"/2/users/me?user.fields=id,username", NULL);
	TwOAuth1Keys keys = {CONSUMER_KEY, CONSUMER_SECRET, token, secret};
	TwOAuth1Keys wrong = {CONSUMER_KEY, CONSUMER_SECRET, token,
			      "not-the-secret"};
	g_autofree char *good =
	    tw_oauth1_authorization(&keys, "GET", url, NULL, NULL, NULL, 0);
	g_autofree char *forged =
	    tw_oauth1_authorization(&wrong, "GET", url, NULL, NULL, NULL, 0);
	g_autofree char *other_url = g_strconcat(url, "&x=1", NULL);
	g_autofree char *moved =
	    tw_oauth1_authorization(&keys, "GET", url, NULL, NULL, NULL, 0);
	g_autoptr(Page) accepted = browse(world, "GET", url, good, NULL);
	g_autoptr(Page) replayed = browse(world, "GET", url, good, NULL);
	g_autoptr(Page) refused = browse(world, "GET", url, forged, NULL);
	/* Signed for one query, sent with another. */
	g_autoptr(Page) tampered = browse(world, "GET", other_url, moved, NULL);

	g_assert_nonnull(token);
	g_assert_cmpuint(accepted->status, ==, 200);
	g_assert_true(
	    contains(accepted->body, "\"username\":\"Acme_Support\""));
	g_assert_cmpuint(replayed->status, ==, 401);
	g_assert_cmpuint(refused->status, ==, 401);
	g_assert_cmpuint(tampered->status, ==, 401);
}

static char *
control_url(World *world, const char *name)
{
	return g_strconcat(tw_sandbox_get_base_url(world->sandbox),
			   "/_sandbox/", name, NULL);
}

/* The same controls over HTTP, for tests in other processes. */
static void
test_sandbox_control(World *world, gconstpointer data)
{
	g_autofree char *consumers = control_url(world, "consumers");
	g_autofree char *tokens = control_url(world, "oauth1-tokens");
	g_autofree char *authorize = control_url(world, "authorize");
	g_autofree char *token_body = g_strdup_printf(
	    "{\"user_id\":\"%s\",\"consumer_key\":\"k2\"}", world->account_id);
	g_autoptr(Page) added = browse(world, "POST", consumers, NULL,
				       "{\"key\":\"k2\",\"secret\":\"s2\"}");
	g_autoptr(Page) issued =
	    browse(world, "POST", tokens, NULL, token_body);
	g_autoptr(Page) refuse = browse(world, "POST", authorize, NULL,
					"{\"outcome\":\"refuse\",\"count\":1}");
	g_autoptr(Page) bogus =
	    browse(world, "POST", authorize, NULL, "{\"outcome\":\"maybe\"}");
	g_autoptr(JsonParser) parser = json_parser_new();
	g_autofree char *me_url = g_strconcat(
	    tw_sandbox_get_base_url(world->sandbox), "/2/users/me", NULL);
	g_autofree char *signed_header = NULL;
	g_autofree char *authorize_url = tw_oauth_build_authorize_url(
	    world->authorize_url, TW_SANDBOX_CLIENT_ID, world->redirect_uri,
	    TW_OAUTH_SCOPES, "s", "c");
	g_autofree char *refused = NULL;
	g_autofree char *approved = NULL;
	g_autoptr(Page) me = NULL;
	JsonObject *token;
	TwOAuth1Keys keys = {"k2", "s2", NULL, NULL};

	g_assert_cmpuint(added->status, ==, 200);
	g_assert_cmpuint(issued->status, ==, 200);
	g_assert_cmpuint(refuse->status, ==, 200);
	g_assert_cmpuint(bogus->status, ==, 400);
	g_assert_true(
	    json_parser_load_from_data(parser, issued->body, -1, NULL));
	token = json_node_get_object(json_parser_get_root(parser));
	keys.token = json_object_get_string_member(token, "token");
	keys.token_secret = json_object_get_string_member(token, "secret");
	signed_header =
	    tw_oauth1_authorization(&keys, "GET", me_url, NULL, NULL, NULL, 0);
	me = browse(world, "GET", me_url, signed_header, NULL);
	g_assert_cmpuint(me->status, ==, 200);

	/* One refusal, then approvals again. */
	refused = authorize_in_browser(world, authorize_url);
	approved = authorize_in_browser(world, authorize_url);
	g_assert_true(contains(refused, "error=access_denied&state=s"));
	g_assert_true(contains(approved, "state=s&code="));
}

/****************************************************************************
 * OAuth 2.0 with PKCE through the runner
 ****************************************************************************/

static void
test_pkce_with_listener(World *world, gconstpointer data)
{
	TwTestRunner *runner = start_runner(world, NULL, NULL);
	JsonObject *prompt = wait_prompt(runner);
	g_autofree char *url = prompt_url(prompt);
	JsonObject *notified;
	g_autofree char *location = NULL;
	g_autoptr(Page) page = NULL;
	g_autoptr(GPtrArray) exchanges = NULL;
	g_autofree char *stored = NULL;
	JsonObject *closed;
	TwSandboxCounters counters;

	g_assert_true(g_str_has_prefix(url, world->authorize_url));
	g_assert_true(contains(url, "code_challenge_method=S256"));
	g_assert_true(
	    contains(member(prompt, "secondary"), world->redirect_uri));
	g_assert_false(json_object_get_boolean_member(prompt, "masked"));
	notified = tw_test_runner_wait_event(runner, "notify-uri", NULL, NULL,
					     WAIT_MS);
	g_assert_nonnull(notified);
	g_assert_cmpstr(member(notified, "uri"), ==, url);

	/* The browser follows X's redirect to the runner's listener. */
	location = authorize_in_browser(world, url);
	page = browse(world, "GET", location, NULL, NULL);
	g_assert_cmpuint(page->status, ==, 200);
	g_assert_true(contains(page->body, "close this tab"));
	assert_signed_on(runner);

	/* The question goes away by itself. */
	closed = tw_test_runner_wait_event(runner, "request-closed", NULL, NULL,
					   WAIT_MS);
	g_assert_nonnull(closed);
	g_assert_cmpint(json_object_get_int_member(closed, "id"), ==,
			json_object_get_int_member(prompt, "id"));
	exchanges = requests_to(world, "POST", "/2/oauth2/token");
	g_assert_cmpuint(exchanges->len, ==, 1);
	{
		TwSandboxRequest *exchange = exchanges->pdata[0];

		g_assert_cmpuint(exchange->status, ==, 200);
		g_assert_true(
		    contains(exchange->body, "grant_type=authorization_code"));
		g_assert_true(contains(exchange->body, "code_verifier="));
	}
	tw_sandbox_get_counters(world->sandbox, &counters);
	g_assert_cmpuint(counters.authorizations, ==, 1);
	stored = stored_refresh_token(world);
	g_assert_nonnull(stored);
	/* Never printed, debug output included. */
	g_assert_false(contains(tw_test_runner_get_stderr(runner), stored));
	g_assert_cmpint(tw_test_runner_quit(runner), ==, 0);

	/* The stored refresh token signs on next time: no question. */
	runner = start_runner(world, NULL, NULL);
	assert_signed_on(runner);
	g_assert_cmpuint(
	    tw_test_runner_count_events(runner, "request-input", NULL, NULL),
	    ==, 0);
	tw_sandbox_get_counters(world->sandbox, &counters);
	g_assert_cmpuint(counters.token_refreshes, ==, 1);
	g_assert_cmpint(tw_test_runner_quit(runner), ==, 0);
}

static void
test_pkce_with_pasted_url(World *world, gconstpointer data)
{
	TwTestRunner *runner = start_runner(world, NULL, NULL);
	JsonObject *prompt = wait_prompt(runner);
	g_autofree char *url = prompt_url(prompt);
	g_autofree char *location = authorize_in_browser(world, url);
	g_autofree char *pasted = g_strconcat("  ", location, "\n", NULL);

	answer(runner, prompt, pasted);
	assert_signed_on(runner);
	g_assert_cmpuint(tw_sandbox_count_requests(world->sandbox, "POST",
						   "/2/oauth2/token"),
			 ==, 1);
	g_assert_cmpuint(
	    tw_test_runner_count_events(runner, "connection-error", NULL, NULL),
	    ==, 0);
	g_assert_cmpint(tw_test_runner_quit(runner), ==, 0);
}

/* Replaces the state of a redirect address. */
static char *
with_state(const char *location, const char *state)
{
	g_autoptr(GRegex) regex = g_regex_new("state=[^&]*", 0, 0, NULL);
	g_autofree char *replacement = g_strconcat("state=", state, NULL);

	return g_regex_replace_literal(regex, location, -1, 0, replacement, 0,
				       NULL);
}

static void
test_wrong_state_refused(World *world, gconstpointer data)
{
	TwTestRunner *runner = start_runner(world, NULL, NULL);
	JsonObject *prompt = wait_prompt(runner);
	g_autofree char *url = prompt_url(prompt);
	g_autofree char *location = authorize_in_browser(world, url);
	g_autofree char *forged = with_state(location, "forged-state");
	g_autoptr(Page) page = NULL;
	JsonObject *again;
	JsonObject *third;
	g_autofree char *again_url = NULL;

	g_assert_cmpstr(forged, !=, location);
	/* Through the listener: refused, and the user asked again. */
	page = browse(world, "GET", forged, NULL, NULL);
	g_assert_cmpuint(page->status, ==, 200);
	g_assert_true(contains(page->body, "did not accept"));
	again = wait_prompt(runner);
	g_assert_true(
	    contains(member(again, "secondary"), "another sign-in attempt"));
	again_url = prompt_url(again);
	g_assert_cmpstr(again_url, ==, url);

	/* Pasted: refused the same way. */
	answer(runner, again, forged);
	third = wait_prompt(runner);
	g_assert_true(
	    contains(member(third, "secondary"), "another sign-in attempt"));
	g_assert_cmpuint(tw_sandbox_count_requests(world->sandbox, "POST",
						   "/2/oauth2/token"),
			 ==, 0);

	/* The right address still works. */
	answer(runner, third, location);
	assert_signed_on(runner);
	g_assert_cmpuint(
	    tw_test_runner_count_events(runner, "connection-error", NULL, NULL),
	    ==, 0);
	g_assert_cmpint(tw_test_runner_quit(runner), ==, 0);
}

static void
test_expired_code_retries(World *world, gconstpointer data)
{
	TwTestRunner *runner;
	JsonObject *prompt;
	JsonObject *again;
	g_autofree char *url = NULL;
	g_autofree char *location = NULL;
	g_autofree char *new_url = NULL;
	g_autofree char *new_location = NULL;
	g_autoptr(GPtrArray) exchanges = NULL;

	tw_sandbox_set_authorize_outcome(world->sandbox,
					 TW_SANDBOX_AUTHORIZE_EXPIRED, 1);
	runner = start_runner(world, NULL, NULL);
	prompt = wait_prompt(runner);
	url = prompt_url(prompt);
	location = authorize_in_browser(world, url);
	answer(runner, prompt, location);

	/* The way to retry: a new question with a new link. */
	again = wait_prompt(runner);
	g_assert_true(contains(member(again, "secondary"), "30 seconds"));
	g_assert_true(contains(member(again, "secondary"), "Try again"));
	new_url = prompt_url(again);
	g_assert_cmpstr(new_url, !=, url);
	new_location = authorize_in_browser(world, new_url);
	answer(runner, again, new_location);
	assert_signed_on(runner);

	exchanges = requests_to(world, "POST", "/2/oauth2/token");
	g_assert_cmpuint(exchanges->len, ==, 2);
	g_assert_cmpuint(((TwSandboxRequest *)exchanges->pdata[0])->status, ==,
			 400);
	g_assert_cmpuint(((TwSandboxRequest *)exchanges->pdata[1])->status, ==,
			 200);
	g_assert_cmpint(tw_test_runner_quit(runner), ==, 0);
}

static void
test_access_denied(World *world, gconstpointer data)
{
	TwTestRunner *runner;
	JsonObject *prompt;
	JsonObject *error;
	g_autofree char *url = NULL;
	g_autofree char *location = NULL;

	tw_sandbox_set_authorize_outcome(world->sandbox,
					 TW_SANDBOX_AUTHORIZE_REFUSE, 1);
	runner = start_runner(world, NULL, NULL);
	prompt = wait_prompt(runner);
	url = prompt_url(prompt);
	location = authorize_in_browser(world, url);
	g_assert_true(contains(location, "error=access_denied"));
	answer(runner, prompt, location);
	error = tw_test_runner_wait_event(runner, "connection-error", NULL,
					  NULL, WAIT_MS);
	g_assert_nonnull(error);
	g_assert_cmpstr(member(error, "reason"), ==, "authentication-failed");
	g_assert_true(json_object_get_boolean_member(error, "fatal"));
	g_assert_true(
	    contains(member(error, "description"), "Access was not allowed"));
	g_assert_cmpuint(tw_sandbox_count_requests(world->sandbox, "POST",
						   "/2/oauth2/token"),
			 ==, 0);
	g_assert_cmpint(tw_test_runner_quit(runner), ==, 0);
}

static void
test_cancelled_prompt(World *world, gconstpointer data)
{
	TwTestRunner *runner = start_runner(world, NULL, NULL);
	JsonObject *prompt = wait_prompt(runner);
	g_autofree char *cancel = g_strdup_printf(
	    "{\"cmd\":\"answer\",\"id\":%" G_GINT64_FORMAT ",\"cancel\":true}",
	    json_object_get_int_member(prompt, "id"));
	JsonObject *error;

	tw_test_runner_send(runner, cancel);
	error = tw_test_runner_wait_event(runner, "connection-error", NULL,
					  NULL, WAIT_MS);
	g_assert_nonnull(error);
	g_assert_cmpstr(member(error, "reason"), ==, "authentication-failed");
	g_assert_true(contains(member(error, "description"), "cancelled"));
	g_assert_cmpint(tw_test_runner_quit(runner), ==, 0);
}

/****************************************************************************
 * Deleting the account
 ****************************************************************************/

static void
test_revoke_on_removal(World *world, gconstpointer data)
{
	g_autofree char *issued =
	    tw_sandbox_issue_refresh_token(world->sandbox, world->account_id);
	TwTestRunner *runner = start_runner(world, issued, NULL);
	g_autofree char *current = NULL;
	g_autofree char *escaped = NULL;
	g_autofree char *token_path = state_file(world, ".token");
	g_autofree char *sync_path = state_file(world, ".json");
	g_autofree char *token_url = g_strconcat(
	    tw_sandbox_get_base_url(world->sandbox), "/2/oauth2/token", NULL);
	g_autofree char *form = NULL;
	g_autoptr(GPtrArray) revokes = NULL;
	g_autoptr(Page) refresh = NULL;
	TwSandboxRequest *revoke;

	assert_signed_on(runner);
	current = stored_refresh_token(world);
	g_assert_nonnull(current);
	g_assert_cmpstr(current, !=, issued);
	/* Written right after sign-on. */
	for (guint waited = 0;
	     waited < WAIT_MS && !g_file_test(sync_path, G_FILE_TEST_EXISTS);
	     waited += 50)
		tw_test_wait_for(NULL, 50);
	g_assert_true(g_file_test(sync_path, G_FILE_TEST_EXISTS));

	tw_test_runner_send(runner, "{\"cmd\":\"remove-account\",\"account\":"
				    "\"" ACCOUNT "\"}");
	g_assert_nonnull(tw_test_runner_wait_event(
	    runner, "account-removed", "account", ACCOUNT, WAIT_MS));
	g_assert_true(wait_for_request(world, "POST", "/2/oauth2/revoke", 1));
	revokes = requests_to(world, "POST", "/2/oauth2/revoke");
	g_assert_cmpuint(revokes->len, ==, 1);
	revoke = revokes->pdata[0];
	escaped = tw_oauth_percent_encode(current);
	g_assert_true(contains(revoke->body, escaped));
	g_assert_true(contains(revoke->body, "token_type_hint=refresh_token"));
	g_assert_true(
	    contains(revoke->body, "client_id=" TW_SANDBOX_CLIENT_ID));
	g_assert_cmpuint(revoke->status, ==, 200);
	g_assert_false(g_file_test(token_path, G_FILE_TEST_EXISTS));
	g_assert_false(g_file_test(sync_path, G_FILE_TEST_EXISTS));
	g_assert_cmpint(tw_test_runner_quit(runner), ==, 0);

	/* X no longer takes the token. */
	form = g_strdup_printf(
	    "grant_type=refresh_token&refresh_token=%s&client_id=%s", escaped,
	    TW_SANDBOX_CLIENT_ID);
	refresh = browse(world, "POST", token_url, NULL, form);
	g_assert_cmpuint(refresh->status, ==, 400);
}

/* Signing off is not deleting: bitlbee even removes the account from
 * libpurple's list at every sign-off. */
/* The saved refresh token is refused at sign-on (revoked, or rotated by a
 * refresh whose answer never reached the disk): the user is asked to
 * authorize again, with X's words, instead of being stuck with it. */
static void
test_refused_token_asks_again(World *world, gconstpointer data)
{
	g_autofree char *issued =
	    tw_sandbox_issue_refresh_token(world->sandbox, world->account_id);
	TwTestRunner *runner;
	JsonObject *prompt;
	g_autofree char *url = NULL;
	g_autofree char *location = NULL;
	g_autoptr(Page) page = NULL;
	g_autofree char *stored = NULL;
	TwSandboxCounters counters;

	tw_sandbox_refuse_refresh(world->sandbox, 1);
	runner = start_runner(world, issued, NULL);
	prompt = wait_prompt(runner);
	g_assert_true(contains(member(prompt, "secondary"),
			       "no longer accepts this account's saved "
			       "authorization"));
	g_assert_true(contains(member(prompt, "secondary"),
			       "Value passed for the token was invalid"));
	g_assert_cmpuint(
	    tw_test_runner_count_events(runner, "connection-error", NULL, NULL),
	    ==, 0);
	url = prompt_url(prompt);
	location = authorize_in_browser(world, url);
	page = browse(world, "GET", location, NULL, NULL);
	g_assert_cmpuint(page->status, ==, 200);
	assert_signed_on(runner);
	stored = stored_refresh_token(world);
	g_assert_nonnull(stored);
	g_assert_cmpstr(stored, !=, issued);
	g_assert_cmpint(tw_test_runner_quit(runner), ==, 0);

	/* A client that offers the refused token again (bitlbee never saves
	 * the password the plugin sets) signs on with the new one. */
	runner = start_runner(world, issued, NULL);
	assert_signed_on(runner);
	g_assert_cmpuint(
	    tw_test_runner_count_events(runner, "request-input", NULL, NULL),
	    ==, 0);
	tw_sandbox_get_counters(world->sandbox, &counters);
	g_assert_cmpuint(counters.authorizations, ==, 1);
	g_assert_cmpint(tw_test_runner_quit(runner), ==, 0);
}

/* Access tokens that live this long, for the lost-rotation test. */
static guint
short_token_lifetime(void)
{
	return g_strcmp0(g_getenv("TW_TEST_UNDER_VALGRIND"), "1") == 0 ? 60
								       : 20;
}

static const char *
notify_text(JsonObject *event)
{
	return json_object_get_string_member_with_default(event, "secondary",
							  "");
}

/* How many info notices mention @needle. */
static guint
count_notices(TwTestRunner *runner, const char *needle)
{
	GPtrArray *events = tw_test_runner_get_events(runner);
	guint count = 0;

	for (guint i = 0; i < events->len; i++) {
		JsonObject *event = events->pdata[i];

		if (g_strcmp0(member(event, "event"), "notify") == 0 &&
		    contains(notify_text(event), needle))
			count++;
	}
	return count;
}

static gboolean
notice_told(gpointer data)
{
	return count_notices(data, "authorize") > 0;
}

/* X rotates the refresh token on a proactive refresh, but its answer is
 * cut off, and the retry with the old token is refused: the rotation is
 * lost. The account keeps reading with the access token it has until
 * that expires, says once, in words, that it must be authorized again
 * before then, and only then asks; a reply typed meanwhile is kept and
 * sent after the new authorization. */
static void
test_lost_rotation_answer(World *world, gconstpointer data)
{
	g_autofree char *issued =
	    tw_sandbox_issue_refresh_token(world->sandbox, world->account_id);
	g_autofree char *alice =
	    tw_sandbox_add_user(world->sandbox, "alice_c", "Alice");
	g_autofree char *send_path =
	    g_strdup_printf("/2/dm_conversations/with/%s/messages", alice);
	guint lifetime_ms = short_token_lifetime() * 1000;
	TwSandboxFault cut = {.kind = TW_SANDBOX_FAULT_TRUNCATED,
			      .method = "POST",
			      .path_prefix = "/2/oauth2/token",
			      .count = 1};
	TwTestRunner *runner;
	JsonObject *prompt;
	g_autofree char *url = NULL;
	g_autofree char *location = NULL;
	g_autoptr(Page) page = NULL;
	g_autoptr(GPtrArray) sends = NULL;
	g_autofree char *before = NULL;
	g_autofree char *after = NULL;
	gint64 signed_on_at;

	runner = start_runner(world, issued, NULL);
	assert_signed_on(runner);
	signed_on_at = g_get_monotonic_time();
	tw_sandbox_add_fault(world->sandbox, &cut);

	g_assert_true(
	    tw_test_wait_until(notice_told, runner, lifetime_ms + WAIT_MS));
	before =
	    tw_sandbox_create_message(world->sandbox, alice, world->account_id,
				      "read with the current token");
	g_assert_nonnull(
	    tw_test_runner_wait_event(runner, "message", "plain",
				      "read with the current token", WAIT_MS));
	g_assert_cmpuint(
	    tw_test_runner_count_events(runner, "request-input", NULL, NULL),
	    ==, 0);

	/* Asked only once the access token is gone. */
	prompt = tw_test_runner_wait_event(runner, "request-input", "account",
					   ACCOUNT, lifetime_ms + WAIT_MS);
	g_assert_nonnull(prompt);
	g_assert_cmpint(g_get_monotonic_time() - signed_on_at, >=,
			(gint64)(lifetime_ms - 2000) * 1000);
	tw_test_send_command(runner, "alice_c", "kept until authorized");
	url = prompt_url(prompt);
	location = authorize_in_browser(world, url);
	page = browse(world, "GET", location, NULL, NULL);
	g_assert_cmpuint(page->status, ==, 200);

	g_assert_true(wait_for_request(world, "POST", send_path, 1));
	after =
	    tw_sandbox_create_message(world->sandbox, alice, world->account_id,
				      "read after authorizing again");
	g_assert_nonnull(
	    tw_test_runner_wait_event(runner, "message", "plain",
				      "read after authorizing again", WAIT_MS));
	sends = requests_to(world, "POST", send_path);
	g_assert_cmpuint(sends->len, ==, 1);
	g_assert_cmpuint(((TwSandboxRequest *)sends->pdata[0])->status, ==,
			 201);
	g_assert_cmpuint(count_notices(runner, "authorize"), ==, 1);
	g_assert_cmpuint(
	    tw_test_runner_count_events(runner, "connection-error", NULL, NULL),
	    ==, 0);
	g_assert_cmpint(tw_test_runner_quit(runner), ==, 0);
}

static void
test_disconnect_keeps_tokens(World *world, gconstpointer data)
{
	g_autofree char *issued =
	    tw_sandbox_issue_refresh_token(world->sandbox, world->account_id);
	TwTestRunner *runner = start_runner(world, issued, NULL);
	g_autofree char *token_path = state_file(world, ".token");

	assert_signed_on(runner);
	tw_test_runner_send(runner, "{\"cmd\":\"disconnect\"}");
	g_assert_nonnull(tw_test_runner_wait_event(runner, "signed-off", NULL,
						   NULL, WAIT_MS));
	g_assert_cmpint(tw_test_runner_quit(runner), ==, 0);
	g_assert_cmpuint(tw_sandbox_count_requests(world->sandbox, "POST",
						   "/2/oauth2/revoke"),
			 ==, 0);
	g_assert_true(g_file_test(token_path, G_FILE_TEST_EXISTS));
}

/****************************************************************************
 * OAuth 1.0a
 ****************************************************************************/

static void
test_oauth1_dm_round_trip(World *world, gconstpointer data)
{
	g_autofree char *alice =
	    tw_sandbox_add_user(world->sandbox, "Alice_C", "Alice Customer");
	g_autofree char *secret = NULL;
	g_autofree char *token = tw_sandbox_issue_oauth1_token(
	    world->sandbox, world->account_id, CONSUMER_KEY, &secret);
	g_autofree char *token_option =
	    g_strconcat(TW_OPTION_ACCESS_TOKEN "=", token, NULL);
	const char *const extra[] = {
	    "--option", TW_OPTION_AUTH_METHOD "=" TW_AUTH_METHOD_OAUTH1,
	    "--option", TW_OPTION_CONSUMER_KEY "=" CONSUMER_KEY,
	    "--option", TW_OPTION_CONSUMER_SECRET "=" CONSUMER_SECRET,
	    "--option", token_option,
	    NULL,
	};
	TwTestRunner *runner = start_runner(world, secret, extra);
	g_autofree char *message_id = NULL;
	g_autofree char *send_path =
	    g_strdup_printf("/2/dm_conversations/with/%s/messages", alice);
	g_autoptr(GPtrArray) all = NULL;
	g_autoptr(GPtrArray) sends = NULL;
	JsonObject *event;

	assert_signed_on(runner);
	message_id = tw_sandbox_create_message(
	    world->sandbox, alice, world->account_id, "Signed and delivered?");
	event = tw_test_runner_wait_event(runner, "message", "who", "alice_c",
					  WAIT_MS);
	g_assert_nonnull(event);
	g_assert_cmpstr(member(event, "text"), ==, "Signed and delivered?");

	tw_test_runner_send(runner, "{\"cmd\":\"send\",\"account\":\"" ACCOUNT
				    "\",\"to\":\"alice_c\",\"text\":\"Yes, "
				    "with HMAC-SHA1 & a nonce\"}");
	g_assert_true(wait_for_request(world, "POST", send_path, 1));
	sends = requests_to(world, "POST", send_path);
	g_assert_cmpuint(((TwSandboxRequest *)sends->pdata[0])->status, ==,
			 201);
	g_assert_cmpstr(((TwSandboxRequest *)sends->pdata[0])->user_id, ==,
			world->account_id);
	g_assert_true(contains(((TwSandboxRequest *)sends->pdata[0])->body,
			       "with HMAC-SHA1 & a nonce"));

	/* Every call was signed and verified; none used OAuth 2.0. */
	all = tw_sandbox_dup_requests(world->sandbox);
	for (guint i = 0; i < all->len; i++) {
		TwSandboxRequest *request = all->pdata[i];

		g_assert_false(g_str_has_prefix(request->path, "/2/oauth2/"));
		g_assert_cmpuint(request->status, !=, 401);
		if (g_str_has_prefix(request->path, "/2/"))
			g_assert_cmpstr(request->user_id, ==,
					world->account_id);
	}
	g_assert_false(contains(tw_test_runner_get_stderr(runner), secret));
	g_assert_cmpuint(
	    tw_test_runner_count_events(runner, "connection-error", NULL, NULL),
	    ==, 0);
	g_assert_cmpint(tw_test_runner_quit(runner), ==, 0);
}

static void
test_oauth1_wrong_secret_is_fatal(World *world, gconstpointer data)
{
	g_autofree char *secret = NULL;
	g_autofree char *token = tw_sandbox_issue_oauth1_token(
	    world->sandbox, world->account_id, CONSUMER_KEY, &secret);
	g_autofree char *token_option =
	    g_strconcat(TW_OPTION_ACCESS_TOKEN "=", token, NULL);
	const char *const extra[] = {
	    "--option", TW_OPTION_AUTH_METHOD "=" TW_AUTH_METHOD_OAUTH1,
	    "--option", TW_OPTION_CONSUMER_KEY "=" CONSUMER_KEY,
	    "--option", TW_OPTION_CONSUMER_SECRET "=" CONSUMER_SECRET,
	    "--option", token_option,
	    NULL,
	};
	TwTestRunner *runner =
	    start_runner(world, "not-the-token-secret", extra);
	JsonObject *error = tw_test_runner_wait_event(
	    runner, "connection-error", NULL, NULL, WAIT_MS);

	g_assert_nonnull(error);
	g_assert_cmpstr(member(error, "reason"), ==, "authentication-failed");
	g_assert_true(json_object_get_boolean_member(error, "fatal"));
	g_assert_true(
	    contains(member(error, "description"), "OAuth 1.0a access token"));
	/* No reconnect loop. */
	tw_test_wait_for(NULL, 1500);
	g_assert_cmpuint(tw_test_runner_count_events(
			     runner, "reconnect-scheduled", NULL, NULL),
			 ==, 0);
	g_assert_cmpint(tw_test_runner_quit(runner), ==, 0);
}

static void
test_oauth1_pin_flow(World *world, gconstpointer data)
{
	const char *const extra[] = {
	    "--option", TW_OPTION_AUTH_METHOD "=" TW_AUTH_METHOD_OAUTH1,
	    "--option", TW_OPTION_CONSUMER_KEY "=" CONSUMER_KEY,
	    "--option", TW_OPTION_CONSUMER_SECRET "=" CONSUMER_SECRET,
	    NULL,
	};
	TwTestRunner *runner = start_runner(world, NULL, extra);
	JsonObject *prompt = wait_prompt(runner);
	g_autofree char *url = prompt_url(prompt);
	g_autofree char *expected_prefix =
	    g_strconcat(tw_sandbox_get_base_url(world->sandbox),
			"/oauth/authorize?oauth_token=", NULL);
	g_autoptr(Page) page = NULL;
	g_autoptr(GRegex) pin_regex =
	    g_regex_new("<code>([0-9]+)</code>", 0, 0, NULL);
	g_autoptr(GMatchInfo) match = NULL;
	g_autofree char *pin = NULL;
	g_autofree char *new_url = NULL;
	TwSandboxCounters counters;

	g_assert_true(g_str_has_prefix(url, expected_prefix));
	g_assert_true(contains(member(prompt, "secondary"), "PIN"));

	/* Not a PIN at all: asked again, same link. */
	answer(runner, prompt, "my pin?");
	prompt = wait_prompt(runner);
	g_assert_true(contains(member(prompt, "secondary"), "not a PIN"));
	new_url = prompt_url(prompt);
	g_assert_cmpstr(new_url, ==, url);

	/* A wrong PIN: X refuses it, and the request token is spent, so the
	 * user gets a new link. */
	answer(runner, prompt, "1234");
	prompt = wait_prompt(runner);
	g_assert_true(
	    contains(member(prompt, "secondary"), "did not accept the PIN"));
	g_free(new_url);
	new_url = prompt_url(prompt);
	g_assert_cmpstr(new_url, !=, url);

	page = browse(world, "GET", new_url, NULL, NULL);
	g_assert_cmpuint(page->status, ==, 200);
	g_assert_true(g_regex_match(pin_regex, page->body, 0, &match));
	pin = g_match_info_fetch(match, 1);
	answer(runner, prompt, pin);
	assert_signed_on(runner);
	tw_sandbox_get_counters(world->sandbox, &counters);
	g_assert_cmpuint(counters.authorizations, ==, 1);
	g_assert_cmpint(tw_test_runner_quit(runner), ==, 0);

	/* The token and its secret were kept: no PIN next time. */
	runner = start_runner(world, NULL, extra);
	assert_signed_on(runner);
	g_assert_cmpuint(
	    tw_test_runner_count_events(runner, "request-input", NULL, NULL),
	    ==, 0);
	g_assert_cmpuint(tw_sandbox_count_requests(world->sandbox, "POST",
						   "/oauth/request_token"),
			 ==, 2);
	g_assert_cmpint(tw_test_runner_quit(runner), ==, 0);
}

int
main(int argc, char **argv)
{
	TwSandboxConfig short_tokens;

	g_test_init(&argc, &argv, NULL);
	tw_test_loop_install();
#define ADD(path, func)                                                        \
	g_test_add(path, World, NULL, world_set_up, func, world_tear_down)
	ADD("/auth-flow/sandbox/pkce", test_sandbox_checks_pkce);
	ADD("/auth-flow/sandbox/signatures", test_sandbox_checks_signatures);
	ADD("/auth-flow/sandbox/control", test_sandbox_control);
	ADD("/auth-flow/pkce/listener", test_pkce_with_listener);
	ADD("/auth-flow/pkce/pasted-url", test_pkce_with_pasted_url);
	ADD("/auth-flow/pkce/wrong-state", test_wrong_state_refused);
	ADD("/auth-flow/pkce/expired-code", test_expired_code_retries);
	ADD("/auth-flow/pkce/access-denied", test_access_denied);
	ADD("/auth-flow/pkce/cancelled", test_cancelled_prompt);
	ADD("/auth-flow/revoke-on-removal", test_revoke_on_removal);
	ADD("/auth-flow/disconnect-keeps-tokens", test_disconnect_keeps_tokens);
	tw_sandbox_config_init(&short_tokens);
	short_tokens.access_token_lifetime = short_token_lifetime();
	/* Polls once a second. */
	short_tokens.rate_window_seconds = 15;
	short_tokens.dm_read_limit = 15;
	g_test_add("/auth-flow/lost-rotation-answer", World, &short_tokens,
		   world_set_up, test_lost_rotation_answer, world_tear_down);
	ADD("/auth-flow/refused-token-asks-again",
	    test_refused_token_asks_again);
	ADD("/auth-flow/oauth1/dm-round-trip", test_oauth1_dm_round_trip);
	ADD("/auth-flow/oauth1/wrong-secret",
	    test_oauth1_wrong_secret_is_fatal);
	ADD("/auth-flow/oauth1/pin", test_oauth1_pin_flow);
#undef ADD
	return g_test_run();
}
