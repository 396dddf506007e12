#include "tools/fruitctl/kafka_acls.h"

#include <algorithm>
#include <map>
#include <sstream>
#include <tuple>

#include "services/common/strings.h"

namespace fruition::fruitctl {
namespace {

const std::vector<std::string_view>& Formats() {
  static const auto* formats = new std::vector<std::string_view>{
      "kafka-acls", "json", "strimzi", "helm"};
  return *formats;
}

std::vector<std::string_view> Chosen(const KafkaAclsOptions& options) {
  if (options.principals.empty()) return topics::Principals();
  return {options.principals.begin(), options.principals.end()};
}

// kafka-acls.sh's flag for a resource ("--topic", "--cluster", ...).
std::string_view ResourceFlag(topics::AclResource resource) {
  switch (resource) {
    case topics::AclResource::kTopic:
      return "--topic";
    case topics::AclResource::kGroup:
      return "--group";
    case topics::AclResource::kTransactionalId:
      return "--transactional-id";
    case topics::AclResource::kCluster:
      return "--cluster";
  }
  return "";
}

// Strimzi's resource type and pattern names.
std::string_view StrimziType(topics::AclResource resource) {
  switch (resource) {
    case topics::AclResource::kTopic:
      return "topic";
    case topics::AclResource::kGroup:
      return "group";
    case topics::AclResource::kTransactionalId:
      return "transactionalId";
    case topics::AclResource::kCluster:
      return "cluster";
  }
  return "";
}

// One kafka-acls.sh call per resource type, pattern and operation set: the
// tool grants every operation it is given on every resource it is given.
void KafkaAclsCommands(std::string_view principal,
                       const topics::AclNames& names, std::ostream& out) {
  using Key = std::tuple<topics::AclResource, topics::AclPattern,
                         std::vector<std::string_view>>;
  std::vector<std::pair<Key, std::vector<std::string>>> calls;
  for (const topics::Acl& acl : topics::AclsOf(principal, names)) {
    Key key{acl.resource, acl.pattern, acl.operations};
    auto it = std::find_if(calls.begin(), calls.end(),
                           [&key](const auto& c) { return c.first == key; });
    if (it == calls.end()) {
      calls.push_back({key, {}});
      it = calls.end() - 1;
    }
    it->second.push_back(acl.name);
  }
  out << "# " << topics::UserOf(principal, names) << "\n";
  for (const auto& [key, resources] : calls) {
    const auto& [resource, pattern, operations] = key;
    out << "kafka-acls.sh --bootstrap-server \"$BOOTSTRAP\" --command-config "
           "\"$ADMIN_CONFIG\" --add --allow-principal User:"
        << topics::UserOf(principal, names);
    for (std::string_view op : operations) out << " --operation " << op;
    if (resource == topics::AclResource::kCluster) {
      out << " --cluster";
    } else {
      for (const std::string& name : resources) {
        out << " " << ResourceFlag(resource) << " " << name;
      }
    }
    if (pattern == topics::AclPattern::kPrefixed) {
      out << " --resource-pattern-type prefixed";
    }
    out << "\n";
  }
}

std::string Quoted(std::string_view text) { return StrCat("\"", text, "\""); }

void Json(const std::vector<std::string_view>& principals,
          const topics::AclNames& names, std::ostream& out) {
  out << "[\n";
  for (size_t p = 0; p < principals.size(); ++p) {
    out << "  {\"principal\": " << Quoted(principals[p])
        << ", \"user\": " << Quoted(topics::UserOf(principals[p], names))
        << ", \"acls\": [\n";
    const auto acls = topics::AclsOf(principals[p], names);
    for (size_t i = 0; i < acls.size(); ++i) {
      const topics::Acl& acl = acls[i];
      out << "    {\"resource\": " << Quoted(topics::ResourceName(acl.resource))
          << ", \"pattern\": " << Quoted(topics::PatternName(acl.pattern))
          << ", \"name\": " << Quoted(acl.name) << ", \"operations\": [";
      for (size_t o = 0; o < acl.operations.size(); ++o) {
        out << (o == 0 ? "" : ", ") << Quoted(acl.operations[o]);
      }
      out << "]}" << (i + 1 < acls.size() ? "," : "") << "\n";
    }
    out << "  ]}" << (p + 1 < principals.size() ? "," : "") << "\n";
  }
  out << "]\n";
}

void Strimzi(const KafkaAclsOptions& options, std::ostream& out) {
  bool first = true;
  for (std::string_view principal : Chosen(options)) {
    if (!first) out << "---\n";
    first = false;
    out << "apiVersion: kafka.strimzi.io/v1beta2\n"
           "kind: KafkaUser\n"
           "metadata:\n"
           "  name: "
        << topics::UserOf(principal, options.names)
        << "\n"
           "  labels:\n"
           "    strimzi.io/cluster: "
        << options.strimzi_cluster
        << "\n"
           "spec:\n"
           "  authentication:\n"
           "    type: scram-sha-512\n"
           "  authorization:\n"
           "    type: simple\n"
           "    acls:\n"
        << StrimziAcls(principal, options.names, 6);
  }
}

void Helm(const KafkaAclsOptions& options, std::ostream& out) {
  out << "{{- /*\n"
         "Generated by `fruitctl kafka-acls --format helm` from the ACL\n"
         "catalogue (services/common/topics.cc, AclsOf); do not edit. After\n"
         "changing the catalogue: bazel run //tools/fruitctl -- kafka-acls\n"
         "--format helm > helm/fruition/templates/kafka-users/_acls.tpl\n"
         "(//tools/fruitctl:helm_acls_test fails until then).\n"
         "*/ -}}\n"
         "{{- define \"fruition.kafkaAcls\" -}}\n";
  for (std::string_view principal : Chosen(options)) {
    out << principal << ":\n" << StrimziAcls(principal, options.names, 2);
  }
  out << "{{- end }}\n";
}

}  // namespace

absl::Status Validate(const KafkaAclsOptions& options) {
  if (std::find(Formats().begin(), Formats().end(), options.format) ==
      Formats().end()) {
    return absl::InvalidArgumentError(
        StrCat("--format: '", options.format,
               "' is not kafka-acls, json, strimzi or helm"));
  }
  for (const std::string& p : options.principals) {
    const auto& all = topics::Principals();
    if (std::find(all.begin(), all.end(), p) == all.end()) {
      return absl::InvalidArgumentError(
          StrCat("--service: '", p,
                 "' is not intake, evidence, scoring, reconciler, gateway or "
                 "operator"));
    }
  }
  return absl::OkStatus();
}

std::string StrimziAcls(std::string_view principal,
                        const topics::AclNames& names, int indent) {
  // Helm's toYaml style (keys sorted, lists flush with their key, '*'
  // quoted), so that the chart's rendered KafkaUsers can be compared with
  // this text line by line (tools/deploy-check, kafka-users).
  const std::string pad(indent, ' ');
  std::ostringstream out;
  for (const topics::Acl& acl : topics::AclsOf(principal, names)) {
    out << pad << "- host: '*'\n" << pad << "  operations:\n";
    for (std::string_view op : acl.operations) {
      out << pad << "  - " << op << "\n";
    }
    out << pad << "  resource:\n";
    if (acl.resource != topics::AclResource::kCluster) {
      out << pad << "    name: " << acl.name << "\n"
          << pad << "    patternType: "
          << (acl.pattern == topics::AclPattern::kPrefixed ? "prefix"
                                                           : "literal")
          << "\n";
    }
    out << pad << "    type: " << StrimziType(acl.resource) << "\n";
  }
  return out.str();
}

std::string FormatKafkaAcls(const KafkaAclsOptions& options) {
  std::ostringstream out;
  if (options.format == "json") {
    Json(Chosen(options), options.names, out);
  } else if (options.format == "strimzi") {
    Strimzi(options, out);
  } else if (options.format == "helm") {
    Helm(options, out);
  } else {
    out << "# Fruition's Kafka ACLs (fruitctl kafka-acls): run as the Kafka "
           "admin,\n# with BOOTSTRAP and ADMIN_CONFIG (its client "
           "properties) set.\n";
    for (std::string_view principal : Chosen(options)) {
      KafkaAclsCommands(principal, options.names, out);
    }
  }
  return out.str();
}

}  // namespace fruition::fruitctl
