/*
 * tw-blast: the blast limit. DMs are for answering people: one text (or
 * texts alike but for case and white space) sent to more than the limit's
 * number of people within an hour is held until the user releases it.
 * Answers to a customer who waits for one never count, and a group counts
 * as one recipient. The record of recent sends is kept in tw-state (only
 * a fingerprint of each text), so a restart does not reset the count.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#pragma once

#include "tw-account-private.h"

G_BEGIN_DECLS

/** The blast limit's window, in microseconds. */
#define TW_BLAST_WINDOW G_TIME_SPAN_HOUR

/**
 * tw_blast_note_send:
 * @account: the account
 * @conversation: where the message goes: a peer handle, or the group
 *   prefix and id
 * @text: the message, plain text
 *
 * Records a message the user sends and decides whether the blast limit
 * holds it. The caller saves the state.
 *
 * Returns: %TRUE when the message must be held
 */
gboolean tw_blast_note_send(TwAccount *account, const char *conversation,
			    const char *text);

G_END_DECLS
