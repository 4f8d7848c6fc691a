package ai.jllm.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.jllm.api.LLM;
import ai.jllm.cpu.CpuBackend;
import ai.jllm.cuda.CudaBackend;
import ai.jllm.server.JllmServer;
import ai.jllm.server.ServerConfig;
import ai.jllm.server.metrics.ServerMetrics;
import ai.jllm.testing.RandomModel;
import ai.jllm.testing.TestTokenizers;
import ai.jllm.tokenizer.Tokenizer;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code jllm bench} end to end on a random-weight Llama with the real Llama 3 tokenizer: the commands' plumbing
 * (what is sent, what is counted, what is written). The statistics themselves are checked in ai.jllm.bench.
 */
class BenchCommandsTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path temp;

    static Path model;
    static CpuBackend serverBackend;
    static LLM serverLlm;
    static JllmServer server;

    @BeforeAll
    static void setUp() throws IOException {
        model = RandomModel.tinyLlama(128256, 128000, List.of(128001)).write(temp.resolve("llama"), 5);
        for (String file : List.of("tokenizer.json", "tokenizer_config.json")) {
            Files.copy(TestTokenizers.dir(TestTokenizers.LLAMA3).resolve(file), model.resolve(file));
        }
        serverBackend = new CpuBackend(1);
        serverLlm = LLM.builder().model(model).backend(serverBackend).maxBatchSize(8).maxNumTokens(256)
                .maxSeqLen(128).build();
        server = JllmServer.start(serverLlm, ServerConfig.builder("tiny").host("127.0.0.1").port(0).build(),
                new ServerMetrics());
    }

    @AfterAll
    static void tearDown() {
        server.shutdown();
        serverLlm.close();
        serverBackend.close();
    }

    private static String url() {
        return "http://127.0.0.1:" + server.port();
    }

    @Test
    void throughputRunsEveryRequestToItsLength() throws IOException {
        Path json = temp.resolve("throughput.json");
        CommandRun run = CommandRun.of("", "bench", "throughput", "--model", model.toString(), "--backend", "cpu",
                "--threads", "1", "--isl", "16", "--osl", "8", "--num-requests", "6", "--concurrency", "3",
                "--max-batch-size", "4", "--max-num-tokens", "128", "--warmup", "1", "--output-json", json.toString());
        assertThat(run.exitCode()).as(run.err()).isZero();
        JsonNode result = JSON.readTree(json.toFile());
        assertThat(result.get("requests").asInt()).isEqualTo(6);
        assertThat(result.get("errors").asInt()).isZero();
        assertThat(result.get("concurrency").asInt()).isEqualTo(3);
        assertThat(result.get("prompt_tokens").asLong()).isEqualTo(6 * 16);
        assertThat(result.get("output_tokens").asLong()).isEqualTo(6 * 8);
        for (String key : List.of("ttft_ms", "itl_ms", "e2e_ms")) {
            assertThat(result.get(key).get("p50").asDouble()).as(key).isPositive();
        }
        assertThat(result.at("/ttft_ms/p50").asDouble()).isLessThan(result.at("/e2e_ms/p50").asDouble());
        double seconds = result.get("duration_s").asDouble();
        assertThat(result.get("output_tokens_per_s").asDouble()).isCloseTo(48 / seconds,
                within(1e-6));
        assertThat(run.out()).contains("| output tokens/s |", "| TTFT (ms) |");
    }

    @Test
    void throughputWritesAnIterationLog() throws IOException {
        Path log = temp.resolve("iterations.jsonl");
        CommandRun run = CommandRun.of("", "bench", "throughput", "--model", model.toString(), "--backend", "cpu",
                "--threads", "1", "--isl", "16", "--osl", "4", "--num-requests", "3", "--warmup", "0",
                "--max-batch-size", "2", "--max-num-tokens", "128", "--iteration-log", log.toString());
        assertThat(run.exitCode()).as(run.err()).isZero();
        List<JsonNode> lines = Files.readAllLines(log).stream().map(line -> {
            try {
                return JSON.readTree(line);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }).toList();
        // Every prompt token and every generated token but each request's last (sampled from the step before) is
        // processed by exactly one step; no step runs more than the two sequences the batch allows.
        assertThat(lines.stream().mapToInt(line -> line.get("tokens").asInt()).sum()).isEqualTo(3 * 16 + 3 * 3);
        assertThat(lines).allSatisfy(line -> assertThat(line.get("sequences").asInt()).isBetween(0, 2));
        assertThat(lines.getLast().get("running").asInt()).isZero();
        assertThat(lines).allSatisfy(line -> assertThat(line.get("step_ms").asDouble()).isNotNegative());
    }

    @Test
    void throughputReadsADataset() throws IOException {
        Path dataset = temp.resolve("dataset.jsonl");
        Files.writeString(dataset, """
                {"task_id": 0, "prompt": "The quick brown fox", "output_tokens": 3}
                {"task_id": 1, "input_ids": [128000, 791, 4062, 14198], "output_tokens": 5}
                """);
        Path json = temp.resolve("dataset.json");
        CommandRun run = CommandRun.of("", "bench", "throughput", "--model", model.toString(), "--backend", "cpu",
                "--threads", "1", "--dataset", dataset.toString(), "--num-requests", "4", "--warmup", "0",
                "--max-batch-size", "4", "--max-num-tokens", "128", "--output-json", json.toString());
        assertThat(run.exitCode()).as(run.err()).isZero();
        JsonNode result = JSON.readTree(json.toFile());
        int textTokens = Tokenizer.load(model).encode("The quick brown fox", true).length;
        assertThat(result.get("prompt_tokens").asLong()).isEqualTo(2L * (textTokens + 4));
        assertThat(result.get("output_tokens").asLong()).isEqualTo(2 * (3 + 5));
    }

    @Test
    void latencyTimesDecodeSteps() throws IOException {
        Path json = temp.resolve("latency.json");
        CommandRun run = CommandRun.of("", "bench", "latency", "--model", model.toString(), "--backend", "cpu",
                "--threads", "1", "--batch-size", "2", "--isl", "16", "--osl", "8", "--iterations", "2",
                "--output-json", json.toString());
        assertThat(run.exitCode()).as(run.err()).isZero();
        JsonNode result = JSON.readTree(json.toFile());
        assertThat(result.get("batch_size").asInt()).isEqualTo(2);
        assertThat(result.get("iterations").asInt()).isEqualTo(2);
        assertThat(result.at("/decode_step_ms/p50").asDouble()).isPositive();
        assertThat(result.at("/prefill_ms/mean").asDouble()).isPositive();
        assertThat(result.get("decode_tokens_per_s").asDouble())
                .isCloseTo(2 * 1e3 / result.at("/decode_step_ms/mean").asDouble(),
                        within(1e-6));
        // No copy bandwidth on the CPU, so no roofline.
        assertThat(result.has("roofline_fraction")).isFalse();
        assertThat(run.out()).contains("decode step (ms)", "decode tokens/s (batch)");
    }

    @Test
    void serveSweepsConcurrencyAndWritesJsonMarkdownAndPlots() throws IOException {
        Path dir = temp.resolve("serve");
        CommandRun run = CommandRun.of("", "bench", "serve", "--url", url(), "--concurrency", "1,3", "--isl", "8",
                "--osl", "6", "--num-requests", "4", "--output-dir", dir.toString());
        assertThat(run.exitCode()).as(run.err()).isZero();
        for (int level : new int[] {1, 3}) {
            JsonNode result = JSON.readTree(dir.resolve("concurrency_" + level + ".json").toFile());
            assertThat(result.get("concurrency").asInt()).isEqualTo(level);
            assertThat(result.get("requests").asInt()).isEqualTo(4);
            assertThat(result.get("errors").asInt()).isZero();
            assertThat(result.get("model").asText()).isEqualTo("tiny");
            // Token counts are the server's usage: every prompt exactly --isl ids, every output exactly --osl.
            assertThat(result.get("prompt_tokens").asLong()).isEqualTo(4 * 8);
            assertThat(result.get("output_tokens").asLong()).isEqualTo(4 * 6);
            assertThat(result.at("/itl_ms/p99").asDouble()).isPositive();
            assertThat(result.at("/tpot_ms/mean").asDouble()).isPositive();
        }
        assertThat(Files.readString(dir.resolve("results.md"))).contains("| concurrency |", "| 1 ", "| 3 ");
        for (String plot : List.of("throughput_vs_ttft.png", "throughput_vs_itl.png", "throughput_vs_e2e.png")) {
            BufferedImage image = ImageIO.read(dir.resolve(plot).toFile());
            assertThat(image).as(plot).isNotNull();
            assertThat(image.getWidth()).isEqualTo(800);
        }
        assertThat(run.out()).contains("| concurrency | requests | errors |");

        // The plots drawn again from the JSON files alone, as for a sweep run where no fonts are installed.
        for (String plot : List.of("throughput_vs_ttft.png", "throughput_vs_itl.png", "throughput_vs_e2e.png")) {
            Files.delete(dir.resolve(plot));
        }
        CommandRun plot = CommandRun.of("", "bench", "plot", dir.toString());
        assertThat(plot.exitCode()).as(plot.err()).isZero();
        assertThat(plot.outLines()).hasSize(3);
        assertThat(ImageIO.read(dir.resolve("throughput_vs_itl.png").toFile()).getHeight()).isEqualTo(600);
    }

    @Test
    void serveSendsTextThroughTheChatEndpoint() throws IOException {
        Path dir = temp.resolve("chat");
        CommandRun run = CommandRun.of("", "bench", "serve", "--url", url() + "/v1", "--model", "tiny", "--endpoint",
                "chat", "--tokenizer", model.toString(), "--concurrency", "2", "--isl", "12", "--osl", "4",
                "--num-requests", "2", "--warmup", "0", "--output-dir", dir.toString());
        assertThat(run.exitCode()).as(run.err()).isZero();
        JsonNode result = JSON.readTree(dir.resolve("concurrency_2.json").toFile());
        assertThat(result.get("errors").asInt()).isZero();
        assertThat(result.get("output_tokens").asLong()).isEqualTo(2 * 4);
    }

    @Test
    void serveCountsErrors() {
        CommandRun run = CommandRun.of("", "bench", "serve", "--url", url(), "--model", "no-such-model",
                "--concurrency", "2", "--num-requests", "3", "--warmup", "0");
        assertThat(run.exitCode()).isEqualTo(1);
        assertThat(run.err()).contains("3 requests failed", "HTTP 404");
        assertThat(run.out()).containsPattern("\\| 2 +\\| +0 \\| +3 \\|");
    }

    @Test
    void serveWithoutAServerSaysSo() {
        CommandRun run = CommandRun.of("", "bench", "serve", "--url", "http://127.0.0.1:1");
        assertThat(run.exitCode()).isEqualTo(1);
        assertThat(run.err()).startsWith("error: cannot reach http://127.0.0.1:1");
    }

    @Test
    void rooflineNeedsAGpu() {
        CommandRun run = CommandRun.of("", "bench", "roofline", "--copy-mib", "64", "--gemm-size", "1024");
        if (CudaBackend.availability().available()) {
            assertThat(run.exitCode()).as(run.err()).isZero();
            assertThat(run.out()).contains("copy bandwidth", "bf16 GEMM");
        } else {
            assertThat(run.exitCode()).isEqualTo(1);
            assertThat(run.err()).startsWith("error: bench roofline needs a GPU: ");
        }
    }

    @Test
    void everyBenchCommandHasHelp() {
        for (String command : List.of("throughput", "latency", "serve", "roofline", "plot")) {
            CommandRun run = CommandRun.of("", "bench", command, "--help");
            assertThat(run.exitCode()).isZero();
            assertThat(run.out()).contains("Usage: jllm bench " + command);
        }
    }
}
