package ai.jllm.cuda;

import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import ai.jllm.tensor.DType;
import java.lang.foreign.MemorySegment;

/**
 * Whole-tensor copies between host float arrays and device tensors through one pinned buffer (grown on demand), bf16
 * widened to float on the way in and rounded on the way out. Each copy waits for the stream.
 */
final class HostTransfers implements AutoCloseable {

    private final CudaDriver driver;
    private final long stream;
    private MemorySegment pinned;

    HostTransfers(CudaDriver driver, long stream) {
        this.driver = driver;
        this.stream = stream;
        this.pinned = driver.hostAlloc(1 << 20);
    }

    /** The first {@code rows} rows of {@code tensor} into {@code destination}. */
    void toHost(CudaTensor tensor, int rows, float[] destination) {
        long elements = (long) rows * tensor.width();
        MemorySegment host = buffer(elements * tensor.dtype().byteSize());
        driver.copyDeviceToHost(host, tensor.pointer(), elements * tensor.dtype().byteSize(), stream);
        driver.streamSynchronize(stream);
        if (tensor.dtype() == DType.F32) {
            MemorySegment.copy(host, JAVA_FLOAT, 0, destination, 0, (int) elements);
        } else {
            for (int i = 0; i < elements; i++) {
                destination[i] = Bf16.toFloat(host.getAtIndex(JAVA_SHORT, i));
            }
        }
    }

    /** Every element of {@code tensor} from {@code values}, rounded to its type. */
    void toDevice(CudaTensor tensor, float[] values) {
        if (values.length != tensor.elements()) {
            throw new IllegalArgumentException(values.length + " values for " + tensor);
        }
        driver.streamSynchronize(stream);
        MemorySegment host = buffer(tensor.bytes());
        for (int i = 0; i < values.length; i++) {
            if (tensor.dtype() == DType.F32) {
                host.setAtIndex(JAVA_FLOAT, i, values[i]);
            } else {
                host.setAtIndex(JAVA_SHORT, i, Bf16.fromFloat(values[i]));
            }
        }
        driver.copyHostToDevice(tensor.pointer(), host, tensor.bytes(), stream);
        driver.streamSynchronize(stream);
    }

    private MemorySegment buffer(long bytes) {
        if (pinned.byteSize() < bytes) {
            driver.hostFree(pinned);
            pinned = driver.hostAlloc(Math.max(bytes, 2 * pinned.byteSize()));
        }
        return pinned;
    }

    @Override
    public void close() {
        driver.hostFree(pinned);
    }
}
