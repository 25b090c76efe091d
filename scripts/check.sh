#!/bin/sh
# Usage: check.sh all|<check> SERIES_FILE PATCH_DIR [FRAGMENT...]
#
#   all         the checks below (or those named in $CHECKS), each ending
#               in a line "check <name>: ok" or "check <name>: FAILED" (the
#               report counts them).
#   series      SERIES_FILE and PATCH_DIR list the same patches, and each
#               patch's author is a person who signed it off.
#   checkpatch  the base tree's checkpatch.pl --strict on every patch: clean,
#               or each remaining finding justified in COVER_LETTER.md by a
#               line "checkpatch: <patch file> <TYPE>: <reason>" ($COVER,
#               default COVER_LETTER.md).
#   mbox        the thread make mbox writes ($MBOX) applies with git am and
#               b4 am onto the base to the series tip's tree (mbox.sh).
#   kernel-doc, sparse, w1, coccicheck
#               no new findings on the touched files (findings.sh).
#   bisect      every prefix of the series builds (worktree $TREES/bisect,
#               incremental, same config as the test kernel; a prefix whose
#               tree built before with the same fragments is not rebuilt).
#   matrix      the series tip builds for the configs and architectures of
#               matrix.sh (FS_DAX=n, allnoconfig, i386, arm64).
set -eu
what=$1 series=$2 pdir=$(cd "$3" && pwd)
shift 3
: "${KGIT:?}" "${TREES:?}"

if [ "$what" = all ]; then
	rc=0
	for c in ${CHECKS:-series checkpatch mbox kernel-doc sparse w1 coccicheck bisect matrix}; do
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

patches=$(grep -v '^[[:space:]]*\(#\|$\)' "$series" | awk '{print $1}')

case $what in
series)
	bad=0
	for p in $patches; do
		[ -f "$pdir/$p" ] || { echo "series: $p is listed but not in $pdir/"; bad=1; }
	done
	for f in "$pdir"/*.patch; do
		[ -e "$f" ] || continue
		printf '%s\n' "$patches" | grep -qxF "${f##*/}" ||
			{ echo "series: $f is not listed in $series"; bad=1; }
	done
	for p in $patches; do
		[ -f "$pdir/$p" ] || continue
		from=$(sed -n '/^$/q; s/^From: //p' "$pdir/$p")
		case $from in
		*@localhost* | "")
			echo "series: $p: author '$from' is not a person's address"
			bad=1
			;;
		esac
		grep -qxF "Signed-off-by: $from" "$pdir/$p" ||
			{ echo "series: $p: not signed off by its author $from"; bad=1; }
	done
	[ "$bad" -eq 0 ] && echo "series: $(printf '%s\n' "$patches" | wc -l) patches, series and $pdir/ agree, each signed off by its author"
	exit "$bad"
	;;
checkpatch)
	cover=${COVER:-COVER_LETTER.md}
	justified=$(sed -n 's/^checkpatch: \([^ ]*\) \([A-Z_]*\): .*/\1 \2/p' "$cover" 2>/dev/null || true)
	bad=0
	for p in $patches; do
		# /usr/bin first: spdxcheck.py wants Debian's python3 and its ply.
		out=$(cd "$TREES/base" && PATH=/usr/bin:$PATH perl scripts/checkpatch.pl \
			--strict --show-types --no-summary -q "$pdir/$p" || true)
		types=$(printf '%s\n' "$out" | sed -n 's/^\(ERROR\|WARNING\|CHECK\):\([A-Z_]*\):.*/\2/p')
		left=0 ok=0
		for t in $types; do
			if printf '%s\n' "$justified" | grep -qxF "$p $t"; then
				ok=$((ok + 1))
			else
				left=$((left + 1))
			fi
		done
		printf 'checkpatch: %s: %d findings, %d justified in %s\n' \
			"$p" "$((left + ok))" "$ok" "$cover"
		if [ "$left" -ne 0 ]; then
			printf '%s\n' "$out"
			bad=1
		fi
	done
	exit "$bad"
	;;
mbox)
	"$(dirname "$0")/mbox.sh" "${COVER:-COVER_LETTER.md}" "${MBOX:-$TREES/series.mbox}"
	;;
kernel-doc | sparse | w1 | coccicheck)
	"$(dirname "$0")/findings.sh" "$what"
	;;
matrix)
	# FRAGMENT... are kconfig-fragments/*.config: matrix.sh wants their folder.
	"$(dirname "$0")/matrix.sh" "$(dirname "$1")"
	;;
bisect)
	n=$(printf '%s\n' "$patches" | wc -l)
	tree=$TREES/bisect
	if [ ! -e "$tree/.git" ]; then
		git --git-dir="$KGIT" worktree prune
		git --git-dir="$KGIT" worktree add -q --detach "$tree" series
	fi
	# A tree that built with the same fragments before need not build again.
	frags=$(cat "$@" | sha256sum | cut -c1-16)
	mkdir -p "$tree/.build/ok"
	k=0
	for p in $patches; do
		k=$((k + 1))
		ok=$tree/.build/ok/$(git --git-dir="$KGIT" rev-parse "series~$((n - k))^{tree}")-$frags
		if [ -f "$ok" ]; then
			echo "bisect: $k/$n $p: builds (this tree built before)"
			continue
		fi
		git -C "$tree" checkout -q -f --detach "series~$((n - k))"
		start=$(date +%s)
		log=$tree/.build/bisect.log
		if ! { "$(dirname "$0")/kconfig.sh" "$tree" "$tree/.build" "$@" &&
			make -C "$tree" O=.build ARCH=x86_64 CC="ccache gcc" \
				-j"${JOBS:-2}" -s vmlinux; } >"$log" 2>&1; then
			tail -n 30 "$log"
			echo "bisect: $k/$n $p: build FAILED"
			exit 1
		fi
		touch "$ok"
		echo "bisect: $k/$n $p: builds ($(($(date +%s) - start))s)"
	done
	;;
*)
	echo "check: unknown check '$what'" >&2
	exit 2
	;;
esac
