#!/bin/sh
# Replay and recording in the terminal UI, in a detached tmux session of
# 120x40 (as tests/tui.sh): a run recorded headless opens with --replay
# and the header says REPLAY, the title and every thread are there;
# space pauses, End and Home seek, ] doubles the speed, + is refused, q
# gives the shell back. Then the UI records a run (--record, --frames)
# that replays headless with events. Skipped (77) without tmux.
S=rp
. "${top_srcdir:-.}/tests/tmux-lib.sh"

"$gilviz" --headless --duration=2s --record "$tmp/r.trace" "$convoy" >/dev/null ||
	{ echo "FAIL: cannot record"; exit 1; }

T -f /dev/null new-session -d -s rp -x 120 -y 40 \
	"LANG=C.UTF-8 TERM=screen sh -c '\"$gilviz\" --replay \"$tmp/r.trace\"; echo EXITED \$?; sleep 60'" ||
	{ echo "FAIL: cannot start tmux"; exit 1; }
check "the header says REPLAY" wait_for "REPLAY 1x"
check "and names the recorded scenario" wait_for "^ Convoy: an I/O"
check "and when it was recorded" wait_for "recorded [0-9]{4}-[0-9]{2}-[0-9]{2}"
check "every thread has its row: hog" wait_for "^hog "
check "every thread has its row: server" wait_for "^server "
T send-keys -t rp ' '
check "space pauses the replay" wait_for "REPLAY 1x PAUSED"
T send-keys -t rp End
check "End goes to the end" wait_for "2\.00 s of 2\.00 s.*REPLAY 1x END"
T send-keys -t rp Home
check "Home goes back to the start" wait_for "\| 0 ns of 2\.00 s|\| 0 of 2\.00 s|at the start"
T send-keys -t rp ']'
check "] doubles the speed" wait_for "REPLAY 2x"
T send-keys -t rp '+'
check "+ is refused in a replay" wait_for "refused: \+ cannot change a recorded run"
# Jump while paused, so that the clock cannot run past the target before
# the screen is read.
screen | grep -q "PAUSED" || T send-keys -t rp ' '
check "paused again before the jump" wait_for "PAUSED"
T send-keys -t rp j 1 s Enter
check "j jumps to a typed time" wait_for "1\.00 s of 2\.00 s"
T send-keys -t rp q
check "q quits with status 0" wait_for "^EXITED 0"

# The UI records: a run of 60 frames, then the recording replays headless.
T new-session -d -s rec -x 120 -y 40 \
	"LANG=C TERM=screen sh -c '\"$gilviz\" --record \"$tmp/ui.trace\" --frames 60 \"$convoy\"; echo EXITED \$?; sleep 60'"
T kill-session -t rp 2>/dev/null
S=rec
check "the UI records and ends by its frame limit" wait_for "^EXITED 0" 20
events=$("$gilviz" --replay "$tmp/ui.trace" --headless --format=json 2>/dev/null |
	sed -n 's/.*"events": \([0-9]*\).*/\1/p')
if [ "${events:-0}" -gt 0 ]; then echo "ok: the UI's recording replays ($events events)"; pass=$((pass + 1))
else echo "FAIL: the UI's recording replays (events: '$events')"; fail=$((fail + 1)); fi

echo "replay-tui: $pass passed, $fail failed"
[ $fail -eq 0 ]
