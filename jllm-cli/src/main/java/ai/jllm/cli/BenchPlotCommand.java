package ai.jllm.cli;

import ai.jllm.JllmException;
import ai.jllm.bench.BenchResult;
import ai.jllm.bench.SweepPlots;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code jllm bench plot}: draws a serving sweep's plots from its JSON files, on a machine that has fonts. */
@Command(name = "plot", mixinStandardHelpOptions = true,
        description = {"Draw the PNG plots of a `jllm bench serve --output-dir DIR` sweep from its concurrency_C.json "
                + "files, for sweeps run where no fonts are installed (GPU servers often have none)."})
final class BenchPlotCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Parameters(paramLabel = "DIR", description = "The sweep's output directory; the plots are written into it.")
    Path dir;

    @Option(names = "--title", paramLabel = "TEXT", description = "The plots' title (default: the directory's name).")
    String title;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        List<BenchResult> sweep = new ArrayList<>();
        try (Stream<Path> files = Files.list(dir)) {
            for (Path file : files.filter(f -> f.getFileName().toString().matches("concurrency_\\d+\\.json")).toList()) {
                sweep.add(BenchResult.fromJson(BenchOutput.JSON.readTree(file.toFile())));
            }
        } catch (IOException e) {
            throw new JllmException("cannot read the sweep in " + dir + ": " + e.getMessage());
        }
        if (sweep.isEmpty()) {
            throw new JllmException("no concurrency_C.json files in " + dir);
        }
        sweep.sort(Comparator.comparingInt(r -> r.concurrency().orElse(0)));
        try {
            for (Path plot : SweepPlots.write(sweep, title != null ? title : dir.getFileName().toString(), dir)) {
                out.println(plot);
            }
        } catch (IllegalStateException e) {
            throw new JllmException(e.getMessage().lines().findFirst().orElse("cannot draw"));
        }
        out.flush();
        return 0;
    }
}
