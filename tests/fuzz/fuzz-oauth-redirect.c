/*
 * Fuzz target: the OAuth 2.0 redirect the user pastes (or the loopback
 * listener receives), tw_oauth_parse_redirect(), with the expected state on
 * the input's first line; and tw_oauth_parse_form() on the same text, as
 * the OAuth 1.0a token endpoints answer in form encoding.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "tw-fuzz.h"
#include "tw-oauth.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	g_auto(GStrv) parts = tw_fuzz_split(data, size, 2);
	g_autoptr(GError) error = NULL;
	g_autoptr(GHashTable) form = NULL;
	g_autofree char *code = NULL;
	gboolean found;

	tw_fuzz_setup();
	found = tw_oauth_parse_redirect(parts[1], parts[0], &code, &error);
	g_assert_true(found == (code != NULL));
	g_assert_true(found == (error == NULL));
	if (!found)
		g_assert_true(error->domain == TW_OAUTH_ERROR);
	form = tw_oauth_parse_form(parts[1]);
	g_assert_nonnull(form);
	return 0;
}
