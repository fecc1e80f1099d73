/*
 * Fuzz target: tw_json_parse_token() (200 bodies of POST /2/oauth2/token).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "tw-fuzz.h"
#include "tw-json.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(TwToken) token = NULL;

	tw_fuzz_setup();
	token = tw_json_parse_token((const char *)data, (gssize)size, &error);
	g_assert_true((token == NULL) != (error == NULL));
	/* No access token is an error, never a token without one. */
	if (token != NULL)
		g_assert_nonnull(token->access_token);
	return 0;
}
