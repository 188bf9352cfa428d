#!/bin/sh
# The clock on screen: a lesson opens in virtual time at its teaching
# pace and the header says so at 80x24; ] and [ change the pace live; t
# restarts in real time and says so; pause freezes the run's clock.
# Skipped (77) without tmux.
S=gc
. "${top_srcdir:-.}/tests/tmux-lib.sh"

T -f /dev/null new-session -d -s gc -x 80 -y 24 \
	"LANG=C.UTF-8 TERM=screen sh -c '\"$gilviz\" \"$convoy\"; sleep 60'" ||
	{ echo "FAIL: cannot start tmux"; exit 1; }

check "a lesson opens in virtual time at its pace, said at 80x24" wait_for "virtual 1/20x"
T send-keys -t gc ']'
check "] doubles the pace of a live virtual run" wait_for "virtual 1/10x"
check "and says so" wait_for "virtual time's speed 1/10x"
T send-keys -t gc '[' '['
check "[ slows it" wait_for "virtual 1/50x"
T send-keys -t gc ' '
check "space pauses" wait_for "PAUSED"
# Paused, the run's clock in the header stands still.
clock() { screen | sed -n '1s/.*| \([0-9.]* [mu]*s\) |.*/\1/p'; }
still() { a=$(clock); sleep 1.5; b=$(clock); [ -n "$a" ] && [ "$a" = "$b" ]; }
check "paused, the header's clock stands still" still
T send-keys -t gc ' '
check "space resumes" wait_for "RUNNING"
T send-keys -t gc t
check "t restarts in real time and says so" wait_for "restarted in real time"
check "the header says real time" wait_for "\| real time"
T send-keys -t gc ']'
check "] in real time says there is no pace to change" wait_for "t switches to virtual time"
T send-keys -t gc t
check "t again: back to virtual time" wait_for "restarted in virtual time"
check "at the kept pace" wait_for "virtual 1/50x"
T send-keys -t gc q

# A replay paused counts nothing either: its clock stands still.
"$gilviz" --headless --duration=2s --record "$tmp/r.trace" "$convoy" >/dev/null ||
	{ echo "FAIL: cannot record"; exit 1; }
T new-session -d -s gc2 -x 80 -y 24 \
	"LANG=C.UTF-8 TERM=screen sh -c '\"$gilviz\" --replay \"$tmp/r.trace\"; sleep 60'"
T kill-session -t gc 2>/dev/null
S=gc2
check "the replay comes up" wait_for "REPLAY 1x"
T send-keys -t gc2 '[' '['
check "slowed to 1/4x" wait_for "REPLAY 1/4x"
T send-keys -t gc2 ' '
check "space pauses the replay" wait_for "REPLAY 1/4x PAUSED"
rclock() { screen | sed -n '1s/.*| \([0-9.]* [mu]*s\) of .*/\1/p'; }
rstill() { a=$(rclock); sleep 1.5; b=$(rclock); [ -n "$a" ] && [ "$a" = "$b" ]; }
check "paused, the replay's clock stands still" rstill
T send-keys -t gc2 q

echo "clock-tui: $pass passed, $fail failed"
[ $fail -eq 0 ]
