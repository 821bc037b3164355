#!/usr/bin/env python3
"""Kubeflow training-operator's ValidatingWebhookConfiguration for KubeML's local cluster, as JSON.

Reads the upstream one from the Go module (manifests/base/webhook/manifests.yaml), keeps the webhooks of
the enabled kinds (the others have no handler when -enable-scheme leaves them out), and points them at
the operator's process: url https://127.0.0.1:PORT/<upstream path> with the CA that signed its serving
certificate. The name is the one the operator's certificate rotator injects its CA into
(pkg/cert/cert.go: validator.training-operator.kubeflow.org).
  training_operator_webhooks.py --module DIR --ca CA.crt --port PORT --kinds pytorchjob
"""
import argparse
import base64
import json
import os
import sys

import yaml

VWC_NAME = "validator.training-operator.kubeflow.org"


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--module", required=True)
    ap.add_argument("--ca", required=True)
    ap.add_argument("--port", required=True, type=int)
    ap.add_argument("--kinds", required=True, help="comma-separated, e.g. pytorchjob")
    args = ap.parse_args()
    path = os.path.join(args.module, "manifests", "base", "webhook", "manifests.yaml")
    with open(path, encoding="utf-8") as f:
        docs = [d for d in yaml.safe_load_all(f) if d]
    vwc = next((d for d in docs if d.get("kind") == "ValidatingWebhookConfiguration"), None)
    if vwc is None:
        print(f"no ValidatingWebhookConfiguration in {path}", file=sys.stderr)
        return 1
    with open(args.ca, "rb") as f:
        ca_bundle = base64.b64encode(f.read()).decode()
    kinds = {k.strip().lower() for k in args.kinds.split(",") if k.strip()}
    hooks = []
    for hook in vwc.get("webhooks", []):
        resources = {r for rule in hook.get("rules", []) for r in rule.get("resources", [])}
        if not any(f"{k}s" in resources for k in kinds):
            continue
        service_path = hook["clientConfig"]["service"]["path"]
        hook["clientConfig"] = {"url": f"https://127.0.0.1:{args.port}{service_path}", "caBundle": ca_bundle}
        hooks.append(hook)
    missing = kinds - {r[:-1] for h in hooks for rule in h.get("rules", []) for r in rule.get("resources", [])}
    if missing:
        print(f"no upstream webhook for {', '.join(sorted(missing))} in {path}", file=sys.stderr)
        return 1
    vwc["metadata"] = {"name": VWC_NAME, "labels": {"app.kubernetes.io/managed-by": "kubeml-cluster"}}
    vwc["webhooks"] = hooks
    json.dump(vwc, sys.stdout)
    print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
