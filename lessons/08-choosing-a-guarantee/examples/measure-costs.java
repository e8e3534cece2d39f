// What each guarantee costs: the same messages under five producer setups (the Java twin of measure-costs.py).
//
// For each setup the example measures two things:
//   latency     messages sent one at a time, each timed until it counts as written (its callback;
//               for the transactional setup, its commit, because a read_committed reader cannot see
//               a record before that): 500 samples, or 200 for the transactional setup
//   throughput  ten bursts of 500 messages, each sent as fast as the client takes them and timed
//               until its last message is written (the transactional setup commits every 100); the
//               table shows the median burst
// Each producer first sends one warm-up message, so that connecting, fetching metadata and getting
// a producer id are not counted.
//
// Why so many: one burst of 500 is over in a few milliseconds, about one time slice of a busy
// machine's scheduler, and the 99th percentile of 100 samples is the second-slowest sample: a single
// such number says more about what else the machine was doing than about the setup. The median of
// ten bursts and a percentile of hundreds of samples hold still from run to run. The transactional
// setup takes fewer latency samples because each one is a whole transaction: on a real cluster a
// commit takes tens to hundreds of milliseconds, and 500 of them would make the run last minutes.
//
// No faults are injected. The sandbox is one Python process on your machine, so read the numbers
// as ratios between setups, not as what a real cluster would do.
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Properties;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.StringSerializer;

class MeasureCosts {
    static final String BOOTSTRAP = System.getenv("BOOTSTRAP_SERVERS");
    static final int LATENCY_COUNT = 500;      // latency samples of each setup but the transactional one
    static final int TXN_LATENCY_COUNT = 200;  // one commit each: tens to hundreds of ms apiece on a real cluster
    static final int BURSTS = 10;
    static final int BURST_SIZE = 500;         // a whole number of transactions: each burst ends with a commit
    static final int TXN_SIZE = 100;

    record Setup(String name, Map<String, Object> settings, String topic) {}

    record Result(String name, double rate, double p50, double p99) {}

    // kafka-clients turns idempotence on by default (confluent-kafka does not), so every setup
    // that is not about idempotence turns it off, to measure the same thing as the Python twin.
    static final List<Setup> SETUPS = List.of(
            new Setup("acks=0", Map.of("acks", "0", "retries", 0, "enable.idempotence", false), "bench-acks0"),
            new Setup("acks=1", Map.of("acks", "1", "enable.idempotence", false), "bench-acks1"),
            new Setup("acks=all", Map.of("acks", "all", "enable.idempotence", false), "bench-acksall"),
            new Setup("idempotent", Map.of("enable.idempotence", true), "bench-idempotent"),
            new Setup("transactional", Map.of("transactional.id", "bench-writer"), "bench-transactional"));

    public static void main(String[] args) {
        List<Result> results = new ArrayList<>();
        for (Setup setup : SETUPS) {
            results.add(measure(setup));
        }
        // Milliseconds to three decimals: the fastest setups answer within tens of microseconds,
        // where two decimals would turn 70 into 80 microseconds, a 14 % change, for one rounding step.
        System.out.printf("%-14s %8s %8s %8s%n", "setup", "msg/s", "p50 ms", "p99 ms");
        for (Result r : results) {
            System.out.printf("%-14s %8.0f %8.3f %8.3f%n", r.name(), r.rate(), r.p50(), r.p99());
        }
    }

    static void send(KafkaProducer<String, String> producer, String topic, String id) {
        System.out.println("sent " + id);
        producer.send(new ProducerRecord<>(topic, id), (metadata, error) -> report(id, metadata, error));
    }

    static void report(String id, RecordMetadata metadata, Exception error) {
        if (error != null) {
            System.out.println("failed " + id + " " + error.getClass().getSimpleName());
        } else {
            System.out.println("acked " + id + " " + metadata.partition() + " " + metadata.offset());   // acks=0: -1
        }
    }

    /** Commit the open transaction, or wait until every message sent so far is written. */
    static void settle(KafkaProducer<String, String> producer, boolean transactional) {
        if (transactional) {
            producer.commitTransaction();   // flushes, then commits
        } else {
            producer.flush();
        }
    }

    static Result measure(Setup setup) {
        Properties config = new Properties();
        config.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, BOOTSTRAP);
        config.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        config.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        config.putAll(setup.settings());
        boolean transactional = setup.settings().containsKey("transactional.id");
        String name = setup.name();
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(config)) {
            if (transactional) {
                producer.initTransactions();
                producer.beginTransaction();
            }
            send(producer, setup.topic(), name + "-warmup");
            settle(producer, transactional);

            // Latency: one message at a time, waiting until it counts as written.
            List<Double> latencies = new ArrayList<>();
            int samples = transactional ? TXN_LATENCY_COUNT : LATENCY_COUNT;
            for (int i = 1; i <= samples; i++) {
                long start = System.nanoTime();
                if (transactional) {
                    producer.beginTransaction();
                }
                send(producer, setup.topic(), name + "-single-" + i);
                settle(producer, transactional);
                latencies.add((System.nanoTime() - start) / 1e6);
            }

            // Throughput: bursts, each as fast as the client takes it; the median burst is
            // reported, so that one burst the machine stalled does not decide the number.
            List<Double> rates = new ArrayList<>();
            for (int burst = 0; burst < BURSTS; burst++) {
                long start = System.nanoTime();
                for (int i = burst * BURST_SIZE + 1; i <= (burst + 1) * BURST_SIZE; i++) {
                    if (transactional && i % TXN_SIZE == 1) {
                        producer.beginTransaction();
                    }
                    send(producer, setup.topic(), name + "-burst-" + i);
                    if (transactional && i % TXN_SIZE == 0) {
                        producer.commitTransaction();   // flushes, then commits
                    }
                }
                producer.flush();
                rates.add(BURST_SIZE / ((System.nanoTime() - start) / 1e9));
            }
            return new Result(name, median(rates), median(latencies), p99(latencies));
        }
    }

    /** The middle sample (of an even count, the mean of the middle two). */
    static double median(List<Double> samples) {
        List<Double> sorted = new ArrayList<>(samples);
        Collections.sort(sorted);
        int n = sorted.size();
        return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
    }

    /** Nearest rank: the sample that 99 % of the samples do not exceed (of 500, the 495th). */
    static double p99(List<Double> samples) {
        List<Double> sorted = new ArrayList<>(samples);
        Collections.sort(sorted);
        return sorted.get((sorted.size() * 99 + 99) / 100 - 1);
    }
}
