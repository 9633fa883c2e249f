/*
 * synth.c - the RFC 6147 DNS64 rules (see synth.h for the contract).
 */
#include "dns64/synth.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "dataplane/xlat/rfc6052.h"

static const char *const ctr_names[] = {
#define DNS64_CTR_NAME(e, n, x) n,
    DNS64_CTR_LIST(DNS64_CTR_NAME)
#undef DNS64_CTR_NAME
};

static const char *const ctr_explain[] = {
#define DNS64_CTR_EXPLAIN(e, n, x) x,
    DNS64_CTR_LIST(DNS64_CTR_EXPLAIN)
#undef DNS64_CTR_EXPLAIN
};

const char *dns64_ctr_name(int c)
{
	return c >= 0 && c < DNS64_C_MAX ? ctr_names[c] : "?";
}

const char *dns64_ctr_explain(int c)
{
	return c >= 0 && c < DNS64_C_MAX ? ctr_explain[c] : "?";
}

static void count(struct dns64_stats *st, int c, uint64_t n)
{
	if (st)
		st->c[c] += n;
}

/* ---- configuration ----------------------------------------------------- */

void dns64_cfg_default(struct dns64_cfg *cfg)
{
	static const uint8_t wkp[16] = {0x00, 0x64, 0xff, 0x9b};
	static const uint8_t mapped4[16] = {[10] = 0xff, [11] = 0xff};

	memset(cfg, 0, sizeof(*cfg));
	cfg->nprefix = 1;
	memcpy(cfg->prefix[0].addr, wkp, 16);
	cfg->prefix[0].len = 96;
	/* RFC 6147 §5.1.4: "::ffff/96" is in the exclusion set by default */
	cfg->nexclude = 1;
	memcpy(cfg->exclude[0].addr, mapped4, 16);
	cfg->exclude[0].len = 96;
	cfg->ptr = true;
	cfg->ipv4only = true;
	cfg->ttl_no_soa = DNS64_TTL_NO_SOA;
	cfg->edns_size = DNS64_EDNS_SIZE;
}

/* Are the bits of a (n bytes) after the first len all zero? */
static bool host_bits_zero(const uint8_t *a, size_t n, unsigned len)
{
	for (size_t i = 0; i < n; i++) {
		unsigned lo = (unsigned)i * 8;
		uint8_t keep;

		if (lo + 8 <= len)
			continue;
		keep = lo >= len ? 0 : (uint8_t)(0xff00 >> (len - lo));
		if (a[i] & (uint8_t)~keep)
			return false;
	}
	return true;
}

static void fmt6(const struct dns64_prefix6 *p, char *s, size_t cap)
{
	char a[INET6_ADDRSTRLEN];

	if (!inet_ntop(AF_INET6, p->addr, a, sizeof(a)))
		snprintf(a, sizeof(a), "?");
	snprintf(s, cap, "%s/%u", a, p->len);
}

static void fmt4(const struct dns64_prefix4 *p, char *s, size_t cap)
{
	char a[INET_ADDRSTRLEN];

	if (!inet_ntop(AF_INET, &p->addr, a, sizeof(a)))
		snprintf(a, sizeof(a), "?");
	snprintf(s, cap, "%s/%u", a, p->len);
}

static int bad(char *err, size_t errlen, const char *key, const char *val,
	       const char *why)
{
	if (err && errlen)
		snprintf(err, errlen, "dns64 %s%s%s: %s", key, val ? " " : "",
			 val ? val : "", why);
	return -EINVAL;
}

int dns64_cfg_check(const struct dns64_cfg *cfg, char *err, size_t errlen)
{
	char s[64];

	if (cfg->nprefix == 0)
		return bad(err, errlen, "prefix", NULL,
			   "at least one prefix is needed (64:ff9b::/96 is "
			   "the Well-Known Prefix, RFC 6052 §2.1)");
	if (cfg->nprefix > DNS64_PREFIX_MAX) {
		snprintf(s, sizeof(s), "(%u prefixes)", cfg->nprefix);
		return bad(err, errlen, "prefix", s,
			   "too many prefixes (at most 8)");
	}
	for (unsigned i = 0; i < cfg->nprefix; i++) {
		const struct dns64_prefix6 *p = &cfg->prefix[i];

		fmt6(p, s, sizeof(s));
		if (!rfc6052_len_valid(p->len))
			return bad(err, errlen, "prefix", s,
				   "RFC 6052 §2.2 allows only 32, 40, 48, 56, "
				   "64, 96");
		if (!host_bits_zero(p->addr, 16, p->len))
			return bad(err, errlen, "prefix", s,
				   "bits set beyond the prefix length: write "
				   "the network address");
		if (p->len == 96 && p->addr[8])
			return bad(err, errlen, "prefix", s,
				   "non-zero u-octet (bits 64-71 MUST be zero, "
				   "RFC 6052 §2.2)");
		for (unsigned j = 0; j < i; j++)
			if (cfg->prefix[j].len == p->len &&
			    !memcmp(cfg->prefix[j].addr, p->addr, 16))
				return bad(err, errlen, "prefix", s,
					   "listed twice");
	}
	if (cfg->nexclude > DNS64_EXCLUDE_MAX) {
		snprintf(s, sizeof(s), "(%u prefixes)", cfg->nexclude);
		return bad(err, errlen, "exclude", s,
			   "too many prefixes (at most 16)");
	}
	for (unsigned i = 0; i < cfg->nexclude; i++) {
		const struct dns64_prefix6 *p = &cfg->exclude[i];

		fmt6(p, s, sizeof(s));
		if (p->len > 128)
			return bad(err, errlen, "exclude", s,
				   "an IPv6 prefix length is 0 to 128");
		if (!host_bits_zero(p->addr, 16, p->len))
			return bad(err, errlen, "exclude", s,
				   "bits set beyond the prefix length: write "
				   "the network address");
	}
	if (cfg->nmapped > DNS64_MAPPED_MAX) {
		snprintf(s, sizeof(s), "(%u prefixes)", cfg->nmapped);
		return bad(err, errlen, "mapped", s,
			   "too many prefixes (at most 32)");
	}
	for (unsigned i = 0; i < cfg->nmapped; i++) {
		const struct dns64_prefix4 *p = &cfg->mapped[i];

		fmt4(p, s, sizeof(s));
		if (p->len > 32)
			return bad(err, errlen, "mapped", s,
				   "an IPv4 prefix length is 0 to 32");
		if (!host_bits_zero((const uint8_t *)&p->addr, 4, p->len))
			return bad(err, errlen, "mapped", s,
				   "bits set beyond the prefix length: write "
				   "the network address");
	}
	if (cfg->ttl_no_soa == 0 || cfg->ttl_no_soa > 86400) {
		snprintf(s, sizeof(s), "%u", cfg->ttl_no_soa);
		return bad(err, errlen, "ttl-no-soa", s,
			   "must be 1 to 86400 seconds (RFC 6147 §5.1.7 "
			   "suggests 600)");
	}
	if (cfg->edns_size < DNS_UDP_MIN) {
		snprintf(s, sizeof(s), "%u", cfg->edns_size);
		return bad(err, errlen, "edns-size", s,
			   "must be 512 to 65535 (RFC 6891 §6.2.5)");
	}
	return 0;
}

/* ---- address sets ------------------------------------------------------ */

static bool in_prefix(const uint8_t *pfx, unsigned len, const uint8_t *a)
{
	unsigned full = len / 8, rest = len % 8;

	if (memcmp(pfx, a, full))
		return false;
	if (rest) {
		uint8_t m = (uint8_t)(0xff00 >> rest);
		if ((pfx[full] ^ a[full]) & m)
			return false;
	}
	return true;
}

bool dns64_excluded(const struct dns64_cfg *cfg, const uint8_t *a)
{
	for (unsigned i = 0; i < cfg->nexclude; i++)
		if (in_prefix(cfg->exclude[i].addr, cfg->exclude[i].len, a))
			return true;
	return false;
}

bool dns64_mapped(const struct dns64_cfg *cfg, unsigned i, uint32_t v4)
{
	const struct dns64_prefix6 *p = &cfg->prefix[i];

	/* never translated, whatever the prefix (rfc6052.h) */
	if (ip4_is_reserved(v4))
		return false;
	/* RFC 6052 §3.1: the WKP MUST NOT be used with non-global IPv4 */
	if (rfc6052_is_wkp(p->addr, p->len) && ip4_is_nonglobal(v4))
		return false;
	if (cfg->nmapped == 0)
		return true;
	for (unsigned j = 0; j < cfg->nmapped; j++)
		if (in_prefix((const uint8_t *)&cfg->mapped[j].addr,
			      cfg->mapped[j].len, (const uint8_t *)&v4))
			return true;
	return false;
}

/* ---- names ------------------------------------------------------------- */

/* "\x08ipv4only\x04arpa\x00" (RFC 8880) */
static const uint8_t ipv4only_name[] = {8,   'i', 'p', 'v', '4', 'o', 'n', 'l',
					'y', 4,	  'a', 'r', 'p', 'a', 0};

/* 1: name is ipv4only.arpa; 2: a name below it; 0: neither. */
static int ipv4only_match(const uint8_t *name)
{
	size_t off = 0;

	if (dns_name_equal(name, ipv4only_name))
		return 1;
	while (name[off]) {
		off += 1 + (size_t)name[off];
		if (off >= DNS_NAME_MAX)
			return 0;
		if (dns_name_equal(name + off, ipv4only_name))
			return 2;
	}
	return 0;
}

static int hexval(uint8_t c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* A full reverse name "n.n.(32 nibbles).ip6.arpa" to the address; false if
 * it is not one (shorter names are zone cuts, not addresses). */
static bool ip6_arpa_addr(const uint8_t *name, size_t len, uint8_t a[16])
{
	static const uint8_t tail[] = {3,   'i', 'p', '6', 4,
				       'a', 'r', 'p', 'a', 0};

	if (len != 64 + sizeof(tail))
		return false;
	memset(a, 0, 16);
	for (int i = 0; i < 32; i++) {
		int v = name[2 * i] == 1 ? hexval(name[2 * i + 1]) : -1;
		int nib = 31 - i; /* the first label is the last nibble */

		if (v < 0)
			return false;
		a[nib / 2] |= (uint8_t)(nib % 2 ? v : v << 4);
	}
	return dns_name_equal(name + 64, tail);
}

/* d.c.b.a.in-addr.arpa for v4 = a.b.c.d (network order) */
static size_t in_addr_arpa(uint32_t v4, uint8_t out[DNS_NAME_MAX])
{
	const uint8_t *b = (const uint8_t *)&v4;
	char s[32];

	snprintf(s, sizeof(s), "%u.%u.%u.%u.in-addr.arpa", b[3], b[2], b[1],
		 b[0]);
	return dns_name_from_str(s, out);
}

/* The end of the CNAME chain from start in m's answer section (RFC 6147
 * §5.1.5); at most one hop per record, so a loop ends too.  Returns the
 * length of the name copied to out. */
static size_t chain_end(const struct dns_msg *m, const uint8_t *start,
			uint8_t out[DNS_NAME_MAX])
{
	size_t len = dns_name_lower(start, out);

	for (unsigned hop = 0; hop < m->nrr[DNS_SEC_AN]; hop++) {
		bool moved = false;

		for (unsigned i = 0; i < m->nrr[DNS_SEC_AN] && !moved; i++) {
			const struct dns_rr *rr = &m->rr[DNS_SEC_AN][i];
			uint8_t owner[DNS_NAME_MAX], target[DNS_NAME_MAX];

			if (rr->type != DNS_T_CNAME || rr->rclass != DNS_C_IN)
				continue;
			if (!dns_rr_owner(m, rr, owner) ||
			    !dns_name_equal(owner, out))
				continue;
			if (dns_rr_target(m, rr, target))
				continue;
			len = dns_name_lower(target, out);
			moved = true;
		}
		if (!moved)
			break;
	}
	return len;
}

static bool owner_is(const struct dns_msg *m, const struct dns_rr *rr,
		     const uint8_t *name)
{
	uint8_t owner[DNS_NAME_MAX];

	return dns_rr_owner(m, rr, owner) && dns_name_equal(owner, name);
}

/* RFC 4034 §3.1: the RRSIG's first field is the type it covers. */
static uint16_t rrsig_covered(const struct dns_msg *m, const struct dns_rr *rr)
{
	if (rr->rdlen < 2 || (size_t)rr->rdata_off + 2 > m->len)
		return 0;
	return (uint16_t)(m->buf[rr->rdata_off] << 8 |
			  m->buf[rr->rdata_off + 1]);
}

/* RFC 4035 §3.2.1: the records a DO-less query does not get. */
static bool is_dnssec_type(uint16_t t)
{
	return t == DNS_T_RRSIG || t == DNS_T_NSEC || t == 50 /* NSEC3 */;
}

/* Signed: an RRSIG in the answer or authority section (a signed negative
 * answer carries RRSIGs over its SOA and NSEC/NSEC3 there). */
static bool is_signed(const struct dns_msg *m)
{
	for (int s = DNS_SEC_AN; s <= DNS_SEC_NS; s++)
		for (unsigned i = 0; i < m->nrr[s]; i++)
			if (m->rr[s][i].type == DNS_T_RRSIG)
				return true;
	return false;
}

static bool has_do(const struct dns_msg *m)
{
	return m->has_opt && (m->opt.flags & DNS_EDNS_DO);
}

/* ---- routing ----------------------------------------------------------- */

static bool ptr_target(const struct dns64_cfg *cfg, const struct dns_msg *q,
		       uint8_t name[DNS_NAME_MAX], size_t *name_len)
{
	uint8_t a[16];

	if (!ip6_arpa_addr(q->qname, q->qname_len, a))
		return false;
	for (unsigned i = 0; i < cfg->nprefix; i++) {
		const struct dns64_prefix6 *p = &cfg->prefix[i];
		uint32_t v4;

		/* RFC 6052 §2.2: inside the prefix, u-octet and suffix zero;
		 * and an address we could have synthesized (the mapped set):
		 * anything else is somebody else's reverse zone */
		if (!rfc6052_match(p->addr, p->len, a) ||
		    rfc6052_extract(p->len, a, &v4) ||
		    !dns64_mapped(cfg, i, v4))
			continue;
		*name_len = in_addr_arpa(v4, name);
		return *name_len > 0;
	}
	return false;
}

int dns64_classify(const struct dns64_cfg *cfg, const struct dns_msg *q,
		   uint8_t name[DNS_NAME_MAX], size_t *name_len)
{
	/* RFC 6147 §5.1: class IN only; otherwise act as if DNS64 were not
	 * configured.  Only standard queries are ours (RFC 1035 §4.1.1). */
	if (q->qclass != DNS_C_IN || DNS_OPCODE(q->flags) != 0)
		return DNS64_ROUTE_FORWARD;
	if (cfg->ipv4only && ipv4only_match(q->qname))
		return DNS64_ROUTE_LOCAL;
	if (q->qtype == DNS_T_AAAA)
		return DNS64_ROUTE_AAAA;
	if (q->qtype == DNS_T_PTR && cfg->ptr &&
	    ptr_target(cfg, q, name, name_len))
		return DNS64_ROUTE_PTR;
	return DNS64_ROUTE_FORWARD;
}

/* ---- the decision ------------------------------------------------------ */

static int decided(struct dns64_decision *d, int action, int ctr,
		   struct dns64_stats *st)
{
	d->action = action;
	d->ctr = ctr;
	count(st, ctr, 1);
	return 0;
}

/* Does resp answer q's question (same name, type and class)? */
static bool answers(const struct dns_msg *q, const struct dns_msg *resp,
		    uint16_t qtype)
{
	return (resp->flags & DNS_F_QR) && resp->qtype == qtype &&
	       resp->qclass == q->qclass &&
	       dns_name_equal(resp->qname, q->qname);
}

int dns64_decide(const struct dns64_cfg *cfg, const struct dns_msg *q,
		 const struct dns_msg *aaaa, struct dns64_decision *d,
		 struct dns64_stats *st)
{
	uint16_t rcode = dns_msg_rcode(aaaa);
	unsigned usable = 0, excluded = 0;

	if (q->qtype != DNS_T_AAAA || q->qclass != DNS_C_IN ||
	    !answers(q, aaaa, DNS_T_AAAA))
		return -EINVAL;
	d->final_len = dns_name_lower(q->qname, d->final);

	/* RFC 6147 §5.5: "If the CD bit is set and DO is set, then vDNS64
	 * MAY perform validation, but MUST NOT perform synthesis".  gate64
	 * extends it to CD alone: a client that sets CD asks for the data as
	 * it is and does its own checking (RFC 4035 §3.2.2). */
	if (q->flags & DNS_F_CD)
		return decided(d, DNS64_PASS, DNS64_C_CD_PASS, st);
	/* RFC 6147 §5.1.2: "A result with RCODE=3 (Name Error) is handled
	 * according to normal DNS operation": the NXDOMAIN goes back. */
	if (rcode == DNS_RC_NXDOMAIN)
		return decided(d, DNS64_PASS, DNS64_C_NXDOMAIN_PASS, st);
	/* SERVFAIL passes (unless servfail_synth): it is how the validating
	 * upstream reports bogus data (RFC 4035 §5.5, RFC 6147 §5.5 "MUST
	 * respond with RCODE 2"), and a timeout, which §5.1.3 treats as
	 * SERVFAIL, is the caller's SERVFAIL too. */
	if (rcode == DNS_RC_SERVFAIL && !cfg->servfail_synth)
		return decided(d, DNS64_PASS, DNS64_C_SERVFAIL_PASS, st);
	/* RFC 6147 §5.1.2: "Any other RCODE is treated as though the RCODE
	 * were 0 and the answer section were empty" (FORMERR, NOTIMP,
	 * REFUSED, ...): query A for the name asked. */
	if (rcode != DNS_RC_NOERROR)
		return decided(d, DNS64_QUERY_A, DNS64_C_RCODE_AS_NODATA, st);
	/* A truncated answer may have lost its AAAA: never conclude NODATA
	 * from it; the client retries over TCP. */
	if (aaaa->flags & DNS_F_TC)
		return decided(d, DNS64_PASS, DNS64_C_TC_PASS, st);

	/* RFC 6147 §5.1.5: follow the CNAME chain; the AAAA records that
	 * count are the final name's */
	d->final_len = chain_end(aaaa, q->qname, d->final);
	for (unsigned i = 0; i < aaaa->nrr[DNS_SEC_AN]; i++) {
		const struct dns_rr *rr = &aaaa->rr[DNS_SEC_AN][i];
		uint8_t a[16];

		if (rr->type != DNS_T_AAAA || rr->rclass != DNS_C_IN ||
		    !owner_is(aaaa, rr, d->final) || dns_rr_aaaa(aaaa, rr, a))
			continue;
		/* RFC 6147 §5.1.4: AAAA inside the exclusion set do not
		 * count */
		if (dns64_excluded(cfg, a))
			excluded++;
		else
			usable++;
	}
	/* RFC 6147 §5.1.1: real AAAA records are returned, not synthesized
	 * ones; §5.1.4: without the excluded ones when there are both */
	if (usable)
		return decided(d, excluded ? DNS64_FILTER : DNS64_PASS,
			       excluded ? DNS64_C_FILTERED : DNS64_C_PASSED,
			       st);
	/* RFC 6147 §5.5: with DO set, a signed "no AAAA" is what the client
	 * validates; a synthesized AAAA next to it fails validation.  Pass
	 * unless break-dnssec. */
	if (has_do(q) && is_signed(aaaa) && !cfg->break_dnssec)
		return decided(d, DNS64_PASS, DNS64_C_DNSSEC_PASS, st);
	/* RFC 6147 §5.1.4: only excluded AAAA is treated as no AAAA; §5.1.6:
	 * NOERROR without AAAA: query A */
	return decided(d, DNS64_QUERY_A,
		       excluded ? DNS64_C_EXCLUDED_ONLY : DNS64_C_NODATA, st);
}

/* ---- building ---------------------------------------------------------- */

struct resp {
	struct dns_builder b;
	const struct dns64_cfg *cfg;
	const struct dns_msg *q;
	struct dns64_out *out;
	bool do_bit;
	bool tc;
	uint16_t rcode; /* 12 bits */
};

/* Header (q's id, RD and CD; QR, RA; AA cleared: we are a resolver),
 * q's question as the client wrote it (0x20), and our OPT if q had one
 * (RFC 6891 §7: a responder answers EDNS with EDNS; RFC 3225 §3: DO
 * copied).  flags_extra may add AD and TC. */
static int resp_start(struct resp *r, const struct dns64_cfg *cfg,
		      const struct dns_msg *q, struct dns64_out *out,
		      uint16_t rcode, uint16_t flags_extra)
{
	uint16_t flags = DNS_F_QR | DNS_F_RA |
			 (q->flags & (DNS_F_RD | DNS_F_CD)) |
			 (uint16_t)(DNS_OPCODE(q->flags) << 11) | flags_extra |
			 (rcode & 0xf);

	r->cfg = cfg;
	r->q = q;
	r->out = out;
	r->do_bit = has_do(q);
	r->tc = false;
	r->rcode = rcode;
	dns_build_init(&r->b, out->buf, out->cap, out->limit);
	if (dns_build_header(&r->b, q->id, flags) ||
	    dns_build_question(&r->b, q->qname, q->qtype, q->qclass))
		return -ENOSPC;
	if (q->has_opt) {
		struct dns_opt opt = {
		    .udp_size = cfg->edns_size,
		    .ext_rcode = (uint8_t)(rcode >> 4),
		    .flags = q->opt.flags & DNS_EDNS_DO,
		};
		if (dns_build_opt(&r->b, &opt, NULL))
			return -ENOSPC;
	}
	if (flags_extra & DNS_F_TC)
		r->tc = true;
	return 0;
}

/* A record did not fit: RFC 2181 §9, TC when the answer (or, in a
 * negative answer, the authority section) is incomplete; extra data in
 * the additional section is left out without TC. */
static void resp_full(struct resp *r, int sec)
{
	if (sec == DNS_SEC_AN || (sec == DNS_SEC_NS && !r->b.count[1]))
		r->tc = true;
}

static int resp_put(struct resp *r, int sec, int e)
{
	if (e == DNS_E_NO_SPACE) {
		resp_full(r, sec);
		return 0;
	}
	return e ? -EPROTO : 0;
}

static int resp_copy(struct resp *r, int sec, const struct dns_msg *m,
		     const struct dns_rr *rr, uint32_t ttl)
{
	/* RFC 4035 §3.2.1: no RRSIG, NSEC, NSEC3 unless DO (or asked for) */
	if (!r->do_bit && is_dnssec_type(rr->type) && rr->type != r->q->qtype)
		return 0;
	return resp_put(r, sec, dns_build_copy(&r->b, sec, m, rr, ttl));
}

static int resp_finish(struct resp *r, struct dns64_stats *st)
{
	if (r->tc) {
		dns_build_set_flags(&r->b, r->b.flags | DNS_F_TC);
		count(st, DNS64_C_TRUNCATED, 1);
	}
	if (dns_build_finish(&r->b, &r->out->len))
		return -EPROTO;
	r->out->tc = r->tc;
	return 0;
}

/* The owner to write for name: the client's spelling of the question when
 * it is the same name (the 0x20 case the client expects), else name. */
static const uint8_t *owner_for(const struct resp *r, const uint8_t *name)
{
	return dns_name_equal(name, r->q->qname) ? r->q->qname : name;
}

/* Copies rr of m with its TTL; the A, AAAA and CNAME records owned by the
 * question's name get the client's spelling of it. */
static int resp_copy_rr(struct resp *r, int sec, const struct dns_msg *m,
			const struct dns_rr *rr)
{
	uint8_t owner[DNS_NAME_MAX], t[DNS_NAME_MAX];
	int e;

	if (rr->rclass != DNS_C_IN ||
	    (rr->type != DNS_T_A && rr->type != DNS_T_AAAA &&
	     rr->type != DNS_T_CNAME) ||
	    !dns_rr_owner(m, rr, owner) || !dns_name_equal(owner, r->q->qname))
		return resp_copy(r, sec, m, rr, rr->ttl);
	if (rr->type != DNS_T_CNAME)
		return resp_put(
		    r, sec,
		    dns_build_rr(&r->b, sec, r->q->qname, rr->type, rr->rclass,
				 rr->ttl, m->buf + rr->rdata_off, rr->rdlen));
	e = dns_rr_target(m, rr, t);
	if (e)
		return -EPROTO;
	return resp_put(r, sec,
			dns_build_rr_name(&r->b, sec, r->q->qname, DNS_T_CNAME,
					  DNS_C_IN, rr->ttl, t));
}

size_t dns64_resp_limit(const struct dns64_cfg *cfg, const struct dns_msg *q,
			bool tcp)
{
	size_t n;

	if (tcp)
		return DNS_MSG_MAX;
	if (!q->has_opt)
		return DNS_UDP_MIN;
	/* RFC 6891 §6.2.5: below 512 is treated as 512 */
	n = q->opt.udp_size < cfg->edns_size ? q->opt.udp_size : cfg->edns_size;
	return n < DNS_UDP_MIN ? DNS_UDP_MIN : n;
}

int dns64_build_pass(const struct dns64_cfg *cfg, const struct dns_msg *q,
		     const struct dns_msg *resp, bool filter,
		     struct dns64_out *out, struct dns64_stats *st)
{
	struct resp r;
	uint16_t extra = resp->flags & DNS_F_TC;
	int e;

	if (!answers(q, resp, q->qtype))
		return -EINVAL;
	/* RFC 6840 §5.8: AD only to a client that shows it understands it */
	if ((resp->flags & DNS_F_AD) && (has_do(q) || (q->flags & DNS_F_AD)))
		extra |= DNS_F_AD;
	e = resp_start(&r, cfg, q, out, dns_msg_rcode(resp), extra);
	if (e)
		return e;
	for (int s = 0; s < DNS_SEC_MAX; s++) {
		for (unsigned i = 0; i < resp->nrr[s]; i++) {
			const struct dns_rr *rr = &resp->rr[s][i];
			uint8_t a[16];

			/* RFC 6147 §5.1.4: "only the AAAA record(s) that do
			 * not contain any of the addresses inside the
			 * excluded ranges"; the RRSIG over the whole set no
			 * longer matches it */
			if (filter && s == DNS_SEC_AN &&
			    rr->type == DNS_T_AAAA &&
			    !dns_rr_aaaa(resp, rr, a) && dns64_excluded(cfg, a))
				continue;
			if (filter && s == DNS_SEC_AN &&
			    rr->type == DNS_T_RRSIG &&
			    rrsig_covered(resp, rr) == DNS_T_AAAA)
				continue;
			e = resp_copy_rr(&r, s, resp, rr);
			if (e)
				return e;
		}
	}
	return resp_finish(&r, st);
}

/* RFC 2308 §5: a negative answer may be cached for the SOA's TTL, at
 * most its MINIMUM (§3: "the minimum of the MINIMUM field of the SOA
 * record and the TTL of the SOA itself").  false without a SOA. */
static bool negative_ttl(const struct dns_msg *m, uint32_t *ttl)
{
	for (unsigned i = 0; i < m->nrr[DNS_SEC_NS]; i++) {
		const struct dns_rr *rr = &m->rr[DNS_SEC_NS][i];
		uint32_t min;

		if (rr->type != DNS_T_SOA || dns_rr_soa_minimum(m, rr, &min))
			continue;
		*ttl = rr->ttl < min ? rr->ttl : min;
		return true;
	}
	return false;
}

/* Copies the CNAME (and DNAME) records of m's answer section: RFC 6147
 * §5.1.5-§5.1.6, the chain is part of the answer. */
static int copy_chain(struct resp *r, const struct dns_msg *m)
{
	for (unsigned i = 0; i < m->nrr[DNS_SEC_AN]; i++) {
		const struct dns_rr *rr = &m->rr[DNS_SEC_AN][i];
		uint8_t owner[DNS_NAME_MAX], t[DNS_NAME_MAX];
		int e;

		if (rr->rclass != DNS_C_IN)
			continue;
		if (rr->type == DNS_T_DNAME) {
			e = resp_copy(r, DNS_SEC_AN, m, rr, rr->ttl);
		} else if (rr->type == DNS_T_CNAME) {
			if (!dns_rr_owner(m, rr, owner) ||
			    dns_rr_target(m, rr, t))
				return -EPROTO;
			e = resp_put(r, DNS_SEC_AN,
				     dns_build_rr_name(
					 &r->b, DNS_SEC_AN, owner_for(r, owner),
					 DNS_T_CNAME, DNS_C_IN, rr->ttl, t));
		} else {
			continue;
		}
		if (e)
			return e;
	}
	return 0;
}

int dns64_synth_build(const struct dns64_cfg *cfg, const struct dns_msg *q,
		      const struct dns_msg *aaaa, const struct dns_msg *a,
		      struct dns64_out *out, struct dns64_stats *st)
{
	uint8_t final[DNS_NAME_MAX], afinal[DNS_NAME_MAX];
	uint32_t ttl = UINT32_MAX, neg;
	unsigned nsynth = 0, nfiltered = 0, written, chain_records;
	struct resp r;
	int e;

	if (q->qtype != DNS_T_AAAA || !answers(q, aaaa, DNS_T_AAAA) ||
	    !(a->flags & DNS_F_QR) || a->qtype != DNS_T_A ||
	    a->qclass != DNS_C_IN)
		return -EINVAL;
	/* the A query was for the final name of the AAAA answer's chain, or
	 * for the name asked when the AAAA answer was an error (§5.1.2) */
	if (dns_msg_rcode(aaaa) == DNS_RC_NOERROR)
		chain_end(aaaa, q->qname, final);
	else
		dns_name_lower(q->qname, final);
	if (!dns_name_equal(a->qname, final))
		return -EINVAL;
	/* and the A answer may continue the chain (RFC 6147 §5.1.5) */
	chain_end(a, final, afinal);

	/* Which A records are synthesized, with which prefixes; the TTL of
	 * the synthesized RRset is the smallest A TTL (RFC 2181 §5.2: one
	 * TTL per RRset). */
	if (dns_msg_rcode(a) == DNS_RC_NOERROR) {
		for (unsigned i = 0; i < a->nrr[DNS_SEC_AN]; i++) {
			const struct dns_rr *rr = &a->rr[DNS_SEC_AN][i];
			uint8_t v4[4];
			uint32_t v;

			if (rr->type != DNS_T_A || rr->rclass != DNS_C_IN ||
			    !owner_is(a, rr, afinal) || dns_rr_a(a, rr, v4))
				continue;
			memcpy(&v, v4, 4);
			for (unsigned p = 0; p < cfg->nprefix; p++) {
				if (dns64_mapped(cfg, p, v)) {
					nsynth++;
					if (rr->ttl < ttl)
						ttl = rr->ttl;
				} else {
					nfiltered++;
				}
			}
		}
	}
	count(st, DNS64_C_MAPPED_FILTERED, nfiltered);

	/* RFC 6147 §5.1.6: "If this new A RR query results in an empty
	 * answer or in an error, then the empty result or error is used as
	 * the basis for the answer": gate64 sends the AAAA answer, which
	 * answers the question asked (the A answer's SOA and NSEC records
	 * speak of A).  The same when no A may be synthesized (the mapped
	 * set), and RFC 6147 §5.5: DO set, A answer signed, no
	 * break-dnssec. */
	if (!nsynth) {
		count(st, DNS64_C_A_EMPTY, 1);
		return (e = dns64_build_pass(cfg, q, aaaa, false, out, st)) ? e
									    : 0;
	}
	if (has_do(q) && is_signed(a) && !cfg->break_dnssec) {
		count(st, DNS64_C_DNSSEC_PASS, 1);
		return (e = dns64_build_pass(cfg, q, aaaa, false, out, st)) ? e
									    : 0;
	}

	/* RFC 6147 §5.1.7: "the TTL is set to the minimum of the TTL of the
	 * original A RR and the SOA RR for the queried domain" (the SOA of
	 * the negative AAAA answer, its negative TTL per RFC 2308); "If the
	 * SOA RR was not delivered with the negative response to the AAAA
	 * query, then the DNS64 SHOULD use the minimum of the TTL of the
	 * original A RR and 600 seconds". */
	if (!negative_ttl(aaaa, &neg))
		neg = cfg->ttl_no_soa;
	if (neg < ttl)
		ttl = neg;

	/* RFC 6147 §5.4 / §5.5: a NOERROR answer of our own: AA cleared (we
	 * are not the zone's server), AD cleared (synthesized data is not
	 * authentic data, RFC 4035 §3.2.3), TC if the A answer had it. */
	e = resp_start(&r, cfg, q, out, DNS_RC_NOERROR, a->flags & DNS_F_TC);
	if (e)
		return e;
	if (dns_msg_rcode(aaaa) == DNS_RC_NOERROR && (e = copy_chain(&r, aaaa)))
		return e;
	if ((e = copy_chain(&r, a)))
		return e;
	chain_records = r.b.count[1];
	/* RFC 6147 §5.1.7 / §5.2: one AAAA per A record and prefix, in the
	 * order of the prefixes, then of the A records */
	for (unsigned p = 0; p < cfg->nprefix; p++) {
		const struct dns64_prefix6 *px = &cfg->prefix[p];

		for (unsigned i = 0; i < a->nrr[DNS_SEC_AN]; i++) {
			const struct dns_rr *rr = &a->rr[DNS_SEC_AN][i];
			uint8_t owner[DNS_NAME_MAX], v4[4], a6[16];
			uint32_t v;

			if (rr->type != DNS_T_A || rr->rclass != DNS_C_IN ||
			    !dns_rr_owner(a, rr, owner) ||
			    !dns_name_equal(owner, afinal) ||
			    dns_rr_a(a, rr, v4))
				continue;
			memcpy(&v, v4, 4);
			if (!dns64_mapped(cfg, p, v))
				continue;
			rfc6052_embed(px->addr, px->len, v, a6);
			e = resp_put(
			    &r, DNS_SEC_AN,
			    dns_build_rr(&r.b, DNS_SEC_AN, owner_for(&r, owner),
					 DNS_T_AAAA, DNS_C_IN, ttl, a6, 16));
			if (e)
				return e;
		}
	}
	written = r.b.count[1] - chain_records;
	/* The A answer's authority section (its NS, with their TTLs) goes
	 * with the answer built from it. */
	for (unsigned i = 0; i < a->nrr[DNS_SEC_NS]; i++)
		if ((e = resp_copy(&r, DNS_SEC_NS, a, &a->rr[DNS_SEC_NS][i],
				   a->rr[DNS_SEC_NS][i].ttl)))
			return e;
	/* RFC 6147 §5.3.2: "DNS64 synthesis MUST NOT be performed on any
	 * records in the additional section of synthesized answers.  The
	 * DNS64 MUST pass the additional section unchanged."  The A
	 * answer's additional records go as they are (A records stay A);
	 * its OPT is hop-by-hop and replaced by ours (RFC 6891 §6.1.1). */
	for (unsigned i = 0; i < a->nrr[DNS_SEC_AR]; i++)
		if ((e = resp_copy(&r, DNS_SEC_AR, a, &a->rr[DNS_SEC_AR][i],
				   a->rr[DNS_SEC_AR][i].ttl)))
			return e;
	e = resp_finish(&r, st);
	if (e)
		return e;
	count(st, DNS64_C_SYNTHESIZED, 1);
	count(st, DNS64_C_SYNTH_RECORDS, written);
	return 1;
}

int dns64_ptr_build(const struct dns64_cfg *cfg, const struct dns_msg *q,
		    const uint8_t *target, const struct dns_msg *ptr,
		    struct dns64_out *out, struct dns64_stats *st)
{
	uint16_t rcode = ptr ? dns_msg_rcode(ptr) : DNS_RC_NOERROR;
	uint16_t extra = ptr ? ptr->flags & DNS_F_TC : 0;
	struct resp r;
	int e;

	if (q->qtype != DNS_T_PTR || !dns_name_len(target, DNS_NAME_MAX))
		return -EINVAL;
	if (ptr && (!(ptr->flags & DNS_F_QR) || ptr->qtype != DNS_T_PTR ||
		    !dns_name_equal(ptr->qname, target)))
		return -EINVAL;
	/* RFC 6147 §5.3.1: the DNS64 "MAY synthesize a CNAME mapping the
	 * IP6.ARPA namespace to the corresponding IN-ADDR.ARPA name"; the
	 * RCODE is the one of the last name of the chain (RFC 6604 §3). */
	e = resp_start(&r, cfg, q, out, rcode, extra);
	if (e)
		return e;
	/* the CNAME lives as long as the configuration allows: the no-SOA
	 * cap of §5.1.7 */
	e = resp_put(&r, DNS_SEC_AN,
		     dns_build_rr_name(&r.b, DNS_SEC_AN, q->qname, DNS_T_CNAME,
				       DNS_C_IN, cfg->ttl_no_soa, target));
	if (e)
		return e;
	/* then the in-addr.arpa answer as it came: PTR records (or RFC 2317
	 * CNAMEs), its SOA when negative, its additional data */
	for (int s = 0; ptr && s < DNS_SEC_MAX; s++)
		for (unsigned i = 0; i < ptr->nrr[s]; i++)
			if ((e = resp_copy(&r, s, ptr, &ptr->rr[s][i],
					   ptr->rr[s][i].ttl)))
				return e;
	e = resp_finish(&r, st);
	if (!e)
		count(st, DNS64_C_PTR_SYNTHESIZED, 1);
	return e;
}

int dns64_ipv4only_build(const struct dns64_cfg *cfg, const struct dns_msg *q,
			 struct dns64_out *out, struct dns64_stats *st)
{
	/* RFC 8880 §2: the well-known IPv4 addresses 192.0.0.170 and .171 */
	static const uint8_t wk[2][4] = {{192, 0, 0, 170}, {192, 0, 0, 171}};
	int m = ipv4only_match(q->qname);
	struct resp r;
	int e;

	if (!m || q->qclass != DNS_C_IN)
		return -EINVAL;
	/* RFC 8880 §7.2: names below ipv4only.arpa do not exist */
	e = resp_start(&r, cfg, q, out,
		       m == 2 ? DNS_RC_NXDOMAIN : DNS_RC_NOERROR, 0);
	if (e)
		return e;
	if (m == 1 && q->qtype == DNS_T_A) {
		for (int i = 0; i < 2; i++)
			if ((e = resp_put(
				 &r, DNS_SEC_AN,
				 dns_build_rr(&r.b, DNS_SEC_AN, q->qname,
					      DNS_T_A, DNS_C_IN,
					      DNS64_IPV4ONLY_TTL, wk[i], 4))))
				return e;
	} else if (m == 1 && q->qtype == DNS_T_AAAA) {
		/* RFC 7050 §3 / RFC 8880 §7.2: the client learns every
		 * prefix from these.  No mapped-set filter: 192.0.0.170/171
		 * are the discovery addresses, WKP included (RFC 7050 §2). */
		for (unsigned p = 0; p < cfg->nprefix; p++) {
			for (int i = 0; i < 2; i++) {
				uint8_t a6[16];
				uint32_t v;

				memcpy(&v, wk[i], 4);
				rfc6052_embed(cfg->prefix[p].addr,
					      cfg->prefix[p].len, v, a6);
				if ((e = resp_put(
					 &r, DNS_SEC_AN,
					 dns_build_rr(
					     &r.b, DNS_SEC_AN, q->qname,
					     DNS_T_AAAA, DNS_C_IN,
					     DNS64_IPV4ONLY_TTL, a6, 16))))
					return e;
			}
		}
	}
	e = resp_finish(&r, st);
	if (!e)
		count(st, DNS64_C_IPV4ONLY, 1);
	return e;
}
