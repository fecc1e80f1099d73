/*
 * Unit tests of tw-pace: the pace follows the rate-limit headers, and the
 * backoff after errors is 1, 2, then 4 paces, never more, at X's real
 * window and at a compressed one alike.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <glib.h>

#include "tw-pace.h"

#define NOW (G_GINT64_CONSTANT(1764000000) * G_USEC_PER_SEC)

/* Headers of the first response of a window of @window_seconds. */
static void
take_first_of_window(TwPace *pace, gint64 limit, gint64 window_seconds)
{
	TwRateLimit headers = {.known = TRUE,
			       .limit = limit,
			       .remaining = limit - 1,
			       .reset = NOW / G_USEC_PER_SEC + window_seconds};

	tw_pace_take_headers(pace, &headers, NOW);
}

static void
test_interval_from_headers(void)
{
	TwPace pace;

	tw_pace_init(&pace, 0);
	g_assert_cmpuint(tw_pace_get_interval_ms(&pace), ==,
			 TW_PACE_DEFAULT_MS);
	take_first_of_window(&pace, 15, 15 * 60);
	g_assert_cmpuint(tw_pace_get_interval_ms(&pace), ==, 60 * 1000);
	tw_pace_clear(&pace);

	/* A sandbox compressed to 15 reads per 15 s: one second. */
	tw_pace_init(&pace, 0);
	take_first_of_window(&pace, 15, 15);
	g_assert_cmpuint(tw_pace_get_interval_ms(&pace), ==, 1000);
	/* A later response of the same window does not shrink it. */
	{
		TwRateLimit later = pace.limit;

		later.remaining = 3;
		tw_pace_take_headers(&pace, &later, NOW + 12 * G_USEC_PER_SEC);
	}
	g_assert_cmpuint(tw_pace_get_interval_ms(&pace), ==, 1000);
	tw_pace_clear(&pace);
}

static void
test_floor(void)
{
	TwPace pace;

	tw_pace_init(&pace, 5);
	take_first_of_window(&pace, 15, 15);
	g_assert_cmpuint(tw_pace_get_interval_ms(&pace), ==, 5000);
	g_assert_cmpuint(tw_pace_spread_ms(&pace, NOW), >=, 5000);
	tw_pace_clear(&pace);
}

static void
check_backoff_in_paces(gint64 window_seconds)
{
	const guint expected_paces[] = {1, 1, 2, 4, 4, 4, 4, 4, 4, 4};
	g_autoptr(GError) error =
	    g_error_new_literal(TW_API_ERROR, TW_API_ERROR_SERVER, "503");
	TwPace pace;
	guint interval;

	tw_pace_init(&pace, 0);
	take_first_of_window(&pace, 15, window_seconds);
	interval = tw_pace_get_interval_ms(&pace);
	for (guint round = 0; round < 50; round++) {
		for (guint i = 0; i < G_N_ELEMENTS(expected_paces); i++) {
			guint nominal = interval * expected_paces[i];
			guint delay = tw_pace_backoff_ms(&pace, pace.failures);

			g_assert_cmpuint(delay, <=, nominal);
			g_assert_cmpuint(delay, >=, nominal - nominal / 10);
			tw_pace_fail(&pace, error, NOW);
		}
		tw_pace_succeed(&pace);
		g_assert_cmpuint(pace.failures, ==, 0);
	}
	g_assert_cmpstr(pace.last_error, ==, "503");
	g_assert_cmpint(pace.last_error_time, ==, NOW);
	tw_pace_clear(&pace);
}

static void
test_backoff_at_x_limits(void)
{
	check_backoff_in_paces(15 * 60);
}

static void
test_backoff_compressed(void)
{
	check_backoff_in_paces(15);
}

static void
test_spread_and_reset(void)
{
	TwPace pace;
	TwRateLimit headers = {.known = TRUE,
			       .limit = 15,
			       .remaining = 11,
			       .reset = NOW / G_USEC_PER_SEC + 100};
	guint interval;
	guint wait;

	tw_pace_init(&pace, 0);
	tw_pace_take_headers(&pace, &headers, NOW);
	/* No Date header: the reset is taken a second late, 101 s, and the
	 * 11 requests left and the reset after them share it evenly. */
	g_assert_cmpuint(tw_pace_spread_ms(&pace, NOW), ==, 101000 / 12);
	headers.remaining = 1;
	tw_pace_take_headers(&pace, &headers, NOW);
	g_assert_cmpuint(tw_pace_spread_ms(&pace, NOW), ==, 101000 / 2);
	/* None left: the reset, with at most 5% of a pace of jitter. */
	headers.remaining = 0;
	tw_pace_take_headers(&pace, &headers, NOW);
	interval = tw_pace_get_interval_ms(&pace);
	for (guint i = 0; i < 100; i++) {
		wait = tw_pace_spread_ms(&pace, NOW);
		g_assert_cmpuint(wait, >=, 101000);
		g_assert_cmpuint(wait, <=, 101000 + interval / 20);
	}
	/* A reset in the past: a new window, one pace away. */
	wait = tw_pace_until_reset_ms(&pace, NOW + 200 * G_USEC_PER_SEC);
	g_assert_cmpuint(wait, >=, interval);
	g_assert_cmpuint(wait, <=, interval * 11 / 10);
	tw_pace_clear(&pace);
}

/* X's clock is 30.3 s ahead of ours. Each Date header shows its whole
 * second: the reset is never waited for too early, and after a few
 * responses read at different points of X's seconds, only a little late. */
static void
test_reset_by_x_clock(void)
{
	const gint64 offset = 30300 * 1000;
	gint64 reset_by_us;
	TwPace pace;
	TwRateLimit headers = {.known = TRUE, .limit = 15, .remaining = 14};

	headers.reset = (NOW + offset) / G_USEC_PER_SEC + 100;
	reset_by_us = headers.reset * G_USEC_PER_SEC - offset;
	tw_pace_init(&pace, 0);
	for (guint i = 0; i < TW_PACE_CLOCK_SAMPLES; i++) {
		gint64 now = NOW + (gint64)i * 61 * 1000;

		headers.date = (now + offset) / G_USEC_PER_SEC;
		tw_pace_take_headers(&pace, &headers, now);
		g_assert_cmpint(tw_pace_get_reset_time(&pace), >=, reset_by_us);
	}
	g_assert_cmpint(tw_pace_get_reset_time(&pace), <=,
			reset_by_us + 61 * 1000);
	/* The wait ends at X's reset (plus jitter), not ours. */
	headers.remaining = 0;
	tw_pace_take_headers(&pace, &headers, NOW + 2 * G_USEC_PER_SEC);
	g_assert_cmpuint(
	    tw_pace_until_reset_ms(&pace, NOW + 2 * G_USEC_PER_SEC), >=,
	    (reset_by_us - NOW - 2 * G_USEC_PER_SEC) / 1000);
	g_assert_cmpuint(
	    tw_pace_until_reset_ms(&pace, NOW + 2 * G_USEC_PER_SEC), <=,
	    (reset_by_us - NOW - 2 * G_USEC_PER_SEC) / 1000 + 62 +
		tw_pace_get_interval_ms(&pace) / 20);
	tw_pace_clear(&pace);
}

/* The sign-on's /2/users/me tells the window before any DM read does. */
static void
test_window_from_another_family(void)
{
	TwPace pace;
	TwRateLimit me = {.known = TRUE,
			  .limit = 75,
			  .remaining = 74,
			  .reset = NOW / G_USEC_PER_SEC + 15 * 60};

	tw_pace_init(&pace, 0);
	tw_pace_learn_window(&pace, &me, NOW);
	g_assert_false(pace.limit.known);
	g_assert_cmpuint(tw_pace_get_interval_ms(&pace), ==, 60 * 1000);
	tw_pace_clear(&pace);
	me.reset = NOW / G_USEC_PER_SEC + 15;
	tw_pace_init(&pace, 0);
	tw_pace_learn_window(&pace, &me, NOW);
	g_assert_cmpuint(tw_pace_get_interval_ms(&pace), ==, 1000);
	tw_pace_clear(&pace);
}

static void
test_unknown_headers_ignored(void)
{
	TwPace pace;
	TwRateLimit unknown = {0};

	tw_pace_init(&pace, 0);
	take_first_of_window(&pace, 15, 15);
	tw_pace_take_headers(&pace, &unknown, NOW);
	g_assert_true(pace.limit.known);
	g_assert_cmpuint(tw_pace_get_interval_ms(&pace), ==, 1000);
	tw_pace_clear(&pace);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/pace/interval-from-headers",
			test_interval_from_headers);
	g_test_add_func("/pace/floor", test_floor);
	g_test_add_func("/pace/backoff-at-x-limits", test_backoff_at_x_limits);
	g_test_add_func("/pace/backoff-compressed", test_backoff_compressed);
	g_test_add_func("/pace/spread-and-reset", test_spread_and_reset);
	g_test_add_func("/pace/reset-by-x-clock", test_reset_by_x_clock);
	g_test_add_func("/pace/window-from-another-family",
			test_window_from_another_family);
	g_test_add_func("/pace/unknown-headers-ignored",
			test_unknown_headers_ignored);
	return g_test_run();
}
