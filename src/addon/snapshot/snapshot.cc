#include "addon/snapshot/snapshot.h"

#include <errno.h>
#include <unistd.h>
#include <uv.h>

#include <algorithm>

#include "addon/env/process_registry.h"
#include "core/base/byte_format.h"
#include "core/capture/memory_budget.h"

namespace leakguard {

namespace {

// V8's serialiser fills a buffer of GetChunkSize() bytes and hands it over
// whole; each chunk goes straight to write(2), with no copy of ours.
class FileOutputStream : public v8::OutputStream {
 public:
  explicit FileOutputStream(AtomicFileWriter* writer) : writer_(writer) {}
  int GetChunkSize() override { return 1 << 20; }
  void EndOfStream() override {}
  WriteResult WriteAsciiChunk(char* data, int size) override {
    status_ = writer_->Write(data, static_cast<size_t>(size));
    return status_.ok() ? kContinue : kAbort;
  }
  const Status& status() const { return status_; }

 private:
  AtomicFileWriter* writer_;
  Status status_;
};

double MsSince(uint64_t start_ns) {
  return static_cast<double>(uv_hrtime() - start_ns) / 1e6;
}

void SetFailure(SnapshotResult* r,
                const Status& status,
                const IoError* io = nullptr) {
  r->code = status.code();
  r->message = status.message();
  if (io != nullptr)
    r->io = *io;
}

uint64_t CountEdges(const v8::HeapSnapshot* snapshot) {
  uint64_t edges = 0;
  const int n = snapshot->GetNodesCount();
  for (int i = 0; i < n; i++) {
    edges += static_cast<uint64_t>(snapshot->GetNode(i)->GetChildrenCount());
  }
  return edges;
}

}  // namespace

const char* SnapshotTriggerName(SnapshotTrigger trigger) {
  switch (trigger) {
    case SnapshotTrigger::kApi:
      return "api";
    case SnapshotTrigger::kSignal:
      return "signal";
    case SnapshotTrigger::kThreshold:
      return "threshold";
    case SnapshotTrigger::kNearHeapLimit:
      return "near-heap-limit";
    case SnapshotTrigger::kLeak:
      return "leak";
    case SnapshotTrigger::kAnalysis:
      return "analysis";
  }
  return "unknown";
}

void CaptureSnapshot(v8::Isolate* isolate,
                     const SnapshotRequest& request,
                     SnapshotJob* job,
                     const SnapshotVisitor& visit) {
  job->start_ns = uv_hrtime();
  SnapshotResult* r = &job->result;
  r->request = request;
  if (r->request.reason.empty())
    r->request.reason = SnapshotTriggerName(request.trigger);
  uv_timeval64_t tv;
  if (uv_gettimeofday(&tv) == 0)
    r->unix_ms = tv.tv_sec * 1000 + tv.tv_usec / 1000;

  // Cheap refusals first: nothing is captured unless the file can be
  // written and the process can afford the memory.
  Status s;
  IoError io;
  if (request.to_file) {
    s = ValidateNameTemplate(request.name_template);
    if (!s.ok())
      return SetFailure(r, s);
    s = MakeDirectories(request.dir, &io);
    if (!s.ok())
      return SetFailure(r, s, &io);
    uint64_t free_disk = 0;
    s = FreeDiskBytes(request.dir, &free_disk, &io);
    if (!s.ok())
      return SetFailure(r, s, &io);
    // Short of space: first take back what killed writers left (a capture
    // cut off by the OOM killer, on a small volume that outlives the
    // container), whatever its age: a temporary whose flock can be taken
    // has no writer.
    v8::HeapStatistics before;
    isolate->GetHeapStatistics(&before);
    const uint64_t needed =
        std::max<uint64_t>(request.min_free_disk_bytes,
                           EstimateSnapshotBytes(before.used_heap_size(),
                                                 request.heap_bytes_per_node));
    if (free_disk < needed) {
      RemoveStaleTemporaries(
          request.dir, request.name_template, 0, &r->removed);
      s = FreeDiskBytes(request.dir, &free_disk, &io);
      if (!s.ok())
        return SetFailure(r, s, &io);
    }
    if (free_disk < request.min_free_disk_bytes) {
      r->no_disk = true;
      return SetFailure(
          r,
          Status(StatusCode::kNoHeadroom,
                 "not enough free disk for a heap snapshot in '" + request.dir +
                     "': " + FormatBytesIec(free_disk) +
                     " free, minFreeDiskBytes is " +
                     FormatBytesIec(request.min_free_disk_bytes)));
    }
  }

  v8::HeapStatistics hs;
  isolate->GetHeapStatistics(&hs);
  r->heap_used = hs.used_heap_size();
  r->estimated_bytes =
      EstimateSnapshotBytes(r->heap_used, request.heap_bytes_per_node);
  const uint64_t others = ProcessRegistry::Reserve(r->estimated_bytes);
  job->reserved_bytes = r->estimated_bytes;
  job->own_work.Begin();
  Result<MemoryHeadroom> headroom = ReadMemoryHeadroom();
  if (headroom.ok()) {
    MemoryHeadroom h = headroom.value();
    h.available = h.available > others ? h.available - others : 0;
    r->headroom_bytes = h.available;
    s = CheckHeadroom(r->estimated_bytes, h);
    if (!s.ok() && !request.ignore_headroom)
      return SetFailure(r, s);
  }

  if (request.to_file) {
    SnapshotNameParts parts;
    parts.pid = static_cast<int64_t>(getpid());
    parts.thread_id = request.thread_id;
    parts.unix_ms = r->unix_ms;
    parts.reason = r->request.reason;
    job->writer = std::make_unique<AtomicFileWriter>();
    job->writer->set_fail_after_bytes(request.fail_after_bytes);
    s = job->writer->Open(request.dir,
                          ExpandNameTemplate(request.name_template, parts));
    if (!s.ok())
      return SetFailure(r, s, &job->writer->error());
  }

  {
    v8::HandleScope scope(isolate);
    const uint64_t capture_start = uv_hrtime();
    HeapSnapshotPtr snapshot(isolate->GetHeapProfiler()->TakeHeapSnapshot());
    r->capture_ms = MsSince(capture_start);
    if (!snapshot) {
      if (job->writer)
        job->writer->Abort();
      return SetFailure(
          r, Status(StatusCode::kIoError, "V8 could not take a heap snapshot"));
    }
    r->nodes = static_cast<uint64_t>(snapshot->GetNodesCount());
    r->edges = CountEdges(snapshot.get());
    if (visit) {
      const uint64_t visit_start = uv_hrtime();
      visit(*snapshot);
      r->visit_ms = MsSince(visit_start);
    }
    if (job->writer) {
      FileOutputStream stream(job->writer.get());
      snapshot->Serialize(&stream, v8::HeapSnapshot::kJSON);
      if (!stream.status().ok()) {
        // Out of space mid-write: ours is gone already (Abort); take back
        // what dead writers left, so that the next capture may fit.
        if (job->writer->error().error == ENOSPC) {
          RemoveStaleTemporaries(
              request.dir, request.name_template, 0, &r->removed);
        }
        return SetFailure(r, stream.status(), &job->writer->error());
      }
    }
    // The snapshot is released here, before the file is flushed.
  }
  if (job->writer) {
    r->bytes = job->writer->bytes_written();
    r->path = job->writer->path();
  }
  r->pause_ms = MsSince(job->start_ns);
}

void FinishSnapshot(SnapshotJob* job) {
  SnapshotResult* r = &job->result;
  if (r->ok() && job->writer) {
    Status s = job->writer->Sync();
    if (s.ok())
      s = job->writer->Publish();
    if (!s.ok()) {
      SetFailure(r, s, &job->writer->error());
    } else {
      r->path = job->writer->path();
      // Retention failing does not undo the snapshot just written; it is
      // reported with it (SnapshotResult::retention).
      r->retention = ApplyRetention(r->request.dir,
                                    r->request.name_template,
                                    r->request.max_files,
                                    &r->removed,
                                    &r->retention_io);
      // And what writers that died left: each pass looks again.
      RemoveStaleTemporaries(r->request.dir,
                             r->request.name_template,
                             kStaleTemporaryAgeS,
                             &r->removed);
    }
  }
  if (job->writer && !job->writer->published())
    job->writer->Abort();
  job->writer.reset();
  if (job->reserved_bytes != 0) {
    ProcessRegistry::Release(job->reserved_bytes);
    job->reserved_bytes = 0;
  }
  job->own_work.End();
  r->total_ms = MsSince(job->start_ns);
}

}  // namespace leakguard
