package fruition.bench.streams;

import fruition.bench.streams.proto.Sums;
import fruition.v1.Scores.Indicator;
import fruition.v1.Scores.Scorecard;

/**
 * Unit-period sums and the indicators computed from them: the formulas of
 * services/domain/indicators.cc (a count: value and n the count; a share: k ÷ n over n, undefined
 * with value 0 when n is 0).
 */
final class Indicators {
  private Indicators() {}

  /** sum += sign × c, field by field. */
  static void add(Sums.Builder sum, Sums c, int sign) {
    sum.setArrests(sum.getArrests() + sign * c.getArrests())
        .setClaimed(sum.getClaimed() + sign * c.getClaimed())
        .setSubstantiated(sum.getSubstantiated() + sign * c.getSubstantiated())
        .setSentenced(sum.getSentenced() + sign * c.getSentenced())
        .setHighDesert(sum.getHighDesert() + sign * c.getHighDesert())
        .setLnf(sum.getLnf() + sign * c.getLnf())
        .setCharged(sum.getCharged() + sign * c.getCharged())
        .setMmCharged(sum.getMmCharged() + sign * c.getMmCharged())
        .setDeclined(sum.getDeclined() + sign * c.getDeclined())
        .setReferred(sum.getReferred() + sign * c.getReferred())
        .setDispositions(sum.getDispositions() + sign * c.getDispositions())
        .setPleas(sum.getPleas() + sign * c.getPleas())
        .setConvictions(sum.getConvictions() + sign * c.getConvictions())
        .setDeclinedCharged(sum.getDeclinedCharged() + sign * c.getDeclinedCharged());
  }

  static Sums plus(Sums a, Sums b, int sign) {
    Sums.Builder out = a.toBuilder();
    add(out, b, sign);
    return out.build();
  }

  private static Indicator cell(String name, double value, long n, boolean defined) {
    Indicator.Builder i = Indicator.newBuilder().setName(name).setN(n).setDefined(defined);
    if (defined) i.setValue(value);
    return i.build();
  }

  private static Indicator count(String name, long v) {
    return cell(name, v, v, true);
  }

  private static Indicator ratio(String name, long num, long den, long n) {
    if (den == 0) return cell(name, 0, n, false);
    return cell(name, (double) num / (double) den, n, true);
  }

  /** The scorecard of unit-period `key` (unit \0 period): every indicator in scope. */
  static Scorecard card(String key, Sums c) {
    int split = key.indexOf('\0');
    Scorecard.Builder card =
        Scorecard.newBuilder().setUnit(key.substring(0, split)).setPeriod(key.substring(split + 1));
    // Arrests and their claimed links.
    card.addIndicators(count("arrests", c.getArrests()))
        .addIndicators(count("pto_linked_arrests_claimed", c.getClaimed()))
        .addIndicators(
            cell("pto_linked_arrests_substantiated", c.getSubstantiated(), c.getClaimed(), true))
        .addIndicators(
            ratio("link_substantiation_rate", c.getSubstantiated(), c.getClaimed(), c.getClaimed()));
    // Who was sentenced.
    long sentenced = c.getSentenced();
    card.addIndicators(count("sentenced", sentenced))
        .addIndicators(ratio("high_desert_share", c.getHighDesert(), sentenced, sentenced))
        .addIndicators(ratio("lnf_share", c.getLnf(), sentenced, sentenced))
        .addIndicators(count("lnf_sentenced", c.getLnf()))
        .addIndicators(count("declined_then_charged_elsewhere", c.getDeclinedCharged()));
    // From arrest to sentence.
    long prosecuted = c.getDeclined() + c.getCharged();
    card.addIndicators(count("charged", c.getCharged()))
        .addIndicators(
            ratio("mandatory_minimum_charged_share", c.getMmCharged(), c.getCharged(), c.getCharged()))
        .addIndicators(count("declined", c.getDeclined()))
        .addIndicators(ratio("declination_rate", c.getDeclined(), prosecuted, prosecuted))
        .addIndicators(
            ratio("referred_to_state_share", c.getReferred(), c.getDeclined(), c.getDeclined()))
        .addIndicators(count("dispositions", c.getDispositions()))
        .addIndicators(ratio("plea_rate", c.getPleas(), c.getDispositions(), c.getDispositions()))
        .addIndicators(
            ratio("conviction_rate", c.getConvictions(), c.getDispositions(), c.getDispositions()));
    return card.build();
  }
}
