// When may an automatic snapshot start? SnapshotGate answers for the
// triggers (signal, thresholds, leak verdicts), and CrossingTrigger turns a
// stream of samples into one event per upward crossing of a threshold.
//
// Threading: SnapshotGate is shared by the monitor thread (signals,
// thresholds) and the isolate's thread (API calls, completion), so every
// method takes its mutex; none of them blocks on anything else or is
// called from a GC callback. CrossingTrigger has no locking and belongs to
// the one thread that feeds it samples (the monitor thread).
#ifndef LEAKGUARD_CORE_SNAPSHOT_GATE_H_
#define LEAKGUARD_CORE_SNAPSHOT_GATE_H_

#include <cstdint>
#include <mutex>

namespace leakguard {

class SnapshotGate {
 public:
  enum class Decision {
    kGo,           // start a snapshot now; call Finish() when it is done
    kBusy,         // one is already requested or running: coalesced
    kCoolingDown,  // the last one started less than cooldown ago
  };

  void set_cooldown_ns(uint64_t ns) {
    std::lock_guard<std::mutex> lock(mutex_);
    cooldown_ns_ = ns;
  }

  // `now_ns` is monotonic. A refused request is counted; the counts are
  // reported with the next snapshot (TakeSkipped).
  // On kCoolingDown, `*cooldown_left_ns` (when given) is the time until a
  // request would be admitted.
  Decision Request(uint64_t now_ns,
                   bool ignore_cooldown = false,
                   uint64_t* cooldown_left_ns = nullptr) {
    std::lock_guard<std::mutex> lock(mutex_);
    if (busy_) {
      skipped_++;
      total_skipped_++;
      return Decision::kBusy;
    }
    if (!ignore_cooldown && started_ &&
        now_ns - last_start_ns_ < cooldown_ns_) {
      skipped_++;
      total_skipped_++;
      if (cooldown_left_ns != nullptr)
        *cooldown_left_ns = cooldown_ns_ - (now_ns - last_start_ns_);
      return Decision::kCoolingDown;
    }
    busy_ = true;
    started_ = true;
    last_start_ns_ = now_ns;
    return Decision::kGo;
  }

  // The requested snapshot ran (or failed, or was refused later on).
  void Finish() {
    std::lock_guard<std::mutex> lock(mutex_);
    busy_ = false;
  }

  // Requests refused since the last call.
  uint64_t TakeSkipped() {
    std::lock_guard<std::mutex> lock(mutex_);
    const uint64_t n = skipped_;
    skipped_ = 0;
    return n;
  }

  uint64_t total_skipped() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return total_skipped_;
  }

 private:
  mutable std::mutex mutex_;
  uint64_t cooldown_ns_ = 0;
  uint64_t last_start_ns_ = 0;
  uint64_t skipped_ = 0;
  uint64_t total_skipped_ = 0;
  bool busy_ = false;
  bool started_ = false;
};

// Fires once each time the value rises to `threshold` or above, and arms
// again only after it falls below threshold * rearm_fraction, so a value
// hovering at the line does not fire on every sample.
class CrossingTrigger {
 public:
  // threshold 0 disables the trigger.
  void Configure(uint64_t threshold, double rearm_fraction = 0.9) {
    threshold_ = threshold;
    rearm_below_ =
        static_cast<uint64_t>(static_cast<double>(threshold) * rearm_fraction);
    armed_ = true;
  }

  // True when `value` is over the line and the trigger is armed. The
  // caller then tries to fire, and calls Fired() if it did; a trigger
  // whose snapshot was refused (cooldown) stays armed and asks again.
  bool Check(uint64_t value) {
    if (threshold_ == 0)
      return false;
    if (value < rearm_below_)
      armed_ = true;
    return armed_ && value >= threshold_;
  }
  void Fired() { armed_ = false; }

  uint64_t threshold() const { return threshold_; }
  bool armed() const { return armed_; }

 private:
  uint64_t threshold_ = 0;
  uint64_t rearm_below_ = 0;
  bool armed_ = true;
};

}  // namespace leakguard

#endif  // LEAKGUARD_CORE_SNAPSHOT_GATE_H_
