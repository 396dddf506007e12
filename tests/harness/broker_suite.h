// The set-up every integration test suite on the shared Kafka broker
// repeats: find the broker once per suite, make the suite's topics exist,
// and skip every test with the reason when Kafka is unavailable here.
//
//   class ScoringIntegrationTest
//       : public testing::BrokerSuite<ScoringIntegrationTest> {
//    protected:
//     static void SetUpTestSuite() { SetUpBroker(testing::TopicSpecs(...)); }
//     void SetUp() override {
//       BrokerSuite::SetUp();
//       if (IsSkipped()) return;
//       ...
//     }
//   };
#ifndef FRUITION_TESTS_HARNESS_BROKER_SUITE_H_
#define FRUITION_TESTS_HARNESS_BROKER_SUITE_H_

#include <initializer_list>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "gtest/gtest.h"
#include "services/common/kafka/admin.h"
#include "tests/harness/harness.h"

namespace fruition::testing {

// `names` as the services' topics: 12 partitions, one replica, the broker's
// default retention.
std::vector<kafka::TopicSpec> TopicSpecs(
    std::initializer_list<std::string_view> names);
// `TopicSpecs(names)` after the topics intake writes.
std::vector<kafka::TopicSpec> IntakeTopicsAnd(
    std::initializer_list<std::string_view> names);

// The shared broker (Broker::Shared) in `broker`, or with `own` a broker of
// the suite's own (Broker::StartOwn), with `topics` created if missing; ""
// or why the suite cannot run.
std::string FindBroker(const std::vector<kafka::TopicSpec>& topics,
                       std::shared_ptr<Broker>* broker, bool own = false);

// `Suite` is the test class itself, so each suite keeps its own broker and
// skip reason.
template <typename Suite>
class BrokerSuite : public ::testing::Test {
 protected:
  // Call from SetUpTestSuite.
  static void SetUpBroker(const std::vector<kafka::TopicSpec>& topics = {}) {
    // Kept for the whole process (never destroyed at exit): a broker of
    // this process's own stops with its last reference, which
    // TearDownBroker drops when a suite wants it stopped early.
    broker_ = new std::shared_ptr<Broker>();
    skip_reason_ = new std::string(FindBroker(topics, broker_));
  }
  // The same on a broker of the suite's own, for a suite whose outcome
  // depends on how much other suites wrote to the topics it reads (a
  // service on a small filesystem reads every record of its topics).
  static void SetUpOwnBroker(const std::vector<kafka::TopicSpec>& topics) {
    broker_ = new std::shared_ptr<Broker>();
    skip_reason_ = new std::string(FindBroker(topics, broker_, true));
  }
  static void TearDownBroker() {
    delete broker_;
    broker_ = nullptr;
  }

  void SetUp() override {
    if (!skip_reason_->empty()) GTEST_SKIP() << *skip_reason_;
  }

  static const std::string& bootstrap() { return (*broker_)->bootstrap(); }

 private:
  inline static std::string* skip_reason_ = nullptr;
  inline static std::shared_ptr<Broker>* broker_ = nullptr;
};

}  // namespace fruition::testing

#endif  // FRUITION_TESTS_HARNESS_BROKER_SUITE_H_
