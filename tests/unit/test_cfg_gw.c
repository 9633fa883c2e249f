/*
 * test_cfg_gw.c - gate64d's INI file (control/cfg_gw.h): good files and
 * the struct they give, bad files and the exact error each gives (file,
 * section, key, value, why), the EAL argument vectors, and the example
 * conf/gate64.conf (loaded from the repository root, where tests run).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "control/cfg_gw.h"
#include "dataplane/xlat/eam.h"

static char dir[] = "/tmp/test_cfg_gw.XXXXXX";
static char path[sizeof(dir) + 16];

/* ---- helpers ---- */

static void write_conf(const char *text)
{
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	assert_int_equal(fputs(text, f) >= 0, 1);
	assert_int_equal(fclose(f), 0);
}

static struct cfg_gw *load_ok(const char *text)
{
	struct cfg_gw *c = calloc(1, sizeof(*c));
	char err[1024] = "";
	assert_non_null(c);
	write_conf(text);
	int r = cfg_gw_load(c, path, err, sizeof(err));
	if (r)
		print_error("unexpected error: %s\n", err);
	assert_int_equal(r, 0);
	return c;
}

static void done(struct cfg_gw *c)
{
	cfg_gw_free(c);
	free(c);
}

static uint32_t v4(const char *s)
{
	uint32_t a;
	assert_int_equal(inet_pton(AF_INET, s, &a), 1);
	return a;
}

static void assert_v6(const uint8_t *got, const char *s)
{
	uint8_t a[16];
	assert_int_equal(inet_pton(AF_INET6, s, a), 1);
	assert_memory_equal(got, a, 16);
}

/* ---- the files ---- */

#define POOL4 "[pool4]\naddress = 192.0.2.1\n"
#define PORT6 "[port6]\ndevice = net_ring0\naddress = 2001:db8:1::1/64\n"
#define PORT4 "[port4]\ndevice = net_ring1\naddress = 198.51.100.1/24\n"
#define PORTS PORT6 PORT4
/* the smallest NAT64 file; ends in [port4], so a case may append keys */
#define BASE POOL4 PORTS
#define ONEARM                                                     \
	"[port]\ndevice = net_ring0\naddress = 2001:db8:1::1/64, " \
	"198.51.100.1/24\n"
#define SIIT	 "[translator]\ntype = siit\n" PORTS
#define XDP_SIIT "[gate64]\nmode = xdp\n[translator]\ntype = siit\n"
#define XDP_IF	 "[xdp]\ninterfaces = gw6, gw4\n"
/* pool4 ports outside the default ip_local_port_range (32768-60999) */
#define XDP_NAT64                                              \
	"[gate64]\nmode = xdp\n[pool4]\naddress = 192.0.2.1\n" \
	"tcp-ports = 61000-65535\nudp-ports = 61000-65535\n"

/* ---- good files ---- */

static void check_minimal(const struct cfg_gw *c)
{
	const struct dp_cfg *d = &c->dp;
	assert_int_equal(d->mode, DP_NAT64);
	assert_int_equal(d->nworkers, 1);
	assert_int_equal(c->nlcores, 2);
	assert_int_equal(c->lcores[0], 0);
	assert_int_equal(c->lcores[1], 1);
	assert_int_equal(d->one_arm, 0);
	assert_string_equal(d->port[0].name, "port6");
	assert_string_equal(d->port[0].device, "net_ring0");
	assert_int_equal(d->port[0].is_pci, 0);
	assert_int_equal(d->port[0].has6, 1);
	assert_int_equal(d->port[0].has4, 0);
	assert_int_equal(d->port[0].mtu, 1500);
	assert_int_equal(d->port[0].plen6, 64);
	assert_v6(d->port[0].addr6, "2001:db8:1::1");
	assert_int_equal(d->port[0].gw6_set, 0);
	assert_int_equal(d->port[0].mac_set, 0);
	assert_string_equal(d->port[1].name, "port4");
	assert_int_equal(d->port[1].has4, 1);
	assert_int_equal(d->port[1].has6, 0);
	assert_int_equal(d->port[1].addr4, v4("198.51.100.1"));
	assert_int_equal(d->port[1].plen4, 24);
	/* translator defaults */
	assert_int_equal(c->xlat.pool6.len, 96);
	assert_v6(c->xlat.pool6.addr, "64:ff9b::");
	assert_int_equal(c->xlat.pool6791_n, 0);
	assert_int_equal(c->xlat.icmp6_src_set, 1);
	assert_v6(c->xlat.icmp6_src, "2001:db8:1::1");
	assert_int_equal(c->xlat.lowest_ipv6_mtu, 1280);
	assert_int_equal(c->xlat.ipv6_mtu, 1500);
	assert_int_equal(c->xlat.ipv4_mtu, 1500);
	assert_int_equal(c->xlat.icmp_errors, 1);
	assert_int_equal(c->xlat.eam_hairpin, 1);
	assert_int_equal(c->xlat.icmp_rate, 100);
	assert_int_equal(c->xlat.udp_zero_csum, XLAT_UDP0_COMPUTE);
	/* pool4: one address, one entry per protocol, host order */
	assert_int_equal(c->nat64.pool4.n, 3);
	for (unsigned i = 0; i < 3; i++) {
		assert_int_equal(c->nat64.pool4.r[i].addr, 0xc0000201u);
		assert_int_equal(c->nat64.pool4.r[i].proto, i);
		assert_int_equal(c->nat64.pool4.r[i].min, 1024);
		assert_int_equal(c->nat64.pool4.r[i].max, 65535);
	}
	assert_int_equal(c->nat64.pool4.nworkers, 1);
	assert_int_equal(c->nat64.pool4.block_size, 0);
	assert_true(c->nat64.pool4.key[0] || c->nat64.pool4.key[1]);
	assert_int_equal(c->nat64.timeout[NAT64_T_UDP], 300);
	assert_int_equal(c->nat64.sub_len, 56);
	assert_int_equal(c->nat64.sub_alert, 80);
	/* pointers into the struct */
	assert_ptr_equal(d->xlat, &c->xlat);
	assert_ptr_equal(d->nat64, &c->nat64);
	assert_ptr_equal(d->static_bib, c->static_bib);
	assert_int_equal(d->n_static_bib, 0);
	assert_null(d->eamt);
	assert_null(c->eamt);
	assert_null(d->maplog);
	/* neighbours, burst, mbufs */
	assert_int_equal(d->neigh.reachable, 30);
	assert_int_equal(d->neigh.stale, 600);
	assert_int_equal(d->neigh.retrans_ms, 1000);
	assert_int_equal(d->neigh.pending_max, 256);
	assert_int_equal(d->burst, 32);
	assert_int_equal(d->mbufs, 8191);
	/* [dpdk] */
	assert_int_equal(c->memory, CFG_MEM_IN_MEMORY);
	assert_int_equal(c->socket_mem, 0);
	assert_string_equal(c->file_prefix, "gate64");
	assert_int_equal(c->n_eal_extra, 0);
	assert_string_equal(c->pidfile, "");
	/* one control socket per instance, named by its file prefix */
	assert_string_equal(c->ctl_socket, "/run/gate64/gate64.sock");
	assert_int_equal(c->ctl_mode, 0660);
	assert_int_equal(c->ctl_gid, -1);
}

static void check_siit_onearm(const struct cfg_gw *c)
{
	const struct dp_cfg *d = &c->dp;
	uint8_t a6[16];
	uint32_t a4 = 0;

	assert_int_equal(d->mode, DP_SIIT);
	assert_null(d->nat64);
	assert_null(d->maplog);
	assert_int_equal(d->n_static_bib, 0);
	assert_int_equal(d->one_arm, 1);
	assert_string_equal(d->port[0].name, "port");
	assert_int_equal(d->port[0].has4, 1);
	assert_int_equal(d->port[0].has6, 1);
	assert_int_equal(d->port[0].addr4, v4("198.51.100.1"));
	assert_v6(d->port[0].addr6, "2001:db8:1::1");
	assert_int_equal(d->port[0].gw4_set, 1);
	assert_int_equal(d->port[0].gw4, v4("198.51.100.254"));
	assert_int_equal(d->port[0].gw6_set, 1);
	assert_v6(d->port[0].gw6, "2001:db8:1::fffe");
	assert_int_equal(d->port[0].mtu, 9000);
	/* one-arm: both MTUs from [port] */
	assert_int_equal(c->xlat.ipv6_mtu, 9000);
	assert_int_equal(c->xlat.ipv4_mtu, 9000);
	assert_int_equal(c->xlat.pool6.len, 64);
	assert_v6(c->xlat.pool6.addr, "2001:db8:64::");
	/* EAM: two entries, built, both directions */
	assert_non_null(c->eamt);
	assert_ptr_equal(d->eamt, c->eamt);
	assert_int_equal(c->eamt->n, 2);
	assert_int_equal(eam_4to6(c->eamt, v4("198.51.100.10"), a6), 1);
	assert_v6(a6, "2001:db8:64::10");
	inet_pton(AF_INET6, "2001:db8:65::7", a6);
	assert_int_equal(eam_6to4(c->eamt, a6, &a4), 1);
	assert_int_equal(a4, v4("203.0.113.7"));
}

static void check_full(const struct cfg_gw *c)
{
	const struct dp_cfg *d = &c->dp;
	const struct xlat_cfg *t = &c->xlat;
	const struct nat64_cfg *n = &c->nat64;

	assert_string_equal(c->pidfile, "/run/gate64d.pid");
	assert_string_equal(c->ctl_socket, "/run/g64/ctl.sock");
	assert_int_equal(c->ctl_mode, 0600);
	assert_int_equal(c->ctl_gid, 0);
	assert_int_equal(d->nworkers, 3);
	assert_int_equal(c->nlcores, 4);
	assert_int_equal(c->lcores[0], 2);
	assert_int_equal(c->lcores[3], 8);
	assert_int_equal(n->pool4.nworkers, 3);
	assert_int_equal(c->memory, CFG_MEM_HUGEPAGES);
	assert_int_equal(c->socket_mem, 2048);
	assert_string_equal(c->file_prefix, "gw-lab");
	assert_int_equal(c->n_eal_extra, 2);
	assert_string_equal(c->eal_extra[0], "--log-level=lib.eal:debug");
	assert_string_equal(c->eal_extra[1], "--huge-unlink");
	/* translator */
	assert_int_equal(t->pool6.len, 48);
	assert_v6(t->pool6.addr, "2001:db8:100::");
	assert_int_equal(t->pool6791_n, 2);
	assert_int_equal(t->pool6791[0], v4("203.0.113.1"));
	assert_int_equal(t->pool6791[1], v4("203.0.113.2"));
	assert_v6(t->icmp6_src, "2001:db8:1::99");
	assert_int_equal(t->icmp6_src_set, 1);
	assert_int_equal(t->lowest_ipv6_mtu, 1400);
	assert_int_equal(t->ipv6_mtu, 1500);
	assert_int_equal(t->ipv4_mtu, 1400);
	assert_int_equal(t->udp_zero_csum, XLAT_UDP0_DROP);
	assert_int_equal(t->reset_tclass, 1);
	assert_int_equal(t->reset_tos, 1);
	assert_int_equal(t->new_tos, 32);
	assert_int_equal(t->icmp_errors, 0);
	assert_int_equal(t->icmp_rate, 0);
	assert_int_equal(t->icmp_burst, 50);
	assert_int_equal(t->eam_hairpin, 0);
	/* pool4: a /30 is four addresses, ports from the keys */
	assert_int_equal(n->pool4.n, 12);
	assert_int_equal(n->pool4.r[0].addr, 0xc0000200u);
	assert_int_equal(n->pool4.r[11].addr, 0xc0000203u);
	assert_int_equal(n->pool4.r[0].proto, 0);
	assert_int_equal(n->pool4.r[0].min, 1);
	assert_int_equal(n->pool4.r[1].min, 2000);
	assert_int_equal(n->pool4.r[1].max, 3000);
	assert_int_equal(n->pool4.r[2].min, 0);
	assert_int_equal(n->pool4.r[2].max, 65535);
	assert_int_equal(n->pool4.block_size, 64);
	assert_int_equal(n->pool4.max_blocks, 4);
	/* nat64 */
	assert_int_equal(n->sub_len, 64);
	assert_int_equal(n->adf, 1);
	assert_int_equal(n->max_bib, 1000);
	assert_int_equal(n->max_sessions, 2000);
	assert_int_equal(n->max_subs, 100);
	assert_int_equal(n->sub_max_sessions, 50);
	assert_int_equal(n->timeout[NAT64_T_UDP], 120);
	assert_int_equal(n->timeout[NAT64_T_ICMP], 30);
	assert_int_equal(n->timeout[NAT64_T_TCP_EST], 7500);
	assert_int_equal(n->timeout[NAT64_T_TCP_TRANS], 300);
	assert_int_equal(n->timeout[NAT64_T_TCP_SYN], 4);
	assert_int_equal(n->drop_inbound_syn, 1);
	assert_int_equal(n->held_syn_max, 10);
	assert_string_equal(c->maplog, "/tmp/map log");
	assert_ptr_equal(d->maplog, c->maplog);
	/* static BIB, host order */
	assert_int_equal(d->n_static_bib, 2);
	assert_ptr_equal(d->static_bib, c->static_bib);
	assert_int_equal(c->static_bib[0].proto, NAT64_TCP);
	assert_v6(c->static_bib[0].src6, "2001:db8:1::10");
	assert_int_equal(c->static_bib[0].sport6, 80);
	assert_int_equal(c->static_bib[0].addr4, 0xc0000201u);
	assert_int_equal(c->static_bib[0].port4, 80);
	assert_int_equal(c->static_bib[1].proto, NAT64_ICMP);
	assert_int_equal(c->static_bib[1].sport6, 0);
	assert_int_equal(c->static_bib[1].port4, 7);
	/* ports */
	assert_int_equal(d->port[0].mac_set, 1);
	assert_int_equal(d->port[0].mac[0], 0x02);
	assert_int_equal(d->port[0].mac[5], 0xab);
	assert_int_equal(d->port[1].is_pci, 1);
	assert_string_equal(d->port[1].device, "0000:03:00.1");
	assert_int_equal(d->port[1].mtu, 1400);
	/* neighbours */
	assert_int_equal(d->neigh.reachable, 10);
	assert_int_equal(d->neigh.stale, 60);
	assert_int_equal(d->neigh.retrans_ms, 250);
	assert_int_equal(d->neigh.pending_max, 0);
}

static void check_example(const struct cfg_gw *c)
{
	assert_int_equal(c->dp.mode, DP_NAT64);
	assert_int_equal(c->dp.nworkers, 2);
	assert_non_null(c->eamt);
	assert_int_equal(c->dp.n_static_bib, 1);
	assert_int_equal(c->xlat.pool6791_n, 1);
}

/* [pool4] address entries with one protocol and their own range (what
 * gate64ctl pool4 add ADDR PROTO MIN-MAX writes), [nat64]
 * subscriber-alert. */
static void check_pool4_entries(const struct cfg_gw *c)
{
	const struct pool4_cfg *p = &c->nat64.pool4;
	assert_int_equal(p->n, 3 + 1 + 2);
	assert_int_equal(p->r[3].addr, 0xc0000209u);
	assert_int_equal(p->r[3].proto, NAT64_TCP);
	assert_int_equal(p->r[3].min, 2000);
	assert_int_equal(p->r[3].max, 2999);
	for (unsigned i = 4; i < 6; i++) {
		assert_int_equal(p->r[i].addr, 0xc000020au + (i - 4));
		assert_int_equal(p->r[i].proto, NAT64_ICMP);
		assert_int_equal(p->r[i].min, 0);
		assert_int_equal(p->r[i].max, 99);
	}
	assert_int_equal(c->nat64.sub_alert, 50);
}

/* mode = xdp: the interfaces, the attach mode, the pin directory; the
 * ports' MTUs are the kernel's (read at start), so nothing limits
 * lowest-ipv6-mtu here. */
static void check_xdp(const struct cfg_gw *c)
{
	assert_int_equal(c->gw_mode, CFG_MODE_XDP);
	assert_int_equal(c->dp.mode, DP_SIIT);
	assert_int_equal(c->xdp.nif, 2);
	assert_string_equal(c->xdp.ifname[0], "gw6");
	assert_string_equal(c->xdp.ifname[1], "gw4");
	assert_int_equal(c->xdp.generic, 1);
	assert_string_equal(c->xdp.pin_dir, "/sys/fs/bpf/lab");
	assert_int_equal(c->xlat.lowest_ipv6_mtu, 1500);
}

static void check_xdp_onearm(const struct cfg_gw *c)
{
	assert_int_equal(c->xdp.nif, 1);
	assert_string_equal(c->xdp.ifname[0], "eth1");
	assert_int_equal(c->xdp.generic, 0);
	assert_string_equal(c->xdp.pin_dir, "/sys/fs/bpf/gate64");
}

static void check_ignores_dns64(const struct cfg_gw *c)
{
	assert_int_equal(c->dp.mode, DP_NAT64);
}

static void check_xdp_eam(const struct cfg_gw *c)
{
	uint8_t a6[16];
	uint32_t a4;

	assert_int_equal(c->gw_mode, CFG_MODE_XDP);
	assert_int_equal(c->dp.mode, DP_SIIT);
	assert_non_null(c->eamt);
	assert_int_equal(c->eamt->n, 1);
	assert_int_equal(eam_4to6(c->eamt, v4("198.51.100.10"), a6), 1);
	assert_int_equal(eam_6to4(c->eamt, a6, &a4), 1);
	assert_int_equal(a4, v4("198.51.100.10"));
}

struct good {
	const char *what;
	const char *text;
	void (*check)(const struct cfg_gw *c);
};

static const struct good goods[] = {
    {"minimal NAT64, two-arm, every default", BASE, check_minimal},
    {"SIIT one-arm with EAM",
     "[translator]\ntype = siit\npool6 = 2001:db8:64::/64\n"
     "[eam]\nportal = 198.51.100.10/32 2001:db8:64::10/128\n"
     "net = 203.0.113.0/24 2001:db8:65::/120\n"
     "[port]\ndevice = net_ring0\nmtu = 9000\n"
     "address = 198.51.100.1/24, 2001:db8:1::1/64\n"
     "gateway = 2001:db8:1::fffe, 198.51.100.254\n",
     check_siit_onearm},
    {"every key, names in any case, quotes and comments",
     "; a comment\n# another\n"
     "[Gate64]\nMode = DPDK\npidfile = /run/gate64d.pid\n"
     "control-socket = /run/g64/ctl.sock\ncontrol-socket-mode = 0600\n"
     "control-socket-group = 0\n"
     "[translator]\ntype = nat64\npool6 = 2001:db8:100::/48\n"
     "pool6791 = 203.0.113.1, 203.0.113.2\n"
     "icmp6-source = 2001:db8:1::99\nlowest-ipv6-mtu = 1400\n"
     "udp-zero-checksum = drop\nreset-traffic-class = on\n"
     "reset-tos = true\nnew-tos = 32\nicmp-errors = off\n"
     "icmp-rate = 0\nicmp-burst = 50\neam-hairpin = 0\n"
     "[pool4]\naddress = 192.0.2.0/30\ntcp-ports = 1-65535\n"
     "udp-ports = 2000-3000\nicmp-ids = 0-65535\nblock-size = 64\n"
     "[nat64]\nsubscriber-length = 64\nfiltering = address-dependent\n"
     "max-bib = 1000\nmax-sessions = 2000\nmax-subscribers = 100\n"
     "sessions-per-subscriber = 50\ntimeout-udp = 120\n"
     "timeout-icmp = 30\ntimeout-tcp-est = 7500\n"
     "timeout-tcp-trans = 300\ntimeout-tcp-syn = 4\n"
     "drop-inbound-syn = yes\nheld-syn-max = 10\n"
     "mapping-log = \"/tmp/map log\"\n"
     "[static-bib]\nweb = tcp 2001:db8:1::10 80 192.0.2.1 80\n"
     "ping = ICMP 2001:db8:1::10 0 192.0.2.1 7\n"
     "[port6]\ndevice = net_tap0\nmac = 02:00:00:00:00:AB\n"
     "address = 2001:db8:1::1/64 ; the gateway\n"
     "[port4]\nDEVICE = 0000:03:00.1\nmtu = 1400\n"
     "address = 198.51.100.1/24\ngateway = 198.51.100.2\n"
     "[dpdk]\nlcores = 2, 4,6,8\nmemory = hugepages\nsocket-mem = 2048\n"
     "file-prefix = gw-lab\n"
     "eal-args = --log-level=lib.eal:debug   --huge-unlink\n"
     "[neighbours]\nreachable = 10\nstale = 60\nretrans-ms = 250\n"
     "pending = 0\n",
     check_full},
    {"pool4 entries of one protocol, subscriber-alert",
     "[pool4]\naddress = 192.0.2.1, 192.0.2.9 tcp 2000-2999, "
     "192.0.2.10/31 ICMP 0-99\n[nat64]\nsubscriber-alert = 50\n" PORTS,
     check_pool4_entries},
    {"mode = xdp, two interfaces, generic, pin-dir",
     XDP_SIIT "lowest-ipv6-mtu = 1500\n[xdp]\ninterfaces = gw6, gw4\n"
	      "attach = generic\npin-dir = /sys/fs/bpf/lab\n",
     check_xdp},
    {"mode = xdp, one-arm, defaults", XDP_SIIT "[xdp]\ninterfaces = eth1\n",
     check_xdp_onearm},
    {"mode = xdp, SIIT with EAM (RFC 7757 in XDP)",
     XDP_SIIT "[xdp]\ninterfaces = eth1\n"
	      "[eam]\nportal = 198.51.100.10/32 2001:db8:64::10/128\n",
     check_xdp_eam},
    {"[dns64] keys are not this parser's",
     "[dns64]\nlisten = 127.0.0.1:53\nwhatever = 1\n" BASE,
     check_ignores_dns64},
};

static void test_good_files(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(goods) / sizeof(goods[0]); i++) {
		print_message("good: %s\n", goods[i].what);
		struct cfg_gw *c = load_ok(goods[i].text);
		goods[i].check(c);
		done(c);
	}
}

/* The example in conf/ must load as it is (tests run from the root). */
static void test_example_conf(void **state)
{
	struct cfg_gw *c = calloc(1, sizeof(*c));
	char err[1024] = "";
	(void)state;
	assert_non_null(c);
	int r = cfg_gw_load(c, "conf/gate64.conf", err, sizeof(err));
	if (r)
		print_error("conf/gate64.conf: %s\n", err);
	assert_int_equal(r, 0);
	check_example(c);
	done(c);
}

/* ---- bad files: the message after "FILE: " ---- */

struct bad {
	const char *text;
	const char *want;
};

static const struct bad bads[] = {
    /* [gate64] control socket */
    {"[gate64]\ncontrol-socket = run/ctl.sock\n" BASE,
     "[gate64] control-socket = run/ctl.sock: an absolute path of at most "
     "107 bytes"},
    {"[gate64]\ncontrol-socket-group = no-such-group-g64\n" BASE,
     "[gate64] control-socket-group = no-such-group-g64: no such group: a "
     "group name or a numeric gid (its members may use gate64ctl)"},
    {"[gate64]\ncontrol-socket-mode = 0999\n" BASE,
     "[gate64] control-socket-mode = 0999: permissions in octal, for "
     "example 0660 (owner and group may use gate64ctl)"},
    /* the text */
    {"[gate64\n", "line 1: a section name needs a closing ']'"},
    {"mode = dpdk\n[gate64]\n",
     "line 1: mode = dpdk is outside any section: put it under its "
     "[section]"},
    {"[gate64]\ngarbage\n" BASE,
     "line 2: not a [section], a key = value or a comment: garbage"},
    {"[gate64]\nmode = dpdk\n" BASE "[GATE64]\n",
     "[gate64]: duplicate section (lines 1 and 11): write each section "
     "once"},
    {BASE "MTU = 1500\nmtu = 1400\n",
     "[port4] mtu = 1400: duplicate key (lines 9 and 10): write each key "
     "once"},
    {BASE "[foo]\nx = 1\n",
     "[foo]: unknown section (known: gate64, translator, eam, pool4, "
     "nat64, static-bib, port6, port4, port, dpdk, neighbours, metrics, "
     "xdp, dns64)"},
    {BASE "colour = red\n",
     "[port4] colour = red: unknown key (known: device, mtu, mac, "
     "address, gateway)"},
    /* [gate64] */
    {BASE "[gate64]\nmode = hybrid\n",
     "[port6] device = net_ring0: not with mode = hybrid: gate64d makes the "
     "port a net_af_xdp device on the [xdp] interfaces itself"},
    {BASE "[gate64]\nmode = fast\n",
     "[gate64] mode = fast: unknown mode: use dpdk (DPDK workers own the "
     "ports), xdp (the XDP program, the kernel keeps the NICs) or hybrid "
     "(XDP, and DPDK workers on AF_XDP for the rest)"},
    /* mode = xdp (docs/xdp.md) */
    {BASE "[gate64]\nmode = xdp\n",
     "[port6]: not used with mode = xdp: the kernel keeps the NICs, their "
     "addresses, routes and neighbours; name the interfaces in [xdp] "
     "interfaces"},
    {XDP_SIIT "[dpdk]\nlcores = 0,1\n" XDP_IF,
     "[dpdk]: not used with mode = xdp: the kernel keeps the NICs, their "
     "addresses, routes and neighbours; name the interfaces in [xdp] "
     "interfaces"},
    {XDP_SIIT,
     "[xdp] interfaces = (missing): the interfaces to attach to: the IPv6 "
     "side, then the IPv4 side (gw6, gw4), or one name for one-arm"},
    {XDP_NAT64 "block-size = 64\n" XDP_IF,
     "[pool4] block-size = 64: port blocks (RFC 7422) are not built in "
     "XDP: remove it, or use mode = dpdk"},
    {XDP_NAT64 "[nat64]\nsessions-per-subscriber = 10\n" XDP_IF,
     "[nat64] sessions-per-subscriber = 10: not enforced in XDP "
     "(subscriber limits and held SYNs are the DPDK workers'): remove "
     "it, or use mode = dpdk"},
    {XDP_SIIT "[xdp]\ninterfaces = a, b, c\n",
     "[xdp] interfaces = a, b, c: at most two: the IPv6 side, then the "
     "IPv4 side"},
    {XDP_SIIT "[xdp]\ninterfaces = gw6, gw6\n",
     "[xdp] interfaces = gw6, gw6: the same interface twice: one-arm is "
     "written as one name"},
    {XDP_SIIT "[xdp]\ninterfaces = a/b\n",
     "[xdp] interfaces = a/b: not an interface name (at most 15 "
     "characters, no '/' or blank)"},
    {XDP_SIIT XDP_IF "attach = skb\n",
     "[xdp] attach = skb: use native (the driver runs the program) or "
     "generic (after the kernel built its socket buffer: slower, for "
     "drivers without XDP)"},
    {XDP_SIIT XDP_IF "pin-dir = bpf/gate64\n",
     "[xdp] pin-dir = bpf/gate64: an absolute path on a BPF file system, "
     "e.g. /sys/fs/bpf/gate64"},
    {XDP_NAT64 XDP_IF "[eam]\nweb = 198.51.100.10 2001:db8:64::10\n",
     "[eam]: not with mode = xdp and type = nat64 in this version (the XDP "
     "program translates EAM for stateless SIIT only): use mode = hybrid "
     "or dpdk"},
    {"[gate64]\nmode = xdp\n[translator]\ntype = siit\npool6 = "
     "2001:db8:64::/64\n" XDP_IF,
     "[translator] pool6 = 2001:db8:64::/64: mode = xdp translates a /96 "
     "pool6 in this version: use a /96 or mode = dpdk"},
    {BASE XDP_IF, "[xdp]: only with [gate64] mode = xdp or hybrid (in "
		  "mode = dpdk the DPDK workers own the ports: [port6], "
		  "[port4] or [port])"},
    /* [translator] */
    {BASE "[translator]\ntype = nat46\n",
     "[translator] type = nat46: use nat64 (stateful, RFC 6146) or siit "
     "(stateless, RFC 7915)"},
    {SIIT POOL4, "[pool4]: only with type = nat64 ([translator] type = "
		 "siit)"},
    {SIIT "[nat64]\nmax-bib = 10\n",
     "[nat64]: only with type = nat64 ([translator] type = siit)"},
    {SIIT "[static-bib]\n",
     "[static-bib]: only with type = nat64 ([translator] type = siit)"},
    {BASE "[translator]\npool6 = 2001:db8::/60\n",
     "[translator] pool6 = 2001:db8::/60: prefix length /60: RFC 6052 "
     "§2.2 allows only 32, 40, 48, 56, 64 or 96"},
    {BASE "[translator]\npool6 = 64:ff9b::1/96\n",
     "[translator] pool6 = 64:ff9b::1/96: not a prefix: did you mean "
     "64:ff9b::/96?"},
    {BASE "[translator]\npool6 = 64:ff9b::\n",
     "[translator] pool6 = 64:ff9b::: needs a prefix length, e.g. "
     "64:ff9b::/96"},
    {BASE "[translator]\npool6 = 192.0.2.0/24\n",
     "[translator] pool6 = 192.0.2.0/24: not an IPv6 address"},
    {BASE "[translator]\npool6 = 2001:db8:0:0:ff00::/96\n",
     "[translator] pool6 = 2001:db8:0:0:ff00::/96: bits 64-71 (the "
     "u-octet, RFC 6052 §2.2) must be zero"},
    {BASE "[translator]\npool6791 = 203.0.113.1, 203.0.113.2, "
	  "203.0.113.3, 203.0.113.4, 203.0.113.5, 203.0.113.6, "
	  "203.0.113.7, 203.0.113.8, 203.0.113.9\n",
     "[translator] pool6791 = 203.0.113.1, 203.0.113.2, 203.0.113.3, "
     "203.0.113.4, 203.0.113.5, 203.0.113.6, 203.0.113.7, 203.0.113.8, "
     "203.0.113.9: at most 8 addresses"},
    {BASE "[translator]\npool6791 = 203.0.113.0/24\n",
     "[translator] pool6791 = 203.0.113.0/24: an address, without /LEN"},
    {BASE "[translator]\npool6791 = 203.0.113.1,,203.0.113.2\n",
     "[translator] pool6791 = 203.0.113.1,,203.0.113.2: empty list item: "
     "separate the items with single commas"},
    {BASE "[translator]\nicmp6-source = 198.51.100.1\n",
     "[translator] icmp6-source = 198.51.100.1: not an IPv6 address"},
    {POOL4 "[port4]\ndevice = net_ring1\naddress = 198.51.100.1/24\n"
	   "[port6]\ndevice = net_ring0\naddress = 2001:db8:1::1/64\n"
	   "mtu = 1400\n[translator]\nlowest-ipv6-mtu = 1500\n",
     "[translator] lowest-ipv6-mtu = 1500: above the IPv6 port's mtu "
     "(1400): lower it or raise [port6] mtu"},
    {BASE "[translator]\nlowest-ipv6-mtu = 1000\n",
     "[translator] lowest-ipv6-mtu = 1000: expected a number from 1280 "
     "to 65535"},
    {BASE "[translator]\nudp-zero-checksum = ignore\n",
     "[translator] udp-zero-checksum = ignore: use compute or drop (RFC "
     "7915 §4.5)"},
    {BASE "[translator]\neam-hairpin = maybe\n",
     "[translator] eam-hairpin = maybe: expected yes or no (on/off, "
     "true/false, 1/0)"},
    {BASE "[translator]\nnew-tos = 256\n",
     "[translator] new-tos = 256: expected a number from 0 to 255"},
    {BASE "[translator]\nicmp-rate = -1\n",
     "[translator] icmp-rate = -1: expected a number from 0 to 1000000"},
    /* [eam] */
    {BASE "[eam]\nportal = 198.51.100.10/32\n",
     "[eam] portal = 198.51.100.10/32: write IPV4/LEN IPV6/LEN, e.g. "
     "198.51.100.10/32 2001:db8:64::10/128"},
    {BASE "[eam]\nportal = 198.51.100.10/24 2001:db8:64::/120\n",
     "[eam] portal = 198.51.100.10/24: not a prefix: did you mean "
     "198.51.100.0/24?"},
    {BASE "[eam]\nportal = 198.51.100.10/32 2001:db8:64::/120\n",
     "[eam] portal = 198.51.100.10/32 2001:db8:64::/120: EAM /32 <-> "
     "/120: both prefixes must leave the same number of host bits (RFC "
     "7757 §3.2)"},
    {BASE "[eam]\na = 198.51.100.10/32 2001:db8:64::10/128\n"
	  "b = 198.51.100.10 2001:db8:64::11\n",
     "[eam] b = 198.51.100.10 2001:db8:64::11: overlaps [eam] a: the "
     "same IPv4 prefix is mapped twice; remove one"},
    {BASE "[eam]\na = 198.51.100.10/32 2001:db8:64::10/128\n"
	  "b = 198.51.100.11/32 2001:db8:64::10/128\n",
     "[eam] b = 198.51.100.11/32 2001:db8:64::10/128: overlaps [eam] a: "
     "the same IPv6 prefix is mapped twice; remove one"},
    /* [pool4] */
    {PORTS, "[pool4]: missing: type = nat64 needs the IPv4 addresses to "
	    "share, e.g. [pool4] address = 192.0.2.1"},
    {PORTS "[pool4]\nblock-size = 0\n",
     "[pool4] address = (missing): the IPv4 addresses to share, e.g. "
     "192.0.2.1, 192.0.2.8/30"},
    {PORTS "[pool4]\naddress = 192.0.2.1/30\n",
     "[pool4] address = 192.0.2.1/30: not a prefix: did you mean "
     "192.0.2.0/30?"},
    {PORTS "[pool4]\naddress = 192.0.2.300\n",
     "[pool4] address = 192.0.2.300: not an IPv4 address"},
    {PORTS "[pool4]\naddress = 192.0.2.0/27\n",
     "[pool4] address = 192.0.2.0/27: too many addresses: each address "
     "is one entry per protocol (TCP, UDP, ICMP) and pool4 holds 64 "
     "entries, so at most 21 addresses"},
    {PORTS "[pool4]\naddress = 192.0.2.0/31, 192.0.2.1\n",
     "[pool4] address = 192.0.2.0/31, 192.0.2.1: 192.0.2.1 listed twice"},
    {PORTS "[pool4]\naddress = 192.0.2.1, 192.0.2.9 sctp 1-2\n",
     "[pool4] address = 192.0.2.1, 192.0.2.9 sctp 1-2: 192.0.2.9 sctp 1-2: "
     "protocol sctp: use tcp, udp or icmp"},
    {PORTS "[pool4]\naddress = 192.0.2.9 tcp\n",
     "[pool4] address = 192.0.2.9 tcp: 192.0.2.9 tcp: write "
     "ADDRESS[/LEN] or ADDRESS[/LEN] tcp|udp|icmp MIN-MAX, e.g. 192.0.2.9 "
     "tcp 2000-2999"},
    {PORTS "[pool4]\naddress = 192.0.2.9 udp 0-100\n",
     "[pool4] address = 192.0.2.9 udp 0-100: 192.0.2.9 udp 0-100: port 0 "
     "is not usable: start the range at 1 or above"},
    {PORTS "[pool4]\naddress = 192.0.2.1, 192.0.2.1 tcp 2000-2999\n",
     "[pool4] address = 192.0.2.1, 192.0.2.1 tcp 2000-2999: 192.0.2.1 tcp "
     "listed twice: one port range per address and protocol"},
    {PORTS "[pool4]\naddress = 192.0.2.9 udp 1-2, 192.0.2.9\n",
     "[pool4] address = 192.0.2.9 udp 1-2, 192.0.2.9: 192.0.2.9 listed "
     "twice"},
    {PORTS "[pool4]\naddress = 192.0.2.1\ntcp-ports = 80\n",
     "[pool4] tcp-ports = 80: write MIN-MAX, e.g. 1024-65535"},
    {PORTS "[pool4]\naddress = 192.0.2.1\nudp-ports = 2000-1000\n",
     "[pool4] udp-ports = 2000-1000: the first port is above the last: "
     "write MIN-MAX"},
    {PORTS "[pool4]\naddress = 192.0.2.1\ntcp-ports = 0-100\n",
     "[pool4] tcp-ports = 0-100: port 0 is not usable: start the range at "
     "1 or above"},
    {PORTS "[pool4]\naddress = 192.0.2.1\nblock-size = 4\n",
     "[pool4] block-size = 4: use 0 (no port blocks) or 8 to 32768 ports"},
    {PORTS "[dpdk]\nlcores = 0,1,2\n[pool4]\naddress = 192.0.2.1\n"
	   "tcp-ports = 1024-1024\n",
     "[pool4]: entry 0 (192.0.2.1 TCP 1024-1024): 1 ports can feed at most 1 "
     "workers, not 2: widen the range or use fewer workers"},
    {PORTS "[pool4]\naddress = 198.51.100.1\n",
     "[pool4] address = 198.51.100.1: 198.51.100.1 is [port4]'s own "
     "address: pool4 needs addresses of its own"},
    /* [nat64] */
    {BASE "[nat64]\nsubscriber-length = 48\n",
     "[nat64] subscriber-length = 48: use 56, 64 or 128 (the prefix that "
     "identifies one subscriber)"},
    {BASE "[nat64]\nfiltering = strict\n",
     "[nat64] filtering = strict: use endpoint-independent or "
     "address-dependent (RFC 6146 §3.5)"},
    {BASE "[nat64]\ntimeout-udp = 60\n",
     "[nat64] timeout-udp = 60: RFC 6146 §3.5.1 requires at least 120 s"},
    {BASE "[nat64]\ntimeout-tcp-est = 3600\n",
     "[nat64] timeout-tcp-est = 3600: RFC 6146 §3.5.2.2 requires at least "
     "7440 s"},
    {BASE "[nat64]\ntimeout-tcp-syn = 0\n",
     "[nat64] timeout-tcp-syn = 0: a session lifetime requires at least "
     "1 s"},
    {BASE "[nat64]\nmax-bib = 0\n",
     "[nat64] max-bib = 0: expected a number from 1 to 1073741824"},
    {BASE "[nat64]\nsubscriber-alert = 0\n",
     "[nat64] subscriber-alert = 0: expected a number from 1 to 100"},
    {BASE "[nat64]\nsubscriber-alert = 150\n",
     "[nat64] subscriber-alert = 150: expected a number from 1 to 100"},
    {BASE "[nat64]\ndrop-inbound-syn = sometimes\n",
     "[nat64] drop-inbound-syn = sometimes: expected yes or no (on/off, "
     "true/false, 1/0)"},
    /* [static-bib] */
    {BASE "[static-bib]\nweb = sctp 2001:db8:1::10 80 192.0.2.1 80\n",
     "[static-bib] web = sctp 2001:db8:1::10 80 192.0.2.1 80: protocol "
     "sctp: use tcp, udp or icmp"},
    {BASE "[static-bib]\nweb = tcp 2001:db8:1::10 80 192.0.2.1\n",
     "[static-bib] web = tcp 2001:db8:1::10 80 192.0.2.1: write PROTO "
     "IPV6 PORT IPV4 PORT, e.g. tcp 2001:db8:1::10 80 192.0.2.1 80"},
    {BASE "[static-bib]\nweb = tcp 2001:db8:1::10 8080 192.0.2.2 8080\n",
     "[static-bib] web = tcp 2001:db8:1::10 8080 192.0.2.2 8080: "
     "192.0.2.2 is not a pool4 address: add it to [pool4] address"},
    {BASE "[static-bib]\nweb = tcp 2001:db8:1::10 80 192.0.2.1 80\n",
     "[static-bib] web = tcp 2001:db8:1::10 80 192.0.2.1 80: port 80 is "
     "outside [pool4] tcp-ports (1024-65535): widen the range or pick one "
     "in it"},
    {BASE "[static-bib]\nweb = udp 2001:db8:1::10 0 192.0.2.1 5000\n",
     "[static-bib] web = udp 2001:db8:1::10 0 192.0.2.1 5000: a port must "
     "be a number from 1 to 65535"},
    {BASE "[static-bib]\na = tcp 2001:db8:1::10 8080 192.0.2.1 8080\n"
	  "b = tcp 2001:db8:1::11 8080 192.0.2.1 8080\n",
     "[static-bib] b = tcp 2001:db8:1::11 8080 192.0.2.1 8080: tcp "
     "192.0.2.1:8080 is already [static-bib] a"},
    {BASE "[static-bib]\na = udp 2001:db8:1::10 53 192.0.2.1 5353\n"
	  "b = udp 2001:db8:1::10 53 192.0.2.1 5354\n",
     "[static-bib] b = udp 2001:db8:1::10 53 192.0.2.1 5354: udp "
     "[2001:db8:1::10]:53 is already [static-bib] a"},
    /* the ports */
    {POOL4, "no port: write [port6] and [port4] (two-arm) or one [port] "
	    "(one-arm)"},
    {POOL4 PORT6, "[port4]: missing: two-arm needs both [port6] and "
		  "[port4] (or one [port] for one-arm)"},
    {POOL4 ONEARM PORT6, "[port6]: [port] (one-arm) and [port6]/[port4] "
			 "(two-arm) exclude each other: keep one form"},
    {POOL4 PORT6 "[port4]\naddress = 198.51.100.1/24\n",
     "[port4] device = (missing): the DPDK device: a PCI address "
     "(0000:03:00.0) or a virtual device (net_af_packet0,iface=eth0)"},
    {POOL4 PORT6 "[port4]\ndevice = eth0\naddress = 198.51.100.1/24\n",
     "[port4] device = eth0: neither a PCI address (0000:03:00.0) nor a "
     "DPDK virtual device (net_af_packet0,iface=eth0)"},
    {POOL4 PORT6 "[port4]\ndevice = net_ring0\naddress = 198.51.100.1/24\n",
     "[port4] device = net_ring0: the same device as [port6]: one-arm is "
     "written as one [port]"},
    {BASE "mtu = 1000\n",
     "[port4] mtu = 1000: expected a number from 1280 to 9000"},
    {BASE "mac = 02:00:00:00:00\n",
     "[port4] mac = 02:00:00:00:00: not a MAC address: write "
     "aa:bb:cc:dd:ee:ff"},
    {BASE "mac = 01:00:5e:00:00:01\n",
     "[port4] mac = 01:00:5e:00:00:01: a multicast address: a port needs "
     "a unicast MAC (first octet even)"},
    {POOL4 PORT6 "[port4]\ndevice = net_ring1\n",
     "[port4] address = (missing): the port's own address with its "
     "on-link prefix, e.g. 198.51.100.1/24"},
    {POOL4 PORT4 "[port6]\ndevice = net_ring0\n"
		 "address = 2001:db8:1::1/64, 198.51.100.9/24\n",
     "[port6] address = 198.51.100.9/24: [port6] carries IPv6 only: put "
     "this address in [port4] (or use one [port] for one-arm)"},
    {POOL4 PORT6 "[port4]\ndevice = net_ring1\naddress = 198.51.100.1\n",
     "[port4] address = 198.51.100.1: needs the on-link prefix length, "
     "e.g. 198.51.100.1/24"},
    {POOL4 PORT6 "[port4]\ndevice = net_ring1\naddress = 198.51.100.0/24\n",
     "[port4] address = 198.51.100.0/24: the network or broadcast address "
     "of the prefix: use a host address"},
    {POOL4 PORT4 "[port6]\ndevice = net_ring0\naddress = 2001:db8:1::/64\n",
     "[port6] address = 2001:db8:1::/64: the prefix itself, not an "
     "address in it (e.g. ::1 at the end)"},
    {POOL4 PORT4 "[port6]\ndevice = net_ring0\n"
		 "address = 2001:db8:1::1/64, 2001:db8:2::1/64\n",
     "[port6] address = 2001:db8:1::1/64, 2001:db8:2::1/64: one IPv6 "
     "address per port"},
    {POOL4 "[port]\ndevice = net_ring0\naddress = 2001:db8:1::1/64\n",
     "[port] address = 2001:db8:1::1/64: no IPv4 address: [port] needs "
     "one, e.g. 198.51.100.1/24"},
    {BASE "gateway = 198.51.101.1\n",
     "[port4] gateway = 198.51.101.1: not inside the port's on-link "
     "prefix 198.51.100.0/24: the next hop must be on the link"},
    {POOL4 PORT4 "[port6]\ndevice = net_ring0\n"
		 "address = 2001:db8:1::1/64\ngateway = 2001:db8:2::1\n",
     "[port6] gateway = 2001:db8:2::1: not inside the port's on-link "
     "prefix 2001:db8:1::/64: the next hop must be on the link"},
    {BASE "gateway = 198.51.100.1\n",
     "[port4] gateway = 198.51.100.1: the port's own address: the "
     "gateway is the next router"},
    {BASE "gateway = 198.51.100.2/24\n",
     "[port4] gateway = 198.51.100.2/24: a next hop is an address, "
     "without /LEN"},
    {BASE "gateway = 2001:db8:1::2\n",
     "[port4] gateway = 2001:db8:1::2: [port4] carries IPv4 only"},
    /* [dpdk] */
    {BASE "[dpdk]\nlcores = 0,1,1\n",
     "[dpdk] lcores = 0,1,1: lcore 1 listed twice: one thread per CPU"},
    {BASE "[dpdk]\nlcores = 3\n",
     "[dpdk] lcores = 3: at least two lcores: the first runs the control "
     "thread, each other one a worker"},
    {BASE "[dpdk]\nlcores = "
	  "0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17\n",
     "[dpdk] lcores = 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17: more "
     "than 16 workers: list at most 17 lcores (the control thread, then "
     "one per worker)"},
    {BASE "[dpdk]\nlcores = 0,x\n",
     "[dpdk] lcores = 0,x: x is not a CPU id (0 to 1023)"},
    {BASE "[dpdk]\nmemory = lots\n",
     "[dpdk] memory = lots: use in-memory, hugepages or no-huge"},
    {BASE "[dpdk]\nsocket-mem = 0\n",
     "[dpdk] socket-mem = 0: expected a number from 1 to 1048576"},
    {BASE "[dpdk]\nfile-prefix = a/b\n",
     "[dpdk] file-prefix = a/b: use letters, digits, '-', '_' and '.' "
     "only"},
    {BASE "[dpdk]\neal-args = --huge-unlink --in-memory\n",
     "[dpdk] eal-args = --huge-unlink --in-memory: --in-memory is set by "
     "gate64d from [dpdk] lcores, memory, socket-mem, file-prefix and the "
     "ports: remove it"},
    /* [neighbours] */
    {BASE "[neighbours]\nreachable = 0\n",
     "[neighbours] reachable = 0: expected a number from 1 to 86400"},
    {BASE "[neighbours]\nretrans-ms = 5\n",
     "[neighbours] retrans-ms = 5: expected a number from 10 to 60000"},
};

static void test_bad_files(void **state)
{
	unsigned failed = 0;
	(void)state;
	for (size_t i = 0; i < sizeof(bads) / sizeof(bads[0]); i++) {
		struct cfg_gw *c = calloc(1, sizeof(*c));
		char err[1024] = "";
		size_t pl = strlen(path);
		assert_non_null(c);
		write_conf(bads[i].text);
		int r = cfg_gw_load(c, path, err, sizeof(err));
		if (r != -EINVAL || strncmp(err, path, pl) ||
		    strncmp(err + pl, ": ", 2) ||
		    strcmp(err + pl + 2, bads[i].want)) {
			print_error("case %zu: got %d \"%s\"\n   want "
				    "\"%s: %s\"\n",
				    i, r, err, path, bads[i].want);
			failed++;
		}
		/* nothing is left for the caller to use */
		assert_null(c->eamt);
		assert_null(c->dp.xlat);
		cfg_gw_free(c);
		free(c);
	}
	assert_int_equal(failed, 0);
}

static void test_missing_file(void **state)
{
	struct cfg_gw c;
	char err[256], f[sizeof(dir) + 16];
	(void)state;
	snprintf(f, sizeof(f), "%s/none.conf", dir);
	assert_int_equal(cfg_gw_load(&c, f, err, sizeof(err)), -ENOENT);
	assert_non_null(strstr(err, "none.conf: "));
}

/* ---- modes xdp and hybrid: the host's ephemeral ports ---- */

static void write_file(const char *name, const char *text)
{
	char f[sizeof(dir) + 64];
	snprintf(f, sizeof(f), "%s/%s", dir, name);
	FILE *fp = fopen(f, "w");
	assert_non_null(fp);
	fputs(text, fp);
	assert_int_equal(fclose(fp), 0);
}

struct lpr {
	const char *pool4;    /* the [pool4] section's keys */
	const char *range;    /* ip_local_port_range */
	const char *reserved; /* ip_local_reserved_ports, NULL: no file */
	const char *want;     /* after "FILE: ", NULL: accepted */
};

static const struct lpr lprs[] = {
    /* the defaults meet the kernel's default range */
    {"address = 192.0.2.1\n", "32768\t60999\n", NULL,
     "[pool4] tcp-ports = 1024-65535 (the default): overlaps the host's "
     "ip_local_port_range 32768-60999 (the kernel would pick the same ports "
     "for its own connections); use ports outside it or change "
     "net.ipv4.ip_local_port_range (or reserve them in "
     "net.ipv4.ip_local_reserved_ports)"},
    {"address = 192.0.2.1\ntcp-ports = 1024-32767\n"
     "udp-ports = 60000-65535\n",
     "32768 60999\n", "",
     "[pool4] udp-ports = 60000-65535: overlaps the "
     "host's ip_local_port_range 32768-60999 (the kernel "
     "would pick the same ports for its own connections); "
     "use ports outside it or change "
     "net.ipv4.ip_local_port_range (or reserve them in "
     "net.ipv4.ip_local_reserved_ports)"},
    /* outside it: accepted; ICMP identifiers are not the kernel's */
    {"address = 192.0.2.1\ntcp-ports = 1024-32767\n"
     "udp-ports = 61000-65535\n",
     "32768 60999\n", NULL, NULL},
    /* the overlap reserved: the kernel keeps off those ports */
    {"address = 192.0.2.1\ntcp-ports = 1024-32767\n"
     "udp-ports = 60000-65535\n",
     "32768 60999\n", "8080,60000-60999\n", NULL},
    {"address = 192.0.2.1\ntcp-ports = 1024-32767\n"
     "udp-ports = 60000-65535\n",
     "32768 60999\n", "60000-60998\n",
     "[pool4] udp-ports = 60000-65535: overlaps the host's "
     "ip_local_port_range 32768-60999 (the kernel would pick the same ports "
     "for its own connections); use ports outside it or change "
     "net.ipv4.ip_local_port_range (or reserve them in "
     "net.ipv4.ip_local_reserved_ports)"},
    /* an address entry with its own range is named as such */
    {"address = 192.0.2.1, 192.0.2.9 tcp 40000-40999\n"
     "tcp-ports = 1024-32767\nudp-ports = 61000-65535\n",
     "32768 60999\n", NULL,
     "[pool4] address = 192.0.2.1, 192.0.2.9 tcp 40000-40999: 192.0.2.9 "
     "tcp 40000-40999 overlaps the host's ip_local_port_range 32768-60999 "
     "(the kernel would pick the same ports for its own connections); use "
     "ports outside it or change net.ipv4.ip_local_port_range (or reserve "
     "them in net.ipv4.ip_local_reserved_ports)"},
};

static void test_local_port_range(void **state)
{
	char text[1024], err[1024], f[sizeof(dir) + 64];
	size_t pl = strlen(path);
	(void)state;
	snprintf(f, sizeof(f), "%s/ip_local_reserved_ports", dir);
	for (size_t i = 0; i < sizeof(lprs) / sizeof(lprs[0]); i++) {
		print_message("local ports case %zu\n", i);
		snprintf(text, sizeof(text), "[pool4]\n%s" PORTS,
			 lprs[i].pool4);
		struct cfg_gw *c = load_ok(text); /* dpdk: not checked */
		write_file("ip_local_port_range", lprs[i].range);
		unlink(f);
		if (lprs[i].reserved)
			write_file("ip_local_reserved_ports", lprs[i].reserved);
		err[0] = 0;
		int r = cfg_gw_check_local_ports(c, dir, err, sizeof(err));
		if (!lprs[i].want) {
			if (r)
				print_error("unexpected: %s\n", err);
			assert_int_equal(r, 0);
		} else {
			if (r != -EINVAL || strncmp(err, path, pl) ||
			    strcmp(err + pl + 2, lprs[i].want))
				print_error("got %d \"%s\"\n want \"%s\"\n", r,
					    err, lprs[i].want);
			assert_int_equal(r, -EINVAL);
			assert_string_equal(err + pl + 2, lprs[i].want);
		}
		done(c);
	}
	/* the file cannot be read: refused, and said so */
	struct cfg_gw *c = load_ok(BASE);
	snprintf(f, sizeof(f), "%s/ip_local_port_range", dir);
	unlink(f);
	assert_int_equal(cfg_gw_check_local_ports(c, dir, err, sizeof(err)),
			 -EINVAL);
	assert_non_null(strstr(err, "cannot read "));
	assert_non_null(strstr(err, "ip_local_port_range"));
	done(c);
	snprintf(f, sizeof(f), "%s/ip_local_reserved_ports", dir);
	unlink(f);
}

/* ---- gate64ctl pool4 add|del: the address list edited ---- */

struct edit {
	const char *cur;
	int add;
	const char *item;
	const char *want; /* the new list, or "error: " and the message */
};

static const char *const sec_ranges[3] = {"1024-65535", "2000-2999", "0-65535"};

static const struct edit edits[] = {
    {"192.0.2.1", 1, "192.0.2.2", "192.0.2.1, 192.0.2.2"},
    {"192.0.2.1", 1, "192.0.2.8/30 udp 5000-5999",
     "192.0.2.1, 192.0.2.8/30 udp 5000-5999"},
    {"192.0.2.1, 192.0.2.2", 0, "192.0.2.1", "192.0.2.2"},
    /* an address out of a prefix: the rest stays, as prefixes */
    {"192.0.2.0/30", 0, "192.0.2.1", "192.0.2.0, 192.0.2.2/31"},
    {"192.0.2.0/29, 192.0.2.9", 0, "192.0.2.0/30", "192.0.2.4/30, 192.0.2.9"},
    /* a prefix holding entries: they go */
    {"192.0.2.1, 192.0.2.9 tcp 2000-2999, 192.0.2.10", 0, "192.0.2.8/30",
     "192.0.2.1"},
    /* one protocol of an entry for every protocol: the other two stay */
    {"192.0.2.1, 192.0.2.2", 0, "192.0.2.2 udp 2000-2999",
     "192.0.2.1, 192.0.2.2 tcp 1024-65535, 192.0.2.2 icmp 0-65535"},
    {"192.0.2.1, 192.0.2.9 tcp 2000-2999", 0, "192.0.2.9 tcp 2000-2999",
     "192.0.2.1"},
    /* what is not there */
    {"192.0.2.1", 0, "192.0.2.2",
     "error: 192.0.2.2 is not in [pool4] address (192.0.2.1): nothing to "
     "take out"},
    {"192.0.2.1, 192.0.2.9 tcp 2000-2999", 0, "192.0.2.9 tcp 2000-3000",
     "error: 192.0.2.9 tcp 2000-3000 is not in [pool4] address (192.0.2.1, "
     "192.0.2.9 tcp 2000-2999): nothing to take out"},
    {"192.0.2.1", 0, "192.0.2.0/24",
     "error: 192.0.2.0/24 is all of [pool4] address: NAT64 needs at least "
     "one address"},
    {"192.0.2.1", 1, "192.0.2.300", "error: 192.0.2.300: not an IPv4 address"},
    {"192.0.2.1", 1, "192.0.2.2 tcp",
     "error: 192.0.2.2 tcp: write ADDRESS[/LEN] or ADDRESS[/LEN] "
     "tcp|udp|icmp MIN-MAX"},
};

static void test_pool4_edit(void **state)
{
	char out[1024], err[512];
	(void)state;
	for (size_t i = 0; i < sizeof(edits) / sizeof(edits[0]); i++) {
		const struct edit *e = &edits[i];
		err[0] = 0;
		int r = cfg_gw_pool4_edit(e->cur, e->add, e->item, sec_ranges,
					  out, sizeof(out), err, sizeof(err));
		const char *got = r ? err : out;
		int want_err = !strncmp(e->want, "error: ", 7);
		if (want_err != (r != 0) ||
		    strcmp(got, want_err ? e->want + 7 : e->want))
			print_error("case %zu: got %d \"%s\"\n want \"%s\"\n",
				    i, r, got, e->want);
		assert_int_equal(r, want_err ? -EINVAL : 0);
		assert_string_equal(got, want_err ? e->want + 7 : e->want);
	}
}

/* ---- the EAL argument vector ---- */

static void expect_argv(const char *text, const char *const *want)
{
	struct cfg_gw *c = load_ok(text);
	char *argv[CFG_GW_EAL_ARGS_MAX + 24], buf[4096];
	int n = 0;

	while (want[n])
		n++;
	int argc = cfg_gw_eal_args(c, "gate64d", argv,
				   (int)(sizeof(argv) / sizeof(argv[0])), buf,
				   sizeof(buf));
	for (int i = 0; i < argc; i++)
		print_message("  argv[%d] = %s\n", i, argv[i]);
	assert_int_equal(argc, n);
	for (int i = 0; i < n; i++)
		assert_string_equal(argv[i], want[i]);
	assert_null(argv[argc]);
	done(c);
}

/* Virtual devices only: --no-pci, one --vdev each, --in-memory with a
 * file prefix. */
static void test_eal_vdevs(void **state)
{
	static const char *const want[] = {"gate64d",	  "-l",
					   "0,1",	  "--main-lcore",
					   "0",		  "--no-pci",
					   "--vdev",	  "net_ring0",
					   "--vdev",	  "net_ring1",
					   "--in-memory", "--file-prefix",
					   "gate64",	  "--no-telemetry",
					   NULL};
	(void)state;
	expect_argv(BASE, want);
}

/* A PCI device: -a for it, no --no-pci; no-huge with -m; extra args. */
static void test_eal_pci(void **state)
{
	static const char *const want[] = {"gate64d",
					   "-l",
					   "4,5,6",
					   "--main-lcore",
					   "4",
					   "--vdev",
					   "net_ring0",
					   "-a",
					   "0000:03:00.1",
					   "--no-huge",
					   "-m",
					   "512",
					   "--file-prefix",
					   "lab1",
					   "--no-telemetry",
					   "--log-level=8",
					   "--huge-unlink",
					   NULL};
	(void)state;
	expect_argv(
	    POOL4 PORT6
	    "[port4]\ndevice = 0000:03:00.1\naddress = 198.51.100.1/24\n"
	    "[dpdk]\nlcores = 4,5,6\nmemory = no-huge\nsocket-mem = 512\n"
	    "file-prefix = lab1\neal-args = --log-level=8 --huge-unlink\n",
	    want);
}

/* One-arm on a PCI device with hugepages and --socket-mem. */
static void test_eal_onearm_hugepages(void **state)
{
	static const char *const want[] = {"gate64d", "-l",
					   "0,1",     "--main-lcore",
					   "0",	      "-a",
					   "03:00.0", "--socket-mem",
					   "1024",    "--file-prefix",
					   "gate64",  "--no-telemetry",
					   NULL};
	(void)state;
	expect_argv(POOL4 "[port]\ndevice = 03:00.0\n"
			  "address = 2001:db8:1::1/64, 198.51.100.1/24\n"
			  "[dpdk]\nmemory = hugepages\nsocket-mem = 1024\n",
		    want);
}

static void test_eal_nospace(void **state)
{
	struct cfg_gw *c = load_ok(BASE);
	char *argv[64], buf[4096];
	(void)state;
	/* 14 arguments and the NULL need 15 slots */
	assert_int_equal(
	    cfg_gw_eal_args(c, "gate64d", argv, 14, buf, sizeof(buf)), -ENOSPC);
	assert_int_equal(
	    cfg_gw_eal_args(c, "gate64d", argv, 15, buf, sizeof(buf)), 14);
	assert_int_equal(cfg_gw_eal_args(c, "gate64d", argv, 64, buf, 40),
			 -ENOSPC);
	done(c);
}

static int setup(void **state)
{
	(void)state;
	if (!mkdtemp(dir))
		return -1;
	snprintf(path, sizeof(path), "%s/gw.conf", dir);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	unlink(path);
	rmdir(dir);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_good_files),
	    cmocka_unit_test(test_example_conf),
	    cmocka_unit_test(test_bad_files),
	    cmocka_unit_test(test_missing_file),
	    cmocka_unit_test(test_local_port_range),
	    cmocka_unit_test(test_pool4_edit),
	    cmocka_unit_test(test_eal_vdevs),
	    cmocka_unit_test(test_eal_pci),
	    cmocka_unit_test(test_eal_onearm_hugepages),
	    cmocka_unit_test(test_eal_nospace),
	};
	return cmocka_run_group_tests_name("cfg_gw", tests, setup, teardown);
}
