// acks=1 when the leader dies with unreplicated data (the Java twin of acks-one-failover.py).
//
// The scenario pauses replication from the start, so the followers fall behind. Once 50 orders
// are in the leader's log, the leader stops. A follower that never received those orders becomes
// the new leader. Later, replication resumes, so what the new leader writes becomes readable.
import java.time.Duration;
import java.util.Properties;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.StringSerializer;

class AcksOneFailover {
    static final String TOPIC = "orders";
    static final int COUNT = 200;

    public static void main(String[] args) throws InterruptedException {
        Properties config = new Properties();
        config.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, System.getenv("BOOTSTRAP_SERVERS"));
        config.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        config.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        config.put(ProducerConfig.ACKS_CONFIG, "1");   // the leader answers as soon as it has written the batch itself
        // Idempotence needs acks=all; kafka-clients would drop it silently for acks=1, said here outright.
        config.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, false);
        KafkaProducer<String, String> producer = new KafkaProducer<>(config);

        for (int i = 1; i <= COUNT; i++) {
            String id = "order-" + i;
            System.out.println("sent " + id);   // printed first: the callback may run before send() returns
            producer.send(new ProducerRecord<>(TOPIC, id), (metadata, error) -> report(id, metadata, error));
            Thread.sleep(5);   // a steady trickle, so the messages go out in many small requests
        }
        producer.close(Duration.ofSeconds(30));   // waits for the outstanding callbacks, then closes
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
