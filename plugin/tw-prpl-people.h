/*
 * tw-prpl-people: the purple glue of the people an account converses
 * with: buddies, their aliases, presence and icons, user info, adding a
 * buddy and blocking.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#pragma once

#include <glib.h>
#include <purple.h>

#include "tw-model.h"

G_BEGIN_DECLS

/**
 * tw_prpl_people_update:
 * @connection: the connection
 * @user: (nullable): what X said of someone the account converses with
 *
 * Makes @user a buddy, named by the lower-case handle and aliased with the
 * display name; a buddy of the same user id under an older handle is
 * renamed. Sets the presence from whether they accept DMs and fetches a
 * new icon. Does nothing for the account itself or a user without id or
 * handle.
 */
void tw_prpl_people_update(PurpleConnection *connection, const TwUser *user);

/**
 * tw_prpl_people_show_present:
 * @connection: the connection, just signed on
 *
 * Shows every buddy of the account present, or as not accepting DMs when
 * that was last known of them.
 */
void tw_prpl_people_show_present(PurpleConnection *connection);

/** PurplePluginProtocolInfo.tooltip_text: the cached profile */
void tw_prpl_tooltip_text(PurpleBuddy *buddy, PurpleNotifyUserInfo *info,
			  gboolean full);
/** PurplePluginProtocolInfo.get_info: looks the user up, then shows it */
void tw_prpl_get_info(PurpleConnection *connection, const char *who);
/** PurplePluginProtocolInfo.add_buddy: an unknown handle is removed */
void tw_prpl_add_buddy(PurpleConnection *connection, PurpleBuddy *buddy,
		       PurpleGroup *group);
/** PurplePluginProtocolInfo.add_deny: POST /2/users/:id/dm/block */
void tw_prpl_add_deny(PurpleConnection *connection, const char *name);
/** PurplePluginProtocolInfo.rem_deny: POST /2/users/:id/dm/unblock */
void tw_prpl_rem_deny(PurpleConnection *connection, const char *name);

G_END_DECLS
