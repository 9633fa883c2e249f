/*
 * cfg_gw.c - the gateway's INI file for gate64d (see cfg_gw.h and
 * conf/gate64.conf).
 *
 * Two passes: a line scan of the text first (syntax, duplicate sections
 * and keys, which iniparser would silently merge or overwrite), then
 * iniparser for the values, section by section, in an order that lets a
 * later section use an earlier one (the ports before the translator's
 * defaults, pool4 before the static BIB).  The first problem stops the
 * load.
 */
#define _GNU_SOURCE
#include "control/cfg_dns64.h"
#include "bpf/xdp_cfg.h" /* XDP_POOL4_MAX */
#include "control/cfg_gw.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <grp.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>

#include <iniparser/iniparser.h>

#include "dataplane/xlat/eam.h"
#include "dataplane/xlat/pool4.h"

#define LINE_MAX_LEN 1020 /* iniparser reads lines of 1024 bytes */
#define NAME_MAX_LEN 64
#define LIST_MAX     64
#define LCORE_ID_MAX 1023

struct ctx {
	const char *file;
	char *err;
	size_t errlen;
	dictionary *d;
};

/* ---- errors ---- */

/* "FILE: [SEC] KEY = VAL: why" */
__attribute__((format(printf, 5, 6))) static int
bad(const struct ctx *x, const char *sec, const char *key, const char *val,
    const char *fmt, ...)
{
	char why[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	snprintf(x->err, x->errlen, "%s: [%s] %s = %s: %s", x->file, sec, key,
		 val, why);
	return -EINVAL;
}

/* "FILE: [SEC]: why" */
__attribute__((format(printf, 3, 4))) static int
bad_sec(const struct ctx *x, const char *sec, const char *fmt, ...)
{
	char why[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	snprintf(x->err, x->errlen, "%s: [%s]: %s", x->file, sec, why);
	return -EINVAL;
}

/* ---- the sections and their keys ---- */

struct section {
	const char *name;
	const char *const *keys; /* NULL: any key (one entry per key) */
};

static const char *const keys_gate64[] = {"mode",
					  "pidfile",
					  "control-socket",
					  "control-socket-mode",
					  "control-socket-group",
					  NULL};
static const char *const keys_translator[] = {"type",
					      "pool6",
					      "pool6791",
					      "icmp6-source",
					      "lowest-ipv6-mtu",
					      "udp-zero-checksum",
					      "reset-traffic-class",
					      "reset-tos",
					      "new-tos",
					      "icmp-errors",
					      "icmp-rate",
					      "icmp-burst",
					      "eam-hairpin",
					      NULL};
static const char *const keys_pool4[] = {"address",  "tcp-ports",  "udp-ports",
					 "icmp-ids", "block-size", "max-blocks",
					 NULL};
static const char *const keys_nat64[] = {
    "subscriber-length", "filtering",
    "max-bib",		 "max-sessions",
    "max-subscribers",	 "sessions-per-subscriber",
    "timeout-udp",	 "timeout-icmp",
    "timeout-tcp-est",	 "timeout-tcp-trans",
    "timeout-tcp-syn",	 "drop-inbound-syn",
    "held-syn-max",	 "mapping-log",
    "subscriber-alert",	 NULL};
static const char *const keys_port[] = {"device",  "mtu",     "mac",
					"address", "gateway", NULL};
static const char *const keys_dpdk[] = {"lcores",      "memory",   "socket-mem",
					"file-prefix", "eal-args", NULL};
static const char *const keys_metrics[] = {"listen", NULL};
static const char *const keys_xdp[] = {"interfaces", "attach", "pin-dir", NULL};
static const char *const keys_neigh[] = {"reachable", "stale", "retrans-ms",
					 "pending", NULL};

static const struct section sections[] = {
    {"gate64", keys_gate64},
    {"translator", keys_translator},
    {"eam", NULL},
    {"pool4", keys_pool4},
    {"nat64", keys_nat64},
    {"static-bib", NULL},
    {"port6", keys_port},
    {"port4", keys_port},
    {"port", keys_port},
    {"dpdk", keys_dpdk},
    {"neighbours", keys_neigh},
    {"metrics", keys_metrics},
    {"xdp", keys_xdp},
    {"dns64", NULL},
};
#define NSECTIONS (sizeof(sections) / sizeof(sections[0]))

static const char *get(const struct ctx *x, const char *sec, const char *key)
{
	char k[2 * NAME_MAX_LEN + 2];

	snprintf(k, sizeof(k), "%s:%s", sec, key);
	return iniparser_getstring(x->d, k, NULL);
}

static int has_section(const struct ctx *x, const char *sec)
{
	return iniparser_find_entry(x->d, sec) != 0;
}

/* ---- small parsers: 0, or -1 with *why ---- */

static int parse_ul(const char *s, unsigned long min, unsigned long max,
		    unsigned long *out)
{
	char *end;

	if (!isdigit((unsigned char)*s))
		return -1;
	errno = 0;
	unsigned long v = strtoul(s, &end, 10);
	if (errno || *end || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

/* A number key: absent leaves *out alone. */
static int get_num(const struct ctx *x, const char *sec, const char *key,
		   unsigned long min, unsigned long max, unsigned long *out)
{
	const char *v = get(x, sec, key);

	if (!v)
		return 0;
	if (parse_ul(v, min, max, out))
		return bad(x, sec, key, v, "expected a number from %lu to %lu",
			   min, max);
	return 0;
}

static int get_u32(const struct ctx *x, const char *sec, const char *key,
		   unsigned long min, unsigned long max, uint32_t *out)
{
	unsigned long v = *out;
	int r = get_num(x, sec, key, min, max, &v);

	*out = (uint32_t)v;
	return r;
}

static int get_u16(const struct ctx *x, const char *sec, const char *key,
		   unsigned long min, unsigned long max, uint16_t *out)
{
	unsigned long v = *out;
	int r = get_num(x, sec, key, min, max, &v);

	*out = (uint16_t)v;
	return r;
}

static int get_u8(const struct ctx *x, const char *sec, const char *key,
		  unsigned long min, unsigned long max, uint8_t *out)
{
	unsigned long v = *out;
	int r = get_num(x, sec, key, min, max, &v);

	*out = (uint8_t)v;
	return r;
}

static int get_bool(const struct ctx *x, const char *sec, const char *key,
		    uint8_t *out)
{
	const char *v = get(x, sec, key);

	if (!v)
		return 0;
	int b = cfg_bool_word(v);
	if (b < 0)
		return bad(x, sec, key, v,
			   "expected yes or no (on/off, true/false, 1/0)");
	*out = (uint8_t)b;
	return 0;
}

static int get_str(const struct ctx *x, const char *sec, const char *key,
		   char *out, size_t cap)
{
	const char *v = get(x, sec, key);

	if (!v)
		return 0;
	if (strlen(v) >= cap)
		return bad(x, sec, key, v, "too long (at most %zu characters)",
			   cap - 1);
	strcpy(out, v);
	return 0;
}

/* Splits a comma-separated list (into buf) into trimmed items. */
static int split(const struct ctx *x, const char *sec, const char *key,
		 const char *val, char *buf, size_t cap, char **items,
		 unsigned max, unsigned *n)
{
	if (strlen(val) >= cap)
		return bad(x, sec, key, val, "value too long");
	strcpy(buf, val);
	*n = 0;
	char *p = buf;
	for (;;) {
		char *comma = strchr(p, ',');
		if (comma)
			*comma = 0;
		char *t = cfg_trim(p);
		if (!*t)
			return bad(x, sec, key, val,
				   "empty list item: separate the items with "
				   "single commas");
		if (*n == max)
			return bad(x, sec, key, val, "more than %u items", max);
		items[(*n)++] = t;
		if (!comma)
			break;
		p = comma + 1;
	}
	return 0;
}

/*
 * "ADDR" or "ADDR/LEN" of one family (AF_INET: 4 bytes network order in
 * a, AF_INET6: 16 bytes).  *plen is -1 without "/LEN".
 */
static int parse_pfx(const char *s, int family, uint8_t *a, int *plen,
		     const char **why)
{
	char host[INET6_ADDRSTRLEN];
	const char *slash = strchr(s, '/');
	size_t hl = slash ? (size_t)(slash - s) : strlen(s);
	int max = family == AF_INET ? 32 : 128;

	*plen = -1;
	if (hl < sizeof(host)) {
		memcpy(host, s, hl);
		host[hl] = 0;
	}
	if (hl >= sizeof(host) || inet_pton(family, host, a) != 1) {
		*why = family == AF_INET ? "not an IPv4 address"
					 : "not an IPv6 address";
		return -1;
	}
	if (slash) {
		unsigned long l;
		if (parse_ul(slash + 1, 0, (unsigned long)max, &l)) {
			*why = family == AF_INET
				   ? "prefix length must be 0 to 32"
				   : "prefix length must be 0 to 128";
			return -1;
		}
		*plen = (int)l;
	}
	return 0;
}

static int host_bits_set(const uint8_t *a, int len, int bytes)
{
	for (int b = len; b < bytes * 8; b++)
		if (a[b / 8] & (0x80 >> (b % 8)))
			return 1;
	return 0;
}

static void mask(uint8_t *a, int len, int bytes)
{
	for (int b = len; b < bytes * 8; b++)
		a[b / 8] &= (uint8_t) ~(0x80 >> (b % 8));
}

static int in_prefix(const uint8_t *a, const uint8_t *p, int len)
{
	for (int b = 0; b < len; b++) {
		uint8_t m = (uint8_t)(0x80 >> (b % 8));
		if ((a[b / 8] & m) != (p[b / 8] & m))
			return 0;
	}
	return 1;
}

/* A prefix whose host bits must be zero: the error suggests the network. */
static int get_net(const struct ctx *x, const char *sec, const char *key,
		   const char *item, int family, uint8_t *a, int *plen)
{
	const char *why = NULL;
	int bytes = family == AF_INET ? 4 : 16;

	if (parse_pfx(item, family, a, plen, &why))
		return bad(x, sec, key, item, "%s", why);
	if (*plen < 0)
		*plen = bytes * 8;
	if (host_bits_set(a, *plen, bytes)) {
		char s[INET6_ADDRSTRLEN];
		uint8_t m[16];
		memcpy(m, a, (size_t)bytes);
		mask(m, *plen, bytes);
		inet_ntop(family, m, s, sizeof(s));
		return bad(x, sec, key, item,
			   "not a prefix: did you mean %s/%d?", s, *plen);
	}
	return 0;
}

static const char *ntop4(uint32_t net, char *buf, size_t len)
{
	return inet_ntop(AF_INET, &net, buf, (socklen_t)len);
}

static const char *ntop6(const uint8_t *a, char *buf, size_t len)
{
	return inet_ntop(AF_INET6, a, buf, (socklen_t)len);
}

/* ---- pass 1: the text ---- */

struct seen {
	char sec[NAME_MAX_LEN];
	char key[NAME_MAX_LEN]; /* "" for the section itself */
	int line;
};

static void lower(char *s)
{
	for (; *s; s++)
		*s = (char)tolower((unsigned char)*s);
}

/* The value as iniparser reads it: quotes removed, or cut at ';'/'#'. */
static char *ini_value(char *v)
{
	v = cfg_trim(v);
	size_t n = strlen(v);
	if (n >= 2 && (v[0] == '"' || v[0] == '\'') && strchr(v + 1, v[0])) {
		*strchr(v + 1, v[0]) = 0;
		return v + 1;
	}
	v[strcspn(v, ";#")] = 0;
	return cfg_trim(v);
}

static int scan_line(const struct ctx *x, char *l, int no, char *sec,
		     struct seen **seen, unsigned *nseen)
{
	char *s = cfg_trim(l), *key, *val;
	const char *file = x->file;

	if (!*s || *s == ';' || *s == '#')
		return 0;
	if (*s == '[') {
		char *end = strchr(s, ']');
		if (!end) {
			snprintf(x->err, x->errlen,
				 "%s: line %d: a section name needs a closing "
				 "']'",
				 file, no);
			return -EINVAL;
		}
		*end = 0;
		key = cfg_trim(s + 1);
		val = NULL;
		/* iniparser names keys "SECTION:KEY": a ':' in a section
		 * name would hide it from the section list and make it a key
		 * of another section, with no value */
		if (strlen(key) >= NAME_MAX_LEN || !*key || strchr(key, ':')) {
			snprintf(x->err, x->errlen,
				 "%s: line %d: not a section name", file, no);
			return -EINVAL;
		}
		lower(key);
		strcpy(sec, key);
		key = "";
	} else {
		char *eq = strchr(s, '=');
		if (!eq) {
			snprintf(x->err, x->errlen,
				 "%s: line %d: not a [section], a key = value "
				 "or a comment: %s",
				 file, no, s);
			return -EINVAL;
		}
		*eq = 0;
		key = cfg_trim(s);
		val = ini_value(eq + 1);
		if (!*key || strlen(key) >= NAME_MAX_LEN) {
			snprintf(x->err, x->errlen,
				 "%s: line %d: not a key name", file, no);
			return -EINVAL;
		}
		lower(key);
		if (!*sec) {
			snprintf(x->err, x->errlen,
				 "%s: line %d: %s = %s is outside any section: "
				 "put it under its [section]",
				 file, no, key, val);
			return -EINVAL;
		}
	}
	for (unsigned i = 0; i < *nseen; i++) {
		const struct seen *e = &(*seen)[i];
		if (strcmp(e->sec, sec) || strcmp(e->key, key))
			continue;
		if (!*key)
			return bad_sec(x, sec,
				       "duplicate section (lines %d and %d): "
				       "write each section once",
				       e->line, no);
		return bad(x, sec, key, val,
			   "duplicate key (lines %d and %d): write each key "
			   "once",
			   e->line, no);
	}
	struct seen *ns = realloc(*seen, (*nseen + 1) * sizeof(**seen));
	if (!ns) {
		snprintf(x->err, x->errlen, "%s: out of memory", file);
		return -ENOMEM;
	}
	*seen = ns;
	strcpy(ns[*nseen].sec, sec);
	strcpy(ns[*nseen].key, key);
	ns[(*nseen)++].line = no;
	return 0;
}

static int scan_text(const struct ctx *x, FILE *f)
{
	char *line = NULL, sec[NAME_MAX_LEN] = "";
	size_t cap = 0;
	ssize_t n;
	struct seen *seen = NULL;
	unsigned nseen = 0;
	int no = 0, r = 0, cont = 0;

	while (!r && (n = getline(&line, &cap, f)) >= 0) {
		no++;
		if (n > LINE_MAX_LEN) {
			snprintf(x->err, x->errlen,
				 "%s: line %d: longer than %d characters",
				 x->file, no, LINE_MAX_LEN);
			r = -EINVAL;
			break;
		}
		int was_cont = cont;
		size_t len = strcspn(line, "\r\n");
		line[len] = 0;
		/* iniparser joins a line ending in '\' with the next one */
		cont = len && line[len - 1] == '\\';
		if (!was_cont)
			r = scan_line(x, line, no, sec, &seen, &nseen);
	}
	free(line);
	free(seen);
	return r;
}

/* ---- pass 2: the sections ---- */

static int check_names(const struct ctx *x)
{
	int ns = iniparser_getnsec(x->d);

	for (int i = 0; i < ns; i++) {
		const char *sec = iniparser_getsecname(x->d, i);
		const struct section *s = NULL;
		for (size_t j = 0; j < NSECTIONS; j++)
			if (!strcmp(sec, sections[j].name))
				s = &sections[j];
		if (!s) { /* the list from the table: it cannot drift */
			char known[256] = "unknown section (known: ";
			for (size_t j = 0; j < NSECTIONS; j++) {
				size_t l = strlen(known);
				snprintf(known + l, sizeof(known) - l, "%s%s",
					 sections[j].name,
					 j + 1 < NSECTIONS ? ", " : ")");
			}
			return bad_sec(x, sec, "%s", known);
		}
		if (!s->keys)
			continue;
		int nk = iniparser_getsecnkeys(x->d, sec);
		if (nk <= 0)
			continue;
		const char **keys = calloc((size_t)nk, sizeof(*keys));
		if (!keys || !iniparser_getseckeys(x->d, sec, keys)) {
			free(keys);
			snprintf(x->err, x->errlen, "%s: out of memory",
				 x->file);
			return -ENOMEM;
		}
		for (int k = 0; k < nk; k++) {
			const char *key = keys[k] + strlen(sec) + 1;
			int ok = 0;
			char known[512] = "";
			for (const char *const *p = s->keys; *p; p++) {
				ok |= !strcmp(key, *p);
				snprintf(known + strlen(known),
					 sizeof(known) - strlen(known), "%s%s",
					 p == s->keys ? "" : ", ", *p);
			}
			if (!ok) {
				int r =
				    bad(x, sec, key,
					iniparser_getstring(x->d, keys[k], ""),
					"unknown key (known: %s)", known);
				free(keys);
				return r;
			}
		}
		free(keys);
	}
	return 0;
}

static int parse_gate64(struct cfg_gw *c, const struct ctx *x)
{
	const char *v = get(x, "gate64", "mode");

	c->gw_mode = CFG_MODE_DPDK;
	if (v && !strcasecmp(v, "xdp"))
		c->gw_mode = CFG_MODE_XDP;
	else if (v && !strcasecmp(v, "hybrid"))
		c->gw_mode = CFG_MODE_HYBRID;
	else if (v && strcasecmp(v, "dpdk"))
		return bad(x, "gate64", "mode", v,
			   "unknown mode: use dpdk (DPDK workers own the "
			   "ports), xdp (the XDP program, the kernel keeps "
			   "the NICs) or hybrid (XDP, and DPDK workers on "
			   "AF_XDP for the rest)");
	v = get(x, "gate64", "control-socket-mode");
	c->ctl_mode = 0660;
	if (v) {
		char *end;
		unsigned long m = strtoul(v, &end, 8);
		if (!*v || *end || m > 0777)
			return bad(x, "gate64", "control-socket-mode", v,
				   "permissions in octal, for example 0660 "
				   "(owner and group may use gate64ctl)");
		c->ctl_mode = (unsigned)m;
	}
	c->ctl_gid = -1;
	v = get(x, "gate64", "control-socket-group");
	if (v) {
		char *end;
		unsigned long g = strtoul(v, &end, 10);
		const struct group *gr = NULL;
		if (*v && !*end)
			c->ctl_gid = (long)g;
		else if ((gr = getgrnam(v)) != NULL)
			c->ctl_gid = (long)gr->gr_gid;
		else
			return bad(x, "gate64", "control-socket-group", v,
				   "no such group: a group name or a numeric "
				   "gid (its members may use gate64ctl)");
	}
	v = get(x, "gate64", "control-socket");
	if (v && *v) {
		if (*v != '/' || strlen(v) >= 108)
			return bad(x, "gate64", "control-socket", v,
				   "an absolute path of at most 107 bytes");
		snprintf(c->ctl_socket, sizeof(c->ctl_socket), "%s", v);
	}
	v = get(x, "gate64", "pidfile");
	if (v && !*v)
		return 0;
	return get_str(x, "gate64", "pidfile", c->pidfile, sizeof(c->pidfile));
}

static int parse_lcores(struct cfg_gw *c, const struct ctx *x)
{
	const char *v = get(x, "dpdk", "lcores");
	char buf[512], *items[LIST_MAX];
	unsigned n;

	if (!v)
		v = "0,1";
	if (split(x, "dpdk", "lcores", v, buf, sizeof(buf), items, LIST_MAX,
		  &n))
		return -EINVAL;
	c->nlcores = 0;
	for (unsigned i = 0; i < n; i++) {
		unsigned long id;
		if (parse_ul(items[i], 0, LCORE_ID_MAX, &id))
			return bad(x, "dpdk", "lcores", v,
				   "%s is not a CPU id (0 to %d)", items[i],
				   LCORE_ID_MAX);
		for (unsigned j = 0; j < c->nlcores; j++)
			if (c->lcores[j] == id)
				return bad(x, "dpdk", "lcores", v,
					   "lcore %lu listed twice: one thread "
					   "per CPU",
					   id);
		if (c->nlcores == CFG_GW_LCORES_MAX)
			return bad(x, "dpdk", "lcores", v,
				   "more than %d workers: list at most %d "
				   "lcores (the control thread, then one per "
				   "worker)",
				   DP_WORKERS_MAX, CFG_GW_LCORES_MAX);
		c->lcores[c->nlcores++] = (unsigned)id;
	}
	if (c->nlcores < 2)
		return bad(x, "dpdk", "lcores", v,
			   "at least two lcores: the first runs the control "
			   "thread, each other one a worker");
	c->dp.nworkers = c->nlcores - 1;
	return 0;
}

/* The EAL options gate64d sets itself from other keys. */
static const char *const eal_owned[] = {
    "-l",	   "--lcores",	"-c",		"--main-lcore", "--file-prefix",
    "--in-memory", "--no-huge", "--socket-mem", "-m",		"--no-pci",
    NULL};

static int parse_dpdk(struct cfg_gw *c, const struct ctx *x)
{
	const char *v;

	if (parse_lcores(c, x))
		return -EINVAL;
	v = get(x, "dpdk", "memory");
	if (v) {
		if (!strcasecmp(v, "in-memory"))
			c->memory = CFG_MEM_IN_MEMORY;
		else if (!strcasecmp(v, "hugepages"))
			c->memory = CFG_MEM_HUGEPAGES;
		else if (!strcasecmp(v, "no-huge"))
			c->memory = CFG_MEM_NO_HUGE;
		else
			return bad(x, "dpdk", "memory", v,
				   "use in-memory, hugepages or no-huge");
	}
	if (get_u32(x, "dpdk", "socket-mem", 1, 1048576, &c->socket_mem))
		return -EINVAL;
	strcpy(c->file_prefix, "gate64");
	if (get_str(x, "dpdk", "file-prefix", c->file_prefix,
		    sizeof(c->file_prefix)))
		return -EINVAL;
	if (!c->file_prefix[0] ||
	    strspn(c->file_prefix,
		   "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMN"
		   "OPQRSTUVWXYZ0123456789_-.") != strlen(c->file_prefix))
		return bad(x, "dpdk", "file-prefix", c->file_prefix,
			   "use letters, digits, '-', '_' and '.' only");
	v = get(x, "dpdk", "eal-args");
	if (v) {
		char buf[CFG_GW_EAL_ARGS_MAX * 128];
		if (strlen(v) >= sizeof(buf))
			return bad(x, "dpdk", "eal-args", v, "too long");
		strcpy(buf, v);
		for (char *save = NULL, *t = strtok_r(buf, " \t", &save); t;
		     t = strtok_r(NULL, " \t", &save)) {
			if (c->n_eal_extra == CFG_GW_EAL_ARGS_MAX)
				return bad(x, "dpdk", "eal-args", v,
					   "more than %d arguments",
					   CFG_GW_EAL_ARGS_MAX);
			if (strlen(t) >= sizeof(c->eal_extra[0]))
				return bad(x, "dpdk", "eal-args", v,
					   "argument %s too long", t);
			for (const char *const *o = eal_owned; *o; o++) {
				size_t ol = strlen(*o);
				if (!strncmp(t, *o, ol) &&
				    (!t[ol] || t[ol] == '='))
					return bad(x, "dpdk", "eal-args", v,
						   "%s is set by gate64d from "
						   "[dpdk] lcores, memory, "
						   "socket-mem, file-prefix "
						   "and the ports: remove it",
						   *o);
			}
			strcpy(c->eal_extra[c->n_eal_extra++], t);
		}
	}
	return 0;
}

/* PCI address "DDDD:BB:DD.F" or "BB:DD.F", optionally ",devargs". */
static int is_pci(const char *s)
{
	size_t n = strcspn(s, ",");
	const char *fmt = n == 12 ? "xxxx:xx:xx.x" : "xx:xx.x";

	if (n != 12 && n != 7)
		return 0;
	for (size_t i = 0; i < n; i++) {
		if (fmt[i] == 'x' ? !isxdigit((unsigned char)s[i])
				  : s[i] != fmt[i])
			return 0;
	}
	return 1;
}

static int parse_mac(const char *s, uint8_t *mac)
{
	unsigned b[6];
	char tail;

	if (strlen(s) != 17 ||
	    sscanf(s, "%2x:%2x:%2x:%2x:%2x:%2x%c", &b[0], &b[1], &b[2], &b[3],
		   &b[4], &b[5], &tail) != 6)
		return -1;
	for (int i = 0; i < 6; i++)
		mac[i] = (uint8_t)b[i];
	return 0;
}

static int parse_port(struct dp_port_cfg *p, const char *sec, int want4,
		      int want6, int hybrid, const struct ctx *x)
{
	char buf[512], *items[LIST_MAX];
	const char *v, *why = NULL;
	unsigned n;
	int plen;

	memset(p, 0, sizeof(*p));
	snprintf(p->name, sizeof(p->name), "%s", sec);
	p->has4 = (uint8_t)want4;
	p->has6 = (uint8_t)want6;
	p->mtu = 1500;

	v = get(x, sec, "device");
	if (hybrid && v)
		return bad(x, sec, "device", v,
			   "not with mode = hybrid: gate64d makes the port a "
			   "net_af_xdp device on the [xdp] interfaces itself");
	if (hybrid)
		goto no_device; /* hybrid_ports() names it */
	if (!v)
		return bad(x, sec, "device", "(missing)",
			   "the DPDK device: a PCI address (0000:03:00.0) or "
			   "a virtual device (net_af_packet0,iface=eth0)");
	if (get_str(x, sec, "device", p->device, sizeof(p->device)))
		return -EINVAL;
	p->is_pci = (uint8_t)is_pci(v);
	if (!p->is_pci && strncmp(v, "net_", 4))
		return bad(x, sec, "device", v,
			   "neither a PCI address (0000:03:00.0) nor a DPDK "
			   "virtual device (net_af_packet0,iface=eth0)");
no_device:
	if (get_u16(x, sec, "mtu", 1280, 9000, &p->mtu))
		return -EINVAL;
	if ((v = get(x, sec, "mac"))) {
		if (parse_mac(v, p->mac))
			return bad(x, sec, "mac", v,
				   "not a MAC address: write "
				   "aa:bb:cc:dd:ee:ff");
		if (p->mac[0] & 1)
			return bad(x, sec, "mac", v,
				   "a multicast address: a port needs a "
				   "unicast MAC (first octet even)");
		p->mac_set = 1;
	}

	v = get(x, sec, "address");
	if (!v)
		return bad(x, sec, "address", "(missing)",
			   "the port's own address%s with its on-link prefix, "
			   "e.g. %s",
			   want4 && want6 ? "es" : "",
			   want4 && want6 ? "2001:db8:1::1/64, 198.51.100.1/24"
			   : want6	  ? "2001:db8:1::1/64"
					  : "198.51.100.1/24");
	if (split(x, sec, "address", v, buf, sizeof(buf), items, LIST_MAX, &n))
		return -EINVAL;
	int got4 = 0, got6 = 0;
	for (unsigned i = 0; i < n; i++) {
		int is6 = strchr(items[i], ':') != NULL;
		int fam = is6 ? AF_INET6 : AF_INET;
		uint8_t a[16];
		if (parse_pfx(items[i], fam, a, &plen, &why))
			return bad(x, sec, "address", items[i], "%s", why);
		if ((is6 && !want6) || (!is6 && !want4))
			return bad(x, sec, "address", items[i],
				   "[%s] carries %s only: put this address "
				   "in [%s] (or use one [port] for one-arm)",
				   sec, want6 ? "IPv6" : "IPv4",
				   is6 ? "port6" : "port4");
		if (is6 ? got6 : got4)
			return bad(x, sec, "address", v,
				   "one %s address per port",
				   is6 ? "IPv6" : "IPv4");
		if (plen < 0)
			return bad(x, sec, "address", items[i],
				   "needs the on-link prefix length, e.g. "
				   "%s/%d",
				   items[i], is6 ? 64 : 24);
		if (is6) {
			if (a[0] == 0xff || !host_bits_set(a, 0, 16))
				return bad(x, sec, "address", items[i],
					   "not a unicast address");
			if (plen < 128 && !host_bits_set(a, plen, 16))
				return bad(x, sec, "address", items[i],
					   "the prefix itself, not an address "
					   "in it (e.g. ::1 at the end)");
			memcpy(p->addr6, a, 16);
			p->plen6 = (uint8_t)plen;
			got6 = 1;
		} else {
			uint32_t h;
			memcpy(&h, a, 4);
			h = ntohl(h);
			/* host mask; a shift by 32 (a /32) is undefined */
			uint32_t hm = plen < 32 ? 0xffffffffu >> plen : 0;
			if (plen == 0 || h == 0 || (h >> 28) >= 14)
				return bad(x, sec, "address", items[i],
					   "not a unicast address");
			if (plen < 31 && ((h & hm) == 0 || (h & hm) == hm))
				return bad(x, sec, "address", items[i],
					   "the network or broadcast address "
					   "of the prefix: use a host address");
			memcpy(&p->addr4, a, 4);
			p->plen4 = (uint8_t)plen;
			got4 = 1;
		}
	}
	if (want6 && !got6)
		return bad(x, sec, "address", v,
			   "no IPv6 address: [%s] needs one, e.g. "
			   "2001:db8:1::1/64",
			   sec);
	if (want4 && !got4)
		return bad(x, sec, "address", v,
			   "no IPv4 address: [%s] needs one, e.g. "
			   "198.51.100.1/24",
			   sec);

	v = get(x, sec, "gateway");
	if (!v)
		return 0;
	if (split(x, sec, "gateway", v, buf, sizeof(buf), items, LIST_MAX, &n))
		return -EINVAL;
	for (unsigned i = 0; i < n; i++) {
		int is6 = strchr(items[i], ':') != NULL;
		uint8_t a[16];
		char ps[INET6_ADDRSTRLEN];
		if (parse_pfx(items[i], is6 ? AF_INET6 : AF_INET, a, &plen,
			      &why))
			return bad(x, sec, "gateway", items[i], "%s", why);
		if (plen >= 0)
			return bad(x, sec, "gateway", items[i],
				   "a next hop is an address, without /LEN");
		if ((is6 && !want6) || (!is6 && !want4))
			return bad(x, sec, "gateway", items[i],
				   "[%s] carries %s only", sec,
				   want6 ? "IPv6" : "IPv4");
		if (is6 ? p->gw6_set : p->gw4_set)
			return bad(x, sec, "gateway", v,
				   "one %s gateway per port",
				   is6 ? "IPv6" : "IPv4");
		const uint8_t *own =
		    is6 ? p->addr6 : (const uint8_t *)&p->addr4;
		int olen = is6 ? p->plen6 : p->plen4;
		if (!in_prefix(a, own, olen)) {
			uint8_t m[16];
			memcpy(m, own, is6 ? 16 : 4);
			mask(m, olen, is6 ? 16 : 4);
			inet_ntop(is6 ? AF_INET6 : AF_INET, m, ps, sizeof(ps));
			return bad(x, sec, "gateway", items[i],
				   "not inside the port's on-link prefix "
				   "%s/%d: the next hop must be on the link",
				   ps, olen);
		}
		if (!memcmp(a, own, is6 ? 16 : 4))
			return bad(x, sec, "gateway", items[i],
				   "the port's own address: the gateway is the "
				   "next router");
		if (is6) {
			memcpy(p->gw6, a, 16);
			p->gw6_set = 1;
		} else {
			memcpy(&p->gw4, a, 4);
			p->gw4_set = 1;
		}
	}
	return 0;
}

static int parse_ports(struct cfg_gw *c, int hybrid, const struct ctx *x)
{
	int one = has_section(x, "port");
	int p6 = has_section(x, "port6"), p4 = has_section(x, "port4");

	if (one && (p6 || p4))
		return bad_sec(x, p6 ? "port6" : "port4",
			       "[port] (one-arm) and [port6]/[port4] "
			       "(two-arm) exclude each other: keep one form");
	if (one) {
		c->dp.one_arm = 1;
		return parse_port(&c->dp.port[0], "port", 1, 1, hybrid, x);
	}
	if (!p6 && !p4) {
		snprintf(x->err, x->errlen,
			 "%s: no port: write [port6] and [port4] (two-arm) or "
			 "one [port] (one-arm)",
			 x->file);
		return -EINVAL;
	}
	if (!p6 || !p4)
		return bad_sec(x, p6 ? "port4" : "port6",
			       "missing: two-arm needs both [port6] and "
			       "[port4] (or one [port] for one-arm)");
	if (parse_port(&c->dp.port[0], "port6", 0, 1, hybrid, x) ||
	    parse_port(&c->dp.port[1], "port4", 1, 0, hybrid, x))
		return -EINVAL;
	if (!hybrid && !strcmp(c->dp.port[0].device, c->dp.port[1].device))
		return bad(x, "port4", "device", c->dp.port[1].device,
			   "the same device as [port6]: one-arm is written "
			   "as one [port]");
	return 0;
}

static int parse_translator(struct cfg_gw *c, const struct ctx *x)
{
	struct xlat_cfg *t = &c->xlat;
	const struct dp_port_cfg *p6 = &c->dp.port[0];
	const struct dp_port_cfg *p4 = &c->dp.port[c->dp.one_arm ? 0 : 1];
	const char *v, *why = NULL;
	const char *S = "translator";
	int plen;

	xlat_cfg_default(t);
	t->ipv6_mtu = p6->mtu;
	t->ipv4_mtu = p4->mtu;

	v = get(x, S, "pool6");
	if (!v)
		v = "64:ff9b::/96";
	if (get_net(x, S, "pool6", v, AF_INET6, t->pool6.addr, &plen))
		return -EINVAL;
	if (!strchr(v, '/'))
		return bad(x, S, "pool6", v,
			   "needs a prefix length, e.g. 64:ff9b::/96");
	if (plen != 32 && plen != 40 && plen != 48 && plen != 56 &&
	    plen != 64 && plen != 96)
		return bad(x, S, "pool6", v,
			   "prefix length /%d: RFC 6052 §2.2 allows only 32, "
			   "40, 48, 56, 64 or 96",
			   plen);
	/* RFC 6052 §2.2: bits 64 to 71 (the u-octet) must be zero */
	if (plen == 96 && t->pool6.addr[8])
		return bad(x, S, "pool6", v,
			   "bits 64-71 (the u-octet, RFC 6052 §2.2) must be "
			   "zero");
	t->pool6.len = (uint8_t)plen;

	if ((v = get(x, S, "pool6791"))) {
		char buf[512], *items[LIST_MAX];
		unsigned n;
		if (split(x, S, "pool6791", v, buf, sizeof(buf), items,
			  LIST_MAX, &n))
			return -EINVAL;
		if (n > XLAT_POOL6791_MAX)
			return bad(x, S, "pool6791", v, "at most %d addresses",
				   XLAT_POOL6791_MAX);
		for (unsigned i = 0; i < n; i++) {
			uint8_t a[16];
			if (parse_pfx(items[i], AF_INET, a, &plen, &why) ||
			    (plen >= 0 && (why = "an address, without /LEN")))
				return bad(x, S, "pool6791", items[i], "%s",
					   why);
			memcpy(&t->pool6791[i], a, 4);
		}
		t->pool6791_n = (uint8_t)n;
	}

	/* the ICMPv6 errors come from the gateway's own IPv6 address unless
	 * told otherwise */
	memcpy(t->icmp6_src, p6->addr6, 16);
	t->icmp6_src_set = 1;
	if ((v = get(x, S, "icmp6-source"))) {
		if (parse_pfx(v, AF_INET6, t->icmp6_src, &plen, &why) ||
		    (plen >= 0 && (why = "an address, without /LEN")))
			return bad(x, S, "icmp6-source", v, "%s", why);
	}

	if (get_u16(x, S, "lowest-ipv6-mtu", 1280, 65535, &t->lowest_ipv6_mtu))
		return -EINVAL;
	if (t->lowest_ipv6_mtu > t->ipv6_mtu) {
		char val[16];
		snprintf(val, sizeof(val), "%u", t->lowest_ipv6_mtu);
		return bad(x, S, "lowest-ipv6-mtu", val,
			   "above the IPv6 port's mtu (%u): lower it or raise "
			   "[%s] mtu",
			   t->ipv6_mtu, p6->name);
	}
	if ((v = get(x, S, "udp-zero-checksum"))) {
		if (!strcasecmp(v, "compute"))
			t->udp_zero_csum = XLAT_UDP0_COMPUTE;
		else if (!strcasecmp(v, "drop"))
			t->udp_zero_csum = XLAT_UDP0_DROP;
		else
			return bad(x, S, "udp-zero-checksum", v,
				   "use compute or drop (RFC 7915 §4.5)");
	}
	if (get_bool(x, S, "reset-traffic-class", &t->reset_tclass) ||
	    get_bool(x, S, "reset-tos", &t->reset_tos) ||
	    get_u8(x, S, "new-tos", 0, 255, &t->new_tos) ||
	    get_bool(x, S, "icmp-errors", &t->icmp_errors) ||
	    get_u32(x, S, "icmp-rate", 0, 1000000, &t->icmp_rate) ||
	    get_u32(x, S, "icmp-burst", 1, 1000000, &t->icmp_burst) ||
	    get_bool(x, S, "eam-hairpin", &t->eam_hairpin))
		return -EINVAL;
	return 0;
}

struct eam_name {
	const char *key;
	uint32_t v4;
	int l4;
	uint8_t v6[16];
	int l6;
};

static int parse_eam(struct cfg_gw *c, const struct ctx *x)
{
	const char *S = "eam";
	int nk = iniparser_getsecnkeys(x->d, S);
	const char **keys;
	struct eam_name *seen;
	int r = 0;

	if (nk <= 0)
		return 0;
	if (nk > XLAT_EAM_MAX)
		return bad_sec(x, S, "more than %d entries", XLAT_EAM_MAX);
	keys = calloc((size_t)nk, sizeof(*keys));
	seen = calloc((size_t)nk, sizeof(*seen));
	c->eamt = calloc(1, sizeof(*c->eamt));
	if (!keys || !seen || !c->eamt ||
	    !iniparser_getseckeys(x->d, S, keys)) {
		snprintf(x->err, x->errlen, "%s: out of memory", x->file);
		r = -ENOMEM;
		goto out;
	}
	eam_init(c->eamt);
	for (int i = 0; i < nk && !r; i++) {
		const char *key = keys[i] + strlen(S) + 1;
		const char *v = iniparser_getstring(x->d, keys[i], "");
		char buf[256], *s4, *s6, *more, *save = NULL, msg[256];
		struct eam_name *e = &seen[i];
		if (strlen(v) >= sizeof(buf)) {
			r = bad(x, S, key, v, "too long");
			break;
		}
		strcpy(buf, v);
		s4 = strtok_r(buf, " \t", &save);
		s6 = s4 ? strtok_r(NULL, " \t", &save) : NULL;
		more = s6 ? strtok_r(NULL, " \t", &save) : NULL;
		if (!s6 || more) {
			r = bad(x, S, key, v,
				"write IPV4/LEN IPV6/LEN, e.g. "
				"198.51.100.10/32 2001:db8:64::10/128");
			break;
		}
		e->key = key;
		if (get_net(x, S, key, s4, AF_INET, (uint8_t *)&e->v4,
			    &e->l4) ||
		    get_net(x, S, key, s6, AF_INET6, e->v6, &e->l6)) {
			r = -EINVAL;
			break;
		}
		int er = eam_add(c->eamt, e->v4, (uint8_t)e->l4, e->v6,
				 (uint8_t)e->l6, msg, sizeof(msg));
		if (er == -EEXIST) {
			for (int j = 0; j < i; j++) {
				const struct eam_name *o = &seen[j];
				int same4 = o->l4 == e->l4 && o->v4 == e->v4;
				int same6 =
				    o->l6 == e->l6 && !memcmp(o->v6, e->v6, 16);
				if (same4 || same6) {
					r = bad(x, S, key, v,
						"overlaps [eam] %s: the same "
						"%s prefix is mapped twice; "
						"remove one",
						o->key,
						same4 ? "IPv4" : "IPv6");
					break;
				}
			}
			if (!r)
				r = bad(x, S, key, v, "%s", msg);
		} else if (er) {
			r = bad(x, S, key, v, "%s", msg);
		}
	}
	if (!r)
		eam_build(c->eamt);
out:
	free(keys);
	free(seen);
	return r;
}

static int get_range(const struct ctx *x, const char *key, unsigned min,
		     uint16_t *lo, uint16_t *hi)
{
	const char *v = get(x, "pool4", key);
	unsigned long a, b;
	char buf[32], *dash;

	*lo = 1024;
	*hi = 65535;
	if (!v)
		return 0;
	if (strlen(v) >= sizeof(buf) || !(dash = strchr(strcpy(buf, v), '-')))
		return bad(x, "pool4", key, v,
			   "write MIN-MAX, e.g. 1024-65535");
	*dash = 0;
	if (parse_ul(cfg_trim(buf), 0, 65535, &a) ||
	    parse_ul(cfg_trim(dash + 1), 0, 65535, &b))
		return bad(x, "pool4", key, v,
			   "write MIN-MAX with numbers from %u to 65535", min);
	if (a > b)
		return bad(x, "pool4", key, v,
			   "the first port is above the last: write MIN-MAX");
	if (a < min)
		return bad(x, "pool4", key, v,
			   "port 0 is not usable: start the range at 1 or "
			   "above");
	*lo = (uint16_t)a;
	*hi = (uint16_t)b;
	return 0;
}

static const char *const proto_names[NAT64_NPROTO] = {"tcp", "udp", "icmp"};

/*
 * An item of [pool4] address: "ADDR[/LEN]" (every protocol, the section's
 * port ranges) or "ADDR[/LEN] PROTO MIN-MAX" (that protocol only, with
 * its own range: what gate64ctl pool4 add ADDR PROTO MIN-MAX writes).
 * The item is cut after ADDR[/LEN]; *one is the protocol or -1.
 */
static int pool4_item(const struct ctx *x, const char *v, char *item, int *one,
		      uint16_t *lo, uint16_t *hi)
{
	char *sp = strpbrk(item, " \t"), pr[8], rest[2];
	unsigned a, b;

	*one = -1;
	if (!sp)
		return 0;
	*sp++ = 0;
	if (sscanf(sp, " %7s %u-%u %1s", pr, &a, &b, rest) != 3 || a > b ||
	    b > 65535)
		return bad(x, "pool4", "address", v,
			   "%s %s: write ADDRESS[/LEN] or ADDRESS[/LEN] "
			   "tcp|udp|icmp MIN-MAX, e.g. 192.0.2.9 tcp 2000-2999",
			   item, sp);
	for (int k = 0; k < NAT64_NPROTO; k++)
		if (!strcasecmp(pr, proto_names[k]))
			*one = k;
	if (*one < 0)
		return bad(x, "pool4", "address", v,
			   "%s %s: protocol %s: use tcp, udp or icmp", item, sp,
			   pr);
	if (a == 0 && *one != NAT64_ICMP)
		return bad(x, "pool4", "address", v,
			   "%s %s: port 0 is not usable: start the range at 1 "
			   "or above",
			   item, sp);
	*lo = (uint16_t)a;
	*hi = (uint16_t)b;
	return 0;
}

static int parse_pool4(struct cfg_gw *c, const struct ctx *x)
{
	struct pool4_cfg *p = &c->nat64.pool4;
	const char *S = "pool4", *v = get(x, S, "address");
	char buf[512], *items[LIST_MAX];
	uint16_t lo[NAT64_NPROTO], hi[NAT64_NPROTO];
	unsigned n;

	if (!has_section(x, S))
		return bad_sec(x, S,
			       "missing: type = nat64 needs the IPv4 addresses "
			       "to share, e.g. [pool4] address = 192.0.2.1");
	if (!v)
		return bad(x, S, "address", "(missing)",
			   "the IPv4 addresses to share, e.g. 192.0.2.1, "
			   "192.0.2.8/30");
	if (get_range(x, "tcp-ports", 1, &lo[NAT64_TCP], &hi[NAT64_TCP]) ||
	    get_range(x, "udp-ports", 1, &lo[NAT64_UDP], &hi[NAT64_UDP]) ||
	    get_range(x, "icmp-ids", 0, &lo[NAT64_ICMP], &hi[NAT64_ICMP]))
		return -EINVAL;
	if (split(x, S, "address", v, buf, sizeof(buf), items, LIST_MAX, &n))
		return -EINVAL;
	p->n = 0;
	for (unsigned i = 0; i < n; i++) {
		uint32_t a;
		int plen, one;
		uint16_t ilo, ihi;
		if (pool4_item(x, v, items[i], &one, &ilo, &ihi) ||
		    get_net(x, S, "address", items[i], AF_INET, (uint8_t *)&a,
			    &plen))
			return -EINVAL;
		uint64_t count = 1ull << (32 - plen);
		if (one >= 0 && p->n + count > POOL4_MAX_RANGES)
			return bad(x, S, "address", v,
				   "too many entries: pool4 holds %d (an "
				   "address is one per protocol)",
				   POOL4_MAX_RANGES);
		if (p->n + count * (one < 0 ? NAT64_NPROTO : 1) >
		    POOL4_MAX_RANGES)
			return bad(x, S, "address", v,
				   "too many addresses: each address is one "
				   "entry per protocol (TCP, UDP, ICMP) and "
				   "pool4 holds %d entries, so at most %d "
				   "addresses",
				   POOL4_MAX_RANGES,
				   POOL4_MAX_RANGES / NAT64_NPROTO);
		for (uint64_t k = 0; k < count; k++) {
			uint32_t h = ntohl(a) + (uint32_t)k;
			for (unsigned j = 0; j < p->n; j++)
				if (p->r[j].addr == h &&
				    (one < 0 || p->r[j].proto == one)) {
					char s[INET_ADDRSTRLEN];
					return bad(
					    x, S, "address", v,
					    "%s%s%s listed twice%s",
					    ntop4(htonl(h), s, sizeof(s)),
					    one < 0 ? "" : " ",
					    one < 0 ? "" : proto_names[one],
					    one < 0 ? ""
						    : ": one port range per "
						      "address and protocol");
				}
			for (uint8_t pr = 0; pr < NAT64_NPROTO; pr++) {
				if (one >= 0 && pr != one)
					continue;
				struct pool4_range *r = &p->r[p->n++];
				r->addr = h;
				r->proto = pr;
				r->min = one < 0 ? lo[pr] : ilo;
				r->max = one < 0 ? hi[pr] : ihi;
			}
		}
	}
	if (get_u16(x, S, "block-size", 0, 32768, &p->block_size))
		return -EINVAL;
	if (p->block_size && p->block_size < 8)
		return bad(x, S, "block-size", get(x, S, "block-size"),
			   "use 0 (no port blocks) or 8 to 32768 ports");
	if (p->block_size && !get(x, S, "max-blocks"))
		p->max_blocks = 4;
	if (get_u16(x, S, "max-blocks", 1, POOL4_SUB_BLOCKS_MAX,
		    &p->max_blocks))
		return -EINVAL;
	p->nworkers = c->dp.nworkers;
	if (getrandom(p->key, sizeof(p->key), 0) != (ssize_t)sizeof(p->key)) {
		snprintf(x->err, x->errlen, "%s: getrandom: %s", x->file,
			 strerror(errno));
		return -EINVAL;
	}
	char msg[256];
	if (pool4_cfg_check(p, msg, sizeof(msg))) {
		/* its messages start with "pool4": the section says it */
		const char *m = msg;
		if (!strncmp(m, "pool4", 5))
			m += 5 + strspn(m + 5, ": ");
		return bad_sec(x, S, "%s", m);
	}
	return 0;
}

static int get_timeout(const struct ctx *x, const char *key, unsigned min,
		       const char *rule, uint32_t *out)
{
	const char *v = get(x, "nat64", key);
	unsigned long t;

	if (!v)
		return 0;
	if (parse_ul(v, 0, 604800, &t))
		return bad(x, "nat64", key, v,
			   "seconds, a number from %u to 604800", min);
	if (t < min)
		return bad(x, "nat64", key, v, "%s requires at least %u s",
			   rule, min);
	*out = (uint32_t)t;
	return 0;
}

static int parse_nat64(struct cfg_gw *c, const struct ctx *x)
{
	struct nat64_cfg *n = &c->nat64;
	const char *S = "nat64", *v;

	if ((v = get(x, S, "subscriber-length"))) {
		if (strcmp(v, "56") && strcmp(v, "64") && strcmp(v, "128"))
			return bad(x, S, "subscriber-length", v,
				   "use 56, 64 or 128 (the prefix that "
				   "identifies one subscriber)");
		n->sub_len = (uint8_t)atoi(v);
	}
	if ((v = get(x, S, "filtering"))) {
		if (!strcasecmp(v, "endpoint-independent"))
			n->adf = 0;
		else if (!strcasecmp(v, "address-dependent"))
			n->adf = 1;
		else
			return bad(x, S, "filtering", v,
				   "use endpoint-independent or "
				   "address-dependent (RFC 6146 §3.5)");
	}
	/* RFC 6146 §3.5.1: UDP at least 2 min; §3.5.2.2: TCP_EST 2 h 4 min,
	 * TCP_TRANS 4 min; the other two only must not be 0 */
	if (get_u32(x, S, "max-bib", 1, 1u << 30, &n->max_bib) ||
	    get_u32(x, S, "max-sessions", 1, 1u << 30, &n->max_sessions) ||
	    get_u32(x, S, "max-subscribers", 1, 1u << 30, &n->max_subs) ||
	    get_u32(x, S, "sessions-per-subscriber", 0, 1u << 30,
		    &n->sub_max_sessions) ||
	    get_timeout(x, "timeout-udp", 120, "RFC 6146 §3.5.1",
			&n->timeout[NAT64_T_UDP]) ||
	    get_timeout(x, "timeout-icmp", 1, "a session lifetime",
			&n->timeout[NAT64_T_ICMP]) ||
	    get_timeout(x, "timeout-tcp-est", 7440, "RFC 6146 §3.5.2.2",
			&n->timeout[NAT64_T_TCP_EST]) ||
	    get_timeout(x, "timeout-tcp-trans", 240, "RFC 6146 §3.5.2.2",
			&n->timeout[NAT64_T_TCP_TRANS]) ||
	    get_timeout(x, "timeout-tcp-syn", 1, "a session lifetime",
			&n->timeout[NAT64_T_TCP_SYN]) ||
	    get_bool(x, S, "drop-inbound-syn", &n->drop_inbound_syn) ||
	    get_u16(x, S, "held-syn-max", 0, 65535, &n->held_syn_max) ||
	    get_u8(x, S, "subscriber-alert", 1, 100, &n->sub_alert))
		return -EINVAL;
	v = get(x, S, "mapping-log");
	if (v && *v &&
	    get_str(x, S, "mapping-log", c->maplog, sizeof(c->maplog)))
		return -EINVAL;
	return 0;
}

static int parse_static_bib(struct cfg_gw *c, const struct ctx *x)
{
	const char *S = "static-bib";
	const struct pool4_cfg *p4 = &c->nat64.pool4;
	int nk = iniparser_getsecnkeys(x->d, S);
	const char **keys;
	int r = 0;

	c->dp.n_static_bib = 0;
	if (nk <= 0)
		return 0;
	if (nk > DP_STATIC_BIB_MAX)
		return bad_sec(x, S, "more than %d entries", DP_STATIC_BIB_MAX);
	keys = calloc((size_t)nk, sizeof(*keys));
	if (!keys || !iniparser_getseckeys(x->d, S, keys)) {
		free(keys);
		snprintf(x->err, x->errlen, "%s: out of memory", x->file);
		return -ENOMEM;
	}
	for (int i = 0; i < nk && !r; i++) {
		const char *key = keys[i] + strlen(S) + 1;
		const char *v = iniparser_getstring(x->d, keys[i], "");
		struct dp_static_bib *b = &c->static_bib[i];
		char buf[256], *tok[6], *save = NULL, s[INET6_ADDRSTRLEN];
		unsigned nt = 0;
		unsigned long sp, dp4;
		uint32_t a4;
		int plen;
		const char *why = NULL;

		if (strlen(v) >= sizeof(buf)) {
			r = bad(x, S, key, v, "too long");
			break;
		}
		strcpy(buf, v);
		for (char *t = strtok_r(buf, " \t", &save); t && nt < 6;
		     t = strtok_r(NULL, " \t", &save))
			tok[nt++] = t;
		if (nt != 5) {
			r = bad(x, S, key, v,
				"write PROTO IPV6 PORT IPV4 PORT, e.g. tcp "
				"2001:db8:1::10 80 192.0.2.1 80");
			break;
		}
		memset(b, 0, sizeof(*b));
		b->proto = NAT64_NPROTO;
		for (uint8_t pr = 0; pr < NAT64_NPROTO; pr++)
			if (!strcasecmp(tok[0], proto_names[pr]))
				b->proto = pr;
		if (b->proto == NAT64_NPROTO) {
			r = bad(x, S, key, v,
				"protocol %s: use tcp, udp or icmp", tok[0]);
			break;
		}
		unsigned long pmin = b->proto == NAT64_ICMP ? 0 : 1;
		if (parse_pfx(tok[1], AF_INET6, b->src6, &plen, &why) ||
		    (plen >= 0 && (why = "an address, without /LEN")) ||
		    parse_pfx(tok[3], AF_INET, (uint8_t *)&a4, &plen, &why) ||
		    (plen >= 0 && (why = "an address, without /LEN"))) {
			r = bad(x, S, key, v, "%s", why);
			break;
		}
		if (parse_ul(tok[2], pmin, 65535, &sp) ||
		    parse_ul(tok[4], pmin, 65535, &dp4)) {
			r = bad(x, S, key, v,
				"%s must be a number from %lu to 65535",
				b->proto == NAT64_ICMP ? "an ICMP identifier"
						       : "a port",
				pmin);
			break;
		}
		b->sport6 = (uint16_t)sp;
		b->addr4 = ntohl(a4);
		b->port4 = (uint16_t)dp4;
		if (!pool4_contains(p4, b->addr4, b->proto)) {
			r = bad(x, S, key, v,
				"%s is not a pool4 address: add it to [pool4] "
				"address",
				tok[3]);
			break;
		}
		for (unsigned j = 0; j < p4->n; j++) {
			const struct pool4_range *pr = &p4->r[j];
			if (pr->addr == b->addr4 && pr->proto == b->proto &&
			    (b->port4 < pr->min || b->port4 > pr->max)) {
				r = bad(x, S, key, v,
					"%s %u is outside [pool4] %s "
					"(%u-%u): widen the range or pick "
					"one in it",
					b->proto == NAT64_ICMP ? "identifier"
							       : "port",
					b->port4,
					b->proto == NAT64_TCP	? "tcp-ports"
					: b->proto == NAT64_UDP ? "udp-ports"
								: "icmp-ids",
					pr->min, pr->max);
				break;
			}
		}
		for (int j = 0; j < i && !r; j++) {
			const struct dp_static_bib *o = &c->static_bib[j];
			if (o->proto != b->proto)
				continue;
			if (o->addr4 == b->addr4 && o->port4 == b->port4)
				r = bad(x, S, key, v,
					"%s %s:%u is already [static-bib] %s",
					proto_names[b->proto], tok[3], b->port4,
					keys[j] + strlen(S) + 1);
			else if (o->sport6 == b->sport6 &&
				 !memcmp(o->src6, b->src6, 16))
				r = bad(x, S, key, v,
					"%s [%s]:%u is already [static-bib] %s",
					proto_names[b->proto],
					ntop6(b->src6, s, sizeof(s)), b->sport6,
					keys[j] + strlen(S) + 1);
		}
		c->dp.n_static_bib = (unsigned)i + 1;
	}
	free(keys);
	return r;
}

static int parse_neighbours(struct cfg_gw *c, const struct ctx *x)
{
	struct dp_neigh_cfg *n = &c->dp.neigh;
	const char *S = "neighbours";

	n->reachable = 30;
	n->stale = 600;
	n->retrans_ms = 1000;
	n->pending_max = 256;
	if (get_u32(x, S, "reachable", 1, 86400, &n->reachable) ||
	    get_u32(x, S, "stale", 1, 86400, &n->stale) ||
	    get_u32(x, S, "retrans-ms", 10, 60000, &n->retrans_ms) ||
	    get_u16(x, S, "pending", 0, 65535, &n->pending_max))
		return -EINVAL;
	return 0;
}

/* A port's own IPv4 address must not be a pool4 address. */
static int check_port_pool4(const struct cfg_gw *c, const struct ctx *x)
{
	for (int i = 0; i < (c->dp.one_arm ? 1 : 2); i++) {
		const struct dp_port_cfg *p = &c->dp.port[i];
		char s[INET_ADDRSTRLEN];
		if (!p->has4)
			continue;
		for (unsigned j = 0; j < c->nat64.pool4.n; j++)
			if (c->nat64.pool4.r[j].addr == ntohl(p->addr4))
				return bad(x, "pool4", "address",
					   get(x, "pool4", "address"),
					   "%s is [%s]'s own address: pool4 "
					   "needs addresses of its own",
					   ntop4(p->addr4, s, sizeof(s)),
					   p->name);
	}
	return 0;
}

/*
 * mode = xdp: the kernel keeps the NICs, so there is no [port*], [dpdk] or
 * [neighbours] (the kernel's routes and neighbours drive bpf_fib_lookup),
 * and [xdp] names the interfaces.  This version of the XDP program
 * translates stateless SIIT with a /96 pool6 (and [eam]) by itself; what
 * it cannot translate is counted and dropped, so a configuration it could
 * not serve is refused here rather than dropped at run time.
 */
static int parse_xdp(struct cfg_gw *c, const struct ctx *x)
{
	static const char *const dpdk_only[] = {"port6", "port4", "port",
						"dpdk", "neighbours"};
	char buf[512], *items[LIST_MAX];
	unsigned n;
	int hybrid = c->gw_mode == CFG_MODE_HYBRID;

	for (unsigned i = 0;
	     !hybrid && i < sizeof(dpdk_only) / sizeof(*dpdk_only); i++)
		if (has_section(x, dpdk_only[i]))
			return bad_sec(x, dpdk_only[i],
				       "not used with mode = xdp: the kernel "
				       "keeps the NICs, their addresses, "
				       "routes and neighbours; name the "
				       "interfaces in [xdp] interfaces");
	const char *v = get(x, "xdp", "interfaces");
	if (!v)
		return bad(x, "xdp", "interfaces", "(missing)",
			   "the interfaces to attach to: the IPv6 side, then "
			   "the IPv4 side (gw6, gw4), or one name for "
			   "one-arm");
	if (split(x, "xdp", "interfaces", v, buf, sizeof(buf), items, LIST_MAX,
		  &n))
		return -EINVAL;
	if (n > 2)
		return bad(x, "xdp", "interfaces", v,
			   "at most two: the IPv6 side, then the IPv4 side");
	for (unsigned i = 0; i < n; i++) {
		if (!*items[i] || strlen(items[i]) >= CFG_XDP_IFNAME ||
		    strpbrk(items[i], "/ \t"))
			return bad(x, "xdp", "interfaces", items[i],
				   "not an interface name (at most %d "
				   "characters, no '/' or blank)",
				   CFG_XDP_IFNAME - 1);
		snprintf(c->xdp.ifname[i], CFG_XDP_IFNAME, "%s", items[i]);
	}
	if (n == 2 && !strcmp(items[0], items[1]))
		return bad(x, "xdp", "interfaces", v,
			   "the same interface twice: one-arm is written as "
			   "one name");
	c->xdp.nif = n;
	if (hybrid && (v = get(x, "xdp", "attach")))
		return bad(x, "xdp", "attach", v,
			   "not with mode = hybrid: DPDK's net_af_xdp attaches "
			   "the program (natively when the driver can)");
	c->xdp.pin_given = get(x, "xdp", "pin-dir") != NULL;
	v = get(x, "xdp", "attach");
	if (v && !strcasecmp(v, "generic"))
		c->xdp.generic = 1;
	else if (v && strcasecmp(v, "native"))
		return bad(x, "xdp", "attach", v,
			   "use native (the driver runs the program) or "
			   "generic (after the kernel built its socket "
			   "buffer: slower, for drivers without XDP)");
	snprintf(c->xdp.pin_dir, sizeof(c->xdp.pin_dir), "/sys/fs/bpf/gate64");
	if (get_str(x, "xdp", "pin-dir", c->xdp.pin_dir,
		    sizeof(c->xdp.pin_dir)))
		return -EINVAL;
	if (c->xdp.pin_dir[0] != '/')
		return bad(x, "xdp", "pin-dir", c->xdp.pin_dir,
			   "an absolute path on a BPF file system, e.g. "
			   "/sys/fs/bpf/gate64");
	/* EAM (RFC 7757) is in XDP for stateless SIIT; NAT64 with EAM the
	 * program hands on whole, which mode = xdp would drop. */
	if (c->eamt && !hybrid && c->dp.mode == DP_NAT64)
		return bad_sec(x, "eam",
			       "not with mode = xdp and type = nat64 in this "
			       "version (the XDP program translates EAM for "
			       "stateless SIIT only): use mode = hybrid or "
			       "dpdk");
	if (c->xlat.pool6.len != 96)
		return bad(x, "translator", "pool6",
			   get(x, "translator", "pool6"),
			   "mode = %s translates a /96 pool6 in this version: "
			   "use a /96 or mode = dpdk",
			   hybrid ? "hybrid" : "xdp");
	if (!hybrid)
		strcpy(c->file_prefix, "gate64"); /* names the control socket */
	return 0;
}

/*
 * mode = hybrid: [xdp] interfaces are the ports' interfaces, in their
 * order (the IPv6 side, then the IPv4 side; one name for one [port]);
 * each port becomes a net_af_xdp device on its interface with one queue
 * per worker (queues 0..workers-1: the interface needs that many, and
 * RSS spreads the flows over them).  gate64d appends xdp_prog= (the
 * object it writes for the instance, control/hybrid.h) at start.
 */
static int hybrid_ports(struct cfg_gw *c, const struct ctx *x)
{
	unsigned np = c->dp.one_arm ? 1 : 2;
	if (c->xdp.nif != np)
		return bad(x, "xdp", "interfaces", get(x, "xdp", "interfaces"),
			   "mode = hybrid: one interface per port, in order "
			   "(%s)",
			   np == 1 ? "one name for [port]"
				   : "[port6]'s, then [port4]'s");
	for (unsigned i = 0; i < np; i++) {
		struct dp_port_cfg *p = &c->dp.port[i];
		snprintf(p->device, sizeof(p->device),
			 "net_af_xdp%u,iface=%s,start_queue=0,queue_count=%u",
			 i, c->xdp.ifname[i], c->dp.nworkers);
		p->is_pci = 0;
	}
	return 0;
}

/* ---- the host's ephemeral ports ---- */

#define SYSCTL_IPV4 "/proc/sys/net/ipv4"

/* ip_local_reserved_ports ("8080,9000-9100"): how many of lo..hi it
 * holds; 0 when the file is missing (an old kernel). */
static uint32_t reserved_in(const char *dir, unsigned lo, unsigned hi)
{
	char f[512], buf[4096];
	uint32_t n = 0;
	snprintf(f, sizeof(f), "%s/ip_local_reserved_ports", dir);
	FILE *fp = fopen(f, "r");
	if (!fp)
		return 0;
	size_t len = fread(buf, 1, sizeof(buf) - 1, fp);
	fclose(fp);
	buf[len] = 0;
	char *save = NULL;
	for (char *t = strtok_r(buf, ",\n", &save); t;
	     t = strtok_r(NULL, ",\n", &save)) {
		unsigned a, b;
		int k = sscanf(t, "%u-%u", &a, &b);
		if (k < 1)
			continue;
		if (k == 1)
			b = a;
		if (a < lo)
			a = lo;
		if (b > hi)
			b = hi;
		if (a <= b)
			n += b - a + 1; /* the kernel lists disjoint ranges */
	}
	return n;
}

/*
 * xdp and hybrid: the host owns the pool4 addresses (gate64d puts them on
 * the interfaces, so that ARP is answered), so when the kernel opens a
 * connection of its own from one of them it picks the source port from
 * net.ipv4.ip_local_port_range, and the XDP program would take that
 * connection's replies for a NAT64 mapping (or the kernel a mapping's
 * packets for its socket).  A TCP or UDP pool4 range must therefore stay
 * out of it, unless ip_local_reserved_ports keeps the kernel off those
 * ports.  ICMP identifiers are not chosen from that range.  In dpdk mode
 * the ports are detached from the kernel, which never sends from a pool4
 * address: the caller does not check.
 */
static int check_local_ports(const struct cfg_gw *c, const struct ctx *x,
			     const char *dir)
{
	char f[512];
	unsigned klo, khi;
	uint16_t lo[2], hi[2];

	if (!dir)
		dir = SYSCTL_IPV4;
	snprintf(f, sizeof(f), "%s/ip_local_port_range", dir);
	FILE *fp = fopen(f, "r");
	int ok = fp && fscanf(fp, "%u %u", &klo, &khi) == 2 && klo <= khi;
	if (fp)
		fclose(fp);
	if (!ok) {
		snprintf(x->err, x->errlen,
			 "%s: cannot read %s: the pool4 port ranges must be "
			 "checked against the host's ephemeral ports in mode "
			 "xdp and hybrid",
			 x->file, f);
		return -EINVAL;
	}
	if (get_range(x, "tcp-ports", 1, &lo[0], &hi[0]) ||
	    get_range(x, "udp-ports", 1, &lo[1], &hi[1]))
		return -EINVAL;
	for (unsigned i = 0; i < c->nat64.pool4.n; i++) {
		const struct pool4_range *r = &c->nat64.pool4.r[i];
		unsigned a = r->min > klo ? r->min : klo;
		unsigned b = r->max < khi ? r->max : khi;
		if (r->proto == NAT64_ICMP || a > b ||
		    reserved_in(dir, a, b) == b - a + 1)
			continue;
		static const char *const why =
		    "overlaps the host's ip_local_port_range %u-%u (the kernel "
		    "would pick the same ports for its own connections); use "
		    "ports outside it or change net.ipv4.ip_local_port_range "
		    "(or reserve them in net.ipv4.ip_local_reserved_ports)";
		const char *key =
		    r->proto == NAT64_TCP ? "tcp-ports" : "udp-ports";
		if (r->min == lo[r->proto] && r->max == hi[r->proto]) {
			const char *v = get(x, "pool4", key);
			return bad(x, "pool4", key,
				   v ? v : "1024-65535 (the default)", why, klo,
				   khi);
		}
		/* an address entry with its own range */
		char s[INET_ADDRSTRLEN], w[600];
		snprintf(w, sizeof(w), "%s %s %u-%u %s",
			 ntop4(htonl(r->addr), s, sizeof(s)),
			 proto_names[r->proto], r->min, r->max, why);
		return bad(x, "pool4", "address", get(x, "pool4", "address"), w,
			   klo, khi);
	}
	return 0;
}

int cfg_gw_check_local_ports(const struct cfg_gw *c, const char *dir, char *err,
			     size_t errlen)
{
	struct ctx x = {.file = c->file, .err = err, .errlen = errlen};
	if (c->dp.mode != DP_NAT64)
		return 0;
	x.d = iniparser_load(c->file);
	if (!x.d) {
		snprintf(err, errlen, "%s: not a valid INI file", c->file);
		return -EINVAL;
	}
	int r = check_local_ports(c, &x, dir);
	iniparser_freedict(x.d);
	return r;
}

/*
 * mode = xdp with type = nat64: the XDP program keeps the state itself
 * (bpf/xdp_state.h), with what it can do in a packet's time: pool4 ranges
 * in its configuration (XDP_POOL4_MAX at most), no port blocks, no
 * per-subscriber limits.  Anything it could not honour is refused here.
 */
static int check_xdp_nat64(const struct cfg_gw *c, const struct ctx *x)
{
	static const char *const no[] = {"sessions-per-subscriber",
					 "max-subscribers", "subscriber-length",
					 "held-syn-max"};
	if (c->nat64.pool4.n > XDP_POOL4_MAX)
		return bad(x, "pool4", "address", get(x, "pool4", "address"),
			   "%u ranges (an address is one per protocol): mode "
			   "= xdp takes at most %d",
			   c->nat64.pool4.n, XDP_POOL4_MAX);
	if (c->gw_mode == CFG_MODE_HYBRID)
		return 0; /* the workers' core allocates and limits */
	if (get(x, "pool4", "block-size"))
		return bad(x, "pool4", "block-size",
			   get(x, "pool4", "block-size"),
			   "port blocks (RFC 7422) are not built in XDP: "
			   "remove it, or use mode = dpdk");
	for (unsigned i = 0; i < sizeof(no) / sizeof(*no); i++)
		if (get(x, "nat64", no[i]))
			return bad(x, "nat64", no[i], get(x, "nat64", no[i]),
				   "not enforced in XDP (subscriber limits "
				   "and held SYNs are the DPDK workers'): "
				   "remove it, or use mode = dpdk");
	return 0;
}

/* [metrics]: on when the section is there; loopback by default. */
static int parse_metrics(struct cfg_gw *c, const struct ctx *x)
{
	struct sockaddr_storage ss;
	const char *why = NULL;
	if (!has_section(x, "metrics"))
		return 0;
	const char *v = get(x, "metrics", "listen");
	if (!v)
		v = "127.0.0.1:9464";
	if (cfg_dns64_parse_addr(v, 9464, &ss, &why))
		return bad(x, "metrics", "listen", v, "%s",
			   why ? why : "ADDRESS:PORT, [IPV6]:PORT");
	if (strlen(v) >= sizeof(c->metrics_listen))
		return bad(x, "metrics", "listen", v, "too long");
	snprintf(c->metrics_listen, sizeof(c->metrics_listen), "%s", v);
	return 0;
}

static int parse_all(struct cfg_gw *c, const struct ctx *x)
{
	const char *v;
	char msg[256];

	if (check_names(x) || parse_gate64(c, x) || parse_metrics(c, x))
		return -EINVAL;
	c->dp.mode = DP_NAT64;
	if ((v = get(x, "translator", "type"))) {
		if (!strcasecmp(v, "siit"))
			c->dp.mode = DP_SIIT;
		else if (strcasecmp(v, "nat64"))
			return bad(x, "translator", "type", v,
				   "use nat64 (stateful, RFC 6146) or siit "
				   "(stateless, RFC 7915)");
	}
	if (c->dp.mode == DP_SIIT) {
		static const char *const only[] = {"pool4", "nat64",
						   "static-bib"};
		for (int i = 0; i < 3; i++)
			if (has_section(x, only[i]))
				return bad_sec(x, only[i],
					       "only with type = nat64 "
					       "([translator] type = siit)");
	}
	if (c->gw_mode == CFG_MODE_XDP) {
		/* the interfaces' MTUs are the kernel's: gate64d reads them
		 * at start (xdp_mode.c) and checks lowest-ipv6-mtu then */
		for (int i = 0; i < 2; i++) {
			snprintf(c->dp.port[i].name, sizeof(c->dp.port[i].name),
				 "xdp");
			c->dp.port[i].mtu = 65535;
		}
		c->dp.nworkers = 1; /* one engine: pool4 is not sliced */
		if (parse_translator(c, x) || parse_eam(c, x) ||
		    parse_xdp(c, x))
			return -EINVAL;
	} else if (c->gw_mode == CFG_MODE_HYBRID) {
		if (parse_dpdk(c, x) || parse_ports(c, 1, x) ||
		    parse_translator(c, x) || parse_eam(c, x) ||
		    parse_xdp(c, x) || hybrid_ports(c, x))
			return -EINVAL;
	} else if (has_section(x, "xdp")) {
		return bad_sec(x, "xdp",
			       "only with [gate64] mode = xdp or hybrid (in "
			       "mode = dpdk the DPDK workers own the ports: "
			       "[port6], [port4] or [port])");
	} else if (parse_dpdk(c, x) || parse_ports(c, 0, x) ||
		   parse_translator(c, x) || parse_eam(c, x)) {
		return -EINVAL;
	}
	nat64_cfg_default(&c->nat64);
	if (c->dp.mode == DP_NAT64) {
		if (parse_pool4(c, x) || check_port_pool4(c, x) ||
		    parse_nat64(c, x) || parse_static_bib(c, x) ||
		    (c->gw_mode != CFG_MODE_DPDK &&
		     (check_local_ports(c, x, NULL) || check_xdp_nat64(c, x))))
			return -EINVAL;
		if (nat64_cfg_check(&c->nat64, msg, sizeof(msg)))
			return bad_sec(x, "nat64", "%s", msg);
	}
	if (c->gw_mode != CFG_MODE_XDP && parse_neighbours(c, x))
		return -EINVAL;
	if (xlat_cfg_check(&c->xlat, msg, sizeof(msg)))
		return bad_sec(x, "translator", "%s", msg);

	c->dp.burst = 32;
	c->dp.mbufs = 8191;
	c->dp.xlat = &c->xlat;
	c->dp.eamt = c->eamt;
	c->dp.nat64 = c->dp.mode == DP_NAT64 ? &c->nat64 : NULL;
	c->dp.static_bib = c->static_bib;
	c->dp.maplog =
	    c->dp.mode == DP_NAT64 && c->maplog[0] ? c->maplog : NULL;
	return 0;
}

int cfg_gw_load(struct cfg_gw *c, const char *file, char *err, size_t errlen)
{
	struct ctx x = {.file = file, .err = err, .errlen = errlen};
	int r;

	memset(c, 0, sizeof(*c));
	if (strlen(file) >= sizeof(c->file)) {
		snprintf(err, errlen, "%s: file name too long", file);
		return -EINVAL;
	}
	strcpy(c->file, file);
	FILE *f = fopen(file, "r");
	if (!f) {
		r = errno == ENOENT ? -ENOENT : -EINVAL;
		snprintf(err, errlen, "%s: %s", file, strerror(errno));
		return r;
	}
	r = scan_text(&x, f);
	fclose(f);
	if (r)
		return r;
	x.d = iniparser_load(file);
	if (!x.d) {
		snprintf(err, errlen, "%s: not a valid INI file", file);
		return -EINVAL;
	}
	r = parse_all(c, &x);
	c->has_dns64 = has_section(&x, "dns64");
	if (!r && !c->ctl_socket[0]) /* one socket per instance */
		snprintf(c->ctl_socket, sizeof(c->ctl_socket),
			 "/run/gate64/%s.sock", c->file_prefix);
	iniparser_freedict(x.d);
	if (r) {
		cfg_gw_free(c);
		memset(c, 0, sizeof(*c));
		snprintf(c->file, sizeof(c->file), "%s", file);
	}
	return r ? (r == -ENOMEM ? -ENOMEM : -EINVAL) : 0;
}

void cfg_gw_free(struct cfg_gw *c)
{
	free(c->eamt);
	c->eamt = NULL;
	c->dp.eamt = NULL;
}

/* ---- the EAL arguments ---- */

struct argv_buf {
	char **argv;
	int argc, max;
	char *buf;
	size_t len, used;
	int full;
};

__attribute__((format(printf, 2, 3))) static void arg(struct argv_buf *a,
						      const char *fmt, ...)
{
	va_list ap;
	int n;

	if (a->full)
		return;
	if (a->argc + 1 >= a->max) { /* room for the final NULL */
		a->full = 1;
		return;
	}
	va_start(ap, fmt);
	n = vsnprintf(a->buf + a->used, a->len - a->used, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= a->len - a->used) {
		a->full = 1;
		return;
	}
	a->argv[a->argc++] = a->buf + a->used;
	a->used += (size_t)n + 1;
}

int cfg_gw_eal_args(const struct cfg_gw *c, const char *prog, char **argv,
		    int argv_max, char *buf, size_t buflen)
{
	struct argv_buf a = {argv, 0, argv_max, buf, buflen, 0, 0};
	char lc[CFG_GW_LCORES_MAX * 8] = "";
	int pci = 0, nports = c->dp.one_arm ? 1 : 2;

	for (unsigned i = 0; i < c->nlcores; i++)
		snprintf(lc + strlen(lc), sizeof(lc) - strlen(lc), "%s%u",
			 i ? "," : "", c->lcores[i]);
	arg(&a, "%s", prog);
	arg(&a, "-l");
	arg(&a, "%s", lc);
	arg(&a, "--main-lcore");
	arg(&a, "%u", c->lcores[0]);
	for (int i = 0; i < nports; i++)
		pci |= c->dp.port[i].is_pci;
	if (!pci)
		arg(&a, "--no-pci");
	for (int i = 0; i < nports; i++) {
		arg(&a, c->dp.port[i].is_pci ? "-a" : "--vdev");
		arg(&a, "%s", c->dp.port[i].device);
	}
	switch (c->memory) {
	case CFG_MEM_IN_MEMORY:
		arg(&a, "--in-memory");
		/* fall through */
	case CFG_MEM_HUGEPAGES:
		if (c->socket_mem) {
			arg(&a, "--socket-mem");
			arg(&a, "%u", c->socket_mem);
		}
		break;
	case CFG_MEM_NO_HUGE:
		arg(&a, "--no-huge");
		if (c->socket_mem) {
			arg(&a, "-m");
			arg(&a, "%u", c->socket_mem);
		}
		break;
	}
	/* always: two instances (or a test beside a daemon) never share
	 * their runtime directory */
	arg(&a, "--file-prefix");
	arg(&a, "%s", c->file_prefix);
	/* gate64ctl and the metrics are the telemetry: no DPDK telemetry
	 * socket, one thread fewer keeping privileges (gate64d.c) */
	arg(&a, "--no-telemetry");
	for (unsigned i = 0; i < c->n_eal_extra; i++)
		arg(&a, "%s", c->eal_extra[i]);
	if (a.full)
		return -ENOSPC;
	argv[a.argc] = NULL;
	return a.argc;
}

/* ---- gate64ctl pool4 add|del: the address list edited ---- */

struct p4ent {
	uint32_t net; /* host order */
	int plen;
	int proto; /* -1: every protocol */
	unsigned lo, hi;
};

/* "ADDR[/LEN] [PROTO MIN-MAX]"; 0 or -1 with why. */
static int p4ent_parse(const char *s, struct p4ent *e, const char **why)
{
	char a[64], pr[8], rest[2];
	unsigned lo, hi;
	int k = sscanf(s, " %63s %7s %u-%u %1s", a, pr, &lo, &hi, rest);
	uint32_t n;

	if (k != 1 && k != 4) {
		*why = "write ADDRESS[/LEN] or ADDRESS[/LEN] tcp|udp|icmp "
		       "MIN-MAX";
		return -1;
	}
	if (parse_pfx(a, AF_INET, (uint8_t *)&n, &e->plen, why))
		return -1;
	if (e->plen < 0)
		e->plen = 32;
	e->net = ntohl(n);
	if (e->plen < 32 && (e->net & (~0u >> e->plen))) {
		*why = "not a prefix (host bits set)";
		return -1;
	}
	e->proto = -1;
	if (k == 4) {
		for (int p = 0; p < NAT64_NPROTO; p++)
			if (!strcasecmp(pr, proto_names[p]))
				e->proto = p;
		if (e->proto < 0) {
			*why = "the protocol is tcp, udp or icmp";
			return -1;
		}
		if (lo > hi || hi > 65535) {
			*why = "write the ports as MIN-MAX, MIN <= MAX <= "
			       "65535";
			return -1;
		}
		e->lo = lo;
		e->hi = hi;
	}
	return 0;
}

static uint32_t p4mask(int plen)
{
	return plen ? ~0u << (32 - plen) : 0;
}

/* Append ", ENTRY" (or "ENTRY" first); -1 when out is full. */
static int p4ent_put(char *out, size_t outlen, uint32_t net, int plen,
		     int proto, unsigned lo, unsigned hi)
{
	size_t used = strlen(out);
	char a[INET_ADDRSTRLEN], len[16] = "", pr[32] = "";
	ntop4(htonl(net), a, sizeof(a));
	if (plen < 32)
		snprintf(len, sizeof(len), "/%d", plen);
	if (proto >= 0)
		snprintf(pr, sizeof(pr), " %s %u-%u", proto_names[proto], lo,
			 hi);
	int n = snprintf(out + used, outlen - used, "%s%s%s%s",
			 used ? ", " : "", a, len, pr);
	return n < 0 || (size_t)n >= outlen - used ? -1 : 0;
}

/* What is left of e once the addresses of d are taken out: the sibling
 * prefixes on the way from e down to d (d inside e, longer). */
static int p4ent_split(char *out, size_t outlen, const struct p4ent *e,
		       const struct p4ent *d)
{
	uint32_t sib[32];
	int len[32], n = 0;
	for (int b = e->plen + 1; b <= d->plen; b++, n++) {
		sib[n] = (d->net ^ (1u << (32 - b))) & p4mask(b);
		len[n] = b;
	}
	/* in address order: the siblings below d (their bit clear, from the
	 * widest), then those above (from the narrowest) */
	for (int pass = 0; pass < 2; pass++)
		for (int k = pass ? n - 1 : 0; pass ? k >= 0 : k < n;
		     k += pass ? -1 : 1)
			if ((sib[k] > d->net) == pass &&
			    p4ent_put(out, outlen, sib[k], len[k], e->proto,
				      e->lo, e->hi))
				return -1;
	return 0;
}

int cfg_gw_pool4_edit(const char *cur, int add, const char *item,
		      const char *const ranges[3], char *out, size_t outlen,
		      char *err, size_t errlen)
{
	struct p4ent d;
	const char *why = NULL;
	char buf[1024];

	out[0] = 0;
	if (strchr(item, ',') || p4ent_parse(item, &d, &why)) {
		snprintf(err, errlen, "%s: %s", item,
			 why ? why : "one entry, without commas");
		return -EINVAL;
	}
	if (add) {
		int n = snprintf(out, outlen, "%s%s%s", cur ? cur : "",
				 cur && *cur ? ", " : "", item);
		if (n < 0 || (size_t)n >= outlen) {
			snprintf(err, errlen, "[pool4] address: too long");
			return -EINVAL;
		}
		return 0;
	}
	snprintf(buf, sizeof(buf), "%s", cur ? cur : "");
	int found = 0, full = 0;
	char *save = NULL;
	for (char *t = strtok_r(buf, ",", &save); t && !full;
	     t = strtok_r(NULL, ",", &save)) {
		struct p4ent e;
		t = cfg_trim(t);
		if (p4ent_parse(t, &e, &why)) { /* not ours to judge: kept */
			size_t used = strlen(out);
			int n = snprintf(out + used, outlen - used, "%s%s",
					 used ? ", " : "", t);
			full = n < 0 || (size_t)n >= outlen - used;
			continue;
		}
		int wide = e.plen <= d.plen ? e.plen : d.plen;
		int disjoint = (e.net ^ d.net) & p4mask(wide);
		/* the protocol ranges of e that d takes: all (d has no
		 * protocol), the one d names (e's own range, or the
		 * section's when e is for every protocol), or none */
		int take = d.proto < 0 ||
			   (e.proto == d.proto && e.lo == d.lo && e.hi == d.hi);
		if (!take && e.proto < 0) {
			unsigned lo, hi;
			take =
			    sscanf(ranges[d.proto], "%u-%u", &lo, &hi) == 2 &&
			    lo == d.lo && hi == d.hi;
		}
		if (disjoint || !take) {
			full = p4ent_put(out, outlen, e.net, e.plen, e.proto,
					 e.lo, e.hi);
			continue;
		}
		found = 1;
		/* e (or the part of it outside d) stays as it was */
		if (d.plen > e.plen)
			full = p4ent_split(out, outlen, &e, &d);
		/* e for every protocol, d for one: the other two stay on the
		 * addresses both hold */
		if (e.proto < 0 && d.proto >= 0) {
			struct p4ent in = e.plen > d.plen ? e : d;
			for (int p = 0; p < NAT64_NPROTO && !full; p++) {
				unsigned lo, hi;
				if (p == d.proto)
					continue;
				if (sscanf(ranges[p], "%u-%u", &lo, &hi) != 2)
					lo = 1024, hi = 65535; /* get_range */
				full = p4ent_put(out, outlen, in.net, in.plen,
						 p, lo, hi);
			}
		}
	}
	if (full) {
		snprintf(err, errlen, "[pool4] address: too long");
		return -EINVAL;
	}
	if (!found) {
		snprintf(err, errlen,
			 "%s is not in [pool4] address (%s): nothing to take "
			 "out",
			 item, cur ? cur : "");
		return -EINVAL;
	}
	if (!out[0]) {
		snprintf(err, errlen,
			 "%s is all of [pool4] address: NAT64 needs at least "
			 "one address",
			 item);
		return -EINVAL;
	}
	return 0;
}
