/**
 * A rank's log as the doctor reads it: `kubectl logs --timestamps` output split into stamped lines, and the
 * progress points (time, step) of its KUBEML_RESULT step metrics. Pure; written for logs of millions of lines
 * (no regex and no allocation per line beyond the line itself).
 */
import { parseResultLine, RESULT_MARKER } from '../runResults';
import type { ProgressPoint } from './progress';
import type { RankLogLine } from './types';

const DASH = 45; // '-'
const T = 84; // 'T'
const DOT = 46; // '.'
const Z = 90; // 'Z'
const PLUS = 43; // '+'
const CR = 13;
const ZERO = 48;
const COLON = 58;

/** Two decimal digits at `at`, or NaN. */
function two(s: string, at: number): number {
  const a = s.charCodeAt(at) - ZERO;
  const b = s.charCodeAt(at + 1) - ZERO;
  return a >= 0 && a <= 9 && b >= 0 && b <= 9 ? a * 10 + b : NaN;
}

/**
 * Splits `kubectl logs --timestamps` output (each line prefixed by the kubelet's RFC3339Nano time and a space:
 * "2026-12-03T19:04:43.989329313Z text") into lines with their time in whole ms (the digits after the
 * milliseconds are dropped). A line without a stamp keeps its text and has no time. A final empty line (the trailing newline) is
 * dropped; CRLF line ends are accepted.
 */
export function parseTimestampedLog(text: string): RankLogLine[] {
  const out: RankLogLine[] = [];
  const n = text.length;
  let start = 0;
  let dayKey = ''; // "2026-12-03": consecutive lines share the day; Date.parse once per day, the time of day by hand
  let dayMs = NaN;
  while (start < n) {
    let end = text.indexOf('\n', start);
    if (end === -1) end = n;
    let lineEnd = end;
    if (lineEnd > start && text.charCodeAt(lineEnd - 1) === CR) lineEnd--;
    const time = stampAt(text, start, lineEnd);
    if (time === undefined) out.push({ text: text.slice(start, lineEnd) });
    else {
      const sp = text.indexOf(' ', start + 19);
      out.push({ time, text: sp === -1 || sp >= lineEnd ? '' : text.slice(sp + 1, lineEnd) });
    }
    start = end + 1;
  }
  return out;

  function stampAt(s: string, at: number, lineEnd: number): number | undefined {
    if (lineEnd - at < 20 || s.charCodeAt(at + 4) !== DASH || s.charCodeAt(at + 10) !== T) return undefined;
    if (!dayKey || !s.startsWith(dayKey, at)) {
      const key = s.slice(at, at + 10);
      const ms = Date.parse(key + 'T00:00:00Z');
      if (Number.isNaN(ms)) return undefined;
      dayKey = key;
      dayMs = ms;
    }
    if (s.charCodeAt(at + 13) !== COLON || s.charCodeAt(at + 16) !== COLON) return undefined;
    const hh = two(s, at + 11);
    const mi = two(s, at + 14);
    const ss = two(s, at + 17);
    if (!(hh < 24 && mi < 60 && ss < 61)) return undefined; // NaN fails too
    const secondMs = dayMs + hh * 3_600_000 + mi * 60_000 + ss * 1000;
    let i = at + 19;
    let frac = 0;
    if (s.charCodeAt(i) === DOT) {
      // milliseconds from the first three digits (fewer when the stamp has fewer: RFC3339Nano drops trailing zeros),
      // the digits after them are skipped
      i++;
      let scale = 100;
      for (let c = s.charCodeAt(i); c >= ZERO && c <= ZERO + 9; c = s.charCodeAt(++i)) {
        if (scale < 1) {
          while (c >= ZERO && c <= ZERO + 9) c = s.charCodeAt(++i);
          break;
        }
        frac += (c - ZERO) * scale;
        scale /= 10;
      }
    }
    const zone = s.charCodeAt(i);
    if (zone === Z) return secondMs + frac;
    if (zone === PLUS || zone === DASH) {
      // +hh:mm / -hh:mm: the local time is ahead (+) of UTC by the offset
      const hh = Number(s.slice(i + 1, i + 3));
      const mm = Number(s.slice(i + 4, i + 6));
      if (Number.isNaN(hh) || Number.isNaN(mm)) return undefined;
      const off = (hh * 60 + mm) * 60_000;
      return secondMs + frac + (zone === PLUS ? -off : off);
    }
    return undefined;
  }
}

const STEP_KEY = '"step"';

/** The number after `"step":` in a KUBEML_RESULT line, read without parsing the JSON; NaN when there is none. */
function quickStep(text: string, from: number): number {
  const at = text.indexOf(STEP_KEY, from);
  if (at === -1) return NaN;
  let i = at + STEP_KEY.length;
  let c = text.charCodeAt(i);
  while (c === 32) c = text.charCodeAt(++i);
  if (c !== 58) return NaN; // ':'
  c = text.charCodeAt(++i);
  while (c === 32) c = text.charCodeAt(++i);
  let v = 0;
  let digits = 0;
  while (c >= ZERO && c <= ZERO + 9) {
    v = v * 10 + (c - ZERO);
    digits++;
    c = text.charCodeAt(++i);
  }
  if (c === DOT || c === 101 || c === 69) return NaN; // 6.5, 1e3: left to the parser
  return digits ? v : NaN;
}

/**
 * The progress points of a log: for each KUBEML_RESULT metric with a step (src/model/runResults.ts is the parser)
 * on a stamped line, the time its step was first exceeded — one point per new highest step, oldest first. Other
 * metrics at a step already reached (a second metric, an evaluation) are not progress and are skipped before
 * parsing, which keeps a log of a million lines fast.
 */
export function stepsFromLog(lines: readonly RankLogLine[]): ProgressPoint[] {
  const out: ProgressPoint[] = [];
  let max = -Infinity;
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i]!;
    if (l.time === undefined) continue;
    const at = l.text.indexOf(RESULT_MARKER);
    if (at === -1) continue;
    const quick = quickStep(l.text, at);
    if (quick <= max) continue; // NaN (no plain number) falls through to the parser
    const p = parseResultLine(l.text);
    if (p.kind !== 'result' || p.result.type !== 'metric' || p.result.step === undefined) continue;
    if (p.result.step > max) {
      max = p.result.step;
      out.push({ time: l.time, step: max });
    }
  }
  return out;
}

/** The metric step of a KUBEML_RESULT line by the runResults parser, or undefined. */
function parsedStep(text: string): number | undefined {
  const p = parseResultLine(text);
  return p.kind === 'result' && p.result.type === 'metric' ? p.result.step : undefined;
}

/**
 * The rank's latest step and the time it was first reached, read from the end of the log: what the progress
 * model needs, without parsing every metric of a long log (stepsFromLog parses one line per step). The scan stops
 * at the first older step before the latest one's first line. Undefined when the log has no step metric.
 */
export function latestStepFromLog(lines: readonly RankLogLine[]): ProgressPoint | undefined {
  let best: ProgressPoint | undefined;
  for (let i = lines.length - 1; i >= 0; i--) {
    const l = lines[i]!;
    if (l.time === undefined) continue;
    const at = l.text.indexOf(RESULT_MARKER);
    if (at === -1) continue;
    if (best) {
      const quick = quickStep(l.text, at);
      if (quick < best.step) break; // an older step: the latest one was first reached after it
      if (quick > best.step) continue; // a higher step logged before (a restart from an earlier checkpoint): not this run
    }
    const step = parsedStep(l.text);
    if (step === undefined) continue;
    if (!best) best = { time: l.time, step };
    else if (step === best.step) best = { time: l.time, step };
    else if (step < best.step) break;
  }
  return best;
}
