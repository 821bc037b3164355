# shellcheck shell=bash
# Kubeflow training-operator on the local cluster: the controller of PyTorchJob (only: -enable-scheme),
# built from its Go module (scripts/go-tool.sh) and run as a process of the cluster, its validating
# webhook on https://127.0.0.1:PORT (training_operator_webhooks.py renders the upstream configuration).
# The PyTorchJob CRD comes from ensure_crds. Sourced by cluster.sh after lib.sh and pki.sh; see README.md.

TRAINING_OPERATOR_MODULE="github.com/kubeflow/training-operator@$TRAINING_OPERATOR_VERSION"
TRAINING_OPERATOR_MODULE_SUM="h1:mVvoBSCInbMBX0gGSn4+Ihj3ycwoLO1iEAw+0qPhQfc="
TRAINING_OPERATOR_BIN="$KUBEML_CACHE/bin/training-operator-$TRAINING_OPERATOR_VERSION/training-operator"
TRAINING_OPERATOR_NAMESPACE="kubeflow"      # upstream's; where its certificate rotator keeps its Secret
TRAINING_OPERATOR_SCHEMES="pytorchjob"
TRAINING_OPERATOR_SECRET="training-operator-webhook-cert"

# ---------------------------------------------------------------- build (in the background of a cold up)
training_operator_build_start() {
  [[ -x "$TRAINING_OPERATOR_BIN" ]] && return 0
  running training-operator-build && return 0
  mkdir -p "$LOG_DIR" "$PID_DIR"
  log "training-operator $TRAINING_OPERATOR_VERSION not cached: building it from its Go module in the background (~2 min cold; log: $LOG_DIR/training-operator-build.log)"
  printf '%s' "$REPO_ROOT/scripts/go-tool.sh" > "$PID_DIR/training-operator-build.match"
  TRAINING_OPERATOR_VERSION="$TRAINING_OPERATOR_VERSION" setsid nohup bash "$REPO_ROOT/scripts/go-tool.sh" training-operator \
    > "$LOG_DIR/training-operator-build.log" 2>&1 < /dev/null &
  echo $! > "$PID_DIR/training-operator-build.pid"
}

training_operator_build_wait() {
  local t0=$SECONDS last=$SECONDS
  [[ -x "$TRAINING_OPERATOR_BIN" ]] && return 0
  if ! running training-operator-build; then
    TRAINING_OPERATOR_VERSION="$TRAINING_OPERATOR_VERSION" bash "$REPO_ROOT/scripts/go-tool.sh" training-operator > /dev/null ||
      die "building training-operator $TRAINING_OPERATOR_VERSION failed (above)"
    return 0
  fi
  while running training-operator-build; do
    if ((SECONDS - last >= 30)); then
      log "still building training-operator $TRAINING_OPERATOR_VERSION ($((SECONDS - t0)) s waited; log: $LOG_DIR/training-operator-build.log)"
      last=$SECONDS
    fi
    sleep 1
  done
  rm -f "$PID_DIR/training-operator-build.pid"
  [[ -x "$TRAINING_OPERATOR_BIN" ]] ||
    die "building training-operator $TRAINING_OPERATOR_VERSION failed: $(tail -5 "$LOG_DIR/training-operator-build.log" | tr '\n' ' ')"
  log "training-operator $TRAINING_OPERATOR_VERSION built ($(grep -o 'built in [0-9]* s' "$LOG_DIR/training-operator-build.log" || echo 'see log'))"
}

# ---------------------------------------------------------------- webhook configuration and certificates
training_operator_module_dir() {
  local json got
  json="$(cd /tmp && GOFLAGS=-mod=mod go mod download -json "$TRAINING_OPERATOR_MODULE")" ||
    die "go mod download $TRAINING_OPERATOR_MODULE failed: $json"
  got="$("$PYTHON" -c 'import json,sys; print(json.load(sys.stdin)["Sum"])' <<< "$json")"
  [[ "$got" == "$TRAINING_OPERATOR_MODULE_SUM" ]] ||
    die "$TRAINING_OPERATOR_MODULE: module hash $got does not match pinned $TRAINING_OPERATOR_MODULE_SUM"
  "$PYTHON" -c 'import json,sys; print(json.load(sys.stdin)["Dir"])' <<< "$json"
}

ensure_training_operator_objects() {
  local stamp="$STATE_DIR/training-operator.stamp" want
  want="$(cat "$CLUSTER_DIR/training_operator_webhooks.py" "$PKI_DIR/training-operator-webhook-ca.crt" \
    "$PKI_DIR/training-operator-serving.crt" - <<< "$TRAINING_OPERATOR_MODULE_SUM $TRAINING_OPERATOR_WEBHOOK_PORT $TRAINING_OPERATOR_SCHEMES" |
    sha256sum | cut -c1-16)"
  if [[ "$(cat "$stamp" 2>/dev/null)" == "$want" ]] &&
     kc -n "$TRAINING_OPERATOR_NAMESPACE" get secret "$TRAINING_OPERATOR_SECRET" -o name >/dev/null 2>&1 &&
     kc get validatingwebhookconfiguration validator.training-operator.kubeflow.org -o name >/dev/null 2>&1; then
    return 0
  fi
  log "installing training-operator $TRAINING_OPERATOR_VERSION's webhook configuration and certificate Secret"
  kc get namespace "$TRAINING_OPERATOR_NAMESPACE" >/dev/null 2>&1 || kc create namespace "$TRAINING_OPERATOR_NAMESPACE" >/dev/null
  # The rotator keeps a valid CA and serving certificate it finds in this Secret (and only checks them).
  kc -n "$TRAINING_OPERATOR_NAMESPACE" create secret generic "$TRAINING_OPERATOR_SECRET" \
    --from-file=ca.crt="$PKI_DIR/training-operator-webhook-ca.crt" --from-file=ca.key="$PKI_DIR/training-operator-webhook-ca.key" \
    --from-file=tls.crt="$PKI_DIR/training-operator-serving.crt" --from-file=tls.key="$PKI_DIR/training-operator-serving.key" \
    --dry-run=client -o json | kc apply --server-side --force-conflicts --field-manager=kubeml-cluster -f - >/dev/null
  "$PYTHON" "$CLUSTER_DIR/training_operator_webhooks.py" --module "$(training_operator_module_dir)" \
    --ca "$PKI_DIR/training-operator-webhook-ca.crt" --port "$TRAINING_OPERATOR_WEBHOOK_PORT" --kinds "$TRAINING_OPERATOR_SCHEMES" |
    kc apply --server-side --force-conflicts --field-manager=kubeml-cluster -f - >/dev/null ||
    die "applying training-operator's ValidatingWebhookConfiguration failed (above)"
  echo "$want" > "$stamp"
}

# ---------------------------------------------------------------- the controller
start_training_operator() {
  # The webhook server listens on all addresses (v1.8.1 has a port flag, no host flag); health and metrics on 127.0.0.1.
  DAEMON_MATCH="$TRAINING_OPERATOR_BIN" start_daemon training-operator "$(command -v unshare)" --mount --propagation private -- \
    "$(command -v env)" "MY_POD_NAMESPACE=$TRAINING_OPERATOR_NAMESPACE" "KUBECONFIG=$STATE_DIR/training-operator.kubeconfig" \
    "$(command -v bash)" "$CLUSTER_DIR/training-operator-run.sh" \
    "$PKI_DIR/training-operator-serving.crt" "$PKI_DIR/training-operator-serving.key" -- \
    "$TRAINING_OPERATOR_BIN" --enable-scheme="$TRAINING_OPERATOR_SCHEMES" \
    --webhook-server-port="$TRAINING_OPERATOR_WEBHOOK_PORT" \
    --health-probe-bind-address="127.0.0.1:$TRAINING_OPERATOR_HEALTH_PORT" \
    --metrics-bind-address="127.0.0.1:$TRAINING_OPERATOR_METRICS_PORT" \
    --pytorch-init-container-image=localhost/kubeml-train:local \
    --pytorch-init-container-template-file="$CLUSTER_DIR/training-operator-init.yaml" \
    --zap-log-level=info
  local t0=$SECONDS
  until curl -sf --max-time 2 "http://127.0.0.1:$TRAINING_OPERATOR_HEALTH_PORT/readyz" >/dev/null 2>&1; do
    running training-operator || die "training-operator exited while starting: $(tail -3 "$LOG_DIR/training-operator.log" | tr '\n' ' ')"
    ((SECONDS - t0 > 120)) && die "timed out after 120s waiting for training-operator /readyz (log: $LOG_DIR/training-operator.log)"
    sleep 0.5
  done
}

ensure_training_operator() {
  training_operator_build_wait
  ensure_training_operator_objects
  start_training_operator
}
