#!/bin/sh
# Usage: kconfig.sh SRCTREE OBJDIR FRAGMENT...
#
# Make OBJDIR/.config from tinyconfig merged with the fragments, then check
# that every option a fragment asks for survived olddefconfig: Kconfig drops
# an option whose dependencies are missing, and merge_config.sh only warns.
set -eu
src=$1 obj=$2
shift 2
mkdir -p "$obj"
make -s -C "$src" O="$obj" ARCH=x86_64 tinyconfig
"$src/scripts/kconfig/merge_config.sh" -m -O "$obj" "$obj/.config" "$@" >/dev/null
make -s -C "$src" O="$obj" ARCH=x86_64 olddefconfig

bad=0
for frag in "$@"; do
	while IFS= read -r line; do
		case $line in
		CONFIG_*=*)
			grep -qxF "$line" "$obj/.config" && continue
			opt=${line%%=*}
			;;
		"# CONFIG_"*" is not set")
			opt=${line#\# }
			opt=${opt%% *}
			grep -q "^$opt=" "$obj/.config" || continue
			;;
		*)
			continue
			;;
		esac
		have=$(grep -E "^($opt=|# $opt is not set)" "$obj/.config" || echo "absent")
		echo "kconfig: $(basename "$frag"): asked for '$line', got '$have'" >&2
		bad=1
	done <"$frag"
done
if [ "$bad" -ne 0 ]; then
	echo "kconfig: options were dropped (missing dependencies?); fix the fragments" >&2
	exit 1
fi
