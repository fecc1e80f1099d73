/*
 * tw-prpl-actions: the account menu of the purple glue.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#pragma once

#include <glib.h>
#include <purple.h>

G_BEGIN_DECLS

/**
 * tw_prpl_actions:
 * @plugin: the plugin
 * @context: the PurpleConnection whose menu it is
 *
 * PurplePlugin actions: the account menu, "Check for new messages now"
 * (tw_account_poll_now()) and "Show rate-limit status"
 * (tw_account_dup_status_text(), as a plain message: bitlbee shows only
 * these).
 *
 * Returns: (transfer full): the actions
 */
GList *tw_prpl_actions(PurplePlugin *plugin, gpointer context);

G_END_DECLS
