// POST /api/v1/reports (SPEC §11): the dashboard's way to send an answer
// (`agencyResponse`) or a decision (`oversightDecision`). The gateway never
// writes to Kafka: it forwards the report to intake's Submit with the
// caller's own Authorization (intake_client.h), and answers with intake's
// result mapped to HTTP:
//
//   200 {"reportId":"...","duplicate":false}      intake accepted it
//   400 INVALID_ARGUMENT  {"error":{"code","message","field"}}  not JSON,
//       not an AgencyReport, another body, or a rule of intake's
//   401 UNAUTHENTICATED   no credentials (anonymous), or intake refused them
//   403 PERMISSION_DENIED naming the field (not your condition, not an
//       overseer, `reporter` not you)
//   409 ALREADY_EXISTS    the reportId was used before with another body
//   415                   a Content-Type other than application/json
//   429 RESOURCE_EXHAUSTED with Retry-After (seconds): over the caller's quota
//   503 UNAVAILABLE       with Retry-After: intake unreachable, busy or not
//       acknowledging (resend the same reportId); without it: the gateway
//       has no intake address (not configured)
//
// Only the two accountability bodies are taken: bulk reports go to intake
// (fruitctl submit, agencies' feeds), which is built and sized for them;
// this route serves one person's answer or decision from the dashboard.
// The bodies' text is restricted (SPEC §11): it is never logged here and
// never repeated in an error (intake's messages do not repeat it either).
//
// Thread-safety: Connect and Forward may be called from any thread.
#ifndef FRUITION_SERVICES_GATEWAY_REPORT_FORWARD_H_
#define FRUITION_SERVICES_GATEWAY_REPORT_FORWARD_H_

#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "services/gateway/intake_client.h"

namespace fruition::gateway {

// An HTTP answer: status, JSON body and extra headers (Retry-After).
struct HttpReply {
  int status = 200;
  std::string json;
  std::vector<std::pair<std::string, std::string>> headers;
};

class ReportForwarder {
 public:
  // Sets the intake to forward to (null: none, 503). `fruition dev` sets it
  // once its gRPC port is known; the gateway binary at start.
  void Connect(std::shared_ptr<const IntakeClient> client);
  bool connected() const;

  // Answers one POST: `authorization` is the caller's header as received
  // (the caller already authenticated as a principal other than PUBLIC),
  // `content_type` its Content-Type, `body` the report as proto3 JSON.
  HttpReply Forward(const std::string& authorization,
                    const std::string& content_type,
                    const std::string& body) const;

 private:
  std::shared_ptr<const IntakeClient> client() const;

  mutable std::mutex mu_;
  std::shared_ptr<const IntakeClient> client_;  // under mu_
};

// The JSON error body with the field it names (omitted when empty):
// {"error":{"code":CODE,"message":...,"field":...}}.
std::string ErrorWithField(const std::string& code, const std::string& message,
                           const std::string& field);

// Intake's answer as HTTP (the table above).
HttpReply ReplyOf(const IntakeAnswer& answer);

}  // namespace fruition::gateway

#endif  // FRUITION_SERVICES_GATEWAY_REPORT_FORWARD_H_
