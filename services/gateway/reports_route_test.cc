// POST /api/v1/reports (report_forward.h, SPEC §11): the gateway's HTTP API
// in-process on a free port, forwarding to a fake intake — a gRPC
// IntakeService of this test's own that records what reached it (the
// reports and the authorization metadata) and answers as the case says.
// No Kafka: the gateway never writes reports itself.
#include <grpcpp/grpcpp.h>
#include <httplib.h>

#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "fruition/v1/intake.grpc.pb.h"
#include "fruition/v1/reports.pb.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"
#include "gtest/gtest.h"
#include "services/common/audit/trail.h"
#include "services/common/auth/principals.h"
#include "services/common/privacy/pseudonymizer.h"
#include "services/common/store/kv.h"
#include "services/common/strings.h"
#include "services/gateway/http.h"
#include "services/gateway/intake_client.h"
#include "services/gateway/server.h"
#include "services/gateway/views.h"
#include "tests/harness/fixtures.h"

namespace fruition::gateway {
namespace {

using google::protobuf::Struct;

const std::string kOigToken = "oig-route-token";
const std::string kDeaToken = "dea-route-token";

const char kAnswer[] =
    R"({"reportId":"DEA-R-1","reporter":"DEA","occurredAt":"2026-11-02T15:00:00Z",)"
    R"("agencyResponse":{"conditionKey":"FRUITION_GAP/agency:DEA/FY2016",)"
    R"("explanation":"Couriers were charged first.","correctiveAction":"Claims re-assessed."}})";
const char kDecision[] =
    R"({"reportId":"OIG-D-1","reporter":"OIG","occurredAt":"2026-12-01T15:00:00Z",)"
    R"("oversightDecision":{"conditionKey":"FRUITION_GAP/agency:DEA/FY2016",)"
    R"("decision":"DECISION_ACCEPTED","note":"Thank you."}})";

// A fake intake: records each Submit, answers with `status` (and trailing
// `retry-after-ms` when set) or else one result of `code` per report.
class FakeIntake : public v1::IntakeService::Service {
 public:
  grpc::Status Submit(grpc::ServerContext* context,
                      const v1::SubmitRequest* request,
                      v1::SubmitResponse* response) override {
    std::lock_guard<std::mutex> lock(mu);
    const auto& md = context->client_metadata();
    const auto it = md.find("authorization");
    authorizations.push_back(
        it == md.end() ? ""
                       : std::string(it->second.data(), it->second.size()));
    for (const auto& r : request->reports()) reports.push_back(r);
    if (!call_retry_after_ms.empty()) {
      context->AddTrailingMetadata("retry-after-ms", call_retry_after_ms);
    }
    if (!status.ok()) return status;
    for (const auto& r : request->reports()) {
      v1::ReportResult* result = response->add_results();
      result->set_report_id(r.report_id());
      result->set_code(code);
      result->set_code_name(code_name);
      result->set_field(field);
      result->set_message(code == 0 ? "" : StrCat(field, ": refused"));
      result->set_duplicate(duplicate);
      result->set_retry_after_ms(retry_after_ms);
    }
    return grpc::Status::OK;
  }

  std::mutex mu;
  std::vector<std::string> authorizations;
  std::vector<v1::AgencyReport> reports;
  grpc::Status status = grpc::Status::OK;
  std::string call_retry_after_ms;
  int code = 0;
  std::string code_name = "OK";
  std::string field;
  bool duplicate = false;
  int64_t retry_after_ms = 0;
};

class ReportsRouteTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fixtures::FreshDir("reports-route");
    auto store = store::KvStore::Open(dir_, Tables());
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = std::move(*store);
    views_ = std::make_unique<Views>(
        store_.get(), ViewTopics{"pub", "res", "scores", "scores-pub", "ref"});
    auto principals = auth::PrincipalRegistry::FromYaml(
        StrCat("principals:\n  - code: OIG\n    kind: OVERSEER\n"
               "    token_sha256: ",
               privacy::Sha256Hex(kOigToken),
               "\n  - code: DEA\n    kind: AGENCY\n    token_sha256: ",
               privacy::Sha256Hex(kDeaToken), "\n"),
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
                             &intake_port_);
    builder.RegisterService(&intake_);
    intake_server_ = builder.BuildAndStart();
    ASSERT_NE(intake_server_, nullptr);
  }

  void TearDown() override {
    if (http_ != nullptr) http_->Stop();
    if (intake_server_ != nullptr) intake_server_->Shutdown();
  }

  // Points the route at the fake intake (or at `address`).
  void Connect(const std::string& address = "") {
    IntakeOptions o;
    o.address = address.empty() ? StrCat("127.0.0.1:", intake_port_) : address;
    o.deadline = std::chrono::milliseconds(5000);
    auto client = IntakeClient::Create(o);
    ASSERT_TRUE(client.ok()) << client.status();
    http_->ConnectIntake(std::move(*client));
  }

  httplib::Result Post(const std::string& body, const std::string& token,
                       const std::string& type = "application/json",
                       const std::string& path = "/api/v1/reports") {
    httplib::Client client("127.0.0.1", http_->port());
    httplib::Headers headers;
    if (!token.empty()) headers.emplace("Authorization", "Bearer " + token);
    return client.Post(path, headers, body, type);
  }

  httplib::Result Get(const std::string& path, const std::string& token = "") {
    httplib::Client client("127.0.0.1", http_->port());
    httplib::Headers headers;
    if (!token.empty()) headers.emplace("Authorization", "Bearer " + token);
    return client.Get(path, headers);
  }

  static Struct Json(const std::string& text) {
    Struct s;
    EXPECT_TRUE(google::protobuf::util::JsonStringToMessage(text, &s).ok())
        << text;
    return s;
  }
  static std::string ErrorField(const std::string& body,
                                const std::string& name) {
    const Struct s = Json(body);
    const auto e = s.fields().find("error");
    if (e == s.fields().end()) return "<no error>";
    const auto& f = e->second.struct_value().fields();
    const auto it = f.find(name);
    return it == f.end() ? "" : it->second.string_value();
  }

  size_t Forwarded() {
    std::lock_guard<std::mutex> lock(intake_.mu);
    return intake_.reports.size();
  }

  std::string dir_;
  std::unique_ptr<store::KvStore> store_;
  std::unique_ptr<Views> views_;
  std::unique_ptr<auth::PrincipalRegistry> principals_;
  std::atomic<bool> draining_{false};
  audit::MemoryTrail trail_;
  std::unique_ptr<OversightServiceImpl> service_;
  std::unique_ptr<HttpApi> http_;
  FakeIntake intake_;
  int intake_port_ = 0;
  std::unique_ptr<grpc::Server> intake_server_;
};

TEST_F(ReportsRouteTest, ForwardsTheCallersOwnTokenAndTheReportAsSent) {
  Connect();
  auto res = Post(kAnswer, kDeaToken);
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200) << res->body;
  EXPECT_EQ(res->get_header_value("Content-Type"), "application/json");
  const Struct body = Json(res->body);
  EXPECT_EQ(body.fields().at("reportId").string_value(), "DEA-R-1");
  EXPECT_FALSE(body.fields().at("duplicate").bool_value());

  intake_.duplicate = true;
  res = Post(kDecision, kOigToken);
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200) << res->body;
  EXPECT_TRUE(Json(res->body).fields().at("duplicate").bool_value());

  std::lock_guard<std::mutex> lock(intake_.mu);
  ASSERT_EQ(intake_.reports.size(), 2u);
  EXPECT_EQ(intake_.authorizations[0], "Bearer " + kDeaToken);
  EXPECT_EQ(intake_.authorizations[1], "Bearer " + kOigToken);
  v1::AgencyReport want;
  ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(kAnswer, &want).ok());
  EXPECT_EQ(intake_.reports[0].SerializeAsString(), want.SerializeAsString());
  EXPECT_EQ(intake_.reports[1].oversight_decision().decision(),
            v1::DECISION_ACCEPTED);
  EXPECT_EQ(intake_.reports[1].oversight_decision().note(), "Thank you.");
}

TEST_F(ReportsRouteTest, EveryResultCodeOfIntakeMapsToItsHttpStatus) {
  Connect();
  struct Case {
    int code;
    std::string name, field;
    int64_t retry_ms;
    int http;
    std::string retry_after;  // "" none
  };
  const std::vector<Case> cases = {
      {3, "INVALID_ARGUMENT", "agency_response.explanation", 0, 400, ""},
      {7, "PERMISSION_DENIED", "agency_response.condition_key", 0, 403, ""},
      {7, "PERMISSION_DENIED", "oversight_decision", 0, 403, ""},
      {6, "ALREADY_EXISTS", "", 0, 409, ""},
      {16, "UNAUTHENTICATED", "", 0, 401, ""},
      {8, "RESOURCE_EXHAUSTED", "", 1500, 429, "2"},
      {14, "UNAVAILABLE", "", 0, 503, "1"},
      {13, "INTERNAL", "", 0, 503, "1"},
  };
  for (const Case& c : cases) {
    intake_.code = c.code;
    intake_.code_name = c.name;
    intake_.field = c.field;
    intake_.retry_after_ms = c.retry_ms;
    auto res = Post(kAnswer, kDeaToken);
    ASSERT_TRUE(res) << c.name;
    EXPECT_EQ(res->status, c.http) << c.name << ": " << res->body;
    EXPECT_EQ(res->get_header_value("Retry-After"), c.retry_after) << c.name;
    EXPECT_EQ(ErrorField(res->body, "field"), c.field) << res->body;
    if (!c.field.empty()) {
      EXPECT_NE(ErrorField(res->body, "message").find(c.field),
                std::string::npos)
          << res->body;
    }
    // The restricted text never comes back in an error.
    EXPECT_EQ(res->body.find("Couriers were charged"), std::string::npos);
  }
  EXPECT_EQ(Forwarded(), cases.size());
}

TEST_F(ReportsRouteTest, RefusedCallsMapWithIntakesRetryHint) {
  Connect();
  struct Case {
    grpc::StatusCode code;
    std::string hint_ms;
    int http;
    std::string retry_after;
  };
  const std::vector<Case> cases = {
      {grpc::StatusCode::RESOURCE_EXHAUSTED, "3000", 429, "3"},
      {grpc::StatusCode::RESOURCE_EXHAUSTED, "", 429, "1"},
      {grpc::StatusCode::UNAVAILABLE, "2500", 503, "3"},
      {grpc::StatusCode::UNAUTHENTICATED, "", 401, ""},
      {grpc::StatusCode::PERMISSION_DENIED, "", 403, ""},
  };
  for (const Case& c : cases) {
    intake_.status = grpc::Status(c.code, "intake says no");
    intake_.call_retry_after_ms = c.hint_ms;
    auto res = Post(kAnswer, kDeaToken);
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, c.http) << res->body;
    EXPECT_EQ(res->get_header_value("Retry-After"), c.retry_after) << res->body;
    EXPECT_NE(ErrorField(res->body, "message").find("intake says no"),
              std::string::npos)
        << res->body;
  }
}

TEST_F(ReportsRouteTest, UnreachableIntakeIs503WithRetryAfter) {
  intake_server_->Shutdown();
  intake_server_.reset();
  Connect("127.0.0.1:1");  // nothing listens there
  auto res = Post(kAnswer, kDeaToken);
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 503) << res->body;
  EXPECT_EQ(ErrorField(res->body, "code"), "UNAVAILABLE");
  EXPECT_FALSE(res->get_header_value("Retry-After").empty());
  EXPECT_NE(res->body.find("same reportId"), std::string::npos) << res->body;
}

TEST_F(ReportsRouteTest, OtherBodiesAndBadJsonAreRefusedNamingTheField) {
  Connect();
  struct Case {
    std::string body, type;
    int http;
    std::string field;
  };
  const std::vector<Case> cases = {
      {R"({"reportId":"R","reporter":"DEA","occurredAt":"2026-01-01T00:00:00Z",)"
       R"("caseId":"C","arrest":{"arrestId":"A","subjectRef":"S","agency":"DEA"}})",
       "application/json", 400, "arrest"},
      {R"({"reportId":"R","reporter":"OIG","occurredAt":"2026-01-01T00:00:00Z",)"
       R"("budgetLine":{"lineId":"L","agency":"DEA","fiscalYear":2016}})",
       "application/json", 400, "budget_line"},
      {R"({"reportId":"R","reporter":"DEA"})", "application/json", 400, "body"},
      {"", "application/json", 400, "body"},
      {"not json", "application/json", 400, "body"},
      {R"({"reportId":"R","agencyResponse":{"conditionKey":"K","bogus":1}})",
       "application/json", 400, "body"},
      {kAnswer, "text/plain", 415, "Content-Type"},
  };
  for (const Case& c : cases) {
    auto res = Post(c.body, kDeaToken, c.type);
    ASSERT_TRUE(res) << c.body;
    EXPECT_EQ(res->status, c.http) << c.body << ": " << res->body;
    EXPECT_EQ(ErrorField(res->body, "field"), c.field) << res->body;
    EXPECT_NE(ErrorField(res->body, "message").find(c.field), std::string::npos)
        << res->body;
  }
  EXPECT_EQ(Forwarded(), 0u) << "a refused body reached intake";
  // A charset parameter is still JSON.
  auto res = Post(kAnswer, kDeaToken, "application/json; charset=utf-8");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200) << res->body;
}

TEST_F(ReportsRouteTest, AnonymousAndUnknownTokensAre401AndNothingIsSent) {
  Connect();
  auto res = Post(kAnswer, "");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 401) << res->body;
  EXPECT_EQ(ErrorField(res->body, "code"), "UNAUTHENTICATED");
  EXPECT_NE(res->body.find("Authorization"), std::string::npos) << res->body;
  res = Post(kAnswer, "no-such-token");
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 401) << res->body;
  EXPECT_EQ(Forwarded(), 0u);
  const auto entries = trail_.entries();
  ASSERT_EQ(entries.size(), 2u);
  EXPECT_EQ(entries[0].principal, "PUBLIC");
  EXPECT_EQ(entries[0].action, "POST /api/v1/reports");
}

TEST_F(ReportsRouteTest, UnconfiguredIs503AndWhoamiSaysSo) {
  auto who = Get("/api/v1/whoami", kDeaToken);
  ASSERT_TRUE(who);
  EXPECT_FALSE(Json(who->body).fields().at("acceptsReports").bool_value());
  auto res = Post(kAnswer, kDeaToken);
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 503) << res->body;
  EXPECT_NE(res->body.find("not configured"), std::string::npos) << res->body;
  EXPECT_TRUE(res->get_header_value("Retry-After").empty())
      << "retrying cannot help an unconfigured gateway";
  EXPECT_EQ(Forwarded(), 0u);

  Connect();
  who = Get("/api/v1/whoami", kDeaToken);
  ASSERT_TRUE(who);
  EXPECT_TRUE(Json(who->body).fields().at("acceptsReports").bool_value());
  res = Post(kAnswer, kDeaToken);
  ASSERT_TRUE(res);
  EXPECT_EQ(res->status, 200) << res->body;
}

TEST_F(ReportsRouteTest, EachPathTakesItsOwnMethods) {
  Connect();
  auto get = Get("/api/v1/reports", kDeaToken);
  ASSERT_TRUE(get);
  EXPECT_EQ(get->status, 405);
  EXPECT_EQ(get->get_header_value("Allow"), "POST");
  for (const std::string path :
       {"/api/v1/events", "/", "/api/v1/releases/FY2016"}) {
    auto res = Post(kAnswer, kDeaToken, "application/json", path);
    ASSERT_TRUE(res) << path;
    EXPECT_EQ(res->status, 405) << path << ": " << res->body;
    EXPECT_EQ(res->get_header_value("Allow"), "GET, HEAD") << path;
  }
  EXPECT_EQ(Forwarded(), 0u);
}

}  // namespace
}  // namespace fruition::gateway
