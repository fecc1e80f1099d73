/*
 * tw-rotation: the one refresh in flight per account. See tw-rotation.h.
 *
 * A rotation owns its HTTP and API clients, so nothing an account does
 * (cancelling its requests, freeing itself) can cut it off. Rotations are
 * kept in a table keyed by the account's token file; the table is the
 * process's, as a token file is.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "config.h"

#include "tw-rotation.h"

#include <glib/gi18n-lib.h>

#include "tw-api.h"
#include "tw-auth.h"
#include "tw-http.h"
#include "tw-loop.h"
#include "tw-state.h"

typedef struct {
	guint64 id;
	TwRotationFunc func;
	gpointer user_data;
} TwRotationWaiter;

typedef struct {
	char *key;
	char *state_directory;
	char *username;
	char *refresh_token;
	TwHttp *http;
	TwApi *api;
	GPtrArray *waiters; /* TwRotationWaiter */
	guint free_timer;
} TwRotation;

/* token file path -> TwRotation in flight */
static GHashTable *rotations;
/* waiter id -> TwRotation */
static GHashTable *waiter_rotations;
static guint64 last_waiter_id;

static char *
dup_key(const char *state_directory, const char *username)
{
	return g_build_filename(state_directory, username, NULL);
}

static void
rotation_free(TwRotation *rotation)
{
	tw_clear_timeout(&rotation->free_timer);
	g_clear_pointer(&rotation->api, tw_api_free);
	g_clear_pointer(&rotation->http, tw_http_free);
	g_ptr_array_unref(rotation->waiters);
	tw_auth_wipe_string(rotation->refresh_token);
	g_free(rotation->key);
	g_free(rotation->state_directory);
	g_free(rotation->username);
	g_free(rotation);
}

static gboolean
rotation_free_cb(gpointer data)
{
	TwRotation *rotation = data;

	rotation->free_timer = 0;
	rotation_free(rotation);
	return G_SOURCE_REMOVE;
}

/* Whether X may have rotated the token although no answer was read. */
static gboolean
is_ambiguous(const GError *error)
{
	if (error->domain == TW_HTTP_ERROR)
		return error->code == TW_HTTP_ERROR_NETWORK ||
		       error->code == TW_HTTP_ERROR_TIMEOUT ||
		       error->code == TW_HTTP_ERROR_TOO_LARGE;
	return g_error_matches(error, TW_API_ERROR, TW_API_ERROR_BAD_RESPONSE);
}

/* Nobody waits: the new token goes to the file all the same. */
static void
store_unclaimed(TwRotation *rotation, const TwToken *token)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(TwState) state = NULL;

	if (token == NULL || token->refresh_token == NULL)
		return;
	state = tw_state_open(rotation->state_directory, rotation->username,
			      &error);
	if (state == NULL ||
	    !tw_state_store_refresh_token(state, token->refresh_token,
					  rotation->refresh_token, &error)) {
		g_message("%s: the rotated refresh token could not be stored: "
			  "%s",
			  rotation->username, error->message);
		return;
	}
	g_debug("%s: stored the refresh token of a detached rotation",
		rotation->username);
}

static void
rotation_done(TwApiReply *reply, gpointer data)
{
	TwRotation *rotation = data;
	g_autoptr(GPtrArray) waiters = g_steal_pointer(&rotation->waiters);
	TwRotationResult result = {0};

	rotation->waiters = g_ptr_array_new_with_free_func(g_free);
	g_hash_table_remove(rotations, rotation->key);
	result.refresh_token = rotation->refresh_token;
	result.token = reply->token;
	result.error = reply->error;
	result.ambiguous = reply->error != NULL && is_ambiguous(reply->error);
	if (waiters->len == 0)
		store_unclaimed(rotation, reply->token);
	for (guint i = 0; i < waiters->len; i++) {
		TwRotationWaiter *waiter = waiters->pdata[i];

		g_hash_table_remove(waiter_rotations, &waiter->id);
	}
	for (guint i = 0; i < waiters->len; i++) {
		TwRotationWaiter *waiter = waiters->pdata[i];

		waiter->func(&result, waiter->user_data);
	}
	/* Not from inside the API's own callback. */
	rotation->free_timer = tw_timeout_add(0, rotation_free_cb, rotation);
}

/* An API base the HTTP layer refuses: reported like any failure. */
static gboolean
rotation_refused_cb(gpointer data)
{
	TwRotation *rotation = data;
	TwApiReply reply = {0};

	rotation->free_timer = 0;
	reply.error =
	    g_error_new_literal(TW_HTTP_ERROR, TW_HTTP_ERROR_INSECURE_URL,
				_("The API base URL is refused"));
	rotation_done(&reply, rotation);
	g_error_free(reply.error);
	return G_SOURCE_REMOVE;
}

static TwRotation *
rotation_new(const TwRotationConfig *config, const char *refresh_token,
	     char *key)
{
	TwRotation *rotation = g_new0(TwRotation, 1);
	g_autoptr(GError) error = NULL;

	rotation->key = key;
	rotation->state_directory = g_strdup(config->state_directory);
	rotation->username = g_strdup(config->username);
	rotation->refresh_token = g_strdup(refresh_token);
	rotation->waiters = g_ptr_array_new_with_free_func(g_free);
	rotation->http = tw_http_new();
	tw_http_set_debug_name(rotation->http, config->username);
	tw_http_set_proxy(rotation->http, config->proxy_url,
			  config->proxy_username, config->proxy_password);
	tw_http_set_ca_file(rotation->http, config->ca_file);
	/* The account checked the base already; a refusal here is
	 * reported by rotation_refused_cb(). */
	rotation->api = tw_api_new(rotation->http, config->api_base, &error);
	return rotation;
}

static void
ensure_tables(void)
{
	if (rotations != NULL)
		return;
	rotations = g_hash_table_new(g_str_hash, g_str_equal);
	waiter_rotations = g_hash_table_new(g_int64_hash, g_int64_equal);
}

guint64
tw_rotation_start(const TwRotationConfig *config, const char *refresh_token,
		  TwRotationFunc func, gpointer user_data)
{
	char *key = dup_key(config->state_directory, config->username);
	TwRotation *rotation;
	TwRotationWaiter *waiter = g_new0(TwRotationWaiter, 1);

	ensure_tables();
	rotation = g_hash_table_lookup(rotations, key);
	if (rotation != NULL) {
		g_debug("%s: waiting for the refresh already in flight",
			config->username);
		g_free(key);
	} else {
		rotation = rotation_new(config, refresh_token, key);
		g_hash_table_insert(rotations, rotation->key, rotation);
		if (rotation->api != NULL)
			tw_api_refresh_token(rotation->api, config->client_id,
					     config->client_secret,
					     refresh_token, rotation_done,
					     rotation, NULL);
		else
			rotation->free_timer =
			    tw_timeout_add(0, rotation_refused_cb, rotation);
	}
	waiter->id = ++last_waiter_id;
	waiter->func = func;
	waiter->user_data = user_data;
	g_ptr_array_add(rotation->waiters, waiter);
	g_hash_table_insert(waiter_rotations, &waiter->id, rotation);
	return waiter->id;
}

void
tw_rotation_detach(guint64 waiter_id)
{
	TwRotation *rotation;

	if (waiter_id == 0 || waiter_rotations == NULL)
		return;
	rotation = g_hash_table_lookup(waiter_rotations, &waiter_id);
	if (rotation == NULL)
		return;
	for (guint i = 0; i < rotation->waiters->len; i++) {
		TwRotationWaiter *waiter = rotation->waiters->pdata[i];

		if (waiter->id == waiter_id) {
			g_hash_table_remove(waiter_rotations, &waiter->id);
			g_ptr_array_remove_index(rotation->waiters, i);
			break;
		}
	}
}

gboolean
tw_rotation_is_in_flight(const char *state_directory, const char *username)
{
	g_autofree char *key = dup_key(state_directory, username);

	return rotations != NULL && g_hash_table_contains(rotations, key);
}
