// The drift report page (a webview: its document is a frame two iframes down) as e2e scenarios
// wait for it: the frame once its feature table is there, and its charts once they are drawn.
import { inPage, until } from './waits.mjs';

/** Texts of the drift pages open now (their #summary), to say what was there when a wait fails. */
async function pagesSeen(wb) {
  const seen = [];
  for (const f of wb.page.frames()) {
    const s = await f
      .evaluate(() =>
        document.getElementById('features')
          ? `${document.querySelectorAll('#features tbody tr').length} feature row(s), summary "${document.getElementById('summary')?.textContent ?? ''}"`
          : undefined,
      )
      .catch(() => undefined);
    if (s) seen.push(s);
  }
  return seen.length ? seen.join(' | ') : 'no drift page';
}

/** The frame of a drift page that shows its feature table (and, if given, a summary matching `summary`). */
export async function driftFrame(wb, { summary, timeout = 45_000 } = {}) {
  const what = summary ? `a drift page with its feature table and a summary matching ${summary}` : 'a drift page with its feature table';
  return until(
    what,
    timeout,
    async () => {
      for (const f of wb.page.frames()) {
        const text = await f
          .evaluate(() =>
            document.querySelectorAll('#features tbody tr').length > 0
              ? (document.getElementById('summary')?.textContent ?? '')
              : undefined,
          )
          .catch(() => undefined);
        if (text !== undefined && (!summary || summary.test(text))) return f;
      }
      return undefined;
    },
    { state: () => pagesSeen(wb) },
  );
}

/** Marks the charts drawn now, so that waitForCharts(..., { redrawn: true }) waits for new ones. */
export async function markCharts(frame, ids) {
  await frame.evaluate((ids) => {
    for (const id of ids) {
      const c = document.querySelector(`#${id} canvas`);
      if (c) c.dataset.e2eDrawnBefore = 'yes';
    }
  }, ids);
}

/**
 * Waits until each chart (by its container's id) is shown and painted: its canvas has more than
 * 1,000 painted pixels. With `redrawn`, only a canvas made after markCharts() counts (uPlot makes a
 * new one on every draw: theme, data, size).
 */
export async function waitForCharts(frame, ids, what, { redrawn = false, timeout = 15_000 } = {}) {
  await inPage(
    frame,
    `${what}: ${redrawn ? 'redrawn' : 'drawn'} (${ids.map((id) => `#${id}`).join(', ')})`,
    timeout,
    ({ ids, redrawn }) =>
      ids.every((id) => {
        const box = document.getElementById(id);
        const c = box?.querySelector('canvas');
        if (!c || box.hidden || c.width === 0 || c.height === 0) return false;
        if (redrawn && c.dataset.e2eDrawnBefore) return false;
        const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
        let n = 0;
        for (let i = 3; i < d.length && n <= 1000; i += 4) if (d[i] > 0) n++;
        return n > 1000;
      }),
    { ids, redrawn },
  );
}
