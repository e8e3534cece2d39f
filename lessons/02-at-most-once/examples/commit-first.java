// At-most-once on the consumer side: commit the batch, then process it (the Java twin of commit-first.py).
//
// Step 1 fills the topic with 200 payments. Step 2 is a consumer that commits each batch *before*
// processing it, and crashes right after one of those commits. Step 3 restarts it in the same
// group: it resumes from the committed offset.
//
// The crash is simulated inside this program: the first instance stops without processing the
// batch it has just committed and closes its consumer. With enable.auto.commit=false, close()
// commits nothing, so the group's committed offset is exactly what a crashed process leaves behind.
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

class CommitFirst {
    static final String BOOTSTRAP = System.getenv("BOOTSTRAP_SERVERS");
    static final String TOPIC = "payments";
    static final int COUNT = 200;
    static final String CRASH_ON = "payment-100";   // the first instance dies in the batch holding this payment
    static final long IDLE_MILLIS = 3000;            // a consumer stops once the topic has been quiet this long

    public static void main(String[] args) {
        fillTopic();
        System.out.println("-- first instance starts");
        runConsumer(CRASH_ON);
        System.out.println("-- restarted instance resumes from the committed offset");
        runConsumer(null);
    }

    static void fillTopic() {
        Properties config = new Properties();
        config.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, BOOTSTRAP);
        config.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        config.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(config)) {
            for (int i = 1; i <= COUNT; i++) {
                String paymentId = "payment-" + i;
                System.out.println("sent " + paymentId);
                producer.send(new ProducerRecord<>(TOPIC, paymentId), (metadata, error) -> {
                    if (error != null) {
                        System.out.println("failed " + paymentId + " " + error.getClass().getSimpleName());
                    } else {
                        System.out.println("acked " + paymentId + " " + metadata.partition() + " " + metadata.offset());
                    }
                });
            }
            producer.flush();
        }
    }

    static void runConsumer(String crashOn) {
        Properties config = new Properties();
        config.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, BOOTSTRAP);
        config.put(ConsumerConfig.GROUP_ID_CONFIG, "billing");
        config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);   // we commit ourselves ...
        config.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        config.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 20);          // batches of at most 20, as in the Python twin
        config.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        config.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(config)) {
            // The topic has one partition and this instance owns it: assign() it directly instead of
            // subscribe(), so the example never waits for a group rebalance. Offsets are still
            // committed to the group, and a restart resumes from them.
            consumer.assign(List.of(new TopicPartition(TOPIC, 0)));
            long deadline = System.currentTimeMillis() + 10_000;   // the first fetch can take a moment
            while (System.currentTimeMillis() < deadline) {
                List<String> ids = new ArrayList<>();
                for (ConsumerRecord<String, String> record : consumer.poll(Duration.ofSeconds(1))) {
                    ids.add(record.value());
                }
                if (ids.isEmpty()) {
                    continue;
                }
                deadline = System.currentTimeMillis() + IDLE_MILLIS;
                consumer.commitSync();   // ... and we commit BEFORE processing
                if (crashOn != null && ids.contains(crashOn)) {
                    System.out.println("crash: " + ids.size() + " payments committed but never processed ("
                            + ids.get(0) + " .. " + ids.get(ids.size() - 1) + ")");
                    break;
                }
                for (String paymentId : ids) {
                    System.out.println("processed " + paymentId);
                }
            }
        }
    }
}
