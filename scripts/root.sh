#!/bin/sh
# Usage: root.sh ROOT SUITE PACKAGE...
# A Debian SUITE root with PACKAGE... in ROOT (mmdebstrap), made again
# when the package list changes.
set -eu
root=$1 suite=$2
shift 2
want="$suite $(printf '%s\n' "$@" | sort -u | tr '\n' ' ')"
[ -x "$root/usr/bin/dpkg" ] && [ "$(cat "$root/.packages" 2>/dev/null)" = "$want" ] && exit 0
echo "root: making a Debian $suite root in $root"
rm -rf "$root" "$root.new"
mkdir -p "$(dirname "$root")"
"$(dirname "$0")/apt.sh" "$suite" mmdebstrap "$root.new" --variant=apt \
	--include="$(printf '%s,' "$@")" --quiet
echo "$want" >"$root.new/.packages"
mv "$root.new" "$root"
