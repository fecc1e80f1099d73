/*
 * Fuzz target: tw_rate_limit_parse() on three header values, one per line
 * of the input (x-rate-limit-limit, -remaining, -reset).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "tw-api.h"
#include "tw-fuzz.h"

/* What the parser promises: digits only, no sign, no white space. */
static gboolean
is_plain_number(const char *text)
{
	if (text[0] == '\0')
		return FALSE;
	for (const char *p = text; *p != '\0'; p++) {
		if (!g_ascii_isdigit(*p))
			return FALSE;
	}
	return TRUE;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	g_auto(GStrv) headers = tw_fuzz_split(data, size, 3);
	TwRateLimit limit;
	gboolean known;

	tw_fuzz_setup();
	known = tw_rate_limit_parse(&limit, headers[0], headers[1], headers[2]);
	g_assert_true(known == limit.known);
	g_assert_false(limit.daily_known);
	if (!known) {
		g_assert_cmpint(limit.limit, ==, 0);
		g_assert_cmpint(limit.remaining, ==, 0);
		g_assert_cmpint(limit.reset, ==, 0);
		return 0;
	}
	for (guint i = 0; i < 3; i++)
		g_assert_true(is_plain_number(headers[i]));
	g_assert_cmpint(limit.limit, >=, 0);
	g_assert_cmpint(limit.remaining, >=, 0);
	g_assert_cmpint(limit.reset, >=, 0);
	/* Also NULL headers, as for a response without them. */
	g_assert_false(
	    tw_rate_limit_parse(&limit, NULL, headers[1], headers[2]));
	return 0;
}
