#!/bin/sh
# The test guest's /init (scripts/mkguest.sh; README.md, "How the run works").
# Makes the filesystems of harness.fs, in order one per nvdimm, mounted -o dax=always
# on /mnt/FS, and loads the test modules; then runs the suite, its KTAP on ttyS1
# (harness.mode=test), or a shell (harness.mode=shell; harness.run=1: after the suite).
export PATH=/usr/sbin:/usr/bin HOME=/root

mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mount -t tmpfs tmpfs /tmp
mount -t debugfs debugfs /sys/kernel/debug
mkdir -p /dev/pts && mount -t devpts devpts /dev/pts

arg() {
	for a in $(cat /proc/cmdline); do
		case $a in "$1="*) echo "${a#*=}" ;; esac
	done
}

die() {
	echo "guest: $*" >&2
	[ -c /dev/ttyS1 ] && echo "Bail out! guest: $*" >/dev/ttyS1
	poweroff -f
}

# Each label-less nvdimm is one raw namespace, made fsdax with struct pages in pmem.  xfs gets
# a 2 MiB stripe unit so that its extents, and DAX mappings, can be PMDs.
setup_dax() {
	# sid's mkfs.xfs makes features an older long-term kernel lacks: use its series' set.
	lts=/usr/share/xfsprogs/mkfs/lts_$(uname -r | cut -d. -f1-2).conf
	[ -f "$lts" ] || lts=""
	# shellcheck disable=SC2046 # a list
	set -- $(arg harness.fs | tr , ' ')
	for region in $(ls /sys/bus/nd/devices | grep '^region' | sort -V); do
		[ $# -gt 0 ] || break
		fs=$1
		shift
		ns=$(ls /sys/bus/nd/devices/$region | grep '^namespace' | head -n 1)
		[ -n "$ns" ] || die "no namespace in $region"
		json=$(ndctl create-namespace -f -e "$ns" --mode=fsdax --map=mem) ||
			die "ndctl create-namespace $ns failed"
		dev=/dev/$(echo "$json" | sed -n 's/.*"blockdev":"\([^"]*\)".*/\1/p')
		[ -b "$dev" ] || die "no fsdax block device for $ns"
		case $fs in
		ext4) mkfs.ext4 -q -F -b 4096 "$dev" ;;
		xfs) mkfs.xfs -q -f ${lts:+-c options=$lts} -d su=2m,sw=1 "$dev" ;;
		erofs)
			mkdir -p /tmp/erofs && head -c 1048576 /dev/urandom >/tmp/erofs/data &&
				mkfs.erofs --quiet "$dev" /tmp/erofs && rm -r /tmp/erofs ;;
		*) die "no way to make a filesystem $fs" ;;
		esac || die "mkfs.$fs $dev failed"
		mkdir -p /mnt/$fs
		mount -t $fs -o dax=always "$dev" /mnt/$fs || die "mount $dev failed"
		echo "guest: $dev: $fs, dax=always on /mnt/$fs"
	done
	[ $# -eq 0 ] || die "not enough nvdimm regions for: $*"
}

# The runner: run_suite (scripts/guest-run.sh).
SUITE=/tests/suite EXTRA=/extra RUNDIR=/run KMSG=/dev/kmsg MNT=/mnt
. /harness/guest-run.sh

# Test modules built out of tree against this kernel (Makefile KMODS).
load_kmods() {
	for ko in /tests/kmod/"$(arg harness.kernel)"/*.ko; do
		[ -f "$ko" ] || continue
		insmod "$ko" || die "insmod $ko failed"
		echo "guest: loaded $ko"
	done
}

setup_dax
load_kmods
case $(arg harness.mode) in
shell)
	[ "$(arg harness.run)" != 1 ] ||
		PATH=/tests:$PATH TEST_TIMEOUT=$(arg harness.timeout) run_suite
	echo "guest: filesystems $(arg harness.fs) on /mnt, tests in /tests" \
		"(DAX_DIR=/mnt/FS for a test);" "exit the shell to power off"
	setsid sh -c 'exec sh -l </dev/ttyS0 >/dev/ttyS0 2>&1' ;;
*)
	export PATH=/tests:$PATH
	TEST_TIMEOUT=$(arg harness.timeout)
	run_suite >/dev/ttyS1 2>&1 ;;
esac
sync
poweroff -f
