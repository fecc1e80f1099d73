/*
 * tw-media: what a DM's photos, GIFs and videos look like in a chat line.
 * Every client shows text, so each attachment becomes a line that names
 * its kind and carries its link ("[photo 1200x900] https://..."), and the
 * t.co link X appends to stand for the media is not shown twice.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#pragma once

#include <glib.h>

#include "tw-model.h"

G_BEGIN_DECLS

/**
 * tw_media_dup_line:
 * @media: an attachment
 *
 * The line that stands for @media: its kind, its size or length when X
 * gave them, the best link (the photo, else the best mp4 variant, else
 * the preview image) and its alt text in parentheses.
 *
 * Returns: (transfer full): the line, e.g. "[photo 1200x900] https://..."
 */
char *tw_media_dup_line(const TwMedia *media);

/**
 * tw_media_attach:
 * @event: a MessageCreate; its text and URL entities are rewritten
 * @media_by_key: (element-type utf8 TwMedia): the page's includes.media
 *
 * Appends a line for each of @event's media keys to its text (a line
 * naming the attachment when includes.media lacks it), with a link entity
 * for each link, and drops the trailing t.co link that stands for the
 * media. A DM that is only a photo thus shows the photo's line, never an
 * empty message.
 */
void tw_media_attach(TwDmEvent *event, GHashTable *media_by_key);

/**
 * tw_media_attach_page:
 * @page: a page of events
 *
 * tw_media_attach() for each event of @page, with its includes.media.
 */
void tw_media_attach_page(TwDmPage *page);

G_END_DECLS
