#!/bin/sh
# Usage: matrix.sh FRAGMENT_DIR [ENTRY...]
# The series tip built for each ENTRY (default: all) in
# $TREES/series/.matrix-ENTRY, a line "matrix ENTRY: ok|FAILED" each
# (README.md, "Ready for the list").
set -eu
fdir=$(cd "$1" && pwd)
shift
: "${TREES:?}" "${KGIT:?}"
. "$(dirname "$0")/lib.sh"
m=$fdir/matrix
tree=$TREES/series
[ $# -gt 0 ] || set -- x86_64-no-fs-dax x86_64-allnoconfig i386 arm64

touched=$(git_k diff --name-only --diff-filter=AM base..series -- \
	'*.c' ':!tools' | sed 's/\.c$/.o/')
touched_src=$(git_k diff --name-only --diff-filter=AM base..series -- \
	'*.c' '*.h' ':!tools')

# The touched objects that the entry's config builds and are not up to date,
# from a dry run of vmlinux ("make dir/file.o" builds whatever the config).
stale_objs() {
	mmake -n vmlinux 2>/dev/null | grep -o -- '-c -o [^ ]*\.o ' |
		sed 's/^-c -o //; s/ $//' | sort -u >"$obj.would-build"
	printf '%s\n' $touched | grep -xF -f "$obj.would-build" || true
}

rc=0
for entry in "$@"; do
	cross="" start=tinyconfig goal=vmlinux
	case $entry in
	x86_64-no-fs-dax) arch=x86_64 goal=objects; set -- "$fdir"/*.config "$m/touched.config" "$m/no-fs-dax.config" ;;
	x86_64-allnoconfig) arch=x86_64 start=allnoconfig; set -- ;;
	i386) arch=i386 cross=i686-linux-gnu- goal=objects; set -- "$m/touched.config" "$m/i386.config" ;;
	arm64) arch=arm64 cross=aarch64-linux-gnu- goal=objects; set -- "$m/touched.config" "$m/arm64.config" ;;
	*) echo "matrix: unknown entry '$entry'" >&2; exit 2 ;;
	esac
	if [ -n "$cross" ] && ! command -v "${cross}gcc" >/dev/null; then
		echo "matrix $entry: FAILED (${cross}gcc not installed)"
		rc=1
		continue
	fi
	obj=$tree/.matrix-$entry
	log=$obj.log
	begin=$(date +%s)
	# The entry's build, in $obj.
	mmake() {
		KARCH=$arch KCROSS=$cross kmake "$tree" "${obj##*/}" "$@"
	}
	if ! { KARCH=$arch KCONFIG_START=$start \
		"$(dirname "$0")/kconfig.sh" "$tree" "$obj" "$@"; } >"$log" 2>&1; then
		tail -n 30 "$log"
		echo "matrix $entry: FAILED (kconfig, log $log)"
		rc=1
		continue
	fi
	if [ "$goal" = objects ] && [ "${MATRIX_LINK:-0}" != 1 ]; then
		objs=$(mmake prepare >>"$log" 2>&1 && stale_objs) ||
			{ echo "matrix $entry: FAILED (prepare, log $log)"; rc=1; continue; }
		# shellcheck disable=SC2086 # a list of objects
		set -- $objs
		what="$# touched objects"
	else
		set -- vmlinux
		what=vmlinux
	fi
	# A warning in a file the series touches fails the entry too.
	if { [ $# -eq 0 ] || mmake "$@" >>"$log" 2>&1; } &&
		! grep -E ': (warning|error):' "$log" | grep -qF "$touched_src"; then
		echo "matrix $entry: ok, $what ($(($(date +%s) - begin)) s)"
	else
		grep -E ': (warning|error):' "$log" | head -n 20 || tail -n 30 "$log"
		echo "matrix $entry: FAILED, $what ($(($(date +%s) - begin)) s, log $log)"
		rc=1
	fi
done

# Every touched .c file is compiled somewhere: by the test config or here.
for o in $touched; do
	for f in "$tree/.build/$o" "$tree"/.matrix-*/"$o" ""; do
		[ ! -f "$f" ] || break
	done
	[ -n "$f" ] ||
		{ echo "matrix: ${o%.o}.c is compiled by neither the test config nor an entry"; rc=1; }
done
exit "$rc"
