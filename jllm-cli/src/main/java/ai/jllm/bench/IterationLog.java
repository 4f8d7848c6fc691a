package ai.jllm.bench;

import ai.jllm.engine.IterationStats;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.function.Consumer;

/**
 * One JSON line per engine iteration (TensorRT-LLM's iteration log): when it ended (ms since the log opened), how long
 * its step took, what it scheduled and what the KV cache held after it. It shows where a throughput run's time goes:
 * how many steps mixed prefill chunks into decodes, and how long each kind took. Written on the engine thread, which
 * it holds only for a buffered write.
 */
public final class IterationLog implements Consumer<IterationStats>, AutoCloseable {

    private final BufferedWriter writer;
    private final long start = System.nanoTime();

    public IterationLog(Path file) {
        try {
            this.writer = Files.newBufferedWriter(file);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the iteration log " + file, e);
        }
    }

    @Override
    public void accept(IterationStats stats) {
        try {
            writer.write(String.format(Locale.ROOT, "{\"t_ms\":%.3f,\"step_ms\":%.3f,\"sequences\":%d,\"tokens\":%d,"
                            + "\"preempted\":%d,\"running\":%d,\"waiting\":%d,\"kv_blocks_used\":%d,"
                            + "\"kv_blocks_free\":%d}%n",
                    (System.nanoTime() - start) / 1e6, stats.stepNanos() / 1e6, stats.scheduledSequences(),
                    stats.scheduledTokens(), stats.preempted(), stats.running(), stats.waiting(),
                    stats.kvBlocksUsed(), stats.kvBlocksFree()));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the iteration log", e);
        }
    }

    @Override
    public void close() {
        try {
            writer.close();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot close the iteration log", e);
        }
    }
}
