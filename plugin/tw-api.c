/*
 * tw-api: the X API v2 endpoints this plugin uses.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "config.h"

#include "tw-api.h"

#include <glib/gi18n-lib.h>
#include <json-glib/json-glib.h>
#include <string.h>

#include "tw-auth.h"
#include "tw-json.h"
#include "tw-media.h"
#include "tw-oauth.h"

G_DEFINE_QUARK(tw - api - error - quark, tw_api_error)

#define DM_EVENT_FIELDS                                                        \
	"id,event_type,text,sender_id,dm_conversation_id,created_at,"          \
	"attachments,participant_ids,referenced_tweets,entities"
#define DM_EXPANSIONS "sender_id,participant_ids,attachments.media_keys"
#define MEDIA_FIELDS                                                           \
	"type,url,preview_image_url,variants,duration_ms,width,height,alt_text"

typedef enum {
	PARSE_NOTHING,
	PARSE_PAGE,
	PARSE_USER,
	PARSE_USERS,
	PARSE_TOKEN,
	PARSE_SENT,
	PARSE_FORM,
	PARSE_BYTES,
	PARSE_UPLOAD,
} TwApiParse;

struct _TwApi {
	TwHttp *http;
	char *base_url;
	char *access_token;
	/* counts tw_api_set_access_token() calls: which token a call used */
	guint access_token_generation;
	/* OAuth 1.0a: set, these sign every call instead of the bearer */
	char *consumer_key;
	char *consumer_secret;
	char *oauth1_token;
	char *oauth1_token_secret;
	/* call id -> TwApiCall, for cancelling everything on free */
	GHashTable *calls;
};

typedef struct {
	TwApi *api;
	guint64 id;
	TwApiParse parse;
	gboolean token_endpoint;
	guint access_token_generation;
	TwApiFunc func;
	gpointer user_data;
	GDestroyNotify destroy;
} TwApiCall;

/****************************************************************************
 * Helpers
 ****************************************************************************/

static gboolean
parse_header_integer(const char *text, gint64 *value)
{
	guint64 parsed;

	if (text == NULL || !g_ascii_isdigit(text[0]))
		return FALSE;
	if (!g_ascii_string_to_unsigned(text, 10, 0, G_MAXINT64, &parsed, NULL))
		return FALSE;
	*value = (gint64)parsed;
	return TRUE;
}

gboolean
tw_rate_limit_parse(TwRateLimit *limit, const char *limit_header,
		    const char *remaining_header, const char *reset_header)
{
	memset(limit, 0, sizeof(*limit));
	limit->known =
	    parse_header_integer(limit_header, &limit->limit) &&
	    parse_header_integer(remaining_header, &limit->remaining) &&
	    parse_header_integer(reset_header, &limit->reset);
	if (!limit->known) {
		limit->limit = limit->remaining = limit->reset = 0;
	}
	return limit->known;
}

static void
rate_limit_from_response(TwRateLimit *limit, const TwHttpResponse *response)
{
	tw_rate_limit_parse(
	    limit, tw_http_response_get_header(response, "x-rate-limit-limit"),
	    tw_http_response_get_header(response, "x-rate-limit-remaining"),
	    tw_http_response_get_header(response, "x-rate-limit-reset"));
	limit->daily_known =
	    parse_header_integer(tw_http_response_get_header(
				     response, "x-user-limit-24hour-remaining"),
				 &limit->daily_remaining) &&
	    parse_header_integer(tw_http_response_get_header(
				     response, "x-user-limit-24hour-reset"),
				 &limit->daily_reset);
	limit->date =
	    tw_http_parse_date(tw_http_response_get_header(response, "date"));
}

gboolean
tw_api_username_is_valid(const char *username)
{
	gsize length;

	if (username == NULL)
		return FALSE;
	length = strlen(username);
	if (length < 1 || length > 15)
		return FALSE;
	for (const char *p = username; *p != '\0'; p++) {
		if (!g_ascii_isalnum(*p) && *p != '_')
			return FALSE;
	}
	return TRUE;
}

char *
tw_api_dup_compose_link(const char *recipient_id, const char *text)
{
	GString *link =
	    g_string_new("https://x.com/messages/compose?recipient_id=");

	g_string_append_uri_escaped(link, recipient_id, NULL, FALSE);
	if (text != NULL && *text != '\0') {
		g_string_append(link, "&text=");
		g_string_append_uri_escaped(link, text, NULL, FALSE);
	}
	return g_string_free(link, FALSE);
}

static char *
query_escape(const char *text)
{
	/* Commas separate list values; the API reads them either way. */
	return g_uri_escape_string(text, ",", FALSE);
}

static char *
build_url_va(TwApi *api, const char *path, const char *first_name, va_list args)
{
	GString *url = g_string_new(api->base_url);
	const char *name = first_name;
	gboolean first = TRUE;

	g_string_append(url, path);
	while (name != NULL) {
		const char *value = va_arg(args, const char *);

		if (value != NULL) {
			g_autofree char *escaped = query_escape(value);

			g_string_append_c(url, first ? '?' : '&');
			g_string_append_printf(url, "%s=%s", name, escaped);
			first = FALSE;
		}
		name = va_arg(args, const char *);
	}
	return g_string_free(url, FALSE);
}

char *
tw_api_build_url(TwApi *api, const char *path, const char *first_name, ...)
{
	va_list args;
	char *url;

	va_start(args, first_name);
	url = build_url_va(api, path, first_name, args);
	va_end(args);
	return url;
}

static char *
path_escape(const char *segment)
{
	return g_uri_escape_string(segment, NULL, FALSE);
}

GError *
tw_api_error_from_status(guint status, const TwProblem *problem)
{
	TwApiError code;

	switch (status) {
	case 400:
		code = TW_API_ERROR_INVALID_REQUEST;
		break;
	case 401:
		code = TW_API_ERROR_UNAUTHORIZED;
		break;
	case 402:
		code = TW_API_ERROR_CREDITS_DEPLETED;
		break;
	case 403:
		code = TW_API_ERROR_FORBIDDEN;
		break;
	case 404:
		code = TW_API_ERROR_NOT_FOUND;
		break;
	case 429:
		if (tw_problem_has_type(problem, "usage-capped") ||
		    g_strcmp0(problem->title, "UsageCapExceeded") == 0)
			code = TW_API_ERROR_USAGE_CAPPED;
		else
			code = TW_API_ERROR_RATE_LIMITED;
		break;
	default:
		if (status >= 500 && status <= 599)
			code = TW_API_ERROR_SERVER;
		else
			code = TW_API_ERROR_UNEXPECTED_STATUS;
		break;
	}
	return g_error_new_literal(TW_API_ERROR, code, problem->detail);
}

static void
reply_clear(TwApiReply *reply)
{
	g_clear_error(&reply->error);
	g_clear_pointer(&reply->problem, tw_problem_free);
	g_clear_pointer(&reply->page, tw_dm_page_free);
	g_clear_pointer(&reply->user, tw_user_free);
	g_clear_pointer(&reply->users, g_ptr_array_unref);
	g_clear_pointer(&reply->token, tw_token_free);
	g_clear_pointer(&reply->sent, tw_send_result_free);
	g_clear_pointer(&reply->form, g_hash_table_unref);
	g_clear_pointer(&reply->body, g_bytes_unref);
	g_clear_pointer(&reply->upload, tw_upload_result_free);
	g_clear_pointer(&reply->content_type, g_free);
}

/****************************************************************************
 * Calls
 ****************************************************************************/

static void
call_free(gpointer data)
{
	TwApiCall *call = data;

	if (call->api != NULL)
		g_hash_table_remove(call->api->calls, &call->id);
	if (call->destroy != NULL)
		call->destroy(call->user_data);
	g_free(call);
}

static void
parse_body(TwApiCall *call, const char *body, gsize length, TwApiReply *reply)
{
	GError *error = NULL;

	switch (call->parse) {
	case PARSE_NOTHING:
		break;
	case PARSE_BYTES:
		reply->body = g_bytes_new(body, length);
		break;
	case PARSE_UPLOAD:
		reply->upload =
		    tw_json_parse_upload_result(body, length, &error);
		break;
	case PARSE_PAGE:
		reply->page = tw_json_parse_dm_page(body, length, &error);
		if (reply->page != NULL)
			tw_media_attach_page(reply->page);
		break;
	case PARSE_USER:
		reply->user = tw_json_parse_user(body, length, &error);
		break;
	case PARSE_USERS:
		reply->users = tw_json_parse_users(body, length, &error);
		break;
	case PARSE_TOKEN:
		reply->token = tw_json_parse_token(body, length, &error);
		break;
	case PARSE_SENT:
		reply->sent = tw_json_parse_send_result(body, length, &error);
		break;
	case PARSE_FORM:
		reply->form = tw_oauth_parse_form(body);
		if (!g_hash_table_contains(reply->form, "oauth_token") ||
		    !g_hash_table_contains(reply->form, "oauth_token_secret"))
			g_set_error_literal(
			    &error, TW_JSON_ERROR, TW_JSON_ERROR_SHAPE,
			    _("The answer has no oauth_token and "
			      "oauth_token_secret"));
		break;
	}
	if (error == NULL)
		return;
	/* A lookup that found nobody comes as a 200 with only "errors". */
	if (call->parse == PARSE_USER &&
	    g_error_matches(error, TW_JSON_ERROR, TW_JSON_ERROR_SHAPE) &&
	    strstr(body, "\"errors\"") != NULL) {
		reply->error = g_error_new_literal(
		    TW_API_ERROR, TW_API_ERROR_NOT_FOUND, error->message);
	} else {
		reply->error =
		    g_error_new(TW_API_ERROR, TW_API_ERROR_BAD_RESPONSE,
				_("Unreadable response from %s: %s"),
				call->api->base_url, error->message);
	}
	g_error_free(error);
}

/* The OAuth 1.0a endpoints answer some errors in plain text, e.g. "Error
 * processing your OAuth request: Invalid oauth_verifier parameter". */
static void
take_plain_text_detail(TwProblem *problem, const char *body, gsize length)
{
	if (problem->type != NULL || problem->title != NULL || length == 0 ||
	    length > 300 || body[0] == '{' || body[0] == '<' ||
	    !g_utf8_validate(body, (gssize)length, NULL))
		return;
	g_free(problem->detail);
	problem->detail = g_strstrip(g_strndup(body, length));
}

static void
call_done(TwHttpResponse *response, const GError *error, gpointer data)
{
	TwApiCall *call = data;
	TwApiReply reply = {0};

	reply.access_token_generation = call->access_token_generation;
	if (error != NULL) {
		reply.error = g_error_copy(error);
	} else {
		gsize length;
		const char *body = tw_http_response_get_body(response, &length);
		gint64 retry_after = 0;

		reply.status = tw_http_response_get_status(response);
		rate_limit_from_response(&reply.rate_limit, response);
		if (parse_header_integer(
			tw_http_response_get_header(response, "retry-after"),
			&retry_after))
			reply.retry_after = retry_after;
		if (reply.status >= 200 && reply.status < 300) {
			if (call->parse == PARSE_BYTES)
				reply.content_type =
				    g_strdup(tw_http_response_get_header(
					response, "content-type"));
			parse_body(call, body, length, &reply);
		} else {
			reply.problem =
			    tw_json_parse_problem(reply.status, body, length);
			if (call->parse == PARSE_FORM)
				take_plain_text_detail(reply.problem, body,
						       length);
			if (call->token_endpoint &&
			    (reply.status == 400 || reply.status == 401))
				reply.error = g_error_new_literal(
				    TW_API_ERROR, TW_API_ERROR_TOKEN_REFUSED,
				    reply.problem->detail);
			else
				reply.error = tw_api_error_from_status(
				    reply.status, reply.problem);
		}
	}
	if (reply.error != NULL)
		g_debug("API call %" G_GUINT64_FORMAT " failed: %s", call->id,
			reply.error->message);
	call->func(&reply, call->user_data);
	reply_clear(&reply);
}

static guint64
call_start(TwApi *api, TwHttpRequest *request, TwApiParse parse,
	   gboolean token_endpoint, TwApiFunc func, gpointer user_data,
	   GDestroyNotify destroy)
{
	TwApiCall *call = g_new0(TwApiCall, 1);

	call->api = api;
	call->parse = parse;
	call->token_endpoint = token_endpoint;
	call->access_token_generation = api->access_token_generation;
	call->func = func;
	call->user_data = user_data;
	call->destroy = destroy;
	if (!token_endpoint && api->consumer_key != NULL) {
		/* Resource calls carry query parameters and JSON bodies only,
		 * and a JSON body is never part of the signature. */
		TwOAuth1Keys keys = {api->consumer_key, api->consumer_secret,
				     api->oauth1_token,
				     api->oauth1_token_secret};
		char *authorization = tw_oauth1_authorization(
		    &keys, tw_http_request_get_method(request),
		    tw_http_request_get_url(request), NULL, NULL, NULL, 0);

		tw_http_request_add_header(request, "Authorization",
					   authorization);
		tw_auth_wipe_string(authorization);
	} else if (!token_endpoint && api->access_token != NULL) {
		g_autofree char *bearer =
		    g_strconcat("Bearer ", api->access_token, NULL);

		tw_http_request_add_header(request, "Authorization", bearer);
		memset(bearer, 0, strlen(bearer));
	}
	tw_http_request_add_header(request, "Accept",
				   parse == PARSE_BYTES ? "*/*"
							: "application/json");
	if (token_endpoint)
		/* A token grant works once: never sent twice by libcurl, and
		 * a slow answer is waited for, since X may already have
		 * rotated the token. */
		tw_http_request_set_unrepeatable(
		    request, TW_API_TOKEN_CONNECT_TIMEOUT, TW_API_TOKEN_TIMEOUT,
		    TW_API_TOKEN_STALL_TIMEOUT);
	call->id = tw_http_send(api->http, request, call_done, call, call_free);
	g_hash_table_insert(api->calls, &call->id, call);
	return call->id;
}

/****************************************************************************
 * Public
 ****************************************************************************/

TwApi *
tw_api_new(TwHttp *http, const char *base_url, GError **error)
{
	TwApi *api;
	g_autofree char *trimmed = g_strdup(base_url);
	gsize length = strlen(trimmed);

	while (length > 0 && trimmed[length - 1] == '/')
		trimmed[--length] = '\0';
	if (!tw_http_url_is_allowed(trimmed, error))
		return NULL;
	api = g_new0(TwApi, 1);
	api->http = http;
	api->base_url = g_steal_pointer(&trimmed);
	api->calls = g_hash_table_new(g_int64_hash, g_int64_equal);
	return api;
}

void
tw_api_free(TwApi *api)
{
	g_autofree guint64 *ids = NULL;
	guint count = 0;
	GHashTableIter iter;
	gpointer value;

	if (api == NULL)
		return;
	ids = g_new(guint64, g_hash_table_size(api->calls) + 1);
	g_hash_table_iter_init(&iter, api->calls);
	while (g_hash_table_iter_next(&iter, NULL, &value))
		ids[count++] = ((TwApiCall *)value)->id;
	for (guint i = 0; i < count; i++)
		tw_http_cancel(api->http, ids[i]);
	g_hash_table_destroy(api->calls);
	tw_auth_wipe_string(api->access_token);
	g_free(api->consumer_key);
	tw_auth_wipe_string(api->consumer_secret);
	tw_auth_wipe_string(api->oauth1_token);
	tw_auth_wipe_string(api->oauth1_token_secret);
	g_free(api->base_url);
	g_free(api);
}

const char *
tw_api_get_base_url(TwApi *api)
{
	return api->base_url;
}

void
tw_api_set_access_token(TwApi *api, const char *access_token)
{
	tw_auth_wipe_string(api->access_token);
	api->access_token = g_strdup(access_token);
	api->access_token_generation++;
}

guint
tw_api_get_access_token_generation(TwApi *api)
{
	return api->access_token_generation;
}

void
tw_api_cancel(TwApi *api, guint64 call_id)
{
	tw_http_cancel(api->http, call_id);
}

guint64
tw_api_refresh_token(TwApi *api, const char *client_id,
		     const char *client_secret, const char *refresh_token,
		     TwApiFunc func, gpointer user_data, GDestroyNotify destroy)
{
	g_autofree char *url =
	    g_strconcat(api->base_url, "/2/oauth2/token", NULL);
	TwHttpRequest *request = tw_http_request_new("POST", url);
	char *form =
	    tw_auth_form_encode("grant_type", "refresh_token", "refresh_token",
				refresh_token, "client_id", client_id, NULL);

	if (client_secret != NULL && client_secret[0] != '\0') {
		char *basic = tw_auth_basic_header(client_id, client_secret);

		tw_http_request_add_header(request, "Authorization", basic);
		tw_auth_wipe_string(basic);
	}
	tw_http_request_set_body(request, "application/x-www-form-urlencoded",
				 form, -1, TRUE);
	tw_auth_wipe_string(form);
	return call_start(api, request, PARSE_TOKEN, TRUE, func, user_data,
			  destroy);
}

guint64
tw_api_get_me(TwApi *api, TwApiFunc func, gpointer user_data,
	      GDestroyNotify destroy)
{
	g_autofree char *url = tw_api_build_url(
	    api, "/2/users/me", "user.fields", TW_API_USER_FIELDS, NULL);

	return call_start(api, tw_http_request_new("GET", url), PARSE_USER,
			  FALSE, func, user_data, destroy);
}

guint64
tw_api_get_user_by_username(TwApi *api, const char *username, TwApiFunc func,
			    gpointer user_data, GDestroyNotify destroy)
{
	g_autofree char *escaped = path_escape(username);
	g_autofree char *path =
	    g_strconcat("/2/users/by/username/", escaped, NULL);
	g_autofree char *url = tw_api_build_url(api, path, "user.fields",
						TW_API_USER_FIELDS, NULL);

	return call_start(api, tw_http_request_new("GET", url), PARSE_USER,
			  FALSE, func, user_data, destroy);
}

guint64
tw_api_get_users(TwApi *api, const char *const *ids, TwApiFunc func,
		 gpointer user_data, GDestroyNotify destroy)
{
	g_autofree char *joined = g_strjoinv(",", (char **)ids);
	g_autofree char *url =
	    tw_api_build_url(api, "/2/users", "ids", joined, "user.fields",
			     TW_API_USER_FIELDS, NULL);

	return call_start(api, tw_http_request_new("GET", url), PARSE_USERS,
			  FALSE, func, user_data, destroy);
}

guint64
tw_api_list_dm_events(TwApi *api, guint max_results,
		      const char *pagination_token, TwApiFunc func,
		      gpointer user_data, GDestroyNotify destroy)
{
	char count[16];
	g_autofree char *url = NULL;

	g_snprintf(count, sizeof(count), "%u", CLAMP(max_results, 1, 100));
	url = tw_api_build_url(api, "/2/dm_events", "max_results", count,
			       "pagination_token", pagination_token,
			       "dm_event.fields", DM_EVENT_FIELDS, "expansions",
			       DM_EXPANSIONS, "user.fields", TW_API_USER_FIELDS,
			       "media.fields", MEDIA_FIELDS, NULL);
	return call_start(api, tw_http_request_new("GET", url), PARSE_PAGE,
			  FALSE, func, user_data, destroy);
}

guint64
tw_api_download_dm_media(TwApi *api, const char *dm_id, const char *media_id,
			 const char *resource_id, TwApiFunc func,
			 gpointer user_data, GDestroyNotify destroy)
{
	g_autofree char *dm = path_escape(dm_id);
	g_autofree char *media = path_escape(media_id);
	g_autofree char *resource = path_escape(resource_id);
	g_autofree char *path = g_strconcat("/2/dm_conversations/media/", dm,
					    "/", media, "/", resource, NULL);
	g_autofree char *url = tw_api_build_url(api, path, NULL);

	return call_start(api, tw_http_request_new("GET", url), PARSE_BYTES,
			  FALSE, func, user_data, destroy);
}

guint64
tw_api_list_conversation_events(TwApi *api, const char *participant_id,
				guint max_results, const char *pagination_token,
				TwApiFunc func, gpointer user_data,
				GDestroyNotify destroy)
{
	char count[16];
	g_autofree char *escaped = path_escape(participant_id);
	g_autofree char *path = g_strconcat("/2/dm_conversations/with/",
					    escaped, "/dm_events", NULL);
	g_autofree char *url = NULL;

	g_snprintf(count, sizeof(count), "%u", CLAMP(max_results, 1, 100));
	url = tw_api_build_url(api, path, "max_results", count,
			       "pagination_token", pagination_token,
			       "dm_event.fields", DM_EVENT_FIELDS, "expansions",
			       DM_EXPANSIONS, "user.fields", TW_API_USER_FIELDS,
			       "media.fields", MEDIA_FIELDS, NULL);
	return call_start(api, tw_http_request_new("GET", url), PARSE_PAGE,
			  FALSE, func, user_data, destroy);
}

guint64
tw_api_list_group_events(TwApi *api, const char *conversation_id,
			 guint max_results, const char *pagination_token,
			 TwApiFunc func, gpointer user_data,
			 GDestroyNotify destroy)
{
	char count[16];
	g_autofree char *escaped = path_escape(conversation_id);
	g_autofree char *path =
	    g_strconcat("/2/dm_conversations/", escaped, "/dm_events", NULL);
	g_autofree char *url = NULL;

	g_snprintf(count, sizeof(count), "%u", CLAMP(max_results, 1, 100));
	url = tw_api_build_url(api, path, "max_results", count,
			       "pagination_token", pagination_token,
			       "dm_event.fields", DM_EVENT_FIELDS, "expansions",
			       DM_EXPANSIONS, "user.fields", TW_API_USER_FIELDS,
			       "media.fields", MEDIA_FIELDS, NULL);
	return call_start(api, tw_http_request_new("GET", url), PARSE_PAGE,
			  FALSE, func, user_data, destroy);
}

static guint64
send_message(TwApi *api, const char *path, const char *text,
	     const char *media_id, TwApiFunc func, gpointer user_data,
	     GDestroyNotify destroy)
{
	g_autofree char *url = g_strconcat(api->base_url, path, NULL);
	g_autofree char *body =
	    media_id != NULL ? tw_json_build_media_message_body(text, media_id)
			     : tw_json_build_message_body(text);
	TwHttpRequest *request = tw_http_request_new("POST", url);

	tw_http_request_set_body(request, "application/json", body, -1, FALSE);
	return call_start(api, request, PARSE_SENT, FALSE, func, user_data,
			  destroy);
}

guint64
tw_api_upload_media(TwApi *api, GBytes *data, const char *media_category,
		    TwApiFunc func, gpointer user_data, GDestroyNotify destroy)
{
	g_autofree char *url = tw_api_build_url(api, "/2/media/upload", NULL);
	g_autofree char *body = tw_json_build_upload_body(data, media_category);
	TwHttpRequest *request = tw_http_request_new("POST", url);

	tw_http_request_set_body(request, "application/json", body, -1, FALSE);
	return call_start(api, request, PARSE_UPLOAD, FALSE, func, user_data,
			  destroy);
}

guint64
tw_api_upload_initialize(TwApi *api, guint64 total_bytes,
			 const char *media_type, const char *media_category,
			 TwApiFunc func, gpointer user_data,
			 GDestroyNotify destroy)
{
	g_autofree char *url =
	    tw_api_build_url(api, "/2/media/upload/initialize", NULL);
	g_autofree char *body = tw_json_build_upload_initialize_body(
	    total_bytes, media_type, media_category);
	TwHttpRequest *request = tw_http_request_new("POST", url);

	tw_http_request_set_body(request, "application/json", body, -1, FALSE);
	return call_start(api, request, PARSE_UPLOAD, FALSE, func, user_data,
			  destroy);
}

/* POST /2/media/upload/:id/<step> */
static char *
upload_step_url(TwApi *api, const char *media_id, const char *step)
{
	g_autofree char *escaped = path_escape(media_id);
	g_autofree char *path =
	    g_strconcat("/2/media/upload/", escaped, "/", step, NULL);

	return tw_api_build_url(api, path, NULL);
}

guint64
tw_api_upload_append(TwApi *api, const char *media_id, guint segment_index,
		     GBytes *segment, TwApiFunc func, gpointer user_data,
		     GDestroyNotify destroy)
{
	g_autofree char *url = upload_step_url(api, media_id, "append");
	g_autofree char *body =
	    tw_json_build_upload_append_body(segment, segment_index);
	TwHttpRequest *request = tw_http_request_new("POST", url);

	tw_http_request_set_body(request, "application/json", body, -1, FALSE);
	return call_start(api, request, PARSE_NOTHING, FALSE, func, user_data,
			  destroy);
}

guint64
tw_api_upload_finalize(TwApi *api, const char *media_id, TwApiFunc func,
		       gpointer user_data, GDestroyNotify destroy)
{
	g_autofree char *url = upload_step_url(api, media_id, "finalize");

	return call_start(api, tw_http_request_new("POST", url), PARSE_UPLOAD,
			  FALSE, func, user_data, destroy);
}

guint64
tw_api_get_upload_status(TwApi *api, const char *media_id, TwApiFunc func,
			 gpointer user_data, GDestroyNotify destroy)
{
	g_autofree char *url =
	    tw_api_build_url(api, "/2/media/upload", "command", "STATUS",
			     "media_id", media_id, NULL);

	return call_start(api, tw_http_request_new("GET", url), PARSE_UPLOAD,
			  FALSE, func, user_data, destroy);
}

guint64
tw_api_send_dm_to_user(TwApi *api, const char *participant_id, const char *text,
		       const char *media_id, TwApiFunc func, gpointer user_data,
		       GDestroyNotify destroy)
{
	g_autofree char *escaped = path_escape(participant_id);
	g_autofree char *path = g_strconcat("/2/dm_conversations/with/",
					    escaped, "/messages", NULL);

	return send_message(api, path, text, media_id, func, user_data,
			    destroy);
}

guint64
tw_api_send_dm_to_conversation(TwApi *api, const char *conversation_id,
			       const char *text, const char *media_id,
			       TwApiFunc func, gpointer user_data,
			       GDestroyNotify destroy)
{
	g_autofree char *escaped = path_escape(conversation_id);
	g_autofree char *path =
	    g_strconcat("/2/dm_conversations/", escaped, "/messages", NULL);

	return send_message(api, path, text, media_id, func, user_data,
			    destroy);
}

guint64
tw_api_create_group(TwApi *api, const char *const *participant_ids,
		    const char *text, TwApiFunc func, gpointer user_data,
		    GDestroyNotify destroy)
{
	g_autofree char *url =
	    g_strconcat(api->base_url, "/2/dm_conversations", NULL);
	g_autoptr(JsonBuilder) builder = json_builder_new();
	g_autoptr(JsonGenerator) generator = json_generator_new();
	g_autoptr(JsonNode) root = NULL;
	g_autofree char *body = NULL;
	TwHttpRequest *request = tw_http_request_new("POST", url);

	json_builder_begin_object(builder);
	json_builder_set_member_name(builder, "conversation_type");
	json_builder_add_string_value(builder, "Group");
	json_builder_set_member_name(builder, "participant_ids");
	json_builder_begin_array(builder);
	for (guint i = 0; participant_ids[i] != NULL; i++)
		json_builder_add_string_value(builder, participant_ids[i]);
	json_builder_end_array(builder);
	json_builder_set_member_name(builder, "message");
	json_builder_begin_object(builder);
	json_builder_set_member_name(builder, "text");
	json_builder_add_string_value(builder, text);
	json_builder_end_object(builder);
	json_builder_end_object(builder);
	root = json_builder_get_root(builder);
	json_generator_set_root(generator, root);
	body = json_generator_to_data(generator, NULL);
	tw_http_request_set_body(request, "application/json", body, -1, FALSE);
	return call_start(api, request, PARSE_SENT, FALSE, func, user_data,
			  destroy);
}

guint64
tw_api_set_dm_block(TwApi *api, const char *user_id, gboolean blocked,
		    TwApiFunc func, gpointer user_data, GDestroyNotify destroy)
{
	g_autofree char *escaped = path_escape(user_id);
	g_autofree char *path = g_strconcat(
	    "/2/users/", escaped, blocked ? "/dm/block" : "/dm/unblock", NULL);
	g_autofree char *url = g_strconcat(api->base_url, path, NULL);

	return call_start(api, tw_http_request_new("POST", url), PARSE_NOTHING,
			  FALSE, func, user_data, destroy);
}

/****************************************************************************
 * Authorization
 ****************************************************************************/

void
tw_api_set_oauth1(TwApi *api, const char *consumer_key,
		  const char *consumer_secret, const char *access_token,
		  const char *access_token_secret)
{
	g_free(api->consumer_key);
	tw_auth_wipe_string(api->consumer_secret);
	tw_auth_wipe_string(api->oauth1_token);
	tw_auth_wipe_string(api->oauth1_token_secret);
	api->consumer_key = g_strdup(consumer_key);
	api->consumer_secret = g_strdup(consumer_secret);
	api->oauth1_token = g_strdup(access_token);
	api->oauth1_token_secret = g_strdup(access_token_secret);
}

/* A form POST to an OAuth 2.0 endpoint, with Basic auth for confidential
 * clients. Takes @form and wipes it. */
static guint64
oauth2_post(TwApi *api, const char *path, const char *client_id,
	    const char *client_secret, char *form, TwApiParse parse,
	    TwApiFunc func, gpointer user_data, GDestroyNotify destroy)
{
	g_autofree char *url = g_strconcat(api->base_url, path, NULL);
	TwHttpRequest *request = tw_http_request_new("POST", url);

	if (client_secret != NULL && client_secret[0] != '\0') {
		char *basic = tw_auth_basic_header(client_id, client_secret);

		tw_http_request_add_header(request, "Authorization", basic);
		tw_auth_wipe_string(basic);
	}
	tw_http_request_set_body(request, "application/x-www-form-urlencoded",
				 form, -1, TRUE);
	tw_auth_wipe_string(form);
	return call_start(api, request, parse, TRUE, func, user_data, destroy);
}

guint64
tw_api_exchange_code(TwApi *api, const char *client_id,
		     const char *client_secret, const char *code,
		     const char *redirect_uri, const char *code_verifier,
		     TwApiFunc func, gpointer user_data, GDestroyNotify destroy)
{
	char *form = tw_auth_form_encode(
	    "grant_type", "authorization_code", "code", code, "redirect_uri",
	    redirect_uri, "code_verifier", code_verifier, "client_id",
	    client_id, NULL);

	return oauth2_post(api, "/2/oauth2/token", client_id, client_secret,
			   form, PARSE_TOKEN, func, user_data, destroy);
}

guint64
tw_api_revoke_token(TwApi *api, const char *client_id,
		    const char *client_secret, const char *token,
		    const char *token_type_hint, TwApiFunc func,
		    gpointer user_data, GDestroyNotify destroy)
{
	char *form =
	    tw_auth_form_encode("token", token, "client_id", client_id,
				"token_type_hint", token_type_hint, NULL);

	return oauth2_post(api, "/2/oauth2/revoke", client_id, client_secret,
			   form, PARSE_NOTHING, func, user_data, destroy);
}

/* A POST to an OAuth 1.0a endpoint, signed with @keys and @extra. */
static guint64
oauth1_post(TwApi *api, const char *path, const TwOAuth1Keys *keys,
	    const char *const *extra, TwApiFunc func, gpointer user_data,
	    GDestroyNotify destroy)
{
	g_autofree char *url = g_strconcat(api->base_url, path, NULL);
	TwHttpRequest *request = tw_http_request_new("POST", url);
	char *authorization =
	    tw_oauth1_authorization(keys, "POST", url, NULL, extra, NULL, 0);

	tw_http_request_add_header(request, "Authorization", authorization);
	tw_auth_wipe_string(authorization);
	return call_start(api, request, PARSE_FORM, TRUE, func, user_data,
			  destroy);
}

guint64
tw_api_oauth1_request_token(TwApi *api, const char *consumer_key,
			    const char *consumer_secret, const char *callback,
			    TwApiFunc func, gpointer user_data,
			    GDestroyNotify destroy)
{
	const TwOAuth1Keys keys = {consumer_key, consumer_secret, NULL, NULL};
	const char *const extra[] = {"oauth_callback", callback, NULL};

	return oauth1_post(api, "/oauth/request_token", &keys, extra, func,
			   user_data, destroy);
}

guint64
tw_api_oauth1_access_token(TwApi *api, const char *consumer_key,
			   const char *consumer_secret,
			   const char *request_token,
			   const char *request_token_secret,
			   const char *verifier, TwApiFunc func,
			   gpointer user_data, GDestroyNotify destroy)
{
	const TwOAuth1Keys keys = {consumer_key, consumer_secret, request_token,
				   request_token_secret};
	const char *const extra[] = {"oauth_verifier", verifier, NULL};

	return oauth1_post(api, "/oauth/access_token", &keys, extra, func,
			   user_data, destroy);
}
