#!/bin/sh
# Usage: mkguest.sh OUT.cpio STAGING INIT ROOT PACKAGES -- [DEST=SRC ...]
#
# Assemble the guest's initramfs from the Debian packages PACKAGES installed
# in the root ROOT (root.sh), as virtme-ng does with the host's root: every
# program a package ships in a bin/ or sbin/ directory and its /etc files
# are copied, with the shared libraries they load.  busybox-static fills in
# the applets no package provides.  To give the guest another tool, add its
# package to GUEST_PACKAGES.  DEST=SRC pairs add more files from the host
# (the tests); SRC may be a directory.  INIT becomes /init.  OUT is not
# made again when no input changed since it was made (OUT.inputs: these
# arguments and the name, size and time of every file they name).
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
mkdir -p "$stage"
for d in usr/bin usr/sbin usr/lib usr/lib64 etc proc sys dev tmp run mnt root; do
	mkdir -p "$stage/$d"
done
# Debian is merged-/usr.
for d in bin sbin lib lib64; do
	ln -s "usr/$d" "$stage/$d"
done

# A path in ROOT with its symlinks followed inside ROOT: Debian's relative
# ones resolve as they are, absolute ones (alternatives) against ROOT.
resolve() {
	p=$1
	while [ -L "$root$p" ]; do
		t=$(readlink "$root$p")
		case $t in
		/*) p=$t ;;
		*) p=$(dirname "$p")/$t ;;
		esac
	done
	printf '%s\n' "$p"
}

# Copy a file of ROOT to the same path in the guest, merged-/usr.
put() {
	dst=$stage$(printf '%s' "$1" | sed -E 's#^/(bin|sbin|lib|lib64)/#/usr/\1/#')
	[ -e "$dst" ] && return
	mkdir -p "$(dirname "$dst")"
	cp "$root$(resolve "$1")" "$dst"
}

# The shared libraries an ELF file loads, as ROOT's loader finds them.
libdir=/usr/lib/x86_64-linux-gnu
libs() {
	"$root/usr/lib64/ld-linux-x86-64.so.2" --library-path "$root$libdir" \
		--list "$1" 2>/dev/null |
		awk -v r="$root" '/=> \// {sub("^" r, "", $3); print $3}
			/^\t\// {sub("^" r, "", $1); print $1}'
}

missing=""
for pkg in $packages; do
	if ! files=$(dpkg-query --admindir="$root/var/lib/dpkg" -L "$pkg" 2>/dev/null); then
		missing="$missing $pkg"
		continue
	fi
	for f in $files; do
		case $f in
		*/bin/*|*/sbin/*|/etc/*)
			[ -f "$root$(resolve "$f")" ] && put "$f"
			;;
		esac
	done
done
if [ -n "$missing" ]; then
	echo "mkguest: packages not installed in $root:$missing" >&2
	exit 1
fi

for pair in "$@"; do
	dest=${pair%%=*} src=${pair#*=}
	mkdir -p "$stage/$dest"
	if [ -d "$src" ]; then
		cp -R "$src/." "$stage/$dest/"
	else
		cp "$src" "$stage/$dest/"
	fi
done

# Shared libraries of every dynamically linked program or library.
find "$stage" -type f -perm -u+x | while read -r f; do
	readelf -l "$f" 2>/dev/null | grep -q 'program interpreter' || continue
	libs "$f"
done | sort -u | while read -r lib; do
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

cp "$init" "$stage/init"
chmod 755 "$stage/init"
(cd "$stage" && find . | cpio -o -H newc -R 0:0 --quiet) >"$out"
inputs "$@" >"$out.inputs"
