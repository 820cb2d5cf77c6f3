#include "addon/monitor/gc_hooks.h"

#include "core/monitor/gc_stats.h"

namespace leakguard {

// src/core repeats V8's GC type bits as plain numbers; keep them honest.
constexpr bool SameBit(v8::GCType v8_type, GcTypeBit ours) {
  return static_cast<uint32_t>(v8_type) == static_cast<uint32_t>(ours);
}
static_assert(SameBit(v8::kGCTypeScavenge, kGcScavenge), "GC bits drifted");
static_assert(SameBit(v8::kGCTypeMarkSweepCompact, kGcMarkSweepCompact),
              "GC bits drifted");
static_assert(SameBit(v8::kGCTypeIncrementalMarking, kGcIncrementalMarking),
              "GC bits drifted");
static_assert(SameBit(v8::kGCTypeProcessWeakCallbacks, kGcProcessWeakCallbacks),
              "GC bits drifted");

GcHooks::GcHooks(v8::Isolate* isolate, size_t ring_capacity)
    : isolate_(isolate), ring_(ring_capacity) {}

GcHooks::~GcHooks() {
  Remove();
}

void GcHooks::Install(uv_async_t* wake) {
  if (installed_)
    return;
  wake_ = wake;
  isolate_->AddGCPrologueCallback(OnPrologue, this, v8::kGCTypeAll);
  isolate_->AddGCEpilogueCallback(OnEpilogue, this, v8::kGCTypeAll);
  installed_ = true;
}

void GcHooks::Remove() {
  if (!installed_)
    return;
  isolate_->RemoveGCPrologueCallback(OnPrologue, this);
  isolate_->RemoveGCEpilogueCallback(OnEpilogue, this);
  installed_ = false;
  wake_ = nullptr;
}

void GcHooks::OnPrologue(v8::Isolate* isolate,
                         v8::GCType type,
                         v8::GCCallbackFlags,
                         void* data) {
  GcHooks* self = static_cast<GcHooks*>(data);
  const int slot = GcStats::TypeIndex(static_cast<uint32_t>(type));
  if (slot < 0)
    return;
  if (self->read_used_before_) {
    v8::HeapStatistics hs;
    isolate->GetHeapStatistics(&hs);
    self->used_before_[slot] = hs.used_heap_size();
  } else {
    self->used_before_[slot] = kUnknownUsed;
  }
  self->start_ns_[slot] = uv_hrtime();
}

void GcHooks::OnEpilogue(v8::Isolate* isolate,
                         v8::GCType type,
                         v8::GCCallbackFlags flags,
                         void* data) {
  GcHooks* self = static_cast<GcHooks*>(data);
  const uint64_t now = uv_hrtime();
  const uint32_t gc_type = static_cast<uint32_t>(type);
  const int slot = GcStats::TypeIndex(gc_type);
  v8::HeapStatistics hs;
  isolate->GetHeapStatistics(&hs);
  GcRecord record;
  record.type = gc_type;
  record.flags = static_cast<uint32_t>(flags);
  // A missing prologue (callbacks installed mid-collection) gives pause 0.
  record.start_ns =
      slot >= 0 && self->start_ns_[slot] != 0 ? self->start_ns_[slot] : now;
  record.end_ns = now;
  record.used_after = hs.used_heap_size();
  // Unknown (no 'gc' listener at the prologue, or no prologue): nothing is
  // known to be freed.
  const uint64_t before = slot >= 0 ? self->used_before_[slot] : kUnknownUsed;
  record.used_before = before == kUnknownUsed ? record.used_after : before;
  record.total_after = hs.total_heap_size();
  record.limit = hs.heap_size_limit();
  record.external_after = hs.external_memory();
  if (slot >= 0)
    self->start_ns_[slot] = 0;
  self->ring_.TryPush(record);
  if (gc_type == kGcMarkSweepCompact && self->wake_on_full_gc_ &&
      self->wake_ != nullptr) {
    uv_async_send(self->wake_);
  }
}

}  // namespace leakguard
