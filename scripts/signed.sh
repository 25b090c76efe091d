#!/bin/sh
# Usage: signed.sh BRANCH
#
# Write BRANCH: the series (base..series) as the person who sends it
# mails it.  The patches in patches/ carry an Assisted-by: trailer and no
# Signed-off-by: a tool cannot certify the Developer's Certificate of
# Origin (Documentation/process/coding-assistants.rst).  The sender does,
# and takes responsibility for the patches: each commit of BRANCH has the
# same tree and message as the series', the sender as its author and the
# sender's Signed-off-by as its last trailer.
#
# The sender is $SENDER ("Name <address>") if set, else git's user.name
# and user.email where this runs.  Without one, or with the tool's or a
# placeholder address, nothing is written and the exit status is 1.
set -eu
branch=$1
: "${KGIT:?}"
git_k() { git --git-dir="$KGIT" "$@"; }

if [ -n "${SENDER+set}" ]; then
	sender=$SENDER
else
	name=$(git config user.name || true)
	email=$(git config user.email || true)
	sender=
	[ -z "$name" ] || [ -z "$email" ] || sender="$name <$email>"
fi
refuse() {
	echo "mbox: $1" >&2
	echo "mbox: the person who sends the series signs it off: make mbox SENDER='Your Name <you@example.org>'," \
		"or git config user.name and user.email" >&2
	exit 1
}
[ -n "$sender" ] || refuse "no sender identity (SENDER, or git config user.name/user.email)"
name=$(printf '%s\n' "$sender" | sed -n 's/^\([^<>]*[^<> ]\) <\([^<> @]*@[^<> @]*\.[^<> @]*\)>$/\1/p')
email=$(printf '%s\n' "$sender" | sed -n 's/^\([^<>]*[^<> ]\) <\([^<> @]*@[^<> @]*\.[^<> @]*\)>$/\2/p')
[ -n "$name" ] && [ -n "$email" ] || refuse "sender '$sender' is not 'Name <address>'"
case $email in
*@localhost* | *@anthropic.com)
	refuse "'$sender' is a tool's or a placeholder address, not a person's"
	;;
esac

parent=$(git_k rev-parse base)
for c in $(git_k rev-list --reverse base..series); do
	git_k log -1 --format=%B "$c" |
		git_k interpret-trailers --if-exists addIfDifferent \
			--trailer "Signed-off-by: $sender" | git stripspace >"${TMPDIR:-/tmp}/signed.$$"
	parent=$(GIT_AUTHOR_NAME=$name GIT_AUTHOR_EMAIL=$email \
		GIT_AUTHOR_DATE=$(git_k log -1 --format=%aD "$c") \
		GIT_COMMITTER_NAME=$name GIT_COMMITTER_EMAIL=$email \
		GIT_COMMITTER_DATE=$(git_k log -1 --format=%cD "$c") \
		git_k commit-tree -p "$parent" -F "${TMPDIR:-/tmp}/signed.$$" "$c^{tree}")
done
rm -f "${TMPDIR:-/tmp}/signed.$$"
git_k update-ref "refs/heads/$branch" "$parent"
echo "signed: $branch: $(git_k rev-list --count base.."$branch") patches from $sender"
