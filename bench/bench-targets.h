/*
 * bench-targets: the targets of issue 15 beside the figures one run of
 * bench-sync measured, each with PASS or FAIL. Counts (billing,
 * duplicates, lost DMs) are the regressions --check fails on; times and
 * memory are printed, never judged by the exit status, because the
 * machines are shared and noisy.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct _TwBenchTargets TwBenchTargets;

/** Returns: (transfer full): an empty list of targets */
TwBenchTargets *tw_bench_targets_new(void);

/** @targets: (transfer full) (nullable): the list */
void tw_bench_targets_free(TwBenchTargets *targets);

/**
 * tw_bench_targets_add:
 * @targets: the list
 * @name: what is measured
 * @value: the figure
 * @limit: the target: @value must be at most @limit
 * @format: printf format of one double, for @value and @limit
 * @is_count: %TRUE for a count (a regression --check fails on)
 * @note: (nullable): a short explanation printed below the row
 */
void tw_bench_targets_add(TwBenchTargets *targets, const char *name,
			  double value, double limit, const char *format,
			  gboolean is_count, const char *note);

/**
 * tw_bench_targets_print:
 * @targets: the list
 *
 * Prints the table on stdout.
 */
void tw_bench_targets_print(const TwBenchTargets *targets);

/**
 * tw_bench_targets_counts_pass:
 * @targets: the list
 *
 * Returns: whether every count target is met
 */
gboolean tw_bench_targets_counts_pass(const TwBenchTargets *targets);

G_END_DECLS
