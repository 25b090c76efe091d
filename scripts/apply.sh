#!/bin/sh
# Usage: apply.sh SERIES_FILE PATCH_DIR [BRANCH [BASE]]
# Branch BRANCH (series) = BASE (base) + the patches, in $TREES/BRANCH,
# with reproducible commits; nothing to do if they are applied already.
set -eu
series=$1 pdir=$(cd "$2" && pwd) branch=${3:-series} basebr=${4:-base}
: "${KGIT:?}" "${TREES:?}"
. "$(dirname "$0")/lib.sh"

patches=$(entries "$series" | awk '{print $1}')
base=$(git_k rev-parse "$basebr")
for p in $patches; do
	[ -f "$pdir/$p" ] || { echo "apply: $p is in $series but not in $pdir/" >&2; exit 1; }
done
stamp=$(
	echo "$base"
	for p in $patches; do sha256sum "$pdir/$p"; done | sha256sum | cut -d' ' -f1
)
tree=$TREES/$branch
worktree "$tree" "$basebr" -B "$branch"
if [ "$(cat "$tree/.build/applied" 2>/dev/null)" = "$stamp" ] &&
	[ -z "$(git -C "$tree" status --porcelain -uno)" ]; then
	echo "apply: $branch already applied at $(git -C "$tree" rev-parse --short HEAD)"
	exit 0
fi

cd "$tree"
git am --abort >/dev/null 2>&1 || true
# The files the tree has changed from the base, with their contents' hash
# and time: one that comes out of this application the same keeps its
# time, so that kbuild rebuilds only what a changed patch changes.
times=$(git diff --name-only "$basebr" -- | while read -r f; do
	[ ! -f "$f" ] || echo "$(git hash-object "$f") $(stat -c %.9Y "$f") $f"
done)
git checkout -q -f -B "$branch" "$basebr"
for p in $patches; do
	if ! git am -q --committer-date-is-author-date "$pdir/$p"; then
		git am --abort || true
		echo "apply: $p does not apply to $basebr $(git rev-parse --short "$basebr")" >&2
		exit 1
	fi
done
printf '%s\n' "$times" | while read -r hash time f; do
	[ ! -f "$f" ] || [ "$(git hash-object "$f")" != "$hash" ] || touch -d "@$time" "$f"
done
mkdir -p .build
echo "$stamp" >.build/applied
git log --oneline "$basebr..$branch" | sed 's/^/apply: /'
