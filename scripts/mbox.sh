#!/bin/sh
# Usage: mbox.sh COVER_LETTER MBOX
# The series as the thread its sender would mail, signed off by them
# (signed.sh), into the file MBOX, then applied back with git am and b4 am
# and compared with the series (README.md, "Ready for the list").
set -eu
cover=$1 mbox=$2
case $mbox in /*) ;; *) mbox=$PWD/$mbox ;; esac
: "${KGIT:?}" "${TREES:?}"
. "$(dirname "$0")/lib.sh"

"$(dirname "$0")/signed.sh" mailed

subject=$(sed -n '1s/^Subject: //p' "$cover")
version=$(printf '%s\n' "$subject" | sed -n 's/^\[PATCH v\([0-9][0-9]*\) [0-9]*\/[0-9]*\] .*/\1/p')
count=$(printf '%s\n' "$subject" | sed -n 's/^\[PATCH v[0-9]* [0-9]*\/\([0-9]*\)\] .*/\1/p')
title=${subject#*] }
if [ -z "$version" ] || [ -z "$title" ]; then
	echo "mbox: $cover must start with 'Subject: [PATCH vN 00/M] title'" >&2
	exit 1
fi
ncommits=$(git_k rev-list --count base..series)
if [ "$count" -ne "$ncommits" ]; then
	echo "mbox: $cover says $count patches, the series has $ncommits" >&2
	exit 1
fi

tmp=$(mktemp -d)
# A worktree kept between runs (like the bisect one): going back to the
# base only rewrites the files the series touches.
wt=$TREES/am
trap 'rm -rf "$tmp"; git_k branch -q -D mailed 2>/dev/null || true' EXIT

# The branch description: the title, a blank line and the cover letter
# without its subject and its copy of the shortlog, which git writes.
{
	printf '%s\n\n' "$title"
	sed '1d' "$cover" | sed '/^[^ ].* ([0-9][0-9]*):$/,$d' | sed '1{/^$/d}'
} >"$tmp/description"
# The cover letter is from the sender too (git would take the
# repository's identity, which is the harness's).
author=$(git_k log -1 --format='%an' base..mailed)
email=$(git_k log -1 --format='%ae' base..mailed)
git_k -c branch.mailed.description="$(cat "$tmp/description")" \
	-c user.name="$author" -c user.email="$email" format-patch \
	-q -o "$tmp/out" --cover-letter --cover-from-description=subject \
	--thread=shallow -v"$version" --base=base base..mailed

# "Name <addr> (maintainer:...)" lines -> To and Cc address lists.  The
# Debian import has no history, so Fixes: tags cannot be looked up there.
fixes=--fixes
[ "$(git_k rev-list --count base)" -gt 1 ] || fixes=--nofixes
addresses() {
	(cd "$TREES/base" && perl scripts/get_maintainer.pl --nogit --nogit-fallback \
		"$fixes" --roles "$@")
}
headers() {
	awk -v tof="$1" -v ccf="$2" '
	function fold(name, file,   line, list, n) {
		while ((getline line < file) > 0) {
			if (line in seen) continue
			seen[line] = 1
			list = list (n++ ? ",\n\t" : "") line
		}
		if (n) print name ": " list
	}
	!done && /^$/ { fold("To", tof); fold("Cc", ccf); done = 1 }
	{ print }' "$3"
}
# get_maintainer.pl's lines in WHO -> addresses in TO (maintainers) or CC;
# a name may have parentheses of its own: the address ends at ">".
split_roles() {
	awk -v to="$2" -v cc="$3" '
	BEGIN { printf "" > to; printf "" > cc }
	{
		if (match($0, /^[^<]*<[^>]*>/)) {
			a = substr($0, 1, RLENGTH); r = substr($0, RLENGTH + 1)
		} else {
			a = $1; r = substr($0, length($1) + 1)
		}
		print a > (r ~ /^ \(maintainer:/ ? to : cc)
	}' "$1"
}
: >"$tmp/all"
for p in "$tmp"/out/*.patch; do
	case $p in */v*-0000-cover-letter.patch) continue ;; esac
	addresses "$p" >"$tmp/who"
	cat "$tmp/who" >>"$tmp/all"
	split_roles "$tmp/who" "$tmp/to" "$tmp/cc"
	headers "$tmp/to" "$tmp/cc" "$p" >"$p.new" && mv "$p.new" "$p"
done
sort -u "$tmp/all" >"$tmp/who"
split_roles "$tmp/who" "$tmp/to" "$tmp/cc"
sort -u "$tmp/cc" >"$tmp/cc.sorted" && mv "$tmp/cc.sorted" "$tmp/cc"
p=$(ls "$tmp"/out/*-0000-cover-letter.patch)
headers "$tmp/to" "$tmp/cc" "$p" >"$p.new" && mv "$p.new" "$p"
if grep -q '\*\*\* \(SUBJECT\|BLURB\) HERE \*\*\*' "$p"; then
	echo "mbox: the cover letter was not filled in" >&2
	exit 1
fi

# Every To: and Cc: must parse as addresses, as a mail program reads them.
if ! python3 - "$tmp"/out/*.patch <<'PY'
import email, email.utils, sys
bad = 0
for path in sys.argv[1:]:
    with open(path, 'rb') as f:
        msg = email.message_from_binary_file(f)
    for h in ('To', 'Cc'):
        raw = msg.get(h, '')
        want = len([x for x in raw.replace('\n', '').split(',\t') if x.strip()]) if raw else 0
        got = email.utils.getaddresses([raw]) if raw else []
        for name, addr in got:
            if '@' not in addr or '"' in name or '"' in addr:
                print(f'mbox: {path.rsplit("/", 1)[-1]}: {h}: bad address {name!r} <{addr}>')
                bad = 1
        if len(got) != want:
            print(f'mbox: {path.rsplit("/", 1)[-1]}: {h}: {want} entries, {len(got)} addresses')
            bad = 1
sys.exit(bad)
PY
then
	echo "mbox: To/Cc headers do not parse" >&2
	exit 1
fi

mkdir -p "$(dirname "$mbox")"
rm -f "$mbox.rejected"
cat "$tmp"/out/*.patch >"$mbox"
echo "mbox: $mbox: $(grep -c '^From [0-9a-f]\{40\} ' "$mbox") messages," \
	"[PATCH v$version 00/$count] to $(wc -l <"$tmp/to") and cc $(wc -l <"$tmp/cc")"

# same_as_series WHAT MBOX-FILE: MBOX-FILE applied onto the base gives the
# series tip's tree and "mailed"'s messages, signed off by the sender only.
same_as_series() {
	worktree "$wt" base --detach
	git -C "$wt" am --abort >/dev/null 2>&1 || true
	git -C "$wt" checkout -q -f --detach base
	if ! git -C "$wt" am -q --empty=drop "$2"; then
		git -C "$wt" am --abort >/dev/null 2>&1 || true
		echo "mbox: $1: git am failed"
		return 1
	fi
	want=$(git_k rev-parse 'series^{tree}')
	got=$(git -C "$wt" rev-parse 'HEAD^{tree}')
	git_k log --format='%an <%ae> %ad%n%B' base..mailed >"$tmp/want.log"
	git -C "$wt" log --format='%an <%ae> %ad%n%B' base..HEAD >"$tmp/got.log"
	if [ "$want" != "$got" ]; then
		echo "mbox: $1: tree $got, the series tip has $want"
		return 1
	fi
	if ! diff -u "$tmp/want.log" "$tmp/got.log" >"$tmp/log.diff"; then
		head -n 40 "$tmp/log.diff"
		echo "mbox: $1: same tree, but authors or messages differ"
		return 1
	fi
	sender=$(git_k log -1 --format='%an <%ae>' base..mailed)
	bad=$(git -C "$wt" log --format='%h %s%n%(trailers:key=Signed-off-by,valueonly,separator=%x2c)%n%(trailers:key=Assisted-by,valueonly,separator=%x2c)' base..HEAD |
		awk -v s="$sender" 'NR % 3 == 1 { c = $0 }
			NR % 3 == 2 && $0 != s { print c ": Signed-off-by " $0 ", not only the sender " s }
			NR % 3 == 0 && ($0 == "" || index($0, ",")) { print c ": Assisted-by \"" $0 "\", not one" }')
	if [ -n "$bad" ]; then
		printf '%s\n' "$bad"
		echo "mbox: $1: trailers wrong"
		return 1
	fi
	echo "mbox: $1 onto base: tree $got, the series tip's; each patch from $sender, signed off by $sender only, with Assisted-by"
}

rc=0
same_as_series "git am" "$mbox" || rc=1

# b4 am, offline (-m).  Debian's b4 0.12.0 cannot copy a folded Subject
# header (Python's email module refuses the linefeed): it gets a copy of
# the mbox with the headers unfolded, which is the same mail.
awk '/^From [0-9a-f]+ Mon Sep 17 00:00:00 2001$/ { hdr = 1 }
	hdr && /^$/ { hdr = 0 }
	hdr && /^[ \t]/ { sub(/^[ \t]+/, " "); printf "%s", $0; next }
	{ if (NR > 1) printf "\n"; printf "%s", $0 }
	END { printf "\n" }' "$mbox" >"$tmp/unfolded.mbox"
msgid=$(sed -n 's/^Message-Id: <\(.*\)>$/\1/Ip' "$(ls "$tmp"/out/*-0000-cover-letter.patch)" | head -n 1)
if command -v b4 >/dev/null; then
	# In the base repository: b4 looks up base-commit and Fixes: there.
	mkdir -p "$tmp/b4"
	if (cd "$TREES/base" && HOME=$tmp timeout 120 b4 -q am --no-cache -m "$tmp/unfolded.mbox" -o "$tmp/b4" \
		-n am "$msgid") >"$tmp/b4.log" 2>&1 && [ -s "$tmp/b4/am.mbx" ]; then
		same_as_series "b4 am" "$tmp/b4/am.mbx" || rc=1
	else
		cat "$tmp/b4.log"
		echo "mbox: b4 am failed"
		rc=1
	fi
else
	echo "mbox: b4 is not installed (apt-get install b4): b4 am not tried"
	rc=1
fi
if [ "$rc" -ne 0 ]; then
	mv "$mbox" "$mbox.rejected"
	echo "mbox: not what was tested: moved to $mbox.rejected"
fi
exit "$rc"
