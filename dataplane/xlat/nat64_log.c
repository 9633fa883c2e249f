/*
 * nat64_log.c - the NAT64 mapping log (nat64_log.h): the per-worker SPSC
 * ring, the line format and its parser, and the "who held this IPv4
 * transport address at time T" lookup (RFC 6888 §4 REQ-12; event numbers
 * from RFC 8158's natEvent).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dataplane/xlat/nat64_log.h"
#include "dataplane/xlat/pool4.h"

_Static_assert(sizeof(struct nat64_log_event) == 64,
	       "a mapping-log event is one cache line");

/* ---- the ring: one producer (worker), one consumer (control) ---- */

int nat64_log_ring_init(struct nat64_log_ring *r, uint32_t capacity)
{
	/* Indexes run free over uint32_t; capacity must divide 2^32. */
	if (capacity < 2 || (capacity & (capacity - 1)) != 0 ||
	    capacity > (UINT32_C(1) << 31))
		return -EINVAL;
	r->ev = calloc(capacity, sizeof(*r->ev));
	if (!r->ev)
		return -ENOMEM;
	r->mask = capacity - 1;
	atomic_init(&r->head, 0);
	atomic_init(&r->tail, 0);
	atomic_init(&r->dropped, 0);
	return 0;
}

void nat64_log_ring_fini(struct nat64_log_ring *r)
{
	free(r->ev);
	r->ev = NULL;
	r->mask = 0;
}

int nat64_log_push(struct nat64_log_ring *r, const struct nat64_log_event *e)
{
	uint32_t head = atomic_load_explicit(&r->head, memory_order_relaxed);
	/* acquire: the consumer's reads of the slot are done before we
	 * overwrite it. */
	uint32_t tail = atomic_load_explicit(&r->tail, memory_order_acquire);

	if (head - tail > r->mask) {
		atomic_fetch_add_explicit(&r->dropped, 1, memory_order_relaxed);
		return -ENOSPC;
	}
	r->ev[head & r->mask] = *e;
	/* release: the event is visible before the new head. */
	atomic_store_explicit(&r->head, head + 1, memory_order_release);
	return 0;
}

unsigned nat64_log_pop(struct nat64_log_ring *r, struct nat64_log_event *out,
		       unsigned max)
{
	uint32_t tail = atomic_load_explicit(&r->tail, memory_order_relaxed);
	uint32_t head = atomic_load_explicit(&r->head, memory_order_acquire);
	uint32_t n = head - tail;

	if (n > max)
		n = max;
	for (uint32_t i = 0; i < n; i++)
		out[i] = r->ev[(tail + i) & r->mask];
	/* release: our copies are done before the producer may reuse. */
	atomic_store_explicit(&r->tail, tail + n, memory_order_release);
	return n;
}

/* ---- names ---- */

const char *nat64_event_name(uint8_t event)
{
	switch (event) {
#define NAT64_EVENT_CASE(e, v, n) \
	case v: return n;
		NAT64_EVENT_LIST(NAT64_EVENT_CASE)
#undef NAT64_EVENT_CASE
	}
	return NULL;
}

static int event_by_name(const char *s, uint8_t *event)
{
#define NAT64_EVENT_CMP(e, v, n) \
	if (strcmp(s, n) == 0) { \
		*event = v;      \
		return 0;        \
	}
	NAT64_EVENT_LIST(NAT64_EVENT_CMP)
#undef NAT64_EVENT_CMP
	return -1;
}

static const char *const proto_names[] = {
    [NAT64_TCP] = "tcp", [NAT64_UDP] = "udp", [NAT64_ICMP] = "icmp"};

/* ---- time: UTC, milliseconds, no leap seconds (like the epoch) ---- */

/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant). */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	unsigned yoe = (unsigned)(y - era * 400);
	unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

static unsigned days_in_month(unsigned y, unsigned m)
{
	static const unsigned char dm[12] = {31, 28, 31, 30, 31, 30,
					     31, 31, 30, 31, 30, 31};
	bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	return m == 2 && leap ? 29 : dm[m - 1];
}

int nat64_log_format_time(uint64_t t_ms, char *buf, size_t len)
{
	time_t s = (time_t)(t_ms / 1000);
	struct tm tm;

	if (t_ms / 1000 > (uint64_t)253402300799) /* 9999-12-31T23:59:59 */
		return -1;
	if (!gmtime_r(&s, &tm))
		return -1;
	int n =
	    snprintf(buf, len, "%04d-%02d-%02dT%02d:%02d:%02d.%03uZ",
		     tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
		     tm.tm_min, tm.tm_sec, (unsigned)(t_ms % 1000));
	if (n < 0 || (size_t)n >= len)
		return -1;
	return n;
}

/* n decimal digits at s; -1 if any is not a digit. */
static long digits(const char *s, unsigned n)
{
	long v = 0;
	for (unsigned i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

int nat64_log_parse_time(const char *s, size_t len, uint64_t *t_ms)
{
	/* YYYY-MM-DDTHH:MM:SS[.f{1,9}]Z (RFC 3339, UTC only) */
	if (len < 20 || s[4] != '-' || s[7] != '-' ||
	    (s[10] != 'T' && s[10] != 't') || s[13] != ':' || s[16] != ':')
		return -1;
	long y = digits(s, 4), mo = digits(s + 5, 2), d = digits(s + 8, 2);
	long h = digits(s + 11, 2), mi = digits(s + 14, 2);
	long sec = digits(s + 17, 2);
	if (y < 0 || mo < 1 || mo > 12 || d < 1 ||
	    d > (long)days_in_month((unsigned)y, (unsigned)mo) || h < 0 ||
	    h > 23 || mi < 0 || mi > 59 || sec < 0 || sec > 59)
		return -1;

	size_t i = 19;
	unsigned ms = 0;
	if (s[i] == '.') {
		unsigned nd = 0, scale = 100;
		for (i++; i < len && s[i] >= '0' && s[i] <= '9'; i++, nd++) {
			ms += (unsigned)(s[i] - '0') * scale;
			scale /= 10;
		}
		if (nd < 1 || nd > 9)
			return -1;
	}
	if (i + 1 != len || (s[i] != 'Z' && s[i] != 'z'))
		return -1;
	int64_t days = days_from_civil(y, (unsigned)mo, (unsigned)d);
	if (days < 0)
		return -1; /* before the epoch: not a log time */
	*t_ms =
	    ((uint64_t)days * 86400 + (uint64_t)(h * 3600 + mi * 60 + sec)) *
		1000 +
	    ms;
	return 0;
}

/* ---- the line format ---- */

static bool is_bib_or_session(uint8_t ev)
{
	return ev == NAT64_EV_BIB_CREATE || ev == NAT64_EV_BIB_DELETE ||
	       ev == NAT64_EV_SESSION_CREATE || ev == NAT64_EV_SESSION_DELETE;
}

static bool is_session(uint8_t ev)
{
	return ev == NAT64_EV_SESSION_CREATE || ev == NAT64_EV_SESSION_DELETE;
}

static bool is_block(uint8_t ev)
{
	return ev == NAT64_EV_BLOCK_ALLOC || ev == NAT64_EV_BLOCK_RELEASE;
}

static bool all_zero(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i])
			return false;
	return true;
}

static void mask6(uint8_t *a, unsigned len)
{
	for (unsigned i = 0; i < 16; i++) {
		if (len >= 8) {
			len -= 8;
		} else {
			a[i] &= (uint8_t)(0xff00u >> len);
			len = 0;
		}
	}
}

static void ip4_text(uint32_t addr, char *buf)
{
	uint32_t n = htonl(addr);
	inet_ntop(AF_INET, &n, buf, INET_ADDRSTRLEN);
}

/* A cursor over the output buffer that remembers running out of room. */
struct out {
	char *buf;
	size_t len, pos;
	bool err;
};

static void put(struct out *o, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void put(struct out *o, const char *fmt, ...)
{
	va_list ap;
	if (o->err)
		return;
	va_start(ap, fmt);
	int n = vsnprintf(o->buf + o->pos, o->len - o->pos, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= o->len - o->pos)
		o->err = true;
	else
		o->pos += (size_t)n;
}

/*
 * Which keys a line carries (the parser is key-driven, so this is the
 * whole round-trip contract):
 *   proto  always;
 *   src    BIB/session events, and any other non-block event whose src6
 *          or sport6 is set (ports/quota exhaustion name the subscriber);
 *   sub    sub_len != 0 (the prefix is src6 masked to sub_len), and for
 *          block events whenever src6 is set: there src6 is the prefix
 *          itself and is printed as is;
 *   pool4  BIB/session/block events, and any event with addr4/port4 set;
 *          A:P, or A:S-E for a block (or whenever port4_end != port4);
 *   dst    session events, and any event with raddr4/rport set.
 * Not printed, hence not restored: pad, reserved, and sport6 of a block
 * event.
 */
int nat64_log_format(const struct nat64_log_event *e, char *buf, size_t len)
{
	struct out o = {.buf = buf, .len = len};
	char t[32], a6[INET6_ADDRSTRLEN], a4[INET_ADDRSTRLEN];
	const char *name = nat64_event_name(e->event);
	uint8_t ev = e->event;

	if (!name || e->sub_len > 128 || len == 0)
		return -1;
	if (nat64_log_format_time(e->time_ms, t, sizeof(t)) < 0)
		return -1;
	put(&o, "%s %s", t, name);
	if (e->proto < NAT64_NPROTO)
		put(&o, " proto=%s", proto_names[e->proto]);
	else
		put(&o, " proto=%u", e->proto);

	bool src6_set = !all_zero(e->src6, 16);
	if (is_bib_or_session(ev) ||
	    (!is_block(ev) && (src6_set || e->sport6))) {
		inet_ntop(AF_INET6, e->src6, a6, sizeof(a6));
		put(&o, " src=[%s]:%u", a6, e->sport6);
	}
	if (e->sub_len || (is_block(ev) && src6_set)) {
		uint8_t p[16];
		memcpy(p, e->src6, 16);
		if (!is_block(ev))
			mask6(p, e->sub_len);
		inet_ntop(AF_INET6, p, a6, sizeof(a6));
		put(&o, " sub=%s/%u", a6, e->sub_len);
	}
	if (is_bib_or_session(ev) || is_block(ev) || e->addr4 || e->port4 ||
	    e->port4_end != e->port4) {
		ip4_text(e->addr4, a4);
		if (is_block(ev) || e->port4_end != e->port4)
			put(&o, " pool4=%s:%u-%u", a4, e->port4, e->port4_end);
		else
			put(&o, " pool4=%s:%u", a4, e->port4);
	}
	if (is_session(ev) || e->raddr4 || e->rport) {
		ip4_text(e->raddr4, a4);
		put(&o, " dst=%s:%u", a4, e->rport);
	}
	return o.err ? -1 : (int)o.pos;
}

/* Decimal in [s, end) no greater than max. */
static int parse_uint(const char *s, const char *end, unsigned long max,
		      unsigned long *v)
{
	unsigned long x = 0;
	if (s >= end || end - s > 10)
		return -1;
	for (; s < end; s++) {
		if (*s < '0' || *s > '9')
			return -1;
		x = x * 10 + (unsigned long)(*s - '0');
	}
	if (x > max)
		return -1;
	*v = x;
	return 0;
}

static int parse_ip4(const char *s, const char *end, uint32_t *addr)
{
	char tmp[INET_ADDRSTRLEN];
	uint32_t n;
	if (end - s <= 0 || (size_t)(end - s) >= sizeof(tmp))
		return -1;
	memcpy(tmp, s, (size_t)(end - s));
	tmp[end - s] = '\0';
	if (inet_pton(AF_INET, tmp, &n) != 1)
		return -1;
	*addr = ntohl(n);
	return 0;
}

static int parse_ip6(const char *s, const char *end, uint8_t *addr)
{
	char tmp[INET6_ADDRSTRLEN];
	if (end - s <= 0 || (size_t)(end - s) >= sizeof(tmp))
		return -1;
	memcpy(tmp, s, (size_t)(end - s));
	tmp[end - s] = '\0';
	return inet_pton(AF_INET6, tmp, addr) == 1 ? 0 : -1;
}

/* "A.B.C.D:P" (lo = hi = P) or, when range is allowed, "A.B.C.D:S-E". */
static int parse_ip4_port(const char *s, const char *end, bool range,
			  uint32_t *addr, uint16_t *lo, uint16_t *hi)
{
	const char *colon = memchr(s, ':', (size_t)(end - s));
	unsigned long a, b;
	if (!colon || parse_ip4(s, colon, addr) < 0)
		return -1;
	const char *dash = memchr(colon, '-', (size_t)(end - colon));
	if (dash && !range)
		return -1;
	if (parse_uint(colon + 1, dash ? dash : end, 65535, &a) < 0)
		return -1;
	b = a;
	if (dash && parse_uint(dash + 1, end, 65535, &b) < 0)
		return -1;
	*lo = (uint16_t)a;
	*hi = (uint16_t)b;
	return 0;
}

enum { K_PROTO = 1, K_SRC = 2, K_SUB = 4, K_POOL4 = 8, K_DST = 16 };

/* One key=value token (NUL-terminated); *seen collects the keys. */
static int parse_kv(const char *tok, struct nat64_log_event *e, unsigned *seen,
		    uint8_t *sub)
{
	const char *eq = strchr(tok, '=');
	const char *v, *end = tok + strlen(tok);
	unsigned long x;
	unsigned k;

	if (!eq || eq == tok)
		return -1;
	v = eq + 1;
	size_t klen = (size_t)(eq - tok);
#define KEY(s) (klen == sizeof(s) - 1 && memcmp(tok, s, klen) == 0)
	if (KEY("proto"))
		k = K_PROTO;
	else if (KEY("src"))
		k = K_SRC;
	else if (KEY("sub"))
		k = K_SUB;
	else if (KEY("pool4"))
		k = K_POOL4;
	else if (KEY("dst"))
		k = K_DST;
	else
		return 0; /* a key from a newer gate64: skipped */
#undef KEY
	if (*seen & k)
		return -1;
	*seen |= k;

	switch (k) {
	case K_PROTO:
		for (unsigned i = 0; i < NAT64_NPROTO; i++) {
			if (strcmp(v, proto_names[i]) == 0) {
				e->proto = (uint8_t)i;
				return 0;
			}
		}
		if (parse_uint(v, end, 255, &x) < 0)
			return -1;
		e->proto = (uint8_t)x;
		return 0;
	case K_SRC: {
		/* [IPv6]:port */
		const char *rb = strchr(v, ']');
		if (*v != '[' || !rb || rb[1] != ':' ||
		    parse_ip6(v + 1, rb, e->src6) < 0 ||
		    parse_uint(rb + 2, end, 65535, &x) < 0)
			return -1;
		e->sport6 = (uint16_t)x;
		return 0;
	}
	case K_SUB: {
		const char *sl = strchr(v, '/');
		if (!sl || parse_ip6(v, sl, sub) < 0 ||
		    parse_uint(sl + 1, end, 128, &x) < 0)
			return -1;
		e->sub_len = (uint8_t)x;
		return 0;
	}
	case K_POOL4:
		return parse_ip4_port(v, end, true, &e->addr4, &e->port4,
				      &e->port4_end);
	default: { /* K_DST */
		uint16_t hi;
		return parse_ip4_port(v, end, false, &e->raddr4, &e->rport,
				      &hi);
	}
	}
}

int nat64_log_parse(const char *line, struct nat64_log_event *e)
{
	char buf[512], *save = NULL, *tok;
	uint8_t sub[16] = {0};
	unsigned seen = 0;
	size_t n = strcspn(line, "\n"); /* one line: up to its newline */

	memset(e, 0, sizeof(*e));
	if (n && line[n - 1] == '\r')
		n--;
	if (n == 0 || n >= sizeof(buf))
		return -1;
	memcpy(buf, line, n);
	buf[n] = '\0';

	tok = strtok_r(buf, " ", &save);
	if (!tok || nat64_log_parse_time(tok, strlen(tok), &e->time_ms) < 0)
		return -1;
	tok = strtok_r(NULL, " ", &save);
	if (!tok || event_by_name(tok, &e->event) < 0)
		return -1;
	while ((tok = strtok_r(NULL, " ", &save)) != NULL)
		if (parse_kv(tok, e, &seen, sub) < 0)
			return -1;
	if (!(seen & K_PROTO))
		return -1;
	/* Without src, sub carries src6 (block events: the prefix). */
	if ((seen & K_SUB) && !(seen & K_SRC))
		memcpy(e->src6, sub, 16);
	if (e->port4_end < e->port4)
		return -1; /* pool4=A:S-E with E < S */
	return 0;
}

unsigned nat64_log_drain(struct nat64_log_ring *r, FILE *f)
{
	struct nat64_log_event batch[64];
	char line[384];
	unsigned total = 0, n;

	while ((n = nat64_log_pop(r, batch, 64)) > 0) {
		for (unsigned i = 0; i < n; i++) {
			if (nat64_log_format(&batch[i], line, sizeof(line)) < 0)
				continue; /* unknown event: nothing to say */
			fputs(line, f);
			fputc('\n', f);
			total++;
		}
	}
	return total;
}

/* ---- lookup ---- */

/*
 * One pass, O(1) memory: keep the latest create (BIB create, or a block
 * allocation covering the port) at or before t_ms, and whether its
 * matching delete/release followed.  The file is read in order: the
 * events of one IPv4 port all come from the one worker that owns it, in
 * ring (FIFO) order, so per port the file order is the time order.
 * Held means create <= t_ms < delete.
 */
int nat64_log_lookup(FILE *f, uint32_t addr4, uint16_t port4, uint8_t proto,
		     uint64_t t_ms, struct nat64_log_event *who,
		     uint64_t *until_ms)
{
	char *line = NULL;
	size_t cap = 0;
	struct nat64_log_event e, cand;
	bool have = false, closed = false;
	uint64_t until = UINT64_MAX;

	memset(&cand, 0, sizeof(cand));
	while (getline(&line, &cap, f) >= 0) {
		if (nat64_log_parse(line, &e) < 0)
			continue; /* not a log line: skipped */
		if (e.addr4 != addr4 || e.proto != proto)
			continue;
		bool covers = port4 >= e.port4 && port4 <= e.port4_end;
		bool create =
		    (e.event == NAT64_EV_BIB_CREATE && e.port4 == port4) ||
		    (e.event == NAT64_EV_BLOCK_ALLOC && covers);
		if (create) {
			if (e.time_ms > t_ms) {
				/* A later holder: if the earlier one's
				 * release was lost (ring full), it ended
				 * here at the latest. */
				if (have && !closed) {
					closed = true;
					until = e.time_ms;
				}
				continue;
			}
			cand = e;
			have = true;
			closed = false;
			until = UINT64_MAX;
			continue;
		}
		if (!have || closed)
			continue;
		if ((cand.event == NAT64_EV_BIB_CREATE &&
		     e.event == NAT64_EV_BIB_DELETE && e.port4 == cand.port4) ||
		    (cand.event == NAT64_EV_BLOCK_ALLOC &&
		     e.event == NAT64_EV_BLOCK_RELEASE &&
		     e.port4 == cand.port4 && e.port4_end == cand.port4_end)) {
			closed = true;
			until = e.time_ms;
		}
	}
	int err = ferror(f);
	free(line);
	if (err)
		return -1;
	if (!have || (closed && until <= t_ms))
		return 0;
	*who = cand;
	*until_ms = until;
	return 1;
}

int nat64_log_parse_when(const char *s, uint64_t *t_ms)
{
	const char *p = s;
	uint64_t sec = 0;

	if (*p >= '0' && *p <= '9' && !strchr(s, '-')) {
		for (; *p >= '0' && *p <= '9'; p++) {
			if (sec > UINT64_MAX / 10000)
				return -1;
			sec = sec * 10 + (uint64_t)(*p - '0');
		}
		uint64_t ms = 0, scale = 100;
		if (*p == '.') {
			if (!(p[1] >= '0' && p[1] <= '9'))
				return -1;
			for (p++; *p >= '0' && *p <= '9'; p++) {
				ms += (uint64_t)(*p - '0') * scale;
				scale /= 10;
			}
		}
		if (*p != '\0')
			return -1;
		*t_ms = sec * 1000 + ms;
		return 0;
	}
	return nat64_log_parse_time(s, strlen(s), t_ms);
}
