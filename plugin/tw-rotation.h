/*
 * tw-rotation: the one OAuth 2.0 refresh in flight per X account, in the
 * whole process. X's refresh tokens work once: a refresh whose answer is
 * lost, or a second refresh sent with the same token, strands the account
 * until someone authorizes it again. So a rotation is never cancelled:
 * whoever waits for it may go away (the account is disconnected or
 * freed), the request goes on on its own HTTP client, and a rotated token
 * that nobody waits for any more is stored in the account's token file by
 * the rotation itself. A sign-on that comes while a rotation of the same
 * account is in flight waits for that one instead of sending a second.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#pragma once

#include <glib.h>

#include "tw-model.h"

G_BEGIN_DECLS

/**
 * TwRotationConfig:
 * @state_directory: where the account's token file is
 * @username: the account's handle, lower case; with @state_directory it
 *   names the account
 * @api_base: base URL of the API
 * @client_id: OAuth 2.0 client id
 * @client_secret: (nullable): for a confidential client
 * @proxy_url: (nullable): see tw_http_set_proxy()
 * @proxy_username: (nullable): proxy user
 * @proxy_password: (nullable): proxy password
 * @ca_file: (nullable): extra CA bundle
 *
 * Everything is copied by tw_rotation_start().
 */
typedef struct {
	const char *state_directory;
	const char *username;
	const char *api_base;
	const char *client_id;
	const char *client_secret;
	const char *proxy_url;
	const char *proxy_username;
	const char *proxy_password;
	const char *ca_file;
} TwRotationConfig;

/**
 * TwRotationResult:
 * @refresh_token: the refresh token the rotation was sent with
 * @token: (nullable): the new tokens, on success
 * @error: (nullable): why not, in #TW_API_ERROR or #TW_HTTP_ERROR
 * @ambiguous: on failure, %TRUE when the request reached X and X may
 *   have rotated the token without the answer arriving (a timeout or
 *   reset after sending, an unreadable answer); %FALSE when X did not
 *   rotate it (nothing was sent, or X answered with an error)
 *
 * The outcome, handed to every waiter.
 */
typedef struct {
	const char *refresh_token;
	const TwToken *token;
	const GError *error;
	gboolean ambiguous;
} TwRotationResult;

/**
 * TwRotationFunc:
 * @result: (transfer none): the outcome
 * @user_data: the data given to tw_rotation_start()
 */
typedef void (*TwRotationFunc)(const TwRotationResult *result,
			       gpointer user_data);

/**
 * tw_rotation_start:
 * @config: the account and how to reach X
 * @refresh_token: the token to rotate
 * @func: called once with the outcome, on the event loop; never after
 *   tw_rotation_detach()
 * @user_data: for @func
 *
 * Refreshes the account's access token, or, when a rotation of the same
 * account is already in flight (a disconnected session's, say), waits
 * for that one: its result then carries the token it was sent with.
 *
 * Returns: a waiter id for tw_rotation_detach(), never 0
 */
guint64 tw_rotation_start(const TwRotationConfig *config,
			  const char *refresh_token, TwRotationFunc func,
			  gpointer user_data);

/**
 * tw_rotation_detach:
 * @waiter: an id from tw_rotation_start(); 0 and finished ids are ignored
 *
 * The waiter goes away: its function is not called. The rotation itself
 * goes on, and when nobody waits for it any more, stores the rotated
 * refresh token in the account's token file.
 */
void tw_rotation_detach(guint64 waiter);

/**
 * tw_rotation_is_in_flight:
 * @state_directory: where the account's files are
 * @username: the account's handle, lower case
 *
 * Returns: whether a rotation of this account is in flight
 */
gboolean tw_rotation_is_in_flight(const char *state_directory,
				  const char *username);

G_END_DECLS
