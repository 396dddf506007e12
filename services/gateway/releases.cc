#include "services/gateway/releases.h"

#include <algorithm>

#include "absl/status/status.h"
#include "services/common/json.h"
#include "services/common/server/grpc_server.h"
#include "services/common/status.h"
#include "services/domain/periods.h"
#include "services/release/tar.h"

namespace fruition::gateway {
namespace {

constexpr size_t kCacheSize = 8;

// The next offsets of the public scores topic, by partition.
absl::StatusOr<std::vector<release::PartitionOffset>> PublicOffsets(
    const Views& views) {
  FRUITION_ASSIGN_OR_RETURN(const std::vector<int64_t> next,
                            views.NextOffsets(CardView::kPublic));
  std::vector<release::PartitionOffset> out;
  for (size_t p = 0; p < next.size(); ++p) {
    out.push_back({static_cast<int32_t>(p), next[p]});
  }
  return out;
}

// UNAVAILABLE when `at` asks for a record this replica has not read yet.
absl::Status CheckReadUpTo(const std::vector<release::PartitionOffset>& at,
                           const std::vector<release::PartitionOffset>& read,
                           const std::string& topic) {
  for (const release::PartitionOffset& o : at) {
    int64_t have = 0;
    for (const release::PartitionOffset& r : read) {
      if (r.partition == o.partition) have = r.next;
    }
    if (o.next > have) {
      return absl::UnavailableError(
          "offsets: this gateway has read partition " +
          std::to_string(o.partition) + " of " + topic + " up to " +
          std::to_string(have) + ", not yet " + std::to_string(o.next) +
          "; retry later or ask another replica");
    }
  }
  return absl::OkStatus();
}

std::string CacheKey(const std::string& period,
                     const std::vector<release::PartitionOffset>& offsets) {
  std::string key = period;
  for (const auto& o : offsets) {
    key += " " + std::to_string(o.partition) + ":" + std::to_string(o.next);
  }
  return key;
}

const char* ContentType(const std::string& path) {
  auto ends = [&path](const char* ext) {
    const std::string e = ext;
    return path.size() >= e.size() &&
           path.compare(path.size() - e.size(), e.size(), e) == 0;
  };
  if (ends(".html")) return "text/html; charset=utf-8";
  if (ends(".css")) return "text/css; charset=utf-8";
  if (ends(".csv")) return "text/csv; charset=utf-8";
  if (ends(".json")) return "application/json";
  return "text/plain; charset=utf-8";
}

int HttpCode(absl::StatusCode code) {
  switch (code) {
    case absl::StatusCode::kInvalidArgument:
      return 400;
    case absl::StatusCode::kNotFound:
      return 404;
    case absl::StatusCode::kUnavailable:
      return 503;
    default:
      return 500;
  }
}

void Fail(HttpResponse& res, const absl::Status& s) {
  res.status = HttpCode(s.code());
  res.set_content(ErrorJson(std::string(absl::StatusCodeToString(s.code())),
                            std::string(s.message())),
                  "application/json");
}

}  // namespace

absl::StatusOr<release::Input> GatherReleaseInput(
    const Views& views, const std::string& period,
    const std::vector<release::PartitionOffset>& at) {
  FRUITION_RETURN_IF_ERROR(release::CheckReleasePeriod(period));
  release::Input in;
  in.period = period;
  in.topic = views.topics().scores_public;
  FRUITION_ASSIGN_OR_RETURN(const auto read, PublicOffsets(views));
  if (at.empty()) {
    in.offsets = read;
  } else {
    FRUITION_RETURN_IF_ERROR(CheckReadUpTo(at, read, in.topic));
    in.offsets = at;
  }
  // Every version is kept (the history tables), so the cards as of fixed
  // offsets are one consistent cut of the log, whatever arrives meanwhile.
  std::vector<int64_t> next;
  for (const release::PartitionOffset& o : in.offsets) {
    if (static_cast<size_t>(o.partition) >= next.size()) {
      next.resize(o.partition + 1, 0);
    }
    next[o.partition] = o.next;
  }
  for (const std::string& p :
       {period, period + "Q1", period + "Q2", period + "Q3", period + "Q4"}) {
    FRUITION_ASSIGN_OR_RETURN(std::vector<v1::Scorecard> cards,
                              views.CardsAsOf(CardView::kPublic, p, "", next));
    for (v1::Scorecard& c : cards) in.cards.push_back(std::move(c));
  }
  return in;
}

ReleaseServiceImpl::ReleaseServiceImpl(
    const Views* views, const auth::PrincipalRegistry* principals)
    : views_(views), principals_(principals) {}

std::shared_ptr<const BuiltRelease> ReleaseServiceImpl::Cached(
    const std::string& key) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = cache_.find(key);
  return it == cache_.end() ? nullptr : it->second;
}

absl::StatusOr<std::shared_ptr<const BuiltRelease>> ReleaseServiceImpl::Get(
    const std::string& period,
    const std::vector<release::PartitionOffset>& at) {
  FRUITION_RETURN_IF_ERROR(release::CheckReleasePeriod(period));
  // Built before from the same offsets: no need to read the cards again.
  if (at.empty()) {
    FRUITION_ASSIGN_OR_RETURN(const auto now, PublicOffsets(*views_));
    if (auto hit = Cached(CacheKey(period, now))) return hit;
  } else if (auto hit = Cached(CacheKey(period, at))) {
    return hit;
  }
  FRUITION_ASSIGN_OR_RETURN(release::Input in,
                            GatherReleaseInput(*views_, period, at));
  const std::string key = CacheKey(period, in.offsets);
  std::lock_guard<std::mutex> build(build_mu_);
  if (auto hit = Cached(key)) return hit;
  auto built = std::make_shared<BuiltRelease>();
  FRUITION_ASSIGN_OR_RETURN(built->files, release::Build(in));
  FRUITION_ASSIGN_OR_RETURN(built->tar,
                            release::Tar("fruition-" + period, built->files));
  built->input = std::move(in);
  std::lock_guard<std::mutex> lock(mu_);
  ++builds_;
  cache_[key] = built;
  order_.push_back(key);
  if (order_.size() > kCacheSize) {
    cache_.erase(order_.front());
    order_.erase(order_.begin());
  }
  return std::shared_ptr<const BuiltRelease>(built);
}

int ReleaseServiceImpl::builds() const {
  std::lock_guard<std::mutex> lock(mu_);
  return builds_;
}

grpc::Status ReleaseServiceImpl::GetRelease(
    grpc::ServerContext* context, const v1::GetReleaseRequest* request,
    v1::Release* response) {
  return server::AsCaller(
      *principals_, *context, [&](const auth::Principal&) -> grpc::Status {
        std::vector<release::PartitionOffset> at;
        for (const v1::ReleaseOffset& o : request->offsets()) {
          if (o.partition() < 0 || o.next() < 0) {
            return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                                "offsets: partition and next must be >= 0");
          }
          at.push_back({o.partition(), o.next()});
        }
        std::sort(at.begin(), at.end(),
                  [](const release::PartitionOffset& a,
                     const release::PartitionOffset& b) {
                    return a.partition < b.partition;
                  });
        auto built = Get(request->period(), at);
        if (!built.ok()) return ToGrpcStatus(built.status());
        const BuiltRelease& b = **built;
        response->set_period(b.input.period);
        response->set_topic(b.input.topic);
        for (const release::File& f : b.files) {
          v1::ReleaseFile* file = response->add_files();
          file->set_path(f.path);
          file->set_bytes(f.bytes);
        }
        for (const release::PartitionOffset& o : b.input.offsets) {
          v1::ReleaseOffset* offset = response->add_offsets();
          offset->set_partition(o.partition);
          offset->set_next(o.next);
        }
        return grpc::Status::OK;
      });
}

bool ReleaseServiceImpl::ServeHttp(const HttpRequest& req, HttpResponse& res) {
  static const std::string kApi = "/api/v1/releases/";
  static const std::string kPages = "/releases/";
  std::string period, file;
  if (req.path.rfind(kApi, 0) == 0) {
    period = req.path.substr(kApi.size());
  } else if (req.path.rfind(kPages, 0) == 0) {
    const std::string rest = req.path.substr(kPages.size());
    const size_t slash = rest.find('/');
    period = rest.substr(0, slash);
    file = slash == std::string::npos ? "" : rest.substr(slash + 1);
    if (slash == std::string::npos) {  // /releases/FY2016 -> its directory
      res.status = 301;
      res.set_header("Location", req.path + "/");
      return true;
    }
    if (file.empty()) file = "index.html";
  } else {
    return false;
  }
  std::vector<release::PartitionOffset> at;
  if (req.has_param("offsets")) {
    auto parsed = release::ParseOffsets(req.get_param_value("offsets"));
    if (!parsed.ok()) {
      Fail(res, parsed.status());
      return true;
    }
    at = *std::move(parsed);
  }
  auto built = Get(period, at);
  if (!built.ok()) {
    Fail(res, built.status());
    return true;
  }
  res.set_header("Cache-Control", "public, max-age=60");
  if (req.path.rfind(kApi, 0) == 0) {
    res.set_header("Content-Disposition",
                   "attachment; filename=\"fruition-" + period + ".tar\"");
    res.set_content((*built)->tar, "application/x-tar");
    return true;
  }
  for (const release::File& f : (*built)->files) {
    if (f.path == file) {
      res.set_content(f.bytes, ContentType(f.path));
      return true;
    }
  }
  Fail(res, absl::NotFoundError("release " + period + " has no file \"" + file +
                                "\""));
  return true;
}

}  // namespace fruition::gateway
