/*
 * fuzz_l4.h - checks on upper-layer headers shared by the fuzz harnesses
 * (fuzz_xlat.h, fuzz_nat64.c): is a translated packet's checksum right, is
 * an output header sane?
 * Test code; header only.
 */
#ifndef GATE64_FUZZ_L4_H
#define GATE64_FUZZ_L4_H

#include <stdint.h>
#include <string.h>

#include "dataplane/xlat/csum.h"
#include "dataplane/xlat/hdr.h"
#include "tests/fuzz/fuzz_check.h"

static uint16_t rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

/* Upper-layer checksum check for TCP/UDP/ICMP echo: 1 right, 0 wrong,
 * -1 not applicable (other protocol, UDP checksum 0, too short). */
static int l4_check(int v6, const uint8_t *ip, const uint8_t *l4,
		    uint32_t l4len, uint8_t proto)
{
	uint32_t n = l4len, s;

	if (proto == XLAT_IPPROTO_UDP) {
		if (l4len < 8 || !(l4[6] | l4[7]))
			return -1;
		n = rd16(l4 + 4);
		if (n < 8 || n > l4len)
			return -1;
	} else if (proto == XLAT_IPPROTO_TCP) {
		if (l4len < 20)
			return -1;
	} else if (proto == XLAT_IPPROTO_ICMP || proto == XLAT_IPPROTO_ICMPV6) {
		if (l4len < 8)
			return -1;
	} else {
		return -1;
	}
	if (v6) {
		struct xlat_ip6 h;
		memcpy(&h, ip, sizeof(h));
		s = csum_pseudo6(&h, n, proto);
	} else if (proto == XLAT_IPPROTO_ICMP) {
		s = 0;
	} else {
		uint32_t sa, da;
		memcpy(&sa, ip + 12, 4);
		memcpy(&da, ip + 16, 4);
		s = csum_pseudo4(sa, da, (uint16_t)n, proto);
	}
	return csum_fold32(csum_partial(l4, n, s)) == 0xffff;
}

static int is_echo(uint8_t type)
{
	return type == 0 || type == 8 || type == 128 || type == 129;
}

/* IPv4 output: header sane, lengths agree; returns the L4 offset. */
static uint32_t check_ip4_out(const uint8_t *o, uint32_t len)
{
	CHECK(len >= 20);
	CHECK(o[0] == 0x45); /* the core never writes options */
	CHECK(rd16(o + 2) == len);
	CHECK(csum_fold32(csum_partial(o, 20, 0)) == 0xffff);
	return 20;
}

/* IPv6 output: version, payload length. */
static void check_ip6_out(const uint8_t *o, uint32_t len)
{
	CHECK(len >= 40);
	CHECK((o[0] >> 4) == 6);
	CHECK(40u + rd16(o + 4) == len);
}

/* An ICMP message the core built or translated in full must carry a
 * right checksum. */
static void check_icmp_csum(int v6, const uint8_t *o, uint32_t off,
			    uint32_t len)
{
	CHECK(len >= off + 8);
	CHECK(l4_check(v6, o, o + off, len - off,
		       v6 ? XLAT_IPPROTO_ICMPV6 : XLAT_IPPROTO_ICMP) == 1);
}

#endif
