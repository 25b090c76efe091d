#!/bin/sh
# Usage: deps.sh PACKAGE...
# Install the Debian packages that are missing; nothing if all are there.
set -eu
missing="" sudo=""
for p in "$@"; do
	dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q 'ok installed' ||
		missing="$missing $p"
done
[ -z "$missing" ] && exit 0
echo "deps: installing$missing"
[ "$(id -u)" -eq 0 ] || sudo=sudo
$sudo apt-get update -q >/dev/null
# shellcheck disable=SC2086 # a list of package names
$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
	$missing >/dev/null
