#!/bin/sh
# Many threads in real time, gilviz beside CPython: N threads each doing
# 1 ms of work and a 1 ms sleep, ten times. The work alone is N x 10 ms of
# one core (the GIL lets one thread run at a time).
#
# gilviz starts all N threads at once, so all N wait for the GIL
# together, each timing out once a switch interval. CPython is run two
# ways (bench/cpython_many.py): "staggered", as a plain program starts its
# threads (one by one, each start needing the GIL, so only a few wait for
# it at a time), and "together", all N waiting for the GIL at once as in
# gilviz. Every run is cut at a bound: the runs with many waiters take
# minutes.
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
printf '%8s %8s %10s %12s %12s   (wall s; >%s: cut at the bound)\n' \
	threads work gilviz "CPy stagg." "CPy togeth." "$bound"
for n in $sizes; do
	printf 'thread t * %s {\n repeat 10 {\n  cpu 1ms\n  io 1ms\n }\n}\n' "$n" >"$tmp/m.gil"
	t0=$(now)
	if timeout "$bound" "$gilviz" --headless --format=json "$tmp/m.gil" >/dev/null 2>&1; then
		g=$(since "$t0")
	else
		g=">$bound"
	fi
	s=$(timeout "$bound" "$python" "$script" staggered "$n" 2>/dev/null) || s=">$bound"
	t=$(timeout "$bound" "$python" "$script" together "$n" 2>/dev/null) || t=">$bound"
	printf '%8s %8.2f %10s %12s %12s\n' "$n" "$(echo "$n" | awk '{ print $1 * 0.01 }')" "$g" "$s" "$t"
done
