#!/bin/sh
# Columns show shares: zoomed out on lesson 1, a worker that held the GIL
# for part of a column shows the held share (a block from the left, in
# eighths; + in ASCII), never a plain wait, and the legend says so.
# Skipped (77) without tmux.
S=gs
. "${top_srcdir:-.}/tests/tmux-lib.sh"
lesson1=$(cd "$srcdir/scenarios" && pwd)/01-cpu-bound.gil

T -f /dev/null new-session -d -s gs -x 120 -y 40 \
	"LANG=C.UTF-8 TERM=screen sh -c '\"$gilviz\" --speed=1 \"$lesson1\"; sleep 60'" ||
	{ echo "FAIL: cannot start tmux"; exit 1; }
check "lesson 1 comes up" wait_for "^worker\.4 "
for i in 1 2 3 4 5; do T send-keys -t gs Z; done
check "Z zooms out" wait_for "timeline, 32\.0 ms a column"
check "the workers have run a while" wait_for "^worker\.1 +[^ ]{20,}"
# Every worker row, zoomed out, shows its share of the GIL: each holds
# it about a quarter of every column, so a majority vote drew them all
# as waits (▒); now most cells show the held part.
held() {
	row=$(screen | grep -E "^worker\.$1 ")
	h=$(printf '%s' "$row" | grep -o "[▏▎▍▌▋▊▉█]" | wc -l)
	w=$(printf '%s' "$row" | grep -o "▒" | wc -l)
	[ "$h" -gt 10 ] && [ "$h" -gt "$w" ]
}
for w in 1 2 3 4; do check "worker.$w's row shows the GIL it held" held $w; done
check "the legend names the split cell" wait_for "held part of it"
T send-keys -t gs q

T new-session -d -s gs2 -x 120 -y 40 \
	"LANG=C TERM=screen sh -c '\"$gilviz\" --speed=1 \"$lesson1\"; sleep 60'"
T kill-session -t gs 2>/dev/null
S=gs2
check "in ASCII too" wait_for "^worker\.4 "
for i in 1 2 3 4 5; do T send-keys -t gs2 Z; done
check "the workers have run a while (ASCII)" wait_for "^worker\.1 +[^ ]{20,}"
plus() {
	row=$(screen | grep -E "^worker\.$1 " | sed 's/  *[0-9]*%.*//')
	h=$(printf '%s' "$row" | grep -o "+" | wc -l)
	w=$(printf '%s' "$row" | grep -o -- "-" | wc -l)
	[ "$h" -gt 10 ] && [ "$h" -gt "$w" ]
}
for w in 1 2 3 4; do check "worker.$w's row shows + where it held part of a column" plus $w; done
check "the ASCII legend names +" wait_for "\+ held part of it"
T send-keys -t gs2 q

echo "shares-tui: $pass passed, $fail failed"
[ $fail -eq 0 ]
