#!/bin/sh
# Usage: [SENDER='Name <address>'] [SENDER_TEST=1] signed.sh BRANCH
# BRANCH: the series with the sender's Signed-off-by last in each patch and
# the sender as author of the tool's patches; refuses (exit 1) a missing,
# tool's, placeholder or reserved identity (README.md, "Ready for the list").
set -eu
branch=$1
: "${KGIT:?}"
TOOL_EMAIL=noreply@anthropic.com
. "$(dirname "$0")/lib.sh"

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
	echo "mbox: the person who sends the series signs it off: make mbox SENDER='Your Name <you@your.domain>'," \
		"or git config user.name and user.email" >&2
	exit 1
}
[ -n "$sender" ] || refuse "no sender identity (SENDER, or git config user.name/user.email)"
case $sender in
*"
"*) refuse "sender identity has more than one line" ;;
esac
re='^\([^<>]*[^<> ]\) <\([^<> @]*@[^<> @]*\.[^<> @]*\)>$'
name=$(printf '%s\n' "$sender" | sed -n "s/$re/\\1/p")
email=$(printf '%s\n' "$sender" | sed -n "s/$re/\\2/p")
[ -n "$name" ] && [ -n "$email" ] || refuse "sender '$sender' is not 'Name <address>'"
lower=$(printf '%s\n' "$email" | tr 'A-Z' 'a-z')
case $lower in
"$TOOL_EMAIL" | *@anthropic.com | *noreply* | *@localhost* | *.invalid | *.test | \
	*.localdomain)
	refuse "'$sender' is a tool's or a placeholder address, not a person's"
	;;
*@example.com | *@example.org | *@example.net | *.example | *.example.* | *@example.*)
	[ "${SENDER_TEST:-}" = 1 ] ||
		refuse "'$sender' is a reserved example address, not a person's"
	;;
esac
case $name in
"Your Name" | "Some Body" | "A U Thor" | "A. U. Thor")
	refuse "'$sender' is a placeholder name"
	;;
esac

tmp=$(mktemp -d) tab=$(printf '\t')
trap 'rm -rf "$tmp"' EXIT
parent=$(git_k rev-parse base)
for c in $(git_k rev-list --reverse base..series); do
	git_k log -1 --format=%B "$c" >"$tmp/msg"
	# The sender's sign-off goes last, after the Assisted-by:, even if a
	# line of the message looks like the "---" that ends a mail's text.
	git_k interpret-trailers --no-divider --where end \
		--if-exists addIfDifferentNeighbor \
		--trailer "Signed-off-by: $name <$email>" <"$tmp/msg" >"$tmp/signed"
	git stripspace <"$tmp/signed" >"$tmp/msg"
	IFS=$tab read -r an ae ad cd <<-EOF
	$(git_k log -1 --format='%an%x09%ae%x09%aD%x09%cD' "$c")
	EOF
	[ "$ae" != "$TOOL_EMAIL" ] || { an=$name ae=$email; }
	parent=$(GIT_AUTHOR_NAME=$an GIT_AUTHOR_EMAIL=$ae GIT_AUTHOR_DATE=$ad \
		GIT_COMMITTER_NAME=$name GIT_COMMITTER_EMAIL=$email GIT_COMMITTER_DATE=$cd \
		git_k commit-tree -p "$parent" -F "$tmp/msg" "$c^{tree}")
done
git_k update-ref "refs/heads/$branch" "$parent"
echo "signed: $branch: $(git_k rev-list --count base.."$branch") patches signed off by $name <$email>"
