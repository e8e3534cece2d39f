// Two producers with the same transactional.id: the older one is fenced (the Java twin of zombie-fencing.py).
//
// Producer A opens a transaction, writes 10 payments and then stalls (think of a long garbage
// collection pause, or a network partition). Meanwhile a replacement, producer B, starts with the
// same transactional.id. B's initTransactions() bumps the producer epoch and aborts A's open
// transaction. When A wakes up and tries to commit, its request carries the old epoch, and the
// cluster refuses it.
import java.time.Duration;
import java.util.Properties;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.serialization.StringSerializer;

class ZombieFencing {
    static final String BOOTSTRAP = System.getenv("BOOTSTRAP_SERVERS");
    static final String TOPIC = "payments";
    static final String TXN_ID = "payment-writer";

    public static void main(String[] args) {
        KafkaProducer<String, String> a = transactional();
        a.initTransactions();
        a.beginTransaction();
        send(a, 1, 10);
        System.out.println("A stalls with its transaction open");

        KafkaProducer<String, String> b = transactional();
        b.initTransactions();              // fences A and aborts A's open transaction
        System.out.println("B has taken over the transactional.id");
        b.beginTransaction();
        send(b, 11, 20);
        b.commitTransaction();
        System.out.println("B committed payments 11-20");
        b.close();

        System.out.println("A wakes up and tries to commit its transaction");
        try {
            a.commitTransaction();
            System.out.println("A committed (this should not happen)");
        } catch (KafkaException e) {
            // ProducerFencedException: fatal. Every later call on A fails the same way; its payments
            // 1-10 were aborted when B took over, and no read_committed reader will ever see them.
            System.out.println("A cannot commit: " + e.getClass().getSimpleName() + "; A must close");
        }
        a.close(Duration.ZERO);
    }

    static KafkaProducer<String, String> transactional() {
        Properties config = new Properties();
        config.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, BOOTSTRAP);
        config.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        config.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        config.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, TXN_ID);
        config.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 10_000);   // initTransactions() and commit wait at most 10 s
        return new KafkaProducer<>(config);
    }

    static void send(KafkaProducer<String, String> producer, int first, int last) {
        for (int i = first; i <= last; i++) {
            String paymentId = "payment-" + i;
            System.out.println("sent " + paymentId);
            producer.send(new ProducerRecord<>(TOPIC, paymentId), (metadata, error) -> {
                if (error != null) {
                    System.out.println("failed " + paymentId + " " + error.getClass().getSimpleName());
                } else {
                    System.out.println("acked " + paymentId + " " + metadata.partition() + " " + metadata.offset());
                }
            });
        }
        producer.flush();
    }
}
