/*
 * tw-prpl-blast: the blast limit's question (see tw-prpl-blast.h).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "config.h"

#include "tw-prpl-blast.h"

#include <glib/gi18n-lib.h>

#include "tw-account.h"
#include "tw-prpl-question.h"

/* connection -> the open question's UI handle */
static GHashTable *open_questions;

static TwAccount *
question_done(PurpleConnection *connection)
{
	if (open_questions != NULL)
		g_hash_table_remove(open_questions, connection);
	if (!PURPLE_CONNECTION_IS_VALID(connection))
		return NULL;
	return purple_connection_get_protocol_data(connection);
}

static void
answer_send(PurpleConnection *connection, int action)
{
	TwAccount *tw = question_done(connection);

	if (tw != NULL)
		tw_account_release_held(tw);
}

static void
answer_drop(PurpleConnection *connection, int action)
{
	TwAccount *tw = question_done(connection);
	guint dropped;
	g_autofree char *text = NULL;

	if (tw == NULL)
		return;
	dropped = tw_account_discard_held(tw);
	text = g_strdup_printf(
	    g_dngettext(GETTEXT_PACKAGE, "%u held message was not sent.",
			"%u held messages were not sent.", dropped),
	    dropped);
	purple_notify_info(connection, _("Twitter DM"), text, NULL);
}

static void
answer_keep(PurpleConnection *connection, int action)
{
	question_done(connection);
}

static void
ask(PurpleConnection *connection, guint count)
{
	PurpleAccount *account = purple_connection_get_account(connection);
	g_autofree char *primary = g_strdup_printf(
	    g_dngettext(GETTEXT_PACKAGE,
			"%u message is held: you sent the same text to many "
			"people within an hour.",
			"%u messages are held: you sent the same text to many "
			"people within an hour.",
			count),
	    count);
	void *handle;

	if (open_questions == NULL)
		open_questions = g_hash_table_new(NULL, NULL);
	if (g_hash_table_contains(open_questions, connection))
		return;
	/* bitlbee asks this as a question answered with yes (send) or no
	 * (drop); Pidgin and Finch also offer the third, the default. */
	handle = purple_request_action(
	    connection, _("Twitter DM"), primary,
	    _("DMs are for answering people. The same text sent to many who "
	      "did not ask for it reads as a campaign, and gets accounts "
	      "reported and limited. Send the held messages only if every "
	      "recipient expects them; they are kept until you decide."),
	    2, account, NULL, NULL, connection, 3,
	    tw_prpl_question_yes(_("_Send them")), G_CALLBACK(answer_send),
	    tw_prpl_question_no(_("_Don't send them")), G_CALLBACK(answer_drop),
	    _("_Keep them held"), G_CALLBACK(answer_keep));
	if (handle != NULL)
		g_hash_table_insert(open_questions, connection, handle);
}

void
tw_prpl_blast_on_held(gpointer ui, guint count)
{
	ask(ui, count);
}

void
tw_prpl_blast_action(PurplePluginAction *action)
{
	PurpleConnection *connection = action->context;
	TwAccount *tw = purple_connection_get_protocol_data(connection);
	guint count = tw != NULL ? tw_account_get_held_count(tw) : 0;

	if (count == 0) {
		purple_notify_info(connection, _("Twitter DM"),
				   _("No messages are held."), NULL);
		return;
	}
	ask(connection, count);
}

void
tw_prpl_blast_forget(PurpleConnection *connection)
{
	void *handle = open_questions != NULL
			   ? g_hash_table_lookup(open_questions, connection)
			   : NULL;

	if (handle == NULL)
		return;
	g_hash_table_remove(open_questions, connection);
	purple_request_close(PURPLE_REQUEST_ACTION, handle);
}
