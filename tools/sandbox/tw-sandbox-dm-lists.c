/*
 * tw-sandbox-dm-lists: the three DM event lists and event lookup.
 *
 * GET /2/dm_events, /2/dm_conversations/with/:id/dm_events,
 * /2/dm_conversations/:id/dm_events and /2/dm_events/:id: visibility,
 * 30-day history, paging and billing per event read.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "config.h"

#include "tw-sandbox-private.h"

#define DEFAULT_MAX_RESULTS 100
#define MAX_MAX_RESULTS     100
#define HISTORY_SECONDS     (30 * 24 * 3600)

/* ------------------------------------------------------------------------ */
/* DM events                                                                 */

static const char *const event_list_parameters[] = {
    "dm_event.fields", "event_types",
    "expansions",      "max_results",
    "media.fields",    "pagination_token",
    "tweet.fields",    "post.fields",
    "user.fields",     NULL,
};

static const char *const event_lookup_parameters[] = {
    "dm_event.fields", "expansions",  "media.fields", "tweet.fields",
    "post.fields",     "user.fields", NULL,
};

typedef struct {
	guint event_fields;
	guint expansions;
	guint user_fields;
	guint event_types;
	guint media_fields;
	guint max_results;
	gboolean has_cursor;
	guint64 cursor;
	PageDirection direction;
} EventQuery;

static void
parse_event_fields(Request *request, EventQuery *event_query, GPtrArray *errors)
{
	event_query->event_fields = tw_sandbox_parse_list_parameter(
	    request->query, "dm_event.fields", tw_sandbox_event_field_names,
	    errors);
	event_query->expansions = tw_sandbox_parse_list_parameter(
	    request->query, "expansions", tw_sandbox_event_expansion_names,
	    errors);
	event_query->user_fields = tw_sandbox_parse_list_parameter(
	    request->query, "user.fields", tw_sandbox_user_field_names, errors);
	event_query->media_fields = tw_sandbox_parse_list_parameter(
	    request->query, "media.fields", tw_sandbox_media_field_names,
	    errors);
	tw_sandbox_check_not_empty(request->query, "tweet.fields", errors);
	tw_sandbox_check_not_empty(request->query, "post.fields", errors);
}

static void
parse_event_list_query(Request *request, EventQuery *event_query,
		       GPtrArray *errors)
{
	const char *max_results =
	    tw_sandbox_query_get(request->query, "max_results");
	const char *token =
	    tw_sandbox_query_get(request->query, "pagination_token");

	tw_sandbox_check_known_parameters(request->query, event_list_parameters,
					  errors);
	parse_event_fields(request, event_query, errors);
	event_query->event_types = tw_sandbox_parse_list_parameter(
	    request->query, "event_types", tw_sandbox_event_type_names, errors);
	event_query->max_results = DEFAULT_MAX_RESULTS;
	if (max_results) {
		guint64 value = 0;

		if (!tw_sandbox_is_digits(max_results, 1, 3) ||
		    !g_ascii_string_to_unsigned(max_results, 10, 1,
						MAX_MAX_RESULTS, &value, NULL))
			tw_sandbox_add_parameter_error(
			    errors, "max_results", max_results,
			    "The `max_results` query parameter "
			    "value [%s] is not between 1 and "
			    "%d",
			    max_results, MAX_MAX_RESULTS);
		else
			event_query->max_results = (guint)value;
	}
	if (token) {
		if (tw_sandbox_decode_page_token(token, &event_query->cursor,
						 &event_query->direction))
			event_query->has_cursor = TRUE;
		else
			tw_sandbox_add_parameter_error(
			    errors, "pagination_token", token,
			    "The `pagination_token` query "
			    "parameter value [%s] is not "
			    "valid",
			    token);
	}
}

static gboolean
event_visible_to_locked(TwSandbox *sandbox, const Event *event,
			const char *user_id)
{
	const Conversation *conversation = tw_sandbox_find_conversation_locked(
	    sandbox, event->conversation_id);

	return conversation &&
	       tw_sandbox_conversation_has_member(conversation, user_id);
}

/* Billing as X counts it: every returned event, except that the same user
 * re-reading the same event on the same UTC day is free. */
static void
bill_events_locked(TwSandbox *sandbox, const char *user_id,
		   const GPtrArray *events)
{
	gint64 day = tw_sandbox_utc_day(g_get_real_time());

	for (guint i = 0; i < events->len; i++) {
		const Event *event = events->pdata[i];
		char *key = g_strdup_printf("%s/%s/%" G_GINT64_FORMAT, user_id,
					    event->id, day);

		sandbox->counters.events_returned++;
		if (g_hash_table_add(sandbox->billed, key))
			sandbox->counters.billed_reads++;
	}
}

typedef struct {
	const char *conversation_id; /* NULL: every conversation */
	gboolean recent_only;        /* /2/dm_events: 30 days, eventual */
} EventScope;

static gboolean
event_in_scope_locked(Request *request, const EventScope *scope,
		      const EventQuery *event_query, const Event *event,
		      gint64 now, gint64 now_monotonic)
{
	if (scope->conversation_id &&
	    !g_str_equal(scope->conversation_id, event->conversation_id))
		return FALSE;
	if (event_query->event_types &&
	    !(event_query->event_types & (1u << event->type)))
		return FALSE;
	if (scope->recent_only &&
	    (event->created_at <
		 now - (gint64)HISTORY_SECONDS * G_USEC_PER_SEC ||
	     event->visible_after > now_monotonic))
		return FALSE;
	return event_visible_to_locked(request->sandbox, event,
				       request->user_id);
}

/* Newest first; next_token goes to older events, previous_token to newer.
 * Like the real API, a non-empty page always carries a next_token, so the
 * end shows as an empty page. */
static void
list_events_locked(Request *request, const EventScope *scope)
{
	TwSandbox *sandbox = request->sandbox;
	g_autoptr(GPtrArray) errors = tw_sandbox_request_errors_new();
	g_autoptr(GPtrArray) page = g_ptr_array_new();
	g_autoptr(JsonBuilder) builder = NULL;
	EventQuery event_query = {0};
	gint64 now = g_get_real_time();
	gint64 now_monotonic = g_get_monotonic_time();
	GPtrArray *events = sandbox->events;

	parse_event_list_query(request, &event_query, errors);
	if (errors->len > 0) {
		tw_sandbox_respond_invalid_request(sandbox, request->msg,
						   errors);
		return;
	}

	if (event_query.has_cursor && event_query.direction == PAGE_NEWER) {
		for (guint i = 0;
		     i < events->len && page->len < event_query.max_results;
		     i++) {
			Event *event = events->pdata[i];

			if (event->number > event_query.cursor &&
			    event_in_scope_locked(request, scope, &event_query,
						  event, now, now_monotonic))
				g_ptr_array_insert(page, 0, event);
		}
	} else {
		for (guint i = events->len;
		     i > 0 && page->len < event_query.max_results; i--) {
			Event *event = events->pdata[i - 1];

			if (event_query.has_cursor &&
			    event->number >= event_query.cursor)
				continue;
			if (event_in_scope_locked(request, scope, &event_query,
						  event, now, now_monotonic))
				g_ptr_array_add(page, event);
		}
	}
	bill_events_locked(sandbox, request->user_id, page);

	builder = json_builder_new();
	json_builder_begin_object(builder);
	if (page->len > 0) {
		json_builder_set_member_name(builder, "data");
		json_builder_begin_array(builder);
		for (guint i = 0; i < page->len; i++)
			tw_sandbox_add_event_object(builder, page->pdata[i],
						    event_query.event_fields);
		json_builder_end_array(builder);
		tw_sandbox_add_includes_locked(
		    sandbox, builder, page, event_query.expansions,
		    event_query.user_fields, event_query.media_fields);
	}
	json_builder_set_member_name(builder, "meta");
	json_builder_begin_object(builder);
	tw_sandbox_add_int_member(builder, "result_count", page->len);
	if (page->len > 0) {
		const Event *newest = page->pdata[0];
		const Event *oldest = page->pdata[page->len - 1];
		g_autofree char *next =
		    tw_sandbox_encode_page_token(oldest->number, PAGE_OLDER);
		g_autofree char *previous =
		    tw_sandbox_encode_page_token(newest->number, PAGE_NEWER);

		tw_sandbox_add_string_member(builder, "next_token", next);
		tw_sandbox_add_string_member(builder, "previous_token",
					     previous);
	}
	json_builder_end_object(builder);
	json_builder_end_object(builder);
	tw_sandbox_respond_builder(request->msg, SOUP_STATUS_OK,
				   JSON_CONTENT_TYPE, builder);
}

void
tw_sandbox_handle_dm_events(Request *request, char **captured)
{
	EventScope scope = {.conversation_id = NULL, .recent_only = TRUE};

	list_events_locked(request, &scope);
}

void
tw_sandbox_handle_conversation_with_events(Request *request, char **captured)
{
	g_autoptr(GPtrArray) errors = tw_sandbox_request_errors_new();
	g_autofree char *conversation_id = NULL;
	EventScope scope = {0};

	if (!tw_sandbox_is_user_id(captured[0])) {
		tw_sandbox_add_parameter_error(
		    errors, "participant_id", captured[0],
		    "The `participant_id` query parameter "
		    "value [%s] does not match %s",
		    captured[0], ID_PATTERN);
		tw_sandbox_respond_invalid_request(request->sandbox,
						   request->msg, errors);
		return;
	}
	conversation_id = tw_sandbox_one_to_one_conversation_id(
	    request->user_id, captured[0]);
	scope.conversation_id = conversation_id;
	list_events_locked(request, &scope);
}

void
tw_sandbox_handle_conversation_events(Request *request, char **captured)
{
	g_autoptr(GPtrArray) errors = tw_sandbox_request_errors_new();
	EventScope scope = {.conversation_id = captured[0]};

	if (!tw_sandbox_is_conversation_id(captured[0])) {
		tw_sandbox_add_parameter_error(
		    errors, "id", captured[0],
		    "The `id` query parameter value [%s] does "
		    "not match %s",
		    captured[0], CONVERSATION_ID_PATTERN);
		tw_sandbox_respond_invalid_request(request->sandbox,
						   request->msg, errors);
		return;
	}
	list_events_locked(request, &scope);
}

void
tw_sandbox_handle_dm_event(Request *request, char **captured)
{
	TwSandbox *sandbox = request->sandbox;
	g_autoptr(GPtrArray) errors = tw_sandbox_request_errors_new();
	g_autoptr(JsonBuilder) builder = NULL;
	g_autoptr(GPtrArray) page = g_ptr_array_new();
	EventQuery event_query = {0};
	Event *event;

	if (!tw_sandbox_is_user_id(captured[0]))
		tw_sandbox_add_parameter_error(
		    errors, "event_id", captured[0],
		    "The `event_id` query parameter value [%s] "
		    "does not match %s",
		    captured[0], ID_PATTERN);
	tw_sandbox_check_known_parameters(request->query,
					  event_lookup_parameters, errors);
	parse_event_fields(request, &event_query, errors);
	if (errors->len > 0) {
		tw_sandbox_respond_invalid_request(sandbox, request->msg,
						   errors);
		return;
	}
	event = g_hash_table_lookup(sandbox->events_by_id, captured[0]);
	if (event && event_visible_to_locked(sandbox, event, request->user_id))
		g_ptr_array_add(page, event);
	bill_events_locked(sandbox, request->user_id, page);

	builder = json_builder_new();
	json_builder_begin_object(builder);
	if (page->len > 0) {
		json_builder_set_member_name(builder, "data");
		tw_sandbox_add_event_object(builder, event,
					    event_query.event_fields);
		tw_sandbox_add_includes_locked(
		    sandbox, builder, page, event_query.expansions,
		    event_query.user_fields, event_query.media_fields);
	} else {
		json_builder_set_member_name(builder, "errors");
		json_builder_begin_array(builder);
		tw_sandbox_add_not_found_error(sandbox, builder, "dm_event",
					       "event_id", captured[0]);
		json_builder_end_array(builder);
	}
	json_builder_end_object(builder);
	tw_sandbox_respond_builder(request->msg, SOUP_STATUS_OK,
				   JSON_CONTENT_TYPE, builder);
}
