#!/usr/bin/env python3
"""TensorBoard event files written by the real writers, and what TensorBoard itself reads in them.

    python3 scripts/gen-tfevents.py                    fixtures: test/fixtures/tfevents/ (committed)
    python3 scripts/gen-tfevents.py bench DIR RUNS STEPS METRICS
                                                       bench files: DIR/run-<i>/events.out.tfevents.*
    python3 scripts/gen-tfevents.py accumulate REPS FILE...
                                                       times EventAccumulator.Reload() on each file
                                                       (median of REPS, in this process), prints JSON

Runs itself inside a venv, ~/.cache/kubeml/venv-tb (made on first use, idempotent), with
tensorboardX and tensorboard from PyPI at the versions below. The fixtures:

  tbx-scalars/   tensorboardX.SummaryWriter: add_scalar on 3 tags x 1,200 steps (one NaN, one +inf),
                 add_scalars (one file per key, in sub-folders), a histogram and text every 100 steps
                 (which a scalar reader skips)
  tb-tensors/    tensorboard.summary.writer.event_file_writer.EventFileWriter (TensorBoard's own,
                 TensorFlow-free): TF2-style scalars stored as tensors with the "scalars" plugin:
                 float_val (DT_FLOAT), double_val (DT_DOUBLE), tensor_content (DT_FLOAT, as TF2's
                 C++ writer stores them), and a tensor of another plugin that is no scalar
  damaged/       copies of tbx-scalars' main file: truncated in its last record, a flipped byte in
                 a record's data, a flipped byte in a record's length header

expected.json holds, for every file, what tensorboard's EventAccumulator reads (size_guidance 0:
everything): Scalars() for simple values, Tensors() made into numbers for tags whose metadata
names the "scalars" plugin. For the damaged copies it also names the damaged record. NaN and
infinities are null (as KubeML stores them).
"""
import hashlib
import json
import os
import shutil
import subprocess
import sys

VENV = os.path.join(os.path.expanduser('~'), '.cache', 'kubeml', 'venv-tb')
PINS = ['tensorboardX==2.6.5', 'tensorboard==2.21.0']
ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), '..'))
FIXTURES = os.path.join(ROOT, 'test', 'fixtures', 'tfevents')


def ensure_venv():
    py = os.path.join(VENV, 'bin', 'python')
    if os.path.realpath(sys.prefix) == os.path.realpath(VENV):
        return
    if not os.path.exists(py):
        subprocess.run([sys.executable, '-m', 'venv', VENV], check=True)
    ok = subprocess.run([py, '-c', 'import tensorboardX, tensorboard, numpy'], capture_output=True).returncode == 0
    if not ok:
        subprocess.run([py, '-m', 'pip', 'install', '-q', *PINS, 'numpy'], check=True)
    os.execv(py, [py, *sys.argv])


ensure_venv()

import logging  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402
import tensorboard  # noqa: E402
import tensorboardX  # noqa: E402
from tensorboard.backend.event_processing import event_accumulator as ea  # noqa: E402
from tensorboard.compat.proto import event_pb2, summary_pb2, tensor_pb2, types_pb2  # noqa: E402
from tensorboard.plugins.scalar import metadata as scalar_metadata  # noqa: E402
from tensorboard.summary.writer.event_file_writer import EventFileWriter  # noqa: E402
from tensorboard.util import tensor_util  # noqa: E402

logging.getLogger('tensorboard').setLevel(logging.ERROR)

WALL0 = 1_780_000_000.0  # fixed wall times, so that the files are the same on every run


def event_files(folder):
    out = []
    for d, _, names in os.walk(folder):
        out += [os.path.join(d, n) for n in names if 'tfevents' in n]
    return sorted(out)


def rename_stable(folder, name):
    """tensorboardX names files after the time and host: give them stable names."""
    for f in event_files(folder):
        os.rename(f, os.path.join(os.path.dirname(f), f'events.out.tfevents.{name}'))


def num(x):
    x = float(x)
    return x if np.isfinite(x) else None


def accumulate(path):
    """What TensorBoard reads in one event file: {tag: [[step, value, wall_time], ...]}."""
    acc = ea.EventAccumulator(path, size_guidance={ea.SCALARS: 0, ea.TENSORS: 0, ea.HISTOGRAMS: 1, ea.IMAGES: 1})
    acc.Reload()
    tags = acc.Tags()
    out = {}
    for t in tags['scalars']:
        out[t] = [[e.step, num(e.value), e.wall_time] for e in acc.Scalars(t)]
    for t in tags['tensors']:
        if acc.SummaryMetadata(t).plugin_data.plugin_name != 'scalars':
            continue
        out[t] = [[e.step, num(tensor_util.make_ndarray(e.tensor_proto).item()), e.wall_time] for e in acc.Tensors(t)]
    return out


def write_tbx(folder):
    w = tensorboardX.SummaryWriter(folder, flush_secs=3600)
    rng = np.random.default_rng(14)
    for step in range(1200):
        wall = WALL0 + step * 0.5
        loss = float(2.0 * np.exp(-step / 300) + 0.05 * rng.random())
        if step == 700:
            loss = float('nan')
        w.add_scalar('train/loss', loss, step, walltime=wall)
        w.add_scalar('train/accuracy', 1 - loss / 3 if step != 701 else float('inf'), step, walltime=wall)
        w.add_scalar('lr', 0.1 * 0.99 ** (step // 10), step, walltime=wall)
        if step % 100 == 0:
            w.add_scalars('eval', {'auc': 0.5 + step / 2400, 'f1': 0.4 + step / 3000}, step, walltime=wall)
            w.add_histogram('weights', rng.normal(size=200), step, walltime=wall)
            w.add_text('notes', f'step {step}: ok', step, walltime=wall)
    w.close()


def write_tb(folder):
    w = EventFileWriter(folder, flush_secs=3600)
    w.add_event(event_pb2.Event(wall_time=WALL0, file_version='brain.Event:2'))
    for step in range(0, 1000):
        wall = WALL0 + step
        meta = scalar_metadata.create_summary_metadata(display_name='', description='')
        f32 = tensor_util.make_tensor_proto(np.float32(1.0 / (step + 1)))  # float_val
        f64 = tensor_util.make_tensor_proto(np.float64(np.sqrt(step)))  # double_val
        content = tensor_pb2.TensorProto(dtype=types_pb2.DT_FLOAT, tensor_content=np.float32(step * 0.25 - 3).tobytes())
        other = summary_pb2.SummaryMetadata(plugin_data=summary_pb2.SummaryMetadata.PluginData(plugin_name='custom'))
        values = [
            summary_pb2.Summary.Value(tag='tf2/inverse', tensor=f32, metadata=meta),
            summary_pb2.Summary.Value(tag='tf2/sqrt', tensor=f64, metadata=meta),
            summary_pb2.Summary.Value(tag='tf2/content', tensor=content, metadata=meta),
            summary_pb2.Summary.Value(tag='other/not-a-scalar', tensor=tensor_util.make_tensor_proto(np.float32(7)), metadata=other),
        ]
        w.add_event(event_pb2.Event(wall_time=wall, step=step, summary=summary_pb2.Summary(value=values)))
    w.close()


def records(path):
    """(offset, length) of each record, from the framing (to pick which record to damage)."""
    data = open(path, 'rb').read()
    out, pos = [], 0
    while pos + 12 <= len(data):
        n = int.from_bytes(data[pos:pos + 8], 'little')
        out.append((pos, n))
        pos += 12 + n + 4
    return data, out


def write_damaged(src, folder):
    os.makedirs(folder, exist_ok=True)
    data, recs = records(src)
    info = {}
    # Truncated: the last record loses its last 7 bytes (the writer stopped in the middle of it).
    open(os.path.join(folder, 'events.out.tfevents.truncated'), 'wb').write(data[:-7])
    info['events.out.tfevents.truncated'] = {'kind': 'truncated', 'record': len(recs) - 1, 'offset': recs[-1][0]}
    # A byte of a record's data flipped (a record in the middle).
    k = len(recs) // 2
    off, n = recs[k]
    b = bytearray(data)
    b[off + 12 + n // 2] ^= 0x40
    open(os.path.join(folder, 'events.out.tfevents.flipped-data'), 'wb').write(b)
    info['events.out.tfevents.flipped-data'] = {'kind': 'data-checksum', 'record': k, 'offset': off}
    # A byte of a record's length flipped (the framing is lost there).
    k2 = len(recs) // 3
    off2, _ = recs[k2]
    b = bytearray(data)
    b[off2 + 1] ^= 0x01
    open(os.path.join(folder, 'events.out.tfevents.flipped-length'), 'wb').write(b)
    info['events.out.tfevents.flipped-length'] = {'kind': 'length-checksum', 'record': k2, 'offset': off2}
    return info


def fixtures():
    shutil.rmtree(FIXTURES, ignore_errors=True)
    os.makedirs(FIXTURES)
    write_tbx(os.path.join(FIXTURES, 'tbx-scalars'))
    for sub in os.listdir(os.path.join(FIXTURES, 'tbx-scalars')):
        if os.path.isdir(os.path.join(FIXTURES, 'tbx-scalars', sub)):
            rename_stable(os.path.join(FIXTURES, 'tbx-scalars', sub), sub)
    for f in event_files(os.path.join(FIXTURES, 'tbx-scalars')):
        if os.path.dirname(f) == os.path.join(FIXTURES, 'tbx-scalars'):
            os.rename(f, os.path.join(FIXTURES, 'tbx-scalars', 'events.out.tfevents.tbx-scalars'))
    write_tb(os.path.join(FIXTURES, 'tb-tensors'))
    rename_stable(os.path.join(FIXTURES, 'tb-tensors'), 'tb-tensors')
    damage = write_damaged(os.path.join(FIXTURES, 'tbx-scalars', 'events.out.tfevents.tbx-scalars'), os.path.join(FIXTURES, 'damaged'))
    files = {}
    for f in event_files(FIXTURES):
        rel = os.path.relpath(f, FIXTURES)
        files[rel] = {'sha256': hashlib.sha256(open(f, 'rb').read()).hexdigest(), 'bytes': os.path.getsize(f), 'scalars': accumulate(f)}
        if os.path.basename(f) in damage:
            files[rel]['damage'] = damage[os.path.basename(f)]
    versions = {'tensorboardX': tensorboardX.__version__, 'tensorboard': tensorboard.__version__, 'protobuf': __import__('google.protobuf').protobuf.__version__, 'numpy': np.__version__, 'python': sys.version.split()[0]}
    with open(os.path.join(FIXTURES, 'expected.json'), 'w') as fh:
        json.dump({'generator': 'scripts/gen-tfevents.py', 'reader': 'tensorboard EventAccumulator', 'versions': versions, 'files': files}, fh, separators=(',', ':'))
        fh.write('\n')
    with open(os.path.join(FIXTURES, 'SOURCES.md'), 'w') as fh:
        fh.write('# TensorBoard event files written by the real writers\n\n')
        fh.write('Made by `python3 scripts/gen-tfevents.py` (it makes its venv, ~/.cache/kubeml/venv-tb, from PyPI).\n')
        fh.write('Writers and reader: ' + ', '.join(f'{k} {v}' for k, v in versions.items()) + '.\n\n')
        fh.write('`expected.json` is what tensorboard\'s EventAccumulator reads in each file (the reader\'s tests compare\n')
        fh.write('against it); `damaged/` are copies of `tbx-scalars/events.out.tfevents.tbx-scalars` with the damage that\n')
        fh.write('expected.json names. See the script\'s docstring for what each file holds.\n\n')
        fh.write('| file | bytes | sha256 |\n| --- | ---: | --- |\n')
        for rel, v in sorted(files.items()):
            fh.write(f'| {rel} | {v["bytes"]} | {v["sha256"]} |\n')
    print(f'wrote {len(files)} event files and expected.json to {FIXTURES}')


def bench(folder, runs, steps, metrics):
    """RUNS runs x METRICS tags x STEPS steps, one add_scalar each, as training scripts log them."""
    for r in range(runs):
        d = os.path.join(folder, f'run-{r}')
        w = tensorboardX.SummaryWriter(d, flush_secs=3600, max_queue=1000)
        for step in range(steps):
            for m in range(metrics):
                w.add_scalar(f'metric/{m}', 1.0 / (1 + step + m), step, walltime=WALL0 + step)
        w.close()
        rename_stable(d, f'run-{r}')
    print(json.dumps({'files': event_files(folder)}))


def time_accumulate(reps, files):
    out = []
    for f in files:
        times, cpu = [], []
        n = 0
        for _ in range(reps):
            acc = ea.EventAccumulator(f, size_guidance={ea.SCALARS: 0, ea.TENSORS: 0})
            t0, c0 = time.perf_counter(), time.process_time()
            acc.Reload()
            times.append(time.perf_counter() - t0)
            cpu.append(time.process_time() - c0)
            n = sum(len(acc.Scalars(t)) for t in acc.Tags()['scalars'])
        out.append({'file': f, 'seconds': sorted(times)[len(times) // 2], 'cpu_seconds': sorted(cpu)[len(cpu) // 2], 'all': times, 'scalars': n})
    print(json.dumps({'tensorboard': tensorboard.__version__, 'files': out}))


if __name__ == '__main__':
    a = sys.argv[1:]
    if not a:
        fixtures()
    elif a[0] == 'bench':
        bench(a[1], int(a[2]), int(a[3]), int(a[4]))
    elif a[0] == 'accumulate':
        time_accumulate(int(a[1]), a[2:])
    else:
        sys.exit(__doc__)
