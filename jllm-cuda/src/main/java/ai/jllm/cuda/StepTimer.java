package ai.jllm.cuda;

import ai.jllm.backend.DeviceStepTime;
import java.util.Optional;

/**
 * Times steps on the GPU with three CUDA events on the step's stream: before the forward pass (its metadata upload
 * included), between the forward pass and the sampling, and after the sampled tokens' copy back. Off until
 * {@link #enable}: events in every step would cost a little host time for nothing.
 */
final class StepTimer implements AutoCloseable {

    private final CudaDriver driver;
    private final long stream;
    private boolean enabled;
    private long start;
    private long forwarded;
    private long sampled;
    private boolean recording;
    private Optional<DeviceStepTime> last = Optional.empty();

    StepTimer(CudaDriver driver, long stream) {
        this.driver = driver;
        this.stream = stream;
    }

    void enable() {
        if (!enabled) {
            start = driver.eventCreate(CudaDriver.CU_EVENT_DEFAULT);
            forwarded = driver.eventCreate(CudaDriver.CU_EVENT_DEFAULT);
            sampled = driver.eventCreate(CudaDriver.CU_EVENT_DEFAULT);
            enabled = true;
        }
    }

    /** Before the step's first work on the stream. */
    void forwardStarts() {
        if (enabled) {
            driver.eventRecord(start, stream);
            recording = true;
        }
    }

    /** After the forward pass, before the sampling. */
    void sampleStarts() {
        if (enabled && recording) {
            driver.eventRecord(forwarded, stream);
        }
    }

    /** After the sampled tokens' copy back; reads the step's times once the stream has passed this point. */
    void sampleEnds() {
        if (enabled && recording) {
            driver.eventRecord(sampled, stream);
        }
    }

    /** Called once the stream has passed {@link #sampleEnds}: the step's times become {@link #last}. */
    void completed() {
        if (enabled && recording) {
            driver.eventSynchronize(sampled);
            last = Optional.of(new DeviceStepTime(nanos(start, forwarded), nanos(forwarded, sampled)));
            recording = false;
        }
    }

    Optional<DeviceStepTime> last() {
        return last;
    }

    private long nanos(long from, long to) {
        return Math.round(driver.eventElapsedMillis(from, to) * 1e6);
    }

    @Override
    public void close() {
        if (enabled) {
            driver.eventDestroy(start);
            driver.eventDestroy(forwarded);
            driver.eventDestroy(sampled);
            enabled = false;
        }
    }
}
