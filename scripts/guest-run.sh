# The guest's test runner, sourced by its /init (scripts/guest-init.sh)
# and by scripts/selftest.sh, which runs it on the host under the root's
# busybox sh.  run_suite prints one KTAP document in the form of
# kselftest's runner.  Settings (environment):
#   SUITE         the suite as scripts/suite.sh wrote it (/tests/suite)
#   EXTRA         a directory of extra tests run first (/extra)
#   TEST_TIMEOUT  seconds an entry may run unless it says timeout=SECONDS
#   RUNDIR        where the runner keeps its FIFO (/run)
#   KMSG          where the entries' start and end are marked (/dev/kmsg)
#   MNT           where the guest's filesystems are mounted (/mnt)
COLLECTION=gup-longterm

# Centiseconds since boot.
now() {
	read -r _up _ </proc/uptime
	echo "${_up%.*}${_up#*.}" | sed 's/^0*//; s/^$/0/'
}

# The processes other than $nest that have the FIFO open, one pid a line.
holders() {
	ls -l /proc/[0-9]*/fd 2>/dev/null | awk -v me="$nest" -v fifo="$RUNDIR/out" '
		/^\/proc\/[0-9]+\/fd:$/ { split($0, p, "/"); pid = p[3]; next }
		pid != me && substr($0, length($0) - length(fifo) - 3) == " -> " fifo { print pid }' |
		sort -u
}

# run_one N NAME COMMAND...: run test N of the KTAP document, its output
# nested ("# " before each line) and its result on a line of its own, as
# kselftest's runner prints them.  A command starting with timeout=SECONDS
# gets that long instead of $TEST_TIMEOUT; then it is sent SIGTERM, and
# SIGKILL 10 s later.  It ran out of time if it ran that long, whatever it
# exited with.  An entry NAME@FS runs with DAX_DIR=$MNT/FS and DAX_FS=FS,
# and fails if that is not a mounted filesystem (NAME@anon: no DAX_DIR).
run_one() {
	num=$1 name=$2
	shift 2
	limit=$TEST_TIMEOUT
	case $1 in timeout=*) limit=${1#timeout=}; shift ;; esac
	case $limit in
	'' | *[!0-9]*)
		echo "# harness: timeout '$limit' is not a number of seconds"
		echo "not ok $num selftests: $COLLECTION: $name # exit=1"
		return
		;;
	esac
	echo "# timeout set to $limit"
	echo "# selftests: $COLLECTION: $name"
	unset DAX_DIR DAX_FS
	case $name in
	*@anon | extra/*) ;;
	*@*)
		fs=${name##*@}
		if ! mountpoint -q "$MNT/$fs"; then
			echo "# harness: $MNT/$fs is not a mounted filesystem"
			echo "not ok $num selftests: $COLLECTION: $name # exit=1"
			return
		fi
		export DAX_DIR=$MNT/$fs DAX_FS=$fs
		;;
	esac
	# Through the kernel log, so that the marks and the kernel's own
	# messages come out in the order they happened (report.sh).
	echo "guest: running $name ($num of $total)" >"$KMSG"
	# The output goes through a FIFO to the nesting awk as it comes (sed
	# would hold each line back until it has read the next).
	rm -f "$RUNDIR/out" && mkfifo "$RUNDIR/out"
	awk '{ print "# " $0; fflush() }' <"$RUNDIR/out" &
	nest=$!
	start=$(now)
	# eval: a command may name $DAX_DIR.
	(cd /tmp && eval "timeout -k 10 $limit $*") >"$RUNDIR/out" 2>&1 </dev/null
	rc=$?
	[ $(($(now) - start)) -lt $((limit * 100)) ] || rc=124
	unset DAX_DIR DAX_FS
	# What the test left behind that still writes to its output (its
	# children, which a timeout does not reach) is killed.  One stuck in
	# D state cannot be: then the output is given up after 2 s.
	left=$(holders)
	if [ -n "$left" ]; then
		# shellcheck disable=SC2086 # a list of pids
		kill -KILL $left 2>/dev/null
		echo "# harness: killed what $name left behind:" $left
		i=0
		while [ -n "$(holders)" ] && [ $i -lt 20 ]; do
			sleep 0.1
			i=$((i + 1))
		done
		if [ -n "$(holders)" ]; then
			kill "$nest"
			echo "# harness: what is left of $name cannot be killed; its output is dropped"
		fi
	fi
	# A holder /proc does not show (a thread with its own fd table) must
	# not hang the run either: the awk gets 30 s to drain.
	(sleep 30 && kill "$nest") 2>/dev/null &
	dog=$!
	wait "$nest" 2>/dev/null
	kill "$dog" 2>/dev/null
	wait "$dog" 2>/dev/null
	echo "guest: finished $name" >"$KMSG"
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
	for t in "$EXTRA"/*; do
		[ -f "$t" ] && [ -x "$t" ] && n=$((n + 1))
	done
	total=$((n + $(wc -l <"$SUITE")))
	echo "TAP version 13"
	echo "1..$total"
	n=0
	for t in "$EXTRA"/*; do
		[ -f "$t" ] && [ -x "$t" ] || continue
		n=$((n + 1))
		run_one "$n" "extra/${t##*/}" "$t"
	done
	while read -r name _ cmd; do
		n=$((n + 1))
		# The command's words, not globbed (set -f only for the split).
		set -f
		# shellcheck disable=SC2086
		set -- $cmd
		set +f
		run_one "$n" "$name" "$@"
	done <"$SUITE"
}
