// Intake's admission control (SPEC §1 "Quotas"), per principal and per
// replica:
//  - a token bucket per principal, refilled at its quota's
//    reports_per_second and holding at most one second's worth (the burst),
//    shared by every Submit and Stream call of the principal on this
//    replica; a report without a token is refused RESOURCE_EXHAUSTED with
//    the time until enough tokens are back;
//  - a count of the principal's open Stream calls, at most max_streams;
//  - bytes held in flight (reports read but not yet answered): at most
//    `principal_bytes` per principal and `replica_bytes` in all, so that one
//    principal's flood cannot take the memory another needs.
//
// Buckets are independent: one principal's flood never takes another's
// tokens, so a quiet principal is never refused for someone else's rate.
//
// Thread-safe.
#ifndef FRUITION_SERVICES_INTAKE_QUOTA_H_
#define FRUITION_SERVICES_INTAKE_QUOTA_H_

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "prometheus/counter.h"
#include "prometheus/gauge.h"
#include "prometheus/registry.h"
#include "services/common/auth/principals.h"

namespace fruition::intake {

// Why a call or report was refused (the `reason` label of
// fruition_intake_quota_refusals_total).
inline constexpr char kReasonRate[] = "reports_per_second";
inline constexpr char kReasonStreams[] = "max_streams";
inline constexpr char kReasonMemory[] = "inflight_bytes";

struct AdmissionLimits {
  // Bytes in flight for all calls of the replica, and for one principal's.
  int64_t replica_bytes = 64LL << 20;
  int64_t principal_bytes = 32LL << 20;
};

class Admission {
 public:
  // Monotonic nanoseconds; tests pass a fake.
  using Clock = std::function<int64_t()>;

  // `registry` may be null (no metrics); `clock` null is steady_clock.
  explicit Admission(AdmissionLimits limits,
                     prometheus::Registry* registry = nullptr,
                     Clock clock = nullptr);

  // Takes up to `n` tokens of `caller`'s bucket. Returns how many were
  // taken (the first that many reports are admitted, the rest refused);
  // when fewer than `n`, `*retry_after_ms` is the wait until the next of the
  // refused reports (up to a burst of them) has a token. Counts refusals.
  int TakeReports(const auth::Principal& caller, int n,
                  int64_t* retry_after_ms);

  // An open Stream call, counted against max_streams until destroyed.
  class StreamLease {
   public:
    ~StreamLease();
    StreamLease(const StreamLease&) = delete;
    StreamLease& operator=(const StreamLease&) = delete;

   private:
    friend class Admission;
    StreamLease(Admission* admission, std::string code)
        : admission_(admission), code_(std::move(code)) {}
    Admission* admission_;
    std::string code_;
  };
  // A lease, or null when `caller` already has max_streams open (counted as
  // a refusal; `*retry_after_ms` is a suggested wait, one second).
  std::unique_ptr<StreamLease> OpenStream(const auth::Principal& caller,
                                          int64_t* retry_after_ms);

  // Reserves `bytes` for `caller` if both the principal's and the replica's
  // limits allow it now. A request that could never fit (more than the
  // principal's limit) is refused too; see Fits.
  bool TryReserve(const std::string& caller, int64_t bytes);
  // Reserves `bytes`, waiting while the limits are reached (back-pressure)
  // until `cancelled()` (checked every 100 ms); false if cancelled first or
  // if `bytes` could never fit.
  bool Reserve(const std::string& caller, int64_t bytes,
               const std::function<bool()>& cancelled);
  // Gives back what Reserve or TryReserve took.
  void Release(const std::string& caller, int64_t bytes);
  // Whether `bytes` can ever be reserved by one principal.
  bool Fits(int64_t bytes) const { return bytes <= limits_.principal_bytes; }

  // Counts a refusal of `code` for `reason` (also used by the server for
  // memory refusals it decides itself).
  void CountRefusal(const std::string& code, const char* reason, double n = 1);

  int64_t replica_bytes_held() const;
  int64_t principal_bytes_held(const std::string& code) const;
  int open_streams(const std::string& code) const;
  const AdmissionLimits& limits() const { return limits_; }

 private:
  struct PerPrincipal {
    double tokens = -1;  // < 0: not yet filled
    int64_t refilled_ns = 0;
    int streams = 0;
    int64_t bytes = 0;
  };
  bool ReserveLocked(const std::string& caller, int64_t bytes);
  void CloseStream(const std::string& code);
  int64_t Now() const;

  const AdmissionLimits limits_;
  const Clock clock_;
  mutable std::mutex mu_;
  std::condition_variable released_;
  std::map<std::string, PerPrincipal> principals_;
  int64_t replica_bytes_ = 0;
  int64_t replica_bytes_max_ = 0;  // the most ever held at once
  prometheus::Family<prometheus::Counter>* refusals_ = nullptr;
  prometheus::Gauge* held_bytes_ = nullptr;
  prometheus::Gauge* held_bytes_max_ = nullptr;
};

}  // namespace fruition::intake

#endif  // FRUITION_SERVICES_INTAKE_QUOTA_H_
