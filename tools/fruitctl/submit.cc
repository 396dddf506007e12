#include "tools/fruitctl/submit.h"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <thread>

#include "fruition/v1/intake.grpc.pb.h"
#include "services/common/strings.h"

namespace fruition::fruitctl {
namespace {

absl::StatusOr<std::string> ReadFile(const std::string& path,
                                     const std::string& flag) {
  std::ifstream in(path);
  if (!in) {
    return absl::InvalidArgumentError(StrCat(flag, ": cannot read ", path));
  }
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

// The server's `retry-after-ms` trailing metadata (a refused call's hint),
// or 0.
int64_t RetryAfterMs(const grpc::ClientContext& context) {
  const auto& trailers = context.GetServerTrailingMetadata();
  auto it = trailers.find("retry-after-ms");
  if (it == trailers.end()) return 0;
  const std::string value(it->second.data(), it->second.size());
  char* end = nullptr;
  const long long ms = std::strtoll(value.c_str(), &end, 10);  // NOLINT
  if (value.empty() || *end != '\0' || ms < 0) return 0;
  return std::min<int64_t>(ms, 60000);
}

// One Stream call over `todo` (indexes into lines). Fills `answers` for the
// reports answered; returns the indexes left unanswered.
std::vector<size_t> StreamOnce(
    v1::IntakeService::Stub& stub, const std::vector<Line>& lines,
    const std::vector<size_t>& todo, const std::string& token,
    std::vector<v1::ReportResult>* answers, std::vector<bool>* answered,
    grpc::Status* rpc_status, int64_t* call_retry_after_ms) {
  grpc::ClientContext context;
  if (!token.empty()) context.AddMetadata("authorization", "Bearer " + token);
  auto stream = stub.Stream(&context);
  std::thread writer([&] {
    for (size_t index : todo) {
      v1::StreamRequest request;
      *request.mutable_report() = lines[index].report;
      if (!stream->Write(request)) break;
    }
    stream->WritesDone();
  });
  size_t next = 0;
  v1::StreamResponse response;
  while (next < todo.size() && stream->Read(&response)) {
    (*answers)[todo[next]] = response.result();
    (*answered)[todo[next]] = true;
    ++next;
  }
  writer.join();
  *rpc_status = stream->Finish();
  *call_retry_after_ms = RetryAfterMs(context);
  return std::vector<size_t>(todo.begin() + static_cast<std::ptrdiff_t>(next),
                             todo.end());
}

// Counts every line's final answer into `summary` and writes one error line
// per report not accepted: the call's refusal, "not acknowledged" after the
// attempts, or the report's own error.
void Tally(const std::vector<Line>& lines,
           const std::vector<v1::ReportResult>& answers,
           const std::vector<bool>& answered, const std::string& refused,
           const std::string& last_error, int max_attempts,
           std::ostream& errors, SubmitSummary* summary_out) {
  SubmitSummary& summary = *summary_out;
  for (size_t i = 0; i < lines.size(); ++i) {
    if (!lines[i].parse_error.empty()) continue;
    if (!answered[i] && !refused.empty()) {
      errors << lines[i].file << ":" << lines[i].number << ": " << refused
             << "\n";
      ++summary.rejected;
      continue;
    }
    if (!answered[i]) {
      errors << lines[i].file << ":" << lines[i].number
             << ": UNAVAILABLE: not acknowledged after " << max_attempts
             << " attempts (" << last_error << ")\n";
      ++summary.rejected;
      continue;
    }
    const v1::ReportResult& r = answers[i];
    if (r.code() == 0) {
      ++summary.accepted;
      if (r.duplicate()) ++summary.duplicates;
    } else {
      errors << lines[i].file << ":" << lines[i].number << ": " << r.code_name()
             << ": " << r.message() << "\n";
      ++summary.rejected;
    }
  }
}

}  // namespace

absl::StatusOr<std::shared_ptr<grpc::Channel>> MakeChannel(
    const std::string& server, const std::string& ca_file,
    const std::string& cert_file, const std::string& key_file) {
  grpc::ChannelArguments args;
  args.SetMaxReceiveMessageSize(64 << 20);
  args.SetMaxSendMessageSize(64 << 20);
  // A client certificate is its certificate and key together: one without
  // the other would silently connect without one (then refused by a server
  // that requires client certificates, with a less helpful handshake error).
  if (cert_file.empty() != key_file.empty()) {
    return absl::InvalidArgumentError(cert_file.empty()
                                          ? "--tls-key: needs --tls-cert"
                                          : "--tls-cert: needs --tls-key");
  }
  if (ca_file.empty()) {
    if (!cert_file.empty()) {
      return absl::InvalidArgumentError("--tls-cert: needs --tls-ca");
    }
    return grpc::CreateCustomChannel(server, grpc::InsecureChannelCredentials(),
                                     args);
  }
  grpc::SslCredentialsOptions ssl;
  auto ca = ReadFile(ca_file, "--tls-ca");
  if (!ca.ok()) return ca.status();
  ssl.pem_root_certs = *ca;
  if (!cert_file.empty()) {
    auto cert = ReadFile(cert_file, "--tls-cert");
    if (!cert.ok()) return cert.status();
    auto key = ReadFile(key_file, "--tls-key");
    if (!key.ok()) return key.status();
    ssl.pem_cert_chain = *cert;
    ssl.pem_private_key = *key;
  }
  return grpc::CreateCustomChannel(server, grpc::SslCredentials(ssl), args);
}

SubmitSummary Submit(const std::shared_ptr<grpc::Channel>& channel,
                     const std::vector<Line>& lines,
                     const SubmitOptions& options, std::ostream& errors) {
  auto stub = v1::IntakeService::NewStub(channel);
  std::vector<v1::ReportResult> answers(lines.size());
  std::vector<bool> answered(lines.size(), false);
  SubmitSummary summary;
  std::vector<size_t> todo;
  for (size_t i = 0; i < lines.size(); ++i) {
    if (!lines[i].parse_error.empty()) {
      errors << lines[i].file << ":" << lines[i].number
             << ": INVALID_ARGUMENT: " << lines[i].parse_error << "\n";
      ++summary.rejected;
    } else {
      todo.push_back(i);
    }
  }
  std::chrono::milliseconds backoff = options.initial_backoff;
  std::string last_error;
  std::string refused;  // the server refused the call itself
  // Attempts count only when nothing was accepted: a quota that lets some
  // reports through each time is followed to the end.
  for (int attempt = 1; !todo.empty() && attempt <= options.max_attempts;) {
    grpc::Status rpc_status;
    int64_t wait_ms = 0;  // the server's hint: the longest asked
    StreamOnce(*stub, lines, todo, options.token, &answers, &answered,
               &rpc_status, &wait_ms);
    if (!rpc_status.ok()) last_error = rpc_status.error_message();
    std::vector<size_t> retry;
    bool progress = false;
    for (size_t index : todo) {
      const std::string& code = answers[index].code_name();
      if (answered[index] &&
          (code == "UNAVAILABLE" || code == "RESOURCE_EXHAUSTED")) {
        // Maybe written, or refused for now: resend, same report_id.
        answered[index] = false;
        last_error = answers[index].message();
        wait_ms = std::max(wait_ms, answers[index].retry_after_ms());
      }
      if (!answered[index]) {
        retry.push_back(index);
      } else {
        progress = true;
      }
    }
    // A refusal of the call itself (bad token) will not improve by retrying.
    if (rpc_status.error_code() == grpc::StatusCode::UNAUTHENTICATED ||
        rpc_status.error_code() == grpc::StatusCode::PERMISSION_DENIED) {
      refused =
          StrCat(rpc_status.error_code() == grpc::StatusCode::UNAUTHENTICATED
                     ? "UNAUTHENTICATED: "
                     : "PERMISSION_DENIED: ",
                 rpc_status.error_message());
      break;
    }
    todo = std::move(retry);
    if (!progress) ++attempt;
    if (!todo.empty() && attempt <= options.max_attempts) {
      if (wait_ms > 0) {
        // The server said when: waiting less is refused again.
        std::this_thread::sleep_for(std::chrono::milliseconds(wait_ms));
      } else {
        std::this_thread::sleep_for(backoff);
        backoff = std::min(options.max_backoff, backoff * 2);
      }
    }
  }
  Tally(lines, answers, answered, refused, last_error, options.max_attempts,
        errors, &summary);
  return summary;
}

}  // namespace fruition::fruitctl
