package ai.jllm.cli;

import ai.jllm.backend.Backend;
import ai.jllm.config.ModelConfig;
import ai.jllm.engine.Engine;
import ai.jllm.engine.EngineConfig;
import java.io.PrintWriter;
import java.nio.file.Path;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/** Loads an engine, with a progress bar over its layers when standard error is a terminal. */
final class LoadProgress {

    private LoadProgress() {}

    static Engine load(Path modelDir, Backend backend, EngineConfig config, PrintWriter err) {
        ModelConfig modelConfig = ModelConfig.load(modelDir);
        err.println("jllm: loading " + modelDir.getFileName() + " (" + modelConfig.architecture().hfName() + ", "
                + modelConfig.numLayers() + " layers) on " + backend.description());
        err.flush();
        if (System.console() == null) {
            return Engine.load(modelDir, backend, config, layers -> {});
        }
        try (ProgressBar bar = new ProgressBarBuilder().setTaskName("load").setInitialMax(modelConfig.numLayers())
                .setStyle(ProgressBarStyle.ASCII).setConsumer(new ConsoleProgressBarConsumer(System.err))
                .setUnit(" layers", 1).hideEta().build()) {
            return Engine.load(modelDir, backend, config, bar::stepTo);
        }
    }
}
