/*
 * tw-sandbox-oauth1: OAuth 1.0a.
 *
 * Signature verification (HMAC-SHA1 over the RFC 5849 base string, nonces,
 * clock skew) and the request_token / authorize / access_token flow.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "config.h"

#include "tw-sandbox-private.h"

/* OAuth 1.0a timestamps may be this far off the server's clock. */
#define OAUTH1_CLOCK_SKEW_SECONDS 300
#define FORM_CONTENT_TYPE         "application/x-www-form-urlencoded"

/* ------------------------------------------------------------------------ */
/* OAuth 1.0a                                                                */

/* RFC 5849 §3.6, written out here rather than shared with the plugin, so
 * the two sides check each other. */
static void
append_encoded(GString *out, const char *text)
{
	for (const guchar *p = (const guchar *)text; *p; p++) {
		if (g_ascii_isalnum(*p) || strchr("-._~", *p))
			g_string_append_c(out, (char)*p);
		else
			g_string_append_printf(out, "%%%02X", *p);
	}
}

/* {"name=value" encoded} pairs of a form-encoded string. */
static void
add_encoded_pairs(GPtrArray *pairs, const char *text)
{
	g_auto(GStrv) parts = g_strsplit(text ? text : "", "&", -1);

	for (guint i = 0; parts[i]; i++) {
		char *equals = strchr(parts[i], '=');
		g_autofree char *name = NULL;
		g_autofree char *value = NULL;
		GString *pair;

		if (!*parts[i])
			continue;
		if (equals)
			*equals = '\0';
		g_strdelimit(parts[i], "+", ' ');
		name = g_uri_unescape_string(parts[i], NULL);
		if (equals) {
			g_strdelimit(equals + 1, "+", ' ');
			value = g_uri_unescape_string(equals + 1, NULL);
		} else {
			value = g_strdup("");
		}
		if (!name || !value)
			continue;
		pair = g_string_new(NULL);
		append_encoded(pair, name);
		g_string_append_c(pair, '=');
		append_encoded(pair, value);
		g_ptr_array_add(pairs, g_string_free(pair, FALSE));
	}
}

/* The parameters of an "OAuth k=\"v\", …" header, decoded; NULL when it
 * cannot be read. */
static GHashTable *
parse_oauth_header(const char *text)
{
	g_autoptr(GHashTable) params =
	    g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	const char *p = text;

	for (;;) {
		const char *name_end;
		const char *value_end;
		g_autofree char *name = NULL;
		g_autofree char *raw = NULL;
		char *value;

		while (*p == ' ' || *p == ',' || *p == '\t')
			p++;
		if (!*p)
			break;
		name_end = strchr(p, '=');
		if (!name_end || name_end[1] != '"')
			return NULL;
		value_end = strchr(name_end + 2, '"');
		if (!value_end)
			return NULL;
		name = g_strstrip(g_strndup(p, name_end - p));
		raw = g_strndup(name_end + 2, value_end - name_end - 2);
		value = g_uri_unescape_string(raw, NULL);
		if (!value || g_hash_table_contains(params, name)) {
			g_free(value);
			return NULL;
		}
		g_hash_table_insert(params, g_steal_pointer(&name), value);
		p = value_end + 1;
	}
	return g_steal_pointer(&params);
}

static int
compare_strings(gconstpointer a, gconstpointer b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static char *
oauth1_base_string(Request *request, GHashTable *protocol)
{
	SoupServerMessage *msg = request->msg;
	GUri *uri = soup_server_message_get_uri(msg);
	SoupMessageHeaders *headers =
	    soup_server_message_get_request_headers(msg);
	const char *content_type =
	    soup_message_headers_get_content_type(headers, NULL);
	g_autoptr(GPtrArray) pairs = g_ptr_array_new_with_free_func(g_free);
	g_autofree char *host = g_ascii_strdown(g_uri_get_host(uri), -1);
	g_autofree char *base_url = NULL;
	GString *normalized = g_string_new(NULL);
	GString *base = g_string_new(request->method);
	GHashTableIter iter;
	gpointer name, value;

	base_url =
	    g_uri_get_port(uri) > 0 && g_uri_get_port(uri) != 80
		? g_strdup_printf("http://%s:%d%s", host, g_uri_get_port(uri),
				  g_uri_get_path(uri))
		: g_strdup_printf("http://%s%s", host, g_uri_get_path(uri));
	add_encoded_pairs(pairs, g_uri_get_query(uri));
	if (g_strcmp0(content_type, FORM_CONTENT_TYPE) == 0) {
		gsize length;
		const char *data = tw_sandbox_body_text(request, &length);
		g_autofree char *text = g_strndup(data, length);

		add_encoded_pairs(pairs, text);
	}
	g_hash_table_iter_init(&iter, protocol);
	while (g_hash_table_iter_next(&iter, &name, &value)) {
		GString *pair;

		if (g_str_equal(name, "oauth_signature") ||
		    g_str_equal(name, "realm"))
			continue;
		pair = g_string_new(NULL);
		append_encoded(pair, name);
		g_string_append_c(pair, '=');
		append_encoded(pair, value);
		g_ptr_array_add(pairs, g_string_free(pair, FALSE));
	}
	/* "name=value" sorts as name, then value, for encoded names. */
	g_ptr_array_sort(pairs, compare_strings);
	for (guint i = 0; i < pairs->len; i++)
		g_string_append_printf(normalized, "%s%s", i ? "&" : "",
				       (char *)pairs->pdata[i]);
	g_string_append_c(base, '&');
	append_encoded(base, base_url);
	g_string_append_c(base, '&');
	append_encoded(base, normalized->str);
	g_string_free(normalized, TRUE);
	return g_string_free(base, FALSE);
}

static char *
oauth1_signature(const char *base, const char *consumer_secret,
		 const char *token_secret)
{
	GString *key = g_string_new(NULL);
	g_autoptr(GHmac) hmac = NULL;
	guint8 digest[20];
	gsize length = sizeof digest;

	append_encoded(key, consumer_secret);
	g_string_append_c(key, '&');
	append_encoded(key, token_secret ? token_secret : "");
	hmac = g_hmac_new(G_CHECKSUM_SHA1, (const guchar *)key->str, key->len);
	g_string_free(key, TRUE);
	g_hmac_update(hmac, (const guchar *)base, -1);
	g_hmac_get_digest(hmac, digest, &length);
	return g_base64_encode(digest, length);
}

/* A nonce is good once per consumer and timestamp; old ones are forgotten
 * once their timestamp is out of bounds anyway. */
static gboolean
take_nonce_locked(TwSandbox *sandbox, const char *consumer_key,
		  const char *nonce, gint64 timestamp)
{
	g_autofree char *key = g_strdup_printf("%s %s %" G_GINT64_FORMAT,
					       consumer_key, nonce, timestamp);
	gint64 now = g_get_real_time() / G_USEC_PER_SEC;

	if (g_hash_table_contains(sandbox->nonces, key))
		return FALSE;
	if (g_hash_table_size(sandbox->nonces) > 10000) {
		GHashTableIter iter;
		gpointer value;

		g_hash_table_iter_init(&iter, sandbox->nonces);
		while (g_hash_table_iter_next(&iter, NULL, &value)) {
			if (*(gint64 *)value <
			    now - 2 * OAUTH1_CLOCK_SKEW_SECONDS)
				g_hash_table_iter_remove(&iter);
		}
	}
	g_hash_table_insert(sandbox->nonces, g_steal_pointer(&key),
			    g_memdup2(&timestamp, sizeof timestamp));
	return TRUE;
}

gboolean
tw_sandbox_verify_oauth1_locked(Request *request, TokenKind token_kind,
				Token **token, GHashTable **protocol_out)
{
	TwSandbox *sandbox = request->sandbox;
	SoupMessageHeaders *headers =
	    soup_server_message_get_request_headers(request->msg);
	const char *authorization =
	    soup_message_headers_get_one(headers, "Authorization");
	g_autoptr(GHashTable) protocol = NULL;
	const char *consumer_key;
	const char *consumer_secret;
	const char *signature;
	const char *nonce;
	const char *version;
	const char *token_text;
	guint64 timestamp = 0;
	gint64 now = g_get_real_time() / G_USEC_PER_SEC;
	Token *found = NULL;
	g_autofree char *base = NULL;
	g_autofree char *expected = NULL;

	*token = NULL;
	if (!authorization ||
	    g_ascii_strncasecmp(authorization, "OAuth ", 6) != 0 ||
	    !(protocol = parse_oauth_header(authorization + 6)))
		return FALSE;
	consumer_key = g_hash_table_lookup(protocol, "oauth_consumer_key");
	consumer_secret =
	    consumer_key ? g_hash_table_lookup(sandbox->consumers, consumer_key)
			 : NULL;
	signature = g_hash_table_lookup(protocol, "oauth_signature");
	nonce = g_hash_table_lookup(protocol, "oauth_nonce");
	version = g_hash_table_lookup(protocol, "oauth_version");
	token_text = g_hash_table_lookup(protocol, "oauth_token");
	if (!consumer_secret || !signature || !nonce || !*nonce ||
	    g_strcmp0(g_hash_table_lookup(protocol, "oauth_signature_method"),
		      "HMAC-SHA1") != 0 ||
	    (version && !g_str_equal(version, "1.0")) ||
	    !g_ascii_string_to_unsigned(
		g_hash_table_lookup(protocol, "oauth_timestamp"), 10, 0,
		G_MAXINT64, &timestamp, NULL) ||
	    ABS(now - (gint64)timestamp) > OAUTH1_CLOCK_SKEW_SECONDS) {
		g_debug("OAuth 1.0a: missing or bad protocol parameters");
		return FALSE;
	}
	if (token_kind != TOKEN_ACCESS) {
		found = token_text
			    ? g_hash_table_lookup(sandbox->tokens, token_text)
			    : NULL;
		if (!found || found->kind != token_kind || found->revoked ||
		    g_strcmp0(found->consumer_key, consumer_key) != 0) {
			g_debug("OAuth 1.0a: unknown or revoked token");
			return FALSE;
		}
	}
	base = oauth1_base_string(request, protocol);
	expected = oauth1_signature(base, consumer_secret,
				    found ? found->secret : NULL);
	if (!g_str_equal(expected, signature)) {
		g_debug("OAuth 1.0a: wrong signature for %s", base);
		return FALSE;
	}
	if (!take_nonce_locked(sandbox, consumer_key, nonce,
			       (gint64)timestamp)) {
		g_debug("OAuth 1.0a: nonce used before");
		return FALSE;
	}
	*token = found;
	if (protocol_out)
		*protocol_out = g_steal_pointer(&protocol);
	return TRUE;
}

/* X's answer to a request it cannot authenticate. */
static void
respond_oauth1_refusal(SoupServerMessage *msg)
{
	static const char body[] =
	    "{\"errors\":[{\"code\":32,\"message\":\"Could not "
	    "authenticate you.\"}]}";

	soup_server_message_set_status(msg, SOUP_STATUS_UNAUTHORIZED, NULL);
	soup_server_message_set_response(
	    msg, JSON_CONTENT_TYPE, SOUP_MEMORY_STATIC, body, strlen(body));
}

static void respond_form(SoupServerMessage *msg, const char *first_name,
			 ...) G_GNUC_NULL_TERMINATED;

static void
respond_form(SoupServerMessage *msg, const char *first_name, ...)
{
	GString *form = g_string_new(NULL);
	va_list args;
	char *text;

	va_start(args, first_name);
	for (const char *name = first_name; name;
	     name = va_arg(args, const char *)) {
		const char *value = va_arg(args, const char *);

		if (form->len)
			g_string_append_c(form, '&');
		append_encoded(form, name);
		g_string_append_c(form, '=');
		append_encoded(form, value);
	}
	va_end(args);
	text = g_string_free(form, FALSE);
	soup_server_message_set_status(msg, SOUP_STATUS_OK, NULL);
	soup_server_message_set_response(msg, FORM_CONTENT_TYPE,
					 SOUP_MEMORY_TAKE, text, strlen(text));
}

Token *
tw_sandbox_new_oauth1_token_locked(TwSandbox *sandbox, TokenKind kind,
				   const char *consumer_key,
				   const char *user_id, char **text)
{
	Token *token = g_new0(Token, 1);
	g_autofree char *random_text =
	    tw_sandbox_mint_token(sandbox->rand, "oauth1");

	token->kind = kind;
	token->consumer_key = g_strdup(consumer_key);
	token->user_id = g_strdup(user_id);
	token->scope = g_strdup(GRANTED_SCOPES);
	token->secret = tw_sandbox_mint_token(sandbox->rand, "secret");
	/* Access tokens look like X's: "<user id>-<random>". */
	*text = kind == TOKEN_OAUTH1_ACCESS
		    ? g_strdup_printf("%s-%.40s", user_id, random_text)
		    : g_strndup(random_text, 32);
	g_hash_table_insert(sandbox->tokens, g_strdup(*text), token);
	return token;
}

void
tw_sandbox_handle_request_token(Request *request, char **captured)
{
	TwSandbox *sandbox = request->sandbox;
	g_autoptr(GHashTable) protocol = NULL;
	g_autofree char *text = NULL;
	Token *unused;
	Token *token;
	const char *callback;

	if (!tw_sandbox_verify_oauth1_locked(request, TOKEN_ACCESS, &unused,
					     &protocol)) {
		respond_oauth1_refusal(request->msg);
		return;
	}
	callback = g_hash_table_lookup(protocol, "oauth_callback");
	if (!callback || !*callback) {
		respond_oauth1_refusal(request->msg);
		return;
	}
	token = tw_sandbox_new_oauth1_token_locked(
	    sandbox, TOKEN_OAUTH1_REQUEST,
	    g_hash_table_lookup(protocol, "oauth_consumer_key"), NULL, &text);
	token->callback = g_strdup(callback);
	token->expires_at = g_get_real_time() + 15 * 60 * G_USEC_PER_SEC;
	respond_form(request->msg, "oauth_token", text, "oauth_token_secret",
		     token->secret, "oauth_callback_confirmed", "true", NULL);
}

void
tw_sandbox_handle_oauth1_authorize(Request *request, char **captured)
{
	TwSandbox *sandbox = request->sandbox;
	const char *text = tw_sandbox_query_get(request->query, "oauth_token");
	Token *token = text ? g_hash_table_lookup(sandbox->tokens, text) : NULL;
	const User *user = tw_sandbox_authorizing_user_locked(sandbox);
	g_autofree char *body = NULL;
	gboolean oob;

	if (!token || token->kind != TOKEN_OAUTH1_REQUEST || token->revoked ||
	    token->expires_at <= g_get_real_time() || !user) {
		tw_sandbox_respond_page(
		    request->msg, SOUP_STATUS_OK, "Authorize app",
		    "<p>This page is no longer valid. It looks like "
		    "someone already used the token information you "
		    "provided. Please return to the site that sent "
		    "you to this page and try again.</p>");
		return;
	}
	request->record->user_id = g_strdup(user->id);
	oob = g_str_equal(token->callback, "oob");
	switch (tw_sandbox_take_authorize_outcome_locked(sandbox)) {
	case TW_SANDBOX_AUTHORIZE_REFUSE:
		token->revoked = TRUE;
		if (!oob)
			tw_sandbox_redirect_with(request->msg, token->callback,
						 "denied", text, NULL);
		else
			tw_sandbox_respond_page(
			    request->msg, SOUP_STATUS_OK, "Authorize app",
			    "<p>You didn't authorize the app.</p>");
		return;
	case TW_SANDBOX_AUTHORIZE_EXPIRED:
		/* The PIN is shown, but the request token dies now. */
		token->expires_at = 1;
		break;
	case TW_SANDBOX_AUTHORIZE_APPROVE:
		break;
	}
	g_free(token->user_id);
	token->user_id = g_strdup(user->id);
	g_free(token->verifier);
	token->verifier = g_strdup_printf(
	    "%07d", g_rand_int_range(sandbox->rand, 0, 10000000));
	if (!oob) {
		tw_sandbox_redirect_with(request->msg, token->callback,
					 "oauth_token", text, "oauth_verifier",
					 token->verifier, NULL);
		return;
	}
	body = g_strdup_printf(
	    "<div id=\"oauth_pin\"><p><span id=\"code-desc\">Next, return "
	    "to the app and enter this PIN to complete the authorization "
	    "process:</span><kbd aria-labelledby=\"code-desc\"><code>%s"
	    "</code></kbd></p></div>",
	    token->verifier);
	tw_sandbox_respond_page(request->msg, SOUP_STATUS_OK, "Authorize app",
				body);
}

void
tw_sandbox_handle_access_token(Request *request, char **captured)
{
	TwSandbox *sandbox = request->sandbox;
	g_autoptr(GHashTable) protocol = NULL;
	g_autoptr(GHashTable) form = NULL;
	g_autofree char *text = NULL;
	const char *verifier;
	const User *user;
	Token *request_token;
	Token *token;
	static const char invalid_verifier[] =
	    "Error processing your OAuth request: Invalid oauth_verifier "
	    "parameter";

	if (!tw_sandbox_verify_oauth1_locked(request, TOKEN_OAUTH1_REQUEST,
					     &request_token, &protocol)) {
		respond_oauth1_refusal(request->msg);
		return;
	}
	verifier = g_hash_table_lookup(protocol, "oauth_verifier");
	if (!verifier)
		verifier =
		    tw_sandbox_query_get(request->query, "oauth_verifier");
	if (!verifier) {
		form = tw_sandbox_decode_form(request);
		verifier = g_hash_table_lookup(form, "oauth_verifier");
	}
	user = tw_sandbox_find_user_locked(sandbox, request_token->user_id);
	/* Used or not: a request token is good for one exchange. */
	request_token->revoked = TRUE;
	if (!verifier || !request_token->verifier || !user ||
	    !g_str_equal(verifier, request_token->verifier) ||
	    request_token->expires_at <= g_get_real_time()) {
		soup_server_message_set_status(request->msg,
					       SOUP_STATUS_UNAUTHORIZED, NULL);
		soup_server_message_set_response(
		    request->msg, "text/plain; charset=utf-8",
		    SOUP_MEMORY_STATIC, invalid_verifier,
		    strlen(invalid_verifier));
		return;
	}
	token = tw_sandbox_new_oauth1_token_locked(sandbox, TOKEN_OAUTH1_ACCESS,
						   request_token->consumer_key,
						   user->id, &text);
	sandbox->counters.authorizations++;
	request->record->user_id = g_strdup(user->id);
	respond_form(request->msg, "oauth_token", text, "oauth_token_secret",
		     token->secret, "user_id", user->id, "screen_name",
		     user->username, NULL);
}
