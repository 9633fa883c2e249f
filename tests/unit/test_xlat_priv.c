/*
 * test_xlat_priv.c - the per-packet forms of the core's helpers against
 * their reference implementations: ip4_check() against ip4_is_reserved()
 * and ip4_is_nonglobal() (RFC 6052 §3.1, docs/translation.md "Addresses"),
 * and the prepared prefix (struct rfc6052_pfx) against rfc6052_embed() /
 * rfc6052_extract() / rfc6052_match() for every prefix length (§2.2).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "dataplane/xlat/siphash.h"
#include "dataplane/xlat/xlat_priv.h"

static uint32_t net(uint32_t host)
{
	return xlat_htonl(host);
}

/* RFC 6052 §3.1: every first/second octet, a few third/fourth octets. */
static void test_ip4_check_matches_reference(void **state)
{
	static const uint16_t low[] = {0x0000, 0x0001, 0x0221, 0x6407,
				       0x80ff, 0xfffe, 0xffff};
	(void)state;
	for (uint32_t hi = 0; hi < 0x10000; hi++) {
		for (size_t i = 0; i < sizeof(low) / sizeof(low[0]); i++) {
			uint32_t a = net(hi << 16 | low[i]);
			enum xlat_reason want0 = ip4_is_reserved(a)
						     ? XLAT_R_ADDR_RESERVED
						     : XLAT_R_NONE;
			enum xlat_reason want1 = want0 ? want0
						 : ip4_is_nonglobal(a)
						     ? XLAT_R_WKP_NONGLOBAL
						     : XLAT_R_NONE;
			if (ip4_check(a, 0) != want0 ||
			    ip4_check(a, 1) != want1)
				fail_msg("ip4_check(%08x) disagrees with the "
					 "reference",
					 hi << 16 | low[i]);
		}
	}
	/* 192.0.0/24 is non-global but 192.0.2/24 is not (TEST-NET-1). */
	assert_int_equal(ip4_check(net(0xc0000001), 1), XLAT_R_WKP_NONGLOBAL);
	assert_int_equal(ip4_check(net(0xc0000221), 1), XLAT_R_NONE);
}

static uint32_t lcg(uint32_t *s)
{
	*s = *s * 1664525u + 1013904223u;
	return *s;
}

/* RFC 6052 §2.2: prepared prefix == reference, every length. */
static void test_pfx_matches_reference(void **state)
{
	static const uint8_t lens[] = {32, 40, 48, 56, 64, 96};
	uint32_t seed = 12345;
	(void)state;
	for (size_t l = 0; l < sizeof(lens); l++) {
		uint8_t prefix[16] = {0x20, 0x01, 0x0d, 0xb8, 0x01, 0x22,
				      0x03, 0x44, 0,	0,    0,    0,
				      0,    0,	  0,	0};
		for (int i = lens[l] / 8; i < 16; i++)
			prefix[i] = 0;
		struct rfc6052_pfx f;
		rfc6052_pfx_init(&f, prefix, lens[l]);
		assert_int_equal(f.len, lens[l]);
		for (int n = 0; n < 20000; n++) {
			uint32_t v4 = lcg(&seed), got = 0, want = 0;
			uint8_t a[16], b[16];
			rfc6052_embed(prefix, lens[l], v4, a);
			rfc6052_pfx_embed(&f, v4, b);
			assert_memory_equal(a, b, 16);
			assert_int_equal(rfc6052_pfx_extract(&f, a, &got), 0);
			assert_int_equal(got, v4);
			if (lens[l] == 96) {
				assert_int_equal(
				    rfc6052_pfx96_extract(&f, a, &got), 0);
				assert_int_equal(got, v4);
			}
			/* flip one random bit: both agree on in/out/bad */
			int bit = (int)(lcg(&seed) % 128);
			a[bit / 8] ^= (uint8_t)(0x80 >> (bit % 8));
			int in = rfc6052_match(prefix, lens[l], a);
			int rc = rfc6052_pfx_extract(&f, a, &got);
			if (!in)
				assert_int_equal(rc, 1);
			else if (rfc6052_extract(lens[l], a, &want))
				assert_int_equal(rc, -1);
			else {
				assert_int_equal(rc, 0);
				assert_int_equal(got, want);
			}
		}
	}
}

/* The prefix sum used by the fast path's checksum arithmetic. */
static void test_pfx_sum(void **state)
{
	uint8_t wkp[16] = {0x00, 0x64, 0xff, 0x9b};
	struct rfc6052_pfx f;
	(void)state;
	rfc6052_pfx_init(&f, wkp, 96);
	assert_true(f.wkp);
	assert_int_equal(f.sum, csum_addr6(wkp));
	/* RFC 6052 §4.1: the WKP is checksum-neutral. */
	assert_int_equal(csum_fold32(f.sum), 0xffff);
}

/* SipHash-2-4 reference vector (Aumasson and Bernstein, "SipHash: a fast
 * short-input PRF", appendix A): key 00..0f, message 00..0e. */
static void test_siphash_reference(void **state)
{
	uint8_t k[16], m[15];
	uint64_t key[2] = {0, 0};
	(void)state;
	for (int i = 0; i < 16; i++)
		k[i] = (uint8_t)i;
	for (int i = 0; i < 15; i++)
		m[i] = (uint8_t)i;
	for (int i = 7; i >= 0; i--) {
		key[0] = key[0] << 8 | k[i];
		key[1] = key[1] << 8 | k[8 + i];
	}
	assert_true(siphash(key, m, 15, 2, 4) == 0xa129ca6149be45e5ull);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_ip4_check_matches_reference),
	    cmocka_unit_test(test_pfx_matches_reference),
	    cmocka_unit_test(test_pfx_sum),
	    cmocka_unit_test(test_siphash_reference),
	};
	return cmocka_run_group_tests_name("xlat_priv", tests, NULL, NULL);
}
