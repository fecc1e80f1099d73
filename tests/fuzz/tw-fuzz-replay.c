/*
 * A main() for the fuzz targets in builds without libFuzzer: runs the
 * target once on every file named on the command line, or in a directory
 * named there. `meson test` runs each target over its seed corpus this way,
 * under valgrind and the sanitizers as well.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <glib.h>
#include <stdio.h>

#include "tw-fuzz.h"

static int
compare_paths(gconstpointer a, gconstpointer b)
{
	return g_strcmp0(*(const char *const *)a, *(const char *const *)b);
}

static guint
run_file(const char *path)
{
	g_autoptr(GError) error = NULL;
	g_autofree char *contents = NULL;
	gsize length = 0;

	if (!g_file_get_contents(path, &contents, &length, &error)) {
		g_printerr("%s\n", error->message);
		return 0;
	}
	LLVMFuzzerTestOneInput((const uint8_t *)contents, length);
	return 1;
}

static guint
run_path(const char *path, gboolean *failed)
{
	g_autoptr(GDir) dir = NULL;
	g_autoptr(GPtrArray) names = NULL;
	const char *name;
	guint count = 0;

	if (!g_file_test(path, G_FILE_TEST_IS_DIR)) {
		count = run_file(path);
		*failed |= count == 0;
		return count;
	}
	dir = g_dir_open(path, 0, NULL);
	if (dir == NULL) {
		*failed = TRUE;
		return 0;
	}
	/* Sorted, so that a failure is reproducible from the log. */
	names = g_ptr_array_new_with_free_func(g_free);
	while ((name = g_dir_read_name(dir)) != NULL)
		g_ptr_array_add(names, g_build_filename(path, name, NULL));
	g_ptr_array_sort(names, compare_paths);
	for (guint i = 0; i < names->len; i++)
		count += run_path(names->pdata[i], failed);
	return count;
}

int
main(int argc, char **argv)
{
	gboolean failed = FALSE;
	guint count = 0;

	if (argc < 2) {
		g_printerr("usage: %s FILE-OR-DIR...\n", argv[0]);
		return 2;
	}
	/* TAP, so that meson shows the count. */
	printf("1..1\n");
	for (int i = 1; i < argc; i++)
		count += run_path(argv[i], &failed);
	if (failed || count == 0) {
		printf("not ok 1 - %u inputs, unreadable paths or none\n",
		       count);
		return 1;
	}
	printf("ok 1 - %u inputs\n", count);
	return 0;
}
