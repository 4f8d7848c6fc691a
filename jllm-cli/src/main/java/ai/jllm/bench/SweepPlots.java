package ai.jllm.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.ToDoubleFunction;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * PNG plots of a concurrency sweep, throughput against latency (the trade-off a serving configuration is chosen on):
 * output tokens/s on x; TTFT, ITL and end-to-end latency p50 and p99 on y, one point per concurrency level.
 */
public final class SweepPlots {

    private SweepPlots() {}

    /**
     * Writes throughput_vs_ttft.png, throughput_vs_itl.png and throughput_vs_e2e.png into {@code dir}.
     *
     * @throws IllegalStateException when this machine cannot draw text (no fonts or no fontconfig: headless servers
     *                               often have neither); no half-written file is left behind
     */
    public static List<Path> write(List<BenchResult> sweep, String title, Path dir) {
        // Charts are drawn into images; no display is needed or wanted.
        System.setProperty("java.awt.headless", "true");
        List<Path> files = new ArrayList<>();
        files.add(plot(sweep, title, "time to first token (ms)", r -> r.ttftMillis().p50(),
                r -> r.ttftMillis().p99(), dir.resolve("throughput_vs_ttft.png")));
        files.add(plot(sweep, title, "inter-token latency (ms)", r -> r.itlMillis().p50(),
                r -> r.itlMillis().p99(), dir.resolve("throughput_vs_itl.png")));
        files.add(plot(sweep, title, "end-to-end latency (ms)", r -> r.e2eMillis().p50(),
                r -> r.e2eMillis().p99(), dir.resolve("throughput_vs_e2e.png")));
        return files;
    }

    private static Path plot(List<BenchResult> sweep, String title, String yTitle, ToDoubleFunction<BenchResult> p50,
                             ToDoubleFunction<BenchResult> p99, Path file) {
        try {
            XYChart chart = new XYChartBuilder().width(800).height(600).title(title)
                    .xAxisTitle("output tokens/s").yAxisTitle(yTitle).build();
            chart.getStyler().setMarkerSize(8);
            double[] x = sweep.stream().mapToDouble(BenchResult::outputTokensPerSecond).toArray();
            XYSeries median = chart.addSeries("p50", x, sweep.stream().mapToDouble(p50).toArray());
            median.setMarker(SeriesMarkers.CIRCLE);
            XYSeries tail = chart.addSeries("p99", x, sweep.stream().mapToDouble(p99).toArray());
            tail.setMarker(SeriesMarkers.DIAMOND);
            BitmapEncoder.saveBitmap(chart, file.toString(), BitmapEncoder.BitmapFormat.PNG);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        } catch (RuntimeException | LinkageError | InternalError e) {
            // The JDK's font manager fails this way where no font configuration is installed, and the chart classes
            // where the Java runtime has no java.desktop module (a jlink image made without it).
            try {
                Files.deleteIfExists(file);
            } catch (IOException ignored) {
                // the message below is what matters
            }
            throw new IllegalStateException("this machine cannot draw text (install fontconfig and a font, e.g. "
                    + "Debian's fonts-dejavu-core; a Java runtime needs java.desktop): " + e, e);
        }
        return file;
    }
}
