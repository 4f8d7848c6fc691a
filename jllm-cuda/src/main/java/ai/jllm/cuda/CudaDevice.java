package ai.jllm.cuda;

import ai.jllm.JllmException;

/**
 * One GPU as the driver describes it.
 *
 * @param handle the CUdevice
 * @param computeCapability major * 10 + minor, e.g. 90 for Hopper
 * @param driverVersion the driver's CUDA version, major * 1000 + minor * 10
 */
record CudaDevice(int ordinal, int handle, String name, int computeCapability, int multiprocessors, long totalMemory,
                  int driverVersion) {

    /** The oldest architecture the kernels are written for (Ampere: bf16 arithmetic and cp.async). */
    static final int MINIMUM_COMPUTE_CAPABILITY = 80;

    /** @throws JllmException when there is no such GPU or it is older than Ampere */
    static CudaDevice open(CudaDriver driver, int ordinal) {
        int count = driver.deviceCount();
        if (count == 0) {
            throw new JllmException("no CUDA GPU: the driver sees no device");
        }
        if (ordinal < 0 || ordinal >= count) {
            throw new JllmException("no CUDA GPU " + ordinal + ": the driver sees " + count);
        }
        int handle = driver.device(ordinal);
        int major = driver.deviceAttribute(CudaDriver.CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR, handle);
        int minor = driver.deviceAttribute(CudaDriver.CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR, handle);
        CudaDevice device = new CudaDevice(ordinal, handle, driver.deviceName(handle), major * 10 + minor,
                driver.deviceAttribute(CudaDriver.CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT, handle),
                driver.deviceTotalMemory(handle), driver.driverVersion());
        if (device.computeCapability() < MINIMUM_COMPUTE_CAPABILITY) {
            throw new JllmException("GPU " + ordinal + " (" + device.name() + ", sm_" + device.computeCapability()
                    + ") is older than the sm_80 (Ampere) that jllm's CUDA kernels need");
        }
        return device;
    }

    /** e.g. "NVIDIA H100 80GB HBM3 (sm_90, 132 SMs, 79.2 GiB, driver CUDA 13.0)" */
    String describe() {
        return String.format("%s (sm_%d, %d SMs, %.1f GiB, driver CUDA %d.%d)", name, computeCapability,
                multiprocessors, totalMemory / (double) (1L << 30), driverVersion / 1000, driverVersion % 1000 / 10);
    }
}
