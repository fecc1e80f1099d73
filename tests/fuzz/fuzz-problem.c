/*
 * Fuzz target: tw_json_parse_problem() for the statuses the plugin acts
 * on, and tw_api_error_from_status() on its result: problem bodies and
 * OAuth errors decide whether an account stops, so they are read from
 * whatever the network sends.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "tw-api.h"
#include "tw-fuzz.h"
#include "tw-json.h"

static const guint statuses[] = {200, 400, 401, 402, 403, 404, 429, 503};

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	tw_fuzz_setup();
	for (guint i = 0; i < G_N_ELEMENTS(statuses); i++) {
		g_autoptr(TwProblem) problem = tw_json_parse_problem(
		    statuses[i], (const char *)data, (gssize)size);
		g_autoptr(GError) error = NULL;

		/* Never fails, and always has a detail to show. */
		g_assert_nonnull(problem);
		g_assert_cmpuint(problem->status, ==, statuses[i]);
		g_assert_nonnull(problem->detail);
		g_assert_true(g_utf8_validate(problem->detail, -1, NULL));
		(void)tw_problem_has_type(problem, "usage-capped");
		if (statuses[i] >= 300) {
			error = tw_api_error_from_status(statuses[i], problem);
			g_assert_true(error->domain == TW_API_ERROR);
		}
	}
	return 0;
}
