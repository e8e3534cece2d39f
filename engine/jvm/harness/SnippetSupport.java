package coursesnippets;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;

import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * What a page's code fragment runs against (engine/jvm/snippets.py wraps the fragment and turns
 * each `new KafkaProducer(...)` / `new KafkaConsumer(...)` into a call to the factories here).
 *
 * Every client's configuration first goes through kafka-clients' own validation: ProducerConfig
 * (idempotence against acks, retries and max.in.flight.requests.per.connection, a transactional.id
 * without idempotence) plus the producer constructor's delivery.timeout.ms rule (an explicit value
 * below linger.ms + request.timeout.ms is refused), and ConsumerConfig. SNIPPET_MODE says what
 * happens next:
 *   check  stop there (Checked), so nothing connects: the fragment's config is what is tested;
 *   run    point bootstrap.servers at BOOTSTRAP_SERVERS (the sandbox), say so, and build the client.
 *
 * `main(Class=file ...)` is the checker: it runs each fragment's main in check mode and prints one
 * tab-separated line per fragment (SNIPPET name status line message).
 */
public final class SnippetSupport {
    private SnippetSupport() {}

    /** Check mode: the configuration was valid; nothing after building the client is run. */
    public static final class Checked extends RuntimeException {
        public Checked(String what) { super(what, null, false, false); }
    }

    static boolean checking() { return "check".equals(System.getenv("SNIPPET_MODE")); }

    /** What an earlier block of the page would have left in `props`: the address and String (de)serializers. */
    public static Properties baseProperties() {
        Properties props = new Properties();
        String servers = System.getenv("BOOTSTRAP_SERVERS");
        props.put("bootstrap.servers", servers == null ? "localhost:9092" : servers);
        props.put("key.serializer", StringSerializer.class.getName());
        props.put("value.serializer", StringSerializer.class.getName());
        props.put("key.deserializer", StringDeserializer.class.getName());
        props.put("value.deserializer", StringDeserializer.class.getName());
        return props;
    }

    static Map<String, Object> plain(Map<?, ?> given, String client) {
        Map<String, Object> configs = new HashMap<>();
        for (Map.Entry<?, ?> e : given.entrySet()) configs.put(String.valueOf(e.getKey()), e.getValue());
        String sandbox = System.getenv("BOOTSTRAP_SERVERS");
        if (!checking() && sandbox != null) {
            Object named = configs.get("bootstrap.servers");
            if (!sandbox.equals(String.valueOf(named))) {
                System.out.println("snippet: " + client + " bootstrap.servers " + named + " -> " + sandbox
                        + " (the sandbox)");
            }
            configs.put("bootstrap.servers", sandbox);
        }
        return configs;
    }

    public static <K, V> KafkaProducer<K, V> producer(Map<?, ?> given) { return producer(given, null, null); }

    public static <K, V> KafkaProducer<K, V> producer(Map<?, ?> given, Serializer<K> keys, Serializer<V> values) {
        Map<String, Object> configs = plain(given, "producer");
        Map<String, Object> validated = new HashMap<>(configs);
        if (keys != null) validated.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, keys.getClass());
        if (values != null) validated.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, values.getClass());
        ProducerConfig config = new ProducerConfig(validated);
        deliveryTimeout(config);
        System.out.println("snippet: producer acks=" + config.getString(ProducerConfig.ACKS_CONFIG)
                + " enable.idempotence=" + config.getBoolean(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG)
                + " transactional.id=" + config.getString(ProducerConfig.TRANSACTIONAL_ID_CONFIG));
        if (checking()) throw new Checked("producer");
        return new KafkaProducer<>(configs, keys, values);
    }

    /** The producer constructor's own rule (KafkaProducer.configureDeliveryTimeout), run without a producer. */
    static void deliveryTimeout(ProducerConfig config) {
        try {
            Method m = KafkaProducer.class.getDeclaredMethod("configureDeliveryTimeout", ProducerConfig.class,
                    org.slf4j.Logger.class);
            m.setAccessible(true);
            m.invoke(null, config, org.slf4j.LoggerFactory.getLogger(SnippetSupport.class));
        } catch (InvocationTargetException e) {
            if (e.getCause() instanceof RuntimeException) throw (RuntimeException) e.getCause();
            throw new IllegalStateException(e.getCause());
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException("kafka-clients changed: no KafkaProducer.configureDeliveryTimeout", e);
        }
    }

    public static <K, V> KafkaConsumer<K, V> consumer(Map<?, ?> given) { return consumer(given, null, null); }

    public static <K, V> KafkaConsumer<K, V> consumer(Map<?, ?> given, Deserializer<K> keys, Deserializer<V> values) {
        Map<String, Object> configs = plain(given, "consumer");
        ConsumerConfig config = new ConsumerConfig(ConsumerConfig.appendDeserializerToConfig(new HashMap<>(configs),
                keys, values));
        System.out.println("snippet: consumer group.id=" + config.getString(ConsumerConfig.GROUP_ID_CONFIG)
                + " enable.auto.commit=" + config.getBoolean(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG)
                + " isolation.level=" + config.getString(ConsumerConfig.ISOLATION_LEVEL_CONFIG));
        if (checking()) throw new Checked("consumer");
        return new KafkaConsumer<>(configs, keys, values);
    }

    // ------------------------------------------------------------------ clients of an earlier block

    /**
     * The `producer` a fragment uses without building it (an earlier block of the page did). In
     * check mode its first use ends the check (nothing of the fragment's own config is left to
     * validate); in run mode the first use builds one from baseProperties(), against the sandbox.
     */
    @SuppressWarnings("unchecked")
    public static Producer<String, String> earlierProducer() {
        return (Producer<String, String>) earlier(Producer.class, "producer");
    }

    @SuppressWarnings("unchecked")
    public static Consumer<String, String> earlierConsumer() {
        return (Consumer<String, String>) earlier(Consumer.class, "consumer");
    }

    static Object earlier(Class<?> type, String what) {
        Object[] real = new Object[1];
        return Proxy.newProxyInstance(SnippetSupport.class.getClassLoader(), new Class<?>[] {type}, (proxy, m, a) -> {
            if (m.getDeclaringClass() == Object.class) {
                return switch (m.getName()) {
                    case "equals" -> proxy == a[0];
                    case "hashCode" -> System.identityHashCode(proxy);
                    default -> "the " + what + " an earlier block built";
                };
            }
            if (checking()) throw new Checked("uses the " + what + " an earlier block built");
            if (real[0] == null) {
                System.out.println("snippet: the " + what + " of an earlier block, built here from the usual settings");
                real[0] = what.equals("producer")
                        ? producer(baseProperties(), new StringSerializer(), new StringSerializer())
                        : consumer(withGroup(baseProperties()), new StringDeserializer(), new StringDeserializer());
            }
            try {
                return m.invoke(real[0], a);
            } catch (InvocationTargetException e) {
                throw e.getCause();
            }
        });
    }

    static Properties withGroup(Properties props) {
        props.put("group.id", "snippet");
        props.put("auto.offset.reset", "earliest");
        return props;
    }

    // ------------------------------------------------------------------ the checker

    /** Runs one fragment in check mode and prints its verdict; `file` names its source (for the line). */
    public static String checkOne(String name, String file, Runnable body) {
        Throwable[] thrown = new Throwable[1];
        Thread t = new Thread(() -> {
            try { body.run(); } catch (Throwable e) { thrown[0] = e; }
        }, "snippet-" + name);
        t.setDaemon(true);
        t.start();
        try { t.join(30_000); } catch (InterruptedException e) { Thread.currentThread().interrupt(); }
        String verdict;
        if (t.isAlive()) {
            verdict = "fail\t0\tstill running after 30 s without building a client";
        } else {
            Throwable e = unwrap(thrown[0]);
            String msg = e == null ? "" : describe(e);
            if (e == null) verdict = "ok\t0\tran to the end";
            else if (e instanceof Checked) verdict = "ok\t" + line(e, file) + "\tconfig valid (" + e.getMessage() + ")";
            else if (msg.matches(".*\\b(producer|consumer)\\b.*(is null|not been initialized|Unbound).*"))
                verdict = "ok\t" + line(e, file) + "\tuses a client an earlier block built";
            else verdict = "fail\t" + line(e, file) + "\t" + e.getClass().getSimpleName() + ": " + msg;
        }
        String out = "SNIPPET\t" + name + "\t" + verdict;
        System.out.println(out);
        return out;
    }

    /** The message, or (a bare NullPointerException) where it was thrown: `in java.util.Hashtable.put`. */
    static String describe(Throwable e) {
        String msg = e.getMessage();
        if (msg == null && e.getStackTrace().length > 0) {
            StackTraceElement top = e.getStackTrace()[0];
            msg = "in " + top.getClassName() + "." + top.getMethodName()
                    + (top.getClassName().startsWith("java.util.") ? " (a null value: an unset environment variable?)" : "");
        }
        return String.valueOf(msg).replace('\n', ' ').replace('\t', ' ');
    }

    static Throwable unwrap(Throwable e) {
        while (e != null && e.getCause() != null
                && (e instanceof InvocationTargetException || e.getClass().getName().startsWith("clojure.lang."))) {
            e = e.getCause();
        }
        return e;
    }

    static int line(Throwable e, String file) {
        for (Throwable c = e; c != null; c = c.getCause()) {
            for (StackTraceElement frame : c.getStackTrace()) {
                if (file.equals(frame.getFileName()) && frame.getLineNumber() > 0) return frame.getLineNumber();
            }
        }
        return 0;
    }

    /** args: Class=file.ext ... (compiled fragments on the classpath). */
    public static void main(String[] args) {
        List<String> verdicts = new ArrayList<>();
        for (String arg : args) {
            String[] parts = arg.split("=", 2);
            verdicts.add(checkOne(parts[0], parts[1], () -> {
                try {
                    Method main = Class.forName(parts[0]).getMethod("main", String[].class);
                    main.invoke(null, (Object) new String[0]);
                } catch (InvocationTargetException e) {
                    Throwable c = e.getCause();
                    if (c instanceof RuntimeException) throw (RuntimeException) c;
                    if (c instanceof Error) throw (Error) c;
                    throw new RuntimeException(c);
                } catch (ReflectiveOperationException e) {
                    throw new RuntimeException(e);
                }
            }));
        }
        System.out.flush();
        System.exit(0);
    }
}
