/*
 * fuzz_nat64.c - libFuzzer target: stateful NAT64 (nat64.c, nat64_db.c,
 * pool4.c) driven by a sequence of packets, both directions, against ONE
 * translator per input, with small tables so that every limit is hit.
 *
 * Input:
 *   byte 0  configuration: bit 0 address-dependent filtering, bit 1 port
 *           blocks (8 ports, 2 per subscriber), bit 2 drop inbound SYNs,
 *           bit 3 /128 subscribers (else /56), bit 4 4 sessions per
 *           subscriber, bit 5 a mapping-log ring, bit 6 no held-SYN queue,
 *           bit 7 worker 1 of 2 (else the only worker)
 *   byte 1  bit 0 pool6 2001:db8:122:344::/64 (else 64:ff9b::/96), bit 1
 *           general path (ctx.fast = 0), bits 2-3 sweep budget 1/16/64/256
 *   records [ctl][len: 2 bytes, big-endian][len bytes], until the end:
 *     ctl bits 0-1  0 IPv6 packet (nat64_6to4); 1 IPv4 packet
 *                   (nat64_4to6); 2 IPv4 packet "aimed": its source and
 *                   destination (and an ICMP error's quoted packet) are
 *                   rewritten to the last flow translated 6to4, so that
 *                   replies meet state; 3 control, op = first byte:
 *                   0 static BIB entry, 1 nat64_bib_del, 2 nat64_sess_del,
 *                   3 IPv6 packet aimed at the last mapping (hairpin),
 *                   4 drain the mapping log
 *     ctl bits 2-4  seconds to advance the clock first (tadv[])
 *     ctl bits 5-6  nat64_tick calls after the packet: 0, 1, 3, 16
 *     ctl bit 7     fix the IPv4 header and L4 checksums after aiming
 *   Each packet sits in a fresh buffer of exactly XLAT_HEADROOM + len +
 *   XLAT_TAILROOM bytes (ASan sees any access outside the contract).
 *
 * Invariants, after every record (abort on violation): the packet within
 * its buffer; verdict and reason in range; forward/hairpin output of the
 * right version, lengths agreeing, IPv4 header checksum right, the L4
 * checksum right when the input's was; a forwarded flow's pool4 (6to4) or
 * IPv6 (4to6) transport address is a live BIB entry; ICMP errors built
 * carry a right checksum; nat64_tick's Port Unreachable is a right
 * ICMPv4 message in its buffer.  State: nbib/nsess within the tables and
 * equal to the live slots; every live BIB found by nat64_bib_find6 and
 * nat64_bib_find4 with its own keys, its port in pool4 and counted in
 * pool4_usage, its circular session list exactly its nsess sessions; a dynamic
 * BIB has at least one session; every live session's BIB is live, it is
 * found by nat64_sess_find, its timer and state in range; a free session
 * slot has timer 0.  At the end nat64_fini + nat64_db_fini (LeakSanitizer
 * checks that nothing leaks).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dataplane/xlat/csum.h"
#include "dataplane/xlat/nat64.h"
#include "tests/fuzz/fuzz_l4.h"

#define MAX_BIB	    64
#define MAX_SESS    128
#define MAX_SUBS    16
#define MAX_RECORDS 512
#define TICK_BUF    600 /* nat64.h: XLAT_HEADROOM + 600 bytes */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#include "tests/fuzz/fuzz_check.h"

/* Seconds added to the clock before a record: none, a little, past the
 * TCP_INCOMING_SYN (6 s), ICMP (60 s), UDP (300 s), TRANS (240 s) and
 * EST (7440 s) lifetimes. */
static const uint32_t tadv[8] = {0, 1, 3, 7, 61, 241, 301, 7441};
static const unsigned nticks[4] = {0, 1, 3, 16};
static const uint32_t budgets[4] = {1, 16, 64, 256};

/* pool4 (host order): small ranges across the port classes */
#define P4A 0xc0000201u /* 192.0.2.1 */
#define P4B 0xc0000202u /* 192.0.2.2 */

struct run {
	struct xlat_cfg xc;
	struct nat64_cfg nc;
	struct xlat_stats st;
	struct xlat_ctx x;
	struct nat64_db *db;
	struct nat64 n;
	struct nat64_log_ring ring;
	int has_ring;
	uint32_t now;
	/* the last flow translated 6to4 (host order) */
	int have_last;
	uint8_t last_proto; /* IP protocol of the output */
	uint32_t last_a4, last_r4;
	uint16_t last_p4, last_rp;
};

static uint32_t rd32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

static void wr16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void wr32(uint8_t *p, uint32_t v)
{
	wr16(p, (uint16_t)(v >> 16));
	wr16(p + 2, (uint16_t)v);
}

static void range(struct pool4_cfg *pc, uint32_t addr, uint8_t proto,
		  uint16_t min, uint16_t max)
{
	pc->r[pc->n].addr = addr;
	pc->r[pc->n].proto = proto;
	pc->r[pc->n].min = min;
	pc->r[pc->n].max = max;
	pc->n++;
}

static int run_init(struct run *r, uint8_t c0, uint8_t c1)
{
	char err[256];

	memset(r, 0, sizeof(*r));
	xlat_cfg_default(&r->xc);
	if (c1 & 1) {
		CHECK(inet_pton(AF_INET6,
				"2001:db8:122:344::", r->xc.pool6.addr) == 1);
		r->xc.pool6.len = 64;
	} else {
		CHECK(inet_pton(AF_INET6, "64:ff9b::", r->xc.pool6.addr) == 1);
		r->xc.pool6.len = 96;
	}
	CHECK(inet_pton(AF_INET, "203.0.113.1", &r->xc.pool6791[0]) == 1);
	r->xc.pool6791_n = 1;
	CHECK(inet_pton(AF_INET6, "2001:db8:ffff::1", r->xc.icmp6_src) == 1);
	r->xc.icmp6_src_set = 1;
	r->xc.icmp_rate = 0;
	if (xlat_cfg_check(&r->xc, err, sizeof(err))) {
		fprintf(stderr, "fuzz setup: %s\n", err);
		abort();
	}

	nat64_cfg_default(&r->nc);
	r->nc.adf = c0 & 1;
	r->nc.drop_inbound_syn = (c0 >> 2) & 1;
	r->nc.sub_len = (c0 & 8) ? 128 : 56;
	r->nc.sub_max_sessions = (c0 & 16) ? 4 : 0;
	r->nc.log_sessions = (c0 >> 5) & 1;
	r->nc.held_syn_max = (c0 & 64) ? 0 : 4;
	r->nc.max_bib = MAX_BIB;
	r->nc.max_sessions = MAX_SESS;
	r->nc.max_subs = MAX_SUBS;
	r->nc.sweep_budget = budgets[(c1 >> 2) & 3];
	struct pool4_cfg *pc = &r->nc.pool4;
	/* each 32 ports: two workers x two 8-port blocks fit */
	range(pc, P4A, NAT64_TCP, 1008, 1039);	 /* across 1023/1024 */
	range(pc, P4B, NAT64_TCP, 49136, 49167); /* across 49151/49152 */
	range(pc, P4A, NAT64_UDP, 60000, 60031);
	range(pc, P4B, NAT64_UDP, 2000, 2031);
	range(pc, P4A, NAT64_ICMP, 0, 31);
	pc->nworkers = (c0 & 128) ? 2 : 1;
	if (c0 & 2) {
		pc->block_size = 8;
		pc->max_blocks = 2;
	}
	pc->key[0] = 0x0123456789abcdefull;
	pc->key[1] = 0xfedcba9876543210ull;
	if (nat64_cfg_check(&r->nc, err, sizeof(err))) {
		fprintf(stderr, "fuzz setup: %s\n", err);
		abort();
	}
	if (c0 & 32) {
		CHECK(nat64_log_ring_init(&r->ring, 16) == 0);
		r->has_ring = 1;
	}
	r->db = nat64_db_init(&r->nc, pc->nworkers - 1,
			      r->has_ring ? &r->ring : NULL, err, sizeof(err));
	if (!r->db) {
		fprintf(stderr, "fuzz setup: %s\n", err);
		abort();
	}
	xlat_ctx_init(&r->x, &r->xc, NULL, &r->st, 0x1234567u);
	if (c1 & 2)
		r->x.fast = 0;
	CHECK(nat64_init(&r->n, &r->x, r->db, err, sizeof(err)) == 0);
	r->now = 1000;
	return 0;
}

static void run_fini(struct run *r)
{
	nat64_fini(&r->n);
	nat64_db_fini(r->db);
	if (r->has_ring)
		nat64_log_ring_fini(&r->ring);
}

/* ---- checksums ---- */

static uint32_t csum_at(uint8_t proto)
{
	return proto == XLAT_IPPROTO_TCP   ? 16
	       : proto == XLAT_IPPROTO_UDP ? 6
					   : 2;
}

/* Make an upper-layer checksum right (the "fix" bit). */
static void l4_fix(int v6, const uint8_t *ip, uint8_t *l4, uint32_t l4len,
		   uint8_t proto)
{
	uint32_t n = l4len, s;

	if (proto == XLAT_IPPROTO_UDP) {
		if (l4len < 8)
			return;
		n = rd16(l4 + 4);
		if (n < 8 || n > l4len)
			return;
	} else if (proto == XLAT_IPPROTO_TCP) {
		if (l4len < 20)
			return;
	} else if ((v6 && proto == XLAT_IPPROTO_ICMPV6) ||
		   (!v6 && proto == XLAT_IPPROTO_ICMP)) {
		if (l4len < 8)
			return;
	} else {
		return;
	}
	uint32_t at = csum_at(proto);
	l4[at] = l4[at + 1] = 0;
	if (v6) {
		struct xlat_ip6 h;
		memcpy(&h, ip, sizeof(h));
		s = csum_pseudo6(&h, n, proto);
	} else if (proto == XLAT_IPPROTO_ICMP) {
		s = 0;
	} else {
		uint32_t sa, da;
		memcpy(&sa, ip + 12, 4);
		memcpy(&da, ip + 16, 4);
		s = csum_pseudo4(sa, da, (uint16_t)n, proto);
	}
	uint16_t c = (uint16_t)~csum_fold32(csum_partial(l4, n, s));
	if (proto == XLAT_IPPROTO_UDP && !c)
		c = 0xffff;
	memcpy(l4 + at, &c, 2);
}

static void fix4(uint8_t *p, uint32_t len)
{
	if (len < 20 || (p[0] >> 4) != 4 || (p[0] & 0xf) < 5)
		return;
	uint32_t hl = (p[0] & 0xfu) * 4, tot = rd16(p + 2);
	if (hl > len)
		return;
	p[10] = p[11] = 0;
	uint16_t c = (uint16_t)~csum_fold32(csum_partial(p, hl, 0));
	memcpy(p + 10, &c, 2);
	if (tot > len || tot < hl || (rd16(p + 6) & 0x3fff))
		return;
	l4_fix(0, p, p + hl, tot - hl, p[9]);
}

static void fix6(uint8_t *p, uint32_t len)
{
	if (len < 40 || (p[0] >> 4) != 6)
		return;
	uint32_t tot = 40u + rd16(p + 4);
	if (tot > len)
		return;
	l4_fix(1, p, p + 40, tot - 40, p[6]);
}

static int icmp_err4(uint8_t type)
{
	return type == 3 || type == 4 || type == 5 || type == 11 || type == 12;
}

/* What we know about the input before the core touches it. */
struct before {
	int plain;     /* unfragmented, L4 right after the IP header */
	uint8_t proto; /* upper layer */
	int l4_ok;     /* l4_check of the input */
	uint8_t ttl;
};

static void look_before(int v6, const uint8_t *p, uint32_t len,
			struct before *b)
{
	memset(b, 0, sizeof(*b));
	b->l4_ok = -1;
	if (!v6) {
		if (len < 20 || (p[0] >> 4) != 4 || (p[0] & 0xf) < 5)
			return;
		uint32_t hl = (p[0] & 0xfu) * 4, tot = rd16(p + 2);
		if (tot > len || tot < hl)
			return;
		b->ttl = p[8];
		b->proto = p[9];
		b->plain = !(rd16(p + 6) & 0x3fff);
		if (!b->plain)
			return;
		b->l4_ok = l4_check(0, p, p + hl, tot - hl, p[9]);
		if (p[9] == XLAT_IPPROTO_ICMP && b->l4_ok >= 0 &&
		    !is_echo(p[hl]))
			b->l4_ok = -1;
		return;
	}
	if (len < 40 || (p[0] >> 4) != 6)
		return;
	uint32_t tot = 40u + rd16(p + 4);
	if (tot > len)
		return;
	b->ttl = p[7];
	b->proto = p[6];
	b->plain = p[6] == XLAT_IPPROTO_TCP || p[6] == XLAT_IPPROTO_UDP ||
		   p[6] == XLAT_IPPROTO_ICMPV6;
	if (!b->plain)
		return;
	b->l4_ok = l4_check(1, p, p + 40, tot - 40, p[6]);
	if (p[6] == XLAT_IPPROTO_ICMPV6 && b->l4_ok >= 0 && !is_echo(p[40]))
		b->l4_ok = -1;
}

static uint8_t pidx(uint8_t ipproto)
{
	return ipproto == XLAT_IPPROTO_TCP   ? NAT64_TCP
	       : ipproto == XLAT_IPPROTO_UDP ? NAT64_UDP
					     : NAT64_ICMP;
}

/* ---- output checks ---- */

/* An IPv4 packet out of 6to4: a flow's source is a live BIB entry. */
static void check_out4_flow(struct run *r, const uint8_t *o, uint32_t len)
{
	uint8_t proto = o[9];
	const uint8_t *l4 = o + 20;

	if (rd16(o + 6) & 0x1fff) /* not a first fragment */
		return;
	if (proto == XLAT_IPPROTO_ICMP && len >= 28 && icmp_err4(l4[0])) {
		/* a translated ICMPv6 error: its source is a mapping's
		 * address */
		CHECK(pool4_contains(&r->nc.pool4, rd32(o + 12), NAT64_UDP) ||
		      pool4_contains(&r->nc.pool4, rd32(o + 12), NAT64_TCP) ||
		      pool4_contains(&r->nc.pool4, rd32(o + 12), NAT64_ICMP));
		return;
	}
	uint16_t port;
	if (proto == XLAT_IPPROTO_TCP || proto == XLAT_IPPROTO_UDP) {
		if (len < 24)
			return;
		port = rd16(l4);
		r->last_rp = rd16(l4 + 2);
	} else if (proto == XLAT_IPPROTO_ICMP && len >= 28 && is_echo(l4[0])) {
		port = rd16(l4 + 4);
		r->last_rp = port;
	} else {
		CHECK(0); /* nothing else is translated statefully */
		return;
	}
	CHECK(nat64_bib_find4(r->db, pidx(proto), rd32(o + 12), port) !=
	      NAT64_NONE);
	r->have_last = 1;
	r->last_proto = proto;
	r->last_a4 = rd32(o + 12);
	r->last_p4 = port;
	r->last_r4 = rd32(o + 16);
}

/* An IPv6 packet out of 4to6 (or a hairpin): its destination is a live
 * BIB entry. */
static void check_out6_flow(struct run *r, const uint8_t *o, uint32_t len)
{
	uint8_t proto = o[6];
	const uint8_t *l4 = o + 40;

	if (proto == XLAT_IPPROTO_FRAGMENT) {
		if (len < 48 || (rd16(o + 42) & 0xfff8))
			return;
		proto = o[40];
		l4 += 8;
		len -= 8;
	}
	if (proto == XLAT_IPPROTO_ICMPV6 && len >= 48 && !is_echo(l4[0]))
		return; /* a translated ICMPv4 error */
	uint16_t port;
	if (proto == XLAT_IPPROTO_TCP || proto == XLAT_IPPROTO_UDP) {
		if (len < 44)
			return;
		port = rd16(l4 + 2);
	} else if (proto == XLAT_IPPROTO_ICMPV6 && len >= 48) {
		port = rd16(l4 + 4);
	} else {
		CHECK(0);
		return;
	}
	CHECK(nat64_bib_find6(r->db, pidx(proto), o + 24, port) != NAT64_NONE);
}

static void check_verdict(struct run *r, int v6in, enum xlat_verdict v,
			  enum xlat_reason why, const struct before *b,
			  const uint8_t *buf, size_t total,
			  const struct xlat_pkt *pkt)
{
	CHECK((unsigned)v < XLAT_VERDICT_MAX);
	CHECK((unsigned)why < XLAT_R_MAX);
	CHECK(pkt->data >= buf && pkt->data <= buf + total);
	CHECK(pkt->len <= total && pkt->data + pkt->len <= buf + total);
#ifdef FUZZ_DEBUG
	fprintf(stderr, "  %s: %s %s (%u bytes)\n", v6in ? "6to4" : "4to6",
		xlat_verdict_name(v), xlat_reason_name(why), pkt->len);
#endif
	const uint8_t *o = pkt->data;
	switch (v) {
	case XLAT_FORWARD:
		CHECK(why == XLAT_R_NONE);
		if (v6in) {
			check_ip4_out(o, pkt->len);
			CHECK(o[8] == (uint8_t)(b->ttl - 1));
			if (b->plain && b->proto == XLAT_IPPROTO_ICMPV6 &&
			    o[9] == XLAT_IPPROTO_ICMP && pkt->len >= 28 &&
			    !is_echo(o[20]))
				check_icmp_csum(0, o, 20, pkt->len);
			if (b->plain && b->l4_ok == 1)
				CHECK(l4_check(0, o, o + 20, pkt->len - 20,
					       o[9]) == 1);
			check_out4_flow(r, o, pkt->len);
		} else {
			check_ip6_out(o, pkt->len);
			CHECK(o[7] == (uint8_t)(b->ttl - 1));
			if (b->plain && b->proto == XLAT_IPPROTO_ICMP &&
			    o[6] == XLAT_IPPROTO_ICMPV6 && pkt->len >= 48 &&
			    !is_echo(o[40]))
				check_icmp_csum(1, o, 40, pkt->len);
			if (b->plain && b->l4_ok == 1)
				CHECK(l4_check(1, o, o + 40, pkt->len - 40,
					       o[6]) == 1);
			check_out6_flow(r, o, pkt->len);
		}
		break;
	case XLAT_HAIRPIN:
		CHECK(why == XLAT_R_NONE);
		CHECK(v6in);
		check_ip6_out(o, pkt->len);
		/* translated twice: one hop each way; or, when the second
		 * leg answered with an ICMPv4 error (TTL, size), that error
		 * translated for the IPv6 sender (nat64.c hairpin()): an
		 * ICMPv6 error with the translator's own hop limit */
		if (pkt->len >= 48 && o[6] == XLAT_IPPROTO_ICMPV6 &&
		    o[40] < 128)
			CHECK(o[7] == 63);
		else
			CHECK(o[7] == (uint8_t)(b->ttl - 2));
		if (b->plain && b->l4_ok == 1)
			CHECK(l4_check(1, o, o + 40, pkt->len - 40, o[6]) == 1);
		check_out6_flow(r, o, pkt->len);
		break;
	case XLAT_FRAGMENT:
		/* a hairpinned packet is IPv6 -> IPv4 -> IPv6 too */
		CHECK(why == XLAT_R_NONE);
		check_ip6_out(o, pkt->len);
		CHECK(o[6] == XLAT_IPPROTO_FRAGMENT);
		CHECK(pkt->len > r->xc.lowest_ipv6_mtu);
		break;
	case XLAT_ICMP:
		CHECK(why != XLAT_R_NONE);
		if (o[0] >> 4 == 4) {
			/* to the IPv4 sender: only for an IPv4 packet (an
			 * error made on a hairpin's second leg is translated
			 * for the IPv6 sender, nat64.c hairpin()) */
			CHECK(!v6in);
			CHECK(pkt->len <= 576);
			check_ip4_out(o, pkt->len);
			CHECK(o[9] == XLAT_IPPROTO_ICMP);
			check_icmp_csum(0, o, 20, pkt->len);
		} else {
			CHECK(v6in);
			CHECK(pkt->len <= 1280);
			check_ip6_out(o, pkt->len);
			CHECK(o[6] == XLAT_IPPROTO_ICMPV6);
			check_icmp_csum(1, o, 40, pkt->len);
		}
		break;
	case XLAT_PASS:
	case XLAT_DROP: CHECK(why != XLAT_R_NONE); break;
	default: CHECK(0);
	}
}

/* ---- the state's invariants ---- */

static void check_db(struct run *r)
{
	struct nat64_db *db = r->db;
	uint32_t nbib = nat64_db_nbib(db), nsess = nat64_db_nsess(db);
	uint32_t per_bib[MAX_BIB], live_bib = 0, live_sess = 0, sum = 0;
	uint64_t per_proto[NAT64_NPROTO] = {0, 0, 0};

	CHECK(nbib <= MAX_BIB);
	CHECK(nsess <= MAX_SESS);
	CHECK(nat64_bib_get(db, MAX_BIB) == NULL);
	CHECK(nat64_sess_get(db, MAX_SESS) == NULL);
	memset(per_bib, 0, sizeof(per_bib));

	for (uint32_t i = 0; i < MAX_SESS; i++) {
		const struct nat64_sess *s = nat64_sess_get(db, i);
		CHECK(s);
		if (s->bib == NAT64_NONE) {
			CHECK(s->timer == 0);
			continue;
		}
		live_sess++;
		CHECK(s->bib < MAX_BIB);
		const struct nat64_bib *b = nat64_bib_get(db, s->bib);
		CHECK(b && b->proto < NAT64_NPROTO);
		CHECK(s->timer > NAT64_T_NONE && s->timer < NAT64_NTIMERS);
		if (b->proto == NAT64_TCP)
			CHECK(s->state > NAT64_TCP_CLOSED &&
			      s->state < NAT64_TCP_NSTATES);
		else
			CHECK(s->state == 0);
		if (b->proto == NAT64_ICMP)
			CHECK(s->rport == 0);
		CHECK(nat64_sess_find(db, s->bib, s->raddr4, s->rport) == i);
		per_bib[s->bib]++;
	}
	CHECK(live_sess == nsess);

	for (uint32_t i = 0; i < MAX_BIB; i++) {
		const struct nat64_bib *b = nat64_bib_get(db, i);
		CHECK(b);
		if (b->proto >= NAT64_NPROTO) {
			CHECK(per_bib[i] == 0);
			continue;
		}
		live_bib++;
		sum += b->nsess;
		per_proto[b->proto]++;
		CHECK(b->nsess == per_bib[i]);
		CHECK(nat64_bib_find6(db, b->proto, b->src6, b->sport6) == i);
		CHECK(nat64_bib_find4(db, b->proto, b->addr4, b->port4) == i);
		CHECK(pool4_contains(&r->nc.pool4, b->addr4, b->proto));
		if (b->is_static) {
			CHECK(b->sub == NAT64_NONE);
		} else {
			CHECK(b->sub < MAX_SUBS);
			CHECK(b->nsess >= 1); /* else it would leak */
		}
		/* its session list (circular, from the newest): exactly
		 * its sessions */
		CHECK((b->sess == NAT64_NONE) == (b->nsess == 0));
		uint32_t k = 0, j = b->sess;
		while (j != NAT64_NONE) {
			CHECK(k < b->nsess);
			const struct nat64_sess *s = nat64_sess_get(db, j);
			CHECK(s && s->bib == i);
			k++;
			j = s->bnext;
			if (j == b->sess)
				break;
		}
		CHECK(k == b->nsess);
	}
	CHECK(live_bib == nbib);
	CHECK(sum == nsess);

	for (uint8_t p = 0; p < NAT64_NPROTO; p++) {
		uint64_t used, total;
		pool4_usage(nat64_db_pool4(db), p, &used, &total);
		CHECK(used == per_proto[p]);
		CHECK(used <= total);
	}
	CHECK(r->n.nheld <= r->n.held_max);
}

/* ---- records ---- */

static void tick(struct run *r, unsigned times)
{
	for (unsigned t = 0; t < times; t++) {
		for (unsigned k = 0; k <= (unsigned)r->n.held_max + 1u; k++) {
			size_t total = XLAT_HEADROOM + TICK_BUF;
			uint8_t *buf = malloc(total);
			CHECK(buf);
			memset(buf, 0xa5, total);
			struct xlat_pkt out = {buf + XLAT_HEADROOM, 0};
			int rc = nat64_tick(&r->n, &out);
			CHECK(rc == 0 || rc == 1);
			if (rc == 1) {
				CHECK(out.data >= buf &&
				      out.data + out.len <= buf + total);
				CHECK(out.len <= 576);
				check_ip4_out(out.data, out.len);
				CHECK(out.data[9] == XLAT_IPPROTO_ICMP);
				CHECK(out.data[20] == 3 && out.data[21] == 3);
				check_icmp_csum(0, out.data, 20, out.len);
			}
			free(buf);
			if (rc == 0)
				break;
			CHECK(k <= r->n.held_max); /* one per held SYN */
		}
	}
}

/* Rewrite an IPv4 packet toward the last flow: the remote sends to the
 * mapping (or quotes what the mapping sent). */
static void aim4(struct run *r, uint8_t *p, uint32_t len)
{
	if (!r->have_last || len < 20 || (p[0] >> 4) != 4)
		return;
	uint32_t hl = (p[0] & 0xfu) * 4;
	if (hl < 20 || hl > len)
		return;
	wr32(p + 12, r->last_r4);
	wr32(p + 16, r->last_a4);
	uint8_t *l4 = p + hl;
	uint32_t avail = len - hl;
	if ((p[9] == XLAT_IPPROTO_TCP || p[9] == XLAT_IPPROTO_UDP) &&
	    avail >= 4) {
		wr16(l4, r->last_rp);
		wr16(l4 + 2, r->last_p4);
	} else if (p[9] == XLAT_IPPROTO_ICMP && avail >= 8 && is_echo(l4[0])) {
		wr16(l4 + 4, r->last_p4);
	} else if (p[9] == XLAT_IPPROTO_ICMP && avail >= 28) {
		/* an error quoting what the mapping sent to the remote */
		uint8_t *in = l4 + 8;
		uint32_t ihl = (in[0] & 0xfu) * 4;
		wr32(in + 12, r->last_a4);
		wr32(in + 16, r->last_r4);
		in[9] = r->last_proto;
		if (ihl >= 20 && avail >= 8 + ihl + 8) {
			uint8_t *il4 = in + ihl;
			if (r->last_proto == XLAT_IPPROTO_ICMP) {
				il4[0] = 8;
				il4[1] = 0;
				wr16(il4 + 4, r->last_p4);
			} else {
				wr16(il4, r->last_p4);
				wr16(il4 + 2, r->last_rp);
			}
		}
	}
}

/* Rewrite an IPv6 packet's destination to the pool6 image of the last
 * mapping (hairpinning, RFC 6146 §3.8). */
static void aim6(struct run *r, uint8_t *p, uint32_t len)
{
	if (!r->have_last || len < 40 || (p[0] >> 4) != 6)
		return;
	uint32_t a = htonl(r->last_a4);
	rfc6052_pfx_embed(&r->x.pool6, a, p + 24);
	if ((p[6] == XLAT_IPPROTO_TCP || p[6] == XLAT_IPPROTO_UDP) && len >= 44)
		wr16(p + 42, r->last_p4);
}

static void packet(struct run *r, int v6, int aim, int fix, const uint8_t *d,
		   size_t len)
{
	size_t total = XLAT_HEADROOM + len + XLAT_TAILROOM;
	uint8_t *buf = malloc(total);
	struct before b;
	enum xlat_reason why = XLAT_R_MAX;
	enum xlat_verdict v;

	CHECK(buf);
	memset(buf, 0xa5, total);
	memcpy(buf + XLAT_HEADROOM, d, len);
	uint8_t *p = buf + XLAT_HEADROOM;
	if (aim)
		v6 ? aim6(r, p, (uint32_t)len) : aim4(r, p, (uint32_t)len);
	if (fix)
		v6 ? fix6(p, (uint32_t)len) : fix4(p, (uint32_t)len);
	look_before(v6, p, (uint32_t)len, &b);

	struct xlat_pkt pkt = {p, (uint32_t)len};
	uint64_t in0 = r->st.in[0] + r->st.in[1];
	v = v6 ? nat64_6to4(&r->n, &pkt, &why) : nat64_4to6(&r->n, &pkt, &why);
	CHECK(r->st.in[0] + r->st.in[1] > in0);
	check_verdict(r, v6, v, why, &b, buf, total, &pkt);
	free(buf);
}

static void control(struct run *r, const uint8_t *d, size_t len, int fix)
{
	if (len < 1)
		return;
	switch (d[0] % 5) {
	case 0: { /* a static BIB entry */
		if (len < 23)
			return;
		uint8_t proto = d[1] % NAT64_NPROTO;
		uint32_t a4 = (d[20] & 1) ? P4B : P4A;
		uint16_t sp = rd16(d + 18), p4 = rd16(d + 21);
		int rc = nat64_bib_add_static(r->db, proto, d + 2, sp, a4, p4);
		CHECK(rc == 0 || rc == -EEXIST || rc == -ENOENT ||
		      rc == -EBUSY || rc == -ENOSPC);
		if (rc == 0) {
			uint32_t i = nat64_bib_find6(r->db, proto, d + 2, sp);
			CHECK(i != NAT64_NONE);
			CHECK(nat64_bib_find4(r->db, proto, a4, p4) == i);
			CHECK(nat64_bib_get(r->db, i)->is_static);
		}
		break;
	}
	case 1:
		if (len >= 3)
			nat64_bib_del(r->db, rd16(d + 1) % (MAX_BIB + 2),
				      r->now);
		break;
	case 2:
		if (len >= 3)
			nat64_sess_del(r->db, rd16(d + 1) % (MAX_SESS + 2),
				       r->now);
		break;
	case 3: packet(r, 1, 1, fix, d + 1, len - 1); break;
	case 4:
		if (r->has_ring) {
			struct nat64_log_event ev[8];
			unsigned n = nat64_log_pop(&r->ring, ev, 8);
			CHECK(n <= 8);
			for (unsigned i = 0; i < n; i++) {
				char line[512];
				CHECK(ev[i].proto < NAT64_NPROTO);
				CHECK(nat64_log_format(&ev[i], line,
						       sizeof(line)) > 0);
			}
		}
		break;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct run *r;
	size_t off = 2;
	unsigned nrec = 0;

	if (size < 2)
		return 0;
	r = malloc(sizeof(*r));
	CHECK(r);
	run_init(r, data[0], data[1]);
	while (off + 3 <= size && nrec++ < MAX_RECORDS) {
		uint8_t ctl = data[off];
		size_t len = rd16(data + off + 1);
		off += 3;
		if (len > size - off)
			len = size - off;
		const uint8_t *p = data + off;
		off += len;

		r->now += tadv[(ctl >> 2) & 7];
		r->n.now = r->now;
		r->x.now_ns = (uint64_t)r->now * 1000000000ull;
		int fix = ctl >> 7;
#ifdef FUZZ_DEBUG
		fprintf(stderr, "record %u: ctl %02x len %zu now %u\n", nrec,
			ctl, len, r->now);
#endif
		switch (ctl & 3) {
		case 0: packet(r, 1, 0, fix, p, len); break;
		case 1: packet(r, 0, 0, fix, p, len); break;
		case 2: packet(r, 0, 1, fix, p, len); break;
		default: control(r, p, len, fix); break;
		}
		tick(r, nticks[(ctl >> 5) & 3]);
		check_db(r);
	}
	run_fini(r);
	free(r);
	return 0;
}
