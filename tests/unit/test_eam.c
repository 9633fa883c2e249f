/*
 * test_eam.c - the Explicit Address Mapping table (dataplane/xlat/eam.h,
 * RFC 7757): adding, building and looking up in both directions, the
 * longest-prefix match over nested entries (§3.2), the suffix rule
 * (§3.3), and the errors eam_add reports.
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

#include "dataplane/xlat/eam.h"

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

static int add(struct xlat_eamt *t, const char *a4, uint8_t l4, const char *a6,
	       uint8_t l6, char *msg, size_t msglen)
{
	uint8_t b6[16];
	v6(a6, b6);
	return eam_add(t, v4(a4), l4, b6, l6, msg, msglen);
}

static void add_ok(struct xlat_eamt *t, const char *a4, uint8_t l4,
		   const char *a6, uint8_t l6)
{
	char msg[256] = "";
	assert_int_equal(add(t, a4, l4, a6, l6, msg, sizeof(msg)), 0);
}

/* 4to6 lookup of a4 must give a6 (or no match when a6 is NULL). */
static void expect46(const struct xlat_eamt *t, const char *a4, const char *a6)
{
	uint8_t got[16], want[16];
	int r = eam_4to6(t, v4(a4), got);
	if (!a6) {
		assert_int_equal(r, 0);
		return;
	}
	assert_int_equal(r, 1);
	v6(a6, want);
	assert_memory_equal(got, want, 16);
}

/* 6to4 lookup of a6 must give a4 (or no match when a4 is NULL). */
static void expect64(const struct xlat_eamt *t, const char *a6, const char *a4)
{
	uint8_t b6[16];
	uint32_t got = 0;
	v6(a6, b6);
	int r = eam_6to4(t, b6, &got);
	if (!a4) {
		assert_int_equal(r, 0);
		return;
	}
	assert_int_equal(r, 1);
	assert_int_equal(got, v4(a4));
}

static int setup(void **state)
{
	struct xlat_eamt *t = malloc(sizeof(*t));
	if (!t)
		return -1;
	eam_init(t);
	*state = t;
	return 0;
}

static int teardown(void **state)
{
	free(*state);
	return 0;
}

/* RFC 7757 §3.3: a /32 <-> /128 entry maps exactly one address, both
 * ways. */
static void test_rfc7757_3_3_host_entry(void **state)
{
	struct xlat_eamt *t = *state;

	add_ok(t, "192.0.2.1", 32, "2001:db8:a::1", 128);
	eam_build(t);
	expect46(t, "192.0.2.1", "2001:db8:a::1");
	expect64(t, "2001:db8:a::1", "192.0.2.1");
	expect46(t, "192.0.2.2", NULL);
	expect46(t, "192.0.2.0", NULL);
	expect64(t, "2001:db8:a::2", NULL);
	expect64(t, "2001:db8:a::", NULL);
}

/* RFC 7757 §3.3: /24 <-> /120: the 8 suffix bits of the IPv4 address are
 * appended to the IPv6 prefix, and extracted back. */
static void test_rfc7757_3_3_prefix_entry(void **state)
{
	struct xlat_eamt *t = *state;

	add_ok(t, "198.51.100.0", 24, "2001:db8:c::", 120);
	eam_build(t);
	expect46(t, "198.51.100.0", "2001:db8:c::");
	expect46(t, "198.51.100.1", "2001:db8:c::1");
	expect46(t, "198.51.100.255", "2001:db8:c::ff");
	expect46(t, "198.51.101.0", NULL);
	expect64(t, "2001:db8:c::7", "198.51.100.7");
	expect64(t, "2001:db8:c::ff", "198.51.100.255");
	expect64(t, "2001:db8:c::100", NULL);
	expect64(t, "2001:db8:c:0:1::7", NULL);
}

/* RFC 7757 §3.3 with a prefix boundary inside a byte: /22 <-> /118 and
 * /16 <-> /112 at the start of the address. */
static void test_rfc7757_3_3_unaligned(void **state)
{
	struct xlat_eamt *t = *state;

	add_ok(t, "203.0.112.0", 22, "2001:db8:f::", 118);
	add_ok(t, "172.20.0.0", 16, "2001:db8:1:2:3:4:5:0", 112);
	eam_build(t);
	expect46(t, "203.0.115.201", "2001:db8:f::3c9");
	expect64(t, "2001:db8:f::3c9", "203.0.115.201");
	expect64(t, "2001:db8:f::400", NULL);
	expect46(t, "203.0.116.1", NULL);
	expect46(t, "172.20.1.2", "2001:db8:1:2:3:4:5:102");
	expect64(t, "2001:db8:1:2:3:4:5:ffff", "172.20.255.255");
}

/* RFC 7757 §3.2: entries may nest; the longest matching prefix wins, on
 * the IPv4 side for 4to6 and on the IPv6 side for 6to4. */
static void test_rfc7757_3_2_longest_match(void **state)
{
	struct xlat_eamt *t = *state;

	add_ok(t, "198.51.100.0", 24, "2001:db8:c::", 120);
	add_ok(t, "198.51.100.16", 28, "2001:db8:d::", 124);
	add_ok(t, "198.51.100.20", 32, "2001:db8:e::1", 128);
	add_ok(t, "192.0.2.128", 25, "2001:db8:b::", 121);
	/* nested on the IPv6 side only (conf/eam-nest6.conf) */
	add_ok(t, "203.0.113.0", 28, "2001:db8:c::10", 124);
	add_ok(t, "0.0.0.0", 0, "2001:db8:ffff::", 96); /* catch-all */
	eam_build(t);

	expect46(t, "198.51.100.1", "2001:db8:c::1");
	expect46(t, "198.51.100.17", "2001:db8:d::1");
	expect46(t, "198.51.100.20", "2001:db8:e::1");
	expect46(t, "198.51.100.31", "2001:db8:d::f");
	expect46(t, "198.51.100.32", "2001:db8:c::20");
	expect46(t, "192.0.2.129", "2001:db8:b::1");
	expect46(t, "192.0.2.127", "2001:db8:ffff::c000:27f");
	expect46(t, "203.0.113.5", "2001:db8:c::15");

	expect64(t, "2001:db8:c::1", "198.51.100.1");
	expect64(t, "2001:db8:c::15", "203.0.113.5"); /* /124 beats /120 */
	expect64(t, "2001:db8:c::20", "198.51.100.32");
	expect64(t, "2001:db8:d::1", "198.51.100.17");
	expect64(t, "2001:db8:e::1", "198.51.100.20");
	expect64(t, "2001:db8:e::2", NULL);
	expect64(t, "2001:db8:b::7f", "192.0.2.255");
	expect64(t, "2001:db8:b::80", NULL);
	expect64(t, "2001:db8:ffff::808:808", "8.8.8.8");
}

/* The same longest-match result whatever order the entries are added
 * in (eam_build sorts). */
static void test_rfc7757_3_2_order_independent(void **state)
{
	struct xlat_eamt *t = *state;

	add_ok(t, "198.51.100.20", 32, "2001:db8:e::1", 128);
	add_ok(t, "198.51.100.16", 28, "2001:db8:d::", 124);
	add_ok(t, "10.0.0.0", 8, "2001:db8:100::", 104);
	add_ok(t, "198.51.100.0", 24, "2001:db8:c::", 120);
	eam_build(t);
	expect46(t, "198.51.100.20", "2001:db8:e::1");
	expect46(t, "198.51.100.21", "2001:db8:d::5");
	expect46(t, "198.51.100.2", "2001:db8:c::2");
	expect46(t, "10.1.2.3", "2001:db8:100::1:203");
	expect64(t, "2001:db8:100::1:203", "10.1.2.3");
}

/* RFC 7757 §3.2: both prefixes must leave the same number of suffix bits
 * (32 - v4len == 128 - v6len); otherwise -EINVAL with a message. */
static void test_rfc7757_3_2_suffix_mismatch(void **state)
{
	struct xlat_eamt *t = *state;
	char msg[256];

	msg[0] = 0;
	assert_int_equal(
	    add(t, "198.51.100.0", 24, "2001:db8:c::", 112, msg, sizeof(msg)),
	    -EINVAL);
	assert_true(strlen(msg) > 0);
	assert_non_null(strstr(msg, "24"));
	assert_non_null(strstr(msg, "112"));
	msg[0] = 0;
	assert_int_equal(
	    add(t, "192.0.2.1", 32, "2001:db8:a::1", 127, msg, sizeof(msg)),
	    -EINVAL);
	assert_true(strlen(msg) > 0);
	assert_int_equal(
	    add(t, "192.0.2.1", 33, "2001:db8:a::1", 129, msg, sizeof(msg)),
	    -EINVAL);
	assert_int_equal(t->n, 0);
}

/* RFC 7757 §3.2: a prefix is written as its network address; host bits
 * set on either side is -EINVAL with a message. */
static void test_rfc7757_3_2_host_bits(void **state)
{
	struct xlat_eamt *t = *state;
	char msg[256];

	msg[0] = 0;
	assert_int_equal(
	    add(t, "198.51.100.1", 24, "2001:db8:c::", 120, msg, sizeof(msg)),
	    -EINVAL);
	assert_non_null(strstr(msg, "host bits"));
	msg[0] = 0;
	assert_int_equal(
	    add(t, "198.51.100.0", 24, "2001:db8:c::1", 120, msg, sizeof(msg)),
	    -EINVAL);
	assert_non_null(strstr(msg, "host bits"));
	/* a bit just past the prefix inside a byte */
	assert_int_equal(
	    add(t, "203.0.114.0", 22, "2001:db8:f::", 118, msg, sizeof(msg)),
	    -EINVAL);
	assert_int_equal(
	    add(t, "203.0.112.0", 22, "2001:db8:f::200", 118, msg, sizeof(msg)),
	    -EINVAL);
	assert_int_equal(t->n, 0);
}

/* eam_add: the same IPv4 or the same IPv6 prefix twice is -EEXIST. */
static void test_eam_duplicate(void **state)
{
	struct xlat_eamt *t = *state;
	char msg[256];

	add_ok(t, "198.51.100.0", 24, "2001:db8:c::", 120);
	msg[0] = 0;
	assert_int_equal(
	    add(t, "198.51.100.0", 24, "2001:db8:9::", 120, msg, sizeof(msg)),
	    -EEXIST);
	assert_true(strlen(msg) > 0);
	assert_int_equal(
	    add(t, "192.0.2.0", 24, "2001:db8:c::", 120, msg, sizeof(msg)),
	    -EEXIST);
	/* a different length of the same address is another prefix */
	add_ok(t, "198.51.100.0", 25, "2001:db8:c::", 121);
	assert_int_equal(t->n, 2);
}

/* eam_add: XLAT_EAM_MAX entries fit, one more is -ENOSPC. */
static void test_eam_full(void **state)
{
	struct xlat_eamt *t = *state;
	char msg[256];
	uint8_t a6[16];

	v6("2001:db8:a::", a6);
	for (uint32_t i = 0; i < XLAT_EAM_MAX; i++) {
		a6[14] = (uint8_t)(i >> 8);
		a6[15] = (uint8_t)i;
		assert_int_equal(eam_add(t, htonl(0xc6336400u + i), 32, a6, 128,
					 msg, sizeof(msg)),
				 0);
	}
	a6[13] = 1;
	msg[0] = 0;
	assert_int_equal(
	    eam_add(t, htonl(0x0a000001u), 32, a6, 128, msg, sizeof(msg)),
	    -ENOSPC);
	assert_true(strlen(msg) > 0);
	assert_int_equal(t->n, XLAT_EAM_MAX);
	eam_build(t);
	expect46(t, "198.51.100.0", "2001:db8:a::");
	expect46(t, "198.51.115.255", "2001:db8:a::fff");
	expect64(t, "2001:db8:a::abc", "198.51.110.188");
	expect46(t, "198.51.116.0", NULL);
}

/* An empty table, built or not, matches nothing. */
static void test_eam_empty(void **state)
{
	struct xlat_eamt *t = *state;

	expect46(t, "192.0.2.1", NULL);
	expect64(t, "2001:db8:a::1", NULL);
	eam_build(t);
	expect46(t, "192.0.2.1", NULL);
	expect46(t, "0.0.0.0", NULL);
	expect64(t, "::", NULL);
}

/* A NULL table (no EAM configured) matches nothing. */
static void test_eam_null_table(void **state)
{
	uint8_t a6[16];
	uint32_t a4 = 0;

	(void)state;
	v6("2001:db8:a::1", a6);
	assert_int_equal(eam_4to6(NULL, v4("192.0.2.1"), a6), 0);
	assert_int_equal(eam_6to4(NULL, a6, &a4), 0);
}

/* Rebuilding after more adds takes the new entries into account. */
static void test_eam_rebuild(void **state)
{
	struct xlat_eamt *t = *state;

	add_ok(t, "198.51.100.0", 24, "2001:db8:c::", 120);
	eam_build(t);
	expect46(t, "198.51.100.20", "2001:db8:c::14");
	add_ok(t, "198.51.100.20", 32, "2001:db8:e::1", 128);
	eam_build(t);
	expect46(t, "198.51.100.20", "2001:db8:e::1");
	expect64(t, "2001:db8:c::14", "198.51.100.20");
}

#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
	    T(test_rfc7757_3_3_host_entry),
	    T(test_rfc7757_3_3_prefix_entry),
	    T(test_rfc7757_3_3_unaligned),
	    T(test_rfc7757_3_2_longest_match),
	    T(test_rfc7757_3_2_order_independent),
	    T(test_rfc7757_3_2_suffix_mismatch),
	    T(test_rfc7757_3_2_host_bits),
	    T(test_eam_duplicate),
	    T(test_eam_full),
	    T(test_eam_empty),
	    T(test_eam_null_table),
	    T(test_eam_rebuild),
	};
	return cmocka_run_group_tests_name("eam", tests, NULL, NULL);
}
