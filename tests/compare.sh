#!/bin/sh
# --compare and --sweep policy= on the command line: a table with a column per policy, the
# same figures as JSON, byte for byte the same on every virtual run, and
# clear messages for what does not go with it.
gilviz="${top_builddir:-.}/src/gilviz"
srcdir="${top_srcdir:-.}"
tmp=$(mktemp -d) || exit 99
trap 'rm -rf "$tmp"' EXIT
fail=0
pass=0

ok() { echo "ok: $1"; pass=$((pass + 1)); }
bad() { echo "FAIL: $1"; fail=$((fail + 1)); }

# expect DESCRIPTION STATUS PATTERN -- COMMAND...
expect() {
	desc=$1 want=$2 pattern=$3; shift 4
	out=$("$@" 2>&1); got=$?
	if [ "$got" != "$want" ]; then
		bad "$desc: exit $got, expected $want"; echo "$out" | sed 's/^/  | /'
	elif ! printf '%s\n' "$out" | grep -Eq -- "$pattern"; then
		bad "$desc: output does not match /$pattern/"; echo "$out" | sed 's/^/  | /'
	else
		ok "$desc"
	fi
}

convoy="$srcdir/scenarios/04-convoy.gil"
expect "one policy is no comparison" 2 "at least 2" -- "$gilviz" --headless --compare new "$convoy"
expect "an unknown policy" 2 "unknown policy 'fast'" -- "$gilviz" --headless --compare new,fast "$convoy"
expect "a policy named twice" 2 "named twice" -- "$gilviz" --headless --compare new,bfs,new "$convoy"
expect "--compare with --gil" 2 "leave out --gil" -- "$gilviz" --headless --compare new,bfs --gil=new "$convoy"
expect "--compare with --sweep" 2 "sweep policy=" -- "$gilviz" --compare new,bfs --sweep=interval=1ms..5ms "$convoy"
expect "--compare cannot record" 2 "cannot record" -- "$gilviz" --headless --compare new,bfs --record="$tmp/x" "$convoy"
expect "--compare and --check" 2 "do not go together" -- "$gilviz" --check --compare new,bfs "$convoy"
expect "the UI compares in virtual time" 2 "UI compares in virtual time" -- "$gilviz" --compare new,bfs --real "$convoy"
expect "--compare and csv" 2 "csv is for --sweep" -- "$gilviz" --headless --compare new,bfs --format=csv "$convoy"

# The table: a header with the policies, the server's wait per policy.
out=$("$gilviz" --headless --compare new,bfs,priority --duration=2s "$convoy")
if printf '%s\n' "$out" | grep -Eq '^ +new +bfs +priority$' &&
	printf '%s\n' "$out" | grep -Eq '^server wait p50 ms +5\.[0-9]+ +0\.0[0-9]+ +0\.0[0-9]+$' &&
	printf '%s\n' "$out" | grep -q 'virtual (seed 0, '; then
	ok "the table has a column per policy, in virtual time by default"
else
	bad "the compare table"; printf '%s\n' "$out" | sed 's/^/  | /'
fi

# JSON, the same bytes twice.
a=$("$gilviz" --headless --compare new,ruby --format=json --duration=1s --seed=4 --cores=2 "$convoy")
b=$("$gilviz" --headless --compare new,ruby --format=json --duration=1s --seed=4 --cores=2 "$convoy")
if [ "$a" = "$b" ] && printf '%s\n' "$a" | grep -q '"policy": "ruby"' &&
	printf '%s\n' "$a" | grep -q '"time_mode": "virtual (seed 4, 2 cores)"'; then
	ok "the JSON names every policy and repeats byte for byte"
else
	bad "compare JSON"; printf '%s\n%s\n' "$a" "$b" | sed 's/^/  | /'
fi

# Real time: the runs one after another, each its own length.
expect "--real compares in real time" 0 "^elapsed s +0\.2[0-9]* +0\.2[0-9]*$" -- \
	"$gilviz" --headless --compare new,priority --real --duration=200ms "$convoy"

# A sweep over the policies, alone and with the interval.
expect "a sweep of the policies" 0 "^ruby +5\.00 ms" -- "$gilviz" --sweep=policy=new,bfs,priority,fifo,ruby --duration=1s "$convoy"
expect "policies and intervals as csv" 0 "^bfs,0\.020000," -- "$gilviz" --sweep=policy=new,bfs --sweep=interval=2ms..20ms:2 --format=csv --duration=1s "$convoy"
expect "a policy sweep with --gil" 2 "leave out --gil" -- "$gilviz" --sweep=policy=new,bfs --gil=new "$convoy"

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
