/*
 * tw-state-private: what tw-state.c and tw-state-desk.c share: the state's
 * fields and the desk records' part of loading and saving.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#pragma once

#include <json-glib/json-glib.h>

#include "tw-state-writer.h"
#include "tw-state.h"

G_BEGIN_DECLS

struct _TwState {
	char *token_path;
	char *sync_path;
	TwStateWriter *writer; /* of sync_path */
	gboolean is_new;
	char *refresh_token;
	/* fingerprints of replaced refresh tokens, oldest first */
	GPtrArray *spent_tokens;
	/* fingerprint of a refresh token sent to X whose answer was not
	 * recorded yet, or NULL */
	char *rotating;
	/* event id -> created_at (gint64 *) */
	GHashTable *delivered;
	gint64 newest_delivered;
	/* X's time of the newest event a poll read down to known ground */
	gint64 read_until;
	gint64 first_sign_on;
	GQueue outbox;     /* TwStateOutgoing, oldest first */
	GHashTable *flags; /* set of names */
	guint64 next_outgoing;
	/* group conversation id -> (member user id -> handle) */
	GHashTable *groups;
	/* peer handle or group id -> Unix µs of its oldest unanswered
	 * customer message (gint64 *) */
	GHashTable *waiting;
	/* lower-case handles of people who wrote, or whom the user agreed to
	 * write first */
	GHashTable *correspondents;
	/* TwStateSend, oldest first: recent sends, for the blast limit */
	GQueue recent_sends;
};

/**
 * tw_state_get_array_member:
 * @object: a JSON object
 * @name: a member name
 *
 * Returns: (transfer none) (nullable): the member when it is an array
 */
JsonArray *tw_state_get_array_member(JsonObject *object, const char *name);

/**
 * tw_state_build_key_array:
 * @builder: a builder inside an object
 * @name: the member name
 * @table: a set (keys are strings), borrowed
 *
 * Adds the member @name: an array of the keys of @table.
 */
void tw_state_build_key_array(JsonBuilder *builder, const char *name,
			      GHashTable *table);

/**
 * tw_state_desk_init:
 * @state: a new state
 *
 * Creates the desk records (waiting, correspondents, recent sends), empty.
 */
void tw_state_desk_init(TwState *state);

/**
 * tw_state_desk_clear:
 * @state: the state being freed
 *
 * Frees the desk records.
 */
void tw_state_desk_clear(TwState *state);

/**
 * tw_state_desk_load:
 * @state: the state
 * @object: the sync file's root object
 *
 * Reads the desk records; members that are missing or malformed are
 * skipped.
 */
void tw_state_desk_load(TwState *state, JsonObject *object);

/**
 * tw_state_desk_build:
 * @state: the state
 * @builder: a builder inside the sync file's root object
 *
 * Writes the desk records' members.
 */
void tw_state_desk_build(TwState *state, JsonBuilder *builder);

G_END_DECLS
