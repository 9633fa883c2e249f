/*
 * server_step.c - the answer logic the server calls per client query (see
 * server_step.h): forwarding, and the RFC 6147 routes of dns64/synth.h.
 */
#include "dns64/server_step.h"

#include <errno.h>
#include <string.h>

static void our_opt(struct dns_opt *o, const struct dns_msg *q, uint16_t rcode)
{
	memset(o, 0, sizeof(*o));
	o->udp_size = DNS64_EDNS_SIZE;
	o->ext_rcode = (uint8_t)(rcode >> 4);
	/* RFC 3225 §3: the DO bit is copied into the response */
	o->flags = q->opt.flags & DNS_EDNS_DO;
}

size_t dns64_reply_rcode(const struct dns_msg *q, uint16_t rcode, uint8_t *out,
			 size_t cap)
{
	struct dns_builder b;
	size_t len = 0;
	uint16_t fl = DNS_F_QR | DNS_F_RA | (q->flags & (DNS_F_RD | DNS_F_CD)) |
		      (rcode & 0xf);

	if (cap < DNS_HDR_LEN)
		return 0;
	dns_build_init(&b, out, cap, cap);
	dns_build_header(&b, q->id, fl);
	dns_build_question(&b, q->qname, q->qtype, q->qclass);
	if (q->has_opt) {
		struct dns_opt o;
		our_opt(&o, q, rcode);
		dns_build_opt(&b, &o, NULL);
	}
	if (dns_build_finish(&b, &len)) {
		/* the question did not fit: header only */
		memset(out, 0, DNS_HDR_LEN);
		out[0] = (uint8_t)(q->id >> 8);
		out[1] = (uint8_t)q->id;
		out[2] = (uint8_t)(fl >> 8);
		out[3] = (uint8_t)fl;
		return DNS_HDR_LEN;
	}
	return len;
}

size_t dns64_reply_fit(const struct dns_msg *r, size_t limit, uint8_t *out,
		       size_t cap)
{
	struct dns_builder b;
	size_t len = 0;

	if (r->len <= limit)
		return r->len;
	dns_build_init(&b, out, cap, limit);
	dns_build_header(&b, r->id, r->flags | DNS_F_TC);
	dns_build_question(&b, r->qname, r->qtype, r->qclass);
	if (r->has_opt) {
		struct dns_opt o = r->opt;
		o.opts_off = 0;
		o.opts_len = 0;
		dns_build_opt(&b, &o, NULL);
	}
	if (dns_build_finish(&b, &len))
		return 0;
	return len;
}

/* Step 1 of forwarding: the upstream answer, as the client's. */
static enum dns64_verdict forward_answer(struct dns64_step_io *io)
{
	const struct dns_msg *q = io->query, *a = io->answer;
	struct dns_builder b;
	uint16_t rcode = dns_msg_rcode(a);
	uint16_t fl = (uint16_t)((a->flags & ~(DNS_F_RD | 0xf)) |
				 (q->flags & DNS_F_RD) | (rcode & 0xf));

	dns_build_init(&b, io->out, io->cap, io->cap);
	dns_build_header(&b, q->id, fl);
	dns_build_question(&b, q->qname, q->qtype, q->qclass);
	if (q->has_opt) {
		struct dns_opt o;
		our_opt(&o, q, rcode);
		dns_build_opt(&b, &o, NULL);
	}
	for (int s = 0; s < DNS_SEC_MAX; s++)
		for (unsigned i = 0; i < a->nrr[s]; i++)
			if (dns_build_copy(&b, s, a, &a->rr[s][i],
					   a->rr[s][i].ttl) == DNS_E_NO_SPACE)
				dns_build_set_flags(&b, fl | DNS_F_TC);
	if (dns_build_finish(&b, &io->out_len))
		return DNS64_STEP_FAIL;
	return DNS64_STEP_REPLY;
}

/* Asks qname/qtype (class IN, or the client's class when forwarding). */
static enum dns64_verdict ask(struct dns64_step_io *io, const uint8_t *qname,
			      uint16_t qtype, uint16_t qclass)
{
	size_t n = dns_name_len(qname, DNS_NAME_MAX);

	if (!n)
		return DNS64_STEP_FAIL;
	memcpy(io->next.qname, qname, n);
	io->next.qtype = qtype;
	io->next.qclass = qclass;
	return DNS64_STEP_QUERY;
}

/* A response synth.c built into io->out (limit: io->cap; the server fits
 * it to the client's transport). */
static void out_init(struct dns64_out *o, struct dns64_step_io *io)
{
	memset(o, 0, sizeof(*o));
	o->buf = io->out;
	o->cap = io->cap;
	o->limit = io->cap;
}

static enum dns64_verdict built(struct dns64_step_io *io,
				const struct dns64_out *o, int e)
{
	if (e < 0)
		return DNS64_STEP_FAIL;
	io->out_len = o->len;
	return DNS64_STEP_REPLY;
}

/* Keeps the AAAA answer a for step 2: as it came when it fits, else
 * reduced to what dns64_synth_build reads of it (the CNAME/DNAME chain of
 * the answer section, the SOA of the authority section for the §5.1.7
 * TTL, the RCODE with its OPT bits).  -ENOSPC when even that does not fit. */
static int keep_aaaa(struct dns64_step_state *st, const struct dns_msg *a)
{
	struct dns_builder b;
	size_t len = 0;

	st->keep_len = 0;
	if (!st->keep || !st->keep_cap)
		return -ENOSPC;
	if (a->len <= st->keep_cap) {
		memcpy(st->keep, a->buf, a->len);
		st->keep_len = a->len;
		return 0;
	}
	dns_build_init(&b, st->keep, st->keep_cap, st->keep_cap);
	dns_build_header(&b, a->id, a->flags);
	dns_build_question(&b, a->qname, a->qtype, a->qclass);
	if (a->has_opt) {
		struct dns_opt o = a->opt;
		o.opts_off = 0;
		o.opts_len = 0;
		dns_build_opt(&b, &o, NULL);
	}
	for (int s = DNS_SEC_AN; s <= DNS_SEC_NS; s++)
		for (unsigned i = 0; i < a->nrr[s]; i++) {
			const struct dns_rr *rr = &a->rr[s][i];
			bool want = s == DNS_SEC_AN
					? rr->type == DNS_T_CNAME ||
					      rr->type == DNS_T_DNAME
					: rr->type == DNS_T_SOA;
			if (want &&
			    dns_build_copy(&b, s, a, rr, rr->ttl) != DNS_E_OK)
				return -ENOSPC;
		}
	if (dns_build_finish(&b, &len))
		return -ENOSPC;
	st->keep_len = len;
	return 0;
}

/* RFC 6147 §5.1.1-§5.1.6 at step 1: the upstream AAAA answer. */
static enum dns64_verdict aaaa_answer(struct dns64_step_state *st,
				      struct dns64_step_io *io)
{
	const struct dns64_cfg *cfg = io->policy;
	struct dns64_decision d;
	struct dns64_out o;

	if (dns64_decide(cfg, io->query, io->answer, &d, io->stats))
		return DNS64_STEP_FAIL;
	if (d.action == DNS64_QUERY_A) {
		if (keep_aaaa(st, io->answer))
			return DNS64_STEP_FAIL;
		/* §5.1.5: A for the end of the CNAME chain, same CD/DO */
		return ask(io, d.final, DNS_T_A, DNS_C_IN);
	}
	out_init(&o, io);
	return built(io, &o,
		     dns64_build_pass(cfg, io->query, io->answer,
				      d.action == DNS64_FILTER, &o, io->stats));
}

/* RFC 6147 §5.1.6-§5.1.7 at step 2: the A answer and the kept AAAA one. */
static enum dns64_verdict a_answer(struct dns64_step_state *st,
				   struct dns64_step_io *io)
{
	struct dns_msg aaaa;
	struct dns64_out o;

	if (!st->keep_len || dns_parse(&aaaa, st->keep, st->keep_len))
		return DNS64_STEP_FAIL;
	out_init(&o, io);
	return built(io, &o,
		     dns64_synth_build(io->policy, io->query, &aaaa, io->answer,
				       &o, io->stats));
}

/* Step 0: route the query; the local answers need no upstream. */
static enum dns64_verdict first(struct dns64_step_state *st,
				struct dns64_step_io *io)
{
	const struct dns_msg *q = io->query;
	size_t tlen = 0;
	struct dns64_out o;

	st->route = DNS64_ROUTE_FORWARD;
	st->keep_len = 0;
	if (io->policy)
		st->route =
		    (uint8_t)dns64_classify(io->policy, q, st->scratch, &tlen);
	switch (st->route) {
	case DNS64_ROUTE_LOCAL:
		/* RFC 8880 §7.2: answered here, never asked upstream */
		out_init(&o, io);
		return built(
		    io, &o, dns64_ipv4only_build(io->policy, q, &o, io->stats));
	case DNS64_ROUTE_PTR:
		/* RFC 6147 §5.3.1: the PTR of the in-addr.arpa name */
		return ask(io, st->scratch, DNS_T_PTR, DNS_C_IN);
	default: return ask(io, q->qname, q->qtype, q->qclass);
	}
}

enum dns64_verdict dns64_step(struct dns64_step_state *st,
			      struct dns64_step_io *io)
{
	struct dns64_out o;

	if (st->step == 0)
		return first(st, io);
	/* RFC 6147 §5.1.3: no answer (every upstream failed or timed out)
	 * is treated as SERVFAIL, at every step */
	if (io->up_status < 0 || !io->answer)
		return DNS64_STEP_FAIL;
	switch (st->route) {
	case DNS64_ROUTE_AAAA:
		if (st->step == 1)
			return aaaa_answer(st, io);
		if (st->step == 2)
			return a_answer(st, io);
		return DNS64_STEP_FAIL;
	case DNS64_ROUTE_PTR:
		if (st->step != 1)
			return DNS64_STEP_FAIL;
		out_init(&o, io);
		return built(io, &o,
			     dns64_ptr_build(io->policy, io->query, st->scratch,
					     io->answer, &o, io->stats));
	default:
		if (st->step != 1)
			return DNS64_STEP_FAIL;
		return forward_answer(io);
	}
}
