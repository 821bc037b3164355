import { strict as assert } from 'node:assert';
import { analyseProgress, latestStep, type ProgressPoint, type RankProgressInput } from './progress';

const NOW = Date.UTC(2026, 11, 3, 12, 0, 0);
const S = 1000;
const MIN = 60 * S;

/** Steps 1..last, one every `every` ms, the last one at `lastAt`. */
function steps(last: number, every: number, lastAt: number): ProgressPoint[] {
  return Array.from({ length: last }, (_, i) => ({ step: i + 1, time: lastAt - (last - 1 - i) * every }));
}
const rank = (name: string, points: ProgressPoint[], extra: Partial<RankProgressInput> = {}): RankProgressInput => ({
  rank: name,
  pod: `job-${name}`,
  points,
  started: NOW - 60 * MIN,
  ...extra,
});

describe('progress model', () => {
  it('latestStep: the time a step was first reached; repeated metrics at the same step are not progress', () => {
    const p = latestStep([
      { step: 1, time: 10 },
      { step: 2, time: 20 },
      { step: 2, time: 25 }, // another metric of step 2
      { step: 2, time: 90 },
    ]);
    assert.deepEqual(p, { step: 2, time: 20 });
  });

  it('a rank that stopped while the others go on is hung; a slow rank that still moves is not', () => {
    const r = analyseProgress(
      [
        rank('master-0', steps(180, 1 * S, NOW - 1 * S)),
        rank('worker-0', steps(179, 1 * S, NOW - 2 * S)),
        rank('worker-1', steps(120, 1 * S, NOW - 3 * MIN)), // stopped 3 min ago
        rank('worker-2', steps(150, 40 * S, NOW - 30 * S)), // one step every 40 s: slow, not hung
      ],
      NOW,
    );
    assert.deepEqual(
      r.hung.map((h) => [h.rank, h.step, h.stalledMs]),
      [['worker-1', 120, 3 * MIN]],
    );
    assert.deepEqual(
      r.hung[0]!.others.map((o) => [o.rank, o.step]),
      [
        ['master-0', 180],
        ['worker-0', 179],
        ['worker-2', 150],
      ],
    );
    assert.equal(r.allStalled, false);
  });

  it('the threshold is hungAfterMs: 59 s without progress is not hung, 61 s is (default 60 s); a setting moves it', () => {
    const at = (ms: number) => analyseProgress([rank('a', steps(50, S, NOW)), rank('b', steps(40, S, NOW - ms))], NOW).hung.length;
    assert.equal(at(59 * S), 0);
    assert.equal(at(61 * S), 1);
    const r = analyseProgress([rank('a', steps(50, S, NOW)), rank('b', steps(40, S, NOW - 61 * S))], NOW, { hungAfterMs: 5 * MIN });
    assert.equal(r.hung.length, 0);
  });

  it('all ranks stopped (finished, paused, or a lockstep hang) is no hung rank, but allStalled', () => {
    const r = analyseProgress(
      [
        rank('master-0', steps(200, S, NOW - 5 * MIN)),
        rank('worker-0', steps(200, S, NOW - 5 * MIN + 3)),
        rank('worker-1', steps(199, S, NOW - 5 * MIN - 900)),
      ],
      NOW,
    );
    assert.deepEqual(r.hung, []);
    assert.equal(r.allStalled, true);
  });

  it('no false hung at job start: a rank that started late is judged from its start, ranks without evidence are not judged', () => {
    const r = analyseProgress(
      [
        rank('master-0', steps(30, S, NOW), { started: NOW - 2 * MIN }),
        // started 40 s ago, its first step long ago by a skewed clock would say stalled: its start wins
        rank('worker-0', [{ step: 1, time: NOW - 5 * MIN }], { started: NOW - 40 * S }),
        // no steps and two start-up lines: many jobs log from rank 0 only
        rank('worker-1', [], { firstLineTime: NOW - 2 * MIN, lastLineTime: NOW - 119 * S, lineCount: 2 }),
        // no steps, no lines at all
        rank('worker-2', []),
        // no steps, two lines minutes apart (a start line and a checkpoint line): too few to judge
        rank('worker-3', [], { firstLineTime: NOW - 10 * MIN, lastLineTime: NOW - 5 * MIN, lineCount: 2 }),
      ],
      NOW,
    );
    assert.deepEqual(r.hung, []);
    assert.deepEqual(
      r.ranks.map((x) => x.basis),
      ['steps', 'steps', 'none', 'none', 'none'],
    );
  });

  it('without steps, the last log line: a rank that logged for minutes and went silent is hung', () => {
    const logged = (first: number, last: number, n: number): Partial<RankProgressInput> => ({
      points: [],
      firstLineTime: first,
      lastLineTime: last,
      lineCount: n,
      lastLine: 'epoch 3 batch 120/500 loss 0.41',
    });
    const r = analyseProgress(
      [
        rank('master-0', [], logged(NOW - 10 * MIN, NOW - 2 * S, 600)),
        rank('worker-0', [], logged(NOW - 10 * MIN, NOW - 4 * MIN, 360)),
        rank('worker-1', [], logged(NOW - 10 * MIN, NOW - 1 * S, 600)),
      ],
      NOW,
    );
    assert.deepEqual(
      r.hung.map((h) => [h.rank, h.basis, h.since, h.lastLine]),
      [['worker-0', 'log', NOW - 4 * MIN, 'epoch 3 batch 120/500 loss 0.41']],
    );
  });

  it('a straggler is far behind the median step (25% by default); a few steps behind is not', () => {
    const r = analyseProgress(
      [
        rank('master-0', steps(180, S, NOW)),
        rank('worker-0', steps(178, S, NOW)),
        rank('worker-1', steps(181, S, NOW)),
        rank('worker-2', steps(100, 2 * S, NOW)), // progressing, but far behind
        rank('worker-3', steps(160, S, NOW)), // 18 behind the median 178: not a straggler
      ],
      NOW,
    );
    assert.deepEqual(r.hung, []);
    assert.deepEqual(
      r.stragglers.map((s) => [s.rank, s.step, s.median, s.behind]),
      [['worker-2', 100, 178, 78]],
    );
    assert.deepEqual(
      analyseProgress([rank('a', steps(180, S, NOW)), rank('b', steps(140, S, NOW))], NOW, { stragglerFraction: 0.1 }).stragglers.map(
        (s) => s.rank,
      ),
      ['b'],
    );
  });

  it('no straggler at job start (median under 8 steps), and a hung rank is not also a straggler', () => {
    assert.deepEqual(analyseProgress([rank('a', steps(6, S, NOW)), rank('b', steps(1, S, NOW))], NOW).stragglers, []);
    const r = analyseProgress([rank('a', steps(100, S, NOW)), rank('b', steps(100, S, NOW)), rank('c', steps(20, S, NOW - 5 * MIN))], NOW);
    assert.deepEqual(
      r.hung.map((h) => h.rank),
      ['c'],
    );
    assert.deepEqual(r.stragglers, []);
  });
});
