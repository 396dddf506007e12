// libFuzzer target for intake's parse-and-validate path (tools/fuzz):
//
//   bytes -> AgencyReport (binary protobuf, or proto3 JSON as fruitctl reads)
//         -> Validate(report, principal, now)
//         -> if accepted: Pseudonymize, RouteFor, CanonicalBytes
//
// Input layout: the first byte selects how the rest is read; the rest is the
// report.
//   bit 0     0 = binary protobuf (AgencyReport::ParseFromArray)
//             1 = proto3 JSON (ndjson::ParseReportJson)
//   bits 1-3  the caller's principal kind: 0 AGENCY, 1 JUDICIARY,
//             2 COMMUNITY, 3 OVERSEER, 4 PUBLIC, 5-7 each kind in turn
//   bit 4     the caller's code: 0 = the report's own `reporter` (so the
//             body rules are reached), 1 = "DEA" (exercises the reporter
//             mismatch rule)
//   bits 5-7  unused
// Seed files in corpus/ start with a printable selector: '`' binary/AGENCY,
// 'b' binary/JUDICIARY, 'd' binary/COMMUNITY, 'j' binary/every kind,
// 'a' JSON/AGENCY, 'c' JSON/JUDICIARY, 'e' JSON/COMMUNITY, 'k' JSON/every
// kind; each is a report that the selected principal(s) may send.
//
// Besides the sanitizers, an accepted report must keep intake's invariants
// (SPEC §2, §7); a violation aborts, which libFuzzer reports as a crash.
//
// Built with -DFRUITION_FUZZ_REPLAY_MAIN (any build without --config=fuzz,
// e.g. gcc's `bazel build //...`), the binary has its own main that replays
// the files named on its command line, so the target compiles everywhere.

#include <google/protobuf/stubs/logging.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "fruition/v1/reports.pb.h"
#include "services/common/auth/principals.h"
#include "services/common/ndjson.h"
#include "services/common/privacy/pseudonymizer.h"
#include "services/common/topics.h"
#include "services/intake/route.h"
#include "services/intake/validate.h"

namespace fruition::intake {
namespace {

// Intake's clock is an argument to Validate; a fixed one keeps runs
// reproducible. 2023-11-14T22:13:20Z.
constexpr int64_t kNowSeconds = 1700000000;

constexpr auth::PrincipalKind kKinds[] = {
    auth::PrincipalKind::kAgency, auth::PrincipalKind::kJudiciary,
    auth::PrincipalKind::kCommunity, auth::PrincipalKind::kOverseer,
    auth::PrincipalKind::kPublic};
constexpr int kNumKinds = sizeof(kKinds) / sizeof(kKinds[0]);

// How many (input, kind) pairs Validate accepted; the replay main prints it.
int64_t accepted_count = 0;

void Require(bool ok, const char* invariant) {
  if (ok) return;
  std::fprintf(stderr, "parse_validate_fuzzer: invariant violated: %s\n",
               invariant);
  std::abort();
}

const privacy::Pseudonymizer& FuzzPseudonymizer() {
  // Never destroyed (reachable from a static, so not a leak).
  static const privacy::Pseudonymizer* const pseudonymizer = [] {
    auto made = privacy::Pseudonymizer::FromKey(
        "parse-validate-fuzzer-key-0123456789abcdef");
    Require(made.ok(), "the fixed pseudonym key is accepted");
    return new privacy::Pseudonymizer(std::move(*made));
  }();
  return *pseudonymizer;
}

bool IsLowerHex64(const std::string& s) {
  if (s.size() != 64) return false;
  for (char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

// What intake does with a report `caller` may send, with its invariants.
void Accept(const v1::AgencyReport& validated, const auth::Principal& caller) {
  ++accepted_count;
  Require(validated.body_case() != v1::AgencyReport::BODY_NOT_SET,
          "an accepted report has a body");
  Require(MaySend(caller.kind, validated.body_case()),
          "an accepted body is one the caller's kind may send");
  Require(validated.reporter() == caller.code,
          "an accepted report's reporter is the caller");
  Require(!validated.report_id().empty(), "an accepted report has an id");

  v1::AgencyReport report = validated;
  const std::string* ref = MutableSubjectRef(&report);
  const bool has_subject = ref != nullptr;
  const std::string raw_ref = has_subject ? *ref : "";
  Require(!has_subject || !raw_ref.empty(),
          "an accepted subject body has a subject_ref");

  const std::string pid = Pseudonymize(FuzzPseudonymizer(), &report);
  if (has_subject) {
    Require(IsLowerHex64(pid), "subject_pid is 64 lowercase hex characters");
    Require(MutableSubjectRef(&report)->empty(),
            "Pseudonymize clears subject_ref");
    Require(SubjectPid(report) != nullptr && *SubjectPid(report) == pid,
            "Pseudonymize stores the pid it returns");
    Require(pid == FuzzPseudonymizer().Pid(raw_ref),
            "the pid is the pseudonymizer's pid of subject_ref");
  } else {
    Require(pid.empty(), "a body without a subject gets no pid");
  }

  const Route route = RouteFor(report);
  Require(route.topic == topics::kReports || route.topic == topics::kReference,
          "an accepted report goes to reports.v1 or reference.v1");
  Require(!route.key.empty(), "an accepted report has a non-empty record key");
  if (has_subject) {
    Require(route.topic == topics::kReports && route.key == pid,
            "a subject body is keyed by subject_pid on reports.v1");
  }

  const std::string bytes = CanonicalBytes(report);
  Require(bytes.size() == report.ByteSizeLong(),
          "CanonicalBytes serializes the whole report");
  v1::AgencyReport reparsed;
  Require(reparsed.ParseFromString(bytes), "CanonicalBytes parse back");
  Require(CanonicalBytes(reparsed) == bytes, "CanonicalBytes is stable");
  Require(CanonicalBytes(report) == bytes, "CanonicalBytes is deterministic");
}

void ValidateAs(const v1::AgencyReport& report, auth::PrincipalKind kind,
                bool caller_is_reporter) {
  auth::Principal caller;
  caller.kind = kind;
  caller.code = caller_is_reporter ? report.reporter() : "DEA";
  const std::optional<Rejection> rejection =
      Validate(report, caller, kNowSeconds);
  if (!rejection.has_value()) {
    Accept(report, caller);
    return;
  }
  Require(rejection->code == absl::StatusCode::kInvalidArgument ||
              rejection->code == absl::StatusCode::kPermissionDenied,
          "a rejection is INVALID_ARGUMENT or PERMISSION_DENIED");
  Require(!rejection->field.empty(), "a rejection names a field");
  Require(!rejection->message.empty(), "a rejection has a message");
}

}  // namespace
}  // namespace fruition::intake

extern "C" int LLVMFuzzerInitialize(int* /*argc*/, char*** /*argv*/) {
  // Binary inputs with invalid UTF-8 in string fields make libprotobuf log an
  // error per parse; that is expected here and only slows the fuzzer.
  google::protobuf::SetLogHandler(nullptr);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using fruition::intake::kKinds;
  using fruition::intake::kNumKinds;
  if (size < 1) return 0;
  const uint8_t selector = data[0];
  const bool json = (selector & 1) != 0;
  const int kind_index = (selector >> 1) & 7;
  const bool caller_is_reporter = (selector & 0x10) == 0;
  const char* body = reinterpret_cast<const char*>(data + 1);
  const size_t body_size = size - 1;

  fruition::v1::AgencyReport report;
  if (json) {
    auto parsed =
        fruition::ndjson::ParseReportJson(std::string(body, body_size));
    if (!parsed.ok()) return 0;
    report = std::move(*parsed);
  } else {
    if (body_size > static_cast<size_t>(INT32_MAX)) return 0;
    if (!report.ParseFromArray(body, static_cast<int>(body_size))) return 0;
  }

  if (kind_index < kNumKinds) {
    fruition::intake::ValidateAs(report, kKinds[kind_index],
                                 caller_is_reporter);
  } else {
    for (auto kind : kKinds) {
      fruition::intake::ValidateAs(report, kind, caller_is_reporter);
    }
  }
  return 0;
}

#ifdef FRUITION_FUZZ_REPLAY_MAIN
// Without libFuzzer: run each file named on the command line once.
int main(int argc, char** argv) {
  LLVMFuzzerInitialize(&argc, &argv);
  int failures = 0;
  for (int i = 1; i < argc; ++i) {
    std::ifstream in(argv[i], std::ios::binary);
    if (!in) {
      std::fprintf(stderr, "%s: cannot read\n", argv[i]);
      ++failures;
      continue;
    }
    const std::vector<char> bytes((std::istreambuf_iterator<char>(in)),
                                  std::istreambuf_iterator<char>());
    const int64_t before = fruition::intake::accepted_count;
    LLVMFuzzerTestOneInput(reinterpret_cast<const uint8_t*>(bytes.data()),
                           bytes.size());
    std::printf(
        "%s: %zu bytes, accepted for %lld principal(s)\n", argv[i],
        bytes.size(),
        static_cast<long long>(fruition::intake::accepted_count - before));
  }
  return failures == 0 ? 0 : 1;
}
#endif  // FRUITION_FUZZ_REPLAY_MAIN
