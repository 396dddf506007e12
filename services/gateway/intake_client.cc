#include "services/gateway/intake_client.h"

#include <fstream>
#include <sstream>

#include "services/common/strings.h"

namespace fruition::gateway {
namespace {

// Intake's trailing metadata on a refused call (docs/API.md, "Quotas, retry
// hints and deadlines").
constexpr char kRetryAfterMs[] = "retry-after-ms";

int64_t RetryHint(const grpc::ClientContext& context) {
  const auto& trailers = context.GetServerTrailingMetadata();
  const auto it = trailers.find(kRetryAfterMs);
  if (it == trailers.end()) return 0;
  const std::string value(it->second.data(), it->second.size());
  if (value.empty() || value.size() > 12 ||
      value.find_first_not_of("0123456789") != std::string::npos) {
    return 0;
  }
  return std::stoll(value);
}

}  // namespace

absl::StatusOr<std::unique_ptr<IntakeClient>> IntakeClient::Create(
    const IntakeOptions& options) {
  std::unique_ptr<IntakeClient> client(new IntakeClient());
  client->address_ = options.address;
  client->deadline_ = options.deadline;
  std::shared_ptr<grpc::ChannelCredentials> credentials =
      grpc::InsecureChannelCredentials();
  if (!options.tls_ca.empty()) {
    std::ifstream in(options.tls_ca);
    std::ostringstream pem;
    pem << in.rdbuf();
    if (!in || pem.str().empty()) {
      return absl::InvalidArgumentError(
          StrCat("intake-tls-ca: cannot read ", options.tls_ca));
    }
    grpc::SslCredentialsOptions ssl;
    ssl.pem_root_certs = pem.str();
    credentials = grpc::SslCredentials(ssl);
  }
  client->stub_ = v1::IntakeService::NewStub(
      grpc::CreateChannel(options.address, credentials));
  return client;
}

IntakeAnswer IntakeClient::Submit(const std::string& authorization,
                                  const v1::AgencyReport& report) const {
  grpc::ClientContext context;
  context.AddMetadata("authorization", authorization);
  context.set_deadline(std::chrono::system_clock::now() + deadline_);
  v1::SubmitRequest request;
  *request.add_reports() = report;
  v1::SubmitResponse response;
  IntakeAnswer answer;
  answer.status = stub_->Submit(&context, request, &response);
  if (!answer.status.ok()) {
    answer.retry_after_ms = RetryHint(context);
    return answer;
  }
  if (response.results_size() != 1) {
    answer.status =
        grpc::Status(grpc::StatusCode::INTERNAL,
                     StrCat("intake answered ", response.results_size(),
                            " results for one report"));
    return answer;
  }
  answer.result = response.results(0);
  answer.retry_after_ms = answer.result.retry_after_ms();
  return answer;
}

}  // namespace fruition::gateway
