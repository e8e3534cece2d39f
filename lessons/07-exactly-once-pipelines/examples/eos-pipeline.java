// A read-process-write pipeline that crashes in the middle of a transaction
// (the Java twin of eos-pipeline.py).
//
// Step 1 writes 200 orders to "orders". Step 2 is the pipeline: for each batch of orders it opens
// a transaction, writes one invoice per order to "invoices", adds the consumer's new offsets to the
// same transaction with sendOffsetsToTransaction(), and commits. Invoices, offsets: all or nothing.
//
// The first pipeline instance crashes in its fifth transaction, after its invoices have reached
// the log but before the commit. The restarted instance uses the same transactional.id: its
// initTransactions() aborts the unfinished transaction, and its consumer resumes from the offsets
// of the last committed one.
//
// The pipeline also "sends an e-mail" per order: a side effect outside Kafka, which no Kafka
// transaction can take back. Count them at the end.
//
// The crash is simulated: the first instance stops, closes its consumer (which commits nothing:
// enable.auto.commit=false) and abandons its producer with the transaction still open, as a dead
// process would.
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

class EosPipeline {
    static final String BOOTSTRAP = System.getenv("BOOTSTRAP_SERVERS");
    static final int COUNT = 200;
    static final int BATCH = 20;
    static final int CRASH_IN_TRANSACTION = 5;
    static final long IDLE_MILLIS = 3000;

    static int emailsSent = 0;
    static final List<KafkaProducer<String, String>> abandoned = new ArrayList<>();   // the crashed instance's producer, transaction open

    public static void main(String[] args) {
        writeOrders();
        System.out.println("-- pipeline starts");
        runPipeline(CRASH_IN_TRANSACTION);
        System.out.println("-- pipeline restarts with the same transactional.id");
        runPipeline(-1);

        int[] committed = countInvoices("read_committed");
        System.out.println("read_committed: " + committed[0] + " invoices, " + committed[1] + " distinct, for " + COUNT + " orders");
        int[] uncommitted = countInvoices("read_uncommitted");
        System.out.println("read_uncommitted: " + uncommitted[0] + " invoices, " + uncommitted[1]
                + " distinct (includes the aborted ones)");
        System.out.println("e-mails sent: " + emailsSent + " for " + COUNT + " orders");
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

    static KafkaConsumer<String, String> consumer(String group, String isolation) {
        Properties config = new Properties();
        config.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, BOOTSTRAP);
        config.put(ConsumerConfig.GROUP_ID_CONFIG, group);
        config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);   // offsets go through the transaction instead
        config.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        // kafka-clients defaults to read_uncommitted (librdkafka to read_committed): named explicitly,
        // since a pipeline must never pick up another pipeline's aborted output.
        config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, isolation);
        config.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, BATCH);
        config.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        config.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        return new KafkaConsumer<>(config);
    }

    static void send(KafkaProducer<String, String> producer, String topic, String id) {
        System.out.println("sent " + id);
        producer.send(new ProducerRecord<>(topic, id), (metadata, error) -> report(id, metadata, error));
    }

    static void report(String id, RecordMetadata metadata, Exception error) {
        if (error != null) {
            System.out.println("failed " + id + " " + error.getClass().getSimpleName());
        } else {
            System.out.println("acked " + id + " " + metadata.partition() + " " + metadata.offset());
        }
    }

    static void writeOrders() {
        try (KafkaProducer<String, String> producer = producer(Map.of(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true))) {
            for (int i = 1; i <= COUNT; i++) {
                send(producer, "orders", "order-" + i);
            }
            producer.flush();
        }
    }

    static void runPipeline(int crashInTransaction) {
        KafkaConsumer<String, String> consumer = consumer("invoicing", "read_committed");
        // Stable across restarts; implies idempotence.
        KafkaProducer<String, String> producer = producer(Map.of(ProducerConfig.TRANSACTIONAL_ID_CONFIG, "invoicing-0"));
        producer.initTransactions();   // fences older instances, aborts their open transaction
        // The topic has one partition and this instance owns it: assign() it directly instead of
        // subscribe(), so the example never waits for a group rebalance. Offsets are still
        // committed to the group, and a restart resumes from them.
        TopicPartition orders = new TopicPartition("orders", 0);
        consumer.assign(List.of(orders));

        int transactions = 0;
        long deadline = System.currentTimeMillis() + 10_000;   // the first fetch can take a moment
        while (System.currentTimeMillis() < deadline) {
            ConsumerRecords<String, String> batch = consumer.poll(Duration.ofSeconds(1));
            if (batch.isEmpty()) {
                continue;
            }
            deadline = System.currentTimeMillis() + IDLE_MILLIS;   // stop once "orders" has been quiet this long
            transactions++;
            producer.beginTransaction();
            for (ConsumerRecord<String, String> record : batch) {
                send(producer, "invoices", record.value().replace("order-", "invoice-"));
                emailsSent++;   // the side effect: not part of any transaction
            }
            if (transactions == crashInTransaction) {
                producer.flush();
                System.out.println("crash in transaction " + transactions + ": " + batch.count()
                        + " invoices written, not committed");
                abandoned.add(producer);
                consumer.close();
                return;
            }
            Map<TopicPartition, OffsetAndMetadata> next = new HashMap<>();
            for (TopicPartition tp : consumer.assignment()) {
                next.put(tp, new OffsetAndMetadata(consumer.position(tp)));   // the next offset to read
            }
            producer.sendOffsetsToTransaction(next, consumer.groupMetadata());
            producer.commitTransaction();
        }
        consumer.close();
        producer.close();
    }

    /** Records and distinct invoices a reader at this isolation level finds, read from the start. */
    static int[] countInvoices(String isolation) {
        try (KafkaConsumer<String, String> reader = consumer("audit-" + isolation, isolation)) {
            TopicPartition invoices = new TopicPartition("invoices", 0);
            reader.assign(List.of(invoices));
            reader.seekToBeginning(List.of(invoices));
            long end = reader.endOffsets(List.of(invoices)).get(invoices);   // read_committed: the last stable offset
            int records = 0;
            Set<String> distinct = new HashSet<>();
            while (reader.position(invoices) < end) {
                ConsumerRecords<String, String> got = reader.poll(Duration.ofSeconds(3));
                if (got.isEmpty()) {
                    break;
                }
                for (ConsumerRecord<String, String> record : got) {
                    records++;
                    distinct.add(record.value());
                }
            }
            return new int[] {records, distinct.size()};
        }
    }
}
