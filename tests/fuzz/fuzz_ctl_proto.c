/*
 * fuzz_ctl_proto.c - libFuzzer target: arbitrary bytes as a control
 * request (control/ctl_proto.h), as from any local client of the socket.
 * ctl_parse runs on an exactly-sized heap copy, so ASan sees a read past
 * len.
 *
 * Invariants checked (abort on violation):
 *  - ctl_parse never reads past len, writes out of bounds or crashes;
 *  - it returns 0 or -1; on -1, err is "error: ..." with no newline;
 *  - on 0: the input holds a newline, cmd is a known command, limit is
 *    1..CTL_PAGE_MAX, proto -1..2, json and has_src 0 or 1, the cursor
 *    worker below 1024;
 *  - parsing the same bytes again gives the same request (no hidden state).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "control/ctl_proto.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#include "tests/fuzz/fuzz_check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ctl_req r, r2;
	char err[256], err2[256];
	char *line = malloc(size ? size : 1);

	if (!line)
		return 0;
	memcpy(line, data, size);
	memset(err, 0, sizeof(err));
	int rc = ctl_parse(line, size, &r, err, sizeof(err));
	CHECK(rc == 0 || rc == -1);
	if (rc) {
		CHECK(!strncmp(err, "error: ", 7));
		CHECK(!strchr(err, '\n'));
	} else {
		CHECK(memchr(line, '\n', size) != NULL);
		CHECK(r.cmd >= CTL_CMD_STATUS && r.cmd <= CTL_CMD_CONFIG_SAVE);
		CHECK(r.nargs <= CTL_ARGS_MAX);
		CHECK(ctl_is_change(r.cmd) || r.nargs == 0);
		for (unsigned i = 0; i < r.nargs; i++)
			CHECK(memchr(r.args[i], 0, sizeof(r.args[i])) &&
			      !strpbrk(r.args[i], "=[];#\""));
		CHECK(r.cmd != CTL_CMD_LOG_LOOKUP ||
		      (r.has_addr4 && r.has_port && r.proto >= 0 && r.time[0]));
		CHECK(r.limit >= 1 && r.limit <= CTL_PAGE_MAX);
		CHECK(r.proto >= -1 && r.proto <= 2);
		CHECK(r.json == 0 || r.json == 1);
		CHECK(r.has_src == 0 || r.has_src == 1);
		CHECK(r.worker < 1024);
	}
	/* the input is const to the parser: the same bytes, the same answer */
	CHECK(!memcmp(line, data, size));
	memset(err2, 0, sizeof(err2));
	CHECK(ctl_parse(line, size, &r2, err2, sizeof(err2)) == rc);
	if (rc)
		CHECK(!strcmp(err, err2));
	else
		CHECK(!memcmp(&r, &r2, sizeof(r)));
	free(line);
	return 0;
}
