/*
 * tw-prpl-replies: "/reply NAME" sends a saved reply into the current IM or
 * chat, "/reply" alone lists them. libpurple's command API is what Pidgin
 * and Finch run on "/" lines, and bitlbee passes such lines through too.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "config.h"

#include "tw-prpl-replies.h"

#include <glib/gi18n-lib.h>

#include "purple-twdm.h"
#include "tw-account.h"
#include "tw-prpl-settings.h"
#include "tw-replies.h"
#include "tw-text.h"

static PurpleCmdId reply_command;

char *
tw_prpl_replies_dup_path(PurpleAccount *account)
{
	g_autofree char *directory = tw_prpl_dup_state_directory();
	g_autofree char *file = g_strdup_printf(
	    "%s.replies",
	    tw_prpl_normalize(account, purple_account_get_username(account)));

	return g_build_filename(directory, file, NULL);
}

/* What {name} becomes: the customer's display name as X gives it, then the
 * buddy's alias, then the handle; in a chat, the chat's title. */
static char *
dup_display_name(PurpleConversation *conv)
{
	PurpleAccount *account = purple_conversation_get_account(conv);
	PurpleConnection *connection = purple_account_get_connection(account);
	TwAccount *tw = connection != NULL
			    ? purple_connection_get_protocol_data(connection)
			    : NULL;
	const char *who = purple_conversation_get_name(conv);
	const TwUser *user = NULL;
	PurpleBuddy *buddy;

	if (purple_conversation_get_type(conv) != PURPLE_CONV_TYPE_IM)
		return g_strdup(purple_conversation_get_title(conv));
	if (tw != NULL)
		user = tw_account_find_user(tw, who);
	if (user != NULL && user->name != NULL && user->name[0] != '\0')
		return g_strdup(user->name);
	buddy = purple_find_buddy(account, who);
	if (buddy != NULL)
		return g_strdup(purple_buddy_get_alias(buddy));
	return g_strdup(who);
}

/* Plain text as the markup a conversation window sends and shows. */
static char *
dup_html_of(const char *text)
{
	g_autofree char *escaped = tw_text_escape(text);

	return purple_strreplace(escaped, "\n", "<br>");
}

static void
write_system(PurpleConversation *conv, const char *text)
{
	g_autofree char *html = dup_html_of(text);

	purple_conversation_write(conv, NULL, html,
				  PURPLE_MESSAGE_SYSTEM | PURPLE_MESSAGE_NO_LOG,
				  time(NULL));
}

static void
list_replies(PurpleConversation *conv, const TwReplies *replies,
	     const char *path)
{
	g_autoptr(GString) text = g_string_new(NULL);

	if (tw_replies_get_count(replies) == 0) {
		g_string_printf(text,
				_("No saved replies yet. Write them into %s, "
				  "one per block: a name, a colon, the text "
				  "({name} becomes the customer's name)."),
				path);
	} else {
		g_string_append(text, _("Saved replies (send one with "
					"/reply NAME):"));
		for (guint i = 0; i < tw_replies_get_count(replies); i++) {
			const char *name = tw_replies_get_name(replies, i);

			g_string_append_printf(
			    text, "\n%s: %s", name,
			    tw_replies_lookup(replies, name));
		}
	}
	write_system(conv, text->str);
}

static PurpleCmdRet
reply_cb(PurpleConversation *conv, const gchar *command, gchar **args,
	 gchar **error, void *data)
{
	PurpleAccount *account = purple_conversation_get_account(conv);
	g_autofree char *path = tw_prpl_replies_dup_path(account);
	g_autoptr(GError) load_error = NULL;
	g_autoptr(TwReplies) replies = tw_replies_load(path, &load_error);
	g_autofree char *name = g_strstrip(
	    g_strdup(args != NULL && args[0] != NULL ? args[0] : ""));
	g_autofree char *display_name = NULL;
	g_autofree char *text = NULL;
	g_autofree char *html = NULL;
	const char *saved;

	if (replies == NULL) {
		*error = g_strdup_printf(_("Could not read %s: %s"), path,
					 load_error->message);
		return PURPLE_CMD_RET_FAILED;
	}
	if (name[0] == '\0') {
		list_replies(conv, replies, path);
		return PURPLE_CMD_RET_OK;
	}
	saved = tw_replies_lookup(replies, name);
	if (saved == NULL) {
		*error = g_strdup_printf(
		    _("There is no saved reply named \"%s\"; /reply alone "
		      "lists them."),
		    name);
		return PURPLE_CMD_RET_FAILED;
	}
	display_name = dup_display_name(conv);
	text = tw_replies_expand(saved, display_name);
	html = dup_html_of(text);
	/* The window's own send: shown, logged and queued like typed text. */
	if (purple_conversation_get_type(conv) == PURPLE_CONV_TYPE_IM)
		purple_conv_im_send(PURPLE_CONV_IM(conv), html);
	else
		purple_conv_chat_send(PURPLE_CONV_CHAT(conv), html);
	return PURPLE_CMD_RET_OK;
}

void
tw_prpl_replies_load(PurplePlugin *plugin)
{
	reply_command = purple_cmd_register(
	    "reply", "s", PURPLE_CMD_P_PRPL,
	    PURPLE_CMD_FLAG_IM | PURPLE_CMD_FLAG_CHAT |
		PURPLE_CMD_FLAG_PRPL_ONLY | PURPLE_CMD_FLAG_ALLOW_WRONG_ARGS,
	    TW_PLUGIN_ID, reply_cb,
	    _("reply &lt;name&gt;: send a saved reply; reply alone lists "
	      "them."),
	    NULL);
}

void
tw_prpl_replies_unload(void)
{
	if (reply_command != 0)
		purple_cmd_unregister(reply_command);
	reply_command = 0;
}
