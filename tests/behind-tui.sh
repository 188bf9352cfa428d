#!/bin/sh
# Never an impossible picture: lesson 10 under the old GIL in real time
# makes about a million events a second. Read many times over a few
# seconds, no column shows two threads holding the one GIL (#, in ASCII,
# is a column a thread held the GIL most of), and the events pane keeps
# up with the header's clock. Then the issue's command as it now opens
# (virtual time, the lesson's pace). Skipped (77) without tmux.
S=gb
. "${top_srcdir:-.}/tests/tmux-lib.sh"
lesson10=$(cd "$srcdir/scenarios" && pwd)/10-free-threaded.gil

# Two rows with # in one column: print how many such columns.
two_holders() {
	screen | awk '
		/^thread +timeline/ { x = index($0, "timeline"); w = index($0, "hold") - x - 8 }
		/^worker\.[0-9] / && x { rows[n++] = substr($0, x, w) }
		END {
			bad = 0
			for (c = 1; c <= w; c++) {
				k = 0
				for (i = 0; i < n; i++) if (substr(rows[i], c, 1) == "#") k++
				if (k > 1) bad++
			}
			print bad + 0
		}'
}
# Read paused, so that the capture holds one whole frame (a frame read
# while the terminal is being written can mix the rows of two).
never_two() {
	i=0
	while [ $i -lt 6 ]; do
		running=0
		screen | grep -q "RUNNING\|BEHIND" && running=1
		# The run may end between the look and the key: ENDED then
		# stands where PAUSED would, and the frame is as still.
		[ $running = 1 ] && { T send-keys -t "$S" ' '; wait_for "PAUSED|ENDED" 5 || return 1; sleep 0.3; }
		b=$(two_holders)
		[ "$b" = 0 ] || { echo "  $b columns with two holders"; return 1; }
		[ $running = 1 ] && T send-keys -t "$S" ' '
		sleep 0.4; i=$((i + 1))
	done
}
# The events pane's last time (ms) and the header's clock (ms) agree
# within a second.
in_step() {
	screen | awk '
		NR == 1 { if (match($0, /\| [0-9.]+ (ms|s) \|/)) { v = substr($0, RSTART + 2, RLENGTH - 4); split(v, p, " "); h = p[2] == "s" ? p[1] * 1000 : p[1] } }
		/^ +[0-9.]+ ms  / { e = $1 }
		END { d = h - e; if (d < 0) d = -d; exit !(h > 0 && e > 0 && d < 1000) }'
}

T -f /dev/null new-session -d -s gb -x 120 -y 40 \
	"LANG=C TERM=screen sh -c '\"$gilviz\" --real --gil=legacy --duration=60s \"$lesson10\"; sleep 60'" ||
	{ echo "FAIL: cannot start tmux"; exit 1; }
check "lesson 10 under the old GIL comes up in real time" wait_for "GIL legacy .*real time"
check "its workers run" wait_for "^worker\.4 +[^ ]{10,}"
check "no column shows two holders of one GIL (real time)" never_two
check "the events pane keeps up with the header's clock" in_step
check "the run ends (its work done)" wait_for "ENDED" 30
check "no column shows two holders in the whole run, fitted" never_two
T send-keys -t gb q

T new-session -d -s gb2 -x 120 -y 40 \
	"LANG=C TERM=screen sh -c '\"$gilviz\" --gil=legacy free-threaded; sleep 60'"
T kill-session -t gb 2>/dev/null
S=gb2
check "the issue's command opens in virtual time" wait_for "GIL legacy .*virtual"
check "its workers run" wait_for "^worker\.4 +[^ ]{5,}"
check "no column shows two holders of one GIL (virtual)" never_two
T send-keys -t gb2 q

echo "behind-tui: $pass passed, $fail failed"
[ $fail -eq 0 ]
