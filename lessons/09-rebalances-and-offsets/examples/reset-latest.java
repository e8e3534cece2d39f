// A new consumer group with auto.offset.reset=latest: what was written before it came is never
// read (the Java twin of reset-latest.py).
//
// The reporting service is deployed with a new group id, "reports". 100 orders are already in
// "orders". The group has no committed offset yet, so auto.offset.reset decides where it starts,
// and "latest" (the default of both the Java client and librdkafka) means: at the end of the log,
// as it is when the consumer asks. Then 100 more orders arrive.
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

class ResetLatest {
    static final String BOOTSTRAP = System.getenv("BOOTSTRAP_SERVERS");

    public static void main(String[] args) {
        writeOrders(1, 100);
        System.out.println("-- the reporting service starts, group 'reports' (no committed offsets yet)");

        Properties config = new Properties();
        config.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, BOOTSTRAP);
        config.put(ConsumerConfig.GROUP_ID_CONFIG, "reports");
        config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        config.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "latest");   // the default, spelled out
        config.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        config.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(config)) {
            consumer.subscribe(List.of("orders"));
            // Wait for the group to hand out the partition, then give the consumer a moment to look up
            // "latest" (a ListOffsets request): that lookup is the moment its starting point is decided.
            long deadline = System.currentTimeMillis() + 20_000;
            while (consumer.assignment().isEmpty() && System.currentTimeMillis() < deadline) {
                consumer.poll(Duration.ofMillis(200));
            }
            long settle = System.currentTimeMillis() + 3000;
            while (System.currentTimeMillis() < settle) {
                consumer.poll(Duration.ofMillis(200));
            }
            System.out.println("-- the consumer is in the group and has looked up its starting offset");

            writeOrders(101, 200);

            long quietUntil = System.currentTimeMillis() + 5000;
            while (System.currentTimeMillis() < quietUntil) {
                for (ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(500))) {
                    quietUntil = System.currentTimeMillis() + 3000;
                    System.out.println("processed " + record.value());
                    consumer.commitSync(Map.of(new TopicPartition(record.topic(), record.partition()),
                            new OffsetAndMetadata(record.offset() + 1)));
                }
            }
        }
    }

    static void writeOrders(int first, int last) {
        Properties config = new Properties();
        config.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, BOOTSTRAP);
        config.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        config.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(config)) {
            for (int i = first; i <= last; i++) {
                String orderId = "order-" + i;
                System.out.println("sent " + orderId);
                producer.send(new ProducerRecord<>("orders", orderId), (metadata, error) -> System.out.println(
                        error != null ? "failed " + orderId + " " + error.getClass().getSimpleName()
                                : "acked " + orderId + " " + metadata.partition() + " " + metadata.offset()));
            }
            producer.flush();
        }
    }
}
