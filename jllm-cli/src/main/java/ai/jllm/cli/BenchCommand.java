package ai.jllm.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code jllm bench}: the measuring tools, the counterparts of trtllm-bench and genai-perf. */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = {"Measure speed: offline throughput and latency through the Java API, a serving load against any "
                + "OpenAI-compatible server, and the GPU's own limits.",
                "Latencies are reported with mean, p50, p90 and p99 (numpy's 'linear' percentiles)."},
        subcommands = {BenchThroughputCommand.class, BenchLatencyCommand.class, BenchServeCommand.class,
                BenchRooflineCommand.class, BenchPlotCommand.class})
final class BenchCommand implements Runnable {

    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getErr());
    }
}
