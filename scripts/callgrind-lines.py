#!/usr/bin/python3
"""Top source lines of a callgrind output file by self cost (Ir), for
make bench (scripts/bench-nat64.sh):

    callgrind-lines.py FILE DIVISOR [N]

prints the N (default 10) costliest lines as "Ir/DIVISOR  file:line"
(DIVISOR: the iterations the dump covers, so the figure is per packet).
Inlined code is charged to the line it was inlined from.  Standard
library only."""
import collections
import re
import sys

# name compression: one table per kind (callgrind format manual)
SPACE = {"fl": "file", "fi": "file", "fe": "file", "cfi": "file",
         "cfl": "file", "fn": "fn", "cfn": "fn", "ob": "obj", "cob": "obj"}
SPEC = re.compile(r"^(fl|fi|fe|fn|cfi|cfl|cfn|ob|cob)=\((\d+)\)(?: (.*))?$")
COST = re.compile(r"^([+-]?\d+|\*)\s+(\d+)")


def main():
    path, div = sys.argv[1], float(sys.argv[2])
    top = int(sys.argv[3]) if len(sys.argv) > 3 else 10
    names = {"file": {}, "fn": {}, "obj": {}}
    cost = collections.Counter()
    fl = cur = None  # the function's file; the file of the next costs
    line = 0
    skip = False
    with open(path, encoding="utf-8", errors="replace") as f:
        for raw in f:
            m = SPEC.match(raw.rstrip("\n"))
            if m:
                key, ident, name = m.groups()
                tab = names[SPACE[key]]
                if name is not None:
                    tab[ident] = name
                if key == "fl":
                    fl = cur = tab[ident]
                elif key in ("fi", "fe"):
                    cur = tab[ident]
                elif key == "fn":
                    cur = fl
                continue
            if raw.startswith("calls="):
                skip = True  # the next cost line is the call's, inclusive
                continue
            m = COST.match(raw)
            if not m:
                continue
            pos, ir = m.groups()
            if pos[0] in "+-":
                line += int(pos)
            elif pos != "*":
                line = int(pos)
            if skip:
                skip = False
                continue
            cost[(cur, line)] += int(ir)
    for (name, ln), ir in cost.most_common(top):
        print(f"{ir / div:8.1f}  {name}:{ln}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
