//go:build tools

// Package tools pins the upstream command built by scripts/cluster/build-kwok.sh.
package tools

import _ "sigs.k8s.io/kwok/cmd/kwok"
