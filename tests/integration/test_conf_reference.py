"""The configuration reference cannot drift from the parser.

Every section and key the parser accepts -- read from the C source itself:
control/cfg_gw.c's `keys_*[]` arrays and its `sections[]` table, and
control/cfg_dns64.c's `known_keys[]` for [dns64] -- must be documented in
docs/man/gate64.conf.5 (in the ".SS [section]" subsection of its section)
and mentioned in conf/gate64.conf (as a key or in a comment;
conf/gate64-dns64.conf counts for [dns64]); the man page must document no
key the parser does not know.  The example file must pass
`gate64d --check`, and the man pages must format without groff warnings.
No root, no network: plain files and one short-lived process."""
import os
import re
import shutil
import subprocess

import pytest

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
CFG_GW = os.path.join(ROOT, "control", "cfg_gw.c")
CFG_DNS64 = os.path.join(ROOT, "control", "cfg_dns64.c")
MAN5 = os.path.join(ROOT, "docs", "man", "gate64.conf.5")
MAN_PAGES = [MAN5, os.path.join(ROOT, "docs", "man", "gate64d.8"),
             os.path.join(ROOT, "docs", "man", "gate64ctl.8")]
CONF = os.path.join(ROOT, "conf", "gate64.conf")
CONF_DNS64 = os.path.join(ROOT, "conf", "gate64-dns64.conf")
GATE64D = os.path.join(ROOT, "build", "gate64d")


def read(path):
    with open(path, encoding="utf-8") as f:
        return f.read()


def strip_c_comments(src):
    src = re.sub(r"/\*.*?\*/", " ", src, flags=re.S)
    return re.sub(r"//[^\n]*", " ", src)


def c_strings(body):
    return re.findall(r'"((?:[^"\\]|\\.)*)"', body)


def parser_sections():
    """{section: set of keys, or None when any key name is allowed}"""
    src = strip_c_comments(read(CFG_GW))
    arrays = {}
    for m in re.finditer(r"static\s+const\s+char\s*\*\s*const\s+(keys_\w+)"
                         r"\s*\[\s*\]\s*=\s*\{(.*?)\}\s*;", src, re.S):
        arrays[m.group(1)] = set(c_strings(m.group(2)))
    assert arrays, "no keys_*[] arrays found in control/cfg_gw.c"
    m = re.search(r"static\s+const\s+struct\s+section\s+sections\s*\[\s*\]"
                  r"\s*=\s*\{(.*?)\}\s*;", src, re.S)
    assert m, "no sections[] table found in control/cfg_gw.c"
    out = {}
    for name, keys in re.findall(r'\{\s*"([^"]+)"\s*,\s*(\w+)\s*\}',
                                 m.group(1)):
        if keys == "NULL":
            out[name] = None
        else:
            assert keys in arrays, "sections[] names unknown array " + keys
            out[name] = arrays[keys]
    assert len(out) >= 10, "sections[] parsed badly: %r" % out
    src = strip_c_comments(read(CFG_DNS64))
    m = re.search(r"known_keys\s*\[\s*\]\s*=\s*\{(.*?)\}\s*;", src, re.S)
    assert m, "no known_keys[] found in control/cfg_dns64.c"
    assert "dns64" in out, "sections[] has no dns64"
    out["dns64"] = set(c_strings(m.group(1)))
    return out


def unquote_roff(word):
    return word.replace("\\-", "-").strip('"')


def man_sections():
    """{section: set of documented keys} from the ".SS [a], [b]"
    subsections of gate64.conf.5; a key is a ".TP" whose tag line starts
    in bold (.B, .BI, .BR); an italic tag (.I, .IB) is a free name."""
    out = {}
    cur = None
    lines = read(MAN5).splitlines()
    for i, line in enumerate(lines):
        if line.startswith(".SH"):
            cur = None
            continue
        if line.startswith(".SS"):
            names = re.findall(r"\[([a-z0-9-]+)\]", line)
            assert names, "subsection without [section]: " + line
            cur = set()
            for n in names:
                assert n not in out, "[%s] documented twice" % n
                out[n] = cur
            continue
        if cur is None or line != ".TP" or i + 1 >= len(lines):
            continue
        tag = lines[i + 1]
        m = re.match(r"\.(B|BI|BR)\s+(.*)", tag)
        if not m:
            continue
        first = unquote_roff(m.group(2)).split()[0]
        first = first.split("=")[0]
        assert re.fullmatch(r"[a-z0-9-]+", first), \
            "man page key tag not a key name: " + tag
        cur.add(first)
    return out


def mentions_word(text, word):
    return re.search(r"(?<![A-Za-z0-9-])%s(?![A-Za-z0-9-])"
                     % re.escape(word), text) is not None


def test_parser_tables_read():
    secs = parser_sections()
    for must in ("gate64", "translator", "eam", "pool4", "nat64",
                 "static-bib", "port6", "port4", "port", "dpdk",
                 "neighbours", "dns64"):
        assert must in secs
    assert "pool6" in secs["translator"]
    assert "listen" in secs["dns64"]
    assert secs["eam"] is None and secs["static-bib"] is None


def test_man_page_documents_every_section_and_key():
    secs = parser_sections()
    man = man_sections()
    missing_secs = sorted(set(secs) - set(man))
    assert not missing_secs, \
        "sections the parser accepts, not in gate64.conf.5: %s" % missing_secs
    missing = sorted("[%s] %s" % (s, k) for s, keys in secs.items()
                     if keys for k in keys - man[s])
    assert not missing, \
        "keys the parser accepts, not in gate64.conf.5: %s" % missing


def test_man_page_documents_nothing_unknown():
    secs = parser_sections()
    man = man_sections()
    unknown_secs = sorted(set(man) - set(secs))
    assert not unknown_secs, \
        "gate64.conf.5 documents sections the parser refuses: %s" \
        % unknown_secs
    unknown = []
    for s, keys in man.items():
        allowed = secs[s] or set()  # free-name sections: no fixed keys
        unknown += ["[%s] %s" % (s, k) for k in sorted(keys - allowed)]
    assert not unknown, \
        "gate64.conf.5 documents keys the parser refuses: %s" % unknown


def test_example_conf_mentions_every_section_and_key():
    secs = parser_sections()
    conf = read(CONF)
    dns = conf + "\n" + read(CONF_DNS64)
    missing = []
    for s, keys in secs.items():
        text = dns if s == "dns64" else conf
        if "[%s]" % s not in text:
            missing.append("[%s]" % s)
        for k in sorted(keys or ()):
            if not mentions_word(text, k):
                missing.append("[%s] %s" % (s, k))
    assert not missing, \
        "not in conf/gate64.conf (nor gate64-dns64.conf for [dns64]): %s" \
        % missing


def test_example_conf_passes_check():
    if not os.path.exists(GATE64D):
        pytest.fail("%s missing: run make" % GATE64D)
    r = subprocess.run([GATE64D, "--check", "-c", CONF],
                       capture_output=True, text=True, timeout=30)
    assert r.returncode == 0, r.stdout + r.stderr
    assert r.stdout.strip() == "%s: OK" % CONF, r.stdout


@pytest.mark.parametrize("page", MAN_PAGES, ids=os.path.basename)
def test_man_page_formats_without_warnings(page):
    groff = shutil.which("groff")
    if not groff:
        pytest.skip("groff missing (apt-get install groff-base)")
    r = subprocess.run([groff, "-man", "-Tutf8", "-ww", "-z", page],
                       capture_output=True, text=True, timeout=30)
    assert r.returncode == 0 and not r.stderr.strip(), r.stderr
