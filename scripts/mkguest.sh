#!/bin/sh
# Usage: mkguest.sh OUT.cpio STAGING INIT PACKAGES -- [DEST=SRC ...]
#
# Assemble the guest's initramfs from Debian packages installed on the host,
# as virtme-ng does with the host's root: every program a package ships in a
# bin/ or sbin/ directory and its /etc files are copied, with the shared
# libraries they load (from ldd).  busybox-static fills in the applets no
# package provides.  To give the guest another tool, add its package to
# GUEST_PACKAGES.  DEST=SRC pairs add more files (the tests); SRC may be a
# directory.  INIT becomes /init.
set -eu
out=$1 root=$2 init=$3 packages=$4
shift 4
[ "${1:-}" = "--" ] && shift

rm -rf "$root"
mkdir -p "$root"
for d in usr/bin usr/sbin usr/lib usr/lib64 etc proc sys dev tmp run mnt root; do
	mkdir -p "$root/$d"
done
# Debian bookworm is merged-/usr.
for d in bin sbin lib lib64; do
	ln -s "usr/$d" "$root/$d"
done

# Copy a host file to the same path in the guest, following symlinks in
# the path so that merged-/usr paths land in /usr.
put() {
	src=$(readlink -f "$1")
	dst=$root$(printf '%s' "$1" | sed -E 's#^/(bin|sbin|lib|lib64)/#/usr/\1/#')
	[ -e "$dst" ] && return
	mkdir -p "$(dirname "$dst")"
	cp "$src" "$dst"
}

libs() {
	ldd "$1" 2>/dev/null | awk '/=> \// {print $3} /^\t\/lib/ {print $1}'
}

missing=""
for pkg in $packages; do
	if ! files=$(dpkg -L "$pkg" 2>/dev/null); then
		missing="$missing $pkg"
		continue
	fi
	for f in $files; do
		[ -f "$f" ] || continue
		case $f in
		*/bin/*|*/sbin/*|/etc/*) put "$f" ;;
		esac
	done
done
if [ -n "$missing" ]; then
	echo "mkguest: packages not installed on the host:$missing" >&2
	exit 1
fi

for pair in "$@"; do
	dest=${pair%%=*} src=${pair#*=}
	mkdir -p "$root/$dest"
	if [ -d "$src" ]; then
		cp -R "$src/." "$root/$dest/"
	else
		cp "$src" "$root/$dest/"
	fi
done

# Shared libraries of every ELF file in the guest.
find "$root" -type f -perm -u+x | while read -r f; do
	libs "$f"
done | sort -u | while read -r lib; do
	put "$lib"
done

# busybox applets where no package provides the command.
bb=$root/usr/bin/busybox
if [ -x "$bb" ]; then
	for applet in $("$bb" --list-full); do
		[ -e "$root/$applet" ] || [ -e "$root/usr/bin/${applet##*/}" ] ||
			[ -e "$root/usr/sbin/${applet##*/}" ] ||
			ln -s /usr/bin/busybox "$root/usr/bin/${applet##*/}"
	done
fi

cp "$init" "$root/init"
chmod 755 "$root/init"
(cd "$root" && find . | cpio -o -H newc -R 0:0 --quiet) >"$out"
