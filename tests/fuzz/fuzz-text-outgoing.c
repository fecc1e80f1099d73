/*
 * Fuzz target: tw_text_outgoing_to_plain(), the HTML a libpurple UI hands
 * over when the user sends, and the split of its result into DMs.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "tw-fuzz.h"
#include "tw-text.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	g_autofree char *html = tw_fuzz_dup_string(data, size);
	g_autofree char *plain = NULL;
	g_autoptr(GPtrArray) parts = NULL;

	tw_fuzz_setup();
	plain = tw_text_outgoing_to_plain(html);
	g_assert_nonnull(plain);
	g_assert_true(g_utf8_validate(plain, -1, NULL));
	parts = tw_text_split(plain, TW_TEXT_MAX_CHARS);
	g_assert_nonnull(parts);
	return 0;
}
