/*
 * tw-attachments: the images a user puts in a message, checked against
 * X's limits and copied beside the state before the message is queued
 * (tw-outbox sends them, and the state deletes a copy with its message).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "config.h"

#include "tw-attachments.h"

#include <errno.h>
#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>

#include "tw-media.h"
#include "tw-text.h"

/* The plugin's own copy of an attachment, which stays until its message
 * leaves the outbox: the UI's image may be gone by then, and a restart
 * must still find it. Returns: (transfer full) (nullable): its path */
static char *
save_attachment(TwAccount *account, GBytes *data, const char *extension,
		GError **error)
{
	g_autofree char *directory = tw_state_dup_attachment_directory(
	    account->state_directory, account->username);
	g_autofree char *uuid = g_uuid_string_random();
	g_autofree char *name = g_strconcat(uuid, extension, NULL);
	g_autofree char *path = g_build_filename(directory, name, NULL);
	gsize size = 0;
	const char *bytes = g_bytes_get_data(data, &size);

	if (g_mkdir_with_parents(directory, 0700) != 0) {
		int saved = errno;

		g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(saved),
			    "%s: %s", directory, g_strerror(saved));
		return NULL;
	}
	if (!g_file_set_contents_full(path, bytes, (gssize)size,
				      G_FILE_SET_CONTENTS_CONSISTENT, 0600,
				      error))
		return NULL;
	return g_steal_pointer(&path);
}

GPtrArray *
tw_attachments_collect(TwAccount *account, const char *conversation,
		       const char *html)
{
	g_autoptr(GArray) ids = tw_text_find_image_ids(html);
	GPtrArray *files = g_ptr_array_new_with_free_func(g_free);

	for (guint i = 0; i < ids->len; i++) {
		g_autoptr(GBytes) data =
		    account->callbacks->dup_image != NULL
			? account->callbacks->dup_image(
			      account->ui, g_array_index(ids, guint, i))
			: NULL;
		g_autoptr(GError) error = NULL;
		const char *category = NULL;
		const char *extension = NULL;
		char *path = NULL;

		if (data == NULL)
			g_set_error_literal(&error, TW_MEDIA_ERROR,
					    TW_MEDIA_ERROR_EMPTY,
					    _("The image is no longer there."));
		else if (tw_media_classify_upload(data, &category, &extension,
						  &error))
			path =
			    save_attachment(account, data, extension, &error);
		if (path == NULL) {
			g_autofree char *text = g_strdup_printf(
			    /* TRANSLATORS: %s says why, in a sentence. */
			    _("Photo not sent: %s"), error->message);

			tw_account_notice(account,
					  TW_ACCOUNT_NOTICE_SEND_FAILED,
					  conversation, text);
			continue;
		}
		g_ptr_array_add(files, path);
		g_ptr_array_add(files, g_strdup(category));
	}
	return files;
}
