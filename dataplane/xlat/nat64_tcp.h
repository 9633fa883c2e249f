/*
 * nat64_tcp.h - the TCP session state machine of stateful NAT64
 * (RFC 6146 §3.5.2.2) and the session lifetimes of §3.5 / §4.
 *
 * Contract: pure functions over a state byte; no memory, no clock.  The
 * caller stores the state in the session and computes the expiry as
 * last_seen + nat64_lifetime(...).  Shared by the core and (later) the
 * XDP program: static inline, no libc.
 */
#ifndef GATE64_XLAT_NAT64_TCP_H
#define GATE64_XLAT_NAT64_TCP_H

#include <stdint.h>

/* RFC 6146 §3.5.2.2 states (CLOSED is "no session"). */
enum nat64_tcp_state {
	NAT64_TCP_CLOSED = 0,
	NAT64_TCP_V4_INIT,
	NAT64_TCP_V6_INIT,
	NAT64_TCP_ESTABLISHED,
	NAT64_TCP_V4_FIN_RCV,
	NAT64_TCP_V6_FIN_RCV,
	NAT64_TCP_V4_FIN_V6_FIN_RCV,
	NAT64_TCP_TRANS,
	NAT64_TCP_NSTATES
};

/* Which lifetime a state runs on (RFC 6146 §3.5.2.2, §4). */
enum nat64_timer {
	NAT64_T_NONE = 0,  /* keep the current expiry (V4 FIN + V6 FIN RCV) */
	NAT64_T_TCP_EST,   /* 2 h 4 min */
	NAT64_T_TCP_TRANS, /* 4 min */
	NAT64_T_TCP_SYN,   /* TCP_INCOMING_SYN, 6 s */
	NAT64_T_UDP,	   /* 5 min */
	NAT64_T_ICMP,	   /* 60 s */
	NAT64_NTIMERS
};

/* TCP flags as they sit in the header's byte 13. */
#define NAT64_TCP_FIN 0x01
#define NAT64_TCP_SYN 0x02
#define NAT64_TCP_RST 0x04

/* The direction a packet travels. */
enum nat64_dir { NAT64_FROM6 = 0, NAT64_FROM4 = 1 };

struct nat64_tcp_step {
	uint8_t state; /* the new state */
	uint8_t timer; /* enum nat64_timer to (re)start, or NAT64_T_NONE */
};

/*
 * RFC 6146 §3.5.2.2 for a packet of an existing session (state !=
 * CLOSED) travelling in 'dir' with TCP 'flags'.  Creation from CLOSED is
 * decided by the caller (a V6 SYN creates V6_INIT; a V4 SYN V4_INIT) with
 * nat64_tcp_open().
 */
static inline struct nat64_tcp_step nat64_tcp_next(uint8_t state, int dir,
						   uint8_t flags)
{
	struct nat64_tcp_step s = {state, NAT64_T_NONE};
	int syn = flags & NAT64_TCP_SYN, fin = flags & NAT64_TCP_FIN;
	int rst = flags & NAT64_TCP_RST;

	switch (state) {
	case NAT64_TCP_V4_INIT:
		/* a V6 SYN completes the simultaneous/inbound open */
		if (dir == NAT64_FROM6 && syn) {
			s.state = NAT64_TCP_ESTABLISHED;
			s.timer = NAT64_T_TCP_EST;
		}
		break;
	case NAT64_TCP_V6_INIT:
		if (dir == NAT64_FROM4 && syn) {
			s.state = NAT64_TCP_ESTABLISHED;
			s.timer = NAT64_T_TCP_EST;
		} else if (dir == NAT64_FROM6 && syn) {
			s.timer = NAT64_T_TCP_TRANS;
		}
		break;
	case NAT64_TCP_ESTABLISHED:
		if (rst) {
			s.state = NAT64_TCP_TRANS;
			s.timer = NAT64_T_TCP_TRANS;
		} else if (fin) {
			s.state = dir == NAT64_FROM4 ? NAT64_TCP_V4_FIN_RCV
						     : NAT64_TCP_V6_FIN_RCV;
			s.timer = NAT64_T_TCP_EST;
		} else {
			s.timer = NAT64_T_TCP_EST;
		}
		break;
	case NAT64_TCP_V4_FIN_RCV:
		if (dir == NAT64_FROM6 && fin) {
			s.state = NAT64_TCP_V4_FIN_V6_FIN_RCV;
			s.timer = NAT64_T_TCP_TRANS;
		} else {
			s.timer = NAT64_T_TCP_EST;
		}
		break;
	case NAT64_TCP_V6_FIN_RCV:
		if (dir == NAT64_FROM4 && fin) {
			s.state = NAT64_TCP_V4_FIN_V6_FIN_RCV;
			s.timer = NAT64_T_TCP_TRANS;
		} else {
			s.timer = NAT64_T_TCP_EST;
		}
		break;
	case NAT64_TCP_V4_FIN_V6_FIN_RCV:
		break; /* packets pass, the lifetime is not touched */
	case NAT64_TCP_TRANS:
		if (!rst) {
			s.state = NAT64_TCP_ESTABLISHED;
			s.timer = NAT64_T_TCP_EST;
		}
		break;
	default: break;
	}
	return s;
}

/* Creating a session from CLOSED (RFC 6146 §3.5.2.2): a V6 SYN opens
 * V6_INIT on the transitory lifetime, a V4 SYN opens V4_INIT on
 * TCP_INCOMING_SYN.  Any other packet creates nothing (returns CLOSED). */
static inline struct nat64_tcp_step nat64_tcp_open(int dir, uint8_t flags)
{
	struct nat64_tcp_step s = {NAT64_TCP_CLOSED, NAT64_T_NONE};
	if (!(flags & NAT64_TCP_SYN) || (flags & NAT64_TCP_RST))
		return s;
	if (dir == NAT64_FROM6) {
		s.state = NAT64_TCP_V6_INIT;
		s.timer = NAT64_T_TCP_TRANS;
	} else {
		s.state = NAT64_TCP_V4_INIT;
		s.timer = NAT64_T_TCP_SYN;
	}
	return s;
}

#endif
