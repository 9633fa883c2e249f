/*
 * icmp_map.h - the ICMPv4 <-> ICMPv6 type, code and pointer tables of
 * RFC 7915 §4.2 and §5.2, and the RFC 1191 MTU plateaus.
 *
 * Contract: static inline, no state, no libc; shared by the core and the
 * BPF program.  Each mapper returns 0 and fills the outputs, or -1 when the
 * message is not translated (the caller drops it, reason icmp-untranslatable
 * or icmp-pointer).
 */
#ifndef GATE64_XLAT_ICMP_MAP_H
#define GATE64_XLAT_ICMP_MAP_H

#include <stdint.h>

#define ICMP4_ECHO_REPLY    0
#define ICMP4_DEST_UNREACH  3
#define ICMP4_SOURCE_QUENCH 4
#define ICMP4_REDIRECT	    5
#define ICMP4_ECHO	    8
#define ICMP4_TIME_EXCEEDED 11
#define ICMP4_PARAM_PROB    12

#define ICMP6_DEST_UNREACH   1
#define ICMP6_PACKET_TOO_BIG 2
#define ICMP6_TIME_EXCEEDED  3
#define ICMP6_PARAM_PROB     4
#define ICMP6_ECHO	     128
#define ICMP6_ECHO_REPLY     129

/* What the translated message carries in bytes 4-7. */
enum icmp_rest {
	ICMP_REST_COPY,	   /* echo: identifier and sequence */
	ICMP_REST_ZERO,	   /* unused (RFC 4884 length handled apart) */
	ICMP_REST_MTU,	   /* Packet Too Big / Fragmentation Needed */
	ICMP_REST_POINTER, /* Parameter Problem: map the pointer */
	ICMP_REST_PTR_NH,  /* ICMPv4 3/2 -> ICMPv6 4/1: pointer 6 */
};

static inline int icmp4_is_error(uint8_t type)
{
	return type == ICMP4_DEST_UNREACH || type == ICMP4_SOURCE_QUENCH ||
	       type == ICMP4_REDIRECT || type == ICMP4_TIME_EXCEEDED ||
	       type == ICMP4_PARAM_PROB;
}

static inline int icmp6_is_error(uint8_t type)
{
	return type < 128;
}

/* RFC 7915 §4.2 */
static inline int icmp_map_4to6(uint8_t type, uint8_t code, uint8_t *t6,
				uint8_t *c6, enum icmp_rest *rest)
{
	switch (type) {
	case ICMP4_ECHO:
	case ICMP4_ECHO_REPLY:
		if (code)
			return -1;
		*t6 = type == ICMP4_ECHO ? ICMP6_ECHO : ICMP6_ECHO_REPLY;
		*c6 = 0;
		*rest = ICMP_REST_COPY;
		return 0;
	case ICMP4_DEST_UNREACH:
		*t6 = ICMP6_DEST_UNREACH;
		*rest = ICMP_REST_ZERO;
		switch (code) {
		case 0:
		case 1:
		case 5:
		case 6:
		case 7:
		case 8:
		case 11:
		case 12: *c6 = 0; return 0;
		case 9:
		case 10:
		case 13:
		case 15: *c6 = 1; return 0;
		case 2:
			*t6 = ICMP6_PARAM_PROB;
			*c6 = 1;
			*rest = ICMP_REST_PTR_NH;
			return 0;
		case 3: *c6 = 4; return 0;
		case 4:
			*t6 = ICMP6_PACKET_TOO_BIG;
			*c6 = 0;
			*rest = ICMP_REST_MTU;
			return 0;
		default: return -1;
		}
	case ICMP4_TIME_EXCEEDED:
		if (code > 1)
			return -1;
		*t6 = ICMP6_TIME_EXCEEDED;
		*c6 = code;
		*rest = ICMP_REST_ZERO;
		return 0;
	case ICMP4_PARAM_PROB:
		if (code != 0 && code != 2)
			return -1;
		*t6 = ICMP6_PARAM_PROB;
		*c6 = 0;
		*rest = ICMP_REST_POINTER;
		return 0;
	default: return -1;
	}
}

/* RFC 7915 §5.2 */
static inline int icmp_map_6to4(uint8_t type, uint8_t code, uint8_t *t4,
				uint8_t *c4, enum icmp_rest *rest)
{
	*rest = ICMP_REST_ZERO;
	switch (type) {
	case ICMP6_ECHO:
	case ICMP6_ECHO_REPLY:
		if (code)
			return -1;
		*t4 = type == ICMP6_ECHO ? ICMP4_ECHO : ICMP4_ECHO_REPLY;
		*c4 = 0;
		*rest = ICMP_REST_COPY;
		return 0;
	case ICMP6_DEST_UNREACH:
		*t4 = ICMP4_DEST_UNREACH;
		switch (code) {
		case 0:
		case 2:
		case 3: *c4 = 1; return 0;
		case 1: *c4 = 10; return 0;
		case 4: *c4 = 3; return 0;
		default: return -1;
		}
	case ICMP6_PACKET_TOO_BIG:
		if (code)
			return -1;
		*t4 = ICMP4_DEST_UNREACH;
		*c4 = 4;
		*rest = ICMP_REST_MTU;
		return 0;
	case ICMP6_TIME_EXCEEDED:
		if (code > 1)
			return -1;
		*t4 = ICMP4_TIME_EXCEEDED;
		*c4 = code;
		return 0;
	case ICMP6_PARAM_PROB:
		if (code == 0) {
			*t4 = ICMP4_PARAM_PROB;
			*c4 = 0;
			*rest = ICMP_REST_POINTER;
			return 0;
		}
		if (code == 1) {
			*t4 = ICMP4_DEST_UNREACH;
			*c4 = 2;
			return 0;
		}
		return -1;
	default: return -1;
	}
}

/* RFC 7915 §4.2 Figure 3: IPv4 header byte -> IPv6 header byte. */
static inline int icmp_ptr_4to6(uint8_t p4, uint8_t *p6)
{
	if (p4 <= 1)
		*p6 = p4;
	else if (p4 <= 3)
		*p6 = 4;
	else if (p4 == 8)
		*p6 = 7;
	else if (p4 == 9)
		*p6 = 6;
	else if (p4 >= 12 && p4 <= 15)
		*p6 = 8;
	else if (p4 >= 16 && p4 <= 19)
		*p6 = 24;
	else
		return -1;
	return 0;
}

/* RFC 7915 §5.2 Figure 6: IPv6 header byte -> IPv4 header byte. */
static inline int icmp_ptr_6to4(uint32_t p6, uint8_t *p4)
{
	if (p6 <= 1)
		*p4 = (uint8_t)p6;
	else if (p6 == 4 || p6 == 5)
		*p4 = 2;
	else if (p6 == 6)
		*p4 = 9;
	else if (p6 == 7)
		*p4 = 8;
	else if (p6 >= 8 && p6 <= 23)
		*p4 = 12;
	else if (p6 >= 24 && p6 <= 39)
		*p4 = 16;
	else
		return -1;
	return 0;
}

/* RFC 1191 §7: the greatest plateau below tot_len (68 at least). */
static inline uint32_t icmp_mtu_plateau(uint32_t tot_len)
{
	static const uint16_t plateau[] = {
	    65535, 32000, 17914, 8166, 4352, 2002, 1492, 1006, 508, 296, 68};
	for (unsigned i = 0; i < sizeof(plateau) / sizeof(plateau[0]); i++)
		if (plateau[i] < tot_len)
			return plateau[i];
	return 68;
}

#endif
