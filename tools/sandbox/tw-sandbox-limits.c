/*
 * tw-sandbox-limits: who is asking and how much they may ask.
 *
 * Bearer and OAuth 1.0a authentication of API calls, and the per-user
 * rate-limit buckets (window and day) with their x-rate-limit-* headers.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "config.h"

#include "tw-sandbox-private.h"

typedef struct {
	gint64 window_start;
	guint window_count;
	gint64 day_start;
	guint day_count;
} Bucket;

static const char *
token_user_locked(TwSandbox *sandbox, const char *text, TokenKind kind)
{
	const Token *token =
	    text ? g_hash_table_lookup(sandbox->tokens, text) : NULL;

	if (!token || token->kind != kind || token->revoked)
		return NULL;
	if (token->expires_at && token->expires_at <= g_get_real_time())
		return NULL;
	return token->user_id;
}

const char *
tw_sandbox_authenticate_locked(Request *request)
{
	SoupMessageHeaders *headers =
	    soup_server_message_get_request_headers(request->msg);
	const char *authorization =
	    soup_message_headers_get_one(headers, "Authorization");
	const char *user_id;
	Token *token = NULL;

	if (authorization &&
	    g_ascii_strncasecmp(authorization, "OAuth ", 6) == 0) {
		if (!tw_sandbox_verify_oauth1_locked(
			request, TOKEN_OAUTH1_ACCESS, &token, NULL))
			return NULL;
		return tw_sandbox_find_user_locked(request->sandbox,
						   token->user_id)
			   ? token->user_id
			   : NULL;
	}
	if (!authorization ||
	    g_ascii_strncasecmp(authorization, "Bearer ", 7) != 0)
		return NULL;
	user_id = token_user_locked(request->sandbox, authorization + 7,
				    TOKEN_ACCESS);
	return tw_sandbox_find_user_locked(request->sandbox, user_id) ? user_id
								      : NULL;
}

gboolean
tw_sandbox_request_has_scope_locked(Request *request, const char *scope)
{
	SoupMessageHeaders *headers =
	    soup_server_message_get_request_headers(request->msg);
	const char *authorization =
	    soup_message_headers_get_one(headers, "Authorization");
	const Token *token;
	g_auto(GStrv) scopes = NULL;

	if (authorization == NULL ||
	    g_ascii_strncasecmp(authorization, "Bearer ", 7) != 0)
		return TRUE;
	token =
	    g_hash_table_lookup(request->sandbox->tokens, authorization + 7);
	if (token == NULL || token->scope == NULL)
		return FALSE;
	scopes = g_strsplit(token->scope, " ", -1);
	return g_strv_contains((const char *const *)scopes, scope);
}

static guint
family_limit(TwSandbox *sandbox, RateFamily family)
{
	switch (family) {
	case RATE_ME:
		return sandbox->config.me_limit;
	case RATE_USERS:
		return sandbox->config.users_limit;
	case RATE_DM_READ:
		return sandbox->config.dm_read_limit;
	case RATE_DM_SEND:
		return sandbox->config.dm_send_limit;
	case RATE_MEDIA_UPLOAD:
		return sandbox->config.media_upload_limit;
	case RATE_MEDIA_CHUNKED:
		return sandbox->config.media_chunked_limit;
	case RATE_NONE:
		break;
	}
	return G_MAXUINT;
}

static gint64
ceil_seconds(gint64 time_us)
{
	return (time_us + G_USEC_PER_SEC - 1) / G_USEC_PER_SEC;
}

void
tw_sandbox_set_header_uint(SoupMessageHeaders *headers, const char *name,
			   gint64 value)
{
	char text[32];

	g_snprintf(text, sizeof text, "%" G_GINT64_FORMAT, value);
	soup_message_headers_replace(headers, name, text);
}

gboolean
tw_sandbox_consume_rate_limit_locked(Request *request, RateFamily family)
{
	TwSandbox *sandbox = request->sandbox;
	SoupMessageHeaders *headers =
	    soup_server_message_get_response_headers(request->msg);
	gint64 now = g_get_real_time();
	gint64 window =
	    (gint64)sandbox->config.rate_window_seconds * G_USEC_PER_SEC;
	gint64 day = (gint64)DAY_SECONDS * G_USEC_PER_SEC;
	guint limit = family_limit(sandbox, family);
	guint daily_limit = sandbox->config.dm_send_daily_limit;
	g_autofree char *key =
	    g_strdup_printf("%s/%d", request->user_id, (int)family);
	Bucket *bucket = g_hash_table_lookup(sandbox->buckets, key);
	gboolean limited;
	gboolean daily = family == RATE_DM_SEND;

	if (!bucket) {
		bucket = g_new0(Bucket, 1);
		bucket->window_start = now;
		bucket->day_start = now;
		g_hash_table_insert(sandbox->buckets, g_steal_pointer(&key),
				    bucket);
	}
	if (now >= bucket->window_start + window) {
		bucket->window_start = now;
		bucket->window_count = 0;
	}
	if (now >= bucket->day_start + day) {
		bucket->day_start = now;
		bucket->day_count = 0;
	}
	limited = bucket->window_count >= limit ||
		  (daily && bucket->day_count >= daily_limit);
	if (!limited) {
		bucket->window_count++;
		bucket->day_count++;
	}

	tw_sandbox_set_header_uint(headers, "x-rate-limit-limit", limit);
	tw_sandbox_set_header_uint(headers, "x-rate-limit-remaining",
				   limit - MIN(bucket->window_count, limit));
	tw_sandbox_set_header_uint(headers, "x-rate-limit-reset",
				   ceil_seconds(bucket->window_start + window));
	if (daily) {
		tw_sandbox_set_header_uint(headers, "x-user-limit-24hour-limit",
					   daily_limit);
		tw_sandbox_set_header_uint(
		    headers, "x-user-limit-24hour-remaining",
		    daily_limit - MIN(bucket->day_count, daily_limit));
		tw_sandbox_set_header_uint(
		    headers, "x-user-limit-24hour-reset",
		    ceil_seconds(bucket->day_start + day));
	}
	if (limited) {
		sandbox->counters.rate_limited++;
		tw_sandbox_respond_too_many_requests(request->msg);
	}
	return !limited;
}
