// Fixtures the services' unit tests share: fresh directories, UTC times,
// report envelopes, input records and scorecards' public views, written
// once so that a test names what it builds instead of rebuilding it.
// Test-only and pure (no Kafka, no processes).
#ifndef FRUITION_TESTS_HARNESS_FIXTURES_H_
#define FRUITION_TESTS_HARNESS_FIXTURES_H_

#include <cstdint>
#include <optional>
#include <set>
#include <string>

#include "fruition/v1/reports.pb.h"
#include "fruition/v1/scores.pb.h"

// Not fruition::testing: inside namespace fruition, services' tests use
// `testing::` for GoogleTest.
namespace fruition::fixtures {

// A new empty directory under the test's temp dir, its name starting with
// `name`.
std::string FreshDir(const std::string& name);

// Seconds since the epoch of a UTC civil time.
int64_t Utc(int year, int month, int day, int hour = 0, int minute = 0,
            int second = 0);

// A report without a body: who reports it, its id, case and time.
v1::AgencyReport Envelope(const std::string& reporter,
                          const std::string& report_id,
                          const std::string& case_id, int64_t at);

// A record for an input topic, not yet placed at an offset.
struct Input {
  std::string topic;
  std::string key;
  std::string value;
};

// `r` on fruition.reports.v1 under `key`.
Input Report(const v1::AgencyReport& r, const std::string& key);

// The public view of `card`, as scoring's public-view stage writes it to
// fruition.scores.public.v1: the cells named in `withheld` suppressed
// (value 0, n 0, not defined), its own id ("P" + the card's).
v1::Scorecard Public(const v1::Scorecard& card,
                     const std::set<std::string>& withheld = {});

// One server-sent event (the gateway's /v1/events/stream): its "id:" and
// its "data:" lines joined.
struct SseEvent {
  std::string id;
  std::string data;  // empty for a keepalive comment
};
// The first whole event of `buffer` (what a stream sent so far), removed
// from it; nullopt while no event is whole (a block cut by the
// connection's end is not one).
std::optional<SseEvent> NextSseEvent(std::string* buffer);

// SPEC §5's weighted_enforcement_value as the tests compute it (not the
// services' code): the weight of a link's tier (CPOT 3; RPOT and national
// PTO 2; regional PTO 1.5; else 1) and the factor of its assessment's result
// (substantiated 1, partial 0.5, else 0.25).
double TierWeight(v1::Tier tier);
double ResultFactor(v1::AssessmentResult result);

}  // namespace fruition::fixtures

#endif  // FRUITION_TESTS_HARNESS_FIXTURES_H_
