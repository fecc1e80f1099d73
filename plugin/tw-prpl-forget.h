/*
 * tw-prpl-forget: the purple glue of deleted accounts: revokes their
 * refresh token and deletes the plugin's files of them.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#pragma once

#include <glib.h>
#include <purple.h>

G_BEGIN_DECLS

/**
 * tw_prpl_forget_load:
 * @plugin: the plugin, the handle of the signal connections
 *
 * Watches for accounts the user deletes, to revoke their refresh token and
 * delete the plugin's files of them.
 */
void tw_prpl_forget_load(PurplePlugin *plugin);

/**
 * tw_prpl_forget_unload:
 * @plugin: the plugin given to tw_prpl_forget_load()
 *
 * Undoes tw_prpl_forget_load(); revocations still in flight are
 * abandoned.
 */
void tw_prpl_forget_unload(PurplePlugin *plugin);

G_END_DECLS
