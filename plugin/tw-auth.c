/*
 * tw-auth: pure helpers for OAuth requests.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "tw-auth.h"

#include <string.h>

static char *
form_escape(const char *text)
{
	return g_uri_escape_string(text, NULL, FALSE);
}

char *
tw_auth_form_encode(const char *first_name, ...)
{
	GString *form = g_string_new(NULL);
	const char *name = first_name;
	va_list args;

	va_start(args, first_name);
	while (name != NULL) {
		const char *value = va_arg(args, const char *);

		if (value != NULL) {
			g_autofree char *escaped_name = form_escape(name);
			g_autofree char *escaped_value = form_escape(value);

			if (form->len > 0)
				g_string_append_c(form, '&');
			g_string_append_printf(form, "%s=%s", escaped_name,
					       escaped_value);
			/* The escaped copy may hold a secret too. */
			memset(escaped_value, 0, strlen(escaped_value));
		}
		name = va_arg(args, const char *);
	}
	va_end(args);
	return g_string_free(form, FALSE);
}

char *
tw_auth_basic_header(const char *client_id, const char *client_secret)
{
	g_autofree char *id = form_escape(client_id);
	char *secret = form_escape(client_secret);
	char *pair = g_strconcat(id, ":", secret, NULL);
	char *encoded = g_base64_encode((const guchar *)pair, strlen(pair));
	char *header = g_strconcat("Basic ", encoded, NULL);

	tw_auth_wipe_string(secret);
	tw_auth_wipe_string(pair);
	tw_auth_wipe_string(encoded);
	return header;
}

char *
tw_auth_token_fingerprint(const char *token)
{
	return g_compute_checksum_for_string(G_CHECKSUM_SHA256, token, -1);
}

void
tw_auth_wipe_string(char *secret)
{
	if (secret == NULL)
		return;
	memset(secret, 0, strlen(secret));
	g_free(secret);
}
