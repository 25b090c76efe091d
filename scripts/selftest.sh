#!/bin/sh
# Usage: BUSYBOX=PATH selftest.sh CASEDIR
# The harness's own tests (make check): the report of each case of CASEDIR, and report.sh's
# status, must be what its want says (test/harness/README).  Exits 1 if one differs.
set -eu
cases=$1
: "${BUSYBOX:?the root's busybox, which the guest runs the suite with}"
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
rc=0
for c in "$cases"/*/; do
	c=${c%/}
	rm -rf "${tmp:?}"/*
	mkdir "$tmp/base" "$tmp/patched" "$tmp/run" "$tmp/mnt" "$tmp/extra" "$tmp/bb"
	DAX_FS="ext4 xfs" GUEST_FS="ext4 xfs erofs nofs" "$here/suite.sh" "$c/suite" >"$tmp/suite"
	if [ -d "$c/bin" ]; then
		# As in the guest, with busybox's applets (timeout: the signal's status, not 124).
		for a in awk cat date ls mkfifo rm sed sleep sort timeout wc; do
			ln -s "$BUSYBOX" "$tmp/bb/$a"
		done
		cp -R "$c/bin" "$tmp/bin"	# a path of this run only, for pgrep below
		start=$(date +%s)
		PATH=$tmp/bin:$tmp/bb:$PATH SUITE=$tmp/suite EXTRA=$tmp/extra \
			RUNDIR=$tmp/run KMSG=/dev/null MNT=$tmp/mnt TEST_TIMEOUT=20 \
			"$BUSYBOX" sh -c '. "$1"; run_suite' sh "$here/guest-run.sh" \
			>"$tmp/patched/ktap.log" 2>&1
		took=$(($(date +%s) - start))
		# Nothing waits for what a test left (60 s) or for one that ignores SIGTERM (30 s).
		[ "$took" -lt 20 ] || echo "failed: harness: the runner took $took s" >"$tmp/got"
		# Nor does what a test left outlive the runner.
		left=$(pgrep -f "$tmp/bin/") || [ $? -eq 1 ] || { echo "selftest: pgrep failed" >&2; exit 2; }
		if [ -n "$left" ]; then
			# shellcheck disable=SC2086 # a list of pids
			kill -KILL $left 2>/dev/null || true
			echo "failed: harness: left running:" $left >>"$tmp/got"
		fi
		set -- patched="$tmp/patched"
	else
		for k in base patched; do
			cp "$c/$k.ktap" "$tmp/$k/ktap.log"
			[ ! -f "$c/$k.console" ] || cp "$c/$k.console" "$tmp/$k/console.log"
		done
		set -- base="$tmp/base" patched="$tmp/patched"
	fi
	status=0
	"$here/report.sh" "$tmp/suite" "$@" >"$tmp/report" || status=$?
	{ grep '^failed: ' "$tmp/report" || true; tail -n 1 "$tmp/report"; } >>"$tmp/got"
	if passed "$c/want"; then want_status=0; else want_status=1; fi
	if ! cmp -s "$c/want" "$tmp/got"; then
		echo "harness: ${c##*/}: the report differs from $c/want:"
		diff "$c/want" "$tmp/got" | sed 's/^/  /'
		[ ! -d "$c/bin" ] || sed 's/^/  | /' "$tmp/patched/ktap.log"
		rc=1
	elif [ "$status" -ne "$want_status" ]; then
		echo "harness: ${c##*/}: report.sh exited $status, not $want_status"
		rc=1
	else
		echo "harness: ${c##*/}: ok"
	fi
done
exit "$rc"
