/*
 * tw-account-private: what the files of TwAccount share. The core
 * (tw-account.c) owns the struct below: configuration, clients, sign-on
 * and the rate-limit budget; each concern keeps its own state in its own
 * file, reached only through its header:
 *
 *   tw-session.c  tokens: refresh, rotation, 401s, authorization
 *   tw-sync.c     polling, paging, delivery of 1:1 messages
 *   tw-outbox.c   the persisted outbox, its pacing and verification,
 *                 and echo suppression of own sends
 *   tw-upload.c   the upload of the outbox head's attachment
 *   tw-people.c   users, handles, icons, lookups, blocking
 *   tw-groups.c   group delivery, rosters, history and creation
 *   tw-account-status.c  the rate-limit status text
 *   tw-waiting.c  conversations waiting for an answer (kept in tw-state)
 *   tw-media-fetch.c  images of DMs for inline display, and their cache
 *
 * Not installed; only these files include it.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#pragma once

#include "tw-account.h"
#include "tw-http.h"
#include "tw-pace.h"
#include "tw-state.h"

G_BEGIN_DECLS

typedef struct _TwSession TwSession;
typedef struct _TwSync TwSync;
typedef struct _TwOutbox TwOutbox;
typedef struct _TwPeople TwPeople;
typedef struct _TwMediaFetch TwMediaFetch;
typedef struct _TwUpload TwUpload;

/* Something to run once a usable access token is there. */
typedef void (*TwAccountOperation)(TwAccount *account);

/* Events of one 1:1 page that reaches deeper, and of a widened poll. */
#define TW_ACCOUNT_PAGE_MAX 100

struct _TwAccount {
	/* configuration, owned copies */
	char *username;
	char *password;
	char *api_base;
	char *client_id;
	char *client_secret;
	char *state_directory;
	char *proxy_url;
	char *proxy_username;
	char *proxy_password;
	char *ca_file;
	guint poll_interval;
	guint history_days;
	guint blast_limit;
	TwAccountAuthMethod auth_method;
	char *authorize_url;
	char *redirect_uri;
	char *consumer_key;
	char *consumer_secret;
	char *access_token;

	const TwAccountCallbacks *callbacks;
	gpointer ui;

	TwHttp *http;
	TwApi *api;
	TwState *state;
	GError *state_error;
	TwUser *me;
	gboolean signed_on;
	gboolean failed;
	gint64 connected_at;

	/* sign-on */
	guint start_timer;
	guint64 me_call;

	/* The rate-limit budget, shared: whoever gets a response of the
	 * family takes its headers. */
	TwPace read_pace;
	TwPace send_pace;

	/* the concerns, each private to its file */
	TwSession *session;
	TwSync *sync;
	TwOutbox *outbox;
	TwUpload *upload;
	TwPeople *people;
	TwMediaFetch *media_fetch; /* NULL without media_download */
};

/**
 * tw_account_fail:
 * @account: the account
 * @error: (transfer full): why
 *
 * The end of the account: everything stops, the state is saved and the
 * glue gets one error callback; later calls only free @error.
 */
void tw_account_fail(TwAccount *account, GError *error);

/**
 * tw_account_fail_with:
 * @account: the account
 * @domain: error domain
 * @code: error code
 * @format: printf format of the message
 *
 * tw_account_fail() with a new error.
 */
void tw_account_fail_with(TwAccount *account, GQuark domain, int code,
			  const char *format, ...) G_GNUC_PRINTF(4, 5);

/**
 * tw_account_notice:
 * @account: the account
 * @kind: what the notice is about
 * @peer: (nullable): the conversation it belongs to
 * @text: the text for the user
 *
 * Tells the user something through the glue, when it listens.
 */
void tw_account_notice(TwAccount *account, TwAccountNotice kind,
		       const char *peer, const char *text);

/**
 * tw_account_save_state:
 * @account: the account
 *
 * Writes the state files; a failure is logged (the next save retries).
 */
void tw_account_save_state(TwAccount *account);

/**
 * tw_account_save_state_soon:
 * @account: the account
 *
 * Like tw_account_save_state(), with the write on a worker thread
 * (tw_state_save_soon()): for delivery progress, never for a point that
 * must be on disk before the next request.
 */
void tw_account_save_state_soon(TwAccount *account);

/**
 * tw_account_is_transient_error:
 * @error: a request's error
 *
 * Returns: whether trying again later may work (5xx, timeouts, resets,
 *   truncated or unreadable bodies), as opposed to a refusal
 */
gboolean tw_account_is_transient_error(const GError *error);

/**
 * tw_account_learn_window:
 * @account: the account
 * @limit: headers of another family (users)
 *
 * Learns the window's length for the read and send paces.
 */
void tw_account_learn_window(TwAccount *account, const TwRateLimit *limit);

/**
 * tw_account_is_own_event:
 * @account: a signed-on account
 * @event: an event
 *
 * Returns: whether the account itself sent @event (from any device)
 */
gboolean tw_account_is_own_event(TwAccount *account, const TwDmEvent *event);

/**
 * tw_account_is_checking_me:
 * @account: the account
 *
 * Returns: whether a /2/users/me request is in flight
 */
gboolean tw_account_is_checking_me(TwAccount *account);

/**
 * tw_account_check_me:
 * @account: the account
 * @done: (nullable): what gets the answer; %NULL = the sign-on's own
 *   handling, tw_account_me_done()
 *
 * Asks X who the token belongs to, showing the progress while signing
 * on.
 */
void tw_account_check_me(TwAccount *account, TwApiFunc done);

/**
 * tw_account_me_done:
 * @reply: the answer to /2/users/me
 * @data: the account
 *
 * The sign-on's handling of /2/users/me: signs on, or goes on after an
 * authorization while online. A #TwApiFunc.
 */
void tw_account_me_done(TwApiReply *reply, gpointer data);

/**
 * tw_account_show_message:
 * @account: a signed-on account
 * @event: a MessageCreate event
 * @handle: the lower-case handle of the peer (1:1) or sender (group)
 * @sender: (nullable): that user, when X described them
 * @group: whether @event belongs to a group conversation
 *
 * Hands the message to the glue as HTML; marking it delivered is the
 * caller's.
 */
void tw_account_show_message(TwAccount *account, const TwDmEvent *event,
			     const char *handle, const TwUser *sender,
			     gboolean group);

G_END_DECLS
