package ai.jllm.cuda;

import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static java.lang.foreign.ValueLayout.JAVA_FLOAT_UNALIGNED;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;
import static java.lang.foreign.ValueLayout.JAVA_SHORT_UNALIGNED;

import ai.jllm.JllmException;
import ai.jllm.tensor.DType;
import ai.jllm.weights.TensorView;
import java.lang.foreign.MemorySegment;

/**
 * Moves stored tensors (usually memory-mapped) to the device in the backend's types: converted on the host into one of
 * two pinned staging buffers, chunk by chunk, while the other buffer's copy runs. F32, F16 and BF16 sources become
 * bf16 (matrices) or f32 (norm weights and other vectors).
 */
final class WeightUploader implements AutoCloseable {

    static final long CHUNK_BYTES = 16L << 20;

    private final CudaDriver driver;
    private final long stream;
    private final MemorySegment[] staging = new MemorySegment[2];
    private final long[] copied = new long[2];
    private int next;

    WeightUploader(CudaDriver driver, long stream) {
        this.driver = driver;
        this.stream = stream;
        for (int i = 0; i < 2; i++) {
            staging[i] = driver.hostAlloc(CHUNK_BYTES);
            copied[i] = driver.eventCreate(CudaDriver.CU_EVENT_DISABLE_TIMING);
        }
    }

    /** Converts {@code view} to {@code target} (BF16 or F32) and copies it to {@code destination}. */
    void upload(TensorView view, long destination, DType target) {
        if (view.dtype() != DType.F32 && view.dtype() != DType.F16 && view.dtype() != DType.BF16) {
            throw new JllmException(view.file() + ": tensor " + view.name() + " has dtype " + view.dtype()
                    + "; the CUDA backend loads F32, F16 and BF16 weights");
        }
        long elements = view.elementCount();
        long perChunk = CHUNK_BYTES / target.byteSize();
        for (long start = 0; start < elements; start += perChunk) {
            long count = Math.min(perChunk, elements - start);
            MemorySegment buffer = staging[next];
            driver.eventSynchronize(copied[next]);
            convert(view, start, count, target, buffer);
            driver.copyHostToDevice(destination + start * target.byteSize(), buffer, count * target.byteSize(),
                    stream);
            driver.eventRecord(copied[next], stream);
            next = 1 - next;
        }
    }

    /** Copies {@code view}'s bytes as they are (quantized codes, whatever their dtype) to {@code destination}. */
    void uploadBytes(TensorView view, long destination) {
        long bytes = view.elementCount() * view.dtype().byteSize();
        for (long start = 0; start < bytes; start += CHUNK_BYTES) {
            long count = Math.min(CHUNK_BYTES, bytes - start);
            MemorySegment buffer = staging[next];
            driver.eventSynchronize(copied[next]);
            MemorySegment.copy(view.data(), start, buffer, 0, count);
            driver.copyHostToDevice(destination + start, buffer, count, stream);
            driver.eventRecord(copied[next], stream);
            next = 1 - next;
        }
    }

    /** Copies host floats (a table the model computed) to {@code destination} as f32. */
    void upload(float[] values, long destination) {
        long perChunk = CHUNK_BYTES / Float.BYTES;
        for (long start = 0; start < values.length; start += perChunk) {
            int count = (int) Math.min(perChunk, values.length - start);
            MemorySegment buffer = staging[next];
            driver.eventSynchronize(copied[next]);
            MemorySegment.copy(values, (int) start, buffer, JAVA_FLOAT, 0, count);
            driver.copyHostToDevice(destination + start * Float.BYTES, buffer, (long) count * Float.BYTES, stream);
            driver.eventRecord(copied[next], stream);
            next = 1 - next;
        }
    }

    private static void convert(TensorView view, long start, long count, DType target, MemorySegment buffer) {
        MemorySegment data = view.data();
        DType source = view.dtype();
        if (source == target) {
            MemorySegment.copy(data, start * source.byteSize(), buffer, 0, count * source.byteSize());
            return;
        }
        for (long i = 0; i < count; i++) {
            float value = switch (source) {
                case F32 -> data.get(JAVA_FLOAT_UNALIGNED, 4 * (start + i));
                case BF16 -> Bf16.toFloat(data.get(JAVA_SHORT_UNALIGNED, 2 * (start + i)));
                case F16 -> Float.float16ToFloat(data.get(JAVA_SHORT_UNALIGNED, 2 * (start + i)));
                default -> throw new IllegalStateException("unreachable: " + source);
            };
            if (target == DType.BF16) {
                buffer.setAtIndex(JAVA_SHORT, i, Bf16.fromFloat(value));
            } else {
                buffer.setAtIndex(JAVA_FLOAT, i, value);
            }
        }
    }

    @Override
    public void close() {
        for (int i = 0; i < 2; i++) {
            driver.eventSynchronize(copied[i]);
            driver.eventDestroy(copied[i]);
            driver.hostFree(staging[i]);
        }
    }
}
