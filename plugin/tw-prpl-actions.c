/*
 * tw-prpl-actions: the account menu: checking for new messages now, the
 * rate-limit status dialog, the conversations waiting for an answer, the
 * "DM us" link and the messages the blast limit holds; and the same waiting
 * list for other plugins and the runner (plugin IPC).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "config.h"

#include "tw-prpl-actions.h"

#include <glib/gi18n-lib.h>
#include <json-glib/json-glib.h>

#include "tw-account.h"
#include "tw-api.h"
#include "tw-prpl-blast.h"

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

/* How a conversation is named in the list: @handle, or a group's title. */
static char *
dup_conversation_label(PurpleAccount *account, const char *conversation)
{
	PurpleChat *chat;

	if (!g_ascii_isdigit(conversation[0]))
		return g_strconcat("@", conversation, NULL);
	chat = purple_blist_find_chat(account, conversation);
	return g_strdup(chat != NULL ? purple_chat_get_name(chat)
				     : conversation);
}

static void
action_show_waiting(PurplePluginAction *action)
{
	PurpleConnection *connection = action->context;
	PurpleAccount *account = purple_connection_get_account(connection);
	TwAccount *tw = purple_connection_get_protocol_data(connection);
	g_autoptr(GPtrArray) waiting = NULL;
	g_autoptr(GString) text = g_string_new(NULL);
	gint64 now = g_get_real_time();

	if (tw == NULL)
		return;
	waiting = tw_account_dup_waiting(tw);
	if (waiting->len == 0)
		g_string_append(text, _("No one is waiting for an answer."));
	for (guint i = 0; i < waiting->len; i++) {
		const TwAccountWaiting *entry = waiting->pdata[i];
		g_autofree char *label =
		    dup_conversation_label(account, entry->conversation);
		g_autofree char *duration = tw_account_dup_duration_text(
		    MAX(0, (now - entry->since) / G_USEC_PER_SEC));

		if (text->len > 0)
			g_string_append_c(text, '\n');
		/* TRANSLATORS: a customer and how long they have waited for
		 * an answer, e.g. "@maria: 14 min". */
		g_string_append_printf(text, _("%s: %s"), label, duration);
	}
	purple_notify_info(connection, _("Twitter DM"),
			   _("Conversations waiting for an answer"), text->str);
}

static TwAccount *
account_of(PurpleAccount *account)
{
	PurpleConnection *connection =
	    account != NULL ? purple_account_get_connection(account) : NULL;

	return connection != NULL
		   ? purple_connection_get_protocol_data(connection)
		   : NULL;
}

int
tw_prpl_get_waiting_seconds(PurpleAccount *account, const char *conversation)
{
	TwAccount *tw = account_of(account);
	gint64 since =
	    tw != NULL ? tw_account_get_waiting_since(tw, conversation) : 0;

	if (since == 0)
		return -1;
	return (int)CLAMP((g_get_real_time() - since) / G_USEC_PER_SEC, 0,
			  G_MAXINT);
}

char *
tw_prpl_dup_waiting_json(PurpleAccount *account)
{
	TwAccount *tw = account_of(account);
	g_autoptr(GPtrArray) waiting =
	    tw != NULL ? tw_account_dup_waiting(tw) : NULL;
	g_autoptr(JsonBuilder) builder = json_builder_new();
	g_autoptr(JsonNode) root = NULL;
	gint64 now = g_get_real_time();

	json_builder_begin_array(builder);
	for (guint i = 0; waiting != NULL && i < waiting->len; i++) {
		const TwAccountWaiting *entry = waiting->pdata[i];

		json_builder_begin_object(builder);
		json_builder_set_member_name(builder, "conversation");
		json_builder_add_string_value(builder, entry->conversation);
		json_builder_set_member_name(builder, "since");
		json_builder_add_int_value(builder,
					   entry->since / G_USEC_PER_SEC);
		json_builder_set_member_name(builder, "seconds");
		json_builder_add_int_value(
		    builder, MAX(0, (now - entry->since) / G_USEC_PER_SEC));
		json_builder_end_object(builder);
	}
	json_builder_end_array(builder);
	root = json_builder_get_root(builder);
	return json_to_string(root, FALSE);
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
	    purple_plugin_action_new(_("Conversations waiting for an answer"),
				     action_show_waiting));
	actions = g_list_append(
	    actions,
	    purple_plugin_action_new(_("Copy my DM link"), action_dm_link));
	actions = g_list_append(
	    actions,
	    purple_plugin_action_new(_("Messages held by the blast limit"),
				     tw_prpl_blast_action));
	return actions;
}
