// A full producer buffer: send() blocks, and the application waits for room (the Java twin of full-buffer.py).
//
// An order service writes 300 orders with acks=all. After 20 orders the followers stop fetching
// for a few seconds: the leader cannot confirm anything, undelivered orders pile up in the
// producer's buffer, and the buffer fills.
//
// The Java producer's back-pressure is built in: when its buffer (buffer.memory, in bytes) has no
// room, send() blocks until delivered batches free some, for at most max.block.ms, and only then
// throws. (confluent-kafka raises BufferError at once instead, and its Python twin waits for room
// itself, giving up after 20 s, which is what max.block.ms=20000 does here.)
import java.util.Properties;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.serialization.StringSerializer;

class FullBuffer {
    public static void main(String[] args) throws InterruptedException {
        Properties config = new Properties();
        config.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, System.getenv("BOOTSTRAP_SERVERS"));
        config.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        config.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        config.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);   // acks=all, and retries that cannot duplicate
        // The buffer is counted in bytes and handed out a batch at a time: room for eight batches of
        // 1 KiB. Tiny on purpose, so that a few seconds of stalled orders fill it.
        config.put(ProducerConfig.BATCH_SIZE_CONFIG, 1024);
        config.put(ProducerConfig.BUFFER_MEMORY_CONFIG, 8192);
        config.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 20000);        // how long send() may wait for room (default 60000)
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(config)) {
            producer.partitionsFor("orders");   // the topic's metadata up front: below, send() only ever waits for room
            for (int i = 1; i <= 300; i++) {
                String orderId = "order-" + i;
                long offered = System.nanoTime();
                try {
                    producer.send(new ProducerRecord<>("orders", orderId), (metadata, error) -> System.out.println(
                            error != null ? "failed " + orderId + " " + error.getClass().getSimpleName()
                                    : "acked " + orderId + " " + metadata.partition() + " " + metadata.offset()));
                } catch (KafkaException e) {   // no room within max.block.ms: the application decides
                    System.out.println("failed " + orderId + " QUEUE_FULL");   // reported, not dropped silently
                    continue;
                }
                double waited = (System.nanoTime() - offered) / 1e9;
                if (waited > 0.2) {
                    System.out.printf("-- %s accepted after %.1f s (send() waited for room in the full buffer)%n", orderId, waited);
                }
                System.out.println("sent " + orderId);
                Thread.sleep(10);
            }
            producer.flush();
        }
        System.out.println("-- every order delivered or reported");
    }
}
