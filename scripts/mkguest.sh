#!/bin/sh
# Usage: mkguest.sh OUT.cpio STAGING INIT ROOT PACKAGES -- [DEST=SRC ...]
# The guest's initramfs from PACKAGES of the Debian root ROOT, INIT as /init
# and DEST=SRC files from the host; not made again when no input changed
# (OUT.inputs).  See README.md, "How the run works".
set -eu
out=$1 stage=$2 init=$3 root=$4 packages=$5
shift 5
[ "${1:-}" = "--" ] && shift

inputs() {
	echo "$stage $packages $*"
	for f in "$0" "$init" "$root/var/lib/dpkg/status" "$@"; do
		f=${f#*=}
		[ -e "$f" ] || { echo "$f absent"; continue; }
		find -L "$f" -printf '%p %s %T@\n'
	done | sort
}
if [ -f "$out" ] && inputs "$@" | cmp -s - "$out.inputs"; then
	echo "guest: $out is up to date"
	exit 0
fi
rm -f "$out.inputs"

rm -rf "$stage"
# Debian is merged-/usr: /bin is a symlink to usr/bin, and so on.
(mkdir -p "$stage" && cd "$stage" &&
	mkdir -p usr/bin usr/sbin usr/lib usr/lib64 etc proc sys dev tmp run mnt root &&
	ln -s usr/bin usr/sbin usr/lib usr/lib64 .)

# A path in ROOT with its symlinks followed inside ROOT: Debian's relative
# ones resolve as they are, absolute ones (alternatives) against ROOT.
resolve() {
	p=$1
	while [ -L "$root$p" ]; do
		t=$(readlink "$root$p")
		case $t in /*) p=$t ;; *) p=$(dirname "$p")/$t ;; esac
	done
	printf '%s\n' "$p"
}

# Copy a file of ROOT to the same path in the guest (merged-/usr: by the symlinks).
put() {
	[ -e "$stage$1" ] && return
	mkdir -p "$(dirname "$stage$1")"
	cp "$root$(resolve "$1")" "$stage$1"
}

missing=""
for pkg in $packages; do
	files=$(dpkg-query --admindir="$root/var/lib/dpkg" -L "$pkg" 2>/dev/null) ||
		{ missing="$missing $pkg"; continue; }
	for f in $(printf '%s\n' "$files" | grep -E '/s?bin/|^/etc/'); do
		[ -f "$root$(resolve "$f")" ] && put "$f"
	done
done
[ -z "$missing" ] || { echo "mkguest: packages not installed in $root:$missing" >&2; exit 1; }

# -H: a SRC that is a symlink is copied as the file it points to.
for pair in "$@"; do
	dest=$stage/${pair%%=*} src=${pair#*=}
	[ ! -d "$src" ] || src=$src/.
	mkdir -p "$dest"
	cp -RH "$src" "$dest/"
done

# Shared libraries of every dynamically linked file, as ROOT's loader finds them.
find "$stage" -type f -perm -u+x | while read -r f; do
	readelf -l "$f" 2>/dev/null | grep -q 'program interpreter' || continue
	"$root/usr/lib64/ld-linux-x86-64.so.2" --library-path "$root/usr/lib/x86_64-linux-gnu" \
		--list "$f" 2>/dev/null || true
done | awk -v r="$root" '/=> \// {sub("^" r, "", $3); print $3}
	/^\t\// {sub("^" r, "", $1); print $1}' | sort -u | while read -r lib; do
	put "$lib"
done

# busybox applets where no package provides the command.
bb=$stage/usr/bin/busybox
if [ -x "$bb" ]; then
	for applet in $("$bb" --list-full); do
		[ -e "$stage/$applet" ] || [ -e "$stage/usr/bin/${applet##*/}" ] ||
			[ -e "$stage/usr/sbin/${applet##*/}" ] ||
			ln -s /usr/bin/busybox "$stage/usr/bin/${applet##*/}"
	done
fi

install -m 755 "$init" "$stage/init"
(cd "$stage" && find . | cpio -o -H newc -R 0:0 --quiet) >"$out"
inputs "$@" >"$out.inputs"
