// Compile-only check of lib/index.d.mts: the ES module entry's default and
// named exports, as a TypeScript program in nodenext mode imports them.
import leakguard, {
  HeapDiff, gc, on, start, stop, heapStats, writeSnapshot, findLeaks,
  type LeakInfo, type SnapshotInfo, type HeapDiffResult, type RemoteProfileInfo,
  type AllocationProfile,
} from 'leakguard';

async function checks(): Promise<void> {
  start({ sensitivity: 'high' });
  on('leak', (info: LeakInfo) => console.log(info.kind, info.bytesPerSecond, info.reason));
  leakguard.on('stats', (s) => console.log(s.num_full_gc));
  gc();
  const diff: HeapDiff = new HeapDiff();
  const result: HeapDiffResult = diff.end();
  console.log(result.change.size_bytes, heapStats().detector);
  const snap: SnapshotInfo = await writeSnapshot({ dir: '/tmp' });
  console.log(snap.path, snap.bytes);
  const report = await findLeaks({ run: () => undefined });
  console.log(report.report.groups.length);
  leakguard.on('profile', (p: RemoteProfileInfo) => console.log(p.path, p.pprofPath, p.sites[0]?.site));
  console.log(leakguard.snapshotStats().profileRequests);
  const profile: AllocationProfile = await leakguard.allocationProfile({ durationMs: 10 });
  const pprof: Buffer = profile.toPprof();
  console.log(profile.sites(3), pprof.length);
  stop();
}
void checks;
