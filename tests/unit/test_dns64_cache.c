/*
 * test_dns64_cache.c - the DNS64 answer cache (dns64/cache.h): hits with
 * the client's id and case, TTLs decremented on hit (RFC 1035 §7.1),
 * expiry with a fake clock, CLOCK eviction when entries or bytes run out,
 * case-insensitive keys, DO/CD/EDNS kept apart, negative caching (RFC 2308
 * §5) and what is never cached.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "dns64/cache.h"
#include "dns64/wire.h"

struct m {
	uint8_t b[DNS_MSG_MAX];
	size_t n;
	struct dns_msg msg;
};

static struct m *query(const char *name, uint16_t qtype, uint16_t flags,
		       bool edns, bool do_bit)
{
	static struct m q;
	struct dns_builder b;
	uint8_t qn[DNS_NAME_MAX];

	assert_true(dns_name_from_str(name, qn) > 0);
	dns_build_init(&b, q.b, sizeof(q.b), DNS_MSG_MAX);
	assert_int_equal(dns_build_header(&b, 0xabcd, flags), 0);
	assert_int_equal(dns_build_question(&b, qn, qtype, DNS_C_IN), 0);
	if (edns) {
		struct dns_opt o = {.udp_size = 1232,
				    .flags = do_bit ? DNS_EDNS_DO : 0};
		assert_int_equal(dns_build_opt(&b, &o, NULL), 0);
	}
	assert_int_equal(dns_build_finish(&b, &q.n), 0);
	assert_int_equal(dns_parse(&q.msg, q.b, q.n), 0);
	return &q;
}

enum kind { POS, NXD_SOA, NXD_NOSOA, NODATA_SOA, SERVFAIL, TRUNC };

/* A response to name/A: two A records with TTLs ttl1, ttl2 (POS), or a
 * negative answer with SOA (TTL soa_ttl, MINIMUM soa_min). */
static struct m *response(struct m *r, const char *name, enum kind kind,
			  uint32_t ttl1, uint32_t ttl2, uint32_t soa_ttl,
			  uint32_t soa_min, size_t pad)
{
	struct dns_builder b;
	uint8_t qn[DNS_NAME_MAX], zone[DNS_NAME_MAX];
	uint16_t rc = kind == NXD_SOA || kind == NXD_NOSOA ? DNS_RC_NXDOMAIN
		      : kind == SERVFAIL		   ? DNS_RC_SERVFAIL
							   : 0;
	uint16_t fl = DNS_F_QR | DNS_F_RD | DNS_F_RA | rc;

	if (kind == TRUNC)
		fl |= DNS_F_TC;
	assert_true(dns_name_from_str(name, qn) > 0);
	assert_true(dns_name_from_str("example.com", zone) > 0);
	dns_build_init(&b, r->b, sizeof(r->b), DNS_MSG_MAX);
	assert_int_equal(dns_build_header(&b, 0, fl), 0);
	assert_int_equal(dns_build_question(&b, qn, DNS_T_A, DNS_C_IN), 0);
	if (kind == POS || kind == TRUNC) {
		uint8_t a1[4] = {192, 0, 2, 1}, a2[4] = {192, 0, 2, 2};
		assert_int_equal(dns_build_rr(&b, DNS_SEC_AN, qn, DNS_T_A,
					      DNS_C_IN, ttl1, a1, 4),
				 0);
		assert_int_equal(dns_build_rr(&b, DNS_SEC_AN, qn, DNS_T_A,
					      DNS_C_IN, ttl2, a2, 4),
				 0);
		for (size_t i = 0; i < pad; i++) {
			uint8_t txt[256];
			memset(txt, 'x', sizeof(txt));
			txt[0] = 255;
			assert_int_equal(dns_build_rr(&b, DNS_SEC_AR, qn,
						      DNS_T_TXT, DNS_C_IN, ttl1,
						      txt, 256),
					 0);
		}
	} else if (kind != NXD_NOSOA && kind != SERVFAIL) {
		/* SOA: mname, rname, serial, refresh, retry, expire, min */
		uint8_t rd[2 * DNS_NAME_MAX + 20];
		size_t n = 0;
		n += dns_name_from_str("ns.example.com", rd + n);
		n += dns_name_from_str("host.example.com", rd + n);
		uint32_t v[5] = {1, 3600, 600, 86400, soa_min};
		for (int i = 0; i < 5; i++) {
			rd[n++] = (uint8_t)(v[i] >> 24);
			rd[n++] = (uint8_t)(v[i] >> 16);
			rd[n++] = (uint8_t)(v[i] >> 8);
			rd[n++] = (uint8_t)v[i];
		}
		/* raw RDATA: names uncompressed, still valid */
		assert_int_equal(dns_build_rr(&b, DNS_SEC_NS, zone, DNS_T_SOA,
					      DNS_C_IN, soa_ttl, rd,
					      (uint16_t)n),
				 0);
	}
	assert_int_equal(dns_build_finish(&b, &r->n), 0);
	assert_int_equal(dns_parse(&r->msg, r->b, r->n), 0);
	return r;
}

static struct dns64_cache *mk(size_t entries, size_t bytes)
{
	struct dns64_cache *c;
	assert_int_equal(dns64_cache_init(&c, entries, bytes, 1), 0);
	return c;
}

static void add(struct dns64_cache *c, const struct m *q, const struct m *r,
		uint64_t now)
{
	struct dns64_cache_key k;
	dns64_cache_key_make(&k, &q->msg);
	assert_int_equal(dns64_cache_add(c, &k, &r->msg, now), 0);
}

static size_t find(struct dns64_cache *c, const struct m *q, struct m *out,
		   uint64_t now)
{
	struct dns64_cache_key k;
	dns64_cache_key_make(&k, &q->msg);
	out->n = dns64_cache_find(c, &k, &q->msg, out->b, sizeof(out->b), now);
	if (out->n)
		assert_int_equal(dns_parse(&out->msg, out->b, out->n), 0);
	return out->n;
}

/* ---- tests ------------------------------------------------------------- */

static void test_hit_client_id_and_case(void **state)
{
	(void)state;
	static struct m r, out;
	struct dns64_cache *c = mk(16, 64 * 1024);

	response(&r, "www.example.com", POS, 300, 200, 0, 0, 0);
	add(c, query("www.example.com", DNS_T_A, DNS_F_RD, false, false), &r,
	    1000);
	struct m *q = query("WwW.ExAmple.com", DNS_T_A, DNS_F_RD, false, false);
	assert_int_equal(find(c, q, &out, 1000), r.n);
	assert_int_equal(out.msg.id, 0xabcd);
	assert_memory_equal(out.msg.qname, q->msg.qname, q->msg.qname_len);
	assert_int_equal(out.msg.nrr[DNS_SEC_AN], 2);
	assert_int_equal(out.msg.rr[DNS_SEC_AN][0].ttl, 300);
	assert_int_equal(out.msg.rr[DNS_SEC_AN][1].ttl, 200);
	assert_int_equal(dns64_cache_count(c), 1);
	dns64_cache_fini(c);
}

/* RFC 1035 §7.1: TTLs count down while cached; expiry at the min TTL. */
static void test_ttl_decrement_and_expiry(void **state)
{
	(void)state;
	static struct m r, out;
	struct dns64_cache *c = mk(16, 64 * 1024);
	struct m *q;

	response(&r, "www.example.com", POS, 300, 200, 0, 0, 0);
	add(c, query("www.example.com", DNS_T_A, 0, false, false), &r, 5000);
	q = query("www.example.com", DNS_T_A, 0, false, false);
	assert_true(find(c, q, &out, 5000 + 30500) > 0);
	assert_int_equal(out.msg.rr[DNS_SEC_AN][0].ttl, 270);
	assert_int_equal(out.msg.rr[DNS_SEC_AN][1].ttl, 170);
	assert_true(find(c, q, &out, 5000 + 199999) > 0);
	assert_int_equal(out.msg.rr[DNS_SEC_AN][1].ttl, 1);
	assert_int_equal(find(c, q, &out, 5000 + 200000), 0);
	assert_int_equal(dns64_cache_count(c), 0);
	uint64_t ctr[DNS64_CACHE_CTR_MAX];
	dns64_cache_counters(c, ctr);
	assert_int_equal(ctr[DNS64_CACHE_EXPIRE], 1);
	assert_int_equal(ctr[DNS64_CACHE_HIT], 2);
	dns64_cache_fini(c);
}

/* Entry table full: CLOCK evicts an entry not hit since the last sweep. */
static void test_evict_entries_clock(void **state)
{
	(void)state;
	static struct m r, out;
	struct dns64_cache *c = mk(4, 64 * 1024);
	char name[32];

	for (int i = 0; i < 4; i++) {
		snprintf(name, sizeof(name), "n%d.example.com", i);
		response(&r, name, POS, 300, 300, 0, 0, 0);
		add(c, query(name, DNS_T_A, 0, false, false), &r, 0);
	}
	assert_int_equal(dns64_cache_count(c), 4);
	/* n0 was hit: it gets a second chance, n1 goes */
	assert_true(find(c, query("n0.example.com", DNS_T_A, 0, false, false),
			 &out, 0) > 0);
	response(&r, "n4.example.com", POS, 300, 300, 0, 0, 0);
	add(c, query("n4.example.com", DNS_T_A, 0, false, false), &r, 0);
	assert_int_equal(dns64_cache_count(c), 4);
	assert_true(find(c, query("n0.example.com", DNS_T_A, 0, false, false),
			 &out, 0) > 0);
	assert_int_equal(
	    find(c, query("n1.example.com", DNS_T_A, 0, false, false), &out, 0),
	    0);
	assert_true(find(c, query("n4.example.com", DNS_T_A, 0, false, false),
			 &out, 0) > 0);
	dns64_cache_fini(c);
}

/* Byte pool full: old entries go so that a new one fits; one larger than
 * the whole pool is refused. */
static void test_evict_bytes_and_too_big(void **state)
{
	(void)state;
	static struct m r, out;
	struct dns64_cache *c = mk(64, 4096);
	char name[32];

	for (int i = 0; i < 8; i++) {
		snprintf(name, sizeof(name), "b%d.example.com", i);
		response(&r, name, POS, 300, 300, 0, 0, 2); /* ~600 bytes */
		add(c, query(name, DNS_T_A, 0, false, false), &r, 0);
	}
	assert_true(dns64_cache_count(c) < 8);
	assert_true(find(c, query("b7.example.com", DNS_T_A, 0, false, false),
			 &out, 0) > 0);
	assert_int_equal(
	    find(c, query("b0.example.com", DNS_T_A, 0, false, false), &out, 0),
	    0);
	response(&r, "big.example.com", POS, 300, 300, 0, 0, 20);
	struct dns64_cache_key k;
	dns64_cache_key_make(
	    &k, &query("big.example.com", DNS_T_A, 0, false, false)->msg);
	assert_int_equal(dns64_cache_add(c, &k, &r.msg, 0), -E2BIG);
	dns64_cache_fini(c);
}

/* DO, CD and EDNS presence are part of the key (RFC 4035 §3.2, RFC 6147
 * §5.5: answers for CD or DO clients differ). */
static void test_do_cd_separate(void **state)
{
	(void)state;
	static struct m r, out;
	struct dns64_cache *c = mk(16, 64 * 1024);

	response(&r, "www.example.com", POS, 300, 300, 0, 0, 0);
	add(c, query("www.example.com", DNS_T_A, 0, true, true), &r, 0);
	assert_true(find(c, query("www.example.com", DNS_T_A, 0, true, true),
			 &out, 0) > 0);
	assert_int_equal(
	    find(c, query("www.example.com", DNS_T_A, 0, true, false), &out, 0),
	    0);
	assert_int_equal(
	    find(c, query("www.example.com", DNS_T_A, DNS_F_CD, true, true),
		 &out, 0),
	    0);
	assert_int_equal(
	    find(c, query("www.example.com", DNS_T_A, 0, false, false), &out,
		 0),
	    0);
	assert_int_equal(
	    find(c, query("www.example.com", DNS_T_AAAA, 0, true, true), &out,
		 0),
	    0);
	dns64_cache_fini(c);
}

/* RFC 2308 §5: a negative answer lives min(SOA TTL, SOA MINIMUM). */
static void test_negative_soa_minimum(void **state)
{
	(void)state;
	static struct m r, out;
	struct dns64_cache *c = mk(16, 64 * 1024);
	struct m *q;

	response(&r, "nx.example.com", NXD_SOA, 0, 0, 3600, 300, 0);
	assert_int_equal(dns64_cache_ttl(&r.msg), 300);
	add(c, query("nx.example.com", DNS_T_A, 0, false, false), &r, 0);
	q = query("nx.example.com", DNS_T_A, 0, false, false);
	assert_true(find(c, q, &out, 299999) > 0);
	assert_int_equal(dns_msg_rcode(&out.msg), DNS_RC_NXDOMAIN);
	assert_int_equal(out.msg.rr[DNS_SEC_NS][0].ttl, 3600 - 299);
	assert_int_equal(find(c, q, &out, 300000), 0);

	/* the SOA's own TTL when it is the smaller */
	response(&r, "nd.example.com", NODATA_SOA, 0, 0, 60, 300, 0);
	assert_int_equal(dns64_cache_ttl(&r.msg), 60);
	/* capped at 3 hours */
	response(&r, "nd.example.com", NODATA_SOA, 0, 0, 86400, 86400, 0);
	assert_int_equal(dns64_cache_ttl(&r.msg), DNS64_CACHE_NEG_TTL_MAX);
	dns64_cache_fini(c);
}

/* Not cached: negative without SOA (RFC 2308 §5), SERVFAIL, TC, TTL 0. */
static void test_uncacheable(void **state)
{
	(void)state;
	static struct m r;
	struct dns64_cache *c = mk(16, 64 * 1024);
	struct dns64_cache_key k;

	dns64_cache_key_make(
	    &k, &query("x.example.com", DNS_T_A, 0, false, false)->msg);
	response(&r, "x.example.com", NXD_NOSOA, 0, 0, 0, 0, 0);
	assert_int_equal(dns64_cache_add(c, &k, &r.msg, 0), -EINVAL);
	response(&r, "x.example.com", SERVFAIL, 0, 0, 0, 0, 0);
	assert_int_equal(dns64_cache_add(c, &k, &r.msg, 0), -EINVAL);
	response(&r, "x.example.com", TRUNC, 300, 300, 0, 0, 0);
	assert_int_equal(dns64_cache_add(c, &k, &r.msg, 0), -EINVAL);
	response(&r, "x.example.com", POS, 300, 0, 0, 0, 0);
	assert_int_equal(dns64_cache_add(c, &k, &r.msg, 0), -EINVAL);
	/* RFC 2181 §8: top bit set means 0 */
	response(&r, "x.example.com", POS, 300, 0x80000000u, 0, 0, 0);
	assert_int_equal(dns64_cache_add(c, &k, &r.msg, 0), -EINVAL);
	assert_int_equal(dns64_cache_count(c), 0);
	dns64_cache_fini(c);
}

/* A newer answer replaces the older one under the same key. */
static void test_replace(void **state)
{
	(void)state;
	static struct m r, out;
	struct dns64_cache *c = mk(16, 64 * 1024);
	struct m *q = query("www.example.com", DNS_T_A, 0, false, false);

	response(&r, "www.example.com", POS, 300, 300, 0, 0, 0);
	add(c, q, &r, 0);
	response(&r, "www.example.com", POS, 50, 50, 0, 0, 0);
	q = query("www.example.com", DNS_T_A, 0, false, false);
	add(c, q, &r, 0);
	assert_int_equal(dns64_cache_count(c), 1);
	assert_true(find(c, q, &out, 0) > 0);
	assert_int_equal(out.msg.rr[DNS_SEC_AN][0].ttl, 50);
	dns64_cache_fini(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_hit_client_id_and_case),
	    cmocka_unit_test(test_ttl_decrement_and_expiry),
	    cmocka_unit_test(test_evict_entries_clock),
	    cmocka_unit_test(test_evict_bytes_and_too_big),
	    cmocka_unit_test(test_do_cd_separate),
	    cmocka_unit_test(test_negative_soa_minimum),
	    cmocka_unit_test(test_uncacheable),
	    cmocka_unit_test(test_replace),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
