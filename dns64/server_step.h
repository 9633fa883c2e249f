/*
 * server_step.h - the seam between the server's request state machine and
 * the answer logic: the server calls dns64_step() when a client query
 * arrives (step 0, no answer yet) and again with each upstream answer; the
 * step either asks for one more upstream query, builds the reply, or gives
 * up (the server then answers SERVFAIL).
 *
 * With no synthesis configuration (io->policy NULL) every query is
 * forwarded: step 0 asks the client's own question, step 1 returns the
 * upstream answer as is, with the client's id, RD bit, question bytes
 * (case) and an OPT of our own when the client sent one.  With one, the
 * RFC 6147 rules of dns64/synth.h (dns64_classify picks the route):
 *  - ipv4only.arpa (RFC 8880 §7.2): answered at step 0, no upstream query;
 *  - PTR under a prefix (§5.3.1): step 0 asks PTR for the in-addr.arpa
 *    name (kept in scratch), step 1 builds the CNAME answer;
 *  - AAAA: step 0 asks AAAA; step 1 decides (dns64_decide): pass, pass
 *    filtered, or keep the AAAA answer (state->keep) and ask A for the end
 *    of the CNAME chain; step 2 synthesizes from the A answer;
 *  - everything else: forwarded as above.
 * An upstream failure or timeout at any step is SERVFAIL (RFC 6147
 * §5.1.3: no response is treated as SERVFAIL).
 *
 * Contract:
 *  - Called by the worker thread that owns the request; no allocation, no
 *    system call.  The step keeps what it needs between steps in
 *    state->scratch and, for the AAAA answer that synthesis needs at step 2,
 *    in state->keep: keep_cap bytes the server preallocates per request
 *    slot (DNS64_STEP_KEEP).  An AAAA answer larger than that is kept
 *    reduced to what synthesis reads (header, question, CNAME/DNAME chain,
 *    SOA, OPT); if even that does not fit, the query gets SERVFAIL.
 *    keep may be NULL (keep_cap 0): synthesis then always fails that way.
 *  - io->out receives a complete response of at most io->cap bytes (65535):
 *    the server caches it and fits it to the client's transport itself
 *    (truncation with TC for UDP, RFC 1035 §4.2.1, RFC 6891 §7).
 */
#ifndef GATE64_DNS64_SERVER_STEP_H
#define GATE64_DNS64_SERVER_STEP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dns64/synth.h"
#include "dns64/wire.h"

#define DNS64_STEP_SCRATCH 256 /* bytes a step may keep between steps */
#define DNS64_STEPS_MAX	   4   /* upstream queries per client query */
/* Bytes of the upstream AAAA answer kept per request slot until the A
 * answer arrives: a negative AAAA answer (CNAMEs, SOA, with DO their
 * RRSIGs and NSECs) is a few hundred bytes. */
#define DNS64_STEP_KEEP 4096

enum dns64_verdict {
	DNS64_STEP_QUERY, /* send io->next upstream, call again */
	DNS64_STEP_REPLY, /* io->out holds the reply (io->out_len bytes) */
	DNS64_STEP_FAIL,  /* answer SERVFAIL */
};

struct dns64_step_state {
	unsigned step; /* upstream answers seen so far */
	uint8_t route; /* enum dns64_route, set at step 0 */
	uint8_t *keep; /* the server's buffer for this slot (or NULL) */
	size_t keep_cap;
	size_t keep_len; /* bytes of keep in use */
	uint8_t scratch[DNS64_STEP_SCRATCH];
};

struct dns64_step_io {
	/* synthesis configuration (checked; read-only); NULL: forward */
	const struct dns64_cfg *policy;
	struct dns64_stats *stats;   /* the worker's counters; may be NULL */
	const struct dns_msg *query; /* the client's query */
	/* the answer to the last QUERY verdict (NULL at step 0, or when
	 * up_status < 0: every upstream failed or timed out) */
	const struct dns_msg *answer;
	int up_status;
	/* out */
	uint8_t *out;
	size_t cap;
	size_t out_len;
	struct {
		uint8_t qname[DNS_NAME_MAX];
		uint16_t qtype;
		uint16_t qclass;
	} next;
};

enum dns64_verdict dns64_step(struct dns64_step_state *st,
			      struct dns64_step_io *io);

/* Builds a reply with no records and the given rcode (SERVFAIL, REFUSED,
 * FORMERR, NOTIMP, BADVERS) to the parsed query q, echoing its question
 * and, when q had an OPT, an OPT of ours.  Returns the length (0 only when
 * cap is below the header). */
size_t dns64_reply_rcode(const struct dns_msg *q, uint16_t rcode, uint8_t *out,
			 size_t cap);

/* Fits the complete response r (parsed) to limit bytes: when it is larger,
 * rebuilds it into out with TC set, the question, the OPT and no records
 * (RFC 2181 §9: a client must not use a partial RRset; it retries over
 * TCP).  Returns the length to send: r->len when it fits (out untouched). */
size_t dns64_reply_fit(const struct dns_msg *r, size_t limit, uint8_t *out,
		       size_t cap);

#endif
