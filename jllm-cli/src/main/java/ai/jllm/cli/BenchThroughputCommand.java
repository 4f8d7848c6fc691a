package ai.jllm.cli;

import ai.jllm.JllmException;
import ai.jllm.api.LLM;
import ai.jllm.backend.Backend;
import ai.jllm.bench.BenchDataset;
import ai.jllm.bench.BenchRequest;
import ai.jllm.bench.BenchResult;
import ai.jllm.bench.EngineClient;
import ai.jllm.bench.IterationLog;
import ai.jllm.bench.LoadGenerator;
import ai.jllm.bench.RequestTiming;
import ai.jllm.bench.ResultTables;
import ai.jllm.config.ModelConfig;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.OptionalInt;
import java.util.concurrent.Callable;
import java.util.stream.IntStream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code jllm bench throughput}: offline throughput through the Java API, as trtllm-bench's throughput command. */
@Command(name = "throughput", mixinStandardHelpOptions = true, sortOptions = false,
        defaultValueProvider = ServeCommand.ServingDefaults.class,
        description = {"Offline throughput: submit requests straight to the engine (no HTTP) and report requests/s, "
                + "output and total tokens/s, and TTFT, inter-token and end-to-end latency (mean, p50, p90, p99).",
                "Prompts are random token ids of --isl tokens (no shared prefixes) or come from --dataset; every "
                        + "request generates exactly its output length (greedy, end-of-sequence ignored).",
                "The engine batch defaults to serving sizes (--max-batch-size 64, --max-num-tokens 8192)."})
final class BenchThroughputCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--model", paramLabel = "MODEL", required = true,
            description = "A Hugging Face model directory or a hub id (org/name[@revision]), downloaded if not cached.")
    String model;

    @Option(names = "--isl", paramLabel = "N", defaultValue = "128",
            description = "Input (prompt) length of synthetic requests in tokens (default: ${DEFAULT-VALUE}).")
    int inputLength;

    @Option(names = "--osl", paramLabel = "N", defaultValue = "128",
            description = "Output length in tokens: of synthetic requests, and of dataset lines that give none "
                    + "(default: ${DEFAULT-VALUE}).")
    int outputLength;

    @Option(names = "--dataset", paramLabel = "FILE",
            description = "JSON lines of {\"prompt\": TEXT | \"input_ids\": [...], \"output_tokens\": N} instead of "
                    + "synthetic prompts (trtllm-bench's layout).")
    Path dataset;

    @Option(names = "--num-requests", paramLabel = "N", defaultValue = "64",
            description = "Requests to run; a dataset is cycled or cut to this many (default: ${DEFAULT-VALUE}).")
    int numRequests;

    @Option(names = "--concurrency", paramLabel = "C",
            description = "Keep at most C requests in flight (default: submit them all at once).")
    Integer concurrency;

    @Option(names = "--warmup", paramLabel = "N", defaultValue = "2",
            description = "Untimed requests of the same kind run first (default: ${DEFAULT-VALUE}).")
    int warmup;

    @Option(names = "--seed", paramLabel = "SEED", defaultValue = "0",
            description = "Seed of the synthetic prompts (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--output-json", paramLabel = "FILE", description = "Also write the figures to this JSON file.")
    Path outputJson;

    @Option(names = "--iteration-log", paramLabel = "FILE",
            description = "Write one JSON line per engine iteration (step time, sequences and tokens scheduled, "
                    + "running, waiting, KV blocks) to this file.")
    Path iterationLog;

    @Mixin
    EngineOptions engineOptions;

    @Mixin
    HubOptions hub;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        if (numRequests < 1) {
            throw new JllmException("--num-requests must be at least 1, got " + numRequests);
        }
        Path modelDir = hub.resolveModel(model);
        ModelConfig config = ModelConfig.load(modelDir);
        List<BenchRequest> requests = requests(config);
        int inFlight = concurrency == null ? requests.size() : concurrency;
        if (inFlight < 1) {
            throw new JllmException("--concurrency must be at least 1, got " + inFlight);
        }
        try (IterationLog iterations = iterationLog == null ? null : new IterationLog(iterationLog);
             Backend backend = engineOptions.backend.create(engineOptions.threads, err);
             LLM llm = LoadProgress.load(modelDir, backend, engineOptions, err, builder -> {
                 builder.maxQueueSize(Math.max(1024, requests.size()));
                 if (iterations != null) {
                     builder.statsListener(iterations);
                 }
             })) {
            EngineClient client = new EngineClient(llm);
            if (warmup > 0) {
                LoadGenerator.run(requests.subList(0, Math.min(warmup, requests.size())), inFlight, client::send,
                        done -> {});
            }
            List<RequestTiming> timings;
            try (ConsoleProgress progress = ConsoleProgress.start("throughput", requests.size(), "requests")) {
                timings = LoadGenerator.run(requests, inFlight, client::send, progress::stepTo);
            }
            BenchResult result = BenchResult.of(timings, concurrency == null ? OptionalInt.empty()
                    : OptionalInt.of(concurrency));
            out.print(ResultTables.detail(result));
            out.flush();
            result.firstError().ifPresent(error -> err.println("jllm: " + result.errors() + " requests failed, e.g.: "
                    + error));
            if (outputJson != null) {
                ObjectNode json = result.toJson(BenchOutput.JSON);
                json.put("model", modelDir.getFileName().toString());
                json.put("backend", backend.name());
                BenchOutput.writeJson(outputJson, json);
            }
            return result.errors() == 0 ? 0 : 1;
        }
    }

    private List<BenchRequest> requests(ModelConfig config) {
        if (dataset == null) {
            return BenchDataset.synthetic(numRequests, inputLength, outputLength, config.vocabSize(), seed);
        }
        List<BenchRequest> lines = BenchDataset.read(dataset, outputLength, BenchOutput.JSON);
        return IntStream.range(0, numRequests).mapToObj(i -> lines.get(i % lines.size())).toList();
    }
}
