// The people-facing files of a release: methodology.html (from the indicator
// catalogue), index.html (the printable report, charts as inline SVG with
// their numbers as tables) and report.css. No script and no inline style:
// the gateway serves these under a CSP that forbids both.
#include <algorithm>

#include "services/domain/periods.h"
#include "services/release/model.h"

namespace fruition::release {
namespace {

std::string Join(const std::vector<std::string>& items, const char* sep) {
  std::string out;
  for (const std::string& s : items) out += (out.empty() ? "" : sep) + s;
  return out;
}

std::string Head(const std::string& title) {
  return "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta "
         "charset=\"utf-8\">\n<title>" +
         Html(title) +
         "</title>\n<link rel=\"stylesheet\" href=\"report.css\">\n</head>\n"
         "<body>\n";
}

std::string RuleInWords(const domain::CellRule& r) {
  using Kind = domain::CellRule::Kind;
  switch (r.kind) {
    case Kind::kOrganization:
      return "About organizations or areas, not people: never suppressed.";
    case Kind::kCount:
      return "A count of people or records: withheld (S) when it is 1 to 10, "
             "or when publishing it would let a withheld count of 1 to 10 be "
             "worked out from the other published counts.";
    case Kind::kShare:
      return "A share: withheld (S) when the number of people it rests on, "
             "the number with the attribute, or the number without it is 1 "
             "to 10, or when it would reveal such a number by subtraction.";
    case Kind::kMeasure:
      return "A mean or a sum over people: withheld (S) when it rests on 1 to "
             "10 people.";
    case Kind::kDifference:
      return "A difference: withheld (S) when either of " +
             Join(r.operands, " and ") + " is withheld.";
  }
  return "";
}

std::string Versions(const Model& m) {
  return "<p>Criteria version " + Html(Join(m.criteria_versions, ", ")) +
         "; score version " + Html(Join(m.score_versions, ", ")) + ".</p>\n";
}

const char kDisclosure[] =
    "<h2 id=\"disclosure\">Disclosure control</h2>\n<p>Every figure in this "
    "release is the public view: small cells are withheld so that no person "
    "can be recognized.</p>\n<ol>\n"
    "<li>D1. A withheld cell is written <code>S</code> in CSV files and "
    "<code>{\"suppressed\":true}</code> in JSON files, with nothing else: no "
    "value and no count of people.</li>\n"
    "<li>D2. A cell is withheld when it rests on 1 to 10 people or records; "
    "a share also when the number of people with the attribute, or without "
    "it, is 1 to 10; a difference when either part is withheld.</li>\n"
    "<li>D3. Where a withheld count could be worked out by subtraction (an "
    "agency minus its field offices, a year minus its quarters, the nation "
    "minus its districts or agencies), more cells are withheld, the smallest "
    "first, until what could be worked out is 0 or at least 11.</li>\n"
    "<li>D4. A unit's public figures change only when at least 11 of the "
    "records they rest on changed, so that no one can learn about one person "
    "by comparing two versions. Figures marked <code>lags_current</code> rest "
    "on such an earlier set of records.</li>\n</ol>\n"
    "<p><code>S</code> therefore means \"withheld to protect people\", never "
    "zero. An empty cell means the figure has no meaning (a share of nobody) "
    "or does not apply to the unit.</p>\n";

const char kVerify[] =
    "<h2 id=\"verify\">Verifying this release</h2>\n<p>The file "
    "<code>MANIFEST</code> lists the SHA-256 digest of every other file. In "
    "the release's directory run <code>grep -v '^#' MANIFEST | sha256sum -c "
    "-</code> (or <code>fruitctl release verify DIR</code>): every line must "
    "say OK. The release is a pure function of the records read up to the "
    "offsets named in the MANIFEST header: built again from the same offsets "
    "it is byte for byte the same.</p>\n";

std::string IndicatorSection(const domain::IndicatorDef& d) {
  std::string out = "<tr id=\"" + Html(d.name) + "\"><td><code>" +
                    Html(d.name) + "</code></td><td><code>" +
                    Html(d.json_name) + "</code></td><td>" + Html(d.label) +
                    "</td><td>" + Html(d.description);
  if (!d.member_labels.empty()) {
    std::vector<std::string> members;
    for (const auto& [member, label] : d.member_labels) {
      members.push_back("<code>" + Html(d.name + member) + "</code> " +
                        Html(label));
    }
    out += " Members: " + Join(members, "; ") + ".";
  }
  return out + "</td><td>" + Html(Join(d.unit_kinds, ", ")) + "</td><td>" +
         Html(RuleInWords(d.rule)) + "</td></tr>\n";
}

}  // namespace

void WriteMethodology(const Model& m, std::vector<File>* out) {
  const std::string& p = m.in->period;
  std::string h = Head("Fruition release " + p + ": methodology");
  h += "<h1>Methodology of the " + Html(p) + " release</h1>\n" + Versions(m);
  h += "<p>Fiscal year " + Html(p) +
       " runs from October 1 to September 30 (UTC); its quarters are " +
       Html(p) + "Q1 (October to December) to " + Html(p) +
       "Q4 (July to September). Units are agencies, field offices, "
       "districts, areas and the nation (<code>national:US</code>).</p>\n";
  h += kDisclosure;
  h += kVerify;
  h += "<h2 id=\"indicators\">Indicators</h2>\n<table>\n<thead><tr><th>Name"
       "</th><th>JSON name</th><th>Label</th><th>Definition</th><th>Unit "
       "kinds</th><th>Disclosure rule</th></tr></thead>\n<tbody>\n";
  for (const domain::IndicatorDef& d : *m.registry) h += IndicatorSection(d);
  h += "</tbody>\n</table>\n</body>\n</html>\n";
  out->push_back({"methodology.html", std::move(h)});
}

}  // namespace fruition::release
