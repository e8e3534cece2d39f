// One lost acknowledgement: some orders are written twice (the Java twin of lost-ack.py).
//
// The scenario lets the leader write one Produce request and then cuts the connection before
// the answer gets back. The producer cannot tell "never arrived" from "arrived, answer lost",
// so it sends the batch again.
import java.time.Duration;
import java.util.Properties;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.StringSerializer;

class LostAck {
    static final String TOPIC = "orders";
    static final int COUNT = 200;

    public static void main(String[] args) throws InterruptedException {
        Properties config = new Properties();
        config.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, System.getenv("BOOTSTRAP_SERVERS"));
        config.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        config.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        // kafka-clients turns enable.idempotence on by default; confluent-kafka, which the Python
        // twin uses as it ships, leaves it off. Idempotence would let the leader spot the resent
        // batch, and this lesson is about what happens without it: turn it off explicitly.
        config.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, false);
        KafkaProducer<String, String> producer = new KafkaProducer<>(config);

        for (int i = 1; i <= COUNT; i++) {
            String id = "order-" + i;
            System.out.println("sent " + id);   // printed first: the callback may run before send() returns
            producer.send(new ProducerRecord<>(TOPIC, id), (metadata, error) -> report(id, metadata, error));
            Thread.sleep(5);   // a steady trickle, so the messages go out in many small requests
        }
        producer.close(Duration.ofSeconds(15));   // waits for the outstanding callbacks, then closes
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
