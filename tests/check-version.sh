#!/bin/sh
# The version has one source, meson.build's project version: config.h's
# PACKAGE_VERSION (plugin info, User-Agent) is made from it, and the Debian
# changelog's top entry must carry it as its upstream version.
#   check-version.sh MESON_VERSION SOURCE_ROOT
set -eu
version=$1
changelog=$2/debian/changelog
if command -v dpkg-parsechangelog >/dev/null; then
	debian=$(dpkg-parsechangelog -l "$changelog" -S Version)
else
	debian=$(sed -n '1s/^[^ ]* (\([^)]*\)).*/\1/p' "$changelog")
fi
# [epoch:]upstream[-revision]
upstream=${debian#*:}
upstream=${upstream%-*}
if [ "$upstream" = "$version" ]; then
	echo "ok: debian/changelog's $debian is meson's $version"
else
	echo "not ok: debian/changelog says $debian (upstream $upstream), meson.build says $version"
	echo "  add a changelog entry: dch -v $version-1"
	exit 1
fi
