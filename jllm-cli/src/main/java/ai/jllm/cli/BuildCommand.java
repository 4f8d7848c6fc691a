package ai.jllm.cli;

import ai.jllm.JllmException;
import ai.jllm.build.BuildOptions;
import ai.jllm.build.EngineBuilder;
import ai.jllm.config.EngineConfig;
import ai.jllm.config.KvCacheDtype;
import ai.jllm.config.QuantScheme;
import ai.jllm.tensor.DType;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code jllm build}: the counterpart of TensorRT-LLM's convert_checkpoint.py + trtllm-build. */
@Command(name = "build", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Convert a model once into an engine directory that loads with a memory map.",
                "The engine holds config.json (the model's, plus a jllm_engine section: dtype, quantization, build "
                        + "limits, tp size, jllm version), rank{N}.safetensors per tensor-parallel rank (QKV and "
                        + "gate/up fused, weights converted or quantized and split per rank), the tokenizer files and "
                        + "generation_config.json. generate, serve and the Java LLM API take the directory as "
                        + "--model; its build limits become their defaults and their maxima.",
                "GPTQ and AWQ checkpoints (4-bit) are repacked into jllm's int4 layout as they are."})
final class BuildCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--model", paramLabel = "MODEL", required = true,
            description = "A Hugging Face model directory or a hub id (org/name[@revision]), downloaded if not "
                    + "cached; plain, GPTQ or AWQ.")
    String model;

    @Option(names = "--output", paramLabel = "DIR", required = true,
            description = "The engine directory to write: new, empty, or an older engine to replace.")
    Path output;

    @Option(names = "--dtype", paramLabel = "DTYPE", defaultValue = "auto",
            description = "Type of the unquantized weights: auto (the checkpoint's), bfloat16, float16 or float32 "
                    + "(default: ${DEFAULT-VALUE}).")
    String dtype;

    @Option(names = "--quantization", paramLabel = "SCHEME",
            description = "none, int8_weight_only (per-channel scales, W8A16), int4_weight_only (group-wise scales "
                    + "and zero points, W4A16) or fp8 (E4M3 weights with per-channel scales and activations quantized "
                    + "per token: W8A8 on the CUDA backend, sm_89+). Default: none, or int4_weight_only as "
                    + "is for a GPTQ/AWQ checkpoint.")
    String quantization;

    @Option(names = "--group-size", paramLabel = "N",
            description = "int4 input columns per scale, a multiple of 32 that divides every projection's inputs "
                    + "per rank (default: 128, or the GPTQ/AWQ checkpoint's).")
    Integer groupSize;

    @Option(names = "--kv-cache-dtype", paramLabel = "DTYPE", defaultValue = "auto",
            description = "KV-cache element type the engine runs with unless the runtime's --kv-cache-dtype says "
                    + "otherwise: auto (the backend's activation type), fp8 (E4M3) or int8, each with an fp32 scale per "
                    + "token and KV head, about twice the tokens of bf16 in the same memory (default: ${DEFAULT-VALUE}).")
    String kvCacheDtype;

    @Option(names = "--tp-size", paramLabel = "N", defaultValue = "1",
            description = "Tensor-parallel ranks to split the weights for, one rank file each; it must divide the "
                    + "attention heads, KV heads, intermediate size and vocabulary (default: ${DEFAULT-VALUE}).")
    int tpSize;

    @Option(names = "--max-batch-size", paramLabel = "N", defaultValue = "" + BuildOptions.DEFAULT_MAX_BATCH_SIZE,
            description = "Most sequences in one step (default: ${DEFAULT-VALUE}).")
    int maxBatchSize;

    @Option(names = "--max-seq-len", paramLabel = "N",
            description = "Most prompt plus output tokens of one sequence (default: the model's "
                    + "max_position_embeddings).")
    Integer maxSeqLen;

    @Option(names = "--max-num-tokens", paramLabel = "N", defaultValue = "" + BuildOptions.DEFAULT_MAX_NUM_TOKENS,
            description = "Most tokens in one step, prompt chunks and decodes together (default: ${DEFAULT-VALUE}).")
    int maxNumTokens;

    @Mixin
    HubOptions hub;

    @Override
    public Integer call() {
        PrintWriter err = spec.commandLine().getErr();
        BuildOptions options = options();
        Path modelDir = hub.resolveModel(model);
        err.println("jllm: building " + modelDir.getFileName() + " into " + output);
        err.flush();
        long start = System.nanoTime();
        EngineConfig engine;
        try (BuildProgress progress = BuildProgress.forConsole(err)) {
            engine = EngineBuilder.build(modelDir, output, options, progress);
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        err.printf(Locale.ROOT, "jllm: engine %s written in %.1f s (%s of weights): %s%n", output, seconds,
                ProgressBarDownloadListener.humanSize(weightBytes(output)), engine.describe());
        err.flush();
        return 0;
    }

    private BuildOptions options() {
        BuildOptions.Builder builder = BuildOptions.builder().tpSize(tpSize).maxBatchSize(maxBatchSize)
                .maxNumTokens(maxNumTokens).kvCacheDtype(KvCacheDtype.parse(kvCacheDtype));
        if (!dtype.equals("auto")) {
            DType parsed = switch (dtype) {
                case "bfloat16" -> DType.BF16;
                case "float16" -> DType.F16;
                case "float32" -> DType.F32;
                default -> throw new JllmException("unknown --dtype '" + dtype
                        + "' (choose auto, bfloat16, float16, float32)");
            };
            builder.dtype(parsed);
        }
        if (quantization != null) {
            builder.quantization(QuantScheme.parse(quantization));
        }
        if (groupSize != null) {
            builder.groupSize(groupSize);
        }
        if (maxSeqLen != null) {
            builder.maxSeqLen(maxSeqLen);
        }
        return builder.build();
    }

    private static long weightBytes(Path engine) {
        try (Stream<Path> files = Files.list(engine)) {
            return files.filter(f -> f.getFileName().toString().endsWith(".safetensors")).mapToLong(f -> {
                try {
                    return Files.size(f);
                } catch (IOException e) {
                    return 0;
                }
            }).sum();
        } catch (IOException e) {
            return 0;
        }
    }
}
