package ai.jllm.cli;

import ai.jllm.build.BuildListener;
import java.io.PrintWriter;
import java.util.Locale;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/**
 * Shows {@code jllm build}'s stages: a progress bar per stage on a terminal, one line per finished stage elsewhere
 * (a log, a pipe, a test).
 */
final class BuildProgress implements BuildListener, AutoCloseable {

    private final PrintWriter err;
    private final boolean interactive;
    private ProgressBar bar;
    private String stage;
    private long total;
    private String unit;
    private long started;

    private BuildProgress(PrintWriter err, boolean interactive) {
        this.err = err;
        this.interactive = interactive;
    }

    static BuildProgress forConsole(PrintWriter err) {
        return new BuildProgress(err, System.console() != null && System.console().isTerminal());
    }

    @Override
    public void stageStarted(String stage, long total, String unit) {
        this.stage = stage;
        this.total = total;
        this.unit = unit;
        this.started = System.nanoTime();
        if (interactive) {
            bar = new ProgressBarBuilder().setTaskName(stage).setInitialMax(total).setUnit(unit, 1)
                    .setStyle(ProgressBarStyle.ASCII).setConsumer(new ConsoleProgressBarConsumer(System.err)).build();
        }
    }

    @Override
    public void progressed(long done) {
        if (bar != null) {
            bar.stepTo(done);
        }
    }

    @Override
    public void stageFinished() {
        if (bar != null) {
            bar.close();
            bar = null;
        } else {
            err.printf(Locale.ROOT, "build: %s %d%s (%.1f s)%n", stage, total, unit,
                    (System.nanoTime() - started) / 1e9);
            err.flush();
        }
    }

    /** Ends a bar that a failure left open, so the error message starts on a line of its own. */
    @Override
    public void close() {
        if (bar != null) {
            bar.close();
            bar = null;
        }
    }
}
