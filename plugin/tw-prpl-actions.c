/*
 * tw-prpl-actions: the account menu: checking for new messages now, the
 * rate-limit status dialog and the "DM us" link.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "config.h"

#include "tw-prpl-actions.h"

#include <glib/gi18n-lib.h>

#include "tw-account.h"
#include "tw-api.h"

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

static void
dm_link_entered(PurpleConnection *connection, const char *text)
{
	TwAccount *tw = purple_connection_get_protocol_data(connection);
	const TwUser *me = tw != NULL ? tw_account_get_me(tw) : NULL;
	g_autofree char *prefill = g_strstrip(g_strdup(text ? text : ""));
	g_autofree char *link = NULL;

	if (me == NULL || me->id == NULL)
		return;
	link = tw_api_dup_compose_link(me->id, prefill);
	purple_notify_info(connection, _("Twitter DM"), _("Your DM link"),
			   link);
}

/* The link a business puts on its website: anyone who follows it lands in
 * a new DM to this account, with the text asked for here already typed. */
static void
action_dm_link(PurplePluginAction *action)
{
	PurpleConnection *connection = action->context;
	TwAccount *tw = purple_connection_get_protocol_data(connection);

	if (tw == NULL || tw_account_get_me(tw) == NULL) {
		purple_notify_error(connection, _("Twitter DM"),
				    _("Your DM link"),
				    _("The account is still signing on; try "
				      "again when it is online."));
		return;
	}
	/* The request's handle is the connection: libpurple closes it, without
	 * calling back, when the connection goes away. */
	purple_request_input(
	    connection, _("Twitter DM"), _("Your DM link"),
	    _("A message to prefill for the customer (optional)."), "", FALSE,
	    FALSE, NULL, _("Show the link"), G_CALLBACK(dm_link_entered),
	    _("Cancel"), NULL, purple_connection_get_account(connection), NULL,
	    NULL, connection);
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
	actions = g_list_append(
	    actions,
	    purple_plugin_action_new(_("Copy my DM link"), action_dm_link));
	return actions;
}
