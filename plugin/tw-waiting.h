/*
 * tw-waiting: which conversations wait for an answer, and since when: the
 * time of each customer's oldest message that the account has not
 * answered yet, from this or any other device. The record itself is kept
 * in tw-state, so it survives restarts; this file decides what changes it.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#pragma once

#include "tw-account-private.h"

G_BEGIN_DECLS

/**
 * tw_waiting_note_message:
 * @account: the account
 * @conversation: peer handle, or group id (bare or with
 *   #TW_ACCOUNT_GROUP_PREFIX, as the outbox names it)
 * @time: Unix microseconds the message was written
 * @outgoing: whether the account wrote it (an answer)
 *
 * A message was shown: a customer's starts a wait unless one runs, the
 * account's ends it. The caller saves the state.
 */
void tw_waiting_note_message(TwAccount *account, const char *conversation,
			     gint64 time, gboolean outgoing);

G_END_DECLS
