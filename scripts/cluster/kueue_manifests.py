#!/usr/bin/env python3
"""Kueue's upstream manifests, rewritten for KubeML's local cluster (everything on 127.0.0.1).

    kueue_manifests.py crds       --module DIR ...   the namespace, Kueue's CRDs (conversion webhooks
                                                     of the upstream patches, pointed at 127.0.0.1)
    kueue_manifests.py webhooks   --module DIR ...   Kueue's mutating/validating webhook configurations
    kueue_manifests.py visibility --module DIR ...   the visibility APIServices and their ExternalName Service

Read from the Go module zip of sigs.k8s.io/kueue (config/components/crd, config/components/webhook,
config/components/visibility), which cluster.sh downloads and checks against its pinned hash; the
output (JSON documents) goes to `kubectl apply --server-side -f -`. What changes from upstream:
- clientConfig.service -> clientConfig.url https://127.0.0.1:PORT/PATH with the cluster CA as caBundle
  (Kueue runs as a process of the cluster, not a pod behind a Service);
- webhooks of integrations that are not turned on (pods, deployments, jobsets, ...) are left out:
  Kueue does not serve them, and a pod webhook would stand in front of every pod of the cluster;
- the job webhooks (batch Job, PyTorchJob, RayJob, TrainJob) get an objectSelector on the
  kueue.x-k8s.io/queue-name label: with manageJobsWithoutQueueName false Kueue leaves the other
  jobs alone anyway, and creating them must not depend on Kueue being up;
- Kueue's own webhooks (ClusterQueue, Cohort, ResourceFlavor, Workload) and CRD conversion stay as upstream;
- the visibility Service is an ExternalName 127.0.0.1: the aggregator resolves it to
  https://127.0.0.1:PORT (no kube-proxy here) and checks the serving certificate for
  kueue-visibility-server.kueue-system.svc; the APIServices carry the CA instead of insecureSkipTLSVerify.
Needs PyYAML (Debian python3-yaml).
"""
import argparse
import base64
import json
import os
import sys

import yaml

NAMESPACE = "kueue-system"
PREFIX = "kueue-"  # config/default/kustomization.yaml namePrefix
QUEUE_LABEL = "kueue.x-k8s.io/queue-name"
KUEUE_GROUP = "kueue.x-k8s.io"
# Kueue framework name -> (API group, resource) of its job kind.
FRAMEWORKS = {
    "batch/job": ("batch", "jobs"),
    "kubeflow.org/pytorchjob": ("kubeflow.org", "pytorchjobs"),
    "ray.io/rayjob": ("ray.io", "rayjobs"),
    "trainer.kubeflow.org/trainjob": ("trainer.kubeflow.org", "trainjobs"),
}
VISIBILITY_SERVICE = "kueue-visibility-server"


def load_all(path):
    with open(path, encoding="utf-8") as f:
        return [d for d in yaml.safe_load_all(f) if d]


def component(module, *parts):
    path = os.path.join(module, "config", "components", *parts)
    if not os.path.exists(path):
        sys.exit(f"kueue_manifests: {path} is missing: is {module} sigs.k8s.io/kueue v0.17.x?")
    return path


def url(args, path):
    return {"url": f"https://127.0.0.1:{args.webhook_port}{path}", "caBundle": args.ca_bundle}


def crds(args):
    out = [{"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": NAMESPACE}}]
    kustomization = load_all(component(args.module, "crd", "kustomization.yaml"))[0]
    # The CRDs whose conversion webhook upstream turns on (the patches kustomization.yaml lists).
    conversion = {}
    for patch in kustomization.get("patches", []):
        for doc in load_all(component(args.module, "crd", patch["path"])):
            hook = doc["spec"]["conversion"]["webhook"]
            conversion[doc["metadata"]["name"]] = {
                "strategy": doc["spec"]["conversion"]["strategy"],
                "webhook": {
                    "clientConfig": url(args, hook["clientConfig"]["service"]["path"]),
                    "conversionReviewVersions": hook["conversionReviewVersions"],
                },
            }
    for res in kustomization["resources"]:
        for doc in load_all(component(args.module, "crd", res)):
            name = doc["metadata"]["name"]
            if name in conversion:
                doc["spec"]["conversion"] = conversion.pop(name)
            out.append(doc)
    if conversion:
        sys.exit(f"kueue_manifests: conversion patches for unknown CRDs: {', '.join(conversion)}")
    return out


def _targets(hook):
    return {(g, r) for rule in hook.get("rules", []) for g in rule.get("apiGroups", []) for r in rule.get("resources", [])}


def webhooks(args):
    wanted = {FRAMEWORKS[f]: f for f in args.frameworks}
    found = {}
    out = []
    for doc in load_all(component(args.module, "webhook", "manifests.yaml")):
        kept = []
        for hook in doc.get("webhooks", []):
            targets = _targets(hook)
            own = any(g == KUEUE_GROUP for g, _ in targets)
            jobs = targets & set(wanted)
            if not own and not jobs:
                continue  # an integration that is off (pods, deployments, jobsets, ...)
            hook["clientConfig"] = url(args, hook["clientConfig"]["service"]["path"])
            if jobs:
                selector = hook.setdefault("objectSelector", {})
                selector.setdefault("matchExpressions", []).append({"key": QUEUE_LABEL, "operator": "Exists"})
                for t in jobs:
                    found.setdefault(wanted[t], set()).add(doc["kind"])
            kept.append(hook)
        doc["metadata"]["name"] = PREFIX + doc["metadata"]["name"]
        doc["webhooks"] = kept
        out.append(doc)
    kinds = {"MutatingWebhookConfiguration", "ValidatingWebhookConfiguration"}
    missing = [f for f in args.frameworks if found.get(f) != kinds]
    if missing:
        sys.exit(f"kueue_manifests: upstream has no mutating+validating webhook for {', '.join(missing)}")
    return out


def visibility(args):
    out = [
        {
            "apiVersion": "v1",
            "kind": "Service",
            "metadata": {"name": VISIBILITY_SERVICE, "namespace": NAMESPACE, "labels": {"app.kubernetes.io/name": "kueue"}},
            "spec": {
                "type": "ExternalName",
                "externalName": "127.0.0.1",
                "ports": [{"name": "https", "port": args.visibility_port, "protocol": "TCP"}],
            },
        }
    ]
    kustomization = load_all(component(args.module, "visibility", "kustomization.yaml"))[0]
    for res in kustomization["resources"]:
        for doc in load_all(component(args.module, "visibility", res)):
            if doc["kind"] != "APIService":
                continue  # the RoleBinding is for Kueue's service account; Kueue runs as an admin client here
            spec = doc["spec"]
            spec.pop("insecureSkipTLSVerify", None)
            spec["caBundle"] = args.ca_bundle
            spec["service"] = {"name": VISIBILITY_SERVICE, "namespace": NAMESPACE, "port": args.visibility_port}
            out.append(doc)
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("what", choices=["crds", "webhooks", "visibility"])
    ap.add_argument("--module", required=True, help="Dir of `go mod download -json sigs.k8s.io/kueue@VERSION`")
    ap.add_argument("--ca", required=True, help="PEM file of the CA that signed Kueue's serving certificate")
    ap.add_argument("--webhook-port", type=int, required=True)
    ap.add_argument("--visibility-port", type=int, required=True)
    ap.add_argument("--frameworks", default=",".join(FRAMEWORKS), help="comma-separated Kueue integrations")
    args = ap.parse_args()
    args.frameworks = [f for f in args.frameworks.split(",") if f]
    unknown = [f for f in args.frameworks if f not in FRAMEWORKS]
    if unknown:
        ap.error(f"unknown frameworks {unknown} (known: {', '.join(FRAMEWORKS)})")
    with open(args.ca, "rb") as f:
        args.ca_bundle = base64.b64encode(f.read()).decode()
    for doc in {"crds": crds, "webhooks": webhooks, "visibility": visibility}[args.what](args):
        sys.stdout.write("---\n")
        json.dump(doc, sys.stdout, separators=(",", ":"))
        sys.stdout.write("\n")


if __name__ == "__main__":
    main()
