"""Where the cores went during one load level: run a command (Locust) and report the CPU seconds each
part of the system used meanwhile, read from /proc (run by bin/loadtest).

    python -m bench.loadtest.cpu OUT.json web=PID worker=PID beat=PID database=PID redis=PID -- locust ...

A part is the process with that pid and all its descendants (gunicorn's workers, PostgreSQL's
backends); a descendant that exits in between has its time counted in its parent's children's
times, so nothing is lost. The command itself (the load generator) is measured by its own rusage.
OUT.json: {"wall": seconds, "parts": {name: cpu seconds}, "load generator": cpu seconds, "cores": n}.
"""

import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

TICK = os.sysconf("SC_CLK_TCK")


def _processes() -> dict[int, tuple[int, float]]:
    """pid -> (parent pid, cpu seconds of it and its reaped children)."""
    found = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue  # gone meanwhile
        fields = stat.rsplit(")", 1)[1].split()  # after the command name, which may hold spaces
        parent = int(fields[1])
        utime, stime, cutime, cstime = (int(value) for value in fields[11:15])
        found[int(entry.name)] = (parent, (utime + stime + cutime + cstime) / TICK)
    return found


def cpu_of(roots: dict[str, int]) -> dict[str, float]:
    processes = _processes()
    children: dict[int, list[int]] = {}
    for pid, (parent, _seconds) in processes.items():
        children.setdefault(parent, []).append(pid)
    totals = {}
    for name, root in roots.items():
        seconds, stack = 0.0, [root]
        while stack:
            pid = stack.pop()
            if pid in processes:
                seconds += processes[pid][1]
                stack.extend(children.get(pid, []))
        totals[name] = seconds
    return totals


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def main(argv: list[str]) -> int:
    out, rest = Path(argv[0]), argv[1:]
    split = rest.index("--")
    roots = {name: int(pid) for name, pid in (part.split("=", 1) for part in rest[:split])}
    command = rest[split + 1 :]
    before, started, earlier = cpu_of(roots), time.monotonic(), _children_cpu()
    returncode = subprocess.call(command)  # noqa: S603  (bin/loadtest's own Locust command line)
    wall = time.monotonic() - started
    after = cpu_of(roots)
    generator = _children_cpu() - earlier  # only the command: not children this process reaped before
    out.write_text(
        json.dumps(
            {
                "wall": round(wall, 2),
                "parts": {name: round(after[name] - before[name], 2) for name in roots},
                "load generator": round(generator, 2),
                "cores": os.cpu_count(),
            }
        )
    )
    return returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
