/*
 * test_nat64_tcp.c - every transition of the RFC 6146 §3.5.2.2 TCP state
 * machine (dataplane/xlat/nat64_tcp.h), and which lifetime each starts.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "dataplane/xlat/nat64_tcp.h"

#define SYN NAT64_TCP_SYN
#define FIN NAT64_TCP_FIN
#define RST NAT64_TCP_RST
#define ACK 0x10
#define V4  NAT64_FROM4
#define V6  NAT64_FROM6

static void step(uint8_t from, int dir, uint8_t flags, uint8_t to,
		 uint8_t timer)
{
	struct nat64_tcp_step s = nat64_tcp_next(from, dir, flags);
	if (s.state != to || s.timer != timer)
		fail_msg("state %u dir %d flags %#x: got %u/%u, want %u/%u",
			 from, dir, flags, s.state, s.timer, to, timer);
}

/* §3.5.2.2 CLOSED: a V6 SYN opens V6 INIT (TCP_TRANS), a V4 SYN V4 INIT
 * (TCP_INCOMING_SYN); nothing else creates a session. */
static void test_closed(void **state)
{
	(void)state;
	struct nat64_tcp_step s = nat64_tcp_open(V6, SYN);
	assert_int_equal(s.state, NAT64_TCP_V6_INIT);
	assert_int_equal(s.timer, NAT64_T_TCP_TRANS);
	s = nat64_tcp_open(V4, SYN);
	assert_int_equal(s.state, NAT64_TCP_V4_INIT);
	assert_int_equal(s.timer, NAT64_T_TCP_SYN);
	static const uint8_t others[] = {0,   ACK,	 FIN,
					 RST, FIN | ACK, SYN | RST};
	for (unsigned i = 0; i < sizeof(others); i++) {
		assert_int_equal(nat64_tcp_open(V6, others[i]).state,
				 NAT64_TCP_CLOSED);
		assert_int_equal(nat64_tcp_open(V4, others[i]).state,
				 NAT64_TCP_CLOSED);
	}
}

/* §3.5.2.2 V4 INIT: a V6 SYN establishes (TCP_EST); other packets leave it
 * and its short lifetime alone. */
static void test_v4_init(void **state)
{
	(void)state;
	step(NAT64_TCP_V4_INIT, V6, SYN | ACK, NAT64_TCP_ESTABLISHED,
	     NAT64_T_TCP_EST);
	step(NAT64_TCP_V4_INIT, V6, SYN, NAT64_TCP_ESTABLISHED,
	     NAT64_T_TCP_EST);
	step(NAT64_TCP_V4_INIT, V4, SYN, NAT64_TCP_V4_INIT, NAT64_T_NONE);
	step(NAT64_TCP_V4_INIT, V6, ACK, NAT64_TCP_V4_INIT, NAT64_T_NONE);
}

/* §3.5.2.2 V6 INIT: a V4 SYN establishes; a V6 SYN restarts TCP_TRANS. */
static void test_v6_init(void **state)
{
	(void)state;
	step(NAT64_TCP_V6_INIT, V4, SYN | ACK, NAT64_TCP_ESTABLISHED,
	     NAT64_T_TCP_EST);
	step(NAT64_TCP_V6_INIT, V6, SYN, NAT64_TCP_V6_INIT, NAT64_T_TCP_TRANS);
	step(NAT64_TCP_V6_INIT, V4, ACK, NAT64_TCP_V6_INIT, NAT64_T_NONE);
}

/* §3.5.2.2 ESTABLISHED: FIN from either side, RST to TRANS, anything else
 * restarts TCP_EST. */
static void test_established(void **state)
{
	(void)state;
	step(NAT64_TCP_ESTABLISHED, V4, FIN | ACK, NAT64_TCP_V4_FIN_RCV,
	     NAT64_T_TCP_EST);
	step(NAT64_TCP_ESTABLISHED, V6, FIN | ACK, NAT64_TCP_V6_FIN_RCV,
	     NAT64_T_TCP_EST);
	step(NAT64_TCP_ESTABLISHED, V4, RST, NAT64_TCP_TRANS,
	     NAT64_T_TCP_TRANS);
	step(NAT64_TCP_ESTABLISHED, V6, RST | ACK, NAT64_TCP_TRANS,
	     NAT64_T_TCP_TRANS);
	step(NAT64_TCP_ESTABLISHED, V4, ACK, NAT64_TCP_ESTABLISHED,
	     NAT64_T_TCP_EST);
	step(NAT64_TCP_ESTABLISHED, V6, ACK, NAT64_TCP_ESTABLISHED,
	     NAT64_T_TCP_EST);
}

/* §3.5.2.2 V4 FIN RCV / V6 FIN RCV: the other side's FIN goes to V4 FIN +
 * V6 FIN RCV (TCP_TRANS); other packets restart TCP_EST. */
static void test_one_fin(void **state)
{
	(void)state;
	step(NAT64_TCP_V4_FIN_RCV, V6, FIN | ACK, NAT64_TCP_V4_FIN_V6_FIN_RCV,
	     NAT64_T_TCP_TRANS);
	step(NAT64_TCP_V4_FIN_RCV, V4, ACK, NAT64_TCP_V4_FIN_RCV,
	     NAT64_T_TCP_EST);
	step(NAT64_TCP_V4_FIN_RCV, V6, ACK, NAT64_TCP_V4_FIN_RCV,
	     NAT64_T_TCP_EST);
	step(NAT64_TCP_V6_FIN_RCV, V4, FIN | ACK, NAT64_TCP_V4_FIN_V6_FIN_RCV,
	     NAT64_T_TCP_TRANS);
	step(NAT64_TCP_V6_FIN_RCV, V6, ACK, NAT64_TCP_V6_FIN_RCV,
	     NAT64_T_TCP_EST);
	/* the same side's FIN again is not the other side's */
	step(NAT64_TCP_V6_FIN_RCV, V6, FIN, NAT64_TCP_V6_FIN_RCV,
	     NAT64_T_TCP_EST);
}

/* §3.5.2.2 V4 FIN + V6 FIN RCV: packets pass, the lifetime runs out. */
static void test_both_fin(void **state)
{
	(void)state;
	static const uint8_t any[] = {ACK, FIN, SYN, RST};
	for (unsigned i = 0; i < sizeof(any); i++) {
		step(NAT64_TCP_V4_FIN_V6_FIN_RCV, V4, any[i],
		     NAT64_TCP_V4_FIN_V6_FIN_RCV, NAT64_T_NONE);
		step(NAT64_TCP_V4_FIN_V6_FIN_RCV, V6, any[i],
		     NAT64_TCP_V4_FIN_V6_FIN_RCV, NAT64_T_NONE);
	}
}

/* §3.5.2.2 TRANS: a packet other than RST brings ESTABLISHED back; RST
 * keeps it transitory. */
static void test_trans(void **state)
{
	(void)state;
	step(NAT64_TCP_TRANS, V4, ACK, NAT64_TCP_ESTABLISHED, NAT64_T_TCP_EST);
	step(NAT64_TCP_TRANS, V6, ACK, NAT64_TCP_ESTABLISHED, NAT64_T_TCP_EST);
	step(NAT64_TCP_TRANS, V4, RST, NAT64_TCP_TRANS, NAT64_T_NONE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_closed),  cmocka_unit_test(test_v4_init),
	    cmocka_unit_test(test_v6_init), cmocka_unit_test(test_established),
	    cmocka_unit_test(test_one_fin), cmocka_unit_test(test_both_fin),
	    cmocka_unit_test(test_trans),
	};
	return cmocka_run_group_tests_name("nat64_tcp", tests, NULL, NULL);
}
