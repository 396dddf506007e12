// soak-check: what tools/soak reads back from a run's Kafka cluster.
//
//   soak-check dump --bootstrap HOST:PORT --input DIR --out FILE
//
// Reads every topic the comparison needs to its end (read_committed: the
// aborted outputs of a fenced instance are never seen) and writes FILE, one
// line per compared cell, "KEY<TAB>VALUE", sorted:
//   - every indicator of the latest scorecard of each (unit, period), full
//     and public view: "cell <unit> <period> <indicator>" ->
//     "value=<v> n=<n> suppressed=<0|1> defined=<0|1>";
//   - the latest event of every condition on both oversight topics:
//     "event <condition_key>" -> what it says (EventContent).
// Intake's clock is not compared: `last_received_at` (when intake stamped
// the latest report) differs between any two runs of the same input by
// design, so it is left out of cells and event facts, and an event's
// "scorecard:<id>" (an id covers every cell) is compared as the content of
// the card it names without it.
// Then prints one JSON line: the reports of the run's input (DIR/*.ndjson,
// what fruition-sim --out wrote for the same options) and how many of them
// Kafka holds: "sent", "lost" (sent, in no copy on fruition.reports.v1 or
// fruition.reference.v1), "extra_copies" (copies beyond the first: every
// reader counts a report once, but the soak reports them), "cells",
// "conditions", "public_versions" (distinct public versions read) and
// "public_findings": what the disclosure attacker derives
// of 1–10 from every public version on fruition.scores.public.v1 (printed
// to stderr, at most 20). Exit 0, or 1 with a message when Kafka cannot be
// read.
#include <dirent.h>

#include <cstdio>
#include <fstream>
#include <functional>
#include <iostream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "fruition/v1/events.pb.h"
#include "fruition/v1/reports.pb.h"
#include "fruition/v1/scores.pb.h"
#include "google/protobuf/util/json_util.h"
#include "services/common/strings.h"
#include "services/common/topics.h"
#include "tests/harness/attacker.h"
#include "tests/harness/harness.h"

namespace {

using fruition::StrCat;
namespace v1 = fruition::v1;
namespace topics = fruition::topics;

constexpr std::chrono::seconds kReadTimeout{120};

int Fail(const std::string& message) {
  std::cerr << "soak-check: " << message << "\n";
  return 1;
}

// "reporter/report_id" of every report in DIR/*.ndjson.
absl::StatusOr<std::set<std::string>> InputReports(const std::string& dir) {
  std::set<std::string> ids;
  DIR* d = opendir(dir.c_str());
  if (d == nullptr) return absl::NotFoundError(StrCat("--input: ", dir));
  std::vector<std::string> files;
  while (dirent* e = readdir(d)) {
    const std::string name = e->d_name;
    if (name.size() > 7 && name.substr(name.size() - 7) == ".ndjson") {
      files.push_back(StrCat(dir, "/", name));
    }
  }
  closedir(d);
  google::protobuf::util::JsonParseOptions options;
  for (const std::string& path : files) {
    std::ifstream in(path);
    std::string line;
    for (int n = 1; std::getline(in, line); ++n) {
      if (line.empty()) continue;
      v1::AgencyReport r;
      if (!google::protobuf::util::JsonStringToMessage(line, &r, options)
               .ok()) {
        return absl::InvalidArgumentError(
            StrCat(path, ":", n, ": not a report"));
      }
      ids.insert(StrCat(r.reporter(), "/", r.report_id()));
    }
  }
  return ids;
}

using Record = fruition::testing::Record;
// The records read, by topic.
using ByTopic = std::map<std::string, std::vector<Record>>;

// Every record of `names`, read with one reader, by topic.
absl::StatusOr<ByTopic> Read(const std::string& bootstrap,
                             const std::vector<std::string>& names) {
  auto records = fruition::testing::ReadTopics(bootstrap, names, kReadTimeout);
  if (!records.ok()) return records.status();
  ByTopic by_topic;
  for (const std::string& name : names) by_topic[name];
  for (Record& r : *records) by_topic[r.topic].push_back(std::move(r));
  return by_topic;
}

// The record's value as an `M`; DATA_LOSS naming the record otherwise.
template <typename M>
absl::StatusOr<M> Parse(const Record& rec) {
  M m;
  if (!m.ParseFromString(rec.value)) {
    return absl::DataLossError(StrCat(rec.topic, "/", rec.partition, "@",
                                      rec.offset, ": not a ",
                                      M::descriptor()->name()));
  }
  return m;
}

// Copies per "reporter/report_id" on the topics intake writes.
absl::StatusOr<std::map<std::string, int>> ReportCopies(const ByTopic& read) {
  std::map<std::string, int> copies;
  for (std::string_view topic : {topics::kReports, topics::kReference}) {
    for (const Record& rec : read.at(std::string(topic))) {
      auto r = Parse<v1::AgencyReport>(rec);
      if (!r.ok()) return r.status();
      ++copies[StrCat(r->reporter(), "/", r->report_id())];
    }
  }
  return copies;
}

std::string Number(double v) {
  char buf[40];
  std::snprintf(buf, sizeof(buf), "%.17g", v);
  return buf;
}

// Cells that say when intake received a report: intake's clock, not the
// facts (see the top of this file).
bool ReceiptTime(std::string_view name) {
  return name.rfind("last_received_at", 0) == 0;
}

// What a card says, receipt time aside: the key a "scorecard:<id>" ref is
// compared by.
std::string CardContent(const v1::Scorecard& card) {
  std::string out = StrCat(card.unit(), " ", card.period(),
                           card.public_view() ? " public" : " full");
  for (const v1::Indicator& i : card.indicators()) {
    if (ReceiptTime(i.name())) continue;
    out += StrCat(" ", i.name(), "=", Number(i.value()), "/", i.n(), "/",
                  i.suppressed() ? 1 : 0, "/", i.defined() ? 1 : 0);
  }
  return StrCat(std::hash<std::string>{}(out));
}

// scorecard_id -> CardContent, of every card on `topic`.
absl::Status CardContents(const ByTopic& read, std::string_view topic,
                          std::map<std::string, std::string>* contents) {
  for (const Record& rec : read.at(std::string(topic))) {
    auto card = Parse<v1::Scorecard>(rec);
    if (!card.ok()) return card.status();
    (*contents)[card->scorecard_id()] = CardContent(*card);
  }
  return absl::OkStatus();
}

// The latest scorecard of each (unit, period) of `topic`, cell by cell,
// under `kind`. A card whose every indicator is 0 with n 0 says nothing a
// missing card does not (a unit-period whose facts came and went within
// one batch of one run has none), so it is left out.
absl::Status ScoreCells(const ByTopic& read, std::string_view topic,
                        std::string_view kind,
                        std::map<std::string, std::string>* cells) {
  std::map<std::string, v1::Scorecard> latest;  // one unit: one partition
  for (const Record& rec : read.at(std::string(topic))) {
    auto card = Parse<v1::Scorecard>(rec);
    if (!card.ok()) return card.status();
    latest[StrCat(card->unit(), " ", card->period())] = std::move(*card);
  }
  for (const auto& [unit_period, card] : latest) {
    bool empty = true;
    for (const v1::Indicator& i : card.indicators()) {
      empty = empty && i.value() == 0 && i.n() == 0;
    }
    if (empty) continue;
    for (const v1::Indicator& i : card.indicators()) {
      if (ReceiptTime(i.name())) continue;
      (*cells)[StrCat(kind, " ", unit_period, " ", i.name())] =
          StrCat("value=", Number(i.value()), " n=", i.n(),
                 " suppressed=", i.suppressed() ? 1 : 0,
                 " defined=", i.defined() ? 1 : 0);
    }
  }
  return absl::OkStatus();
}

// An event as what it says, without what depends on when its inputs
// arrived: `event_id` and `emitted_at`, and the assessment it cites (an
// assessment's id covers its `assessed_at`, the Kafka timestamp of the
// designation it rests on, so two runs of the same reports differ there),
// nor intake's clock (a card's ref as the card's content, see CardContent).
std::string EventContent(const v1::OversightEvent& e,
                         const std::map<std::string, std::string>& cards) {
  std::string out = StrCat(
      v1::EventType_Name(e.type()), " ", v1::Severity_Name(e.severity()),
      e.resolved() ? " resolved" : "", " unit=", e.unit(),
      " period=", e.period(), " subject=", e.subject_pid(), " org=", e.org_id(),
      " versions=", e.criteria_version(), "/", e.score_version());
  std::map<std::string, double> facts(e.facts().begin(), e.facts().end());
  for (const auto& [name, value] : facts) {
    if (!ReceiptTime(name)) out += StrCat(" ", name, "=", Number(value));
  }
  constexpr std::string_view kCard = "scorecard:";
  for (const std::string& ref : e.evidence_refs()) {
    if (ref.rfind("assessment:", 0) == 0) continue;
    if (ref.rfind(kCard, 0) == 0) {
      auto card = cards.find(ref.substr(kCard.size()));
      out +=
          StrCat(" card=", card == cards.end() ? "(not read)" : card->second);
      continue;
    }
    out += StrCat(" ", ref);
  }
  return out;
}

// True when the condition of `e`, its latest event, does not hold now: it
// was resolved, or it is the publication of a card that says nothing (all
// zero, see ScoreCells). Such a condition is the same as one that never
// held: whether a passing state raised and resolved it depends on the
// batches a run happened to form.
bool HoldsNothing(const v1::OversightEvent& e) {
  if (e.resolved()) return true;
  if (e.type() != v1::EVENT_TYPE_SCORECARD_PUBLISHED) return false;
  for (const auto& [name, value] : e.facts()) {
    if (value != 0) return false;
  }
  return true;
}

// The latest event of every condition of `topic` that holds, under `kind`.
absl::Status LatestEvents(const ByTopic& read, std::string_view topic,
                          const std::map<std::string, std::string>& cards,
                          std::string_view kind,
                          std::map<std::string, std::string>* cells,
                          int* conditions) {
  std::map<std::string, std::string> latest;
  for (const Record& rec : read.at(std::string(topic))) {
    auto e = Parse<v1::OversightEvent>(rec);
    if (!e.ok()) return e.status();
    latest[e->condition_key()] =
        HoldsNothing(*e) ? "" : EventContent(*e, cards);
  }
  for (const auto& [key, content] : latest) {
    if (content.empty()) continue;
    (*cells)[StrCat(kind, " ", key)] = content;
    ++*conditions;
  }
  return absl::OkStatus();
}

// Every public version on fruition.scores.public.v1, whichever scoring
// instance produced it, given to the disclosure attacker
// (tests/harness/attacker.h): what a reader of the whole topic can derive of
// 1–10 (a small cell, two versions of a unit-period a count of 1–10 apart).
// Partitions that moved between instances are where one instance's versions
// could differ slightly from another's (docs/DESIGN.md, "The version rule
// across instances"). Findings, each once.
absl::StatusOr<std::vector<std::string>> PublicFindings(const ByTopic& read,
                                                        size_t* versions) {
  fruition::testing::Attacker attacker;
  for (const Record& rec : read.at(std::string(topics::kScoresPublic))) {
    auto card = Parse<v1::Scorecard>(rec);
    if (!card.ok()) return card.status();
    const auto v = fruition::testing::VersionFromCard(
        *card, StrCat(rec.partition, "@", rec.offset));
    if (v) attacker.AddVersion(*v);
  }
  *versions = attacker.versions();
  return attacker.Findings();
}

int Dump(const std::string& bootstrap, const std::string& input,
         const std::string& out) {
  auto sent = InputReports(input);
  if (!sent.ok()) return Fail(std::string(sent.status().message()));
  auto read =
      Read(bootstrap,
           {std::string(topics::kReports), std::string(topics::kReference),
            std::string(topics::kScores), std::string(topics::kScoresPublic),
            std::string(topics::kOversightRestricted),
            std::string(topics::kOversightPublic)});
  if (!read.ok()) return Fail(std::string(read.status().message()));
  auto copies = ReportCopies(*read);
  if (!copies.ok()) return Fail(std::string(copies.status().message()));
  int64_t lost = 0, extra = 0;
  for (const std::string& id : *sent) {
    auto it = copies->find(id);
    if (it == copies->end()) {
      ++lost;
    } else {
      extra += it->second - 1;
    }
  }
  std::map<std::string, std::string> cells, cards;
  int conditions = 0;
  std::vector<absl::Status> parsed = {
      CardContents(*read, topics::kScores, &cards),
      CardContents(*read, topics::kScoresPublic, &cards),
      ScoreCells(*read, topics::kScores, "cell", &cells),
      ScoreCells(*read, topics::kScoresPublic, "public-cell", &cells)};
  parsed.push_back(LatestEvents(*read, topics::kOversightRestricted, cards,
                                "event", &cells, &conditions));
  parsed.push_back(LatestEvents(*read, topics::kOversightPublic, cards,
                                "public-event", &cells, &conditions));
  for (const absl::Status& s : parsed) {
    if (!s.ok()) return Fail(std::string(s.message()));
  }
  size_t public_versions = 0;
  auto findings = PublicFindings(*read, &public_versions);
  if (!findings.ok()) return Fail(std::string(findings.status().message()));
  for (size_t i = 0; i < findings->size() && i < 20; ++i) {
    std::cerr << "soak-check: public: " << (*findings)[i] << "\n";
  }
  size_t score_cells = 0;
  for (const auto& entry : cells) {
    score_cells += entry.first.rfind("cell ", 0) == 0 ? 1 : 0;
  }
  std::ofstream file(out);
  for (const auto& [key, value] : cells) file << key << "\t" << value << "\n";
  file.close();
  if (!file) return Fail(StrCat("cannot write ", out));
  std::cout << "{\"sent\":" << sent->size()
            << ",\"on_topic\":" << copies->size() << ",\"lost\":" << lost
            << ",\"extra_copies\":" << extra << ",\"cells\":" << score_cells
            << ",\"conditions\":" << conditions
            << ",\"public_versions\":" << public_versions
            << ",\"public_findings\":" << findings->size() << "}\n";
  return 0;
}

// Every event of one condition on both oversight topics, in topic order:
// what a differing latest event id is explained by.
int History(const std::string& bootstrap, const std::string& condition) {
  auto read = Read(bootstrap, {std::string(topics::kOversightRestricted),
                               std::string(topics::kOversightPublic)});
  if (!read.ok()) return Fail(std::string(read.status().message()));
  for (const auto& [topic, records] : *read) {
    for (const Record& rec : records) {
      v1::OversightEvent e;
      if (e.ParseFromString(rec.value) && e.condition_key() == condition) {
        std::cout << "# " << topic << "/" << rec.partition << "@" << rec.offset
                  << "\n"
                  << e.DebugString();
      }
    }
  }
  return 0;
}

constexpr char kUsage[] =
    "usage: soak-check dump --bootstrap HOST:PORT --input DIR --out FILE\n"
    "       soak-check history --bootstrap HOST:PORT --condition KEY";

}  // namespace

int main(int argc, char** argv) {
  std::map<std::string, std::string> flags;
  const std::string command = argc > 1 ? argv[1] : "";
  for (int i = 2; i + 1 < argc; i += 2) flags[argv[i]] = argv[i + 1];
  if (command == "dump") {
    for (const char* f : {"--bootstrap", "--input", "--out"}) {
      if (flags[f].empty()) return Fail(StrCat(f, " is required"));
    }
    return Dump(flags["--bootstrap"], flags["--input"], flags["--out"]);
  }
  if (command == "history") {
    for (const char* f : {"--bootstrap", "--condition"}) {
      if (flags[f].empty()) return Fail(StrCat(f, " is required"));
    }
    return History(flags["--bootstrap"], flags["--condition"]);
  }
  return Fail(kUsage);
}
