package ai.jllm.cli;

import static org.assertj.core.api.Assertions.assertThat;

import ai.jllm.tensor.DType;
import ai.jllm.testing.RandomModel;
import ai.jllm.testing.TestTokenizers;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code jllm serve} as a user runs it: a process of its own on a random port, answering what {@code jllm generate}
 * answers, configured by flags or a YAML file, and stopping cleanly (status 0, running requests finished) on
 * SIGTERM.
 */
class ServeCommandTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

    @TempDir
    static Path temp;
    static Path qwen;

    @BeforeAll
    static void model() throws IOException {
        qwen = new RandomModel("Qwen3ForCausalLM", 151669, 32, 64, 1, 2, 1, 16, true, DType.BF16, 151643,
                List.of(151645, 151643)).write(temp.resolve("qwen"), 3);
        for (String file : List.of("tokenizer.json", "tokenizer_config.json")) {
            Files.copy(TestTokenizers.dir(TestTokenizers.QWEN3).resolve(file), qwen.resolve(file));
        }
    }

    @Test
    void servesWhatGenerateAnswersAndDrainsOnSigterm() throws Exception {
        try (ServeProcess serve = ServeProcess.start(temp, qwen.toString(), "--port", "0", "--backend", "cpu",
                "--threads", "1", "--max-batch-size", "4", "--max-seq-len", "1024", "--served-model-name", "tiny")) {
            HttpResponse<String> served = post(serve, "/v1/completions", """
                    {"model": "tiny", "prompt": "Hello, world", "max_tokens": 6, "temperature": 0,
                     "ignore_eos": true}""");
            assertThat(served.statusCode()).as(served.body()).isEqualTo(200);
            CommandRun generated = CommandRun.of("", "generate", "--model", qwen.toString(), "--prompt",
                    "Hello, world", "--max-tokens", "6", "--ignore-eos", "--temperature", "0", "--output", "json",
                    "--backend", "cpu");
            assertThat(generated.exitCode()).as(generated.err()).isZero();
            JsonNode generatedLine = JSON.readTree(generated.outLines().getFirst());
            assertThat(JSON.readTree(served.body()).get("choices").get(0).get("text").asText())
                    .isEqualTo(generatedLine.get("text").asText());

            CompletableFuture<HttpResponse<String>> running = CompletableFuture.supplyAsync(() -> post(serve,
                    "/v1/completions", "{\"prompt\": \"Keep going\", \"max_tokens\": 400, \"ignore_eos\": true}"));
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (!get(serve, "/metrics").body().contains("\njllm_requests_running 1\n")) {
                assertThat(System.nanoTime()).as("the long request never ran").isLessThan(deadline);
                Thread.sleep(5);
            }
            assertThat(serve.terminate()).as(String.join("\n", serve.err())).isZero();
            HttpResponse<String> finished = running.get();
            assertThat(finished.statusCode()).isEqualTo(200);
            assertThat(JSON.readTree(finished.body()).get("usage").get("completion_tokens").asInt()).isEqualTo(400);
            assertThat(serve.err()).anyMatch(line -> line.contains("SIGTERM"));
            assertThat(serve.out())
                    .anyMatch(line -> line.contains("path=/v1/completions") && line.contains("status=200"));
        }
    }

    @Test
    void aYamlConfigFileHoldsTheSettings() throws Exception {
        Path config = temp.resolve("serve.yaml");
        Files.writeString(config, """
                model: %s
                port: 0
                backend: cpu
                threads: 1
                served_model_name: from-yaml
                api-key: sk-yaml
                max_batch_size: 2
                access_log: false
                kv_cache_config:
                  tokens_per_block: 16
                  enable_block_reuse: false
                scheduler_config:
                  capacity_scheduler_policy: max_utilization
                """.formatted(qwen));
        try (ServeProcess serve = ServeProcess.start(temp, "--config", config.toString(), "--served-model-name",
                "from-flag")) {
            HttpResponse<String> refused = get(serve, "/v1/models");
            assertThat(refused.statusCode()).isEqualTo(401);
            HttpResponse<String> models = HTTP.send(HttpRequest.newBuilder(serve.uri("/v1/models"))
                    .header("Authorization", "Bearer sk-yaml").build(), HttpResponse.BodyHandlers.ofString());
            // The command line wins over the file.
            assertThat(JSON.readTree(models.body()).get("data").get(0).get("id").asText()).isEqualTo("from-flag");
            assertThat(serve.terminate()).isZero();
            assertThat(serve.out()).noneMatch(line -> line.contains("path=/v1/models"));
        }
    }

    @Test
    void badSettingsGetOneClearLine() throws IOException {
        Path unknown = temp.resolve("unknown.yaml");
        Files.writeString(unknown, "max_batch: 4\n");
        assertError(CommandRun.of("", "serve", qwen.toString(), "--config", unknown.toString()),
                "unknown setting 'max_batch'");
        Path badValue = temp.resolve("bad-value.yaml");
        Files.writeString(badValue, "port: eighty\n");
        assertError(CommandRun.of("", "serve", qwen.toString(), "--config", badValue.toString()), "port");
        Path notYaml = temp.resolve("broken.yaml");
        Files.writeString(notYaml, "port: [1, 2\n");
        assertError(CommandRun.of("", "serve", qwen.toString(), "--config", notYaml.toString()), "not valid YAML");
        assertError(CommandRun.of("", "serve"), "no model");
        assertError(CommandRun.of("", "serve", qwen.toString(), "--tp-size", "2"), "tensor parallelism");
        assertError(CommandRun.of("", "serve", temp.resolve("missing").toString()), "missing");
        assertError(CommandRun.of("", "serve", qwen.toString(), "--chat-template", temp.resolve("none.jinja")
                .toString()), "none.jinja");
    }

    @Test
    void helpDescribesEveryOption() {
        CommandRun run = CommandRun.of("", "serve", "--help");
        assertThat(run.exitCode()).isZero();
        assertThat(run.out()).contains("MODEL", "--host", "--port", "--backend", "--served-model-name",
                "--max-batch-size", "--max-num-tokens", "--max-seq-len", "--max-queue-size",
                "--kv-cache-free-gpu-memory-fraction", "enable-block-reuse", "--scheduler-policy", "--api-key",
                "JLLM_API_KEY", "--chat-template", "--config", "--shutdown-grace", "--max-request-bytes",
                "access-log", "--tp-size");
    }

    private static void assertError(CommandRun run, String expected) {
        assertThat(run.exitCode()).as(run.out() + run.err()).isNotZero();
        assertThat(run.err().strip().lines()).as(run.err()).anyMatch(line -> line.contains(expected));
        assertThat(run.err()).doesNotContain("\tat ");
    }

    private static HttpResponse<String> post(ServeProcess serve, String path, String body) {
        try {
            return HTTP.send(HttpRequest.newBuilder(serve.uri(path)).header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException | InterruptedException e) {
            throw new IllegalStateException(e);
        }
    }

    private static HttpResponse<String> get(ServeProcess serve, String path) throws IOException, InterruptedException {
        return HTTP.send(HttpRequest.newBuilder(serve.uri(path)).build(), HttpResponse.BodyHandlers.ofString());
    }
}
