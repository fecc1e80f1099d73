/*
 * tw-json: X API JSON bodies to model structs and back.
 *
 * Members are read through small helpers that check the node type first,
 * because json-glib's typed getters emit criticals on a type mismatch and
 * the network decides the types here, not this code.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "config.h"

#include <string.h>

#include <json-glib/json-glib.h>

#include "tw-json.h"

G_DEFINE_QUARK(tw - json - error - quark, tw_json_error)

/* --- reading members ---------------------------------------------------- */

static JsonObject *
tw_member_object(JsonObject *object, const char *name)
{
	JsonNode *node = json_object_get_member(object, name);

	return node != NULL && JSON_NODE_HOLDS_OBJECT(node)
		   ? json_node_get_object(node)
		   : NULL;
}

static JsonArray *
tw_member_array(JsonObject *object, const char *name)
{
	JsonNode *node = json_object_get_member(object, name);

	return node != NULL && JSON_NODE_HOLDS_ARRAY(node)
		   ? json_node_get_array(node)
		   : NULL;
}

/* A member that is present and not null: its absence is not the same as a
 * member of the wrong type, which the strict parts report. */
static gboolean
tw_member_is_set(JsonObject *object, const char *name)
{
	JsonNode *node = json_object_get_member(object, name);

	return node != NULL && !JSON_NODE_HOLDS_NULL(node);
}

/* Returns: (nullable): the member's text; NULL when absent or not a string */
static const char *
tw_member_string(JsonObject *object, const char *name)
{
	JsonNode *node = json_object_get_member(object, name);

	/* json_object_get_string_member_with_default() is critical about an
	 * object or array where a string was expected. */
	if (node == NULL || !JSON_NODE_HOLDS_VALUE(node) ||
	    json_node_get_value_type(node) != G_TYPE_STRING)
		return NULL;
	return json_node_get_string(node);
}

/* Profile fields: the API sends "" for an unset description or location,
 * which the model says with NULL. */
static char *
tw_member_dup_nonempty(JsonObject *object, const char *name)
{
	const char *text = tw_member_string(object, name);

	return text != NULL && text[0] != '\0' ? g_strdup(text) : NULL;
}

/* Ids are strings in v2; an integer is accepted for robustness. Anything
 * that is not 1 to 19 digits is dropped, as ids end up in request paths. */
static char *
tw_member_dup_id(JsonObject *object, const char *name)
{
	JsonNode *node = json_object_get_member(object, name);

	if (node == NULL || !JSON_NODE_HOLDS_VALUE(node))
		return NULL;

	g_autofree char *id = NULL;
	if (json_node_get_value_type(node) == G_TYPE_STRING)
		id = g_strdup(json_node_get_string(node));
	else if (json_node_get_value_type(node) == G_TYPE_INT64 &&
		 json_node_get_int(node) >= 0)
		id = g_strdup_printf("%" G_GINT64_FORMAT,
				     json_node_get_int(node));

	if (!tw_id_is_valid(id)) {
		if (id != NULL)
			g_debug("ignoring malformed id in \"%s\"", name);
		return NULL;
	}
	return g_steal_pointer(&id);
}

/* "a-b" for a 1:1 conversation or a single id for a group. */
static gboolean
tw_conversation_id_is_valid(const char *id)
{
	if (id == NULL)
		return FALSE;

	const char *dash = strchr(id, '-');
	if (dash == NULL)
		return tw_id_is_valid(id);

	g_autofree char *first = g_strndup(id, dash - id);
	return tw_id_is_valid(first) && tw_id_is_valid(dash + 1);
}

static char *
tw_member_dup_conversation_id(JsonObject *object, const char *name)
{
	const char *id = tw_member_string(object, name);

	if (id == NULL)
		return NULL;
	if (!tw_conversation_id_is_valid(id)) {
		g_debug("ignoring malformed conversation id in \"%s\"", name);
		return NULL;
	}
	return g_strdup(id);
}

/* Integers, also when sent as a decimal string. */
static gboolean
tw_member_int(JsonObject *object, const char *name, gint64 *value)
{
	JsonNode *node = json_object_get_member(object, name);

	if (node == NULL || !JSON_NODE_HOLDS_VALUE(node))
		return FALSE;

	GType type = json_node_get_value_type(node);
	if (type == G_TYPE_INT64) {
		*value = json_node_get_int(node);
		return TRUE;
	}
	if (type == G_TYPE_STRING) {
		return g_ascii_string_to_signed(json_node_get_string(node), 10,
						G_MININT64, G_MAXINT64, value,
						NULL);
	}
	return FALSE;
}

/* Returns: TRUE, FALSE, or -1 when absent or not a boolean */
static int
tw_member_tristate(JsonObject *object, const char *name)
{
	JsonNode *node = json_object_get_member(object, name);

	if (node == NULL || !JSON_NODE_HOLDS_VALUE(node) ||
	    json_node_get_value_type(node) != G_TYPE_BOOLEAN)
		return -1;
	return json_node_get_boolean(node) ? TRUE : FALSE;
}

static void
tw_array_add_ids(JsonArray *array, GPtrArray *ids)
{
	guint length = array != NULL ? json_array_get_length(array) : 0;

	for (guint i = 0; i < length; i++) {
		JsonNode *node = json_array_get_element(array, i);
		const char *id = JSON_NODE_HOLDS_VALUE(node)
				     ? json_node_get_string(node)
				     : NULL;

		if (tw_id_is_valid(id))
			g_ptr_array_add(ids, g_strdup(id));
		else
			g_debug("ignoring malformed id in a list");
	}
}

static void
tw_array_add_strings(JsonArray *array, GPtrArray *strings)
{
	guint length = array != NULL ? json_array_get_length(array) : 0;

	for (guint i = 0; i < length; i++) {
		JsonNode *node = json_array_get_element(array, i);
		const char *text = JSON_NODE_HOLDS_VALUE(node)
				       ? json_node_get_string(node)
				       : NULL;

		if (text != NULL && text[0] != '\0')
			g_ptr_array_add(strings, g_strdup(text));
	}
}

/* --- parsing bodies ----------------------------------------------------- */

static gboolean
tw_json_is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* The code unit of a "\uXXXX" escape at @p (which points at the 'u'), or
 * -1 when four hexadecimal digits do not follow. */
static int
tw_json_unicode_escape(const char *p, gsize left)
{
	int unit = 0;

	if (left < 5)
		return -1;
	for (int i = 1; i <= 4; i++) {
		int digit = g_ascii_xdigit_value(p[i]);
		if (digit < 0)
			return -1;
		unit = unit * 16 + digit;
	}
	return unit;
}

/*
 * Checks the escape at @body[*i] (the character after a backslash) and
 * moves *i to its last character. json-glib's scanner also reads C's
 * octal escapes ("\777" is the byte 0xff) and lone surrogates ("\udc00"),
 * and both give text that is not UTF-8 (found by fuzz-dm-page).
 *
 * Returns: %NULL, or what is wrong
 */
static const char *
tw_json_check_escape(const char *body, gsize length, gsize *i)
{
	const char *p = body + *i;
	gsize left = length - *i;

	if (left == 0)
		return NULL; /* json-glib reports the unterminated string */
	if (*p != 'u')
		return strchr("\"\\/bfnrt", *p) != NULL && *p != '\0'
			   ? NULL
			   : "an escape JSON does not have";

	int unit = tw_json_unicode_escape(p, left);
	if (unit < 0)
		return "a \\u escape without four hexadecimal digits";
	*i += 4;
	if (unit >= 0xdc00 && unit <= 0xdfff)
		return "a lone UTF-16 surrogate";
	if (unit < 0xd800 || unit > 0xdbff)
		return NULL;
	/* A high surrogate: the low one must follow at once. */
	int low = left >= 7 && p[5] == '\\' && p[6] == 'u'
		      ? tw_json_unicode_escape(p + 6, left - 6)
		      : -1;
	if (low < 0xdc00 || low > 0xdfff)
		return "a lone UTF-16 surrogate";
	*i += 6;
	return NULL;
}

/*
 * What is wrong with @body that json-glib 1.6.6 mishandles, or %NULL. One
 * pass follows strings and nesting only (json-glib judges the rest) and
 * refuses a second value after the first (json-glib reads both, keeps the
 * last and leaks the others) and any character outside strings that no
 * JSON value uses: comments are a json-glib extension, and it leaks nodes
 * on broken ones ("{/{/}{}", found by fuzz-token). X sends neither. In
 * strings, only JSON's own escapes pass (tw_json_check_escape()).
 */
static const char *
tw_json_precheck(const char *body, gsize length)
{
	guint depth = 0;
	gboolean in_string = FALSE;
	gboolean in_scalar = FALSE; /* a number or literal at the top level */
	gboolean ended = FALSE;     /* the first value is complete */

	for (gsize i = 0; i < length; i++) {
		char c = body[i];

		if (in_string) {
			if (c == '\\') {
				const char *problem;

				i++;
				problem =
				    tw_json_check_escape(body, length, &i);
				if (problem != NULL)
					return problem;
			} else if (c == '"') {
				in_string = FALSE;
				ended = depth == 0;
			}
			continue;
		}
		if (tw_json_is_space(c)) {
			ended = ended || in_scalar;
			in_scalar = FALSE;
			continue;
		}
		if (!g_ascii_isdigit(c) &&
		    strchr("{}[],:\"-+.eEtruefalsn", c) == NULL)
			return "a character outside any value";
		if (ended || (in_scalar && strchr("{}[],:\"", c) != NULL))
			return "data after the first value";
		if (c == '"')
			in_string = TRUE;
		else if (c == '{' || c == '[')
			depth++;
		else if ((c == '}' || c == ']') && depth > 0)
			ended = --depth == 0;
		else if (depth == 0 && c != ',' && c != ':')
			in_scalar = TRUE;
	}
	return NULL;
}

/*
 * Loads @body into @parser and returns its root object (borrowed from the
 * parser). A body that is not UTF-8, has a comment or stray character, or
 * has more than one value, is refused before json-glib sees it.
 */
static JsonObject *
tw_json_load_object(JsonParser *parser, const char *body, gssize length,
		    GError **error)
{
	if (body == NULL) {
		g_set_error_literal(error, TW_JSON_ERROR,
				    TW_JSON_ERROR_MALFORMED, "No body");
		return NULL;
	}
	if (length < 0)
		length = strlen(body);
	if (!g_utf8_validate(body, length, NULL)) {
		g_set_error_literal(error, TW_JSON_ERROR,
				    TW_JSON_ERROR_MALFORMED,
				    "The body is not UTF-8 text");
		return NULL;
	}

	const char *problem = tw_json_precheck(body, length);
	if (problem != NULL) {
		g_set_error(error, TW_JSON_ERROR, TW_JSON_ERROR_MALFORMED,
			    "Malformed JSON: %s", problem);
		return NULL;
	}

	g_autoptr(GError) parse_error = NULL;
	if (!json_parser_load_from_data(parser, body, length, &parse_error)) {
		g_set_error(error, TW_JSON_ERROR, TW_JSON_ERROR_MALFORMED,
			    "Malformed JSON: %s", parse_error->message);
		return NULL;
	}

	JsonNode *root = json_parser_get_root(parser);
	if (root == NULL) {
		g_set_error_literal(error, TW_JSON_ERROR,
				    TW_JSON_ERROR_MALFORMED, "Empty body");
		return NULL;
	}
	if (!JSON_NODE_HOLDS_OBJECT(root)) {
		g_set_error_literal(error, TW_JSON_ERROR, TW_JSON_ERROR_SHAPE,
				    "The body is not a JSON object");
		return NULL;
	}
	return json_node_get_object(root);
}

/* Returns: (nullable): the most useful text of the first entry of "errors" */
static const char *
tw_first_error_text(JsonObject *root)
{
	JsonArray *errors = tw_member_array(root, "errors");

	if (errors == NULL || json_array_get_length(errors) == 0)
		return NULL;

	JsonNode *first = json_array_get_element(errors, 0);
	if (!JSON_NODE_HOLDS_OBJECT(first))
		return NULL;

	JsonObject *problem = json_node_get_object(first);
	const char *names[] = {"detail", "message", "title"};
	for (gsize i = 0; i < G_N_ELEMENTS(names); i++) {
		const char *text = tw_member_string(problem, names[i]);
		if (text != NULL && text[0] != '\0')
			return text;
	}
	return NULL;
}

/* Created-at stamps look like "2022-10-19T20:58:00.000Z". */
static gint64
tw_json_timestamp_to_usec(const char *timestamp)
{
	if (timestamp == NULL)
		return 0;

	g_autoptr(GTimeZone) utc = g_time_zone_new_utc();
	g_autoptr(GDateTime) time =
	    g_date_time_new_from_iso8601(timestamp, utc);
	if (time == NULL) {
		g_debug("ignoring unreadable timestamp \"%s\"", timestamp);
		return 0;
	}
	return g_date_time_to_unix(time) * G_USEC_PER_SEC +
	       g_date_time_get_microsecond(time);
}

static TwDmEventType
tw_dm_event_type_from_string(const char *type)
{
	if (g_strcmp0(type, "MessageCreate") == 0)
		return TW_DM_EVENT_MESSAGE_CREATE;
	if (g_strcmp0(type, "ParticipantsJoin") == 0)
		return TW_DM_EVENT_PARTICIPANTS_JOIN;
	if (g_strcmp0(type, "ParticipantsLeave") == 0)
		return TW_DM_EVENT_PARTICIPANTS_LEAVE;
	return TW_DM_EVENT_UNKNOWN;
}

static TwUrlEntity *
tw_url_entity_from_object(JsonObject *object)
{
	const char *url = tw_member_string(object, "url");

	if (url == NULL || url[0] == '\0')
		return NULL;

	TwUrlEntity *entity = g_new0(TwUrlEntity, 1);
	/* -1 makes tw-text search for the URL instead of trusting indices. */
	if (!tw_member_int(object, "start", &entity->start))
		entity->start = -1;
	if (!tw_member_int(object, "end", &entity->end))
		entity->end = -1;
	entity->url = g_strdup(url);
	entity->expanded_url = tw_member_dup_nonempty(object, "expanded_url");
	entity->display_url = tw_member_dup_nonempty(object, "display_url");
	return entity;
}

/* Newer specs nest entities under "entities", older ones put "urls" on the
 * event itself; both are read. */
static void
tw_dm_event_read_urls(JsonObject *object, GPtrArray *urls)
{
	JsonObject *entities = tw_member_object(object, "entities");
	JsonArray *array =
	    entities != NULL ? tw_member_array(entities, "urls") : NULL;

	if (array == NULL)
		array = tw_member_array(object, "urls");

	guint length = array != NULL ? json_array_get_length(array) : 0;
	for (guint i = 0; i < length; i++) {
		JsonNode *node = json_array_get_element(array, i);
		TwUrlEntity *entity =
		    JSON_NODE_HOLDS_OBJECT(node)
			? tw_url_entity_from_object(json_node_get_object(node))
			: NULL;

		if (entity != NULL)
			g_ptr_array_add(urls, entity);
	}
}

static TwDmEvent *
tw_dm_event_from_node(JsonNode *node, GError **error)
{
	if (!JSON_NODE_HOLDS_OBJECT(node)) {
		g_set_error_literal(error, TW_JSON_ERROR, TW_JSON_ERROR_SHAPE,
				    "A DM event is not an object");
		return NULL;
	}

	JsonObject *object = json_node_get_object(node);
	g_autoptr(TwDmEvent) event = tw_dm_event_new();

	event->id = tw_member_dup_id(object, "id");
	if (event->id == NULL) {
		g_set_error_literal(error, TW_JSON_ERROR, TW_JSON_ERROR_SHAPE,
				    "A DM event has no valid id");
		return NULL;
	}

	const char *type = tw_member_string(object, "event_type");
	if (type == NULL) {
		g_set_error(error, TW_JSON_ERROR, TW_JSON_ERROR_SHAPE,
			    "DM event %s has no event_type", event->id);
		return NULL;
	}
	event->type = tw_dm_event_type_from_string(type);
	if (event->type == TW_DM_EVENT_UNKNOWN)
		g_debug("DM event %s has unknown type \"%s\"", event->id, type);

	event->text = g_strdup(tw_member_string(object, "text"));
	event->sender_id = tw_member_dup_id(object, "sender_id");
	event->conversation_id =
	    tw_member_dup_conversation_id(object, "dm_conversation_id");
	event->created_at =
	    tw_json_timestamp_to_usec(tw_member_string(object, "created_at"));
	tw_array_add_ids(tw_member_array(object, "participant_ids"),
			 event->participant_ids);

	JsonObject *attachments = tw_member_object(object, "attachments");
	if (attachments != NULL)
		tw_array_add_strings(tw_member_array(attachments, "media_keys"),
				     event->media_keys);

	tw_dm_event_read_urls(object, event->urls);
	return g_steal_pointer(&event);
}

static TwUser *
tw_user_from_node(JsonNode *node, GError **error)
{
	if (!JSON_NODE_HOLDS_OBJECT(node)) {
		g_set_error_literal(error, TW_JSON_ERROR, TW_JSON_ERROR_SHAPE,
				    "A user is not an object");
		return NULL;
	}

	JsonObject *object = json_node_get_object(node);
	g_autoptr(TwUser) user = tw_user_new();

	user->id = tw_member_dup_id(object, "id");
	user->username = tw_member_dup_nonempty(object, "username");
	if (user->id == NULL || user->username == NULL) {
		g_set_error_literal(error, TW_JSON_ERROR, TW_JSON_ERROR_SHAPE,
				    "A user has no valid id or username");
		return NULL;
	}

	user->name = tw_member_dup_nonempty(object, "name");
	if (user->name == NULL)
		user->name = g_strdup(user->username);
	user->profile_image_url =
	    tw_member_dup_nonempty(object, "profile_image_url");
	user->description = tw_member_dup_nonempty(object, "description");
	user->location = tw_member_dup_nonempty(object, "location");
	user->url = tw_member_dup_nonempty(object, "url");
	user->verified = tw_member_tristate(object, "verified") == TRUE;
	user->protected_account =
	    tw_member_tristate(object, "protected") == TRUE;
	user->receives_your_dm = tw_member_tristate(object, "receives_your_dm");
	if (tw_member_array(object, "connection_status") != NULL) {
		user->connection_status =
		    g_ptr_array_new_with_free_func(g_free);
		tw_array_add_strings(
		    tw_member_array(object, "connection_status"),
		    user->connection_status);
	}

	JsonObject *metrics = tw_member_object(object, "public_metrics");
	if (metrics != NULL) {
		if (!tw_member_int(metrics, "followers_count",
				   &user->followers_count))
			user->followers_count = -1;
		if (!tw_member_int(metrics, "following_count",
				   &user->following_count))
			user->following_count = -1;
	}
	return g_steal_pointer(&user);
}

/* includes.users only decorate a page, so a broken entry is skipped. */
static void
tw_dm_page_read_users(JsonObject *root, GHashTable *users)
{
	JsonObject *includes = tw_member_object(root, "includes");
	JsonArray *array =
	    includes != NULL ? tw_member_array(includes, "users") : NULL;
	guint length = array != NULL ? json_array_get_length(array) : 0;

	for (guint i = 0; i < length; i++) {
		g_autoptr(GError) error = NULL;
		TwUser *user =
		    tw_user_from_node(json_array_get_element(array, i), &error);

		if (user == NULL) {
			g_debug("skipping an included user: %s",
				error->message);
			continue;
		}
		g_hash_table_replace(users, g_strdup(user->id), user);
	}
}

/* The mp4 variant with the highest bit rate; HLS playlists are for
 * players, not for a link in a chat line. */
static char *
tw_media_dup_best_video(JsonObject *object)
{
	JsonArray *variants = tw_member_array(object, "variants");
	guint length = variants != NULL ? json_array_get_length(variants) : 0;
	const char *best = NULL;
	gint64 best_rate = -1;

	for (guint i = 0; i < length; i++) {
		JsonNode *node = json_array_get_element(variants, i);
		JsonObject *variant = JSON_NODE_HOLDS_OBJECT(node)
					  ? json_node_get_object(node)
					  : NULL;
		const char *url;
		gint64 rate = 0;

		if (variant == NULL ||
		    g_strcmp0(tw_member_string(variant, "content_type"),
			      "video/mp4") != 0)
			continue;
		url = tw_member_string(variant, "url");
		tw_member_int(variant, "bit_rate", &rate);
		if (url != NULL && *url != '\0' && rate > best_rate) {
			best = url;
			best_rate = rate;
		}
	}
	return g_strdup(best);
}

/* includes.media, like the users, only decorate a page: an entry without
 * a key is skipped; the event still names its key. */
static void
tw_dm_page_read_media(JsonObject *root, GHashTable *media_by_key)
{
	JsonObject *includes = tw_member_object(root, "includes");
	JsonArray *array =
	    includes != NULL ? tw_member_array(includes, "media") : NULL;
	guint length = array != NULL ? json_array_get_length(array) : 0;

	for (guint i = 0; i < length; i++) {
		JsonNode *node = json_array_get_element(array, i);
		JsonObject *object = JSON_NODE_HOLDS_OBJECT(node)
					 ? json_node_get_object(node)
					 : NULL;
		g_autoptr(TwMedia) media = NULL;
		char *key;

		if (object == NULL)
			continue;
		media = tw_media_new();
		media->media_key = tw_member_dup_nonempty(object, "media_key");
		if (media->media_key == NULL)
			continue;
		media->type =
		    tw_media_type_from_name(tw_member_string(object, "type"));
		media->url = tw_member_dup_nonempty(object, "url");
		media->preview_image_url =
		    tw_member_dup_nonempty(object, "preview_image_url");
		media->video_url = tw_media_dup_best_video(object);
		media->alt_text = tw_member_dup_nonempty(object, "alt_text");
		tw_member_int(object, "width", &media->width);
		tw_member_int(object, "height", &media->height);
		tw_member_int(object, "duration_ms", &media->duration_ms);
		media->width = MAX(media->width, 0);
		media->height = MAX(media->height, 0);
		media->duration_ms = MAX(media->duration_ms, 0);
		key = g_strdup(media->media_key);
		g_hash_table_replace(media_by_key, key,
				     g_steal_pointer(&media));
	}
}

/* A 200 that carries only "errors" and no "data". */
static void
tw_set_errors_only_error(GError **error, JsonObject *root, const char *fallback)
{
	const char *text = tw_first_error_text(root);

	g_set_error_literal(error, TW_JSON_ERROR, TW_JSON_ERROR_SHAPE,
			    text != NULL ? text : fallback);
}

TwDmPage *
tw_json_parse_dm_page(const char *body, gssize length, GError **error)
{
	g_autoptr(JsonParser) parser = json_parser_new_immutable();
	JsonObject *root = tw_json_load_object(parser, body, length, error);

	if (root == NULL)
		return NULL;

	JsonObject *meta = tw_member_object(root, "meta");
	g_autoptr(TwDmPage) page = tw_dm_page_new();

	if (tw_member_is_set(root, "data")) {
		JsonArray *data = tw_member_array(root, "data");
		if (data == NULL) {
			g_set_error_literal(error, TW_JSON_ERROR,
					    TW_JSON_ERROR_SHAPE,
					    "\"data\" is not an array");
			return NULL;
		}

		guint count = json_array_get_length(data);
		for (guint i = 0; i < count; i++) {
			TwDmEvent *event = tw_dm_event_from_node(
			    json_array_get_element(data, i), error);
			if (event == NULL)
				return NULL;
			g_ptr_array_add(page->events, event);
		}
	} else if (meta == NULL && tw_member_is_set(root, "errors")) {
		tw_set_errors_only_error(error, root,
					 "The response has no DM events");
		return NULL;
	}

	tw_dm_page_read_users(root, page->users);
	tw_dm_page_read_media(root, page->media);

	gint64 result_count = page->events->len;
	if (meta != NULL) {
		page->next_token = tw_member_dup_nonempty(meta, "next_token");
		tw_member_int(meta, "result_count", &result_count);
	}
	page->result_count = (guint)CLAMP(result_count, 0, G_MAXUINT);
	return g_steal_pointer(&page);
}

TwUser *
tw_json_parse_user(const char *body, gssize length, GError **error)
{
	g_autoptr(JsonParser) parser = json_parser_new_immutable();
	JsonObject *root = tw_json_load_object(parser, body, length, error);

	if (root == NULL)
		return NULL;

	JsonNode *data = json_object_get_member(root, "data");
	if (data == NULL || JSON_NODE_HOLDS_NULL(data)) {
		tw_set_errors_only_error(error, root,
					 "The response has no user");
		return NULL;
	}
	return tw_user_from_node(data, error);
}

GPtrArray *
tw_json_parse_users(const char *body, gssize length, GError **error)
{
	g_autoptr(JsonParser) parser = json_parser_new_immutable();
	JsonObject *root = tw_json_load_object(parser, body, length, error);

	if (root == NULL)
		return NULL;

	g_autoptr(GPtrArray) users =
	    g_ptr_array_new_with_free_func((GDestroyNotify)tw_user_free);

	/* When none of the names exist, X sends only "errors". */
	if (!tw_member_is_set(root, "data"))
		return g_steal_pointer(&users);

	JsonArray *data = tw_member_array(root, "data");
	if (data == NULL) {
		g_set_error_literal(error, TW_JSON_ERROR, TW_JSON_ERROR_SHAPE,
				    "\"data\" is not an array");
		return NULL;
	}

	guint count = json_array_get_length(data);
	for (guint i = 0; i < count; i++) {
		TwUser *user =
		    tw_user_from_node(json_array_get_element(data, i), error);
		if (user == NULL)
			return NULL;
		g_ptr_array_add(users, user);
	}
	return g_steal_pointer(&users);
}

TwToken *
tw_json_parse_token(const char *body, gssize length, GError **error)
{
	g_autoptr(JsonParser) parser = json_parser_new_immutable();
	JsonObject *root = tw_json_load_object(parser, body, length, error);

	if (root == NULL)
		return NULL;

	const char *access_token = tw_member_string(root, "access_token");
	if (access_token == NULL || access_token[0] == '\0') {
		g_set_error_literal(error, TW_JSON_ERROR, TW_JSON_ERROR_SHAPE,
				    "The token response has no access_token");
		return NULL;
	}

	TwToken *token = g_new0(TwToken, 1);
	token->access_token = g_strdup(access_token);
	token->refresh_token = tw_member_dup_nonempty(root, "refresh_token");
	token->scope = tw_member_dup_nonempty(root, "scope");
	if (!tw_member_int(root, "expires_in", &token->expires_in) ||
	    token->expires_in < 0)
		token->expires_in = 0;
	return token;
}

TwSendResult *
tw_json_parse_send_result(const char *body, gssize length, GError **error)
{
	g_autoptr(JsonParser) parser = json_parser_new_immutable();
	JsonObject *root = tw_json_load_object(parser, body, length, error);

	if (root == NULL)
		return NULL;

	JsonObject *data = tw_member_object(root, "data");
	if (data == NULL)
		data = root;

	g_autoptr(TwSendResult) result = g_new0(TwSendResult, 1);
	result->conversation_id =
	    tw_member_dup_conversation_id(data, "dm_conversation_id");
	result->event_id = tw_member_dup_id(data, "dm_event_id");
	if (result->conversation_id == NULL || result->event_id == NULL) {
		g_set_error_literal(
		    error, TW_JSON_ERROR, TW_JSON_ERROR_SHAPE,
		    "The send response has no valid dm_conversation_id "
		    "and dm_event_id");
		return NULL;
	}
	return g_steal_pointer(&result);
}

/* Fills the problem members that @object provides and are still unset. */
static void
tw_problem_read_object(JsonObject *object, const char **type,
		       const char **title, const char **detail)
{
	/* OAuth token endpoint: {"error": code, "error_description": text} */
	if (*type == NULL)
		*type = tw_member_string(object, "type");
	if (*type == NULL)
		*type = tw_member_string(object, "error");
	if (*title == NULL)
		*title = tw_member_string(object, "title");
	if (*detail == NULL)
		*detail = tw_member_string(object, "detail");
	if (*detail == NULL)
		*detail = tw_member_string(object, "error_description");
	if (*detail == NULL)
		*detail = tw_member_string(object, "message");
}

TwProblem *
tw_json_parse_problem(guint status, const char *body, gssize length)
{
	g_autoptr(JsonParser) parser = json_parser_new_immutable();
	g_autoptr(GError) error = NULL;
	JsonObject *root = NULL;

	if (body != NULL && length != 0)
		root = tw_json_load_object(parser, body, length, &error);
	if (root == NULL) {
		if (error != NULL)
			g_debug("HTTP %u body is no problem: %s", status,
				error->message);
		return tw_problem_new(status, NULL, NULL, NULL);
	}

	const char *type = NULL;
	const char *title = NULL;
	const char *detail = NULL;
	tw_problem_read_object(root, &type, &title, &detail);

	/* {"errors":[…]} alone (or with a generic root): the first entry says
	 * what was wrong. */
	JsonArray *errors = tw_member_array(root, "errors");
	if (detail == NULL && errors != NULL &&
	    json_array_get_length(errors) > 0) {
		JsonNode *first = json_array_get_element(errors, 0);
		if (JSON_NODE_HOLDS_OBJECT(first))
			tw_problem_read_object(json_node_get_object(first),
					       &type, &title, &detail);
	}
	return tw_problem_new(status, type, title, detail);
}

TwUploadResult *
tw_json_parse_upload_result(const char *body, gssize length, GError **error)
{
	g_autoptr(JsonParser) parser = json_parser_new_immutable();
	JsonObject *root = tw_json_load_object(parser, body, length, error);
	JsonObject *data;
	JsonObject *processing;
	gint64 expires = 0;

	if (root == NULL)
		return NULL;
	data = tw_member_object(root, "data");
	if (data == NULL)
		data = root;

	g_autoptr(TwUploadResult) result = g_new0(TwUploadResult, 1);
	result->media_id = tw_member_dup_id(data, "id");
	if (result->media_id == NULL)
		result->media_id = tw_member_dup_id(data, "media_id_string");
	if (result->media_id == NULL) {
		g_set_error_literal(error, TW_JSON_ERROR, TW_JSON_ERROR_SHAPE,
				    "The upload response has no valid id");
		return NULL;
	}
	/* X states a day for DM media. */
	result->expires_after_secs =
	    tw_member_int(data, "expires_after_secs", &expires) && expires > 0
		? expires
		: G_TIME_SPAN_DAY / G_TIME_SPAN_SECOND;
	processing = tw_member_object(data, "processing_info");
	if (processing != NULL) {
		JsonObject *failure = tw_member_object(processing, "error");
		gint64 check_after = 0;

		result->processing_state =
		    g_strdup(tw_member_string(processing, "state"));
		if (tw_member_int(processing, "check_after_secs",
				  &check_after) &&
		    check_after > 0)
			result->check_after_secs = check_after;
		if (failure != NULL)
			result->processing_error = g_strdup(
			    tw_member_string(failure, "message") != NULL
				? tw_member_string(failure, "message")
				: tw_member_string(failure, "name"));
	}
	return g_steal_pointer(&result);
}
