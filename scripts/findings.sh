#!/bin/sh
# Usage: findings.sh sparse|w1|kernel-doc|coccicheck
# One checker over the touched files in the series and the base trees;
# prints the series' new findings (compared without line numbers) and
# fails if there are any (README.md, "Ready for the list").
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
# Objects of the touched .c files that the test config builds (series), and the others.
objs=$(for f in $csrc; do [ ! -f "$series/.build/${f%.c}.o" ] || echo "${f%.c}.o"; done)
notbuilt=$(for f in $csrc; do [ -f "$series/.build/${f%.c}.o" ] || printf ' %s' "$f"; done)

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
		files=$(for f in $3; do [ ! -f "$2/$f" ] || echo "$f"; done)
		[ -n "$files" ] || return 0
		for c in ${COCCI:-"$2"/scripts/coccinelle/*/*.cocci}; do
			[ -f "$c" ] || c=$(find "$2/scripts/coccinelle" -name "$c" | head -n 1)
			out=$CACHE/coccicheck/$( { spatch --version | head -n 1; cat "$c"
				(cd "$2" && cat $files); } | sha256sum | cut -c1-16)
			if [ ! -f "$out" ]; then
				opts=$(sed -n 's|^// *Options: *||p' "$c")
				mkdir -p "$CACHE/coccicheck"
				# shellcheck disable=SC2086
				(cd "$2" && timeout 600 spatch -D report --no-show-diff \
					--very-quiet $opts --jobs "${JOBS:-$(nproc)}" \
					--chunksize 1 --cocci-file "$c" $files 2>/dev/null) \
					>"$out.tmp" || true
				mv "$out.tmp" "$out"
			fi
			sed "s|\$| [${c##*/}]|" "$out"
		done
		;;
	esac
}

case $what in
sparse) targets=$objs flag=C=2 ;;
w1) targets=$objs flag=W=1 ;;
kernel-doc) targets=$touched ;;
coccicheck) targets=$csrc ;;
*) echo "findings: unknown check '$what'" >&2; exit 2 ;;
esac
[ "$what" != sparse ] || ${SPARSE:-sparse} --version >/dev/null 2>&1 ||
	{ echo "sparse: cannot run '${SPARSE:-sparse}'"; exit 1; }
[ "$what" != coccicheck ] || command -v spatch >/dev/null ||
	{ echo "coccicheck: spatch not installed (apt-get install coccinelle)"; exit 1; }

run "$what" "$series" "$targets" | normalize >"$tmp/series"
# Only what the series found needs looking up on the base.
: >"$tmp/base"
if [ -s "$tmp/series" ]; then
	# coccicheck: only the semantic patches that found something.
	COCCI=$(sed -n 's/.* \[\([^]]*\.cocci\)\]$/\1/p' "$tmp/series" | sort -u | tr '\n' ' ')
	run "$what" "$base" "$targets" | normalize >"$tmp/base"
fi
comm -13 "$tmp/base" "$tmp/series" | sed "s/^/$what: new: /" | tee "$tmp/new"
if [ "$what" = sparse ] || [ "$what" = w1 ]; then
	nbuilt=$(printf '%s\n' "$objs" | grep -c . || true)
	echo "$what: $nbuilt touched objects checked;" \
		"not built by the test config (see make matrix):${notbuilt:- none}"
fi
n=$(wc -l <"$tmp/new")
echo "$what: $n new findings (series $(wc -l <"$tmp/series"), base $(wc -l <"$tmp/base"))"
[ "$n" -eq 0 ]
