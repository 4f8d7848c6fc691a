package ai.jllm.build;

import ai.jllm.config.EngineConfig;
import ai.jllm.quant.Int4Codes;
import ai.jllm.quant.Int4Packing;
import ai.jllm.quant.RoundToNearest;
import ai.jllm.tensor.DType;
import ai.jllm.tensor.Fp8E4m3;
import ai.jllm.weights.DenseLinear;
import ai.jllm.weights.EngineTensorNames;
import ai.jllm.weights.LinearTensors;
import ai.jllm.weights.QuantizedLinear;
import ai.jllm.weights.TensorView;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.IntStream;

/**
 * Turns one projection of the source checkpoint into one rank's engine tensors: the rank's rows and columns (see
 * {@link RankSlice}), fused, converted to the engine dtype or quantized by round-to-nearest, and packed. Rows are
 * independent, so they are converted in parallel.
 */
final class LinearConverter {

    private static final ValueLayout.OfInt I32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private final DType dtype;
    private final EngineConfig.Quantization quantization;
    private final boolean declaresInputOrder;

    /** @param declaresInputOrder whether the plan stores an input order for int4 layers (act-order sources) */
    LinearConverter(DType dtype, EngineConfig.Quantization quantization, boolean declaresInputOrder) {
        this.dtype = dtype;
        this.quantization = quantization;
        this.declaresInputOrder = declaresInputOrder;
    }

    /** The tensors {@code name.weight}, and {@code .scales}, {@code .zeros}, {@code .input_order} as the scheme has. */
    Map<String, MemorySegment> convert(String name, LinearTensors source, RankSlice slice, Arena arena) {
        return switch (source) {
            case DenseLinear dense -> switch (quantization.scheme()) {
                case NONE -> Map.of(name + EngineTensorNames.WEIGHT, convertDense(dense, slice, arena));
                case INT8_WEIGHT_ONLY -> int8(name, dense, slice);
                case INT4_WEIGHT_ONLY -> int4(name, dense, slice, quantization.groupSize().orElseThrow());
                case FP8 -> fp8(name, dense, slice);
            };
            case QuantizedLinear.Int4 packed -> repack(name, packed, slice);
            case QuantizedLinear.Int8 int8 -> throw new IllegalStateException("int8 sources do not exist");
            case QuantizedLinear.Fp8 fp8 -> throw new IllegalStateException("fp8 sources do not exist");
        };
    }

    private MemorySegment convertDense(DenseLinear source, RankSlice slice, Arena arena) {
        int columns = slice.columns();
        long rowBytes = (long) columns * dtype.byteSize();
        MemorySegment target = arena.allocate(slice.rows() * rowBytes, 64);
        rows(slice).forEach(row -> {
            float[] values = readRow(source, slice, row);
            FloatRows.write(values, columns, dtype, target, row * rowBytes);
        });
        return target;
    }

    private Map<String, MemorySegment> int8(String name, DenseLinear source, RankSlice slice) {
        int columns = slice.columns();
        byte[] codes = new byte[slice.rows() * columns];
        float[] scales = new float[slice.rows()];
        rows(slice).forEach(row -> scales[row] =
                RoundToNearest.int8Row(readRow(source, slice, row), columns, codes, row * columns));
        Map<String, MemorySegment> tensors = new LinkedHashMap<>();
        tensors.put(name + EngineTensorNames.WEIGHT, MemorySegment.ofArray(codes));
        tensors.put(name + EngineTensorNames.SCALES, FloatRows.float32(scales));
        return tensors;
    }

    /** E4M3 codes [rows, columns] and one float32 scale per row (see {@link Fp8E4m3#quantizeRow}). */
    private Map<String, MemorySegment> fp8(String name, DenseLinear source, RankSlice slice) {
        int columns = slice.columns();
        byte[] codes = new byte[slice.rows() * columns];
        float[] scales = new float[slice.rows()];
        rows(slice).forEach(row -> scales[row] =
                Fp8E4m3.quantizeRow(readRow(source, slice, row), columns, codes, row * columns));
        Map<String, MemorySegment> tensors = new LinkedHashMap<>();
        tensors.put(name + EngineTensorNames.WEIGHT, MemorySegment.ofArray(codes));
        tensors.put(name + EngineTensorNames.SCALES, FloatRows.float32(scales));
        return tensors;
    }

    private Map<String, MemorySegment> int4(String name, DenseLinear source, RankSlice slice, int groupSize) {
        int rows = slice.rows();
        int columns = slice.columns();
        int groups = columns / groupSize;
        byte[] codes = new byte[rows * columns];
        float[] scales = new float[rows * groups];
        byte[] zeros = new byte[rows * groups];
        rows(slice).forEach(row -> RoundToNearest.int4Row(readRow(source, slice, row), columns, groupSize, codes,
                row * columns, scales, zeros, row * groups));
        return packed(name, new Int4Codes(rows, columns, groupSize, codes, scales, zeros, Optional.empty()));
    }

    /** A GPTQ/AWQ weight already in jllm's layout: unpacked, sliced for the rank, packed again. */
    private Map<String, MemorySegment> repack(String name, QuantizedLinear.Int4 source, RankSlice slice) {
        Int4Codes whole = Int4Packing.unpack(source);
        List<Int4Codes> parts = new ArrayList<>();
        for (int[] range : slice.rowRanges()) {
            parts.add(whole.rows(range[0], range[1]));
        }
        Int4Codes rows = Int4Codes.stack(parts, name);
        if (slice.columnStart() != 0 || slice.columnEnd() != whole.columns()) {
            rows = rows.columns(slice.columnStart(), slice.columnEnd(), name);
        }
        return packed(name, rows);
    }

    private Map<String, MemorySegment> packed(String name, Int4Codes codes) {
        QuantizedLinear.Int4 packed = Int4Packing.pack(codes, name, Path.of(name));
        Map<String, MemorySegment> tensors = new LinkedHashMap<>();
        tensors.put(name + EngineTensorNames.WEIGHT, packed.packed().data());
        tensors.put(name + EngineTensorNames.SCALES, packed.scales().data());
        tensors.put(name + EngineTensorNames.ZEROS, packed.zeros().data());
        if (packed.inputOrder().isPresent()) {
            tensors.put(name + EngineTensorNames.INPUT_ORDER, packed.inputOrder().get().data());
        } else if (declaresInputOrder) {
            tensors.put(name + EngineTensorNames.INPUT_ORDER, identity(codes.columns()));
        }
        return tensors;
    }

    private static MemorySegment identity(int columns) {
        MemorySegment order = MemorySegment.ofArray(new byte[columns * Integer.BYTES]);
        for (int i = 0; i < columns; i++) {
            order.setAtIndex(I32, i, i);
        }
        return order;
    }

    /** Row {@code row} of the rank's slice, as floats. */
    private static float[] readRow(DenseLinear source, RankSlice slice, int row) {
        int sourceRow = slice.sourceRow(row);
        for (TensorView part : source.parts()) {
            if (sourceRow < part.dim(0)) {
                float[] values = new float[slice.columns()];
                FloatRows.read(part, sourceRow, slice.columnStart(), slice.columnEnd(), values);
                return values;
            }
            sourceRow -= (int) part.dim(0);
        }
        throw new IndexOutOfBoundsException("row " + row + " of " + source.parts().getFirst().name());
    }

    private static IntStream rows(RankSlice slice) {
        return IntStream.range(0, slice.rows()).parallel();
    }
}
