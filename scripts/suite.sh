#!/bin/sh
# Usage: [DAX_FS=...] [T=...] [NOBUILD=...] suite.sh SUITE [SKIPFILE]
#
# Print the entries of SUITE (test/suite) as one base runs them, one per
# line, "name expectation command", without comments:
#  - an entry NAME@dax becomes one entry per filesystem of $DAX_FS
#    (NAME@ext4, NAME@xfs), in that order;
#  - an entry that runs a program of $NOBUILD (test programs this base
#    does not build, the Makefile's TEST_PROGS_EXCLUDE), or whose name
#    matches a pattern of SKIPFILE ("pattern  reason", patterns are shell
#    globs), keeps its name and expectation, and its command becomes
#    skip.sh with the reason, so that the guest reports it as skipped;
#  - with $T (shell globs, e.g. T='lease_* v4l2_userptr@ext4'), only the
#    entries whose name matches one of them are printed.
set -eu
suite=$1 skip=${2:-}
: "${DAX_FS:?}"
T=${T:-} NOBUILD=${NOBUILD:-}
. "$(dirname "$0")/lib.sh"

# match NAME PATTERNS: NAME matches one of the shell globs PATTERNS.
match() {
	_n=$1
	shift
	for _p in "$@"; do
		# shellcheck disable=SC2254 # the pattern is a glob
		case $_n in $_p) return 0 ;; esac
	done
	return 1
}

# One entry, its name already expanded.
entry() {
	name=$1 expect=$2
	shift 2
	if [ -n "$T" ]; then
		set -f
		# shellcheck disable=SC2086 # a list of globs
		match "$name" $T || { set +f; return 0; }
		set +f
	fi
	reason=""
	for word in "$@"; do
		for prog in $NOBUILD; do
			[ "$word" = "$prog" ] && reason="$prog is not built for this base"
		done
	done
	if [ -z "$reason" ] && [ -n "$skip" ]; then
		reason=$(entries "$skip" | while read -r pat why; do
			if match "$name" "$pat"; then echo "$why"; break; fi
		done)
	fi
	case $reason in
	*[!A-Za-z0-9\ .,:/_@+-]*)
		echo "suite.sh: $skip: the reason for $name must be plain words" >&2
		exit 1
		;;
	esac
	if [ -n "$reason" ]; then
		set -- skip.sh "$reason"
	fi
	printf '%-28s %-5s %s\n' "$name" "$expect" "$*"
}

entries "$suite" | while IFS= read -r line; do
	set -f
	# shellcheck disable=SC2086 # split the entry into its fields
	set -- $line
	set +f
	case $1 in
	*@dax)
		for fs in $DAX_FS; do
			set -f
			# shellcheck disable=SC2086
			entry "${1%@dax}@$fs" ${line#"$1"}
			set +f
		done
		;;
	*)
		set -f
		# shellcheck disable=SC2086
		entry $line
		set +f
		;;
	esac
done
