#!/bin/sh
# Usage: root.sh ROOT SUITE PACKAGE...
#
# A Debian root of SUITE (sid) with PACKAGE... installed, made with
# mmdebstrap through apt.sh and kept in ROOT.  It is made again when the
# package list changes.  The guest is assembled from it (mkguest.sh), and the
# host runs its tools that must be as new as the kernel (sparse).
set -eu
root=$1 suite=$2
shift 2
want="$suite $(printf '%s\n' "$@" | sort -u | tr '\n' ' ')"
if [ -x "$root/usr/bin/dpkg" ] && [ "$(cat "$root/.packages" 2>/dev/null)" = "$want" ]; then
	exit 0
fi
echo "root: making a Debian $suite root in $root"
rm -rf "$root" "$root.new"
mkdir -p "$(dirname "$root")"
"$(dirname "$0")/apt.sh" "$suite" mmdebstrap "$root.new" --variant=apt \
	--include="$(printf '%s,' "$@")" --quiet
echo "$want" >"$root.new/.packages"
mv "$root.new" "$root"
