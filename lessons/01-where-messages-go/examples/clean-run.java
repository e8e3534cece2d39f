// A clean run: 200 orders, no faults, every one written exactly once (the Java twin of clean-run.py).
//
// The report lines, as in every example:
//   sent <id>                          send() was called
//   acked <id> <partition> <offset>    the send callback said the broker wrote it
//   failed <id> <error>                the send callback said it failed
import java.time.Duration;
import java.util.Properties;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.StringSerializer;

class CleanRun {
    static final String TOPIC = "orders";
    static final int COUNT = 200;

    public static void main(String[] args) throws InterruptedException {
        Properties config = new Properties();
        config.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, System.getenv("BOOTSTRAP_SERVERS"));
        config.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        config.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        // No delivery settings at all: kafka-clients exactly as it ships. (Its defaults differ from
        // confluent-kafka's: acks=all and enable.idempotence=true. With no fault, same outcome.)
        KafkaProducer<String, String> producer = new KafkaProducer<>(config);

        for (int i = 1; i <= COUNT; i++) {
            String orderId = "order-" + i;
            System.out.println("sent " + orderId);   // printed first: the callback may run before send() returns
            producer.send(new ProducerRecord<>(TOPIC, orderId), (metadata, error) -> report(orderId, metadata, error));
            Thread.sleep(5);   // a steady trickle of orders, so they go out in many small requests
        }
        producer.close(Duration.ofSeconds(15));   // waits for every callback (up to 15 s), then closes
        System.out.println("done: " + COUNT + " sent");
    }

    static void report(String id, RecordMetadata metadata, Exception error) {
        if (error != null) {
            System.out.println("failed " + id + " " + error.getClass().getSimpleName());
        } else {
            System.out.println("acked " + id + " " + metadata.partition() + " " + metadata.offset());
        }
    }
}
