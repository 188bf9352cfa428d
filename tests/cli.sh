#!/bin/sh
# The command line: --help, --version, and bad options (exit 2).
gilviz="${top_builddir:-.}/src/gilviz"
fail=0
check() { # description, expected status, command...
	desc=$1 want=$2; shift 2
	out=$("$@" 2>&1); got=$?
	if [ "$got" != "$want" ]; then
		echo "FAIL: $desc: exit $got, expected $want"; echo "$out" | sed 's/^/  | /'; fail=$((fail + 1))
	else
		echo "ok: $desc"
	fi
}
check "--help exits 0" 0 "$gilviz" --help
check "--version exits 0" 0 "$gilviz" --version
"$gilviz" --version | head -1 | grep -q '^gilviz [0-9]' || { echo "FAIL: --version first line"; fail=$((fail + 1)); }
"$gilviz" --help | grep -q '^Usage: gilviz' || { echo "FAIL: --help usage line"; fail=$((fail + 1)); }
check "unknown option exits 2" 2 "$gilviz" --frobnicate
"$gilviz" --frobnicate 2>&1 | grep -q "unrecognized option '--frobnicate'" || { echo "FAIL: unknown option message"; fail=$((fail + 1)); }
[ $fail -eq 0 ] || exit 1
