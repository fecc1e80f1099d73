/*
 * tw-prpl-media: customers' images inline (Pidgin's imgstore) and, for
 * UIs that script the plugin, each message's attachments as JSON through
 * the #TW_SIGNAL_MESSAGE_MEDIA signal; the images the user puts in a
 * message, from the same imgstore, to send.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#pragma once

#include <purple.h>

#include "tw-account.h"

G_BEGIN_DECLS

/**
 * tw_prpl_media_load:
 * @plugin: this plugin
 *
 * Registers #TW_SIGNAL_MESSAGE_MEDIA on @plugin.
 */
void tw_prpl_media_load(PurplePlugin *plugin);

/**
 * tw_prpl_media_wanted:
 * @account: the account
 *
 * Returns: whether images are fetched: the #TW_OPTION_MEDIA_DOWNLOAD
 *   option, where "auto" means UIs that show images inline (Pidgin) and
 *   the runner
 */
gboolean tw_prpl_media_wanted(PurpleAccount *account);

/**
 * tw_prpl_media_announce:
 * @connection: the connection
 * @conversation_name: the name of the conversation @message is shown in
 * @message: a message about to be shown
 *
 * Emits #TW_SIGNAL_MESSAGE_MEDIA when @message has attachments.
 */
void tw_prpl_media_announce(PurpleConnection *connection,
			    const char *conversation_name,
			    const TwAccountMessage *message);

/**
 * tw_prpl_media_on_media:
 * @ui: the connection
 * @media: an image fetched for a message shown before
 *
 * TwAccountCallbacks.media: shows the image inline in the message's
 * conversation, as a line of its sender.
 */
void tw_prpl_media_on_media(gpointer ui, const TwAccountMedia *media);

/**
 * tw_prpl_media_dup_image:
 * @ui: the connection
 * @id: an imgstore id, from `<img id="N">` in what the user typed
 *
 * TwAccountCallbacks.dup_image: the image Pidgin's editor put in a message,
 * to send as its attachment.
 *
 * Returns: (transfer full) (nullable): its bytes, %NULL when it is gone
 */
GBytes *tw_prpl_media_dup_image(gpointer ui, guint id);

G_END_DECLS
