/*
 * Fuzz target: tw_json_parse_user() (GET /2/users/me and
 * /2/users/by/username/:u bodies).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "tw-fuzz.h"
#include "tw-json.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(TwUser) user = NULL;
	g_autoptr(TwUser) copy = NULL;

	tw_fuzz_setup();
	user = tw_json_parse_user((const char *)data, (gssize)size, &error);
	g_assert_true((user == NULL) != (error == NULL));
	if (user == NULL)
		return 0;
	copy = tw_user_copy(user);
	g_assert_cmpstr(copy->id, ==, user->id);
	g_assert_cmpstr(copy->username, ==, user->username);
	return 0;
}
