#!/bin/sh
# What recording costs.
# 1. Does recording change what it records? Runs the same scenario with and
#    without --record, alternating, and prints the switch rate and the I/O
#    thread's GIL wait of each, beside how much the plain runs differ among
#    themselves (the noise), and the size of the recording per minute.
# 2. The size of an 8-thread recording (four CPU-bound threads, four serving
#    I/O, a 5 ms interval) and the consumer's CPU per recorded event, through
#    bench/bench_record: a 130 s run in real time (long enough for two
#    checkpoints, which come every 131072 events), and an hour in virtual
#    time (its own size, and its bytes an event beside version 1's).
# 3. Seeking in that hour (End, Home, j) and the checkpoints' share of its
#    bytes, and the consumer fed its events as fast as it takes them,
#    through bench/bench_seek.
gilviz=${1:-src/gilviz}
bench_record=${2:-bench/bench_record}
bench_seek=${3:-bench/bench_seek}
runs=${4:-4}
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
cat >"$tmp/s.gil" <<'GIL'
title "bench: an I/O thread beside a hog"
interval 5ms
duration 3s
thread hog { cpu 10s }
thread io { forever { io 1ms cpu 50us } }
GIL
cat >"$tmp/s8.gil" <<'GIL'
title "bench: eight threads, four CPU-bound, four serving I/O"
interval 5ms
thread cpu * 4 { forever { cpu 20ms } }
thread io * 4 { forever { io 2ms cpu 200us } }
GIL
i=0
while [ $i -lt "$runs" ]; do
	"$gilviz" --headless --format=json "$tmp/s.gil" >"$tmp/plain.$i.json"
	"$gilviz" --headless --format=json --record "$tmp/rec.$i.trace" "$tmp/s.gil" >"$tmp/rec.$i.json"
	i=$((i + 1))
done
python3 - "$tmp" "$runs" <<'PY'
import json, os, statistics, sys
tmp, runs = sys.argv[1], int(sys.argv[2])
def figures(kind):
    rate, wait = [], []
    for i in range(runs):
        d = json.load(open(os.path.join(tmp, "%s.%d.json" % (kind, i))))
        rate.append(d["gils"][0]["switches_per_s"])
        io = [t for t in d["threads"] if t["name"] == "io"][0]
        wait.append(1e3 * io["wait_s"] / io["acquisitions"])
    return rate, wait
def spread(v):
    return 100 * (max(v) - min(v)) / statistics.median(v)
prate, pwait = figures("plain")
rrate, rwait = figures("rec")
pr, pw, rr, rw = map(statistics.median, (prate, pwait, rrate, rwait))
print("  %-34s %10s %10s %8s %14s" % ("median of %d runs" % runs, "plain", "recording", "diff",
                                      "noise (plain)"))
print("  %-34s %10.1f %10.1f %+7.1f%% %13.1f%%  (goal: diff within 0.5%%)"
      % ("switches/s", pr, rr, 100 * (rr - pr) / pr, spread(prate)))
print("  %-34s %10.3f %10.3f %+7.1f%% %13.1f%%  (goal: diff within 0.5%%)"
      % ("I/O thread's mean GIL wait, ms", pw, rw, 100 * (rw - pw) / pw, spread(pwait)))
size = statistics.median(os.path.getsize(os.path.join(tmp, "rec.%d.trace" % i)) for i in range(runs))
print("  recording size: %.0f KB for 3 s, about %.2f MB a minute" % (size / 1e3, size / 3 * 60 / 1e6))
PY

echo
echo "  8 threads, 130 s in real time:"
"$gilviz" --headless --duration=130s --record "$tmp/real.trace" "$tmp/s8.gil" >/dev/null &&
	"$bench_record" "$tmp/real.trace"
echo
echo "  8 threads, an hour in virtual time:"
"$gilviz" --headless --virtual --duration=3600s --record "$tmp/hour.trace" "$tmp/s8.gil" >/dev/null &&
	python3 -c 'import os, sys; print("  the file, checkpoints included: %.1f MB (goal <= 50)" % (os.path.getsize(sys.argv[1]) / 1e6))' "$tmp/hour.trace" &&
	"$bench_record" "$tmp/hour.trace" 10.4e6 1
echo
echo "  Seeking in that hour, and the consumer's speed:"
"$bench_seek" "$tmp/hour.trace"
