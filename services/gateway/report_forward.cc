#include "services/gateway/report_forward.h"

#include <google/protobuf/util/json_util.h>

#include <algorithm>

#include "google/protobuf/struct.pb.h"
#include "services/common/strings.h"
#include "services/gateway/json.h"

namespace fruition::gateway {
namespace {

using google::protobuf::Struct;

HttpReply Refuse(int status, const std::string& code,
                 const std::string& message, const std::string& field) {
  HttpReply r;
  r.status = status;
  r.json = ErrorWithField(code, message, field);
  return r;
}

// Retry-After in whole seconds, at least 1 (`ms` 0: intake gave no hint).
std::string RetryAfterSeconds(int64_t ms) {
  return std::to_string(std::max<int64_t>(1, (ms + 999) / 1000));
}

HttpReply RetryLater(int status, const std::string& code,
                     const std::string& message, int64_t retry_after_ms) {
  HttpReply r = Refuse(status, code, message, "");
  r.headers.emplace_back("Retry-After", RetryAfterSeconds(retry_after_ms));
  return r;
}

// A call intake did not complete (no per-report result).
HttpReply CallFailed(const IntakeAnswer& a) {
  const std::string message = StrCat("intake: ", a.status.error_message());
  switch (a.status.error_code()) {
    case grpc::StatusCode::UNAUTHENTICATED:
      return Refuse(401, "UNAUTHENTICATED", message, "");
    case grpc::StatusCode::PERMISSION_DENIED:
      return Refuse(403, "PERMISSION_DENIED", message, "");
    case grpc::StatusCode::INVALID_ARGUMENT:
      return Refuse(400, "INVALID_ARGUMENT", message, "");
    case grpc::StatusCode::RESOURCE_EXHAUSTED:
      return RetryLater(429, "RESOURCE_EXHAUSTED", message, a.retry_after_ms);
    default:  // unreachable, deadline, draining: not known to be written
      return RetryLater(
          503, "UNAVAILABLE",
          StrCat(message,
                 "; not known to be written: send it again with the "
                 "same reportId"),
          a.retry_after_ms);
  }
}

// The report's own result, as HTTP.
HttpReply ResultReply(const IntakeAnswer& a) {
  const v1::ReportResult& r = a.result;
  switch (static_cast<grpc::StatusCode>(r.code())) {
    case grpc::StatusCode::OK: {
      Struct body;
      auto& f = *body.mutable_fields();
      f["reportId"].set_string_value(r.report_id());
      f["duplicate"].set_bool_value(r.duplicate());
      HttpReply ok;
      ok.json = ToJson(body);
      return ok;
    }
    case grpc::StatusCode::INVALID_ARGUMENT:
      return Refuse(400, r.code_name(), r.message(), r.field());
    case grpc::StatusCode::PERMISSION_DENIED:
      return Refuse(403, r.code_name(), r.message(), r.field());
    case grpc::StatusCode::ALREADY_EXISTS:
      return Refuse(409, r.code_name(), r.message(), r.field());
    case grpc::StatusCode::UNAUTHENTICATED:
      return Refuse(401, r.code_name(), r.message(), r.field());
    case grpc::StatusCode::RESOURCE_EXHAUSTED:
      return RetryLater(429, r.code_name(), r.message(), a.retry_after_ms);
    default:  // UNAVAILABLE and anything else: resend the same reportId
      return RetryLater(503, "UNAVAILABLE",
                        StrCat(r.code_name(), ": ", r.message(),
                               "; send it again with the same reportId"),
                        a.retry_after_ms);
  }
}

}  // namespace

std::string ErrorWithField(const std::string& code, const std::string& message,
                           const std::string& field) {
  Struct body;
  Struct& error = *(*body.mutable_fields())["error"].mutable_struct_value();
  (*error.mutable_fields())["code"].set_string_value(code);
  (*error.mutable_fields())["message"].set_string_value(message);
  if (!field.empty()) {
    (*error.mutable_fields())["field"].set_string_value(field);
  }
  return ToJson(body);
}

HttpReply ReplyOf(const IntakeAnswer& answer) {
  return answer.status.ok() ? ResultReply(answer) : CallFailed(answer);
}

void ReportForwarder::Connect(std::shared_ptr<const IntakeClient> client) {
  std::lock_guard<std::mutex> lock(mu_);
  client_ = std::move(client);
}

std::shared_ptr<const IntakeClient> ReportForwarder::client() const {
  std::lock_guard<std::mutex> lock(mu_);
  return client_;
}

bool ReportForwarder::connected() const { return client() != nullptr; }

HttpReply ReportForwarder::Forward(const std::string& authorization,
                                   const std::string& content_type,
                                   const std::string& body) const {
  const std::shared_ptr<const IntakeClient> intake = client();
  if (intake == nullptr) {
    return Refuse(503, "UNAVAILABLE",
                  "this gateway takes no reports: intake-address is not "
                  "configured (send them with fruitctl respond or decide)",
                  "");
  }
  const std::string type = content_type.substr(0, content_type.find(';'));
  if (type != "application/json") {
    return Refuse(415, "INVALID_ARGUMENT",
                  "Content-Type: application/json required", "Content-Type");
  }
  if (body.find_first_not_of(" \t\r\n") == std::string::npos) {
    return Refuse(400, "INVALID_ARGUMENT",
                  "body: required, one report as JSON (agencyResponse or "
                  "oversightDecision)",
                  "body");
  }
  v1::AgencyReport report;
  google::protobuf::util::JsonParseOptions options;
  options.ignore_unknown_fields = false;
  if (auto s =
          google::protobuf::util::JsonStringToMessage(body, &report, options);
      !s.ok()) {
    return Refuse(400, "INVALID_ARGUMENT",
                  StrCat("body: not an AgencyReport in proto3 JSON: ",
                         std::string(s.message())),
                  "body");
  }
  if (report.body_case() == v1::AgencyReport::BODY_NOT_SET) {
    return Refuse(400, "INVALID_ARGUMENT",
                  "body: required: agencyResponse or oversightDecision",
                  "body");
  }
  if (report.body_case() != v1::AgencyReport::kAgencyResponse &&
      report.body_case() != v1::AgencyReport::kOversightDecision) {
    const std::string name =
        report.GetDescriptor()->FindFieldByNumber(report.body_case())->name();
    return Refuse(400, "INVALID_ARGUMENT",
                  StrCat(name,
                         ": this route takes agencyResponse and "
                         "oversightDecision only; send other reports to "
                         "intake (fruitctl submit)"),
                  name);
  }
  return ReplyOf(intake->Submit(authorization, report));
}

}  // namespace fruition::gateway
