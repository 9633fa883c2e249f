/*
 * test_dns64_wire.c - the DNS message codec (dns64/wire.h): round trips of
 * typical messages (RFC 1035 §4, RFC 2308 §4, RFC 6891 §6), name
 * compression both ways (RFC 1035 §4.1.4), truncation by the builder, and
 * malformed messages: pointer loops, forward pointers, every prefix of a
 * valid message, over-long names, bad labels, lying counts, OPT misuse and
 * RDATA of the wrong length.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "dns64/wire.h"

/* ---- helpers ----------------------------------------------------------- */

/* Hand-made messages, byte by byte. */
struct raw {
	uint8_t b[8192];
	size_t n;
};

static void r8(struct raw *r, uint8_t v)
{
	r->b[r->n++] = v;
}

static void r16(struct raw *r, uint16_t v)
{
	r8(r, (uint8_t)(v >> 8));
	r8(r, (uint8_t)v);
}

static void r32(struct raw *r, uint32_t v)
{
	r16(r, (uint16_t)(v >> 16));
	r16(r, (uint16_t)v);
}

static void rbytes(struct raw *r, const void *p, size_t n)
{
	memcpy(r->b + r->n, p, n);
	r->n += n;
}

/* An uncompressed name from text. */
static void rname(struct raw *r, const char *s)
{
	uint8_t n[DNS_NAME_MAX];
	size_t l = dns_name_from_str(s, n);
	assert_true(l > 0);
	rbytes(r, n, l);
}

static void rhdr(struct raw *r, uint16_t flags, uint16_t qd, uint16_t an,
		 uint16_t ns, uint16_t ar)
{
	r->n = 0;
	r16(r, 0x1234);
	r16(r, flags);
	r16(r, qd);
	r16(r, an);
	r16(r, ns);
	r16(r, ar);
}

/* Header plus the question "www.example.com AAAA IN" at offset 12. */
static void rquery(struct raw *r, uint16_t an, uint16_t ns, uint16_t ar)
{
	rhdr(r, DNS_F_QR | DNS_F_RD | DNS_F_RA, 1, an, ns, ar);
	rname(r, "www.example.com");
	r16(r, DNS_T_AAAA);
	r16(r, DNS_C_IN);
}

/* Record header after the owner: type, class, TTL, RDLENGTH. */
static void rrr(struct raw *r, uint16_t type, uint16_t rclass, uint16_t rdlen)
{
	r16(r, type);
	r16(r, rclass);
	r32(r, 300);
	r16(r, rdlen);
}

static int parse_raw(struct dns_msg *m, const struct raw *r)
{
	/* an exact-size heap copy, so a sanitizer sees any overread */
	uint8_t *copy = malloc(r->n ? r->n : 1);
	assert_non_null(copy);
	memcpy(copy, r->b, r->n);
	int e = dns_parse(m, copy, r->n);
	free(copy);
	return e;
}

static void expect_err(const struct raw *r, int want)
{
	static struct dns_msg m;
	int e = parse_raw(&m, r);
	if (e != want)
		fail_msg("parse gave %s, want %s", dns_err_name(e),
			 dns_err_name(want));
}

static const uint8_t *N(const char *s)
{
	static uint8_t bufs[8][DNS_NAME_MAX];
	static unsigned i;
	uint8_t *n = bufs[i++ % 8];
	assert_true(dns_name_from_str(s, n) > 0);
	return n;
}

static void assert_name(const uint8_t *got, const char *want)
{
	char s[1024];
	assert_int_equal(dns_name_to_str(got, s, sizeof(s)), 0);
	assert_string_equal(s, want);
}

static const uint8_t A1[4] = {192, 0, 2, 1};
static const uint8_t AAAA1[16] = {0x20, 0x01, 0x0d, 0xb8, [15] = 1};

/* The typical messages of the round-trip tests, built with the builder. */
enum sample { S_QUERY, S_CNAME_A, S_NXDOMAIN, S_OPT_DO, S_MAX };

static const uint8_t cookie[] = {0, 10, 0, 8, 1, 2, 3, 4, 5, 6, 7, 8};

static size_t build_sample(enum sample s, uint8_t *buf, size_t cap)
{
	struct dns_builder b;
	struct dns_opt opt = {.udp_size = 1232, .flags = DNS_EDNS_DO};
	size_t len = 0;

	dns_build_init(&b, buf, cap, DNS_MSG_MAX);
	switch (s) {
	case S_QUERY:
		assert_int_equal(dns_build_header(&b, 0xbeef, DNS_F_RD), 0);
		assert_int_equal(dns_build_question(&b, N("www.example.com"),
						    DNS_T_AAAA, DNS_C_IN),
				 0);
		break;
	case S_CNAME_A:
		dns_build_header(&b, 7, DNS_F_QR | DNS_F_RD | DNS_F_RA);
		dns_build_question(&b, N("www.example.com"), DNS_T_A, DNS_C_IN);
		dns_build_rr_name(&b, DNS_SEC_AN, N("www.example.com"),
				  DNS_T_CNAME, DNS_C_IN, 300,
				  N("web.example.com"));
		dns_build_rr_name(&b, DNS_SEC_AN, N("web.example.com"),
				  DNS_T_CNAME, DNS_C_IN, 200,
				  N("host.cdn.example.net"));
		dns_build_rr(&b, DNS_SEC_AN, N("host.cdn.example.net"), DNS_T_A,
			     DNS_C_IN, 60, A1, 4);
		break;
	case S_NXDOMAIN: {
		struct raw soa = {.n = 0};
		rname(&soa, "ns1.example.com");
		rname(&soa, "hostmaster.example.com");
		r32(&soa, 2024010101);
		r32(&soa, 3600);
		r32(&soa, 600);
		r32(&soa, 86400);
		r32(&soa, 900); /* MINIMUM */
		dns_build_header(
		    &b, 8, DNS_F_QR | DNS_F_AA | DNS_F_RD | DNS_RC_NXDOMAIN);
		dns_build_question(&b, N("nope.example.com"), DNS_T_AAAA,
				   DNS_C_IN);
		/* raw RDATA: names uncompressed, still a valid SOA */
		dns_build_rr(&b, DNS_SEC_NS, N("example.com"), DNS_T_SOA,
			     DNS_C_IN, 3600, soa.b, (uint16_t)soa.n);
		break;
	}
	case S_OPT_DO:
		dns_build_header(&b, 9, DNS_F_QR | DNS_F_RD | DNS_F_RA);
		dns_build_question(&b, N("www.example.com"), DNS_T_AAAA,
				   DNS_C_IN);
		opt.opts_len = sizeof(cookie);
		assert_int_equal(dns_build_opt(&b, &opt, cookie), 0);
		dns_build_rr(&b, DNS_SEC_AN, N("www.example.com"), DNS_T_AAAA,
			     DNS_C_IN, 120, AAAA1, 16);
		break;
	default: fail();
	}
	assert_int_equal(dns_build_finish(&b, &len), 0);
	return len;
}

/* ---- round trips ------------------------------------------------------- */

/* RFC 1035 §4.1.1-§4.1.2: header fields and the one question. */
static void test_rfc1035_4_1_1_query(void **state)
{
	uint8_t buf[512];
	struct dns_msg m;
	size_t len = build_sample(S_QUERY, buf, sizeof(buf));

	(void)state;
	assert_int_equal(len, 12 + 17 + 4);
	assert_int_equal(dns_parse(&m, buf, len), DNS_E_OK);
	assert_int_equal(m.id, 0xbeef);
	assert_int_equal(m.flags, DNS_F_RD);
	assert_int_equal(DNS_OPCODE(m.flags), 0);
	assert_int_equal(m.count[0], 1);
	assert_int_equal(m.count[1] + m.count[2] + m.count[3], 0);
	assert_name(m.qname, "www.example.com.");
	assert_int_equal(m.qname_len, 17);
	assert_int_equal(m.qtype, DNS_T_AAAA);
	assert_int_equal(m.qclass, DNS_C_IN);
	assert_false(m.has_opt);
}

/* RFC 1035 §4.1.3, §3.3.1: a CNAME chain ending in an A record; every
 * target decompressed relative to the message. */
static void test_rfc1035_4_1_3_cname_chain(void **state)
{
	uint8_t buf[512], name[DNS_NAME_MAX], a[4];
	struct dns_msg m;
	size_t len = build_sample(S_CNAME_A, buf, sizeof(buf));

	(void)state;
	assert_int_equal(dns_parse(&m, buf, len), DNS_E_OK);
	assert_int_equal(m.nrr[DNS_SEC_AN], 3);
	assert_int_equal(m.count[1], 3);

	const struct dns_rr *rr = m.rr[DNS_SEC_AN];
	assert_int_equal(dns_rr_owner(&m, &rr[0], name), 17);
	assert_name(name, "www.example.com.");
	assert_int_equal(rr[0].type, DNS_T_CNAME);
	assert_int_equal(rr[0].ttl, 300);
	assert_int_equal(dns_rr_target(&m, &rr[0], name), DNS_E_OK);
	assert_name(name, "web.example.com.");

	dns_rr_owner(&m, &rr[1], name);
	assert_name(name, "web.example.com.");
	assert_int_equal(dns_rr_target(&m, &rr[1], name), DNS_E_OK);
	assert_name(name, "host.cdn.example.net.");

	dns_rr_owner(&m, &rr[2], name);
	assert_name(name, "host.cdn.example.net.");
	assert_int_equal(dns_rr_a(&m, &rr[2], a), DNS_E_OK);
	assert_memory_equal(a, A1, 4);
	/* helpers refuse the wrong type */
	assert_int_equal(dns_rr_a(&m, &rr[0], a), DNS_E_BAD_TYPE);
	assert_int_equal(dns_rr_target(&m, &rr[2], name), DNS_E_BAD_TYPE);
}

/* RFC 2308 §2.1, §4: NXDOMAIN with the SOA in the authority section; its
 * MINIMUM is the negative TTL. */
static void test_rfc2308_4_nxdomain_soa(void **state)
{
	uint8_t buf[512];
	struct dns_msg m;
	uint32_t min = 0;
	size_t len = build_sample(S_NXDOMAIN, buf, sizeof(buf));

	(void)state;
	assert_int_equal(dns_parse(&m, buf, len), DNS_E_OK);
	assert_int_equal(DNS_RCODE(m.flags), DNS_RC_NXDOMAIN);
	assert_int_equal(dns_msg_rcode(&m), DNS_RC_NXDOMAIN);
	assert_int_equal(m.nrr[DNS_SEC_AN], 0);
	assert_int_equal(m.nrr[DNS_SEC_NS], 1);
	assert_int_equal(m.rr[DNS_SEC_NS][0].type, DNS_T_SOA);
	assert_int_equal(dns_rr_soa_minimum(&m, &m.rr[DNS_SEC_NS][0], &min),
			 DNS_E_OK);
	assert_int_equal(min, 900);
}

/* RFC 6891 §6.1.2-§6.1.3: the OPT's payload size, DO bit and options. */
static void test_rfc6891_6_1_opt_do(void **state)
{
	uint8_t buf[512], aaaa[16];
	struct dns_msg m;
	size_t len = build_sample(S_OPT_DO, buf, sizeof(buf));

	(void)state;
	assert_int_equal(dns_parse(&m, buf, len), DNS_E_OK);
	assert_true(m.has_opt);
	assert_int_equal(m.count[3], 1);	/* the OPT counts in ARCOUNT */
	assert_int_equal(m.nrr[DNS_SEC_AR], 0); /* but is not a record */
	assert_int_equal(m.opt.udp_size, 1232);
	assert_int_equal(m.opt.version, 0);
	assert_int_equal(m.opt.ext_rcode, 0);
	assert_true(m.opt.flags & DNS_EDNS_DO);
	assert_int_equal(m.opt.opts_len, sizeof(cookie));
	assert_memory_equal(buf + m.opt.opts_off, cookie, sizeof(cookie));
	assert_int_equal(dns_rr_aaaa(&m, &m.rr[DNS_SEC_AN][0], aaaa), 0);
	assert_memory_equal(aaaa, AAAA1, 16);
	/* the OPT is written last, after the answer */
	assert_int_equal(buf[len - 11 - sizeof(cookie)], 0);
}

/* RFC 6891 §6.1.3: the 12-bit RCODE (BADVERS = 16) and the version. */
static void test_rfc6891_6_1_3_extended_rcode(void **state)
{
	struct raw r;
	struct dns_msg m;

	(void)state;
	rquery(&r, 0, 0, 1);
	r8(&r, 0);
	rrr(&r, DNS_T_OPT, 4096, 0);
	r.b[r.n - 6] = 1; /* TTL: extended RCODE 1, version 1 */
	r.b[r.n - 5] = 1;
	assert_int_equal(parse_raw(&m, &r), DNS_E_OK);
	assert_int_equal(m.opt.ext_rcode, 1);
	assert_int_equal(m.opt.version, 1);
	assert_int_equal(m.opt.udp_size, 4096);
	assert_false(m.opt.flags & DNS_EDNS_DO);
	assert_int_equal(dns_msg_rcode(&m), DNS_RC_BADVERS);
}

/* ---- compression ------------------------------------------------------- */

/* RFC 1035 §4.1.4: the builder points repeated names (and suffixes) back
 * at their first occurrence. */
static void test_rfc1035_4_1_4_build_compresses(void **state)
{
	uint8_t buf[512];
	struct dns_msg m;
	size_t len = build_sample(S_CNAME_A, buf, sizeof(buf));
	/* question www.example.com at 12 (17 bytes) + type/class */
	const uint8_t *an = buf + 12 + 17 + 4;

	(void)state;
	/* answer 1: owner is a pointer to the question name */
	assert_int_equal(an[0], 0xc0);
	assert_int_equal(an[1], 12);
	/* its target "web" + pointer to "example.com" (offset 16) */
	assert_int_equal(an[12], 3);
	assert_memory_equal(an + 13, "web", 3);
	assert_int_equal(an[16], 0xc0);
	assert_int_equal(an[17], 16);
	/* answer 2: owner is a pointer to that target */
	assert_int_equal(an[18], 0xc0);
	assert_int_equal(an[19], 12 + 17 + 4 + 12);
	/* smaller than uncompressed: 12+21 + (17+10+17) + (17+10+22) +
	 * (22+10+4) */
	assert_true(len < 12 + 21 + 44 + 49 + 36);
	assert_int_equal(dns_parse(&m, buf, len), DNS_E_OK);
}

/* RFC 1035 §4.1.4: a hand-compressed upstream answer decompresses, the
 * pointer going to a suffix of the question and to another record. */
static void test_rfc1035_4_1_4_parse_decompresses(void **state)
{
	struct raw r;
	struct dns_msg m;
	uint8_t name[DNS_NAME_MAX], buf[256];
	int err;

	(void)state;
	rquery(&r, 2, 0, 0);
	r16(&r, 0xc00c); /* www.example.com */
	rrr(&r, DNS_T_CNAME, DNS_C_IN, 6);
	size_t tgt = r.n;
	r8(&r, 3);
	rbytes(&r, "cdn", 3);
	r16(&r, 0xc010); /* example.com */
	r16(&r, (uint16_t)(0xc000 | tgt));
	rrr(&r, DNS_T_MX, DNS_C_IN, 4);
	r16(&r, 10);
	r16(&r, (uint16_t)(0xc000 | tgt));
	assert_int_equal(dns_parse(&m, r.b, r.n), DNS_E_OK);
	assert_int_equal(dns_rr_target(&m, &m.rr[DNS_SEC_AN][0], name), 0);
	assert_name(name, "cdn.example.com.");
	dns_rr_owner(&m, &m.rr[DNS_SEC_AN][1], name);
	assert_name(name, "cdn.example.com.");
	size_t n = dns_rr_rdata_expand(&m, &m.rr[DNS_SEC_AN][1], buf,
				       sizeof(buf), &err);
	assert_int_equal(err, DNS_E_OK);
	assert_int_equal(n, 2 + 17);
	assert_int_equal(buf[1], 10);
	assert_name(buf + 2, "cdn.example.com.");
}

/* RFC 1035 §2.3.3 (case-insensitive, case preserved) and DNS 0x20: names
 * keep their case through parse and build; comparison folds it. */
static void test_rfc1035_2_3_3_case_preserved(void **state)
{
	uint8_t buf[512], low[DNS_NAME_MAX];
	struct dns_builder b;
	struct dns_msg m;
	size_t len;

	(void)state;
	dns_build_init(&b, buf, sizeof(buf), 512);
	dns_build_header(&b, 1, DNS_F_QR);
	dns_build_question(&b, N("WwW.ExAmPlE.CoM"), DNS_T_AAAA, DNS_C_IN);
	/* differently cased owner: not compressed against the question */
	dns_build_rr(&b, DNS_SEC_AN, N("www.example.com"), DNS_T_AAAA, DNS_C_IN,
		     1, AAAA1, 16);
	assert_int_equal(dns_build_finish(&b, &len), 0);
	assert_int_equal(dns_parse(&m, buf, len), DNS_E_OK);
	assert_name(m.qname, "WwW.ExAmPlE.CoM.");
	uint8_t owner[DNS_NAME_MAX];
	dns_rr_owner(&m, &m.rr[DNS_SEC_AN][0], owner);
	assert_name(owner, "www.example.com.");
	assert_true(dns_name_equal(m.qname, owner));
	assert_false(dns_name_equal(m.qname, N("www.example.org")));
	assert_int_equal(dns_name_lower(m.qname, low), 17);
	assert_memory_equal(low, owner, 17);
}

/* ---- malformed: pointers ----------------------------------------------- */

/* RFC 1035 §4.1.4: a pointer to itself. */
static void test_rfc1035_4_1_4_self_pointer(void **state)
{
	struct raw r;

	(void)state;
	rhdr(&r, 0, 1, 0, 0, 0);
	r16(&r, 0xc00c);
	r16(&r, DNS_T_A);
	r16(&r, DNS_C_IN);
	expect_err(&r, DNS_E_FORWARD_POINTER);
}

/* RFC 1035 §4.1.4: two pointers pointing at each other.  The first hop of
 * the loop (in the answer) goes backwards; the second goes forward. */
static void test_rfc1035_4_1_4_two_pointer_loop(void **state)
{
	struct raw r;

	(void)state;
	rquery(&r, 2, 0, 0);
	size_t p1 = r.n;
	r16(&r, (uint16_t)(0xc000 | (p1 + 16))); /* -> second owner */
	rrr(&r, DNS_T_A, DNS_C_IN, 4);
	rbytes(&r, A1, 4);
	r16(&r, (uint16_t)(0xc000 | p1)); /* -> first owner */
	rrr(&r, DNS_T_A, DNS_C_IN, 4);
	rbytes(&r, A1, 4);
	expect_err(&r, DNS_E_FORWARD_POINTER);

	/* The loop entered from behind, every pointer backwards of its own
	 * position: the owner of answer 2 -> Y, Y -> Z, Z -> Y, with Y and Z
	 * hidden in the opaque RDATA of answer 1.  Z -> Y goes back only to
	 * where the walk already was: refused. */
	rquery(&r, 2, 0, 0);
	r16(&r, 0xc00c);
	rrr(&r, 10 /* NULL */, DNS_C_IN, 4);
	size_t z = r.n, y = r.n + 2;
	r16(&r, (uint16_t)(0xc000 | y)); /* at Z */
	r16(&r, (uint16_t)(0xc000 | z)); /* at Y */
	r16(&r, (uint16_t)(0xc000 | y));
	rrr(&r, DNS_T_A, DNS_C_IN, 4);
	rbytes(&r, A1, 4);
	expect_err(&r, DNS_E_FORWARD_POINTER);

	/* The same with one label: Y = "a" + pointer to Y, a pointer that is
	 * backwards of its own position yet repeats "a" forever. */
	rquery(&r, 2, 0, 0);
	r16(&r, 0xc00c);
	rrr(&r, 10 /* NULL */, DNS_C_IN, 4);
	y = r.n;
	rbytes(&r, "\1a", 2);
	r16(&r, (uint16_t)(0xc000 | y));
	r16(&r, (uint16_t)(0xc000 | y));
	rrr(&r, DNS_T_A, DNS_C_IN, 4);
	rbytes(&r, A1, 4);
	expect_err(&r, DNS_E_FORWARD_POINTER);
}

/* RFC 1035 §4.1.4: a pointer beyond the name, and one into the name's own
 * earlier labels (it would repeat them forever). */
static void test_rfc1035_4_1_4_forward_pointer(void **state)
{
	struct raw r;

	(void)state;
	rhdr(&r, 0, 1, 0, 0, 0);
	r16(&r, 0xc010);
	r16(&r, DNS_T_A);
	r16(&r, DNS_C_IN);
	rname(&r, "x");
	expect_err(&r, DNS_E_FORWARD_POINTER);

	rhdr(&r, 0, 1, 0, 0, 0);
	r8(&r, 1);
	r8(&r, 'a');
	r16(&r, 0xc00c); /* back to "a" */
	r16(&r, DNS_T_A);
	r16(&r, DNS_C_IN);
	expect_err(&r, DNS_E_FORWARD_POINTER);
}

/* RFC 1035 §4.1.4: strictly backward pointers still end; a chain longer
 * than DNS_PTR_HOPS is refused, one of exactly DNS_PTR_HOPS is read. */
static void test_rfc1035_4_1_4_pointer_hops_bounded(void **state)
{
	uint8_t buf[1 + 2 * (DNS_PTR_HOPS + 1)];
	struct dns_wire w;
	size_t n = 0;

	(void)state;
	buf[n++] = 0; /* the root at 0 */
	for (unsigned i = 0; i <= DNS_PTR_HOPS; i++) {
		size_t prev = i ? n - 2 : 0;
		buf[n++] = (uint8_t)(0xc0 | prev >> 8);
		buf[n++] = (uint8_t)prev;
	}
	dns_wire_init(&w, buf, n);
	w.pos = n - 2; /* DNS_PTR_HOPS + 1 hops */
	assert_int_equal(dns_name_read(&w, NULL), 0);
	assert_int_equal(w.err, DNS_E_POINTER_LOOP);
	dns_wire_init(&w, buf, n);
	w.pos = n - 4; /* DNS_PTR_HOPS hops */
	assert_int_equal(dns_name_read(&w, NULL), 1);
	assert_int_equal(w.pos, n - 2);
}

/* ---- malformed: names and labels --------------------------------------- */

/* RFC 1035 §2.3.4: 255 bytes at most, with or without compression. */
static void test_rfc1035_2_3_4_name_too_long(void **state)
{
	struct raw r;
	char label[64];
	struct dns_msg m;

	(void)state;
	memset(label, 'a', 63);
	label[63] = 0;
	/* 3 x 64 + 62 + 1 = 255: the longest name */
	rhdr(&r, 0, 1, 0, 0, 0);
	for (int i = 0; i < 3; i++) {
		r8(&r, 63);
		rbytes(&r, label, 63);
	}
	r8(&r, 61);
	rbytes(&r, label, 61);
	r8(&r, 0);
	r16(&r, DNS_T_A);
	r16(&r, DNS_C_IN);
	assert_int_equal(parse_raw(&m, &r), DNS_E_OK);
	assert_int_equal(m.qname_len, 255);

	/* one byte more */
	rhdr(&r, 0, 1, 0, 0, 0);
	for (int i = 0; i < 3; i++) {
		r8(&r, 63);
		rbytes(&r, label, 63);
	}
	r8(&r, 62);
	rbytes(&r, label, 62);
	r8(&r, 0);
	r16(&r, DNS_T_A);
	r16(&r, DNS_C_IN);
	expect_err(&r, DNS_E_NAME_TOO_LONG);

	/* 200 bytes in the question, then a record owner of 60 more bytes
	 * pointing at it */
	rhdr(&r, 0, 1, 1, 0, 0);
	for (int i = 0; i < 3; i++) {
		r8(&r, 63);
		rbytes(&r, label, 63);
	}
	r8(&r, 7);
	rbytes(&r, label, 7);
	r8(&r, 0);
	r16(&r, DNS_T_A);
	r16(&r, DNS_C_IN);
	r8(&r, 59);
	rbytes(&r, label, 59);
	r16(&r, 0xc00c);
	rrr(&r, DNS_T_A, DNS_C_IN, 4);
	rbytes(&r, A1, 4);
	expect_err(&r, DNS_E_NAME_TOO_LONG);
}

/* RFC 6891 §5 (0x40 extended label type, no longer used) and RFC 1035
 * §4.1.4 (0x80 reserved); a label running past the end. */
static void test_rfc1035_4_1_4_bad_labels(void **state)
{
	struct raw r;

	(void)state;
	static const uint8_t types[] = {0x40, 0x41, 0x80, 0xbf};
	for (size_t i = 0; i < sizeof(types); i++) {
		rhdr(&r, 0, 1, 0, 0, 0);
		r8(&r, 3);
		rbytes(&r, "www", 3);
		r8(&r, types[i]);
		rbytes(&r, "example", 7);
		r8(&r, 0);
		r16(&r, DNS_T_A);
		r16(&r, DNS_C_IN);
		expect_err(&r, DNS_E_BAD_LABEL);
	}
	rhdr(&r, 0, 1, 0, 0, 0);
	r8(&r, 63);
	rbytes(&r, "abc", 3);
	expect_err(&r, DNS_E_TRUNCATED);
	/* a name in RDATA running past RDLENGTH, into the next bytes */
	rquery(&r, 1, 0, 0);
	r16(&r, 0xc00c);
	rrr(&r, DNS_T_CNAME, DNS_C_IN, 3);
	r8(&r, 3);
	rbytes(&r, "abc", 3);
	r8(&r, 0);
	expect_err(&r, DNS_E_BAD_RDATA_LENGTH);
}

/* RFC 1035 §4.1: every proper prefix of a valid message is an error (and
 * no read goes past it: the copy is exact-size). */
static void test_rfc1035_4_1_truncated_every_prefix(void **state)
{
	uint8_t buf[1024];
	struct dns_msg m;

	(void)state;
	for (int s = 0; s < S_MAX; s++) {
		size_t len = build_sample((enum sample)s, buf, sizeof(buf));
		assert_int_equal(dns_parse(&m, buf, len), DNS_E_OK);
		for (size_t l = 0; l < len; l++) {
			uint8_t *p = malloc(l ? l : 1);
			assert_non_null(p);
			memcpy(p, buf, l);
			int e = dns_parse(&m, p, l);
			free(p);
			if (e == DNS_E_OK)
				fail_msg("sample %d: prefix %zu of %zu parsed",
					 s, l, len);
		}
	}
}

/* ---- malformed: counts and sections ------------------------------------ */

/* RFC 1035 §4.1.1: counts larger than the message, and bytes after the
 * last counted record. */
static void test_rfc1035_4_1_1_counts(void **state)
{
	struct raw r;

	(void)state;
	rquery(&r, 1, 0, 0); /* promises an answer, holds none */
	expect_err(&r, DNS_E_COUNT_MISMATCH);

	rquery(&r, 2, 0, 0); /* holds one of two (passes the cheap bound) */
	r16(&r, 0xc00c);
	rrr(&r, DNS_T_A, DNS_C_IN, 4);
	rbytes(&r, A1, 4);
	expect_err(&r, DNS_E_COUNT_MISMATCH);

	rquery(&r, 0xffff, 0xffff, 0xffff);
	expect_err(&r, DNS_E_COUNT_MISMATCH);

	rquery(&r, 1, 0, 0);
	r16(&r, 0xc00c);
	rrr(&r, DNS_T_A, DNS_C_IN, 4);
	rbytes(&r, A1, 4);
	r8(&r, 0);
	expect_err(&r, DNS_E_TRAILING_BYTES);

	/* a message shorter than its header */
	rhdr(&r, 0, 1, 0, 0, 0);
	r.n = 11;
	expect_err(&r, DNS_E_TRUNCATED);
}

/* RFC 1035 §4.1.2: QDCOUNT 0 and 2 are refused. */
static void test_rfc1035_4_1_2_qdcount(void **state)
{
	struct raw r;

	(void)state;
	rhdr(&r, 0, 0, 0, 0, 0);
	expect_err(&r, DNS_E_NO_QUESTION);
	rhdr(&r, 0, 2, 0, 0, 0);
	for (int i = 0; i < 2; i++) {
		rname(&r, "example.com");
		r16(&r, DNS_T_A);
		r16(&r, DNS_C_IN);
	}
	expect_err(&r, DNS_E_MULTIPLE_QUESTIONS);
}

/* More than DNS_RR_MAX records in a section: refused, bounded. */
static void test_rfc1035_4_1_too_many_records(void **state)
{
	struct raw r;
	struct dns_msg m;

	(void)state;
	rquery(&r, DNS_RR_MAX, 0, 0);
	for (int i = 0; i < DNS_RR_MAX; i++) {
		r16(&r, 0xc00c);
		rrr(&r, DNS_T_A, DNS_C_IN, 4);
		rbytes(&r, A1, 4);
	}
	assert_int_equal(parse_raw(&m, &r), DNS_E_OK);
	assert_int_equal(m.nrr[DNS_SEC_AN], DNS_RR_MAX);

	rquery(&r, DNS_RR_MAX + 1, 0, 0);
	for (int i = 0; i < DNS_RR_MAX + 1; i++) {
		r16(&r, 0xc00c);
		rrr(&r, DNS_T_A, DNS_C_IN, 4);
		rbytes(&r, A1, 4);
	}
	expect_err(&r, DNS_E_TOO_MANY_RECORDS);
}

/* ---- malformed: OPT ---------------------------------------------------- */

/* RFC 6891 §6.1.1: one OPT, at the root, in the additional section, with
 * well-formed options. */
static void test_rfc6891_6_1_1_opt_rules(void **state)
{
	struct raw r;

	(void)state;
	rquery(&r, 0, 0, 2);
	for (int i = 0; i < 2; i++) {
		r8(&r, 0);
		rrr(&r, DNS_T_OPT, 1232, 0);
	}
	expect_err(&r, DNS_E_MULTIPLE_OPT);

	rquery(&r, 0, 0, 1);
	r16(&r, 0xc00c); /* owner www.example.com */
	rrr(&r, DNS_T_OPT, 1232, 0);
	expect_err(&r, DNS_E_BAD_OPT);

	rquery(&r, 1, 0, 0); /* OPT in the answer section */
	r8(&r, 0);
	rrr(&r, DNS_T_OPT, 1232, 0);
	expect_err(&r, DNS_E_BAD_OPT);

	rquery(&r, 0, 0, 1); /* option length past the RDATA */
	r8(&r, 0);
	rrr(&r, DNS_T_OPT, 1232, 6);
	r16(&r, 10);
	r16(&r, 8);
	r16(&r, 0);
	expect_err(&r, DNS_E_BAD_OPT);

	rquery(&r, 0, 0, 1); /* half an option header */
	r8(&r, 0);
	rrr(&r, DNS_T_OPT, 1232, 3);
	r16(&r, 10);
	r8(&r, 0);
	expect_err(&r, DNS_E_BAD_OPT);
}

/* ---- malformed: RDATA -------------------------------------------------- */

/* RFC 1035 §3.2.1, §3.4.1; RFC 3596 §2.2: RDLENGTH past the end, A of 5
 * bytes, AAAA of 4, a CNAME that leaves bytes over. */
static void test_rfc1035_3_2_1_rdata_length(void **state)
{
	struct raw r;
	struct dns_msg m;

	(void)state;
	rquery(&r, 1, 0, 0);
	r16(&r, 0xc00c);
	rrr(&r, DNS_T_TXT, DNS_C_IN, 20);
	rbytes(&r, "\4abcd", 5);
	expect_err(&r, DNS_E_BAD_RDATA_LENGTH);

	rquery(&r, 1, 0, 0);
	r16(&r, 0xc00c);
	rrr(&r, DNS_T_A, DNS_C_IN, 5);
	rbytes(&r, "\1\2\3\4\5", 5);
	expect_err(&r, DNS_E_BAD_RDATA_LENGTH);

	rquery(&r, 1, 0, 0);
	r16(&r, 0xc00c);
	rrr(&r, DNS_T_AAAA, DNS_C_IN, 4);
	rbytes(&r, A1, 4);
	expect_err(&r, DNS_E_BAD_RDATA_LENGTH);

	rquery(&r, 1, 0, 0);
	r16(&r, 0xc00c);
	rrr(&r, DNS_T_CNAME, DNS_C_IN, 3);
	r16(&r, 0xc00c);
	r8(&r, 0);
	expect_err(&r, DNS_E_BAD_RDATA_LENGTH);

	rquery(&r, 1, 0, 0); /* SOA cut before MINIMUM */
	r16(&r, 0xc00c);
	rrr(&r, DNS_T_SOA, DNS_C_IN, 2 + 2 + 16);
	r16(&r, 0xc00c);
	r16(&r, 0xc00c);
	rbytes(&r, "0123456789abcdef", 16);
	expect_err(&r, DNS_E_BAD_RDATA_LENGTH);

	/* RFC 1035 §3.2.4: A of another class is not 4 bytes by rule */
	rquery(&r, 1, 0, 0);
	r16(&r, 0xc00c);
	rrr(&r, DNS_T_A, DNS_C_CH, 5);
	rbytes(&r, "\1\2\3\4\5", 5);
	assert_int_equal(parse_raw(&m, &r), DNS_E_OK);
}

/* ---- builder ----------------------------------------------------------- */

/* RFC 1035 §4.1.1 / RFC 6891 §7: records that do not fit are not written
 * and reported, so the caller sets TC; the OPT reserved early still fits. */
static void test_rfc6891_7_build_truncation(void **state)
{
	uint8_t buf[4096];
	struct dns_builder b;
	struct dns_msg m;
	struct dns_opt opt = {.udp_size = 1232};
	size_t len;
	int added = 0, e;

	(void)state;
	dns_build_init(&b, buf, sizeof(buf), DNS_UDP_MIN);
	dns_build_header(&b, 5, DNS_F_QR | DNS_F_RD);
	dns_build_question(&b, N("many.example.com"), DNS_T_AAAA, DNS_C_IN);
	assert_int_equal(dns_build_opt(&b, &opt, NULL), 0);
	while ((e = dns_build_rr(&b, DNS_SEC_AN, N("many.example.com"),
				 DNS_T_AAAA, DNS_C_IN, 60, AAAA1, 16)) == 0)
		added++;
	assert_int_equal(e, DNS_E_NO_SPACE);
	assert_true(b.full);
	/* a failed record leaves no trace: a smaller one may still fit */
	assert_int_equal(b.err, DNS_E_OK);
	dns_build_set_flags(&b, DNS_F_QR | DNS_F_RD | DNS_F_TC);
	assert_int_equal(dns_build_finish(&b, &len), 0);
	assert_true(len <= DNS_UDP_MIN);
	/* 12 + 22 + n * 28 + 11 <= 512 */
	assert_int_equal(added, (512 - 12 - 22 - 11) / 28);
	assert_int_equal(dns_parse(&m, buf, len), DNS_E_OK);
	assert_int_equal(m.nrr[DNS_SEC_AN], added);
	assert_true(m.flags & DNS_F_TC);
	assert_true(m.has_opt);
	assert_int_equal(m.opt.udp_size, 1232);

	/* a limit too small for the header */
	dns_build_init(&b, buf, 11, 512);
	assert_int_equal(dns_build_header(&b, 1, 0), DNS_E_NO_SPACE);
	assert_int_equal(dns_build_finish(&b, &len), DNS_E_NO_SPACE);
}

/* The builder never writes more records in a section than dns_parse
 * accepts (DNS_RR_MAX): one more is NO_SPACE, like a record past the size
 * limit, so the caller sets TC.  (Found by fuzz_dns64_query: 60 A records
 * synthesized with 5 prefixes made a reply the server could not parse.) */
static void test_build_rr_max(void **state)
{
	static uint8_t buf[DNS_MSG_MAX];
	static struct dns_msg m;
	struct dns_builder b;
	size_t len;

	(void)state;
	dns_build_init(&b, buf, sizeof(buf), DNS_MSG_MAX);
	dns_build_header(&b, 5, DNS_F_QR);
	dns_build_question(&b, N("many.example.com"), DNS_T_AAAA, DNS_C_IN);
	for (int i = 0; i < DNS_RR_MAX; i++)
		assert_int_equal(dns_build_rr(&b, DNS_SEC_AN,
					      N("many.example.com"), DNS_T_AAAA,
					      DNS_C_IN, 60, AAAA1, 16),
				 DNS_E_OK);
	assert_int_equal(dns_build_rr(&b, DNS_SEC_AN, N("many.example.com"),
				      DNS_T_AAAA, DNS_C_IN, 60, AAAA1, 16),
			 DNS_E_NO_SPACE);
	/* the next section is still open */
	assert_int_equal(
	    dns_build_rr(&b, DNS_SEC_AR, N("a"), DNS_T_A, DNS_C_IN, 1, A1, 4),
	    DNS_E_OK);
	assert_int_equal(dns_build_finish(&b, &len), 0);
	assert_int_equal(dns_parse(&m, buf, len), DNS_E_OK);
	assert_int_equal(m.nrr[DNS_SEC_AN], DNS_RR_MAX);
	assert_int_equal(m.nrr[DNS_SEC_AR], 1);
}

/* Calls out of order and malformed names are sticky errors. */
static void test_build_order_and_names(void **state)
{
	uint8_t buf[512];
	struct dns_builder b;
	size_t len;
	static const uint8_t bad[] = {64, 'a'};

	(void)state;
	dns_build_init(&b, buf, sizeof(buf), 512);
	assert_int_equal(dns_build_question(&b, N("a"), 1, 1), DNS_E_BAD_ORDER);
	assert_int_equal(dns_build_finish(&b, &len), DNS_E_BAD_ORDER);

	dns_build_init(&b, buf, sizeof(buf), 512);
	dns_build_header(&b, 1, 0);
	dns_build_rr(&b, DNS_SEC_AR, N("a"), DNS_T_A, DNS_C_IN, 1, A1, 4);
	assert_int_equal(
	    dns_build_rr(&b, DNS_SEC_AN, N("a"), DNS_T_A, DNS_C_IN, 1, A1, 4),
	    DNS_E_BAD_ORDER);
	assert_int_equal(dns_build_finish(&b, &len), DNS_E_BAD_ORDER);

	dns_build_init(&b, buf, sizeof(buf), 512);
	dns_build_header(&b, 1, 0);
	assert_int_equal(dns_build_question(&b, bad, 1, 1), DNS_E_BAD_NAME);
}

/* RFC 6147 §5.3-style rebuild: a response made from a parsed upstream
 * answer, CNAME kept, the A replaced by a synthesized AAAA, authority and
 * additional copied with their names re-compressed. */
static void test_build_from_upstream(void **state)
{
	struct raw r;
	struct dns_msg up, m;
	struct dns_builder b;
	uint8_t buf[1024], name[DNS_NAME_MAX], upbuf[1024];
	static const uint8_t syn[16] = {
	    0, 0x64, 0xff, 0x9b, [12] = 192, [13] = 0, [14] = 2, [15] = 1};
	size_t len;
	uint32_t min;

	(void)state;
	rquery(&r, 2, 1, 1);
	r16(&r, 0xc00c);
	rrr(&r, DNS_T_CNAME, DNS_C_IN, 6);
	size_t tgt = r.n;
	rbytes(&r, "\3web", 4);
	r16(&r, 0xc010);
	r16(&r, (uint16_t)(0xc000 | tgt));
	rrr(&r, DNS_T_A, DNS_C_IN, 4);
	rbytes(&r, A1, 4);
	r16(&r, 0xc010); /* example.com SOA, names compressed */
	rrr(&r, DNS_T_SOA, DNS_C_IN, 3 + 2 + 2 + 20);
	rbytes(&r, "\2ns", 3);
	r16(&r, 0xc010);
	r16(&r, 0xc010);
	r32(&r, 1);
	r32(&r, 2);
	r32(&r, 3);
	r32(&r, 4);
	r32(&r, 77);
	r16(&r, (uint16_t)(0xc000 | tgt)); /* additional: web A */
	rrr(&r, DNS_T_A, DNS_C_IN, 4);
	rbytes(&r, A1, 4);
	memcpy(upbuf, r.b, r.n);
	assert_int_equal(dns_parse(&up, upbuf, r.n), DNS_E_OK);

	dns_build_init(&b, buf, sizeof(buf), 512);
	dns_build_header(&b, up.id, up.flags);
	dns_build_question(&b, up.qname, up.qtype, up.qclass);
	assert_int_equal(
	    dns_build_copy(&b, DNS_SEC_AN, &up, &up.rr[DNS_SEC_AN][0], 50), 0);
	dns_rr_owner(&up, &up.rr[DNS_SEC_AN][1], name);
	assert_int_equal(dns_build_rr(&b, DNS_SEC_AN, name, DNS_T_AAAA,
				      DNS_C_IN, 40, syn, 16),
			 0);
	assert_int_equal(
	    dns_build_copy(&b, DNS_SEC_NS, &up, &up.rr[DNS_SEC_NS][0], 3600),
	    0);
	assert_int_equal(
	    dns_build_copy(&b, DNS_SEC_AR, &up, &up.rr[DNS_SEC_AR][0], 300), 0);
	assert_int_equal(dns_build_finish(&b, &len), 0);

	assert_int_equal(dns_parse(&m, buf, len), DNS_E_OK);
	assert_int_equal(m.id, up.id);
	assert_int_equal(m.nrr[DNS_SEC_AN], 2);
	assert_int_equal(m.rr[DNS_SEC_AN][0].ttl, 50);
	assert_int_equal(dns_rr_target(&m, &m.rr[DNS_SEC_AN][0], name), 0);
	assert_name(name, "web.example.com.");
	dns_rr_owner(&m, &m.rr[DNS_SEC_AN][1], name);
	assert_name(name, "web.example.com.");
	assert_int_equal(m.rr[DNS_SEC_AN][1].type, DNS_T_AAAA);
	assert_int_equal(dns_rr_soa_minimum(&m, &m.rr[DNS_SEC_NS][0], &min), 0);
	assert_int_equal(min, 77);
	dns_rr_owner(&m, &m.rr[DNS_SEC_AR][0], name);
	assert_name(name, "web.example.com.");
	/* no longer than the upstream message plus the AAAA's growth */
	assert_true(len <= r.n + 12);
}

/* ---- names and error list ---------------------------------------------- */

static void test_name_text(void **state)
{
	uint8_t n[DNS_NAME_MAX];
	char s[16];
	static const uint8_t odd[] = {3, 'a', '.', 0x07, 0};

	(void)state;
	assert_int_equal(dns_name_from_str(".", n), 1);
	assert_name(n, ".");
	assert_int_equal(dns_name_from_str("", n), 1);
	assert_int_equal(dns_name_from_str("ipv4only.arpa.", n), 15);
	assert_name(n, "ipv4only.arpa.");
	assert_int_equal(dns_name_from_str("a..b", n), 0);
	assert_int_equal(dns_name_from_str(".a", n), 0);
	assert_name(odd, "a\\046\\007.");
	assert_int_equal(dns_name_to_str(N("abcdefghijklmnop"), s, sizeof(s)),
			 -1);
	assert_int_equal(dns_name_len(odd, 4), 0);
	assert_int_equal(dns_name_len(odd, 5), 5);
}

static void test_err_list(void **state)
{
	(void)state;
	for (int e = 0; e < DNS_E_MAX; e++) {
		assert_true(strlen(dns_err_name(e)) > 0);
		assert_true(strlen(dns_err_explain(e)) > 10);
		for (int f = 0; f < e; f++)
			assert_string_not_equal(dns_err_name(e),
						dns_err_name(f));
	}
	assert_string_equal(dns_err_name(DNS_E_MAX), "?");
	assert_string_equal(dns_err_name(DNS_E_POINTER_LOOP), "pointer-loop");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_rfc1035_4_1_1_query),
	    cmocka_unit_test(test_build_rr_max),
	    cmocka_unit_test(test_rfc1035_4_1_3_cname_chain),
	    cmocka_unit_test(test_rfc2308_4_nxdomain_soa),
	    cmocka_unit_test(test_rfc6891_6_1_opt_do),
	    cmocka_unit_test(test_rfc6891_6_1_3_extended_rcode),
	    cmocka_unit_test(test_rfc1035_4_1_4_build_compresses),
	    cmocka_unit_test(test_rfc1035_4_1_4_parse_decompresses),
	    cmocka_unit_test(test_rfc1035_2_3_3_case_preserved),
	    cmocka_unit_test(test_rfc1035_4_1_4_self_pointer),
	    cmocka_unit_test(test_rfc1035_4_1_4_two_pointer_loop),
	    cmocka_unit_test(test_rfc1035_4_1_4_forward_pointer),
	    cmocka_unit_test(test_rfc1035_4_1_4_pointer_hops_bounded),
	    cmocka_unit_test(test_rfc1035_2_3_4_name_too_long),
	    cmocka_unit_test(test_rfc1035_4_1_4_bad_labels),
	    cmocka_unit_test(test_rfc1035_4_1_truncated_every_prefix),
	    cmocka_unit_test(test_rfc1035_4_1_1_counts),
	    cmocka_unit_test(test_rfc1035_4_1_2_qdcount),
	    cmocka_unit_test(test_rfc1035_4_1_too_many_records),
	    cmocka_unit_test(test_rfc6891_6_1_1_opt_rules),
	    cmocka_unit_test(test_rfc1035_3_2_1_rdata_length),
	    cmocka_unit_test(test_rfc6891_7_build_truncation),
	    cmocka_unit_test(test_build_order_and_names),
	    cmocka_unit_test(test_build_from_upstream),
	    cmocka_unit_test(test_name_text),
	    cmocka_unit_test(test_err_list),
	};
	return cmocka_run_group_tests_name("dns64_wire", tests, NULL, NULL);
}
