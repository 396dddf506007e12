// `fruitctl kafka-acls`: the Kafka users and ACLs of a deployment, printed
// from the one catalogue in code (services/common/topics.h: AclsOf), so
// that operators, the test broker (tools/kafka-local --sasl) and the Helm
// chart's Strimzi KafkaUsers grant exactly the same thing. Pure: it formats,
// it never talks to Kafka (Kafka's own kafka-acls.sh applies the commands:
// librdkafka 2.0.2's CreateAcls has no TransactionalId resource).
#ifndef FRUITION_TOOLS_FRUITCTL_KAFKA_ACLS_H_
#define FRUITION_TOOLS_FRUITCTL_KAFKA_ACLS_H_

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "services/common/topics.h"

namespace fruition::fruitctl {

struct KafkaAclsOptions {
  // "json", "kafka-acls" (kafka-acls.sh commands), "strimzi" (KafkaUser
  // manifests) or "helm" (the chart's generated ACL list).
  std::string format = "kafka-acls";
  // Empty: every principal (topics::Principals()); else these, each one of
  // them.
  std::vector<std::string> principals;
  topics::AclNames names;
  // strimzi: the Kafka cluster's name (label strimzi.io/cluster).
  std::string strimzi_cluster = "kafka";
};

// INVALID_ARGUMENT naming the flag (--format, --service) when `options`
// asks for an unknown format or principal.
absl::Status Validate(const KafkaAclsOptions& options);

// The ACLs of the chosen principals in the chosen format. Validate first.
//  - kafka-acls: one `kafka-acls.sh --bootstrap-server "$BOOTSTRAP"
//    --command-config "$ADMIN_CONFIG" --add ...` line per principal,
//    resource type, pattern and set of operations, under a `# <user>`
//    comment per principal;
//  - json: [{"principal", "user", "acls": [{"resource", "pattern", "name",
//    "operations": [...]}]}];
//  - strimzi: one kafka.strimzi.io/v1beta2 KafkaUser per principal
//    (scram-sha-512, simple authorization), separated by `---`;
//  - helm: helm/fruition/templates/kafka-users/_acls.tpl, the Strimzi ACL
//    lists by principal for the chart's KafkaUsers.
std::string FormatKafkaAcls(const KafkaAclsOptions& options);

// The ACL list of `principal` as Strimzi's spec.authorization.acls, each
// line indented by `indent` spaces (shared by the strimzi and helm formats).
std::string StrimziAcls(std::string_view principal,
                        const topics::AclNames& names, int indent);

}  // namespace fruition::fruitctl

#endif  // FRUITION_TOOLS_FRUITCTL_KAFKA_ACLS_H_
