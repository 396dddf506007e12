#include "tools/sim/scoring_stream.h"

#include <cmath>
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
    s.case_id = case_id;
    Prosecution(i, case_id, &s);
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
      r->set_safety_valve(Pick(3) == 0);
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
    s->declinations.push_back(
        {case_id, districts_[from], dec.occurred_at().seconds()});
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
    s->charges.push_back({case_id + "-B", districts_[to], s->charged_at});
    s->charge_history.push_back(s->charges.back());
  }

  v1::AgencyReport Envelope(const std::string& report_id,
                            const std::string& reporter,
                            const std::string& case_id, int64_t at) {
    v1::AgencyReport r;
    r.set_report_id(report_id);
    r.set_reporter(reporter);
    r.set_case_id(case_id);
    r.mutable_occurred_at()->set_seconds(at);
    return r;
  }

  // The case's case_opened reports (the later one counts) and seizures, in
  // `out` in the order they are sent; keyed by case_id, as intake keys
  // them.
  void CaseLevel(int i, const std::string& case_id, ScoringSubject* s,
                 std::vector<v1::AgencyReport>* out) {
    std::vector<v1::AgencyReport> opened, seized;
    if (Pick(10) != 0) {
      const int versions = Pick(8) == 0 ? 2 : 1;
      for (int k = 0; k < versions; ++k) {
        v1::AgencyReport r =
            Envelope(StrCat(nonce_, "-open-", i, "-", k), s->agency, case_id,
                     s->arrested - (60 - 30 * k) * kDay);
        auto* o = r.mutable_case_opened();
        o->set_agency(s->agency);
        o->set_field_office(s->field_office);
        o->set_district(districts_[Pick(4)]);
        o->set_origin(static_cast<v1::CaseOrigin>(1 + Pick(6)));
        if (Pick(3) == 0) o->add_designations(v1::CASE_DESIGNATION_OCDETF);
        if (Pick(5) == 0) o->add_designations(v1::CASE_DESIGNATION_HIDTA);
        s->case_opened = *o;
        opened.push_back(r);
      }
    }
    if (Pick(5) < 2) {
      const int n = 1 + Pick(2);
      for (int k = 0; k < n; ++k) {
        v1::AgencyReport r =
            Envelope(StrCat(nonce_, "-seize-", i, "-", k), s->agency, case_id,
                     s->arrested - Pick(40) * kDay);
        auto* z = r.mutable_seizure();
        z->set_seizure_id(StrCat("SZ-", i, "-", k));
        z->set_drug(static_cast<v1::Drug>(1 + Pick(7)));
        z->set_weight_grams(Pick(50000) / 10.0);
        z->set_cash_usd(Pick(100000) + 0.25 * Pick(4));
        z->set_assets_usd(Pick(3) == 0 ? Pick(500000) : 0);
        s->seizures.push_back({r.occurred_at().seconds(),
                               static_cast<int64_t>(std::llround(
                                   (z->cash_usd() + z->assets_usd()) * 100))});
        seized.push_back(r);
      }
    }
    // Half the seizures are sent before their case is opened.
    if (Pick(2) == 0) std::swap(opened, seized);
    for (auto* part : {&opened, &seized}) {
      out->insert(out->end(), part->begin(), part->end());
    }
  }

  // Charges (the latest counts), a declination and dispositions of the
  // arrest's case.
  void Prosecution(int i, const std::string& case_id, ScoringSubject* s) {
    std::vector<v1::AgencyReport> case_level;
    CaseLevel(i, case_id, s, &case_level);
    // One in three cases is sent after the subject's other records.
    const bool late = Pick(3) == 0;
    if (!late) {
      for (const auto& r : case_level) Add(r, case_id);
    }
    const std::string usao = "USAO-" + nonce_;
    std::string charge_district;
    if (Pick(10) < 7) {
      static constexpr uint32_t kMinimums[] = {0, 60, 120};
      int m = Pick(3);
      const int versions = Pick(6) == 0 ? 2 : 1;
      for (int k = 0; k < versions; ++k) {
        if (k > 0) m = (m + 1 + Pick(2)) % 3;  // another minimum
        v1::AgencyReport r =
            Envelope(StrCat(nonce_, "-charge-", i, "-", k), usao, case_id,
                     s->arrested + (20 + 30 * k + Pick(10)) * kDay);
        auto* c = r.mutable_charge_filed();
        c->set_subject_pid(s->pid);
        charge_district = districts_[Pick(4)];
        c->set_district(charge_district);
        c->add_statutes("21 U.S.C. 841(a)(1)");
        c->set_mandatory_minimum_months(kMinimums[m]);
        Add(r, s->pid);
        s->charge_history.push_back({case_id, charge_district,
                                     r.occurred_at().seconds(), kMinimums[m]});
        if (k + 1 == versions) s->charges.push_back(s->charge_history.back());
      }
    }
    if (s->charged_district.empty() && Pick(10) == 0) {
      v1::AgencyReport r =
          Envelope(StrCat(nonce_, "-decline-", i), usao, case_id,
                   s->arrested + (5 + Pick(5)) * kDay);
      auto* d = r.mutable_declination();
      d->set_subject_pid(s->pid);
      d->set_district(districts_[Pick(4)]);
      d->set_reason("minimal federal interest");
      d->set_referred_to_state(Pick(2) == 0);
      Add(r, s->pid);
      s->declinations.push_back({case_id, d->district(),
                                 r.occurred_at().seconds(), 0,
                                 d->referred_to_state()});
    }
    if (charge_district.empty() ? Pick(20) == 0 : Pick(20) < 17) {
      const int versions = Pick(10) == 0 ? 2 : 1;
      for (int k = 0; k < versions; ++k) {
        const int o = Pick(20);
        const v1::DispositionOutcome outcome =
            o < 16    ? v1::DISPOSITION_OUTCOME_PLEA
            : o == 16 ? v1::DISPOSITION_OUTCOME_TRIAL_CONVICTION
            : o == 17 ? v1::DISPOSITION_OUTCOME_ACQUITTAL
                      : v1::DISPOSITION_OUTCOME_DISMISSAL;
        v1::AgencyReport r =
            Envelope(StrCat(nonce_, "-dispose-", i, "-", k), "COURT-" + nonce_,
                     case_id, s->arrested + (80 + 40 * k + Pick(20)) * kDay);
        r.mutable_disposition()->set_subject_pid(s->pid);
        r.mutable_disposition()->set_outcome(outcome);
        Add(r, s->pid);
        if (k + 1 == versions) {
          s->dispositions.push_back({case_id, charge_district,
                                     r.occurred_at().seconds(), 0, false,
                                     outcome});
        }
      }
    }
    if (late) {
      for (const auto& r : case_level) Add(r, case_id);
    }
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
