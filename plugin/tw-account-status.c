/*
 * tw-account-status: the text of "Show rate-limit status": who is signed
 * on, the last and next check, the budgets left, the last errors and the
 * next tries, the outbox and the token's expiry. Reads the concerns
 * through their headers; owns no state.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "config.h"

#include "tw-account-private.h"

#include <glib/gi18n-lib.h>

#include "tw-outbox.h"
#include "tw-session.h"
#include "tw-sync.h"

/* The budgets the text shows. */
typedef enum {
	BUDGET_READS,
	BUDGET_SENDS,
} Budget;

char *
tw_account_dup_duration_text(gint64 seconds)
{
	if (seconds < 120)
		/* TRANSLATORS: a duration in seconds, abbreviated. */
		return g_strdup_printf(_("%lld s"), (long long)seconds);
	if (seconds < 2 * 3600)
		/* TRANSLATORS: a duration in minutes, abbreviated. */
		return g_strdup_printf(_("%lld min"),
				       (long long)((seconds + 30) / 60));
	/* TRANSLATORS: a duration in hours and minutes, abbreviated. */
	return g_strdup_printf(_("%lld h %lld min"),
			       (long long)(seconds / 3600),
			       (long long)(seconds % 3600 / 60));
}

/* "14:02:11 (in 5 s)" or "14:02:11 (3 s ago)" in local time, with the date
 * when it is another day. */
static char *
format_moment(gint64 when, gint64 now)
{
	g_autoptr(GDateTime) local =
	    g_date_time_new_from_unix_local(when / G_USEC_PER_SEC);
	g_autoptr(GDateTime) today =
	    g_date_time_new_from_unix_local(now / G_USEC_PER_SEC);
	gboolean same_day =
	    g_date_time_get_day_of_year(local) ==
		g_date_time_get_day_of_year(today) &&
	    g_date_time_get_year(local) == g_date_time_get_year(today);
	g_autofree char *clock = g_date_time_format(
	    local, same_day ? "%H:%M:%S" : "%Y-%m-%d %H:%M:%S");
	g_autofree char *distance = NULL;

	if (when >= now) {
		distance = tw_account_dup_duration_text(
		    (when - now + G_USEC_PER_SEC - 1) / G_USEC_PER_SEC);
		/* TRANSLATORS: a time and how long until it: 14:02 (in 5 s) */
		return g_strdup_printf(_("%s (in %s)"), clock, distance);
	}
	distance = tw_account_dup_duration_text((now - when) / G_USEC_PER_SEC);
	/* TRANSLATORS: a time and how long ago it was: 14:02 (3 s ago) */
	return g_strdup_printf(_("%s (%s ago)"), clock, distance);
}

static void
append_limit(GString *text, Budget budget, const TwRateLimit *limit, gint64 now)
{
	g_autofree char *reset = NULL;

	if (!limit->known) {
		g_string_append(text, budget == BUDGET_READS
					  ? _("DM reads left: not known yet")
					  : _("DM sends left: not known yet"));
		g_string_append_c(text, '\n');
		return;
	}
	reset = format_moment(limit->reset * G_USEC_PER_SEC, now);
	if (budget == BUDGET_READS)
		g_string_append_printf(
		    text,
		    /* TRANSLATORS: left, of how many, then when they renew. */
		    _("DM reads left: %lld of %lld, the window resets at %s"),
		    (long long)limit->remaining, (long long)limit->limit,
		    reset);
	else
		g_string_append_printf(
		    text,
		    /* TRANSLATORS: left, of how many, then when they renew. */
		    _("DM sends left: %lld of %lld, the window resets at %s"),
		    (long long)limit->remaining, (long long)limit->limit,
		    reset);
	g_string_append_c(text, '\n');
	if (limit->daily_known) {
		g_autofree char *daily_reset =
		    format_moment(limit->daily_reset * G_USEC_PER_SEC, now);

		if (budget == BUDGET_READS)
			g_string_append_printf(
			    text,
			    /* TRANSLATORS: left, then when they renew. */
			    _("DM reads left in 24 hours: %lld, until %s"),
			    (long long)limit->daily_remaining, daily_reset);
		else
			g_string_append_printf(
			    text,
			    /* TRANSLATORS: left, then when they renew. */
			    _("DM sends left in 24 hours: %lld, until %s"),
			    (long long)limit->daily_remaining, daily_reset);
		g_string_append_c(text, '\n');
	}
}

/* When the last transient error of a family was, while its failures
 * last. */
static void
append_last_error(GString *text, Budget budget, const TwPace *pace, gint64 now)
{
	g_autofree char *when = NULL;

	if (pace->last_error_time == 0)
		return;
	when = format_moment(pace->last_error_time, now);
	if (pace->failures == 0 && budget == BUDGET_READS)
		/* TRANSLATORS: when, then the error's text. */
		g_string_append_printf(text, _("Last error reading: %s: %s"),
				       when, pace->last_error);
	else if (pace->failures == 0)
		/* TRANSLATORS: when, then the error's text. */
		g_string_append_printf(text, _("Last error sending: %s: %s"),
				       when, pace->last_error);
	else if (budget == BUDGET_READS)
		g_string_append_printf(
		    text,
		    g_dngettext(
			GETTEXT_PACKAGE,
			/* TRANSLATORS: when, the error, how many in a row. */
			"Last error reading: %s: %s (%u failure in a row)",
			"Last error reading: %s: %s (%u failures in a row)",
			pace->failures),
		    when, pace->last_error, pace->failures);
	else
		g_string_append_printf(
		    text,
		    g_dngettext(
			GETTEXT_PACKAGE,
			/* TRANSLATORS: when, the error, how many in a row. */
			"Last error sending: %s: %s (%u failure in a row)",
			"Last error sending: %s: %s (%u failures in a row)",
			pace->failures),
		    when, pace->last_error, pace->failures);
	g_string_append_c(text, '\n');
}

char *
tw_account_dup_status_text(TwAccount *account)
{
	GString *text = g_string_new(NULL);
	gint64 now = g_get_real_time();

	if (account->me != NULL && account->signed_on &&
	    account->me->name != NULL)
		/* TRANSLATORS: the X handle, then the display name. */
		g_string_append_printf(text, _("Signed on as @%s (%s)"),
				       account->me->username,
				       account->me->name);
	else if (account->me != NULL && account->signed_on)
		g_string_append_printf(text, _("Signed on as @%s"),
				       account->me->username);
	else if (account->failed)
		g_string_append_printf(text, _("@%s is not signed on"),
				       account->username);
	else
		g_string_append_printf(text, _("Signing on as @%s"),
				       account->username);
	g_string_append_c(text, '\n');

	if (tw_sync_get_last_poll_time(account) > 0) {
		g_autofree char *last =
		    format_moment(tw_sync_get_last_poll_time(account), now);

		/* TRANSLATORS: %s is a time, as in "14:02:11 (3 s ago)". */
		g_string_append_printf(text, _("Last check for messages: %s"),
				       last);
	} else {
		g_string_append(text, _("Last check for messages: none yet"));
	}
	g_string_append_c(text, '\n');
	if (tw_sync_is_polling(account)) {
		g_string_append(text, _("Next check: in progress now"));
	} else if (tw_sync_get_next_poll_time(account) != 0) {
		g_autofree char *next = format_moment(
		    MAX(tw_sync_get_next_poll_time(account), now), now);

		/* TRANSLATORS: %s is a time, as in "14:02:11 (in 5 s)". */
		g_string_append_printf(text, _("Next check: %s"), next);
	} else {
		g_string_append(text, _("Next check: not scheduled"));
	}
	g_string_append_c(text, '\n');

	append_limit(text, BUDGET_READS, &account->read_pace.limit, now);
	append_last_error(text, BUDGET_READS, &account->read_pace, now);
	append_limit(text, BUDGET_SENDS, &account->send_pace.limit, now);
	append_last_error(text, BUDGET_SENDS, &account->send_pace, now);
	if (tw_outbox_get_next_send_time(account) != 0) {
		g_autofree char *next = format_moment(
		    MAX(tw_outbox_get_next_send_time(account), now), now);

		/* TRANSLATORS: %s is a time, as in "14:02:11 (in 5 s)". */
		g_string_append_printf(text, _("Next send try: %s"), next);
		g_string_append_c(text, '\n');
	}
	g_string_append_printf(text, _("Messages waiting to be sent: %u"),
			       account->state != NULL
				   ? tw_state_outbox_get_length(account->state)
				   : 0);
	g_string_append_c(text, '\n');
	if (tw_session_get_access_token_expiry(account) > 0) {
		g_autofree char *expiry = format_moment(
		    tw_session_get_access_token_expiry(account), now);

		/* TRANSLATORS: %s is a time, as in "14:02:11 (in 5 s)". */
		g_string_append_printf(text, _("Access token valid until %s"),
				       expiry);
	} else {
		g_string_append(text, _("Access token expiry: none known"));
	}
	return g_string_free(text, FALSE);
}
