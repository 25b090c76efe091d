#!/bin/sh
# Usage: range-diff.sh COMMIT
# git range-diff of the version of the series that this repository's
# COMMIT held, applied on its own base, against branch series.
set -eu
commit=$1
: "${KGIT:?}" "${TREES:?}" "${CACHE:?}"
git rev-parse -q --verify "$commit^{commit}" >/dev/null ||
	{ echo "range-diff: $commit is not a commit of this repository" >&2; exit 1; }
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"; git_k worktree remove -f "$TREES/old-$commit" 2>/dev/null || true' EXIT

# The old version's base, as its Makefile states it (before DEB_SUITE
# existed, the package came from the system's suites).
git show "$commit:Makefile" >"$tmp/Makefile"
var() { sed -n "s/^$1 := //p" "$tmp/Makefile" | head -n 1; }
suite=$(var DEB_SUITE)
DEB_SERIES=$(var DEB_SERIES) DEB_VERSION=$(var DEB_VERSION) DEB_SHA256=$(var DEB_SHA256) \
	DEB_SUITE=${suite:-$(lsb_release -cs 2>/dev/null || echo bookworm)} \
	BASE_TREE="" BASE_BRANCH=base-$commit "$here/base.sh" >/dev/null

mkdir "$tmp/patches"
git show "$commit:series" >"$tmp/series"
for p in $(entries "$tmp/series" | awk '{print $1}'); do
	git show "$commit:patches/$p" >"$tmp/patches/$p"
done
"$here/apply.sh" "$tmp/series" "$tmp/patches" "old-$commit" "base-$commit" >/dev/null
git_k range-diff --no-color "base-$commit..old-$commit" base..series
