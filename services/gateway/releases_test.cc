// The gateway's releases (releases.h) over real RocksDB views and a real
// HTTP and gRPC server: the tar and the pages of a release, the errors, the
// cache per offsets, and that the restricted view never reaches a release.
#include "services/gateway/releases.h"

#include <grpcpp/grpcpp.h>
#include <httplib.h>

#include <atomic>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "fruition/v1/releases.grpc.pb.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"
#include "google/protobuf/util/message_differencer.h"
#include "gtest/gtest.h"
#include "services/common/audit/trail.h"
#include "services/common/auth/principals.h"
#include "services/common/store/kv.h"
#include "services/common/stream/loop.h"
#include "services/common/topics.h"
#include "services/gateway/http.h"
#include "services/gateway/json.h"
#include "services/gateway/server.h"
#include "services/gateway/views.h"
#include "services/release/tar.h"
#include "tests/harness/fixtures.h"

namespace fruition::gateway {
namespace {

const std::string kScores(topics::kScores);
const std::string kScoresPublic(topics::kScoresPublic);

void Add(v1::Scorecard* c, const std::string& name, double value, int64_t n) {
  auto* i = c->add_indicators();
  i->set_name(name);
  i->set_value(value);
  i->set_n(n);
  i->set_defined(true);
}

// A unit-period's card; the restricted one carries a mean sentence of
// 77.77 months on 7 people, which its public view withholds.
v1::Scorecard Card(const std::string& unit, const std::string& period,
                   bool public_view, int64_t revision = 2) {
  v1::Scorecard c;
  c.set_unit(unit);
  c.set_period(period);
  c.set_score_version("v1");
  c.set_criteria_version("v1");
  c.set_scorecard_id("sc-" + unit + "-" + period);
  c.set_revision(revision);
  c.set_public_view(public_view);
  Add(&c, "arrests", static_cast<double>(410 + revision), 410 + revision);
  Add(&c, "sentenced", 118, 118);
  Add(&c, "lnf_share", 0.3125, 118);
  if (public_view) {
    auto* i = c.add_indicators();
    i->set_name("mean_sentence_months");
    i->set_suppressed(true);
  } else {
    Add(&c, "mean_sentence_months", 77.77, 7);
  }
  return c;
}

class ReleasesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto store = store::KvStore::Open(fixtures::FreshDir("releases"), Tables());
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = std::move(*store);
    views_ = std::make_unique<Views>(
        store_.get(), ViewTopics{std::string(topics::kOversightPublic),
                                 std::string(topics::kOversightRestricted),
                                 kScores, kScoresPublic});
    auto principals =
        auth::PrincipalRegistry::FromYaml("principals: []\n", "test");
    ASSERT_TRUE(principals.ok()) << principals.status();
    principals_ = std::make_unique<auth::PrincipalRegistry>(*principals);
    service_ = std::make_unique<OversightServiceImpl>(
        views_.get(), principals_.get(), &trail_, &draining_);
    releases_ =
        std::make_unique<ReleaseServiceImpl>(views_.get(), principals_.get());
    HttpOptions options;
    options.listen = "127.0.0.1:0";
    auto http =
        HttpApi::Start(options, service_.get(), views_.get(), principals_.get(),
                       &trail_, &draining_, nullptr, releases_.get());
    ASSERT_TRUE(http.ok()) << http.status();
    http_ = std::move(*http);
    client_ = std::make_unique<httplib::Client>("127.0.0.1", http_->port());
  }

  void TearDown() override {
    draining_ = true;
    if (http_ != nullptr) http_->Stop();
  }

  // Both views of each unit-period, through the views' own Apply.
  void Feed(const std::vector<std::pair<std::string, std::string>>& ups,
            int64_t revision = 2) {
    std::vector<kafka::Record> batch;
    for (const auto& [unit, period] : ups) {
      for (bool pub : {false, true}) {
        kafka::Record r;
        r.topic = pub ? kScoresPublic : kScores;
        r.partition = 0;
        r.offset = next_[r.topic]++;
        r.value = Card(unit, period, pub, revision).SerializeAsString();
        batch.push_back(std::move(r));
      }
    }
    stream::Applied applied;
    const absl::Status s =
        stream::ApplyAndCommit(*views_, *store_, batch, {}, {}, &applied);
    ASSERT_TRUE(s.ok()) << s;
  }

  void FeedYear() {
    Feed({{"national:US", "FY2016"},
          {"district:EDPA", "FY2016"},
          {"district:EDPA", "FY2016Q1"},
          {"district:SDNY", "FY2016"},
          {"agency:DEA", "FY2016"},
          {"district:EDPA", "FY2017"}});
  }

  std::unique_ptr<store::KvStore> store_;
  std::unique_ptr<Views> views_;
  std::unique_ptr<auth::PrincipalRegistry> principals_;
  audit::MemoryTrail trail_;
  std::atomic<bool> draining_{false};
  std::unique_ptr<OversightServiceImpl> service_;
  std::unique_ptr<ReleaseServiceImpl> releases_;
  std::unique_ptr<HttpApi> http_;
  std::unique_ptr<httplib::Client> client_;
  std::map<std::string, int64_t> next_;
};

TEST_F(ReleasesTest, ServesTheTarOfThePublicCardsOfTheYear) {
  FeedYear();
  auto res = client_->Get("/api/v1/releases/FY2016");
  ASSERT_TRUE(res);
  ASSERT_EQ(res->status, 200) << res->body;
  EXPECT_EQ(res->get_header_value("Content-Type"), "application/x-tar");
  EXPECT_EQ(res->get_header_value("Content-Disposition"),
            "attachment; filename=\"fruition-FY2016.tar\"");
  // The release of exactly the public cards of FY2016 and its quarters,
  // as the views hold them, at the offsets the views stored.
  auto input = GatherReleaseInput(*views_, "FY2016");
  ASSERT_TRUE(input.ok()) << input.status();
  EXPECT_EQ(input->cards.size(), 5u);
  ASSERT_EQ(input->offsets.size(), 1u);
  EXPECT_EQ(input->offsets[0].next, 6);
  auto files = release::Build(*input);
  ASSERT_TRUE(files.ok()) << files.status();
  EXPECT_EQ(res->body, *release::Tar("fruition-FY2016", *files));
  // The restricted view never reaches a release.
  EXPECT_EQ(res->body.find("77.77"), std::string::npos);
  EXPECT_EQ(res->body.find("FY2017"), std::string::npos);
  EXPECT_NE(res->body.find("{\"suppressed\":true}"), std::string::npos);
}

TEST_F(ReleasesTest, ServesItsPagesWithTheirTypes) {
  FeedYear();
  const std::map<std::string, std::string> types = {
      {"/releases/FY2016/", "text/html; charset=utf-8"},
      {"/releases/FY2016/methodology.html", "text/html; charset=utf-8"},
      {"/releases/FY2016/report.css", "text/css; charset=utf-8"},
      {"/releases/FY2016/tables/district.csv", "text/csv; charset=utf-8"},
      {"/releases/FY2016/tables/district.json", "application/json"},
      {"/releases/FY2016/MANIFEST", "text/plain; charset=utf-8"},
  };
  for (const auto& [path, type] : types) {
    auto res = client_->Get(path);
    ASSERT_TRUE(res) << path;
    EXPECT_EQ(res->status, 200) << path << ": " << res->body;
    EXPECT_EQ(res->get_header_value("Content-Type"), type) << path;
  }
  auto index = client_->Get("/releases/FY2016/");
  EXPECT_NE(index->body.find("<h1>Fruition release FY2016</h1>"),
            std::string::npos);
  auto missing = client_->Get("/releases/FY2016/nothing.csv");
  EXPECT_EQ(missing->status, 404);
}

TEST_F(ReleasesTest, RefusesABadPeriodAndAnEmptyOne) {
  FeedYear();
  for (const char* path : {"/api/v1/releases/2016", "/api/v1/releases/FY2016Q1",
                           "/releases/FY16/", "/api/v1/releases/"}) {
    auto res = client_->Get(path);
    ASSERT_TRUE(res) << path;
    EXPECT_EQ(res->status, 400) << path;
    EXPECT_NE(res->body.find("period"), std::string::npos) << res->body;
  }
  auto none = client_->Get("/api/v1/releases/FY2015");
  EXPECT_EQ(none->status, 404) << none->body;
}

TEST_F(ReleasesTest, BuildsOncePerOffsetsAndAnewAfterANewCard) {
  FeedYear();
  auto first = client_->Get("/api/v1/releases/FY2016");
  for (int i = 0; i < 5; ++i) {
    auto again = client_->Get(i % 2 ? "/api/v1/releases/FY2016"
                                    : "/releases/FY2016/index.html");
    ASSERT_TRUE(again);
    EXPECT_EQ(again->status, 200);
  }
  EXPECT_EQ(releases_->builds(), 1);
  Feed({{"district:WDTX", "FY2016Q3"}});
  auto after = client_->Get("/api/v1/releases/FY2016");
  EXPECT_EQ(releases_->builds(), 2);
  EXPECT_NE(after->body, first->body);
  EXPECT_NE(after->body.find("district:WDTX"), std::string::npos);
}

// A release cited later can be rebuilt from the offsets of its MANIFEST
// however many cards arrived since: byte for byte the same.
TEST_F(ReleasesTest, AsOfItsRecordedOffsetsARebuildIsByteIdentical) {
  FeedYear();
  auto first = client_->Get("/api/v1/releases/FY2016");
  ASSERT_TRUE(first);
  ASSERT_EQ(first->status, 200) << first->body;
  auto manifest = client_->Get("/releases/FY2016/MANIFEST");
  auto at = release::ManifestOffsets(manifest->body);
  ASSERT_TRUE(at.ok()) << at.status();
  // A new version of a card of the year, and a new unit.
  Feed({{"district:EDPA", "FY2016"}, {"district:WDTX", "FY2016Q3"}}, 3);
  auto latest = client_->Get("/api/v1/releases/FY2016");
  EXPECT_NE(latest->body, first->body);
  EXPECT_NE(latest->body.find("district:WDTX"), std::string::npos);
  // Read anew from the views (not the cache): the cards as of the offsets.
  auto input = GatherReleaseInput(*views_, "FY2016", *at);
  ASSERT_TRUE(input.ok()) << input.status();
  auto files = release::Build(*input);
  ASSERT_TRUE(files.ok()) << files.status();
  EXPECT_TRUE(*release::Tar("fruition-FY2016", *files) == first->body)
      << "the release as of 0:6 differs from the one built then";
  // And over HTTP, the same bytes.
  auto again = client_->Get("/api/v1/releases/FY2016?offsets=0:6");
  ASSERT_EQ(again->status, 200) << again->body;
  EXPECT_TRUE(again->body == first->body) << "over HTTP, as of 0:6";
  // Offsets this replica has not read up to: 503, retry.
  auto ahead = client_->Get("/api/v1/releases/FY2016?offsets=0:99");
  EXPECT_EQ(ahead->status, 503) << ahead->body;
  EXPECT_NE(ahead->body.find("offsets: this gateway has read partition 0"),
            std::string::npos)
      << ahead->body;
  auto bad = client_->Get("/api/v1/releases/FY2016?offsets=0-6");
  EXPECT_EQ(bad->status, 400) << bad->body;
  EXPECT_NE(bad->body.find("offsets: '0-6'"), std::string::npos) << bad->body;
  // Nothing read of partition 0: no card.
  auto none = client_->Get("/api/v1/releases/FY2016?offsets=0:0");
  EXPECT_EQ(none->status, 404) << none->body;
}

TEST_F(ReleasesTest, GrpcGetReleaseGivesTheSameFilesAndOffsets) {
  FeedYear();
  grpc::ServerBuilder builder;
  int port = 0;
  builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(),
                           &port);
  builder.RegisterService(releases_.get());
  auto server = builder.BuildAndStart();
  ASSERT_NE(server, nullptr);
  auto stub = v1::ReleaseService::NewStub(grpc::CreateChannel(
      "127.0.0.1:" + std::to_string(port), grpc::InsecureChannelCredentials()));
  grpc::ClientContext ctx;
  v1::GetReleaseRequest req;
  req.set_period("FY2016");
  v1::Release rel;
  grpc::Status st = stub->GetRelease(&ctx, req, &rel);
  ASSERT_TRUE(st.ok()) << st.error_message();
  auto built = releases_->Get("FY2016");
  ASSERT_TRUE(built.ok());
  ASSERT_EQ(rel.files_size(), static_cast<int>((*built)->files.size()));
  for (int i = 0; i < rel.files_size(); ++i) {
    EXPECT_EQ(rel.files(i).path(), (*built)->files[i].path);
    EXPECT_EQ(rel.files(i).bytes(), (*built)->files[i].bytes);
  }
  EXPECT_EQ(rel.topic(), kScoresPublic);
  ASSERT_EQ(rel.offsets_size(), 1);
  EXPECT_EQ(rel.offsets(0).next(), 6);
  grpc::ClientContext bad_ctx;
  req.set_period("FY16");
  st = stub->GetRelease(&bad_ctx, req, &rel);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_NE(st.error_message().find("period"), std::string::npos);
  server->Shutdown();
}

// The cards of tables/<kind>.json are those of GET /api/v1/scorecards: the
// same JSON values, cell for cell (SPEC §9; a withheld cell is
// {"suppressed":true} only).
TEST_F(ReleasesTest, TableJsonCardsAreTheHttpApisCards) {
  FeedYear();
  auto built = releases_->Get("FY2016");
  ASSERT_TRUE(built.ok()) << built.status();
  std::map<std::string, v1::Scorecard> cards;
  for (const v1::Scorecard& c : (*built)->input.cards) {
    cards[c.unit() + " " + c.period()] = c;
  }
  size_t compared = 0;
  for (const release::File& f : (*built)->files) {
    if (f.path.rfind("tables/", 0) != 0 ||
        f.path.find(".json") == std::string::npos) {
      continue;
    }
    google::protobuf::Struct table;
    ASSERT_TRUE(
        google::protobuf::util::JsonStringToMessage(f.bytes, &table).ok())
        << f.path;
    for (const auto& v :
         table.fields().at("scorecards").list_value().values()) {
      const auto& fields = v.struct_value().fields();
      const std::string key = fields.at("unit").string_value() + " " +
                              fields.at("period").string_value();
      google::protobuf::Struct api;
      ASSERT_TRUE(google::protobuf::util::JsonStringToMessage(
                      ScorecardJson(cards.at(key)), &api)
                      .ok());
      EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(
          v.struct_value(), api))
          << key << "\n"
          << ToJson(v.struct_value()) << "\n"
          << ToJson(api);
      ++compared;
    }
  }
  EXPECT_EQ(compared, 5u);
}

}  // namespace
}  // namespace fruition::gateway
