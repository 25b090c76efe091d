#!/bin/sh
# Usage: DAX_FS=... GUEST_FS=... [T=...] [NOBUILD=...] suite.sh SUITE [SKIPFILE]
# The entries of SUITE as one base runs them, "name expectation command": NAME@dax
# expanded, only those T selects, and those of NOBUILD's programs or SKIPFILE's patterns
# made skips with their reason (README.md, "How the run works" and "Variables").
set -eu
die() { echo "suite.sh: $*" >&2; exit 1; }
suite=$1 skip=${2:-}
: "${DAX_FS:?}" "${GUEST_FS:?}"
[ -r "$suite" ] || die "no suite $suite"
T=${T:-} NOBUILD=${NOBUILD:-}
. "$(dirname "$0")/lib.sh"

# named GLOB...: the entry's name, or its name in SUITE, matches one of GLOBs.
named() {
	# shellcheck disable=SC2254 # the patterns are globs
	for _p in "$@"; do
		case $name in $_p) return 0 ;; esac
		case $sname in $_p) return 0 ;; esac
	done
	return 1
}

# entry NAME SUITENAME EXPECTATION COMMAND...: print the entry NAME of SUITENAME.
entry() {
	name=$1 sname=$2 expect=${3:-} reason=""
	case $expect in pass | fail | same) [ $# -gt 3 ] ;; *) false ;; esac ||
		die "$suite: $sname: not \"name pass|fail|same command\""
	shift 3
	case " $GUEST_FS anon " in
	*" ${name##*@} "*) ;;
	*) [ "$name" = "${name%@*}" ] ||
		die "$suite: $name: ${name##*@} is not one of GUEST_FS ($GUEST_FS) or anon" ;;
	esac
	set -f
	# shellcheck disable=SC2086 # a list of globs
	[ -z "$T" ] || named $T || { set +f; return 0; }
	set +f
	for word in "$@"; do
		for prog in $NOBUILD; do
			[ "$word" = "$prog" ] && reason="$prog is not built for this base"
		done
	done
	[ -n "$reason" ] || [ -z "$skip" ] || reason=$(entries "$skip" | while read -r pat why; do
		[ -n "$why" ] || die "$skip: $pat: no reason"
		named "$pat" || continue
		echo "$why"
		break
	done)
	case $1 in
	timeout=*[!0-9]* | timeout=) die "$suite: $sname: $1 is not timeout=SECONDS" ;;
	esac
	case $reason in
	*[!A-Za-z0-9\ .,:/_@+-]*) die "$skip: the reason for $name must be plain words" ;;
	esac
	[ -z "$reason" ] || set -- skip.sh "$reason"
	printf '%-28s %-5s %s\n' "$name" "$expect" "$*"
}

# run: the entries that T selects.
run() {
	entries "$suite" | while IFS= read -r line; do
		set -f
		# shellcheck disable=SC2086 # split the entry into its fields
		set -- $line
		set +f
		case $1 in
		*@dax) for fs in $DAX_FS; do entry "${1%@dax}@$fs" "$@"; done ;;
		*) entry "$1" "$@" ;;
		esac
	done
}
out=$(run)
# Each glob of T must select an entry by itself (SKIPFILE need not be read again).
set -f
for pat in $T; do
	[ -n "$(T=$pat skip= && run)" ] || die "T: '$pat' matches no entry of $suite"
done
[ -z "$out" ] || printf '%s\n' "$out"
