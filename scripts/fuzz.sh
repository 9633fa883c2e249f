#!/bin/sh
# Fuzzing driver.
#   fuzz.sh SECONDS                 run every fuzzer for SECONDS (make fuzz)
#   fuzz.sh --one BIN SECONDS       run one fuzzer, seeded from the corpus
#   fuzz.sh --replay BIN            replay the seeds through a harness
# Seeds: the input packets of the golden corpus (tests/packets), written
# once to build/fuzz/seeds-<dir>; findings go to build/fuzz/crash-*.
set -eu
cd "$(dirname "$0")/.."
B=build/fuzz

seeds() { # direction -> seed dir
	d=$B/seeds-$1
	if [ ! -d "$d" ] || [ -n "$(find tests/packets -name '*.case' -newer "$d" | head -n1)" ]; then
		rm -rf "$d"
		mkdir -p "$d"
		/usr/bin/python3 tests/fuzz/seeds.py "$1" "$d"
	fi
	echo "$d"
}

dir_of() {
	case $(basename "$1") in
	*6to4*) echo 6to4 ;;
	*) echo 4to6 ;;
	esac
}

case ${1:-} in
--replay)
	s=$(seeds "$(dir_of "$2")")
	"$2" "$s"/*
	;;
--one)
	s=$(seeds "$(dir_of "$2")")
	work=$B/work-$(basename "$2")
	mkdir -p "$work"
	rc=0
	"$2" -max_total_time="$3" -max_len=2048 -timeout=10 -rss_limit_mb=2048 \
		-artifact_prefix=$B/ -print_final_stats=1 "$work" "$s" \
		>"$work.log" 2>&1 || rc=$?
	tail -n 12 "$work.log"
	exit $rc
	;;
*)
	for f in $B/fuzz_*; do
		case $f in *-replay) continue ;; esac
		"$0" --one "$f" "${1:-60}"
	done
	;;
esac
