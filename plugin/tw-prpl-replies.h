/*
 * tw-prpl-replies: the "/reply NAME" command of IM and chat windows, which
 * sends a saved reply (tw-replies.h has the file's format).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#pragma once

#include <purple.h>

G_BEGIN_DECLS

/** Registers "/reply" for this protocol's conversations; at plugin load. */
void tw_prpl_replies_load(PurplePlugin *plugin);

/** Unregisters "/reply"; at plugin unload. */
void tw_prpl_replies_unload(void);

/**
 * tw_prpl_replies_dup_path:
 * @account: the account
 *
 * Returns: (transfer full): the account's saved-replies file,
 * "<handle>.replies" in tw_prpl_dup_state_directory()
 */
char *tw_prpl_replies_dup_path(PurpleAccount *account);

G_END_DECLS
