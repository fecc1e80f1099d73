/*
 * tw-prpl-actions: the account menu: checking for new messages now and the
 * rate-limit status dialog.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "config.h"

#include "tw-prpl-actions.h"

#include <glib/gi18n-lib.h>

#include "tw-account.h"

static void
action_check_now(PurplePluginAction *action)
{
	PurpleConnection *connection = action->context;
	TwAccount *tw = purple_connection_get_protocol_data(connection);

	if (tw != NULL)
		tw_account_poll_now(tw);
}

static void
action_show_status(PurplePluginAction *action)
{
	PurpleConnection *connection = action->context;
	TwAccount *tw = purple_connection_get_protocol_data(connection);
	g_autofree char *status = NULL;

	if (tw == NULL)
		return;
	status = tw_account_dup_status_text(tw);
	/* A plain message, not notify_formatted: bitlbee shows only these. */
	purple_notify_info(connection, _("Twitter DM"), _("Rate-limit status"),
			   status);
}

GList *
tw_prpl_actions(PurplePlugin *plugin, gpointer context)
{
	GList *actions = NULL;

	actions = g_list_append(
	    actions, purple_plugin_action_new(_("Check for new messages now"),
					      action_check_now));
	actions = g_list_append(
	    actions, purple_plugin_action_new(_("Show rate-limit status"),
					      action_show_status));
	return actions;
}
