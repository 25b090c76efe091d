#!/bin/sh
# Usage: check.sh all|CHECK SERIES_FILE PATCH_DIR [FRAGMENT...]
# The static checks of make check (README.md, "Ready for the list"): each
# of $CHECKS with "all", each ending in "check NAME: ok|FAILED".
set -eu
what=$1 series=$2 pdir=$(cd "$3" && pwd)
shift 3
: "${KGIT:?}" "${TREES:?}"
. "$(dirname "$0")/lib.sh"

if [ "$what" = all ]; then
	rc=0
	for c in ${CHECKS:?the checks to run, from the Makefile}; do
		start=$(date +%s)
		if "$0" "$c" "$series" "$pdir" "$@"; then
			echo "check $c: ok"
		else
			echo "check $c: FAILED"
			rc=1
		fi
		echo "check $c took $(($(date +%s) - start)) s"
	done
	exit "$rc"
fi

patches=$(entries "$series" | awk '{print $1}')

case $what in
series)
	bad=0
	for f in "$pdir"/*.patch; do
		[ -e "$f" ] || continue
		printf '%s\n' "$patches" | grep -qxF "${f##*/}" ||
			{ echo "series: $f is not listed in $series"; bad=1; }
	done
	for p in $patches; do
		[ -f "$pdir/$p" ] || { echo "series: $p is listed but not in $pdir/"; bad=1; continue; }
		# The changelog: up to the "---" before the diffstat.
		log=$(sed '/^---$/q' "$pdir/$p")
		n=$(printf '%s\n' "$log" | grep -c '^Assisted-by: [^ ]' || true)
		[ "$n" -eq 1 ] ||
			{ echo "series: $p: $n Assisted-by: trailers, not one"; bad=1; }
		printf '%s\n' "$log" | grep '^Signed-off-by:' |
			grep -i '@localhost\|@anthropic\.com' | sed "s|^|series: $p: a tool cannot sign off: |" |
			grep . && bad=1
	done
	[ "$bad" -eq 0 ] && echo "series: $(printf '%s\n' "$patches" | wc -l) patches, series and $pdir/ agree, each with an Assisted-by: and no tool's sign-off"
	exit "$bad"
	;;
checkpatch)
	# A finding may stay if $COVER justifies it: "checkpatch: PATCH TYPE: why".
	cover=${COVER:-COVER_LETTER.md}
	justified=$(sed -n 's/^checkpatch: \([^ ]*\) \([A-Z_]*\): .*/\1 \2/p' "$cover" 2>/dev/null || true)
	# What would be mailed: signed off by the sender, as format-patch
	# names it (the names of patches/).
	"$(dirname "$0")/signed.sh" mailed
	mailed=$(mktemp -d)
	trap 'rm -rf "$mailed"; git_k branch -q -D mailed 2>/dev/null || true' EXIT
	git_k format-patch -q --no-signature --zero-commit \
		-o "$mailed" base..mailed
	bad=0
	for p in $patches; do
		if [ ! -f "$mailed/$p" ]; then
			echo "checkpatch: $p: not what format-patch names the mailed patch"
			bad=1
			continue
		fi
		# /usr/bin first: spdxcheck.py wants Debian's python3 and its ply.
		out=$(cd "$TREES/base" && PATH=/usr/bin:$PATH perl scripts/checkpatch.pl \
			--strict --show-types --no-summary -q "$mailed/$p" || true)
		# "PATCH TYPE" per finding, and how many of them are not justified.
		found=$(printf '%s\n' "$out" | sed -n "s/^\(ERROR\|WARNING\|CHECK\):\([A-Z_]*\):.*/$p \2/p")
		n=$(printf '%s' "$found" | grep -c . || true)
		left=$(printf '%s' "$found" | grep -cvxF -e "$justified" || true)
		echo "checkpatch: $p: $n findings, $((n - left)) justified in $cover"
		if [ "$left" -ne 0 ]; then
			printf '%s\n' "$out"
			bad=1
		fi
	done
	exit "$bad"
	;;
mbox)
	cover=$(realpath "${COVER:-COVER_LETTER.md}")
	mbox=$(realpath -m "${MBOX:-$TREES/series.mbox}")
	here=$(cd "$(dirname "$0")" && pwd)
	mkdir -p "$(dirname "$mbox")"
	bad=0
	# Without an identity (none in the environment or in any git
	# configuration), or with a bad one, make mbox must write nothing.
	for who in unset "Claude <noreply@Anthropic.com>" "Some Body" \
		"Your Name <you@example.org>" "Seed <maintainers@users.noreply.seed.example>" \
		"A Person <a.person@kernel.org>
Signed-off-by: Claude <noreply@anthropic.com>"; do
		rm -f "$mbox.refused"
		if [ "$who" = unset ]; then
			set -- env -u SENDER -u SENDER_TEST
		else
			set -- env -u SENDER_TEST SENDER="$who"
		fi
		if (cd / && "$@" GIT_CONFIG_GLOBAL=/dev/null GIT_CONFIG_NOSYSTEM=1 \
			"$here/mbox.sh" "$cover" "$mbox.refused") >"$mbox.log" 2>&1 ||
			! grep -q '^mbox: .*sign' "$mbox.log" || [ -e "$mbox.refused" ]; then
			cat "$mbox.log"
			echo "mbox: sender $(printf '%s' "$who" | head -n 1): not refused"
			bad=1
		else
			echo "mbox: sender $(printf '%s' "$who" | head -n 1): refused: $(head -n 1 "$mbox.log")"
		fi
	done
	rm -f "$mbox.log" "$mbox.refused"
	"$here/mbox.sh" "$cover" "$mbox" || bad=1
	exit "$bad"
	;;
callers)
	# The files outside mm/ that pass FOLL_LONGTERM are those of $COVER's
	# table of long-term pinners, where "dir/{a,b}.c" is dir/a.c and dir/b.c.
	cover=${COVER:-COVER_LETTER.md}
	listed=$(sed -n 's/^  \([a-z][a-z0-9_/{},.-]*\.[ch]\)\( .*\)\{0,1\}$/\1/p' "$cover" |
		awk '{ if (match($0, /\{[^}]*\}/)) {
			n = split(substr($0, RSTART + 1, RLENGTH - 2), alt, ",")
			for (i = 1; i <= n; i++)
				print substr($0, 1, RSTART - 1) alt[i] substr($0, RSTART + RLENGTH)
		} else print }')
	used=$(cd "$TREES/base" && grep -rl --include='*.c' FOLL_LONGTERM \
		--exclude-dir=tools --exclude-dir=Documentation . |
		sed 's|^\./||' | grep -v '^mm/' | sort)
	bad=0
	for f in $used; do
		printf '%s\n' "$listed" | grep -qxF "$f" ||
			{ echo "callers: $f passes FOLL_LONGTERM and is not in $cover's table"; bad=1; }
	done
	for f in $listed; do
		printf '%s\n' "$used" | grep -qxF "$f" ||
			{ echo "callers: $cover's table names $f, which does not pass FOLL_LONGTERM"; bad=1; }
	done
	[ "$bad" -eq 0 ] && echo "callers: the $(printf '%s\n' "$used" | wc -l) files outside mm/ that pass FOLL_LONGTERM are the table's"
	exit "$bad"
	;;
kernel-doc | sparse | w1 | coccicheck)
	"$(dirname "$0")/findings.sh" "$what"
	;;
matrix)
	# FRAGMENT... are kconfig-fragments/*.config: matrix.sh wants their folder.
	"$(dirname "$0")/matrix.sh" "$(dirname "$1")"
	;;
harness)
	"$(dirname "$0")/selftest.sh" "$(dirname "$0")/../test/harness"
	;;
bisect)
	# One worktree walked from the first prefix to the last; what is not built
	# again, and when Kconfig runs: README.md, "Ready for the list".
	n=$(printf '%s\n' "$patches" | wc -l)
	tree=$TREES/bisect
	worktree "$tree" series --detach
	frags=$(cat "$@" | sha256sum | cut -c1-16)
	mkdir -p "$tree/.build/ok"
	k=0 last=
	for p in $patches; do
		k=$((k + 1))
		rev=$(git_k rev-parse "series~$((n - k))")
		ok=$tree/.build/ok/$(git_k rev-parse "$rev^{tree}")-$frags
		why=
		if [ -f "$ok" ]; then
			why="this tree built before"
		elif [ "$k" -eq "$n" ]; then
			why="the series tree, built by make kernel"
		elif [ -n "$last" ] && git_k diff --quiet "$last" "$rev" -- . ':!tools/testing' ':!Documentation'; then
			why="only tools/testing/ or Documentation/ changed"
		fi
		if [ -n "$why" ]; then
			touch "$ok"
			last=$rev
			echo "bisect: $k/$n $p: builds ($why)"
			continue
		fi
		config=
		[ -f "$tree/.build/.config" ] && [ "$(cat "$tree/.build/frags" 2>/dev/null)" = "$frags" ] &&
			git -C "$tree" diff --quiet HEAD "$rev" -- '*Kconfig*' || config=1
		[ -z "$config" ] || rm -f "$tree/.build/frags"
		git -C "$tree" checkout -q -f --detach "$rev"
		start=$(date +%s)
		log=$tree/.build/bisect.log
		if ! {
			if [ -n "$config" ]; then
				"$(dirname "$0")/kconfig.sh" "$tree" "$tree/.build" "$@" &&
					echo "$frags" >"$tree/.build/frags"
			fi && kmake "$tree" .build vmlinux
		} >"$log" 2>&1; then
			tail -n 30 "$log"
			echo "bisect: $k/$n $p: build FAILED"
			exit 1
		fi
		touch "$ok"
		last=$rev
		echo "bisect: $k/$n $p: builds ($(($(date +%s) - start))s)"
	done
	;;
*)
	echo "check: unknown check '$what'" >&2
	exit 2
	;;
esac
