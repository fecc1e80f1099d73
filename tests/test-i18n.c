/*
 * Translations: the plugin inside the headless runner speaks the language
 * the locale asks for, in its account options and in its errors. The
 * catalogues come from the build tree (TWDM_TEST_LOCALEDIR, which only a
 * build with tests honours), or with TW_TEST_INSTALLED=1 from the installed
 * package's plugin and /usr/share/locale.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include <glib.h>
#include <json-glib/json-glib.h>
#include <string.h>

#include "purple-twdm.h"
#include "tw-test-loop.h"
#include "tw-test-runner.h"
#include "tw-test-world.h"

#define WAIT_MS TW_TEST_WAIT_MS

/* TEST-NET-1 over plain http: refused before anything is sent. */
#define REFUSED_API_BASE "http://192.0.2.1:8080"

static gboolean
installed_mode(void)
{
	return g_strcmp0(g_getenv("TW_TEST_INSTALLED"), "1") == 0;
}

typedef struct {
	char *user_dir;
	TwTestRunner *runner;
	JsonObject *plugin;
} Fixture;

/* Starts a runner whose account is refused at once, in the given locale;
 * language may be NULL for none. Waits for the plugin event. */
static void
start_in_locale(Fixture *fixture, const char *language)
{
	const char *args[] = {
	    "--account",          TW_TEST_ACCOUNT,  "--password-env",
	    "TWDM_TEST_PASSWORD", "--client-id",    "test-client",
	    "--api-base",         REFUSED_API_BASE, NULL};
	g_autofree char *language_entry =
	    g_strconcat("LANGUAGE=", language != NULL ? language : "", NULL);
	g_autofree char *plugin_entry = NULL;
	GPtrArray *env = g_ptr_array_new();

	/* C.UTF-8 exists on every Debian system, without the locales
	 * package; glibc honours LANGUAGE with it (not with plain C). */
	g_ptr_array_add(env, "LC_ALL=C.UTF-8");
	g_ptr_array_add(env, "LANG=C.UTF-8");
	g_ptr_array_add(env, language_entry);
	g_ptr_array_add(env, "TWDM_TEST_PASSWORD=not-a-token");
	if (installed_mode()) {
		/* The package's plugin, with its compiled-in locale dir; no
		 * build-tree catalogues to fall back on. */
		plugin_entry = g_strconcat(
		    "TWDM_PLUGIN_DIR=", g_getenv("TW_TEST_SYSTEM_PLUGIN_DIR"),
		    NULL);
		g_ptr_array_add(env, plugin_entry);
		g_ptr_array_add(env, "TWDM_TEST_LOCALEDIR=/nonexistent");
	}
	g_ptr_array_add(env, NULL);
	fixture->user_dir = tw_test_make_user_dir();
	fixture->runner = tw_test_runner_start_with_env(
	    fixture->user_dir, args, (const char *const *)env->pdata);
	g_ptr_array_free(env, TRUE);
	fixture->plugin = tw_test_runner_wait_event(
	    fixture->runner, "plugin", "id", TW_PLUGIN_ID, WAIT_MS);
	g_assert_nonnull(fixture->plugin);
}

static void
fixture_tear_down(Fixture *fixture, gconstpointer data)
{
	if (fixture->runner != NULL)
		g_assert_cmpint(tw_test_runner_quit(fixture->runner), ==, 0);
	tw_test_remove_tree(fixture->user_dir);
	g_free(fixture->user_dir);
}

static gboolean
has_option(JsonObject *plugin, const char *label)
{
	JsonArray *options = json_object_get_array_member(plugin, "options");

	for (guint i = 0; i < json_array_get_length(options); i++) {
		if (g_strcmp0(json_array_get_string_element(options, i),
			      label) == 0)
			return TRUE;
	}
	return FALSE;
}

static const char *
error_description(Fixture *fixture)
{
	JsonObject *error = tw_test_runner_wait_event(
	    fixture->runner, "connection-error", NULL, NULL, WAIT_MS);

	g_assert_nonnull(error);
	g_assert_cmpstr(json_object_get_string_member(error, "reason"), ==,
			"invalid-settings");
	return json_object_get_string_member(error, "description");
}

static void
test_plugin_under_test(Fixture *fixture, gconstpointer data)
{
	const char *dir = installed_mode()
			      ? g_getenv("TW_TEST_SYSTEM_PLUGIN_DIR")
			      : g_getenv("TW_TEST_PLUGIN_DIR");
	g_autofree char *expected = g_build_filename(dir, "libtwdm.so", NULL);
	g_autofree char *loaded = NULL;
	g_autofree char *wanted = NULL;

	start_in_locale(fixture, "de");
	loaded = g_canonicalize_filename(
	    json_object_get_string_member(fixture->plugin, "path"), NULL);
	wanted = g_canonicalize_filename(expected, NULL);
	g_assert_cmpstr(loaded, ==, wanted);
	if (installed_mode())
		g_assert_true(g_file_test(
		    "/usr/share/locale/de/LC_MESSAGES/purple-twdm.mo",
		    G_FILE_TEST_IS_REGULAR));
}

static void
test_german(Fixture *fixture, gconstpointer data)
{
	const char *description;

	start_in_locale(fixture, "de");
	g_assert_true(has_option(fixture->plugin, "Anmeldeverfahren"));
	g_assert_true(has_option(fixture->plugin, "API-Basis-URL"));
	g_assert_false(has_option(fixture->plugin, "API base URL"));
	description = error_description(fixture);
	/* The glue's context and the HTTP layer's reason, both German. */
	g_assert_true(g_str_has_prefix(
	    description, "Die Kontoeinstellungen sind nicht verwendbar: "));
	g_assert_nonnull(strstr(description,
				"Unverschlüsseltes http zu 192.0.2.1 wird "
				"abgelehnt (nur https oder http zu einer "
				"Loopback-Adresse)"));
}

static void
test_no_language_is_english(Fixture *fixture, gconstpointer data)
{
	const char *description;

	start_in_locale(fixture, NULL);
	g_assert_true(has_option(fixture->plugin, "Sign-in method"));
	g_assert_true(has_option(fixture->plugin, "API base URL"));
	description = error_description(fixture);
	g_assert_true(g_str_has_prefix(
	    description, "The account settings cannot be used: "));
	g_assert_nonnull(strstr(description, "Refusing plain http to "
					     "192.0.2.1"));
}

static void
test_each_language(Fixture *fixture, gconstpointer data)
{
	const char *const *expected = data;

	start_in_locale(fixture, expected[0]);
	g_assert_true(has_option(fixture->plugin, expected[1]));
}

int
main(int argc, char **argv)
{
	/* The language and the "Sign-in method" label in it. */
	static const char *const languages[][2] = {
	    {"de", "Anmeldeverfahren"},
	    {"fr", "Méthode de connexion"},
	    {"es", "Método de inicio de sesión"},
	    {"pt_BR", "Método de login"},
	    {"ja", "サインイン方法"},
	};

	g_test_init(&argc, &argv, NULL);
	tw_test_loop_install();
#define ADD(path, func, data)                                                  \
	g_test_add(path, Fixture, data, NULL, func, fixture_tear_down)
	ADD("/i18n/plugin-under-test", test_plugin_under_test, NULL);
	ADD("/i18n/german", test_german, NULL);
	ADD("/i18n/no-language-is-english", test_no_language_is_english, NULL);
	for (guint i = 0; i < G_N_ELEMENTS(languages); i++) {
		g_autofree char *path =
		    g_strconcat("/i18n/sign-in-method/", languages[i][0], NULL);

		ADD(path, test_each_language, languages[i]);
	}
#undef ADD
	return g_test_run();
}
