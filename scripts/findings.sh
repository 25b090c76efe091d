#!/bin/sh
# Usage: findings.sh sparse|w1|kernel-doc|coccicheck
#
# One static checker over the files the series touches, run on the series
# tree and on the base tree alike; only findings the series adds count.
# A finding is compared without its line and column numbers, so that code
# moving down a file does not make an old finding look new.
#
#   sparse      make C=2 (sparse) on the touched .c files that the test
#               config builds
#   w1          make W=1 on the same objects (extra gcc warnings, and
#               kernel-doc on the .c files)
#   kernel-doc  scripts/kernel-doc -none -Wall (where the tree's kernel-doc
#               has -Wall) on the touched .c and .h files: the new API and
#               every kernel-doc comment touched
#   coccicheck  the tree's scripts/coccinelle/ semantic patches in report
#               mode (what make coccicheck MODE=report runs), each over
#               all touched .c files at once; results are cached by the
#               checked files' and the semantic patches' contents
#
# Prints each new finding, then "<check>: N new findings (series S,
# base B)", and exits 1 if N > 0.  Needs the base and series trees built
# (make kernel base-kernel).
set -eu
what=$1 COCCI=
: "${KGIT:?}" "${TREES:?}" "${CACHE:?}"
. "$(dirname "$0")/lib.sh"
series=$TREES/series base=$TREES/base
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

touched=$(git_k diff --name-only --diff-filter=AM base..series -- \
	'*.c' '*.h' ':!tools' ':!Documentation')
csrc=$(printf '%s\n' $touched | grep '\.c$' || true)

# Objects of touched .c files that the test config builds (in the series).
built_objs() {
	for f in $csrc; do
		[ -f "$series/.build/${f%.c}.o" ] && echo "${f%.c}.o"
	done
	return 0
}

# "path:line:col: message" -> "path: message", sorted, one per line.
normalize() {
	sed -E 's|^\.\./||; s|^([^:]+):[0-9]+(:[0-9]+(-[0-9]+)?)?:|\1:|;
		s/line [0-9]+/line N/g' | sort
}

# Findings of checker $1 in tree $2 for files/objects "$3".
run() {
	case $1 in
	sparse | w1)
		[ -n "$3" ] || return 0
		flag=C=2
		[ "$1" = w1 ] && flag=W=1
		# shellcheck disable=SC2086
		kmake "$2" .build CHECK="${SPARSE:-sparse}" -k "$flag" $3 2>&1 >/dev/null |
			grep -E '^[^ ]+:[0-9]+(:[0-9]+)?: (warning|error)' || true
		;;
	kernel-doc)
		# -Wall came after 6.1, whose kernel-doc stops at it.
		wall=
		perl "$2/scripts/kernel-doc" -h 2>&1 | grep -q -- '-Wall' && wall=-Wall
		for f in $3; do
			# shellcheck disable=SC2086 # $wall is empty or one option
			[ -f "$2/$f" ] && (cd "$2" && perl scripts/kernel-doc -none $wall "$f" 2>&1)
		done | grep -Ei '(warning|error)' |
			# 7.3's: "Warning: path:line message"
			sed -E 's/^(warning|error): ([^ :]+):([0-9]+) /\2:\3: \1: /I' || true
		;;
	coccicheck)
		files=$(for f in $3; do [ -f "$2/$f" ] && echo "$f"; done)
		[ -n "$files" ] || return 0
		for c in ${COCCI:-"$2"/scripts/coccinelle/*/*.cocci}; do
			[ -f "$c" ] || c=$(find "$2/scripts/coccinelle" -name "$c" | head -n 1)
			key=$( { spatch --version | head -n 1; cat "$c"
				(cd "$2" && cat $files); } | sha256sum | cut -c1-16)
			out=$CACHE/coccicheck/$key
			if [ ! -f "$out" ]; then
				opts=$(sed -n 's|^// *Options: *||p' "$c")
				mkdir -p "$CACHE/coccicheck"
				# shellcheck disable=SC2086
				(cd "$2" && timeout 600 spatch -D report --no-show-diff --very-quiet \
					$opts --jobs "${JOBS:-$(nproc)}" --chunksize 1 --cocci-file "$c" $files \
					2>/dev/null) >"$out.tmp" || true
				mv "$out.tmp" "$out"
			fi
			sed "s|\$| [${c##*/}]|" "$out"
		done
		;;
	esac
}

case $what in
sparse | w1) set -- "$(built_objs | tr '\n' ' ')" ;;
kernel-doc) set -- "$(printf '%s ' $touched)" ;;
coccicheck) set -- "$(printf '%s ' $csrc)" ;;
*) echo "findings: unknown check '$what'" >&2; exit 2 ;;
esac
case $what in
sparse) ${SPARSE:-sparse} --version >/dev/null 2>&1 || { echo "sparse: cannot run '${SPARSE:-sparse}'"; exit 1; } ;;
coccicheck) command -v spatch >/dev/null || { echo "coccicheck: spatch not installed (apt-get install coccinelle)"; exit 1; } ;;
esac

run "$what" "$series" "$1" | normalize >"$tmp/series"
# Only what the series found needs looking up on the base.
if [ -s "$tmp/series" ]; then
	# coccicheck: only the semantic patches that found something.
	COCCI=$(sed -n 's/.* \[\([^]]*\.cocci\)\]$/\1/p' "$tmp/series" | sort -u | tr '\n' ' ')
	run "$what" "$base" "$1" | normalize >"$tmp/base"
else
	: >"$tmp/base"
fi
comm -13 "$tmp/base" "$tmp/series" >"$tmp/new"
sed "s/^/$what: new: /" "$tmp/new"
if [ "$what" = sparse ] || [ "$what" = w1 ]; then
	nbuilt=$(printf '%s\n' $1 | grep -c . || true)
	notbuilt=$(for f in $csrc; do [ -f "$series/.build/${f%.c}.o" ] || printf ' %s' "$f"; done)
	echo "$what: $nbuilt touched objects checked; not built by the test config (see make matrix):${notbuilt:- none}"
fi
n=$(grep -c . "$tmp/new" || true)
echo "$what: $n new findings (series $(grep -c . "$tmp/series" || true), base $(grep -c . "$tmp/base" || true))"
[ "$n" -eq 0 ]
