/*
 * One headless runner with 100 accounts on one sandbox: all sign on, and
 * each receives its own messages and nobody else's, although the same
 * customers write to all of them. Suite "slow": the plain run of
 * tools/run-tests has it, the valgrind and sanitizer runs leave it out.
 * bench/bench-evidence measures the same set-up (memory, idle CPU,
 * wake-ups).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <glib.h>
#include <json-glib/json-glib.h>

#include "tw-test-crowd.h"
#include "tw-test-loop.h"
#include "tw-test-world.h"

#define ACCOUNTS 100

static const char *
member(JsonObject *event, const char *name)
{
	return json_object_get_string_member_with_default(event, name, NULL);
}

typedef struct {
	TwTestRunner *runner;
	const char *event;
	const char *flag;
	guint count;
} EventWait;

static guint
count_events(TwTestRunner *runner, const char *name, const char *flag)
{
	GPtrArray *events = tw_test_runner_get_events(runner);
	guint count = 0;

	for (guint i = 0; i < events->len; i++) {
		JsonObject *event = events->pdata[i];

		if (g_strcmp0(member(event, "event"), name) == 0 &&
		    (flag == NULL || tw_test_event_has_flag(event, flag)))
			count++;
	}
	return count;
}

static gboolean
has_events(gpointer data)
{
	EventWait *wait = data;

	return count_events(wait->runner, wait->event, wait->flag) >=
	       wait->count;
}

static void
test_hundred_accounts(void)
{
	TwTestCrowd crowd = {0};
	TwTestRunner *runner;
	EventWait signed_on = {NULL, "signed-on", NULL, ACCOUNTS};
	EventWait received = {NULL, "message", "recv", 0};
	GPtrArray *events;
	g_autoptr(GHashTable) per_account =
	    g_hash_table_new(g_str_hash, g_str_equal);
	guint wrong = 0;
	gint64 start;

	/* X's read limit, in a one-minute window. */
	tw_test_crowd_set_up(&crowd, ACCOUNTS, 60);
	received.count = crowd.messages_each * ACCOUNTS;
	start = g_get_monotonic_time();
	runner = tw_test_runner_start(crowd.user_dir, "--config",
				      crowd.config_path, NULL);
	signed_on.runner = received.runner = runner;
	g_assert_true(tw_test_wait_until(has_events, &signed_on, 120000));
	g_test_message("%u accounts signed on in %.1f s", ACCOUNTS,
		       (g_get_monotonic_time() - start) / 1e6);
	g_assert_true(tw_test_wait_until(has_events, &received, 120000));
	g_test_message("%u messages received after %.1f s", received.count,
		       (g_get_monotonic_time() - start) / 1e6);
	/* Nothing else arrives later. */
	tw_test_let_it_run(2000);

	events = tw_test_runner_get_events(runner);
	for (guint i = 0; i < events->len; i++) {
		JsonObject *event = events->pdata[i];
		const char *account = member(event, "account");
		g_autofree char *prefix = NULL;
		guint count;

		if (g_strcmp0(member(event, "event"), "message") != 0 ||
		    !tw_test_event_has_flag(event, "recv"))
			continue;
		prefix = g_strdup_printf("for %s, ", account);
		if (!g_str_has_prefix(member(event, "plain"), prefix)) {
			g_test_message("%s got \"%s\"", account,
				       member(event, "plain"));
			wrong++;
		}
		count =
		    GPOINTER_TO_UINT(g_hash_table_lookup(per_account, account));
		g_hash_table_insert(per_account, (gpointer)account,
				    GUINT_TO_POINTER(count + 1));
	}
	g_assert_cmpuint(wrong, ==, 0);
	g_assert_cmpuint(g_hash_table_size(per_account), ==, ACCOUNTS);
	for (guint i = 0; i < ACCOUNTS; i++)
		g_assert_cmpuint(GPOINTER_TO_UINT(g_hash_table_lookup(
				     per_account, crowd.handles->pdata[i])),
				 ==, crowd.messages_each);
	g_assert_cmpuint(count_events(runner, "signed-on", NULL), ==, ACCOUNTS);
	g_assert_cmpuint(count_events(runner, "connection-error", NULL), ==, 0);
	g_assert_cmpint(tw_test_runner_quit(runner), ==, 0);
	tw_test_crowd_tear_down(&crowd);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	tw_test_loop_install();
	g_test_add_func("/accounts/hundred-on-one-sandbox",
			test_hundred_accounts);
	return g_test_run();
}
