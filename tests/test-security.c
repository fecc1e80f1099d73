/*
 * Security checks, each a test that fails when the property breaks:
 *
 * - with debug logging on through a whole session (sign-on, refresh,
 *   receive, send, reconnect), no access token, refresh token, client
 *   secret or OAuth 1.0a secret appears in the runner's output or in any
 *   file under the user dir but the password stores;
 * - the sandbox over HTTPS with a certificate from a private CA is refused
 *   by default, and by a ca-file of another CA, and accepted with its own
 *   CA as ca-file;
 * - a plain-http api-base to a host that is not loopback is refused;
 * - markup in DM texts and display names is shown literally;
 * - the plugin's state files are owner-only, even with umask 0.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#define _GNU_SOURCE /* memmem: the files searched may hold NUL bytes */

#include <glib.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tw-test-loop.h"
#include "tw-test-tls.h"
#include "tw-test-world.h"

#define WAIT_MS TW_TEST_WAIT_MS
/* curl reads the whole system CA store for a handshake: seconds in a
 * sanitizer build. */
#define TLS_WAIT_MS (3 * TW_TEST_WAIT_MS)

/* A confidential client: the token endpoint wants this secret. */
#define CLIENT_SECRET "twdm-security-client-secret-7Q4w9"

static gboolean
under_valgrind(void)
{
	return g_strcmp0(g_getenv("TW_TEST_UNDER_VALGRIND"), "1") == 0;
}

static const char *
member(JsonObject *event, const char *name)
{
	return json_object_get_string_member_with_default(event, name, NULL);
}

static void
world_set_up(TwTestWorld *world, gconstpointer data)
{
	tw_test_world_set_up(world, NULL);
}

static void
world_tear_down(TwTestWorld *world, gconstpointer data)
{
	tw_test_world_tear_down(world);
}

/* The runner with the support account, debug output on everywhere, and
 * the account's @password and @options (name, value, …, %NULL) in a
 * --config file outside the user dir: on the command line, secrets would
 * show in the process list and in valgrind's own output. The file goes
 * once the runner has read it. */
static TwTestRunner *
start_runner(TwTestWorld *world, const char *password, const char *api_base,
	     const char *const *options)
{
	g_autoptr(JsonBuilder) builder = json_builder_new();
	g_autoptr(JsonNode) root = NULL;
	g_autofree char *json = NULL;
	g_autofree char *config_dir = tw_test_make_user_dir();
	g_autofree char *config =
	    g_build_filename(config_dir, "accounts.json", NULL);
	const char *env[] = {"G_MESSAGES_DEBUG=all", NULL};
	const char *args[] = {"--config", config,    "--reconnect-delay",
			      "1",        "--debug", NULL};
	TwTestRunner *runner;

	json_builder_begin_object(builder);
	json_builder_set_member_name(builder, "accounts");
	json_builder_begin_array(builder);
	json_builder_begin_object(builder);
	json_builder_set_member_name(builder, "username");
	json_builder_add_string_value(builder, TW_TEST_ACCOUNT);
	json_builder_set_member_name(builder, "password");
	json_builder_add_string_value(builder, password);
	json_builder_set_member_name(builder, "options");
	json_builder_begin_object(builder);
	json_builder_set_member_name(builder, "api-base");
	json_builder_add_string_value(builder, api_base);
	for (guint i = 0; options != NULL && options[i] != NULL; i += 2) {
		json_builder_set_member_name(builder, options[i]);
		json_builder_add_string_value(builder, options[i + 1]);
	}
	json_builder_end_object(builder);
	json_builder_end_object(builder);
	json_builder_end_array(builder);
	json_builder_end_object(builder);
	root = json_builder_get_root(builder);
	json = json_to_string(root, FALSE);
	g_assert_true(g_file_set_contents_full(
	    config, json, -1, G_FILE_SET_CONTENTS_CONSISTENT, 0600, NULL));
	runner = tw_test_runner_start_with_env(world->user_dir, args, env);
	/* Printed once the configuration is read. */
	tw_test_runner_wait_event(runner, "plugin", NULL, NULL, TLS_WAIT_MS);
	tw_test_remove_tree(config_dir);
	return runner;
}

static JsonObject *
wait_received(TwTestRunner *runner, const char *plain)
{
	JsonObject *event = tw_test_runner_wait_event(runner, "message",
						      "plain", plain, WAIT_MS);

	if (event == NULL)
		g_test_message("stderr:\n%s",
			       tw_test_runner_get_stderr(runner));
	g_assert_nonnull(event);
	return event;
}

static void
reconnect(TwTestRunner *runner)
{
	tw_test_runner_send(
	    runner,
	    "{\"cmd\":\"disconnect\",\"account\":\"" TW_TEST_ACCOUNT "\"}");
	g_assert_nonnull(tw_test_runner_wait_event(runner, "signed-off", NULL,
						   NULL, WAIT_MS));
	tw_test_runner_send(
	    runner,
	    "{\"cmd\":\"connect\",\"account\":\"" TW_TEST_ACCOUNT "\"}");
	tw_test_assert_signed_on(runner);
}

/****************************************************************************
 * Secrets
 ****************************************************************************/

/* Where a secret may be: the plugin's token file and libpurple's
 * accounts.xml, the two password stores. */
static gboolean
is_password_store(const char *user_dir, const char *path)
{
	g_autofree char *token_file =
	    g_build_filename(user_dir, "twdm", TW_TEST_ACCOUNT ".token", NULL);
	g_autofree char *accounts =
	    g_build_filename(user_dir, "accounts.xml", NULL);

	return g_str_equal(path, token_file) || g_str_equal(path, accounts);
}

static guint
count_secrets_in(const char *where, const char *text, gsize length,
		 const char *const *secrets)
{
	guint found = 0;

	for (guint i = 0; secrets[i] != NULL; i++) {
		if (strlen(secrets[i]) >= 8 &&
		    memmem(text, length, secrets[i], strlen(secrets[i])) !=
			NULL) {
			g_test_message("a secret (%.6s…) is in %s", secrets[i],
				       where);
			found++;
		}
	}
	return found;
}

static guint
count_secrets_in_tree(const char *user_dir, const char *dir_path,
		      const char *const *secrets, guint *files)
{
	g_autoptr(GDir) dir = g_dir_open(dir_path, 0, NULL);
	const char *name;
	guint found = 0;

	g_assert_nonnull(dir);
	while ((name = g_dir_read_name(dir)) != NULL) {
		g_autofree char *path = g_build_filename(dir_path, name, NULL);
		g_autofree char *contents = NULL;
		gsize length = 0;

		if (g_file_test(path, G_FILE_TEST_IS_SYMLINK))
			continue;
		if (g_file_test(path, G_FILE_TEST_IS_DIR)) {
			found += count_secrets_in_tree(user_dir, path, secrets,
						       files);
			continue;
		}
		if (is_password_store(user_dir, path))
			continue;
		g_assert_true(
		    g_file_get_contents(path, &contents, &length, NULL));
		found += count_secrets_in(path, contents, length, secrets);
		(*files)++;
	}
	return found;
}

static void
assert_no_secret_leaked(TwTestWorld *world, TwTestRunner *runner,
			const char *const *extra_secrets, guint at_least)
{
	g_auto(GStrv) issued = tw_sandbox_dup_issued_secrets(world->sandbox);
	g_autoptr(GPtrArray) secrets = g_ptr_array_new();
	g_autoptr(GString) output = g_string_new(NULL);
	GPtrArray *events = tw_test_runner_get_events(runner);
	const char *errors = tw_test_runner_get_stderr(runner);
	guint files = 0;
	guint found = 0;

	for (guint i = 0; issued[i] != NULL; i++)
		g_ptr_array_add(secrets, issued[i]);
	for (guint i = 0; extra_secrets != NULL && extra_secrets[i] != NULL;
	     i++)
		g_ptr_array_add(secrets, (gpointer)extra_secrets[i]);
	g_ptr_array_add(secrets, NULL);

	for (guint i = 0; i < events->len; i++) {
		g_autoptr(JsonNode) node =
		    json_node_init_object(json_node_alloc(), events->pdata[i]);
		g_autofree char *line = json_to_string(node, FALSE);

		g_string_append(output, line);
		g_string_append_c(output, '\n');
	}
	found +=
	    count_secrets_in("the runner's stdout", output->str, output->len,
			     (const char *const *)secrets->pdata);
	found += count_secrets_in("the runner's stderr (debug output)", errors,
				  strlen(errors),
				  (const char *const *)secrets->pdata);
	found +=
	    count_secrets_in_tree(world->user_dir, world->user_dir,
				  (const char *const *)secrets->pdata, &files);
	g_test_message("%u secrets looked for in %" G_GSIZE_FORMAT
		       " bytes of stdout, %" G_GSIZE_FORMAT
		       " bytes of debug output and %u files: %u found",
		       secrets->len - 1, output->len, strlen(errors), files,
		       found);
	/* The test must have had something to find. */
	g_assert_cmpuint(secrets->len - 1, >=, at_least);
	g_assert_cmpuint(strlen(errors), >, 10000);
	g_assert_cmpuint(files, >=, 2);
	g_assert_cmpuint(found, ==, 0);
}

/* OAuth 2.0 with a client secret: sign-on, receive, send, a refresh on
 * schedule, an expired token (401, refresh), a reconnect, and more
 * traffic; then the output and the files are searched for every token
 * the sandbox ever issued. */
static void
test_no_secrets_oauth2(TwTestWorld *world, gconstpointer data)
{
	TwSandboxConfig config;
	TwSandboxCounters counters;
	TwTestRunner *runner;
	g_autofree char *alice = NULL;
	g_autofree char *first = NULL;
	g_autofree char *second = NULL;
	const char *options[] = {"client-id", TW_SANDBOX_CLIENT_ID,
				 "client-secret", CLIENT_SECRET, NULL};
	const char *secrets[] = {CLIENT_SECRET, NULL};

	tw_test_world_tear_down(world);
	tw_sandbox_config_init(&config);
	config.rate_window_seconds = 2;
	config.dm_read_limit = 20;
	config.client_secret = CLIENT_SECRET;
	/* Refreshed on schedule after three seconds. */
	config.access_token_lifetime = under_valgrind() ? 20 : 4;
	tw_test_world_set_up(world, &config);
	alice = tw_sandbox_add_user(world->sandbox, "alice_c", "Alice");

	runner = start_runner(world, world->refresh_token,
			      tw_sandbox_get_base_url(world->sandbox), options);
	tw_test_assert_signed_on(runner);
	first = tw_test_create_message(world, alice, world->account_id,
				       "first message", 0);
	wait_received(runner, "first message");
	tw_test_send_command(runner, "alice_c", "first answer");
	tw_test_wait_requests(world, "POST", "/2/dm_conversations/", 1);
	/* One refresh at sign-on, one on schedule. */
	tw_test_wait_requests(world, "POST", "/2/oauth2/token", 2);
	tw_sandbox_expire_access_tokens(world->sandbox);
	tw_test_wait_requests(world, "POST", "/2/oauth2/token", 3);
	reconnect(runner);
	second = tw_test_create_message(world, alice, world->account_id,
					"second message", 0);
	wait_received(runner, "second message");
	tw_test_send_command(runner, "alice_c", "second answer");
	tw_test_wait_requests(world, "POST", "/2/dm_conversations/", 2);
	tw_test_let_it_run(500);
	g_assert_cmpint(tw_test_runner_stop(runner), ==, 0);

	tw_sandbox_get_counters(world->sandbox, &counters);
	g_assert_cmpuint(counters.token_refreshes, >=, 4);
	/* Four refresh tokens, four access tokens and the client secret. */
	assert_no_secret_leaked(world, runner, secrets, 9);
	tw_test_runner_free(runner);
}

/* OAuth 1.0a: the consumer secret and the access token secret (the
 * password) are used to sign every request and must appear nowhere. */
static void
test_no_secrets_oauth1(TwTestWorld *world, gconstpointer data)
{
	g_autofree char *alice =
	    tw_sandbox_add_user(world->sandbox, "alice_c", "Alice");
	g_autofree char *token_secret = NULL;
	g_autofree char *access_token = NULL;
	g_autofree char *first = NULL;
	g_autofree char *second = NULL;
	const char *consumer_key = "twdm-security-consumer";
	const char *consumer_secret = "twdm-security-consumer-secret-Zx81";
	TwTestRunner *runner;

	tw_sandbox_add_consumer(world->sandbox, consumer_key, consumer_secret);
	access_token = tw_sandbox_issue_oauth1_token(
	    world->sandbox, world->account_id, consumer_key, &token_secret);
	g_assert_nonnull(access_token);
	{
		const char *options[] = {
		    "auth-method",  "oauth1",          "consumer-key",
		    consumer_key,   "consumer-secret", consumer_secret,
		    "access-token", access_token,      NULL};

		runner = start_runner(world, token_secret,
				      tw_sandbox_get_base_url(world->sandbox),
				      options);
	}
	tw_test_assert_signed_on(runner);
	first = tw_test_create_message(world, alice, world->account_id,
				       "first message", 0);
	wait_received(runner, "first message");
	tw_test_send_command(runner, "alice_c", "first answer");
	tw_test_wait_requests(world, "POST", "/2/dm_conversations/", 1);
	reconnect(runner);
	second = tw_test_create_message(world, alice, world->account_id,
					"second message", 0);
	wait_received(runner, "second message");
	tw_test_let_it_run(500);
	g_assert_cmpint(tw_test_runner_stop(runner), ==, 0);
	/* The consumer secret, the access token and its secret. */
	assert_no_secret_leaked(world, runner, NULL, 3);
	tw_test_runner_free(runner);
}

/****************************************************************************
 * TLS
 ****************************************************************************/

typedef struct {
	TwTestWorld world;
	TwTestTls tls;
	TwTestTls other_tls;
} TlsWorld;

/* The HTTPS sandbox loaded glib-networking's GnuTLS module into this
 * process (see main()). */
static gboolean tls_module_loaded;

static void
tls_world_set_up(TlsWorld *fixture, gconstpointer data)
{
	TwSandboxConfig config;
	g_autoptr(GError) error = NULL;

	if (!tw_test_tls_set_up(&fixture->tls, &error) ||
	    !tw_test_tls_set_up(&fixture->other_tls, &error)) {
		g_test_skip(error->message);
		return;
	}
	tw_sandbox_config_init(&config);
	config.rate_window_seconds = 2;
	config.dm_read_limit = 20;
	fixture->world.sandbox = tw_sandbox_new(&config);
	tls_module_loaded = TRUE;
	g_assert_true(tw_sandbox_set_tls_certificate(
	    fixture->world.sandbox, fixture->tls.cert_file,
	    fixture->tls.key_file, &error));
	g_assert_no_error(error);
	g_assert_true(tw_sandbox_start(fixture->world.sandbox, 0, &error));
	g_assert_no_error(error);
	g_assert_true(g_str_has_prefix(
	    tw_sandbox_get_base_url(fixture->world.sandbox), "https://"));
	fixture->world.account_id = tw_sandbox_add_user(
	    fixture->world.sandbox, "Acme_Support", "Acme Support");
	fixture->world.refresh_token = tw_sandbox_issue_refresh_token(
	    fixture->world.sandbox, fixture->world.account_id);
	fixture->world.user_dir = tw_test_make_user_dir();
}

static void
tls_world_tear_down(TlsWorld *fixture, gconstpointer data)
{
	if (fixture->world.sandbox != NULL)
		tw_test_world_tear_down(&fixture->world);
	tw_test_tls_tear_down(&fixture->tls);
	tw_test_tls_tear_down(&fixture->other_tls);
}

static TwTestRunner *
start_tls_runner(TlsWorld *fixture, const char *ca_file)
{
	const char *options[] = {"client-id", TW_SANDBOX_CLIENT_ID,
				 ca_file != NULL ? "ca-file" : NULL, ca_file,
				 NULL};

	return start_runner(&fixture->world, fixture->world.refresh_token,
			    tw_sandbox_get_base_url(fixture->world.sandbox),
			    options);
}

/* Refused with a certificate error, fatal (no reconnect loop), before a
 * single request (or token) reached the server. */
static void
assert_tls_refused(TlsWorld *fixture, TwTestRunner *runner)
{
	JsonObject *error = tw_test_runner_wait_event(
	    runner, "connection-error", NULL, NULL, TLS_WAIT_MS);

	g_assert_nonnull(error);
	g_test_message("refused: %s (%s)", member(error, "reason"),
		       member(error, "description"));
	g_assert_true(g_str_has_prefix(member(error, "reason"), "cert-"));
	g_assert_nonnull(strstr(member(error, "description"), "certificate"));
	g_assert_true(json_object_get_boolean_member(error, "fatal"));
	tw_test_let_it_run(under_valgrind() ? 3000 : 1500);
	g_assert_cmpuint(
	    tw_test_runner_count_events(runner, "signed-on", NULL, NULL), ==,
	    0);
	g_assert_cmpuint(
	    tw_test_runner_count_events(runner, "connecting", NULL, NULL), ==,
	    1);
	g_assert_cmpuint(
	    tw_sandbox_count_requests(fixture->world.sandbox, NULL, NULL), ==,
	    0);
}

static void
test_tls_refused_by_default(TlsWorld *fixture, gconstpointer data)
{
	TwTestRunner *runner;

	if (g_test_failed() || fixture->world.sandbox == NULL)
		return;
	runner = start_tls_runner(fixture, NULL);
	assert_tls_refused(fixture, runner);
	g_assert_cmpint(tw_test_runner_quit(runner), ==, 0);
}

static void
test_tls_refused_with_other_ca(TlsWorld *fixture, gconstpointer data)
{
	TwTestRunner *runner;

	if (fixture->world.sandbox == NULL)
		return;
	runner = start_tls_runner(fixture, fixture->other_tls.ca_file);
	assert_tls_refused(fixture, runner);
	g_assert_cmpint(tw_test_runner_quit(runner), ==, 0);
}

static void
test_tls_accepted_with_its_ca(TlsWorld *fixture, gconstpointer data)
{
	g_autofree char *alice = NULL;
	g_autofree char *id = NULL;
	TwTestRunner *runner;

	if (fixture->world.sandbox == NULL)
		return;
	alice = tw_sandbox_add_user(fixture->world.sandbox, "alice_c", "Alice");
	runner = start_tls_runner(fixture, fixture->tls.ca_file);
	g_assert_nonnull(tw_test_runner_wait_event(runner, "signed-on", NULL,
						   NULL, TLS_WAIT_MS));
	id = tw_test_create_message(&fixture->world, alice,
				    fixture->world.account_id, "over https", 0);
	wait_received(runner, "over https");
	g_assert_cmpuint(
	    tw_test_runner_count_events(runner, "connection-error", NULL, NULL),
	    ==, 0);
	g_assert_cmpint(tw_test_runner_quit(runner), ==, 0);
}

/****************************************************************************
 * Plain http
 ****************************************************************************/

/* http to anything but loopback: refused as a setting, before any
 * connection (a connection attempt would be a network error). */
static void
test_plain_http_refused(TwTestWorld *world, gconstpointer data)
{
	static const char *const bases[] = {
	    "http://192.0.2.1:8080",
	    "http://[2001:db8::1]",
	    "http://localhost.example.invalid",
	    "http://127.0.0.1.example.invalid",
	};

	for (guint i = 0; i < G_N_ELEMENTS(bases); i++) {
		const char *options[] = {"client-id", TW_SANDBOX_CLIENT_ID,
					 NULL};
		TwTestRunner *runner = start_runner(world, world->refresh_token,
						    bases[i], options);
		JsonObject *error = tw_test_runner_wait_event(
		    runner, "connection-error", NULL, NULL, WAIT_MS);

		g_assert_nonnull(error);
		g_test_message("%s: %s (%s)", bases[i], member(error, "reason"),
			       member(error, "description"));
		g_assert_cmpstr(member(error, "reason"), ==,
				"invalid-settings");
		g_assert_true(json_object_get_boolean_member(error, "fatal"));
		g_assert_cmpint(tw_test_runner_quit(runner), ==, 0);
	}
	/* The token was never sent anywhere. */
	g_assert_cmpuint(tw_sandbox_count_requests(world->sandbox, NULL, NULL),
			 ==, 0);
}

/****************************************************************************
 * Markup
 ****************************************************************************/

#define MARKUP_NAME "<b>Mallory</b> & \"Co\" <img src=x onerror=alert(1)>"

/* A buddy in the list, so that the display name becomes its server alias
 * and shows in the conversation as the sender's name. */
static void
write_buddy_list(const char *user_dir)
{
	g_autofree char *path = g_build_filename(user_dir, "blist.xml", NULL);
	const char *contents =
	    "<?xml version='1.0' encoding='UTF-8' ?>\n"
	    "<purple version='1.0'><blist><group name='Buddies'>"
	    "<contact><buddy account='" TW_TEST_ACCOUNT "' proto='prpl-twdm'>"
	    "<name>mallory</name></buddy></contact>"
	    "</group></blist><privacy/></purple>\n";

	g_assert_true(g_file_set_contents(path, contents, -1, NULL));
}

static void
test_markup_shown_literally(TwTestWorld *world, gconstpointer data)
{
	g_autofree char *mallory =
	    tw_sandbox_add_user(world->sandbox, "mallory", MARKUP_NAME);
	const struct {
		const char *text;
		const char *html;
	} cases[] = {
	    {"<b>bold?</b> <a href=\"javascript:alert(1)\">x</a>",
	     "&lt;b&gt;bold?&lt;/b&gt; &lt;a "
	     "href=&quot;javascript:alert(1)&quot;&gt;x&lt;/a&gt;"},
	    {"&lt; is not <, & stays &amp;",
	     "&amp;lt; is not &lt;, &amp; stays &amp;amp;"},
	};
	TwTestRunner *runner;
	GPtrArray *events;
	guint seen = 0;

	write_buddy_list(world->user_dir);
	runner =
	    tw_test_world_start_runner(world, world->refresh_token, NULL, NULL);
	tw_test_assert_signed_on(runner);
	for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autofree char *id = tw_test_create_message(
		    world, mallory, world->account_id, cases[i].text,
		    g_get_real_time() + i * 1000);

		g_assert_nonnull(id);
		wait_received(runner, cases[i].text);
	}
	events = tw_test_runner_get_events(runner);
	for (guint i = 0; i < events->len; i++) {
		JsonObject *event = events->pdata[i];
		const char *plain = member(event, "plain");

		if (g_strcmp0(member(event, "event"), "message") != 0)
			continue;
		if (tw_test_event_has_flag(event, "recv")) {
			g_assert_cmpuint(seen, <, G_N_ELEMENTS(cases));
			g_assert_cmpstr(member(event, "text"), ==,
					cases[seen].html);
			g_assert_cmpstr(plain, ==, cases[seen].text);
			/* The name as written: an alias is plain text, which
			 * every UI escapes when it shows it. */
			g_assert_cmpstr(member(event, "alias"), ==,
					MARKUP_NAME);
			seen++;
		} else if (plain != NULL && strstr(plain, "Mallory") != NULL) {
			/* libpurple's "is now known as" line. */
			g_test_message("system line: %s",
				       member(event, "text"));
			g_assert_nonnull(strstr(plain, MARKUP_NAME));
			g_assert_null(strstr(member(event, "text"), "<b>"));
		}
	}
	g_assert_cmpuint(seen, ==, G_N_ELEMENTS(cases));
	g_assert_cmpint(tw_test_runner_quit(runner), ==, 0);
}

/****************************************************************************
 * File modes
 ****************************************************************************/

static void
test_state_files_owner_only(TwTestWorld *world, gconstpointer data)
{
	g_autofree char *alice =
	    tw_sandbox_add_user(world->sandbox, "alice_c", "Alice");
	g_autofree char *dir = g_build_filename(world->user_dir, "twdm", NULL);
	g_autofree char *id = NULL;
	g_autoptr(GDir) listing = NULL;
	GStatBuf status;
	const char *name;
	guint files = 0;
	mode_t old_mask;
	TwTestRunner *runner;

	/* The plugin must not rely on the umask: with 0, a file created
	 * without an explicit mode would be world-readable. */
	old_mask = umask(0);
	runner =
	    tw_test_world_start_runner(world, world->refresh_token, NULL, NULL);
	umask(old_mask);
	tw_test_assert_signed_on(runner);
	id = tw_test_create_message(world, alice, world->account_id,
				    "written to the state file", 0);
	wait_received(runner, "written to the state file");
	tw_test_send_command(runner, "alice_c", "queued in the state file");
	tw_test_wait_requests(world, "POST", "/2/dm_conversations/", 1);
	g_assert_cmpint(tw_test_runner_quit(runner), ==, 0);

	g_assert_cmpint(g_stat(dir, &status), ==, 0);
	g_test_message("%s: %04o", dir, (guint)(status.st_mode & 07777));
	g_assert_cmpuint(status.st_mode & 07777, ==, 0700);
	listing = g_dir_open(dir, 0, NULL);
	g_assert_nonnull(listing);
	while ((name = g_dir_read_name(listing)) != NULL) {
		g_autofree char *path = g_build_filename(dir, name, NULL);

		g_assert_cmpint(g_lstat(path, &status), ==, 0);
		g_test_message("%s: %04o", path,
			       (guint)(status.st_mode & 07777));
		g_assert_true(S_ISREG(status.st_mode));
		g_assert_cmpuint(status.st_mode & 07777, ==, 0600);
		files++;
	}
	/* The token file and the state file, no leftover temporary file. */
	g_assert_cmpuint(files, ==, 2);
}

int
main(int argc, char **argv)
{
	int status;

	g_test_init(&argc, &argv, NULL);
	tw_test_loop_install();
#define ADD(path, func)                                                        \
	g_test_add(path, TwTestWorld, NULL, world_set_up, func, world_tear_down)
#define ADD_TLS(path, func)                                                    \
	g_test_add(path, TlsWorld, NULL, tls_world_set_up, func,               \
		   tls_world_tear_down)
	ADD("/security/secrets/oauth2-session", test_no_secrets_oauth2);
	ADD("/security/secrets/oauth1-session", test_no_secrets_oauth1);
	ADD_TLS("/security/tls/refused-by-default",
		test_tls_refused_by_default);
	ADD_TLS("/security/tls/refused-with-another-ca",
		test_tls_refused_with_other_ca);
	ADD_TLS("/security/tls/accepted-with-its-ca",
		test_tls_accepted_with_its_ca);
	ADD("/security/plain-http-to-other-hosts-refused",
	    test_plain_http_refused);
	ADD("/security/markup-shown-literally", test_markup_shown_literally);
	ADD("/security/state-files-owner-only", test_state_files_owner_only);
#undef ADD
#undef ADD_TLS
	status = g_test_run();
	/* LeakSanitizer's exit-time check crashes on the dynamic TLS that
	 * the GnuTLS module leaves in GLib's worker threads ("Tracer caught
	 * signal 11"; glibc 2.36 with the sanitizers of GCC 12 and clang
	 * 14), and use_tls=0 reports GLib's thread caches as leaks instead.
	 * This process only hosts the sandbox; the plugin runs in the runner,
	 * whose memory the valgrind setup checks. */
	if (tls_module_loaded) {
		fflush(stdout);
		fflush(stderr);
		_exit(status);
	}
	return status;
}
