/*
 * The people behind the messages: buddies, aliases, icons, Get Info, adding
 * by handle, the DM-closed status, block and unblock. Each test runs the
 * built plugin inside the headless runner against the in-process sandbox.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <glib.h>
#include <json-glib/json-glib.h>
#include <string.h>

#include "tw-test-loop.h"
#include "tw-test-world.h"

#define WAIT_MS TW_TEST_WAIT_MS

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
start_signed_on(TwTestWorld *world)
{
	TwTestRunner *runner =
	    tw_test_world_start_runner(world, world->refresh_token, NULL, NULL);

	tw_test_assert_signed_on(runner);
	return runner;
}

static const char *
member(JsonObject *object, const char *name)
{
	return json_object_get_string_member_with_default(object, name, NULL);
}

static gboolean
has_received_text(TwTestRunner *runner, const char *text)
{
	GPtrArray *events = tw_test_runner_get_events(runner);

	for (guint i = 0; i < events->len; i++) {
		JsonObject *event = events->pdata[i];

		if (g_strcmp0(member(event, "event"), "message") == 0 &&
		    tw_test_event_has_flag(event, "recv") &&
		    g_strcmp0(member(event, "plain"), text) == 0)
			return TRUE;
	}
	return FALSE;
}

/* The buddy list as the runner sees it now: a fresh "buddies" event. */
static JsonArray *
get_buddies(TwTestRunner *runner)
{
	JsonObject *event;

	tw_test_runner_send(runner, "{\"cmd\":\"buddies\"}");
	event =
	    tw_test_runner_wait_event(runner, "buddies", NULL, NULL, WAIT_MS);
	g_assert_nonnull(event);
	return json_object_get_array_member(event, "buddies");
}

static JsonObject *
find_buddy(JsonArray *buddies, const char *name)
{
	for (guint i = 0; i < json_array_get_length(buddies); i++) {
		JsonObject *buddy = json_array_get_object_element(buddies, i);

		if (g_strcmp0(member(buddy, "name"), name) == 0)
			return buddy;
	}
	return NULL;
}

typedef struct {
	TwTestRunner *runner;
	const char *name;
	const char *key;
	const char *value; /* NULL: the buddy must be gone */
} BuddyWait;

static gboolean
buddy_matches(gpointer data)
{
	BuddyWait *wait = data;
	JsonObject *buddy = find_buddy(get_buddies(wait->runner), wait->name);

	if (wait->value == NULL)
		return buddy == NULL;
	return buddy != NULL &&
	       g_strcmp0(member(buddy, wait->key), wait->value) == 0;
}

static void
wait_buddy(TwTestRunner *runner, const char *name, const char *key,
	   const char *value)
{
	BuddyWait wait = {runner, name, key, value};

	g_assert_true(tw_test_wait_until(buddy_matches, &wait, WAIT_MS));
}

static void
add_buddy(TwTestRunner *runner, const char *who)
{
	g_autofree char *command =
	    g_strdup_printf("{\"cmd\":\"add-buddy\",\"who\":\"%s\"}", who);

	tw_test_runner_send(runner, command);
}

static void
privacy_command(TwTestRunner *runner, const char *cmd, const char *who)
{
	g_autofree char *command =
	    g_strdup_printf("{\"cmd\":\"%s\",\"who\":\"%s\"}", cmd, who);

	tw_test_runner_send(runner, command);
}

/****************************************************************************
 * Tests
 ****************************************************************************/

static void
test_buddy_population(TwTestWorld *world, gconstpointer data)
{
	g_autofree char *maria = tw_sandbox_add_user(
	    world->sandbox, "Maria_Gonzalez", "Maria González");
	TwTestRunner *runner = start_signed_on(world);
	g_autofree char *id = tw_test_create_message(
	    world, maria, world->account_id, "Where is my parcel?", 0);
	JsonObject *buddy;

	tw_test_wait_received(runner, 1);
	buddy = find_buddy(get_buddies(runner), "maria_gonzalez");
	g_assert_nonnull(buddy);
	g_assert_cmpstr(member(buddy, "alias"), ==, "Maria González");
	g_assert_cmpstr(member(buddy, "group"), ==, "Twitter DMs");
	g_assert_cmpstr(member(buddy, "status"), ==, "available");
	/* The account itself is nobody's buddy. */
	g_assert_null(find_buddy(get_buddies(runner), TW_TEST_ACCOUNT));
	g_assert_cmpint(tw_test_runner_quit(runner), ==, 0);
}

static void
test_alias_follows_rename(TwTestWorld *world, gconstpointer data)
{
	g_autofree char *tom =
	    tw_sandbox_add_user(world->sandbox, "tombecker_dev", "Tom Becker");
	TwTestRunner *runner = start_signed_on(world);
	g_autofree char *first =
	    tw_test_create_message(world, tom, world->account_id, "hi", 0);
	g_autofree char *second = NULL;
	JsonArray *buddies;
	JsonObject *buddy;

	tw_test_wait_received(runner, 1);
	wait_buddy(runner, "tombecker_dev", "alias", "Tom Becker");

	/* Same user id, new handle and new name. */
	tw_sandbox_rename_user(world->sandbox, tom, "Tom_B", "Tom B.");
	second = tw_test_create_message(world, tom, world->account_id,
					"new name", 0);
	tw_test_wait_received(runner, 2);
	wait_buddy(runner, "tom_b", "alias", "Tom B.");
	buddies = get_buddies(runner);
	g_assert_null(find_buddy(buddies, "tombecker_dev"));
	buddy = find_buddy(buddies, "tom_b");
	g_assert_cmpstr(member(buddy, "group"), ==, "Twitter DMs");
	g_assert_cmpint(tw_test_runner_quit(runner), ==, 0);
}

static gboolean
has_icon(gpointer data)
{
	TwTestRunner *runner = data;
	JsonObject *buddy = find_buddy(get_buddies(runner), "priya_shop");

	return buddy != NULL && member(buddy, "icon_checksum") != NULL;
}

static void
test_icon_fetched_once(TwTestWorld *world, gconstpointer data)
{
	g_autofree char *priya =
	    tw_sandbox_add_user(world->sandbox, "priya_shop", "Priya");
	TwTestRunner *runner = start_signed_on(world);
	g_autofree char *first =
	    tw_test_create_message(world, priya, world->account_id, "one", 0);
	g_autofree char *second = NULL;
	g_autofree char *third = NULL;
	JsonObject *buddy;

	tw_test_wait_received(runner, 1);
	g_assert_true(tw_test_wait_until(has_icon, runner, WAIT_MS));
	buddy = find_buddy(get_buddies(runner), "priya_shop");
	/* A larger size than the 48-pixel _normal one. */
	g_assert_true(
	    g_str_has_suffix(member(buddy, "icon_checksum"), "_400x400.png"));
	g_assert_cmpuint(tw_sandbox_count_requests(world->sandbox, "GET",
						   "/_sandbox/avatars/"),
			 ==, 1);

	/* Another message, the same URL: nothing is fetched. */
	second =
	    tw_test_create_message(world, priya, world->account_id, "two", 0);
	tw_test_wait_received(runner, 2);
	g_assert_cmpint(tw_test_runner_quit(runner), ==, 0);

	/* Nor after a restart. */
	runner = start_signed_on(world);
	third =
	    tw_test_create_message(world, priya, world->account_id, "three", 0);
	tw_test_wait_received(runner, 1);
	g_assert_true(tw_test_wait_until(has_icon, runner, WAIT_MS));
	tw_test_let_it_run(300);
	g_assert_cmpuint(tw_sandbox_count_requests(world->sandbox, "GET",
						   "/_sandbox/avatars/"),
			 ==, 1);
	g_assert_cmpint(tw_test_runner_quit(runner), ==, 0);
}

static void
test_get_info_fields(TwTestWorld *world, gconstpointer data)
{
	g_autofree char *maria = tw_sandbox_add_user(
	    world->sandbox, "maria_gonzalez", "Maria González");
	const char *connection[] = {"following", "followed_by", NULL};
	TwTestRunner *runner = NULL;
	JsonObject *event;
	JsonObject *info;
	char *end = NULL;

	tw_sandbox_set_connection_status(world->sandbox, maria, connection);
	runner = start_signed_on(world);

	tw_test_runner_send(
	    runner, "{\"cmd\":\"get-info\",\"who\":\"Maria_Gonzalez\"}");
	event =
	    tw_test_runner_wait_event(runner, "userinfo", NULL, NULL, WAIT_MS);
	g_assert_nonnull(event);
	g_assert_cmpstr(member(event, "who"), ==, "maria_gonzalez");
	info = json_object_get_object_member(event, "info");
	g_assert_cmpstr(member(info, "Name"), ==, "Maria González");
	g_assert_cmpstr(member(info, "Handle"), ==, "@maria_gonzalez");
	g_assert_cmpstr(member(info, "Verified"), ==, "No");
	g_assert_cmpstr(member(info, "Protected"), ==, "No");
	g_assert_cmpstr(member(info, "Accepts your DMs"), ==, "Yes");
	g_assert_nonnull(member(info, "Followers"));
	g_ascii_strtoll(member(info, "Followers"), &end, 10);
	g_assert_cmpstr(end, ==, "");
	g_assert_nonnull(member(info, "Following"));
	g_assert_cmpstr(member(info, "Connection"), ==,
			"you follow them, they follow you");
	g_assert_null(member(info, "Error"));

	/* Someone X does not know: said so. */
	tw_test_runner_send(runner,
			    "{\"cmd\":\"get-info\",\"who\":\"nobody_here\"}");
	event =
	    tw_test_runner_wait_event(runner, "userinfo", NULL, NULL, WAIT_MS);
	g_assert_nonnull(event);
	info = json_object_get_object_member(event, "info");
	g_assert_nonnull(strstr(member(info, "Error"), "no X user"));
	g_assert_null(member(info, "Name"));
	g_assert_cmpint(tw_test_runner_quit(runner), ==, 0);
}

static void
test_add_unknown_handle(TwTestWorld *world, gconstpointer data)
{
	g_autofree char *real =
	    tw_sandbox_add_user(world->sandbox, "real_person", "Real Person");
	TwTestRunner *runner = start_signed_on(world);
	JsonObject *event;

	add_buddy(runner, "nobody_here");
	event = tw_test_runner_wait_event(runner, "notify", "type", "error",
					  WAIT_MS);
	g_assert_nonnull(event);
	g_assert_cmpstr(member(event, "primary"), ==, "No such X user");
	g_assert_nonnull(strstr(member(event, "secondary"), "@nobody_here"));
	wait_buddy(runner, "nobody_here", NULL, NULL);

	/* A real handle stays, and gets its name. */
	add_buddy(runner, "Real_Person");
	wait_buddy(runner, "real_person", "alias", "Real Person");
	g_assert_cmpuint(
	    tw_test_runner_count_events(runner, "notify", "type", "error"), ==,
	    1);
	g_assert_cmpint(tw_test_runner_quit(runner), ==, 0);
}

static void
test_dm_closed_status(TwTestWorld *world, gconstpointer data)
{
	g_autofree char *closed =
	    tw_sandbox_add_user(world->sandbox, "closed_dms", "Closed");
	TwTestRunner *runner = start_signed_on(world);
	JsonObject *buddy;

	tw_sandbox_set_receives_dm(world->sandbox, closed, FALSE);
	add_buddy(runner, "closed_dms");
	wait_buddy(runner, "closed_dms", "status", "dm-closed");
	buddy = find_buddy(get_buddies(runner), "closed_dms");
	g_assert_nonnull(strstr(member(buddy, "status_message"),
				"does not accept your direct messages"));

	/* They open their DMs: available again at the next look. */
	tw_sandbox_set_receives_dm(world->sandbox, closed, TRUE);
	tw_test_runner_send(runner,
			    "{\"cmd\":\"get-info\",\"who\":\"closed_dms\"}");
	g_assert_nonnull(
	    tw_test_runner_wait_event(runner, "userinfo", NULL, NULL, WAIT_MS));
	wait_buddy(runner, "closed_dms", "status", "available");
	g_assert_cmpint(tw_test_runner_quit(runner), ==, 0);
}

static gboolean
has_text(gpointer data)
{
	TwTestRunner *runner = ((gpointer *)data)[0];
	const char *text = ((gpointer *)data)[1];

	return has_received_text(runner, text);
}

static void
wait_text(TwTestRunner *runner, const char *text)
{
	gpointer data[2] = {runner, (gpointer)text};

	g_assert_true(tw_test_wait_until(has_text, data, WAIT_MS));
}

static void
test_block_and_unblock(TwTestWorld *world, gconstpointer data)
{
	g_autofree char *spammer =
	    tw_sandbox_add_user(world->sandbox, "spam_bot", "Spam");
	g_autofree char *friend =
	    tw_sandbox_add_user(world->sandbox, "good_friend", "Friend");
	g_autofree char *block_path =
	    g_strdup_printf("/2/users/%s/dm/block", spammer);
	g_autofree char *unblock_path =
	    g_strdup_printf("/2/users/%s/dm/unblock", spammer);
	TwTestRunner *runner = start_signed_on(world);
	g_autofree char *first = tw_test_create_message(
	    world, spammer, world->account_id, "buy now", 0);
	g_autofree char *hidden = NULL;
	g_autofree char *own = NULL;
	g_autofree char *marker = NULL;
	g_autofree char *after = NULL;

	wait_text(runner, "buy now");
	privacy_command(runner, "block", "spam_bot");
	tw_test_wait_requests(world, "POST", block_path, 1);

	hidden = tw_test_create_message(world, spammer, world->account_id,
					"buy more", 0);
	own = tw_test_create_message(world, world->account_id, spammer,
				     "typed on the phone to the spammer", 0);
	marker = tw_test_create_message(world, friend, world->account_id,
					"hello", 0);
	wait_text(runner, "hello");
	/* Polls deliver oldest first: the hidden one came before. */
	tw_test_let_it_run(300);
	g_assert_false(has_received_text(runner, "buy more"));
	/* Nor what the owner wrote to them on another device. */
	g_assert_cmpuint(
	    tw_test_runner_count_events(runner, "message", "plain",
					"typed on the phone to the spammer"),
	    ==, 0);

	privacy_command(runner, "unblock", "spam_bot");
	tw_test_wait_requests(world, "POST", unblock_path, 1);
	after = tw_test_create_message(world, spammer, world->account_id,
				       "sorry", 0);
	wait_text(runner, "sorry");
	g_assert_false(has_received_text(runner, "buy more"));
	g_assert_cmpuint(
	    tw_sandbox_count_requests(world->sandbox, "POST", block_path), ==,
	    1);
	g_assert_cmpint(tw_test_runner_quit(runner), ==, 0);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	tw_test_loop_install();
#define ADD(path, func)                                                        \
	g_test_add(path, TwTestWorld, NULL, world_set_up, func, world_tear_down)
	ADD("/people/buddy-population", test_buddy_population);
	ADD("/people/alias-follows-rename", test_alias_follows_rename);
	ADD("/people/icon-fetched-once", test_icon_fetched_once);
	ADD("/people/get-info-fields", test_get_info_fields);
	ADD("/people/add-unknown-handle", test_add_unknown_handle);
	ADD("/people/dm-closed-status", test_dm_closed_status);
	ADD("/people/block-and-unblock", test_block_and_unblock);
#undef ADD
	return g_test_run();
}
