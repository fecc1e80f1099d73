/*
 * tw-sandbox-world: the sandbox's state and how it changes.
 *
 * Snowflake ids and times, users, conversations and their events, t.co
 * links, tokens, and creating a world (tw_sandbox_new). Every write to the
 * world that more than one endpoint needs is here, so endpoints only
 * translate HTTP to these calls.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "config.h"

#include "tw-sandbox-private.h"

/* Twitter's snowflake epoch (2010-11-04T01:42:54.657Z) in ms. */
#define SNOWFLAKE_EPOCH_MS      G_GINT64_CONSTANT(1288834974657)
#define SNOWFLAKE_TIME_SHIFT    22
#define SNOWFLAKE_SEQUENCE_MASK ((G_GUINT64_CONSTANT(1) << 22) - 1)
#define TCO_CODE_LENGTH         10
#define DISPLAY_URL_LENGTH      26

GQuark
tw_sandbox_error_quark(void)
{
	return g_quark_from_static_string("tw-sandbox-error-quark");
}

/* ------------------------------------------------------------------------ */
/* Ids and times                                                             */

G_LOCK_DEFINE_STATIC(snowflake);
static guint64 snowflake_last;
static guint64 snowflake_sequence;

static guint64
snowflake_time_bits(gint64 time_us)
{
	gint64 ms = time_us / 1000 - SNOWFLAKE_EPOCH_MS;

	return ms > 0 ? (guint64)ms << SNOWFLAKE_TIME_SHIFT : 0;
}

guint64
tw_sandbox_snowflake_now(void)
{
	guint64 id = snowflake_time_bits(g_get_real_time());

	G_LOCK(snowflake);
	if (id <= snowflake_last)
		id = snowflake_last + 1;
	snowflake_last = id;
	G_UNLOCK(snowflake);
	return id;
}

/* An id for an explicit time: an older time gives a lower id. The sequence
 * bits keep two ids for the same millisecond apart. */
static guint64
snowflake_at(gint64 time_us)
{
	guint64 sequence;

	G_LOCK(snowflake);
	sequence = ++snowflake_sequence & SNOWFLAKE_SEQUENCE_MASK;
	G_UNLOCK(snowflake);
	return snowflake_time_bits(time_us) | sequence;
}

char *
tw_sandbox_format_time(gint64 time_us)
{
	g_autoptr(GDateTime) utc =
	    g_date_time_new_from_unix_utc(time_us / G_USEC_PER_SEC);
	g_autofree char *seconds = NULL;

	if (!utc)
		return g_strdup("1970-01-01T00:00:00.000Z");
	seconds = g_date_time_format(utc, "%Y-%m-%dT%H:%M:%S");
	return g_strdup_printf("%s.%03dZ", seconds,
			       (int)((time_us / 1000) % 1000));
}

gint64
tw_sandbox_utc_day(gint64 time_us)
{
	return time_us / ((gint64)DAY_SECONDS * G_USEC_PER_SEC);
}

gboolean
tw_sandbox_is_digits(const char *text, gsize min_length, gsize max_length)
{
	gsize length;

	if (!text)
		return FALSE;
	length = strlen(text);
	if (length < min_length || length > max_length)
		return FALSE;
	for (gsize i = 0; i < length; i++) {
		if (!g_ascii_isdigit(text[i]))
			return FALSE;
	}
	return TRUE;
}

gboolean
tw_sandbox_is_user_id(const char *text)
{
	return tw_sandbox_is_digits(text, 1, 19);
}

gboolean
tw_sandbox_is_valid_username(const char *text)
{
	gsize length = text ? strlen(text) : 0;

	if (length < 1 || length > 15)
		return FALSE;
	for (gsize i = 0; i < length; i++) {
		if (!g_ascii_isalnum(text[i]) && text[i] != '_')
			return FALSE;
	}
	return TRUE;
}

/* Numeric ids compared as numbers: "944480690" < "906948460078698496". */
static int
compare_numeric_ids(const char *a, const char *b)
{
	gsize length_a, length_b;

	while (a[0] == '0' && a[1] != '\0')
		a++;
	while (b[0] == '0' && b[1] != '\0')
		b++;
	length_a = strlen(a);
	length_b = strlen(b);
	if (length_a != length_b)
		return length_a < length_b ? -1 : 1;
	return strcmp(a, b);
}

char *
tw_sandbox_one_to_one_conversation_id(const char *a, const char *b)
{
	if (compare_numeric_ids(a, b) <= 0)
		return g_strdup_printf("%s-%s", a, b);
	return g_strdup_printf("%s-%s", b, a);
}

gboolean
tw_sandbox_is_conversation_id(const char *text)
{
	const char *dash = text ? strchr(text, '-') : NULL;

	if (!text)
		return FALSE;
	if (dash) {
		g_autofree char *first = g_strndup(text, dash - text);

		return tw_sandbox_is_user_id(first) &&
		       tw_sandbox_is_user_id(dash + 1);
	}
	return tw_sandbox_is_digits(text, 15, 19);
}

void
tw_sandbox_base64url_in_place(char *text)
{
	char *out = text;

	for (char *in = text; *in; in++) {
		if (*in == '=')
			continue;
		*out++ = *in == '+' ? '-' : *in == '/' ? '_' : *in;
	}
	*out = '\0';
}

char *
tw_sandbox_mint_token(GRand *rand, const char *suffix)
{
	guint8 random_bytes[30];
	g_autofree char *random_text = NULL;
	g_autofree char *plain = NULL;
	char *token;

	for (gsize i = 0; i < sizeof random_bytes; i++)
		random_bytes[i] = (guint8)g_rand_int_range(rand, 0, 256);
	random_text = g_base64_encode(random_bytes, sizeof random_bytes);
	tw_sandbox_base64url_in_place(random_text);
	plain = g_strdup_printf("%s:%" G_GINT64_FORMAT ":%s", random_text,
				g_get_real_time() / 1000, suffix);
	token = g_base64_encode((const guchar *)plain, strlen(plain));
	tw_sandbox_base64url_in_place(token);
	return token;
}

const char *const tw_sandbox_event_type_names[] = {
    "MessageCreate",
    "ParticipantsJoin",
    "ParticipantsLeave",
    NULL,
};

static void
user_free(User *user)
{
	g_free(user->id);
	g_free(user->username);
	g_free(user->name);
	g_free(user->description);
	g_free(user->location);
	g_strfreev(user->connection_status);
	g_free(user);
}

static void
url_entity_free(UrlEntity *entity)
{
	g_free(entity->url);
	g_free(entity->expanded_url);
	g_free(entity->display_url);
	g_free(entity);
}

static void
event_free(Event *event)
{
	g_free(event->id);
	g_free(event->conversation_id);
	g_free(event->sender_id);
	g_free(event->text);
	if (event->participant_ids)
		g_ptr_array_unref(event->participant_ids);
	if (event->urls)
		g_ptr_array_unref(event->urls);
	g_free(event->media_key);
	tw_sandbox_media_free(event->media);
	g_free(event->referenced_tweet_id);
	g_free(event);
}

static void
conversation_free(Conversation *conversation)
{
	g_free(conversation->id);
	g_ptr_array_unref(conversation->member_ids);
	g_free(conversation);
}

static void
token_free(Token *token)
{
	g_free(token->user_id);
	g_free(token->scope);
	g_free(token->client_id);
	g_free(token->redirect_uri);
	g_free(token->code_challenge);
	g_free(token->code_challenge_method);
	g_free(token->secret);
	g_free(token->consumer_key);
	g_free(token->callback);
	g_free(token->verifier);
	g_free(token->successor);
	g_free(token);
}

static void
fault_free(Fault *fault)
{
	g_free(fault->method);
	g_free(fault->path_prefix);
	g_free(fault->path_suffix);
	g_free(fault);
}

static void
customer_free(Customer *customer)
{
	g_free(customer->user_id);
	g_free(customer);
}

void
tw_sandbox_request_free(TwSandboxRequest *request)
{
	if (!request)
		return;
	g_free(request->method);
	g_free(request->path);
	g_free(request->query);
	g_free(request->body);
	g_free(request->user_id);
	g_free(request);
}

void
tw_sandbox_config_init(TwSandboxConfig *config)
{
	g_return_if_fail(config != NULL);

	*config = (TwSandboxConfig){
	    .rate_window_seconds = 900,
	    .dm_read_limit = 15,
	    .dm_send_limit = 15,
	    .dm_send_daily_limit = 1440,
	    .users_limit = 900,
	    .me_limit = 75,
	    .access_token_lifetime = 7200,
	    .problem_host = "api.twitter.com",
	    .visibility_delay_ms = 0,
	    .client_id = TW_SANDBOX_CLIENT_ID,
	    .client_secret = NULL,
	    .media_text_link = TRUE,
	    .gif_max_bytes = 15 * 1024 * 1024,
	    .video_max_bytes = 512 * 1024 * 1024,
	    .segment_max_bytes = 5 * 1024 * 1024,
	    .processing_checks = 1,
	    .check_after_secs = 1,
	    .processing_error = NULL,
	    .media_upload_limit = 500,
	    .media_chunked_limit = 1875,
	};
}

TwSandbox *
tw_sandbox_new(const TwSandboxConfig *config)
{
	TwSandbox *sandbox = g_new0(TwSandbox, 1);
	TwSandboxConfig defaults;

	tw_sandbox_config_init(&defaults);
	sandbox->config = config ? *config : defaults;
	sandbox->problem_host =
	    g_strdup(sandbox->config.problem_host ? sandbox->config.problem_host
						  : defaults.problem_host);
	sandbox->client_id =
	    g_strdup(sandbox->config.client_id ? sandbox->config.client_id
					       : defaults.client_id);
	sandbox->client_secret = g_strdup(sandbox->config.client_secret);
	if (sandbox->client_secret && !*sandbox->client_secret)
		g_clear_pointer(&sandbox->client_secret, g_free);
	sandbox->processing_error = g_strdup(sandbox->config.processing_error);
	if (sandbox->processing_error && !*sandbox->processing_error)
		g_clear_pointer(&sandbox->processing_error, g_free);
	/* The copy must not point into the caller's strings. */
	sandbox->config.problem_host = sandbox->problem_host;
	sandbox->config.client_id = sandbox->client_id;
	sandbox->config.client_secret = sandbox->client_secret;
	sandbox->config.processing_error = sandbox->processing_error;
	if (sandbox->config.rate_window_seconds == 0)
		sandbox->config.rate_window_seconds = 1;

	g_mutex_init(&sandbox->mutex);
	sandbox->rand = g_rand_new();
	sandbox->users = g_hash_table_new_full(g_str_hash, g_str_equal, NULL,
					       (GDestroyNotify)user_free);
	sandbox->users_by_username =
	    g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	sandbox->user_order = g_ptr_array_new();
	sandbox->conversations = g_hash_table_new_full(
	    g_str_hash, g_str_equal, NULL, (GDestroyNotify)conversation_free);
	sandbox->events =
	    g_ptr_array_new_with_free_func((GDestroyNotify)event_free);
	sandbox->events_by_id = g_hash_table_new(g_str_hash, g_str_equal);
	sandbox->uploads =
	    g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
				  (GDestroyNotify)tw_sandbox_upload_free);
	sandbox->tokens = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
						(GDestroyNotify)token_free);
	sandbox->buckets =
	    g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	sandbox->billed =
	    g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	sandbox->requests = g_ptr_array_new_with_free_func(
	    (GDestroyNotify)tw_sandbox_request_free);
	sandbox->faults =
	    g_ptr_array_new_with_free_func((GDestroyNotify)fault_free);
	sandbox->consumers =
	    g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	sandbox->nonces =
	    g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	sandbox->pending_sources =
	    g_ptr_array_new_with_free_func((GDestroyNotify)g_source_unref);
	sandbox->customers =
	    g_ptr_array_new_with_free_func((GDestroyNotify)customer_free);

	sandbox->context = g_main_context_new();
	g_mutex_init(&sandbox->start_mutex);
	g_cond_init(&sandbox->start_cond);
	return sandbox;
}

User *
tw_sandbox_find_user_locked(TwSandbox *sandbox, const char *id)
{
	return id ? g_hash_table_lookup(sandbox->users, id) : NULL;
}

User *
tw_sandbox_find_user_by_username_locked(TwSandbox *sandbox,
					const char *username)
{
	g_autofree char *key = g_utf8_casefold(username, -1);

	return g_hash_table_lookup(sandbox->users_by_username, key);
}

User *
tw_sandbox_add_user_locked(TwSandbox *sandbox, const char *id,
			   const char *username, const char *name,
			   GError **error)
{
	User *user;

	if (!tw_sandbox_is_valid_username(username)) {
		g_set_error(error, SANDBOX_ERROR, SANDBOX_ERROR_INVALID,
			    "username must match %s", USERNAME_PATTERN);
		return NULL;
	}
	if (tw_sandbox_find_user_by_username_locked(sandbox, username)) {
		g_set_error(error, SANDBOX_ERROR, SANDBOX_ERROR_INVALID,
			    "username %s is taken", username);
		return NULL;
	}
	if (id && (!tw_sandbox_is_user_id(id) ||
		   tw_sandbox_find_user_locked(sandbox, id))) {
		g_set_error(error, SANDBOX_ERROR, SANDBOX_ERROR_INVALID,
			    "id %s is not a free numeric id", id);
		return NULL;
	}

	user = g_new0(User, 1);
	if (id) {
		user->id = g_strdup(id);
	} else {
		do {
			g_free(user->id);
			user->id = g_strdup_printf("%" G_GUINT64_FORMAT,
						   tw_sandbox_snowflake_now());
		} while (tw_sandbox_find_user_locked(sandbox, user->id));
	}
	user->username = g_strdup(username);
	user->name = g_strdup(name && *name ? name : username);
	user->description = g_strdup("");
	user->created_at = g_get_real_time();
	user->receives_dm = TRUE;
	user->followers_count = g_rand_int_range(sandbox->rand, 3, 5000);
	user->following_count = g_rand_int_range(sandbox->rand, 3, 900);
	user->tweet_count = g_rand_int_range(sandbox->rand, 1, 20000);
	g_hash_table_insert(sandbox->users, user->id, user);
	g_hash_table_insert(sandbox->users_by_username,
			    g_utf8_casefold(username, -1), user);
	g_ptr_array_add(sandbox->user_order, user);
	return user;
}

gboolean
tw_sandbox_conversation_has_member(const Conversation *conversation,
				   const char *user_id)
{
	for (guint i = 0; i < conversation->member_ids->len; i++) {
		if (g_str_equal(conversation->member_ids->pdata[i], user_id))
			return TRUE;
	}
	return FALSE;
}

Conversation *
tw_sandbox_find_conversation_locked(TwSandbox *sandbox, const char *id)
{
	return id ? g_hash_table_lookup(sandbox->conversations, id) : NULL;
}

Conversation *
tw_sandbox_ensure_one_to_one_locked(TwSandbox *sandbox, const char *a,
				    const char *b)
{
	g_autofree char *id = tw_sandbox_one_to_one_conversation_id(a, b);
	Conversation *conversation =
	    tw_sandbox_find_conversation_locked(sandbox, id);

	if (conversation)
		return conversation;
	conversation = g_new0(Conversation, 1);
	conversation->id = g_steal_pointer(&id);
	conversation->member_ids = g_ptr_array_new_with_free_func(g_free);
	if (compare_numeric_ids(a, b) <= 0) {
		g_ptr_array_add(conversation->member_ids, g_strdup(a));
		g_ptr_array_add(conversation->member_ids, g_strdup(b));
	} else {
		g_ptr_array_add(conversation->member_ids, g_strdup(b));
		g_ptr_array_add(conversation->member_ids, g_strdup(a));
	}
	g_hash_table_insert(sandbox->conversations, conversation->id,
			    conversation);
	return conversation;
}

Conversation *
tw_sandbox_resolve_conversation_locked(TwSandbox *sandbox, const char *id,
				       gboolean create)
{
	Conversation *conversation =
	    tw_sandbox_find_conversation_locked(sandbox, id);
	const char *dash;
	g_autofree char *first = NULL;

	if (conversation || !create || !id || !(dash = strchr(id, '-')))
		return conversation;
	first = g_strndup(id, dash - id);
	if (!tw_sandbox_find_user_locked(sandbox, first) ||
	    !tw_sandbox_find_user_locked(sandbox, dash + 1) ||
	    g_str_equal(first, dash + 1))
		return NULL;
	conversation =
	    tw_sandbox_ensure_one_to_one_locked(sandbox, first, dash + 1);
	return g_str_equal(conversation->id, id) ? conversation : NULL;
}

static char *
tco_link_locked(TwSandbox *sandbox)
{
	static const char alphabet[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
	GString *link = g_string_new("https://t.co/");

	for (guint i = 0; i < TCO_CODE_LENGTH; i++)
		g_string_append_c(
		    link, alphabet[g_rand_int_range(sandbox->rand, 0,
						    sizeof alphabet - 1)]);
	return g_string_free(link, FALSE);
}

/* X shows links without the scheme, cut with an ellipsis when long. */
static char *
display_url_for(const char *expanded)
{
	const char *rest = expanded;
	glong length;

	if (g_str_has_prefix(rest, "https://"))
		rest += strlen("https://");
	else if (g_str_has_prefix(rest, "http://"))
		rest += strlen("http://");
	length = g_utf8_strlen(rest, -1);
	if (length <= DISPLAY_URL_LENGTH)
		return g_strdup(rest);
	return g_strdup_printf(
	    "%.*s…",
	    (int)(g_utf8_offset_to_pointer(rest, DISPLAY_URL_LENGTH - 1) -
		  rest),
	    rest);
}

static void
append_link_locked(TwSandbox *sandbox, GString *text, const char *expanded,
		   GPtrArray *entities)
{
	UrlEntity *entity = g_new0(UrlEntity, 1);

	entity->start = (guint)g_utf8_strlen(text->str, text->len);
	entity->url = tco_link_locked(sandbox);
	entity->end = entity->start + (guint)strlen(entity->url);
	entity->expanded_url = g_strdup(expanded);
	entity->display_url = display_url_for(expanded);
	g_string_append(text, entity->url);
	g_ptr_array_add(entities, entity);
}

static const char *
find_link_start(const char *text)
{
	for (const char *p = text; (p = strstr(p, "http")) != NULL; p++) {
		gboolean at_boundary = p == text || !g_ascii_isalnum(p[-1]);
		const char *after = NULL;

		if (g_str_has_prefix(p, "https://"))
			after = p + strlen("https://");
		else if (g_str_has_prefix(p, "http://"))
			after = p + strlen("http://");
		if (at_boundary && after && *after && !g_ascii_isspace(*after))
			return p;
	}
	return NULL;
}

/* Every http(s) link in a DM comes back t.co-wrapped, with an entity that
 * keeps the original (indices in code points, end exclusive). */
static char *
wrap_links_locked(TwSandbox *sandbox, const char *text,
		  const GPtrArray *extra_urls, GPtrArray *entities)
{
	GString *out = g_string_new(NULL);
	const char *rest = text ? text : "";
	const char *start;

	while ((start = find_link_start(rest)) != NULL) {
		const char *end = start;
		g_autofree char *expanded = NULL;

		g_string_append_len(out, rest, start - rest);
		while (*end && !g_ascii_isspace(*end))
			end++;
		while (end > start && strchr(".,;:!?)]}'\"", end[-1]))
			end--;
		expanded = g_strndup(start, end - start);
		append_link_locked(sandbox, out, expanded, entities);
		rest = end;
	}
	g_string_append(out, rest);
	for (guint i = 0; extra_urls && i < extra_urls->len; i++) {
		if (out->len > 0 && !g_ascii_isspace(out->str[out->len - 1]))
			g_string_append_c(out, ' ');
		append_link_locked(sandbox, out, extra_urls->pdata[i],
				   entities);
	}
	return g_string_free(out, FALSE);
}

/* A link to a Post makes the event carry referenced_tweets. */
static char *
referenced_tweet_for(const GPtrArray *entities)
{
	for (guint i = 0; i < entities->len; i++) {
		const UrlEntity *entity = entities->pdata[i];
		const char *status = strstr(entity->expanded_url, "/status/");
		const char *host = strstr(entity->expanded_url, "://");
		gsize digits = 0;

		if (!status || !host)
			continue;
		host += 3;
		if (g_str_has_prefix(host, "www.") ||
		    g_str_has_prefix(host, "mobile."))
			host = strchr(host, '.') + 1;
		if (!g_str_has_prefix(host, "twitter.com/") &&
		    !g_str_has_prefix(host, "x.com/"))
			continue;
		status += strlen("/status/");
		while (g_ascii_isdigit(status[digits]))
			digits++;
		if (digits > 0 && digits <= 19)
			return g_strndup(status, digits);
	}
	return NULL;
}

void
tw_sandbox_insert_event_locked(TwSandbox *sandbox, Event *event)
{
	guint low = 0, high = sandbox->events->len;

	/* Keep the id unique even when two explicit times collide. */
	for (;;) {
		g_free(event->id);
		event->id =
		    g_strdup_printf("%" G_GUINT64_FORMAT, event->number);
		if (!g_hash_table_contains(sandbox->events_by_id, event->id))
			break;
		event->number++;
	}
	/* The media's URL names its DM. */
	if (event->media != NULL &&
	    g_strcmp0(event->media->dm_id, event->id) != 0) {
		g_free(event->media->dm_id);
		event->media->dm_id = g_strdup(event->id);
	}
	while (low < high) {
		guint middle = low + (high - low) / 2;
		const Event *other = sandbox->events->pdata[middle];

		if (other->number < event->number)
			low = middle + 1;
		else
			high = middle;
	}
	g_ptr_array_insert(sandbox->events, (gint)low, event);
	g_hash_table_insert(sandbox->events_by_id, event->id, event);
}

Event *
tw_sandbox_add_message_event_locked(TwSandbox *sandbox,
				    Conversation *conversation,
				    const NewMessage *message)
{
	Event *event = g_new0(Event, 1);
	guint delay_ms = message->visible_after_ms
			     ? message->visible_after_ms
			     : sandbox->config.visibility_delay_ms;

	event->type = EVENT_MESSAGE_CREATE;
	if (message->created_at) {
		event->created_at = message->created_at;
		event->number = snowflake_at(message->created_at);
	} else {
		event->created_at = g_get_real_time();
		event->number = tw_sandbox_snowflake_now();
	}
	event->conversation_id = g_strdup(conversation->id);
	event->sender_id = g_strdup(message->sender_id);
	event->urls =
	    g_ptr_array_new_with_free_func((GDestroyNotify)url_entity_free);
	if (message->media)
		event->media =
		    tw_sandbox_media_new(message->media, event->number);
	if (event->media && sandbox->config.media_text_link) {
		g_autoptr(GPtrArray) urls =
		    g_ptr_array_new_with_free_func(g_free);

		for (guint i = 0; message->urls && i < message->urls->len; i++)
			g_ptr_array_add(urls,
					g_strdup(message->urls->pdata[i]));
		g_ptr_array_add(urls,
				tw_sandbox_media_dup_text_link(event->number));
		event->text = wrap_links_locked(sandbox, message->text, urls,
						event->urls);
	} else {
		event->text = wrap_links_locked(sandbox, message->text,
						message->urls, event->urls);
	}
	event->referenced_tweet_id = referenced_tweet_for(event->urls);
	if (event->media)
		event->media_key = g_strdup(event->media->key);
	else if (message->media_id) {
		/* The key's prefix says the kind: 3_ image, 16_ GIF, 7_ video.
		 */
		const Upload *upload =
		    g_hash_table_lookup(sandbox->uploads, message->media_id);

		event->media_key =
		    upload != NULL ? g_strdup(upload->media_key)
				   : g_strdup_printf("3_%s", message->media_id);
	}
	event->visible_after = g_get_monotonic_time() + (gint64)delay_ms * 1000;
	tw_sandbox_insert_event_locked(sandbox, event);
	sandbox->counters.messages_created++;
	tw_sandbox_schedule_customer_reply_locked(sandbox, conversation,
						  message->sender_id);
	return event;
}

Conversation *
tw_sandbox_create_group_conversation_locked(TwSandbox *sandbox,
					    const char *creator_id,
					    const GPtrArray *participant_ids)
{
	Conversation *conversation = g_new0(Conversation, 1);
	Event *join = g_new0(Event, 1);

	do {
		g_free(conversation->id);
		conversation->id = g_strdup_printf("%" G_GUINT64_FORMAT,
						   tw_sandbox_snowflake_now());
	} while (
	    tw_sandbox_find_conversation_locked(sandbox, conversation->id));
	conversation->is_group = TRUE;
	conversation->member_ids = g_ptr_array_new_with_free_func(g_free);
	g_ptr_array_add(conversation->member_ids, g_strdup(creator_id));
	for (guint i = 0; i < participant_ids->len; i++)
		g_ptr_array_add(conversation->member_ids,
				g_strdup(participant_ids->pdata[i]));
	g_hash_table_insert(sandbox->conversations, conversation->id,
			    conversation);

	/* The creator brought everyone in: one ParticipantsJoin for all. */
	join->type = EVENT_PARTICIPANTS_JOIN;
	join->number = tw_sandbox_snowflake_now();
	join->created_at = g_get_real_time();
	join->conversation_id = g_strdup(conversation->id);
	join->sender_id = g_strdup(creator_id);
	join->participant_ids = g_ptr_array_new_with_free_func(g_free);
	for (guint i = 0; i < conversation->member_ids->len; i++)
		g_ptr_array_add(join->participant_ids,
				g_strdup(conversation->member_ids->pdata[i]));
	join->visible_after =
	    g_get_monotonic_time() +
	    (gint64)sandbox->config.visibility_delay_ms * 1000;
	tw_sandbox_insert_event_locked(sandbox, join);
	return conversation;
}

const char *
tw_sandbox_granted_scopes(TwSandbox *sandbox)
{
	return sandbox->config.granted_scopes != NULL
		   ? sandbox->config.granted_scopes
		   : GRANTED_SCOPES;
}

char *
tw_sandbox_issue_refresh_token_locked(TwSandbox *sandbox, const char *user_id)
{
	Token *token = g_new0(Token, 1);
	char *text = tw_sandbox_mint_token(sandbox->rand, "1:1:rt:1");

	token->kind = TOKEN_REFRESH;
	token->user_id = g_strdup(user_id);
	token->scope = g_strdup(tw_sandbox_granted_scopes(sandbox));
	g_hash_table_insert(sandbox->tokens, g_strdup(text), token);
	return text;
}

char *
tw_sandbox_issue_access_token_locked(TwSandbox *sandbox, const char *user_id)
{
	Token *token = g_new0(Token, 1);
	char *text = tw_sandbox_mint_token(sandbox->rand, "1:0:at:1");

	token->kind = TOKEN_ACCESS;
	token->user_id = g_strdup(user_id);
	token->scope = g_strdup(tw_sandbox_granted_scopes(sandbox));
	token->expires_at =
	    g_get_real_time() +
	    (gint64)sandbox->config.access_token_lifetime * G_USEC_PER_SEC;
	g_hash_table_insert(sandbox->tokens, g_strdup(text), token);
	return text;
}

void
tw_sandbox_expire_access_tokens_locked(TwSandbox *sandbox)
{
	GHashTableIter iter;
	Token *token;

	g_hash_table_iter_init(&iter, sandbox->tokens);
	while (g_hash_table_iter_next(&iter, NULL, (gpointer *)&token)) {
		if (token->kind == TOKEN_ACCESS)
			token->expires_at = 1;
	}
}

char *
tw_sandbox_create_message_locked(TwSandbox *sandbox,
				 const TwSandboxMessage *message,
				 GError **error)
{
	Conversation *conversation = NULL;
	NewMessage new_message = {0};
	Event *event;

	if (!tw_sandbox_find_user_locked(sandbox, message->sender_id)) {
		g_set_error(error, SANDBOX_ERROR, SANDBOX_ERROR_INVALID,
			    "unknown sender %s",
			    message->sender_id ? message->sender_id : "(null)");
		return NULL;
	}
	if (message->conversation_id) {
		conversation = tw_sandbox_resolve_conversation_locked(
		    sandbox, message->conversation_id, TRUE);
		if (!conversation || !tw_sandbox_conversation_has_member(
					 conversation, message->sender_id)) {
			g_set_error(error, SANDBOX_ERROR, SANDBOX_ERROR_INVALID,
				    "the sender is not in conversation %s",
				    message->conversation_id);
			return NULL;
		}
	} else if (message->recipient_id) {
		if (!tw_sandbox_find_user_locked(sandbox,
						 message->recipient_id) ||
		    g_str_equal(message->recipient_id, message->sender_id)) {
			g_set_error(error, SANDBOX_ERROR, SANDBOX_ERROR_INVALID,
				    "unknown recipient %s",
				    message->recipient_id);
			return NULL;
		}
		conversation = tw_sandbox_ensure_one_to_one_locked(
		    sandbox, message->sender_id, message->recipient_id);
	} else {
		g_set_error_literal(error, SANDBOX_ERROR, SANDBOX_ERROR_INVALID,
				    "a recipient or a conversation is needed");
		return NULL;
	}

	new_message.sender_id = message->sender_id;
	new_message.text = message->text;
	new_message.urls = message->urls;
	new_message.media = message->media;
	new_message.created_at = message->created_at;
	new_message.visible_after_ms = message->visible_after_ms;
	event = tw_sandbox_add_message_event_locked(sandbox, conversation,
						    &new_message);
	return g_strdup(event->id);
}

char *
tw_sandbox_create_group_locked(TwSandbox *sandbox, const char *creator_id,
			       const GPtrArray *participant_ids,
			       const char *text, GError **error)
{
	Conversation *conversation;
	NewMessage message = {0};

	if (!tw_sandbox_find_user_locked(sandbox, creator_id)) {
		g_set_error(error, SANDBOX_ERROR, SANDBOX_ERROR_INVALID,
			    "unknown creator %s",
			    creator_id ? creator_id : "(null)");
		return NULL;
	}
	if (!participant_ids || participant_ids->len == 0) {
		g_set_error_literal(error, SANDBOX_ERROR, SANDBOX_ERROR_INVALID,
				    "a group needs participants");
		return NULL;
	}
	for (guint i = 0; i < participant_ids->len; i++) {
		const char *id = participant_ids->pdata[i];

		if (!tw_sandbox_find_user_locked(sandbox, id) ||
		    g_str_equal(id, creator_id)) {
			g_set_error(error, SANDBOX_ERROR, SANDBOX_ERROR_INVALID,
				    "bad participant %s", id ? id : "(null)");
			return NULL;
		}
	}
	conversation = tw_sandbox_create_group_conversation_locked(
	    sandbox, creator_id, participant_ids);
	message.sender_id = creator_id;
	message.text = text;
	tw_sandbox_add_message_event_locked(sandbox, conversation, &message);
	return g_strdup(conversation->id);
}
