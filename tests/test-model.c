/*
 * Unit tests of tw-model: id order and validity, constructors, problems.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <glib.h>

#include "tw-model.h"

typedef struct {
	const char *a;
	const char *b;
	int expected_sign;
} IdCompareCase;

static const IdCompareCase id_compare_cases[] = {
    /* The docs' 1:1 conversation: numerically smaller, lexically larger. */
    {"944480690", "906948460078698496", -1},
    {"906948460078698496", "944480690", 1},
    {"1585823814956482567", "1585823814058971140", 1},
    {"1585823814058971140", "1585823814956482567", -1},
    {"1585823814956482567", "1585823814956482567", 0},
    {"9", "10", -1},
    {"10", "9", 1},
    {"0", "0", 0},
    {"007", "7", 0},
    {"0010", "9", 1},
    {"000", "0", 0},
    {"9999999999999999999", "1000000000000000000", 1},
    {NULL, "1", -1},
    {"1", NULL, 1},
    {NULL, NULL, 0},
};

static int
sign_of(int value)
{
	return (value > 0) - (value < 0);
}

static void
test_id_compare(void)
{
	for (gsize i = 0; i < G_N_ELEMENTS(id_compare_cases); i++) {
		const IdCompareCase *c = &id_compare_cases[i];

		g_test_message("compare %s %s", c->a, c->b);
		g_assert_cmpint(sign_of(tw_id_compare(c->a, c->b)), ==,
				c->expected_sign);
	}
}

typedef struct {
	const char *id;
	gboolean valid;
} IdValidCase;

static const IdValidCase id_valid_cases[] = {
    {"1", TRUE},
    {"944480690", TRUE},
    {"906948460078698496", TRUE},
    {"9999999999999999999", TRUE},
    {"10000000000000000000", FALSE},
    {"", FALSE},
    {NULL, FALSE},
    {"12a", FALSE},
    {"-12", FALSE},
    {"+12", FALSE},
    {" 12", FALSE},
    {"12 ", FALSE},
    {"944480690-906948460078698496", FALSE},
    {"../1", FALSE},
    {"１２", FALSE}, /* full-width digits */
};

static void
test_id_valid(void)
{
	for (gsize i = 0; i < G_N_ELEMENTS(id_valid_cases); i++) {
		const IdValidCase *c = &id_valid_cases[i];

		g_test_message("valid? \"%s\"", c->id);
		g_assert_cmpint(tw_id_is_valid(c->id), ==, c->valid);
	}
}

static void
test_user_new_copy(void)
{
	g_autoptr(TwUser) user = tw_user_new();

	g_assert_null(user->id);
	g_assert_cmpint(user->receives_your_dm, ==, -1);
	g_assert_cmpint(user->followers_count, ==, -1);
	g_assert_cmpint(user->following_count, ==, -1);
	g_assert_false(user->verified);
	g_assert_false(user->protected_account);

	user->id = g_strdup("944480690");
	user->username = g_strdup("FloodSocial");
	user->name = g_strdup("API Demos");
	user->profile_image_url =
	    g_strdup("https://pbs.twimg.com/a_normal.jpg");
	user->description = g_strdup("bio");
	user->location = g_strdup("here");
	user->url = g_strdup("https://t.co/x");
	user->verified = TRUE;
	user->protected_account = TRUE;
	user->receives_your_dm = FALSE;
	user->followers_count = 12;
	user->following_count = 0;

	g_autoptr(TwUser) copy = tw_user_copy(user);
	g_assert_nonnull(copy);
	g_assert_true(copy != user);
	g_assert_cmpstr(copy->id, ==, "944480690");
	g_assert_true(copy->id != user->id);
	g_assert_cmpstr(copy->username, ==, "FloodSocial");
	g_assert_cmpstr(copy->name, ==, "API Demos");
	g_assert_cmpstr(copy->profile_image_url, ==,
			"https://pbs.twimg.com/a_normal.jpg");
	g_assert_cmpstr(copy->description, ==, "bio");
	g_assert_cmpstr(copy->location, ==, "here");
	g_assert_cmpstr(copy->url, ==, "https://t.co/x");
	g_assert_true(copy->verified);
	g_assert_true(copy->protected_account);
	g_assert_cmpint(copy->receives_your_dm, ==, FALSE);
	g_assert_cmpint(copy->followers_count, ==, 12);
	g_assert_cmpint(copy->following_count, ==, 0);

	/* The copy does not share memory with the original. */
	g_clear_pointer(&user, tw_user_free);
	g_assert_cmpstr(copy->username, ==, "FloodSocial");

	g_assert_null(tw_user_copy(NULL));
	tw_user_free(NULL);
}

static void
test_dm_event_new(void)
{
	g_autoptr(TwDmEvent) event = tw_dm_event_new();

	g_assert_cmpint(event->type, ==, TW_DM_EVENT_UNKNOWN);
	g_assert_null(event->id);
	g_assert_null(event->text);
	g_assert_cmpint(event->created_at, ==, 0);
	g_assert_nonnull(event->participant_ids);
	g_assert_cmpuint(event->participant_ids->len, ==, 0);
	g_assert_nonnull(event->urls);
	g_assert_cmpuint(event->urls->len, ==, 0);
	g_assert_nonnull(event->media_keys);
	g_assert_cmpuint(event->media_keys->len, ==, 0);

	/* The arrays own their elements. */
	event->id = g_strdup("1582838499983564806");
	g_ptr_array_add(event->participant_ids, g_strdup("944480690"));
	g_ptr_array_add(event->media_keys, g_strdup("3_1583157113245011970"));
	TwUrlEntity *entity = g_new0(TwUrlEntity, 1);
	entity->url = g_strdup("https://t.co/x");
	entity->expanded_url = g_strdup("https://example.com/");
	g_ptr_array_add(event->urls, entity);

	tw_dm_event_free(NULL);
	tw_url_entity_free(NULL);
}

typedef struct {
	const char *conversation_id;
	gboolean group;
} IsGroupCase;

static const IsGroupCase is_group_cases[] = {
    {"944480690-906948460078698496", FALSE},
    {"750362064426721281-1072250532645998596", FALSE},
    {"1585800614365339648", TRUE},
    {"1578398451921985538", TRUE},
    {NULL, FALSE},
    {"", FALSE},
};

static void
test_dm_event_copy(void)
{
	g_autoptr(TwDmEvent) event = tw_dm_event_new();
	g_autoptr(TwDmEvent) copy = NULL;
	TwUrlEntity *entity = g_new0(TwUrlEntity, 1);

	event->id = g_strdup("1582838499983564806");
	event->type = TW_DM_EVENT_MESSAGE_CREATE;
	event->text = g_strdup("see https://t.co/x");
	event->sender_id = g_strdup("944480690");
	event->conversation_id = g_strdup("944480690-906948460078698496");
	event->created_at = 1666213080000000;
	g_ptr_array_add(event->participant_ids, g_strdup("17200003"));
	g_ptr_array_add(event->media_keys, g_strdup("3_1"));
	entity->start = 4;
	entity->end = 18;
	entity->url = g_strdup("https://t.co/x");
	entity->expanded_url = g_strdup("https://example.com/");
	g_ptr_array_add(event->urls, entity);

	copy = tw_dm_event_copy(event);
	g_assert_cmpstr(copy->id, ==, event->id);
	g_assert_cmpint(copy->type, ==, TW_DM_EVENT_MESSAGE_CREATE);
	g_assert_cmpstr(copy->text, ==, event->text);
	g_assert_cmpstr(copy->sender_id, ==, event->sender_id);
	g_assert_cmpstr(copy->conversation_id, ==, event->conversation_id);
	g_assert_cmpint(copy->created_at, ==, event->created_at);
	g_assert_cmpuint(copy->participant_ids->len, ==, 1);
	g_assert_cmpstr(copy->participant_ids->pdata[0], ==, "17200003");
	g_assert_true(copy->participant_ids->pdata[0] !=
		      event->participant_ids->pdata[0]);
	g_assert_cmpstr(copy->media_keys->pdata[0], ==, "3_1");
	g_assert_cmpuint(copy->urls->len, ==, 1);
	g_assert_cmpint(((TwUrlEntity *)copy->urls->pdata[0])->end, ==, 18);
	g_assert_cmpstr(((TwUrlEntity *)copy->urls->pdata[0])->expanded_url, ==,
			"https://example.com/");
}

static void
test_dm_event_is_group(void)
{
	for (gsize i = 0; i < G_N_ELEMENTS(is_group_cases); i++) {
		g_autoptr(TwDmEvent) event = tw_dm_event_new();

		event->conversation_id =
		    g_strdup(is_group_cases[i].conversation_id);
		g_assert_cmpint(tw_dm_event_is_group(event), ==,
				is_group_cases[i].group);
	}
}

static void
test_dm_page_new(void)
{
	g_autoptr(TwDmPage) page = tw_dm_page_new();

	g_assert_nonnull(page->events);
	g_assert_cmpuint(page->events->len, ==, 0);
	g_assert_nonnull(page->users);
	g_assert_cmpuint(g_hash_table_size(page->users), ==, 0);
	g_assert_null(page->next_token);
	g_assert_cmpuint(page->result_count, ==, 0);

	/* The page owns its events, its users and their keys. */
	g_ptr_array_add(page->events, tw_dm_event_new());
	TwUser *user = tw_user_new();
	user->id = g_strdup("17200003");
	g_hash_table_insert(page->users, g_strdup(user->id), user);
	page->next_token = g_strdup("18LAA5G1V9DLILOG0G00ZZZZ");
	g_assert_true(g_hash_table_lookup(page->users, "17200003") == user);

	tw_dm_page_free(NULL);
}

static void
test_token_free(void)
{
	TwToken *token = g_new0(TwToken, 1);

	token->access_token = g_strdup("access-secret");
	token->refresh_token = g_strdup("refresh-secret");
	token->scope = g_strdup("dm.read dm.write");
	token->expires_in = 7200;
	tw_token_free(token);

	/* Only an access token: the optional members may be NULL. */
	token = g_new0(TwToken, 1);
	token->access_token = g_strdup("access-secret");
	tw_token_free(token);

	tw_token_free(NULL);
}

typedef struct {
	guint status;
	const char *type;
	const char *title;
	const char *detail;
	const char *expected_detail;
} ProblemNewCase;

static const ProblemNewCase problem_new_cases[] = {
    {401, "about:blank", "Unauthorized", "Unauthorized", "Unauthorized"},
    {403, "https://api.twitter.com/2/problems/client-forbidden",
     "Client Forbidden", NULL, "Client Forbidden"},
    {403, "https://api.twitter.com/2/problems/client-forbidden", NULL, NULL,
     "https://api.twitter.com/2/problems/client-forbidden"},
    {400, "invalid_request", NULL, NULL, "invalid_request"},
    {503, NULL, NULL, NULL, "HTTP 503"},
    {0, NULL, NULL, NULL, "HTTP 0"},
    /* An empty detail says nothing either. */
    {429, "about:blank", "Too Many Requests", "", "Too Many Requests"},
    {500, "", "", "", "HTTP 500"},
};

static void
test_problem_new(void)
{
	for (gsize i = 0; i < G_N_ELEMENTS(problem_new_cases); i++) {
		const ProblemNewCase *c = &problem_new_cases[i];
		g_autoptr(TwProblem) problem =
		    tw_problem_new(c->status, c->type, c->title, c->detail);

		g_assert_cmpuint(problem->status, ==, c->status);
		g_assert_cmpstr(problem->type, ==, c->type);
		g_assert_cmpstr(problem->title, ==, c->title);
		g_assert_cmpstr(problem->detail, ==, c->expected_detail);
	}
	tw_problem_free(NULL);
}

typedef struct {
	const char *type;
	const char *name;
	gboolean matches;
} ProblemTypeCase;

static const ProblemTypeCase problem_type_cases[] = {
    {"https://api.twitter.com/2/problems/usage-capped", "usage-capped", TRUE},
    {"https://api.x.com/2/problems/usage-capped", "usage-capped", TRUE},
    {"https://api.x.com/2/problems/credits-depleted", "credits-depleted", TRUE},
    {"https://api.twitter.com/2/problems/credits", "credits", TRUE},
    {"https://api.twitter.com/2/problems/credits", "credits-depleted", FALSE},
    {"https://api.x.com/2/problems/credits-depleted", "credits", FALSE},
    {"https://api.twitter.com/2/problems/usage-capped", "usage", FALSE},
    {"https://api.twitter.com/2/problems/unsupported-authentication",
     "unsupported-authentication", TRUE},
    {"about:blank", "about:blank", TRUE},
    {"about:blank", "blank", FALSE},
    {"invalid_request", "invalid_request", TRUE},
    {"invalid_request", "invalid_grant", FALSE},
    {"usage-capped", "usage-capped", TRUE},
    {NULL, "usage-capped", FALSE},
};

static void
test_problem_has_type(void)
{
	for (gsize i = 0; i < G_N_ELEMENTS(problem_type_cases); i++) {
		const ProblemTypeCase *c = &problem_type_cases[i];
		g_autoptr(TwProblem) problem =
		    tw_problem_new(429, c->type, NULL, NULL);

		g_test_message("%s is %s?", c->type, c->name);
		g_assert_cmpint(tw_problem_has_type(problem, c->name), ==,
				c->matches);
	}
}

static void
test_send_result_free(void)
{
	TwSendResult *result = g_new0(TwSendResult, 1);

	result->conversation_id = g_strdup("1585800614365339648");
	result->event_id = g_strdup("1585800614365339652");
	tw_send_result_free(result);
	tw_send_result_free(NULL);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);

	g_test_add_func("/model/id/compare", test_id_compare);
	g_test_add_func("/model/id/valid", test_id_valid);
	g_test_add_func("/model/user/new-copy", test_user_new_copy);
	g_test_add_func("/model/dm-event/new", test_dm_event_new);
	g_test_add_func("/model/dm-event/is-group", test_dm_event_is_group);
	g_test_add_func("/model/dm-event/copy", test_dm_event_copy);
	g_test_add_func("/model/dm-page/new", test_dm_page_new);
	g_test_add_func("/model/token/free", test_token_free);
	g_test_add_func("/model/problem/new", test_problem_new);
	g_test_add_func("/model/problem/has-type", test_problem_has_type);
	g_test_add_func("/model/send-result/free", test_send_result_free);

	return g_test_run();
}
