// `fruitctl audit list` and `fruitctl audit verify`: an inspector's view of
// the audit trail on fruition.audit.v1 (services/common/audit).
#ifndef FRUITION_TOOLS_FRUITCTL_AUDIT_H_
#define FRUITION_TOOLS_FRUITCTL_AUDIT_H_

#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "services/common/audit/chain.h"
#include "services/common/config/config.h"

namespace fruition::fruitctl {

// The flags `fruitctl audit` adds (--principal, --since, --writer, --topic);
// it also uses --bootstrap, --kafka-properties and --timeout-ms.
std::vector<config::Spec> AuditSpecs();
const char* AuditUsage();

// Which records `audit list` prints; empty / unset: all.
struct ListFilter {
  std::string principal;
  std::string writer;
  std::optional<absl::Time> since;  // records with `at` at or after it
};

// The records of `records` that pass `filter`, one JSON object per line
// (proto field names, `resources` as a list, `at` in RFC 3339), ordered by
// writer, then seq. Values that are not audit records are left out
// (`audit verify` names them).
std::vector<std::string> ListLines(const std::vector<audit::Stored>& records,
                                   const ListFilter& filter);

// Prints the verdict: every break on its own line, then a summary. Returns
// the exit code: 0 when every chain is whole, 1 otherwise.
int PrintVerdict(const audit::Verdict& verdict, std::ostream& out,
                 std::ostream& err);

// Runs `audit list` or `audit verify` (`rest` is what follows "audit");
// nullopt when `rest` names neither. Exit codes: 0 done (verify: every chain
// whole), 1 verify found a break, 2 bad flags, 3 the topic could not be read.
std::optional<int> RunAuditCommand(const std::vector<std::string>& rest,
                                   const config::Settings& settings,
                                   std::ostream& out, std::ostream& err);

}  // namespace fruition::fruitctl

#endif  // FRUITION_TOOLS_FRUITCTL_AUDIT_H_
