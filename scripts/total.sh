#!/bin/sh
# Usage: total.sh OUTFILE LABEL=REPORT...
# The verdict of `make test`, in OUTFILE and printed after a blank line: each REPORT's failed
# cases and last line under its LABEL (no REPORT: one failure), then their sum.  Exits 1 if any.
set -eu
outfile=$1
shift
for arg; do
	label=${arg%%=*} report=${arg#*=}
	[ -s "$report" ] || report=-	# then awk reads the document below instead
	awk -v l="$label" '/^failed: / { print l ": " $0 } END { print l ": " $0 }' "$report" <<-EOF
		failed: no report (${arg#*=})
		0 passed, 1 failed, 0 skipped
	EOF
done >"$outfile"
awk '/^[^ ]*: [0-9]* passed, [0-9]* failed, [0-9]* skipped$/ { p += $2; f += $4; s += $6 }
	END { printf "%d passed, %d failed, %d skipped\n", p, f, s }' "$outfile" >>"$outfile"
awk 'BEGIN { print "" } { print } END { exit $0 !~ / 0 failed/ }' "$outfile"
