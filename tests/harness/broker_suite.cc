#include "tests/harness/broker_suite.h"

#include <chrono>

namespace fruition::testing {

std::vector<kafka::TopicSpec> TopicSpecs(
    std::initializer_list<std::string_view> names) {
  std::vector<kafka::TopicSpec> specs;
  for (std::string_view name : names) {
    specs.push_back(kafka::TopicSpec{std::string(name), 12, 1, {}});
  }
  return specs;
}

std::vector<kafka::TopicSpec> IntakeTopicsAnd(
    std::initializer_list<std::string_view> names) {
  std::vector<kafka::TopicSpec> specs = kafka::IntakeTopics(12, 1);
  for (kafka::TopicSpec& spec : TopicSpecs(names)) {
    specs.push_back(std::move(spec));
  }
  return specs;
}

std::string FindBroker(const std::vector<kafka::TopicSpec>& topics,
                       std::shared_ptr<Broker>* broker, bool own) {
  std::string why = Broker::UnavailableReason();
  if (!why.empty()) return why;
  if (own) {
    auto mine = Broker::StartOwn();
    if (!mine.ok()) return std::string(mine.status().message());
    *broker = std::move(*mine);
  } else {
    auto shared = Broker::Shared();
    if (!shared.ok()) return std::string(shared.status().message());
    *broker = *shared;
  }
  if (topics.empty()) return "";
  const absl::Status s = kafka::EnsureTopics((*broker)->bootstrap(), {}, topics,
                                             std::chrono::seconds(30));
  return s.ok() ? "" : std::string(s.message());
}

}  // namespace fruition::testing
