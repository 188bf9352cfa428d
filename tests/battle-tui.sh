#!/bin/sh
# Lesson 11, the Python 2 GIL's battle: a column in which a thread only
# waited, its wake-ups failing, shows the failed wake-up (x, in the
# colour of the wait) and the legend names it; under the new GIL (g)
# no wake-up fails and no such mark is drawn. Skipped (77) without tmux.
S=gb
. "${top_srcdir:-.}/tests/tmux-lib.sh"
lesson11=$(cd "$srcdir/scenarios" && pwd)/11-python2-battle.gil

T -f /dev/null new-session -d -s gb -x 120 -y 40 \
	"LANG=C.UTF-8 TERM=screen sh -c '\"$gilviz\" --speed=1 \"$lesson11\"; sleep 60'" ||
	{ echo "FAIL: cannot start tmux"; exit 1; }
check "lesson 11 comes up under the legacy GIL" wait_for "GIL legacy"
check "a cruncher's row marks failed wake-ups" wait_for "^cruncher\.[12] +[^ ]*×"
check "the legend names the failed wake-up" wait_for "× failed wake-up"
check "the GIL line counts them" wait_for "failed wake-ups [1-9]"
T send-keys -t gb g
check "g goes to the new GIL, as the note says" wait_for "GIL new"
# Give the new run a screenful of time, then no row may carry the mark.
check "the new GIL's rows fill" wait_for "^cruncher\.1 +[^ ]{55,}"
no_marks() { ! screen | grep -Eq "^cruncher\.[12] +[^ ]*×"; }
check "and no wake-up fails under it" no_marks
T send-keys -t gb q

echo "battle-tui: $pass passed, $fail failed"
[ $fail -eq 0 ]
