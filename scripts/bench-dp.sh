#!/bin/sh
# make bench, dataplane part: gate64d's modes against TAYGA and against
# plain XDP forwarding in the namespace lab (tests/integration/lab.py),
# same lab, same generator, same pinning, in one run: trafgen on CPU 0 in
# the client namespace, the translator on CPU 1 (the XDP program cannot
# be pinned: on a veth it runs in the softirq of trafgen's CPU).  Runs:
# tayga, dpdk (gate64d NAT64, one DPDK worker), hybrid (when gate64d
# accepts it), xdp (gate64d mode = xdp, SIIT), plain (bpf/xdp_plain_fwd.c:
# the same forwarding without translation, the ceiling) and gen (XDP_DROP
# on arrival: the generator's own cost).  Per run and flow count (1 and
# 1024 UDP source ports by default): sent and delivered packets per
# second at saturation, the delivery ratio, CPU seconds per million
# delivered packets (of the translator process, of each CPU, and net of
# the generator and of other processes); then the ratios dpdk / TAYGA,
# xdp / TAYGA and xdp / plain.  Each figure is the best of BENCH_DP_REPEAT
# runs (default 3) of BENCH_DP_SECONDS (default 5).  Output: stdout and
# build/bench/dp.txt.  Arguments go to scripts/bench_dp.py (--help; --only
# picks runs).  Needs root, trafgen (netsniff-ng), tayga, taskset,
# ethtool, iproute2; every namespace and process is removed on exit, also
# on failure or interruption.
set -eu
cd "$(dirname "$0")/.."
die() {
	echo "bench-dp: $*" >&2
	exit 1
}
[ "$(id -u)" -eq 0 ] || die "needs root (network namespaces)"
for t in ip ss trafgen tayga taskset ethtool; do
	command -v "$t" >/dev/null || die "$t missing (apt-get install" \
		"iproute2 netsniff-ng tayga util-linux ethtool)"
done
[ "$(nproc)" -ge 2 ] || die "needs 2 CPUs (generator, translator)"
mkdir -p build/bench
exec /usr/bin/python3 scripts/bench_dp.py \
	--seconds "${BENCH_DP_SECONDS:-5}" --repeat "${BENCH_DP_REPEAT:-3}" "$@"
