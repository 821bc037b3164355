#!/usr/bin/env bash
# Copies the real-repository lint corpus (test/fixtures/lint/upstream/corpus/) from the upstream Go
# module zips, byte for byte, and rewrites its SOURCES.md (module, version, path, sha256, licence).
#   bash scripts/lint-upstream-corpus.sh          (from the repository root; needs Go and the Go module proxy)
# Only Apache-2.0 or MIT modules, only plain manifests (Helm charts and kustomizations have corpora of
# their own beside this one). synthetic-*.yaml files are not copied: they are written by hand, each
# derived from a named upstream file, and SOURCES.md lists them as modified.
# Not served by the Go module proxy here (403, checked 2026-12-03), so not in the corpus:
# github.com/NVIDIA/k8s-device-plugin (deployments/static) and k8s.io/examples.
set -euo pipefail
OUT=test/fixtures/lint/upstream/corpus
[[ -d "$OUT" ]] || { echo "run from the repository root (no $OUT)" >&2; exit 2; }

# module@version  licence  corpus-folder  path-in-module  [name-in-corpus]
LIST='
github.com/kubeflow/trainer/v2@v2.0.0 Apache-2.0 kubeflow-trainer manifests/base/runtimes/torch_distributed.yaml
github.com/kubeflow/trainer/v2@v2.0.0 Apache-2.0 kubeflow-trainer manifests/base/runtimes/deepspeed_distributed.yaml
github.com/kubeflow/trainer/v2@v2.0.0 Apache-2.0 kubeflow-trainer manifests/base/runtimes/mlx_distributed.yaml
github.com/kubeflow/trainer/v2@v2.0.0 Apache-2.0 kubeflow-trainer manifests/base/runtimes/mpi_distributed.yaml
github.com/kubeflow/trainer/v2@v2.0.0 Apache-2.0 kubeflow-trainer manifests/base/runtimes/torchtune/llama3_2/llama3_2_1B.yaml torchtune-llama3_2_1B.yaml
github.com/kubeflow/trainer/v2@v2.0.0 Apache-2.0 kubeflow-trainer manifests/base/runtimes/torchtune/llama3_2/llama3_2_3B.yaml torchtune-llama3_2_3B.yaml
github.com/kubeflow/training-operator@v1.8.1 Apache-2.0 training-operator examples/pytorch/simple.yaml pytorch-simple.yaml
github.com/kubeflow/training-operator@v1.8.1 Apache-2.0 training-operator examples/pytorch/mnist/v1/pytorch_job_mnist_gloo.yaml
github.com/kubeflow/training-operator@v1.8.1 Apache-2.0 training-operator examples/pytorch/mnist/v1/pytorch_job_mnist_nccl.yaml
github.com/kubeflow/training-operator@v1.8.1 Apache-2.0 training-operator examples/pytorch/elastic/imagenet/imagenet.yaml pytorch-elastic-imagenet.yaml
github.com/kubeflow/training-operator@v1.8.1 Apache-2.0 training-operator examples/pytorch/elastic/echo/echo.yaml pytorch-elastic-echo.yaml
github.com/kubeflow/training-operator@v1.8.1 Apache-2.0 training-operator examples/pytorch/elastic/etcd.yaml pytorch-elastic-etcd.yaml
github.com/kubeflow/training-operator@v1.8.1 Apache-2.0 training-operator examples/pytorch/smoke-dist/pytorch_job_sendrecv.yaml
github.com/kubeflow/training-operator@v1.8.1 Apache-2.0 training-operator examples/pytorch/cpu-demo/demo.yaml pytorch-cpu-demo.yaml
github.com/kubeflow/training-operator@v1.8.1 Apache-2.0 training-operator examples/tensorflow/simple.yaml tensorflow-simple.yaml
github.com/kubeflow/training-operator@v1.8.1 Apache-2.0 training-operator examples/tensorflow/dist-mnist/tf_job_mnist.yaml
github.com/kubeflow/training-operator@v1.8.1 Apache-2.0 training-operator examples/tensorflow/distribution_strategy/keras-API/multi_worker_tfjob.yaml
github.com/kubeflow/training-operator@v1.8.1 Apache-2.0 training-operator examples/tensorflow/mnist_with_summaries/tfevent-volume/tfevent-pvc.yaml
github.com/kubeflow/training-operator@v1.8.1 Apache-2.0 training-operator examples/xgboost/xgboostjob.yaml
github.com/kubeflow/training-operator@v1.8.1 Apache-2.0 training-operator examples/paddlepaddle/simple-gpu.yaml paddle-simple-gpu.yaml
github.com/kubeflow/training-operator@v1.8.1 Apache-2.0 training-operator examples/mpi/tensorflow-mnist.yaml mpi-tensorflow-mnist.yaml
github.com/kubeflow/training-operator@v1.8.1 Apache-2.0 training-operator examples/mxnet/byteps/dist_gpu_v1.yaml mxnet-byteps-dist_gpu_v1.yaml
github.com/ray-project/kuberay/ray-operator@v1.5.0 Apache-2.0 kuberay config/samples/ray-cluster.sample.yaml
github.com/ray-project/kuberay/ray-operator@v1.5.0 Apache-2.0 kuberay config/samples/ray-cluster.complete.yaml
github.com/ray-project/kuberay/ray-operator@v1.5.0 Apache-2.0 kuberay config/samples/ray-cluster.autoscaler.yaml
github.com/ray-project/kuberay/ray-operator@v1.5.0 Apache-2.0 kuberay config/samples/ray-cluster.autoscaler-v2.yaml
github.com/ray-project/kuberay/ray-operator@v1.5.0 Apache-2.0 kuberay config/samples/ray-cluster.tls.yaml
github.com/ray-project/kuberay/ray-operator@v1.5.0 Apache-2.0 kuberay config/samples/ray-cluster.external-redis.yaml
github.com/ray-project/kuberay/ray-operator@v1.5.0 Apache-2.0 kuberay config/samples/ray-cluster.tpu-v6e-singlehost.yaml
github.com/ray-project/kuberay/ray-operator@v1.5.0 Apache-2.0 kuberay config/samples/ray-cluster.kai-gpu-sharing.yaml
github.com/ray-project/kuberay/ray-operator@v1.5.0 Apache-2.0 kuberay config/samples/ray-job.sample.yaml
github.com/ray-project/kuberay/ray-operator@v1.5.0 Apache-2.0 kuberay config/samples/ray-job.batch-inference.yaml
github.com/ray-project/kuberay/ray-operator@v1.5.0 Apache-2.0 kuberay config/samples/ray-job.kueue-toy-sample.yaml
github.com/ray-project/kuberay/ray-operator@v1.5.0 Apache-2.0 kuberay config/samples/ray-job.resources.yaml
github.com/ray-project/kuberay/ray-operator@v1.5.0 Apache-2.0 kuberay config/samples/ray-job.shutdown.yaml
github.com/ray-project/kuberay/ray-operator@v1.5.0 Apache-2.0 kuberay config/samples/ray-service.sample.yaml
github.com/ray-project/kuberay/ray-operator@v1.5.0 Apache-2.0 kuberay config/samples/ray-service.llm-serve.yaml
github.com/ray-project/kuberay/ray-operator@v1.5.0 Apache-2.0 kuberay config/samples/ray-service.stable-diffusion.yaml
github.com/ray-project/kuberay/ray-operator@v1.5.0 Apache-2.0 kuberay config/samples/ray-service.text-ml.yaml
sigs.k8s.io/kueue@v0.17.0 Apache-2.0 kueue cmd/kueueviz/examples/00-resource-flavor.yaml
sigs.k8s.io/kueue@v0.17.0 Apache-2.0 kueue cmd/kueueviz/examples/01-cluster-queues.yaml
sigs.k8s.io/kueue@v0.17.0 Apache-2.0 kueue cmd/kueueviz/examples/01.5-cohorts.yaml
sigs.k8s.io/kueue@v0.17.0 Apache-2.0 kueue cmd/kueueviz/examples/02-local-queues.yaml
sigs.k8s.io/kueue@v0.17.0 Apache-2.0 kueue cmd/kueueviz/examples/03-agi-job.yaml
sigs.k8s.io/kueue@v0.17.0 Apache-2.0 kueue cmd/kueueviz/examples/04-llm-job.yaml
sigs.k8s.io/kueue@v0.17.0 Apache-2.0 kueue cmd/kueueviz/examples/05-cancer-cure-research.yaml
sigs.k8s.io/kueue@v0.17.0 Apache-2.0 kueue cmd/kueueviz/examples/07-workload-priority-classes.yaml
github.com/kserve/kserve@v0.15.2 Apache-2.0 kserve docs/samples/v1beta1/sklearn/v1/sklearn.yaml sklearn-v1.yaml
github.com/kserve/kserve@v0.15.2 Apache-2.0 kserve docs/samples/v1beta1/sklearn/v2/sklearn.yaml sklearn-v2.yaml
github.com/kserve/kserve@v0.15.2 Apache-2.0 kserve docs/samples/v1beta1/torchserve/v1/gpu.yaml torchserve-gpu.yaml
github.com/kserve/kserve@v0.15.2 Apache-2.0 kserve docs/samples/v1beta1/tensorflow/gpu.yaml tensorflow-gpu.yaml
github.com/kserve/kserve@v0.15.2 Apache-2.0 kserve docs/samples/v1beta1/triton/torchscript/torchscript.yaml triton-torchscript.yaml
github.com/kserve/kserve@v0.15.2 Apache-2.0 kserve docs/samples/v1beta1/custom/torchserve/pvpod.yaml custom-torchserve-pvpod.yaml
github.com/kserve/kserve@v0.15.2 Apache-2.0 kserve docs/samples/v1beta1/custom/torchserve/pvc.yaml custom-torchserve-pvc.yaml
github.com/kserve/kserve@v0.15.2 Apache-2.0 kserve docs/samples/v1beta1/advanced/pod-overrides.yaml
github.com/kserve/kserve@v0.15.2 Apache-2.0 kserve docs/samples/v1beta1/transformer/feast/redis.yaml feast-redis.yaml
github.com/kserve/kserve@v0.15.2 Apache-2.0 kserve docs/samples/multimodelserving/triton/minio.yaml triton-minio.yaml
github.com/kserve/kserve@v0.15.2 Apache-2.0 kserve docs/samples/storage/uri/sklearn.yaml storage-uri-sklearn.yaml
github.com/kserve/kserve@v0.15.2 Apache-2.0 kserve docs/samples/graph/sequence.yaml graph-sequence.yaml
github.com/kserve/kserve@v0.15.2 Apache-2.0 kserve docs/samples/accelerators/tensorflow-gpu.yaml accelerators-tensorflow-gpu.yaml
'

declare -A DIRS=()
{
  echo '# Real-repository lint corpus: sources'
  echo
  echo 'Each file in the first table is an unmodified copy of a plain manifest from an upstream Apache-2.0 repository, read from'
  echo 'its Go module zip (`go mod download -json MODULE@VERSION`, checksum-verified by the Go module proxy)'
  echo 'by `bash scripts/lint-upstream-corpus.sh`, which wrote this table. Each upstream licence is in its module'
  echo 'zip as LICENSE (Apache License 2.0); copies keep the licence of their source. `src/lint/upstream.test.ts`'
  echo 'lints them; `expected.json` lists the reviewed real errors.'
  echo
  echo 'Not here: github.com/NVIDIA/k8s-device-plugin (deployments/static) and k8s.io/examples, which the Go module'
  echo 'proxy refuses (403, checked 2026-12-03); Kueue'"'"'s config/samples and site examples, which its module zip does not'
  echo 'hold (its kueueviz examples are used instead); Helm charts and kustomizations (corpora of their own).'
  echo
  echo '| file | module@version | path in the module | licence | sha256 |'
  echo '| --- | --- | --- | --- | --- |'
  while read -r modver licence folder path name; do
    [[ -z "$modver" ]] && continue
    if [[ -z "${DIRS[$modver]:-}" ]]; then
      DIRS[$modver]=$(go mod download -json "$modver" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
      [[ -n "${DIRS[$modver]}" ]] || { echo "go mod download $modver gave no Dir" >&2; exit 3; }
    fi
    name="${name:-$(basename "$path")}"
    mkdir -p "$OUT/$folder"
    install -m 0644 "${DIRS[$modver]}/$path" "$OUT/$folder/$name"
    echo "| $folder/$name | $modver | $path | $licence | $(sha256sum "$OUT/$folder/$name" | cut -c1-64) |"
  done <<<"$LIST"
  echo
  echo '## Modified (synthetic) files'
  echo
  echo '| file | derived from | change |'
  echo '| --- | --- | --- |'
  echo '| kubeflow-trainer/synthetic-torch-distributed-gpu.yaml | github.com/kubeflow/trainer/v2@v2.0.0 manifests/base/runtimes/torch_distributed.yaml | the node container requests 1 nvidia.com/gpu with a limit of 2 and runs privileged: the mistakes issue #13 names, which no upstream file here makes |'
} >"$OUT/SOURCES.md.tmp"
mv "$OUT/SOURCES.md.tmp" "$OUT/SOURCES.md"
echo "$OUT: $(find "$OUT" -name '*.yaml' | wc -l) manifests, $(du -sh "$OUT" | cut -f1)"
