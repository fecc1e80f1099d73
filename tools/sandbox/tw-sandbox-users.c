/*
 * tw-sandbox-users: the users endpoints and avatars.
 *
 * GET /2/users/me, /2/users/:id, /2/users, /2/users/by and
 * /2/users/by/username/:name, and the generated PNG avatars.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "config.h"

#include "tw-sandbox-private.h"

#define AVATAR_SIZE 48

static const char *const user_expansion_names[] = {
    "affiliation.user_id",
    "most_recent_tweet_id",
    "pinned_tweet_id",
    NULL,
};

/* ------------------------------------------------------------------------ */
/* Users                                                                     */

static const char *const user_parameters[] = {
    "user.fields",
    "expansions",
    "tweet.fields",
    NULL,
};

static const char *const user_ids_parameters[] = {
    "ids", "user.fields", "expansions", "tweet.fields", NULL,
};

static const char *const usernames_parameters[] = {
    "usernames", "user.fields", "expansions", "tweet.fields", NULL,
};

/* Parses the common user lookup parameters; FALSE after a 400. */
static gboolean
parse_user_parameters(Request *request, const char *const *allowed,
		      guint *user_fields, GPtrArray *errors)
{
	tw_sandbox_check_known_parameters(request->query, allowed, errors);
	*user_fields = tw_sandbox_parse_list_parameter(
	    request->query, "user.fields", tw_sandbox_user_field_names, errors);
	tw_sandbox_parse_list_parameter(request->query, "expansions",
					user_expansion_names, errors);
	tw_sandbox_check_not_empty(request->query, "tweet.fields", errors);
	if (errors->len > 0) {
		tw_sandbox_respond_invalid_request(request->sandbox,
						   request->msg, errors);
		return FALSE;
	}
	return TRUE;
}

static void
respond_single_user_locked(Request *request, const User *user,
			   guint user_fields, const char *parameter,
			   const char *value)
{
	g_autoptr(JsonBuilder) builder = json_builder_new();

	json_builder_begin_object(builder);
	if (user) {
		json_builder_set_member_name(builder, "data");
		tw_sandbox_add_user_object(request->sandbox, builder, user,
					   user_fields);
	} else {
		json_builder_set_member_name(builder, "errors");
		json_builder_begin_array(builder);
		tw_sandbox_add_not_found_error(request->sandbox, builder,
					       "user", parameter, value);
		json_builder_end_array(builder);
	}
	json_builder_end_object(builder);
	tw_sandbox_respond_builder(request->msg, SOUP_STATUS_OK,
				   JSON_CONTENT_TYPE, builder);
}

void
tw_sandbox_handle_users_me(Request *request, char **captured)
{
	g_autoptr(GPtrArray) errors = tw_sandbox_request_errors_new();
	guint user_fields;

	if (!parse_user_parameters(request, user_parameters, &user_fields,
				   errors))
		return;
	respond_single_user_locked(
	    request,
	    tw_sandbox_find_user_locked(request->sandbox, request->user_id),
	    user_fields, "id", request->user_id);
}

void
tw_sandbox_handle_user_by_username(Request *request, char **captured)
{
	g_autoptr(GPtrArray) errors = tw_sandbox_request_errors_new();
	const char *username = captured[0];
	guint user_fields;

	if (!tw_sandbox_is_valid_username(username))
		tw_sandbox_add_parameter_error(
		    errors, "username", username,
		    "The `username` query parameter value [%s] "
		    "does not match %s",
		    username, USERNAME_PATTERN);
	if (!parse_user_parameters(request, user_parameters, &user_fields,
				   errors))
		return;
	respond_single_user_locked(
	    request,
	    tw_sandbox_find_user_by_username_locked(request->sandbox, username),
	    user_fields, "username", username);
}

void
tw_sandbox_handle_user(Request *request, char **captured)
{
	g_autoptr(GPtrArray) errors = tw_sandbox_request_errors_new();
	const char *id = captured[0];
	guint user_fields;

	if (!tw_sandbox_is_user_id(id))
		tw_sandbox_add_parameter_error(
		    errors, "id", id,
		    "The `id` query parameter value [%s] does "
		    "not match %s",
		    id, ID_PATTERN);
	if (!parse_user_parameters(request, user_parameters, &user_fields,
				   errors))
		return;
	respond_single_user_locked(
	    request, tw_sandbox_find_user_locked(request->sandbox, id),
	    user_fields, "id", id);
}

/* /2/users?ids= and /2/users/by?usernames=: found users in request order,
 * the rest as partial errors. */
static void
lookup_users_locked(Request *request, const char *parameter,
		    const char *const *allowed, gboolean by_username)
{
	TwSandbox *sandbox = request->sandbox;
	g_autoptr(GPtrArray) errors = tw_sandbox_request_errors_new();
	g_autoptr(JsonBuilder) builder = NULL;
	g_autoptr(GPtrArray) found = g_ptr_array_new();
	g_autoptr(GPtrArray) missing = g_ptr_array_new();
	const char *value = tw_sandbox_query_get(request->query, parameter);
	g_auto(GStrv) items = NULL;
	guint user_fields = 0;

	if (!value || !*value) {
		tw_sandbox_add_parameter_error(
		    errors, parameter, NULL,
		    "The `%s` query parameter can not be empty", parameter);
	} else {
		items = g_strsplit(value, ",", -1);
		if (g_strv_length(items) > 100)
			tw_sandbox_add_parameter_error(
			    errors, parameter, value,
			    "The `%s` query parameter value "
			    "[%s] is not between 1 and 100",
			    parameter, value);
		for (guint i = 0; items[i]; i++) {
			gboolean valid =
			    by_username ? tw_sandbox_is_valid_username(items[i])
					: tw_sandbox_is_user_id(items[i]);

			if (!valid)
				tw_sandbox_add_parameter_error(
				    errors, parameter, items[i],
				    "The `%s` query parameter value [%s] "
				    "does not match %s",
				    parameter, items[i],
				    by_username ? USERNAME_PATTERN
						: ID_PATTERN);
		}
	}
	if (!parse_user_parameters(request, allowed, &user_fields, errors))
		return;

	for (guint i = 0; items[i]; i++) {
		User *user =
		    by_username
			? tw_sandbox_find_user_by_username_locked(sandbox,
								  items[i])
			: tw_sandbox_find_user_locked(sandbox, items[i]);

		if (user)
			g_ptr_array_add(found, user);
		else
			g_ptr_array_add(missing, items[i]);
	}

	builder = json_builder_new();
	json_builder_begin_object(builder);
	if (found->len > 0) {
		json_builder_set_member_name(builder, "data");
		json_builder_begin_array(builder);
		for (guint i = 0; i < found->len; i++)
			tw_sandbox_add_user_object(
			    sandbox, builder, found->pdata[i], user_fields);
		json_builder_end_array(builder);
	}
	if (missing->len > 0) {
		json_builder_set_member_name(builder, "errors");
		json_builder_begin_array(builder);
		for (guint i = 0; i < missing->len; i++)
			tw_sandbox_add_not_found_error(sandbox, builder, "user",
						       by_username ? "usernames"
								   : "ids",
						       missing->pdata[i]);
		json_builder_end_array(builder);
	}
	json_builder_end_object(builder);
	tw_sandbox_respond_builder(request->msg, SOUP_STATUS_OK,
				   JSON_CONTENT_TYPE, builder);
}

void
tw_sandbox_handle_users(Request *request, char **captured)
{
	lookup_users_locked(request, "ids", user_ids_parameters, FALSE);
}

void
tw_sandbox_handle_users_by(Request *request, char **captured)
{
	lookup_users_locked(request, "usernames", usernames_parameters, TRUE);
}

/* ------------------------------------------------------------------------ */
/* Profile images                                                            */

static guint32
crc32_update(guint32 crc, const guint8 *data, gsize length)
{
	crc = ~crc;
	for (gsize i = 0; i < length; i++) {
		crc ^= data[i];
		for (int bit = 0; bit < 8; bit++)
			crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1u)));
	}
	return ~crc;
}

static void
append_be32(GByteArray *bytes, guint32 value)
{
	guint8 be[4] = {value >> 24, value >> 16, value >> 8, value};

	g_byte_array_append(bytes, be, 4);
}

static void
append_png_chunk(GByteArray *png, const char *type, const guint8 *data,
		 gsize length)
{
	guint32 crc = crc32_update(0, (const guint8 *)type, 4);

	crc = crc32_update(crc, data, length);
	append_be32(png, (guint32)length);
	g_byte_array_append(png, (const guint8 *)type, 4);
	g_byte_array_append(png, data, (guint)length);
	append_be32(png, crc);
}

GBytes *
tw_sandbox_make_png(const char *seed, gsize size)
{
	static const guint8 signature[] = {0x89, 'P',  'N',  'G',
					   '\r', '\n', 0x1a, '\n'};
	guint hash = g_str_hash(seed);
	guint8 rgb[3] = {0x40 + (hash & 0x7f), 0x40 + ((hash >> 8) & 0x7f),
			 0x40 + ((hash >> 16) & 0x7f)};
	g_autoptr(GByteArray) png = g_byte_array_new();
	g_autoptr(GByteArray) raw = g_byte_array_new();
	g_autoptr(GByteArray) zlib = g_byte_array_new();
	guint8 header[13] = {0};
	guint32 adler_a = 1, adler_b = 0;
	guint8 stored[5];

	for (guint y = 0; y < AVATAR_SIZE; y++) {
		guint8 filter = 0;

		g_byte_array_append(raw, &filter, 1);
		for (guint x = 0; x < AVATAR_SIZE; x++)
			g_byte_array_append(raw, rgb, 3);
	}
	for (guint i = 0; i < raw->len; i++) {
		adler_a = (adler_a + raw->data[i]) % 65521;
		adler_b = (adler_b + adler_a) % 65521;
	}
	g_byte_array_append(zlib, (const guint8[]){0x78, 0x01}, 2);
	stored[0] = 1; /* final block, stored */
	stored[1] = raw->len & 0xff;
	stored[2] = raw->len >> 8;
	stored[3] = ~raw->len & 0xff;
	stored[4] = (~raw->len >> 8) & 0xff;
	g_byte_array_append(zlib, stored, 5);
	g_byte_array_append(zlib, raw->data, raw->len);
	append_be32(zlib, (adler_b << 16) | adler_a);

	header[3] = AVATAR_SIZE;
	header[7] = AVATAR_SIZE;
	header[8] = 8; /* bit depth */
	header[9] = 2; /* RGB */
	g_byte_array_append(png, signature, sizeof signature);
	append_png_chunk(png, "IHDR", header, sizeof header);
	append_png_chunk(png, "IDAT", zlib->data, zlib->len);
	/* 12 bytes of chunk framing each for the padding and IEND. */
	if (size > png->len + 24) {
		g_autofree guint8 *padding = g_malloc0(size - png->len - 24);

		/* Ancillary and private: decoders skip it. */
		append_png_chunk(png, "twPd", padding, size - png->len - 24);
	}
	append_png_chunk(png, "IEND", NULL, 0);
	return g_byte_array_free_to_bytes(g_steal_pointer(&png));
}

void
tw_sandbox_handle_avatar(Request *request, char **captured)
{
	g_autofree char *id = NULL;
	g_autoptr(GBytes) png = NULL;
	gsize length = strspn(captured[0], "0123456789");
	const char *rest = captured[0] + length;

	if (length == 0 || (*rest != '_' && *rest != '.') ||
	    !g_str_has_suffix(rest, ".png")) {
		tw_sandbox_respond_generic_problem(request->msg,
						   SOUP_STATUS_NOT_FOUND, NULL);
		return;
	}
	id = g_strndup(captured[0], length);
	if (!tw_sandbox_find_user_locked(request->sandbox, id)) {
		tw_sandbox_respond_generic_problem(request->msg,
						   SOUP_STATUS_NOT_FOUND, NULL);
		return;
	}
	png = tw_sandbox_make_png(id, 0);
	soup_server_message_set_status(request->msg, SOUP_STATUS_OK, NULL);
	soup_server_message_set_response(
	    request->msg, "image/png", SOUP_MEMORY_COPY,
	    g_bytes_get_data(png, NULL), g_bytes_get_size(png));
}
