#include "tools/fruitctl/release.h"

#include <grpcpp/grpcpp.h>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <set>
#include <sstream>

#include "fruition/v1/releases.grpc.pb.h"
#include "services/common/status.h"
#include "services/release/release.h"
#include "tools/fruitctl/submit.h"

namespace fruition::fruitctl {
namespace {

namespace fs = std::filesystem;

constexpr int kUsage = 2;

absl::StatusOr<std::string> ReadFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(path.string() + ": cannot be read");
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

bool SafePath(const std::string& p) {
  return !p.empty() && p[0] != '/' && p.find("..") == std::string::npos &&
         p.find('\\') == std::string::npos;
}

int ExitCode(grpc::StatusCode code) {
  switch (code) {
    case grpc::StatusCode::NOT_FOUND:
      return 1;
    case grpc::StatusCode::INVALID_ARGUMENT:
      return 2;
    case grpc::StatusCode::UNAUTHENTICATED:
    case grpc::StatusCode::PERMISSION_DENIED:
      return 3;
    default:
      return 4;
  }
}

// --offsets, or the offsets of the MANIFEST named by --as-of; none: the
// gateway's latest.
absl::StatusOr<std::vector<release::PartitionOffset>> RequestedOffsets(
    const config::Settings& s) {
  const std::string& offsets = s.Get("offsets");
  const std::string& as_of = s.Get("as-of");
  if (!offsets.empty() && !as_of.empty()) {
    return absl::InvalidArgumentError(
        "--offsets and --as-of name the same thing; give one");
  }
  if (!offsets.empty()) return release::ParseOffsets(offsets);
  if (as_of.empty()) return std::vector<release::PartitionOffset>{};
  fs::path manifest = as_of;
  if (fs::is_directory(manifest)) manifest /= "MANIFEST";
  FRUITION_ASSIGN_OR_RETURN(const std::string text, ReadFile(manifest));
  auto parsed = release::ManifestOffsets(text);
  if (!parsed.ok()) {
    return absl::InvalidArgumentError("--as-of " + manifest.string() + ": " +
                                      std::string(parsed.status().message()));
  }
  return parsed;
}

int Fetch(const config::Settings& s, std::ostream& out, std::ostream& err) {
  const std::string& period = s.Get("period");
  const std::string& dir = s.Get("out");
  if (period.empty() || dir.empty()) {
    err << "fruitctl release: --period FY2016 and --out DIR are required\n";
    return kUsage;
  }
  std::string address = s.Get("gateway");
  if (address.empty()) address = s.Get("server");
  auto channel = MakeChannel(address, s.Get("tls-ca"), s.Get("tls-cert"),
                             s.Get("tls-key"));
  if (!channel.ok()) {
    err << "fruitctl: " << channel.status().message() << "\n";
    return kUsage;
  }
  grpc::ClientContext ctx;
  if (!s.Get("token").empty()) {
    ctx.AddMetadata("authorization", "Bearer " + s.Get("token"));
  }
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::minutes(5));
  v1::GetReleaseRequest req;
  req.set_period(period);
  auto at = RequestedOffsets(s);
  if (!at.ok()) {
    err << "fruitctl release: " << at.status().message() << "\n";
    return kUsage;
  }
  for (const release::PartitionOffset& o : *at) {
    v1::ReleaseOffset* offset = req.add_offsets();
    offset->set_partition(o.partition);
    offset->set_next(o.next);
  }
  v1::Release release;
  grpc::Status st =
      v1::ReleaseService::NewStub(*channel)->GetRelease(&ctx, req, &release);
  if (!st.ok()) {
    err << "fruitctl release: " << st.error_message() << "\n";
    return ExitCode(st.error_code());
  }
  auto force = s.GetBool("force");
  if (absl::Status w = WriteRelease(release, dir, force.ok() && *force);
      !w.ok()) {
    err << "fruitctl release: " << w.message() << "\n";
    return kUsage;
  }
  if (absl::Status v = VerifyReleaseDir(dir); !v.ok()) {
    err << "fruitctl release: " << v.message() << "\n";
    return 1;
  }
  out << "release " << release.period() << ": " << release.files_size()
      << " files written to " << dir << ", MANIFEST verified\n";
  return 0;
}

}  // namespace

std::vector<config::Spec> ReleaseSpecs() {
  return {
      {"out", "", "release: the directory to write the release to"},
      {"force", "false", "release: write into a DIR that is not empty", true},
      {"offsets", "",
       "release: build as of these offsets of the public scores topic "
       "(partition:next,... as in a MANIFEST's '# source:' line)"},
      {"as-of", "",
       "release: build as of the offsets of this MANIFEST (or release "
       "directory), to rebuild a release and compare"},
  };
}

const char* ReleaseUsage() {
  return "  fruitctl release --period FY2016 --out DIR [--force]\n"
         "      [--offsets 0:120,1:98 | --as-of OLD-DIR]\n"
         "      Fetches the fiscal year's release from the gateway "
         "(--gateway,\n"
         "      default --server), writes its files under DIR (refusing a\n"
         "      DIR that is not empty unless --force) and verifies the\n"
         "      MANIFEST. With --offsets or --as-of, the release as of those\n"
         "      offsets (an earlier MANIFEST's): byte-identical to the\n"
         "      earlier release. See docs/releases.md.\n"
         "  fruitctl release verify DIR\n"
         "      Checks every file of a release against its MANIFEST; exit 1\n"
         "      naming the first file that differs, is missing or unlisted.\n";
}

absl::Status WriteRelease(const v1::Release& release, const std::string& dir,
                          bool force) {
  std::error_code ec;
  if (fs::exists(dir, ec) && !fs::is_empty(dir, ec) && !force) {
    return absl::FailedPreconditionError(
        "--out " + dir + " is not empty (use --force to write into it)");
  }
  for (const v1::ReleaseFile& f : release.files()) {
    if (!SafePath(f.path())) {
      return absl::InvalidArgumentError("file path \"" + f.path() +
                                        "\" would leave --out");
    }
    const fs::path path = fs::path(dir) / f.path();
    fs::create_directories(path.parent_path(), ec);
    std::ofstream file(path, std::ios::binary | std::ios::trunc);
    file << f.bytes();
    if (!file) return absl::InternalError(path.string() + ": cannot write");
  }
  return absl::OkStatus();
}

absl::Status VerifyReleaseDir(const std::string& dir) {
  absl::StatusOr<std::string> manifest = ReadFile(fs::path(dir) / "MANIFEST");
  if (!manifest.ok()) {
    return absl::NotFoundError(dir + ": no MANIFEST (is it a release?)");
  }
  std::set<std::string> listed;
  absl::Status s =
      release::VerifyManifest(*manifest, [&](const std::string& path) {
        listed.insert(path);
        return ReadFile(fs::path(dir) / path);
      });
  if (!s.ok()) return s;
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(dir, ec);
       it != fs::recursive_directory_iterator(); it.increment(ec)) {
    if (!it->is_regular_file()) continue;
    const std::string rel = fs::relative(it->path(), dir).generic_string();
    if (rel != "MANIFEST" && listed.count(rel) == 0) {
      return absl::DataLossError(rel + ": not listed in the MANIFEST");
    }
  }
  return absl::OkStatus();
}

std::optional<int> RunReleaseCommand(const std::string& command,
                                     const config::Settings& s,
                                     const std::vector<std::string>& args,
                                     std::ostream& out, std::ostream& err) {
  if (command != "release") return std::nullopt;
  if (args.empty()) return Fetch(s, out, err);
  if (args.size() == 2 && args[0] == "verify") {
    absl::Status v = VerifyReleaseDir(args[1]);
    if (!v.ok()) {
      err << "fruitctl release verify: " << v.message() << "\n";
      return v.code() == absl::StatusCode::kNotFound ? kUsage : 1;
    }
    out << args[1] << ": every file matches the MANIFEST\n";
    return 0;
  }
  err << "fruitctl release: expected no argument, or 'verify DIR'\n";
  return kUsage;
}

}  // namespace fruition::fruitctl
