/*
 * Unit tests of tw-text: escaping, t.co links, HTML to plain text, splitting.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <string.h>

#include <glib.h>

#include "tw-text.h"

/* --- escaping ----------------------------------------------------------- */

typedef struct {
	const char *name;
	const char *text;
	const char *expected;
} TextCase;

static const TextCase escape_cases[] = {
    {"plain", "hello world", "hello world"},
    {"empty", "", ""},
    {"bold", "<b>x</b>", "&lt;b&gt;x&lt;/b&gt;"},
    {"img", "<img src=\"https://e.com/a.png\" onerror=alert(1)>",
     "&lt;img src=&quot;https://e.com/a.png&quot; onerror=alert(1)&gt;"},
    {"ampersand", "Tom & Jerry", "Tom &amp; Jerry"},
    {"entity-text", "&amp; &#39;", "&amp;amp; &amp;#39;"},
    {"quotes", "say \"hi\"", "say &quot;hi&quot;"},
    /* bitlbee shows &#39; literally: apostrophes stay as they are. */
    {"apostrophe", "don't", "don't"},
    {"newlines", "one\ntwo\r\nthree", "one\ntwo\r\nthree"},
    {"utf8", "grüße 😀 日本 <3", "grüße 😀 日本 &lt;3"},
};

static void
test_escape(gconstpointer data)
{
	const TextCase *c = data;
	g_autofree char *escaped = tw_text_escape(c->text);

	g_assert_cmpstr(escaped, ==, c->expected);
	g_assert_null(strstr(escaped, "&#"));
}

/* --- incoming text with URL entities ------------------------------------ */

typedef struct {
	gint64 start;
	gint64 end;
	const char *url;
	const char *expanded_url;
} EntitySpec;

#define MAX_ENTITIES 3

typedef struct {
	const char *name;
	const char *text;
	EntitySpec entities[MAX_ENTITIES]; /* ends at the first url == NULL */
	const char *expected;
} IncomingCase;

#define TCO          "https://t.co/AbCdEf1234"
#define TCO_LENGTH   23
#define EXAMPLE      "https://example.com/a?b=1&c=2"
#define EXAMPLE_HTML "https://example.com/a?b=1&amp;c=2"
#define EXAMPLE_LINK "<a href=\"" EXAMPLE_HTML "\">" EXAMPLE_HTML "</a>"

static const IncomingCase incoming_cases[] = {
    {"no-entities",
     "hello <world> & don't",
     {{0}},
     "hello &lt;world&gt; &amp; don't"},
    {"one-link",
     "see " TCO,
     {{4, 4 + TCO_LENGTH, TCO, EXAMPLE}},
     "see " EXAMPLE_LINK},
    /* X's indices count code points: the emoji is one. */
    {"emoji-before",
     "😀 see " TCO " #news",
     {{6, 6 + TCO_LENGTH, TCO, EXAMPLE}},
     "😀 see " EXAMPLE_LINK " #news"},
    {"emojis-before",
     "👩\u200D💻🇩🇪 é " TCO,
     {{8, 8 + TCO_LENGTH, TCO, EXAMPLE}},
     "👩\u200D💻🇩🇪 é " EXAMPLE_LINK},
    /* Indices counted in UTF-16 units miss; the URL is found anyway. */
    {"utf16-indices",
     "😀 see " TCO " #news",
     {{7, 7 + TCO_LENGTH, TCO, EXAMPLE}},
     "😀 see " EXAMPLE_LINK " #news"},
    /* Indices are into the text before escaping. */
    {"markup-before",
     "<3 & " TCO " \"bye\"",
     {{5, 5 + TCO_LENGTH, TCO, EXAMPLE}},
     "&lt;3 &amp; " EXAMPLE_LINK " &quot;bye&quot;"},
    {"no-expanded-url",
     "see " TCO,
     {{4, 4 + TCO_LENGTH, TCO, NULL}},
     "see <a href=\"" TCO "\">" TCO "</a>"},
    {"empty-expanded-url",
     "see " TCO,
     {{4, 4 + TCO_LENGTH, TCO, ""}},
     "see <a href=\"" TCO "\">" TCO "</a>"},
    {"javascript-url",
     "see " TCO,
     {{4, 4 + TCO_LENGTH, TCO, "javascript:alert(\"x\")"}},
     "see javascript:alert(&quot;x&quot;)"},
    {"quote-in-url",
     "see " TCO,
     {{4, 4 + TCO_LENGTH, TCO, "https://e.com/\"><script>x</script>"}},
     "see <a href=\"https://e.com/&quot;&gt;&lt;script&gt;x&lt;/"
     "script&gt;\">https://e.com/&quot;&gt;&lt;script&gt;x&lt;/"
     "script&gt;</a>"},
    {"uppercase-scheme",
     "see " TCO,
     {{4, 4 + TCO_LENGTH, TCO, "HTTP://E.COM"}},
     "see <a href=\"HTTP://E.COM\">HTTP://E.COM</a>"},
    {"two-links",
     "two links https://t.co/One1111111 and https://t.co/Two2222222",
     {{38, 61, "https://t.co/Two2222222", NULL},
      {10, 33, "https://t.co/One1111111", "https://one.example/"}},
     "two links <a href=\"https://one.example/\">https://one.example/</a>"
     " and <a href=\"https://t.co/Two2222222\">https://t.co/Two2222222</a>"},
    {"duplicate-entity",
     "see " TCO,
     {{4, 4 + TCO_LENGTH, TCO, EXAMPLE}, {4, 4 + TCO_LENGTH, TCO, EXAMPLE}},
     "see " EXAMPLE_LINK},
    {"same-url-twice",
     TCO " " TCO,
     {{0, TCO_LENGTH, TCO, EXAMPLE},
      {TCO_LENGTH + 1, 2 * TCO_LENGTH + 1, TCO, EXAMPLE}},
     EXAMPLE_LINK " " EXAMPLE_LINK},
    {"same-url-twice-no-indices",
     TCO " " TCO,
     {{-1, -1, TCO, EXAMPLE}, {-1, -1, TCO, EXAMPLE}},
     EXAMPLE_LINK " " EXAMPLE_LINK},
    {"out-of-range",
     "see " TCO,
     {{100, 200, TCO, EXAMPLE}},
     "see " EXAMPLE_LINK},
    {"negative", "see " TCO, {{-5, 3, TCO, EXAMPLE}}, "see " EXAMPLE_LINK},
    {"reversed", "see " TCO, {{27, 4, TCO, EXAMPLE}}, "see " EXAMPLE_LINK},
    {"huge",
     "see " TCO,
     {{G_MAXINT64 - 1, G_MAXINT64, TCO, EXAMPLE}},
     "see " EXAMPLE_LINK},
    {"url-not-in-text",
     "nothing <here>",
     {{0, 5, "https://t.co/zzzzzzzzzz", EXAMPLE}},
     "nothing &lt;here&gt;"},
    {"empty-url", "see " TCO, {{4, 4 + TCO_LENGTH, "", EXAMPLE}}, "see " TCO},
    /* A shorter URL inside a placed one does not nest a second link. */
    {"overlapping",
     "see " TCO,
     {{4, 4 + TCO_LENGTH, TCO, EXAMPLE},
      {4, 4 + 18, "https://t.co/AbCdE", "https://evil.example/"}},
     "see " EXAMPLE_LINK},
    {"newlines",
     "a\n" TCO "\n<b>",
     {{2, 2 + TCO_LENGTH, TCO, EXAMPLE}},
     "a\n" EXAMPLE_LINK "\n&lt;b&gt;"},
};

static void
test_incoming(gconstpointer data)
{
	const IncomingCase *c = data;
	g_autoptr(GPtrArray) urls =
	    g_ptr_array_new_with_free_func((GDestroyNotify)tw_url_entity_free);

	for (gsize i = 0; i < MAX_ENTITIES && c->entities[i].url != NULL; i++) {
		TwUrlEntity *entity = g_new0(TwUrlEntity, 1);
		entity->start = c->entities[i].start;
		entity->end = c->entities[i].end;
		entity->url = g_strdup(c->entities[i].url);
		entity->expanded_url = g_strdup(c->entities[i].expanded_url);
		g_ptr_array_add(urls, entity);
	}

	g_autofree char *html = tw_text_incoming_to_html(c->text, urls);
	g_assert_cmpstr(html, ==, c->expected);
	g_assert_true(g_utf8_validate(html, -1, NULL));
	g_assert_null(strstr(html, "&#"));
}

static void
test_incoming_null_urls(void)
{
	g_autofree char *html = tw_text_incoming_to_html("a <b> " TCO, NULL);

	g_assert_cmpstr(html, ==, "a &lt;b&gt; " TCO);
}

/* --- outgoing HTML ------------------------------------------------------ */

static const TextCase outgoing_cases[] = {
    {"plain", "hello", "hello"},
    {"empty", "", ""},
    {"named-entities", "a &lt;b&gt; &amp; &quot;c&quot; &apos;d&apos; e&nbsp;f",
     "a <b> & \"c\" 'd' e f"},
    {"numeric-entities", "don&#39;t &#x27;x&#X27; &#8364; &#x1F600;",
     "don't 'x' € 😀"},
    {"bad-numeric-entities", "&#0; &#xD800; &#1114112; &#; &#x; &#12a; &#-1;",
     "&#0; &#xD800; &#1114112; &#; &#x; &#12a; &#-1;"},
    {"unknown-entities", "&copy; &foo; AT&T", "&copy; &foo; AT&T"},
    {"bare-ampersands", "a & b &amp c &", "a & b &amp c &"},
    {"escaped-markup", "&lt;b&gt;not bold&lt;/b&gt;", "<b>not bold</b>"},
    {"br", "a<br>b<br/>c<BR />d", "a\nb\nc\nd"},
    {"raw-newlines", "a\nb\n\nc", "a\nb\n\nc"},
    {"formatting",
     "<b>bold</b> <i>it</i> <font color=\"#ff0000\" size=\"3\">red</font> "
     "<SPAN style='font-weight: bold'>s</SPAN>",
     "bold it red s"},
    {"pidgin", "<FONT FACE=\"Sans\"><B>hi</B> there&apos;s</FONT>",
     "hi there's"},
    {"link-same", "<a href=\"https://example.com\">https://example.com</a>",
     "https://example.com"},
    {"link-autolinked",
     "<a href=\"http://www.example.com\">www.example.com</a>",
     "www.example.com"},
    {"link-mailto", "<A HREF=\"mailto:me@example.com\">me@example.com</A>",
     "me@example.com"},
    {"link-different",
     "go to <a href=\"https://example.com/x?a=1&amp;b=2\">my site</a>!",
     "go to my site (https://example.com/x?a=1&b=2)!"},
    {"link-single-quotes", "<a class=x href='https://e.com/'>e</a>",
     "e (https://e.com/)"},
    {"link-unquoted", "<a href=https://e.com/>e</a>", "e (https://e.com/)"},
    {"link-quoted-gt", "<a href=\"https://e.com/?q=a>b\">go</a>",
     "go (https://e.com/?q=a>b)"},
    {"link-empty-text", "<a href=\"https://e.com\"></a>", "https://e.com"},
    {"link-no-href", "<a name=\"top\">top</a>", "top"},
    {"link-unclosed", "<a href=\"https://e.com\">e", "e (https://e.com)"},
    {"paragraphs", "<p>one</p><p>two</p>", "one\ntwo"},
    {"divs", "<div>a</div><div>b<br></div><div>c</div>", "a\nb\nc"},
    {"div-inline", "a<div>b</div>c", "a\nb\nc"},
    {"lone-less-than", "a < b", "a < b"},
    {"heart", "1 <3 you", "1 <3 you"},
    {"unclosed-tag", "see you <b", "see you <b"},
    {"trailing-less-than", "x <", "x <"},
    {"unclosed-quote", "<i don't know", "<i don't know"},
    {"comment", "a<!-- <b>hidden</b> -->b", "ab"},
    {"document", "<html><body>hi</body></html>", "hi"},
    {"utf8", "grüße 😀 日本", "grüße 😀 日本"},
    {"invalid-utf8",
     "a\xff"
     "b",
     "a\xef\xbf\xbd"
     "b"},
};

static void
test_outgoing(gconstpointer data)
{
	const TextCase *c = data;
	g_autofree char *plain = tw_text_outgoing_to_plain(c->text);

	g_assert_cmpstr(plain, ==, c->expected);
	g_assert_true(g_utf8_validate(plain, -1, NULL));
}

/* --- splitting ---------------------------------------------------------- */

static void
assert_parts_valid(GPtrArray *parts, const char *text, guint max_chars)
{
	g_autoptr(GString) joined = g_string_new(NULL);

	for (guint i = 0; i < parts->len; i++) {
		const char *part = g_ptr_array_index(parts, i);

		g_assert_true(g_utf8_validate(part, -1, NULL));
		g_assert_cmpuint(strlen(part), >, 0);
		g_assert_cmpuint(g_utf8_strlen(part, -1), <=, max_chars);
		g_string_append(joined, part);
	}
	g_assert_cmpstr(joined->str, ==, text);
}

static char *
make_words(glong code_points)
{
	static const char *const words[] = {
	    "lorem",       "ipsum",      "dolor", "sit", "amet,",
	    "consectetur", "adipiscing", "elit.", "Sed"};
	GString *text = g_string_new(NULL);

	for (guint i = 0; (glong)text->len < code_points; i++) {
		g_string_append(text, words[i % G_N_ELEMENTS(words)]);
		g_string_append_c(text, i % 7 == 6 ? '\n' : ' ');
	}
	g_string_truncate(text, code_points);
	return g_string_free(text, FALSE);
}

static void
test_split_long(void)
{
	g_autofree char *text = make_words(25000);
	g_autoptr(GPtrArray) parts = tw_text_split(text, TW_TEXT_MAX_CHARS);

	g_assert_cmpuint(parts->len, ==, 3);
	assert_parts_valid(parts, text, TW_TEXT_MAX_CHARS);

	/* Cuts fall after white space, in the last fifth of a part. */
	for (guint i = 0; i + 1 < parts->len; i++) {
		const char *part = g_ptr_array_index(parts, i);
		gsize length = strlen(part);

		g_assert_true(g_ascii_isspace(part[length - 1]));
		g_assert_cmpuint(length, >=, TW_TEXT_MAX_CHARS * 4 / 5);
	}
}

static void
test_split_multibyte(void)
{
	g_autoptr(GString) text = g_string_new(NULL);
	for (guint i = 0; i < 2500; i++)
		g_string_append(text, i % 3 ? "日本語😀é" : "grüße ❤\uFE0F ");

	for (guint max_chars = 1; max_chars <= 101; max_chars += 10) {
		g_autoptr(GPtrArray) parts =
		    tw_text_split(text->str, max_chars);

		g_assert_cmpuint(parts->len, >=,
				 g_utf8_strlen(text->str, -1) / max_chars);
		assert_parts_valid(parts, text->str, max_chars);
	}
}

static void
test_split_emoji_only(void)
{
	g_autoptr(GString) text = g_string_new(NULL);
	for (guint i = 0; i < 250; i++)
		g_string_append(text, "😀");

	g_autoptr(GPtrArray) parts = tw_text_split(text->str, 100);
	g_assert_cmpuint(parts->len, ==, 3);
	assert_parts_valid(parts, text->str, 100);
	g_assert_cmpuint(g_utf8_strlen(g_ptr_array_index(parts, 0), -1), ==,
			 100);
	g_assert_cmpuint(g_utf8_strlen(g_ptr_array_index(parts, 1), -1), ==,
			 100);
	g_assert_cmpuint(g_utf8_strlen(g_ptr_array_index(parts, 2), -1), ==,
			 50);
}

typedef struct {
	const char *name;
	const char *prefix_unit; /* repeated prefix_count times */
	guint prefix_count;
	const char *tail;
	guint max_chars;
	/* code points of the first part */
	glong first_part_length;
} CutCase;

static const CutCase cut_cases[] = {
    /* No white space in the last fifth: after the comma. */
    {"punctuation", "a", 95, ",bbbbbbbbbbbbbbbbbbbb", 100, 96},
    /* White space wins over later punctuation. */
    {"space-before-punctuation", "a", 85, " aaaaa,bbbbbbbbbbbbbbbbbbbb", 100,
     86},
    /* White space before the last fifth is too early: hard cut. */
    {"space-too-early", "a", 10,
     " bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
     "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb",
     100, 100},
    {"newline", "a", 90, "\nbbbbbbbbbbbbbbbbbbbb", 100, 91},
    /* Emoji and its variation selector stay together. */
    {"variation-selector", "a", 99, "❤\uFE0Fbbbbbbbbb", 100, 99},
    /* ZWJ sequences are not cut at the joiner. */
    {"zero-width-joiner", "a", 98, "👩\u200D💻bbbbbbbbb", 100, 98},
    /* A combining accent stays with its letter. */
    {"combining-mark", "a", 99, "e\u0301bbbbbbbbb", 100, 99},
    {"skin-tone", "a", 99, "👍🏽bbbbbbbbb", 100, 99},
};

static void
test_split_cut(gconstpointer data)
{
	const CutCase *c = data;
	g_autoptr(GString) text = g_string_new(NULL);

	for (guint i = 0; i < c->prefix_count; i++)
		g_string_append(text, c->prefix_unit);
	g_string_append(text, c->tail);

	g_autoptr(GPtrArray) parts = tw_text_split(text->str, c->max_chars);
	g_assert_cmpuint(parts->len, >=, 2);
	assert_parts_valid(parts, text->str, c->max_chars);
	g_assert_cmpint(g_utf8_strlen(g_ptr_array_index(parts, 0), -1), ==,
			c->first_part_length);
}

typedef struct {
	const char *name;
	const char *text;
	guint max_chars;
	guint expected_parts;
} SplitCountCase;

static const SplitCountCase split_count_cases[] = {
    {"empty", "", 100, 0},
    {"space", " ", 100, 0},
    {"white-space", "\n\t  \r\n ", 100, 0},
    {"unicode-spaces", "\xc2\xa0\xe3\x80\x80\xe2\x80\x83", 100, 0},
    {"long-white-space", "                                        ", 10, 0},
    {"short", "hi", 100, 1},
    {"padded", "  hi  ", 100, 1},
    {"exactly-max", "abcde", 5, 1},
    {"one-over", "abcdef", 5, 2},
    {"one-per-part", "abc", 1, 3},
    {"multibyte-exactly-max", "😀😀😀😀😀", 5, 1},
};

static void
test_split_count(gconstpointer data)
{
	const SplitCountCase *c = data;
	g_autoptr(GPtrArray) parts = tw_text_split(c->text, c->max_chars);

	g_assert_nonnull(parts);
	g_assert_cmpuint(parts->len, ==, c->expected_parts);
	if (c->expected_parts > 0)
		assert_parts_valid(parts, c->text, c->max_chars);
}

/* Whatever the text, the parts are valid, short enough and lossless. */
static void
test_split_random(void)
{
	static const char *const pieces[] = {
	    "a",  " ",      "\n",  ".", "é",  "😀",    "\uFE0F", "\u200D",
	    "日", "\u0301", "bcd", ",", "\t", "🏽", "x y"};
	g_autoptr(GRand) rand = g_rand_new_with_seed(20261129);

	for (guint round = 0; round < 300; round++) {
		g_autoptr(GString) text = g_string_new(NULL);
		guint pieces_count = g_rand_int_range(rand, 1, 400);
		for (guint i = 0; i < pieces_count; i++)
			g_string_append(text,
					pieces[g_rand_int_range(
					    rand, 0, G_N_ELEMENTS(pieces))]);
		guint max_chars = g_rand_int_range(rand, 1, 60);

		g_autoptr(GPtrArray) parts =
		    tw_text_split(text->str, max_chars);
		if (parts->len > 0)
			assert_parts_valid(parts, text->str, max_chars);
	}
}

#define ADD_TABLE(prefix, cases, func)                                         \
	for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {                      \
		g_autofree char *path =                                        \
		    g_strdup_printf("%s/%s", prefix, cases[i].name);           \
		g_test_add_data_func(path, &cases[i], func);                   \
	}

/* Case, Unicode form and white space do not matter; anything else does. */
static void
test_likeness_key(void)
{
	g_autofree char *a = tw_text_dup_likeness_key("Big SALE  today!");
	g_autofree char *b = tw_text_dup_likeness_key("big sale\ntoday!");
	g_autofree char *c = tw_text_dup_likeness_key("Big sale today?");
	g_autofree char *d = tw_text_dup_likeness_key("Caf\u00e9");
	g_autofree char *e = tw_text_dup_likeness_key("CAFE\u0301");
	g_autofree char *empty = tw_text_dup_likeness_key(" \t\n");

	g_assert_cmpstr(a, ==, b);
	g_assert_cmpstr(a, !=, c);
	g_assert_cmpstr(d, ==, e);
	g_assert_cmpstr(empty, ==, "");
}

/* libpurple's images, as Pidgin's editor and the runner write them. */
static void
test_find_image_ids(void)
{
	g_autoptr(GArray) ids = tw_text_find_image_ids(
	    "Look <IMG ID=\"3\"> and <img id='12' alt=\"x\"/><b>bold</b>"
	    "<img src=\"http://a/b.png\"><img id=\"0\"><img id=\"x7\">"
	    "<a href=\"<img id=9>\">link</a><img id=\"4\"");
	g_autoptr(GArray) none = tw_text_find_image_ids("no <b>images</b>");
	g_autofree char *plain =
	    tw_text_outgoing_to_plain("Look <IMG ID=\"3\"> here");

	g_assert_cmpuint(ids->len, ==, 2);
	g_assert_cmpuint(g_array_index(ids, guint, 0), ==, 3);
	g_assert_cmpuint(g_array_index(ids, guint, 1), ==, 12);
	g_assert_cmpuint(none->len, ==, 0);
	/* The text leaves the image out. */
	g_assert_cmpstr(plain, ==, "Look  here");
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);

	ADD_TABLE("/text/escape", escape_cases, test_escape);
	ADD_TABLE("/text/incoming", incoming_cases, test_incoming);
	g_test_add_func("/text/incoming/null-urls", test_incoming_null_urls);
	ADD_TABLE("/text/outgoing", outgoing_cases, test_outgoing);
	g_test_add_func("/text/split/long", test_split_long);
	g_test_add_func("/text/split/multibyte", test_split_multibyte);
	g_test_add_func("/text/split/emoji-only", test_split_emoji_only);
	ADD_TABLE("/text/split/cut", cut_cases, test_split_cut);
	ADD_TABLE("/text/split/count", split_count_cases, test_split_count);
	g_test_add_func("/text/split/random", test_split_random);
	g_test_add_func("/text/likeness-key", test_likeness_key);
	g_test_add_func("/text/image-ids", test_find_image_ids);

	return g_test_run();
}
