/*
 * fuzz_dns64_query.c - libFuzzer target: the full query path of the DNS64
 * server (dns64_step, server_step.h) with a fake upstream, no sockets.
 *
 * Input: one configuration byte, then up to four messages, each a 2-byte
 * big-endian length and its bytes: the client's query, then the upstream
 * answers in the order the step asks (at most 3).  A missing or empty
 * answer is a timeout (up_status -ETIMEDOUT).  The fake upstream behaves
 * like dns64/upstream.c: it hands the step only what that would accept,
 * so each answer gets the question that was asked (the bytes after the
 * header replace the message's own question, the rest is kept), QR set;
 * a message dns_parse refuses counts as a timeout (upstream.c drops it).
 * Queries are screened as server.c screens them (QR, opcode, EDNS
 * version, AXFR/IXFR, length) before the step sees them.
 *
 * Configuration byte: bits 0-1 the prefix set (WKP; WKP and a /96 NSP;
 * /64, /32, /40, /48, /56 NSPs; no synthesis: forward only), bit 2
 * break-dnssec, bit 3 servfail-synth, bit 4 a mapped set, bit 5 no
 * exclusion set, bit 6 ptr and ipv4only off, bit 7 the client uses TCP.
 *
 * Invariants checked (abort on violation), as the server relies on them:
 *  - every upstream question the step asks is a valid name;
 *  - the step asks at most DNS64_STEPS_MAX questions;
 *  - the final reply (the step's, or the server's SERVFAIL when the step
 *    fails) parses with dns_parse, is a response with the client's id and
 *    question (bytes, type, class), and is at most io.cap bytes;
 *  - fitted to the client's transport (dns64_reply_fit) it is within the
 *    limit, still parses, keeps id and question, and has TC when cut;
 *  - cached (the server caches every reply) and found again, it parses
 *    and carries the client's id and question.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dns64/cache.h"
#include "dns64/server.h"
#include "dns64/server_step.h"
#include "dns64/synth.h"
#include "dns64/wire.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#include "tests/fuzz/fuzz_check.h"

/* A prefix from its first bytes (the rest zero). */
static void p6(struct dns64_prefix6 *p, const uint8_t *b, size_t n, uint8_t len)
{
	memset(p->addr, 0, 16);
	memcpy(p->addr, b, n);
	p->len = len;
}

static const struct dns64_cfg *make_cfg(uint8_t sel, struct dns64_cfg *c)
{
	static const uint8_t nsp[] = {0x20, 0x01, 0x0d, 0xb8, 0x00, 0x64};
	static const uint8_t nsp64[] = {0x20, 0x01, 0x0d, 0xb8,
					0x01, 0x22, 0x03, 0x44};
	char err[256];

	dns64_cfg_default(c);
	switch (sel & 3) {
	case 0: break;
	case 1:
		c->nprefix = 2;
		p6(&c->prefix[1], nsp, 6, 96); /* 2001:db8:64::/96 */
		break;
	case 2:
		c->nprefix = 5;
		/* 2001:db8:122:344::/64, 2001:db8::/32, /40, /48, /56 */
		p6(&c->prefix[0], nsp64, 8, 64);
		p6(&c->prefix[1], nsp64, 4, 32);
		p6(&c->prefix[2], nsp64, 5, 40);
		p6(&c->prefix[3], nsp64, 6, 48);
		p6(&c->prefix[4], nsp64, 7, 56);
		break;
	case 3: return NULL; /* forward only */
	}
	c->break_dnssec = sel & 4;
	c->servfail_synth = sel & 8;
	if (sel & 16) {
		c->nmapped = 2;
		c->mapped[0].addr = htobe32(0xc0000200); /* 192.0.2.0/24 */
		c->mapped[0].len = 24;
		c->mapped[1].addr = htobe32(0x0a000000); /* 10.0.0.0/8 */
		c->mapped[1].len = 8;
	}
	if (sel & 32)
		c->nexclude = 0;
	if (sel & 64)
		c->ptr = c->ipv4only = false;
	CHECK(dns64_cfg_check(c, err, sizeof(err)) == 0);
	return c;
}

/* The next length-prefixed message of the input, or NULL. */
static const uint8_t *next_msg(const uint8_t **p, size_t *left, size_t *len)
{
	const uint8_t *m;

	if (*left < 2)
		return NULL;
	*len = (size_t)((*p)[0] << 8 | (*p)[1]);
	*p += 2;
	*left -= 2;
	if (*len > *left)
		*len = *left;
	m = *p;
	*p += *len;
	*left -= *len;
	return m;
}

/* Offset just past the question of m (len bytes), or 12 when there is no
 * readable one. */
static size_t skip_question(const uint8_t *m, size_t len)
{
	size_t o = DNS_HDR_LEN;

	while (o < len) {
		uint8_t l = m[o];
		if (l == 0) {
			o++;
			break;
		}
		if ((l & 0xc0) == 0xc0) {
			o += 2;
			break;
		}
		if (l & 0xc0)
			return DNS_HDR_LEN;
		o += 1 + (size_t)l;
	}
	o += 4;
	return o <= len ? o : DNS_HDR_LEN;
}

/* The upstream answer to io->next built from raw (len bytes) into buf;
 * 0 if the upstream would not hand it over. */
static size_t fake_answer(const struct dns64_step_io *io, const uint8_t *raw,
			  size_t len, uint8_t *buf, size_t cap)
{
	size_t qn = dns_name_len(io->next.qname, DNS_NAME_MAX);
	size_t rest, o;

	if (len < DNS_HDR_LEN || !qn)
		return 0;
	o = skip_question(raw, len);
	rest = len - o;
	if (DNS_HDR_LEN + qn + 4 + rest > cap)
		return 0;
	memcpy(buf, raw, DNS_HDR_LEN);
	buf[2] |= 0x80; /* QR */
	buf[4] = 0;
	buf[5] = 1; /* QDCOUNT */
	memcpy(buf + DNS_HDR_LEN, io->next.qname, qn);
	buf[DNS_HDR_LEN + qn] = (uint8_t)(io->next.qtype >> 8);
	buf[DNS_HDR_LEN + qn + 1] = (uint8_t)io->next.qtype;
	buf[DNS_HDR_LEN + qn + 2] = (uint8_t)(io->next.qclass >> 8);
	buf[DNS_HDR_LEN + qn + 3] = (uint8_t)io->next.qclass;
	memcpy(buf + DNS_HDR_LEN + qn + 4, raw + o, rest);
	return DNS_HDR_LEN + qn + 4 + rest;
}

/* r is a response to q: id, QR, question bytes, type, class. */
static void check_reply(const struct dns_msg *q, const uint8_t *buf, size_t len)
{
	static struct dns_msg r;

	CHECK(len >= DNS_HDR_LEN && len <= DNS_MSG_MAX);
	CHECK(dns_parse(&r, buf, len) == DNS_E_OK);
	CHECK(r.id == q->id);
	CHECK(r.flags & DNS_F_QR);
	CHECK(r.qname_len == q->qname_len);
	CHECK(!memcmp(r.qname, q->qname, q->qname_len));
	CHECK(r.qtype == q->qtype && r.qclass == q->qclass);
}

/* What server.c would refuse before calling the step. */
static bool screened_out(const struct dns_msg *q, size_t len)
{
	return len > DNS64_QUERY_MAX || (q->flags & DNS_F_QR) ||
	       DNS_OPCODE(q->flags) != 0 ||
	       (q->has_opt && q->opt.version != 0) || q->qtype == 251 ||
	       q->qtype == 252;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct dns_msg q, ans, r;
	static uint8_t ansbuf[DNS_MSG_MAX], out[DNS_MSG_MAX], fit[DNS_MSG_MAX],
	    hit[DNS_MSG_MAX], keep[DNS64_STEP_KEEP];
	static struct dns64_cache *cache;
	static uint64_t now;
	struct dns64_cfg cfg;
	struct dns64_stats stats;
	struct dns64_step_state st;
	const struct dns64_cfg *policy;
	const uint8_t *p, *qb;
	size_t left, qlen, len = 0;
	bool tcp;

	if (!cache)
		CHECK(dns64_cache_init(&cache, 1024, 1 << 20, 1) == 0);
	if (size < 1)
		return 0;
	policy = make_cfg(data[0], &cfg);
	tcp = data[0] & 128;
	p = data + 1;
	left = size - 1;
	qb = next_msg(&p, &left, &qlen);
	if (!qb || dns_parse(&q, qb, qlen) || screened_out(&q, qlen))
		return 0;

	memset(&stats, 0, sizeof(stats));
	memset(&st, 0, sizeof(st));
	st.keep = keep;
	st.keep_cap = sizeof(keep);
	struct dns64_step_io io = {
	    .policy = policy,
	    .stats = &stats,
	    .query = &q,
	    .out = out,
	    .cap = sizeof(out),
	};
	enum dns64_verdict v;
	for (;;) {
		v = dns64_step(&st, &io);
		if (v != DNS64_STEP_QUERY)
			break;
		CHECK(dns_name_len(io.next.qname, DNS_NAME_MAX) > 0);
		if (st.step >= DNS64_STEPS_MAX) {
			v = DNS64_STEP_FAIL; /* server.c: SERVFAIL */
			break;
		}
		size_t rl = 0, al = 0;
		const uint8_t *raw = next_msg(&p, &left, &rl);
		if (raw && rl)
			al = fake_answer(&io, raw, rl, ansbuf, sizeof(ansbuf));
		st.step++;
		if (al && dns_parse(&ans, ansbuf, al) == DNS_E_OK) {
			io.answer = &ans;
			io.up_status = 0;
		} else {
			io.answer = NULL;
			io.up_status = -ETIMEDOUT;
		}
	}
	if (v == DNS64_STEP_REPLY) {
		len = io.out_len;
		CHECK(len <= io.cap);
	} else {
		len = dns64_reply_rcode(&q, DNS_RC_SERVFAIL, out, sizeof(out));
	}
	check_reply(&q, out, len);

	/* the client's transport: UDP within its size, with TC when cut */
	size_t limit =
	    tcp ? DNS_MSG_MAX
		: dns64_resp_limit(policy ? policy : &cfg, &q, false);
	CHECK(dns_parse(&r, out, len) == DNS_E_OK);
	size_t fl = dns64_reply_fit(&r, limit, fit, sizeof(fit));
	CHECK(fl > 0 && fl <= limit);
	if (fl != len) {
		check_reply(&q, fit, fl);
		CHECK(fit[2] & 0x02); /* TC */
	}

	/* the server caches the complete reply under the client's question */
	struct dns64_cache_key k;
	dns64_cache_key_make(&k, &q);
	now += 1000;
	if (dns64_cache_add(cache, &k, &r, now) == 0) {
		size_t hl = dns64_cache_find(cache, &k, &q, hit, sizeof(hit),
					     now + 500);
		CHECK(hl > 0);
		check_reply(&q, hit, hl);
	}
	return 0;
}
