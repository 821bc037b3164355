"""Which pod holds which GPU, and what the pod does with it: the Kubernetes pod mapping of dcgm_exporter.py.

The real dcgm-exporter asks the kubelet's pod-resources API which device IDs each container was given and
labels each GPU's series with `pod`, `namespace` and `container` (empty for a GPU no pod holds). The local
cluster has no device plugin (the fleet is KWOK, the real node advertises GPUs it does not have), so the
assignment is made here the way a device plugin would: the pods bound to a node that request
nvidia.com/gpu (or nvidia.com/mig-<profile>) get that node's GPUs (or MIG instances of that profile) in a
stable order (lowest free index first, kept for the pod's life while this process runs; on start, pods
are taken oldest first).

What the pod does:
- on the real node, its cgroup's CPU time (cpuacct.usage / cpu.stat usage_usec) is the proxy: the
  utilisation of each GPU it holds is 100 x the CPU cores it used over the last ~10 s (capped at 100),
  so an idle or SIGSTOPped pod reads ~0% and a training one reads high; memory is its cgroup's RSS;
- on a simulated node, a deterministic busy wave, unless the pod has the annotation
  `kubeml.dev/simulated-gpu-util: "<percent>"` (tests make an idle job with "2").

Pods come from the API server (the cluster's kubeconfig: client certificate, stdlib urllib), listed at
most every few seconds, or from a file (`kubectl get pods -A -o json`, for tests without a cluster).
Python 3 stdlib only.
"""
import atexit
import base64
import glob
import json
import os
import re
import shutil
import ssl
import sys
import tempfile
import threading
import time
import urllib.parse
import urllib.request
from collections import deque

UTIL_ANNOTATION = "kubeml.dev/simulated-gpu-util"
GPU_RESOURCE = "nvidia.com/gpu"
MIG_PREFIX = "nvidia.com/mig-"
REAL_NODE = "kubeml-node"


# ---------------------------------------------------------------- kubeconfig and the API server
def _kubeconfig_fields(text):
    """The first cluster's server/CA and the first user's credentials of a kubeconfig (YAML without a YAML parser:
    the keys are unique in the files cluster.sh writes and in most single-context kubeconfigs)."""
    out = {}
    for key in ("server", "certificate-authority-data", "certificate-authority", "client-certificate-data",
                "client-certificate", "client-key-data", "client-key", "token"):
        m = re.search(rf"^\s*{re.escape(key)}:\s*[\"']?([^\s\"']+)", text, re.M)
        if m:
            out[key] = m.group(1)
    if "server" not in out:
        raise ValueError("no cluster server in the kubeconfig")
    return out


class ApiServer:
    def __init__(self, kubeconfig_path):
        with open(kubeconfig_path, encoding="utf-8") as f:
            k = _kubeconfig_fields(f.read())
        base = os.path.dirname(os.path.abspath(kubeconfig_path))
        rel = lambda p: p if os.path.isabs(p) else os.path.join(base, p)  # noqa: E731
        self.server = k["server"].rstrip("/")
        ctx = ssl.create_default_context()
        if "certificate-authority-data" in k:
            ctx.load_verify_locations(cadata=base64.b64decode(k["certificate-authority-data"]).decode())
        elif "certificate-authority" in k:
            ctx.load_verify_locations(cafile=rel(k["certificate-authority"]))
        if "client-certificate-data" in k or "client-certificate" in k:
            tmp = None
            if "client-certificate-data" in k:
                # ssl loads a client certificate from files only: a private folder, removed on exit.
                tmp = tempfile.mkdtemp(prefix="kubeml-dcgm-")
                atexit.register(shutil.rmtree, tmp, True)
                cert, key = os.path.join(tmp, "client.crt"), os.path.join(tmp, "client.key")
                for path, field in ((cert, "client-certificate-data"), (key, "client-key-data")):
                    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
                    with os.fdopen(fd, "wb") as f:
                        f.write(base64.b64decode(k[field]))
            else:
                cert, key = rel(k["client-certificate"]), rel(k["client-key"])
            ctx.load_cert_chain(cert, key)
        self.ctx = ctx
        self.token = k.get("token")

    def get(self, path, params=None, timeout=10):
        url = self.server + path + ("?" + urllib.parse.urlencode(params) if params else "")
        req = urllib.request.Request(url, headers={"Accept": "application/json"})
        if self.token:
            req.add_header("Authorization", "Bearer " + self.token)
        with urllib.request.urlopen(req, context=self.ctx, timeout=timeout) as r:
            return json.load(r)

    def bound_pods(self):
        """Pods bound to a node and not finished (the ones that hold devices)."""
        body = self.get("/api/v1/pods", {"fieldSelector": "spec.nodeName!=,status.phase!=Succeeded,status.phase!=Failed"})
        return body.get("items", [])


class FilePods:
    """Pods from a JSON file (a PodList, e.g. `kubectl get pods -A -o json`), re-read when it changes."""

    def __init__(self, path):
        self.path = path

    def bound_pods(self):
        with open(self.path, encoding="utf-8") as f:
            items = json.load(f).get("items", [])
        return [p for p in items if p.get("spec", {}).get("nodeName")
                and p.get("status", {}).get("phase") not in ("Succeeded", "Failed")]


# ---------------------------------------------------------------- assignment
def _requests(pod):
    """[(container, resource, count)] of the GPU resources each (regular) container asks for."""
    out = []
    for c in pod.get("spec", {}).get("containers", []):
        res = c.get("resources", {})
        asked = dict(res.get("requests") or {})
        asked.update(res.get("limits") or {})  # extended resources: limits == requests, either may be given
        for r, v in asked.items():
            if r == GPU_RESOURCE or r.startswith(MIG_PREFIX):
                try:
                    n = int(str(v))
                except ValueError:
                    continue
                if n > 0:
                    out.append((c.get("name", ""), r, n))
    return out


def _slot_kind(gpu):
    return MIG_PREFIX + gpu["mig"] if gpu.get("mig") else GPU_RESOURCE


def _started(pod):
    md = pod.get("metadata", {})
    return (pod.get("status", {}).get("startTime") or md.get("creationTimestamp") or "", md.get("namespace", ""), md.get("name", ""))


class Assigner:
    """Stable device assignment per node: pod uid -> slots (indices into the node's inventory gpus)."""

    def __init__(self):
        self.held = {}  # (node, slot) -> holder dict
        self.by_pod = {}  # uid -> [(node, slot)]

    def update(self, nodes, pods):
        inv = {n["node"]: n for n in nodes}
        live = {p["metadata"]["uid"]: p for p in pods if p.get("metadata", {}).get("uid")}
        for uid in [u for u in self.by_pod if u not in live]:
            for key in self.by_pod.pop(uid):
                self.held.pop(key, None)
        for pod in sorted(live.values(), key=_started):
            uid = pod["metadata"]["uid"]
            node = inv.get(pod["spec"].get("nodeName"))
            if uid in self.by_pod or node is None:
                continue
            keys = []
            for container, resource, count in _requests(pod):
                free = [i for i, g in enumerate(node["gpus"]) if _slot_kind(g) == resource and (node["node"], i) not in self.held]
                for i in free[:count]:  # more asked than the node has: the scheduler would not have bound it
                    key = (node["node"], i)
                    self.held[key] = {
                        "pod": pod["metadata"]["name"], "namespace": pod["metadata"].get("namespace", ""),
                        "container": container, "uid": uid,
                        "annotations": pod["metadata"].get("annotations") or {},
                        "started": _started(pod)[0], "gpus": 0,
                    }
                    keys.append(key)
            for key in keys:
                self.held[key]["gpus"] = len(keys)
            self.by_pod[uid] = keys
        return dict(self.held)


# ---------------------------------------------------------------- what a pod on the real node does
CGROUP_ROOT = "/sys/fs/cgroup"


def _pod_cgroup_dirs(uid, controller):
    """The pod's cgroup folder for a v1 controller (cpuacct, memory) or v2 (unified), cgroupfs or systemd driver."""
    under = uid.replace("-", "_")
    pats = []
    for root in (f"{CGROUP_ROOT}/{controller}", CGROUP_ROOT, f"{CGROUP_ROOT}/unified"):
        pats += [f"{root}/kubepods/pod{uid}", f"{root}/kubepods/*/pod{uid}",
                 f"{root}/kubepods.slice/kubepods-pod{under}.slice", f"{root}/kubepods.slice/*/kubepods-*-pod{under}.slice"]
    for p in pats:
        for d in glob.glob(p):
            if os.path.isdir(d):
                return d
    return None


def _read_int(path):
    with open(path, encoding="ascii") as f:
        return int(f.read().split()[0])


def _stat_field(path, name):
    with open(path, encoding="ascii") as f:
        for line in f:
            k, _, v = line.partition(" ")
            if k == name:
                return int(v)
    return None


def cpu_seconds(uid):
    """CPU seconds the pod's cgroup has used, or None when it cannot be read."""
    d = _pod_cgroup_dirs(uid, "cpuacct")
    try:
        if d and os.path.exists(d + "/cpuacct.usage"):
            return _read_int(d + "/cpuacct.usage") / 1e9
        if d and os.path.exists(d + "/cpu.stat"):
            v = _stat_field(d + "/cpu.stat", "usage_usec")
            return None if v is None else v / 1e6
    except (OSError, ValueError):
        pass
    return None


def rss_mib(uid):
    d = _pod_cgroup_dirs(uid, "memory")
    try:
        if d and os.path.exists(d + "/memory.stat"):
            v = _stat_field(d + "/memory.stat", "total_rss")
            if v is None:
                v = _stat_field(d + "/memory.stat", "anon")
            return None if v is None else v / 2**20
    except (OSError, ValueError):
        pass
    return None


class PodActivity:
    """CPU cores and RSS of the real node's GPU pods, sampled every `every` s, rates over the last `window` s."""

    def __init__(self, window=10.0):
        self.window = window
        self.samples = {}  # uid -> deque[(t, cpu_seconds)]
        self.rss = {}
        self.lock = threading.Lock()

    def sample(self, uids, now=None):
        now = time.monotonic() if now is None else now
        with self.lock:
            for uid in list(self.samples):
                if uid not in uids:
                    del self.samples[uid]
                    self.rss.pop(uid, None)
            for uid in uids:
                c = cpu_seconds(uid)
                if c is None:
                    continue
                q = self.samples.setdefault(uid, deque())
                q.append((now, c))
                while len(q) > 2 and now - q[1][0] >= self.window:
                    q.popleft()
                m = rss_mib(uid)
                if m is not None:
                    self.rss[uid] = m

    def cores(self, uid):
        with self.lock:
            q = self.samples.get(uid)
            if not q or len(q) < 2 or q[-1][0] <= q[0][0]:
                return 0.0
            return max(0.0, (q[-1][1] - q[0][1]) / (q[-1][0] - q[0][0]))

    def rss_mib(self, uid):
        with self.lock:
            return self.rss.get(uid, 0.0)


# ---------------------------------------------------------------- the mapping the exporter reads
class PodMapping:
    """Refreshes pods (every `ttl` s) and the real node's pod activity in a background thread."""

    def __init__(self, source, inventory, ttl=5.0, every=2.0):
        self.source, self.inventory = source, inventory
        self.ttl, self.every = ttl, every
        self.assigner = Assigner()
        self.activity = PodActivity()
        self.held = {}
        self.pods_at = 0.0
        self.error = None
        self.lock = threading.Lock()

    @property
    def real_nodes(self):
        """The nodes whose pods really run (the inventory marks them "real"; fleet.py's kubeml-node)."""
        return {n["node"] for n in self.inventory.get() if n.get("real") or n["node"] == REAL_NODE}

    def refresh(self):
        now = time.monotonic()
        if now - self.pods_at >= self.ttl or not self.pods_at:
            try:
                pods = self.source.bound_pods()
                held = self.assigner.update(self.inventory.get(), pods)
                with self.lock:
                    self.held = held
                if self.error:
                    print("dcgm_exporter.py: reading pods works again", file=sys.stderr, flush=True)
                self.error = None
            except Exception as e:  # keep the last known pods; say it once per kind of failure
                msg = f"{type(e).__name__}: {e}"
                if msg != self.error:
                    print(f"dcgm_exporter.py: cannot read pods ({msg}); keeping the last known assignment", file=sys.stderr, flush=True)
                self.error = msg
            self.pods_at = now
        real = self.real_nodes
        with self.lock:
            uids = {h["uid"] for (node, _), h in self.held.items() if node in real}
        self.activity.sample(uids)

    def start(self):
        self.refresh()

        def loop():
            while True:
                time.sleep(self.every)
                self.refresh()

        threading.Thread(target=loop, name="pod-mapping", daemon=True).start()
        return self

    def snapshot(self):
        with self.lock:
            return dict(self.held)
