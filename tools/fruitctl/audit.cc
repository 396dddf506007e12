#include "tools/fruitctl/audit.h"

#include <algorithm>
#include <chrono>
#include <tuple>
#include <utility>

#include "google/protobuf/util/json_util.h"
#include "services/common/audit/read.h"
#include "services/common/kafka/producer.h"
#include "services/common/strings.h"
#include "services/common/topics.h"

namespace fruition::fruitctl {

std::vector<config::Spec> AuditSpecs() {
  return {
      {"principal", "", "audit list: only records of this principal"},
      {"since", "", "audit list: only records at or after this RFC 3339 time"},
      {"writer", "", "audit list: only records of this writer"},
      {"topic", std::string(topics::kAudit), "audit: the audit topic"},
  };
}

const char* AuditUsage() {
  return "  fruitctl audit list --bootstrap HOST:PORT [--principal P]\n"
         "                  [--since RFC3339] [--writer W] [--topic T]\n"
         "      Prints the audit trail, one JSON record per line, ordered by\n"
         "      writer, then seq.\n"
         "  fruitctl audit verify --bootstrap HOST:PORT [--topic T]\n"
         "      Checks every writer's hash chain: prints each break (a\n"
         "      missing seq, a prev_sha256 that does not match, a record out\n"
         "      of order) and exits 1, or exits 0 when every chain is whole.\n";
}

std::vector<std::string> ListLines(const std::vector<audit::Stored>& records,
                                   const ListFilter& filter) {
  std::vector<fruition::v1::AuditRecord> kept;
  for (const audit::Stored& s : records) {
    fruition::v1::AuditRecord r;
    if (!r.ParseFromString(s.value) || r.writer().empty() || r.seq() == 0) {
      continue;
    }
    if (!filter.principal.empty() && r.principal() != filter.principal) {
      continue;
    }
    if (!filter.writer.empty() && r.writer() != filter.writer) continue;
    if (filter.since.has_value() && absl::FromUnixSeconds(r.at().seconds()) +
                                            absl::Nanoseconds(r.at().nanos()) <
                                        *filter.since) {
      continue;
    }
    kept.push_back(std::move(r));
  }
  std::stable_sort(kept.begin(), kept.end(), [](const auto& a, const auto& b) {
    return std::make_tuple(a.writer(), a.seq()) <
           std::make_tuple(b.writer(), b.seq());
  });
  google::protobuf::util::JsonPrintOptions options;
  options.preserve_proto_field_names = true;
  options.always_print_primitive_fields = true;
  std::vector<std::string> lines;
  lines.reserve(kept.size());
  for (const auto& r : kept) {
    std::string json;
    (void)google::protobuf::util::MessageToJsonString(r, &json, options);
    lines.push_back(std::move(json));
  }
  return lines;
}

int PrintVerdict(const audit::Verdict& verdict, std::ostream& out,
                 std::ostream& err) {
  for (const std::string& line : verdict.breaks) out << line << "\n";
  if (verdict.breaks.empty()) {
    out << "audit verify: " << verdict.writers << " writers, "
        << verdict.records << " records, every chain whole\n";
    return 0;
  }
  err << "audit verify: " << verdict.writers << " writers, " << verdict.records
      << " records, " << verdict.breaks.size() << " breaks\n";
  return 1;
}

namespace {

// Everything on the audit topic, or why not.
absl::StatusOr<std::vector<audit::Stored>> ReadTrail(
    const config::Settings& s) {
  const std::string& bootstrap = s.Get("bootstrap");
  if (bootstrap.empty()) {
    return absl::InvalidArgumentError("--bootstrap HOST:PORT is required");
  }
  auto properties = kafka::ParseProperties(s.Get("kafka-properties"));
  if (!properties.ok()) return properties.status();
  auto timeout = s.GetInt("timeout-ms", 1000, 3600000);
  if (!timeout.ok()) return timeout.status();
  kafka::ConsumerOptions consumer;
  consumer.bootstrap_servers = bootstrap;
  consumer.client_id = "fruitctl-audit";
  consumer.properties = *properties;
  return audit::ReadTopic(consumer, s.Get("topic"),
                          std::chrono::milliseconds(*timeout));
}

absl::StatusOr<ListFilter> Filter(const config::Settings& s) {
  ListFilter filter;
  filter.principal = s.Get("principal");
  filter.writer = s.Get("writer");
  if (const std::string& since = s.Get("since"); !since.empty()) {
    absl::Time t;
    std::string why;
    if (!absl::ParseTime(absl::RFC3339_full, since, &t, &why)) {
      return absl::InvalidArgumentError(
          StrCat("--since: '", since, "' is not an RFC 3339 time (", why,
                 "), e.g. 2026-12-03T08:00:00Z"));
    }
    filter.since = t;
  }
  return filter;
}

}  // namespace

std::optional<int> RunAuditCommand(const std::vector<std::string>& rest,
                                   const config::Settings& settings,
                                   std::ostream& out, std::ostream& err) {
  if (rest.size() != 1 || (rest[0] != "list" && rest[0] != "verify")) {
    return std::nullopt;
  }
  const std::string name = "fruitctl audit " + rest[0] + ": ";
  std::optional<ListFilter> filter;
  if (rest[0] == "list") {
    auto parsed = Filter(settings);
    if (!parsed.ok()) {
      err << name << parsed.status().message() << "\n";
      return 2;
    }
    filter = *parsed;
  }
  auto records = ReadTrail(settings);
  if (!records.ok()) {
    err << name << records.status().message() << "\n";
    // 3, not 1: "could not read the trail" is not "the trail is broken".
    return records.status().code() == absl::StatusCode::kInvalidArgument ? 2
                                                                         : 3;
  }
  if (!filter.has_value()) {
    return PrintVerdict(audit::Verify(*records), out, err);
  }
  for (const std::string& line : ListLines(*records, *filter)) {
    out << line << "\n";
  }
  return 0;
}

}  // namespace fruition::fruitctl
