/*
 * Fuzz target: tw_json_parse_send_result() (201 bodies of the DM send
 * endpoints).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "tw-fuzz.h"
#include "tw-json.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(TwSendResult) result = NULL;

	tw_fuzz_setup();
	result =
	    tw_json_parse_send_result((const char *)data, (gssize)size, &error);
	g_assert_true((result == NULL) != (error == NULL));
	return 0;
}
