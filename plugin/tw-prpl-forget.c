/*
 * tw-prpl-forget: deleted accounts. Tells a deleted account from one that
 * is only removed from the list, revokes its refresh token and deletes the
 * plugin's files of it.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "config.h"

#include "tw-prpl-forget.h"

#include "purple-twdm.h"
#include "tw-api.h"
#include "tw-http.h"
#include "tw-prpl-settings.h"
#include "tw-state.h"

#define DEBUG_CATEGORY "twdm"

/* Revocations outlive the connection, so they have a client of their own. */
static TwHttp *revoke_http;
/* Accounts removed from the account list: if one is destroyed next, it
 * was deleted. bitlbee removes (but never destroys) its accounts at every
 * sign-off, so "account-removed" alone does not mean deleted. */
static GHashTable *removed_accounts;

typedef struct {
	TwApi *api;
	char *username;
} Revocation;

static void
revocation_free(gpointer data)
{
	Revocation *revocation = data;

	tw_api_free(revocation->api);
	g_free(revocation->username);
	g_free(revocation);
}

static void
revoke_done(TwApiReply *reply, gpointer data)
{
	Revocation *revocation = data;

	if (reply->error != NULL)
		purple_debug_warning(DEBUG_CATEGORY,
				     "%s: revoking the refresh token failed: "
				     "%s\n",
				     revocation->username,
				     reply->error->message);
	else
		purple_debug_info(DEBUG_CATEGORY, "%s: refresh token revoked\n",
				  revocation->username);
}

static const char *
option_or(PurpleAccount *account, const char *key, const char *fallback)
{
	const char *value = purple_account_get_string(account, key, fallback);

	return value != NULL && value[0] != '\0' ? value : fallback;
}

static void
revoke_refresh_token(PurpleAccount *account, const char *username,
		     const char *token)
{
	const char *client_id = option_or(account, TW_OPTION_CLIENT_ID, NULL);
	PurpleProxyInfo *proxy = purple_proxy_get_setup(account);
	g_autofree char *proxy_url =
	    proxy != NULL ? tw_prpl_proxy_url_for(proxy) : NULL;
	g_autoptr(GError) error = NULL;
	Revocation *revocation;
	TwApi *api;

	if (client_id == NULL)
		return;
	if (revoke_http == NULL) {
		revoke_http = tw_http_new();
		tw_http_set_debug_name(revoke_http, "revoke");
	}
	/* Settings apply to the requests sent after them. */
	if (proxy_url != NULL && proxy_url[0] != '\0')
		tw_http_set_proxy(revoke_http, proxy_url,
				  purple_proxy_info_get_username(proxy),
				  purple_proxy_info_get_password(proxy));
	else
		tw_http_set_proxy(revoke_http, proxy_url, NULL, NULL);
	tw_http_set_ca_file(revoke_http,
			    option_or(account, TW_OPTION_CA_FILE, NULL));
	api = tw_api_new(
	    revoke_http,
	    option_or(account, TW_OPTION_API_BASE, TW_DEFAULT_API_BASE),
	    &error);
	if (api == NULL) {
		purple_debug_warning(DEBUG_CATEGORY,
				     "%s: cannot revoke the refresh token: "
				     "%s\n",
				     username, error->message);
		return;
	}
	revocation = g_new0(Revocation, 1);
	revocation->api = api;
	revocation->username = g_strdup(username);
	tw_api_revoke_token(
	    api, client_id, option_or(account, TW_OPTION_CLIENT_SECRET, NULL),
	    token, "refresh_token", revoke_done, revocation, revocation_free);
}

static void
forget_account(PurpleAccount *account)
{
	g_autofree char *username = g_strdup(
	    tw_prpl_normalize(account, purple_account_get_username(account)));
	g_autofree char *directory = tw_prpl_dup_state_directory();
	g_autoptr(GError) error = NULL;
	TwState *state = tw_state_open(directory, username, &error);
	const char *token =
	    state != NULL ? tw_state_get_refresh_token(state) : NULL;

	if (token == NULL)
		token = purple_account_get_password(account);
	if (g_strcmp0(option_or(account, TW_OPTION_AUTH_METHOD,
				TW_DEFAULT_AUTH_METHOD),
		      TW_AUTH_METHOD_OAUTH2) == 0 &&
	    token != NULL && token[0] != '\0')
		revoke_refresh_token(account, username, token);
	tw_state_free(state);
	g_clear_error(&error);
	if (!tw_state_delete(directory, username, &error))
		purple_debug_warning(DEBUG_CATEGORY, "%s\n", error->message);
	else
		purple_debug_info(DEBUG_CATEGORY,
				  "%s: account deleted; its files are gone\n",
				  username);
}

static gboolean
is_ours(PurpleAccount *account)
{
	return g_strcmp0(purple_account_get_protocol_id(account),
			 TW_PLUGIN_ID) == 0;
}

static void
account_removed_cb(PurpleAccount *account, gpointer data)
{
	if (is_ours(account))
		g_hash_table_add(removed_accounts, account);
}

/* A new or re-added account may have an old one's address. */
static void
account_back_cb(PurpleAccount *account, gpointer data)
{
	g_hash_table_remove(removed_accounts, account);
}

static void
account_destroying_cb(PurpleAccount *account, gpointer data)
{
	if (g_hash_table_remove(removed_accounts, account) && is_ours(account))
		forget_account(account);
}

static guint connect_timer;

/* libpurple loads protocol plugins before it registers the account
 * signals: connect once the core is up. */
static gboolean
connect_signals_cb(gpointer data)
{
	PurplePlugin *plugin = data;
	void *accounts = purple_accounts_get_handle();

	connect_timer = 0;
	purple_signal_connect(accounts, "account-removed", plugin,
			      PURPLE_CALLBACK(account_removed_cb), NULL);
	purple_signal_connect(accounts, "account-added", plugin,
			      PURPLE_CALLBACK(account_back_cb), NULL);
	purple_signal_connect(accounts, "account-created", plugin,
			      PURPLE_CALLBACK(account_back_cb), NULL);
	purple_signal_connect(accounts, "account-destroying", plugin,
			      PURPLE_CALLBACK(account_destroying_cb), NULL);
	return FALSE;
}

void
tw_prpl_forget_load(PurplePlugin *plugin)
{
	removed_accounts = g_hash_table_new(NULL, NULL);
	connect_timer = purple_timeout_add(0, connect_signals_cb, plugin);
}

void
tw_prpl_forget_unload(PurplePlugin *plugin)
{
	if (connect_timer != 0)
		purple_timeout_remove(connect_timer);
	connect_timer = 0;
	purple_signals_disconnect_by_handle(plugin);
	g_clear_pointer(&removed_accounts, g_hash_table_destroy);
	g_clear_pointer(&revoke_http, tw_http_free);
}
