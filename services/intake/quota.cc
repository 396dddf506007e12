#include "services/intake/quota.h"

#include <algorithm>
#include <cmath>
#include <utility>

namespace fruition::intake {

Admission::Admission(AdmissionLimits limits, prometheus::Registry* registry,
                     Clock clock)
    : limits_(limits), clock_(clock ? std::move(clock) : [] {
        return static_cast<int64_t>(
            std::chrono::duration_cast<std::chrono::nanoseconds>(
                std::chrono::steady_clock::now().time_since_epoch())
                .count());
      }) {
  if (registry == nullptr) return;
  refusals_ = &prometheus::BuildCounter()
                   .Name("fruition_intake_quota_refusals_total")
                   .Help(
                       "Reports and calls refused RESOURCE_EXHAUSTED, by "
                       "principal and reason (reports_per_second: "
                       "reports; max_streams: Stream calls; "
                       "inflight_bytes: Submit calls)")
                   .Register(*registry);
  held_bytes_ = &prometheus::BuildGauge()
                     .Name("fruition_intake_inflight_bytes")
                     .Help(
                         "Bytes of reports read and not yet answered, "
                         "all calls of this replica")
                     .Register(*registry)
                     .Add({});
  held_bytes_max_ = &prometheus::BuildGauge()
                         .Name("fruition_intake_inflight_bytes_max")
                         .Help(
                             "The most bytes of reports ever in flight at "
                             "once on this replica since it started (to "
                             "size inflight-budget-bytes)")
                         .Register(*registry)
                         .Add({});
}

int64_t Admission::Now() const { return clock_(); }

void Admission::CountRefusal(const std::string& code, const char* reason,
                             double n) {
  if (refusals_ != nullptr && n > 0) {
    refusals_->Add({{"principal", code}, {"reason", reason}}).Increment(n);
  }
}

int Admission::TakeReports(const auth::Principal& caller, int n,
                           int64_t* retry_after_ms) {
  if (n <= 0) return 0;
  const double rate = caller.quota.reports_per_second;
  int taken = 0;
  {
    std::lock_guard<std::mutex> lock(mu_);
    PerPrincipal& p = principals_[caller.code];
    const int64_t now = Now();
    if (p.tokens < 0) {
      p.tokens = rate;  // a new principal starts with a full burst
    } else if (now > p.refilled_ns) {
      p.tokens =
          std::min(rate, p.tokens + static_cast<double>(now - p.refilled_ns) *
                                        rate / 1e9);
    }
    p.refilled_ns = now;
    taken = static_cast<int>(std::min<double>(n, std::floor(p.tokens + 1e-9)));
    p.tokens -= taken;
    if (taken < n) {
      // The wait until the next refused report (up to a burst of them) would
      // find its tokens: resending sooner is refused again.
      const double want = std::min<double>(n - taken, rate);
      const double missing = std::max(0.0, want - p.tokens);
      *retry_after_ms = std::max<int64_t>(
          1, static_cast<int64_t>(std::ceil(missing / rate * 1000.0)));
    }
  }
  if (taken < n) CountRefusal(caller.code, kReasonRate, n - taken);
  return taken;
}

Admission::StreamLease::~StreamLease() { admission_->CloseStream(code_); }

std::unique_ptr<Admission::StreamLease> Admission::OpenStream(
    const auth::Principal& caller, int64_t* retry_after_ms) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    PerPrincipal& p = principals_[caller.code];
    if (p.streams < caller.quota.max_streams) {
      ++p.streams;
      return std::unique_ptr<StreamLease>(new StreamLease(this, caller.code));
    }
  }
  *retry_after_ms = 1000;
  CountRefusal(caller.code, kReasonStreams);
  return nullptr;
}

void Admission::CloseStream(const std::string& code) {
  std::lock_guard<std::mutex> lock(mu_);
  --principals_[code].streams;
}

bool Admission::ReserveLocked(const std::string& caller, int64_t bytes) {
  PerPrincipal& p = principals_[caller];
  if (p.bytes + bytes > limits_.principal_bytes ||
      replica_bytes_ + bytes > limits_.replica_bytes) {
    return false;
  }
  p.bytes += bytes;
  replica_bytes_ += bytes;
  if (held_bytes_ != nullptr) {
    held_bytes_->Set(static_cast<double>(replica_bytes_));
  }
  if (replica_bytes_ > replica_bytes_max_) {
    replica_bytes_max_ = replica_bytes_;
    if (held_bytes_max_ != nullptr) {
      held_bytes_max_->Set(static_cast<double>(replica_bytes_max_));
    }
  }
  return true;
}

bool Admission::TryReserve(const std::string& caller, int64_t bytes) {
  if (!Fits(bytes)) return false;
  std::lock_guard<std::mutex> lock(mu_);
  return ReserveLocked(caller, bytes);
}

bool Admission::Reserve(const std::string& caller, int64_t bytes,
                        const std::function<bool()>& cancelled) {
  if (!Fits(bytes)) return false;
  std::unique_lock<std::mutex> lock(mu_);
  while (!ReserveLocked(caller, bytes)) {
    if (cancelled && cancelled()) return false;
    released_.wait_for(lock, std::chrono::milliseconds(100));
  }
  return true;
}

void Admission::Release(const std::string& caller, int64_t bytes) {
  if (bytes <= 0) return;
  {
    std::lock_guard<std::mutex> lock(mu_);
    principals_[caller].bytes -= bytes;
    replica_bytes_ -= bytes;
    if (held_bytes_ != nullptr) {
      held_bytes_->Set(static_cast<double>(replica_bytes_));
    }
  }
  released_.notify_all();
}

int64_t Admission::replica_bytes_held() const {
  std::lock_guard<std::mutex> lock(mu_);
  return replica_bytes_;
}

int64_t Admission::principal_bytes_held(const std::string& code) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = principals_.find(code);
  return it == principals_.end() ? 0 : it->second.bytes;
}

int Admission::open_streams(const std::string& code) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = principals_.find(code);
  return it == principals_.end() ? 0 : it->second.streams;
}

}  // namespace fruition::intake
