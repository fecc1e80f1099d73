/*
 * Fuzz target: tw_json_parse_users() (GET /2/users?ids= and
 * /2/users/by?usernames= bodies).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "tw-fuzz.h"
#include "tw-json.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GPtrArray) users = NULL;

	tw_fuzz_setup();
	users = tw_json_parse_users((const char *)data, (gssize)size, &error);
	g_assert_true((users == NULL) != (error == NULL));
	for (guint i = 0; users != NULL && i < users->len; i++) {
		g_autoptr(TwUser) copy = tw_user_copy(users->pdata[i]);

		g_assert_nonnull(copy);
	}
	return 0;
}
