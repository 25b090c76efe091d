#!/bin/sh
# Usage: inroot.sh ROOT PROGRAM [ARG...]: PROGRAM of the Debian root ROOT,
# run on the host with the root's loader and libraries.
set -eu
root=$1 prog=$2
shift 2
exec "$root/usr/lib64/ld-linux-x86-64.so.2" \
	--library-path "$root/usr/lib/x86_64-linux-gnu" "$root$prog" "$@"
