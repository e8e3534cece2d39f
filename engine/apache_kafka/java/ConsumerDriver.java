import java.io.BufferedReader;
import java.io.PrintStream;
import java.time.Duration;
import java.util.Collections;
import java.util.List;
import java.util.Properties;
import java.util.stream.Collectors;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * Kafka's own Java consumer, driven line by line from stdin: a group member that commits by hand
 * (the at-most-once and at-least-once rows), or a reader assigned one partition at an
 * isolation.level (read_committed stops at the last stable offset).
 *
 * Arguments: consumer configs as key=value (bootstrap.servers, group.id, isolation.level, ...).
 * Commands on stdin: "subscribe TOPIC", "assign TOPIC PARTITION" (from the beginning),
 * "poll MILLIS", "commit TOPIC PARTITION OFFSET", "position TOPIC PARTITION", "assignment", "close".
 * Lines on stdout: "ready"; for a poll one "record PARTITION OFFSET VALUE" per record, then "polled";
 * "committed" or "error commit ExceptionName"; "position N"; "assignment P,P,..."; "closed".
 */
public final class ConsumerDriver {
    public static void main(String[] args) throws Exception {
        Properties props = DriverArgs.configs(args);
        props.putIfAbsent("key.deserializer", StringDeserializer.class.getName());
        props.putIfAbsent("value.deserializer", StringDeserializer.class.getName());
        PrintStream out = DriverIO.stdout();
        BufferedReader in = DriverIO.stdin();
        KafkaConsumer<String, String> consumer = new KafkaConsumer<>(props);
        out.println("ready");
        String line;
        while ((line = in.readLine()) != null) {
            String[] f = line.trim().split(" ");
            switch (f[0]) {
                case "subscribe":
                    consumer.subscribe(Collections.singletonList(f[1]));
                    out.println("subscribed");
                    break;
                case "assign": {
                    TopicPartition tp = new TopicPartition(f[1], Integer.parseInt(f[2]));
                    consumer.assign(Collections.singletonList(tp));
                    consumer.seekToBeginning(Collections.singletonList(tp));
                    out.println("assigned");
                    break;
                }
                case "poll":
                    for (ConsumerRecord<String, String> r : consumer.poll(Duration.ofMillis(Long.parseLong(f[1])))) {
                        out.println("record " + r.partition() + " " + r.offset() + " " + r.value());
                    }
                    out.println("polled");
                    break;
                case "commit": {
                    TopicPartition tp = new TopicPartition(f[1], Integer.parseInt(f[2]));
                    try {
                        consumer.commitSync(Collections.singletonMap(tp, new OffsetAndMetadata(Long.parseLong(f[3]))));
                        out.println("committed");
                    } catch (RuntimeException ex) {
                        out.println("error commit " + ex.getClass().getSimpleName());
                    }
                    break;
                }
                case "position":
                    out.println("position " + consumer.position(new TopicPartition(f[1], Integer.parseInt(f[2]))));
                    break;
                case "assignment": {
                    List<String> parts = consumer.assignment().stream().map(tp -> Integer.toString(tp.partition()))
                            .sorted().collect(Collectors.toList());
                    out.println("assignment " + String.join(",", parts));
                    break;
                }
                case "close":
                    consumer.close(Duration.ofSeconds(5));
                    out.println("closed");
                    return;
                default:
                    throw new IllegalArgumentException("unknown command: " + line);
            }
        }
        consumer.close(Duration.ofSeconds(5));
    }
}
