/*
 * tw-text: message text between X (plain text) and libpurple (HTML).
 *
 * Incoming text is escaped with named entities only (&lt; &gt; &amp;
 * &quot;), because bitlbee shows numeric entities literally; line breaks
 * stay as "\n" (libpurple UIs render them); t.co links become their
 * expanded URLs as clickable anchors. Outgoing HTML becomes plain text.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#pragma once

#include <glib.h>

#include "tw-model.h"

G_BEGIN_DECLS

/** X's longest DM text, in characters (Unicode code points). */
#define TW_TEXT_MAX_CHARS 10000

/**
 * tw_text_escape:
 * @text: plain UTF-8 text
 *
 * Returns: (transfer full): @text with & < > " replaced by named entities
 */
char *tw_text_escape(const char *text);

/**
 * tw_text_incoming_to_html:
 * @text: a DM's plain text
 * @urls: (element-type TwUrlEntity) (nullable): its URL entities
 *
 * Escapes @text and replaces each entity's t.co URL with
 * `<a href="expanded">expanded</a>` (escaped). Entities whose indices do not
 * match the text are found by searching for their t.co URL instead.
 *
 * Returns: (transfer full): HTML for libpurple
 */
char *tw_text_incoming_to_html(const char *text, const GPtrArray *urls);

/**
 * tw_text_outgoing_to_plain:
 * @html: what the user typed, as libpurple hands it to the plugin
 *
 * Strips markup, turns <br> into "\n", unescapes entities (named and
 * numeric) and keeps raw line breaks. Links keep their text (and their
 * target when it differs from the text).
 *
 * Returns: (transfer full): plain text, possibly empty
 */
char *tw_text_outgoing_to_plain(const char *html);

/**
 * tw_text_find_image_ids:
 * @html: what the user typed, as libpurple hands it to the plugin
 *
 * The images in it, libpurple's `<img id="N">` (its imgstore ids), which
 * tw_text_outgoing_to_plain() leaves out.
 *
 * Returns: (transfer full) (element-type guint): the ids in order, possibly
 *   none
 */
GArray *tw_text_find_image_ids(const char *html);

/**
 * tw_text_split:
 * @text: plain text
 * @max_chars: largest part, in code points
 *
 * Splits @text into parts of at most @max_chars code points, preferring to
 * cut after white space (then after punctuation) in the last fifth of a
 * part, never inside a code point. Joined together, the parts are exactly
 * @text. An empty or all-white-space text gives no parts.
 *
 * Returns: (transfer full) (element-type utf8): the parts, in order
 */
GPtrArray *tw_text_split(const char *text, guint max_chars);

/**
 * tw_text_dup_likeness_key:
 * @text: plain text
 *
 * Texts that differ only in case, Unicode form or white space get the same
 * key: "Big SALE  today" and "big sale today" are alike.
 *
 * Returns: (transfer full): the key
 */
char *tw_text_dup_likeness_key(const char *text);

G_END_DECLS
