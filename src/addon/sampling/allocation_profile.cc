// V8's sampling heap profiler as DevTools' .heapprofile text; see
// allocation_profile.h.
#include "addon/sampling/allocation_profile.h"

#include <v8-profiler.h>
#include <v8.h>

#include <cstdint>
#include <memory>
#include <string>
#include <type_traits>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

#include "addon/env/instance.h"
#include "addon/napi/errors.h"
#include "addon/napi/exports.h"
#include "core/base/json_writer.h"

namespace leakguard {
namespace {

// AllocationProfile::Sample::is_live exists from V8 13.x (Node 26) on;
// before, every sample V8 returns is of a live object unless the sampler's
// owner asked for collected ones too, which nothing here can tell.
template <typename S, typename = void>
struct HasIsLive : std::false_type {};
template <typename S>
struct HasIsLive<S, std::void_t<decltype(std::declval<const S&>().is_live)>>
    : std::true_type {};

template <typename S>
bool IsLive(const S& sample) {
  if constexpr (HasIsLive<S>::value) {
    return sample.is_live;
  } else {
    (void)sample;
    return true;
  }
}

std::string Utf8(v8::Isolate* isolate, v8::Local<v8::String> s) {
  if (s.IsEmpty())
    return std::string();
  v8::String::Utf8Value v(isolate, s);
  return *v == nullptr ? std::string() : std::string(*v, v.length());
}

// Scaled bytes V8 attributes to `node` itself (its counts are already
// scaled up from the samples to an estimate of all allocations).
double SelfBytes(const v8::AllocationProfile::Node* node) {
  double bytes = 0;
  for (const v8::AllocationProfile::Allocation& a : node->allocations)
    bytes += static_cast<double>(a.size) * a.count;
  return bytes;
}

void WriteCallFrame(v8::Isolate* isolate,
                    const v8::AllocationProfile::Node* node,
                    JsonWriter* w) {
  // DevTools' frames are 0-based; V8's are 1-based, 0 when unknown (-1
  // then, as the inspector writes it).
  w->Key("callFrame")
      .BeginObject()
      .Key("functionName")
      .String(Utf8(isolate, node->name))
      .Key("scriptId")
      .String(std::to_string(node->script_id))
      .Key("url")
      .String(Utf8(isolate, node->script_name))
      .Key("lineNumber")
      .Int(static_cast<int64_t>(node->line_number) - 1)
      .Key("columnNumber")
      .Int(static_cast<int64_t>(node->column_number) - 1)
      .EndObject();
}

// live / all sampled bytes per node, for the nodes that have samples of
// collected objects; empty when there are none.
using LiveShare = std::unordered_map<uint32_t, std::pair<double, double>>;

std::string ProfileJson(v8::Isolate* isolate, v8::AllocationProfile* profile) {
  const std::vector<v8::AllocationProfile::Sample>& samples =
      profile->GetSamples();
  bool any_dead = false;
  for (const v8::AllocationProfile::Sample& s : samples)
    any_dead = any_dead || !IsLive(s);
  LiveShare share;
  if (any_dead) {
    for (const v8::AllocationProfile::Sample& s : samples) {
      std::pair<double, double>& p = share[s.node_id];
      const double bytes = static_cast<double>(s.size) * s.count;
      p.second += bytes;
      if (IsLive(s))
        p.first += bytes;
    }
  }

  JsonWriter w;
  w.BeginObject().Key("head");
  bool truncated = false;
  size_t nodes = 0;
  // Depth-first without recursion: the depth is the sampler owner's
  // stack depth, which need not be ours.
  struct Open {
    const v8::AllocationProfile::Node* node;
    size_t next_child;
  };
  std::vector<Open> stack;
  // Samples of other nodes are left out: nodes cut by the bound, and a
  // sample V8 takes while it builds the tree (its strings are allocated on
  // the heap) of a node that is not in it.
  std::unordered_set<uint32_t> written;
  auto open = [&](const v8::AllocationProfile::Node* node) {
    nodes++;
    written.insert(node->node_id);
    double self = SelfBytes(node);
    if (any_dead) {
      auto it = share.find(node->node_id);
      if (it != share.end() && it->second.second > 0)
        self *= it->second.first / it->second.second;
    }
    w.BeginObject();
    WriteCallFrame(isolate, node, &w);
    w.Key("selfSize")
        .Uint(static_cast<uint64_t>(self + 0.5))
        .Key("id")
        .Uint(node->node_id)
        .Key("children")
        .BeginArray();
    stack.push_back(Open{node, 0});
  };
  open(profile->GetRootNode());
  while (!stack.empty()) {
    Open& top = stack.back();
    if (top.next_child < top.node->children.size()) {
      const v8::AllocationProfile::Node* child =
          top.node->children[top.next_child++];
      if (nodes >= kMaxProfileNodes) {
        truncated = true;
        continue;
      }
      open(child);
      continue;
    }
    w.EndArray().EndObject();
    stack.pop_back();
  }

  w.Key("samples").BeginArray();
  size_t kept = 0;
  for (const v8::AllocationProfile::Sample& s : samples) {
    if (!IsLive(s) || written.count(s.node_id) == 0)
      continue;
    if (kept++ >= kMaxProfileSamples) {
      truncated = true;
      break;
    }
    w.BeginObject()
        .Key("size")
        .Uint(static_cast<uint64_t>(s.size) * s.count)
        .Key("nodeId")
        .Uint(s.node_id)
        .Key("ordinal")
        .Uint(s.sample_id)
        .EndObject();
  }
  w.EndArray();
  w.Key("truncated").Bool(truncated);
  w.EndObject();
  return w.Take();
}

bool ReadPositive(const Napi::CallbackInfo& info, size_t i, double* out) {
  if (info.Length() <= i || !info[i].IsNumber())
    return ThrowAssertion(info.Env(), "allocation sampling: number expected");
  *out = info[i].As<Napi::Number>().DoubleValue();
  if (!(*out >= 1))
    return ThrowAssertion(info.Env(), "allocation sampling: out of range");
  return true;
}

// startAllocationSampling(intervalBytes, stackDepth): true if this call
// started V8's sampler, false if it was running already (someone else's,
// or ours from an earlier call).
Napi::Value StartSampling(const Napi::CallbackInfo& info) {
  double interval = 0;
  double depth = 0;
  if (!ReadPositive(info, 0, &interval) || !ReadPositive(info, 1, &depth))
    return Napi::Value();
  v8::Isolate* isolate = v8::Isolate::GetCurrent();
  const bool started = isolate->GetHeapProfiler()->StartSamplingHeapProfiler(
      static_cast<uint64_t>(interval),
      static_cast<int>(depth),
      v8::HeapProfiler::kSamplingNoFlags);
  if (started)
    Instance::Get(info.Env())->set_allocation_sampling(true);
  return Napi::Boolean::New(info.Env(), started);
}

Napi::Value StopSampling(const Napi::CallbackInfo& info) {
  v8::Isolate::GetCurrent()->GetHeapProfiler()->StopSamplingHeapProfiler();
  Instance::Get(info.Env())->set_allocation_sampling(false);
  return info.Env().Undefined();
}

Napi::Value ReadProfile(const Napi::CallbackInfo& info) {
  v8::Isolate* isolate = v8::Isolate::GetCurrent();
  v8::HandleScope scope(isolate);
  std::unique_ptr<v8::AllocationProfile> profile(
      isolate->GetHeapProfiler()->GetAllocationProfile());
  if (profile == nullptr) {
    // Stopped from outside: no longer ours to stop at teardown.
    Instance::Get(info.Env())->set_allocation_sampling(false);
    return info.Env().Null();
  }
  const std::string json = ProfileJson(isolate, profile.get());
  return Napi::String::New(info.Env(), json);
}

}  // namespace

bool InitAllocationProfile(Napi::Env env, Napi::Object exports) {
  return ExportFunctions(env,
                         exports,
                         {
                             {"startAllocationSampling", StartSampling},
                             {"stopAllocationSampling", StopSampling},
                             {"readAllocationProfile", ReadProfile},
                         });
}

}  // namespace leakguard
