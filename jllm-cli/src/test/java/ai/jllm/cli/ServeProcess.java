package ai.jllm.cli;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code jllm serve} in a process of its own, as a user runs it: a real JVM that a test can send SIGTERM to and
 * whose exit status it can read.
 */
final class ServeProcess implements AutoCloseable {

    private static final Pattern LISTENING = Pattern.compile("on http://[^:]+:(\\d+) ");

    private final Process process;
    private final ConcurrentLinkedQueue<String> out = new ConcurrentLinkedQueue<>();
    private final ConcurrentLinkedQueue<String> err = new ConcurrentLinkedQueue<>();
    private final int port;
    private final List<Thread> pumps = new ArrayList<>();

    private ServeProcess(List<String> args, Path workDir) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java")
                .toString(), "--add-modules=jdk.incubator.vector", "--enable-native-access=ALL-UNNAMED", "-Xss4m",
                "-cp", System.getProperty("java.class.path"), Main.class.getName(), "serve"));
        command.addAll(args);
        this.process = new ProcessBuilder(command).directory(workDir.toFile()).start();
        CompletableFuture<Integer> bound = new CompletableFuture<>();
        pumps.add(pump(new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8)),
                out, null));
        pumps.add(pump(new BufferedReader(new InputStreamReader(process.getErrorStream(), StandardCharsets.UTF_8)),
                err, bound));
        try {
            this.port = bound.get(120, TimeUnit.SECONDS);
        } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
            process.destroyForcibly();
            throw new AssertionError("jllm serve did not start: " + String.join("\n", err), e);
        }
    }

    /** Starts {@code jllm serve ARGS} and waits until it listens. */
    static ServeProcess start(Path workDir, String... args) throws IOException, InterruptedException {
        return new ServeProcess(List.of(args), workDir);
    }

    URI uri(String path) {
        return URI.create("http://127.0.0.1:" + port + path);
    }

    /** Sends SIGTERM and waits for the exit status (and for the last of the process's output). */
    int terminate() throws InterruptedException {
        // Process.destroy() would also close our ends of its pipes and lose what it prints while stopping.
        process.toHandle().destroy();
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new AssertionError("jllm serve did not exit after SIGTERM: " + String.join("\n", err));
        }
        for (Thread pump : pumps) {
            pump.join();
        }
        return process.exitValue();
    }

    List<String> out() {
        return List.copyOf(out);
    }

    List<String> err() {
        return List.copyOf(err);
    }

    @Override
    public void close() {
        process.destroyForcibly();
    }

    private static Thread pump(BufferedReader reader, ConcurrentLinkedQueue<String> lines,
                               CompletableFuture<Integer> bound) {
        return Thread.ofVirtual().start(() -> {
            try (reader) {
                String line;
                while ((line = reader.readLine()) != null) {
                    lines.add(line);
                    Matcher matcher = LISTENING.matcher(line);
                    if (bound != null && line.startsWith("jllm: serving") && matcher.find()) {
                        bound.complete(Integer.parseInt(matcher.group(1)));
                    }
                }
            } catch (IOException e) {
                // The process ended.
            }
            if (bound != null) {
                bound.completeExceptionally(new IOException("the process ended"));
            }
        });
    }
}
