/*
 * tw-waiting: conversations waiting for an answer (see tw-waiting.h).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "config.h"

#include "tw-waiting.h"

#include <string.h>

/* The record's key for @conversation: a handle in lower case, or a group's
 * id, also when named as the outbox names it (TW_ACCOUNT_GROUP_PREFIX). */
static char *
dup_key(const char *conversation)
{
	if (g_str_has_prefix(conversation, TW_ACCOUNT_GROUP_PREFIX))
		conversation += strlen(TW_ACCOUNT_GROUP_PREFIX);
	return g_ascii_strdown(conversation, -1);
}

void
tw_waiting_note_message(TwAccount *account, const char *conversation,
			gint64 time, gboolean outgoing)
{
	g_autofree char *key = NULL;

	if (account->state == NULL || conversation == NULL)
		return;
	key = dup_key(conversation);
	if (outgoing)
		tw_state_clear_waiting(account->state, key, time);
	else
		tw_state_note_waiting(account->state, key,
				      time > 0 ? time : g_get_real_time());
}

void
tw_account_waiting_free(TwAccountWaiting *waiting)
{
	if (waiting == NULL)
		return;
	g_free(waiting->conversation);
	g_free(waiting);
}

static int
compare_longest_first(gconstpointer a, gconstpointer b)
{
	const TwAccountWaiting *left = *(TwAccountWaiting *const *)a;
	const TwAccountWaiting *right = *(TwAccountWaiting *const *)b;

	if (left->since != right->since)
		return left->since < right->since ? -1 : 1;
	return g_strcmp0(left->conversation, right->conversation);
}

GPtrArray *
tw_account_dup_waiting(TwAccount *account)
{
	GPtrArray *list = g_ptr_array_new_with_free_func(
	    (GDestroyNotify)tw_account_waiting_free);
	GHashTableIter iter;
	gpointer conversation, since;

	if (account->state == NULL)
		return list;
	g_hash_table_iter_init(&iter, tw_state_get_waiting(account->state));
	while (g_hash_table_iter_next(&iter, &conversation, &since)) {
		TwAccountWaiting *waiting = g_new0(TwAccountWaiting, 1);

		waiting->conversation = g_strdup(conversation);
		waiting->since = *(gint64 *)since;
		g_ptr_array_add(list, waiting);
	}
	g_ptr_array_sort(list, compare_longest_first);
	return list;
}

gint64
tw_account_get_waiting_since(TwAccount *account, const char *conversation)
{
	g_autofree char *key = NULL;
	gint64 *since;

	if (account->state == NULL || conversation == NULL)
		return 0;
	key = dup_key(conversation);
	since = g_hash_table_lookup(tw_state_get_waiting(account->state), key);
	return since != NULL ? *since : 0;
}
