package ai.jllm.cuda;

/**
 * The device's memory roofline: device-to-device copy bandwidth, bytes read plus bytes written per second, timed with
 * CUDA events over repeated copies of one buffer (after one untimed copy).
 */
final class CopyBandwidth {

    private CopyBandwidth() {}

    static double measure(CudaDriver driver, long stream, long bytes, int repeats) {
        long source = driver.memAlloc(bytes);
        long target = driver.memAlloc(bytes);
        long start = driver.eventCreate(CudaDriver.CU_EVENT_DEFAULT);
        long end = driver.eventCreate(CudaDriver.CU_EVENT_DEFAULT);
        try {
            driver.memsetBytes(source, (byte) 1, bytes, stream);
            driver.copyDeviceToDevice(target, source, bytes, stream);
            driver.eventRecord(start, stream);
            for (int i = 0; i < repeats; i++) {
                driver.copyDeviceToDevice(target, source, bytes, stream);
            }
            driver.eventRecord(end, stream);
            driver.eventSynchronize(end);
            double seconds = driver.eventElapsedMillis(start, end) / 1e3;
            return 2.0 * bytes * repeats / seconds;
        } finally {
            driver.eventDestroy(start);
            driver.eventDestroy(end);
            driver.memFree(source);
            driver.memFree(target);
        }
    }
}
