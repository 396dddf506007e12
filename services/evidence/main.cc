// fruition-evidence: the PTO-link evidence store and the uniform criteria.
// See services/evidence/cli.h for the command line.
#include "services/evidence/cli.h"

int main(int argc, char** argv) {
  return fruition::evidence::Main({argv + 1, argv + argc}, "fruition-evidence");
}
