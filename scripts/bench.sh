#!/bin/sh
# make bench: per-packet cost of the translation core (never part of make
# test).  Installs nothing (valgrind comes from scripts/deps.sh).
#   ns/pkt     clock_gettime over 10M iterations, best of 5 (bench_xlat)
#   instr/pkt  callgrind: (Ir(N2) - Ir(N1)) / (N2 - N1), so setup cancels
# "net" columns subtract the "copy" case (restoring the packet template,
# which every translating iteration also does).  Target (the issue): UDP
# <= 200 instructions per packet either way, checksum included.
# Output: the table on stdout and in build/bench/results.txt; callgrind
# files and per-line annotations of the UDP cases in build/bench/.
set -eu
cd "$(dirname "$0")/.."
B=build/bench
BIN=$B/bench_xlat
N1=${BENCH_N1:-100000}
N2=${BENCH_N2:-300000}
TARGET=200

[ -x "$BIN" ] || { echo "bench: $BIN missing (make bench builds it)" >&2; exit 1; }
command -v valgrind >/dev/null ||
	{ echo "bench: valgrind missing: run 'make deps' (scripts/deps.sh)" >&2; exit 1; }

echo "bench: timing ($BIN)..."
"$BIN" >"$B/ns.txt"

# ir CASE N: total instructions callgrind counted for N iterations
ir() {
	out=$B/callgrind.$1.$2
	valgrind --tool=callgrind --callgrind-out-file="$out" \
		"$BIN" --iter "$1" "$2" >/dev/null 2>"$out.log" ||
		{ cat "$out.log" >&2; exit 1; }
	sed -n 's/^totals: *\([0-9]*\).*/\1/p' "$out"
}

echo "bench: counting instructions (callgrind, N=$N1 and N=$N2)..."
: >"$B/ir.txt"
for c in $("$BIN" --list); do
	a=$(ir "$c" "$N1")
	b=$(ir "$c" "$N2")
	echo "$c $a $b" >>"$B/ir.txt"
done

# per-line cost of the UDP cases, for when they miss the target
for c in udp-4to6 udp-6to4; do
	callgrind_annotate --auto=yes --show-percs=no --threshold=99 \
		"$B/callgrind.$c.$N2" >"$B/annotate-$c.txt" 2>/dev/null ||
		callgrind_annotate --auto=yes --threshold=99 \
			"$B/callgrind.$c.$N2" >"$B/annotate-$c.txt" 2>/dev/null || true
done

awk -v n1="$N1" -v n2="$N2" -v target="$TARGET" '
FNR == NR { ns[$1] = $2; next }
{
	name[++k] = $1
	ins[$1] = ($3 - $2) / (n2 - n1)
}
END {
	bns = ns["copy"]; bin = ins["copy"]
	printf "%-16s %8s %8s %10s %10s %8s\n", "case", "ns/pkt", "ns net",
	    "instr/pkt", "instr net", "x base"
	for (i = 1; i <= k; i++) {
		c = name[i]
		printf "%-16s %8.2f %8.2f %10.1f %10.1f %8.2f\n", c, ns[c],
		    ns[c] - bns, ins[c], ins[c] - bin,
		    (bin > 0 ? ins[c] / bin : 0)
	}
	printf "\nbaseline \"copy\" = restoring the packet template only; "
	printf "\"net\" = minus that baseline.\n"
	printf "\"-general\" = the same packet forced through the general path.\n"
	printf "target: UDP <= %d instructions/packet (net of the copy), as the\n", target
	printf "engines call the core:"
	for (i = 1; i <= k; i++) {
		c = name[i]
		if (c ~ /^udp/ && c !~ /general/)
			printf " %s %s", c, (ins[c] - bin <= target) ? "ok" : "MISSED"
	}
	printf "\n"
}' "$B/ns.txt" "$B/ir.txt" | tee "$B/results.txt"
echo "bench: table in $B/results.txt; per-line UDP costs in $B/annotate-udp-*.txt"
