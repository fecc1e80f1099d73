/*
 * tw-prpl-settings: the purple glue's reading of account settings that
 * more than one glue unit needs: the normalized handle, the proxy as a
 * URL and where the accounts' files are. It depends on no other glue unit, so
 * the others can all use it.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#pragma once

#include <glib.h>
#include <purple.h>

G_BEGIN_DECLS

/**
 * tw_prpl_normalize:
 * @account: the account (unused: handles normalize alike everywhere)
 * @who: a handle, with or without a leading '@'
 *
 * PurplePluginProtocolInfo.normalize: lower case, no leading '@'.
 *
 * Returns: (nullable): @who normalized, in a buffer that lives until the
 * next call; %NULL for a %NULL @who
 */
const char *tw_prpl_normalize(const PurpleAccount *account, const char *who);

/**
 * tw_prpl_proxy_url_for:
 * @info: the account's proxy settings
 *
 * Returns: (transfer full) (nullable): the proxy as a URL for
 * tw_http_set_proxy(): "" for none, %NULL to use the environment
 */
char *tw_prpl_proxy_url_for(PurpleProxyInfo *info);

/**
 * tw_prpl_dup_state_directory:
 *
 * Returns: (transfer full): the folder of the accounts' own files (tokens,
 * delivered ids, saved replies): "twdm" in libpurple's user directory
 */
char *tw_prpl_dup_state_directory(void);

G_END_DECLS
