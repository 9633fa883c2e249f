/*
 * bench_nat64.c - per-packet cost of stateful NAT64 (nat64.c over
 * nat64_db.c and pool4.c) with many live UDP sessions (make bench; never
 * part of make test).  scripts/bench-nat64.sh runs it and prints the table.
 *
 *   bench_nat64 time N         native: ns per packet for a session hit
 *                              each way, the rate of session creation
 *                              6to4 from empty to 90 % full, and
 *                              nat64_db_bytes / max_sessions
 *   bench_nat64 count N K1 K2  under callgrind (--instr-atstart=no): the
 *                              table is filled with instrumentation off,
 *                              then each case runs K1 and K2 iterations
 *                              between CALLGRIND_START_INSTRUMENTATION and
 *                              _STOP, each dumped as "<case>-<K>"; then
 *                              creation 6to4 in a fresh table, the window
 *                              of min(0.9 N, 200 k) creations that ends
 *                              at 90 % full, dumped as "create-<W>"
 *
 * The flows: N UDP sessions, IPv6 sources each in their own /56
 * (subscriber) with 64 flows each, distinct source ports spread over
 * both port classes, to 198.51.100.x port 53.  pool4: 64 addresses
 * (POOL4_MAX_RANGES) x UDP ports 1024-65535 = 4 128 768 ports, one
 * worker; so up to 2 M flows get a BIB entry each, above that every BIB
 * entry carries 3 sessions (three remote addresses) — max_bib is still N
 * (the worst-case sizing, one BIB entry per session), max_subs what the
 * sources need.  Each iteration writes a random flow's addresses and
 * ports into a packet (from a precomputed list of random flows, so that
 * the caches see a realistic spread) and translates it; the "copy"
 * cases do the writing only, to be subtracted.  UDP, 64 bytes of
 * payload; the UDP checksum is not kept right (the core updates it
 * incrementally and never checks it), the IPv4 header checksum is (the
 * core checks it).
 */
#include <arpa/inet.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <valgrind/callgrind.h>

#include "dataplane/xlat/csum.h"
#include "dataplane/xlat/nat64.h"

#define PAYLOAD	      64
#define FLOWS_PER_SRC 64
#define NADDR	      64	  /* POOL4_MAX_RANGES */
#define POOL4_BASE    0xc0000200u /* 192.0.2.0 + 1..64 */
#define REMOTE_BASE   0xc6336400u /* 198.51.100.0 */
#define NRAND	      (1u << 20)
#define TIME_ITERS    2000000ul

struct flow {
	uint32_t src;	/* source number: 2001:db8:SSSS:SS00::1 */
	uint16_t sport; /* IPv6 source port */
	uint16_t p4;	/* its pool4 port, learnt at fill */
	uint32_t r4;	/* remote address, host order */
	uint32_t a4;	/* its pool4 address, learnt at fill */
};

static struct xlat_cfg xc;
static struct nat64_cfg nc;
static struct xlat_stats st;
static struct xlat_ctx x;
static struct nat64_db *db;
static struct nat64 n64;
static struct flow *flows;
static uint32_t nflows, per_bib;
static uint32_t *rnd; /* NRAND random flow indexes */
static uint8_t tmpl6[40 + 8 + PAYLOAD], tmpl4[20 + 8 + PAYLOAD];
static uint8_t buf[XLAT_HEADROOM + 256 + XLAT_TAILROOM];

static void die(const char *m)
{
	fprintf(stderr, "bench_nat64: %s\n", m);
	exit(1);
}

static double now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static void flows_make(uint32_t nsess)
{
	/* one BIB per flow while the pool allows it (2 M: under half the
	 * pool, so the RFC 6056 search stays short), else 3 sessions per
	 * BIB entry */
	per_bib = nsess <= 2000000 ? 1 : 3;
	nflows = nsess;
	flows = malloc((size_t)nsess * sizeof(*flows));
	rnd = malloc(NRAND * sizeof(*rnd));
	if (!flows || !rnd)
		die("out of memory for the flows");
	for (uint32_t k = 0; k < nsess; k++) {
		uint32_t b = k / per_bib, s = b / FLOWS_PER_SRC;
		flows[k].src = s;
		flows[k].sport =
		    (uint16_t)(1024 + (b % FLOWS_PER_SRC) * 1000 + s % 997);
		flows[k].r4 = REMOTE_BASE + 1 + k % per_bib;
		flows[k].a4 = 0;
		flows[k].p4 = 0;
	}
	uint64_t r = 0x9e3779b97f4a7c15ull;
	for (uint32_t i = 0; i < NRAND; i++) {
		r ^= r << 13, r ^= r >> 7, r ^= r << 17;
		rnd[i] = (uint32_t)(r % nsess);
	}
}

static uint32_t nsubs(uint32_t nsess)
{
	return (nsess / per_bib) / FLOWS_PER_SRC + 16;
}

static void templates(void)
{
	struct xlat_ip6 ip6 = {.ver_tc_flow = htonl(6u << 28),
			       .plen = htons(8 + PAYLOAD),
			       .nexthdr = XLAT_IPPROTO_UDP,
			       .hlim = 64};
	inet_pton(AF_INET6, "2001:db8::1", ip6.saddr);
	inet_pton(AF_INET6, "64:ff9b::198.51.100.1", ip6.daddr);
	memcpy(tmpl6, &ip6, 40);
	struct xlat_ip4 ip4 = {.ver_ihl = 0x45,
			       .tot_len = htons(20 + 8 + PAYLOAD),
			       .id = htons(1),
			       .ttl = 64,
			       .proto = XLAT_IPPROTO_UDP};
	memcpy(tmpl4, &ip4, 20);
	for (int t = 0; t < 2; t++) {
		uint8_t *u = t ? tmpl4 + 20 : tmpl6 + 40;
		u[0] = 0x04, u[1] = 0xd2, u[2] = 0, u[3] = 53;
		u[4] = 0, u[5] = 8 + PAYLOAD;
		u[6] = 0x12, u[7] = 0x34; /* not 0: no computing */
		for (int i = 0; i < PAYLOAD; i++)
			u[8 + i] = (uint8_t)(i * 7 + 3);
	}
}

static void db_make(uint32_t nsess)
{
	char err[256];

	nat64_cfg_default(&nc);
	nc.max_sessions = nsess;
	nc.max_bib = nsess;
	nc.max_subs = nsubs(nsess);
	nc.sweep_budget = 64;
	nc.pool4.nworkers = 1;
	for (unsigned i = 0; i < NADDR; i++) {
		nc.pool4.r[i].addr = POOL4_BASE + 1 + i;
		nc.pool4.r[i].proto = NAT64_UDP;
		nc.pool4.r[i].min = 1024;
		nc.pool4.r[i].max = 65535;
	}
	nc.pool4.n = NADDR;
	nc.pool4.key[0] = 0x0123456789abcdefull;
	nc.pool4.key[1] = 0x0fedcba987654321ull;
	db = nat64_db_init(&nc, 0, NULL, err, sizeof(err));
	if (!db)
		die(err);
	if (nat64_init(&n64, &x, db, err, sizeof(err)))
		die(err);
	n64.now = 1000;
}

static void db_free(void)
{
	nat64_fini(&n64);
	nat64_db_fini(db);
	db = NULL;
}

static void setup(void)
{
	char err[256];

	xlat_cfg_default(&xc);
	inet_pton(AF_INET6, "64:ff9b::", xc.pool6.addr);
	xc.pool6.len = 96;
	if (xlat_cfg_check(&xc, err, sizeof(err)))
		die(err);
	xlat_ctx_init(&x, &xc, NULL, &st, 1);
	templates();
}

static inline void wr16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static inline void wr32(uint8_t *p, uint32_t v)
{
	wr16(p, (uint16_t)(v >> 16));
	wr16(p + 2, (uint16_t)v);
}

/* The packet of flow f, 6to4 (IPv6 side). */
static inline struct xlat_pkt pkt6(const struct flow *f)
{
	uint8_t *p = buf + XLAT_HEADROOM;
	memcpy(p, tmpl6, sizeof(tmpl6));
	/* source 2001:db8:SSSS:SS00::1 (the template has 2001:db8::1) */
	p[12] = (uint8_t)(f->src >> 16), p[13] = (uint8_t)(f->src >> 8);
	p[14] = (uint8_t)f->src, p[15] = 0;
	wr32(p + 36, f->r4);
	wr16(p + 40, f->sport);
	return (struct xlat_pkt){p, sizeof(tmpl6)};
}

/* The reply of flow f, 4to6 (IPv4 side). */
static inline struct xlat_pkt pkt4(const struct flow *f)
{
	uint8_t *p = buf + XLAT_HEADROOM;
	memcpy(p, tmpl4, sizeof(tmpl4));
	wr32(p + 12, f->r4);
	wr32(p + 16, f->a4);
	wr16(p + 20, 53);
	wr16(p + 22, f->p4);
	struct xlat_ip4 *ip = (struct xlat_ip4 *)p;
	ip->csum = csum_ip4_hdr(ip);
	return (struct xlat_pkt){p, sizeof(tmpl4)};
}

enum bcase { COPY6, COPY4, HIT6, HIT4, NCASES };
static const char *const case_name[NCASES] = {"copy6", "copy4", "hit6", "hit4"};

/* The measured loops.  noinline: the same body in the timing and the
 * callgrind runs. */
__attribute__((noinline)) static unsigned run(enum bcase c, unsigned long it,
					      uint32_t start)
{
	unsigned acc = 0;
	enum xlat_reason r;

	for (unsigned long i = 0; i < it; i++) {
		const struct flow *f = &flows[rnd[(start + i) & (NRAND - 1)]];
		struct xlat_pkt p = c == HIT4 || c == COPY4 ? pkt4(f) : pkt6(f);
		__asm__ volatile("" : : "r"(&p), "r"(buf) : "memory");
		if (c == HIT6)
			acc += nat64_6to4(&n64, &p, &r);
		else if (c == HIT4)
			acc += nat64_4to6(&n64, &p, &r);
		else
			acc += p.len;
		__asm__ volatile("" : : "r"(&p) : "memory");
	}
	return acc;
}

/* New flows first..first+count-1, 6to4; returns how many were refused. */
__attribute__((noinline)) static unsigned create(uint32_t first, uint32_t count)
{
	unsigned bad = 0;
	enum xlat_reason r;

	for (uint32_t k = first; k < first + count; k++) {
		struct xlat_pkt p = pkt6(&flows[k]);
		__asm__ volatile("" : : "r"(&p), "r"(buf) : "memory");
		bad += nat64_6to4(&n64, &p, &r) != XLAT_FORWARD;
	}
	return bad;
}

/* Learn every flow's pool4 address and port from its BIB entry. */
static void learn(void)
{
	for (uint32_t k = 0; k < nflows; k++) {
		uint8_t s6[16] = {0x20, 0x01, 0x0d, 0xb8};
		s6[4] = (uint8_t)(flows[k].src >> 16);
		s6[5] = (uint8_t)(flows[k].src >> 8);
		s6[6] = (uint8_t)flows[k].src;
		s6[15] = 1;
		uint32_t b = nat64_bib_find6(db, NAT64_UDP, s6, flows[k].sport);
		if (b == NAT64_NONE)
			die("fill: a flow has no BIB entry");
		const struct nat64_bib *e = nat64_bib_get(db, b);
		flows[k].a4 = e->addr4;
		flows[k].p4 = e->port4;
	}
	if (nat64_db_nsess(db) != nflows)
		die("fill: session count differs");
}

/* Fill the table with every flow. */
static void fill(void)
{
	if (create(0, nflows))
		die("fill: flows refused (pool4 or tables too small)");
	learn();
}

static void sanity(void)
{
	enum xlat_reason r;
	for (uint32_t i = 0; i < 64; i++) {
		const struct flow *f = &flows[rnd[i]];
		struct xlat_pkt p = pkt6(f);
		enum xlat_verdict v = nat64_6to4(&n64, &p, &r);
		if (v != XLAT_FORWARD || p.len != sizeof(tmpl4) ||
		    p.data[0] != 0x45)
			die("sanity: 6to4 hit not forwarded");
		p = pkt4(f);
		v = nat64_4to6(&n64, &p, &r);
		if (v != XLAT_FORWARD || p.len != sizeof(tmpl6) ||
		    (p.data[0] >> 4) != 6) {
			fprintf(stderr, "4to6: %s %s\n", xlat_verdict_name(v),
				xlat_reason_name(r));
			die("sanity: 4to6 hit not forwarded");
		}
	}
	if (nat64_db_nsess(db) != nflows)
		die("sanity: a hit created a session");
}

static double best_of(enum bcase c, int runs, unsigned long it)
{
	double best = 1e300;
	run(c, it / 4, 12345); /* warm up */
	for (int k = 0; k < runs; k++) {
		double t0 = now_ns();
		run(c, it, (uint32_t)k * 7919u);
		double t = (now_ns() - t0) / (double)it;
		if (t < best)
			best = t;
	}
	return best;
}

static int cmd_time(uint32_t nsess)
{
	double t0 = now_ns();
	db_make(nsess);
	double t_init = now_ns() - t0;
	size_t bytes = nat64_db_bytes(db);

	/* creation: empty -> 90 % full, timed; repeated on small tables */
	uint32_t ncreate = (uint32_t)(nsess * 0.9);
	unsigned reps = ncreate >= 2000000 ? 1 : 2000000 / ncreate;
	double tc = 0;
	for (unsigned rep = 0; rep < reps; rep++) {
		if (rep) {
			db_free();
			db_make(nsess);
		}
		t0 = now_ns();
		unsigned bad = create(0, ncreate);
		tc += now_ns() - t0;
		if (bad)
			die("create: flows refused");
	}
	/* the rest, then the hits */
	t0 = now_ns();
	if (create(ncreate, nflows - ncreate))
		die("create: flows refused");
	learn();
	double t_fill = now_ns() - t0;
	sanity();

	double ns[NCASES];
	for (int c = 0; c < NCASES; c++)
		ns[c] = best_of((enum bcase)c, 3, TIME_ITERS);
	double create_ns = tc / ((double)ncreate * reps);
	printf("sessions %u\nbib %u\nper_bib %u\nbytes %zu\n", nsess,
	       nat64_db_nbib(db), per_bib, bytes);
	printf("bytes_per_session %.1f\n", (double)bytes / nc.max_sessions);
	for (int c = 0; c < NCASES; c++)
		printf("ns_%s %.2f\n", case_name[c], ns[c]);
	printf("ns_create %.2f\ncreate_per_s %.0f\n", create_ns,
	       1e9 / create_ns);
	fprintf(stderr,
		"bench_nat64: %u sessions: init %.2f s, %u x %u "
		"creations, rest + lookup %.2f s\n",
		nsess, t_init / 1e9, reps, ncreate, t_fill / 1e9);
	db_free();
	return 0;
}

static void measured(const char *name, enum bcase c, unsigned long k)
{
	char dump[64];
	snprintf(dump, sizeof(dump), "%s-%lu", name, k);
	CALLGRIND_ZERO_STATS;
	CALLGRIND_START_INSTRUMENTATION;
	run(c, k, 777);
	CALLGRIND_STOP_INSTRUMENTATION;
	CALLGRIND_DUMP_STATS_AT(dump);
}

static int cmd_count(uint32_t nsess, unsigned long k1, unsigned long k2)
{
	db_make(nsess);
	fill();
	sanity();
	for (int c = 0; c < NCASES; c++) {
		measured(case_name[c], (enum bcase)c, k1);
		measured(case_name[c], (enum bcase)c, k2);
	}
	db_free();

	/* creation near full: the window that ends at 90 % */
	db_make(nsess);
	uint32_t end = (uint32_t)(nsess * 0.9);
	uint32_t w = end < 200000 ? end : 200000;
	if (create(0, end - w))
		die("create: flows refused");
	char dump[64];
	snprintf(dump, sizeof(dump), "create-%u", w);
	CALLGRIND_ZERO_STATS;
	CALLGRIND_START_INSTRUMENTATION;
	unsigned bad = create(end - w, w);
	CALLGRIND_STOP_INSTRUMENTATION;
	CALLGRIND_DUMP_STATS_AT(dump);
	if (bad)
		die("create: flows refused");
	/* the copy the creation loop does, for the net figure */
	snprintf(dump, sizeof(dump), "copy6seq-%u", w);
	CALLGRIND_ZERO_STATS;
	CALLGRIND_START_INSTRUMENTATION;
	for (uint32_t k = end - w; k < end; k++) {
		struct xlat_pkt p = pkt6(&flows[k]);
		__asm__ volatile("" : : "r"(&p), "r"(buf) : "memory");
	}
	CALLGRIND_STOP_INSTRUMENTATION;
	CALLGRIND_DUMP_STATS_AT(dump);
	db_free();
	return 0;
}

int main(int argc, char **argv)
{
	if (argc < 3) {
		fprintf(stderr, "usage: bench_nat64 time N | count N K1 K2\n");
		return 2;
	}
	uint32_t nsess = (uint32_t)strtoul(argv[2], NULL, 10);
	if (nsess < 100)
		die("N: at least 100 sessions");
	setup();
	flows_make(nsess);
	if (!strcmp(argv[1], "time") && argc == 3)
		return cmd_time(nsess);
	if (!strcmp(argv[1], "count") && argc == 5)
		return cmd_count(nsess, strtoul(argv[3], NULL, 10),
				 strtoul(argv[4], NULL, 10));
	fprintf(stderr, "usage: bench_nat64 time N | count N K1 K2\n");
	return 2;
}
