// Exercise: make retries stop duplicating. Reference solution (Java).
//
// This producer writes 200 orders and waits for every in-sync replica (acks=all), retrying
// whatever is not answered. Twice while it runs, the leader writes a batch but its answer never
// reaches the producer, so the producer sends the batch again.
//
// Right now each of those retries writes the orders a second time. Change the producer's
// configuration (and only that) so that a retry can never write a batch twice. Then run
// `course check retries-without-duplicates`.
import java.time.Duration;
import java.util.Properties;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;

class Retries {
    public static void main(String[] args) throws InterruptedException {
        Properties config = new Properties();
        config.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, System.getenv("BOOTSTRAP_SERVERS"));
        config.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        config.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        config.put(ProducerConfig.ACKS_CONFIG, "all");
        // Producer id + sequence numbers: the leader recognises a resent batch and writes it once.
        // (kafka-clients turns this on by default; the starting file had switched it off.)
        config.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);

        KafkaProducer<String, String> producer = new KafkaProducer<>(config);
        for (int i = 1; i <= 200; i++) {
            String orderId = "order-" + i;
            System.out.println("sent " + orderId);
            producer.send(new ProducerRecord<>("orders", orderId), (metadata, error) -> {
                if (error != null) {
                    System.out.println("failed " + orderId + " " + error.getClass().getSimpleName());
                } else {
                    System.out.println("acked " + orderId + " " + metadata.partition() + " " + metadata.offset());
                }
            });
            Thread.sleep(5);
        }
        producer.close(Duration.ofSeconds(30));
    }
}
