#include "tools/fruitctl/release.h"

#include <grpcpp/grpcpp.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "fruition/v1/releases.grpc.pb.h"
#include "gtest/gtest.h"
#include "services/release/release.h"

namespace fruition::fruitctl {
namespace {

namespace fs = std::filesystem;

v1::Scorecard Card(const std::string& unit, const std::string& period) {
  v1::Scorecard c;
  c.set_unit(unit);
  c.set_period(period);
  c.set_score_version("v1");
  c.set_criteria_version("v1");
  c.set_public_view(true);
  auto* i = c.add_indicators();
  i->set_name("lnf_share");
  i->set_value(0.25);
  i->set_n(40);
  i->set_defined(true);
  return c;
}

// A ReleaseService that answers with a real build of two cards, an error,
// or a build with one file's bytes changed on the way.
class FakeReleases final : public v1::ReleaseService::Service {
 public:
  grpc::Status GetRelease(grpc::ServerContext*,
                          const v1::GetReleaseRequest* request,
                          v1::Release* response) override {
    if (request->period() == "FY2015") {
      return grpc::Status(grpc::StatusCode::NOT_FOUND, "no card of FY2015");
    }
    release::Input in;
    in.period = request->period();
    in.topic = "fruition.scores.public.v1";
    in.offsets = {{0, 2}};
    asked.clear();
    for (const v1::ReleaseOffset& o : request->offsets()) {
      asked +=
          std::to_string(o.partition()) + ":" + std::to_string(o.next()) + " ";
    }
    if (request->offsets_size() > 0) {  // as of the offsets asked for
      in.offsets.clear();
      for (const v1::ReleaseOffset& o : request->offsets()) {
        in.offsets.push_back({o.partition(), o.next()});
      }
    }
    in.cards = {Card("district:EDPA", "FY2016"),
                Card("district:EDPA", "FY2016Q2")};
    auto files = release::Build(in);
    if (!files.ok()) {
      return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                          std::string(files.status().message()));
    }
    response->set_period(in.period);
    for (const release::File& f : *files) {
      auto* file = response->add_files();
      file->set_path(f.path);
      file->set_bytes(f.bytes);
      if (corrupt && f.path == "tables/district.csv") file->set_bytes("x");
    }
    return grpc::Status::OK;
  }
  bool corrupt = false;
  std::string asked;  // the offsets of the last request, "p:n "...
};

class ReleaseCommandTest : public ::testing::Test {
 protected:
  void SetUp() override {
    grpc::ServerBuilder builder;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(),
                             &port_);
    builder.RegisterService(&fake_);
    server_ = builder.BuildAndStart();
    ASSERT_NE(server_, nullptr);
    dir_ = std::string(std::getenv("TEST_TMPDIR")) + "/" +
           ::testing::UnitTest::GetInstance()->current_test_info()->name();
    fs::remove_all(dir_);
  }
  void TearDown() override { server_->Shutdown(); }

  int Run(std::vector<std::string> flags, const std::vector<std::string>& args,
          std::string* out) {
    std::vector<config::Spec> specs = {
        {"server", "", ""}, {"gateway", "", ""},  {"token", "", ""},
        {"tls-ca", "", ""}, {"tls-cert", "", ""}, {"tls-key", "", ""},
        {"period", "", ""}};
    for (auto& spec : ReleaseSpecs()) specs.push_back(std::move(spec));
    flags.push_back("--server=127.0.0.1:" + std::to_string(port_));
    auto settings = config::Settings::Load(
        flags, specs, [](const char*) -> const char* { return nullptr; });
    EXPECT_TRUE(settings.ok()) << settings.status();
    if (!settings.ok()) return -1;
    std::ostringstream o, e;
    auto code = RunReleaseCommand("release", *settings, args, o, e);
    *out = o.str() + e.str();
    return code.value_or(-1);
  }

  FakeReleases fake_;
  std::unique_ptr<grpc::Server> server_;
  int port_ = 0;
  std::string dir_;
};

TEST_F(ReleaseCommandTest, WritesTheFilesAndVerifiesThem) {
  std::string out;
  ASSERT_EQ(Run({"--period=FY2016", "--out=" + dir_}, {}, &out), 0) << out;
  EXPECT_NE(out.find("MANIFEST verified"), std::string::npos) << out;
  for (const char* f : {"MANIFEST", "index.html", "tables/district.csv",
                        "tables/district.json", "methodology.html"}) {
    EXPECT_TRUE(fs::exists(dir_ + "/" + f)) << f;
  }
  EXPECT_EQ(Run({}, {"verify", dir_}, &out), 0) << out;
}

TEST_F(ReleaseCommandTest, RefusesANonEmptyDirUnlessForced) {
  fs::create_directories(dir_);
  std::ofstream(dir_ + "/notes.txt") << "mine";
  std::string out;
  EXPECT_EQ(Run({"--period=FY2016", "--out=" + dir_}, {}, &out), 2) << out;
  EXPECT_NE(out.find("not empty"), std::string::npos) << out;
  EXPECT_FALSE(fs::exists(dir_ + "/MANIFEST"));
  // Forced, it writes; but verify then names the file nobody listed.
  EXPECT_EQ(Run({"--period=FY2016", "--out=" + dir_, "--force"}, {}, &out), 1)
      << out;
  EXPECT_NE(out.find("notes.txt: not listed"), std::string::npos) << out;
  fs::remove(dir_ + "/notes.txt");
  EXPECT_EQ(Run({}, {"verify", dir_}, &out), 0) << out;
}

TEST_F(ReleaseCommandTest, VerifyNamesAChangedOrMissingFile) {
  std::string out;
  ASSERT_EQ(Run({"--period=FY2016", "--out=" + dir_}, {}, &out), 0) << out;
  std::ofstream(dir_ + "/quality.csv", std::ios::app) << "x";
  EXPECT_EQ(Run({}, {"verify", dir_}, &out), 1);
  EXPECT_NE(out.find("quality.csv: SHA-256 differs"), std::string::npos) << out;
  fs::remove(dir_ + "/quality.csv");
  EXPECT_EQ(Run({}, {"verify", dir_}, &out), 1);
  EXPECT_NE(out.find("quality.csv: cannot be read"), std::string::npos) << out;
  EXPECT_EQ(Run({}, {"verify", dir_ + "/nothing"}, &out), 2) << out;
}

TEST_F(ReleaseCommandTest, AFileChangedInTransitFailsTheFetch) {
  fake_.corrupt = true;
  std::string out;
  EXPECT_EQ(Run({"--period=FY2016", "--out=" + dir_}, {}, &out), 1);
  EXPECT_NE(out.find("tables/district.csv"), std::string::npos) << out;
}

TEST_F(ReleaseCommandTest, AsOfAnEarlierManifestAsksForItsOffsets) {
  std::string out;
  ASSERT_EQ(
      Run({"--period=FY2016", "--out=" + dir_, "--offsets=1:7,0:5"}, {}, &out),
      0)
      << out;
  EXPECT_EQ(fake_.asked, "0:5 1:7 ");
  // --as-of reads them back from the release just written (its MANIFEST).
  ASSERT_EQ(
      Run({"--period=FY2016", "--out=" + dir_ + "-again", "--as-of=" + dir_},
          {}, &out),
      0)
      << out;
  EXPECT_EQ(fake_.asked, "0:5 1:7 ");
  ASSERT_EQ(Run({"--period=FY2016", "--out=" + dir_ + "-latest"}, {}, &out), 0)
      << out;
  EXPECT_EQ(fake_.asked, "");
  EXPECT_EQ(Run({"--period=FY2016", "--out=" + dir_ + "-x", "--offsets=0:x"},
                {}, &out),
            2);
  EXPECT_NE(out.find("offsets: '0:x'"), std::string::npos) << out;
  EXPECT_EQ(Run({"--period=FY2016", "--out=" + dir_ + "-x", "--offsets=0:1",
                 "--as-of=" + dir_},
                {}, &out),
            2);
  EXPECT_EQ(Run({"--period=FY2016", "--out=" + dir_ + "-x",
                 "--as-of=" + dir_ + "/index.html"},
                {}, &out),
            2);
  EXPECT_NE(out.find("no '# source:"), std::string::npos) << out;
}

TEST_F(ReleaseCommandTest, ErrorsOfTheGatewayAndOfUsage) {
  std::string out;
  EXPECT_EQ(Run({"--period=FY2015", "--out=" + dir_}, {}, &out), 1) << out;
  EXPECT_EQ(Run({"--period=FY16", "--out=" + dir_}, {}, &out), 2) << out;
  EXPECT_NE(out.find("period"), std::string::npos) << out;
  EXPECT_EQ(Run({"--period=FY2016"}, {}, &out), 2) << out;
  EXPECT_EQ(Run({}, {"nonsense"}, &out), 2) << out;
}

}  // namespace
}  // namespace fruition::fruitctl
