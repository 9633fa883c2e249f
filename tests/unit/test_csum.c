/*
 * test_csum.c - Internet checksum arithmetic (dataplane/xlat/csum.h):
 * RFC 1071 sums against a byte-by-byte reference, RFC 1624 incremental
 * update against a full recompute, the RFC 768 UDP zero rule and the IPv4
 * header checksum on a known header.
 */
#include <arpa/inet.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "dataplane/xlat/csum.h"

static uint32_t rng = 0x2545f491;

static uint32_t xrand(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 17;
	rng ^= rng << 5;
	return rng;
}

/* RFC 1071 §1 by the book: 16-bit big-endian words, an odd last byte
 * padded with a zero, end-around carry; returns the folded sum in host
 * order (not inverted). */
static uint16_t ref_sum(const uint8_t *b, size_t len)
{
	uint64_t s = 0;
	for (size_t i = 0; i + 1 < len; i += 2)
		s += (uint64_t)b[i] << 8 | b[i + 1];
	if (len & 1)
		s += (uint64_t)b[len - 1] << 8;
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)s;
}

/* Host-order value of a folded memory-order sum. */
static uint16_t host(uint32_t memsum)
{
	return ntohs(csum_fold32(memsum));
}

/* RFC 1071 §3 "Numerical Examples": 00 01 f2 03 f4 f5 f6 f7 sums to
 * ddf2. */
static void test_rfc1071_3_example(void **state)
{
	static const uint8_t b[] = {0x00, 0x01, 0xf2, 0x03,
				    0xf4, 0xf5, 0xf6, 0xf7};
	(void)state;
	assert_int_equal(host(csum_partial(b, sizeof(b), 0)), 0xddf2);
	assert_int_equal(ref_sum(b, sizeof(b)), 0xddf2);
}

/* RFC 1071 §1: csum_partial equals the reference on deterministic random
 * buffers of every length 0..300 (odd lengths too) and at odd offsets. */
static void test_rfc1071_partial_vs_reference(void **state)
{
	uint8_t buf[1600];

	(void)state;
	for (int round = 0; round < 20; round++) {
		for (size_t i = 0; i < sizeof(buf); i++)
			buf[i] = (uint8_t)xrand();
		for (size_t len = 0; len <= 300; len++) {
			size_t off = round & 3;
			assert_int_equal(
			    host(csum_partial(buf + off, (uint32_t)len, 0)),
			    ref_sum(buf + off, len));
		}
		size_t len = 1000 + (xrand() % 501);
		assert_int_equal(host(csum_partial(buf, (uint32_t)len, 0)),
				 ref_sum(buf, len));
	}
}

/* RFC 1071 §2(C): a sum carried in is added (pseudo-header + data), and
 * chaining two even-length pieces equals one pass. */
static void test_rfc1071_partial_chained(void **state)
{
	uint8_t buf[512];

	(void)state;
	for (size_t i = 0; i < sizeof(buf); i++)
		buf[i] = (uint8_t)xrand();
	for (uint32_t cut = 0; cut <= sizeof(buf); cut += 2) {
		uint32_t s = csum_partial(buf, cut, 0);
		s = csum_partial(buf + cut, (uint32_t)sizeof(buf) - cut, s);
		assert_int_equal(host(s), ref_sum(buf, sizeof(buf)));
	}
}

/* RFC 1071 §2(B): the 32-bit accumulator never loses a carry, even over
 * 64 KiB of 0xff (the largest IP payload). */
static void test_rfc1071_partial_no_overflow(void **state)
{
	static uint8_t big[65536];

	(void)state;
	memset(big, 0xff, sizeof(big));
	assert_int_equal(host(csum_partial(big, sizeof(big), 0)),
			 ref_sum(big, sizeof(big)));
	/* a large sum carried in (bit 31 set) is folded, not lost */
	uint32_t in = 0xfffe0001u, want = ref_sum(big, 65535);
	want += host(in);
	want = (want & 0xffff) + (want >> 16);
	assert_int_equal(host(csum_partial(big, 65535, in)), want);
	for (size_t i = 0; i < sizeof(big); i++)
		big[i] = (uint8_t)xrand();
	assert_int_equal(host(csum_partial(big, 65535, 0)),
			 ref_sum(big, 65535));
}

/* RFC 1624 §3 eqn. 3: HC' = ~(~HC + ~m + m') equals a full recompute,
 * for thousands of deterministic random word changes. */
static void test_rfc1624_3_update_vs_recompute(void **state)
{
	uint8_t buf[64];

	(void)state;
	for (int n = 0; n < 20000; n++) {
		for (size_t i = 0; i < sizeof(buf); i++)
			buf[i] = (uint8_t)xrand();
		buf[0] |= 1; /* never all zero: a full recompute's 0xffff */
		uint16_t c =
		    (uint16_t)~csum_fold32(csum_partial(buf, sizeof(buf), 0));
		uint32_t rem = 0, add = 0;
		int words = 1 + (int)(xrand() % 8);
		for (int w = 0; w < words; w++) {
			unsigned at = 1 + xrand() % 31; /* word index, not 0 */
			uint16_t old, neu = (uint16_t)xrand();
			if (xrand() % 4 == 0) /* the special values too */
				neu = (xrand() & 1) ? 0xffff : 0;
			memcpy(&old, buf + 2 * at, 2);
			rem += old;
			add += neu;
			memcpy(buf + 2 * at, &neu, 2);
		}
		uint16_t full =
		    (uint16_t)~csum_fold32(csum_partial(buf, sizeof(buf), 0));
		assert_int_equal(csum_update(c, rem, add), full);
	}
}

/* RFC 1624 with whole addresses: replacing a 16-byte and a 4-byte address
 * (the pseudo-header change of a translation) through csum_addr6/4. */
static void test_rfc1624_3_update_addresses(void **state)
{
	uint8_t buf[40];

	(void)state;
	for (int n = 0; n < 5000; n++) {
		for (size_t i = 0; i < sizeof(buf); i++)
			buf[i] = (uint8_t)xrand();
		buf[0] |= 1;
		uint16_t c =
		    (uint16_t)~csum_fold32(csum_partial(buf, sizeof(buf), 0));
		uint8_t a6[16];
		uint32_t a4 = xrand(), b4;
		for (int i = 0; i < 16; i++)
			a6[i] = (uint8_t)xrand();
		uint32_t rem = csum_addr6(buf + 8);
		memcpy(&b4, buf + 24, 4);
		rem += csum_addr4(b4);
		uint32_t add = csum_addr6(a6) + csum_addr4(a4);
		memcpy(buf + 8, a6, 16);
		memcpy(buf + 24, &a4, 4);
		uint16_t full =
		    (uint16_t)~csum_fold32(csum_partial(buf, sizeof(buf), 0));
		assert_int_equal(csum_update(c, rem, add), full);
	}
}

/* RFC 768 (and RFC 7915 §4.5/§5.1): a UDP checksum that computes to 0 is
 * sent as 0xffff; csum_update_udp never yields 0 and otherwise equals
 * csum_update. */
static void test_rfc768_update_udp_never_zero(void **state)
{
	int zeros = 0;

	(void)state;
	for (int n = 0; n < 200000; n++) {
		uint16_t old = (uint16_t)xrand();
		uint32_t rem = xrand() & 0xfffff, add = xrand() & 0xfffff;
		if (n & 1) {
			/* choose 'add' so that the plain update is 0 */
			uint32_t s = (uint16_t)~old;
			s += (uint16_t)~csum_fold32(rem);
			add = (uint16_t)~csum_fold32(s);
		}
		uint16_t plain = csum_update(old, rem, add);
		uint16_t udp = csum_update_udp(old, rem, add);
		assert_int_not_equal(udp, 0);
		if (plain)
			assert_int_equal(udp, plain);
		else {
			assert_int_equal(udp, 0xffff);
			zeros++;
		}
	}
	assert_true(zeros > 1000); /* the zero case was exercised */
}

/* RFC 791 header checksum on a known header (the widely quoted example
 * 4500 0073 0000 4000 4011 [b861] c0a8 0001 c0a8 00c7). */
static void test_rfc791_ip4_hdr_known(void **state)
{
	uint8_t h[20] = {0x45, 0x00, 0x00, 0x73, 0x00, 0x00, 0x40,
			 0x00, 0x40, 0x11, 0x00, 0x00, 0xc0, 0xa8,
			 0x00, 0x01, 0xc0, 0xa8, 0x00, 0xc7};
	struct xlat_ip4 ip;

	(void)state;
	memcpy(&ip, h, sizeof(ip));
	uint16_t c = csum_ip4_hdr(&ip);
	uint8_t cb[2];
	memcpy(cb, &c, 2);
	assert_int_equal(cb[0], 0xb8);
	assert_int_equal(cb[1], 0x61);
	/* RFC 1071: a header with its checksum in place sums to 0xffff */
	memcpy(h + 10, cb, 2);
	assert_int_equal(csum_fold32(csum_partial(h, 20, 0)), 0xffff);
}

/* RFC 791: csum_ip4_hdr equals ~reference on random headers. */
static void test_rfc791_ip4_hdr_random(void **state)
{
	(void)state;
	for (int n = 0; n < 10000; n++) {
		uint8_t h[20];
		struct xlat_ip4 ip;
		for (int i = 0; i < 20; i++)
			h[i] = (uint8_t)xrand();
		h[0] = 0x45;
		h[10] = h[11] = 0;
		memcpy(&ip, h, sizeof(ip));
		uint16_t c = csum_ip4_hdr(&ip);
		assert_int_equal(ntohs(c), (uint16_t)~ref_sum(h, 20));
	}
}

/* RFC 8200 §8.1 and RFC 768/793: pseudo-header sums equal the sum of the
 * pseudo-header laid out in memory. */
static void test_rfc8200_8_1_pseudo_headers(void **state)
{
	(void)state;
	for (int n = 0; n < 2000; n++) {
		struct xlat_ip6 ip6;
		uint8_t ph6[40] = {0};
		uint32_t l4len = xrand() % 70000;
		uint8_t proto = (uint8_t)xrand();
		for (int i = 0; i < 16; i++) {
			ip6.saddr[i] = (uint8_t)xrand();
			ip6.daddr[i] = (uint8_t)xrand();
		}
		memcpy(ph6, ip6.saddr, 16);
		memcpy(ph6 + 16, ip6.daddr, 16);
		uint32_t l = htonl(l4len);
		memcpy(ph6 + 32, &l, 4);
		ph6[39] = proto;
		assert_int_equal(host(csum_pseudo6(&ip6, l4len, proto)),
				 ref_sum(ph6, 40));

		uint8_t ph4[12] = {0};
		uint32_t s4 = xrand(), d4 = xrand();
		uint16_t len4 = (uint16_t)xrand();
		memcpy(ph4, &s4, 4);
		memcpy(ph4 + 4, &d4, 4);
		ph4[9] = proto;
		ph4[10] = (uint8_t)(len4 >> 8);
		ph4[11] = (uint8_t)len4;
		assert_int_equal(host(csum_pseudo4(s4, d4, len4, proto)),
				 ref_sum(ph4, 12));
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_rfc1071_3_example),
	    cmocka_unit_test(test_rfc1071_partial_vs_reference),
	    cmocka_unit_test(test_rfc1071_partial_chained),
	    cmocka_unit_test(test_rfc1071_partial_no_overflow),
	    cmocka_unit_test(test_rfc1624_3_update_vs_recompute),
	    cmocka_unit_test(test_rfc1624_3_update_addresses),
	    cmocka_unit_test(test_rfc768_update_udp_never_zero),
	    cmocka_unit_test(test_rfc791_ip4_hdr_known),
	    cmocka_unit_test(test_rfc791_ip4_hdr_random),
	    cmocka_unit_test(test_rfc8200_8_1_pseudo_headers),
	};
	return cmocka_run_group_tests_name("csum", tests, NULL, NULL);
}
