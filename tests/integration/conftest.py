"""Fixtures of the DNS64 integration tests: an NSD factory (module scope:
one authoritative server per test module) and a gate64-dns64 factory
(function scope).  Both stop what they started, even on failure; only
loopback and pytest's temporary directories are used."""
import os
import subprocess

import pytest

from dns64_util import BIN, DIG, NSD, free_port, start_nsd, stop, \
    wait_answer, write_conf


@pytest.fixture(scope="module")
def nsd_factory(tmp_path_factory):
    """start(zones {name: text}, probe name) -> port of an NSD serving
    them; zone texts are written to a temporary directory."""
    procs = []

    def start(zones, probe):
        for tool in (NSD, DIG):
            if not os.path.exists(tool):
                pytest.fail("%s missing: run scripts/deps.sh (nsd, "
                            "bind9-dnsutils)" % tool)
        d = tmp_path_factory.mktemp("nsd")
        files = {}
        for name, text in zones.items():
            if isinstance(text, str):
                path = d / (name + ".zone")
                path.write_text(text)
            else:
                path = text  # an existing file (a signed zone)
            files[name] = path
        proc, port = start_nsd(d, files)
        procs.append(proc)
        wait_answer(port, probe)
        return port

    yield start
    for p in procs:
        stop(p)


@pytest.fixture
def dns64_factory(tmp_path):
    """start(upstream, extra config lines, probe name) -> (port, process)
    of a gate64-dns64 on 127.0.0.1."""
    procs = []

    def start(upstream, extra="", probe="a-only.example.test"):
        if not os.path.exists(BIN):
            pytest.fail("%s missing: run make" % BIN)
        port = free_port()
        conf = write_conf(tmp_path, port, upstream, extra,
                          name="gate64-%d.conf" % len(procs))
        logp = tmp_path / ("dns64-%d.log" % len(procs))
        log = open(logp, "w")
        proc = subprocess.Popen([BIN, "-c", str(conf)], stdout=log,
                                stderr=subprocess.STDOUT)
        proc.log_path = logp
        log.close()  # the child keeps its own descriptor
        procs.append(proc)
        wait_answer(port, probe)
        return port, proc

    yield start
    for p in procs:
        stop(p)
