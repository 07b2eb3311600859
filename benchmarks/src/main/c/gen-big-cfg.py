#!/usr/bin/env python3
"""Writes an xl config of at least SIZE bytes (default 1 MiB) to PATH, for P5 of scripts/bench-peers.sh:
strings, numbers, lists of disk specs and comments, a syntax both libxlutil and xlsnap's parser read.
From the team's research scripts (perf/cfg-parse/gen-big-cfg.py)."""
import sys

path = sys.argv[1]
target = int(sys.argv[2]) if len(sys.argv) > 2 else 1 << 20
lines = []
i = size = 0
while size < target:
    k = f"key{i}"
    r = i % 4
    if r == 0:
        line = f'{k} = "value number {i} with some text"\n'
    elif r == 1:
        line = f"{k} = {i * 7}\n"
    elif r == 2:
        line = f"{k} = [ 'format=qcow2, vdev=xvd{i % 26}, target=/srv/xen/img{i}.qcow2', 'b{i}', ]\n"
    else:
        line = f"# comment line {i}\n"
    lines.append(line)
    size += len(line)
    i += 1
with open(path, "w") as out:
    out.write("".join(lines))
