#!/bin/sh
# make bench, DNS64 part (issue 7, "Figures"): dnsperf against gate64-dns64
# and against Unbound with its dns64 module, both forwarding to the same
# authoritative NSD on loopback, both on one thread.
#   zone       example.test: h0..h99 (the hot names) and n0..n{N-1}
#              (DNS64_NAMES, default 500 000), A-only, TTL and negative TTL
#              3600 s, so nothing expires during the bench; addresses in
#              198.51.100.0/24 and 203.0.113.0/24 (RFC 6052 §3.1 forbids
#              the well-known prefix for non-global ones such as 10/8, and
#              gate64-dns64 does not synthesize those; Unbound does)
#   pinning    each server on CPU 0 (DNS64_SERVER_CPU), dnsperf on CPU 1
#              (DNS64_LOAD_CPU), NSD on CPU 2 when there is one, else with
#              dnsperf (it only works at 0 % hit)
#   100 % hit  AAAA for the 100 hot names, asked twice first (warm-up),
#              then in a loop for DNS64_SECONDS (10)
#   0 % hit    AAAA for the n* names, each once (dnsperf -n 1), never asked
#              before: the server has to ask NSD AAAA (NODATA) then A and
#              synthesize; the run ends at DNS64_SECONDS or when the names
#              run out
#   qps        dnsperf's "Queries per second", load DNS64_PERF (default
#              "-c 8 -q 200": 200 queries in flight; more makes the
#              server's socket drop queries, and each lost query holds a
#              dnsperf slot for the 5 s timeout); srv cpu = the server's CPU
#              time over the run / run time, user + system (100 % = its core
#              is saturated; below that, dnsperf, alone on one core, or NSD
#              was the limit); qps/core = qps / srv cpu, the rate the server
#              would reach on a whole core if its cost per query stayed the
#              same (an estimate: it ignores batching gains under load)
#   p99        dnsperf 2.10 prints no percentiles: with -v it prints each
#              answer's latency, the p99 is taken from those.  Measured in a
#              second run of each case at the same fixed rate for both
#              servers (dnsperf -Q, half the lower of the two maximum rates
#              unless DNS64_RATE_HIT / DNS64_RATE_MISS), each server
#              restarted first so the 0 % case starts from an empty cache.
#              A p99 at maximum rate would only measure dnsperf's queue.
# Before measuring, a dig for h0 against each server must give the
# synthesized 64:ff9b::c633:6400; when it does not, the runs still happen
# (so a forwarding-only gate64-dns64 can be timed) but the table says so
# and the script exits 1.  Targets (the issue): gate64-dns64 >= 2 x Unbound
# at 100 % hit, >= Unbound at 0 % hit.
# Loopback only; every process started here is stopped on exit (trap).
# Output: the table on stdout and in build/bench/dns64.txt; dnsperf outputs,
# configurations and logs of the last run in build/bench/dns64/.
# Needs (scripts/deps.sh): nsd, unbound, dnsperf, bind9-dnsutils, python3;
# build/gate64-dns64 (make all).
set -eu
cd "$(dirname "$0")/.."
B=build/bench
O=$B/dns64
BIN=${GATE64_DNS64_BIN:-build/gate64-dns64}
NAMES=${DNS64_NAMES:-500000}
HOT=100
SECS=${DNS64_SECONDS:-10}
PERF=${DNS64_PERF:--c 8 -q 200}
SCPU=${DNS64_SERVER_CPU:-0}
LCPU=${DNS64_LOAD_CPU:-1}
if [ "$(nproc)" -gt 2 ]; then NCPU=${DNS64_NSD_CPU:-2}; else NCPU=${DNS64_NSD_CPU:-$LCPU}; fi
NSD=$(command -v nsd || echo /usr/sbin/nsd)
UNBOUND=$(command -v unbound || echo /usr/sbin/unbound)
EXPECT=64:ff9b::c633:6400	# h0 = 198.51.100.0

[ -x "$BIN" ] || { echo "bench-dns64: $BIN missing: run make all" >&2; exit 1; }
for t in "$NSD" "$UNBOUND" dnsperf dig taskset flock python3; do
	command -v "$t" >/dev/null ||
		{ echo "bench-dns64: $t missing: run 'make deps' (scripts/deps.sh)" >&2; exit 1; }
done
if [ "$(nproc)" -lt 2 ]; then
	echo "bench-dns64: needs 2 CPUs (server on $SCPU, dnsperf on $LCPU)" >&2
	exit 1
fi

# one run at a time: two would share the CPUs and build/bench/dns64/
mkdir -p "$B"
exec 9>"$B/dns64.lock"
if ! flock -n 9; then
	echo "bench-dns64: another run holds $B/dns64.lock; waiting (at most 10 min)..." >&2
	flock -w 600 9 || { echo "bench-dns64: still locked, giving up" >&2; exit 1; }
fi

W=$(mktemp -d /tmp/gate64-bench-dns64.XXXXXX)
NSD_PID=
SRV_PID=
cleanup() {
	for p in $SRV_PID $NSD_PID; do
		kill "$p" 2>/dev/null || true
	done
	for p in $SRV_PID $NSD_PID; do
		i=0
		while kill -0 "$p" 2>/dev/null && [ $i -lt 50 ]; do
			sleep 0.1
			i=$((i + 1))
		done
		kill -9 "$p" 2>/dev/null || true
	done
	rm -rf "$W"
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP
rm -rf "$O"
mkdir -p "$O"

# three ports free for UDP and TCP on 127.0.0.1
# shellcheck disable=SC2046
set -- $(python3 - <<'EOF'
import socket
ports, keep = [], []
while len(ports) < 3:
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    u.bind(("127.0.0.1", 0))
    t = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        t.bind(("127.0.0.1", u.getsockname()[1]))
        ports.append(u.getsockname()[1])
        keep += [u, t]
    except OSError:
        u.close(); t.close()
print(*ports)
EOF
)
NSD_PORT=$1
G_PORT=$2
U_PORT=$3

echo "bench-dns64: zone of $HOT + $NAMES A-only names, query files..."
awk -v n="$NAMES" -v hot="$HOT" -v w="$W" 'BEGIN {
	z = w "/example.test.zone"
	print "$ORIGIN example.test.\n$TTL 3600" >z
	print "@ IN SOA ns.example.test. host.example.test. 1 3600 600 86400 3600" >z
	print "@ IN NS ns\nns IN A 127.0.0.1" >z
	for (i = 0; i < hot; i++) {
		printf "h%d IN A 198.51.100.%d\n", i, i >z
		printf "h%d.example.test AAAA\n", i >(w "/hot.txt")
	}
	for (i = 0; i < n; i++) {
		printf "n%d IN A 203.0.113.%d\n", i, i % 256 >z
		printf "n%d.example.test AAAA\n", i >(w "/miss.txt")
	}
}'

cat >"$W/nsd.conf" <<EOF
server:
    ip-address: 127.0.0.1@$NSD_PORT
    port: $NSD_PORT
    username: ""
    chroot: ""
    zonesdir: "$W"
    database: ""
    zonelistfile: "$W/zone.list"
    xfrdfile: "$W/xfrd.state"
    xfrdir: "$W"
    pidfile: "$W/nsd.pid"
    logfile: "$W/nsd.log"
    server-count: 1
    hide-version: yes
    verbosity: 1
    # response rate limiting (on by default in Debian's NSD, 200 qps per
    # source) would truncate and drop most of the 0 % hit upstream queries
    rrl-ratelimit: 0
    rrl-whitelist-ratelimit: 0
remote-control:
    control-enable: no
zone:
    name: example.test
    zonefile: "$W/example.test.zone"
EOF

# comparable settings: one thread, a cache large enough for every name of
# the bench, no DNSSEC validation (no validator module), no prefetch
cat >"$W/unbound.conf" <<EOF
server:
    interface: 127.0.0.1@$U_PORT
    port: $U_PORT
    do-ip6: no
    num-threads: 1
    so-reuseport: no
    username: ""
    chroot: ""
    directory: "$W"
    pidfile: "$W/unbound.pid"
    logfile: "$W/unbound.log"
    use-syslog: no
    verbosity: 1
    do-daemonize: no
    access-control: 127.0.0.0/8 allow
    module-config: "dns64 iterator"
    dns64-prefix: 64:ff9b::/96
    do-not-query-localhost: no
    local-zone: "test." nodefault
    msg-cache-size: 256m
    rrset-cache-size: 256m
    key-cache-size: 1m
    neg-cache-size: 1m
    num-queries-per-thread: 4096
    outgoing-range: 8192
    prefetch: no
    qname-minimisation: no
    minimal-responses: yes
    statistics-interval: 0
remote-control:
    control-enable: no
forward-zone:
    name: "example.test."
    forward-addr: 127.0.0.1@$NSD_PORT
EOF

cat >"$W/gate64.conf" <<EOF
[dns64]
listen = 127.0.0.1:$G_PORT
upstream = 127.0.0.1:$NSD_PORT
allow = 127.0.0.0/8
threads = 1
cache-entries = 1048576
cache-bytes = 256M
max-upstream-queries = 4096
timeout-ms = 1500
retries = 2
prefix = 64:ff9b::/96
EOF
cp "$W"/nsd.conf "$W"/unbound.conf "$W"/gate64.conf "$O"/

# answers PORT NAME: dig's short answer ("" when none)
answers() {
	dig @127.0.0.1 -p "$1" "$2" AAAA +short +tries=1 +time=2 2>/dev/null || true
}
# wait_up PORT PID: until the server answers (about 15 s at most)
wait_up() {
	i=0
	until dig @127.0.0.1 -p "$1" ns.example.test A +tries=1 +time=1 2>/dev/null |
		grep -q 'status: NOERROR'; do
		i=$((i + 1))
		[ $i -lt 30 ] && kill -0 "$2" 2>/dev/null || return 1
		sleep 0.2
	done
}
# cpu_ticks PID: user and system time of the process, in clock ticks
cpu_ticks() {
	awk '{ sub(/^.*\) /, ""); print $12, $13 }' "/proc/$1/stat"
}

echo "bench-dns64: NSD on 127.0.0.1:$NSD_PORT (CPU $NCPU)..."
taskset -c "$NCPU" "$NSD" -d -c "$W/nsd.conf" >"$W/nsd.out" 2>&1 &
NSD_PID=$!
wait_up "$NSD_PORT" "$NSD_PID" || { cat "$W/nsd.out" "$W/nsd.log" >&2 2>/dev/null; echo "bench-dns64: NSD did not start" >&2; exit 1; }

# start SERVER: gate64 or unbound, pinned to the server CPU; sets SRV_PID, PORT
start() {
	case $1 in
	gate64)
		PORT=$G_PORT
		taskset -c "$SCPU" "$BIN" -c "$W/gate64.conf" >"$O/gate64.log" 2>&1 &
		;;
	unbound)
		PORT=$U_PORT
		taskset -c "$SCPU" "$UNBOUND" -d -c "$W/unbound.conf" >"$O/unbound.out" 2>&1 &
		;;
	esac
	SRV_PID=$!
	wait_up "$PORT" "$SRV_PID" || { echo "bench-dns64: $1 did not start ($O/$1.*)" >&2; exit 1; }
}
stop() {
	kill "$SRV_PID" 2>/dev/null || true
	wait "$SRV_PID" 2>/dev/null || true
	SRV_PID=
	[ ! -f "$W/unbound.log" ] || cp "$W/unbound.log" "$O/"
}

# check SERVER: does it synthesize?  Records "SERVER ok|NO" in $W/synth
check() {
	a=$(answers "$PORT" h0.example.test)
	if [ "$a" = "$EXPECT" ]; then
		echo "bench-dns64: $1 synthesizes (h0.example.test AAAA $a)"
		echo "$1 ok" >>"$W/synth"
	else
		echo "bench-dns64: *** $1 DOES NOT SYNTHESIZE: h0.example.test AAAA" \
			"gave '${a:-no answer}', expected $EXPECT ***" >&2
		dig @127.0.0.1 -p "$PORT" h0.example.test AAAA +tries=1 +time=2 >&2 || true
		echo "$1 NO" >>"$W/synth"
	fi
}

# perf SERVER CASE TAG FILE [dnsperf options]: one dnsperf run, pinned;
# appends "SERVER CASE TAG qps lost cpu% p99ms" to $W/results
perf() {
	srv=$1 kind=$2 tag=$3 file=$4
	shift 4
	out=$O/$srv-$kind-$tag.txt
	c0=$(cpu_ticks "$SRV_PID")
	# shellcheck disable=SC2086
	taskset -c "$LCPU" dnsperf -s 127.0.0.1 -p "$PORT" -d "$file" \
		-l "$SECS" $PERF "$@" >"$out" 2>&1 ||
		{ cat "$out" >&2; echo "bench-dns64: dnsperf failed" >&2; exit 1; }
	kill -0 "$SRV_PID" 2>/dev/null ||
		{ echo "bench-dns64: $srv died during the run ($O/$srv.*)" >&2; exit 1; }
	c1=$(cpu_ticks "$SRV_PID")
	qps=$(sed -n 's/^ *Queries per second: *\([0-9.]*\).*/\1/p' "$out")
	lost=$(sed -n 's/^ *Queries lost: *\([0-9]*\).*/\1/p' "$out")
	rt=$(sed -n 's/^ *Run time (s): *\([0-9.]*\).*/\1/p' "$out")
	# -v: "> NOERROR name AAAA 0.000123" per answer (latency in seconds)
	p99=$(awk '$1 == ">" { print $NF }' "$out" | sort -g |
		awk '{ v[NR] = $1 } END {
			if (NR == 0) { print "n/a"; exit }
			i = int(NR * 0.99); if (i < NR * 0.99) i++
			printf "%.3f\n", v[i] * 1000 }')
	# "user% system%" of the server's core over the run
	cpu=$(echo "$c0 $c1" | awk -v t="$rt" -v hz="$(getconf CLK_TCK)" '{
		if (t <= 0) t = 1
		printf "%.1f %.1f", 100 * ($3 - $1) / hz / t, 100 * ($4 - $2) / hz / t }')
	echo "$srv $kind $tag ${qps:-0} ${lost:-0} $cpu $p99" >>"$W/results"
	echo "bench-dns64: $srv, $kind, $tag: ${qps:-0} qps, lost ${lost:-0}," \
		"server CPU (user system) $cpu %, p99 $p99 ms"
	# 0 % hit: the last name asked must now be a synthesized answer
	if [ "$kind" = miss ]; then
		n=$(sed -n 's/^ *Queries completed: *\([0-9]*\).*/\1/p' "$out")
		if [ "${n:-0}" -gt 0 ]; then
			echo "$srv $kind $tag $(answers "$PORT" "n$((n - 1)).example.test" | head -n1)" >>"$W/lastanswers"
		fi
	fi
}

: >"$W/synth"
: >"$W/results"
: >"$W/lastanswers"
# maximum rates: each server fresh, warm-up, 100 % then 0 % hit
for s in unbound gate64; do
	echo "bench-dns64: $s (CPU $SCPU), maximum rate, $SECS s per run..."
	start "$s"
	check "$s"
	taskset -c "$LCPU" dnsperf -s 127.0.0.1 -p "$PORT" -d "$W/hot.txt" -n 2 \
		>"$O/$s-warmup.txt" 2>&1
	perf "$s" hit max "$W/hot.txt"
	perf "$s" miss max "$W/miss.txt" -n 1
	stop
done

# fixed rate for the latency: half the lower maximum, same for both
rate() {
	awk -v c="$1" '$2 == c && $3 == "max" { if (m == "" || $4 < m) m = $4 }
		END { r = int(m / 2 / 1000) * 1000; print (r < 1000 ? 1000 : r) }' "$W/results"
}
RH=${DNS64_RATE_HIT:-$(rate hit)}
RM=${DNS64_RATE_MISS:-$(rate miss)}
for s in unbound gate64; do
	echo "bench-dns64: $s, fixed rate ($RH qps at 100 % hit, $RM at 0 %), latency..."
	start "$s"
	taskset -c "$LCPU" dnsperf -s 127.0.0.1 -p "$PORT" -d "$W/hot.txt" -n 2 \
		>"$O/$s-warmup2.txt" 2>&1
	perf "$s" hit fixed "$W/hot.txt" -Q "$RH" -v
	perf "$s" miss fixed "$W/miss.txt" -n 1 -Q "$RM" -v
	stop
done

kill "$NSD_PID" 2>/dev/null || true
wait "$NSD_PID" 2>/dev/null || true
NSD_PID=
cp "$W/results" "$W/synth" "$W/lastanswers" "$O/"

awk -v rh="$RH" -v rm="$RM" -v secs="$SECS" -v names="$NAMES" \
    -v perf="$PERF" -v cpus="server CPU $SCPU, dnsperf CPU $LCPU, NSD CPU $NCPU" '
FILENAME ~ /synth$/ { syn[$1] = $2; next }
FILENAME ~ /lastanswers$/ { last[$1, $2, $3] = $4; next }
{
	k = $1 SUBSEP $2 SUBSEP $3
	qps[k] = $4; lost[k] = $5; usr[k] = $6; cpu[k] = $6 + $7; p99[k] = $8
	core[k] = cpu[k] > 0 ? qps[k] * 100 / cpu[k] : 0
}
function ratio(a, b) { return b > 0 ? a / b : 0 }
END {
	printf "%-12s %-5s %8s %7s %8s %11s %9s %7s %5s\n", "server", "cache",
	    "qps", "ratio", "p99 ms", "cpu usr+sys", "qps/core", "ratio", "lost"
	split("hit miss", cs, " ")
	split("gate64 unbound", ss, " ")
	for (ci = 1; ci <= 2; ci++) {
		c = cs[ci]
		bm = "unbound" SUBSEP c SUBSEP "max"
		for (si = 1; si <= 2; si++) {
			s = ss[si]
			m = s SUBSEP c SUBSEP "max"; f = s SUBSEP c SUBSEP "fixed"
			printf "%-12s %-5s %8.0f %6.2fx %8s %4.0f%%+%3.0f%% %9.0f %6.2fx %5d\n",
			    (s == "gate64" ? "gate64-dns64" : "unbound"),
			    (c == "hit" ? "100%" : "0%"), qps[m],
			    ratio(qps[m], qps[bm]), p99[f], usr[m], cpu[m] - usr[m],
			    core[m], ratio(core[m], core[bm]), lost[m] + lost[f]
		}
	}
	printf "\nqps: maximum rate, dnsperf %s, %d s (0 %% hit: or until the\n", perf, secs
	printf "%d names run out); ratio: to Unbound in the same case.\n", names
	printf "p99: at a fixed %d qps (100 %% hit) and %d qps (0 %% hit), the same\n", rh, rm
	printf "for both servers, from the per-answer latencies of dnsperf -v (2.10\n"
	printf "prints no percentiles); each server restarted (empty cache) first.\n"
	printf "cpu: the server process (user + system) during the maximum-rate run;\n"
	printf "below 100 %% the server was not the limit (dnsperf on one core, or NSD).\n"
	printf "qps/core = qps / cpu: the rate on a whole core at the same cost per\n"
	printf "query (an extrapolation).  lost: no answer within 5 s, both runs.\n"
	printf "%s; one thread each; Unbound: \"dns64 iterator\", no validator.\n", cpus
	for (s in syn)
		if (syn[s] != "ok")
			printf "*** %s did NOT synthesize (h0.example.test AAAA): forwarding only ***\n", s
	for (k in last) {
		split(k, a, SUBSEP)
		if (last[k] !~ /^64:ff9b::cb00:71/)
			printf "*** %s, 0 %% hit, %s run: the last name asked gave \"%s\", not a synthesized AAAA ***\n", a[1], a[3], last[k]
	}
	h = ratio(qps["gate64", "hit", "max"], qps["unbound", "hit", "max"])
	hc = ratio(core["gate64", "hit", "max"], core["unbound", "hit", "max"])
	m = ratio(qps["gate64", "miss", "max"], qps["unbound", "miss", "max"])
	printf "targets: 100 %% hit >= 2x Unbound %s (%.2fx; per core %.2fx);",
	    (h >= 2 ? "ok" : "MISSED"), h, hc
	printf " 0 %% hit >= Unbound %s (%.2fx)\n", (m >= 1 ? "ok" : "MISSED"), m
}' "$W/synth" "$W/lastanswers" "$W/results" >"$B/dns64.txt"
cat "$B/dns64.txt"
echo "bench-dns64: table in $B/dns64.txt; dnsperf outputs in $O/"
if grep -q ' NO$' "$W/synth"; then
	echo "bench-dns64: FAILED: a server did not synthesize (see above)" >&2
	exit 1
fi
