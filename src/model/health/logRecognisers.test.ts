import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { COLLECTIVE_CATEGORIES, MAX_LINE, recogniseLine, recogniseLog, type LogCategory } from './logRecognisers';

/** A line captured on the local cluster by test/fixtures/health/capture.sh (kubectl logs --timestamps; timestamp dropped). */
const captured = (file: string, pattern: RegExp): string => {
  const text = readFileSync(join(__dirname, '../../../test/fixtures/health', file), 'utf8');
  const line = text.split('\n').find((l) => pattern.test(l));
  assert.ok(line, `no line matching ${pattern} in ${file}`);
  return line.slice(line.indexOf(' ') + 1);
};

function expect(line: string, category: LogCategory, summary: RegExp, reportedRank?: number) {
  const r = recogniseLine(line);
  assert.ok(r, `not recognised: ${line}`);
  assert.equal(r.category, category, line);
  assert.match(r.summary, summary);
  // the line verbatim, a long one cut to MAX_LINE characters
  assert.equal(r.line, line.length > MAX_LINE ? line.slice(0, MAX_LINE - 1) + '…' : line);
  if (reportedRank !== undefined) assert.equal(r.reportedRank, reportedRank);
}

describe('log recognisers: NCCL', () => {
  it('the watchdog timeout of ProcessGroupNCCL, current form (with [rankN]: prefix, glog header, NumelIn/Out)', () => {
    // https://github.com/XPixelGroup/BasicSR/issues/737 (PyTorch 2.x, ProcessGroupNCCL.cpp:616)
    expect(
      '[rank1]:[E626 06:24:44.903881913 ProcessGroupNCCL.cpp:616] [Rank 1] Watchdog caught collective operation timeout: WorkNCCL(SeqNum=808, OpType=ALLREDUCE, NumelIn=9801523, NumelOut=9801523, Timeout(ms)=600000) ran for 600020 milliseconds before timing out.',
      'nccl-timeout',
      /^NCCL watchdog timeout: ALLREDUCE \(SeqNum 808\) ran 600,020 ms \(limit 600,000 ms\)$/,
      1,
    );
    // https://github.com/hiyouga/LlamaFactory/issues/6269 (another collective)
    expect(
      '[rank4]:[E1206 18:44:12.755262105 ProcessGroupNCCL.cpp:607] [Rank 4] Watchdog caught collective operation timeout: WorkNCCL(SeqNum=7753, OpType=_REDUCE_SCATTER_BASE, NumelIn=544997376, NumelOut=68124672, Timeout(ms)=600000) ran for 600099 milliseconds before timing out.',
      'nccl-timeout',
      /_REDUCE_SCATTER_BASE \(SeqNum 7753\) ran 600,099 ms/,
      4,
    );
  });

  it('the watchdog timeout, older form (no Numel fields), even behind a progress bar on the same line', () => {
    // https://github.com/OFA-Sys/OFA/issues/271
    expect(
      '[E ProcessGroupNCCL.cpp:737] [Rank 3] Watchdog caught collective operation timeout: WorkNCCL(SeqNum=469508, OpType=ALLREDUCE, Timeout(ms)=1800000) ran for 1802211 milliseconds before timing out.',
      'nccl-timeout',
      /ALLREDUCE \(SeqNum 469508\) ran 1,802,211 ms \(limit 1,800,000 ms\)/,
      3,
    );
    // https://github.com/pytorch/pytorch/issues/118369
    expect(
      'Epoch 0:   6%|██                               | 32040/500150 [6:28:43<94:39:17,  1.37it/s, loss=2.6, v_num=95nc, reduced_train_loss=2.590, global_step=3.2e+4, consumed_samples=2.56e+7][E ProcessGroupNCCL.cpp:458] [Rank 0] Watchdog caught collective operation timeout: WorkNCCL(SeqNum=96120, OpType=ALLREDUCE, Timeout(ms)=1800000) ran for 25624887 milliseconds before timing out.',
      'nccl-timeout',
      /SeqNum 96120\) ran 25,624,887 ms/,
      0,
    );
  });

  it('NCCL errors: unhandled system error, remote process exited, internal and invalid usage; the source location is left out', () => {
    // https://github.com/NVIDIA/nccl/issues/207 (title)
    expect(
      'NCCL error in: /torch/lib/c10d/ProcessGroupNCCL.cpp:260, unhandled system error',
      'nccl-error',
      /^NCCL error: unhandled system error$/,
    );
    // https://github.com/sgl-project/sglang/issues/4289 (title)
    expect('RuntimeError: NCCL error: unhandled system error', 'nccl-error', /^NCCL error: unhandled system error$/);
    // https://github.com/amdegroot/ssd.pytorch/issues/577 (title)
    expect('RuntimeError: NCCL Error 2: unhandled system error', 'nccl-error', /unhandled system error/);
    // https://github.com/NVIDIA/nccl/issues/1928
    expect(
      '[rank3]: torch.distributed.DistBackendError: NCCL error in: /opt/pytorch/pytorch/torch/csrc/distributed/c10d/ProcessGroupNCCL.cpp:3763, remote process exited or there was a network error, NCCL version 2.28.8',
      'nccl-error',
      /^NCCL error: remote process exited or there was a network error, NCCL version 2\.28\.8$/,
    );
    // https://github.com/NVIDIA/nccl/issues/934
    expect(
      'ncclRemoteError: A call failed possibly due to a network error or a remote process exiting prematurely.',
      'nccl-error',
      /^NCCL error: ncclRemoteError: A call failed possibly/,
    );
    // https://github.com/NVIDIA/nccl/issues/1514
    expect('ncclInternalError: Internal check failed.', 'nccl-error', /ncclInternalError: Internal check failed/);
    // https://github.com/pytorch/pytorch/issues/149984 (title)
    expect(
      'ncclSystemError: System call (e.g. socket, malloc) or external library call failed or device error',
      'nccl-error',
      /ncclSystemError: System call/,
    );
  });

  it('NCCL WARN lines of NCCL_DEBUG output (not collective failures by themselves)', () => {
    // https://github.com/NVIDIA/nccl/issues/795
    expect(
      'a100-st-p4d24xlarge-22:183006:183220 [1] misc/socket.cc:518 NCCL WARN Net : Call to recv from 10.200.84.247<58355> failed : Broken pipe',
      'nccl-warn',
      /^NCCL warning: Net : Call to recv from 10\.200\.84\.247<58355> failed : Broken pipe$/,
    );
    // https://github.com/NVIDIA/nccl/issues/857
    expect('ai:480850:480850 [0] misc/ibvwrap.cc:63 NCCL WARN Failed to open libibverbs.so[.1]', 'nccl-warn', /Failed to open libibverbs/);
    assert.equal(COLLECTIVE_CATEGORIES.has('nccl-warn'), false);
  });
});

describe('log recognisers: gloo', () => {
  it('a peer that closed the connection: upstream and captured from a killed rank on the local cluster', () => {
    // https://github.com/RVC-Project/Retrieval-based-Voice-Conversion-WebUI/issues/1882 (title)
    expect(
      'RuntimeError: [../third_party/gloo/gloo/transport/tcp/pair.cc:534] Connection closed by peer [127.0.0.1]:10895',
      'peer-connection',
      /^gloo: connection closed by peer 127\.0\.0\.1:10895$/,
    );
    // capture.sh, job "killed": the worker's python got SIGKILL at step 5; the master (torch 1.13, Debian) says:
    expect(captured('killed-master-0.log', /RuntimeError/), 'peer-connection', /^gloo: connection closed by peer 127\.0\.0\.1:\d+$/);
  });

  it('a connection reset by the peer (gloo read error)', () => {
    // the same issue, a comment of 2024-04-10
    expect(
      'RuntimeError: [../third_party/gloo/gloo/transport/tcp/pair.cc:589] Read error [192.168.70.92]:25266: Connection reset by peer',
      'peer-connection',
      /^gloo: connection reset by peer 192\.168\.70\.92:25266$/,
    );
    // https://github.com/wmcnally/kapao/issues/89: a plain socket error, not gloo's
    expect('ConnectionResetError: [Errno 104] Connection reset by peer', 'peer-connection', /^a socket: connection reset by peer$/);
  });

  it('a recv timeout (gloo/transport/tcp/unbound_buffer.cc), captured from a SIGSTOPped rank on the local cluster', () => {
    // capture.sh, job "stopped": the worker got SIGSTOP at step 6; the master timed out after the group's 30 s
    const line = captured('stopped-master-0.log', /RuntimeError/);
    assert.equal(
      line,
      'RuntimeError: [./gloo/transport/tcp/unbound_buffer.cc:81] Timed out waiting 30000ms for recv operation to complete',
    );
    expect(line, 'gloo-timeout', /^gloo timed out after 30,000 ms waiting for a recv to complete$/);
    // the send side has the same message in facebookincubator/gloo gloo/transport/tcp/unbound_buffer.cc (UnboundBuffer::waitSend)
    expect(
      '[../third_party/gloo/gloo/transport/tcp/unbound_buffer.cc:133] Timed out waiting 1800000ms for send operation to complete',
      'gloo-timeout',
      /a send/,
    );
  });
});

describe('log recognisers: c10d rendezvous, TCPStore, elastic', () => {
  it('the client socket timeout of the TCPStore: upstream forms and captured with a wrong MASTER_PORT', () => {
    // https://github.com/lllyasviel/ControlNet/issues/382
    expect(
      '[E socket.cpp:793] [c10d] The client socket has timed out after 1800s while trying to connect to (127.0.0.1, 48391).',
      'rendezvous',
      /^the rendezvous store at 127\.0\.0\.1:48391 did not answer within 1800s$/,
    );
    // https://github.com/vllm-project/vllm/issues/19670 (title)
    expect(
      'torch.distributed.DistNetworkError: The client socket has timed out after 600000ms while trying to connect to (172.17.0.9, 46229).',
      'rendezvous',
      /172\.17\.0\.9:46229 did not answer within 600000ms/,
    );
    // capture.sh, job "wrongport": the worker dialled port 23699 where nobody listens
    expect(captured('wrongport-worker-0.log', /^\S+ TimeoutError/), 'rendezvous', /wrongport-master-0:23699 did not answer within 20s/);
  });

  it('Socket Timeout: upstream (pytorch#55571) and captured on the master that waited for the worker', () => {
    // https://github.com/pytorch/pytorch/issues/55571
    expect('RuntimeError: Socket Timeout', 'rendezvous', /^rendezvous: Socket Timeout$/);
    expect(captured('wrongport-master-0.log', /RuntimeError/), 'rendezvous', /Socket Timeout/);
  });

  it('the TCPStore lost mid-run (its server, on the rank that hosts it, went away)', () => {
    // https://github.com/UT-Austin-RobIn/continual-vla-rl/issues/2
    expect(
      '(EmbodiedFSDPActor pid=194723) [rank1]:[W504 16:19:23.815092992 TCPStore.cpp:138] [c10d] recvValueWithTimeout failed on SocketImpl(fd=103, addr=[xukele]:38272, remote=[xukele]:39067): Failed to recv, got 0 bytes. Connection was likely closed. Did the remote server shutdown or crash?',
      'store-lost',
      /^the rendezvous store at xukele:39067 went away \(Failed to recv, got 0 bytes\)$/,
    );
    // https://github.com/xorbitsai/inference/issues/4421
    expect(
      '[rank1]:[W1229 22:06:38.558655037 TCPStore.cpp:106] [c10d] sendBytes failed on SocketImpl(fd=67, addr=[bogon]:36214, remote=[bogon]:43145): Broken pipe',
      'store-lost',
      /^the rendezvous store at bogon:43145 went away \(Broken pipe\)$/,
    );
    // https://github.com/tdrussell/diffusion-pipe/issues/333: a reset by the peer, but of the store, not of gloo
    expect(
      '[rank6]:[W729 10:15:17.529361055 TCPStore.cpp:125] [c10d] recvValue failed on SocketImpl(fd=76, addr=[localhost]:60950, remote=[localhost]:29500): Connection reset by peer',
      'store-lost',
      /^the rendezvous store at localhost:29500 went away \(Connection reset by peer\)$/,
    );
  });

  it('elastic rendezvous errors and ChildFailedError', () => {
    // https://github.com/pytorch/pytorch/issues/64926 (the error handler's JSON)
    expect(
      '    "message": "RendezvousConnectionError: The connection to the C10d store has failed. See inner exception for details.",',
      'rendezvous',
      /^rendezvous: RendezvousConnectionError: The connection to the C10d store has failed\. See inner exception for details\.$/,
    );
    // torch/distributed/elastic/rendezvous/dynamic_rendezvous.py raises RendezvousTimeoutError() without a message;
    // https://github.com/ymcui/Chinese-LLaMA-Alpaca-2/issues/274 shows it as the traceback's last line:
    expect('torch.distributed.elastic.rendezvous.api.RendezvousTimeoutError', 'rendezvous', /RendezvousTimeoutError/);
    // https://github.com/Vision-CAIR/MiniGPT-4/issues/237
    expect('torch.distributed.elastic.multiprocessing.errors.ChildFailedError: ', 'child-failed', /a child process/);
  });
});

describe('log recognisers: the rest', () => {
  it("a Python traceback's last line", () => {
    // https://github.com/wxian3/NeuroLens/issues/2
    expect(
      'torch.cuda.OutOfMemoryError: CUDA out of memory. Tried to allocate 55.57 GiB. GPU 0 has a total capacty of 12.00 GiB of which 9.02 GiB is free. Of the allocated memory 984.52 MiB is allocated by PyTorch, and 463.48 MiB is reserved by PyTorch but unallocated. If reserved but unallocated memory is large try setting max_split_size_mb to avoid fragmentation.  See documentation for Memory Management and PYTORCH_CUDA_ALLOC_CONF',
      'exception',
      /^OutOfMemoryError: CUDA out of memory\. Tried to allocate 55\.57 GiB/,
    );
    // https://github.com/chnsh/DCRNN_PyTorch/issues/6 (no space after the colon)
    expect(
      'RuntimeError:CUDA out of memory. Tried to allocate 20.00 MiB (GPU 0; 5.80 GiB total capacity; 4.36 GiB already allocated; 6.69 MiB free; 4.63 GiB reserved in total by PyTorch)',
      'exception',
      /^RuntimeError: CUDA out of memory/,
    );
  });

  it('ordinary training lines are not recognised (each could trip a loose pattern)', () => {
    for (const l of [
      '[rank 0/2] step 6/200 loss 3.64215',
      'KUBEML_RESULT {"type":"metric","name":"loss","value":3.6421451568603516,"step":6,"split":"rank0"}',
      '  File "/usr/lib/python3/dist-packages/torch/autograd/__init__.py", line 197, in backward',
      'Traceback (most recent call last):',
      'ai:480850:480850 [0] NCCL INFO NET/Socket : Using [0]eth0:162.30.2.40<0>',
      'error_file: <N/A>',
      'Epoch 3: val_error 0.12, timed_out_batches 0',
      '    raise RuntimeError(f"bad {x}")',
      // https://github.com/NVIDIA/nccl/issues/1657: c10d's debug lines at a normal teardown
      '[I323 21:57:08.462050602 TCPStoreLibUvBackend.cpp:120] [c10d - debug] Read callback failed. code:-4095 name:EOF desc:end of file',
    ])
      assert.equal(recogniseLine(l), undefined, l);
  });

  it('recogniseLog keeps the index and time of each recognised line of a real log', () => {
    const text = readFileSync(join(__dirname, '../../../test/fixtures/health/stopped-master-0.log'), 'utf8');
    const lines = text
      .split('\n')
      .filter(Boolean)
      .map((l) => ({ time: Date.parse(l.slice(0, 23) + 'Z'), text: l.slice(l.indexOf(' ') + 1) }));
    const found = recogniseLog(lines);
    assert.equal(found.length, 1);
    assert.equal(found[0]!.category, 'gloo-timeout');
    assert.equal(found[0]!.index, lines.length - 1);
    assert.equal(found[0]!.time, Date.UTC(2026, 11, 3, 19, 4, 43, 989));
  });
});
