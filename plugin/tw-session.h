/*
 * tw-session: an account's tokens. Owns the refresh token, the one
 * rotation in flight (through tw-rotation), its retries, the handling of
 * 401s, and the authorization prompt when no token works.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#pragma once

#include "tw-account-private.h"

G_BEGIN_DECLS

/**
 * TwSessionUser:
 * @TW_SESSION_USER_ME: the sign-on's /2/users/me
 * @TW_SESSION_USER_POLL: the poll
 * @TW_SESSION_USER_SEND: the outbox
 *
 * Who retries a request after a 401: each gets one retry per refresh.
 */
typedef enum {
	TW_SESSION_USER_ME,
	TW_SESSION_USER_POLL,
	TW_SESSION_USER_SEND,
	TW_SESSION_N_USERS,
} TwSessionUser;

/**
 * tw_session_new:
 * @account: the account it belongs to
 *
 * Returns: (transfer full): the token state of @account
 */
TwSession *tw_session_new(TwAccount *account);

/**
 * tw_session_free:
 * @session: (nullable): the session; its secrets are wiped
 */
void tw_session_free(TwSession *session);

/**
 * tw_session_start:
 * @account: an account whose API client and state are ready
 *
 * The token part of the sign-on: the OAuth 1.0a token, or the newest
 * refresh token (refreshed, then tw_account_check_me()), or the
 * authorization prompt when there is none.
 */
void tw_session_start(TwAccount *account);

/**
 * tw_session_stop:
 * @account: the account
 *
 * Stops timers and the authorization; a rotation in flight is detached,
 * never cancelled. Operations waiting for a token are dropped.
 */
void tw_session_stop(TwAccount *account);

/**
 * tw_session_retry_after_refresh:
 * @account: the account
 * @generation: the access token the request was sent with
 * @user: who sent it
 * @operation: what runs again once a token is there
 *
 * A request came back 401: refresh (once per @user, then backing off in
 * read paces) and run @operation again.
 *
 * Returns: %TRUE when handled; %FALSE when the caller must treat the 401
 *   as an error (a second one while signing on)
 */
gboolean tw_session_retry_after_refresh(TwAccount *account, guint generation,
					TwSessionUser user,
					TwAccountOperation operation);

/**
 * tw_session_request_succeeded:
 * @account: the account
 * @user: whose request worked
 *
 * @user gets its retry after a 401 again.
 */
void tw_session_request_succeeded(TwAccount *account, TwSessionUser user);

/**
 * tw_session_token_worked:
 * @account: the account
 *
 * A read worked: the 401s that came right after refreshes are over.
 */
void tw_session_token_worked(TwAccount *account);

/**
 * tw_session_wait_for_token:
 * @account: the account
 * @operation: runs once a usable access token is there (once, however
 *   often it is asked for)
 */
void tw_session_wait_for_token(TwAccount *account,
			       TwAccountOperation operation);

/**
 * tw_session_is_renewing:
 * @account: the account
 *
 * Returns: whether a refresh is under way or being retried, or the user is
 *   authorizing: the access token may be dead
 */
gboolean tw_session_is_renewing(TwAccount *account);

/**
 * tw_session_reauthorized:
 * @account: an account authorized again while online
 *
 * The lost rotation is over: counters reset, and what waited for a token
 * runs.
 */
void tw_session_reauthorized(TwAccount *account);

/**
 * tw_session_get_access_token_expiry:
 * @account: the account
 *
 * Returns: when the access token expires, Unix µs; 0 = unknown or never
 */
gint64 tw_session_get_access_token_expiry(TwAccount *account);

G_END_DECLS
