#include "tests/harness/intake_client.h"

#include <thread>

namespace fruition::testing {

grpc::Status StreamRequests(
    const std::string& address, const std::string& token,
    const std::vector<v1::StreamRequest>& requests,
    const std::function<void(const v1::StreamResponse&)>& on_response) {
  auto channel =
      grpc::CreateChannel(address, grpc::InsecureChannelCredentials());
  auto stub = v1::IntakeService::NewStub(channel);
  grpc::ClientContext context;
  context.AddMetadata("authorization", "Bearer " + token);
  auto stream = stub->Stream(&context);
  std::thread writer([&] {
    for (const auto& request : requests) {
      if (!stream->Write(request)) break;
    }
    stream->WritesDone();
  });
  size_t answered = 0;
  v1::StreamResponse response;
  while (answered < requests.size() && stream->Read(&response)) {
    on_response(response);
    ++answered;
  }
  writer.join();
  return stream->Finish();
}

StreamOutcome StreamReports(
    const std::string& address, const std::string& token,
    const std::vector<v1::AgencyReport>& reports,
    const std::function<void(const v1::ReportResult&)>& on_result) {
  std::vector<v1::StreamRequest> requests(reports.size());
  for (size_t i = 0; i < reports.size(); ++i) {
    *requests[i].mutable_report() = reports[i];
  }
  StreamOutcome outcome;
  outcome.status = StreamRequests(
      address, token, requests, [&](const v1::StreamResponse& response) {
        if (on_result) on_result(response.result());
        outcome.results.push_back(response.result());
      });
  return outcome;
}

}  // namespace fruition::testing
