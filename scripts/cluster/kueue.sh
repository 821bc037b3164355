# shellcheck shell=bash
# Kueue on the local cluster: the manager built from its Go module (scripts/go-tool.sh), run as a
# process of the cluster with its webhooks and visibility server on 127.0.0.1, its upstream CRDs,
# webhook configurations and APIServices (kueue_manifests.py), and KubeML's queues (kueue-objects.yaml).
# Sourced by cluster.sh after lib.sh and pki.sh; see scripts/cluster/README.md.

# The module's go.sum hash is checked before its manifests are used (nothing fetched is committed).
KUEUE_MODULE="sigs.k8s.io/kueue@$KUEUE_VERSION"
KUEUE_MODULE_SUM="h1:7hzb38M4eKGzYW+CFv2s1L+swzzacUCHOCXxZmAV90I="
KUEUE_BIN="$KUBEML_CACHE/bin/kueue-$KUEUE_VERSION/kueue"   # where scripts/go-tool.sh caches it
KUEUE_DIR="$STATE_DIR/kueue"                 # configuration (certificates stay in $PKI_DIR)
KUEUE_SCRATCH="$RUN_DIR/kueue"               # mount point of the tmpfs of Kueue's private mount namespace
KUEUE_NAMESPACE="kueue-system"
# Kueue's integrations: the job kinds the cluster serves (their CRDs come from ensure_crds).
KUEUE_FRAMEWORKS="batch/job,kubeflow.org/pytorchjob,ray.io/rayjob,trainer.kubeflow.org/trainjob"
KUEUE_CRD_NAMES="workloads.kueue.x-k8s.io clusterqueues.kueue.x-k8s.io localqueues.kueue.x-k8s.io resourceflavors.kueue.x-k8s.io cohorts.kueue.x-k8s.io"

# ---------------------------------------------------------------- build (in the background of a cold up)
kueue_build_start() {  # start building the binary when it is missing (scripts/go-tool.sh locks per version)
  [[ -x "$KUEUE_BIN" ]] && return 0
  running kueue-build && return 0
  mkdir -p "$LOG_DIR" "$PID_DIR"
  log "Kueue $KUEUE_VERSION not cached: building it from its Go module in the background (~5 min cold; log: $LOG_DIR/kueue-build.log)"
  printf '%s' "$REPO_ROOT/scripts/go-tool.sh" > "$PID_DIR/kueue-build.match"
  KUEUE_VERSION="$KUEUE_VERSION" setsid nohup bash "$REPO_ROOT/scripts/go-tool.sh" kueue > "$LOG_DIR/kueue-build.log" 2>&1 < /dev/null &
  echo $! > "$PID_DIR/kueue-build.pid"
}

kueue_build_wait() {
  local t0=$SECONDS last=$SECONDS
  [[ -x "$KUEUE_BIN" ]] && return 0
  if ! running kueue-build; then
    # Not started by this up (or it ended): build in the foreground (waits for another build's lock).
    KUEUE_VERSION="$KUEUE_VERSION" bash "$REPO_ROOT/scripts/go-tool.sh" kueue > /dev/null ||
      die "building Kueue $KUEUE_VERSION failed (above)"
    return 0
  fi
  while running kueue-build; do
    if ((SECONDS - last >= 30)); then
      log "still building Kueue $KUEUE_VERSION ($((SECONDS - t0)) s waited; log: $LOG_DIR/kueue-build.log)"
      last=$SECONDS
    fi
    sleep 1
  done
  rm -f "$PID_DIR/kueue-build.pid"
  [[ -x "$KUEUE_BIN" ]] || die "building Kueue $KUEUE_VERSION failed: $(tail -5 "$LOG_DIR/kueue-build.log" | tr '\n' ' ')"
  log "Kueue $KUEUE_VERSION built ($(grep -o 'built in [0-9]* s' "$LOG_DIR/kueue-build.log" || echo 'see log'))"
}

# ---------------------------------------------------------------- upstream manifests
kueue_module_dir() {
  local json got
  json="$(cd /tmp && GOFLAGS=-mod=mod go mod download -json "$KUEUE_MODULE")" || die "go mod download $KUEUE_MODULE failed: $json"
  got="$("$PYTHON" -c 'import json,sys; print(json.load(sys.stdin)["Sum"])' <<< "$json")"
  [[ "$got" == "$KUEUE_MODULE_SUM" ]] || die "$KUEUE_MODULE: module hash $got does not match pinned $KUEUE_MODULE_SUM"
  "$PYTHON" -c 'import json,sys; print(json.load(sys.stdin)["Dir"])' <<< "$json"
}

kueue_manifests() {  # crds|webhooks|visibility -> JSON documents on stdout
  "$PYTHON" "$CLUSTER_DIR/kueue_manifests.py" "$1" --module "$KUEUE_MODULE_DIR" --ca "$PKI_DIR/ca.crt" \
    --webhook-port "$KUEUE_WEBHOOK_PORT" --visibility-port "$KUEUE_VISIBILITY_PORT" --frameworks "$KUEUE_FRAMEWORKS"
}

ensure_kueue_crds() {  # CRDs and webhook configurations (re-applied when the module, ports, CA or renderer change)
  local stamp="$STATE_DIR/kueue-crds.stamp" want
  want="$(cat "$CLUSTER_DIR/kueue_manifests.py" "$PKI_DIR/ca.crt" - <<< "$KUEUE_MODULE_SUM $KUEUE_WEBHOOK_PORT $KUEUE_VISIBILITY_PORT $KUEUE_FRAMEWORKS" | sha256sum | cut -c1-16)"
  if [[ "$(cat "$stamp" 2>/dev/null)" == "$want" ]] &&
     kc get crd $KUEUE_CRD_NAMES -o name >/dev/null 2>&1 &&
     kc get mutatingwebhookconfiguration kueue-mutating-webhook-configuration -o name >/dev/null 2>&1 &&
     kc get validatingwebhookconfiguration kueue-validating-webhook-configuration -o name >/dev/null 2>&1; then
    return 0
  fi
  log "installing Kueue $KUEUE_VERSION CRDs and webhook configurations from its Go module"
  KUEUE_MODULE_DIR="$(kueue_module_dir)"
  { kueue_manifests crds && kueue_manifests webhooks; } > "$STATE_DIR/kueue-manifests.json" ||
    die "rendering Kueue's manifests failed (above)"
  kc apply --server-side --force-conflicts --field-manager=kubeml-cluster -f "$STATE_DIR/kueue-manifests.json" >/dev/null
  rm -f "$STATE_DIR/kueue-manifests.json"
  # (kubectl wait fails instead of waiting on a CRD without status yet, hence the retries)
  # shellcheck disable=SC2046,SC2086
  wait_for "Kueue's CRDs to be Established" 120 kc wait --for=condition=Established --timeout=10s $(printf 'crd/%s ' $KUEUE_CRD_NAMES)
  echo "$want" > "$stamp"
}

# ---------------------------------------------------------------- the manager
start_kueue() {
  mkdir -p "$KUEUE_DIR" "$KUEUE_SCRATCH"
  # The certificate paths are inside Kueue's private mount namespace (kueue-run.sh).
  cat > "$KUEUE_DIR/config.yaml.tmp" <<YAML
# Kueue $KUEUE_VERSION configuration of KubeML's local cluster (generated by scripts/cluster/kueue.sh).
apiVersion: config.kueue.x-k8s.io/v1beta2
kind: Configuration
namespace: $KUEUE_NAMESPACE
health:
  healthProbeBindAddress: 127.0.0.1:$KUEUE_HEALTH_PORT
metrics:
  bindAddress: 127.0.0.1:$KUEUE_METRICS_PORT
webhook:
  host: 127.0.0.1
  port: $KUEUE_WEBHOOK_PORT
  certDir: /etc/kueue/webhook/certs
leaderElection:
  leaderElect: false
internalCertManagement:
  enable: false
# Only jobs with the kueue.x-k8s.io/queue-name label are queued (the webhooks select on it too).
manageJobsWithoutQueueName: false
visibilityServer:
  bindAddress: 127.0.0.1
  bindPort: $KUEUE_VISIBILITY_PORT
featureGates:
  VisibilityOnDemand: true
clientConnection:
  qps: 50
  burst: 100
integrations:
  frameworks:
$(tr ',' '\n' <<< "$KUEUE_FRAMEWORKS" | sed 's/^/  - /')
YAML
  replace_config "$KUEUE_DIR/config.yaml" kueue
  DAEMON_MATCH="$KUEUE_BIN" start_daemon kueue "$(command -v unshare)" --mount --propagation private -- \
    "$(command -v bash)" "$CLUSTER_DIR/kueue-run.sh" "$KUEUE_SCRATCH" \
    "$PKI_DIR/kueue-serving.crt" "$PKI_DIR/kueue-serving.key" "$(dirname "$KUEUE_BIN"):$STATE_DIR" -- \
    "$KUEUE_BIN" --config="$KUEUE_DIR/config.yaml" --kubeconfig="$STATE_DIR/kueue.kubeconfig" --zap-log-level=info
  local t0=$SECONDS
  until curl -sf --max-time 2 "http://127.0.0.1:$KUEUE_HEALTH_PORT/readyz" >/dev/null 2>&1; do
    running kueue || die "kueue exited while starting: $(tail -3 "$LOG_DIR/kueue.log" | tr '\n' ' ')"
    ((SECONDS - t0 > 120)) && die "timed out after 120s waiting for kueue /readyz (log: $LOG_DIR/kueue.log)"
    sleep 0.5
  done
}

kueue_queues_active() {
  [[ "$(kc get clusterqueue team-a team-b -o jsonpath='{.items[*].status.conditions[?(@.type=="Active")].status}' 2>/dev/null)" == "True True" ]]
}

kueue_visibility_available() {
  [[ "$(kc get apiservice "v1beta1.visibility.kueue.x-k8s.io" \
    -o jsonpath='{.status.conditions[?(@.type=="Available")].status}' 2>/dev/null)" == True ]]
}

ensure_kueue() {
  kueue_build_wait
  ensure_kueue_crds
  start_kueue
  # Kueue's objects go through its webhooks, hence after /readyz. The APIServices too: an aggregated
  # API that does not answer holds up namespace deletion in the whole cluster.
  kc apply --server-side --force-conflicts --field-manager=kubeml-cluster -f "$CLUSTER_DIR/kueue-objects.yaml" >/dev/null ||
    die "applying $CLUSTER_DIR/kueue-objects.yaml failed (Kueue's webhooks refused it? log: $LOG_DIR/kueue.log)"
  # Active ClusterQueues: Kueue's controllers started (they stop the manager when a kind they watch is missing).
  wait_for "ClusterQueues team-a and team-b to be Active" 60 kueue_queues_active
  KUEUE_MODULE_DIR="${KUEUE_MODULE_DIR:-$(kueue_module_dir)}"
  kueue_manifests visibility | kc apply --server-side --force-conflicts --field-manager=kubeml-cluster -f - >/dev/null ||
    die "applying Kueue's visibility APIServices failed (above)"
  wait_for "Kueue's visibility API (APIService v1beta1.visibility.kueue.x-k8s.io Available)" 60 kueue_visibility_available
}
