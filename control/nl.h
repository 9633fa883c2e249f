/*
 * nl.h - what gate64d installs in the kernel over netlink (libnl-route-3)
 * in the xdp and hybrid modes, where the kernel keeps the NICs: pool4
 * addresses on the IPv4 interface (so that the kernel answers ARP for
 * them), the pool6 prefix and the EAM ranges as routes, proxy-ND or
 * proxy-ARP entries where a route is not enough; and a watcher (a libnl
 * cache manager) that reports links going down or away and installed
 * objects disappearing.  docs/control.md ("Netlink") says what is
 * installed in which mode.
 *
 * Ownership: every object the caller asks for is recorded.  One that this
 * process created is "ours" and is removed by gnl_close() (in reverse
 * order); one that was already there (the kernel answers EEXIST, or the
 * proxy entry is listed) is recorded as "found": it is watched, but never
 * removed, because the operator put it there.  Routes gnl creates carry
 * the protocol GNL_RTPROT, so that `ip route show proto 64` lists them and
 * `ip route flush proto 64` clears what a crashed gate64d left behind.
 *
 * Errors: 0 or a negative errno; err is filled with one line that names
 * the operation, the object and the interface, the kernel's reason (with
 * its extended-ack text when it gives one) and a hint, e.g.
 * "add address 192.0.2.1/32 on veth4: No such device: is the interface
 * name in the configuration right? (ip link lists them)".
 *
 * Threads: one struct gnl belongs to one thread (gate64d's control
 * thread); nothing here is called per packet.  Needs CAP_NET_ADMIN for the
 * changes (not for watching).
 */
#ifndef GATE64_CONTROL_NL_H
#define GATE64_CONTROL_NL_H

#include <net/if.h>
#include <stddef.h>

/* rtm_protocol of the routes gnl installs (unassigned in iproute2's
 * rt_protos; an operator may name it in /etc/iproute2/rt_protos.d). */
#define GNL_RTPROT 64

/* An add that found the object already there: not an error, err says so
 * ("... already present, left as it is at exit") for the caller's log. */
#define GNL_FOUND 1

struct gnl; /* opaque */

enum gnl_event_type {
	GNL_EV_LINK_UP,	    /* administratively up and carrier on */
	GNL_EV_LINK_DOWN,   /* administratively down, or no carrier */
	GNL_EV_LINK_GONE,   /* the interface was deleted */
	GNL_EV_ADDR_GONE,   /* a recorded address is no longer there */
	GNL_EV_ROUTE_GONE,  /* a recorded route is no longer there */
	GNL_EV_PROXY_GONE,  /* a recorded proxy entry is no longer there */
	GNL_EV_OBJECT_BACK, /* a recorded object reported gone is there again
			       (gnl_restore, or the operator re-added it) */
};

struct gnl_event {
	enum gnl_event_type type;
	int ifindex;
	char ifname[IF_NAMESIZE];
	/* the object, for the *_GONE and OBJECT_BACK events */
	int family; /* AF_INET, AF_INET6 */
	unsigned char addr[16];
	unsigned plen;
	unsigned table; /* routes */
	int ours;	/* installed by this process (else found) */
	/* one line for the log, e.g. "link veth4 down (no carrier)" or
	 * "route 64:ff9b::/96 dev veth6 table 254 (ours) is gone" */
	char text[200];
};

typedef void (*gnl_event_fn)(void *arg, const struct gnl_event *ev);

/* Two netlink sockets: one for requests, one for the cache manager
 * (links, addresses, routes).  0 or -errno with err filled. */
int gnl_open(struct gnl **n, char *err, size_t errlen);

/* addr (4 or 16 bytes by family) with prefix length plen on ifname.
 * IPv6 addresses are added without DAD (they are the gateway's own, and
 * usable at once).  0 (ours), GNL_FOUND, or -errno. */
int gnl_addr_add(struct gnl *n, const char *ifname, int family,
		 const void *addr, unsigned plen, char *err, size_t errlen);

/* A route to dst/plen out of ifname, through gw (NULL: on-link) in table
 * (0: main).  0 (ours), GNL_FOUND (a route to dst/plen with the same
 * metric is already in that table, whatever its next hop), or -errno. */
int gnl_route_add(struct gnl *n, const char *ifname, int family,
		  const void *dst, unsigned plen, const void *gw,
		  unsigned table, char *err, size_t errlen);

/* A proxy neighbour entry (`ip neigh add proxy ADDR dev IF`): the kernel
 * answers ND (IPv6) or ARP (IPv4) for addr on ifname.  It does so only
 * when the interface forwards and has proxy_ndp (IPv6) on, or (IPv4) when
 * the address is routed out of another interface: gnl does not change
 * sysctls, the caller (or the operator) does.  0 (ours), GNL_FOUND, or
 * -errno. */
int gnl_proxy_add(struct gnl *n, const char *ifname, int family,
		  const void *addr, char *err, size_t errlen);

/* Report the state changes of ifname too (links that carry a recorded
 * object are watched anyway).  0 or -errno (-ENODEV). */
int gnl_watch(struct gnl *n, const char *ifname, char *err, size_t errlen);

/* The cache manager's socket, for the caller's poll() (POLLIN). */
int gnl_fd(const struct gnl *n);

/* Read what the kernel announced (non-blocking) and call cb for each
 * change of a watched link and each recorded object that went away; after
 * a link event the link's objects are checked against the kernel (the
 * kernel flushes IPv4 routes of a link that goes down without announcing
 * it).  Returns the number of events, or -errno. */
int gnl_poll_changes(struct gnl *n, gnl_event_fn cb, void *arg);

/* Check every recorded object against the kernel (a dump each) and report
 * what went away or came back, as gnl_poll_changes does; for the caller's
 * housekeeping timer.  Returns the number of events, or -errno. */
int gnl_check(struct gnl *n, gnl_event_fn cb, void *arg);

/* Install again every object of ours that is gone (after a link came back
 * up, say).  Returns the number re-installed, or -errno for the first
 * failure (err filled; the others are still tried). */
int gnl_restore(struct gnl *n, char *err, size_t errlen);

/* Remove every object of ours, newest first, and free n (NULL: nothing).
 * keep: remove nothing (the kernel keeps routing to the gateway, e.g.
 * across an upgrade; the next gate64d finds them and so leaves them at its
 * own exit: `ip route flush proto 64` clears the routes).  An object
 * already gone is not an error.  0, or the first failure's -errno with
 * err filled (every removal is still tried). */
int gnl_close(struct gnl *n, int keep, char *err, size_t errlen);

/* The object the last add found (GNL_FOUND) is ours after all: one an
 * earlier run of this program left on purpose (gate64d --keep-state), to
 * be removed at close like the ones it creates. */
void gnl_adopt_last(struct gnl *n);
/* Counts of the recorded objects, for status output and tests. */
void gnl_counts(const struct gnl *n, unsigned *ours, unsigned *found);

#endif
