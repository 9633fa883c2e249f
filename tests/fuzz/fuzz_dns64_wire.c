/*
 * fuzz_dns64_wire.c - libFuzzer target: arbitrary bytes as a DNS message
 * (dns64/wire.h), as from a client or an upstream server.
 *
 * Invariants checked (abort on violation):
 *  - dns_parse never reads outside the input (ASan) or crashes;
 *  - on a message it accepts, every helper agrees: owners decompress, A is
 *    4 bytes and AAAA 16 (class IN), CNAME/DNAME/NS/PTR targets and the SOA
 *    MINIMUM read, every RDATA expands;
 *  - rebuilt with the builder (names re-compressed), the message parses
 *    again with the same header, question, OPT, counts, owner names, types,
 *    classes, TTLs and expanded RDATA; rebuilding that gives the same bytes;
 *  - rebuilt within 512 bytes, records that do not fit are left out, TC is
 *    set, and the result still parses.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dns64/wire.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#include "tests/fuzz/fuzz_check.h"

#define EXP_MAX (DNS_MSG_MAX + 2 * DNS_NAME_MAX)

static void walk(const struct dns_msg *m)
{
	static uint8_t exp[EXP_MAX];
	uint8_t name[DNS_NAME_MAX], low[DNS_NAME_MAX], a[16];
	char text[4 * DNS_NAME_MAX + 2];
	uint32_t min;
	int err;

	CHECK(dns_name_len(m->qname, DNS_NAME_MAX) == m->qname_len);
	CHECK(dns_name_lower(m->qname, low) == m->qname_len);
	CHECK(dns_name_equal(m->qname, low));
	CHECK(dns_name_to_str(m->qname, text, sizeof(text)) == 0);
	for (int s = 0; s < DNS_SEC_MAX; s++)
		for (unsigned i = 0; i < m->nrr[s]; i++) {
			const struct dns_rr *rr = &m->rr[s][i];
			CHECK(dns_rr_owner(m, rr, name) > 0);
			if (rr->rclass == DNS_C_IN && rr->type == DNS_T_A)
				CHECK(dns_rr_a(m, rr, a) == DNS_E_OK);
			if (rr->rclass == DNS_C_IN && rr->type == DNS_T_AAAA)
				CHECK(dns_rr_aaaa(m, rr, a) == DNS_E_OK);
			bool empty_update =
			    rr->rdlen == 0 && (rr->rclass == DNS_C_ANY ||
					       rr->rclass == DNS_C_NONE);
			switch (rr->type) {
			case DNS_T_CNAME:
			case DNS_T_DNAME:
			case DNS_T_NS:
			case DNS_T_PTR:
				CHECK(dns_rr_target(m, rr, name) == DNS_E_OK ||
				      empty_update);
				break;
			case DNS_T_SOA:
				CHECK(dns_rr_soa_minimum(m, rr, &min) ==
					  DNS_E_OK ||
				      empty_update);
				break;
			default: break;
			}
			dns_rr_rdata_expand(m, rr, exp, sizeof(exp), &err);
			CHECK(err == DNS_E_OK);
		}
}

/* Rebuilds m into buf within limit.  With trunc, records that do not fit
 * are skipped and TC set; without, NO_SPACE is returned. */
static int rebuild(const struct dns_msg *m, uint8_t *buf, size_t cap,
		   size_t limit, bool trunc, size_t *len)
{
	struct dns_builder b;
	int e;

	dns_build_init(&b, buf, cap, limit);
	e = dns_build_header(&b, m->id, m->flags);
	if (e)
		return e;
	e = dns_build_question(&b, m->qname, m->qtype, m->qclass);
	if (e)
		return e;
	if (m->has_opt) {
		e = dns_build_opt(&b, &m->opt, m->buf + m->opt.opts_off);
		if (e == DNS_E_NO_SPACE && trunc)
			dns_build_set_flags(&b, b.flags | DNS_F_TC);
		else if (e)
			return e;
	}
	for (int s = 0; s < DNS_SEC_MAX; s++)
		for (unsigned i = 0; i < m->nrr[s]; i++) {
			e = dns_build_copy(&b, s, m, &m->rr[s][i],
					   m->rr[s][i].ttl);
			if (e == DNS_E_NO_SPACE && trunc) {
				dns_build_set_flags(&b, b.flags | DNS_F_TC);
				continue;
			}
			if (e)
				return e;
		}
	return dns_build_finish(&b, len);
}

static void same(const struct dns_msg *a, const struct dns_msg *b)
{
	static uint8_t ea[EXP_MAX], eb[EXP_MAX];
	uint8_t na[DNS_NAME_MAX], nb[DNS_NAME_MAX];
	int err;

	CHECK(a->id == b->id && a->flags == b->flags);
	CHECK(a->qname_len == b->qname_len);
	CHECK(!memcmp(a->qname, b->qname, a->qname_len));
	CHECK(a->qtype == b->qtype && a->qclass == b->qclass);
	CHECK(a->has_opt == b->has_opt);
	if (a->has_opt) {
		CHECK(a->opt.udp_size == b->opt.udp_size);
		CHECK(a->opt.ext_rcode == b->opt.ext_rcode);
		CHECK(a->opt.version == b->opt.version);
		CHECK(a->opt.flags == b->opt.flags);
		CHECK(a->opt.opts_len == b->opt.opts_len);
		CHECK(!memcmp(a->buf + a->opt.opts_off,
			      b->buf + b->opt.opts_off, a->opt.opts_len));
	}
	for (int i = 0; i < 4; i++)
		CHECK(a->count[i] == b->count[i]);
	for (int s = 0; s < DNS_SEC_MAX; s++) {
		CHECK(a->nrr[s] == b->nrr[s]);
		for (unsigned i = 0; i < a->nrr[s]; i++) {
			const struct dns_rr *ra = &a->rr[s][i];
			const struct dns_rr *rb = &b->rr[s][i];
			size_t la = dns_rr_owner(a, ra, na);
			CHECK(la > 0 && la == dns_rr_owner(b, rb, nb));
			CHECK(!memcmp(na, nb, la));
			CHECK(ra->type == rb->type &&
			      ra->rclass == rb->rclass && ra->ttl == rb->ttl);
			la = dns_rr_rdata_expand(a, ra, ea, sizeof(ea), &err);
			CHECK(err == DNS_E_OK);
			size_t lb =
			    dns_rr_rdata_expand(b, rb, eb, sizeof(eb), &err);
			CHECK(err == DNS_E_OK);
			CHECK(la == lb && !memcmp(ea, eb, la));
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct dns_msg m, m2, m3;
	static uint8_t out[DNS_MSG_MAX], out2[DNS_MSG_MAX];
	size_t len, len2;
	int e;

	if (dns_parse(&m, data, size) != DNS_E_OK)
		return 0;
	walk(&m);

	e = rebuild(&m, out, sizeof(out), DNS_MSG_MAX, false, &len);
	if (e == DNS_E_NO_SPACE)
		return 0; /* decompressed names outgrew 65535 bytes */
	CHECK(e == DNS_E_OK);
	e = dns_parse(&m2, out, len);
	if (e) {
		fprintf(stderr, "rebuilt message does not parse: %s\n",
			dns_err_name(e));
		abort();
	}
	walk(&m2);
	same(&m, &m2);

	/* the builder's output is a fixed point */
	CHECK(rebuild(&m2, out2, sizeof(out2), DNS_MSG_MAX, false, &len2) ==
	      DNS_E_OK);
	CHECK(len2 == len && !memcmp(out, out2, len));

	/* within 512 bytes: truncated, still well formed */
	CHECK(rebuild(&m, out2, sizeof(out2), DNS_UDP_MIN, true, &len2) ==
	      DNS_E_OK);
	CHECK(len2 <= DNS_UDP_MIN);
	CHECK(dns_parse(&m3, out2, len2) == DNS_E_OK);
	for (int s = 0; s < DNS_SEC_MAX; s++)
		CHECK(m3.nrr[s] <= m.nrr[s]);
	CHECK(m3.id == m.id);
	if (len > DNS_UDP_MIN)
		CHECK(m3.flags & DNS_F_TC);
	return 0;
}
