/*
 * Fuzz target: tw_text_split(). The input's first byte picks the part size
 * (1 to 256 code points), the rest is the text.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "tw-fuzz.h"
#include "tw-text.h"

static gboolean
is_blank(const char *text)
{
	for (const char *p = text; *p != '\0'; p = g_utf8_next_char(p)) {
		if (!g_unichar_isspace(g_utf8_get_char(p)))
			return FALSE;
	}
	return TRUE;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	g_autofree char *text = NULL;
	g_autofree char *valid = NULL;
	g_autoptr(GPtrArray) parts = NULL;
	g_autoptr(GString) joined = g_string_new(NULL);
	guint max_chars;

	if (size < 1)
		return 0;
	tw_fuzz_setup();
	max_chars = (guint)data[0] + 1;
	text = tw_fuzz_dup_string(data + 1, size - 1);
	valid = g_utf8_make_valid(text, -1);
	parts = tw_text_split(text, max_chars);
	for (guint i = 0; i < parts->len; i++) {
		const char *part = parts->pdata[i];

		g_assert_true(g_utf8_validate(part, -1, NULL));
		g_assert_cmpuint(g_utf8_strlen(part, -1), >=, 1);
		g_assert_cmpuint(g_utf8_strlen(part, -1), <=, max_chars);
		g_string_append(joined, part);
	}
	/* Joined together, the parts are exactly the text. */
	if (is_blank(valid))
		g_assert_cmpuint(parts->len, ==, 0);
	else
		g_assert_cmpstr(joined->str, ==, valid);
	return 0;
}
