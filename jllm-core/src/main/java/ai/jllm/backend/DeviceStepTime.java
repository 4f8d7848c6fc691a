package ai.jllm.backend;

/**
 * How long the device ran one step, measured on the device itself (CUDA events), not on the host clock.
 *
 * @param forwardNanos the forward pass, from the first op (or the graph launch) to the logits
 * @param sampleNanos  the sampling: parameters copied up, the sampling kernels, the tokens copied back
 */
public record DeviceStepTime(long forwardNanos, long sampleNanos) {}
