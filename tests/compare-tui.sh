#!/bin/sh
# The compare mode in a real terminal: gilviz --compare new,bfs,priority
# on lesson 15 stacks a block per policy on one screen, each with its
# GIL's figures and its threads' rows, with the figure columns some run
# fills; the server's median wait is about
# an interval under new and microseconds under bfs and priority; a digit
# hides a block, g shows them all, space pauses every run, ? shows the
# compare keys, q quits with the terminal sane. Skipped (77) without tmux.
S=cmp
. "${top_srcdir:-.}/tests/tmux-lib.sh"
lesson=$(cd "$srcdir/scenarios" && pwd)/15-convoy-designs.gil

T -f /dev/null new-session -d -s cmp -x 120 -y 40 \
	"LANG=C.UTF-8 TERM=screen sh -c '\"$gilviz\" --compare new,bfs,priority \"$lesson\"; echo EXITED \$?; stty -a | tr \"\\n\" \" \" | grep -o \"[-]*icanon\"; sleep 60'" ||
	{ echo "FAIL: cannot start tmux"; exit 1; }

# The server's row in the block of policy N (its title line starts "N ").
server_of() { screen | awk -v n="$1" '$1 == n && $3 == "GIL" { b = 1; next } b && /^server / { print; exit }'; }
# server_p50 N PATTERN: the server's p50 and p99 in block N match PATTERN.
server_p50() {
	n=150
	while [ $n -gt 0 ]; do
		server_of "$1" | grep -Eq -- "$2" && return 0
		sleep 0.1; n=$((n - 1))
	done
	return 1
}

check "the header names the policies compared" wait_for "compare new,bfs,priority"
check "a block for new, with its GIL's figures" wait_for "^1 new +GIL new: interval 5\.0 ms +switches/s"
check "a block for bfs" wait_for "^2 bfs +GIL bfs: interval"
check "a block for priority" wait_for "^3 priority +GIL priority: interval"
check "the runs are in virtual time with one seed" wait_for "virtual \(seed 0, "
check "under new the server waits about an interval" server_p50 1 " 5\.[0-9] ms +5\.[0-9] ms$"
check "under bfs its median wait is microseconds" server_p50 2 " [0-9]+ us +[0-9.]+ (us|ms)$"
check "under priority too" server_p50 3 " [0-9]+ us +[0-9.]+ (us|ms)$"
check "one time axis and the legend" wait_for "holds the GIL.*waits for it"
# The figure columns are those some run fills: blocked (the server's
# I/O), not C code, which no thread of the lesson runs.
columns() {
	h=$(screen | grep -E '^thread ')
	echo "$h" | grep -Eq ' blkd( |$)' && ! echo "$h" | grep -Eq ' C( |$)'
}
check "the columns the runs fill: blkd, and no C column" columns
T send-keys -t cmp 2
check "2 hides the bfs block" wait_for "bfs hidden"
gone() { ! screen | grep -q "^2 bfs"; }
check "and its rows are gone" gone
T send-keys -t cmp g
check "g shows every block again" wait_for "^2 bfs +GIL bfs"
T send-keys -t cmp ' '
check "space pauses every run" wait_for "PAUSED$"
T send-keys -t cmp '?'
check "? shows the compare keys" wait_for "show or hide the block of the 1st"
T send-keys -t cmp x
T send-keys -t cmp q
check "q quits with status 0" wait_for "^EXITED 0"
check "the terminal is back in canonical mode" wait_for "^icanon"

echo "compare-tui: $pass passed, $fail failed"
[ $fail -eq 0 ]
