#!/bin/sh
# The keys a teacher reaches for, in a real terminal at 80x24 (lesson 4):
# i sets the interval exactly, as typed, and refuses what --interval
# refuses; Up/Down select a thread (its name highlighted, its figures in
# full, the events pane filtered to it) and Esc clears it; a mouse click
# on a row selects it and a click on the timeline puts the cursor at a
# time; Home, PgUp, PgDn and End work in a live run; the help is a box
# with a border, drawn from the key table, with the g key's order; g goes
# from the legacy GIL to the new one, as lesson 11's note says. Skipped
# (77) without tmux.
S=gv
. "${top_srcdir:-.}/tests/tmux-lib.sh"
lesson11=$(cd "$srcdir/scenarios" && pwd)/11-python2-battle.gil

T -f /dev/null new-session -d -s gv -x 80 -y 24 \
	"LANG=C.UTF-8 TERM=screen \"$gilviz\" --virtual --speed=1 --duration=120s \"$convoy\"; sleep 60" ||
	{ echo "FAIL: cannot start tmux"; exit 1; }
check "the UI comes up" wait_for "q quit *$"
check "a line says what is happening now" \
	wait_for "^ (hog|server) has held the GIL [0-9.]+ (ns|us|ms|s); "

T send-keys -t gv i
check "i asks for an interval" wait_for "switch interval \(e\.g\. 2\.5ms"
T send-keys -t gv 1 . 2 5 m s Enter
check "i sets 1.25 ms exactly" wait_for "GIL new \| interval 1\.25 ms"
T send-keys -t gv i 0 Enter
check "i 0: must be greater than 0, as --interval says" wait_for "interval: must be greater than 0"
T send-keys -t gv i 5 Enter
check "i 5: a unit is needed, as --interval says" wait_for "interval: duration '5' has no unit"
check "and the interval is still 1.25 ms" wait_for "interval 1\.25 ms \|"

T send-keys -t gv Down Down
check "Down twice selects server: its figures in full" \
	wait_for "^ server: holds [0-9]+%, waits [0-9]+%, blocked [0-9]+%, in C [0-9]+%; [0-9]+ acquisitions"
check "and its waits" wait_for "waits for the GIL: p50 .*, p99 .*, max "
check "the events pane is the server's" wait_for "events of server"
only_server() { screen | grep -E '^ +[0-9]+\.[0-9]{3} ms ' | grep -vq ' server ' && return 1; return 0; }
check "with only the server's events" only_server
T send-keys -t gv Up
check "Up selects hog" wait_for "events of hog"
T send-keys -t gv Escape
check "Esc clears the selection" wait_for "events, newest last"

# Mouse: X10 reports (ESC [ M, button+32, column+33, row+33): a press and
# a release of button 1. Row 4 (0-based) is server's; column 0 its name.
click() { T send-keys -t gv -H 1b 5b 4d 20 "$1" "$2"; T send-keys -t gv -H 1b 5b 4d 23 "$1" "$2"; }
# A loaded machine may lose a report in the pane's input: click again
# (three tries) until the screen shows what the click does.
click_until() {
	for try in 1 2 3; do
		click "$1" "$2"
		wait_for "$3" 5 && return 0
	done
	return 1
}
check "a click on a thread's name selects it" click_until 21 25 "events of server"
check "a click on the timeline puts the cursor at a time (and pauses)" \
	click_until 3b 24 "cursor at [0-9.]+ (s|ms): the events up to it"
check "the run is paused" wait_for "PAUSED *$"
T send-keys -t gv Escape

T send-keys -t gv End
check "End comes back to now" wait_for "at now \(paused: space resumes\)"
T send-keys -t gv ' '
check "space resumes" wait_for "RUNNING *$"
sleep 1
T send-keys -t gv PPage
check "PgUp in a live run pauses to look back" wait_for "paused to look back"
check "and looks back" wait_for "looking back"
T send-keys -t gv NPage
check "PgDn scrolls forward" wait_for "PAUSED"
T send-keys -t gv Home
check "Home goes to the oldest time kept" wait_for "at the oldest time kept"
# (the cursor's arrow may stand on the first column's tick or mark)
check "where the timeline starts at 0" wait_for "^ +([╵↑]0\.00s|[▲↑]5\.0 ms +╵0\.01s)"
T send-keys -t gv End ' '
check "End and space: running at now again" wait_for "RUNNING *$"

T send-keys -t gv '?'
boxed() { screen | grep -q '┌─ gilviz keys ─' && screen | grep -q '└─ any key closes this help ─'; }
poll() { n=150; while [ $n -gt 0 ]; do "$@" && return 0; sleep 0.1; n=$((n - 1)); done; return 1; }
check "the help is a box with a border" poll boxed
check "drawn from the key table: i" wait_for "│ i +type an interval"
check "drawn from the key table: Up" wait_for "│ Up +select the thread above"
check "it says the g key's order" wait_for "g: new > fifo > bfs > priority > ruby > none > legacy > new"
T send-keys -t gv x
check "any key closes it" poll sh -c "! tmux -S '$sock' capture-pane -p -t gv | grep -q 'gilviz keys'"

# Lesson 11's note says: press g for the new GIL.
T send-keys -t gv q
T new-session -d -s gv2 -x 80 -y 24 \
	"LANG=C.UTF-8 TERM=screen \"$gilviz\" --virtual --duration=120s \"$lesson11\"; sleep 60"
T kill-session -t gv 2>/dev/null
S=gv2
check "lesson 11 runs the legacy GIL" wait_for "GIL legacy \|"
T send-keys -t gv2 g
check "g goes from legacy to new, as its note says" wait_for "GIL new \|"
T send-keys -t gv2 q

echo "keys-tui: $pass passed, $fail failed"
[ $fail -eq 0 ]
