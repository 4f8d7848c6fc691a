package ai.jllm.cli;

import static ai.jllm.bench.MarkdownTable.figure;

import ai.jllm.JllmException;
import ai.jllm.bench.MarkdownTable;
import ai.jllm.cuda.CudaBackend;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code jllm bench roofline}: the GPU's own limits, which every GPU figure is divided by. */
@Command(name = "roofline", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Measure GPU 0's limits: the device-to-device copy bandwidth (bytes read + written per second, "
                + "the ceiling of decode, which reads every weight once a step) and the bf16 matrix-product rate "
                + "through cuBLASLt on random data (the ceiling of prefill). Needs the CUDA backend."})
final class BenchRooflineCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Option(names = "--copy-mib", paramLabel = "MIB", defaultValue = "1024",
            description = "Size of the copied buffer (default: ${DEFAULT-VALUE}).")
    int copyMib;

    @Option(names = "--gemm-size", paramLabel = "N", defaultValue = "8192",
            description = "The matrix product is N×N by N×N (default: ${DEFAULT-VALUE}).")
    int gemmSize;

    @Option(names = "--repeats", paramLabel = "N", defaultValue = "20",
            description = "Timed copies and products (default: ${DEFAULT-VALUE}).")
    int repeats;

    @Option(names = "--output-json", paramLabel = "FILE", description = "Also write the figures to this JSON file.")
    Path outputJson;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        if (copyMib < 1 || gemmSize < 16 || repeats < 1) {
            throw new JllmException("--copy-mib and --repeats must be at least 1, --gemm-size at least 16");
        }
        CudaBackend cuda;
        try {
            cuda = CudaBackend.create(0, false);
        } catch (JllmException e) {
            throw new JllmException("bench roofline needs a GPU: " + e.getMessage(), e);
        }
        try (cuda) {
            double bandwidth = cuda.copyBandwidth((long) copyMib << 20, repeats);
            double flops = cuda.gemmRate(gemmSize, gemmSize, gemmSize, repeats);
            MarkdownTable table = new MarkdownTable("limit", "value");
            table.row("device", cuda.description())
                    .row("copy bandwidth (GB/s, read + write)", figure(bandwidth / 1e9))
                    .row("bf16 GEMM " + gemmSize + "³ (TFLOP/s)", figure(flops / 1e12))
                    .row("ridge point (FLOP/byte)", figure(flops / bandwidth));
            out.print(table.render());
            out.flush();
            if (outputJson != null) {
                ObjectNode json = BenchOutput.JSON.createObjectNode();
                json.put("device", cuda.description());
                json.put("copy_bandwidth_gb_s", bandwidth / 1e9);
                json.put("gemm_size", gemmSize);
                json.put("bf16_gemm_tflops", flops / 1e12);
                BenchOutput.writeJson(outputJson, json);
            }
        }
        return 0;
    }
}
