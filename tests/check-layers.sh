#!/bin/sh
# The layering rule, checked: below the purple glue only the loop glue may
# include libpurple headers, and nothing above tw-http.c may include curl.
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
[ $status -eq 0 ] && echo "ok: layers respected"
exit $status
