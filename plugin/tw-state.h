/*
 * tw-state: what the plugin must remember per account across crashes and
 * restarts, in its own files under the libpurple user directory.
 *
 * Two files per account in @directory, both 0600 in a 0700 directory, each
 * replaced atomically (write to a temporary file, fsync, rename):
 * - "<username>.token": the newest refresh token and fingerprints of the
 *   tokens it replaced (the plugin's password store; bitlbee never saves a
 *   password the plugin changes);
 * - "<username>.json": delivered event ids with their times, the time of
 *   the first sign-on, one-time notices already shown, the outbox of
 *   messages not yet confirmed sent, and the conversations waiting for an
 *   answer.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/** Error domain of this layer. */
#define TW_STATE_ERROR (tw_state_error_quark())
GQuark tw_state_error_quark(void);

/**
 * TwStateError:
 * @TW_STATE_ERROR_IO: a file could not be read, written or created
 */
typedef enum {
	TW_STATE_ERROR_IO,
} TwStateError;

/** How many fingerprints of replaced refresh tokens are remembered. */
#define TW_STATE_MAX_SPENT_TOKENS 64

/** Delivered ids are kept for events this much older than the newest. */
#define TW_STATE_DELIVERED_WINDOW (3 * G_TIME_SPAN_DAY)

/** At most this many delivered ids are kept (the oldest go first). */
#define TW_STATE_MAX_DELIVERED 20000

typedef struct _TwState TwState;

/**
 * tw_state_open:
 * @directory: where the files live; created (0700) when missing
 * @username: the account's lower-case handle
 * @error: (out) (optional): a #TW_STATE_ERROR
 *
 * Loads both files. A file that cannot be parsed is renamed to
 * "<name>.corrupt" and the state starts empty, so a damaged file never
 * locks the user out.
 *
 * Returns: (transfer full) (nullable): the state
 */
TwState *tw_state_open(const char *directory, const char *username,
		       GError **error);

/**
 * tw_state_delete:
 * @directory: where the files live
 * @username: the account's lower-case handle
 * @error: (out) (optional): a #TW_STATE_ERROR
 *
 * Deletes the account's files (and copies set aside as corrupt), when the
 * account is removed from the client. Files that do not exist are fine.
 *
 * Returns: %TRUE when none of them is left
 */
gboolean tw_state_delete(const char *directory, const char *username,
			 GError **error);

/**
 * tw_state_dup_media_directory:
 * @directory: where the state files live
 * @username: the account's lower-case handle
 *
 * Returns: (transfer full): the directory of the account's cached media,
 *   "<username>.media" beside its state files (tw_state_delete() removes
 *   it with them)
 */
char *tw_state_dup_media_directory(const char *directory, const char *username);

/**
 * tw_state_dup_attachment_directory:
 * @directory: where the state files live
 * @username: the account's lower-case handle
 *
 * Returns: (transfer full): the directory of the copies of attachments
 *   waiting in the outbox, "<username>.attachments" (a copy goes when its
 *   message leaves the outbox, all with tw_state_delete())
 */
char *tw_state_dup_attachment_directory(const char *directory,
					const char *username);

/**
 * tw_state_free:
 * @state: (transfer full) (nullable): the state; unsaved changes are lost
 */
void tw_state_free(TwState *state);

/**
 * tw_state_is_new:
 * @state: the state
 *
 * Returns: %TRUE when this account had never signed on before: no sync file
 * existed when the state was opened
 */
gboolean tw_state_is_new(TwState *state);

/**
 * tw_state_get_refresh_token:
 * @state: the state
 *
 * Returns: (transfer none) (nullable): the newest refresh token
 */
const char *tw_state_get_refresh_token(TwState *state);

/**
 * tw_state_choose_refresh_token:
 * @state: the state
 * @configured: (nullable): the password the client handed the plugin
 *
 * Which refresh token to sign on with. The stored newest token wins over a
 * configured one that this account already rotated away from (bitlbee
 * hands the first password at every sign-on); a configured token never seen
 * before is one the user newly entered, and wins.
 *
 * Returns: (transfer none) (nullable): @configured or the stored token
 */
const char *tw_state_choose_refresh_token(TwState *state,
					  const char *configured);

/**
 * tw_state_store_refresh_token:
 * @state: the state
 * @token: the new refresh token
 * @replaced: (nullable): the token it replaces, remembered as spent
 * @error: (out) (optional): a #TW_STATE_ERROR
 *
 * Writes the token file atomically and durably before returning.
 *
 * Returns: %TRUE when the token is safely on disk
 */
gboolean tw_state_store_refresh_token(TwState *state, const char *token,
				      const char *replaced, GError **error);

/**
 * tw_state_note_rotation:
 * @state: the state
 * @token: the refresh token about to be sent to X for a rotation
 * @error: (out) (optional): a #TW_STATE_ERROR
 *
 * Records, durably and before the request leaves, that @token is being
 * rotated, so that a crash or a lost answer is known afterwards: X may
 * have spent @token. tw_state_store_refresh_token() and
 * tw_state_clear_rotation() end the record. @token becomes the stored
 * refresh token if it was not.
 *
 * Returns: %TRUE when the record is on disk
 */
gboolean tw_state_note_rotation(TwState *state, const char *token,
				GError **error);

/**
 * tw_state_clear_rotation:
 * @state: the state
 * @error: (out) (optional): a #TW_STATE_ERROR
 *
 * X answered the rotation without rotating (an error it stated): the
 * token is not spent.
 *
 * Returns: %TRUE when the file is written (or nothing was recorded)
 */
gboolean tw_state_clear_rotation(TwState *state, GError **error);

/**
 * tw_state_rotation_unanswered:
 * @state: the state
 * @token: (nullable): a refresh token
 *
 * Returns: whether @token was sent for a rotation whose answer never
 * reached this file (lost in transit, or the plugin stopped first)
 */
gboolean tw_state_rotation_unanswered(TwState *state, const char *token);

/**
 * tw_state_is_delivered:
 * @state: the state
 * @event_id: a DM event id
 *
 * Returns: %TRUE when the event was shown (or sent) already
 */
gboolean tw_state_is_delivered(TwState *state, const char *event_id);

/**
 * tw_state_mark_delivered:
 * @state: the state
 * @event_id: a DM event id
 * @created_at: its time, Unix microseconds (0 = now)
 *
 * Remembers the event in memory; tw_state_save() writes it.
 */
void tw_state_mark_delivered(TwState *state, const char *event_id,
			     gint64 created_at);

/**
 * tw_state_get_newest_delivered_time:
 * @state: the state
 *
 * Returns: the newest created_at among delivered events, Unix microseconds,
 * or 0 when none was delivered
 */
gint64 tw_state_get_newest_delivered_time(TwState *state);

/**
 * tw_state_count_delivered_since:
 * @state: the state
 * @since: Unix microseconds
 *
 * Returns: how many remembered delivered events were created after @since
 */
guint tw_state_count_delivered_since(TwState *state, gint64 since);

/**
 * tw_state_get_read_until:
 * @state: the state
 *
 * Returns: X's created_at of the newest event a finished poll read, Unix
 * microseconds: every event older than it was read (late ones aside), or
 * 0 when no poll finished. Unlike the newest delivered time, the
 * account's own sends, marked delivered when X confirms them, do not move
 * it.
 */
gint64 tw_state_get_read_until(TwState *state);

/**
 * tw_state_set_read_until:
 * @state: the state
 * @created_at: X's time of the newest event of a poll that read down to
 *   known ground, whose events are all delivered or handled
 *
 * Moves the mark forward (never back); tw_state_save() writes it.
 */
void tw_state_set_read_until(TwState *state, gint64 created_at);

/**
 * tw_state_get_first_sign_on:
 * @state: the state
 *
 * Returns: when this account first signed on, Unix microseconds
 */
gint64 tw_state_get_first_sign_on(TwState *state);

/**
 * tw_state_get_delivered_count:
 * @state: the state
 *
 * Returns: how many delivered ids are remembered
 */
guint tw_state_get_delivered_count(TwState *state);

/**
 * TwStateOutgoing:
 * @id: local id of the queued message
 * @conversation: the conversation: a peer handle (1:1) or a group id
 * @text: plain text of one DM (already split)
 * @queued_at: when the user sent it, Unix microseconds
 * @attempted: %TRUE once a POST may have reached X: after a crash the
 *   conversation must be checked before sending again
 * @held: %TRUE while the blast limit holds it: it waits for the user to
 *   release it, and so does what follows it in its conversation
 * @automatic: %TRUE for an auto-reply (away message): it does not answer
 *   whoever waits in the conversation
 * @file: (nullable): an attachment, the plugin's own copy of it, sent
 *   with @text (which may then be empty)
 * @media_category: (nullable): X's media_category for @file, e.g.
 *   "dm_image"
 * @media_id: (nullable): @file's media id once uploaded: not uploaded
 *   again before @media_expires
 * @media_expires: when X forgets @media_id, Unix microseconds
 *
 * A message in the outbox.
 */
typedef struct {
	char *id;
	char *conversation;
	char *text;
	gint64 queued_at;
	gboolean attempted;
	gboolean held;
	gboolean automatic;
	char *file;
	char *media_category;
	char *media_id;
	gint64 media_expires;
} TwStateOutgoing;

/**
 * tw_state_outbox_push:
 * @state: the state
 * @conversation: peer handle or group id
 * @text: one DM's text
 *
 * Appends a message to the outbox (in memory; tw_state_save() writes it).
 *
 * Returns: (transfer none): the new entry, valid until removed
 */
TwStateOutgoing *tw_state_outbox_push(TwState *state, const char *conversation,
				      const char *text);

/**
 * tw_state_outbox_peek:
 * @state: the state
 *
 * Returns: (transfer none) (nullable): the oldest queued message that may
 *   be sent: not held, and not behind a held message of its conversation
 */
TwStateOutgoing *tw_state_outbox_peek(TwState *state);

/**
 * tw_state_outbox_get_length:
 * @state: the state
 *
 * Returns: how many messages wait in the outbox
 */
guint tw_state_outbox_get_length(TwState *state);

/**
 * tw_state_outbox_pop:
 * @state: the state
 *
 * Removes the message tw_state_outbox_peek() returns (sent, or given up),
 * and deletes its attachment's copy.
 */
void tw_state_outbox_pop(TwState *state);

/**
 * tw_state_outbox_count_held:
 * @state: the state
 *
 * Returns: how many queued messages the blast limit holds
 */
guint tw_state_outbox_count_held(TwState *state);

/**
 * tw_state_outbox_release_held:
 * @state: the state
 *
 * Releases every held message: they are sent in their order.
 *
 * Returns: how many were released
 */
guint tw_state_outbox_release_held(TwState *state);

/**
 * tw_state_outbox_drop_held:
 * @state: the state
 *
 * Removes every held message: they are never sent.
 *
 * Returns: how many were removed
 */
guint tw_state_outbox_drop_held(TwState *state);

/**
 * tw_state_get_flag:
 * @state: the state
 * @name: a flag name, e.g. a one-time notice
 *
 * Returns: whether the flag was set on this account
 */
gboolean tw_state_get_flag(TwState *state, const char *name);

/**
 * tw_state_set_flag:
 * @state: the state
 * @name: a flag name
 *
 * Sets a persistent flag (written by tw_state_save()).
 */
void tw_state_set_flag(TwState *state, const char *name);

/**
 * tw_state_group_set_member:
 * @state: the state
 * @conversation_id: a group conversation id
 * @user_id: a member's user id
 * @handle: their handle, lower case; replaces an older one
 *
 * The X API has no roster endpoint: the plugin keeps each group's members
 * as it learns them from join and leave events and from senders.
 *
 * Returns: %TRUE when @user_id was not a member before
 */
gboolean tw_state_group_set_member(TwState *state, const char *conversation_id,
				   const char *user_id, const char *handle);

/**
 * tw_state_group_remove_member:
 * @state: the state
 * @conversation_id: a group conversation id
 * @user_id: a member's user id
 *
 * Returns: %TRUE when @user_id was a member
 */
gboolean tw_state_group_remove_member(TwState *state,
				      const char *conversation_id,
				      const char *user_id);

/**
 * tw_state_group_get_members:
 * @state: the state
 * @conversation_id: a group conversation id
 *
 * Returns: (transfer none) (nullable) (element-type utf8 utf8): user id to
 * lower-case handle, %NULL for a group never seen
 */
GHashTable *tw_state_group_get_members(TwState *state,
				       const char *conversation_id);

/**
 * tw_state_note_correspondent:
 * @state: the state
 * @handle: a person who wrote to the account (any case), or whom the user
 *   agreed to write to first
 *
 * Returns: whether @handle is new to the record
 */
gboolean tw_state_note_correspondent(TwState *state, const char *handle);

/**
 * tw_state_is_correspondent:
 * @state: the state
 * @handle: a handle, any case
 *
 * Returns: whether @handle has written to the account (or may be written
 * to first), as far as this plugin has seen
 */
gboolean tw_state_is_correspondent(TwState *state, const char *handle);

/**
 * tw_state_note_waiting:
 * @state: the state
 * @conversation: peer handle or group id
 * @since: Unix microseconds of a customer message not yet answered
 *
 * Records that @conversation waits for an answer since @since, unless it
 * already waits since earlier (the oldest unanswered message counts).
 *
 * Returns: whether the record changed
 */
gboolean tw_state_note_waiting(TwState *state, const char *conversation,
			       gint64 since);

/**
 * tw_state_clear_waiting:
 * @state: the state
 * @conversation: peer handle or group id
 * @answered_at: Unix microseconds of the account's answer, 0 for now
 *
 * The account answered: @conversation no longer waits, unless the answer
 * is older than the message it would answer.
 *
 * Returns: whether the record changed
 */
gboolean tw_state_clear_waiting(TwState *state, const char *conversation,
				gint64 answered_at);

/**
 * tw_state_note_send:
 * @state: the state
 * @fingerprint: the fingerprint of a message's text (its text is not kept)
 * @conversation: where it goes: a peer handle or a group id
 * @at: when, Unix µs
 * @horizon: Unix µs; records older than this are forgotten
 *
 * Records a message sent, for the blast limit.
 */
void tw_state_note_send(TwState *state, const char *fingerprint,
			const char *conversation, gint64 at, gint64 horizon);

/**
 * tw_state_count_send_recipients:
 * @state: the state
 * @fingerprint: a text's fingerprint
 * @since: Unix µs
 *
 * Returns: the number of different conversations a text with
 *   @fingerprint was sent to since @since
 */
guint tw_state_count_send_recipients(TwState *state, const char *fingerprint,
				     gint64 since);

/**
 * tw_state_get_waiting:
 * @state: the state
 *
 * Returns: (transfer none) (element-type utf8 gint64): conversation ->
 * pointer to the Unix microseconds it waits since
 */
GHashTable *tw_state_get_waiting(TwState *state);

/**
 * tw_state_save:
 * @state: the state
 * @error: (out) (optional): a #TW_STATE_ERROR
 *
 * Prunes the delivered ids to the window and writes the sync file
 * atomically and durably.
 *
 * Returns: %TRUE on success
 */
gboolean tw_state_save(TwState *state, GError **error);

/**
 * tw_state_save_soon:
 * @state: the state
 * @error: (out) (optional): why an earlier background write failed
 *
 * Like tw_state_save(), but the write (and its fsync) happens on a worker
 * thread: for progress while a backlog is delivered, where a crash shows
 * at most the messages since the last write again. Writes land in order;
 * a later tw_state_save() waits for them, and so does tw_state_free().
 *
 * Returns: %FALSE when an earlier background write failed
 */
gboolean tw_state_save_soon(TwState *state, GError **error);

/**
 * tw_state_get_save_asked:
 * @state: the state
 *
 * Returns: the number of the newest save asked for, by tw_state_save() or
 *   tw_state_save_soon() (they count up from 1)
 */
guint64 tw_state_get_save_asked(TwState *state);

/**
 * tw_state_get_save_written:
 * @state: the state
 *
 * Returns: the number of the newest save on disk: what every save up to
 *   it held is there
 */
guint64 tw_state_get_save_written(TwState *state);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(TwState, tw_state_free)

G_END_DECLS
