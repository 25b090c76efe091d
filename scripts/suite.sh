#!/bin/sh
# Usage: DAX_FS=... GUEST_FS=... [T=...] [NOBUILD=...] suite.sh SUITE [SKIPFILE]
#
# Print the entries of SUITE (test/suite) as one base runs them, one per
# line, "name expectation command", without comments:
#  - an entry NAME@dax becomes one entry per filesystem of $DAX_FS
#    (NAME@ext4, NAME@xfs), in that order; any other NAME@FS must name a
#    filesystem of $GUEST_FS, or be NAME@anon;
#  - an entry that runs a program of $NOBUILD (test programs this base
#    does not build, the Makefile's TEST_PROGS_EXCLUDE), or whose name
#    matches a pattern of SKIPFILE ("pattern  reason", patterns are shell
#    globs), keeps its name and expectation, and its command becomes
#    skip.sh with the reason, so that the guest reports it as skipped;
#  - with $T (shell globs, e.g. T='lease_* v4l2_userptr@ext4'), only the
#    entries whose name, or name in SUITE (NAME@dax), matches one of them
#    are printed; it is an error if a glob matches no entry.
# A pattern of SKIPFILE, too, may match either name.
set -eu
suite=$1 skip=${2:-}
: "${DAX_FS:?}" "${GUEST_FS:?}"
[ -r "$suite" ] || { echo "suite.sh: no suite $suite" >&2; exit 1; }
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

# entry SUITENAME NAME EXPECTATION COMMAND...: one entry, NAME expanded
# from SUITENAME.
entry() {
	sname=$1 name=$2 expect=${3:-}
	shift $(($# < 3 ? $# : 3))
	if [ $# -eq 0 ] || ! match "$expect" pass fail same; then
		echo "suite.sh: $suite: $sname: not \"name pass|fail|same command\"" >&2
		exit 1
	fi
	case " $GUEST_FS anon " in
	*" ${name##*@} "*) ;;
	*)
		[ "$name" = "${name%@*}" ] || {
			echo "suite.sh: $suite: $name: ${name##*@} is not one of GUEST_FS ($GUEST_FS) or anon" >&2
			exit 1
		}
		;;
	esac
	if [ -n "$T" ]; then
		set -f
		# shellcheck disable=SC2086 # a list of globs
		if ! match "$name" $T && ! match "$sname" $T; then
			set +f
			return 0
		fi
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
			[ -n "$why" ] || { echo "suite.sh: $skip: $pat: no reason" >&2; exit 1; }
			if match "$name" "$pat" || match "$sname" "$pat"; then
				echo "$why"
				break
			fi
		done)
	fi
	case $1 in
	timeout=*[!0-9]* | timeout=)
		echo "suite.sh: $suite: $sname: $1 is not timeout=SECONDS" >&2
		exit 1
		;;
	esac
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

out=$(entries "$suite" | while IFS= read -r line; do
	set -f
	# shellcheck disable=SC2086 # split the entry into its fields
	set -- $line
	set +f
	sname=$1
	shift
	case $sname in
	*@dax)
		for fs in $DAX_FS; do
			entry "$sname" "${sname%@dax}@$fs" "$@"
		done
		;;
	*)
		entry "$sname" "$sname" "$@"
		;;
	esac
done)
# Each glob of T must match an entry, by either name.
set -f
for pat in $T; do
	set +f
	found=""
	for sname in $(entries "$suite" | awk '{ print $1 }'); do
		names=$sname
		case $sname in *@dax) for fs in $DAX_FS; do names="$names ${sname%@dax}@$fs"; done ;; esac
		for n in $names; do
			match "$n" "$pat" && found=1
		done
	done
	if [ -z "$found" ]; then
		echo "suite.sh: T: '$pat' matches no entry of $suite" >&2
		exit 1
	fi
done
set +f
[ -z "$out" ] || printf '%s\n' "$out"
