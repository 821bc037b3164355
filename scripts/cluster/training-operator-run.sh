#!/usr/bin/env bash
# Runs Kubeflow training-operator in a private mount namespace (started by training-operator.sh through
# `unshare --mount --propagation private`): its webhook server reads its certificate from the fixed
# /tmp/k8s-webhook-server/serving-certs (pkg/cert/cert.go), where a pod would mount its Secret. A tmpfs
# there, seen only by this process, holds a copy of the serving certificate; nothing is written on the host.
#   training-operator-run.sh CERT KEY -- TRAINING-OPERATOR ARGS...
set -euo pipefail
cert="$1" key="$2"
shift 2
[[ "${1:-}" == -- ]] && shift
(($#)) || { echo "usage: training-operator-run.sh CERT KEY -- TRAINING-OPERATOR ARGS..." >&2; exit 2; }
dir=/tmp/k8s-webhook-server
mkdir -p "$dir"
mount -t tmpfs -o mode=700,size=1m training-operator-certs "$dir"
mkdir -p "$dir/serving-certs"
install -m 0644 "$cert" "$dir/serving-certs/tls.crt"
install -m 0600 "$key" "$dir/serving-certs/tls.key"
exec "$@"
