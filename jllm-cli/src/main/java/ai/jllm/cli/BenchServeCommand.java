package ai.jllm.cli;

import ai.jllm.JllmException;
import ai.jllm.bench.BenchDataset;
import ai.jllm.bench.BenchRequest;
import ai.jllm.bench.BenchResult;
import ai.jllm.bench.LoadGenerator;
import ai.jllm.bench.OpenAiClient;
import ai.jllm.bench.RequestTiming;
import ai.jllm.bench.ResultTables;
import ai.jllm.bench.SweepPlots;
import ai.jllm.tokenizer.Tokenizer;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.Callable;
import java.util.stream.IntStream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code jllm bench serve}: a streaming load generator for any OpenAI-compatible server, like genai-perf. */
@Command(name = "serve", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Load an OpenAI-compatible server (jllm serve, vLLM, trtllm-serve, ...) with streamed requests "
                + "at each --concurrency level in turn (that many requests in flight, each client sending its next as "
                + "soon as one ends) and report per level: requests/s, output and total tokens/s, TTFT, inter-token "
                + "latency, TPOT and end-to-end latency (mean, p50, p90, p99) and errors.",
                "Requests are greedy with ignore_eos, so each generates exactly its output length; the server's "
                        + "usage (stream_options.include_usage) gives the token counts.",
                "With --output-dir: concurrency_C.json per level, results.md (the table) and PNG plots of throughput "
                        + "against TTFT, ITL and end-to-end latency."})
final class BenchServeCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--url", paramLabel = "URL", defaultValue = "http://127.0.0.1:8000",
            description = "The server's base URL (default: ${DEFAULT-VALUE}).")
    URI url;

    @Option(names = "--model", paramLabel = "NAME",
            description = "The model name requests carry (default: the first that GET /v1/models lists).")
    String model;

    @Option(names = "--endpoint", paramLabel = "API", defaultValue = "completions",
            description = "completions (/v1/completions) or chat (/v1/chat/completions; needs text prompts: "
                    + "--tokenizer or a dataset of texts) (default: ${DEFAULT-VALUE}).")
    String endpoint;

    @Option(names = "--concurrency", paramLabel = "C", split = ",", defaultValue = "1,8,64",
            description = "Concurrency levels to sweep, comma-separated (default: ${DEFAULT-VALUE}).")
    int[] concurrency;

    @Option(names = "--isl", paramLabel = "N", defaultValue = "128",
            description = "Prompt length of synthetic requests in tokens (default: ${DEFAULT-VALUE}).")
    int inputLength;

    @Option(names = "--osl", paramLabel = "N", defaultValue = "128",
            description = "Output length in tokens (dataset lines may give their own) (default: ${DEFAULT-VALUE}).")
    int outputLength;

    @Option(names = "--num-requests", paramLabel = "N", defaultValue = "64",
            description = "Requests per concurrency level; at least the level itself is sent (default: "
                    + "${DEFAULT-VALUE}).")
    int numRequests;

    @Option(names = "--dataset", paramLabel = "FILE",
            description = "JSON lines of {\"prompt\": TEXT | \"input_ids\": [...], \"output_tokens\": N} instead of "
                    + "synthetic prompts.")
    Path dataset;

    @Option(names = "--tokenizer", paramLabel = "DIR",
            description = "Send synthetic prompts as text: random token ids of this tokenizer, decoded (for servers "
                    + "that take no token-id prompts). Without it prompts go as token ids.")
    Path tokenizer;

    @Option(names = "--vocab-size", paramLabel = "N", defaultValue = "32000",
            description = "Synthetic token ids are drawn below this (without --tokenizer) (default: ${DEFAULT-VALUE}).")
    int vocabSize;

    @Option(names = "--api-key", paramLabel = "KEY", description = "Sent as 'Authorization: Bearer KEY' "
            + "(default: $OPENAI_API_KEY when set).")
    String apiKey;

    @Option(names = "--warmup", paramLabel = "N", defaultValue = "1",
            description = "Untimed requests sent before the sweep (default: ${DEFAULT-VALUE}).")
    int warmup;

    @Option(names = "--timeout", paramLabel = "SECONDS", defaultValue = "600",
            description = "A request that takes longer counts as an error (default: ${DEFAULT-VALUE}).")
    int timeoutSeconds;

    @Option(names = "--seed", paramLabel = "SEED", defaultValue = "0",
            description = "Seed of the synthetic prompts (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--output-dir", paramLabel = "DIR", description = "Write the JSON, Markdown and PNG results here.")
    Path outputDir;

    @Override
    public Integer call() throws InterruptedException {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        OpenAiClient.Endpoint api = switch (endpoint.toLowerCase(Locale.ROOT)) {
            case "completions" -> OpenAiClient.Endpoint.COMPLETIONS;
            case "chat" -> OpenAiClient.Endpoint.CHAT;
            default -> throw new JllmException("--endpoint is completions or chat, not '" + endpoint + "'");
        };
        for (int level : concurrency) {
            if (level < 1) {
                throw new JllmException("--concurrency levels must be at least 1, got " + level);
            }
        }
        Optional<String> key = Optional.ofNullable(apiKey).or(() -> Optional.ofNullable(System.getenv("OPENAI_API_KEY")));
        String modelName = model;
        if (modelName == null) {
            try {
                modelName = OpenAiClient.firstModel(url, key);
            } catch (IOException e) {
                throw new JllmException("cannot reach " + url + ": " + e.getMessage());
            }
        }
        OpenAiClient client = new OpenAiClient(url, api, modelName, key, Duration.ofSeconds(timeoutSeconds));
        err.println("jllm: benchmarking " + modelName + " at " + url + " (" + api.path() + ")");
        err.flush();
        int maxLevel = IntStream.of(concurrency).max().orElseThrow();
        List<BenchRequest> pool = requests(Math.max(numRequests, maxLevel) * concurrency.length + warmup);
        if (api == OpenAiClient.Endpoint.CHAT && pool.getFirst().promptText().isEmpty()) {
            throw new JllmException("--endpoint chat sends text: give --tokenizer or a dataset of \"prompt\" texts");
        }
        int next = 0;
        if (warmup > 0) {
            LoadGenerator.run(pool.subList(0, warmup), warmup, client::send, done -> {});
            next = warmup;
        }
        List<BenchResult> results = new ArrayList<>();
        for (int level : concurrency) {
            int count = Math.max(numRequests, level);
            List<BenchRequest> requests = pool.subList(next, next + count);
            next += count;
            List<RequestTiming> timings;
            try (ConsoleProgress progress = ConsoleProgress.start("concurrency " + level, count, "requests")) {
                timings = LoadGenerator.run(requests, level, client::send, progress::stepTo);
            }
            BenchResult result = BenchResult.of(timings, OptionalInt.of(level));
            results.add(result);
            result.firstError().ifPresent(error -> err.println("jllm: concurrency " + level + ": " + result.errors()
                    + " requests failed, e.g.: " + error));
            err.flush();
        }
        String table = ResultTables.sweep(results);
        out.print(table);
        out.flush();
        if (outputDir != null) {
            write(results, table, modelName);
            try {
                SweepPlots.write(results, modelName + ": isl " + inputLength + ", osl " + outputLength, outputDir);
            } catch (IllegalStateException e) {
                err.println("jllm: no plots: " + e.getMessage().lines().findFirst().orElse(""));
            }
            err.println("jllm: results in " + outputDir);
        }
        return results.stream().allMatch(r -> r.errors() == 0) ? 0 : 1;
    }

    private List<BenchRequest> requests(int count) {
        if (dataset != null) {
            List<BenchRequest> lines = BenchDataset.read(dataset, outputLength, BenchOutput.JSON);
            return IntStream.range(0, count).mapToObj(i -> lines.get(i % lines.size())).toList();
        }
        if (tokenizer == null) {
            return BenchDataset.synthetic(count, inputLength, outputLength, vocabSize, seed);
        }
        Tokenizer text = Tokenizer.load(tokenizer);
        return BenchDataset.synthetic(count, inputLength, outputLength, text.vocabSize(), seed).stream()
                .map(r -> BenchRequest.ofText(text.decode(r.promptTokenIds().orElseThrow(), true), r.outputTokens()))
                .toList();
    }

    private void write(List<BenchResult> results, String table, String modelName) {
        try {
            Files.createDirectories(outputDir);
            for (BenchResult result : results) {
                ObjectNode json = result.toJson(BenchOutput.JSON);
                json.put("model", modelName);
                json.put("url", url.toString());
                json.put("isl", inputLength);
                json.put("osl", outputLength);
                BenchOutput.writeJson(outputDir.resolve("concurrency_" + result.concurrency().orElseThrow() + ".json"),
                        json);
            }
            Files.writeString(outputDir.resolve("results.md"), "# " + modelName + " at " + url + ", isl " + inputLength
                    + ", osl " + outputLength + " (latencies in ms)\n\n" + table);
        } catch (IOException e) {
            throw new JllmException("cannot write results into " + outputDir + ": " + e.getMessage());
        }
    }
}
