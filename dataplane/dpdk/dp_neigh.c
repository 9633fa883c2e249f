/*
 * dp_neigh.c - the dpdk mode's neighbour cache: a fixed open-addressing
 * table (linear probing, backward-shift deletion, no tombstones) with one
 * seqlock per slot for the lock-free readers and one spin flag for the
 * writers.  See dp_neigh.h for the contract.
 *
 * Every field of a slot is a relaxed atomic word, so a reader racing a
 * writer reads stale or mixed words, never undefined behaviour; the
 * sequence counter tells it to retry (the C11 seqlock of Boehm, "Can
 * seqlocks get along with programming language memory models?", 2012).
 */
#include <errno.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "dataplane/dpdk/dp_neigh.h"
#include "dataplane/xlat/siphash.h"

#define NEIGH_MAX_PROBES 3 /* RFC 4861 §10 MAX_MULTICAST_SOLICIT */

/* meta word: port (16) | is6 (8) | state (8) | probes (8) */
#define META(port, is6, st, pr)                               \
	((uint64_t)(port) | (uint64_t)((is6) ? 1 : 0) << 16 | \
	 (uint64_t)(st) << 24 | (uint64_t)(pr) << 32)
#define META_PORT(m)   ((uint16_t)((m)&0xffff))
#define META_IS6(m)    ((int)(((m) >> 16) & 0xff))
#define META_STATE(m)  ((uint8_t)(((m) >> 24) & 0xff))
#define META_PROBES(m) ((uint8_t)(((m) >> 32) & 0xff))

/* One cache line. */
struct neigh_slot {
	atomic_uint seq; /* odd while a writer is changing the slot */
	_Atomic uint64_t meta;
	_Atomic uint64_t ip[2];	  /* the 16 address bytes, memory order */
	_Atomic uint64_t mac;	  /* 6 bytes in the low 48 bits */
	_Atomic uint64_t t_conf;  /* last confirmation (REACHABLE since) */
	_Atomic uint64_t t_probe; /* last probe taken */
} __attribute__((aligned(64)));

/* A slot's content as one consistent copy. */
struct neigh_ent {
	uint64_t meta, ip[2], mac, t_conf, t_probe;
};

struct dp_neigh {
	struct neigh_slot *s;
	uint32_t mask;
	uint32_t max; /* most live entries: 7/8 of the slots */
	uint32_t n;   /* live entries (writers only) */
	uint64_t key[2];
	uint64_t reachable, stale, retrans;
	uint64_t t_sweep; /* last sweep of a full table (writers only) */
	int swept;
	atomic_flag lock;
	/* bumped by every writer section, on its own cache line: readers
	 * that cache an answer check it (dp_neigh_gen) */
	_Alignas(64) _Atomic uint64_t gen;
};

static void wlock(struct dp_neigh *t)
{
	while (
	    atomic_flag_test_and_set_explicit(&t->lock, memory_order_acquire))
		;
}

static void wunlock(struct dp_neigh *t)
{
	atomic_fetch_add_explicit(&t->gen, 1, memory_order_release);
	atomic_flag_clear_explicit(&t->lock, memory_order_release);
}

static void slot_read(struct neigh_slot *s, struct neigh_ent *e)
{
	unsigned a, b;

	do {
		a = atomic_load_explicit(&s->seq, memory_order_acquire);
		e->meta = atomic_load_explicit(&s->meta, memory_order_relaxed);
		e->ip[0] =
		    atomic_load_explicit(&s->ip[0], memory_order_relaxed);
		e->ip[1] =
		    atomic_load_explicit(&s->ip[1], memory_order_relaxed);
		e->mac = atomic_load_explicit(&s->mac, memory_order_relaxed);
		e->t_conf =
		    atomic_load_explicit(&s->t_conf, memory_order_relaxed);
		e->t_probe =
		    atomic_load_explicit(&s->t_probe, memory_order_relaxed);
		atomic_thread_fence(memory_order_acquire);
		b = atomic_load_explicit(&s->seq, memory_order_relaxed);
	} while ((a & 1) || a != b);
}

/* Writers only, under the lock. */
static void slot_write(struct neigh_slot *s, const struct neigh_ent *e)
{
	unsigned q = atomic_load_explicit(&s->seq, memory_order_relaxed);

	atomic_store_explicit(&s->seq, q + 1, memory_order_relaxed);
	atomic_thread_fence(memory_order_release);
	atomic_store_explicit(&s->meta, e->meta, memory_order_relaxed);
	atomic_store_explicit(&s->ip[0], e->ip[0], memory_order_relaxed);
	atomic_store_explicit(&s->ip[1], e->ip[1], memory_order_relaxed);
	atomic_store_explicit(&s->mac, e->mac, memory_order_relaxed);
	atomic_store_explicit(&s->t_conf, e->t_conf, memory_order_relaxed);
	atomic_store_explicit(&s->t_probe, e->t_probe, memory_order_relaxed);
	atomic_store_explicit(&s->seq, q + 2, memory_order_release);
}

static uint64_t mac_pack(const uint8_t *m)
{
	uint64_t v = 0;
	for (int i = 0; i < 6; i++)
		v |= (uint64_t)m[i] << (8 * i);
	return v;
}

static void mac_unpack(uint64_t v, uint8_t *m)
{
	for (int i = 0; i < 6; i++)
		m[i] = (uint8_t)(v >> (8 * i));
}

/* The key of a lookup, in slot form. */
struct neigh_key {
	uint16_t port;
	int is6;
	uint64_t ip[2];
};

static void key_make(struct neigh_key *k, uint16_t port, int is6,
		     const uint8_t *ip)
{
	uint8_t b[16] = {0};

	memcpy(b, ip, is6 ? 16 : 4);
	k->port = port;
	k->is6 = is6 ? 1 : 0;
	memcpy(&k->ip[0], b, 8);
	memcpy(&k->ip[1], b + 8, 8);
}

static uint32_t key_home(const struct dp_neigh *t, const struct neigh_key *k)
{
	uint8_t m[20];

	memcpy(m, k->ip, 16);
	m[16] = (uint8_t)k->port;
	m[17] = (uint8_t)(k->port >> 8);
	m[18] = (uint8_t)k->is6;
	m[19] = 0;
	return (uint32_t)siphash(t->key, m, sizeof(m), 1, 3) & t->mask;
}

static int ent_match(const struct neigh_ent *e, const struct neigh_key *k)
{
	return META_STATE(e->meta) != DP_NEIGH_NONE &&
	       META_PORT(e->meta) == k->port && META_IS6(e->meta) == k->is6 &&
	       e->ip[0] == k->ip[0] && e->ip[1] == k->ip[1];
}

static uint64_t since(uint64_t now, uint64_t t)
{
	return now > t ? now - t : 0;
}

/* Has the entry outlived its state? (RFC 4861 §7.3.2, simplified:
 * REACHABLE for 'reachable' after a confirmation, then STALE for 'stale',
 * then gone; INCOMPLETE gone once NEIGH_MAX_PROBES probes went
 * unanswered for retrans each.) */
static int ent_expired(const struct dp_neigh *t, const struct neigh_ent *e,
		       uint64_t now)
{
	switch (META_STATE(e->meta)) {
	case DP_NEIGH_INCOMPLETE:
		return META_PROBES(e->meta) >= NEIGH_MAX_PROBES &&
		       since(now, e->t_probe) >= t->retrans;
	case DP_NEIGH_REACHABLE:
	case DP_NEIGH_STALE:
		return since(now, e->t_conf) >= t->reachable + t->stale;
	default: return 0;
	}
}

/* Find k: its slot index, or -1.  Readers and writers. */
static int64_t find(struct dp_neigh *t, const struct neigh_key *k,
		    struct neigh_ent *e)
{
	uint32_t i = key_home(t, k);

	for (uint32_t n = 0; n <= t->mask; n++, i = (i + 1) & t->mask) {
		slot_read(&t->s[i], e);
		if (META_STATE(e->meta) == DP_NEIGH_NONE)
			return -1;
		if (ent_match(e, k))
			return i;
	}
	return -1;
}

/* Writers: remove slot i and shift the rest of its run back so that no
 * entry is separated from its home by a free slot (Knuth 6.4 Algorithm
 * R).  A reader racing the shift may miss an entry; it then takes the
 * writer path, which looks again under the lock. */
static void slot_del(struct dp_neigh *t, uint32_t i)
{
	static const struct neigh_ent empty;
	struct neigh_ent e;
	uint32_t j = i;

	for (;;) {
		j = (j + 1) & t->mask;
		slot_read(&t->s[j], &e);
		if (META_STATE(e.meta) == DP_NEIGH_NONE)
			break;
		struct neigh_key k = {.port = META_PORT(e.meta),
				      .is6 = META_IS6(e.meta),
				      .ip = {e.ip[0], e.ip[1]}};
		uint32_t h = key_home(t, &k);
		/* e stays if its home lies cyclically in (i, j] */
		if (i <= j ? (i < h && h <= j) : (i < h || h <= j))
			continue;
		slot_write(&t->s[i], &e);
		i = j;
	}
	slot_write(&t->s[i], &empty);
	t->n--;
}

/* Writers: remove every expired entry; returns how many. */
static unsigned expire_locked(struct dp_neigh *t, uint64_t now)
{
	struct neigh_ent e;
	unsigned n = 0;

	for (uint32_t i = 0; i <= t->mask;) {
		slot_read(&t->s[i], &e);
		if (META_STATE(e.meta) != DP_NEIGH_NONE &&
		    ent_expired(t, &e, now)) {
			/* slot i now holds the next of its run: look again */
			slot_del(t, i);
			n++;
			continue;
		}
		i++;
	}
	return n;
}

static int64_t find_or_add_once(struct dp_neigh *t, const struct neigh_key *k,
				uint64_t now, int can_expire,
				struct neigh_ent *e, int *found)
{
	uint32_t i = key_home(t, k);
	int64_t reuse = -1;

	*found = 0;
	for (uint32_t n = 0; n <= t->mask; n++, i = (i + 1) & t->mask) {
		slot_read(&t->s[i], e);
		if (META_STATE(e->meta) == DP_NEIGH_NONE) {
			if (reuse >= 0)
				return reuse;
			if (t->n >= t->max)
				return -1;
			t->n++;
			return i;
		}
		if (ent_match(e, k)) {
			*found = 1;
			return i;
		}
		if (reuse < 0 && can_expire && ent_expired(t, e, now))
			reuse = i;
	}
	return reuse;
}

/*
 * Writers: the slot for k, creating it (content for the caller to write)
 * when absent.  A slot whose entry has expired is reused in place: it
 * stays occupied, so no run is broken.  When the table is full, expired
 * entries elsewhere are swept out first (at most once per retrans, so
 * that misses on a full table do not each walk it).  Returns the index
 * and sets *found, or -1 when the table is full.
 */
static int64_t find_or_add(struct dp_neigh *t, const struct neigh_key *k,
			   uint64_t now, int can_expire, struct neigh_ent *e,
			   int *found)
{
	int64_t i = find_or_add_once(t, k, now, can_expire, e, found);

	if (i >= 0 || !can_expire ||
	    (t->swept && since(now, t->t_sweep) < t->retrans))
		return i;
	t->swept = 1;
	t->t_sweep = now;
	if (expire_locked(t, now) == 0)
		return -1;
	return find_or_add_once(t, k, now, can_expire, e, found);
}

struct dp_neigh *dp_neigh_init(unsigned slots, uint32_t reachable_ms,
			       uint32_t stale_ms, uint32_t retrans_ms)
{
	struct dp_neigh *t;

	if (slots < 16 || (slots & (slots - 1)) || slots > (1u << 30))
		return NULL;
	t = calloc(1, sizeof(*t));
	if (!t)
		return NULL;
	t->s = aligned_alloc(64, (size_t)slots * sizeof(*t->s));
	if (!t->s) {
		free(t);
		return NULL;
	}
	memset(t->s, 0, (size_t)slots * sizeof(*t->s));
	for (unsigned i = 0; i < slots; i++)
		atomic_init(&t->s[i].seq, 0);
	if (getrandom(t->key, sizeof(t->key), 0) != (ssize_t)sizeof(t->key)) {
		free(t->s);
		free(t);
		return NULL;
	}
	t->mask = slots - 1;
	t->max = slots - slots / 8;
	t->reachable = reachable_ms;
	t->stale = stale_ms;
	t->retrans = retrans_ms;
	atomic_flag_clear(&t->lock);
	return t;
}

uint64_t dp_neigh_gen(const struct dp_neigh *t)
{
	return atomic_load_explicit(&((struct dp_neigh *)t)->gen,
				    memory_order_acquire);
}

void dp_neigh_fini(struct dp_neigh *t)
{
	if (!t)
		return;
	free(t->s);
	free(t);
}

static void info_fill(struct dp_neigh_info *out, const struct neigh_ent *e,
		      uint8_t state, int probe)
{
	mac_unpack(e->mac, out->mac);
	out->state = state;
	out->probe_due = (uint8_t)probe;
}

/* What a lookup that needs no write returns: 1 when done (*ret set). */
static int lookup_fast(struct dp_neigh *t, const struct neigh_ent *e,
		       uint64_t now, struct dp_neigh_info *out, int *ret)
{
	uint8_t st = META_STATE(e->meta);

	if (st == DP_NEIGH_STATIC || (st == DP_NEIGH_REACHABLE &&
				      since(now, e->t_conf) < t->reachable)) {
		info_fill(out, e, st, 0);
		*ret = 1;
		return 1;
	}
	if (ent_expired(t, e, now) || since(now, e->t_probe) >= t->retrans)
		return 0; /* a probe or a removal: the writer path */
	if (st == DP_NEIGH_INCOMPLETE) {
		info_fill(out, e, st, 0);
		memset(out->mac, 0, 6);
		*ret = 0;
		return 1;
	}
	if (st == DP_NEIGH_STALE) {
		info_fill(out, e, st, 0);
		*ret = 1;
		return 1;
	}
	return 0; /* REACHABLE turning STALE */
}

int dp_neigh_lookup(struct dp_neigh *t, uint16_t port, int is6,
		    const uint8_t *ip, uint64_t now, struct dp_neigh_info *out)
{
	struct neigh_key k;
	struct neigh_ent e;
	int64_t i;
	int ret, found;

	key_make(&k, port, is6, ip);
	memset(out, 0, sizeof(*out));
	if (find(t, &k, &e) >= 0 && lookup_fast(t, &e, now, out, &ret))
		return ret;

	wlock(t);
	i = find(t, &k, &e);
	if (i >= 0 && ent_expired(t, &e, now)) {
		/* RFC 4861 §7.3.3: a new packet to a neighbour without an
		 * entry starts resolution again. */
		slot_del(t, (uint32_t)i);
		i = -1;
	}
	if (i < 0) {
		i = find_or_add(t, &k, now, 1, &e, &found);
		if (i < 0) {
			wunlock(t); /* full: nothing to track the probe */
			return 0;
		}
		e.meta = META(port, is6, DP_NEIGH_INCOMPLETE, 1);
		e.ip[0] = k.ip[0];
		e.ip[1] = k.ip[1];
		e.mac = 0;
		e.t_conf = 0;
		e.t_probe = now;
		slot_write(&t->s[i], &e);
		wunlock(t);
		info_fill(out, &e, DP_NEIGH_INCOMPLETE, 1);
		return 0;
	}

	uint8_t st = META_STATE(e.meta);
	uint8_t pr = META_PROBES(e.meta);
	int probe = 0, changed = 0;

	if (st == DP_NEIGH_REACHABLE && since(now, e.t_conf) >= t->reachable) {
		st = DP_NEIGH_STALE; /* RFC 4861 §7.3.3 */
		changed = 1;
	}
	if ((st == DP_NEIGH_INCOMPLETE || st == DP_NEIGH_STALE) &&
	    since(now, e.t_probe) >= t->retrans) {
		probe = 1;
		e.t_probe = now;
		if (st == DP_NEIGH_INCOMPLETE && pr < 255)
			pr++;
		changed = 1;
	}
	if (changed) {
		e.meta = META(port, is6, st, pr);
		slot_write(&t->s[i], &e);
	}
	wunlock(t);
	info_fill(out, &e, st, probe);
	if (st == DP_NEIGH_INCOMPLETE) {
		memset(out->mac, 0, 6);
		return 0;
	}
	return st != DP_NEIGH_NONE;
}

void dp_neigh_learn(struct dp_neigh *t, uint16_t port, int is6,
		    const uint8_t *ip, const uint8_t *mac, int confirm,
		    uint64_t now)
{
	struct neigh_key k;
	struct neigh_ent e;
	uint64_t m = mac_pack(mac);
	int found;
	int64_t i;

	key_make(&k, port, is6, ip);
	wlock(t);
	i = find_or_add(t, &k, now, 1, &e, &found);
	if (i < 0 || (found && META_STATE(e.meta) == DP_NEIGH_STATIC)) {
		wunlock(t);
		return;
	}
	if (!found || ent_expired(t, &e, now)) {
		/* new (or a reused expired slot): as if INCOMPLETE */
		e.meta = META(port, is6, DP_NEIGH_INCOMPLETE, 0);
		e.ip[0] = k.ip[0];
		e.ip[1] = k.ip[1];
		e.t_probe = 0;
	}
	uint8_t st = META_STATE(e.meta);
	if (confirm || st == DP_NEIGH_INCOMPLETE || e.mac != m) {
		st = DP_NEIGH_REACHABLE;
		e.t_conf = now;
	} else if (st == DP_NEIGH_REACHABLE &&
		   since(now, e.t_conf) >= t->reachable) {
		st = DP_NEIGH_STALE; /* keeps its (aged) state */
	}
	e.mac = m;
	e.meta = META(port, is6, st, 0);
	slot_write(&t->s[i], &e);
	wunlock(t);
}

int dp_neigh_set_static(struct dp_neigh *t, uint16_t port, int is6,
			const uint8_t *ip, const uint8_t *mac)
{
	struct neigh_key k;
	struct neigh_ent e;
	int found;
	int64_t i;

	key_make(&k, port, is6, ip);
	wlock(t);
	i = find_or_add(t, &k, 0, 0, &e, &found);
	if (i < 0) {
		wunlock(t);
		return -ENOSPC;
	}
	e.meta = META(port, is6, DP_NEIGH_STATIC, 0);
	e.ip[0] = k.ip[0];
	e.ip[1] = k.ip[1];
	e.mac = mac_pack(mac);
	e.t_conf = 0;
	e.t_probe = 0;
	slot_write(&t->s[i], &e);
	wunlock(t);
	return 0;
}

unsigned dp_neigh_expire(struct dp_neigh *t, uint64_t now)
{
	unsigned n;

	wlock(t);
	n = expire_locked(t, now);
	wunlock(t);
	return n;
}

void dp_neigh_foreach(struct dp_neigh *t,
		      int (*fn)(uint16_t port, int is6, const uint8_t *ip,
				const struct dp_neigh_info *info, void *arg),
		      void *arg)
{
	struct neigh_ent e;
	struct dp_neigh_info info;
	uint8_t ip[16];

	for (uint32_t i = 0; i <= t->mask; i++) {
		slot_read(&t->s[i], &e);
		uint8_t st = META_STATE(e.meta);
		if (st == DP_NEIGH_NONE)
			continue;
		memcpy(ip, &e.ip[0], 8);
		memcpy(ip + 8, &e.ip[1], 8);
		info_fill(&info, &e, st, 0);
		if (fn(META_PORT(e.meta), META_IS6(e.meta), ip, &info, arg))
			return;
	}
}
