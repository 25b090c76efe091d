#!/bin/sh
# Usage: apt.sh SUITE apt-get|apt-cache ARG... | apt.sh SUITE mmdebstrap TARGET [OPTION...]
# An apt command on Debian's SUITE through a private configuration in
# $CACHE/apt/SUITE (README.md, "Where the base and the tools come from").
set -eu
suite=$1 cmd=$2
shift 2
: "${CACHE:?}"
dir=$CACHE/apt/$suite

uri=$(apt-get indextargets --format '$(REPO_URI) $(RELEASE) $(COMPONENT)' |
	awk '$2 !~ /-/ && $3 == "main" {print $1; exit}')
[ -n "$uri" ] || { echo "apt: no Debian archive in the system's apt sources" >&2; exit 1; }
keyring=/usr/share/keyrings/debian-archive-keyring.gpg

if [ "$cmd" = mmdebstrap ]; then
	target=$1
	shift
	exec mmdebstrap --aptopt='Acquire::Check-Valid-Until "false"' \
		--keyring="$keyring" "$@" "$suite" "$target" \
		"deb [signed-by=$keyring] $uri $suite main"
fi

# A suite the system's sources already have (bookworm, bookworm-security...):
# the system's own configuration, as it is.
apt-get indextargets --format '$(RELEASE)' | grep -qxF "$suite" && exec "$cmd" "$@"

mkdir -p "$dir/lists/partial" "$dir/archives/partial" "$dir/sources.list.d"
echo "deb [signed-by=$keyring] $uri $suite main" >"$dir/sources.list"
opts="-o Dir::Etc::sourcelist=$dir/sources.list -o Dir::Etc::sourceparts=$dir/sources.list.d
-o Dir::State::Lists=$dir/lists -o Dir::Cache=$dir -o Dir::Cache::archives=$dir/archives
-o Acquire::Check-Valid-Until=false -o APT::Sandbox::User=root"
# shellcheck disable=SC2086 # $opts is a list of options without spaces
if [ "${APT_REFRESH:-0}" = 1 ] || ! ls "$dir/lists/"*_Packages >/dev/null 2>&1; then
	apt-get $opts -q update >/dev/null ||
		{ echo "apt: cannot fetch the package lists of $suite from $uri" >&2; exit 1; }
fi
# shellcheck disable=SC2086
exec "$cmd" $opts "$@"
