// The gateway's configuration: the common settings (services/common/service;
// group-id is unused: every replica reads the topics whole) and its HTTP API,
// from flags > FRUITION_* environment > YAML file.
#ifndef FRUITION_SERVICES_GATEWAY_CONFIG_H_
#define FRUITION_SERVICES_GATEWAY_CONFIG_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "services/common/config/config.h"
#include "services/common/service/service.h"
#include "services/gateway/http.h"
#include "services/gateway/intake_client.h"

namespace fruition::gateway {

inline constexpr service::ServiceDefaults kGatewayDefaults = {
    "127.0.0.1:50055", "127.0.0.1:9105", "fruition-gateway"};

struct GatewayConfig : service::CommonConfig {
  GatewayConfig() : service::CommonConfig(kGatewayDefaults) {}
  HttpOptions http;
  // Where POST /api/v1/reports forwards answers and decisions (SPEC §11);
  // no address: the route answers 503 and the dashboard hides its forms.
  IntakeOptions intake;
};

const std::vector<config::Spec>& GatewaySpecs();

absl::StatusOr<GatewayConfig> GatewayConfigFrom(const config::Settings& s);

}  // namespace fruition::gateway

#endif  // FRUITION_SERVICES_GATEWAY_CONFIG_H_
