/*
 * ctl_proto.c - parsing a control request line (ctl_proto.h).
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "control/ctl_proto.h"
#include "dataplane/xlat/pool4.h"

#define TOK_MAX 16

static const char *const proto_name[NAT64_NPROTO] = {"tcp", "udp", "icmp"};

static int parse_arg(char *t, struct ctl_req *r, char *err, size_t errlen)
{
	char *v = strchr(t, '=');
	if (!strcmp(t, "json")) {
		r->json = 1;
		return 0;
	}
	if (!v) {
		snprintf(err, errlen, "error: unknown argument '%s'", t);
		return -1;
	}
	*v++ = 0;
	if (!strcmp(t, "proto")) {
		r->proto = -1;
		for (int p = 0; p < NAT64_NPROTO; p++)
			if (!strcmp(v, proto_name[p]))
				r->proto = p;
		if (r->proto < 0) {
			snprintf(err, errlen,
				 "error: proto=%s: tcp, udp or icmp", v);
			return -1;
		}
	} else if (!strcmp(t, "src")) {
		if (inet_pton(AF_INET6, v, r->src) != 1) {
			snprintf(err, errlen,
				 "error: src=%s: not an IPv6 address", v);
			return -1;
		}
		r->has_src = 1;
	} else if (!strcmp(t, "cursor")) {
		char *end;
		unsigned long w = strtoul(v, &end, 10), s = 0;
		int ok = end != v && *end == ':';
		if (ok) {
			char *e2;
			s = strtoul(end + 1, &e2, 10);
			ok = e2 != end + 1 && !*e2 && w < 1024 &&
			     s <= 0xffffffffUL;
		}
		if (!ok) {
			snprintf(
			    err, errlen,
			    "error: cursor=%s: WORKER:SLOT as given by the "
			    "last page",
			    v);
			return -1;
		}
		r->worker = (unsigned)w;
		r->slot = (uint32_t)s;
	} else if (!strcmp(t, "addr")) {
		if (inet_pton(AF_INET, v, &r->addr4) != 1) {
			snprintf(err, errlen,
				 "error: addr=%s: not an IPv4 address", v);
			return -1;
		}
		r->has_addr4 = 1;
	} else if (!strcmp(t, "port")) {
		char *end;
		unsigned long l = strtoul(v, &end, 10);
		if (end == v || *end || l > 65535) {
			snprintf(err, errlen, "error: port=%s: 0..65535", v);
			return -1;
		}
		r->port = (uint16_t)l;
		r->has_port = 1;
	} else if (!strcmp(t, "time")) {
		if (strlen(v) >= sizeof(r->time)) {
			snprintf(err, errlen, "error: time=%s: too long", v);
			return -1;
		}
		memcpy(r->time, v, strlen(v) + 1);
	} else if (!strcmp(t, "limit")) {
		char *end;
		unsigned long l = strtoul(v, &end, 10);
		if (end == v || *end || l < 1 || l > CTL_PAGE_MAX) {
			snprintf(err, errlen, "error: limit=%s: 1..%u", v,
				 CTL_PAGE_MAX);
			return -1;
		}
		r->limit = (uint32_t)l;
	} else {
		snprintf(err, errlen, "error: unknown argument '%s'", t);
		return -1;
	}
	return 0;
}

int ctl_parse(const char *line, size_t len, struct ctl_req *r, char *err,
	      size_t errlen)
{
	char buf[CTL_LINE_MAX + 1];
	const char *nl = memchr(line, '\n', len);

	memset(r, 0, sizeof(*r));
	r->proto = -1;
	r->limit = CTL_PAGE_MAX;
	if (!nl) {
		snprintf(err, errlen,
			 len >= CTL_LINE_MAX
			     ? "error: request longer than %u bytes"
			     : "error: no complete request line (%u bytes at "
			       "most, ending in a newline)",
			 CTL_LINE_MAX);
		return -1;
	}
	size_t n = (size_t)(nl - line);
	if (n >= sizeof(buf)) {
		snprintf(err, errlen, "error: request longer than %u bytes",
			 CTL_LINE_MAX);
		return -1;
	}
	memcpy(buf, line, n);
	buf[n] = 0;
	if (memchr(buf, 0, n)) {
		snprintf(err, errlen, "error: a NUL byte in the request");
		return -1;
	}
	char *tok[TOK_MAX], *save = NULL;
	int nt = 0;
	for (char *t = strtok_r(buf, " \t\r", &save); t;
	     t = strtok_r(NULL, " \t\r", &save)) {
		if (nt == TOK_MAX) {
			snprintf(err, errlen,
				 "error: more than %d words in the request",
				 TOK_MAX);
			return -1;
		}
		tok[nt++] = t;
	}
	if (nt < 2 || strcmp(tok[0], "1")) {
		snprintf(err, errlen,
			 "error: protocol version %u: send \"%u COMMAND ...\"",
			 CTL_VERSION, CTL_VERSION);
		return -1;
	}
	/* the grammar as a table (bgpctl's way): one or two words */
	static const struct {
		const char *w1, *w2;
		enum ctl_cmd cmd;
	} cmds[] = {
	    {"status", NULL, CTL_CMD_STATUS},
	    {"stats", NULL, CTL_CMD_STATS},
	    {"reload", NULL, CTL_CMD_RELOAD},
	    {"session", "list", CTL_CMD_SESSION_LIST},
	    {"bib", "list", CTL_CMD_BIB_LIST},
	    {"timeouts", "show", CTL_CMD_TIMEOUTS_SHOW},
	    {"eam", "list", CTL_CMD_EAM_LIST},
	    {"pool4", "list", CTL_CMD_POOL4_LIST},
	    {"dns64", "stats", CTL_CMD_DNS64_STATS},
	    {"log", "lookup", CTL_CMD_LOG_LOOKUP},
	    {"subscriber", "show", CTL_CMD_SUBSCRIBER_SHOW},
	    {"timeouts", "set", CTL_CMD_TIMEOUTS_SET},
	    {"eam", "add", CTL_CMD_EAM_ADD},
	    {"eam", "del", CTL_CMD_EAM_DEL},
	    {"bib", "add", CTL_CMD_BIB_ADD},
	    {"bib", "del", CTL_CMD_BIB_DEL},
	    {"pool4", "add", CTL_CMD_POOL4_ADD},
	    {"pool4", "del", CTL_CMD_POOL4_DEL},
	    {"config", "save", CTL_CMD_CONFIG_SAVE},
	};
	int first = -1;
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		if (strcmp(tok[1], cmds[i].w1))
			continue;
		if (cmds[i].w2 && (nt < 3 || strcmp(tok[2], cmds[i].w2)))
			continue;
		r->cmd = cmds[i].cmd;
		first = cmds[i].w2 ? 3 : 2;
		break;
	}
	if (first < 0) {
		snprintf(
		    err, errlen,
		    "error: unknown command '%s%s%s'; commands: status, "
		    "stats, reload, session list, bib list|add|del, "
		    "timeouts show|set, eam list|add|del, pool4 list|add|del, "
		    "dns64 stats, log lookup, subscriber show, config "
		    "save",
		    tok[1], nt > 2 ? " " : "", nt > 2 ? tok[2] : "");
		return -1;
	}
	static const unsigned want[] = {
	    [CTL_CMD_TIMEOUTS_SET] = 2, [CTL_CMD_EAM_ADD] = 3,
	    [CTL_CMD_EAM_DEL] = 1,	[CTL_CMD_BIB_ADD] = 6,
	    [CTL_CMD_BIB_DEL] = 1,	[CTL_CMD_POOL4_ADD] = 1,
	    [CTL_CMD_POOL4_DEL] = 1,	[CTL_CMD_CONFIG_SAVE] = 0,
	};
	if (ctl_is_change(r->cmd)) { /* positional arguments */
		for (int i = first; i < nt; i++) {
			if (r->nargs == CTL_ARGS_MAX ||
			    strlen(tok[i]) >= sizeof(r->args[0]) ||
			    strpbrk(tok[i], "=[];#\"")) {
				snprintf(err, errlen,
					 "error: argument '%s': too many, too "
					 "long, or with = [ ] ; # \"",
					 tok[i]);
				return -1;
			}
			memcpy(r->args[r->nargs++], tok[i], strlen(tok[i]) + 1);
		}
		int pool4 =
		    r->cmd == CTL_CMD_POOL4_ADD || r->cmd == CTL_CMD_POOL4_DEL;
		if (pool4 && r->nargs != 1 && r->nargs != 3) {
			snprintf(err, errlen,
				 "error: %s %s takes ADDR[/LEN] or ADDR[/LEN] "
				 "tcp|udp|icmp MIN-MAX, not %u arguments",
				 tok[1], tok[2], r->nargs);
			return -1;
		}
		if (!pool4 && r->nargs != want[r->cmd]) {
			snprintf(err, errlen,
				 "error: %s %s takes %u arguments, not %u",
				 tok[1], tok[2], want[r->cmd], r->nargs);
			return -1;
		}
		return 0;
	}
	for (int i = first; i < nt; i++)
		if (parse_arg(tok[i], r, err, errlen))
			return -1;
	if (r->cmd == CTL_CMD_SUBSCRIBER_SHOW && !r->has_src) {
		snprintf(err, errlen,
			 "error: subscriber show needs src=IPV6 (an address "
			 "of the subscriber)");
		return -1;
	}
	if (r->cmd == CTL_CMD_LOG_LOOKUP &&
	    (!r->has_addr4 || !r->has_port || r->proto < 0 || !r->time[0])) {
		snprintf(err, errlen,
			 "error: log lookup needs addr=IPV4 port=PORT "
			 "proto=tcp|udp|icmp time=TIME");
		return -1;
	}
	return 0;
}

int ctl_is_change(enum ctl_cmd cmd)
{
	return cmd == CTL_CMD_RELOAD || cmd == CTL_CMD_TIMEOUTS_SET ||
	       cmd == CTL_CMD_EAM_ADD || cmd == CTL_CMD_EAM_DEL ||
	       cmd == CTL_CMD_BIB_ADD || cmd == CTL_CMD_BIB_DEL ||
	       cmd == CTL_CMD_POOL4_ADD || cmd == CTL_CMD_POOL4_DEL ||
	       cmd == CTL_CMD_CONFIG_SAVE;
}
