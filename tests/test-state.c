/*
 * Unit tests of tw-state: the refresh-token choice and the files that must
 * survive crashes and restarts.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <glib.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/stat.h>

#include "tw-state-writer.h"
#include "tw-state.h"

typedef struct {
	char *directory;
} Fixture;

static void
fixture_set_up(Fixture *fixture, gconstpointer data)
{
	fixture->directory = g_dir_make_tmp("twdm-state-XXXXXX", NULL);
	g_assert_nonnull(fixture->directory);
}

static void
remove_tree(const char *path)
{
	GDir *dir = g_dir_open(path, 0, NULL);
	const char *name;

	while (dir != NULL && (name = g_dir_read_name(dir)) != NULL) {
		g_autofree char *child = g_build_filename(path, name, NULL);

		if (g_file_test(child, G_FILE_TEST_IS_DIR))
			remove_tree(child);
		else
			g_unlink(child);
	}
	if (dir != NULL)
		g_dir_close(dir);
	g_rmdir(path);
}

static void
fixture_tear_down(Fixture *fixture, gconstpointer data)
{
	remove_tree(fixture->directory);
	g_free(fixture->directory);
}

static char *
state_dir(Fixture *fixture)
{
	return g_build_filename(fixture->directory, "twdm", NULL);
}

static void
test_token_choice(Fixture *fixture, gconstpointer data)
{
	g_autofree char *dir = state_dir(fixture);
	g_autoptr(TwState) state = tw_state_open(dir, "acme", NULL);

	g_assert_nonnull(state);
	g_assert_true(tw_state_is_new(state));
	/* Nothing stored: the configured token is the only one. */
	g_assert_null(tw_state_choose_refresh_token(state, NULL));
	g_assert_cmpstr(tw_state_choose_refresh_token(state, "first"), ==,
			"first");

	g_assert_true(
	    tw_state_store_refresh_token(state, "second", "first", NULL));
	/* bitlbee hands over the first password again: it is spent. */
	g_assert_cmpstr(tw_state_choose_refresh_token(state, "first"), ==,
			"second");
	g_assert_cmpstr(tw_state_choose_refresh_token(state, ""), ==, "second");
	g_assert_cmpstr(tw_state_choose_refresh_token(state, NULL), ==,
			"second");
	/* A token never seen before was newly entered by the user. */
	g_assert_cmpstr(tw_state_choose_refresh_token(state, "typed-anew"), ==,
			"typed-anew");
}

static void
test_token_survives_restart(Fixture *fixture, gconstpointer data)
{
	g_autofree char *dir = state_dir(fixture);
	g_autofree char *path = g_build_filename(dir, "acme.token", NULL);
	g_autofree char *contents = NULL;
	struct stat info;

	{
		g_autoptr(TwState) state = tw_state_open(dir, "acme", NULL);

		g_assert_true(
		    tw_state_store_refresh_token(state, "r1", "r0", NULL));
		g_assert_true(
		    tw_state_store_refresh_token(state, "r2", "r1", NULL));
	}
	{
		g_autoptr(TwState) state = tw_state_open(dir, "acme", NULL);

		g_assert_cmpstr(tw_state_get_refresh_token(state), ==, "r2");
		g_assert_cmpstr(tw_state_choose_refresh_token(state, "r0"), ==,
				"r2");
		g_assert_cmpstr(tw_state_choose_refresh_token(state, "r1"), ==,
				"r2");
	}
	/* Owner-only files in an owner-only directory. */
	g_assert_cmpint(g_stat(path, &info), ==, 0);
	g_assert_cmpint(info.st_mode & 0777, ==, 0600);
	g_assert_cmpint(g_stat(dir, &info), ==, 0);
	g_assert_cmpint(info.st_mode & 0777, ==, 0700);
	/* Spent tokens are kept only as fingerprints. */
	g_assert_true(g_file_get_contents(path, &contents, NULL, NULL));
	g_assert_null(strstr(contents, "\"r1\""));
	g_assert_null(strstr(contents, "\"r0\""));
	g_assert_nonnull(strstr(contents, "\"r2\""));
}

/* A rotation is on disk before it is sent, and stays there until its
 * answer is: after a crash the plugin knows the token may be spent. */
static void
test_rotation_noted_before_sending(Fixture *fixture, gconstpointer data)
{
	g_autofree char *dir = state_dir(fixture);

	{
		g_autoptr(TwState) state = tw_state_open(dir, "acme", NULL);

		g_assert_true(tw_state_note_rotation(state, "entered", NULL));
		g_assert_true(tw_state_rotation_unanswered(state, "entered"));
		g_assert_false(tw_state_rotation_unanswered(state, "other"));
	}
	{
		g_autoptr(TwState) state = tw_state_open(dir, "acme", NULL);

		/* The crash: the token sent is the stored one, unanswered. */
		g_assert_cmpstr(tw_state_get_refresh_token(state), ==,
				"entered");
		g_assert_true(tw_state_rotation_unanswered(state, "entered"));
		g_assert_true(tw_state_store_refresh_token(state, "next",
							   "entered", NULL));
		g_assert_false(tw_state_rotation_unanswered(state, "entered"));
		g_assert_false(tw_state_rotation_unanswered(state, "next"));
		g_assert_true(tw_state_note_rotation(state, "next", NULL));
		/* X answered with an error: nothing was rotated. */
		g_assert_true(tw_state_clear_rotation(state, NULL));
	}
	{
		g_autoptr(TwState) state = tw_state_open(dir, "acme", NULL);

		g_assert_cmpstr(tw_state_get_refresh_token(state), ==, "next");
		g_assert_false(tw_state_rotation_unanswered(state, "next"));
		g_assert_cmpstr(tw_state_choose_refresh_token(state, "entered"),
				==, "next");
	}
}

static void
test_delivered_persisted_on_save(Fixture *fixture, gconstpointer data)
{
	g_autofree char *dir = state_dir(fixture);
	gint64 now = g_get_real_time();
	g_autofree char *path = g_build_filename(dir, "acme.json", NULL);
	struct stat info;

	{
		g_autoptr(TwState) state = tw_state_open(dir, "acme", NULL);

		tw_state_mark_delivered(state, "1001", now - 5);
		tw_state_mark_delivered(state, "1002", now);
		g_assert_true(tw_state_is_delivered(state, "1001"));
		g_assert_true(tw_state_save(state, NULL));
		/* Not saved: lost, as after a crash. */
		tw_state_mark_delivered(state, "1003", now);
	}
	{
		g_autoptr(TwState) state = tw_state_open(dir, "acme", NULL);

		g_assert_false(tw_state_is_new(state));
		g_assert_true(tw_state_is_delivered(state, "1001"));
		g_assert_true(tw_state_is_delivered(state, "1002"));
		g_assert_false(tw_state_is_delivered(state, "1003"));
		g_assert_cmpint(tw_state_get_newest_delivered_time(state), ==,
				now);
		g_assert_cmpuint(
		    tw_state_count_delivered_since(state, now - 10), ==, 2);
		g_assert_cmpuint(tw_state_count_delivered_since(state, now - 5),
				 ==, 1);
		g_assert_cmpuint(tw_state_count_delivered_since(state, now), ==,
				 0);
	}
	g_assert_cmpint(g_stat(path, &info), ==, 0);
	g_assert_cmpint(info.st_mode & 0777, ==, 0600);
}

static void
test_first_sign_on_kept(Fixture *fixture, gconstpointer data)
{
	g_autofree char *dir = state_dir(fixture);
	gint64 first;

	{
		g_autoptr(TwState) state = tw_state_open(dir, "acme", NULL);

		first = tw_state_get_first_sign_on(state);
		g_assert_true(tw_state_save(state, NULL));
	}
	g_usleep(2000);
	{
		g_autoptr(TwState) state = tw_state_open(dir, "acme", NULL);

		g_assert_cmpint(tw_state_get_first_sign_on(state), ==, first);
	}
}

/* The read mark moves only forward, survives a restart, and a file from
 * before it starts from the newest delivered time. */
static void
test_read_until_kept(Fixture *fixture, gconstpointer data)
{
	g_autofree char *dir = state_dir(fixture);
	g_autofree char *path = g_build_filename(dir, "acme.json", NULL);
	gint64 now = g_get_real_time();
	g_autofree char *contents = NULL;
	g_autofree char *old_file = NULL;

	{
		g_autoptr(TwState) state = tw_state_open(dir, "acme", NULL);

		g_assert_cmpint(tw_state_get_read_until(state), ==, 0);
		tw_state_set_read_until(state, now - 10);
		tw_state_set_read_until(state, now - 20);
		g_assert_cmpint(tw_state_get_read_until(state), ==, now - 10);
		/* The account's own send does not move it. */
		tw_state_mark_delivered(state, "2001", now);
		g_assert_cmpint(tw_state_get_read_until(state), ==, now - 10);
		g_assert_true(tw_state_save(state, NULL));
	}
	{
		g_autoptr(TwState) state = tw_state_open(dir, "acme", NULL);

		g_assert_cmpint(tw_state_get_read_until(state), ==, now - 10);
	}
	old_file =
	    g_strdup_printf("{\"version\":1,\"first_sign_on\":%" G_GINT64_FORMAT
			    ",\"delivered\":[[\"3001\",%" G_GINT64_FORMAT
			    "],[\"3002\",%" G_GINT64_FORMAT "]]}",
			    now - 100, now - 7, now - 9);
	g_assert_true(g_file_set_contents(path, old_file, -1, NULL));
	{
		g_autoptr(TwState) state = tw_state_open(dir, "acme", NULL);

		g_assert_true(tw_state_is_delivered(state, "3002"));
		g_assert_cmpint(tw_state_get_read_until(state), ==, now - 7);
		g_assert_true(tw_state_save(state, NULL));
	}
	g_assert_true(g_file_get_contents(path, &contents, NULL, NULL));
	g_assert_nonnull(strstr(contents, "\"read_until\""));
}

static void
test_pruning(Fixture *fixture, gconstpointer data)
{
	g_autofree char *dir = state_dir(fixture);
	g_autoptr(TwState) state = tw_state_open(dir, "acme", NULL);
	gint64 now = g_get_real_time();

	tw_state_mark_delivered(
	    state, "1", now - TW_STATE_DELIVERED_WINDOW - G_TIME_SPAN_HOUR);
	tw_state_mark_delivered(state, "2", now - G_TIME_SPAN_HOUR);
	tw_state_mark_delivered(state, "3", now);
	g_assert_true(tw_state_save(state, NULL));
	g_assert_false(tw_state_is_delivered(state, "1"));
	g_assert_true(tw_state_is_delivered(state, "2"));
	g_assert_true(tw_state_is_delivered(state, "3"));

	for (guint i = 0; i < TW_STATE_MAX_DELIVERED + 10; i++) {
		char id[32];

		g_snprintf(id, sizeof(id), "%u", 100000 + i);
		tw_state_mark_delivered(state, id, now - i);
	}
	g_assert_true(tw_state_save(state, NULL));
	g_assert_cmpuint(tw_state_get_delivered_count(state), ==,
			 TW_STATE_MAX_DELIVERED);
	/* The newest stay. */
	g_assert_true(tw_state_is_delivered(state, "100000"));
	g_assert_true(tw_state_is_delivered(state, "3"));
}

static void
test_corrupt_file_moved_aside(Fixture *fixture, gconstpointer data)
{
	g_autofree char *dir = state_dir(fixture);
	g_autofree char *path = g_build_filename(dir, "acme.json", NULL);
	g_autofree char *aside = g_strconcat(path, ".corrupt", NULL);

	g_assert_cmpint(g_mkdir_with_parents(dir, 0700), ==, 0);
	g_assert_true(g_file_set_contents(path, "{\"delivered\":[[", -1, NULL));
	{
		g_autoptr(TwState) state = tw_state_open(dir, "acme", NULL);

		g_assert_nonnull(state);
		g_assert_cmpuint(tw_state_get_delivered_count(state), ==, 0);
	}
	g_assert_true(g_file_test(aside, G_FILE_TEST_EXISTS));
}

static void
test_unwritable_directory(Fixture *fixture, gconstpointer data)
{
	g_autoptr(GError) error = NULL;
	g_autofree char *file =
	    g_build_filename(fixture->directory, "plain", NULL);
	g_autofree char *dir = g_build_filename(file, "twdm", NULL);

	/* A path below a regular file cannot be created. */
	g_assert_true(g_file_set_contents(file, "x", -1, NULL));
	g_assert_null(tw_state_open(dir, "acme", &error));
	g_assert_error(error, TW_STATE_ERROR, TW_STATE_ERROR_IO);
}

/* Delivery progress is written by a worker thread: every mark survives
 * the state's end, and a write asked for now is never overwritten by an
 * older one still queued. */
static void
test_saved_soon(Fixture *fixture, gconstpointer data)
{
	g_autofree char *dir = state_dir(fixture);
	gint64 now = g_get_real_time();

	{
		g_autoptr(TwState) state = tw_state_open(dir, "acme", NULL);

		for (guint i = 0; i < 500; i++) {
			g_autofree char *id = g_strdup_printf("%u", 1000 + i);

			tw_state_mark_delivered(state, id, now - 500 + i);
			g_assert_true(tw_state_save_soon(state, NULL));
		}
		tw_state_mark_delivered(state, "2000", now);
		g_assert_true(tw_state_save(state, NULL));
		{
			g_autoptr(TwState) reader =
			    tw_state_open(dir, "acme", NULL);

			g_assert_true(tw_state_is_delivered(reader, "2000"));
			g_assert_true(tw_state_is_delivered(reader, "1499"));
		}
		tw_state_mark_delivered(state, "2001", now + 1);
		g_assert_true(tw_state_save_soon(state, NULL));
	}
	{
		g_autoptr(TwState) state = tw_state_open(dir, "acme", NULL);

		g_assert_cmpuint(tw_state_get_delivered_count(state), ==, 502);
		g_assert_true(tw_state_is_delivered(state, "2001"));
	}
}

static char *
copy_text(gpointer data)
{
	return g_strdup(data);
}

/* A background write that fails is told by the next call, once. */
static void
test_writer_failure_told(Fixture *fixture, gconstpointer data)
{
	g_autofree char *missing =
	    g_build_filename(fixture->directory, "gone", "acme.json", NULL);
	g_autofree char *path =
	    g_build_filename(fixture->directory, "acme.json", NULL);
	g_autoptr(GError) error = NULL;
	TwStateWriter *writer = tw_state_writer_new(missing);
	g_autofree char *contents = NULL;

	g_assert_true(tw_state_writer_write_later(
	    writer, copy_text, g_strdup("{}"), g_free, NULL));
	g_assert_false(tw_state_writer_flush(writer, &error));
	g_assert_error(error, TW_STATE_ERROR, TW_STATE_ERROR_IO);
	g_assert_true(tw_state_writer_flush(writer, NULL));
	/* Asked for, never on disk. */
	g_assert_cmpuint(tw_state_writer_get_asked(writer), ==, 1);
	g_assert_cmpuint(tw_state_writer_get_written(writer), ==, 0);
	tw_state_writer_free(writer);

	writer = tw_state_writer_new(path);
	g_assert_true(tw_state_writer_write_later(
	    writer, copy_text, g_strdup("{\"a\":1}"), g_free, NULL));
	g_assert_true(tw_state_writer_write_now(writer, "{\"b\":2}", NULL));
	g_assert_cmpuint(tw_state_writer_get_written(writer), ==, 2);
	g_assert_cmpuint(tw_state_writer_get_asked(writer), ==, 2);
	tw_state_writer_free(writer);
	g_assert_true(g_file_get_contents(path, &contents, NULL, NULL));
	g_assert_cmpstr(contents, ==, "{\"b\":2}");
}

static void
test_outbox_survives_restart(Fixture *fixture, gconstpointer data)
{
	g_autofree char *dir = state_dir(fixture);

	{
		g_autoptr(TwState) state = tw_state_open(dir, "acme", NULL);
		TwStateOutgoing *first;

		first = tw_state_outbox_push(state, "alice", "one");
		tw_state_outbox_push(state, "bob", "two \"quoted\"\nline");
		first->attempted = TRUE;
		tw_state_set_flag(state, "shown");
		g_assert_true(tw_state_save(state, NULL));
		/* Queued after the last save: lost, as after a crash. */
		tw_state_outbox_push(state, "carol", "three");
	}
	{
		g_autoptr(TwState) state = tw_state_open(dir, "acme", NULL);
		TwStateOutgoing *head;

		g_assert_true(tw_state_get_flag(state, "shown"));
		g_assert_false(tw_state_get_flag(state, "other"));
		g_assert_cmpuint(tw_state_outbox_get_length(state), ==, 2);
		head = tw_state_outbox_peek(state);
		g_assert_cmpstr(head->conversation, ==, "alice");
		g_assert_cmpstr(head->text, ==, "one");
		g_assert_true(head->attempted);
		g_assert_cmpint(head->queued_at, >, 0);
		tw_state_outbox_pop(state);
		head = tw_state_outbox_peek(state);
		g_assert_cmpstr(head->conversation, ==, "bob");
		g_assert_cmpstr(head->text, ==, "two \"quoted\"\nline");
		g_assert_false(head->attempted);
		tw_state_outbox_pop(state);
		g_assert_null(tw_state_outbox_peek(state));
		g_assert_true(tw_state_save(state, NULL));
	}
	{
		g_autoptr(TwState) state = tw_state_open(dir, "acme", NULL);

		g_assert_cmpuint(tw_state_outbox_get_length(state), ==, 0);
	}
}

/* The oldest unanswered message counts, an older answer does not end the
 * wait, a newer one does, and the record survives a restart. */
static void
test_waiting(Fixture *fixture, gconstpointer data)
{
	g_autofree char *dir = state_dir(fixture);

	{
		g_autoptr(TwState) state = tw_state_open(dir, "acme", NULL);

		g_assert_true(tw_state_note_waiting(state, "maria", 2000));
		g_assert_false(tw_state_note_waiting(state, "maria", 3000));
		g_assert_true(tw_state_note_waiting(state, "maria", 1000));
		g_assert_true(tw_state_note_waiting(state, "1582", 5000));
		g_assert_false(tw_state_clear_waiting(state, "1582", 4000));
		g_assert_true(tw_state_clear_waiting(state, "1582", 6000));
		g_assert_false(tw_state_clear_waiting(state, "nobody", 0));
		g_assert_true(tw_state_note_waiting(state, "tom", 7000));
		g_assert_true(tw_state_save(state, NULL));
	}
	{
		g_autoptr(TwState) state = tw_state_open(dir, "acme", NULL);
		GHashTable *waiting = tw_state_get_waiting(state);

		g_assert_cmpuint(g_hash_table_size(waiting), ==, 2);
		g_assert_cmpint(
		    *(gint64 *)g_hash_table_lookup(waiting, "maria"), ==, 1000);
		g_assert_cmpint(*(gint64 *)g_hash_table_lookup(waiting, "tom"),
				==, 7000);
		/* 0: answered now. */
		g_assert_true(tw_state_clear_waiting(state, "tom", 0));
		g_assert_cmpuint(g_hash_table_size(waiting), ==, 1);
	}
}

/* A held message is skipped, and so is what follows it in its
 * conversation, so that its order is kept; held and automatic marks
 * survive a restart; releasing sends them in order, dropping removes only
 * them. */
static void
test_outbox_held(Fixture *fixture, gconstpointer data)
{
	g_autofree char *dir = state_dir(fixture);

	{
		g_autoptr(TwState) state = tw_state_open(dir, "acme", NULL);

		tw_state_outbox_push(state, "alice", "offer")->held = TRUE;
		tw_state_outbox_push(state, "alice", "after the offer");
		tw_state_outbox_push(state, "bob", "away")->automatic = TRUE;
		tw_state_outbox_push(state, "carol", "offer")->held = TRUE;
		g_assert_true(tw_state_save(state, NULL));
	}
	{
		g_autoptr(TwState) state = tw_state_open(dir, "acme", NULL);
		TwStateOutgoing *head = tw_state_outbox_peek(state);

		g_assert_cmpuint(tw_state_outbox_count_held(state), ==, 2);
		g_assert_cmpstr(head->conversation, ==, "bob");
		g_assert_true(head->automatic);
		tw_state_outbox_pop(state);
		g_assert_null(tw_state_outbox_peek(state));
		g_assert_cmpuint(tw_state_outbox_release_held(state), ==, 2);
		head = tw_state_outbox_peek(state);
		g_assert_cmpstr(head->text, ==, "offer");
		g_assert_false(head->held);
		g_assert_false(head->automatic);
		tw_state_outbox_pop(state);
		g_assert_cmpstr(tw_state_outbox_peek(state)->text, ==,
				"after the offer");
		tw_state_outbox_push(state, "dave", "offer")->held = TRUE;
		g_assert_cmpuint(tw_state_outbox_drop_held(state), ==, 1);
		g_assert_cmpuint(tw_state_outbox_get_length(state), ==, 2);
	}
}

/* The blast limit's record: different conversations counted once each,
 * only since the given time, only for the same fingerprint; old records are
 * forgotten, and the rest survives a restart. */
static void
test_recent_sends(Fixture *fixture, gconstpointer data)
{
	g_autofree char *dir = state_dir(fixture);

	{
		g_autoptr(TwState) state = tw_state_open(dir, "acme", NULL);

		tw_state_note_send(state, "f1", "alice", 100, 0);
		tw_state_note_send(state, "f1", "alice", 200, 0);
		tw_state_note_send(state, "f1", "bob", 300, 0);
		tw_state_note_send(state, "f2", "carol", 300, 0);
		g_assert_cmpuint(tw_state_count_send_recipients(state, "f1", 0),
				 ==, 2);
		g_assert_cmpuint(
		    tw_state_count_send_recipients(state, "f1", 250), ==, 1);
		g_assert_cmpuint(tw_state_count_send_recipients(state, "f3", 0),
				 ==, 0);
		/* Forgets what is older than 150. */
		tw_state_note_send(state, "f1", "dave", 400, 150);
		g_assert_cmpuint(tw_state_count_send_recipients(state, "f1", 0),
				 ==, 3);
		g_assert_true(tw_state_save(state, NULL));
	}
	{
		g_autoptr(TwState) state = tw_state_open(dir, "acme", NULL);

		g_assert_cmpuint(tw_state_count_send_recipients(state, "f1", 0),
				 ==, 3);
		g_assert_cmpuint(tw_state_count_send_recipients(state, "f2", 0),
				 ==, 1);
	}
}

/* Removing the account removes its cached media with its files, and
 * nothing of another account. */
static void
test_delete_removes_media(Fixture *fixture, gconstpointer data)
{
	g_autofree char *dir = state_dir(fixture);
	g_autoptr(GError) error = NULL;
	g_autoptr(TwState) state = tw_state_open(dir, "alice", &error);
	g_autofree char *media = tw_state_dup_media_directory(dir, "alice");
	g_autofree char *photo = g_build_filename(media, "3_1.jpg", NULL);
	g_autofree char *other = tw_state_dup_media_directory(dir, "bob");
	g_autofree char *kept = g_build_filename(other, "3_2.jpg", NULL);
	g_autofree char *expected = g_build_filename(dir, "alice.media", NULL);

	g_assert_no_error(error);
	g_assert_true(tw_state_save(state, &error));
	g_assert_cmpstr(media, ==, expected);
	g_assert_cmpint(g_mkdir_with_parents(media, 0700), ==, 0);
	g_assert_cmpint(g_mkdir_with_parents(other, 0700), ==, 0);
	g_assert_true(g_file_set_contents(photo, "png", -1, NULL));
	g_assert_true(g_file_set_contents(kept, "png", -1, NULL));

	g_assert_true(tw_state_delete(dir, "alice", &error));
	g_assert_no_error(error);
	g_assert_false(g_file_test(media, G_FILE_TEST_EXISTS));
	g_assert_true(g_file_test(kept, G_FILE_TEST_EXISTS));
	/* Nothing there is fine too. */
	g_assert_true(tw_state_delete(dir, "alice", &error));
}

/* An attachment's outbox entry survives a restart with its media id, and
 * its copy goes when the message leaves the outbox; removing the account
 * removes the copies left. */
static void
test_outbox_attachment(Fixture *fixture, gconstpointer data)
{
	g_autofree char *dir = state_dir(fixture);
	g_autofree char *copies =
	    tw_state_dup_attachment_directory(dir, "acme");
	g_autofree char *sent = g_build_filename(copies, "a.png", NULL);
	g_autofree char *waiting = g_build_filename(copies, "b.jpg", NULL);
	g_autofree char *expected =
	    g_build_filename(dir, "acme.attachments", NULL);

	g_assert_cmpstr(copies, ==, expected);
	g_assert_cmpint(g_mkdir_with_parents(copies, 0700), ==, 0);
	g_assert_true(g_file_set_contents(sent, "png", -1, NULL));
	g_assert_true(g_file_set_contents(waiting, "jpg", -1, NULL));
	{
		g_autoptr(TwState) state = tw_state_open(dir, "acme", NULL);
		TwStateOutgoing *outgoing =
		    tw_state_outbox_push(state, "alice", "");

		outgoing->file = g_strdup(sent);
		outgoing->media_category = g_strdup("dm_image");
		outgoing->media_id = g_strdup("1880028106020515840");
		outgoing->media_expires = 1767225600000000;
		outgoing = tw_state_outbox_push(state, "bob", "text");
		outgoing->file = g_strdup(waiting);
		outgoing->media_category = g_strdup("dm_image");
		g_assert_true(tw_state_save(state, NULL));
	}
	{
		g_autoptr(GError) error = NULL;
		g_autoptr(TwState) state = tw_state_open(dir, "acme", NULL);
		TwStateOutgoing *head = tw_state_outbox_peek(state);

		g_assert_cmpstr(head->file, ==, sent);
		g_assert_cmpstr(head->media_category, ==, "dm_image");
		g_assert_cmpstr(head->media_id, ==, "1880028106020515840");
		g_assert_cmpint(head->media_expires, ==, 1767225600000000);
		tw_state_outbox_pop(state);
		g_assert_false(g_file_test(sent, G_FILE_TEST_EXISTS));
		head = tw_state_outbox_peek(state);
		g_assert_cmpstr(head->file, ==, waiting);
		g_assert_null(head->media_id);
		g_assert_true(g_file_test(waiting, G_FILE_TEST_EXISTS));
		g_assert_true(tw_state_save(state, NULL));
		g_assert_true(tw_state_delete(dir, "acme", &error));
		g_assert_no_error(error);
		g_assert_false(g_file_test(copies, G_FILE_TEST_EXISTS));
	}
}

int
main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
#define ADD(path, func)                                                        \
	g_test_add(path, Fixture, NULL, fixture_set_up, func, fixture_tear_down)
	ADD("/state/token/choice", test_token_choice);
	ADD("/state/token/rotation-noted-before-sending",
	    test_rotation_noted_before_sending);
	ADD("/state/token/survives-restart", test_token_survives_restart);
	ADD("/state/delivered/persisted-on-save",
	    test_delivered_persisted_on_save);
	ADD("/state/first-sign-on/kept", test_first_sign_on_kept);
	ADD("/state/read-until/kept", test_read_until_kept);
	ADD("/state/delivered/pruning", test_pruning);
	ADD("/state/corrupt-file-moved-aside", test_corrupt_file_moved_aside);
	ADD("/state/unwritable-directory", test_unwritable_directory);
	ADD("/state/outbox/survives-restart", test_outbox_survives_restart);
	ADD("/state/delivered/saved-soon", test_saved_soon);
	ADD("/state/writer/failure-told", test_writer_failure_told);
	ADD("/state/waiting", test_waiting);
	ADD("/state/outbox/held", test_outbox_held);
	ADD("/state/recent-sends", test_recent_sends);
	ADD("/state/delete-removes-media", test_delete_removes_media);
	ADD("/state/outbox/attachment", test_outbox_attachment);
#undef ADD
	return g_test_run();
}
