/*
 * tw-pace: time as X's rate-limit headers give it, for one family of
 * requests (DM reads, DM sends). The pace is the window's length divided
 * by its limit (60 s at X's 15 requests per 15 minutes; proportionally
 * less in a sandbox that compresses the window), with the account's
 * poll-interval as a floor. Waits after errors are counted in paces, so
 * the plugin behaves the same at any window length. Pure arithmetic on
 * values handed in: no timers, no I/O, no libpurple.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#pragma once

#include <glib.h>

#include "tw-api.h"

G_BEGIN_DECLS

/**
 * TW_PACE_DEFAULT_MS:
 *
 * The pace before any header has been seen: X's documented 15 DM reads
 * per 15 minutes.
 */
#define TW_PACE_DEFAULT_MS (60 * 1000)

/**
 * TW_PACE_DEFAULT_LIMIT:
 *
 * Requests per window assumed while only another family's headers have
 * told the window's length: X's 15 DM reads (and sends) per window.
 */
#define TW_PACE_DEFAULT_LIMIT 15

/**
 * TW_PACE_BACKOFF_MAX_PACES:
 *
 * After transient errors the next try comes 1, 2, then 4 paces later,
 * never more.
 */
#define TW_PACE_BACKOFF_MAX_PACES 4

/**
 * TW_PACE_CLOCK_SAMPLES:
 *
 * How many recent Date headers tell where X's clock is: a whole-second
 * header read at a random point of its second bounds the offset within
 * about 1/n s after n responses; only recent ones, so a step of the
 * local clock is forgotten soon.
 */
#define TW_PACE_CLOCK_SAMPLES 16

/**
 * TwPace:
 * @limit: the newest rate-limit headers of the family
 * @window_us: the longest window seen (reset minus the time of a
 *   response), 0 while unknown
 * @floor_ms: the shortest pace allowed (the poll-interval option)
 * @failures: transient failures in a row
 * @last_error_time: Unix µs of the last transient failure, 0 for none
 * @last_error: (nullable): what it was, for the status text
 * @clock_samples: lower bounds of X's clock minus ours, in µs, from the
 *   newest responses' Date headers (a ring of #TW_PACE_CLOCK_SAMPLES)
 * @clock_sample_count: how many of them are filled
 * @clock_sample_next: where the next one goes
 *
 * One family's pacing state. Initialise with tw_pace_init(), release
 * with tw_pace_clear().
 */
typedef struct {
	TwRateLimit limit;
	gint64 window_us;
	guint floor_ms;
	guint failures;
	gint64 last_error_time;
	char *last_error;
	gint64 clock_samples[TW_PACE_CLOCK_SAMPLES];
	guint clock_sample_count;
	guint clock_sample_next;
} TwPace;

/**
 * tw_pace_init:
 * @pace: (out caller-allocates): the state
 * @floor_seconds: the shortest pace, 0 for none
 */
void tw_pace_init(TwPace *pace, guint floor_seconds);

/**
 * tw_pace_clear:
 * @pace: the state; its error text is freed
 */
void tw_pace_clear(TwPace *pace);

/**
 * tw_pace_take_headers:
 * @pace: the state
 * @limit: the headers of a response; ignored unless @limit->known
 * @now: Unix µs when the response arrived
 *
 * Keeps the headers and learns the window's length from them.
 */
void tw_pace_take_headers(TwPace *pace, const TwRateLimit *limit, gint64 now);

/**
 * tw_pace_get_reset_time:
 * @pace: the state
 *
 * Returns: Unix µs by our clock when X's clock reaches the window's reset,
 * at the latest (a second past the reset when X's clock is not known), or
 * 0 when the reset is unknown
 */
gint64 tw_pace_get_reset_time(const TwPace *pace);

/**
 * tw_pace_learn_window:
 * @pace: the state
 * @limit: the headers of a response of another family; ignored unless
 *   @limit->known
 * @now: Unix µs when the response arrived
 *
 * X's windows have one length for every family: another family's headers
 * (the sign-on's /2/users/me, say) tell it before this family's own do.
 */
void tw_pace_learn_window(TwPace *pace, const TwRateLimit *limit, gint64 now);

/**
 * tw_pace_get_interval_ms:
 * @pace: the state
 *
 * Returns: one pace in milliseconds: window / limit once both are known,
 * %TW_PACE_DEFAULT_MS before; never below the floor
 */
guint tw_pace_get_interval_ms(const TwPace *pace);

/**
 * tw_pace_spread_ms:
 * @pace: the state
 * @now: Unix µs
 *
 * The wait before the next request in the steady state: the requests left
 * in the window spread evenly over the time until its reset, so the gap
 * before the reset is one of them (every request of the window is used;
 * a read that finds none left waits for the reset); until the reset when
 * none is left.
 *
 * Returns: milliseconds, never below the floor
 */
guint tw_pace_spread_ms(const TwPace *pace, gint64 now);

/**
 * tw_pace_until_reset_ms:
 * @pace: the state
 * @now: Unix µs
 *
 * The wait for the window to reset: until X's clock shows the reset
 * second, as far as the Date headers tell where X's clock is (a second
 * past it by ours when no response had one), plus up to 5% of a pace of
 * jitter. When the reset is unknown or has passed: one pace.
 *
 * Returns: milliseconds
 */
guint tw_pace_until_reset_ms(const TwPace *pace, gint64 now);

/**
 * tw_pace_fail:
 * @pace: the state
 * @error: the transient failure
 * @now: Unix µs
 *
 * Counts a transient failure (5xx, timeout, reset, unreadable body).
 * Refusals that have their own wait (401, 429) are not failures.
 */
void tw_pace_fail(TwPace *pace, const GError *error, gint64 now);

/**
 * tw_pace_succeed:
 * @pace: the state
 *
 * A successful response: the failure count starts again. The last error
 * stays for the status text.
 */
void tw_pace_succeed(TwPace *pace);

/**
 * tw_pace_backoff_ms:
 * @pace: the state
 * @failures: transient failures in a row (usually @pace->failures; a
 *   token refresh keeps its own count)
 *
 * The wait after @failures: 1, 2, then 4 paces, never more, less up to
 * 10% jitter (so that many accounts do not wake in lock-step and the bound
 * holds).
 *
 * Returns: milliseconds; one pace when nothing failed
 */
guint tw_pace_backoff_ms(const TwPace *pace, guint failures);

/**
 * tw_pace_add_jitter:
 * @milliseconds: a wait
 *
 * Returns: @milliseconds plus up to 10%
 */
guint tw_pace_add_jitter(guint milliseconds);

G_END_DECLS
