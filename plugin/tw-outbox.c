/*
 * tw-outbox: sending. The outbox lives in tw-state, so it survives
 * crashes: a message is marked attempted on disk before its POST, and one
 * whose answer was lost is looked for in its conversation before it is
 * sent again. Sends are paced by the send pace and back off 1, 2, 4 paces
 * after transient errors; own events that may be the echo of an
 * unconfirmed send are held back (tw_outbox_event_must_wait()).
 * The blast limit's held messages wait in the same queue (tw-blast.h).
 * tw_account_send_im(), tw_account_send_group() and the held messages'
 * calls (tw-account.h) are defined here.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "config.h"

#include "tw-outbox.h"

#include <glib/gi18n-lib.h>
#include <string.h>

#include "tw-attachments.h"
#include "tw-blast.h"
#include "tw-loop.h"
#include "tw-people.h"
#include "tw-session.h"
#include "tw-text.h"
#include "tw-upload.h"
#include "tw-waiting.h"

/* Transient failures of one message before it is given up. */
#define SEND_MAX_ATTEMPTS 8
/* Own events this much older than queuing may still be the message. */
#define SEND_CLOCK_SKEW (60 * G_TIME_SPAN_SECOND)
/* Events looked at when checking whether a message arrived. */
#define SEND_VERIFY_PAGE 20

struct _TwOutbox {
	guint send_timer;
	gint64 next_send_time; /* Unix µs send_timer, when set, fires */
	guint64 send_call;
	guint64 lookup_call;
	guint64 verify_call;
	/* the head, attempted before, was looked for and is not there */
	gboolean send_verified;
	gboolean send_wait_told;
	/* groups being created: their first message's id is not known */
	guint groups_being_created;
	/* the blast limit: conversations where a message was held and the
	 * user not told yet, the timer that tells, whether the held
	 * messages of an earlier run were told, and a release waiting for
	 * the send in flight */
	GPtrArray *held_untold;
	guint tell_timer;
	gboolean held_of_earlier_run_told;
	gboolean release_requested;
};

/* Why the head of the outbox waits. */
typedef enum {
	SEND_WAIT_NO_ANSWER,
	SEND_WAIT_SEND_LIMIT,
	SEND_WAIT_DAILY_SEND_LIMIT,
	SEND_WAIT_READ_LIMIT,
} SendWaitReason;

static void verify_done(TwApiReply *reply, gpointer data);
static void send_schedule(TwAccount *account, guint delay_ms);

TwOutbox *
tw_outbox_new(TwAccount *account)
{
	TwOutbox *outbox = g_new0(TwOutbox, 1);

	(void)account;
	outbox->held_untold = g_ptr_array_new_with_free_func(g_free);
	return outbox;
}

void
tw_outbox_free(TwOutbox *outbox)
{
	if (outbox == NULL)
		return;
	tw_clear_timeout(&outbox->tell_timer);
	g_ptr_array_unref(outbox->held_untold);
	g_free(outbox);
}

void
tw_outbox_stop(TwAccount *account)
{
	tw_clear_timeout(&account->outbox->send_timer);
	tw_clear_timeout(&account->outbox->tell_timer);
	account->outbox->send_call = account->outbox->lookup_call = 0;
	account->outbox->verify_call = 0;
	tw_upload_stop(account);
}

void
tw_outbox_kick(TwAccount *account)
{
	if (account->outbox->send_timer == 0)
		send_schedule(account, 0);
}

gint64
tw_outbox_get_next_send_time(TwAccount *account)
{
	return account->outbox->send_timer != 0
		   ? account->outbox->next_send_time
		   : 0;
}

void
tw_outbox_hold_echoes(TwAccount *account)
{
	account->outbox->groups_being_created++;
}

void
tw_outbox_release_echoes(TwAccount *account)
{
	account->outbox->groups_being_created--;
}

/* A send whose event id is not known yet: a POST in flight, or one that
 * may have arrived before a crash or a lost answer. */
static gboolean
own_send_unconfirmed(TwAccount *account)
{
	TwStateOutgoing *head = account->state != NULL
				    ? tw_state_outbox_peek(account->state)
				    : NULL;

	return account->outbox->send_call != 0 ||
	       account->outbox->verify_call != 0 ||
	       account->outbox->groups_being_created > 0 ||
	       (head != NULL && head->attempted &&
		!account->outbox->send_verified);
}

/* Whether @event may be the echo of @outgoing: the same text (X may trim
 * it), or links, which X rewrites to t.co. */
static gboolean
event_may_be_echo(const TwDmEvent *event, const TwStateOutgoing *outgoing)
{
	g_autofree char *event_text = NULL;
	g_autofree char *outgoing_text = NULL;

	if (outgoing == NULL || event->urls->len > 0 ||
	    (outgoing->file != NULL && event->media_keys->len > 0))
		return TRUE;
	event_text =
	    g_strstrip(g_strdup(event->text != NULL ? event->text : ""));
	outgoing_text = g_strstrip(g_strdup(outgoing->text));
	return g_str_equal(event_text, outgoing_text);
}

/* Whether @event is @outgoing, sent before: an attachment by its media
 * key (X adds a link for it to the text), otherwise by its text. */
static gboolean
event_is_outgoing(const TwDmEvent *event, const TwStateOutgoing *outgoing)
{
	g_autofree char *suffix = NULL;

	if (outgoing->media_id == NULL)
		return g_strcmp0(event->text, outgoing->text) == 0;
	suffix = g_strconcat("_", outgoing->media_id, NULL);
	for (guint i = 0; i < event->media_keys->len; i++)
		if (g_str_has_suffix(event->media_keys->pdata[i], suffix))
			return TRUE;
	return FALSE;
}

/* Own events that may be the echo of an unconfirmed send wait: such an echo
 * cannot be told from a message typed on another device until the send's
 * id is known. Any other own event is shown at once. */
gboolean
tw_outbox_event_must_wait(TwAccount *account, const TwDmEvent *event)
{
	return tw_account_is_own_event(account, event) &&
	       own_send_unconfirmed(account) &&
	       event_may_be_echo(event, tw_state_outbox_peek(account->state));
}

/* The pace sends are timed by: their own headers once seen; until then
 * the reads', whose window X sizes alike, rather than a constant. */
static const TwPace *
send_timing(TwAccount *account)
{
	return account->send_pace.window_us > 0 ? &account->send_pace
						: &account->read_pace;
}

/* The group id of an outbox entry, or NULL for a 1:1 message. */
static const char *
outgoing_group_id(const TwStateOutgoing *outgoing)
{
	if (!g_str_has_prefix(outgoing->conversation, TW_ACCOUNT_GROUP_PREFIX))
		return NULL;
	return outgoing->conversation + strlen(TW_ACCOUNT_GROUP_PREFIX);
}

static gboolean
send_timer_cb(gpointer data)
{
	TwAccount *account = data;

	account->outbox->send_timer = 0;
	tw_outbox_send_next(account);
	return G_SOURCE_REMOVE;
}

static void
send_schedule(TwAccount *account, guint delay_ms)
{
	tw_clear_timeout(&account->outbox->send_timer);
	account->outbox->send_timer =
	    tw_timeout_add(delay_ms, send_timer_cb, account);
	account->outbox->next_send_time =
	    g_get_real_time() + (gint64)delay_ms * 1000;
}

/* The notice of a waiting message: one whole sentence per reason, so each
 * translates as a whole. */
static char *
dup_wait_text(SendWaitReason reason, guint seconds)
{
	switch (reason) {
	case SEND_WAIT_NO_ANSWER:
		return g_strdup_printf(
		    g_dngettext(GETTEXT_PACKAGE,
				"Your message is waiting: X did not answer. It "
				"will be sent in about %u second.",
				"Your message is waiting: X did not answer. It "
				"will be sent in about %u seconds.",
				seconds),
		    seconds);
	case SEND_WAIT_SEND_LIMIT:
		return g_strdup_printf(
		    g_dngettext(GETTEXT_PACKAGE,
				"Your message is waiting: X's sending limit is "
				"reached. It will be sent in about %u second.",
				"Your message is waiting: X's sending limit is "
				"reached. It will be sent in about %u seconds.",
				seconds),
		    seconds);
	case SEND_WAIT_DAILY_SEND_LIMIT:
		return g_strdup_printf(
		    g_dngettext(GETTEXT_PACKAGE,
				"Your message is waiting: X's daily sending "
				"limit is reached. It will be sent in about %u "
				"second.",
				"Your message is waiting: X's daily sending "
				"limit is reached. It will be sent in about %u "
				"seconds.",
				seconds),
		    seconds);
	case SEND_WAIT_READ_LIMIT:
		return g_strdup_printf(
		    g_dngettext(GETTEXT_PACKAGE,
				"Your message is waiting: X's reading limit is "
				"reached. It will be sent in about %u second.",
				"Your message is waiting: X's reading limit is "
				"reached. It will be sent in about %u seconds.",
				seconds),
		    seconds);
	}
	g_return_val_if_reached(NULL);
}

static void
send_wait(TwAccount *account, const TwStateOutgoing *outgoing, guint delay_ms,
	  SendWaitReason reason)
{
	if (!account->outbox->send_wait_told) {
		g_autofree char *text =
		    dup_wait_text(reason, (delay_ms + 999) / 1000);

		account->outbox->send_wait_told = TRUE;
		tw_account_notice(account, TW_ACCOUNT_NOTICE_SEND_WAITING,
				  outgoing->conversation, text);
	}
	send_schedule(account, delay_ms);
}

/* The head of the outbox is done with: sent, found sent, or given up. */
static void
send_finish_head(TwAccount *account, const char *event_id, const char *failure)
{
	TwStateOutgoing *outgoing = tw_state_outbox_peek(account->state);

	if (failure != NULL)
		tw_account_notice(account, TW_ACCOUNT_NOTICE_SEND_FAILED,
				  outgoing->conversation, failure);
	/* Its id is delivered: the poll must not show it again; and it
	 * answers whoever waited there. */
	if (event_id != NULL) {
		tw_state_mark_delivered(account->state, event_id, 0);
		/* An away message is no answer. */
		if (!outgoing->automatic)
			tw_waiting_note_message(account, outgoing->conversation,
						0, TRUE);
	}
	tw_state_outbox_pop(account->state);
	tw_account_save_state(account);
	/* Whatever was kept of its upload is of no use now. */
	tw_upload_forget(account);
	tw_pace_succeed(&account->send_pace);
	tw_session_request_succeeded(account, TW_SESSION_USER_SEND);
	account->outbox->send_wait_told = FALSE;
	account->outbox->send_verified = FALSE;
}

static void
send_transient_failure(TwAccount *account, const GError *error)
{
	TwStateOutgoing *outgoing = tw_state_outbox_peek(account->state);

	tw_pace_fail(&account->send_pace, error, g_get_real_time());
	if (account->send_pace.failures > SEND_MAX_ATTEMPTS) {
		g_autofree char *text = g_strdup_printf(
		    g_dngettext(GETTEXT_PACKAGE,
				/* TRANSLATORS: the number of tries, */
				/* then the last error's text. */
				"Message not sent: X did not answer after %u "
				"try (%s).",
				"Message not sent: X did not answer after %u "
				"tries (%s).",
				SEND_MAX_ATTEMPTS),
		    SEND_MAX_ATTEMPTS, error->message);

		send_finish_head(account, NULL, text);
		tw_outbox_send_next(account);
		return;
	}
	send_wait(account, outgoing,
		  tw_pace_backoff_ms(send_timing(account),
				     account->send_pace.failures),
		  SEND_WAIT_NO_ANSWER);
}

/* A 401: the queue goes on once the token is refreshed, if it may. */
static gboolean
retried_after_refresh(TwAccount *account, const TwApiReply *reply)
{
	return g_error_matches(reply->error, TW_API_ERROR,
			       TW_API_ERROR_UNAUTHORIZED) &&
	       tw_session_retry_after_refresh(
		   account, reply->access_token_generation,
		   TW_SESSION_USER_SEND, tw_outbox_send_next);
}

static void
send_done(TwApiReply *reply, gpointer data)
{
	TwAccount *account = data;
	TwStateOutgoing *outgoing = tw_state_outbox_peek(account->state);

	account->outbox->send_call = 0;
	tw_pace_take_headers(&account->send_pace, &reply->rate_limit,
			     g_get_real_time());
	if (reply->error == NULL) {
		send_finish_head(account, reply->sent->event_id, NULL);
		tw_outbox_send_next(account);
		return;
	}
	/* A refusal (401, 429, 4xx) created nothing; after any other failure
	 * the message may exist, and the next try must look for it first,
	 * even when the conversation was checked before this POST. */
	account->outbox->send_verified =
	    !tw_account_is_transient_error(reply->error);
	if (retried_after_refresh(account, reply))
		return;
	if (g_error_matches(reply->error, TW_API_ERROR,
			    TW_API_ERROR_RATE_LIMITED)) {
		send_wait(account, outgoing,
			  tw_pace_until_reset_ms(send_timing(account),
						 g_get_real_time()),
			  SEND_WAIT_SEND_LIMIT);
	} else if (tw_account_is_transient_error(reply->error)) {
		/* The POST may have arrived: check before sending again. */
		send_transient_failure(account, reply->error);
	} else {
		g_autofree char *text = NULL;

		if (outgoing_group_id(outgoing) != NULL)
			text = g_strdup_printf(
			    /* TRANSLATORS: %s is the error's text. */
			    _("Message not sent to the group: %s"),
			    reply->error->message);
		else if (g_error_matches(reply->error, TW_API_ERROR,
					 TW_API_ERROR_FORBIDDEN))
			text = g_strdup_printf(
			    /* TRANSLATORS: the X handle, then X's reason. */
			    _("Message not sent: @%s does not accept your "
			      "direct messages (%s)."),
			    outgoing->conversation, reply->error->message);
		else
			/* TRANSLATORS: %s is the error's text. */
			text = g_strdup_printf(_("Message not sent: %s"),
					       reply->error->message);
		send_finish_head(account, NULL, text);
		tw_outbox_send_next(account);
	}
}

static void
lookup_done(TwApiReply *reply, gpointer data)
{
	TwAccount *account = data;
	TwStateOutgoing *outgoing = tw_state_outbox_peek(account->state);

	tw_account_learn_window(account, &reply->rate_limit);
	account->outbox->lookup_call = 0;
	if (reply->error == NULL) {
		tw_people_remember(account, reply->user);
		tw_outbox_send_next(account);
		return;
	}
	if (retried_after_refresh(account, reply))
		return;
	if (tw_account_is_transient_error(reply->error) ||
	    g_error_matches(reply->error, TW_API_ERROR,
			    TW_API_ERROR_RATE_LIMITED)) {
		send_transient_failure(account, reply->error);
		return;
	}
	{
		g_autofree char *text = g_strdup_printf(
		    /* TRANSLATORS: the X handle, then X's reason. */
		    _("Message not sent: there is no X user @%s (%s)."),
		    outgoing->conversation, reply->error->message);

		send_finish_head(account, NULL, text);
	}
	tw_outbox_send_next(account);
}

/* One page of the head's conversation, newest first, from
 * @pagination_token on (%NULL: the newest). */
static void
verify_page(TwAccount *account, const char *pagination_token)
{
	TwStateOutgoing *outgoing = tw_state_outbox_peek(account->state);
	const char *group_id = outgoing_group_id(outgoing);
	/* Mostly the newest page settles it; digging deeper, big pages
	 * spend less of the read budget. */
	guint page_size =
	    pagination_token != NULL ? TW_ACCOUNT_PAGE_MAX : SEND_VERIFY_PAGE;
	const char *peer_id;

	if (group_id != NULL) {
		account->outbox->verify_call = tw_api_list_group_events(
		    account->api, group_id, page_size, pagination_token,
		    verify_done, account, NULL);
		return;
	}
	peer_id = tw_people_get_id(account, outgoing->conversation);
	if (peer_id == NULL) {
		tw_outbox_send_next(account);
		return;
	}
	account->outbox->verify_call = tw_api_list_conversation_events(
	    account->api, peer_id, page_size, pagination_token, verify_done,
	    account, NULL);
}

/* After a crash or a lost answer, a message marked attempted may have
 * arrived: look for it in the conversation before sending it again. */
static void
verify_done(TwApiReply *reply, gpointer data)
{
	TwAccount *account = data;
	TwStateOutgoing *outgoing = tw_state_outbox_peek(account->state);

	account->outbox->verify_call = 0;
	tw_pace_take_headers(&account->read_pace, &reply->rate_limit,
			     g_get_real_time());
	if (retried_after_refresh(account, reply))
		return;
	if (reply->error != NULL) {
		if (g_error_matches(reply->error, TW_API_ERROR,
				    TW_API_ERROR_RATE_LIMITED))
			send_wait(account, outgoing,
				  tw_pace_until_reset_ms(&account->read_pace,
							 g_get_real_time()),
				  SEND_WAIT_READ_LIMIT);
		else
			send_transient_failure(account, reply->error);
		return;
	}
	for (guint i = 0; i < reply->page->events->len; i++) {
		const TwDmEvent *event = reply->page->events->pdata[i];

		if (event->type == TW_DM_EVENT_MESSAGE_CREATE &&
		    tw_account_is_own_event(account, event) &&
		    event_is_outgoing(event, outgoing) &&
		    (event->created_at == 0 ||
		     event->created_at >=
			 outgoing->queued_at - SEND_CLOCK_SKEW) &&
		    !tw_state_is_delivered(account->state, event->id)) {
			g_debug("%s: queued message %s was sent before as %s",
				account->username, outgoing->id, event->id);
			send_finish_head(account, event->id, NULL);
			tw_outbox_send_next(account);
			return;
		}
	}
	/* Not on this page: a busy conversation may have buried it while X
	 * did not answer. Older pages count until one reaches back to before
	 * the message was queued. */
	if (reply->page->next_token != NULL && reply->page->events->len > 0 &&
	    tw_dm_event_get_time(g_ptr_array_index(
		reply->page->events, reply->page->events->len - 1)) >=
		outgoing->queued_at - SEND_CLOCK_SKEW) {
		verify_page(account, reply->page->next_token);
		return;
	}
	account->outbox->send_verified = TRUE;
	tw_outbox_send_next(account);
}

/* The notice for an attachment that could not go: @reason is a
 * sentence. */
static char *
dup_not_sent_text(const char *media_category, const char *reason)
{
	if (g_strcmp0(media_category, "dm_gif") == 0)
		/* TRANSLATORS: %s says why, in a sentence. */
		return g_strdup_printf(_("GIF not sent: %s"), reason);
	if (g_strcmp0(media_category, "dm_video") == 0)
		/* TRANSLATORS: %s says why, in a sentence. */
		return g_strdup_printf(_("Video not sent: %s"), reason);
	/* TRANSLATORS: %s says why, in a sentence. */
	return g_strdup_printf(_("Photo not sent: %s"), reason);
}

static void
upload_done(TwAccount *account, const TwUploadResult *result,
	    TwApiReply *failed, const GError *error)
{
	TwStateOutgoing *outgoing = tw_state_outbox_peek(account->state);
	g_autofree char *reason = NULL;
	g_autofree char *text = NULL;

	if (result != NULL) {
		g_free(outgoing->media_id);
		outgoing->media_id = g_strdup(result->media_id);
		outgoing->media_expires =
		    g_get_real_time() +
		    result->expires_after_secs * G_USEC_PER_SEC;
		/* Durable before the POST: after a crash the upload is not
		 * repeated while X keeps it. */
		tw_account_save_state(account);
		tw_outbox_send_next(account);
		return;
	}
	if (failed != NULL && retried_after_refresh(account, failed))
		return;
	if (failed != NULL && g_error_matches(failed->error, TW_API_ERROR,
					      TW_API_ERROR_RATE_LIMITED)) {
		/* Uploads have their own window, told by this answer. */
		TwPace upload = {0};

		tw_pace_take_headers(&upload, &failed->rate_limit,
				     g_get_real_time());
		send_wait(account, outgoing,
			  tw_pace_until_reset_ms(&upload, g_get_real_time()),
			  SEND_WAIT_SEND_LIMIT);
		return;
	}
	/* A lost upload answer only costs that step again: the DM itself
	 * was not posted. */
	if (failed != NULL && tw_account_is_transient_error(failed->error)) {
		send_transient_failure(account, failed->error);
		return;
	}
	if (failed == NULL)
		reason = g_strdup(error->message);
	else if (g_error_matches(failed->error, TW_API_ERROR,
				 TW_API_ERROR_FORBIDDEN))
		reason = g_strdup_printf(
		    /* TRANSLATORS: %s is X's reason. media.write is X's */
		    /* name for the permission: keep it. */
		    _("X does not let this app upload media for you (%s). "
		      "Authorize the app again with the media.write "
		      "permission, and enter the new refresh token as the "
		      "account's password."),
		    failed->error->message);
	else
		/* TRANSLATORS: %s is X's reason. */
		reason = g_strdup_printf(_("X refused it (%s)."),
					 failed->error->message);
	text = dup_not_sent_text(outgoing->media_category, reason);
	send_finish_head(account, NULL, text);
	tw_outbox_send_next(account);
}

/* Before the POST of a message with an attachment: its upload, unless one
 * X still keeps is on record. Returns %TRUE when the caller must stop (an
 * upload is under way). */
static gboolean
upload_if_needed(TwAccount *account, TwStateOutgoing *outgoing)
{
	/* An id that runs out during the POST's retries is no use. */
	gint64 deadline = g_get_real_time() + G_TIME_SPAN_HOUR;

	if (outgoing->file == NULL ||
	    (outgoing->media_id != NULL && outgoing->media_expires > deadline))
		return FALSE;
	tw_upload_start(account, outgoing->file,
			outgoing->media_category != NULL
			    ? outgoing->media_category
			    : "dm_image",
			upload_done);
	return TRUE;
}

/* The same steps as a 1:1 message, on the group's own endpoints. */
static void
send_next_to_group(TwAccount *account, TwStateOutgoing *outgoing,
		   const char *group_id)
{
	if (!tw_id_is_valid(group_id)) {
		g_autofree char *text = g_strdup_printf(
		    /* TRANSLATORS: %s is a conversation id. */
		    _("Message not sent: \"%s\" is not a group conversation."),
		    group_id);

		send_finish_head(account, NULL, text);
		tw_outbox_send_next(account);
		return;
	}
	if (outgoing->attempted && !account->outbox->send_verified) {
		verify_page(account, NULL);
		return;
	}
	if (upload_if_needed(account, outgoing))
		return;
	outgoing->attempted = TRUE;
	tw_account_save_state(account);
	account->outbox->send_call = tw_api_send_dm_to_conversation(
	    account->api, group_id, outgoing->text, outgoing->media_id,
	    send_done, account, NULL);
}

/* Held messages are released between sends, never under one: the send in
 * flight is the entry tw_state_outbox_peek() returned, and releasing
 * earlier ones would change what the peek returns when it is done. */
static void
apply_release(TwAccount *account)
{
	TwOutbox *outbox = account->outbox;

	if (!outbox->release_requested || outbox->send_call != 0 ||
	    tw_upload_is_running(account) || outbox->lookup_call != 0 ||
	    outbox->verify_call != 0 || account->state == NULL)
		return;
	outbox->release_requested = FALSE;
	if (tw_state_outbox_release_held(account->state) > 0)
		tw_account_save_state(account);
}

static gboolean
tell_held_cb(gpointer data)
{
	TwAccount *account = data;
	TwOutbox *outbox = account->outbox;
	guint held = tw_account_get_held_count(account);

	outbox->tell_timer = 0;
	for (guint i = 0; i < outbox->held_untold->len; i++) {
		g_autofree char *text = g_strdup_printf(
		    g_dngettext(
			GETTEXT_PACKAGE,
			"Not sent yet: the same text already went to %u "
			"person within the hour. It is held until you send or "
			"drop the held messages.",
			"Not sent yet: the same text already went to %u "
			"people within the hour. It is held until you send or "
			"drop the held messages.",
			account->blast_limit),
		    account->blast_limit);

		tw_account_notice(account, TW_ACCOUNT_NOTICE_SEND_WAITING,
				  outbox->held_untold->pdata[i], text);
	}
	g_ptr_array_set_size(outbox->held_untold, 0);
	if (held > 0 && account->callbacks->held != NULL)
		account->callbacks->held(account->ui, held);
	return G_SOURCE_REMOVE;
}

/* The user hears of held messages from the event loop, not from inside
 * the send call that held them. */
static void
tell_held(TwAccount *account)
{
	if (account->outbox->tell_timer == 0)
		account->outbox->tell_timer =
		    tw_timeout_add(0, tell_held_cb, account);
}

guint
tw_account_get_held_count(TwAccount *account)
{
	return account->state != NULL
		   ? tw_state_outbox_count_held(account->state)
		   : 0;
}

guint
tw_account_release_held(TwAccount *account)
{
	guint held = tw_account_get_held_count(account);

	if (held == 0)
		return 0;
	account->outbox->release_requested = TRUE;
	apply_release(account);
	tw_outbox_kick(account);
	return held;
}

guint
tw_account_discard_held(TwAccount *account)
{
	guint dropped;

	account->outbox->release_requested = FALSE;
	if (account->state == NULL)
		return 0;
	dropped = tw_state_outbox_drop_held(account->state);
	if (dropped > 0)
		tw_account_save_state(account);
	return dropped;
}

void
tw_outbox_send_next(TwAccount *account)
{
	TwStateOutgoing *outgoing;
	const char *peer_id;
	const char *group_id;

	apply_release(account);
	/* Held messages from an earlier run are asked about again. */
	if (account->signed_on && !account->outbox->held_of_earlier_run_told) {
		account->outbox->held_of_earlier_run_told = TRUE;
		if (tw_account_get_held_count(account) > 0)
			tell_held(account);
	}
	if (!account->signed_on || account->failed ||
	    account->outbox->send_call != 0 || tw_upload_is_running(account) ||
	    account->outbox->lookup_call != 0 ||
	    account->outbox->verify_call != 0 ||
	    account->outbox->send_timer != 0)
		return;
	outgoing = tw_state_outbox_peek(account->state);
	if (outgoing == NULL)
		return;
	/* A token refresh is under way or being retried: the access token
	 * may be dead, and a POST now would spend the message's one retry
	 * after a 401. The queue goes on when the refresh is done. */
	if (tw_session_is_renewing(account)) {
		tw_session_wait_for_token(account, tw_outbox_send_next);
		return;
	}
	group_id = outgoing_group_id(outgoing);
	if (group_id == NULL &&
	    !tw_api_username_is_valid(outgoing->conversation)) {
		g_autofree char *text = g_strdup_printf(
		    /* TRANSLATORS: %s is what was given as the X handle. */
		    _("Message not sent: \"%s\" is not a valid X handle."),
		    outgoing->conversation);

		send_finish_head(account, NULL, text);
		tw_outbox_send_next(account);
		return;
	}
	if (account->send_pace.limit.known &&
	    account->send_pace.limit.remaining <= 0 &&
	    account->send_pace.limit.reset * G_USEC_PER_SEC >
		g_get_real_time()) {
		send_wait(account, outgoing,
			  tw_pace_until_reset_ms(send_timing(account),
						 g_get_real_time()),
			  SEND_WAIT_SEND_LIMIT);
		return;
	}
	if (account->send_pace.limit.daily_known &&
	    account->send_pace.limit.daily_remaining <= 0 &&
	    account->send_pace.limit.daily_reset * G_USEC_PER_SEC >
		g_get_real_time()) {
		TwPace daily = account->send_pace;

		daily.limit.reset = account->send_pace.limit.daily_reset;
		send_wait(account, outgoing,
			  tw_pace_until_reset_ms(&daily, g_get_real_time()),
			  SEND_WAIT_DAILY_SEND_LIMIT);
		return;
	}
	if (group_id != NULL) {
		send_next_to_group(account, outgoing, group_id);
		return;
	}
	peer_id = tw_people_get_id(account, outgoing->conversation);
	if (peer_id == NULL) {
		account->outbox->lookup_call = tw_api_get_user_by_username(
		    account->api, outgoing->conversation, lookup_done, account,
		    NULL);
		return;
	}
	if (outgoing->attempted && !account->outbox->send_verified) {
		verify_page(account, NULL);
		return;
	}
	if (upload_if_needed(account, outgoing))
		return;
	/* Durable before the POST: a crash from here on is checked for. */
	outgoing->attempted = TRUE;
	tw_account_save_state(account);
	account->outbox->send_call = tw_api_send_dm_to_user(
	    account->api, peer_id, outgoing->text, outgoing->media_id,
	    send_done, account, NULL);
}

/* Queues @html in parts X accepts, for @conversation (a handle, or the
 * group prefix and id), its images as attachments, and @files (pairs of
 * a copy's path and its media_category) after them; held by the blast
 * limit unless @automatic. Returns how many. */
static guint
queue_message(TwAccount *account, const char *conversation, const char *html,
	      gboolean automatic, GPtrArray *extra_files)
{
	g_autofree char *plain = tw_text_outgoing_to_plain(html);
	g_autoptr(GPtrArray) parts = tw_text_split(plain, TW_TEXT_MAX_CHARS);
	g_autoptr(GPtrArray) files = NULL;
	guint count;
	gboolean held;

	if (account->state == NULL)
		return 0;
	/* (path, category) pairs */
	files = tw_attachments_collect(account, conversation, html);
	for (guint i = 0; extra_files != NULL && i < extra_files->len; i++)
		g_ptr_array_add(files, g_strdup(extra_files->pdata[i]));
	/* An image alone is sent without text. */
	if (parts->len == 0 && files->len > 0)
		g_ptr_array_add(parts, g_strdup(""));
	if (parts->len == 0)
		return 0;
	held = !automatic && tw_blast_note_send(account, conversation, plain);
	count = MAX(parts->len, files->len / 2 + parts->len - 1);
	for (guint i = 0; i < count; i++) {
		/* The first image goes with the last part of the text. */
		guint file =
		    i + 1 >= parts->len ? i + 1 - parts->len : G_MAXUINT;
		TwStateOutgoing *outgoing =
		    tw_state_outbox_push(account->state, conversation,
					 i < parts->len ? parts->pdata[i] : "");

		outgoing->held = held;
		outgoing->automatic = automatic;
		if (file != G_MAXUINT && file * 2 < files->len) {
			outgoing->file = g_strdup(files->pdata[file * 2]);
			outgoing->media_category =
			    g_strdup(files->pdata[file * 2 + 1]);
		}
	}
	/* On disk before the user is told it went out. */
	tw_account_save_state(account);
	if (held) {
		g_ptr_array_add(account->outbox->held_untold,
				g_strdup(conversation));
		tell_held(account);
	} else {
		tw_outbox_kick(account);
	}
	return count;
}

guint
tw_account_send_im(TwAccount *account, const char *peer, const char *html)
{
	g_autofree char *handle = g_ascii_strdown(peer, -1);

	return queue_message(account, handle, html, FALSE, NULL);
}

guint
tw_account_send_auto_reply(TwAccount *account, const char *peer,
			   const char *html)
{
	g_autofree char *handle = g_ascii_strdown(peer, -1);

	return queue_message(account, handle, html, TRUE, NULL);
}

guint
tw_account_send_group(TwAccount *account, const char *conversation_id,
		      const char *html)
{
	g_autofree char *conversation =
	    g_strconcat(TW_ACCOUNT_GROUP_PREFIX, conversation_id, NULL);

	return queue_message(account, conversation, html, FALSE, NULL);
}

gboolean
tw_account_send_file(TwAccount *account, const char *peer, const char *path,
		     GError **error)
{
	g_autofree char *handle = g_ascii_strdown(peer, -1);
	g_autoptr(GPtrArray) files = g_ptr_array_new_with_free_func(g_free);
	TwUploadKind kind;
	char *copy;

	if (account->state == NULL) {
		g_set_error_literal(error, TW_ACCOUNT_ERROR,
				    TW_ACCOUNT_ERROR_STATE,
				    _("The account is not signed on."));
		return FALSE;
	}
	copy = tw_attachments_copy_file(account, path, &kind, error);
	if (copy == NULL)
		return FALSE;
	g_ptr_array_add(files, copy);
	g_ptr_array_add(files, g_strdup(kind.media_category));
	return queue_message(account, handle, "", FALSE, files) > 0;
}
