/*
 * bench_xlat.c - per-packet cost of the stateless core (make bench; never
 * part of make test).
 *
 *   bench_xlat                 time every case: ns/packet, best of 5 runs
 *   bench_xlat --iter CASE N   run N iterations of one case and exit (for
 *                              callgrind: scripts/bench.sh runs it with two
 *                              N and takes the difference)
 *   bench_xlat --list          the case names
 *
 * Every case restores the packet from a template and translates it, in
 * place, once per iteration; "copy" only restores it, so that the cost of
 * the restore can be subtracted.  Configuration: pool6 64:ff9b::/96, an
 * empty EAM table, defaults otherwise; the "-general" cases force the
 * general path (ctx.fast = 0), the one every packet the fast path does not
 * take goes through.  Packets: 64 bytes of payload.
 */
#include <arpa/inet.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dataplane/xlat/csum.h"
#include "dataplane/xlat/xlat.h"

#define PAYLOAD 64
#define ITERS	10000000ul
#define RUNS	5

enum kind { COPY, TO6, TO4 };

struct bcase {
	const char *name;
	enum kind kind;
	int general;   /* 1: force the general path (ctx.fast = 0) */
	uint8_t proto; /* 17, 6, 1 (echo) */
	uint8_t tmpl[256];
	uint32_t len;
};

static struct bcase cases[] = {
    {"copy", COPY, 0, 17, {0}, 0},
    {"udp-4to6", TO6, 0, 17, {0}, 0},
    {"udp-6to4", TO4, 0, 17, {0}, 0},
    {"tcp-4to6", TO6, 0, 6, {0}, 0},
    {"tcp-6to4", TO4, 0, 6, {0}, 0},
    {"icmp-4to6", TO6, 0, 1, {0}, 0},
    {"icmp-6to4", TO4, 0, 58, {0}, 0},
    {"udp-4to6-general", TO6, 1, 17, {0}, 0},
    {"udp-6to4-general", TO4, 1, 17, {0}, 0},
    {"tcp-4to6-general", TO6, 1, 6, {0}, 0},
    {"tcp-6to4-general", TO4, 1, 6, {0}, 0},
    {"icmp-4to6-general", TO6, 1, 1, {0}, 0},
    {"icmp-6to4-general", TO4, 1, 58, {0}, 0},
};
#define NCASES (sizeof(cases) / sizeof(cases[0]))

static struct xlat_cfg cfg;
static struct xlat_eamt *eamt;
static struct xlat_stats st;
static struct xlat_ctx ctx, ctx_general;
static uint8_t buf[XLAT_HEADROOM + 256 + XLAT_TAILROOM];

static void die(const char *m)
{
	fprintf(stderr, "bench_xlat: %s\n", m);
	exit(1);
}

/* Upper layer of PAYLOAD bytes; checksum computed by the caller. */
static uint32_t l4_body(uint8_t *p, uint8_t proto, uint32_t *csum_at)
{
	uint32_t h;
	memset(p, 0, 20);
	if (proto == 17) {
		h = 8;
		p[0] = 0x04, p[1] = 0xd2, p[2] = 0x00, p[3] = 0x35;
		p[4] = 0, p[5] = (uint8_t)(8 + PAYLOAD);
		*csum_at = 6;
	} else if (proto == 6) {
		h = 20;
		p[0] = 0x04, p[1] = 0xd2, p[2] = 0x00, p[3] = 0x50;
		p[12] = 0x50, p[13] = 0x18, p[14] = 0x20;
		*csum_at = 16;
	} else {
		h = 8;
		p[0] = proto == 1 ? 8 : 128; /* echo request */
		p[5] = 7, p[7] = 1;
		*csum_at = 2;
	}
	for (uint32_t i = 0; i < PAYLOAD; i++)
		p[h + i] = (uint8_t)(i * 7 + 3);
	return h + PAYLOAD;
}

static void build(struct bcase *c)
{
	uint8_t *p = c->tmpl;
	uint32_t at, s;

	if (c->kind != TO4) { /* IPv4: 198.51.100.10 -> 192.0.2.33 */
		uint32_t l4 = l4_body(p + 20, c->proto, &at);
		struct xlat_ip4 ip = {.ver_ihl = 0x45,
				      .tot_len = htons((uint16_t)(20 + l4)),
				      .id = htons(1),
				      .ttl = 64,
				      .proto = c->proto};
		inet_pton(AF_INET, "198.51.100.10", &ip.saddr);
		inet_pton(AF_INET, "192.0.2.33", &ip.daddr);
		ip.csum = csum_ip4_hdr(&ip);
		memcpy(p, &ip, 20);
		s = c->proto == 1 ? 0
				  : csum_pseudo4(ip.saddr, ip.daddr,
						 (uint16_t)l4, c->proto);
		uint16_t k =
		    (uint16_t)~csum_fold32(csum_partial(p + 20, l4, s));
		memcpy(p + 20 + at, &k, 2);
		c->len = 20 + l4;
	} else { /* IPv6: 64:ff9b::198.51.100.10 -> 64:ff9b::192.0.2.33 */
		uint32_t l4 = l4_body(p + 40, c->proto, &at);
		struct xlat_ip6 ip = {.ver_tc_flow = htonl(6u << 28),
				      .plen = htons((uint16_t)l4),
				      .nexthdr = c->proto,
				      .hlim = 64};
		inet_pton(AF_INET6, "64:ff9b::198.51.100.10", ip.saddr);
		inet_pton(AF_INET6, "64:ff9b::192.0.2.33", ip.daddr);
		memcpy(p, &ip, 40);
		s = csum_pseudo6(&ip, l4, c->proto);
		uint16_t k =
		    (uint16_t)~csum_fold32(csum_partial(p + 40, l4, s));
		memcpy(p + 40 + at, &k, 2);
		c->len = 40 + l4;
	}
}

static void setup(void)
{
	char msg[256];

	xlat_cfg_default(&cfg);
	inet_pton(AF_INET6, "64:ff9b::", cfg.pool6.addr);
	cfg.pool6.len = 96;
	if (xlat_cfg_check(&cfg, msg, sizeof(msg)))
		die(msg);
	eamt = malloc(sizeof(*eamt));
	if (!eamt)
		die("out of memory");
	eam_init(eamt);
	eam_build(eamt);
	xlat_ctx_init(&ctx, &cfg, eamt, &st, 1);
	xlat_ctx_init(&ctx_general, &cfg, eamt, &st, 1);
	ctx_general.fast = 0;
	for (size_t i = 0; i < NCASES; i++)
		build(&cases[i]);
}

/* The measured loop.  noinline: one body per case kind, the same in the
 * timing and the callgrind runs. */
__attribute__((noinline)) static unsigned run(const struct bcase *c,
					      unsigned long n)
{
	unsigned acc = 0;
	enum xlat_reason r;
	struct xlat_ctx *x = c->general ? &ctx_general : &ctx;

	for (unsigned long i = 0; i < n; i++) {
		memcpy(buf + XLAT_HEADROOM, c->tmpl, c->len);
		struct xlat_pkt p = {buf + XLAT_HEADROOM, c->len};
		__asm__ volatile("" : : "r"(&p), "r"(buf) : "memory");
		if (c->kind == TO6)
			acc += xlat_4to6(x, &p, &r);
		else if (c->kind == TO4)
			acc += xlat_6to4(x, &p, &r);
		else
			acc += p.len;
		__asm__ volatile("" : : "r"(&p) : "memory");
	}
	return acc;
}

static void sanity(const struct bcase *c)
{
	enum xlat_reason r;
	struct xlat_pkt p = {buf + XLAT_HEADROOM, c->len};

	if (c->kind == COPY)
		return;
	struct xlat_ctx *x = c->general ? &ctx_general : &ctx;
	memcpy(buf + XLAT_HEADROOM, c->tmpl, c->len);
	enum xlat_verdict v =
	    c->kind == TO6 ? xlat_4to6(x, &p, &r) : xlat_6to4(x, &p, &r);
	if (v != XLAT_FORWARD) {
		fprintf(stderr, "bench_xlat: %s: %s %s\n", c->name,
			xlat_verdict_name(v), xlat_reason_name(r));
		exit(1);
	}
}

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static const struct bcase *find(const char *name)
{
	for (size_t i = 0; i < NCASES; i++)
		if (!strcmp(cases[i].name, name))
			return &cases[i];
	fprintf(stderr, "bench_xlat: no case '%s' (--list)\n", name);
	exit(2);
}

int main(int argc, char **argv)
{
	setup();
	for (size_t i = 0; i < NCASES; i++)
		sanity(&cases[i]);
	if (argc == 2 && !strcmp(argv[1], "--list")) {
		for (size_t i = 0; i < NCASES; i++)
			printf("%s\n", cases[i].name);
		return 0;
	}
	if (argc == 4 && !strcmp(argv[1], "--iter")) {
		const struct bcase *c = find(argv[2]);
		unsigned long n = strtoul(argv[3], NULL, 10);
		unsigned acc = run(c, n);
		printf("%s %lu %u\n", c->name, n, acc);
		return 0;
	}
	if (argc != 1) {
		fprintf(stderr, "usage: bench_xlat [--list | --iter CASE N]\n");
		return 2;
	}
	/* "case ns/pkt" lines, best of RUNS runs of ITERS iterations */
	for (size_t i = 0; i < NCASES; i++) {
		double best = 1e300;
		run(&cases[i], ITERS / 10); /* warm up */
		for (int k = 0; k < RUNS; k++) {
			double t0 = now();
			run(&cases[i], ITERS);
			double t = (now() - t0) / ITERS;
			if (t < best)
				best = t;
		}
		printf("%s %.2f\n", cases[i].name, best);
	}
	return 0;
}
