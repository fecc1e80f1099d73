/*
 * tw-state: per-account files that survive crashes and restarts.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "config.h"

#include "tw-state-private.h"

#include <errno.h>
#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <string.h>

#include "tw-auth.h"

G_DEFINE_QUARK(tw - state - error - quark, tw_state_error)

#define STATE_FILE_VERSION 1

static void
outgoing_free(TwStateOutgoing *outgoing)
{
	g_free(outgoing->id);
	g_free(outgoing->conversation);
	g_free(outgoing->text);
	g_free(outgoing->file);
	g_free(outgoing->media_category);
	g_free(outgoing->media_id);
	g_free(outgoing);
}

/* A message leaves the outbox for good: its copy of an attachment too. */
static void
outgoing_discard(TwStateOutgoing *outgoing)
{
	if (outgoing->file != NULL && g_unlink(outgoing->file) != 0 &&
	    errno != ENOENT)
		g_debug("attachment copy not removed: %s", g_strerror(errno));
	outgoing_free(outgoing);
}

/****************************************************************************
 * Files
 ****************************************************************************/

static JsonObject *
read_json_object(const char *path, gboolean *exists)
{
	g_autofree char *contents = NULL;
	gsize length;
	g_autoptr(JsonParser) parser = NULL;
	g_autoptr(GError) error = NULL;
	JsonNode *root;

	*exists = g_file_get_contents(path, &contents, &length, NULL);
	if (!*exists)
		return NULL;
	parser = json_parser_new();
	if (json_parser_load_from_data(parser, contents, length, &error) &&
	    (root = json_parser_get_root(parser)) != NULL &&
	    JSON_NODE_HOLDS_OBJECT(root))
		return json_object_ref(json_node_get_object(root));

	/* Keep the damaged file for inspection, start afresh. */
	{
		g_autofree char *aside = g_strconcat(path, ".corrupt", NULL);

		g_message("State file %s is damaged (%s); moved to %s", path,
			  error != NULL ? error->message : "not an object",
			  aside);
		if (g_rename(path, aside) != 0)
			g_message("Could not move %s aside: %s", path,
				  g_strerror(errno));
	}
	if (contents != NULL)
		memset(contents, 0, length);
	return NULL;
}

JsonArray *
tw_state_get_array_member(JsonObject *object, const char *name)
{
	JsonNode *node = json_object_get_member(object, name);

	return node != NULL && JSON_NODE_HOLDS_ARRAY(node)
		   ? json_node_get_array(node)
		   : NULL;
}

void
tw_state_build_key_array(JsonBuilder *builder, const char *name,
			 GHashTable *table)
{
	GHashTableIter iter;
	gpointer key;

	json_builder_set_member_name(builder, name);
	json_builder_begin_array(builder);
	g_hash_table_iter_init(&iter, table);
	while (g_hash_table_iter_next(&iter, &key, NULL))
		json_builder_add_string_value(builder, key);
	json_builder_end_array(builder);
}

static char *
serialize(JsonBuilder *builder)
{
	g_autoptr(JsonGenerator) generator = json_generator_new();
	g_autoptr(JsonNode) root = json_builder_get_root(builder);

	json_generator_set_root(generator, root);
	return json_generator_to_data(generator, NULL);
}

static void
load_token_file(TwState *state)
{
	gboolean exists;
	g_autoptr(JsonObject) object =
	    read_json_object(state->token_path, &exists);
	JsonArray *spent;

	if (object == NULL)
		return;
	state->refresh_token =
	    g_strdup(json_object_get_string_member_with_default(
		object, "refresh_token", NULL));
	if (state->refresh_token != NULL && state->refresh_token[0] == '\0')
		g_clear_pointer(&state->refresh_token, g_free);
	spent = tw_state_get_array_member(object, "spent");
	for (guint i = 0; spent != NULL && i < json_array_get_length(spent);
	     i++) {
		const char *fingerprint =
		    json_array_get_string_element(spent, i);

		if (fingerprint != NULL)
			g_ptr_array_add(state->spent_tokens,
					g_strdup(fingerprint));
	}
	state->rotating = g_strdup(json_object_get_string_member_with_default(
	    object, "rotating", NULL));
}

static void
remember_delivered(TwState *state, const char *event_id, gint64 created_at)
{
	gint64 *time = g_new(gint64, 1);

	*time = created_at;
	g_hash_table_replace(state->delivered, g_strdup(event_id), time);
	state->newest_delivered = MAX(state->newest_delivered, created_at);
}

static void
load_outbox(TwState *state, JsonArray *outbox)
{
	for (guint i = 0; outbox != NULL && i < json_array_get_length(outbox);
	     i++) {
		JsonNode *node = json_array_get_element(outbox, i);
		JsonObject *entry;
		const char *conversation, *text, *id;
		TwStateOutgoing *outgoing;

		if (!JSON_NODE_HOLDS_OBJECT(node))
			continue;
		entry = json_node_get_object(node);
		id = json_object_get_string_member_with_default(entry, "id",
								NULL);
		conversation = json_object_get_string_member_with_default(
		    entry, "conversation", NULL);
		text = json_object_get_string_member_with_default(entry, "text",
								  NULL);
		if (id == NULL || conversation == NULL || text == NULL)
			continue;
		outgoing = g_new0(TwStateOutgoing, 1);
		outgoing->id = g_strdup(id);
		outgoing->conversation = g_strdup(conversation);
		outgoing->text = g_strdup(text);
		outgoing->queued_at = json_object_get_int_member_with_default(
		    entry, "queued_at", 0);
		outgoing->attempted =
		    json_object_get_boolean_member_with_default(
			entry, "attempted", FALSE);
		outgoing->held = json_object_get_boolean_member_with_default(
		    entry, "held", FALSE);
		outgoing->automatic =
		    json_object_get_boolean_member_with_default(
			entry, "automatic", FALSE);
		outgoing->file =
		    g_strdup(json_object_get_string_member_with_default(
			entry, "file", NULL));
		outgoing->media_category =
		    g_strdup(json_object_get_string_member_with_default(
			entry, "media_category", NULL));
		outgoing->media_id =
		    g_strdup(json_object_get_string_member_with_default(
			entry, "media_id", NULL));
		outgoing->media_expires =
		    json_object_get_int_member_with_default(entry,
							    "media_expires", 0);
		g_queue_push_tail(&state->outbox, outgoing);
	}
}

static GHashTable *
members_new(void)
{
	return g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
}

static void
load_groups(TwState *state, JsonObject *groups)
{
	g_autoptr(GList) ids = NULL;

	if (groups == NULL)
		return;
	ids = json_object_get_members(groups);
	for (GList *id = ids; id != NULL; id = id->next) {
		JsonNode *node = json_object_get_member(groups, id->data);
		JsonObject *members;
		g_autoptr(GList) member_ids = NULL;
		GHashTable *table;

		if (!JSON_NODE_HOLDS_OBJECT(node))
			continue;
		members = json_node_get_object(node);
		table = members_new();
		member_ids = json_object_get_members(members);
		for (GList *member = member_ids; member != NULL;
		     member = member->next) {
			const char *handle =
			    json_object_get_string_member_with_default(
				members, member->data, NULL);

			if (handle != NULL)
				g_hash_table_replace(table,
						     g_strdup(member->data),
						     g_strdup(handle));
		}
		g_hash_table_replace(state->groups, g_strdup(id->data), table);
	}
}

static void
load_sync_file(TwState *state)
{
	gboolean exists;
	g_autoptr(JsonObject) object =
	    read_json_object(state->sync_path, &exists);
	JsonArray *delivered;
	JsonArray *flags;

	state->is_new = !exists;
	if (object == NULL)
		return;
	state->first_sign_on = json_object_get_int_member_with_default(
	    object, "first_sign_on", state->first_sign_on);
	state->read_until =
	    json_object_get_int_member_with_default(object, "read_until", -1);
	load_outbox(state, tw_state_get_array_member(object, "outbox"));
	flags = tw_state_get_array_member(object, "flags");
	for (guint i = 0; flags != NULL && i < json_array_get_length(flags);
	     i++) {
		const char *name = json_array_get_string_element(flags, i);

		if (name != NULL)
			g_hash_table_add(state->flags, g_strdup(name));
	}
	load_groups(state, json_object_has_member(object, "groups")
			       ? json_object_get_object_member(object, "groups")
			       : NULL);
	tw_state_desk_load(state, object);
	delivered = tw_state_get_array_member(object, "delivered");
	for (guint i = 0;
	     delivered != NULL && i < json_array_get_length(delivered); i++) {
		JsonArray *pair = json_array_get_array_element(delivered, i);
		const char *id;

		if (pair == NULL || json_array_get_length(pair) != 2)
			continue;
		id = json_array_get_string_element(pair, 0);
		if (id != NULL)
			remember_delivered(state, id,
					   json_array_get_int_element(pair, 1));
	}
	/* Files from before the mark: the delivered record stands for it. */
	if (state->read_until < 0)
		state->read_until = state->newest_delivered;
}

/****************************************************************************
 * Public
 ****************************************************************************/

TwState *
tw_state_open(const char *directory, const char *username, GError **error)
{
	TwState *state;
	g_autofree char *token_name = g_strconcat(username, ".token", NULL);
	g_autofree char *sync_name = g_strconcat(username, ".json", NULL);

	if (g_mkdir_with_parents(directory, 0700) != 0) {
		g_set_error(error, TW_STATE_ERROR, TW_STATE_ERROR_IO,
			    _("Could not create %s: %s"), directory,
			    g_strerror(errno));
		return NULL;
	}
	state = g_new0(TwState, 1);
	state->token_path = g_build_filename(directory, token_name, NULL);
	state->sync_path = g_build_filename(directory, sync_name, NULL);
	state->writer = tw_state_writer_new(state->sync_path);
	state->spent_tokens = g_ptr_array_new_with_free_func(g_free);
	state->delivered =
	    g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	state->first_sign_on = g_get_real_time();
	g_queue_init(&state->outbox);
	state->flags =
	    g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	state->groups =
	    g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
				  (GDestroyNotify)g_hash_table_unref);
	tw_state_desk_init(state);
	load_token_file(state);
	load_sync_file(state);
	return state;
}

void
tw_state_free(TwState *state)
{
	if (state == NULL)
		return;
	/* Every write asked for lands before the state goes. */
	tw_state_writer_free(state->writer);
	tw_auth_wipe_string(state->refresh_token);
	g_free(state->rotating);
	g_ptr_array_unref(state->spent_tokens);
	g_hash_table_destroy(state->delivered);
	g_queue_clear_full(&state->outbox, (GDestroyNotify)outgoing_free);
	g_hash_table_destroy(state->flags);
	g_hash_table_destroy(state->groups);
	tw_state_desk_clear(state);
	g_free(state->token_path);
	g_free(state->sync_path);
	g_free(state);
}

gboolean
tw_state_is_new(TwState *state)
{
	return state->is_new;
}

const char *
tw_state_get_refresh_token(TwState *state)
{
	return state->refresh_token;
}

static gboolean
token_is_spent(TwState *state, const char *token)
{
	g_autofree char *fingerprint = tw_auth_token_fingerprint(token);

	for (guint i = 0; i < state->spent_tokens->len; i++) {
		if (g_str_equal(state->spent_tokens->pdata[i], fingerprint))
			return TRUE;
	}
	return FALSE;
}

const char *
tw_state_choose_refresh_token(TwState *state, const char *configured)
{
	if (configured == NULL || configured[0] == '\0')
		return state->refresh_token;
	if (state->refresh_token == NULL)
		return configured;
	if (token_is_spent(state, configured))
		return state->refresh_token;
	return configured;
}

static gboolean write_token_file(TwState *state, GError **error);

gboolean
tw_state_store_refresh_token(TwState *state, const char *token,
			     const char *replaced, GError **error)
{
	if (replaced != NULL && replaced[0] != '\0' &&
	    g_strcmp0(replaced, token) != 0 &&
	    !token_is_spent(state, replaced)) {
		g_ptr_array_add(state->spent_tokens,
				tw_auth_token_fingerprint(replaced));
		while (state->spent_tokens->len > TW_STATE_MAX_SPENT_TOKENS)
			g_ptr_array_remove_index(state->spent_tokens, 0);
	}
	tw_auth_wipe_string(state->refresh_token);
	state->refresh_token = g_strdup(token);
	g_clear_pointer(&state->rotating, g_free);
	return write_token_file(state, error);
}

gboolean
tw_state_note_rotation(TwState *state, const char *token, GError **error)
{
	if (g_strcmp0(state->refresh_token, token) != 0) {
		tw_auth_wipe_string(state->refresh_token);
		state->refresh_token = g_strdup(token);
	}
	g_free(state->rotating);
	state->rotating = tw_auth_token_fingerprint(token);
	return write_token_file(state, error);
}

gboolean
tw_state_clear_rotation(TwState *state, GError **error)
{
	if (state->rotating == NULL)
		return TRUE;
	g_clear_pointer(&state->rotating, g_free);
	return write_token_file(state, error);
}

gboolean
tw_state_rotation_unanswered(TwState *state, const char *token)
{
	g_autofree char *fingerprint = NULL;

	if (state->rotating == NULL || token == NULL)
		return FALSE;
	fingerprint = tw_auth_token_fingerprint(token);
	return g_str_equal(fingerprint, state->rotating);
}

static gboolean
write_token_file(TwState *state, GError **error)
{
	g_autoptr(JsonBuilder) builder = json_builder_new();
	char *contents;
	gboolean written;

	json_builder_begin_object(builder);
	json_builder_set_member_name(builder, "version");
	json_builder_add_int_value(builder, STATE_FILE_VERSION);
	json_builder_set_member_name(builder, "refresh_token");
	json_builder_add_string_value(builder, state->refresh_token);
	json_builder_set_member_name(builder, "spent");
	json_builder_begin_array(builder);
	for (guint i = 0; i < state->spent_tokens->len; i++)
		json_builder_add_string_value(builder,
					      state->spent_tokens->pdata[i]);
	json_builder_end_array(builder);
	if (state->rotating != NULL) {
		json_builder_set_member_name(builder, "rotating");
		json_builder_add_string_value(builder, state->rotating);
	}
	json_builder_end_object(builder);
	contents = serialize(builder);
	written =
	    tw_state_write_private_file(state->token_path, contents, error);
	tw_auth_wipe_string(contents);
	return written;
}

gboolean
tw_state_is_delivered(TwState *state, const char *event_id)
{
	return g_hash_table_contains(state->delivered, event_id);
}

void
tw_state_mark_delivered(TwState *state, const char *event_id, gint64 created_at)
{
	remember_delivered(state, event_id,
			   created_at > 0 ? created_at : g_get_real_time());
}

gint64
tw_state_get_newest_delivered_time(TwState *state)
{
	return state->newest_delivered;
}

guint
tw_state_count_delivered_since(TwState *state, gint64 since)
{
	GHashTableIter iter;
	gpointer value;
	guint count = 0;

	g_hash_table_iter_init(&iter, state->delivered);
	while (g_hash_table_iter_next(&iter, NULL, &value)) {
		if (*(gint64 *)value > since)
			count++;
	}
	return count;
}

gint64
tw_state_get_read_until(TwState *state)
{
	return state->read_until;
}

void
tw_state_set_read_until(TwState *state, gint64 created_at)
{
	state->read_until = MAX(state->read_until, created_at);
}

gint64
tw_state_get_first_sign_on(TwState *state)
{
	return state->first_sign_on;
}

guint
tw_state_get_delivered_count(TwState *state)
{
	return g_hash_table_size(state->delivered);
}

TwStateOutgoing *
tw_state_outbox_push(TwState *state, const char *conversation, const char *text)
{
	TwStateOutgoing *outgoing = g_new0(TwStateOutgoing, 1);

	outgoing->queued_at = g_get_real_time();
	/* Unique across restarts: time plus a counter. */
	outgoing->id =
	    g_strdup_printf("%" G_GINT64_FORMAT "-%" G_GUINT64_FORMAT,
			    outgoing->queued_at, state->next_outgoing++);
	outgoing->conversation = g_strdup(conversation);
	outgoing->text = g_strdup(text);
	g_queue_push_tail(&state->outbox, outgoing);
	return outgoing;
}

/* The link of the first message that may be sent: a held message holds
 * back the rest of its conversation, so that its order is kept. */
static GList *
outbox_sendable_link(TwState *state)
{
	g_autoptr(GHashTable) held = NULL;

	for (GList *link = state->outbox.head; link != NULL;
	     link = link->next) {
		TwStateOutgoing *outgoing = link->data;

		if (outgoing->held) {
			if (held == NULL)
				held =
				    g_hash_table_new(g_str_hash, g_str_equal);
			g_hash_table_add(held, outgoing->conversation);
		} else if (held == NULL || !g_hash_table_contains(
					       held, outgoing->conversation)) {
			return link;
		}
	}
	return NULL;
}

TwStateOutgoing *
tw_state_outbox_peek(TwState *state)
{
	GList *link = outbox_sendable_link(state);

	return link != NULL ? link->data : NULL;
}

guint
tw_state_outbox_get_length(TwState *state)
{
	return g_queue_get_length(&state->outbox);
}

void
tw_state_outbox_pop(TwState *state)
{
	GList *link = outbox_sendable_link(state);

	if (link == NULL)
		return;
	outgoing_discard(link->data);
	g_queue_delete_link(&state->outbox, link);
}

guint
tw_state_outbox_count_held(TwState *state)
{
	guint count = 0;

	for (GList *link = state->outbox.head; link != NULL; link = link->next)
		count += ((TwStateOutgoing *)link->data)->held;
	return count;
}

guint
tw_state_outbox_release_held(TwState *state)
{
	guint count = 0;

	for (GList *link = state->outbox.head; link != NULL;
	     link = link->next) {
		TwStateOutgoing *outgoing = link->data;

		count += outgoing->held;
		outgoing->held = FALSE;
	}
	return count;
}

guint
tw_state_outbox_drop_held(TwState *state)
{
	guint count = 0;
	GList *link = state->outbox.head;

	while (link != NULL) {
		GList *next = link->next;
		TwStateOutgoing *outgoing = link->data;

		if (outgoing->held) {
			outgoing_discard(outgoing);
			g_queue_delete_link(&state->outbox, link);
			count++;
		}
		link = next;
	}
	return count;
}

gboolean
tw_state_get_flag(TwState *state, const char *name)
{
	return g_hash_table_contains(state->flags, name);
}

void
tw_state_set_flag(TwState *state, const char *name)
{
	g_hash_table_add(state->flags, g_strdup(name));
}

gboolean
tw_state_group_set_member(TwState *state, const char *conversation_id,
			  const char *user_id, const char *handle)
{
	GHashTable *members =
	    g_hash_table_lookup(state->groups, conversation_id);
	const char *known;

	if (members == NULL) {
		members = members_new();
		g_hash_table_replace(state->groups, g_strdup(conversation_id),
				     members);
	}
	known = g_hash_table_lookup(members, user_id);
	if (known != NULL && g_strcmp0(known, handle) == 0)
		return FALSE;
	g_hash_table_replace(members, g_strdup(user_id), g_strdup(handle));
	return known == NULL;
}

gboolean
tw_state_group_remove_member(TwState *state, const char *conversation_id,
			     const char *user_id)
{
	GHashTable *members =
	    g_hash_table_lookup(state->groups, conversation_id);

	return members != NULL && g_hash_table_remove(members, user_id);
}

GHashTable *
tw_state_group_get_members(TwState *state, const char *conversation_id)
{
	return g_hash_table_lookup(state->groups, conversation_id);
}

static void
build_outbox(TwState *state, JsonBuilder *builder)
{
	json_builder_set_member_name(builder, "outbox");
	json_builder_begin_array(builder);
	for (GList *link = state->outbox.head; link != NULL;
	     link = link->next) {
		TwStateOutgoing *outgoing = link->data;

		json_builder_begin_object(builder);
		json_builder_set_member_name(builder, "id");
		json_builder_add_string_value(builder, outgoing->id);
		json_builder_set_member_name(builder, "conversation");
		json_builder_add_string_value(builder, outgoing->conversation);
		json_builder_set_member_name(builder, "text");
		json_builder_add_string_value(builder, outgoing->text);
		json_builder_set_member_name(builder, "queued_at");
		json_builder_add_int_value(builder, outgoing->queued_at);
		json_builder_set_member_name(builder, "attempted");
		json_builder_add_boolean_value(builder, outgoing->attempted);
		json_builder_set_member_name(builder, "held");
		json_builder_add_boolean_value(builder, outgoing->held);
		json_builder_set_member_name(builder, "automatic");
		json_builder_add_boolean_value(builder, outgoing->automatic);
		if (outgoing->file != NULL) {
			json_builder_set_member_name(builder, "file");
			json_builder_add_string_value(builder, outgoing->file);
			json_builder_set_member_name(builder, "media_category");
			json_builder_add_string_value(builder,
						      outgoing->media_category);
		}
		if (outgoing->media_id != NULL) {
			json_builder_set_member_name(builder, "media_id");
			json_builder_add_string_value(builder,
						      outgoing->media_id);
			json_builder_set_member_name(builder, "media_expires");
			json_builder_add_int_value(builder,
						   outgoing->media_expires);
		}
		json_builder_end_object(builder);
	}
	json_builder_end_array(builder);

	tw_state_build_key_array(builder, "flags", state->flags);
}

static void
build_groups(TwState *state, JsonBuilder *builder)
{
	GHashTableIter iter;
	gpointer id, members;

	json_builder_set_member_name(builder, "groups");
	json_builder_begin_object(builder);
	g_hash_table_iter_init(&iter, state->groups);
	while (g_hash_table_iter_next(&iter, &id, &members)) {
		GHashTableIter member_iter;
		gpointer member_id, handle;

		json_builder_set_member_name(builder, id);
		json_builder_begin_object(builder);
		g_hash_table_iter_init(&member_iter, members);
		while (
		    g_hash_table_iter_next(&member_iter, &member_id, &handle)) {
			json_builder_set_member_name(builder, member_id);
			json_builder_add_string_value(builder, handle);
		}
		json_builder_end_object(builder);
	}
	json_builder_end_object(builder);
}

typedef struct {
	char *id;
	gint64 created_at;
} DeliveredEntry;

static int
compare_newest_first(gconstpointer a, gconstpointer b)
{
	const DeliveredEntry *left = a;
	const DeliveredEntry *right = b;

	if (left->created_at != right->created_at)
		return left->created_at > right->created_at ? -1 : 1;
	return g_strcmp0(right->id, left->id);
}

static void
delivered_entry_clear(gpointer data)
{
	g_free(((DeliveredEntry *)data)->id);
}

/* The sync file as of one moment, to be turned into text anywhere: the
 * small members built already, the delivered ids (the bulk: thousands
 * after a backlog) copied, to be sorted and formatted by the writer's
 * thread. */
typedef struct {
	JsonNode *root;
	GArray *delivered; /* DeliveredEntry */
} SyncSnapshot;

static void
sync_snapshot_free(gpointer data)
{
	SyncSnapshot *snapshot = data;

	json_node_unref(snapshot->root);
	g_array_unref(snapshot->delivered);
	g_free(snapshot);
}

/* Drops delivered ids older than the window, and the oldest beyond the
 * cap (rare: a sort). */
static void
prune_delivered(TwState *state)
{
	gint64 horizon = state->newest_delivered - TW_STATE_DELIVERED_WINDOW;
	GHashTableIter iter;
	gpointer key, value;

	g_hash_table_iter_init(&iter, state->delivered);
	while (g_hash_table_iter_next(&iter, &key, &value)) {
		if (*(gint64 *)value < horizon)
			g_hash_table_iter_remove(&iter);
	}
	if (g_hash_table_size(state->delivered) > TW_STATE_MAX_DELIVERED) {
		g_autoptr(GArray) entries =
		    g_array_new(FALSE, FALSE, sizeof(DeliveredEntry));

		g_hash_table_iter_init(&iter, state->delivered);
		while (g_hash_table_iter_next(&iter, &key, &value)) {
			DeliveredEntry entry = {key, *(gint64 *)value};

			g_array_append_val(entries, entry);
		}
		g_array_sort(entries, compare_newest_first);
		for (guint i = TW_STATE_MAX_DELIVERED; i < entries->len; i++)
			g_hash_table_remove(
			    state->delivered,
			    g_array_index(entries, DeliveredEntry, i).id);
	}
}

static SyncSnapshot *
sync_snapshot_take(TwState *state)
{
	g_autoptr(JsonBuilder) builder = json_builder_new();
	SyncSnapshot *snapshot = g_new0(SyncSnapshot, 1);
	GHashTableIter iter;
	gpointer key, value;

	prune_delivered(state);
	json_builder_begin_object(builder);
	json_builder_set_member_name(builder, "version");
	json_builder_add_int_value(builder, STATE_FILE_VERSION);
	json_builder_set_member_name(builder, "first_sign_on");
	json_builder_add_int_value(builder, state->first_sign_on);
	json_builder_set_member_name(builder, "read_until");
	json_builder_add_int_value(builder, state->read_until);
	build_outbox(state, builder);
	build_groups(state, builder);
	tw_state_desk_build(state, builder);
	json_builder_end_object(builder);
	snapshot->root = json_builder_get_root(builder);
	snapshot->delivered =
	    g_array_sized_new(FALSE, FALSE, sizeof(DeliveredEntry),
			      g_hash_table_size(state->delivered));
	g_array_set_clear_func(snapshot->delivered, delivered_entry_clear);
	g_hash_table_iter_init(&iter, state->delivered);
	while (g_hash_table_iter_next(&iter, &key, &value)) {
		DeliveredEntry entry = {g_strdup(key), *(gint64 *)value};

		g_array_append_val(snapshot->delivered, entry);
	}
	return snapshot;
}

/* The file's text, newest delivered ids first. On any thread. */
static char *
sync_snapshot_serialize(gpointer data)
{
	SyncSnapshot *snapshot = data;
	g_autoptr(JsonGenerator) generator = json_generator_new();
	JsonArray *delivered = json_array_sized_new(snapshot->delivered->len);

	g_array_sort(snapshot->delivered, compare_newest_first);
	for (guint i = 0; i < snapshot->delivered->len; i++) {
		DeliveredEntry *entry =
		    &g_array_index(snapshot->delivered, DeliveredEntry, i);
		JsonArray *pair = json_array_sized_new(2);

		json_array_add_string_element(pair, entry->id);
		json_array_add_int_element(pair, entry->created_at);
		json_array_add_array_element(delivered, pair);
	}
	json_object_set_array_member(json_node_get_object(snapshot->root),
				     "delivered", delivered);
	json_generator_set_root(generator, snapshot->root);
	return json_generator_to_data(generator, NULL);
}

gboolean
tw_state_save(TwState *state, GError **error)
{
	SyncSnapshot *snapshot = sync_snapshot_take(state);
	g_autofree char *contents = sync_snapshot_serialize(snapshot);

	sync_snapshot_free(snapshot);
	return tw_state_writer_write_now(state->writer, contents, error);
}

guint64
tw_state_get_save_asked(TwState *state)
{
	return tw_state_writer_get_asked(state->writer);
}

guint64
tw_state_get_save_written(TwState *state)
{
	return tw_state_writer_get_written(state->writer);
}

gboolean
tw_state_save_soon(TwState *state, GError **error)
{
	return tw_state_writer_write_later(
	    state->writer, sync_snapshot_serialize, sync_snapshot_take(state),
	    sync_snapshot_free, error);
}

/* Removes @path with @remove (g_unlink or g_rmdir); a missing one is fine. */
static gboolean
delete_file(const char *path, int (*remove)(const char *), GError **error)
{
	if (remove(path) != 0 && errno != ENOENT) {
		int saved = errno;

		g_set_error(error, TW_STATE_ERROR, TW_STATE_ERROR_IO,
			    _("Could not delete %s: %s"), path,
			    g_strerror(saved));
		return FALSE;
	}
	return TRUE;
}

/* The media cache and the attachments' copies hold only files the
 * plugin put there. */
static gboolean
delete_directory(const char *path, GError **error)
{
	g_autoptr(GDir) dir = g_dir_open(path, 0, NULL);
	const char *name;

	while (dir != NULL && (name = g_dir_read_name(dir)) != NULL) {
		g_autofree char *child = g_build_filename(path, name, NULL);

		if (!delete_file(child, g_unlink, error))
			return FALSE;
	}
	return delete_file(path, g_rmdir, error);
}

gboolean
tw_state_delete(const char *directory, const char *username, GError **error)
{
	const char *const suffixes[] = {".token", ".json", ".token.corrupt",
					".json.corrupt"};

	for (guint i = 0; i < G_N_ELEMENTS(suffixes); i++) {
		g_autofree char *name =
		    g_strconcat(username, suffixes[i], NULL);
		g_autofree char *path = g_build_filename(directory, name, NULL);

		if (!delete_file(path, g_unlink, error))
			return FALSE;
	}
	g_autofree char *media =
	    tw_state_dup_media_directory(directory, username);
	g_autofree char *attachments =
	    tw_state_dup_attachment_directory(directory, username);

	return delete_directory(media, error) &&
	       delete_directory(attachments, error);
}

char *
tw_state_dup_media_directory(const char *directory, const char *username)
{
	g_autofree char *name = g_strconcat(username, ".media", NULL);

	return g_build_filename(directory, name, NULL);
}

char *
tw_state_dup_attachment_directory(const char *directory, const char *username)
{
	g_autofree char *name = g_strconcat(username, ".attachments", NULL);

	return g_build_filename(directory, name, NULL);
}
