/*
 * tw-sync: reading an account's inbox: polling, paging, pacing, delivery
 * of 1:1 messages, and the events held back while a send is unconfirmed.
 * tw_account_poll_now() (tw-account.h) is defined here too.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#pragma once

#include "tw-account-private.h"

G_BEGIN_DECLS

/**
 * tw_sync_new:
 * @account: the account it belongs to
 *
 * Returns: (transfer full): the reading state of @account
 */
TwSync *tw_sync_new(TwAccount *account);

/**
 * tw_sync_free:
 * @sync: (nullable): the reading state
 */
void tw_sync_free(TwSync *sync);

/**
 * tw_sync_stop:
 * @account: the account
 *
 * No more polls or deliveries; the batch fetched so far is kept.
 */
void tw_sync_stop(TwAccount *account);

/**
 * tw_sync_schedule:
 * @account: a signed-on account
 * @delay_ms: when the next poll starts
 *
 * Replaces any poll already scheduled.
 */
void tw_sync_schedule(TwAccount *account, guint delay_ms);

/**
 * tw_sync_is_polling:
 * @account: the account
 *
 * Returns: whether a poll is being fetched or delivered now
 */
gboolean tw_sync_is_polling(TwAccount *account);

/**
 * tw_sync_get_next_poll_time:
 * @account: the account
 *
 * Returns: when the scheduled poll starts, Unix µs; 0 = none scheduled
 */
gint64 tw_sync_get_next_poll_time(TwAccount *account);

/**
 * tw_sync_get_last_poll_time:
 * @account: the account
 *
 * Returns: when the last page came back, Unix µs; 0 = none yet
 */
gint64 tw_sync_get_last_poll_time(TwAccount *account);

G_END_DECLS
