#!/bin/sh
# Signals end gilviz the same way in every mode: the run stops, its report
# is printed, its recording gets its end block (marked interrupted), the
# terminal is restored, and then gilviz ends by the signal, so the caller
# sees a cut-short run (a shell's status 128+N). Headless runs first, then
# the terminal UI in a detached tmux session (as tests/tui.sh): Ctrl-\
# (SIGQUIT) once left the terminal without echo, in the alternate screen,
# and the recording without its end block. Skipped (77) without tmux.
S=gvs
. "${top_srcdir:-.}/tests/tmux-lib.sh"

printf 'thread t * 2 { forever { cpu 1ms io 100us } }\n' >"$tmp/forever.gil"

# ended REC: the recording replays with no warning (its end block is
# there) and says the run was interrupted.
ended() {
	"$gilviz" --headless --replay "$1" >"$tmp/replay.txt" 2>"$tmp/replay.err" &&
		! grep -q warning "$tmp/replay.err" && grep -q interrupted "$tmp/replay.txt"
}

for pair in INT:130 TERM:143 HUP:129 QUIT:131; do
	sig=${pair%%:*} want=${pair#*:}
	rm -f "$tmp/h.trace"
	(ulimit -c 0; exec "$gilviz" --headless --duration=60s --record "$tmp/h.trace" \
		"$tmp/forever.gil") >"$tmp/h.txt" 2>&1 &
	pid=$!
	# The recording's temporary file appears once the handlers are in.
	n=0
	while [ $n -lt 100 ] && [ ! -e "$tmp/h.trace.part" ]; do sleep 0.1; n=$((n + 1)); done
	sleep 0.2
	kill -"$sig" $pid
	wait $pid; st=$?
	if [ $st -eq "$want" ] && grep -q "(interrupted)" "$tmp/h.txt" && ended "$tmp/h.trace"; then
		echo "ok: headless SIG$sig: the report, the end block, status $want"; pass=$((pass + 1))
	else
		echo "FAIL: headless SIG$sig: exit $st (expected $want)"; sed 's/^/  | /' "$tmp/h.txt" "$tmp/replay.err"
		fail=$((fail + 1))
	fi
done

# A sweep stopped by a signal ends by it too.
"$gilviz" --sweep=interval=1ms..5ms:3 --duration=600s "$tmp/forever.gil" >/dev/null 2>&1 &
pid=$!
sleep 0.5
kill -TERM $pid
wait $pid; st=$?
[ $st -eq 143 ] && { echo "ok: a sweep stopped by SIGTERM ends by it"; pass=$((pass + 1)); } ||
	{ echo "FAIL: sweep SIGTERM: exit $st"; fail=$((fail + 1)); }

# The terminal UI: Ctrl-\ in the foreground, as a user would press it.
# The shell traps the signal itself (so it lives to report), which leaves
# its child the default action that gilviz then replaces.
T -f /dev/null new-session -d -s gvs -x 120 -y 40 \
	"LANG=C.UTF-8 TERM=screen sh -c 'trap : INT QUIT; ulimit -c 0; \"$gilviz\" --duration=120s --record \"$tmp/ui.trace\" \"$tmp/forever.gil\"; echo EXITED \$?; stty -a | tr \"\\n\" \" \" | grep -o \"[-]*icanon\\|[-]*echo \"; sleep 60'" ||
	{ echo "FAIL: cannot start tmux"; exit 1; }
check "the UI comes up" wait_for "RUNNING"
T send-keys -t gvs 'C-\'
check "Ctrl-\\ ends it by SIGQUIT" wait_for "^EXITED 131"
check "the terminal is back in canonical mode" wait_for "^icanon"
check "with echo" wait_for "^echo"
modes=$(T display -p -t gvs '#{alternate_on} #{cursor_flag}')
check "out of the alternate screen, the cursor shown ($modes)" test "$modes" = "0 1"
check "the recording has its end block" ended "$tmp/ui.trace"

# Ctrl-C in the UI: the same, by SIGINT.
T new-session -d -s gvs2 -x 120 -y 40 \
	"LANG=C TERM=screen sh -c 'trap : INT QUIT; \"$gilviz\" --duration=120s --record \"$tmp/ui2.trace\" \"$tmp/forever.gil\"; echo EXITED \$?; sleep 60'"
T kill-session -t gvs 2>/dev/null
S=gvs2
check "the UI comes up again" wait_for "RUNNING"
T send-keys -t gvs2 C-c
check "Ctrl-C ends it by SIGINT" wait_for "^EXITED 130"
check "the recording has its end block" ended "$tmp/ui2.trace"

echo "signals: $pass passed, $fail failed"
[ $fail -eq 0 ]
