/*
 * ctl_proto.h - the request side of the control protocol
 * (docs/control.md): one line "1 COMMAND [ARGS...]" parsed into a plain
 * struct.  Plain C, no DPDK: the daemon (ctl.c) uses it and the fuzzer
 * (tests/fuzz/fuzz_ctl_proto.c) runs it on arbitrary bytes.
 *
 * Contract: ctl_parse() reads at most len bytes of line (no NUL needed),
 * writes nothing but *r and err; any thread.
 */
#ifndef GATE64_CONTROL_CTL_PROTO_H
#define GATE64_CONTROL_CTL_PROTO_H

#include <stddef.h>
#include <stdint.h>

#define CTL_LINE_MAX 1024u
#define CTL_PAGE_MAX 1000u
#define CTL_VERSION  1u

enum ctl_cmd {
	CTL_CMD_STATUS,
	CTL_CMD_STATS,
	CTL_CMD_SESSION_LIST,
	CTL_CMD_BIB_LIST,
	CTL_CMD_RELOAD, /* a change: writers only (SO_PEERCRED) */
	CTL_CMD_TIMEOUTS_SHOW,
	CTL_CMD_EAM_LIST,
	CTL_CMD_POOL4_LIST,
	CTL_CMD_DNS64_STATS,
	CTL_CMD_LOG_LOOKUP,	 /* addr= port= proto= time= */
	CTL_CMD_SUBSCRIBER_SHOW, /* src= */
	/* changes (writers only), positional arguments in args[] */
	CTL_CMD_TIMEOUTS_SET, /* NAME SECONDS */
	CTL_CMD_EAM_ADD,      /* NAME IPV4/LEN IPV6/LEN */
	CTL_CMD_EAM_DEL,      /* NAME */
	CTL_CMD_BIB_ADD,      /* NAME PROTO IPV6 PORT IPV4 PORT */
	CTL_CMD_BIB_DEL,      /* NAME */
	CTL_CMD_POOL4_ADD,    /* ADDR[/LEN] [PROTO MIN-MAX] */
	CTL_CMD_POOL4_DEL,    /* ADDR[/LEN] [PROTO MIN-MAX] */
	CTL_CMD_CONFIG_SAVE,
};

#define CTL_ARGS_MAX 6

struct ctl_req {
	enum ctl_cmd cmd;
	int json;
	int proto; /* enum nat64_proto, -1: any */
	int has_src;
	uint8_t src[16];
	unsigned worker; /* cursor: where the page starts */
	uint32_t slot;
	uint32_t limit; /* 1..CTL_PAGE_MAX */
	int has_addr4, has_port;
	uint32_t addr4; /* log lookup: network order */
	uint16_t port;
	char time[48];	/* log lookup: RFC 3339 UTC or seconds since 1970 */
	unsigned nargs; /* the positional arguments of a change */
	char args[CTL_ARGS_MAX][64];
};

/* Does the command change the gateway (writers only)? */
int ctl_is_change(enum ctl_cmd cmd);

/* 0, or -1 with err ("error: ..." text for the reply, no newline). */
int ctl_parse(const char *line, size_t len, struct ctl_req *r, char *err,
	      size_t errlen);

#endif
