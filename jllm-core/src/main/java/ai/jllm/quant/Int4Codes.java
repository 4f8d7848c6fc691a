package ai.jllm.quant;

import ai.jllm.JllmException;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * An int4 weight with one code per element, in the source's column order: what GPTQ and AWQ checkpoints unpack to and
 * what round-to-nearest produces, before {@link Int4Packing} lays it out for the kernels. Rows can be stacked (fusing
 * q, k and v) and sliced (splitting for tensor parallelism) here, where every element is addressable.
 *
 * <p>{@code W[r, c] = (codes[r, c] - zeros[r, g]) * scales[r, g]} where {@code g} is the group of column c:
 * {@code c / groupSize}, or {@code groupIndex[c]} for GPTQ act-order checkpoints, whose groups are not runs of
 * consecutive columns.
 *
 * @param codes      [rows * columns], each in [0, 15]
 * @param scales     [rows * numGroups]
 * @param zeros      [rows * numGroups], each in [0, 16]
 * @param groupIndex [columns] the group of each column, when it is not {@code column / groupSize}
 */
public record Int4Codes(int rows, int columns, int groupSize, byte[] codes, float[] scales, byte[] zeros,
                        Optional<int[]> groupIndex) {

    public Int4Codes {
        Objects.requireNonNull(groupIndex, "groupIndex");
        if (rows <= 0 || columns <= 0 || groupSize <= 0) {
            throw new IllegalArgumentException("int4 weight of " + rows + " x " + columns + ", groups of " + groupSize);
        }
        int groups = Math.ceilDiv(columns, groupSize);
        if (codes.length != (long) rows * columns || scales.length != (long) rows * groups
                || zeros.length != (long) rows * groups) {
            throw new IllegalArgumentException("int4 arrays do not match " + rows + " x " + columns + " in groups of "
                    + groupSize);
        }
        groupIndex.ifPresent(index -> {
            if (index.length != columns) {
                throw new IllegalArgumentException("group index of " + index.length + " columns for " + columns);
            }
        });
    }

    public int numGroups() {
        return Math.ceilDiv(columns, groupSize);
    }

    public int groupOf(int column) {
        return groupIndex.isPresent() ? groupIndex.get()[column] : column / groupSize;
    }

    /** The weight element's value, as a plain dequantize-then-use reference would compute it. */
    public float dequantize(int row, int column) {
        int group = row * numGroups() + groupOf(column);
        return (codes[row * columns + column] - zeros[group]) * scales[group];
    }

    /** These rows stacked on top of each other (q, k, v into qkv): same columns, groups and column grouping. */
    public static Int4Codes stack(List<Int4Codes> parts, String name) {
        Int4Codes first = parts.getFirst();
        int rows = 0;
        for (Int4Codes part : parts) {
            boolean sameGrouping = part.groupIndex.isPresent() == first.groupIndex.isPresent()
                    && (part.groupIndex.isEmpty() || Arrays.equals(part.groupIndex.get(), first.groupIndex.get()));
            if (part.columns != first.columns || part.groupSize != first.groupSize || !sameGrouping) {
                throw new JllmException(name + ": its parts cannot be fused: they differ in input size, group size or "
                        + "act-order column grouping (g_idx)");
            }
            rows += part.rows;
        }
        if (parts.size() == 1) {
            return first;
        }
        int groups = first.numGroups();
        byte[] codes = new byte[rows * first.columns];
        float[] scales = new float[rows * groups];
        byte[] zeros = new byte[rows * groups];
        int row = 0;
        for (Int4Codes part : parts) {
            System.arraycopy(part.codes, 0, codes, row * first.columns, part.codes.length);
            System.arraycopy(part.scales, 0, scales, row * groups, part.scales.length);
            System.arraycopy(part.zeros, 0, zeros, row * groups, part.zeros.length);
            row += part.rows;
        }
        return new Int4Codes(rows, first.columns, first.groupSize, codes, scales, zeros, first.groupIndex);
    }

    /** Rows [start, end). */
    public Int4Codes rows(int start, int end) {
        int groups = numGroups();
        return new Int4Codes(end - start, columns, groupSize,
                Arrays.copyOfRange(codes, start * columns, end * columns),
                Arrays.copyOfRange(scales, start * groups, end * groups),
                Arrays.copyOfRange(zeros, start * groups, end * groups), groupIndex);
    }

    /** Columns [start, end), which must be whole groups of consecutive columns. */
    public Int4Codes columns(int start, int end, String name) {
        if (groupIndex.isPresent()) {
            throw new JllmException(name + ": an act-order (desc_act) GPTQ weight cannot be split along its inputs");
        }
        if (start % groupSize != 0 || (end % groupSize != 0 && end != columns)) {
            throw new JllmException(name + ": the split at input columns " + start + ".." + end
                    + " does not fall on its groups of " + groupSize);
        }
        int width = end - start;
        int groups = numGroups();
        int firstGroup = start / groupSize;
        int sliceGroups = Math.ceilDiv(width, groupSize);
        byte[] sliceCodes = new byte[rows * width];
        float[] sliceScales = new float[rows * sliceGroups];
        byte[] sliceZeros = new byte[rows * sliceGroups];
        for (int r = 0; r < rows; r++) {
            System.arraycopy(codes, r * columns + start, sliceCodes, r * width, width);
            System.arraycopy(scales, r * groups + firstGroup, sliceScales, r * sliceGroups, sliceGroups);
            System.arraycopy(zeros, r * groups + firstGroup, sliceZeros, r * sliceGroups, sliceGroups);
        }
        return new Int4Codes(rows, width, groupSize, sliceCodes, sliceScales, sliceZeros, Optional.empty());
    }
}
