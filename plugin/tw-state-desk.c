/*
 * tw-state-desk: the support desk's records in the sync file: who waits for
 * an answer since when, who has written (or may be written to first), and
 * the recent sends the blast limit counts.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "config.h"

#include "tw-state-private.h"

/* One message sent: where, when, and its text's fingerprint. */
typedef struct {
	char *fingerprint;
	char *conversation;
	gint64 at;
} TwStateSend;

static void
send_free(TwStateSend *send)
{
	g_free(send->fingerprint);
	g_free(send->conversation);
	g_free(send);
}

void
tw_state_desk_init(TwState *state)
{
	state->waiting =
	    g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	state->correspondents =
	    g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
}

void
tw_state_desk_clear(TwState *state)
{
	g_hash_table_destroy(state->waiting);
	g_hash_table_destroy(state->correspondents);
	g_queue_clear_full(&state->recent_sends, (GDestroyNotify)send_free);
}

void
tw_state_note_send(TwState *state, const char *fingerprint,
		   const char *conversation, gint64 at, gint64 horizon)
{
	TwStateSend *send;

	while ((send = g_queue_peek_head(&state->recent_sends)) != NULL &&
	       send->at < horizon)
		send_free(g_queue_pop_head(&state->recent_sends));
	send = g_new0(TwStateSend, 1);
	send->fingerprint = g_strdup(fingerprint);
	send->conversation = g_strdup(conversation);
	send->at = at;
	g_queue_push_tail(&state->recent_sends, send);
}

guint
tw_state_count_send_recipients(TwState *state, const char *fingerprint,
			       gint64 since)
{
	g_autoptr(GHashTable) recipients =
	    g_hash_table_new(g_str_hash, g_str_equal);

	for (GList *link = state->recent_sends.head; link != NULL;
	     link = link->next) {
		TwStateSend *send = link->data;

		if (send->at >= since &&
		    g_str_equal(send->fingerprint, fingerprint))
			g_hash_table_add(recipients, send->conversation);
	}
	return g_hash_table_size(recipients);
}

static void
load_recent_sends(TwState *state, JsonArray *sends)
{
	for (guint i = 0; sends != NULL && i < json_array_get_length(sends);
	     i++) {
		JsonArray *triple = json_array_get_array_element(sends, i);
		TwStateSend *send;

		if (triple == NULL || json_array_get_length(triple) != 3 ||
		    json_array_get_string_element(triple, 0) == NULL ||
		    json_array_get_string_element(triple, 1) == NULL)
			continue;
		send = g_new0(TwStateSend, 1);
		send->fingerprint =
		    g_strdup(json_array_get_string_element(triple, 0));
		send->conversation =
		    g_strdup(json_array_get_string_element(triple, 1));
		send->at = json_array_get_int_element(triple, 2);
		g_queue_push_tail(&state->recent_sends, send);
	}
}

static void
build_recent_sends(TwState *state, JsonBuilder *builder)
{
	json_builder_set_member_name(builder, "recent_sends");
	json_builder_begin_array(builder);
	for (GList *link = state->recent_sends.head; link != NULL;
	     link = link->next) {
		TwStateSend *send = link->data;

		json_builder_begin_array(builder);
		json_builder_add_string_value(builder, send->fingerprint);
		json_builder_add_string_value(builder, send->conversation);
		json_builder_add_int_value(builder, send->at);
		json_builder_end_array(builder);
	}
	json_builder_end_array(builder);
}

gboolean
tw_state_note_waiting(TwState *state, const char *conversation, gint64 since)
{
	gint64 *known = g_hash_table_lookup(state->waiting, conversation);

	if (known != NULL && *known <= since)
		return FALSE;
	if (known == NULL) {
		known = g_new(gint64, 1);
		g_hash_table_replace(state->waiting, g_strdup(conversation),
				     known);
	}
	*known = since;
	return TRUE;
}

gboolean
tw_state_clear_waiting(TwState *state, const char *conversation,
		       gint64 answered_at)
{
	gint64 *known = g_hash_table_lookup(state->waiting, conversation);

	/* An answer older than the question does not answer it. */
	if (known == NULL || (answered_at > 0 && answered_at < *known))
		return FALSE;
	return g_hash_table_remove(state->waiting, conversation);
}

GHashTable *
tw_state_get_waiting(TwState *state)
{
	return state->waiting;
}

gboolean
tw_state_note_correspondent(TwState *state, const char *handle)
{
	return g_hash_table_add(state->correspondents,
				g_ascii_strdown(handle, -1));
}

gboolean
tw_state_is_correspondent(TwState *state, const char *handle)
{
	g_autofree char *key = g_ascii_strdown(handle, -1);

	return g_hash_table_contains(state->correspondents, key);
}

static void
load_waiting(TwState *state, JsonObject *waiting)
{
	g_autoptr(GList) names = json_object_get_members(waiting);

	for (GList *name = names; name != NULL; name = name->next) {
		JsonNode *node = json_object_get_member(waiting, name->data);

		if (JSON_NODE_HOLDS_VALUE(node) &&
		    json_node_get_value_type(node) == G_TYPE_INT64 &&
		    json_node_get_int(node) > 0)
			tw_state_note_waiting(state, name->data,
					      json_node_get_int(node));
	}
}

void
tw_state_desk_load(TwState *state, JsonObject *object)
{
	JsonArray *correspondents;

	if (json_object_has_member(object, "waiting") &&
	    JSON_NODE_HOLDS_OBJECT(json_object_get_member(object, "waiting")))
		load_waiting(state,
			     json_object_get_object_member(object, "waiting"));
	correspondents = tw_state_get_array_member(object, "correspondents");
	for (guint i = 0; correspondents != NULL &&
			  i < json_array_get_length(correspondents);
	     i++) {
		const char *handle =
		    json_array_get_string_element(correspondents, i);

		if (handle != NULL)
			tw_state_note_correspondent(state, handle);
	}
	load_recent_sends(state,
			  tw_state_get_array_member(object, "recent_sends"));
}

static void
build_waiting(TwState *state, JsonBuilder *builder)
{
	GHashTableIter iter;
	gpointer conversation, since;

	json_builder_set_member_name(builder, "waiting");
	json_builder_begin_object(builder);
	g_hash_table_iter_init(&iter, state->waiting);
	while (g_hash_table_iter_next(&iter, &conversation, &since)) {
		json_builder_set_member_name(builder, conversation);
		json_builder_add_int_value(builder, *(gint64 *)since);
	}
	json_builder_end_object(builder);
}

void
tw_state_desk_build(TwState *state, JsonBuilder *builder)
{
	build_waiting(state, builder);
	tw_state_build_key_array(builder, "correspondents",
				 state->correspondents);
	build_recent_sends(state, builder);
}
