#!/bin/sh
# Fuzzing driver.
#   fuzz.sh SECONDS                 run every fuzzer for SECONDS (make fuzz)
#   fuzz.sh --one BIN SECONDS       run one fuzzer, seeded from the corpus
#   fuzz.sh --replay BIN            replay the seeds through a harness
# Seeds: the input packets of the golden corpus (tests/packets), written
# once to build/fuzz/seeds-<dir>; fuzz_nat64 gets its own multi-packet
# seeds (seeds.py nat64), fuzz_dns64_* DNS messages (seeds_dns64.py
# dns64), fuzz_dns64_query query sequences (seeds_dns64.py dns64_query),
# fuzz_cfg_gw INI files and fuzz_ctl_proto requests (seeds_cfg.py cfg, ctl);
# findings go to build/fuzz/crash-*.
set -eu
cd "$(dirname "$0")/.."
B=build/fuzz

seeds() { # direction -> seed dir
	d=$B/seeds-$1
	gen=tests/fuzz/seeds.py
	case $1 in
	dns64*) gen=tests/fuzz/seeds_dns64.py ;;
	cfg | ctl) gen=tests/fuzz/seeds_cfg.py ;;
	esac
	if [ ! -d "$d" ] || [ "$gen" -nt "$d" ] ||
		{ [ "$1" = cfg ] && [ conf/gate64.conf -nt "$d" ]; } ||
		[ -n "$(find tests/packets -name '*.case' -newer "$d" | head -n1)" ]; then
		rm -rf "$d"
		mkdir -p "$d"
		/usr/bin/python3 "$gen" "$1" "$d"
	fi
	echo "$d"
}

dir_of() {
	case $(basename "$1") in
	*cfg_gw*) echo cfg ;;
	*ctl_proto*) echo ctl ;;
	*dns64_query*) echo dns64_query ;;
	*dns64*) echo dns64 ;;
	*6to4*) echo 6to4 ;;
	*nat64*) echo nat64 ;;
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
	# fuzz_nat64's and fuzz_dns64_query's inputs are sequences, and
	# fuzz_cfg_gw's whole files (conf/gate64.conf): longer
	case $(basename "$2") in
	*nat64* | *dns64_query*) maxlen=8192 ;;
	*cfg_gw*) maxlen=16384 ;;
	*) maxlen=2048 ;;
	esac
	rc=0
	"$2" -max_total_time="$3" -max_len=$maxlen -timeout=10 -rss_limit_mb=2048 \
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
