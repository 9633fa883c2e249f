#!/bin/sh
# make lint: clang-format conformance and cppcheck over the given C files.
set -u
[ $# -gt 0 ] || { echo "lint: no files"; exit 0; }
rc=0
bad=$(clang-format --dry-run -Werror "$@" 2>&1 | grep -o '^[^:]*\.[ch]' | sort -u)
if [ -n "$bad" ]; then
	echo "lint: not clang-formatted (run: clang-format -i FILE):"
	echo "$bad" | sed 's/^/  /'
	rc=1
fi
if ! cppcheck -q --error-exitcode=1 --inline-suppr --std=c11 \
	--enable=warning,portability,performance \
	--suppress=missingIncludeSystem -I. "$@"; then
	echo "lint: cppcheck found problems (above)"
	rc=1
fi
[ $rc -eq 0 ] && echo "lint: $# files clean"
exit $rc
