package ai.jllm.cli;

import static ai.jllm.bench.MarkdownTable.figure;

import ai.jllm.JllmException;
import ai.jllm.api.LLM;
import ai.jllm.api.RequestOutput;
import ai.jllm.backend.Backend;
import ai.jllm.bench.BenchDataset;
import ai.jllm.bench.BenchRequest;
import ai.jllm.bench.DecodeProfile;
import ai.jllm.bench.DecodeRoofline;
import ai.jllm.bench.Distribution;
import ai.jllm.bench.MarkdownTable;
import ai.jllm.bench.PrefillRoofline;
import ai.jllm.config.KvCacheDtype;
import ai.jllm.config.EngineConfig;
import ai.jllm.config.ModelConfig;
import ai.jllm.cuda.CudaBackend;
import ai.jllm.engine.IterationStats;
import ai.jllm.engine.RequestHandle;
import ai.jllm.kvcache.KvCacheConfig;
import ai.jllm.engine.StepPhases;
import ai.jllm.sampling.SamplingParams;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentLinkedQueue;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code jllm bench latency}: a static batch, timed step by step, as trtllm-bench's latency command. */
@Command(name = "latency", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Static-batch latency: --batch-size requests of --isl random prompt tokens start together and "
                + "each generates exactly --osl tokens (greedy, end-of-sequence ignored); repeated --iterations times.",
                "Reports the prefill latency (engine steps that held prompt tokens), the time to first token, the "
                        + "decode step latency (steps where the whole batch decodes, timed by the engine), decode "
                        + "tokens/s and the end-to-end latency. On the CUDA backend also the memory-bandwidth "
                        + "roofline of a decode step (weights as the engine stores them, int8/int4 codes with their "
                        + "scales and zero points, + KV cache read once ÷ measured copy bandwidth) and the fraction "
                        + "of it reached, and the prefill's rate (2 × weights × prompt tokens + causal attention, in "
                        + "TFLOP/s) as a fraction of the bf16 GEMM rate measured in the same run."})
final class BenchLatencyCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--model", paramLabel = "MODEL", required = true,
            description = "A Hugging Face model directory or a hub id (org/name[@revision]), downloaded if not cached.")
    String model;

    @Option(names = "--batch-size", paramLabel = "B", defaultValue = "1",
            description = "Sequences in the static batch (default: ${DEFAULT-VALUE}).")
    int batchSize;

    @Option(names = "--isl", paramLabel = "N", defaultValue = "128",
            description = "Prompt length in tokens (default: ${DEFAULT-VALUE}).")
    int inputLength;

    @Option(names = "--osl", paramLabel = "N", defaultValue = "128",
            description = "Tokens each sequence generates (default: ${DEFAULT-VALUE}).")
    int outputLength;

    @Option(names = "--iterations", paramLabel = "N", defaultValue = "3",
            description = "Timed batches (default: ${DEFAULT-VALUE}).")
    int iterations;

    @Option(names = "--warmup", paramLabel = "N", defaultValue = "1",
            description = "Untimed batches run first (default: ${DEFAULT-VALUE}).")
    int warmup;

    @Option(names = "--seed", paramLabel = "SEED", defaultValue = "0",
            description = "Seed of the random prompts (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--profile", description = "Also report where the decode steps' time goes: the mean host time of "
            + "each phase of the engine step and, on the CUDA backend, the GPU time of the forward pass and of the "
            + "sampling (CUDA events).")
    boolean profile;

    @Option(names = "--output-json", paramLabel = "FILE", description = "Also write the figures to this JSON file.")
    Path outputJson;

    @Mixin
    EngineOptions engineOptions;

    @Mixin
    HubOptions hub;

    /** The square bf16 product whose rate the prefill is quoted against (as {@code jllm bench roofline}'s default). */
    private static final int GEMM_SIZE = 8192;
    private static final int GEMM_REPEATS = 20;

    /** Engine steps of one batch, and its requests' results. */
    private record Iteration(List<IterationStats> steps, List<RequestOutput> outputs) {}

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        if (batchSize < 1 || inputLength < 1 || outputLength < 2 || iterations < 1 || warmup < 0) {
            throw new JllmException("--batch-size, --isl and --iterations must be at least 1 and --osl at least 2");
        }
        Path modelDir = hub.resolveModel(model);
        ModelConfig config = ModelConfig.load(modelDir);
        ConcurrentLinkedQueue<IterationStats> steps = new ConcurrentLinkedQueue<>();
        Optional<Double> gemmRate = Optional.empty();
        try (Backend backend = engineOptions.backend.create(engineOptions.threads, err)) {
            // Measured before the model takes its memory, in the same process as the timing it is compared with.
            Optional<Double> bandwidth = backend instanceof CudaBackend cuda
                    ? Optional.of(cuda.copyBandwidth(1L << 30, 20)) : Optional.empty();
            if (backend instanceof CudaBackend cuda) {
                gemmRate = Optional.of(cuda.gemmRate(GEMM_SIZE, GEMM_SIZE, GEMM_SIZE, GEMM_REPEATS));
                if (profile) {
                    cuda.timeSteps();
                }
            }
            try (LLM llm = LoadProgress.load(modelDir, backend, engineOptions, err, builder -> {
                builder.maxBatchSize(batchSize).maxNumTokens(Math.max(engineOptions.maxNumTokens,
                        batchSize * inputLength)).statsListener(steps::add);
                if (engineOptions.maxSeqLen == null) {
                    builder.maxSeqLen(inputLength + outputLength);
                }
            })) {
                List<Iteration> timed = new ArrayList<>();
                try (ConsoleProgress progress = ConsoleProgress.start("latency", warmup + iterations, "batches")) {
                    for (int i = 0; i < warmup + iterations; i++) {
                        steps.clear();
                        List<RequestOutput> outputs = runBatch(llm, i);
                        if (i >= warmup) {
                            timed.add(new Iteration(List.copyOf(steps), outputs));
                        }
                        progress.stepTo(i + 1);
                    }
                }
                report(timed, config, llm.engineConfig().map(EngineConfig::quantization)
                        .orElse(EngineConfig.Quantization.NONE), backend, llm.kvCache().dtype(), bandwidth, gemmRate,
                        modelDir, out);
            }
        }
        return 0;
    }

    private List<RequestOutput> runBatch(LLM llm, int iteration) {
        SamplingParams params = SamplingParams.builder().greedy().maxTokens(outputLength).ignoreEos(true).build();
        List<RequestHandle> handles = new ArrayList<>();
        for (BenchRequest request : BenchDataset.synthetic(batchSize, inputLength, outputLength,
                llm.modelConfig().vocabSize(), seed + iteration)) {
            handles.add(llm.submit(request.promptTokenIds().orElseThrow(), params, false));
        }
        return handles.stream().map(handle -> handle.result().join()).toList();
    }

    private void report(List<Iteration> timed, ModelConfig config, EngineConfig.Quantization quantization,
                        Backend backend, KvCacheDtype kvDtype, Optional<Double> bandwidth, Optional<Double> gemmRate,
                        Path modelDir, PrintWriter out) {
        List<Double> prefill = new ArrayList<>();
        List<Double> ttft = new ArrayList<>();
        List<Double> decodeSteps = new ArrayList<>();
        List<Double> e2e = new ArrayList<>();
        List<StepPhases> decodePhases = new ArrayList<>();
        for (Iteration iteration : timed) {
            double prefillMillis = 0;
            for (IterationStats step : iteration.steps()) {
                if (step.scheduledTokens() > step.scheduledSequences()) {
                    prefillMillis += step.stepNanos() / 1e6;
                } else if (step.scheduledSequences() == batchSize) {
                    decodeSteps.add(step.stepNanos() / 1e6);
                    decodePhases.add(step.phases());
                }
            }
            prefill.add(prefillMillis);
            long first = Long.MAX_VALUE;
            long last = Long.MIN_VALUE;
            for (RequestOutput output : iteration.outputs()) {
                var metrics = output.metrics();
                first = Math.min(first, metrics.arrivalNanos());
                last = Math.max(last, metrics.finishedNanos().orElseThrow());
                ttft.add((metrics.firstTokenNanos().orElseThrow() - metrics.arrivalNanos()) / 1e6);
            }
            e2e.add((last - first) / 1e6);
        }
        Distribution prefillMs = distribution(prefill);
        Distribution ttftMs = distribution(ttft);
        Distribution stepMs = distribution(decodeSteps);
        Distribution e2eMs = distribution(e2e);
        double stepsPerSecond = stepMs.mean() > 0 ? 1e3 / stepMs.mean() : 0;

        MarkdownTable table = new MarkdownTable("metric", "mean", "p50", "p90", "p99");
        table.row("prefill (ms)", figure(prefillMs.mean()), figure(prefillMs.p50()), figure(prefillMs.p90()),
                figure(prefillMs.p99()));
        table.row("TTFT (ms)", figure(ttftMs.mean()), figure(ttftMs.p50()), figure(ttftMs.p90()), figure(ttftMs.p99()));
        table.row("decode step (ms)", figure(stepMs.mean()), figure(stepMs.p50()), figure(stepMs.p90()),
                figure(stepMs.p99()));
        table.row("end-to-end (ms)", figure(e2eMs.mean()), figure(e2eMs.p50()), figure(e2eMs.p90()),
                figure(e2eMs.p99()));
        MarkdownTable totals = new MarkdownTable("figure", "value");
        totals.row("batch size", batchSize).row("KV cache dtype", kvDtype.optionName())
                .row("input / output tokens", inputLength + " / " + outputLength)
                .row("decode steps timed", stepMs.count())
                .row("decode tokens/s (batch)", figure(stepsPerSecond * batchSize))
                .row("decode tokens/s (per sequence)", figure(stepsPerSecond))
                .row("prefill tokens/s", figure(prefillMs.mean() > 0
                        ? batchSize * inputLength * 1e3 / prefillMs.mean() : 0));

        ObjectNode json = BenchOutput.JSON.createObjectNode();
        json.put("model", modelDir.getFileName().toString());
        json.put("backend", backend.name());
        json.put("kv_cache_dtype", kvDtype.optionName());
        json.put("batch_size", batchSize);
        json.put("isl", inputLength);
        json.put("osl", outputLength);
        json.put("iterations", timed.size());
        json.set("prefill_ms", prefillMs.toJson(BenchOutput.JSON));
        json.set("ttft_ms", ttftMs.toJson(BenchOutput.JSON));
        json.set("decode_step_ms", stepMs.toJson(BenchOutput.JSON));
        json.set("e2e_ms", e2eMs.toJson(BenchOutput.JSON));
        json.put("decode_tokens_per_s", stepsPerSecond * batchSize);
        json.put("decode_tokens_per_s_per_sequence", stepsPerSecond);
        if (bandwidth.isPresent()) {
            // Dense weights in bf16 on the GPU, quantized ones as the engine stores them, the KV cache as it is
            // stored; the average context of the timed decode steps.
            DecodeRoofline roofline = DecodeRoofline.of(config, quantization, 2, KvCacheConfig.bytesPerToken(
                    config.numLayers(), config.numKeyValueHeads(), config.headDim(),
                    kvDtype.elementBytes(backend.activationType()), kvDtype.scaleBytesPerHead()));
            double context = inputLength + outputLength / 2.0;
            double rooflineSteps = roofline.stepsPerSecond(bandwidth.get(), batchSize, context);
            totals.row("copy bandwidth (GB/s)", figure(bandwidth.get() / 1e9))
                    .row("GB read per step", figure(roofline.bytesPerStep(batchSize, context) / 1e9))
                    .row("roofline tokens/s (per sequence)", figure(rooflineSteps))
                    .row("fraction of roofline", String.format("%.1f%%", 100 * stepsPerSecond / rooflineSteps));
            json.put("copy_bandwidth_gb_s", bandwidth.get() / 1e9);
            json.put("gb_per_step", roofline.bytesPerStep(batchSize, context) / 1e9);
            json.put("roofline_tokens_per_s_per_sequence", rooflineSteps);
            json.put("roofline_fraction", stepsPerSecond / rooflineSteps);
        }
        if (gemmRate.isPresent() && prefillMs.mean() > 0) {
            PrefillRoofline prefillFlops = PrefillRoofline.of(config);
            double prefillRate = prefillFlops.flops(batchSize, inputLength) / (prefillMs.mean() / 1e3);
            totals.row("bf16 GEMM " + GEMM_SIZE + "³ (TFLOP/s)", figure(gemmRate.get() / 1e12))
                    .row("prefill TFLOP/s (attention " + String.format("%.1f%%",
                            100 * prefillFlops.attentionShare(batchSize, inputLength)) + ")",
                            figure(prefillRate / 1e12))
                    .row("prefill fraction of GEMM rate", String.format("%.1f%%", 100 * prefillRate / gemmRate.get()));
            json.put("bf16_gemm_tflops", gemmRate.get() / 1e12);
            json.put("prefill_tflops", prefillRate / 1e12);
            json.put("prefill_gemm_fraction", prefillRate / gemmRate.get());
        }
        String profileTable = "";
        if (profile) {
            DecodeProfile phases = new DecodeProfile(decodePhases);
            profileTable = "\n" + phases.render();
            json.set("decode_step_profile", phases.toJson(BenchOutput.JSON));
        }
        out.print(totals.render() + "\n" + table.render() + profileTable);
        out.flush();
        if (outputJson != null) {
            BenchOutput.writeJson(outputJson, json);
        }
    }

    private static Distribution distribution(List<Double> values) {
        return Distribution.of(values.stream().mapToDouble(Double::doubleValue).toArray());
    }
}
