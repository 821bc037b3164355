#!/usr/bin/env python3
"""Generate the simulated GPU fleet of KubeML's local cluster (KWOK fake nodes).

    fleet.py nodes --count N [--skip FILE]   multi-doc YAML (JSON docs) of the fleet's Node objects,
                                             leaving out the names listed in FILE (already created)
    fleet.py names --count N                 the fleet's node names, one per line
    fleet.py inventory --count N             JSON inventory of every GPU (fleet + the real node),
                                             read by dcgm_exporter.py

Node labels follow NVIDIA GPU Feature Discovery (GFD); the mix is 8x H100 80GB nodes, 8x A100 80GB
nodes with MIG in "mixed" strategy (nvidia.com/mig-1g.10gb, nvidia.com/mig-3g.40gb) and 1x L4 nodes.
Every fleet node is tainted nvidia.com/gpu:NoSchedule and carries kwok.x-k8s.io/node=fake, the
annotation the kwok controller selects on. Python 3 stdlib only.
"""
import argparse
import json
import sys
import uuid

REAL_NODE = "kubeml-node"
REAL_NODE_GPUS = 2

PROFILES = {
    "h100": {
        "product": "NVIDIA-H100-80GB-HBM3",
        "model_name": "NVIDIA H100 80GB HBM3",
        "instance_type": "p5.48xlarge",
        "family": "hopper",
        "compute": ("9", "0"),
        "memory_mib": 81559,
        "gpus": 8,
        "cpu": "192",
        "memory": "2048Gi",
        "mig_capable": "true",
        "mig_strategy": "none",
        "mig": {},
    },
    "a100": {
        "product": "NVIDIA-A100-SXM4-80GB",
        "model_name": "NVIDIA A100-SXM4-80GB",
        "instance_type": "p4de.24xlarge",
        "family": "ampere",
        "compute": ("8", "0"),
        "memory_mib": 81920,
        "gpus": 8,
        "cpu": "96",
        "memory": "1152Gi",
        "mig_capable": "true",
        "mig_strategy": "mixed",
        # mixed strategy: 4 whole GPUs, 2 GPUs split 7x1g.10gb, 2 GPUs split 2x3g.40gb
        "mig": {
            "1g.10gb": {"per_gpu": 7, "gpus": 2, "memory": 9728, "multiprocessors": 14, "slices": 1},
            "3g.40gb": {"per_gpu": 2, "gpus": 2, "memory": 40192, "multiprocessors": 42, "slices": 3},
        },
    },
    "l4": {
        "product": "NVIDIA-L4",
        "model_name": "NVIDIA L4",
        "instance_type": "g6.4xlarge",
        "family": "ada-lovelace",
        "compute": ("8", "9"),
        "memory_mib": 23034,
        "gpus": 1,
        "cpu": "16",
        "memory": "64Gi",
        "mig_capable": "false",
        "mig_strategy": "none",
        "mig": {},
    },
}
# Repeating pattern of the fleet: half H100, a quarter A100 (MIG), a quarter L4.
PATTERN = ["h100", "h100", "a100", "l4"]
ZONES = ["kubeml-zone-a", "kubeml-zone-b", "kubeml-zone-c"]


def fleet(count):
    for i in range(count):
        kind = PATTERN[i % len(PATTERN)]
        yield f"kwok-{kind}-{i:04d}", kind, i


def whole_gpus(profile):
    return profile["gpus"] - sum(m["gpus"] for m in profile["mig"].values())


def node_object(name, kind, i):
    p = PROFILES[kind]
    full = whole_gpus(p)
    labels = {
        "kubernetes.io/hostname": name,
        "kubernetes.io/os": "linux",
        "kubernetes.io/arch": "amd64",
        "type": "kwok",
        "kubeml.dev/fleet": "simulated",
        "kubeml.dev/gpu-kind": kind,
        "node.kubernetes.io/instance-type": p["instance_type"],
        "topology.kubernetes.io/region": "kubeml-local",
        "topology.kubernetes.io/zone": ZONES[i % len(ZONES)],
        "nvidia.com/gpu.present": "true",
        "nvidia.com/gpu.product": p["product"],
        "nvidia.com/gpu.count": str(full),
        "nvidia.com/gpu.memory": str(p["memory_mib"]),
        "nvidia.com/gpu.family": p["family"],
        "nvidia.com/gpu.machine": p["instance_type"],
        "nvidia.com/gpu.compute.major": p["compute"][0],
        "nvidia.com/gpu.compute.minor": p["compute"][1],
        "nvidia.com/gpu.replicas": "1",
        "nvidia.com/gpu.sharing-strategy": "none",
        "nvidia.com/gpu.deploy.device-plugin": "true",
        "nvidia.com/gpu.deploy.dcgm-exporter": "true",
        "nvidia.com/cuda.driver.major": "550",
        "nvidia.com/cuda.driver.minor": "90",
        "nvidia.com/cuda.driver.rev": "07",
        "nvidia.com/cuda.runtime.major": "12",
        "nvidia.com/cuda.runtime.minor": "4",
        "nvidia.com/mig.capable": p["mig_capable"],
        "nvidia.com/mig.strategy": p["mig_strategy"],
    }
    resources = {
        "cpu": p["cpu"],
        "memory": p["memory"],
        "pods": "110",
        "ephemeral-storage": "3500Gi",
        "nvidia.com/gpu": str(full),
    }
    if p["mig"]:
        labels["nvidia.com/mig.config"] = "all-balanced"
        labels["nvidia.com/mig.config.state"] = "success"
    for profile, m in p["mig"].items():
        total = m["per_gpu"] * m["gpus"]
        pre = f"nvidia.com/mig-{profile}"
        labels.update({
            f"{pre}.count": str(total),
            f"{pre}.memory": str(m["memory"]),
            f"{pre}.multiprocessors": str(m["multiprocessors"]),
            f"{pre}.slices.gi": str(m["slices"]),
            f"{pre}.slices.ci": str(m["slices"]),
            f"{pre}.product": f"{p['product']}-MIG-{profile}",
        })
        resources[f"nvidia.com/mig-{profile}"] = str(total)
    return {
        "apiVersion": "v1",
        "kind": "Node",
        "metadata": {
            "name": name,
            "labels": labels,
            "annotations": {"kwok.x-k8s.io/node": "fake", "node.alpha.kubernetes.io/ttl": "0"},
        },
        "spec": {"taints": [{"key": "nvidia.com/gpu", "effect": "NoSchedule"}]},
        "status": {"capacity": resources, "allocatable": dict(resources)},
    }


def gpu_uuid(node, index):
    u = uuid.uuid5(uuid.NAMESPACE_DNS, f"{node}/gpu{index}.kubeml.local")
    return f"GPU-{u}"


def inventory(count):
    nodes = []
    for name, kind, _ in fleet(count):
        p = PROFILES[kind]
        gpus = []
        idx = 0
        for _ in range(whole_gpus(p)):
            gpus.append({"gpu": idx, "uuid": gpu_uuid(name, idx), "mig": None})
            idx += 1
        for profile, m in p["mig"].items():
            for _ in range(m["gpus"]):
                for inst in range(m["per_gpu"]):
                    gpus.append({"gpu": idx, "uuid": gpu_uuid(name, idx), "mig": profile,
                                 "gi": inst + 1, "mig_memory": m["memory"]})
                idx += 1
        nodes.append({"node": name, "kind": kind, "modelName": p["model_name"],
                      "memory_mib": p["memory_mib"], "gpus": gpus})
    l4 = PROFILES["l4"]
    nodes.append({"node": REAL_NODE, "real": True, "kind": "l4", "modelName": l4["model_name"], "memory_mib": l4["memory_mib"],
                  "gpus": [{"gpu": i, "uuid": gpu_uuid(REAL_NODE, i), "mig": None} for i in range(REAL_NODE_GPUS)]})
    return {"nodes": nodes}


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("what", choices=["nodes", "names", "inventory"])
    ap.add_argument("--count", type=int, required=True)
    ap.add_argument("--skip", help="file with node names to leave out (one per line)")
    a = ap.parse_args()
    if a.count < 0:
        ap.error("--count must be >= 0")
    out = sys.stdout
    if a.what == "names":
        for name, _, _ in fleet(a.count):
            out.write(name + "\n")
    elif a.what == "inventory":
        json.dump(inventory(a.count), out)
        out.write("\n")
    else:
        skip = set()
        if a.skip:
            with open(a.skip, encoding="utf-8") as f:
                skip = {line.strip() for line in f if line.strip()}
        for name, kind, i in fleet(a.count):
            if name in skip:
                continue
            out.write("---\n")
            json.dump(node_object(name, kind, i), out, separators=(",", ":"))
            out.write("\n")


if __name__ == "__main__":
    main()
