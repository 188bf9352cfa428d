#!/bin/sh
# Record, replay and export through the command line: a recorded run
# replays to the same report, exports parse, a killed recording replays its
# complete blocks, and bad recordings get clear messages.
gilviz="${top_builddir:-.}/src/gilviz"
tmp=$(mktemp -d) || exit 99
trap 'rm -rf "$tmp"' EXIT
pass=0 fail=0
ok() { echo "ok: $1"; pass=$((pass + 1)); }
no() { echo "FAIL: $1"; fail=$((fail + 1)); }

cat >"$tmp/s.gil" <<'GIL'
title "Two threads, one \"GIL\""
thread hog { cpu 80ms }
thread io { repeat 20 { io 1ms cpu 20us } }
process worker * 2 { thread main { native 10ms cpu 5ms } }
GIL

# Record headless, replay headless: the same JSON, byte for byte.
"$gilviz" --headless --format=json --record "$tmp/r.trace" "$tmp/s.gil" >"$tmp/orig.json" &&
	"$gilviz" --replay "$tmp/r.trace" --headless --format=json >"$tmp/replay.json" &&
	cmp -s "$tmp/orig.json" "$tmp/replay.json" && ok "replay prints the recorded run's JSON report" ||
	no "replay JSON differs"; diff "$tmp/orig.json" "$tmp/replay.json" | head -5

# The text report says it is a replay, and of what.
"$gilviz" --headless --replay "$tmp/r.trace" >"$tmp/replay.txt" 2>&1 &&
	grep -q "replay of a recording made" "$tmp/replay.txt" &&
	grep -q 'Two threads, one "GIL"' "$tmp/replay.txt" && ok "the text replay names the recording" ||
	no "text replay"

# Exports, from the live run and from the recording.
"$gilviz" --headless --export perfetto "$tmp/live.json" "$tmp/s.gil" >/dev/null &&
	"$gilviz" --headless --replay "$tmp/r.trace" --export perfetto "$tmp/rep.json" >/dev/null &&
	"$gilviz" --headless --replay "$tmp/r.trace" --export csv "$tmp/rep.csv" >/dev/null && ok "exports are written" ||
	no "exports"
if command -v python3 >/dev/null 2>&1; then
	for f in live rep; do
		python3 - "$tmp/$f.json" <<'PY' && ok "the $f Perfetto export is valid with a track per thread" || no "$f Perfetto export"
import json, sys
d = json.load(open(sys.argv[1]))
ev = d["traceEvents"]
names = {(e["pid"], e["tid"]): e["args"]["name"] for e in ev if e.get("name") == "thread_name"}
procs = {e["pid"]: e["args"]["name"] for e in ev if e.get("name") == "process_name"}
assert sorted(names.values()) == ["hog", "io", "worker.1/main", "worker.2/main"], names
assert sorted(procs.values()) == ["main", "worker.1", "worker.2"], procs
slices = [e for e in ev if e.get("ph") == "X"]
for key in names:
    mine = [e for e in slices if (e["pid"], e["tid"]) == key]
    assert mine, "no slice for %s" % names[key]
    assert all(e["dur"] >= 0 for e in mine)
states = {e["name"] for e in slices}
assert {"holding", "waiting", "blocked", "native"} <= states, states
assert any(e.get("ph") == "C" for e in ev), "no interval counter"
PY
	done
	python3 - "$tmp/rep.csv" <<'PY' && ok "the CSV export has one row per span" || no "CSV export"
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1])))
assert rows and set(rows[0]) == {"thread", "process", "state", "start_ns", "end_ns"}
assert all(int(r["end_ns"]) >= int(r["start_ns"]) for r in rows)
assert {r["thread"] for r in rows} == {"hog", "io", "worker.1/main", "worker.2/main"}
PY
fi

# A recording killed with SIGKILL: what the name held is untouched, and the
# temporary file beside it replays its complete blocks, with a warning.
printf 'thread t * 2 { forever { cpu 1ms io 100us } }\n' >"$tmp/forever.gil"
cp "$tmp/r.trace" "$tmp/k.trace"
"$gilviz" --headless --duration=30s --record "$tmp/k.trace" "$tmp/forever.gil" >/dev/null 2>&1 &
pid=$!
sleep 1
kill -KILL $pid
wait $pid 2>/dev/null
cmp -s "$tmp/r.trace" "$tmp/k.trace" && ok "a killed recording leaves the file it would replace" ||
	no "a killed recording replaced its file"
"$gilviz" --headless --replay "$tmp/k.trace.part" >"$tmp/k.txt" 2>"$tmp/k.err"; st=$?
if [ $st -eq 0 ] && grep -q "warning:" "$tmp/k.err" && grep -q "events recorded" "$tmp/k.txt" &&
	! grep -q " 0 events recorded" "$tmp/k.txt"; then
	ok "a killed recording's temporary file replays its complete blocks"
else
	no "killed recording (exit $st)"; cat "$tmp/k.err"
fi
# The next run to the same name takes another temporary name.
"$gilviz" --headless --duration=50ms --record "$tmp/k.trace" "$tmp/forever.gil" >/dev/null &&
	[ -f "$tmp/k.trace.part" ] && [ ! -e "$tmp/k.trace.part.2" ] &&
	"$gilviz" --headless --replay "$tmp/k.trace" 2>&1 | grep -q "elapsed 0.05" &&
	ok "a run beside a killed one's temporary file leaves it alone" || no "k.trace.part"

# Outputs that would destroy an input or each other are refused, and a run
# that fails after its recording started leaves the old recording whole.
cp "$tmp/s.gil" "$tmp/mine.gil"
out=$("$gilviz" --headless --record "$tmp/mine.gil" "$tmp/mine.gil" 2>&1); st=$?
[ $st -eq 2 ] && cmp -s "$tmp/s.gil" "$tmp/mine.gil" && printf '%s' "$out" | grep -q "that is the scenario" &&
	ok "--record onto the scenario is refused" || no "record onto the scenario: $st $out"
out=$("$gilviz" --headless --record "$tmp/x.out" --export csv "$tmp/../$(basename "$tmp")/x.out" "$tmp/s.gil" 2>&1); st=$?
[ $st -eq 2 ] && [ ! -e "$tmp/x.out" ] && printf '%s' "$out" | grep -q "name the same file" &&
	ok "--record and --export to one file are refused" || no "record and export to one file: $st $out"
out=$("$gilviz" --headless --replay "$tmp/r.trace" --export csv "$tmp/r.trace" 2>&1); st=$?
[ $st -eq 2 ] && printf '%s' "$out" | grep -q "the recording it replays" &&
	ok "--export onto the replayed recording is refused" || no "export onto replay: $st $out"
# A pipe or a device is written directly: there is nothing to rename.
"$gilviz" --headless --export csv /dev/stdout "$tmp/s.gil" 2>&1 | grep -q "^thread,process,state" &&
	ok "--export to /dev/stdout writes there" || no "--export to /dev/stdout"
cp "$tmp/r.trace" "$tmp/keep.trace"
out=$("$gilviz" --headless --record "$tmp/keep.trace" --export csv "$tmp/none/x.csv" "$tmp/s.gil" 2>&1); st=$?
[ $st -eq 1 ] && cmp -s "$tmp/r.trace" "$tmp/keep.trace" && [ ! -e "$tmp/keep.trace.part" ] &&
	ok "a run that fails to start leaves the old recording whole" || no "failed run: $st $out"

# A full disk (a file size limit here: writes fail with EFBIG) stops the
# recording at the first failed write, said at once; the run goes on to
# its end and prints its report, then exits 1, and leaves no partial file.
(trap '' XFSZ; ulimit -f 4; exec "$gilviz" --headless --duration=5s --record "$tmp/full.trace" \
	"$tmp/forever.gil") >"$tmp/full.txt" 2>"$tmp/full.err" &
pid=$!
n=0
while [ $n -lt 40 ] && ! grep -q "recording stopped" "$tmp/full.err"; do sleep 0.1; n=$((n + 1)); done
kill -0 $pid 2>/dev/null && grep -q "recording stopped" "$tmp/full.err" &&
	ok "a failed write is said at once, while the run goes on" ||
	{ no "a failed write is said at once"; cat "$tmp/full.err"; }
wait $pid; st=$?
[ $st -eq 1 ] && grep -q "elapsed 5.0" "$tmp/full.txt" && [ ! -e "$tmp/full.trace" ] &&
	[ ! -e "$tmp/full.trace.part" ] && grep -q "not recorded" "$tmp/full.err" &&
	ok "and the run still prints its report, then exits 1" ||
	{ no "full disk: exit $st"; cat "$tmp/full.txt" "$tmp/full.err"; }

# Bad recordings: a message naming the file and exit 1, never a crash.
: >"$tmp/empty.trace"
printf 'hello' >"$tmp/hello.trace"
head -c 100 "$tmp/r.trace" >"$tmp/cut.trace"
for bad in "$tmp/empty.trace:empty" "$tmp/hello.trace:not a gilviz recording" \
	"$tmp/cut.trace:header" "$tmp:directory" "/dev/zero:not a regular file" \
	"$tmp/none.trace:No such file"; do
	f=${bad%%:*} want=${bad#*:}
	out=$("$gilviz" --headless --replay "$f" 2>&1); st=$?
	if [ $st -eq 1 ] && printf '%s' "$out" | grep -q "$want"; then
		ok "bad recording $(basename "$f"): $want"
	else
		no "bad recording $f: exit $st: $out"
	fi
done

# A recording in format version 1, made by gilviz 0.1.0, still replays
# without a warning, to the counts that run printed: 206 events in
# 0.306783 s; hog, io and worker/main took the GIL 18, 17 and 2 times;
# the main GIL switched 35 times, 17 of them forced.
v1="${top_srcdir:-.}/tests/data/v1-small.trace"
if command -v python3 >/dev/null 2>&1; then
	"$gilviz" --headless --replay "$v1" --format=json >"$tmp/v1.json" 2>"$tmp/v1.err" &&
		[ ! -s "$tmp/v1.err" ] && python3 - "$tmp/v1.json" <<'PY' && ok "a version 1 recording replays as it ran" || { no "version 1 recording"; cat "$tmp/v1.err"; }
import json, sys
d = json.load(open(sys.argv[1]))
assert (d["events"], d["elapsed_s"], d["dropped_events"]) == (206, 0.306783, 0), d
assert [(t["name"], t["acquisitions"]) for t in d["threads"]] == [("hog", 18), ("io", 17), ("worker/main", 2)], d["threads"]
g = d["gils"][0]
assert (g["name"], g["switches"], g["forced_switches"], g["drop_requests"]) == ("main", 35, 17, 17), g
PY
fi

out=$("$gilviz" --export svg "$tmp/x" "$tmp/s.gil" 2>&1); st=$?
[ $st -eq 2 ] && printf '%s' "$out" | grep -q "unknown format 'svg'" && ok "an unknown export format exits 2" || no "export svg: $st $out"
out=$("$gilviz" --export csv 2>&1); st=$?
[ $st -eq 2 ] && ok "--export without a file exits 2" || no "export without file: $st $out"
out=$("$gilviz" --replay "$tmp/r.trace" "$tmp/s.gil" 2>&1); st=$?
[ $st -eq 2 ] && ok "--replay with a scenario exits 2" || no "replay with scenario: $st"

echo "trace: $pass passed, $fail failed"
[ $fail -eq 0 ]
