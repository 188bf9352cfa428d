#!/bin/sh
# Many threads in real time, gilviz beside CPython: N threads each doing
# 1 ms of work and a 1 ms sleep, ten times. The work alone is N x 10 ms of
# one core (the GIL lets one thread run at a time).
#
# Both are run two ways. "One by one" (staggered) is how a plain program
# starts its threads: each start needs the GIL, so the early threads have
# often ended before the late ones begin and only a few wait for the GIL
# at a time; it is gilviz's default ('startup one-by-one'). "Together":
# all N wait for the GIL at once ('startup together'; in CPython, every
# thread sleeps until one instant after all have started), each timing out
# once a switch interval. Every run is cut at a bound: the runs with many
# waiters take minutes.
# Usage: bench_many.sh GILVIZ PYTHON SCRIPT [N...]
gilviz=${1:-src/gilviz}
python=${2:-python3}
script=${3:-bench/cpython_many.py}
shift 3 2>/dev/null
sizes=${*:-256 1024 2048}
bound=${BENCH_MANY_BOUND:-60}
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
now() { date +%s.%N; }
since() { echo "$(now) $1" | awk '{ printf "%.2f", $1 - $2 }'; }
run_gilviz() { # startup N
	printf 'startup %s\nthread t * %s {\n repeat 10 {\n  cpu 1ms\n  io 1ms\n }\n}\n' "$1" "$2" >"$tmp/m.gil"
	t0=$(now)
	if timeout "$bound" "$gilviz" --headless --real --format=json "$tmp/m.gil" >/dev/null 2>&1; then
		since "$t0"
	else
		echo ">$bound"
	fi
}
printf '%8s %8s   %-21s   %-21s  (wall s; >%s: cut at the bound)\n' \
	"" "" "one by one" "together" "$bound"
printf '%8s %8s %10s %10s %10s %10s\n' threads work gilviz CPython gilviz CPython
for n in $sizes; do
	g1=$(run_gilviz one-by-one "$n")
	s=$(timeout "$bound" "$python" "$script" staggered "$n" 2>/dev/null) || s=">$bound"
	g2=$(run_gilviz together "$n")
	t=$(timeout "$bound" "$python" "$script" together "$n" 2>/dev/null) || t=">$bound"
	printf '%8s %8.2f %10s %10s %10s %10s\n' "$n" "$(echo "$n" | awk '{ print $1 * 0.01 }')" "$g1" "$s" "$g2" "$t"
done
