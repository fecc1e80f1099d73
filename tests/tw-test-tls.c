/*
 * A private certificate authority and a server certificate, made with
 * openssl.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "tw-test-tls.h"

#include <string.h>

#include "tw-test-runner.h"

static gboolean
run_openssl(const char *dir, const char *const *args, GError **error)
{
	g_autoptr(GPtrArray) argv = g_ptr_array_new();
	g_autofree char *errors = NULL;
	int status = 0;

	g_ptr_array_add(argv, "openssl");
	for (guint i = 0; args[i] != NULL; i++)
		g_ptr_array_add(argv, (gpointer)args[i]);
	g_ptr_array_add(argv, NULL);
	if (!g_spawn_sync(dir, (char **)argv->pdata, NULL,
			  G_SPAWN_SEARCH_PATH | G_SPAWN_STDOUT_TO_DEV_NULL,
			  NULL, NULL, NULL, &errors, &status, error))
		return FALSE;
	if (!g_spawn_check_wait_status(status, error)) {
		g_prefix_error(error, "openssl %s: %s: ", args[0],
			       errors != NULL ? errors : "");
		return FALSE;
	}
	return TRUE;
}

gboolean
tw_test_tls_set_up(TwTestTls *tls, GError **error)
{
	g_autofree char *serial =
	    g_strdup_printf("0x%08x%08x", g_random_int(), g_random_int() | 1u);
	const char *const make_ca[] = {"req",
				       "-x509",
				       "-newkey",
				       "rsa:2048",
				       "-nodes",
				       "-keyout",
				       "ca.key",
				       "-out",
				       "ca.pem",
				       "-days",
				       "2",
				       "-subj",
				       "/CN=twdm test CA",
				       "-addext",
				       "basicConstraints=critical,CA:TRUE",
				       "-addext",
				       "keyUsage=critical,keyCertSign,cRLSign",
				       NULL};
	const char *const make_request[] = {
	    "req",     "-newkey",       "rsa:2048", "-nodes",
	    "-keyout", "server.key",    "-out",     "server.csr",
	    "-subj",   "/CN=127.0.0.1", NULL};
	const char *const sign[] = {
	    "x509",       "-req",   "-in",    "server.csr",  "-CA",
	    "ca.pem",     "-CAkey", "ca.key", "-set_serial", serial,
	    "-days",      "2",      "-out",   "server.pem",  "-extfile",
	    "server.ext", NULL};
	g_autofree char *extensions_path = NULL;
	g_autofree char *openssl = g_find_program_in_path("openssl");

	memset(tls, 0, sizeof(*tls));
	if (openssl == NULL) {
		g_set_error_literal(error, G_SPAWN_ERROR, G_SPAWN_ERROR_NOENT,
				    "openssl is not installed (Debian package "
				    "openssl)");
		return FALSE;
	}
	tls->dir = tw_test_make_user_dir();
	extensions_path = g_build_filename(tls->dir, "server.ext", NULL);
	if (!g_file_set_contents(
		extensions_path,
		"subjectAltName=IP:127.0.0.1\n"
		"basicConstraints=critical,CA:FALSE\n"
		"keyUsage=critical,digitalSignature,keyEncipherment\n"
		"extendedKeyUsage=serverAuth\n",
		-1, error) ||
	    !run_openssl(tls->dir, make_ca, error) ||
	    !run_openssl(tls->dir, make_request, error) ||
	    !run_openssl(tls->dir, sign, error)) {
		tw_test_remove_tree(tls->dir);
		g_clear_pointer(&tls->dir, g_free);
		return FALSE;
	}
	tls->ca_file = g_build_filename(tls->dir, "ca.pem", NULL);
	tls->cert_file = g_build_filename(tls->dir, "server.pem", NULL);
	tls->key_file = g_build_filename(tls->dir, "server.key", NULL);
	return TRUE;
}

void
tw_test_tls_tear_down(TwTestTls *tls)
{
	if (tls->dir != NULL)
		tw_test_remove_tree(tls->dir);
	g_clear_pointer(&tls->dir, g_free);
	g_clear_pointer(&tls->ca_file, g_free);
	g_clear_pointer(&tls->cert_file, g_free);
	g_clear_pointer(&tls->key_file, g_free);
}
