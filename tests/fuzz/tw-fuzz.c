/*
 * Helpers shared by the libFuzzer targets.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "tw-fuzz.h"

#include <string.h>

void
tw_fuzz_setup(void)
{
	static gboolean done;

	if (done)
		return;
	done = TRUE;
	g_log_set_always_fatal(G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_WARNING |
			       G_LOG_FATAL_MASK);
	/* g_debug() lines of malformed input would flood the fuzzer's
	 * output and slow it down. */
	g_setenv("G_MESSAGES_DEBUG", "", TRUE);
}

char *
tw_fuzz_dup_string(const uint8_t *data, size_t size)
{
	return g_strndup((const char *)data, size);
}

char **
tw_fuzz_split(const uint8_t *data, size_t size, guint parts)
{
	g_autofree char *text = tw_fuzz_dup_string(data, size);
	char **split = g_new0(char *, parts + 1);
	const char *rest = text;

	g_return_val_if_fail(parts > 0, split);
	for (guint i = 0; i < parts; i++) {
		const char *newline = i + 1 < parts ? strchr(rest, '\n') : NULL;

		if (newline == NULL) {
			split[i] = g_strdup(rest);
			rest = rest + strlen(rest);
		} else {
			split[i] = g_strndup(rest, newline - rest);
			rest = newline + 1;
		}
	}
	return split;
}
