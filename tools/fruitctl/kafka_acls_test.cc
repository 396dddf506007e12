#include "tools/fruitctl/kafka_acls.h"

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace fruition::fruitctl {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

std::string Format(const std::string& format, std::vector<std::string> who) {
  KafkaAclsOptions options;
  options.format = format;
  options.principals = std::move(who);
  EXPECT_TRUE(Validate(options).ok());
  return FormatKafkaAcls(options);
}

TEST(KafkaAclsTest, UnknownFormatOrServiceIsRefusedNamingTheFlag) {
  KafkaAclsOptions options;
  options.format = "yaml";
  EXPECT_THAT(std::string(Validate(options).message()), HasSubstr("--format"));
  options.format = "json";
  options.principals = {"gateway", "dashboard"};
  EXPECT_THAT(std::string(Validate(options).message()),
              HasSubstr("--service: 'dashboard'"));
}

// kafka-acls.sh grants every operation of a call on every resource of it:
// one call per operation set, never Write on a topic only read.
TEST(KafkaAclsTest, KafkaAclsCommandsGroupResourcesByOperations) {
  const std::string out = Format("kafka-acls", {"gateway"});
  EXPECT_THAT(out, HasSubstr("# fruition-gateway\n"));
  EXPECT_THAT(out,
              HasSubstr("--add --allow-principal User:fruition-gateway "
                        "--operation Read --operation Describe --topic "
                        "fruition.reference.v1 --topic "
                        "fruition.scores.v1 --topic fruition.scores.public.v1 "
                        "--topic fruition.oversight.public.v1 --topic "
                        "fruition.oversight.restricted.v1\n"));
  EXPECT_THAT(out, HasSubstr("--operation Write --operation Describe --topic "
                             "fruition.audit.v1\n"));
  EXPECT_THAT(out, HasSubstr("--operation IdempotentWrite --cluster\n"));
  EXPECT_THAT(out, Not(HasSubstr("fruition.reports.v1")));
  const std::string scoring = Format("kafka-acls", {"scoring"});
  EXPECT_THAT(scoring, HasSubstr("--group fruition-scoring "
                                 "--resource-pattern-type prefixed\n"));
  EXPECT_THAT(scoring, HasSubstr("--transactional-id fruition-scoring- "
                                 "--resource-pattern-type prefixed\n"));
}

TEST(KafkaAclsTest, StrimziKafkaUserPerPrincipal) {
  const std::string out = Format("strimzi", {"intake", "evidence"});
  EXPECT_THAT(out, HasSubstr("kind: KafkaUser\nmetadata:\n  name: "
                             "fruition-intake\n  labels:\n    "
                             "strimzi.io/cluster: kafka\n"));
  EXPECT_THAT(out, HasSubstr("---\napiVersion: kafka.strimzi.io/v1beta2\n"));
  EXPECT_THAT(out, HasSubstr("    type: scram-sha-512\n"));
  EXPECT_THAT(out, HasSubstr("      - host: '*'\n"
                             "        operations:\n"
                             "        - Write\n"
                             "        - Describe\n"
                             "        resource:\n"
                             "          name: fruition-evidence-\n"
                             "          patternType: prefix\n"
                             "          type: transactionalId\n"));
  EXPECT_THAT(out, HasSubstr("      - host: '*'\n"
                             "        operations:\n"
                             "        - IdempotentWrite\n"
                             "        resource:\n"
                             "          type: cluster\n"));
}

TEST(KafkaAclsTest, JsonListsEveryAcl) {
  const std::string out = Format("json", {"operator"});
  EXPECT_EQ(out,
            "[\n"
            "  {\"principal\": \"operator\", \"user\": \"fruition-operator\", "
            "\"acls\": [\n"
            "    {\"resource\": \"Topic\", \"pattern\": \"Prefixed\", "
            "\"name\": \"fruition.\", \"operations\": [\"Create\", "
            "\"Describe\", \"DescribeConfigs\"]},\n"
            "    {\"resource\": \"Topic\", \"pattern\": \"Literal\", "
            "\"name\": \"fruition.audit.v1\", \"operations\": [\"Read\", "
            "\"Describe\"]},\n"
            "    {\"resource\": \"Group\", \"pattern\": \"Prefixed\", "
            "\"name\": \"fruitctl\", \"operations\": [\"Describe\"]}\n"
            "  ]}\n"
            "]\n");
}

}  // namespace
}  // namespace fruition::fruitctl
