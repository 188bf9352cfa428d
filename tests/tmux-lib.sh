# tmux-lib.sh -- what the terminal tests share: a private tmux server, a
# screen reader that polls (so a loaded machine only makes a test slower),
# and pass/fail counting. Sourced after setting S (the session name).
# Skips the test (77) when tmux is missing.
gilviz="${top_builddir:-.}/src/gilviz"
srcdir="${top_srcdir:-.}"
command -v tmux >/dev/null 2>&1 || { echo "SKIP: tmux is not installed"; exit 77; }
gilviz=$(cd "$(dirname "$gilviz")" && pwd)/$(basename "$gilviz")
convoy=$(cd "$srcdir/scenarios" && pwd)/04-convoy.gil
tmp=$(mktemp -d) || exit 99
sock="$tmp/tmux.sock"
T() { tmux -S "$sock" "$@"; }
# At the end, what still runs in the panes is killed outright before the
# server goes: a gilviz built with AddressSanitizer that loses its
# terminal (SIGHUP) was seen spinning for ever in LeakSanitizer's exit
# check, beyond the test's life.
end_panes() {
	for p in $(T list-panes -a -F '#{pane_pid}' 2>/dev/null); do
		pkill -KILL -P "$p" 2>/dev/null
	done
}
trap 'end_panes; T kill-server 2>/dev/null; rm -rf "$tmp"' EXIT
fail=0
pass=0

screen() { T capture-pane -p -t "$S" 2>/dev/null; }
# wait_for PATTERN [SECONDS]: poll the screen until grep -E finds PATTERN.
wait_for() {
	n=$(( ${2:-15} * 10 ))
	while [ $n -gt 0 ]; do
		screen | grep -Eq -- "$1" && return 0
		sleep 0.1; n=$((n - 1))
	done
	return 1
}
check() {
	desc=$1; shift
	if "$@"; then echo "ok: $desc"; pass=$((pass + 1))
	else echo "FAIL: $desc"; screen | sed 's/^/  | /'; fail=$((fail + 1)); fi
}
# session NAME CMD: a new 120x40 session NAME running the shell command
# CMD, which becomes S. The new session starts before the old one goes, so
# that the tmux server never runs out of sessions and exits under us.
session() {
	T -f /dev/null new-session -d -s "$1" -x 120 -y 40 "$2" ||
		{ echo "FAIL: cannot start tmux"; exit 1; }
	[ "$S" = "$1" ] || T kill-session -t "$S" 2>/dev/null
	S=$1
}
