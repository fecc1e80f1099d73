/*
 * tw-prpl: the core of the purple glue: login and close, sending IMs and
 * the TwAccount callbacks. The one place that calls
 * purple_connection_error_reason() and maps errors to
 * PurpleConnectionError. Together with tw-prpl-*.h (people, chats, the
 * account menu, signing in, settings), the only code that calls serv_*
 * and purple_conversation_*.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#pragma once

#include <glib.h>
#include <purple.h>

G_BEGIN_DECLS

/**
 * tw_prpl_connection_error_reason:
 * @error: an error from any layer of the plugin
 *
 * The single mapping from the plugin's errors to libpurple's reasons:
 * authentication problems are fatal (no reconnect loop), network trouble is
 * not (libpurple's UIs reconnect).
 *
 * Returns: the reason to disconnect with
 */
PurpleConnectionError tw_prpl_connection_error_reason(const GError *error);

/** PurplePluginProtocolInfo.login */
void tw_prpl_login(PurpleAccount *account);
/** PurplePluginProtocolInfo.close */
void tw_prpl_close(PurpleConnection *connection);
/** PurplePluginProtocolInfo.send_im */
int tw_prpl_send_im(PurpleConnection *connection, const char *who,
		    const char *message, PurpleMessageFlags flags);
/** PurplePluginProtocolInfo.list_icon */
const char *tw_prpl_list_icon(PurpleAccount *account, PurpleBuddy *buddy);
/** PurplePluginProtocolInfo.status_types */
GList *tw_prpl_status_types(PurpleAccount *account);
/** PurplePluginProtocolInfo.set_status: X has no presence to set */
void tw_prpl_set_status(PurpleAccount *account, PurpleStatus *status);

/**
 * tw_prpl_debug_install:
 *
 * Routes the lower layers' GLib log domain "twdm" to purple_debug.
 */
void tw_prpl_debug_install(void);

/**
 * tw_prpl_debug_uninstall:
 *
 * Undoes tw_prpl_debug_install().
 */
void tw_prpl_debug_uninstall(void);

G_END_DECLS
