// Type definitions for leakguard's default export.
import { EventEmitter } from 'node:events';

declare namespace leakguard {
  /** Options of start() and configure(). */
  interface MonitorOptions {
    /** How often RSS and external memory are sampled, ms (100..86400000, default 1000). */
    sampleIntervalMs?: number;
    /** GC records buffered between the GC callback and the monitor thread (16..1048576, default 4096). */
    ringCapacity?: number;
    /** Events waiting for the main thread before new ones are dropped and counted (16..1000000, default 10000). */
    maxQueuedEvents?: number;
    /** How much evidence a 'leak' event needs (default 'medium'); see docs/detector.md. */
    sensitivity?: 'low' | 'medium' | 'high';
    /** Least growth over the window that can be a leak, bytes (0..2^53-1, default 2097152). */
    minGrowthBytes?: number;
    /** Least growth over the window as a fraction of the base (0..10, default by sensitivity: 0.2, 0.1, 0.05). */
    minRelativeGrowth?: number;
    /** Sliding window the trend is judged on, ms (10000..604800000, default 300000). */
    windowMs?: number;
    /** No verdict before this many ms after start(): growth that started in it must go on past it (0..86400000, default 20000). */
    warmupMs?: number;
    /** Smallest gap between two 'leak' events of one kind, ms (0..86400000, default 60000). */
    minLeakIntervalMs?: number;
    /** Ask for a live-set sample when no full GC came for this long, ms; 0: never (0 or 100..86400000, default 5000). */
    probeIntervalMs?: number;
    /** RSS at which something else ends this process (PM2's max_memory_restart, a platform quota), bytes; time to limit counts it as a limit too (0 or 1048576..2^53-1, default 0: the cgroup limit or the machine's memory alone). */
    memoryLimitBytes?: number;
    /** Long horizons judged alongside windowMs, ms, ascending, each > windowMs, at most 4, <= 604800000; 'none' is [] (default 'default': 3600000, 86400000). */
    horizons?: 'default' | 'none' | number[];
    /** What 'leak' events say about the leak (default 'allocations'). */
    explain?: 'allocations' | 'constructors' | 'snapshots' | 'none';
    /** Skip explain snapshots estimated to pause the process longer, ms (0..600000, default 5000). */
    explainMaxPauseMs?: number;
    /** explain: 'allocations': mean bytes between two allocation samples (1024..1073741824, default 524288). */
    allocationIntervalBytes?: number;
    /** explain: 'allocations': frames kept per sample (1..1024, default 64). */
    allocationStackDepth?: number;
  }

  /**
   * One suspect of a 'leak' event: an allocation site that grew (explain:
   * 'allocations'), a constructor that grew, or (explain: 'snapshots') a leak group.
   */
  interface LeakSuspect {
    /** The site (allocations), the constructor or the group's class. */
    what: string;
    /** constructors and snapshots: objects more than at the first event (or in the group). */
    count?: number;
    /** Bytes: live sampled bytes of the site (allocations), more (constructors, shallow), retained (snapshots). */
    bytes: number;
    /** explain: 'snapshots' only: the group's retainer path. */
    path?: string;
    /** explain: 'snapshots' only: a function group's script (no line: in-memory snapshot). */
    location?: SourceLocation;
    /** explain: 'snapshots' only: who holds the group. */
    holder?: { expression: string; node: string; id: number } | null;
    /** explain: 'snapshots' only: what the group keeps alive. */
    retains?: LeakComposition[];
    /** explain: 'snapshots' only: example keys of a cache. */
    keys?: string[];
    /**
     * allocations: `fn (file:line:col)`, the innermost frame of the application's own code (else of a
     * dependency, else Node's or V8's): the function in which V8 sampled the allocation, named by the line
     * where it is defined. Functions it calls may have been inlined into it.
     */
    site?: string;
    /** allocations: where the site's code is: the application's, a dependency's (node_modules), or Node's, V8's or leakguard's. */
    origin?: 'app' | 'dependency' | 'internal';
    /** allocations: the frames of the heaviest stack behind the site, innermost first. */
    stack?: string[];
    /** allocations: live sampled bytes more than when sampling began. */
    growth?: number;
    /** allocations: that growth per second. */
    bytesPerSecond?: number;
  }

  interface AllocationProfileOptions {
    /** How long to sample before reading the profile, ms (0..86400000, default 10000). */
    durationMs?: number;
    /** Mean bytes between two samples (1024..1073741824, default 524288). */
    intervalBytes?: number;
    /** Frames kept per sample (1..1024, default 64). */
    stackDepth?: number;
  }

  interface AllocationCallFrame {
    functionName: string;
    scriptId: string;
    url: string;
    /** 0-based, as in DevTools; -1 when unknown. */
    lineNumber: number;
    columnNumber: number;
  }

  interface AllocationNode {
    callFrame: AllocationCallFrame;
    /** Live bytes allocated by this frame itself, scaled from the samples. */
    selfSize: number;
    id: number;
    children: AllocationNode[];
  }

  /** allocationProfile()'s result; JSON.stringify() of it is a DevTools .heapprofile. */
  /** The 'profile' event: files written for `leakguard profile <pid>`. */
  interface RemoteProfileInfo {
    /** DevTools' .heapprofile, mode 0600, in the snapshot directory. */
    path: string;
    /** The same profile as gzip-compressed pprof. */
    pprofPath: string;
    durationMs: number;
    /** The sampler's interval; 0 when it was someone else's. */
    intervalBytes: number;
    samples: number;
    /** The five largest allocation sites by live sampled bytes. */
    sites: { site: string; stack: string[]; bytes: number }[];
  }

  interface AllocationProfile {
    head: AllocationNode;
    samples: { size: number; nodeId: number; ordinal: number }[];
    /** More than 200000 nodes or 1000000 samples: the rest was left out. */
    truncated: boolean;
    /** The sampler's interval; 0 when it was someone else's. */
    intervalBytes: number;
    startTime: number;
    endTime: number;
    toJSON(): { head: AllocationNode; samples: { size: number; nodeId: number; ordinal: number }[] };
    /** Live sampled bytes by site, largest first. */
    sites(top?: number): { site: string; stack: string[]; bytes: number }[];
    /** pprof (profile.proto, gzip-compressed): objects/count and space/bytes. */
    toPprof(): Buffer;
  }

  /** One kind's live-set history in timeline(): buckets of the lowest and highest sample, oldest first. */
  interface TimelineKind {
    /** Bucket width now: 1 s at first, doubling up to 64 s as the series fills. */
    bucketMs: number;
    /** Buckets dropped from the old end (beyond ~36 h). */
    dropped: number;
    /** Each bucket's first sample, ms since the epoch. */
    t: number[];
    min: number[];
    max: number[];
    /** The detector's line over its short window now (for rss: the native estimate's). */
    trend: { estimatedBase: number; bytesPerSecond: number; confidence: number; samples: number;
             leaking: boolean; verdict: string };
  }

  /** A leak episode: its first 'leak' event and the newest one. */
  interface TimelineEpisode {
    kind: 'heap' | 'external' | 'rss';
    /** ms since the epoch. */
    start: number;
    end: number;
    events: number;
    growth: number;
    bytesPerSecond: number;
    estimatedBase: number;
    horizonMs: number;
    windowMs: number;
    confidence: number;
    reason: string;
    /** The newest event's time to limit (null in JSON when infinite) and limit. */
    timeToLimitMs: number | null;
    limit: MemoryLimit | null;
    suspects?: LeakSuspect[];
    /** Set by 'leakEnd': when the plateau began (ms since the epoch), how long it has been flat, and why it ended. */
    closed?: number;
    flatMs?: number;
    endReason?: string;
    endCause?: LeakEndInfo['cause'];
  }

  /** leakguard.timeline(): plain JSON (times in ms since the epoch) for `leakguard report --timeline`. */
  interface Timeline {
    version: 1;
    now: number;
    process: { pid: number; node: string; platform: string; arch: string; argv: string[];
               startTime: number; threadId: number };
    monitoring: boolean;
    windowMs: number;
    horizonsMs: number[];
    kinds: { heap: TimelineKind; external: TimelineKind; rss: TimelineKind };
    /** The newest 64 episodes and snapshots; what older ones were dropped is counted. */
    episodes: TimelineEpisode[];
    snapshots: { time: number; path: string; reason: string; trigger: string; bytes: number }[];
    droppedEpisodes: number;
    droppedSnapshots: number;
    /** Native memory of the history: fixed, 98304. */
    bytes: number;
  }

  interface ReportOptions {
    /** Default leakguard-<pid>-<time>-report.html in the cwd. */
    file?: string;
    /** Default: this thread's newest findLeaks() or analyze() result. */
    analysis?: AnalyzeReport | object;
    /** Default: the running sampler's profile, when one runs. */
    profile?: AllocationProfile | { head: AllocationNode };
  }

  /** Emitted as 'leak' when a memory series keeps growing. memwatch's start/end/growth/reason plus leakguard's fields. */
  interface LeakInfo {
    /** Where the episode's growth began (wall clock). */
    start: Date;
    /** The newest sample behind the verdict. */
    end: Date;
    /** Bytes grown since start (cumulative on repeated events). */
    growth: number;
    /** e.g. "heap grew 48.2 MB over 5.0 min (161 KB/s), 12 of 12 full GCs rising"; from a long horizon "heap grew 86.4 MB over 24 h (1.0 KB/s)". */
    reason: string;
    kind: 'heap' | 'external' | 'rss';
    bytesPerSecond: number;
    /** Mann-Kendall confidence that the series rises, 0..1. */
    confidence: number;
    /** Points in the window behind the verdict. */
    samples: number;
    risingSamples: number;
    /** Span of those points, ms. */
    windowMs: number;
    /** Length of the horizon that found the leak: windowMs, or one of horizons (3600000, 86400000 by default). */
    horizonMs: number;
    /** 0 for an episode's first event, then 1, 2, ... while growth continues. */
    sequence: number;
    estimatedBase: number;
    /** start and end on the monotonic clock of GcEvent times, ms. */
    startTime: number;
    endTime: number;
    /** At bytesPerSecond, ms until `limit` is reached; Infinity when no limit is known. */
    timeToLimitMs: number;
    /** The tighter limit this kind grows towards, or null when none is known. */
    limit: MemoryLimit | null;
    rss: number;
    /** Set by the explain option: from the first event with 'allocations', from an episode's second event with the snapshot modes; null otherwise. */
    suspects?: LeakSuspect[] | null;
    /**
     * Why there are no suspects: sampling began too recently or nothing sampled grew beyond noise, the first
     * snapshot of an episode is being taken, a capture was refused by the memory budget or explainMaxPauseMs,
     * the sampler was stopped from outside, the kind is external or rss memory.
     */
    suspectsError?: string;
    /** explain: 'snapshots': the whole three-snapshot report. */
    report?: AnalyzeReport;
  }

  /**
   * A limit a kind grows towards: 'heap' (V8's heap limit, for the heap),
   * 'cgroup' (the tightest cgroup v1/v2 memory limit), 'memory' (the
   * machine's, without a cgroup limit) or 'configured' (memoryLimitBytes,
   * less RSS). roomBytes is what is left below it:
   * for the heap the limit less the live set, for the others the limit less
   * what the cgroup (or the machine) already uses.
   */
  interface MemoryLimit {
    source: 'heap' | 'cgroup' | 'memory' | 'configured';
    bytes: number;
    roomBytes: number;
  }

  /** Emitted as 'leakEnd' when an episode's growth stops (or the episode is closed for a reason of leakguard's own). */
  interface LeakEndInfo {
    kind: 'heap' | 'external' | 'rss';
    /** Where the episode's growth began. */
    start: Date;
    /** Where the growth stopped: the first point of the plateau. */
    plateau: Date;
    /** The newest point the detector read. */
    end: Date;
    /** Bytes grown from start to the plateau. */
    growth: number;
    /** plateau - start, ms. */
    durationMs: number;
    /** end - plateau, ms. */
    flatMs: number;
    /** e.g. "heap grew 74.1 MB over 3.1 min and has been flat for 60 s since". */
    reason: string;
    /** 'flat': the growth stopped; 'restarted': rss only, leakguard's own snapshot work moved RSS; 'reconfigured': configure() removed the horizon. */
    cause: 'flat' | 'restarted' | 'reconfigured';
    /** 'leak' events the episode had. */
    events: number;
    horizonMs: number;
    startTime: number;
    endTime: number;
    limit: MemoryLimit | null;
    rss: number;
  }

  interface DetectorKindStats {
    /** Points in the window now. */
    samples: number;
    received: number;
    /** Of received, during warm-up or out of order. */
    ignored: number;
    current: number;
    min: number;
    max: number;
    estimatedBase: number;
    bytesPerSecond: number;
    confidence: number;
    /** 'leak' or the first check that failed, e.g. 'too few samples', 'growth has stopped'. */
    verdict: string;
    /** A leak episode of this kind is going on. */
    leaking: boolean;
    /** While it grows (an episode, or a verdict that would keep one going): ms until `limit` at bytesPerSecond; Infinity otherwise. */
    timeToLimitMs: number;
    limit: MemoryLimit | null;
    /** 'leak' events of this kind so far. */
    leakEvents: number;
  }

  interface DetectorStats {
    sensitivity: 'low' | 'medium' | 'high';
    /** The horizons judged, ms: windowMs, then the long ones (e.g. [300000, 3600000, 86400000]). */
    horizonsMs: number[];
    samples: { heap: number; external: number; rss: number };
    /** Live-set probes the detector asked for. */
    probesRequested: number;
    leakEvents: number;
    episodes: number;
    /** Episodes that ended ('leakEnd' events). */
    episodesEnded: number;
    /** Times the rss series restarted after leakguard's own snapshot work. */
    rssRestarts: number;
    kinds: { heap: DetectorKindStats; external: DetectorKindStats; rss: DetectorKindStats };
  }

  type GcType =
    | 'scavenge'
    | 'minor-mark-compact'
    | 'mark-sweep-compact'
    | 'incremental-marking'
    | 'weak-callbacks';

  /** One collection, emitted as 'gc' while someone listens. Times are ms of a monotonic clock. */
  interface GcEvent {
    type: GcType;
    flags: number;
    forced: boolean;
    startTime: number;
    endTime: number;
    pauseMs: number;
    heapUsedBefore: number;
    heapUsedAfter: number;
    heapTotal: number;
    heapLimit: number;
    external: number;
  }

  /** Emitted as 'stats' after each full GC; memwatch's fields plus camelCase extensions. */
  interface Stats {
    num_full_gc: number;
    num_inc_gc: number;
    heap_compactions: number;
    usage_trend: number;
    estimated_base: number;
    current_base: number;
    min: number;
    max: number;
    time: number;
    pauseMs: number;
    totalPauseMs: number;
    maxPauseMs: number;
    heapUsed: number;
    heapTotal: number;
    heapLimit: number;
    external: number;
    rss: number;
    droppedRecords: number;
  }

  interface GcTypeCounters {
    count: number;
    totalPauseMs: number;
    maxPauseMs: number;
    /** Collections per pause bucket, not cumulative: at most 0.001, 0.01, 0.1, 1, 2, 5 s, and above (prom-client's nodejs_gc_duration_seconds bounds). */
    buckets: number[];
  }

  interface HeapSpace {
    space_name: string;
    space_size: number;
    space_used_size: number;
    space_available_size: number;
    physical_space_size: number;
  }

  interface HeapStats {
    monitoring: boolean;
    heap: {
      total_heap_size: number;
      total_heap_size_executable: number;
      total_physical_size: number;
      total_available_size: number;
      used_heap_size: number;
      heap_size_limit: number;
      malloced_memory: number;
      peak_malloced_memory: number;
      external_memory: number;
      number_of_native_contexts: number;
      number_of_detached_contexts: number;
      total_global_handles_size: number;
      used_global_handles_size: number;
    };
    spaces: HeapSpace[];
    gc: Record<GcType, GcTypeCounters> & {
      num_full_gc: number;
      num_inc_gc: number;
      heap_compactions: number;
      totalPauseMs: number;
      maxPauseMs: number;
      current_base: number;
      min: number;
      max: number;
      estimated_base: number;
      usage_trend: number;
    };
    /** The leak detector of the current (or last) start(). */
    detector: DetectorStats;
    rss: number;
    external: number;
    droppedRecords: number;
    droppedEvents: number;
    ringCapacity: number;
  }

  /** Options shared by writeSnapshot() and enableSnapshots(). See docs/snapshots.md. */
  interface SnapshotFileOptions {
    /** Directory for snapshot files, created with mode 0700 if missing (default: the cwd, or enableSnapshots' dir). */
    dir?: string;
    /** File name with {pid}, {tid}, {time}, {reason}; never leaves dir (default 'leakguard-{pid}-{time}-{reason}.heapsnapshot'). */
    nameTemplate?: string;
    /** Snapshot files of ours kept in dir, oldest removed first; 0 keeps all (default 0). */
    maxFiles?: number;
    /** Refuse (ERR_LEAKGUARD_NO_DISK) when the disk has less free space (default 0). */
    minFreeDiskBytes?: number;
    /** Take the snapshot even when the memory budget refuses it (default false). */
    ignoreHeadroom?: boolean;
  }

  interface WriteSnapshotOptions extends SnapshotFileOptions {
    /** A word for the file name and info.reason (default 'api'). */
    reason?: string;
  }

  type SnapshotSignal =
    | 'SIGUSR2' | 'SIGHUP' | 'SIGQUIT' | 'SIGPWR' | 'SIGWINCH' | 'SIGTTIN' | 'SIGTTOU' | 'SIGURG';

  interface EnableSnapshotsOptions extends SnapshotFileOptions {
    /** Signal that asks for a snapshot, or false (default 'SIGUSR2'). */
    signal?: SnapshotSignal | false;
    /** Snapshot when heap used crosses this percentage of the heap limit (once per crossing). */
    heapUsedPercent?: number;
    /** Snapshot when heap used crosses this many bytes (once per crossing). */
    heapUsedBytes?: number;
    /** Snapshot when RSS crosses this many bytes (once per crossing). */
    rssBytes?: number;
    /** One snapshot just before the heap runs out (default false). */
    nearHeapLimit?: boolean;
    /** A snapshot on each 'leak' verdict (default false). */
    onLeak?: boolean;
    /** At most one automatic snapshot per this many ms (default 60000). */
    cooldownMs?: number;
    /** Ships each automatic snapshot; a rejection is an 'error' event. */
    sink?: (file: { path: string; stream: import('node:fs').ReadStream; info: SnapshotInfo }) => Promise<void> | void;
    /** Keep the file after the sink resolved (default true). */
    keepAfterSink?: boolean;
  }

  type SnapshotTrigger = 'api' | 'signal' | 'threshold' | 'near-heap-limit' | 'leak';

  /** writeSnapshot()'s result and the 'snapshot' event. */
  interface SnapshotInfo {
    path: string;
    bytes: number;
    /** 'api' or the reason given, 'signal', 'heap-used', 'heap-percent', 'rss', 'near-heap-limit', 'leak'. */
    reason: string;
    trigger: SnapshotTrigger;
    /** Main-thread pause: checks, V8's capture and serialisation. */
    pauseMs: number;
    /** Of which V8's graph capture. */
    captureMs: number;
    /** Including fsync, publish and retention on leakguard's thread. */
    totalMs: number;
    nodes: number;
    edges: number;
    heapUsed: number;
    /** The memory budget's estimate of the snapshot's extra memory. */
    estimatedBytes: number;
    /** Automatic triggers skipped (cooldown, one in flight) since the previous snapshot. */
    skipped: number;
    /** Files deleted by maxFiles retention. */
    removed: string[];
    /** Wall-clock time of the capture, ms since the epoch. */
    time: number;
    threadId: number;
  }

  interface SnapshotStats {
    taken: number;
    failed: number;
    skipped: number;
    signals: number;
    /** Signals that found a `leakguard profile` request (no snapshot taken). */
    profileRequests: number;
    /** Profile requests ignored because others can write to the directory (docs/security.md). */
    profileRequestsRefused: number;
    /** Snapshot signals refused, by reason, as they reached JavaScript (each also an ERR_LEAKGUARD_SNAPSHOT_REFUSED 'error'). */
    signalsRefused: { cooldown: number; busy: number };
    signalWatchers: number;
    enabled: boolean;
    nearHeapLimitArmed: boolean;
    /** What leakguard/prometheus and leakguard/otel export (docs/metrics.md). */
    metrics: SnapshotMetrics;
  }

  interface SnapshotOutcomes {
    written: number;
    /** Refused for memory headroom. */
    headroom: number;
    /** Refused for free disk (minFreeDiskBytes). */
    disk: number;
    /** Refused by the cooldown, or coalesced with one in progress. */
    cooldown: number;
    failed: number;
  }

  interface SnapshotMetrics {
    outcomes: Record<'api' | 'signal' | 'threshold' | 'near-heap-limit' | 'leak', SnapshotOutcomes>;
    /** Pauses of written snapshots: counts per bucket (not cumulative; the last is above the last bound), in seconds. */
    pauseSeconds: { bounds: number[]; buckets: number[]; sum: number; count: number };
    /** Size of the newest file written. */
    lastBytes: number;
  }

  /** A refused or failed snapshot: code is an errno name (with syscall, path, errno) or ERR_LEAKGUARD_NO_HEADROOM, ERR_LEAKGUARD_NO_DISK, ERR_INVALID_ARG_VALUE, ERR_LEAKGUARD_SINK. */
  interface SnapshotError extends Error {
    code: string;
    syscall?: string;
    path?: string;
    errno?: number;
    trigger?: SnapshotTrigger;
    estimatedBytes?: number;
    headroomBytes?: number;
  }

  /**
   * Where a function was created, 1-based. line and column are null when
   * the snapshot had no locations (V8's in-memory snapshot, findLeaks()
   * without dir, explain: 'snapshots').
   */
  interface SourceLocation {
    /** Relative to the cwd when under it; file:// URLs without the scheme. */
    script: string;
    line: number | null;
    column: number | null;
  }

  /** One hop of a retainer path; the first hop has no edge. */
  interface PathHop {
    edge?: string;
    edge_type?: string;
    node: string;
    node_type: string;
    name: string;
    id: number;
    /** A hop to one of the program's functions. */
    location?: SourceLocation;
  }

  /** One class (or function site) of what a group keeps alive. */
  interface LeakComposition {
    what: string;
    count: number;
    self_size: number;
    /** Nested objects of the same class are counted once. */
    retained_size: number;
  }

  interface LeakGroup {
    /** The class, or a function's site: "anonymous function at app.js:45:34". */
    constructor: string;
    /** Groups of functions only. */
    location?: SourceLocation;
    count: number;
    self_size: number;
    retained_size: number;
    /** What the group's objects dominate, largest retained first (at most 8). */
    retains: LeakComposition[];
    /** The last object of the program on the path: "serviceBus._events['config-reload']". */
    /** scope: the program's function that closes over the variable the expression starts at, when the path came through it. */
    holder: { expression: string; node: string; id: number; scope?: string; scope_location?: SourceLocation } | null;
    /** Up to 3 keys a wildcard in the path's shape stood for (a cache's URLs). */
    keys: string[];
    /** e.g. "global → handle() → context → requests (Map) → table → LeakedRequest". */
    path: string;
    hops: PathHop[];
  }

  /** leakguard.analyze(), leakguard.findLeaks() and `leakguard analyze --json` (docs/analyze.md, version 2). */
  interface AnalyzeReport {
    version: 2;
    /** The snapshot files; null for a snapshot findLeaks() kept in memory only. */
    files?: { baseline: string | null; target: string | null; final: string | null };
    report: {
      baseline_nodes: number;
      target_nodes: number;
      final_nodes: number;
      new_in_target: number;
      still_alive: number;
      candidates: number;
      groups_total: number;
      groups_above_threshold: number;
      threshold: { min_count: number; min_retained_bytes: number };
      groups: LeakGroup[];
    };
  }

  interface HeapDiffSide {
    nodes: number;
    size_bytes: number;
    size: string;
    time?: Date;
  }

  interface HeapDiffDetail {
    what: string;
    size_bytes: number;
    size: string;
    '+': number;
    '-': number;
  }

  /** memwatch's HeapDiff result. */
  interface HeapDiffResult {
    before: HeapDiffSide;
    after: HeapDiffSide;
    change: {
      size_bytes: number;
      size: string;
      freed_nodes: number;
      allocated_nodes: number;
      details: HeapDiffDetail[];
    };
  }

  interface HeapDiffOptions {
    /** Take the snapshots even when the memory budget refuses them (default false). */
    ignoreHeadroom?: boolean;
  }

  /** memwatch's HeapDiff: the constructor takes the "before" snapshot of this thread's heap. */
  interface HeapDiff {
    /** Takes the "after" snapshot and returns the diff; throws if already ended. */
    end(): HeapDiffResult;
    /** Takes the "after" snapshot now and computes the diff off the main thread; rejects if already ended. */
    endAsync(): Promise<HeapDiffResult>;
  }

  interface HeapDiffConstructor {
    new (options?: HeapDiffOptions): HeapDiff;
  }

  /** findLeaks() options. See README, "Explaining a leak in process". */
  interface FindLeaksOptions {
    /** One unit of the suspected work; may return a promise, which is awaited. Gets the call's index. */
    run: (i: number) => unknown;
    /** Calls of run between the baseline and the target, and again before the final (1..1e8, default 100). */
    iterations?: number;
    /** Calls of run before the baseline (0..1e8, default 1). */
    warmup?: number;
    /** Ms to wait after the calls before the target and the final snapshot (0..600000, default 100). */
    settleMs?: number;
    /** Also write the snapshots there as s1, s2 and s3.heapsnapshot (mode 0600); refused if they exist. */
    dir?: string;
    /** Groups reported, largest retained size first; 0 for all (0..1000000, default 10). */
    top?: number;
    /** Objects a group needs to be reported (1..2^53-1, default 20). */
    minCount?: number;
    /** Retained bytes a group needs to be reported (0..2^53-1, default 16384). */
    minRetainedBytes?: number;
    /** Take the snapshots even when the memory budget refuses them (default false). */
    ignoreHeadroom?: boolean;
  }

  interface SummaryReport {
    version: 1;
    file?: string;
    summary: {
      nodes: number;
      edges: number;
      total_size: number;
      reachable_size: number;
      unreachable_nodes: number;
      classes: { name: string; count: number; self_size: number; retained_size: number }[];
    };
  }

  interface LeakGuard extends EventEmitter {
    /** The three-snapshot report on files, computed off the main thread. */
    analyze(files: [string, string, string],
            options?: { top?: number; minCount?: number; minRetainedBytes?: number }): Promise<AnalyzeReport>;
    /** memwatch's HeapDiff of two snapshot files. */
    diff(before: string, after: string, options?: { top?: number }): Promise<HeapDiffResult>;
    /** Count, shallow and retained size per constructor of one file. */
    summary(file: string, options?: { top?: number }): Promise<SummaryReport>;
    /** memwatch's HeapDiff, on this thread's heap: `new leakguard.HeapDiff()`, then `end()` or `endAsync()`. */
    HeapDiff: HeapDiffConstructor;
    /** The three-snapshot method in process; resolves with analyze()'s report. Wrong options throw at the call. */
    findLeaks(options: FindLeaksOptions): Promise<AnalyzeReport>;

    /** Samples allocations for durationMs; resolves with what of them is live (V8's sampling heap profiler). */
    allocationProfile(options?: AllocationProfileOptions): Promise<AllocationProfile>;

    start(options?: MonitorOptions): this;
    stop(): this;
    configure(options: MonitorOptions): this;
    readonly monitoring: boolean;
    readonly options: Required<MonitorOptions>;
    heapStats(): HeapStats;
    /** The live-set history per kind, the episodes and the snapshots, as JSON data. */
    timeline(): Timeline;
    /** One self-contained HTML report (mode 0600, written atomically). Wrong options throw at the call. */
    report(options?: ReportOptions): Promise<{ path: string; bytes: number }>;
    /** A full, compacting collection now, without --expose-gc. */
    gc(): void;
    reportError(err: Error, kind?: string): void;
    /** A heap snapshot now; resolves once the file is complete. */
    writeSnapshot(options?: WriteSnapshotOptions): Promise<SnapshotInfo>;
    /** Automatic snapshots: signal, thresholds, near the heap limit, leaks. */
    enableSnapshots(options?: EnableSnapshotsOptions): this;
    disableSnapshots(): this;
    snapshotStats(): SnapshotStats;
    readonly snapshotOptions: EnableSnapshotsOptions | null;
    on(event: 'snapshot', listener: (info: SnapshotInfo) => void): this;
    once(event: 'snapshot', listener: (info: SnapshotInfo) => void): this;
    /** A profile `leakguard profile <pid>` asked for is written. */
    on(event: 'profile', listener: (info: RemoteProfileInfo) => void): this;
    once(event: 'profile', listener: (info: RemoteProfileInfo) => void): this;

    on(event: 'leak', listener: (info: LeakInfo) => void): this;
    once(event: 'leak', listener: (info: LeakInfo) => void): this;
    on(event: 'leakEnd', listener: (info: LeakEndInfo) => void): this;
    once(event: 'leakEnd', listener: (info: LeakEndInfo) => void): this;
    on(event: 'stats', listener: (stats: Stats) => void): this;
    on(event: 'gc', listener: (event: GcEvent) => void): this;
    on(event: 'error', listener: (err: Error) => void): this;
    on(event: string | symbol, listener: (...args: any[]) => void): this;
    once(event: 'stats', listener: (stats: Stats) => void): this;
    once(event: 'gc', listener: (event: GcEvent) => void): this;
    once(event: 'error', listener: (err: Error) => void): this;
    once(event: string | symbol, listener: (...args: any[]) => void): this;

  }
}

declare const leakguard: leakguard.LeakGuard;
export = leakguard;
