/*
 * tw-prpl-settings: account settings as the glue units read them: the
 * normalized handle and the proxy URL.
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 */
#include "config.h"

#include "tw-prpl-settings.h"

char *
tw_prpl_proxy_url_for(PurpleProxyInfo *info)
{
	const char *scheme;

	switch (purple_proxy_info_get_type(info)) {
	case PURPLE_PROXY_NONE:
		return g_strdup("");
	case PURPLE_PROXY_HTTP:
		scheme = "http";
		break;
	case PURPLE_PROXY_SOCKS4:
		scheme = "socks4a";
		break;
	case PURPLE_PROXY_SOCKS5:
	case PURPLE_PROXY_TOR:
		/* Names resolve at the proxy, so no DNS leaks around Tor. */
		scheme = "socks5h";
		break;
	case PURPLE_PROXY_USE_ENVVAR:
	case PURPLE_PROXY_USE_GLOBAL:
	default:
		return NULL;
	}
	if (purple_proxy_info_get_host(info) == NULL)
		return NULL;
	return g_strdup_printf("%s://%s:%d", scheme,
			       purple_proxy_info_get_host(info),
			       purple_proxy_info_get_port(info));
}

const char *
tw_prpl_normalize(const PurpleAccount *account, const char *who)
{
	/* libpurple expects a buffer that lives until the next call. */
	static char normalized[64];

	if (who == NULL)
		return NULL;
	while (*who == '@')
		who++;
	g_strlcpy(normalized, who, sizeof(normalized));
	for (char *p = normalized; *p != '\0'; p++)
		*p = g_ascii_tolower(*p);
	return normalized;
}

char *
tw_prpl_dup_state_directory(void)
{
	return g_build_filename(purple_user_dir(), "twdm", NULL);
}
