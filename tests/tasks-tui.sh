#!/bin/sh
# Task sub-rows in a real terminal. Lesson 12 at 120x40: each task of the
# loop has a row named after it under the loop's row; zoomed out, there is
# a column where the CPU-heavy task runs while a light one is ready (in the
# C locale, '#' on the report's row above '-' on a handler's: the same
# glyphs as holding and waiting). In UTF-8 the task rows show both block
# glyphs. Lesson 13 at 80x24 keeps every thread row (named in full: the
# process labels go first) and its eight sub-rows, and says that the
# legend and the events are left out. Skipped (77) without tmux.
S=gv
. "${top_srcdir:-.}/tests/tmux-lib.sh"
lesson12=$(cd "$srcdir/scenarios" && pwd)/12-asyncio-cpu-handler.gil
lesson13=$(cd "$srcdir/scenarios" && pwd)/13-hybrid-web.gil

T -f /dev/null new-session -d -s gv -x 120 -y 40 \
	"LANG=C TERM=screen \"$gilviz\" --duration=120s \"$lesson12\"; sleep 60" ||
	{ echo "FAIL: cannot start tmux"; exit 1; }

check "the loop has its row" wait_for "^web "
check "each task has an indented sub-row: handler.1" wait_for "^  handler\.1 "
check "each task has an indented sub-row: handler.3" wait_for "^  handler\.3 "
check "each task has an indented sub-row: report" wait_for "^  report "
check "a task row shows its running, ready and awaiting shares" \
	wait_for "^  handler\.1 .* [0-9]+% +[0-9]+% +[0-9]+% *$"
for i in 1 2 3; do T send-keys -t gv Z; done
check "Z zooms out" wait_for "timeline, 8\.0 ms a column"
# A column where report runs (#) while a handler is ready (-).
blocked_column() {
	screen | awk '
		/^  report /  { r = $0 }
		/^  handler\.[0-9]+ / { h[++n] = $0 }
		END {
			for (c = 15; c <= length(r); c++) {
				if (substr(r, c, 1) != "#") continue
				for (i = 1; i <= n; i++)
					if (substr(h[i], c, 1) == "-") exit 0
			}
			exit 1
		}'
}
poll() { n=200; while [ $n -gt 0 ]; do "$@" && return 0; sleep 0.1; n=$((n - 1)); done; return 1; }
check "the heavy task runs while a light one is ready, in the same column" poll blocked_column

T new-session -d -s gv2 -x 120 -y 40 \
	"LANG=C.UTF-8 TERM=screen \"$gilviz\" --duration=120s \"$lesson12\"; sleep 60"
T kill-session -t gv 2>/dev/null
S=gv2
for i in 1 2 3; do T send-keys -t gv2 Z; done
task_glyphs() { screen | grep '^  ' | grep -q '█' && screen | grep '^  ' | grep -q '▒'; }
check "in UTF-8, task rows show running and ready glyphs" poll task_glyphs

T new-session -d -s gv3 -x 80 -y 24 \
	"LANG=C TERM=screen \"$gilviz\" --duration=120s \"$lesson13\"; sleep 60"
T kill-session -t gv2 2>/dev/null
S=gv3
check "80x24: lesson 13 still shows the loop's row" wait_for "^web "
check "80x24: and the last worker's thread, named in full" wait_for "^worker\.4/main "
check "80x24: the eight task rows come before the legend and events" wait_for "^  handler\.8 "
check "80x24: which are said to be left out" wait_for "not shown \(enlarge the terminal\): what happens now, the legend, the events"

echo "tasks-tui: $pass passed, $fail failed"
[ $fail -eq 0 ]
