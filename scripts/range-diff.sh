#!/bin/sh
# Usage: range-diff.sh TAG
#
# git range-diff from the series as this repository had it at TAG (a tag
# such as series-v1 on the commit that posted that version: its series
# file and patches/) to the current one (branch "series"), for the cover
# letter's changelog.  The old version is applied onto the same base as
# branch TAG in the kernel repository.
set -eu
tag=$1
: "${KGIT:?}" "${TREES:?}"
if ! git rev-parse -q --verify "refs/tags/$tag^{commit}" >/dev/null; then
	echo "range-diff: no tag $tag here; tags: $(git tag -l 'series-v*' | tr '\n' ' ')" >&2
	echo "range-diff: (a clone without tags needs: git fetch --tags)" >&2
	exit 1
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"; git --git-dir="$KGIT" worktree remove -f "$TREES/$tag" 2>/dev/null || true' EXIT
mkdir "$tmp/patches"
git show "$tag:series" >"$tmp/series"
for p in $(grep -v '^[[:space:]]*\(#\|$\)' "$tmp/series" | awk '{print $1}'); do
	git show "$tag:patches/$p" >"$tmp/patches/$p"
done
"$(dirname "$0")/apply.sh" "$tmp/series" "$tmp/patches" "$tag" >/dev/null
git --git-dir="$KGIT" range-diff --no-color "base..$tag" base..series
