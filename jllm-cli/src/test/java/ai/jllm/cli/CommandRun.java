package ai.jllm.cli;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * One run of {@link Main#run} with standard input, output and error redirected, as a shell pipeline would see
 * it. The process-wide streams are swapped for the duration of the run, so runs are serialized.
 */
record CommandRun(int exitCode, String out, String err) {

    private static final Object STREAMS = new Object();

    static CommandRun of(String stdin, String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        synchronized (STREAMS) {
            InputStream originalIn = System.in;
            PrintStream originalOut = System.out;
            PrintStream originalErr = System.err;
            try {
                System.setIn(new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8)));
                System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
                System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
                int exitCode = Main.run(args);
                System.out.flush();
                System.err.flush();
                return new CommandRun(exitCode, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
            } finally {
                System.setIn(originalIn);
                System.setOut(originalOut);
                System.setErr(originalErr);
            }
        }
    }

    List<String> outLines() {
        return out.lines().toList();
    }
}
