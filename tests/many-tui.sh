#!/bin/sh
# The terminal UI with a thousand busy threads at 80x24: they make events
# faster than the UI takes them, and the UI must still draw, read its keys
# and hear its quit signals (it once drained the ring for ever: a blank
# screen that neither q nor SIGTERM could end). gilviz runs in the
# background to have its pid, its keys from /dev/tty. Skipped (77) without
# tmux.
S=gvm
. "${top_srcdir:-.}/tests/tmux-lib.sh"

sc="$tmp/many.gil"
{
	echo 'title "A thousand threads"'
	echo 'interval 1ms'
	i=0
	while [ $i -lt 1000 ]; do
		printf 'thread t%04d_%s {\n forever {\n  cpu 100us\n  io 200us\n }\n}\n' \
			$i xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx
		i=$((i + 1))
	done
} > "$sc"

T -f /dev/null new-session -d -s gvm -x 80 -y 24 \
	"LANG=C.UTF-8 TERM=screen sh -c '\"$gilviz\" --duration=120s \"$sc\" </dev/tty & echo \$! > \"$tmp/pid\"; wait \$!; echo EXITED \$?; sleep 60'" ||
	{ echo "FAIL: cannot start tmux"; exit 1; }

check "the UI comes up with the scenario's title" wait_for "A thousand threads"
T send-keys -t gvm q
check "q quits with status 0" wait_for "^EXITED 0"
kill -KILL "$(cat "$tmp/pid")" 2>/dev/null || :

T new-session -d -s gvm2 -x 80 -y 24 \
	"LANG=C.UTF-8 TERM=screen sh -c '\"$gilviz\" --duration=120s \"$sc\" </dev/tty & echo \$! > \"$tmp/pid\"; wait \$!; echo EXITED \$?; sleep 60'"
T kill-session -t gvm 2>/dev/null
S=gvm2
check "the UI comes up again" wait_for "A thousand threads"
kill -TERM "$(cat "$tmp/pid")"
check "SIGTERM ends it by the signal" wait_for "^EXITED 143"
# Whatever happened, leave no gilviz behind.
kill -KILL "$(cat "$tmp/pid")" 2>/dev/null || :

echo "many-tui: $pass passed, $fail failed"
[ $fail -eq 0 ]
