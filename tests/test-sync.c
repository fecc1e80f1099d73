/*
 * DM sync under everything the real API does: late events, downtime,
 * crashes, rate limits, faults and long messages. Each test runs the built
 * plugin inside the headless runner against the in-process sandbox.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <glib.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <string.h>

#include "tw-test-loop.h"
#include "tw-test-world.h"

#define WAIT_MS TW_TEST_WAIT_MS

static gboolean
under_valgrind(void)
{
	return g_strcmp0(g_getenv("TW_TEST_UNDER_VALGRIND"), "1") == 0;
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

static TwTestRunner *
start(TwTestWorld *world)
{
	return tw_test_world_start_runner(world, world->refresh_token, NULL,
					  NULL);
}

static TwTestRunner *
start_signed_on(TwTestWorld *world)
{
	TwTestRunner *runner = start(world);

	tw_test_assert_signed_on(runner);
	return runner;
}

static const char *
member(JsonObject *event, const char *name)
{
	return json_object_get_string_member_with_default(event, name, NULL);
}

/* Texts of received messages, in arrival order. */
static GPtrArray *
received_texts(TwTestRunner *runner)
{
	GPtrArray *events = tw_test_runner_get_events(runner);
	GPtrArray *texts = g_ptr_array_new();

	for (guint i = 0; i < events->len; i++) {
		JsonObject *event = events->pdata[i];

		if (g_strcmp0(member(event, "event"), "message") == 0 &&
		    tw_test_event_has_flag(event, "recv"))
			g_ptr_array_add(texts,
					(gpointer)member(event, "plain"));
	}
	return texts;
}

/* The next @count DM reads answer 503. */
static void
fail_reads(TwTestWorld *world, guint count)
{
	TwSandboxFault outage = {0};

	outage.kind = TW_SANDBOX_FAULT_STATUS;
	outage.status = 503;
	outage.method = "GET";
	outage.path_prefix = "/2/dm_events";
	outage.count = count;
	tw_sandbox_add_fault(world->sandbox, &outage);
}

/* Exactly "<prefix> 0" to "<prefix> count-1" were received, in order. */
static void
assert_received_numbered(TwTestRunner *runner, const char *prefix, guint count)
{
	g_autoptr(GPtrArray) texts = received_texts(runner);

	g_assert_cmpuint(texts->len, ==, count);
	for (guint i = 0; i < count; i++) {
		g_autofree char *expected = g_strdup_printf("%s %u", prefix, i);

		g_assert_cmpstr(texts->pdata[i], ==, expected);
	}
}

typedef struct {
	TwTestWorld *world;
	const char *path;
	guint count;
} SentWait;

static gboolean
has_sent(gpointer data)
{
	SentWait *wait = data;
	g_autoptr(GPtrArray) texts =
	    tw_test_sent_texts(wait->world, wait->path);

	return texts->len >= wait->count;
}

static GPtrArray *
wait_sent(TwTestWorld *world, const char *path, guint count)
{
	SentWait wait = {world, path, count};

	g_assert_true(tw_test_wait_until(has_sent, &wait, WAIT_MS));
	return tw_test_sent_texts(world, path);
}

static char *
send_path(const char *user_id)
{
	return g_strdup_printf("/2/dm_conversations/with/%s/messages", user_id);
}

static JsonObject *
wait_notify_containing(TwTestRunner *runner, const char *needle)
{
	for (;;) {
		JsonObject *event = tw_test_runner_wait_event(
		    runner, "notify", NULL, NULL, WAIT_MS);
		g_autofree char *all = NULL;

		if (event == NULL)
			return NULL;
		all = g_strjoin(" ", member(event, "primary") ?: "",
				member(event, "secondary") ?: "", NULL);
		if (strstr(all, needle) != NULL)
			return event;
	}
}

/****************************************************************************
 * Receiving
 ****************************************************************************/

static void
test_late_event_delivered_once(TwTestWorld *world, gconstpointer data)
{
	g_autofree char *alice =
	    tw_sandbox_add_user(world->sandbox, "alice_c", "Alice");
	TwTestRunner *runner = start_signed_on(world);
	TwSandboxMessage late = {0};
	g_autofree char *late_id = NULL;
	g_autofree char *early_id = NULL;
	g_autoptr(GPtrArray) texts = NULL;
	gint64 now = g_get_real_time();

	/* Written first (lower id), visible only after the next one. */
	late.sender_id = alice;
	late.recipient_id = world->account_id;
	late.text = "written first, visible late";
	late.created_at = now;
	late.visible_after_ms = 1500;
	late_id = tw_sandbox_create_message_full(world->sandbox, &late);
	early_id = tw_test_create_message(world, alice, world->account_id,
					  "written second, visible at once",
					  now + 1000);
	g_assert_cmpint(strlen(late_id), <=, strlen(early_id));
	tw_test_wait_received(runner, 2);
	tw_test_let_it_run(1500);
	texts = received_texts(runner);
	g_assert_cmpuint(texts->len, ==, 2);
	g_assert_cmpstr(texts->pdata[0], ==, "written second, visible at once");
	g_assert_cmpstr(texts->pdata[1], ==, "written first, visible late");
	g_assert_cmpint(tw_test_runner_quit(runner), ==, 0);
}

static void
test_reconnect_backfill_in_order(TwTestWorld *world, gconstpointer data)
{
	g_autofree char *alice =
	    tw_sandbox_add_user(world->sandbox, "alice_c", "Alice");
	g_autofree char *bob =
	    tw_sandbox_add_user(world->sandbox, "bob_b", "Bob");
	TwTestRunner *runner = start_signed_on(world);
	/* After the first sign-on: nothing older is ever shown. */
	gint64 first_start = g_get_real_time();
	GPtrArray *events;
	gint64 times[6];
	gint64 last_time[2] = {0, 0};
	guint seen = 0;

	g_assert_cmpint(tw_test_runner_quit(runner), ==, 0);

	/* Downtime: six messages, interleaved, half a second apart, all
	 * after the first sign-on and before the reconnect. */
	for (guint i = 0; i < 6; i++) {
		g_autofree char *text = g_strdup_printf("backlog %u", i);
		g_autofree char *id = NULL;

		times[i] = first_start + (i + 1) * G_USEC_PER_SEC / 2;
		id = tw_test_create_message(world, i % 2 == 0 ? alice : bob,
					    world->account_id, text, times[i]);
		g_assert_nonnull(id);
	}
	while (g_get_real_time() < times[5] + G_USEC_PER_SEC)
		tw_test_let_it_run(100);
	runner = start_signed_on(world);
	tw_test_wait_received(runner, 6);
	events = tw_test_runner_get_events(runner);
	for (guint i = 0; i < events->len; i++) {
		JsonObject *event = events->pdata[i];
		const char *text = member(event, "plain");
		guint index;
		gint64 time;
		int who;

		if (g_strcmp0(member(event, "event"), "message") != 0)
			continue;
		g_assert_true(g_str_has_prefix(text, "backlog "));
		index = (guint)g_ascii_strtoull(text + 8, NULL, 10);
		who = g_str_equal(member(event, "who"), "alice_c") ? 0 : 1;
		g_assert_cmpint(who, ==, index % 2);
		/* Original times, oldest first per conversation. */
		time = json_object_get_int_member(event, "time");
		g_assert_cmpint(time, ==, times[index] / G_USEC_PER_SEC);
		g_assert_cmpint(time, >=, last_time[who]);
		g_assert_cmpuint(index, ==, seen);
		last_time[who] = time;
		g_assert_true(tw_test_event_has_flag(event, "delayed"));
		seen++;
	}
	g_assert_cmpuint(seen, ==, 6);
	g_assert_cmpint(tw_test_runner_quit(runner), ==, 0);
}

static void
test_long_backlog_across_windows(TwTestWorld *world, gconstpointer data)
{
	TwSandboxConfig config;
	TwSandboxCounters counters;
	g_autofree char *alice = NULL;
	TwTestRunner *runner;
	gint64 first_start;
	const guint backlog = 500;

	/* Three reads per 2 s window: 500 events need several windows. */
	tw_test_world_tear_down(world);
	tw_sandbox_config_init(&config);
	config.rate_window_seconds = 2;
	config.dm_read_limit = 3;
	tw_test_world_set_up(world, &config);
	alice = tw_sandbox_add_user(world->sandbox, "alice_c", "Alice");
	runner = start_signed_on(world);
	first_start = g_get_real_time();
	g_assert_cmpint(tw_test_runner_quit(runner), ==, 0);
	for (guint i = 0; i < backlog; i++) {
		g_autofree char *text = g_strdup_printf("backlog %u", i);
		g_autofree char *id = tw_test_create_message(
		    world, alice, world->account_id, text,
		    first_start + G_USEC_PER_SEC + i * 1000);

		g_assert_nonnull(id);
	}
	while (g_get_real_time() < first_start + 2 * G_USEC_PER_SEC)
		tw_test_let_it_run(100);
	runner = start_signed_on(world);
	tw_test_wait_received(runner, backlog);
	tw_test_let_it_run(1000);
	assert_received_numbered(runner, "backlog", backlog);
	tw_sandbox_get_counters(world->sandbox, &counters);
	g_assert_cmpuint(counters.rate_limited, ==, 0);
	g_assert_cmpint(tw_test_runner_quit(runner), ==, 0);
}

/* While reads fail, customers write and the agent's reply goes out (so
 * the newest event is one the plugin already knows, being its own): once
 * reads work again, every customer message is shown once, oldest first,
 * not only those on the page beside the reply. */
static void
test_outage_with_own_reply_in_order(TwTestWorld *world, gconstpointer data)
{
	g_autofree char *alice =
	    tw_sandbox_add_user(world->sandbox, "alice_c", "Alice");
	g_autofree char *bob =
	    tw_sandbox_add_user(world->sandbox, "bob_c", "Bob");
	g_autofree char *path = send_path(alice);
	TwTestRunner *runner = start_signed_on(world);
	g_autoptr(GPtrArray) sent = NULL;
	const guint written = 30;

	fail_reads(world, G_MAXUINT);
	for (guint i = 0; i < written; i++) {
		g_autofree char *text = g_strdup_printf("outage %u", i);
		g_autofree char *id =
		    tw_test_create_message(world, i % 2 == 0 ? alice : bob,
					   world->account_id, text, 0);

		g_assert_nonnull(id);
	}
	tw_test_send_command(runner, "alice_c", "we are on it");
	sent = wait_sent(world, path, 1);
	g_assert_cmpstr(sent->pdata[0], ==, "we are on it");
	/* The runner takes X's answer and marks the reply delivered. */
	tw_test_let_it_run(500);
	tw_sandbox_clear_faults(world->sandbox);
	tw_test_wait_received(runner, written);
	tw_test_let_it_run(1500);
	assert_received_numbered(runner, "outage", written);
	g_assert_cmpint(tw_test_runner_quit(runner), ==, 0);
}

static void
test_first_sign_on_shows_nothing_older(TwTestWorld *world, gconstpointer data)
{
	g_autofree char *alice =
	    tw_sandbox_add_user(world->sandbox, "alice_c", "Alice");
	g_autofree char *old = tw_test_create_message(
	    world, alice, world->account_id, "from last week",
	    g_get_real_time() - 7 * G_TIME_SPAN_DAY);
	TwTestRunner *runner = start_signed_on(world);
	g_autofree char *fresh = NULL;
	g_autoptr(GPtrArray) texts = NULL;

	tw_test_let_it_run(1000);
	fresh = tw_test_create_message(world, alice, world->account_id,
				       "written now", g_get_real_time());
	tw_test_wait_received(runner, 1);
	tw_test_let_it_run(500);
	texts = received_texts(runner);
	g_assert_cmpuint(texts->len, ==, 1);
	g_assert_cmpstr(texts->pdata[0], ==, "written now");
	g_assert_cmpint(tw_test_runner_quit(runner), ==, 0);
}

/* X bills every event a read returns (a re-read the same UTC day is
 * free): with 200 older DMs and history-days 0, the first sign-on pays
 * for the 3 events of its first page, polls after it re-read those, and
 * each new DM is paid once, however many polls see it. */
static void
test_billed_only_what_is_shown(TwTestWorld *world, gconstpointer data)
{
	g_autofree char *alice =
	    tw_sandbox_add_user(world->sandbox, "alice_c", "Alice");
	g_autofree char *bob =
	    tw_sandbox_add_user(world->sandbox, "bob_c", "Bob");
	TwSandboxCounters counters;
	TwTestRunner *runner;
	guint polls;

	for (guint i = 0; i < 200; i++) {
		g_autofree char *text = g_strdup_printf("old %u", i);
		g_autofree char *id = tw_test_create_message(
		    world, i % 2 == 0 ? alice : bob, world->account_id, text,
		    g_get_real_time() - (gint64)(200 - i) * G_TIME_SPAN_MINUTE);
	}
	runner = start_signed_on(world);
	tw_test_let_it_run(2000);
	polls =
	    tw_sandbox_count_requests(world->sandbox, "GET", "/2/dm_events");
	tw_sandbox_get_counters(world->sandbox, &counters);
	g_test_message("%u polls idle, %" G_GUINT64_FORMAT " events billed",
		       polls, counters.billed_reads);
	g_assert_cmpuint(polls, >=, 3);
	g_assert_cmpuint(counters.billed_reads, <=, 3);
	for (guint i = 0; i < 10; i++) {
		g_autofree char *text = g_strdup_printf("new %u", i);
		g_autofree char *id =
		    tw_test_create_message(world, i % 3 == 0 ? bob : alice,
					   world->account_id, text, 0);

		tw_test_let_it_run(i % 2 == 0 ? 50 : 300);
	}
	tw_test_wait_received(runner, 10);
	tw_test_let_it_run(1000);
	tw_sandbox_get_counters(world->sandbox, &counters);
	g_test_message("%" G_GUINT64_FORMAT " events billed for 10 new DMs",
		       counters.billed_reads);
	g_assert_cmpuint(counters.billed_reads, <=, 3 + 10);
	g_assert_cmpuint(tw_test_count_messages_with_flag(runner, "recv"), ==,
			 10);
	g_assert_cmpint(tw_test_runner_quit(runner), ==, 0);
}

/* A customer's photo with no words (and X's t.co link standing for it):
 * one line naming the photo with its link and alt text, exactly once. */
static void
test_photo_only_dm_shown_once(TwTestWorld *world, gconstpointer data)
{
	g_autofree char *alice =
	    tw_sandbox_add_user(world->sandbox, "alice_c", "Alice");
	TwTestRunner *runner = start_signed_on(world);
	TwSandboxMedia photo = {.type = "photo",
				.width = 1200,
				.height = 900,
				.alt_text = "A cracked screen"};
	TwSandboxMessage message = {.sender_id = alice,
				    .recipient_id = world->account_id,
				    .text = "",
				    .media = &photo};
	g_autofree char *id =
	    tw_sandbox_create_message_full(world->sandbox, &message);
	g_autofree char *expected = g_strdup_printf(
	    "[photo 1200x900] https://ton.twitter.com/1.1/ton/data/dm/%s/%" G_GUINT64_FORMAT
	    "/photo.jpg (A cracked screen)",
	    id, g_ascii_strtoull(id, NULL, 10) + 1);
	g_autoptr(GPtrArray) texts = NULL;
	JsonObject *event;

	tw_test_wait_received(runner, 1);
	/* Several more polls see it again: still once. */
	tw_test_let_it_run(1500);
	texts = received_texts(runner);
	g_assert_cmpuint(texts->len, ==, 1);
	g_assert_cmpstr(texts->pdata[0], ==, expected);
	event = tw_test_runner_wait_event(runner, "message", "who", "alice_c",
					  WAIT_MS);
	g_assert_null(strstr(member(event, "text"), "t.co"));
	g_assert_nonnull(strstr(member(event, "text"), "<a href="));
	g_assert_cmpint(tw_test_runner_quit(runner), ==, 0);
}

static void
test_history_days_backfill(TwTestWorld *world, gconstpointer data)
{
	g_autofree char *alice =
	    tw_sandbox_add_user(world->sandbox, "alice_c", "Alice");
	g_autofree char *recent = tw_test_create_message(
	    world, alice, world->account_id, "two days ago",
	    g_get_real_time() - 2 * G_TIME_SPAN_DAY);
	g_autofree char *old = tw_test_create_message(
	    world, alice, world->account_id, "ten days ago",
	    g_get_real_time() - 10 * G_TIME_SPAN_DAY);
	TwTestRunner *runner =
	    tw_test_world_start_runner(world, world->refresh_token, NULL,
				       "--option", "history-days=3", NULL);
	g_autoptr(GPtrArray) texts = NULL;
	JsonObject *event;

	tw_test_assert_signed_on(runner);
	tw_test_wait_received(runner, 1);
	tw_test_let_it_run(1000);
	texts = received_texts(runner);
	g_assert_cmpuint(texts->len, ==, 1);
	g_assert_cmpstr(texts->pdata[0], ==, "two days ago");
	event = tw_test_runner_wait_event(runner, "message", "who", "alice_c",
					  WAIT_MS);
	g_assert_true(tw_test_event_has_flag(event, "delayed"));
	g_assert_cmpint(tw_test_runner_quit(runner), ==, 0);
}

static void
test_history_gap_is_told(TwTestWorld *world, gconstpointer data)
{
	g_autofree char *dir = g_build_filename(world->user_dir, "twdm", NULL);
	g_autofree char *path =
	    g_build_filename(dir, TW_TEST_ACCOUNT ".json", NULL);
	g_autofree char *contents = NULL;
	gint64 long_ago = g_get_real_time() - 40 * G_TIME_SPAN_DAY;
	TwTestRunner *runner;

	/* The last delivery was 40 days ago: more than X keeps. */
	contents =
	    g_strdup_printf("{\"version\":1,\"first_sign_on\":%" G_GINT64_FORMAT
			    ",\"delivered\":[[\"1\",%" G_GINT64_FORMAT "]]}",
			    long_ago - G_TIME_SPAN_DAY, long_ago);
	g_assert_cmpint(g_mkdir_with_parents(dir, 0700), ==, 0);
	g_assert_true(g_file_set_contents(path, contents, -1, NULL));
	runner = start_signed_on(world);
	g_assert_nonnull(wait_notify_containing(runner, "30 days"));
	g_assert_cmpint(tw_test_runner_quit(runner), ==, 0);
}

static void
test_markup_shown_literally(TwTestWorld *world, gconstpointer data)
{
	g_autofree char *mallory =
	    tw_sandbox_add_user(world->sandbox, "mallory", "<b>Mallory</b>");
	TwTestRunner *runner = start_signed_on(world);
	const struct {
		const char *text;
		const char *html;
	} cases[] = {
	    {"<script>alert(1)</script>",
	     "&lt;script&gt;alert(1)&lt;/script&gt;"},
	    {"<img src=x onerror=\"alert(1)\">",
	     "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;"},
	    {"fish &amp; chips, don't", "fish &amp;amp; chips, don't"},
	};
	GPtrArray *events;
	guint seen = 0;

	for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autofree char *id = tw_test_create_message(
		    world, mallory, world->account_id, cases[i].text,
		    g_get_real_time() + i * 1000);

		g_assert_nonnull(id);
	}
	tw_test_wait_received(runner, G_N_ELEMENTS(cases));
	events = tw_test_runner_get_events(runner);
	for (guint i = 0; i < events->len; i++) {
		JsonObject *event = events->pdata[i];

		if (g_strcmp0(member(event, "event"), "message") != 0)
			continue;
		g_assert_cmpstr(member(event, "text"), ==, cases[seen].html);
		g_assert_cmpstr(member(event, "plain"), ==, cases[seen].text);
		seen++;
	}
	g_assert_cmpuint(seen, ==, G_N_ELEMENTS(cases));
	g_assert_cmpint(tw_test_runner_quit(runner), ==, 0);
}

static void
test_encrypted_chats_notice_once(TwTestWorld *world, gconstpointer data)
{
	TwTestRunner *runner = start_signed_on(world);

	g_assert_nonnull(wait_notify_containing(runner, "encrypted"));
	g_assert_cmpint(tw_test_runner_quit(runner), ==, 0);
	runner = start_signed_on(world);
	tw_test_let_it_run(1000);
	g_assert_null(wait_notify_containing(runner, "encrypted"));
	g_assert_cmpint(tw_test_runner_quit(runner), ==, 0);
}

/****************************************************************************
 * Sending
 ****************************************************************************/

static void
test_long_message_split(TwTestWorld *world, gconstpointer data)
{
	g_autofree char *alice =
	    tw_sandbox_add_user(world->sandbox, "alice_c", "Alice");
	g_autofree char *path = send_path(alice);
	TwTestRunner *runner = start_signed_on(world);
	GString *text = g_string_new(NULL);
	g_autoptr(GPtrArray) sent = NULL;
	g_autoptr(GString) joined = g_string_new(NULL);
	guint words = 0;

	/* 25,000 characters of words, some of them not ASCII. */
	while (g_utf8_strlen(text->str, -1) < 25000) {
		g_string_append(text, words % 7 == 0 ? "café " : "word ");
		if (words % 50 == 49)
			g_string_append(text, "😀\n");
		words++;
	}
	while (g_utf8_strlen(text->str, -1) > 25000)
		g_string_truncate(text,
				  g_utf8_offset_to_pointer(text->str, 25000) -
				      text->str);
	tw_test_send_command(runner, "alice_c", text->str);
	sent = wait_sent(world, path, 3);
	tw_test_let_it_run(500);
	g_ptr_array_unref(sent);
	sent = tw_test_sent_texts(world, path);
	g_assert_cmpuint(sent->len, ==, 3);
	for (guint i = 0; i < sent->len; i++) {
		g_assert_cmpint(g_utf8_strlen(sent->pdata[i], -1), <=, 10000);
		g_string_append(joined, sent->pdata[i]);
	}
	g_assert_cmpstr(joined->str, ==, text->str);
	g_string_free(text, TRUE);
	g_assert_cmpint(tw_test_runner_quit(runner), ==, 0);
}

static void
test_send_queue_survives_429_storm_and_restart(TwTestWorld *world,
					       gconstpointer data)
{
	g_autofree char *alice =
	    tw_sandbox_add_user(world->sandbox, "alice_c", "Alice");
	g_autofree char *path = send_path(alice);
	TwSandboxFault storm = {0};
	TwTestRunner *runner = start_signed_on(world);
	g_autoptr(GPtrArray) sent = NULL;
	JsonObject *waiting;

	storm.kind = TW_SANDBOX_FAULT_RATE_LIMIT;
	storm.method = "POST";
	storm.path_prefix = "/2/dm_conversations/";
	storm.count = 0;
	tw_sandbox_add_fault(world->sandbox, &storm);
	tw_test_send_command(runner, "alice_c", "first");
	tw_test_send_command(runner, "alice_c", "second");
	tw_test_send_command(runner, "alice_c", "third");
	/* The user is told that the message waits. */
	waiting =
	    tw_test_runner_wait_event(runner, "message", NULL, NULL, WAIT_MS);
	for (; waiting != NULL; waiting = tw_test_runner_wait_event(
				    runner, "message", NULL, NULL, WAIT_MS)) {
		if (tw_test_event_has_flag(waiting, "system"))
			break;
	}
	g_assert_nonnull(waiting);
	g_assert_nonnull(strstr(member(waiting, "plain"), "waiting"));
	tw_test_wait_requests(world, "POST", path, 2);
	/* Quit while the storm goes on: the queue is on disk. */
	g_assert_cmpint(tw_test_runner_quit(runner), ==, 0);
	tw_sandbox_clear_faults(world->sandbox);

	runner = start_signed_on(world);
	sent = wait_sent(world, path, 3);
	tw_test_let_it_run(1500);
	g_ptr_array_unref(sent);
	sent = tw_test_sent_texts(world, path);
	g_assert_cmpuint(sent->len, ==, 3);
	g_assert_cmpstr(sent->pdata[0], ==, "first");
	g_assert_cmpstr(sent->pdata[1], ==, "second");
	g_assert_cmpstr(sent->pdata[2], ==, "third");
	/* Never shown back as if typed on another device. */
	g_assert_cmpuint(
	    tw_test_count_messages_with_flag(runner, "remote-send"), ==, 0);
	g_assert_cmpint(tw_test_runner_quit(runner), ==, 0);
}

static void
test_crash_after_post_is_not_resent(TwTestWorld *world, gconstpointer data)
{
	g_autofree char *alice =
	    tw_sandbox_add_user(world->sandbox, "alice_c", "Alice");
	g_autofree char *path = send_path(alice);
	TwSandboxFault slow = {0};
	TwTestRunner *runner = start_signed_on(world);
	g_autoptr(GPtrArray) sent = NULL;

	/* X takes the message, but the answer never reaches the plugin. */
	slow.kind = TW_SANDBOX_FAULT_DELAY;
	slow.method = "POST";
	slow.path_prefix = path;
	slow.count = 1;
	slow.delay_ms = 30000;
	tw_sandbox_add_fault(world->sandbox, &slow);
	tw_test_send_command(runner, "alice_c", "sent just before the crash");
	tw_test_wait_requests(world, "POST", path, 1);
	tw_test_runner_kill(runner);
	tw_test_runner_free(runner);

	runner = start_signed_on(world);
	tw_test_let_it_run(under_valgrind() ? 10000 : 3000);
	g_assert_cmpuint(
	    tw_sandbox_count_requests(world->sandbox, "POST", path), ==, 1);
	sent = tw_test_sent_texts(world, path);
	g_assert_cmpuint(sent->len, ==, 1);
	/* Found in the conversation, so neither resent nor shown again. */
	g_assert_cmpuint(
	    tw_test_count_messages_with_flag(runner, "remote-send"), ==, 0);
	g_assert_cmpuint(tw_test_count_messages_with_flag(runner, "error"), ==,
			 0);
	g_assert_cmpint(tw_test_runner_quit(runner), ==, 0);
}

static void
test_lost_answer_is_not_resent(TwTestWorld *world, gconstpointer data)
{
	g_autofree char *alice =
	    tw_sandbox_add_user(world->sandbox, "alice_c", "Alice");
	g_autofree char *path = send_path(alice);
	TwSandboxFault cut = {0};
	TwTestRunner *runner = start_signed_on(world);

	cut.kind = TW_SANDBOX_FAULT_TRUNCATED;
	cut.method = "POST";
	cut.path_prefix = path;
	cut.count = 1;
	tw_sandbox_add_fault(world->sandbox, &cut);
	tw_test_send_command(runner, "alice_c", "answer cut off");
	tw_test_wait_requests(world, "POST", path, 1);
	/* The retry first looks in the conversation and finds it. */
	tw_test_wait_requests(world, "GET", "/2/dm_conversations/with/", 1);
	tw_test_let_it_run(1500);
	g_assert_cmpuint(
	    tw_sandbox_count_requests(world->sandbox, "POST", path), ==, 1);
	g_assert_cmpuint(
	    tw_test_count_messages_with_flag(runner, "remote-send"), ==, 0);
	g_assert_cmpuint(tw_test_count_messages_with_flag(runner, "error"), ==,
			 0);
	g_assert_cmpint(tw_test_runner_quit(runner), ==, 0);
}

static void
test_recipient_refusing_dms(TwTestWorld *world, gconstpointer data)
{
	g_autofree char *closed =
	    tw_sandbox_add_user(world->sandbox, "closed_dms", "Closed");
	TwTestRunner *runner = start_signed_on(world);
	JsonObject *error_line = NULL;
	JsonObject *notify;

	tw_sandbox_set_receives_dm(world->sandbox, closed, FALSE);
	tw_test_send_command(runner, "closed_dms", "hello?");
	for (guint i = 0; i < 10 && error_line == NULL; i++) {
		JsonObject *event = tw_test_runner_wait_event(
		    runner, "message", "conversation", "closed_dms", WAIT_MS);

		g_assert_nonnull(event);
		if (tw_test_event_has_flag(event, "error"))
			error_line = event;
	}
	g_assert_nonnull(error_line);
	g_assert_nonnull(
	    strstr(member(error_line, "plain"), "does not accept"));
	/* bitlbee drops conversation errors: the notify reaches it. */
	notify = wait_notify_containing(runner, "does not accept");
	g_assert_nonnull(notify);
	g_assert_cmpstr(member(notify, "type"), ==, "error");
	g_assert_cmpint(tw_test_runner_quit(runner), ==, 0);
}

/****************************************************************************
 * Pacing and errors
 ****************************************************************************/

static void
test_steady_run_has_no_429(TwTestWorld *world, gconstpointer data)
{
	TwSandboxConfig config;
	TwSandboxCounters counters;
	TwTestRunner *runner;
	g_autofree char *alice = NULL;
	guint seconds = under_valgrind() ? 20 : 12;
	guint written = 0;
	guint polls;
	gint64 end;

	/* Six reads per 3 s window: the plugin must pace itself to it. */
	tw_test_world_tear_down(world);
	tw_sandbox_config_init(&config);
	config.rate_window_seconds = 3;
	config.dm_read_limit = 6;
	tw_test_world_set_up(world, &config);
	alice = tw_sandbox_add_user(world->sandbox, "alice_c", "Alice");
	runner = start_signed_on(world);
	tw_sandbox_clear_requests(world->sandbox);
	end = g_get_monotonic_time() + seconds * G_USEC_PER_SEC;
	while (g_get_monotonic_time() < end) {
		g_autofree char *text = g_strdup_printf("steady %u", written);
		g_autofree char *id = tw_test_create_message(
		    world, alice, world->account_id, text, 0);

		written++;
		tw_test_let_it_run(400);
	}
	tw_test_wait_received(runner, written);
	tw_sandbox_get_counters(world->sandbox, &counters);
	g_assert_cmpuint(counters.rate_limited, ==, 0);
	polls =
	    tw_sandbox_count_requests(world->sandbox, "GET", "/2/dm_events");
	/* Proportional to the budget: most of it used, never more. */
	g_test_message("%u polls in %u s for a budget of %u", polls, seconds,
		       seconds / 3 * 6);
	g_assert_cmpuint(polls, <=, (seconds / 3 + 1) * 6);
	if (!under_valgrind())
		g_assert_cmpuint(polls, >=, seconds / 3 * 6 / 2);
	g_assert_cmpint(tw_test_runner_quit(runner), ==, 0);
}

static void
test_server_errors_keep_account_online(TwTestWorld *world, gconstpointer data)
{
	g_autofree char *alice =
	    tw_sandbox_add_user(world->sandbox, "alice_c", "Alice");
	TwTestRunner *runner = start_signed_on(world);
	g_autofree char *id = NULL;

	fail_reads(world, 2);
	id = tw_test_create_message(world, alice, world->account_id,
				    "through the storm", 0);
	tw_test_wait_received(runner, 1);
	g_assert_cmpuint(
	    tw_test_runner_count_events(runner, "connection-error", NULL, NULL),
	    ==, 0);
	g_assert_cmpuint(
	    tw_test_runner_count_events(runner, "signed-on", NULL, NULL), ==,
	    1);
	g_assert_cmpint(tw_test_runner_quit(runner), ==, 0);
}

typedef struct {
	TwSandboxFaultKind kind;
	guint status;
	const char *reason;
	const char *needle;
} FatalCase;

static const FatalCase credits_case = {TW_SANDBOX_FAULT_CREDITS, 0,
				       "other-error", "credits"};
static const FatalCase forbidden_case = {
    TW_SANDBOX_FAULT_STATUS, 403, "authentication-impossible", "dm.read"};

static void
test_fatal_read_error(TwTestWorld *world, gconstpointer data)
{
	const FatalCase *fatal = data;
	TwSandboxFault fault = {0};
	TwTestRunner *runner;
	JsonObject *error;

	fault.kind = fatal->kind;
	fault.status = fatal->status;
	fault.method = "GET";
	fault.path_prefix = "/2/dm_events";
	tw_sandbox_add_fault(world->sandbox, &fault);
	runner = start(world);
	error = tw_test_runner_wait_event(runner, "connection-error", NULL,
					  NULL, WAIT_MS);
	g_assert_nonnull(error);
	g_assert_cmpstr(member(error, "reason"), ==, fatal->reason);
	g_assert_true(json_object_get_boolean_member(error, "fatal"));
	g_assert_nonnull(strstr(member(error, "description"), fatal->needle));
	/* No reconnect loop: one poll, then silence. */
	tw_test_let_it_run(2500);
	g_assert_cmpuint(
	    tw_sandbox_count_requests(world->sandbox, "GET", "/2/dm_events"),
	    ==, 1);
	g_assert_cmpuint(
	    tw_test_runner_count_events(runner, "connecting", NULL, NULL), ==,
	    1);
	g_assert_cmpint(tw_test_runner_quit(runner), ==, 0);
}

static void
test_usage_cap_is_told(TwTestWorld *world, gconstpointer data)
{
	TwSandboxFault cap = {0};
	TwTestRunner *runner;
	JsonObject *notify;

	cap.kind = TW_SANDBOX_FAULT_USAGE_CAP;
	cap.method = "GET";
	cap.path_prefix = "/2/dm_events";
	cap.count = 1;
	tw_sandbox_add_fault(world->sandbox, &cap);
	runner = start_signed_on(world);
	notify = wait_notify_containing(runner, "usage cap");
	g_assert_nonnull(notify);
	g_assert_cmpuint(
	    tw_test_runner_count_events(runner, "connection-error", NULL, NULL),
	    ==, 0);
	g_assert_cmpint(tw_test_runner_quit(runner), ==, 0);
}

/****************************************************************************
 * Crashes
 ****************************************************************************/

typedef struct {
	TwTestWorld *world;
	char *customers[3];
	guint written;
	GHashTable *texts; /* set of texts written */
} Writer;

static gboolean
writer_tick(gpointer data)
{
	Writer *writer = data;
	g_autofree char *text =
	    g_strdup_printf("customer message %u", writer->written);
	g_autofree char *id = tw_test_create_message(
	    writer->world, writer->customers[writer->written % 3],
	    writer->world->account_id, text, 0);

	g_hash_table_add(writer->texts, g_steal_pointer(&text));
	writer->written++;
	return G_SOURCE_CONTINUE;
}

/* How many of a killed runner's deliveries were saved: the plugin logs
 * "delivered N messages" once the save that holds them is on disk. */
static guint
committed_count(TwTestRunner *runner)
{
	g_autoptr(GRegex) regex =
	    g_regex_new("delivered ([0-9]+) messages", 0, 0, NULL);
	g_autoptr(GMatchInfo) match = NULL;
	guint committed = 0;

	g_regex_match(regex, tw_test_runner_get_stderr(runner), 0, &match);
	while (g_match_info_matches(match)) {
		g_autofree char *number = g_match_info_fetch(match, 1);

		committed += (guint)g_ascii_strtoull(number, NULL, 10);
		g_match_info_next(match, NULL);
	}
	return committed;
}

typedef struct {
	GHashTable *seen;             /* text -> count */
	GHashTable *replay_allowance; /* text -> allowed extra deliveries */
} Tally;

static void
tally_runner(Tally *tally, TwTestRunner *runner, gboolean killed)
{
	g_autoptr(GPtrArray) texts = received_texts(runner);
	guint committed = killed ? committed_count(runner) : texts->len;

	for (guint i = 0; i < texts->len; i++) {
		const char *text = texts->pdata[i];
		guint count =
		    GPOINTER_TO_UINT(g_hash_table_lookup(tally->seen, text));

		g_hash_table_replace(tally->seen, g_strdup(text),
				     GUINT_TO_POINTER(count + 1));
		/* Shown but not yet saved when the runner died: the one
		 * batch that may be shown again. */
		if (i >= committed) {
			guint allowed = GPOINTER_TO_UINT(
			    g_hash_table_lookup(tally->replay_allowance, text));

			g_hash_table_replace(tally->replay_allowance,
					     g_strdup(text),
					     GUINT_TO_POINTER(allowed + 1));
		}
	}
}

typedef struct {
	Writer *writer;
	Tally *tally;
	TwTestRunner *runner;
} AllSeen;

static gboolean
all_seen(gpointer data)
{
	AllSeen *wait = data;
	g_autoptr(GPtrArray) texts = received_texts(wait->runner);
	g_autoptr(GHashTable) now = g_hash_table_new(g_str_hash, g_str_equal);
	GHashTableIter iter;
	gpointer key;

	for (guint i = 0; i < texts->len; i++)
		g_hash_table_add(now, texts->pdata[i]);
	g_hash_table_iter_init(&iter, wait->writer->texts);
	while (g_hash_table_iter_next(&iter, &key, NULL)) {
		if (!g_hash_table_contains(wait->tally->seen, key) &&
		    !g_hash_table_contains(now, key))
			return FALSE;
	}
	return TRUE;
}

static void
twenty_kills_set_up(TwTestWorld *world, gconstpointer data)
{
	TwSandboxConfig config;

	tw_sandbox_config_init(&config);
	config.rate_window_seconds = 2;
	config.dm_read_limit = 20;
	/* A kill can land between X rotating the refresh token and the
	 * plugin writing the new one: nothing can close that window on the
	 * client, so the server forgives an answer that never arrived. */
	config.refresh_reuse_until_used = TRUE;
	tw_test_world_set_up(world, &config);
}

static void
test_twenty_kills(TwTestWorld *world, gconstpointer data)
{
	Writer writer = {world};
	Tally tally;
	guint writer_source = 0;
	guint lost = 0, repeated = 0, replayed = 0;
	GHashTableIter iter;
	gpointer key, value;
	TwTestRunner *runner;
	g_autoptr(GRand) rand = g_rand_new();

	writer.texts =
	    g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	tally.seen =
	    g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	tally.replay_allowance =
	    g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	for (guint i = 0; i < 3; i++) {
		g_autofree char *handle = g_strdup_printf("customer%u", i);

		writer.customers[i] =
		    tw_sandbox_add_user(world->sandbox, handle, handle);
	}
	for (guint kill = 0; kill < 20; kill++) {
		guint wait_ms = g_rand_int_range(rand, 100, 1200);

		runner = start(world);
		if (kill == 0) {
			/* Customers write throughout, crashes or not, from
			 * the first sign-on on (nothing older is shown). */
			tw_test_assert_signed_on(runner);
			writer_source =
			    g_timeout_add(150, writer_tick, &writer);
		}
		tw_test_let_it_run(under_valgrind() ? wait_ms * 4 : wait_ms);
		tw_test_runner_kill(runner);
		tally_runner(&tally, runner, TRUE);
		tw_test_runner_free(runner);
	}
	g_source_remove(writer_source);

	/* A last, clean run collects whatever is still outstanding. */
	runner = start_signed_on(world);
	{
		AllSeen wait = {&writer, &tally, runner};

		tw_test_wait_until(all_seen, &wait, WAIT_MS);
	}
	tw_test_let_it_run(1000);
	tally_runner(&tally, runner, FALSE);
	g_assert_cmpint(tw_test_runner_quit(runner), ==, 0);

	g_hash_table_iter_init(&iter, writer.texts);
	while (g_hash_table_iter_next(&iter, &key, NULL)) {
		if (!g_hash_table_contains(tally.seen, key)) {
			g_test_message("lost: %s", (char *)key);
			lost++;
		}
	}
	g_hash_table_iter_init(&iter, tally.seen);
	while (g_hash_table_iter_next(&iter, &key, &value)) {
		guint extra = GPOINTER_TO_UINT(value) - 1;
		guint allowed = GPOINTER_TO_UINT(
		    g_hash_table_lookup(tally.replay_allowance, key));

		replayed += extra;
		if (extra > allowed) {
			g_test_message("repeated beyond its batch: %s",
				       (char *)key);
			repeated++;
		}
	}
	g_test_message("%u written, %u lost, %u shown again from an unsaved "
		       "batch, %u repeated otherwise",
		       g_hash_table_size(writer.texts), lost, replayed,
		       repeated);
	g_assert_cmpuint(g_hash_table_size(writer.texts), >, 20);
	g_assert_cmpuint(lost, ==, 0);
	g_assert_cmpuint(repeated, ==, 0);
	for (guint i = 0; i < 3; i++)
		g_free(writer.customers[i]);
	g_hash_table_destroy(writer.texts);
	g_hash_table_destroy(tally.seen);
	g_hash_table_destroy(tally.replay_allowance);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	tw_test_loop_install();
#define ADD(path, func)                                                        \
	g_test_add(path, TwTestWorld, NULL, world_set_up, func, world_tear_down)
#define ADD_DATA(path, data, func)                                             \
	g_test_add(path, TwTestWorld, data, world_set_up, func, world_tear_down)
	ADD("/sync/receive/late-event-delivered-once",
	    test_late_event_delivered_once);
	ADD("/sync/receive/reconnect-backfill-in-order",
	    test_reconnect_backfill_in_order);
	ADD("/sync/receive/long-backlog-across-windows",
	    test_long_backlog_across_windows);
	ADD("/sync/receive/outage-with-own-reply-in-order",
	    test_outage_with_own_reply_in_order);
	ADD("/sync/receive/first-sign-on-shows-nothing-older",
	    test_first_sign_on_shows_nothing_older);
	ADD("/sync/receive/billed-only-what-is-shown",
	    test_billed_only_what_is_shown);
	ADD("/sync/receive/photo-only-dm-shown-once",
	    test_photo_only_dm_shown_once);
	ADD("/sync/receive/history-days-backfill", test_history_days_backfill);
	ADD("/sync/receive/history-gap-is-told", test_history_gap_is_told);
	ADD("/sync/receive/markup-shown-literally",
	    test_markup_shown_literally);
	ADD("/sync/receive/encrypted-chats-notice-once",
	    test_encrypted_chats_notice_once);
	ADD("/sync/send/long-message-split", test_long_message_split);
	ADD("/sync/send/queue-survives-429-storm-and-restart",
	    test_send_queue_survives_429_storm_and_restart);
	ADD("/sync/send/crash-after-post-is-not-resent",
	    test_crash_after_post_is_not_resent);
	ADD("/sync/send/lost-answer-is-not-resent",
	    test_lost_answer_is_not_resent);
	ADD("/sync/send/recipient-refusing-dms", test_recipient_refusing_dms);
	ADD("/sync/pace/steady-run-has-no-429", test_steady_run_has_no_429);
	ADD("/sync/errors/server-errors-keep-account-online",
	    test_server_errors_keep_account_online);
	ADD_DATA("/sync/errors/credits-depleted-is-fatal", &credits_case,
		 test_fatal_read_error);
	ADD_DATA("/sync/errors/forbidden-read-is-fatal", &forbidden_case,
		 test_fatal_read_error);
	ADD("/sync/errors/usage-cap-is-told", test_usage_cap_is_told);
	g_test_add("/sync/crash/twenty-kills", TwTestWorld, NULL,
		   twenty_kills_set_up, test_twenty_kills, world_tear_down);
#undef ADD
#undef ADD_DATA
	return g_test_run();
}
