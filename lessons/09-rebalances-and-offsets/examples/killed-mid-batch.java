// A member killed in the middle of a batch: its partition waits for the session timeout, then the
// batch is done again (the Java twin of killed-mid-batch.py).
//
// Instance A of the billing service runs as a process of its own. It takes batches of 50 payments,
// books them, and commits after each batch (at-least-once, lesson 3). Halfway through its third
// batch it dies on the spot: no close(), no LeaveGroup, no last commit. Instance B is started right
// away in the same group.
//
// The group cannot tell a dead member from a slow one until A's session times out
// (session.timeout.ms, 6 s here). Until then A keeps its partition and B waits. Then the group
// rebalances, B gets the partition and starts from A's last commit: the half batch A booked before
// it died is booked again.
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Properties;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

class KilledMidBatch {
    static final String BOOTSTRAP = System.getenv("BOOTSTRAP_SERVERS");

    public static void main(String[] args) throws Exception {
        if (args.length == 1 && args[0].equals("--instance-a")) {
            runInstance("A", 3);
            return;
        }
        writePayments();
        // A gets a process of its own (this same program), so that it can really die.
        String java = ProcessHandle.current().info().command().orElse("java");
        new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"), "KilledMidBatch", "--instance-a")
                .inheritIO().start().waitFor();
        runInstance("B", -1);
    }

    static void writePayments() {
        Properties config = new Properties();
        config.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, BOOTSTRAP);
        config.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        config.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(config)) {
            for (int i = 1; i <= 200; i++) {
                String paymentId = "payment-" + i;
                System.out.println("sent " + paymentId);
                producer.send(new ProducerRecord<>("payments", paymentId), (metadata, error) -> System.out.println(
                        error != null ? "failed " + paymentId + " " + error.getClass().getSimpleName()
                                : "acked " + paymentId + " " + metadata.partition() + " " + metadata.offset()));
            }
            producer.flush();
        }
    }

    static void runInstance(String name, int killedInBatch) throws InterruptedException {
        long started = System.currentTimeMillis();
        Properties config = new Properties();
        config.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, BOOTSTRAP);
        config.put(ConsumerConfig.GROUP_ID_CONFIG, "billing");
        config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        config.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        config.put(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, 6000);    // default 45000: how long a dead member keeps its partitions
        config.put(ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG, 1000);
        config.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 50);        // batches of at most 50, as in the Python twin
        config.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        config.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        KafkaConsumer<String, String> consumer = new KafkaConsumer<>(config);
        consumer.subscribe(List.of("payments"), new ConsumerRebalanceListener() {
            @Override
            public void onPartitionsAssigned(Collection<TopicPartition> parts) {
                System.out.printf("-- %s gets partition(s) %s after %.1f s%n", name,
                        parts.stream().map(TopicPartition::partition).toList(), (System.currentTimeMillis() - started) / 1000.0);
            }

            @Override
            public void onPartitionsRevoked(Collection<TopicPartition> parts) {}
        });
        int batches = 0;
        long quietUntil = System.currentTimeMillis() + 20_000;
        while (System.currentTimeMillis() < quietUntil) {
            ConsumerRecords<String, String> batch = consumer.poll(Duration.ofSeconds(1));
            if (batch.isEmpty()) {
                continue;
            }
            quietUntil = System.currentTimeMillis() + 3000;
            batches++;
            int n = 0;
            for (ConsumerRecord<String, String> record : batch) {
                if (batches == killedInBatch && n == batch.count() / 2) {
                    System.out.println("-- " + name + " is killed while booking " + record.value());
                    // Ends the JVM on the spot, as SIGKILL would: no finally, no close(), no LeaveGroup.
                    Runtime.getRuntime().halt(137);
                }
                Thread.sleep(10);   // the booking itself
                System.out.println("processed " + record.value());
                n++;
            }
            consumer.commitSync();   // the batch is done: record it
        }
        consumer.close();
    }
}
