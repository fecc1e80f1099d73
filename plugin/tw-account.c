/*
 * tw-account: one signed-on X account, the core: configuration, the HTTP
 * and API clients, the state files, the sign-on sequence (settings, token
 * through tw-session, /2/users/me, then tw-sync and tw-outbox) and the
 * end of the account. The concerns it drives live in their own files (see
 * tw-account-private.h).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "config.h"

#include "tw-account-private.h"

#include <glib/gi18n-lib.h>

#include "tw-auth.h"
#include "tw-loop.h"
#include "tw-media-fetch.h"
#include "tw-outbox.h"
#include "tw-people.h"
#include "tw-session.h"
#include "tw-sync.h"
#include "tw-text.h"
#include "tw-upload.h"
#include "tw-waiting.h"

G_DEFINE_QUARK(tw - account - error - quark, tw_account_error)

/* Set once the one-time notice about encrypted chats was shown. */
#define FLAG_E2EE_NOTICE "e2ee-notice-shown"

static void get_me_start(TwAccount *account);

static void
stop_everything(TwAccount *account)
{
	tw_clear_timeout(&account->start_timer);
	tw_session_stop(account);
	tw_sync_stop(account);
	tw_outbox_stop(account);
	g_clear_pointer(&account->media_fetch, tw_media_fetch_free);
	if (account->http != NULL)
		tw_http_cancel_all(account->http);
	account->me_call = 0;
}

void
tw_account_save_state(TwAccount *account)
{
	g_autoptr(GError) error = NULL;

	if (account->state != NULL && !tw_state_save(account->state, &error))
		g_message("%s: %s", account->username, error->message);
}

void
tw_account_save_state_soon(TwAccount *account)
{
	g_autoptr(GError) error = NULL;

	if (account->state != NULL &&
	    !tw_state_save_soon(account->state, &error))
		g_message("%s: %s", account->username, error->message);
}

/* The end of the account: one error callback, then silence. */
void
tw_account_fail(TwAccount *account, GError *error)
{
	if (account->failed) {
		g_error_free(error);
		return;
	}
	account->failed = TRUE;
	g_message("%s: %s", account->username, error->message);
	stop_everything(account);
	tw_account_save_state(account);
	account->callbacks->error(account->ui, error);
	g_error_free(error);
}

void
tw_account_fail_with(TwAccount *account, GQuark domain, int code,
		     const char *format, ...)
{
	va_list args;
	g_autofree char *message = NULL;

	va_start(args, format);
	message = g_strdup_vprintf(format, args);
	va_end(args);
	tw_account_fail(account, g_error_new_literal(domain, code, message));
}

void
tw_account_notice(TwAccount *account, TwAccountNotice kind, const char *peer,
		  const char *text)
{
	if (account->callbacks->notice != NULL)
		account->callbacks->notice(account->ui, kind, peer, text);
}

/* Headers of another family (users): the window's length for both. */
void
tw_account_learn_window(TwAccount *account, const TwRateLimit *limit)
{
	tw_pace_learn_window(&account->read_pace, limit, g_get_real_time());
	tw_pace_learn_window(&account->send_pace, limit, g_get_real_time());
}

gboolean
tw_account_is_transient_error(const GError *error)
{
	if (error->domain == TW_HTTP_ERROR)
		return error->code != TW_HTTP_ERROR_INSECURE_URL &&
		       error->code != TW_HTTP_ERROR_INVALID_URL &&
		       error->code != TW_HTTP_ERROR_TLS;
	return g_error_matches(error, TW_API_ERROR, TW_API_ERROR_SERVER) ||
	       g_error_matches(error, TW_API_ERROR,
			       TW_API_ERROR_BAD_RESPONSE) ||
	       g_error_matches(error, TW_API_ERROR,
			       TW_API_ERROR_UNEXPECTED_STATUS);
}

/* Authorized again while online (after a lost rotation): what waited
 * for a token goes on. */
static void
reauthorized(TwAccount *account)
{
	g_message("%s: authorized again", account->username);
	tw_session_reauthorized(account);
	if (!account->failed) {
		tw_account_poll_now(account);
		tw_outbox_send_next(account);
	}
}

void
tw_account_me_done(TwApiReply *reply, gpointer data)
{
	TwAccount *account = data;

	account->me_call = 0;
	tw_account_learn_window(account, &reply->rate_limit);
	if (g_error_matches(reply->error, TW_API_ERROR,
			    TW_API_ERROR_UNAUTHORIZED) &&
	    tw_session_retry_after_refresh(account,
					   reply->access_token_generation,
					   TW_SESSION_USER_ME, get_me_start))
		return;
	if (reply->error != NULL) {
		tw_account_fail(account, g_steal_pointer(&reply->error));
		return;
	}
	tw_session_request_succeeded(account, TW_SESSION_USER_ME);
	if (g_ascii_strcasecmp(reply->user->username, account->username) != 0) {
		tw_account_fail_with(
		    account, TW_ACCOUNT_ERROR, TW_ACCOUNT_ERROR_WRONG_USER,
		    /* TRANSLATORS: the handle that signed in, then the */
		    /* account's own handle, twice. */
		    _("This sign-in is for @%s, but the account is "
		      "@%s. Sign in to X as @%s, or rename the account."),
		    reply->user->username, account->username,
		    account->username);
		return;
	}
	if (account->signed_on) {
		reauthorized(account);
		return;
	}
	account->me = g_steal_pointer(&reply->user);
	tw_people_remember(account, account->me);
	account->signed_on = TRUE;
	account->callbacks->signed_on(account->ui, account->me);
	if (!account->failed &&
	    !tw_state_get_flag(account->state, FLAG_E2EE_NOTICE)) {
		tw_account_notice(
		    account, TW_ACCOUNT_NOTICE_INFO, NULL,
		    _("X's end-to-end encrypted chats (\"XChat\") are not "
		      "available through the X API: only unencrypted direct "
		      "messages appear here."));
		tw_state_set_flag(account->state, FLAG_E2EE_NOTICE);
		tw_account_save_state(account);
	}
	if (!account->failed) {
		tw_sync_schedule(account, 0);
		tw_outbox_send_next(account);
	}
}

static void
get_me_start(TwAccount *account)
{
	tw_account_check_me(account, NULL);
}

gboolean
tw_account_is_checking_me(TwAccount *account)
{
	return account->me_call != 0;
}

void
tw_account_check_me(TwAccount *account, TwApiFunc done)
{
	if (account->callbacks->progress != NULL && !account->signed_on)
		account->callbacks->progress(account->ui,
					     _("Checking the account"), 2, 3);
	account->me_call = tw_api_get_me(
	    account->api, done != NULL ? done : tw_account_me_done, account,
	    NULL);
}

static gboolean
start_cb(gpointer data)
{
	TwAccount *account = data;
	g_autoptr(GError) error = NULL;

	account->start_timer = 0;
	if (account->auth_method == TW_ACCOUNT_AUTH_OAUTH2 &&
	    (account->client_id == NULL || account->client_id[0] == '\0')) {
		tw_account_fail_with(
		    account, TW_ACCOUNT_ERROR,
		    TW_ACCOUNT_ERROR_INVALID_SETTINGS,
		    _("The account has no OAuth 2.0 client id. Set the "
		      "\"client-id\" option to your X app's client id."));
		return G_SOURCE_REMOVE;
	}
	account->api = tw_api_new(account->http, account->api_base, &error);
	if (account->api == NULL) {
		tw_account_fail_with(
		    account, TW_ACCOUNT_ERROR,
		    TW_ACCOUNT_ERROR_INVALID_SETTINGS,
		    /* TRANSLATORS: the URL, then why it is refused. */
		    _("The API base URL \"%s\" is refused: %s"),
		    account->api_base, error->message);
		return G_SOURCE_REMOVE;
	}
	if (account->state == NULL) {
		tw_account_fail_with(account, TW_ACCOUNT_ERROR,
				     TW_ACCOUNT_ERROR_STATE, "%s",
				     account->state_error->message);
		return G_SOURCE_REMOVE;
	}
	tw_session_start(account);
	return G_SOURCE_REMOVE;
}

/****************************************************************************
 * Public
 ****************************************************************************/

TwAccount *
tw_account_new(const TwAccountConfig *config,
	       const TwAccountCallbacks *callbacks, gpointer ui)
{
	TwAccount *account = g_new0(TwAccount, 1);

	account->username = g_ascii_strdown(config->username, -1);
	account->password = g_strdup(config->password);
	account->api_base = g_strdup(config->api_base);
	account->client_id = g_strdup(config->client_id);
	account->client_secret = g_strdup(config->client_secret);
	account->state_directory = g_strdup(config->state_directory);
	account->proxy_url = g_strdup(config->proxy_url);
	account->proxy_username = g_strdup(config->proxy_username);
	account->proxy_password = g_strdup(config->proxy_password);
	account->ca_file = g_strdup(config->ca_file);
	account->poll_interval = config->poll_interval;
	account->history_days = MIN(config->history_days, 30);
	account->blast_limit = config->blast_limit;
	account->auth_method = config->auth_method;
	account->authorize_url = g_strdup(config->authorize_url);
	account->redirect_uri = g_strdup(config->redirect_uri);
	account->consumer_key = g_strdup(config->consumer_key);
	account->consumer_secret = g_strdup(config->consumer_secret);
	account->access_token = g_strdup(config->access_token);
	account->callbacks = callbacks;
	account->ui = ui;
	account->session = tw_session_new(account);
	account->sync = tw_sync_new(account);
	account->outbox = tw_outbox_new(account);
	account->upload = tw_upload_new();
	account->people = tw_people_new(account);
	if (config->media_download)
		account->media_fetch = tw_media_fetch_new(account);
	tw_pace_init(&account->read_pace, account->poll_interval);
	tw_pace_init(&account->send_pace, 0);

	/* Opened now, so messages can be queued durably at any time. */
	account->state = tw_state_open(
	    account->state_directory, account->username, &account->state_error);

	account->http = tw_http_new();
	tw_http_set_debug_name(account->http, account->username);
	tw_http_set_proxy(account->http, account->proxy_url,
			  account->proxy_username, account->proxy_password);
	tw_http_set_ca_file(account->http, account->ca_file);
	return account;
}

void
tw_account_free(TwAccount *account)
{
	if (account == NULL)
		return;
	stop_everything(account);
	tw_account_save_state(account);
	g_clear_pointer(&account->api, tw_api_free);
	g_clear_pointer(&account->http, tw_http_free);
	g_clear_pointer(&account->state, tw_state_free);
	g_clear_error(&account->state_error);
	g_clear_pointer(&account->me, tw_user_free);
	g_clear_pointer(&account->session, tw_session_free);
	g_clear_pointer(&account->sync, tw_sync_free);
	g_clear_pointer(&account->outbox, tw_outbox_free);
	g_clear_pointer(&account->upload, tw_upload_free);
	g_clear_pointer(&account->people, tw_people_free);
	tw_pace_clear(&account->read_pace);
	tw_pace_clear(&account->send_pace);
	tw_auth_wipe_string(account->password);
	tw_auth_wipe_string(account->client_secret);
	tw_auth_wipe_string(account->proxy_password);
	tw_auth_wipe_string(account->consumer_secret);
	tw_auth_wipe_string(account->access_token);
	g_free(account->authorize_url);
	g_free(account->redirect_uri);
	g_free(account->consumer_key);
	g_free(account->username);
	g_free(account->api_base);
	g_free(account->client_id);
	g_free(account->state_directory);
	g_free(account->proxy_url);
	g_free(account->proxy_username);
	g_free(account->ca_file);
	g_free(account);
}

void
tw_account_connect(TwAccount *account)
{
	if (account->start_timer != 0 || account->api != NULL)
		return;
	account->connected_at = g_get_real_time();
	/* Callbacks never run from inside a TwAccount call. */
	account->start_timer = tw_timeout_add(0, start_cb, account);
}

void
tw_account_show_message(TwAccount *account, const TwDmEvent *event,
			const char *handle, const TwUser *sender,
			gboolean group)
{
	TwAccountMessage message = {0};
	g_autofree char *html = tw_text_incoming_to_html(
	    event->text != NULL ? event->text : "", event->urls);

	message.event_id = event->id;
	message.conversation_id = event->conversation_id;
	message.group = group;
	message.peer = handle;
	message.peer_name = sender != NULL ? sender->name : NULL;
	message.peer_user = sender;
	message.html = html;
	message.timestamp = tw_dm_event_get_time(event) / G_USEC_PER_SEC;
	message.outgoing = tw_account_is_own_event(account, event);
	message.delayed =
	    event->created_at > 0 && event->created_at < account->connected_at;
	message.media = event->media;
	/* Before the callback, so what it shows already counts this one. */
	tw_waiting_note_message(account,
				group ? event->conversation_id : handle,
				tw_dm_event_get_time(event), message.outgoing);
	if (!group && !message.outgoing)
		tw_people_note_wrote(account, handle);
	account->callbacks->message(account->ui, &message);
	tw_media_fetch_message(account, event, handle, group);
}

char *
tw_account_dup_media_path(TwAccount *account, const TwMedia *media)
{
	return tw_media_fetch_dup_cached_path(account, media);
}

const TwUser *
tw_account_get_me(TwAccount *account)
{
	return account->me;
}

gboolean
tw_account_is_own_event(TwAccount *account, const TwDmEvent *event)
{
	return g_strcmp0(event->sender_id, account->me->id) == 0;
}
