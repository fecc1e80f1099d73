/*
 * tw-sandbox-respond: how the sandbox answers.
 *
 * JSON bodies, problem documents and their exact error wording, query
 * parameter checks, the user and event objects with their fields and
 * includes, and pagination tokens.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "config.h"

#include "tw-sandbox-private.h"

/* libsoup 3.2 has no name for it. */
#define STATUS_TOO_MANY_REQUESTS 429
#define PROBLEM_CONTENT_TYPE     "application/problem+json"
#define INVALID_REQUEST_DETAIL                                                 \
	"One or more parameters to your request was invalid."

/* ------------------------------------------------------------------------ */
/* Responses                                                                 */

char *
tw_sandbox_node_to_text(JsonNode *node, gsize *length)
{
	g_autoptr(JsonGenerator) generator = json_generator_new();

	json_generator_set_root(generator, node);
	return json_generator_to_data(generator, length);
}

void
tw_sandbox_respond_node(SoupServerMessage *msg, guint status,
			const char *content_type, JsonNode *node)
{
	gsize length = 0;
	char *text = tw_sandbox_node_to_text(node, &length);

	soup_server_message_set_status(msg, status, NULL);
	soup_server_message_set_response(msg, content_type, SOUP_MEMORY_TAKE,
					 text, length);
}

void
tw_sandbox_respond_builder(SoupServerMessage *msg, guint status,
			   const char *content_type, JsonBuilder *builder)
{
	g_autoptr(JsonNode) root = json_builder_get_root(builder);

	tw_sandbox_respond_node(msg, status, content_type, root);
}

void
tw_sandbox_add_string_member(JsonBuilder *builder, const char *name,
			     const char *value)
{
	json_builder_set_member_name(builder, name);
	json_builder_add_string_value(builder, value);
}

void
tw_sandbox_add_int_member(JsonBuilder *builder, const char *name, gint64 value)
{
	json_builder_set_member_name(builder, name);
	json_builder_add_int_value(builder, value);
}

void
tw_sandbox_add_bool_member(JsonBuilder *builder, const char *name,
			   gboolean value)
{
	json_builder_set_member_name(builder, name);
	json_builder_add_boolean_value(builder, value);
}

void
tw_sandbox_add_string_array_member(JsonBuilder *builder, const char *name,
				   const GPtrArray *values)
{
	json_builder_set_member_name(builder, name);
	json_builder_begin_array(builder);
	for (guint i = 0; values && i < values->len; i++)
		json_builder_add_string_value(builder, values->pdata[i]);
	json_builder_end_array(builder);
}

static char *
problem_type(TwSandbox *sandbox, const char *name)
{
	return g_strdup_printf("https://%s/2/problems/%s",
			       sandbox->problem_host, name);
}

void
tw_sandbox_respond_generic_problem(SoupServerMessage *msg, guint status,
				   const char *detail)
{
	g_autoptr(JsonBuilder) builder = json_builder_new();
	const char *title = soup_status_get_phrase(status);

	if (!title)
		title = "Error";
	json_builder_begin_object(builder);
	tw_sandbox_add_string_member(builder, "title", title);
	tw_sandbox_add_string_member(builder, "type", "about:blank");
	tw_sandbox_add_int_member(builder, "status", status);
	tw_sandbox_add_string_member(builder, "detail",
				     detail ? detail : title);
	json_builder_end_object(builder);
	tw_sandbox_respond_builder(msg, status, PROBLEM_CONTENT_TYPE, builder);
}

void
tw_sandbox_respond_unauthorized(SoupServerMessage *msg)
{
	tw_sandbox_respond_generic_problem(msg, SOUP_STATUS_UNAUTHORIZED, NULL);
}

void
tw_sandbox_respond_too_many_requests(SoupServerMessage *msg)
{
	g_autoptr(JsonBuilder) builder = json_builder_new();

	json_builder_begin_object(builder);
	tw_sandbox_add_string_member(builder, "title", "Too Many Requests");
	tw_sandbox_add_string_member(builder, "detail", "Too Many Requests");
	tw_sandbox_add_string_member(builder, "type", "about:blank");
	tw_sandbox_add_int_member(builder, "status", 429);
	json_builder_end_object(builder);
	tw_sandbox_respond_builder(msg, STATUS_TOO_MANY_REQUESTS,
				   PROBLEM_CONTENT_TYPE, builder);
}

void
tw_sandbox_respond_usage_cap(TwSandbox *sandbox, SoupServerMessage *msg)
{
	g_autoptr(JsonBuilder) builder = json_builder_new();
	g_autofree char *type = problem_type(sandbox, "usage-capped");

	json_builder_begin_object(builder);
	tw_sandbox_add_int_member(builder, "account_id", 1);
	tw_sandbox_add_string_member(builder, "product_name", "standard-basic");
	tw_sandbox_add_string_member(builder, "title", "UsageCapExceeded");
	tw_sandbox_add_string_member(builder, "period", "Monthly");
	tw_sandbox_add_string_member(builder, "scope", "Product");
	tw_sandbox_add_string_member(builder, "detail",
				     "Usage cap exceeded: Monthly product cap");
	tw_sandbox_add_string_member(builder, "type", type);
	json_builder_end_object(builder);
	tw_sandbox_respond_builder(msg, STATUS_TOO_MANY_REQUESTS,
				   PROBLEM_CONTENT_TYPE, builder);
}

void
tw_sandbox_respond_credits_depleted(TwSandbox *sandbox, SoupServerMessage *msg)
{
	g_autoptr(JsonBuilder) builder = json_builder_new();
	g_autofree char *type = problem_type(sandbox, "credits");

	json_builder_begin_object(builder);
	tw_sandbox_add_string_member(builder, "title", "CreditsDepleted");
	tw_sandbox_add_string_member(
	    builder, "detail",
	    "Your enrolled account does not have any credits");
	tw_sandbox_add_string_member(builder, "type", type);
	json_builder_end_object(builder);
	tw_sandbox_respond_builder(msg, SOUP_STATUS_PAYMENT_REQUIRED,
				   PROBLEM_CONTENT_TYPE, builder);
}

GPtrArray *
tw_sandbox_request_errors_new(void)
{
	return g_ptr_array_new_with_free_func((GDestroyNotify)json_node_unref);
}

void
tw_sandbox_add_parameter_error(GPtrArray *errors, const char *parameter,
			       const char *value, const char *format, ...)
{
	g_autoptr(JsonBuilder) builder = json_builder_new();
	g_autofree char *message = NULL;
	va_list args;

	va_start(args, format);
	message = g_strdup_vprintf(format, args);
	va_end(args);
	json_builder_begin_object(builder);
	json_builder_set_member_name(builder, "parameters");
	json_builder_begin_object(builder);
	json_builder_set_member_name(builder, parameter);
	json_builder_begin_array(builder);
	if (value)
		json_builder_add_string_value(builder, value);
	json_builder_end_array(builder);
	json_builder_end_object(builder);
	tw_sandbox_add_string_member(builder, "message", message);
	json_builder_end_object(builder);
	g_ptr_array_add(errors, json_builder_get_root(builder));
}

void
tw_sandbox_add_message_error(GPtrArray *errors, const char *format, ...)
{
	g_autoptr(JsonBuilder) builder = json_builder_new();
	g_autofree char *message = NULL;
	va_list args;

	va_start(args, format);
	message = g_strdup_vprintf(format, args);
	va_end(args);
	json_builder_begin_object(builder);
	tw_sandbox_add_string_member(builder, "message", message);
	json_builder_end_object(builder);
	g_ptr_array_add(errors, json_builder_get_root(builder));
}

void
tw_sandbox_respond_invalid_request(TwSandbox *sandbox, SoupServerMessage *msg,
				   GPtrArray *errors)
{
	g_autoptr(JsonBuilder) builder = json_builder_new();
	g_autofree char *type = problem_type(sandbox, "invalid-request");

	json_builder_begin_object(builder);
	json_builder_set_member_name(builder, "errors");
	json_builder_begin_array(builder);
	for (guint i = 0; i < errors->len; i++)
		json_builder_add_value(builder,
				       json_node_copy(errors->pdata[i]));
	json_builder_end_array(builder);
	tw_sandbox_add_string_member(builder, "title", "Invalid Request");
	tw_sandbox_add_string_member(builder, "detail", INVALID_REQUEST_DETAIL);
	tw_sandbox_add_string_member(builder, "type", type);
	json_builder_end_object(builder);
	tw_sandbox_respond_builder(msg, SOUP_STATUS_BAD_REQUEST,
				   PROBLEM_CONTENT_TYPE, builder);
}

void
tw_sandbox_add_not_found_error(TwSandbox *sandbox, JsonBuilder *builder,
			       const char *resource_type, const char *parameter,
			       const char *value)
{
	g_autofree char *type = problem_type(sandbox, "resource-not-found");
	g_autofree char *detail =
	    g_strdup_printf("Could not find %s with %s: [%s].", resource_type,
			    parameter, value);

	json_builder_begin_object(builder);
	tw_sandbox_add_string_member(builder, "value", value);
	tw_sandbox_add_string_member(builder, "detail", detail);
	tw_sandbox_add_string_member(builder, "title", "Not Found Error");
	tw_sandbox_add_string_member(builder, "resource_type", resource_type);
	tw_sandbox_add_string_member(builder, "parameter", parameter);
	tw_sandbox_add_string_member(builder, "resource_id", value);
	tw_sandbox_add_string_member(builder, "type", type);
	json_builder_end_object(builder);
}

/* ------------------------------------------------------------------------ */
/* Query parameters                                                          */

const char *const tw_sandbox_user_field_names[] = {
    "affiliation",
    "confirmed_email",
    "connection_status",
    "created_at",
    "description",
    "entities",
    "id",
    "is_identity_verified",
    "location",
    "most_recent_tweet_id",
    "name",
    "parody",
    "pinned_tweet_id",
    "profile_banner_url",
    "profile_image_url",
    "protected",
    "public_metrics",
    "receives_your_dm",
    "subscription",
    "subscription_type",
    "url",
    "username",
    "verified",
    "verified_followers_count",
    "verified_type",
    "withheld",
    NULL,
};

const char *const tw_sandbox_event_field_names[] = {
    "attachments",
    "created_at",
    "dm_conversation_id",
    "entities",
    "event_type",
    "id",
    "participant_ids",
    "referenced_tweets",
    "sender_id",
    "text",
    NULL,
};

/* Classic names and the 2.167 rename (referenced_posts) both work. */
const char *const tw_sandbox_event_expansion_names[] = {
    "attachments.media_keys", "participant_ids",
    "referenced_tweets.id",   "sender_id",
    "referenced_posts",       NULL,
};

guint
tw_sandbox_name_index(const char *const *names, const char *name)
{
	for (guint i = 0; names[i]; i++) {
		if (g_str_equal(names[i], name))
			return i;
	}
	g_assert_not_reached();
	return 0;
}

const char *
tw_sandbox_query_get(GHashTable *query, const char *name)
{
	return query ? g_hash_table_lookup(query, name) : NULL;
}

void
tw_sandbox_check_known_parameters(GHashTable *query, const char *const *allowed,
				  GPtrArray *errors)
{
	GHashTableIter iter;
	gpointer key, value;

	if (!query)
		return;
	g_hash_table_iter_init(&iter, query);
	while (g_hash_table_iter_next(&iter, &key, &value)) {
		if (!g_strv_contains(allowed, key)) {
			g_autofree char *list =
			    g_strjoinv(",", (char **)allowed);

			tw_sandbox_add_parameter_error(
			    errors, key, value,
			    "The query parameter [%s] is not one of [%s]",
			    (const char *)key, list);
		}
	}
}

guint
tw_sandbox_parse_list_parameter(GHashTable *query, const char *parameter,
				const char *const *names, GPtrArray *errors)
{
	const char *value = tw_sandbox_query_get(query, parameter);
	g_auto(GStrv) items = NULL;
	guint mask = 0;

	if (!value)
		return 0;
	items = g_strsplit(value, ",", -1);
	for (guint i = 0; items[i]; i++) {
		guint index;

		for (index = 0; names[index]; index++) {
			if (g_str_equal(names[index], items[i]))
				break;
		}
		if (names[index]) {
			mask |= 1u << index;
			continue;
		}
		{
			g_autofree char *list = g_strjoinv(",", (char **)names);

			tw_sandbox_add_parameter_error(
			    errors, parameter, value,
			    "The `%s` query parameter value "
			    "[%s] is not one of [%s]",
			    parameter, items[i], list);
		}
	}
	return mask;
}

void
tw_sandbox_check_not_empty(GHashTable *query, const char *parameter,
			   GPtrArray *errors)
{
	const char *value = tw_sandbox_query_get(query, parameter);

	if (value && !*value)
		tw_sandbox_add_parameter_error(
		    errors, parameter, value,
		    "The `%s` query parameter can not be empty", parameter);
}

/* ------------------------------------------------------------------------ */
/* Serialization                                                             */

static char *
avatar_url(TwSandbox *sandbox, const User *user)
{
	return g_strdup_printf("%s" AVATAR_PREFIX "%s_normal.png",
			       sandbox->base_url ? sandbox->base_url : "",
			       user->id);
}

void
tw_sandbox_add_user_object(TwSandbox *sandbox, JsonBuilder *builder,
			   const User *user, guint fields)
{
	json_builder_begin_object(builder);
	if (fields & FIELD(tw_sandbox_user_field_names, "connection_status")) {
		json_builder_set_member_name(builder, "connection_status");
		json_builder_begin_array(builder);
		for (guint i = 0; user->connection_status != NULL &&
				  user->connection_status[i] != NULL;
		     i++)
			json_builder_add_string_value(
			    builder, user->connection_status[i]);
		json_builder_end_array(builder);
	}
	if (fields & FIELD(tw_sandbox_user_field_names, "created_at")) {
		g_autofree char *created_at =
		    tw_sandbox_format_time(user->created_at);

		tw_sandbox_add_string_member(builder, "created_at", created_at);
	}
	if (fields & FIELD(tw_sandbox_user_field_names, "description"))
		tw_sandbox_add_string_member(builder, "description",
					     user->description);
	tw_sandbox_add_string_member(builder, "id", user->id);
	if ((fields & FIELD(tw_sandbox_user_field_names, "location")) &&
	    user->location)
		tw_sandbox_add_string_member(builder, "location",
					     user->location);
	tw_sandbox_add_string_member(builder, "name", user->name);
	if (fields & FIELD(tw_sandbox_user_field_names, "profile_image_url")) {
		g_autofree char *url = avatar_url(sandbox, user);

		tw_sandbox_add_string_member(builder, "profile_image_url", url);
	}
	if (fields & FIELD(tw_sandbox_user_field_names, "protected"))
		tw_sandbox_add_bool_member(builder, "protected", FALSE);
	if (fields & FIELD(tw_sandbox_user_field_names, "public_metrics")) {
		json_builder_set_member_name(builder, "public_metrics");
		json_builder_begin_object(builder);
		tw_sandbox_add_int_member(builder, "followers_count",
					  user->followers_count);
		tw_sandbox_add_int_member(builder, "following_count",
					  user->following_count);
		tw_sandbox_add_int_member(builder, "tweet_count",
					  user->tweet_count);
		tw_sandbox_add_int_member(builder, "listed_count", 0);
		tw_sandbox_add_int_member(builder, "like_count",
					  user->tweet_count / 3);
		tw_sandbox_add_int_member(builder, "media_count",
					  user->tweet_count / 10);
		json_builder_end_object(builder);
	}
	if (fields & FIELD(tw_sandbox_user_field_names, "receives_your_dm"))
		tw_sandbox_add_bool_member(builder, "receives_your_dm",
					   user->receives_dm);
	if (fields & FIELD(tw_sandbox_user_field_names, "url"))
		tw_sandbox_add_string_member(builder, "url", "");
	tw_sandbox_add_string_member(builder, "username", user->username);
	if (fields & FIELD(tw_sandbox_user_field_names, "verified"))
		tw_sandbox_add_bool_member(builder, "verified", FALSE);
	if (fields & FIELD(tw_sandbox_user_field_names, "verified_type"))
		tw_sandbox_add_string_member(builder, "verified_type", "none");
	json_builder_end_object(builder);
}

guint
tw_sandbox_all_event_fields(void)
{
	return (1u << (G_N_ELEMENTS(tw_sandbox_event_field_names) - 1)) - 1;
}

void
tw_sandbox_add_event_object(JsonBuilder *builder, const Event *event,
			    guint fields)
{
	if (event->type == EVENT_MESSAGE_CREATE)
		fields |= FIELD(tw_sandbox_event_field_names, "text");
	else
		fields |=
		    FIELD(tw_sandbox_event_field_names, "participant_ids");

	json_builder_begin_object(builder);
	if ((fields & FIELD(tw_sandbox_event_field_names, "attachments")) &&
	    event->media_key) {
		json_builder_set_member_name(builder, "attachments");
		json_builder_begin_object(builder);
		json_builder_set_member_name(builder, "media_keys");
		json_builder_begin_array(builder);
		json_builder_add_string_value(builder, event->media_key);
		json_builder_end_array(builder);
		json_builder_end_object(builder);
	}
	if (fields & FIELD(tw_sandbox_event_field_names, "created_at")) {
		g_autofree char *created_at =
		    tw_sandbox_format_time(event->created_at);

		tw_sandbox_add_string_member(builder, "created_at", created_at);
	}
	if (fields & FIELD(tw_sandbox_event_field_names, "dm_conversation_id"))
		tw_sandbox_add_string_member(builder, "dm_conversation_id",
					     event->conversation_id);
	if ((fields & FIELD(tw_sandbox_event_field_names, "entities")) &&
	    event->urls && event->urls->len > 0) {
		json_builder_set_member_name(builder, "entities");
		json_builder_begin_object(builder);
		json_builder_set_member_name(builder, "urls");
		json_builder_begin_array(builder);
		for (guint i = 0; i < event->urls->len; i++) {
			const UrlEntity *url = event->urls->pdata[i];

			json_builder_begin_object(builder);
			tw_sandbox_add_int_member(builder, "start", url->start);
			tw_sandbox_add_int_member(builder, "end", url->end);
			tw_sandbox_add_string_member(builder, "url", url->url);
			tw_sandbox_add_string_member(builder, "expanded_url",
						     url->expanded_url);
			tw_sandbox_add_string_member(builder, "display_url",
						     url->display_url);
			json_builder_end_object(builder);
		}
		json_builder_end_array(builder);
		json_builder_end_object(builder);
	}
	tw_sandbox_add_string_member(builder, "event_type",
				     tw_sandbox_event_type_names[event->type]);
	tw_sandbox_add_string_member(builder, "id", event->id);
	/* Since June 2025 only Join/Leave carry participant_ids. */
	if ((fields & FIELD(tw_sandbox_event_field_names, "participant_ids")) &&
	    event->participant_ids)
		tw_sandbox_add_string_array_member(builder, "participant_ids",
						   event->participant_ids);
	if ((fields &
	     FIELD(tw_sandbox_event_field_names, "referenced_tweets")) &&
	    event->referenced_tweet_id) {
		json_builder_set_member_name(builder, "referenced_tweets");
		json_builder_begin_array(builder);
		json_builder_begin_object(builder);
		tw_sandbox_add_string_member(builder, "id",
					     event->referenced_tweet_id);
		json_builder_end_object(builder);
		json_builder_end_array(builder);
	}
	if ((fields & FIELD(tw_sandbox_event_field_names, "sender_id")) &&
	    event->sender_id && event->type != EVENT_PARTICIPANTS_LEAVE)
		tw_sandbox_add_string_member(builder, "sender_id",
					     event->sender_id);
	if ((fields & FIELD(tw_sandbox_event_field_names, "text")) &&
	    event->text && event->type == EVENT_MESSAGE_CREATE)
		tw_sandbox_add_string_member(builder, "text", event->text);
	json_builder_end_object(builder);
}

void
tw_sandbox_add_unique(GPtrArray *ids, const char *id)
{
	if (id && !g_ptr_array_find_with_equal_func(ids, id, g_str_equal, NULL))
		g_ptr_array_add(ids, (gpointer)id);
}

/* A sent upload's type by its key's prefix. */
static const char *
bare_media_type(const char *media_key)
{
	if (g_str_has_prefix(media_key, "7_"))
		return "video";
	if (g_str_has_prefix(media_key, "16_"))
		return "animated_gif";
	return "photo";
}

void
tw_sandbox_add_includes_locked(TwSandbox *sandbox, JsonBuilder *builder,
			       const GPtrArray *events, guint expansions,
			       guint user_fields, guint media_fields)
{
	g_autoptr(GPtrArray) user_ids = g_ptr_array_new();
	g_autoptr(GPtrArray) media_keys = g_ptr_array_new();
	/* key -> the event whose details describe it, NULL for a bare key */
	g_autoptr(GHashTable) media = g_hash_table_new(g_str_hash, g_str_equal);

	for (guint i = 0; i < events->len; i++) {
		const Event *event = events->pdata[i];

		if ((expansions &
		     FIELD(tw_sandbox_event_expansion_names, "sender_id")) &&
		    event->type != EVENT_PARTICIPANTS_LEAVE)
			tw_sandbox_add_unique(user_ids, event->sender_id);
		if ((expansions & FIELD(tw_sandbox_event_expansion_names,
					"participant_ids")) &&
		    event->participant_ids) {
			for (guint j = 0; j < event->participant_ids->len; j++)
				tw_sandbox_add_unique(
				    user_ids, event->participant_ids->pdata[j]);
		}
		if ((expansions & FIELD(tw_sandbox_event_expansion_names,
					"attachments.media_keys")) &&
		    event->media_key) {
			tw_sandbox_add_unique(media_keys, event->media_key);
			if (event->media)
				g_hash_table_insert(media, event->media_key,
						    event->media);
		}
	}
	if (user_ids->len == 0 && media_keys->len == 0)
		return;

	json_builder_set_member_name(builder, "includes");
	json_builder_begin_object(builder);
	if (media_keys->len > 0) {
		json_builder_set_member_name(builder, "media");
		json_builder_begin_array(builder);
		for (guint i = 0; i < media_keys->len; i++) {
			const Media *details =
			    g_hash_table_lookup(media, media_keys->pdata[i]);

			if (details) {
				tw_sandbox_add_media_object(builder, details,
							    media_fields);
				continue;
			}
			json_builder_begin_object(builder);
			tw_sandbox_add_string_member(builder, "media_key",
						     media_keys->pdata[i]);
			tw_sandbox_add_string_member(
			    builder, "type",
			    bare_media_type(media_keys->pdata[i]));
			json_builder_end_object(builder);
		}
		json_builder_end_array(builder);
	}
	if (user_ids->len > 0) {
		json_builder_set_member_name(builder, "users");
		json_builder_begin_array(builder);
		for (guint i = 0; i < user_ids->len; i++) {
			const User *user = tw_sandbox_find_user_locked(
			    sandbox, user_ids->pdata[i]);

			if (user)
				tw_sandbox_add_user_object(sandbox, builder,
							   user, user_fields);
		}
		json_builder_end_array(builder);
	}
	json_builder_end_object(builder);
}

/* ------------------------------------------------------------------------ */
/* Pagination tokens                                                         */

static const char base32hex_alphabet[] = "0123456789ABCDEFGHIJKLMNOPQRSTUV";

char *
tw_sandbox_encode_page_token(guint64 number, PageDirection direction)
{
	char token[25];
	guint check = direction == PAGE_OLDER ? 7 : 11;

	token[0] = '1';
	for (int i = 13; i >= 1; i--) {
		guint digit = (guint)(number & 31);

		token[i] = base32hex_alphabet[digit];
		check = (check * 31 + digit) % 32;
		number >>= 5;
	}
	token[14] = direction == PAGE_OLDER ? 'L' : 'M';
	token[15] = base32hex_alphabet[check];
	memcpy(token + 16, "0G00ZZZZ", 8);
	token[24] = '\0';
	return g_strdup(token);
}

gboolean
tw_sandbox_decode_page_token(const char *token, guint64 *number,
			     PageDirection *direction)
{
	guint64 value = 0;
	guint check;
	guint digits[13];

	if (!token || strlen(token) != 24 || token[0] != '1' ||
	    !g_str_has_suffix(token, "0G00ZZZZ"))
		return FALSE;
	if (token[14] == 'L')
		*direction = PAGE_OLDER;
	else if (token[14] == 'M')
		*direction = PAGE_NEWER;
	else
		return FALSE;
	for (int i = 1; i <= 13; i++) {
		const char *at = strchr(base32hex_alphabet, token[i]);

		if (!at || !*at)
			return FALSE;
		digits[i - 1] = (guint)(at - base32hex_alphabet);
		value = (value << 5) | digits[i - 1];
	}
	check = *direction == PAGE_OLDER ? 7 : 11;
	for (int i = 12; i >= 0; i--)
		check = (check * 31 + digits[i]) % 32;
	if (token[15] != base32hex_alphabet[check])
		return FALSE;
	*number = value;
	return TRUE;
}
