package ai.jllm.cli;

import ai.jllm.hub.DownloadListener;
import java.io.PrintStream;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/**
 * Shows hub downloads on the console: on a terminal, one progress bar per file (size, speed, time left);
 * elsewhere (a log, a pipe, a test) one plain line per file, since redrawn bars would only make noise.
 * Writes to stderr so that stdout stays for the command's result.
 */
final class ProgressBarDownloadListener implements DownloadListener, AutoCloseable {

    private static final long KIB = 1L << 10;
    private static final long MIB = 1L << 20;

    private final PrintStream out;
    private final boolean interactive;
    private final Map<String, ProgressBar> bars = new HashMap<>();

    ProgressBarDownloadListener(PrintStream out, boolean interactive) {
        this.out = out;
        this.interactive = interactive;
    }

    /** Bars when stderr goes to a terminal. */
    static ProgressBarDownloadListener forConsole() {
        return new ProgressBarDownloadListener(System.err, System.console() != null && System.console().isTerminal());
    }

    @Override
    public void started(String file, long totalBytes) {
        if (!interactive) {
            out.println("downloading " + file + " (" + humanSize(totalBytes) + ")");
            return;
        }
        // The bar counts in whole units: small files in KiB or bytes, so they do not read "0/0MiB".
        boolean large = totalBytes >= MIB;
        boolean medium = totalBytes >= KIB;
        bars.put(file, new ProgressBarBuilder()
                .setTaskName(file)
                .setInitialMax(totalBytes)
                .setUnit(large ? "MiB" : medium ? "KiB" : "B", large ? MIB : medium ? KIB : 1)
                .showSpeed()
                .setStyle(ProgressBarStyle.COLORFUL_UNICODE_BLOCK)
                .setConsumer(new ConsoleProgressBarConsumer(out))
                .build());
    }

    @Override
    public void advanced(String file, long bytes) {
        ProgressBar bar = bars.get(file);
        if (bar != null) {
            bar.stepBy(bytes);
        }
    }

    @Override
    public void finished(String file) {
        ProgressBar bar = bars.remove(file);
        if (bar != null) {
            bar.close();
        }
    }

    /** Ends the bars of downloads that failed, so the error message starts on a line of its own. */
    @Override
    public void close() {
        bars.values().forEach(ProgressBar::close);
        bars.clear();
    }

    static String humanSize(long bytes) {
        if (bytes < KIB) {
            return bytes + " B";
        }
        String[] units = {"KiB", "MiB", "GiB", "TiB"};
        double value = bytes / (double) KIB;
        int unit = 0;
        while (value >= 1024 && unit < units.length - 1) {
            value /= 1024;
            unit++;
        }
        return String.format(Locale.ROOT, "%.1f %s", value, units[unit]);
    }
}
