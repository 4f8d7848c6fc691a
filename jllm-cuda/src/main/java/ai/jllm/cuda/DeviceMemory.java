package ai.jllm.cuda;

import ai.jllm.JllmException;
import java.util.ArrayList;
import java.util.List;

/**
 * The device allocations a backend owns (weights, activations, KV cache, workspaces), freed together when it closes.
 * Running out of memory is the user's to fix, so it becomes a {@link JllmException} with the numbers and the flags
 * that change them.
 */
final class DeviceMemory implements AutoCloseable {

    private final CudaDriver driver;
    private final List<Long> allocations = new ArrayList<>();

    DeviceMemory(CudaDriver driver) {
        this.driver = driver;
    }

    /** At least one byte of device memory, freed by {@link #close} unless {@link #free}d before. */
    long allocate(long bytes) {
        long pointer;
        try {
            pointer = driver.memAlloc(Math.max(bytes, 1));
        } catch (CudaException e) {
            CudaDriver.MemoryInfo memory = driver.memoryInfo();
            throw new JllmException("out of GPU memory allocating " + mib(bytes) + " MiB (" + mib(memory.free())
                    + " MiB free of " + mib(memory.total()) + " MiB); lower --max-num-tokens, --max-batch-size or "
                    + "--kv-cache-free-gpu-memory-fraction", e);
        }
        allocations.add(pointer);
        return pointer;
    }

    void free(long pointer) {
        if (!allocations.remove(Long.valueOf(pointer))) {
            throw new IllegalArgumentException("not an allocation of this backend: " + pointer);
        }
        driver.memFree(pointer);
    }

    private static long mib(long bytes) {
        return bytes >> 20;
    }

    @Override
    public void close() {
        for (long pointer : allocations) {
            driver.memFree(pointer);
        }
        allocations.clear();
    }
}
