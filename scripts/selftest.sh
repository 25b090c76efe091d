#!/bin/sh
# Usage: selftest.sh CASEDIR
#
# The harness's own tests (make check: check harness): for each case in
# CASEDIR (test/harness/*/, see its README), expand the case's suite as
# the Makefile does (scripts/suite.sh), report its base and patched KTAP
# (scripts/report.sh) and compare the report's "failed:" lines and last
# line with the case's want.  Prints one line per case, and exits 1 if
# one differs.
set -eu
cases=$1
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
rc=0
for c in "$cases"/*/; do
	c=${c%/}
	name=${c##*/}
	rm -rf "${tmp:?}"/*
	for label in base patched; do
		mkdir "$tmp/$label"
		cp "$c/$label.ktap" "$tmp/$label/ktap.log"
		[ ! -f "$c/$label.console" ] || cp "$c/$label.console" "$tmp/$label/console.log"
	done
	DAX_FS="ext4 xfs" GUEST_FS="ext4 xfs erofs" "$here/suite.sh" "$c/suite" >"$tmp/suite"
	"$here/report.sh" "$tmp/suite" base="$tmp/base" patched="$tmp/patched" \
		>"$tmp/report" || true
	{ grep '^failed: ' "$tmp/report" || true; tail -n 1 "$tmp/report"; } >"$tmp/got"
	if cmp -s "$c/want" "$tmp/got"; then
		echo "harness: $name: ok"
	else
		echo "harness: $name: the report differs from $c/want:"
		diff "$c/want" "$tmp/got" | sed 's/^/  /' || true
		rc=1
	fi
done
exit "$rc"
