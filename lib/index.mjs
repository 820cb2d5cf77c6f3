// The ES module entry: the same default instance as require('leakguard')
// (one per isolate; an ESM import and a require in the same program share
// it), with its methods as named exports bound to it, so that
//   import leakguard, { HeapDiff, gc, on } from 'leakguard';
// works as `leakguard.HeapDiff`, `leakguard.gc()`, `leakguard.on(...)` do.
import leakguard from './index.js';

const bound = (name) => leakguard[name].bind(leakguard);

export default leakguard;
export const { HeapDiff, findLeaks, analyze, diff, summary, allocationProfile } = leakguard;
export const start = bound('start');
export const stop = bound('stop');
export const configure = bound('configure');
export const heapStats = bound('heapStats');
export const timeline = bound('timeline');
export const report = bound('report');
export const gc = bound('gc');
export const writeSnapshot = bound('writeSnapshot');
export const enableSnapshots = bound('enableSnapshots');
export const disableSnapshots = bound('disableSnapshots');
export const snapshotStats = bound('snapshotStats');
export const on = bound('on');
export const once = bound('once');
export const off = bound('off');
