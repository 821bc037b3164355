/**
 * Recognisers of distributed-training failures in log lines (issue #16, the doctor): NCCL and gloo collective
 * errors and timeouts, the c10d rendezvous / TCPStore, torch.distributed.elastic, and the last line of a Python
 * traceback. Pure: a line in, what it says out. The messages come from the upstream sources (pytorch's
 * ProcessGroupNCCL.cpp, socket.cpp, TCPStore.cpp; gloo's transport/tcp/pair.cc and unbound_buffer.cc; NCCL's
 * debug output); the tests hold real ones with where each was found.
 */

export type LogCategory =
  | 'nccl-timeout' // ProcessGroupNCCL's watchdog: a collective ran past its timeout
  | 'nccl-error' // NCCL error / ncclSystemError / ncclRemoteError / unhandled system error
  | 'nccl-warn' // a NCCL WARN line of NCCL_DEBUG output
  | 'gloo-timeout' // gloo: Timed out waiting Nms for recv/send operation to complete
  | 'peer-connection' // Connection reset / closed by peer (gloo's pair.cc, or a socket error)
  | 'rendezvous' // c10d TCPStore / rendezvous: client socket timeout (DistNetworkError), Socket Timeout, RendezvousTimeoutError
  | 'store-lost' // the TCPStore's server went away mid-run (recvValue / sendBytes failed): the rank hosting it exited
  | 'child-failed' // torch.distributed.elastic ChildFailedError (torchrun's summary)
  | 'exception'; // the last line of a Python traceback (SomeError: message)

export interface Recognised {
  readonly category: LogCategory;
  /** One readable phrase: "NCCL watchdog timeout: ALLREDUCE (SeqNum 5) ran 600013 ms (limit 600000 ms)". */
  readonly summary: string;
  /** The line as given (trimmed to MAX_LINE characters). */
  readonly line: string;
  /** The rank the line itself names ("[Rank 7]"), when it does. */
  readonly reportedRank?: number;
  /** For a timeout: how long the collective had waited when it gave up (its start is the line's time minus this). */
  readonly waitedMs?: number;
}

/** Categories that are collective-communication failures (the doctor's 'collective' findings). */
export const COLLECTIVE_CATEGORIES: ReadonlySet<LogCategory> = new Set<LogCategory>([
  'nccl-timeout',
  'nccl-error',
  'gloo-timeout',
  'peer-connection',
  'rendezvous',
  'store-lost',
]);

export const MAX_LINE = 400;

/**
 * The words at least one of the recognisers needs: a line with none of them is skipped with one regex test
 * (almost every line of a training log). Case-sensitive on purpose; each word is as the sources print it.
 */
const PREFILTER = /NCCL|nccl|Timed out|timed out|by peer|Socket Timeout|Rendezvous|ChildFailedError|c10d|Error|Exception/;

const trim = (s: string) => (s.length > MAX_LINE ? s.slice(0, MAX_LINE - 1) + '…' : s);

const RANK_IN_BRACKETS = /\[Rank (\d+)\]/;
const rankOf = (line: string): number | undefined => {
  const m = RANK_IN_BRACKETS.exec(line);
  return m ? Number(m[1]) : undefined;
};

// ProcessGroupNCCL.cpp: "[Rank 0] Watchdog caught collective operation timeout: WorkNCCL(SeqNum=5, OpType=ALLREDUCE,
// NumelIn=1, NumelOut=1, Timeout(ms)=600000) ran for 600013 milliseconds before timing out."
const NCCL_WATCHDOG =
  /Watchdog caught collective operation timeout: WorkNCCL\(SeqNum=(\d+), OpType=(\w+)[^)]*?(?:Timeout\(ms\)=(\d+))?\) ran for (\d+) milliseconds/;
// Older and other forms of NCCL timeouts and errors.
const NCCL_ERROR = /NCCL [Ee]rror[^:]*?(?:: |, )(.*)|(ncclSystemError|ncclRemoteError|ncclInternalError|ncclInvalidUsage)\b:?\s*(.*)/;
const NCCL_WARN = /NCCL WARN (.*)/;
// gloo/transport/tcp/unbound_buffer.cc: "Timed out waiting 30000ms for recv operation to complete"
const GLOO_TIMEOUT = /Timed out waiting (\d+)ms for (recv|send) operation to complete/;
// gloo/transport/tcp/pair.cc: "Connection closed by peer [127.0.0.1]:53442", "Read error [10.0.0.2]:25266: Connection reset by peer"
const PEER = /Connection (closed|reset) by peer(?: \[([^\]]+)\]:(\d+))?/;
const PEER_BEFORE = /\[([^\]]+)\]:(\d+): Connection (?:closed|reset) by peer/;
// c10d socket.cpp: "The client socket has timed out after 20s while trying to connect to (host, 23699)."
const CLIENT_SOCKET = /The client socket has timed out after (\S+?) while trying to connect to \(([^,]+), (\d+)\)/;
const STORE_WAIT = /(Socket Timeout|RendezvousTimeoutError.*|RendezvousConnectionError[^"]*)/;
// c10d TCPStore.cpp: "[c10d] recvValueWithTimeout failed on SocketImpl(fd=103, addr=[h]:38272, remote=[h]:39067): Failed to recv, got 0 bytes. ..."
const STORE_LOST = /\[c10d\] (?:recvValue\w*|sendBytes|recvBytes) failed on SocketImpl\([^)]*remote=\[([^\]]+)\]:(\d+)\): ([^.]*)/;
const CHILD_FAILED = /ChildFailedError/;
// The last line of a Python traceback: "RuntimeError: ...", "torch.distributed.DistBackendError: ...", "KeyboardInterrupt".
const EXCEPTION = /^(?:[A-Za-z_][\w]*\.)*([A-Z]\w*(?:Error|Exception|Interrupt|Exit))(?::\s?(.*))?$/;

const ms = (n: string) => `${Number(n).toLocaleString('en-US')} ms`;

/** What one log line says, when it is one of the recognised messages; undefined for the rest (nearly all lines). */
export function recogniseLine(text: string): Recognised | undefined {
  if (!PREFILTER.test(text)) return undefined;
  const line = trim(text);
  let m = NCCL_WATCHDOG.exec(text);
  if (m) {
    const limit = m[3] ? ` (limit ${ms(m[3])})` : '';
    return {
      category: 'nccl-timeout',
      summary: `NCCL watchdog timeout: ${m[2]} (SeqNum ${m[1]}) ran ${ms(m[4]!)}${limit}`,
      line,
      reportedRank: rankOf(text),
      waitedMs: Number(m[4]),
    };
  }
  m = GLOO_TIMEOUT.exec(text);
  if (m)
    return {
      category: 'gloo-timeout',
      summary: `gloo timed out after ${ms(m[1]!)} waiting for a ${m[2]} to complete`,
      line,
      waitedMs: Number(m[1]),
    };
  m = CLIENT_SOCKET.exec(text);
  if (m)
    return {
      category: 'rendezvous',
      summary: `the rendezvous store at ${m[2]}:${m[3]} did not answer within ${m[1]}`,
      line,
    };
  m = STORE_LOST.exec(text);
  if (m) return { category: 'store-lost', summary: `the rendezvous store at ${m[1]}:${m[2]} went away (${m[3]!.trim()})`, line };
  m = PEER.exec(text);
  if (m) {
    const at = m[2] ? ` ${m[2]}:${m[3]}` : ((b) => (b ? ` ${b[1]}:${b[2]}` : ''))(PEER_BEFORE.exec(text));
    const who = text.includes('gloo') ? 'gloo' : 'a socket';
    return { category: 'peer-connection', summary: `${who}: connection ${m[1]} by peer${at}`, line };
  }
  m = NCCL_ERROR.exec(text);
  if (m) {
    let what = (m[1] ?? (m[2] ? `${m[2]}: ${m[3] ?? ''}` : '')).trim();
    // "in: /torch/lib/c10d/ProcessGroupNCCL.cpp:260, unhandled system error": the source location says nothing to a user
    const after = /\.(?:cpp|hpp|cc|cu|h):\d+, (.*)/.exec(what);
    if (after) what = after[1]!;
    return { category: 'nccl-error', summary: `NCCL error: ${what.slice(0, 160) || 'see the line'}`, line, reportedRank: rankOf(text) };
  }
  m = STORE_WAIT.exec(text);
  if (m) return { category: 'rendezvous', summary: `rendezvous: ${m[1]!.trim().slice(0, 160)}`, line };
  m = NCCL_WARN.exec(text);
  if (m) return { category: 'nccl-warn', summary: `NCCL warning: ${m[1]!.trim().slice(0, 160)}`, line };
  if (CHILD_FAILED.test(text)) return { category: 'child-failed', summary: 'torchrun: a child process (rank) failed', line };
  m = EXCEPTION.exec(text.trim());
  if (m) return { category: 'exception', summary: m[2] ? `${m[1]}: ${m[2].slice(0, 160)}` : m[1]!, line };
  return undefined;
}

/** A recognised line of a rank's log, with its index in the log and its time. */
export interface RecognisedAt extends Recognised {
  readonly index: number;
  readonly time?: number;
}

/** Every recognised line of a log, oldest first. */
export function recogniseLog(lines: ReadonlyArray<{ readonly time?: number; readonly text: string }>): RecognisedAt[] {
  const out: RecognisedAt[] = [];
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i]!;
    const r = recogniseLine(l.text);
    if (r) out.push(l.time === undefined ? { ...r, index: i } : { ...r, index: i, time: l.time });
  }
  return out;
}
