// Snapshots of this process's own heap for HeapDiff and findLeaks: the
// binding functions that take one and copy out what the analysis needs
// (v8_heap_graph.h), and the handle that carries the copy to the analysis.
//
// Ownership: captureHeap returns the copy inside a JS External, the
// "handle". The External owns it until an analysis takes it (TakeCapture
// moves it out and the handle is spent), releaseCapture frees it, or the
// External is collected. V8's own snapshot is released inside captureHeap,
// as soon as it is copied; what stays is plain C++ data, so an analysis
// can move it to a worker thread. A file written with the snapshot is
// published by finishCapture, which moves the file's job to a libuv
// threadpool thread (fsync and link must not pause the isolate).
//
// Threading: every function here runs on the environment's JS thread.
#ifndef LEAKGUARD_ADDON_HEAP_CAPTURE_H_
#define LEAKGUARD_ADDON_HEAP_CAPTURE_H_

#include <napi.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "addon/snapshot/snapshot.h"
#include "core/heap/heap_graph.h"

namespace leakguard {

struct HeapCapture {
  enum class Kind : uint8_t {
    kIds,      // node ids only: the baseline and target of findLeaks
    kClasses,  // nodes and class names: either side of a HeapDiff
    kFull,     // the whole graph: the final snapshot of findLeaks
  };
  Kind kind = Kind::kIds;
  std::vector<uint32_t> ids;  // kIds: sorted, unique
  HeapGraph graph;            // kClasses, kFull
  std::string path;           // the snapshot's file, "" when none
  // The file until finishCapture publishes it; destroying it unpublished
  // removes the temporary file.
  std::unique_ptr<SnapshotJob> file;
};

// Takes the capture out of a handle from captureHeap; the handle is spent.
// nullptr with a TypeError pending when `handle` is not such a handle, was
// spent already, or holds another kind.
std::unique_ptr<HeapCapture> TakeCapture(Napi::Env env,
                                         Napi::Value handle,
                                         HeapCapture::Kind kind);

// Adds captureHeap, finishCapture, releaseCapture, diffCaptures and the
// test hook heapCopyCheck to the binding. False with a JS exception pending
// if a property could not be set.
bool InitHeapCapture(Napi::Env env, Napi::Object exports);

}  // namespace leakguard

#endif  // LEAKGUARD_ADDON_HEAP_CAPTURE_H_
