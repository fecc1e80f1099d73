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

#define TW_RUNNER_UI_ID          "twdm-runner"
#define TW_RUNNER_PLUGIN_DIR_ENV "TWDM_PLUGIN_DIR"

typedef enum {
	TW_RUNNER_FORMAT_JSON,
	TW_RUNNER_FORMAT_TEXT,
} TwRunnerFormat;

/* One account as the command line or the config file describes it. */
typedef struct {
	char *username;
	char *password;
	char *protocol_id;
	/* "key=value" strings, applied in order so later ones win. */
	GPtrArray *options;
} TwRunnerAccountSpec;

/* Runner-side state of one account it signs on. */
typedef struct {
	PurpleAccount *account;
	guint reconnect_source;
	double reconnect_delay;
} TwRunnerAccount;

/* An open request (question) libpurple asked through the request UI ops. */
typedef struct {
	guint id;
	PurpleRequestType type;
	GCallback ok_callback;
	GCallback cancel_callback;
	void *user_data;
	/* For action requests: one GCallback per offered action. */
	GArray *action_callbacks;
	/* For field requests: owned, destroyed when the request closes. */
	PurpleRequestFields *fields;
} TwRunnerRequest;

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
	/* "account\x1fconversation" → the JSON array of the attachments of
	 * the message about to be written there (TW_SIGNAL_MESSAGE_MEDIA) */
	GHashTable *pending_media;
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

typedef struct {
	PurpleAccount *account;
	char *who;
} TwRunnerAutoReply;

typedef struct {
	char *plugin_dir;
	char *user_dir;
	char *config;
	char *account;
	char *password;
	char *password_env;
	char *protocol;
	char *api_base;
	char *client_id;
	char *client_secret;
	char **options;
	double duration;
	char *format;
	char *auto_reply;
	double auto_reply_gap;
	double reconnect_delay;
	gboolean debug;
	gboolean stats;
} TwRunnerArguments;

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

/* tw-runner-host.c */

extern PurpleEventLoopUiOps tw_runner_loop_ops;

TwRunnerAccount *tw_runner_account_lookup(PurpleAccount *account);

void tw_runner_account_cancel_reconnect(TwRunnerAccount *state);

void tw_runner_account_free(TwRunnerAccount *state);

/* A request UI op asked something about @account (NULL: about none). */
void tw_runner_note_question(PurpleAccount *account);

/* Brings an account online the way a UI's "enable" does. */
void tw_runner_account_sign_on(PurpleAccount *account);

void tw_runner_signing_on_cb(PurpleConnection *connection, gpointer data);

void tw_runner_signed_on_cb(PurpleConnection *connection, gpointer data);

void tw_runner_signed_off_cb(PurpleConnection *connection, gpointer data);

void tw_runner_connection_error_cb(PurpleConnection *connection,
				   PurpleConnectionError reason,
				   const char *description, gpointer data);

extern PurpleCoreUiOps tw_runner_core_ops;

/* purple_core_quit() unloads the plugins before the process ends, and a
 * leak checker then cannot name their frames ("<unknown module>"), which
 * hides the plugin's own leaks among libpurple's. Marking the loaded
 * plugins RTLD_NODELETE keeps their code mapped until exit. */
void tw_runner_keep_plugins_mapped(void);

/* Reports the plugins the accounts need; the twdm plugin always, since
 * checking that the build tree's copy loaded is the runner's first job. */
gboolean tw_runner_check_plugins(GPtrArray *specs, const char *plugin_dir);

/* tw-runner-conversations.c */

void tw_runner_auto_reply_free(TwRunnerAutoReply *reply);

/* write_im and write_chat stay NULL so that every line, including system
 * and error lines, reaches write_conv. */
extern PurpleConversationUiOps tw_runner_conversation_ops;

void tw_runner_chat_joined_cb(PurpleConversation *conv, gpointer data);

/* A chat's title (e.g. the names of a group's members) changed. */
void tw_runner_conversation_updated_cb(PurpleConversation *conv,
				       PurpleConvUpdateType type,
				       gpointer data);

void tw_runner_chat_left_cb(PurpleConversation *conv, gpointer data);
/* TW_SIGNAL_MESSAGE_MEDIA: keeps @json for the message written next. */
void tw_runner_message_media_cb(PurpleAccount *account,
				const char *conversation_name, const char *json,
				gpointer data);

/* tw-runner-requests.c */

extern PurpleNotifyUiOps tw_runner_notify_ops;

void tw_runner_request_free(TwRunnerRequest *request);

const char *tw_runner_field_type_name(PurpleRequestFieldType type);

extern PurpleRequestUiOps tw_runner_request_ops;

/* tw-runner-commands.c */

const char *tw_runner_get_string(JsonObject *command, const char *key);

/* The connection of the command's "account", signed on; NULL after an
 * error line. */
PurpleConnection *tw_runner_command_connection(JsonObject *command,
					       PurpleAccount **account);

/* tw-runner-send.c: the commands "send", "chat-send", "send-file",
 * "command" and "waiting" */

void tw_runner_command_send(JsonObject *command);

void tw_runner_command_chat_send(JsonObject *command);

void tw_runner_command_send_file(JsonObject *command);

void tw_runner_command_slash(JsonObject *command);

void tw_runner_command_waiting(JsonObject *command);

void tw_runner_watch_stdin(void);

void tw_runner_unwatch_stdin(void);

/* tw-runner-config.c */

/* Removes a directory tree without following symbolic links. */
void tw_runner_remove_tree(const char *path);

void tw_runner_account_spec_free(TwRunnerAccountSpec *spec);

/* Finds the account from an earlier run or creates it, then applies the
 * arguments, as bitlbee does at every sign-on. */
PurpleAccount *tw_runner_prepare_account(const TwRunnerAccountSpec *spec,
					 GError **error);

void tw_runner_arguments_clear(TwRunnerArguments *arguments);

gboolean tw_runner_parse_arguments(int *argc, char ***argv,
				   TwRunnerArguments *arguments,
				   GError **error);

gboolean tw_runner_build_specs(TwRunnerArguments *arguments, GPtrArray *specs,
			       GError **error);

/* tw-runner-host.c, the plugin's own IPC */

/* The TW_IPC_WAITING list of a purple-twdm account (conversation, since,
 * seconds), or NULL for another protocol or an offline account. */
JsonArray *tw_runner_dup_waiting(PurpleAccount *account);

/* How long @conversation has waited for an answer, in seconds, or -1. */
gint64 tw_runner_get_waiting_seconds(PurpleAccount *account,
				     const char *conversation);

G_END_DECLS
