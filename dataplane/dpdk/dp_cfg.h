/*
 * dp_cfg.h - the configuration of the DPDK dataplane as plain structs:
 * filled by control/ (cfg_gw.c, from the INI file) or by a test, read by
 * dataplane/dpdk/.  No DPDK type here, so control/ and the tests include
 * it without DPDK.
 *
 * Contract: the caller owns the structs; the dataplane reads them at
 * start (dp_init) and keeps pointers to xlat, eamt and nat64 for as long
 * as it runs.  Addresses are in network byte order (IPv4 as uint32_t,
 * IPv6 as bytes).
 */
#ifndef GATE64_DP_CFG_H
#define GATE64_DP_CFG_H

#include <stdint.h>

#include "dataplane/xlat/nat64_db.h"
#include "dataplane/xlat/xlat.h"

#define DP_WORKERS_MAX	  16u
#define DP_DEVICE_MAX	  256
#define DP_STATIC_BIB_MAX 1024
#define DP_PORT_ADDR_MAX  4

/* A port: an Ethernet device with the addresses the gateway owns on it. */
struct dp_port_cfg {
	char name[16];		    /* "port6", "port4" or "port" (one-arm) */
	char device[DP_DEVICE_MAX]; /* DPDK vdev arguments
				       ("net_af_packet0,iface=gw6") or a PCI
				       address ("0000:03:00.0") */
	uint8_t is_pci;
	uint8_t has4, has6; /* which families this port carries */
	uint8_t mac_set;
	uint8_t mac[6]; /* override of the device's MAC */
	uint16_t mtu;	/* IP MTU of the link, default 1500 */
	/* its own IPv4 address and on-link prefix; next hop for the rest */
	uint32_t addr4;
	uint8_t plen4;
	uint8_t gw4_set;
	uint32_t gw4;
	/* its own IPv6 address and on-link prefix; next hop for the rest */
	uint8_t addr6[16];
	uint8_t plen6;
	uint8_t gw6_set;
	uint8_t gw6[16];
};

enum dp_xlat_mode {
	DP_SIIT = 0,  /* stateless: RFC 7915 + RFC 7757 only */
	DP_NAT64 = 1, /* stateful: RFC 6146 (with EAM-named portals) */
};

struct dp_static_bib {
	uint8_t proto; /* enum nat64_proto */
	uint8_t src6[16];
	uint16_t sport6; /* host order */
	uint32_t addr4;	 /* host order (as nat64_bib_add_static takes it) */
	uint16_t port4;	 /* host order */
};

/* Neighbour cache timing (ARP, ND), seconds. */
struct dp_neigh_cfg {
	uint32_t reachable;   /* an entry is used without question this long */
	uint32_t stale;	      /* then used while re-probed; removed after */
	uint32_t retrans_ms;  /* between two probes of an unresolved entry */
	uint16_t pending_max; /* packets held per worker waiting for ARP/ND */
};

struct dp_cfg {
	enum dp_xlat_mode mode;
	unsigned nworkers;	    /* 1..DP_WORKERS_MAX */
	unsigned one_arm;	    /* one port carries both families */
	struct dp_port_cfg port[2]; /* [0] IPv6 side (or the one port),
				       [1] IPv4 side (two-arm) */
	const struct xlat_cfg *xlat;
	const struct xlat_eamt *eamt;  /* NULL: no EAM entry */
	const struct nat64_cfg *nat64; /* DP_NAT64 only */
	const struct dp_static_bib *static_bib;
	unsigned n_static_bib;
	const char *maplog; /* mapping-log file, NULL: none */
	struct dp_neigh_cfg neigh;
	uint16_t burst; /* RX burst, default 32 */
	uint32_t mbufs; /* per worker, default 8191 */
};

#endif
