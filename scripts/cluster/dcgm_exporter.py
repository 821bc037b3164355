#!/usr/bin/env python3
"""A small stand-in for NVIDIA dcgm-exporter, serving simulated GPU metrics for KubeML's local cluster.

    dcgm_exporter.py --inventory FILE [--kubeconfig FILE | --pods-json FILE] [--listen 127.0.0.1] [--port 19400]
    dcgm_exporter.py --inventory FILE [--kubeconfig FILE] --history START END STEP --labels 'job="dcgm-exporter",instance="..."'

The second form prints the same series from START to END (Unix seconds, every STEP seconds) in
OpenMetrics, with the labels Prometheus adds when it scrapes, for `promtool tsdb create-blocks-from
openmetrics`: cluster.sh backfills the time Prometheus was not running, so drift over the last
hours is there on a fresh machine and after a restart.

Serves /metrics (Prometheus text format) on loopback only. For every GPU (or MIG instance) in the
inventory written by fleet.py it exports, with dcgm-exporter's label set
(gpu, UUID, device, modelName, Hostname, DCGM_FI_DRIVER_VERSION, and GPU_I_PROFILE/GPU_I_ID for MIG):

    DCGM_FI_DEV_GPU_UTIL   gauge, GPU utilization (in %)
    DCGM_FI_DEV_FB_USED    gauge, framebuffer memory used (in MiB)
    DCGM_FI_DEV_FB_FREE    gauge, framebuffer memory free (in MiB)
    DCGM_FI_DEV_GPU_TEMP   gauge, GPU temperature (in C)
    DCGM_FI_DEV_POWER_USAGE gauge, power draw (in W)

With --kubeconfig (or --pods-json), every series also has dcgm-exporter's Kubernetes pod mapping labels
`pod`, `namespace` and `container` (empty for a GPU no pod holds), and the values follow the pod that holds
the GPU (gpu_pods.py): 0% and no memory for a GPU no pod holds; on the real node the pod's CPU use as a
proxy (idle or stopped pods read ~0%); on the simulated fleet a busy wave, or the percent in the pod's
annotation kubeml.dev/simulated-gpu-util. Without either, no pod is known and ~70% of the nodes run a
simulated load (the exporter's behaviour before the pod mapping).

plus a model-monitoring gauge kubeml_model_drift_score{model, feature, namespace}. Values are
deterministic functions of (series, time) so tests and dashboards see plausible, moving data.
In --history, a simulated GPU counts as held from its pod's start; a real-node GPU held by a
pod is left out (what the pod did before now is not known). The inventory file is re-read when it changes (the fleet size can change between `cluster up` runs).
Python 3 stdlib only.
"""
import argparse
import calendar
import hashlib
import json
import math
import os
import sys
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import gpu_pods

DRIVER = "550.90.07"
MODELS = {
    "fraud-detector": ["amount", "merchant_category", "hour_of_day", "country"],
    "churn-classifier": ["tenure_months", "monthly_charges", "support_tickets"],
    "resnet50-imagenet": ["brightness", "contrast", "embedding_norm"],
}


def _phase(key):
    return int(hashlib.sha1(key.encode()).hexdigest()[:8], 16) / 0xFFFFFFFF


def _wave(key, now, period=600.0):
    """0..1, smooth and different per series."""
    ph = _phase(key)
    return 0.5 + 0.5 * math.sin(2 * math.pi * (now / (period * (0.5 + ph)) + ph))


class Inventory:
    def __init__(self, path):
        self.path = path
        self.mtime = None
        self.nodes = []

    def get(self):
        try:
            m = os.stat(self.path).st_mtime
        except FileNotFoundError:
            return self.nodes
        if m != self.mtime:
            with open(self.path, encoding="utf-8") as f:
                self.nodes = json.load(f)["nodes"]
            self.mtime = m
        return self.nodes


def _labels(d):
    return "{" + ",".join(f'{k}="{v}"' for k, v in d.items()) + "}"


def _iso_seconds(iso):
    try:
        return calendar.timegm(time.strptime(iso, "%Y-%m-%dT%H:%M:%SZ"))
    except (TypeError, ValueError):
        return 0


def _annotated_util(holder):
    v = holder["annotations"].get(gpu_pods.UTIL_ANNOTATION)
    if v is None:
        return None
    try:
        return min(100.0, max(0.0, float(str(v).strip().rstrip("%"))))
    except ValueError:
        return None


def gpu_values(node, key, total, now, holder, mapping, history=False):
    """(util %, framebuffer used MiB) of one GPU, or None to leave the sample out."""
    if mapping is None:  # no pod mapping: the fleet's simulated load
        w = _wave(key, now)
        busy = _phase(node["node"]) < 0.7  # ~70% of nodes run work
        return round((15 + 80 * w) if busy else 2 * w, 1), int(total * ((0.2 + 0.7 * w) if busy else 0.01))
    if holder is None:
        return 0.0, 0
    if node["node"] in mapping.real_nodes:
        if history:
            return None
        uid = holder["uid"]
        u = round(min(100.0, 100.0 * mapping.activity.cores(uid)), 1)
        return u, int(min(total, mapping.activity.rss_mib(uid) / max(1, holder["gpus"])))
    u = _annotated_util(holder)
    if u is not None:
        return round(u, 1), int(total * (0.1 + 0.6 * u / 100))
    w = _wave(key, now)
    return round(15 + 80 * w, 1), int(total * (0.2 + 0.7 * w))


def render(nodes, now, mapping=None, history=False):
    out = []
    util, used, free, temp, power = [], [], [], [], []
    held = mapping.snapshot() if mapping else {}
    for n in nodes:
        for i, g in enumerate(n["gpus"]):
            lab = {"gpu": str(g["gpu"]), "UUID": g["uuid"], "device": f"nvidia{g['gpu']}",
                   "modelName": n["modelName"], "Hostname": n["node"], "DCGM_FI_DRIVER_VERSION": DRIVER}
            total = n["memory_mib"]
            key = f"{n['node']}/{g['gpu']}"
            if g.get("mig"):
                lab["GPU_I_PROFILE"] = g["mig"]
                lab["GPU_I_ID"] = str(g["gi"])
                key += f"/{g['gi']}"
                total = g["mig_memory"]
            holder = held.get((n["node"], i))
            if holder and history and _iso_seconds(holder["started"]) > now:
                holder = None  # in the past before its pod started: no pod held it
            if mapping is not None:  # as dcgm-exporter: the labels on every series, empty for a GPU no pod holds
                lab["container"] = holder["container"] if holder else ""
                lab["namespace"] = holder["namespace"] if holder else ""
                lab["pod"] = holder["pod"] if holder else ""
            v = gpu_values(n, key, total, now, holder, mapping, history)
            if v is None:
                continue
            u, fb = v
            ls = _labels(lab)
            util.append(f"DCGM_FI_DEV_GPU_UTIL{ls} {u}")
            used.append(f"DCGM_FI_DEV_FB_USED{ls} {fb}")
            free.append(f"DCGM_FI_DEV_FB_FREE{ls} {total - fb}")
            temp.append(f"DCGM_FI_DEV_GPU_TEMP{ls} {int(32 + 45 * u / 100)}")
            power.append(f"DCGM_FI_DEV_POWER_USAGE{ls} {round(60 + 600 * u / 100, 3)}")
    for name, help_, typ, rows in (
        ("DCGM_FI_DEV_GPU_UTIL", "GPU utilization (in %).", "gauge", util),
        ("DCGM_FI_DEV_FB_USED", "Framebuffer memory used (in MiB).", "gauge", used),
        ("DCGM_FI_DEV_FB_FREE", "Framebuffer memory free (in MiB).", "gauge", free),
        ("DCGM_FI_DEV_GPU_TEMP", "GPU temperature (in C).", "gauge", temp),
        ("DCGM_FI_DEV_POWER_USAGE", "Power draw (in W).", "gauge", power),
    ):
        out.append(f"# HELP {name} {help_}")
        out.append(f"# TYPE {name} {typ}")
        out.extend(rows)
    out.append("# HELP kubeml_model_drift_score Population stability index of a model input feature vs. training data.")
    out.append("# TYPE kubeml_model_drift_score gauge")
    for model, feats in MODELS.items():
        for feat in feats:
            w = _wave(f"{model}/{feat}", now, period=1800)
            score = round(0.02 + 0.3 * w ** 3, 4)  # mostly low, now and then above 0.2 (drift)
            out.append(f'kubeml_model_drift_score{{model="{model}",feature="{feat}",namespace="kubeml-demo"}} {score}')
    return "\n".join(out) + "\n"


def history(nodes, start, end, step, extra_labels, out, mapping=None):
    """OpenMetrics for every series of render() at START, START+STEP, ... <= END, family by family."""
    families = {}  # name -> (help/type lines, samples)
    order = []
    t = start
    while t <= end:
        name = None
        for line in render(nodes, t, mapping, history=True).splitlines():
            if line.startswith("# HELP ") or line.startswith("# TYPE "):
                name = line.split(" ")[2]
                if name not in families:
                    families[name] = ([], [])
                    order.append(name)
                if len(families[name][0]) < 2:
                    families[name][0].append(line)
                continue
            metric, value = line.rsplit(" ", 1)
            if extra_labels:
                metric = metric[:-1] + "," + extra_labels + "}" if metric.endswith("}") else metric + "{" + extra_labels + "}"
            families[name][1].append(f"{metric} {value} {t}")
        t += step
    for name in order:
        head, samples = families[name]
        out.write("\n".join(head + samples) + "\n")
    out.write("# EOF\n")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--inventory", required=True)
    ap.add_argument("--listen", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=19400)
    ap.add_argument("--history", nargs=3, type=int, metavar=("START", "END", "STEP"))
    ap.add_argument("--labels", default="", help="labels added to every series in --history (as Prometheus adds job and instance)")
    src = ap.add_mutually_exclusive_group()
    src.add_argument("--kubeconfig", help="label GPUs with the pods that hold them, read from this cluster's API server")
    src.add_argument("--pods-json", help="the same from a PodList file (kubectl get pods -A -o json), for tests")
    a = ap.parse_args()
    inv = Inventory(a.inventory)
    mapping = None
    if a.kubeconfig or a.pods_json:
        try:
            source = gpu_pods.ApiServer(a.kubeconfig) if a.kubeconfig else gpu_pods.FilePods(a.pods_json)
        except (OSError, ValueError) as e:
            sys.exit(f"cannot use {a.kubeconfig or a.pods_json}: {e} (give the cluster's admin kubeconfig, e.g. "
                     "scripts/cluster/cluster.sh kubeconfig)")
        mapping = gpu_pods.PodMapping(source, inv)
    if a.history:
        start, end, step = a.history
        if step <= 0 or end < start:
            sys.exit("--history needs START <= END and STEP > 0")
        if mapping:
            mapping.refresh()
        history(inv.get(), start, end, step, a.labels, sys.stdout, mapping)
        return
    if not a.listen.startswith("127."):
        sys.exit("refusing to listen outside loopback")
    if mapping:
        mapping.start()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            if self.path.split("?")[0] == "/metrics":
                body = render(inv.get(), time.time(), mapping).encode()
                ctype = "text/plain; version=0.0.4; charset=utf-8"
                code = 200
            elif self.path == "/health":
                body, ctype, code = b"ok\n", "text/plain", 200
            else:
                body, ctype, code = b"not found\n", "text/plain", 404
            self.send_response(code)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    ThreadingHTTPServer.allow_reuse_address = True
    srv = ThreadingHTTPServer((a.listen, a.port), Handler)
    print(f"dcgm_exporter.py serving http://{a.listen}:{a.port}/metrics", flush=True)
    srv.serve_forever()


if __name__ == "__main__":
    main()
