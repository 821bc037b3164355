# shellcheck shell=bash
# Certificates and kubeconfigs of the local cluster (openssl, EC P-256, 10 years). Sourced by cluster.sh.

# _ca NAME CN : a self-signed CA (skipped when present).
_ca() {
  [[ -s "$PKI_DIR/$1.crt" && -s "$PKI_DIR/$1.key" ]] && return 0
  openssl req -x509 -new -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 3650 -sha256 \
    -subj "/CN=$2" -addext "basicConstraints=critical,CA:TRUE" \
    -addext "keyUsage=critical,keyCertSign,cRLSign,digitalSignature" \
    -keyout "$PKI_DIR/$1.key" -out "$PKI_DIR/$1.crt" 2>/dev/null
  chmod 600 "$PKI_DIR/$1.key"
}

# _rsa_ca NAME CN : a self-signed CA with an RSA key in PKCS#1 and its CN as DNS name, the only kind
# training-operator's certificate rotator accepts in its Secret (cert-controller v0.10.1, rotator.go:
# x509.ParsePKCS1PrivateKey, and the CA is verified for the DNS name training-operator-ca).
_rsa_ca() {
  [[ -s "$PKI_DIR/$1.crt" && -s "$PKI_DIR/$1.key" ]] && return 0
  openssl genrsa -traditional -out "$PKI_DIR/$1.key" 2048 2>/dev/null
  chmod 600 "$PKI_DIR/$1.key"
  openssl req -x509 -new -key "$PKI_DIR/$1.key" -days 3650 -sha256 -subj "/CN=$2" \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign,digitalSignature" \
    -addext "subjectAltName=DNS:$2" -out "$PKI_DIR/$1.crt" 2>/dev/null
}

# _cert NAME CN ORG SANS [CA] : key + cert signed by the cluster CA (or CA) (skipped when present).
_cert() {
  local name="$1" cn="$2" org="$3" sans="$4" ca="${5:-ca}" subj ext
  [[ -s "$PKI_DIR/$name.crt" && -s "$PKI_DIR/$name.key" ]] && return 0
  subj="/CN=$cn"; [[ -n "$org" ]] && subj="/O=$org$subj"
  ext="$PKI_DIR/$name.ext"
  {
    echo "basicConstraints=critical,CA:FALSE"
    echo "keyUsage=critical,digitalSignature,keyEncipherment"
    if [[ -n "$sans" ]]; then echo "extendedKeyUsage=serverAuth,clientAuth"; echo "subjectAltName=$sans"
    else echo "extendedKeyUsage=clientAuth"; fi
  } > "$ext"
  openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -subj "$subj" \
    -keyout "$PKI_DIR/$name.key" -out "$PKI_DIR/$name.csr" 2>/dev/null
  openssl x509 -req -in "$PKI_DIR/$name.csr" -CA "$PKI_DIR/$ca.crt" -CAkey "$PKI_DIR/$ca.key" \
    -CAcreateserial -days 3650 -sha256 -extfile "$ext" -out "$PKI_DIR/$name.crt" 2>/dev/null
  rm -f "$PKI_DIR/$name.csr" "$ext"
  chmod 600 "$PKI_DIR/$name.key"
}

# _kubeconfig FILE CERTNAME : kubeconfig with embedded CA and client certificate.
_kubeconfig() {
  local file="$1" name="$2"
  [[ -s "$file" ]] && return 0
  cat > "$file.tmp" <<EOF
apiVersion: v1
kind: Config
clusters:
- name: kubeml
  cluster:
    server: https://127.0.0.1:$APISERVER_PORT
    certificate-authority-data: $(base64 -w0 < "$PKI_DIR/ca.crt")
users:
- name: $name
  user:
    client-certificate-data: $(base64 -w0 < "$PKI_DIR/$name.crt")
    client-key-data: $(base64 -w0 < "$PKI_DIR/$name.key")
contexts:
- name: kubeml
  context:
    cluster: kubeml
    user: $name
    namespace: default
current-context: kubeml
EOF
  chmod 600 "$file.tmp"; mv -f "$file.tmp" "$file"
}

ensure_pki() {
  mkdir -p "$PKI_DIR"; chmod 700 "$PKI_DIR"
  if [[ ! -s "$PKI_DIR/ca.crt" || ! -s "$PKI_DIR/ca.key" ]]; then
    log "generating cluster CA and certificates (openssl)"
    _ca ca kubeml-ca
  fi
  _cert apiserver kube-apiserver "" \
    "IP:127.0.0.1,IP:10.96.0.1,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local"
  _cert apiserver-kubelet-client kube-apiserver-kubelet-client system:masters ""
  _cert admin kubeml-admin system:masters ""
  _cert controller-manager system:kube-controller-manager "" ""
  _cert scheduler system:kube-scheduler "" ""
  _cert kubelet "system:node:$NODE_NAME" system:nodes ""
  _cert kubelet-serving "$NODE_NAME" "" "IP:127.0.0.1,DNS:$NODE_NAME,DNS:localhost"
  _cert kwok kwok-controller system:masters ""
  # Aggregation layer (the API server proxies /apis/visibility.kueue.x-k8s.io to Kueue): the API
  # server authenticates to extension servers with front-proxy-client, signed by its own CA, as kubeadm does.
  _ca front-proxy-ca kubeml-front-proxy-ca
  _cert front-proxy-client front-proxy-client "" "" front-proxy-ca
  # Kueue: an admin client (no RBAC to install on this local cluster) and one serving certificate for
  # its webhooks (https://127.0.0.1:PORT) and its visibility server (the aggregator checks SERVICE.NAMESPACE.svc).
  _cert kueue kueue-controller system:masters ""
  _cert kueue-serving kueue "" "IP:127.0.0.1,DNS:localhost,DNS:kueue-visibility-server.kueue-system.svc"
  # training-operator: an admin client, and its webhooks' serving certificate. That one is signed by a CA of
  # its own, not the cluster CA: the operator's certificate rotator (cert-controller, not optional in
  # v1.8.1) needs the CA's key in its Secret, and the cluster CA's key there would mint system:masters certs.
  _cert training-operator training-operator-controller system:masters ""
  _rsa_ca training-operator-webhook-ca training-operator-ca
  _cert training-operator-serving training-operator "" "IP:127.0.0.1,DNS:localhost,DNS:training-operator.kubeflow.svc" training-operator-webhook-ca
  if [[ ! -s "$PKI_DIR/sa.key" ]]; then
    openssl genrsa -out "$PKI_DIR/sa.key" 2048 2>/dev/null
    openssl rsa -in "$PKI_DIR/sa.key" -pubout -out "$PKI_DIR/sa.pub" 2>/dev/null
    chmod 600 "$PKI_DIR/sa.key"
  fi
  _kubeconfig "$KUBECONFIG_PATH" admin
  _kubeconfig "$STATE_DIR/controller-manager.kubeconfig" controller-manager
  _kubeconfig "$STATE_DIR/scheduler.kubeconfig" scheduler
  _kubeconfig "$STATE_DIR/kubelet.kubeconfig" kubelet
  _kubeconfig "$STATE_DIR/kwok.kubeconfig" kwok
  _kubeconfig "$STATE_DIR/kueue.kubeconfig" kueue
  _kubeconfig "$STATE_DIR/training-operator.kubeconfig" training-operator
}
