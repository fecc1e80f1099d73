/*
 * The saved-replies file (tw-replies): blocks, continuation lines,
 * comments, names in any case, {name}, and the errors a typo gives.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <glib.h>
#include <glib/gstdio.h>

#include "tw-replies.h"

static void
test_blocks(void)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(TwReplies) replies =
	    tw_replies_parse("# Saved replies of the support desk\n"
			     "thanks: Thank you for writing, {name}!\n"
			     "\n"
			     "Opening-Hours: We answer from 9:00 to 17:00,\n"
			     "   Monday to Friday.\n"
			     "refund_1:   Your refund is on its way.  \n",
			     &error);

	g_assert_no_error(error);
	g_assert_cmpuint(tw_replies_get_count(replies), ==, 3);
	g_assert_cmpstr(tw_replies_get_name(replies, 0), ==, "thanks");
	g_assert_cmpstr(tw_replies_get_name(replies, 1), ==, "Opening-Hours");
	g_assert_cmpstr(tw_replies_get_name(replies, 2), ==, "refund_1");
	g_assert_cmpstr(tw_replies_lookup(replies, "THANKS"), ==,
			"Thank you for writing, {name}!");
	g_assert_cmpstr(tw_replies_lookup(replies, "opening-hours"), ==,
			"We answer from 9:00 to 17:00,\nMonday to Friday.");
	g_assert_cmpstr(tw_replies_lookup(replies, "refund_1"), ==,
			"Your refund is on its way.");
	g_assert_null(tw_replies_lookup(replies, "refund"));
}

static void
test_expand(void)
{
	g_autofree char *one =
	    tw_replies_expand("Hi {name}, thanks {name}.", "María");
	g_autofree char *none = tw_replies_expand("Hello!", "Tom");

	g_assert_cmpstr(one, ==, "Hi María, thanks María.");
	g_assert_cmpstr(none, ==, "Hello!");
}

static void
assert_refused(const char *text, TwRepliesError code, const char *message)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(TwReplies) replies = tw_replies_parse(text, &error);

	g_assert_null(replies);
	g_assert_error(error, TW_REPLIES_ERROR, (gint)code);
	g_assert_cmpstr(error->message, ==, message);
}

static void
test_errors(void)
{
	assert_refused("thanks: Thanks!\n\nstray text\n",
		       TW_REPLIES_ERROR_SYNTAX,
		       "Line 3: a saved reply starts with its name and a "
		       "colon, like \"thanks: Thank you!\".");
	assert_refused("thanks: Thanks!\nhello:\n", TW_REPLIES_ERROR_SYNTAX,
		       "Line 2: the saved reply \"hello\" has no text.");
	assert_refused("thanks: Thanks!\nThanks: Again\n",
		       TW_REPLIES_ERROR_DUPLICATE,
		       "Line 2: there is already a saved reply named "
		       "\"Thanks\".");
}

static void
test_load(void)
{
	g_autoptr(GError) error = NULL;
	g_autofree char *directory = g_dir_make_tmp("tw-replies-XXXXXX", NULL);
	g_autofree char *path = g_build_filename(directory, "a.replies", NULL);
	g_autoptr(TwReplies) missing = tw_replies_load(path, &error);
	g_autoptr(TwReplies) bad = NULL;
	g_autoptr(TwReplies) good = NULL;

	/* No file: no replies, and no error. */
	g_assert_no_error(error);
	g_assert_cmpuint(tw_replies_get_count(missing), ==, 0);

	g_assert_true(g_file_set_contents(path, "a: \xff\n", -1, NULL));
	bad = tw_replies_load(path, &error);
	g_assert_null(bad);
	g_assert_error(error, TW_REPLIES_ERROR, TW_REPLIES_ERROR_FILE);
	g_clear_error(&error);

	g_assert_true(g_file_set_contents(path, "a: b\n", -1, NULL));
	good = tw_replies_load(path, &error);
	g_assert_no_error(error);
	g_assert_cmpstr(tw_replies_lookup(good, "a"), ==, "b");
	g_unlink(path);
	g_rmdir(directory);
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/replies/blocks", test_blocks);
	g_test_add_func("/replies/expand", test_expand);
	g_test_add_func("/replies/errors", test_errors);
	g_test_add_func("/replies/load", test_load);
	return g_test_run();
}
