// The same restart, with a transactional.id: the resend is safe (the Java twin of restart-transactional.py).
//
// The application from restart-resend, changed in two places. Its producer has a transactional.id
// that stays the same across restarts, and each checkpoint is a transaction commit: orders 1-50 in
// one transaction, 51-100 in the next.
//
// It dies after order 80, with the second transaction open: orders 51-80 are in the log,
// uncommitted. The restarted application creates its producer with the SAME transactional.id. Its
// initTransactions() bumps the epoch and aborts what the old instance left open, so orders 51-80 of
// the first attempt are never shown to a read_committed reader. Then it sends everything after the
// last checkpoint again, in a new transaction. The crash is simulated: the first producer is
// flushed and abandoned with its transaction open, the way a process that died would leave it.
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.StringSerializer;

class RestartTransactional {
    static final String BOOTSTRAP = System.getenv("BOOTSTRAP_SERVERS");
    static final String TOPIC = "orders";
    static final int COUNT = 100;
    static final int CHECKPOINT_EVERY = 50;
    static final int CRASH_AFTER = 80;
    static final List<KafkaProducer<String, String>> abandoned = new ArrayList<>();   // a dead process sends no abort

    public static void main(String[] args) {
        int checkpoint = sendOrders(1, COUNT, CRASH_AFTER);
        System.out.println("-- restarted with the same transactional.id: resending everything after order-" + checkpoint);
        sendOrders(checkpoint + 1, COUNT, -1);
    }

    /** Send orders first..last, one transaction per checkpoint; return the last checkpoint. */
    static int sendOrders(int first, int last, int crashAfter) {
        Properties config = new Properties();
        config.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, BOOTSTRAP);
        config.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        config.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        config.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, "order-sender");   // the same in every run of this application
        config.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 10_000);                // transaction calls wait at most 10 s
        KafkaProducer<String, String> producer = new KafkaProducer<>(config);
        producer.initTransactions();   // aborts whatever an earlier instance left open
        int checkpoint = first - 1;
        producer.beginTransaction();
        for (int i = first; i <= last; i++) {
            String orderId = "order-" + i;
            System.out.println("sent " + orderId);
            producer.send(new ProducerRecord<>(TOPIC, orderId), (metadata, error) -> report(orderId, metadata, error));
            if (i % CHECKPOINT_EVERY == 0) {
                producer.commitTransaction();   // the checkpoint: these orders now count
                checkpoint = i;
                System.out.println("checkpoint: orders up to " + i + " are committed");
                if (i < last) {
                    producer.beginTransaction();
                }
            }
            if (i == crashAfter) {
                producer.flush();   // written and acknowledged, but not committed
                System.out.println("crash after order-" + i + "; last checkpoint was order-" + checkpoint);
                abandoned.add(producer);
                return checkpoint;
            }
        }
        producer.close();
        return last;
    }

    static void report(String id, RecordMetadata metadata, Exception error) {
        if (error != null) {
            System.out.println("failed " + id + " " + error.getClass().getSimpleName());
        } else {
            System.out.println("acked " + id + " " + metadata.partition() + " " + metadata.offset());
        }
    }
}
