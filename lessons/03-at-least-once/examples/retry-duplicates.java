// At-least-once on the producer side: acks=all, retries on, idempotence off
// (the Java twin of retry-duplicates.py).
//
// The scenario first drops a Produce request unapplied: the producer gets no answer, retries,
// and the orders arrive once. Later it applies a request and loses the answer: the producer
// retries that too, and now the leader has the batch twice.
import java.time.Duration;
import java.util.Properties;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.StringSerializer;

class RetryDuplicates {
    static final String TOPIC = "orders";
    static final int COUNT = 200;

    public static void main(String[] args) throws InterruptedException {
        Properties config = new Properties();
        config.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, System.getenv("BOOTSTRAP_SERVERS"));
        config.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        config.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        config.put(ProducerConfig.ACKS_CONFIG, "all");                  // wait until every in-sync replica has it
        config.put(ProducerConfig.RETRIES_CONFIG, Integer.MAX_VALUE);   // retry until delivery.timeout.ms runs out
        config.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 30000);   // the limit for one message, retries included
        // kafka-clients refuses a delivery.timeout.ms below linger.ms + request.timeout.ms (30 s by default).
        config.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 15000);
        // On by default in kafka-clients (off in confluent-kafka): this lesson is about retries without it.
        config.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, false);
        KafkaProducer<String, String> producer = new KafkaProducer<>(config);

        for (int i = 1; i <= COUNT; i++) {
            String id = "order-" + i;
            System.out.println("sent " + id);   // printed first: the callback may run before send() returns
            producer.send(new ProducerRecord<>(TOPIC, id), (metadata, error) -> report(id, metadata, error));
            Thread.sleep(5);   // a steady trickle, so the messages go out in many small requests
        }
        producer.close(Duration.ofSeconds(20));   // waits for the outstanding callbacks, then closes
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
