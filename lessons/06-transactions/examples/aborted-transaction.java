// What readers see: a committed, an aborted and an open transaction (the Java twin of aborted-transaction.py).
//
// One transactional producer writes three transactions of 50 orders each, spread over the two
// partitions of "orders" by key: the first is committed, the second aborted, the third committed.
// Then it opens a fourth and leaves it open while an ordinary (non-transactional) producer writes
// 10 notes to the same partitions.
//
// After each step, two readers count what they can see: one with isolation.level=read_uncommitted,
// one with read_committed.
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

class AbortedTransaction {
    static final String BOOTSTRAP = System.getenv("BOOTSTRAP_SERVERS");
    static final String TOPIC = "orders";
    static final List<TopicPartition> PARTITIONS = List.of(new TopicPartition(TOPIC, 0), new TopicPartition(TOPIC, 1));

    public static void main(String[] args) {
        KafkaProducer<String, String> producer = producer(Map.of(ProducerConfig.TRANSACTIONAL_ID_CONFIG, "order-writer"));
        producer.initTransactions();

        transaction(producer, 1, 50);
        producer.commitTransaction();
        transaction(producer, 51, 100);
        producer.abortTransaction();      // orders 51-100 stay in the log, marked aborted
        transaction(producer, 101, 150);
        producer.commitTransaction();
        show("after commit, abort, commit");

        transaction(producer, 151, 160);  // a fourth transaction, left open for now
        try (KafkaProducer<String, String> notes = producer(Map.of())) {
            for (int i = 1; i <= 10; i++) {
                send(notes, "note-" + i);
            }
            notes.flush();
        }
        show("with a transaction open and 10 plain notes behind it");

        producer.commitTransaction();
        show("after the fourth transaction commits");
        producer.close();
    }

    static KafkaProducer<String, String> producer(Map<String, Object> extra) {
        Properties config = new Properties();
        config.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, BOOTSTRAP);
        config.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        config.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        config.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 10_000);   // transaction calls wait at most 10 s
        config.putAll(extra);
        return new KafkaProducer<>(config);
    }

    static void transaction(KafkaProducer<String, String> producer, int first, int last) {
        producer.beginTransaction();
        for (int i = first; i <= last; i++) {
            send(producer, "order-" + i);
        }
        producer.flush();   // every record is in the log now, inside the open transaction
    }

    static void send(KafkaProducer<String, String> producer, String id) {
        System.out.println("sent " + id);
        producer.send(new ProducerRecord<>(TOPIC, id, id), (metadata, error) -> report(id, metadata, error));
    }

    static void report(String id, RecordMetadata metadata, Exception error) {
        if (error != null) {
            System.out.println("failed " + id + " " + error.getClass().getSimpleName());
        } else {
            System.out.println("acked " + id + " " + metadata.partition() + " " + metadata.offset());
        }
    }

    /** Read both partitions from the start and count the records this reader gets. */
    static int countVisible(String isolation) {
        Properties config = new Properties();
        config.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, BOOTSTRAP);
        config.put(ConsumerConfig.GROUP_ID_CONFIG, "reader-" + isolation);   // we assign partitions ourselves
        config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        // kafka-clients reads read_uncommitted unless told otherwise (librdkafka: read_committed);
        // each reader here names its level.
        config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, isolation);
        config.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        config.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        try (KafkaConsumer<String, String> reader = new KafkaConsumer<>(config)) {
            reader.assign(PARTITIONS);
            reader.seekToBeginning(PARTITIONS);
            // Where this reader's view ends: the high watermark for read_uncommitted, the last
            // stable offset (before the first open transaction) for read_committed.
            Map<TopicPartition, Long> ends = reader.endOffsets(PARTITIONS);
            int seen = 0;
            long lastEvent = System.currentTimeMillis();
            while (System.currentTimeMillis() - lastEvent < 3000
                    && PARTITIONS.stream().anyMatch(tp -> reader.position(tp) < ends.get(tp))) {
                int got = reader.poll(Duration.ofMillis(500)).count();
                if (got > 0) {
                    seen += got;
                    lastEvent = System.currentTimeMillis();
                }
            }
            return seen;
        }
    }

    static void show(String step) {
        System.out.println(step + ": read_uncommitted sees " + countVisible("read_uncommitted")
                + ", read_committed sees " + countVisible("read_committed"));
    }
}
