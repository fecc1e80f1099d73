/*
 * tw-replies: parsing the saved-replies file (the format is in
 * tw-replies.h).
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "config.h"

#include "tw-replies.h"

#include <glib/gi18n-lib.h>
#include <string.h>

G_DEFINE_QUARK(tw - replies - error - quark, tw_replies_error)

struct _TwReplies {
	/* Parallel arrays in file order; names as written. */
	GPtrArray *names;
	GPtrArray *texts;
};

static TwReplies *
replies_new(void)
{
	TwReplies *replies = g_new0(TwReplies, 1);

	replies->names = g_ptr_array_new_with_free_func(g_free);
	replies->texts = g_ptr_array_new_with_free_func(g_free);
	return replies;
}

void
tw_replies_free(TwReplies *replies)
{
	if (replies == NULL)
		return;
	g_ptr_array_unref(replies->names);
	g_ptr_array_unref(replies->texts);
	g_free(replies);
}

static void
free_text(GString *text)
{
	g_string_free(text, TRUE);
}

/* The length of "NAME" when @line starts with "NAME:", else 0. */
static gsize
name_length(const char *line)
{
	gsize length = 0;

	while (g_ascii_isalnum(line[length]) || line[length] == '-' ||
	       line[length] == '_')
		length++;
	return line[length] == ':' ? length : 0;
}

static gboolean
finish_reply(TwReplies *replies, GString *text, guint line_number,
	     GError **error)
{
	g_strchomp(text->str);
	text->len = strlen(text->str);
	if (text->len == 0) {
		g_set_error(error, TW_REPLIES_ERROR, TW_REPLIES_ERROR_SYNTAX,
			    _("Line %u: the saved reply \"%s\" has no text."),
			    line_number,
			    (const char *)g_ptr_array_index(
				replies->names, replies->names->len - 1));
		return FALSE;
	}
	g_ptr_array_add(replies->texts, g_strdup(text->str));
	return TRUE;
}

TwReplies *
tw_replies_parse(const char *text, GError **error)
{
	g_autoptr(TwReplies) replies = replies_new();
	g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
	g_autoptr(GString) current = NULL;
	guint started = 0;

	for (guint i = 0; lines[i] != NULL; i++) {
		char *line = g_strchomp(lines[i]);
		gsize length = name_length(line);
		const char *stripped = line + strspn(line, " \t");

		if (line[0] == '#')
			continue;
		if (length > 0) {
			g_autofree char *name = g_strndup(line, length);

			if (current != NULL &&
			    !finish_reply(replies, current, started, error))
				return NULL;
			if (tw_replies_lookup(replies, name) != NULL) {
				g_set_error(error, TW_REPLIES_ERROR,
					    TW_REPLIES_ERROR_DUPLICATE,
					    _("Line %u: there is already a "
					      "saved reply named \"%s\"."),
					    i + 1, name);
				return NULL;
			}
			g_ptr_array_add(replies->names, g_steal_pointer(&name));
			g_clear_pointer(&current, free_text);
			current = g_string_new(g_strchug(line + length + 1));
			started = i + 1;
		} else if (*stripped == '\0') {
			if (current != NULL &&
			    !finish_reply(replies, current, started, error))
				return NULL;
			g_clear_pointer(&current, free_text);
		} else if (current != NULL) {
			if (current->len > 0)
				g_string_append_c(current, '\n');
			g_string_append(current, stripped);
		} else {
			g_set_error(error, TW_REPLIES_ERROR,
				    TW_REPLIES_ERROR_SYNTAX,
				    _("Line %u: a saved reply starts with its "
				      "name and a colon, like \"thanks: Thank "
				      "you!\"."),
				    i + 1);
			return NULL;
		}
	}
	if (current != NULL && !finish_reply(replies, current, started, error))
		return NULL;
	return g_steal_pointer(&replies);
}

TwReplies *
tw_replies_load(const char *path, GError **error)
{
	g_autofree char *contents = NULL;
	g_autoptr(GError) read_error = NULL;

	if (!g_file_get_contents(path, &contents, NULL, &read_error)) {
		if (g_error_matches(read_error, G_FILE_ERROR,
				    G_FILE_ERROR_NOENT))
			return replies_new();
		g_set_error(error, TW_REPLIES_ERROR, TW_REPLIES_ERROR_FILE,
			    "%s", read_error->message);
		return NULL;
	}
	if (!g_utf8_validate(contents, -1, NULL)) {
		g_set_error(error, TW_REPLIES_ERROR, TW_REPLIES_ERROR_FILE,
			    _("%s is not UTF-8 text."), path);
		return NULL;
	}
	return tw_replies_parse(contents, error);
}

guint
tw_replies_get_count(const TwReplies *replies)
{
	return replies->names->len;
}

const char *
tw_replies_get_name(const TwReplies *replies, guint index)
{
	g_return_val_if_fail(index < replies->names->len, NULL);
	return g_ptr_array_index(replies->names, index);
}

const char *
tw_replies_lookup(const TwReplies *replies, const char *name)
{
	for (guint i = 0; i < replies->names->len; i++) {
		if (g_ascii_strcasecmp(g_ptr_array_index(replies->names, i),
				       name) == 0)
			return i < replies->texts->len
				   ? g_ptr_array_index(replies->texts, i)
				   : NULL;
	}
	return NULL;
}

char *
tw_replies_expand(const char *text, const char *display_name)
{
	g_auto(GStrv) parts = g_strsplit(text, "{name}", -1);

	return g_strjoinv(display_name, parts);
}
