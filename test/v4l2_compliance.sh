#!/bin/sh
# Usage: v4l2_compliance.sh [FRAMES]
#
# The V4L2 peer suite, v4l2-compliance from Debian's v4l-utils, against
# vivid's video capture and video output nodes, the multi-planar capture
# node of its second instance and the vim2m memory-to-memory node, with the streaming tests (-s FRAMES; MMAP, USERPTR
# and, for vivid, read/write I/O on the current input or output).  Each test it reports becomes one KTAP case, named after the
# node and the test, so that base and patched runs line up case by case.
set -u
frames=${1:-8}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

for sys in /sys/class/video4linux/video*; do
	[ -e "$sys/name" ] || continue
	name=$(cat "$sys/name")
	case $name in
	vivid-000-vid-cap|vivid-000-vid-out) node=${name#vivid-000-} ;;
	vivid-001-vid-cap) node=vid-cap-mplane ;;
	vim2m) node=vim2m ;;
	*) continue ;;
	esac
	# stderr apart, so that its messages cannot split the result lines.
	v4l2-compliance -d "/dev/${sys##*/}" -s "$frames" >"$tmp/$node.log" \
		2>"$tmp/$node.err"
	echo "rc=$?" >>"$tmp/$node.log"
	# "	test VIDIOC_G_FMT: OK", "test USERPTR (select): FAIL", ...
	# The streaming tests draw a progress line ending in carriage
	# returns, and the next result may follow on that same line: split
	# there.  A name that repeats (once per input) gets its count.
	tr '\r' '\n' <"$tmp/$node.log" |
		sed -n "s/^[[:space:]]*test \(.*\): \(OK\|FAIL\).*/\2 $node: \1/p" |
		awk '{ n = ++seen[substr($0, index($0, " "))]; print (n > 1 ? $0 " (" n ")" : $0) }' \
		>>"$tmp/results"
done

echo "TAP version 13"
if [ ! -s "$tmp/results" ]; then
	echo "1..0 # SKIP no vivid or vim2m video node, or v4l2-compliance reported nothing"
	exit 4
fi
echo "1..$(wc -l <"$tmp/results")"
for log in "$tmp"/*.log; do
	grep -E '^(Total for|rc=)' "$log" | sed 's/^/# /'
done
awk '{ res = $1; sub(/^[A-Z]+ /, ""); print (res == "OK" ? "ok " : "not ok ") NR " " $0 }' \
	"$tmp/results"
! grep -q '^FAIL' "$tmp/results"
