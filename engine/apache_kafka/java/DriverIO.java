import java.io.BufferedReader;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

/**
 * The line protocol's two ends for the Kafka client driver programs: commands come on stdin, answers
 * ("ready", "acked ...", "record ...") go to stdout, one per line, in UTF-8 whatever the locale.
 */
final class DriverIO {
    private DriverIO() {
    }

    /** Stdout flushed at every line, so the test reading it sees an answer as soon as it is printed. */
    static PrintStream stdout() {
        return new PrintStream(new FileOutputStream(FileDescriptor.out), true, StandardCharsets.UTF_8);
    }

    /** Stdin, read a command line at a time. */
    static BufferedReader stdin() {
        return new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    }
}
