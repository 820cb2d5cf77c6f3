// Compile-only check of lib/testing/index.d.ts and lib/testing/jest.d.ts against the
// installed Jest and Vitest types (tsc -p test/runners/types).
import { assertNoLeak, measureHeap, LeakError, type HeapReport } from 'leakguard/testing';
import { matchers, register } from 'leakguard/jest';
import { expect as jestExpect } from '@jest/globals';
import { expect as vitestExpect } from 'vitest';
import leakguard = require('leakguard');

async function checks(): Promise<void> {
  const report: HeapReport = await assertNoLeak(() => [1, 2, 3], { iterations: 100, rounds: 4 });
  const bytes: number = report.bytesPerIteration + report.noiseFloor + report.samples[0].heapUsed;
  const measured = await measureHeap(async () => { await Promise.resolve(); }, { warmup: 10, name: 'x' });
  if (measured.growing) console.log(measured.growing[0].what, measured.growing[0].count);
  try {
    await assertNoLeak(() => undefined, { maxBytesPerIteration: 32, timeoutMs: 5000, explain: false });
  } catch (err) {
    if (err instanceof LeakError) console.log(err.report.confidence, err.message, err.code);
  }
  await jestExpect(() => 1).not.toLeak();
  await jestExpect(() => 1).not.toLeak({ iterations: 1000 });
  await vitestExpect(() => 1).not.toLeak({ rounds: 10 });
  register(vitestExpect);
  jestExpect.extend(matchers);
  // @ts-expect-error: unknown option
  await assertNoLeak(() => 1, { iteration: 10 });
  // @ts-expect-error: toLeak returns a promise of nothing
  const n: number = await vitestExpect(() => 1).not.toLeak();
  console.log(bytes, n);
}
function monitorChecks(): void {
  leakguard.start({ sensitivity: 'high', windowMs: 60000, probeIntervalMs: 0 });
  leakguard.on('leak', (info: leakguard.LeakInfo) => {
    const when: Date = info.start;
    const kind: 'heap' | 'external' | 'rss' = info.kind;
    console.log(when.toISOString(), kind, info.growth, info.reason, info.bytesPerSecond, info.confidence);
  });
  const d: leakguard.DetectorStats = leakguard.heapStats().detector;
  console.log(d.probesRequested, d.samples.heap, d.kinds.heap.verdict);
  void leakguard.analyze(['a', 'b', 'c'], { top: 5 }).then((r: leakguard.AnalyzeReport) =>
    console.log(r.report.groups[0].path, r.report.groups[0].hops[0].node));
  void leakguard.diff('a', 'b').then((d) => console.log(d.change.details[0]['+']));
  // @ts-expect-error: not a sensitivity
  leakguard.configure({ sensitivity: 'extreme' });
}
void checks;
void monitorChecks;
