// Disclosure control (SPEC §5 D1–D4) against an attacker, end to end on
// `fruition dev` (mock Kafka: no broker needed).
//
// 1. The sample loading, with a live stream: every public version of every
//    scorecard seen over HTTP without a token (polled) and in the public
//    event stream (SCORECARD_PUBLISHED and the other public events' facts)
//    goes to the attacker (tests/harness/attacker.h), which must recover no
//    count of 1–10: not displayed, not from a linked set, not from two
//    versions. Prints how many cells are suppressed, and how many the old
//    rule (0 < n < 11 on the restricted view) suppressed.
// 2. One extra sentencing: a generated stream, then 11 sentencings of
//    arrested people in a fiscal year of their own (so their district
//    quarter's public view rests on exactly the current facts), then one
//    more. The restricted view moves; no public figure does, and the moved
//    unit-periods say lagsCurrent.
#include <grpcpp/grpcpp.h>
#include <httplib.h>
#include <signal.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <ctime>
#include <fstream>
#include <functional>
#include <iostream>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <tuple>
#include <utility>
#include <vector>

#include "fruition/v1/events.pb.h"
#include "fruition/v1/reports.pb.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"
#include "gtest/gtest.h"
#include "services/common/strings.h"
#include "tests/harness/attacker.h"
#include "tests/harness/dev.h"
#include "tests/harness/fixtures.h"
#include "tests/harness/harness.h"
#include "tests/harness/json.h"
#include "tools/sim/live.h"
#include "tools/sim/sim.h"

namespace fruition {
namespace {

using google::protobuf::Struct;
using google::protobuf::Value;
using std::chrono::milliseconds;
using std::chrono::seconds;
using testing::Attacker;
using testing::CanonicalJson;
using testing::PublicVersion;
using UnitPeriod = std::pair<std::string, std::string>;
using Clock = std::chrono::steady_clock;

// ------------------------------------------------------------- helpers

int64_t Now() {
  return std::chrono::duration_cast<seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string Lines(const std::vector<std::string>& lines, size_t max) {
  std::string out;
  for (size_t i = 0; i < lines.size() && i < max; ++i) out += lines[i] + "\n";
  if (lines.size() > max) out += StrCat("... ", lines.size() - max, " more\n");
  return out;
}

// `fruition dev` started for a test, once it printed the overseer's token
// (before any sample is submitted): its dashboard (HTTP API) port, gRPC
// address and that token.
struct Dev : testing::Dev {
  int port = 0;
  std::string grpc;
  std::string oig;
};

void StartDev(const std::string& name, const std::vector<std::string>& flags,
              Dev* dev) {
  auto started = testing::StartDev(name, flags);
  ASSERT_TRUE(started.ok()) << started.status();
  static_cast<testing::Dev&>(*dev) = *std::move(started);
  ASSERT_TRUE(testing::WaitUntil(
      [&] {
        return !dev->Token("OIG (OVERSEER)").empty() ||
               !dev->process->running();
      },
      seconds(120), milliseconds(200)));
  const std::string out = dev->Output();
  dev->port = dev->DashboardPort();
  dev->grpc = dev->GrpcAddress();
  dev->oig = dev->Token("OIG (OVERSEER)");
  ASSERT_GT(dev->port, 0) << out;
  ASSERT_FALSE(dev->grpc.empty()) << out;
  ASSERT_FALSE(dev->oig.empty()) << out;
}

void StopDev(Dev* dev) { EXPECT_EQ(dev->Stop(seconds(60)), 0); }

class Http {
 public:
  explicit Http(int port, std::string token = "")
      : http_("127.0.0.1", port), token_(std::move(token)) {
    http_.set_read_timeout(60, 0);
  }

  // The body of a 200 answer, or "" (with the failure in `error`).
  std::string Get(const std::string& path, std::string* error) {
    httplib::Headers headers;
    if (!token_.empty()) headers.emplace("Authorization", "Bearer " + token_);
    auto res = http_.Get(path, headers);
    if (!res || res->status != 200) {
      *error = res ? StrCat(path, ": HTTP ", res->status, " ", res->body)
                   : StrCat(path, ": no answer");
      return "";
    }
    return res->body;
  }

  // Every scorecard of every period /api/v1/units names, by unit-period.
  bool Cards(std::map<UnitPeriod, Struct>* cards, std::string* error) {
    cards->clear();
    Struct units;
    const std::string body = Get("/api/v1/units", error);
    if (body.empty() ||
        !google::protobuf::util::JsonStringToMessage(body, &units).ok()) {
      return false;
    }
    for (const Value& p : units.fields().at("periods").list_value().values()) {
      const std::string& period = p.string_value();
      const std::string page_body =
          Get("/api/v1/scorecards?period=" + period, error);
      Struct page;
      if (page_body.empty() ||
          !google::protobuf::util::JsonStringToMessage(page_body, &page).ok()) {
        return false;
      }
      for (const Value& v :
           page.fields().at("scorecards").list_value().values()) {
        const auto& f = v.struct_value().fields();
        (*cards)[{f.at("unit").string_value(), f.at("period").string_value()}] =
            v.struct_value();
      }
    }
    return true;
  }

 private:
  httplib::Client http_;
  std::string token_;
};

std::string Id(const Struct& card) {
  auto it = card.fields().find("scorecardId");
  return it == card.fields().end() ? "" : it->second.string_value();
}

// A card's indicators (what a public figure is; not its revision, id or
// lagsCurrent).
std::string IndicatorsJson(const Struct& card) {
  auto it = card.fields().find("indicators");
  return it == card.fields().end() ? "" : CanonicalJson(it->second);
}

const Value* Cell(const Struct& card, const std::string& name) {
  auto it = card.fields().find("indicators");
  if (it == card.fields().end()) return nullptr;
  const auto& cells = it->second.struct_value().fields();
  auto c = cells.find(name);
  return c == cells.end() ? nullptr : &c->second;
}

// The n of a card's cell, or -1 when withheld or missing.
double CellN(const Struct& card, const std::string& name) {
  const Value* c = Cell(card, name);
  if (c == nullptr) return -1;
  auto n = c->struct_value().fields().find("n");
  return n == c->struct_value().fields().end() ? -1 : n->second.number_value();
}

bool LagsCurrent(const Struct& card) {
  auto it = card.fields().find("lagsCurrent");
  return it != card.fields().end() && it->second.bool_value();
}

// Polls the public scorecards (no token) and feeds the attacker. Every card
// read is a version. A fiscal year's cards read twice in a row with the
// same ids are a snapshot: the public-view stage replaces a fiscal year's
// views together, but the gateway applies them partition by partition, so
// one read alone may mix two moments.
class PublicWatcher {
 public:
  PublicWatcher(int port, Attacker* attacker)
      : http_(port), attacker_(attacker) {}

  bool Round(std::string* error) {
    std::map<UnitPeriod, Struct> a, b;
    if (!http_.Cards(&a, error) || !http_.Cards(&b, error)) return false;
    ++rounds_;
    std::map<std::string, std::map<UnitPeriod, std::string>> ids_a, ids_b;
    for (const auto& [up, card] : a) {
      ids_a[up.second.substr(0, 6)][up] = Id(card);
      Add(card);
    }
    std::map<std::string, std::vector<PublicVersion>> by_year;
    for (const auto& [up, card] : b) {
      ids_b[up.second.substr(0, 6)][up] = Id(card);
      if (auto v = testing::VersionFromCardJson(card)) {
        by_year[up.second.substr(0, 6)].push_back(*v);
      }
    }
    for (const auto& [year, versions] : by_year) {
      if (ids_a[year] != ids_b[year]) continue;
      attacker_->AddSnapshot(versions);
      ++snapshots_;
    }
    latest_ = std::move(b);
    return true;
  }

  const std::map<UnitPeriod, Struct>& latest() const { return latest_; }
  int rounds() const { return rounds_; }
  int snapshots() const { return snapshots_; }

 private:
  void Add(const Struct& card) {
    if (auto v = testing::VersionFromCardJson(card)) attacker_->AddVersion(*v);
  }

  Http http_;
  Attacker* attacker_;
  std::map<UnitPeriod, Struct> latest_;
  int rounds_ = 0;
  int snapshots_ = 0;
};

// The public event stream (no token), from its start, in a thread: the
// public scorecard versions its events show.
class PublicEvents {
 public:
  explicit PublicEvents(int port) : client_("127.0.0.1", port) {
    client_.set_read_timeout(seconds(600));
    thread_ = std::thread([this] {
      while (!stop_) {
        httplib::Headers headers;
        {
          std::lock_guard<std::mutex> lock(mu_);
          if (!cursor_.empty()) headers.emplace("Last-Event-ID", cursor_);
          buffer_.clear();
        }
        client_.Get("/api/v1/events/stream", headers,
                    [this](const char* data, size_t length) {
                      Receive(std::string(data, length));
                      return !stop_.load();
                    });
        if (!stop_) std::this_thread::sleep_for(milliseconds(200));
      }
    });
  }
  ~PublicEvents() { Stop(); }

  void Stop() {
    stop_ = true;
    client_.stop();
    if (thread_.joinable()) thread_.join();
  }

  // The versions seen since the last call.
  std::vector<PublicVersion> Drain() {
    std::lock_guard<std::mutex> lock(mu_);
    return std::exchange(versions_, {});
  }
  int events() {
    std::lock_guard<std::mutex> lock(mu_);
    return events_;
  }
  int published() {
    std::lock_guard<std::mutex> lock(mu_);
    return published_;
  }
  int not_public() {
    std::lock_guard<std::mutex> lock(mu_);
    return not_public_;
  }

 private:
  void Receive(const std::string& data) {
    std::lock_guard<std::mutex> lock(mu_);
    buffer_ += data;
    while (std::optional<fixtures::SseEvent> sse =
               fixtures::NextSseEvent(&buffer_)) {
      const std::string& json = sse->data;
      const std::string& cursor = sse->id;
      if (json.empty()) continue;  // a keepalive
      v1::OversightEvent e;
      google::protobuf::util::JsonParseOptions options;
      options.ignore_unknown_fields = true;
      if (!google::protobuf::util::JsonStringToMessage(json, &e, options)
               .ok()) {
        continue;
      }
      if (!cursor.empty()) cursor_ = cursor;
      ++events_;
      if (e.visibility() != v1::VISIBILITY_PUBLIC) ++not_public_;
      if (e.type() == v1::EVENT_TYPE_SCORECARD_PUBLISHED) ++published_;
      if (auto v = testing::VersionFromEvent(e)) {
        v->source = StrCat("sse ", v1::EventType_Name(e.type()).substr(11));
        versions_.push_back(*std::move(v));
      }
    }
  }

  httplib::Client client_;
  std::thread thread_;
  std::atomic<bool> stop_{false};
  std::mutex mu_;
  std::string buffer_;
  std::string cursor_;
  std::vector<PublicVersion> versions_;
  int events_ = 0;
  int published_ = 0;
  int not_public_ = 0;
};

void Feed(PublicEvents* events, Attacker* attacker) {
  for (const PublicVersion& v : events->Drain()) attacker->AddVersion(v);
}

// Whether indicator `name` (JSON name) is about people: everything but the
// organization indicators (docs/disclosure.md).
bool AboutPeople(const std::string& name) {
  if (name == "orgOutcomesReported" || name == "pendingCountedAsDismantled" ||
      name == "budgetUsd" || name.rfind("conditions", 0) == 0 ||
      name.rfind("communityChange:", 0) == 0) {
    return false;
  }
  for (const std::string family : {"targetRatio:", "targetRatioRestated:"}) {
    if (name.rfind(family, 0) == 0) {
      return name == family + "PERFORMANCE_MEASURE_ARRESTS";
    }
  }
  return true;
}

struct CellCounts {
  int64_t cards = 0;
  int64_t cards_all_withheld = 0;  // every cell about people withheld
  int64_t cells = 0;
  int64_t suppressed = 0;
  int64_t people_cells = 0;
  int64_t people_suppressed = 0;

  std::string Say() const {
    return StrCat(suppressed, " of ", cells, " cells suppressed (",
                  people_suppressed, " of ", people_cells,
                  " cells about people) in ", cards, " unit-periods (",
                  cards_all_withheld, " with every cell about people)");
  }
};

// `withheld(cell)`: whether a cell counts as suppressed.
CellCounts Count(const std::map<UnitPeriod, Struct>& cards,
                 const std::function<bool(const UnitPeriod&)>& include,
                 const std::function<bool(const Struct&)>& withheld) {
  CellCounts c;
  for (const auto& [up, card] : cards) {
    if (!include(up)) continue;
    ++c.cards;
    auto it = card.fields().find("indicators");
    if (it == card.fields().end()) continue;
    int people = 0, people_hidden = 0;
    for (const auto& [name, cell] : it->second.struct_value().fields()) {
      const bool hidden = withheld(cell.struct_value());
      ++c.cells;
      c.suppressed += hidden ? 1 : 0;
      if (AboutPeople(name)) {
        ++people;
        people_hidden += hidden ? 1 : 0;
      }
    }
    c.people_cells += people;
    c.people_suppressed += people_hidden;
    c.cards_all_withheld += people > 0 && people == people_hidden ? 1 : 0;
  }
  return c;
}

bool SuppressedNow(const Struct& cell) {
  auto it = cell.fields().find("suppressed");
  return it != cell.fields().end() && it->second.bool_value();
}

// The rule before disclosure control (scoring::Suppress): 0 < n < 11.
bool SuppressedBefore(const Struct& cell) {
  auto it = cell.fields().find("n");
  const double n = it == cell.fields().end() ? 0 : it->second.number_value();
  return n > 0 && n < 11;
}

bool SampleYears(const UnitPeriod& up) {
  const std::string fy = up.second.substr(0, 6);
  return fy == "FY2014" || fy == "FY2015" || fy == "FY2016";
}

void ReportFindings(const Attacker& attacker, const std::string& scenario) {
  const std::vector<std::string> findings = attacker.Findings();
  std::map<std::string, int> by_kind;  // "small", "linked (...)", ...
  for (const auto& f : findings) ++by_kind[f.substr(0, f.find(':'))];
  std::string kinds;
  for (const auto& [kind, n] : by_kind) kinds += StrCat(" ", kind, "=", n);
  std::cerr << scenario << ": the attacker saw " << attacker.versions()
            << " public versions and " << attacker.snapshots() << " snapshots; "
            << findings.size() << " findings" << kinds << "\n"
            << Lines(findings, 20);
  EXPECT_TRUE(findings.empty())
      << findings.size() << " counts of 1-10 recovered from public outputs:\n"
      << Lines(findings, 20);
}

// The releases of the sample's fiscal years (SPEC §10, docs/releases.md):
// the cards of their tables, one snapshot per year (the year and its
// quarters), attacked together.
void AttackReleases(int port) {
  Http http(port);
  Attacker attacker;
  int cards = 0;
  for (const char* year : {"FY2014", "FY2015", "FY2016"}) {
    std::vector<PublicVersion> snapshot;
    for (const char* kind :
         {"national", "agency", "field_office", "district", "area"}) {
      std::string error;
      const std::string body = http.Get(
          StrCat("/releases/", year, "/tables/", kind, ".json"), &error);
      if (body.empty()) continue;  // 404: no unit of that kind
      Struct table;
      EXPECT_TRUE(
          google::protobuf::util::JsonStringToMessage(body, &table).ok())
          << year << " " << kind;
      for (const Value& v :
           table.fields().at("scorecards").list_value().values()) {
        auto version = testing::VersionFromCardJson(v.struct_value(),
                                                    StrCat("release ", year));
        if (!version) continue;
        snapshot.push_back(*std::move(version));
        ++cards;
      }
    }
    attacker.AddSnapshot(snapshot);
  }
  std::cerr << "releases FY2014-FY2016: " << cards << " cards\n";
  EXPECT_GT(cards, 0);
  ReportFindings(attacker, "releases");
}

// A card of one cell, as a series point or a comparison row shows it.
Struct OneCellCard(const std::string& unit, const std::string& period,
                   const std::string& indicator, const Struct& shown) {
  Struct card;
  (*card.mutable_fields())["unit"].set_string_value(unit);
  (*card.mutable_fields())["period"].set_string_value(period);
  Struct cell;
  for (const auto& [k, v] : shown.fields()) {
    if (k == "value" || k == "n" || k == "suppressed" || k == "defined") {
      (*cell.mutable_fields())[k] = v;
    }
  }
  *(*(*card.mutable_fields())["indicators"]
         .mutable_struct_value()
         ->mutable_fields())[indicator]
       .mutable_struct_value() = cell;
  return card;
}

// The public versions of every unit-period (history), every series point
// of a few indicators, and every comparison (a snapshot of a kind and
// national:US per indicator and period) go to one attacker, with the
// latest cards as a snapshot per fiscal year: nothing of 1–10 may come out
// of the trends, rankings and versions an anonymous caller can read. A
// fiscal year's latest cards are a snapshot only when read again with the
// same ids (PublicWatcher: one read may mix two moments, and the live
// stream keeps its years moving); every card is a version either way.
void AttackTrends(int port, const std::map<UnitPeriod, Struct>& latest) {
  Http http(port);
  Attacker attacker;
  std::map<std::string, std::vector<PublicVersion>> by_year;
  std::map<std::string, std::map<UnitPeriod, std::string>> ids, ids_again;
  std::set<std::string> units;
  std::set<std::string> years;
  int history = 0, points = 0, ranked = 0;
  std::string error;
  std::map<UnitPeriod, Struct> again;
  ASSERT_TRUE(http.Cards(&again, &error)) << error;
  for (const auto& [up, card] : again) {
    ids_again[up.second.substr(0, 6)][up] = Id(card);
  }
  for (const auto& [up, card] : latest) {
    units.insert(up.first);
    years.insert(up.second.substr(0, 6));
    ids[up.second.substr(0, 6)][up] = Id(card);
    if (auto v = testing::VersionFromCardJson(card, "latest")) {
      attacker.AddVersion(*v);
      by_year[up.second.substr(0, 6)].push_back(*v);
    }
    const std::string body =
        http.Get(StrCat("/api/v1/scorecards/history?unit=", up.first,
                        "&period=", up.second, "&limit=1000"),
                 &error);
    Struct answer;
    ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(body, &answer).ok())
        << error;
    for (const Value& v :
         answer.fields().at("versions").list_value().values()) {
      Struct version = v.struct_value();
      (*version.mutable_fields())["unit"].set_string_value(up.first);
      (*version.mutable_fields())["period"].set_string_value(up.second);
      if (auto pv = testing::VersionFromCardJson(version, "history")) {
        attacker.AddVersion(*pv);
        ++history;
      }
    }
  }
  int snapshots = 0;
  for (const auto& [year, snapshot] : by_year) {
    if (ids[year] != ids_again[year]) continue;  // moved meanwhile
    attacker.AddSnapshot(snapshot);
    ++snapshots;
  }
  const std::vector<std::string> indicators = {"sentenced", "arrests",
                                               "lnfShare", "highDesertShare"};
  const std::string from = *years.begin(), to = *years.rbegin();
  for (const std::string& unit : units) {
    for (const std::string& indicator : indicators) {
      const std::string body =
          http.Get(StrCat("/api/v1/series?unit=", unit,
                          "&indicator=", indicator, "&from=", from, "&to=", to),
                   &error);
      Struct answer;
      ASSERT_TRUE(
          google::protobuf::util::JsonStringToMessage(body, &answer).ok())
          << error;
      for (const Value& p :
           answer.fields().at("points").list_value().values()) {
        const Struct& point = p.struct_value();
        if (point.fields().count("noData")) continue;
        auto v = testing::VersionFromCardJson(
            OneCellCard(unit, point.fields().at("period").string_value(),
                        indicator, point),
            "series");
        if (v) {
          attacker.AddVersion(*v);
          ++points;
        }
      }
    }
  }
  for (const std::string& year : years) {
    for (const char* kind : {"district", "agency"}) {
      for (const std::string& indicator : indicators) {
        const std::string body =
            http.Get(StrCat("/api/v1/compare?indicator=", indicator,
                            "&period=", year, "&kind=", kind),
                     &error);
        if (body.empty()) continue;  // no unit of that kind that year
        Struct answer;
        ASSERT_TRUE(
            google::protobuf::util::JsonStringToMessage(body, &answer).ok());
        std::vector<PublicVersion> snapshot;
        auto add = [&](const Struct& row) {
          auto v = testing::VersionFromCardJson(
              OneCellCard(row.fields().at("unit").string_value(), year,
                          indicator, row),
              "compare");
          if (v) {
            snapshot.push_back(*std::move(v));
            ++ranked;
          }
        };
        for (const Value& u :
             answer.fields().at("units").list_value().values()) {
          add(u.struct_value());
        }
        if (answer.fields().count("national")) {
          Struct national = answer.fields().at("national").struct_value();
          (*national.mutable_fields())["unit"].set_string_value("national:US");
          add(national);
        }
        attacker.AddSnapshot(snapshot);
      }
    }
  }
  std::cerr << "trends: " << history << " history versions, " << points
            << " series points, " << ranked << " comparison rows, " << snapshots
            << " of " << by_year.size()
            << " fiscal years' latest cards a snapshot\n";
  EXPECT_GT(snapshots, 0);
  EXPECT_GT(history, 0);
  EXPECT_GT(points, 0);
  EXPECT_GT(ranked, 0);
  ReportFindings(attacker, "series, compare and history");
}

// ------------------------------------------------- 1. the sample loading

TEST(AttackerDevTest, NothingSmallRecoverableWhileTheSampleLoads) {
  const auto started = Clock::now();
  auto elapsed = [&] {
    return std::chrono::duration_cast<seconds>(Clock::now() - started).count();
  };
  Dev dev;
  ASSERT_NO_FATAL_FAILURE(
      StartDev("disclosure-sample",
               {StrCat("--sample-subjects=", testing::Scaled(1500)),
                "--seed=20170601", "--live-rate=20"},
               &dev));
  Attacker attacker;
  PublicEvents events(dev.port);
  PublicWatcher watcher(dev.port, &attacker);

  // While the sample loads, and a minute after (the live stream goes on).
  std::optional<Clock::time_point> loaded;
  std::string error;
  int failed_rounds = 0;
  const bool done = testing::WaitUntil(
      [&] {
        if (!loaded &&
            dev.Output().find("Submit your own") != std::string::npos) {
          loaded = Clock::now();
          std::cerr << "sample submitted after " << elapsed() << " s\n";
        }
        if (!watcher.Round(&error)) ++failed_rounds;
        Feed(&events, &attacker);
        return (loaded && Clock::now() >= *loaded + seconds(45) &&
                Clock::now() >= started + seconds(75)) ||
               !dev.process->running();
      },
      seconds(420), seconds(2));
  ASSERT_TRUE(done) << "the sample did not load: " << error;
  ASSERT_TRUE(dev.process->running()) << dev.Output();
  EXPECT_NE(dev.Output().find(" 0 rejected"), std::string::npos);

  // The sample's fiscal years settle (the live stream is in later ones).
  std::map<UnitPeriod, std::string> before;
  int same = 0;
  testing::WaitUntil(
      [&] {
        if (!watcher.Round(&error)) return false;
        Feed(&events, &attacker);
        std::map<UnitPeriod, std::string> ids;
        for (const auto& [up, card] : watcher.latest()) {
          if (SampleYears(up)) ids[up] = Id(card);
        }
        same = !ids.empty() && ids == before ? same + 1 : 0;
        before = std::move(ids);
        return same >= 2;
      },
      seconds(120), seconds(3));
  EXPECT_GE(same, 2) << "the sample's public views still move";
  std::cerr << "polled " << watcher.rounds() << " rounds (" << failed_rounds
            << " failed) until " << elapsed() << " s\n";

  const std::map<UnitPeriod, Struct> public_cards = watcher.latest();
  std::map<UnitPeriod, Struct> restricted;
  Http overseer(dev.port, dev.oig);
  ASSERT_TRUE(overseer.Cards(&restricted, &error)) << error;
  {
    std::vector<std::string> only_public;
    for (const auto& [up, card] : public_cards) {
      if (restricted.count(up) == 0) {
        only_public.push_back(StrCat(up.first, " ", up.second));
      }
    }
    std::cerr << only_public.size()
              << " public unit-periods with no restricted card listed, e.g.\n"
              << Lines(only_public, 5);
  }
  auto all = [](const UnitPeriod&) { return true; };
  const CellCounts now_sample = Count(public_cards, SampleYears, SuppressedNow);
  const CellCounts old_sample =
      Count(restricted, SampleYears, SuppressedBefore);
  const CellCounts now_all = Count(public_cards, all, SuppressedNow);
  const CellCounts old_all = Count(restricted, all, SuppressedBefore);
  std::cerr << "dev sample (" << testing::Scaled(1500)
            << " subjects, seed 20170601), FY2014-FY2016 and quarters:\n"
            << "  public view now:                     " << now_sample.Say()
            << "\n  old rule (0<n<11) on restricted view: " << old_sample.Say()
            << "\nevery period (live stream included):\n"
            << "  public view now:                     " << now_all.Say()
            << "\n  old rule (0<n<11) on restricted view: " << old_all.Say()
            << "\n";
  EXPECT_GT(now_sample.cells, now_sample.suppressed);
  EXPECT_GT(now_sample.suppressed, 0);

  // The same attacker on what the old rule published (the restricted view
  // with every cell of 0 < n < 11 withheld), one snapshot: it must find
  // something, or it proves nothing above.
  {
    Attacker old;
    std::map<std::string, std::vector<PublicVersion>> by_year;
    for (const auto& [up, card] : restricted) {
      auto v = testing::VersionFromCardJson(card, "old rule");
      if (!v) continue;
      for (auto& [name, cell] : v->cells) {
        if (cell.n && *cell.n > 0 && *cell.n < 11) {
          cell = testing::PublicCell{true, std::nullopt, std::nullopt};
        }
      }
      by_year[up.second.substr(0, 6)].push_back(*v);
    }
    for (const auto& [year, versions] : by_year) old.AddSnapshot(versions);
    const auto found = old.Findings();
    std::cerr << "the old rule, one snapshot of the restricted view: "
              << found.size() << " findings, e.g.\n"
              << Lines(found, 5);
    EXPECT_FALSE(found.empty());
  }

  events.Stop();
  Feed(&events, &attacker);
  std::cerr << "public event stream: " << events.events() << " events, "
            << events.published() << " SCORECARD_PUBLISHED\n";
  EXPECT_EQ(events.not_public(), 0);
  EXPECT_GT(events.published(), 0);
  EXPECT_GT(watcher.snapshots(), 0);
  ReportFindings(attacker, "sample");
  AttackReleases(dev.port);
  AttackTrends(dev.port, watcher.latest());
  StopDev(&dev);
}

// ---------------------------------------------- 2. one extra sentencing

// An arrested person whose case has no sentencing.
struct Arrested {
  std::string subject_ref, case_id, agency, field_office, district;
};

TEST(AttackerDevTest, OneExtraSentencingChangesNoPublicFigure) {
  const auto started = Clock::now();
  auto elapsed = [&] {
    return std::chrono::duration_cast<seconds>(Clock::now() - started).count();
  };
  Dev dev;
  ASSERT_NO_FATAL_FAILURE(StartDev(
      "disclosure-one-more", {"--no-sample-data", "--live-rate=0"}, &dev));
  ASSERT_TRUE(testing::WaitUntil(
      [&] { return dev.Output().find("Submit your own") != std::string::npos; },
      seconds(60), milliseconds(200)));
  auto tokens = sim::LoadTokens(dev.dir + "/dev-tokens");
  ASSERT_TRUE(tokens.ok()) << tokens.status();
  auto channel =
      grpc::CreateChannel(dev.grpc, grpc::InsecureChannelCredentials());

  Attacker attacker;
  PublicEvents events(dev.port);
  PublicWatcher watcher(dev.port, &attacker);
  Http overseer(dev.port, dev.oig);
  std::map<UnitPeriod, Struct> restricted;
  std::string error;

  // Public and restricted views read `rounds` times in a row with the same
  // ids (3 s apart).
  auto settle = [&](const std::string& what) {
    std::string before;
    int same = 0;
    const bool settled = testing::WaitUntil(
        [&] {
          if (!watcher.Round(&error) || !overseer.Cards(&restricted, &error)) {
            return false;
          }
          Feed(&events, &attacker);
          std::string fingerprint;
          for (const auto& [up, card] : watcher.latest()) {
            fingerprint += StrCat(up.first, up.second, Id(card), ";");
          }
          fingerprint += "|";
          for (const auto& [up, card] : restricted) {
            fingerprint += StrCat(up.first, up.second, Id(card), ";");
          }
          same = !restricted.empty() && fingerprint == before ? same + 1 : 0;
          before = std::move(fingerprint);
          return same >= 3;
        },
        seconds(240), seconds(3));
    std::cerr << what << ": " << (settled ? "settled" : "NOT settled")
              << " after " << elapsed() << " s (" << watcher.latest().size()
              << " public, " << restricted.size() << " restricted)\n";
    return settled;
  };

  // A generated stream, as `fruition dev` submits its sample.
  sim::SimOptions options;
  options.seed = 7;
  options.subjects = 800;  // enough arrested, unsentenced people of one agency
  options.not_after_seconds = Now();
  auto reports = sim::Generate(options);
  ASSERT_TRUE(reports.ok()) << reports.status();
  sim::StreamOptions stream;
  stream.rate = 0;
  stream.tokens = *tokens;
  std::ostringstream rejections;
  const auto sent = sim::StreamToIntake(channel, *reports, stream, rejections);
  ASSERT_EQ(sent.rejected, 0) << rejections.str();
  std::cerr << sent.accepted << " generated reports submitted after "
            << elapsed() << " s\n";

  // Arrested people whose case has no sentencing (one arrest in it).
  std::map<std::string, std::string> district_of_case;
  std::map<std::pair<std::string, std::string>, std::vector<Arrested>> arrests;
  std::set<std::pair<std::string, std::string>> sentenced;
  const v1::AgencyReport* sentencing = nullptr;
  int64_t last = 0;
  for (const v1::AgencyReport& r : *reports) {
    last = std::max(last, r.occurred_at().seconds());
    if (r.has_case_opened()) {
      district_of_case[r.case_id()] = r.case_opened().district();
    } else if (r.has_arrest()) {
      const auto& a = r.arrest();
      arrests[{a.subject_ref(), r.case_id()}].push_back(
          {a.subject_ref(), r.case_id(), a.agency(), a.field_office(), ""});
    } else if (r.has_sentencing()) {
      sentenced.insert({r.sentencing().subject_ref(), r.case_id()});
      if (sentencing == nullptr) sentencing = &r;
    }
  }
  ASSERT_NE(sentencing, nullptr);
  std::map<std::string, std::vector<Arrested>> by_agency;
  for (auto& [key, list] : arrests) {
    if (list.size() != 1 || sentenced.count(key) > 0 ||
        list[0].field_office.empty()) {
      continue;
    }
    list[0].district = district_of_case[key.second];
    by_agency[list[0].agency].push_back(list[0]);
  }
  // The agency with the most; the extra one from its field office with the
  // most; the 11 others from that field office first. Each unit the extra
  // one is counted in then has 11 of the others (its public view moved to
  // them) or at most 9 (no public figure about people yet; 10 would make
  // the extra the 11th).
  const std::vector<Arrested>* pool = nullptr;
  for (const auto& [agency, list] : by_agency) {
    if (pool == nullptr || list.size() > pool->size()) pool = &list;
  }
  ASSERT_NE(pool, nullptr);
  ASSERT_GE(pool->size(), 12u) << "too few arrested, unsentenced people";
  std::map<std::string, int> in_office;
  for (const Arrested& a : *pool) ++in_office[a.field_office];
  std::string office;
  for (const auto& [fo, n] : in_office) {
    if (office.empty() || n > in_office[office]) office = fo;
  }
  std::vector<Arrested> chosen;
  const int from_office = in_office[office] >= 12
                              ? 12
                              : std::min(in_office[office], 10);  // 9 + extra
  for (const Arrested& a : *pool) {
    if (a.field_office == office &&
        static_cast<int>(chosen.size()) < from_office) {
      chosen.push_back(a);
    }
  }
  const Arrested extra = chosen.back();
  chosen.pop_back();
  for (const Arrested& a : *pool) {
    if (chosen.size() >= 11) break;
    if (a.field_office != office) chosen.push_back(a);
  }
  ASSERT_EQ(chosen.size(), 11u);

  // Their sentencings, in a fiscal year with no other data (after the
  // stream's last), all in the extra one's district: its first quarter.
  const int fy =
      std::atoi(testing::FiscalPeriods(last).first.substr(2).c_str()) + 1;
  std::tm nov15{};
  nov15.tm_year = fy - 1 - 1900;
  nov15.tm_mon = 10;
  nov15.tm_mday = 15;
  nov15.tm_hour = 12;
  const int64_t when = timegm(&nov15);
  ASSERT_LT(when, Now() - 86400) << "no fiscal year free for the scenario";
  const std::string district = extra.district;
  const std::string year = StrCat("FY", fy);
  const std::string quarter = year + "Q1";
  int next_id = 0;
  auto sentence = [&](const Arrested& a) {
    v1::AgencyReport r = *sentencing;  // a valid record, sent again
    r.set_report_id(StrCat("DISCLOSURE-SENT-", ++next_id));
    r.set_case_id(a.case_id);
    r.mutable_occurred_at()->set_seconds(when + int64_t{next_id} * 60);
    r.mutable_sentencing()->set_subject_ref(a.subject_ref);
    r.mutable_sentencing()->set_district(district);
    return r;
  };
  std::vector<v1::AgencyReport> eleven;
  eleven.reserve(chosen.size());
  for (const Arrested& a : chosen) eleven.push_back(sentence(a));
  const auto sent11 = sim::StreamToIntake(channel, eleven, stream, rejections);
  ASSERT_EQ(sent11.accepted, 11) << rejections.str();
  std::cerr << "11 sentencings in district:" << district << " " << quarter
            << " (arrested by " << extra.agency << ", " << from_office - 1
            << " of them in field_office:" << office << ")\n";

  const UnitPeriod dq{"district:" + district, quarter};
  const UnitPeriod dy{"district:" + district, year};
  ASSERT_TRUE(testing::WaitUntil(
      [&] {
        if (!overseer.Cards(&restricted, &error)) return false;
        auto it = restricted.find(dq);
        return it != restricted.end() && CellN(it->second, "sentenced") == 11;
      },
      seconds(240), seconds(2)))
      << error;
  ASSERT_TRUE(settle("before the extra sentencing"));
  const std::map<UnitPeriod, Struct> public_before = watcher.latest();
  const std::map<UnitPeriod, Struct> restricted_before = restricted;
  ASSERT_EQ(public_before.count(dq), 1u);
  // Its public view rests on exactly the facts: 11 records, one version.
  EXPECT_FALSE(LagsCurrent(public_before.at(dq)));
  EXPECT_EQ(CellN(public_before.at(dq), "sentenced"), 11);
  EXPECT_FALSE(LagsCurrent(public_before.at(dy)));

  // One more sentencing.
  const auto sent1 =
      sim::StreamToIntake(channel, {sentence(extra)}, stream, rejections);
  ASSERT_EQ(sent1.accepted, 1) << rejections.str();
  ASSERT_TRUE(testing::WaitUntil(
      [&] {
        if (!overseer.Cards(&restricted, &error)) return false;
        auto it = restricted.find(dq);
        return it != restricted.end() && CellN(it->second, "sentenced") == 12;
      },
      seconds(240), seconds(2)))
      << error;
  // Its public card gets a new version (lagsCurrent, if all is well).
  EXPECT_TRUE(testing::WaitUntil(
      [&] {
        if (!watcher.Round(&error)) return false;
        Feed(&events, &attacker);
        auto it = watcher.latest().find(dq);
        return it != watcher.latest().end() &&
               Id(it->second) != Id(public_before.at(dq));
      },
      seconds(240), seconds(2)))
      << error;
  ASSERT_TRUE(settle("after the extra sentencing"));
  const std::map<UnitPeriod, Struct>& public_after = watcher.latest();

  // The restricted view moved; no public figure did.
  std::vector<std::string> moved, changed, not_lagging;
  std::set<UnitPeriod> ups;
  for (const auto& [up, card] : restricted) ups.insert(up);
  for (const auto& [up, card] : restricted_before) ups.insert(up);
  for (const UnitPeriod& up : ups) {
    auto b = restricted_before.find(up);
    auto a = restricted.find(up);
    if (b != restricted_before.end() && a != restricted.end() &&
        IndicatorsJson(a->second) == IndicatorsJson(b->second)) {
      continue;
    }
    moved.push_back(StrCat(up.first, " ", up.second));
    // Its public card now says lagsCurrent, or this very sentencing was
    // the 11th record to differ from the view's base (D4), so the view
    // moved to the facts: a new public version, then checked below to
    // show no figure changed (a cell of the extra record stays withheld).
    auto p = public_after.find(up);
    auto pb = public_before.find(up);
    const bool rebased = p != public_after.end() && pb != public_before.end() &&
                         Id(p->second) != Id(pb->second);
    if (p == public_after.end() || (!LagsCurrent(p->second) && !rebased)) {
      not_lagging.push_back(StrCat(up.first, " ", up.second));
    } else if (!LagsCurrent(p->second)) {
      std::cerr << up.first << " " << up.second
                << ": its public view moved to the facts (D4: the 11th "
                   "differing record), lagsCurrent "
                << LagsCurrent(pb->second) << " -> 0\n";
    }
  }
  ups.clear();
  for (const auto& [up, card] : public_before) ups.insert(up);
  for (const auto& [up, card] : public_after) ups.insert(up);
  for (const UnitPeriod& up : ups) {
    auto b = public_before.find(up);
    auto a = public_after.find(up);
    if (b == public_before.end() || a == public_after.end()) {
      changed.push_back(StrCat(up.first, " ", up.second, ": ",
                               b == public_before.end() ? "new" : "gone"));
    } else if (IndicatorsJson(a->second) != IndicatorsJson(b->second)) {
      changed.push_back(StrCat(up.first, " ", up.second, ": ",
                               IndicatorsJson(b->second), " -> ",
                               IndicatorsJson(a->second)));
    }
  }
  std::cerr << "restricted views moved: " << Lines(moved, 20) << "district "
            << quarter << ": restricted sentenced "
            << CellN(restricted.at(dq), "sentenced") << ", public "
            << CellN(public_after.at(dq), "sentenced") << " (lagsCurrent "
            << LagsCurrent(public_after.at(dq)) << ")\n";
  EXPECT_TRUE(std::find(moved.begin(), moved.end(),
                        StrCat(dq.first, " ", dq.second)) != moved.end());
  EXPECT_TRUE(std::find(moved.begin(), moved.end(),
                        StrCat("agency:", extra.agency, " ", quarter)) !=
              moved.end())
      << Lines(moved, 20);
  EXPECT_TRUE(changed.empty()) << "public figures changed:\n"
                               << Lines(changed, 20);
  EXPECT_TRUE(not_lagging.empty())
      << "moved, but the public card does not say lagsCurrent:\n"
      << Lines(not_lagging, 20);
  EXPECT_TRUE(LagsCurrent(public_after.at(dq)));
  EXPECT_EQ(CellN(public_after.at(dq), "sentenced"), 11);

  events.Stop();
  Feed(&events, &attacker);
  EXPECT_EQ(events.not_public(), 0);
  ReportFindings(attacker, "one extra sentencing");
  StopDev(&dev);
}

}  // namespace
}  // namespace fruition
