#!/bin/sh
# Does recording change what it records? Runs the same scenario with and
# without --record, alternating, and prints the switch rate and the I/O
# thread's GIL wait of each, and the size of the recording per minute.
gilviz=${1:-src/gilviz}
runs=${2:-4}
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
cat >"$tmp/s.gil" <<'GIL'
title "bench: an I/O thread beside a hog"
interval 5ms
duration 3s
thread hog { cpu 10s }
thread io { forever { io 1ms cpu 50us } }
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
    return statistics.median(rate), statistics.median(wait)
pr, pw = figures("plain")
rr, rw = figures("rec")
print("  %-34s %10s %10s %8s" % ("median of %d runs" % runs, "plain", "recording", "diff"))
print("  %-34s %10.1f %10.1f %+7.1f%%" % ("switches/s", pr, rr, 100 * (rr - pr) / pr))
print("  %-34s %10.3f %10.3f %+7.1f%%" % ("I/O thread's mean GIL wait, ms", pw, rw, 100 * (rw - pw) / pw))
size = statistics.median(os.path.getsize(os.path.join(tmp, "rec.%d.trace" % i)) for i in range(runs))
print("  recording size: %.0f KB for 3 s, about %.1f MB a minute" % (size / 1e3, size / 3 * 60 / 1e6))
PY
