// fruition: the suite's multi-command binary.
//   fruition dev [...]   everything in one process on a mock Kafka
#include <iostream>
#include <string>
#include <vector>

#include "tools/fruition/dev.h"

int main(int argc, char** argv) {
  const std::vector<std::string> args(argv + 1, argv + argc);
  if (!args.empty() && args[0] == "dev") {
    return fruition::dev::RunDev({args.begin() + 1, args.end()});
  }
  std::cerr << "usage: fruition dev [--principals FILE] [--grpc-port N] "
               "[--http-port N] [--data-dir DIR] [--no-sample-data]\n"
               "       fruition dev --help\n";
  return args.empty() || args[0] == "--help" ? 0 : 2;
}
