/*
 * xdp_eam.h - the EAM table (RFC 7757) of the XDP program: its two LPM
 * tries (g64_eam4, g64_eam6; layouts in bpf/xdp_eam.h) filled from the
 * core's table, so that XDP maps every address as the core does.
 *
 * Contract: control thread (and the tests) only, after the program is
 * loaded; nothing here runs per packet.  The table is only read.
 */
#ifndef GATE64_CONTROL_XDP_EAM_H
#define GATE64_CONTROL_XDP_EAM_H

#include "bpf/xdp_eam.h"
#include "dataplane/xlat/eam.h"

/*
 * Make the tries at map4_fd (IPv4 key) and map6_fd (IPv6 key) hold
 * exactly the entries of t (built with eam_build; NULL or empty: no
 * entry), then set the program's g64_eam_on (on_fd) to 1: the program
 * translates with EAM only once it is.  New and changed entries are
 * written first, then the keys no longer in t deleted, so that a reload
 * never empties a live table; while it runs, a packet may see the old
 * entry or the new one.  Returns 0, or a negative errno of the first map
 * operation that failed; g64_eam_on is then set to 0 (the program hands
 * every frame on) as far as that still works.
 */
int xdp_eam_fill(int map4_fd, int map6_fd, int on_fd,
		 const struct xlat_eamt *t);

#endif
