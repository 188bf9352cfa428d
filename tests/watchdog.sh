#!/bin/sh
# The hang watchdog: every scenario that ships (scenarios/), every bad one
# (tests/bad/) and every loop that does nothing (tests/zero-time/) runs headless
# in virtual time under a timeout. Each must end cleanly (status 0 and a
# report) or fail cleanly (status 1 and a message): never hang, never die
# of a signal. A run that ignores the timeout's SIGTERM is killed 5 s
# later, so the suite itself cannot hang.
gilviz="${top_builddir:-.}/src/gilviz"
srcdir="${top_srcdir:-.}"
limit=${WATCHDOG_SECONDS:-60}
tmp=$(mktemp -d) || exit 99
trap 'rm -rf "$tmp"' EXIT
fail=0
pass=0

for f in "$srcdir"/scenarios/*.gil "$srcdir"/tests/bad/*.gil "$srcdir"/tests/zero-time/*.gil; do
	name=${f#"$srcdir"/}
	timeout -k 5 "$limit" "$gilviz" --headless --virtual --duration=200ms "$f" \
		>"$tmp/out" 2>"$tmp/err"
	st=$?
	if [ $st -eq 0 ] && grep -q "elapsed" "$tmp/out"; then
		echo "ok: $name ends with its report"; pass=$((pass + 1))
	elif [ $st -eq 1 ] && grep -q "^gilviz: " "$tmp/err"; then
		echo "ok: $name fails with a message: $(head -1 "$tmp/err")"; pass=$((pass + 1))
	else
		case $st in
		124 | 137) why="hung (still running after ${limit} s)" ;;
		*) [ $st -gt 128 ] && why="died of signal $((st - 128))" || why="exit $st" ;;
		esac
		echo "FAIL: $name: $why"; sed 's/^/  | /' "$tmp/err" | head -5
		fail=$((fail + 1))
	fi
done

echo "watchdog: $pass passed, $fail failed"
[ $fail -eq 0 ]
