/*
 * tw-account: one signed-on X account: sign-on, token rotation, polling,
 * delivery and sending. Owns the HTTP client, the API client and the state
 * files; knows nothing of libpurple. The purple glue creates it in login,
 * receives everything through TwAccountCallbacks and frees it in close.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#pragma once

#include <glib.h>

#include "tw-api.h"
#include "tw-authorization.h"

G_BEGIN_DECLS

/** Error domain of this layer; lower layers' errors pass through. */
#define TW_ACCOUNT_ERROR (tw_account_error_quark())
GQuark tw_account_error_quark(void);

/**
 * TwAccountError:
 * @TW_ACCOUNT_ERROR_INVALID_SETTINGS: an account option is unusable
 * @TW_ACCOUNT_ERROR_NO_TOKEN: there is no refresh token to sign on with
 * @TW_ACCOUNT_ERROR_WRONG_USER: the token belongs to another X account
 * @TW_ACCOUNT_ERROR_STATE: the plugin's own files cannot be written
 */
typedef enum {
	TW_ACCOUNT_ERROR_INVALID_SETTINGS,
	TW_ACCOUNT_ERROR_NO_TOKEN,
	TW_ACCOUNT_ERROR_WRONG_USER,
	TW_ACCOUNT_ERROR_STATE,
} TwAccountError;

/**
 * TwAccountAuthMethod:
 * @TW_ACCOUNT_AUTH_OAUTH2: OAuth 2.0 user context: a refresh token, or
 *   the PKCE authorization when there is none
 * @TW_ACCOUNT_AUTH_OAUTH1: OAuth 1.0a user context: consumer keys and an
 *   access token, or the PIN flow when there is none
 */
typedef enum {
	TW_ACCOUNT_AUTH_OAUTH2,
	TW_ACCOUNT_AUTH_OAUTH1,
} TwAccountAuthMethod;

/**
 * TwAccountConfig:
 * @username: the account's handle, lower case, without '@'
 * @password: (nullable): the refresh token the client handed over (OAuth
 *   2.0), or the access token secret (OAuth 1.0a)
 * @api_base: base URL of the API
 * @client_id: OAuth 2.0 client id
 * @client_secret: (nullable): OAuth 2.0 client secret
 * @state_directory: where tw-state keeps this plugin's files
 * @proxy_url: (nullable): see tw_http_set_proxy(); %NULL = environment
 * @proxy_username: (nullable): proxy user
 * @proxy_password: (nullable): proxy password
 * @ca_file: (nullable): extra CA bundle
 * @poll_interval: shortest seconds between polls, 0 = automatic
 * @history_days: backfill on the first sign-on ever, 0 to 30
 * @blast_limit: the most people one text (or a text alike) goes to within
 *   an hour before further sends are held; 0 = no limit
 * @auth_method: how the account signs in
 * @authorize_url: (nullable): OAuth 2.0 authorize endpoint
 * @redirect_uri: (nullable): OAuth 2.0 callback URL
 * @consumer_key: (nullable): OAuth 1.0a API key
 * @consumer_secret: (nullable): OAuth 1.0a API key secret
 * @access_token: (nullable): OAuth 1.0a access token
 * @media_download: fetch customers' images for the glue's @media callback
 *   (for UIs that show images inline)
 *
 * Everything is copied by tw_account_new().
 */
typedef struct {
	const char *username;
	const char *password;
	const char *api_base;
	const char *client_id;
	const char *client_secret;
	const char *state_directory;
	const char *proxy_url;
	const char *proxy_username;
	const char *proxy_password;
	const char *ca_file;
	guint poll_interval;
	guint history_days;
	guint blast_limit;
	TwAccountAuthMethod auth_method;
	const char *authorize_url;
	const char *redirect_uri;
	const char *consumer_key;
	const char *consumer_secret;
	const char *access_token;
	gboolean media_download;
} TwAccountConfig;

/**
 * TW_ACCOUNT_GROUP_PREFIX:
 *
 * A notice's peer for a group conversation is this prefix followed by the
 * conversation id (a handle may be all digits, so a bare id would be
 * ambiguous).
 */
#define TW_ACCOUNT_GROUP_PREFIX "group:"

/**
 * TwAccountMessage:
 * @event_id: the DM event id
 * @conversation_id: its conversation
 * @group: %TRUE for a group conversation; @peer is then the sender
 * @peer: the other person's handle, lower case (1:1), or the sender's
 *   (group; the account's own handle for @outgoing)
 * @peer_name: (nullable): their display name
 * @peer_user: (nullable): everything known about them
 * @html: the text, escaped for libpurple
 * @timestamp: when it was written, Unix seconds
 * @outgoing: %TRUE when the account owner wrote it on another device
 * @delayed: %TRUE for backlog fetched after downtime or on first sign-on
 * @media: (element-type TwMedia): its attachments, as X described them
 *   (their lines are already in @html)
 */
typedef struct {
	const char *event_id;
	const char *conversation_id;
	gboolean group;
	const char *peer;
	const char *peer_name;
	const TwUser *peer_user;
	const char *html;
	gint64 timestamp;
	gboolean outgoing;
	gboolean delayed;
	const GPtrArray *media;
} TwAccountMessage;

/**
 * TwAccountMedia:
 * @event_id: the DM it belongs to, already shown
 * @conversation_id: its conversation
 * @group: %TRUE for a group conversation
 * @peer: as #TwAccountMessage's
 * @outgoing: as #TwAccountMessage's
 * @timestamp: the DM's time, Unix seconds
 * @media: the attachment
 * @path: the image's file in the cache
 * @data: the image's bytes (the file's contents)
 *
 * An image of a DM, fetched (or found in the cache) after the DM's line.
 */
typedef struct {
	const char *event_id;
	const char *conversation_id;
	gboolean group;
	const char *peer;
	gboolean outgoing;
	gint64 timestamp;
	const TwMedia *media;
	const char *path;
	GBytes *data;
} TwAccountMedia;

/**
 * TwAccountNotice:
 * @TW_ACCOUNT_NOTICE_INFO: something the user may want to know
 * @TW_ACCOUNT_NOTICE_SEND_WAITING: a message waits (rate limit, retry)
 * @TW_ACCOUNT_NOTICE_SEND_FAILED: a message could not be sent; final
 *
 * Kinds of conversation lines that are not messages.
 */
typedef enum {
	TW_ACCOUNT_NOTICE_INFO,
	TW_ACCOUNT_NOTICE_SEND_WAITING,
	TW_ACCOUNT_NOTICE_SEND_FAILED,
} TwAccountNotice;

/**
 * TwAccountGroupChange:
 * @conversation_id: the group
 * @handle: who joined or left, lower case
 * @name: (nullable): their display name
 * @joined: %TRUE for a join, %FALSE for a leave
 * @announce: %TRUE when X told of it (a join or leave event), %FALSE for a
 *   member learnt from their messages
 * @timestamp: when, Unix seconds
 *
 * A change of a group's member list; the list itself is already updated.
 */
typedef struct {
	const char *conversation_id;
	const char *handle;
	const char *name;
	gboolean joined;
	gboolean announce;
	gint64 timestamp;
} TwAccountGroupChange;

/**
 * TwAccountCallbacks:
 * @progress: sign-on progress, @step of @steps
 * @signed_on: the account is ready
 * @message: a DM to show; called in delivery order
 * @notice: a line for the conversation with @peer (%NULL: account-wide;
 *   #TW_ACCOUNT_GROUP_PREFIX and the id: a group)
 * @refresh_token_changed: the refresh token rotated; store it as the
 *   password (it is already safe in the state file)
 * @error: the account cannot go on; the glue maps @error to a
 *   disconnection reason. No other callback runs after this one.
 * @authorize: the user must authorize the app in a browser: show
 *   @prompt->url, listen on @prompt->redirect_uri when it is a loopback
 *   address, and hand the answer to tw_account_authorize_submit(); a new
 *   call replaces the previous prompt
 * @authorize_finished: the authorization is over: close the prompt and the
 *   listener
 * @oauth1_token_changed: the PIN flow brought an OAuth 1.0a access token:
 *   store @token as the access-token option and @token_secret as the
 *   password
 * @group_changed: (nullable): someone joined or left a group; called
 *   in delivery order with the messages
 * @media: (nullable): an image of a DM shown before, to show inline
 *   (only with @media_download)
 * @dup_image: (nullable): the bytes of the UI's image @id (libpurple's
 *   imgstore id, from `<img id="N">` in what the user typed), or %NULL
 *   when it is gone; an image in a message is sent as its attachment
 * @held: (nullable): the blast limit holds messages, @count of them now
 *   (also at sign-on for those of an earlier run): ask the user whether to
 *   send them (tw_account_release_held()) or not
 *   (tw_account_discard_held())
 *
 * How the account talks to the UI layer. All callbacks run on the event
 * loop, never from inside a TwAccount call.
 */
typedef struct {
	void (*progress)(gpointer ui, const char *text, guint step,
			 guint steps);
	void (*signed_on)(gpointer ui, const TwUser *me);
	void (*message)(gpointer ui, const TwAccountMessage *message);
	void (*notice)(gpointer ui, TwAccountNotice kind, const char *peer,
		       const char *text);
	void (*refresh_token_changed)(gpointer ui, const char *refresh_token);
	void (*error)(gpointer ui, const GError *error);
	void (*authorize)(gpointer ui, const TwAuthorizationPrompt *prompt);
	void (*authorize_finished)(gpointer ui);
	void (*oauth1_token_changed)(gpointer ui, const char *token,
				     const char *token_secret);
	void (*group_changed)(gpointer ui, const TwAccountGroupChange *change);
	void (*held)(gpointer ui, guint count);
	void (*media)(gpointer ui, const TwAccountMedia *media);
	GBytes *(*dup_image)(gpointer ui, guint id);
} TwAccountCallbacks;

typedef struct _TwAccount TwAccount;

/**
 * tw_account_new:
 * @config: settings, copied
 * @callbacks: (transfer none): must outlive the account
 * @ui: passed to every callback
 *
 * Creates the account without starting anything.
 *
 * Returns: (transfer full): the account
 */
TwAccount *tw_account_new(const TwAccountConfig *config,
			  const TwAccountCallbacks *callbacks, gpointer ui);

/**
 * tw_account_free:
 * @account: (transfer full) (nullable): the account
 *
 * Cancels every request and timer; no callback runs afterwards. Saves the
 * delivery state.
 */
void tw_account_free(TwAccount *account);

/**
 * tw_account_dup_media_path:
 * @account: the account
 * @media: an attachment of a DM
 *
 * Returns: (transfer full) (nullable): the file of @media's image when it
 *   was fetched before (with #TwAccountConfig.media_download)
 */
char *tw_account_dup_media_path(TwAccount *account, const TwMedia *media);

/**
 * tw_account_connect:
 * @account: the account
 *
 * Starts sign-on: settings check, token refresh, /2/users/me, then polling.
 * The outcome arrives through @signed_on or @error.
 */
void tw_account_connect(TwAccount *account);

/**
 * tw_account_send_im:
 * @account: the account
 * @peer: recipient handle
 * @html: what the user typed, as libpurple hands it over
 *
 * Queues a 1:1 message. Long text is split; empty text is not sent.
 * Each image in @html (`<img id="N">`, through @dup_image) goes as an
 * attachment, the first with the last part of the text, the others alone;
 * one X would refuse (kind, size) is not queued, and a notice says why in
 * words.
 *
 * Returns: the number of DMs queued (0 when there was nothing to send)
 */
guint tw_account_send_im(TwAccount *account, const char *peer,
			 const char *html);

/**
 * tw_account_send_file:
 * @account: the account
 * @peer: recipient handle
 * @path: a file the user chose (Send File): a photo, GIF or video
 * @error: (out) (optional): why it cannot go, in words (a
 *   #TW_MEDIA_ERROR when X would refuse its kind or size)
 *
 * Queues a 1:1 DM that carries a copy of @path, through the outbox like
 * any message: after a crash it is sent once, and an upload X still keeps
 * is not repeated. GIFs and videos go through X's chunked upload.
 *
 * Returns: whether it was queued
 */
gboolean tw_account_send_file(TwAccount *account, const char *peer,
			      const char *path, GError **error);

/**
 * tw_account_send_auto_reply:
 * @account: the account
 * @peer: recipient handle
 * @html: the away message, as libpurple hands it over
 *
 * Queues an automatic reply: like tw_account_send_im(), but it does not end
 * the peer's wait for an answer, and the blast limit neither counts nor
 * holds it.
 *
 * Returns: the number of DMs queued
 */
guint tw_account_send_auto_reply(TwAccount *account, const char *peer,
				 const char *html);

/**
 * tw_account_get_held_count:
 * @account: the account
 *
 * Returns: how many queued DMs the blast limit holds (they are kept on
 *   disk with the outbox)
 */
guint tw_account_get_held_count(TwAccount *account);

/**
 * tw_account_release_held:
 * @account: the account
 *
 * The user wants the held messages sent: they are, in their order, once
 * the send in flight (if any) is done.
 *
 * Returns: how many were held
 */
guint tw_account_release_held(TwAccount *account);

/**
 * tw_account_discard_held:
 * @account: the account
 *
 * The user does not want the held messages sent: they leave the outbox.
 *
 * Returns: how many were dropped
 */
guint tw_account_discard_held(TwAccount *account);

/**
 * TwAccountUserFunc:
 * @handle: the handle asked for, lower case, without '@'
 * @user: (nullable): the user, when found
 * @error: (nullable): why not; #TW_API_ERROR_NOT_FOUND for no such user
 * @user_data: the data given with the call
 */
typedef void (*TwAccountUserFunc)(const char *handle, const TwUser *user,
				  const GError *error, gpointer user_data);

/**
 * tw_account_find_user:
 * @account: the account
 * @handle: a handle, any case
 *
 * Returns: (transfer none) (nullable): what is known of the user, from the
 * messages and lookups so far
 */
const TwUser *tw_account_find_user(TwAccount *account, const char *handle);

/**
 * tw_account_look_up_user:
 * @account: the account
 * @handle: a handle, any case, with or without '@'
 * @func: called once with the answer, on the event loop; never after
 *   tw_account_free()
 * @user_data: for @func
 *
 * Asks X for a user's current profile and remembers it.
 *
 * Returns: %FALSE when the account is not signed on or @handle is not a
 * valid handle (then @func is not called)
 */
gboolean tw_account_look_up_user(TwAccount *account, const char *handle,
				 TwAccountUserFunc func, gpointer user_data);

/**
 * tw_account_set_blocked:
 * @account: the account
 * @handle: a handle, any case
 * @blocked: %TRUE to block direct messages from them, %FALSE to unblock
 *
 * Calls POST /2/users/:id/dm/block or dm/unblock, looking the user up
 * first when needed. A failure comes as an account-wide notice.
 *
 * Returns: %FALSE when the account is not signed on or @handle is invalid
 */
gboolean tw_account_set_blocked(TwAccount *account, const char *handle,
				gboolean blocked);

/**
 * TwAccountIconFunc:
 * @url: the image's URL
 * @image: (nullable): its bytes; %NULL when it could not be fetched
 * @user_data: the data given with the call
 */
typedef void (*TwAccountIconFunc)(const char *url, GBytes *image,
				  gpointer user_data);

/**
 * tw_account_fetch_icon:
 * @account: the account
 * @url: a profile image URL (https, or http to a loopback host)
 * @func: called once with the image, on the event loop; never after
 *   tw_account_free()
 * @user_data: for @func
 * @destroy: (nullable): frees @user_data, exactly once
 *
 * Fetches an image through the account's HTTP client (its proxy and CA
 * settings), without the API's Authorization header.
 *
 * Returns: %FALSE when the same URL is being fetched already (then nothing
 * is called and @destroy runs now)
 */
gboolean tw_account_fetch_icon(TwAccount *account, const char *url,
			       TwAccountIconFunc func, gpointer user_data,
			       GDestroyNotify destroy);

/**
 * tw_account_send_group:
 * @account: the account
 * @conversation_id: a group conversation id
 * @html: what the user typed, as libpurple hands it over
 *
 * Queues a message to a group, with the same queue, pacing, splitting and
 * exactly-once rules as tw_account_send_im().
 *
 * Returns: the number of DMs queued (0 when there was nothing to send)
 */
guint tw_account_send_group(TwAccount *account, const char *conversation_id,
			    const char *html);

/**
 * tw_account_dup_group_members:
 * @account: the account
 * @conversation_id: a group conversation id
 *
 * The members other than the account, as far as they are known; the list
 * is kept in the state files, so it survives restarts.
 *
 * Returns: (transfer full) (element-type utf8): lower-case handles, sorted
 */
GPtrArray *tw_account_dup_group_members(TwAccount *account,
					const char *conversation_id);

/**
 * TwAccountGroupCreatedFunc:
 * @conversation_id: (nullable): the new group, when it was created
 * @error: (nullable): why not
 * @user_data: the data given with the call
 */
typedef void (*TwAccountGroupCreatedFunc)(const char *conversation_id,
					  const GError *error,
					  gpointer user_data);

/**
 * tw_account_create_group:
 * @account: the account
 * @handles: (array zero-terminated=1): the other members' handles
 * @html: the first message, as libpurple hands it over (X creates a group
 *   only with one)
 * @func: called once, on the event loop; never after tw_account_free()
 * @user_data: for @func
 * @destroy: (nullable): frees @user_data, exactly once
 *
 * Looks the handles up, then POST /2/dm_conversations. The new group's
 * members are known at once, and its first message is never shown again
 * as if typed elsewhere. A handle X does not know, or a refused request,
 * comes back as @error with X's words.
 *
 * Returns: %FALSE when the account is not signed on or @html is empty
 * (then nothing is called and @destroy runs now)
 */
gboolean tw_account_create_group(TwAccount *account, const char *const *handles,
				 const char *html,
				 TwAccountGroupCreatedFunc func,
				 gpointer user_data, GDestroyNotify destroy);

/**
 * tw_account_fetch_group_history:
 * @account: the account
 * @conversation_id: a group conversation id
 *
 * Reads the group's recent events through its own endpoint, when the read
 * budget has a request to spare, and delivers those not delivered before
 * (flagged delayed) through the @message and @group_changed callbacks.
 *
 * Returns: %FALSE when nothing was asked (not signed on, no budget)
 */
gboolean tw_account_fetch_group_history(TwAccount *account,
					const char *conversation_id);

/**
 * tw_account_poll_now:
 * @account: the account
 *
 * Polls as soon as the rate budget allows, e.g. for "Check for new
 * messages now".
 */
void tw_account_poll_now(TwAccount *account);

/**
 * tw_account_authorize_submit:
 * @account: the account
 * @text: what the user pasted or typed (redirect address, code or PIN),
 *   or the request target the loopback listener received
 *
 * Returns: %TRUE when the answer was taken, %FALSE when it was refused
 * (a new @authorize prompt says why) or no authorization is running
 */
gboolean tw_account_authorize_submit(TwAccount *account, const char *text);

/**
 * tw_account_authorize_cancel:
 * @account: the account
 *
 * The user closed the prompt: the sign-on fails, saying so.
 */
void tw_account_authorize_cancel(TwAccount *account);

/**
 * tw_account_get_me:
 * @account: the account
 *
 * Returns: (transfer none) (nullable): the signed-on user
 */
const TwUser *tw_account_get_me(TwAccount *account);

/**
 * tw_account_dup_status_text:
 * @account: the account
 *
 * A plain-text summary for "Show rate-limit status", one fact a line: the
 * signed-on user, the last successful and the next check for messages,
 * DM reads and sends left in their rate-limit windows and when those
 * reset, the messages waiting in the outbox and when the access token
 * expires. Times are local; it holds no secret.
 *
 * Returns: (transfer full): the text
 */
char *tw_account_dup_status_text(TwAccount *account);

/**
 * tw_account_has_written:
 * @account: the account
 * @handle: a handle, any case
 *
 * Whether @handle has written to this account since the plugin watches it
 * (including the history it fetched), or the user agreed to write to them
 * first. Kept across restarts.
 *
 * Returns: %TRUE when a DM to @handle answers someone who wrote
 */
gboolean tw_account_has_written(TwAccount *account, const char *handle);

/**
 * TW_ACCOUNT_WROTE_PAGE:
 *
 * How many of a conversation's newest events tw_account_check_wrote()
 * reads: X bills each event read, and a customer's message is almost
 * always among the last few.
 */
#define TW_ACCOUNT_WROTE_PAGE 10

/**
 * TwAccountWroteFunc:
 * @handle: the handle asked about, lower case, without '@'
 * @wrote: whether X's history of the conversation has a message from them
 *   (%FALSE too when X could not be asked)
 * @user_data: the data given with the call
 */
typedef void (*TwAccountWroteFunc)(const char *handle, gboolean wrote,
				   gpointer user_data);

/**
 * tw_account_check_wrote:
 * @account: the account
 * @handle: a handle, any case, that tw_account_has_written() does not know
 * @func: called once with the answer, unless the account is freed first
 * @user_data: for @func
 *
 * Asks X whether @handle wrote to the account before the plugin watched
 * it: one read of the newest #TW_ACCOUNT_WROTE_PAGE events of the
 * conversation (X keeps 30 days), after a user lookup when the handle's id
 * is not known. When they did, tw_account_has_written() says so from then
 * on, across restarts.
 *
 * Returns: %FALSE when no check could start (signed off, not a valid
 * handle); @func is not called then
 */
gboolean tw_account_check_wrote(TwAccount *account, const char *handle,
				TwAccountWroteFunc func, gpointer user_data);

/**
 * tw_account_allow_first_contact:
 * @account: the account
 * @handle: a handle the user agreed to write to first
 *
 * Further DMs to @handle are not asked about again.
 */
void tw_account_allow_first_contact(TwAccount *account, const char *handle);

/**
 * tw_account_dup_duration_text:
 * @seconds: a duration
 *
 * Returns: (transfer full): it in short words: "45 s", "12 min",
 * "3 h 5 min"
 */
char *tw_account_dup_duration_text(gint64 seconds);

/**
 * TwAccountWaiting:
 * @conversation: peer handle or group id, as the callbacks name it
 * @since: Unix microseconds of its oldest customer message not yet
 *   answered by the account, from this or any other device
 *
 * A conversation waiting for an answer.
 */
typedef struct {
	char *conversation;
	gint64 since;
} TwAccountWaiting;

/** Frees one entry of tw_account_dup_waiting(). */
void tw_account_waiting_free(TwAccountWaiting *waiting);

/**
 * tw_account_dup_waiting:
 * @account: the account
 *
 * The record survives restarts (it is kept with the delivered ids).
 *
 * Returns: (transfer full) (element-type TwAccountWaiting): the
 * conversations waiting for an answer, the longest waiting first
 */
GPtrArray *tw_account_dup_waiting(TwAccount *account);

/**
 * tw_account_get_waiting_since:
 * @account: the account
 * @conversation: peer handle (any case), or group id (bare or with
 *   #TW_ACCOUNT_GROUP_PREFIX)
 *
 * Returns: Unix microseconds of the oldest unanswered customer message in
 * @conversation, or 0 when it does not wait
 */
gint64 tw_account_get_waiting_since(TwAccount *account,
				    const char *conversation);

G_END_DECLS
