// A release (SPEC §10): the bundle an inspector general cites for one fiscal
// year. Build() turns the PUBLIC scorecards of the year and its four quarters
// (disclosure control of SPEC §5 D1–D4 already applied by scoring), the
// indicator catalogue and the offsets of the public scores topic the cards
// were read up to into an ordered list of files: tables per unit kind (CSV and
// JSON), Sentencing-Commission-style tables, data-quality flags, a
// methodology page, a printable HTML report with its stylesheet, and a
// MANIFEST of SHA-256 digests.
//
// Pure: no I/O and no clock. The output depends only on the input (not on the
// order of the cards), so two builds from the same offsets are
// byte-identical and anyone can rebuild and compare. Thread-safe.
#ifndef FRUITION_SERVICES_RELEASE_RELEASE_H_
#define FRUITION_SERVICES_RELEASE_RELEASE_H_

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "fruition/v1/scores.pb.h"
#include "services/domain/indicators.h"

namespace fruition::release {

// What a suppressed cell is written as in CSV files (SPEC §5 D1).
inline constexpr char kSuppressed[] = "S";

// The next offset to read of one partition of the public scores topic.
struct PartitionOffset {
  int32_t partition = 0;
  int64_t next = 0;
};

struct Input {
  std::string period;  // a fiscal year: `FY2016`
  // Public scorecards (`public_view`) of the fiscal year and its quarters,
  // any order, at most one per unit-period.
  std::vector<v1::Scorecard> cards;
  std::string topic;  // the public scores topic the cards came from
  std::vector<PartitionOffset> offsets;
};

struct File {
  std::string path;  // relative, `/`-separated: `tables/district.csv`
  std::string bytes;
};

// Ordered by path, MANIFEST last. INVALID_ARGUMENT naming `period` when it is
// not `FY` + four digits; naming the card when a card is not a public view,
// belongs to another period, has an invalid unit or repeats a unit-period;
// NOT_FOUND when there is no card at all.
absl::StatusOr<std::vector<File>> Build(
    const Input& in,
    const std::vector<domain::IndicatorDef>& registry = domain::Indicators());

// INVALID_ARGUMENT naming `period` unless `period` is a fiscal year (`FY`
// and four digits).
absl::Status CheckReleasePeriod(const std::string& period);

// Lowercase hex SHA-256 of `bytes`.
std::string Sha256Hex(const std::string& bytes);

// The MANIFEST of `files` (sha256sum format, sorted by path, after a `#`
// header naming the period, versions and offsets).
std::string Manifest(const Input& in, const std::vector<File>& files);

// Offsets as written in a MANIFEST header and accepted by `?offsets=` and
// `fruitctl release --offsets`: `partition:next` pairs separated by commas
// or spaces (`0:120,1:98`), each partition once, sorted by partition.
// INVALID_ARGUMENT naming `offsets` and the bad pair otherwise.
absl::StatusOr<std::vector<PartitionOffset>> ParseOffsets(
    const std::string& text);

// The offsets of a MANIFEST's `# source:` header line; INVALID_ARGUMENT when
// the MANIFEST has none.
absl::StatusOr<std::vector<PartitionOffset>> ManifestOffsets(
    const std::string& manifest);

// Checks a MANIFEST against files: `read(path)` returns a file's bytes (or
// an error). DATA_LOSS naming the first file whose digest differs or that
// cannot be read; INVALID_ARGUMENT for a line that is not a digest and a path.
absl::Status VerifyManifest(
    const std::string& manifest,
    const std::function<absl::StatusOr<std::string>(const std::string&)>& read);

}  // namespace fruition::release

#endif  // FRUITION_SERVICES_RELEASE_RELEASE_H_
