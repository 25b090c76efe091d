#!/bin/sh
# /init of the test guest.
#
# Turns each QEMU nvdimm into an fsdax namespace, makes one filesystem of
# harness.fs (comma-separated: ext4, xfs, or erofs, a read-only image with
# one 1 MiB file, data) on each, in that order, and mounts filesystem FS
# with -o dax=always on /mnt/FS; then either runs the suite
# (harness.mode=test: /tests/suite, as scripts/suite.sh wrote it; one KTAP
# document on ttyS1, in the form of kselftest's runner) or starts a shell
# (harness.mode=shell; with harness.run=1, after running the suite on the
# console).  Test modules built for the kernel (harness.kernel) are loaded
# first.
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
		xfs) mkfs.xfs -q -f $xfs_lts -d su=2m,sw=1 "$dev" ;;
		erofs)
			mkdir -p /tmp/erofs &&
				head -c 1048576 /dev/urandom >/tmp/erofs/data &&
				mkfs.erofs --quiet "$dev" /tmp/erofs &&
				rm -r /tmp/erofs
			;;
		*) die "no way to make a filesystem $fs" ;;
		esac || die "mkfs.$fs $dev failed"
		mkdir -p /mnt/$fs
		mount -t $fs -o dax=always "$dev" /mnt/$fs || die "mount $dev failed"
		echo "guest: $dev: $fs, dax=always on /mnt/$fs"
	done
	[ $# -eq 0 ] || die "not enough nvdimm regions for: $*"
}

# The processes other than $nest that have /run/out open.
holders() {
	ls -l /proc/[0-9]*/fd 2>/dev/null | awk -v me="/proc/$nest/fd:" '
		/^\/proc\// { dir = $0 } / -> \/run\/out$/ && dir != me { n++ }
		END { exit n == 0 }'
}

# run_one N NAME COMMAND...: run test N of the KTAP document, its output
# nested ("# " before each line) and its result on a line of its own, as
# kselftest's runner prints them.  A command starting with timeout=SECONDS
# gets that long instead of the default (then SIGTERM, and SIGKILL 10 s
# later).  An entry NAME@FS runs with DAX_DIR=/mnt/FS and DAX_FS=FS, and
# fails if FS is not a filesystem of the guest (NAME@anon: no DAX_DIR).
run_one() {
	num=$1 name=$2
	shift 2
	limit=$TEST_TIMEOUT
	case $1 in timeout=*) limit=${1#timeout=}; shift ;; esac
	echo "# timeout set to $limit"
	echo "# selftests: $COLLECTION: $name"
	unset DAX_DIR DAX_FS
	case $name in
	*@anon | extra/*) ;;
	*@*)
		fs=${name##*@}
		if ! mountpoint -q "/mnt/$fs"; then
			echo "# harness: /mnt/$fs is not a mounted filesystem"
			echo "not ok $num selftests: $COLLECTION: $name # exit=1"
			return
		fi
		export DAX_DIR=/mnt/$fs DAX_FS=$fs
		;;
	esac
	# Through the kernel log, so that the marks and the kernel's own
	# messages come out in the order they happened (report.sh).
	echo "guest: running $name" >/dev/kmsg
	# The output goes through a FIFO to the nesting awk as it comes (sed
	# would hold each line back until it has read the next).  A process
	# the test left behind may hold the FIFO open (one stuck in D state
	# cannot even be killed): then the awk is given 2 s, not for ever.
	rm -f /run/out && mkfifo /run/out
	awk '{ print "# " $0; fflush() }' </run/out &
	nest=$!
	start=$(date +%s)
	# eval: a command may name $DAX_DIR.
	(cd /tmp && eval "timeout -k 10 $limit $*") >/run/out 2>&1
	rc=$?
	# Whatever the test exits with once signalled (busybox's timeout
	# passes it on, never 124), it ran out of time.
	[ $(($(date +%s) - start)) -lt "$limit" ] || rc=124
	i=0
	while holders && [ $i -lt 20 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	if holders; then
		kill "$nest"
		echo "# harness: what processes $name left behind print is dropped"
	fi
	wait "$nest" 2>/dev/null
	echo "guest: finished $name" >/dev/kmsg
	case $rc in
	0) echo "ok $num selftests: $COLLECTION: $name" ;;
	4) echo "ok $num selftests: $COLLECTION: $name # SKIP" ;;
	124) echo "not ok $num selftests: $COLLECTION: $name # TIMEOUT $limit seconds" ;;
	*) echo "not ok $num selftests: $COLLECTION: $name # exit=$rc" ;;
	esac
}

# The extra tests, then the suite (one "name expectation command..." a
# line).  The extra tests run first: the suite's last entries remount ext4
# and xfs with -o dax=inode for good.
run_suite() {
	n=0
	for t in /extra/*; do
		[ -f "$t" ] && [ -x "$t" ] && n=$((n + 1))
	done
	echo "TAP version 13"
	echo "1..$((n + $(wc -l </tests/suite)))"
	n=0
	for t in /extra/*; do
		[ -f "$t" ] && [ -x "$t" ] || continue
		n=$((n + 1))
		run_one "$n" "extra/${t##*/}" "$t"
	done
	set -f
	while read -r name _ cmd; do
		n=$((n + 1))
		# shellcheck disable=SC2086 # the command's words
		run_one "$n" "$name" $cmd </dev/null
	done </tests/suite
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
	if [ "$(arg harness.run)" = 1 ]; then
		PATH=/tests:$PATH TEST_TIMEOUT=$(arg harness.timeout) \
			COLLECTION=gup-longterm run_suite
	fi
	echo "guest: filesystems $(arg harness.fs) on /mnt, tests in /tests" \
		"(DAX_DIR=/mnt/FS for a test);" "exit the shell to power off"
	setsid sh -c 'exec sh -l </dev/ttyS0 >/dev/ttyS0 2>&1'
	;;
*)
	export PATH=/tests:$PATH
	TEST_TIMEOUT=$(arg harness.timeout)
	COLLECTION=gup-longterm
	run_suite >/dev/ttyS1 2>&1
	;;
esac
sync
poweroff -f
