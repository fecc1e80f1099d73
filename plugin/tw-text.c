/*
 * tw-text: message text between X (plain text) and libpurple (HTML).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "config.h"

#include <string.h>

#include "tw-text.h"

#define TW_UNICHAR_ZERO_WIDTH_JOINER 0x200D

/* The functions below walk text with g_utf8_next_char(), which runs past
 * the end of a truncated sequence; invalid input is repaired first. */
static char *
tw_text_dup_valid(const char *text)
{
	if (text == NULL)
		return g_strdup("");
	return g_utf8_make_valid(text, -1);
}

static void
tw_text_append_escaped(GString *out, const char *text, gssize length)
{
	const char *end = length < 0 ? text + strlen(text) : text + length;

	for (const char *p = text; p < end; p++) {
		switch (*p) {
		case '&':
			g_string_append(out, "&amp;");
			break;
		case '<':
			g_string_append(out, "&lt;");
			break;
		case '>':
			g_string_append(out, "&gt;");
			break;
		case '"':
			g_string_append(out, "&quot;");
			break;
		default:
			g_string_append_c(out, *p);
			break;
		}
	}
}

char *
tw_text_escape(const char *text)
{
	if (text == NULL)
		return g_strdup("");

	GString *out = g_string_sized_new(strlen(text) + 16);
	tw_text_append_escaped(out, text, -1);
	return g_string_free(out, FALSE);
}

/* --- incoming: plain text with URL entities to HTML --------------------- */

/* A link entity placed on the text, as byte offsets. */
typedef struct {
	gsize start;
	gsize end;
	const TwUrlEntity *entity;
} TwTextSpan;

static int
tw_text_span_compare(gconstpointer a, gconstpointer b)
{
	const TwTextSpan *span_a = a;
	const TwTextSpan *span_b = b;

	return (span_a->start > span_b->start) -
	       (span_a->start < span_b->start);
}

static gboolean
tw_text_span_overlaps(GArray *spans, gsize start, gsize end)
{
	for (guint i = 0; i < spans->len; i++) {
		const TwTextSpan *span = &g_array_index(spans, TwTextSpan, i);
		if (start < span->end && span->start < end)
			return TRUE;
	}
	return FALSE;
}

/*
 * Places @entity on the text: at its code-point indices when the text there
 * is its URL, otherwise at the first free occurrence of the URL, so indices
 * counted differently (UTF-16, or off by one) still find their link.
 */
static void
tw_text_place_entity(GArray *spans, const char *text,
		     const gsize *code_point_offsets, gsize code_point_count,
		     const TwUrlEntity *entity)
{
	if (entity == NULL || entity->url == NULL || entity->url[0] == '\0')
		return;

	gsize url_length = strlen(entity->url);

	if (entity->start >= 0 && entity->start < entity->end &&
	    (guint64)entity->end <= code_point_count) {
		gsize start = code_point_offsets[entity->start];
		gsize end = code_point_offsets[entity->end];

		if (end - start == url_length &&
		    memcmp(text + start, entity->url, url_length) == 0 &&
		    !tw_text_span_overlaps(spans, start, end)) {
			TwTextSpan span = {start, end, entity};
			g_array_append_val(spans, span);
			return;
		}
	}

	for (const char *found = strstr(text, entity->url); found != NULL;
	     found = strstr(found + 1, entity->url)) {
		gsize start = found - text;
		gsize end = start + url_length;

		if (!tw_text_span_overlaps(spans, start, end)) {
			TwTextSpan span = {start, end, entity};
			g_array_append_val(spans, span);
			return;
		}
	}
}

static gboolean
tw_text_is_web_url(const char *url)
{
	return g_ascii_strncasecmp(url, "http://", 7) == 0 ||
	       g_ascii_strncasecmp(url, "https://", 8) == 0;
}

static void
tw_text_append_link(GString *out, const TwUrlEntity *entity)
{
	const char *target =
	    entity->expanded_url != NULL && entity->expanded_url[0] != '\0'
		? entity->expanded_url
		: entity->url;

	/* Only web links become anchors: a "javascript:" target stays text. */
	if (!tw_text_is_web_url(target)) {
		tw_text_append_escaped(out, target, -1);
		return;
	}

	g_string_append(out, "<a href=\"");
	tw_text_append_escaped(out, target, -1);
	g_string_append(out, "\">");
	tw_text_append_escaped(out, target, -1);
	g_string_append(out, "</a>");
}

char *
tw_text_incoming_to_html(const char *text, const GPtrArray *urls)
{
	g_autofree char *valid_text = tw_text_dup_valid(text);

	if (urls == NULL || urls->len == 0)
		return tw_text_escape(valid_text);

	/* Byte offset of every code point, plus one for the end. */
	gsize code_point_count = g_utf8_strlen(valid_text, -1);
	g_autofree gsize *offsets = g_new(gsize, code_point_count + 1);
	const char *p = valid_text;
	for (gsize i = 0; i < code_point_count; i++) {
		offsets[i] = p - valid_text;
		p = g_utf8_next_char(p);
	}
	offsets[code_point_count] = p - valid_text;

	g_autoptr(GArray) spans = g_array_new(FALSE, FALSE, sizeof(TwTextSpan));
	for (guint i = 0; i < urls->len; i++)
		tw_text_place_entity(spans, valid_text, offsets,
				     code_point_count,
				     g_ptr_array_index(urls, i));
	g_array_sort(spans, tw_text_span_compare);

	GString *out = g_string_sized_new(strlen(valid_text) + 64);
	gsize position = 0;
	for (guint i = 0; i < spans->len; i++) {
		const TwTextSpan *span = &g_array_index(spans, TwTextSpan, i);

		tw_text_append_escaped(out, valid_text + position,
				       span->start - position);
		tw_text_append_link(out, span->entity);
		position = span->end;
	}
	tw_text_append_escaped(out, valid_text + position, -1);
	return g_string_free(out, FALSE);
}

/* --- outgoing: libpurple HTML to plain text ----------------------------- */

typedef struct {
	const char *name;
	const char *text;
} TwNamedEntity;

/* UIs write &nbsp; for runs of spaces the user typed: they become spaces. */
static const TwNamedEntity tw_named_entities[] = {
    {"lt", "<"},    {"gt", ">"},   {"amp", "&"},
    {"quot", "\""}, {"apos", "'"}, {"nbsp", " "},
};

/* Longest entity considered, "&#x10FFFF;" or a named one. */
#define TW_ENTITY_MAX_LENGTH 10

/*
 * Decodes the entity at @p (which points at '&') into @out.
 *
 * Returns: the number of bytes consumed, or 0 when @p does not start a
 * known entity (the '&' is then literal text)
 */
static gsize
tw_text_decode_entity(const char *p, GString *out)
{
	const char *semicolon = NULL;
	for (gsize i = 1; i <= TW_ENTITY_MAX_LENGTH && p[i] != '\0'; i++) {
		if (p[i] == ';') {
			semicolon = p + i;
			break;
		}
	}
	if (semicolon == NULL)
		return 0;

	gsize consumed = semicolon - p + 1;
	g_autofree char *name = g_strndup(p + 1, semicolon - p - 1);

	if (name[0] == '#') {
		gboolean hex = name[1] == 'x' || name[1] == 'X';
		const char *digits = name + (hex ? 2 : 1);
		guint64 value = 0;

		if (digits[0] == '\0' || digits[0] == '+' || digits[0] == '-' ||
		    !g_ascii_string_to_unsigned(digits, hex ? 16 : 10, 1,
						0x10FFFF, &value, NULL) ||
		    !g_unichar_validate((gunichar)value))
			return 0;
		g_string_append_unichar(out, (gunichar)value);
		return consumed;
	}

	for (gsize i = 0; i < G_N_ELEMENTS(tw_named_entities); i++) {
		if (g_ascii_strcasecmp(name, tw_named_entities[i].name) == 0) {
			g_string_append(out, tw_named_entities[i].text);
			return consumed;
		}
	}
	return 0;
}

static char *
tw_text_unescape(const char *text, gsize length)
{
	GString *out = g_string_sized_new(length);
	g_autofree char *copy = g_strndup(text, length);

	for (const char *p = copy; *p != '\0';) {
		gsize consumed = *p == '&' ? tw_text_decode_entity(p, out) : 0;
		if (consumed > 0) {
			p += consumed;
		} else {
			g_string_append_c(out, *p);
			p++;
		}
	}
	return g_string_free(out, FALSE);
}

/* A parsed tag: <name attributes> or </name>. */
typedef struct {
	char *name;
	gboolean closing;
	char *href;
	char *image_id;
} TwTag;

static void
tw_tag_clear(TwTag *tag)
{
	g_clear_pointer(&tag->name, g_free);
	g_clear_pointer(&tag->href, g_free);
	g_clear_pointer(&tag->image_id, g_free);
}

G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(TwTag, tw_tag_clear)

/* Returns: (nullable): the value of attribute @name in @attributes, with
 * entities decoded */
static char *
tw_tag_attribute(const char *attributes, const char *name)
{
	gsize name_length = strlen(name);
	const char *p = attributes;

	while (*p != '\0') {
		while (g_ascii_isspace(*p) || *p == '/')
			p++;
		const char *key = p;
		while (*p != '\0' && *p != '=' && !g_ascii_isspace(*p) &&
		       *p != '/')
			p++;
		gsize key_length = p - key;
		if (key_length == 0) {
			if (*p != '\0')
				p++;
			continue;
		}

		while (g_ascii_isspace(*p))
			p++;
		const char *value = NULL;
		gsize value_length = 0;
		if (*p == '=') {
			p++;
			while (g_ascii_isspace(*p))
				p++;
			if (*p == '"' || *p == '\'') {
				char quote = *p++;
				value = p;
				while (*p != '\0' && *p != quote)
					p++;
				value_length = p - value;
				if (*p == quote)
					p++;
			} else {
				value = p;
				while (*p != '\0' && !g_ascii_isspace(*p))
					p++;
				value_length = p - value;
			}
		}

		if (key_length == name_length &&
		    g_ascii_strncasecmp(key, name, name_length) == 0)
			return value != NULL
				   ? tw_text_unescape(value, value_length)
				   : g_strdup("");
	}
	return NULL;
}

/*
 * Reads the tag starting at @p ('<'). Comments and declarations give a tag
 * without a name.
 *
 * Returns: the number of bytes of the tag, or 0 when @p does not start a
 * tag (a lone '<', or one that is never closed)
 */
static gsize
tw_text_read_tag(const char *p, TwTag *tag)
{
	const char *q = p + 1;

	if (g_str_has_prefix(p, "<!--")) {
		const char *end = strstr(p + 4, "-->");
		return end != NULL ? (gsize)(end + 3 - p) : 0;
	}

	gboolean closing = *q == '/';
	if (closing)
		q++;
	if (!g_ascii_isalpha(*q) && *q != '!' && *q != '?')
		return 0;

	/* Find the closing '>', skipping quoted attribute values. */
	const char *end = q;
	char quote = '\0';
	for (; *end != '\0'; end++) {
		if (quote != '\0') {
			if (*end == quote)
				quote = '\0';
		} else if (*end == '"' || *end == '\'') {
			quote = *end;
		} else if (*end == '>') {
			break;
		}
	}
	if (*end != '>')
		return 0;

	const char *name_start = q;
	while (g_ascii_isalnum(*q))
		q++;
	tag->closing = closing;
	if (q > name_start)
		tag->name = g_ascii_strdown(name_start, q - name_start);

	if (!closing && g_strcmp0(tag->name, "a") == 0) {
		g_autofree char *attributes = g_strndup(q, end - q);
		tag->href = tw_tag_attribute(attributes, "href");
	} else if (!closing && g_strcmp0(tag->name, "img") == 0) {
		g_autofree char *attributes = g_strndup(q, end - q);
		tag->image_id = tw_tag_attribute(attributes, "id");
	}
	return end + 1 - p;
}

/* State of the HTML-to-text conversion. */
typedef struct {
	GString *out;
	/* A <p> or <div> edge was passed: the next text starts a new line. */
	gboolean pending_break;
	/* The open <a>: its target and where its text starts in out. */
	char *link_href;
	gsize link_start;
} TwPlainWriter;

static void
tw_plain_writer_text(TwPlainWriter *writer, const char *text, gsize length)
{
	if (length == 0)
		return;
	if (writer->pending_break && writer->out->len > 0 &&
	    writer->out->str[writer->out->len - 1] != '\n')
		g_string_append_c(writer->out, '\n');
	writer->pending_break = FALSE;
	g_string_append_len(writer->out, text, length);
}

/* Autolinked text ("example.com" with href "http://example.com", or an
 * address with "mailto:") says its target already. */
static gboolean
tw_link_target_is_text(const char *href, const char *text)
{
	static const char *const prefixes[] = {"", "http://", "https://",
					       "mailto:"};

	for (gsize i = 0; i < G_N_ELEMENTS(prefixes); i++) {
		gsize prefix_length = strlen(prefixes[i]);
		if (g_ascii_strncasecmp(href, prefixes[i], prefix_length) ==
			0 &&
		    strcmp(href + prefix_length, text) == 0)
			return TRUE;
	}
	return FALSE;
}

static void
tw_plain_writer_close_link(TwPlainWriter *writer)
{
	if (writer->link_href == NULL)
		return;

	g_autofree char *href = g_steal_pointer(&writer->link_href);
	const char *text = writer->out->str + writer->link_start;

	if (href[0] == '\0' || tw_link_target_is_text(href, text))
		return;

	g_autofree char *target =
	    text[0] != '\0' ? g_strdup_printf(" (%s)", href) : g_strdup(href);
	tw_plain_writer_text(writer, target, strlen(target));
}

static void
tw_plain_writer_tag(TwPlainWriter *writer, TwTag *tag)
{
	if (tag->name == NULL)
		return;

	if (strcmp(tag->name, "br") == 0) {
		writer->pending_break = FALSE;
		g_string_append_c(writer->out, '\n');
	} else if (strcmp(tag->name, "p") == 0 ||
		   strcmp(tag->name, "div") == 0) {
		writer->pending_break = TRUE;
	} else if (strcmp(tag->name, "a") == 0) {
		tw_plain_writer_close_link(writer);
		if (!tag->closing) {
			writer->link_href = g_steal_pointer(&tag->href);
			writer->link_start = writer->out->len;
		}
	}
}

char *
tw_text_outgoing_to_plain(const char *html)
{
	if (html == NULL)
		return g_strdup("");

	TwPlainWriter writer = {g_string_sized_new(strlen(html)), FALSE, NULL,
				0};

	for (const char *p = html; *p != '\0';) {
		if (*p == '<') {
			g_auto(TwTag) tag = {NULL, FALSE, NULL, NULL};
			gsize consumed = tw_text_read_tag(p, &tag);
			if (consumed > 0) {
				tw_plain_writer_tag(&writer, &tag);
				p += consumed;
				continue;
			}
		}

		/* Text up to the next tag, entities decoded. */
		const char *end = p + 1;
		while (*end != '\0' && *end != '<')
			end++;
		g_autofree char *text = tw_text_unescape(p, end - p);
		tw_plain_writer_text(&writer, text, strlen(text));
		p = end;
	}
	tw_plain_writer_close_link(&writer);

	g_autofree char *plain = g_string_free(writer.out, FALSE);
	return g_utf8_make_valid(plain, -1);
}

GArray *
tw_text_find_image_ids(const char *html)
{
	GArray *ids = g_array_new(FALSE, FALSE, sizeof(guint));
	const char *p = html != NULL ? strchr(html, '<') : NULL;

	while (p != NULL) {
		g_auto(TwTag) tag = {NULL, FALSE, NULL, NULL};
		gsize consumed = tw_text_read_tag(p, &tag);
		guint64 id = 0;

		if (tag.image_id != NULL &&
		    g_ascii_string_to_unsigned(tag.image_id, 10, 1, G_MAXUINT,
					       &id, NULL)) {
			guint value = (guint)id;

			g_array_append_val(ids, value);
		}
		/* Past the whole tag: a '<' in a quoted value is no tag. */
		p = strchr(p + MAX(consumed, 1), '<');
	}
	return ids;
}

/* --- splitting ---------------------------------------------------------- */

/* Characters that belong to the one before them: combining marks, variation
 * selectors, emoji skin tones, and both sides of a zero-width joiner. */
static gboolean
tw_text_is_grapheme_continuation(gunichar previous, gunichar next)
{
	return g_unichar_ismark(next) || next == TW_UNICHAR_ZERO_WIDTH_JOINER ||
	       previous == TW_UNICHAR_ZERO_WIDTH_JOINER ||
	       (next >= 0xFE00 && next <= 0xFE0F) ||
	       (next >= 0xE0100 && next <= 0xE01EF) ||
	       (next >= 0x1F3FB && next <= 0x1F3FF) ||
	       (next >= 0xE0020 && next <= 0xE007F);
}

static gboolean
tw_text_is_blank(const char *text)
{
	for (const char *p = text; *p != '\0'; p = g_utf8_next_char(p)) {
		/* Unicode space separators include the no-break space. */
		if (!g_unichar_isspace(g_utf8_get_char(p)))
			return FALSE;
	}
	return TRUE;
}

static gboolean
tw_text_is_space(gunichar c)
{
	return g_unichar_isspace(c);
}

/* Punctuation that ends something; not g_unichar_ispunct(), which also
 * takes symbols such as emoji, nor opening brackets and quotes. */
static gboolean
tw_text_is_closing_punctuation(gunichar c)
{
	switch (g_unichar_type(c)) {
	case G_UNICODE_CONNECT_PUNCTUATION:
	case G_UNICODE_DASH_PUNCTUATION:
	case G_UNICODE_CLOSE_PUNCTUATION:
	case G_UNICODE_FINAL_PUNCTUATION:
	case G_UNICODE_OTHER_PUNCTUATION:
		return TRUE;
	default:
		return FALSE;
	}
}

/*
 * The latest cut at points[i], @lowest <= i <= @highest, after a character
 * @after_char accepts (any character when %NULL) and not inside a grapheme.
 *
 * Returns: (nullable): the cut
 */
static const char *
tw_text_last_cut(const char *const *points, guint lowest, guint highest,
		 gboolean (*after_char)(gunichar c))
{
	for (guint i = highest; i >= lowest; i--) {
		gunichar before = g_utf8_get_char(points[i - 1]);
		gunichar after = g_utf8_get_char(points[i]);

		if ((after_char == NULL || after_char(before)) &&
		    !tw_text_is_grapheme_continuation(before, after))
			return points[i];
	}
	return NULL;
}

/*
 * Chooses where the part starting at @start ends, given that the text has
 * more than @max_chars code points from there.
 *
 * Returns: where the part ends: a code-point boundary after @start
 */
static const char *
tw_text_find_cut(const char *start, guint max_chars)
{
	/* The code points 0..max_chars of the window. */
	g_autofree const char **points = g_new(const char *, max_chars + 1);
	const char *p = start;
	for (guint i = 0; i <= max_chars; i++) {
		points[i] = p;
		p = g_utf8_next_char(p);
	}

	/* Nice cuts are looked for in the last fifth of the window only, so
	 * that no part becomes much shorter than it could be. */
	guint lowest = MAX(max_chars - max_chars / 5, 1);
	const char *cut =
	    tw_text_last_cut(points, lowest, max_chars, tw_text_is_space);
	if (cut == NULL)
		cut = tw_text_last_cut(points, lowest, max_chars,
				       tw_text_is_closing_punctuation);
	if (cut == NULL)
		cut = tw_text_last_cut(points, 1, max_chars, NULL);
	/* One endless grapheme: any code-point boundary will do. */
	return cut != NULL ? cut : points[max_chars];
}

GPtrArray *
tw_text_split(const char *text, guint max_chars)
{
	GPtrArray *parts = g_ptr_array_new_with_free_func(g_free);

	g_return_val_if_fail(max_chars > 0, parts);

	g_autofree char *valid_text = tw_text_dup_valid(text);
	if (tw_text_is_blank(valid_text))
		return parts;

	const char *start = valid_text;
	while (*start != '\0') {
		/* Does more than max_chars remain? */
		const char *p = start;
		guint count = 0;
		while (*p != '\0' && count <= max_chars) {
			p = g_utf8_next_char(p);
			count++;
		}
		if (count <= max_chars) {
			g_ptr_array_add(parts, g_strdup(start));
			break;
		}

		const char *cut = tw_text_find_cut(start, max_chars);
		g_ptr_array_add(parts, g_strndup(start, cut - start));
		start = cut;
	}
	return parts;
}

char *
tw_text_dup_likeness_key(const char *text)
{
	g_autofree char *normal =
	    g_utf8_normalize(text, -1, G_NORMALIZE_ALL_COMPOSE);
	g_autofree char *folded =
	    g_utf8_casefold(normal != NULL ? normal : "", -1);
	GString *key = g_string_new(NULL);

	for (const char *p = folded; *p != '\0'; p = g_utf8_next_char(p)) {
		gunichar c = g_utf8_get_char(p);

		if (!g_unichar_isspace(c))
			g_string_append_unichar(key, c);
	}
	return g_string_free(key, FALSE);
}
