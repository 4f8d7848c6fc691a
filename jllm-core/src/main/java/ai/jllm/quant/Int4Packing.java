package ai.jllm.quant;

import ai.jllm.JllmException;
import ai.jllm.tensor.DType;
import ai.jllm.weights.QuantizedLinear;
import ai.jllm.weights.TensorView;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Converts between {@link Int4Codes} and jllm's packed int4 layout ({@link QuantizedLinear.Int4}): two codes per
 * byte in blocks of 32 columns, byte k of a block holding column k (low nibble) and column k + 16 (high nibble).
 */
public final class Int4Packing {

    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfInt I32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final int BLOCK = QuantizedLinear.Int4.BLOCK;
    private static final int HALF_BLOCK = BLOCK / 2;

    private Int4Packing() {}

    /**
     * Packs {@code weight} into memory the garbage collector frees with the returned views. Act-order columns are
     * sorted by group, which the kernels need, and the order is kept as {@code inputOrder}.
     *
     * @param name the layer's name ("layers.0.attn.qkv"); the tensors are name.weight, name.scales, name.zeros and
     *             name.input_order
     * @param file where the weight came from, for error messages
     */
    public static QuantizedLinear.Int4 pack(Int4Codes weight, String name, Path file) {
        int rows = weight.rows();
        int columns = weight.columns();
        int groupSize = weight.groupSize();
        if (groupSize % BLOCK != 0 || columns % groupSize != 0) {
            throw new JllmException(name + ": groups of " + groupSize + " do not divide its " + columns
                    + " input columns into whole groups (jllm's int4 layout needs groups of a multiple of " + BLOCK
                    + " that divide the input size)");
        }
        Optional<int[]> order = inputOrder(weight, name);
        int groups = weight.numGroups();
        Arena arena = Arena.ofAuto();
        MemorySegment packed = arena.allocate((long) rows * columns / 2, 64);
        byte[] codes = weight.codes();
        int[] source = order.orElse(null);
        for (int r = 0; r < rows; r++) {
            long rowStart = (long) r * columns / 2;
            int codeRow = r * columns;
            for (int block = 0; block < columns; block += BLOCK) {
                for (int k = 0; k < HALF_BLOCK; k++) {
                    int low = block + k;
                    int high = low + HALF_BLOCK;
                    int lowCode = codes[codeRow + (source == null ? low : source[low])];
                    int highCode = codes[codeRow + (source == null ? high : source[high])];
                    packed.set(ValueLayout.JAVA_BYTE, rowStart + block / 2 + k, (byte) (lowCode | highCode << 4));
                }
            }
        }
        MemorySegment scales = arena.allocate((long) rows * groups * Float.BYTES, 64);
        MemorySegment.copy(weight.scales(), 0, scales, F32, 0, rows * groups);
        MemorySegment zeros = arena.allocate((long) rows * groups, 64);
        MemorySegment.copy(weight.zeros(), 0, zeros, ValueLayout.JAVA_BYTE, 0, rows * groups);
        Optional<TensorView> orderView = order.map(o -> {
            MemorySegment segment = arena.allocate((long) columns * Integer.BYTES, 64);
            MemorySegment.copy(o, 0, segment, I32, 0, columns);
            return new TensorView(name + ".input_order", DType.I32, new long[] {columns}, segment, file);
        });
        return new QuantizedLinear.Int4(
                new TensorView(name + ".weight", DType.U8, new long[] {rows, columns / 2}, packed, file),
                new TensorView(name + ".scales", DType.F32, new long[] {rows, groups}, scales, file),
                new TensorView(name + ".zeros", DType.U8, new long[] {rows, groups}, zeros, file),
                groupSize, orderView);
    }

    /** The codes of a packed weight, back in the source's column order. */
    public static Int4Codes unpack(QuantizedLinear.Int4 weight) {
        int rows = weight.outFeatures();
        int columns = weight.inFeatures();
        int groups = weight.numGroups();
        MemorySegment packed = weight.packed().data();
        Optional<int[]> order = weight.inputOrder().map(view -> readOrder(view, columns));
        byte[] codes = new byte[rows * columns];
        for (int r = 0; r < rows; r++) {
            long rowStart = (long) r * columns / 2;
            for (int j = 0; j < columns; j++) {
                int column = order.isPresent() ? order.get()[j] : j;
                codes[r * columns + column] = (byte) code(packed, rowStart, j);
            }
        }
        float[] scales = new float[rows * groups];
        MemorySegment.copy(weight.scales().data(), F32, 0, scales, 0, scales.length);
        byte[] zeros = new byte[rows * groups];
        MemorySegment.copy(weight.zeros().data(), ValueLayout.JAVA_BYTE, 0, zeros, 0, zeros.length);
        Optional<int[]> groupIndex = order.map(o -> {
            int[] index = new int[columns];
            for (int j = 0; j < columns; j++) {
                index[o[j]] = j / weight.groupSize();
            }
            return index;
        });
        return new Int4Codes(rows, columns, weight.groupSize(), codes, scales, zeros, groupIndex);
    }

    /** The code of packed column {@code column} of the row that starts at byte {@code rowStart}. */
    public static int code(MemorySegment packed, long rowStart, int column) {
        int block = column / BLOCK;
        int k = column % BLOCK;
        int value = packed.get(ValueLayout.JAVA_BYTE, rowStart + (long) block * HALF_BLOCK + k % HALF_BLOCK) & 0xFF;
        return k < HALF_BLOCK ? value & 0xF : value >>> 4;
    }

    /**
     * The packed columns' sources when the weight's groups are not consecutive runs: the columns sorted by group,
     * which works only when every group has exactly groupSize columns (as GPTQ's act-order makes them).
     */
    private static Optional<int[]> inputOrder(Int4Codes weight, String name) {
        if (weight.groupIndex().isEmpty()) {
            return Optional.empty();
        }
        int[] groupIndex = weight.groupIndex().get();
        int columns = weight.columns();
        int groupSize = weight.groupSize();
        int groups = weight.numGroups();
        boolean consecutive = true;
        int[] count = new int[groups];
        for (int c = 0; c < columns; c++) {
            int group = groupIndex[c];
            if (group < 0 || group >= groups) {
                throw new JllmException(name + ": g_idx[" + c + "] is " + group + ", outside its " + groups
                        + " groups");
            }
            count[group]++;
            consecutive &= group == c / groupSize;
        }
        if (consecutive) {
            return Optional.empty();
        }
        int[] next = new int[groups];
        for (int g = 0; g < groups; g++) {
            if (count[g] != groupSize) {
                throw new JllmException(name + ": g_idx gives group " + g + " " + count[g] + " columns instead of "
                        + groupSize);
            }
            next[g] = g * groupSize;
        }
        int[] order = new int[columns];
        for (int c = 0; c < columns; c++) {
            order[next[groupIndex[c]]++] = c;
        }
        return Optional.of(order);
    }

    /** An input order as ints, checked to be a permutation. */
    public static int[] readOrder(TensorView view, int columns) {
        int[] order = new int[columns];
        boolean[] seen = new boolean[columns];
        for (int j = 0; j < columns; j++) {
            int column = view.data().getAtIndex(I32, j);
            if (column < 0 || column >= columns || seen[column]) {
                throw new JllmException(view.file() + ": tensor " + view.name() + " is not a permutation of the "
                        + columns + " inputs (entry " + j + " is " + column + ")");
            }
            seen[column] = true;
            order[j] = column;
        }
        return order;
    }
}
