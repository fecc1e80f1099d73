/*
 * tw-sandbox-oauth2: OAuth 2.0 with PKCE.
 *
 * The authorize page, POST /2/oauth2/token (code and refresh grants, with
 * refresh-token rotation and the refusals X gives) and POST
 * /2/oauth2/revoke.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "config.h"

#include "tw-sandbox-private.h"

/* X: an authorization code lives 30 seconds. */
#define CODE_LIFETIME_SECONDS 30
#define HTML_CONTENT_TYPE     "text/html; charset=utf-8"

/* ------------------------------------------------------------------------ */
/* OAuth 2.0                                                                 */

static void
respond_oauth_error(SoupServerMessage *msg, guint status, const char *error,
		    const char *description)
{
	g_autoptr(JsonBuilder) builder = json_builder_new();

	json_builder_begin_object(builder);
	tw_sandbox_add_string_member(builder, "error", error);
	tw_sandbox_add_string_member(builder, "error_description", description);
	json_builder_end_object(builder);
	tw_sandbox_respond_builder(msg, status, JSON_CONTENT_TYPE, builder);
}

/* A confidential client must send HTTP Basic; a public one its client_id. */
static gboolean
check_client_locked(Request *request, GHashTable *form)
{
	TwSandbox *sandbox = request->sandbox;
	SoupMessageHeaders *headers =
	    soup_server_message_get_request_headers(request->msg);
	const char *authorization =
	    soup_message_headers_get_one(headers, "Authorization");
	const char *client_id = g_hash_table_lookup(form, "client_id");

	if (sandbox->client_secret) {
		g_autofree char *expected_plain = g_strdup_printf(
		    "%s:%s", sandbox->client_id, sandbox->client_secret);
		g_autofree char *expected = g_base64_encode(
		    (const guchar *)expected_plain, strlen(expected_plain));

		if (authorization &&
		    g_ascii_strncasecmp(authorization, "Basic ", 6) == 0 &&
		    g_str_equal(authorization + 6, expected))
			return TRUE;
		respond_oauth_error(request->msg, SOUP_STATUS_UNAUTHORIZED,
				    "unauthorized_client",
				    "Missing valid authorization header");
		return FALSE;
	}
	if (!client_id) {
		respond_oauth_error(request->msg, SOUP_STATUS_BAD_REQUEST,
				    "invalid_request",
				    "Missing required parameter [client_id].");
		return FALSE;
	}
	if (!g_str_equal(client_id, sandbox->client_id)) {
		respond_oauth_error(request->msg, SOUP_STATUS_UNAUTHORIZED,
				    "unauthorized_client",
				    "Missing valid authorization header");
		return FALSE;
	}
	return TRUE;
}

GHashTable *
tw_sandbox_decode_form(Request *request)
{
	gsize length;
	const char *data = tw_sandbox_body_text(request, &length);
	g_autofree char *text = g_strndup(data, length);

	return soup_form_decode(text);
}

static void
respond_new_tokens_locked(Request *request, const char *user_id)
{
	TwSandbox *sandbox = request->sandbox;
	g_autoptr(JsonBuilder) builder = json_builder_new();
	g_autofree char *access_token =
	    tw_sandbox_issue_access_token_locked(sandbox, user_id);
	g_autofree char *refresh_token =
	    tw_sandbox_issue_refresh_token_locked(sandbox, user_id);

	g_free(request->record->user_id);
	request->record->user_id = g_strdup(user_id);
	json_builder_begin_object(builder);
	tw_sandbox_add_string_member(builder, "token_type", "bearer");
	tw_sandbox_add_int_member(builder, "expires_in",
				  sandbox->config.access_token_lifetime);
	tw_sandbox_add_string_member(builder, "access_token", access_token);
	tw_sandbox_add_string_member(builder, "scope",
				     tw_sandbox_granted_scopes(sandbox));
	tw_sandbox_add_string_member(builder, "refresh_token", refresh_token);
	json_builder_end_object(builder);
	tw_sandbox_respond_builder(request->msg, SOUP_STATUS_OK,
				   JSON_CONTENT_TYPE, builder);
}

static char *
pkce_s256(const char *verifier)
{
	g_autoptr(GChecksum) checksum = g_checksum_new(G_CHECKSUM_SHA256);
	guint8 digest[32];
	gsize length = sizeof digest;
	char *text;

	g_checksum_update(checksum, (const guchar *)verifier, -1);
	g_checksum_get_digest(checksum, digest, &length);
	text = g_base64_encode(digest, length);
	tw_sandbox_base64url_in_place(text);
	return text;
}

/* grant_type=authorization_code: the code must be fresh and unused, and
 * the redirect URI and the PKCE verifier must match its authorization. */
static void
handle_code_grant_locked(Request *request, GHashTable *form)
{
	TwSandbox *sandbox = request->sandbox;
	const char *text = g_hash_table_lookup(form, "code");
	const char *redirect_uri = g_hash_table_lookup(form, "redirect_uri");
	const char *verifier = g_hash_table_lookup(form, "code_verifier");
	const char *client_id = g_hash_table_lookup(form, "client_id");
	Token *code;
	g_autofree char *challenge = NULL;
	gboolean verified;

	if (!text) {
		respond_oauth_error(request->msg, SOUP_STATUS_BAD_REQUEST,
				    "invalid_request",
				    "Missing required parameter [code].");
		return;
	}
	code = g_hash_table_lookup(sandbox->tokens, text);
	if (!code || code->kind != TOKEN_CODE || code->revoked ||
	    code->expires_at <= g_get_real_time() ||
	    (client_id && !g_str_equal(client_id, code->client_id))) {
		/* Spent either way: a code is good for one try. */
		if (code && code->kind == TOKEN_CODE)
			code->revoked = TRUE;
		respond_oauth_error(
		    request->msg, SOUP_STATUS_BAD_REQUEST, "invalid_request",
		    "Value passed for the authorization code was invalid.");
		return;
	}
	code->revoked = TRUE;
	/* Our guess at X's wording for the next two. */
	if (g_strcmp0(redirect_uri, code->redirect_uri) != 0) {
		respond_oauth_error(request->msg, SOUP_STATUS_BAD_REQUEST,
				    "invalid_request",
				    "Value passed for the redirect uri did not "
				    "match the uri of the authorization code.");
		return;
	}
	if (g_str_equal(code->code_challenge_method, "S256")) {
		challenge = verifier ? pkce_s256(verifier) : NULL;
		verified = g_strcmp0(challenge, code->code_challenge) == 0;
	} else {
		verified = g_strcmp0(verifier, code->code_challenge) == 0;
	}
	if (!verified) {
		respond_oauth_error(
		    request->msg, SOUP_STATUS_BAD_REQUEST, "invalid_request",
		    "Value passed for the code verifier did not "
		    "match the code challenge.");
		return;
	}
	sandbox->counters.authorizations++;
	respond_new_tokens_locked(request, code->user_id);
}

void
tw_sandbox_handle_token(Request *request, char **captured)
{
	TwSandbox *sandbox = request->sandbox;
	g_autoptr(GHashTable) form = tw_sandbox_decode_form(request);
	const char *grant_type = g_hash_table_lookup(form, "grant_type");
	const char *refresh_text = g_hash_table_lookup(form, "refresh_token");
	g_autoptr(JsonBuilder) builder = NULL;
	g_autofree char *user_id = NULL;
	g_autofree char *access_token = NULL;
	g_autofree char *refresh_token = NULL;
	Token *old;

	if (!grant_type) {
		respond_oauth_error(request->msg, SOUP_STATUS_BAD_REQUEST,
				    "invalid_request",
				    "Missing required parameter [grant_type].");
		return;
	}
	if (!check_client_locked(request, form))
		return;
	if (g_str_equal(grant_type, "authorization_code")) {
		handle_code_grant_locked(request, form);
		return;
	}
	if (!g_str_equal(grant_type, "refresh_token")) {
		respond_oauth_error(request->msg, SOUP_STATUS_BAD_REQUEST,
				    "unsupported_grant_type",
				    "Value passed for the grant type was "
				    "invalid. Grant type should be one of "
				    "[authorization_code, refresh_token].");
		return;
	}
	if (!refresh_text) {
		respond_oauth_error(
		    request->msg, SOUP_STATUS_BAD_REQUEST, "invalid_request",
		    "Missing required parameter [refresh_token].");
		return;
	}
	old = g_hash_table_lookup(sandbox->tokens, refresh_text);
	if (old != NULL && old->kind == TOKEN_REFRESH && old->revoked &&
	    sandbox->config.refresh_reuse_until_used &&
	    old->successor != NULL) {
		Token *successor =
		    g_hash_table_lookup(sandbox->tokens, old->successor);

		/* The answer that carried the successor never arrived: the
		 * old token works once more and the successor is dropped. */
		if (successor != NULL && !successor->used &&
		    !successor->revoked) {
			successor->revoked = TRUE;
			old->revoked = FALSE;
		}
	}
	if (sandbox->refuse_refresh > 0 || !old || old->kind != TOKEN_REFRESH ||
	    old->revoked) {
		if (sandbox->refuse_refresh > 0)
			sandbox->refuse_refresh--;
		respond_oauth_error(request->msg, SOUP_STATUS_BAD_REQUEST,
				    "invalid_request",
				    "Value passed for the token was invalid.");
		return;
	}

	/* Rotation: every refresh token works once. */
	old->revoked = TRUE;
	old->used = TRUE;
	user_id = g_strdup(old->user_id);
	access_token = tw_sandbox_issue_access_token_locked(sandbox, user_id);
	refresh_token = tw_sandbox_issue_refresh_token_locked(sandbox, user_id);
	g_free(old->successor);
	old->successor = g_strdup(refresh_token);
	sandbox->counters.token_refreshes++;
	g_free(request->record->user_id);
	request->record->user_id = g_strdup(user_id);

	builder = json_builder_new();
	json_builder_begin_object(builder);
	tw_sandbox_add_string_member(builder, "token_type", "bearer");
	tw_sandbox_add_int_member(builder, "expires_in",
				  sandbox->config.access_token_lifetime);
	tw_sandbox_add_string_member(builder, "access_token", access_token);
	tw_sandbox_add_string_member(builder, "scope",
				     tw_sandbox_granted_scopes(sandbox));
	tw_sandbox_add_string_member(builder, "refresh_token", refresh_token);
	json_builder_end_object(builder);
	tw_sandbox_respond_builder(request->msg, SOUP_STATUS_OK,
				   JSON_CONTENT_TYPE, builder);
}

void
tw_sandbox_handle_revoke(Request *request, char **captured)
{
	g_autoptr(GHashTable) form = tw_sandbox_decode_form(request);
	const char *text = g_hash_table_lookup(form, "token");
	g_autoptr(JsonBuilder) builder = NULL;
	Token *token;

	if (!text) {
		respond_oauth_error(request->msg, SOUP_STATUS_BAD_REQUEST,
				    "invalid_request",
				    "Missing required parameter [token].");
		return;
	}
	if (!check_client_locked(request, form))
		return;
	token = g_hash_table_lookup(request->sandbox->tokens, text);
	if (token)
		token->revoked = TRUE;

	builder = json_builder_new();
	json_builder_begin_object(builder);
	tw_sandbox_add_bool_member(builder, "revoked", TRUE);
	json_builder_end_object(builder);
	tw_sandbox_respond_builder(request->msg, SOUP_STATUS_OK,
				   JSON_CONTENT_TYPE, builder);
}

TwSandboxAuthorizeOutcome
tw_sandbox_take_authorize_outcome_locked(TwSandbox *sandbox)
{
	TwSandboxAuthorizeOutcome outcome = sandbox->authorize_outcome;

	if (sandbox->authorize_count > 0 && --sandbox->authorize_count == 0)
		sandbox->authorize_outcome = TW_SANDBOX_AUTHORIZE_APPROVE;
	return outcome;
}

const User *
tw_sandbox_authorizing_user_locked(TwSandbox *sandbox)
{
	const User *user =
	    tw_sandbox_find_user_locked(sandbox, sandbox->authorizing_user_id);

	if (!user && sandbox->user_order->len > 0)
		user = sandbox->user_order->pdata[0];
	return user;
}

void
tw_sandbox_respond_page(SoupServerMessage *msg, guint status, const char *title,
			const char *html_body)
{
	g_autofree char *escaped = g_markup_escape_text(title, -1);
	char *page = g_strdup_printf(
	    "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\">"
	    "<title>%s / X</title></head>\n<body>\n%s\n</body></html>\n",
	    escaped, html_body);

	soup_server_message_set_status(msg, status, NULL);
	soup_server_message_set_response(msg, HTML_CONTENT_TYPE,
					 SOUP_MEMORY_TAKE, page, strlen(page));
}

/* X shows this page, without redirecting, for a request it will not
 * serve (unknown client, unregistered callback); the wording is X's, the
 * reason below it our addition. */
static void
respond_authorize_refusal(SoupServerMessage *msg, const char *reason)
{
	g_autofree char *escaped = g_markup_escape_text(reason, -1);
	g_autofree char *body = g_strdup_printf(
	    "<h1>Something went wrong</h1>\n<p>You weren't able to give access "
	    "to the App. Go back and try logging in again.</p>\n"
	    "<p id=\"sandbox-reason\">%s</p>",
	    escaped);

	tw_sandbox_respond_page(msg, SOUP_STATUS_BAD_REQUEST,
				"Something went wrong", body);
}

void
tw_sandbox_redirect_with(SoupServerMessage *msg, const char *target,
			 const char *first_name, ...)
{
	GString *location = g_string_new(target);
	char separator = strchr(target, '?') ? '&' : '?';
	va_list args;

	va_start(args, first_name);
	for (const char *name = first_name; name;
	     name = va_arg(args, const char *)) {
		const char *value = va_arg(args, const char *);
		g_autofree char *escaped =
		    g_uri_escape_string(value, NULL, FALSE);

		g_string_append_printf(location, "%c%s=%s", separator, name,
				       escaped);
		separator = '&';
	}
	va_end(args);
	soup_server_message_set_redirect(msg, SOUP_STATUS_FOUND, location->str);
	g_string_free(location, TRUE);
}

void
tw_sandbox_handle_authorize(Request *request, char **captured)
{
	TwSandbox *sandbox = request->sandbox;
	const char *response_type =
	    tw_sandbox_query_get(request->query, "response_type");
	const char *client_id =
	    tw_sandbox_query_get(request->query, "client_id");
	const char *redirect_uri =
	    tw_sandbox_query_get(request->query, "redirect_uri");
	const char *state = tw_sandbox_query_get(request->query, "state");
	const char *challenge =
	    tw_sandbox_query_get(request->query, "code_challenge");
	const char *method =
	    tw_sandbox_query_get(request->query, "code_challenge_method");
	const char *scope = tw_sandbox_query_get(request->query, "scope");
	g_autoptr(GUri) redirect = NULL;
	const User *user;
	Token *code;
	TwSandboxAuthorizeOutcome outcome;
	g_autofree char *text = NULL;

	if (g_strcmp0(response_type, "code") != 0) {
		respond_authorize_refusal(request->msg,
					  "response_type must be code");
		return;
	}
	if (g_strcmp0(client_id, sandbox->client_id) != 0) {
		respond_authorize_refusal(request->msg, "unknown client_id");
		return;
	}
	if (redirect_uri)
		redirect = g_uri_parse(redirect_uri, G_URI_FLAGS_NONE, NULL);
	if (!redirect || !g_uri_get_host(redirect)) {
		respond_authorize_refusal(request->msg,
					  "redirect_uri is not a URL");
		return;
	}
	if (!state || !*state || !scope || !*scope || !challenge ||
	    !*challenge) {
		respond_authorize_refusal(
		    request->msg,
		    "state, scope and code_challenge are required");
		return;
	}
	if (method && !g_str_equal(method, "S256") &&
	    !g_str_equal(method, "plain")) {
		respond_authorize_refusal(
		    request->msg,
		    "code_challenge_method must be S256 or plain");
		return;
	}
	user = tw_sandbox_authorizing_user_locked(sandbox);
	if (!user) {
		respond_authorize_refusal(request->msg, "nobody is signed in");
		return;
	}
	request->record->user_id = g_strdup(user->id);
	outcome = tw_sandbox_take_authorize_outcome_locked(sandbox);
	if (outcome == TW_SANDBOX_AUTHORIZE_REFUSE) {
		tw_sandbox_redirect_with(request->msg, redirect_uri, "error",
					 "access_denied", "state", state, NULL);
		return;
	}
	code = g_new0(Token, 1);
	code->kind = TOKEN_CODE;
	code->user_id = g_strdup(user->id);
	code->scope = g_strdup(scope);
	code->client_id = g_strdup(client_id);
	code->redirect_uri = g_strdup(redirect_uri);
	code->code_challenge = g_strdup(challenge);
	code->code_challenge_method = g_strdup(method ? method : "plain");
	code->expires_at =
	    outcome == TW_SANDBOX_AUTHORIZE_EXPIRED
		? g_get_real_time() - G_USEC_PER_SEC
		: g_get_real_time() +
		      (gint64)CODE_LIFETIME_SECONDS * G_USEC_PER_SEC;
	text = tw_sandbox_mint_token(sandbox->rand, "1:1:ac:1");
	g_hash_table_insert(sandbox->tokens, g_strdup(text), code);
	tw_sandbox_redirect_with(request->msg, redirect_uri, "state", state,
				 "code", text, NULL);
}
