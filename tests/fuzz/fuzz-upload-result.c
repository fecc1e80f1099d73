/*
 * Fuzz target: tw_json_parse_upload_result() (200 bodies of
 * POST /2/media/upload).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "tw-fuzz.h"
#include "tw-json.h"
#include "tw-model.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(TwUploadResult) result = NULL;

	tw_fuzz_setup();
	result = tw_json_parse_upload_result((const char *)data, (gssize)size,
					     &error);
	g_assert_true((result == NULL) != (error == NULL));
	/* A result always has an id a DM can carry, and a lifetime. */
	if (result != NULL) {
		g_assert_true(tw_id_is_valid(result->media_id));
		g_assert_cmpint(result->expires_after_secs, >, 0);
		g_assert_true(
		    result->processing_state == NULL ||
		    g_utf8_validate(result->processing_state, -1, NULL));
	}
	return 0;
}
