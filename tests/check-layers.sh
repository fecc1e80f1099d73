#!/bin/sh
# The layering rule, checked: below the purple glue only the loop glue may
# include libpurple headers, nothing above tw-http.c may include curl, and
# the units of plugin/ (a .c with its .h) include each other without a
# cycle, so every dependency points one way.
set -eu
root=$1
status=0
for f in "$root"/plugin/*.c "$root"/plugin/*.h; do
	name=$(basename "$f")
	case $name in
	tw-plugin.c | tw-prpl.c | tw-prpl.h | tw-prpl-*.c | tw-prpl-*.h | tw-loop.c) ;;
	*)
		if grep -nE '#include <(purple|libpurple/|account|connection|conversation|debug|eventloop|server)\.?h?' "$f"; then
			echo "not ok: $name includes a libpurple header"
			status=1
		fi
		if grep -nE '#include "tw-prpl[a-z-]*\.h"' "$f"; then
			echo "not ok: $name includes a purple glue header"
			status=1
		fi
		;;
	esac
	case $name in
	tw-http.c | tw-loop.c | tw-loop.h | tw-plugin.c) ;;
	*)
		if grep -n '#include <curl/' "$f"; then
			echo "not ok: $name includes curl"
			status=1
		fi
		;;
	esac
done

# The include graph: one line "unit header-unit" for each #include "x.h"
# of a header in plugin/, and "unit unit" so that every unit is a node.
edges=$(mktemp)
loops=$(mktemp)
trap 'rm -f "$edges" "$loops"' EXIT
for f in "$root"/plugin/*.c "$root"/plugin/*.h; do
	unit=$(basename "$f")
	unit=${unit%.*}
	echo "$unit $unit" >>"$edges"
	sed -n 's/^#include "\([^"/]*\)\.h".*/\1/p' "$f" | while read -r header; do
		if [ "$header" != "$unit" ] && [ -f "$root/plugin/$header.h" ]; then
			echo "$unit $header" >>"$edges"
		fi
	done
done
if ! tsort "$edges" >/dev/null 2>"$loops" || [ -s "$loops" ]; then
	echo "not ok: an include cycle among the units of plugin/ (tsort):"
	sed -e "s|^tsort: $edges: |#   |" -e 's/^tsort: /#   /' "$loops"
	status=1
fi

[ $status -eq 0 ] && echo "ok: layers respected, include graph acyclic"
exit $status
