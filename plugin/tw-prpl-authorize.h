/*
 * tw-prpl-authorize: the purple glue of signing in. Shows the authorize
 * link (purple_notify_uri and, always, a purple_request_input question
 * that carries it, because bitlbee and Finch have no browser to open)
 * and catches X's redirect on a loopback listener. Deleted accounts are
 * tw-prpl-forget's.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#pragma once

#include <glib.h>
#include <purple.h>

#include "tw-authorization.h"

G_BEGIN_DECLS

/**
 * tw_prpl_on_authorize:
 * @ui: the PurpleConnection signing on
 * @prompt: what to show
 *
 * TwAccountCallbacks.authorize: asks the user to authorize the app,
 * replacing an earlier question, and listens on @prompt->redirect_uri when
 * it is plain http on a loopback address (when its port is taken, the user
 * pastes the address instead). Answers go to tw_account_authorize_submit().
 */
void tw_prpl_on_authorize(gpointer ui, const TwAuthorizationPrompt *prompt);

/**
 * tw_prpl_on_authorize_finished:
 * @ui: the PurpleConnection
 *
 * TwAccountCallbacks.authorize_finished: tw_prpl_authorize_finish().
 */
void tw_prpl_on_authorize_finished(gpointer ui);

/**
 * tw_prpl_on_oauth1_token_changed:
 * @ui: the PurpleConnection
 * @token: the new OAuth 1.0a access token
 * @token_secret: its secret
 *
 * TwAccountCallbacks.oauth1_token_changed: stores @token as the
 * access-token option and @token_secret as the password.
 */
void tw_prpl_on_oauth1_token_changed(gpointer ui, const char *token,
				     const char *token_secret);

/**
 * tw_prpl_authorize_finish:
 * @connection: the connection
 *
 * Closes the question and the listener, if any. Called when the
 * authorization is over and when the connection closes.
 */
void tw_prpl_authorize_finish(PurpleConnection *connection);

/**
 * tw_prpl_authorize_unload:
 *
 * At plugin unload, when every connection has closed (and its
 * authorization with it): frees the table of authorizations.
 */
void tw_prpl_authorize_unload(void);

G_END_DECLS
