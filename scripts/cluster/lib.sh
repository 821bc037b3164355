# shellcheck shell=bash
# Shared settings and helpers for scripts/cluster/*.sh. Source it, do not run it.

CLUSTER_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd "$CLUSTER_DIR/../.." && pwd)"

# Pinned upstream versions (keep k8s-build/go.mod and kwok-build/go.mod in step).
K8S_VERSION="v1.33.13"
KWOK_VERSION="v0.7.0"
KUEUE_VERSION="v0.17.0"                    # also scripts/go-tool.sh's default; its module hash is in kueue.sh
TRAINING_OPERATOR_VERSION="v1.8.1"         # Kubeflow training-operator (PyTorchJob); also go-tool.sh's default

KUBEML_CACHE="${KUBEML_CACHE:-$HOME/.cache/kubeml}"
BIN_DIR="$KUBEML_CACHE/bin/k8s-$K8S_VERSION"
KWOK_BIN_DIR="$KUBEML_CACHE/bin/kwok-$KWOK_VERSION"
TOOLS_BIN_DIR="$KUBEML_CACHE/bin/tools"
STATE_DIR="$KUBEML_CACHE/cluster"          # certs, configs, etcd data, logs, pids
PKI_DIR="$STATE_DIR/pki"
LOG_DIR="$STATE_DIR/logs"
PID_DIR="$STATE_DIR/pids"
KUBECONFIG_PATH="$STATE_DIR/kubeconfig"
IMAGES_CACHE="$KUBEML_CACHE/images"
RUN_DIR="/run/kubeml"                      # runtime state (sockets, containerd state)

# Loopback ports (unusual on purpose).
APISERVER_PORT="${KUBEML_APISERVER_PORT:-16443}"
ETCD_PORT="${KUBEML_ETCD_PORT:-12379}"
ETCD_PEER_PORT="${KUBEML_ETCD_PEER_PORT:-12380}"
KCM_PORT=16257
SCHED_PORT=16259
KUBELET_PORT=16250
KUBELET_HEALTHZ_PORT=16248
KWOK_PORT=16280
PROM_PORT="${KUBEML_PROM_PORT:-19090}"
EXPORTER_PORT="${KUBEML_EXPORTER_PORT:-19400}"
KUEUE_WEBHOOK_PORT=16940                   # Kueue: admission and conversion webhooks (https)
KUEUE_VISIBILITY_PORT=16941                # Kueue: visibility API server, behind the API server's aggregator
KUEUE_HEALTH_PORT=16942                    # Kueue: /healthz, /readyz (http)
KUEUE_METRICS_PORT=16943                   # Kueue: /metrics (https, authenticated)
TRAINING_OPERATOR_WEBHOOK_PORT=16950       # training-operator: validating webhooks (https)
TRAINING_OPERATOR_HEALTH_PORT=16951        # training-operator: /healthz, /readyz (http)
TRAINING_OPERATOR_METRICS_PORT=16952       # training-operator: /metrics (http)

NODE_NAME="kubeml-node"
SERVICE_CIDR="10.96.0.0/16"
POD_CIDR="10.244.0.0/24"
CNI_BRIDGE="kubeml0"
CONTAINERD_ROOT="$KUBEML_CACHE/containerd/root"
CONTAINERD_STATE="$RUN_DIR/containerd"
CONTAINERD_SOCK="$RUN_DIR/containerd/containerd.sock"
CNI_CONF_DIR="$STATE_DIR/cni/net.d"
CNI_BIN_DIR="/usr/lib/cni"
KUBELET_ROOT="/var/lib/kubeml-kubelet"

log() { printf '[cluster] %s\n' "$*" >&2; }
die() { printf '[cluster] ERROR: %s\n' "$*" >&2; exit 1; }

# Lean builds on a 2-core machine.
go_env() {
  export GOFLAGS="-trimpath -buildvcs=false -mod=mod"
  export GOMAXPROCS="${GOMAXPROCS:-2}"
  export CGO_ENABLED="${CGO_ENABLED:-0}"
}

# ensure_pkgs CMD:PKG ... : install Debian packages whose command/file is missing (apt-get update once).
_APT_UPDATED=0
ensure_pkgs() {
  local missing=() spec probe pkg
  for spec in "$@"; do
    probe="${spec%%:*}"; pkg="${spec#*:}"
    if [[ "$probe" == /* ]]; then [[ -e "$probe" ]] && continue
    else command -v "$probe" >/dev/null 2>&1 && continue; fi
    missing+=("$pkg")
  done
  ((${#missing[@]})) || return 0
  log "installing Debian packages: ${missing[*]}"
  if [[ $_APT_UPDATED == 0 ]]; then
    DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2 || die "apt-get update failed"
    _APT_UPDATED=1
  fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2 \
    || die "apt-get install ${missing[*]} failed"
}
