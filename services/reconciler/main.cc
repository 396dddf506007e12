// fruition-reconciler: reconciled oversight events (SPEC §6) from reports,
// link assessments, scorecards and reference data.
#include "services/common/service/main.h"

#include "services/reconciler/config.h"
#include "services/reconciler/run.h"

int main(int argc, char** argv) {
  return fruition::service::Main<fruition::reconciler::ReconcilerConfig>(
      "fruition-reconciler", argc, argv,
      fruition::reconciler::ReconcilerSpecs(),
      &fruition::reconciler::ReconcilerConfigFrom, &fruition::reconciler::Run);
}
