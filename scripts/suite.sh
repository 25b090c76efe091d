#!/bin/sh
# Usage: suite.sh SUITE [SKIPFILE]
#
# Print SUITE for one base: an entry whose name matches a pattern of
# SKIPFILE ("pattern  reason", patterns are shell globs) keeps its name and
# expectation, and its command becomes skip.sh with the reason, so the
# guest reports it as skipped with that reason instead of running it.
# With T set (shell globs, e.g. T='lease_* v4l2_userptr@ext4'), only the
# entries whose name matches one of them are printed.
set -eu
suite=$1 skip=${2:-}
T=${T:-}

while IFS= read -r line; do
	case $line in
	'' | '#'*) printf '%s\n' "$line"; continue ;;
	esac
	set -f
	# shellcheck disable=SC2086 # split the entry into its fields
	set -- $line
	set +f
	name=$1 expect=$2 reason=""
	if [ -n "$T" ]; then
		keep=""
		set -f
		for pat in $T; do
			# shellcheck disable=SC2254 # the pattern is a glob
			case $name in $pat) keep=1 ;; esac
		done
		set +f
		[ -n "$keep" ] || continue
	fi
	if [ -n "$skip" ]; then
		while read -r pat why; do
			case $pat in '' | '#'*) continue ;; esac
			# shellcheck disable=SC2254 # the pattern is a glob
			case $name in $pat) reason=$why; break ;; esac
		done <"$skip"
	fi
	case $reason in
	*[!A-Za-z0-9\ .,:/_@+-]*)
		echo "suite.sh: $skip: the reason for $name must be plain words" >&2
		exit 1
		;;
	esac
	if [ -n "$reason" ]; then
		printf '%-24s %-5s skip.sh %s\n' "$name" "$expect" "$reason"
	else
		printf '%s\n' "$line"
	fi
done <"$suite"
