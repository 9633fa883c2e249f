/*
 * nat64_log.h - the mapping log of stateful NAT64 (RFC 6888 §4 REQ-12,
 * events numbered as RFC 8158's natEvent): who held which IPv4 transport
 * address when.  Workers push fixed-size events into a per-worker ring on
 * the packet path (no lock, no system call: one store of 64 bytes and a
 * release of the head); the control side drains the rings into a
 * line-oriented file with UTC timestamps, and looks the file up.
 *
 * Contract: one producer (the worker) and one consumer (the control
 * thread) per ring.  A full ring drops the new event and counts it
 * (nat64_log_ring.dropped); nothing else is lost silently.  The ring's
 * memory is allocated by nat64_log_ring_init and freed by _fini.
 */
#ifndef GATE64_XLAT_NAT64_LOG_H
#define GATE64_XLAT_NAT64_LOG_H

#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>

/* RFC 8158 §4.1.1 natEvent values used by gate64 (X-macro: value, name). */
#define NAT64_EVENT_LIST(X)                          \
	X(ADDR_EXHAUSTED, 3, "ADDRESSES_EXHAUSTED")  \
	X(SESSION_CREATE, 6, "NAT64_SESSION_CREATE") \
	X(SESSION_DELETE, 7, "NAT64_SESSION_DELETE") \
	X(BIB_CREATE, 10, "NAT64_BIB_CREATE")        \
	X(BIB_DELETE, 11, "NAT64_BIB_DELETE")        \
	X(PORTS_EXHAUSTED, 12, "PORTS_EXHAUSTED")    \
	X(QUOTA_EXCEEDED, 13, "QUOTA_EXCEEDED")      \
	X(BLOCK_ALLOC, 16, "PORT_BLOCK_ALLOCATION")  \
	X(BLOCK_RELEASE, 17, "PORT_BLOCK_DEALLOCATION")

enum nat64_event {
#define NAT64_EVENT_ENUM(e, v, n) NAT64_EV_##e = v,
	NAT64_EVENT_LIST(NAT64_EVENT_ENUM)
#undef NAT64_EVENT_ENUM
};

/* One event, 64 bytes.  Addresses and ports in host order except src6. */
struct nat64_log_event {
	uint64_t time_ms; /* UTC, milliseconds since the epoch */
	uint8_t event;	  /* enum nat64_event */
	uint8_t proto;	  /* enum nat64_proto */
	uint8_t sub_len;  /* subscriber prefix length (/56, /64, /128) */
	uint8_t pad;
	uint16_t sport6;      /* IPv6 source port (ICMP identifier) */
	uint16_t port4;	      /* pool4 port, or first port of a block */
	uint16_t port4_end;   /* last port of a block; = port4 otherwise */
	uint16_t rport;	      /* remote port (session events) */
	uint32_t addr4;	      /* pool4 address */
	uint32_t raddr4;      /* remote IPv4 address (session events) */
	uint8_t src6[16];     /* IPv6 source (or subscriber prefix) */
	uint8_t reserved[20]; /* to 64 bytes */
};

struct nat64_log_ring {
	struct nat64_log_event *ev; /* capacity entries */
	uint32_t mask;		    /* capacity - 1 (power of two) */
	_Atomic uint32_t head;	    /* written by the producer */
	_Atomic uint32_t tail;	    /* written by the consumer */
	_Atomic uint64_t dropped;   /* events lost to a full ring */
};

/* capacity: a power of two >= 2.  0 or -ENOMEM / -EINVAL. */
int nat64_log_ring_init(struct nat64_log_ring *r, uint32_t capacity);
void nat64_log_ring_fini(struct nat64_log_ring *r);
/* Producer (worker): 0, or -ENOSPC when full (counted in dropped). */
int nat64_log_push(struct nat64_log_ring *r, const struct nat64_log_event *e);
/* Consumer (control): up to max events into out; returns how many. */
unsigned nat64_log_pop(struct nat64_log_ring *r, struct nat64_log_event *out,
		       unsigned max);

/*
 * The file format, one event per line (docs/nat64.md):
 *   2026-11-25T13:30:00.123Z NAT64_BIB_CREATE proto=tcp
 *     src=[2001:db8::1]:1234 sub=2001:db8::/56 pool4=192.0.2.1:40000
 *   ... PORT_BLOCK_ALLOCATION proto=udp sub=2001:db8::/56
 *     pool4=192.0.2.1:2048-2559
 *   ... NAT64_SESSION_CREATE ... dst=198.51.100.7:80
 * (one line each; fields separated by single spaces.)
 * Returns the number of characters written (without NUL), or -1.
 */
int nat64_log_format(const struct nat64_log_event *e, char *buf, size_t len);
/* Parse one line back; 0 or -1. */
int nat64_log_parse(const char *line, struct nat64_log_event *e);
/*
 * The line's timestamp: t_ms as YYYY-MM-DDTHH:MM:SS.mmmZ (UTC); returns
 * the length or -1.  _parse_time reads exactly len characters of RFC 3339
 * UTC (YYYY-MM-DDTHH:MM:SS[.fraction]Z, the fraction cut to
 * milliseconds); 0 or -1.
 */
int nat64_log_format_time(uint64_t t_ms, char *buf, size_t len);
int nat64_log_parse_time(const char *s, size_t len, uint64_t *t_ms);
/* Drain a ring to f (one line per event); returns events written. */
unsigned nat64_log_drain(struct nat64_log_ring *r, FILE *f);

/*
 * Who held addr4:port4 (proto) at time t_ms?  Scans the log file f for
 * the create/allocation and delete/release events that bracket t_ms
 * (BIB events, or block events in port-block mode).  Returns 1 and fills
 * *who (src6, sport6, sub, the interval in time_ms/.. ) with the create
 * event, and *until_ms with the matching release time (UINT64_MAX if
 * still held at the end of the file); 0 if nobody held it; -1 on a read
 * error.
 */
/* A time as the lookups take it: seconds since the epoch (with an
 * optional .fraction) or RFC 3339 UTC.  0 or -1. */
int nat64_log_parse_when(const char *s, uint64_t *t_ms);

int nat64_log_lookup(FILE *f, uint32_t addr4, uint16_t port4, uint8_t proto,
		     uint64_t t_ms, struct nat64_log_event *who,
		     uint64_t *until_ms);

const char *nat64_event_name(uint8_t event);

#endif
