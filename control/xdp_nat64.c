/*
 * xdp_nat64.c - stateful NAT64 in mode = xdp, the control thread's side
 * (xdp_nat64.h).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "bpf/xdp_fwd.h" /* the skeleton names its rodata */
#include "bpf/xdp_state.h"
#include "control/xdp_nat64.h"
#include "dataplane/xlat/nat64_log.h"
#include "xlat_xdp.skel.h"

#define BATCH	  1024u /* map entries per bpf_map_lookup_batch */
#define BIB_GRACE 2	/* s: a BIB entry this young is not swept */

/* A set of BIB keys (open addressing, FNV-1a), rebuilt each sweep. */
struct keyset {
	struct xdp_bib6_key *k;
	uint8_t *used;
	size_t cap, n;
};

struct xdp_nat64 {
	const struct cfg_gw *cfg;
	struct xdp_nat64_counts c;
	struct ring_buffer *rb; /* g64_bib_events */
	int rb_fd;		/* the map fd rb was made on */
	FILE *log;		/* where rb's callback writes */
};

static uint64_t fnv(const void *p, size_t n)
{
	const uint8_t *b = p;
	uint64_t h = 0xcbf29ce484222325ull;
	for (size_t i = 0; i < n; i++)
		h = (h ^ b[i]) * 0x100000001b3ull;
	return h;
}

static int set_init(struct keyset *s, size_t want)
{
	size_t cap = 64;
	while (cap < 2 * want + 1)
		cap <<= 1;
	s->k = calloc(cap, sizeof(*s->k));
	s->used = calloc(cap, 1);
	s->cap = cap;
	s->n = 0;
	if (s->k && s->used)
		return 0;
	free(s->k);
	free(s->used);
	s->k = NULL;
	s->used = NULL;
	s->cap = 0;
	return -ENOMEM;
}

static void set_free(struct keyset *s)
{
	free(s->k);
	free(s->used);
	memset(s, 0, sizeof(*s));
}

/* The slot of k, or of the free place where it would go; -1 when the
 * set has no room at all. */
static long set_slot(const struct keyset *s, const struct xdp_bib6_key *k)
{
	if (!s->cap)
		return -1;
	size_t i = fnv(k, sizeof(*k)) & (s->cap - 1);
	while (s->used[i] && memcmp(&s->k[i], k, sizeof(*k)))
		i = (i + 1) & (s->cap - 1);
	return (long)i;
}

/* 1: present; with add, 0 after adding it (or -1: full). */
static int set_has(struct keyset *s, const struct xdp_bib6_key *k, int add)
{
	long i = set_slot(s, k);
	if (i < 0)
		return add ? -1 : 0;
	if (s->used[i])
		return 1;
	if (!add)
		return 0;
	if (2 * (s->n + 1) > s->cap)
		return -1;
	s->k[i] = *k;
	s->used[i] = 1;
	s->n++;
	return 0;
}

void xdp_nat64_cfg_fill(struct xdp_cfg *x, const struct cfg_gw *cfg)
{
	const struct nat64_cfg *nc = &cfg->nat64;
	x->stateful = 1;
	x->create = 1;
	for (int t = 0; t < NAT64_NTIMERS; t++)
		x->timeout[t] = nc->timeout[t];
	x->np4 = (uint8_t)nc->pool4.n;
	for (unsigned i = 0; i < nc->pool4.n && i < XDP_POOL4_MAX; i++) {
		const struct pool4_range *r = &nc->pool4.r[i];
		x->p4[i].addr = htonl(r->addr);
		x->p4[i].min = r->min;
		x->p4[i].max = r->max;
		x->p4[i].proto = r->proto;
		xdp_p4filter_add(x->p4filter, htonl(r->addr));
	}
	x->filtering = nc->adf ? 1 : 0;
	x->drop_inbound_syn = nc->drop_inbound_syn;
}

int xdp_nat64_size_maps(struct xlat_xdp *skel, const struct cfg_gw *cfg)
{
	const struct nat64_cfg *nc = &cfg->nat64;
	if (bpf_map__set_max_entries(skel->maps.g64_sess6, nc->max_sessions) ||
	    bpf_map__set_max_entries(skel->maps.g64_sess4, nc->max_sessions) ||
	    bpf_map__set_max_entries(skel->maps.g64_bib6, nc->max_bib) ||
	    bpf_map__set_max_entries(skel->maps.g64_bib4, nc->max_bib))
		return -EINVAL;
	return 0;
}

int xdp_nat64_static(struct xlat_xdp *skel, const struct cfg_gw *cfg, char *err,
		     size_t errlen)
{
	int f6 = bpf_map__fd(skel->maps.g64_bib6);
	int f4 = bpf_map__fd(skel->maps.g64_bib4);
	for (unsigned i = 0; i < cfg->dp.n_static_bib; i++) {
		const struct dp_static_bib *sb = &cfg->static_bib[i];
		struct xdp_bib6_key k6;
		struct xdp_bib6_val v6;
		struct xdp_bib4_key k4;
		struct xdp_bib4_val v4;
		memset(&k6, 0, sizeof(k6));
		memset(&v6, 0, sizeof(v6));
		memset(&k4, 0, sizeof(k4));
		memset(&v4, 0, sizeof(v4));
		memcpy(k6.src6, sb->src6, 16);
		k6.sport6 = htons(sb->sport6);
		k6.proto = sb->proto;
		v6.addr4 = htonl(sb->addr4);
		v6.port4 = htons(sb->port4);
		v6.is_static = 1;
		k4.addr4 = v6.addr4;
		k4.port4 = v6.port4;
		k4.proto = sb->proto;
		memcpy(v4.src6, sb->src6, 16);
		v4.sport6 = k6.sport6;
		v4.is_static = 1;
		if ((bpf_map_update_elem(f4, &k4, &v4, BPF_NOEXIST) &&
		     errno != EEXIST) ||
		    (bpf_map_update_elem(f6, &k6, &v6, BPF_NOEXIST) &&
		     errno != EEXIST)) {
			snprintf(err, errlen,
				 "[static-bib] entry %u: into the XDP maps: %s",
				 i + 1, strerror(errno));
			return -errno;
		}
	}
	return 0;
}

int xdp_nat64_init(struct xdp_nat64 **sp, const struct cfg_gw *cfg)
{
	struct xdp_nat64 *s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->cfg = cfg;
	s->rb_fd = -1;
	*sp = s;
	return 0;
}

void xdp_nat64_set_cfg(struct xdp_nat64 *s, const struct cfg_gw *cfg)
{
	s->cfg = cfg;
}

void xdp_nat64_fini(struct xdp_nat64 *s)
{
	if (!s)
		return;
	ring_buffer__free(s->rb);
	free(s);
}

static uint64_t now_ms(void)
{
	struct timeval tv;
	gettimeofday(&tv, NULL);
	return (uint64_t)tv.tv_sec * 1000 + (uint64_t)tv.tv_usec / 1000;
}

/* One BIB event in the mapping log's own format (nat64_log.h). */
static void log_bib(FILE *log, uint64_t t_ms, int create, uint8_t proto,
		    const uint8_t *src6, uint16_t sport6, uint32_t addr4,
		    uint16_t port4)
{
	struct nat64_log_event e;
	char line[256];
	if (!log)
		return;
	memset(&e, 0, sizeof(e));
	e.time_ms = t_ms;
	e.event = create ? NAT64_EV_BIB_CREATE : NAT64_EV_BIB_DELETE;
	e.proto = proto;
	e.sub_len = 128;
	e.sport6 = ntohs(sport6);
	e.port4 = e.port4_end = ntohs(port4);
	e.addr4 = ntohl(addr4);
	memcpy(e.src6, src6, 16);
	if (nat64_log_format(&e, line, sizeof(line)) > 0)
		fprintf(log, "%s\n", line);
}

static int on_bib_event(void *ctx, void *data, size_t len)
{
	struct xdp_nat64 *s = ctx;
	const struct xdp_bib_event *ev = data;
	if (len < sizeof(*ev))
		return 0;
	/* when: the CLOCK_MONOTONIC second the program made the entry; the
	 * log wants UTC: the start of that second, never after the fact
	 * (a lookup at the time of a packet must find the entry) */
	struct timespec m;
	clock_gettime(CLOCK_MONOTONIC, &m);
	uint64_t mono_ms =
	    (uint64_t)m.tv_sec * 1000 + (uint64_t)m.tv_nsec / 1000000;
	uint64_t ago = mono_ms - (uint64_t)ev->when * 1000;
	uint64_t now = now_ms();
	log_bib(s->log, ago < now ? now - ago : now, ev->created, ev->proto,
		ev->src6, ev->sport6, ev->addr4, ev->port4);
	return 0;
}

void xdp_nat64_log_drain(struct xdp_nat64 *s, struct xlat_xdp *skel, FILE *log)
{
	int fd = bpf_map__fd(skel->maps.g64_bib_events);
	if (fd != s->rb_fd) { /* a reload rebuilt the program */
		ring_buffer__free(s->rb);
		s->rb = ring_buffer__new(fd, on_bib_event, s, NULL);
		s->rb_fd = s->rb ? fd : -1;
	}
	s->log = log;
	if (s->rb && ring_buffer__consume(s->rb) > 0 && log)
		fflush(log);
}

/* Every entry of a hash map, BATCH at a time: fn(arg, key, value) for
 * each; fn returns non-zero to stop.  0, or -errno. */
static int map_walk(int fd, size_t ksz, size_t vsz,
		    int (*fn)(void *arg, const void *k, const void *v),
		    void *arg)
{
	uint8_t *keys = malloc(BATCH * ksz), *vals = malloc(BATCH * vsz);
	uint32_t in = 0, out = 0;
	int first = 1, r = 0;
	if (!keys || !vals) {
		free(keys);
		free(vals);
		return -ENOMEM;
	}
	for (;;) {
		uint32_t count = BATCH;
		struct bpf_map_batch_opts o = {.sz = sizeof(o)};
		int e = bpf_map_lookup_batch(fd, first ? NULL : &in, &out, keys,
					     vals, &count, &o);
		int end = e && errno == ENOENT;
		if (e && !end) {
			r = -errno;
			break;
		}
		for (uint32_t i = 0; i < count; i++)
			if (fn(arg, keys + i * ksz, vals + i * vsz))
				goto done;
		if (end)
			break;
		in = out;
		first = 0;
	}
done:
	free(keys);
	free(vals);
	return r;
}

struct sweep_ctx {
	struct xdp_nat64 *s;
	int fd4;
	uint32_t now;
	struct keyset inuse;
	struct xdp_sess6_key *del6;
	struct xdp_sess4_key *del4;
	size_t ndel, cap;
	uint64_t count[NAT64_NPROTO];
};

static void sess4_key(const struct xdp_sess6_key *k6,
		      const struct xdp_sess6_val *v6, struct xdp_sess4_key *k4)
{
	memset(k4, 0, sizeof(*k4));
	k4->raddr4 = k6->raddr4;
	k4->addr4 = v6->addr4;
	k4->rport = k6->rport;
	k4->port4 = v6->port4;
	k4->proto = k6->proto;
}

/* A session's latest packet and the timer that runs, both directions. */
static void sess_last(int fd4, const struct xdp_sess6_key *k6,
		      const struct xdp_sess6_val *v6, uint32_t *last,
		      uint8_t *timer, uint8_t *state)
{
	struct xdp_sess4_key k4;
	struct xdp_sess4_val v4;
	*last = v6->last;
	*timer = v6->timer;
	*state = v6->state;
	sess4_key(k6, v6, &k4);
	if (!bpf_map_lookup_elem(fd4, &k4, &v4) &&
	    (int32_t)(v4.last - v6->last) > 0) {
		*last = v4.last;
		*timer = v4.timer;
		*state = v4.state;
	}
}

static int sweep_sess(void *arg, const void *k, const void *v)
{
	struct sweep_ctx *c = arg;
	const struct xdp_sess6_key *k6 = k;
	const struct xdp_sess6_val *v6 = v;
	const uint32_t *to = c->s->cfg->nat64.timeout;
	uint8_t timer = v6->timer < NAT64_NTIMERS ? v6->timer : 0;
	uint32_t last = v6->last;
	uint8_t state;

	/* alive by its own IPv6 -> IPv4 packets: no need to ask the other
	 * direction (which may only make it younger) */
	if ((int32_t)(c->now - last) >= (int64_t)to[timer]) {
		sess_last(c->fd4, k6, v6, &last, &timer, &state);
		if (timer >= NAT64_NTIMERS)
			timer = 0;
	}
	if ((int32_t)(c->now - last) >= (int64_t)to[timer]) {
		if (c->ndel == c->cap) {
			size_t cap = c->cap ? 2 * c->cap : 256;
			void *a = realloc(c->del6, cap * sizeof(*c->del6));
			void *b =
			    a ? realloc(c->del4, cap * sizeof(*c->del4)) : NULL;
			if (a)
				c->del6 = a;
			if (!b)
				return 0; /* next sweep */
			c->del4 = b;
			c->cap = cap;
		}
		c->del6[c->ndel] = *k6;
		sess4_key(k6, v6, &c->del4[c->ndel]);
		c->ndel++;
		return 0;
	}
	if (k6->proto < NAT64_NPROTO)
		c->count[k6->proto]++;
	struct xdp_bib6_key b;
	memset(&b, 0, sizeof(b));
	memcpy(b.src6, k6->src6, 16);
	b.sport6 = k6->sport6;
	b.proto = k6->proto;
	set_has(&c->inuse, &b, 1);
	return 0;
}

struct bib_ctx {
	struct xdp_nat64 *s;
	struct keyset *inuse;
	uint32_t now;
	int fd6, fd4;
	FILE *log;
	uint64_t count[NAT64_NPROTO];
	uint64_t p4used[POOL4_MAX_RANGES];
};

/* One more port in use in the pool4 range that holds it. */
static void p4_count(struct bib_ctx *c, const struct xdp_bib6_key *k6,
		     const struct xdp_bib6_val *v6)
{
	const struct pool4_cfg *p = &c->s->cfg->nat64.pool4;
	uint32_t a = ntohl(v6->addr4);
	uint16_t port = ntohs(v6->port4);
	for (unsigned i = 0; i < p->n && i < POOL4_MAX_RANGES; i++)
		if (p->r[i].addr == a && p->r[i].proto == k6->proto &&
		    port >= p->r[i].min && port <= p->r[i].max) {
			c->p4used[i]++;
			return;
		}
}

static int sweep_bib(void *arg, const void *k, const void *v)
{
	struct bib_ctx *c = arg;
	const struct xdp_bib6_key *k6 = k;
	const struct xdp_bib6_val *v6 = v;
	struct xdp_bib4_key k4;
	struct xdp_bib4_val v4;
	memset(&k4, 0, sizeof(k4));
	k4.addr4 = v6->addr4;
	k4.port4 = v6->port4;
	k4.proto = k6->proto;
	/* kept: static, a live session, or one made under it a moment ago
	 * (the program writes the BIB entry, then the session: bib4.last
	 * says the entry was just used, the session may still be coming) */
	if (v6->is_static || set_has(c->inuse, k6, 0) ||
	    (!bpf_map_lookup_elem(c->fd4, &k4, &v4) &&
	     (int32_t)(c->now - v4.last) < BIB_GRACE)) {
		if (k6->proto < NAT64_NPROTO)
			c->count[k6->proto]++;
		p4_count(c, k6, v6);
		return 0;
	}
	bpf_map_delete_elem(c->fd6, k6);
	bpf_map_delete_elem(c->fd4, &k4);
	c->s->c.expired_bib++;
	log_bib(c->log, now_ms(), 0, k6->proto, k6->src6, k6->sport6, v6->addr4,
		v6->port4);
	return 0;
}

void xdp_nat64_sweep(struct xdp_nat64 *s, struct xlat_xdp *skel, uint32_t now,
		     FILE *log)
{
	struct sweep_ctx c;
	memset(&c, 0, sizeof(c));
	c.s = s;
	c.now = now;
	c.fd4 = bpf_map__fd(skel->maps.g64_sess4);
	int fd6 = bpf_map__fd(skel->maps.g64_sess6);
	if (set_init(&c.inuse, s->c.sessions[0] + s->c.sessions[1] +
				   s->c.sessions[2] + 1024))
		return;
	/* 1. sessions: read in batches, the expired ones deleted after */
	int r = map_walk(fd6, sizeof(struct xdp_sess6_key),
			 sizeof(struct xdp_sess6_val), sweep_sess, &c);
	for (size_t i = 0; i < c.ndel; i++) {
		bpf_map_delete_elem(fd6, &c.del6[i]);
		bpf_map_delete_elem(c.fd4, &c.del4[i]);
	}
	s->c.expired_sessions += c.ndel;
	free(c.del6);
	free(c.del4);
	if (r) { /* a partial read: the in-use set is not whole */
		set_free(&c.inuse);
		return;
	}
	memcpy(s->c.sessions, c.count, sizeof(c.count));
	/* 2. BIB entries without a session (not static, not just used) */
	struct bib_ctx b;
	memset(&b, 0, sizeof(b));
	b.s = s;
	b.inuse = &c.inuse;
	b.fd6 = bpf_map__fd(skel->maps.g64_bib6);
	b.fd4 = bpf_map__fd(skel->maps.g64_bib4);
	b.log = log;
	b.now = now;
	if (map_walk(b.fd6, sizeof(struct xdp_bib6_key),
		     sizeof(struct xdp_bib6_val), sweep_bib, &b) == 0) {
		memcpy(s->c.bib, b.count, sizeof(b.count));
		memcpy(s->c.p4used, b.p4used, sizeof(b.p4used));
	}
	if (log)
		fflush(log);
	set_free(&c.inuse);
}

void xdp_nat64_counts(const struct xdp_nat64 *s, struct xdp_nat64_counts *c)
{
	*c = s->c;
}

struct dump_ctx {
	int sess, fd4, fds6;
	struct keyset page; /* BIB dump: the page's keys ... */
	uint32_t *idx;	    /* ... and their entries (by slot) */
	const uint32_t *timeout;
	uint32_t now, skip, max, n, seen;
	struct dp_dump_entry *out;
	int more;
};

static void bib_key_of(const struct dp_dump_entry *e, struct xdp_bib6_key *b)
{
	memset(b, 0, sizeof(*b));
	memcpy(b->src6, e->src6, 16);
	b->sport6 = htons(e->sport6);
	b->proto = e->proto;
}

/* A session: one more for its BIB entry if that is on the page. */
static int count_sess(void *arg, const void *k, const void *v)
{
	struct dump_ctx *c = arg;
	const struct xdp_sess6_key *k6 = k;
	struct xdp_bib6_key b;
	(void)v;
	memset(&b, 0, sizeof(b));
	memcpy(b.src6, k6->src6, 16);
	b.sport6 = k6->sport6;
	b.proto = k6->proto;
	long i = set_slot(&c->page, &b);
	if (i >= 0 && c->page.used[i])
		c->out[c->idx[i]].nsess++;
	return 0;
}

static int dump_one(void *arg, const void *k, const void *v)
{
	struct dump_ctx *c = arg;
	if (c->seen++ < c->skip)
		return 0;
	if (c->n == c->max) {
		c->more = 1;
		return 1;
	}
	struct dp_dump_entry *e = &c->out[c->n++];
	memset(e, 0, sizeof(*e));
	if (c->sess) {
		const struct xdp_sess6_key *k6 = k;
		const struct xdp_sess6_val *v6 = v;
		uint32_t last;
		uint8_t timer, state;
		sess_last(c->fd4, k6, v6, &last, &timer, &state);
		e->proto = k6->proto;
		e->state = state;
		e->timer = timer;
		memcpy(e->src6, k6->src6, 16);
		e->sport6 = ntohs(k6->sport6);
		e->addr4 = ntohl(v6->addr4);
		e->port4 = ntohs(v6->port4);
		e->raddr4 = ntohl(k6->raddr4);
		e->rport =
		    k6->proto == NAT64_ICMP ? e->port4 : ntohs(k6->rport);
		e->idle = c->now - last;
		uint32_t t = c->timeout[timer < NAT64_NTIMERS ? timer : 0];
		e->expires = e->idle < t ? t - e->idle : 0;
	} else {
		const struct xdp_bib6_key *k6 = k;
		const struct xdp_bib6_val *v6 = v;
		e->proto = k6->proto;
		e->is_static = v6->is_static;
		memcpy(e->src6, k6->src6, 16);
		e->sport6 = ntohs(k6->sport6);
		e->addr4 = ntohl(v6->addr4);
		e->port4 = ntohs(v6->port4);
	}
	return 0;
}

int xdp_nat64_dump(struct xlat_xdp *skel, const struct cfg_gw *cfg, int sess,
		   uint32_t now, uint32_t start, struct dp_dump_entry *out,
		   uint32_t max, uint32_t *n, uint32_t *next)
{
	struct dump_ctx c;
	memset(&c, 0, sizeof(c));
	c.sess = sess;
	c.fd4 = bpf_map__fd(skel->maps.g64_sess4);
	c.fds6 = bpf_map__fd(skel->maps.g64_sess6);
	c.timeout = cfg->nat64.timeout;
	c.now = now;
	c.skip = start;
	c.max = max;
	c.out = out;
	int r = sess ? map_walk(c.fds6, sizeof(struct xdp_sess6_key),
				sizeof(struct xdp_sess6_val), dump_one, &c)
		     : map_walk(bpf_map__fd(skel->maps.g64_bib6),
				sizeof(struct xdp_bib6_key),
				sizeof(struct xdp_bib6_val), dump_one, &c);
	/* the BIB page's session counts: one walk over the sessions */
	if (!sess && !r && c.n && !set_init(&c.page, c.n) &&
	    (c.idx = calloc(c.page.cap, sizeof(*c.idx)))) {
		for (uint32_t i = 0; i < c.n; i++) {
			struct xdp_bib6_key b;
			bib_key_of(&out[i], &b);
			set_has(&c.page, &b, 1);
			c.idx[set_slot(&c.page, &b)] = i;
		}
		r = map_walk(c.fds6, sizeof(struct xdp_sess6_key),
			     sizeof(struct xdp_sess6_val), count_sess, &c);
	}
	free(c.idx);
	set_free(&c.page);
	*n = c.n;
	*next = c.more ? start + c.n : DP_DUMP_END;
	return r;
}
