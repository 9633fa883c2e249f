/*
 * synth.h - the RFC 6147 DNS64 rules over parsed messages: which queries
 * are DNS64's business, what to do with the upstream answer to a AAAA
 * query, and the responses DNS64 builds itself (synthesized AAAA, PTR
 * under the prefixes, ipv4only.arpa).
 *
 * Contract:
 *  - Pure and allocation-free: no sockets, no clock, no global state.  The
 *    caller (dns64/server) sends the queries upstream and hands in the
 *    parsed answers (struct dns_msg of wire.h); every function writes only
 *    into the caller's buffers and counters.  Any thread may call any
 *    function; a struct dns64_cfg is read-only once checked, so threads
 *    may share it, and each thread keeps its own struct dns64_stats.
 *  - The RFC 6052 mapping comes from dataplane/xlat/rfc6052.h, the code
 *    the translator runs, so the two never disagree on an address.
 *  - Answers handed in must be complete: the caller retries a truncated
 *    upstream answer over TCP first (RFC 7766 §5).  A response that still
 *    has TC is never used to decide that AAAA records are missing.
 *  - Functions return 0 (or a non-negative outcome) or a negative errno:
 *    -EINVAL for arguments that do not belong together (an answer to
 *    another question), -ENOSPC when not even the header and question fit.
 *
 * The flow for one client query (struct dns_msg q):
 *
 *   switch (dns64_classify(cfg, &q, name, &len)) {
 *   case DNS64_ROUTE_FORWARD: forward q as is, relay the answer;
 *   case DNS64_ROUTE_LOCAL:   dns64_ipv4only_build(); no upstream query;
 *   case DNS64_ROUTE_PTR:     query PTR for name (an in-addr.arpa name),
 *                             then dns64_ptr_build() (or with NULL);
 *   case DNS64_ROUTE_AAAA:    forward q, parse the answer into aaaa, then
 *       dns64_decide(cfg, &q, &aaaa, &d, st):
 *         DNS64_PASS:    relay aaaa (dns64_build_pass(..., false, ...))
 *         DNS64_FILTER:  dns64_build_pass(..., true, ...)
 *         DNS64_QUERY_A: query A for d.final (same CD/DO as q), then
 *                        dns64_synth_build(cfg, &q, &aaaa, &a, ...).
 *   }
 */
#ifndef GATE64_DNS64_SYNTH_H
#define GATE64_DNS64_SYNTH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dns64/wire.h"

#define DNS64_PREFIX_MAX  8  /* synthesis prefixes (Pref64::/n) */
#define DNS64_EXCLUDE_MAX 16 /* RFC 6147 §5.1.4 exclusion set */
#define DNS64_MAPPED_MAX  32 /* IPv4 prefixes that may be synthesized */

/* RFC 6147 §5.1.7: the TTL cap when the negative AAAA answer had no SOA. */
#define DNS64_TTL_NO_SOA 600
/* The TTL of the local ipv4only.arpa answers: the records of the real
 * ipv4only.arpa zone have TTL 86400 (RFC 8880 §7.2 answers as that zone
 * would, without asking it). */
#define DNS64_IPV4ONLY_TTL 86400
/* Our EDNS(0) payload size (RFC 6891 §6.2.5), the DNS Flag Day 2020
 * value: no IP fragmentation on common paths. */
#define DNS64_EDNS_SIZE 1232

struct dns64_prefix6 {
	uint8_t addr[16];
	uint8_t len; /* 0..128 (synthesis prefixes: an RFC 6052 length) */
};

struct dns64_prefix4 {
	uint32_t addr; /* network order, as rfc6052.h takes it */
	uint8_t len;   /* 0..32 */
};

struct dns64_cfg {
	/* Pref64::/n, in order: each A record gives one AAAA per prefix, in
	 * this order (RFC 6147 §5.2, several prefixes allowed). */
	unsigned nprefix;
	struct dns64_prefix6 prefix[DNS64_PREFIX_MAX];
	/* RFC 6147 §5.1.4: AAAA records inside these do not count as AAAA. */
	unsigned nexclude;
	struct dns64_prefix6 exclude[DNS64_EXCLUDE_MAX];
	/* IPv4 addresses that may be synthesized.  Empty: any address the
	 * translator translates.  Whatever the list, never the ones the
	 * translator never translates (ip4_is_reserved) and, under the
	 * Well-Known Prefix, never the non-global ones (RFC 6052 §3.1,
	 * ip4_is_nonglobal). */
	unsigned nmapped;
	struct dns64_prefix4 mapped[DNS64_MAPPED_MAX];
	/* RFC 6147 §5.5: synthesize even when the client set DO and the
	 * answers are signed (the client's validation of them then fails). */
	bool break_dnssec;
	/* RFC 6147 §5.1.2 read literally: SERVFAIL to the AAAA query is
	 * "treated as though the RCODE were 0 and the answer section were
	 * empty".  Off by default: a validating upstream says SERVFAIL for
	 * bogus data (RFC 4035 §5.5), which DNS64 must never synthesize
	 * around; see dns64/README.md. */
	bool servfail_synth;
	bool ptr;      /* RFC 6147 §5.3.1: answer PTR under the prefixes */
	bool ipv4only; /* RFC 8880: answer ipv4only.arpa locally */
	uint32_t ttl_no_soa; /* RFC 6147 §5.1.7: 600 */
	uint16_t edns_size;  /* our payload size in the OPT we send back */
};

/* The defaults: 64:ff9b::/96, exclude ::ffff:0:0/96 (RFC 6147 §5.1.4),
 * any mapped IPv4 address, no break-dnssec, PTR and ipv4only.arpa on. */
void dns64_cfg_default(struct dns64_cfg *cfg);
/* 0, or -EINVAL with a message that names the key and value ("dns64
 * prefix 2001:db8::/33: RFC 6052 §2.2 allows only 32, 40, 48, 56, 64,
 * 96"). */
int dns64_cfg_check(const struct dns64_cfg *cfg, char *err, size_t errlen);

/* X(enum suffix, counter name, explanation) */
#define DNS64_CTR_LIST(X)                                                     \
	X(SYNTHESIZED, "synthesized",                                         \
	  "AAAA answers synthesized from A records (RFC 6147 §5.1.7)")        \
	X(SYNTH_RECORDS, "synthesized-records",                               \
	  "AAAA records synthesized: one per A record and prefix")            \
	X(PASSED, "passed",                                                   \
	  "AAAA answers with usable AAAA passed to the client (§5.1.1)")      \
	X(FILTERED, "exclude-filtered",                                       \
	  "AAAA answers passed without their excluded AAAA records (§5.1.4)") \
	X(EXCLUDED_ONLY, "excluded-only",                                     \
	  "AAAA answers with only excluded AAAA: A queried (§5.1.4)")         \
	X(NODATA, "nodata",                                                   \
	  "AAAA answers NOERROR without AAAA: A queried (§5.1.6)")            \
	X(NXDOMAIN_PASS, "nxdomain-pass",                                     \
	  "AAAA answers NXDOMAIN passed, no synthesis (§5.1.2)")              \
	X(SERVFAIL_PASS, "servfail-pass",                                     \
	  "AAAA answers SERVFAIL passed: possibly bogus data (RFC 4035 "      \
	  "§5.5)")                                                            \
	X(RCODE_AS_NODATA, "rcode-as-nodata",                                 \
	  "AAAA answers with another RCODE treated as NODATA (§5.1.2)")       \
	X(TC_PASS, "tc-pass",                                                 \
	  "truncated AAAA answers passed: no decision on partial data")       \
	X(CD_PASS, "cd-pass",                                                 \
	  "queries with CD set: answer passed, no synthesis (§5.5)")          \
	X(DNSSEC_PASS, "dnssec-pass",                                         \
	  "DO set and answer signed, no break-dnssec: no synthesis (§5.5)")   \
	X(A_EMPTY, "a-empty",                                                 \
	  "A query gave no A to synthesize from: AAAA answer sent (§5.1.6)")  \
	X(MAPPED_FILTERED, "mapped-filtered",                                 \
	  "A records not synthesized with a prefix: outside the mapped set "  \
	  "or non-global under the WKP (RFC 6052 §3.1)")                      \
	X(PTR_SYNTHESIZED, "ptr-synthesized",                                 \
	  "PTR queries under a prefix answered with a CNAME into "            \
	  "in-addr.arpa (§5.3.1)")                                            \
	X(IPV4ONLY, "ipv4only",                                               \
	  "ipv4only.arpa queries answered locally (RFC 8880 §7.2)")           \
	X(TRUNCATED, "truncated",                                             \
	  "responses built with TC: the answer did not fit the client's "     \
	  "size")

enum dns64_ctr {
#define DNS64_CTR_ENUM(e, n, x) DNS64_C_##e,
	DNS64_CTR_LIST(DNS64_CTR_ENUM)
#undef DNS64_CTR_ENUM
	    DNS64_C_MAX
};

struct dns64_stats {
	uint64_t c[DNS64_C_MAX];
};

const char *dns64_ctr_name(int c);
const char *dns64_ctr_explain(int c);

/* ---- which queries are ours ------------------------------------------- */

enum dns64_route {
	DNS64_ROUTE_FORWARD, /* not DNS64's business: forward, relay */
	DNS64_ROUTE_AAAA,    /* forward, then dns64_decide() */
	DNS64_ROUTE_LOCAL,   /* ipv4only.arpa: dns64_ipv4only_build() */
	DNS64_ROUTE_PTR,     /* dns64_ptr_build(), after a PTR query for
				the in-addr.arpa name (or without one) */
};

/*
 * Routes a client query (opcode QUERY, class IN: RFC 6147 §5.1 leaves
 * other classes undefined and DNS64 then acts as if it were not there).
 * For DNS64_ROUTE_PTR, name gets the in-addr.arpa name (wire form) and
 * *name_len its length; otherwise name is untouched.
 */
int dns64_classify(const struct dns64_cfg *cfg, const struct dns_msg *q,
		   uint8_t name[DNS_NAME_MAX], size_t *name_len);

/* ---- the decision after the upstream AAAA answer ----------------------- */

enum dns64_action {
	DNS64_PASS,    /* relay the upstream answer as it is */
	DNS64_FILTER,  /* relay it without the excluded AAAA (§5.1.4) */
	DNS64_QUERY_A, /* query A for the final name, then synthesize */
};

struct dns64_decision {
	int action; /* enum dns64_action */
	int ctr;    /* enum dns64_ctr: the counter that counted it */
	/* QUERY_A: the end of the CNAME chain from the query name (RFC 6147
	 * §5.1.5), in wire form, lowercased (the caller may apply its own
	 * 0x20 randomization to the A query). */
	uint8_t final[DNS_NAME_MAX];
	size_t final_len;
};

/*
 * RFC 6147 §5.1.1-§5.1.6 and §5.5 for the client's AAAA query q and the
 * upstream answer aaaa to it (same name and type).  st may be NULL.
 * 0, or -EINVAL if q is not an AAAA query of class IN or aaaa answers
 * another question.
 */
int dns64_decide(const struct dns64_cfg *cfg, const struct dns_msg *q,
		 const struct dns_msg *aaaa, struct dns64_decision *d,
		 struct dns64_stats *st);

/* ---- building responses ------------------------------------------------ */

/* Where a response goes: the caller's buffer, and the size the client
 * accepts (dns64_resp_limit).  len and tc are set on success. */
struct dns64_out {
	uint8_t *buf;
	size_t cap;
	size_t limit;
	size_t len;
	bool tc; /* the response carries TC (set by us or the upstream) */
};

/* The size a response to q may have: 65535 over TCP; over UDP the
 * client's EDNS payload size (RFC 6891 §6.2.3) bounded by ours
 * (cfg->edns_size), at least 512 (RFC 1035 §4.2.1), 512 without EDNS. */
size_t dns64_resp_limit(const struct dns64_cfg *cfg, const struct dns_msg *q,
			bool tcp);

/*
 * The upstream response resp relayed to the client of q: q's id and
 * question, resp's RCODE and records, our OPT if q had one (RFC 6891
 * §7), DNSSEC records only if q set DO (RFC 4035 §3.2.1), AD only if q
 * set DO or AD (RFC 6840 §5.8).  filter: drop the AAAA records inside the
 * exclusion set and the RRSIGs over AAAA (RFC 6147 §5.1.4).
 * Returns 0 or a negative errno.
 */
int dns64_build_pass(const struct dns64_cfg *cfg, const struct dns_msg *q,
		     const struct dns_msg *resp, bool filter,
		     struct dns64_out *out, struct dns64_stats *st);

/*
 * RFC 6147 §5.1.5-§5.1.7, §5.3.2, §5.4, §5.5: the client's answer from
 * the AAAA answer aaaa (DNS64_QUERY_A) and the answer a to the A query
 * for the final name.  Returns 1 if it synthesized, 0 if it built the
 * AAAA answer instead (the A answer gave nothing to synthesize, or DO is
 * set and the A answer is signed), or a negative errno.
 */
int dns64_synth_build(const struct dns64_cfg *cfg, const struct dns_msg *q,
		      const struct dns_msg *aaaa, const struct dns_msg *a,
		      struct dns64_out *out, struct dns64_stats *st);

/*
 * RFC 6147 §5.3.1 for a DNS64_ROUTE_PTR query q: a CNAME from q's
 * ip6.arpa name to target (its in-addr.arpa name, from dns64_classify)
 * and, when ptr (the upstream answer to the PTR query for target) is
 * given, that answer's RCODE and records after the CNAME, as a resolver
 * that follows a CNAME answers (RFC 1034 §4.3.2).  ptr NULL: the CNAME
 * alone, for the client to follow.  0 or a negative errno.
 */
int dns64_ptr_build(const struct dns64_cfg *cfg, const struct dns_msg *q,
		    const uint8_t *target, const struct dns_msg *ptr,
		    struct dns64_out *out, struct dns64_stats *st);

/*
 * RFC 8880 §7.2 for a DNS64_ROUTE_LOCAL query: ipv4only.arpa A is
 * 192.0.0.170 and 192.0.0.171; AAAA is those two synthesized with every
 * prefix; other types NODATA; names below ipv4only.arpa NXDOMAIN.
 * 0 or a negative errno.
 */
int dns64_ipv4only_build(const struct dns64_cfg *cfg, const struct dns_msg *q,
			 struct dns64_out *out, struct dns64_stats *st);

/* Is a (16 bytes) inside the exclusion set?  Is v4 (network order) one
 * that may be synthesized with prefix i? */
bool dns64_excluded(const struct dns64_cfg *cfg, const uint8_t *a);
bool dns64_mapped(const struct dns64_cfg *cfg, unsigned i, uint32_t v4);

#endif
