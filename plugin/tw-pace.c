/*
 * tw-pace: time as X's rate-limit headers give it. See tw-pace.h.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "tw-pace.h"

/* Whatever the headers say, requests never come closer than this. */
#define PACE_MIN_MS 200
/* A window longer than a day is a broken header, not a window. */
#define PACE_MAX_WINDOW_US (24 * G_TIME_SPAN_HOUR)

void
tw_pace_init(TwPace *pace, guint floor_seconds)
{
	*pace = (TwPace){0};
	pace->floor_ms = floor_seconds * 1000;
}

void
tw_pace_clear(TwPace *pace)
{
	g_clear_pointer(&pace->last_error, g_free);
}

/* X's clock read the Date second at most as late as @now: the offset
 * is at least that second minus @now, whatever the transfer took. */
static void
take_clock_sample(TwPace *pace, const TwRateLimit *limit, gint64 now)
{
	if (limit->date <= 0)
		return;
	pace->clock_samples[pace->clock_sample_next] =
	    limit->date * G_USEC_PER_SEC - now;
	pace->clock_sample_next =
	    (pace->clock_sample_next + 1) % TW_PACE_CLOCK_SAMPLES;
	pace->clock_sample_count =
	    MIN(pace->clock_sample_count + 1, TW_PACE_CLOCK_SAMPLES);
}

void
tw_pace_take_headers(TwPace *pace, const TwRateLimit *limit, gint64 now)
{
	if (!limit->known)
		return;
	pace->limit = *limit;
	take_clock_sample(pace, limit, now);
	tw_pace_learn_window(pace, limit, now);
}

gint64
tw_pace_get_reset_time(const TwPace *pace)
{
	gint64 offset = G_MININT64;

	if (!pace->limit.known)
		return 0;
	for (guint i = 0; i < pace->clock_sample_count; i++)
		offset = MAX(offset, pace->clock_samples[i]);
	/* The header counts whole seconds: without X's clock, one past. */
	if (pace->clock_sample_count == 0)
		return (pace->limit.reset + 1) * G_USEC_PER_SEC;
	return pace->limit.reset * G_USEC_PER_SEC - offset;
}

void
tw_pace_learn_window(TwPace *pace, const TwRateLimit *limit, gint64 now)
{
	gint64 window;

	if (!limit->known)
		return;
	/* The reset is a whole second, rounded up: the window is at least
	 * what is left of it at any response, and exactly that at the first
	 * response of a window. */
	window = limit->reset * G_USEC_PER_SEC - now;
	if (window > 0 && window <= PACE_MAX_WINDOW_US)
		pace->window_us = MAX(pace->window_us, window);
}

guint
tw_pace_get_interval_ms(const TwPace *pace)
{
	guint interval = TW_PACE_DEFAULT_MS;
	gint64 limit = pace->limit.known && pace->limit.limit > 0
			   ? pace->limit.limit
			   : TW_PACE_DEFAULT_LIMIT;

	if (pace->window_us > 0)
		interval = (guint)MIN(pace->window_us / 1000 / limit,
				      (gint64)G_MAXINT32);
	return MAX(MAX(interval, pace->floor_ms), PACE_MIN_MS);
}

guint
tw_pace_add_jitter(guint milliseconds)
{
	/* Up to 10% more, so many accounts do not wake in lock-step. */
	return milliseconds + g_random_int_range(0, milliseconds / 10 + 1);
}

guint
tw_pace_until_reset_ms(const TwPace *pace, gint64 now)
{
	gint64 reset = tw_pace_get_reset_time(pace);
	guint interval = tw_pace_get_interval_ms(pace);

	if (reset <= now)
		return tw_pace_add_jitter(interval);
	/* A little jitter so accounts do not wake in lock-step, never so
	 * much that a pace is lost. */
	return (guint)MIN((reset - now + 999) / 1000,
			  PACE_MAX_WINDOW_US / 1000) +
	       g_random_int_range(0, (gint32)(interval / 20) + 1);
}

guint
tw_pace_spread_ms(const TwPace *pace, gint64 now)
{
	const TwRateLimit *limit = &pace->limit;
	guint delay_ms;

	if (!limit->known) {
		delay_ms = tw_pace_get_interval_ms(pace);
	} else if (limit->remaining <= 0) {
		delay_ms = tw_pace_until_reset_ms(pace, now);
	} else {
		gint64 left_ms =
		    MAX(tw_pace_get_reset_time(pace) - now, 0) / 1000;

		/* The requests left, and the reset after them, evenly. */
		delay_ms = (guint)MIN(left_ms / (limit->remaining + 1),
				      (gint64)G_MAXINT32);
	}
	return MAX(MAX(delay_ms, pace->floor_ms), PACE_MIN_MS);
}

void
tw_pace_fail(TwPace *pace, const GError *error, gint64 now)
{
	pace->failures++;
	pace->last_error_time = now;
	g_free(pace->last_error);
	pace->last_error = g_strdup(error->message);
}

void
tw_pace_succeed(TwPace *pace)
{
	pace->failures = 0;
}

guint
tw_pace_backoff_ms(const TwPace *pace, guint failures)
{
	guint paces = 1;
	guint64 nominal;

	for (guint i = 1; i < failures && paces < TW_PACE_BACKOFF_MAX_PACES;
	     i++)
		paces *= 2;
	nominal = (guint64)tw_pace_get_interval_ms(pace) *
		  MIN(paces, TW_PACE_BACKOFF_MAX_PACES);
	nominal = MIN(nominal, (guint64)G_MAXINT32);
	/* Jitter below the nominal wait keeps the bound of four paces. */
	return (guint)nominal -
	       g_random_int_range(0, (gint32)(nominal / 10) + 1);
}
