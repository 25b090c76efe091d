#!/bin/sh
# Usage: DAX_DIR=MOUNTPOINT dax_inode.sh COMMAND...
#
# Mount the filesystem on MOUNTPOINT again with -o dax=inode (DAX for the
# files that ask for it) and run COMMAND there.  It stays mounted so, and
# is never unmounted: on a kernel with the bug that COMMAND tests,
# evicting its files crashes (ext4: BUG in clear_inode), and the crashed
# umount would keep the guest from shutting down.  So the entries that use
# this come last in test/suite.
mnt=${DAX_DIR:?}
dev=$(awk -v m="$mnt" '$2 == m { print $1 }' /proc/mounts)
fs=$(awk -v m="$mnt" '$2 == m { print $3 }' /proc/mounts)
if [ -z "$dev" ]; then
	echo "# dax_inode.sh: nothing mounted on $mnt"
	exit 1
fi
umount "$mnt" && mount -t "$fs" -o dax=inode "$dev" "$mnt" || {
	echo "# dax_inode.sh: cannot mount $dev on $mnt with -o dax=inode"
	exit 1
}
exec "$@"
