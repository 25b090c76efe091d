#!/bin/sh
# Usage: kconfig.sh SRCTREE OBJDIR FRAGMENT...
# OBJDIR/.config: $KCONFIG_START (tinyconfig) for $KARCH plus the fragments;
# fails if olddefconfig dropped an option a fragment asks for.
set -eu
. "$(dirname "$0")/lib.sh"
src=$1 obj=$2
shift 2
mkdir -p "$obj"
# 6.1 merges tiny.config loudly on stdout.
kmake "$src" "$obj" "${KCONFIG_START:-tinyconfig}" >/dev/null
[ $# -eq 0 ] || ARCH=${KARCH:-x86_64} "$src/scripts/kconfig/merge_config.sh" \
	-m -O "$obj" "$obj/.config" "$@" >/dev/null
kmake "$src" "$obj" olddefconfig

# What the fragments ask for, a later fragment overriding an earlier one
# as merge_config.sh does: "fragment<TAB>line", one per option.
awk '/^CONFIG_[A-Za-z0-9_]*=/ || /^# CONFIG_[A-Za-z0-9_]* is not set$/ {
	frag = FILENAME; sub(/.*\//, "", frag)
	opt = $0; sub(/^# /, "", opt); sub(/[= ].*/, "", opt)
	if (!(opt in want)) order[++n] = opt
	want[opt] = frag "\t" $0
} END { for (i = 1; i <= n; i++) print want[order[i]] }' "$@" </dev/null >"$obj/.config.asked"

bad=0
tab=$(printf '\t')
while IFS=$tab read -r frag line; do
	opt=${line#\# }
	opt=${opt%%[= ]*}
	case $line in
	CONFIG_*) grep -qxF "$line" "$obj/.config" && continue ;;
	*) grep -q "^$opt=" "$obj/.config" || continue ;;
	esac
	have=$(grep -E "^($opt=|# $opt is not set)" "$obj/.config" || echo "absent")
	echo "kconfig: $frag: asked for '$line', got '$have'" >&2
	bad=1
done <"$obj/.config.asked"
if [ "$bad" -ne 0 ]; then
	echo "kconfig: options were dropped (missing dependencies?); fix the fragments" >&2
	exit 1
fi
