#include "tests/harness/audit.h"

#include <utility>

#include "absl/status/status.h"
#include "gtest/gtest.h"
#include "services/common/strings.h"
#include "services/common/topics.h"
#include "tests/harness/harness.h"

namespace fruition::testing {

absl::StatusOr<std::vector<v1::AuditRecord>> AuditRecordsOf(
    const std::string& bootstrap, const std::string& writer,
    std::chrono::milliseconds timeout) {
  auto records = ReadTopic(bootstrap, std::string(topics::kAudit), timeout);
  if (!records.ok()) return records.status();
  std::vector<v1::AuditRecord> out;
  for (const Record& r : *records) {
    v1::AuditRecord a;
    // A record that does not parse is a broken trail, not one to skip.
    if (!a.ParseFromString(r.value)) {
      return absl::DataLossError(StrCat("audit record ", r.topic, ":",
                                        r.partition, ":", r.offset,
                                        " does not parse"));
    }
    if (a.writer() == writer) out.push_back(std::move(a));
  }
  return out;
}

void ExpectAuditRecords(const std::vector<v1::AuditRecord>& trail, size_t from,
                        const std::vector<AuditWant>& want) {
  ASSERT_EQ(trail.size(), from + want.size());
  for (size_t i = 0; i < want.size(); ++i) {
    const v1::AuditRecord& a = trail[from + i];
    EXPECT_EQ(a.principal(), want[i].principal) << i;
    EXPECT_EQ(a.action(), want[i].action) << i;
    EXPECT_EQ(a.outcome(), want[i].outcome) << i;
    EXPECT_EQ(
        std::vector<std::string>(a.resources().begin(), a.resources().end()),
        want[i].resources)
        << i;
  }
}

}  // namespace fruition::testing
