/*
 * test_rfc6052.c - IPv4-embedded IPv6 addresses (dataplane/xlat/rfc6052.h):
 * the RFC 6052 §2.4 example table, the u-octet and suffix rules of §2.2,
 * prefix matching, the Well-Known Prefix (§2.1) and the address classes
 * never translated (§3.1, docs/translation.md "Addresses").
 */
#include <arpa/inet.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "dataplane/xlat/rfc6052.h"

static void pton6(const char *s, uint8_t *a)
{
	assert_int_equal(inet_pton(AF_INET6, s, a), 1);
}

static uint32_t pton4(const char *s)
{
	uint32_t a;
	assert_int_equal(inet_pton(AF_INET, s, &a), 1);
	return a;
}

/* RFC 6052 §2.4, "Examples of IPv4-embedded IPv6 addresses": the table,
 * verbatim (192.0.2.33 under each prefix). */
static const struct {
	const char *prefix;
	uint8_t len;
	const char *v4;
	const char *v6;
} rfc6052_table[] = {
    {"2001:db8::", 32, "192.0.2.33", "2001:db8:c000:221::"},
    {"2001:db8:100::", 40, "192.0.2.33", "2001:db8:1c0:2:21::"},
    {"2001:db8:122::", 48, "192.0.2.33", "2001:db8:122:c000:2:2100::"},
    {"2001:db8:122:300::", 56, "192.0.2.33", "2001:db8:122:3c0:0:221::"},
    {"2001:db8:122:344::", 64, "192.0.2.33", "2001:db8:122:344:c0:2:2100:0"},
    {"2001:db8:122:344::", 96, "192.0.2.33", "2001:db8:122:344::192.0.2.33"},
    {"64:ff9b::", 96, "192.0.2.33", "64:ff9b::192.0.2.33"},
};

#define NTABLE (sizeof(rfc6052_table) / sizeof(rfc6052_table[0]))

/* RFC 6052 §2.4: embedding 192.0.2.33 gives the table's address. */
static void test_rfc6052_2_4_embed_table(void **state)
{
	(void)state;
	for (size_t i = 0; i < NTABLE; i++) {
		uint8_t pfx[16], want[16], got[16];
		pton6(rfc6052_table[i].prefix, pfx);
		pton6(rfc6052_table[i].v6, want);
		memset(got, 0xaa, sizeof(got));
		rfc6052_embed(pfx, rfc6052_table[i].len,
			      pton4(rfc6052_table[i].v4), got);
		assert_memory_equal(got, want, 16);
	}
}

/* RFC 6052 §2.4 read backwards: extraction gives 192.0.2.33 back. */
static void test_rfc6052_2_4_extract_table(void **state)
{
	(void)state;
	for (size_t i = 0; i < NTABLE; i++) {
		uint8_t pfx[16], a[16];
		uint32_t v4 = 0;
		pton6(rfc6052_table[i].prefix, pfx);
		pton6(rfc6052_table[i].v6, a);
		assert_true(rfc6052_match(pfx, rfc6052_table[i].len, a));
		assert_int_equal(rfc6052_extract(rfc6052_table[i].len, a, &v4),
				 0);
		assert_int_equal(v4, pton4(rfc6052_table[i].v4));
	}
}

/* RFC 6052 §2.2: embed/extract round-trip for every length and many
 * addresses, and the u-octet (bits 64-71) is always zero. */
static void test_rfc6052_2_2_roundtrip(void **state)
{
	static const uint8_t lens[] = {32, 40, 48, 56, 64, 96};
	uint8_t pfx[16];
	uint32_t x = 0x12345678;

	(void)state;
	pton6("2001:db8:122:344::", pfx);
	for (size_t l = 0; l < sizeof(lens); l++) {
		for (int n = 0; n < 1000; n++) {
			uint8_t a[16];
			uint32_t out = 0;
			x ^= x << 13;
			x ^= x >> 17;
			x ^= x << 5;
			uint8_t p[16] = {0};
			memcpy(p, pfx, lens[l] / 8);
			rfc6052_embed(p, lens[l], x, a);
			if (lens[l] != 96)
				assert_int_equal(a[8], 0);
			assert_memory_equal(a, p, lens[l] / 8);
			assert_true(rfc6052_match(p, lens[l], a));
			assert_int_equal(rfc6052_extract(lens[l], a, &out), 0);
			assert_int_equal(out, x);
		}
	}
}

/* RFC 6052 §2.2: an address whose u-octet is not zero is not one of the
 * translator's (extraction refuses it). */
static void test_rfc6052_2_2_uoctet_rejected(void **state)
{
	(void)state;
	for (size_t i = 0; i < NTABLE; i++) {
		uint8_t a[16];
		uint32_t v4;
		if (rfc6052_table[i].len == 96)
			continue; /* /96: byte 8 is prefix, checked by cfg */
		pton6(rfc6052_table[i].v6, a);
		a[8] = 0x01;
		assert_int_equal(rfc6052_extract(rfc6052_table[i].len, a, &v4),
				 -1);
	}
}

/* Last byte holding an IPv4 octet for each length (RFC 6052 §2.2 Fig. 1). */
static int last_v4_byte(uint8_t len)
{
	switch (len) {
	case 32: return 7;
	case 40: return 9;
	case 48: return 10;
	case 56: return 11;
	case 64: return 12;
	default: return 15;
	}
}

/* RFC 6052 §2.2: the suffix after the IPv4 octets is zero; any suffix bit
 * set makes extraction fail. */
static void test_rfc6052_2_2_suffix_rejected(void **state)
{
	(void)state;
	for (size_t i = 0; i < NTABLE; i++) {
		uint8_t len = rfc6052_table[i].len;
		if (len == 96)
			continue; /* no suffix */
		for (int b = last_v4_byte(len) + 1; b < 16; b++) {
			uint8_t a[16];
			uint32_t v4;
			pton6(rfc6052_table[i].v6, a);
			a[b] = 0x80;
			assert_int_equal(rfc6052_extract(len, a, &v4), -1);
			a[b] = 0x01;
			assert_int_equal(rfc6052_extract(len, a, &v4), -1);
		}
	}
}

/* RFC 6052 §2.2: only 32, 40, 48, 56, 64 and 96 are prefix lengths. */
static void test_rfc6052_2_2_lengths(void **state)
{
	(void)state;
	for (int len = 0; len <= 255; len++) {
		int ok = len == 32 || len == 40 || len == 48 || len == 56 ||
			 len == 64 || len == 96;
		uint8_t a[16] = {0};
		uint32_t v4;
		assert_int_equal(rfc6052_len_valid((uint8_t)len), ok);
		if (!ok)
			assert_int_equal(rfc6052_extract((uint8_t)len, a, &v4),
					 -1);
	}
}

/* RFC 6052 §2.2 Figure 1: the byte positions of the IPv4 octets (the
 * u-octet, byte 8, skipped), seen through embed with a zero prefix. */
static void test_rfc6052_2_2_layout(void **state)
{
	static const struct {
		uint8_t len, pos[4];
	} want[] = {
	    {32, {4, 5, 6, 7}},	  {40, {5, 6, 7, 9}},	 {48, {6, 7, 9, 10}},
	    {56, {7, 9, 10, 11}}, {64, {9, 10, 11, 12}}, {96, {12, 13, 14, 15}},
	};
	static const uint8_t zero[16];
	const uint8_t octets[4] = {0xc1, 0xc2, 0xc3, 0xc4};
	uint32_t v4;

	(void)state;
	memcpy(&v4, octets, 4);
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		uint8_t a[16], exp[16] = {0};
		for (int k = 0; k < 4; k++)
			exp[want[i].pos[k]] = octets[k];
		rfc6052_embed(zero, want[i].len, v4, a);
		assert_memory_equal(a, exp, 16);
	}
}

/* RFC 6052 §2.2: rfc6052_match compares the prefix bits only. */
static void test_rfc6052_2_2_match(void **state)
{
	uint8_t pfx[16], a[16];

	(void)state;
	pton6("2001:db8:122:344::", pfx);
	pton6("2001:db8:122:344:c0:2:2100:0", a);
	assert_true(rfc6052_match(pfx, 64, a));
	assert_true(rfc6052_match(pfx, 32, a));
	pton6("2001:db8:122:345:c0:2:2100:0", a);
	assert_false(rfc6052_match(pfx, 64, a));
	assert_true(rfc6052_match(pfx, 48, a));
	pton6("2001:db9::", a);
	assert_false(rfc6052_match(pfx, 32, a));
	/* /96: every one of the 12 prefix bytes counts */
	pton6("64:ff9b::", pfx);
	pton6("64:ff9b::192.0.2.33", a);
	assert_true(rfc6052_match(pfx, 96, a));
	pton6("64:ff9b::1:192.0.2.33", a);
	assert_false(rfc6052_match(pfx, 96, a));
	pton6("64:ff9b:1::192.0.2.33", a); /* RFC 8215 local-use prefix */
	assert_false(rfc6052_match(pfx, 96, a));
}

/* RFC 6052 §2.1: 64:ff9b::/96 is the Well-Known Prefix, no other. */
static void test_rfc6052_2_1_wkp(void **state)
{
	uint8_t p[16];

	(void)state;
	pton6("64:ff9b::", p);
	assert_true(rfc6052_is_wkp(p, 96));
	assert_false(rfc6052_is_wkp(p, 64));
	assert_false(rfc6052_is_wkp(p, 32));
	pton6("64:ff9b:1::", p); /* RFC 8215: not the WKP */
	assert_false(rfc6052_is_wkp(p, 96));
	pton6("2001:db8::", p);
	assert_false(rfc6052_is_wkp(p, 96));
	pton6("64:ff9a::", p);
	assert_false(rfc6052_is_wkp(p, 96));
}

/* docs/translation.md "reserved IPv4" (RFC 6890): 0/8, 127/8, 169.254/16,
 * 224/4 and 255.255.255.255 are never translated. */
static void test_rfc6052_3_1_reserved(void **state)
{
	static const char *const yes[] = {
	    "0.0.0.0",	       "0.255.255.255",	  "127.0.0.1",
	    "127.255.255.255", "169.254.0.0",	  "169.254.255.255",
	    "224.0.0.1",       "239.255.255.255", "255.255.255.255",
	};
	static const char *const no[] = {
	    "1.0.0.0",	   "126.255.255.255", "128.0.0.0", "169.253.255.255",
	    "169.255.0.0", "223.255.255.255", "240.0.0.0", "255.255.255.254",
	    "192.0.2.33",  "10.0.0.1",	      "8.8.8.8",
	};
	(void)state;
	for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++)
		assert_true(ip4_is_reserved(pton4(yes[i])));
	for (size_t i = 0; i < sizeof(no) / sizeof(no[0]); i++)
		assert_false(ip4_is_reserved(pton4(no[i])));
}

/* RFC 6052 §3.1: the WKP is not used with non-global addresses: 10/8,
 * 100.64/10, 172.16/12, 192.0.0/24, 192.168/16, 198.18/15, 240/4. */
static void test_rfc6052_3_1_nonglobal(void **state)
{
	static const char *const yes[] = {
	    "10.0.0.0",	   "10.255.255.255",  "100.64.0.0", "100.127.255.255",
	    "172.16.0.0",  "172.31.255.255",  "192.0.0.0",  "192.0.0.255",
	    "192.168.0.0", "192.168.255.255", "198.18.0.0", "198.19.255.255",
	    "240.0.0.0",   "255.255.255.254",
	};
	static const char *const no[] = {
	    "9.255.255.255",  "11.0.0.0",	 "100.63.255.255",
	    "100.128.0.0",    "172.15.255.255",	 "172.32.0.0",
	    "192.0.1.0",      "192.167.255.255", "192.169.0.0",
	    "198.17.255.255", "198.20.0.0",	 "239.255.255.255",
	    "8.8.8.8",
	};
	(void)state;
	for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++)
		assert_true(ip4_is_nonglobal(pton4(yes[i])));
	for (size_t i = 0; i < sizeof(no) / sizeof(no[0]); i++)
		assert_false(ip4_is_nonglobal(pton4(no[i])));
}

/* RFC 6052 §3.1 with docs/translation.md: the documentation ranges
 * TEST-NET-1/2/3 stay allowed (§2.4's own example is 192.0.2.33). */
static void test_rfc6052_3_1_testnets_allowed(void **state)
{
	static const char *const testnets[] = {
	    "192.0.2.0",      "192.0.2.33",  "192.0.2.255",   "198.51.100.0",
	    "198.51.100.255", "203.0.113.0", "203.0.113.255",
	};
	(void)state;
	for (size_t i = 0; i < sizeof(testnets) / sizeof(testnets[0]); i++) {
		assert_false(ip4_is_nonglobal(pton4(testnets[i])));
		assert_false(ip4_is_reserved(pton4(testnets[i])));
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_rfc6052_2_4_embed_table),
	    cmocka_unit_test(test_rfc6052_2_4_extract_table),
	    cmocka_unit_test(test_rfc6052_2_2_roundtrip),
	    cmocka_unit_test(test_rfc6052_2_2_uoctet_rejected),
	    cmocka_unit_test(test_rfc6052_2_2_suffix_rejected),
	    cmocka_unit_test(test_rfc6052_2_2_lengths),
	    cmocka_unit_test(test_rfc6052_2_2_layout),
	    cmocka_unit_test(test_rfc6052_2_2_match),
	    cmocka_unit_test(test_rfc6052_2_1_wkp),
	    cmocka_unit_test(test_rfc6052_3_1_reserved),
	    cmocka_unit_test(test_rfc6052_3_1_nonglobal),
	    cmocka_unit_test(test_rfc6052_3_1_testnets_allowed),
	};
	return cmocka_run_group_tests_name("rfc6052", tests, NULL, NULL);
}
