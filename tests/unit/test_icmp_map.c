/*
 * test_icmp_map.c - the ICMP type/code and pointer tables
 * (dataplane/xlat/icmp_map.h): every row of the two type/code tables and
 * the two pointer tables of docs/translation.md (RFC 7915 §4.2, §5.2), and
 * the RFC 1191 §7 MTU plateaus.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "dataplane/xlat/icmp_map.h"

struct row {
	uint8_t type, code;   /* input */
	int ok;		      /* 0: translated, -1: dropped */
	uint8_t otype, ocode; /* output */
	enum icmp_rest rest;  /* bytes 4-7 */
};

static void check_4to6(const struct row *r)
{
	uint8_t t6 = 0xee, c6 = 0xee;
	enum icmp_rest rest = (enum icmp_rest)99;
	int got = icmp_map_4to6(r->type, r->code, &t6, &c6, &rest);
	if (got != r->ok)
		fail_msg("ICMPv4 %u/%u: returned %d, want %d", r->type, r->code,
			 got, r->ok);
	if (r->ok)
		return;
	if (t6 != r->otype || c6 != r->ocode || rest != r->rest)
		fail_msg("ICMPv4 %u/%u -> %u/%u rest %d, want %u/%u rest %d",
			 r->type, r->code, t6, c6, rest, r->otype, r->ocode,
			 r->rest);
}

static void check_6to4(const struct row *r)
{
	uint8_t t4 = 0xee, c4 = 0xee;
	enum icmp_rest rest = (enum icmp_rest)99;
	int got = icmp_map_6to4(r->type, r->code, &t4, &c4, &rest);
	if (got != r->ok)
		fail_msg("ICMPv6 %u/%u: returned %d, want %d", r->type, r->code,
			 got, r->ok);
	if (r->ok)
		return;
	if (t4 != r->otype || c4 != r->ocode || rest != r->rest)
		fail_msg("ICMPv6 %u/%u -> %u/%u rest %d, want %u/%u rest %d",
			 r->type, r->code, t4, c4, rest, r->otype, r->ocode,
			 r->rest);
}

/* RFC 7915 §4.2: Echo Request/Reply 8, 0 -> 128, 129, identifier and
 * sequence copied. */
static void test_rfc7915_4_2_echo(void **state)
{
	static const struct row rows[] = {
	    {8, 0, 0, 128, 0, ICMP_REST_COPY},
	    {0, 0, 0, 129, 0, ICMP_REST_COPY},
	};
	(void)state;
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
		check_4to6(&rows[i]);
}

/* RFC 7915 §4.2 Destination Unreachable (type 3), every code 0..255. */
static void test_rfc7915_4_2_dest_unreach(void **state)
{
	(void)state;
	for (int code = 0; code <= 255; code++) {
		struct row r = {3, (uint8_t)code, 0, 1, 0, ICMP_REST_ZERO};
		switch (code) {
		case 0:
		case 1: /* net/host unreachable */
		case 5: /* source route failed */
		case 6:
		case 7:
		case 8:
		case 11:
		case 12:
			r.otype = 1;
			r.ocode = 0;
			break;
		case 9:
		case 10:
		case 13:
		case 15:
			r.otype = 1;
			r.ocode = 1;
			break;
		case 2: /* protocol unreachable: 4/1, pointer 6 */
			r.otype = 4;
			r.ocode = 1;
			r.rest = ICMP_REST_PTR_NH;
			break;
		case 3: /* port unreachable */
			r.otype = 1;
			r.ocode = 4;
			break;
		case 4: /* fragmentation needed: Packet Too Big */
			r.otype = 2;
			r.ocode = 0;
			r.rest = ICMP_REST_MTU;
			break;
		default: /* 14 and any other code */ r.ok = -1; break;
		}
		check_4to6(&r);
	}
}

/* RFC 7915 §4.2 Time Exceeded 11/x -> 3/x. */
static void test_rfc7915_4_2_time_exceeded(void **state)
{
	static const struct row rows[] = {
	    {11, 0, 0, 3, 0, ICMP_REST_ZERO},
	    {11, 1, 0, 3, 1, ICMP_REST_ZERO},
	};
	(void)state;
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
		check_4to6(&rows[i]);
}

/* RFC 7915 §4.2 Parameter Problem: 12/0 and 12/2 -> 4/0 with the pointer
 * mapped; 12/1 and other codes dropped. */
static void test_rfc7915_4_2_param_prob(void **state)
{
	(void)state;
	for (int code = 0; code <= 255; code++) {
		struct row r = {12, (uint8_t)code, -1, 0, 0, ICMP_REST_ZERO};
		if (code == 0 || code == 2) {
			r.ok = 0;
			r.otype = 4;
			r.ocode = 0;
			r.rest = ICMP_REST_POINTER;
		}
		check_4to6(&r);
	}
}

/* RFC 7915 §4.2: 4 (Source Quench), 5 (Redirect), 6, 9, 10 (Router
 * Advertisement/Solicitation), 13-18 and every other type are single-hop
 * or obsolete: dropped (icmp-untranslatable). */
static void test_rfc7915_4_2_other_types_dropped(void **state)
{
	(void)state;
	for (int type = 0; type <= 255; type++) {
		if (type == 0 || type == 3 || type == 8 || type == 11 ||
		    type == 12)
			continue;
		for (int code = 0; code < 4; code++) {
			struct row r = {(uint8_t)type, (uint8_t)code, -1, 0, 0,
					ICMP_REST_ZERO};
			check_4to6(&r);
		}
	}
}

/* RFC 7915 §4.2 Figure 3: the Parameter Problem pointer, IPv4 header
 * byte -> IPv6 header byte: 0->0, 1->1, 2,3->4, 8->7, 9->6, 12-15->8,
 * 16-19->24, anything else dropped (icmp-pointer). */
static void test_rfc7915_4_2_pointer(void **state)
{
	(void)state;
	for (int p = 0; p <= 255; p++) {
		int want;
		switch (p) {
		case 0: want = 0; break;
		case 1: want = 1; break;
		case 2:
		case 3: want = 4; break;
		case 8: want = 7; break;
		case 9: want = 6; break;
		case 12:
		case 13:
		case 14:
		case 15: want = 8; break;
		case 16:
		case 17:
		case 18:
		case 19: want = 24; break;
		default: want = -1; break;
		}
		uint8_t p6 = 0xee;
		int r = icmp_ptr_4to6((uint8_t)p, &p6);
		if (want < 0) {
			if (r != -1)
				fail_msg("IPv4 pointer %d: mapped to %u, want "
					 "dropped",
					 p, p6);
		} else if (r != 0 || p6 != want) {
			fail_msg("IPv4 pointer %d: r %d -> %u, want %d", p, r,
				 p6, want);
		}
	}
}

/* RFC 7915 §5.2: Echo 128, 129 -> 8, 0. */
static void test_rfc7915_5_2_echo(void **state)
{
	static const struct row rows[] = {
	    {128, 0, 0, 8, 0, ICMP_REST_COPY},
	    {129, 0, 0, 0, 0, ICMP_REST_COPY},
	};
	(void)state;
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
		check_6to4(&rows[i]);
}

/* RFC 7915 §5.2 Destination Unreachable (type 1), every code. */
static void test_rfc7915_5_2_dest_unreach(void **state)
{
	(void)state;
	for (int code = 0; code <= 255; code++) {
		struct row r = {1, (uint8_t)code, 0, 3, 0, ICMP_REST_ZERO};
		switch (code) {
		case 0: r.ocode = 1; break;  /* no route */
		case 1: r.ocode = 10; break; /* administratively prohibited */
		case 2: r.ocode = 1; break;  /* beyond scope */
		case 3: r.ocode = 1; break;  /* address unreachable */
		case 4: r.ocode = 3; break;  /* port unreachable */
		default: r.ok = -1; break;
		}
		check_6to4(&r);
	}
}

/* RFC 7915 §5.2 Packet Too Big 2/0 -> 3/4 with an MTU. */
static void test_rfc7915_5_2_packet_too_big(void **state)
{
	static const struct row r = {2, 0, 0, 3, 4, ICMP_REST_MTU};
	(void)state;
	check_6to4(&r);
}

/* RFC 7915 §5.2 Time Exceeded 3/x -> 11/x. */
static void test_rfc7915_5_2_time_exceeded(void **state)
{
	static const struct row rows[] = {
	    {3, 0, 0, 11, 0, ICMP_REST_ZERO},
	    {3, 1, 0, 11, 1, ICMP_REST_ZERO},
	};
	(void)state;
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
		check_6to4(&rows[i]);
}

/* RFC 7915 §5.2 Parameter Problem: 4/0 -> 12/0 with the pointer mapped,
 * 4/1 -> 3/2 (protocol unreachable), 4/2 and other codes dropped. */
static void test_rfc7915_5_2_param_prob(void **state)
{
	(void)state;
	for (int code = 0; code <= 255; code++) {
		struct row r = {4, (uint8_t)code, -1, 0, 0, ICMP_REST_ZERO};
		if (code == 0) {
			r = (struct row){4, 0, 0, 12, 0, ICMP_REST_POINTER};
		} else if (code == 1) {
			r = (struct row){4, 1, 0, 3, 2, ICMP_REST_ZERO};
		}
		check_6to4(&r);
	}
}

/* RFC 7915 §5.2: MLD and ND (130-137) and every other type are dropped
 * (icmp-untranslatable). */
static void test_rfc7915_5_2_other_types_dropped(void **state)
{
	(void)state;
	for (int type = 0; type <= 255; type++) {
		if ((type >= 1 && type <= 4) || type == 128 || type == 129)
			continue;
		for (int code = 0; code < 4; code++) {
			struct row r = {(uint8_t)type, (uint8_t)code, -1, 0, 0,
					ICMP_REST_ZERO};
			check_6to4(&r);
		}
	}
}

/* RFC 7915 §5.2 Figure 6: the Parameter Problem pointer, IPv6 header
 * byte -> IPv4 header byte: 0->0, 1->1, 4,5->2, 6->9, 7->8, 8-23->12,
 * 24-39->16, anything else dropped (icmp-pointer). */
static void test_rfc7915_5_2_pointer(void **state)
{
	static const uint32_t big[] = {40,    41,	   255,	       256,
				       65535, 0x01000000u, 0xffffffffu};
	(void)state;
	for (uint32_t p = 0; p < 300; p++) {
		int want;
		if (p <= 1)
			want = (int)p;
		else if (p == 4 || p == 5)
			want = 2;
		else if (p == 6)
			want = 9;
		else if (p == 7)
			want = 8;
		else if (p >= 8 && p <= 23)
			want = 12;
		else if (p >= 24 && p <= 39)
			want = 16;
		else
			want = -1;
		uint8_t p4 = 0xee;
		int r = icmp_ptr_6to4(p, &p4);
		if (want < 0) {
			if (r != -1)
				fail_msg("IPv6 pointer %u: mapped to %u, want "
					 "dropped",
					 p, p4);
		} else if (r != 0 || p4 != want) {
			fail_msg("IPv6 pointer %u: r %d -> %u, want %d", p, r,
				 p4, want);
		}
	}
	for (size_t i = 0; i < sizeof(big) / sizeof(big[0]); i++) {
		uint8_t p4;
		assert_int_equal(icmp_ptr_6to4(big[i], &p4), -1);
	}
}

/* RFC 792 / RFC 4443 §2.1: which messages are errors (never answered with
 * an error, translated with their inner packet). */
static void test_rfc7915_4_3_5_3_is_error(void **state)
{
	(void)state;
	for (int t = 0; t <= 255; t++) {
		int e4 = t == 3 || t == 4 || t == 5 || t == 11 || t == 12;
		assert_int_equal(!!icmp4_is_error((uint8_t)t), e4);
		assert_int_equal(!!icmp6_is_error((uint8_t)t), t < 128);
	}
}

/* RFC 1191 §7: the plateau table, largest value strictly below the
 * total length; 68 (the IPv4 minimum) at least. */
static void test_rfc1191_7_plateau(void **state)
{
	static const uint32_t plateau[] = {
	    65535, 32000, 17914, 8166, 4352, 2002, 1492, 1006, 508, 296, 68};
	static const struct {
		uint32_t tot, want;
	} pts[] = {
	    {1500, 1492},   {1492, 1006},   {1493, 1492},   {576, 508},
	    {65535, 32000}, {65536, 65535}, {70000, 65535}, {4353, 4352},
	    {297, 296},	    {296, 68},	    {69, 68},	    {68, 68},
	    {0, 68},	    {1, 68},
	};
	(void)state;
	for (size_t i = 0; i < sizeof(pts) / sizeof(pts[0]); i++)
		if (icmp_mtu_plateau(pts[i].tot) != pts[i].want)
			fail_msg("plateau(%u) = %u, want %u", pts[i].tot,
				 icmp_mtu_plateau(pts[i].tot), pts[i].want);
	for (uint32_t tot = 0; tot <= 70000; tot++) {
		uint32_t want = 68;
		for (size_t i = 0; i < sizeof(plateau) / sizeof(plateau[0]);
		     i++) {
			if (plateau[i] < tot) {
				want = plateau[i];
				break;
			}
		}
		assert_int_equal(icmp_mtu_plateau(tot), want);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_rfc7915_4_2_echo),
	    cmocka_unit_test(test_rfc7915_4_2_dest_unreach),
	    cmocka_unit_test(test_rfc7915_4_2_time_exceeded),
	    cmocka_unit_test(test_rfc7915_4_2_param_prob),
	    cmocka_unit_test(test_rfc7915_4_2_other_types_dropped),
	    cmocka_unit_test(test_rfc7915_4_2_pointer),
	    cmocka_unit_test(test_rfc7915_5_2_echo),
	    cmocka_unit_test(test_rfc7915_5_2_dest_unreach),
	    cmocka_unit_test(test_rfc7915_5_2_packet_too_big),
	    cmocka_unit_test(test_rfc7915_5_2_time_exceeded),
	    cmocka_unit_test(test_rfc7915_5_2_param_prob),
	    cmocka_unit_test(test_rfc7915_5_2_other_types_dropped),
	    cmocka_unit_test(test_rfc7915_5_2_pointer),
	    cmocka_unit_test(test_rfc7915_4_3_5_3_is_error),
	    cmocka_unit_test(test_rfc1191_7_plateau),
	};
	return cmocka_run_group_tests_name("icmp_map", tests, NULL, NULL);
}
