import java.io.BufferedReader;
import java.io.PrintStream;
import java.time.Duration;
import java.util.Properties;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Kafka's own Java producer, driven line by line from stdin so a test can interleave sends,
 * flushes and injected faults exactly as it does with the Python clients.
 *
 * Arguments: producer configs as key=value (bootstrap.servers, acks, enable.idempotence, ...).
 * Commands on stdin: "send TOPIC PARTITION VALUE", "flush", "close", and with transactional.id set
 * the transaction calls "init", "begin", "commit", "abort".
 * Lines on stdout: "ready", then "acked VALUE PARTITION OFFSET" or "failed VALUE ExceptionName"
 * from each delivery callback, "flushed" after a flush returns, "done CALL" or
 * "error CALL ExceptionName message" after a transaction call, "closed" at the end.
 */
public final class ProducerDriver {
    public static void main(String[] args) throws Exception {
        Properties props = DriverArgs.configs(args);
        props.putIfAbsent("key.serializer", StringSerializer.class.getName());
        props.putIfAbsent("value.serializer", StringSerializer.class.getName());
        PrintStream out = DriverIO.stdout();
        BufferedReader in = DriverIO.stdin();
        KafkaProducer<String, String> producer = new KafkaProducer<>(props);
        say(out, "ready");
        String line;
        while ((line = in.readLine()) != null) {
            String[] f = line.trim().split(" ");
            switch (f[0]) {
                case "send": {
                    final String value = f[3];
                    try {
                        producer.send(new ProducerRecord<>(f[1], Integer.parseInt(f[2]), null, value), (md, ex) -> {
                            if (ex == null) {
                                say(out, "acked " + value + " " + md.partition() + " " + md.offset());
                            } else {
                                say(out, "failed " + value + " " + ex.getClass().getSimpleName());
                            }
                        });
                    } catch (RuntimeException ex) {
                        // A fenced transactional producer refuses the send itself.
                        say(out, "failed " + value + " " + ex.getClass().getSimpleName());
                    }
                    break;
                }
                case "init":
                case "begin":
                case "commit":
                case "abort":
                    transactionCall(out, producer, f[0]);
                    break;
                case "flush":
                    producer.flush();
                    say(out, "flushed");
                    break;
                case "close":
                    producer.close(Duration.ofSeconds(5));
                    say(out, "closed");
                    return;
                default:
                    throw new IllegalArgumentException("unknown command: " + line);
            }
        }
        producer.close(Duration.ofSeconds(5));
    }

    /** One transaction call; its exception (ProducerFencedException for a zombie...) is reported, not thrown. */
    private static void transactionCall(PrintStream out, KafkaProducer<String, String> producer, String call) {
        try {
            switch (call) {
                case "init": producer.initTransactions(); break;
                case "begin": producer.beginTransaction(); break;
                case "commit": producer.commitTransaction(); break;
                default: producer.abortTransaction(); break;
            }
            say(out, "done " + call);
        } catch (RuntimeException ex) {
            String message = String.valueOf(ex.getMessage()).replace('\n', ' ');
            say(out, "error " + call + " " + ex.getClass().getSimpleName() + " " + message);
        }
    }

    private static void say(PrintStream out, String line) {
        synchronized (out) {
            out.println(line);
        }
    }
}
