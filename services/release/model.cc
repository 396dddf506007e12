#include "services/release/model.h"

#include <cstdio>

#include "services/common/json.h"
#include "services/domain/periods.h"

namespace fruition::release {

const std::vector<std::string>& Kinds() {
  static const auto* kinds = new std::vector<std::string>{
      "national", "agency", "field_office", "district", "area"};
  return *kinds;
}

const v1::Indicator* Row::Cell(const std::string& name) const {
  auto it = cells.find(name);
  return it == cells.end() ? nullptr : it->second;
}

std::vector<const Row*> Model::YearRows(const std::string& kind) const {
  std::vector<const Row*> out;
  auto it = rows.find(kind);
  if (it == rows.end()) return out;
  for (const Row& r : it->second) {
    if (domain::IsFiscalYear(r.card->period())) out.push_back(&r);
  }
  return out;
}

std::vector<const Row*> Model::UnitRows(const std::string& unit) const {
  std::vector<const Row*> out;
  auto it = rows.find(KindOf(unit));
  if (it == rows.end()) return out;
  for (const Row& r : it->second) {
    if (r.card->unit() == unit) out.push_back(&r);
  }
  return out;
}

std::string KindOf(const std::string& unit) {
  return unit.substr(0, unit.find(':'));
}

std::string Num(double v) { return json::Number(v); }

std::string Percent(double share) { return OneDecimal(share * 100); }

std::string OneDecimal(double v) {
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%.1f", v);
  std::string s = buf;
  return s == "-0.0" ? "0.0" : s;
}

std::string CsvField(const std::string& s) {
  if (s.find_first_of(",\"\n\r") == std::string::npos) return s;
  std::string out = "\"";
  for (char c : s) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

std::string CsvLine(const std::vector<std::string>& fields) {
  std::string out;
  for (size_t i = 0; i < fields.size(); ++i) {
    if (i > 0) out += ",";
    out += CsvField(fields[i]);
  }
  return out + "\n";
}

std::string Html(const std::string& s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string LabelOf(const Model& m, const std::string& name) {
  for (const domain::IndicatorDef& d : *m.registry) {
    if (d.name == name) return d.label;
    if (!d.name.empty() && d.name.back() == ':' && name.rfind(d.name, 0) == 0) {
      auto it = d.member_labels.find(name.substr(d.name.size()));
      if (it != d.member_labels.end()) return it->second;
      return d.label + ": " + name.substr(d.name.size());
    }
  }
  return name;
}

}  // namespace fruition::release
