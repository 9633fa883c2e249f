/*
 * test_xlat.c - the translation core's API (dataplane/xlat/xlat.h):
 * configuration defaults and checks, reason names, counters, the burst
 * API, the ICMP error rate limit (RFC 4443 §2.4(f)), xlat_frag6 (RFC 7915
 * §4.1) and a plain UDP translation each way (RFC 7915 §4.1, §5.1) on
 * packets built here by hand.  The golden corpus (tests/packets) checks
 * the rules packet by packet; this file checks the API around them.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "dataplane/xlat/csum.h"
#include "dataplane/xlat/xlat.h"

#define BUFSZ (XLAT_HEADROOM + 70000 + XLAT_TAILROOM)

/* ---------------------------------------------------------------------
 * Packet builders
 */

static uint32_t v4(const char *s)
{
	uint32_t a;
	assert_int_equal(inet_pton(AF_INET, s, &a), 1);
	return a;
}

static void v6(const char *s, uint8_t *a)
{
	assert_int_equal(inet_pton(AF_INET6, s, a), 1);
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

/* UDP header + payload at p; checksum left 0. */
static uint32_t udp_body(uint8_t *p, uint16_t sport, uint16_t dport,
			 uint32_t paylen)
{
	put16(p, sport);
	put16(p + 2, dport);
	put16(p + 4, (uint16_t)(8 + paylen));
	put16(p + 6, 0);
	for (uint32_t i = 0; i < paylen; i++)
		p[8 + i] = (uint8_t)(i * 7 + 3);
	return 8 + paylen;
}

/* IPv4/UDP with a correct header and UDP checksum.  Returns its length. */
static uint32_t build_udp4(uint8_t *p, const char *src, const char *dst,
			   uint8_t ttl, uint8_t tos, uint16_t id, uint16_t frag,
			   uint32_t paylen)
{
	uint32_t l4 = udp_body(p + 20, 1234, 53, paylen);
	struct xlat_ip4 ip = {
	    .ver_ihl = 0x45,
	    .tos = tos,
	    .tot_len = htons((uint16_t)(20 + l4)),
	    .id = htons(id),
	    .frag_off = htons(frag),
	    .ttl = ttl,
	    .proto = XLAT_IPPROTO_UDP,
	    .saddr = v4(src),
	    .daddr = v4(dst),
	};
	ip.csum = csum_ip4_hdr(&ip);
	memcpy(p, &ip, 20);
	uint32_t s =
	    csum_pseudo4(ip.saddr, ip.daddr, (uint16_t)l4, XLAT_IPPROTO_UDP);
	uint16_t c = (uint16_t)~csum_fold32(csum_partial(p + 20, l4, s));
	if (!c)
		c = 0xffff;
	memcpy(p + 26, &c, 2);
	return 20 + l4;
}

/* IPv6/UDP with a correct UDP checksum.  Returns its length. */
static uint32_t build_udp6(uint8_t *p, const char *src, const char *dst,
			   uint8_t hlim, uint8_t tc, uint32_t paylen)
{
	uint32_t l4 = udp_body(p + 40, 1234, 53, paylen);
	struct xlat_ip6 ip = {
	    .ver_tc_flow = htonl(6u << 28 | (uint32_t)tc << 20 | 0x12345),
	    .plen = htons((uint16_t)l4),
	    .nexthdr = XLAT_IPPROTO_UDP,
	    .hlim = hlim,
	};
	v6(src, ip.saddr);
	v6(dst, ip.daddr);
	memcpy(p, &ip, 40);
	uint32_t s = csum_pseudo6(&ip, l4, XLAT_IPPROTO_UDP);
	uint16_t c = (uint16_t)~csum_fold32(csum_partial(p + 40, l4, s));
	if (!c)
		c = 0xffff;
	memcpy(p + 46, &c, 2);
	return 40 + l4;
}

/* Does the UDP/TCP/ICMPv6 checksum of this IPv6 packet (no extension
 * headers but an optional Fragment header) verify? */
static int l4_ok6(const uint8_t *p, uint32_t len)
{
	struct xlat_ip6 ip;
	memcpy(&ip, p, 40);
	uint32_t off = 40;
	uint8_t nh = ip.nexthdr;
	if (nh == XLAT_IPPROTO_FRAGMENT) {
		nh = p[40];
		off = 48;
	}
	uint32_t l4 = len - off;
	uint32_t s = csum_pseudo6(&ip, l4, nh);
	return csum_fold32(csum_partial(p + off, l4, s)) == 0xffff;
}

static int l4_ok4(const uint8_t *p, uint32_t len)
{
	struct xlat_ip4 ip;
	memcpy(&ip, p, 20);
	uint32_t l4 = len - 20;
	uint32_t s =
	    ip.proto == XLAT_IPPROTO_ICMP
		? 0
		: csum_pseudo4(ip.saddr, ip.daddr, (uint16_t)l4, ip.proto);
	return csum_fold32(csum_partial(p + 20, l4, s)) == 0xffff;
}

/* ---------------------------------------------------------------------
 * Fixture: pool6 64:ff9b::/96, one EAM entry, RFC 6791 pool, icmp6 source
 */

struct fx {
	struct xlat_cfg cfg;
	struct xlat_eamt *eamt;
	struct xlat_stats st;
	struct xlat_ctx ctx;
	uint8_t *buf, *buf2;
};

static void fx_ctx(struct fx *f)
{
	memset(&f->st, 0, sizeof(f->st));
	xlat_ctx_init(&f->ctx, &f->cfg, f->eamt, &f->st, 1);
}

static int teardown(void **state)
{
	struct fx *f = *state;
	free(f->eamt);
	free(f->buf);
	free(f->buf2);
	free(f);
	return 0;
}

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	char msg[128];
	uint8_t a6[16];

	if (!f)
		return -1;
	*state = f;
	f->eamt = malloc(sizeof(*f->eamt));
	f->buf = malloc(BUFSZ);
	f->buf2 = malloc(BUFSZ);
	if (!f->eamt || !f->buf || !f->buf2) {
		teardown(state);
		return -1;
	}
	xlat_cfg_default(&f->cfg);
	v6("64:ff9b::", f->cfg.pool6.addr);
	f->cfg.pool6.len = 96;
	f->cfg.pool6791[0] = v4("203.0.113.1");
	f->cfg.pool6791_n = 1;
	v6("2001:db8:ffff::1", f->cfg.icmp6_src);
	f->cfg.icmp6_src_set = 1;
	f->cfg.icmp_rate = 0;
	eam_init(f->eamt);
	v6("2001:db8:a::1", a6);
	if (eam_add(f->eamt, v4("192.0.2.1"), 32, a6, 128, msg, sizeof(msg)))
		return -1;
	eam_build(f->eamt);
	if (xlat_cfg_check(&f->cfg, msg, sizeof(msg)))
		return -1;
	fx_ctx(f);
	return 0;
}

static struct xlat_pkt pkt_at(uint8_t *buf, uint32_t len)
{
	struct xlat_pkt p = {buf + XLAT_HEADROOM, len};
	return p;
}

/* ---------------------------------------------------------------------
 * Configuration
 */

/* RFC 7915 §4.1 (lowest-ipv6-mtu 1280), §4.5 (UDP zero checksum computed),
 * RFC 7757 §4.3 (hairpinning on), ICMP errors on: the documented
 * defaults (tests/packets/README.md "Configuration file"). */
static void test_cfg_default(void **state)
{
	struct xlat_cfg c;
	char msg[256];

	(void)state;
	memset(&c, 0xa5, sizeof(c));
	xlat_cfg_default(&c);
	assert_int_equal(c.pool6.len, 0);
	assert_int_equal(c.pool6791_n, 0);
	assert_int_equal(c.icmp6_src_set, 0);
	assert_int_equal(c.lowest_ipv6_mtu, 1280);
	assert_int_equal(c.ipv6_mtu, 1500);
	assert_int_equal(c.ipv4_mtu, 1500);
	assert_int_equal(c.udp_zero_csum, XLAT_UDP0_COMPUTE);
	assert_int_equal(c.reset_tclass, 0);
	assert_int_equal(c.reset_tos, 0);
	assert_int_equal(c.new_tos, 0);
	assert_int_equal(c.icmp_errors, 1);
	assert_int_equal(c.eam_hairpin, 1);
	assert_true(c.icmp_rate > 0); /* RFC 4443 §2.4(f): MUST limit */
	assert_int_equal(c.icmp_burst, 10);
	assert_int_equal(xlat_cfg_check(&c, msg, sizeof(msg)), 0);
}

/* xlat_cfg_check must fail with -EINVAL and a message naming 'key'. */
static void expect_bad(const struct xlat_cfg *c, const char *key)
{
	char msg[512] = "";
	assert_int_equal(xlat_cfg_check(c, msg, sizeof(msg)), -EINVAL);
	if (!strstr(msg, key))
		fail_msg("message \"%s\" does not name \"%s\"", msg, key);
}

/* RFC 6052 §2.2: pool6 length is one of 32, 40, 48, 56, 64, 96. */
static void test_cfg_check_rfc6052_2_2_pool6_len(void **state)
{
	struct xlat_cfg c;
	char msg[256];
	static const uint8_t good[] = {32, 40, 48, 56, 64, 96};

	(void)state;
	xlat_cfg_default(&c);
	v6("2001:db8::", c.pool6.addr);
	for (int len = 1; len <= 255; len++) {
		int ok = 0;
		for (size_t i = 0; i < sizeof(good); i++)
			ok |= len == good[i];
		c.pool6.len = (uint8_t)len;
		if (ok)
			assert_int_equal(xlat_cfg_check(&c, msg, sizeof(msg)),
					 0);
		else
			expect_bad(&c, "pool6");
	}
}

/* RFC 6052 §2.2: pool6 written as a network address; a /96 has a zero
 * u-octet. */
static void test_cfg_check_rfc6052_2_2_pool6_host_bits(void **state)
{
	struct xlat_cfg c;

	(void)state;
	xlat_cfg_default(&c);
	v6("2001:db8:0:1::", c.pool6.addr); /* bits set beyond /32 */
	c.pool6.len = 32;
	expect_bad(&c, "pool6");
	v6("2001:db8:122:344::1", c.pool6.addr);
	c.pool6.len = 96;
	expect_bad(&c, "pool6");
	v6("2001:db8:122:344:100::", c.pool6.addr); /* u-octet of a /96 */
	c.pool6.len = 96;
	expect_bad(&c, "pool6");
}

/* RFC 8200 §5 / RFC 7915 §4.1: lowest-ipv6-mtu is at least 1280 and at
 * most ipv6-mtu; RFC 7915 §5: ipv4-mtu at least 1260. */
static void test_cfg_check_rfc7915_4_1_mtus(void **state)
{
	struct xlat_cfg c;
	char msg[256];

	(void)state;
	xlat_cfg_default(&c);
	c.lowest_ipv6_mtu = 1279;
	expect_bad(&c, "lowest-ipv6-mtu");
	c.lowest_ipv6_mtu = 0;
	expect_bad(&c, "lowest-ipv6-mtu");
	c.lowest_ipv6_mtu = 1501;
	expect_bad(&c, "lowest-ipv6-mtu");
	c.lowest_ipv6_mtu = 1400;
	c.ipv6_mtu = 1300;
	expect_bad(&c, "lowest-ipv6-mtu");
	c.ipv6_mtu = 1400;
	assert_int_equal(xlat_cfg_check(&c, msg, sizeof(msg)), 0);
	xlat_cfg_default(&c);
	c.lowest_ipv6_mtu = 1280;
	c.ipv6_mtu = 1280;
	assert_int_equal(xlat_cfg_check(&c, msg, sizeof(msg)), 0);
	c.ipv4_mtu = 1259;
	expect_bad(&c, "ipv4-mtu");
	c.ipv4_mtu = 576;
	expect_bad(&c, "ipv4-mtu");
	c.ipv4_mtu = 1260;
	assert_int_equal(xlat_cfg_check(&c, msg, sizeof(msg)), 0);
}

/* RFC 6791: at most XLAT_POOL6791_MAX pool addresses. */
static void test_cfg_check_rfc6791_pool_size(void **state)
{
	struct xlat_cfg c;
	char msg[256];

	(void)state;
	xlat_cfg_default(&c);
	c.pool6791_n = XLAT_POOL6791_MAX;
	assert_int_equal(xlat_cfg_check(&c, msg, sizeof(msg)), 0);
	c.pool6791_n = XLAT_POOL6791_MAX + 1;
	expect_bad(&c, "pool6791");
}

/* ---------------------------------------------------------------------
 * Names
 */

/* Every reason has a unique, non-empty name and an explanation (STYLE.md:
 * one X-macro list; Jool's "stats display --explain"). */
static void test_reason_names(void **state)
{
	(void)state;
	assert_string_equal(xlat_reason_name(XLAT_R_NONE), "none");
	for (int i = 0; i < XLAT_R_MAX; i++) {
		const char *n = xlat_reason_name((enum xlat_reason)i);
		const char *x = xlat_reason_explain((enum xlat_reason)i);
		assert_non_null(n);
		assert_non_null(x);
		assert_true(strlen(n) > 0);
		assert_true(strlen(x) > 0);
		assert_string_not_equal(n, "?");
		assert_null(strchr(n, ' '));
		for (int j = 0; j < i; j++)
			assert_string_not_equal(
			    n, xlat_reason_name((enum xlat_reason)j));
	}
	assert_string_equal(xlat_reason_name(XLAT_R_MAX), "?");
	assert_string_equal(xlat_reason_explain(XLAT_R_MAX), "?");
	/* the names the corpus README and docs/translation.md use */
	assert_string_equal(xlat_reason_name(XLAT_R_ICMP_RATELIMIT),
			    "icmp-ratelimited");
	assert_string_equal(xlat_reason_name(XLAT_R_WKP_NONGLOBAL),
			    "wkp-non-global");
}

static void test_verdict_names(void **state)
{
	static const char *const want[] = {"forward", "hairpin", "fragment",
					   "icmp",    "pass",	 "drop"};
	(void)state;
	assert_int_equal(XLAT_VERDICT_MAX, 6);
	for (int i = 0; i < XLAT_VERDICT_MAX; i++)
		assert_string_equal(xlat_verdict_name((enum xlat_verdict)i),
				    want[i]);
	assert_string_equal(xlat_verdict_name(XLAT_VERDICT_MAX), "?");
}

/* ---------------------------------------------------------------------
 * A plain UDP packet each way
 */

/* RFC 7915 §4.1 and §4.5: IPv4/UDP -> IPv6/UDP, header field by field,
 * checksum updated, payload unchanged. */
static void test_rfc7915_4_1_udp_4to6(void **state)
{
	struct fx *f = *state;
	enum xlat_reason r;
	uint8_t s6[16], d6[16];

	uint32_t len = build_udp4(f->buf + XLAT_HEADROOM, "198.51.100.10",
				  "192.0.2.33", 64, 0xb8, 0x1234, 0, 64);
	uint8_t orig[128];
	memcpy(orig, f->buf + XLAT_HEADROOM, len);
	struct xlat_pkt p = pkt_at(f->buf, len);
	assert_int_equal(xlat_4to6(&f->ctx, &p, &r), XLAT_FORWARD);
	assert_int_equal(r, XLAT_R_NONE);
	assert_int_equal(p.len, 40 + 8 + 64);
	assert_ptr_equal(p.data, f->buf + XLAT_HEADROOM - 20);
	const uint8_t *o = p.data;
	/* version 6, traffic class = TOS, flow label 0 */
	assert_int_equal(get32(o), 6u << 28 | 0xb8u << 20);
	assert_int_equal(get16(o + 4), 8 + 64);	  /* payload length */
	assert_int_equal(o[6], XLAT_IPPROTO_UDP); /* next header */
	assert_int_equal(o[7], 63);		  /* hop limit = TTL - 1 */
	v6("64:ff9b::198.51.100.10", s6);
	v6("64:ff9b::192.0.2.33", d6);
	assert_memory_equal(o + 8, s6, 16);
	assert_memory_equal(o + 24, d6, 16);
	assert_memory_equal(o + 40, orig + 20, 6); /* ports, length */
	assert_memory_equal(o + 48, orig + 28, 64);
	assert_true(l4_ok6(o, p.len));
}

/* RFC 7915 §5.1 and §5.1.1: IPv6/UDP -> IPv4/UDP: version 4, IHL 5, TOS =
 * traffic class, Identification from the counter, DF 0 below 1260 bytes,
 * TTL = hop limit - 1, checksums right. */
static void test_rfc7915_5_1_udp_6to4(void **state)
{
	struct fx *f = *state;
	enum xlat_reason r;

	f->ctx.ip4_id = 0x4321;
	uint32_t len = build_udp6(f->buf + XLAT_HEADROOM, "2001:db8:a::1",
				  "64:ff9b::198.51.100.10", 64, 0x28, 64);
	uint8_t orig[128];
	memcpy(orig, f->buf + XLAT_HEADROOM, len);
	struct xlat_pkt p = pkt_at(f->buf, len);
	assert_int_equal(xlat_6to4(&f->ctx, &p, &r), XLAT_FORWARD);
	assert_int_equal(r, XLAT_R_NONE);
	assert_int_equal(p.len, 20 + 8 + 64);
	assert_ptr_equal(p.data, f->buf + XLAT_HEADROOM + 20);
	const uint8_t *o = p.data;
	assert_int_equal(o[0], 0x45);
	assert_int_equal(o[1], 0x28);
	assert_int_equal(get16(o + 2), 20 + 8 + 64);
	assert_int_equal(get16(o + 4), 0x4321);
	assert_int_equal(get16(o + 6), 0); /* DF 0, not a fragment */
	assert_int_equal(o[8], 63);
	assert_int_equal(o[9], XLAT_IPPROTO_UDP);
	assert_int_equal(csum_fold32(csum_partial(o, 20, 0)), 0xffff);
	uint32_t s, d;
	memcpy(&s, o + 12, 4);
	memcpy(&d, o + 16, 4);
	assert_int_equal(s, v4("192.0.2.1"));	  /* through the EAM */
	assert_int_equal(d, v4("198.51.100.10")); /* through pool6 */
	assert_memory_equal(o + 20, orig + 40, 6);
	assert_memory_equal(o + 28, orig + 48, 64);
	assert_true(l4_ok4(o, p.len));
	assert_int_equal(f->ctx.ip4_id, 0x4322);
}

/* RFC 7915 §4.1 then §5.1: there and back again gives the original
 * IPv4 packet except TTL (twice decremented), Identification and
 * checksums. */
static void test_rfc7915_roundtrip(void **state)
{
	struct fx *f = *state;
	enum xlat_reason r;

	uint32_t len = build_udp4(f->buf + XLAT_HEADROOM, "198.51.100.10",
				  "192.0.2.1", 64, 0, 7, 0, 100);
	uint8_t orig[200];
	memcpy(orig, f->buf + XLAT_HEADROOM, len);
	struct xlat_pkt p = pkt_at(f->buf, len);
	assert_int_equal(xlat_4to6(&f->ctx, &p, &r), XLAT_FORWARD);
	/* the reply path: swap the addresses on the IPv6 side */
	uint8_t tmp[16];
	memcpy(tmp, p.data + 8, 16);
	memcpy(p.data + 8, p.data + 24, 16);
	memcpy(p.data + 24, tmp, 16);
	memcpy(f->buf2 + XLAT_HEADROOM, p.data, p.len);
	struct xlat_pkt q = pkt_at(f->buf2, p.len);
	assert_int_equal(xlat_6to4(&f->ctx, &q, &r), XLAT_FORWARD);
	assert_int_equal(q.len, len);
	uint32_t s, d;
	memcpy(&s, q.data + 12, 4);
	memcpy(&d, q.data + 16, 4);
	assert_int_equal(s, v4("192.0.2.1"));
	assert_int_equal(d, v4("198.51.100.10"));
	assert_int_equal(q.data[8], 62);
	assert_memory_equal(q.data + 20, orig + 20, 6);
	assert_memory_equal(q.data + 28, orig + 28, len - 28);
	assert_true(l4_ok4(q.data, q.len));
}

/* ---------------------------------------------------------------------
 * Counters and the burst API
 */

/* xlat_stats: in[] and verdict[] count every packet once, reason[] every
 * packet not plainly translated (xlat.h: [XLAT_R_NONE] is not kept). */
static void test_counters(void **state)
{
	struct fx *f = *state;
	enum xlat_reason r;

	for (int i = 0; i < 5; i++) {
		uint32_t len =
		    build_udp4(f->buf + XLAT_HEADROOM, "198.51.100.10",
			       "192.0.2.33", 64, 0, (uint16_t)i, 0, 32);
		struct xlat_pkt p = pkt_at(f->buf, len);
		assert_int_equal(xlat_4to6(&f->ctx, &p, &r), XLAT_FORWARD);
	}
	assert_int_equal(f->st.in[1], 5);
	assert_int_equal(f->st.in[0], 0);
	assert_int_equal(f->st.verdict[XLAT_FORWARD], 5);

	/* a bad IPv4 header checksum: drop */
	uint32_t len = build_udp4(f->buf + XLAT_HEADROOM, "198.51.100.10",
				  "192.0.2.33", 64, 0, 1, 0, 32);
	f->buf[XLAT_HEADROOM + 10] ^= 1;
	struct xlat_pkt p = pkt_at(f->buf, len);
	assert_int_equal(xlat_4to6(&f->ctx, &p, &r), XLAT_DROP);
	assert_int_equal(r, XLAT_R_BAD_IP4_CSUM);
	assert_int_equal(f->st.verdict[XLAT_DROP], 1);
	assert_int_equal(f->st.reason[XLAT_R_BAD_IP4_CSUM], 1);

	/* 6to4 to a destination outside pool6 and the EAM: pass */
	for (int i = 0; i < 3; i++) {
		len = build_udp6(f->buf + XLAT_HEADROOM, "2001:db8:a::1",
				 "2001:db8:9::1", 64, 0, 16);
		p = pkt_at(f->buf, len);
		assert_int_equal(xlat_6to4(&f->ctx, &p, &r), XLAT_PASS);
		assert_int_equal(r, XLAT_R_DST_NOT_OURS);
	}
	assert_int_equal(f->st.in[0], 3);
	assert_int_equal(f->st.in[1], 6);
	assert_int_equal(f->st.verdict[XLAT_PASS], 3);
	assert_int_equal(f->st.reason[XLAT_R_DST_NOT_OURS], 3);

	uint64_t nv = 0, nr = 0;
	for (int i = 0; i < XLAT_VERDICT_MAX; i++)
		nv += f->st.verdict[i];
	for (int i = 1; i < XLAT_R_MAX; i++) /* [NONE] is not kept */
		nr += f->st.reason[i];
	assert_int_equal(nv, 9);
	assert_int_equal(nr, 4);
}

#define NB 8

/* A mixed set of IPv4 packets: forward, ICMP error, drop, pass. */
static uint32_t mixed4(uint8_t *p, int i)
{
	switch (i % 4) {
	case 0:
		return build_udp4(p, "198.51.100.10", "192.0.2.33", 64, 0,
				  (uint16_t)i, 0, 20 + (uint32_t)i);
	case 1: /* TTL 1: ICMPv4 Time Exceeded */
		return build_udp4(p, "198.51.100.10", "192.0.2.33", 1, 0,
				  (uint16_t)i, 0, 20);
	case 2: { /* bad checksum: drop */
		uint32_t l = build_udp4(p, "198.51.100.10", "192.0.2.33", 64, 0,
					(uint16_t)i, 0, 20);
		p[11] ^= 0x40;
		return l;
	}
	default: /* private destination under the WKP: wkp-non-global */
		return build_udp4(p, "198.51.100.10", "10.0.0.1", 64, 0,
				  (uint16_t)i, 0, 20);
	}
}

static uint32_t mixed6(uint8_t *p, int i)
{
	switch (i % 4) {
	case 0:
		return build_udp6(p, "2001:db8:a::1", "64:ff9b::198.51.100.10",
				  64, 0, 20 + (uint32_t)i);
	case 1: /* hop limit 1: ICMPv6 Time Exceeded */
		return build_udp6(p, "2001:db8:a::1", "64:ff9b::198.51.100.10",
				  1, 0, 20);
	case 2: /* source not translatable */
		return build_udp6(p, "2001:db8:9::1", "64:ff9b::198.51.100.10",
				  64, 0, 20);
	default: /* not ours: pass */
		return build_udp6(p, "2001:db8:a::1", "2001:db8:9::2", 64, 0,
				  20);
	}
}

/* The burst functions give the same verdicts, bytes and counters as one
 * call per packet. */
static void burst_vs_single(struct fx *f, int to6)
{
	static uint8_t bufs[2][NB][XLAT_HEADROOM + 256 + XLAT_TAILROOM];
	struct xlat_pkt pa[NB], pb[NB];
	uint8_t va[NB];
	struct xlat_stats st_b;
	struct xlat_ctx ctx_b;
	enum xlat_reason r;

	memset(&st_b, 0, sizeof(st_b));
	xlat_ctx_init(&ctx_b, &f->cfg, f->eamt, &st_b, 1);
	for (int i = 0; i < NB; i++) {
		uint32_t l = to6 ? mixed4(bufs[0][i] + XLAT_HEADROOM, i)
				 : mixed6(bufs[0][i] + XLAT_HEADROOM, i);
		memcpy(bufs[1][i], bufs[0][i], sizeof(bufs[0][i]));
		pa[i] = pkt_at(bufs[0][i], l);
		pb[i] = pkt_at(bufs[1][i], l);
	}
	if (to6)
		xlat_4to6_burst(&f->ctx, pa, NB, va);
	else
		xlat_6to4_burst(&f->ctx, pa, NB, va);
	for (int i = 0; i < NB; i++) {
		enum xlat_verdict v = to6 ? xlat_4to6(&ctx_b, &pb[i], &r)
					  : xlat_6to4(&ctx_b, &pb[i], &r);
		assert_int_equal(va[i], v);
		assert_int_equal(pa[i].len, pb[i].len);
		assert_int_equal(pa[i].data - bufs[0][i],
				 pb[i].data - bufs[1][i]);
		assert_memory_equal(pa[i].data, pb[i].data, pa[i].len);
	}
	assert_memory_equal(&f->st, &st_b, sizeof(st_b));
	assert_int_equal(f->st.verdict[XLAT_FORWARD], 2);
	assert_int_equal(f->st.verdict[XLAT_ICMP], 2);
}

static void test_burst_4to6(void **state)
{
	burst_vs_single(*state, 1);
}

static void test_burst_6to4(void **state)
{
	burst_vs_single(*state, 0);
}

/* ---------------------------------------------------------------------
 * ICMP error rate limit
 */

/* One IPv4 packet with TTL 1 through the translator: ICMP or drop. */
static enum xlat_verdict ttl1(struct fx *f, enum xlat_reason *r)
{
	uint32_t len = build_udp4(f->buf + XLAT_HEADROOM, "198.51.100.10",
				  "192.0.2.33", 1, 0, 0, 0, 20);
	struct xlat_pkt p = pkt_at(f->buf, len);
	return xlat_4to6(&f->ctx, &p, r);
}

static void expect_icmp(struct fx *f)
{
	enum xlat_reason r;
	assert_int_equal(ttl1(f, &r), XLAT_ICMP);
	assert_int_equal(r, XLAT_R_TTL_EXPIRED);
}

static void expect_limited(struct fx *f)
{
	enum xlat_reason r;
	assert_int_equal(ttl1(f, &r), XLAT_DROP);
	assert_int_equal(r, XLAT_R_ICMP_RATELIMIT);
}

/* RFC 4443 §2.4(f): a token bucket: icmp-burst errors at once, then
 * icmp-ratelimited, then one more per 1/icmp-rate seconds, never more
 * than the bucket depth after a long pause. */
static void test_rfc4443_2_4_f_ratelimit(void **state)
{
	struct fx *f = *state;
	const uint64_t ms = 1000000;

	f->cfg.icmp_rate = 10; /* one token per 100 ms */
	f->cfg.icmp_burst = 3;
	fx_ctx(f);
	f->ctx.now_ns = 5000 * ms;
	for (int i = 0; i < 3; i++)
		expect_icmp(f);
	expect_limited(f);
	expect_limited(f);
	f->ctx.now_ns += 50 * ms; /* half a token */
	expect_limited(f);
	f->ctx.now_ns += 50 * ms; /* a whole one, with the half before */
	expect_icmp(f);
	expect_limited(f);
	f->ctx.now_ns += 250 * ms; /* two tokens (and a half) */
	expect_icmp(f);
	expect_icmp(f);
	expect_limited(f);
	f->ctx.now_ns += 3600000 * ms; /* an hour: the bucket is full, 3 */
	for (int i = 0; i < 3; i++)
		expect_icmp(f);
	expect_limited(f);
	assert_int_equal(f->st.reason[XLAT_R_ICMP_RATELIMIT], 6);
	assert_int_equal(f->st.verdict[XLAT_ICMP], 9);
}

/* icmp-rate 0: no limit. */
static void test_rfc4443_2_4_f_unlimited(void **state)
{
	struct fx *f = *state;

	f->cfg.icmp_rate = 0;
	f->cfg.icmp_burst = 1;
	fx_ctx(f);
	for (int i = 0; i < 1000; i++)
		expect_icmp(f);
}

/* ---------------------------------------------------------------------
 * xlat_frag6 (RFC 7915 §4.1, RFC 8200 §4.5)
 */

struct frags {
	struct xlat_pkt out[64];
	uint8_t *mem;
};

static void frags_alloc(struct frags *fr, uint32_t mtu)
{
	fr->mem = malloc(64 * (size_t)mtu);
	assert_non_null(fr->mem);
	for (int i = 0; i < 64; i++) {
		fr->out[i].data = fr->mem + (size_t)i * mtu;
		fr->out[i].len = 0;
	}
}

/* Translate a DF=0 IPv4 packet of 'paylen' UDP payload bytes (frag_off as
 * given) and split it; check every fragment against the rules. */
static void frag_case(struct fx *f, uint16_t lowest, uint16_t frag_off,
		      uint32_t paylen, uint8_t proto)
{
	enum xlat_reason r;
	struct frags fr;

	f->cfg.lowest_ipv6_mtu = lowest;
	fx_ctx(f);
	uint8_t *in = f->buf + XLAT_HEADROOM;
	uint32_t len = build_udp4(in, "198.51.100.10", "192.0.2.33", 64, 0,
				  0xbeef, frag_off, paylen);
	if (proto != XLAT_IPPROTO_UDP) { /* an opaque protocol */
		in[9] = proto;
		in[10] = in[11] = 0;
		struct xlat_ip4 ip;
		memcpy(&ip, in, 20);
		uint16_t c = csum_ip4_hdr(&ip);
		memcpy(in + 10, &c, 2);
	}
	uint8_t *l4copy = malloc(len);
	assert_non_null(l4copy);
	memcpy(l4copy, in + 20, len - 20);
	struct xlat_pkt p = pkt_at(f->buf, len);
	assert_int_equal(xlat_4to6(&f->ctx, &p, &r), XLAT_FRAGMENT);
	assert_int_equal(r, XLAT_R_NONE);
	assert_int_equal(p.data[6], XLAT_IPPROTO_FRAGMENT);
	assert_int_equal(p.len, 48 + len - 20);

	uint32_t maxpay = (lowest - 48u) & ~7u;
	uint32_t pay = len - 20;
	int want_n = (int)((pay + maxpay - 1) / maxpay);

	frags_alloc(&fr, lowest);
	if (want_n > 1)
		assert_int_equal(
		    xlat_frag6(&f->ctx, &p, fr.out, (unsigned)want_n - 1),
		    -ENOSPC);
	int n = xlat_frag6(&f->ctx, &p, fr.out, 64);
	assert_int_equal(n, want_n);
	assert_int_equal(f->st.frags_out, (uint64_t)n);

	uint32_t off = (uint32_t)(frag_off & XLAT_IP4_OFFMASK) * 8;
	uint32_t seen = 0;
	int last_m = !!(frag_off & XLAT_IP4_MF);
	for (int i = 0; i < n; i++) {
		const uint8_t *d = fr.out[i].data;
		uint32_t flen = fr.out[i].len;
		assert_true(flen <= lowest);
		assert_true(flen > 48);
		assert_int_equal(get16(d + 4) + 40, flen); /* payload length */
		assert_int_equal(d[6], XLAT_IPPROTO_FRAGMENT);
		assert_memory_equal(d + 8, p.data + 8, 32); /* addresses */
		assert_int_equal(d[40], proto);		    /* next header */
		assert_int_equal(get32(d + 44), 0xbeef);    /* id */
		uint16_t om = get16(d + 42);
		assert_int_equal((om >> 3) * 8u, off + seen);
		if (i + 1 < n) {
			/* RFC 8200 §4.5: a multiple of 8, as large as fits */
			assert_int_equal((flen - 48) % 8, 0);
			assert_int_equal(flen - 48, maxpay);
			assert_int_equal(om & 1, 1);
		} else {
			assert_int_equal(om & 1, last_m);
		}
		assert_memory_equal(d + 48, l4copy + seen, flen - 48);
		seen += flen - 48;
	}
	assert_int_equal(seen, pay);
	free(fr.mem);
	free(l4copy);
}

/* RFC 7915 §4.1: DF=0, larger than lowest-ipv6-mtu: fragments of at most
 * 1280 bytes, payloads multiples of 8, offsets contiguous, M=1 but the
 * last. */
static void test_rfc7915_4_1_frag6_1280(void **state)
{
	frag_case(*state, 1280, 0, 3000, XLAT_IPPROTO_UDP);
}

/* The same with lowest-ipv6-mtu 1400 and a payload that splits evenly. */
static void test_rfc7915_4_1_frag6_1400(void **state)
{
	frag_case(*state, 1400, 0, 1352 * 3 - 8, XLAT_IPPROTO_UDP);
}

/* RFC 7915 §4.1: a middle IPv4 fragment (MF=1, offset 1000*8): offsets
 * start there, and the last piece keeps M=1. */
static void test_rfc7915_4_1_frag6_of_fragment(void **state)
{
	frag_case(*state, 1280, XLAT_IP4_MF | 1000, 2000, 253);
}

/* The largest IPv4 datagram: 65515 bytes of payload, dozens of pieces. */
static void test_rfc7915_4_1_frag6_max(void **state)
{
	frag_case(*state, 1280, 0, 65535 - 28, XLAT_IPPROTO_UDP);
}

/* xlat_frag6 with too small an output array: -ENOSPC, nothing counted. */
static void test_frag6_enospc(void **state)
{
	struct fx *f = *state;
	enum xlat_reason r;
	struct frags fr;

	uint32_t len = build_udp4(f->buf + XLAT_HEADROOM, "198.51.100.10",
				  "192.0.2.33", 64, 0, 1, 0, 5000);
	struct xlat_pkt p = pkt_at(f->buf, len);
	assert_int_equal(xlat_4to6(&f->ctx, &p, &r), XLAT_FRAGMENT);
	frags_alloc(&fr, 1280);
	assert_int_equal(xlat_frag6(&f->ctx, &p, fr.out, 0), -ENOSPC);
	assert_int_equal(xlat_frag6(&f->ctx, &p, fr.out, 4), -ENOSPC);
	assert_int_equal(f->st.frags_out, 0);
	assert_int_equal(xlat_frag6(&f->ctx, &p, fr.out, 5), 5);
	free(fr.mem);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_cfg_default),
	    cmocka_unit_test(test_cfg_check_rfc6052_2_2_pool6_len),
	    cmocka_unit_test(test_cfg_check_rfc6052_2_2_pool6_host_bits),
	    cmocka_unit_test(test_cfg_check_rfc7915_4_1_mtus),
	    cmocka_unit_test(test_cfg_check_rfc6791_pool_size),
	    cmocka_unit_test(test_reason_names),
	    cmocka_unit_test(test_verdict_names),
	    T(test_rfc7915_4_1_udp_4to6),
	    T(test_rfc7915_5_1_udp_6to4),
	    T(test_rfc7915_roundtrip),
	    T(test_counters),
	    T(test_burst_4to6),
	    T(test_burst_6to4),
	    T(test_rfc4443_2_4_f_ratelimit),
	    T(test_rfc4443_2_4_f_unlimited),
	    T(test_rfc7915_4_1_frag6_1280),
	    T(test_rfc7915_4_1_frag6_1400),
	    T(test_rfc7915_4_1_frag6_of_fragment),
	    T(test_rfc7915_4_1_frag6_max),
	    T(test_frag6_enospc),
	};
	return cmocka_run_group_tests_name("xlat", tests, NULL, NULL);
}
