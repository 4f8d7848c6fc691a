package ai.jllm.cuda;

/**
 * A device allocation that grows on demand (to at least twice its old size), zero-filled whenever it is allocated, so
 * that counters kept in it start at zero.
 */
final class GrowingBuffer implements AutoCloseable {

    private final CudaDriver driver;
    private final long stream;
    private long pointer;
    private long bytes;

    GrowingBuffer(CudaDriver driver, long stream) {
        this.driver = driver;
        this.stream = stream;
    }

    /** @return whether the buffer moved to hold {@code wanted} bytes (what captured its old address is stale) */
    boolean ensure(long wanted) {
        if (wanted <= bytes) {
            return false;
        }
        free();
        long size = Math.max(wanted, 2 * bytes);
        pointer = driver.memAlloc(size);
        bytes = size;
        driver.memsetBytes(pointer, (byte) 0, size, stream);
        return true;
    }

    long pointer() {
        return pointer;
    }

    private void free() {
        if (bytes > 0) {
            driver.streamSynchronize(stream); // a step still in flight (overlap) may use it
            driver.memFree(pointer);
            bytes = 0;
        }
    }

    @Override
    public void close() {
        free();
    }
}
