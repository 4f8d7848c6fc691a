package ai.jllm.cuda;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The module holding jllm's kernels, loaded the first way that works: the build's fatbin (machine code for the
 * architectures it was built for, plus PTX of the newest), then the build's PTX (JIT-compiled by the driver), then
 * NVRTC on the kernel sources that every jar carries.
 */
final class KernelModule implements AutoCloseable {

    static final String RESOURCES = "/ai/jllm/cuda/";
    static final String FATBIN = RESOURCES + "kernels.fatbin";
    static final String PTX = RESOURCES + "kernels.ptx";
    static final String SOURCES = RESOURCES + "kernels/";
    /** The translation unit and every file it includes, as src/main/cuda has them. */
    static final List<String> SOURCE_FILES = List.of("kernels.cu", "common.cuh", "kv_cache.cuh", "arch.cu",
            "embedding.cu", "norm.cu", "rope.cu", "attention.cu", "prefill_attention.cu", "activation.cu", "gather.cu",
            "gemv.cu", "quant_gemv.cu", "quant_mma.cu", "fp8.cu", "reduce.cuh", "select.cuh", "sampling.cu");

    /** How the kernels were obtained. */
    enum Origin {
        FATBIN("fatbin"), PTX("PTX compiled by the driver"), NVRTC("sources compiled by NVRTC");

        private final String description;

        Origin(String description) {
            this.description = description;
        }

        String description() {
            return description;
        }
    }

    private final CudaDriver driver;
    private final long module;
    private final Origin origin;

    private KernelModule(CudaDriver driver, long module, Origin origin) {
        this.driver = driver;
        this.module = module;
        this.origin = origin;
    }

    /**
     * @param computeCapability the device's, e.g. 90, for NVRTC
     * @throws CudaException naming each way tried and why it failed
     */
    static KernelModule load(CudaDriver driver, int computeCapability, Arena arena) {
        List<String> failures = new ArrayList<>();
        Optional<byte[]> fatbin = resource(FATBIN);
        if (fatbin.isPresent()) {
            try {
                return new KernelModule(driver, driver.moduleLoadData(image(fatbin.get(), arena)), Origin.FATBIN);
            } catch (CudaException e) {
                failures.add("fatbin: " + e.getMessage());
            }
        } else {
            failures.add("no fatbin in this build (built without nvcc)");
        }
        Optional<byte[]> ptx = resource(PTX);
        if (ptx.isPresent()) {
            try {
                return new KernelModule(driver, driver.moduleLoadData(image(ptx.get(), arena)), Origin.PTX);
            } catch (CudaException e) {
                failures.add("PTX: " + e.getMessage());
            }
        }
        try {
            Map<String, String> sources = sources();
            Nvrtc nvrtc = Nvrtc.load(arena);
            String main = sources.get(SOURCE_FILES.getFirst());
            Map<String, String> headers = new LinkedHashMap<>(sources);
            headers.remove(SOURCE_FILES.getFirst());
            MemorySegment cubin = nvrtc.compile(SOURCE_FILES.getFirst(), main, headers, computeCapability, arena);
            return new KernelModule(driver, driver.moduleLoadData(cubin), Origin.NVRTC);
        } catch (CudaException e) {
            failures.add(e.getMessage());
        }
        throw new CudaException("no kernels in this build that load on this GPU: " + String.join("; ", failures));
    }

    /** The kernel sources carried in the jar, by file name. */
    static Map<String, String> sources() {
        Map<String, String> sources = new LinkedHashMap<>();
        for (String file : SOURCE_FILES) {
            byte[] bytes = resource(SOURCES + file).orElseThrow(
                    () -> new CudaException("the jar lacks the kernel source " + SOURCES + file));
            sources.put(file, new String(bytes, StandardCharsets.UTF_8));
        }
        return sources;
    }

    static Optional<byte[]> resource(String name) {
        try (InputStream in = KernelModule.class.getResourceAsStream(name)) {
            return in == null ? Optional.empty() : Optional.of(in.readAllBytes());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read resource " + name, e);
        }
    }

    /** A NUL-terminated native copy (PTX must end with NUL; a fatbin does not mind one). */
    private static MemorySegment image(byte[] bytes, Arena arena) {
        MemorySegment image = arena.allocate(bytes.length + 1L, 16);
        MemorySegment.copy(MemorySegment.ofArray(bytes), 0, image, 0, bytes.length);
        image.set(java.lang.foreign.ValueLayout.JAVA_BYTE, bytes.length, (byte) 0);
        return image;
    }

    long function(String name) {
        return driver.moduleFunction(module, name);
    }

    Origin origin() {
        return origin;
    }

    @Override
    public void close() {
        driver.moduleUnload(module);
    }
}
