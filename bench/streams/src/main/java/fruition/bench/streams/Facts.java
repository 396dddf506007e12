package fruition.bench.streams;

import fruition.bench.streams.proto.Arrest;
import fruition.bench.streams.proto.Assessment;
import fruition.bench.streams.proto.Event;
import fruition.bench.streams.proto.Sentencing;
import fruition.bench.streams.proto.SubjectFacts;
import fruition.bench.streams.proto.Sums;
import fruition.v1.Assessments.LinkAssessment;
import fruition.v1.Enums.AssessmentResult;
import fruition.v1.Enums.DispositionOutcome;
import fruition.v1.Reports.AgencyReport;
import fruition.v1.Reports.SentencingRecord;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * A subject's facts and what they count in each unit-period: the membership rules of
 * fruition-scoring's first stage (services/scoring/facts.cc), for the indicators this yardstick
 * covers (docs/BENCHMARKS.md lists them).
 */
final class Facts {
  private Facts() {}

  static final String NATIONAL = "national:US";
  static final String CRITERIA_VERSION = "v1";

  static String pair(String a, String b) {
    return a + '\0' + b;
  }

  /** Applies a report; the same facts if it changes nothing (another body, or seen before). */
  static SubjectFacts applyReport(SubjectFacts facts, AgencyReport r) {
    String id = pair(r.getReporter(), r.getReportId());
    if (facts.containsReports(id)) return facts;
    long at = r.getOccurredAt().getSeconds();
    SubjectFacts.Builder s = facts.toBuilder();
    switch (r.getBodyCase()) {
      case ARREST -> {
        var a = r.getArrest();
        s.putArrests(
            pair(r.getReporter(), a.getArrestId()),
            Arrest.newBuilder()
                .setReporter(r.getReporter())
                .setArrestId(a.getArrestId())
                .setAgency(a.getAgency())
                .setFieldOffice(a.getFieldOffice())
                .setCaseId(r.getCaseId())
                .setClaimId(a.getClaimId())
                .setOccurredAt(at)
                .build());
      }
      case SENTENCING -> {
        // The latest judgment of the case counts (ties: reporter, then report_id).
        Sentencing old = facts.getSentencingsOrDefault(r.getCaseId(), null);
        Sentencing now =
            Sentencing.newBuilder()
                .setRecord(r.getSentencing())
                .setOccurredAt(at)
                .setReporter(r.getReporter())
                .setReportId(r.getReportId())
                .build();
        if (old == null || LATER_SENTENCING.compare(now, old) > 0) {
          s.putSentencings(r.getCaseId(), now);
        }
      }
      case DECLINATION ->
          s.addDeclinations(
              event(r, at)
                  .setDistrict(r.getDeclination().getDistrict())
                  .setReferredToState(r.getDeclination().getReferredToState()));
      case CHARGE_FILED ->
          s.addCharges(
              event(r, at)
                  .setDistrict(r.getChargeFiled().getDistrict())
                  .setMandatoryMinimumMonths(r.getChargeFiled().getMandatoryMinimumMonths()));
      case DISPOSITION ->
          s.addDispositions(event(r, at).setOutcome(r.getDisposition().getOutcomeValue()));
      default -> {
        return facts;
      }
    }
    return s.putReports(id, true).build();
  }

  private static final Comparator<Sentencing> LATER_SENTENCING =
      Comparator.comparingLong(Sentencing::getOccurredAt)
          .thenComparing(Sentencing::getReporter)
          .thenComparing(Sentencing::getReportId);

  private static final Comparator<Event> LATER_EVENT =
      Comparator.comparingLong(Event::getOccurredAt)
          .thenComparing(Event::getReporter)
          .thenComparing(Event::getReportId);

  private static Event.Builder event(AgencyReport r, long at) {
    return Event.newBuilder()
        .setCaseId(r.getCaseId())
        .setOccurredAt(at)
        .setReporter(r.getReporter())
        .setReportId(r.getReportId());
  }

  /** Applies a link assessment of the counted criteria version: the latest one counts. */
  static SubjectFacts applyAssessment(SubjectFacts facts, LinkAssessment a) {
    if (!a.getCriteriaVersion().equals(CRITERIA_VERSION)) return facts;
    String key = pair(a.getReporter(), a.getClaimId());
    Assessment now =
        Assessment.newBuilder().setResult(a.getResultValue()).setTier(a.getTierValue()).build();
    if (now.equals(facts.getAssessmentsOrDefault(key, null))) return facts;
    return facts.toBuilder().putAssessments(key, now).build();
  }

  /** Fiscal year (FY2017: October 2016 to September 2017) and quarter of a time. */
  static String[] periods(long seconds) {
    ZonedDateTime t = Instant.ofEpochSecond(seconds).atZone(ZoneOffset.UTC);
    int month = t.getMonthValue();
    int year = month >= 10 ? t.getYear() + 1 : t.getYear();
    int quarter = month >= 10 ? 1 : (month + 2) / 3 + 1;
    return new String[] {"FY" + year, "FY" + year + "Q" + quarter};
  }

  /** The subject's counts per unit-period, keyed unit \0 period. */
  static Map<String, Sums> contributions(SubjectFacts s) {
    Map<String, Sums.Builder> out = new HashMap<>();
    addArrests(s, out);
    addSentencings(s, out);
    addProsecution(s, out);
    addDeclinedThenCharged(s, out);
    Map<String, Sums> built = new TreeMap<>();
    out.forEach((k, v) -> built.put(k, v.build()));
    return built;
  }

  /** Adds `c` to every unit of `units` in the fiscal year and quarter of `at`. */
  private static void addTo(
      TreeSet<String> units, long at, Sums c, Map<String, Sums.Builder> out) {
    for (String period : periods(at)) {
      for (String unit : units) {
        Sums.Builder sum = out.computeIfAbsent(pair(unit, period), k -> Sums.newBuilder());
        Indicators.add(sum, c, 1);
      }
    }
  }

  /** An agency and its field office (either may be empty). */
  private static void addUnits(String agency, String fieldOffice, TreeSet<String> units) {
    if (!agency.isEmpty()) units.add("agency:" + agency);
    if (!fieldOffice.isEmpty()) units.add("field_office:" + fieldOffice);
  }

  /** `district` (if any), the units of every arrest of the case, and national:US. */
  private static TreeSet<String> unitsOf(SubjectFacts s, String district, String caseId) {
    TreeSet<String> units = new TreeSet<>();
    if (!district.isEmpty()) units.add("district:" + district);
    for (Arrest a : s.getArrestsMap().values()) {
      if (a.getCaseId().equals(caseId)) addUnits(a.getAgency(), a.getFieldOffice(), units);
    }
    if (!units.isEmpty()) units.add(NATIONAL);
    return units;
  }

  private static void addArrests(SubjectFacts s, Map<String, Sums.Builder> out) {
    for (Arrest a : s.getArrestsMap().values()) {
      Sums.Builder c = Sums.newBuilder().setArrests(1);
      if (!a.getClaimId().isEmpty()) {
        c.setClaimed(1);
        Assessment as = s.getAssessmentsOrDefault(pair(a.getReporter(), a.getClaimId()), null);
        if (as != null
            && as.getResult() == AssessmentResult.ASSESSMENT_RESULT_SUBSTANTIATED_VALUE) {
          c.setSubstantiated(1);
        }
      }
      TreeSet<String> units = new TreeSet<>();
      addUnits(a.getAgency(), a.getFieldOffice(), units);
      if (!units.isEmpty()) units.add(NATIONAL);
      addTo(units, a.getOccurredAt(), c.build(), out);
    }
  }

  private static void addSentencings(SubjectFacts s, Map<String, Sums.Builder> out) {
    for (Map.Entry<String, Sentencing> e : s.getSentencingsMap().entrySet()) {
      SentencingRecord r = e.getValue().getRecord();
      Desert.Result d = Desert.score(r);
      Sums c =
          Sums.newBuilder()
              .setSentenced(1)
              .setHighDesert(d.high() ? 1 : 0)
              .setLnf(d.lnf() ? 1 : 0)
              .build();
      addTo(unitsOf(s, r.getDistrict(), e.getKey()), e.getValue().getOccurredAt(), c, out);
    }
  }

  /** The latest event of each case (ties: reporter, then report_id). */
  private static Map<String, Event> latestPerCase(List<Event> events) {
    Map<String, Event> latest = new TreeMap<>();
    for (Event e : events) {
      latest.merge(e.getCaseId(), e, (a, b) -> LATER_EVENT.compare(b, a) > 0 ? b : a);
    }
    return latest;
  }

  private static void addProsecution(SubjectFacts s, Map<String, Sums.Builder> out) {
    Map<String, Event> charges = latestPerCase(s.getChargesList());
    for (Event e : charges.values()) {
      Sums c =
          Sums.newBuilder()
              .setCharged(1)
              .setMmCharged(e.getMandatoryMinimumMonths() > 0 ? 1 : 0)
              .build();
      addTo(unitsOf(s, e.getDistrict(), e.getCaseId()), e.getOccurredAt(), c, out);
    }
    for (Event e : latestPerCase(s.getDeclinationsList()).values()) {
      Sums c =
          Sums.newBuilder().setDeclined(1).setReferred(e.getReferredToState() ? 1 : 0).build();
      addTo(unitsOf(s, e.getDistrict(), e.getCaseId()), e.getOccurredAt(), c, out);
    }
    for (Event e : latestPerCase(s.getDispositionsList()).values()) {
      boolean plea = e.getOutcome() == DispositionOutcome.DISPOSITION_OUTCOME_PLEA_VALUE;
      boolean convicted =
          plea || e.getOutcome() == DispositionOutcome.DISPOSITION_OUTCOME_TRIAL_CONVICTION_VALUE;
      Sums c =
          Sums.newBuilder()
              .setDispositions(1)
              .setPleas(plea ? 1 : 0)
              .setConvictions(convicted ? 1 : 0)
              .build();
      // In the district of the case's latest charge, if any.
      Event charge = charges.get(e.getCaseId());
      String district = charge == null ? "" : charge.getDistrict();
      addTo(unitsOf(s, district, e.getCaseId()), e.getOccurredAt(), c, out);
    }
  }

  /** Declined in one district, charged in another: once, at the earliest such charge. */
  private static void addDeclinedThenCharged(SubjectFacts s, Map<String, Sums.Builder> out) {
    Event first = null;
    for (Event charge : s.getChargesList()) {
      boolean declinedElsewhere =
          s.getDeclinationsList().stream()
              .anyMatch(d -> !d.getDistrict().equals(charge.getDistrict()));
      if (!declinedElsewhere) continue;
      if (first == null
          || charge.getOccurredAt() < first.getOccurredAt()
          || (charge.getOccurredAt() == first.getOccurredAt()
              && charge.getDistrict().compareTo(first.getDistrict()) < 0)) {
        first = charge;
      }
    }
    if (first == null) return;
    TreeSet<String> units = new TreeSet<>(List.of("district:" + first.getDistrict(), NATIONAL));
    addTo(units, first.getOccurredAt(), Sums.newBuilder().setDeclinedCharged(1).build(), out);
  }
}
