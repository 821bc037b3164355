#!/usr/bin/env bash
# Runs the Kueue manager with the files it expects at fixed paths, without writing them on the host.
# cluster.sh starts it as: unshare --mount --propagation private -- bash kueue-run.sh SCRATCH CERT KEY BINDS -- KUEUE ARGS...
#
# Kueue v0.17 reads its metrics certificate from /etc/kueue/metrics/certs/tls.{crt,key} and its
# visibility server's from /visibility/tls.{crt,key} (hard-coded for its container image); the webhook
# server's folder is set to /etc/kueue/webhook/certs in its configuration. In this private mount
# namespace (it ends with the process: nothing to clean up), the process sees the host's root
# through an overlay whose upper layer is a tmpfs holding those folders, plus the host's
# /proc, /sys, /dev and the folders in BINDS (colon-separated: Kueue's binary and its state), then
# exec's Kueue chrooted there. The PID stays the one cluster.sh recorded (unshare and chroot exec).
set -euo pipefail
scratch="$1" cert="$2" key="$3" binds="$4"
shift 4
[[ "${1:-}" == -- ]] && shift
(($#)) || { echo "usage: kueue-run.sh SCRATCH CERT KEY BINDS -- KUEUE ARGS..." >&2; exit 2; }

mount -t tmpfs -o mode=700,size=16m kueue-scratch "$scratch"
certs=(visibility etc/kueue/metrics/certs etc/kueue/webhook/certs)
mkdir -p "$scratch/work" "$scratch/root"
for dir in "${certs[@]/#/$scratch/upper/}"; do
  mkdir -p "$dir"
  install -m 0644 "$cert" "$dir/tls.crt"
  install -m 0600 "$key" "$dir/tls.key"
done
mount -t overlay kueue-root -o "lowerdir=/,upperdir=$scratch/upper,workdir=$scratch/work" "$scratch/root"
for dir in /proc /sys /dev; do mount --rbind "$dir" "$scratch/root$dir"; done
IFS=: read -r -a extra <<< "$binds"
for dir in "${extra[@]}"; do
  [[ -n "$dir" ]] || continue
  mkdir -p "$scratch/root$dir"
  mount --bind "$dir" "$scratch/root$dir"
done
exec chroot "$scratch/root" "$@"
