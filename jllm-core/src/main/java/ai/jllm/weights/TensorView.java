package ai.jllm.weights;

import ai.jllm.JllmException;
import ai.jllm.tensor.DType;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Objects;
import java.util.stream.Collectors;

/**
 * A stored tensor, viewed in place in a memory-mapped file. Data is little-endian and NOT guaranteed to be aligned
 * beyond 1 byte (safetensors packs tensors back to back): readers use unaligned layouts such as
 * {@link #F32_LE}. The view is valid until its {@link WeightSource} is closed; reading it afterwards throws
 * {@link IllegalStateException}.
 *
 * @param shape row-major dimensions; {@code []} for a scalar
 * @param data exactly {@code elementCount() * dtype.byteSize()} bytes
 * @param file the file the data lives in, for error messages
 */
public record TensorView(String name, DType dtype, long[] shape, MemorySegment data, Path file) {

    /** Unaligned little-endian float, for reading F32 data. */
    public static final ValueLayout.OfFloat F32_LE = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    /** Unaligned little-endian 16-bit word, for reading F16 and BF16 data. */
    public static final ValueLayout.OfShort I16_LE = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    public TensorView {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(dtype, "dtype");
        Objects.requireNonNull(data, "data");
        Objects.requireNonNull(file, "file");
        shape = shape.clone();
        long expectedBytes = new TensorSpec(name, dtype, shape).byteSize();
        if (data.byteSize() != expectedBytes) {
            throw new IllegalArgumentException("tensor " + name + " " + dtype + " " + Arrays.toString(shape) + " needs "
                    + expectedBytes + " bytes, but its data has " + data.byteSize());
        }
    }

    /** A copy of the dimensions. */
    @Override
    public long[] shape() {
        return shape.clone();
    }

    public int rank() {
        return shape.length;
    }

    /** The size of dimension {@code axis}. */
    public long dim(int axis) {
        return shape[axis];
    }

    /** The product of the dimensions (1 for a scalar). */
    public long elementCount() {
        return TensorSpec.elementCount(shape);
    }

    public TensorSpec spec() {
        return new TensorSpec(name, dtype, shape);
    }

    /** Returns this view if its shape is {@code expected}; otherwise throws an error naming file, tensor and both shapes. */
    public TensorView expectShape(long... expected) {
        if (!Arrays.equals(shape, expected)) {
            throw new JllmException(file + ": tensor " + name + " has shape " + Arrays.toString(shape) + ", expected "
                    + Arrays.toString(expected));
        }
        return this;
    }

    /** Returns this view if its dtype is one of {@code allowed}; otherwise throws an error naming file and tensor. */
    public TensorView expectDtype(DType... allowed) {
        for (DType type : allowed) {
            if (type == dtype) {
                return this;
            }
        }
        throw new JllmException(file + ": tensor " + name + " has dtype " + dtype + ", expected "
                + Arrays.stream(allowed).map(DType::name).collect(Collectors.joining(" or ")));
    }

    /**
     * Decodes F32, F16 or BF16 data into a new array: for small tensors (norms, biases) and tests, not for bulk weight
     * loading, which should copy or convert the segment directly.
     */
    public float[] toFloatArray() {
        long count = elementCount();
        if (count > Integer.MAX_VALUE - 8) {
            throw new JllmException(file + ": tensor " + name + " has " + count + " elements, too many for a Java array");
        }
        float[] values = new float[(int) count];
        switch (dtype) {
            case F32 -> {
                for (int i = 0; i < values.length; i++) {
                    values[i] = data.getAtIndex(F32_LE, i);
                }
            }
            case F16 -> {
                for (int i = 0; i < values.length; i++) {
                    values[i] = Float.float16ToFloat(data.getAtIndex(I16_LE, i));
                }
            }
            case BF16 -> {
                for (int i = 0; i < values.length; i++) {
                    values[i] = Float.intBitsToFloat(data.getAtIndex(I16_LE, i) << 16);
                }
            }
            default -> throw new JllmException(file + ": tensor " + name + " has dtype " + dtype
                    + ", which cannot be read as floats (F32, F16 or BF16 only)");
        }
        return values;
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof TensorView that && name.equals(that.name) && dtype == that.dtype
                && Arrays.equals(shape, that.shape) && data.equals(that.data) && file.equals(that.file);
    }

    @Override
    public int hashCode() {
        return Objects.hash(name, dtype, Arrays.hashCode(shape), data, file);
    }

    @Override
    public String toString() {
        return "TensorView[" + name + " " + dtype + " " + Arrays.toString(shape) + " in " + file + "]";
    }
}
