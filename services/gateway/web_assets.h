// The dashboard's static files (services/gateway/web/), compiled into the
// binary by a genrule so that the gateway needs no files at run time.
#ifndef FRUITION_SERVICES_GATEWAY_WEB_ASSETS_H_
#define FRUITION_SERVICES_GATEWAY_WEB_ASSETS_H_

#include <map>
#include <string>
#include <utility>

namespace fruition::gateway {

// "/index.html" -> (content type, content).
const std::map<std::string, std::pair<std::string, std::string>>& WebAssets();

}  // namespace fruition::gateway

#endif  // FRUITION_SERVICES_GATEWAY_WEB_ASSETS_H_
