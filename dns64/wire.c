/*
 * wire.c - DNS message parsing and building (contract in wire.h).
 *
 * Everything is iterative and bounded: a name is at most 255 bytes and
 * DNS_PTR_HOPS pointers, a message at most 65535 bytes and DNS_RR_MAX
 * records per section, the builder's compression table DNS_COMP_MAX
 * entries.
 */
#include <string.h>

#include "wire.h"

static const char *const err_names[] = {
#define X(e, n, x) n,
    DNS_ERR_LIST(X)
#undef X
};

static const char *const err_explain[] = {
#define X(e, n, x) x,
    DNS_ERR_LIST(X)
#undef X
};

const char *dns_err_name(int e)
{
	return (unsigned)e < DNS_E_MAX ? err_names[e] : "?";
}

const char *dns_err_explain(int e)
{
	return (unsigned)e < DNS_E_MAX ? err_explain[e] : "?";
}

/* ---- names ------------------------------------------------------------ */

static size_t name_fail(struct dns_wire *w, int err)
{
	w->err = err;
	return 0;
}

size_t dns_name_read(struct dns_wire *w, uint8_t *out)
{
	size_t pos = w->pos;
	size_t fence = pos; /* a pointer must land before this */
	size_t end = 0;	    /* end of the in-place part, once jumped */
	size_t n = 0;	    /* uncompressed length, root excluded */
	unsigned hops = 0;

	if (w->err)
		return 0;
	for (;;) {
		if (pos >= w->len)
			return name_fail(w, DNS_E_TRUNCATED);
		uint8_t c = w->buf[pos];
		switch (c & 0xc0) {
		case 0x00:
			if (c == 0) {
				if (out)
					out[n] = 0;
				w->pos = hops ? end : pos + 1;
				return n + 1;
			}
			if (w->len - pos - 1 < c)
				return name_fail(w, DNS_E_TRUNCATED);
			/* RFC 1035 §2.3.4: 255 bytes, root label included */
			if (n + 1 + c + 1 > DNS_NAME_MAX)
				return name_fail(w, DNS_E_NAME_TOO_LONG);
			if (out)
				memcpy(out + n, w->buf + pos, 1 + (size_t)c);
			n += 1 + (size_t)c;
			pos += 1 + (size_t)c;
			break;
		case 0xc0: {
			if (w->len - pos < 2)
				return name_fail(w, DNS_E_TRUNCATED);
			size_t t = (size_t)(c & 0x3f) << 8 | w->buf[pos + 1];
			/* RFC 1035 §4.1.4: "a prior occurrence": before the
			 * labels that led here, so each hop goes backwards */
			if (t >= fence)
				return name_fail(w, DNS_E_FORWARD_POINTER);
			if (++hops > DNS_PTR_HOPS)
				return name_fail(w, DNS_E_POINTER_LOOP);
			if (hops == 1)
				end = pos + 2;
			fence = t;
			pos = t;
			break;
		}
		default:
			/* 0x40 extended (RFC 6891 §5), 0x80 reserved */
			return name_fail(w, DNS_E_BAD_LABEL);
		}
	}
}

size_t dns_name_len(const uint8_t *name, size_t max)
{
	size_t i = 0;

	if (max > DNS_NAME_MAX)
		max = DNS_NAME_MAX;
	while (i < max) {
		uint8_t c = name[i];
		if (c == 0)
			return i + 1;
		if (c > DNS_LABEL_MAX)
			return 0;
		i += 1 + (size_t)c;
	}
	return 0;
}

static uint8_t lower(uint8_t c)
{
	return c >= 'A' && c <= 'Z' ? (uint8_t)(c + 'a' - 'A') : c;
}

/* Label length bytes are 0..63, below 'A': folding them is harmless. */
bool dns_name_equal(const uint8_t *a, const uint8_t *b)
{
	size_t la = dns_name_len(a, DNS_NAME_MAX);
	size_t lb = dns_name_len(b, DNS_NAME_MAX);

	if (!la || la != lb)
		return false;
	for (size_t i = 0; i < la; i++)
		if (lower(a[i]) != lower(b[i]))
			return false;
	return true;
}

size_t dns_name_lower(const uint8_t *name, uint8_t *out)
{
	size_t l = dns_name_len(name, DNS_NAME_MAX);

	for (size_t i = 0; i < l; i++)
		out[i] = lower(name[i]);
	return l;
}

size_t dns_name_from_str(const char *s, uint8_t out[DNS_NAME_MAX])
{
	size_t n = 0;

	if (s[0] == '.' && s[1] == 0) {
		out[0] = 0;
		return 1;
	}
	while (*s) {
		const char *dot = strchr(s, '.');
		size_t l = dot ? (size_t)(dot - s) : strlen(s);
		if (l == 0 || l > DNS_LABEL_MAX || n + 1 + l + 1 > DNS_NAME_MAX)
			return 0;
		out[n] = (uint8_t)l;
		memcpy(out + n + 1, s, l);
		n += 1 + l;
		s += l;
		if (*s == '.')
			s++;
	}
	out[n] = 0;
	return n + 1;
}

int dns_name_to_str(const uint8_t *name, char *out, size_t cap)
{
	size_t l = dns_name_len(name, DNS_NAME_MAX), o = 0, i = 0;

	if (cap < 2)
		return -1;
	out[0] = 0;
	if (!l)
		return -1;
	if (l == 1) {
		out[0] = '.';
		out[1] = 0;
		return 0;
	}
	while (name[i]) {
		uint8_t c = name[i];
		for (size_t k = 1; k <= c; k++) {
			uint8_t ch = name[i + k];
			char tmp[5];
			size_t tl = 1;
			if (ch > 0x20 && ch < 0x7f && ch != '.' && ch != '\\') {
				tmp[0] = (char)ch;
			} else {
				tmp[0] = '\\';
				tmp[1] = (char)('0' + ch / 100);
				tmp[2] = (char)('0' + ch / 10 % 10);
				tmp[3] = (char)('0' + ch % 10);
				tl = 4;
			}
			if (o + tl + 1 > cap) {
				out[o] = 0;
				return -1;
			}
			memcpy(out + o, tmp, tl);
			o += tl;
		}
		if (o + 2 > cap) {
			out[o] = 0;
			return -1;
		}
		out[o++] = '.';
		i += 1 + (size_t)c;
	}
	out[o] = 0;
	return 0;
}

/* ---- RDATA layouts ----------------------------------------------------- */

/* A field: a name, or that many fixed bytes; a layout ends at F_END and
 * must consume the RDATA exactly. */
#define F_END  0
#define F_NAME 0xff

struct layout {
	uint16_t type;
	uint8_t compress; /* RFC 3597 §4: only RFC 1035 types may compress */
	uint8_t in_only;  /* layout holds for class IN only */
	uint8_t f[4];
};

static const struct layout layouts[] = {
    {DNS_T_A, 0, 1, {4}},
    {DNS_T_NS, 1, 0, {F_NAME}},
    {DNS_T_MD, 1, 0, {F_NAME}},
    {DNS_T_MF, 1, 0, {F_NAME}},
    {DNS_T_CNAME, 1, 0, {F_NAME}},
    {DNS_T_SOA, 1, 0, {F_NAME, F_NAME, 20}},
    {DNS_T_MB, 1, 0, {F_NAME}},
    {DNS_T_MG, 1, 0, {F_NAME}},
    {DNS_T_MR, 1, 0, {F_NAME}},
    {DNS_T_PTR, 1, 0, {F_NAME}},
    {DNS_T_MINFO, 1, 0, {F_NAME, F_NAME}},
    {DNS_T_MX, 1, 0, {2, F_NAME}},
    /* RFC 3597 §4: received possibly compressed, sent uncompressed */
    {DNS_T_RP, 0, 0, {F_NAME, F_NAME}},
    {DNS_T_AFSDB, 0, 0, {2, F_NAME}},
    {DNS_T_RT, 0, 0, {2, F_NAME}},
    {DNS_T_PX, 0, 0, {2, F_NAME, F_NAME}},
    {DNS_T_AAAA, 0, 1, {16}},
    {DNS_T_SRV, 0, 0, {6, F_NAME}},
    /* RFC 6672 §2.5: the DNAME target is never compressed on output */
    {DNS_T_DNAME, 0, 0, {F_NAME}},
};

static const struct layout *layout_of(uint16_t type, uint16_t rclass,
				      uint16_t rdlen)
{
	/* RFC 2136 §2.4-2.5: empty RDATA of class ANY/NONE in updates */
	if (rdlen == 0 && (rclass == DNS_C_ANY || rclass == DNS_C_NONE))
		return NULL;
	for (size_t i = 0; i < sizeof(layouts) / sizeof(layouts[0]); i++)
		if (layouts[i].type == type)
			return layouts[i].in_only && rclass != DNS_C_IN
				   ? NULL
				   : &layouts[i];
	return NULL;
}

/* A cursor fenced to rr's RDATA (pointers may still reach back). */
static int rdata_cursor(const uint8_t *buf, size_t msglen,
			const struct dns_rr *rr, struct dns_wire *w)
{
	size_t end = (size_t)rr->rdata_off + rr->rdlen;

	if (end > msglen)
		return DNS_E_BAD_RDATA_LENGTH;
	dns_wire_init(w, buf, end);
	w->pos = rr->rdata_off;
	return DNS_E_OK;
}

/* A name or field running past the RDATA means its length is wrong. */
static int rdata_err(const struct dns_wire *w)
{
	if (w->err == DNS_E_TRUNCATED)
		return DNS_E_BAD_RDATA_LENGTH;
	if (w->err)
		return w->err;
	return w->pos == w->len ? DNS_E_OK : DNS_E_BAD_RDATA_LENGTH;
}

/*
 * Walks the RDATA of a record of known layout: checks it and, if out is
 * given, writes it there with the names decompressed (cap bytes).
 */
static int rdata_walk(const uint8_t *buf, size_t msglen,
		      const struct dns_rr *rr, const struct layout *l,
		      uint8_t *out, size_t cap, size_t *outlen)
{
	struct dns_wire w;
	size_t o = 0;
	int e = rdata_cursor(buf, msglen, rr, &w);

	if (e)
		return e;
	for (size_t i = 0; i < sizeof(l->f) && l->f[i] != F_END; i++) {
		if (l->f[i] == F_NAME) {
			uint8_t name[DNS_NAME_MAX];
			size_t n = dns_name_read(&w, name);
			if (!n)
				break;
			if (out) {
				if (cap - o < n)
					return DNS_E_NO_SPACE;
				memcpy(out + o, name, n);
			}
			o += n;
		} else {
			size_t n = l->f[i];
			if (!dns_wire_need(&w, n))
				break;
			if (out) {
				if (cap - o < n)
					return DNS_E_NO_SPACE;
				memcpy(out + o, buf + w.pos, n);
			}
			w.pos += n;
			o += n;
		}
	}
	if (outlen)
		*outlen = o;
	return rdata_err(&w);
}

/* ---- parsing ----------------------------------------------------------- */

/* RFC 6891 §6.1.2-§6.1.3: the OPT's fields; its options must tile the
 * RDATA exactly (code, length, data). */
static int parse_opt(struct dns_msg *m, const struct dns_rr *rr)
{
	struct dns_wire w;
	int e = rdata_cursor(m->buf, m->len, rr, &w);

	if (e)
		return e;
	while (dns_wire_left(&w)) {
		dns_wire_u16(&w);
		dns_wire_skip(&w, dns_wire_u16(&w));
	}
	if (w.err)
		return DNS_E_BAD_OPT;
	m->has_opt = true;
	m->opt.udp_size = rr->rclass;
	m->opt.ext_rcode = (uint8_t)(rr->ttl >> 24);
	m->opt.version = (uint8_t)(rr->ttl >> 16);
	m->opt.flags = (uint16_t)rr->ttl;
	m->opt.opts_off = rr->rdata_off;
	m->opt.opts_len = rr->rdlen;
	return DNS_E_OK;
}

static int parse_rr(struct dns_msg *m, struct dns_wire *w, int sec)
{
	struct dns_rr rr;

	/* a count not matched by a record, rather than a cut record */
	if (!dns_wire_left(w))
		return DNS_E_COUNT_MISMATCH;
	rr.name_off = (uint16_t)w->pos;
	size_t nl = dns_name_read(w, NULL);
	rr.type = dns_wire_u16(w);
	rr.rclass = dns_wire_u16(w);
	rr.ttl = dns_wire_u32(w);
	rr.rdlen = dns_wire_u16(w);
	if (w->err)
		return w->err;
	if (rr.rdlen > dns_wire_left(w))
		return DNS_E_BAD_RDATA_LENGTH;
	rr.rdata_off = (uint16_t)w->pos;
	w->pos += rr.rdlen;

	if (rr.type == DNS_T_OPT) {
		/* RFC 6891 §6.1.1: one OPT, in the additional section, at
		 * the root */
		if (sec != DNS_SEC_AR || nl != 1)
			return DNS_E_BAD_OPT;
		if (m->has_opt)
			return DNS_E_MULTIPLE_OPT;
		return parse_opt(m, &rr);
	}
	const struct layout *l = layout_of(rr.type, rr.rclass, rr.rdlen);
	if (l) {
		int e = rdata_walk(m->buf, m->len, &rr, l, NULL, 0, NULL);
		if (e)
			return e;
	}
	if (m->nrr[sec] >= DNS_RR_MAX)
		return DNS_E_TOO_MANY_RECORDS;
	m->rr[sec][m->nrr[sec]++] = rr;
	return DNS_E_OK;
}

int dns_parse(struct dns_msg *m, const uint8_t *buf, size_t len)
{
	struct dns_wire w;

	m->buf = buf;
	m->len = 0;
	m->has_opt = false;
	memset(&m->opt, 0, sizeof(m->opt));
	for (int s = 0; s < DNS_SEC_MAX; s++)
		m->nrr[s] = 0;
	if (len > DNS_MSG_MAX)
		return DNS_E_MESSAGE_TOO_LONG;
	m->len = (uint16_t)len;
	dns_wire_init(&w, buf, len);
	m->id = dns_wire_u16(&w);
	m->flags = dns_wire_u16(&w);
	for (int i = 0; i < 4; i++)
		m->count[i] = dns_wire_u16(&w);
	if (w.err)
		return w.err;

	/* RFC 1035 §4.1.2: one question, in queries and in the answers */
	if (m->count[0] == 0)
		return DNS_E_NO_QUESTION;
	if (m->count[0] > 1)
		return DNS_E_MULTIPLE_QUESTIONS;
	/* Cheap bound before any work: a record takes at least 11 bytes. */
	size_t nrec = (size_t)m->count[1] + m->count[2] + m->count[3];
	if (11 * nrec > len - DNS_HDR_LEN)
		return DNS_E_COUNT_MISMATCH;
	if (m->count[1] > DNS_RR_MAX || m->count[2] > DNS_RR_MAX ||
	    m->count[3] > DNS_RR_MAX + 1)
		return DNS_E_TOO_MANY_RECORDS;

	m->qname_off = (uint16_t)w.pos;
	m->qname_len = (uint16_t)dns_name_read(&w, m->qname);
	m->qtype = dns_wire_u16(&w);
	m->qclass = dns_wire_u16(&w);
	if (w.err)
		return w.err;

	for (int s = 0; s < DNS_SEC_MAX; s++)
		for (unsigned i = 0; i < m->count[s + 1]; i++) {
			int e = parse_rr(m, &w, s);
			if (e)
				return e;
		}
	if (w.pos != len)
		return DNS_E_TRAILING_BYTES;
	return DNS_E_OK;
}

uint16_t dns_msg_rcode(const struct dns_msg *m)
{
	uint16_t rc = DNS_RCODE(m->flags);

	/* RFC 6891 §6.1.3: the OPT holds the upper 8 of 12 bits */
	if (m->has_opt)
		rc |= (uint16_t)(m->opt.ext_rcode << 4);
	return rc;
}

/* ---- record helpers ---------------------------------------------------- */

size_t dns_rr_owner(const struct dns_msg *m, const struct dns_rr *rr,
		    uint8_t out[DNS_NAME_MAX])
{
	struct dns_wire w;

	dns_wire_init(&w, m->buf, m->len);
	w.pos = rr->name_off;
	return dns_name_read(&w, out);
}

static int rr_fixed(const struct dns_msg *m, const struct dns_rr *rr,
		    uint16_t type, uint8_t *out, size_t n)
{
	if (rr->type != type || rr->rclass != DNS_C_IN)
		return DNS_E_BAD_TYPE;
	if (rr->rdlen != n || (size_t)rr->rdata_off + n > m->len)
		return DNS_E_BAD_RDATA_LENGTH;
	memcpy(out, m->buf + rr->rdata_off, n);
	return DNS_E_OK;
}

int dns_rr_a(const struct dns_msg *m, const struct dns_rr *rr, uint8_t out[4])
{
	return rr_fixed(m, rr, DNS_T_A, out, 4);
}

int dns_rr_aaaa(const struct dns_msg *m, const struct dns_rr *rr,
		uint8_t out[16])
{
	return rr_fixed(m, rr, DNS_T_AAAA, out, 16);
}

int dns_rr_target(const struct dns_msg *m, const struct dns_rr *rr,
		  uint8_t out[DNS_NAME_MAX])
{
	struct dns_wire w;
	int e;

	switch (rr->type) {
	case DNS_T_CNAME:
	case DNS_T_DNAME:
	case DNS_T_NS:
	case DNS_T_PTR: break;
	default: return DNS_E_BAD_TYPE;
	}
	e = rdata_cursor(m->buf, m->len, rr, &w);
	if (e)
		return e;
	dns_name_read(&w, out);
	return rdata_err(&w);
}

int dns_rr_soa_minimum(const struct dns_msg *m, const struct dns_rr *rr,
		       uint32_t *minimum)
{
	struct dns_wire w;
	int e;

	if (rr->type != DNS_T_SOA)
		return DNS_E_BAD_TYPE;
	e = rdata_cursor(m->buf, m->len, rr, &w);
	if (e)
		return e;
	dns_name_read(&w, NULL); /* MNAME */
	dns_name_read(&w, NULL); /* RNAME */
	dns_wire_skip(&w, 16);	 /* SERIAL REFRESH RETRY EXPIRE */
	*minimum = dns_wire_u32(&w);
	return rdata_err(&w);
}

size_t dns_rr_rdata_expand(const struct dns_msg *m, const struct dns_rr *rr,
			   uint8_t *out, size_t cap, int *err)
{
	const struct layout *l = layout_of(rr->type, rr->rclass, rr->rdlen);
	size_t n = 0;

	if (!l) {
		if ((size_t)rr->rdata_off + rr->rdlen > m->len) {
			*err = DNS_E_BAD_RDATA_LENGTH;
			return 0;
		}
		if (rr->rdlen > cap) {
			*err = DNS_E_NO_SPACE;
			return 0;
		}
		memcpy(out, m->buf + rr->rdata_off, rr->rdlen);
		*err = DNS_E_OK;
		return rr->rdlen;
	}
	*err = rdata_walk(m->buf, m->len, rr, l, out, cap, &n);
	return *err ? 0 : n;
}

/* ---- building ---------------------------------------------------------- */

enum { ST_INIT, ST_HEADER, ST_QUESTION, ST_SEC0, ST_DONE = ST_SEC0 + 3 };

struct build_mark {
	size_t pos;
	uint16_t ncomp;
};

static struct build_mark mark(const struct dns_builder *b)
{
	return (struct build_mark){b->pos, b->ncomp};
}

/* The record did not fit: forget it, say so, stay usable. */
static int no_space(struct dns_builder *b, struct build_mark mk)
{
	b->pos = mk.pos;
	b->ncomp = mk.ncomp;
	b->full = true;
	return DNS_E_NO_SPACE;
}

static int sticky(struct dns_builder *b, int e)
{
	if (!b->err)
		b->err = e;
	return e;
}

static bool put(struct dns_builder *b, const void *p, size_t n)
{
	if (n == 0)
		return true;
	if (b->limit - b->pos < n)
		return false;
	memcpy(b->buf + b->pos, p, n);
	b->pos += n;
	return true;
}

static bool put16(struct dns_builder *b, uint16_t v)
{
	uint8_t x[2] = {(uint8_t)(v >> 8), (uint8_t)v};
	return put(b, x, 2);
}

static bool put32(struct dns_builder *b, uint32_t v)
{
	uint8_t x[4] = {(uint8_t)(v >> 24), (uint8_t)(v >> 16),
			(uint8_t)(v >> 8), (uint8_t)v};
	return put(b, x, 4);
}

static void poke16(struct dns_builder *b, size_t at, uint16_t v)
{
	b->buf[at] = (uint8_t)(v >> 8);
	b->buf[at + 1] = (uint8_t)v;
}

/* Is the name written at off (ours, so valid) byte-equal to s?  Exact
 * bytes, not case-folded: every name keeps its case (0x20). */
static bool comp_match(const struct dns_builder *b, size_t off,
		       const uint8_t *s)
{
	size_t i = 0;
	unsigned hops = 0;

	for (;;) {
		uint8_t c = b->buf[off];
		if ((c & 0xc0) == 0xc0) {
			if (++hops > DNS_PTR_HOPS)
				return false;
			off = (size_t)(c & 0x3f) << 8 | b->buf[off + 1];
			continue;
		}
		if (c != s[i])
			return false;
		if (c == 0)
			return true;
		if (memcmp(b->buf + off + 1, s + i + 1, c))
			return false;
		off += 1 + (size_t)c;
		i += 1 + (size_t)c;
	}
}

static int comp_find(const struct dns_builder *b, const uint8_t *s, size_t slen)
{
	for (unsigned i = 0; i < b->ncomp; i++)
		if (b->comp[i].len == slen && comp_match(b, b->comp[i].off, s))
			return b->comp[i].off;
	return -1;
}

/* Writes a valid name of length len, ending in a pointer to the longest
 * suffix already written when compress is set (RFC 1035 §4.1.4). */
static bool put_name(struct dns_builder *b, const uint8_t *name, size_t len,
		     bool compress)
{
	size_t off = 0;

	while (name[off]) {
		if (compress) {
			int p = comp_find(b, name + off, len - off);
			if (p >= 0)
				return put16(b, (uint16_t)(0xc000 | p));
			if (b->pos < 0x4000 && b->ncomp < DNS_COMP_MAX)
				b->comp[b->ncomp++] = (struct dns_comp_ent){
				    (uint16_t)b->pos, (uint8_t)(len - off)};
		}
		if (!put(b, name + off, 1 + (size_t)name[off]))
			return false;
		off += 1 + (size_t)name[off];
	}
	return put(b, "", 1);
}

void dns_build_init(struct dns_builder *b, uint8_t *buf, size_t cap,
		    size_t limit)
{
	b->buf = buf;
	b->limit = limit < cap ? limit : cap;
	if (b->limit > DNS_MSG_MAX)
		b->limit = DNS_MSG_MAX;
	b->pos = 0;
	b->flags = 0;
	memset(b->count, 0, sizeof(b->count));
	b->section = ST_INIT;
	b->err = DNS_E_OK;
	b->full = false;
	b->has_opt = false;
	memset(&b->opt, 0, sizeof(b->opt));
	b->opts = NULL;
	b->ncomp = 0;
}

int dns_build_header(struct dns_builder *b, uint16_t id, uint16_t flags)
{
	static const uint8_t zero[8];

	if (b->err)
		return b->err;
	if (b->section != ST_INIT)
		return sticky(b, DNS_E_BAD_ORDER);
	if (!put16(b, id) || !put16(b, flags) || !put(b, zero, 8))
		return sticky(b, DNS_E_NO_SPACE);
	b->flags = flags;
	b->section = ST_HEADER;
	return DNS_E_OK;
}

void dns_build_set_flags(struct dns_builder *b, uint16_t flags)
{
	b->flags = flags;
	if (b->pos >= DNS_HDR_LEN)
		poke16(b, 2, flags);
}

int dns_build_question(struct dns_builder *b, const uint8_t *qname,
		       uint16_t qtype, uint16_t qclass)
{
	struct build_mark mk = mark(b);
	size_t l = dns_name_len(qname, DNS_NAME_MAX);

	if (b->err)
		return b->err;
	if (b->section != ST_HEADER)
		return sticky(b, DNS_E_BAD_ORDER);
	if (!l)
		return sticky(b, DNS_E_BAD_NAME);
	if (!put_name(b, qname, l, true) || !put16(b, qtype) ||
	    !put16(b, qclass))
		return no_space(b, mk);
	b->count[0] = 1;
	b->section = ST_QUESTION;
	return DNS_E_OK;
}

int dns_build_opt(struct dns_builder *b, const struct dns_opt *opt,
		  const uint8_t *opts)
{
	size_t need = 11 + (size_t)(opts ? opt->opts_len : 0);

	if (b->err)
		return b->err;
	if (b->section == ST_INIT || b->section == ST_DONE || b->has_opt)
		return sticky(b, DNS_E_BAD_ORDER);
	if (b->limit - b->pos < need) {
		b->full = true;
		return DNS_E_NO_SPACE;
	}
	b->limit -= need;
	b->has_opt = true;
	b->opt = *opt;
	if (!opts)
		b->opt.opts_len = 0;
	b->opts = opts;
	return DNS_E_OK;
}

/* Checks order and owner, writes owner, type, class, TTL; *rdlen_at gets
 * where RDLENGTH goes. */
static int rr_start(struct dns_builder *b, int section, const uint8_t *owner,
		    uint16_t type, uint16_t rclass, uint32_t ttl,
		    size_t *rdlen_at)
{
	size_t l = dns_name_len(owner, DNS_NAME_MAX);

	if (b->err)
		return b->err;
	if (section < 0 || section >= DNS_SEC_MAX || b->section == ST_INIT ||
	    b->section > ST_SEC0 + section)
		return sticky(b, DNS_E_BAD_ORDER);
	if (!l)
		return sticky(b, DNS_E_BAD_NAME);
	if (b->count[1 + section] == UINT16_MAX)
		return sticky(b, DNS_E_TOO_MANY_RECORDS);
	/* dns_parse refuses more than DNS_RR_MAX records a section: never
	 * build what the server cannot parse back to cache and fit it (a
	 * record past it is one that does not fit: the caller sets TC) */
	if (b->count[1 + section] >= DNS_RR_MAX)
		return DNS_E_NO_SPACE;
	b->section = ST_SEC0 + section;
	if (!put_name(b, owner, l, true) || !put16(b, type) ||
	    !put16(b, rclass) || !put32(b, ttl))
		return DNS_E_NO_SPACE;
	*rdlen_at = b->pos;
	if (!put16(b, 0))
		return DNS_E_NO_SPACE;
	return DNS_E_OK;
}

static void rr_end(struct dns_builder *b, int section, size_t rdlen_at)
{
	poke16(b, rdlen_at, (uint16_t)(b->pos - rdlen_at - 2));
	b->count[1 + section]++;
}

int dns_build_rr(struct dns_builder *b, int section, const uint8_t *owner,
		 uint16_t type, uint16_t rclass, uint32_t ttl,
		 const uint8_t *rdata, uint16_t rdlen)
{
	struct build_mark mk = mark(b);
	size_t at;
	int e = rr_start(b, section, owner, type, rclass, ttl, &at);

	if (e == DNS_E_NO_SPACE || (!e && !put(b, rdata, rdlen)))
		return no_space(b, mk);
	if (e)
		return e;
	rr_end(b, section, at);
	return DNS_E_OK;
}

int dns_build_rr_name(struct dns_builder *b, int section, const uint8_t *owner,
		      uint16_t type, uint16_t rclass, uint32_t ttl,
		      const uint8_t *target)
{
	struct build_mark mk = mark(b);
	const struct layout *l = layout_of(type, rclass, 1);
	size_t tl = dns_name_len(target, DNS_NAME_MAX);
	size_t at;
	int e;

	if (!tl)
		return sticky(b, DNS_E_BAD_NAME);
	e = rr_start(b, section, owner, type, rclass, ttl, &at);
	if (e == DNS_E_NO_SPACE ||
	    (!e && !put_name(b, target, tl, l && l->compress)))
		return no_space(b, mk);
	if (e)
		return e;
	rr_end(b, section, at);
	return DNS_E_OK;
}

/* The RDATA of rr (known layout l) with its names rewritten into b. */
static int copy_rdata(struct dns_builder *b, const struct dns_msg *m,
		      const struct dns_rr *rr, const struct layout *l)
{
	struct dns_wire w;
	int e = rdata_cursor(m->buf, m->len, rr, &w);

	if (e)
		return e;
	for (size_t i = 0; i < sizeof(l->f) && l->f[i] != F_END; i++) {
		if (l->f[i] == F_NAME) {
			uint8_t name[DNS_NAME_MAX];
			size_t n = dns_name_read(&w, name);
			if (!n)
				return rdata_err(&w);
			if (!put_name(b, name, n, l->compress))
				return DNS_E_NO_SPACE;
		} else {
			if (!dns_wire_need(&w, l->f[i]))
				return rdata_err(&w);
			if (!put(b, m->buf + w.pos, l->f[i]))
				return DNS_E_NO_SPACE;
			w.pos += l->f[i];
		}
	}
	return rdata_err(&w);
}

int dns_build_copy(struct dns_builder *b, int section, const struct dns_msg *m,
		   const struct dns_rr *rr, uint32_t ttl)
{
	struct build_mark mk = mark(b);
	uint8_t owner[DNS_NAME_MAX];
	const struct layout *l = layout_of(rr->type, rr->rclass, rr->rdlen);
	size_t at;
	int e;

	if (b->err)
		return b->err;
	if (!dns_rr_owner(m, rr, owner))
		return sticky(b, DNS_E_BAD_NAME);
	if ((size_t)rr->rdata_off + rr->rdlen > m->len)
		return sticky(b, DNS_E_BAD_RDATA_LENGTH);
	e = rr_start(b, section, owner, rr->type, rr->rclass, ttl, &at);
	if (!e) {
		if (l)
			e = copy_rdata(b, m, rr, l);
		else if (!put(b, m->buf + rr->rdata_off, rr->rdlen))
			e = DNS_E_NO_SPACE;
	}
	if (e == DNS_E_NO_SPACE)
		return no_space(b, mk);
	if (e) {
		b->pos = mk.pos;
		b->ncomp = mk.ncomp;
		return sticky(b, e);
	}
	rr_end(b, section, at);
	return DNS_E_OK;
}

int dns_build_finish(struct dns_builder *b, size_t *len)
{
	if (b->err)
		return b->err;
	if (b->section == ST_INIT || b->section == ST_DONE)
		return sticky(b, DNS_E_BAD_ORDER);
	if (b->has_opt) {
		/* RFC 6891 §6.1.2-§6.1.3: root owner, CLASS = payload size,
		 * TTL = extended RCODE, version, flags */
		b->limit += 11 + (size_t)b->opt.opts_len;
		uint32_t ttl = (uint32_t)b->opt.ext_rcode << 24 |
			       (uint32_t)b->opt.version << 16 | b->opt.flags;
		if (!put(b, "", 1) || !put16(b, DNS_T_OPT) ||
		    !put16(b, b->opt.udp_size) || !put32(b, ttl) ||
		    !put16(b, b->opt.opts_len) ||
		    !put(b, b->opts, b->opt.opts_len))
			return sticky(b, DNS_E_NO_SPACE);
		b->count[3]++;
	}
	for (int i = 0; i < 4; i++)
		poke16(b, 4 + 2 * (size_t)i, b->count[i]);
	b->section = ST_DONE;
	*len = b->pos;
	return DNS_E_OK;
}
