/*
 * tw-replies: saved replies, the canned answers an agent sends with
 * "/reply NAME".
 *
 * They live in a plain text file beside the account's other files, one
 * reply per block:
 *
 *     # comments start with '#'
 *     thanks: Thank you for writing, {name}! We are on it.
 *     hours: We answer from 9:00 to 17:00 (CET),
 *       Monday to Friday.
 *
 * A block starts with "NAME:" at the start of a line and runs to the next
 * blank line or the next "NAME:" line; its lines are joined with newlines.
 * Names are letters, digits, '-' and '_', matched without regard to case.
 * {name} in a reply becomes the customer's display name when it is sent.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define TW_REPLIES_ERROR tw_replies_error_quark()

/** Errors of reading the saved-replies file. */
typedef enum {
	/** A line that belongs to no reply, or a reply without text. */
	TW_REPLIES_ERROR_SYNTAX,
	/** The same name twice. */
	TW_REPLIES_ERROR_DUPLICATE,
	/** The file is not UTF-8 or could not be read. */
	TW_REPLIES_ERROR_FILE,
} TwRepliesError;

GQuark tw_replies_error_quark(void);

/** The saved replies of one account, in file order. */
typedef struct _TwReplies TwReplies;

/**
 * tw_replies_parse:
 * @text: the file's contents
 * @error: %TW_REPLIES_ERROR_SYNTAX or _DUPLICATE, naming the line
 *
 * Returns: (transfer full) (nullable): the replies, or %NULL with @error
 */
TwReplies *tw_replies_parse(const char *text, GError **error);

/**
 * tw_replies_load:
 * @path: the file
 * @error: as tw_replies_parse(), or %TW_REPLIES_ERROR_FILE
 *
 * A missing file is an empty set, not an error: most accounts have none.
 *
 * Returns: (transfer full) (nullable): the replies, or %NULL with @error
 */
TwReplies *tw_replies_load(const char *path, GError **error);

/** Frees @replies; %NULL is allowed. */
void tw_replies_free(TwReplies *replies);

G_DEFINE_AUTOPTR_CLEANUP_FUNC(TwReplies, tw_replies_free)

/** The number of replies. */
guint tw_replies_get_count(const TwReplies *replies);

/**
 * tw_replies_get_name:
 * @index: below tw_replies_get_count()
 *
 * Returns: (transfer none): the name of reply @index, as the file spells it
 */
const char *tw_replies_get_name(const TwReplies *replies, guint index);

/**
 * tw_replies_lookup:
 * @name: a reply's name, in any case
 *
 * Returns: (transfer none) (nullable): the reply's text, {name} not yet
 *   filled in, or %NULL when there is none of that name
 */
const char *tw_replies_lookup(const TwReplies *replies, const char *name);

/**
 * tw_replies_expand:
 * @text: a reply
 * @display_name: the customer's display name
 *
 * Returns: (transfer full): @text with every {name} replaced
 */
char *tw_replies_expand(const char *text, const char *display_name);

G_END_DECLS
