/*
 * wire.h - the DNS message codec of dns64/: parse and build messages
 * (RFC 1035 §4, EDNS(0) RFC 6891) arriving from untrusted clients and
 * upstream servers.
 *
 * Contract:
 *  - No allocation, no recursion, no global state: every function works on
 *    buffers and structs the caller owns.  Any thread may call any function
 *    on objects it owns.
 *  - Parsing: dns_parse() validates a whole message once (header, exactly
 *    one question, every record, the OPT record, the RDATA of the types it
 *    knows) and records where each record lies in the caller's buffer; the
 *    buffer must outlive the struct dns_msg.  A message dns_parse() accepts
 *    can be walked with the helpers below without further surprises: they
 *    re-check anyway and never read outside the message.
 *  - Names are handled in uncompressed wire form (length-prefixed labels
 *    ending in the root label, at most DNS_NAME_MAX bytes), keeping the
 *    case they arrived in (DNS 0x20 randomisation needs the echo exact);
 *    dns_name_equal() and dns_name_lower() compare and fold case.
 *  - Building: struct dns_builder writes into the caller's buffer, never
 *    beyond a size limit (the client's UDP payload size, 512, or 65535 over
 *    TCP).  A record that does not fit is not written and is reported as
 *    DNS_E_NO_SPACE; the builder stays usable so the caller decides: set
 *    TC (RFC 1035 §4.1.1, RFC 6147 §5.1.8) or drop additional data.
 *    A section never gets more than DNS_RR_MAX records (what dns_parse
 *    accepts): one more is NO_SPACE too.
 *  - Outcomes are enum dns_err: 0 (DNS_E_OK) or one of DNS_ERR_LIST.
 */
#ifndef GATE64_DNS64_WIRE_H
#define GATE64_DNS64_WIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* X(enum suffix, counter name, explanation) */
#define DNS_ERR_LIST(X)                                                        \
	X(OK, "ok", "message parsed or built")                                 \
	X(TRUNCATED, "truncated",                                              \
	  "message ends inside its header, a name or a record (RFC 1035 "      \
	  "§4.1)")                                                             \
	X(BAD_LABEL, "bad-label",                                              \
	  "label type 0x40 or 0x80 (RFC 6891 §5), or a malformed label")       \
	X(POINTER_LOOP, "pointer-loop",                                        \
	  "more compression pointers in one name than any real name needs")    \
	X(FORWARD_POINTER, "forward-pointer",                                  \
	  "compression pointer to itself, forward or into its own name (RFC "  \
	  "1035 §4.1.4: to a prior occurrence)")                               \
	X(NAME_TOO_LONG, "name-too-long",                                      \
	  "name longer than 255 bytes (RFC 1035 §2.3.4)")                      \
	X(COUNT_MISMATCH, "count-mismatch",                                    \
	  "header counts claim more records than the message holds")           \
	X(TRAILING_BYTES, "trailing-bytes",                                    \
	  "bytes after the last record the header counts")                     \
	X(BAD_OPT, "bad-opt",                                                  \
	  "OPT record not at the root, outside the additional section or "     \
	  "with malformed options (RFC 6891 §6.1)")                            \
	X(MULTIPLE_OPT, "multiple-opt",                                        \
	  "more than one OPT record (RFC 6891 §6.1.1): FORMERR")               \
	X(BAD_RDATA_LENGTH, "bad-rdata-length",                                \
	  "RDATA length past the message or wrong for its type (A is 4, AAAA " \
	  "16, names must fill it)")                                           \
	X(TOO_MANY_RECORDS, "too-many-records",                                \
	  "more records in one section than the codec accepts "                \
	  "(DNS_RR_MAX)")                                                      \
	X(NO_QUESTION, "no-question", "QDCOUNT is 0: no question to answer")   \
	X(MULTIPLE_QUESTIONS, "multiple-questions",                            \
	  "QDCOUNT above 1: not supported by any server in practice")          \
	X(MESSAGE_TOO_LONG, "message-too-long",                                \
	  "message longer than 65535 bytes")                                   \
	X(BAD_TYPE, "bad-type",                                                \
	  "RDATA helper applied to a record of another type or class")         \
	X(BAD_NAME, "bad-name", "name given to the builder is malformed")      \
	X(NO_SPACE, "no-space",                                                \
	  "record does not fit within the size limit: truncate (TC)")          \
	X(BAD_ORDER, "bad-order",                                              \
	  "builder calls out of order (header, question, answer, authority, "  \
	  "additional)")

enum dns_err {
#define DNS_ERR_ENUM(e, n, x) DNS_E_##e,
	DNS_ERR_LIST(DNS_ERR_ENUM)
#undef DNS_ERR_ENUM
	    DNS_E_MAX
};

const char *dns_err_name(int e);
const char *dns_err_explain(int e);

/* Limits (RFC 1035 §2.3.4 for names; DNS_RR_MAX is the codec's own). */
#define DNS_NAME_MAX  255 /* uncompressed wire form, root label included */
#define DNS_LABEL_MAX 63
#define DNS_RR_MAX    256 /* records per section, OPT not counted */
#define DNS_PTR_HOPS \
	128 /* pointers followed per name: a name has <= 127 labels */
#define DNS_COMP_MAX 128 /* name suffixes the builder remembers */
#define DNS_HDR_LEN  12
#define DNS_MSG_MAX  65535
#define DNS_UDP_MIN  512 /* RFC 1035 §4.2.1 */

/* Header flags (RFC 1035 §4.1.1, RFC 4035 §3.2 for AD/CD). */
#define DNS_F_QR	  0x8000
#define DNS_F_AA	  0x0400
#define DNS_F_TC	  0x0200
#define DNS_F_RD	  0x0100
#define DNS_F_RA	  0x0080
#define DNS_F_AD	  0x0020
#define DNS_F_CD	  0x0010
#define DNS_OPCODE(flags) (((flags) >> 11) & 0xf)
#define DNS_RCODE(flags)  ((flags)&0xf)
#define DNS_EDNS_DO	  0x8000 /* in struct dns_opt.flags */

enum dns_type {
	DNS_T_A = 1,
	DNS_T_NS = 2,
	DNS_T_MD = 3,
	DNS_T_MF = 4,
	DNS_T_CNAME = 5,
	DNS_T_SOA = 6,
	DNS_T_MB = 7,
	DNS_T_MG = 8,
	DNS_T_MR = 9,
	DNS_T_PTR = 12,
	DNS_T_MINFO = 14,
	DNS_T_MX = 15,
	DNS_T_TXT = 16,
	DNS_T_RP = 17,
	DNS_T_AFSDB = 18,
	DNS_T_RT = 21,
	DNS_T_PX = 26,
	DNS_T_AAAA = 28,
	DNS_T_SRV = 33,
	DNS_T_DNAME = 39,
	DNS_T_OPT = 41,
	DNS_T_DS = 43,
	DNS_T_RRSIG = 46,
	DNS_T_NSEC = 47,
	DNS_T_DNSKEY = 48,
	DNS_T_ANY = 255,
};

enum dns_class {
	DNS_C_IN = 1,
	DNS_C_CH = 3,
	DNS_C_NONE = 254,
	DNS_C_ANY = 255,
};

enum dns_rcode {
	DNS_RC_NOERROR = 0,
	DNS_RC_FORMERR = 1,
	DNS_RC_SERVFAIL = 2,
	DNS_RC_NXDOMAIN = 3,
	DNS_RC_NOTIMP = 4,
	DNS_RC_REFUSED = 5,
	DNS_RC_BADVERS = 16, /* RFC 6891 §9: needs the OPT extended RCODE */
};

enum dns_section {
	DNS_SEC_AN = 0, /* answer */
	DNS_SEC_NS = 1, /* authority */
	DNS_SEC_AR = 2, /* additional */
	DNS_SEC_MAX
};

/*
 * The read cursor (Knot's wire_ctx): reads past the end set a sticky error
 * and return 0, so a parser reads straight through and checks err once.
 * buf is the message start (compression pointers are offsets from it);
 * len may stop short of the message end to fence a record's RDATA.
 */
struct dns_wire {
	const uint8_t *buf;
	size_t len;
	size_t pos;
	int err; /* enum dns_err, sticky */
};

static inline void dns_wire_init(struct dns_wire *w, const uint8_t *buf,
				 size_t len)
{
	w->buf = buf;
	w->len = len;
	w->pos = 0;
	w->err = DNS_E_OK;
}

static inline size_t dns_wire_left(const struct dns_wire *w)
{
	return w->err || w->pos > w->len ? 0 : w->len - w->pos;
}

/* 1 if n more bytes can be read; otherwise sets TRUNCATED, returns 0. */
static inline int dns_wire_need(struct dns_wire *w, size_t n)
{
	if (w->err)
		return 0;
	if (dns_wire_left(w) < n) {
		w->err = DNS_E_TRUNCATED;
		return 0;
	}
	return 1;
}

static inline uint8_t dns_wire_u8(struct dns_wire *w)
{
	if (!dns_wire_need(w, 1))
		return 0;
	return w->buf[w->pos++];
}

static inline uint16_t dns_wire_u16(struct dns_wire *w)
{
	if (!dns_wire_need(w, 2))
		return 0;
	uint16_t v = (uint16_t)(w->buf[w->pos] << 8 | w->buf[w->pos + 1]);
	w->pos += 2;
	return v;
}

static inline uint32_t dns_wire_u32(struct dns_wire *w)
{
	if (!dns_wire_need(w, 4))
		return 0;
	const uint8_t *p = w->buf + w->pos;
	w->pos += 4;
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

/* Copies n bytes to dst, or zero-fills dst on error. */
static inline void dns_wire_bytes(struct dns_wire *w, uint8_t *dst, size_t n)
{
	if (!dns_wire_need(w, n)) {
		for (size_t i = 0; i < n; i++)
			dst[i] = 0;
		return;
	}
	for (size_t i = 0; i < n; i++)
		dst[i] = w->buf[w->pos + i];
	w->pos += n;
}

static inline void dns_wire_skip(struct dns_wire *w, size_t n)
{
	if (dns_wire_need(w, n))
		w->pos += n;
}

/*
 * Reads the (possibly compressed) name at w->pos into out (uncompressed
 * wire form, DNS_NAME_MAX bytes; NULL only validates) and moves w->pos past
 * the bytes the name occupies in place (up to and including its first
 * pointer).  RFC 1035 §4.1.4: a pointer must point before the start of the
 * labels that lead to it, so every hop goes strictly backwards and the
 * walk ends; hops are bounded by DNS_PTR_HOPS too.  Labels are 1..63
 * bytes; types 0x40 and 0x80 are rejected.  Returns the uncompressed
 * length (1..255), or 0 with w->err set.
 */
size_t dns_name_read(struct dns_wire *w, uint8_t *out);

/* Length of a valid uncompressed name, or 0 if it is malformed (bounded by
 * max bytes, and by DNS_NAME_MAX). */
size_t dns_name_len(const uint8_t *name, size_t max);
/* ASCII case-insensitive equality of two valid uncompressed names. */
bool dns_name_equal(const uint8_t *a, const uint8_t *b);
/* Copies a valid name to out, ASCII letters lowercased; returns its length. */
size_t dns_name_lower(const uint8_t *name, uint8_t *out);
/* "www.example.com" or "www.example.com." or "." to wire form (no escapes).
 * Returns the length, or 0 if a label is empty or too long or the name too
 * long. */
size_t dns_name_from_str(const char *s, uint8_t out[DNS_NAME_MAX]);
/* Presentation form ("www.example.com."), non-printable bytes and '.' '\\'
 * inside labels as \DDD; cap must be at least 2.  Returns 0 or -1 if the
 * text does not fit (out then holds a truncated string). */
int dns_name_to_str(const uint8_t *name, char *out, size_t cap);

/* One resource record of a parsed message: offsets into dns_msg.buf. */
struct dns_rr {
	uint16_t name_off; /* owner name, possibly compressed */
	uint16_t type;
	uint16_t rclass;
	uint16_t rdata_off;
	uint16_t rdlen;
	uint32_t ttl;
};

/* The EDNS(0) OPT pseudo-record (RFC 6891 §6.1.2-§6.1.3). */
struct dns_opt {
	uint16_t udp_size; /* the CLASS field: requestor's payload size */
	uint8_t ext_rcode; /* upper 8 bits of the 12-bit RCODE */
	uint8_t version;
	uint16_t flags;	   /* DO (DNS_EDNS_DO) and the Z bits */
	uint16_t opts_off; /* options, unparsed, as a range of the message */
	uint16_t opts_len;
};

struct dns_msg {
	const uint8_t *buf; /* the caller's message; must outlive this */
	uint16_t len;
	uint16_t id;
	uint16_t flags;
	uint16_t count[4]; /* header QD/AN/NS/AR counts as received */
	uint8_t qname[DNS_NAME_MAX];
	uint16_t qname_len;
	uint16_t qname_off;
	uint16_t qtype;
	uint16_t qclass;
	uint16_t nrr[DNS_SEC_MAX]; /* records kept (the OPT is not in AR) */
	struct dns_rr rr[DNS_SEC_MAX][DNS_RR_MAX];
	bool has_opt;
	struct dns_opt opt;
};

/*
 * Parses and validates a whole message (buf, len; DNS over TCP: without its
 * length prefix).  Returns DNS_E_OK or the first problem found; m is only
 * meaningful on DNS_E_OK.  RFC 1035 §4.1.2: QDCOUNT must be 1 (queries and
 * the answers gate64 accepts); every count must be matched by records and
 * nothing may follow them.  RFC 6891 §6.1.1: at most one OPT, in the
 * additional section, owned by the root.  RDATA checked: A and AAAA of
 * class IN (4 and 16 bytes), and the names inside NS, CNAME, SOA, PTR, MX,
 * DNAME, SRV and the other RFC 3597 §4 types (they must fill the RDATA).
 */
int dns_parse(struct dns_msg *m, const uint8_t *buf, size_t len);

/* The 12-bit RCODE: header RCODE plus the OPT's extended bits. */
uint16_t dns_msg_rcode(const struct dns_msg *m);

/* The owner name of rr, uncompressed; returns its length or 0. */
size_t dns_rr_owner(const struct dns_msg *m, const struct dns_rr *rr,
		    uint8_t out[DNS_NAME_MAX]);
/* A (class IN): 4 bytes of address, network order. */
int dns_rr_a(const struct dns_msg *m, const struct dns_rr *rr, uint8_t out[4]);
/* AAAA (class IN): 16 bytes of address. */
int dns_rr_aaaa(const struct dns_msg *m, const struct dns_rr *rr,
		uint8_t out[16]);
/* The one name of a CNAME, DNAME, NS or PTR record, decompressed relative
 * to the message. */
int dns_rr_target(const struct dns_msg *m, const struct dns_rr *rr,
		  uint8_t out[DNS_NAME_MAX]);
/* The MINIMUM field of a SOA (the negative-caching TTL, RFC 2308 §4),
 * read after MNAME and RNAME. */
int dns_rr_soa_minimum(const struct dns_msg *m, const struct dns_rr *rr,
		       uint32_t *minimum);
/* The RDATA with every embedded name decompressed (what the record means
 * outside this message: a cache may keep it); returns the length written to
 * out (cap bytes; rdlen + 2 * DNS_NAME_MAX always suffices) or 0 on error
 * (an empty RDATA is returned as length 0 with *err DNS_E_OK). */
size_t dns_rr_rdata_expand(const struct dns_msg *m, const struct dns_rr *rr,
			   uint8_t *out, size_t cap, int *err);

/*
 * The builder.  Order of calls: dns_build_init, dns_build_header,
 * dns_build_question (optional), dns_build_opt (optional, any time before
 * finish: it reserves room so the OPT always fits), records in section
 * order, dns_build_finish.  A call that fails with anything but NO_SPACE
 * makes the error sticky (finish returns it).
 */
struct dns_comp_ent {
	uint16_t off; /* where a name suffix starts in buf */
	uint8_t len;  /* its uncompressed length */
};

struct dns_builder {
	uint8_t *buf;
	size_t limit; /* bytes the message may use, OPT reservation excluded */
	size_t pos;
	uint16_t flags;
	uint16_t count[4];
	int section; /* 0: nothing yet, 1: header, 2: question, 3+s: sec s */
	int err;     /* sticky */
	bool full;   /* some record did not fit */
	bool has_opt;
	struct dns_opt opt;
	const uint8_t *opts; /* caller's option bytes, until finish */
	uint16_t ncomp;
	struct dns_comp_ent comp[DNS_COMP_MAX];
};

/* buf holds cap bytes; the message will be at most min(cap, limit, 65535)
 * bytes (limit is the client's UDP payload size, at least 512, or 65535
 * for TCP). */
void dns_build_init(struct dns_builder *b, uint8_t *buf, size_t cap,
		    size_t limit);
/* Header with zero counts (finish writes them). */
int dns_build_header(struct dns_builder *b, uint16_t id, uint16_t flags);
/* Rewrites the header flags, e.g. to set TC or an RCODE after the fact. */
void dns_build_set_flags(struct dns_builder *b, uint16_t flags);
int dns_build_question(struct dns_builder *b, const uint8_t *qname,
		       uint16_t qtype, uint16_t qclass);
/* Reserves and later writes the OPT record (owner root, RFC 6891 §6.1.2);
 * opts/opts_len are the raw options, which must stay valid until finish.
 * NO_SPACE if even the OPT does not fit. */
int dns_build_opt(struct dns_builder *b, const struct dns_opt *opt,
		  const uint8_t *opts);
/* A record with raw RDATA (A, AAAA, TXT, ...; no compressed names in it).
 * The owner name is compressed against the names already written. */
int dns_build_rr(struct dns_builder *b, int section, const uint8_t *owner,
		 uint16_t type, uint16_t rclass, uint32_t ttl,
		 const uint8_t *rdata, uint16_t rdlen);
/* A record whose RDATA is one name (CNAME, NS, PTR compressed; DNAME not,
 * RFC 6672 §2.5 / RFC 3597 §4). */
int dns_build_rr_name(struct dns_builder *b, int section, const uint8_t *owner,
		      uint16_t type, uint16_t rclass, uint32_t ttl,
		      const uint8_t *target);
/* Copies record rr of the parsed message m, with a new TTL: names in its
 * RDATA are decompressed from m and written anew (compressed for the RFC
 * 1035 types only, RFC 3597 §4), other RDATA copied raw.  This is how a
 * response is built from an upstream one, AAAA records replaced or added
 * with dns_build_rr. */
int dns_build_copy(struct dns_builder *b, int section, const struct dns_msg *m,
		   const struct dns_rr *rr, uint32_t ttl);
/* Writes the OPT and the counts; *len gets the message length.  Returns
 * the sticky error, if any. */
int dns_build_finish(struct dns_builder *b, size_t *len);

#endif
