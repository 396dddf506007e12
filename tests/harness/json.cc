#include "tests/harness/json.h"

#include <map>
#include <sstream>

namespace fruition::testing {

using google::protobuf::Struct;
using google::protobuf::Value;

namespace {

std::string Quoted(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

}  // namespace

std::string CanonicalJson(const Struct& s) {
  std::map<std::string, const Value*> sorted;
  for (const auto& [k, x] : s.fields()) sorted[k] = &x;
  std::string out = "{";
  for (const auto& [k, x] : sorted) {
    if (out.size() > 1) out += ',';
    out += Quoted(k) + ":" + CanonicalJson(*x);
  }
  return out + "}";
}

std::string CanonicalJson(const Value& v) {
  switch (v.kind_case()) {
    case Value::kStructValue:
      return CanonicalJson(v.struct_value());
    case Value::kListValue: {
      std::string out = "[";
      for (const Value& x : v.list_value().values()) {
        if (out.size() > 1) out += ',';
        out += CanonicalJson(x);
      }
      return out + "]";
    }
    case Value::kNumberValue: {
      std::ostringstream out;
      out.precision(17);
      out << v.number_value();
      return out.str();
    }
    case Value::kStringValue:
      return Quoted(v.string_value());
    case Value::kBoolValue:
      return v.bool_value() ? "true" : "false";
    default:
      return "null";
  }
}

}  // namespace fruition::testing
