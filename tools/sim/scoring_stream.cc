#include "tools/sim/scoring_stream.h"

#include <random>

#include "fruition/v1/assessments.pb.h"
#include "services/common/privacy/pseudonymizer.h"
#include "services/common/strings.h"
#include "services/common/topics.h"

namespace fruition::sim {
namespace {

constexpr int64_t kDay = 86400;
constexpr int64_t kFy2016 = 1443657600;  // 2015-10-01T00:00:00Z

// The generator's state: its draws and the stream so far. The order of the
// draws is the stream's definition: changing it changes every record.
class Stream {
 public:
  Stream(const std::string& nonce, uint32_t seed) : nonce_(nonce), rng_(seed) {
    agencies_ = {"A0-" + nonce, "A1-" + nonce, "A2-" + nonce};
    for (int i = 0; i < 5; ++i) offices_.push_back(StrCat("FO", i, "-", nonce));
    for (int i = 0; i < 4; ++i) {
      districts_.push_back(StrCat("D", i, "-", nonce));
    }
    small_office_ = "FO-SMALL-" + nonce;
  }

  ScoringSubject Subject(int i) {
    ScoringSubject s;
    s.pid = privacy::Sha256Hex(StrCat(nonce_, "-s-", i));
    s.agency = agencies_[i % 3];
    // Five subjects in a tiny field office: its cells must be suppressed.
    s.field_office = i < 5 ? small_office_ : offices_[Pick(5)];
    const std::string case_id = StrCat("CASE-", nonce_, "-", i);
    s.arrested = kFy2016 + Pick(700) * kDay + Pick(kDay);
    Arrest(i, case_id, &s);
    // Three in five are sentenced; one in ten of those amended later.
    if (Pick(5) < 3) Sentencing(i, case_id, &s);
    // A few declined in one district and charged in another.
    if (Pick(30) == 0) DeclinedAndCharged(i, case_id, &s);
    return s;
  }

  std::vector<StreamRecord> records;

 private:
  int Pick(int n) { return static_cast<int>(rng_() % n); }

  void Add(const v1::AgencyReport& r, const std::string& pid) {
    records.push_back(StreamRecord{std::string(topics::kReports),
                                   pid,
                                   r.SerializeAsString(),
                                   {{"fruition-reporter", r.reporter()},
                                    {"fruition-report-id", r.report_id()}}});
  }

  // The arrest, resent one time in twenty; half claim a PTO link, whose
  // latest assessment decides.
  void Arrest(int i, const std::string& case_id, ScoringSubject* s) {
    v1::AgencyReport arrest;
    arrest.set_report_id(StrCat(nonce_, "-arrest-", i));
    arrest.set_reporter(s->agency);
    arrest.mutable_occurred_at()->set_seconds(s->arrested);
    arrest.set_case_id(case_id);
    auto* a = arrest.mutable_arrest();
    a->set_arrest_id(StrCat("AR-", i));
    a->set_subject_pid(s->pid);
    a->set_agency(s->agency);
    a->set_field_office(s->field_office);
    s->claimed = Pick(2) == 0;
    if (s->claimed) a->set_claim_id(StrCat("CL-", nonce_, "-", i));
    Add(arrest, s->pid);
    if (Pick(20) == 0) Add(arrest, s->pid);  // resent
    if (!s->claimed) return;
    const int assessments = 1 + Pick(2);
    for (int k = 0; k < assessments; ++k) {
      v1::LinkAssessment la;
      la.set_assessment_id(StrCat(nonce_, "-as-", i, "-", k));
      la.set_claim_id(a->claim_id());
      la.set_subject_pid(s->pid);
      la.set_reporter(s->agency);
      la.set_criteria_version("v1");
      s->result = static_cast<v1::AssessmentResult>(1 + Pick(3));
      s->tier = static_cast<v1::Tier>(Pick(6));
      la.set_result(s->result);
      la.set_tier(s->tier);
      records.push_back(StreamRecord{std::string(topics::kLinkAssessments),
                                     s->pid,
                                     la.SerializeAsString(),
                                     {}});
    }
  }

  void Sentencing(int i, const std::string& case_id, ScoringSubject* s) {
    const int versions = Pick(10) == 0 ? 2 : 1;
    for (int k = 0; k < versions; ++k) {
      v1::AgencyReport sen;
      sen.set_report_id(StrCat(nonce_, "-sen-", i, "-", k));
      sen.set_reporter("USSC");
      sen.mutable_occurred_at()->set_seconds(
          s->arrested + (100 + 200 * k) * kDay + Pick(50) * kDay);
      sen.set_case_id(case_id);
      auto* r = sen.mutable_sentencing();
      r->set_subject_pid(s->pid);
      r->set_district(districts_[Pick(4)]);
      r->set_criminal_history_points(Pick(8));
      r->set_criminal_history_category(1 + Pick(6));
      r->set_aggravating_role(static_cast<v1::AggravatingRole>(1 + Pick(4)));
      r->set_mitigating_role(static_cast<v1::MitigatingRole>(1 + Pick(3)));
      r->set_weapon(static_cast<v1::Weapon>(1 + Pick(3)));
      r->set_violence(Pick(10) == 0);
      r->set_drug(static_cast<v1::Drug>(1 + Pick(7)));
      r->set_drug_weight_grams(Pick(20000) / 10.0);
      r->set_function(static_cast<v1::OffenseFunction>(1 + Pick(18)));
      r->set_sentence_months(12 + Pick(240));
      s->sentencing = sen;
      Add(sen, s->pid);
    }
  }

  void DeclinedAndCharged(int i, const std::string& case_id,
                          ScoringSubject* s) {
    const int from = Pick(4);
    const int to = (from + 1 + Pick(3)) % 4;
    v1::AgencyReport dec;
    dec.set_report_id(StrCat(nonce_, "-dec-", i));
    dec.set_reporter("USAO-" + nonce_);
    dec.mutable_occurred_at()->set_seconds(s->arrested + 10 * kDay);
    dec.set_case_id(case_id);
    dec.mutable_declination()->set_subject_pid(s->pid);
    dec.mutable_declination()->set_district(districts_[from]);
    dec.mutable_declination()->set_reason("quantity");
    Add(dec, s->pid);
    v1::AgencyReport charge;
    charge.set_report_id(StrCat(nonce_, "-charge-", i));
    charge.set_reporter("USAO-" + nonce_);
    s->charged_at = s->arrested + 40 * kDay;
    charge.mutable_occurred_at()->set_seconds(s->charged_at);
    charge.set_case_id(case_id + "-B");
    charge.mutable_charge_filed()->set_subject_pid(s->pid);
    charge.mutable_charge_filed()->set_district(districts_[to]);
    charge.mutable_charge_filed()->add_statutes("21 U.S.C. 841");
    Add(charge, s->pid);
    s->charged_district = districts_[to];
  }

  std::string nonce_;
  std::mt19937 rng_;
  std::vector<std::string> agencies_, offices_, districts_;
  std::string small_office_;
};

}  // namespace

std::vector<StreamRecord> ScoringStream(
    const std::string& nonce, int subjects, uint32_t seed,
    const std::function<void(const ScoringSubject&)>& each) {
  Stream stream(nonce, seed);
  for (int i = 0; i < subjects; ++i) {
    const ScoringSubject s = stream.Subject(i);
    if (each) each(s);
  }
  return std::move(stream.records);
}

}  // namespace fruition::sim
