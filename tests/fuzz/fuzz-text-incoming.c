/*
 * Fuzz target: tw_text_incoming_to_html() with and without URL entities.
 *
 * The input's first line is the DM text; each further line is one entity,
 * "start end url expanded_url" separated by spaces (missing fields are
 * empty, numbers may be anything), so entities that do not match the text,
 * overlap or point past its end are all tried. The text may be any bytes
 * (the function repairs it); the entity strings are made valid UTF-8, as
 * json-glib guarantees for everything tw-json hands over.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <string.h>

#include "tw-fuzz.h"
#include "tw-text.h"

#define MAX_ENTITIES 16

static TwUrlEntity *
entity_from_line(const char *line)
{
	g_auto(GStrv) fields = g_strsplit(line, " ", 4);
	TwUrlEntity *entity = g_new0(TwUrlEntity, 1);
	guint count = g_strv_length(fields);

	entity->start = count > 0 ? g_ascii_strtoll(fields[0], NULL, 10) : 0;
	entity->end = count > 1 ? g_ascii_strtoll(fields[1], NULL, 10) : 0;
	entity->url = g_utf8_make_valid(count > 2 ? fields[2] : "", -1);
	entity->expanded_url =
	    count > 3 ? g_utf8_make_valid(fields[3], -1) : NULL;
	return entity;
}

/* Escaped text has no '<' except in anchors, and no '"' outside them. */
static void
assert_only_anchors(const char *html)
{
	for (const char *p = strchr(html, '<'); p != NULL;
	     p = strchr(p + 1, '<'))
		g_assert_true((g_str_has_prefix(p, "<a href=\"") &&
			       g_ascii_strncasecmp(p + 9, "http", 4) == 0) ||
			      g_str_has_prefix(p, "</a>"));
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	g_autofree char *input = tw_fuzz_dup_string(data, size);
	g_auto(GStrv) lines = g_strsplit(input, "\n", MAX_ENTITIES + 1);
	g_autoptr(GPtrArray) urls =
	    g_ptr_array_new_with_free_func((GDestroyNotify)tw_url_entity_free);
	g_autofree char *plain_html = NULL;
	g_autofree char *linked_html = NULL;
	g_autofree char *round_trip = NULL;
	g_autofree char *valid = NULL;

	tw_fuzz_setup();
	for (guint i = 1; lines[0] != NULL && lines[i] != NULL; i++)
		g_ptr_array_add(urls, entity_from_line(lines[i]));

	plain_html = tw_text_incoming_to_html(lines[0], NULL);
	g_assert_true(g_utf8_validate(plain_html, -1, NULL));
	g_assert_null(strchr(plain_html, '<'));
	g_assert_null(strchr(plain_html, '"'));
	/* What was escaped for display reads back as the same text. */
	valid = g_utf8_make_valid(lines[0] != NULL ? lines[0] : "", -1);
	round_trip = tw_text_outgoing_to_plain(plain_html);
	g_assert_cmpstr(round_trip, ==, valid);

	linked_html = tw_text_incoming_to_html(lines[0], urls);
	g_assert_true(g_utf8_validate(linked_html, -1, NULL));
	assert_only_anchors(linked_html);
	return 0;
}
