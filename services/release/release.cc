#include "services/release/release.h"

#include <openssl/sha.h>

#include <algorithm>
#include <cstdio>
#include <set>
#include <sstream>
#include <tuple>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "services/common/json.h"
#include "services/domain/periods.h"
#include "services/release/model.h"

namespace fruition::release {
namespace {

// Where a period sorts within its fiscal year: the year, then Q1..Q4.
int PeriodRank(const std::string& period) {
  return domain::IsFiscalYear(period) ? 0 : period.back() - '0';
}

// Catalogue position of an indicator name: (entry index, member name).
// Where a column goes: its indicator's place in the catalogue, then a family
// member's place in its family's order (an enum's), then its name.
std::tuple<size_t, size_t, std::string> CatalogueKey(
    const std::vector<domain::IndicatorDef>& registry,
    const std::string& name) {
  for (size_t i = 0; i < registry.size(); ++i) {
    const domain::IndicatorDef& d = registry[i];
    if (d.name == name) return {i, 0, ""};
    if (!d.name.empty() && d.name.back() == ':' && name.rfind(d.name, 0) == 0) {
      const std::string member = name.substr(d.name.size());
      const auto& order = d.member_order;
      const size_t at = static_cast<size_t>(
          std::find(order.begin(), order.end(), member) - order.begin());
      return {i, at, member};
    }
  }
  return {registry.size(), 0, name};
}

absl::Status CheckCard(const std::string& period, const v1::Scorecard& c) {
  const std::string what = "card " + c.unit() + " " + c.period();
  if (!c.public_view()) {
    return absl::InvalidArgumentError(
        what + ": not a public view (a release never shows restricted cards)");
  }
  if (!domain::ValidUnit(c.unit())) {
    return absl::InvalidArgumentError(what + ": invalid unit");
  }
  if (!domain::ValidPeriod(c.period()) ||
      domain::FiscalYearOfPeriod(c.period()) != period) {
    return absl::InvalidArgumentError(what + ": not of period " + period);
  }
  return absl::OkStatus();
}

absl::StatusOr<Model> MakeModel(
    const Input& in, const std::vector<domain::IndicatorDef>& registry) {
  Model m;
  m.in = &in;
  m.registry = &registry;
  std::set<std::pair<std::string, std::string>> seen;
  std::set<std::string> score_versions, criteria_versions;
  std::map<std::string, std::set<std::string>> names;
  for (const v1::Scorecard& c : in.cards) {
    if (absl::Status s = CheckCard(in.period, c); !s.ok()) return s;
    if (!seen.emplace(c.unit(), c.period()).second) {
      return absl::InvalidArgumentError("card " + c.unit() + " " + c.period() +
                                        ": given twice");
    }
    score_versions.insert(c.score_version());
    criteria_versions.insert(c.criteria_version());
    Row row;
    row.card = &c;
    for (const v1::Indicator& i : c.indicators()) {
      row.cells[i.name()] = &i;
      names[KindOf(c.unit())].insert(i.name());
    }
    m.rows[KindOf(c.unit())].push_back(std::move(row));
  }
  for (auto& [kind, rows] : m.rows) {
    std::sort(rows.begin(), rows.end(), [](const Row& a, const Row& b) {
      return std::make_tuple(a.card->unit(), PeriodRank(a.card->period())) <
             std::make_tuple(b.card->unit(), PeriodRank(b.card->period()));
    });
  }
  for (const auto& [kind, set] : names) {
    std::vector<std::string> cols(set.begin(), set.end());
    std::stable_sort(cols.begin(), cols.end(),
                     [&](const std::string& a, const std::string& b) {
                       return CatalogueKey(registry, a) <
                              CatalogueKey(registry, b);
                     });
    m.columns[kind] = std::move(cols);
  }
  m.score_versions.assign(score_versions.begin(), score_versions.end());
  m.criteria_versions.assign(criteria_versions.begin(),
                             criteria_versions.end());
  return m;
}

// The value and n columns of one cell: S/S when suppressed, empty when the
// card has no such cell, no value when it is undefined.
std::pair<std::string, std::string> CsvCell(const v1::Indicator* i) {
  if (i == nullptr) return {"", ""};
  if (i->suppressed()) return {kSuppressed, kSuppressed};
  const std::string n = std::to_string(i->n());
  if (!i->defined()) return {"", n};
  return {Num(i->value()), n};
}

std::string TableCsv(const Model& m, const std::string& kind) {
  std::vector<std::string> header = {
      "unit",     "period",       "score_version", "criteria_version",
      "revision", "lags_current", "scorecard_id"};
  for (const std::string& name : m.columns.at(kind)) {
    header.push_back(name);
    header.push_back(name + "_n");
  }
  std::string out = CsvLine(header);
  for (const Row& r : m.rows.at(kind)) {
    const v1::Scorecard& c = *r.card;
    std::vector<std::string> line = {c.unit(),
                                     c.period(),
                                     c.score_version(),
                                     c.criteria_version(),
                                     std::to_string(c.revision()),
                                     c.lags_current() ? "true" : "false",
                                     c.scorecard_id()};
    for (const std::string& name : m.columns.at(kind)) {
      auto [value, n] = CsvCell(r.Cell(name));
      line.push_back(std::move(value));
      line.push_back(std::move(n));
    }
    out += CsvLine(line);
  }
  return out;
}

// A cell as the HTTP API writes it (SPEC §9; §5 D1 for a suppressed one).
std::string JsonCell(const v1::Indicator& i) {
  if (i.suppressed()) return "{\"suppressed\":true}";
  if (!i.defined()) {
    return "{\"n\":" + std::to_string(i.n()) + ",\"defined\":false}";
  }
  return "{\"value\":" + Num(i.value()) + ",\"n\":" + std::to_string(i.n()) +
         "}";
}

std::string CardJson(const Model& m, const Row& r, const std::string& kind) {
  const v1::Scorecard& c = *r.card;
  std::string out =
      "{\"unit\":" + json::JsonString(c.unit()) +
      ",\"period\":" + json::JsonString(c.period()) +
      ",\"scoreVersion\":" + json::JsonString(c.score_version()) +
      ",\"criteriaVersion\":" + json::JsonString(c.criteria_version()) +
      ",\"scorecardId\":" + json::JsonString(c.scorecard_id()) +
      ",\"revision\":\"" + std::to_string(c.revision()) +
      "\",\"publicView\":true,\"lagsCurrent\":" +
      (c.lags_current() ? "true" : "false") + ",\"indicators\":{";
  bool first = true;
  for (const std::string& name : m.columns.at(kind)) {
    const v1::Indicator* i = r.Cell(name);
    if (i == nullptr) continue;
    if (!first) out += ",";
    first = false;
    out += json::JsonString(domain::JsonName(name)) + ":" + JsonCell(*i);
  }
  return out + "}}";
}

std::string TableJson(const Model& m, const std::string& kind) {
  std::string out = "{\"period\":" + json::JsonString(m.in->period) +
                    ",\"kind\":" + json::JsonString(kind) +
                    ",\"suppressedMarker\":{\"suppressed\":true}" +
                    ",\"scorecards\":[\n";
  const std::vector<Row>& rows = m.rows.at(kind);
  for (size_t i = 0; i < rows.size(); ++i) {
    out += CardJson(m, rows[i], kind);
    out += i + 1 < rows.size() ? ",\n" : "\n";
  }
  return out + "]}\n";
}

// A Sentencing-Commission-style table: one row per unit (fiscal year), the
// count `n` in one column, then one column per category.
struct Sourcebook {
  const char* file;
  const char* n;  // count indicator of the n column ("" : none)
  std::vector<std::string> prefixes;  // family prefixes or indicator names
  bool months = false;                // values in months, not percent
};

const std::vector<Sourcebook>& SourcebookTables() {
  static const auto* tables = new std::vector<Sourcebook>{
      {"offender-function", "sentenced", {"function_share:"}},
      {"criminal-history", "sentenced", {"criminal_history_share:"}},
      {"drug", "sentenced", {"drug_share:"}},
      {"role", "sentenced", {"aggravating_role_share"}},
      {"weapon", "sentenced", {"weapon_share"}},
      {"sentence-length",
       "sentenced",
       {"mean_sentence_months", "median_sentence_months"},
       true},
      {"safety-valve", "lnf_sentenced", {"lnf_safety_valve_share"}},
      {"mandatory-minimums",
       "",
       {"mandatory_minimum_charged_share", "lnf_mandatory_minimum_share",
        "below_mandatory_minimum_share"}},
  };
  return *tables;
}

bool Matches(const std::string& name, const std::string& prefix) {
  return prefix.back() == ':' ? name.rfind(prefix, 0) == 0 : name == prefix;
}

// The category cell: S when suppressed, empty when absent or undefined.
std::string SourcebookValue(const v1::Indicator* i, bool months) {
  if (i == nullptr) return "";
  if (i->suppressed()) return kSuppressed;
  if (!i->defined()) return "";
  return months ? OneDecimal(i->value()) : Percent(i->value());
}

// "" when no unit of `kind` has any of the table's indicators.
std::string SourcebookCsv(const Model& m, const std::string& kind,
                          const Sourcebook& t) {
  std::vector<std::string> cats;
  for (const std::string& name : m.columns.at(kind)) {
    for (const std::string& p : t.prefixes) {
      if (Matches(name, p)) cats.push_back(name);
    }
  }
  if (cats.empty()) return "";
  std::vector<std::string> header = {"Unit"};
  const std::string n_name = t.n;
  if (!n_name.empty()) header.push_back(LabelOf(m, n_name) + " (n)");
  for (const std::string& c : cats) {
    header.push_back(LabelOf(m, c) + (t.months ? " (months)" : " (%)"));
    if (n_name.empty()) header.push_back(LabelOf(m, c) + " (n)");
  }
  std::string out = CsvLine(header);
  for (const Row* r : m.YearRows(kind)) {
    std::vector<std::string> line = {r->card->unit()};
    if (!n_name.empty()) line.push_back(CsvCell(r->Cell(n_name)).second);
    for (const std::string& c : cats) {
      line.push_back(SourcebookValue(r->Cell(c), t.months));
      if (n_name.empty()) line.push_back(CsvCell(r->Cell(c)).second);
    }
    out += CsvLine(line);
  }
  return out;
}

void WriteTables(const Model& m, std::vector<File>* out) {
  for (const std::string& kind : Kinds()) {
    if (m.rows.count(kind) == 0) continue;
    out->push_back({"tables/" + kind + ".csv", TableCsv(m, kind)});
    out->push_back({"tables/" + kind + ".json", TableJson(m, kind)});
    if (m.YearRows(kind).empty()) continue;
    for (const Sourcebook& t : SourcebookTables()) {
      std::string csv = SourcebookCsv(m, kind, t);
      if (csv.empty()) continue;
      out->push_back({std::string("sourcebook/") + t.file + "-" + kind + ".csv",
                      std::move(csv)});
    }
  }
}

bool IsHex64(const std::string& s) {
  return s.size() == 64 && std::all_of(s.begin(), s.end(), [](char c) {
           return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
         });
}

}  // namespace

absl::Status CheckReleasePeriod(const std::string& period) {
  if (!domain::ValidPeriod(period) || !domain::IsFiscalYear(period)) {
    return absl::InvalidArgumentError(
        "period: a release is of a fiscal year such as FY2016, not \"" +
        period + "\"");
  }
  return absl::OkStatus();
}

std::string Sha256Hex(const std::string& bytes) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size(),
         digest);
  static const char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned char b : digest) {
    out += kHex[b >> 4];
    out += kHex[b & 15];
  }
  return out;
}

std::string Manifest(const Input& in, const std::vector<File>& files) {
  std::vector<PartitionOffset> offsets = in.offsets;
  std::sort(offsets.begin(), offsets.end(),
            [](const PartitionOffset& a, const PartitionOffset& b) {
              return a.partition < b.partition;
            });
  std::set<std::string> score, criteria;
  for (const v1::Scorecard& c : in.cards) {
    score.insert(c.score_version());
    criteria.insert(c.criteria_version());
  }
  auto join = [](const std::set<std::string>& s) {
    std::string out;
    for (const std::string& v : s) out += (out.empty() ? "" : ", ") + v;
    return out;
  };
  std::string out = "# Fruition release " + in.period + "\n";
  out += "# score_version: " + join(score) + "\n";
  out += "# criteria_version: " + join(criteria) + "\n";
  out += "# source: " + in.topic + " read up to (partition:next offset)";
  for (const PartitionOffset& o : offsets) {
    out += " " + std::to_string(o.partition) + ":" + std::to_string(o.next);
  }
  out += "\n# verify: grep -v '^#' MANIFEST | sha256sum -c -\n";
  std::vector<const File*> sorted;
  for (const File& f : files) {
    if (f.path != "MANIFEST") sorted.push_back(&f);
  }
  std::sort(sorted.begin(), sorted.end(),
            [](const File* a, const File* b) { return a->path < b->path; });
  for (const File* f : sorted) {
    out += Sha256Hex(f->bytes) + "  " + f->path + "\n";
  }
  return out;
}

absl::StatusOr<std::vector<PartitionOffset>> ParseOffsets(
    const std::string& text) {
  std::vector<PartitionOffset> out;
  std::set<int32_t> seen;
  for (absl::string_view pair :
       absl::StrSplit(text, absl::ByAnyChar(", "), absl::SkipEmpty())) {
    const size_t colon = pair.find(':');
    PartitionOffset o;
    if (colon == absl::string_view::npos ||
        !absl::SimpleAtoi(pair.substr(0, colon), &o.partition) ||
        !absl::SimpleAtoi(pair.substr(colon + 1), &o.next) || o.partition < 0 ||
        o.next < 0) {
      return absl::InvalidArgumentError(
          absl::StrCat("offsets: '", pair,
                       "' is not partition:next (two whole numbers >= 0, "
                       "like 0:120,1:98)"));
    }
    if (!seen.insert(o.partition).second) {
      return absl::InvalidArgumentError(
          absl::StrCat("offsets: partition ", o.partition, " is named twice"));
    }
    out.push_back(o);
  }
  if (out.empty()) {
    return absl::InvalidArgumentError(
        "offsets: empty (partition:next pairs, like 0:120,1:98)");
  }
  std::sort(out.begin(), out.end(),
            [](const PartitionOffset& a, const PartitionOffset& b) {
              return a.partition < b.partition;
            });
  return out;
}

absl::StatusOr<std::vector<PartitionOffset>> ManifestOffsets(
    const std::string& manifest) {
  static constexpr absl::string_view kSource = "# source: ";
  static constexpr absl::string_view kPairs = "(partition:next offset)";
  for (absl::string_view line : absl::StrSplit(manifest, '\n')) {
    if (!absl::StartsWith(line, kSource)) continue;
    const size_t at = line.find(kPairs);
    if (at == absl::string_view::npos) break;
    return ParseOffsets(std::string(line.substr(at + kPairs.size())));
  }
  return absl::InvalidArgumentError(
      "offsets: the MANIFEST has no '# source: ... (partition:next offset)' "
      "line");
}

absl::Status VerifyManifest(
    const std::string& manifest,
    const std::function<absl::StatusOr<std::string>(const std::string&)>&
        read) {
  std::istringstream lines(manifest);
  std::string line;
  int number = 0;
  int files = 0;
  while (std::getline(lines, line)) {
    ++number;
    if (line.empty() || line[0] == '#') continue;
    const std::string digest = line.substr(0, 64);
    const std::string path = line.size() > 66 ? line.substr(66) : "";
    if (!IsHex64(digest) || line.compare(64, 2, "  ") != 0 || path.empty() ||
        path[0] == '/' || path.find("..") != std::string::npos) {
      return absl::InvalidArgumentError("MANIFEST line " +
                                        std::to_string(number) +
                                        ": not \"<sha256>  <path>\"");
    }
    absl::StatusOr<std::string> bytes = read(path);
    if (!bytes.ok()) {
      return absl::DataLossError(
          path + ": cannot be read: " + std::string(bytes.status().message()));
    }
    if (Sha256Hex(*bytes) != digest) {
      return absl::DataLossError(path + ": SHA-256 differs from the MANIFEST");
    }
    ++files;
  }
  if (files == 0) return absl::InvalidArgumentError("MANIFEST lists no file");
  return absl::OkStatus();
}

absl::StatusOr<std::vector<File>> Build(
    const Input& in, const std::vector<domain::IndicatorDef>& registry) {
  if (absl::Status s = CheckReleasePeriod(in.period); !s.ok()) return s;
  if (in.cards.empty()) {
    return absl::NotFoundError("period " + in.period +
                               ": no public scorecard to release");
  }
  absl::StatusOr<Model> m = MakeModel(in, registry);
  if (!m.ok()) return m.status();
  std::vector<File> files;
  WriteTables(*m, &files);
  WriteQuality(*m, &files);
  WriteMethodology(*m, &files);
  WriteReport(*m, &files);
  std::sort(files.begin(), files.end(),
            [](const File& a, const File& b) { return a.path < b.path; });
  files.push_back({"MANIFEST", Manifest(in, files)});
  return files;
}

}  // namespace fruition::release
