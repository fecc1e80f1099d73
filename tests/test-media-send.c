/*
 * Photos sent as DMs, through the headless runner's "file" (libpurple's
 * imgstore and <IMG ID>, as Pidgin's editor sends them) against the
 * in-process sandbox: the one-shot upload, then one DM that carries its
 * media id; exactly once across a crash and a lost answer, without a
 * second upload; refused before upload when X would refuse it; and what
 * an account authorized without media.write is told.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <glib.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <string.h>

#include "tw-test-loop.h"
#include "tw-test-world.h"

#define WAIT_MS     TW_TEST_WAIT_MS
#define UPLOAD      "/2/media/upload"
#define PHOTO_BYTES (2 * 1024 * 1024)
/* Above X's 5 MB for a photo. */
#define TOO_BIG_BYTES (6 * 1024 * 1024)

typedef struct {
	TwTestWorld world;
	char *customer;
	char *path; /* the DM POST to the customer */
	char *directory;
} Send;

static gboolean
under_valgrind(void)
{
	return g_strcmp0(g_getenv("TW_TEST_UNDER_VALGRIND"), "1") == 0;
}

static void
set_up_with(Send *send, const char *granted_scopes)
{
	TwSandboxConfig config;

	tw_sandbox_config_init(&config);
	config.rate_window_seconds = 15;
	config.granted_scopes = granted_scopes;
	tw_test_world_set_up(&send->world, &config);
	send->customer =
	    tw_sandbox_add_user(send->world.sandbox, "alice_c", "Alice");
	send->path = g_strdup_printf("/2/dm_conversations/with/%s/messages",
				     send->customer);
	send->directory = g_dir_make_tmp("twdm-media-send-XXXXXX", NULL);
	g_assert_nonnull(send->directory);
}

static void
send_set_up(Send *send, gconstpointer data)
{
	set_up_with(send, data);
}

static void
send_tear_down(Send *send, gconstpointer data)
{
	tw_test_remove_tree(send->directory);
	g_free(send->directory);
	g_free(send->path);
	g_free(send->customer);
	tw_test_world_tear_down(&send->world);
}

/* A file that starts as a @width x @height PNG and is @size bytes long:
 * the plugin and X tell a photo by its first bytes. */
static char *
write_image(Send *send, const char *name, const char *magic, gsize magic_length,
	    gsize size)
{
	g_autofree guint8 *bytes = g_malloc0(size);
	char *path = g_build_filename(send->directory, name, NULL);

	memcpy(bytes, magic, magic_length);
	g_assert_true(
	    g_file_set_contents(path, (const char *)bytes, (gssize)size, NULL));
	return path;
}

static char *
write_png(Send *send, gsize size)
{
	static const char header[] = "\x89PNG\r\n\x1a\n"
				     "\0\0\0\rIHDR"
				     "\0\0\x04\xb0"  /* 1200 wide */
				     "\0\0\x03\x84"; /* 900 high */

	return write_image(send, "label.png", header, sizeof header - 1, size);
}

static TwTestRunner *
start(Send *send)
{
	TwTestRunner *runner = tw_test_world_start_runner(
	    &send->world, send->world.refresh_token, NULL, "--option",
	    "first-contact=allow", NULL);

	tw_test_assert_signed_on(runner);
	return runner;
}

static void
send_file(TwTestRunner *runner, const char *to, const char *text,
	  const char *file)
{
	tw_test_send_file_command(runner, "send", "to", to, text, file);
}

static guint
count(Send *send, const char *path)
{
	return tw_sandbox_count_requests(send->world.sandbox, "POST", path);
}

/* The bodies of the POSTs to @path X accepted, in order. */
static GPtrArray *
accepted_bodies_at(Send *send, const char *path)
{
	g_autoptr(GPtrArray) requests =
	    tw_sandbox_dup_requests(send->world.sandbox);
	GPtrArray *bodies =
	    g_ptr_array_new_with_free_func((GDestroyNotify)json_object_unref);

	for (guint i = 0; i < requests->len; i++) {
		TwSandboxRequest *request = requests->pdata[i];
		g_autoptr(JsonParser) parser = json_parser_new();

		if (g_strcmp0(request->method, "POST") != 0 ||
		    g_strcmp0(request->path, path) != 0 ||
		    request->status != 201)
			continue;
		g_assert_true(json_parser_load_from_data(parser, request->body,
							 -1, NULL));
		g_ptr_array_add(bodies, json_object_ref(json_node_get_object(
					    json_parser_get_root(parser))));
	}
	return bodies;
}

/* The bodies of the DM POSTs to the customer X accepted, in order. */
static GPtrArray *
accepted_bodies(Send *send)
{
	return accepted_bodies_at(send, send->path);
}

static const char *
attachment_media_id(JsonObject *body)
{
	JsonArray *attachments =
	    json_object_get_array_member(body, "attachments");

	g_assert_cmpuint(json_array_get_length(attachments), ==, 1);
	return json_object_get_string_member(
	    json_array_get_object_element(attachments, 0), "media_id");
}

/* The plugin's copies of attachments still waiting in the outbox. */
static guint
waiting_copies(Send *send)
{
	g_autofree char *directory = g_build_filename(
	    send->world.user_dir, "twdm", TW_TEST_ACCOUNT ".attachments", NULL);
	g_autoptr(GDir) dir = g_dir_open(directory, 0, NULL);
	guint copies = 0;

	while (dir != NULL && g_dir_read_name(dir) != NULL)
		copies++;
	return copies;
}

static void
assert_no_error_lines(TwTestRunner *runner)
{
	g_assert_cmpuint(tw_test_count_messages_with_flag(runner, "error"), ==,
			 0);
}

static void
test_photo_is_uploaded_then_sent_once(Send *send, gconstpointer data)
{
	g_autofree char *file = write_png(send, PHOTO_BYTES);
	TwTestRunner *runner = start(send);
	g_autoptr(GPtrArray) bodies = NULL;
	g_autoptr(GPtrArray) requests = NULL;
	TwSandboxCounters counters;
	gint64 started = g_get_monotonic_time();
	guint upload_at = G_MAXUINT, post_at = G_MAXUINT;

	send_file(runner, "alice_c", "Here is the label", file);
	tw_test_wait_requests(&send->world, "POST", send->path, 1);
	g_test_message("2 MB photo: upload and DM POST done in %.0f ms",
		       (g_get_monotonic_time() - started) / 1000.0);
	tw_test_let_it_run(1500);

	g_assert_cmpuint(count(send, UPLOAD), ==, 1);
	g_assert_cmpuint(count(send, send->path), ==, 1);
	tw_sandbox_get_counters(send->world.sandbox, &counters);
	g_assert_cmpuint(counters.uploads, ==, 1);
	g_assert_cmpuint(counters.sends, ==, 1);
	/* The upload comes first, with X's DM category. */
	requests = tw_sandbox_dup_requests(send->world.sandbox);
	for (guint i = 0; i < requests->len; i++) {
		TwSandboxRequest *request = requests->pdata[i];

		if (g_strcmp0(request->path, UPLOAD) == 0) {
			upload_at = i;
			g_assert_cmpuint(request->status, ==, 200);
			g_assert_nonnull(strstr(request->body,
						"\"media_category\":"
						"\"dm_image\""));
		} else if (g_strcmp0(request->path, send->path) == 0) {
			post_at = i;
		}
	}
	g_assert_cmpuint(upload_at, <, post_at);
	/* One DM: the text typed with the photo, and the photo's id, which
	 * the sandbox accepts only from this account's upload. */
	bodies = accepted_bodies(send);
	g_assert_cmpuint(bodies->len, ==, 1);
	g_assert_cmpstr(json_object_get_string_member(bodies->pdata[0], "text"),
			==, "Here is the label");
	g_assert_nonnull(attachment_media_id(bodies->pdata[0]));
	/* Sent: the plugin's copy is gone. */
	g_assert_cmpuint(waiting_copies(send), ==, 0);
	assert_no_error_lines(runner);
	g_assert_cmpint(tw_test_runner_quit(runner), ==, 0);
}

static void
test_photo_alone_has_no_text(Send *send, gconstpointer data)
{
	g_autofree char *file = write_png(send, 4096);
	TwTestRunner *runner = start(send);
	g_autoptr(GPtrArray) bodies = NULL;

	send_file(runner, "alice_c", NULL, file);
	tw_test_wait_requests(&send->world, "POST", send->path, 1);
	bodies = accepted_bodies(send);
	g_assert_cmpuint(bodies->len, ==, 1);
	g_assert_false(json_object_has_member(bodies->pdata[0], "text"));
	g_assert_nonnull(attachment_media_id(bodies->pdata[0]));
	g_assert_cmpint(tw_test_runner_quit(runner), ==, 0);
}

static void
test_crash_between_upload_and_post(Send *send, gconstpointer data)
{
	g_autofree char *file = write_png(send, PHOTO_BYTES);
	TwSandboxFault slow = {0};
	TwTestRunner *runner = start(send);
	g_autoptr(GPtrArray) bodies = NULL;

	/* X takes the DM, but its answer never reaches the plugin. */
	slow.kind = TW_SANDBOX_FAULT_DELAY;
	slow.method = "POST";
	slow.path_prefix = send->path;
	slow.count = 1;
	slow.delay_ms = 30000;
	tw_sandbox_add_fault(send->world.sandbox, &slow);
	send_file(runner, "alice_c", "Label attached", file);
	tw_test_wait_requests(&send->world, "POST", send->path, 1);
	tw_test_runner_kill(runner);
	tw_test_runner_free(runner);
	/* Between the crash and the restart the UI's image is gone: only
	 * the plugin's copy and the media id on record remain. */
	g_assert_cmpint(g_unlink(file), ==, 0);

	runner = start(send);
	tw_test_let_it_run(under_valgrind() ? 10000 : 3000);
	/* Found in the conversation by its media key: neither uploaded nor
	 * posted again. */
	g_assert_cmpuint(count(send, UPLOAD), ==, 1);
	g_assert_cmpuint(count(send, send->path), ==, 1);
	g_assert_cmpuint(waiting_copies(send), ==, 0);
	assert_no_error_lines(runner);
	g_assert_cmpuint(
	    tw_test_count_messages_with_flag(runner, "remote-send"), ==, 0);
	g_assert_cmpint(tw_test_runner_quit(runner), ==, 0);
}

static void
test_lost_post_reuses_the_upload(Send *send, gconstpointer data)
{
	g_autofree char *file = write_png(send, PHOTO_BYTES);
	TwSandboxFault reset = {0};
	TwTestRunner *runner = start(send);
	g_autoptr(GPtrArray) bodies = NULL;

	/* The first DM POST never reaches X. */
	reset.kind = TW_SANDBOX_FAULT_STATUS;
	reset.status = 503;
	reset.method = "POST";
	reset.path_prefix = send->path;
	reset.count = 1;
	tw_sandbox_add_fault(send->world.sandbox, &reset);
	send_file(runner, "alice_c", "Second try", file);
	tw_test_wait_requests(&send->world, "POST", send->path, 2);
	tw_test_let_it_run(1500);
	g_assert_cmpuint(count(send, UPLOAD), ==, 1);
	g_assert_cmpuint(count(send, send->path), ==, 2);
	bodies = accepted_bodies(send);
	g_assert_cmpuint(bodies->len, ==, 1);
	g_assert_cmpuint(waiting_copies(send), ==, 0);
	g_assert_cmpint(tw_test_runner_quit(runner), ==, 0);
}

/* The first line shown that contains @needle. */
static JsonObject *
wait_refusal(TwTestRunner *runner, const char *needle)
{
	for (guint waited = 0; waited < WAIT_MS; waited += 100) {
		GPtrArray *events = tw_test_runner_get_events(runner);

		for (guint i = 0; i < events->len; i++) {
			JsonObject *event = events->pdata[i];
			const char *plain =
			    json_object_get_string_member_with_default(
				event, "plain", "");

			if (strstr(plain, needle) != NULL)
				return json_object_ref(event);
		}
		tw_test_let_it_run(100);
	}
	g_error("no line with \"%s\":\n%s", needle,
		tw_test_runner_get_stderr(runner));
}

static void
test_refused_before_upload(Send *send, gconstpointer data)
{
	g_autofree char *big = write_png(send, TOO_BIG_BYTES);
	g_autofree char *gif =
	    write_image(send, "dance.gif", "GIF89a", 6, 1024);
	g_autofree char *text = write_image(send, "notes.txt", "notes", 5, 64);
	TwTestRunner *runner = start(send);
	g_autoptr(JsonObject) too_big = NULL;
	g_autoptr(JsonObject) animated = NULL;
	g_autoptr(JsonObject) other = NULL;
	g_autoptr(GPtrArray) bodies = NULL;

	send_file(runner, "alice_c", NULL, big);
	too_big = wait_refusal(runner, "X takes photos of up to 5 MB");
	g_assert_nonnull(
	    strstr(json_object_get_string_member(too_big, "plain"), "6.0 MB"));
	send_file(runner, "alice_c", NULL, gif);
	animated = wait_refusal(runner, "GIFs and videos cannot be sent");
	/* The text typed with a refused file still goes, alone. */
	send_file(runner, "alice_c", "Notes below", text);
	other = wait_refusal(runner, "Only JPEG, PNG and WebP photos");
	tw_test_wait_requests(&send->world, "POST", send->path, 1);
	tw_test_let_it_run(1000);
	g_assert_cmpuint(count(send, UPLOAD), ==, 0);
	bodies = accepted_bodies(send);
	g_assert_cmpuint(bodies->len, ==, 1);
	g_assert_cmpstr(json_object_get_string_member(bodies->pdata[0], "text"),
			==, "Notes below");
	g_assert_false(json_object_has_member(bodies->pdata[0], "attachments"));
	g_assert_cmpuint(waiting_copies(send), ==, 0);
	g_assert_cmpint(tw_test_runner_quit(runner), ==, 0);
}

static void
test_without_media_write(Send *send, gconstpointer data)
{
	g_autofree char *file = write_png(send, 4096);
	TwTestRunner *runner = start(send);
	g_autoptr(JsonObject) told = NULL;

	send_file(runner, "alice_c", "Photo", file);
	told = wait_refusal(runner, "media.write");
	g_assert_nonnull(strstr(json_object_get_string_member(told, "plain"),
				"Authorize the app again"));
	g_assert_cmpuint(count(send, UPLOAD), ==, 1);
	g_assert_cmpuint(count(send, send->path), ==, 0);
	g_assert_cmpuint(waiting_copies(send), ==, 0);
	g_assert_cmpint(tw_test_runner_quit(runner), ==, 0);
}

/* In a group chat as in an IM; a photo cannot start a group (X creates
 * one with a text message), and the user is told so. */
static void
test_group_photo(Send *send, gconstpointer data)
{
	g_autofree char *file = write_png(send, 4096);
	g_autofree char *bob =
	    tw_sandbox_add_user(send->world.sandbox, "bob_buyer", "Bob");
	g_autoptr(GPtrArray) participants = g_ptr_array_new();
	g_autoptr(GPtrArray) bodies = NULL;
	g_autoptr(JsonObject) told = NULL;
	g_autofree char *group = NULL;
	g_autofree char *path = NULL;
	TwTestRunner *runner = start(send);

	g_ptr_array_add(participants, send->world.account_id);
	g_ptr_array_add(participants, send->customer);
	group = tw_sandbox_create_group(send->world.sandbox, bob, participants,
					"Our order");
	g_assert_nonnull(tw_test_runner_wait_event(
	    runner, "chat-joined", "conversation", group, WAIT_MS));
	path = g_strdup_printf("/2/dm_conversations/%s/messages", group);
	tw_test_send_file_command(runner, "chat-send", "conversation", group,
				  "For both", file);
	tw_test_wait_requests(&send->world, "POST", path, 1);
	bodies = accepted_bodies_at(send, path);
	g_assert_cmpuint(bodies->len, ==, 1);
	g_assert_cmpstr(json_object_get_string_member(bodies->pdata[0], "text"),
			==, "For both");
	g_assert_nonnull(attachment_media_id(bodies->pdata[0]));
	g_assert_cmpuint(count(send, UPLOAD), ==, 1);

	tw_test_runner_send(
	    runner, "{\"cmd\":\"join-chat\",\"account\":\"" TW_TEST_ACCOUNT
		    "\",\"components\":{\"participants\":\"alice_c, "
		    "bob_buyer\"}}");
	g_assert_nonnull(
	    tw_test_runner_wait_event(runner, "chat-joined", "conversation",
				      "new:alice_c,bob_buyer", WAIT_MS));
	tw_test_send_file_command(runner, "chat-send", "conversation",
				  "new:alice_c,bob_buyer", "New group", file);
	told = wait_refusal(runner, "A photo cannot start a group");
	tw_test_wait_requests(&send->world, "POST", "/2/dm_conversations", 2);
	g_assert_cmpuint(count(send, UPLOAD), ==, 1);
	g_assert_cmpint(tw_test_runner_quit(runner), ==, 0);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);

	g_test_add("/media-send/photo-uploaded-then-sent-once", Send, NULL,
		   send_set_up, test_photo_is_uploaded_then_sent_once,
		   send_tear_down);
	g_test_add("/media-send/photo-alone", Send, NULL, send_set_up,
		   test_photo_alone_has_no_text, send_tear_down);
	g_test_add("/media-send/crash-between-upload-and-post", Send, NULL,
		   send_set_up, test_crash_between_upload_and_post,
		   send_tear_down);
	g_test_add("/media-send/lost-post-reuses-upload", Send, NULL,
		   send_set_up, test_lost_post_reuses_the_upload,
		   send_tear_down);
	g_test_add("/media-send/refused-before-upload", Send, NULL, send_set_up,
		   test_refused_before_upload, send_tear_down);
	g_test_add("/media-send/group", Send, NULL, send_set_up,
		   test_group_photo, send_tear_down);
	g_test_add("/media-send/without-media-write", Send,
		   "tweet.read users.read dm.read dm.write offline.access",
		   send_set_up, test_without_media_write, send_tear_down);
	return g_test_run();
}
