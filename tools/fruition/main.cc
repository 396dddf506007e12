// fruition: the suite's multi-command binary.
//   fruition dev [...]                    everything in one process on a mock
//                                         Kafka
//   fruition evidence [...]               the evidence service
//   fruition evidence reassess --criteria FILE [...]
//                                         replay history under a new rulebook
#include <iostream>
#include <string>
#include <vector>

#include "services/evidence/cli.h"
#include "tools/fruition/dev.h"

int main(int argc, char** argv) {
  const std::vector<std::string> args(argv + 1, argv + argc);
  if (!args.empty() && args[0] == "dev") {
    return fruition::dev::RunDev({args.begin() + 1, args.end()});
  }
  if (!args.empty() && args[0] == "evidence") {
    return fruition::evidence::Main({args.begin() + 1, args.end()},
                                    "fruition evidence");
  }
  std::cerr << "usage: fruition dev [--principals FILE] [--grpc-port N] "
               "[--http-port N] [--data-dir DIR] [--no-sample-data]\n"
               "       fruition dev --help\n"
               "       fruition evidence [reassess --criteria FILE] [flags]\n"
               "       fruition evidence --help\n";
  return args.empty() || args[0] == "--help" ? 0 : 2;
}
