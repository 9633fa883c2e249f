#!/bin/sh
# Install every Debian package that gate64's build, tests and benchmarks
# need.  Idempotent: does nothing when all are present; otherwise runs
# apt-get update first.  Needs root (CI and the lab machines run as root).
set -eu

PKGS="make gcc clang llvm libclang-rt-14-dev libcmocka-dev pkg-config
cppcheck clang-format valgrind python3 python3-pytest python3-scapy
libiniparser-dev nsd bind9-dnsutils ldnsutils dnsperf unbound
libdpdk-dev iproute2 ethtool curl iputils-ping tayga netsniff-ng
bpftool libbpf-dev libnl-3-dev libnl-route-3-dev"

missing=""
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
		missing="$missing $p"
done
if [ -z "$missing" ]; then
	echo "deps: all packages present"
	exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
	echo "deps: missing packages:$missing; run 'make deps' as root" >&2
	exit 1
fi
echo "deps: installing$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing
# The unbound and nsd packages (the DNS64 tests' and benchmark's peers) may
# start system servers on port 53; gate64's tests start their own, on other
# loopback ports, and stop them.
if command -v systemctl >/dev/null 2>&1; then
	systemctl disable --now unbound nsd >/dev/null 2>&1 || true
fi
