/*
 * Fuzz target: a DM list body through the whole receiving path of the
 * model layer: tw_json_parse_dm_page(), media as lines, then every event's
 * text to HTML with its own URL entities, copies and id comparisons.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <string.h>

#include "tw-fuzz.h"
#include "tw-json.h"
#include "tw-media.h"
#include "tw-text.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(TwDmPage) page = NULL;
	const char *previous_id = NULL;

	tw_fuzz_setup();
	page = tw_json_parse_dm_page((const char *)data, (gssize)size, &error);
	g_assert_true((page == NULL) != (error == NULL));
	if (page == NULL) {
		g_assert_true(error->domain == TW_JSON_ERROR);
		return 0;
	}
	/* As tw-api does with every page: media become lines. */
	tw_media_attach_page(page);
	for (guint i = 0; i < page->events->len; i++) {
		const TwDmEvent *event = page->events->pdata[i];
		g_autoptr(TwDmEvent) copy = tw_dm_event_copy(event);
		g_autofree char *html = NULL;

		/* Strict where a wrong shape would lose data. */
		g_assert_true(tw_id_is_valid(event->id));
		g_assert_cmpstr(copy->id, ==, event->id);
		/* An attachment is never an empty message. */
		if (event->type == TW_DM_EVENT_MESSAGE_CREATE &&
		    event->media_keys->len > 0)
			g_assert_true(event->text != NULL &&
				      event->text[0] != '\0');
		html = tw_text_incoming_to_html(event->text, event->urls);
		g_assert_true(g_utf8_validate(html, -1, NULL));
		/* Whatever the text, no markup of its own survives. */
		g_assert_null(strstr(html, "<script"));
		g_assert_null(strstr(html, "<img"));
		if (previous_id != NULL)
			(void)tw_id_compare(previous_id, event->id);
		(void)tw_dm_event_is_group(event);
		previous_id = event->id;
	}
	return 0;
}
