# Sourced by the scripts (". scripts/lib.sh"): what more than one of them
# does, written once.  Its functions' own variables start with "_".

# entries FILE: FILE's lines without comments and blank lines (series,
# suite and skip files).
entries() {
	grep -v '^[[:space:]]*\(#\|$\)' "$1" || true
}

# git_k ARGS...: git on the kernel repository, $KGIT.
git_k() {
	git --git-dir="$KGIT" "$@"
}

# worktree TREE COMMIT [OPTION...]: make sure TREE is a worktree of $KGIT;
# if it is not, add it at COMMIT ("git worktree add -q -f OPTION... TREE
# COMMIT"), after pruning the records of worktrees that were deleted.
worktree() {
	_wt=$1 _wc=$2
	shift 2
	[ -e "$_wt/.git" ] && return 0
	git_k worktree prune
	git_k worktree add -q -f "$@" "$_wt" "$_wc"
}

# kmake TREE OBJDIR ARGS...: the kernel's make as every build here runs
# it: quiet, out of tree in OBJDIR (the builds use OBJDIR .build or
# .matrix-ENTRY inside TREE, so that every tree has srctree ".." and one
# ccache serves them all), for $KARCH (default x86_64) with $KCROSS as
# CROSS_COMPILE, $JOBS jobs (default: one per CPU).
kmake() {
	_kt=$1 _ko=$2
	shift 2
	make -C "$_kt" O="$_ko" ARCH="${KARCH:-x86_64}" \
		CROSS_COMPILE="${KCROSS:-}" CC="ccache ${KCROSS:-}gcc" \
		-j"${JOBS:-$(nproc)}" -s "$@"
}

# passed REPORT: the verdict, REPORT's last line "N passed, N failed, N
# skipped", says that nothing failed.
passed() {
	tail -n 1 "$1" | grep -q ' 0 failed'
}
