#!/bin/sh
# /init of the test guest.
#
# Turns each QEMU nvdimm into an fsdax namespace, puts ext4 on the first, xfs
# on the second and a read-only erofs image with one 1 MiB file, data, on the
# third, mounts them with -o dax=always on /mnt/ext4, /mnt/xfs and /mnt/erofs,
# then either runs the suite (harness.mode=test; results as KTAP on ttyS1) or
# starts a shell (harness.mode=shell).  Test modules built for the kernel
# (harness.kernel) are loaded first.
export PATH=/usr/sbin:/usr/bin
export HOME=/root

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

# One filesystem per nvdimm: label-less nvdimms come up as one raw namespace
# each, which ndctl reconfigures to fsdax with struct pages in pmem.  xfs gets
# a 2 MiB stripe unit so that its extents, and DAX mappings, can be PMDs.
# erofs is the DAX filesystem that grants no leases.
setup_dax() {
	# sid's mkfs.xfs turns on features an older long-term kernel lacks:
	# use its feature set for this kernel's series, if it has one.
	xfs_lts=/usr/share/xfsprogs/mkfs/lts_$(uname -r | cut -d. -f1-2).conf
	if [ -f "$xfs_lts" ]; then
		xfs_lts="-c options=$xfs_lts"
	else
		xfs_lts=""
	fi
	set -- ext4 xfs erofs
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
		xfs) mkfs.xfs -q -f $xfs_lts -d su=2m,sw=1 "$dev" ;;
		erofs)
			mkdir -p /tmp/erofs &&
				head -c 1048576 /dev/urandom >/tmp/erofs/data &&
				mkfs.erofs --quiet "$dev" /tmp/erofs &&
				rm -r /tmp/erofs
			;;
		esac || die "mkfs.$fs $dev failed"
		mkdir -p /mnt/$fs
		mount -t $fs -o dax=always "$dev" /mnt/$fs || die "mount $dev failed"
		echo "guest: $dev: $fs, dax=always on /mnt/$fs"
	done
	[ $# -eq 0 ] || die "not enough nvdimm regions for: $*"
}

# Run one program, its output framed for the host's parser.
run_one() {
	name=$1
	shift
	echo "# harness: begin $name"
	# Through the kernel log, so that the marks and the kernel's own
	# messages come out in the order they happened (report.sh).
	echo "guest: running $name" >/dev/kmsg
	(cd /tmp && timeout "$TEST_TIMEOUT" "$@" 2>&1)
	rc=$?
	echo "guest: finished $name" >/dev/kmsg
	echo "# harness: end $name rc=$rc"
}

# test/suite (or harness.suite=NAME): "name  expectation-on-base  command...".
# The extra tests run first: the suite's last entries remount ext4 and xfs
# with -o dax=inode for good.
run_suite() {
	for t in /extra/*; do
		[ -f "$t" ] && [ -x "$t" ] && run_one "extra/${t##*/}" "$t"
	done
	grep -v '^[[:space:]]*\(#\|$\)' "/tests/${SUITE:-suite}" | while read -r name _ cmd; do
		eval "run_one \"$name\" $cmd"
	done
}

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
	echo "guest: ext4-dax on /mnt/ext4, xfs-dax on /mnt/xfs, tests in /tests;" \
		"exit the shell to power off"
	setsid sh -c 'exec sh -l </dev/ttyS0 >/dev/ttyS0 2>&1'
	;;
*)
	export PATH=/tests:$PATH
	TEST_TIMEOUT=$(arg harness.timeout)
	SUITE=$(arg harness.suite)
	{
		echo "# harness: start uptime=$(cut -d' ' -f1 /proc/uptime)"
		run_suite
		echo "# harness: done uptime=$(cut -d' ' -f1 /proc/uptime)"
	} >/dev/ttyS1 2>&1
	;;
esac
sync
poweroff -f
