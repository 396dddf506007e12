// fruitctl's analyst commands (tools/fruitctl/analyst.h): scorecards,
// series, compare, history and what-if, against an in-process
// OversightService that answers as the gateway does for a public caller: the
// public view, where a withheld cell is `suppressed` with no value and no n
// (SPEC §5 D1), and `lags_current` when the public figures rest on older facts
// (D4). No gateway, no Kafka.
#include "tools/fruitctl/analyst.h"

#include <grpcpp/grpcpp.h>

#include <algorithm>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "fruition/v1/gateway.grpc.pb.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"
#include "google/protobuf/util/message_differencer.h"
#include "gtest/gtest.h"
#include "services/common/config/config.h"
#include "services/common/strings.h"
#include "services/gateway/json.h"

namespace fruition::fruitctl {
namespace {

v1::Indicator* Add(v1::Scorecard* c, const std::string& name, double value,
                   int64_t n) {
  auto* i = c->add_indicators();
  i->set_name(name);
  i->set_value(value);
  i->set_n(n);
  i->set_defined(true);
  return i;
}

// A public view: fruition_gap and lnf_share withheld (as scoring writes
// them: suppressed, value 0, n 0, defined false).
v1::Scorecard PublicCard(const std::string& unit, bool lags) {
  v1::Scorecard c;
  c.set_unit(unit);
  c.set_period("FY2016");
  c.set_score_version("v1");
  c.set_criteria_version("v1");
  c.set_revision(3);
  c.set_public_view(true);
  c.set_lags_current(lags);
  Add(&c, "sentenced", 4321, 4321);
  Add(&c, "claimed_priority_share", 0.5, 4321);
  c.add_indicators()->set_name("fruition_gap");
  c.mutable_indicators(2)->set_suppressed(true);
  c.add_indicators()->set_name("lnf_share");
  c.mutable_indicators(3)->set_suppressed(true);
  return c;
}

// A public view of FY2017 with prosecution-stage indicators (v1.1): the
// mule share withheld.
v1::Scorecard StageCard(const std::string& unit) {
  v1::Scorecard c = PublicCard(unit, /*lags=*/false);
  c.set_period("FY2017");
  Add(&c, "lnf_mandatory_minimum_share", 0.625, 48);
  Add(&c, "declination_rate", 0.125, 160);
  Add(&c, "function_share:OFFENSE_FUNCTION_COURIER", 0.25, 4321);
  c.add_indicators()->set_name("function_share:OFFENSE_FUNCTION_MULE");
  c.mutable_indicators(c.indicators_size() - 1)->set_suppressed(true);
  Add(&c, "median_sentence_months", 60.5, 4321);
  return c;
}

class FakeOversight final : public v1::OversightService::Service {
 public:
  grpc::Status GetScorecard(grpc::ServerContext*,
                            const v1::GetScorecardRequest* request,
                            v1::Scorecard* response) override {
    for (const auto& c : cards_) {
      if (c.unit() == request->unit() && c.period() == request->period()) {
        *response = c;
        return grpc::Status::OK;
      }
    }
    return grpc::Status(grpc::StatusCode::NOT_FOUND, "no public figures yet");
  }
  grpc::Status ListScorecards(grpc::ServerContext*,
                              const v1::ListScorecardsRequest* request,
                              v1::ListScorecardsResponse* response) override {
    for (const auto& c : cards_) {
      if (c.period() == request->period()) *response->add_scorecards() = c;
    }
    return grpc::Status::OK;
  }

  // Canned answers of the series, compare and history calls, as the gateway
  // gives a public caller; the requests are kept.
  grpc::Status GetSeries(grpc::ServerContext*,
                         const v1::GetSeriesRequest* request,
                         v1::GetSeriesResponse* response) override {
    last_series = *request;
    response->set_unit(request->unit());
    response->set_indicator("lnf_share");
    response->set_public_view(true);
    auto* p = response->add_points();
    p->set_period("FY2012");
    *p->mutable_cell() = Cell("lnf_share", 0.31, 118);
    p = response->add_points();
    p->set_period("FY2013");
    p->mutable_cell()->set_name("lnf_share");
    p->mutable_cell()->set_suppressed(true);
    p = response->add_points();
    p->set_period("FY2014");
    p->set_no_data(true);
    return grpc::Status::OK;
  }
  grpc::Status CompareUnits(grpc::ServerContext*,
                            const v1::CompareUnitsRequest* request,
                            v1::CompareUnitsResponse* response) override {
    last_compare = *request;
    response->set_indicator("lnf_share");
    response->set_period(request->period());
    response->set_kind(request->kind());
    response->set_public_view(true);
    *response->mutable_national() = Cell("lnf_share", 0.32, 318);
    const auto unit = [&](const std::string& name, double v, int rank,
                          double pct) {
      auto* u = response->add_units();
      u->set_unit(name);
      *u->mutable_cell() = Cell("lnf_share", v, 100);
      u->set_rank(rank);
      u->set_percentile(pct);
      return u;
    };
    unit("district:BBB", 0.5, 1, 83.3);
    unit("district:AAA", 0.3, 2, 33.3);
    unit("district:CCC", 0.3, 2, 33.3);
    auto* withheld = unit("district:EEE", 0, 0, 0);
    withheld->mutable_cell()->Clear();
    withheld->mutable_cell()->set_suppressed(true);
    return grpc::Status::OK;
  }
  grpc::Status ListScorecardVersions(
      grpc::ServerContext*, const v1::ListScorecardVersionsRequest* request,
      v1::ListScorecardVersionsResponse* response) override {
    last_history = *request;
    if (request->unit() != "agency:DEA") return grpc::Status::OK;
    for (int i = 0; i < 2; ++i) {
      auto* v = response->add_versions();
      *v->mutable_scorecard() = PublicCard("agency:DEA", false);
      v->mutable_scorecard()->set_revision(i + 1);
      v->set_at_ms(1700000000000 + i * 86400000LL);
    }
    response->set_next("0.7");
    return grpc::Status::OK;
  }

  // What-ifs as the gateway answers them: FY2015 has no usable figure,
  // FY2031 no public scorecards, anything else the canned WhatIfAnswer.
  grpc::Status WhatIf(grpc::ServerContext*, const v1::WhatIfRequest* request,
                      v1::WhatIfResponse* response) override {
    last_whatif = *request;
    if (request->period() == "FY2015") {
      return grpc::Status(grpc::StatusCode::FAILED_PRECONDITION,
                          "basis: no agency has a usable sentenced");
    }
    if (request->period() == "FY2031") {
      return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                          "period: the public view has no agency scorecards "
                          "for FY2031");
    }
    *response = WhatIfAnswer(*request);
    return grpc::Status::OK;
  }

  // $1,000,000,000 split DEA 41.2% (actual budget $500,000,000), FBI 58.8%
  // (no budget published), ATF left out; or a cut's savings for DEA and
  // national:US, ATF left out.
  static v1::WhatIfResponse WhatIfAnswer(const v1::WhatIfRequest& r) {
    v1::WhatIfResponse a;
    a.set_period(r.period());
    a.set_public_view(true);
    auto* left = a.add_left_out();
    left->set_unit("agency:ATF");
    left->set_reason("sentenced is withheld in the public view");
    if (!r.has_lnf_admissions_cut_pct() && !r.has_lnf_sentence_cut_pct()) {
      a.set_basis(r.basis());
      a.set_total_usd(r.total_usd());
      auto* dea = a.add_allocations();
      dea->set_unit("agency:DEA");
      dea->set_basis_value(1234.5);
      dea->set_cents(41234567890);
      dea->set_share(0.4123456789);
      dea->set_budget_usd(500000000);
      auto* fbi = a.add_allocations();
      fbi->set_unit("agency:FBI");
      fbi->set_basis_value(1759.375);
      fbi->set_cents(58765432110);
      fbi->set_share(0.5876543211);
      return a;
    }
    const double pct = r.has_lnf_admissions_cut_pct()
                           ? r.lnf_admissions_cut_pct()
                           : r.lnf_sentence_cut_pct();
    if (r.has_lnf_admissions_cut_pct()) a.set_lnf_admissions_cut_pct(pct);
    if (r.has_lnf_sentence_cut_pct()) a.set_lnf_sentence_cut_pct(pct);
    const auto saving = [pct](v1::WhatIfSaving* x, const std::string& unit,
                              double years) {
      x->set_unit(unit);
      x->set_lnf_prison_years(years);
      x->set_lnf_cost_usd(years * 36299);
      x->set_prison_years_saved(years * pct / 100);
      x->set_usd_saved(years * 36299 * pct / 100);
    };
    saving(a.add_units(), "agency:DEA", 1200);
    saving(a.mutable_national(), "national:US", 4000);
    a.set_lags_current(true);
    return a;
  }

  // FY2016: DEA's line unmet (lnf_share 0.62 found, at most 0.3) and FBI's
  // met; FY2019: none; a quarter is refused as the gateway refuses it.
  grpc::Status ListBudgetLines(grpc::ServerContext*,
                               const v1::ListBudgetLinesRequest* request,
                               v1::ListBudgetLinesResponse* response) override {
    last_budgets = *request;
    if (request->period() == "FY2016Q1") {
      return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                          "period: 'FY2016Q1' is not a fiscal year");
    }
    *response = BudgetsAnswer(*request);
    return grpc::Status::OK;
  }

  static v1::ListBudgetLinesResponse BudgetsAnswer(
      const v1::ListBudgetLinesRequest& r) {
    v1::ListBudgetLinesResponse a;
    a.set_period(r.period());
    a.set_public_view(true);
    if (r.period() != "FY2016") return a;
    v1::BudgetLineStatus* dea = a.add_lines();
    dea->set_line_id("OIG-FY2016-DEA-1");
    dea->set_agency("DEA");
    dea->set_fiscal_year(2016);
    dea->set_amount_usd(2400000000);
    dea->set_purpose("Domestic cartel enforcement");
    dea->set_judged(true);
    dea->set_agency_budget_usd(2400000000);
    v1::BudgetCriterionStatus* c = dea->add_criteria();
    c->set_indicator("lnf_share");
    c->set_op(v1::CRITERION_OP_AT_MOST);
    c->set_value(0.3);
    c->set_found(0.62);
    v1::BudgetLineStatus* fbi = a.add_lines();
    fbi->set_line_id("OIG-FY2016-FBI-1");
    fbi->set_agency("FBI");
    fbi->set_fiscal_year(2016);
    fbi->set_amount_usd(900000000);
    fbi->set_judged(true);
    fbi->set_met(true);
    c = fbi->add_criteria();
    c->set_indicator("mean_desert");
    c->set_op(v1::CRITERION_OP_AT_LEAST);
    c->set_value(20);
    c->set_found(41.5);
    c->set_met(true);
    return a;
  }

  v1::ListBudgetLinesRequest last_budgets;
  v1::GetSeriesRequest last_series;
  v1::CompareUnitsRequest last_compare;
  v1::ListScorecardVersionsRequest last_history;
  v1::WhatIfRequest last_whatif;

 private:
  static v1::Indicator Cell(const std::string& name, double v, int64_t n) {
    v1::Indicator i;
    i.set_name(name);
    i.set_value(v);
    i.set_n(n);
    i.set_defined(true);
    return i;
  }

  const std::vector<v1::Scorecard> cards_ = {
      PublicCard("agency:DEA", /*lags=*/true),
      PublicCard("agency:FBI", /*lags=*/false), StageCard("agency:DEA")};
};

class AnalystScorecardTest : public ::testing::Test {
 protected:
  void SetUp() override {
    grpc::ServerBuilder builder;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(),
                             &port_);
    builder.RegisterService(&service_);
    server_ = builder.BuildAndStart();
    ASSERT_NE(server_, nullptr);
    ASSERT_GT(port_, 0);
  }
  void TearDown() override {
    if (server_ != nullptr) server_->Shutdown();
  }

  // Runs `command` with `flags`; its exit code, output in `out`.
  int Run(const std::string& command, std::vector<std::string> flags,
          std::string* out) {
    std::vector<config::Spec> specs = {
        {"server", "", ""},   {"token", "", ""},   {"tls-ca", "", ""},
        {"tls-cert", "", ""}, {"tls-key", "", ""}, {"agency", "", ""}};
    for (auto& spec : AnalystSpecs()) specs.push_back(std::move(spec));
    flags.push_back(StrCat("--server=127.0.0.1:", port_));
    auto settings = config::Settings::Load(
        flags, specs, [](const char*) -> const char* { return nullptr; });
    EXPECT_TRUE(settings.ok()) << settings.status();
    if (!settings.ok()) return -1;
    std::ostringstream o, e;
    // "budget list" is a command and its subcommand.
    const bool budget = command == "budget list";
    auto code = RunAnalystCommand(
        budget ? "budget" : command, *settings,
        budget ? std::vector<std::string>{"list"} : std::vector<std::string>{},
        o, e);
    EXPECT_TRUE(code.has_value());
    *out = o.str() + e.str();
    return code.value_or(-1);
  }

  // The line of `text` starting with `prefix` ("" if none).
  static std::string Line(const std::string& text, const std::string& prefix) {
    std::istringstream lines(text);
    for (std::string line; std::getline(lines, line);) {
      if (line.rfind(prefix, 0) == 0) return line;
    }
    return "";
  }

  FakeOversight service_;
  std::unique_ptr<grpc::Server> server_;
  int port_ = 0;
};

bool HasDigit(const std::string& s) {
  return s.find_first_of("0123456789") != std::string::npos;
}

// The words of `line`, split on spaces.
std::vector<std::string> Words(const std::string& line) {
  std::vector<std::string> out;
  std::istringstream in(line);
  for (std::string w; in >> w;) out.push_back(w);
  return out;
}

TEST_F(AnalystScorecardTest, WithheldCellReadsSuppressedWithNoNumber) {
  std::string out;
  ASSERT_EQ(Run("scorecard", {"--unit=agency:DEA", "--period=FY2016"}, &out), 0)
      << out;
  for (const std::string name : {"fruition_gap", "lnf_share"}) {
    const std::string line = Line(out, name);
    ASSERT_FALSE(line.empty()) << out;
    EXPECT_NE(line.find("suppressed"), std::string::npos) << line;
    EXPECT_FALSE(HasDigit(line)) << line;  // neither a value nor an n
  }
  EXPECT_NE(Line(out, "sentenced").find("4321"), std::string::npos) << out;
  EXPECT_NE(out.find("(public figures lag current facts)"), std::string::npos)
      << out;

  ASSERT_EQ(Run("scorecard", {"--unit=agency:FBI", "--period=FY2016"}, &out), 0)
      << out;
  EXPECT_EQ(out.find("lag"), std::string::npos) << out;

  // JSON: the gateway's, a withheld cell exactly {"suppressed":true}.
  ASSERT_EQ(Run("scorecard", {"--unit=agency:DEA", "--period=FY2016", "--json"},
                &out),
            0)
      << out;
  EXPECT_NE(out.find("\"fruitionGap\":{\"suppressed\":true}"),
            std::string::npos)
      << out;
  EXPECT_NE(out.find("\"lagsCurrent\":true"), std::string::npos) << out;
}

TEST_F(AnalystScorecardTest, ScorecardsTableAndCsv) {
  std::string out;
  ASSERT_EQ(Run("scorecards", {"--period=FY2016"}, &out), 0) << out;
  const std::string dea = Line(out, "agency:DEA ");
  ASSERT_FALSE(dea.empty()) << out;
  EXPECT_NE(dea.find("suppressed"), std::string::npos) << dea;
  EXPECT_NE(out.find("agency:DEA  (public figures lag current facts)"),
            std::string::npos)
      << out;
  EXPECT_EQ(out.find("agency:FBI  (public figures lag"), std::string::npos)
      << out;

  ASSERT_EQ(Run("scorecards", {"--period=FY2016", "--csv"}, &out), 0) << out;
  EXPECT_EQ(Line(out, "unit,"),
            "unit,period,sentenced,sentenced_n,claimed_priority_share,"
            "claimed_priority_share_n,fruition_gap,fruition_gap_n,lnf_share,"
            "lnf_share_n,lags_current")
      << out;
  // Withheld: an empty value and the word suppressed, no number.
  EXPECT_EQ(Line(out, "agency:DEA,"),
            "agency:DEA,FY2016,4321,4321,0.5,4321,,suppressed,,suppressed,"
            "true")
      << out;
  EXPECT_EQ(Line(out, "agency:FBI,"),
            "agency:FBI,FY2016,4321,4321,0.5,4321,,suppressed,,suppressed,"
            "false")
      << out;
}

TEST_F(AnalystScorecardTest, ScorecardsShowTheProsecutionHeadlines) {
  std::string out;
  ASSERT_EQ(Run("scorecards", {"--period=FY2017"}, &out), 0) << out;
  const auto header = Words(Line(out, "unit "));
  const auto dea = Words(Line(out, "agency:DEA "));
  ASSERT_EQ(header.size(), dea.size()) << out;
  // Each headline under its name, as --columns takes it.
  const std::map<std::string, std::string> want = {
      {"sentenced", "4321"},
      {"claimed_priority_share", "50.0%"},
      {"fruition_gap", "suppressed"},
      {"declination_rate", "12.5%"},
      {"lnf_mandatory_minimum_share", "62.5%"},
      {"lnf_safety_valve_share", "-"},
      {"median_sentence_months", "60.50"}};
  for (const auto& [name, value] : want) {
    const auto at = std::find(header.begin(), header.end(), name);
    ASSERT_NE(at, header.end()) << name << " not in " << out;
    EXPECT_EQ(dea[at - header.begin()], value) << name;
  }
}

TEST_F(AnalystScorecardTest, ColumnsChooseTheIndicators) {
  std::string out;
  ASSERT_EQ(Run("scorecards",
                {"--period=FY2017",
                 "--columns=lnfMandatoryMinimumShare,"
                 "function_share:"},
                &out),
            0)
      << out;
  // The card's members first, then those only the registry lists (none on
  // the card: "-").
  const auto header = Words(Line(out, "unit "));
  const auto dea = Words(Line(out, "agency:DEA "));
  const std::vector<std::string> first = {
      "unit", "lnf_mandatory_minimum_share",
      "function_share:OFFENSE_FUNCTION_COURIER",
      "function_share:OFFENSE_FUNCTION_MULE"};
  ASSERT_GE(header.size(), first.size()) << out;
  ASSERT_EQ(header.size(), dea.size()) << out;
  EXPECT_EQ(std::vector<std::string>(header.begin(), header.begin() + 4), first)
      << out;
  EXPECT_EQ(
      std::vector<std::string>(dea.begin(), dea.begin() + 4),
      (std::vector<std::string>{"agency:DEA", "62.5%", "25.0%", "suppressed"}))
      << out;
  for (size_t i = first.size(); i < header.size(); ++i) {
    EXPECT_EQ(header[i].rfind("function_share:", 0), 0u) << header[i];
    EXPECT_EQ(dea[i], "-") << header[i];
  }
  EXPECT_EQ(out.find("lnf_share"), std::string::npos) << out;

  ASSERT_EQ(Run("scorecards",
                {"--period=FY2017", "--csv",
                 "--columns=function_share:OFFENSE_FUNCTION_MULE,"
                 "sentenced"},
                &out),
            0)
      << out;
  EXPECT_EQ(out,
            "unit,period,function_share:OFFENSE_FUNCTION_MULE,"
            "function_share:OFFENSE_FUNCTION_MULE_n,sentenced,sentenced_n,"
            "lags_current\n"
            "agency:DEA,FY2017,,suppressed,4321,4321,false\n");

  // One card: only the rows named, in that order.
  ASSERT_EQ(Run("scorecard",
                {"--unit=agency:DEA", "--period=FY2017",
                 "--columns=functionShare:OFFENSE_FUNCTION_MULE,"
                 "median_sentence_months"},
                &out),
            0)
      << out;
  EXPECT_EQ(Words(Line(out, "function_share:")),
            (std::vector<std::string>{"function_share:OFFENSE_FUNCTION_MULE",
                                      "suppressed"}))
      << out;
  EXPECT_EQ(
      Words(Line(out, "median_sentence_months")),
      (std::vector<std::string>{"median_sentence_months", "60.50", "4321"}))
      << out;
  EXPECT_EQ(out.find("lnf_mandatory"), std::string::npos) << out;
  EXPECT_EQ(out.find("sentenced "), std::string::npos) << out;

  ASSERT_EQ(Run("scorecard",
                {"--unit=agency:DEA", "--period=FY2017", "--json",
                 "--columns=function_share:"},
                &out),
            0)
      << out;
  EXPECT_NE(out.find("\"functionShare:OFFENSE_FUNCTION_MULE\":{\"suppressed\":"
                     "true}"),
            std::string::npos)
      << out;
  EXPECT_EQ(out.find("lnfMandatoryMinimumShare"), std::string::npos) << out;
}

TEST_F(AnalystScorecardTest, AnUnknownColumnIsAnErrorNamingIt) {
  std::string out;
  EXPECT_EQ(
      Run("scorecards", {"--period=FY2017", "--columns=lnf_share,bogus"}, &out),
      2);
  EXPECT_NE(out.find("'bogus'"), std::string::npos) << out;
  EXPECT_EQ(out.find("agency:DEA"), std::string::npos) << out;
  EXPECT_EQ(Run("scorecard",
                {"--unit=agency:DEA", "--period=FY2017",
                 "--columns=function_share:,drugs:"},
                &out),
            2);
  EXPECT_NE(out.find("'drugs:'"), std::string::npos) << out;
}

TEST_F(AnalystScorecardTest, SeriesCompareAndHistory) {
  std::string out;
  ASSERT_EQ(Run("series",
                {"--unit=district:EDPA", "--indicator=lnfShare",
                 "--from=FY2012", "--to=FY2014"},
                &out),
            0)
      << out;
  EXPECT_EQ(service_.last_series.indicator(), "lnfShare");
  EXPECT_EQ(service_.last_series.from(), "FY2012");
  EXPECT_EQ(service_.last_series.to(), "FY2014");
  EXPECT_EQ(Words(Line(out, "FY2012")),
            (std::vector<std::string>{"FY2012", "31.0%", "118"}))
      << out;
  // A withheld point: no number, not even its n.
  EXPECT_EQ(Words(Line(out, "FY2013")),
            (std::vector<std::string>{"FY2013", "suppressed"}))
      << out;
  EXPECT_EQ(Words(Line(out, "FY2014")),
            (std::vector<std::string>{"FY2014", "no", "data"}))
      << out;
  ASSERT_EQ(Run("series",
                {"--unit=district:EDPA", "--indicator=lnf_share",
                 "--from=FY2012", "--to=FY2014", "--json"},
                &out),
            0);
  EXPECT_NE(out.find("\"noData\":true"), std::string::npos) << out;
  EXPECT_NE(out.find("\"indicator\":\"lnfShare\""), std::string::npos) << out;
  EXPECT_EQ(Run("series", {"--unit=district:EDPA", "--from=FY2012"}, &out), 2);
  EXPECT_NE(out.find("--indicator"), std::string::npos) << out;

  ASSERT_EQ(
      Run("compare",
          {"--indicator=lnf_share", "--period=FY2016", "--unit-kind=district"},
          &out),
      0)
      << out;
  EXPECT_EQ(service_.last_compare.kind(), "district");
  EXPECT_NE(Line(out, "national:US").find("32.0%"), std::string::npos) << out;
  EXPECT_EQ(
      Words(Line(out, "1 ")),
      (std::vector<std::string>{"1", "district:BBB", "50.0%", "100", "83.3"}))
      << out;
  EXPECT_EQ(Words(Line(out, "- ")),
            (std::vector<std::string>{"-", "district:EEE", "suppressed"}))
      << out;
  EXPECT_EQ(Run("compare", {"--indicator=lnf_share", "--period=FY2016"}, &out),
            2);
  EXPECT_NE(out.find("--unit-kind"), std::string::npos) << out;

  ASSERT_EQ(Run("history",
                {"--unit=agency:DEA", "--period=FY2016", "--limit=2",
                 "--columns=sentenced"},
                &out),
            0)
      << out;
  EXPECT_EQ(service_.last_history.limit(), 2);
  EXPECT_NE(out.find("published 2023-11-14T22:13:20Z  agency:DEA  FY2016"),
            std::string::npos)
      << out;
  EXPECT_NE(out.find("published 2023-11-15T22:13:20Z"), std::string::npos)
      << out;
  EXPECT_NE(out.find("--after 0.7"), std::string::npos) << out;
  EXPECT_EQ(Line(out, "lnf_share"), "") << out;  // --columns
  ASSERT_EQ(
      Run("history", {"--unit=agency:DEA", "--period=FY2016", "--json"}, &out),
      0);
  EXPECT_NE(out.find("\"at\":\"2023-11-14T22:13:20Z\""), std::string::npos)
      << out;
  EXPECT_EQ(out.find("changedBy"), std::string::npos) << out;
  EXPECT_EQ(Run("history", {"--unit=agency:NONE", "--period=FY2016"}, &out), 1);
  EXPECT_EQ(Run("history",
                {"--unit=agency:DEA", "--period=FY2016", "--limit=5000"}, &out),
            2);
  EXPECT_NE(out.find("limit"), std::string::npos) << out;
}

// Whether two JSON texts say the same (the order of an object's keys aside).
bool SameJson(const std::string& a, const std::string& b) {
  google::protobuf::Struct x, y;
  if (!google::protobuf::util::JsonStringToMessage(a, &x).ok() ||
      !google::protobuf::util::JsonStringToMessage(b, &y).ok()) {
    return false;
  }
  return google::protobuf::util::MessageDifferencer::Equals(x, y);
}

TEST_F(AnalystScorecardTest, WhatIfAllocationTableAndJson) {
  std::string out;
  ASSERT_EQ(Run("whatif",
                {"--period=FY2016", "--total-usd=1000000000",
                 "--basis=weighted-value"},
                &out),
            0)
      << out;
  EXPECT_EQ(service_.last_whatif.period(), "FY2016");
  EXPECT_EQ(service_.last_whatif.total_usd(), 1000000000);
  EXPECT_EQ(service_.last_whatif.basis(), v1::WHAT_IF_BASIS_WEIGHTED_VALUE);
  EXPECT_FALSE(service_.last_whatif.has_lnf_admissions_cut_pct());
  EXPECT_NE(out.find("What-if FY2016: $1,000,000,000 in proportion to "
                     "weighted value (public view)"),
            std::string::npos)
      << out;
  EXPECT_EQ(Words(Line(out, "agency:DEA")),
            (std::vector<std::string>{"agency:DEA", "1234.50", "41.2%",
                                      "412,345,678.90", "500,000,000.00"}))
      << out;
  EXPECT_EQ(Words(Line(out, "agency:FBI")),
            (std::vector<std::string>{"agency:FBI", "1759.38", "58.8%",
                                      "587,654,321.10", "not", "published"}))
      << out;
  EXPECT_NE(Line(out, "Left out: agency:ATF").find("withheld"),
            std::string::npos)
      << out;
  for (const auto& [flag, basis] :
       std::vector<std::pair<std::string, v1::WhatIfBasis>>{
           {"caseload", v1::WHAT_IF_BASIS_CASELOAD},
           {"high-desert", v1::WHAT_IF_BASIS_HIGH_DESERT},
           {"HIGH_DESERT", v1::WHAT_IF_BASIS_HIGH_DESERT}}) {
    ASSERT_EQ(
        Run("whatif", {"--period=FY2016", "--total-usd=5", "--basis=" + flag},
            &out),
        0)
        << out;
    EXPECT_EQ(service_.last_whatif.basis(), basis) << flag;
  }
  // --json: the gateway's JSON of the answer, as the HTTP API gives it.
  ASSERT_EQ(Run("whatif",
                {"--period=FY2016", "--total-usd=1000000000",
                 "--basis=caseload", "--json"},
                &out),
            0)
      << out;
  EXPECT_TRUE(SameJson(out, gateway::WhatIfJson(FakeOversight::WhatIfAnswer(
                                service_.last_whatif))))
      << out;
  EXPECT_NE(out.find("\"cents\":41234567890"), std::string::npos) << out;
}

TEST_F(AnalystScorecardTest, BudgetListShowsEachLineAndCriterionAndJson) {
  std::string out;
  ASSERT_EQ(Run("budget list", {"--period=FY2016", "--agency=DEA"}, &out), 0)
      << out;
  EXPECT_EQ(service_.last_budgets.period(), "FY2016");
  EXPECT_EQ(service_.last_budgets.agency(), "DEA");
  EXPECT_EQ(Words(Line(out, "OIG-FY2016-DEA-1")),
            (std::vector<std::string>{"OIG-FY2016-DEA-1", "DEA",
                                      "$2,400,000,000.00", "NOT", "MET"}))
      << out;
  EXPECT_EQ(Words(Line(out, "lnf_share")),
            (std::vector<std::string>{"lnf_share", "at", "most", "0.30", "0.62",
                                      "no"}))
      << out;
  EXPECT_EQ(Words(Line(out, "OIG-FY2016-FBI-1")).back(), "MET") << out;
  EXPECT_EQ(Words(Line(out, "mean_desert")).back(), "yes") << out;
  ASSERT_EQ(Run("budget list", {"--period=FY2016", "--json"}, &out), 0) << out;
  EXPECT_TRUE(
      SameJson(out, gateway::BudgetLinesJson(
                        FakeOversight::BudgetsAnswer(service_.last_budgets))))
      << out;
  // None: exit 1; no period or a quarter: exit 2, naming it.
  EXPECT_EQ(Run("budget list", {"--period=FY2019"}, &out), 1) << out;
  EXPECT_EQ(Run("budget list", {}, &out), 2) << out;
  EXPECT_NE(out.find("--period"), std::string::npos) << out;
  EXPECT_EQ(Run("budget list", {"--period=FY2016Q1"}, &out), 2) << out;
  EXPECT_NE(out.find("period: "), std::string::npos) << out;
}

TEST_F(AnalystScorecardTest, WhatIfCutTable) {
  std::string out;
  ASSERT_EQ(
      Run("whatif", {"--period=FY2016", "--lnf-sentence-cut-pct=50"}, &out), 0)
      << out;
  EXPECT_TRUE(service_.last_whatif.has_lnf_sentence_cut_pct());
  EXPECT_EQ(service_.last_whatif.lnf_sentence_cut_pct(), 50);
  EXPECT_FALSE(service_.last_whatif.has_lnf_admissions_cut_pct());
  EXPECT_FALSE(service_.last_whatif.has_total_usd());
  EXPECT_NE(out.find("What-if FY2016: 50% shorter LNF sentences"),
            std::string::npos)
      << out;
  EXPECT_EQ(Words(Line(out, "agency:DEA")),
            (std::vector<std::string>{"agency:DEA", "1200.0", "600.0",
                                      "21,779,400.00"}))
      << out;
  EXPECT_EQ(Words(Line(out, "national:US")),
            (std::vector<std::string>{"national:US", "4000.0", "2000.0",
                                      "72,598,000.00"}))
      << out;
  EXPECT_NE(Line(out, "Timing:").find("until it ends"), std::string::npos)
      << out;
  EXPECT_NE(out.find("(public figures lag current facts)"), std::string::npos);
  ASSERT_EQ(
      Run("whatif", {"--period=FY2016", "--lnf-admissions-cut-pct=12.5"}, &out),
      0)
      << out;
  EXPECT_EQ(service_.last_whatif.lnf_admissions_cut_pct(), 12.5);
  EXPECT_NE(out.find("12.50% fewer LNF admissions"), std::string::npos) << out;
  EXPECT_NE(Line(out, "Timing:").find("at once"), std::string::npos) << out;
}

TEST_F(AnalystScorecardTest, WhatIfUsageAndServerErrorsAndExitCodes) {
  std::string out;
  const std::vector<std::pair<std::vector<std::string>, std::string>> usage = {
      {{"--total-usd=5", "--basis=caseload"}, "--period"},
      {{"--period=FY2016"}, "--total-usd"},
      {{"--period=FY2016", "--total-usd=5", "--basis=volume"}, "--basis"},
      {{"--period=FY2016", "--total-usd=1e9", "--basis=caseload"},
       "--total-usd"},
      {{"--period=FY2016", "--lnf-admissions-cut-pct=half"},
       "--lnf-admissions-cut-pct"},
  };
  for (const auto& [flags, named] : usage) {
    service_.last_whatif.Clear();
    EXPECT_EQ(Run("whatif", flags, &out), 2) << out;
    EXPECT_NE(out.find(named), std::string::npos) << out;
    EXPECT_TRUE(service_.last_whatif.period().empty()) << "nothing was sent";
  }
  // The gateway's refusals: bad input (exit 2, its message), nothing usable
  // (exit 1).
  EXPECT_EQ(
      Run("whatif", {"--period=FY2031", "--lnf-sentence-cut-pct=5"}, &out), 2);
  EXPECT_NE(out.find("INVALID_ARGUMENT: period: the public view has no"),
            std::string::npos)
      << out;
  EXPECT_EQ(Run("whatif",
                {"--period=FY2015", "--total-usd=5", "--basis=caseload"}, &out),
            1);
  EXPECT_NE(out.find("FAILED_PRECONDITION: basis: no agency"),
            std::string::npos)
      << out;
}

}  // namespace
}  // namespace fruition::fruitctl
