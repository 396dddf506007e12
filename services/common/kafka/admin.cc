#include "services/common/kafka/admin.h"

#include <librdkafka/rdkafka.h>

#include <algorithm>
#include <memory>
#include <set>
#include <thread>

#include "services/common/kafka/conf.h"
#include "services/common/strings.h"
#include "services/common/topics.h"

namespace fruition::kafka {
namespace {

struct HandleDeleter {
  void operator()(rd_kafka_t* rk) const { rd_kafka_destroy(rk); }
};
using Handle = std::unique_ptr<rd_kafka_t, HandleDeleter>;

absl::StatusOr<Handle> NewAdminHandle(
    const std::string& bootstrap,
    const std::map<std::string, std::string>& properties) {
  std::map<std::string, std::string> props = properties;
  props["bootstrap.servers"] = bootstrap;
  auto conf = NewConf(props);
  if (!conf.ok()) return conf.status();
  char err[512];
  rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_PRODUCER, *conf, err, sizeof(err));
  if (rk == nullptr) return absl::InvalidArgumentError(StrCat("kafka: ", err));
  return Handle(rk);
}

}  // namespace

TopicSpec SpecOf(const topics::Topic& topic, const TopicLayout& layout) {
  TopicSpec spec;
  spec.name = layout.prefix + std::string(topic.name);
  spec.partitions =
      layout.partitions > 0 ? layout.partitions : topic.partitions;
  spec.replication_factor = layout.replication_factor > 0
                                ? layout.replication_factor
                                : topic.replication_factor;
  const int min_insync = layout.min_insync_replicas > 0
                             ? layout.min_insync_replicas
                             : topic.min_insync_replicas;
  spec.config =
      topics::TopicConfig(topic, std::min(min_insync, spec.replication_factor));
  return spec;
}

std::vector<TopicSpec> SpecsOf(const std::vector<const topics::Topic*>& topics,
                               const TopicLayout& layout) {
  std::vector<TopicSpec> out;
  out.reserve(topics.size());
  for (const topics::Topic* t : topics) out.push_back(SpecOf(*t, layout));
  return out;
}

std::vector<TopicSpec> CatalogueSpecs(const TopicLayout& layout) {
  std::vector<const topics::Topic*> all;
  for (const topics::Topic& t : topics::Catalogue()) all.push_back(&t);
  return SpecsOf(all, layout);
}

std::vector<TopicSpec> ServiceTopics(std::string_view service, int partitions,
                                     int replication_factor) {
  TopicLayout layout;
  layout.partitions = partitions;
  layout.replication_factor = replication_factor;
  return SpecsOf(topics::TopicsOf(service), layout);
}

std::vector<TopicSpec> IntakeTopics(int partitions, int replication_factor) {
  return ServiceTopics(topics::kIntake, partitions, replication_factor);
}

absl::Status EnsureTopics(const std::string& bootstrap,
                          const std::map<std::string, std::string>& properties,
                          const std::vector<TopicSpec>& topics,
                          std::chrono::milliseconds timeout) {
  auto handle = NewAdminHandle(bootstrap, properties);
  if (!handle.ok()) return handle.status();
  rd_kafka_t* rk = handle->get();
  std::vector<rd_kafka_NewTopic_t*> new_topics;
  char err[512];
  for (const TopicSpec& spec : topics) {
    rd_kafka_NewTopic_t* nt =
        rd_kafka_NewTopic_new(spec.name.c_str(), spec.partitions,
                              spec.replication_factor, err, sizeof(err));
    if (nt == nullptr) {
      for (auto* t : new_topics) rd_kafka_NewTopic_destroy(t);
      return absl::InvalidArgumentError(StrCat("topic ", spec.name, ": ", err));
    }
    for (const auto& [name, value] : spec.config) {
      rd_kafka_NewTopic_set_config(nt, name.c_str(), value.c_str());
    }
    new_topics.push_back(nt);
  }
  rd_kafka_queue_t* queue = rd_kafka_queue_new(rk);
  rd_kafka_AdminOptions_t* options =
      rd_kafka_AdminOptions_new(rk, RD_KAFKA_ADMIN_OP_CREATETOPICS);
  rd_kafka_AdminOptions_set_request_timeout(
      options, static_cast<int>(timeout.count()), err, sizeof(err));
  rd_kafka_CreateTopics(rk, new_topics.data(), new_topics.size(), options,
                        queue);
  rd_kafka_event_t* event =
      rd_kafka_queue_poll(queue, static_cast<int>(timeout.count()) + 1000);
  absl::Status status = absl::OkStatus();
  if (event == nullptr) {
    status = absl::UnavailableError("kafka: CreateTopics timed out");
  } else if (rd_kafka_event_error(event) != RD_KAFKA_RESP_ERR_NO_ERROR) {
    status = absl::UnavailableError(
        StrCat("kafka: CreateTopics: ", rd_kafka_event_error_string(event)));
  } else {
    const rd_kafka_CreateTopics_result_t* result =
        rd_kafka_event_CreateTopics_result(event);
    size_t count = 0;
    const rd_kafka_topic_result_t** results =
        rd_kafka_CreateTopics_result_topics(result, &count);
    for (size_t i = 0; i < count && status.ok(); ++i) {
      const rd_kafka_resp_err_t e = rd_kafka_topic_result_error(results[i]);
      if (e == RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED ||
          e == RD_KAFKA_RESP_ERR_CLUSTER_AUTHORIZATION_FAILED) {
        // Least privilege: a service's Kafka user may not create topics
        // (services/common/topics.h, AclsOf). No retry helps.
        status = absl::FailedPreconditionError(StrCat(
            "kafka: create topic ", rd_kafka_topic_result_name(results[i]),
            ": ", rd_kafka_err2str(e),
            ": this Kafka user may not create topics; create them as the "
            "operator (fruitctl topics ensure, or the chart's topics job) "
            "and leave create-topics off"));
      } else if (e != RD_KAFKA_RESP_ERR_NO_ERROR &&
                 e != RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS) {
        status = absl::UnavailableError(StrCat(
            "kafka: create topic ", rd_kafka_topic_result_name(results[i]),
            ": ", rd_kafka_err2str(e)));
      }
    }
  }
  if (event != nullptr) rd_kafka_event_destroy(event);
  rd_kafka_AdminOptions_destroy(options);
  rd_kafka_queue_destroy(queue);
  for (auto* t : new_topics) rd_kafka_NewTopic_destroy(t);
  return status;
}

namespace {

// Destroys what one admin request needs, whatever path leaves the function.
struct AdminRequest {
  rd_kafka_queue_t* queue = nullptr;
  rd_kafka_AdminOptions_t* options = nullptr;
  rd_kafka_event_t* event = nullptr;
  std::vector<rd_kafka_ConfigResource_t*> resources;
  ~AdminRequest() {
    if (event != nullptr) rd_kafka_event_destroy(event);
    if (options != nullptr) rd_kafka_AdminOptions_destroy(options);
    if (queue != nullptr) rd_kafka_queue_destroy(queue);
    for (auto* r : resources) rd_kafka_ConfigResource_destroy(r);
  }
};

// Topic configs of `names` (which exist) via DescribeConfigs.
absl::Status DescribeTopicConfigs(
    rd_kafka_t* rk, std::chrono::milliseconds timeout,
    std::map<std::string, TopicDescription>* topics) {
  if (topics->empty()) return absl::OkStatus();
  AdminRequest req;
  for (const auto& [name, description] : *topics) {
    req.resources.push_back(
        rd_kafka_ConfigResource_new(RD_KAFKA_RESOURCE_TOPIC, name.c_str()));
  }
  char err[512];
  req.queue = rd_kafka_queue_new(rk);
  req.options =
      rd_kafka_AdminOptions_new(rk, RD_KAFKA_ADMIN_OP_DESCRIBECONFIGS);
  if (rd_kafka_AdminOptions_set_request_timeout(
          req.options, static_cast<int>(timeout.count()), err, sizeof(err)) !=
      RD_KAFKA_RESP_ERR_NO_ERROR) {
    return absl::InvalidArgumentError(StrCat("kafka: ", err));
  }
  rd_kafka_DescribeConfigs(rk, req.resources.data(), req.resources.size(),
                           req.options, req.queue);
  req.event =
      rd_kafka_queue_poll(req.queue, static_cast<int>(timeout.count()) + 1000);
  if (req.event == nullptr) {
    return absl::UnavailableError("kafka: DescribeConfigs timed out");
  }
  if (rd_kafka_event_error(req.event) != RD_KAFKA_RESP_ERR_NO_ERROR) {
    return absl::UnavailableError(StrCat(
        "kafka: DescribeConfigs: ", rd_kafka_event_error_string(req.event)));
  }
  const rd_kafka_DescribeConfigs_result_t* result =
      rd_kafka_event_DescribeConfigs_result(req.event);
  size_t count = 0;
  const rd_kafka_ConfigResource_t** resources =
      rd_kafka_DescribeConfigs_result_resources(result, &count);
  for (size_t i = 0; i < count; ++i) {
    const std::string name = rd_kafka_ConfigResource_name(resources[i]);
    const rd_kafka_resp_err_t e = rd_kafka_ConfigResource_error(resources[i]);
    if (e != RD_KAFKA_RESP_ERR_NO_ERROR) {
      const char* why = rd_kafka_ConfigResource_error_string(resources[i]);
      return absl::UnavailableError(
          StrCat("kafka: describe configs of topic ", name, ": ",
                 why != nullptr ? why : rd_kafka_err2str(e)));
    }
    auto it = topics->find(name);
    if (it == topics->end()) continue;
    size_t entry_count = 0;
    const rd_kafka_ConfigEntry_t** entries =
        rd_kafka_ConfigResource_configs(resources[i], &entry_count);
    for (size_t j = 0; j < entry_count; ++j) {
      const char* value = rd_kafka_ConfigEntry_value(entries[j]);
      it->second.config[rd_kafka_ConfigEntry_name(entries[j])] =
          value != nullptr ? value : "";
    }
  }
  return absl::OkStatus();
}

}  // namespace

namespace {

absl::StatusOr<std::map<std::string, TopicDescription>> Layouts(
    rd_kafka_t* rk, const std::string& bootstrap,
    const std::vector<std::string>& names, std::chrono::milliseconds timeout) {
  // Every topic: a metadata request naming a topic may auto-create it on
  // brokers with auto.create.topics.enable.
  const rd_kafka_metadata_t* md = nullptr;
  const rd_kafka_resp_err_t err =
      rd_kafka_metadata(rk, 1, nullptr, &md, static_cast<int>(timeout.count()));
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    return absl::UnavailableError(StrCat("kafka: no metadata from ", bootstrap,
                                         " within ", timeout.count(),
                                         " ms: ", rd_kafka_err2str(err)));
  }
  const std::set<std::string> wanted(names.begin(), names.end());
  std::map<std::string, TopicDescription> out;
  absl::Status status = absl::OkStatus();
  for (int i = 0; i < md->topic_cnt; ++i) {
    const rd_kafka_metadata_topic_t& t = md->topics[i];
    if (wanted.count(t.topic) == 0) continue;
    if (t.err == RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART) continue;
    if (t.err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      status = absl::UnavailableError(StrCat(
          "kafka: metadata of topic ", t.topic, ": ", rd_kafka_err2str(t.err)));
      break;
    }
    TopicDescription d;
    d.name = t.topic;
    d.partitions = t.partition_cnt;
    for (int p = 0; p < t.partition_cnt; ++p) {
      const int replicas = t.partitions[p].replica_cnt;
      d.replication_factor =
          p == 0 ? replicas : std::min(d.replication_factor, replicas);
    }
    out[d.name] = std::move(d);
  }
  rd_kafka_metadata_destroy(md);
  if (!status.ok()) return status;
  return out;
}

}  // namespace

absl::StatusOr<std::map<std::string, TopicDescription>> TopicLayouts(
    const std::string& bootstrap,
    const std::map<std::string, std::string>& properties,
    const std::vector<std::string>& names, std::chrono::milliseconds timeout) {
  auto handle = NewAdminHandle(bootstrap, properties);
  if (!handle.ok()) return handle.status();
  return Layouts(handle->get(), bootstrap, names, timeout);
}

absl::StatusOr<std::map<std::string, TopicDescription>> DescribeTopics(
    const std::string& bootstrap,
    const std::map<std::string, std::string>& properties,
    const std::vector<std::string>& names, std::chrono::milliseconds timeout) {
  auto handle = NewAdminHandle(bootstrap, properties);
  if (!handle.ok()) return handle.status();
  auto out = Layouts(handle->get(), bootstrap, names, timeout);
  if (!out.ok()) return out.status();
  absl::Status status = DescribeTopicConfigs(handle->get(), timeout, &*out);
  if (!status.ok()) return status;
  return out;
}

absl::StatusOr<int> PartitionCount(
    const std::string& bootstrap,
    const std::map<std::string, std::string>& properties,
    const std::string& topic, std::chrono::milliseconds timeout) {
  auto handle = NewAdminHandle(bootstrap, properties);
  if (!handle.ok()) return handle.status();
  // A topic created a moment ago (this service's --create-topics) may not be
  // in every broker's metadata yet: the broker asked answers "unknown" or
  // "no leader" until it is. Ask again until `timeout`.
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    rd_kafka_topic_t* rkt =
        rd_kafka_topic_new(handle->get(), topic.c_str(), nullptr);
    const rd_kafka_metadata_t* md = nullptr;
    const rd_kafka_resp_err_t err =
        rd_kafka_metadata(handle->get(), 0, rkt, &md,
                          static_cast<int>(std::max<int64_t>(left.count(), 1)));
    rd_kafka_topic_destroy(rkt);
    if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      return absl::UnavailableError(
          StrCat("kafka metadata for ", topic, ": ", rd_kafka_err2str(err)));
    }
    const bool known = md->topic_cnt == 1 &&
                       md->topics[0].err == RD_KAFKA_RESP_ERR_NO_ERROR &&
                       md->topics[0].partition_cnt > 0;
    const int partitions = known ? md->topics[0].partition_cnt : 0;
    rd_kafka_metadata_destroy(md);
    if (known) return partitions;
    if (std::chrono::steady_clock::now() + std::chrono::milliseconds(200) >=
        deadline) {
      return absl::NotFoundError(StrCat("topic ", topic, " does not exist"));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
}

}  // namespace fruition::kafka
