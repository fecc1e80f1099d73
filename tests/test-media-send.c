/*
 * Photos, GIFs and videos sent as DMs, through the headless runner's
 * "file" (libpurple's imgstore and <IMG ID>, as Pidgin's editor sends
 * them) and its "send-file" (Send File, as Pidgin's menu, Finch and
 * bitlbee's DCC do) against the in-process sandbox: the one-shot upload
 * of a photo, the chunked one of a GIF or video (initialize, a segment
 * per append, finalize, the processing status), then one DM that carries
 * its media id; exactly once across a crash and a lost answer, without a
 * second upload; a failed segment sent again alone; refused before upload
 * when X would refuse it; X's processing failure told; the first-contact
 * question for a file; and what an account authorized without
 * media.write is told.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <glib.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <string.h>
#include <unistd.h>

#include "tw-test-loop.h"
#include "tw-test-world.h"

#define WAIT_MS     TW_TEST_WAIT_MS
#define UPLOAD      "/2/media/upload"
#define INITIALIZE  "/2/media/upload/initialize"
#define PHOTO_BYTES (2 * 1024 * 1024)
#define VIDEO_BYTES (10 * 1024 * 1024)
/* The plugin's segment: a 10 MB video goes in ten appends. */
#define SEGMENT_BYTES (1024 * 1024)
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
set_up_with(Send *send, const char *granted_scopes,
	    const char *processing_error)
{
	TwSandboxConfig config;

	tw_sandbox_config_init(&config);
	config.rate_window_seconds = 15;
	config.granted_scopes = granted_scopes;
	config.processing_error = processing_error;
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
	set_up_with(send, data, NULL);
}

/* X cannot process what it is sent: @data is its reason. */
static void
send_set_up_failing(Send *send, gconstpointer data)
{
	set_up_with(send, NULL, data);
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

/* An MP4 of @size bytes, as X and the plugin tell one: a "ftyp" box. */
static char *
write_mp4(Send *send, const char *name, gsize size)
{
	return write_image(send, name,
			   "\0\0\0\x18"
			   "ftypmp42",
			   12, size);
}

/* A file of @size that takes no room: for sizes above X's limits. */
static char *
write_sparse(Send *send, const char *name, const char *magic,
	     gsize magic_length, goffset size)
{
	char *path = write_image(send, name, magic, magic_length, magic_length);

	g_assert_cmpint(truncate(path, size), ==, 0);
	return path;
}

static TwTestRunner *
start_with_rule(Send *send, const char *first_contact)
{
	g_autofree char *option =
	    g_strconcat("first-contact=", first_contact, NULL);
	TwTestRunner *runner =
	    tw_test_world_start_runner(&send->world, send->world.refresh_token,
				       NULL, "--option", option, NULL);

	tw_test_assert_signed_on(runner);
	return runner;
}

static TwTestRunner *
start(Send *send)
{
	return start_with_rule(send, "allow");
}

/* Send File, as Pidgin's conversation menu does. */
static void
send_transfer(TwTestRunner *runner, const char *to, const char *file)
{
	tw_test_send_file_command(runner, "send-file", "to", to, NULL, file);
}

static void
send_file(TwTestRunner *runner, const char *to, const char *text,
	  const char *file)
{
	tw_test_send_file_command(runner, "send", "to", to, text, file);
}

/* POSTs to paths that start with @path. */
static guint
count(Send *send, const char *path)
{
	return tw_sandbox_count_requests(send->world.sandbox, "POST", path);
}

/* Whether @request is the upload step @step: "" the one-shot POST,
 * "STATUS" a status read, else a chunked step by its path's end
 * ("/append", "/finalize"). */
static gboolean
is_upload_step(const TwSandboxRequest *request, const char *step)
{
	if (*step == '\0')
		return g_strcmp0(request->method, "POST") == 0 &&
		       g_strcmp0(request->path, UPLOAD) == 0;
	if (g_str_equal(step, "STATUS"))
		return g_strcmp0(request->method, "GET") == 0 &&
		       g_strcmp0(request->path, UPLOAD) == 0;
	return g_str_has_prefix(request->path, UPLOAD "/") &&
	       g_str_has_suffix(request->path, step);
}

static guint
count_step(Send *send, const char *step)
{
	g_autoptr(GPtrArray) requests =
	    tw_sandbox_dup_requests(send->world.sandbox);
	guint found = 0;

	for (guint i = 0; i < requests->len; i++)
		found += is_upload_step(requests->pdata[i], step);
	return found;
}

/* The bodies of the POSTs to @path X accepted (2xx), in order. */
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
		    request->status / 100 != 2)
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

/* X takes the next DM, but its answer never reaches the plugin. */
static void
lose_post_answer(Send *send)
{
	TwSandboxFault slow = {0};

	slow.kind = TW_SANDBOX_FAULT_DELAY;
	slow.method = "POST";
	slow.path_prefix = send->path;
	slow.count = 1;
	slow.delay_ms = 30000;
	tw_sandbox_add_fault(send->world.sandbox, &slow);
}

/* Once the DM POST is made: a crash, the user's @file gone (only the
 * plugin's copy and the media id on record remain), a restart, and
 * time for the restart to check. Returns: (transfer full) the new
 * runner */
static TwTestRunner *
crash_after_post(Send *send, TwTestRunner *runner, const char *file)
{
	tw_test_wait_requests(&send->world, "POST", send->path, 1);
	tw_test_runner_kill(runner);
	tw_test_runner_free(runner);
	g_assert_cmpint(g_unlink(file), ==, 0);
	runner = start(send);
	tw_test_let_it_run(under_valgrind() ? 10000 : 3000);
	return runner;
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
	TwTestRunner *runner = start(send);
	g_autoptr(GPtrArray) bodies = NULL;

	lose_post_answer(send);
	send_file(runner, "alice_c", "Label attached", file);
	runner = crash_after_post(send, runner, file);
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
	    write_sparse(send, "dance.gif", "GIF89a", 6, 16 * 1024 * 1024);
	g_autofree char *video = write_sparse(send, "long.mp4",
					      "\0\0\0\x18"
					      "ftypmp42",
					      12, (goffset)600 * 1024 * 1024);
	g_autofree char *text = write_image(send, "notes.txt", "notes", 5, 64);
	TwTestRunner *runner = start(send);
	g_autoptr(JsonObject) too_big = NULL;
	g_autoptr(JsonObject) animated = NULL;
	JsonObject *long_video;
	g_autoptr(JsonObject) other = NULL;
	g_autoptr(GPtrArray) bodies = NULL;

	send_file(runner, "alice_c", NULL, big);
	too_big = wait_refusal(runner, "X takes photos of up to 5 MB");
	g_assert_nonnull(
	    strstr(json_object_get_string_member(too_big, "plain"), "6.0 MB"));
	send_file(runner, "alice_c", NULL, gif);
	animated = wait_refusal(runner, "X takes GIFs of up to 15 MB");
	/* Send File is refused at once, with the same words. */
	send_transfer(runner, "alice_c", video);
	long_video = tw_test_runner_wait_event(
	    runner, "notify", "secondary",
	    "The video is 600.0 MB; X takes videos of up to 512 MB.", WAIT_MS);
	g_assert_nonnull(long_video);
	g_assert_cmpstr(json_object_get_string_member(long_video, "type"), ==,
			"error");
	/* The text typed with a refused file still goes, alone. */
	send_file(runner, "alice_c", "Notes below", text);
	other = wait_refusal(runner, "Only JPEG, PNG and WebP photos");
	tw_test_wait_requests(&send->world, "POST", send->path, 1);
	tw_test_let_it_run(1000);
	g_assert_cmpuint(count(send, UPLOAD), ==, 0);
	g_assert_cmpuint(count(send, INITIALIZE), ==, 0);
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

/* The index in the sandbox's log of the first request to a path that
 * starts with @prefix, of the last one, and of the DM POST. */
static void
assert_uploaded_before_post(Send *send)
{
	g_autoptr(GPtrArray) requests =
	    tw_sandbox_dup_requests(send->world.sandbox);
	guint last_upload = 0, post = G_MAXUINT;

	for (guint i = 0; i < requests->len; i++) {
		TwSandboxRequest *request = requests->pdata[i];

		if (g_str_has_prefix(request->path, UPLOAD))
			last_upload = i;
		else if (g_strcmp0(request->path, send->path) == 0 &&
			 post == G_MAXUINT)
			post = i;
	}
	g_assert_cmpuint(post, !=, G_MAXUINT);
	g_assert_cmpuint(last_upload, <, post);
}

/* The body X got at initialize: what the plugin said the file is. */
static JsonObject *
initialize_body(Send *send)
{
	g_autoptr(GPtrArray) bodies = accepted_bodies_at(send, INITIALIZE);

	return bodies->len > 0 ? json_object_ref(bodies->pdata[0]) : NULL;
}

/* A 10 MB video through Send File: initialize with its size and kind, ten
 * 1 MB appends, finalize, the processing status until X says it is ready,
 * and then one DM that carries it. */
static void
test_video_through_send_file(Send *send, gconstpointer data)
{
	g_autofree char *file = write_mp4(send, "unboxing.mp4", VIDEO_BYTES);
	TwTestRunner *runner = start(send);
	g_autoptr(JsonObject) initialize = NULL;
	g_autoptr(GPtrArray) bodies = NULL;
	TwSandboxCounters counters;
	guint64 peak_before = tw_test_runner_get_peak_kb(runner);
	gint64 started = g_get_monotonic_time();

	send_transfer(runner, "alice_c", file);
	tw_test_wait_requests(&send->world, "POST", send->path, 1);
	g_test_message("10 MB video: chunked upload, %u STATUS reads and DM "
		       "POST in %.0f ms; runner peak RSS %" G_GUINT64_FORMAT
		       " KiB before, %" G_GUINT64_FORMAT " KiB after",
		       count_step(send, "STATUS"),
		       (g_get_monotonic_time() - started) / 1000.0, peak_before,
		       tw_test_runner_get_peak_kb(runner));
	tw_test_let_it_run(1000);

	initialize = initialize_body(send);
	g_assert_nonnull(initialize);
	g_assert_cmpint(json_object_get_int_member(initialize, "total_bytes"),
			==, VIDEO_BYTES);
	g_assert_cmpstr(json_object_get_string_member(initialize, "media_type"),
			==, "video/mp4");
	g_assert_cmpstr(
	    json_object_get_string_member(initialize, "media_category"), ==,
	    "dm_video");
	g_assert_cmpuint(count(send, INITIALIZE), ==, 1);
	g_assert_cmpuint(count_step(send, "/append"), ==,
			 VIDEO_BYTES / SEGMENT_BYTES);
	g_assert_cmpuint(count_step(send, "/finalize"), ==, 1);
	g_assert_cmpuint(count_step(send, ""), ==, 0);
	tw_sandbox_get_counters(send->world.sandbox, &counters);
	g_assert_cmpuint(counters.upload_bytes_appended, ==, VIDEO_BYTES);
	/* Not ready at finalize: the DM waited for X's word. */
	g_assert_cmpuint(counters.upload_status_checks, >=, 1);
	g_assert_cmpuint(counters.uploads, ==, 1);
	assert_uploaded_before_post(send);
	bodies = accepted_bodies(send);
	g_assert_cmpuint(bodies->len, ==, 1);
	g_assert_false(json_object_has_member(bodies->pdata[0], "text"));
	g_assert_nonnull(attachment_media_id(bodies->pdata[0]));
	g_assert_cmpuint(waiting_copies(send), ==, 0);
	assert_no_error_lines(runner);
	/* The user's own file is left alone. */
	g_assert_true(g_file_test(file, G_FILE_TEST_EXISTS));
	g_assert_cmpint(tw_test_runner_quit(runner), ==, 0);
}

/* A GIF typed into Pidgin's editor goes the chunked way, as dm_gif, with
 * the text typed beside it. */
static void
test_gif_from_the_editor(Send *send, gconstpointer data)
{
	g_autofree char *file =
	    write_image(send, "thanks.gif", "GIF89a", 6, 3 * SEGMENT_BYTES - 7);
	TwTestRunner *runner = start(send);
	g_autoptr(JsonObject) initialize = NULL;
	g_autoptr(GPtrArray) bodies = NULL;

	send_file(runner, "alice_c", "Thank you!", file);
	tw_test_wait_requests(&send->world, "POST", send->path, 1);
	initialize = initialize_body(send);
	g_assert_nonnull(initialize);
	g_assert_cmpstr(
	    json_object_get_string_member(initialize, "media_category"), ==,
	    "dm_gif");
	g_assert_cmpstr(json_object_get_string_member(initialize, "media_type"),
			==, "image/gif");
	g_assert_cmpuint(count_step(send, "/append"), ==, 3);
	bodies = accepted_bodies(send);
	g_assert_cmpuint(bodies->len, ==, 1);
	g_assert_cmpstr(json_object_get_string_member(bodies->pdata[0], "text"),
			==, "Thank you!");
	g_assert_nonnull(attachment_media_id(bodies->pdata[0]));
	g_assert_cmpint(tw_test_runner_quit(runner), ==, 0);
}

/* The crash comes after X processed the video and took the DM, before its
 * answer: the restart finds the DM and uploads nothing again. */
static void
test_video_crash_before_post_answer(Send *send, gconstpointer data)
{
	g_autofree char *file =
	    write_mp4(send, "damage.mp4", 2 * SEGMENT_BYTES + 1);
	TwTestRunner *runner = start(send);

	lose_post_answer(send);
	send_transfer(runner, "alice_c", file);
	runner = crash_after_post(send, runner, file);
	g_assert_cmpuint(count(send, INITIALIZE), ==, 1);
	g_assert_cmpuint(count_step(send, "/append"), ==, 3);
	g_assert_cmpuint(count_step(send, "/finalize"), ==, 1);
	g_assert_cmpuint(count(send, send->path), ==, 1);
	g_assert_cmpuint(waiting_copies(send), ==, 0);
	assert_no_error_lines(runner);
	g_assert_cmpint(tw_test_runner_quit(runner), ==, 0);
}

/* A segment whose answer is lost is sent again, alone: the segments X
 * has are not, and the upload does not start over. */
static void
test_lost_segment_sent_again_alone(Send *send, gconstpointer data)
{
	g_autofree char *file =
	    write_mp4(send, "parcel.mp4", 4 * SEGMENT_BYTES);
	TwSandboxFault lost = {0};
	TwTestRunner *runner = start(send);
	TwSandboxCounters counters;

	lost.kind = TW_SANDBOX_FAULT_STATUS;
	lost.status = 503;
	lost.method = "POST";
	lost.path_prefix = UPLOAD "/";
	lost.path_suffix = "/append";
	lost.skip = 2;
	lost.count = 1;
	tw_sandbox_add_fault(send->world.sandbox, &lost);
	send_transfer(runner, "alice_c", file);
	tw_test_wait_requests(&send->world, "POST", send->path, 1);
	tw_test_let_it_run(1000);
	g_assert_cmpuint(count(send, INITIALIZE), ==, 1);
	/* four segments, the third twice */
	g_assert_cmpuint(count_step(send, "/append"), ==, 5);
	tw_sandbox_get_counters(send->world.sandbox, &counters);
	g_assert_cmpuint(counters.upload_bytes_appended, ==, 4 * SEGMENT_BYTES);
	g_assert_cmpuint(count(send, send->path), ==, 1);
	g_assert_cmpint(tw_test_runner_quit(runner), ==, 0);
}

/* X takes the upload but cannot process it: the user reads X's reason,
 * and no DM goes without its video. */
static void
test_processing_failure_told(Send *send, gconstpointer data)
{
	g_autofree char *file = write_mp4(send, "broken.mp4", SEGMENT_BYTES);
	TwTestRunner *runner = start(send);
	g_autoptr(JsonObject) told = NULL;

	send_transfer(runner, "alice_c", file);
	told = wait_refusal(runner, "Video not sent: X could not process it");
	g_assert_nonnull(strstr(json_object_get_string_member(told, "plain"),
				"Unsupported codec"));
	tw_test_let_it_run(1000);
	g_assert_cmpuint(count_step(send, "/finalize"), ==, 1);
	g_assert_cmpuint(count(send, send->path), ==, 0);
	g_assert_cmpuint(waiting_copies(send), ==, 0);
	g_assert_cmpint(tw_test_runner_quit(runner), ==, 0);
}

/* A file to someone who never wrote waits for the first-contact
 * question, and goes once the user says Send. */
static void
test_file_asks_first_contact(Send *send, gconstpointer data)
{
	g_autofree char *file = write_mp4(send, "offer.mp4", SEGMENT_BYTES);
	TwTestRunner *runner = start_with_rule(send, "ask");
	JsonObject *question;
	g_autoptr(GPtrArray) bodies = NULL;

	send_transfer(runner, "alice_c", file);
	question = tw_test_runner_wait_event(runner, "request-action", "who",
					     "alice_c", WAIT_MS);
	g_assert_nonnull(question);
	tw_test_let_it_run(500);
	g_assert_cmpuint(count(send, INITIALIZE), ==, 0);
	tw_test_runner_answer_action(runner, question, 0);
	tw_test_wait_requests(&send->world, "POST", send->path, 1);
	bodies = accepted_bodies(send);
	g_assert_cmpuint(bodies->len, ==, 1);
	g_assert_nonnull(attachment_media_id(bodies->pdata[0]));
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
	g_test_add("/media-send/video-through-send-file", Send, NULL,
		   send_set_up, test_video_through_send_file, send_tear_down);
	g_test_add("/media-send/gif-from-the-editor", Send, NULL, send_set_up,
		   test_gif_from_the_editor, send_tear_down);
	g_test_add("/media-send/video-crash-before-post-answer", Send, NULL,
		   send_set_up, test_video_crash_before_post_answer,
		   send_tear_down);
	g_test_add("/media-send/lost-segment-sent-again-alone", Send, NULL,
		   send_set_up, test_lost_segment_sent_again_alone,
		   send_tear_down);
	g_test_add("/media-send/processing-failure-told", Send,
		   "Unsupported codec", send_set_up_failing,
		   test_processing_failure_told, send_tear_down);
	g_test_add("/media-send/file-asks-first-contact", Send, NULL,
		   send_set_up, test_file_asks_first_contact, send_tear_down);
	g_test_add("/media-send/group", Send, NULL, send_set_up,
		   test_group_photo, send_tear_down);
	g_test_add("/media-send/without-media-write", Send,
		   "tweet.read users.read dm.read dm.write offline.access",
		   send_set_up, test_without_media_write, send_tear_down);
	return g_test_run();
}
