package fruition.bench.streams;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.MessageLite;
import com.google.protobuf.Parser;
import fruition.bench.streams.proto.SubjectFacts;
import fruition.bench.streams.proto.Sums;
import fruition.v1.Assessments.LinkAssessment;
import fruition.v1.Reports.AgencyReport;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Grouped;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.KTable;
import org.apache.kafka.streams.kstream.Materialized;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * fruition-scoring's people indicators as the natural Kafka Streams topology (bench/scoring-vs-
 * streams, docs/BENCHMARKS.md):
 *
 * <ol>
 *   <li>the reports and link assessments (keyed by subject pid) are aggregated per subject into
 *       a KTable of the subject's facts (RocksDB);
 *   <li>each change of a subject becomes its counts per (subject, unit-period), and a tombstone
 *       for a unit-period it no longer counts in, as a KTable keyed subject \0 unit \0 period;
 *   <li>that table is re-keyed by unit-period and summed with groupBy().aggregate(adder,
 *       subtractor) (RocksDB), which subtracts a subject's old counts when they change;
 *   <li>each sum's indicators are a fruition.v1.Scorecard on the output topic (key unit \0
 *       period).
 * </ol>
 *
 * <p>Usage: ScoringTopology BOOTSTRAP APPLICATION_ID STATE_DIR OUTPUT_TOPIC [REPORTS_TOPIC
 * ASSESSMENTS_TOPIC]. Environment: STREAMS_COMMIT_INTERVAL_MS (default 100), STREAMS_THREADS
 * (default 1), STREAMS_EXACTLY_ONCE (set: exactly_once_v2).
 */
public final class ScoringTopology {
  private ScoringTopology() {}

  /** A protobuf value's serde. */
  static <T extends MessageLite> Serde<T> protoSerde(Parser<T> parser) {
    Serializer<T> ser = (topic, value) -> value == null ? null : value.toByteArray();
    Deserializer<T> de =
        (topic, bytes) -> {
          if (bytes == null) return null;
          try {
            return parser.parseFrom(bytes);
          } catch (InvalidProtocolBufferException e) {
            throw new IllegalArgumentException("unreadable record on " + topic, e);
          }
        };
    return Serdes.serdeFrom(ser, de);
  }

  /** A report or an assessment of a subject (the merged input's value). */
  record Input(AgencyReport report, LinkAssessment assessment) {}

  /** The input's serde: a tag byte, then the message (used only if Streams repartitions). */
  static Serde<Input> inputSerde() {
    Serializer<Input> ser =
        (topic, in) -> {
          byte[] body = in.report() != null ? in.report().toByteArray() : in.assessment().toByteArray();
          byte[] out = new byte[body.length + 1];
          out[0] = (byte) (in.report() != null ? 'R' : 'A');
          System.arraycopy(body, 0, out, 1, body.length);
          return out;
        };
    Deserializer<Input> de =
        (topic, bytes) -> {
          try {
            var body = com.google.protobuf.ByteString.copyFrom(bytes, 1, bytes.length - 1);
            return bytes[0] == 'R'
                ? new Input(AgencyReport.parseFrom(body), null)
                : new Input(null, LinkAssessment.parseFrom(body));
          } catch (InvalidProtocolBufferException e) {
            throw new IllegalArgumentException("unreadable input on " + topic, e);
          }
        };
    return Serdes.serdeFrom(ser, de);
  }

  /** A subject's facts after `in`, and every unit-period it ever counted in. */
  static SubjectFacts apply(SubjectFacts facts, Input in) {
    SubjectFacts next =
        in.report() != null
            ? Facts.applyReport(facts, in.report())
            : Facts.applyAssessment(facts, in.assessment());
    if (next == facts) return facts;
    List<String> ever = new ArrayList<>(next.getCountedEverList());
    for (String key : Facts.contributions(next).keySet()) {
      if (!ever.contains(key)) ever.add(key);
    }
    return next.toBuilder().clearCountedEver().addAllCountedEver(ever).build();
  }

  /** A subject's counts per unit-period, and tombstones where it counts no longer. */
  static List<KeyValue<String, Sums>> perUnitPeriod(String pid, SubjectFacts facts) {
    List<KeyValue<String, Sums>> out = new ArrayList<>();
    if (facts == null) return out;
    Map<String, Sums> now = Facts.contributions(facts);
    for (String key : facts.getCountedEverList()) {
      out.add(KeyValue.pair(pid + '\0' + key, now.get(key)));
    }
    return out;
  }

  static Topology build(String reportsTopic, String assessmentsTopic, String outputTopic) {
    StreamsBuilder b = new StreamsBuilder();
    Serde<AgencyReport> reportSerde = protoSerde(AgencyReport.parser());
    Serde<LinkAssessment> assessmentSerde = protoSerde(LinkAssessment.parser());
    Serde<SubjectFacts> factsSerde = protoSerde(SubjectFacts.parser());
    Serde<Sums> sumsSerde = protoSerde(Sums.parser());
    KStream<String, Input> inputs =
        b.stream(reportsTopic, Consumed.with(Serdes.String(), reportSerde))
            .mapValues(r -> new Input(r, null))
            .merge(
                b.stream(assessmentsTopic, Consumed.with(Serdes.String(), assessmentSerde))
                    .mapValues(a -> new Input(null, a)));
    KTable<String, SubjectFacts> subjects =
        inputs
            .groupByKey(Grouped.with(Serdes.String(), inputSerde()))
            .aggregate(
                SubjectFacts::getDefaultInstance,
                (pid, in, facts) -> apply(facts, in),
                Materialized.<String, SubjectFacts, KeyValueStore<Bytes, byte[]>>as("subjects")
                    .withKeySerde(Serdes.String())
                    .withValueSerde(factsSerde));
    KTable<String, Sums> counts =
        subjects
            .toStream()
            .flatMap(ScoringTopology::perUnitPeriod)
            .toTable(
                Materialized.<String, Sums, KeyValueStore<Bytes, byte[]>>as("subject-unit-periods")
                    .withKeySerde(Serdes.String())
                    .withValueSerde(sumsSerde));
    counts
        .groupBy(
            (key, sums) -> KeyValue.pair(key.substring(key.indexOf('\0') + 1), sums),
            Grouped.with(Serdes.String(), sumsSerde))
        .aggregate(
            Sums::getDefaultInstance,
            (unitPeriod, sums, total) -> Indicators.plus(total, sums, 1),
            (unitPeriod, sums, total) -> Indicators.plus(total, sums, -1),
            Materialized.<String, Sums, KeyValueStore<Bytes, byte[]>>as("unit-period-sums")
                .withKeySerde(Serdes.String())
                .withValueSerde(sumsSerde))
        .toStream()
        .mapValues((unitPeriod, sums) -> Indicators.card(unitPeriod, sums).toByteArray())
        .to(outputTopic, Produced.with(Serdes.String(), Serdes.ByteArray()));
    return b.build();
  }

  static String env(String name, String fallback) {
    String v = System.getenv(name);
    return v == null || v.isEmpty() ? fallback : v;
  }

  public static void main(String[] args) throws InterruptedException {
    if (args.length != 4 && args.length != 6) {
      System.err.println(
          "usage: ScoringTopology BOOTSTRAP APPLICATION_ID STATE_DIR OUTPUT_TOPIC"
              + " [REPORTS_TOPIC ASSESSMENTS_TOPIC]");
      System.exit(2);
    }
    Properties p = new Properties();
    p.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, args[0]);
    p.put(StreamsConfig.APPLICATION_ID_CONFIG, args[1]);
    p.put(StreamsConfig.STATE_DIR_CONFIG, args[2]);
    p.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, env("STREAMS_COMMIT_INTERVAL_MS", "100"));
    p.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, env("STREAMS_THREADS", "1"));
    p.put(
        StreamsConfig.PROCESSING_GUARANTEE_CONFIG,
        System.getenv("STREAMS_EXACTLY_ONCE") != null
            ? StreamsConfig.EXACTLY_ONCE_V2
            : StreamsConfig.AT_LEAST_ONCE);
    p.put(StreamsConfig.REPLICATION_FACTOR_CONFIG, 1);
    p.put(StreamsConfig.consumerPrefix("auto.offset.reset"), "earliest");
    Topology topology =
        build(
            args.length == 6 ? args[4] : "fruition.reports.v1",
            args.length == 6 ? args[5] : "fruition.link-assessments.v1",
            args[3]);
    KafkaStreams streams = new KafkaStreams(topology, p);
    CountDownLatch stopped = new CountDownLatch(1);
    // The bench stops the topology with SIGTERM once its output is complete.
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  streams.close();
                  stopped.countDown();
                }));
    streams.setUncaughtExceptionHandler(
        e -> {
          System.err.println("streams failed: " + e);
          e.printStackTrace();
          return org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler
              .StreamThreadExceptionResponse.SHUTDOWN_APPLICATION;
        });
    // A failed topology ends the process (exit 1) rather than idling.
    streams.setStateListener(
        (now, before) -> {
          if (now == KafkaStreams.State.ERROR) {
            System.err.println("streams: ERROR state");
            Runtime.getRuntime().halt(1);
          }
        });
    System.err.println(topology.describe());
    streams.start();
    stopped.await();
  }
}
