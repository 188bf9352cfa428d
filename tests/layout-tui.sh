#!/bin/sh
# The layout of every bundled lesson at a projector's 80x24 and at 120x40:
# what a class must see is there, by priority, and what is left out is
# said. For each lesson: the header; every thread's row (named in full, or
# under its process's label); every GIL's line with its switches/s and
# failed wake-ups, or a notice that some are not shown; the C column
# where threads run C code and the blkd column where they block (if more
# than three figures fit); the note's first line, whole or ending in an
# ellipsis and the N key; a lesson with
# asyncio tasks shows their rows or says how many it left out; and the
# status line always has "? help" and "q quit". Virtual time, so that
# sixteen lessons at once do not load the machine. Skipped (77) without
# tmux.
S=gv
. "${top_srcdir:-.}/tests/tmux-lib.sh"
scen=$(cd "$srcdir/scenarios" && pwd)

# check_lesson FILE: the screen of session $S shows FILE's lesson whole.
check_lesson() {
	f=$1; b=$(basename "$f" .gil)
	wait_for "q quit *$" 20 || { check "$b: the UI comes up" false; return; }
	# Names from the headless report's thread table: thread, then GIL.
	"$gilviz" --headless --virtual --duration=1ms "$f" >"$tmp/rep" 2>/dev/null
	threads=$(awk '/^thread /{on=1;next} on&&NF==0{exit} on{print $1}' "$tmp/rep")
	gils=$(awk '/^GIL /{on=1;next} on&&NF==0{exit} on{print $1}' "$tmp/rep")
	screen >"$tmp/scr"
	ok=true
	for t in $threads; do
		short=${t#*/}
		grep -Eq "^($t|$short) " "$tmp/scr" || { ok=false; echo "  no row for $t"; }
	done
	check "$S $b: every thread has its row" $ok
	ng=$(echo "$gils" | wc -w)
	shown=$(grep -Ec "^GIL [^ ]+ +switches/s [0-9]+  failed wake-ups [0-9]+" "$tmp/scr")
	check "$S $b: a line a GIL with switches/s and failed wake-ups, or a notice" \
		sh -c "[ $shown -eq $ng ] || grep -q '+$((ng - shown)) GIL lines' '$tmp/scr'"
	# BEHIND is a state too: sixteen lessons at once can load a
	# small machine, and the header then says how far the picture lags.
	check "$S $b: the header names the policy and the state" \
		sh -c "head -1 '$tmp/scr' | grep -Eq 'GIL [a-z>]+ \| interval .*(RUNNING|ENDED|BEHIND [0-9.]+ [mun]?s) *$'"
	check "$S $b: the note is whole or says N shows it" \
		sh -c "awk '/^thread /{print prev; exit} {prev=\$0}' '$tmp/scr' | grep -Eq '(\.|… \(N: all of it\)) *$'"
	check "$S $b: ? help and q quit on the status line" \
		sh -c "tail -1 '$tmp/scr' | grep -Eq '\? help +q quit *$'"
	# Where threads run C code, the C column comes right after hold,
	# wait and p99 (lesson 7: four threads in hashlib hold and wait
	# nothing); where they block (io, sleep), the blocked column next:
	# lesson 2's whole point, and the convoy's server living in wait,
	# not blkd. Long names may leave room for only hold, wait and p99.
	grep -E '^thread ' "$tmp/scr" >"$tmp/heads"
	if grep -Eq '^[[:space:]]*native(_hold)? ' "$f"; then
		check "$S $b: the C column, unless only hold, wait and p99 fit" \
			sh -c "grep -Eq ' C( |\$)' '$tmp/heads' || ! grep -Eq ' (blkd|p50|acq|max|core)( |\$)' '$tmp/heads'"
	fi
	if grep -Eq '^[[:space:]]*(io|sleep) ' "$f"; then
		check "$S $b: the blkd column, unless only hold, wait, p99 (and C) fit" \
			sh -c "grep -Eq ' blkd( |\$)' '$tmp/heads' || ! grep -Eq ' (p50|acq|max|core)( |\$)' '$tmp/heads'"
		# Lesson 2's short names leave room for four: blkd is one.
		[ "$b" = 02-io-bound ] &&
			check "$S $b: the blkd column, the lesson's point" grep -Eq ' blkd( |$)' "$tmp/heads"
	fi
	[ "$b" = 07-native-release ] &&
		check "$S $b: the C column, the lesson's point" grep -Eq ' C( |$)' "$tmp/heads"
	if grep -Eq '^[[:space:]]*task ' "$f"; then
		check "$S $b: task rows, or how many are not shown" \
			grep -Eq '^  [^ ]+ +[^ ]|\+[0-9]+ task rows' "$tmp/scr"
	fi
	# Nothing cut mid-word without an ellipsis: each event line ends in
	# a whole word (a unit, a number, a word) or an ellipsis.
	check "$S $b: no event line ends mid-word" \
		sh -c "! grep -E '^ [0-9]+\.[0-9]{3} ms ' '$tmp/scr' | grep -Evq '([A-Za-z0-9)%]|…)\$'"
}

# A session that keeps the server up between the lessons.
T -f /dev/null new-session -d -s keep -x 20 -y 5 "sleep 600" ||
	{ echo "FAIL: cannot start tmux"; exit 1; }
for size in 80x24 120x40; do
	w=${size%x*}; h=${size#*x}
	for f in "$scen"/[0-9]*.gil; do
		S=$(basename "$f" .gil)-$size
		T new-session -d -s "$S" -x "$w" -y "$h" \
			"LANG=C.UTF-8 TERM=screen \"$gilviz\" --virtual --duration=120s \"$f\"; sleep 60"
	done
	for f in "$scen"/[0-9]*.gil; do
		S=$(basename "$f" .gil)-$size
		check_lesson "$f"
		T kill-session -t "$S"
	done
done

echo "layout-tui: $pass passed, $fail failed"
[ $fail -eq 0 ]
