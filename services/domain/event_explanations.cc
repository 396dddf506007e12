// ExplainEvent's text of each event type (SPEC §6), used by the entries of
// the event-rule registry (events.cc).
#include "services/domain/event_explanations.h"

#include <cmath>
#include <cstdio>
#include <map>
#include <string>

#include "absl/strings/str_cat.h"
#include "fruition/v1/enums.pb.h"
#include "services/domain/indicators.h"

namespace fruition::domain {
namespace {

using Facts = google::protobuf::Map<std::string, double>;

// What each fact means, by name (indicator names as in SPEC §5).
const std::map<std::string, std::string>& Meanings() {
  static const auto* m = new std::map<std::string, std::string>{
      {"threshold", "the rulebook's threshold for this event"},
      {"min_sentenced",
       "least number of people sentenced in the unit-period for the rule to "
       "apply"},
      {"fruition_gap",
       "claimed priority share minus high-desert share: how much more often "
       "agencies claimed a priority-target link than the sentencing facts "
       "show high culpability"},
      {"claimed_priority_share",
       "share of people sentenced whose arrest was claimed as linked to a "
       "CPOT, RPOT or national priority target organization"},
      {"high_desert_share",
       "share of people sentenced whose desert score is in the high band "
       "(the judiciary's own facts show high culpability)"},
      {"sentenced", "people sentenced in the unit-period"},
      {"lnf_share",
       "share of people sentenced who were low-level, nonviolent and "
       "first-time offenders (LNF)"},
      {"lnf_prison_years", "prison years imposed on LNF offenders"},
      {"lnf_cost_usd", "cost of those prison years, in US dollars"},
      {"target_ratio",
       "what the agency reported for the measure divided by its own target"},
      {"reported", "what the agency reported for the measure"},
      {"target", "the agency's performance target for the measure"},
      {"result",
       "assessment result (1 substantiated, 2 partial, 3 unsubstantiated)"},
      {"claim_result",
       "assessment result of the claim (1 substantiated, 2 partial, 3 "
       "unsubstantiated)"},
      {"tier",
       "tier of the organization claimed (1 CPOT, 2 RPOT, 3 national PTO, 4 "
       "regional PTO, 5 local PTO)"},
      {"failed_criteria", "how many link criteria the claim failed"},
      {"evidence_items", "evidence items the assessment considered"},
      {"desert_score", "desert score of the sentencing, 0 to 100"},
      {"desert_band", "desert band (1 low, 2 mid, 3 high)"},
      {"lnf",
       "1 if the person is a low-level, nonviolent, first-time offender"},
      {"mitigating_role",
       "mitigating role found by the court (1 none, 2 minor, 3 minimal)"},
      {"sentence_months", "months of imprisonment imposed"},
      {"criminal_history_category", "criminal history category, I to VI"},
      {"declinations", "declinations of the person's prosecution"},
      {"charges", "charges filed against the person"},
      {"districts_declined", "districts that declined to prosecute"},
      {"districts_charged", "districts that charged the person"},
      {"fiscal_year", "fiscal year the outcome was reported for"},
      {"outcome", "outcome claimed (1 disrupted, 2 dismantled)"},
      {"pending",
       "1 if the claim says the outcome is still pending (e.g. a prosecution "
       "not yet concluded)"},
      {"bodies", "different versions received under the same report id"},
  };
  return *m;
}

std::string Meaning(const std::string& name) {
  const auto& m = Meanings();
  if (auto it = m.find(name); it != m.end()) return it->second;
  const size_t dot = name.rfind('.');
  if (dot != std::string::npos) {
    const std::string base = name.substr(0, dot);
    const std::string what = name.substr(dot + 1);
    if (what == "n") {
      return absl::StrCat("how many cases the figure ", base, " rests on");
    }
    if (what == "suppressed") {
      return absl::StrCat(base,
                          " is withheld by disclosure control (SPEC §5): the "
                          "public view shows neither its value nor how many "
                          "cases it rests on");
    }
  }
  for (const char* op : {"at_most.", "at_least."}) {
    const std::string prefix = op;
    if (name.rfind(prefix, 0) == 0) {
      return absl::StrCat(
          "the budget line's criterion: ", name.substr(prefix.size()),
          " must be ", prefix == "at_most." ? "at most" : "at least",
          " this value");
    }
  }
  if (name.rfind("undefined.", 0) == 0) {
    return absl::StrCat(name.substr(10),
                        " has no value on the scorecard (nothing to compute "
                        "it from), so the criterion is not met");
  }
  if (name.rfind("failed.", 0) == 0) {
    return absl::StrCat("the claim failed criterion ", name.substr(7),
                        " of the link criteria");
  }
  if (name.rfind("target_ratio:", 0) == 0) {
    return absl::StrCat("reported divided by target for ",
                        name.substr(sizeof("target_ratio:") - 1));
  }
  if (const IndicatorDef* i = FindIndicator(name)) {
    return absl::StrCat(i->label, ": ", i->description);
  }
  return "an indicator of SPEC §5 with this name";
}

std::string Num(double v) {
  char buf[64];
  // Whole numbers, and any from 100 up (dollars, prison years): no
  // fraction, never an exponent (%.3g writes 3055165.8 as 3.06e+06).
  if ((std::fabs(v - std::round(v)) < 1e-9 || std::fabs(v) >= 100) &&
      std::fabs(v) < 1e15) {
    std::snprintf(buf, sizeof(buf), "%.0f", v);
  } else {
    std::snprintf(buf, sizeof(buf), "%.3g", v);
  }
  return buf;
}

std::string Pct(double v) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.1f%%", v * 100);
  return buf;
}

constexpr char kWithheld[] = "(withheld by disclosure control)";

// The fact; "withheld by disclosure control" when the event marks it
// suppressed (or `cell`, the cell it derives from); else "no value" when it
// is not in the event (undefined: a share of nobody).
std::string F(const Facts& f, const std::string& name, bool pct = false,
              const std::string& cell = "") {
  auto it = f.find(name);
  if (it != f.end()) return pct ? Pct(it->second) : Num(it->second);
  if (f.count(name + ".suppressed") > 0 ||
      (!cell.empty() && f.count(cell + ".suppressed") > 0)) {
    return kWithheld;
  }
  return "(no value)";
}

bool Suppressed(const Facts& f, const std::string& cell) {
  return f.count(cell + ".suppressed") > 0;
}

// FRUITION_GAP, LNF_SHARE_HIGH and LNF_MANDATORY_MINIMUM_HIGH come in pairs
// (SPEC §6): which half.
std::string PairNote(const v1::OversightEvent& e) {
  if (e.visibility() == v1::VISIBILITY_RESTRICTED) {
    return " (Restricted: judged on the current restricted figures, "
           "disclosure control not applied; the public condition of the "
           "same name is judged on the public view.)";
  }
  return " (Public: judged on the public view, disclosure control applied; "
         "a figure withheld there cannot be judged publicly.)";
}

// On the public view, a pair condition whose inputs (the indicator, and
// the count of the people it is about) are withheld.
bool Unjudgeable(const Facts& f, const std::string& indicator,
                 const std::string& count = "sentenced") {
  return Suppressed(f, indicator) || Suppressed(f, count);
}

std::string Where(const v1::OversightEvent& e) {
  std::string out = e.unit().empty() ? "" : e.unit();
  if (!e.period().empty()) out += (out.empty() ? "" : " in ") + e.period();
  return out;
}

std::string Tier(double t) {
  const std::string n = v1::Tier_Name(static_cast<v1::Tier>(t));
  return n.size() > 5 ? n.substr(5) : n;
}

}  // namespace

std::string SharedFactMeaning(const std::string& name) { return Meaning(name); }

Explanation ExplainLinkUnsubstantiated(const v1::OversightEvent& e) {
  Explanation x;
  const Facts& f = e.facts();
  x.rule = (absl::StrCat(
      "LINK_UNSUBSTANTIATED: a claim that an arrested person is linked "
      "to a priority target organization is assessed UNSUBSTANTIATED "
      "under the uniform link criteria ",
      e.criteria_version(),
      " (it fails criterion C1, a designated organization, or two or more "
      "of C2-C6: independent, direct, corroborated, proximate and recent "
      "evidence)."));
  x.summary = absl::StrCat("The claim by ", e.unit(),
                           " that a person is linked to ", "organization ",
                           e.org_id(), " failed ", F(f, "failed_criteria"),
                           " of the criteria on the evidence submitted (",
                           F(f, "evidence_items"), " items).");
  x.see_also.push_back(
      "EvidenceService.GetClaim (the claim, its evidence ids "
      "and every criterion's verdict)");
  return x;
}

Explanation ExplainTierMismatch(const v1::OversightEvent& e) {
  Explanation x;
  const Facts& f = e.facts();
  x.rule =
      ("TIER_MISMATCH: a person whose arrest was claimed as linked to a "
       "CPOT, RPOT or national priority target organization is sentenced "
       "as a low-level, nonviolent, first-time offender (LNF) or with a "
       "mitigating role.");
  x.summary = absl::StrCat(
      "The arrest was claimed as linked to ", e.org_id(), " (tier ",
      f.count("tier") ? Tier(f.at("tier")) : "?",
      "), but the court's sentencing facts give a desert score of ",
      F(f, "desert_score"), " out of 100",
      f.count("lnf") && f.at("lnf") > 0 ? ", an LNF offender" : "",
      f.count("mitigating_role") && f.at("mitigating_role") > 1
          ? ", with a mitigating role"
          : "",
      "; sentence ", F(f, "sentence_months"), " months.");
  x.see_also.push_back("ScoringService.GetSubjectScore (overseers)");
  x.see_also.push_back("EvidenceService.GetClaim");
  return x;
}

Explanation ExplainPendingCountedAsDismantled(const v1::OversightEvent& e) {
  Explanation x;
  const Facts& f = e.facts();
  x.rule =
      ("PENDING_COUNTED_AS_DISMANTLED: an agency reports an organization "
       "as DISMANTLED while the outcome is still pending.");
  x.summary =
      absl::StrCat(e.unit(), " reported organization ", e.org_id(),
                   " as dismantled for FY", F(f, "fiscal_year"),
                   " although the outcome is marked pending; it counts "
                   "toward the agency's reported results all the same.");
  x.see_also.push_back(
      absl::StrCat("ScoringService.GetScorecard unit=", e.unit(),
                   " period=", e.period(), " (pending_counted_as_dismantled)"));
  return x;
}

Explanation ExplainTargetOvershoot(const v1::OversightEvent& e) {
  Explanation x;
  const Facts& f = e.facts();
  x.rule =
      (absl::StrCat("TARGET_OVERSHOOT: an agency's reported result for a "
                    "performance measure is at least ",
                    F(f, "threshold"),
                    " times its own target (judged on the public view; a "
                    "figure withheld there cannot be judged)."));
  if (Suppressed(f, "target_ratio")) {
    x.summary = absl::StrCat(e.unit(), " in ", e.period(),
                             ": the figures for this measure are ", kWithheld,
                             ", so the rule cannot be judged publicly.");
  } else {
    x.summary =
        absl::StrCat(e.unit(), " in ", e.period(), " reported ",
                     F(f, "reported"), " against a target of ", F(f, "target"),
                     ": a ratio of ", F(f, "target_ratio"),
                     ". Targets overshot year after year suggest targets "
                     "set low or outputs counted loosely.");
  }
  x.see_also.push_back(absl::StrCat(
      "ScoringService.GetScorecard unit=", e.unit(), " period=", e.period()));
  return x;
}

Explanation ExplainFruitionGap(const v1::OversightEvent& e) {
  Explanation x;
  const Facts& f = e.facts();
  x.rule = (absl::StrCat(
      "FRUITION_GAP: in a unit-period with at least ", F(f, "min_sentenced"),
      " people sentenced, the share claimed as linked to priority "
      "targets exceeds the share the courts found highly culpable by at "
      "least ",
      F(f, "threshold", true), ".", PairNote(e)));
  if (e.visibility() == v1::VISIBILITY_PUBLIC &&
      Unjudgeable(f, "fruition_gap")) {
    x.summary =
        absl::StrCat("In ", Where(e), ", the figures this rule needs are ",
                     kWithheld, ", so it cannot be judged publicly.");
  } else {
    x.summary = absl::StrCat(
        "In ", Where(e), ", ", F(f, "claimed_priority_share", true), " of the ",
        F(f, "sentenced"),
        " people sentenced were claimed as priority-target "
        "cases, but only ",
        F(f, "high_desert_share", true), " had a high desert score: a gap of ",
        F(f, "fruition_gap", true), ".");
  }
  x.see_also.push_back(absl::StrCat(
      "ScoringService.GetScorecard unit=", e.unit(), " period=", e.period()));
  return x;
}

Explanation ExplainLnfShareHigh(const v1::OversightEvent& e) {
  Explanation x;
  const Facts& f = e.facts();
  x.rule = (absl::StrCat(
      "LNF_SHARE_HIGH: in a unit-period with at least ", F(f, "min_sentenced"),
      " people sentenced, at least ", F(f, "threshold", true),
      " are low-level, nonviolent, first-time offenders.", PairNote(e)));
  if (e.visibility() == v1::VISIBILITY_PUBLIC && Unjudgeable(f, "lnf_share")) {
    x.summary =
        absl::StrCat("In ", Where(e), ", the figures this rule needs are ",
                     kWithheld, ", so it cannot be judged publicly.");
  } else {
    x.summary = absl::StrCat(
        "In ", Where(e), ", ", F(f, "lnf_share", true), " of ",
        F(f, "sentenced"), " people sentenced were LNF offenders, serving ",
        F(f, "lnf_prison_years"), " prison years at a cost of $",
        F(f, "lnf_cost_usd"), ".");
  }
  x.see_also.push_back(absl::StrCat(
      "ScoringService.GetScorecard unit=", e.unit(), " period=", e.period()));
  return x;
}

Explanation ExplainLnfMandatoryMinimumHigh(const v1::OversightEvent& e) {
  Explanation x;
  const Facts& f = e.facts();
  x.rule = absl::StrCat(
      "LNF_MANDATORY_MINIMUM_HIGH: in a unit-period with at least ",
      F(f, "min_lnf_sentenced"),
      " low-level, nonviolent, first-time offenders (LNF) sentenced, at "
      "least ",
      F(f, "threshold", true),
      " of them had been charged with an offense carrying a mandatory "
      "minimum sentence (the case's charge named a minimum of more than 0 "
      "months). Congress set the drug quantities that trigger mandatory "
      "minimums at what it took \"serious\" and \"major\" traffickers to "
      "hold; aggregating weight across a conspiracy lets a prosecutor reach "
      "them against couriers and street-level sellers. The safety valve "
      "lets a court sentence some first-time, nonviolent offenders below the "
      "minimum; the Department of Justice's own charging policy (2013) asked "
      "prosecutors not to charge such minimums against low-level, "
      "nonviolent offenders without significant criminal history.",
      PairNote(e));
  if (e.visibility() == v1::VISIBILITY_PUBLIC &&
      Unjudgeable(f, "lnf_mandatory_minimum_share", "lnf_sentenced")) {
    x.summary =
        absl::StrCat("In ", Where(e), ", the figures this rule needs are ",
                     kWithheld, ", so it cannot be judged publicly.");
  } else {
    // The safety valve share, when the card has it (shown or withheld).
    const bool valve = f.count("lnf_safety_valve_share") > 0 ||
                       Suppressed(f, "lnf_safety_valve_share");
    x.summary = absl::StrCat(
        "In ", Where(e), ", ", F(f, "lnf_mandatory_minimum_share", true),
        " of the ", F(f, "lnf_sentenced"),
        " LNF offenders sentenced had been charged under a mandatory "
        "minimum",
        valve ? absl::StrCat("; ", F(f, "lnf_safety_valve_share", true),
                             " of the LNF offenders received the safety "
                             "valve")
              : "",
        ". A high share means penalties written for major traffickers "
        "fell on the least culpable people sentenced.");
  }
  x.see_also.push_back(absl::StrCat(
      "ScoringService.GetScorecard unit=", e.unit(), " period=", e.period(),
      " (lnf_mandatory_minimum_share, lnf_safety_valve_share, "
      "below_mandatory_minimum_share)"));
  return x;
}

Explanation ExplainDeclinedThenChargedElsewhere(const v1::OversightEvent& e) {
  Explanation x;
  const Facts& f = e.facts();
  x.rule =
      ("DECLINED_THEN_CHARGED_ELSEWHERE: a person whose prosecution one "
       "district declined is charged in another district.");
  x.summary =
      absl::StrCat("Prosecution was declined in ", F(f, "districts_declined"),
                   " district(s) and the person was charged in ",
                   e.unit().empty() ? "another district" : e.unit(),
                   e.period().empty() ? "" : " in " + e.period(), ".");
  return x;
}

Explanation ExplainReportConflict(const v1::OversightEvent& e) {
  Explanation x;
  const Facts& f = e.facts();
  x.rule =
      ("REPORT_CONFLICT: a report id arrives again from the same reporter "
       "with a different content. The first version counts; the others "
       "are ignored.");
  x.summary =
      absl::StrCat("Received ", F(f, "bodies"),
                   " different versions of the same report id; only the "
                   "first is counted.");
  return x;
}

Explanation ExplainScorecardPublished(const v1::OversightEvent& e) {
  Explanation x;
  const Facts& f = e.facts();
  x.rule =
      ("SCORECARD_PUBLISHED: a unit-period's indicators changed (at most "
       "one event per unit-period per minute; the latest figures).");
  x.summary =
      absl::StrCat("New figures for ", Where(e), ": ", F(f, "sentenced"),
                   " people sentenced, ", F(f, "arrests"), " arrests",
                   e.visibility() == v1::VISIBILITY_PUBLIC
                       ? "; as the public view shows them (figures withheld "
                         "by disclosure control are marked so)."
                       : " (restricted figures, disclosure control not "
                         "applied).");
  x.see_also.push_back(absl::StrCat(
      "ScoringService.GetScorecard unit=", e.unit(), " period=", e.period()));
  return x;
}

namespace {

// Each failed criterion of a BUDGET_CRITERIA_UNMET event, in words:
// "lnf_share is 62.0% (at most 30.0% required)".
std::string FailedCriteria(const Facts& f) {
  std::map<std::string, double> sorted(f.begin(), f.end());
  std::string out;
  for (const auto& [name, bound] : sorted) {
    const size_t dot = name.find('.');
    if (dot == std::string::npos) continue;
    const std::string what = name.substr(0, dot);
    if (what != "at_most" && what != "at_least") continue;
    const std::string cell = name.substr(dot + 1);
    // Shares read as percentages, like the scorecards show them.
    const IndicatorDef* d = FindIndicator(cell);
    const bool pct = d != nullptr && d->format == "pct";
    std::string found = F(f, cell, pct);
    if (f.count("undefined." + cell) > 0) found = "(no value)";
    absl::StrAppend(&out, out.empty() ? "" : "; ", cell, " is ", found, " (",
                    what == "at_most" ? "at most " : "at least ",
                    pct ? Pct(bound) : Num(bound), " required)");
  }
  return out;
}

}  // namespace

Explanation ExplainBudgetCriteriaUnmet(const v1::OversightEvent& e) {
  Explanation x;
  const Facts& f = e.facts();
  const std::string line =
      e.condition_key().substr(e.condition_key().find('/') + 1);
  x.rule =
      ("BUDGET_CRITERIA_UNMET: an overseer's budget line pegs dollars for an "
       "agency and fiscal year to outcome criteria on the agency's scorecard "
       "(e.g. lnf_share at most 0.30) instead of case counts; the condition "
       "holds while the agency's public scorecard for that year fails one "
       "of them. A figure that is missing, has no value or is withheld by "
       "disclosure control fails. Judged on the public view, like every "
       "public event: the same figures anyone can check.");
  const std::string money =
      absl::StrCat("$", F(f, "amount_usd"), " for ", Where(e));
  if (f.count("moved") > 0) {
    x.summary = absl::StrCat("Budget line ", line,
                             " has been amended to fund another agency; it "
                             "no longer concerns ",
                             e.unit(), ".");
  } else if (f.count("no_scorecard") > 0) {
    x.summary = absl::StrCat("Budget line ", line, " (", money,
                             "): the agency has no public scorecard for the "
                             "year yet, so its criteria are not judged.");
  } else if (f.count("criteria_failed") > 0 && f.at("criteria_failed") > 0) {
    x.summary = absl::StrCat(
        "Budget line ", line, " (", money, ") is pegged to ", F(f, "criteria"),
        " criteria; ", F(f, "criteria_failed"),
        " not met on the public scorecard: ", FailedCriteria(f), ".");
  } else {
    x.summary = absl::StrCat("Budget line ", line, " (", money,
                             "): every one of its ", F(f, "criteria"),
                             " criteria is met on the public scorecard.");
  }
  x.see_also.push_back(absl::StrCat(
      "ScoringService.GetScorecard unit=", e.unit(), " period=", e.period(),
      " (budget_usd, cost_per_high_desert_sentence)"));
  return x;
}

}  // namespace fruition::domain
