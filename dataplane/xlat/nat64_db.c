/*
 * nat64_db.c - the state of stateful NAT64 (RFC 6146 §3): BIB, sessions,
 * subscribers and expiry, one shard per worker.
 *
 * Layout: every table is an array preallocated by nat64_db_init, its free
 * slots threaded through a 'next' field; the indexes are chained hash
 * tables whose buckets are uint32_t heads (NAT64_NONE: empty), with at
 * least as many buckets as the table has slots (load <= 1).  The bucket
 * hash is SipHash-1-3 keyed with a per-shard random key, so a remote party
 * cannot choose addresses and ports that land in one chain.
 *
 * Memory at 10 M sessions (docs/nat64.md): 24 bytes per session plus its
 * bucket (4 bytes x 2^24 / 10 M = 6.7), 48 per BIB plus two buckets;
 * nat64_db_bytes() reports the exact figure.
 *
 * Clock: 'now' is the caller's monotonic seconds counter; the mapping log
 * wants UTC, so events carry utc_ms_at_zero + now * 1000
 * (nat64_db_set_clock).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "csum.h"
#include "nat64_db.h"
#include "siphash.h"
#include "xlat_reason.h"

_Static_assert(sizeof(struct nat64_sess) == 24,
	       "struct nat64_sess: 24 bytes (memory budget, docs/nat64.md)");
_Static_assert(sizeof(struct nat64_bib) == 48,
	       "struct nat64_bib: 48 bytes (memory budget, docs/nat64.md)");
_Static_assert(sizeof(struct nat64_sub) == 32, "struct nat64_sub: 32 bytes");

#define NAT64_MAX_ENTRIES  (1u << 30) /* per table; indexes stay < NONE */
#define NAT64_LOG_INTERVAL 10	      /* s: rate limit of exhaustion events */
#define NAT64_BIB_FREE	   0xff	      /* proto of a free BIB slot */

struct nat64_db {
	struct nat64_cfg cfg;
	unsigned worker;
	struct pool4 *pool4;
	struct nat64_log_ring *log;
	uint64_t key[2];	/* bucket hash secret (getrandom at init) */
	uint64_t utc_offset_ms; /* UTC ms at now == 0 (nat64_db_set_clock) */

	struct nat64_bib *bib;
	struct nat64_sess *sess;
	struct nat64_sub *sub;
	struct pool4_blocks *blocks; /* block mode: one per subscriber slot */

	uint32_t *h6, *h4; /* BIB by (proto, src6, sport6) / (proto, addr4,
			      port4) */
	uint32_t *hs;	   /* sessions by (bib, raddr4, rport) */
	uint32_t *hsub;	   /* subscribers by prefix */
	uint32_t mbib, msess, msub; /* bucket count - 1 */

	uint32_t free_bib, free_sess, free_sub;
	uint32_t nbib, nsess, nsub;
	uint32_t cursor; /* nat64_db_sweep: next session slot to examine */

	uint32_t last_exhaust_log; /* s: PORTS_EXHAUSTED rate limit */
	uint8_t exhaust_logged;	   /* last_exhaust_log is meaningful */

	size_t bytes;
	struct nat64_db_stats stats;
};

static inline uint64_t rotl(uint64_t x, unsigned b)
{
	return (x << b) | (x >> (64 - b));
}

/*
 * Table indexes: a keyed multiply-rotate over 64-bit words, finished by a
 * xorshift-multiply mix, with the shard's random key (as Linux conntrack
 * seeds jhash): a few instructions a word, which is what a per-packet
 * lookup can afford.  The key never leaves the shard and bucket numbers are
 * not observable, so a remote party cannot aim at one bucket.  SipHash
 * stays where a value must be computed alike by every worker (owner6).
 */
static inline uint32_t fhash(const uint64_t key[2], const uint64_t *m,
			     unsigned n, uint32_t mask)
{
	uint64_t h = key[0];
	for (unsigned i = 0; i < n; i++)
		h = rotl((h ^ m[i]) * 0x9e3779b97f4a7c15ull, 29);
	/* the high half of a last keyed multiply is the well-mixed one */
	h = (h ^ key[1]) * 0xd6e8feb86659fd93ull;
	return (uint32_t)(h >> 32) & mask;
}

static inline uint64_t load64(const uint8_t *p)
{
	uint64_t v;
	memcpy(&v, p, 8);
	return v;
}

static uint32_t hash_bib6(const struct nat64_db *db, uint8_t proto,
			  const uint8_t *src6, uint16_t sport6)
{
	uint64_t m[3] = {load64(src6), load64(src6 + 8),
			 (uint64_t)proto << 16 | sport6};
	return fhash(db->key, m, 3, db->mbib);
}

static uint32_t hash_bib4(const struct nat64_db *db, uint8_t proto,
			  uint32_t addr4, uint16_t port4)
{
	uint64_t m = (uint64_t)addr4 << 32 | (uint64_t)proto << 16 | port4;
	return fhash(db->key, &m, 1, db->mbib);
}

static uint32_t hash_sess(const struct nat64_db *db, uint32_t bib,
			  uint32_t raddr4, uint16_t rport)
{
	uint64_t m[2] = {(uint64_t)bib << 32 | raddr4, rport};
	return fhash(db->key, m, 2, db->msess);
}

static uint32_t hash_sub(const struct nat64_db *db, const uint8_t *prefix)
{
	uint64_t m[2] = {load64(prefix), load64(prefix + 8)};
	return fhash(db->key, m, 2, db->msub);
}

/* The subscriber's hash shared by every worker (keyed with the pool4
 * secret, which every shard has): the owner worker from its high half,
 * pool4's paired-pooling choice from its low half. */
static uint64_t sub_hash64(const struct nat64_cfg *cfg, const uint8_t *prefix)
{
	uint64_t m[3] = {load64(prefix), load64(prefix + 8), 0x6e61743634ull};
	return siphash(cfg->pool4.key, (const uint8_t *)m, sizeof(m), 1, 3);
}

static void sub_prefix(const uint8_t *src6, uint8_t len, uint8_t *out)
{
	for (int i = 0; i < 16; i++) {
		int bits = len - i * 8;
		uint8_t mask = bits >= 8   ? 0xff
			       : bits <= 0 ? 0
					   : (uint8_t)(0xff << (8 - bits));
		out[i] = src6[i] & mask;
	}
}

/* ---- configuration ---- */

void nat64_cfg_default(struct nat64_cfg *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->pool4.nworkers = 1;
	/* RFC 6146 §4 */
	cfg->timeout[NAT64_T_UDP] = 300;
	cfg->timeout[NAT64_T_ICMP] = 60;
	cfg->timeout[NAT64_T_TCP_EST] = 7440;
	cfg->timeout[NAT64_T_TCP_TRANS] = 240;
	cfg->timeout[NAT64_T_TCP_SYN] = 6;
	cfg->adf = 0; /* endpoint-independent filtering */
	cfg->sub_len = 56;
	cfg->held_syn_max = 64;
	cfg->sweep_budget = 64;
	cfg->max_bib = 65536;
	cfg->max_sessions = 65536;
	cfg->max_subs = 16384;
	cfg->sub_alert = 80;
}

static int check_min(const struct nat64_cfg *cfg, int t, const char *key,
		     uint32_t min, const char *rule, char *err, size_t errlen)
{
	if (cfg->timeout[t] >= min)
		return 0;
	snprintf(err, errlen, "%s %u: %s requires at least %u s", key,
		 cfg->timeout[t], rule, min);
	return -EINVAL;
}

static int check_max(uint32_t v, const char *key, char *err, size_t errlen)
{
	if (v >= 1 && v <= NAT64_MAX_ENTRIES)
		return 0;
	snprintf(err, errlen, "%s %u: use 1 to %u entries per worker", key, v,
		 NAT64_MAX_ENTRIES);
	return -EINVAL;
}

int nat64_cfg_check(const struct nat64_cfg *cfg, char *err, size_t errlen)
{
	/* RFC 6146 §3.5.1: the UDP session lifetime MUST NOT be less than
	 * 2 minutes; §3.5.2.2: TCP_EST at least 2 h 4 min, TCP_TRANS 4 min */
	if (check_min(cfg, NAT64_T_UDP, "udp-timeout", 120, "RFC 6146 §3.5.1",
		      err, errlen) ||
	    check_min(cfg, NAT64_T_TCP_EST, "tcp-est-timeout", 7440,
		      "RFC 6146 §3.5.2.2", err, errlen) ||
	    check_min(cfg, NAT64_T_TCP_TRANS, "tcp-trans-timeout", 240,
		      "RFC 6146 §3.5.2.2", err, errlen))
		return -EINVAL;
	/* RFC 6146 §3.5.3 and §3.5.2.2 set no minimum for these two, but 0
	 * would expire every session at the first sweep. */
	if (check_min(cfg, NAT64_T_ICMP, "icmp-timeout", 1,
		      "a session lifetime", err, errlen) ||
	    check_min(cfg, NAT64_T_TCP_SYN, "tcp-syn-timeout", 1,
		      "a session lifetime", err, errlen))
		return -EINVAL;
	if (cfg->sub_len != 56 && cfg->sub_len != 64 && cfg->sub_len != 128) {
		snprintf(err, errlen,
			 "sub-len %u: use 56, 64 or 128 (the "
			 "prefix that identifies one subscriber)",
			 cfg->sub_len);
		return -EINVAL;
	}
	if (check_max(cfg->max_bib, "max-bib", err, errlen) ||
	    check_max(cfg->max_sessions, "max-sessions", err, errlen) ||
	    check_max(cfg->max_subs, "max-subscribers", err, errlen))
		return -EINVAL;
	if (cfg->sweep_budget == 0) {
		snprintf(err, errlen,
			 "sweep-budget 0: examine at least 1 session per "
			 "sweep, or nothing ever expires");
		return -EINVAL;
	}
	return pool4_cfg_check(&cfg->pool4, err, errlen);
}

/* ---- life cycle ---- */

static uint32_t pow2_at_least(uint32_t n)
{
	uint32_t p = 1;
	while (p < n)
		p <<= 1;
	return p;
}

static void *table(struct nat64_db *db, size_t n, size_t size)
{
	void *p = malloc(n * size);
	if (p)
		db->bytes += n * size;
	return p;
}

static uint32_t *buckets(struct nat64_db *db, uint32_t nslots, uint32_t *mask)
{
	uint32_t n = pow2_at_least(nslots);
	uint32_t *b = table(db, n, sizeof(*b));

	if (b)
		memset(b, 0xff, (size_t)n * sizeof(*b)); /* NAT64_NONE */
	*mask = n - 1;
	return b;
}

struct nat64_db *nat64_db_init(const struct nat64_cfg *cfg, unsigned worker,
			       struct nat64_log_ring *log, char *err,
			       size_t errlen)
{
	struct nat64_db *db;

	if (nat64_cfg_check(cfg, err, errlen))
		return NULL;
	db = calloc(1, sizeof(*db));
	if (!db) {
		snprintf(err, errlen, "nat64: out of memory");
		return NULL;
	}
	db->bytes = sizeof(*db);
	db->cfg = *cfg;
	db->worker = worker;
	db->log = log;
	if (getrandom(db->key, sizeof(db->key), 0) != sizeof(db->key)) {
		snprintf(err, errlen, "nat64: getrandom: %s", strerror(errno));
		goto fail;
	}
	db->pool4 = pool4_init(&cfg->pool4, worker, err, errlen);
	if (!db->pool4)
		goto fail;
	db->bib = table(db, cfg->max_bib, sizeof(*db->bib));
	db->sess = table(db, cfg->max_sessions, sizeof(*db->sess));
	db->sub = table(db, cfg->max_subs, sizeof(*db->sub));
	db->h6 = buckets(db, cfg->max_bib, &db->mbib);
	db->h4 = buckets(db, cfg->max_bib, &db->mbib);
	db->hs = buckets(db, cfg->max_sessions, &db->msess);
	db->hsub = buckets(db, cfg->max_subs, &db->msub);
	if (cfg->pool4.block_size)
		db->blocks = table(db, cfg->max_subs, sizeof(*db->blocks));
	if (!db->bib || !db->sess || !db->sub || !db->h6 || !db->h4 ||
	    !db->hs || !db->hsub || (cfg->pool4.block_size && !db->blocks)) {
		snprintf(err, errlen,
			 "nat64: out of memory for the tables of worker %u "
			 "(%zu bytes so far): lower max-sessions, max-bib or "
			 "max-subscribers",
			 worker, db->bytes);
		goto fail;
	}
	/* Free lists in index order; touching every page now also commits
	 * the memory at start rather than under load. */
	for (uint32_t i = 0; i < cfg->max_bib; i++) {
		memset(&db->bib[i], 0, sizeof(db->bib[i]));
		db->bib[i].proto = NAT64_BIB_FREE;
		db->bib[i].sub = NAT64_NONE;
		db->bib[i].sess = NAT64_NONE;
		db->bib[i].next4 = NAT64_NONE;
		db->bib[i].next6 = i + 1 < cfg->max_bib ? i + 1 : NAT64_NONE;
	}
	for (uint32_t i = 0; i < cfg->max_sessions; i++) {
		memset(&db->sess[i], 0, sizeof(db->sess[i]));
		db->sess[i].bib = NAT64_NONE;
		db->sess[i].bnext = NAT64_NONE;
		db->sess[i].next =
		    i + 1 < cfg->max_sessions ? i + 1 : NAT64_NONE;
	}
	for (uint32_t i = 0; i < cfg->max_subs; i++) {
		memset(&db->sub[i], 0, sizeof(db->sub[i]));
		db->sub[i].next = i + 1 < cfg->max_subs ? i + 1 : NAT64_NONE;
	}
	if (db->blocks)
		memset(db->blocks, 0,
		       (size_t)cfg->max_subs * sizeof(*db->blocks));
	db->free_bib = 0;
	db->free_sess = 0;
	db->free_sub = 0;
	return db;
fail:
	nat64_db_fini(db);
	return NULL;
}

void nat64_db_fini(struct nat64_db *db)
{
	if (!db)
		return;
	if (db->pool4)
		pool4_fini(db->pool4);
	free(db->bib);
	free(db->sess);
	free(db->sub);
	free(db->blocks);
	free(db->h6);
	free(db->h4);
	free(db->hs);
	free(db->hsub);
	free(db);
}

void nat64_db_set_clock(struct nat64_db *db, uint64_t utc_ms_at_zero)
{
	db->utc_offset_ms = utc_ms_at_zero;
}

unsigned nat64_db_owner6(const struct nat64_cfg *cfg, const uint8_t *src6)
{
	uint8_t prefix[16];
	unsigned n = cfg->pool4.nworkers ? cfg->pool4.nworkers : 1;

	sub_prefix(src6, cfg->sub_len, prefix);
	return (unsigned)((sub_hash64(cfg, prefix) >> 32) % n);
}

/* ---- mapping log ---- */

static void ev_init(const struct nat64_db *db, struct nat64_log_event *e,
		    uint8_t event, uint8_t proto, uint32_t now)
{
	memset(e, 0, sizeof(*e));
	e->time_ms = db->utc_offset_ms + (uint64_t)now * 1000;
	e->event = event;
	e->proto = proto;
	e->sub_len = db->cfg.sub_len;
}

static void ev_push(struct nat64_db *db, const struct nat64_log_event *e)
{
	if (db->log && nat64_log_push(db->log, e))
		db->stats.log_dropped++;
}

static void ev_bib(struct nat64_db *db, uint8_t event,
		   const struct nat64_bib *b, uint32_t now)
{
	struct nat64_log_event e;

	ev_init(db, &e, event, b->proto, now);
	memcpy(e.src6, b->src6, 16);
	e.sport6 = b->sport6;
	e.addr4 = b->addr4;
	e.port4 = b->port4;
	e.port4_end = b->port4;
	ev_push(db, &e);
}

static void ev_block(struct nat64_db *db, uint8_t event, uint8_t proto,
		     const struct nat64_sub *s, uint32_t addr4, uint16_t start,
		     uint32_t now)
{
	struct nat64_log_event e;

	ev_init(db, &e, event, proto, now);
	memcpy(e.src6, s->prefix, 16);
	e.addr4 = addr4;
	e.port4 = start;
	e.port4_end = (uint16_t)(start + db->cfg.pool4.block_size - 1);
	ev_push(db, &e);
}

static void ev_sess(struct nat64_db *db, uint8_t event,
		    const struct nat64_sess *s, uint32_t now)
{
	struct nat64_log_event e;
	const struct nat64_bib *b = &db->bib[s->bib];

	ev_init(db, &e, event, b->proto, now);
	memcpy(e.src6, b->src6, 16);
	e.sport6 = b->sport6;
	e.addr4 = b->addr4;
	e.port4 = b->port4;
	e.port4_end = b->port4;
	e.raddr4 = s->raddr4;
	e.rport = s->rport;
	ev_push(db, &e);
}

/* QUOTA_EXCEEDED, at most once per NAT64_LOG_INTERVAL per subscriber. */
static void quota_refused(struct nat64_db *db, struct nat64_sub *s,
			  uint8_t proto, uint32_t now)
{
	struct nat64_log_event e;

	db->stats.quota++;
	if ((uint32_t)(now - s->last_quota_log) < NAT64_LOG_INTERVAL)
		return;
	s->last_quota_log = now;
	ev_init(db, &e, NAT64_EV_QUOTA_EXCEEDED, proto, now);
	memcpy(e.src6, s->prefix, 16);
	ev_push(db, &e);
}

/* PORTS_EXHAUSTED, at most once per NAT64_LOG_INTERVAL per shard. */
static void exhausted(struct nat64_db *db, uint8_t proto, const uint8_t *src6,
		      uint16_t sport6, uint32_t now)
{
	struct nat64_log_event e;

	db->stats.pool4_exhausted++;
	if (db->exhaust_logged &&
	    (uint32_t)(now - db->last_exhaust_log) < NAT64_LOG_INTERVAL)
		return;
	db->exhaust_logged = 1;
	db->last_exhaust_log = now;
	ev_init(db, &e, NAT64_EV_PORTS_EXHAUSTED, proto, now);
	memcpy(e.src6, src6, 16);
	e.sport6 = sport6;
	ev_push(db, &e);
}

/* ---- subscribers ---- */

static uint32_t sub_find(const struct nat64_db *db, const uint8_t *prefix,
			 uint32_t h)
{
	for (uint32_t i = db->hsub[h]; i != NAT64_NONE; i = db->sub[i].next)
		if (!memcmp(db->sub[i].prefix, prefix, 16))
			return i;
	return NAT64_NONE;
}

static uint32_t sub_new(struct nat64_db *db, const uint8_t *prefix, uint32_t h,
			uint32_t now)
{
	uint32_t i = db->free_sub;
	struct nat64_sub *s;

	if (i == NAT64_NONE)
		return NAT64_NONE;
	s = &db->sub[i];
	db->free_sub = s->next;
	memcpy(s->prefix, prefix, 16);
	s->nsess = 0;
	s->nbib = 0;
	/* so that the first refusal is logged */
	s->last_quota_log = now - NAT64_LOG_INTERVAL;
	s->next = db->hsub[h];
	db->hsub[h] = i;
	if (db->blocks)
		memset(&db->blocks[i], 0, sizeof(db->blocks[i]));
	db->nsub++;
	return i;
}

static void sub_free(struct nat64_db *db, uint32_t i)
{
	struct nat64_sub *s = &db->sub[i];
	uint32_t *pp = &db->hsub[hash_sub(db, s->prefix)];

	while (*pp != NAT64_NONE && *pp != i)
		pp = &db->sub[*pp].next;
	if (*pp == i)
		*pp = s->next;
	s->next = db->free_sub;
	db->free_sub = i;
	db->nsub--;
}

/* The subscriber of src6 (its prefix in *prefix), found or made (then
 * *new_sub = 1); NAT64_NONE, counted, when the subscriber table is full. */
static uint32_t sub_get(struct nat64_db *db, const uint8_t *src6, uint32_t now,
			uint8_t *prefix, int *new_sub)
{
	uint32_t h, si;

	*new_sub = 0;
	sub_prefix(src6, db->cfg.sub_len, prefix);
	h = hash_sub(db, prefix);
	si = sub_find(db, prefix, h);
	if (si != NAT64_NONE)
		return si;
	si = sub_new(db, prefix, h, now);
	if (si == NAT64_NONE) {
		db->stats.subs_full++;
		return NAT64_NONE;
	}
	*new_sub = 1;
	return si;
}

/* Is subscriber s at its session limit?  Then the refusal is counted and
 * logged (rate-limited, quota_refused). */
static int sub_over_quota(struct nat64_db *db, struct nat64_sub *s,
			  uint8_t proto, uint32_t now)
{
	if (!db->cfg.sub_max_sessions || s->nsess < db->cfg.sub_max_sessions)
		return 0;
	quota_refused(db, s, proto, now);
	return 1;
}

/* ---- BIB ---- */

static inline uint32_t bib_find6(const struct nat64_db *db, uint8_t proto,
				 const uint8_t *src6, uint16_t sport6)
{
	uint32_t i = db->h6[hash_bib6(db, proto, src6, sport6)];

	for (; i != NAT64_NONE; i = db->bib[i].next6) {
		const struct nat64_bib *b = &db->bib[i];
		if (b->sport6 == sport6 && b->proto == proto &&
		    load64(b->src6) == load64(src6) &&
		    load64(b->src6 + 8) == load64(src6 + 8))
			return i;
	}
	return NAT64_NONE;
}

static inline uint32_t bib_find4(const struct nat64_db *db, uint8_t proto,
				 uint32_t addr4, uint16_t port4)
{
	uint32_t i = db->h4[hash_bib4(db, proto, addr4, port4)];

	for (; i != NAT64_NONE; i = db->bib[i].next4) {
		const struct nat64_bib *b = &db->bib[i];
		if (b->port4 == port4 && b->addr4 == addr4 && b->proto == proto)
			return i;
	}
	return NAT64_NONE;
}

struct nat64_bib *nat64_bib_get(struct nat64_db *db, uint32_t i)
{
	return i < db->cfg.max_bib ? &db->bib[i] : NULL;
}

/* Take a BIB slot for (proto, src6, sport6) <-> (addr4, port4) and index
 * it; the caller has checked that a slot is free. */
static uint32_t bib_insert(struct nat64_db *db, uint8_t proto,
			   const uint8_t *src6, uint16_t sport6, uint32_t addr4,
			   uint16_t port4, uint32_t sub)
{
	uint32_t i = db->free_bib, h6, h4;
	struct nat64_bib *b = &db->bib[i];

	db->free_bib = b->next6;
	memcpy(b->src6, src6, 16);
	b->addr4 = addr4;
	b->sport6 = sport6;
	b->port4 = port4;
	b->proto = proto;
	b->is_static = 0;
	b->src6sum = csum_fold32(csum_addr6(src6));
	b->nsess = 0;
	b->sub = sub;
	b->sess = NAT64_NONE;
	h6 = hash_bib6(db, proto, src6, sport6);
	h4 = hash_bib4(db, proto, addr4, port4);
	b->next6 = db->h6[h6];
	db->h6[h6] = i;
	b->next4 = db->h4[h4];
	db->h4[h4] = i;
	db->nbib++;
	db->stats.bib_created++;
	return i;
}

uint32_t nat64_bib_add(struct nat64_db *db, uint8_t proto, const uint8_t *src6,
		       uint16_t sport6, uint32_t now, int *why)
{
	uint8_t prefix[16];
	uint32_t si, bi, addr4;
	uint16_t port4;
	struct nat64_sub *s;
	struct pool4_blocks *blk;
	struct pool4_event pev = {0, 0};
	int new_sub, r;

	if (proto >= NAT64_NPROTO) {
		*why = XLAT_R_NAT64_POOL4_EXHAUSTED; /* no port of that kind */
		return NAT64_NONE;
	}
	if (db->free_bib == NAT64_NONE) {
		db->stats.bib_full++;
		*why = XLAT_R_NAT64_BIB_FULL;
		return NAT64_NONE;
	}
	si = sub_get(db, src6, now, prefix, &new_sub);
	if (si == NAT64_NONE) {
		*why = XLAT_R_NAT64_SUBS_FULL;
		return NAT64_NONE;
	}
	s = &db->sub[si];
	if (sub_over_quota(db, s, proto, now)) {
		*why = XLAT_R_NAT64_QUOTA;
		goto undo_sub;
	}
	blk = db->blocks ? &db->blocks[si] : NULL;
	r = pool4_get(db->pool4, proto, src6, sport6,
		      (uint32_t)sub_hash64(&db->cfg, prefix), blk, &addr4,
		      &port4, &pev);
	if (r == -EDQUOT) {
		quota_refused(db, s, proto, now);
		*why = XLAT_R_NAT64_QUOTA;
		goto undo_sub;
	}
	if (r) {
		exhausted(db, proto, src6, sport6, now);
		*why = XLAT_R_NAT64_POOL4_EXHAUSTED;
		goto undo_sub;
	}
	bi = bib_insert(db, proto, src6, sport6, addr4, port4, si);
	s->nbib++;
	if (pev.block_new)
		ev_block(db, NAT64_EV_BLOCK_ALLOC, proto, s, addr4,
			 pev.block_start, now);
	if (!db->blocks)
		ev_bib(db, NAT64_EV_BIB_CREATE, &db->bib[bi], now);
	return bi;
undo_sub:
	if (new_sub)
		sub_free(db, si);
	return NAT64_NONE;
}

int nat64_bib_add_static(struct nat64_db *db, uint8_t proto,
			 const uint8_t *src6, uint16_t sport6, uint32_t addr4,
			 uint16_t port4)
{
	uint32_t i;
	int r;

	if (proto >= NAT64_NPROTO)
		return -ENOENT;
	if (nat64_bib_find6(db, proto, src6, sport6) != NAT64_NONE ||
	    nat64_bib_find4(db, proto, addr4, port4) != NAT64_NONE)
		return -EEXIST;
	if (db->free_bib == NAT64_NONE) {
		db->stats.bib_full++;
		return -ENOSPC;
	}
	r = pool4_reserve(db->pool4, proto, addr4, port4);
	if (r)
		return r;
	i = bib_insert(db, proto, src6, sport6, addr4, port4, NAT64_NONE);
	db->bib[i].is_static = 1;
	return 0;
}

/* Unindex and free a BIB entry without sessions; give its port back. */
static void bib_remove(struct nat64_db *db, uint32_t i, uint32_t now)
{
	struct nat64_bib *b = &db->bib[i];
	uint32_t *pp;
	struct nat64_sub *s = b->sub != NAT64_NONE ? &db->sub[b->sub] : NULL;
	struct pool4_blocks *blk = s && db->blocks ? &db->blocks[b->sub] : NULL;
	uint16_t start = 0;

	pp = &db->h6[hash_bib6(db, b->proto, b->src6, b->sport6)];
	while (*pp != NAT64_NONE && *pp != i)
		pp = &db->bib[*pp].next6;
	if (*pp == i)
		*pp = b->next6;
	pp = &db->h4[hash_bib4(db, b->proto, b->addr4, b->port4)];
	while (*pp != NAT64_NONE && *pp != i)
		pp = &db->bib[*pp].next4;
	if (*pp == i)
		*pp = b->next4;

	if (pool4_put(db->pool4, b->proto, b->addr4, b->port4, blk, &start) ==
	    1) {
		if (s)
			ev_block(db, NAT64_EV_BLOCK_RELEASE, b->proto, s,
				 b->addr4, start, now);
	} else if (!db->blocks && !b->is_static) {
		/* static entries are configuration, not logged mappings */
		ev_bib(db, NAT64_EV_BIB_DELETE, b, now);
	}
	if (s && --s->nbib == 0)
		sub_free(db, b->sub);

	b->proto = NAT64_BIB_FREE;
	b->is_static = 0;
	b->sub = NAT64_NONE;
	b->sess = NAT64_NONE;
	b->next4 = NAT64_NONE;
	b->next6 = db->free_bib;
	db->free_bib = i;
	db->nbib--;
	db->stats.bib_deleted++;
}

void nat64_bib_del(struct nat64_db *db, uint32_t bib, uint32_t now)
{
	if (bib >= db->cfg.max_bib || db->bib[bib].proto == NAT64_BIB_FREE ||
	    db->bib[bib].nsess)
		return;
	bib_remove(db, bib, now);
}

/* ---- sessions ---- */

static inline uint32_t sess_find(const struct nat64_db *db, uint32_t bib,
				 uint32_t raddr4, uint16_t rport)
{
	uint32_t i = db->hs[hash_sess(db, bib, raddr4, rport)];

	for (; i != NAT64_NONE; i = db->sess[i].next) {
		const struct nat64_sess *s = &db->sess[i];
		if (s->bib == bib && s->raddr4 == raddr4 && s->rport == rport)
			return i;
	}
	return NAT64_NONE;
}

uint32_t nat64_bib_find6(const struct nat64_db *db, uint8_t proto,
			 const uint8_t *src6, uint16_t sport6)
{
	return bib_find6(db, proto, src6, sport6);
}

uint32_t nat64_bib_find4(const struct nat64_db *db, uint8_t proto,
			 uint32_t addr4, uint16_t port4)
{
	return bib_find4(db, proto, addr4, port4);
}

uint32_t nat64_sess_find(const struct nat64_db *db, uint32_t bib,
			 uint32_t raddr4, uint16_t rport)
{
	return sess_find(db, bib, raddr4, rport);
}

/* nat64_sess_expired(), inlined for the hit path */
static inline int sess_expired(const struct nat64_db *db,
			       const struct nat64_sess *s, uint32_t now)
{
	uint32_t last = __atomic_load_n(&s->last, __ATOMIC_RELAXED);
	uint32_t t = s->timer < NAT64_NTIMERS ? s->timer : 0;
	return (int32_t)(now - last) >= (int64_t)db->cfg.timeout[t];
}

struct nat64_sess *nat64_hit6(struct nat64_db *db, uint8_t proto,
			      const uint8_t *src6, uint16_t sport6,
			      uint32_t raddr4, uint16_t rport, uint32_t now,
			      struct nat64_bib **bib)
{
	uint32_t b = bib_find6(db, proto, src6, sport6);
	if (b == NAT64_NONE)
		return NULL;
	uint32_t s = sess_find(db, b, raddr4, rport);
	if (s == NAT64_NONE || sess_expired(db, &db->sess[s], now))
		return NULL;
	*bib = &db->bib[b];
	return &db->sess[s];
}

struct nat64_sess *nat64_hit4(struct nat64_db *db, uint8_t proto,
			      uint32_t addr4, uint16_t port4, uint32_t raddr4,
			      uint16_t rport, uint32_t now,
			      struct nat64_bib **bib)
{
	uint32_t b = bib_find4(db, proto, addr4, port4);
	if (b == NAT64_NONE)
		return NULL;
	uint32_t s = sess_find(db, b, raddr4, rport);
	if (s == NAT64_NONE || sess_expired(db, &db->sess[s], now))
		return NULL;
	*bib = &db->bib[b];
	return &db->sess[s];
}

int nat64_bib_has_remote(const struct nat64_db *db, uint32_t bib,
			 uint32_t raddr4)
{
	uint32_t tail, i;

	if (bib >= db->cfg.max_bib || db->bib[bib].sess == NAT64_NONE)
		return 0;
	tail = i = db->bib[bib].sess;
	do {
		i = db->sess[i].bnext;
		if (db->sess[i].raddr4 == raddr4)
			return 1;
	} while (i != tail);
	return 0;
}

struct nat64_sess *nat64_sess_get(struct nat64_db *db, uint32_t i)
{
	return i < db->cfg.max_sessions ? &db->sess[i] : NULL;
}

/* nat64_sess_add without its mapping-log event. */
static uint32_t sess_insert(struct nat64_db *db, uint32_t bib, uint32_t raddr4,
			    uint16_t rport, uint8_t state, uint8_t timer,
			    uint32_t now, int *why)
{
	struct nat64_bib *b;
	struct nat64_sub *sub = NULL;
	struct nat64_sess *s;
	uint32_t i, h;

	if (bib >= db->cfg.max_bib || db->bib[bib].proto == NAT64_BIB_FREE) {
		*why = XLAT_R_NAT64_NO_BIB;
		return NAT64_NONE;
	}
	b = &db->bib[bib];
	if (db->free_sess == NAT64_NONE) {
		db->stats.sess_full++;
		*why = XLAT_R_NAT64_SESS_FULL;
		return NAT64_NONE;
	}
	if (b->sub != NAT64_NONE) {
		sub = &db->sub[b->sub];
		if (sub_over_quota(db, sub, b->proto, now)) {
			*why = XLAT_R_NAT64_QUOTA;
			return NAT64_NONE;
		}
	}
	i = db->free_sess;
	s = &db->sess[i];
	db->free_sess = s->next;
	s->bib = bib;
	s->raddr4 = raddr4;
	s->rport = rport;
	s->state = state;
	s->timer = timer < NAT64_NTIMERS ? timer : NAT64_T_NONE;
	s->last = now;
	h = hash_sess(db, bib, raddr4, rport);
	s->next = db->hs[h];
	db->hs[h] = i;
	/* the BIB's circular list: b->sess is the newest, its bnext the
	 * oldest */
	if (b->sess == NAT64_NONE) {
		s->bnext = i;
	} else {
		s->bnext = db->sess[b->sess].bnext;
		db->sess[b->sess].bnext = i;
	}
	b->sess = i;
	b->nsess++;
	if (sub)
		sub->nsess++;
	db->nsess++;
	db->stats.sess_created++;
	return i;
}

uint32_t nat64_sess_add(struct nat64_db *db, uint32_t bib, uint32_t raddr4,
			uint16_t rport, uint8_t state, uint8_t timer,
			uint32_t now, int *why)
{
	uint32_t i =
	    sess_insert(db, bib, raddr4, rport, state, timer, now, why);

	if (i != NAT64_NONE && db->cfg.log_sessions && !db->blocks)
		ev_sess(db, NAT64_EV_SESSION_CREATE, &db->sess[i], now);
	return i;
}

/* ---- adoption (hybrid restart) ---- */

/* The dynamic BIB entry of an adopted mapping: nat64_bib_add with the port
 * a->port4 (pool4_claim) and no mapping-log event.  0 and *bi, or a
 * negative errno with nothing left behind. */
static int bib_adopt(struct nat64_db *db, const struct nat64_adopt *a,
		     uint32_t now, uint32_t *bi)
{
	uint8_t prefix[16];
	struct nat64_sub *s;
	uint32_t si;
	int new_sub, r;

	if (db->free_bib == NAT64_NONE) {
		db->stats.bib_full++;
		return -ENOSPC;
	}
	si = sub_get(db, a->src6, now, prefix, &new_sub);
	if (si == NAT64_NONE)
		return -ENOSPC;
	s = &db->sub[si];
	if (sub_over_quota(db, s, a->proto, now)) {
		r = -EDQUOT;
	} else {
		r = pool4_claim(db->pool4, a->proto, a->addr4, a->port4,
				db->blocks ? &db->blocks[si] : NULL);
		if (r == -EDQUOT) /* at its block limit, as in nat64_bib_add */
			quota_refused(db, s, a->proto, now);
	}
	if (r) {
		if (new_sub)
			sub_free(db, si);
		return r;
	}
	*bi = bib_insert(db, a->proto, a->src6, a->sport6, a->addr4, a->port4,
			 si);
	s->nbib++;
	return 0;
}

int nat64_sess_adopt(struct nat64_db *db, const struct nat64_adopt *a,
		     uint32_t now)
{
	uint32_t bi, si;
	uint8_t state = 0;
	int new_bib = 0, why = 0, r;

	if (a->proto >= NAT64_NPROTO || a->timer == NAT64_T_NONE ||
	    a->timer >= NAT64_NTIMERS)
		return -EINVAL;
	if (a->proto == NAT64_TCP) {
		if (a->state == NAT64_TCP_CLOSED ||
		    a->state >= NAT64_TCP_NSTATES)
			return -EINVAL;
		state = a->state;
	}
	/* sess_expired's test: a signed age, so that a 'last' slightly
	 * ahead of 'now' (another writer's clock) is young */
	if ((int32_t)(now - a->last) >= (int64_t)db->cfg.timeout[a->timer])
		return -ETIME;
	bi = bib_find6(db, a->proto, a->src6, a->sport6);
	if (bi != NAT64_NONE) {
		const struct nat64_bib *b = &db->bib[bi];

		if (b->addr4 != a->addr4 || b->port4 != a->port4)
			return -EBUSY;
		si = sess_find(db, bi, a->raddr4, a->rport);
		if (si != NAT64_NONE) {
			struct nat64_sess *s = &db->sess[si];
			uint32_t last =
			    __atomic_load_n(&s->last, __ATOMIC_RELAXED);

			if ((int32_t)(a->last - last) > 0)
				__atomic_store_n(&s->last, a->last,
						 __ATOMIC_RELAXED);
			return -EEXIST;
		}
	} else if (bib_find4(db, a->proto, a->addr4, a->port4) != NAT64_NONE) {
		return -EBUSY; /* the port maps another (src6, sport6) */
	}
	/* a full session table refuses before a BIB is made for nothing */
	if (db->free_sess == NAT64_NONE) {
		db->stats.sess_full++;
		return -ENOSPC;
	}
	if (bi == NAT64_NONE) {
		r = bib_adopt(db, a, now, &bi);
		if (r)
			return r;
		new_bib = 1;
	}
	si = sess_insert(db, bi, a->raddr4, a->rport, state, a->timer, now,
			 &why);
	if (si == NAT64_NONE) {
		/* not reached after the checks above (bib_adopt checked the
		 * same quota); kept so that a refusal leaks nothing: the
		 * BIB goes, and its subscriber with it if it was new */
		if (new_bib)
			nat64_bib_del(db, bi, now);
		return why == XLAT_R_NAT64_QUOTA ? -EDQUOT : -ENOSPC;
	}
	db->sess[si].last = a->last;
	db->stats.sess_adopted++;
	return 0;
}

void nat64_sess_del(struct nat64_db *db, uint32_t sess, uint32_t now)
{
	struct nat64_sess *s;
	struct nat64_bib *b;
	uint32_t *pp, bi, prev;

	if (sess >= db->cfg.max_sessions || db->sess[sess].bib == NAT64_NONE)
		return;
	s = &db->sess[sess];
	bi = s->bib;
	b = &db->bib[bi];
	if (db->cfg.log_sessions && !db->blocks)
		ev_sess(db, NAT64_EV_SESSION_DELETE, s, now);

	pp = &db->hs[hash_sess(db, bi, s->raddr4, s->rport)];
	while (*pp != NAT64_NONE && *pp != sess)
		pp = &db->sess[*pp].next;
	if (*pp == sess)
		*pp = s->next;
	/* The BIB's list is singly linked (24-byte sessions) and circular,
	 * oldest first after the newest: finding the predecessor walks past
	 * the sessions older than this one, so expiry (mostly oldest first)
	 * stays O(1) even under a BIB with thousands of sessions. */
	prev = b->sess;
	for (uint32_t k = 0; k < b->nsess && db->sess[prev].bnext != sess; k++)
		prev = db->sess[prev].bnext;
	if (prev == sess) {
		b->sess = NAT64_NONE; /* it was the only one */
	} else {
		db->sess[prev].bnext = s->bnext;
		if (b->sess == sess)
			b->sess = prev;
	}

	s->bib = NAT64_NONE;
	s->timer = NAT64_T_NONE;
	s->state = 0;
	s->bnext = NAT64_NONE;
	s->next = db->free_sess;
	db->free_sess = sess;
	db->nsess--;
	b->nsess--;
	if (b->sub != NAT64_NONE)
		db->sub[b->sub].nsess--;
	if (b->nsess == 0 && !b->is_static)
		bib_remove(db, bi, now);
}

/* ---- expiry ---- */

int nat64_sess_expired(const struct nat64_db *db, uint32_t i, uint32_t now)
{
	const struct nat64_sess *s = &db->sess[i];
	/* 'last' may be refreshed concurrently (XDP): read it once.  Signed
	 * age: a 'last' slightly ahead of our 'now' (another writer's clock)
	 * is young, not 136 years old. */
	uint32_t last = __atomic_load_n(&s->last, __ATOMIC_RELAXED);
	int64_t age = (int32_t)(now - last);
	uint32_t t = s->timer < NAT64_NTIMERS ? s->timer : 0;
	return age >= (int64_t)db->cfg.timeout[t];
}

int nat64_bib_purge(struct nat64_db *db, uint32_t bib, uint32_t now)
{
	struct nat64_bib *b = &db->bib[bib];
	uint32_t n = b->nsess, i = b->sess;

	for (uint32_t k = 0; k < n && i != NAT64_NONE; k++) {
		uint32_t next = db->sess[i].bnext;
		if (nat64_sess_expired(db, i, now)) {
			int last = b->nsess == 1;
			nat64_sess_del(db, i, now);
			db->stats.sess_expired++;
			if (last)
				return b->is_static; /* a dynamic BIB went */
		}
		i = next;
	}
	return 1;
}

unsigned nat64_db_sweep(struct nat64_db *db, uint32_t now)
{
	unsigned removed = 0;
	uint32_t n = db->cfg.max_sessions, i = db->cursor;

	for (uint32_t k = 0; k < db->cfg.sweep_budget && k < n; k++) {
		struct nat64_sess *s = &db->sess[i];
		uint32_t cur = i;

		i = i + 1 < n ? i + 1 : 0;
		if (s->bib == NAT64_NONE)
			continue;
		/* RFC 6146 §3.5: a session is removed when its lifetime
		 * expires.  A TCP session in V4_INIT is just removed here:
		 * answering its held SYN (§3.5.2.2) is nat64.c's job. */
		if (nat64_sess_expired(db, cur, now)) {
			nat64_sess_del(db, cur, now);
			db->stats.sess_expired++;
			removed++;
		}
	}
	db->cursor = i;
	return removed;
}

/* ---- accessors ---- */

const struct nat64_db_stats *nat64_db_stats(const struct nat64_db *db)
{
	return &db->stats;
}

uint32_t nat64_db_nbib(const struct nat64_db *db)
{
	return db->nbib;
}

uint32_t nat64_db_nsess(const struct nat64_db *db)
{
	return db->nsess;
}

size_t nat64_db_bytes(const struct nat64_db *db)
{
	return db->bytes;
}

struct pool4 *nat64_db_pool4(struct nat64_db *db)
{
	return db->pool4;
}

const struct nat64_cfg *nat64_db_cfg(const struct nat64_db *db)
{
	return &db->cfg;
}

void nat64_db_set_soft(struct nat64_db *db, const struct nat64_cfg *cfg)
{
	memcpy(db->cfg.timeout, cfg->timeout, sizeof(db->cfg.timeout));
	db->cfg.adf = cfg->adf;
	db->cfg.drop_inbound_syn = cfg->drop_inbound_syn;
}

/* What a subscriber shows the control plane (slot si, live). */
static void sub_fill(const struct nat64_db *db, uint32_t si,
		     struct nat64_sub_info *out)
{
	out->nsess = db->sub[si].nsess;
	out->nbib = db->sub[si].nbib;
	if (db->blocks) {
		const struct pool4_blocks *b = &db->blocks[si];
		out->addr4 = b->addr;
		for (int p = 0; p < NAT64_NPROTO; p++) {
			out->blocks[p] = b->proto_n[p];
			for (unsigned j = 0; j < b->proto_n[p]; j++)
				out->ports[p] += b->used[p][j];
		}
	}
}

int nat64_db_sub_slot(const struct nat64_db *db, uint32_t i,
		      struct nat64_sub_info *out)
{
	memset(out, 0, sizeof(*out));
	/* a live subscriber holds a BIB entry: it is freed with its last
	 * one (bib_remove), and never kept without one (nat64_bib_add) */
	if (i >= db->cfg.max_subs || db->sub[i].nbib == 0)
		return 0;
	memcpy(out->prefix, db->sub[i].prefix, 16);
	out->len = db->cfg.sub_len;
	out->limit = db->cfg.sub_max_sessions;
	sub_fill(db, i, out);
	return 1;
}

struct pool4 *nat64_db_swap_pool4(struct nat64_db *db, struct pool4 *p,
				  const struct pool4_cfg *cfg)
{
	struct pool4 *old = db->pool4;
	db->pool4 = p;
	db->cfg.pool4 = *cfg;
	return old;
}

int nat64_db_sub_info(const struct nat64_db *db, const uint8_t *src6,
		      struct nat64_sub_info *out)
{
	uint8_t prefix[16];
	memset(out, 0, sizeof(*out));
	sub_prefix(src6, db->cfg.sub_len, prefix);
	memcpy(out->prefix, prefix, 16);
	out->len = db->cfg.sub_len;
	out->limit = db->cfg.sub_max_sessions;
	uint32_t si = sub_find(db, prefix, hash_sub(db, prefix));
	if (si == NAT64_NONE)
		return 0;
	sub_fill(db, si, out);
	return 1;
}
