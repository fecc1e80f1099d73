/*
 * tw-attachments: the files a user puts in a message (the images of
 * Pidgin's editor, a file given to Send File), checked against X's limits
 * and copied beside the state before the message is queued (tw-outbox
 * sends them, and the state deletes a copy with its message).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "config.h"

#include "tw-attachments.h"

#include <errno.h>
#include <gio/gio.h>
#include <glib/gi18n-lib.h>
#include <glib/gstdio.h>

#include "tw-media.h"
#include "tw-text.h"

/* Where a new copy goes: a fresh name in the account's attachments
 * directory, which is made owner-only. Returns: (transfer full)
 * (nullable): its path */
static char *
new_attachment_path(TwAccount *account, const char *extension, GError **error)
{
	g_autofree char *directory = tw_state_dup_attachment_directory(
	    account->state_directory, account->username);
	g_autofree char *uuid = g_uuid_string_random();
	g_autofree char *name = g_strconcat(uuid, extension, NULL);

	if (g_mkdir_with_parents(directory, 0700) != 0) {
		int saved = errno;

		g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(saved),
			    "%s: %s", directory, g_strerror(saved));
		return NULL;
	}
	return g_build_filename(directory, name, NULL);
}

/* The plugin's own copy of an attachment, which stays until its message
 * leaves the outbox: the UI's image may be gone by then, and a restart
 * must still find it. Returns: (transfer full) (nullable): its path */
static char *
save_attachment(TwAccount *account, GBytes *data, const char *extension,
		GError **error)
{
	g_autofree char *path = new_attachment_path(account, extension, error);
	gsize size = 0;
	const char *bytes = g_bytes_get_data(data, &size);

	if (path == NULL || !g_file_set_contents_full(
				path, bytes, (gssize)size,
				G_FILE_SET_CONTENTS_CONSISTENT, 0600, error))
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
		TwUploadKind kind;
		char *path = NULL;
		gsize size = 0;
		const guint8 *bytes =
		    data != NULL ? g_bytes_get_data(data, &size) : NULL;

		if (data == NULL)
			g_set_error_literal(&error, TW_MEDIA_ERROR,
					    TW_MEDIA_ERROR_GONE,
					    _("The image is no longer there."));
		else if (tw_media_classify_upload(bytes, size, size, &kind,
						  &error))
			path = save_attachment(account, data, kind.extension,
					       &error);
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
		g_ptr_array_add(files, g_strdup(kind.media_category));
	}
	return files;
}

char *
tw_attachments_copy_file(TwAccount *account, const char *path,
			 TwUploadKind *kind, GError **error)
{
	g_autoptr(GFile) source = g_file_new_for_path(path);
	g_autoptr(GFileInputStream) input = NULL;
	g_autoptr(GFileInfo) info = NULL;
	g_autoptr(GFile) target = NULL;
	g_autofree char *copy = NULL;
	guint8 head[TW_MEDIA_HEAD_BYTES];
	gsize head_size = 0;
	GError *read_error = NULL;

	input = g_file_read(source, NULL, &read_error);
	if (input != NULL)
		info = g_file_input_stream_query_info(
		    input, G_FILE_ATTRIBUTE_STANDARD_SIZE, NULL, &read_error);
	if (info != NULL)
		g_input_stream_read_all(G_INPUT_STREAM(input), head,
					sizeof head, &head_size, NULL,
					&read_error);
	if (read_error != NULL) {
		g_set_error(error, TW_MEDIA_ERROR, TW_MEDIA_ERROR_GONE,
			    /* TRANSLATORS: %s is why, from the system. */
			    _("The file cannot be read (%s)."),
			    read_error->message);
		g_error_free(read_error);
		return NULL;
	}
	if (!tw_media_classify_upload(head, head_size,
				      (guint64)g_file_info_get_size(info), kind,
				      error))
		return NULL;
	copy = new_attachment_path(account, kind->extension, error);
	if (copy == NULL)
		return NULL;
	target = g_file_new_for_path(copy);
	/* A copy, not the user's file: the outbox deletes it once sent. */
	if (!g_file_copy(source, target, G_FILE_COPY_NONE, NULL, NULL, NULL,
			 error))
		return NULL;
	if (g_chmod(copy, 0600) != 0) {
		int saved = errno;

		g_unlink(copy);
		g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(saved),
			    "%s: %s", copy, g_strerror(saved));
		return NULL;
	}
	return g_steal_pointer(&copy);
}
