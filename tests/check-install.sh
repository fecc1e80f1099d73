#!/bin/sh
# meson install into a staged DESTDIR, configured as the Debian package
# configures it (--prefix=/usr, no tests), installs exactly the plugin in
# purple's plugindir, the protocol icons where Pidgin looks and one .mo a
# language of po/LINGUAS under /usr/share/locale, and nothing else. Given
# the package, its file list (less the package's own docs and lintian
# overrides) must be the same.
#   tests/check-install.sh [PACKAGE.deb]
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
deb=${1:-}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

meson setup "$tmp/build" "$root" --prefix=/usr -Dtests=false >"$tmp/log" 2>&1 &&
	meson compile -C "$tmp/build" >>"$tmp/log" 2>&1 &&
	meson install -C "$tmp/build" --destdir "$tmp/stage" --no-rebuild \
		>>"$tmp/log" 2>&1 || {
	tail -n 30 "$tmp/log"
	echo "not ok: the staged install failed"
	exit 1
}

plugindir=$(pkg-config --variable=plugindir purple)
{
	echo "$plugindir/libtwdm.so"
	for size in 16 22 48; do
		echo "/usr/share/pixmaps/pidgin/protocols/$size/twdm.png"
	done
	echo "/usr/share/pixmaps/pidgin/protocols/scalable/twdm.svg"
	for lang in $(grep -v '^#' "$root/po/LINGUAS"); do
		echo "/usr/share/locale/$lang/LC_MESSAGES/purple-twdm.mo"
	done
} | sort >"$tmp/expected"
(cd "$tmp/stage" && find . ! -type d | sed 's|^\.||' | sort) >"$tmp/installed"

status=0
if diff -u "$tmp/expected" "$tmp/installed"; then
	echo "ok: meson install puts $(wc -l <"$tmp/installed") files where expected, and nothing else"
else
	echo "not ok: meson install (-: expected, +: installed)"
	status=1
fi
for mo in $(grep '\.mo$' "$tmp/installed"); do
	if ! msgunfmt "$tmp/stage$mo" >/dev/null; then
		echo "not ok: $mo is not a message catalogue"
		status=1
	fi
done

if [ -n "$deb" ]; then
	dpkg-deb --fsys-tarfile "$deb" | tar -tf - | grep -v '/$' |
		sed 's|^\./|/|' | grep -v -e '^/usr/share/doc/' -e '^/usr/share/lintian/overrides/' | sort >"$tmp/packaged"
	if diff -u "$tmp/installed" "$tmp/packaged"; then
		echo "ok: $(basename "$deb") holds the same files"
	else
		echo "not ok: the package differs from meson install (-: meson, +: package)"
		status=1
	fi
fi
exit $status
