// Command kubeml-cri is a minimal CRI client for scripts/cluster/cluster.sh (no crictl in Debian 12):
//
//	kubeml-cri -endpoint unix:///run/kubeml/containerd/containerd.sock count   # number of pod sandboxes
//	kubeml-cri -endpoint unix:///run/kubeml/containerd/containerd.sock clean   # stop and remove all of them
//
// Stopping a sandbox through CRI runs the CNI DEL (veth, IPAM) and removes its network namespace,
// which is what `cluster down` needs to leave nothing behind.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"time"

	remote "k8s.io/cri-client/pkg"
	"k8s.io/klog/v2"
)

func main() {
	endpoint := flag.String("endpoint", "unix:///run/kubeml/containerd/containerd.sock", "CRI endpoint")
	flag.Parse()
	if flag.NArg() != 1 {
		fmt.Fprintln(os.Stderr, "usage: kubeml-cri [-endpoint URL] count|clean")
		os.Exit(2)
	}
	logger := klog.Background()
	rs, err := remote.NewRemoteRuntimeService(*endpoint, 10*time.Second, nil, &logger)
	if err != nil {
		fmt.Fprintln(os.Stderr, "connect:", err)
		os.Exit(1)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	pods, err := rs.ListPodSandbox(ctx, nil)
	if err != nil {
		fmt.Fprintln(os.Stderr, "list:", err)
		os.Exit(1)
	}
	switch flag.Arg(0) {
	case "count":
		fmt.Println(len(pods))
	case "clean":
		failed := 0
		for _, p := range pods {
			if err := rs.StopPodSandbox(ctx, p.Id); err != nil {
				fmt.Fprintln(os.Stderr, "stop", p.Id, err)
				failed++
				continue
			}
			if err := rs.RemovePodSandbox(ctx, p.Id); err != nil {
				fmt.Fprintln(os.Stderr, "remove", p.Id, err)
				failed++
			}
		}
		fmt.Printf("removed %d pod sandboxes\n", len(pods)-failed)
		if failed > 0 {
			os.Exit(1)
		}
	default:
		fmt.Fprintln(os.Stderr, "unknown command", flag.Arg(0))
		os.Exit(2)
	}
}
