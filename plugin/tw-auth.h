/*
 * tw-auth: pure helpers for OAuth requests (form encoding, client
 * authentication). No I/O; secrets are returned to the caller only.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/**
 * tw_auth_form_encode:
 * @first_name: name of the first field, or %NULL for an empty form
 * @...: its value (a string; a %NULL value skips the field), then further
 *   name/value pairs, ending with %NULL
 *
 * Builds an application/x-www-form-urlencoded body, escaping every byte
 * outside RFC 3986's unreserved set.
 *
 * Returns: (transfer full): "name=value&name=value"
 */
char *tw_auth_form_encode(const char *first_name, ...) G_GNUC_NULL_TERMINATED;

/**
 * tw_auth_basic_header:
 * @client_id: OAuth 2.0 client id
 * @client_secret: its secret
 *
 * The HTTP Basic credentials of a confidential client, as RFC 6749 §2.3.1
 * says: both parts form-encoded, joined by ':' and base64-encoded.
 *
 * Returns: (transfer full): "Basic …", to be wiped and freed by the caller
 */
char *tw_auth_basic_header(const char *client_id, const char *client_secret);

/**
 * tw_auth_token_fingerprint:
 * @token: a token
 *
 * A one-way fingerprint (SHA-256, hex) that identifies a token in state
 * files and logs without revealing it.
 *
 * Returns: (transfer full): 64 hex digits
 */
char *tw_auth_token_fingerprint(const char *token);

/**
 * tw_auth_wipe_string:
 * @secret: (nullable): a string holding a secret
 *
 * Overwrites the string's bytes with zeros and frees it.
 */
void tw_auth_wipe_string(char *secret);

G_END_DECLS
