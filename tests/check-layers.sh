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
# TwAccount's files are one unit here: its core drives its concerns and
# they call back into the core through tw-account-private.h; tw-state's
# files, which share tw-state-private.h, are one unit too. Among the
# concerns themselves (the second graph) there must be no cycle either.
account_concerns="tw-session tw-sync tw-outbox tw-upload tw-attachments tw-people tw-groups tw-account-status tw-waiting tw-blast tw-media-fetch"
unit_of() {
	case " $account_concerns tw-account-private " in
	*" $1 "*) echo tw-account ;;
	*)
		case $1 in
		# the state's files share its private header: one unit
		tw-state-private | tw-state-desk | tw-state-writer) echo tw-state ;;
		*) echo "$1" ;;
		esac
		;;
	esac
}
is_concern() {
	case " $account_concerns " in
	*" $1 "*) return 0 ;;
	*) return 1 ;;
	esac
}
edges=$(mktemp)
concern_edges=$(mktemp)
loops=$(mktemp)
trap 'rm -f "$edges" "$concern_edges" "$loops"' EXIT
for f in "$root"/plugin/*.c "$root"/plugin/*.h; do
	file=$(basename "$f")
	file=${file%.*}
	unit=$(unit_of "$file")
	echo "$unit $unit" >>"$edges"
	if is_concern "$file"; then
		echo "$file $file" >>"$concern_edges"
	fi
	sed -n 's/^#include "\([^"/]*\)\.h".*/\1/p' "$f" | while read -r header; do
		[ -f "$root/plugin/$header.h" ] || continue
		target=$(unit_of "$header")
		if [ "$target" != "$unit" ]; then
			echo "$unit $target" >>"$edges"
		fi
		if is_concern "$file" && is_concern "$header" &&
			[ "$header" != "$file" ]; then
			echo "$file $header" >>"$concern_edges"
		fi
	done
done
for graph in "$edges" "$concern_edges"; do
	if ! tsort "$graph" >/dev/null 2>"$loops" || [ -s "$loops" ]; then
		echo "not ok: an include cycle among the units of plugin/ (tsort):"
		sed -e "s|^tsort: $graph: |#   |" -e 's/^tsort: /#   /' "$loops"
		status=1
	fi
done

[ $status -eq 0 ] && echo "ok: layers respected, include graph acyclic"
exit $status
