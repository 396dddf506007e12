// fruition-intake: agencies stream reports over gRPC into Kafka.
#include "services/common/service/main.h"

#include "services/intake/config.h"
#include "services/intake/run.h"

int main(int argc, char** argv) {
  return fruition::service::Main<fruition::intake::IntakeConfig>(
      "fruition-intake", argc, argv, fruition::intake::IntakeSpecs(),
      &fruition::intake::IntakeConfigFrom, &fruition::intake::Run);
}
