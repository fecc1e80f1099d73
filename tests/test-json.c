/*
 * Unit tests of tw-json against real-shaped bodies in tests/data.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <string.h>

#include <glib.h>
#include <json-glib/json-glib.h>

#include "tw-json.h"

/* 2022-10-19T20:58:00.000Z and friends, in microseconds. */
#define TIME_2022_10_19_20_58_00     G_GINT64_CONSTANT(1666213080000000)
#define TIME_2022_10_19_20_45_58     G_GINT64_CONSTANT(1666212358000000)
#define TIME_2022_10_19_20_58_09     G_GINT64_CONSTANT(1666213089000000)
#define TIME_2022_10_25_23_16_15     G_GINT64_CONSTANT(1666739775000000)
#define TIME_2022_10_25_23_16_15_123 G_GINT64_CONSTANT(1666739775123000)

static char *
load_fixture(const char *name, gsize *length)
{
	g_autofree char *path =
	    g_test_build_filename(G_TEST_DIST, "data", name, NULL);
	g_autoptr(GError) error = NULL;
	char *contents = NULL;

	g_file_get_contents(path, &contents, length, &error);
	g_assert_no_error(error);
	return contents;
}

static TwDmPage *
parse_page_fixture(const char *name)
{
	gsize length = 0;
	g_autofree char *body = load_fixture(name, &length);
	g_autoptr(GError) error = NULL;
	TwDmPage *page = tw_json_parse_dm_page(body, length, &error);

	g_assert_no_error(error);
	g_assert_nonnull(page);
	return page;
}

static const TwDmEvent *
page_event(const TwDmPage *page, guint index)
{
	g_assert_cmpuint(index, <, page->events->len);
	return g_ptr_array_index(page->events, index);
}

static const char *
string_at(const GPtrArray *array, guint index)
{
	g_assert_cmpuint(index, <, array->len);
	return g_ptr_array_index(array, index);
}

/* --- DM pages ----------------------------------------------------------- */

static void
test_dm_page_mixed(void)
{
	g_autoptr(TwDmPage) page = parse_page_fixture("dm-page-mixed.json");

	g_assert_cmpuint(page->events->len, ==, 3);
	g_assert_cmpuint(page->result_count, ==, 3);
	g_assert_null(page->next_token);

	const TwDmEvent *leave = page_event(page, 0);
	g_assert_cmpstr(leave->id, ==, "1582838535115067392");
	g_assert_cmpint(leave->type, ==, TW_DM_EVENT_PARTICIPANTS_LEAVE);
	g_assert_null(leave->text);
	g_assert_null(leave->sender_id);
	g_assert_cmpstr(leave->conversation_id, ==, "1578398451921985538");
	g_assert_true(tw_dm_event_is_group(leave));
	g_assert_cmpint(leave->created_at, ==, TIME_2022_10_19_20_58_09);
	g_assert_cmpuint(leave->participant_ids->len, ==, 1);
	g_assert_cmpstr(string_at(leave->participant_ids, 0), ==, "944480690");

	const TwDmEvent *message = page_event(page, 1);
	g_assert_cmpstr(message->id, ==, "1582838499983564806");
	g_assert_cmpint(message->type, ==, TW_DM_EVENT_MESSAGE_CREATE);
	g_assert_cmpstr(message->text, ==,
			"Here's a photo... https://t.co/xxxxxxxxxx");
	g_assert_cmpstr(message->sender_id, ==, "944480690");
	g_assert_cmpint(message->created_at, ==, TIME_2022_10_19_20_58_00);
	g_assert_cmpuint(message->participant_ids->len, ==, 0);
	g_assert_cmpuint(message->media_keys->len, ==, 1);
	g_assert_cmpstr(string_at(message->media_keys, 0), ==,
			"3_1583157113245011970");
	g_assert_cmpuint(message->urls->len, ==, 1);
	const TwUrlEntity *entity = g_ptr_array_index(message->urls, 0);
	g_assert_cmpint(entity->start, ==, 18);
	g_assert_cmpint(entity->end, ==, 41);
	g_assert_cmpstr(entity->url, ==, "https://t.co/xxxxxxxxxx");
	g_assert_cmpstr(
	    entity->expanded_url, ==,
	    "https://x.com/FloodSocial/status/1582838499983564806/photo/1");
	g_assert_cmpstr(entity->display_url, ==, "pic.x.com/xxxxxxxxxx");

	const TwDmEvent *join = page_event(page, 2);
	g_assert_cmpstr(join->id, ==, "1582835469712138240");
	g_assert_cmpint(join->type, ==, TW_DM_EVENT_PARTICIPANTS_JOIN);
	g_assert_cmpstr(join->sender_id, ==, "17200003");
	g_assert_cmpint(join->created_at, ==, TIME_2022_10_19_20_45_58);
	g_assert_cmpuint(join->participant_ids->len, ==, 1);
	g_assert_cmpstr(string_at(join->participant_ids, 0), ==, "944480690");

	g_assert_cmpuint(g_hash_table_size(page->users), ==, 2);
	const TwUser *demos = g_hash_table_lookup(page->users, "944480690");
	g_assert_nonnull(demos);
	g_assert_cmpstr(demos->id, ==, "944480690");
	g_assert_cmpstr(demos->username, ==, "FloodSocial");
	g_assert_cmpstr(demos->name, ==, "API Demos");
	g_assert_cmpint(demos->receives_your_dm, ==, -1);
	g_assert_cmpint(demos->followers_count, ==, -1);
	const TwUser *jane = g_hash_table_lookup(page->users, "17200003");
	g_assert_nonnull(jane);
	g_assert_cmpstr(jane->username, ==, "janedoe");
	g_assert_cmpint(jane->receives_your_dm, ==, TRUE);
	g_assert_false(jane->protected_account);
}

static void
test_dm_page_empty(void)
{
	g_autoptr(TwDmPage) page = parse_page_fixture("dm-page-empty.json");

	g_assert_cmpuint(page->events->len, ==, 0);
	g_assert_cmpuint(page->result_count, ==, 0);
	g_assert_null(page->next_token);
	g_assert_cmpuint(g_hash_table_size(page->users), ==, 0);
}

static void
test_dm_page_next_token(void)
{
	g_autoptr(TwDmPage) page =
	    parse_page_fixture("dm-page-next-token.json");

	g_assert_cmpuint(page->events->len, ==, 1);
	g_assert_cmpuint(page->result_count, ==, 1);
	g_assert_cmpstr(page->next_token, ==, "18LAA581J5II7LA00C00ZZZZ");

	const TwDmEvent *event = page_event(page, 0);
	g_assert_cmpstr(event->conversation_id, ==,
			"944480690-906948460078698496");
	g_assert_false(tw_dm_event_is_group(event));
	g_assert_cmpint(event->created_at, ==, TIME_2022_10_25_23_16_15);
	g_assert_cmpstr(event->text, ==, "Hello, just you!");
	g_assert_nonnull(g_hash_table_lookup(page->users, "944480690"));
}

static void
test_dm_page_tweepy_default(void)
{
	g_autoptr(TwDmPage) page =
	    parse_page_fixture("dm-page-tweepy-default.json");

	g_assert_cmpuint(page->events->len, ==, 2);
	g_assert_cmpuint(page->result_count, ==, 2);
	g_assert_cmpstr(page->next_token, ==, "18LAA5G1V9DLILOG0G00ZZZZ");

	/* Default fields only: no sender, conversation or time. */
	const TwDmEvent *newest = page_event(page, 0);
	g_assert_cmpstr(newest->id, ==, "1585823814956482567");
	g_assert_cmpint(newest->type, ==, TW_DM_EVENT_MESSAGE_CREATE);
	g_assert_cmpstr(newest->text, ==, "Testing 2");
	g_assert_null(newest->sender_id);
	g_assert_null(newest->conversation_id);
	g_assert_cmpint(newest->created_at, ==, 0);
	g_assert_false(tw_dm_event_is_group(newest));

	const TwDmEvent *oldest = page_event(page, 1);
	g_assert_cmpstr(oldest->text, ==, "Testing 1");
	g_assert_cmpint(tw_id_compare(newest->id, oldest->id), >, 0);
}

static void
test_dm_page_entities_nested(void)
{
	g_autoptr(TwDmPage) page =
	    parse_page_fixture("dm-page-entities-nested.json");
	const TwDmEvent *event = page_event(page, 0);

	g_assert_cmpint(event->created_at, ==, TIME_2022_10_25_23_16_15_123);
	g_assert_cmpstr(event->text, ==, "😀 see https://t.co/AbCdEf1234 #news");
	g_assert_cmpuint(event->urls->len, ==, 1);

	const TwUrlEntity *entity = g_ptr_array_index(event->urls, 0);
	g_assert_cmpint(entity->start, ==, 6);
	g_assert_cmpint(entity->end, ==, 29);
	g_assert_cmpstr(entity->url, ==, "https://t.co/AbCdEf1234");
	g_assert_cmpstr(entity->expanded_url, ==,
			"https://example.com/a?b=1&c=2");
	g_assert_cmpstr(entity->display_url, ==, "example.com/a?b=1&c=2");
}

static void
test_dm_page_entities_toplevel(void)
{
	g_autoptr(TwDmPage) page =
	    parse_page_fixture("dm-page-entities-toplevel.json");
	const TwDmEvent *event = page_event(page, 0);

	g_assert_cmpuint(event->urls->len, ==, 2);

	const TwUrlEntity *first = g_ptr_array_index(event->urls, 0);
	g_assert_cmpint(first->start, ==, 10);
	g_assert_cmpint(first->end, ==, 33);
	g_assert_cmpstr(first->url, ==, "https://t.co/One1111111");
	g_assert_cmpstr(first->expanded_url, ==, "https://one.example/");

	const TwUrlEntity *second = g_ptr_array_index(event->urls, 1);
	g_assert_cmpint(second->start, ==, 38);
	g_assert_cmpint(second->end, ==, 61);
	g_assert_cmpstr(second->url, ==, "https://t.co/Two2222222");
	g_assert_null(second->expanded_url);
	g_assert_null(second->display_url);
}

static void
test_dm_page_unknown_type(void)
{
	const char *body =
	    "{\"data\":[{\"event_type\":\"MessageReaction\",\"id\":"
	    "\"1585823814956482999\",\"reaction\":\"👍\"},"
	    "{\"event_type\":\"MessageCreate\",\"id\":\"1585823814956482567\","
	    "\"text\":\"hi\"}],\"meta\":{\"result_count\":2}}";
	g_autoptr(GError) error = NULL;
	g_autoptr(TwDmPage) page = tw_json_parse_dm_page(body, -1, &error);

	g_assert_no_error(error);
	g_assert_cmpuint(page->events->len, ==, 2);
	g_assert_cmpint(page_event(page, 0)->type, ==, TW_DM_EVENT_UNKNOWN);
	g_assert_cmpstr(page_event(page, 0)->id, ==, "1585823814956482999");
	g_assert_cmpint(page_event(page, 1)->type, ==,
			TW_DM_EVENT_MESSAGE_CREATE);
}

/* Unknown members, wrong-typed optional members and malformed optional ids
 * are ignored; the event itself survives. */
static void
test_dm_page_tolerant(void)
{
	const char *body =
	    "{\"data\":[{\"event_type\":\"MessageCreate\","
	    "\"id\":\"1585823814956482567\",\"text\":\"hi\","
	    "\"sender_id\":\"../../2/users/me\","
	    "\"dm_conversation_id\":\"1-2-3\","
	    "\"created_at\":\"yesterday\","
	    "\"participant_ids\":[\"1\",7,\"x\",\"2\"],"
	    "\"attachments\":{\"media_keys\":\"3_1\"},"
	    "\"entities\":{\"urls\":[{\"start\":0},{\"url\":\"https://t.co/a\"}]},"
	    "\"future_member\":{\"nested\":[1,2,3]}}],"
	    "\"includes\":{\"users\":[{\"name\":\"no id\"},"
	    "{\"id\":\"5\",\"username\":\"five\"},42],\"media\":[]},"
	    "\"errors\":[{\"detail\":\"partial\"}],"
	    "\"meta\":{\"result_count\":\"1\",\"next_token\":\"\"}}";
	g_autoptr(GError) error = NULL;
	g_autoptr(TwDmPage) page = tw_json_parse_dm_page(body, -1, &error);

	g_assert_no_error(error);
	g_assert_cmpuint(page->events->len, ==, 1);
	g_assert_cmpuint(page->result_count, ==, 1);
	g_assert_null(page->next_token);

	const TwDmEvent *event = page_event(page, 0);
	g_assert_cmpstr(event->text, ==, "hi");
	g_assert_null(event->sender_id);
	g_assert_null(event->conversation_id);
	g_assert_cmpint(event->created_at, ==, 0);
	g_assert_cmpuint(event->participant_ids->len, ==, 2);
	g_assert_cmpstr(string_at(event->participant_ids, 0), ==, "1");
	g_assert_cmpstr(string_at(event->participant_ids, 1), ==, "2");
	g_assert_cmpuint(event->media_keys->len, ==, 0);
	g_assert_cmpuint(event->urls->len, ==, 1);
	const TwUrlEntity *entity = g_ptr_array_index(event->urls, 0);
	g_assert_cmpstr(entity->url, ==, "https://t.co/a");
	g_assert_cmpint(entity->start, ==, -1);
	g_assert_cmpint(entity->end, ==, -1);

	g_assert_cmpuint(g_hash_table_size(page->users), ==, 1);
	const TwUser *five = g_hash_table_lookup(page->users, "5");
	g_assert_nonnull(five);
	g_assert_cmpstr(five->name, ==, "five");
}

static void
test_dm_page_null_data(void)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(TwDmPage) page =
	    tw_json_parse_dm_page("{\"data\":null}", -1, &error);

	g_assert_no_error(error);
	g_assert_cmpuint(page->events->len, ==, 0);
	g_assert_cmpuint(page->result_count, ==, 0);
}

/* The body need not be NUL-terminated: only @length bytes are read. */
static void
test_dm_page_length(void)
{
	gsize length = 0;
	g_autofree char *body = load_fixture("dm-page-empty.json", &length);
	g_autofree char *padded = g_strconcat(body, "garbage", NULL);
	g_autoptr(GError) error = NULL;
	g_autoptr(TwDmPage) page =
	    tw_json_parse_dm_page(padded, length, &error);

	g_assert_no_error(error);
	g_assert_cmpuint(page->events->len, ==, 0);

	g_autoptr(TwDmPage) broken = tw_json_parse_dm_page(padded, -1, &error);
	g_assert_error(error, TW_JSON_ERROR, TW_JSON_ERROR_MALFORMED);
	g_assert_null(broken);
}

/* Every escape JSON has still reads, with a surrogate pair as one emoji. */
static void
test_dm_page_escapes(void)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(TwDmPage) page = tw_json_parse_dm_page(
	    "{\"data\":[{\"id\":\"1\",\"event_type\":\"MessageCreate\","
	    "\"text\":\"\\\"\\\\\\/\\b\\f\\n\\r\\t\\u00e9\\ud83d\\ude00\"}]}",
	    -1, &error);

	g_assert_no_error(error);
	g_assert_cmpuint(page->events->len, ==, 1);
	g_assert_cmpstr(((TwDmEvent *)page->events->pdata[0])->text, ==,
			"\"\\/\b\f\n\r\t\xc3\xa9\xf0\x9f\x98\x80");
}

static void
test_dm_page_trailing_white_space(void)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(TwDmPage) page = tw_json_parse_dm_page(
	    " \r\n{\"meta\":{\"result_count\":0}}\r\n\t ", -1, &error);

	g_assert_no_error(error);
	g_assert_cmpuint(page->events->len, ==, 0);
}

typedef struct {
	const char *name;
	const char *body;
	int code;
} BadBodyCase;

static const BadBodyCase bad_dm_page_cases[] = {
    {"empty", "", TW_JSON_ERROR_MALFORMED},
    {"white-space", "  \n", TW_JSON_ERROR_MALFORMED},
    {"html", "<html><body>Bad Gateway</body></html>", TW_JSON_ERROR_MALFORMED},
    {"truncated-object", "{\"data\":[{\"id\":\"1\"", TW_JSON_ERROR_MALFORMED},
    {"trailing-comma", "{\"meta\":{\"result_count\":0},}",
     TW_JSON_ERROR_MALFORMED},
    {"invalid-utf8", "{\"data\":[],\"x\":\"\xff\xfe\"}",
     TW_JSON_ERROR_MALFORMED},
    /* json-glib 1.6 reads both, keeps the last and leaks the first. */
    {"two-objects", "{\"data\":[{\"id\":\"1\"}]}{\"meta\":{}}",
     TW_JSON_ERROR_MALFORMED},
    {"number-then-object", "1{\"meta\":{\"result_count\":0}}",
     TW_JSON_ERROR_MALFORMED},
    {"string-then-object", "\"}\" {\"meta\":{}}", TW_JSON_ERROR_MALFORMED},
    {"object-then-text", "{\"meta\":{\"result_count\":0}} x",
     TW_JSON_ERROR_MALFORMED},
    /* json-glib 1.6 reads comments and leaks a node on this broken one
     * (found by fuzz-token). */
    {"broken-comment", "{/{/}{}", TW_JSON_ERROR_MALFORMED},
    {"comment", "{/* none */\"meta\":{\"result_count\":0}}",
     TW_JSON_ERROR_MALFORMED},
    /* json-glib 1.6 reads these escapes as bytes that are not UTF-8
     * (found by fuzz-dm-page). */
    {"octal-escape", "{\"data\":[],\"x\":\"\\777\"}", TW_JSON_ERROR_MALFORMED},
    {"unknown-escape", "{\"data\":[],\"x\":\"\\q\"}", TW_JSON_ERROR_MALFORMED},
    {"short-unicode-escape", "{\"data\":[],\"x\":\"\\u12\"}",
     TW_JSON_ERROR_MALFORMED},
    {"lone-low-surrogate", "{\"data\":[],\"x\":\"\\udc00x\"}",
     TW_JSON_ERROR_MALFORMED},
    {"lone-high-surrogate", "{\"data\":[],\"x\":\"\\ud83dx\"}",
     TW_JSON_ERROR_MALFORMED},
    {"high-surrogate-then-letter", "{\"data\":[],\"x\":\"\\ud83d\\u0041\"}",
     TW_JSON_ERROR_MALFORMED},
    {"array", "[{\"id\":\"1\",\"event_type\":\"MessageCreate\"}]",
     TW_JSON_ERROR_SHAPE},
    {"string", "\"data\"", TW_JSON_ERROR_SHAPE},
    {"number", "42", TW_JSON_ERROR_SHAPE},
    {"null", "null", TW_JSON_ERROR_SHAPE},
    {"data-object",
     "{\"data\":{\"id\":\"1\",\"event_type\":\"MessageCreate\"}}",
     TW_JSON_ERROR_SHAPE},
    {"data-string", "{\"data\":\"events\"}", TW_JSON_ERROR_SHAPE},
    {"event-not-object", "{\"data\":[\"1\"]}", TW_JSON_ERROR_SHAPE},
    {"event-without-id",
     "{\"data\":[{\"event_type\":\"MessageCreate\",\"text\":\"x\"}]}",
     TW_JSON_ERROR_SHAPE},
    {"event-with-bad-id",
     "{\"data\":[{\"id\":\"12/34\",\"event_type\":\"MessageCreate\"}]}",
     TW_JSON_ERROR_SHAPE},
    {"event-without-type", "{\"data\":[{\"id\":\"1\",\"text\":\"x\"}]}",
     TW_JSON_ERROR_SHAPE},
    {"event-type-number", "{\"data\":[{\"id\":\"1\",\"event_type\":3}]}",
     TW_JSON_ERROR_SHAPE},
    /* One bad event spoils the page: skipping it would lose a message. */
    {"second-event-bad",
     "{\"data\":[{\"id\":\"1\",\"event_type\":\"MessageCreate\"},{}]}",
     TW_JSON_ERROR_SHAPE},
};

static void
test_dm_page_bad(gconstpointer data)
{
	const BadBodyCase *c = data;
	g_autoptr(GError) error = NULL;
	g_autoptr(TwDmPage) page = tw_json_parse_dm_page(c->body, -1, &error);

	g_assert_null(page);
	g_assert_error(error, TW_JSON_ERROR, c->code);
	g_assert_nonnull(error->message);
}

static void
test_dm_page_truncated_fixture(void)
{
	gsize length = 0;
	g_autofree char *body = load_fixture("dm-page-truncated.json", &length);
	g_autoptr(GError) error = NULL;
	g_autoptr(TwDmPage) page = tw_json_parse_dm_page(body, length, &error);

	g_assert_null(page);
	g_assert_error(error, TW_JSON_ERROR, TW_JSON_ERROR_MALFORMED);

	/* Every prefix of a real page is refused, none crashes. */
	g_autofree char *full = load_fixture("dm-page-mixed.json", &length);
	while (length > 0 && g_ascii_isspace(full[length - 1]))
		length--;
	for (gsize cut = 0; cut < length; cut++) {
		g_autoptr(GError) cut_error = NULL;
		g_autoptr(TwDmPage) cut_page =
		    tw_json_parse_dm_page(full, cut, &cut_error);

		g_assert_null(cut_page);
		g_assert_error(cut_error, TW_JSON_ERROR,
			       TW_JSON_ERROR_MALFORMED);
	}
}

static void
test_dm_page_errors_only(void)
{
	const char *body =
	    "{\"errors\":[{\"detail\":\"Could not find conversation.\","
	    "\"title\":\"Not Found Error\",\"type\":"
	    "\"https://api.twitter.com/2/problems/resource-not-found\"}]}";
	g_autoptr(GError) error = NULL;
	g_autoptr(TwDmPage) page = tw_json_parse_dm_page(body, -1, &error);

	g_assert_null(page);
	g_assert_error(error, TW_JSON_ERROR, TW_JSON_ERROR_SHAPE);
	g_assert_cmpstr(error->message, ==, "Could not find conversation.");
}

/* --- users -------------------------------------------------------------- */

static void
test_user_me(void)
{
	gsize length = 0;
	g_autofree char *body = load_fixture("user-me.json", &length);
	g_autoptr(GError) error = NULL;
	g_autoptr(TwUser) user = tw_json_parse_user(body, length, &error);

	g_assert_no_error(error);
	g_assert_cmpstr(user->id, ==, "1072250532645998596");
	g_assert_cmpstr(user->username, ==, "TweepyDev");
	g_assert_cmpstr(user->name, ==, "Tweepy Testing");
	g_assert_null(user->profile_image_url);
	g_assert_null(user->description);
	g_assert_cmpint(user->receives_your_dm, ==, -1);
	g_assert_cmpint(user->followers_count, ==, -1);
	g_assert_cmpint(user->following_count, ==, -1);
	g_assert_false(user->verified);
	g_assert_false(user->protected_account);
}

static void
test_user_full(void)
{
	gsize length = 0;
	g_autofree char *body = load_fixture("user-full.json", &length);
	g_autoptr(GError) error = NULL;
	g_autoptr(TwUser) user = tw_json_parse_user(body, length, &error);

	g_assert_no_error(error);
	g_assert_cmpstr(user->id, ==, "1072250532645998596");
	g_assert_cmpstr(user->username, ==, "TweepyDev");
	g_assert_cmpstr(user->profile_image_url, ==,
			"https://pbs.twimg.com/profile_images/"
			"1072250849882386432/ZcfyJmCA_normal.jpg");
	g_assert_cmpstr(user->description, ==,
			"Testing Tweepy <3 & \"friends\"");
	/* X sends "" for an unset location. */
	g_assert_null(user->location);
	g_assert_cmpstr(user->url, ==, "https://t.co/4Vg2Hm1iEh");
	g_assert_true(user->verified);
	g_assert_true(user->protected_account);
	g_assert_cmpint(user->receives_your_dm, ==, FALSE);
	g_assert_cmpint(user->followers_count, ==, 12);
	g_assert_cmpint(user->following_count, ==, 3);
}

static void
test_user_connection_status(void)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(TwUser) user = tw_json_parse_user(
	    "{\"data\":{\"id\":\"1\",\"username\":\"a\",\"name\":\"A\","
	    "\"connection_status\":[\"following\",3,\"followed_by\"]}}",
	    -1, &error);
	g_autoptr(TwUser) copy = NULL;
	g_autoptr(TwUser) silent = tw_json_parse_user(
	    "{\"data\":{\"id\":\"1\",\"username\":\"a\",\"name\":\"A\"}}", -1,
	    NULL);
	g_autoptr(TwUser) none = tw_json_parse_user(
	    "{\"data\":{\"id\":\"1\",\"username\":\"a\",\"name\":\"A\","
	    "\"connection_status\":[]}}",
	    -1, NULL);

	g_assert_no_error(error);
	/* Values that are not strings are skipped. */
	g_assert_cmpuint(user->connection_status->len, ==, 2);
	g_assert_cmpstr(user->connection_status->pdata[0], ==, "following");
	g_assert_cmpstr(user->connection_status->pdata[1], ==, "followed_by");
	copy = tw_user_copy(user);
	g_assert_cmpuint(copy->connection_status->len, ==, 2);
	g_assert_cmpstr(copy->connection_status->pdata[1], ==, "followed_by");
	/* Not asked for: unknown, which is not the same as none. */
	g_assert_null(silent->connection_status);
	g_assert_nonnull(none->connection_status);
	g_assert_cmpuint(none->connection_status->len, ==, 0);
}

static void
test_user_unknown(void)
{
	gsize length = 0;
	g_autofree char *body = load_fixture("user-unknown.json", &length);
	g_autoptr(GError) error = NULL;
	g_autoptr(TwUser) user = tw_json_parse_user(body, length, &error);

	g_assert_null(user);
	g_assert_error(error, TW_JSON_ERROR, TW_JSON_ERROR_SHAPE);
	g_assert_cmpstr(error->message, ==,
			"Could not find user with username: [nosuchuser].");
}

static const BadBodyCase bad_user_cases[] = {
    {"truncated", "{\"data\":{\"id\":\"1\",\"username\":\"a",
     TW_JSON_ERROR_MALFORMED},
    {"array", "[]", TW_JSON_ERROR_SHAPE},
    {"no-data", "{}", TW_JSON_ERROR_SHAPE},
    {"data-null", "{\"data\":null}", TW_JSON_ERROR_SHAPE},
    {"data-array", "{\"data\":[{\"id\":\"1\",\"username\":\"a\"}]}",
     TW_JSON_ERROR_SHAPE},
    {"no-id", "{\"data\":{\"username\":\"a\"}}", TW_JSON_ERROR_SHAPE},
    {"bad-id", "{\"data\":{\"id\":\"a1\",\"username\":\"a\"}}",
     TW_JSON_ERROR_SHAPE},
    {"no-username", "{\"data\":{\"id\":\"1\",\"name\":\"A\"}}",
     TW_JSON_ERROR_SHAPE},
};

static void
test_user_bad(gconstpointer data)
{
	const BadBodyCase *c = data;
	g_autoptr(GError) error = NULL;
	g_autoptr(TwUser) user = tw_json_parse_user(c->body, -1, &error);

	g_assert_null(user);
	g_assert_error(error, TW_JSON_ERROR, c->code);
}

static void
test_user_name_fallback(void)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(TwUser) user = tw_json_parse_user(
	    "{\"data\":{\"id\":\"1\",\"username\":\"someone\"}}", -1, &error);

	g_assert_no_error(error);
	g_assert_cmpstr(user->name, ==, "someone");
}

static void
test_users_by(void)
{
	gsize length = 0;
	g_autofree char *body = load_fixture("users-by.json", &length);
	g_autoptr(GError) error = NULL;
	g_autoptr(GPtrArray) users = tw_json_parse_users(body, length, &error);

	g_assert_no_error(error);
	g_assert_cmpuint(users->len, ==, 2);
	const TwUser *first = g_ptr_array_index(users, 0);
	const TwUser *second = g_ptr_array_index(users, 1);
	g_assert_cmpstr(first->id, ==, "783214");
	g_assert_cmpstr(first->username, ==, "Twitter");
	g_assert_cmpstr(second->id, ==, "2244994945");
	g_assert_cmpstr(second->name, ==, "Twitter Dev");
}

static void
test_users_none(void)
{
	gsize length = 0;
	g_autofree char *body = load_fixture("user-unknown.json", &length);
	g_autoptr(GError) error = NULL;
	g_autoptr(GPtrArray) users = tw_json_parse_users(body, length, &error);

	g_assert_no_error(error);
	g_assert_nonnull(users);
	g_assert_cmpuint(users->len, ==, 0);
}

static const BadBodyCase bad_users_cases[] = {
    {"malformed", "{\"data\":[", TW_JSON_ERROR_MALFORMED},
    {"array", "[{\"id\":\"1\",\"username\":\"a\"}]", TW_JSON_ERROR_SHAPE},
    {"data-object", "{\"data\":{\"id\":\"1\",\"username\":\"a\"}}",
     TW_JSON_ERROR_SHAPE},
    {"user-not-object", "{\"data\":[\"1\"]}", TW_JSON_ERROR_SHAPE},
    {"user-without-id", "{\"data\":[{\"username\":\"a\"}]}",
     TW_JSON_ERROR_SHAPE},
};

static void
test_users_bad(gconstpointer data)
{
	const BadBodyCase *c = data;
	g_autoptr(GError) error = NULL;
	g_autoptr(GPtrArray) users = tw_json_parse_users(c->body, -1, &error);

	g_assert_null(users);
	g_assert_error(error, TW_JSON_ERROR, c->code);
}

/* --- tokens and send results -------------------------------------------- */

static void
test_token_full(void)
{
	gsize length = 0;
	g_autofree char *body = load_fixture("token.json", &length);
	g_autoptr(GError) error = NULL;
	g_autoptr(TwToken) token = tw_json_parse_token(body, length, &error);

	g_assert_no_error(error);
	g_assert_cmpstr(
	    token->access_token, ==,
	    "VGhpcyBpcyBub3QgYSByZWFsIHRva2Vu:1678000000000:1:0:at:1");
	g_assert_cmpstr(
	    token->refresh_token, ==,
	    "UmVmcmVzaCB0b2tlbiBmb3IgdGVzdHM:1678000000000:1:1:rt:1");
	g_assert_cmpstr(
	    token->scope, ==,
	    "tweet.read users.read dm.read dm.write offline.access");
	g_assert_cmpint(token->expires_in, ==, 7200);
}

static void
test_token_minimal(void)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(TwToken) token = tw_json_parse_token(
	    "{\"token_type\":\"bearer\",\"access_token\":\"abc\"}", -1, &error);

	g_assert_no_error(error);
	g_assert_cmpstr(token->access_token, ==, "abc");
	g_assert_null(token->refresh_token);
	g_assert_null(token->scope);
	g_assert_cmpint(token->expires_in, ==, 0);
}

static const BadBodyCase bad_token_cases[] = {
    {"malformed", "{\"access_token\":", TW_JSON_ERROR_MALFORMED},
    {"array", "[\"abc\"]", TW_JSON_ERROR_SHAPE},
    {"no-access-token", "{\"refresh_token\":\"r\",\"expires_in\":7200}",
     TW_JSON_ERROR_SHAPE},
    {"empty-access-token", "{\"access_token\":\"\"}", TW_JSON_ERROR_SHAPE},
    {"access-token-number", "{\"access_token\":12}", TW_JSON_ERROR_SHAPE},
    {"oauth-error",
     "{\"error\":\"invalid_grant\",\"error_description\":\"expired\"}",
     TW_JSON_ERROR_SHAPE},
};

static void
test_token_bad(gconstpointer data)
{
	const BadBodyCase *c = data;
	g_autoptr(GError) error = NULL;
	g_autoptr(TwToken) token = tw_json_parse_token(c->body, -1, &error);

	g_assert_null(token);
	g_assert_error(error, TW_JSON_ERROR, c->code);
}

typedef struct {
	const char *fixture;
	const char *conversation_id;
	const char *event_id;
} SendResultCase;

static const SendResultCase send_result_cases[] = {
    {"send-result.json", "750362064426721281-1072250532645998596",
     "1585800613253812228"},
    {"send-result-unwrapped.json", "750362064426721281-1072250532645998596",
     "1585800613253812228"},
    {"send-result-group.json", "1585800614365339648", "1585800614365339652"},
};

static void
test_send_result(gconstpointer data)
{
	const SendResultCase *c = data;
	gsize length = 0;
	g_autofree char *body = load_fixture(c->fixture, &length);
	g_autoptr(GError) error = NULL;
	g_autoptr(TwSendResult) result =
	    tw_json_parse_send_result(body, length, &error);

	g_assert_no_error(error);
	g_assert_cmpstr(result->conversation_id, ==, c->conversation_id);
	g_assert_cmpstr(result->event_id, ==, c->event_id);
}

static const BadBodyCase bad_send_result_cases[] = {
    {"truncated", "{\"data\":{\"dm_conversation_id\":\"1-2\"",
     TW_JSON_ERROR_MALFORMED},
    {"array", "[]", TW_JSON_ERROR_SHAPE},
    {"empty-object", "{}", TW_JSON_ERROR_SHAPE},
    {"no-event-id", "{\"data\":{\"dm_conversation_id\":\"1-2\"}}",
     TW_JSON_ERROR_SHAPE},
    {"no-conversation-id", "{\"data\":{\"dm_event_id\":\"3\"}}",
     TW_JSON_ERROR_SHAPE},
    {"bad-conversation-id",
     "{\"data\":{\"dm_conversation_id\":\"1-2/x\",\"dm_event_id\":\"3\"}}",
     TW_JSON_ERROR_SHAPE},
    {"problem",
     "{\"title\":\"Forbidden\",\"type\":\"about:blank\",\"status\":403}",
     TW_JSON_ERROR_SHAPE},
};

static void
test_send_result_bad(gconstpointer data)
{
	const BadBodyCase *c = data;
	g_autoptr(GError) error = NULL;
	g_autoptr(TwSendResult) result =
	    tw_json_parse_send_result(c->body, -1, &error);

	g_assert_null(result);
	g_assert_error(error, TW_JSON_ERROR, c->code);
}

/* --- problems ----------------------------------------------------------- */

typedef struct {
	const char *fixture;
	guint status;
	const char *type;
	const char *title;
	const char *detail;
	/* A name tw_problem_has_type() must accept. */
	const char *type_name;
} ProblemCase;

static const ProblemCase problem_cases[] = {
    {"problem-401.json", 401, "about:blank", "Unauthorized", "Unauthorized",
     "about:blank"},
    {"problem-403-forbidden.json", 403, "about:blank", "Forbidden", "Forbidden",
     "about:blank"},
    {"problem-403-unsupported-authentication.json", 403,
     "https://api.twitter.com/2/problems/unsupported-authentication",
     "Unsupported Authentication",
     "Authenticating with OAuth 2.0 Application-Only is forbidden for this "
     "endpoint.  Supported authentication types are [OAuth 1.0a User "
     "Context, OAuth 2.0 User Context].",
     "unsupported-authentication"},
    {"problem-403-client-forbidden.json", 403,
     "https://api.twitter.com/2/problems/client-forbidden", "Client Forbidden",
     "When authenticating requests to the Twitter API v2 endpoints, you "
     "must use keys and tokens from a Twitter developer App that is "
     "attached to a Project. You can create a project via the developer "
     "portal.",
     "client-forbidden"},
    {"problem-429.json", 429, "about:blank", "Too Many Requests",
     "Too Many Requests", "about:blank"},
    {"problem-429-usage-capped.json", 429,
     "https://api.twitter.com/2/problems/usage-capped", "UsageCapExceeded",
     "Usage cap exceeded: Monthly product cap", "usage-capped"},
    {"problem-402-credits.json", 402,
     "https://api.twitter.com/2/problems/credits", "CreditsDepleted",
     "Your enrolled account does not have any credits", "credits"},
    {"problem-402-credits-depleted.json", 402,
     "https://api.x.com/2/problems/credits-depleted", "Payment Required",
     "Your enrolled account does not have any credits", "credits-depleted"},
    {"problem-400-invalid-request.json", 400,
     "https://api.twitter.com/2/problems/invalid-request", "Invalid Request",
     "One or more parameters to your request was invalid.", "invalid-request"},
    {"problem-400-errors-only-message.json", 400,
     "https://api.x.com/2/problems/invalid-request", "Invalid Request",
     "The `text` body parameter is too long", "invalid-request"},
    {"oauth-invalid-request.json", 400, "invalid_request", NULL,
     "Value passed for the authorization code was invalid.", "invalid_request"},
    {"oauth-unauthorized-client.json", 401, "unauthorized_client", NULL,
     "Missing valid authorization header", "unauthorized_client"},
    {"user-unknown.json", 404,
     "https://api.twitter.com/2/problems/resource-not-found", "Not Found Error",
     "Could not find user with username: [nosuchuser].", "resource-not-found"},
};

static void
test_problem(gconstpointer data)
{
	const ProblemCase *c = data;
	gsize length = 0;
	g_autofree char *body = load_fixture(c->fixture, &length);
	g_autoptr(TwProblem) problem =
	    tw_json_parse_problem(c->status, body, length);

	g_assert_cmpuint(problem->status, ==, c->status);
	g_assert_cmpstr(problem->type, ==, c->type);
	g_assert_cmpstr(problem->title, ==, c->title);
	g_assert_cmpstr(problem->detail, ==, c->detail);
	g_assert_true(tw_problem_has_type(problem, c->type_name));
	g_assert_false(tw_problem_has_type(problem, "conflict"));
}

/* Both spellings of the out-of-credits type are told apart by name. */
static void
test_problem_credits_types(void)
{
	gsize length = 0;
	g_autofree char *old_body =
	    load_fixture("problem-402-credits.json", &length);
	g_autoptr(TwProblem) old_problem =
	    tw_json_parse_problem(402, old_body, length);
	g_autofree char *new_body =
	    load_fixture("problem-402-credits-depleted.json", &length);
	g_autoptr(TwProblem) new_problem =
	    tw_json_parse_problem(402, new_body, length);

	g_assert_true(tw_problem_has_type(old_problem, "credits"));
	g_assert_false(tw_problem_has_type(old_problem, "credits-depleted"));
	g_assert_true(tw_problem_has_type(new_problem, "credits-depleted"));
	g_assert_false(tw_problem_has_type(new_problem, "credits"));
}

typedef struct {
	const char *name;
	const char *body;
	guint status;
	const char *type;
	const char *title;
	const char *detail;
} UnreadableProblemCase;

static const UnreadableProblemCase unreadable_problem_cases[] = {
    {"null", NULL, 503, NULL, NULL, "HTTP 503"},
    {"empty", "", 502, NULL, NULL, "HTTP 502"},
    {"html", "<html><body><h1>503 Service Unavailable</h1></body></html>", 503,
     NULL, NULL, "HTTP 503"},
    {"truncated", "{\"title\":\"Too Many", 429, NULL, NULL, "HTTP 429"},
    {"array", "[{\"detail\":\"x\"}]", 500, NULL, NULL, "HTTP 500"},
    {"empty-object", "{}", 500, NULL, NULL, "HTTP 500"},
    {"wrong-types", "{\"title\":1,\"detail\":[\"x\"],\"type\":{}}", 500, NULL,
     NULL, "HTTP 500"},
    {"title-only", "{\"title\":\"Service Unavailable\"}", 503, NULL,
     "Service Unavailable", "Service Unavailable"},
    {"v1-errors",
     "{\"errors\":[{\"code\":88,\"message\":"
     "\"Rate limit exceeded\"}]}",
     429, NULL, NULL, "Rate limit exceeded"},
    {"errors-detail",
     "{\"errors\":[{\"detail\":\"first\",\"message\":\"m\"},"
     "{\"detail\":\"second\"}],\"title\":\"Invalid Request\"}",
     400, NULL, "Invalid Request", "first"},
    {"errors-not-objects", "{\"errors\":[\"x\"]}", 400, NULL, NULL, "HTTP 400"},
};

static void
test_problem_unreadable(gconstpointer data)
{
	const UnreadableProblemCase *c = data;
	g_autoptr(TwProblem) problem =
	    tw_json_parse_problem(c->status, c->body, -1);

	g_assert_nonnull(problem);
	g_assert_cmpuint(problem->status, ==, c->status);
	g_assert_cmpstr(problem->type, ==, c->type);
	g_assert_cmpstr(problem->title, ==, c->title);
	g_assert_cmpstr(problem->detail, ==, c->detail);
}

/* --- building the send body --------------------------------------------- */

typedef struct {
	const char *name;
	const char *text;
	const char *expected;
} MessageBodyCase;

static const MessageBodyCase message_body_cases[] = {
    {"plain", "Hello!", "{\"text\":\"Hello!\"}"},
    {"empty", "", "{\"text\":\"\"}"},
    {"quotes", "say \"hi\"", "{\"text\":\"say \\\"hi\\\"\"}"},
    {"backslash", "C:\\dir", "{\"text\":\"C:\\\\dir\"}"},
    {"newline", "a\nb\r\n\tc", "{\"text\":\"a\\nb\\r\\n\\tc\"}"},
    {"control", "bell\a", "{\"text\":\"bell\\u0007\"}"},
    {"utf8", "grüße 😀 日本", "{\"text\":\"grüße 😀 日本\"}"},
    {"markup", "<b>x</b> & don't", "{\"text\":\"<b>x</b> & don't\"}"},
};

static void
test_message_body(gconstpointer data)
{
	const MessageBodyCase *c = data;
	g_autofree char *body = tw_json_build_message_body(c->text);

	g_assert_cmpstr(body, ==, c->expected);

	/* And it reads back as the same text. */
	g_autoptr(JsonParser) parser = json_parser_new();
	g_autoptr(GError) error = NULL;
	json_parser_load_from_data(parser, body, -1, &error);
	g_assert_no_error(error);
	JsonObject *root = json_node_get_object(json_parser_get_root(parser));
	g_assert_cmpstr(json_object_get_string_member(root, "text"), ==,
			c->text);
}

static void
test_message_body_invalid_utf8(void)
{
	g_autofree char *body = tw_json_build_message_body("ab\xff"
							   "c");

	g_assert_true(g_utf8_validate(body, -1, NULL));
	g_assert_cmpstr(body, ==,
			"{\"text\":\"ab\xef\xbf\xbd"
			"c\"}");
}

static JsonObject *
parse_object(JsonParser *parser, const char *body)
{
	g_autoptr(GError) error = NULL;

	json_parser_load_from_data(parser, body, -1, &error);
	g_assert_no_error(error);
	return json_node_get_object(json_parser_get_root(parser));
}

static void
test_media_message_body(void)
{
	g_autofree char *with_text = tw_json_build_media_message_body(
	    "Label \"A\"", "1146654567674912769");
	g_autofree char *alone =
	    tw_json_build_media_message_body("", "1146654567674912769");
	g_autoptr(JsonParser) parser = json_parser_new();
	JsonObject *root;

	g_assert_cmpstr(with_text, ==,
			"{\"text\":\"Label \\\"A\\\"\",\"attachments\":"
			"[{\"media_id\":\"1146654567674912769\"}]}");
	/* X takes text or attachments; an empty text is left out. */
	root = parse_object(parser, alone);
	g_assert_false(json_object_has_member(root, "text"));
	g_assert_cmpuint(json_array_get_length(
			     json_object_get_array_member(root, "attachments")),
			 ==, 1);
}

static void
test_upload_body(void)
{
	static const guint8 bytes[] = {0x89, 'P', 'N', 'G', 0, 0xff};
	g_autoptr(GBytes) data = g_bytes_new_static(bytes, sizeof bytes);
	g_autofree char *body = tw_json_build_upload_body(data, "dm_image");
	g_autoptr(JsonParser) parser = json_parser_new();
	JsonObject *root = parse_object(parser, body);
	gsize size = 0;
	g_autofree guchar *decoded = g_base64_decode(
	    json_object_get_string_member(root, "media"), &size);

	g_assert_cmpstr(json_object_get_string_member(root, "media_category"),
			==, "dm_image");
	g_assert_cmpmem(decoded, size, bytes, sizeof bytes);
}

static void
test_upload_result(void)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(TwUploadResult) full = tw_json_parse_upload_result(
	    "{\"data\":{\"id\":\"1880028106020515840\",\"media_key\":"
	    "\"3_1880028106020515840\",\"size\":2097152,"
	    "\"expires_after_secs\":3600,\"processing_info\":{\"state\":"
	    "\"succeeded\"},\"image\":{\"image_type\":\"image/png\"}}}",
	    -1, &error);
	g_autoptr(TwUploadResult) bare = NULL;
	g_autoptr(TwUploadResult) none = NULL;

	g_assert_no_error(error);
	g_assert_cmpstr(full->media_id, ==, "1880028106020515840");
	g_assert_cmpint(full->expires_after_secs, ==, 3600);
	g_assert_cmpstr(full->processing_state, ==, "succeeded");
	/* v1.1's shape, and no lifetime: X's stated day. */
	bare = tw_json_parse_upload_result(
	    "{\"media_id\":1,\"media_id_string\":\"710511363345354753\"}", -1,
	    &error);
	g_assert_no_error(error);
	g_assert_cmpstr(bare->media_id, ==, "710511363345354753");
	g_assert_cmpint(bare->expires_after_secs, ==, 86400);
	g_assert_null(bare->processing_state);
	none = tw_json_parse_upload_result("{\"data\":{\"id\":\"x1\"}}", -1,
					   &error);
	g_assert_null(none);
	g_assert_error(error, TW_JSON_ERROR, TW_JSON_ERROR_SHAPE);
}

/* The chunked steps' bodies: initialize says what comes, append carries
 * one segment as base64 with its place. */
static void
test_upload_chunked_bodies(void)
{
	static const guint8 bytes[] = {0, 0, 0, 0x18, 'f', 't', 'y', 'p', 0xff};
	g_autoptr(GBytes) segment = g_bytes_new_static(bytes, sizeof bytes);
	g_autofree char *initialize = tw_json_build_upload_initialize_body(
	    10485760, "video/mp4", "dm_video");
	g_autofree char *append = tw_json_build_upload_append_body(segment, 7);
	g_autoptr(JsonParser) parser = json_parser_new();
	g_autoptr(JsonParser) append_parser = json_parser_new();
	JsonObject *root = parse_object(parser, initialize);
	JsonObject *appended = parse_object(append_parser, append);
	gsize size = 0;
	g_autofree guchar *decoded = g_base64_decode(
	    json_object_get_string_member(appended, "media"), &size);

	g_assert_cmpint(json_object_get_int_member(root, "total_bytes"), ==,
			10485760);
	g_assert_cmpstr(json_object_get_string_member(root, "media_type"), ==,
			"video/mp4");
	g_assert_cmpstr(json_object_get_string_member(root, "media_category"),
			==, "dm_video");
	g_assert_cmpint(json_object_get_int_member(appended, "segment_index"),
			==, 7);
	g_assert_cmpmem(decoded, size, bytes, sizeof bytes);
}

/* Finalize and STATUS: the processing state, when to look again, and
 * X's reason when it failed (its message, else its name). */
static void
test_upload_processing(void)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(TwUploadResult) pending = tw_json_parse_upload_result(
	    "{\"data\":{\"id\":\"1880028106020515840\",\"expires_after_secs\":"
	    "86399,\"processing_info\":{\"state\":\"in_progress\","
	    "\"check_after_secs\":3,\"progress_percent\":40}}}",
	    -1, &error);
	g_autoptr(TwUploadResult) failed = tw_json_parse_upload_result(
	    "{\"data\":{\"id\":\"1\",\"processing_info\":{\"state\":"
	    "\"failed\",\"error\":{\"code\":1,\"name\":\"InvalidMedia\","
	    "\"message\":\"Unsupported video format\"}}}}",
	    -1, NULL);
	g_autoptr(TwUploadResult) named = tw_json_parse_upload_result(
	    "{\"data\":{\"id\":\"1\",\"processing_info\":{\"state\":"
	    "\"failed\",\"check_after_secs\":-4,\"error\":{\"name\":"
	    "\"InvalidMedia\"}}}}",
	    -1, NULL);

	g_assert_no_error(error);
	g_assert_cmpstr(pending->processing_state, ==, "in_progress");
	g_assert_cmpint(pending->check_after_secs, ==, 3);
	g_assert_null(pending->processing_error);
	g_assert_cmpstr(failed->processing_state, ==, "failed");
	g_assert_cmpstr(failed->processing_error, ==,
			"Unsupported video format");
	g_assert_cmpint(failed->check_after_secs, ==, 0);
	g_assert_cmpstr(named->processing_error, ==, "InvalidMedia");
	/* A wait X cannot mean is no wait it said. */
	g_assert_cmpint(named->check_after_secs, ==, 0);
}

/* Registers one test per table row, under @prefix/<name> (a fixture's
 * name without ".json"). */
#define ADD_TABLE(prefix, cases, func, name_member)                            \
	for (gsize i = 0; i < G_N_ELEMENTS(cases); i++) {                      \
		g_autofree char *path =                                        \
		    g_strdup_printf("%s/%s", prefix, cases[i].name_member);    \
		if (g_str_has_suffix(path, ".json"))                           \
			path[strlen(path) - strlen(".json")] = '\0';           \
		g_test_add_data_func(path, &cases[i], func);                   \
	}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);

	g_test_add_func("/json/dm-page/mixed", test_dm_page_mixed);
	g_test_add_func("/json/dm-page/empty", test_dm_page_empty);
	g_test_add_func("/json/dm-page/next-token", test_dm_page_next_token);
	g_test_add_func("/json/dm-page/tweepy-default",
			test_dm_page_tweepy_default);
	g_test_add_func("/json/dm-page/entities-nested",
			test_dm_page_entities_nested);
	g_test_add_func("/json/dm-page/entities-toplevel",
			test_dm_page_entities_toplevel);
	g_test_add_func("/json/dm-page/unknown-type",
			test_dm_page_unknown_type);
	g_test_add_func("/json/dm-page/tolerant", test_dm_page_tolerant);
	g_test_add_func("/json/dm-page/null-data", test_dm_page_null_data);
	g_test_add_func("/json/dm-page/length", test_dm_page_length);
	g_test_add_func("/json/dm-page/escapes", test_dm_page_escapes);
	g_test_add_func("/json/dm-page/trailing-white-space",
			test_dm_page_trailing_white_space);
	g_test_add_func("/json/dm-page/truncated",
			test_dm_page_truncated_fixture);
	g_test_add_func("/json/dm-page/errors-only", test_dm_page_errors_only);
	ADD_TABLE("/json/dm-page/bad", bad_dm_page_cases, test_dm_page_bad,
		  name);

	g_test_add_func("/json/user/me", test_user_me);
	g_test_add_func("/json/user/full", test_user_full);
	g_test_add_func("/json/user/connection-status",
			test_user_connection_status);
	g_test_add_func("/json/user/unknown", test_user_unknown);
	g_test_add_func("/json/user/name-fallback", test_user_name_fallback);
	ADD_TABLE("/json/user/bad", bad_user_cases, test_user_bad, name);
	g_test_add_func("/json/users/by", test_users_by);
	g_test_add_func("/json/users/none", test_users_none);
	ADD_TABLE("/json/users/bad", bad_users_cases, test_users_bad, name);

	g_test_add_func("/json/token/full", test_token_full);
	g_test_add_func("/json/token/minimal", test_token_minimal);
	ADD_TABLE("/json/token/bad", bad_token_cases, test_token_bad, name);

	ADD_TABLE("/json/send-result", send_result_cases, test_send_result,
		  fixture);
	ADD_TABLE("/json/send-result/bad", bad_send_result_cases,
		  test_send_result_bad, name);

	ADD_TABLE("/json/problem", problem_cases, test_problem, fixture);
	g_test_add_func("/json/problem/credits-types",
			test_problem_credits_types);
	ADD_TABLE("/json/problem/unreadable", unreadable_problem_cases,
		  test_problem_unreadable, name);

	ADD_TABLE("/json/message-body", message_body_cases, test_message_body,
		  name);
	g_test_add_func("/json/message-body/media", test_media_message_body);
	g_test_add_func("/json/upload/body", test_upload_body);
	g_test_add_func("/json/upload/result", test_upload_result);
	g_test_add_func("/json/upload/chunked-bodies",
			test_upload_chunked_bodies);
	g_test_add_func("/json/upload/processing", test_upload_processing);
	g_test_add_func("/json/message-body/invalid-utf8",
			test_message_body_invalid_utf8);

	return g_test_run();
}
