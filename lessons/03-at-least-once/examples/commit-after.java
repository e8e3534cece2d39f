// At-least-once on the consumer side: process first, commit afterwards (the Java twin of commit-after.py).
//
// Step 1 fills the topic with 200 shipments. Step 2 is a consumer that processes each message and
// commits after every 20. It crashes after processing shipment 110, before the commit that would
// have covered it. Step 3 restarts it in the same group.
//
// As in lesson 2, the crash is simulated inside the program: the first instance stops and closes
// its consumer; with enable.auto.commit=false, close() commits nothing.
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

class CommitAfter {
    static final String BOOTSTRAP = System.getenv("BOOTSTRAP_SERVERS");
    static final String TOPIC = "shipments";
    static final int COUNT = 200;
    static final int COMMIT_EVERY = 20;
    static final String CRASH_AFTER = "shipment-110";
    static final long IDLE_MILLIS = 3000;

    public static void main(String[] args) {
        fillTopic();
        System.out.println("-- first instance starts");
        runConsumer(CRASH_AFTER);
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
                String shipmentId = "shipment-" + i;
                System.out.println("sent " + shipmentId);
                producer.send(new ProducerRecord<>(TOPIC, shipmentId), (metadata, error) -> {
                    if (error != null) {
                        System.out.println("failed " + shipmentId + " " + error.getClass().getSimpleName());
                    } else {
                        System.out.println("acked " + shipmentId + " " + metadata.partition() + " " + metadata.offset());
                    }
                });
            }
            producer.flush();
        }
    }

    static void runConsumer(String crashAfter) {
        Properties config = new Properties();
        config.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, BOOTSTRAP);
        config.put(ConsumerConfig.GROUP_ID_CONFIG, "warehouse");
        config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        config.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        config.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        config.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(config)) {
            // The topic has one partition and this instance owns it: assign() it directly instead of
            // subscribe(), so the example never waits for a group rebalance. Offsets are still
            // committed to the group, and a restart resumes from them.
            TopicPartition partition = new TopicPartition(TOPIC, 0);
            consumer.assign(List.of(partition));
            int handled = 0;
            long deadline = System.currentTimeMillis() + 10_000;   // the first fetch can take a moment
            while (System.currentTimeMillis() < deadline) {
                for (ConsumerRecord<String, String> record : consumer.poll(Duration.ofSeconds(1))) {
                    deadline = System.currentTimeMillis() + IDLE_MILLIS;   // stop once the topic has been quiet this long
                    String shipmentId = record.value();
                    System.out.println("processed " + shipmentId);        // 1. do the work
                    if (shipmentId.equals(crashAfter)) {
                        System.out.println("crash: " + shipmentId + " processed but not committed");
                        return;   // try-with-resources closes the consumer, committing nothing
                    }
                    handled++;
                    if (handled % COMMIT_EVERY == 0) {
                        // 2. then record progress: the committed offset is the NEXT one to read
                        consumer.commitSync(Map.of(partition, new OffsetAndMetadata(record.offset() + 1)));
                    }
                }
            }
        }
    }
}
