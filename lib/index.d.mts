// Types of the ES module entry (lib/index.mjs): the default export is the
// instance that lib/index.d.ts describes, and its methods are named exports.
import leakguard from './index.js';

export default leakguard;

type LeakGuard = typeof leakguard;

export type {
  MonitorOptions, LeakSuspect, LeakInfo, DetectorKindStats, DetectorStats,
  GcType, GcEvent, Stats, GcTypeCounters, HeapSpace, HeapStats,
  SnapshotFileOptions, WriteSnapshotOptions, SnapshotSignal,
  EnableSnapshotsOptions, SnapshotTrigger, SnapshotInfo, SnapshotStats,
  SnapshotError, PathHop, LeakGroup, LeakComposition, SourceLocation, AnalyzeReport, HeapDiffSide,
  HeapDiffDetail, HeapDiffResult, HeapDiffOptions, HeapDiffConstructor,
  FindLeaksOptions, SummaryReport, AllocationProfileOptions, AllocationCallFrame,
  AllocationNode, AllocationProfile, RemoteProfileInfo,
} from './index.js';

/** memwatch's HeapDiff, on this thread's heap. */
export declare const HeapDiff: LeakGuard['HeapDiff'];
export type HeapDiff = import('./index.js').HeapDiff;
export declare const findLeaks: LeakGuard['findLeaks'];
export declare const allocationProfile: LeakGuard['allocationProfile'];
export declare const analyze: LeakGuard['analyze'];
export declare const diff: LeakGuard['diff'];
export declare const summary: LeakGuard['summary'];
export declare const start: LeakGuard['start'];
export declare const stop: LeakGuard['stop'];
export declare const configure: LeakGuard['configure'];
export declare const heapStats: LeakGuard['heapStats'];
export declare const timeline: LeakGuard['timeline'];
export declare const report: LeakGuard['report'];
export declare const gc: LeakGuard['gc'];
export declare const writeSnapshot: LeakGuard['writeSnapshot'];
export declare const enableSnapshots: LeakGuard['enableSnapshots'];
export declare const disableSnapshots: LeakGuard['disableSnapshots'];
export declare const snapshotStats: LeakGuard['snapshotStats'];
export declare const on: LeakGuard['on'];
export declare const once: LeakGuard['once'];
export declare const off: LeakGuard['off'];
