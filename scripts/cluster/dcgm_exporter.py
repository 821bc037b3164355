#!/usr/bin/env python3
"""A small stand-in for NVIDIA dcgm-exporter, serving simulated GPU metrics for KubeML's local cluster.

    dcgm_exporter.py --inventory FILE [--listen 127.0.0.1] [--port 19400]
    dcgm_exporter.py --inventory FILE --history START END STEP --labels 'job="dcgm-exporter",instance="..."'

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

plus a model-monitoring gauge kubeml_model_drift_score{model, feature, namespace}. Values are
deterministic functions of (series, time) so tests and dashboards see plausible, moving data.
The inventory file is re-read when it changes (the fleet size can change between `cluster up` runs).
Python 3 stdlib only.
"""
import argparse
import hashlib
import json
import math
import os
import sys
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

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


def render(nodes, now):
    out = []
    util, used, free, temp, power = [], [], [], [], []
    for n in nodes:
        busy = _phase(n["node"]) < 0.7  # ~70% of nodes run work
        for g in n["gpus"]:
            lab = {"gpu": str(g["gpu"]), "UUID": g["uuid"], "device": f"nvidia{g['gpu']}",
                   "modelName": n["modelName"], "Hostname": n["node"], "DCGM_FI_DRIVER_VERSION": DRIVER}
            total = n["memory_mib"]
            key = f"{n['node']}/{g['gpu']}"
            if g.get("mig"):
                lab["GPU_I_PROFILE"] = g["mig"]
                lab["GPU_I_ID"] = str(g["gi"])
                key += f"/{g['gi']}"
                total = g["mig_memory"]
            w = _wave(key, now)
            u = round((15 + 80 * w) if busy else 2 * w, 1)
            fb = int(total * ((0.2 + 0.7 * w) if busy else 0.01))
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


def history(nodes, start, end, step, extra_labels, out):
    """OpenMetrics for every series of render() at START, START+STEP, ... <= END, family by family."""
    families = {}  # name -> (help/type lines, samples)
    order = []
    t = start
    while t <= end:
        name = None
        for line in render(nodes, t).splitlines():
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
    a = ap.parse_args()
    if a.history:
        start, end, step = a.history
        if step <= 0 or end < start:
            sys.exit("--history needs START <= END and STEP > 0")
        history(Inventory(a.inventory).get(), start, end, step, a.labels, sys.stdout)
        return
    if not a.listen.startswith("127."):
        sys.exit("refusing to listen outside loopback")
    inv = Inventory(a.inventory)

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            if self.path.split("?")[0] == "/metrics":
                body = render(inv.get(), time.time()).encode()
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
