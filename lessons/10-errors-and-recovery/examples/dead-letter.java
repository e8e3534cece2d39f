// Poison pills go to a dead-letter topic; the partition keeps moving and nothing is dropped
// (the Java twin of dead-letter.py).
//
// A billing service reads payments such as `payment-17:1700` (an id and an amount in cents). Three
// of the 200 records cannot be parsed: their amount is `??`. Retrying them is pointless, the next
// attempt fails the same way, and a consumer that retries forever never reaches the records behind
// them. Skipping them silently loses them.
//
// So the service parks each one in `payments-dlt`, with headers saying why and where it came from,
// waits until that write is acknowledged, and only then commits past it. The scenario loses the
// acknowledgement of the first dead-letter write: the idempotent dead-letter producer sends it
// again, and the copy is not written twice.
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.header.internals.RecordHeader;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

class DeadLetter {
    static final String BOOTSTRAP = System.getenv("BOOTSTRAP_SERVERS");
    static final Set<Integer> POISON = Set.of(50, 120, 170);

    public static void main(String[] args) throws Exception {
        writePayments();
        try (KafkaProducer<String, String> deadLetters = producer();
             KafkaConsumer<String, String> consumer = consumer()) {
            consumer.subscribe(List.of("payments"));
            long quietUntil = System.currentTimeMillis() + 20_000;
            while (System.currentTimeMillis() < quietUntil) {
                ConsumerRecords<String, String> batch = consumer.poll(Duration.ofMillis(500));
                if (batch.isEmpty()) {
                    continue;
                }
                quietUntil = System.currentTimeMillis() + 4000;
                List<Future<RecordMetadata>> parked = new ArrayList<>();
                for (ConsumerRecord<String, String> record : batch) {
                    String payment = record.value();
                    try {
                        book(payment);
                    } catch (NumberFormatException e) {
                        String source = record.topic() + "-" + record.partition() + "@" + record.offset();
                        parked.add(deadLetters.send(new ProducerRecord<>("payments-dlt", null, record.key(), payment, List.of(
                                new RecordHeader("error", String.valueOf(e.getMessage()).getBytes(StandardCharsets.UTF_8)),
                                new RecordHeader("source", source.getBytes(StandardCharsets.UTF_8))))));
                        System.out.println("-- " + payment + " cannot be booked (" + e.getMessage() + "): parked in payments-dlt");
                        continue;
                    }
                    System.out.println("processed " + payment);
                }
                // The dead letters must be safe before the offsets move past the poison pills: get()
                // throws if a write failed, and the batch is then read again by the next instance.
                for (Future<RecordMetadata> write : parked) {
                    write.get(30, TimeUnit.SECONDS);
                }
                consumer.commitSync();
            }
        }
    }

    /** The business logic: throws NumberFormatException on a record it can never handle. */
    static long book(String payment) {
        return Long.parseLong(payment.split(":")[1]);
    }

    static KafkaProducer<String, String> producer() {
        Properties config = new Properties();
        config.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, BOOTSTRAP);
        config.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        config.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        config.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);   // the kafka-clients default, spelled out: a resend is written once
        return new KafkaProducer<>(config);
    }

    static KafkaConsumer<String, String> consumer() {
        Properties config = new Properties();
        config.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, BOOTSTRAP);
        config.put(ConsumerConfig.GROUP_ID_CONFIG, "billing");
        config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);   // commit once the batch, dead letters included, is handled
        config.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        config.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 25);         // batches of at most 25, as in the Python twin
        config.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        config.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        return new KafkaConsumer<>(config);
    }

    static void writePayments() {
        try (KafkaProducer<String, String> producer = producer()) {
            for (int i = 1; i <= 200; i++) {
                String payment = "payment-" + i + ":" + (POISON.contains(i) ? "??" : String.valueOf(i * 100));
                System.out.println("sent " + payment);
                producer.send(new ProducerRecord<>("payments", payment), (metadata, error) -> System.out.println(
                        error != null ? "failed " + payment + " " + error.getClass().getSimpleName()
                                : "acked " + payment + " " + metadata.partition() + " " + metadata.offset()));
            }
            producer.flush();
        }
    }
}
