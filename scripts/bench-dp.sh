#!/bin/sh
# make bench, dataplane part: gate64d against TAYGA in the namespace lab
# (tests/integration/lab.py), same lab, same generator, same pinning:
# trafgen on CPU 0 in the client namespace, the translator on CPU 1.
# Per translator and flow count (1 and 1024 UDP source ports by default):
# sent and delivered packets per second at saturation, the delivery ratio,
# and CPU seconds per million delivered packets, of the translator process
# and of CPU 1 as a whole (TAYGA's TUN and forwarding work is kernel time
# partly outside its process); then the ratios gate64 / TAYGA.  gate64d is
# measured only when build/gate64d exists.  Each figure is the best of
# BENCH_DP_REPEAT runs (default 3) of BENCH_DP_SECONDS (default 5).
# Output: stdout and build/bench/dp.txt.  Arguments go to
# scripts/bench_dp.py (--help).  Needs root, trafgen (netsniff-ng), tayga,
# taskset, ethtool, iproute2; every namespace and process is removed on
# exit, also on failure or interruption.
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
