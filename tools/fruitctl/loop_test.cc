#include "tools/fruitctl/loop.h"

#include <grpcpp/grpcpp.h>

#include <mutex>
#include <sstream>

#include "fruition/v1/intake.grpc.pb.h"
#include "gtest/gtest.h"

namespace fruition::fruitctl {
namespace {

// A fake intake: records every report and answers each with `code_name`
// (and `field`), as intake's Stream does.
class FakeIntake : public v1::IntakeService::Service {
 public:
  grpc::Status Stream(
      grpc::ServerContext* context,
      grpc::ServerReaderWriter<v1::StreamResponse, v1::StreamRequest>* stream)
      override {
    {
      std::lock_guard<std::mutex> lock(mu);
      auto it = context->client_metadata().find("authorization");
      if (it != context->client_metadata().end()) {
        authorization = std::string(it->second.data(), it->second.size());
      }
    }
    v1::StreamRequest request;
    while (stream->Read(&request)) {
      v1::StreamResponse response;
      auto* r = response.mutable_result();
      r->set_report_id(request.report().report_id());
      r->set_code(code);
      r->set_code_name(code_name);
      r->set_field(field);
      r->set_message(code == 0 ? "accepted" : field + ": refused");
      {
        std::lock_guard<std::mutex> lock(mu);
        reports.push_back(request.report());
      }
      stream->Write(response);
    }
    return grpc::Status::OK;
  }

  std::mutex mu;
  std::vector<v1::AgencyReport> reports;
  std::string authorization;
  int code = 0;
  std::string code_name = "OK";
  std::string field;
};

class LoopTest : public ::testing::Test {
 protected:
  void SetUp() override {
    grpc::ServerBuilder builder;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(),
                             &port_);
    builder.RegisterService(&intake_);
    server_ = builder.BuildAndStart();
    ASSERT_NE(server_, nullptr);
  }
  void TearDown() override { server_->Shutdown(); }

  // fruitctl's own flags the loop commands use, and theirs.
  static std::vector<config::Spec> Specs() {
    std::vector<config::Spec> specs = {
        {"server", "", ""},   {"token", "", ""},   {"tls-ca", "", ""},
        {"tls-cert", "", ""}, {"tls-key", "", ""}, {"max-attempts", "2", ""},
        {"reporter", "", ""},
    };
    for (auto& s : LoopSpecs()) specs.push_back(std::move(s));
    return specs;
  }

  // Runs `fruitctl ARGS...` as main does for the loop commands.
  int Run(std::vector<std::string> args) {
    args.push_back("--server=127.0.0.1:" + std::to_string(port_));
    const std::vector<std::string> criteria = TakeRepeated(&args, "criterion");
    // No environment: FRUITION_* of the machine running the test must not
    // fill a flag a case leaves out.
    auto s = config::Settings::Load(
        args, Specs(), [](const char*) -> const char* { return nullptr; });
    EXPECT_TRUE(s.ok()) << s.status();
    if (!s.ok()) return -1;
    const auto& positional = s->positional();
    const std::vector<std::string> rest(positional.begin() + 1,
                                        positional.end());
    out_.str("");
    err_.str("");
    auto code = RunLoopCommand(positional[0], *s, rest, criteria, out_, err_);
    EXPECT_TRUE(code.has_value());
    return code.value_or(-1);
  }

  std::vector<v1::AgencyReport> Sent() {
    std::lock_guard<std::mutex> lock(intake_.mu);
    return intake_.reports;
  }

  FakeIntake intake_;
  std::unique_ptr<grpc::Server> server_;
  int port_ = 0;
  std::ostringstream out_, err_;
};

TEST_F(LoopTest, RespondSendsOneAnswerAsTheReporter) {
  ASSERT_EQ(Run({"respond", "--token=dea-token", "--reporter=DEA",
                 "--condition=FRUITION_GAP/agency:DEA/FY2016",
                 "--explanation=Couriers were charged first.",
                 "--corrective-action=Re-assess the claims."}),
            0)
      << err_.str();
  const auto sent = Sent();
  ASSERT_EQ(sent.size(), 1u);
  const v1::AgencyReport& r = sent[0];
  EXPECT_EQ(r.reporter(), "DEA");
  EXPECT_EQ(r.report_id().rfind("respond-", 0), 0u) << r.report_id();
  EXPECT_GT(r.occurred_at().seconds(), 1700000000);
  EXPECT_TRUE(r.case_id().empty());
  ASSERT_TRUE(r.has_agency_response());
  EXPECT_EQ(r.agency_response().condition_key(),
            "FRUITION_GAP/agency:DEA/FY2016");
  EXPECT_EQ(r.agency_response().explanation(), "Couriers were charged first.");
  EXPECT_EQ(r.agency_response().corrective_action(), "Re-assess the claims.");
  EXPECT_EQ(intake_.authorization, "Bearer dea-token");
  EXPECT_NE(out_.str().find("accepted: report_id " + r.report_id()),
            std::string::npos)
      << out_.str();
}

TEST_F(LoopTest, DecideMapsTheDecisionWords) {
  const std::vector<std::pair<std::string, v1::Decision>> words = {
      {"accepted", v1::DECISION_ACCEPTED},
      {"rejected", v1::DECISION_REJECTED},
      {"needs-more", v1::DECISION_NEEDS_MORE},
      {"NEEDS_MORE", v1::DECISION_NEEDS_MORE},
      {"DECISION_ACCEPTED", v1::DECISION_ACCEPTED}};
  for (const auto& [word, decision] : words) {
    ASSERT_EQ(Run({"decide", "--reporter=HAC", "--report-id=D-" + word,
                   "--occurred-at=2016-10-04T12:00:00Z",
                   "--condition=FRUITION_GAP/agency:DEA/FY2016",
                   "--decision=" + word, "--note=Explained."}),
              0)
        << word << ": " << err_.str();
    const v1::AgencyReport r = Sent().back();
    EXPECT_EQ(r.report_id(), "D-" + word);
    EXPECT_EQ(r.occurred_at().seconds(), 1475582400);
    EXPECT_EQ(r.oversight_decision().decision(), decision) << word;
    EXPECT_EQ(r.oversight_decision().note(), "Explained.");
  }
}

TEST_F(LoopTest, BudgetSetTakesEveryCriterionInOrder) {
  ASSERT_EQ(Run({"budget", "set", "--reporter=HAC", "--line-id=HAC-1",
                 "--agency=DEA", "--fiscal-year=FY2016",
                 "--amount-usd=2400000000", "--purpose=Cartel enforcement",
                 "--criterion", "lnf_share AT_MOST 0.30",
                 std::string("--criterion=target_ratio:") +
                     "PERFORMANCE_MEASURE_ARRESTS at_least 1",
                 "--criterion", "mean_desert >= 40.5"}),
            0)
      << err_.str();
  const auto sent = Sent();
  ASSERT_EQ(sent.size(), 1u);
  const v1::BudgetLine& b = sent[0].budget_line();
  EXPECT_EQ(sent[0].reporter(), "HAC");
  EXPECT_EQ(b.line_id(), "HAC-1");
  EXPECT_EQ(b.agency(), "DEA");
  EXPECT_EQ(b.fiscal_year(), 2016u);
  EXPECT_EQ(b.amount_usd(), 2400000000);
  EXPECT_EQ(b.purpose(), "Cartel enforcement");
  ASSERT_EQ(b.criteria_size(), 3);
  EXPECT_EQ(b.criteria(0).indicator(), "lnf_share");
  EXPECT_EQ(b.criteria(0).op(), v1::CRITERION_OP_AT_MOST);
  EXPECT_DOUBLE_EQ(b.criteria(0).value(), 0.30);
  EXPECT_EQ(b.criteria(1).indicator(),
            "target_ratio:PERFORMANCE_MEASURE_ARRESTS");
  EXPECT_EQ(b.criteria(1).op(), v1::CRITERION_OP_AT_LEAST);
  EXPECT_EQ(b.criteria(2).op(), v1::CRITERION_OP_AT_LEAST);
  EXPECT_DOUBLE_EQ(b.criteria(2).value(), 40.5);
}

// Bad flags: exit 2, the message names the flag, nothing is sent.
TEST_F(LoopTest, BadFlagsAreNamedAndNothingIsSent) {
  struct Case {
    std::vector<std::string> args;
    std::string flag;
  };
  const std::vector<std::string> line = {"budget",         "set",
                                         "--reporter=HAC", "--line-id=L",
                                         "--agency=DEA",   "--purpose=P"};
  auto budget = [&](std::vector<std::string> more) {
    std::vector<std::string> args = line;
    args.insert(args.end(), more.begin(), more.end());
    return args;
  };
  const std::vector<Case> cases = {
      {{"respond", "--reporter=DEA", "--explanation=x"}, "--condition"},
      {{"respond", "--reporter=DEA", "--condition=FRUITION_GAP/agency:DEA/F"},
       "--explanation"},
      {{"respond", "--condition=K", "--explanation=x"}, "--reporter"},
      {{"respond", "--reporter=DEA", "--condition=K", "--explanation=x",
        "--occurred-at=yesterday"},
       "--occurred-at"},
      {{"respond", "--reporter=DEA", "--condition=K", "--explanation=x",
        "--criterion=lnf_share AT_MOST 1"},
       "--criterion"},
      {{"decide", "--reporter=HAC", "--condition=K"}, "--decision"},
      {{"decide", "--reporter=HAC", "--condition=K", "--decision=maybe"},
       "--decision"},
      {budget({"--amount-usd=5"}), "--fiscal-year"},
      {budget({"--fiscal-year=2016a", "--amount-usd=5"}), "--fiscal-year"},
      {budget({"--fiscal-year=FY2016"}), "--amount-usd"},
      {budget({"--fiscal-year=FY2016", "--amount-usd=-5"}), "--amount-usd"},
      {budget({"--fiscal-year=FY2016", "--amount-usd=12.5"}), "--amount-usd"},
      {budget({"--fiscal-year=FY2016", "--amount-usd=1e9"}), "--amount-usd"},
      {budget({"--fiscal-year=FY2016", "--amount-usd=5",
               "--criterion=lnf_share ABOUT 0.3"}),
       "--criterion"},
      {budget({"--fiscal-year=FY2016", "--amount-usd=5",
               "--criterion=lnf_share AT_MOST"}),
       "--criterion"},
      {budget({"--fiscal-year=FY2016", "--amount-usd=5",
               "--criterion=lnf_share AT_MOST nan"}),
       "--criterion"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.flag + " " + c.args[0]);
    EXPECT_EQ(Run(c.args), 2);
    EXPECT_NE(err_.str().find(c.flag), std::string::npos) << err_.str();
  }
  EXPECT_EQ(Run({"budget", "show"}), 2);
  EXPECT_TRUE(Sent().empty());
}

// Intake's refusal is printed with the field it names; the exit code says
// what kind of refusal it was.
TEST_F(LoopTest, RefusalsKeepTheFieldAndMapToExitCodes) {
  const std::vector<std::string> args = {
      "respond", "--reporter=FBI", "--condition=FRUITION_GAP/agency:DEA/FY2016",
      "--explanation=x"};
  intake_.code = 7;
  intake_.code_name = "PERMISSION_DENIED";
  intake_.field = "agency_response.condition_key";
  EXPECT_EQ(Run(args), 3);
  EXPECT_NE(err_.str().find("PERMISSION_DENIED"), std::string::npos)
      << err_.str();
  EXPECT_NE(err_.str().find("agency_response.condition_key"), std::string::npos)
      << err_.str();
  intake_.code = 3;
  intake_.code_name = "INVALID_ARGUMENT";
  intake_.field = "agency_response.explanation";
  EXPECT_EQ(Run(args), 1);
  EXPECT_NE(err_.str().find("agency_response.explanation"), std::string::npos);
  EXPECT_EQ(Sent().size(), 2u);
}

TEST(LoopParseTest, TakeRepeatedKeepsEverythingElse) {
  std::vector<std::string> args = {"budget",
                                   "--criterion",
                                   "a AT_MOST 1",
                                   "--agency=DEA",
                                   "--criterion=b >= 2",
                                   "--",
                                   "--criterion",
                                   "c"};
  EXPECT_EQ(TakeRepeated(&args, "criterion"),
            (std::vector<std::string>{"a AT_MOST 1", "b >= 2"}));
  EXPECT_EQ(args, (std::vector<std::string>{"budget", "--agency=DEA", "--",
                                            "--criterion", "c"}));
}

TEST(LoopParseTest, FiscalYears) {
  EXPECT_EQ(*ParseFiscalYear("FY2016"), 2016u);
  EXPECT_EQ(*ParseFiscalYear("2016"), 2016u);
  EXPECT_FALSE(ParseFiscalYear("FY16").ok());
  EXPECT_FALSE(ParseFiscalYear("FY2016Q1").ok());
}

}  // namespace
}  // namespace fruition::fruitctl
