#!/usr/bin/env bash
# The bash completion script (contrib/bash-completion/ipsecctl) with COMP_WORDS,
# COMP_CWORD, COMP_LINE and COMP_POINT set as bash sets them (COMP_WORDS split at "=" as
# COMP_WORDBREAKS says), against the ipsecctl just built. Run from the build directory.
set -uo pipefail
top_srcdir=${top_srcdir:-.}
pass=0 fail=0
export IPSECD_SOCKET=/nonexistent/ipsecd.sock # names come from no daemon here
export PATH=$PWD:$PATH
# shellcheck source=../../contrib/bash-completion/ipsecctl
source "$top_srcdir/contrib/bash-completion/ipsecctl"

# comp LINE WORD... : the cursor at the end of LINE, COMP_WORDS as given (the last one is
# the word being completed), then the function bash would call.
comp() {
	COMP_LINE=$1
	COMP_POINT=${#1}
	shift
	COMP_WORDS=("$@")
	COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
	COMPREPLY=()
	_ipsecctl ipsecctl "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD - 1]:-}"
}
# want NAME WORD... : COMPREPLY is exactly these words, in any order
want() {
	local name=$1 got want
	shift
	got=$(printf '%s\n' "${COMPREPLY[@]}" | sort | tr '\n' ' ')
	want=$(printf '%s\n' "$@" | sort | tr '\n' ' ')
	[ $# -eq 0 ] && want=
	[ ${#COMPREPLY[@]} -eq 0 ] && got=
	if [ "$got" = "$want" ]; then pass=$((pass + 1)); echo "ok - $name"; else
		fail=$((fail + 1)); echo "not ok - $name: got [$got], wanted [$want]"; fi
}
# has NAME WORD : COMPREPLY holds WORD
has() {
	local w
	for w in "${COMPREPLY[@]}"; do
		[ "$w" = "$2" ] && { pass=$((pass + 1)); echo "ok - $1"; return; }
	done
	fail=$((fail + 1)); echo "not ok - $1: no $2 in [${COMPREPLY[*]}]"
}

comp "ipsecctl pe" ipsecctl pe
want "a menu" peer
comp "ipsecctl p" ipsecctl p
has "menus under /ip ipsec" policy
has "menus under /ip ipsec (2)" proposal
comp "ipsecctl installed-sa " ipsecctl installed-sa ""
want "the verbs of a runtime menu" flush print
comp "ipsecctl peer add exc" ipsecctl peer add exc
want "a property name" exchange-mode=
comp "ipsecctl peer add exchange-mode=" ipsecctl peer add exchange-mode =
want "enum values after '='" aggressive base ike2 main
comp "ipsecctl peer add exchange-mode=ma" ipsecctl peer add exchange-mode = ma
want "an enum value" main
comp "ipsecctl profile set default dh-group=ecp256,modp2" \
	ipsecctl profile set default dh-group = ecp256,modp2
want "the next value of a list" ecp256,modp2048
comp "ipsecctl -s /tmp/x.sock /ip po" ipsecctl -s /tmp/x.sock /ip po
want "after -s SOCKET, a menu under an absolute path" pool
comp "ipsecctl /" ipsecctl /
want "absolute menus" /certificate /ip /radius
comp "ipsecctl --js" ipsecctl --js
want "an option" --json
comp "ipsecctl mon" ipsecctl mon
want "monitor" monitor
comp "ipsecctl policy print " ipsecctl policy print ""
want "print's words" detail interval= show-sensitive stats terse where
comp "ipsecctl peer print where exchange-mode=i" ipsecctl peer print where exchange-mode = i
want "a where condition's value" ike2
comp "ipsecctl nothing " ipsecctl nothing ""
want "nothing after an unknown word"

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
