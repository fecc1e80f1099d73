/*
 * Helpers shared by the libFuzzer targets in this directory.
 *
 * Each target defines LLVMFuzzerTestOneInput(). Built with clang and
 * -fsanitize=fuzzer (tools/fuzz), libFuzzer drives it; in every other build
 * tw-fuzz-replay.c supplies a main() that runs it over the seed corpus, so
 * the corpus (and each crash turned regression input) is checked by the
 * ordinary test suite too.
 *
 * A target states what must hold with g_assert*(): the assertion aborts,
 * which libFuzzer reports as a crash with the input that caused it.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#pragma once

#include <glib.h>
#include <stddef.h>
#include <stdint.h>

G_BEGIN_DECLS

/**
 * LLVMFuzzerTestOneInput:
 * @data: the input
 * @size: its length
 *
 * libFuzzer's entry point, defined by each target.
 *
 * Returns: 0
 */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/**
 * tw_fuzz_setup:
 *
 * Makes GLib criticals and warnings fatal (a critical in our code or a
 * library's is a bug the fuzzer must report) and keeps debug output off.
 * Idempotent; each target calls it first.
 */
void tw_fuzz_setup(void);

/**
 * tw_fuzz_dup_string:
 * @data: bytes
 * @size: how many
 *
 * Returns: (transfer full): @data as a NUL-terminated string; an embedded
 * NUL ends it early, as it would for any C string from the network
 */
char *tw_fuzz_dup_string(const uint8_t *data, size_t size);

/**
 * tw_fuzz_split:
 * @data: bytes
 * @size: how many
 * @parts: how many strings to cut the input into, at least 1
 *
 * Cuts the input at its first @parts - 1 newlines (the last part keeps any
 * further newlines); missing parts are empty strings. Lets one input carry
 * several strings (three headers, a redirect and a state).
 *
 * Returns: (transfer full): a %NULL-terminated array of @parts strings
 */
char **tw_fuzz_split(const uint8_t *data, size_t size, guint parts);

G_END_DECLS
