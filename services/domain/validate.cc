#include "services/domain/validate.h"

#include <google/protobuf/unknown_field_set.h>

#include <algorithm>
#include <cmath>
#include <set>
#include <vector>

#include "services/common/strings.h"
#include "services/domain/condition_keys.h"
#include "services/domain/indicators.h"
#include "services/domain/reports.h"

namespace fruition::domain {
namespace {

using v1::AgencyReport;

// Accumulates the first rule that fails. Each check returns false on failure
// so callers can write `if (!c.Id(...)) return c.error();`.
class Checker {
 public:
  Checker(int64_t now_seconds, const Sender& sender)
      : now_(now_seconds), sender_(sender) {}

  bool Fail(const std::string& field, const std::string& message,
            absl::StatusCode code = absl::StatusCode::kInvalidArgument) {
    rejection_ = Rejection{code, field, StrCat(field, ": ", message)};
    return false;
  }

  // An identifier: valid UTF-8, at most kMaxIdChars characters, no control
  // characters; non-empty when required.
  bool Id(const std::string& value, const std::string& field, bool required) {
    if (value.empty()) return !required || Fail(field, "required");
    if (!IsValidUtf8(value)) return Fail(field, "not valid UTF-8");
    if (Utf8Length(value) > kMaxIdChars) {
      return Fail(field, StrCat("longer than ", kMaxIdChars, " characters"));
    }
    for (unsigned char c : value) {
      if (c < 0x20 || c == 0x7F) {
        return Fail(field, "contains a control character");
      }
    }
    return true;
  }

  // An agency a report counts for (docs/API.md, "Who may write what"): a
  // required id that is the sender or one it acts for, else PERMISSION_DENIED,
  // so no reporter can write another agency's arrests, cases or targets.
  bool Agency(const std::string& value, const std::string& field) {
    if (!Id(value, field, true)) return false;
    if (value == sender_.code) return true;
    for (const std::string& code : sender_.acts_for) {
      if (value == code) return true;
    }
    return Fail(field,
                StrCat("'", value, "' is neither the reporter ('", sender_.code,
                       "') nor an agency it acts for (acts_for in the "
                       "principals file)"),
                absl::StatusCode::kPermissionDenied);
  }

  // Free text: valid UTF-8 (length bounded by the report size).
  bool Text(const std::string& value, const std::string& field) {
    return IsValidUtf8(value) || Fail(field, "not valid UTF-8");
  }

  // Free text of at most `max_chars` characters; when required, not blank.
  // Messages never echo the text (it may be restricted: SPEC §11).
  bool BoundedText(const std::string& value, const std::string& field,
                   size_t max_chars, bool required) {
    if (!IsValidUtf8(value)) return Fail(field, "not valid UTF-8");
    if (required &&
        value.find_first_not_of(" \t\n\r\f\v") == std::string::npos) {
      return Fail(field, value.empty() ? "required" : "required (blank)");
    }
    if (const size_t n = Utf8Length(value); n > max_chars) {
      return Fail(field,
                  StrCat(n, " characters, over the limit of ", max_chars));
    }
    return true;
  }

  // An enum: a known value; not the zero (*_UNSPECIFIED) value if required.
  bool Enum(int value, bool (*is_valid)(int), const std::string& field,
            const std::string& type_name, bool required = true) {
    if (!is_valid(value)) {
      return Fail(field, StrCat("unknown ", type_name, " value ", value));
    }
    if (required && value == 0) {
      return Fail(field, StrCat("required (", type_name,
                                "_UNSPECIFIED is not a value)"));
    }
    return true;
  }

  // A timestamp: set (if required), within the proto range, and not more
  // than 24 h after now.
  bool Time(bool has, const google::protobuf::Timestamp& ts,
            const std::string& field, bool required) {
    if (!has) return !required || Fail(field, "required");
    // 0001-01-01 .. 9999-12-31, as google.protobuf.Timestamp defines.
    if (ts.seconds() < -62135596800LL || ts.seconds() > 253402300799LL ||
        ts.nanos() < 0 || ts.nanos() > 999999999) {
      return Fail(field, "not a valid timestamp");
    }
    if (ts.seconds() > now_ + kMaxFutureSeconds) {
      return Fail(field, "more than 24 h in the future");
    }
    return true;
  }

  bool NonNegative(double value, const std::string& field) {
    if (!std::isfinite(value)) return Fail(field, "must be a finite number");
    if (value < 0) return Fail(field, "must be >= 0");
    return true;
  }

  bool Range(uint64_t value, uint64_t min, uint64_t max,
             const std::string& field) {
    if (value < min || value > max) {
      return Fail(field, StrCat(value, " is outside ", min, "..", max));
    }
    return true;
  }

  bool Ids(const google::protobuf::RepeatedPtrField<std::string>& values,
           const std::string& field) {
    if (values.size() > kMaxRepeated) {
      return Fail(field, StrCat("more than ", kMaxRepeated, " entries"));
    }
    for (int i = 0; i < values.size(); ++i) {
      if (!Id(values[i], StrCat(field, "[", i, "]"), true)) return false;
    }
    return true;
  }

  const std::optional<Rejection>& error() const { return rejection_; }
  const Sender& sender() const { return sender_; }

  static size_t Utf8Length(std::string_view s) {
    size_t n = 0;
    for (unsigned char c : s) n += (c & 0xC0) != 0x80;
    return n;
  }

 private:
  const int64_t now_;
  const Sender& sender_;
  std::optional<Rejection> rejection_;
};

// The subject of a body (the body table names its fields): subject_ref is
// required, and subject_pid is intake's to set.
bool Subject(Checker& c, const AgencyReport& r) {
  const BodySpec& spec = *SpecOf(r.body_case());
  const std::string body(spec.name);
  if (!spec.subject.pid(r).empty()) {
    return c.Fail(body + ".subject_pid",
                  "must be empty: intake computes it from subject_ref");
  }
  const std::string& ref = spec.subject.ref(r);
  if (!c.Id(ref, body + ".subject_ref", true)) return false;
  // The pid is computed from the trimmed ref (SPEC §2): a blank ref would
  // make every blank-ref subject one person.
  if (ref.find_first_not_of(" \t\n\r\f\v") == std::string::npos) {
    return c.Fail(body + ".subject_ref", "required (blank)");
  }
  return true;
}

bool Evidence(Checker& c,
              const google::protobuf::RepeatedPtrField<v1::EvidenceItem>& items,
              const std::string& field, int min_items) {
  if (items.size() < min_items) {
    return c.Fail(field, StrCat("at least ", min_items, " item required"));
  }
  if (items.size() > kMaxEvidenceItems) {
    return c.Fail(field,
                  StrCat("more than ", kMaxEvidenceItems, " evidence items"));
  }
  std::set<std::string> ids;
  for (int i = 0; i < items.size(); ++i) {
    const v1::EvidenceItem& item = items[i];
    const std::string at = StrCat(field, "[", i, "]");
    if (!c.Id(item.evidence_id(), at + ".evidence_id", true)) return false;
    if (!ids.insert(item.evidence_id()).second) {
      return c.Fail(at + ".evidence_id",
                    StrCat("duplicate evidence_id '", item.evidence_id(), "'"));
    }
    if (!c.Enum(item.kind(), v1::EvidenceKind_IsValid, at + ".kind",
                "EVIDENCE_KIND") ||
        !c.Id(item.source_id(), at + ".source_id", true) ||
        !c.Time(item.has_observed_at(), item.observed_at(), at + ".observed_at",
                true) ||
        !c.Ids(item.corroborates(), at + ".corroborates") ||
        !c.Text(item.sealed_summary(), at + ".sealed_summary")) {
      return false;
    }
  }
  return true;
}

bool FiscalYear(Checker& c, uint32_t year, const std::string& field) {
  return c.Range(year, 1990, 2100, field);
}

bool CheckCaseOpened(Checker& c, const AgencyReport& r) {
  const auto& b = r.case_opened();
  if (!c.Agency(b.agency(), "case_opened.agency") ||
      !c.Id(b.field_office(), "case_opened.field_office", false) ||
      !c.Id(b.district(), "case_opened.district", true) ||
      !c.Enum(b.origin(), v1::CaseOrigin_IsValid, "case_opened.origin",
              "CASE_ORIGIN") ||
      !c.Id(b.target_org_id(), "case_opened.target_org_id", false)) {
    return false;
  }
  for (int i = 0; i < b.designations_size(); ++i) {
    if (!c.Enum(b.designations(i), v1::CaseDesignation_IsValid,
                StrCat("case_opened.designations[", i, "]"),
                "CASE_DESIGNATION")) {
      return false;
    }
  }
  return true;
}

bool CheckOrgDesignated(Checker& c, const AgencyReport& r) {
  const auto& b = r.org_designated();
  return c.Id(b.org_id(), "org_designated.org_id", true) &&
         c.Enum(b.tier(), v1::Tier_IsValid, "org_designated.tier", "TIER") &&
         c.Id(b.region(), "org_designated.region", false) &&
         c.Ids(b.criteria_cited(), "org_designated.criteria_cited");
}

bool CheckLinkClaim(Checker& c, const AgencyReport& r) {
  const auto& b = r.link_claim();
  return c.Id(b.claim_id(), "link_claim.claim_id", true) && Subject(c, r) &&
         c.Id(b.org_id(), "link_claim.org_id", true) &&
         c.Enum(b.link_role(), v1::LinkRole_IsValid, "link_claim.link_role",
                "LINK_ROLE") &&
         c.Range(b.hops(), 0, kMaxHops, "link_claim.hops") &&
         Evidence(c, b.evidence(), "link_claim.evidence", 0);
}

bool CheckEvidenceAdded(Checker& c, const AgencyReport& r) {
  const auto& b = r.evidence_added();
  return c.Id(b.claim_id(), "evidence_added.claim_id", true) && Subject(c, r) &&
         Evidence(c, b.evidence(), "evidence_added.evidence", 1);
}

bool CheckArrest(Checker& c, const AgencyReport& r) {
  const auto& b = r.arrest();
  return c.Id(b.arrest_id(), "arrest.arrest_id", true) && Subject(c, r) &&
         c.Agency(b.agency(), "arrest.agency") &&
         c.Id(b.field_office(), "arrest.field_office", false) &&
         c.Id(b.claim_id(), "arrest.claim_id", false);
}

bool CheckSeizure(Checker& c, const AgencyReport& r) {
  const auto& b = r.seizure();
  return c.Id(b.seizure_id(), "seizure.seizure_id", true) &&
         c.Enum(b.drug(), v1::Drug_IsValid, "seizure.drug", "DRUG",
                /*required=*/b.weight_grams() > 0) &&
         c.NonNegative(b.weight_grams(), "seizure.weight_grams") &&
         c.NonNegative(b.cash_usd(), "seizure.cash_usd") &&
         c.NonNegative(b.assets_usd(), "seizure.assets_usd");
}

bool CheckChargeFiled(Checker& c, const AgencyReport& r) {
  const auto& b = r.charge_filed();
  return Subject(c, r) && c.Id(b.district(), "charge_filed.district", true) &&
         c.Ids(b.statutes(), "charge_filed.statutes") &&
         c.Range(b.mandatory_minimum_months(), 0, kMaxSentenceMonths,
                 "charge_filed.mandatory_minimum_months");
}

bool CheckDeclination(Checker& c, const AgencyReport& r) {
  const auto& b = r.declination();
  return Subject(c, r) && c.Id(b.district(), "declination.district", true) &&
         c.Text(b.reason(), "declination.reason");
}

bool CheckDisposition(Checker& c, const AgencyReport& r) {
  const auto& b = r.disposition();
  return Subject(c, r) && c.Enum(b.outcome(), v1::DispositionOutcome_IsValid,
                                 "disposition.outcome", "DISPOSITION_OUTCOME");
}

bool CheckSentencing(Checker& c, const AgencyReport& r) {
  const auto& b = r.sentencing();
  return Subject(c, r) && c.Id(b.district(), "sentencing.district", true) &&
         c.Range(b.criminal_history_points(), 0, 30,
                 "sentencing.criminal_history_points") &&
         c.Range(b.criminal_history_category(), 1, 6,
                 "sentencing.criminal_history_category") &&
         c.Enum(b.aggravating_role(), v1::AggravatingRole_IsValid,
                "sentencing.aggravating_role", "AGGRAVATING_ROLE") &&
         c.Enum(b.mitigating_role(), v1::MitigatingRole_IsValid,
                "sentencing.mitigating_role", "MITIGATING_ROLE") &&
         c.Enum(b.weapon(), v1::Weapon_IsValid, "sentencing.weapon",
                "WEAPON") &&
         c.Enum(b.drug(), v1::Drug_IsValid, "sentencing.drug", "DRUG") &&
         c.NonNegative(b.drug_weight_grams(), "sentencing.drug_weight_grams") &&
         c.Enum(b.function(), v1::OffenseFunction_IsValid,
                "sentencing.function", "OFFENSE_FUNCTION") &&
         c.Range(b.sentence_months(), 0, kMaxSentenceMonths,
                 "sentencing.sentence_months");
}

bool CheckOrgOutcome(Checker& c, const AgencyReport& r) {
  const auto& b = r.org_outcome();
  return c.Id(b.org_id(), "org_outcome.org_id", true) &&
         c.Enum(b.outcome(), v1::OrgOutcome_IsValid, "org_outcome.outcome",
                "ORG_OUTCOME") &&
         FiscalYear(c, b.fiscal_year(), "org_outcome.fiscal_year");
}

bool CheckPerformanceTarget(Checker& c, const AgencyReport& r) {
  const auto& b = r.performance_target();
  return c.Agency(b.agency(), "performance_target.agency") &&
         FiscalYear(c, b.fiscal_year(), "performance_target.fiscal_year") &&
         c.Enum(b.measure(), v1::PerformanceMeasure_IsValid,
                "performance_target.measure", "PERFORMANCE_MEASURE") &&
         c.Range(b.target(), 1, 100000000, "performance_target.target");
}

bool CheckCommunityIndicator(Checker& c, const AgencyReport& r) {
  const auto& b = r.community_indicator();
  if (!c.Id(b.area_id(), "community_indicator.area_id", true) ||
      !c.Enum(b.indicator(), v1::CommunityIndicatorKind_IsValid,
              "community_indicator.indicator", "COMMUNITY_INDICATOR_KIND") ||
      !c.Time(b.has_period_start(), b.period_start(),
              "community_indicator.period_start", true) ||
      !c.Time(b.has_period_end(), b.period_end(),
              "community_indicator.period_end", true)) {
    return false;
  }
  if (!std::isfinite(b.value())) {
    return c.Fail("community_indicator.value", "must be a finite number");
  }
  const auto& s = b.period_start();
  const auto& e = b.period_end();
  if (e.seconds() < s.seconds() ||
      (e.seconds() == s.seconds() && e.nanos() <= s.nanos())) {
    return c.Fail("community_indicator.period_end",
                  "must be after period_start");
  }
  return true;
}

// A condition key (SPEC §6) a response or decision refers to: required, at
// most kMaxConditionKeyChars, no control characters, in a known format.
std::optional<ConditionRef> ConditionKey(Checker& c, const std::string& key,
                                         const std::string& field) {
  if (key.empty()) {
    c.Fail(field, "required");
    return std::nullopt;
  }
  if (!IsValidUtf8(key)) {
    c.Fail(field, "not valid UTF-8");
    return std::nullopt;
  }
  if (Checker::Utf8Length(key) > kMaxConditionKeyChars) {
    c.Fail(field, StrCat("longer than ", kMaxConditionKeyChars, " characters"));
    return std::nullopt;
  }
  for (unsigned char ch : key) {
    if (ch < 0x20 || ch == 0x7F) {
      c.Fail(field, "contains a control character");
      return std::nullopt;
    }
  }
  std::string why;
  std::optional<ConditionRef> ref = ParseConditionKey(key, &why);
  if (!ref) c.Fail(field, why);
  return ref;
}

// SPEC §11: an agency answers only a condition about itself. Decided here
// where the key names the agency (a unit or a report); a claim's or budget
// line's owner is intake's to look up (intake.cc), a subject condition's is
// judged downstream against its event's unit.
bool CheckAgencyResponse(Checker& c, const AgencyReport& r) {
  const auto& b = r.agency_response();
  const std::string field = "agency_response.condition_key";
  const std::optional<ConditionRef> ref =
      ConditionKey(c, b.condition_key(), field);
  if (!ref ||
      !c.BoundedText(b.explanation(), "agency_response.explanation",
                     kMaxExplanationChars, true) ||
      !c.BoundedText(b.corrective_action(), "agency_response.corrective_action",
                     kMaxCorrectiveActionChars, false)) {
    return false;
  }
  if (AnswerableFromKey(*ref, c.sender().code) == Answerable::kNo) {
    return c.Fail(field,
                  StrCat("the condition is about ",
                         ref->scope == ConditionRef::Scope::kReport
                             ? StrCat("a report of '", ref->reporter, "'")
                             : StrCat("unit '", ref->unit, "'"),
                         ", not '", c.sender().code,
                         "': an agency answers only conditions about itself"),
                  absl::StatusCode::kPermissionDenied);
  }
  return true;
}

bool CheckOversightDecision(Checker& c, const AgencyReport& r) {
  const auto& b = r.oversight_decision();
  return ConditionKey(c, b.condition_key(), "oversight_decision.condition_key")
             .has_value() &&
         c.Enum(b.decision(), v1::Decision_IsValid,
                "oversight_decision.decision", "DECISION") &&
         c.BoundedText(b.note(), "oversight_decision.note",
                       kMaxExplanationChars, false);
}

// A criterion's indicator: in the catalogue (a family member among the
// members it lists, when it lists them), and computed for agency units,
// whose scorecard judges the line.
bool CriterionIndicator(Checker& c, const std::string& name,
                        const std::string& field) {
  if (!c.Id(name, field, true)) return false;
  const IndicatorDef* def = FindIndicator(name);
  if (def == nullptr) {
    return c.Fail(field, StrCat("'", name,
                                "' is not an indicator name (snake_case, as "
                                "in the indicator catalogue, e.g. lnf_share)"));
  }
  const bool family = !def->name.empty() && def->name.back() == ':';
  if (family && !def->member_labels.empty() &&
      def->member_labels.count(name.substr(def->name.size())) == 0) {
    return c.Fail(field, StrCat("'", name, "' is not a member of ",
                                def->name.substr(0, def->name.size() - 1)));
  }
  if (std::find(def->unit_kinds.begin(), def->unit_kinds.end(), "agency") ==
      def->unit_kinds.end()) {
    return c.Fail(field, StrCat("'", name,
                                "' is not computed for agencies, so a budget "
                                "line could never meet it"));
  }
  return true;
}

bool CheckBudgetLine(Checker& c, const AgencyReport& r) {
  const auto& b = r.budget_line();
  if (!c.Id(b.line_id(), "budget_line.line_id", true) ||
      !c.Id(b.agency(), "budget_line.agency", true) ||
      !FiscalYear(c, b.fiscal_year(), "budget_line.fiscal_year")) {
    return false;
  }
  if (b.amount_usd() < 0 || b.amount_usd() > kMaxBudgetUsd) {
    return c.Fail("budget_line.amount_usd",
                  StrCat(b.amount_usd(), " is outside 0..", kMaxBudgetUsd,
                         " (whole US dollars)"));
  }
  if (!c.BoundedText(b.purpose(), "budget_line.purpose", kMaxPurposeChars,
                     true)) {
    return false;
  }
  if (b.criteria_size() > kMaxBudgetCriteria) {
    return c.Fail("budget_line.criteria",
                  StrCat("more than ", kMaxBudgetCriteria, " criteria"));
  }
  for (int i = 0; i < b.criteria_size(); ++i) {
    const v1::BudgetCriterion& k = b.criteria(i);
    const std::string at = StrCat("budget_line.criteria[", i, "]");
    if (!CriterionIndicator(c, k.indicator(), at + ".indicator") ||
        !c.Enum(k.op(), v1::CriterionOp_IsValid, at + ".op", "CRITERION_OP")) {
      return false;
    }
    if (!std::isfinite(k.value())) {
      return c.Fail(at + ".value", "must be a finite number");
    }
  }
  return true;
}

// The body's own rules, one function per body. A body added to the proto
// without a case here is refused as "unknown body", never passed unchecked.
bool CheckBody(Checker& c, const AgencyReport& r) {
  switch (r.body_case()) {
    case AgencyReport::kCaseOpened:
      return CheckCaseOpened(c, r);
    case AgencyReport::kOrgDesignated:
      return CheckOrgDesignated(c, r);
    case AgencyReport::kLinkClaim:
      return CheckLinkClaim(c, r);
    case AgencyReport::kEvidenceAdded:
      return CheckEvidenceAdded(c, r);
    case AgencyReport::kArrest:
      return CheckArrest(c, r);
    case AgencyReport::kSeizure:
      return CheckSeizure(c, r);
    case AgencyReport::kChargeFiled:
      return CheckChargeFiled(c, r);
    case AgencyReport::kDeclination:
      return CheckDeclination(c, r);
    case AgencyReport::kDisposition:
      return CheckDisposition(c, r);
    case AgencyReport::kSentencing:
      return CheckSentencing(c, r);
    case AgencyReport::kOrgOutcome:
      return CheckOrgOutcome(c, r);
    case AgencyReport::kPerformanceTarget:
      return CheckPerformanceTarget(c, r);
    case AgencyReport::kCommunityIndicator:
      return CheckCommunityIndicator(c, r);
    case AgencyReport::kAgencyResponse:
      return CheckAgencyResponse(c, r);
    case AgencyReport::kOversightDecision:
      return CheckOversightDecision(c, r);
    case AgencyReport::kBudgetLine:
      return CheckBudgetLine(c, r);
    case AgencyReport::BODY_NOT_SET:
      return c.Fail("body", "required");
  }
  return c.Fail("body", "unknown body");
}

// The path of the first message in `m` that carries fields this build does
// not know (sent by a newer or foreign client), or "" if there are none.
std::string UnknownFieldsPath(const google::protobuf::Message& m,
                              const std::string& path) {
  const google::protobuf::Reflection* reflection = m.GetReflection();
  if (!reflection->GetUnknownFields(m).empty()) return path;
  std::vector<const google::protobuf::FieldDescriptor*> fields;
  reflection->ListFields(m, &fields);
  for (const google::protobuf::FieldDescriptor* field : fields) {
    if (field->cpp_type() !=
        google::protobuf::FieldDescriptor::CPPTYPE_MESSAGE) {
      continue;
    }
    const std::string at =
        path.empty() ? field->name() : StrCat(path, ".", field->name());
    if (field->is_repeated()) {
      for (int i = 0; i < reflection->FieldSize(m, field); ++i) {
        std::string found =
            UnknownFieldsPath(reflection->GetRepeatedMessage(m, field, i),
                              StrCat(at, "[", i, "]"));
        if (!found.empty()) return found;
      }
    } else {
      std::string found =
          UnknownFieldsPath(reflection->GetMessage(m, field), at);
      if (!found.empty()) return found;
    }
  }
  return "";
}

}  // namespace

bool IsValidUtf8(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      ++i;
      continue;
    }
    size_t len;
    uint32_t cp;
    if ((c & 0xE0) == 0xC0) {
      len = 2;
      cp = c & 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
      len = 3;
      cp = c & 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
      len = 4;
      cp = c & 0x07;
    } else {
      return false;
    }
    if (i + len > s.size()) return false;
    for (size_t k = 1; k < len; ++k) {
      const auto cc = static_cast<unsigned char>(s[i + k]);
      if ((cc & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (cc & 0x3F);
    }
    static constexpr uint32_t kMin[] = {0, 0, 0x80, 0x800, 0x10000};
    if (cp < kMin[len] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
      return false;
    }
    i += len;
  }
  return true;
}

std::optional<Rejection> Validate(const AgencyReport& report,
                                  const Sender& sender, int64_t now_seconds) {
  Checker c(now_seconds, sender);
  if (report.ByteSizeLong() > kMaxReportBytes) {
    c.Fail("report", StrCat("larger than ", kMaxReportBytes, " bytes"));
    return c.error();
  }
  if (!c.Id(report.report_id(), "report_id", true) ||
      !c.Id(report.reporter(), "reporter", true)) {
    return c.error();
  }
  if (report.reporter() != sender.code) {
    c.Fail("reporter",
           StrCat("'", report.reporter(), "' is not the caller ('", sender.code,
                  "')"),
           absl::StatusCode::kPermissionDenied);
    return c.error();
  }
  if (report.body_case() == AgencyReport::BODY_NOT_SET) {
    c.Fail("body", "required: set one report body");
    return c.error();
  }
  if (!sender.may_send_body) {
    c.Fail(std::string(BodyName(report.body_case())),
           StrCat("a principal of kind ", sender.kind, " may not send ",
                  BodyName(report.body_case())),
           absl::StatusCode::kPermissionDenied);
    return c.error();
  }
  if (report.has_org_designated() && !sender.designates) {
    c.Fail("org_designated",
           StrCat("'", sender.code,
                  "' may not designate organizations (designates: true in "
                  "the principals file)"),
           absl::StatusCode::kPermissionDenied);
    return c.error();
  }
  // Fields this build does not know cannot be checked or pseudonymized (they
  // could hold a raw subject identifier), so they are refused, not passed on.
  if (const std::string path = UnknownFieldsPath(report, "");
      !path.empty() ||
      !report.GetReflection()->GetUnknownFields(report).empty()) {
    const std::string field = path.empty() ? "report" : path;
    c.Fail(field,
           "carries fields unknown to this intake (a newer API version?); "
           "they cannot be validated or pseudonymized");
    return c.error();
  }
  // Intake's clock decides when a report arrived (C1 judges designations by
  // it), so a sender cannot backdate one by setting it.
  if (report.has_received_at()) {
    c.Fail("received_at", "must not be set: intake stamps it on acceptance");
    return c.error();
  }
  if (!c.Time(report.has_occurred_at(), report.occurred_at(), "occurred_at",
              true) ||
      !c.Id(report.case_id(), "case_id", CaseIdRequired(report.body_case())) ||
      !CheckBody(c, report)) {
    return c.error();
  }
  return std::nullopt;
}

}  // namespace fruition::domain
