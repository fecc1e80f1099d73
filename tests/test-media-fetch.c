/*
 * Customers' photos fetched for inline display, through the headless
 * runner against the in-process sandbox: the v2 download with the
 * account's token, the cache beside the state (no second download), the
 * message's attachments for scripts, and what a failed fetch leaves (the
 * line with its link and a short note; one more try for a transient
 * failure only).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <glib.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <string.h>
#include <sys/stat.h>

#include "tw-test-loop.h"
#include "tw-test-world.h"

#define WAIT_MS     TW_TEST_WAIT_MS
#define DOWNLOAD    "/2/dm_conversations/media/"
#define PHOTO_BYTES (2 * 1024 * 1024)
/* Above the plugin's 8 MB cap on a response. */
#define TOO_BIG_BYTES (9 * 1024 * 1024)
#define NOTE_PREFIX   "The photo could not be shown ("

typedef struct {
	TwTestWorld world;
	char *customer;
} Fetch;

static void
fetch_set_up(Fetch *fetch, gconstpointer data)
{
	TwSandboxConfig config;

	tw_sandbox_config_init(&config);
	config.rate_window_seconds = 15;
	tw_test_world_set_up(&fetch->world, &config);
	fetch->customer =
	    tw_sandbox_add_user(fetch->world.sandbox, "alice_c", "Alice");
}

static void
fetch_tear_down(Fetch *fetch, gconstpointer data)
{
	g_free(fetch->customer);
	tw_test_world_tear_down(&fetch->world);
}

static const char *
member(JsonObject *event, const char *name)
{
	return json_object_get_string_member_with_default(event, name, NULL);
}

static TwTestRunner *
start(Fetch *fetch, const char *option)
{
	TwTestRunner *runner = tw_test_world_start_runner(
	    &fetch->world, fetch->world.refresh_token, NULL, "--option",
	    option != NULL ? option : "history-days=1", NULL);

	tw_test_assert_signed_on(runner);
	return runner;
}

static char *
send_photo(Fetch *fetch, gsize bytes)
{
	TwSandboxMedia photo = {.type = "photo",
				.width = 1200,
				.height = 900,
				.alt_text = "A cracked screen",
				.bytes = bytes};
	TwSandboxMessage message = {.sender_id = fetch->customer,
				    .recipient_id = fetch->world.account_id,
				    .text = "My screen",
				    .media = &photo};

	return tw_sandbox_create_message_full(fetch->world.sandbox, &message);
}

static guint
downloads(Fetch *fetch)
{
	return tw_sandbox_count_requests(fetch->world.sandbox, "GET", DOWNLOAD);
}

static guint
images(TwTestRunner *runner)
{
	return tw_test_runner_count_events(runner, "image", NULL, NULL);
}

/* The received message, and the one attachment scripts are told of. */
static JsonObject *
wait_message_media(TwTestRunner *runner)
{
	JsonObject *event = tw_test_runner_wait_event(runner, "message", "who",
						      "alice_c", WAIT_MS);
	JsonArray *media;

	g_assert_nonnull(event);
	g_assert_true(json_object_has_member(event, "media"));
	media = json_object_get_array_member(event, "media");
	g_assert_cmpuint(json_array_get_length(media), ==, 1);
	return json_array_get_object_element(media, 0);
}

static void
test_photo_shown_inline_and_cached(Fetch *fetch, gconstpointer data)
{
	TwTestRunner *runner = start(fetch, NULL);
	g_autofree char *id = send_photo(fetch, PHOTO_BYTES);
	g_autofree char *state = NULL;
	g_autofree char *file = NULL;
	JsonObject *attachment = wait_message_media(runner);
	JsonObject *image;
	GStatBuf info;

	g_assert_cmpstr(member(attachment, "kind"), ==, "photo");
	g_assert_cmpint(json_object_get_int_member(attachment, "width"), ==,
			1200);
	g_assert_cmpstr(member(attachment, "alt_text"), ==, "A cracked screen");
	g_assert_nonnull(strstr(member(attachment, "url"), id));
	/* Not fetched yet when the line is written: never delayed for it. */
	g_assert_false(json_object_has_member(attachment, "file"));

	image = tw_test_runner_wait_event(runner, "image", "who", "alice_c",
					  WAIT_MS);
	g_assert_nonnull(image);
	g_assert_cmpint(json_object_get_int_member(image, "size"), ==,
			PHOTO_BYTES);
	file = g_strdup(member(image, "file"));
	g_assert_true(g_str_has_prefix(file, fetch->world.user_dir));
	g_assert_cmpint(g_stat(file, &info), ==, 0);
	g_assert_cmpint(info.st_size, ==, PHOTO_BYTES);
	g_assert_cmpint(info.st_mode & 0777, ==, 0600);
	g_assert_cmpuint(downloads(fetch), ==, 1);
	/* Later polls see the DM again: no second download. */
	tw_test_let_it_run(1500);
	g_assert_cmpuint(downloads(fetch), ==, 1);
	g_assert_cmpuint(images(runner), ==, 1);
	g_assert_cmpint(tw_test_runner_quit(runner), ==, 0);

	/* The delivery record lost (as after a crash before it was saved):
	 * the DM comes again with its history, its image from the cache. */
	state = g_build_filename(fetch->world.user_dir, "twdm",
				 TW_TEST_ACCOUNT ".json", NULL);
	g_assert_cmpint(g_unlink(state), ==, 0);
	runner = start(fetch, NULL);
	attachment = wait_message_media(runner);
	g_assert_cmpstr(member(attachment, "file"), ==, file);
	image = tw_test_runner_wait_event(runner, "image", "who", "alice_c",
					  WAIT_MS);
	g_assert_nonnull(image);
	g_assert_cmpstr(member(image, "file"), ==, file);
	g_assert_cmpuint(downloads(fetch), ==, 1);
	g_assert_cmpint(tw_test_runner_quit(runner), ==, 0);
}

/* The note a failed fetch leaves in the conversation, once. */
static void
assert_note(TwTestRunner *runner, const char *why)
{
	g_autofree char *expected =
	    g_strconcat(NOTE_PREFIX, why, "); its link is above.", NULL);
	JsonObject *note = tw_test_runner_wait_event(runner, "message", "plain",
						     expected, WAIT_MS);

	g_assert_nonnull(note);
	g_assert_true(tw_test_event_has_flag(note, "system"));
}

static void
test_refused_not_retried(Fetch *fetch, gconstpointer data)
{
	TwSandboxFault missing = {.kind = TW_SANDBOX_FAULT_STATUS,
				  .path_prefix = DOWNLOAD,
				  .status = 404};
	TwTestRunner *runner;
	g_autofree char *id = NULL;

	tw_sandbox_add_fault(fetch->world.sandbox, &missing);
	runner = start(fetch, NULL);
	id = send_photo(fetch, 0);
	wait_message_media(runner);
	assert_note(runner, "X answered 404");
	tw_test_let_it_run(1000);
	g_assert_cmpuint(downloads(fetch), ==, 1);
	g_assert_cmpuint(images(runner), ==, 0);
	/* The line with its link is there, once. */
	g_assert_cmpuint(tw_test_count_messages_with_flag(runner, "recv"), ==,
			 1);
	g_assert_cmpint(tw_test_runner_quit(runner), ==, 0);
}

static void
test_transient_tried_once_more(Fetch *fetch, gconstpointer data)
{
	TwSandboxFault unavailable = {.kind = TW_SANDBOX_FAULT_STATUS,
				      .path_prefix = DOWNLOAD,
				      .count = 1,
				      .status = 503};
	TwTestRunner *runner;
	g_autofree char *first = NULL;
	g_autofree char *second = NULL;

	tw_sandbox_add_fault(fetch->world.sandbox, &unavailable);
	runner = start(fetch, NULL);
	first = send_photo(fetch, 0);
	wait_message_media(runner);
	g_assert_nonnull(
	    tw_test_runner_wait_event(runner, "image", NULL, NULL, WAIT_MS));
	g_assert_cmpuint(downloads(fetch), ==, 2);

	/* Down for good: two tries, then the note. */
	unavailable.count = 0;
	tw_sandbox_add_fault(fetch->world.sandbox, &unavailable);
	second = send_photo(fetch, 0);
	wait_message_media(runner);
	assert_note(runner, "X answered 503");
	tw_test_let_it_run(1000);
	g_assert_cmpuint(downloads(fetch), ==, 4);
	g_assert_cmpuint(images(runner), ==, 1);
	g_assert_cmpint(tw_test_runner_quit(runner), ==, 0);
}

static void
test_too_big_refused(Fetch *fetch, gconstpointer data)
{
	TwTestRunner *runner = start(fetch, NULL);
	g_autofree char *id = send_photo(fetch, TOO_BIG_BYTES);

	wait_message_media(runner);
	assert_note(runner, "larger than 8 MB");
	tw_test_let_it_run(1000);
	g_assert_cmpuint(downloads(fetch), ==, 1);
	g_assert_cmpuint(images(runner), ==, 0);
	g_assert_cmpint(tw_test_runner_quit(runner), ==, 0);
}

static void
test_never_option(Fetch *fetch, gconstpointer data)
{
	TwTestRunner *runner = start(fetch, "media-download=never");
	g_autofree char *id = send_photo(fetch, 0);

	wait_message_media(runner);
	tw_test_let_it_run(1500);
	g_assert_cmpuint(downloads(fetch), ==, 0);
	g_assert_cmpuint(images(runner), ==, 0);
	g_assert_cmpint(tw_test_runner_quit(runner), ==, 0);
}

/* In a group, the image follows its line in the group's chat. */
static void
test_group_photo(Fetch *fetch, gconstpointer data)
{
	g_autofree char *bob =
	    tw_sandbox_add_user(fetch->world.sandbox, "bob_c", "Bob");
	g_autoptr(GPtrArray) participants = g_ptr_array_new();
	TwTestRunner *runner = start(fetch, NULL);
	g_autofree char *group = NULL;
	g_autofree char *id = NULL;
	TwSandboxMedia photo = {.type = "photo", .width = 640, .height = 480};
	TwSandboxMessage message = {
	    .sender_id = fetch->customer, .text = "", .media = &photo};
	JsonObject *line;
	JsonObject *image;

	g_ptr_array_add(participants, fetch->world.account_id);
	g_ptr_array_add(participants, fetch->customer);
	group = tw_sandbox_create_group(fetch->world.sandbox, bob, participants,
					"About the order");
	message.conversation_id = group;
	id = tw_sandbox_create_message_full(fetch->world.sandbox, &message);
	line = tw_test_runner_wait_event(runner, "message", "who", "alice_c",
					 WAIT_MS);
	g_assert_nonnull(line);
	g_assert_cmpstr(member(line, "type"), ==, "chat");
	g_assert_cmpstr(member(line, "conversation"), ==, group);
	g_assert_true(json_object_has_member(line, "media"));
	image = tw_test_runner_wait_event(runner, "image", "who", "alice_c",
					  WAIT_MS);
	g_assert_nonnull(image);
	g_assert_cmpstr(member(image, "conversation"), ==, group);
	g_assert_cmpuint(downloads(fetch), ==, 1);
	g_assert_cmpint(tw_test_runner_quit(runner), ==, 0);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
#define ADD(path, func)                                                        \
	g_test_add(path, Fetch, NULL, fetch_set_up, func, fetch_tear_down)
	ADD("/media-fetch/photo-shown-inline-and-cached",
	    test_photo_shown_inline_and_cached);
	ADD("/media-fetch/refused-not-retried", test_refused_not_retried);
	ADD("/media-fetch/transient-tried-once-more",
	    test_transient_tried_once_more);
	ADD("/media-fetch/too-big-refused", test_too_big_refused);
	ADD("/media-fetch/never-option", test_never_option);
	ADD("/media-fetch/group-photo", test_group_photo);
#undef ADD
	return g_test_run();
}
