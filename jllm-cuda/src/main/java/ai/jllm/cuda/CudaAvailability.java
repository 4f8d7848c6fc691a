package ai.jllm.cuda;

import java.lang.foreign.Arena;
import java.util.Optional;

/**
 * Whether this machine can run the CUDA backend, found without creating a context: a driver, a GPU of sm_80 or newer,
 * and kernels for it (the build's fatbin or PTX, or NVRTC to compile the sources the jar carries).
 *
 * @param detail the GPU when available, else the reason in one line
 */
public record CudaAvailability(boolean available, String detail) {

    static CudaAvailability probe() {
        try (Arena arena = Arena.ofConfined()) {
            CudaDriver driver = CudaDriver.load(arena);
            CudaDevice device = CudaDevice.open(driver, 0);
            Optional<String> kernels = kernelSource(arena);
            if (kernels.isEmpty()) {
                return new CudaAvailability(false, "no kernels in this build (built without nvcc) and no NVRTC to "
                        + "compile them");
            }
            return new CudaAvailability(true, device.describe() + ", kernels from " + kernels.get());
        } catch (RuntimeException e) {
            return new CudaAvailability(false, e.getMessage());
        }
    }

    private static Optional<String> kernelSource(Arena arena) {
        if (KernelModule.resource(KernelModule.FATBIN).isPresent()) {
            return Optional.of("the build's fatbin");
        }
        return switch (Nvrtc.LIBRARY.open(arena, System.getenv())) {
            case NativeLibrary.Lookup.Found found -> Optional.of("NVRTC (" + found.location() + ")");
            case NativeLibrary.Lookup.Missing missing -> Optional.empty();
        };
    }
}
