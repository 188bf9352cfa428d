#!/bin/sh
# The terminal UI in a real terminal: a detached tmux session of 120x40
# runs gilviz on the convoy scenario; the test reads the screen with
# capture-pane (polling, so a loaded machine only makes it slower), and
# presses keys: + doubles the interval in the header, space pauses, a
# resize redraws, q gives the shell back with the terminal sane. Then
# SIGTERM: the terminal is restored and gilviz dies of the signal.
# Skipped (77) without tmux.
S=gv
. "${top_srcdir:-.}/tests/tmux-lib.sh"

# The shell prints EXITED and the terminal's modes after gilviz ends.
T -f /dev/null new-session -d -s gv -x 120 -y 40 \
	"LANG=C.UTF-8 TERM=screen sh -c '\"$gilviz\" --speed=1 --duration=120s \"$convoy\"; echo EXITED \$?; stty -a | tr \"\\n\" \" \" | grep -o \"[-]*icanon\"; sleep 60'" ||
	{ echo "FAIL: cannot start tmux"; exit 1; }

check "the UI comes up with the scenario's title" wait_for "Convoy: an I/O thread"
check "every thread has its row: hog" wait_for "^hog "
check "every thread has its row: server" wait_for "^server "
check "the legend is there" wait_for "holds the GIL.*waits for it"
check "the header says running" wait_for "RUNNING"
check "the header shows the scenario's interval" wait_for "interval 5\.0 ms"
# Zoom out first, so that the window is seconds wide and the interval
# mark stays in it however slowly this machine polls.
for i in 1 2 3 4 5 6; do T send-keys -t gv Z; done
check "Z zooms out" wait_for "timeline, 64\.0 ms a column"
# Zoomed out, the hog's row is one long run of three-byte glyphs: it must
# be whole from the name to the figures (such runs were once cut short).
check "the hog's row has no blank cells" wait_for "^hog +[^ ]{60,} +[0-9]+%"
T send-keys -t gv +
check "+ doubles the interval in the header" wait_for "GIL new \| interval 10\.0 ms"
check "+ shows in the GIL's figures" wait_for "^GIL main .*interval 10\.0 ms"
check "the change is marked on the time axis" wait_for "▲10\.0 ms"
T send-keys -t gv ' '
check "space pauses" wait_for "PAUSED"
T send-keys -t gv Left
check "left scrolls back while paused" wait_for "looking back"
T send-keys -t gv .
check ". steps: the events pane follows the cursor" wait_for "events up to the cursor"
T send-keys -t gv '?'
check "? opens the help from the key table" wait_for "double the switch interval"
T send-keys -t gv x
T resize-window -t gv -x 90 -y 30 2>/dev/null || T resize-pane -t gv -x 90 -y 30
# The header ends in PAUSED at the new right edge (a title cut short ends
# in an ellipsis, one column of three bytes).
header_fits() { screen | sed 's/…/./' | awk 'NR == 1 { ok = /PAUSED$/ && length >= 88 && length <= 90 } END { exit !ok }'; }
redrawn() { n=100; while [ $n -gt 0 ]; do header_fits && screen | grep -q '^hog ' && return 0; sleep 0.1; n=$((n - 1)); done; return 1; }
check "a resize redraws at the new width" redrawn
T resize-window -t gv -x 70 -y 20 2>/dev/null || T resize-pane -t gv -x 70 -y 20
check "a tiny terminal says it is too small" wait_for "needs at least 80x24"
T resize-window -t gv -x 120 -y 40 2>/dev/null || T resize-pane -t gv -x 120 -y 40
check "and it comes back when enlarged" wait_for "holds the GIL"
T send-keys -t gv q
check "q quits with status 0" wait_for "^EXITED 0"
check "the terminal is back in canonical mode" wait_for "^icanon"

# SIGTERM: the terminal is restored and the shell sees the signal (143).
# The new session starts before the old one goes, so that the tmux server
# never runs out of sessions and exits under us.
T new-session -d -s gv2 -x 120 -y 40 \
	"LANG=C TERM=screen sh -c '\"$gilviz\" --duration=120s \"$convoy\" & echo \$! > \"$tmp/pid\"; wait \$!; echo EXITED \$?; stty -a | tr \"\\n\" \" \" | grep -o \"[-]*icanon\"; sleep 60'"
T kill-session -t gv 2>/dev/null
S=gv2
check "the UI comes up in the C locale (ASCII glyphs)" wait_for "# holds the GIL"
kill -TERM "$(cat "$tmp/pid")"
check "SIGTERM ends it by the signal" wait_for "^EXITED 143"
check "and leaves the terminal sane" wait_for "^icanon"

# A title with a right-to-left override and a C1 control (CSI) is drawn
# escaped: curses shows C0 controls as ^X, but these it would pass on.
printf 'title "abc \342\200\256def \302\2332J"\nthread t { forever { cpu 1ms } }\n' >"$tmp/bidi.gil"
T new-session -d -s gv3 -x 120 -y 40 \
	"LANG=C.UTF-8 TERM=screen sh -c '\"$gilviz\" --duration=120s \"$tmp/bidi.gil\"; sleep 60'"
T kill-session -t gv2 2>/dev/null
S=gv3
check "a title's bidi override and C1 control are drawn escaped" \
	wait_for 'abc \\u\{202e\}def \\x9b2J'
T send-keys -t gv3 q

echo "tui: $pass passed, $fail failed"
[ $fail -eq 0 ]
