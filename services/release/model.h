// The parts of a release shared by its writers (release.cc, html.cc,
// quality.cc): the cards ordered once, cell lookup and number formatting.
// Internal to services/release.
#ifndef FRUITION_SERVICES_RELEASE_MODEL_H_
#define FRUITION_SERVICES_RELEASE_MODEL_H_

#include <map>
#include <string>
#include <vector>

#include "fruition/v1/scores.pb.h"
#include "services/domain/indicators.h"
#include "services/release/release.h"

namespace fruition::release {

// The unit kinds, in the order tables and charts list them.
const std::vector<std::string>& Kinds();

// One unit-period's card with its cells by SPEC §5 name.
struct Row {
  const v1::Scorecard* card = nullptr;
  std::map<std::string, const v1::Indicator*> cells;
  const v1::Indicator* Cell(const std::string& name) const;
};

struct Model {
  const Input* in = nullptr;
  const std::vector<domain::IndicatorDef>* registry = nullptr;
  // kind -> rows ordered by unit, then the fiscal year before its quarters.
  std::map<std::string, std::vector<Row>> rows;
  // kind -> indicator names present in any card of the kind, in catalogue
  // order (a family's members by name; unknown names last, by name).
  std::map<std::string, std::vector<std::string>> columns;
  std::vector<std::string> score_versions;     // distinct, sorted
  std::vector<std::string> criteria_versions;  // distinct, sorted

  // The fiscal-year rows of `kind` (one per unit).
  std::vector<const Row*> YearRows(const std::string& kind) const;
  // Every row of unit `unit`.
  std::vector<const Row*> UnitRows(const std::string& unit) const;
};

// The kind of a unit (`district` for `district:EDPA`).
std::string KindOf(const std::string& unit);

// Numbers as written in every file: the JSON form (shortest round trip), a
// percent with one decimal, or one decimal.
std::string Num(double v);
std::string Percent(double share);
std::string OneDecimal(double v);

// A CSV field (quoted when it holds a comma, quote or newline) and a line.
std::string CsvField(const std::string& s);
std::string CsvLine(const std::vector<std::string>& fields);

// Text for HTML (escapes & < > ").
std::string Html(const std::string& s);

// The label of an indicator or family member, from the catalogue (the name
// itself when the catalogue does not know it).
std::string LabelOf(const Model& m, const std::string& name);

// The writers. Each appends its files to `out`.
void WriteQuality(const Model& m, std::vector<File>* out);
void WriteMethodology(const Model& m, std::vector<File>* out);
void WriteReport(const Model& m, std::vector<File>* out);

}  // namespace fruition::release

#endif  // FRUITION_SERVICES_RELEASE_MODEL_H_
