/*
 * test_nat64.c - stateful NAT64 (dataplane/xlat/nat64.c) packet by packet:
 * mapping and filtering (RFC 6146 §3.5.1), the TCP state machine
 * (§3.5.2.2) with simultaneous open, ICMP query and errors (§3.5.3, §3.5.4),
 * hairpinning (§3.8), expiry (§3.5, §4), limits and loops (§5.3).
 */
#include <arpa/inet.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "dataplane/xlat/nat64.h"
#include "dataplane/xlat/xlat_priv.h"

#define H6    "2001:db8:1::10" /* an IPv6-only client */
#define H6B   "2001:db8:2::20" /* another, other subscriber */
#define R4    "198.51.100.7"   /* an IPv4 server */
#define R4B   "203.0.113.9"    /* another */
#define R4_6  "64:ff9b::c633:6407"
#define R4B_6 "64:ff9b::cb00:7109"
#define P4    "192.0.2.1" /* pool4 */

struct fix {
	struct xlat_cfg xc;
	struct nat64_cfg nc;
	struct xlat_stats st;
	struct xlat_ctx x;
	struct nat64_db *db;
	struct nat64 n;
	uint8_t buf[4096];
	struct xlat_pkt p;
};

static uint32_t a4(const char *s)
{
	uint32_t a;
	assert_int_equal(inet_pton(AF_INET, s, &a), 1);
	return a;
}

static void a6(const char *s, uint8_t *a)
{
	assert_int_equal(inet_pton(AF_INET6, s, a), 1);
}

static uint16_t tcp_single_port; /* != 0: pool4 TCP is that port only */
static int general_path;	 /* 1: the core's fast path switched off */

static struct fix *setup_with(int adf, uint32_t sub_max, int blocks)
{
	struct fix *f = calloc(1, sizeof(*f));
	char err[256];

	assert_non_null(f);
	xlat_cfg_default(&f->xc);
	a6("64:ff9b::", f->xc.pool6.addr);
	f->xc.pool6.len = 96;
	f->xc.pool6791[0] = a4("203.0.113.1");
	f->xc.pool6791_n = 1;
	a6("2001:db8:ffff::1", f->xc.icmp6_src);
	f->xc.icmp6_src_set = 1;
	f->xc.icmp_rate = 0;
	nat64_cfg_default(&f->nc);
	f->nc.adf = (uint8_t)adf;
	f->nc.sub_max_sessions = sub_max;
	f->nc.max_bib = f->nc.max_sessions = 1024;
	f->nc.max_subs = 256;
	f->nc.sweep_budget = 4096;
	struct pool4_cfg *pc = &f->nc.pool4;
	for (int p = 0; p < NAT64_NPROTO; p++) {
		pc->r[pc->n].addr = ntohl(a4(P4));
		pc->r[pc->n].proto = (uint8_t)p;
		pc->r[pc->n].min = 1024;
		pc->r[pc->n].max = 65535;
		if (p == NAT64_TCP && tcp_single_port)
			pc->r[pc->n].min = pc->r[pc->n].max = tcp_single_port;
		pc->n++;
	}
	pc->nworkers = 1;
	if (blocks) {
		pc->block_size = 64;
		pc->max_blocks = 2;
	}
	assert_int_equal(nat64_cfg_check(&f->nc, err, sizeof(err)), 0);
	f->db = nat64_db_init(&f->nc, 0, NULL, err, sizeof(err));
	assert_non_null(f->db);
	xlat_ctx_init(&f->x, &f->xc, NULL, &f->st, 7);
	if (general_path)
		f->x.fast = 0;
	assert_int_equal(nat64_init(&f->n, &f->x, f->db, err, sizeof(err)), 0);
	f->n.now = 100;
	return f;
}

static int setup(void **state)
{
	*state = setup_with(0, 0, 0);
	return 0;
}

static int teardown(void **state)
{
	struct fix *f = *state;
	nat64_fini(&f->n);
	nat64_db_fini(f->db);
	free(f);
	return 0;
}

/* ---- packet builders (checksums computed in full) ---- */

static uint32_t l4_build(uint8_t *l4, uint8_t proto, uint16_t sp, uint16_t dp,
			 uint8_t flags, uint32_t paylen)
{
	uint32_t h = proto == XLAT_IPPROTO_TCP ? 20 : 8;
	memset(l4, 0, h);
	l4[0] = (uint8_t)(sp >> 8), l4[1] = (uint8_t)sp;
	l4[2] = (uint8_t)(dp >> 8), l4[3] = (uint8_t)dp;
	if (proto == XLAT_IPPROTO_TCP) {
		l4[12] = 5 << 4;
		l4[13] = flags;
		l4[14] = 0xff, l4[15] = 0xff;
	} else if (proto == XLAT_IPPROTO_UDP) {
		l4[4] = (uint8_t)((h + paylen) >> 8),
		l4[5] = (uint8_t)(h + paylen);
	} else { /* echo: type set by caller in 'flags', id = sp, seq = dp */
		l4[0] = flags, l4[1] = 0;
		l4[4] = (uint8_t)(sp >> 8), l4[5] = (uint8_t)sp;
		l4[6] = (uint8_t)(dp >> 8), l4[7] = (uint8_t)dp;
		l4[2] = l4[3] = 0;
	}
	for (uint32_t i = 0; i < paylen; i++)
		l4[h + i] = (uint8_t)(i * 7 + 1);
	return h + paylen;
}

static uint32_t csum_off(uint8_t proto)
{
	return proto == XLAT_IPPROTO_TCP   ? 16
	       : proto == XLAT_IPPROTO_UDP ? 6
					   : 2;
}

static void pkt6(struct fix *f, const char *src, const char *dst, uint8_t proto,
		 uint16_t sp, uint16_t dp, uint8_t flags)
{
	uint8_t *p = f->buf + 256;
	struct xlat_ip6 *ip = (struct xlat_ip6 *)p;
	uint32_t l = l4_build(p + 40, proto, sp, dp, flags, 16);
	ip->ver_tc_flow = htonl(6u << 28);
	ip->plen = htons((uint16_t)l);
	ip->nexthdr = proto;
	ip->hlim = 64;
	a6(src, ip->saddr);
	a6(dst, ip->daddr);
	uint32_t s = csum_pseudo6(ip, l, proto);
	uint16_t c = (uint16_t)~csum_fold32(csum_partial(p + 40, l, s));
	memcpy(p + 40 + csum_off(proto), &c, 2);
	f->p.data = p;
	f->p.len = 40 + l;
}

static void pkt4(struct fix *f, const char *src, const char *dst, uint8_t proto,
		 uint16_t sp, uint16_t dp, uint8_t flags)
{
	uint8_t *p = f->buf + 256;
	struct xlat_ip4 *ip = (struct xlat_ip4 *)p;
	uint32_t l = l4_build(p + 20, proto, sp, dp, flags, 16);
	memset(ip, 0, 20);
	ip->ver_ihl = 0x45;
	ip->tot_len = htons((uint16_t)(20 + l));
	ip->ttl = 64;
	ip->proto = proto;
	ip->saddr = a4(src);
	ip->daddr = a4(dst);
	ip->csum = csum_ip4_hdr(ip);
	uint32_t s =
	    proto == XLAT_IPPROTO_ICMP
		? 0
		: csum_pseudo4(ip->saddr, ip->daddr, (uint16_t)l, proto);
	uint16_t c = (uint16_t)~csum_fold32(csum_partial(p + 20, l, s));
	memcpy(p + 20 + csum_off(proto), &c, 2);
	f->p.data = p;
	f->p.len = 20 + l;
}

/* The output is IPv4 with a valid header and upper-layer checksum. */
static const struct xlat_ip4 *out4(struct fix *f)
{
	const struct xlat_ip4 *ip = (const struct xlat_ip4 *)f->p.data;
	assert_int_equal(ip->ver_ihl, 0x45);
	assert_int_equal(csum_ip4_hdr(ip), 0);
	uint32_t l = f->p.len - 20;
	uint32_t s =
	    ip->proto == XLAT_IPPROTO_ICMP
		? 0
		: csum_pseudo4(ip->saddr, ip->daddr, (uint16_t)l, ip->proto);
	assert_int_equal(csum_fold32(csum_partial(f->p.data + 20, l, s)),
			 0xffff);
	return ip;
}

static const struct xlat_ip6 *out6(struct fix *f)
{
	const struct xlat_ip6 *ip = (const struct xlat_ip6 *)f->p.data;
	assert_int_equal(f->p.data[0] >> 4, 6);
	uint32_t l = f->p.len - 40;
	uint32_t s = csum_pseudo6(ip, l, ip->nexthdr);
	assert_int_equal(csum_fold32(csum_partial(f->p.data + 40, l, s)),
			 0xffff);
	return ip;
}

static uint16_t port_at(const uint8_t *p, uint32_t off)
{
	return (uint16_t)(p[off] << 8 | p[off + 1]);
}

static enum xlat_verdict go6(struct fix *f, enum xlat_reason *r)
{
	return nat64_6to4(&f->n, &f->p, r);
}

static enum xlat_verdict go4(struct fix *f, enum xlat_reason *r)
{
	return nat64_4to6(&f->n, &f->p, r);
}

/* RFC 6146 §3.5.1: UDP out creates a mapping; the reply comes back to the
 * IPv6 source transport address; the source is the pool6 image. */
static void test_3_5_1_udp_out_and_back(void **state)
{
	struct fix *f = *state;
	enum xlat_reason r;
	uint8_t h6[16], r46[16];

	pkt6(f, H6, R4_6, XLAT_IPPROTO_UDP, 40000, 53, 0);
	assert_int_equal(go6(f, &r), XLAT_FORWARD);
	const struct xlat_ip4 *ip = out4(f);
	assert_int_equal(ip->saddr, a4(P4));
	assert_int_equal(ip->daddr, a4(R4));
	uint16_t port4 = port_at(f->p.data + 20, 0);
	assert_true(port4 >= 1024);
	assert_int_equal(port_at(f->p.data + 20, 2), 53);
	assert_int_equal(nat64_db_nbib(f->db), 1);
	assert_int_equal(nat64_db_nsess(f->db), 1);

	pkt4(f, R4, P4, XLAT_IPPROTO_UDP, 53, port4, 0);
	assert_int_equal(go4(f, &r), XLAT_FORWARD);
	const struct xlat_ip6 *ip6 = out6(f);
	a6(H6, h6);
	a6(R4_6, r46);
	assert_memory_equal(ip6->daddr, h6, 16);
	assert_memory_equal(ip6->saddr, r46, 16);
	assert_int_equal(port_at(f->p.data + 40, 2), 40000);
	assert_int_equal(port_at(f->p.data + 40, 0), 53);
	assert_int_equal(nat64_db_nsess(f->db), 1);
}

/* RFC 6146 §3.5.1 (RFC 4787 REQ-1): endpoint-independent mapping: the same
 * source transport address keeps its pool4 port towards every remote. */
static void test_3_5_1_eim(void **state)
{
	struct fix *f = *state;
	enum xlat_reason r;

	pkt6(f, H6, R4_6, XLAT_IPPROTO_UDP, 40000, 53, 0);
	assert_int_equal(go6(f, &r), XLAT_FORWARD);
	uint16_t p1 = port_at(f->p.data + 20, 0);
	pkt6(f, H6, R4B_6, XLAT_IPPROTO_UDP, 40000, 123, 0);
	assert_int_equal(go6(f, &r), XLAT_FORWARD);
	assert_int_equal(port_at(f->p.data + 20, 0), p1);
	assert_int_equal(nat64_db_nbib(f->db), 1);
	assert_int_equal(nat64_db_nsess(f->db), 2);
	/* another source port: another mapping */
	pkt6(f, H6, R4_6, XLAT_IPPROTO_UDP, 40001, 53, 0);
	assert_int_equal(go6(f, &r), XLAT_FORWARD);
	assert_int_not_equal(port_at(f->p.data + 20, 0), p1);
}

/* RFC 6146 §3.5.1: endpoint-independent filtering lets any remote in
 * through an existing mapping; address-dependent filtering does not. */
static void test_3_5_1_filtering(void **state)
{
	struct fix *f = *state;
	enum xlat_reason r;

	pkt6(f, H6, R4_6, XLAT_IPPROTO_UDP, 40000, 53, 0);
	assert_int_equal(go6(f, &r), XLAT_FORWARD);
	uint16_t p4 = port_at(f->p.data + 20, 0);
	pkt4(f, R4B, P4, XLAT_IPPROTO_UDP, 9999, p4, 0);
	assert_int_equal(go4(f, &r), XLAT_FORWARD); /* EIF */

	struct fix *g = setup_with(1, 0, 0); /* ADF */
	pkt6(g, H6, R4_6, XLAT_IPPROTO_UDP, 40000, 53, 0);
	assert_int_equal(go6(g, &r), XLAT_FORWARD);
	p4 = port_at(g->p.data + 20, 0);
	pkt4(g, R4B, P4, XLAT_IPPROTO_UDP, 9999, p4, 0);
	assert_int_equal(go4(g, &r), XLAT_DROP);
	assert_int_equal(r, XLAT_R_NAT64_FILTERED);
	/* the same remote address from another port is allowed (ADF) */
	pkt4(g, R4, P4, XLAT_IPPROTO_UDP, 9999, p4, 0);
	assert_int_equal(go4(g, &r), XLAT_FORWARD);
	void *gs = g;
	teardown(&gs);
}

/* RFC 6146 §3.5.1: no BIB entry, no way in. */
static void test_3_5_1_no_mapping(void **state)
{
	struct fix *f = *state;
	enum xlat_reason r;

	pkt4(f, R4, P4, XLAT_IPPROTO_UDP, 53, 5000, 0);
	assert_int_equal(go4(f, &r), XLAT_DROP);
	assert_int_equal(r, XLAT_R_NAT64_NO_BIB);
	assert_int_equal(f->st.reason[XLAT_R_NAT64_NO_BIB], 1);
	/* not a pool4 address: not ours */
	pkt4(f, R4, R4B, XLAT_IPPROTO_UDP, 53, 5000, 0);
	assert_int_equal(go4(f, &r), XLAT_PASS);
}

static uint8_t sess_state(struct fix *f)
{
	for (uint32_t i = 0; i < 1024; i++) {
		struct nat64_sess *s = nat64_sess_get(f->db, i);
		if (s->timer)
			return s->state;
	}
	return 0xff;
}

/* RFC 6146 §3.5.2.2: the TCP state machine across a connection. */
static void test_3_5_2_2_tcp_lifecycle(void **state)
{
	struct fix *f = *state;
	enum xlat_reason r;

	pkt6(f, H6, R4_6, XLAT_IPPROTO_TCP, 40000, 80, NAT64_TCP_SYN);
	assert_int_equal(go6(f, &r), XLAT_FORWARD);
	uint16_t p4 = port_at(f->p.data + 20, 0);
	assert_int_equal(sess_state(f), NAT64_TCP_V6_INIT);
	pkt4(f, R4, P4, XLAT_IPPROTO_TCP, 80, p4,
	     NAT64_TCP_SYN | 0x10 /* ACK */);
	assert_int_equal(go4(f, &r), XLAT_FORWARD);
	out6(f);
	assert_int_equal(sess_state(f), NAT64_TCP_ESTABLISHED);
	pkt6(f, H6, R4_6, XLAT_IPPROTO_TCP, 40000, 80, NAT64_TCP_FIN | 0x10);
	assert_int_equal(go6(f, &r), XLAT_FORWARD);
	assert_int_equal(sess_state(f), NAT64_TCP_V6_FIN_RCV);
	pkt4(f, R4, P4, XLAT_IPPROTO_TCP, 80, p4, NAT64_TCP_FIN | 0x10);
	assert_int_equal(go4(f, &r), XLAT_FORWARD);
	assert_int_equal(sess_state(f), NAT64_TCP_V4_FIN_V6_FIN_RCV);
	/* after TCP_TRANS the session and its mapping are gone */
	struct xlat_pkt out = {f->buf + 2048, 0};
	f->n.now += 240;
	while (nat64_tick(&f->n, &out))
		;
	assert_int_equal(nat64_db_nsess(f->db), 0);
	assert_int_equal(nat64_db_nbib(f->db), 0);
}

/* RFC 6146 §3.5.2.2: RST moves ESTABLISHED to TRANS; a later packet
 * brings it back. */
static void test_3_5_2_2_rst_trans(void **state)
{
	struct fix *f = *state;
	enum xlat_reason r;

	pkt6(f, H6, R4_6, XLAT_IPPROTO_TCP, 40000, 80, NAT64_TCP_SYN);
	assert_int_equal(go6(f, &r), XLAT_FORWARD);
	uint16_t p4 = port_at(f->p.data + 20, 0);
	pkt4(f, R4, P4, XLAT_IPPROTO_TCP, 80, p4, NAT64_TCP_SYN | 0x10);
	assert_int_equal(go4(f, &r), XLAT_FORWARD);
	pkt4(f, R4, P4, XLAT_IPPROTO_TCP, 80, p4, NAT64_TCP_RST);
	assert_int_equal(go4(f, &r), XLAT_FORWARD);
	assert_int_equal(sess_state(f), NAT64_TCP_TRANS);
	pkt6(f, H6, R4_6, XLAT_IPPROTO_TCP, 40000, 80, 0x10);
	assert_int_equal(go6(f, &r), XLAT_FORWARD);
	assert_int_equal(sess_state(f), NAT64_TCP_ESTABLISHED);
}

/* RFC 6146 §3.5.2.2: no session and no SYN: nothing is created. */
static void test_3_5_2_2_no_syn_no_session(void **state)
{
	struct fix *f = *state;
	enum xlat_reason r;

	pkt6(f, H6, R4_6, XLAT_IPPROTO_TCP, 40000, 80, 0x10);
	assert_int_equal(go6(f, &r), XLAT_DROP);
	assert_int_equal(r, XLAT_R_NAT64_TCP_NO_SESSION);
	assert_int_equal(nat64_db_nbib(f->db), 0);
}

/* RFC 6146 §3.5.2.2: an inbound SYN without mapping is held 6 s, then
 * answered with ICMPv4 Port Unreachable. */
static void test_3_5_2_2_held_syn_expires(void **state)
{
	struct fix *f = *state;
	enum xlat_reason r;
	uint8_t obuf[2048];
	struct xlat_pkt out = {obuf + 128, 0};

	pkt4(f, R4, P4, XLAT_IPPROTO_TCP, 5555, 3000, NAT64_TCP_SYN);
	assert_int_equal(go4(f, &r), XLAT_DROP);
	assert_int_equal(r, XLAT_R_NAT64_SYN_HELD);
	f->n.now += 5;
	assert_int_equal(nat64_tick(&f->n, &out), 0);
	f->n.now += 1;
	assert_int_equal(nat64_tick(&f->n, &out), 1);
	const struct xlat_ip4 *ip = (const struct xlat_ip4 *)out.data;
	assert_int_equal(ip->daddr, a4(R4));
	assert_int_equal(out.data[20], 3); /* Destination Unreachable */
	assert_int_equal(out.data[21], 3); /* Port */
	assert_int_equal(nat64_tick(&f->n, &out), 0);
}

/* RFC 6146 §3.5.2.2: simultaneous open: the IPv6 side's SYN creates the
 * mapping the held V4 SYN was aimed at, which takes it out of the queue
 * (no Port Unreachable later).  pool4 TCP has the single port 3000 here,
 * so the mapping is predictable. */
static void test_3_5_2_2_simultaneous_open(void **state)
{
	(void)state;
	tcp_single_port = 3000;
	struct fix *f = setup_with(0, 0, 0);
	tcp_single_port = 0;
	enum xlat_reason r;
	uint8_t obuf[2048];
	struct xlat_pkt out = {obuf + 128, 0};

	pkt4(f, R4, P4, XLAT_IPPROTO_TCP, 80, 3000, NAT64_TCP_SYN);
	assert_int_equal(go4(f, &r), XLAT_DROP);
	assert_int_equal(r, XLAT_R_NAT64_SYN_HELD);
	assert_int_equal(f->n.nheld, 1);
	pkt6(f, H6, R4_6, XLAT_IPPROTO_TCP, 40000, 80, NAT64_TCP_SYN);
	assert_int_equal(go6(f, &r), XLAT_FORWARD);
	assert_int_equal(port_at(f->p.data + 20, 0), 3000);
	assert_int_equal(f->n.nheld, 0);
	f->n.now += 10;
	assert_int_equal(nat64_tick(&f->n, &out), 0);
	/* the peer's retransmitted SYN completes the open */
	pkt4(f, R4, P4, XLAT_IPPROTO_TCP, 80, 3000, NAT64_TCP_SYN);
	assert_int_equal(go4(f, &r), XLAT_FORWARD);
	assert_int_equal(sess_state(f), NAT64_TCP_ESTABLISHED);
	void *fs = f;
	teardown(&fs);
}

/* RFC 6146 §3.5.3: ICMP query: the identifier is the port. */
static void test_3_5_3_icmp_echo(void **state)
{
	struct fix *f = *state;
	enum xlat_reason r;

	pkt6(f, H6, R4_6, XLAT_IPPROTO_ICMPV6, 0x1234, 1, ICMP6_ECHO);
	assert_int_equal(go6(f, &r), XLAT_FORWARD);
	out4(f);
	assert_int_equal(f->p.data[20], ICMP4_ECHO);
	uint16_t id4 = port_at(f->p.data + 20, 4);
	pkt4(f, R4, P4, XLAT_IPPROTO_ICMP, id4, 1, ICMP4_ECHO_REPLY);
	assert_int_equal(go4(f, &r), XLAT_FORWARD);
	out6(f);
	assert_int_equal(f->p.data[40], ICMP6_ECHO_REPLY);
	assert_int_equal(port_at(f->p.data + 40, 4), 0x1234);
}

/* RFC 6146 §3.5.4 / RFC 7915 §4.3: an ICMPv4 error about a mapped flow
 * reaches the IPv6 host with the quoted packet translated back. */
static void test_3_5_4_icmp_error_4to6(void **state)
{
	struct fix *f = *state;
	enum xlat_reason r;
	uint8_t quoted[128], h6[16];

	pkt6(f, H6, R4_6, XLAT_IPPROTO_UDP, 40000, 53, 0);
	assert_int_equal(go6(f, &r), XLAT_FORWARD);
	uint32_t qlen = f->p.len;
	memcpy(quoted, f->p.data, qlen);
	/* ICMPv4 3/3 from the server quoting what it received */
	uint8_t *p = f->buf + 256;
	struct xlat_ip4 *ip = (struct xlat_ip4 *)p;
	memset(ip, 0, 20);
	ip->ver_ihl = 0x45;
	ip->tot_len = htons((uint16_t)(28 + qlen));
	ip->ttl = 64;
	ip->proto = XLAT_IPPROTO_ICMP;
	ip->saddr = a4(R4);
	ip->daddr = a4(P4);
	ip->csum = csum_ip4_hdr(ip);
	uint8_t *ic = p + 20;
	memset(ic, 0, 8);
	ic[0] = 3, ic[1] = 3;
	memcpy(ic + 8, quoted, qlen);
	uint16_t c = (uint16_t)~csum_fold32(csum_partial(ic, 8 + qlen, 0));
	memcpy(ic + 2, &c, 2);
	f->p.data = p;
	f->p.len = 28 + qlen;
	assert_int_equal(go4(f, &r), XLAT_FORWARD);
	const struct xlat_ip6 *o = out6(f);
	a6(H6, h6);
	assert_memory_equal(o->daddr, h6, 16);
	assert_int_equal(f->p.data[40], 1); /* Destination Unreachable */
	assert_int_equal(f->p.data[41], 4); /* Port */
	const struct xlat_ip6 *in = (const struct xlat_ip6 *)(f->p.data + 48);
	assert_memory_equal(in->saddr, h6, 16);
	assert_int_equal(port_at(f->p.data + 88, 0), 40000);
	assert_int_equal(port_at(f->p.data + 88, 2), 53);
}

/* RFC 6146 §3.8: hairpinning: B reaches A through A's mapping. */
static void test_3_8_hairpin(void **state)
{
	struct fix *f = *state;
	enum xlat_reason r;
	uint8_t ha[16], src[16];

	pkt6(f, H6, R4_6, XLAT_IPPROTO_UDP, 40000, 53, 0);
	assert_int_equal(go6(f, &r), XLAT_FORWARD);
	uint16_t pa = port_at(f->p.data + 20, 0);
	/* B sends to 64:ff9b::192.0.2.1 port pa */
	pkt6(f, H6B, "64:ff9b::c000:201", XLAT_IPPROTO_UDP, 41000, pa, 0);
	assert_int_equal(go6(f, &r), XLAT_HAIRPIN);
	const struct xlat_ip6 *o = out6(f);
	a6(H6, ha);
	assert_memory_equal(o->daddr, ha, 16);
	assert_int_equal(port_at(f->p.data + 40, 2), 40000);
	/* the source is the pool6 image of B's mapping */
	a6("64:ff9b::c000:201", src);
	assert_memory_equal(o->saddr, src, 16);
	assert_int_not_equal(port_at(f->p.data + 40, 0), 41000);
}

/* RFC 6146 §3.8 with RFC 7915 §4.1: a hairpinned packet whose TTL runs
 * out on the second leg: the IPv6 sender gets an ICMPv6 Time Exceeded,
 * back on the IPv6 side. */
static void test_3_8_hairpin_ttl(void **state)
{
	struct fix *f = *state;
	enum xlat_reason r;
	uint8_t hb[16];

	pkt6(f, H6, R4_6, XLAT_IPPROTO_UDP, 40000, 53, 0);
	assert_int_equal(go6(f, &r), XLAT_FORWARD);
	uint16_t pa = port_at(f->p.data + 20, 0);
	pkt6(f, H6B, "64:ff9b::c000:201", XLAT_IPPROTO_UDP, 41000, pa, 0);
	((struct xlat_ip6 *)f->p.data)->hlim = 2;
	assert_int_equal(go6(f, &r), XLAT_HAIRPIN);
	const struct xlat_ip6 *o = out6(f);
	a6(H6B, hb);
	assert_memory_equal(o->daddr, hb, 16);
	assert_int_equal(o->nexthdr, XLAT_IPPROTO_ICMPV6);
	assert_int_equal(f->p.data[40], 3); /* Time Exceeded */
	/* the quoted packet is B's own, translated back */
	const struct xlat_ip6 *in = (const struct xlat_ip6 *)(f->p.data + 48);
	assert_memory_equal(in->saddr, hb, 16);
	assert_int_equal(port_at(f->p.data + 88, 0), 41000);
}

/* RFC 6146 §5.3: an IPv6 source inside pool6 is a loop. */
static void test_5_3_hairpin_loop(void **state)
{
	struct fix *f = *state;
	enum xlat_reason r;

	pkt6(f, "64:ff9b::c000:201", R4_6, XLAT_IPPROTO_UDP, 1, 53, 0);
	assert_int_equal(go6(f, &r), XLAT_DROP);
	assert_int_equal(r, XLAT_R_NAT64_HAIRPIN_LOOP);
}

/* RFC 6146 §4: UDP sessions live 5 minutes after the last packet; then
 * the mapping is released and its port can be used again. */
static void test_4_udp_expiry(void **state)
{
	struct fix *f = *state;
	enum xlat_reason r;
	uint8_t obuf[2048];
	struct xlat_pkt out = {obuf + 128, 0};

	pkt6(f, H6, R4_6, XLAT_IPPROTO_UDP, 40000, 53, 0);
	assert_int_equal(go6(f, &r), XLAT_FORWARD);
	f->n.now += 299;
	nat64_tick(&f->n, &out);
	assert_int_equal(nat64_db_nsess(f->db), 1);
	f->n.now += 1;
	nat64_tick(&f->n, &out);
	assert_int_equal(nat64_db_nsess(f->db), 0);
	assert_int_equal(nat64_db_nbib(f->db), 0);
}

/* Issue: per-subscriber limit; over it a new flow is refused, existing
 * flows go on. */
static void test_subscriber_quota(void **state)
{
	(void)state;
	struct fix *f = setup_with(0, 2, 0);
	enum xlat_reason r;

	pkt6(f, H6, R4_6, XLAT_IPPROTO_UDP, 40000, 53, 0);
	assert_int_equal(go6(f, &r), XLAT_FORWARD);
	pkt6(f, "2001:db8:1::11", R4_6, XLAT_IPPROTO_UDP, 40000, 53, 0);
	assert_int_equal(go6(f, &r), XLAT_FORWARD); /* same /56 */
	pkt6(f, H6, R4B_6, XLAT_IPPROTO_UDP, 40000, 53, 0);
	assert_int_equal(go6(f, &r), XLAT_ICMP);
	assert_int_equal(r, XLAT_R_NAT64_QUOTA);
	/* docs/nat64.md: ICMPv6 1/1, administratively prohibited */
	const struct xlat_ip6 *o = out6(f);
	uint8_t h6[16];
	a6(H6, h6);
	assert_memory_equal(o->daddr, h6, 16);
	assert_int_equal(f->p.data[40], 1);
	assert_int_equal(f->p.data[41], 1);
	pkt6(f, H6, R4_6, XLAT_IPPROTO_UDP, 40000, 53, 0);
	assert_int_equal(go6(f, &r), XLAT_FORWARD); /* existing flow */
	pkt6(f, H6B, R4_6, XLAT_IPPROTO_UDP, 40000, 53, 0);
	assert_int_equal(go6(f, &r), XLAT_FORWARD); /* other subscriber */
	void *fs = f;
	teardown(&fs);
}

/* RFC 6146 §3.5.2.2 / §3.5.1.1: no transport address left: the packet is
 * dropped with ICMPv6 Destination Unreachable, Address Unreachable. */
static void test_3_5_1_1_pool4_exhausted(void **state)
{
	(void)state;
	tcp_single_port = 3000;
	struct fix *f = setup_with(0, 0, 0);
	tcp_single_port = 0;
	enum xlat_reason r;

	pkt6(f, H6, R4_6, XLAT_IPPROTO_TCP, 40000, 80, NAT64_TCP_SYN);
	assert_int_equal(go6(f, &r), XLAT_FORWARD);
	pkt6(f, H6B, R4_6, XLAT_IPPROTO_TCP, 40000, 80, NAT64_TCP_SYN);
	assert_int_equal(go6(f, &r), XLAT_ICMP);
	assert_int_equal(r, XLAT_R_NAT64_POOL4_EXHAUSTED);
	out6(f);
	assert_int_equal(f->p.data[40], 1);
	assert_int_equal(f->p.data[41], 3);
	assert_int_equal(nat64_db_stats(f->db)->pool4_exhausted, 1);
	/* the first flow is untouched */
	assert_int_equal(nat64_db_nsess(f->db), 1);
	void *fs = f;
	teardown(&fs);
}

/* Design, RFC 6144 scenario 3 with RFC 7757: a portal published at its
 * own IPv6 address (an EAM entry); IPv6 clients reach it statefully
 * through pool4, and its replies come from that same IPv6 address. */
static void test_eam_portal(void **state)
{
	struct fix *f = *state;
	enum xlat_reason r;
	uint8_t v6[16], want[16];
	char msg[128];
	struct xlat_eamt *t = malloc(sizeof(*t));

	assert_non_null(t);
	eam_init(t);
	a6("2001:db8:a::80", v6);
	assert_int_equal(
	    eam_add(t, a4("198.51.100.80"), 32, v6, 128, msg, sizeof(msg)), 0);
	eam_build(t);
	xlat_ctx_set_cfg(&f->x, &f->xc, t);
	if (general_path)
		f->x.fast = 0;

	pkt6(f, H6, "2001:db8:a::80", XLAT_IPPROTO_TCP, 40000, 443,
	     NAT64_TCP_SYN);
	assert_int_equal(go6(f, &r), XLAT_FORWARD);
	const struct xlat_ip4 *ip = out4(f);
	assert_int_equal(ip->daddr, a4("198.51.100.80"));
	assert_int_equal(ip->saddr, a4(P4));
	uint16_t p4 = port_at(f->p.data + 20, 0);
	pkt4(f, "198.51.100.80", P4, XLAT_IPPROTO_TCP, 443, p4,
	     NAT64_TCP_SYN | 0x10);
	assert_int_equal(go4(f, &r), XLAT_FORWARD);
	const struct xlat_ip6 *o = out6(f);
	assert_memory_equal(o->saddr, v6, 16);
	a6(H6, want);
	assert_memory_equal(o->daddr, want, 16);
	free(t);
}

/* A UDP datagram of 2 × 32 bytes split in two IPv6 fragments; frag 0 or
 * 1 is built into f->p. */
static void frag6(struct fix *f, int which, uint16_t sport)
{
	uint8_t dgram[64];
	uint8_t *p = f->buf + 256;
	struct xlat_ip6 *ip = (struct xlat_ip6 *)p;

	l4_build(dgram, XLAT_IPPROTO_UDP, sport, 53, 0, 56);
	ip->ver_tc_flow = htonl(6u << 28);
	ip->plen = htons(8 + 32);
	ip->nexthdr = XLAT_IPPROTO_FRAGMENT;
	ip->hlim = 64;
	a6(H6, ip->saddr);
	a6(R4_6, ip->daddr);
	uint32_t sum = csum_pseudo6(ip, 64, XLAT_IPPROTO_UDP);
	uint16_t c = (uint16_t)~csum_fold32(csum_partial(dgram, 64, sum));
	memcpy(dgram + 6, &c, 2);
	struct xlat_ip6_frag *fh = (struct xlat_ip6_frag *)(p + 40);
	fh->nexthdr = XLAT_IPPROTO_UDP;
	fh->reserved = 0;
	fh->off_m = htons(which ? (32 / 8) << 3 : 1);
	fh->id = htonl(0x1234abcd);
	memcpy(p + 48, dgram + 32 * which, 32);
	f->p.data = p;
	f->p.len = 80;
}

/* RFC 6146 §3.4: the fragments after the first follow the first one's
 * mapping; one that comes first is dropped and counted. */
static void test_3_4_fragments(void **state)
{
	struct fix *f = *state;
	enum xlat_reason r;
	uint8_t dgram[64];

	frag6(f, 1, 40000); /* out of order: nothing known yet */
	assert_int_equal(go6(f, &r), XLAT_DROP);
	assert_int_equal(r, XLAT_R_NAT64_FRAGMENT);

	frag6(f, 0, 40000);
	assert_int_equal(go6(f, &r), XLAT_FORWARD);
	const struct xlat_ip4 *ip = (const struct xlat_ip4 *)f->p.data;
	assert_int_equal(csum_ip4_hdr(ip), 0);
	assert_int_equal(ntohs(ip->frag_off), XLAT_IP4_MF);
	assert_int_equal(ntohs(ip->id), 0xabcd);
	uint32_t s4 = ip->saddr, d4 = ip->daddr;
	memcpy(dgram, f->p.data + 20, 32);
	frag6(f, 1, 40000);
	assert_int_equal(go6(f, &r), XLAT_FORWARD);
	ip = (const struct xlat_ip4 *)f->p.data;
	assert_int_equal(ntohs(ip->frag_off), 4); /* 32 bytes, no MF */
	assert_int_equal(ip->saddr, s4);
	memcpy(dgram + 32, f->p.data + 20, 32);
	/* the reassembled datagram's UDP checksum holds for IPv4 */
	uint32_t sum = csum_pseudo4(s4, d4, 64, XLAT_IPPROTO_UDP);
	assert_int_equal(csum_fold32(csum_partial(dgram, 64, sum)), 0xffff);
	assert_int_equal(port_at(dgram, 2), 53);
	/* after FRAGMENT_MIN (2 s) the first fragment's entry is gone */
	f->n.now += 2;
	frag6(f, 1, 40000);
	assert_int_equal(go6(f, &r), XLAT_DROP);
	assert_int_equal(r, XLAT_R_NAT64_FRAGMENT);
}

/* The same from the IPv4 side: a reply in two IPv4 fragments. */
static void test_3_4_fragments_4to6(void **state)
{
	struct fix *f = *state;
	enum xlat_reason r;
	uint8_t dgram[64], out[64];

	pkt6(f, H6, R4_6, XLAT_IPPROTO_UDP, 40000, 53, 0);
	assert_int_equal(go6(f, &r), XLAT_FORWARD);
	uint16_t p4 = port_at(f->p.data + 20, 0);
	l4_build(dgram, XLAT_IPPROTO_UDP, 53, p4, 0, 56);
	uint32_t sum = csum_pseudo4(a4(R4), a4(P4), 64, XLAT_IPPROTO_UDP);
	uint16_t c = (uint16_t)~csum_fold32(csum_partial(dgram, 64, sum));
	memcpy(dgram + 6, &c, 2);
	const struct xlat_ip6 *o = NULL;
	for (int i = 0; i < 2; i++) {
		uint8_t *p = f->buf + 256;
		struct xlat_ip4 *ip = (struct xlat_ip4 *)p;
		memset(ip, 0, 20);
		ip->ver_ihl = 0x45;
		ip->tot_len = htons(52);
		ip->id = htons(777);
		ip->frag_off = htons(i ? 4 : XLAT_IP4_MF);
		ip->ttl = 64;
		ip->proto = XLAT_IPPROTO_UDP;
		ip->saddr = a4(R4);
		ip->daddr = a4(P4);
		ip->csum = csum_ip4_hdr(ip);
		memcpy(p + 20, dgram + 32 * i, 32);
		f->p.data = p;
		f->p.len = 52;
		assert_int_equal(go4(f, &r), XLAT_FORWARD);
		o = (const struct xlat_ip6 *)f->p.data;
		assert_int_equal(o->nexthdr, XLAT_IPPROTO_FRAGMENT);
		memcpy(out + 32 * i, f->p.data + 48, 32);
	}
	sum = csum_pseudo6(o, 64, XLAT_IPPROTO_UDP);
	assert_int_equal(csum_fold32(csum_partial(out, 64, sum)), 0xffff);
	assert_int_equal(port_at(out, 2), 40000);
}

/* RFC 6888 §4 (REQ-12): the mapping log answers "who held this IPv4
 * address and port at that time": events from the worker's ring, drained
 * to a file by the control side, looked up. */
static void test_mapping_log_lookup(void **state)
{
	(void)state;
	struct nat64_log_ring ring;
	char err[256];
	assert_int_equal(nat64_log_ring_init(&ring, 64), 0);
	struct fix *f = setup_with(0, 0, 0);
	nat64_db_fini(f->db);
	f->db = nat64_db_init(&f->nc, 0, &ring, err, sizeof(err));
	assert_non_null(f->db);
	f->n.db = f->db;
	const uint64_t t0 = 1764000000000ull; /* 2025-11-24T16:00:00Z */
	nat64_db_set_clock(f->db, t0);
	enum xlat_reason r;
	uint8_t obuf[2048], h6[16];
	struct xlat_pkt out = {obuf + 128, 0};

	pkt6(f, H6, R4_6, XLAT_IPPROTO_UDP, 40000, 53, 0); /* at now = 100 */
	assert_int_equal(go6(f, &r), XLAT_FORWARD);
	uint16_t p4 = port_at(f->p.data + 20, 0);
	f->n.now = 100 + 300; /* expires: BIB deleted */
	nat64_tick(&f->n, &out);
	assert_int_equal(nat64_db_nbib(f->db), 0);

	FILE *log = tmpfile();
	assert_non_null(log);
	assert_int_equal(nat64_log_drain(&ring, log), 2); /* create, delete */
	rewind(log);
	struct nat64_log_event who;
	uint64_t until;
	uint32_t a = ntohl(a4(P4));
	assert_int_equal(nat64_log_lookup(log, a, p4, NAT64_UDP,
					  t0 + 200 * 1000, &who, &until),
			 1);
	a6(H6, h6);
	assert_memory_equal(who.src6, h6, 16);
	assert_int_equal(who.sport6, 40000);
	assert_int_equal(until, t0 + 400 * 1000);
	rewind(log);
	assert_int_equal(nat64_log_lookup(log, a, p4, NAT64_UDP,
					  t0 + 401 * 1000, &who, &until),
			 0);
	fclose(log);
	void *fs = f;
	teardown(&fs);
	nat64_log_ring_fini(&ring);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_3_5_1_udp_out_and_back, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_3_5_1_eim, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_3_5_1_filtering, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_3_5_1_no_mapping, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_3_5_2_2_tcp_lifecycle, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_3_5_2_2_rst_trans, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_3_5_2_2_no_syn_no_session,
					    setup, teardown),
	    cmocka_unit_test_setup_teardown(test_3_5_2_2_held_syn_expires,
					    setup, teardown),
	    cmocka_unit_test(test_3_5_2_2_simultaneous_open),
	    cmocka_unit_test_setup_teardown(test_3_5_3_icmp_echo, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_3_5_4_icmp_error_4to6, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_3_8_hairpin, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_3_8_hairpin_ttl, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_5_3_hairpin_loop, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_4_udp_expiry, setup, teardown),
	    cmocka_unit_test(test_subscriber_quota),
	    cmocka_unit_test(test_3_5_1_1_pool4_exhausted),
	    cmocka_unit_test(test_mapping_log_lookup),
	    cmocka_unit_test_setup_teardown(test_3_4_fragments, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_3_4_fragments_4to6, setup,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_eam_portal, setup, teardown),
	};
	/* Every test twice: as engines call the core (fast path on), then
	 * with the general path only; both must pass the same assertions. */
	int failed = cmocka_run_group_tests_name("nat64", tests, NULL, NULL);
	general_path = 1;
	failed += cmocka_run_group_tests_name("nat64 (general path)", tests,
					      NULL, NULL);
	return failed;
}
