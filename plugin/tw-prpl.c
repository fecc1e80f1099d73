/*
 * tw-prpl: the core of the purple glue between libpurple and TwAccount:
 * the connection's lifecycle (login builds the TwAccount from the account
 * settings, close frees it), sending IMs, the TwAccount callbacks that
 * show progress, messages, notices and errors, the mapping of errors to
 * PurpleConnectionError, and debug output. People, group chats, the
 * account menu, signing in and settings helpers have their own
 * tw-prpl-*.c.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "config.h"

#include "tw-prpl.h"

#include <errno.h>
#include <glib/gi18n-lib.h>
#include <string.h>

#include "purple-twdm.h"
#include "tw-account.h"
#include "tw-http.h"
#include "tw-oauth.h"
#include "tw-prpl-authorize.h"
#include "tw-prpl-away.h"
#include "tw-prpl-blast.h"
#include "tw-prpl-chat.h"
#include "tw-prpl-consent.h"
#include "tw-prpl-media.h"
#include "tw-prpl-people.h"
#include "tw-prpl-settings.h"
#include "tw-state.h"

#define DEBUG_CATEGORY "twdm"

/****************************************************************************
 * Errors
 ****************************************************************************/

PurpleConnectionError
tw_prpl_connection_error_reason(const GError *error)
{
	if (error->domain == TW_ACCOUNT_ERROR) {
		switch ((TwAccountError)error->code) {
		case TW_ACCOUNT_ERROR_INVALID_SETTINGS:
			return PURPLE_CONNECTION_ERROR_INVALID_SETTINGS;
		case TW_ACCOUNT_ERROR_NO_TOKEN:
			return PURPLE_CONNECTION_ERROR_AUTHENTICATION_FAILED;
		case TW_ACCOUNT_ERROR_WRONG_USER:
			return PURPLE_CONNECTION_ERROR_INVALID_USERNAME;
		case TW_ACCOUNT_ERROR_STATE:
			return PURPLE_CONNECTION_ERROR_OTHER_ERROR;
		}
	} else if (error->domain == TW_API_ERROR) {
		switch ((TwApiError)error->code) {
		case TW_API_ERROR_TOKEN_REFUSED:
		case TW_API_ERROR_UNAUTHORIZED:
			return PURPLE_CONNECTION_ERROR_AUTHENTICATION_FAILED;
		case TW_API_ERROR_FORBIDDEN:
			return PURPLE_CONNECTION_ERROR_AUTHENTICATION_IMPOSSIBLE;
		case TW_API_ERROR_CREDITS_DEPLETED:
		case TW_API_ERROR_USAGE_CAPPED:
		case TW_API_ERROR_NOT_FOUND:
		case TW_API_ERROR_INVALID_REQUEST:
			return PURPLE_CONNECTION_ERROR_OTHER_ERROR;
		case TW_API_ERROR_RATE_LIMITED:
		case TW_API_ERROR_SERVER:
		case TW_API_ERROR_BAD_RESPONSE:
		case TW_API_ERROR_UNEXPECTED_STATUS:
			return PURPLE_CONNECTION_ERROR_NETWORK_ERROR;
		}
	} else if (error->domain == TW_HTTP_ERROR) {
		switch ((TwHttpError)error->code) {
		case TW_HTTP_ERROR_TLS:
			return PURPLE_CONNECTION_ERROR_CERT_OTHER_ERROR;
		case TW_HTTP_ERROR_INSECURE_URL:
		case TW_HTTP_ERROR_INVALID_URL:
			return PURPLE_CONNECTION_ERROR_INVALID_SETTINGS;
		case TW_HTTP_ERROR_NETWORK:
		case TW_HTTP_ERROR_CONNECT:
		case TW_HTTP_ERROR_TIMEOUT:
		case TW_HTTP_ERROR_TOO_LARGE:
		case TW_HTTP_ERROR_PROXY:
			return PURPLE_CONNECTION_ERROR_NETWORK_ERROR;
		}
	} else if (error->domain == TW_STATE_ERROR) {
		return PURPLE_CONNECTION_ERROR_OTHER_ERROR;
	} else if (error->domain == TW_OAUTH_ERROR) {
		/* Fatal, all of them: a reconnect loop would open one
		 * browser tab after another. */
		switch ((TwOAuthError)error->code) {
		case TW_OAUTH_ERROR_CLIENT:
		case TW_OAUTH_ERROR_REDIRECT_URI:
			return PURPLE_CONNECTION_ERROR_INVALID_SETTINGS;
		case TW_OAUTH_ERROR_STATE_MISMATCH:
		case TW_OAUTH_ERROR_ACCESS_DENIED:
		case TW_OAUTH_ERROR_REDIRECT_ERROR:
		case TW_OAUTH_ERROR_NO_CODE:
		case TW_OAUTH_ERROR_CODE_INVALID:
		case TW_OAUTH_ERROR_TIMEOUT:
		case TW_OAUTH_ERROR_CANCELLED:
		case TW_OAUTH_ERROR_PIN:
			return PURPLE_CONNECTION_ERROR_AUTHENTICATION_FAILED;
		}
	}
	return PURPLE_CONNECTION_ERROR_OTHER_ERROR;
}

static const char *
error_context(PurpleConnectionError reason)
{
	switch (reason) {
	case PURPLE_CONNECTION_ERROR_AUTHENTICATION_FAILED:
		return _("X did not accept the sign-in");
	case PURPLE_CONNECTION_ERROR_AUTHENTICATION_IMPOSSIBLE:
		return _("X does not allow this app to use direct messages");
	case PURPLE_CONNECTION_ERROR_INVALID_SETTINGS:
		return _("The account settings cannot be used");
	case PURPLE_CONNECTION_ERROR_INVALID_USERNAME:
		return _("The token belongs to another X account");
	case PURPLE_CONNECTION_ERROR_NETWORK_ERROR:
		return _("Could not reach X");
	case PURPLE_CONNECTION_ERROR_CERT_OTHER_ERROR:
		return _("The server's certificate is not trusted");
	default:
		return _("X direct messages stopped");
	}
}

/****************************************************************************
 * TwAccount callbacks
 ****************************************************************************/

static void
on_progress(gpointer ui, const char *text, guint step, guint steps)
{
	PurpleConnection *connection = ui;
	const char *label = step <= 1 ? _("Refreshing the access token")
				      : _("Checking the account");

	purple_connection_update_progress(connection, label, step, steps + 1);
}

static void
on_signed_on(gpointer ui, const TwUser *me)
{
	PurpleConnection *connection = ui;

	if (me->name != NULL)
		purple_connection_set_display_name(connection, me->name);
	purple_connection_set_state(connection, PURPLE_CONNECTED);
	tw_prpl_people_show_present(connection);
}

static PurpleConvIm *
find_or_open_im(PurpleConnection *connection, const char *peer)
{
	PurpleAccount *account = purple_connection_get_account(connection);
	PurpleConversation *conversation =
	    purple_find_conversation_with_account(PURPLE_CONV_TYPE_IM, peer,
						  account);

	if (conversation == NULL)
		conversation =
		    purple_conversation_new(PURPLE_CONV_TYPE_IM, account, peer);
	return purple_conversation_get_im_data(conversation);
}

static void
on_message(gpointer ui, const TwAccountMessage *message)
{
	PurpleConnection *connection = ui;
	PurpleMessageFlags flags = 0;

	/* Blocked people stay out of sight, whoever wrote the message. */
	if (!purple_privacy_check(purple_connection_get_account(connection),
				  message->peer)) {
		purple_debug_info(DEBUG_CATEGORY,
				  "message with a blocked user not shown\n");
		return;
	}
	if (message->delayed)
		flags |= PURPLE_MESSAGE_DELAYED;
	if (message->peer_user != NULL)
		tw_prpl_people_update(connection, message->peer_user);
	else if (message->peer_name != NULL)
		serv_got_alias(connection, message->peer, message->peer_name);
	if (message->group) {
		PurpleConversation *chat =
		    tw_prpl_group_open(connection, message->conversation_id);

		tw_prpl_media_announce(
		    connection, purple_conversation_get_name(chat), message);
		tw_prpl_group_show_message(connection, message, flags);
		return;
	}
	tw_prpl_media_announce(connection, message->peer, message);
	if (message->outgoing) {
		/* bitlbee drops plain SEND as a local echo; REMOTE_SEND marks
		 * a message the owner typed on another device. */
		PurpleConvIm *im = find_or_open_im(connection, message->peer);

		purple_conv_im_write(im, message->peer, message->html,
				     flags | PURPLE_MESSAGE_SEND |
					 PURPLE_MESSAGE_REMOTE_SEND,
				     (time_t)message->timestamp);
		return;
	}
	serv_got_im(connection, message->peer, message->html,
		    flags | PURPLE_MESSAGE_RECV, (time_t)message->timestamp);
}

static void
on_notice(gpointer ui, TwAccountNotice kind, const char *peer, const char *text)
{
	PurpleConnection *connection = ui;
	g_autofree char *escaped = purple_markup_escape_text(text, -1);
	PurpleConversation *conv;

	if (peer == NULL) {
		purple_notify_info(connection, _("Twitter DM"),
				   _("Message from the X account"), text);
		return;
	}
	if (g_str_has_prefix(peer, TW_ACCOUNT_GROUP_PREFIX))
		conv = tw_prpl_group_open(
		    connection, peer + strlen(TW_ACCOUNT_GROUP_PREFIX));
	else
		conv = find_or_open_im(connection, peer)->conv;
	switch (kind) {
	case TW_ACCOUNT_NOTICE_SEND_FAILED:
		purple_conversation_write(conv, NULL, escaped,
					  PURPLE_MESSAGE_ERROR, time(NULL));
		/* bitlbee does not show conversation error lines. */
		purple_notify_error(connection, _("Twitter DM"),
				    _("A message could not be sent"), text);
		break;
	case TW_ACCOUNT_NOTICE_SEND_WAITING:
	case TW_ACCOUNT_NOTICE_INFO:
		purple_conversation_write(
		    conv, NULL, escaped,
		    PURPLE_MESSAGE_SYSTEM | PURPLE_MESSAGE_NO_LOG, time(NULL));
		break;
	}
}

static void
on_refresh_token_changed(gpointer ui, const char *refresh_token)
{
	PurpleConnection *connection = ui;

	purple_account_set_password(purple_connection_get_account(connection),
				    refresh_token);
}

static void
on_error(gpointer ui, const GError *error)
{
	PurpleConnection *connection = ui;
	PurpleConnectionError reason = tw_prpl_connection_error_reason(error);
	g_autofree char *text = NULL;

	text = g_strdup_printf(
	    /* Translators: what failed, then why (the error's own text). */
	    _("%s: %s"), error_context(reason), error->message);
	purple_connection_error_reason(connection, reason, text);
}

static const TwAccountCallbacks account_callbacks = {
    .progress = on_progress,
    .signed_on = on_signed_on,
    .message = on_message,
    .notice = on_notice,
    .refresh_token_changed = on_refresh_token_changed,
    .error = on_error,
    .authorize = tw_prpl_on_authorize,
    .authorize_finished = tw_prpl_on_authorize_finished,
    .oauth1_token_changed = tw_prpl_on_oauth1_token_changed,
    .group_changed = tw_prpl_on_group_changed,
    .held = tw_prpl_blast_on_held,
    .media = tw_prpl_media_on_media,
    .dup_image = tw_prpl_media_dup_image,
};

/****************************************************************************
 * Protocol functions
 ****************************************************************************/

void
tw_prpl_login(PurpleAccount *account)
{
	PurpleConnection *connection = purple_account_get_connection(account);
	PurpleProxyInfo *proxy = purple_proxy_get_setup(account);
	g_autofree char *proxy_url =
	    proxy != NULL ? tw_prpl_proxy_url_for(proxy) : NULL;
	g_autofree char *state_directory = tw_prpl_dup_state_directory();
	TwAccountConfig config = {0};
	TwAccount *tw;
	int history_days;

	connection->flags |= PURPLE_CONNECTION_NO_BGCOLOR |
			     PURPLE_CONNECTION_NO_FONTSIZE |
			     PURPLE_CONNECTION_AUTO_RESP;
	config.username =
	    tw_prpl_normalize(account, purple_account_get_username(account));
	config.password = purple_account_get_password(account);
	config.api_base = purple_account_get_string(account, TW_OPTION_API_BASE,
						    TW_DEFAULT_API_BASE);
	if (config.api_base == NULL || config.api_base[0] == '\0')
		config.api_base = TW_DEFAULT_API_BASE;
	config.client_id =
	    purple_account_get_string(account, TW_OPTION_CLIENT_ID, "");
	config.client_secret =
	    purple_account_get_string(account, TW_OPTION_CLIENT_SECRET, "");
	config.auth_method =
	    g_strcmp0(purple_account_get_string(account, TW_OPTION_AUTH_METHOD,
						TW_DEFAULT_AUTH_METHOD),
		      TW_AUTH_METHOD_OAUTH1) == 0
		? TW_ACCOUNT_AUTH_OAUTH1
		: TW_ACCOUNT_AUTH_OAUTH2;
	config.authorize_url = purple_account_get_string(
	    account, TW_OPTION_AUTHORIZE_URL, TW_DEFAULT_AUTHORIZE_URL);
	if (config.authorize_url == NULL || config.authorize_url[0] == '\0')
		config.authorize_url = TW_DEFAULT_AUTHORIZE_URL;
	config.redirect_uri = purple_account_get_string(
	    account, TW_OPTION_REDIRECT_URI, TW_DEFAULT_REDIRECT_URI);
	if (config.redirect_uri == NULL || config.redirect_uri[0] == '\0')
		config.redirect_uri = TW_DEFAULT_REDIRECT_URI;
	config.consumer_key =
	    purple_account_get_string(account, TW_OPTION_CONSUMER_KEY, "");
	config.consumer_secret =
	    purple_account_get_string(account, TW_OPTION_CONSUMER_SECRET, "");
	config.access_token =
	    purple_account_get_string(account, TW_OPTION_ACCESS_TOKEN, "");
	config.ca_file =
	    purple_account_get_string(account, TW_OPTION_CA_FILE, NULL);
	if (config.ca_file != NULL && config.ca_file[0] == '\0')
		config.ca_file = NULL;
	config.state_directory = state_directory;
	config.proxy_url = proxy_url;
	if (proxy != NULL && proxy_url != NULL && proxy_url[0] != '\0') {
		config.proxy_username = purple_proxy_info_get_username(proxy);
		config.proxy_password = purple_proxy_info_get_password(proxy);
	}
	config.poll_interval =
	    (guint)MAX(purple_account_get_int(account, TW_OPTION_POLL_INTERVAL,
					      TW_DEFAULT_POLL_INTERVAL),
		       0);
	history_days = purple_account_get_int(account, TW_OPTION_HISTORY_DAYS,
					      TW_DEFAULT_HISTORY_DAYS);
	config.history_days =
	    (guint)CLAMP(history_days, 0, TW_MAX_HISTORY_DAYS);
	config.blast_limit =
	    (guint)MAX(0, purple_account_get_int(account, TW_OPTION_BLAST_LIMIT,
						 TW_DEFAULT_BLAST_LIMIT));
	config.media_download = tw_prpl_media_wanted(account);

	tw = tw_account_new(&config, &account_callbacks, connection);
	purple_connection_set_protocol_data(connection, tw);
	purple_connection_update_progress(connection, _("Connecting"), 0, 4);
	tw_account_connect(tw);
}

void
tw_prpl_close(PurpleConnection *connection)
{
	TwAccount *tw = purple_connection_get_protocol_data(connection);

	tw_prpl_authorize_finish(connection);
	tw_prpl_consent_forget(connection);
	tw_prpl_blast_forget(connection);
	tw_prpl_away_forget(connection);
	purple_connection_set_protocol_data(connection, NULL);
	tw_account_free(tw);
}

int
tw_prpl_send_im(PurpleConnection *connection, const char *who,
		const char *message, PurpleMessageFlags flags)
{
	TwAccount *tw = purple_connection_get_protocol_data(connection);

	if (tw == NULL)
		return -ENOTCONN;
	/* libpurple's auto-reply answers someone who just wrote: no
	 * consent is asked, and it is sent once per away period. */
	if (flags & PURPLE_MESSAGE_AUTO_RESP)
		return tw_prpl_away_send_im(connection, tw, who, message);
	/* 0 tells libpurple not to echo: an empty message is not sent, and
	 * one waiting for consent is echoed when it is. */
	return tw_prpl_consent_send_im(connection, tw, who, message);
}

const char *
tw_prpl_list_icon(PurpleAccount *account, PurpleBuddy *buddy)
{
	return TW_PROTOCOL_ICON;
}

GList *
tw_prpl_status_types(PurpleAccount *account)
{
	GList *types = NULL;

	types =
	    g_list_append(types, purple_status_type_new(PURPLE_STATUS_AVAILABLE,
							NULL, NULL, TRUE));
	types = g_list_append(types,
			      purple_status_type_new_with_attrs(
				  PURPLE_STATUS_UNAVAILABLE, "dm-closed",
				  _("Does not accept your messages"), FALSE,
				  FALSE, FALSE, "message", _("Message"),
				  purple_value_new(PURPLE_TYPE_STRING), NULL));
	/* X has no presence: "away" is the user's own, for libpurple's
	 * auto-reply with its message. */
	types = g_list_append(types,
			      purple_status_type_new_with_attrs(
				  PURPLE_STATUS_AWAY, NULL, NULL, TRUE, TRUE,
				  FALSE, "message", _("Message"),
				  purple_value_new(PURPLE_TYPE_STRING), NULL));
	types =
	    g_list_append(types, purple_status_type_new(PURPLE_STATUS_OFFLINE,
							NULL, NULL, TRUE));
	return types;
}

void
tw_prpl_set_status(PurpleAccount *account, PurpleStatus *status)
{
	tw_prpl_away_status_changed(account, status);
}

/****************************************************************************
 * Debug output
 ****************************************************************************/

static guint debug_handler;

static void
debug_to_purple(const char *domain, GLogLevelFlags level, const char *text,
		gpointer data)
{
	PurpleDebugLevel purple_level = PURPLE_DEBUG_MISC;

	if (level & (G_LOG_LEVEL_ERROR | G_LOG_LEVEL_CRITICAL))
		purple_level = PURPLE_DEBUG_ERROR;
	else if (level & G_LOG_LEVEL_WARNING)
		purple_level = PURPLE_DEBUG_WARNING;
	else if (level & (G_LOG_LEVEL_MESSAGE | G_LOG_LEVEL_INFO))
		purple_level = PURPLE_DEBUG_INFO;
	purple_debug(purple_level, DEBUG_CATEGORY, "%s\n", text);
}

void
tw_prpl_debug_install(void)
{
	if (debug_handler == 0)
		debug_handler = g_log_set_handler(
		    "twdm", G_LOG_LEVEL_MASK & ~G_LOG_LEVEL_ERROR,
		    debug_to_purple, NULL);
}

void
tw_prpl_debug_uninstall(void)
{
	if (debug_handler != 0)
		g_log_remove_handler("twdm", debug_handler);
	debug_handler = 0;
}
