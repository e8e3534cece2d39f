// acks=all when the leader dies with unreplicated data (the Java twin of acks-all-failover.py).
//
// The scenario pauses replication from the start, so the followers fall behind. Once the first
// batch is in the leader's log (the leader cannot answer it while replication is paused), the
// leader stops. A follower that never received it becomes the new leader; later, replication
// resumes, so what the new leader writes can reach the in-sync replicas and become readable.
import java.time.Duration;
import java.util.Properties;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.StringSerializer;

class AcksAllFailover {
    static final String TOPIC = "orders";
    static final int COUNT = 200;

    public static void main(String[] args) throws InterruptedException {
        Properties config = new Properties();
        config.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, System.getenv("BOOTSTRAP_SERVERS"));
        config.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        config.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        config.put(ProducerConfig.ACKS_CONFIG, "all");   // the leader answers once every in-sync replica has the batch
        // kafka-clients also turns idempotence on by default (confluent-kafka does not); this lesson
        // is about acks alone, so it is off here as in the Python twin.
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
