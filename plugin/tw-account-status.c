/*
 * tw-account-status: the text of "Show rate-limit status": who is signed
 * on, the last and next check, the budgets left, the last errors and the
 * next tries, the outbox and the token's expiry. Reads the concerns
 * through their headers; owns no state.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "tw-account-private.h"

#include "tw-outbox.h"
#include "tw-session.h"
#include "tw-sync.h"

/* "45 s", "12 min", "3 h 5 min". */
static char *
format_duration(gint64 seconds)
{
	if (seconds < 120)
		return g_strdup_printf("%" G_GINT64_FORMAT " s", seconds);
	if (seconds < 2 * 3600)
		return g_strdup_printf("%" G_GINT64_FORMAT " min",
				       (seconds + 30) / 60);
	return g_strdup_printf("%" G_GINT64_FORMAT " h %" G_GINT64_FORMAT
			       " min",
			       seconds / 3600, seconds % 3600 / 60);
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
		distance = format_duration((when - now + G_USEC_PER_SEC - 1) /
					   G_USEC_PER_SEC);
		return g_strdup_printf("%s (in %s)", clock, distance);
	}
	distance = format_duration((now - when) / G_USEC_PER_SEC);
	return g_strdup_printf("%s (%s ago)", clock, distance);
}

static void
append_limit(GString *text, const char *label, const TwRateLimit *limit,
	     gint64 now)
{
	g_autofree char *reset = NULL;

	if (!limit->known) {
		g_string_append_printf(text, "%s: not known yet\n", label);
		return;
	}
	reset = format_moment(limit->reset * G_USEC_PER_SEC, now);
	g_string_append_printf(text,
			       "%s: %" G_GINT64_FORMAT " of %" G_GINT64_FORMAT
			       ", the window resets at %s\n",
			       label, limit->remaining, limit->limit, reset);
	if (limit->daily_known) {
		g_autofree char *daily_reset =
		    format_moment(limit->daily_reset * G_USEC_PER_SEC, now);

		g_string_append_printf(
		    text, "%s in 24 hours: %" G_GINT64_FORMAT ", until %s\n",
		    label, limit->daily_remaining, daily_reset);
	}
}

/* When the last transient error of a family was, while its failures
 * last. */
static void
append_last_error(GString *text, const char *doing, const TwPace *pace,
		  gint64 now)
{
	g_autofree char *when = NULL;

	if (pace->last_error_time == 0)
		return;
	when = format_moment(pace->last_error_time, now);
	g_string_append_printf(text, "Last error %s: %s: %s", doing, when,
			       pace->last_error);
	if (pace->failures > 0)
		g_string_append_printf(text, " (%u in a row)", pace->failures);
	g_string_append_c(text, '\n');
}

char *
tw_account_dup_status_text(TwAccount *account)
{
	GString *text = g_string_new(NULL);
	gint64 now = g_get_real_time();

	if (account->me != NULL && account->signed_on) {
		g_string_append_printf(text, "Signed on as @%s",
				       account->me->username);
		if (account->me->name != NULL)
			g_string_append_printf(text, " (%s)",
					       account->me->name);
		g_string_append_c(text, '\n');
	} else if (account->failed) {
		g_string_append_printf(text, "@%s is not signed on\n",
				       account->username);
	} else {
		g_string_append_printf(text, "Signing on as @%s\n",
				       account->username);
	}

	if (tw_sync_get_last_poll_time(account) > 0) {
		g_autofree char *last =
		    format_moment(tw_sync_get_last_poll_time(account), now);

		g_string_append_printf(text, "Last check for messages: %s\n",
				       last);
	} else {
		g_string_append(text, "Last check for messages: none yet\n");
	}
	if (tw_sync_is_polling(account)) {
		g_string_append(text, "Next check: in progress now\n");
	} else if (tw_sync_get_next_poll_time(account) != 0) {
		g_autofree char *next = format_moment(
		    MAX(tw_sync_get_next_poll_time(account), now), now);

		g_string_append_printf(text, "Next check: %s\n", next);
	} else {
		g_string_append(text, "Next check: not scheduled\n");
	}

	append_limit(text, "DM reads left", &account->read_pace.limit, now);
	append_last_error(text, "reading", &account->read_pace, now);
	append_limit(text, "DM sends left", &account->send_pace.limit, now);
	append_last_error(text, "sending", &account->send_pace, now);
	if (tw_outbox_get_next_send_time(account) != 0) {
		g_autofree char *next = format_moment(
		    MAX(tw_outbox_get_next_send_time(account), now), now);

		g_string_append_printf(text, "Next send try: %s\n", next);
	}
	g_string_append_printf(text, "Messages waiting to be sent: %u\n",
			       account->state != NULL
				   ? tw_state_outbox_get_length(account->state)
				   : 0);
	if (tw_session_get_access_token_expiry(account) > 0) {
		g_autofree char *expiry = format_moment(
		    tw_session_get_access_token_expiry(account), now);

		g_string_append_printf(text, "Access token valid until %s",
				       expiry);
	} else {
		g_string_append(text, "Access token expiry: none known");
	}
	return g_string_free(text, FALSE);
}
