// At-most-once on the producer side: acks=0, no retries (the Java twin of fire-and-forget.py).
//
// The scenario throws away three Produce requests without writing them. With acks=0 the broker
// never answers anyway, so the producer has nothing to wait for and nothing to retry: every
// callback says "delivered", with offset -1 because the broker never said where it wrote it.
import java.time.Duration;
import java.util.Properties;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.StringSerializer;

class FireAndForget {
    static final String TOPIC = "clicks";
    static final int COUNT = 200;

    public static void main(String[] args) throws InterruptedException {
        Properties config = new Properties();
        config.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, System.getenv("BOOTSTRAP_SERVERS"));
        config.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        config.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        config.put(ProducerConfig.ACKS_CONFIG, "0");   // do not wait for any answer from the broker
        config.put(ProducerConfig.RETRIES_CONFIG, 0);  // and never send anything twice
        // Idempotence needs acks=all; kafka-clients would drop it silently for acks=0, said here outright.
        config.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, false);
        KafkaProducer<String, String> producer = new KafkaProducer<>(config);

        for (int i = 1; i <= COUNT; i++) {
            String id = "click-" + i;
            System.out.println("sent " + id);   // printed first: the callback may run before send() returns
            producer.send(new ProducerRecord<>(TOPIC, id), (metadata, error) -> report(id, metadata, error));
            Thread.sleep(5);   // a steady trickle, so the messages go out in many small requests
        }
        producer.close(Duration.ofSeconds(15));   // waits for the outstanding callbacks, then closes
        System.out.println("done: " + COUNT + " sent, no errors reported");
    }

    static void report(String id, RecordMetadata metadata, Exception error) {
        if (error != null) {
            System.out.println("failed " + id + " " + error.getClass().getSimpleName());
        } else {
            System.out.println("acked " + id + " " + metadata.partition() + " " + metadata.offset());
        }
    }
}
