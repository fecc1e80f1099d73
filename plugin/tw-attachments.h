/*
 * tw-attachments: the images of a message the user sends, as the plugin's
 * own copies for the outbox.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#pragma once

#include "tw-account-private.h"
#include "tw-media.h"

G_BEGIN_DECLS

/**
 * tw_attachments_collect:
 * @account: the account
 * @conversation: where the message goes (a handle, or the group prefix and
 *   id), for the notices
 * @html: what the user typed, with libpurple's `<img id="N">`
 *
 * Takes each image of @html from the UI (#TwAccountCallbacks.dup_image),
 * checks it with tw_media_classify_upload() and saves a copy in the
 * account's attachments directory (owner-only). An image that cannot go
 * gets a notice in @conversation that says why, in words, and is left
 * out.
 *
 * Returns: (transfer full) (element-type utf8): pairs of a copy's path and
 *   its media_category, in the order of @html
 */
GPtrArray *tw_attachments_collect(TwAccount *account, const char *conversation,
				  const char *html);

/**
 * tw_attachments_copy_file:
 * @account: the account
 * @path: a file the user chose to send (Send File)
 * @kind: (out): what it is, set when it may be sent
 * @error: (out) (optional): a #TW_MEDIA_ERROR that says in words why it
 *   cannot go, or a #G_IO_ERROR / #G_FILE_ERROR when the copy failed
 *
 * Checks @path with tw_media_classify_upload() by its first bytes and
 * size, then copies it into the account's attachments directory
 * (owner-only), so that the outbox owns what it sends and deletes.
 *
 * Returns: (transfer full) (nullable): the copy's path
 */
char *tw_attachments_copy_file(TwAccount *account, const char *path,
			       TwUploadKind *kind, GError **error);

G_END_DECLS
