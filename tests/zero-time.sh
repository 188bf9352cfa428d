#!/bin/sh
# Loops of ops that take no time (tests/zero-time/*.gil) end in virtual
# time: every loop turn is a check site that costs one tick, so the clock
# always moves on. Headless, each runs to its duration; a long one ends
# at SIGINT and SIGTERM; in the UI, q still quits. The UI part is skipped
# (with a note) without tmux.
gilviz="${top_builddir:-.}/src/gilviz"
srcdir="${top_srcdir:-.}"
fail=0
pass=0
ok() { echo "ok: $1"; pass=$((pass + 1)); }
bad() { echo "FAIL: $1"; fail=$((fail + 1)); }

for f in "$srcdir"/tests/zero-time/*.gil; do
	name=$(basename "$f")
	if timeout 60 "$gilviz" --headless --virtual --duration=50ms "$f" >/dev/null; then
		ok "$name ends at its duration in virtual time"
	else
		bad "$name did not end in virtual time (status $?)"
	fi
done

for sig in INT TERM; do
	"$gilviz" --headless --virtual --duration=100000s "$srcdir/tests/zero-time/cpu-0ns.gil" >/dev/null 2>&1 &
	pid=$!
	sleep 1
	kill -$sig $pid
	n=50
	while [ $n -gt 0 ] && kill -0 $pid 2>/dev/null; do sleep 0.1; n=$((n - 1)); done
	if kill -0 $pid 2>/dev/null; then
		bad "SIG$sig did not end a zero-time loop within 5 s"
		kill -KILL $pid 2>/dev/null
	else
		ok "SIG$sig ends a zero-time loop"
	fi
	wait $pid 2>/dev/null
done

if command -v tmux >/dev/null 2>&1; then
	S=gvz
	p0=$pass f0=$fail
	. "$srcdir/tests/tmux-lib.sh"
	pass=$p0 fail=$f0
	zt=$(cd "$srcdir/tests/zero-time" && pwd)/io-0ns.gil
	T -f /dev/null new-session -d -s gvz -x 100 -y 30 \
		"LANG=C TERM=screen sh -c '\"$gilviz\" --virtual --duration=100000s \"$zt\" </dev/tty & echo \$! > \"$tmp/pid\"; wait \$!; echo EXITED \$?; sleep 60'" ||
		{ echo "FAIL: cannot start tmux"; exit 1; }
	check "the UI comes up on a zero-time loop" wait_for "GIL new"
	sleep 2
	T send-keys -t gvz q
	check "q still quits it" wait_for "^EXITED 0"
	kill -KILL "$(cat "$tmp/pid")" 2>/dev/null || :
else
	echo "note: tmux is not installed; the UI part is skipped"
fi

echo "zero-time: $pass passed, $fail failed"
[ $fail -eq 0 ]
