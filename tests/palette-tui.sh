#!/bin/sh
# The palette in a real terminal: holding and waiting are blue and orange
# (never the green and red a deuteranope cannot tell apart), in 256 colours
# and in 8; nothing on the time axis is dim; NO_COLOR draws no colour at
# all. Read with capture-pane -e, which keeps the SGR sequences.
# Skipped (77) without tmux.
S=p256
. "${top_srcdir:-.}/tests/tmux-lib.sh"

# The legend line with its escapes: "<glyph> holds the GIL ...".
legend() { T capture-pane -e -p -t "$S" 2>/dev/null | grep 'holds the GIL'; }
axis() { T capture-pane -e -p -t "$S" 2>/dev/null | grep -E '[0-9]\.[0-9]+s'; }
esc=$(printf '\033')
# glyph_in SGR GLYPH: the legend draws GLYPH right after the colour SGR.
glyph_in() { l=$(legend) && printf '%s' "$l" | grep -q -- "$esc\\[$1$2"; }
poll() { n=150; while [ $n -gt 0 ]; do "$@" && return 0; sleep 0.1; n=$((n - 1)); done; return 1; }
# start NAME ENV: a new session NAME running gilviz with ENV ("VAR=x ...").
start() {
	session "$1" "LANG=C.UTF-8 $2 \"$gilviz\" --duration=60s \"$convoy\"; sleep 60"
	poll legend >/dev/null
}

start p256 "TERM=tmux-256color"
check "256 colours: holding is sky blue (39)" poll glyph_in '38;5;39m' █
check "256 colours: waiting is orange (214)" poll glyph_in '38;5;214m' ▒
no_red_green() { l=$(legend) && ! printf '%s' "$l" | grep -qE "$esc\\[(38;5;(196|160|9|46|40|10)|3[12])m"; }
check "256 colours: no red and no green in the legend" poll no_red_green
# The axis labels: plain grey, never the dim attribute (SGR 2).
axis_not_dim() { a=$(axis) && [ -n "$a" ] && ! printf '%s' "$a" | grep -q "$esc\\[2m"; }
check "the time axis is not dim" poll axis_not_dim

start p8 "TERM=screen"
check "8 colours: holding is cyan" poll glyph_in '36m' █
check "8 colours: waiting is yellow" poll glyph_in '33m' ▒

start pmono "TERM=tmux-256color NO_COLOR=1"
no_colour() { l=$(legend) && ! printf '%s' "$l" | grep -qE "$esc\\[(3[0-7]|38;5;[0-9]+)m"; }
check "NO_COLOR: the legend has no colour at all" poll no_colour

echo "palette-tui: $pass passed, $fail failed"
[ $fail -eq 0 ]
