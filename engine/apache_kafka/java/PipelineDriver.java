import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.Collections;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.OutOfOrderSequenceException;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * A transactional read-process-write pipeline with Kafka's own Java clients: the exactly-once
 * consume-transform-produce loop (KIP-98, with KIP-447's consumer group metadata), run as its own
 * process so a test can SIGKILL it mid-transaction and start it again with the same transactional.id.
 * The Java twin of tests/sandbox/txn_pipeline.py: the same arguments and the same stdout lines.
 *
 * Arguments: --bootstrap B --input IN --output OUT --group G --transactional-id T [--batch N]
 * [--pause-at K] [--pause-file F] [--session-timeout-ms MS] [--transaction-timeout-ms MS]
 * (--client and --debug are accepted and ignored, so the Python pipeline's argument list fits).
 *
 * Each poll's records go to the same partition of OUT, and their next offsets are sent to the
 * transaction (sendOffsetsToTransaction with consumer.groupMetadata(), so a zombie of an older
 * generation is fenced by the group coordinator too), then committed together. The input is read
 * at read_committed. With --pause-at K it writes and flushes its K-th transaction, prints
 * "paused K" and waits there, never committing (the test kills it); --pause-file F does the same
 * with the first transaction written once F exists. SIGTERM: finish the current transaction, exit 0.
 * On an error it aborts if it can and exits 2.
 *
 * Lines on stdout: "ready", "committed TRANSACTIONS RECORDS", "paused K", "error ExceptionName message".
 */
public final class PipelineDriver {
    private static volatile boolean stop = false;
    private static volatile int exitCode = 0;
    private static final CountDownLatch finished = new CountDownLatch(1);
    private static final long PARENT = ProcessHandle.current().parent().map(ProcessHandle::pid).orElse(-1L);

    public static void main(String[] args) throws Exception {
        Map<String, String> a = DriverArgs.options(args, "bootstrap", "input", "output", "group", "transactional-id");
        int batch = Integer.parseInt(a.getOrDefault("batch", "200"));
        int pauseAt = Integer.parseInt(a.getOrDefault("pause-at", "0"));
        String pauseFile = a.getOrDefault("pause-file", "");
        String input = a.get("input");
        String output = a.get("output");

        // SIGTERM runs the shutdown hooks: ask the loop to stop after the transaction in hand, wait
        // for it, and leave with the loop's own exit code (the JVM would otherwise say 143).
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            stop = true;
            try {
                finished.await(90, TimeUnit.SECONDS);
            } catch (InterruptedException ignored) {
                Thread.currentThread().interrupt();
            }
            Runtime.getRuntime().halt(exitCode);
        }));

        Properties cp = new Properties();
        cp.put("bootstrap.servers", a.get("bootstrap"));
        cp.put("group.id", a.get("group"));
        cp.put("isolation.level", "read_committed");
        cp.put("enable.auto.commit", "false");
        cp.put("auto.offset.reset", "earliest");
        cp.put("max.poll.records", Integer.toString(batch));
        cp.put("session.timeout.ms", a.getOrDefault("session-timeout-ms", "6000"));
        cp.put("heartbeat.interval.ms", "500");
        cp.put("key.deserializer", StringDeserializer.class.getName());
        cp.put("value.deserializer", StringDeserializer.class.getName());
        Properties pp = new Properties();
        pp.put("bootstrap.servers", a.get("bootstrap"));
        pp.put("transactional.id", a.get("transactional-id"));
        pp.put("linger.ms", "5");
        pp.put("transaction.timeout.ms", a.getOrDefault("transaction-timeout-ms", "30000"));
        pp.put("retry.backoff.ms", "50");
        pp.put("key.serializer", StringSerializer.class.getName());
        pp.put("value.serializer", StringSerializer.class.getName());

        PrintStream out = DriverIO.stdout();
        KafkaConsumer<String, String> consumer = new KafkaConsumer<>(cp);
        KafkaProducer<String, String> producer = new KafkaProducer<>(pp);
        int transactions = 0;
        long records = 0;
        try {
            producer.initTransactions();  // fences an older instance and aborts its open transaction
            consumer.subscribe(Collections.singletonList(input));
            out.println("ready");
            while (!stop && !orphaned()) {
                ConsumerRecords<String, String> polled = consumer.poll(Duration.ofMillis(500));
                if (polled.isEmpty()) {
                    continue;
                }
                producer.beginTransaction();
                Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>();
                for (ConsumerRecord<String, String> r : polled) {
                    producer.send(new ProducerRecord<>(output, r.partition(), null, r.value()));
                    offsets.put(new TopicPartition(input, r.partition()), new OffsetAndMetadata(r.offset() + 1));
                }
                producer.sendOffsetsToTransaction(offsets, consumer.groupMetadata());
                if (pauseAt == transactions + 1 || (!pauseFile.isEmpty() && Files.exists(Paths.get(pauseFile)))) {
                    producer.flush();
                    out.println("paused " + (transactions + 1));
                    while (!orphaned()) {
                        Thread.sleep(1000);
                    }
                    Runtime.getRuntime().halt(1);
                }
                producer.commitTransaction();
                transactions += 1;
                records += polled.count();
                out.println("committed " + transactions + " " + records);
            }
        } catch (KafkaException ex) {
            out.println("error " + ex.getClass().getSimpleName() + " " + String.valueOf(ex.getMessage()).replace('\n', ' '));
            // Fatal for the producer: it cannot abort, only be closed. Anything else: abort what is open.
            if (!(ex instanceof ProducerFencedException || ex instanceof OutOfOrderSequenceException
                    || ex instanceof AuthorizationException)) {
                try {
                    producer.abortTransaction();
                } catch (RuntimeException ignored) {
                    // the transaction is aborted by the coordinator at its timeout instead
                }
            }
            exitCode = 2;
        }
        consumer.close(Duration.ofSeconds(5));
        producer.close(Duration.ofSeconds(5));
        finished.countDown();
        System.exit(exitCode);
    }

    /** The test that started this process is gone: stop rather than run on against nothing. */
    private static boolean orphaned() {
        return ProcessHandle.current().parent().map(ProcessHandle::pid).orElse(-1L) != PARENT;
    }
}
