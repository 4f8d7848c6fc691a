package ai.jllm.cli;

import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/**
 * A progress bar on standard error for a long run (benchmark requests, evaluation items), drawn only when there is a
 * terminal: in logs and pipes it stays silent, and the run's figures come at the end as usual. Safe to step from many
 * threads.
 */
final class ConsoleProgress implements AutoCloseable {

    private final ProgressBar bar;

    private ConsoleProgress(ProgressBar bar) {
        this.bar = bar;
    }

    static ConsoleProgress start(String task, long total, String unit) {
        if (System.console() == null) {
            return new ConsoleProgress(null);
        }
        return new ConsoleProgress(new ProgressBarBuilder().setTaskName(task).setInitialMax(total)
                .setStyle(ProgressBarStyle.ASCII).setConsumer(new ConsoleProgressBarConsumer(System.err))
                .setUnit(" " + unit, 1).showSpeed().build());
    }

    void stepTo(long done) {
        if (bar != null) {
            bar.stepTo(done);
        }
    }

    void extraMessage(String message) {
        if (bar != null) {
            bar.setExtraMessage(message);
        }
    }

    @Override
    public void close() {
        if (bar != null) {
            bar.close();
        }
    }
}
