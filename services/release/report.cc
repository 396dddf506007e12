// index.html and report.css: the printable report of a release.
#include <algorithm>
#include <optional>

#include "services/common/strings.h"
#include "services/release/model.h"

namespace fruition::release {
namespace {

// The indicators charted per unit kind.
const char* const kCharted[] = {"lnf_share", "high_desert_share",
                                "fruition_gap"};

constexpr int kLabelWidth = 220;
constexpr int kBarArea = 400;
constexpr int kBarHeight = 18;

// A cell's value when it is shown (not suppressed, defined).
std::optional<double> Shown(const v1::Indicator* i) {
  if (i == nullptr || i->suppressed() || !i->defined()) return std::nullopt;
  return i->value();
}

std::string Text(const v1::Indicator* i) {
  if (i == nullptr) return "";
  if (i->suppressed()) return kSuppressed;
  if (!i->defined()) return "";
  return Percent(i->value()) + "%";
}

std::string X(double v, double lo, double hi) {
  return std::to_string(kLabelWidth +
                        static_cast<int>((v - lo) / (hi - lo) * kBarArea));
}

std::string Svg(const std::string& name, const std::string& title,
                const std::vector<const Row*>& rows,
                std::optional<double> national) {
  double lo = 0, hi = 0;
  for (const Row* r : rows) {
    if (auto v = Shown(r->Cell(name))) {
      lo = std::min(lo, *v);
      hi = std::max(hi, *v);
    }
  }
  if (national) {
    lo = std::min(lo, *national);
    hi = std::max(hi, *national);
  }
  if (hi - lo < 1e-9) hi = lo + 1;
  const int height = static_cast<int>(rows.size() + 1) * kBarHeight + 10;
  std::string s = "<svg role=\"img\" aria-label=\"" + Html(title) +
                  "\" viewBox=\"0 0 " +
                  std::to_string(kLabelWidth + kBarArea + 80) + " " +
                  std::to_string(height) + "\" class=\"chart\">\n";
  int y = 0;
  for (const Row* r : rows) {
    const std::string ys = std::to_string(y);
    s += "<text class=\"label\" x=\"0\" y=\"" + std::to_string(y + 13) + "\">" +
         Html(r->card->unit()) + "</text>";
    if (auto v = Shown(r->Cell(name))) {
      const std::string x0 = X(std::min(0.0, *v), lo, hi);
      const int w = std::stoi(X(std::max(0.0, *v), lo, hi)) - std::stoi(x0);
      s += StrCat("<rect class=\"bar\" x=\"", x0, "\" y=\"", ys, "\" width=\"",
                  std::max(w, 1), "\" height=\"", kBarHeight - 4, "\"/>");
    }
    s += "<text class=\"value\" x=\"" +
         std::to_string(kLabelWidth + kBarArea + 4) + "\" y=\"" +
         std::to_string(y + 13) + "\">" + Html(Text(r->Cell(name))) +
         "</text>\n";
    y += kBarHeight;
  }
  if (national) {
    const std::string x = X(*national, lo, hi);
    s += "<line class=\"national\" x1=\"" + x + "\" x2=\"" + x +
         "\" y1=\"0\" y2=\"" + std::to_string(y) +
         "\"/><text class=\"label\" x=\"" + x + "\" y=\"" +
         std::to_string(y + 14) + "\">national:US " + Percent(*national) +
         "%</text>\n";
  }
  return s + "</svg>\n";
}

// The chart's numbers as a table (screen readers, print).
std::string NumbersTable(const std::string& name, const std::string& title,
                         const std::vector<const Row*>& rows,
                         const v1::Indicator* national) {
  std::string t = "<table class=\"numbers\">\n<caption>" + Html(title) +
                  "</caption>\n<thead><tr><th>Unit</th><th><a "
                  "href=\"methodology.html#" +
                  Html(name) + "\">" + Html(name) +
                  "</a></th><th>n</th></tr></thead>\n<tbody>\n";
  auto row = [&](const std::string& unit, const v1::Indicator* i) {
    std::string n = i == nullptr      ? ""
                    : i->suppressed() ? kSuppressed
                                      : std::to_string(i->n());
    t += "<tr><td>" + Html(unit) + "</td><td>" + Html(Text(i)) + "</td><td>" +
         n + "</td></tr>\n";
  };
  if (national != nullptr) row("national:US", national);
  for (const Row* r : rows) row(r->card->unit(), r->Cell(name));
  return t + "</tbody>\n</table>\n";
}

std::string KindSection(const Model& m, const std::string& kind,
                        const Row* national) {
  const std::vector<const Row*> rows = m.YearRows(kind);
  if (rows.empty()) return "";
  const std::vector<std::string>& cols = m.columns.at(kind);
  std::string s = "<section>\n<h2 id=\"" + kind + "\">" + Html(kind) + " (" +
                  std::to_string(rows.size()) + " units)</h2>\n";
  for (const char* name : kCharted) {
    if (std::find(cols.begin(), cols.end(), name) == cols.end()) continue;
    const std::string title =
        LabelOf(m, name) + ", " + kind + ", " + m.in->period;
    const v1::Indicator* nat = national ? national->Cell(name) : nullptr;
    s += "<figure>\n<figcaption>" + Html(title) + "</figcaption>\n" +
         Svg(name, title, rows, Shown(nat)) +
         NumbersTable(name, title, rows, nat) + "</figure>\n";
  }
  return s + "</section>\n";
}

std::string FileList(const std::vector<File>& files) {
  std::string s = "<ul>\n";
  for (const File& f : files) {
    s += "<li><a href=\"" + Html(f.path) + "\">" + Html(f.path) + "</a></li>\n";
  }
  return s +
         "<li><a href=\"MANIFEST\">MANIFEST</a> (SHA-256 of every "
         "file)</li>\n</ul>\n";
}

const char kCss[] =
    "body { font-family: serif; max-width: 60em; margin: 2em auto; }\n"
    "table { border-collapse: collapse; margin: 1em 0; }\n"
    "th, td { border: 1px solid #888; padding: 0.2em 0.5em; text-align: left; "
    "vertical-align: top; }\n"
    "svg.chart { width: 100%; height: auto; }\n"
    "svg .bar { fill: #3a6ea5; }\n"
    "svg .national { stroke: #b22222; stroke-width: 2; }\n"
    "svg .label, svg .value { font-size: 12px; font-family: sans-serif; }\n"
    "figure { margin: 1em 0; page-break-inside: avoid; }\n"
    "@media print { body { margin: 0; max-width: none; } a { color: black; "
    "text-decoration: none; } section { page-break-before: always; } }\n";

}  // namespace

void WriteReport(const Model& m, std::vector<File>* out) {
  const std::string& p = m.in->period;
  const std::vector<const Row*> nat = m.YearRows("national");
  const Row* national = nat.empty() ? nullptr : nat.front();
  std::string h =
      "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta "
      "charset=\"utf-8\">\n<title>Fruition release " +
      Html(p) +
      "</title>\n<link rel=\"stylesheet\" "
      "href=\"report.css\">\n</head>\n<body>\n<h1>Fruition "
      "release " +
      Html(p) + "</h1>\n";
  h += "<p>The public figures of every unit for fiscal year " + Html(p) +
       " and its quarters. <code>S</code> marks a figure withheld to protect "
       "people; see the <a href=\"methodology.html\">methodology</a> for every "
       "definition and the disclosure rules, and the <a "
       "href=\"methodology.html#verify\">MANIFEST</a> to verify the "
       "files.</p>\n<h2>Files</h2>\n" +
       FileList(*out);
  for (const std::string& kind : Kinds()) {
    if (kind == "national") continue;
    h += KindSection(m, kind, national);
  }
  h += "</body>\n</html>\n";
  out->push_back({"index.html", std::move(h)});
  out->push_back({"report.css", kCss});
}

}  // namespace fruition::release
