/*
 * Many accounts on one sandbox, for one runner: the set-up shared by
 * test-many-accounts and bench/bench-evidence.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#pragma once

#include <glib.h>

#include "tw-sandbox.h"

G_BEGIN_DECLS

/**
 * TwTestCrowd:
 * @sandbox: the running sandbox (X's 15 DM reads, in a window of
 *   @window_seconds)
 * @user_dir: the runner's user directory, which holds @config_path too
 * @config_path: a runner --config file (mode 0600) with every account
 * @handles: (element-type utf8): the accounts' handles, acct_000, …
 * @messages_each: how many messages every account has waiting
 */
typedef struct {
	TwSandbox *sandbox;
	char *user_dir;
	char *config_path;
	GPtrArray *handles;
	guint messages_each;
} TwTestCrowd;

/**
 * tw_test_crowd_set_up:
 * @crowd: (out): filled in
 * @accounts: how many accounts
 * @window_seconds: the sandbox's rate-limit window (X: 900)
 *
 * Creates the accounts and two customers, alice_c and bob_c, who have
 * written one message each to every account ("for acct_007, 0" and
 * "…, 1") a minute ago. The accounts show them at their first sign-on
 * (history-days=1).
 */
void tw_test_crowd_set_up(TwTestCrowd *crowd, guint accounts,
			  guint window_seconds);

/**
 * tw_test_crowd_tear_down:
 * @crowd: the crowd
 */
void tw_test_crowd_tear_down(TwTestCrowd *crowd);

G_END_DECLS
