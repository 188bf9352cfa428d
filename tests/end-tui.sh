#!/bin/sh
# The end of a run: the whole run fits the screen and stays explorable
# (Home, End, PgUp, PgDn, z, f); + - and g after the end say they are for
# the next start, and r starts with them; space restarts. Skipped (77)
# without tmux.
S=ge
. "${top_srcdir:-.}/tests/tmux-lib.sh"

printf '%s\n' 'title "Two short threads"' 'time virtual' 'speed 1' 'cores 2' \
	'thread a { cpu 300ms }' 'thread b { cpu 300ms }' >"$tmp/short.gil"
T -f /dev/null new-session -d -s ge -x 100 -y 30 \
	"LANG=C.UTF-8 TERM=screen sh -c '\"$gilviz\" \"$tmp/short.gil\"; sleep 60'" ||
	{ echo "FAIL: cannot start tmux"; exit 1; }

check "the run ends" wait_for "ENDED"
# The whole 0.6 s run is on the screen, not its last 55 ms at 1 ms a
# column.
check "the whole run fits the screen at the end" wait_for "╵0\.2s +╵0\.4s"
T send-keys -t ge z z z
check "z zooms in on the ended run" wait_for "looking back"
T send-keys -t ge Home
check "Home goes to the start" wait_for "at the start"
check "the axis starts at 0 again" wait_for "╵0\.02s"
T send-keys -t ge NPage
check "PgDn moves a whole screen on" wait_for "╵0\.1[0-4]s"
T send-keys -t ge End
check "End goes to the end" wait_for "at the end"
T send-keys -t ge f
check "f fits the whole run again" wait_for "the whole run: .* a column"
T send-keys -t ge -
check "- after the end says it is for the next start" wait_for "switch interval 2\.5 ms for the next start \(was 5\.0 ms\)"
T send-keys -t ge g
check "g after the end says it is for the next start" wait_for "the fifo GIL for the next start"
check "and does not restart" wait_for "ENDED"
T send-keys -t ge r
check "r restarts with the interval chosen" wait_for "GIL fifo \| interval 2\.5 ms"
check "and it ends again" wait_for "ENDED"
T send-keys -t ge ' '
check "space after the end restarts" wait_for "restarted"
check "with the interval still" wait_for "interval 2\.5 ms"
T send-keys -t ge q

echo "end-tui: $pass passed, $fail failed"
[ $fail -eq 0 ]
