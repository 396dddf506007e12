// POST /api/v1/whatif and gRPC OversightService.WhatIf (SPEC §11), in-process
// on free ports over views on a real RocksDB store fed scorecards by hand,
// with principals from YAML (an overseer, an agency, a judiciary principal).
// No Kafka. The restricted cards differ from the public ones on purpose (other
// numbers, nothing withheld), so a test can tell which view an answer used:
// every caller, overseers included, must get the public one.
#include <grpcpp/grpcpp.h>
#include <httplib.h>

#include <atomic>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "fruition/v1/gateway.grpc.pb.h"
#include "fruition/v1/scores.pb.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"
#include "google/protobuf/util/message_differencer.h"
#include "gtest/gtest.h"
#include "services/common/audit/trail.h"
#include "services/common/auth/principals.h"
#include "services/common/kafka/consumer.h"
#include "services/common/privacy/pseudonymizer.h"
#include "services/common/server/audit.h"
#include "services/common/store/kv.h"
#include "services/common/stream/loop.h"
#include "services/common/strings.h"
#include "services/common/topics.h"
#include "services/gateway/http.h"
#include "services/gateway/json.h"
#include "services/gateway/server.h"
#include "services/gateway/views.h"
#include "tests/harness/fixtures.h"

namespace fruition::gateway {
namespace {

using google::protobuf::Struct;
using google::protobuf::Value;
using std::chrono::seconds;

const std::string kScores(topics::kScores);
const std::string kScoresPublic(topics::kScoresPublic);
const std::string kReference(topics::kReference);
const std::string kOigToken = "oig-secret-token";
const std::string kDeaToken = "dea-secret-token";
const std::string kUsscToken = "ussc-secret-token";
const std::string kPath = "/api/v1/whatif";

void Add(v1::Scorecard* c, const std::string& name, double value, int64_t n) {
  auto* i = c->add_indicators();
  i->set_name(name);
  i->set_value(value);
  i->set_n(n);
  i->set_defined(true);
}

void Withhold(v1::Scorecard* c, const std::string& name) {
  auto* i = c->add_indicators();
  i->set_name(name);
  i->set_suppressed(true);
}

v1::Scorecard Card(const std::string& unit, bool public_view,
                   const std::string& period = "FY2016") {
  v1::Scorecard c;
  c.set_unit(unit);
  c.set_period(period);
  c.set_public_view(public_view);
  c.set_scorecard_id((public_view ? "pub-" : "sc-") + unit);
  return c;
}

// FY2016: DEA and FBI publish their bases, ATF's are withheld; national:US
// publishes its LNF prison time. The restricted cards hold other numbers
// (DEA 999 sentenced, ATF 50, national 7777 prison-years) that no answer
// may show.
std::vector<v1::Scorecard> Fy2016Cards() {
  v1::Scorecard dea = Card("agency:DEA", true);
  Add(&dea, "sentenced", 300, 300);
  Add(&dea, "weighted_enforcement_value", 2585.0 / 800, 300);
  Add(&dea, "high_desert_share", 0.25, 400);
  Add(&dea, "lnf_prison_years", 1200, 40);
  Add(&dea, "lnf_cost_usd", 1200.0 * 36299, 40);
  Add(&dea, "budget_usd", 2500000000, 2);
  v1::Scorecard fbi = Card("agency:FBI", true);
  Add(&fbi, "sentenced", 100, 100);
  Add(&fbi, "weighted_enforcement_value", 1416.0 / 800, 100);
  Add(&fbi, "high_desert_share", 1.0 / 3, 300);
  Add(&fbi, "lnf_prison_years", 300, 12);
  Add(&fbi, "lnf_cost_usd", 300.0 * 36299, 12);
  v1::Scorecard atf = Card("agency:ATF", true);
  for (const char* name :
       {"sentenced", "weighted_enforcement_value", "high_desert_share",
        "lnf_prison_years", "lnf_cost_usd"}) {
    Withhold(&atf, name);
  }
  v1::Scorecard national = Card("national:US", true);
  Add(&national, "lnf_prison_years", 4000, 200);
  Add(&national, "lnf_cost_usd", 4000.0 * 36299, 200);
  v1::Scorecard district = Card("district:EDPA", true);
  Add(&district, "sentenced", 5000, 5000);
  std::vector<v1::Scorecard> out = {dea, fbi, atf, national, district};
  // The restricted view: other numbers, nothing withheld.
  v1::Scorecard r_dea = Card("agency:DEA", false);
  Add(&r_dea, "sentenced", 999, 999);
  Add(&r_dea, "lnf_prison_years", 999, 99);
  Add(&r_dea, "lnf_cost_usd", 999.0 * 36299, 99);
  v1::Scorecard r_atf = Card("agency:ATF", false);
  Add(&r_atf, "sentenced", 50, 50);
  Add(&r_atf, "lnf_prison_years", 5, 3);
  Add(&r_atf, "lnf_cost_usd", 5.0 * 36299, 3);
  v1::Scorecard r_national = Card("national:US", false);
  Add(&r_national, "lnf_prison_years", 7777, 201);
  Add(&r_national, "lnf_cost_usd", 7777.0 * 36299, 201);
  out.push_back(r_dea);
  out.push_back(r_atf);
  out.push_back(r_national);
  return out;
}

Struct Parse(const std::string& json) {
  Struct s;
  const auto status = google::protobuf::util::JsonStringToMessage(json, &s);
  EXPECT_TRUE(status.ok()) << status << ": " << json;
  return s;
}

// Whether two JSON answers say the same (the order of an object's keys
// aside).
bool Same(const std::string& a, const std::string& b) {
  return google::protobuf::util::MessageDifferencer::Equals(Parse(a), Parse(b));
}

// "unit=cents ..." of an allocation answer.
std::string Cents(const Struct& answer) {
  std::string out;
  const auto it = answer.fields().find("allocations");
  if (it == answer.fields().end()) return "<none>";
  for (const Value& v : it->second.list_value().values()) {
    const auto& f = v.struct_value().fields();
    out += StrCat(out.empty() ? "" : " ", f.at("unit").string_value(), "=",
                  static_cast<int64_t>(f.at("cents").number_value()));
  }
  return out;
}

std::string LeftOut(const Struct& answer) {
  std::string out;
  for (const Value& v : answer.fields().at("leftOut").list_value().values()) {
    out += StrCat(out.empty() ? "" : " ",
                  v.struct_value().fields().at("unit").string_value());
  }
  return out;
}

class WhatIfApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto store = store::KvStore::Open(fixtures::FreshDir("whatif"), Tables());
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = std::move(*store);
    views_ = std::make_unique<Views>(
        store_.get(), ViewTopics{std::string(topics::kOversightPublic),
                                 std::string(topics::kOversightRestricted),
                                 kScores, kScoresPublic, kReference});
    const auto entry = [](const char* code, const char* kind,
                          const std::string& token) {
      return StrCat("  - code: ", code, "\n    kind: ", kind,
                    "\n    token_sha256: ", privacy::Sha256Hex(token), "\n");
    };
    auto principals = auth::PrincipalRegistry::FromYaml(
        StrCat("principals:\n", entry("OIG", "OVERSEER", kOigToken),
               entry("DEA", "AGENCY", kDeaToken),
               entry("USSC", "JUDICIARY", kUsscToken)),
        "test");
    ASSERT_TRUE(principals.ok()) << principals.status();
    principals_ = std::make_unique<auth::PrincipalRegistry>(*principals);
    service_ = std::make_unique<OversightServiceImpl>(
        views_.get(), principals_.get(), &trail_, &draining_);
    HttpOptions options;
    options.listen = "127.0.0.1:0";
    auto http = HttpApi::Start(options, service_.get(), views_.get(),
                               principals_.get(), &trail_, &draining_);
    ASSERT_TRUE(http.ok()) << http.status();
    http_ = std::move(*http);
    grpc::ServerBuilder builder;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(),
                             &grpc_port_);
    builder.RegisterService(service_.get());
    grpc_ = builder.BuildAndStart();
    ASSERT_NE(grpc_, nullptr);
    stub_ = v1::OversightService::NewStub(grpc::CreateChannel(
        StrCat("127.0.0.1:", grpc_port_), grpc::InsecureChannelCredentials()));
    FeedCards(Fy2016Cards());
  }

  void TearDown() override {
    draining_ = true;
    if (grpc_ != nullptr) grpc_->Shutdown();
    if (http_ != nullptr) http_->Stop();
  }

  void FeedCards(const std::vector<v1::Scorecard>& cards) {
    std::vector<kafka::Record> batch;
    for (const auto& c : cards) {
      kafka::Record r;
      r.topic = c.public_view() ? kScoresPublic : kScores;
      r.offset = next_[r.topic]++;
      r.timestamp_ms = 1700000000000 + r.offset;
      r.value = c.SerializeAsString();
      batch.push_back(std::move(r));
    }
    stream::Applied applied;
    const absl::Status s =
        stream::ApplyAndCommit(*views_, *store_, batch, {}, {}, &applied);
    ASSERT_TRUE(s.ok()) << s;
  }

  // Appends reports to fruition.reference.v1 as intake would.
  void FeedReports(const std::vector<v1::AgencyReport>& reports) {
    std::vector<kafka::Record> batch;
    for (const auto& report : reports) {
      kafka::Record r;
      r.topic = kReference;
      r.offset = next_[r.topic]++;
      r.timestamp_ms = 1700000000000 + r.offset;
      r.value = report.SerializeAsString();
      batch.push_back(std::move(r));
    }
    stream::Applied applied;
    const absl::Status s =
        stream::ApplyAndCommit(*views_, *store_, batch, {}, {}, &applied);
    ASSERT_TRUE(s.ok()) << s;
  }

  httplib::Result Send(const std::string& method, const std::string& path,
                       const std::string& body, const std::string& token) {
    httplib::Client client("127.0.0.1", http_->port());
    client.set_read_timeout(seconds(60));
    httplib::Headers headers;
    if (!token.empty()) headers.emplace("Authorization", "Bearer " + token);
    if (method == "GET") return client.Get(path, headers);
    if (method == "HEAD") return client.Head(path, headers);
    return client.Post(path, headers, body, "application/json");
  }

  // POST `body` expecting 200 and JSON; the raw answer.
  std::string PostOk(const std::string& body, const std::string& token = "") {
    auto res = Send("POST", kPath, body, token);
    EXPECT_TRUE(res) << body;
    if (!res) return "";
    EXPECT_EQ(res->status, 200) << body << ": " << res->body;
    EXPECT_EQ(res->get_header_value("Content-Type"), "application/json");
    return res->body;
  }

  // POST `body` expecting the JSON error `status`/`code`; its message.
  std::string PostError(const std::string& body, int status,
                        const std::string& code,
                        const std::string& token = "") {
    auto res = Send("POST", kPath, body, token);
    EXPECT_TRUE(res) << body;
    if (!res) return "";
    EXPECT_EQ(res->status, status) << body << ": " << res->body;
    const Struct answer = Parse(res->body);
    const auto it = answer.fields().find("error");
    EXPECT_NE(it, answer.fields().end()) << res->body;
    if (it == answer.fields().end()) return "";
    const auto& error = it->second.struct_value().fields();
    EXPECT_EQ(error.at("code").string_value(), code) << res->body;
    return error.at("message").string_value();
  }

  std::unique_ptr<store::KvStore> store_;
  std::unique_ptr<Views> views_;
  std::unique_ptr<auth::PrincipalRegistry> principals_;
  std::atomic<bool> draining_{false};
  audit::MemoryTrail trail_;
  std::unique_ptr<OversightServiceImpl> service_;
  std::unique_ptr<HttpApi> http_;
  std::unique_ptr<grpc::Server> grpc_;
  int grpc_port_ = 0;
  std::unique_ptr<v1::OversightService::Stub> stub_;
  std::map<std::string, int64_t> next_;
};

TEST_F(WhatIfApiTest, AllocationIsThePublicViewForEveryCallerOverseersToo) {
  const std::string body =
      R"({"period":"FY2016","totalUsd":1000,"basis":"CASELOAD"})";
  const std::string pub = PostOk(body);
  const Struct answer = Parse(pub);
  // 300 : 100 of 100,000 cents; ATF's withheld caseload is left out (its
  // restricted 50 would have changed every share), the district is no
  // agency.
  EXPECT_EQ(Cents(answer), "agency:DEA=75000 agency:FBI=25000") << pub;
  EXPECT_EQ(LeftOut(answer), "agency:ATF");
  EXPECT_EQ(answer.fields().at("basis").string_value(), "CASELOAD");
  EXPECT_EQ(answer.fields().at("view").string_value(), "public");
  EXPECT_EQ(answer.fields().at("totalUsd").number_value(), 1000);
  EXPECT_EQ(pub.find("999"), std::string::npos) << pub;
  for (const std::string& token : {kOigToken, kDeaToken, kUsscToken}) {
    const std::string got = PostOk(body, token);
    EXPECT_TRUE(Same(got, pub)) << token << ": " << got;
  }
  // gRPC: the same answer, overseer or not.
  for (const std::string& token : {kOigToken, std::string()}) {
    grpc::ClientContext ctx;
    if (!token.empty()) ctx.AddMetadata("authorization", "Bearer " + token);
    v1::WhatIfRequest req;
    req.set_period("FY2016");
    req.set_total_usd(1000);
    req.set_basis(v1::WHAT_IF_BASIS_CASELOAD);
    v1::WhatIfResponse res;
    const grpc::Status st = stub_->WhatIf(&ctx, req, &res);
    ASSERT_TRUE(st.ok()) << st.error_message();
    EXPECT_TRUE(Same(WhatIfJson(res), pub)) << WhatIfJson(res);
  }
  // Nothing restricted was read, so nothing was recorded.
  EXPECT_TRUE(trail_.entries().empty());
}

TEST_F(WhatIfApiTest, EachBasisAndTheActualBudgetBesideIt) {
  Struct a = Parse(
      PostOk(R"({"period":"FY2016","totalUsd":1,"basis":"WEIGHTED_VALUE"})"));
  // 2585 : 1416 of 100 cents: 64.6 and 35.4, the odd cent to the larger
  // remainder.
  EXPECT_EQ(Cents(a), "agency:DEA=65 agency:FBI=35");
  a = Parse(PostOk(R"({"period":"FY2016","totalUsd":1,"basis":"HIGH_DESERT"})",
                   kOigToken));
  EXPECT_EQ(Cents(a), "agency:DEA=50 agency:FBI=50");
  const auto& list = a.fields().at("allocations").list_value();
  EXPECT_EQ(
      list.values(0).struct_value().fields().at("basisValue").number_value(),
      100);
  EXPECT_EQ(
      list.values(0).struct_value().fields().at("budgetUsd").number_value(),
      2500000000);
  EXPECT_EQ(list.values(1).struct_value().fields().at("budgetUsd").kind_case(),
            Value::kNullValue);
  // $1e12 in exact cents.
  a = Parse(PostOk(
      R"({"period":"FY2016","totalUsd":1000000000000,"basis":"CASELOAD"})"));
  EXPECT_EQ(Cents(a), "agency:DEA=75000000000000 agency:FBI=25000000000000");
}

TEST_F(WhatIfApiTest, CutsSavePerAgencyAndNationallyFromThePublicView) {
  for (const std::string cut : {"lnfAdmissionsCutPct", "lnfSentenceCutPct"}) {
    const std::string body = StrCat(R"({"period":"FY2016",")", cut, R"(":50})");
    const std::string raw = PostOk(body, kOigToken);
    EXPECT_TRUE(Same(PostOk(body), raw)) << raw;
    const Struct a = Parse(raw);
    EXPECT_EQ(a.fields().at(cut).number_value(), 50);
    const auto& units = a.fields().at("units").list_value();
    ASSERT_EQ(units.values_size(), 2) << raw;
    const auto& dea = units.values(0).struct_value().fields();
    EXPECT_EQ(dea.at("unit").string_value(), "agency:DEA");
    EXPECT_EQ(dea.at("prisonYearsSaved").number_value(), 600);
    EXPECT_EQ(dea.at("usdSaved").number_value(), 600.0 * 36299);
    const auto& national = a.fields().at("national").struct_value().fields();
    EXPECT_EQ(national.at("unit").string_value(), "national:US");
    EXPECT_EQ(national.at("prisonYearsSaved").number_value(), 2000);
    EXPECT_EQ(LeftOut(a), "agency:ATF");
    EXPECT_EQ(raw.find("7777"), std::string::npos) << raw;
    EXPECT_EQ(raw.find("999"), std::string::npos) << raw;
  }
  // A withheld national:US is left out too.
  v1::Scorecard national = Card("national:US", true);
  Withhold(&national, "lnf_prison_years");
  Withhold(&national, "lnf_cost_usd");
  FeedCards({national});
  const Struct a =
      Parse(PostOk(R"({"period":"FY2016","lnfSentenceCutPct":10})"));
  EXPECT_EQ(a.fields().at("national").kind_case(), Value::kNullValue);
  EXPECT_EQ(LeftOut(a), "agency:ATF national:US");
}

TEST_F(WhatIfApiTest, EveryBadRequestIs400NamingTheField) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"", "body: "},
      {"[]", "body: "},
      {R"({"totalUsd":5,"basis":"CASELOAD"})", "period: required"},
      {R"({"period":"FY2016Q1","totalUsd":5,"basis":"CASELOAD"})", "period: "},
      // A well-formed period without public agency scorecards.
      {R"({"period":"FY2031","totalUsd":5,"basis":"CASELOAD"})",
       "period: the public view has no agency scorecards for FY2031"},
      {R"({"period":"FY2016","totalUsd":0,"basis":"CASELOAD"})", "totalUsd: "},
      {R"({"period":"FY2016","totalUsd":2.5,"basis":"CASELOAD"})",
       "totalUsd: "},
      {R"({"period":"FY2016","totalUsd":1000000000001,"basis":"CASELOAD"})",
       "totalUsd: "},
      {R"({"period":"FY2016","totalUsd":5,"basis":"VOLUME"})", "basis: "},
      {R"({"period":"FY2016","totalUsd":5})", "basis: required"},
      {R"({"period":"FY2016","lnfAdmissionsCutPct":101})",
       "lnfAdmissionsCutPct: "},
      {R"({"period":"FY2016","lnfSentenceCutPct":-0.5})",
       "lnfSentenceCutPct: "},
      {R"({"period":"FY2016","lnfAdmissionsCutPct":5,"lnfSentenceCutPct":5})",
       "lnfSentenceCutPct: "},
      {R"({"period":"FY2016"})", "totalUsd: required"},
      {R"({"period":"FY2016","basis":"CASELOAD","lnfAdmissionsCutPct":5})",
       "basis: not with a cut"},
      {R"({"period":"FY2016","totalUsd":5,"basis":"CASELOAD","extra":1})",
       "extra: not a field"},
  };
  for (const auto& [body, want] : cases) {
    const std::string message = PostError(body, 400, "INVALID_ARGUMENT");
    EXPECT_EQ(message.rfind(want, 0), 0u) << body << " -> " << message;
  }
  // The same rules over gRPC.
  grpc::ClientContext ctx;
  v1::WhatIfRequest req;
  req.set_period("FY2016");
  req.set_lnf_admissions_cut_pct(120);
  v1::WhatIfResponse res;
  const grpc::Status st = stub_->WhatIf(&ctx, req, &res);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(st.error_message().rfind("lnfAdmissionsCutPct: ", 0), 0u);
}

TEST_F(WhatIfApiTest, NothingUsableIs409) {
  // FY2015: the only agency's bases and LNF time are all withheld.
  v1::Scorecard atf = Card("agency:ATF", true, "FY2015");
  Withhold(&atf, "sentenced");
  Withhold(&atf, "lnf_prison_years");
  FeedCards({atf});
  std::string m =
      PostError(R"({"period":"FY2015","totalUsd":5,"basis":"CASELOAD"})", 409,
                "FAILED_PRECONDITION");
  EXPECT_EQ(m.rfind("basis: no agency has a usable sentenced", 0), 0u) << m;
  m = PostError(R"({"period":"FY2015","lnfSentenceCutPct":5})", 409,
                "FAILED_PRECONDITION");
  EXPECT_EQ(m.rfind("period: ", 0), 0u) << m;
}

TEST_F(WhatIfApiTest, OnlyPostHereAndPostNowhereElse) {
  for (const std::string method : {"GET", "HEAD"}) {
    auto res = Send(method, kPath, "", "");
    ASSERT_TRUE(res) << method;
    EXPECT_EQ(res->status, 405) << method;
    EXPECT_EQ(res->get_header_value("Allow"), "POST") << method;
  }
  for (const std::string path : {"/api/v1/scorecards?period=FY2016", "/",
                                 "/releases/FY2016/", "/api/v1/nothing"}) {
    auto res = Send("POST", path, "{}", "");
    ASSERT_TRUE(res) << path;
    EXPECT_EQ(res->status, 405) << path << ": " << res->body;
    EXPECT_EQ(res->get_header_value("Allow"), "GET, HEAD") << path;
  }
  httplib::Client client("127.0.0.1", http_->port());
  auto res = client.Put(kPath, "{}", "application/json");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 405);
}

TEST_F(WhatIfApiTest, BadTokenIs401AndAuditedBigBodyIs413) {
  PostError(R"({"period":"FY2016","lnfSentenceCutPct":5})", 401,
            "UNAUTHENTICATED", "forged");
  const auto entries = trail_.entries();
  ASSERT_EQ(entries.size(), 1u);
  EXPECT_EQ(entries[0].action, "POST /api/v1/whatif");
  auto res = Send("POST", kPath, std::string(70000, ' '), "");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 413);
}

// ---- GET /api/v1/budgets and OversightService.ListBudgetLines

v1::AgencyReport BudgetLine(const std::string& id, int64_t at,
                            const std::string& line_id,
                            const std::string& agency, int64_t amount,
                            const std::string& indicator, v1::CriterionOp op,
                            double bound) {
  v1::AgencyReport r;
  r.set_reporter("OIG");
  r.set_report_id(id);
  r.mutable_occurred_at()->set_seconds(at);
  v1::BudgetLine& b = *r.mutable_budget_line();
  b.set_line_id(line_id);
  b.set_agency(agency);
  b.set_fiscal_year(2016);
  b.set_amount_usd(amount);
  b.set_purpose("Purpose of " + line_id);
  v1::BudgetCriterion& c = *b.add_criteria();
  c.set_indicator(indicator);
  c.set_op(op);
  c.set_value(bound);
  return r;
}

// "lineId:met[criterion found/met]" of each line of an answer.
std::string Verdicts(const Struct& answer) {
  std::string out;
  for (const Value& v : answer.fields().at("lines").list_value().values()) {
    const auto& f = v.struct_value().fields();
    out += StrCat(out.empty() ? "" : " ", f.at("lineId").string_value(), ":",
                  f.at("met").bool_value() ? "met" : "unmet");
    for (const Value& c : f.at("criteria").list_value().values()) {
      const auto& g = c.struct_value().fields();
      const auto found = g.find("found");
      out += StrCat("[", g.at("indicator").string_value(), " ",
                    found == g.end() ? std::string("none")
                                     : StrCat(found->second.number_value()),
                    " ", g.at("met").bool_value() ? "met" : "unmet", "]");
    }
  }
  return out;
}

// The year's current lines, each criterion judged on the public view (DEA's
// public 300 sentenced, not its restricted 999; ATF's withheld caseload
// fails), an amendment replacing the line it amends, for every caller; the
// gRPC method answers the same; nothing is audited.
TEST_F(WhatIfApiTest, BudgetsAreTheYearsLinesJudgedOnThePublicView) {
  const auto at_least = v1::CRITERION_OP_AT_LEAST;
  const auto at_most = v1::CRITERION_OP_AT_MOST;
  FeedReports({
      BudgetLine("b", 200, "DEA-1", "DEA", 2000, "sentenced", at_least, 500),
      BudgetLine("a", 100, "DEA-1", "DEA", 1000, "sentenced", at_most, 500),
      BudgetLine("c", 100, "ATF-1", "ATF", 3000, "sentenced", at_most, 1e9),
      BudgetLine("d", 100, "FBI-1", "FBI", 4000, "sentenced", at_most, 100),
  });
  auto res = Send("GET", "/api/v1/budgets?period=FY2016", "", "");
  ASSERT_TRUE(res);
  ASSERT_EQ(res->status, 200) << res->body;
  const std::string pub = res->body;
  const Struct answer = Parse(pub);
  EXPECT_EQ(Verdicts(answer),
            "ATF-1:unmet[sentenced none unmet] "
            "DEA-1:unmet[sentenced 300 unmet] "
            "FBI-1:met[sentenced 100 met]")
      << pub;
  const auto& dea = answer.fields()
                        .at("lines")
                        .list_value()
                        .values(1)
                        .struct_value()
                        .fields();
  EXPECT_EQ(dea.at("amountUsd").number_value(), 2000);
  EXPECT_EQ(dea.at("fiscalYear").number_value(), 2016);
  EXPECT_EQ(dea.at("agency").string_value(), "DEA");
  EXPECT_EQ(dea.at("purpose").string_value(), "Purpose of DEA-1");
  EXPECT_EQ(dea.at("agencyBudgetUsd").number_value(), 2500000000);
  EXPECT_EQ(pub.find("999"), std::string::npos) << pub;
  for (const std::string& token : {kOigToken, kDeaToken, kUsscToken}) {
    auto got = Send("GET", "/api/v1/budgets?period=FY2016", "", token);
    ASSERT_TRUE(got);
    EXPECT_TRUE(Same(got->body, pub)) << token << ": " << got->body;
  }
  auto one = Send("GET", "/api/v1/budgets?period=FY2016&agency=FBI", "", "");
  ASSERT_TRUE(one);
  EXPECT_EQ(Verdicts(Parse(one->body)), "FBI-1:met[sentenced 100 met]");
  grpc::ClientContext ctx;
  ctx.AddMetadata("authorization", "Bearer " + kOigToken);
  v1::ListBudgetLinesRequest req;
  req.set_period("FY2016");
  v1::ListBudgetLinesResponse lines;
  const grpc::Status st = stub_->ListBudgetLines(&ctx, req, &lines);
  ASSERT_TRUE(st.ok()) << st.error_message();
  EXPECT_TRUE(Same(BudgetLinesJson(lines), pub)) << BudgetLinesJson(lines);
  EXPECT_TRUE(trail_.entries().empty());
}

TEST_F(WhatIfApiTest, EveryBadBudgetsQueryIs400NamingTheParameter) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"/api/v1/budgets", "period: "},
      {"/api/v1/budgets?period=FY2016Q1", "period: "},
      {"/api/v1/budgets?period=2016", "period: "},
      {"/api/v1/budgets?period=FY2016&agency=agency:DEA", "agency: "},
  };
  for (const auto& [path, prefix] : cases) {
    auto res = Send("GET", path, "", "");
    ASSERT_TRUE(res) << path;
    EXPECT_EQ(res->status, 400) << path << ": " << res->body;
    const Struct answer = Parse(res->body);
    const auto& error = answer.fields().at("error").struct_value().fields();
    EXPECT_EQ(error.at("code").string_value(), "INVALID_ARGUMENT");
    EXPECT_EQ(error.at("message").string_value().substr(0, prefix.size()),
              prefix)
        << path << ": " << res->body;
  }
  grpc::ClientContext ctx;
  v1::ListBudgetLinesRequest req;
  req.set_period("FY2016Q2");
  v1::ListBudgetLinesResponse lines;
  const grpc::Status st = stub_->ListBudgetLines(&ctx, req, &lines);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(st.error_message().substr(0, 8), "period: ");
  auto bad = Send("GET", "/api/v1/budgets?period=FY2016", "", "not-a-token");
  ASSERT_TRUE(bad);
  EXPECT_EQ(bad->status, 401);
}

}  // namespace
}  // namespace fruition::gateway
