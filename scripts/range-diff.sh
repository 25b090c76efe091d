#!/bin/sh
# Usage: range-diff.sh COMMIT
#
# git range-diff from an earlier version of the series to the current one
# (branch "series"), for the cover letter's changelog.  COMMIT is the commit
# of this repository that held that version: its series file and patches/,
# and, in its Makefile, the Debian base it was written against.  That base
# is imported as branch "base-COMMIT" (base.sh) and the old version applied
# onto it as branch "old-COMMIT" (apply.sh), so that a version on an older
# kernel compares too.
set -eu
commit=$1
: "${KGIT:?}" "${TREES:?}" "${CACHE:?}"
if ! git rev-parse -q --verify "$commit^{commit}" >/dev/null; then
	echo "range-diff: $commit is not a commit of this repository" >&2
	exit 1
fi
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"; git_k worktree remove -f "$TREES/old-$commit" 2>/dev/null || true' EXIT

# The old version's base, as its Makefile states it (before DEB_SUITE
# existed, the package came from the system's suites).
git show "$commit:Makefile" >"$tmp/Makefile"
var() { sed -n "s/^$1 := //p" "$tmp/Makefile" | head -n 1; }
DEB_SERIES=$(var DEB_SERIES) DEB_VERSION=$(var DEB_VERSION)
DEB_SHA256=$(var DEB_SHA256) DEB_SUITE=$(var DEB_SUITE)
DEB_SUITE=${DEB_SUITE:-$(lsb_release -cs 2>/dev/null || echo bookworm)}
export DEB_SERIES DEB_VERSION DEB_SHA256 DEB_SUITE
BASE_TREE= BASE_BRANCH=base-$commit "$here/base.sh" >/dev/null

mkdir "$tmp/patches"
git show "$commit:series" >"$tmp/series"
for p in $(entries "$tmp/series" | awk '{print $1}'); do
	git show "$commit:patches/$p" >"$tmp/patches/$p"
done
"$here/apply.sh" "$tmp/series" "$tmp/patches" "old-$commit" "base-$commit" >/dev/null
git_k range-diff --no-color "base-$commit..old-$commit" base..series
