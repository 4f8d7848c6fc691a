package ai.jllm.build;

import ai.jllm.config.ModelConfig;
import ai.jllm.weights.EngineTensorNames.Projection;
import java.util.ArrayList;
import java.util.List;

/**
 * The part of a whole (fused, unsplit) projection that one tensor-parallel rank holds, as Megatron splits it: a
 * column-parallel projection gives each rank the same share of the rows of every stacked part (its heads' q, k and v
 * rows; its share of gate and of up), a row-parallel one gives each rank a share of the input columns.
 *
 * @param rowRanges [start, end) pairs of rows of the whole projection, in the order the rank stacks them
 */
record RankSlice(List<int[]> rowRanges, int columnStart, int columnEnd) {

    static RankSlice of(Projection projection, ModelConfig config, int rank, int tpSize) {
        int[] parts = projection.partRows(config);
        int in = projection.inFeatures(config);
        List<int[]> ranges = new ArrayList<>();
        int offset = 0;
        for (int rows : parts) {
            if (projection.columnParallel()) {
                ranges.add(new int[] {offset + rows / tpSize * rank, offset + rows / tpSize * (rank + 1)});
            } else {
                ranges.add(new int[] {offset, offset + rows});
            }
            offset += rows;
        }
        return projection.columnParallel() ? new RankSlice(ranges, 0, in)
                : new RankSlice(ranges, in / tpSize * rank, in / tpSize * (rank + 1));
    }

    int rows() {
        int rows = 0;
        for (int[] range : rowRanges) {
            rows += range[1] - range[0];
        }
        return rows;
    }

    int columns() {
        return columnEnd - columnStart;
    }

    /** The row of the whole projection that row {@code row} of this slice is. */
    int sourceRow(int row) {
        for (int[] range : rowRanges) {
            int size = range[1] - range[0];
            if (row < size) {
                return range[0] + row;
            }
            row -= size;
        }
        throw new IndexOutOfBoundsException(row);
    }
}
