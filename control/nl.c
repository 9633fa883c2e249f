/*
 * nl.c - gate64d's netlink module (libnl-route-3): install addresses,
 * routes and proxy neighbour entries, record which are ours, watch them,
 * remove ours at exit.  nl.h has the contract.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <linux/if_addr.h>
#include <linux/neighbour.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>

#include <netlink/attr.h>
#include <netlink/cache.h>
#include <netlink/msg.h>
#include <netlink/netlink.h>
#include <netlink/route/addr.h>
#include <netlink/route/link.h>
#include <netlink/route/neighbour.h>
#include <netlink/route/nexthop.h>
#include <netlink/route/route.h>

#include "control/nl.h"

/* glibc's net/if.h stops at IFF_DYNAMIC; the kernel ABI value: */
#ifndef IFF_LOWER_UP
#define IFF_LOWER_UP 0x10000
#endif
#ifndef SOL_NETLINK
#define SOL_NETLINK 270
#endif

/* Room for a burst of notifications (a full routing table changing, say)
 * before the kernel drops them with ENOBUFS; a drop is survived anyway
 * (gnl_poll_changes then checks everything). */
#define GNL_RCVBUF (4 << 20)

enum gnl_kind { OBJ_ADDR, OBJ_ROUTE, OBJ_PROXY };

static const char *const kind_event_word[] = {"address", "route", "proxy"};

struct gnl_obj {
	enum gnl_kind kind;
	int ours; /* installed by us: removed at close */
	int gone; /* reported gone (until it is there again) */
	int seen; /* scratch of check_objects() */
	int ifindex;
	char ifname[IF_NAMESIZE];
	int family;
	unsigned char addr[16]; /* address or route destination */
	unsigned plen;
	unsigned char gw[16];
	int has_gw;
	unsigned table;
};

struct gnl_link {
	char name[IF_NAMESIZE];
	int ifindex; /* 0 while the interface does not exist */
	int up;	     /* IFF_UP */
	int carrier; /* IFF_LOWER_UP */
};

struct gnl {
	struct nl_sock *sk;  /* requests and dumps */
	struct nl_sock *msk; /* the cache manager's */
	struct nl_cache_mngr *mngr;
	struct gnl_obj *obj;
	size_t nobj, capobj;
	struct gnl_link *link;
	size_t nlink, caplink;
	/* the kernel's answer to the last request */
	int last_errno;
	char ext_msg[160];
	/* while gnl_poll_changes/gnl_check run */
	gnl_event_fn cb;
	void *cbarg;
	int nev;
	int recheck; /* a watched link changed: check the objects */
};

/* ------------------------------------------------------------------ */
/* text                                                               */

static size_t alen(int family)
{
	return family == AF_INET6 ? 16 : 4;
}

static const char *ntop(int family, const void *a, char *buf, size_t len)
{
	if (!inet_ntop(family, a, buf, (socklen_t)len))
		snprintf(buf, len, "?");
	return buf;
}

/* "address 192.0.2.1/32 on veth4", "route 64:ff9b::/96 via 2001:db8::1
 * dev veth6 table 254", "proxy entry 2001:db8::5 on veth6" */
static void describe(const struct gnl_obj *o, char *buf, size_t len)
{
	char a[INET6_ADDRSTRLEN], g[INET6_ADDRSTRLEN];
	ntop(o->family, o->addr, a, sizeof(a));
	switch (o->kind) {
	case OBJ_ADDR:
		snprintf(buf, len, "address %s/%u on %s", a, o->plen,
			 o->ifname);
		break;
	case OBJ_ROUTE:
		if (o->has_gw)
			snprintf(buf, len, "route %s/%u via %s dev %s table %u",
				 a, o->plen,
				 ntop(o->family, o->gw, g, sizeof(g)),
				 o->ifname, o->table);
		else
			snprintf(buf, len, "route %s/%u dev %s table %u", a,
				 o->plen, o->ifname, o->table);
		break;
	case OBJ_PROXY:
		snprintf(buf, len, "proxy entry %s on %s", a, o->ifname);
		break;
	}
}

/* What to check when the kernel says no, by errno and object: a hint in
 * buf, or "" when strerror says it all. */
static void hint(int e, const struct gnl_obj *o, char *buf, size_t len)
{
	const char *f = o->ifname;
	switch (e) {
	case ENODEV:
		snprintf(buf, len,
			 "is the interface name in the configuration "
			 "right? (ip link lists them)");
		break;
	case EPERM:
		snprintf(buf, len,
			 "gate64d needs CAP_NET_ADMIN (run it as "
			 "root or give it that capability)");
		break;
	case EACCES:
		if (o->family == AF_INET6)
			snprintf(buf, len,
				 "is IPv6 disabled on %s? (sysctl "
				 "net.ipv6.conf.%s.disable_ipv6)",
				 f, f);
		else
			snprintf(buf, len, "gate64d needs CAP_NET_ADMIN");
		break;
	case ENETDOWN:
		snprintf(buf, len, "is %s up? (ip link set %s up)", f, f);
		break;
	case ENETUNREACH:
	case EHOSTUNREACH:
		snprintf(buf, len, "is the gateway on a subnet of %s?", f);
		break;
	case EAFNOSUPPORT:
		snprintf(buf, len,
			 "is this address family enabled in the kernel?");
		break;
	case EINVAL:
		snprintf(buf, len,
			 "the kernel refused the request as invalid: "
			 "check the address, its prefix length and "
			 "the table");
		break;
	default: buf[0] = 0;
	}
}

/* "OP OBJECT: REASON[ (kernel's text)][: HINT]" */
static void fail_msg(struct gnl *n, const char *op, const struct gnl_obj *o,
		     int e, char *err, size_t errlen)
{
	char what[200];
	describe(o, what, sizeof(what));
	char h[160];
	hint(e, o, h, sizeof(h));
	snprintf(err, errlen, "%s %s: %s%s%s%s%s%s", op, what, strerror(e),
		 n->ext_msg[0] ? " (" : "", n->ext_msg,
		 n->ext_msg[0] ? ")" : "", h[0] ? ": " : "", h);
}

/* ------------------------------------------------------------------ */
/* the request socket                                                 */

/* Keeps the kernel's errno and extended-ack text of a refused request:
 * libnl maps errnos onto its own, fewer, codes (ENODEV and ENXIO both
 * become "object not found"), too coarse for a message that says what to
 * fix. */
static int on_nlerr(struct sockaddr_nl *nla, struct nlmsgerr *e, void *arg)
{
	struct gnl *n = arg;
	(void)nla;
	n->last_errno = -e->error;
	n->ext_msg[0] = 0;
	const struct nlmsghdr *h =
	    (const struct nlmsghdr *)((const char *)e - NLMSG_HDRLEN);
	if (!(h->nlmsg_flags & NLM_F_ACK_TLVS))
		return NL_STOP;
	size_t off = sizeof(*e);
	if (!(h->nlmsg_flags & NLM_F_CAPPED))
		off += e->msg.nlmsg_len - NLMSG_HDRLEN;
	if (NLMSG_HDRLEN + off >= h->nlmsg_len)
		return NL_STOP;
	struct nlattr *a = nla_find((struct nlattr *)((char *)e + off),
				    (int)(h->nlmsg_len - NLMSG_HDRLEN - off),
				    NLMSGERR_ATTR_MSG);
	if (a && nla_len(a) > 0)
		snprintf(n->ext_msg, sizeof(n->ext_msg), "%.*s", nla_len(a),
			 (const char *)nla_data(a));
	return NL_STOP;
}

static void before_request(struct gnl *n)
{
	n->last_errno = 0;
	n->ext_msg[0] = 0;
}

/* The errno of a failed libnl call r < 0: the kernel's when it answered,
 * else libnl's own trouble. */
static int request_errno(struct gnl *n, int r)
{
	if (n->last_errno)
		return n->last_errno;
	if (r == -NLE_NOMEM)
		return ENOMEM;
	snprintf(n->ext_msg, sizeof(n->ext_msg), "libnl: %s", nl_geterror(r));
	return EIO;
}

static int sockopt_on(struct nl_sock *sk, int opt)
{
	int one = 1;
	return setsockopt(nl_socket_get_fd(sk), SOL_NETLINK, opt, &one,
			  sizeof(one));
}

/* ------------------------------------------------------------------ */
/* records                                                            */

static struct gnl_obj *obj_new(struct gnl *n)
{
	if (n->nobj == n->capobj) {
		size_t cap = n->capobj ? 2 * n->capobj : 16;
		struct gnl_obj *o = realloc(n->obj, cap * sizeof(*o));
		if (!o)
			return NULL;
		n->obj = o;
		n->capobj = cap;
	}
	return &n->obj[n->nobj++];
}

static struct gnl_link *link_find_index(struct gnl *n, int ifindex)
{
	for (size_t i = 0; i < n->nlink; i++)
		if (n->link[i].ifindex && n->link[i].ifindex == ifindex)
			return &n->link[i];
	return NULL;
}

static struct gnl_link *link_find_name(struct gnl *n, const char *name)
{
	for (size_t i = 0; i < n->nlink; i++)
		if (!strcmp(n->link[i].name, name))
			return &n->link[i];
	return NULL;
}

/* The interface's flags as the kernel has them now; 0 or -errno. */
static int link_state(struct gnl *n, int ifindex, unsigned *flags)
{
	struct rtnl_link *l = NULL;
	before_request(n);
	int r = rtnl_link_get_kernel(n->sk, ifindex, NULL, &l);
	if (r < 0)
		return -request_errno(n, r);
	*flags = rtnl_link_get_flags(l);
	rtnl_link_put(l);
	return 0;
}

/* Start watching ifname (ifindex known) unless it is watched already. */
static int link_watch(struct gnl *n, const char *ifname, int ifindex)
{
	struct gnl_link *l = link_find_name(n, ifname);
	if (l && l->ifindex == ifindex)
		return 0;
	if (!l) {
		if (n->nlink == n->caplink) {
			size_t cap = n->caplink ? 2 * n->caplink : 4;
			struct gnl_link *v = realloc(n->link, cap * sizeof(*v));
			if (!v)
				return -ENOMEM;
			n->link = v;
			n->caplink = cap;
		}
		l = &n->link[n->nlink++];
		memset(l, 0, sizeof(*l));
		snprintf(l->name, sizeof(l->name), "%s", ifname);
	}
	l->ifindex = ifindex;
	unsigned flags = 0;
	if (link_state(n, ifindex, &flags) == 0) {
		l->up = !!(flags & IFF_UP);
		l->carrier = !!(flags & IFF_LOWER_UP);
	}
	return 0;
}

/* Fill o (table and gw: routes only); -EINVAL or -ENODEV with err
 * filled. */
static int obj_prepare(struct gnl *n, struct gnl_obj *o, enum gnl_kind kind,
		       const char *op, const char *ifname, int family,
		       const void *addr, unsigned plen, unsigned table,
		       const void *gw, char *err, size_t errlen)
{
	memset(o, 0, sizeof(*o));
	o->kind = kind;
	o->family = family;
	o->table = kind == OBJ_ROUTE && !table ? RT_TABLE_MAIN : table;
	snprintf(o->ifname, sizeof(o->ifname), "%s", ifname ? ifname : "");
	if (family != AF_INET && family != AF_INET6) {
		snprintf(err, errlen,
			 "%s %s on %s: address family %d: only AF_INET and "
			 "AF_INET6",
			 op, kind_event_word[kind], o->ifname, family);
		return -EINVAL;
	}
	memcpy(o->addr, addr, alen(family));
	o->plen = plen;
	if (gw) {
		o->has_gw = 1;
		memcpy(o->gw, gw, alen(family));
	}
	if (plen > alen(family) * 8) {
		char a[INET6_ADDRSTRLEN];
		snprintf(err, errlen,
			 "%s %s %s/%u on %s: prefix length %u is longer than "
			 "the address (%zu bits)",
			 op, kind_event_word[kind],
			 ntop(family, addr, a, sizeof(a)), plen, o->ifname,
			 plen, alen(family) * 8);
		return -EINVAL;
	}
	if (!ifname || !ifname[0] || strlen(ifname) >= IF_NAMESIZE) {
		snprintf(err, errlen,
			 "%s %s on \"%.64s\": interface names are 1 to %d "
			 "characters",
			 op, kind_event_word[kind], ifname ? ifname : "",
			 IF_NAMESIZE - 1);
		return -EINVAL;
	}
	o->ifindex = (int)if_nametoindex(ifname);
	if (!o->ifindex) {
		n->ext_msg[0] = 0;
		fail_msg(n, op, o, ENODEV, err, errlen);
		return -ENODEV;
	}
	return 0;
}

/* ------------------------------------------------------------------ */
/* libnl objects from records                                         */

static struct nl_addr *mkaddr(int family, const void *a, unsigned plen)
{
	struct nl_addr *x = nl_addr_build(family, a, alen(family));
	if (x)
		nl_addr_set_prefixlen(x, (int)plen);
	return x;
}

static struct rtnl_addr *mk_rtnl_addr(const struct gnl_obj *o)
{
	struct rtnl_addr *a = rtnl_addr_alloc();
	struct nl_addr *local = mkaddr(o->family, o->addr, o->plen);
	if (!a || !local) {
		rtnl_addr_put(a);
		nl_addr_put(local);
		return NULL;
	}
	rtnl_addr_set_ifindex(a, o->ifindex);
	rtnl_addr_set_family(a, o->family);
	rtnl_addr_set_prefixlen(a, (int)o->plen);
	rtnl_addr_set_local(a, local);
	nl_addr_put(local);
	/* The gateway's own address: usable at once, no tentative state */
	if (o->family == AF_INET6)
		rtnl_addr_set_flags(a, IFA_F_NODAD);
	return a;
}

static struct rtnl_route *mk_rtnl_route(const struct gnl_obj *o)
{
	struct rtnl_route *r = rtnl_route_alloc();
	struct rtnl_nexthop *nh = rtnl_route_nh_alloc();
	struct nl_addr *dst = mkaddr(o->family, o->addr, o->plen);
	struct nl_addr *gw =
	    o->has_gw ? mkaddr(o->family, o->gw, alen(o->family) * 8) : NULL;
	if (!r || !nh || !dst || (o->has_gw && !gw)) {
		rtnl_route_put(r);
		if (nh)
			rtnl_route_nh_free(nh);
		nl_addr_put(dst);
		nl_addr_put(gw);
		return NULL;
	}
	rtnl_route_set_family(r, (uint8_t)o->family);
	rtnl_route_set_table(r, o->table);
	rtnl_route_set_protocol(r, GNL_RTPROT);
	rtnl_route_set_type(r, RTN_UNICAST);
	/* IPv4: on-link routes are link scope, as `ip route add X dev Y`
	 * makes them; IPv6 has no route scopes. */
	rtnl_route_set_scope(r, o->family == AF_INET && !o->has_gw
				    ? RT_SCOPE_LINK
				    : RT_SCOPE_UNIVERSE);
	rtnl_route_set_dst(r, dst);
	nl_addr_put(dst);
	rtnl_route_nh_set_ifindex(nh, o->ifindex);
	if (gw) {
		rtnl_route_nh_set_gateway(nh, gw);
		nl_addr_put(gw);
	}
	rtnl_route_add_nexthop(r, nh);
	return r;
}

static struct rtnl_neigh *mk_rtnl_proxy(const struct gnl_obj *o)
{
	struct rtnl_neigh *ne = rtnl_neigh_alloc();
	struct nl_addr *dst = mkaddr(o->family, o->addr, alen(o->family) * 8);
	if (!ne || !dst) {
		rtnl_neigh_put(ne);
		nl_addr_put(dst);
		return NULL;
	}
	rtnl_neigh_set_ifindex(ne, o->ifindex);
	rtnl_neigh_set_family(ne, o->family);
	rtnl_neigh_set_dst(ne, dst);
	nl_addr_put(dst);
	rtnl_neigh_set_flags(ne, NTF_PROXY);
	rtnl_neigh_set_state(ne, NUD_PERMANENT); /* as ip neigh add proxy */
	return ne;
}

/* ------------------------------------------------------------------ */
/* dumps: what the kernel has now                                     */

struct dump_ctx {
	struct gnl *n;
	enum gnl_kind kind;
	struct gnl_obj *probe; /* an object not recorded (yet) */
	unsigned char proto;   /* routes: only this protocol (0: any) */
};

/* Marks the records (and the probe) that one object of a dump shows
 * present. */
static void mark_seen(struct dump_ctx *c, int ifindex, int family,
		      const void *a, unsigned plen, unsigned table,
		      int any_ifindex)
{
	struct gnl *n = c->n;
	for (size_t i = 0; i <= n->nobj; i++) {
		struct gnl_obj *o = i < n->nobj ? &n->obj[i] : c->probe;
		if (!o || o->kind != c->kind || o->family != family ||
		    o->plen != plen || memcmp(o->addr, a, alen(family)))
			continue;
		if (o->kind == OBJ_ROUTE && o->table != table)
			continue;
		/* a route we found may have any next hop (EEXIST said only
		 * that the destination was taken) */
		if (!(any_ifindex && !o->ours) && o->ifindex != ifindex)
			continue;
		o->seen = 1;
	}
}

#define TB_MAX 63
_Static_assert(RTA_MAX <= TB_MAX && NDA_MAX <= TB_MAX && IFA_MAX <= TB_MAX,
	       "tb[] of on_dump() too small");

static int on_dump(struct nl_msg *msg, void *arg)
{
	struct dump_ctx *c = arg;
	struct nlmsghdr *h = nlmsg_hdr(msg);
	struct nlattr *tb[TB_MAX + 1];
	if (c->kind == OBJ_ADDR && h->nlmsg_type == RTM_NEWADDR) {
		const struct ifaddrmsg *m = nlmsg_data(h);
		if (nlmsg_parse(h, sizeof(*m), tb, IFA_MAX, NULL) < 0)
			return NL_SKIP;
		struct nlattr *a =
		    tb[IFA_LOCAL] ? tb[IFA_LOCAL] : tb[IFA_ADDRESS];
		if (a && nla_len(a) == (int)alen(m->ifa_family))
			mark_seen(c, (int)m->ifa_index, m->ifa_family,
				  nla_data(a), m->ifa_prefixlen, 0, 0);
	} else if (c->kind == OBJ_ROUTE && h->nlmsg_type == RTM_NEWROUTE) {
		const struct rtmsg *m = nlmsg_data(h);
		unsigned char any[16] = {0};
		if (nlmsg_parse(h, sizeof(*m), tb, RTA_MAX, NULL) < 0)
			return NL_SKIP;
		if (c->proto && m->rtm_protocol != c->proto)
			return NL_SKIP; /* a kernel without strict checking */
		const void *dst = any;
		if (tb[RTA_DST]) {
			if (nla_len(tb[RTA_DST]) != (int)alen(m->rtm_family))
				return NL_SKIP;
			dst = nla_data(tb[RTA_DST]);
		}
		unsigned table =
		    tb[RTA_TABLE] ? nla_get_u32(tb[RTA_TABLE]) : m->rtm_table;
		int oif = tb[RTA_OIF] ? (int)nla_get_u32(tb[RTA_OIF]) : 0;
		if (!oif && tb[RTA_MULTIPATH]) {
			const struct rtnexthop *nh =
			    nla_data(tb[RTA_MULTIPATH]);
			if (nla_len(tb[RTA_MULTIPATH]) >= (int)sizeof(*nh))
				oif = nh->rtnh_ifindex;
		}
		mark_seen(c, oif, m->rtm_family, dst, m->rtm_dst_len, table, 1);
	} else if (c->kind == OBJ_PROXY && h->nlmsg_type == RTM_NEWNEIGH) {
		const struct ndmsg *m = nlmsg_data(h);
		if (!(m->ndm_flags & NTF_PROXY))
			return NL_SKIP;
		if (nlmsg_parse(h, sizeof(*m), tb, NDA_MAX, NULL) < 0)
			return NL_SKIP;
		if (tb[NDA_DST] &&
		    nla_len(tb[NDA_DST]) == (int)alen(m->ndm_family))
			mark_seen(c, m->ndm_ifindex, m->ndm_family,
				  nla_data(tb[NDA_DST]),
				  alen(m->ndm_family) * 8, 0, 0);
	}
	return NL_OK;
}

/* One dump request; hdr is the request's family header.  With strict
 * checking on the socket the kernel filters routes by table and protocol
 * itself; without it (before Linux 5.0) it sends everything, which
 * mark_seen() sorts out. */
static int dump(struct gnl *n, struct dump_ctx *c, int type, const void *hdr,
		size_t hdrlen, unsigned table)
{
	struct nl_msg *m = nlmsg_alloc_simple(type, NLM_F_DUMP);
	if (!m)
		return -ENOMEM;
	int r = nlmsg_append(m, (void *)hdr, hdrlen, NLMSG_ALIGNTO);
	if (r >= 0 && type == RTM_GETROUTE)
		r = nla_put_u32(m, RTA_TABLE, table);
	if (r < 0) {
		nlmsg_free(m);
		return -ENOMEM;
	}
	before_request(n);
	r = nl_send_auto(n->sk, m);
	nlmsg_free(m);
	if (r < 0)
		return -request_errno(n, r);
	struct nl_cb *base = nl_socket_get_cb(n->sk);
	struct nl_cb *cb = nl_cb_clone(base);
	nl_cb_put(base);
	if (!cb)
		return -ENOMEM;
	nl_cb_set(cb, NL_CB_VALID, NL_CB_CUSTOM, on_dump, c);
	r = nl_recvmsgs(n->sk, cb);
	nl_cb_put(cb);
	return r < 0 ? -request_errno(n, r) : 0;
}

static int dump_addrs(struct gnl *n)
{
	struct dump_ctx c = {n, OBJ_ADDR, NULL, 0};
	struct ifaddrmsg m;
	memset(&m, 0, sizeof(m));
	return dump(n, &c, RTM_GETADDR, &m, sizeof(m), 0);
}

static int dump_routes(struct gnl *n, int family, unsigned table,
		       unsigned char proto, struct gnl_obj *probe)
{
	struct dump_ctx c = {n, OBJ_ROUTE, probe, proto};
	struct rtmsg m;
	memset(&m, 0, sizeof(m));
	m.rtm_family = (unsigned char)family;
	m.rtm_protocol = proto;
	m.rtm_table = table < 256 ? (unsigned char)table : RT_TABLE_UNSPEC;
	return dump(n, &c, RTM_GETROUTE, &m, sizeof(m), table);
}

static int dump_proxies(struct gnl *n, int family, struct gnl_obj *probe)
{
	struct dump_ctx c = {n, OBJ_PROXY, probe, 0};
	struct ndmsg m;
	memset(&m, 0, sizeof(m));
	m.ndm_family = (unsigned char)family;
	m.ndm_flags = NTF_PROXY; /* the kernel dumps its proxy table */
	return dump(n, &c, RTM_GETNEIGH, &m, sizeof(m), 0);
}

/* Is the proxy entry o there?  1, 0, or -errno. */
static int proxy_present(struct gnl *n, struct gnl_obj *o)
{
	o->seen = 0;
	int r = dump_proxies(n, o->family, o);
	return r < 0 ? r : o->seen;
}

/* A route to o's destination in o's table with protocol GNL_RTPROT: one a
 * gate64d left on purpose (gnl_close with keep), so ours again. */
static int route_left_by_us(struct gnl *n, struct gnl_obj *o)
{
	o->seen = 0;
	int r = dump_routes(n, o->family, o->table, GNL_RTPROT, o);
	return r < 0 ? 0 : o->seen;
}

/* ------------------------------------------------------------------ */
/* events                                                             */

static void emit(struct gnl *n, struct gnl_event *ev)
{
	n->nev++;
	if (n->cb)
		n->cb(n->cbarg, ev);
}

static void emit_obj(struct gnl *n, const struct gnl_obj *o, int back)
{
	struct gnl_event ev;
	char what[160];
	memset(&ev, 0, sizeof(ev));
	ev.type = back ? GNL_EV_OBJECT_BACK
		       : (o->kind == OBJ_ADDR	 ? GNL_EV_ADDR_GONE
			  : o->kind == OBJ_ROUTE ? GNL_EV_ROUTE_GONE
						 : GNL_EV_PROXY_GONE);
	ev.ifindex = o->ifindex;
	snprintf(ev.ifname, sizeof(ev.ifname), "%s", o->ifname);
	ev.family = o->family;
	memcpy(ev.addr, o->addr, sizeof(ev.addr));
	ev.plen = o->plen;
	ev.table = o->table;
	ev.ours = o->ours;
	describe(o, what, sizeof(what));
	snprintf(ev.text, sizeof(ev.text), "%s (%s) is %s", what,
		 o->ours ? "ours" : "found", back ? "back" : "gone");
	emit(n, &ev);
}

static void emit_link(struct gnl *n, const struct gnl_link *l,
		      enum gnl_event_type type)
{
	struct gnl_event ev;
	memset(&ev, 0, sizeof(ev));
	ev.type = type;
	ev.ifindex = l->ifindex;
	snprintf(ev.ifname, sizeof(ev.ifname), "%s", l->name);
	const char *why = type == GNL_EV_LINK_UP     ? "up"
			  : type == GNL_EV_LINK_GONE ? "removed"
			  : !l->up		     ? "down (administratively)"
						     : "down (no carrier)";
	snprintf(ev.text, sizeof(ev.text), "link %s %s", l->name, why);
	emit(n, &ev);
}

/* New flags of a watched link: an event when up/down changed. */
static void link_update(struct gnl *n, struct gnl_link *l, unsigned flags)
{
	int was = l->up && l->carrier;
	l->up = !!(flags & IFF_UP);
	l->carrier = !!(flags & IFF_LOWER_UP);
	int is = l->up && l->carrier;
	if (was != is)
		emit_link(n, l, is ? GNL_EV_LINK_UP : GNL_EV_LINK_DOWN);
}

/* The records of the kind of obj (a libnl object the kernel announced)
 * that it matches. */
static void on_obj_change(struct gnl *n, enum gnl_kind kind, int ifindex,
			  int family, struct nl_addr *a, unsigned plen,
			  unsigned table, int action)
{
	if (!a || nl_addr_get_len(a) != alen(family))
		return;
	for (size_t i = 0; i < n->nobj; i++) {
		struct gnl_obj *o = &n->obj[i];
		if (o->kind != kind || o->family != family || o->plen != plen ||
		    memcmp(o->addr, nl_addr_get_binary_addr(a), alen(family)) ||
		    (kind == OBJ_ROUTE && o->table != table))
			continue;
		if (o->ifindex != ifindex && !(kind == OBJ_ROUTE && !o->ours))
			continue;
		if (action == NL_ACT_DEL && !o->gone) {
			o->gone = 1;
			emit_obj(n, o, 0);
		} else if (action == NL_ACT_NEW && o->gone) {
			o->gone = 0;
			emit_obj(n, o, 1);
		}
	}
}

static void on_change(struct nl_cache *cache, struct nl_object *obj, int action,
		      void *arg)
{
	struct gnl *n = arg;
	const char *type = nl_object_get_type(obj);
	(void)cache;
	if (!strcmp(type, "route/link")) {
		struct rtnl_link *l = (struct rtnl_link *)obj;
		struct gnl_link *w =
		    link_find_index(n, rtnl_link_get_ifindex(l));
		if (!w && action == NL_ACT_NEW) {
			/* a watched name is back, with a new index */
			w = link_find_name(n, rtnl_link_get_name(l));
			if (!w || w->ifindex)
				return;
			w->ifindex = rtnl_link_get_ifindex(l);
			w->up = w->carrier = 0;
		}
		if (!w)
			return;
		if (action == NL_ACT_DEL) {
			emit_link(n, w, GNL_EV_LINK_GONE);
			w->ifindex = 0;
			w->up = w->carrier = 0;
		} else {
			link_update(n, w, rtnl_link_get_flags(l));
		}
		n->recheck = 1;
	} else if (!strcmp(type, "route/addr")) {
		struct rtnl_addr *a = (struct rtnl_addr *)obj;
		on_obj_change(n, OBJ_ADDR, rtnl_addr_get_ifindex(a),
			      rtnl_addr_get_family(a), rtnl_addr_get_local(a),
			      (unsigned)rtnl_addr_get_prefixlen(a), 0, action);
	} else if (!strcmp(type, "route/route")) {
		struct rtnl_route *r = (struct rtnl_route *)obj;
		struct rtnl_nexthop *nh = rtnl_route_nexthop_n(r, 0);
		struct nl_addr *dst = rtnl_route_get_dst(r);
		on_obj_change(n, OBJ_ROUTE,
			      nh ? rtnl_route_nh_get_ifindex(nh) : 0,
			      rtnl_route_get_family(r), dst,
			      dst ? (unsigned)nl_addr_get_prefixlen(dst) : 0,
			      rtnl_route_get_table(r), action);
	}
}

/* Dump what the records need and report the differences. */
static int check_objects(struct gnl *n)
{
	int need_addr = 0, need_proxy[2] = {0, 0}, r = 0;
	for (size_t i = 0; i < n->nobj; i++) {
		struct gnl_obj *o = &n->obj[i];
		o->seen = 0;
		if (o->kind == OBJ_ADDR)
			need_addr = 1;
		else if (o->kind == OBJ_PROXY)
			need_proxy[o->family == AF_INET6] = 1;
	}
	if (need_addr)
		r = dump_addrs(n);
	for (int f = 0; f < 2 && r == 0; f++)
		if (need_proxy[f])
			r = dump_proxies(n, f ? AF_INET6 : AF_INET, NULL);
	/* Routes: one dump per family and table, of our protocol only when
	 * every record there is ours (the table may be a full one). */
	for (size_t i = 0; i < n->nobj && r == 0; i++) {
		struct gnl_obj *o = &n->obj[i];
		if (o->kind != OBJ_ROUTE)
			continue;
		int first = 1, all_ours = 1;
		for (size_t j = 0; j < n->nobj; j++) {
			struct gnl_obj *p = &n->obj[j];
			if (p->kind != OBJ_ROUTE || p->family != o->family ||
			    p->table != o->table)
				continue;
			if (j < i)
				first = 0;
			all_ours &= p->ours;
		}
		if (first)
			r = dump_routes(n, o->family, o->table,
					all_ours ? GNL_RTPROT : 0, NULL);
	}
	if (r < 0)
		return r;
	for (size_t i = 0; i < n->nobj; i++) {
		struct gnl_obj *o = &n->obj[i];
		if (!o->seen && !o->gone) {
			o->gone = 1;
			emit_obj(n, o, 0);
		} else if (o->seen && o->gone) {
			o->gone = 0;
			emit_obj(n, o, 1);
		}
	}
	return 0;
}

/* ------------------------------------------------------------------ */
/* API                                                                */

int gnl_open(struct gnl **np, char *err, size_t errlen)
{
	struct gnl *n = calloc(1, sizeof(*n));
	*np = NULL;
	if (!n) {
		snprintf(err, errlen, "netlink: out of memory");
		return -ENOMEM;
	}
	int r;
	const char *step = "allocating the sockets";
	n->sk = nl_socket_alloc();
	n->msk = nl_socket_alloc();
	if (!n->sk || !n->msk) {
		r = -NLE_NOMEM;
		goto fail;
	}
	step = "connecting to the kernel (NETLINK_ROUTE)";
	r = nl_connect(n->sk, NETLINK_ROUTE);
	if (r < 0)
		goto fail;
	nl_socket_modify_err_cb(n->sk, NL_CB_CUSTOM, on_nlerr, n);
	/* Refusals with the kernel's reason text, without our request
	 * echoed back; dumps filtered by the kernel.  Older kernels lack
	 * them: the messages are shorter, the dumps longer. */
	(void)sockopt_on(n->sk, NETLINK_EXT_ACK);
	(void)sockopt_on(n->sk, NETLINK_CAP_ACK);
	(void)sockopt_on(n->sk, NETLINK_GET_STRICT_CHK);

	step = "starting the cache manager";
	r = nl_cache_mngr_alloc(n->msk, NETLINK_ROUTE, 0, &n->mngr);
	if (r < 0)
		goto fail;
	(void)nl_socket_set_buffer_size(n->msk, GNL_RCVBUF, 0);
	static const char *const caches[] = {"route/link", "route/addr",
					     "route/route"};
	for (size_t i = 0; i < sizeof(caches) / sizeof(caches[0]); i++) {
		struct nl_cache *c;
		step = caches[i];
		r = nl_cache_mngr_add(n->mngr, caches[i], on_change, n, &c);
		if (r < 0)
			goto fail;
	}
	*np = n;
	return 0;
fail:
	snprintf(err, errlen, "netlink: %s: %s", step, nl_geterror(r));
	if (n->mngr)
		nl_cache_mngr_free(n->mngr);
	nl_socket_free(n->msk);
	nl_socket_free(n->sk);
	free(n);
	return r == -NLE_NOMEM ? -ENOMEM : -EIO;
}

/* Record o (filled) as ours or found and watch its link. */
static int record(struct gnl *n, const struct gnl_obj *o, int found, char *err,
		  size_t errlen)
{
	struct gnl_obj *slot = obj_new(n);
	int r = slot ? link_watch(n, o->ifname, o->ifindex) : -ENOMEM;
	if (r < 0) {
		char what[160];
		describe(o, what, sizeof(what));
		snprintf(err, errlen, "%s: out of memory", what);
		return r;
	}
	*slot = *o;
	slot->ours = !found;
	if (found) {
		char what[160];
		describe(o, what, sizeof(what));
		snprintf(err, errlen,
			 "%s: already present, left as it is at exit", what);
		return GNL_FOUND;
	}
	return 0;
}

/* Send the add request for o; 0, GNL_FOUND, or -errno (err filled, "OP
 * OBJECT: why"). */
static int install(struct gnl *n, struct gnl_obj *o, const char *op, char *err,
		   size_t errlen)
{
	int r = -NLE_NOMEM;
	before_request(n);
	if (o->kind == OBJ_ADDR) {
		struct rtnl_addr *a = mk_rtnl_addr(o);
		if (a)
			r = rtnl_addr_add(n->sk, a, NLM_F_EXCL);
		rtnl_addr_put(a);
	} else if (o->kind == OBJ_ROUTE) {
		struct rtnl_route *rt = mk_rtnl_route(o);
		if (rt)
			r = rtnl_route_add(n->sk, rt, NLM_F_EXCL);
		rtnl_route_put(rt);
	} else {
		/* The kernel does not refuse a proxy entry that exists
		 * (pneigh_lookup finds or creates): ask first. */
		int there = proxy_present(n, o);
		if (there < 0) {
			fail_msg(n, op, o, -there, err, errlen);
			return there;
		}
		if (there)
			return GNL_FOUND;
		struct rtnl_neigh *ne = mk_rtnl_proxy(o);
		before_request(n);
		if (ne)
			r = rtnl_neigh_add(n->sk, ne, NLM_F_EXCL);
		rtnl_neigh_put(ne);
	}
	if (r >= 0)
		return 0;
	int e = request_errno(n, r);
	if (e == EEXIST && o->kind == OBJ_ROUTE && route_left_by_us(n, o))
		return 0; /* adopted: removed at our exit (unless kept) */
	if (e == EEXIST)
		return GNL_FOUND;
	fail_msg(n, op, o, e, err, errlen);
	return -e;
}

static int add_obj(struct gnl *n, struct gnl_obj *o, char *err, size_t errlen)
{
	int r = install(n, o, "add", err, errlen);
	if (r < 0)
		return r;
	return record(n, o, r == GNL_FOUND, err, errlen);
}

int gnl_addr_add(struct gnl *n, const char *ifname, int family,
		 const void *addr, unsigned plen, char *err, size_t errlen)
{
	struct gnl_obj o;
	int r = obj_prepare(n, &o, OBJ_ADDR, "add", ifname, family, addr, plen,
			    0, NULL, err, errlen);
	return r < 0 ? r : add_obj(n, &o, err, errlen);
}

int gnl_route_add(struct gnl *n, const char *ifname, int family,
		  const void *dst, unsigned plen, const void *gw,
		  unsigned table, char *err, size_t errlen)
{
	struct gnl_obj o;
	int r = obj_prepare(n, &o, OBJ_ROUTE, "add", ifname, family, dst, plen,
			    table, gw, err, errlen);
	if (r < 0)
		return r;
	/* The kernel refuses a destination with host bits (EINVAL): say
	 * which network was meant. */
	unsigned char net[16];
	memcpy(net, o.addr, sizeof(net));
	for (unsigned b = plen; b < alen(family) * 8; b++)
		net[b / 8] &= (unsigned char)~(0x80 >> (b % 8));
	if (memcmp(net, o.addr, alen(family))) {
		char what[160], a[INET6_ADDRSTRLEN];
		describe(&o, what, sizeof(what));
		snprintf(err, errlen,
			 "add %s: the destination has bits set after the "
			 "prefix length: did you mean %s/%u?",
			 what, ntop(family, net, a, sizeof(a)), plen);
		return -EINVAL;
	}
	return add_obj(n, &o, err, errlen);
}

int gnl_proxy_add(struct gnl *n, const char *ifname, int family,
		  const void *addr, char *err, size_t errlen)
{
	struct gnl_obj o;
	int r =
	    obj_prepare(n, &o, OBJ_PROXY, "add", ifname, family, addr,
			family == AF_INET6 ? 128 : 32, 0, NULL, err, errlen);
	return r < 0 ? r : add_obj(n, &o, err, errlen);
}

int gnl_watch(struct gnl *n, const char *ifname, char *err, size_t errlen)
{
	int ifindex = ifname && strlen(ifname) < IF_NAMESIZE
			  ? (int)if_nametoindex(ifname)
			  : 0;
	if (!ifindex) {
		snprintf(err, errlen,
			 "watch %s: No such device: is the interface name in "
			 "the configuration right? (ip link lists them)",
			 ifname ? ifname : "(null)");
		return -ENODEV;
	}
	int r = link_watch(n, ifname, ifindex);
	if (r < 0)
		snprintf(err, errlen, "watch %s: out of memory", ifname);
	return r;
}

int gnl_fd(const struct gnl *n)
{
	return nl_cache_mngr_get_fd(n->mngr);
}

static void refresh_links(struct gnl *n)
{
	for (size_t i = 0; i < n->nlink; i++) {
		struct gnl_link *l = &n->link[i];
		unsigned flags;
		if (!l->ifindex) {
			int ix = (int)if_nametoindex(l->name);
			if (!ix)
				continue;
			l->ifindex = ix; /* back: report its state */
		}
		if (link_state(n, l->ifindex, &flags) == 0) {
			link_update(n, l, flags);
		} else if (!if_nametoindex(l->name)) {
			emit_link(n, l, GNL_EV_LINK_GONE);
			l->ifindex = 0;
			l->up = l->carrier = 0;
		}
	}
}

int gnl_check(struct gnl *n, gnl_event_fn cb, void *arg)
{
	n->cb = cb;
	n->cbarg = arg;
	n->nev = 0;
	refresh_links(n);
	int r = check_objects(n);
	n->cb = NULL;
	return r < 0 ? r : n->nev;
}

int gnl_poll_changes(struct gnl *n, gnl_event_fn cb, void *arg)
{
	n->cb = cb;
	n->cbarg = arg;
	n->nev = 0;
	n->recheck = 0;
	int r = nl_cache_mngr_data_ready(n->mngr);
	if (r == -NLE_NOMEM) {
		/* A lost burst (ENOBUFS): the caches are behind, so ask the
		 * kernel about everything we care for. */
		refresh_links(n);
		n->recheck = 1;
	} else if (r < 0) {
		n->cb = NULL;
		return r == -NLE_BAD_SOCK ? -EBADF : -EIO;
	}
	/* The kernel drops the IPv4 routes of a link that goes down without
	 * announcing it: only a dump tells. */
	r = n->recheck ? check_objects(n) : 0;
	n->cb = NULL;
	return r < 0 ? r : n->nev;
}

int gnl_restore(struct gnl *n, char *err, size_t errlen)
{
	int done = 0, first = 0;
	for (size_t i = 0; i < n->nobj; i++) {
		struct gnl_obj *o = &n->obj[i];
		char e[256];
		if (!o->ours || !o->gone)
			continue;
		int ix = (int)if_nametoindex(o->ifname);
		if (!ix) {
			n->ext_msg[0] = 0;
			fail_msg(n, "restore", o, ENODEV, e, sizeof(e));
			if (!first) {
				first = -ENODEV;
				snprintf(err, errlen, "%s", e);
			}
			continue;
		}
		o->ifindex = ix;
		int r = install(n, o, "restore", e, sizeof(e));
		if (r < 0) {
			if (!first) {
				first = r;
				snprintf(err, errlen, "%s", e);
			}
			continue;
		}
		(void)link_watch(n, o->ifname, ix);
		o->gone = 0;
		done++;
	}
	return first ? first : done;
}

/* Remove o; 0 when done or already gone, else -errno with err filled. */
static int uninstall(struct gnl *n, struct gnl_obj *o, char *err, size_t errlen)
{
	int r = -NLE_NOMEM;
	before_request(n);
	if (o->kind == OBJ_ADDR) {
		struct rtnl_addr *a = mk_rtnl_addr(o);
		if (a)
			r = rtnl_addr_delete(n->sk, a, 0);
		rtnl_addr_put(a);
	} else if (o->kind == OBJ_ROUTE) {
		struct rtnl_route *rt = mk_rtnl_route(o);
		if (rt)
			r = rtnl_route_delete(n->sk, rt, 0);
		rtnl_route_put(rt);
	} else {
		struct rtnl_neigh *ne = mk_rtnl_proxy(o);
		if (ne)
			r = rtnl_neigh_delete(n->sk, ne, 0);
		rtnl_neigh_put(ne);
	}
	if (r >= 0)
		return 0;
	int e = request_errno(n, r);
	/* Gone already: removed by the operator, or with its link (ENODEV:
	 * the index is no longer there). */
	if (e == ENOENT || e == ESRCH || e == EADDRNOTAVAIL || e == ENODEV)
		return 0;
	fail_msg(n, "remove", o, e, err, errlen);
	return -e;
}

int gnl_close(struct gnl *n, int keep, char *err, size_t errlen)
{
	int first = 0;
	if (!n)
		return 0;
	for (size_t i = n->nobj; i-- > 0 && !keep;) {
		struct gnl_obj *o = &n->obj[i];
		char e[256];
		if (!o->ours)
			continue;
		int r = uninstall(n, o, e, sizeof(e));
		if (r < 0 && !first) {
			first = r;
			snprintf(err, errlen, "%s", e);
		}
	}
	nl_cache_mngr_free(n->mngr);
	nl_socket_free(n->msk); /* given to the manager: not freed by it */
	nl_socket_free(n->sk);
	free(n->obj);
	free(n->link);
	free(n);
	return first;
}

void gnl_adopt_last(struct gnl *n)
{
	if (n->nobj)
		n->obj[n->nobj - 1].ours = 1;
}

void gnl_counts(const struct gnl *n, unsigned *ours, unsigned *found)
{
	*ours = *found = 0;
	for (size_t i = 0; i < n->nobj; i++)
		(*(n->obj[i].ours ? ours : found))++;
}
