// The evidence service's command line, shared by `fruition-evidence` and
// `fruition evidence`:
//   PROGRAM [flags]                    run the service
//   PROGRAM reassess --criteria FILE   replay history under another rulebook
//                                      version and produce its assessments
#ifndef FRUITION_SERVICES_EVIDENCE_CLI_H_
#define FRUITION_SERVICES_EVIDENCE_CLI_H_

#include <string>
#include <vector>

namespace fruition::evidence {

// Runs the command line `args` (without the program name); the exit code.
int Main(std::vector<std::string> args, const std::string& program);

}  // namespace fruition::evidence

#endif  // FRUITION_SERVICES_EVIDENCE_CLI_H_
