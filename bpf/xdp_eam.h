/*
 * xdp_eam.h - the EAM table (RFC 7757) of the XDP program: two LPM tries,
 * g64_eam4 keyed by IPv4 prefix and g64_eam6 keyed by IPv6 prefix, both
 * holding the core's own entry (struct xlat_eam, dataplane/xlat/eam.h).
 * The program looks an address up with the full prefix length (32, 128)
 * and gets the longest match, as eam_4to6()/eam_6to4() do, then maps it
 * with the core's eam_entry_4to6()/eam_entry_6to4().  The loader fills
 * both tries from the core's table (control/xdp_eam.c, xdp_eam_fill()).
 *
 * Contract: layouts only, shared by the program and its loaders (the
 * first member of each key is the LPM trie's prefix length in bits, host
 * order; the address follows in network order, host bits zero).
 */
#ifndef GATE64_BPF_XDP_EAM_H
#define GATE64_BPF_XDP_EAM_H

#include <stdint.h>

#include "dataplane/xlat/eam.h"

struct xdp_eam4_key {
	uint32_t prefixlen; /* 0..32 */
	uint32_t addr;	    /* IPv4, network order */
};

struct xdp_eam6_key {
	uint32_t prefixlen; /* 0..128 */
	uint8_t addr[16];
};

/* Both tries hold at most the core's table (the loader's maps are sized
 * to it). */
#define XDP_EAM_MAX XLAT_EAM_MAX

#endif
