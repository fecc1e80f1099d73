/*
 * A private certificate authority and a server certificate for
 * 127.0.0.1, made with openssl at test time: for the sandbox over HTTPS.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/**
 * TwTestTls:
 * @dir: a temporary directory holding the files
 * @ca_file: the CA certificate (PEM), for the plugin's ca-file option
 * @cert_file: the server certificate (PEM), signed by the CA, for the IP
 *   address 127.0.0.1
 * @key_file: the server's private key (PEM)
 */
typedef struct {
	char *dir;
	char *ca_file;
	char *cert_file;
	char *key_file;
} TwTestTls;

/**
 * tw_test_tls_set_up:
 * @tls: (out): filled in
 * @error: (out) (optional): why openssl failed, or that it is missing
 *
 * Creates a fresh CA (self-signed, RSA 2048, valid two days) and a
 * server certificate signed by it.
 *
 * Returns: %TRUE on success; on failure @tls needs no tear-down
 */
gboolean tw_test_tls_set_up(TwTestTls *tls, GError **error);

/**
 * tw_test_tls_tear_down:
 * @tls: set up by tw_test_tls_set_up()
 *
 * Removes the files and frees the paths.
 */
void tw_test_tls_tear_down(TwTestTls *tls);

G_END_DECLS
