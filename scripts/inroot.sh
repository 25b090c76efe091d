#!/bin/sh
# Usage: inroot.sh ROOT PROGRAM [ARG...]
#
# Run PROGRAM of the Debian root ROOT (root.sh) on the host, with the root's
# own dynamic loader and libraries: for tools that must be newer than the
# host's (sparse that parses the kernel's headers).
set -eu
root=$1 prog=$2
shift 2
exec "$root/usr/lib64/ld-linux-x86-64.so.2" \
	--library-path "$root/usr/lib/x86_64-linux-gnu" "$root$prog" "$@"
