package ai.jllm.cli;

import ai.jllm.api.LLM;
import ai.jllm.backend.Backend;
import ai.jllm.backend.KvCache;
import ai.jllm.config.EngineConfig;
import ai.jllm.config.ModelConfig;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Locale;
import java.util.function.Consumer;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/** Loads a model into an {@link LLM}, with a progress bar over its layers when standard error is a terminal. */
final class LoadProgress {

    private LoadProgress() {}

    static LLM load(Path modelDir, Backend backend, EngineOptions options, PrintWriter err) {
        return load(modelDir, backend, options, err, builder -> {});
    }

    /** As {@link #load(Path, Backend, EngineOptions, PrintWriter)}, with builder settings of the caller's own. */
    static LLM load(Path modelDir, Backend backend, EngineOptions options, PrintWriter err,
                    Consumer<LLM.Builder> settings) {
        ModelConfig modelConfig = ModelConfig.load(modelDir);
        String engine = EngineConfig.isEngine(modelDir) ? "engine: " + EngineConfig.load(modelDir).describe() + "; "
                : "";
        err.println("jllm: loading " + modelDir.getFileName() + " (" + engine + modelConfig.architecture().hfName()
                + ", " + modelConfig.numLayers() + " layers) on " + backend.description());
        err.flush();
        LLM.Builder builder = options.configure(LLM.builder(), modelDir).model(modelDir).backend(backend);
        settings.accept(builder);
        LLM llm;
        long start = System.nanoTime();
        if (System.console() == null) {
            llm = builder.build();
        } else {
            try (ProgressBar bar = new ProgressBarBuilder().setTaskName("load").setInitialMax(modelConfig.numLayers())
                    .setStyle(ProgressBarStyle.ASCII).setConsumer(new ConsoleProgressBarConsumer(System.err))
                    .setUnit(" layers", 1).hideEta().build()) {
                llm = builder.layerListener(bar::stepTo).build();
            }
        }
        // Weights placed on the backend and the KV cache allocated: what an engine directory speeds up.
        err.printf(Locale.ROOT, "jllm: loaded in %.2f s%n", (System.nanoTime() - start) / 1e9);
        err.println(kvCapacity(llm.kvCache()));
        err.flush();
        return llm;
    }

    /** The start-up line that reports the KV cache: its element type, blocks, tokens and size. */
    static String kvCapacity(KvCache cache) {
        long tokens = (long) cache.numBlocks() * cache.blockSize();
        return String.format(Locale.ROOT, "jllm: KV cache %s: %d blocks × %d tokens = %d tokens, %.2f GiB",
                cache.dtype().optionName(), cache.numBlocks(), cache.blockSize(), tokens,
                cache.bytes() / (double) (1L << 30));
    }
}
