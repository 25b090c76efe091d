#!/bin/sh
# Usage: total.sh OUTFILE LABEL=REPORT...
#
# The verdict of `make test` over every base: each report's failed cases
# and totals under its label, then the sum of their verdicts as the last
# line, "N passed, N failed, N skipped", all written to OUTFILE.  A base
# without a report counts as one failure.  Exits 1 unless nothing failed.
set -eu
. "$(dirname "$0")/lib.sh"
outfile=$1
shift
for arg in "$@"; do
	label=${arg%%=*} report=${arg#*=}
	if [ ! -s "$report" ]; then
		echo "$label: failed: no report ($report)"
		echo "$label: 0 passed, 1 failed, 0 skipped"
		continue
	fi
	sed -n "s/^failed: /$label: failed: /p" "$report"
	echo "$label: $(tail -n 1 "$report")"
done >"$outfile"
sed -n 's/^[^ ]*: \([0-9]*\) passed, \([0-9]*\) failed, \([0-9]*\) skipped$/\1 \2 \3/p' \
	"$outfile" | awk '{ p += $1; f += $2; s += $3 }
	END { printf "%d passed, %d failed, %d skipped\n", p, f, s }' >>"$outfile"
echo
cat "$outfile"
passed "$outfile"
