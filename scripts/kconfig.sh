#!/bin/sh
# Usage: kconfig.sh SRCTREE OBJDIR FRAGMENT...
#
# Make OBJDIR/.config from $KCONFIG_START (default tinyconfig) for $KARCH
# (default x86_64) merged with the fragments, then check that every option
# a fragment asks for survived olddefconfig: Kconfig drops an option whose
# dependencies are missing, and merge_config.sh only warns.
set -eu
. "$(dirname "$0")/lib.sh"
src=$1 obj=$2
shift 2
arch=${KARCH:-x86_64}
mkdir -p "$obj"
# 6.1 merges tiny.config loudly on stdout.
KARCH=$arch kmake "$src" "$obj" "${KCONFIG_START:-tinyconfig}" >/dev/null
[ $# -eq 0 ] ||
	ARCH=$arch "$src/scripts/kconfig/merge_config.sh" -m -O "$obj" "$obj/.config" "$@" >/dev/null
KARCH=$arch kmake "$src" "$obj" olddefconfig

# What the fragments ask for, a later fragment overriding an earlier one
# as merge_config.sh does: "fragment<TAB>line", one per option.
tab=$(printf '\t')
for frag in "$@"; do
	sed -n "s|^\(CONFIG_[A-Za-z0-9_]*=.*\)|${frag##*/}$tab\1|p
		s|^\(# CONFIG_[A-Za-z0-9_]* is not set\)\$|${frag##*/}$tab\1|p" "$frag"
done | awk -F'\t' '{
	opt = $2; sub(/^# /, "", opt); sub(/[= ].*/, "", opt)
	if (!(opt in want)) order[++n] = opt
	want[opt] = $0
} END { for (i = 1; i <= n; i++) print want[order[i]] }' >"$obj/.config.asked"

bad=0
while IFS=$tab read -r frag line; do
	case $line in
	CONFIG_*=*)
		grep -qxF "$line" "$obj/.config" && continue
		opt=${line%%=*}
		;;
	*)
		opt=${line#\# }
		opt=${opt%% *}
		grep -q "^$opt=" "$obj/.config" || continue
		;;
	esac
	have=$(grep -E "^($opt=|# $opt is not set)" "$obj/.config" || echo "absent")
	echo "kconfig: $frag: asked for '$line', got '$have'" >&2
	bad=1
done <"$obj/.config.asked"
if [ "$bad" -ne 0 ]; then
	echo "kconfig: options were dropped (missing dependencies?); fix the fragments" >&2
	exit 1
fi
