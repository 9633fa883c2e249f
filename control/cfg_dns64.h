/*
 * cfg_dns64.h - the [dns64] section of the gateway's INI file (iniparser),
 * parsed into plain structs: struct dns64_server_cfg for the server
 * (dns64/server.h) and, for now, the synthesis keys as written.
 *
 * Keys (docs: conf/gate64-dns64.conf):
 *   listen               addr:port list ("127.0.0.1:53, [::1]:53"), port 53
 *                        when omitted
 *   upstream             addr:port list, at most DNS64_UP_SERVERS_MAX
 *   threads              1..DNS64_THREADS_MAX
 *   cache-entries        1..16M;  cache-bytes  4K..16G (K, M, G suffixes)
 *   allow                client prefixes ("192.0.2.0/24, 2001:db8::/32");
 *                        default loopback only (DESIGN.md)
 *   max-upstream-queries 1..65535 per thread, given as the total
 *   timeout-ms           10..60000 per attempt;  retries  0..10
 *   tcp-connections      1..65535;  tcp-idle-ms  100..600000
 *   prefix, exclude, mapped, break-dnssec   synthesis (RFC 6147): stored as
 *                        text until dns64/synth.h defines their struct
 *
 * Contract: cfg_dns64_load() reads the file once and validates every key;
 * the first problem is reported in err as "FILE: [dns64] KEY = VALUE: why".
 * Unknown keys in [dns64] are errors; other sections are ignored.  Called
 * by the main thread; the struct is the caller's.
 */
#ifndef GATE64_CONTROL_CFG_DNS64_H
#define GATE64_CONTROL_CFG_DNS64_H

#include <stdbool.h>
#include <stddef.h>

#include "dns64/server.h"

#define CFG_DNS64_TEXT_MAX 1024

struct cfg_dns64 {
	struct dns64_server_cfg server;
	/* synthesis: the values as written (empty: not given) */
	char prefix[CFG_DNS64_TEXT_MAX];
	char exclude[CFG_DNS64_TEXT_MAX];
	char mapped[CFG_DNS64_TEXT_MAX];
	bool break_dnssec;
};

/* Returns 0, or -1 with err filled. */
int cfg_dns64_load(struct cfg_dns64 *c, const char *file, char *err,
		   size_t errlen);

/* One "addr:port" or "[v6]:port" (port defaults to def_port). */
int cfg_dns64_parse_addr(const char *s, unsigned def_port,
			 struct sockaddr_storage *out, const char **why);
/* One "addr/len" or "addr" (a host). */
int cfg_dns64_parse_prefix(const char *s, struct dns64_acl *out,
			   const char **why);

#endif
