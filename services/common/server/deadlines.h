// Server-side deadlines for every call of a gRPC server:
//  - a unary call whose client set no deadline is cancelled after
//    `unary` (plus one second of grace, so that a handler that watches the
//    same deadline itself answers DEADLINE_EXCEEDED first);
//  - a client-streaming or bidirectional call with no message in either
//    direction for `stream_idle` is cancelled.
// A cancelled call ends with status CANCELLED at the client (gRPC gives a
// server no way to end a call with another code from outside its handler);
// the handler sees ServerContext::IsCancelled() and its reads fail.
// Server-streaming calls (a subscription that may rightly be quiet for
// long) get neither.
//
// One watchdog thread per factory; thread-safe.
#ifndef FRUITION_SERVICES_COMMON_SERVER_DEADLINES_H_
#define FRUITION_SERVICES_COMMON_SERVER_DEADLINES_H_

#include <grpcpp/support/server_interceptor.h>

#include <chrono>
#include <memory>

namespace fruition::server {

struct DeadlineOptions {
  std::chrono::milliseconds unary{30000};
  std::chrono::milliseconds stream_idle{300000};
  // Added to `unary` before the watchdog cancels (see above).
  std::chrono::milliseconds unary_grace{1000};
};

// The interceptor factory; it must outlive the server.
std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>
DeadlineEnforcer(const DeadlineOptions& options);

}  // namespace fruition::server

#endif  // FRUITION_SERVICES_COMMON_SERVER_DEADLINES_H_
