/*
 * tw-plugin: the libpurple 2 entry point. Declares the plugin and its
 * protocol, builds the account options, sets up gettext and libcurl.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "config.h"

#include <curl/curl.h>
#include <glib/gi18n-lib.h>
#include <gmodule.h>
#include <purple.h>

#include "purple-twdm.h"
#include "tw-prpl-actions.h"
#include "tw-prpl-authorize.h"
#include "tw-prpl-chat.h"
#include "tw-prpl-forget.h"
#include "tw-prpl-media.h"
#include "tw-prpl-people.h"
#include "tw-prpl-replies.h"
#include "tw-prpl-settings.h"
#include "tw-prpl.h"
#include "tw-prpl-transfer.h"

static gboolean
plugin_load(PurplePlugin *plugin)
{
	/* curl warns against unloading a module that uses it: resolver
	 * threads may outlive it. Staying resident also keeps symbols for
	 * valgrind and sanitizer reports at exit. */
	if (plugin->handle != NULL)
		g_module_make_resident(plugin->handle);
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		return FALSE;
	tw_prpl_debug_install();
	tw_prpl_forget_load(plugin);
	tw_prpl_replies_load(plugin);
	tw_prpl_media_load(plugin);
	purple_plugin_ipc_register(
	    plugin, TW_IPC_WAITING, PURPLE_CALLBACK(tw_prpl_dup_waiting_json),
	    purple_marshal_POINTER__POINTER,
	    purple_value_new(PURPLE_TYPE_POINTER), 1,
	    purple_value_new(PURPLE_TYPE_SUBTYPE, PURPLE_SUBTYPE_ACCOUNT));
	purple_plugin_ipc_register(
	    plugin, TW_IPC_WAITING_SECONDS,
	    PURPLE_CALLBACK(tw_prpl_get_waiting_seconds),
	    purple_marshal_INT__POINTER_POINTER,
	    purple_value_new(PURPLE_TYPE_INT), 2,
	    purple_value_new(PURPLE_TYPE_SUBTYPE, PURPLE_SUBTYPE_ACCOUNT),
	    purple_value_new(PURPLE_TYPE_STRING));
	return TRUE;
}

static gboolean
plugin_unload(PurplePlugin *plugin)
{
	purple_plugin_ipc_unregister_all(plugin);
	tw_prpl_replies_unload();
	tw_prpl_forget_unload(plugin);
	tw_prpl_authorize_unload();
	tw_prpl_debug_uninstall();
	curl_global_cleanup();
	return TRUE;
}

static PurplePluginProtocolInfo protocol_info = {
    .struct_size = sizeof(PurplePluginProtocolInfo),
    /* Images typed into a message go as its attachment (tw-outbox). */
    .options = OPT_PROTO_PASSWORD_OPTIONAL | OPT_PROTO_IM_IMAGE,
    .icon_spec = {"png,jpg", 48, 48, 400, 400, 0, PURPLE_ICON_SCALE_DISPLAY},
    .list_icon = tw_prpl_list_icon,
    .status_types = tw_prpl_status_types,
    .login = tw_prpl_login,
    .close = tw_prpl_close,
    .send_im = tw_prpl_send_im,
    .tooltip_text = tw_prpl_tooltip_text,
    .get_info = tw_prpl_get_info,
    .add_buddy = tw_prpl_add_buddy,
    .chat_info = tw_prpl_chat_info,
    .chat_info_defaults = tw_prpl_chat_info_defaults,
    .join_chat = tw_prpl_join_chat,
    .get_chat_name = tw_prpl_get_chat_name,
    .chat_invite = tw_prpl_chat_invite,
    .chat_send = tw_prpl_chat_send,
    .add_deny = tw_prpl_add_deny,
    .rem_deny = tw_prpl_rem_deny,
    .set_status = tw_prpl_set_status,
    .normalize = tw_prpl_normalize,
    .can_receive_file = tw_prpl_can_receive_file,
    .send_file = tw_prpl_send_file,
    .new_xfer = tw_prpl_new_xfer,
};

static PurplePluginInfo plugin_info = {
    .magic = PURPLE_PLUGIN_MAGIC,
    .major_version = PURPLE_MAJOR_VERSION,
    .minor_version = PURPLE_MINOR_VERSION,
    .type = PURPLE_PLUGIN_PROTOCOL,
    .priority = PURPLE_PRIORITY_DEFAULT,
    .id = TW_PLUGIN_ID,
    .name = TW_PROTOCOL_NAME,
    .version = PACKAGE_VERSION,
    .homepage = "https://github.com/purple-twdm/purple-twdm",
    .load = plugin_load,
    .unload = plugin_unload,
    .extra_info = &protocol_info,
    .actions = tw_prpl_actions,
};

static void
add_option(PurpleAccountOption *option)
{
	protocol_info.protocol_options =
	    g_list_append(protocol_info.protocol_options, option);
}

static PurpleKeyValuePair *
list_item(const char *label, const char *value)
{
	PurpleKeyValuePair *item = g_new0(PurpleKeyValuePair, 1);

	item->key = g_strdup(label);
	item->value = g_strdup(value);
	return item;
}

static void
plugin_init(PurplePlugin *plugin)
{
	GList *auth_methods = NULL;
	GList *first_contact = NULL;
	GList *media_download = NULL;
	const char *localedir = LOCALEDIR;

#ifdef TW_TEST_LOCALEDIR_ENV
	/* Only in a build with tests: they read the catalogues from the build
	 * tree, before anything is installed. The package has no such
	 * override. */
	if (g_getenv(TW_TEST_LOCALEDIR_ENV) != NULL &&
	    *g_getenv(TW_TEST_LOCALEDIR_ENV) != '\0')
		localedir = g_getenv(TW_TEST_LOCALEDIR_ENV);
#endif
	bindtextdomain(GETTEXT_PACKAGE, localedir);
	bind_textdomain_codeset(GETTEXT_PACKAGE, "UTF-8");

	plugin_info.summary = _("X (Twitter) direct messages");
	plugin_info.description =
	    _("Reads and answers X (Twitter) direct messages as instant "
	      "messages, through the official X API v2.");

	/* The first item is the default. */
	auth_methods = g_list_append(
	    auth_methods, list_item(_("OAuth 2.0 (sign in with the browser)"),
				    TW_AUTH_METHOD_OAUTH2));
	auth_methods = g_list_append(
	    auth_methods, list_item(_("OAuth 1.0a (app keys and access "
				      "token)"),
				    TW_AUTH_METHOD_OAUTH1));
	add_option(purple_account_option_list_new(
	    _("Sign-in method"), TW_OPTION_AUTH_METHOD, auth_methods));
	add_option(purple_account_option_string_new(_("OAuth 2.0 client ID"),
						    TW_OPTION_CLIENT_ID, ""));
	add_option(purple_account_option_string_new(
	    _("OAuth 2.0 client secret (confidential apps only)"),
	    TW_OPTION_CLIENT_SECRET, ""));
	add_option(purple_account_option_string_new(
	    _("OAuth 2.0 callback URL (as registered in the X app)"),
	    TW_OPTION_REDIRECT_URI, TW_DEFAULT_REDIRECT_URI));
	add_option(purple_account_option_string_new(
	    _("OAuth 2.0 authorize URL"), TW_OPTION_AUTHORIZE_URL,
	    TW_DEFAULT_AUTHORIZE_URL));
	add_option(purple_account_option_string_new(
	    _("OAuth 1.0a API key (consumer key)"), TW_OPTION_CONSUMER_KEY,
	    ""));
	add_option(purple_account_option_string_new(
	    _("OAuth 1.0a API key secret (consumer secret)"),
	    TW_OPTION_CONSUMER_SECRET, ""));
	add_option(purple_account_option_string_new(
	    _("OAuth 1.0a access token (its secret is the password)"),
	    TW_OPTION_ACCESS_TOKEN, ""));
	/* The first item is the default. */
	first_contact = g_list_append(
	    first_contact,
	    list_item(_("Ask before writing first to someone who never wrote"),
		      TW_FIRST_CONTACT_ASK));
	first_contact = g_list_append(
	    first_contact,
	    list_item(_("Write first without asking"), TW_FIRST_CONTACT_ALLOW));
	first_contact =
	    g_list_append(first_contact, list_item(_("Never write first"),
						   TW_FIRST_CONTACT_REFUSE));
	add_option(purple_account_option_list_new(
	    _("First DM to someone who never wrote"), TW_OPTION_FIRST_CONTACT,
	    first_contact));
	add_option(purple_account_option_int_new(
	    _("Most people one text goes to within an hour (0 = no limit)"),
	    TW_OPTION_BLAST_LIMIT, TW_DEFAULT_BLAST_LIMIT));
	media_download =
	    g_list_append(media_download,
			  list_item(_("Where the client shows images (Pidgin)"),
				    TW_MEDIA_DOWNLOAD_AUTO));
	media_download = g_list_append(
	    media_download, list_item(_("Always"), TW_MEDIA_DOWNLOAD_ALWAYS));
	media_download = g_list_append(
	    media_download, list_item(_("Never"), TW_MEDIA_DOWNLOAD_NEVER));
	add_option(purple_account_option_list_new(
	    _("Fetch customers' photos to show them inline"),
	    TW_OPTION_MEDIA_DOWNLOAD, media_download));
	add_option(purple_account_option_int_new(
	    _("Shortest seconds between checks (0 = automatic)"),
	    TW_OPTION_POLL_INTERVAL, TW_DEFAULT_POLL_INTERVAL));
	add_option(purple_account_option_int_new(
	    _("Days of history on first sign-on (0 to 30)"),
	    TW_OPTION_HISTORY_DAYS, TW_DEFAULT_HISTORY_DAYS));
	add_option(purple_account_option_string_new(
	    _("Buddy list group for people you message"), TW_OPTION_BUDDY_GROUP,
	    TW_DEFAULT_BUDDY_GROUP));
	add_option(purple_account_option_string_new(
	    _("API base URL"), TW_OPTION_API_BASE, TW_DEFAULT_API_BASE));
	add_option(purple_account_option_string_new(
	    _("Extra CA certificates file (PEM)"), TW_OPTION_CA_FILE, ""));
}

PURPLE_INIT_PLUGIN(twdm, plugin_init, plugin_info)
