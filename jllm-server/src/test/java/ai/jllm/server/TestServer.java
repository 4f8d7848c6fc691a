package ai.jllm.server;

import ai.jllm.api.LLM;
import ai.jllm.cpu.CpuBackend;
import ai.jllm.engine.IterationStats;
import ai.jllm.server.metrics.ServerMetrics;
import ai.jllm.tensor.DType;
import ai.jllm.testing.RandomModel;
import ai.jllm.testing.TestTokenizers;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.function.Consumer;

/**
 * A real server on a random loopback port over a random-weight Qwen3-shaped model that carries the real Qwen3
 * tokenizer and chat template, on the CPU backend.
 */
final class TestServer implements AutoCloseable {

    static final String MODEL_NAME = "test-model";

    final LLM llm;
    final ServerMetrics metrics;
    final JllmServer server;
    final ConcurrentLinkedQueue<String> accessLog = new ConcurrentLinkedQueue<>();
    private final CpuBackend backend;

    private TestServer(Path model, Consumer<LLM.Builder> engine, Consumer<ServerConfig.Builder> serverOptions) {
        this.backend = new CpuBackend(1);
        this.metrics = new ServerMetrics();
        LLM.Builder builder = LLM.builder().model(model).backend(backend).maxBatchSize(8).maxNumTokens(256)
                .maxSeqLen(256).statsListener(metrics::onIteration);
        engine.accept(builder);
        this.llm = builder.build();
        ServerConfig.Builder config = ServerConfig.builder(MODEL_NAME).port(0).accessLog(accessLog::add)
                .shutdownGrace(Duration.ofSeconds(10));
        serverOptions.accept(config);
        this.server = JllmServer.start(llm, config.build(), metrics);
    }

    static TestServer start(Path model) {
        return new TestServer(model, builder -> {}, config -> {});
    }

    static TestServer start(Path model, Consumer<LLM.Builder> engine, Consumer<ServerConfig.Builder> server) {
        return new TestServer(model, engine, server);
    }

    /** A tiny Qwen3 (vocabulary of the real tokenizer, 1 layer, hidden size 32) with the Qwen3 tokenizer files. */
    static Path qwenModel(Path dir) {
        Path model = new RandomModel("Qwen3ForCausalLM", 151669, 32, 64, 1, 2, 1, 16, true, DType.BF16, 151643,
                List.of(151645, 151643)).write(dir, 7);
        try {
            for (String file : List.of("tokenizer.json", "tokenizer_config.json")) {
                Files.copy(TestTokenizers.dir(TestTokenizers.QWEN3).resolve(file), model.resolve(file));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return model;
    }

    URI uri(String path) {
        return URI.create("http://127.0.0.1:" + server.port() + path);
    }

    /** The engine's statistics once it is idle: waits for running and queued requests to leave first. */
    IterationStats idleStats() throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (llm.executor().numRequests() > 0) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("the engine still has " + llm.executor().numRequests() + " requests");
            }
            Thread.sleep(5);
        }
        return llm.executor().stats();
    }

    @Override
    public void close() {
        server.close();
        llm.close();
        backend.close();
    }
}
