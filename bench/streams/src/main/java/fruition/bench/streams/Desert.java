package fruition.bench.streams;

import fruition.v1.Enums.AggravatingRole;
import fruition.v1.Enums.Drug;
import fruition.v1.Enums.MitigatingRole;
import fruition.v1.Enums.OffenseFunction;
import fruition.v1.Enums.Weapon;
import fruition.v1.Reports.SentencingRecord;
import java.util.EnumSet;
import java.util.Map;
import java.util.Set;

/**
 * The desert score of a sentencing record and whether it is low-level and nonviolent (LNF): the
 * default rules (version v1) of services/domain/desert.cc, written again in Java so that the
 * topology computes every indicator itself.
 */
final class Desert {
  private Desert() {}

  /** What the indicators use of a record's score. */
  record Result(int score, boolean high, boolean lnf) {}

  private static final Map<OffenseFunction, Integer> FUNCTION_POINTS =
      Map.ofEntries(
          Map.entry(OffenseFunction.OFFENSE_FUNCTION_HIGH_LEVEL_SUPPLIER_IMPORTER, 40),
          Map.entry(OffenseFunction.OFFENSE_FUNCTION_ORGANIZER_LEADER, 40),
          Map.entry(OffenseFunction.OFFENSE_FUNCTION_GROWER_MANUFACTURER, 30),
          Map.entry(OffenseFunction.OFFENSE_FUNCTION_FINANCIER_LAUNDERER, 30),
          Map.entry(OffenseFunction.OFFENSE_FUNCTION_PILOT_CAPTAIN, 25),
          Map.entry(OffenseFunction.OFFENSE_FUNCTION_WHOLESALER, 25),
          Map.entry(OffenseFunction.OFFENSE_FUNCTION_MANAGER, 25),
          Map.entry(OffenseFunction.OFFENSE_FUNCTION_ENFORCER, 25),
          Map.entry(OffenseFunction.OFFENSE_FUNCTION_SUPERVISOR, 20),
          Map.entry(OffenseFunction.OFFENSE_FUNCTION_CHEMIST_COOK, 20),
          Map.entry(OffenseFunction.OFFENSE_FUNCTION_BROKER_STEERER, 12),
          Map.entry(OffenseFunction.OFFENSE_FUNCTION_STREET_LEVEL_DEALER, 8),
          Map.entry(OffenseFunction.OFFENSE_FUNCTION_COURIER, 6),
          Map.entry(OffenseFunction.OFFENSE_FUNCTION_RENTER_STORER, 6),
          Map.entry(OffenseFunction.OFFENSE_FUNCTION_MULE, 4),
          Map.entry(OffenseFunction.OFFENSE_FUNCTION_EMPLOYEE_LOOKOUT, 4),
          Map.entry(OffenseFunction.OFFENSE_FUNCTION_ENABLER, 3),
          Map.entry(OffenseFunction.OFFENSE_FUNCTION_USER, 0));
  private static final Map<AggravatingRole, Integer> AGGRAVATING_POINTS =
      Map.of(
          AggravatingRole.AGGRAVATING_ROLE_ORGANIZER_LEADER, 15,
          AggravatingRole.AGGRAVATING_ROLE_MANAGER, 10,
          AggravatingRole.AGGRAVATING_ROLE_SUPERVISOR, 6);
  private static final Map<MitigatingRole, Integer> MITIGATING_POINTS =
      Map.of(
          MitigatingRole.MITIGATING_ROLE_MINOR, -5, MitigatingRole.MITIGATING_ROLE_MINIMAL, -10);
  private static final Map<Weapon, Integer> WEAPON_POINTS =
      Map.of(Weapon.WEAPON_POSSESSED, 8, Weapon.WEAPON_SECTION_924C, 12);
  // Grams for the 5-year and 10-year mandatory minimums.
  private static final Map<Drug, double[]> THRESHOLDS =
      Map.of(
          Drug.DRUG_COCAINE, new double[] {500, 5000},
          Drug.DRUG_CRACK, new double[] {28, 280},
          Drug.DRUG_HEROIN, new double[] {100, 1000},
          Drug.DRUG_FENTANYL, new double[] {40, 400},
          Drug.DRUG_METHAMPHETAMINE, new double[] {50, 500},
          Drug.DRUG_MARIJUANA, new double[] {100000, 1000000});
  private static final Set<OffenseFunction> LNF_FUNCTIONS =
      EnumSet.of(
          OffenseFunction.OFFENSE_FUNCTION_COURIER,
          OffenseFunction.OFFENSE_FUNCTION_MULE,
          OffenseFunction.OFFENSE_FUNCTION_STREET_LEVEL_DEALER,
          OffenseFunction.OFFENSE_FUNCTION_EMPLOYEE_LOOKOUT,
          OffenseFunction.OFFENSE_FUNCTION_ENABLER,
          OffenseFunction.OFFENSE_FUNCTION_RENTER_STORER,
          OffenseFunction.OFFENSE_FUNCTION_USER,
          OffenseFunction.OFFENSE_FUNCTION_BROKER_STEERER);
  private static final int POINTS_PER_HISTORY_CATEGORY = 4;
  private static final int VIOLENCE_POINTS = 12;
  private static final int HIGH_BAND_MIN = 50;
  private static final int LNF_MAX_HISTORY_POINTS = 1;

  private static int quantityPoints(SentencingRecord s) {
    double[] t = THRESHOLDS.get(s.getDrug());
    if (t == null) return 0;
    double grams = s.getDrugWeightGrams();
    if (grams >= 10 * t[1]) return 12;
    if (grams >= t[1]) return 8;
    if (grams >= t[0]) return 4;
    return 0;
  }

  static Result score(SentencingRecord s) {
    // Categories outside I..VI count as the nearest valid one.
    int category = Math.max(1, Math.min(6, s.getCriminalHistoryCategory()));
    int sum =
        FUNCTION_POINTS.getOrDefault(s.getFunction(), 0)
            + AGGRAVATING_POINTS.getOrDefault(s.getAggravatingRole(), 0)
            + MITIGATING_POINTS.getOrDefault(s.getMitigatingRole(), 0)
            + POINTS_PER_HISTORY_CATEGORY * (category - 1)
            + WEAPON_POINTS.getOrDefault(s.getWeapon(), 0)
            + (s.getViolence() ? VIOLENCE_POINTS : 0)
            + quantityPoints(s);
    int score = Math.max(0, Math.min(100, sum));
    boolean lnf =
        s.getCriminalHistoryPoints() <= LNF_MAX_HISTORY_POINTS
            && s.getWeapon() == Weapon.WEAPON_NONE
            && !s.getViolence()
            && s.getAggravatingRole() == AggravatingRole.AGGRAVATING_ROLE_NONE
            && LNF_FUNCTIONS.contains(s.getFunction());
    return new Result(score, score >= HIGH_BAND_MIN, lnf);
  }
}
