#!/bin/sh
# The translations are complete and current: po/LINGUAS names exactly the
# po/*.po files, and each of them is what msgmerge makes of it against
# po/purple-twdm.pot (tools/run-tests checks that the template matches the
# sources), has no fuzzy or untranslated entry, and passes msgfmt --check.
# The fix is the recipe in README.md (Development, translations).
#   check-translations.sh SOURCE_ROOT
set -eu
po=$1/po
status=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

listed=$(grep -v '^#' "$po/LINGUAS" | tr -s ' \n' '\n' | sed '/^$/d' | sort)
present=$(cd "$po" && ls -- *.po 2>/dev/null | sed 's/\.po$//' | sort)
if [ "$listed" != "$present" ]; then
	echo "not ok: po/LINGUAS lists: $(echo $listed); po/ has: $(echo $present)"
	status=1
fi
if [ -z "$present" ]; then
	echo "not ok: no translations in po/"
	exit 1
fi

for lang in $present; do
	file=$po/$lang.po
	if ! msgmerge --quiet --no-fuzzy-matching -o "$tmp/$lang.po" "$file" \
		"$po/purple-twdm.pot"; then
		echo "not ok: $lang: msgmerge failed"
		status=1
		continue
	fi
	# Compared unwrapped: msgmerge --update keeps a file whose messages
	# are unchanged as it is, however its lines are wrapped.
	msgcat --no-wrap -o "$tmp/$lang.old" "$file"
	msgcat --no-wrap -o "$tmp/$lang.new" "$tmp/$lang.po"
	# The header's POT-Creation-Date follows the template's, which is
	# made anew at each build: only that line may differ.
	if ! diff -u -I '^"POT-Creation-Date: ' "$tmp/$lang.old" "$tmp/$lang.new" >"$tmp/diff"; then
		echo "not ok: $lang.po is out of date with purple-twdm.pot:"
		head -n 40 "$tmp/diff"
		status=1
	fi
	if ! stats=$(LC_ALL=C msgfmt --check --statistics -o /dev/null "$file" 2>&1); then
		echo "not ok: $lang: msgfmt --check failed:"
		echo "$stats"
		status=1
		continue
	fi
	case $stats in
	*fuzzy* | *untranslated*)
		echo "not ok: $lang: $stats"
		status=1
		;;
	*)
		echo "ok: $lang: $stats"
		;;
	esac
done
exit $status
