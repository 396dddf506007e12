// fruition-scoring: desert scores and distributed indicators per agency,
// field office and district.
#include "services/common/service/main.h"

#include "services/scoring/config.h"
#include "services/scoring/run.h"

int main(int argc, char** argv) {
  return fruition::service::Main<fruition::scoring::ScoringConfig>(
      "fruition-scoring", argc, argv, fruition::scoring::ScoringSpecs(),
      &fruition::scoring::ScoringConfigFrom, &fruition::scoring::Run);
}
