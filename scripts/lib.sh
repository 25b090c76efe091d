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

# kmake TREE OBJDIR ARGS...: the kernel's make, quiet, out of tree in
# OBJDIR (inside TREE: srctree is "..", the same for one ccache), for $KARCH
# (x86_64) with CROSS_COMPILE=$KCROSS and $JOBS jobs; every two minutes, the
# objects compiled of about how many the last long build of OBJDIR's name had.
kmake() {
	_kt=$1 _ko=$2
	shift 2
	case $_ko in /*) _kd=$_ko ;; *) _kd=$_kt/$_ko ;; esac
	_kt0=$(date +%s)
	_khint=$_kt/../.objects-${_ko##*/}
	(
		_kn=120
		while sleep 1 >/dev/null 2>&1 && kill -0 "$$" 2>/dev/null; do
			[ $(($(date +%s) - _kt0)) -ge "$_kn" ] || continue
			echo "kmake: ${_kt##*/}/${_ko##*/}: $(find "$_kd" -name '*.o' \
				-newermt "@$_kt0" 2>/dev/null | wc -l) objects compiled$(
				[ ! -s "$_khint" ] || echo " of about $(cat "$_khint")"
				), $((_kn / 60)) min"
			_kn=$((_kn + 120))
		done
	) &
	_ktick=$!
	_krc=0
	make -C "$_kt" O="$_ko" ARCH="${KARCH:-x86_64}" \
		CROSS_COMPILE="${KCROSS:-}" CC="ccache ${KCROSS:-}gcc" \
		-j"${JOBS:-$(nproc)}" -s "$@" || _krc=$?
	kill "$_ktick" 2>/dev/null || true
	wait "$_ktick" 2>/dev/null || true
	if [ "$_krc" -eq 0 ] && [ $(($(date +%s) - _kt0)) -ge 120 ]; then
		find "$_kd" -name '*.o' | wc -l >"$_khint" 2>/dev/null || true
	fi
	return "$_krc"
}

# passed REPORT: the verdict, REPORT's last line "N passed, N failed, N
# skipped", says that nothing failed.
passed() {
	tail -n 1 "$1" | grep -q ' 0 failed'
}
