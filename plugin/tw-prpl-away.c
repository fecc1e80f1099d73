/*
 * tw-prpl-away: auto-replies at most once per customer per away period
 * (see tw-prpl-away.h).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "config.h"

#include "tw-prpl-away.h"

#define DEBUG_CATEGORY "twdm"

/* PurpleConnection -> set of lower-case handles auto-replied to in the
 * current away period (libpurple keeps its own auto-reply times by
 * connection too). */
static GHashTable *replied;

int
tw_prpl_away_send_im(PurpleConnection *connection, TwAccount *tw,
		     const char *who, const char *message)
{
	g_autofree char *handle = g_ascii_strdown(who, -1);
	GHashTable *handles;

	if (replied == NULL)
		replied = g_hash_table_new_full(
		    NULL, NULL, NULL, (GDestroyNotify)g_hash_table_unref);
	handles = g_hash_table_lookup(replied, connection);
	if (handles == NULL) {
		handles = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
						NULL);
		g_hash_table_insert(replied, connection, handles);
	}
	if (g_hash_table_contains(handles, handle)) {
		purple_debug_info(DEBUG_CATEGORY,
				  "auto-reply not sent again in this away "
				  "period\n");
		return 0;
	}
	if (tw_account_send_auto_reply(tw, handle, message) == 0)
		return 0;
	g_hash_table_add(handles, g_steal_pointer(&handle));
	return 1;
}

void
tw_prpl_away_status_changed(PurpleAccount *account, PurpleStatus *status)
{
	PurpleStatusPrimitive primitive =
	    purple_status_type_get_primitive(purple_status_get_type(status));

	if (replied != NULL && primitive != PURPLE_STATUS_AWAY &&
	    primitive != PURPLE_STATUS_EXTENDED_AWAY)
		g_hash_table_remove(replied,
				    purple_account_get_connection(account));
}

void
tw_prpl_away_forget(PurpleConnection *connection)
{
	if (replied != NULL)
		g_hash_table_remove(replied, connection);
}
