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
 * (tw_account_poll_now()), "Show rate-limit status"
 * (tw_account_dup_status_text()), "Conversations waiting for an answer"
 * (tw_account_dup_waiting()), all as plain messages (bitlbee shows only
 * these), "Copy my DM link" and "Messages held by the blast limit"
 * (tw_prpl_blast_action()).
 *
 * Returns: (transfer full): the actions
 */
GList *tw_prpl_actions(PurplePlugin *plugin, gpointer context);

/**
 * tw_prpl_dup_waiting_json:
 * @account: (nullable): an account of this protocol
 *
 * The #TW_IPC_WAITING plugin IPC function.
 *
 * Returns: (transfer full): the conversations waiting for an answer as JSON
 */
char *tw_prpl_dup_waiting_json(PurpleAccount *account);

/**
 * tw_prpl_get_waiting_seconds:
 * @account: (nullable): an account of this protocol
 * @conversation: (nullable): a conversation's name
 *
 * The #TW_IPC_WAITING_SECONDS plugin IPC function: one lookup, so a UI can
 * ask it for every message line of a long backlog.
 *
 * Returns: the seconds @conversation has waited for an answer, or -1
 */
int tw_prpl_get_waiting_seconds(PurpleAccount *account,
				const char *conversation);

G_END_DECLS
