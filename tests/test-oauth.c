/*
 * Unit tests of tw-oauth: PKCE, the authorize URL, the redirect, and OAuth
 * 1.0a signatures against the worked examples of RFC 5849, OAuth Core 1.0a
 * and X's documentation.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <glib.h>
#include <string.h>

#include "tw-oauth.h"

/****************************************************************************
 * Encoding
 ****************************************************************************/

static void
test_percent_encode(void)
{
	/* The examples of X's "Percent encoding parameters" page. */
	const struct {
		const char *in;
		const char *out;
	} cases[] = {
	    {"Ladies + Gentlemen", "Ladies%20%2B%20Gentlemen"},
	    {"An encoded string!", "An%20encoded%20string%21"},
	    {"Dogs, Cats & Mice", "Dogs%2C%20Cats%20%26%20Mice"},
	    {"\xe2\x98\x83", "%E2%98%83"},
	    {"AZaz09-._~", "AZaz09-._~"},
	    {"*'()/:=?@[]", "%2A%27%28%29%2F%3A%3D%3F%40%5B%5D"},
	    {"", ""},
	};

	for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autofree char *encoded = tw_oauth_percent_encode(cases[i].in);

		g_assert_cmpstr(encoded, ==, cases[i].out);
	}
}

static void
test_parse_form(void)
{
	g_autoptr(GHashTable) form = tw_oauth_parse_form(
	    "oauth_token=Z6eEdO8MOmk394WozF5oKyuAv855l4Mlqo7hhlSLik&"
	    "oauth_token_secret=Kd75W4OQfb2oJTV0vzGzeXftVAwgMnEK9MumzYcM&"
	    "oauth_callback_confirmed=true&flag&a=1&a=2&space=a+b%20c&"
	    "&bad=%zz");

	g_assert_cmpstr(g_hash_table_lookup(form, "oauth_token"), ==,
			"Z6eEdO8MOmk394WozF5oKyuAv855l4Mlqo7hhlSLik");
	g_assert_cmpstr(g_hash_table_lookup(form, "oauth_token_secret"), ==,
			"Kd75W4OQfb2oJTV0vzGzeXftVAwgMnEK9MumzYcM");
	g_assert_cmpstr(g_hash_table_lookup(form, "oauth_callback_confirmed"),
			==, "true");
	g_assert_cmpstr(g_hash_table_lookup(form, "flag"), ==, "");
	g_assert_cmpstr(g_hash_table_lookup(form, "a"), ==, "1");
	g_assert_cmpstr(g_hash_table_lookup(form, "space"), ==, "a b c");
	/* Not decodable: left out rather than guessed. */
	g_assert_false(g_hash_table_contains(form, "bad"));
	g_assert_cmpuint(g_hash_table_size(form), ==, 6);
}

/****************************************************************************
 * PKCE and the authorize URL
 ****************************************************************************/

static gboolean
is_base64url(const char *text)
{
	for (const char *p = text; *p != '\0'; p++) {
		if (!g_ascii_isalnum(*p) && *p != '-' && *p != '_')
			return FALSE;
	}
	return TRUE;
}

static void
test_pkce_rfc7636_example(void)
{
	/* RFC 7636 appendix B. */
	g_autofree char *challenge = tw_oauth_pkce_challenge(
	    "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk");

	g_assert_cmpstr(challenge, ==,
			"E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM");
}

static void
test_pkce_verifier(void)
{
	g_autofree char *first = tw_oauth_pkce_verifier_new();
	g_autofree char *second = tw_oauth_pkce_verifier_new();
	g_autofree char *challenge = tw_oauth_pkce_challenge(first);

	g_assert_cmpuint(strlen(first), >=, 43);
	g_assert_cmpuint(strlen(first), <=, 128);
	g_assert_true(is_base64url(first));
	g_assert_cmpstr(first, !=, second);
	/* 32 bytes of SHA-256, base64url without padding. */
	g_assert_cmpuint(strlen(challenge), ==, 43);
	g_assert_true(is_base64url(challenge));
}

static void
test_random_string(void)
{
	g_autofree char *state = tw_oauth_random_string(16);
	g_autofree char *other = tw_oauth_random_string(16);
	g_autofree char *one = tw_oauth_random_string(1);

	g_assert_cmpuint(strlen(state), ==, 22);
	g_assert_true(is_base64url(state));
	g_assert_cmpstr(state, !=, other);
	g_assert_cmpuint(strlen(one), ==, 2);
}

static void
test_base64url(void)
{
	const guint8 bytes[] = {0xfb, 0xff, 0xbf, 0x00};
	g_autofree char *three = tw_oauth_base64url_encode(bytes, 3);
	g_autofree char *four = tw_oauth_base64url_encode(bytes, 4);

	/* "+/+/" in base64: no '+', no '/', no padding. */
	g_assert_cmpstr(three, ==, "-_-_");
	g_assert_cmpstr(four, ==, "-_-_AA");
}

static void
test_authorize_url(void)
{
	g_autofree char *url = tw_oauth_build_authorize_url(
	    "https://x.com/i/oauth2/authorize", "M1M5R3BMVy13QmpScXkzTUt5OE4",
	    "http://127.0.0.1:8763/callback", TW_OAUTH_SCOPES, "st-ate_1",
	    "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM");
	g_autofree char *with_query = tw_oauth_build_authorize_url(
	    "http://127.0.0.1:9/authorize?lang=en", "id", "http://a/b",
	    "dm.read", "s", "c");

	g_assert_cmpstr(
	    url, ==,
	    "https://x.com/i/oauth2/authorize?response_type=code&"
	    "client_id=M1M5R3BMVy13QmpScXkzTUt5OE4&"
	    "redirect_uri=http%3A%2F%2F127.0.0.1%3A8763%2Fcallback&"
	    "scope=tweet.read%20users.read%20dm.read%20dm.write%20"
	    "media.write%20offline.access&state=st-ate_1&"
	    "code_challenge=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM&"
	    "code_challenge_method=S256");
	g_assert_cmpstr(with_query, ==,
			"http://127.0.0.1:9/authorize?lang=en&response_type="
			"code&client_id=id&redirect_uri=http%3A%2F%2Fa%2Fb&"
			"scope=dm.read&state=s&code_challenge=c&"
			"code_challenge_method=S256");
}

/****************************************************************************
 * The redirect
 ****************************************************************************/

static void
test_parse_redirect(void)
{
	const struct {
		const char *text;
		const char *code;
		int error;
	} cases[] = {
	    /* What the browser shows, pasted with stray white space. */
	    {" http://127.0.0.1:8763/callback?state=S1&code=VGNib2M6MTo"
	     "xOmFjOjE \n",
	     "VGNib2M6MToxOmFjOjE", -1},
	    /* The request target the loopback listener reads. */
	    {"/callback?code=abc-123_x&state=S1", "abc-123_x", -1},
	    {"?state=S1&code=abc", "abc", -1},
	    {"state=S1&code=abc", "abc", -1},
	    {"http://127.0.0.1:8763/callback?state=S1&code=a%2Db#_=_", "a-b",
	     -1},
	    /* The bare code: nothing to check but the code itself. */
	    {"VGNib2M6MTo6YWM", "VGNib2M6MTo6YWM", -1},
	    {"http://127.0.0.1:8763/callback?state=OTHER&code=abc", NULL,
	     TW_OAUTH_ERROR_STATE_MISMATCH},
	    {"http://127.0.0.1:8763/callback?code=abc", NULL,
	     TW_OAUTH_ERROR_STATE_MISMATCH},
	    {"http://127.0.0.1:8763/callback?error=access_denied&state=S1",
	     NULL, TW_OAUTH_ERROR_ACCESS_DENIED},
	    {"http://127.0.0.1:8763/callback?error=access_denied&state=S0",
	     NULL, TW_OAUTH_ERROR_STATE_MISMATCH},
	    {"/callback?error=server_error&error_description=down&state=S1",
	     NULL, TW_OAUTH_ERROR_REDIRECT_ERROR},
	    {"http://127.0.0.1:8763/callback?state=S1", NULL,
	     TW_OAUTH_ERROR_NO_CODE},
	    {"http://127.0.0.1:8763/callback", NULL, TW_OAUTH_ERROR_NO_CODE},
	    {"the code is 1234", NULL, TW_OAUTH_ERROR_NO_CODE},
	    {"", NULL, TW_OAUTH_ERROR_NO_CODE},
	    {"   ", NULL, TW_OAUTH_ERROR_NO_CODE},
	};

	for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autoptr(GError) error = NULL;
		g_autofree char *code = NULL;
		gboolean ok =
		    tw_oauth_parse_redirect(cases[i].text, "S1", &code, &error);

		g_test_message("case %u: %s", i, cases[i].text);
		if (cases[i].error < 0) {
			g_assert_no_error(error);
			g_assert_true(ok);
			g_assert_cmpstr(code, ==, cases[i].code);
		} else {
			g_assert_false(ok);
			g_assert_null(code);
			g_assert_error(error, TW_OAUTH_ERROR, cases[i].error);
		}
	}
}

static void
test_token_error(void)
{
	g_autoptr(GError) expired = tw_oauth_token_error(
	    "invalid_request",
	    "Value passed for the authorization code was invalid.",
	    "http://127.0.0.1:8763/callback");
	g_autoptr(GError) client = tw_oauth_token_error(
	    "unauthorized_client", "Missing valid authorization header",
	    "http://127.0.0.1:8763/callback");
	g_autoptr(GError) redirect = tw_oauth_token_error(
	    "invalid_request",
	    "Value passed for the redirect uri did not match the uri of "
	    "the authorization code.",
	    "http://127.0.0.1:8763/callback");
	g_autoptr(GError) bare = tw_oauth_token_error(NULL, NULL, "x");

	g_assert_error(expired, TW_OAUTH_ERROR, TW_OAUTH_ERROR_CODE_INVALID);
	g_assert_nonnull(strstr(expired->message, "30 seconds"));
	g_assert_nonnull(strstr(expired->message, "Try again"));
	g_assert_error(client, TW_OAUTH_ERROR, TW_OAUTH_ERROR_CLIENT);
	g_assert_nonnull(strstr(client->message, "client-id"));
	g_assert_error(redirect, TW_OAUTH_ERROR, TW_OAUTH_ERROR_REDIRECT_URI);
	g_assert_nonnull(
	    strstr(redirect->message,
		   "register exactly http://127.0.0.1:8763/callback as a "
		   "callback URL in your X app"));
	g_assert_error(bare, TW_OAUTH_ERROR, TW_OAUTH_ERROR_CODE_INVALID);
}

/****************************************************************************
 * OAuth 1.0a signatures
 ****************************************************************************/

/* The oauth_signature of an Authorization header value. */
static char *
header_signature(const char *header)
{
	const char *start = strstr(header, "oauth_signature=\"");
	const char *end;

	g_assert_nonnull(start);
	start += strlen("oauth_signature=\"");
	end = strchr(start, '"');
	g_assert_nonnull(end);
	return g_strndup(start, (gsize)(end - start));
}

/* RFC 5849 §3.4.1.1 (with erratum 2550, which gives the secrets of §3.1:
 * client secret j49sk3j29djd, token secret dh893hdasih9). */
static void
test_rfc5849_example(void)
{
	const char *const oauth_params[] = {
	    "oauth_consumer_key",
	    "9djdj82h48djs9d2",
	    "oauth_token",
	    "kkk9d7dh3k39sjv7",
	    "oauth_signature_method",
	    "HMAC-SHA1",
	    "oauth_timestamp",
	    "137131201",
	    "oauth_nonce",
	    "7d8f3e4a",
	    NULL,
	};
	g_autofree char *base = tw_oauth1_base_string(
	    "post",
	    "http://EXAMPLE.com:80/request?b5=%3D%253D&a3=a&c%40=&a2=r%20b",
	    "c2&a3=2+q", oauth_params);
	g_autofree char *signature =
	    tw_oauth1_sign(base, "j49sk3j29djd", "dh893hdasih9");

	g_assert_cmpstr(
	    base, ==,
	    "POST&http%3A%2F%2Fexample.com%2Frequest&a2%3Dr%2520b%26a3%3D2%"
	    "2520q%26a3%3Da%26b5%3D%253D%25253D%26c%2540%3D%26c2%3D%26oauth_"
	    "consumer_key%3D9djdj82h48djs9d2%26oauth_nonce%3D7d8f3e4a%26"
	    "oauth_signature_method%3DHMAC-SHA1%26oauth_timestamp%"
	    "3D137131201%26oauth_token%3Dkkk9d7dh3k39sjv7");
	g_assert_cmpstr(signature, ==, "r6/TJjbCOr97/+UU0NsvSne7s5g=");
}

/* OAuth Core 1.0a appendix A.5 (photos.example.net). */
static void
test_photos_example(void)
{
	const TwOAuth1Keys keys = {
	    .consumer_key = "dpf43f3p2l4k3l03",
	    .consumer_secret = "kd94hf93k423kf44",
	    .token = "nnch734d00sl2jdk",
	    .token_secret = "pfkkdhi9sl3r4s00",
	};
	const char *const oauth_params[] = {
	    "oauth_consumer_key",
	    "dpf43f3p2l4k3l03",
	    "oauth_token",
	    "nnch734d00sl2jdk",
	    "oauth_signature_method",
	    "HMAC-SHA1",
	    "oauth_timestamp",
	    "1191242096",
	    "oauth_nonce",
	    "kllo9940pd9333jh",
	    "oauth_version",
	    "1.0",
	    NULL,
	};
	const char *url =
	    "http://photos.example.net/photos?file=vacation.jpg&size=original";
	g_autofree char *base =
	    tw_oauth1_base_string("GET", url, NULL, oauth_params);
	g_autofree char *header = tw_oauth1_authorization(
	    &keys, "GET", url, NULL, NULL, "kllo9940pd9333jh", 1191242096);
	g_autofree char *signature = header_signature(header);

	g_assert_cmpstr(
	    base, ==,
	    "GET&http%3A%2F%2Fphotos.example.net%2Fphotos&file%3Dvacation."
	    "jpg%26oauth_consumer_key%3Ddpf43f3p2l4k3l03%26oauth_nonce%"
	    "3Dkllo9940pd9333jh%26oauth_signature_method%3DHMAC-SHA1%26"
	    "oauth_timestamp%3D1191242096%26oauth_token%3Dnnch734d00sl2jdk%"
	    "26oauth_version%3D1.0%26size%3Doriginal");
	g_assert_cmpstr(signature, ==, "tR3%2BTy81lMeYAr%2FFid0kMTYa%2FWM%3D");
}

/* X's developer documentation, "Creating a signature". */
static void
test_x_documentation_example(void)
{
	const TwOAuth1Keys keys = {
	    .consumer_key = "xvz1evFS4wEEPTGEFPHBog",
	    .consumer_secret = "kAcSOqF21Fu85e7zjz7ZN2U4ZRhfV3WpwPAoE3Z7kBw",
	    .token = "370773112-GmHxMAgYyLbNEtIKZeRNFsMKPR9EyMZeS9weJAEb",
	    .token_secret = "LswwdoUaIvS8ltyTt5jkRh4J50vUPVVHtR2YPi5kE",
	};
	const char *url = "https://api.twitter.com/1.1/statuses/update.json"
			  "?include_entities=true";
	const char *body = "status=Hello%20Ladies%20%2b%20Gentlemen%2c%20a%20"
			   "signed%20OAuth%20request%21";
	const char *const oauth_params[] = {
	    "oauth_consumer_key",
	    keys.consumer_key,
	    "oauth_nonce",
	    "kYjzVBB8Y0ZFabxSWbWovY3uYSQ2pTgmZeNu2VS4cg",
	    "oauth_signature_method",
	    "HMAC-SHA1",
	    "oauth_timestamp",
	    "1318622958",
	    "oauth_token",
	    keys.token,
	    "oauth_version",
	    "1.0",
	    NULL,
	};
	g_autofree char *base =
	    tw_oauth1_base_string("POST", url, body, oauth_params);
	g_autofree char *header = tw_oauth1_authorization(
	    &keys, "POST", url, body, NULL,
	    "kYjzVBB8Y0ZFabxSWbWovY3uYSQ2pTgmZeNu2VS4cg", 1318622958);

	g_assert_cmpstr(
	    base, ==,
	    "POST&https%3A%2F%2Fapi.twitter.com%2F1.1%2Fstatuses%2Fupdate."
	    "json&include_entities%3Dtrue%26oauth_consumer_key%3Dxvz1evFS4w"
	    "EEPTGEFPHBog%26oauth_nonce%3DkYjzVBB8Y0ZFabxSWbWovY3uYSQ2pTgmZ"
	    "eNu2VS4cg%26oauth_signature_method%3DHMAC-SHA1%26oauth_"
	    "timestamp%3D1318622958%26oauth_token%3D370773112-GmHxMAgYyLbNE"
	    "tIKZeRNFsMKPR9EyMZeS9weJAEb%26oauth_version%3D1.0%26status%3D"
	    "Hello%2520Ladies%2520%252B%2520Gentlemen%252C%2520a%2520"
	    "signed%2520OAuth%2520request%2521");
	g_assert_cmpstr(
	    header, ==,
	    "OAuth oauth_consumer_key=\"xvz1evFS4wEEPTGEFPHBog\", "
	    "oauth_nonce=\"kYjzVBB8Y0ZFabxSWbWovY3uYSQ2pTgmZeNu2VS4cg\", "
	    "oauth_signature=\"hCtSmYh%2BiHYCEqBWrE7C7hYmtUk%3D\", "
	    "oauth_signature_method=\"HMAC-SHA1\", "
	    "oauth_timestamp=\"1318622958\", "
	    "oauth_token=\"370773112-GmHxMAgYyLbNEtIKZeRNFsMKPR9EyMZeS9weJAEb"
	    "\", oauth_version=\"1.0\"");
}

static void
test_request_token_header(void)
{
	const TwOAuth1Keys keys = {
	    .consumer_key = "ck",
	    .consumer_secret = "cs",
	};
	const char *const extra[] = {"oauth_callback", "oob", NULL};
	g_autofree char *header = tw_oauth1_authorization(
	    &keys, "POST", "https://api.x.com/oauth/request_token", NULL, extra,
	    "n", 1700000000);
	g_autofree char *fresh = tw_oauth1_authorization(
	    &keys, "GET", "https://api.x.com/2/users/me", NULL, NULL, NULL, 0);
	g_autofree char *fresh_again = tw_oauth1_authorization(
	    &keys, "GET", "https://api.x.com/2/users/me", NULL, NULL, NULL, 0);
	const char *const oauth_params[] = {
	    "oauth_callback",
	    "oob",
	    "oauth_consumer_key",
	    "ck",
	    "oauth_nonce",
	    "n",
	    "oauth_signature_method",
	    "HMAC-SHA1",
	    "oauth_timestamp",
	    "1700000000",
	    "oauth_version",
	    "1.0",
	    NULL,
	};
	g_autofree char *base = tw_oauth1_base_string(
	    "POST", "https://api.x.com/oauth/request_token", NULL,
	    oauth_params);
	/* No token yet: the key ends in '&'. */
	g_autofree char *expected = tw_oauth1_sign(base, "cs", NULL);
	g_autofree char *expected_encoded = tw_oauth_percent_encode(expected);
	g_autofree char *signature = header_signature(header);

	g_assert_true(
	    g_str_has_prefix(header, "OAuth oauth_callback=\"oob\", "));
	g_assert_null(strstr(header, "oauth_token="));
	g_assert_cmpstr(signature, ==, expected_encoded);
	/* A fresh nonce every time. */
	g_assert_cmpstr(fresh, !=, fresh_again);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/oauth/percent-encode", test_percent_encode);
	g_test_add_func("/oauth/parse-form", test_parse_form);
	g_test_add_func("/oauth/base64url", test_base64url);
	g_test_add_func("/oauth/random-string", test_random_string);
	g_test_add_func("/oauth/pkce/rfc7636-example",
			test_pkce_rfc7636_example);
	g_test_add_func("/oauth/pkce/verifier", test_pkce_verifier);
	g_test_add_func("/oauth/authorize-url", test_authorize_url);
	g_test_add_func("/oauth/parse-redirect", test_parse_redirect);
	g_test_add_func("/oauth/token-error", test_token_error);
	g_test_add_func("/oauth1/rfc5849-example", test_rfc5849_example);
	g_test_add_func("/oauth1/photos-example", test_photos_example);
	g_test_add_func("/oauth1/x-documentation-example",
			test_x_documentation_example);
	g_test_add_func("/oauth1/request-token-header",
			test_request_token_header);
	return g_test_run();
}
