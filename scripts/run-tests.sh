#!/bin/bash
# Run every test suite that `make test` covers and print one summary line:
#   N passed, N failed
# Each suite's own output is shown; its counts are read from its summary.
# Usage: scripts/run-tests.sh [FUZZ_SECONDS]
set -u
cd "$(dirname "$0")/.."
fuzz_seconds=${1:-60}
B=build
passed=0
failed=0
log=$(mktemp)
trap 'rm -f "$log"' EXIT

# count SUITE-NAME PASSED FAILED
count() {
	printf '== %-28s %d passed, %d failed\n' "$1" "$2" "$3"
	passed=$((passed + $2))
	failed=$((failed + $3))
}

# A suite that is one check: its exit status.
one() {
	local name=$1
	shift
	if "$@" >"$log" 2>&1; then
		cat "$log"
		count "$name" 1 0
	else
		cat "$log"
		echo "FAILED: $name ($*)"
		count "$name" 0 1
	fi
}

one lint ./scripts/lint.sh $(git ls-files '*.c' '*.h' 2>/dev/null)

# cmocka unit tests: "[  PASSED  ] N test(s)." / "[  FAILED  ] N test(s)"
for t in "$B"/tests/test_*; do
	[ -x "$t" ] || continue
	"$t" >"$log" 2>&1
	rc=$?
	cat "$log"
	# a binary may run several groups: sum their summaries
	p=$(sed -n 's/^\[  PASSED  \] \([0-9]*\) test.*/\1/p' "$log" | awk '{s+=$1} END {print s+0}')
	f=$(sed -n 's/^\[  FAILED  \] \([0-9]*\) test(s), listed.*/\1/p' "$log" | awk '{s+=$1} END {print s+0}')
	p=${p:-0}
	f=${f:-0}
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then f=1; fi
	count "unit $(basename "$t")" "$p" "$f"
done

# The golden corpus through the core: "corpus: N passed, N failed"
/usr/bin/python3 tests/packets/check_corpus.py >"$log" 2>&1
rc=$?
cat "$log"
if [ $rc -eq 0 ]; then count "corpus syntax" 1 0; else count "corpus syntax" 0 1; fi

# A runner that ends with "PREFIX: N passed, N failed".
# summarised NAME PREFIX COMMAND...
summarised() {
	local name=$1 prefix=$2
	shift 2
	"$@" >"$log" 2>&1
	local rc=$? p f
	grep -v '^EAL: \|^TELEMETRY: ' "$log" | tail -n 40
	p=$(sed -n "s/^$prefix: \([0-9]*\) passed, \([0-9]*\) failed.*/\1/p" "$log")
	f=$(sed -n "s/^$prefix: \([0-9]*\) passed, \([0-9]*\) failed.*/\2/p" "$log")
	p=${p:-0}
	f=${f:-0}
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then f=1; fi
	count "$name" "$p" "$f"
}

summarised "golden corpus (core)" corpus "$B"/tests/run_corpus tests/packets
# The same corpus through the DPDK workers (net_ring ports, no hugepages).
summarised "golden corpus (dpdk workers)" corpus-dpdk \
	"$B"/tests/run_corpus_dp tests/packets
# ... and through the XDP program (BPF_PROG_TEST_RUN): what it handles is
# the core's bytes, the rest is handed on untouched.
summarised "golden corpus (xdp program)" corpus-xdp \
	"$B"/tests/run_corpus_xdp tests/packets

# Integration tests (pytest): its summary "N failed, N passed, N errors in
# Xs"; exit status 5 (no tests collected) is a failure too.
for t in tests/integration/test_*.py; do
	[ -e "$t" ] || continue
	/usr/bin/python3 -m pytest -q -p no:cacheprovider "$t" >"$log" 2>&1
	rc=$?
	tail -n 60 "$log"
	sum=$(grep -E '^[=]* ?[0-9]+ (passed|failed|error).* in [0-9.]+s' "$log" | tail -n 1)
	p=$(echo "$sum" | grep -oE '[0-9]+ passed' | awk '{s+=$1} END {print s+0}')
	f=$(echo "$sum" | grep -oE '[0-9]+ (failed|errors?)' | awk '{s+=$1} END {print s+0}')
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then f=1; fi
	count "integration $(basename "$t" .py)" "$p" "$f"
done

# Fuzzers: the corpus replayed under ASan+UBSan, then a bounded run each.
for r in "$B"/fuzz/fuzz_*-replay; do
	[ -x "$r" ] || continue
	one "replay $(basename "$r")" ./scripts/fuzz.sh --replay "$r"
done
for f in "$B"/fuzz/fuzz_*; do
	case $f in *-replay) continue ;; esac
	[ -x "$f" ] || continue
	one "fuzz $(basename "$f") ${fuzz_seconds}s" ./scripts/fuzz.sh --one "$f" "$fuzz_seconds"
done

echo
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
