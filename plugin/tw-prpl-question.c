/*
 * tw-prpl-question: yes/no captions that bitlbee's yes and no commands
 * answer.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "config.h"

#include "tw-prpl-question.h"

#include <purple.h>

/* The name bitlbee gives libpurple's core (purple_core_init). */
#define TW_BITLBEE_UI "BitlBee"

static gboolean
ui_is_bitlbee(void)
{
	return g_strcmp0(purple_core_get_ui(), TW_BITLBEE_UI) == 0;
}

const char *
tw_prpl_question_yes(const char *caption)
{
	return ui_is_bitlbee() ? "Accept" : caption;
}

const char *
tw_prpl_question_no(const char *caption)
{
	return ui_is_bitlbee() ? "Reject" : caption;
}
