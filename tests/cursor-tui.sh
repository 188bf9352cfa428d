#!/bin/sh
# The cursor: stepping through events marks the event the events pane
# stands on, on the timeline (an arrow on the axis, the cell reversed);
# j moves the timeline to the time at once, in a replay and in a paused
# live run. Skipped (77) without tmux.
S=gk
. "${top_srcdir:-.}/tests/tmux-lib.sh"

"$gilviz" --headless --duration=2s --record "$tmp/r.trace" "$convoy" >/dev/null ||
	{ echo "FAIL: cannot record"; exit 1; }
axis() { screen | grep -E "╵[0-9.]+s|▲"; }
arrow() { n=100; while [ $n -gt 0 ]; do axis | grep -q "↑" && return 0; sleep 0.1; n=$((n - 1)); done; return 1; }
no_arrow() { sleep 0.5; ! axis | grep -q "↑"; }

T -f /dev/null new-session -d -s gk -x 120 -y 40 \
	"LANG=C.UTF-8 TERM=screen sh -c '\"$gilviz\" --speed=1 \"$convoy\"; sleep 60'" ||
	{ echo "FAIL: cannot start tmux"; exit 1; }
check "the run comes up" wait_for "RUNNING"
check "running, there is no cursor" no_arrow
sleep 1
T send-keys -t gk ' '
check "space pauses" wait_for "PAUSED"
T send-keys -t gk , ,
check ", steps back: the events pane follows the cursor" wait_for "events up to the cursor"
check "and the timeline marks the cursor's event" arrow
# The cursor's cell is drawn in reverse video on its thread's row.
reversed() { T capture-pane -e -p -t gk | grep -E "^(hog|server) " | grep -q "$(printf '\033')\[[0-9;]*7[;m]"; }
check "its cell is reversed on its thread's row" reversed
T send-keys -t gk j 0 . 5 s Enter
check "j in a paused live run moves the timeline at once" wait_for "╵0\.4[0-9]s"
T send-keys -t gk q

T new-session -d -s gk2 -x 120 -y 40 \
	"LANG=C.UTF-8 TERM=screen sh -c '\"$gilviz\" --replay \"$tmp/r.trace\"; sleep 60'"
T kill-session -t gk 2>/dev/null
S=gk2
check "the replay comes up" wait_for "REPLAY 1x"
T send-keys -t gk2 ' '
check "paused" wait_for "PAUSED"
T send-keys -t gk2 j 1 . 5 s Enter
check "j in a paused replay moves the timeline at once" wait_for "╵1\.4[0-9]s"
T send-keys -t gk2 .
check ". steps and the cursor is marked" arrow
T send-keys -t gk2 q

echo "cursor-tui: $pass passed, $fail failed"
[ $fail -eq 0 ]
