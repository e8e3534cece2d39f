// A static member restarted within session.timeout.ms gets its partitions back, and nobody
// rebalances (the Java twin of static-restart.py).
//
// Two instances of a dashboard service share group "dashboards" and the four partitions of
// "sensors". Each has a stable group.instance.id ("wall-a", "wall-b"), as a pod name would be.
// While readings keep arriving, instance B is restarted: it commits, closes, and a new instance
// with the same group.instance.id starts two seconds later.
//
// A static member sends no LeaveGroup when it closes, so the coordinator keeps B's place for up to
// session.timeout.ms (here 30 s). The new B takes that place, gets the same two partitions, and
// starts at B's last commit. A is never asked to give anything up: it commits only every 50
// readings, so a single rebalance would make it read some of them again, and the count would show
// duplicates.
import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicInteger;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

class StaticRestart {
    static final String BOOTSTRAP = System.getenv("BOOTSTRAP_SERVERS");
    static final long T0 = System.currentTimeMillis();
    static final int COUNT = 400;
    static final AtomicInteger ACKED = new AtomicInteger();   // readings the cluster acknowledged: the readers are done when they have seen them all

    static void note(String text) {
        System.out.printf("-- %4.1fs %s%n", (System.currentTimeMillis() - T0) / 1000.0, text);
    }

    static void writeReadings() {
        Properties config = new Properties();
        config.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, BOOTSTRAP);
        config.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        config.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        config.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        try (KafkaProducer<String, String> producer = new KafkaProducer<>(config)) {
            for (int i = 1; i <= COUNT; i++) {
                String reading = "reading-" + i;
                System.out.println("sent " + reading);
                producer.send(new ProducerRecord<>("sensors", i % 4, null, reading), (metadata, error) -> {
                    if (error == null) {
                        ACKED.incrementAndGet();
                    }
                    System.out.println(error != null ? "failed " + reading + " " + error.getClass().getSimpleName()
                            : "acked " + reading + " " + metadata.partition() + " " + metadata.offset());
                });
                try {
                    Thread.sleep(20);   // a steady stream: about eight seconds of readings
                } catch (InterruptedException e) {
                    return;
                }
            }
            producer.flush();
        }
    }

    /** One instance of the dashboard service: processes readings, commits every 50. */
    static class Instance {
        final String name;
        final KafkaConsumer<String, String> consumer;
        final Map<TopicPartition, OffsetAndMetadata> done = new HashMap<>();   // the next offset to read, per partition
        int processed = 0;

        Instance(String name, String instanceId) {
            this.name = name;
            Properties config = new Properties();
            config.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, BOOTSTRAP);
            config.put(ConsumerConfig.GROUP_ID_CONFIG, "dashboards");
            config.put(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG, instanceId);   // static membership (KIP-345)
            config.put(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, 30000);       // how long a silent static member's place is kept
            config.put(ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG, 500);
            config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
            config.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
            config.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
            config.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
            consumer = new KafkaConsumer<>(config);
            consumer.subscribe(List.of("sensors"), new ConsumerRebalanceListener() {
                @Override
                public void onPartitionsAssigned(Collection<TopicPartition> parts) {
                    note(name + " is assigned partition(s) " + parts.stream().map(TopicPartition::partition).sorted().toList());
                }

                @Override
                public void onPartitionsRevoked(Collection<TopicPartition> parts) {
                    if (!parts.isEmpty()) {
                        note(name + " gives up partition(s) " + parts.stream().map(TopicPartition::partition).sorted().toList());
                    }
                }
            });
        }

        /** One poll; true if it brought readings. */
        boolean pollOnce() {
            boolean any = false;
            for (ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(100))) {
                any = true;
                System.out.println("processed " + record.value());
                done.put(new TopicPartition(record.topic(), record.partition()), new OffsetAndMetadata(record.offset() + 1));
                processed++;
                if (processed % 50 == 0) {
                    consumer.commitSync(done);   // commits are batched: cheap, but a rebalance repeats work
                }
            }
            return any;
        }

        int assigned() {
            return consumer.assignment().size();
        }

        void stop() {
            consumer.commitSync(done);   // a planned stop: commit what is done
            consumer.close();            // static: no LeaveGroup, the place is kept
            note(name + " stops");
        }
    }

    public static void main(String[] args) throws InterruptedException {
        Instance a = new Instance("A", "wall-a");
        Instance b = new Instance("B", "wall-b");
        long deadline = System.currentTimeMillis() + 60_000;
        while (!(a.assigned() == 2 && b.assigned() == 2) && System.currentTimeMillis() < deadline) {
            a.pollOnce();
            b.pollOnce();
        }

        Thread writer = new Thread(StaticRestart::writeReadings);
        writer.start();
        while (b.processed < 60 && System.currentTimeMillis() < deadline) {
            a.pollOnce();
            b.pollOnce();
        }

        note("B is restarted (same group.instance.id)");
        b.stop();
        long restartAt = System.currentTimeMillis() + 2000;
        while (System.currentTimeMillis() < restartAt) {
            a.pollOnce();   // A carries on alone; B's partitions wait
        }
        Instance oldB = b;
        b = new Instance("B", "wall-b");

        // Read until every acknowledged reading has been seen (a loaded machine may be slow to fetch
        // the last ones), or until nothing more has come for a long while.
        long quietSince = System.currentTimeMillis();
        while (true) {
            if (a.pollOnce() | b.pollOnce()) {
                quietSince = System.currentTimeMillis();
            }
            boolean allSeen = a.processed + oldB.processed + b.processed >= ACKED.get();
            long quiet = System.currentTimeMillis() - quietSince;
            if (!writer.isAlive() && ((allSeen && quiet > 1000) || quiet > 20_000)) {
                break;
            }
        }
        writer.join();
        a.stop();
        b.stop();
    }
}
