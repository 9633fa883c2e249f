/*
 * test_dns64_synth.c - the RFC 6147 rules of dns64/synth.h: the decision
 * after the upstream AAAA answer (§5.1.1-§5.1.6, §5.5), synthesis (§5.1.5-
 * §5.1.7, §5.2, §5.3.2), PTR under the prefixes (§5.3.1), ipv4only.arpa
 * (RFC 8880 §7.2) and the configuration check.  The upstream messages are
 * built with the codec's builder and parsed, as the server hands them in.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <arpa/inet.h>
#include <errno.h>

#include <cmocka.h>

#include "dataplane/xlat/rfc6052.h"
#include "dns64/synth.h"

/* ---- helpers ----------------------------------------------------------- */

struct pmsg {
	uint8_t buf[8192];
	size_t len;
	struct dns_msg m;
};

static void wname(const char *s, uint8_t out[DNS_NAME_MAX])
{
	assert_true(dns_name_from_str(s, out) > 0);
}

static void parse(struct pmsg *p)
{
	int e = dns_parse(&p->m, p->buf, p->len);
	if (e)
		fail_msg("parse: %s", dns_err_name(e));
}

/* A client query; edns 0: no OPT. */
static void mkquery(struct pmsg *p, const char *qname, uint16_t qtype,
		    uint16_t flags, uint16_t edns, bool do_bit)
{
	struct dns_builder b;
	uint8_t n[DNS_NAME_MAX];

	wname(qname, n);
	dns_build_init(&b, p->buf, sizeof(p->buf), DNS_MSG_MAX);
	assert_int_equal(dns_build_header(&b, 0x4242, flags), 0);
	assert_int_equal(dns_build_question(&b, n, qtype, DNS_C_IN), 0);
	if (edns) {
		struct dns_opt o = {.udp_size = edns,
				    .flags = do_bit ? DNS_EDNS_DO : 0};
		assert_int_equal(dns_build_opt(&b, &o, NULL), 0);
	}
	assert_int_equal(dns_build_finish(&b, &p->len), 0);
	parse(p);
}

/* An upstream response, record by record. */
struct rb {
	struct dns_builder b;
	struct pmsg *p;
};

static void rb_begin(struct rb *r, struct pmsg *p, const char *qname,
		     uint16_t qtype, uint16_t rcode, uint16_t extra)
{
	uint8_t n[DNS_NAME_MAX];
	struct dns_opt o = {.udp_size = 4096, .flags = DNS_EDNS_DO};

	r->p = p;
	wname(qname, n);
	dns_build_init(&r->b, p->buf, sizeof(p->buf), DNS_MSG_MAX);
	assert_int_equal(
	    dns_build_header(&r->b, 0x1111,
			     DNS_F_QR | DNS_F_RD | DNS_F_RA | rcode | extra),
	    0);
	assert_int_equal(dns_build_question(&r->b, n, qtype, DNS_C_IN), 0);
	/* upstream answers carry an OPT: it must not reach the client */
	assert_int_equal(dns_build_opt(&r->b, &o, NULL), 0);
}

static void rb_raw(struct rb *r, int sec, const char *owner, uint16_t type,
		   uint32_t ttl, const void *rd, uint16_t rdlen)
{
	uint8_t n[DNS_NAME_MAX];

	wname(owner, n);
	assert_int_equal(
	    dns_build_rr(&r->b, sec, n, type, DNS_C_IN, ttl, rd, rdlen), 0);
}

static void rb_a(struct rb *r, int sec, const char *owner, uint32_t ttl,
		 const char *ip)
{
	uint8_t a[4];

	assert_int_equal(inet_pton(AF_INET, ip, a), 1);
	rb_raw(r, sec, owner, DNS_T_A, ttl, a, 4);
}

static void rb_aaaa(struct rb *r, const char *owner, uint32_t ttl,
		    const char *ip)
{
	uint8_t a[16];

	assert_int_equal(inet_pton(AF_INET6, ip, a), 1);
	rb_raw(r, DNS_SEC_AN, owner, DNS_T_AAAA, ttl, a, 16);
}

static void rb_cname(struct rb *r, const char *owner, uint32_t ttl,
		     const char *target)
{
	uint8_t n[DNS_NAME_MAX], t[DNS_NAME_MAX];

	wname(owner, n);
	wname(target, t);
	assert_int_equal(dns_build_rr_name(&r->b, DNS_SEC_AN, n, DNS_T_CNAME,
					   DNS_C_IN, ttl, t),
			 0);
}

/* SOA in the authority section (RFC 2308 §3), names uncompressed. */
static void rb_soa(struct rb *r, const char *owner, uint32_t ttl,
		   uint32_t minimum)
{
	uint8_t rd[2 * DNS_NAME_MAX + 20], nm[DNS_NAME_MAX];
	size_t n = 0, l;
	uint32_t f[5] = {2024010101, 7200, 900, 1209600, minimum};

	l = dns_name_from_str("ns1.example.com", nm);
	memcpy(rd + n, nm, l);
	n += l;
	l = dns_name_from_str("hostmaster.example.com", nm);
	memcpy(rd + n, nm, l);
	n += l;
	for (int i = 0; i < 5; i++) {
		rd[n++] = (uint8_t)(f[i] >> 24);
		rd[n++] = (uint8_t)(f[i] >> 16);
		rd[n++] = (uint8_t)(f[i] >> 8);
		rd[n++] = (uint8_t)f[i];
	}
	rb_raw(r, DNS_SEC_NS, owner, DNS_T_SOA, ttl, rd, (uint16_t)n);
}

/* An RRSIG (RFC 4034 §3.1) over type covered; the signature is junk. */
static void rb_rrsig(struct rb *r, int sec, const char *owner, uint16_t covered)
{
	uint8_t rd[18 + DNS_NAME_MAX + 16] = {(uint8_t)(covered >> 8),
					      (uint8_t)covered, 13, 3};
	uint8_t signer[DNS_NAME_MAX];
	size_t n = 18, sl = dns_name_from_str("example.com", signer);

	memcpy(rd + n, signer, sl);
	n += sl;
	memset(rd + n, 0xab, 16);
	rb_raw(r, sec, owner, DNS_T_RRSIG, 300, rd, (uint16_t)(n + 16));
}

static void rb_end(struct rb *r)
{
	assert_int_equal(dns_build_finish(&r->b, &r->p->len), 0);
	parse(r->p);
}

/* Output into p, parsed after the call. */
static void out_init(struct dns64_out *o, struct pmsg *p, size_t limit)
{
	memset(o, 0, sizeof(*o));
	/* p->buf is an array: its address, not its contents */
	// cppcheck-suppress ctuuninitvar
	o->buf = p->buf;
	o->cap = sizeof(p->buf);
	o->limit = limit;
}

static void out_parse(const struct dns64_out *o, struct pmsg *p)
{
	p->len = o->len;
	parse(p);
}

static unsigned count_type(const struct dns_msg *m, int sec, uint16_t type)
{
	unsigned n = 0;

	for (unsigned i = 0; i < m->nrr[sec]; i++)
		n += m->rr[sec][i].type == type;
	return n;
}

/* The i-th AAAA of the answer section. */
static const struct dns_rr *nth_aaaa(const struct dns_msg *m, unsigned i,
				     uint8_t a[16])
{
	for (unsigned k = 0; k < m->nrr[DNS_SEC_AN]; k++) {
		const struct dns_rr *rr = &m->rr[DNS_SEC_AN][k];
		if (rr->type != DNS_T_AAAA || i--)
			continue;
		assert_int_equal(dns_rr_aaaa(m, rr, a), 0);
		return rr;
	}
	fail_msg("no AAAA #%u", i);
	return NULL;
}

static uint32_t v4(const char *ip)
{
	uint32_t v;

	assert_int_equal(inet_pton(AF_INET, ip, &v), 1);
	return v;
}

static void set_prefix(struct dns64_prefix6 *p, const char *ip, uint8_t len)
{
	assert_int_equal(inet_pton(AF_INET6, ip, p->addr), 1);
	p->len = len;
}

static void assert_name(const uint8_t *n, const char *s)
{
	char t[DNS_NAME_MAX * 4 + 2];

	assert_int_equal(dns_name_to_str(n, t, sizeof(t)), 0);
	assert_string_equal(t, s);
}

/* A NOERROR/NODATA AAAA answer for qname, with a SOA of TTL soa_ttl and
 * MINIMUM soa_min (no SOA if soa_ttl is 0). */
static void nodata(struct pmsg *p, const char *qname, uint32_t soa_ttl,
		   uint32_t soa_min)
{
	struct rb r;

	rb_begin(&r, p, qname, DNS_T_AAAA, DNS_RC_NOERROR, 0);
	if (soa_ttl)
		rb_soa(&r, "example.com", soa_ttl, soa_min);
	rb_end(&r);
}

/* ---- the decision (RFC 6147 §5.1, §5.5) --------------------------------- */

static void decide(const struct dns64_cfg *cfg, const struct pmsg *q,
		   const struct pmsg *aaaa, struct dns64_decision *d,
		   struct dns64_stats *st)
{
	assert_int_equal(dns64_decide(cfg, &q->m, &aaaa->m, d, st), 0);
}

/* RFC 6147 §5.1.6: NOERROR without AAAA: query A for the name. */
static void test_rfc6147_5_1_6_nodata_query_a(void **state)
{
	struct dns64_cfg cfg;
	struct dns64_stats st = {0};
	struct dns64_decision d;
	struct pmsg q, aaaa;

	(void)state;
	dns64_cfg_default(&cfg);
	mkquery(&q, "www.example.com", DNS_T_AAAA, DNS_F_RD, 0, false);
	nodata(&aaaa, "www.example.com", 300, 60);
	decide(&cfg, &q, &aaaa, &d, &st);
	assert_int_equal(d.action, DNS64_QUERY_A);
	assert_int_equal(d.ctr, DNS64_C_NODATA);
	assert_name(d.final, "www.example.com.");
	assert_int_equal(d.final_len, 17);
	assert_int_equal(st.c[DNS64_C_NODATA], 1);
}

/* RFC 6147 §5.1.1: real AAAA records go to the client as they are. */
static void test_rfc6147_5_1_1_aaaa_present_pass(void **state)
{
	struct dns64_cfg cfg;
	struct dns64_decision d;
	struct pmsg q, aaaa, out;
	struct dns64_out o;
	struct rb r;
	uint8_t a[16];

	(void)state;
	dns64_cfg_default(&cfg);
	mkquery(&q, "www.example.com", DNS_T_AAAA, DNS_F_RD, 0, false);
	rb_begin(&r, &aaaa, "www.example.com", DNS_T_AAAA, 0, 0);
	rb_aaaa(&r, "www.example.com", 3600, "2001:db8::1");
	rb_end(&r);
	decide(&cfg, &q, &aaaa, &d, NULL);
	assert_int_equal(d.action, DNS64_PASS);
	assert_int_equal(d.ctr, DNS64_C_PASSED);

	/* relayed: the client's id, no OPT (the client sent none) */
	out_init(&o, &out, 512);
	assert_int_equal(dns64_build_pass(&cfg, &q.m, &aaaa.m, false, &o, NULL),
			 0);
	out_parse(&o, &out);
	assert_int_equal(out.m.id, 0x4242);
	assert_false(out.m.has_opt);
	assert_int_equal(out.m.nrr[DNS_SEC_AN], 1);
	nth_aaaa(&out.m, 0, a);
	assert_int_equal(a[15], 1);
}

/* RFC 6147 §5.1.4: only AAAA inside ::ffff:0:0/96 counts as no AAAA. */
static void test_rfc6147_5_1_4_only_excluded_query_a(void **state)
{
	struct dns64_cfg cfg;
	struct dns64_decision d;
	struct pmsg q, aaaa;
	struct rb r;

	(void)state;
	dns64_cfg_default(&cfg);
	mkquery(&q, "www.example.com", DNS_T_AAAA, DNS_F_RD, 0, false);
	rb_begin(&r, &aaaa, "www.example.com", DNS_T_AAAA, 0, 0);
	rb_aaaa(&r, "www.example.com", 3600, "::ffff:192.0.2.1");
	rb_end(&r);
	decide(&cfg, &q, &aaaa, &d, NULL);
	assert_int_equal(d.action, DNS64_QUERY_A);
	assert_int_equal(d.ctr, DNS64_C_EXCLUDED_ONLY);
}

/* RFC 6147 §5.1.4: with both, the excluded AAAA are left out. */
static void test_rfc6147_5_1_4_mixed_filtered(void **state)
{
	struct dns64_cfg cfg;
	struct dns64_decision d;
	struct pmsg q, aaaa, out;
	struct dns64_out o;
	struct rb r;
	uint8_t a[16];

	(void)state;
	dns64_cfg_default(&cfg);
	mkquery(&q, "www.example.com", DNS_T_AAAA, DNS_F_RD, 0, false);
	rb_begin(&r, &aaaa, "www.example.com", DNS_T_AAAA, 0, 0);
	rb_aaaa(&r, "www.example.com", 3600, "::ffff:192.0.2.1");
	rb_aaaa(&r, "www.example.com", 3600, "2001:db8::7");
	rb_end(&r);
	decide(&cfg, &q, &aaaa, &d, NULL);
	assert_int_equal(d.action, DNS64_FILTER);
	out_init(&o, &out, 512);
	assert_int_equal(dns64_build_pass(&cfg, &q.m, &aaaa.m, true, &o, NULL),
			 0);
	out_parse(&o, &out);
	assert_int_equal(count_type(&out.m, DNS_SEC_AN, DNS_T_AAAA), 1);
	nth_aaaa(&out.m, 0, a);
	assert_int_equal(a[15], 7);
}

/* RFC 6147 §5.1.2: NXDOMAIN is returned as it is. */
static void test_rfc6147_5_1_2_nxdomain_pass(void **state)
{
	struct dns64_cfg cfg;
	struct dns64_decision d;
	struct pmsg q, aaaa, out;
	struct dns64_out o;
	struct rb r;

	(void)state;
	dns64_cfg_default(&cfg);
	mkquery(&q, "nx.example.com", DNS_T_AAAA, DNS_F_RD, 0, false);
	rb_begin(&r, &aaaa, "nx.example.com", DNS_T_AAAA, DNS_RC_NXDOMAIN, 0);
	rb_soa(&r, "example.com", 300, 60);
	rb_end(&r);
	decide(&cfg, &q, &aaaa, &d, NULL);
	assert_int_equal(d.action, DNS64_PASS);
	assert_int_equal(d.ctr, DNS64_C_NXDOMAIN_PASS);
	out_init(&o, &out, 512);
	assert_int_equal(dns64_build_pass(&cfg, &q.m, &aaaa.m, false, &o, NULL),
			 0);
	out_parse(&o, &out);
	assert_int_equal(dns_msg_rcode(&out.m), DNS_RC_NXDOMAIN);
	assert_int_equal(count_type(&out.m, DNS_SEC_NS, DNS_T_SOA), 1);
}

/* RFC 6147 §5.1.2-§5.1.3 and §5.5: SERVFAIL (bogus data from a validating
 * upstream, or its timeout) passes; read literally (servfail_synth), it is
 * NODATA and A is queried. */
static void test_rfc6147_5_1_2_servfail_pass(void **state)
{
	struct dns64_cfg cfg;
	struct dns64_decision d;
	struct pmsg q, aaaa;
	struct rb r;

	(void)state;
	dns64_cfg_default(&cfg);
	mkquery(&q, "www.example.com", DNS_T_AAAA, DNS_F_RD, 0, false);
	rb_begin(&r, &aaaa, "www.example.com", DNS_T_AAAA, DNS_RC_SERVFAIL, 0);
	rb_end(&r);
	decide(&cfg, &q, &aaaa, &d, NULL);
	assert_int_equal(d.action, DNS64_PASS);
	assert_int_equal(d.ctr, DNS64_C_SERVFAIL_PASS);
	cfg.servfail_synth = true;
	decide(&cfg, &q, &aaaa, &d, NULL);
	assert_int_equal(d.action, DNS64_QUERY_A);
	assert_int_equal(d.ctr, DNS64_C_RCODE_AS_NODATA);
}

/* RFC 6147 §5.1.2: any other RCODE is NODATA; §5.1.6: if the A query
 * fails too, that failure (the AAAA answer) is the answer. */
static void test_rfc6147_5_1_2_refused_as_nodata(void **state)
{
	struct dns64_cfg cfg;
	struct dns64_stats st = {0};
	struct dns64_decision d;
	struct pmsg q, aaaa, a, out;
	struct dns64_out o;
	struct rb r;

	(void)state;
	dns64_cfg_default(&cfg);
	mkquery(&q, "www.example.com", DNS_T_AAAA, DNS_F_RD, 0, false);
	rb_begin(&r, &aaaa, "www.example.com", DNS_T_AAAA, DNS_RC_REFUSED, 0);
	rb_end(&r);
	decide(&cfg, &q, &aaaa, &d, &st);
	assert_int_equal(d.action, DNS64_QUERY_A);
	assert_name(d.final, "www.example.com.");
	rb_begin(&r, &a, "www.example.com", DNS_T_A, DNS_RC_REFUSED, 0);
	rb_end(&r);
	out_init(&o, &out, 512);
	assert_int_equal(dns64_synth_build(&cfg, &q.m, &aaaa.m, &a.m, &o, &st),
			 0);
	out_parse(&o, &out);
	assert_int_equal(dns_msg_rcode(&out.m), DNS_RC_REFUSED);
	assert_int_equal(st.c[DNS64_C_A_EMPTY], 1);
}

/* RFC 6147 §5.1.5: the CNAME chain is followed, A is queried for its
 * end, and the synthesized answer keeps the chain before the AAAA. */
static void test_rfc6147_5_1_5_cname_chain(void **state)
{
	struct dns64_cfg cfg;
	struct dns64_decision d;
	struct pmsg q, aaaa, a, out;
	struct dns64_out o;
	struct rb r;
	uint8_t a6[16], owner[DNS_NAME_MAX];
	uint32_t got;

	(void)state;
	dns64_cfg_default(&cfg);
	mkquery(&q, "WwW.Example.COM", DNS_T_AAAA, DNS_F_RD, 0, false);
	rb_begin(&r, &aaaa, "www.example.com", DNS_T_AAAA, 0, 0);
	rb_cname(&r, "www.example.com", 300, "web.example.net");
	rb_cname(&r, "web.example.net", 300, "edge.cdn.example");
	rb_soa(&r, "cdn.example", 900, 120);
	rb_end(&r);
	decide(&cfg, &q, &aaaa, &d, NULL);
	assert_int_equal(d.action, DNS64_QUERY_A);
	assert_name(d.final, "edge.cdn.example.");

	rb_begin(&r, &a, "edge.cdn.example", DNS_T_A, 0, 0);
	rb_a(&r, DNS_SEC_AN, "edge.cdn.example", 3600, "192.0.2.33");
	rb_end(&r);
	out_init(&o, &out, 512);
	assert_int_equal(dns64_synth_build(&cfg, &q.m, &aaaa.m, &a.m, &o, NULL),
			 1);
	out_parse(&o, &out);
	assert_int_equal(out.m.id, 0x4242);
	assert_int_equal(out.m.nrr[DNS_SEC_AN], 3);
	assert_int_equal(out.m.rr[DNS_SEC_AN][0].type, DNS_T_CNAME);
	assert_int_equal(out.m.rr[DNS_SEC_AN][1].type, DNS_T_CNAME);
	assert_int_equal(out.m.rr[DNS_SEC_AN][2].type, DNS_T_AAAA);
	/* the question and the first owner as the client spelled them */
	assert_name(out.m.qname, "WwW.Example.COM.");
	assert_true(dns_rr_owner(&out.m, &out.m.rr[DNS_SEC_AN][0], owner));
	assert_name(owner, "WwW.Example.COM.");
	assert_true(dns_rr_owner(&out.m, &out.m.rr[DNS_SEC_AN][2], owner));
	assert_name(owner, "edge.cdn.example.");
	nth_aaaa(&out.m, 0, a6);
	assert_int_equal(rfc6052_extract(96, a6, &got), 0);
	assert_int_equal(got, v4("192.0.2.33"));
	/* RFC 6147 §5.1.7: min(A 3600, SOA min(900, 120)) */
	assert_int_equal(out.m.rr[DNS_SEC_AN][2].ttl, 120);
}

static void synth_ttl(uint32_t a_ttl, uint32_t soa_ttl, uint32_t soa_min,
		      uint32_t want)
{
	struct dns64_cfg cfg;
	struct pmsg q, aaaa, a, out;
	struct dns64_out o;
	struct rb r;

	dns64_cfg_default(&cfg);
	mkquery(&q, "v4.example.com", DNS_T_AAAA, DNS_F_RD, 0, false);
	nodata(&aaaa, "v4.example.com", soa_ttl, soa_min);
	rb_begin(&r, &a, "v4.example.com", DNS_T_A, 0, 0);
	rb_a(&r, DNS_SEC_AN, "v4.example.com", a_ttl, "192.0.2.1");
	rb_a(&r, DNS_SEC_AN, "v4.example.com", a_ttl, "198.51.100.1");
	rb_end(&r);
	out_init(&o, &out, 512);
	assert_int_equal(dns64_synth_build(&cfg, &q.m, &aaaa.m, &a.m, &o, NULL),
			 1);
	out_parse(&o, &out);
	assert_int_equal(count_type(&out.m, DNS_SEC_AN, DNS_T_AAAA), 2);
	for (unsigned i = 0; i < out.m.nrr[DNS_SEC_AN]; i++)
		assert_int_equal(out.m.rr[DNS_SEC_AN][i].ttl, want);
}

/* RFC 6147 §5.1.7: TTL = min(A TTL, SOA of the negative AAAA answer); the
 * SOA's negative TTL is min(SOA TTL, MINIMUM) (RFC 2308 §3). */
static void test_rfc6147_5_1_7_ttl_soa(void **state)
{
	(void)state;
	synth_ttl(3600, 300, 60, 60);
	synth_ttl(3600, 45, 60, 45);
	synth_ttl(30, 300, 60, 30);
	synth_ttl(3600, 7200, 1800, 1800); /* SOA beats the 600 cap */
}

/* RFC 6147 §5.1.7: without SOA, min(A TTL, 600). */
static void test_rfc6147_5_1_7_ttl_no_soa(void **state)
{
	(void)state;
	synth_ttl(3600, 0, 0, 600);
	synth_ttl(120, 0, 0, 120);
}

/* RFC 6147 §5.2 / RFC 6052 §2.2: one AAAA per A and prefix, each length
 * with its u-octet. */
static void test_rfc6147_5_2_several_prefixes(void **state)
{
	struct dns64_cfg cfg;
	struct dns64_stats st = {0};
	struct pmsg q, aaaa, a, out;
	struct dns64_out o;
	struct rb r;
	char msg[256];
	static const uint8_t lens[] = {96, 64, 40, 32};

	(void)state;
	dns64_cfg_default(&cfg);
	cfg.nprefix = 4;
	set_prefix(&cfg.prefix[1], "2001:db8:64::", 64);
	set_prefix(&cfg.prefix[2], "2001:db8:100::", 40);
	set_prefix(&cfg.prefix[3], "2001:db8::", 32);
	assert_int_equal(dns64_cfg_check(&cfg, msg, sizeof(msg)), 0);
	mkquery(&q, "v4.example.com", DNS_T_AAAA, DNS_F_RD, 0, false);
	nodata(&aaaa, "v4.example.com", 0, 0);
	rb_begin(&r, &a, "v4.example.com", DNS_T_A, 0, 0);
	rb_a(&r, DNS_SEC_AN, "v4.example.com", 300, "192.0.2.1");
	rb_a(&r, DNS_SEC_AN, "v4.example.com", 300, "203.0.113.9");
	rb_end(&r);
	out_init(&o, &out, 4096);
	assert_int_equal(dns64_synth_build(&cfg, &q.m, &aaaa.m, &a.m, &o, &st),
			 1);
	out_parse(&o, &out);
	assert_int_equal(count_type(&out.m, DNS_SEC_AN, DNS_T_AAAA), 8);
	assert_int_equal(st.c[DNS64_C_SYNTH_RECORDS], 8);
	assert_int_equal(st.c[DNS64_C_SYNTHESIZED], 1);
	for (unsigned i = 0; i < 8; i++) {
		uint8_t a6[16];
		uint32_t got;
		unsigned p = i / 2;

		nth_aaaa(&out.m, i, a6);
		assert_true(
		    rfc6052_match(cfg.prefix[p].addr, cfg.prefix[p].len, a6));
		assert_int_equal(rfc6052_extract(lens[p], a6, &got), 0);
		assert_int_equal(got, v4(i % 2 ? "203.0.113.9" : "192.0.2.1"));
	}
}

/* RFC 6052 §3.1: never a non-global IPv4 address with the WKP; the
 * mapped set limits the others. */
static void test_rfc6052_3_1_mapped_filter(void **state)
{
	struct dns64_cfg cfg;
	struct dns64_stats st = {0};
	struct pmsg q, aaaa, a, out;
	struct dns64_out o;
	struct rb r;
	uint8_t a6[16];
	uint32_t got;

	(void)state;
	dns64_cfg_default(&cfg);
	mkquery(&q, "intra.example.com", DNS_T_AAAA, DNS_F_RD, 0, false);
	nodata(&aaaa, "intra.example.com", 0, 0);
	rb_begin(&r, &a, "intra.example.com", DNS_T_A, 0, 0);
	rb_a(&r, DNS_SEC_AN, "intra.example.com", 300, "10.1.2.3");
	rb_end(&r);

	/* WKP only: nothing to synthesize, the NODATA goes back */
	out_init(&o, &out, 512);
	assert_int_equal(dns64_synth_build(&cfg, &q.m, &aaaa.m, &a.m, &o, &st),
			 0);
	out_parse(&o, &out);
	assert_int_equal(out.m.nrr[DNS_SEC_AN], 0);
	assert_int_equal(st.c[DNS64_C_MAPPED_FILTERED], 1);
	assert_int_equal(st.c[DNS64_C_A_EMPTY], 1);

	/* a network-specific prefix may carry it */
	cfg.nprefix = 2;
	set_prefix(&cfg.prefix[1], "2001:db8:64::", 96);
	out_init(&o, &out, 512);
	assert_int_equal(dns64_synth_build(&cfg, &q.m, &aaaa.m, &a.m, &o, &st),
			 1);
	out_parse(&o, &out);
	assert_int_equal(count_type(&out.m, DNS_SEC_AN, DNS_T_AAAA), 1);
	nth_aaaa(&out.m, 0, a6);
	assert_int_equal(a6[2], 0x0d);
	assert_int_equal(rfc6052_extract(96, a6, &got), 0);
	assert_int_equal(got, v4("10.1.2.3"));

	/* unless the mapped set leaves it out */
	cfg.nmapped = 1;
	cfg.mapped[0].addr = v4("198.51.100.0");
	cfg.mapped[0].len = 24;
	assert_false(dns64_mapped(&cfg, 1, v4("10.1.2.3")));
	assert_true(dns64_mapped(&cfg, 1, v4("198.51.100.200")));
	assert_false(dns64_mapped(&cfg, 1, v4("198.51.101.1")));
	/* loopback never, whatever the set */
	cfg.mapped[0].addr = 0;
	cfg.mapped[0].len = 0;
	assert_false(dns64_mapped(&cfg, 1, v4("127.0.0.1")));
	assert_true(dns64_mapped(&cfg, 0, v4("192.0.2.1")));
	assert_false(dns64_mapped(&cfg, 0, v4("172.16.0.1")));
}

/* RFC 6147 §5.5: CD set: no synthesis, the answer passes. */
static void test_rfc6147_5_5_cd_pass(void **state)
{
	struct dns64_cfg cfg;
	struct dns64_decision d;
	struct pmsg q, aaaa;

	(void)state;
	dns64_cfg_default(&cfg);
	mkquery(&q, "v4.example.com", DNS_T_AAAA, DNS_F_RD | DNS_F_CD, 1232,
		true);
	nodata(&aaaa, "v4.example.com", 300, 60);
	decide(&cfg, &q, &aaaa, &d, NULL);
	assert_int_equal(d.action, DNS64_PASS);
	assert_int_equal(d.ctr, DNS64_C_CD_PASS);
	cfg.break_dnssec = true; /* CD wins over break-dnssec */
	decide(&cfg, &q, &aaaa, &d, NULL);
	assert_int_equal(d.action, DNS64_PASS);
}

/* RFC 6147 §5.5: DO set and the answers signed: no synthesis, unless
 * break-dnssec. */
static void test_rfc6147_5_5_do_signed(void **state)
{
	struct dns64_cfg cfg;
	struct dns64_stats st = {0};
	struct dns64_decision d;
	struct pmsg q, q_nodo, aaaa, a, out;
	struct dns64_out o;
	struct rb r;

	(void)state;
	dns64_cfg_default(&cfg);
	mkquery(&q, "v4.example.com", DNS_T_AAAA, DNS_F_RD, 1232, true);
	mkquery(&q_nodo, "v4.example.com", DNS_T_AAAA, DNS_F_RD, 1232, false);
	rb_begin(&r, &aaaa, "v4.example.com", DNS_T_AAAA, 0, 0);
	rb_soa(&r, "example.com", 300, 60);
	rb_rrsig(&r, DNS_SEC_NS, "example.com", DNS_T_SOA);
	rb_end(&r);
	decide(&cfg, &q, &aaaa, &d, &st);
	assert_int_equal(d.action, DNS64_PASS);
	assert_int_equal(d.ctr, DNS64_C_DNSSEC_PASS);
	/* without DO the signature does not matter */
	decide(&cfg, &q_nodo, &aaaa, &d, NULL);
	assert_int_equal(d.action, DNS64_QUERY_A);

	/* the A answer signed, the AAAA not */
	nodata(&aaaa, "v4.example.com", 300, 60);
	rb_begin(&r, &a, "v4.example.com", DNS_T_A, 0, DNS_F_AD);
	rb_a(&r, DNS_SEC_AN, "v4.example.com", 300, "192.0.2.1");
	rb_rrsig(&r, DNS_SEC_AN, "v4.example.com", DNS_T_A);
	rb_end(&r);
	decide(&cfg, &q, &aaaa, &d, NULL);
	assert_int_equal(d.action, DNS64_QUERY_A);
	out_init(&o, &out, 1232);
	assert_int_equal(dns64_synth_build(&cfg, &q.m, &aaaa.m, &a.m, &o, &st),
			 0);
	out_parse(&o, &out);
	assert_int_equal(count_type(&out.m, DNS_SEC_AN, DNS_T_AAAA), 0);
	assert_int_equal(st.c[DNS64_C_DNSSEC_PASS], 2);

	/* break-dnssec: synthesized, AD cleared, RRSIG(A) not copied */
	cfg.break_dnssec = true;
	out_init(&o, &out, 1232);
	assert_int_equal(dns64_synth_build(&cfg, &q.m, &aaaa.m, &a.m, &o, &st),
			 1);
	out_parse(&o, &out);
	assert_int_equal(count_type(&out.m, DNS_SEC_AN, DNS_T_AAAA), 1);
	assert_int_equal(count_type(&out.m, DNS_SEC_AN, DNS_T_RRSIG), 0);
	assert_false(out.m.flags & DNS_F_AD);
	assert_false(out.m.flags & DNS_F_AA);

	/* and a signed NODATA no longer stops the A query */
	rb_begin(&r, &aaaa, "v4.example.com", DNS_T_AAAA, 0, 0);
	rb_soa(&r, "example.com", 300, 60);
	rb_rrsig(&r, DNS_SEC_NS, "example.com", DNS_T_SOA);
	rb_end(&r);
	decide(&cfg, &q, &aaaa, &d, NULL);
	assert_int_equal(d.action, DNS64_QUERY_A);
}

/* RFC 1035 §4.1.1 / RFC 2181 §9: an answer larger than the client's size
 * is cut at a record boundary and carries TC. */
static void test_rfc6147_truncation(void **state)
{
	struct dns64_cfg cfg;
	struct dns64_stats st = {0};
	struct pmsg q, aaaa, a, out;
	struct dns64_out o;
	struct rb r;
	char ip[32];

	(void)state;
	dns64_cfg_default(&cfg);
	cfg.nprefix = 2;
	set_prefix(&cfg.prefix[1], "2001:db8:64::", 64);
	mkquery(&q, "big.example.com", DNS_T_AAAA, DNS_F_RD, 0, false);
	nodata(&aaaa, "big.example.com", 0, 0);
	rb_begin(&r, &a, "big.example.com", DNS_T_A, 0, 0);
	for (int i = 1; i <= 30; i++) {
		snprintf(ip, sizeof(ip), "192.0.2.%d", i);
		rb_a(&r, DNS_SEC_AN, "big.example.com", 300, ip);
	}
	rb_end(&r);
	/* 60 AAAA of 28 bytes do not fit in 512 */
	out_init(&o, &out, dns64_resp_limit(&cfg, &q.m, false));
	assert_int_equal(o.limit, 512);
	assert_int_equal(dns64_synth_build(&cfg, &q.m, &aaaa.m, &a.m, &o, &st),
			 1);
	assert_true(o.tc);
	assert_true(o.len <= 512);
	out_parse(&o, &out);
	assert_true(out.m.flags & DNS_F_TC);
	assert_true(out.m.nrr[DNS_SEC_AN] > 0 && out.m.nrr[DNS_SEC_AN] < 60);
	assert_int_equal(st.c[DNS64_C_TRUNCATED], 1);
	/* over TCP it all fits */
	out_init(&o, &out, dns64_resp_limit(&cfg, &q.m, true));
	assert_int_equal(dns64_synth_build(&cfg, &q.m, &aaaa.m, &a.m, &o, &st),
			 1);
	assert_false(o.tc);
	out_parse(&o, &out);
	assert_int_equal(out.m.nrr[DNS_SEC_AN], 60);
}

/* RFC 6891 §7: an EDNS query gets an OPT back (our size, DO echoed per
 * RFC 3225 §3); the upstream's OPT never passes. */
static void test_rfc6891_edns_echoed(void **state)
{
	struct dns64_cfg cfg;
	struct pmsg q, aaaa, a, out;
	struct dns64_out o;
	struct rb r;

	(void)state;
	dns64_cfg_default(&cfg);
	mkquery(&q, "v4.example.com", DNS_T_AAAA, DNS_F_RD, 4096, true);
	assert_int_equal(dns64_resp_limit(&cfg, &q.m, false), 1232);
	nodata(&aaaa, "v4.example.com", 0, 0);
	rb_begin(&r, &a, "v4.example.com", DNS_T_A, 0, 0);
	rb_a(&r, DNS_SEC_AN, "v4.example.com", 300, "192.0.2.1");
	rb_raw(&r, DNS_SEC_AR, "v4.example.com", 16, 300, "\x02hi", 3);
	rb_end(&r);
	out_init(&o, &out, 1232);
	assert_int_equal(dns64_synth_build(&cfg, &q.m, &aaaa.m, &a.m, &o, NULL),
			 1);
	out_parse(&o, &out);
	assert_true(out.m.has_opt);
	assert_int_equal(out.m.opt.udp_size, 1232);
	assert_true(out.m.opt.flags & DNS_EDNS_DO);
	assert_true(out.m.flags & DNS_F_RD);
	assert_true(out.m.flags & DNS_F_RA);
	/* RFC 6147 §5.3.2: the additional section passes unchanged */
	assert_int_equal(out.m.nrr[DNS_SEC_AR], 1);
	assert_int_equal(out.m.rr[DNS_SEC_AR][0].type, 16);

	/* without DO in the query, DO is not in the answer */
	mkquery(&q, "v4.example.com", DNS_T_AAAA, DNS_F_RD, 512, false);
	assert_int_equal(dns64_resp_limit(&cfg, &q.m, false), 512);
	out_init(&o, &out, 512);
	assert_int_equal(dns64_synth_build(&cfg, &q.m, &aaaa.m, &a.m, &o, NULL),
			 1);
	out_parse(&o, &out);
	assert_true(out.m.has_opt);
	assert_false(out.m.opt.flags & DNS_EDNS_DO);
}

/* "x.x.x...ip6.arpa" for an address. */
static void rev6(const char *ip, char *s)
{
	uint8_t a[16];

	assert_int_equal(inet_pton(AF_INET6, ip, a), 1);
	for (int i = 31; i >= 0; i--) {
		int nib = i % 2 ? a[i / 2] & 0xf : a[i / 2] >> 4;
		s += sprintf(s, "%x.", nib);
	}
	strcpy(s, "ip6.arpa");
}

static int classify(const struct dns64_cfg *cfg, const struct pmsg *q,
		    uint8_t name[DNS_NAME_MAX])
{
	size_t len = 0;
	int route = dns64_classify(cfg, &q->m, name, &len);

	if (route == DNS64_ROUTE_PTR)
		assert_int_equal(len, dns_name_len(name, DNS_NAME_MAX));
	return route;
}

/* RFC 6147 §5.3.1: PTR under a /96 prefix: CNAME into in-addr.arpa, then
 * the upstream's PTR answer. */
static void test_rfc6147_5_3_1_ptr_96(void **state)
{
	struct dns64_cfg cfg;
	struct dns64_stats st = {0};
	struct pmsg q, ptr, out;
	struct dns64_out o;
	struct rb r;
	char s[128];
	uint8_t target[DNS_NAME_MAX], t[DNS_NAME_MAX];

	(void)state;
	dns64_cfg_default(&cfg);
	rev6("64:ff9b::c000:221", s); /* 192.0.2.33 */
	mkquery(&q, s, DNS_T_PTR, DNS_F_RD, 0, false);
	assert_int_equal(classify(&cfg, &q, target), DNS64_ROUTE_PTR);
	assert_name(target, "33.2.0.192.in-addr.arpa.");

	rb_begin(&r, &ptr, "33.2.0.192.in-addr.arpa", DNS_T_PTR, 0, 0);
	{
		uint8_t n[DNS_NAME_MAX], h[DNS_NAME_MAX];
		wname("33.2.0.192.in-addr.arpa", n);
		wname("host.example.com", h);
		assert_int_equal(dns_build_rr_name(&r.b, DNS_SEC_AN, n,
						   DNS_T_PTR, DNS_C_IN, 3600,
						   h),
				 0);
	}
	rb_end(&r);
	out_init(&o, &out, 512);
	assert_int_equal(dns64_ptr_build(&cfg, &q.m, target, &ptr.m, &o, &st),
			 0);
	out_parse(&o, &out);
	assert_int_equal(out.m.nrr[DNS_SEC_AN], 2);
	assert_int_equal(out.m.rr[DNS_SEC_AN][0].type, DNS_T_CNAME);
	assert_int_equal(dns_rr_target(&out.m, &out.m.rr[DNS_SEC_AN][0], t), 0);
	assert_name(t, "33.2.0.192.in-addr.arpa.");
	assert_int_equal(out.m.rr[DNS_SEC_AN][1].type, DNS_T_PTR);
	assert_int_equal(dns_rr_target(&out.m, &out.m.rr[DNS_SEC_AN][1], t), 0);
	assert_name(t, "host.example.com.");
	assert_int_equal(st.c[DNS64_C_PTR_SYNTHESIZED], 1);

	/* without the upstream answer: the CNAME alone */
	out_init(&o, &out, 512);
	assert_int_equal(dns64_ptr_build(&cfg, &q.m, target, NULL, &o, NULL),
			 0);
	out_parse(&o, &out);
	assert_int_equal(out.m.nrr[DNS_SEC_AN], 1);
	assert_int_equal(dns_msg_rcode(&out.m), DNS_RC_NOERROR);
}

/* RFC 6147 §5.3.1 with RFC 6052 §2.2: under a /64 the IPv4 address sits
 * around the u-octet, which must be zero. */
static void test_rfc6147_5_3_1_ptr_64(void **state)
{
	struct dns64_cfg cfg;
	struct pmsg q;
	char s[128];
	uint8_t target[DNS_NAME_MAX];

	(void)state;
	dns64_cfg_default(&cfg);
	cfg.nprefix = 2;
	set_prefix(&cfg.prefix[1], "2001:db8:64::", 64);
	/* 10.1.2.3 under /64: 2001:db8:64:0:a:102:300:0 (bytes 9-12) */
	rev6("2001:db8:64:0:a:102:300:0", s);
	mkquery(&q, s, DNS_T_PTR, DNS_F_RD, 0, false);
	assert_int_equal(classify(&cfg, &q, target), DNS64_ROUTE_PTR);
	assert_name(target, "3.2.1.10.in-addr.arpa.");
	/* upper-case nibbles are the same name */
	for (char *c = s; *c; c++)
		if (*c >= 'a' && *c <= 'f' && c[1] == '.')
			*c = (char)(*c - 'a' + 'A');
	mkquery(&q, s, DNS_T_PTR, DNS_F_RD, 0, false);
	assert_int_equal(classify(&cfg, &q, target), DNS64_ROUTE_PTR);
	/* non-zero u-octet: not one of ours */
	rev6("2001:db8:64:0:10a:102:300:0", s);
	mkquery(&q, s, DNS_T_PTR, DNS_F_RD, 0, false);
	assert_int_equal(classify(&cfg, &q, target), DNS64_ROUTE_FORWARD);
	/* non-zero suffix: not one of ours */
	rev6("2001:db8:64:0:a:102:300:1", s);
	mkquery(&q, s, DNS_T_PTR, DNS_F_RD, 0, false);
	assert_int_equal(classify(&cfg, &q, target), DNS64_ROUTE_FORWARD);
}

/* RFC 6147 §5.3.1: outside every prefix, or not a full address, or an
 * address we would never synthesize: the query is forwarded. */
static void test_rfc6147_5_3_1_ptr_not_ours(void **state)
{
	struct dns64_cfg cfg;
	struct pmsg q;
	char s[128];
	uint8_t target[DNS_NAME_MAX];

	(void)state;
	dns64_cfg_default(&cfg);
	rev6("2001:db8::1", s);
	mkquery(&q, s, DNS_T_PTR, DNS_F_RD, 0, false);
	assert_int_equal(classify(&cfg, &q, target), DNS64_ROUTE_FORWARD);
	mkquery(&q, "b.9.f.f.4.6.0.0.ip6.arpa", DNS_T_PTR, DNS_F_RD, 0, false);
	assert_int_equal(classify(&cfg, &q, target), DNS64_ROUTE_FORWARD);
	rev6("64:ff9b::10.0.0.1", s); /* RFC 6052 §3.1 under the WKP */
	mkquery(&q, s, DNS_T_PTR, DNS_F_RD, 0, false);
	assert_int_equal(classify(&cfg, &q, target), DNS64_ROUTE_FORWARD);
	cfg.ptr = false;
	rev6("64:ff9b::192.0.2.1", s);
	mkquery(&q, s, DNS_T_PTR, DNS_F_RD, 0, false);
	assert_int_equal(classify(&cfg, &q, target), DNS64_ROUTE_FORWARD);
	/* other types and the AAAA route */
	mkquery(&q, "www.example.com", DNS_T_MX, DNS_F_RD, 0, false);
	assert_int_equal(classify(&cfg, &q, target), DNS64_ROUTE_FORWARD);
	mkquery(&q, "www.example.com", DNS_T_AAAA, DNS_F_RD, 0, false);
	assert_int_equal(classify(&cfg, &q, target), DNS64_ROUTE_AAAA);
}

/* RFC 8880 §7.2: ipv4only.arpa answered locally, every prefix. */
static void test_rfc8880_ipv4only(void **state)
{
	struct dns64_cfg cfg;
	struct dns64_stats st = {0};
	struct pmsg q, out;
	struct dns64_out o;
	uint8_t target[DNS_NAME_MAX], a6[16], a4[4];
	uint32_t got;

	(void)state;
	dns64_cfg_default(&cfg);
	cfg.nprefix = 2;
	set_prefix(&cfg.prefix[1], "2001:db8:100::", 40);

	mkquery(&q, "IPv4only.ARPA", DNS_T_AAAA, DNS_F_RD, 0, false);
	assert_int_equal(classify(&cfg, &q, target), DNS64_ROUTE_LOCAL);
	out_init(&o, &out, 512);
	assert_int_equal(dns64_ipv4only_build(&cfg, &q.m, &o, &st), 0);
	out_parse(&o, &out);
	assert_int_equal(dns_msg_rcode(&out.m), DNS_RC_NOERROR);
	assert_int_equal(count_type(&out.m, DNS_SEC_AN, DNS_T_AAAA), 4);
	for (unsigned i = 0; i < 4; i++) {
		const struct dns_rr *rr = nth_aaaa(&out.m, i, a6);
		assert_int_equal(rr->ttl, DNS64_IPV4ONLY_TTL);
		assert_int_equal(rfc6052_extract(i < 2 ? 96 : 40, a6, &got), 0);
		assert_int_equal(got,
				 v4(i % 2 ? "192.0.0.171" : "192.0.0.170"));
	}
	assert_name(out.m.qname, "IPv4only.ARPA.");

	mkquery(&q, "ipv4only.arpa", DNS_T_A, DNS_F_RD, 0, false);
	assert_int_equal(classify(&cfg, &q, target), DNS64_ROUTE_LOCAL);
	out_init(&o, &out, 512);
	assert_int_equal(dns64_ipv4only_build(&cfg, &q.m, &o, &st), 0);
	out_parse(&o, &out);
	assert_int_equal(out.m.nrr[DNS_SEC_AN], 2);
	assert_int_equal(dns_rr_a(&out.m, &out.m.rr[DNS_SEC_AN][0], a4), 0);
	assert_memory_equal(a4, "\xc0\x00\x00\xaa", 4);
	assert_int_equal(dns_rr_a(&out.m, &out.m.rr[DNS_SEC_AN][1], a4), 0);
	assert_memory_equal(a4, "\xc0\x00\x00\xab", 4);

	/* below it: NXDOMAIN; other types: NODATA */
	mkquery(&q, "x.ipv4only.arpa", DNS_T_A, DNS_F_RD, 0, false);
	assert_int_equal(classify(&cfg, &q, target), DNS64_ROUTE_LOCAL);
	out_init(&o, &out, 512);
	assert_int_equal(dns64_ipv4only_build(&cfg, &q.m, &o, &st), 0);
	out_parse(&o, &out);
	assert_int_equal(dns_msg_rcode(&out.m), DNS_RC_NXDOMAIN);
	mkquery(&q, "ipv4only.arpa", DNS_T_MX, DNS_F_RD, 0, false);
	out_init(&o, &out, 512);
	assert_int_equal(dns64_ipv4only_build(&cfg, &q.m, &o, &st), 0);
	out_parse(&o, &out);
	assert_int_equal(dns_msg_rcode(&out.m), DNS_RC_NOERROR);
	assert_int_equal(out.m.nrr[DNS_SEC_AN], 0);
	assert_int_equal(st.c[DNS64_C_IPV4ONLY], 4);

	/* not a lookalike */
	mkquery(&q, "ipv4only.arpa.example", DNS_T_AAAA, DNS_F_RD, 0, false);
	assert_int_equal(classify(&cfg, &q, target), DNS64_ROUTE_AAAA);
}

/* The decision refuses an answer to another question. */
static void test_decide_mismatch(void **state)
{
	struct dns64_cfg cfg;
	struct dns64_decision d;
	struct pmsg q, aaaa;

	(void)state;
	dns64_cfg_default(&cfg);
	mkquery(&q, "www.example.com", DNS_T_AAAA, DNS_F_RD, 0, false);
	nodata(&aaaa, "www.example.org", 0, 0);
	assert_int_equal(dns64_decide(&cfg, &q.m, &aaaa.m, &d, NULL), -EINVAL);
	mkquery(&q, "www.example.org", DNS_T_A, DNS_F_RD, 0, false);
	assert_int_equal(dns64_decide(&cfg, &q.m, &aaaa.m, &d, NULL), -EINVAL);
}

/* ---- configuration ----------------------------------------------------- */

static void expect_bad(const struct dns64_cfg *c, const char *words)
{
	char msg[256] = "";

	assert_int_equal(dns64_cfg_check(c, msg, sizeof(msg)), -EINVAL);
	if (!strstr(msg, words))
		fail_msg("message \"%s\" does not say \"%s\"", msg, words);
}

/* RFC 6052 §2.2: prefix lengths, host bits, u-octet; the other keys. */
static void test_cfg_check(void **state)
{
	struct dns64_cfg c;
	char msg[256];

	(void)state;
	dns64_cfg_default(&c);
	assert_int_equal(dns64_cfg_check(&c, msg, sizeof(msg)), 0);

	set_prefix(&c.prefix[0], "2001:db8::", 33);
	expect_bad(&c, "dns64 prefix 2001:db8::/33: RFC 6052 §2.2 allows only "
		       "32, 40, 48, 56, 64, 96");
	set_prefix(&c.prefix[0], "2001:db8::1", 64);
	expect_bad(&c, "dns64 prefix 2001:db8::1/64: bits set beyond");
	set_prefix(&c.prefix[0], "2001:db8:0:0:100::", 96);
	expect_bad(&c, "u-octet");
	dns64_cfg_default(&c);
	c.nprefix = 2;
	c.prefix[1] = c.prefix[0];
	expect_bad(&c, "dns64 prefix 64:ff9b::/96: listed twice");
	c.nprefix = 0;
	expect_bad(&c, "dns64 prefix: at least one");

	dns64_cfg_default(&c);
	set_prefix(&c.exclude[0], "::ffff:0:0", 129);
	expect_bad(&c, "dns64 exclude");
	set_prefix(&c.exclude[0], "2001:db8::1", 64);
	expect_bad(&c, "dns64 exclude 2001:db8::1/64: bits set beyond");

	dns64_cfg_default(&c);
	c.nmapped = 1;
	c.mapped[0].addr = v4("198.51.100.1");
	c.mapped[0].len = 24;
	expect_bad(&c, "dns64 mapped 198.51.100.1/24");
	c.mapped[0].len = 33;
	expect_bad(&c, "dns64 mapped");
	c.mapped[0].len = 32;
	assert_int_equal(dns64_cfg_check(&c, msg, sizeof(msg)), 0);

	dns64_cfg_default(&c);
	c.ttl_no_soa = 0;
	expect_bad(&c, "dns64 ttl-no-soa 0");
	dns64_cfg_default(&c);
	c.edns_size = 100;
	expect_bad(&c, "dns64 edns-size 100");
}

/* Every counter has a name and an explanation. */
static void test_counters_named(void **state)
{
	(void)state;
	for (int i = 0; i < DNS64_C_MAX; i++) {
		assert_true(strlen(dns64_ctr_name(i)) > 0);
		assert_true(strlen(dns64_ctr_explain(i)) > 10);
		for (int j = 0; j < i; j++)
			assert_string_not_equal(dns64_ctr_name(i),
						dns64_ctr_name(j));
	}
	assert_string_equal(dns64_ctr_name(DNS64_C_MAX), "?");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_rfc6147_5_1_6_nodata_query_a),
	    cmocka_unit_test(test_rfc6147_5_1_1_aaaa_present_pass),
	    cmocka_unit_test(test_rfc6147_5_1_4_only_excluded_query_a),
	    cmocka_unit_test(test_rfc6147_5_1_4_mixed_filtered),
	    cmocka_unit_test(test_rfc6147_5_1_2_nxdomain_pass),
	    cmocka_unit_test(test_rfc6147_5_1_2_servfail_pass),
	    cmocka_unit_test(test_rfc6147_5_1_2_refused_as_nodata),
	    cmocka_unit_test(test_rfc6147_5_1_5_cname_chain),
	    cmocka_unit_test(test_rfc6147_5_1_7_ttl_soa),
	    cmocka_unit_test(test_rfc6147_5_1_7_ttl_no_soa),
	    cmocka_unit_test(test_rfc6147_5_2_several_prefixes),
	    cmocka_unit_test(test_rfc6052_3_1_mapped_filter),
	    cmocka_unit_test(test_rfc6147_5_5_cd_pass),
	    cmocka_unit_test(test_rfc6147_5_5_do_signed),
	    cmocka_unit_test(test_rfc6147_truncation),
	    cmocka_unit_test(test_rfc6891_edns_echoed),
	    cmocka_unit_test(test_rfc6147_5_3_1_ptr_96),
	    cmocka_unit_test(test_rfc6147_5_3_1_ptr_64),
	    cmocka_unit_test(test_rfc6147_5_3_1_ptr_not_ours),
	    cmocka_unit_test(test_rfc8880_ipv4only),
	    cmocka_unit_test(test_decide_mismatch),
	    cmocka_unit_test(test_cfg_check),
	    cmocka_unit_test(test_counters_named),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
