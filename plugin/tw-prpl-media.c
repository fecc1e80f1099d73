/*
 * tw-prpl-media: images inline and attachments for scripts (see
 * tw-prpl-media.h).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "config.h"

#include "tw-prpl-media.h"

#include <json-glib/json-glib.h>

#include "purple-twdm.h"
#include "tw-prpl-chat.h"

/* The UIs that show an inline image: Pidgin (whose core is still called
 * "gtk-gaim"), and the runner, which reports its file to scripts. */
static const char *const inline_image_uis[] = {"gtk-gaim", "twdm-runner"};

void
tw_prpl_media_load(PurplePlugin *plugin)
{
	purple_signal_register(
	    plugin, TW_SIGNAL_MESSAGE_MEDIA,
	    purple_marshal_VOID__POINTER_POINTER_POINTER, NULL, 3,
	    purple_value_new(PURPLE_TYPE_SUBTYPE, PURPLE_SUBTYPE_ACCOUNT),
	    purple_value_new(PURPLE_TYPE_STRING),
	    purple_value_new(PURPLE_TYPE_STRING));
}

gboolean
tw_prpl_media_wanted(PurpleAccount *account)
{
	const char *choice = purple_account_get_string(
	    account, TW_OPTION_MEDIA_DOWNLOAD, TW_DEFAULT_MEDIA_DOWNLOAD);

	if (g_strcmp0(choice, TW_MEDIA_DOWNLOAD_ALWAYS) == 0)
		return TRUE;
	if (g_strcmp0(choice, TW_MEDIA_DOWNLOAD_NEVER) == 0)
		return FALSE;
	for (gsize i = 0; i < G_N_ELEMENTS(inline_image_uis); i++) {
		if (g_strcmp0(purple_core_get_ui(), inline_image_uis[i]) == 0)
			return TRUE;
	}
	return FALSE;
}

static void
add_string(JsonBuilder *builder, const char *name, const char *value)
{
	if (value == NULL)
		return;
	json_builder_set_member_name(builder, name);
	json_builder_add_string_value(builder, value);
}

static void
add_size(JsonBuilder *builder, const char *name, gint64 value)
{
	if (value <= 0)
		return;
	json_builder_set_member_name(builder, name);
	json_builder_add_int_value(builder, value);
}

static char *
dup_media_json(TwAccount *tw, const GPtrArray *media)
{
	g_autoptr(JsonBuilder) builder = json_builder_new();
	g_autoptr(JsonGenerator) generator = json_generator_new();
	g_autoptr(JsonNode) root = NULL;

	json_builder_begin_array(builder);
	for (guint i = 0; i < media->len; i++) {
		const TwMedia *item = media->pdata[i];
		g_autofree char *file = tw_account_dup_media_path(tw, item);

		json_builder_begin_object(builder);
		add_string(builder, "kind", tw_media_type_get_name(item->type));
		add_string(builder, "key", item->media_key);
		add_string(builder, "url",
			   item->type == TW_MEDIA_PHOTO ? item->url
							: item->video_url);
		add_string(builder, "preview", item->preview_image_url);
		add_string(builder, "file", file);
		add_size(builder, "width", item->width);
		add_size(builder, "height", item->height);
		add_size(builder, "duration_ms", item->duration_ms);
		add_string(builder, "alt_text", item->alt_text);
		json_builder_end_object(builder);
	}
	json_builder_end_array(builder);
	root = json_builder_get_root(builder);
	json_generator_set_root(generator, root);
	return json_generator_to_data(generator, NULL);
}

void
tw_prpl_media_announce(PurpleConnection *connection,
		       const char *conversation_name,
		       const TwAccountMessage *message)
{
	PurplePlugin *plugin = purple_plugins_find_with_id(TW_PLUGIN_ID);
	TwAccount *tw = purple_connection_get_protocol_data(connection);
	g_autofree char *json = NULL;

	if (message->media == NULL || message->media->len == 0 ||
	    plugin == NULL || tw == NULL)
		return;
	json = dup_media_json(tw, message->media);
	purple_signal_emit(plugin, TW_SIGNAL_MESSAGE_MEDIA,
			   purple_connection_get_account(connection),
			   conversation_name, json);
}

void
tw_prpl_media_on_media(gpointer ui, const TwAccountMedia *media)
{
	PurpleConnection *connection = ui;
	PurpleAccount *account = purple_connection_get_account(connection);
	PurpleMessageFlags flags =
	    PURPLE_MESSAGE_IMAGES | PURPLE_MESSAGE_NO_LOG |
	    (media->outgoing ? PURPLE_MESSAGE_SEND | PURPLE_MESSAGE_REMOTE_SEND
			     : PURPLE_MESSAGE_RECV);
	gsize size = 0;
	const void *bytes = g_bytes_get_data(media->data, &size);
	int id;
	g_autofree char *html = NULL;
	g_autofree char *basename = g_path_get_basename(media->path);

	if (size == 0 || !purple_privacy_check(account, media->peer))
		return;
	/* The store owns its copy; the line's reference keeps it alive. */
	id = purple_imgstore_add_with_id(g_memdup2(bytes, size), size,
					 media->path);
	html = g_strdup_printf("<img id=\"%d\" alt=\"%s\">", id, basename);
	if (media->group) {
		PurpleConversation *conv =
		    tw_prpl_group_open(connection, media->conversation_id);

		purple_conv_chat_write(PURPLE_CONV_CHAT(conv), media->peer,
				       html, flags, (time_t)media->timestamp);
	} else {
		PurpleConversation *conv =
		    purple_find_conversation_with_account(PURPLE_CONV_TYPE_IM,
							  media->peer, account);

		if (conv == NULL)
			conv = purple_conversation_new(PURPLE_CONV_TYPE_IM,
						       account, media->peer);
		purple_conv_im_write(PURPLE_CONV_IM(conv), media->peer, html,
				     flags, (time_t)media->timestamp);
	}
	purple_imgstore_unref_by_id(id);
}

GBytes *
tw_prpl_media_dup_image(gpointer ui, guint id)
{
	PurpleStoredImage *image = purple_imgstore_find_by_id((int)id);

	(void)ui;
	if (image == NULL)
		return NULL;
	return g_bytes_new(purple_imgstore_get_data(image),
			   purple_imgstore_get_size(image));
}
