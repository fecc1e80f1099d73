/*
 * tw-people: the users an account knows (id, handle, name, icon), lookups
 * by handle, icons and blocking.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#pragma once

#include "tw-account-private.h"

G_BEGIN_DECLS

/**
 * tw_people_new:
 * @account: the account it belongs to
 *
 * Returns: (transfer full): no users known yet
 */
TwPeople *tw_people_new(TwAccount *account);

/**
 * tw_people_free:
 * @people: (nullable): the users known
 */
void tw_people_free(TwPeople *people);

/**
 * tw_people_remember:
 * @account: the account
 * @user: a user X described; copied (ignored without id and handle)
 */
void tw_people_remember(TwAccount *account, const TwUser *user);

/**
 * tw_people_lookup:
 * @account: the account
 * @user_id: a user id
 *
 * Returns: (transfer none) (nullable): the user, when known
 */
const TwUser *tw_people_lookup(TwAccount *account, const char *user_id);

/**
 * tw_people_get_id:
 * @account: the account
 * @handle: a lower-case handle without '@'
 *
 * Returns: (transfer none) (nullable): the user id, when known
 */
const char *tw_people_get_id(TwAccount *account, const char *handle);

/**
 * tw_people_dup_handle_of:
 * @account: the account
 * @user_id: a user id
 *
 * Returns: (transfer full): the user's lower-case handle, or the id when X
 *   could not say who it is
 */
char *tw_people_dup_handle_of(TwAccount *account, const char *user_id);

/**
 * tw_people_note_wrote:
 * @account: the account
 * @handle: a customer whose message was shown
 *
 * Remembers that @handle has written, so that answering them never asks
 * for consent. The caller saves the state.
 */
void tw_people_note_wrote(TwAccount *account, const char *handle);

G_END_DECLS
