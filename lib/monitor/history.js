'use strict';
// What the timeline shows beside the native live-set series
// (src/core/monitor/timeline.h): the leak episodes and the snapshots of
// this isolate, kept by the LeakGuard instance as they are emitted. Each
// list is bounded (the newest MAX_* are kept) and counts what it dropped.
const MAX_EPISODES = 64;
const MAX_SNAPSHOTS = 64;
// Suspects kept per episode (a leak event carries at most `top`, 10 by
// default).
const MAX_SUSPECTS = 20;

function keepNewest(list, max) {
  if (list.length <= max) return 0;
  const n = list.length - max;
  list.splice(0, n);
  return n;
}

function time(d) {
  return d instanceof Date ? d.getTime() : Number(d);
}

function suspectsOf(info) {
  if (!Array.isArray(info.suspects)) return undefined;
  return info.suspects.slice(0, MAX_SUSPECTS).map((s) => ({ ...s }));
}

class History {
  #episodes = [];
  #snapshots = [];
  #droppedEpisodes = 0;
  #droppedSnapshots = 0;

  // A 'leak' event: sequence 0 opens an episode of its kind, a later one
  // brings the open episode up to date (its start stays where it began).
  leak(info) {
    const open = info.sequence > 0
      ? this.#episodes.findLast((e) => e.kind === info.kind && e.horizonMs === info.horizonMs)
      : undefined;
    const e = open || { kind: info.kind, start: time(info.start), events: 0 };
    e.end = time(info.end);
    e.growth = info.growth;
    e.bytesPerSecond = info.bytesPerSecond;
    e.estimatedBase = info.estimatedBase;
    e.horizonMs = info.horizonMs;
    e.windowMs = info.windowMs;  // the span of the newest event's line
    e.confidence = info.confidence;
    e.reason = info.reason;
    e.timeToLimitMs = info.timeToLimitMs;
    e.limit = info.limit;
    e.events++;
    const suspects = suspectsOf(info);
    if (suspects !== undefined && suspects.length > 0) e.suspects = suspects;
    if (!open) {
      this.#episodes.push(e);
      this.#droppedEpisodes += keepNewest(this.#episodes, MAX_EPISODES);
    }
  }

  // A 'leakEnd' event closes the open episode of its kind: where it
  // stopped, for how long it has been flat, and why it ended.
  leakEnd(info) {
    const e = this.#episodes.findLast((x) => x.kind === info.kind && x.horizonMs === info.horizonMs &&
      x.closed === undefined);
    if (!e) return;
    e.closed = time(info.plateau);
    e.flatMs = info.flatMs;
    e.growth = info.growth;
    e.endReason = info.reason;
    e.endCause = info.cause;
  }

  // A 'snapshot' event.
  snapshot(info) {
    this.#snapshots.push({
      time: typeof info.time === 'number' ? info.time : Date.now(),
      path: info.path,
      reason: info.reason,
      trigger: info.trigger,
      bytes: info.bytes,
    });
    this.#droppedSnapshots += keepNewest(this.#snapshots, MAX_SNAPSHOTS);
  }

  toJSON() {
    return {
      episodes: this.#episodes.map((e) => ({ ...e })),
      snapshots: this.#snapshots.map((s) => ({ ...s })),
      droppedEpisodes: this.#droppedEpisodes,
      droppedSnapshots: this.#droppedSnapshots,
    };
  }
}

// The newest findLeaks() or analyze() result of this isolate, for
// report()'s default (one report object; its groups are bounded by `top`).
let lastAnalysis = null;
function rememberAnalysis(result) {
  if (result && typeof result === 'object' && result.report) lastAnalysis = result;
  return result;
}
function latestAnalysis() {
  return lastAnalysis;
}

module.exports = { History, MAX_EPISODES, MAX_SNAPSHOTS, rememberAnalysis, latestAnalysis };
