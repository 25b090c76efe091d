# Sourced by the guest's /init (scripts/guest-init.sh) and by scripts/selftest.sh.
# run_suite prints one KTAP document, as kselftest's runner does, of the tests of $EXTRA
# and then of $SUITE; it also reads TEST_TIMEOUT, RUNDIR (its FIFO), KMSG (marks) and MNT.
COLLECTION=gup-longterm

# Centiseconds since boot.
now() { awk '{ printf "%.0f\n", $1 * 100 }' /proc/uptime; }

# The processes other than $nest that have the FIFO open, one pid a line.
holders() {
	ls -l /proc/[0-9]*/fd 2>/dev/null | awk -v me="$nest" -v end=" -> $RUNDIR/out" '
		/^\/proc\/[0-9]+\/fd:$/ { split($0, p, "/"); pid = p[3]; next }
		pid != me && substr($0, length($0) - length(end) + 1) == end { print pid }' |
		sort -u
}

# run_one N NAME [timeout=SECONDS] COMMAND...: test N of the KTAP document, its output
# nested after "# ", then its result line, as kselftest's runner prints them.
run_one() {
	num=$1 name=$2 limit=$TEST_TIMEOUT
	shift 2
	case $1 in timeout=*) limit=${1#timeout=}; shift ;; esac
	case $limit in
	'' | *[!0-9]*)
		echo "# harness: timeout '$limit' is not a number of seconds"
		echo "not ok $num selftests: $COLLECTION: $name # exit=1"
		return ;;
	esac
	printf '# timeout set to %s\n# selftests: %s: %s\n' "$limit" "$COLLECTION" "$name"
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
	# Through the kernel log: the marks and the kernel's messages stay in order.
	echo "guest: running $name ($num of $total)" >"$KMSG"
	# Through a FIFO, so that the awk nests each line as it comes (sed holds one back).
	rm -f "$RUNDIR/out" && mkfifo "$RUNDIR/out"
	awk '{ print "# " $0; fflush() }' <"$RUNDIR/out" &
	nest=$!
	start=$(now)
	# SIGTERM after $limit s, SIGKILL 10 s later; eval: a command may name $DAX_DIR.
	(cd /tmp && eval "timeout -k 10 $limit $*") >"$RUNDIR/out" 2>&1 </dev/null
	rc=$?
	# Out of time if it ran that long, whatever it exited with.
	[ $(($(now) - start)) -lt $((limit * 100)) ] || rc=124
	unset DAX_DIR DAX_FS
	# The awk ends when nothing holds the FIFO: what the test left (children, which
	# timeout does not reach) is killed; if one in D state cannot be, its output is dropped.
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
	fi
	if [ -n "$left" ] && [ -n "$(holders)" ]; then
		kill "$nest"
		echo "# harness: what is left of $name cannot be killed; its output is dropped"
	fi
	# A holder /proc does not show (a thread with its own fd table): the awk gets 30 s.
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

# The extra tests first: the suite's last entries remount ext4 and xfs -o dax=inode.
run_suite() {
	set --
	for t in "$EXTRA"/*; do
		[ -f "$t" ] && [ -x "$t" ] && set -- "$@" "$t"
	done
	total=$(($# + $(wc -l <"$SUITE")))
	printf 'TAP version 13\n1..%s\n' "$total"
	n=0
	for t in "$@"; do
		n=$((n + 1))
		run_one "$n" "extra/${t##*/}" "$t"
	done
	while read -r name _ cmd; do
		n=$((n + 1))
		# The command's words, not globbed here: eval globs them, in /tmp.
		set -f
		# shellcheck disable=SC2086
		set -- $cmd
		set +f
		run_one "$n" "$name" "$@"
	done <"$SUITE"
}
