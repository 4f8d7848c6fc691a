package ai.jllm.cuda;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** What the jar carries for the kernels: the sources always, the fatbin and PTX when the build had nvcc. */
class KernelResourcesTest {

    private static final Pattern KERNEL = Pattern.compile(
            "extern \"C\" __global__ void (?:__launch_bounds__\\([\\w, ]+\\) )?(\\w+)\\(");
    /** The profile that compiles the kernels is active exactly when this file exists (jllm-cuda/pom.xml). */
    private static final Path NVCC = Path.of("/usr/local/cuda/bin/nvcc");

    @Test
    void everySourceIsCarriedAndIncludedByTheTranslationUnit() {
        Map<String, String> sources = KernelModule.sources();
        assertThat(sources.keySet()).containsExactlyElementsOf(KernelModule.SOURCE_FILES);
        String unit = sources.get("kernels.cu");
        for (String file : KernelModule.SOURCE_FILES.subList(1, KernelModule.SOURCE_FILES.size())) {
            assertThat(unit).as("kernels.cu includes " + file).contains("#include \"" + file + "\"");
        }
    }

    @Test
    void anNvccBuildCarriesFatbinAndPtxWithEveryKernel() {
        if (!Files.isRegularFile(NVCC)) {
            assertThat(KernelModule.resource(KernelModule.FATBIN)).as("fatbin in a build without nvcc").isEmpty();
            return;
        }
        byte[] fatbin = KernelModule.resource(KernelModule.FATBIN).orElseThrow(
                () -> new AssertionError("built with nvcc but no " + KernelModule.FATBIN));
        String ptx = new String(KernelModule.resource(KernelModule.PTX).orElseThrow(
                () -> new AssertionError("built with nvcc but no " + KernelModule.PTX)), StandardCharsets.UTF_8);
        String fatbinText = new String(fatbin, StandardCharsets.ISO_8859_1);
        for (String kernel : declaredKernels()) {
            assertThat(ptx).as("PTX entry " + kernel).contains(".entry " + kernel + "(");
            assertThat(fatbinText).as("fatbin symbol " + kernel).contains(kernel);
        }
    }

    private static Set<String> declaredKernels() {
        Set<String> names = new TreeSet<>();
        for (String source : KernelModule.sources().values()) {
            Matcher matcher = KERNEL.matcher(source);
            while (matcher.find()) {
                names.add(matcher.group(1));
            }
        }
        assertThat(names).as("kernels in the sources").isNotEmpty();
        return names;
    }
}
