/*
 * tw-upload: the upload of one attachment before the DM that carries it:
 * photos in one POST, GIFs and videos in X's chunked steps (initialize,
 * append each segment, finalize, then the processing status until X says
 * the medium may go in a DM).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#pragma once

#include "tw-account-private.h"
#include "tw-api.h"

G_BEGIN_DECLS

typedef struct _TwUpload TwUpload;

/**
 * TwUploadFunc:
 * @account: the account
 * @result: (nullable): the media id and its lifetime, when it is ready
 * @failed: (nullable): the reply of the call that failed
 * @error: (nullable): why it failed without a call to blame: the file
 *   cannot be read, or X could not process it (a #TW_MEDIA_ERROR)
 *
 * Told once per tw_upload_start(): exactly one of @result, @failed and
 * @error is set.
 */
typedef void (*TwUploadFunc)(TwAccount *account, const TwUploadResult *result,
			     TwApiReply *failed, const GError *error);

/** Returns: (transfer full): no upload under way. */
TwUpload *tw_upload_new(void);

/** @upload: (transfer full) (nullable): frees it, cancelling its call. */
void tw_upload_free(TwUpload *upload);

/**
 * tw_upload_start:
 * @account: the account; its upload must not be running
 * @file: the attachment's copy
 * @media_category: X's category for it ("dm_image", "dm_gif", "dm_video")
 * @func: told how it ended
 *
 * Uploads @file. A chunked upload whose call failed goes on from that
 * call when it is started again for the same file while X keeps its
 * media id, so a rate limit or a lost answer costs one step, not the file;
 * tw_upload_forget() drops it instead.
 */
void tw_upload_start(TwAccount *account, const char *file,
		     const char *media_category, TwUploadFunc func);

/**
 * tw_upload_is_running:
 * @account: the account
 *
 * Returns: whether a call or a processing wait is under way
 */
gboolean tw_upload_is_running(TwAccount *account);

/**
 * tw_upload_forget:
 * @account: the account; its upload must not be running
 *
 * Drops what was kept of a failed upload, once its message has left the
 * outbox (sent, or given up).
 */
void tw_upload_forget(TwAccount *account);

/**
 * tw_upload_stop:
 * @account: the account
 *
 * Cancels the call or wait under way without telling; what was uploaded
 * is kept for the next tw_upload_start() of the same file.
 */
void tw_upload_stop(TwAccount *account);

G_END_DECLS
