/*
 * tw-prpl-blast: the blast limit's question. When the account holds
 * messages (the same text to more than blast-limit people within an
 * hour), the user is asked whether to send them, drop them, or keep them
 * held; the account action "Messages held by the blast limit" asks again.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#pragma once

#include <purple.h>

G_BEGIN_DECLS

/**
 * tw_prpl_blast_on_held:
 * @ui: the PurpleConnection
 * @count: how many messages are held now
 *
 * TwAccountCallbacks.held: asks, unless the question is already open (its
 * answer then applies to every held message).
 */
void tw_prpl_blast_on_held(gpointer ui, guint count);

/**
 * tw_prpl_blast_action:
 * @action: the account action; its context is the connection
 *
 * "Messages held by the blast limit": asks about them, or says that none
 * are held.
 */
void tw_prpl_blast_action(PurplePluginAction *action);

/**
 * tw_prpl_blast_forget:
 * @connection: a connection that closes
 *
 * Withdraws its open question; the held messages stay held on disk.
 */
void tw_prpl_blast_forget(PurpleConnection *connection);

G_END_DECLS
