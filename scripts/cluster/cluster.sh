#!/usr/bin/env bash
# KubeML local Kubernetes cluster: upstream control plane + one real node (kubelet/containerd) +
# a simulated GPU fleet (KWOK) + ML CRDs + Prometheus with a DCGM-style exporter. All on 127.0.0.1.
#
#   scripts/cluster/cluster.sh up          build/install what is missing, start everything (idempotent)
#   scripts/cluster/cluster.sh down        stop everything; leaves no process, mount, netdev or iptables rule
#   scripts/cluster/cluster.sh down --purge  same, and delete the cluster's state (a fresh cluster next time)
#   scripts/cluster/cluster.sh status      show components, nodes and URLs (exit 1 if not fully up)
#   scripts/cluster/cluster.sh kubeconfig  print the admin kubeconfig path (nothing else)
#   scripts/cluster/cluster.sh mounts [DIR...]  list the mounts down removes (in and of the cluster's folders, or DIRs)
#
# Environment: KUBEML_CACHE (default ~/.cache/kubeml), KUBEML_GPU_NODES (simulated GPU nodes, default 6).
# Must run as root (kubelet, containerd, CNI). See scripts/cluster/README.md.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
source "$CLUSTER_DIR/pki.sh"
source "$CLUSTER_DIR/kueue.sh"
source "$CLUSTER_DIR/training-operator.sh"

GPU_NODES="${KUBEML_GPU_NODES:-6}"
REAL_NODE_GPUS=2
DEMO_NAMESPACE="kubeml-demo"
STATUS_FILE="$STATE_DIR/status.env"

KUBECTL="$BIN_DIR/kubectl"
PYTHON="/usr/bin/python3"; [[ -x "$PYTHON" ]] || PYTHON="$(command -v python3 || echo python3)"
kc() { "$KUBECTL" --kubeconfig "$KUBECONFIG_PATH" "$@"; }
ctr_() { ctr --address "$CONTAINERD_SOCK" "$@"; }

# ---------------------------------------------------------------- processes
pid_of() {  # NAME -> pid if alive and still the same program (its command line contains $PID_DIR/NAME.match)
  local f="$PID_DIR/$1.pid" pid
  [[ -s "$f" ]] || return 1
  pid="$(cat "$f")"
  alive "$pid" || return 1
  grep -qaF -- "$(cat "$PID_DIR/$1.match" 2>/dev/null || echo "?")" "/proc/$pid/cmdline" 2>/dev/null || return 1
  echo "$pid"
}
running() {  # NAME: alive and the same program; a process in the middle of exec'ing (its command line
  # not yet the new one, as under unshare -> env -> bash -> the binary) gets a second look
  pid_of "$1" >/dev/null && return 0
  [[ -s "$PID_DIR/$1.pid" ]] && alive "$(cat "$PID_DIR/$1.pid")" || return 1
  sleep 0.2
  pid_of "$1" >/dev/null
}

start_daemon() {  # NAME BINARY ARGS... (detached, own session, log in $LOG_DIR/NAME.log)
  local name="$1" match="$2" cmdline; shift
  cmdline="$(printf '%q ' "$@")"
  if running "$name"; then
    # Same command line: keep it. Changed (e.g. this script was upgraded): restart it.
    [[ "$(cat "$PID_DIR/$name.cmd" 2>/dev/null)" == "$cmdline" ]] && return 0
    log "command line of $name changed: restarting it"
    stop_daemon 30 "$name"
  fi
  mkdir -p "$PID_DIR" "$LOG_DIR"
  printf '%s' "$cmdline" > "$PID_DIR/$name.cmd"
  log "starting $name"
  # An interpreter's command line is recognised by its script (argument 1), a binary by its path,
  # a program started through a wrapper that exec's it by DAEMON_MATCH (e.g. unshare ... kueue).
  [[ "$(basename "$1")" == python3* ]] && match="$2"
  [[ -n "${DAEMON_MATCH:-}" ]] && match="$DAEMON_MATCH"
  printf '%s' "$match" > "$PID_DIR/$name.match"
  setsid nohup "$@" >> "$LOG_DIR/$name.log" 2>&1 < /dev/null &
  echo $! > "$PID_DIR/$name.pid"
}

alive() {  # PID: running and not a zombie (daemons are re-parented to an init that may reap late)
  local st
  st="$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null)" || return 1
  [[ -n "$st" && "$st" != Z && "$st" != X ]]
}

stop_daemon() {  # [SECONDS] NAME... : SIGTERM all of them at once, SIGKILL what is left after SECONDS
  local wait=20 name pid i pids=() left
  [[ "$1" =~ ^[0-9]+$ ]] && { wait="$1"; shift; }
  for name in "$@"; do
    if pid="$(pid_of "$name")"; then kill -TERM "$pid" 2>/dev/null || true; pids+=("$name:$pid"); fi
    rm -f "$PID_DIR/$name.pid"
  done
  for ((i = 0; i < wait * 10; i++)); do
    left=0
    for pid in "${pids[@]}"; do alive "${pid#*:}" && left=1; done
    ((left)) || return 0
    sleep 0.1
  done
  for pid in "${pids[@]}"; do
    if alive "${pid#*:}"; then log "${pid%%:*} did not stop in ${wait}s, killing"; kill -KILL "${pid#*:}" 2>/dev/null || true; fi
  done
  sleep 0.3
}

wait_for() {  # DESCRIPTION TIMEOUT_S COMMAND...
  local what="$1" timeout="$2" t0=$SECONDS; shift 2
  until "$@" >/dev/null 2>&1; do
    if ((SECONDS - t0 > timeout)); then die "timed out after ${timeout}s waiting for $what (logs: $LOG_DIR)"; fi
    sleep 0.5
  done
}

https_ok() {  # URL (admin client cert)
  curl -sf --max-time 3 --cacert "$PKI_DIR/ca.crt" --cert "$PKI_DIR/admin.crt" --key "$PKI_DIR/admin.key" "$1"
}

# ---------------------------------------------------------------- prerequisites
ensure_prereqs() {
  [[ $EUID == 0 ]] || die "must run as root (kubelet, containerd and CNI need it)"
  ensure_pkgs containerd:containerd runc:runc "$CNI_BIN_DIR/bridge:containernetworking-plugins" \
    etcd:etcd-server umoci:umoci debootstrap:debootstrap prometheus:prometheus iptables:iptables \
    conntrack:conntrack socat:socat openssl:openssl curl:curl python3:python3 mount:mount ip:iproute2 \
    unshare:util-linux /usr/lib/python3/dist-packages/yaml/__init__.py:python3-yaml
  command -v go >/dev/null || die "Go toolchain not found: it builds Kubernetes, kwok, Kueue and the pause image"
  mkdir -p "$STATE_DIR" "$LOG_DIR" "$PID_DIR"
  kueue_build_start  # in the background, beside the other cold builds; ensure_kueue waits for it
  training_operator_build_start  # likewise (ensure_training_operator waits)
  if [[ ! -x "$BIN_DIR/kube-apiserver" || ! -x "$BIN_DIR/kubelet" || ! -x "$BIN_DIR/kubectl" ||
        ! -x "$BIN_DIR/kube-controller-manager" || ! -x "$BIN_DIR/kube-scheduler" || ! -x "$BIN_DIR/kubeml-cri" ]]; then
    log "Kubernetes $K8S_VERSION binaries not cached in $BIN_DIR: building from upstream (cold, ~10 min total)"
    "$CLUSTER_DIR/build-k8s.sh"
  fi
  [[ -x "$KWOK_BIN_DIR/kwok" ]] || "$CLUSTER_DIR/build-kwok.sh"
}

# ---------------------------------------------------------------- control plane
start_etcd() {
  start_daemon etcd "$(command -v etcd)" --name kubeml --data-dir "$STATE_DIR/etcd" \
    --listen-client-urls "http://127.0.0.1:$ETCD_PORT" --advertise-client-urls "http://127.0.0.1:$ETCD_PORT" \
    --listen-peer-urls "http://127.0.0.1:$ETCD_PEER_PORT" --initial-advertise-peer-urls "http://127.0.0.1:$ETCD_PEER_PORT" \
    --initial-cluster "kubeml=http://127.0.0.1:$ETCD_PEER_PORT" --initial-cluster-state new \
    --quota-backend-bytes 4294967296 --snapshot-count 10000 --log-level warn
  wait_for "etcd" 60 curl -sf --max-time 2 "http://127.0.0.1:$ETCD_PORT/health"
}

start_apiserver() {
  start_daemon kube-apiserver "$BIN_DIR/kube-apiserver" \
    --bind-address=127.0.0.1 --secure-port="$APISERVER_PORT" --advertise-address=127.0.0.1 \
    --etcd-servers="http://127.0.0.1:$ETCD_PORT" \
    --client-ca-file="$PKI_DIR/ca.crt" \
    --tls-cert-file="$PKI_DIR/apiserver.crt" --tls-private-key-file="$PKI_DIR/apiserver.key" \
    --kubelet-client-certificate="$PKI_DIR/apiserver-kubelet-client.crt" \
    --kubelet-client-key="$PKI_DIR/apiserver-kubelet-client.key" \
    --kubelet-certificate-authority="$PKI_DIR/ca.crt" --kubelet-preferred-address-types=InternalIP,Hostname \
    --service-account-issuer=https://kubernetes.default.svc.cluster.local \
    --service-account-key-file="$PKI_DIR/sa.pub" --service-account-signing-key-file="$PKI_DIR/sa.key" \
    --service-cluster-ip-range="$SERVICE_CIDR" --endpoint-reconciler-type=none \
    --authorization-mode=Node,RBAC --enable-admission-plugins=NodeRestriction --allow-privileged=true \
    --requestheader-client-ca-file="$PKI_DIR/front-proxy-ca.crt" --requestheader-allowed-names=front-proxy-client \
    --requestheader-username-headers=X-Remote-User --requestheader-group-headers=X-Remote-Group \
    --requestheader-extra-headers-prefix=X-Remote-Extra- \
    --proxy-client-cert-file="$PKI_DIR/front-proxy-client.crt" --proxy-client-key-file="$PKI_DIR/front-proxy-client.key" \
    --max-requests-inflight=800 --max-mutating-requests-inflight=400 --profiling=false --v=1
  wait_for "kube-apiserver /readyz" 120 https_ok "https://127.0.0.1:$APISERVER_PORT/readyz"
}

controllers_settled() {  # a new namespace gets its default ServiceAccount: the controller-manager watches again
  local ns="kubeml-settle-$RANDOM$RANDOM"
  kc create namespace "$ns" >/dev/null
  wait_for "kube-controller-manager to reconnect" 120 kc -n "$ns" get serviceaccount default
  kc delete namespace "$ns" --wait=false >/dev/null
}

start_controllers() {
  start_daemon kube-controller-manager "$BIN_DIR/kube-controller-manager" \
    --kubeconfig="$STATE_DIR/controller-manager.kubeconfig" \
    --authentication-kubeconfig="$STATE_DIR/controller-manager.kubeconfig" \
    --authorization-kubeconfig="$STATE_DIR/controller-manager.kubeconfig" \
    --bind-address=127.0.0.1 --secure-port="$KCM_PORT" --leader-elect=false \
    --service-account-private-key-file="$PKI_DIR/sa.key" --root-ca-file="$PKI_DIR/ca.crt" \
    --cluster-signing-cert-file="$PKI_DIR/ca.crt" --cluster-signing-key-file="$PKI_DIR/ca.key" \
    --use-service-account-credentials=true --service-cluster-ip-range="$SERVICE_CIDR" \
    --node-monitor-grace-period=150s \
    --kube-api-qps=100 --kube-api-burst=200 --profiling=false --v=1
  start_daemon kube-scheduler "$BIN_DIR/kube-scheduler" \
    --kubeconfig="$STATE_DIR/scheduler.kubeconfig" \
    --authentication-kubeconfig="$STATE_DIR/scheduler.kubeconfig" \
    --authorization-kubeconfig="$STATE_DIR/scheduler.kubeconfig" \
    --bind-address=127.0.0.1 --secure-port="$SCHED_PORT" --leader-elect=false \
    --kube-api-qps=100 --kube-api-burst=200 --profiling=false --v=1
  wait_for "kube-controller-manager /healthz" 60 curl -skf --max-time 2 "https://127.0.0.1:$KCM_PORT/healthz"
  wait_for "kube-scheduler /healthz" 60 curl -skf --max-time 2 "https://127.0.0.1:$SCHED_PORT/healthz"
}

# ---------------------------------------------------------------- real node: containerd + CNI + kubelet
write_node_configs() {
  local pause_ref="$1"
  mkdir -p "$CNI_CONF_DIR" "$STATE_DIR/cni/ipam" "$CONTAINERD_ROOT" "$CONTAINERD_STATE" "$KUBELET_ROOT"
  # Pods live on an isolated bridge: no gateway address, no default route, no masquerade and no
  # iptables rules, so they can talk to each other and nothing else. exec/logs/port-forward go
  # through the kubelet and containerd, not through the pod network.
  cat > "$CNI_CONF_DIR/10-kubeml.conflist" <<EOF
{
  "cniVersion": "1.0.0",
  "name": "kubeml",
  "plugins": [
    {
      "type": "bridge",
      "bridge": "$CNI_BRIDGE",
      "isGateway": false,
      "ipMasq": false,
      "hairpinMode": true,
      "ipam": {
        "type": "host-local",
        "ranges": [[{ "subnet": "$POD_CIDR" }]],
        "dataDir": "$STATE_DIR/cni/ipam"
      }
    }
  ]
}
EOF
  cat > "$STATE_DIR/containerd.toml.tmp" <<EOF
# Private containerd of KubeML's local cluster (generated by scripts/cluster/cluster.sh).
version = 2
root = "$CONTAINERD_ROOT"
state = "$CONTAINERD_STATE"
disabled_plugins = ["io.containerd.snapshotter.v1.aufs", "io.containerd.snapshotter.v1.btrfs",
  "io.containerd.snapshotter.v1.devmapper", "io.containerd.snapshotter.v1.zfs", "io.containerd.tracing.processor.v1.otlp"]

[grpc]
  address = "$CONTAINERD_SOCK"
[ttrpc]
  address = "$CONTAINERD_SOCK.ttrpc"
[debug]
  address = ""
[metrics]
  address = ""

[plugins."io.containerd.internal.v1.opt"]
  path = "$KUBEML_CACHE/containerd/opt"
[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "$pause_ref"
  stream_server_address = "127.0.0.1"
  stream_server_port = "0"
  enable_selinux = false
  max_container_log_line_size = 16384
  # This machine drops CAP_SYS_RESOURCE: runc cannot lower oom_score_adj below its own (the
  # sandbox asks for -998), so clamp container scores to containerd's own, as rootless setups do.
  restrict_oom_score_adj = true
  [plugins."io.containerd.grpc.v1.cri".containerd]
    snapshotter = "overlayfs"
    default_runtime_name = "runc"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
        SystemdCgroup = false
        Root = "$RUN_DIR/runc"
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "$CNI_BIN_DIR"
    conf_dir = "$CNI_CONF_DIR"
    max_conf_num = 1
EOF
  cat > "$STATE_DIR/kubelet-config.yaml.tmp" <<EOF
apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
address: 127.0.0.1
port: $KUBELET_PORT
readOnlyPort: 0
healthzBindAddress: 127.0.0.1
healthzPort: $KUBELET_HEALTHZ_PORT
tlsCertFile: $PKI_DIR/kubelet-serving.crt
tlsPrivateKeyFile: $PKI_DIR/kubelet-serving.key
authentication:
  anonymous: {enabled: false}
  webhook: {enabled: true}
  x509: {clientCAFile: $PKI_DIR/ca.crt}
authorization:
  mode: Webhook
containerRuntimeEndpoint: unix://$CONTAINERD_SOCK
cgroupDriver: cgroupfs
failCgroupV1: false
failSwapOn: false
clusterDomain: cluster.local
resolvConf: /etc/resolv.conf
maxPods: 110
serializeImagePulls: false
# Images are imported locally and can never be pulled again: never garbage-collect them.
imageGCHighThresholdPercent: 100
imageGCLowThresholdPercent: 99
evictionHard:
  memory.available: "100Mi"
  nodefs.available: "2%"
  imagefs.available: "2%"
  nodefs.inodesFree: "2%"
containerLogMaxSize: 10Mi
containerLogMaxFiles: 3
rotateCertificates: false
serverTLSBootstrap: false
registerNode: true
localStorageCapacityIsolation: true
nodeStatusReportFrequency: 1m
shutdownGracePeriod: 0s
# No KUBE-FIREWALL/KUBE-IPTABLES-HINT/canary chains: this kubelet leaves iptables alone.
makeIPTablesUtilChains: false
EOF
  # A changed config restarts the component that reads it (repair after an upgrade of this script).
  replace_config "$STATE_DIR/containerd.toml" containerd
  replace_config "$STATE_DIR/kubelet-config.yaml" kubelet
}

replace_config() {  # FILE DAEMON : move FILE.tmp over FILE; stop DAEMON if the content changed
  if cmp -s "$1.tmp" "$1"; then rm -f "$1.tmp"; return 0; fi
  mv -f "$1.tmp" "$1"
  if running "$2"; then log "configuration of $2 changed: restarting it"; stop_daemon 30 "$2"; fi
}

start_containerd() {
  start_daemon containerd "$(command -v containerd)" --config "$STATE_DIR/containerd.toml" --log-level warn
  wait_for "containerd" 60 ctr_ version
}

import_image() {  # NAME -> ref (build the tarball if needed, import when containerd lacks it)
  local name="$1" ref tarball
  ref="$("$REPO_ROOT/images/build.sh" ref "$name")"
  if ! ctr_ -n k8s.io images ls -q "name==$ref" | grep -qx "$ref"; then
    tarball="$("$REPO_ROOT/images/build.sh" build "$name")"
    log "importing $ref into containerd"
    ctr_ -n k8s.io images import --base-name "localhost/kubeml-$name" "$tarball" >/dev/null
  fi
  echo "$ref"
}

start_kubelet() {
  # --cloud-provider=external: the kubelet refuses a loopback --node-ip, so it registers without
  # addresses and this script sets InternalIP 127.0.0.1 itself (the kubelet then leaves them alone).
  local args=("$BIN_DIR/kubelet"
    --config="$STATE_DIR/kubelet-config.yaml" --kubeconfig="$STATE_DIR/kubelet.kubeconfig"
    --root-dir="$KUBELET_ROOT" --hostname-override="$NODE_NAME" --cloud-provider=external
    --node-labels="kubeml.dev/node=real,nvidia.com/gpu.present=true,nvidia.com/gpu.product=NVIDIA-L4,nvidia.com/gpu.count=$REAL_NODE_GPUS,nvidia.com/gpu.memory=23034,nvidia.com/gpu.family=ada-lovelace,nvidia.com/mig.strategy=none,node.kubernetes.io/instance-type=kubeml-local"
    --v=1)
  local log_from t0=$SECONDS starts=1 why
  log_from=$(($(stat -c %s "$LOG_DIR/kubelet.log" 2>/dev/null || echo 0) + 1))
  start_daemon kubelet "${args[@]}"
  # containerd answers `ctr version` before its CRI service has initialised (after a reboot it first
  # recovers its containers); a kubelet started then exits at once with "server is not initialized
  # yet". Start it again until it stays up, and say why when it does not.
  until curl -sf --max-time 2 "http://127.0.0.1:$KUBELET_HEALTHZ_PORT/healthz" >/dev/null 2>&1; do
    if ! running kubelet; then
      why="$(tail -c "+$log_from" "$LOG_DIR/kubelet.log" 2>/dev/null | grep -a 'command failed' | tail -1 | sed 's/^.*err=//' | cut -c1-300)"
      ((SECONDS - t0 > 90)) && die "the kubelet exited $starts times while starting; the last time: ${why:-no reason in its log} (log: $LOG_DIR/kubelet.log)"
      log "the kubelet exited while starting (${why:-no reason in its log}); starting it again"
      sleep 2
      starts=$((starts + 1))
      log_from=$(($(stat -c %s "$LOG_DIR/kubelet.log" 2>/dev/null || echo 0) + 1))
      start_daemon kubelet "${args[@]}"
      continue
    fi
    ((SECONDS - t0 > 90)) && die "timed out after 90s waiting for kubelet /healthz; its last lines: $(tail -3 "$LOG_DIR/kubelet.log" | cut -c1-300 | tr '\n' ' ') (log: $LOG_DIR/kubelet.log)"
    sleep 0.5
  done
  wait_for "node $NODE_NAME to register" 90 kc get node "$NODE_NAME"
}

configure_real_node() {
  local addrs taints
  addrs="$(kc get node "$NODE_NAME" -o jsonpath='{.status.addresses[?(@.type=="InternalIP")].address}')"
  if [[ "$addrs" != "127.0.0.1" ]]; then
    kc patch node "$NODE_NAME" --subresource=status --type=merge \
      -p "{\"status\":{\"addresses\":[{\"type\":\"InternalIP\",\"address\":\"127.0.0.1\"},{\"type\":\"Hostname\",\"address\":\"$NODE_NAME\"}]}}" >/dev/null
  fi
  taints="$(kc get node "$NODE_NAME" -o jsonpath='{.spec.taints[*].key}')"
  if [[ "$taints" == *node.cloudprovider.kubernetes.io/uninitialized* ]]; then
    kc taint node "$NODE_NAME" node.cloudprovider.kubernetes.io/uninitialized- >/dev/null
  fi
  if [[ "$(kc get node "$NODE_NAME" -o jsonpath='{.status.capacity.nvidia\.com/gpu}')" != "$REAL_NODE_GPUS" ]]; then
    log "advertising $REAL_NODE_GPUS nvidia.com/gpu on $NODE_NAME"
    kc patch node "$NODE_NAME" --subresource=status --type=json \
      -p "[{\"op\":\"add\",\"path\":\"/status/capacity/nvidia.com~1gpu\",\"value\":\"$REAL_NODE_GPUS\"}]" >/dev/null
  fi
  kc wait --for=condition=Ready "node/$NODE_NAME" --timeout=120s >/dev/null ||
    die "node $NODE_NAME not Ready (see $LOG_DIR/kubelet.log)"
  wait_for "nvidia.com/gpu allocatable on $NODE_NAME" 60 \
    bash -c "[[ \$('$KUBECTL' --kubeconfig '$KUBECONFIG_PATH' get node '$NODE_NAME' -o jsonpath='{.status.allocatable.nvidia\.com/gpu}') == '$REAL_NODE_GPUS' ]]"
}

# ---------------------------------------------------------------- simulated GPU fleet (KWOK)
start_kwok() {
  # Default parallelism (4) initializes ~8 nodes/s here; 16 workers make a 1000-node fleet Ready faster.
  cat > "$STATE_DIR/kwok.yaml" <<EOF
apiVersion: config.kwok.x-k8s.io/v1alpha1
kind: KwokConfiguration
options:
  nodePlayStageParallelism: 16
  nodeLeaseParallelism: 16
  podPlayStageParallelism: 8
EOF
  start_daemon kwok "$KWOK_BIN_DIR/kwok" --config="$STATE_DIR/kwok.yaml" --kubeconfig="$STATE_DIR/kwok.kubeconfig" \
    --manage-nodes-with-annotation-selector=kwok.x-k8s.io/node=fake \
    --node-ip=127.0.0.1 --cidr=10.250.0.1/16 --v=WARN \
    --node-lease-duration-seconds=240  # renews every 60s: 1000 fake nodes cost ~17 lease writes/s, not 100
}

sync_fleet() {
  local existing want extra n t0=$SECONDS
  existing="$STATE_DIR/fleet-existing.txt"; want="$STATE_DIR/fleet-want.txt"
  kc get nodes -l kubeml.dev/fleet=simulated -o name | sed 's|^node/||' | sort > "$existing"
  "$PYTHON" "$CLUSTER_DIR/fleet.py" names --count "$GPU_NODES" | sort > "$want"
  extra="$(comm -23 "$existing" "$want")"
  if [[ -n "$extra" ]]; then
    log "removing $(wc -l <<< "$extra") simulated GPU nodes beyond KUBEML_GPU_NODES=$GPU_NODES"
    echo "$extra" > "$STATE_DIR/fleet-extra.txt"
    bulk_nodes delete "$STATE_DIR/fleet-extra.txt" || die "deleting simulated nodes failed"
    rm -f "$STATE_DIR/fleet-extra.txt"
  fi
  n="$(comm -13 "$existing" "$want" | wc -l)"
  if ((n > 0)); then
    log "creating $n simulated GPU nodes (KWOK; KUBEML_GPU_NODES=$GPU_NODES)"
    "$PYTHON" "$CLUSTER_DIR/fleet.py" nodes --count "$GPU_NODES" --skip "$existing" > "$STATE_DIR/fleet-new.yaml"
    # A plain create keeps .status (capacity) of a Node; bulk_nodes.py runs 8 creates in parallel.
    bulk_nodes create "$STATE_DIR/fleet-new.yaml" || die "creating simulated nodes failed"
    rm -f "$STATE_DIR/fleet-new.yaml"
  fi
  "$PYTHON" "$CLUSTER_DIR/fleet.py" inventory --count "$GPU_NODES" > "$STATE_DIR/gpu-inventory.json.tmp"
  mv -f "$STATE_DIR/gpu-inventory.json.tmp" "$STATE_DIR/gpu-inventory.json"
  if ((GPU_NODES > 0)); then
    wait_for "simulated GPU nodes to become Ready" $((120 + GPU_NODES / 2)) fleet_ready
  fi
  ((n > 0)) && log "simulated GPU fleet: $GPU_NODES nodes Ready in $((SECONDS - t0))s"
  return 0
}

bulk_nodes() {  # create FILE | delete FILE (kubectl would be throttled to ~5 requests/s)
  "$PYTHON" "$CLUSTER_DIR/bulk_nodes.py" "$@" --server "https://127.0.0.1:$APISERVER_PORT" \
    --ca "$PKI_DIR/ca.crt" --cert "$PKI_DIR/admin.crt" --key "$PKI_DIR/admin.key" --workers 8 >/dev/null
}

fleet_ready() {
  local ready
  ready="$(kc get nodes -l kubeml.dev/fleet=simulated --no-headers 2>/dev/null | awk '$2=="Ready"' | wc -l)"
  [[ "$ready" -ge "$GPU_NODES" ]]
}

# ---------------------------------------------------------------- ML CRDs from upstream Go modules
CRD_MODULES=(
  # module@version|expected go.sum hash|CRD files inside the module (relative paths)
  "github.com/kubeflow/trainer/v2@v2.0.0|h1:mnQSR9iPKItxyUR8mq66XsmxqKNVHwr9YYOB7BTU9dU=|manifests/base/crds/trainer.kubeflow.org_trainjobs.yaml manifests/base/crds/trainer.kubeflow.org_trainingruntimes.yaml manifests/base/crds/trainer.kubeflow.org_clustertrainingruntimes.yaml"
  "github.com/kubeflow/training-operator@v1.8.1|h1:mVvoBSCInbMBX0gGSn4+Ihj3ycwoLO1iEAw+0qPhQfc=|manifests/base/crds/kubeflow.org_pytorchjobs.yaml"
  "github.com/kserve/kserve@v0.16.0|h1:kDkcAU5VMiZf4zhdDXH+UdAIgzXhs10GMv0d9r4qvTs=|config/crd/full/serving.kserve.io_inferenceservices.yaml"
  # RayCluster and JobSet: Kueue's RayJob and TrainJob integrations watch them (a TrainJob runs as a JobSet).
  "github.com/ray-project/kuberay/ray-operator@v1.5.0|h1:KCjCQ7PSsvs9Ke+90CZbbs498nuaIJ/JkXk4vd54EVg=|config/crd/bases/ray.io_rayjobs.yaml config/crd/bases/ray.io_rayclusters.yaml"
  "sigs.k8s.io/jobset@v0.11.1|h1:WgLEBnXTeX+4MxfVkIbfm4jIVgjvIY6Jfaei2okxKNk=|config/components/crd/bases/jobset.x-k8s.io_jobsets.yaml"
  "github.com/fluid-cloudnative/fluid@v1.0.0|h1:ZaOJ4U3kg3rnmoihYVvrzHaiB2CIQpDfntpO81S6qAo=|config/crd/bases/data.fluid.io_datasets.yaml"
)
CRD_NAMES="trainjobs.trainer.kubeflow.org trainingruntimes.trainer.kubeflow.org clustertrainingruntimes.trainer.kubeflow.org pytorchjobs.kubeflow.org inferenceservices.serving.kserve.io rayjobs.ray.io rayclusters.ray.io jobsets.jobset.x-k8s.io datasets.data.fluid.io"

ensure_crds() {
  local stamp="$STATE_DIR/crds.stamp" want entry modver sum files json dir got f
  want="$(printf '%s\n' "${CRD_MODULES[@]}" | sha256sum | cut -c1-16)"
  if [[ "$(cat "$stamp" 2>/dev/null)" == "$want" ]] &&
     kc get crd $CRD_NAMES -o name >/dev/null 2>&1; then
    return 0
  fi
  log "installing ML CRDs (Kubeflow Trainer/PyTorchJob, KServe, KubeRay, JobSet, Fluid) from their Go modules"
  local args=()
  for entry in "${CRD_MODULES[@]}"; do
    IFS='|' read -r modver sum files <<< "$entry"
    # Fluid's module is not in the checksum database reachable here: its hash is pinned above and checked.
    json="$(cd /tmp && GOFLAGS=-mod=mod GONOSUMDB=github.com/fluid-cloudnative/fluid go mod download -json "$modver")" ||
      die "go mod download $modver failed: $json"
    dir="$(python3 -c 'import json,sys; print(json.load(sys.stdin)["Dir"])' <<< "$json")"
    got="$(python3 -c 'import json,sys; print(json.load(sys.stdin)["Sum"])' <<< "$json")"
    [[ "$got" == "$sum" ]] || die "$modver: module hash $got does not match pinned $sum"
    for f in $files; do
      [[ -s "$dir/$f" ]] || die "$modver has no $f"
      args+=(-f "$dir/$f")
    done
  done
  kc apply --server-side --force-conflicts --field-manager=kubeml-cluster "${args[@]}" >/dev/null
  # shellcheck disable=SC2086
  kc wait --for=condition=Established --timeout=120s $(printf 'crd/%s ' $CRD_NAMES) >/dev/null
  echo "$want" > "$stamp"
}

# ---------------------------------------------------------------- Prometheus + DCGM-style exporter
BACKFILL_HOURS="${KUBEML_PROMETHEUS_BACKFILL_HOURS:-6}"
backfill_prometheus() {  # the last BACKFILL_HOURS of the exporter's series, one sample a minute, as TSDB blocks
  local now file
  ((BACKFILL_HOURS > 0)) || return 0
  now="$(date +%s)"
  file="$STATE_DIR/prometheus-backfill.om"
  log "backfilling Prometheus with the last ${BACKFILL_HOURS}h of the exporter's series"
  "$PYTHON" "$CLUSTER_DIR/dcgm_exporter.py" --inventory "$STATE_DIR/gpu-inventory.json" --kubeconfig "$KUBECONFIG_PATH" \
    --history "$((now - BACKFILL_HOURS * 3600))" "$now" 60 \
    --labels "job=\"dcgm-exporter\",instance=\"127.0.0.1:$EXPORTER_PORT\"" > "$file" &&
    promtool tsdb create-blocks-from openmetrics "$file" "$STATE_DIR/prometheus" > "$LOG_DIR/prometheus-backfill.log" 2>&1
  local rc=$?
  rm -f "$file"
  return $rc
}

start_monitoring() {
  mkdir -p "$STATE_DIR/prometheus"
  # --kubeconfig: each GPU's series carry the pod, namespace and container that hold it (gpu_pods.py)
  start_daemon dcgm-exporter "$PYTHON" "$CLUSTER_DIR/dcgm_exporter.py" \
    --inventory "$STATE_DIR/gpu-inventory.json" --kubeconfig "$KUBECONFIG_PATH" --listen 127.0.0.1 --port "$EXPORTER_PORT"
  cat > "$STATE_DIR/prometheus.yml.tmp" <<EOF
# Generated by scripts/cluster/cluster.sh
global:
  scrape_interval: 15s
  evaluation_interval: 15s
  external_labels: {cluster: kubeml-local}
scrape_configs:
- job_name: dcgm-exporter
  static_configs:
  - targets: ['127.0.0.1:$EXPORTER_PORT']
- job_name: prometheus
  static_configs:
  - targets: ['127.0.0.1:$PROM_PORT']
EOF
  if ! cmp -s "$STATE_DIR/prometheus.yml.tmp" "$STATE_DIR/prometheus.yml"; then
    mv -f "$STATE_DIR/prometheus.yml.tmp" "$STATE_DIR/prometheus.yml"; stop_daemon prometheus
  else rm -f "$STATE_DIR/prometheus.yml.tmp"; fi
  # Prometheus keeps only what it scraped while it ran: before it starts, fill the last hours with
  # the exporter's series (deterministic in time), so drift over time has no hole on a fresh
  # machine or after the cluster was down.
  running prometheus || backfill_prometheus || log "could not backfill Prometheus (drift history starts now)"
  start_daemon prometheus "$(command -v prometheus)" --config.file="$STATE_DIR/prometheus.yml" \
    --storage.tsdb.path="$STATE_DIR/prometheus" --storage.tsdb.retention.time=3d \
    --web.listen-address="127.0.0.1:$PROM_PORT" --log.level=warn
  wait_for "dcgm exporter" 30 curl -sf --max-time 2 "http://127.0.0.1:$EXPORTER_PORT/health"
  wait_for "prometheus" 60 curl -sf --max-time 2 "http://127.0.0.1:$PROM_PORT/-/ready"
}

# ---------------------------------------------------------------- commands
cmd_up() {
  local t0=$SECONDS pause_ref train_ref
  ensure_prereqs
  mkdir -p "$STATE_DIR" "$LOG_DIR" "$PID_DIR" "$RUN_DIR"
  ensure_pki
  start_etcd
  start_apiserver
  start_controllers
  pause_ref="$("$REPO_ROOT/images/build.sh" ref pause)"
  write_node_configs "$pause_ref"
  start_containerd
  import_image pause >/dev/null
  train_ref="$(import_image train)"
  # A stable name for hand-written manifests (the kubeml-job-gpu snippet): the newest training image.
  ctr_ -n k8s.io images tag --force "$train_ref" localhost/kubeml-train:local >/dev/null
  start_kubelet
  configure_real_node
  start_kwok
  sync_fleet
  kc get namespace "$DEMO_NAMESPACE" >/dev/null 2>&1 || kc create namespace "$DEMO_NAMESPACE" >/dev/null
  for ns in default "$DEMO_NAMESPACE"; do
    wait_for "service account default in $ns" 60 kc -n "$ns" get serviceaccount default
  done
  ensure_crds
  ensure_kueue
  ensure_training_operator
  start_monitoring
  cat > "$STATUS_FILE" <<EOF
KUBECONFIG=$KUBECONFIG_PATH
APISERVER_URL=https://127.0.0.1:$APISERVER_PORT
PROMETHEUS_URL=http://127.0.0.1:$PROM_PORT
DCGM_EXPORTER_URL=http://127.0.0.1:$EXPORTER_PORT/metrics
TRAIN_IMAGE=$train_ref
PAUSE_IMAGE=$pause_ref
NODE_NAME=$NODE_NAME
GPU_NODES=$GPU_NODES
K8S_VERSION=$K8S_VERSION
KWOK_VERSION=$KWOK_VERSION
KUEUE_VERSION=$KUEUE_VERSION
TRAINING_OPERATOR_VERSION=$TRAINING_OPERATOR_VERSION
KUEUE_VISIBILITY_URL=https://127.0.0.1:$APISERVER_PORT/apis/visibility.kueue.x-k8s.io/v1beta1
EOF
  log "cluster up in $((SECONDS - t0))s: Kubernetes $K8S_VERSION, node $NODE_NAME + $GPU_NODES simulated GPU nodes"
  log "training image: $train_ref (imagePullPolicy: Never)"
  log "prometheus: http://127.0.0.1:$PROM_PORT"
  log "kubeconfig: export KUBECONFIG=$KUBECONFIG_PATH"
  echo "$KUBECONFIG_PATH"
}

cmd_status() {
  local ok=0 c state
  printf '%-26s %s\n' "kubeconfig" "$KUBECONFIG_PATH"
  for c in etcd kube-apiserver kube-controller-manager kube-scheduler containerd kubelet kwok kueue training-operator dcgm-exporter prometheus; do
    if state="$(pid_of "$c")"; then printf '%-26s running (pid %s)\n' "$c" "$state"
    else printf '%-26s stopped\n' "$c"; ok=1; fi
  done
  if [[ -s "$STATUS_FILE" ]]; then
    sed 's/^\([A-Z0-9_]*\)=/\1 /' "$STATUS_FILE" | awk '{printf "%-26s %s\n", tolower($1), $2}' | grep -v '^kubeconfig '
  fi
  if ((ok == 0)) && [[ -x "$KUBECTL" ]] && https_ok "https://127.0.0.1:$APISERVER_PORT/readyz" >/dev/null; then
    printf '%-26s %s\n' "real node" "$(kc get node "$NODE_NAME" --no-headers 2>/dev/null | awk '{print $1" "$2" "$5}')"
    printf '%-26s %s\n' "simulated GPU nodes" \
      "$(kc get nodes -l kubeml.dev/fleet=simulated --no-headers 2>/dev/null | awk '{n++; if ($2=="Ready") r++} END {printf "%d (%d Ready)", n, r}')"
  else
    ok=1
  fi
  ((ok == 0)) && echo "status: up" || echo "status: down (or partially up: run 'cluster.sh up' to repair)"
  return $ok
}

# Remove what a kubelet or CNI plugin may have left in iptables: rules about our bridge or pod range,
# CNI-* chains, and the kubelet's util chains (this kubelet is configured not to create them; older
# runs did). Kubelet chains are only touched when no other kubelet runs on this machine.
clean_iptables() {
  local ipt table chain rule ere="CNI-[A-Za-z0-9_-]+"
  pgrep -x kubelet >/dev/null 2>&1 || ere+="|KUBE-KUBELET-CANARY|KUBE-FIREWALL|KUBE-IPTABLES-HINT"
  for ipt in iptables ip6tables; do
    command -v "$ipt" >/dev/null || continue
    for table in filter nat mangle; do
      "$ipt-save" -t "$table" 2>/dev/null | grep -E -- "^-A .*($CNI_BRIDGE|${POD_CIDR%/*}|-j ($ere)( |\$))" |
        sed 's/^-A /-D /' | while read -r rule; do eval "$ipt -t $table $rule" 2>/dev/null || true; done || true
      for chain in $("$ipt-save" -t "$table" 2>/dev/null | grep -oE "^:($ere) " | sed 's/^://' || true); do
        "$ipt" -t "$table" -F "$chain" 2>/dev/null || true
        "$ipt" -t "$table" -X "$chain" 2>/dev/null || true
      done
    done
  done
}

# Mount points at or below DIRs (default: the cluster's folders), deepest first, one line per mount
# (a point mounted twice is listed twice). The folder itself counts: the kubelet bind-mounts its
# root folder on itself. Read from the mount table, with its octal escapes (\040 for a space) undone.
our_mounts() {  # [DIR...]
  local dirs=("$@") d list=""
  ((${#dirs[@]})) || dirs=("$KUBELET_ROOT" "$CONTAINERD_ROOT" "$CONTAINERD_STATE" "$RUN_DIR")
  for d in "${dirs[@]}"; do list+="$(realpath -m -- "$d")"$'\n'; done
  DIRS="$list" awk '
    BEGIN { n = split(ENVIRON["DIRS"], d, "\n") }
    {
      m = $2
      gsub(/\\040/, " ", m); gsub(/\\011/, "\t", m); gsub(/\\012/, "\n", m); gsub(/\\134/, "\\", m)
      for (i = 1; i <= n; i++) if (d[i] != "" && (m == d[i] || index(m, d[i] "/") == 1 || d[i] == "/")) { print m; break }
    }' /proc/self/mounts | LC_ALL=C sort -r
}

# Unmounts what our_mounts lists (lazily: a busy mount is detached now, freed when last used),
# a few passes for mounts stacked on one point.
unmount_ours() {  # [DIR...]
  local m pass
  for pass in 1 2 3 4 5; do
    [[ -n "$(our_mounts "$@")" ]] || return 0
    while IFS= read -r m; do umount -l -- "$m" 2>/dev/null || true; done < <(our_mounts "$@")
  done
}

cmd_down() {
  local t0=$SECONDS m leftovers=()
  mkdir -p "$PID_DIR"
  # 1. No new pods: stop the scheduler, controllers and kwok first.
  stop_daemon kube-scheduler kube-controller-manager kwok kueue training-operator
  # 2. Pod sandboxes go through CRI so that CNI DEL removes veths/IPs and the netns mounts.
  stop_daemon 30 kubelet
  if running containerd && [[ -x "$BIN_DIR/kubeml-cri" ]]; then
    "$BIN_DIR/kubeml-cri" -endpoint "unix://$CONTAINERD_SOCK" clean >/dev/null 2>&1 ||
      "$BIN_DIR/kubeml-cri" -endpoint "unix://$CONTAINERD_SOCK" clean >&2 || true
  fi
  # Whatever is left (e.g. containers of a crashed state) is killed through containerd.
  if running containerd; then
    local t
    for t in $(ctr_ -n k8s.io tasks ls -q 2>/dev/null); do ctr_ -n k8s.io tasks kill -s SIGKILL "$t" >/dev/null 2>&1 || true; done
    sleep 1
    for t in $(ctr_ -n k8s.io tasks ls -q 2>/dev/null); do ctr_ -n k8s.io tasks delete -f "$t" >/dev/null 2>&1 || true; done
  fi
  stop_daemon 20 containerd
  # containerd shims of our instance (their -address is our socket) must not survive it.
  pkill_ours() { local p; for p in $(pgrep -f -- "$1" 2>/dev/null); do [[ $p != $$ ]] && kill -KILL "$p" 2>/dev/null || true; done; }
  pkill_ours "containerd-shim-runc-v2 .*-address $CONTAINERD_SOCK"
  # The API server drains for up to a minute on SIGTERM; its state is in etcd, so 15s is plenty.
  stop_daemon 15 prometheus dcgm-exporter kube-apiserver
  stop_daemon etcd
  # 3. Mounts in and of our directories (overlay rootfs, shm, projected volumes, netns, and the
  # kubelet's bind mount of its root folder on itself).
  unmount_ours
  # 4. Network devices: our bridge (veths vanish with their netns).
  if ip link show "$CNI_BRIDGE" >/dev/null 2>&1; then ip link delete "$CNI_BRIDGE" 2>/dev/null || true; fi
  rm -rf "$STATE_DIR/cni/ipam"
  clean_iptables
  rm -rf "$RUN_DIR"
  # Empty directories our shims and CRI create under the default paths (only if empty).
  rmdir /run/containerd/s /run/containerd /run/netns 2>/dev/null || true
  # 5. Verify.
  for c in etcd kube-apiserver kube-controller-manager kube-scheduler containerd kubelet kwok kueue training-operator dcgm-exporter prometheus; do
    running "$c" && leftovers+=("process $c")
  done
  # Kueue's mount namespace ends with its process; its scratch mount point is under $RUN_DIR.
  pgrep -f -- "$CLUSTER_DIR/kueue-run.sh" >/dev/null 2>&1 && leftovers+=("kueue wrapper")
  pgrep -f -- "$CLUSTER_DIR/training-operator-run.sh" >/dev/null 2>&1 && leftovers+=("training-operator wrapper")
  pgrep -f -- "-address $CONTAINERD_SOCK" >/dev/null 2>&1 && leftovers+=("containerd shims")
  m="$(our_mounts | tr '\n' ' ')"
  [[ -n "$m" ]] && leftovers+=("mounts (${m% }; unmount them with umount -l)")
  ip link show "$CNI_BRIDGE" >/dev/null 2>&1 && leftovers+=("bridge $CNI_BRIDGE")
  ip -o link show 2>/dev/null | grep -q "master $CNI_BRIDGE" && leftovers+=("veth devices")
  { iptables-save 2>/dev/null; ip6tables-save 2>/dev/null; } | grep -qE "CNI-|$CNI_BRIDGE|${POD_CIDR%/*}" && leftovers+=("iptables rules")
  if ! pgrep -x kubelet >/dev/null 2>&1; then
    { iptables-save 2>/dev/null; ip6tables-save 2>/dev/null; } | grep -qE "KUBE-KUBELET-CANARY|KUBE-FIREWALL|KUBE-IPTABLES-HINT" &&
      leftovers+=("kubelet iptables chains")
  fi
  if ((${#leftovers[@]})); then die "down left behind: ${leftovers[*]}"; fi
  if [[ "${1:-}" == --purge ]]; then
    # Forget the cluster (etcd data, certificates, containerd images, kubelet state); keep the
    # cached binaries and image tarballs, so the next `up` is a fresh cluster in well under a minute.
    rm -rf "$STATE_DIR" "$CONTAINERD_ROOT" "$KUBELET_ROOT" "$KUBEML_CACHE/containerd/opt"
    log "cluster down in $((SECONDS - t0))s and purged: nothing left (cached binaries and images kept)"
    return 0
  fi
  log "cluster down in $((SECONDS - t0))s: no process, mount, network device or iptables rule left (state kept in $STATE_DIR)"
}

case "${1:-}" in
  up) cmd_up ;;
  down) cmd_down "${2:-}" ;;
  status) cmd_status ;;
  kubeconfig) echo "$KUBECONFIG_PATH" ;;
  # The mounts down removes and checks for (or those at or below the DIRs given), deepest first.
  mounts) shift; our_mounts "$@" ;;
  # Stops and starts kube-apiserver only (watch-resilience tests); the rest keeps running.
  # Returns once the controllers have reconnected too (their watches back off for up to 30 s),
  # so that what a test does next does not wait on a controller that has not noticed yet.
  restart-apiserver) running kube-apiserver || die "kube-apiserver is not running"; stop_daemon 30 kube-apiserver; start_apiserver; controllers_settled; log "kube-apiserver restarted" ;;
  *) echo "usage: $0 up|down|status|kubeconfig|mounts [DIR...]|restart-apiserver" >&2; exit 2 ;;
esac
