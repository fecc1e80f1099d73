/*
 * tw-runner.h: what the runner's files share.
 *
 * The runner is one process hosting one libpurple core, so its state is one
 * TwRunner (tw_runner) that the files read and write from the main loop,
 * never from another thread. Each tw-runner-*.c file is one part of the
 * runner and declares here only what another file calls.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#pragma once

#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <locale.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>
#include <glib.h>
#include <glib-unix.h>
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <purple.h>
#include "purple-twdm.h"

typedef enum {
	TW_RUNNER_FORMAT_JSON,
	TW_RUNNER_FORMAT_TEXT,
} TwRunnerFormat;

typedef struct {
	TwRunnerFormat format;
	char *auto_reply;
	double auto_reply_gap;
	double reconnect_delay;
	gboolean has_duration;
	gboolean quit_requested;
	gboolean core_running;
	GMainLoop *loop;
	/* PurpleAccount * → TwRunnerAccount * */
	GHashTable *accounts;
	/* The same accounts (borrowed), in the order they were given. */
	GPtrArray *account_order;
	/* id → TwRunnerRequest * */
	GHashTable *requests;
	guint next_request_id;
	/* "account\x1fconversation" → last auto reply (monotonic µs) */
	GHashTable *auto_replied;
	/* TwRunnerAutoReply * waiting for the idle callback */
	GQueue pending_replies;
	guint auto_reply_source;
	GHashTable *ui_info;
	GIOChannel *stdin_channel;
	guint stdin_source;
	int stdin_flags;
	guint duration_source;
	/* --stats: a heartbeat measures how late the main loop wakes up. */
	gboolean stats;
	guint stats_source;
	gint64 stats_next_beat; /* monotonic µs the next beat is due */
	gint64 stats_max_stall; /* µs */
} TwRunner;

G_BEGIN_DECLS

/* twdm-runner.c */

extern TwRunner tw_runner;

void tw_runner_request_quit(void);

/* tw-runner-protocol.c */

/* Strings from the network or a plugin might not be valid UTF-8, and JSON
 * output must be. */
void tw_runner_add_string(JsonBuilder *builder, const char *key,
			  const char *value);

void tw_runner_add_int(JsonBuilder *builder, const char *key, gint64 value);

void tw_runner_add_bool(JsonBuilder *builder, const char *key, gboolean value);

/* Whole seconds print as integers, so scripts can compare them simply. */
void tw_runner_add_seconds(JsonBuilder *builder, const char *key,
			   double seconds);

void tw_runner_add_account(JsonBuilder *builder, PurpleAccount *account);

JsonBuilder *tw_runner_event_new(const char *name);

/* Ends the event object, prints it, and frees the builder. */
void tw_runner_event_emit(JsonBuilder *builder);

void tw_runner_emit_command_error(const char *format, ...) G_GNUC_PRINTF(1, 2);

/* Fatal start-up problems are events too, so a test reading stdout sees
 * why the runner stopped; they also go to stderr for people. */
void tw_runner_emit_error(const char *message);

GLogWriterOutput tw_runner_log_writer(GLogLevelFlags level,
				      const GLogField *fields, gsize n_fields,
				      gpointer user_data);

void tw_runner_print_to_stderr(const char *text);

G_END_DECLS
