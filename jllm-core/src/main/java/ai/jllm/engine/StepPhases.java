package ai.jllm.engine;

import ai.jllm.backend.DeviceStepTime;
import java.util.Optional;

/**
 * Where one engine step's host time went, phase by phase (host clock, nanoseconds), and how long the GPU ran its
 * forward pass and sampling kernels when the backend times them ({@link ai.jllm.backend.Backend#stepDeviceNanos}).
 * With overlap the device figures belong to the step whose tokens this step read back.
 *
 * @param scheduleNanos  the scheduler's decision (KV blocks reserved)
 * @param prepareNanos   the batch laid out and the sampling rows filled
 * @param forwardNanos   the forward pass enqueued: metadata uploaded, ops launched or a recorded graph replayed
 * @param sampleNanos    the sampling enqueued (the sampling parameters packed and copied up, the kernels launched)
 * @param waitNanos      waiting for the step's sampled tokens: the host blocks here for the device
 * @param updateNanos    tokens appended, stop conditions checked, text detokenized, finished sequences freed
 * @param deliverNanos   results handed to the requests' listeners
 * @param device         the step on the device clock, when the backend times it
 * @param overlapped     whether the next step was launched before this step's tokens were read
 */
public record StepPhases(long scheduleNanos, long prepareNanos, long forwardNanos, long sampleNanos, long waitNanos,
                         long updateNanos, long deliverNanos, Optional<DeviceStepTime> device,
                         boolean overlapped) {

    public static final StepPhases NONE = new StepPhases(0, 0, 0, 0, 0, 0, 0, Optional.empty(), false);
}
