#!/bin/sh
# The legend names only what the run can show: lesson 1 (CPU threads under
# the new GIL, in virtual time on 2 cores) has the marks of a contended GIL
# but no I/O, no C code, no gc, no object lock and no wait for a core;
# lesson 17 (free-threaded, one shared list, collections) has the lock,
# the gc and the wait for a core but no drop request, until g turns the
# GIL on (g: the old GIL, with failed wake-ups and no drop requests;
# under a GIL a critical section costs nothing, so no lock either).
# The figure columns follow: lesson 9 shows its wait for a core.
# Skipped (77) without tmux.
S=lg1
. "${top_srcdir:-.}/tests/tmux-lib.sh"
lesson() { echo "$(cd "$srcdir/scenarios" && pwd)/$1.gil"; }
has() { wait_for "$1"; }
lacks() { ! screen | grep -Eq -- "$1"; }
# start NAME FILE: gilviz on FILE in a new session NAME.
start() { session "$1" "LANG=C.UTF-8 TERM=screen sh -c '\"$gilviz\" \"$2\"; sleep 60'"; }

start lg1 "$(lesson 01-cpu-bound)"
check "lesson 1: the legend is up" has "█ holds the GIL"
check "lesson 1: drop requests" has "! drop request"
check "lesson 1: failed wake-ups" has "× failed wake-up"
check "lesson 1: no I/O, C code, gc, lock or core" \
	lacks "blocked \(I/O|C, GIL released|C holding GIL|stopped by a gc|waits for a lock|waits for a core"

start lg17 "$(lesson 17-free-threaded-costs)"
check "lesson 17: the object's lock" has "▓ waits for a lock"
check "lesson 17: the gc" has "┃ stopped by a gc"
check "lesson 17: the wait for a core" has "╍ waits for a core"
check "lesson 17: no GIL, no drop request" lacks "! drop request"
T send-keys -t lg17 g
check "g turns the old GIL on" wait_for "GIL legacy"
check "its failed wake-ups join the legend" has "× failed wake-up"
check "but no drop request, no lock, no core" lacks "! drop request|▼ forced switch|waits for a lock|waits for a core"
T send-keys -t lg17 q

# Lesson 9, one thread a process: no GIL wait to show, so at 120 columns
# the wait for a core has the room the GIL's wait columns took.
start lg9 "$(lesson 09-multiprocessing)"
check "lesson 9: the core column" has "hold +wait +core *$"
check "lesson 9: no GIL wait columns" lacks "p50|p99"
T send-keys -t lg9 q

echo "legend-tui: $pass passed, $fail failed"
[ $fail -eq 0 ]
