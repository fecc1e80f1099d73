/*
 * twdm-sandbox: the sandbox X API server as a program, for the demo, manual
 * runs with a real client and tests in other processes.
 *
 * It prints one JSON line with everything a client needs to sign in, then
 * serves until SIGINT or SIGTERM. See README.md.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "tw-sandbox.h"

#include <glib-unix.h>
#include <json-glib/json-glib.h>
#include <locale.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>

typedef struct {
	gint port;
	gint rate_window;
	gint dm_read_limit;
	gint dm_send_limit;
	gint token_lifetime;
	gint visibility_delay;
	gint customer_interval;
	gint media_upload_limit;
	gint media_chunked_limit;
	gint64 gif_max_bytes;
	gint64 video_max_bytes;
	gint64 segment_max_bytes;
	gint processing_checks;
	gint check_after;
	char *processing_error;
	gboolean customers;
	char *client_secret;
	char *problem_host;
	char *account;
	char *account_name;
	char *state_out;
} Options;

static void
options_clear(Options *options)
{
	g_free(options->client_secret);
	g_free(options->problem_host);
	g_free(options->account);
	g_free(options->account_name);
	g_free(options->state_out);
	g_free(options->processing_error);
}

static gboolean
parse_options(int *argc, char ***argv, Options *options, GError **error)
{
	const GOptionEntry entries[] = {
	    {"port", 0, 0, G_OPTION_ARG_INT, &options->port,
	     "TCP port on 127.0.0.1 (default 0: any free port)", "N"},
	    {"rate-window", 0, 0, G_OPTION_ARG_INT, &options->rate_window,
	     "Rate-limit window in seconds (default 900)", "S"},
	    {"dm-read-limit", 0, 0, G_OPTION_ARG_INT, &options->dm_read_limit,
	     "DM GET requests per user per window (default 15)", "N"},
	    {"dm-send-limit", 0, 0, G_OPTION_ARG_INT, &options->dm_send_limit,
	     "DM POST requests per user per window (default 15)", "N"},
	    {"token-lifetime", 0, 0, G_OPTION_ARG_INT, &options->token_lifetime,
	     "Access token lifetime in seconds (default 7200)", "S"},
	    {"visibility-delay", 0, 0, G_OPTION_ARG_INT,
	     &options->visibility_delay,
	     "Hide new events from /2/dm_events this long (default 0)", "MS"},
	    {"client-secret", 0, 0, G_OPTION_ARG_STRING,
	     &options->client_secret,
	     "Act as a confidential client: require HTTP Basic auth", "SECRET"},
	    {"problem-host", 0, 0, G_OPTION_ARG_STRING, &options->problem_host,
	     "Host in problem type URIs (default api.twitter.com)", "HOST"},
	    {"account", 0, 0, G_OPTION_ARG_STRING, &options->account,
	     "Handle of the account user (default acme_support)", "HANDLE"},
	    {"account-name", 0, 0, G_OPTION_ARG_STRING, &options->account_name,
	     "Display name of the account user (default Acme Support)", "NAME"},
	    {"customers", 0, 0, G_OPTION_ARG_NONE, &options->customers,
	     "Simulated customers write to the account and answer it", NULL},
	    {"customer-interval", 0, 0, G_OPTION_ARG_INT,
	     &options->customer_interval,
	     "Average time between customer messages (default 30000)", "MS"},
	    {"state-out", 0, 0, G_OPTION_ARG_FILENAME, &options->state_out,
	     "At exit, write the whole sandbox state as JSON to FILE", "FILE"},
	    {"media-upload-limit", 0, 0, G_OPTION_ARG_INT,
	     &options->media_upload_limit,
	     "One-shot media uploads per user per window (default 500)", "N"},
	    {"media-chunked-limit", 0, 0, G_OPTION_ARG_INT,
	     &options->media_chunked_limit,
	     "Chunked initialize/append/finalize per user per window "
	     "(default 1875)",
	     "N"},
	    {"gif-max-bytes", 0, 0, G_OPTION_ARG_INT64, &options->gif_max_bytes,
	     "Largest animated GIF a chunked upload takes (default 15 MiB)",
	     "BYTES"},
	    {"video-max-bytes", 0, 0, G_OPTION_ARG_INT64,
	     &options->video_max_bytes,
	     "Largest video a chunked upload takes (default 512 MiB)", "BYTES"},
	    {"segment-max-bytes", 0, 0, G_OPTION_ARG_INT64,
	     &options->segment_max_bytes,
	     "Largest segment an append takes (default 5 MiB)", "BYTES"},
	    {"processing-checks", 0, 0, G_OPTION_ARG_INT,
	     &options->processing_checks,
	     "STATUS checks a chunked upload's processing takes; 0: done at "
	     "finalize (default 1)",
	     "N"},
	    {"check-after", 0, 0, G_OPTION_ARG_INT, &options->check_after,
	     "check_after_secs in processing_info (default 1)", "S"},
	    {"processing-error", 0, 0, G_OPTION_ARG_STRING,
	     &options->processing_error,
	     "Processing of chunked uploads fails with this message", "TEXT"},
	    G_OPTION_ENTRY_NULL,
	};
	g_autoptr(GOptionContext) context =
	    g_option_context_new("- a local X API v2 sandbox server");

	g_option_context_set_summary(
	    context, "Prints one JSON line {base_url, account, account_id, "
		     "refresh_token, client_id, consumer_key, consumer_secret, "
		     "access_token, access_token_secret} and serves until "
		     "SIGINT or SIGTERM.");
	g_option_context_add_main_entries(context, entries, NULL);
	if (!g_option_context_parse(context, argc, argv, error))
		return FALSE;
	if (options->port < 0 || options->port > 65535 ||
	    options->rate_window < 0 || options->dm_read_limit < 0 ||
	    options->dm_send_limit < 0 || options->token_lifetime < 0 ||
	    options->visibility_delay < 0 || options->customer_interval < 0 ||
	    options->media_upload_limit < 0 ||
	    options->media_chunked_limit < 0 || options->gif_max_bytes < 0 ||
	    options->video_max_bytes < 0 || options->segment_max_bytes < 0 ||
	    options->processing_checks < -1 || options->check_after < -1) {
		g_set_error_literal(error, G_OPTION_ERROR,
				    G_OPTION_ERROR_BAD_VALUE,
				    "numbers must not be negative (port at "
				    "most 65535)");
		return FALSE;
	}
	if (options->gif_max_bytes > G_MAXUINT ||
	    options->video_max_bytes > G_MAXUINT ||
	    options->segment_max_bytes > G_MAXUINT) {
		g_set_error(error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
			    "byte limits must be at most %u", G_MAXUINT);
		return FALSE;
	}
	return TRUE;
}

static void
apply_options(const Options *options, TwSandboxConfig *config)
{
	tw_sandbox_config_init(config);
	if (options->rate_window > 0)
		config->rate_window_seconds = (guint)options->rate_window;
	if (options->dm_read_limit > 0)
		config->dm_read_limit = (guint)options->dm_read_limit;
	if (options->dm_send_limit > 0)
		config->dm_send_limit = (guint)options->dm_send_limit;
	if (options->token_lifetime > 0)
		config->access_token_lifetime = (guint)options->token_lifetime;
	config->visibility_delay_ms = (guint)options->visibility_delay;
	config->client_secret = options->client_secret;
	if (options->problem_host)
		config->problem_host = options->problem_host;
	if (options->media_upload_limit > 0)
		config->media_upload_limit = (guint)options->media_upload_limit;
	if (options->media_chunked_limit > 0)
		config->media_chunked_limit =
		    (guint)options->media_chunked_limit;
	if (options->gif_max_bytes > 0)
		config->gif_max_bytes = (guint)options->gif_max_bytes;
	if (options->video_max_bytes > 0)
		config->video_max_bytes = (guint)options->video_max_bytes;
	if (options->segment_max_bytes > 0)
		config->segment_max_bytes = (guint)options->segment_max_bytes;
	/* -1: not given; 0 means something for these two. */
	if (options->processing_checks >= 0)
		config->processing_checks = (guint)options->processing_checks;
	if (options->check_after >= 0)
		config->check_after_secs = (guint)options->check_after;
	config->processing_error = options->processing_error;
}

static void
print_start_line(TwSandbox *sandbox, const char *account,
		 const char *account_id, const char *refresh_token,
		 const char *access_token, const char *access_token_secret)
{
	g_autoptr(JsonBuilder) builder = json_builder_new();
	g_autoptr(JsonGenerator) generator = json_generator_new();
	g_autoptr(JsonNode) root = NULL;
	g_autofree char *line = NULL;

	json_builder_begin_object(builder);
	json_builder_set_member_name(builder, "base_url");
	json_builder_add_string_value(builder,
				      tw_sandbox_get_base_url(sandbox));
	json_builder_set_member_name(builder, "account");
	json_builder_add_string_value(builder, account);
	json_builder_set_member_name(builder, "account_id");
	json_builder_add_string_value(builder, account_id);
	json_builder_set_member_name(builder, "refresh_token");
	json_builder_add_string_value(builder, refresh_token);
	json_builder_set_member_name(builder, "client_id");
	json_builder_add_string_value(builder, TW_SANDBOX_CLIENT_ID);
	json_builder_set_member_name(builder, "consumer_key");
	json_builder_add_string_value(builder, TW_SANDBOX_CONSUMER_KEY);
	json_builder_set_member_name(builder, "consumer_secret");
	json_builder_add_string_value(builder, TW_SANDBOX_CONSUMER_SECRET);
	json_builder_set_member_name(builder, "access_token");
	json_builder_add_string_value(builder, access_token);
	json_builder_set_member_name(builder, "access_token_secret");
	json_builder_add_string_value(builder, access_token_secret);
	json_builder_end_object(builder);
	root = json_builder_get_root(builder);
	json_generator_set_root(generator, root);
	line = json_generator_to_data(generator, NULL);
	printf("%s\n", line);
	fflush(stdout);
}

static gboolean
quit_on_signal(gpointer data)
{
	g_main_loop_quit(data);
	return G_SOURCE_CONTINUE;
}

int
main(int argc, char **argv)
{
	Options options = {
	    .customer_interval = 30000,
	    .processing_checks = -1,
	    .check_after = -1,
	};
	g_autoptr(GError) error = NULL;
	g_autoptr(TwSandbox) sandbox = NULL;
	g_autoptr(GMainLoop) loop = NULL;
	g_autofree char *account_id = NULL;
	g_autofree char *refresh_token = NULL;
	g_autofree char *access_token = NULL;
	g_autofree char *access_token_secret = NULL;
	TwSandboxConfig config;
	const char *account;
	guint sigint_id, sigterm_id;
	int status = EXIT_SUCCESS;

	setlocale(LC_ALL, "");
	if (!parse_options(&argc, &argv, &options, &error)) {
		g_printerr("twdm-sandbox: %s\n", error->message);
		options_clear(&options);
		return 2;
	}
	apply_options(&options, &config);
	account = options.account ? options.account : "acme_support";
	if (!g_regex_match_simple("^[A-Za-z0-9_]{1,15}$", account, 0, 0)) {
		g_printerr("twdm-sandbox: --account must be 1-15 letters, "
			   "digits or _\n");
		options_clear(&options);
		return 2;
	}

	/* Handlers first: whoever reads the start line may signal at once. */
	loop = g_main_loop_new(NULL, FALSE);
	sigint_id = g_unix_signal_add(SIGINT, quit_on_signal, loop);
	sigterm_id = g_unix_signal_add(SIGTERM, quit_on_signal, loop);

	sandbox = tw_sandbox_new(&config);
	if (!tw_sandbox_start(sandbox, (guint)options.port, &error)) {
		g_printerr("twdm-sandbox: cannot listen: %s\n", error->message);
		status = 1;
		goto out;
	}
	account_id =
	    tw_sandbox_add_user(sandbox, account,
				options.account_name ? options.account_name
				: options.account    ? options.account
						     : "Acme Support");
	if (!account_id) {
		g_printerr("twdm-sandbox: bad account handle %s\n", account);
		status = 2;
		goto out;
	}
	refresh_token = tw_sandbox_issue_refresh_token(sandbox, account_id);
	/* The app of the OAuth 1.0a sign-in, and the account's token of it
	 * as the developer console would show it. */
	tw_sandbox_add_consumer(sandbox, TW_SANDBOX_CONSUMER_KEY,
				TW_SANDBOX_CONSUMER_SECRET);
	access_token = tw_sandbox_issue_oauth1_token(
	    sandbox, account_id, TW_SANDBOX_CONSUMER_KEY, &access_token_secret);
	if (options.customers)
		tw_sandbox_set_customers_mode(sandbox, account_id,
					      (guint)options.customer_interval);
	print_start_line(sandbox, account, account_id, refresh_token,
			 access_token, access_token_secret);

	g_main_loop_run(loop);

	if (options.state_out) {
		g_autofree char *state = tw_sandbox_dup_state_json(sandbox);

		if (!g_file_set_contents(options.state_out, state, -1,
					 &error)) {
			g_printerr("twdm-sandbox: %s\n", error->message);
			status = EXIT_FAILURE;
		}
	}

out:
	g_source_remove(sigint_id);
	g_source_remove(sigterm_id);
	options_clear(&options);
	return status;
}
