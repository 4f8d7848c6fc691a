package ai.jllm.cuda;

import ai.jllm.backend.DeviceStepTime;
import java.util.Optional;

/**
 * Times steps on the GPU with three CUDA events on the step's stream: before the forward pass (its metadata upload
 * included), between the forward pass and the sampling, and after the sampled tokens' copy back. Two steps may be in
 * flight at once (overlap), so it keeps two sets of events and alternates them. Off until {@link #enable}: events in
 * every step would cost a little host time for nothing.
 */
final class StepTimer implements AutoCloseable {

    private static final int SETS = 2;

    private final CudaDriver driver;
    private final long stream;
    private final long[] start = new long[SETS];
    private final long[] forwarded = new long[SETS];
    private final long[] sampled = new long[SETS];
    private final boolean[] recording = new boolean[SETS];
    private boolean enabled;
    private int current;
    private Optional<DeviceStepTime> last = Optional.empty();

    StepTimer(CudaDriver driver, long stream) {
        this.driver = driver;
        this.stream = stream;
    }

    void enable() {
        if (!enabled) {
            for (int set = 0; set < SETS; set++) {
                start[set] = driver.eventCreate(CudaDriver.CU_EVENT_DEFAULT);
                forwarded[set] = driver.eventCreate(CudaDriver.CU_EVENT_DEFAULT);
                sampled[set] = driver.eventCreate(CudaDriver.CU_EVENT_DEFAULT);
            }
            enabled = true;
        }
    }

    /** Before the step's first work on the stream: the step takes the next set of events. */
    void forwardStarts() {
        if (enabled) {
            current = (current + 1) % SETS;
            driver.eventRecord(start[current], stream);
            recording[current] = true;
        }
    }

    /** After the forward pass, before the sampling. */
    void sampleStarts() {
        if (enabled && recording[current]) {
            driver.eventRecord(forwarded[current], stream);
        }
    }

    /** After the sampled tokens' copy back. Returns the step's set, for {@link #completed}. */
    int sampleEnds() {
        if (enabled && recording[current]) {
            driver.eventRecord(sampled[current], stream);
        }
        return current;
    }

    /** Called once the stream has passed {@link #sampleEnds} of {@code set}: its times become {@link #last}. */
    void completed(int set) {
        if (enabled && recording[set]) {
            driver.eventSynchronize(sampled[set]);
            last = Optional.of(new DeviceStepTime(nanos(start[set], forwarded[set]),
                    nanos(forwarded[set], sampled[set])));
            recording[set] = false;
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
            for (int set = 0; set < SETS; set++) {
                driver.eventDestroy(start[set]);
                driver.eventDestroy(forwarded[set]);
                driver.eventDestroy(sampled[set]);
            }
            enabled = false;
        }
    }
}
