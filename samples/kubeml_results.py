"""Print results for KubeML: one JSON object per line behind the KUBEML_RESULT marker (see README.md).

KubeML reads these lines from the run's log and keeps them in .kubeml/runs/<id>/. Outside KubeML
they are ordinary output, so the scripts run the same on a laptop.
"""
import json
import math
import sys

MARKER = "KUBEML_RESULT"


def _clean(value):
    """JSON has no NaN or Infinity: they become null."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_clean(v) for v in value]
    if hasattr(value, "item"):  # numpy scalars
        return _clean(value.item())
    return value


def emit(result):
    sys.stdout.write(MARKER + " " + json.dumps(_clean(result), separators=(",", ":")) + "\n")
    sys.stdout.flush()


def metric(name, value, step=None, split=None):
    result = {"type": "metric", "name": name, "value": float(value)}
    if step is not None:
        result["step"] = step
    if split is not None:
        result["split"] = split
    emit(result)


def artifact(path, name=None):
    emit({"type": "artifact", "path": str(path), **({"name": name} if name else {})})


def drift(report):
    emit({"type": "drift", "report": report})
