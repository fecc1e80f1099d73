/*
 * tw-prpl-consent: consent before a first DM (see tw-prpl-consent.h).
 * X lets anyone write to anyone who accepts DMs; a business that writes
 * first to people who never asked is sending spam, and gets reported.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "config.h"

#include "tw-prpl-consent.h"

#include <glib/gi18n-lib.h>

#include "purple-twdm.h"
#include "tw-prpl-question.h"
#include "tw-prpl-settings.h"

/* One first DM waiting for X's answer (did @who write?) and then for the
 * user's: the messages typed for @who meanwhile, and the files offered
 * (accepted transfers, not started: the UI keeps the file until then). */
typedef struct {
	PurpleConnection *connection;
	char *who;
	GPtrArray *messages;
	GPtrArray *transfers; /* PurpleXfer, a reference each */
	TwPrplSendTransfer send_transfer;
	void *ui_handle; /* the open question, once asked */
	guint id;        /* names it to X's answer, which may come after it */
	gboolean refuse; /* first-contact=refuse: no question, a note */
} Consent;

static GList *pending;
static guint last_id;

static void
consent_free(Consent *consent)
{
	g_free(consent->who);
	g_ptr_array_unref(consent->messages);
	g_ptr_array_unref(consent->transfers);
	g_free(consent);
}

static Consent *
find_pending(PurpleConnection *connection, const char *who)
{
	for (GList *link = pending; link != NULL; link = link->next) {
		Consent *consent = link->data;

		if (consent->connection == connection &&
		    g_ascii_strcasecmp(consent->who, who) == 0)
			return consent;
	}
	return NULL;
}

static PurpleConversation *
find_conversation(PurpleConnection *connection, const char *who)
{
	PurpleAccount *account = purple_connection_get_account(connection);
	PurpleConversation *conv = purple_find_conversation_with_account(
	    PURPLE_CONV_TYPE_IM, who, account);

	if (conv == NULL)
		conv =
		    purple_conversation_new(PURPLE_CONV_TYPE_IM, account, who);
	return conv;
}

static void
consent_send(Consent *consent, int action)
{
	TwAccount *tw =
	    purple_connection_get_protocol_data(consent->connection);
	PurpleConversation *conv =
	    find_conversation(consent->connection, consent->who);
	PurpleAccount *account =
	    purple_connection_get_account(consent->connection);

	pending = g_list_remove(pending, consent);
	tw_account_allow_first_contact(tw, consent->who);
	for (guint i = 0; i < consent->messages->len; i++) {
		const char *message = consent->messages->pdata[i];

		/* libpurple did not echo it when it was typed: do it now. */
		if (tw_account_send_im(tw, consent->who, message) > 0)
			purple_conv_im_write(
			    PURPLE_CONV_IM(conv),
			    purple_account_get_username(account), message,
			    PURPLE_MESSAGE_SEND, time(NULL));
	}
	for (guint i = 0; i < consent->transfers->len; i++)
		consent->send_transfer(consent->transfers->pdata[i]);
	consent_free(consent);
}

/* The offered files of @consent are not sent. */
static void
cancel_transfers(Consent *consent)
{
	for (guint i = 0; i < consent->transfers->len; i++)
		purple_xfer_cancel_local(consent->transfers->pdata[i]);
}

/* Ends @consent without sending, saying why in the conversation. */
static void
drop(Consent *consent, const char *note)
{
	pending = g_list_remove(pending, consent);
	cancel_transfers(consent);
	purple_conv_present_error(
	    consent->who, purple_connection_get_account(consent->connection),
	    note);
	consent_free(consent);
}

static void
consent_decline(Consent *consent, int action)
{
	g_autofree char *note = g_strdup_printf(
	    g_dngettext(GETTEXT_PACKAGE,
			"Not sent: @%s has never written to this account. "
			"(%u message)",
			"Not sent: @%s has never written to this account. "
			"(%u messages)",
			consent->messages->len + consent->transfers->len),
	    consent->who, consent->messages->len + consent->transfers->len);

	drop(consent, note);
}

static void
ask(Consent *consent)
{
	PurpleConnection *connection = consent->connection;
	const char *who = consent->who;
	PurpleAccount *account = purple_connection_get_account(connection);
	g_autofree char *primary =
	    g_strdup_printf(_("Send a first DM to @%s?"), who);
	g_autofree char *secondary = g_strdup_printf(
	    _("@%s has never written to this account. DMs are for answering "
	      "people: an unsolicited message feels like spam, and gets "
	      "accounts reported. Nothing is sent unless you choose Send."),
	    who);

	/* bitlbee asks this as a question answered with yes or no. */
	consent->ui_handle = purple_request_action(
	    connection, _("Twitter DM"), primary, secondary, 1, account, who,
	    find_conversation(connection, who), consent, 2,
	    tw_prpl_question_yes(_("_Send")), G_CALLBACK(consent_send),
	    tw_prpl_question_no(_("_Don't send")), G_CALLBACK(consent_decline));
}

static void
refuse(Consent *consent)
{
	g_autofree char *note = g_strdup_printf(
	    _("Not sent: @%s has never written to this account, and "
	      "it does not write first (the \"first-contact\" "
	      "option)."),
	    consent->who);

	drop(consent, note);
}

/* X's answer: someone who wrote before the plugin watched is answered
 * without a question. */
static void
checked(const char *handle, gboolean wrote, gpointer data)
{
	Consent *consent = NULL;

	for (GList *link = pending; link != NULL; link = link->next) {
		Consent *candidate = link->data;

		if (candidate->id == GPOINTER_TO_UINT(data))
			consent = candidate;
	}
	if (consent == NULL)
		return;
	if (wrote)
		consent_send(consent, 0);
	else if (consent->refuse)
		refuse(consent);
	else
		ask(consent);
}

/* The first-contact rule for @message or @transfer (one of them): TRUE
 * when it may go now; otherwise it waits in @who's pending consent. */
static gboolean
allowed_or_pending(PurpleConnection *connection, TwAccount *tw, const char *who,
		   const char *message, PurpleXfer *transfer,
		   TwPrplSendTransfer send)
{
	PurpleAccount *account = purple_connection_get_account(connection);
	const char *rule = purple_account_get_string(
	    account, TW_OPTION_FIRST_CONTACT, TW_DEFAULT_FIRST_CONTACT);
	Consent *consent;
	gboolean asking;

	if (g_strcmp0(rule, TW_FIRST_CONTACT_ALLOW) == 0 ||
	    tw_account_has_written(tw, who))
		return TRUE;
	/* Typed again before an answer: it goes with the first. */
	consent = find_pending(connection, who);
	asking = consent == NULL;
	if (asking) {
		consent = g_new0(Consent, 1);
		consent->connection = connection;
		consent->who = g_strdup(who);
		consent->messages = g_ptr_array_new_with_free_func(g_free);
		consent->transfers = g_ptr_array_new_with_free_func(
		    (GDestroyNotify)purple_xfer_unref);
		consent->id = ++last_id;
		consent->refuse = g_strcmp0(rule, TW_FIRST_CONTACT_REFUSE) == 0;
		pending = g_list_prepend(pending, consent);
	}
	if (message != NULL)
		g_ptr_array_add(consent->messages, g_strdup(message));
	if (transfer != NULL) {
		consent->send_transfer = send;
		purple_xfer_ref(transfer);
		g_ptr_array_add(consent->transfers, transfer);
	}
	/* Perhaps they wrote before the plugin watched: X's history says. */
	if (asking && !tw_account_check_wrote(tw, who, checked,
					      GUINT_TO_POINTER(consent->id)))
		checked(who, FALSE, GUINT_TO_POINTER(consent->id));
	return FALSE;
}

int
tw_prpl_consent_send_im(PurpleConnection *connection, TwAccount *tw,
			const char *who, const char *message)
{
	if (!allowed_or_pending(connection, tw, who, message, NULL, NULL))
		return 0;
	return tw_account_send_im(tw, who, message) > 0 ? 1 : 0;
}

void
tw_prpl_consent_send_file(PurpleConnection *connection, TwAccount *tw,
			  PurpleXfer *transfer, TwPrplSendTransfer send)
{
	if (allowed_or_pending(connection, tw,
			       purple_xfer_get_remote_user(transfer), NULL,
			       transfer, send))
		send(transfer);
}

void
tw_prpl_consent_forget(PurpleConnection *connection)
{
	GList *link = pending;

	while (link != NULL) {
		Consent *consent = link->data;
		GList *next = link->next;

		if (consent->connection == connection) {
			pending = g_list_delete_link(pending, link);
			if (consent->ui_handle != NULL)
				purple_request_close(PURPLE_REQUEST_ACTION,
						     consent->ui_handle);
			cancel_transfers(consent);
			consent_free(consent);
		}
		link = next;
	}
}
