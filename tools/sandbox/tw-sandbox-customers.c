/*
 * tw-sandbox-customers: customers mode.
 *
 * Scripted customers who open conversations at a pace and answer the
 * account's replies, for the demo and the client tests.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "config.h"

#include "tw-sandbox-private.h"

/* ------------------------------------------------------------------------ */
/* Customers mode                                                            */

static const char *const maria_openers[] = {
    "Hi! My order #A-48213 still hasn't arrived. It's been 10 days.",
    "Any news on order #A-48213? The tracking page hasn't changed since "
    "Monday.",
    "Hello again, the parcel for #A-48213 is marked delivered but it "
    "isn't here.",
    NULL,
};
static const char *const maria_replies[] = {
    "Thanks! It was shipped to Calle Mayor 12, Valencia.",
    "Okay, could you send me the new tracking link when you have it?",
    "Great, I'll wait for the replacement then. Thank you!",
    "Perfect, that's all I needed.",
    NULL,
};
static const char *const tom_openers[] = {
    "Hello, I was charged twice for my March subscription. Can you "
    "refund one of them?",
    "Just checking on the double charge from March, has the refund gone "
    "out?",
    NULL,
};
static const char *const tom_replies[] = {
    "Sure, the last four digits of the card are 4417.",
    "Both charges are from March 3rd, 19.99 each.",
    "Thanks, I can see the refund as pending now.",
    NULL,
};
static const char *const priya_openers[] = {
    "The app logs me out every time I switch to another tab. Is this a "
    "known issue?",
    "Quick question: is there a way to export my saved lists as CSV?",
    NULL,
};
static const char *const priya_replies[] = {
    "I'm on version 4.2.1, Chrome on Windows 11.",
    "Clearing the cache fixed it, thanks a lot!",
    "Found it under Settings, thank you :)",
    NULL,
};
static const char *const kenji_openers[] = {
    "Do you ship to Japan? I couldn't find it in the FAQ.",
    "How long does delivery to Osaka usually take?",
    NULL,
};
static const char *const kenji_replies[] = {
    "Great! What would the shipping cost be for two items?",
    "Understood, I'll place the order tonight.",
    "Thanks for the quick answer!",
    NULL,
};

static const CustomerScript customer_scripts[] = {
    {"maria_gonzalez", "María González", "Valencia, Spain",
     "Coffee, cats and too many houseplants.", maria_openers, maria_replies},
    {"tombecker_dev", "Tom Becker", "Berlin",
     "Backend developer. Opinions are my own.", tom_openers, tom_replies},
    {"priya_raman", "Priya Raman", "Bengaluru", "Product designer.",
     priya_openers, priya_replies},
    {"kenji_w", "Kenji Watanabe", "Osaka", "Runner, reader, ramen fan.",
     kenji_openers, kenji_replies},
};

void
tw_sandbox_track_source_locked(TwSandbox *sandbox, GSource *source)
{
	g_ptr_array_add(sandbox->pending_sources, source);
	g_source_attach(source, sandbox->context);
}

gboolean
tw_sandbox_forget_current_source_locked(TwSandbox *sandbox)
{
	GSource *source = g_main_current_source();

	if (g_source_is_destroyed(source))
		return FALSE;
	g_ptr_array_remove_fast(sandbox->pending_sources, source);
	return TRUE;
}

static Customer *
find_customer_locked(TwSandbox *sandbox, const char *user_id)
{
	for (guint i = 0; i < sandbox->customers->len; i++) {
		Customer *customer = sandbox->customers->pdata[i];

		if (g_str_equal(customer->user_id, user_id))
			return customer;
	}
	return NULL;
}

static void
customer_write_locked(TwSandbox *sandbox, Customer *customer, const char *text)
{
	Conversation *conversation = tw_sandbox_ensure_one_to_one_locked(
	    sandbox, customer->user_id, sandbox->customers_account_id);
	NewMessage message = {.sender_id = customer->user_id, .text = text};

	tw_sandbox_add_message_event_locked(sandbox, conversation, &message);
}

typedef struct {
	TwSandbox *sandbox;
	char *customer_id;
} CustomerReply;

static void
customer_reply_free(CustomerReply *reply)
{
	g_free(reply->customer_id);
	g_free(reply);
}

static gboolean
customer_reply_due(gpointer data)
{
	CustomerReply *reply = data;
	TwSandbox *sandbox = reply->sandbox;
	Customer *customer;

	g_mutex_lock(&sandbox->mutex);
	if (tw_sandbox_forget_current_source_locked(sandbox) &&
	    sandbox->customers_account_id &&
	    (customer = find_customer_locked(sandbox, reply->customer_id))) {
		const char *const *replies = customer->script->replies;
		guint count = g_strv_length((char **)replies);

		customer_write_locked(sandbox, customer,
				      replies[customer->next_reply++ % count]);
	}
	g_mutex_unlock(&sandbox->mutex);
	return G_SOURCE_REMOVE;
}

void
tw_sandbox_schedule_customer_reply_locked(TwSandbox *sandbox,
					  const Conversation *conversation,
					  const char *sender_id)
{
	CustomerReply *reply;
	GSource *source;
	const char *other = NULL;

	if (!sandbox->customers_account_id || conversation->is_group ||
	    !g_str_equal(sender_id, sandbox->customers_account_id))
		return;
	for (guint i = 0; i < conversation->member_ids->len; i++) {
		if (!g_str_equal(conversation->member_ids->pdata[i], sender_id))
			other = conversation->member_ids->pdata[i];
	}
	if (!other || !find_customer_locked(sandbox, other))
		return;
	reply = g_new0(CustomerReply, 1);
	reply->sandbox = sandbox;
	reply->customer_id = g_strdup(other);
	source = g_timeout_source_new(
	    (guint)g_rand_int_range(sandbox->rand, 1000, 2001));
	g_source_set_callback(source, customer_reply_due, reply,
			      (GDestroyNotify)customer_reply_free);
	tw_sandbox_track_source_locked(sandbox, source);
}

static void arm_customers_timer_locked(TwSandbox *sandbox);

static gboolean
customers_timer_due(gpointer data)
{
	TwSandbox *sandbox = data;
	GSource *source = g_main_current_source();

	g_mutex_lock(&sandbox->mutex);
	if (!g_source_is_destroyed(source) &&
	    source == sandbox->customers_timer && sandbox->customers->len > 0) {
		Customer *customer = sandbox->customers->pdata[g_rand_int_range(
		    sandbox->rand, 0, (gint32)sandbox->customers->len)];
		const char *const *openers = customer->script->openers;
		guint count = g_strv_length((char **)openers);

		customer_write_locked(sandbox, customer,
				      openers[customer->next_opener++ % count]);
		arm_customers_timer_locked(sandbox);
	}
	g_mutex_unlock(&sandbox->mutex);
	return G_SOURCE_REMOVE;
}

void
tw_sandbox_stop_customers_timer_locked(TwSandbox *sandbox)
{
	if (!sandbox->customers_timer)
		return;
	g_source_destroy(sandbox->customers_timer);
	g_clear_pointer(&sandbox->customers_timer, g_source_unref);
}

/* The next spontaneous message comes after 0.5–1.5 × the interval. */
static void
arm_customers_timer_locked(TwSandbox *sandbox)
{
	guint interval = MAX(sandbox->customers_interval_ms, 2);

	tw_sandbox_stop_customers_timer_locked(sandbox);
	sandbox->customers_timer = g_timeout_source_new(
	    (guint)g_rand_int_range(sandbox->rand, (gint32)(interval / 2),
				    (gint32)(interval + interval / 2 + 1)));
	g_source_set_callback(sandbox->customers_timer, customers_timer_due,
			      sandbox, NULL);
	g_source_attach(sandbox->customers_timer, sandbox->context);
}

gboolean
tw_sandbox_set_customers_mode_locked(TwSandbox *sandbox, const char *account_id,
				     guint interval_ms, GError **error)
{
	if (!tw_sandbox_find_user_locked(sandbox, account_id)) {
		g_set_error(error, SANDBOX_ERROR, SANDBOX_ERROR_INVALID,
			    "unknown account %s",
			    account_id ? account_id : "(null)");
		return FALSE;
	}
	for (guint i = 0; i < G_N_ELEMENTS(customer_scripts); i++) {
		const CustomerScript *script = &customer_scripts[i];
		User *user = tw_sandbox_find_user_by_username_locked(
		    sandbox, script->username);
		Customer *customer;

		if (!user) {
			user = tw_sandbox_add_user_locked(sandbox, NULL,
							  script->username,
							  script->name, NULL);
			g_free(user->description);
			user->description = g_strdup(script->description);
			user->location = g_strdup(script->location);
		}
		if (g_str_equal(user->id, account_id) ||
		    find_customer_locked(sandbox, user->id))
			continue;
		customer = g_new0(Customer, 1);
		customer->user_id = g_strdup(user->id);
		customer->script = script;
		g_ptr_array_add(sandbox->customers, customer);
	}
	g_free(sandbox->customers_account_id);
	sandbox->customers_account_id = g_strdup(account_id);
	sandbox->customers_interval_ms = interval_ms;
	arm_customers_timer_locked(sandbox);
	return TRUE;
}
