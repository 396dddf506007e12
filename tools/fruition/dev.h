// `fruition dev`: the whole suite in one process, on librdkafka's in-process
// mock cluster, for a newcomer's first look (ARCHITECTURE principle 5).
#ifndef FRUITION_TOOLS_FRUITION_DEV_H_
#define FRUITION_TOOLS_FRUITION_DEV_H_

#include <string>
#include <vector>

namespace fruition::dev {

// Runs until SIGTERM/SIGINT. Returns the process exit code.
int RunDev(const std::vector<std::string>& args);

}  // namespace fruition::dev

#endif  // FRUITION_TOOLS_FRUITION_DEV_H_
