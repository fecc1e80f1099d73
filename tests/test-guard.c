/*
 * The guard rails through the headless runner against the in-process
 * sandbox: the blast limit (the same text to more than blast-limit people
 * within an hour is held until the user decides, on disk across restarts)
 * and libpurple's auto-reply (once per customer per away period, and no
 * answer to a customer's wait).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <glib.h>
#include <json-glib/json-glib.h>
#include <string.h>

#include "tw-test-loop.h"
#include "tw-test-world.h"

#define WAIT_MS TW_TEST_WAIT_MS
/* The default of the blast-limit option. */
#define BLAST_LIMIT 5
#define CUSTOMERS   (BLAST_LIMIT + 2)
#define HELD_ONE                                                               \
	"1 message is held: you sent the same text to many people within an "  \
	"hour."

typedef struct {
	TwTestWorld world;
	char *ids[CUSTOMERS];
	char *handles[CUSTOMERS];
	char *paths[CUSTOMERS];
} Guard;

static void
guard_set_up(Guard *guard, gconstpointer data)
{
	TwSandboxConfig config;

	/* A window compressed to 15 s: a poll a second, as at X's pace. */
	tw_sandbox_config_init(&config);
	config.rate_window_seconds = 15;
	tw_test_world_set_up(&guard->world, &config);
	for (guint i = 0; i < CUSTOMERS; i++) {
		g_autofree char *name = g_strdup_printf("Customer_%u", i);

		guard->ids[i] =
		    tw_sandbox_add_user(guard->world.sandbox, name, name);
		guard->handles[i] = g_ascii_strdown(name, -1);
		guard->paths[i] = g_strdup_printf(
		    "/2/dm_conversations/with/%s/messages", guard->ids[i]);
	}
}

static void
guard_tear_down(Guard *guard, gconstpointer data)
{
	for (guint i = 0; i < CUSTOMERS; i++) {
		g_free(guard->ids[i]);
		g_free(guard->handles[i]);
		g_free(guard->paths[i]);
	}
	tw_test_world_tear_down(&guard->world);
}

static TwTestRunner *
start(Guard *guard)
{
	TwTestRunner *runner = tw_test_world_start_runner(
	    &guard->world, guard->world.refresh_token, NULL, NULL);

	tw_test_assert_signed_on(runner);
	return runner;
}

static guint
count_sent_to(Guard *guard, const char *path)
{
	g_autoptr(GPtrArray) sent = tw_test_sent_texts(&guard->world, path);

	return sent->len;
}

static guint
count_sent(Guard *guard, guint customer)
{
	return count_sent_to(guard, guard->paths[customer]);
}

static void
wait_sent_to(Guard *guard, const char *path, guint count)
{
	gint64 deadline = g_get_monotonic_time() + WAIT_MS * 1000;

	while (count_sent_to(guard, path) < count) {
		g_assert_cmpint(g_get_monotonic_time(), <, deadline);
		tw_test_let_it_run(50);
	}
}

static void
wait_sent(Guard *guard, guint customer, guint count)
{
	wait_sent_to(guard, guard->paths[customer], count);
}

/* The offer, the same text to BLAST_LIMIT customers, each sent, differing
 * only in case and white space. */
static void
send_to_limit(Guard *guard, TwTestRunner *runner)
{
	const char *const texts[] = {
	    "Big SALE today: 50% off!", "big sale today: 50% off!",
	    "BIG  SALE TODAY:\n50% OFF!", "Big sale today:  50% off!",
	    "Big Sale Today: 50% Off!"};

	G_STATIC_ASSERT(G_N_ELEMENTS(texts) == BLAST_LIMIT);
	for (guint i = 0; i < BLAST_LIMIT; i++) {
		tw_test_send_command(runner, guard->handles[i], texts[i]);
		wait_sent(guard, i, 1);
	}
}

/* The question about the held messages. */
static JsonObject *
wait_held_question(TwTestRunner *runner, const char *primary)
{
	JsonObject *question = tw_test_runner_wait_event(
	    runner, "request-action", "primary", primary, WAIT_MS);
	JsonArray *actions;

	g_assert_nonnull(question);
	g_assert_nonnull(
	    strstr(json_object_get_string_member(question, "secondary"),
		   "DMs are for answering people."));
	actions = json_object_get_array_member(question, "actions");
	g_assert_cmpuint(json_array_get_length(actions), ==, 3);
	g_assert_cmpstr(json_array_get_string_element(actions, 0), ==,
			"Send them");
	g_assert_cmpstr(json_array_get_string_element(actions, 1), ==,
			"Don't send them");
	g_assert_cmpstr(json_array_get_string_element(actions, 2), ==,
			"Keep them held");
	return question;
}

/* The second "request-action" event of @runner. */
static JsonObject *
wait_second_question(TwTestRunner *runner)
{
	gint64 deadline = g_get_monotonic_time() + WAIT_MS * 1000;
	GPtrArray *events;
	guint seen = 0;

	while (tw_test_runner_count_events(runner, "request-action", NULL,
					   NULL) < 2) {
		g_assert_cmpint(g_get_monotonic_time(), <, deadline);
		tw_test_let_it_run(50);
	}
	events = tw_test_runner_get_events(runner);
	for (guint i = 0; i < events->len; i++) {
		JsonObject *event = g_ptr_array_index(events, i);

		if (g_strcmp0(json_object_get_string_member_with_default(
				  event, "event", NULL),
			      "request-action") == 0 &&
		    ++seen == 2)
			return event;
	}
	g_assert_not_reached();
}

/* The offer to BLAST_LIMIT customers, then @text to one more, which is
 * held: returns the question that says so. */
static JsonObject *
hold_one(Guard *guard, TwTestRunner *runner, const char *text)
{
	send_to_limit(guard, runner);
	tw_test_send_command(runner, guard->handles[BLAST_LIMIT], text);
	return wait_held_question(runner, HELD_ONE);
}

/* The sixth person to get the offer within the hour does not, until the
 * user says so: the window says why, other messages go on meanwhile, and
 * "Send them" sends it once. */
static void
test_blast_held_then_sent(Guard *guard, gconstpointer data)
{
	TwTestRunner *runner = start(guard);
	JsonObject *question;
	JsonObject *note;

	question = hold_one(guard, runner, "big sale TODAY: 50% off!");
	note = tw_test_runner_wait_event(
	    runner, "message", "plain",
	    "Not sent yet: the same text already went to 5 people within the "
	    "hour. It is held until you send or drop the held messages.",
	    WAIT_MS);
	g_assert_nonnull(note);
	g_assert_true(tw_test_event_has_flag(note, "system"));
	/* Another text to another customer is not held behind it. */
	tw_test_send_command(runner, guard->handles[BLAST_LIMIT + 1],
			     "Your refund was sent.");
	wait_sent(guard, BLAST_LIMIT + 1, 1);
	g_assert_cmpuint(count_sent(guard, BLAST_LIMIT), ==, 0);

	tw_test_runner_answer_action(runner, question, 0);
	wait_sent(guard, BLAST_LIMIT, 1);
	tw_test_let_it_run(1000);
	g_assert_cmpuint(count_sent(guard, BLAST_LIMIT), ==, 1);
	g_assert_cmpint(tw_test_runner_quit(runner), ==, 0);
}

/* "Don't send them": the held message never reaches X, and the user is
 * told how many were dropped. */
static void
test_blast_dropped(Guard *guard, gconstpointer data)
{
	TwTestRunner *runner = start(guard);
	JsonObject *question;

	question = hold_one(guard, runner, "Big sale today: 50% off!");
	/* Held while the question is open: the answer covers it too. */
	tw_test_send_command(runner, guard->handles[BLAST_LIMIT + 1],
			     "BIG SALE TODAY: 50% OFF!");
	g_assert_nonnull(tw_test_runner_wait_event(
	    runner, "message", "conversation", guard->handles[BLAST_LIMIT + 1],
	    WAIT_MS));
	tw_test_let_it_run(500);
	tw_test_runner_answer_action(runner, question, 1);
	g_assert_nonnull(tw_test_runner_wait_event(
	    runner, "notify", "primary", "2 held messages were not sent.",
	    WAIT_MS));
	tw_test_let_it_run(1500);
	g_assert_cmpuint(count_sent(guard, BLAST_LIMIT), ==, 0);
	g_assert_cmpuint(count_sent(guard, BLAST_LIMIT + 1), ==, 0);
	g_assert_cmpint(tw_test_runner_quit(runner), ==, 0);

	/* Gone for good: no question after a restart. */
	runner = start(guard);
	tw_test_let_it_run(1500);
	g_assert_cmpuint(
	    tw_test_runner_count_events(runner, "request-action", NULL, NULL),
	    ==, 0);
	g_assert_cmpint(tw_test_runner_quit(runner), ==, 0);
}

/* "Keep them held": held on disk; after a restart the user is asked again,
 * and the count of the hour is remembered too. */
static void
test_blast_kept_across_restart(Guard *guard, gconstpointer data)
{
	TwTestRunner *runner = start(guard);
	JsonObject *question;

	question = hold_one(guard, runner, "Big sale today: 50% off!");
	tw_test_runner_answer_action(runner, question, 2);
	tw_test_let_it_run(1000);
	g_assert_cmpuint(count_sent(guard, BLAST_LIMIT), ==, 0);
	/* The account action asks again. */
	tw_test_runner_send(
	    runner, "{\"cmd\":\"action\",\"account\":\"" TW_TEST_ACCOUNT
		    "\",\"name\":\"Messages held by the blast limit\"}");
	question = wait_second_question(runner);
	g_assert_cmpstr(json_object_get_string_member(question, "primary"), ==,
			HELD_ONE);
	tw_test_runner_answer_action(runner, question, 2);
	tw_test_let_it_run(500);
	g_assert_cmpint(tw_test_runner_quit(runner), ==, 0);
	g_assert_cmpuint(count_sent(guard, BLAST_LIMIT), ==, 0);

	runner = start(guard);
	question = wait_held_question(runner, HELD_ONE);
	/* The hour's count survived: one more is held too. */
	tw_test_send_command(runner, guard->handles[BLAST_LIMIT + 1],
			     "Big sale today: 50% off!");
	tw_test_runner_wait_event(
	    runner, "message", "plain",
	    "Not sent yet: the same text already went to 5 people within the "
	    "hour. It is held until you send or drop the held messages.",
	    WAIT_MS);
	tw_test_runner_answer_action(runner, question, 0);
	wait_sent(guard, BLAST_LIMIT, 1);
	wait_sent(guard, BLAST_LIMIT + 1, 1);
	tw_test_let_it_run(1000);
	g_assert_cmpuint(count_sent(guard, BLAST_LIMIT), ==, 1);
	g_assert_cmpuint(count_sent(guard, BLAST_LIMIT + 1), ==, 1);
	g_assert_cmpint(tw_test_runner_quit(runner), ==, 0);
}

/* Answers to customers who wait for one never count: the same answer to
 * every customer who asked is sent to all of them, and the hour's count
 * starts after them. */
static void
test_blast_answers_not_counted(Guard *guard, gconstpointer data)
{
	TwTestRunner *runner = start(guard);

	for (guint i = 0; i < CUSTOMERS; i++) {
		g_autofree char *id = tw_test_create_message(
		    &guard->world, guard->ids[i], guard->world.account_id,
		    "Is the sale still on?", 0);
	}
	for (guint i = 0; i < CUSTOMERS; i++)
		g_assert_nonnull(
		    tw_test_runner_wait_event(runner, "message", "conversation",
					      guard->handles[i], WAIT_MS));
	for (guint i = 0; i < CUSTOMERS; i++)
		tw_test_send_command(runner, guard->handles[i],
				     "Yes, until Sunday.");
	for (guint i = 0; i < CUSTOMERS; i++)
		wait_sent(guard, i, 1);
	g_assert_cmpuint(
	    tw_test_runner_count_events(runner, "request-action", NULL, NULL),
	    ==, 0);
	/* Answered, they wait no more: the same text again is a broadcast,
	 * and only the sixth is held, so none of the answers counted. */
	for (guint i = 0; i < BLAST_LIMIT; i++) {
		tw_test_send_command(runner, guard->handles[i],
				     "Yes, until Sunday.");
		wait_sent(guard, i, 2);
	}
	tw_test_send_command(runner, guard->handles[BLAST_LIMIT],
			     "Yes, until Sunday.");
	wait_held_question(runner, HELD_ONE);
	g_assert_cmpuint(count_sent(guard, BLAST_LIMIT), ==, 1);
	g_assert_cmpint(tw_test_runner_quit(runner), ==, 0);
}

/* A group counts as one recipient, whatever its size: the offer to a group
 * of BLAST_LIMIT + 1 customers and to BLAST_LIMIT - 1 more people is sent
 * (it would be held if the group counted as its members), and the next
 * person is held (it would not be if the group did not count). */
static void
test_blast_group_counts_as_one(Guard *guard, gconstpointer data)
{
	TwTestRunner *runner = start(guard);
	g_autoptr(GPtrArray) members = g_ptr_array_new();
	g_autofree char *group = NULL;
	g_autofree char *path = NULL;
	const char *offer = "Big sale today: 50% off!";

	g_ptr_array_add(members, guard->world.account_id);
	for (guint i = 0; i < BLAST_LIMIT; i++)
		g_ptr_array_add(members, guard->ids[i]);
	group = tw_sandbox_create_group(guard->world.sandbox,
					guard->ids[BLAST_LIMIT + 1], members,
					"Hello all, about the group order");
	path = g_strdup_printf("/2/dm_conversations/%s/messages", group);
	g_assert_nonnull(tw_test_runner_wait_event(
	    runner, "chat-joined", "conversation", group, WAIT_MS));
	/* Answered, the group waits no more: the offer to it counts. */
	tw_test_chat_send_command(runner, group,
				  "Hi all, the order ships on Monday.");
	wait_sent_to(guard, path, 1);
	tw_test_let_it_run(1500);
	tw_test_chat_send_command(runner, group, offer);
	wait_sent_to(guard, path, 2);
	/* The group's members as 1:1 customers: BLAST_LIMIT - 1 more. */
	for (guint i = 0; i < BLAST_LIMIT - 1; i++) {
		tw_test_send_command(runner, guard->handles[i], offer);
		wait_sent(guard, i, 1);
	}
	g_assert_cmpuint(
	    tw_test_runner_count_events(runner, "request-action", NULL, NULL),
	    ==, 0);
	tw_test_send_command(runner, guard->handles[BLAST_LIMIT - 1], offer);
	wait_held_question(runner, HELD_ONE);
	g_assert_cmpuint(count_sent(guard, BLAST_LIMIT - 1), ==, 0);
	g_assert_cmpint(tw_test_runner_quit(runner), ==, 0);
}

static void
set_status(TwTestRunner *runner, const char *status, const char *message)
{
	g_autofree char *command = g_strdup_printf(
	    "{\"cmd\":\"status\",\"account\":\"" TW_TEST_ACCOUNT
	    "\",\"status\":\"%s\",\"message\":\"%s\",\"auto_reply\":\"away\"}",
	    status, message);
	guint before =
	    tw_test_runner_count_events(runner, "status", NULL, NULL);
	gint64 deadline = g_get_monotonic_time() + WAIT_MS * 1000;

	tw_test_runner_send(runner, command);
	while (tw_test_runner_count_events(runner, "status", "status",
					   status) == 0 ||
	       tw_test_runner_count_events(runner, "status", NULL, NULL) ==
		   before) {
		g_assert_cmpint(g_get_monotonic_time(), <, deadline);
		tw_test_let_it_run(50);
	}
}

static void
customer_writes(Guard *guard, TwTestRunner *runner, const char *text)
{
	g_autofree char *id = tw_test_create_message(
	    &guard->world, guard->ids[0], guard->world.account_id, text, 0);

	g_assert_nonnull(tw_test_runner_wait_event(runner, "message", "plain",
						   text, WAIT_MS));
}

/* Away with a message: a customer who writes gets it once in the away
 * period, however often they write and whenever libpurple resends it, and
 * still waits for a real answer; a new away period answers again. */
static void
test_away_once_per_period(Guard *guard, gconstpointer data)
{
	TwTestRunner *runner = start(guard);
	const char *away = "We are closed until 9:00, and will answer then.";
	g_autofree char *resend = g_strdup_printf(
	    "{\"cmd\":\"send\",\"account\":\"" TW_TEST_ACCOUNT
	    "\",\"to\":\"%s\",\"text\":\"%s\",\"auto_reply\":true}",
	    guard->handles[0], away);
	g_autoptr(GPtrArray) sent = NULL;
	JsonObject *waiting;

	set_status(runner, "away", away);
	customer_writes(guard, runner, "Where is my parcel?");
	wait_sent(guard, 0, 1);
	customer_writes(guard, runner, "Hello?");
	/* libpurple's resend after ten minutes, without the wait. */
	tw_test_runner_send(runner, resend);
	tw_test_let_it_run(2000);
	sent = tw_test_sent_texts(&guard->world, guard->paths[0]);
	g_assert_cmpuint(sent->len, ==, 1);
	g_assert_cmpstr(g_ptr_array_index(sent, 0), ==, away);

	/* The away message is no answer. */
	tw_test_runner_send(runner, "{\"cmd\":\"waiting\",\"account\":"
				    "\"" TW_TEST_ACCOUNT "\"}");
	waiting =
	    tw_test_runner_wait_event(runner, "waiting", NULL, NULL, WAIT_MS);
	g_assert_nonnull(waiting);
	g_assert_cmpuint(json_array_get_length(json_object_get_array_member(
			     waiting, "conversations")),
			 ==, 1);

	/* Back, then away again: a new period. */
	set_status(runner, "available", "");
	set_status(runner, "away", away);
	tw_test_runner_send(runner, resend);
	wait_sent(guard, 0, 2);
	g_assert_cmpint(tw_test_runner_quit(runner), ==, 0);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	tw_test_loop_install();

	g_test_add("/guard/blast-held-then-sent", Guard, NULL, guard_set_up,
		   test_blast_held_then_sent, guard_tear_down);
	g_test_add("/guard/blast-dropped", Guard, NULL, guard_set_up,
		   test_blast_dropped, guard_tear_down);
	g_test_add("/guard/blast-kept-across-restart", Guard, NULL,
		   guard_set_up, test_blast_kept_across_restart,
		   guard_tear_down);
	g_test_add("/guard/blast-answers-not-counted", Guard, NULL,
		   guard_set_up, test_blast_answers_not_counted,
		   guard_tear_down);
	g_test_add("/guard/blast-group-counts-as-one", Guard, NULL,
		   guard_set_up, test_blast_group_counts_as_one,
		   guard_tear_down);
	g_test_add("/guard/away-once-per-period", Guard, NULL, guard_set_up,
		   test_away_once_per_period, guard_tear_down);
	return g_test_run();
}
