// Idempotence ends where the producer instance ends (the Java twin of restart-resend.py).
//
// An application sends orders with an idempotent producer and saves a checkpoint every 50 orders
// ("everything up to here is safely in Kafka"). It dies after order 80, before its next
// checkpoint. The restarted application opens a NEW producer and, to be safe, sends everything
// after the last checkpoint again.
//
// The new producer has a new producer id, so its sequence numbers start again at zero: the broker
// has no way to see that orders 51-80 are repeats. The crash is simulated: the first producer is
// flushed and dropped, the way a process that died right after its last send would leave the log.
import java.util.Properties;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.StringSerializer;

class RestartResend {
    static final String BOOTSTRAP = System.getenv("BOOTSTRAP_SERVERS");
    static final String TOPIC = "orders";
    static final int COUNT = 100;
    static final int CHECKPOINT_EVERY = 50;
    static final int CRASH_AFTER = 80;

    public static void main(String[] args) {
        int checkpoint = sendOrders(1, COUNT, CRASH_AFTER);
        System.out.println("-- restarted: a new producer resends everything after order-" + checkpoint);
        sendOrders(checkpoint + 1, COUNT, -1);
    }

    /** Send orders first..last; return the last checkpoint reached. */
    static int sendOrders(int first, int last, int crashAfter) {
        Properties config = new Properties();
        config.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, BOOTSTRAP);
        config.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        config.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        config.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);   // the kafka-clients default, spelled out
        KafkaProducer<String, String> producer = new KafkaProducer<>(config);
        try {
            int checkpoint = first - 1;
            for (int i = first; i <= last; i++) {
                String orderId = "order-" + i;
                System.out.println("sent " + orderId);
                producer.send(new ProducerRecord<>(TOPIC, orderId), (metadata, error) -> report(orderId, metadata, error));
                if (i % CHECKPOINT_EVERY == 0) {
                    producer.flush();
                    checkpoint = i;
                    System.out.println("checkpoint: orders up to " + i + " are in Kafka");
                }
                if (i == crashAfter) {
                    producer.flush();
                    System.out.println("crash after order-" + i + "; last checkpoint was order-" + checkpoint);
                    return checkpoint;
                }
            }
            producer.flush();
            return last;
        } finally {
            // Closing changes nothing here: everything was flushed, and the next producer gets a new
            // producer id whether or not this one said goodbye.
            producer.close();
        }
    }

    static void report(String id, RecordMetadata metadata, Exception error) {
        if (error != null) {
            System.out.println("failed " + id + " " + error.getClass().getSimpleName());
        } else {
            System.out.println("acked " + id + " " + metadata.partition() + " " + metadata.offset());
        }
    }
}
