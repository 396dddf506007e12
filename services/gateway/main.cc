// fruition-gateway: the oversight gateway (OversightService, HTTP API, SSE,
// and the dashboard).
#include "services/common/service/main.h"

#include "services/gateway/config.h"
#include "services/gateway/run.h"

int main(int argc, char** argv) {
  return fruition::service::Main<fruition::gateway::GatewayConfig>(
      "fruition-gateway", argc, argv, fruition::gateway::GatewaySpecs(),
      &fruition::gateway::GatewayConfigFrom, &fruition::gateway::Run);
}
