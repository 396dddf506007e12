// A client of fruition-intake's Stream call, as an agency's uploader uses it:
// the integration and fault tests share it.
#ifndef FRUITION_TESTS_HARNESS_INTAKE_CLIENT_H_
#define FRUITION_TESTS_HARNESS_INTAKE_CLIENT_H_

#include <grpcpp/grpcpp.h>

#include <functional>
#include <string>
#include <vector>

#include "fruition/v1/intake.grpc.pb.h"

namespace fruition::testing {

// One result per report, in order, for one Stream call. Stops early (and
// returns) if the stream breaks.
struct StreamOutcome {
  std::vector<v1::ReportResult> results;  // in request order
  grpc::Status status;
};

// Sends `requests` over one Stream call and passes each response, in order,
// to `on_response`; stops early if the stream breaks. The call's status.
grpc::Status StreamRequests(
    const std::string& address, const std::string& token,
    const std::vector<v1::StreamRequest>& requests,
    const std::function<void(const v1::StreamResponse&)>& on_response);

// `reports`, one per StreamRequest.report, over one Stream call.
StreamOutcome StreamReports(
    const std::string& address, const std::string& token,
    const std::vector<v1::AgencyReport>& reports,
    const std::function<void(const v1::ReportResult&)>& on_result = nullptr);

}  // namespace fruition::testing

#endif  // FRUITION_TESTS_HARNESS_INTAKE_CLIENT_H_
