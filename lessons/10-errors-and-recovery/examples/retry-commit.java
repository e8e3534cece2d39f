// A commit that times out is retried, not abandoned: every order is committed once
// (the Java twin of retry-commit.py).
//
// An order writer commits 100 orders in transactions of 20, waiting at most 2 s for each
// commitTransaction() (max.block.ms). Once the second transaction's orders reach the leader, the
// followers stop fetching for a few seconds. acks=all cannot be answered, so that commit cannot
// finish in 2 s: commitTransaction() throws TimeoutException, a RetriableException.
//
// Retriable means: call the same thing again. The commit keeps going in the background, and
// calling commitTransaction() again waits for that same commit and reports how it ended (the
// KafkaProducer javadoc says so for a TimeoutException). The writer does exactly that; it neither
// aborts nor sends the orders again.
import java.util.Properties;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.RetriableException;
import org.apache.kafka.common.serialization.StringSerializer;

class RetryCommit {
    public static void main(String[] args) {
        Properties config = new Properties();
        config.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, System.getenv("BOOTSTRAP_SERVERS"));
        config.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        config.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        config.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, "order-writer");
        config.put(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG, 30000);   // the coordinator aborts a transaction left open longer
        // How long initTransactions() and commitTransaction() wait: a short wait on purpose (default 60 s).
        config.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 2000);
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(config)) {
            retrying("init", producer::initTransactions);   // a retriable timeout here is retried the same way
            for (int start = 1; start <= 100; start += 20) {
                producer.beginTransaction();
                for (int i = start; i < start + 20; i++) {
                    String orderId = "order-" + i;
                    System.out.println("sent " + orderId);
                    producer.send(new ProducerRecord<>("orders", orderId), (metadata, error) -> System.out.println(
                            error != null ? "failed " + orderId + " " + error.getClass().getSimpleName()
                                    : "acked " + orderId + " " + metadata.partition() + " " + metadata.offset()));
                }
                String range = "order-" + start + " .. order-" + (start + 19);
                int attempts = retrying("commit of " + range, producer::commitTransaction);
                System.out.println("-- committed " + range + " (attempt " + attempts + ")");
            }
        }
    }

    /** Run `call` until it does not end in a retriable error; return how many attempts it took. An
     *  abortable or fatal error is not this example's case (see abort-and-retry and zombie-fencing). */
    static int retrying(String what, Runnable call) {
        for (int attempt = 1; ; attempt++) {
            try {
                call.run();
                return attempt;
            } catch (RetriableException e) {
                System.out.println("-- " + what + ": " + e.getClass().getSimpleName() + " (retriable): same call again");
            }
        }
    }
}
