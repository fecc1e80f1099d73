/*
 * tw-media-fetch: customers' photos (and the stills of their videos and
 * GIFs) fetched for UIs that show images inline, one at a time, kept in a
 * disk cache beside the account's state so a restart never fetches again.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#pragma once

#include "tw-account-private.h"

G_BEGIN_DECLS

/**
 * tw_media_fetch_new:
 * @account: the account it belongs to
 *
 * Returns: (transfer full): nothing queued
 */
TwMediaFetch *tw_media_fetch_new(TwAccount *account);

/**
 * tw_media_fetch_free:
 * @fetch: (transfer full) (nullable): the queue; the fetch in flight is
 *   cancelled
 */
void tw_media_fetch_free(TwMediaFetch *fetch);

/**
 * tw_media_fetch_message:
 * @account: a signed-on account that downloads media
 * @event: a MessageCreate already shown (tw_media_attach() filled its media)
 * @handle: the peer's handle (1:1) or the sender's (group)
 * @group: whether @event belongs to a group conversation
 *
 * Hands each image of @event to the glue's @media callback: at once from
 * the cache, else after a download queued behind the others. Only X's
 * private DM media URLs are fetched, from the API's
 * /2/dm_conversations/media/ endpoint with the account's OAuth 2.0 token;
 * other URLs, and OAuth 1.0a accounts, keep only the link of the line. A
 * failure leaves a short notice in the conversation; a transient one is
 * tried once more.
 */
void tw_media_fetch_message(TwAccount *account, const TwDmEvent *event,
			    const char *handle, gboolean group);

/**
 * tw_media_fetch_dup_cached_path:
 * @account: the account
 * @media: an attachment
 *
 * Returns: (transfer full) (nullable): the file of @media's image when it
 *   is in the cache
 */
char *tw_media_fetch_dup_cached_path(TwAccount *account, const TwMedia *media);

G_END_DECLS
