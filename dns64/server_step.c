/*
 * server_step.c - the answer logic the server calls per client query (see
 * server_step.h).  For now: forwarding.
 */
#include "dns64/server_step.h"

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

enum dns64_verdict dns64_step(struct dns64_step_state *st,
			      struct dns64_step_io *io)
{
	const struct dns_msg *q = io->query;

	if (st->step == 0) {
		memcpy(io->next.qname, q->qname, q->qname_len);
		io->next.qtype = q->qtype;
		io->next.qclass = q->qclass;
		return DNS64_STEP_QUERY;
	}
	if (io->up_status < 0 || !io->answer)
		return DNS64_STEP_FAIL;
	return forward_answer(io);
}
