/*
 * tw-prpl-question: the captions of a yes/no question asked with
 * purple_request_action, in words every UI can answer. It depends on no
 * other glue unit, so the others can all use it.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/**
 * tw_prpl_question_yes:
 * @caption: (transfer none): the translated caption of the action that
 * agrees, as Pidgin and Finch show it on a button
 *
 * bitlbee shows a request_action as a question answered with its yes and
 * no commands, and wires "yes" only to an action whose caption contains
 * "Accept" or "OK" (in English, whatever the locale); under bitlbee the
 * caption is therefore "Accept", which it never shows.
 *
 * Returns: (transfer none): @caption, or "Accept" under bitlbee
 */
const char *tw_prpl_question_yes(const char *caption);

/**
 * tw_prpl_question_no:
 * @caption: (transfer none): the translated caption of the action that
 * declines
 *
 * As tw_prpl_question_yes(), for bitlbee's "no", which it wires to an
 * action whose caption contains "Reject" or "Cancel".
 *
 * Returns: (transfer none): @caption, or "Reject" under bitlbee
 */
const char *tw_prpl_question_no(const char *caption);

G_END_DECLS
