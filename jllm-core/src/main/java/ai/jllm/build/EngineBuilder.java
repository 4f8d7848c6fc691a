package ai.jllm.build;

import ai.jllm.JllmException;
import ai.jllm.config.EngineConfig;
import ai.jllm.config.HfQuantizationConfig;
import ai.jllm.config.ModelConfig;
import ai.jllm.tensor.DType;
import ai.jllm.weights.CheckpointLayout;
import ai.jllm.weights.EngineCheckpoint;
import ai.jllm.weights.EngineTensorNames;
import ai.jllm.weights.EngineTensorNames.Projection;
import ai.jllm.weights.HfCheckpoint;
import ai.jllm.weights.LayerTensors;
import ai.jllm.weights.LinearTensors;
import ai.jllm.weights.SafetensorsWriter;
import ai.jllm.weights.TensorSpec;
import ai.jllm.weights.TensorView;
import ai.jllm.weights.WeightSource;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * {@code jllm build}: converts a Hugging Face checkpoint (plain, GPTQ or AWQ) into an engine directory once, so that
 * loading it later is a memory map. For every tensor-parallel rank it writes {@code rank{N}.safetensors} with the
 * canonical names of {@link EngineTensorNames}: projections fused (QKV, gate/up), split per rank, converted to the
 * engine dtype or quantized and packed for the kernels; norms and biases in float32. Then the tokenizer files and
 * generation_config.json, and config.json last, so a directory whose build failed midway is not taken for an engine.
 *
 * <p>Stages, each reported to the {@link BuildListener}: layers, embeddings, files.
 */
public final class EngineBuilder {

    private static final int EMBEDDING_ROWS_PER_CHUNK = 1024;

    private final ModelConfig config;
    private final EngineConfig engine;
    private final Optional<HfQuantizationConfig> sourceQuantization;
    private final BuildListener listener;
    private final LinearConverter converter;

    private EngineBuilder(ModelConfig config, EngineConfig engine, Optional<HfQuantizationConfig> sourceQuantization,
                          BuildListener listener) {
        this.config = config;
        this.engine = engine;
        this.sourceQuantization = sourceQuantization;
        this.listener = listener;
        this.converter = new LinearConverter(engine.dtype(), engine.quantization(), declaresInputOrder());
    }

    /**
     * Builds the engine of the Hugging Face model in {@code modelDir} into {@code output} (created, or an older
     * engine replaced) and returns its config. Every option is checked against the model before anything is written.
     */
    public static EngineConfig build(Path modelDir, Path output, BuildOptions options, BuildListener listener) {
        if (EngineConfig.isEngine(modelDir)) {
            throw new JllmException(modelDir + " is already a jllm engine; build from the Hugging Face model");
        }
        ModelConfig config = ModelConfig.load(modelDir);
        Optional<HfQuantizationConfig> sourceQuantization = HfQuantizationConfig.load(modelDir);
        EngineConfig engine = BuildPlan.resolve(config, sourceQuantization, options);
        EngineDirectory directory = EngineDirectory.prepare(output, engine.tpSize());
        EngineBuilder builder = new EngineBuilder(config, engine, sourceQuantization, listener);
        try (WeightSource weights = WeightSource.open(modelDir)) {
            builder.writeRanks(new HfCheckpoint(weights, config, sourceQuantization), directory);
        }
        directory.copyModelFiles(modelDir, listener);
        directory.writeConfig(modelDir, engine);
        return engine;
    }

    private boolean declaresInputOrder() {
        return sourceQuantization.map(HfQuantizationConfig::descAct).orElse(false);
    }

    private void writeRanks(CheckpointLayout source, EngineDirectory directory) {
        int tp = engine.tpSize();
        List<SafetensorsWriter> writers = new ArrayList<>(tp);
        try {
            for (int rank = 0; rank < tp; rank++) {
                Map<String, String> metadata = Map.of(EngineCheckpoint.FORMAT_KEY,
                        String.valueOf(EngineConfig.FORMAT_VERSION), EngineCheckpoint.RANK_KEY, String.valueOf(rank),
                        EngineCheckpoint.TP_SIZE_KEY, String.valueOf(tp));
                writers.add(SafetensorsWriter.create(directory.rankFile(rank), plan(rank), metadata));
            }
            TensorView finalNorm = source.finalNorm();
            for (SafetensorsWriter writer : writers) {
                writer.write(EngineTensorNames.FINAL_NORM, FloatRows.float32(finalNorm.toFloatArray()));
            }
            listener.stageStarted("layers", config.numLayers(), " layers");
            for (int layer = 0; layer < config.numLayers(); layer++) {
                writeLayer(layer, source.layer(layer), writers);
                listener.progressed(layer + 1);
            }
            listener.stageFinished();
            writeEmbeddings(source, writers);
            for (SafetensorsWriter writer : writers) {
                writer.close();
            }
        } catch (RuntimeException e) {
            for (SafetensorsWriter writer : writers) {
                closeAfterFailure(writer, e);
            }
            throw e;
        }
    }

    /** The tensors of one rank's file, in the order they are written. */
    private List<TensorSpec> plan(int rank) {
        List<TensorSpec> specs = new ArrayList<>();
        specs.add(new TensorSpec(EngineTensorNames.FINAL_NORM, DType.F32, new long[] {config.hiddenSize()}));
        for (int layer = 0; layer < config.numLayers(); layer++) {
            specs.addAll(BuildPlan.layerSpecs(config, engine, layer, declaresInputOrder()));
        }
        specs.add(new TensorSpec(EngineTensorNames.EMBEDDING, engine.dtype(),
                new long[] {config.vocabSize(), config.hiddenSize()}));
        if (BuildPlan.writesLmHead(config, engine)) {
            specs.add(new TensorSpec(EngineTensorNames.LM_HEAD, engine.dtype(),
                    new long[] {config.vocabSize() / engine.tpSize(), config.hiddenSize()}));
        }
        return specs;
    }

    private void writeLayer(int layer, LayerTensors tensors, List<SafetensorsWriter> writers) {
        for (int rank = 0; rank < writers.size(); rank++) {
            // Shared: rows are converted on the common pool's threads.
            try (Arena arena = Arena.ofShared()) {
                Map<String, MemorySegment> data = new HashMap<>();
                data.put(EngineTensorNames.attentionNorm(layer), float32(tensors.attentionNorm()));
                tensors.qNorm().ifPresent(norm -> data.put(EngineTensorNames.qNorm(layer), float32(norm)));
                tensors.kNorm().ifPresent(norm -> data.put(EngineTensorNames.kNorm(layer), float32(norm)));
                data.put(EngineTensorNames.ffnNorm(layer), float32(tensors.ffnNorm()));
                projection(Projection.QKV, layer, tensors.qkv(), tensors.qkvBias(), rank, arena, data);
                projection(Projection.O, layer, tensors.o(), tensors.oBias(), rank, arena, data);
                projection(Projection.GATE_UP, layer, tensors.gateUp(), tensors.gateUpBias(), rank, arena, data);
                projection(Projection.DOWN, layer, tensors.down(), tensors.downBias(), rank, arena, data);
                SafetensorsWriter writer = writers.get(rank);
                for (TensorSpec spec : BuildPlan.layerSpecs(config, engine, layer, declaresInputOrder())) {
                    MemorySegment segment = data.get(spec.name());
                    if (segment == null) {
                        throw new IllegalStateException("no data converted for " + spec.name());
                    }
                    writer.write(spec.name(), segment);
                }
            }
        }
    }

    private void projection(Projection projection, int layer, LinearTensors weight, List<TensorView> bias, int rank,
                            Arena arena, Map<String, MemorySegment> data) {
        String name = projection.name(layer);
        RankSlice slice = RankSlice.of(projection, config, rank, engine.tpSize());
        data.putAll(converter.convert(name, weight, slice, arena));
        if (!bias.isEmpty()) {
            float[] whole = concat(bias);
            float[] values = new float[slice.rows()];
            for (int row = 0; row < values.length; row++) {
                values[row] = whole[slice.sourceRow(row)];
            }
            data.put(name + EngineTensorNames.BIAS, FloatRows.float32(values));
        }
    }

    /** The embedding on every rank, and each rank's rows of the lm_head, converted a chunk of rows at a time. */
    private void writeEmbeddings(CheckpointLayout source, List<SafetensorsWriter> writers) {
        int tp = writers.size();
        boolean lmHead = BuildPlan.writesLmHead(config, engine);
        long vocab = config.vocabSize();
        listener.stageStarted("embeddings", (lmHead ? 2 : 1) * vocab, " rows");
        TensorView embedding = source.embedding();
        for (SafetensorsWriter writer : writers) {
            copyRows(embedding, 0, vocab, EngineTensorNames.EMBEDDING, writer, 0);
        }
        if (lmHead) {
            TensorView head = source.lmHead();
            for (int rank = 0; rank < tp; rank++) {
                long rows = vocab / tp;
                copyRows(head, rows * rank, rows * (rank + 1), EngineTensorNames.LM_HEAD, writers.get(rank),
                        vocab + rows * rank);
            }
        }
        listener.stageFinished();
    }

    private void copyRows(TensorView source, long start, long end, String name, SafetensorsWriter writer,
                          long progressBase) {
        int columns = Math.toIntExact(source.dim(1));
        long rowBytes = (long) columns * source.dtype().byteSize();
        if (source.dtype() == engine.dtype()) {
            writer.append(name, source.data().asSlice(start * rowBytes, (end - start) * rowBytes));
            listener.progressed(progressBase + end - start);
            return;
        }
        long targetRowBytes = (long) columns * engine.dtype().byteSize();
        float[] values = new float[columns];
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment chunk = arena.allocate(EMBEDDING_ROWS_PER_CHUNK * targetRowBytes, 64);
            for (long row = start; row < end; row += EMBEDDING_ROWS_PER_CHUNK) {
                int rows = (int) Math.min(EMBEDDING_ROWS_PER_CHUNK, end - row);
                for (int r = 0; r < rows; r++) {
                    FloatRows.read(source, row + r, 0, columns, values);
                    FloatRows.write(values, columns, engine.dtype(), chunk, r * targetRowBytes);
                }
                writer.append(name, chunk.asSlice(0, rows * targetRowBytes));
                listener.progressed(progressBase + row + rows - start);
            }
        }
    }

    private static MemorySegment float32(TensorView view) {
        return FloatRows.float32(view.toFloatArray());
    }

    private static float[] concat(List<TensorView> parts) {
        List<float[]> values = parts.stream().map(TensorView::toFloatArray).toList();
        float[] all = new float[values.stream().mapToInt(v -> v.length).sum()];
        int offset = 0;
        for (float[] part : values) {
            System.arraycopy(part, 0, all, offset, part.length);
            offset += part.length;
        }
        return all;
    }

    private static void closeAfterFailure(SafetensorsWriter writer, RuntimeException failure) {
        try {
            writer.close();
        } catch (RuntimeException suppressed) {
            failure.addSuppressed(suppressed);
        }
    }
}
