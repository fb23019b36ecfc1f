"""The NetworkX side of the path-enumeration benchmark: the peer pathmon is measured against.

path-enumeration.bench.ts writes the graph (an undirected edge list), the endpoints and the cutoff to a
JSON file and runs this script on it with Debian's /usr/bin/python3 (python3-networkx), so both sides
enumerate the very same graph in the same run. It times two ways of taking all_simple_paths, because
the generator alone would flatter NetworkX against pathmon's materialised list and the list alone would
flatter pathmon: counting the generator, and materialising the list. Peak RSS is measured first, before
any timed run raises the process's high-water mark. One JSON object goes to stdout.

Input:  {"edges": [[a, b], ...], "source": s, "target": t, "cutoff": n, "repeats": r, "budgetSeconds": b}
Output: {"networkx", "python", "count", "countSeconds", "listSeconds", "repeats", "listPeakRssDeltaBytes"}
"""
import gc
import json
import os
import platform
import resource
import statistics
import sys
import time

import networkx as nx


def current_rss_bytes():
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def peak_rss_bytes():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # Linux reports KiB


def timed(fn):
    start = time.perf_counter()
    value = fn()
    return value, time.perf_counter() - start


def main(path):
    with open(path) as f:
        spec = json.load(f)
    graph = nx.Graph()
    graph.add_edges_from(spec["edges"])
    source, target, cutoff = spec["source"], spec["target"], spec["cutoff"]

    def count():
        return sum(1 for _ in nx.all_simple_paths(graph, source, target, cutoff=cutoff))

    def materialise():
        return list(nx.all_simple_paths(graph, source, target, cutoff=cutoff))

    gc.collect()
    rss_before = current_rss_bytes()
    listed = materialise()
    list_peak_rss_delta = max(0, peak_rss_bytes() - rss_before)
    list_count = len(listed)
    del listed

    # Repeat up to `repeats` times while the budget lasts; one run is enough when one run is slow.
    count_seconds, list_seconds = [], []
    started = time.perf_counter()
    while len(count_seconds) < spec["repeats"]:
        counted, seconds = timed(count)
        count_seconds.append(seconds)
        listed, seconds = timed(materialise)
        list_seconds.append(seconds)
        if counted != list_count or len(listed) != list_count:
            sys.exit(f"networkx_paths.py: counts differ between runs: {counted}, {len(listed)}, {list_count}")
        del listed
        if time.perf_counter() - started > spec["budgetSeconds"]:
            break

    print(json.dumps({
        "networkx": nx.__version__,
        "python": platform.python_version(),
        "count": list_count,
        "countSeconds": statistics.median(count_seconds),
        "listSeconds": statistics.median(list_seconds),
        "repeats": len(count_seconds),
        "listPeakRssDeltaBytes": list_peak_rss_delta,
    }))


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: networkx_paths.py SPEC.json")
    main(sys.argv[1])
