// Releases (SPEC §10) served by the gateway: gRPC ReleaseService.GetRelease
// and, over HTTP,
//
//   GET /api/v1/releases/FY2016        the bundle as a tar
//                                      (fruition-FY2016.tar, attachment);
//       ?offsets=0:120,1:98            rebuilt as of the offsets of a
//                                      MANIFEST's `# source:` line
//   GET /releases/FY2016/              its printable report (index.html)
//   GET /releases/FY2016/<file>        one file of it (HTML, CSS, CSV, JSON,
//                                      text)
//
// Anyone may read a release: it is built from the PUBLIC view only
// (services/release), never the restricted cards. The input is the public
// cards of the fiscal year and its quarters as the views hold them, with
// the next offsets of the public scores topic they were read up to; a
// release is cached per (period, offsets), so a burst of downloads of an
// unchanged period builds once and a new card builds anew.
//
// Errors: INVALID_ARGUMENT (HTTP 400) naming `period` for anything but
// `FY` and four digits, or `offsets` for malformed offsets; NOT_FOUND (404)
// when there is no public card of the period, or no such file in it;
// UNAVAILABLE (503) when the store cannot be read or this replica has not read
// up to the offsets asked for.
//
// Thread-safe.
#ifndef FRUITION_SERVICES_GATEWAY_RELEASES_H_
#define FRUITION_SERVICES_GATEWAY_RELEASES_H_

#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "absl/status/statusor.h"
#include "fruition/v1/releases.grpc.pb.h"
#include "services/common/auth/principals.h"
#include "services/gateway/http_server.h"
#include "services/gateway/views.h"
#include "services/release/release.h"

namespace fruition::gateway {

// One built release.
struct BuiltRelease {
  release::Input input;
  std::vector<release::File> files;
  std::string tar;  // fruition-<period>.tar
};

// The input of a period's release from the views: the public cards of the
// year and its quarters as they were at offsets `at` of the public scores
// topic (empty: as far as this replica has read), and those offsets. The
// history tables keep every version, so the input is one consistent cut of
// the log however many cards arrive meanwhile, and the same `at` gives the
// same input on any replica that has read that far. UNAVAILABLE naming
// `offsets` when this replica has not read up to `at`.
absl::StatusOr<release::Input> GatherReleaseInput(
    const Views& views, const std::string& period,
    const std::vector<release::PartitionOffset>& at = {});

class ReleaseServiceImpl final : public v1::ReleaseService::Service {
 public:
  ReleaseServiceImpl(const Views* views,
                     const auth::PrincipalRegistry* principals);

  grpc::Status GetRelease(grpc::ServerContext* context,
                          const v1::GetReleaseRequest* request,
                          v1::Release* response) override;

  // The period's release as the views hold it now, or as of offsets `at`
  // (sorted by partition; cached per period and offsets).
  absl::StatusOr<std::shared_ptr<const BuiltRelease>> Get(
      const std::string& period,
      const std::vector<release::PartitionOffset>& at = {});

  // Answers a release path (see above) and returns true; false for any
  // other path.
  bool ServeHttp(const HttpRequest& req, HttpResponse& res);

  // How many releases were built (not served from the cache).
  int builds() const;

 private:
  std::shared_ptr<const BuiltRelease> Cached(const std::string& key) const;

  const Views* views_;
  const auth::PrincipalRegistry* principals_;
  std::mutex build_mu_;  // one build at a time: a burst builds once
  mutable std::mutex mu_;
  // "period offsets" -> release, the most recent few.
  std::map<std::string, std::shared_ptr<const BuiltRelease>> cache_;
  std::vector<std::string> order_;  // cache keys, oldest first
  int builds_ = 0;
};

}  // namespace fruition::gateway

#endif  // FRUITION_SERVICES_GATEWAY_RELEASES_H_
