#!/bin/sh
# The command line: --help, --version, --check, --headless and --format,
# and every kind of bad input: a clear message and the right exit status.
gilviz="${top_builddir:-.}/src/gilviz"
srcdir="${top_srcdir:-.}"
tmp=$(mktemp -d) || exit 99
trap 'rm -rf "$tmp"' EXIT
fail=0
pass=0

# expect DESCRIPTION STATUS PATTERN -- COMMAND...: the command exits with
# STATUS and its output (stdout and stderr) matches the grep -E PATTERN.
expect() {
	desc=$1 want=$2 pattern=$3; shift 4
	out=$("$@" 2>&1); got=$?
	if [ "$got" != "$want" ]; then
		echo "FAIL: $desc: exit $got, expected $want"; echo "$out" | sed 's/^/  | /'
		fail=$((fail + 1))
	elif ! printf '%s\n' "$out" | grep -Eq -- "$pattern"; then
		echo "FAIL: $desc: output does not match /$pattern/"; echo "$out" | sed 's/^/  | /'
		fail=$((fail + 1))
	else
		echo "ok: $desc"; pass=$((pass + 1))
	fi
}

expect "--help prints the usage" 0 '^Usage: gilviz' -- "$gilviz" --help
expect "--version names the program" 0 '^gilviz [0-9]+\.[0-9]+' -- "$gilviz" --version
expect "an unknown option exits 2" 2 "unrecognized option '--frobnicate'" -- "$gilviz" --frobnicate
expect "a missing argument exits 2" 2 "requires an argument" -- "$gilviz" --interval
expect "an interval without a unit" 2 "no unit" -- "$gilviz" --interval=5 --check
expect "a zero interval" 2 "greater than 0" -- "$gilviz" --interval=0ms --check
expect "an unknown policy" 2 "unknown policy 'fast'" -- "$gilviz" --gil=fast --check
expect "an unknown format" 2 "unknown format 'xml'" -- "$gilviz" --format=xml --check
expect "a bad slow-motion factor" 2 "--slow" -- "$gilviz" --slow=0.5 --check
expect "--cores without --virtual" 2 "add --virtual" -- "$gilviz" --cores=2 --check
# A lesson names its own clock ('time virtual', 'cores 2'); the command
# line overrides it.
expect "a lesson runs in virtual time on its cores" 0 "virtual \(seed 0, 2 cores\) time" -- "$gilviz" --headless --duration=100ms convoy
expect "--real overrides a lesson's virtual time" 0 "; real time" -- "$gilviz" --headless --real --duration=100ms convoy
expect "--cores overrides a lesson's cores" 0 "virtual \(seed 0, 3 cores\) time" -- "$gilviz" --headless --cores=3 --duration=100ms convoy
expect "--cores with --real contradict each other" 2 "not with --real" -- "$gilviz" --real --cores=2 --check convoy
expect "zero cores" 2 "--cores: expected" -- "$gilviz" --virtual --cores=0 --check
expect "too many cores" 2 "--cores: expected" -- "$gilviz" --virtual --cores=5000 --check
expect "a negative seed" 2 "--seed: expected" -- "$gilviz" --virtual --seed=-1 --check
expect "a seed that is not a number" 2 "--seed: expected" -- "$gilviz" --virtual --seed=abc --check
expect "a negative speed" 2 "--speed: expected" -- "$gilviz" --virtual --speed=-1 --check
expect "a sweep of something else" 2 "only the interval" -- "$gilviz" --sweep=duration=1s..2s
expect "a sweep without a range" 2 "expected a range" -- "$gilviz" --sweep=interval=5ms
expect "a sweep going down" 2 "must go up" -- "$gilviz" --sweep=interval=5ms..1ms
expect "a sweep of one point" 2 "number of points" -- "$gilviz" --sweep=interval=1ms..5ms:1
expect "a sweep cannot record" 2 "cannot record" -- "$gilviz" --sweep=interval=1ms..5ms --record=$tmp/x
expect "csv is for sweeps" 2 "csv is for --sweep" -- "$gilviz" --format=csv --headless
expect "--real and --virtual" 2 "contradict" -- "$gilviz" --real --virtual --sweep=interval=1ms..5ms
printf 'duration 200ms\nthread a { cpu 1s }\nthread b { cpu 1s }\n' > "$tmp/two.gil"
expect "a virtual run says so" 0 "virtual \\(seed 3, 2 cores\\) time" -- "$gilviz" --headless --virtual --cores=2 --seed=3 "$tmp/two.gil"
expect "a sweep prints its table and chart" 0 "switch interval \\(log scale\\)" -- "$gilviz" --sweep=interval=1ms..20ms:4 --cores=2 "$tmp/two.gil"
"$gilviz" --sweep=interval=0.1ms..50ms --duration=100ms --cores=2 "$srcdir/scenarios/04-convoy.gil" >"$tmp/sweep.txt"
expect "a sweep's default points are the 1-2-5 series" 0 \
	"^ +100\.0 us .*@ +200\.0 us .*@ +500\.0 us .*@ +1\.00 ms .*@ +2\.00 ms .*@ +5\.00 ms .*@ +10\.00 ms .*@ +20\.00 ms .*@ +50\.00 ms " \
	-- sh -c "grep -E '^ +[0-9.]+ (us|ms) ' '$tmp/sweep.txt' | tr '\n' '@'"
# Thousands of switches a second: once printed as 1.12e+03.
"$gilviz" --sweep=interval=10us..100us --cores=2 "$tmp/two.gil" >>"$tmp/sweep.txt"
expect "a sweep prints no e-notation" 1 "" -- grep -Eq "[0-9]e[+-][0-9]" "$tmp/sweep.txt"
expect "even at thousands a second" 0 "^ +[0-9]{4,} /s  \|" -- cat "$tmp/sweep.txt"
expect "a sweep's chart is 80 columns wide in a file" 0 "^80$" -- \
	sh -c "grep -E '^ +\+-+$' '$tmp/sweep.txt' | head -1 | awk '{ print length }'"
"$gilviz" --headless --virtual --duration=50ms "$srcdir/scenarios/04-convoy.gil" >"$tmp/headless.txt"
expect "the headless report says no UI key" 1 "" -- grep -Eqi "press [+g]" "$tmp/headless.txt"
expect "the headless report keeps the rest of the note" 0 "asked it to drop\.$" -- cat "$tmp/headless.txt"
expect "the headless report's wait columns have units" 0 "wait p50 ms +wait p99 ms +wait max ms" -- cat "$tmp/headless.txt"
expect "the JSON report has each asyncio task's figures" 0 \
	'"tasks": \[\{"name": "handler\.1", "running_s": [0-9.]+, "ready_s": [0-9.]+, "awaiting_s": [0-9.]+, "ready_waits": [0-9]+, "ready_wait_p50_ms": [0-9.]+, "ready_wait_p99_ms"' \
	-- "$gilviz" --headless --virtual --duration=200ms --format=json "$srcdir/scenarios/12-asyncio-cpu-handler.gil"
expect "and the text report a table of them" 0 "^web/report +[0-9.]+ +[0-9.]+ +[0-9.]+ +[0-9.]+ +[0-9.]+$" \
	-- "$gilviz" --headless --virtual --duration=200ms "$srcdir/scenarios/12-asyncio-cpu-handler.gil"
expect "a sweep as csv" 0 "^interval_s,switches_per_s" -- "$gilviz" --sweep=interval=1ms..20ms:4 --format=csv "$tmp/two.gil"
expect "a sweep as json" 0 '"rows": \[' -- "$gilviz" --sweep=interval=1ms..20ms:3 --format=json "$tmp/two.gil"
a=$("$gilviz" --headless --virtual --cores=2 --seed=9 --format=json "$tmp/two.gil")
b=$("$gilviz" --headless --virtual --cores=2 --seed=9 --format=json "$tmp/two.gil")
if [ "$a" = "$b" ]; then echo "ok: the same seed gives the same JSON"; pass=$((pass + 1))
else echo "FAIL: the same seed gave different JSON"; fail=$((fail + 1)); fi
# Free-threaded Python's own costs, in the report: a line a shared object's
# lock, and the GIL turned on by an unsafe import.
expect "a shared object's lock has its line" 0 "^lock of shared_list: [0-9]+ waits of [0-9]+ takes, wait p50" \
	-- "$gilviz" --headless --virtual "$srcdir/scenarios/17-free-threaded-costs.gil"
expect "the thread table has lock and gc columns when a run has them" 0 "^thread +wall s .* core s +lock s +gc s +acq " \
	-- "$gilviz" --headless --virtual "$srcdir/scenarios/17-free-threaded-costs.gil"
expect "... and each appender's row its seconds in them" 0 "^appender\.1( +[0-9]+\.[0-9]{3}){8} +[0-9]+ " \
	-- "$gilviz" --headless --virtual "$srcdir/scenarios/17-free-threaded-costs.gil"
expect "... and none without" 0 "^thread +wall s .* core s +acq " \
	-- "$gilviz" --headless --virtual "$srcdir/scenarios/01-cpu-bound.gil"
expect "the JSON has the objects" 0 '"objects": \[$' \
	-- "$gilviz" --headless --virtual --format=json "$srcdir/scenarios/17-free-threaded-costs.gil"
expect "an unsafe import turns the GIL on" 0 "^GIL main turned on at 216\.000 ms: importer imported old_ext" \
	-- "$gilviz" --headless --virtual "$srcdir/scenarios/18-gil-comes-back.gil"
expect "the JSON says when" 0 '"gil_enabled_module": "old_ext"' \
	-- "$gilviz" --headless --virtual --format=json "$srcdir/scenarios/18-gil-comes-back.gil"
"$gilviz" --headless --virtual --export perfetto "$tmp/gil-on.json" "$srcdir/scenarios/18-gil-comes-back.gil" >/dev/null
expect "the Perfetto export marks the GIL turned on" 0 '"name":"GIL turned on".*"args":\{"module":"old_ext"\}' -- cat "$tmp/gil-on.json"
"$gilviz" --headless --virtual --export csv "$tmp/locks.csv" "$srcdir/scenarios/17-free-threaded-costs.gil" >/dev/null
expect "the CSV export has the lock waits" 0 '^appender\.1,main,lock wait,[0-9]+,[0-9]+$' -- cat "$tmp/locks.csv"
expect "two scenarios" 2 "one scenario at a time" -- "$gilviz" a.gil b.gil

expect "the UI needs a terminal" 1 "needs a terminal.*--headless" -- "$gilviz" "$srcdir/scenarios/04-convoy.gil"
expect "a bad frame count" 2 "--frames" -- "$gilviz" --frames=0
expect "a bad history size" 2 "--history-spans" -- "$gilviz" --history-spans=lots
"$gilviz" --headless --virtual --duration=20ms --record="$tmp/ex.trace" "$srcdir/scenarios/04-convoy.gil" >/dev/null
expect "--export of a recording needs no --headless: no UI, no report" 0 "^$" -- \
	"$gilviz" --replay="$tmp/ex.trace" --export csv "$tmp/ex.csv"
expect "and it wrote the export" 0 "^hog,main,holding," -- cat "$tmp/ex.csv"
printf 'thread t { forever { cpu 1ms } }\n' >"$tmp/forever.gil"
expect "--check refuses what a run refuses: forever without a duration" 1 \
	"thread 't' runs forever: give the run a duration" -- "$gilviz" --check "$tmp/forever.gil"
expect "--check with --duration accepts it" 0 "ok" -- "$gilviz" --check --duration=1s "$tmp/forever.gil"
expect "--interval=0 must be greater than 0" 2 "--interval: must be greater than 0, got '0'" -- \
	"$gilviz" --interval=0 --check
expect "--check reads no recording" 2 "not a recording" -- "$gilviz" --check --replay=x.trace
expect "--help lists the UI's options" 0 "--frames=N" -- "$gilviz" --help

expect "--check accepts a bundled scenario" 0 "ok" -- "$gilviz" --check "$srcdir/scenarios/04-convoy.gil"
expect "--check accepts the built-in scenario" 0 "ok" -- "$gilviz" --check
expect "--list lists the lessons with their titles" 0 "04-convoy +Convoy: an I/O thread" -- "$gilviz" --list
expect "a lesson by its short name" 0 "04-convoy.gil: ok" -- "$gilviz" --check convoy
expect "a lesson by its numbered name" 0 "11-python2-battle.gil: ok" -- "$gilviz" --check 11-python2-battle
expect "an unknown name points at --list" 1 "gilviz --list" -- "$gilviz" --check no-such-lesson
expect "a missing file" 1 "nope.gil" -- "$gilviz" --check "$tmp/nope.gil"
expect "a directory" 1 "directory" -- "$gilviz" --check "$tmp"
printf 'thread t {\n    frobnicate 1ms\n}\n' >"$tmp/bad.gil"
expect "a bad op names file, line and column" 1 "bad.gil:2:5: unknown operation 'frobnicate'" -- "$gilviz" --check "$tmp/bad.gil"

printf 'thread t { forever { cpu 1ms } }\n' >"$tmp/forever.gil"
expect "headless refuses a run that never ends" 1 "runs forever" -- "$gilviz" --headless "$tmp/forever.gil"

printf 'title "Two sleepers"\nthread t * 2 { sleep 20ms }\n' >"$tmp/sleep.gil"
expect "headless prints the report" 0 "t\.2 +0\.0[0-9]+" -- "$gilviz" --headless "$tmp/sleep.gil"
expect "headless prints the timeline legend" 0 "holds the GIL" -- "$gilviz" --headless "$tmp/sleep.gil"
expect "json has the figures" 0 '"dropped_events": 0' -- "$gilviz" --headless --format=json "$tmp/sleep.gil"
expect "--duration stops a forever run" 0 '"elapsed_s": 0\.05' -- "$gilviz" --headless --format=json --duration=50ms "$tmp/forever.gil"
expect "--gil overrides the policy" 0 '"policy": "legacy"' -- "$gilviz" --headless --format=json --gil=legacy "$tmp/sleep.gil"
expect "--interval overrides the interval" 0 '"interval_s": 0\.002' -- "$gilviz" --headless --format=json --interval=2ms "$tmp/sleep.gil"

# A title's right-to-left override and C1 control (CSI) are shown escaped
# in text, never raw; the JSON keeps them as the valid UTF-8 they are.
printf 'title "abc \342\200\256def \302\2332J"\nthread t { sleep 1ms }\n' >"$tmp/bidi.gil"
"$gilviz" --headless "$tmp/bidi.gil" >"$tmp/bidi.txt" 2>&1
if head -1 "$tmp/bidi.txt" | grep -qF 'abc \u{202e}def \x9b2J' &&
	! LC_ALL=C grep -q "$(printf '\342\200\256')" "$tmp/bidi.txt"; then
	echo "ok: a title's bidi override and C1 control are escaped"; pass=$((pass + 1))
else
	echo "FAIL: bidi title"; sed 's/^/  | /' "$tmp/bidi.txt"; fail=$((fail + 1))
fi

# --history-spans is a count a thread: with many threads it is checked
# against the total before the UI starts (16777216 with 4096 threads once
# asked for 1.6 TB and aborted), for a scenario and for a recording.
printf 'thread t * 4096 { cpu 1ms }\n' >"$tmp/many.gil"
expect "--history-spans too large for 4096 threads" 2 "with 4096 threads that is more than 16777216 spans" -- \
	"$gilviz" --history-spans=16777216 "$tmp/many.gil"
"$gilviz" --headless --record "$tmp/two.trace" "$tmp/sleep.gil" >/dev/null
expect "--history-spans too large for a recording's 2 threads" 2 "at most 8388608 a thread" -- \
	"$gilviz" --history-spans=8388609 --replay "$tmp/two.trace"

# The JSON report parses, where python3 is there to parse it.
if command -v python3 >/dev/null 2>&1; then
	"$gilviz" --headless --format=json "$tmp/sleep.gil" >"$tmp/out.json"
	if python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert len(d["threads"]) == 2 and d["gils"][0]["name"] == "main"' "$tmp/out.json"; then
		echo "ok: the JSON report parses"; pass=$((pass + 1))
	else
		echo "FAIL: the JSON report does not parse"; fail=$((fail + 1))
	fi
fi

# Ctrl-C stops a headless run and still prints what was gathered, then
# gilviz ends by the signal (tests/signals.sh has the others).
"$gilviz" --headless --duration=20s "$tmp/forever.gil" >"$tmp/int.txt" 2>&1 &
pid=$!
sleep 0.3
kill -INT $pid
wait $pid; st=$?
if [ $st -eq 130 ] && grep -q "interrupted" "$tmp/int.txt"; then
	echo "ok: SIGINT ends a headless run with its report"; pass=$((pass + 1))
else
	echo "FAIL: SIGINT: exit $st"; sed 's/^/  | /' "$tmp/int.txt"; fail=$((fail + 1))
fi

# A report that cannot be written fails the run.
if [ -w /dev/full ]; then
	expect "a report to a full disk fails" 1 "cannot write to standard output" -- \
		sh -c '"$1" --headless --duration=10ms >/dev/full' sh "$gilviz"
	expect "a check to a full disk fails" 1 "cannot write to standard output" -- \
		sh -c '"$1" --check "$2" >/dev/full' sh "$gilviz" "$srcdir/scenarios/04-convoy.gil"
fi

echo "cli: $pass passed, $fail failed"
[ $fail -eq 0 ]
