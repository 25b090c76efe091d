#!/bin/sh
# Usage: base.sh (settings from the Makefile's environment)
# Branch base ($BASE_BRANCH) in $KGIT: Debian's linux-source-$DEB_SERIES,
# verified and imported as one reproducible commit, or BASE_TREE at
# BASE_REF through git alternates (README.md, "Targets").
set -eu
: "${CACHE:?}" "${KGIT:?}" "${TREES:?}" "${DEB_SERIES:?}" "${DEB_VERSION:?}"
: "${DEB_SHA256:?}" "${DEB_SUITE:?}"
BASE_TREE=${BASE_TREE:-}
BASE_REF=${BASE_REF:-HEAD}
branch=${BASE_BRANCH:-base}

here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
apt() { "$here/apt.sh" "$DEB_SUITE" "$@"; }

# Not bare: scripts/spdxcheck.py, which checkpatch runs, refuses bare ones.
init_repo() {
	[ -d "$KGIT" ] && return
	git init -q "$TREES/base"
	[ "$(cd "$TREES/base/.git" && pwd)" = "$(cd "$KGIT" && pwd)" ] ||
		{ echo "base: KGIT must be $TREES/base/.git" >&2; exit 1; }
	echo ".build/" >>"$KGIT/info/exclude"
	git_k config user.name "gup-longterm harness"
	git_k config user.email "harness@localhost"
	git_k config gc.auto 0
}

deb_pick_version() {
	avail=$(apt apt-cache madison "linux-source-$DEB_SERIES" 2>/dev/null |
		awk -F'|' '{gsub(/ /, "", $2); print $2}')
	if printf '%s\n' "$avail" | grep -qxF "$DEB_VERSION"; then
		echo "$DEB_VERSION"
		return
	fi
	newest=$(printf '%s\n' "$avail" | sed '/^$/d' | sort -V | tail -n 1)
	if [ -z "$newest" ]; then
		echo "base: linux-source-$DEB_SERIES is not available from $DEB_SUITE" >&2
		exit 1
	fi
	echo "base: WARNING: linux-source-$DEB_SERIES $DEB_VERSION is no longer served;" \
		"FALLING BACK to $newest, which the series may not apply to" >&2
	echo "$newest"
}

deb_base() {
	version=$(deb_pick_version)
	tag="debian/$(printf '%s' "$version" | tr '~:' '_.')"
	if git_k rev-parse -q --verify "refs/tags/$tag^{commit}" >/dev/null; then
		git_k update-ref refs/heads/$branch "refs/tags/$tag^{commit}"
		return
	fi

	pkg="linux-source-$DEB_SERIES"
	mkdir -p "$CACHE/debs"
	deb="$CACHE/debs/${pkg}_$(printf '%s' "$version" | sed 's/:/%3a/')_all.deb"
	if [ ! -f "$deb" ]; then
		echo "base: downloading $pkg=$version"
		(cd "$CACHE/debs" && apt apt-get download -q "$pkg=$version") ||
			{ echo "base: apt-get download $pkg=$version failed" >&2; exit 1; }
	fi

	if [ "$version" = "$DEB_VERSION" ]; then
		want=$DEB_SHA256
	else
		want=$(apt apt-cache show "$pkg=$version" | awk '/^SHA256:/ {print $2; exit}')
	fi
	have=$(sha256sum "$deb" | cut -d' ' -f1)
	if [ "$have" != "$want" ]; then
		echo "base: checksum mismatch for $deb: expected $want, got $have" >&2
		rm -f "$deb"
		exit 1
	fi
	echo "base: $deb: sha256 $have OK"

	tmp=$(mktemp -d "$CACHE/import.XXXXXX")
	trap 'rm -rf "$tmp"' EXIT
	dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$tmp" "./usr/src/$pkg.tar.xz"
	# A reproducible commit: fixed identity, date from the tarball.
	date=$(stat -c %Y "$tmp/usr/src/$pkg.tar.xz")
	tar -xJf "$tmp/usr/src/$pkg.tar.xz" -C "$tmp"
	rm -f "$tmp/usr/src/$pkg.tar.xz"

	echo "base: importing $pkg $version into $KGIT"
	export GIT_INDEX_FILE="$tmp/index"
	git_k --work-tree="$tmp/$pkg" add -A -f .
	tree=$(git_k write-tree)
	unset GIT_INDEX_FILE
	who="Debian kernel team (import)" addr=debian-kernel@lists.debian.org
	commit=$(printf 'Import Debian %s %s\n\nUnpacked from %s\n(sha256 %s).\n' \
			"$pkg" "$version" "$(basename "$deb")" "$have" |
		GIT_AUTHOR_NAME=$who GIT_AUTHOR_EMAIL=$addr GIT_AUTHOR_DATE="@$date +0000" \
		GIT_COMMITTER_NAME=$who GIT_COMMITTER_EMAIL=$addr GIT_COMMITTER_DATE="@$date +0000" \
		git_k commit-tree "$tree")
	git_k tag "$tag" "$commit"
	git_k update-ref refs/heads/$branch "$commit"
}

tree_base() {
	commit=$(git -C "$BASE_TREE" rev-parse -q --verify "$BASE_REF^{commit}") ||
		{ echo "base: $BASE_REF is not a commit in $BASE_TREE" >&2; exit 1; }
	objects=$(cd "$BASE_TREE" && cd "$(git rev-parse --git-common-dir)/objects" && pwd)
	alt="$KGIT/objects/info/alternates"
	grep -qxF "$objects" "$alt" 2>/dev/null || echo "$objects" >>"$alt"
	git_k update-ref refs/heads/$branch "$commit"
	echo "base: $BASE_TREE $BASE_REF = $commit"
}

mkdir -p "$CACHE" "$TREES"
init_repo
if [ -n "$BASE_TREE" ]; then
	tree_base
else
	deb_base
fi
# The main worktree holds the base (not an older one for range-diff.sh).
[ "$branch" != base ] || git -C "$TREES/base" checkout -q -f --detach base
git_k log -1 --format='base: %h %s' "$branch"
