import java.util.HashMap;
import java.util.Map;
import java.util.Properties;

/**
 * The command line of the Kafka client driver programs, read in one place.
 *
 * Two shapes: ProducerDriver and ConsumerDriver take the client's own configs as key=value words
 * (bootstrap.servers=..., acks=all, isolation.level=read_committed), passed to the Kafka client as
 * they are; PipelineDriver takes "--name value" pairs, as the Python pipeline it stands in for does.
 * A word of the wrong shape is refused with IllegalArgumentException naming it, so a test that
 * builds a bad command line fails at the start, not later with a client using its defaults.
 */
final class DriverArgs {
    private DriverArgs() {
    }

    /** Client configs from "key=value" words: the Properties a KafkaProducer or KafkaConsumer takes. */
    static Properties configs(String[] args) {
        Properties props = new Properties();
        for (String arg : args) {
            int eq = arg.indexOf('=');
            if (eq < 1) {
                throw new IllegalArgumentException("expected key=value, got " + arg);
            }
            props.put(arg.substring(0, eq), arg.substring(eq + 1));
        }
        return props;
    }

    /** Options from "--name value" pairs, keyed by name without the dashes; each of `required` must be given. */
    static Map<String, String> options(String[] args, String... required) {
        Map<String, String> options = new HashMap<>();
        for (int i = 0; i < args.length; i += 2) {
            if (!args[i].startsWith("--")) {
                throw new IllegalArgumentException("expected --name value, got " + args[i]);
            }
            if (i + 1 == args.length) {
                throw new IllegalArgumentException("expected a value after " + args[i]);
            }
            options.put(args[i].substring(2), args[i + 1]);
        }
        for (String name : required) {
            if (!options.containsKey(name)) {
                throw new IllegalArgumentException("missing --" + name);
            }
        }
        return options;
    }
}
