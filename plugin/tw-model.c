/*
 * tw-model: constructors, destructors and small predicates of the plain
 * data types.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "config.h"

#include <string.h>

#include "tw-model.h"

/* Longest decimal id the API hands out (a 64-bit snowflake). */
#define TW_ID_MAX_DIGITS 19

/* A memset the compiler cannot drop as a dead store before free(). */
static void *(*const volatile tw_memset)(void *, int, size_t) = memset;

static void
tw_wipe_string_free(char *secret)
{
	if (secret == NULL)
		return;
	tw_memset(secret, 0, strlen(secret));
	g_free(secret);
}

/* Skips leading zeros but keeps one digit, so "0" and "000" stay "0". */
static const char *
tw_id_significant_digits(const char *id)
{
	while (id[0] == '0' && id[1] != '\0')
		id++;
	return id;
}

int
tw_id_compare(const char *a, const char *b)
{
	/* NULL sorts before every id, so a missing id never looks newest. */
	if (a == NULL || b == NULL)
		return (a != NULL) - (b != NULL);

	a = tw_id_significant_digits(a);
	b = tw_id_significant_digits(b);

	size_t length_a = strlen(a);
	size_t length_b = strlen(b);
	if (length_a != length_b)
		return length_a < length_b ? -1 : 1;

	int order = strcmp(a, b);
	return (order > 0) - (order < 0);
}

gboolean
tw_id_is_valid(const char *id)
{
	if (id == NULL || id[0] == '\0')
		return FALSE;

	size_t length = 0;
	for (const char *p = id; *p != '\0'; p++) {
		if (!g_ascii_isdigit(*p) || ++length > TW_ID_MAX_DIGITS)
			return FALSE;
	}
	return TRUE;
}

TwUser *
tw_user_new(void)
{
	TwUser *user = g_new0(TwUser, 1);

	user->receives_your_dm = -1;
	user->followers_count = -1;
	user->following_count = -1;
	return user;
}

void
tw_user_free(TwUser *user)
{
	if (user == NULL)
		return;

	g_free(user->id);
	g_free(user->username);
	g_free(user->name);
	g_free(user->profile_image_url);
	g_free(user->description);
	g_free(user->location);
	g_free(user->url);
	g_clear_pointer(&user->connection_status, g_ptr_array_unref);
	g_free(user);
}

TwUser *
tw_user_copy(const TwUser *user)
{
	if (user == NULL)
		return NULL;

	TwUser *copy = g_new0(TwUser, 1);

	copy->id = g_strdup(user->id);
	copy->username = g_strdup(user->username);
	copy->name = g_strdup(user->name);
	copy->profile_image_url = g_strdup(user->profile_image_url);
	copy->description = g_strdup(user->description);
	copy->location = g_strdup(user->location);
	copy->url = g_strdup(user->url);
	copy->verified = user->verified;
	copy->protected_account = user->protected_account;
	copy->receives_your_dm = user->receives_your_dm;
	copy->followers_count = user->followers_count;
	copy->following_count = user->following_count;
	if (user->connection_status != NULL) {
		copy->connection_status =
		    g_ptr_array_new_with_free_func(g_free);
		for (guint i = 0; i < user->connection_status->len; i++)
			g_ptr_array_add(
			    copy->connection_status,
			    g_strdup(user->connection_status->pdata[i]));
	}
	return copy;
}

void
tw_url_entity_free(TwUrlEntity *entity)
{
	if (entity == NULL)
		return;

	g_free(entity->url);
	g_free(entity->expanded_url);
	g_free(entity->display_url);
	g_free(entity);
}

TwDmEvent *
tw_dm_event_new(void)
{
	TwDmEvent *event = g_new0(TwDmEvent, 1);

	event->type = TW_DM_EVENT_UNKNOWN;
	event->participant_ids = g_ptr_array_new_with_free_func(g_free);
	event->urls =
	    g_ptr_array_new_with_free_func((GDestroyNotify)tw_url_entity_free);
	event->media_keys = g_ptr_array_new_with_free_func(g_free);
	event->media =
	    g_ptr_array_new_with_free_func((GDestroyNotify)tw_media_free);
	return event;
}

void
tw_dm_event_free(TwDmEvent *event)
{
	if (event == NULL)
		return;

	g_free(event->id);
	g_free(event->text);
	g_free(event->sender_id);
	g_free(event->conversation_id);
	g_clear_pointer(&event->participant_ids, g_ptr_array_unref);
	g_clear_pointer(&event->urls, g_ptr_array_unref);
	g_clear_pointer(&event->media_keys, g_ptr_array_unref);
	g_clear_pointer(&event->media, g_ptr_array_unref);
	g_free(event);
}

static GPtrArray *
copy_strings(const GPtrArray *strings)
{
	GPtrArray *copy = g_ptr_array_new_with_free_func(g_free);

	for (guint i = 0; i < strings->len; i++)
		g_ptr_array_add(copy, g_strdup(strings->pdata[i]));
	return copy;
}

TwDmEvent *
tw_dm_event_copy(const TwDmEvent *event)
{
	TwDmEvent *copy = tw_dm_event_new();

	copy->id = g_strdup(event->id);
	copy->type = event->type;
	copy->text = g_strdup(event->text);
	copy->sender_id = g_strdup(event->sender_id);
	copy->conversation_id = g_strdup(event->conversation_id);
	copy->created_at = event->created_at;
	g_ptr_array_unref(copy->participant_ids);
	copy->participant_ids = copy_strings(event->participant_ids);
	g_ptr_array_unref(copy->media_keys);
	copy->media_keys = copy_strings(event->media_keys);
	for (guint i = 0; i < event->media->len; i++)
		g_ptr_array_add(copy->media,
				tw_media_copy(event->media->pdata[i]));
	for (guint i = 0; i < event->urls->len; i++) {
		const TwUrlEntity *entity = event->urls->pdata[i];
		TwUrlEntity *entity_copy = g_new0(TwUrlEntity, 1);

		entity_copy->start = entity->start;
		entity_copy->end = entity->end;
		entity_copy->url = g_strdup(entity->url);
		entity_copy->expanded_url = g_strdup(entity->expanded_url);
		entity_copy->display_url = g_strdup(entity->display_url);
		g_ptr_array_add(copy->urls, entity_copy);
	}
	return copy;
}

gboolean
tw_dm_event_is_group(const TwDmEvent *event)
{
	g_return_val_if_fail(event != NULL, FALSE);

	return event->conversation_id != NULL &&
	       event->conversation_id[0] != '\0' &&
	       strchr(event->conversation_id, '-') == NULL;
}

gint64
tw_dm_event_get_time(const TwDmEvent *event)
{
	return event->created_at > 0 ? event->created_at : g_get_real_time();
}

int
tw_dm_event_compare_oldest_first(gconstpointer a, gconstpointer b)
{
	const TwDmEvent *left = *(TwDmEvent *const *)a;
	const TwDmEvent *right = *(TwDmEvent *const *)b;

	if (tw_dm_event_get_time(left) != tw_dm_event_get_time(right))
		return tw_dm_event_get_time(left) < tw_dm_event_get_time(right)
			   ? -1
			   : 1;
	return tw_id_compare(left->id, right->id);
}

static const char *const media_type_names[] = {
    [TW_MEDIA_UNKNOWN] = "unknown",
    [TW_MEDIA_PHOTO] = "photo",
    [TW_MEDIA_VIDEO] = "video",
    [TW_MEDIA_ANIMATED_GIF] = "animated_gif",
};

TwMediaType
tw_media_type_from_name(const char *name)
{
	for (guint type = TW_MEDIA_PHOTO; type < G_N_ELEMENTS(media_type_names);
	     type++) {
		if (g_strcmp0(name, media_type_names[type]) == 0)
			return type;
	}
	return TW_MEDIA_UNKNOWN;
}

const char *
tw_media_type_get_name(TwMediaType type)
{
	return (guint)type < G_N_ELEMENTS(media_type_names)
		   ? media_type_names[type]
		   : media_type_names[TW_MEDIA_UNKNOWN];
}

TwMedia *
tw_media_new(void)
{
	return g_new0(TwMedia, 1);
}

void
tw_media_free(TwMedia *media)
{
	if (media == NULL)
		return;
	g_free(media->media_key);
	g_free(media->url);
	g_free(media->preview_image_url);
	g_free(media->video_url);
	g_free(media->alt_text);
	g_free(media);
}

TwMedia *
tw_media_copy(const TwMedia *media)
{
	TwMedia *copy = g_memdup2(media, sizeof(*media));

	copy->media_key = g_strdup(media->media_key);
	copy->url = g_strdup(media->url);
	copy->preview_image_url = g_strdup(media->preview_image_url);
	copy->video_url = g_strdup(media->video_url);
	copy->alt_text = g_strdup(media->alt_text);
	return copy;
}

TwDmPage *
tw_dm_page_new(void)
{
	TwDmPage *page = g_new0(TwDmPage, 1);

	page->events =
	    g_ptr_array_new_with_free_func((GDestroyNotify)tw_dm_event_free);
	page->users = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
					    (GDestroyNotify)tw_user_free);
	page->media = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
					    (GDestroyNotify)tw_media_free);
	return page;
}

void
tw_dm_page_free(TwDmPage *page)
{
	if (page == NULL)
		return;

	g_clear_pointer(&page->events, g_ptr_array_unref);
	g_clear_pointer(&page->users, g_hash_table_unref);
	g_clear_pointer(&page->media, g_hash_table_unref);
	g_free(page->next_token);
	g_free(page);
}

void
tw_token_free(TwToken *token)
{
	if (token == NULL)
		return;

	tw_wipe_string_free(token->access_token);
	tw_wipe_string_free(token->refresh_token);
	g_free(token->scope);
	g_free(token);
}

void
tw_problem_free(TwProblem *problem)
{
	if (problem == NULL)
		return;

	g_free(problem->type);
	g_free(problem->title);
	g_free(problem->detail);
	g_free(problem);
}

gboolean
tw_problem_has_type(const TwProblem *problem, const char *name)
{
	static const char problems_path[] = "/2/problems/";

	g_return_val_if_fail(problem != NULL, FALSE);
	g_return_val_if_fail(name != NULL, FALSE);

	if (problem->type == NULL)
		return FALSE;

	/* X serves the same problems from api.twitter.com and api.x.com. */
	const char *path = strstr(problem->type, problems_path);
	if (path != NULL)
		return g_strcmp0(path + strlen(problems_path), name) == 0;

	/* OAuth error codes and "about:blank" are compared whole. */
	return g_strcmp0(problem->type, name) == 0;
}

static gboolean
tw_string_is_empty(const char *text)
{
	return text == NULL || text[0] == '\0';
}

TwProblem *
tw_problem_new(guint status, const char *type, const char *title,
	       const char *detail)
{
	TwProblem *problem = g_new0(TwProblem, 1);

	problem->status = status;
	problem->type = g_strdup(type);
	problem->title = g_strdup(title);

	/* An empty detail tells the user as little as a missing one. */
	if (!tw_string_is_empty(detail))
		problem->detail = g_strdup(detail);
	else if (!tw_string_is_empty(title))
		problem->detail = g_strdup(title);
	else if (!tw_string_is_empty(type))
		problem->detail = g_strdup(type);
	else
		problem->detail = g_strdup_printf("HTTP %u", status);
	return problem;
}

void
tw_send_result_free(TwSendResult *result)
{
	if (result == NULL)
		return;

	g_free(result->conversation_id);
	g_free(result->event_id);
	g_free(result);
}

void
tw_upload_result_free(TwUploadResult *result)
{
	if (result == NULL)
		return;

	g_free(result->media_id);
	g_free(result->processing_state);
	g_free(result->processing_error);
	g_free(result);
}
