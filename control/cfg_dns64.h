/*
 * cfg_dns64.h - the [dns64] section of the gateway's INI file (iniparser),
 * parsed into plain structs: struct dns64_server_cfg for the server
 * (dns64/server.h) and struct dns64_cfg for the synthesis (dns64/synth.h).
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
 *   prefix               IPv6 prefixes (RFC 6052 lengths), at most
 *                        DNS64_PREFIX_MAX; default [translator] pool6 when
 *                        that key exists, else 64:ff9b::/96
 *   exclude              IPv6 prefixes (RFC 6147 §5.1.4) or "none";
 *                        default ::ffff:0:0/96
 *   mapped               IPv4 prefixes that may be synthesized, or "any"
 *                        (the default)
 *   break-dnssec, servfail-synth, ptr, ipv4only   on/off (yes/no, true/false,
 *                        1/0): RFC 6147 §5.5, §5.1.2 read literally,
 *                        §5.3.1, RFC 8880; defaults off, off, on, on
 *
 * [translator] pool6 (the translator's prefix, DESIGN.md "DNS64": one place
 * for both): when [dns64] has no prefix, the DNS64 prefix is pool6; when
 * both are given and the prefix list is not exactly pool6, warn[] says so
 * (a warning, not an error: an operator may publish several prefixes, or
 * the prefix of another translator).  Other [translator] keys are not
 * read here.
 *
 * Contract: cfg_dns64_load() reads the file once and validates every key
 * (the synthesis keys with dns64_cfg_check()); the first problem is
 * reported in err as "FILE: [dns64] KEY = VALUE: why".  server.policy
 * points at c->synth: the struct must stay where it is while the server
 * runs.
 * Unknown keys in [dns64] are errors; other sections are ignored.  Called
 * by the main thread; the struct is the caller's.
 */
#ifndef GATE64_CONTROL_CFG_DNS64_H
#define GATE64_CONTROL_CFG_DNS64_H

#include <stdbool.h>
#include <stddef.h>

#include "dns64/server.h"

#include "dns64/synth.h"

#define CFG_DNS64_TEXT_MAX 1024

struct cfg_dns64 {
	struct dns64_server_cfg server;
	struct dns64_cfg synth;
	bool prefix_from_pool6; /* [dns64] prefix absent: pool6 used */
	char warn[512];		/* empty, or one warning line */
};

/* Returns 0, or -1 with err filled. */
int cfg_dns64_load(struct cfg_dns64 *c, const char *file, char *err,
		   size_t errlen);

/* One "addr:port" or "[v6]:port" (port defaults to def_port). */
int cfg_dns64_parse_addr(const char *s, unsigned def_port,
			 struct sockaddr_storage *out, const char **why);
/* s without leading and trailing white space (in place). */
char *cfg_trim(char *s);
/* A yes/no word of the INI files: yes/on/true/1 -> 1, no/off/false/0 ->
 * 0, anything else -> -1 (both gate64d's and DNS64's keys). */
int cfg_bool_word(const char *v);
/* One "addr/len" or "addr" (a host). */
int cfg_dns64_parse_prefix(const char *s, struct dns64_acl *out,
			   const char **why);

#endif
