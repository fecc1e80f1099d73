/*
 * purple-twdm: X (Twitter) direct messages as libpurple conversations.
 *
 * The public contract of the plugin: its id, its protocol name and the keys
 * of its account options. Other tools (the headless runner, tests, bots,
 * bitlbee settings) depend on these names, so they never change meaning.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#pragma once

/** The libpurple plugin id; bitlbee lists it as protocol "twdm". */
#define TW_PLUGIN_ID "prpl-twdm"

/** The protocol name users see in account dialogs. */
#define TW_PROTOCOL_NAME "Twitter DM"

/** Name of list_icon(): protocols/{16,22,48,scalable}/twdm.{png,svg}. */
#define TW_PROTOCOL_ICON "twdm"

/**
 * Account option (string): base URL of the X API, used for every REST call
 * and for the token endpoint {api-base}/2/oauth2/token. Plain http is only
 * accepted when the host is a loopback address.
 */
#define TW_OPTION_API_BASE "api-base"
/** Default of #TW_OPTION_API_BASE. */
#define TW_DEFAULT_API_BASE "https://api.x.com"

/** Account option (string): the OAuth 2.0 client id of the user's X app. */
#define TW_OPTION_CLIENT_ID "client-id"

/**
 * Account option (string, optional): the OAuth 2.0 client secret of a
 * confidential client; when set, the token endpoint gets HTTP Basic auth.
 */
#define TW_OPTION_CLIENT_SECRET "client-secret"

/**
 * Account option (int, seconds): the shortest time between two DM polls.
 * 0 means automatic: the pace follows the rate-limit headers only.
 */
#define TW_OPTION_POLL_INTERVAL "poll-interval"
/** Default of #TW_OPTION_POLL_INTERVAL. */
#define TW_DEFAULT_POLL_INTERVAL 0

/**
 * Account option (int, 0 to 30): on the very first sign-on of an account,
 * how many days of DM history to show. 0 shows nothing older than sign-on.
 */
#define TW_OPTION_HISTORY_DAYS "history-days"
/** Default of #TW_OPTION_HISTORY_DAYS. */
#define TW_DEFAULT_HISTORY_DAYS 0
/** Largest accepted #TW_OPTION_HISTORY_DAYS: X keeps 30 days of DMs. */
#define TW_MAX_HISTORY_DAYS 30

/**
 * Account option (string): the buddy list group that everyone the account
 * converses with is added to.
 */
#define TW_OPTION_BUDDY_GROUP "buddy-group"
/** Default of #TW_OPTION_BUDDY_GROUP. */
#define TW_DEFAULT_BUDDY_GROUP "Twitter DMs"

/**
 * Account option (string, optional): a PEM file of extra certificate
 * authorities to trust for the API, e.g. a test server's own CA. TLS
 * verification itself is never switched off.
 */
#define TW_OPTION_CA_FILE "ca-file"

/**
 * Account option (list): how the account signs in to X.
 * #TW_AUTH_METHOD_OAUTH2: OAuth 2.0 user context; the password is the
 * refresh token, and when there is none the plugin asks the user to
 * authorize the app (PKCE). #TW_AUTH_METHOD_OAUTH1: OAuth 1.0a user
 * context with #TW_OPTION_CONSUMER_KEY, #TW_OPTION_CONSUMER_SECRET and
 * #TW_OPTION_ACCESS_TOKEN; the password is the access token secret, and
 * without a token the plugin runs the PIN flow.
 */
#define TW_OPTION_AUTH_METHOD "auth-method"
/** Value of #TW_OPTION_AUTH_METHOD: OAuth 2.0 with PKCE. */
#define TW_AUTH_METHOD_OAUTH2 "oauth2"
/** Value of #TW_OPTION_AUTH_METHOD: OAuth 1.0a. */
#define TW_AUTH_METHOD_OAUTH1 "oauth1"
/** Default of #TW_OPTION_AUTH_METHOD. */
#define TW_DEFAULT_AUTH_METHOD TW_AUTH_METHOD_OAUTH2

/** Account option (string): the OAuth 2.0 authorize endpoint. */
#define TW_OPTION_AUTHORIZE_URL "authorize-url"
/** Default of #TW_OPTION_AUTHORIZE_URL. */
#define TW_DEFAULT_AUTHORIZE_URL "https://x.com/i/oauth2/authorize"

/**
 * Account option (string): the OAuth 2.0 callback URL, registered exactly
 * so in the X app. When it is plain http on a loopback address, the plugin
 * listens there for X's redirect while the user authorizes; the user can
 * always paste the redirect address instead.
 */
#define TW_OPTION_REDIRECT_URI "redirect-uri"
/** Default of #TW_OPTION_REDIRECT_URI: a fixed port, registered once. */
#define TW_DEFAULT_REDIRECT_URI "http://127.0.0.1:8763/callback"

/** Account option (string): OAuth 1.0a consumer key (the app's API Key). */
#define TW_OPTION_CONSUMER_KEY "consumer-key"

/** Account option (string): OAuth 1.0a consumer secret (API Key Secret). */
#define TW_OPTION_CONSUMER_SECRET "consumer-secret"

/**
 * Account option (string): the OAuth 1.0a access token; its secret is the
 * account password. The PIN flow fills both in.
 */
#define TW_OPTION_ACCESS_TOKEN "access-token"

/**
 * Plugin IPC (purple_plugin_ipc_call() on the plugin with #TW_PLUGIN_ID):
 * the conversations of an account waiting for an answer. Argument: the
 * PurpleAccount; returns a newly allocated JSON text (free with g_free()),
 * the longest waiting first:
 * [{"conversation":"maria_gonzalez","since":1767225600,"seconds":840}],
 * "since" in Unix seconds; "[]" when none waits or the account is offline.
 */
#define TW_IPC_WAITING "waiting"

/**
 * Plugin IPC: how long one conversation has waited for an answer, without
 * building the whole list. Arguments: the PurpleAccount and the
 * conversation's name (a handle, any case, or a group's id); returns an
 * int, the seconds since the customer's oldest unanswered message, or -1
 * when it waits for nothing or the account is offline.
 */
#define TW_IPC_WAITING_SECONDS "waiting-seconds"

/**
 * Account option (string, a list): what a DM to someone who has never
 * written to the account does: #TW_FIRST_CONTACT_ASK (the default) asks
 * first, #TW_FIRST_CONTACT_ALLOW sends, #TW_FIRST_CONTACT_REFUSE refuses.
 * Replies to people who wrote are never asked about.
 */
#define TW_OPTION_FIRST_CONTACT "first-contact"
/** #TW_OPTION_FIRST_CONTACT: ask for confirmation, saying why. */
#define TW_FIRST_CONTACT_ASK "ask"
/** #TW_OPTION_FIRST_CONTACT: send without asking. */
#define TW_FIRST_CONTACT_ALLOW "allow"
/** #TW_OPTION_FIRST_CONTACT: never write first. */
#define TW_FIRST_CONTACT_REFUSE "refuse"
/** Default of #TW_OPTION_FIRST_CONTACT. */
#define TW_DEFAULT_FIRST_CONTACT TW_FIRST_CONTACT_ASK

/**
 * TW_OPTION_BLAST_LIMIT:
 *
 * Account option (int): the most people one text (or texts alike but for
 * case and white space) goes to within an hour; further sends of it are
 * held until the user releases them. Answers to customers waiting for one
 * do not count; 0 turns the limit off.
 */
#define TW_OPTION_BLAST_LIMIT "blast-limit"
/** Default of #TW_OPTION_BLAST_LIMIT. */
#define TW_DEFAULT_BLAST_LIMIT 5

/**
 * TW_OPTION_MEDIA_DOWNLOAD:
 *
 * Account option (string, a list): whether customers' photos (and the
 * stills of videos and GIFs) are fetched to show inline and kept in a cache
 * beside the account's state: #TW_MEDIA_DOWNLOAD_AUTO (the default: in UIs
 * that show images, Pidgin and twdm-runner), #TW_MEDIA_DOWNLOAD_ALWAYS or
 * #TW_MEDIA_DOWNLOAD_NEVER. Every UI shows each attachment's line with its
 * link either way.
 */
#define TW_OPTION_MEDIA_DOWNLOAD "media-download"
/** #TW_OPTION_MEDIA_DOWNLOAD: where the UI shows images. */
#define TW_MEDIA_DOWNLOAD_AUTO "auto"
/** #TW_OPTION_MEDIA_DOWNLOAD: in every UI. */
#define TW_MEDIA_DOWNLOAD_ALWAYS "always"
/** #TW_OPTION_MEDIA_DOWNLOAD: never. */
#define TW_MEDIA_DOWNLOAD_NEVER "never"
/** Default of #TW_OPTION_MEDIA_DOWNLOAD. */
#define TW_DEFAULT_MEDIA_DOWNLOAD TW_MEDIA_DOWNLOAD_AUTO

/**
 * TW_SIGNAL_MESSAGE_MEDIA:
 *
 * Signal of the plugin with #TW_PLUGIN_ID, emitted just before a message
 * with attachments is written to its conversation:
 * void (*)(PurpleAccount *account, const char *conversation_name,
 * const char *json). @json is an array with one object per attachment:
 * [{"kind":"photo","key":"3_1","url":"https://ton.twitter.com/...",
 * "file":"/home/.../maria.media/3_1.jpg","width":1200,"height":900,
 * "alt_text":"A cracked screen"}]; "kind" is photo, video, animated_gif or
 * unknown, "url" the photo or the best mp4, "preview" a video's still,
 * "file" the cached image when it was fetched before; members X did not
 * give are left out.
 */
#define TW_SIGNAL_MESSAGE_MEDIA "twdm-message-media"
