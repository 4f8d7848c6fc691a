package ai.jllm.weights;

import ai.jllm.JllmException;
import ai.jllm.config.EngineConfig;
import ai.jllm.config.HfQuantizationConfig;
import ai.jllm.config.ModelConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * A model directory opened for loading on one device: a jllm engine (its config.json has a {@code jllm_engine}
 * section) or a Hugging Face checkpoint (plain, GPTQ or AWQ). Holds the memory maps until closed.
 */
public final class ModelCheckpoint implements AutoCloseable {

    private final Path dir;
    private final ModelConfig modelConfig;
    private final Optional<EngineConfig> engineConfig;
    private final WeightSource weights;
    private final CheckpointLayout layout;

    private ModelCheckpoint(Path dir, ModelConfig modelConfig, Optional<EngineConfig> engineConfig,
                            WeightSource weights, CheckpointLayout layout) {
        this.dir = dir;
        this.modelConfig = modelConfig;
        this.engineConfig = engineConfig;
        this.weights = weights;
        this.layout = layout;
    }

    public static ModelCheckpoint open(Path dir) {
        ModelConfig modelConfig = ModelConfig.load(dir);
        if (!EngineConfig.isEngine(dir)) {
            Optional<HfQuantizationConfig> quantization = HfQuantizationConfig.load(dir);
            WeightSource weights = WeightSource.open(dir);
            return new ModelCheckpoint(dir, modelConfig, Optional.empty(), weights,
                    new HfCheckpoint(weights, modelConfig, quantization));
        }
        EngineConfig engine = EngineConfig.load(dir);
        refuseUnsupported(dir, engine);
        Path rankFile = dir.resolve(EngineConfig.rankFileName(0));
        if (!Files.isRegularFile(rankFile)) {
            throw new JllmException("engine " + dir + " has no " + rankFile.getFileName()
                    + ": it is incomplete; build it again with jllm build");
        }
        SafetensorsFile file = SafetensorsFile.open(rankFile);
        try {
            return new ModelCheckpoint(dir, modelConfig, Optional.of(engine), file,
                    new EngineCheckpoint(file, modelConfig, engine, 0));
        } catch (RuntimeException e) {
            file.close();
            throw e;
        }
    }

    /** What a single-device jllm cannot run yet is refused by name, before any weight is read. */
    private static void refuseUnsupported(Path dir, EngineConfig engine) {
        if (engine.tpSize() > 1) {
            throw new JllmException("engine " + dir + " was built with --tp-size " + engine.tpSize() + ": its "
                    + engine.tpSize() + " ranks run on " + engine.tpSize() + " GPUs over NCCL, which this jllm cannot "
                    + "do yet; build it again with --tp-size 1 to run it on one device");
        }
    }

    public Path dir() {
        return dir;
    }

    public ModelConfig modelConfig() {
        return modelConfig;
    }

    /** The engine's build settings; empty for a Hugging Face checkpoint. */
    public Optional<EngineConfig> engineConfig() {
        return engineConfig;
    }

    public CheckpointLayout layout() {
        return layout;
    }

    /** Unmaps the weights; tensors placed on a backend that read them in place must not be used afterwards. */
    @Override
    public void close() {
        weights.close();
    }
}
