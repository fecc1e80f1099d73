/*
 * tw-prpl-authorize: the authorize question and the loopback listener
 * that catches X's redirect.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "config.h"

#include "tw-prpl-authorize.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <glib/gi18n-lib.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "purple-twdm.h"
#include "tw-account.h"
#include "tw-prpl-settings.h"

#define DEBUG_CATEGORY "twdm"
/* A browser sends one small GET; anything longer is not X's redirect. */
#define MAX_REQUEST_BYTES 8192
#define MAX_CLIENTS       8

typedef struct _Authorize Authorize;

/* One browser connection to the listener. */
typedef struct {
	Authorize *owner;
	int fd;
	guint watch;
	GString *request;
} Client;

/* The authorization glue of one connection. */
struct _Authorize {
	PurpleConnection *connection;
	void *prompt;
	char *shown_url;
	int listen_fd;
	guint listen_watch;
	char *listen_uri;
	char *listen_path;
	GPtrArray *clients;
};

/* PurpleConnection → Authorize */
static GHashTable *authorizations;

/****************************************************************************
 * The loopback listener
 ****************************************************************************/

static void
client_free(gpointer data)
{
	Client *client = data;

	if (client->watch != 0)
		purple_input_remove(client->watch);
	if (client->fd >= 0)
		close(client->fd);
	g_string_free(client->request, TRUE);
	g_free(client);
}

static void
client_respond(Client *client, guint status, const char *reason,
	       const char *title, const char *text)
{
	g_autofree char *escaped_title = g_markup_escape_text(title, -1);
	g_autofree char *escaped_text = g_markup_escape_text(text, -1);
	g_autofree char *body = g_strdup_printf(
	    "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\">"
	    "<title>%s</title></head>\n<body><h1>%s</h1>\n<p>%s</p>"
	    "</body></html>\n",
	    escaped_title, escaped_title, escaped_text);
	g_autofree char *response = g_strdup_printf(
	    "HTTP/1.1 %u %s\r\nContent-Type: text/html; charset=utf-8\r\n"
	    "Content-Length: %" G_GSIZE_FORMAT "\r\n"
	    "Cache-Control: no-store\r\nReferrer-Policy: no-referrer\r\n"
	    "Connection: close\r\n\r\n%s",
	    status, reason, strlen(body), body);
	gsize length = strlen(response);
	gsize sent = 0;

	/* A few hundred bytes fit in any socket buffer: no need to wait. */
	while (sent < length) {
		ssize_t written = send(client->fd, response + sent,
				       length - sent, MSG_NOSIGNAL);

		if (written < 0 && errno == EINTR)
			continue;
		if (written <= 0)
			break;
		sent += (gsize)written;
	}
}

static void
client_handle(Client *client)
{
	Authorize *authorize = client->owner;
	gsize line_length = strcspn(client->request->str, "\r\n");
	g_autofree char *line = g_strndup(client->request->str, line_length);
	g_auto(GStrv) parts = g_strsplit(line, " ", 3);
	TwAccount *tw;
	g_autofree char *path = NULL;

	if (g_strv_length(parts) != 3 || !g_str_has_prefix(parts[2], "HTTP/")) {
		client_respond(client, 400, "Bad Request", _("Bad request"),
			       _("This address only takes X's redirect."));
		return;
	}
	path = g_strndup(parts[1], strcspn(parts[1], "?#"));
	if (!g_str_equal(parts[0], "GET") ||
	    !g_str_equal(path, authorize->listen_path)) {
		/* The browser's favicon request, for one. */
		client_respond(client, 404, "Not Found", _("Not found"),
			       _("This address only takes X's redirect."));
		return;
	}
	tw = purple_connection_get_protocol_data(authorize->connection);
	if (tw != NULL && tw_account_authorize_submit(tw, parts[1]))
		client_respond(
		    client, 200, "OK", _("Signed in"),
		    _("X's answer reached your chat client. You can close "
		      "this tab."));
	else
		client_respond(
		    client, 200, "OK", _("Not accepted"),
		    _("Your chat client did not accept this answer; it "
		      "says why. You can close this tab."));
}

static void
client_read_cb(gpointer data, gint fd, PurpleInputCondition condition)
{
	Client *client = data;
	char buffer[1024];
	ssize_t got = recv(fd, buffer, sizeof(buffer), 0);

	if (got < 0 &&
	    (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
		return;
	if (got <= 0) {
		g_ptr_array_remove(client->owner->clients, client);
		return;
	}
	g_string_append_len(client->request, buffer, got);
	if (strstr(client->request->str, "\r\n\r\n") == NULL &&
	    strstr(client->request->str, "\n\n") == NULL) {
		if (client->request->len <= MAX_REQUEST_BYTES)
			return;
		client_respond(client, 431, "Request Header Fields Too Large",
			       _("Bad request"),
			       _("This address only takes X's redirect."));
	} else {
		client_handle(client);
	}
	g_ptr_array_remove(client->owner->clients, client);
}

static gboolean
set_nonblocking(int fd)
{
	int flags = fcntl(fd, F_GETFL);

	return flags >= 0 && fcntl(fd, F_SETFL, flags | O_NONBLOCK) == 0 &&
	       fcntl(fd, F_SETFD, FD_CLOEXEC) == 0;
}

static void
listen_cb(gpointer data, gint fd, PurpleInputCondition condition)
{
	Authorize *authorize = data;
	int client_fd;

	while ((client_fd = accept(fd, NULL, NULL)) >= 0) {
		Client *client;

		if (authorize->clients->len >= MAX_CLIENTS ||
		    !set_nonblocking(client_fd)) {
			close(client_fd);
			continue;
		}
		client = g_new0(Client, 1);
		client->owner = authorize;
		client->fd = client_fd;
		client->request = g_string_new(NULL);
		client->watch = purple_input_add(client_fd, PURPLE_INPUT_READ,
						 client_read_cb, client);
		g_ptr_array_add(authorize->clients, client);
	}
}

static void
listen_stop(Authorize *authorize)
{
	g_ptr_array_set_size(authorize->clients, 0);
	if (authorize->listen_watch != 0)
		purple_input_remove(authorize->listen_watch);
	authorize->listen_watch = 0;
	if (authorize->listen_fd >= 0)
		close(authorize->listen_fd);
	authorize->listen_fd = -1;
	g_clear_pointer(&authorize->listen_uri, g_free);
	g_clear_pointer(&authorize->listen_path, g_free);
}

/* The loopback address of @host, or FALSE for any other host. */
static gboolean
loopback_address(const char *host, guint16 port,
		 struct sockaddr_storage *address, socklen_t *length)
{
	struct sockaddr_in *ipv4 = (struct sockaddr_in *)address;
	struct sockaddr_in6 *ipv6 = (struct sockaddr_in6 *)address;

	memset(address, 0, sizeof(*address));
	if (g_ascii_strcasecmp(host, "localhost") == 0)
		host = "127.0.0.1";
	if (inet_pton(AF_INET, host, &ipv4->sin_addr) == 1) {
		if ((ntohl(ipv4->sin_addr.s_addr) >> 24) != 127)
			return FALSE;
		ipv4->sin_family = AF_INET;
		ipv4->sin_port = htons(port);
		*length = sizeof(*ipv4);
		return TRUE;
	}
	if (inet_pton(AF_INET6, host, &ipv6->sin6_addr) == 1 &&
	    IN6_IS_ADDR_LOOPBACK(&ipv6->sin6_addr)) {
		ipv6->sin6_family = AF_INET6;
		ipv6->sin6_port = htons(port);
		*length = sizeof(*ipv6);
		return TRUE;
	}
	return FALSE;
}

/* purple_network_listen() binds every interface and may open the port on
 * the router (UPnP, NAT-PMP): the redirect carries a code, so the socket
 * is bound to the loopback address itself and only watched through
 * purple_input_add(). */
static void
listen_start(Authorize *authorize, const char *redirect_uri)
{
	g_autoptr(GUri) uri = g_uri_parse(redirect_uri, G_URI_FLAGS_NONE, NULL);
	struct sockaddr_storage address;
	socklen_t length = 0;
	int port;
	int fd;
	int one = 1;

	if (authorize->listen_uri != NULL &&
	    g_str_equal(authorize->listen_uri, redirect_uri))
		return;
	listen_stop(authorize);
	if (uri == NULL || g_uri_get_host(uri) == NULL ||
	    g_ascii_strcasecmp(g_uri_get_scheme(uri), "http") != 0)
		return;
	port = g_uri_get_port(uri) > 0 ? g_uri_get_port(uri) : 80;
	if (!loopback_address(g_uri_get_host(uri), (guint16)port, &address,
			      &length)) {
		purple_debug_info(DEBUG_CATEGORY,
				  "%s is not a loopback address: the user "
				  "pastes the redirect\n",
				  redirect_uri);
		return;
	}
	fd = socket(address.ss_family, SOCK_STREAM, 0);
	if (fd < 0)
		return;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&address, length) != 0 ||
	    listen(fd, MAX_CLIENTS) != 0 || !set_nonblocking(fd)) {
		int saved = errno;

		purple_debug_info(DEBUG_CATEGORY,
				  "cannot listen for the redirect on %s (%s): "
				  "the user pastes it\n",
				  redirect_uri, g_strerror(saved));
		close(fd);
		return;
	}
	authorize->listen_fd = fd;
	authorize->listen_watch =
	    purple_input_add(fd, PURPLE_INPUT_READ, listen_cb, authorize);
	authorize->listen_uri = g_strdup(redirect_uri);
	authorize->listen_path = g_strdup(
	    g_uri_get_path(uri)[0] != '\0' ? g_uri_get_path(uri) : "/");
	purple_debug_info(DEBUG_CATEGORY, "listening for the redirect on %s\n",
			  redirect_uri);
}

/****************************************************************************
 * The question
 ****************************************************************************/

static Authorize *
authorize_get(PurpleConnection *connection, gboolean create)
{
	Authorize *authorize;

	if (authorizations == NULL && create)
		authorizations = g_hash_table_new(NULL, NULL);
	authorize = authorizations != NULL
			? g_hash_table_lookup(authorizations, connection)
			: NULL;
	if (authorize == NULL && create) {
		authorize = g_new0(Authorize, 1);
		authorize->connection = connection;
		authorize->listen_fd = -1;
		authorize->clients =
		    g_ptr_array_new_with_free_func(client_free);
		g_hash_table_insert(authorizations, connection, authorize);
	}
	return authorize;
}

static void
close_prompt(Authorize *authorize)
{
	void *prompt = authorize->prompt;

	authorize->prompt = NULL;
	if (prompt != NULL)
		purple_request_close(PURPLE_REQUEST_INPUT, prompt);
}

static void
prompt_ok_cb(gpointer data, const char *text)
{
	Authorize *authorize = data;
	TwAccount *tw =
	    purple_connection_get_protocol_data(authorize->connection);

	/* The UI closes the question itself. */
	authorize->prompt = NULL;
	if (tw != NULL)
		tw_account_authorize_submit(tw, text);
}

static void
prompt_cancel_cb(gpointer data, const char *text)
{
	Authorize *authorize = data;
	TwAccount *tw =
	    purple_connection_get_protocol_data(authorize->connection);

	authorize->prompt = NULL;
	if (tw != NULL)
		tw_account_authorize_cancel(tw);
}

static char *
prompt_secondary(const TwAuthorizationPrompt *prompt, const char *handle,
		 gboolean listening)
{
	GString *text = g_string_new(NULL);

	if (prompt->problem != NULL)
		g_string_append_printf(text, "%s\n\n", prompt->problem);
	if (prompt->pin) {
		g_string_append_printf(
		    text,
		    _("Open the address above in a browser, sign in to X "
		      "as @%s and allow access. X then shows a PIN: type "
		      "it here."),
		    handle);
	} else {
		g_string_append_printf(
		    text,
		    _("Open the address above in a browser, sign in to X "
		      "as @%s and allow access. X then sends the browser "
		      "to %s."),
		    handle, prompt->redirect_uri);
		g_string_append(text, " ");
		g_string_append(
		    text, listening
			      ? _("This client catches that by itself. If "
				  "it does not (the browser runs on another "
				  "computer, or shows an error page), paste "
				  "the whole address from the browser's "
				  "address bar here.")
			      : _("Paste the whole address from the "
				  "browser's address bar here (the page "
				  "itself may show an error: that is "
				  "fine)."));
		g_string_append(text, " ");
		g_string_append_printf(
		    text,
		    _("The code in it expires 30 seconds after you allow "
		      "access. If X says \"Something went wrong\", "
		      "register exactly %s as a callback URL in your X "
		      "app."),
		    prompt->redirect_uri);
	}
	return g_string_free(text, FALSE);
}

void
tw_prpl_on_authorize(gpointer ui, const TwAuthorizationPrompt *prompt)
{
	PurpleConnection *connection = ui;
	PurpleAccount *account = purple_connection_get_account(connection);
	Authorize *authorize = authorize_get(connection, TRUE);
	const char *handle =
	    tw_prpl_normalize(account, purple_account_get_username(account));
	g_autofree char *handle_copy = g_strdup(handle);
	g_autofree char *primary = NULL;
	g_autofree char *secondary = NULL;

	close_prompt(authorize);
	if (prompt->redirect_uri != NULL)
		listen_start(authorize, prompt->redirect_uri);
	/* Opens the browser where there is one; not again for the same
	 * link. */
	if (g_strcmp0(authorize->shown_url, prompt->url) != 0) {
		g_free(authorize->shown_url);
		authorize->shown_url = g_strdup(prompt->url);
		purple_notify_uri(connection, prompt->url);
	}
	primary = g_strdup_printf(_("Authorize this app for @%s on X: open %s"),
				  handle_copy, prompt->url);
	secondary =
	    prompt_secondary(prompt, handle_copy, authorize->listen_watch != 0);
	purple_connection_update_progress(
	    connection, _("Waiting for you to authorize the app"), 1, 4);
	authorize->prompt = purple_request_input(
	    connection, _("Twitter DM"), primary, secondary, NULL, FALSE, FALSE,
	    NULL, _("_OK"), G_CALLBACK(prompt_ok_cb), _("_Cancel"),
	    G_CALLBACK(prompt_cancel_cb), account, NULL, NULL, authorize);
}

void
tw_prpl_authorize_finish(PurpleConnection *connection)
{
	Authorize *authorize = authorize_get(connection, FALSE);

	if (authorize == NULL)
		return;
	g_hash_table_remove(authorizations, connection);
	close_prompt(authorize);
	listen_stop(authorize);
	g_ptr_array_unref(authorize->clients);
	g_free(authorize->shown_url);
	g_free(authorize);
}

void
tw_prpl_on_authorize_finished(gpointer ui)
{
	tw_prpl_authorize_finish(ui);
}

void
tw_prpl_on_oauth1_token_changed(gpointer ui, const char *token,
				const char *token_secret)
{
	PurpleAccount *account =
	    purple_connection_get_account((PurpleConnection *)ui);

	purple_account_set_string(account, TW_OPTION_ACCESS_TOKEN, token);
	purple_account_set_password(account, token_secret);
	/* The user never typed this secret, so cannot type it again: keep
	 * it, or the next sign-on would ask for a PIN again. */
	purple_account_set_remember_password(account, TRUE);
}

void
tw_prpl_authorize_unload(void)
{
	/* Every connection was closed, and its authorization with it. */
	g_clear_pointer(&authorizations, g_hash_table_destroy);
}
