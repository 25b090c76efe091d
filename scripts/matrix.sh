#!/bin/sh
# Usage: matrix.sh FRAGMENT_DIR [ENTRY...]
#
# A build matrix like the 0-day robot's, at the series tip (every prefix on
# x86_64 is check.sh bisect).  Each entry builds in its own directory,
# $TREES/series/.matrix-ENTRY (srctree ".." as for the test kernel, so that
# ccache serves rebuilds), and prints one line "matrix ENTRY: ok (N s)" or
# "matrix ENTRY: FAILED".  Entries (default: all):
#
#   x86_64-no-fs-dax    the test config (FRAGMENT_DIR/*.config) with
#                       FS_DAX=n, plus the touched x86_64-only drivers
#   x86_64-allnoconfig  allnoconfig
#   i386                tinyconfig + the touched subsystems, i686-linux-gnu-
#                       (FS_DAX=n: no ZONE_DEVICE on 32-bit x86)
#   arm64               tinyconfig + the touched subsystems with FS_DAX and
#                       the Arm-only drivers, aarch64-linux-gnu-
set -eu
fdir=$(cd "$1" && pwd)
shift
: "${TREES:?}"
m=$fdir/matrix
tree=$TREES/series
[ $# -gt 0 ] || set -- x86_64-no-fs-dax x86_64-allnoconfig i386 arm64

rc=0
for entry in "$@"; do
	cross="" start=tinyconfig
	case $entry in
	x86_64-no-fs-dax)
		arch=x86_64
		set -- "$fdir"/*.config "$m/x86_64.config" "$m/no-fs-dax.config"
		;;
	x86_64-allnoconfig)
		arch=x86_64 start=allnoconfig
		set --
		;;
	i386)
		arch=i386 cross=i686-linux-gnu-
		set -- "$m/touched.config" "$m/i386.config"
		;;
	arm64)
		arch=arm64 cross=aarch64-linux-gnu-
		set -- "$m/touched.config" "$m/arm64.config"
		;;
	*)
		echo "matrix: unknown entry '$entry'" >&2
		exit 2
		;;
	esac
	if [ -n "$cross" ] && ! command -v "${cross}gcc" >/dev/null; then
		echo "matrix $entry: FAILED (${cross}gcc not installed)"
		rc=1
		continue
	fi
	obj=$tree/.matrix-$entry
	log=$obj.log
	begin=$(date +%s)
	if { ARCH=$arch KCONFIG_START=$start \
		"$(dirname "$0")/kconfig.sh" "$tree" "$obj" "$@" &&
		make -C "$tree" O="${obj##*/}" ARCH="$arch" CROSS_COMPILE="$cross" \
			CC="ccache ${cross}gcc" -j"${JOBS:-2}" -s; } >"$log" 2>&1; then
		echo "matrix $entry: ok ($(($(date +%s) - begin)) s)"
	else
		tail -n 30 "$log"
		echo "matrix $entry: FAILED ($(($(date +%s) - begin)) s, log $log)"
		rc=1
	fi
done
exit "$rc"
