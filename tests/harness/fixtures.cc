#include "tests/harness/fixtures.h"

#include <stdlib.h>

#include <ctime>

#include "gtest/gtest.h"
#include "services/common/topics.h"

namespace fruition::fixtures {

std::string FreshDir(const std::string& name) {
  std::string base = ::testing::TempDir();
  if (base.empty() || base.back() != '/') base.push_back('/');
  std::string tmpl = base + name + "_XXXXXX";
  const char* dir = mkdtemp(tmpl.data());
  EXPECT_NE(dir, nullptr) << "mkdtemp " << tmpl;
  return tmpl;
}

int64_t Utc(int year, int month, int day, int hour, int minute, int second) {
  std::tm tm{};
  tm.tm_year = year - 1900;
  tm.tm_mon = month - 1;
  tm.tm_mday = day;
  tm.tm_hour = hour;
  tm.tm_min = minute;
  tm.tm_sec = second;
  return static_cast<int64_t>(timegm(&tm));
}

v1::AgencyReport Envelope(const std::string& reporter,
                          const std::string& report_id,
                          const std::string& case_id, int64_t at) {
  v1::AgencyReport r;
  r.set_reporter(reporter);
  r.set_report_id(report_id);
  r.set_case_id(case_id);
  r.mutable_occurred_at()->set_seconds(at);
  return r;
}

Input Report(const v1::AgencyReport& r, const std::string& key) {
  return Input{std::string(topics::kReports), key, r.SerializeAsString()};
}

v1::Scorecard Public(const v1::Scorecard& card,
                     const std::set<std::string>& withheld) {
  v1::Scorecard view = card;
  view.set_public_view(true);
  view.set_scorecard_id("P" + card.scorecard_id());
  for (auto& i : *view.mutable_indicators()) {
    if (withheld.count(i.name()) == 0) continue;
    i.set_suppressed(true);
    i.set_value(0);
    i.set_n(0);
    i.set_defined(false);
  }
  return view;
}

std::optional<SseEvent> NextSseEvent(std::string* buffer) {
  const size_t end = buffer->find("\n\n");
  if (end == std::string::npos) return std::nullopt;
  const std::string block = buffer->substr(0, end);
  buffer->erase(0, end + 2);
  SseEvent event;
  size_t start = 0;
  while (start <= block.size()) {
    size_t nl = block.find('\n', start);
    if (nl == std::string::npos) nl = block.size();
    const std::string line = block.substr(start, nl - start);
    start = nl + 1;
    if (line.rfind("id: ", 0) == 0) event.id = line.substr(4);
    if (line.rfind("data: ", 0) == 0) event.data += line.substr(6);
  }
  return event;
}

double TierWeight(v1::Tier tier) {
  switch (tier) {
    case v1::TIER_CPOT:
      return 3;
    case v1::TIER_RPOT:
    case v1::TIER_PTO_NATIONAL:
      return 2;
    case v1::TIER_PTO_REGIONAL:
      return 1.5;
    default:
      return 1;  // PTO_LOCAL, none
  }
}

double ResultFactor(v1::AssessmentResult result) {
  if (result == v1::ASSESSMENT_RESULT_SUBSTANTIATED) return 1;
  if (result == v1::ASSESSMENT_RESULT_PARTIAL) return 0.5;
  return 0.25;
}

}  // namespace fruition::fixtures
