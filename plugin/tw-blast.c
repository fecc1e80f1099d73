/*
 * tw-blast: the blast limit (see tw-blast.h).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "config.h"

#include "tw-blast.h"

#include "tw-text.h"

gboolean
tw_blast_note_send(TwAccount *account, const char *conversation,
		   const char *text)
{
	g_autofree char *key = NULL;
	g_autofree char *fingerprint = NULL;
	gint64 now = g_get_real_time();

	if (account->state == NULL || account->blast_limit == 0)
		return FALSE;
	/* An answer to someone who asked is what DMs are for. */
	if (tw_account_get_waiting_since(account, conversation) != 0)
		return FALSE;
	key = tw_text_dup_likeness_key(text);
	if (*key == '\0')
		return FALSE;
	fingerprint = g_compute_checksum_for_string(G_CHECKSUM_SHA256, key, -1);
	tw_state_note_send(account->state, fingerprint, conversation, now,
			   now - TW_BLAST_WINDOW);
	return tw_state_count_send_recipients(account->state, fingerprint,
					      now - TW_BLAST_WINDOW) >
	       account->blast_limit;
}
