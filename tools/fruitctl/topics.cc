#include "tools/fruitctl/topics.h"

#include <algorithm>
#include <sstream>
#include <thread>

#include "services/common/strings.h"
#include "services/common/topics.h"

namespace fruition::fruitctl {
namespace {

constexpr char kRetentionMs[] = "retention.ms";
constexpr char kRetentionBytes[] = "retention.bytes";
constexpr char kCleanupPolicy[] = "cleanup.policy";
constexpr char kMinInsync[] = "min.insync.replicas";

class KafkaTopicAdmin : public TopicAdmin {
 public:
  KafkaTopicAdmin(std::string bootstrap,
                  std::map<std::string, std::string> properties,
                  std::chrono::milliseconds timeout)
      : bootstrap_(std::move(bootstrap)),
        properties_(std::move(properties)),
        timeout_(timeout) {}

  absl::StatusOr<std::map<std::string, kafka::TopicDescription>> Describe(
      const std::vector<std::string>& names) override {
    return kafka::DescribeTopics(bootstrap_, properties_, names, timeout_);
  }

  absl::Status Create(const std::vector<kafka::TopicSpec>& topics) override {
    return kafka::EnsureTopics(bootstrap_, properties_, topics, timeout_);
  }

 private:
  std::string bootstrap_;
  std::map<std::string, std::string> properties_;
  std::chrono::milliseconds timeout_;
};

std::string ConfigValue(const kafka::TopicDescription& d,
                        const std::string& key) {
  auto it = d.config.find(key);
  return it == d.config.end() ? "?" : it->second;
}

std::string Retention(const std::string& ms) {
  if (ms == "-1") return "unlimited";
  if (ms == "?") return ms;
  return ms + "ms";
}

std::string StatusText(const TopicRow& row) {
  switch (row.status) {
    case TopicStatus::kOk:
      return "ok";
    case TopicStatus::kCreated:
      return "created";
    case TopicStatus::kMissing:
      return "MISSING: created but not visible in the cluster metadata";
    case TopicStatus::kMismatch: {
      std::string out = "MISMATCH: ";
      for (size_t i = 0; i < row.differences.size(); ++i) {
        if (i > 0) out += "; ";
        out += row.differences[i];
      }
      return out;
    }
  }
  return "?";
}

}  // namespace

absl::Status Validate(const TopicsOptions& options) {
  if (options.partitions < 1 || options.partitions > 10000) {
    return absl::InvalidArgumentError(
        StrCat("--partitions: ", options.partitions, " is outside [1, 10000]"));
  }
  if (options.replication_factor < 1 || options.replication_factor > 100) {
    return absl::InvalidArgumentError(
        StrCat("--replication-factor: ", options.replication_factor,
               " is outside [1, 100]"));
  }
  if (options.min_insync_replicas < 1 ||
      options.min_insync_replicas > options.replication_factor) {
    return absl::InvalidArgumentError(StrCat(
        "--min-insync-replicas: ", options.min_insync_replicas,
        " is outside [1, --replication-factor ", options.replication_factor,
        "]: with more in-sync replicas required than exist, no write "
        "succeeds"));
  }
  return absl::OkStatus();
}

std::vector<kafka::TopicSpec> WantedTopics(const TopicsOptions& options) {
  std::vector<kafka::TopicSpec> out;
  for (std::string_view name :
       {topics::kReports, topics::kReference, topics::kLinkAssessments,
        topics::kScores, topics::kScoringContributions,
        topics::kScoringPublicBase, topics::kScoresPublic,
        topics::kOversightPublic, topics::kOversightRestricted}) {
    out.push_back(kafka::TopicSpec{
        options.topic_prefix + std::string(name),
        options.partitions,
        options.replication_factor,
        {{kRetentionMs, "-1"},
         {kRetentionBytes, "-1"},
         {kCleanupPolicy, "delete"},
         {kMinInsync, std::to_string(options.min_insync_replicas)}}});
  }
  return out;
}

std::vector<std::string> Differences(const kafka::TopicSpec& want,
                                     const kafka::TopicDescription& have) {
  std::vector<std::string> out;
  if (have.partitions != want.partitions) {
    out.push_back(
        StrCat("partitions ", have.partitions, ", want ", want.partitions));
  }
  if (have.replication_factor != want.replication_factor) {
    out.push_back(StrCat("replication ", have.replication_factor, ", want ",
                         want.replication_factor));
  }
  for (const auto& [key, value] : want.config) {
    auto it = have.config.find(key);
    if (it == have.config.end()) {
      out.push_back(StrCat(key, " not reported, want ", value));
    } else if (it->second != value) {
      out.push_back(StrCat(key, " ", it->second, ", want ", value));
    }
  }
  return out;
}

std::unique_ptr<TopicAdmin> NewKafkaTopicAdmin(
    const std::string& bootstrap,
    const std::map<std::string, std::string>& properties,
    std::chrono::milliseconds timeout) {
  return std::make_unique<KafkaTopicAdmin>(bootstrap, properties, timeout);
}

absl::StatusOr<std::vector<TopicRow>> EnsureTopics(
    TopicAdmin* admin, const std::vector<kafka::TopicSpec>& wanted,
    std::chrono::milliseconds settle_timeout) {
  std::vector<std::string> names;
  names.reserve(wanted.size());
  for (const auto& spec : wanted) names.push_back(spec.name);
  auto existing = admin->Describe(names);
  if (!existing.ok()) return existing.status();

  std::vector<kafka::TopicSpec> missing;
  for (const auto& spec : wanted) {
    if (existing->count(spec.name) == 0) missing.push_back(spec);
  }
  std::map<std::string, kafka::TopicDescription> created;
  if (!missing.empty()) {
    absl::Status s = admin->Create(missing);
    if (!s.ok()) return s;
    // A new topic shows up in the metadata once its partitions have leaders;
    // describe until every created topic is visible with all partitions.
    const auto deadline = std::chrono::steady_clock::now() + settle_timeout;
    std::vector<std::string> missing_names;
    missing_names.reserve(missing.size());
    for (const auto& spec : missing) missing_names.push_back(spec.name);
    // Until then the broker may also answer "unknown topic": retry errors
    // until the deadline, then report the last one.
    while (true) {
      auto described = admin->Describe(missing_names);
      const bool past_deadline = std::chrono::steady_clock::now() >= deadline;
      if (!described.ok()) {
        if (past_deadline) return described.status();
      } else {
        created = std::move(*described);
        const bool all_visible =
            std::all_of(missing.begin(), missing.end(), [&](const auto& spec) {
              auto it = created.find(spec.name);
              return it != created.end() &&
                     it->second.partitions >= spec.partitions;
            });
        if (all_visible || past_deadline) break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
  }

  std::vector<TopicRow> rows;
  rows.reserve(wanted.size());
  for (const auto& spec : wanted) {
    TopicRow row;
    row.want = spec;
    const bool was_missing = existing->count(spec.name) == 0;
    const auto& source = was_missing ? created : *existing;
    auto it = source.find(spec.name);
    if (it == source.end()) {
      row.status = TopicStatus::kMissing;
    } else {
      row.have = it->second;
      row.differences = Differences(spec, it->second);
      if (!row.differences.empty()) {
        row.status = TopicStatus::kMismatch;
      } else {
        row.status = was_missing ? TopicStatus::kCreated : TopicStatus::kOk;
      }
    }
    rows.push_back(std::move(row));
  }
  return rows;
}

bool AllCorrect(const std::vector<TopicRow>& rows) {
  return std::all_of(rows.begin(), rows.end(), [](const TopicRow& row) {
    return row.status == TopicStatus::kOk ||
           row.status == TopicStatus::kCreated;
  });
}

std::string FormatTable(const std::vector<TopicRow>& rows) {
  std::vector<std::vector<std::string>> cells = {
      {"TOPIC", "PARTITIONS", "REPLICATION", "RETENTION", "MIN.INSYNC.REPLICAS",
       "STATUS"}};
  for (const TopicRow& row : rows) {
    if (row.have.has_value()) {
      const kafka::TopicDescription& d = *row.have;
      cells.push_back({row.want.name, std::to_string(d.partitions),
                       std::to_string(d.replication_factor),
                       Retention(ConfigValue(d, kRetentionMs)),
                       ConfigValue(d, kMinInsync), StatusText(row)});
    } else {
      cells.push_back({row.want.name, "-", "-", "-", "-", StatusText(row)});
    }
  }
  std::vector<size_t> width(cells[0].size(), 0);
  for (const auto& line : cells) {
    for (size_t i = 0; i < line.size(); ++i) {
      width[i] = std::max(width[i], line[i].size());
    }
  }
  std::ostringstream out;
  for (const auto& line : cells) {
    for (size_t i = 0; i < line.size(); ++i) {
      out << line[i];
      if (i + 1 < line.size()) {
        out << std::string(width[i] - line[i].size() + 2, ' ');
      }
    }
    out << "\n";
  }
  return out.str();
}

}  // namespace fruition::fruitctl
