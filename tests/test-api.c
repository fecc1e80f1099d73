/*
 * Unit tests of tw-api's pure parts: URL and query building, rate-limit
 * header parsing, status-to-error mapping, handle validation, and the
 * helpers of tw-auth.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <glib.h>
#include <string.h>

#include "tw-api.h"
#include "tw-auth.h"

typedef struct {
	const char *limit;
	const char *remaining;
	const char *reset;
	gboolean known;
	gint64 expected_limit;
	gint64 expected_remaining;
	gint64 expected_reset;
} RateCase;

static const RateCase rate_cases[] = {
    {"15", "14", "1666920203", TRUE, 15, 14, 1666920203},
    {"300", "0", "1700000000", TRUE, 300, 0, 1700000000},
    {" 15", "14", "1", FALSE, 0, 0, 0},
    {"15", "-1", "1", FALSE, 0, 0, 0},
    {"15", "14", "12abc", FALSE, 0, 0, 0},
    {"15", NULL, "1", FALSE, 0, 0, 0},
    {"", "1", "1", FALSE, 0, 0, 0},
    {"99999999999999999999999", "1", "1", FALSE, 0, 0, 0},
};

static void
test_rate_limit_parse(void)
{
	for (guint i = 0; i < G_N_ELEMENTS(rate_cases); i++) {
		const RateCase *c = &rate_cases[i];
		TwRateLimit limit;

		g_test_message("case %u", i);
		g_assert_cmpint(tw_rate_limit_parse(&limit, c->limit,
						    c->remaining, c->reset),
				==, c->known);
		g_assert_cmpint(limit.known, ==, c->known);
		g_assert_cmpint(limit.limit, ==, c->expected_limit);
		g_assert_cmpint(limit.remaining, ==, c->expected_remaining);
		g_assert_cmpint(limit.reset, ==, c->expected_reset);
		g_assert_false(limit.daily_known);
	}
}

typedef struct {
	guint status;
	const char *type;
	const char *title;
	TwApiError code;
} StatusCase;

static const StatusCase status_cases[] = {
    {400, "https://api.twitter.com/2/problems/invalid-request",
     "Invalid Request", TW_API_ERROR_INVALID_REQUEST},
    {401, "about:blank", "Unauthorized", TW_API_ERROR_UNAUTHORIZED},
    {402, "https://api.x.com/2/problems/credits-depleted", "CreditsDepleted",
     TW_API_ERROR_CREDITS_DEPLETED},
    {403, "about:blank", "Forbidden", TW_API_ERROR_FORBIDDEN},
    {404, "about:blank", "Not Found", TW_API_ERROR_NOT_FOUND},
    {429, "about:blank", "Too Many Requests", TW_API_ERROR_RATE_LIMITED},
    {429, "https://api.twitter.com/2/problems/usage-capped", "UsageCapExceeded",
     TW_API_ERROR_USAGE_CAPPED},
    {429, NULL, "UsageCapExceeded", TW_API_ERROR_USAGE_CAPPED},
    {500, NULL, NULL, TW_API_ERROR_SERVER},
    {503, "about:blank", "Service Unavailable", TW_API_ERROR_SERVER},
    {418, NULL, NULL, TW_API_ERROR_UNEXPECTED_STATUS},
};

static void
test_error_from_status(void)
{
	for (guint i = 0; i < G_N_ELEMENTS(status_cases); i++) {
		const StatusCase *c = &status_cases[i];
		g_autoptr(TwProblem) problem =
		    tw_problem_new(c->status, c->type, c->title, "the detail");
		g_autoptr(GError) error =
		    tw_api_error_from_status(c->status, problem);

		g_test_message("case %u: %u", i, c->status);
		g_assert_error(error, TW_API_ERROR, (gint)c->code);
		g_assert_cmpstr(error->message, ==, "the detail");
	}
}

static void
test_build_url(void)
{
	g_autoptr(TwHttp) http = tw_http_new();
	g_autoptr(TwApi) api = tw_api_new(http, "https://api.x.com/", NULL);
	g_autofree char *plain = NULL;
	g_autofree char *query = NULL;

	g_assert_nonnull(api);
	g_assert_cmpstr(tw_api_get_base_url(api), ==, "https://api.x.com");
	plain = tw_api_build_url(api, "/2/users/me", NULL);
	g_assert_cmpstr(plain, ==, "https://api.x.com/2/users/me");
	query = tw_api_build_url(
	    api, "/2/dm_events", "max_results", "5", "pagination_token", NULL,
	    "expansions", "sender_id,participant_ids", "q", "a b&c=d/é", NULL);
	g_assert_cmpstr(query, ==,
			"https://api.x.com/2/dm_events?max_results=5&"
			"expansions=sender_id,participant_ids&"
			"q=a%20b%26c%3Dd%2F%C3%A9");
}

static void
test_base_url_policy(void)
{
	g_autoptr(TwHttp) http = tw_http_new();
	const char *allowed[] = {"https://api.x.com", "http://127.0.0.1:8080",
				 "http://localhost:1", "http://[::1]:80"};
	const char *refused[] = {"http://api.x.com", "http://10.0.0.1:80",
				 "ftp://127.0.0.1/", "not a url"};

	for (guint i = 0; i < G_N_ELEMENTS(allowed); i++) {
		g_autoptr(TwApi) api = tw_api_new(http, allowed[i], NULL);

		g_test_message("allowed %s", allowed[i]);
		g_assert_nonnull(api);
	}
	for (guint i = 0; i < G_N_ELEMENTS(refused); i++) {
		g_autoptr(GError) error = NULL;
		g_autoptr(TwApi) api = tw_api_new(http, refused[i], &error);

		g_test_message("refused %s", refused[i]);
		g_assert_null(api);
		g_assert_nonnull(error);
		g_assert_true(error->domain == TW_HTTP_ERROR);
	}
}

static void
test_username_validity(void)
{
	g_assert_true(tw_api_username_is_valid("acme_support"));
	g_assert_true(tw_api_username_is_valid("A"));
	g_assert_true(tw_api_username_is_valid("abcdefghij12345"));
	g_assert_false(tw_api_username_is_valid("abcdefghij123456"));
	g_assert_false(tw_api_username_is_valid(""));
	g_assert_false(tw_api_username_is_valid(NULL));
	g_assert_false(tw_api_username_is_valid("@acme"));
	g_assert_false(tw_api_username_is_valid("a b"));
	g_assert_false(tw_api_username_is_valid("../me"));
}

/* The "DM us" link: the id and the prefilled text are percent-encoded, and
 * an empty text adds no &text=. */
static void
test_compose_link(void)
{
	g_autofree char *plain = tw_api_dup_compose_link("1001", NULL);
	g_autofree char *empty = tw_api_dup_compose_link("1001", "");
	g_autofree char *text =
	    tw_api_dup_compose_link("1001", "Hi & help #42 caf\u00e9?");

	g_assert_cmpstr(plain, ==,
			"https://x.com/messages/compose?recipient_id=1001");
	g_assert_cmpstr(empty, ==, plain);
	g_assert_cmpstr(text, ==,
			"https://x.com/messages/compose?recipient_id=1001"
			"&text=Hi%20%26%20help%20%2342%20caf%C3%A9%3F");
}

static void
test_form_encode(void)
{
	g_autofree char *form = tw_auth_form_encode(
	    "grant_type", "refresh_token", "refresh_token", "a+b/c=d e",
	    "skipped", NULL, "client_id", "id~-._", NULL);

	g_assert_cmpstr(form, ==,
			"grant_type=refresh_token&refresh_token=a%2Bb%2Fc%3Dd%"
			"20e&client_id=id~-._");
}

static void
test_basic_header(void)
{
	g_autofree char *header = tw_auth_basic_header("client", "s3cr:t");
	g_autofree guchar *decoded = NULL;
	gsize length;

	g_assert_true(g_str_has_prefix(header, "Basic "));
	decoded = g_base64_decode(header + strlen("Basic "), &length);
	g_assert_cmpmem(decoded, length, "client:s3cr%3At", 15);
}

static void
test_fingerprint(void)
{
	g_autofree char *a = tw_auth_token_fingerprint("token");
	g_autofree char *b = tw_auth_token_fingerprint("token");
	g_autofree char *c = tw_auth_token_fingerprint("token2");

	g_assert_cmpuint(strlen(a), ==, 64);
	g_assert_cmpstr(a, ==, b);
	g_assert_cmpstr(a, !=, c);
	g_assert_null(strstr(a, "token"));
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/api/rate-limit/parse", test_rate_limit_parse);
	g_test_add_func("/api/error/from-status", test_error_from_status);
	g_test_add_func("/api/url/build", test_build_url);
	g_test_add_func("/api/url/base-policy", test_base_url_policy);
	g_test_add_func("/api/username/validity", test_username_validity);
	g_test_add_func("/api/compose-link", test_compose_link);
	g_test_add_func("/auth/form-encode", test_form_encode);
	g_test_add_func("/auth/basic-header", test_basic_header);
	g_test_add_func("/auth/fingerprint", test_fingerprint);
	return g_test_run();
}
