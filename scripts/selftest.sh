#!/bin/sh
# Usage: BUSYBOX=PATH selftest.sh CASEDIR
#
# The harness's own tests (make check: check harness).  For each case in
# CASEDIR (test/harness/*/, see its README): expand the case's suite as
# the Makefile does (scripts/suite.sh); get its KTAP, from the case's
# base.ktap and patched.ktap, or, for a case with programs (bin/), by
# running the guest's runner (scripts/guest-run.sh) over the suite on this
# host under the guest's shell, $BUSYBOX sh; report it (scripts/report.sh)
# and compare the report's "failed:" lines and last line with the case's
# want, and report.sh's exit status with that last line.  Prints one line
# per case, and exits 1 if one differs.
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
	name=${c##*/}
	rm -rf "${tmp:?}"/*
	mkdir "$tmp/base" "$tmp/patched"
	DAX_FS="ext4 xfs" GUEST_FS="ext4 xfs erofs nofs" "$here/suite.sh" \
		"$c/suite" >"$tmp/suite"
	if [ -d "$c/bin" ]; then
		# The runner as the guest's /init runs it, minus the guest:
		# with busybox's applets (its timeout exits with the signal's
		# status, not 124, as coreutils' does).
		mkdir "$tmp/run" "$tmp/mnt" "$tmp/extra" "$tmp/bb"
		for a in awk cat date ls mkfifo rm sed sleep sort timeout wc; do
			ln -s "$BUSYBOX" "$tmp/bb/$a"
		done
		start=$(date +%s)
		PATH=$(cd "$c/bin" && pwd):$tmp/bb:$PATH SUITE=$tmp/suite EXTRA=$tmp/extra \
			RUNDIR=$tmp/run KMSG=/dev/null MNT=$tmp/mnt TEST_TIMEOUT=20 \
			"$BUSYBOX" sh -c '. "$1"; run_suite' sh "$here/guest-run.sh" \
			>"$tmp/patched/ktap.log" 2>&1
		took=$(($(date +%s) - start))
		# Nothing waits for what a test left behind (60 s) or for a
		# test that ignores its time limit's SIGTERM (30 s).
		[ "$took" -lt 20 ] ||
			echo "failed: harness: the runner took $took s" >>"$tmp/late"
		set -- patched="$tmp/patched"
	else
		for label in base patched; do
			cp "$c/$label.ktap" "$tmp/$label/ktap.log"
			[ ! -f "$c/$label.console" ] ||
				cp "$c/$label.console" "$tmp/$label/console.log"
		done
		set -- base="$tmp/base" patched="$tmp/patched"
	fi
	status=0
	"$here/report.sh" "$tmp/suite" "$@" >"$tmp/report" || status=$?
	{
		cat "$tmp/late" 2>/dev/null || true
		grep '^failed: ' "$tmp/report" || true
		tail -n 1 "$tmp/report"
	} >"$tmp/got"
	if passed "$c/want"; then want_status=0; else want_status=1; fi
	if ! cmp -s "$c/want" "$tmp/got"; then
		echo "harness: $name: the report differs from $c/want:"
		diff "$c/want" "$tmp/got" | sed 's/^/  /' || true
		[ ! -d "$c/bin" ] || sed 's/^/  | /' "$tmp/patched/ktap.log"
		rc=1
	elif [ "$status" -ne "$want_status" ]; then
		echo "harness: $name: report.sh exited $status, not $want_status"
		rc=1
	else
		echo "harness: $name: ok"
	fi
done
exit "$rc"
