/*
 * bench-targets: targets beside figures. See bench-targets.h.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "bench-targets.h"

#include <stdio.h>

typedef struct {
	char *name;
	double value;
	double limit;
	char *format;
	gboolean is_count;
	char *note;
} Target;

struct _TwBenchTargets {
	GPtrArray *rows; /* Target */
};

static void
target_free(Target *target)
{
	g_free(target->name);
	g_free(target->format);
	g_free(target->note);
	g_free(target);
}

TwBenchTargets *
tw_bench_targets_new(void)
{
	TwBenchTargets *targets = g_new0(TwBenchTargets, 1);

	targets->rows =
	    g_ptr_array_new_with_free_func((GDestroyNotify)target_free);
	return targets;
}

void
tw_bench_targets_free(TwBenchTargets *targets)
{
	if (targets == NULL)
		return;
	g_ptr_array_unref(targets->rows);
	g_free(targets);
}

void
tw_bench_targets_add(TwBenchTargets *targets, const char *name, double value,
		     double limit, const char *format, gboolean is_count,
		     const char *note)
{
	Target *target = g_new0(Target, 1);

	target->name = g_strdup(name);
	target->value = value;
	target->limit = limit;
	target->format = g_strdup(format);
	target->is_count = is_count;
	target->note = g_strdup(note);
	g_ptr_array_add(targets->rows, target);
}

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
static char *
format_value(const char *format, double value)
{
	return g_strdup_printf(format, value);
}
#pragma GCC diagnostic pop

void
tw_bench_targets_print(const TwBenchTargets *targets)
{
	printf("\n3. Targets (issue 15): each figure of this run beside its "
	       "target\n\n");
	printf("  %-46s %12s %12s  %s\n", "", "measured", "target", "");
	for (guint i = 0; i < targets->rows->len; i++) {
		const Target *target = targets->rows->pdata[i];
		g_autofree char *value =
		    format_value(target->format, target->value);
		g_autofree char *limit =
		    format_value(target->format, target->limit);
		g_autofree char *bound = g_strconcat("<= ", limit, NULL);

		printf("  %-46s %12s %12s  %s%s\n", target->name, value, bound,
		       target->value <= target->limit ? "PASS" : "FAIL",
		       target->is_count ? " (a count: --check fails on it)"
					: "");
		if (target->note != NULL)
			printf("      %s\n", target->note);
	}
}

gboolean
tw_bench_targets_counts_pass(const TwBenchTargets *targets)
{
	for (guint i = 0; i < targets->rows->len; i++) {
		const Target *target = targets->rows->pdata[i];

		if (target->is_count && target->value > target->limit)
			return FALSE;
	}
	return TRUE;
}
