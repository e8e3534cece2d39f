// A member too slow between two polls: the group takes its partition away, and the work is done
// twice (the Java twin of slow-member.py).
//
// Two instances of the warehouse service share group "warehouse". Each one processes a batch, then
// commits it (at-least-once, as in lesson 3). Instance A is first and gets the only partition of
// "shipments"; instance B joins and waits for a share.
//
// On shipment-50, A's processing hangs for 10 seconds, longer than its max.poll.interval.ms of 6
// seconds. The client's heartbeat thread notices that A has not called poll() in time and takes A
// out of the group; the group rebalances and B gets the partition, starting from the last
// committed offset. When A wakes up it finishes its batch (it does not know yet) and its commit is
// refused: it is no longer a member.
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

class SlowMember {
    static final String BOOTSTRAP = System.getenv("BOOTSTRAP_SERVERS");
    static final long T0 = System.currentTimeMillis();

    static void note(String text) {
        System.out.printf("-- %4.1fs %s%n", (System.currentTimeMillis() - T0) / 1000.0, text);
    }

    public static void main(String[] args) throws InterruptedException {
        writeShipments();
        CountDownLatch aStarted = new CountDownLatch(1);
        Thread a = new Thread(() -> instance("A", "shipment-50", aStarted));
        a.start();
        aStarted.await(20, TimeUnit.SECONDS);
        Thread b = new Thread(() -> instance("B", null, null));
        b.start();
        a.join();
        b.join();
    }

    static void writeShipments() {
        Properties config = new Properties();
        config.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, BOOTSTRAP);
        config.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        config.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(config)) {
            for (int i = 1; i <= 200; i++) {
                String shipmentId = "shipment-" + i;
                System.out.println("sent " + shipmentId);
                producer.send(new ProducerRecord<>("shipments", shipmentId), (metadata, error) -> System.out.println(
                        error != null ? "failed " + shipmentId + " " + error.getClass().getSimpleName()
                                : "acked " + shipmentId + " " + metadata.partition() + " " + metadata.offset()));
            }
            producer.flush();
        }
    }

    static void instance(String name, String hangsOn, CountDownLatch firstBatchDone) {
        Properties config = new Properties();
        config.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, BOOTSTRAP);
        config.put(ConsumerConfig.GROUP_ID_CONFIG, "warehouse");
        config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        config.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        config.put(ConsumerConfig.MAX_POLL_INTERVAL_MS_CONFIG, 6000);   // default 300000: the longest allowed gap between two poll() calls
        config.put(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, 6000);     // default 45000; brokers refuse less than 6000 (group.min.session.timeout.ms)
        config.put(ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG, 500);
        config.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 20);         // batches of at most 20, as in the Python twin
        config.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        config.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(config)) {
            consumer.subscribe(List.of("shipments"), new ConsumerRebalanceListener() {
                @Override
                public void onPartitionsAssigned(Collection<TopicPartition> parts) {
                    note(name + " is assigned partition(s) " + parts.stream().map(TopicPartition::partition).toList());
                }

                @Override
                public void onPartitionsRevoked(Collection<TopicPartition> parts) {
                    note(name + " loses partition(s) " + parts.stream().map(TopicPartition::partition).toList());
                }
            });
            long quietUntil = System.currentTimeMillis() + 15_000;
            while (System.currentTimeMillis() < quietUntil) {
                ConsumerRecords<String, String> batch = consumer.poll(Duration.ofMillis(500));
                if (batch.isEmpty()) {
                    continue;
                }
                quietUntil = System.currentTimeMillis() + 4000;
                for (ConsumerRecord<String, String> record : batch) {
                    if (record.value().equals(hangsOn)) {
                        note(name + " hangs on " + record.value() + " for 10 s");
                        Thread.sleep(10000);   // a slow database, a long GC pause: no poll() call meanwhile
                    }
                    System.out.println("processed " + record.value());
                }
                if (firstBatchDone != null) {
                    firstBatchDone.countDown();
                }
                try {
                    consumer.commitSync();
                } catch (KafkaException e) {   // CommitFailedException: the group has moved on without A
                    note(name + " cannot commit: " + e.getClass().getSimpleName() + " (it is no longer in the group)");
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        note(name + " stops");
    }
}
