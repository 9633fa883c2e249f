/*
 * nat64.c - stateful NAT64 (RFC 6146): state lookup and creation per
 * packet, then the stateless core translates with the mapping found.
 * docs/nat64.md states the rules; tests/unit/test_nat64.c checks them.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nat64.h"
#include "xlat_priv.h"

/* pool4 addresses in a 4096-bit filter (at most 64 addresses: under 2 %
 * false positives): a packet for any other address is known not ours in a
 * few instructions, without scanning pool4. */
static inline uint32_t p4bit(uint32_t a)
{
	return (a * 0x9e3779b1u) >> (32 - NAT64_P4FILTER_BITS_LOG2);
}

static inline int maybe_pool4(const struct nat64 *n, uint32_t a)
{
	uint32_t h = p4bit(a);
	return (int)(n->p4filter[h >> 6] >> (h & 63) & 1);
}

/* Is a one of pool4's addresses, for any protocol? (slow path) */
static int pool4_any(const struct nat64 *n, uint32_t a)
{
	const struct pool4_cfg *pc = &nat64_db_cfg(n->db)->pool4;
	for (unsigned i = 0; i < pc->n; i++)
		if (pc->r[i].addr == a)
			return 1;
	return 0;
}

void nat64_pool4_changed(struct nat64 *n)
{
	const struct pool4_cfg *pc = &nat64_db_cfg(n->db)->pool4;

	memset(n->p4filter, 0, sizeof(n->p4filter));
	for (unsigned i = 0; i < pc->n; i++) {
		uint32_t h = p4bit(pc->r[i].addr);
		n->p4filter[h >> 6] |= 1ull << (h & 63);
	}
}

int nat64_init(struct nat64 *n, struct xlat_ctx *x, struct nat64_db *db,
	       char *err, size_t errlen)
{
	const struct nat64_cfg *cfg = nat64_db_cfg(db);

	memset(n, 0, sizeof(*n));
	if (!x->pool6.len) {
		snprintf(err, errlen,
			 "stateful NAT64 needs pool6 (the RFC 6052 prefix "
			 "that names the IPv4 Internet): set pool6");
		return -EINVAL;
	}
	n->x = x;
	n->db = db;
	n->frag = calloc(NAT64_FRAGS, sizeof(*n->frag));
	if (!n->frag) {
		snprintf(err, errlen, "out of memory for the fragment table");
		return -ENOMEM;
	}
	nat64_pool4_changed(n);
	n->held_max = cfg->held_syn_max;
	if (n->held_max) {
		n->held = calloc(n->held_max, sizeof(*n->held));
		if (!n->held) {
			snprintf(err, errlen, "out of memory for %u held SYNs",
				 n->held_max);
			return -ENOMEM;
		}
	}
	return 0;
}

void nat64_fini(struct nat64 *n)
{
	free(n->held);
	n->held = NULL;
	free(n->frag);
	n->frag = NULL;
}

static uint8_t proto_index(uint8_t ipproto)
{
	switch (ipproto) {
	case XLAT_IPPROTO_TCP: return NAT64_TCP;
	case XLAT_IPPROTO_UDP: return NAT64_UDP;
	default: return NAT64_ICMP;
	}
}

/* Count a verdict decided here, before the core saw the packet. */
static enum xlat_verdict done(struct nat64 *n, int side, enum xlat_verdict v,
			      enum xlat_reason r, enum xlat_reason *reason)
{
	struct xlat_stats *st = n->x->st;
	st->in[side]++;
	st->verdict[v]++;
	if (r)
		st->reason[r]++;
	*reason = r;
	return v;
}

/* A new flow from the IPv6 side could not get state: RFC 6146 §3.5.1.1
 * and §3.5.2.2 ask for ICMPv6 Destination Unreachable, Address Unreachable
 * (1/3) when no transport address or entry can be had; a subscriber over
 * its quota gets 1/1 (administratively prohibited, docs/nat64.md). */
static enum xlat_verdict refuse6(struct nat64 *n, struct xlat_pkt *pkt,
				 enum xlat_reason why, enum xlat_reason *reason)
{
	enum xlat_reason r = why;
	uint8_t code = why == XLAT_R_NAT64_QUOTA ? 1 : 3;
	enum xlat_verdict v =
	    xlat_icmp6_send(n->x, pkt, ICMP6_DEST_UNREACH, code, 0, &r);
	return done(n, 0, v, r, reason);
}

/* The transport identifiers of a flow: ports, or the echo identifier
 * twice (RFC 6146 §3.5.3: the ICMP identifier is the port). */
struct tuple {
	uint8_t proto; /* enum nat64_proto */
	uint16_t sport, dport;
	uint8_t tcp_flags;
	int icmp_err; /* the packet is an ICMP error */
};

/* Read the tuple of the upper layer at l4 (avail bytes), v6 or v4 ICMP.
 * Returns 0, or the reason to drop. */
static enum xlat_reason l4_tuple(uint8_t ipproto, const uint8_t *l4,
				 uint32_t avail, int v6, struct tuple *t)
{
	t->tcp_flags = 0;
	t->icmp_err = 0;
	t->sport = t->dport = 0;
	t->proto = 0;
	if (ipproto == XLAT_IPPROTO_TCP || ipproto == XLAT_IPPROTO_UDP) {
		if (avail < (ipproto == XLAT_IPPROTO_TCP ? 14u : 8u))
			return XLAT_R_BAD_L4;
		t->proto = proto_index(ipproto);
		t->sport = (uint16_t)(l4[0] << 8 | l4[1]);
		t->dport = (uint16_t)(l4[2] << 8 | l4[3]);
		if (ipproto == XLAT_IPPROTO_TCP)
			t->tcp_flags = l4[13];
		return XLAT_R_NONE;
	}
	if (ipproto != (v6 ? XLAT_IPPROTO_ICMPV6 : XLAT_IPPROTO_ICMP))
		return XLAT_R_ICMP_TYPE; /* RFC 6146 §3.5: TCP, UDP, ICMP only
					  */
	if (avail < 8)
		return XLAT_R_BAD_L4;
	uint8_t type = l4[0];
	if (v6 ? icmp6_is_error(type) : icmp4_is_error(type)) {
		t->icmp_err = 1;
		return XLAT_R_NONE;
	}
	int echo = v6 ? (type == ICMP6_ECHO || type == ICMP6_ECHO_REPLY)
		      : (type == ICMP4_ECHO || type == ICMP4_ECHO_REPLY);
	if (!echo || l4[1])
		return XLAT_R_ICMP_TYPE;
	t->proto = NAT64_ICMP;
	t->sport = t->dport = (uint16_t)(l4[4] << 8 | l4[5]);
	return XLAT_R_NONE;
}

static uint32_t timer_of(uint8_t proto)
{
	return proto == NAT64_UDP ? NAT64_T_UDP : NAT64_T_ICMP;
}

/* Refresh a session for a packet travelling 'dir' (RFC 6146 §3.5.1,
 * §3.5.2.2, §3.5.3): TCP by its state machine, UDP and ICMP on every
 * packet (both directions: RFC 4787 REQ-6 lets inbound refresh too). */
static void sess_touch(struct nat64 *n, struct nat64_sess *s, uint8_t proto,
		       int dir, uint8_t flags)
{
	if (proto != NAT64_TCP) {
		s->last = n->now;
		return;
	}
	struct nat64_tcp_step st = nat64_tcp_next(s->state, dir, flags);
	s->state = st.state;
	if (st.timer != NAT64_T_NONE) {
		s->timer = st.timer;
		s->last = n->now;
	}
}

/* ---------------------------------------------------------------------
 * Fragments (RFC 6146 §3.4): the first fragment is translated like a
 * whole packet and leaves its mapping here; the later ones (no transport
 * header) find it by (source, destination, identification, protocol).
 * Later fragments that come before the first are dropped and counted
 * (nat64-fragment): capped memory, no buffering.
 */

static uint32_t frag_hash(const uint8_t *src, const uint8_t *dst, uint32_t id,
			  uint8_t proto, uint8_t dir)
{
	uint32_t h = id * 0x9e3779b1u ^ (uint32_t)proto << 8 ^ dir;
	for (int i = 0; i < 16; i += 4) {
		uint32_t a, b;
		memcpy(&a, src + i, 4);
		memcpy(&b, dst + i, 4);
		h = (h ^ a) * 0x85ebca6bu;
		h = (h ^ b) * 0xc2b2ae35u;
	}
	return h ^ h >> 15;
}

static struct nat64_frag *frag_find(struct nat64 *n, const uint8_t *src,
				    const uint8_t *dst, uint32_t id,
				    uint8_t proto, uint8_t dir, int create)
{
	uint32_t h = frag_hash(src, dst, id, proto, dir);
	struct nat64_frag *free_slot = NULL;
	for (unsigned i = 0; i < NAT64_FRAG_PROBES; i++) {
		struct nat64_frag *e = &n->frag[(h + i) & (NAT64_FRAGS - 1)];
		int live = e->until && (int32_t)(e->until - n->now) > 0;
		if (live && e->id == id && e->proto == proto && e->dir == dir &&
		    !memcmp(e->src, src, 16) && !memcmp(e->dst, dst, 16))
			return e;
		if (!live && !free_slot)
			free_slot = e;
	}
	if (!create || !free_slot)
		return NULL;
	memcpy(free_slot->src, src, 16);
	memcpy(free_slot->dst, dst, 16);
	free_slot->id = id;
	free_slot->proto = proto;
	free_slot->dir = dir;
	free_slot->until = n->now + NAT64_FRAG_TIMEOUT;
	return free_slot;
}

static void key4(uint32_t a, uint8_t *k)
{
	memset(k, 0, 16);
	memcpy(k, &a, 4);
}

/* A held inbound SYN answered by the IPv6 side's own SYN (simultaneous
 * open, RFC 6146 §3.5.2.2) is dropped: the IPv4 peer retransmits. */
static void held_match(struct nat64 *n, uint32_t addr4, uint16_t port4,
		       uint32_t raddr4, uint16_t rport)
{
	for (unsigned i = 0; i < n->held_max; i++) {
		struct nat64_held *h = &n->held[i];
		if (h->since && h->addr4 == addr4 && h->port4 == port4 &&
		    h->raddr4 == raddr4 && h->rport == rport) {
			h->since = 0;
			n->nheld--;
		}
	}
}

static enum xlat_reason held_add(struct nat64 *n, const struct xlat_pkt *pkt,
				 uint32_t addr4, uint16_t port4,
				 uint32_t raddr4, uint16_t rport)
{
	for (unsigned i = 0; i < n->held_max; i++) {
		struct nat64_held *h = &n->held[i];
		if (h->since)
			continue;
		h->since = n->now ? n->now : 1;
		h->addr4 = addr4;
		h->port4 = port4;
		h->raddr4 = raddr4;
		h->rport = rport;
		h->len =
		    (uint16_t)(pkt->len < NAT64_HELD_QUOTE ? pkt->len
							   : NAT64_HELD_QUOTE);
		memcpy(h->pkt, pkt->data, h->len);
		n->nheld++;
		return XLAT_R_NAT64_SYN_HELD;
	}
	return XLAT_R_NAT64_SYN_QUEUE_FULL;
}

int nat64_tick(struct nat64 *n, struct xlat_pkt *out)
{
	const struct nat64_cfg *cfg = nat64_db_cfg(n->db);

	nat64_db_sweep(n->db, n->now);
	for (unsigned i = 0; i < n->held_max && n->nheld; i++) {
		struct nat64_held *h = &n->held[i];
		if (!h->since ||
		    n->now - h->since < cfg->timeout[NAT64_T_TCP_SYN])
			continue;
		h->since = 0;
		n->nheld--;
		/* RFC 6146 §3.5.2.2: no IPv6 SYN came: Port Unreachable. */
		enum xlat_reason r;
		memcpy(out->data, h->pkt, h->len);
		out->len = h->len;
		if (xlat_icmp4_send(n->x, out, ICMP4_DEST_UNREACH, 3, 0, &r) ==
		    XLAT_ICMP)
			return 1;
	}
	return 0;
}

/* ---------------------------------------------------------------------
 * The hit path: a plain packet (TCP, UDP or ICMP echo right after the
 * header, not a fragment) of a flow whose session is live, with a /96
 * pool6 and no EAM.  It makes every check the general path below and the
 * core would make for such a packet, and translates it in one pass with
 * the same sums, so the bytes are the same; anything else (a miss, a
 * possible hairpin, an error, a header the fast path would not take)
 * returns 0 before anything is changed, and the general path decides.
 * test_nat64 runs every case with the hit path on and off (ctx.fast),
 * and the stateful corpus runs through it.
 */

static inline int hit_6to4(struct nat64 *n, struct xlat_pkt *pkt,
			   enum xlat_verdict *vd, enum xlat_reason *reason)
{
	struct xlat_ctx *x = n->x;
	const struct rfc6052_pfx *pf = &x->pool6;
	uint8_t *p = pkt->data;
	const struct xlat_ip6 *ip = (const struct xlat_ip6 *)p;

	if (!x->fast || pkt->len < XLAT_IP6_HLEN + 8 || (p[0] >> 4) != 6)
		return 0;
	uint32_t l4len = xlat_ntohs(ip->plen);
	if (XLAT_IP6_HLEN + l4len > pkt->len || l4len < 8 || ip->hlim <= 1 ||
	    XLAT_IP4_HLEN + l4len > x->cfg->ipv4_mtu)
		return 0;
	uint8_t *l4 = p + XLAT_IP6_HLEN;
	uint8_t nh = ip->nexthdr, proto, flags = 0;
	uint16_t sport, rport;
	if (nh == XLAT_IPPROTO_UDP || nh == XLAT_IPPROTO_TCP) {
		if (!l4_header_ok(nh, l4, l4len, 0))
			return 0;
		proto = nh == XLAT_IPPROTO_UDP ? NAT64_UDP : NAT64_TCP;
		if (proto == NAT64_TCP)
			flags = l4[13];
		sport = (uint16_t)(l4[0] << 8 | l4[1]);
		rport = (uint16_t)(l4[2] << 8 | l4[3]);
	} else if (nh == XLAT_IPPROTO_ICMPV6 && !l4[1] &&
		   (l4[0] == ICMP6_ECHO || l4[0] == ICMP6_ECHO_REPLY)) {
		proto = NAT64_ICMP;
		sport = (uint16_t)(l4[4] << 8 | l4[5]);
		rport = 0;
	} else {
		return 0;
	}
	/* Not checked here because a live session implies them: its remote
	 * address passed ip4_check() and its IPv6 source was not inside pool6
	 * when the general path created it (RFC 6052 §3.1, RFC 6146 §5.3). */
	uint32_t d4;
	if (rfc6052_pfx96_extract(pf, ip->daddr, &d4))
		return 0; /* not ours: the general path says so */
	uint32_t rd4 = xlat_ntohl(d4);
	if (maybe_pool4(n, rd4))
		return 0; /* perhaps a hairpin */
	struct nat64_bib *bib;
	struct nat64_sess *se = nat64_hit6(n->db, proto, ip->saddr, sport, rd4,
					   rport, n->now, &bib);
	if (!se)
		return 0;
	sess_touch(n, se, proto, NAT64_FROM6, flags);

	/* The translation, as the core's fast path does it with this
	 * mapping (the general path gives the same bytes: test_nat64 and
	 * the stateful corpus run both): addresses and port change in one
	 * checksum update; the destination's IPv6 sum is the prefix's plus
	 * its IPv4 address's (/96). */
	uint32_t s4 = xlat_htonl(bib->addr4);
	uint16_t port = xlat_htons(bib->port4);
	uint32_t a4 = csum_addr4(s4) + csum_addr4(d4);
	uint32_t a6 = bib->src6sum + pf->sum + csum_addr4(d4);
	uint8_t tos =
	    tos_of(x->cfg, (uint8_t)(xlat_ntohl(ip->ver_tc_flow) >> 20));
	uint8_t ttl = (uint8_t)(ip->hlim - 1), p4 = nh;
	if (proto == NAT64_ICMP) {
		struct xlat_icmp *ic = (struct xlat_icmp *)l4;
		uint16_t oldw = ld16(ic), oldid = ic->un.echo.id;
		ic->type = l4[0] == ICMP6_ECHO ? ICMP4_ECHO : ICMP4_ECHO_REPLY;
		ic->un.echo.id = port;
		ic->csum = csum_update(ic->csum,
				       oldw + oldid + a6 +
					   xlat_htons((uint16_t)(l4len >> 16)) +
					   xlat_htons((uint16_t)l4len) +
					   xlat_htons(XLAT_IPPROTO_ICMPV6),
				       ld16(ic) + port);
		p4 = XLAT_IPPROTO_ICMP;
	} else {
		uint16_t old = ld16(l4);
		memcpy(l4, &port, 2);
		if (proto == NAT64_TCP) {
			struct xlat_tcp *t = (struct xlat_tcp *)l4;
			t->csum = csum_update(t->csum, a6 + old, a4 + port);
		} else {
			struct xlat_udp *u = (struct xlat_udp *)l4;
			if (u->csum)
				u->csum = csum_update_udp(u->csum, a6 + old,
							  a4 + port);
		}
	}
	pkt->data = l4 - XLAT_IP4_HLEN;
	pkt->len = XLAT_IP4_HLEN + l4len;
	ip4_hdr_build(x, pkt->data, tos, pkt->len, ttl, p4, s4, d4);
	x->st->in[0]++;
	x->st->verdict[XLAT_FORWARD]++;
	*reason = XLAT_R_NONE;
	*vd = XLAT_FORWARD;
	return 1;
}

static inline int hit_4to6(struct nat64 *n, struct xlat_pkt *pkt,
			   enum xlat_verdict *vd, enum xlat_reason *reason)
{
	struct xlat_ctx *x = n->x;
	const struct rfc6052_pfx *pf = &x->pool6;
	const struct xlat_ip4 *ip = (const struct xlat_ip4 *)pkt->data;

	if (!x->fast || pkt->len < XLAT_IP4_HLEN + 8 || ip->ver_ihl != 0x45)
		return 0;
	uint32_t tot = xlat_ntohs(ip->tot_len);
	uint16_t fo = xlat_ntohs(ip->frag_off);
	if (tot > pkt->len || tot < XLAT_IP4_HLEN + 8 || ip->ttl <= 1 ||
	    (fo & (XLAT_IP4_MF | XLAT_IP4_OFFMASK)))
		return 0;
	uint32_t l4len = tot - XLAT_IP4_HLEN;
	if (XLAT_IP6_HLEN + l4len >
	    ((fo & XLAT_IP4_DF) ? x->cfg->ipv6_mtu : x->cfg->lowest_ipv6_mtu))
		return 0;
	/* not a pool4 address: no BIB entry will match, the lookup misses
	 * and the general path says "not ours" */
	uint32_t a4 = xlat_ntohl(ip->daddr);
	if (csum_ip4_hdr(ip) != 0)
		return 0;
	uint8_t *l4 = pkt->data + XLAT_IP4_HLEN;
	uint8_t pr = ip->proto, proto, flags = 0;
	uint16_t port4, rport;
	if (pr == XLAT_IPPROTO_UDP || pr == XLAT_IPPROTO_TCP) {
		if (!l4_header_ok(pr, l4, l4len, 0) ||
		    (pr == XLAT_IPPROTO_UDP && !((struct xlat_udp *)l4)->csum))
			return 0; /* a zero IPv4 UDP checksum: general path */
		proto = pr == XLAT_IPPROTO_UDP ? NAT64_UDP : NAT64_TCP;
		if (proto == NAT64_TCP)
			flags = l4[13];
		rport = (uint16_t)(l4[0] << 8 | l4[1]);
		port4 = (uint16_t)(l4[2] << 8 | l4[3]);
	} else if (pr == XLAT_IPPROTO_ICMP && !l4[1] &&
		   (l4[0] == ICMP4_ECHO || l4[0] == ICMP4_ECHO_REPLY)) {
		proto = NAT64_ICMP;
		port4 = (uint16_t)(l4[4] << 8 | l4[5]);
		rport = 0;
	} else {
		return 0;
	}
	/* The source's class (ip4_check) is not checked again: a live session
	 * with this remote implies it passed when the session was made. */
	uint32_t s4 = ip->saddr, d4 = ip->daddr;
	struct nat64_bib *bib;
	struct nat64_sess *se = nat64_hit4(n->db, proto, a4, port4,
					   xlat_ntohl(s4), rport, n->now, &bib);
	if (!se)
		return 0;
	sess_touch(n, se, proto, NAT64_FROM4, flags);

	/* See hit_6to4. */
	uint16_t port = xlat_htons(bib->sport6);
	uint32_t a4s = csum_addr4(s4) + csum_addr4(d4);
	uint32_t a6s = pf->sum + csum_addr4(s4) + bib->src6sum;
	uint8_t tc = tclass_of(x->cfg, ip->tos), hlim = (uint8_t)(ip->ttl - 1);
	uint8_t nh6 = pr;
	if (proto == NAT64_ICMP) {
		struct xlat_icmp *ic = (struct xlat_icmp *)l4;
		uint16_t oldw = ld16(ic), oldid = ic->un.echo.id;
		ic->type = l4[0] == ICMP4_ECHO ? ICMP6_ECHO : ICMP6_ECHO_REPLY;
		ic->un.echo.id = port;
		ic->csum = csum_update(ic->csum, oldw + oldid,
				       ld16(ic) + port + a6s +
					   xlat_htons((uint16_t)(l4len >> 16)) +
					   xlat_htons((uint16_t)l4len) +
					   xlat_htons(XLAT_IPPROTO_ICMPV6));
		nh6 = XLAT_IPPROTO_ICMPV6;
	} else {
		uint16_t old = ld16(l4 + 2);
		memcpy(l4 + 2, &port, 2);
		if (proto == NAT64_TCP) {
			struct xlat_tcp *t = (struct xlat_tcp *)l4;
			t->csum = csum_update(t->csum, a4s + old, a6s + port);
		} else {
			struct xlat_udp *u = (struct xlat_udp *)l4;
			u->csum =
			    csum_update_udp(u->csum, a4s + old, a6s + port);
		}
	}
	pkt->data = l4 - XLAT_IP6_HLEN;
	pkt->len = XLAT_IP6_HLEN + l4len;
	ip6_hdr_build(pkt->data, tc, l4len, nh6, hlim);
	struct xlat_ip6 *ip6 = (struct xlat_ip6 *)pkt->data;
	rfc6052_pfx_embed(pf, s4, ip6->saddr);
	memcpy(ip6->daddr, bib->src6, 16);
	x->st->in[1]++;
	x->st->verdict[XLAT_FORWARD]++;
	*reason = XLAT_R_NONE;
	*vd = XLAT_FORWARD;
	return 1;
}

/* ---------------------------------------------------------------------
 * IPv6 -> IPv4
 */

static enum xlat_verdict icmp_err_6to4(struct nat64 *n, struct xlat_pkt *pkt,
				       const struct v6info *v, uint32_t d4,
				       enum xlat_reason *reason);

static enum xlat_verdict hairpin(struct nat64 *n, struct xlat_pkt *pkt,
				 enum xlat_reason *reason);

/* The general path: any packet the hit path did not take.  Out of line, so
 * that the hit path saves no registers for it. */
__attribute__((noinline)) static enum xlat_verdict
general_6to4(struct nat64 *n, struct xlat_pkt *pkt, enum xlat_reason *reason)
{
	struct nat64_db *db = n->db;
	const struct rfc6052_pfx *pf = &n->x->pool6;
	struct v6info v;
	struct tuple t;
	uint32_t d4;
	enum xlat_reason r;
	r = xlat_v6_parse(pkt->data, pkt->len, 0, &v);
	if (r)
		return done(n, 0, XLAT_DROP, r, reason);
	const struct xlat_ip6 *ip = v.ip;

	/* RFC 6146 §3.5: only destinations under pool6 are translated. */
	/* The destination: an EAM entry (a portal with its own IPv6
	 * address, RFC 7757) or the pool6 image of an IPv4 address; with the
	 * RFC 6052 §3.1 checks. */
	if (n->x->fast) { /* /96 pool6, no EAM: the common case, inline */
		r = rfc6052_pfx96_extract(pf, ip->daddr, &d4)
			? MAP_NOT_FOUND
			: ip4_check(d4, pf->wkp);
	} else {
		r = map64(n->x, ip->daddr, &d4, 1, NULL);
	}
	if (r == MAP_NOT_FOUND)
		return done(n, 0, XLAT_PASS, XLAT_R_DST_NOT_OURS, reason);
	if (r)
		return done(n, 0, XLAT_DROP, r, reason);
	/* RFC 6146 §5.3: a source inside pool6 is a translated packet
	 * coming back: a loop. */
	uint32_t dummy;
	if ((pf->len == 96 ? rfc6052_pfx96_extract(pf, ip->saddr, &dummy)
			   : rfc6052_pfx_extract(pf, ip->saddr, &dummy)) <= 0)
		return done(n, 0, XLAT_DROP, XLAT_R_NAT64_HAIRPIN_LOOP, reason);
	if (v.has_frag && v.foff) { /* RFC 6146 §3.4 */
		struct nat64_frag *fe = frag_find(
		    n, ip->saddr, ip->daddr, v.fid, v.proto, NAT64_FROM6, 0);
		if (!fe)
			return done(n, 0, XLAT_DROP, XLAT_R_NAT64_FRAGMENT,
				    reason);
		return xlat_6to4_map(n->x, pkt, &fe->map, reason);
	}

	const uint8_t *l4 = pkt->data + v.l4off;
	r = l4_tuple(v.proto, l4, v.avail - v.l4off, 1, &t);
	if (r)
		return done(n, 0, XLAT_DROP, r, reason);
	if (t.icmp_err)
		return icmp_err_6to4(n, pkt, &v, d4, reason);

	uint32_t rd4 = xlat_ntohl(d4);
	uint16_t rport = t.proto == NAT64_ICMP ? 0 : t.dport;
	uint32_t b = nat64_bib_find6(db, t.proto, ip->saddr, t.sport);
	uint32_t s = NAT64_NONE;
	if (b != NAT64_NONE) {
		s = nat64_sess_find(db, b, rd4, rport);
		/* lookup-time expiry: a session past its lifetime is gone,
		 * whether or not the sweep got there (RFC 6146 §3.5) */
		if (s != NAT64_NONE && nat64_sess_expired(db, s, n->now)) {
			s = NAT64_NONE;
			if (!nat64_bib_purge(db, b, n->now))
				b = NAT64_NONE;
		}
	}
	if (s == NAT64_NONE) {
		struct nat64_tcp_step st = {0, (uint8_t)timer_of(t.proto)};
		if (t.proto == NAT64_TCP) {
			st = nat64_tcp_open(NAT64_FROM6, t.tcp_flags);
			if (st.state == NAT64_TCP_CLOSED)
				return done(n, 0, XLAT_DROP,
					    XLAT_R_NAT64_TCP_NO_SESSION,
					    reason);
		}
		int why = 0;
		int new_bib = b == NAT64_NONE;
		if (new_bib) {
			b = nat64_bib_add(db, t.proto, ip->saddr, t.sport,
					  n->now, &why);
			if (b == NAT64_NONE)
				return refuse6(n, pkt, (enum xlat_reason)why,
					       reason);
		}
		s = nat64_sess_add(db, b, rd4, rport, st.state, st.timer,
				   n->now, &why);
		if (s == NAT64_NONE) {
			if (new_bib)
				nat64_bib_del(db, b, n->now);
			return refuse6(n, pkt, (enum xlat_reason)why, reason);
		}
		if (t.proto == NAT64_TCP && n->nheld) {
			const struct nat64_bib *bib = nat64_bib_get(db, b);
			held_match(n, bib->addr4, bib->port4, rd4, t.dport);
		}
	} else {
		sess_touch(n, nat64_sess_get(db, s), t.proto, NAT64_FROM6,
			   t.tcp_flags);
	}

	const struct nat64_bib *bib = nat64_bib_get(db, b);
	struct xlat_map m; /* the fields the core reads for 6to4 */
	m.s4 = xlat_htonl(bib->addr4);
	m.d4 = d4;
	m.port = xlat_htons(bib->port4);
	m.has_port = 1;
	m.has_in_port = 0;
	int hair = maybe_pool4(n, rd4) &&
		   pool4_contains(&nat64_db_cfg(db)->pool4, rd4, t.proto);
	if (v.has_frag && v.fm && !hair) { /* a first fragment */
		struct nat64_frag *fe = frag_find(
		    n, ip->saddr, ip->daddr, v.fid, v.proto, NAT64_FROM6, 1);
		if (fe) {
			memset(&fe->map, 0, sizeof(fe->map));
			fe->map.s4 = m.s4;
			fe->map.d4 = m.d4;
			fe->map.port = m.port;
			fe->map.has_port = 1;
		}
	}
	enum xlat_verdict vd = xlat_6to4_map(n->x, pkt, &m, reason);
	/* RFC 6146 §3.8: to one of our own pool4 addresses: hairpin. */
	if (vd == XLAT_FORWARD && hair)
		return hairpin(n, pkt, reason);
	return vd;
}

/* RFC 6146 §3.8: the IPv4 packet just made goes back in as if it came
 * from the IPv4 side; it must belong to this worker's slice. */
static enum xlat_verdict hairpin(struct nat64 *n, struct xlat_pkt *pkt,
				 enum xlat_reason *reason)
{
	/* counted once more as an IPv4-side arrival: what it is now */
	enum xlat_verdict v = nat64_4to6(n, pkt, reason);
	if (v == XLAT_ICMP) {
		/* The second leg answered with an ICMPv4 error (TTL, size):
		 * it is about the first leg's IPv4 packet, from our own pool4
		 * address: translate it for the IPv6 sender like any error
		 * about a flow. */
		v = nat64_4to6(n, pkt, reason);
		if (v != XLAT_FORWARD)
			return v == XLAT_ICMP ? XLAT_DROP : v;
	}
	return v == XLAT_FORWARD ? XLAT_HAIRPIN : v;
}

static enum xlat_verdict icmp_err_6to4(struct nat64 *n, struct xlat_pkt *pkt,
				       const struct v6info *o, uint32_t d4,
				       enum xlat_reason *reason)
{
	const uint8_t *ic = pkt->data + o->l4off;
	uint32_t avail = o->avail - o->l4off;
	struct v6info in;
	struct tuple t;
	uint32_t rs4;

	/* The quoted packet went from the IPv4 side to an IPv6 host:
	 * pool6(remote):rport -> src6:sport6 (RFC 6146 §3.5.3 / RFC 7915). */
	if (avail <= 8 || xlat_v6_parse(ic + 8, avail - 8, 1, &in))
		return done(n, 0, XLAT_DROP, XLAT_R_ICMP_INNER, reason);
	if (map64(n->x, in.ip->saddr, &rs4, 0, NULL))
		return done(n, 0, XLAT_DROP, XLAT_R_ICMP_INNER, reason);
	const uint8_t *il4 = ic + 8 + in.l4off;
	if (in.foff || l4_tuple(in.proto, il4, in.avail - in.l4off, 1, &t) ||
	    t.icmp_err)
		return done(n, 0, XLAT_DROP,
			    t.icmp_err ? XLAT_R_ICMP_NESTED : XLAT_R_ICMP_INNER,
			    reason);
	/* for an echo the identifier is both ports */
	uint32_t b = nat64_bib_find6(n->db, t.proto, in.ip->daddr, t.dport);
	if (b == NAT64_NONE ||
	    nat64_sess_find(n->db, b, xlat_ntohl(rs4),
			    t.proto == NAT64_ICMP ? 0 : t.sport) == NAT64_NONE)
		return done(n, 0, XLAT_DROP, XLAT_R_NAT64_NO_BIB, reason);
	const struct nat64_bib *bib = nat64_bib_get(n->db, b);
	struct xlat_map m = {0};
	m.s4 = xlat_htonl(bib->addr4);
	m.d4 = d4;
	m.in_s4 = rs4;
	m.in_d4 = xlat_htonl(bib->addr4);
	m.in_port = xlat_htons(bib->port4);
	m.has_in_port = 1;
	return xlat_6to4_map(n->x, pkt, &m, reason);
}

/* ---------------------------------------------------------------------
 * IPv4 -> IPv6
 */

static enum xlat_verdict icmp_err_4to6(struct nat64 *n, struct xlat_pkt *pkt,
				       const struct v4info *o,
				       enum xlat_reason *reason);

/* The general path: any packet the hit path did not take.  Out of line, so
 * that the hit path saves no registers for it. */
__attribute__((noinline)) static enum xlat_verdict
general_4to6(struct nat64 *n, struct xlat_pkt *pkt, enum xlat_reason *reason)
{
	struct nat64_db *db = n->db;
	const struct nat64_cfg *cfg = nat64_db_cfg(db);
	struct v4info v;
	struct tuple t;
	enum xlat_reason r;
	r = xlat_v4_parse(pkt->data, pkt->len, 0, &v);
	if (r)
		return done(n, 1, XLAT_DROP, r, reason);
	const struct xlat_ip4 *ip = v.ip;
	uint32_t a4 = xlat_ntohl(ip->daddr), rs4 = xlat_ntohl(ip->saddr);
	/* RFC 6146 §3.5: only pool4 addresses are ours (exactly: below,
	 * when no state matches) */
	if (!maybe_pool4(n, a4))
		return done(n, 1, XLAT_PASS, XLAT_R_DST_NOT_OURS, reason);
	uint8_t ks[16], kd[16];
	key4(ip->saddr, ks);
	key4(ip->daddr, kd);
	if (v.off) { /* RFC 6146 §3.4 */
		struct nat64_frag *fe = frag_find(n, ks, kd, xlat_ntohs(ip->id),
						  ip->proto, NAT64_FROM4, 0);
		if (!fe)
			return pool4_any(n, a4)
				   ? done(n, 1, XLAT_DROP,
					  XLAT_R_NAT64_FRAGMENT, reason)
				   : done(n, 1, XLAT_PASS, XLAT_R_DST_NOT_OURS,
					  reason);
		return xlat_4to6_map(n->x, pkt, &fe->map, reason);
	}
	const uint8_t *l4 = pkt->data + v.hl;
	r = l4_tuple(ip->proto, l4, v.avail - v.hl, 0, &t);
	if (r)
		return done(n, 1, XLAT_DROP, r, reason);
	if (t.icmp_err)
		return icmp_err_4to6(n, pkt, &v, reason);
	/* RFC 6052 §3.1: the source gets a pool6 image */
	/* The source's IPv6 image: its EAM entry or pool6 (RFC 6052 §3.1
	 * checks).  Made now, before any state changes. */
	uint8_t s6[16];
	r = map46(n->x, ip->saddr, s6, 1);
	if (r)
		return done(n, 1, XLAT_DROP,
			    r == MAP_NOT_FOUND ? XLAT_R_SRC_UNTRANSLATABLE : r,
			    reason);

	uint16_t rport = t.proto == NAT64_ICMP ? 0 : t.sport;
	uint32_t b = nat64_bib_find4(db, t.proto, a4, t.dport);
	if (b == NAT64_NONE && !pool4_contains(&cfg->pool4, a4, t.proto))
		return done(n, 1, XLAT_PASS, XLAT_R_DST_NOT_OURS, reason);
	if (b == NAT64_NONE) {
		/* RFC 6146 §3.5.2.2: a V4 SYN with no mapping is held for
		 * simultaneous open, unless configured to drop at once. */
		if (t.proto == NAT64_TCP && (t.tcp_flags & NAT64_TCP_SYN) &&
		    !(t.tcp_flags & NAT64_TCP_RST) && !cfg->drop_inbound_syn &&
		    n->held_max) {
			r = held_add(n, pkt, a4, t.dport, rs4, t.sport);
			return done(n, 1, XLAT_DROP, r, reason);
		}
		return done(n, 1, XLAT_DROP, XLAT_R_NAT64_NO_BIB, reason);
	}
	uint32_t s = nat64_sess_find(db, b, rs4, rport);
	if (s != NAT64_NONE && nat64_sess_expired(db, s, n->now))
		s = NAT64_NONE; /* lookup-time expiry, RFC 6146 §3.5 */
	/* a new inbound session needs a live mapping: one whose sessions
	 * all expired admits nobody (EIF included) */
	if (s == NAT64_NONE && !nat64_bib_purge(db, b, n->now))
		return done(n, 1, XLAT_DROP, XLAT_R_NAT64_NO_BIB, reason);
	if (s == NAT64_NONE) {
		/* RFC 6146 §3.5.1 / §3.5.2.2: filtering */
		if (cfg->adf && !nat64_bib_has_remote(db, b, rs4))
			return done(n, 1, XLAT_DROP, XLAT_R_NAT64_FILTERED,
				    reason);
		struct nat64_tcp_step st = {0, (uint8_t)timer_of(t.proto)};
		if (t.proto == NAT64_TCP) {
			st = nat64_tcp_open(NAT64_FROM4, t.tcp_flags);
			if (st.state == NAT64_TCP_CLOSED)
				return done(n, 1, XLAT_DROP,
					    XLAT_R_NAT64_TCP_NO_SESSION,
					    reason);
		}
		int why = 0;
		s = nat64_sess_add(db, b, rs4, rport, st.state, st.timer,
				   n->now, &why);
		if (s == NAT64_NONE)
			return done(n, 1, XLAT_DROP, (enum xlat_reason)why,
				    reason);
	} else {
		sess_touch(n, nat64_sess_get(db, s), t.proto, NAT64_FROM4,
			   t.tcp_flags);
	}

	const struct nat64_bib *bib = nat64_bib_get(db, b);
	struct xlat_map m; /* the fields the core reads for 4to6 */
	memcpy(m.s6, s6, 16);
	memcpy(m.d6, bib->src6, 16);
	m.port = xlat_htons(bib->sport6);
	m.has_port = 1;
	m.has_in_port = 0;
	if (v.mf) { /* a first fragment */
		struct nat64_frag *fe = frag_find(n, ks, kd, xlat_ntohs(ip->id),
						  ip->proto, NAT64_FROM4, 1);
		if (fe) {
			memset(&fe->map, 0, sizeof(fe->map));
			memcpy(fe->map.s6, m.s6, 16);
			memcpy(fe->map.d6, m.d6, 16);
			fe->map.port = m.port;
			fe->map.has_port = 1;
		}
	}
	return xlat_4to6_map(n->x, pkt, &m, reason);
}

static enum xlat_verdict icmp_err_4to6(struct nat64 *n, struct xlat_pkt *pkt,
				       const struct v4info *o,
				       enum xlat_reason *reason)
{
	const uint8_t *ic = pkt->data + o->hl;
	uint32_t avail = o->avail - o->hl;
	struct v4info in;
	struct tuple t;

	/* The quoted packet went out from us: addr4:port4 -> remote. */
	if (avail <= 8 || xlat_v4_parse(ic + 8, avail - 8, 1, &in))
		return done(n, 1, XLAT_DROP, XLAT_R_ICMP_INNER, reason);
	const uint8_t *il4 = ic + 8 + in.hl;
	if (in.off || l4_tuple(in.ip->proto, il4, in.avail - in.hl, 0, &t) ||
	    t.icmp_err)
		return done(n, 1, XLAT_DROP,
			    t.icmp_err ? XLAT_R_ICMP_NESTED : XLAT_R_ICMP_INNER,
			    reason);
	uint32_t b =
	    nat64_bib_find4(n->db, t.proto, xlat_ntohl(in.ip->saddr), t.sport);
	if (b == NAT64_NONE ||
	    nat64_sess_find(n->db, b, xlat_ntohl(in.ip->daddr),
			    t.proto == NAT64_ICMP ? 0 : t.dport) == NAT64_NONE)
		return pool4_any(n, xlat_ntohl(o->ip->daddr))
			   ? done(n, 1, XLAT_DROP, XLAT_R_NAT64_NO_BIB, reason)
			   : done(n, 1, XLAT_PASS, XLAT_R_DST_NOT_OURS, reason);
	const struct nat64_bib *bib = nat64_bib_get(n->db, b);
	struct xlat_map m = {0};
	/* the router's address gets its image, whatever it is (RFC 7915
	 * §4.1: translated for troubleshooting) */
	if (map46(n->x, o->ip->saddr, m.s6, 0) ||
	    map46(n->x, in.ip->daddr, m.in_d6, 0))
		return done(n, 1, XLAT_DROP, XLAT_R_ICMP_INNER, reason);
	memcpy(m.d6, bib->src6, 16);
	memcpy(m.in_s6, bib->src6, 16);
	m.in_port = xlat_htons(bib->sport6);
	m.has_in_port = 1;
	return xlat_4to6_map(n->x, pkt, &m, reason);
}

enum xlat_verdict nat64_6to4(struct nat64 *n, struct xlat_pkt *pkt,
			     enum xlat_reason *reason)
{
	enum xlat_verdict v;

	if (hit_6to4(n, pkt, &v, reason))
		return v;
	return general_6to4(n, pkt, reason);
}

enum xlat_verdict nat64_4to6(struct nat64 *n, struct xlat_pkt *pkt,
			     enum xlat_reason *reason)
{
	enum xlat_verdict v;

	if (hit_4to6(n, pkt, &v, reason))
		return v;
	return general_4to6(n, pkt, reason);
}
