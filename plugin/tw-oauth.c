/*
 * tw-oauth: PKCE, the authorize URL, the redirect, OAuth 1.0a signatures.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "config.h"

#include "tw-oauth.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gi18n-lib.h>
#include <string.h>
#include <unistd.h>

G_DEFINE_QUARK(tw - oauth - error - quark, tw_oauth_error)

/* 48 random bytes make a 64-character verifier. */
#define VERIFIER_BYTES 48
#define NONCE_BYTES    24

/****************************************************************************
 * Random strings and PKCE
 ****************************************************************************/

char *
tw_oauth_base64url_encode(const guint8 *data, gsize length)
{
	char *text = g_base64_encode(data, length);
	char *out = text;

	for (const char *in = text; *in != '\0'; in++) {
		if (*in == '=')
			continue;
		*out++ = *in == '+' ? '-' : *in == '/' ? '_' : *in;
	}
	*out = '\0';
	return text;
}

/* The verifier and the state guard the sign-in: they come from the
 * kernel's generator. GLib's is only the fallback for a system without
 * /dev/urandom (a bare chroot), where it is still better than nothing. */
static void
random_bytes(guint8 *buffer, gsize length)
{
	gsize filled = 0;
	int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);

	if (fd >= 0) {
		while (filled < length) {
			ssize_t got =
			    read(fd, buffer + filled, length - filled);

			if (got < 0 && errno == EINTR)
				continue;
			if (got <= 0)
				break;
			filled += (gsize)got;
		}
		close(fd);
	}
	for (; filled < length; filled++)
		buffer[filled] = (guint8)g_random_int_range(0, 256);
}

char *
tw_oauth_random_string(gsize bytes)
{
	guint8 buffer[96];
	char *text;

	bytes = CLAMP(bytes, 1, sizeof(buffer));
	random_bytes(buffer, bytes);
	text = tw_oauth_base64url_encode(buffer, bytes);
	memset(buffer, 0, sizeof(buffer));
	return text;
}

char *
tw_oauth_pkce_verifier_new(void)
{
	return tw_oauth_random_string(VERIFIER_BYTES);
}

char *
tw_oauth_pkce_challenge(const char *verifier)
{
	g_autoptr(GChecksum) checksum = g_checksum_new(G_CHECKSUM_SHA256);
	guint8 digest[32];
	gsize length = sizeof(digest);

	g_checksum_update(checksum, (const guchar *)verifier,
			  (gssize)strlen(verifier));
	g_checksum_get_digest(checksum, digest, &length);
	return tw_oauth_base64url_encode(digest, length);
}

/****************************************************************************
 * Encoding
 ****************************************************************************/

char *
tw_oauth_percent_encode(const char *text)
{
	/* GLib leaves exactly the unreserved set alone and writes upper-case
	 * hex digits, as RFC 5849 §3.6 asks. */
	return g_uri_escape_string(text, NULL, FALSE);
}

/* One pair of a form-encoded string, decoded; %NULL when it cannot be. */
static gboolean
decode_pair(const char *pair, char **name, char **value)
{
	const char *equals = strchr(pair, '=');
	g_autofree char *raw_name =
	    equals != NULL ? g_strndup(pair, (gsize)(equals - pair))
			   : g_strdup(pair);
	g_autofree char *raw_value = g_strdup(equals != NULL ? equals + 1 : "");

	g_strdelimit(raw_name, "+", ' ');
	g_strdelimit(raw_value, "+", ' ');
	*name = g_uri_unescape_string(raw_name, NULL);
	*value = g_uri_unescape_string(raw_value, NULL);
	if (*name == NULL || *value == NULL) {
		g_clear_pointer(name, g_free);
		g_clear_pointer(value, g_free);
		return FALSE;
	}
	return TRUE;
}

GHashTable *
tw_oauth_parse_form(const char *text)
{
	GHashTable *form =
	    g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	g_auto(GStrv) pairs = g_strsplit(text != NULL ? text : "", "&", -1);

	for (guint i = 0; pairs[i] != NULL; i++) {
		char *name;
		char *value;

		if (pairs[i][0] == '\0' ||
		    !decode_pair(pairs[i], &name, &value))
			continue;
		if (g_hash_table_contains(form, name)) {
			g_free(name);
			g_free(value);
			continue;
		}
		g_hash_table_insert(form, name, value);
	}
	return form;
}

/****************************************************************************
 * OAuth 2.0 authorization
 ****************************************************************************/

char *
tw_oauth_build_authorize_url(const char *authorize_url, const char *client_id,
			     const char *redirect_uri, const char *scope,
			     const char *state, const char *code_challenge)
{
	const char *names[] = {
	    "response_type", "client_id",      "redirect_uri",         "scope",
	    "state",         "code_challenge", "code_challenge_method"};
	const char *values[] = {"code", client_id,      redirect_uri, scope,
				state,  code_challenge, "S256"};
	GString *url = g_string_new(authorize_url);
	char separator = strchr(authorize_url, '?') != NULL ? '&' : '?';

	for (guint i = 0; i < G_N_ELEMENTS(names); i++) {
		g_autofree char *escaped = tw_oauth_percent_encode(values[i]);

		g_string_append_printf(url, "%c%s=%s", separator, names[i],
				       escaped);
		separator = '&';
	}
	return g_string_free(url, FALSE);
}

/* The query part of whatever the user pasted, or %NULL for a bare code. */
static char *
redirect_query(const char *text, GError **error)
{
	const char *question;
	g_autofree char *query = NULL;

	if (strstr(text, "://") != NULL) {
		g_autoptr(GUri) uri =
		    g_uri_parse(text, G_URI_FLAGS_ENCODED, NULL);

		if (uri == NULL || g_uri_get_query(uri) == NULL) {
			g_set_error_literal(
			    error, TW_OAUTH_ERROR, TW_OAUTH_ERROR_NO_CODE,
			    _("That address carries no code. Paste the "
			      "whole address the browser shows after you "
			      "allowed access."));
			return NULL;
		}
		return g_strdup(g_uri_get_query(uri));
	}
	question = strchr(text, '?');
	if (question != NULL)
		query = g_strdup(question + 1);
	else if (strchr(text, '=') != NULL)
		query = g_strdup(text);
	else
		return NULL;
	/* A fragment is never part of the answer. */
	query[strcspn(query, "#")] = '\0';
	return g_steal_pointer(&query);
}

static gboolean
looks_like_code(const char *text)
{
	for (const char *p = text; *p != '\0'; p++) {
		if (!g_ascii_isgraph(*p) || strchr("&?#/\"'<>\\", *p) != NULL)
			return FALSE;
	}
	return TRUE;
}

gboolean
tw_oauth_parse_redirect(const char *text, const char *expected_state,
			char **code, GError **error)
{
	g_autofree char *stripped =
	    g_strstrip(g_strdup(text != NULL ? text : ""));
	g_autoptr(GError) local_error = NULL;
	g_autofree char *query = redirect_query(stripped, &local_error);
	g_autoptr(GHashTable) params = NULL;
	const char *state;
	const char *oauth_error;
	const char *found;

	*code = NULL;
	if (local_error != NULL) {
		g_propagate_error(error, g_steal_pointer(&local_error));
		return FALSE;
	}
	if (query == NULL) {
		if (stripped[0] == '\0' || !looks_like_code(stripped)) {
			g_set_error_literal(
			    error, TW_OAUTH_ERROR, TW_OAUTH_ERROR_NO_CODE,
			    _("That is neither the address X sent the "
			      "browser to nor a code. Paste the whole "
			      "address from the browser's address bar."));
			return FALSE;
		}
		*code = g_steal_pointer(&stripped);
		return TRUE;
	}
	params = tw_oauth_parse_form(query);
	state = g_hash_table_lookup(params, "state");
	oauth_error = g_hash_table_lookup(params, "error");
	found = g_hash_table_lookup(params, "code");
	if (oauth_error == NULL && (found == NULL || found[0] == '\0')) {
		g_set_error_literal(error, TW_OAUTH_ERROR,
				    TW_OAUTH_ERROR_NO_CODE,
				    _("That address carries no code. Paste the "
				      "whole address the browser shows after "
				      "you allowed access."));
		return FALSE;
	}
	if (g_strcmp0(state, expected_state) != 0) {
		g_set_error_literal(
		    error, TW_OAUTH_ERROR, TW_OAUTH_ERROR_STATE_MISMATCH,
		    _("That address belongs to another sign-in attempt "
		      "(its state does not match), so it was refused. "
		      "Open the newest link and allow access there."));
		return FALSE;
	}
	if (oauth_error != NULL) {
		const char *description =
		    g_hash_table_lookup(params, "error_description");

		if (g_str_equal(oauth_error, "access_denied"))
			g_set_error_literal(
			    error, TW_OAUTH_ERROR, TW_OAUTH_ERROR_ACCESS_DENIED,
			    _("Access was not allowed on X. Reconnect the "
			      "account and choose \"Authorize app\" to "
			      "sign in."));
		else
			g_set_error(error, TW_OAUTH_ERROR,
				    TW_OAUTH_ERROR_REDIRECT_ERROR,
				    _("X did not authorize the app: %s%s%s"),
				    oauth_error,
				    description != NULL ? ": " : "",
				    description != NULL ? description : "");
		return FALSE;
	}
	*code = g_strdup(found);
	return TRUE;
}

GError *
tw_oauth_token_error(const char *oauth_error, const char *description,
		     const char *redirect_uri)
{
	g_autofree char *lower =
	    g_ascii_strdown(description != NULL ? description : "", -1);
	const char *said = description != NULL   ? description
			   : oauth_error != NULL ? oauth_error
						 : _("no reason given");

	if (g_strcmp0(oauth_error, "unauthorized_client") == 0 ||
	    g_strcmp0(oauth_error, "invalid_client") == 0 ||
	    strstr(lower, "client") != NULL)
		return g_error_new(
		    TW_OAUTH_ERROR, TW_OAUTH_ERROR_CLIENT,
		    _("X does not accept the client id (X said: %s). Copy "
		      "the OAuth 2.0 Client ID from your app's \"Keys and "
		      "tokens\" page into the client-id option; set "
		      "client-secret only for a confidential (Web App or "
		      "bot) client."),
		    said);
	if (strstr(lower, "redirect") != NULL)
		return g_error_new(
		    TW_OAUTH_ERROR, TW_OAUTH_ERROR_REDIRECT_URI,
		    _("The redirect URI does not match your X app's "
		      "settings (X said: %s): register exactly %s as a "
		      "callback URL in your X app, or change the "
		      "redirect-uri option to one that is registered."),
		    said, redirect_uri);
	return g_error_new(TW_OAUTH_ERROR, TW_OAUTH_ERROR_CODE_INVALID,
			   _("The code expired: it lives 30 seconds, so X "
			     "refused it (X said: %s). Try again: open the new "
			     "link and allow access."),
			   said);
}

/****************************************************************************
 * OAuth 1.0a
 ****************************************************************************/

typedef struct {
	char *name;
	char *value;
} Param;

static void
param_free(gpointer data)
{
	Param *param = data;

	g_free(param->name);
	/* Values may be tokens. */
	if (param->value != NULL)
		memset(param->value, 0, strlen(param->value));
	g_free(param->value);
	g_free(param);
}

/* Adds @name=@value, both encoded. */
static void
add_param(GPtrArray *params, const char *name, const char *value)
{
	Param *param = g_new0(Param, 1);

	param->name = tw_oauth_percent_encode(name);
	param->value = tw_oauth_percent_encode(value);
	g_ptr_array_add(params, param);
}

/* Adds the pairs of a form-encoded string; RFC 5849 §3.4.1.3.1. */
static void
add_form_params(GPtrArray *params, const char *text)
{
	g_auto(GStrv) pairs = g_strsplit(text, "&", -1);

	for (guint i = 0; pairs[i] != NULL; i++) {
		g_autofree char *name = NULL;
		char *value = NULL;

		if (pairs[i][0] == '\0' ||
		    !decode_pair(pairs[i], &name, &value))
			continue;
		add_param(params, name, value);
		memset(value, 0, strlen(value));
		g_free(value);
	}
}

static int
compare_params(gconstpointer a, gconstpointer b)
{
	const Param *left = *(Param *const *)a;
	const Param *right = *(Param *const *)b;
	int by_name = strcmp(left->name, right->name);

	return by_name != 0 ? by_name : strcmp(left->value, right->value);
}

/* RFC 5849 §3.4.1.2: scheme://host[:port]/path, no query. */
static char *
base_url(const char *url, char **query)
{
	g_autoptr(GUri) uri = g_uri_parse(url, G_URI_FLAGS_ENCODED, NULL);
	g_autofree char *scheme = NULL;
	g_autofree char *host = NULL;
	GString *base;
	int port;

	*query = NULL;
	if (uri == NULL || g_uri_get_host(uri) == NULL)
		return g_strdup(url);
	scheme = g_ascii_strdown(g_uri_get_scheme(uri), -1);
	host = g_ascii_strdown(g_uri_get_host(uri), -1);
	port = g_uri_get_port(uri);
	base = g_string_new(scheme);
	g_string_append(base, "://");
	if (strchr(host, ':') != NULL)
		g_string_append_printf(base, "[%s]", host);
	else
		g_string_append(base, host);
	if (port > 0 && !(port == 80 && g_str_equal(scheme, "http")) &&
	    !(port == 443 && g_str_equal(scheme, "https")))
		g_string_append_printf(base, ":%d", port);
	g_string_append(
	    base, g_uri_get_path(uri)[0] != '\0' ? g_uri_get_path(uri) : "/");
	*query = g_strdup(g_uri_get_query(uri));
	return g_string_free(base, FALSE);
}

char *
tw_oauth1_base_string(const char *method, const char *url,
		      const char *form_body, const char *const *oauth_params)
{
	g_autoptr(GPtrArray) params =
	    g_ptr_array_new_with_free_func(param_free);
	g_autofree char *query = NULL;
	g_autofree char *base = base_url(url, &query);
	g_autofree char *upper_method = g_ascii_strup(method, -1);
	g_autofree char *encoded_base = tw_oauth_percent_encode(base);
	g_autofree char *encoded_params = NULL;
	GString *normalized = g_string_new(NULL);
	char *result;

	if (query != NULL)
		add_form_params(params, query);
	if (form_body != NULL)
		add_form_params(params, form_body);
	for (guint i = 0; oauth_params != NULL && oauth_params[i] != NULL &&
			  oauth_params[i + 1] != NULL;
	     i += 2)
		add_param(params, oauth_params[i], oauth_params[i + 1]);
	g_ptr_array_sort(params, compare_params);
	for (guint i = 0; i < params->len; i++) {
		const Param *param = params->pdata[i];

		g_string_append_printf(normalized, "%s%s=%s", i > 0 ? "&" : "",
				       param->name, param->value);
	}
	encoded_params = tw_oauth_percent_encode(normalized->str);
	memset(normalized->str, 0, normalized->len);
	g_string_free(normalized, TRUE);
	result = g_strconcat(upper_method, "&", encoded_base, "&",
			     encoded_params, NULL);
	memset(encoded_params, 0, strlen(encoded_params));
	return result;
}

char *
tw_oauth1_sign(const char *base_string, const char *consumer_secret,
	       const char *token_secret)
{
	g_autofree char *encoded_consumer =
	    tw_oauth_percent_encode(consumer_secret);
	g_autofree char *encoded_token =
	    tw_oauth_percent_encode(token_secret != NULL ? token_secret : "");
	char *key = g_strconcat(encoded_consumer, "&", encoded_token, NULL);
	GHmac *hmac =
	    g_hmac_new(G_CHECKSUM_SHA1, (const guchar *)key, strlen(key));
	guint8 digest[20];
	gsize length = sizeof(digest);

	g_hmac_update(hmac, (const guchar *)base_string,
		      (gssize)strlen(base_string));
	g_hmac_get_digest(hmac, digest, &length);
	g_hmac_unref(hmac);
	memset(key, 0, strlen(key));
	memset(encoded_consumer, 0, strlen(encoded_consumer));
	memset(encoded_token, 0, strlen(encoded_token));
	g_free(key);
	return g_base64_encode(digest, length);
}

char *
tw_oauth1_authorization(const TwOAuth1Keys *keys, const char *method,
			const char *url, const char *form_body,
			const char *const *extra_params, const char *nonce,
			gint64 timestamp)
{
	g_autoptr(GPtrArray) protocol = g_ptr_array_new();
	g_autoptr(GPtrArray) header =
	    g_ptr_array_new_with_free_func(param_free);
	g_autofree char *own_nonce = NULL;
	g_autofree char *timestamp_text = NULL;
	g_autofree char *base_string = NULL;
	char *signature;
	GString *value = g_string_new("OAuth ");

	if (nonce == NULL)
		nonce = own_nonce = tw_oauth_random_string(NONCE_BYTES);
	timestamp_text = g_strdup_printf(
	    "%" G_GINT64_FORMAT,
	    timestamp > 0 ? timestamp : g_get_real_time() / G_USEC_PER_SEC);
	g_ptr_array_add(protocol, "oauth_consumer_key");
	g_ptr_array_add(protocol, (gpointer)keys->consumer_key);
	g_ptr_array_add(protocol, "oauth_nonce");
	g_ptr_array_add(protocol, (gpointer)nonce);
	g_ptr_array_add(protocol, "oauth_signature_method");
	g_ptr_array_add(protocol, "HMAC-SHA1");
	g_ptr_array_add(protocol, "oauth_timestamp");
	g_ptr_array_add(protocol, timestamp_text);
	if (keys->token != NULL && keys->token[0] != '\0') {
		g_ptr_array_add(protocol, "oauth_token");
		g_ptr_array_add(protocol, (gpointer)keys->token);
	}
	g_ptr_array_add(protocol, "oauth_version");
	g_ptr_array_add(protocol, "1.0");
	for (guint i = 0; extra_params != NULL && extra_params[i] != NULL &&
			  extra_params[i + 1] != NULL;
	     i += 2) {
		g_ptr_array_add(protocol, (gpointer)extra_params[i]);
		g_ptr_array_add(protocol, (gpointer)extra_params[i + 1]);
	}
	g_ptr_array_add(protocol, NULL);

	base_string = tw_oauth1_base_string(
	    method, url, form_body, (const char *const *)protocol->pdata);
	signature = tw_oauth1_sign(base_string, keys->consumer_secret,
				   keys->token_secret);
	for (guint i = 0; i + 1 < protocol->len; i += 2)
		add_param(header, protocol->pdata[i], protocol->pdata[i + 1]);
	add_param(header, "oauth_signature", signature);
	g_free(signature);
	g_ptr_array_sort(header, compare_params);
	for (guint i = 0; i < header->len; i++) {
		const Param *param = header->pdata[i];

		g_string_append_printf(value, "%s%s=\"%s\"", i > 0 ? ", " : "",
				       param->name, param->value);
	}
	return g_string_free(value, FALSE);
}
