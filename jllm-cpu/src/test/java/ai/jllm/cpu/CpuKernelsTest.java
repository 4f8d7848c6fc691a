package ai.jllm.cpu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.jllm.backend.AttentionShape;
import ai.jllm.backend.ForwardBatch;
import ai.jllm.backend.KvCache;
import ai.jllm.backend.LinearWeights;
import ai.jllm.backend.Tensor;
import ai.jllm.config.KvCacheDtype;
import ai.jllm.kvcache.KvQuantizer;
import ai.jllm.tensor.DType;
import ai.jllm.weights.TensorView;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.util.List;
import java.util.OptionalInt;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The vectorized, threaded CPU ops against naive scalar loops written straight from the definitions, on random
 * inputs with sizes that leave vector tails, and with outputs poisoned beforehand so an unwritten element shows.
 */
class CpuKernelsTest {

    private final CpuBackend backend = new CpuBackend(3);
    private final Arena arena = Arena.ofShared();
    private final Random random = new Random(42);

    @AfterEach
    void close() {
        backend.close();
        arena.close();
    }

    @ParameterizedTest(name = "{0} rows, {1} -> {2}, {3}, bias {4}")
    @CsvSource({"1,64,48,F32,false", "5,67,33,F32,true", "9,130,70,BF16,true", "4,16,1,BF16,false",
            "13,200,17,F16,true", "2,1,3,F32,false"})
    void linearMatchesNaiveProduct(int rows, int in, int out, DType dtype, boolean withBias) {
        // Two parts stacked along the outputs, as a fused projection.
        int firstRows = Math.max(1, out / 3);
        float[] w1 = randoms(firstRows * in);
        float[] w2 = randoms((out - firstRows) * in);
        float[] b1 = randoms(firstRows);
        float[] b2 = randoms(out - firstRows);
        List<TensorView> weights = out - firstRows > 0
                ? List.of(view("w1", dtype, w1, firstRows, in), view("w2", dtype, w2, out - firstRows, in))
                : List.of(view("w1", dtype, w1, firstRows, in));
        List<TensorView> biases = !withBias ? List.of() : out - firstRows > 0
                ? List.of(view("b1", DType.F32, b1, firstRows), view("b2", DType.F32, b2, out - firstRows))
                : List.of(view("b1", DType.F32, b1, firstRows));
        LinearWeights linear = backend.linear(weights, biases);
        float[] x = randoms(rows * in);
        Tensor input = backend.upload(x, rows, in);
        Tensor output = poisoned(rows, out);
        backend.linear(input, linear, rows, output);

        float[] actual = host(output, rows * out);
        for (int t = 0; t < rows; t++) {
            for (int o = 0; o < out; o++) {
                boolean first = o < firstRows;
                float[] w = first ? w1 : w2;
                int row = first ? o : o - firstRows;
                double sum = withBias ? (first ? b1[o] : b2[o - firstRows]) : 0;
                for (int i = 0; i < in; i++) {
                    sum += (double) rounded(w[row * in + i], dtype) * x[t * in + i];
                }
                assertThat(actual[t * out + o]).as("out[%d, %d]", t, o).isCloseTo((float) sum, within(in));
            }
        }
    }

    @Test
    void rmsNormAndFusedResidualAdd() {
        int rows = 3;
        int width = 37;
        float[] x = randoms(rows * width);
        float[] delta = randoms(rows * width);
        float[] weight = randoms(width);
        Tensor w = backend.upload(view("norm", DType.F32, weight, width));
        Tensor out = poisoned(rows, width);
        backend.rmsNorm(backend.upload(x, rows, width), w, 1e-5f, rows, out);
        assertRows(host(out, rows * width), naiveNorm(x, weight, rows, width, 1e-5f), 1e-5f);

        Tensor residual = backend.upload(x, rows, width);
        backend.addRmsNorm(residual, backend.upload(delta, rows, width), w, 1e-5f, rows, out);
        float[] sum = new float[x.length];
        for (int i = 0; i < sum.length; i++) {
            sum[i] = x[i] + delta[i];
        }
        assertRows(host(residual, rows * width), sum, 0f);
        assertRows(host(out, rows * width), naiveNorm(sum, weight, rows, width, 1e-5f), 1e-5f);
    }

    @Test
    void siluMul() {
        int rows = 2;
        int intermediate = 21;
        float[] gateUp = randoms(rows * 2 * intermediate);
        Tensor out = poisoned(rows, intermediate);
        backend.siluMul(backend.upload(gateUp, rows, 2 * intermediate), rows, out);
        float[] actual = host(out, rows * intermediate);
        for (int r = 0; r < rows; r++) {
            for (int i = 0; i < intermediate; i++) {
                double gate = gateUp[r * 2 * intermediate + i];
                double expected = gate / (1 + Math.exp(-gate)) * gateUp[r * 2 * intermediate + intermediate + i];
                assertThat(actual[r * intermediate + i]).isCloseTo((float) expected, org.assertj.core.data.Offset.offset(1e-6f));
            }
        }
    }

    /**
     * Rope + cache write + attention for a mixed batch (a decode with cached context, a fresh prefill, a prefill
     * chunk over a cached prefix) against attention computed from scratch on the full sequences. With an 8-bit cache
     * the reference attends over the keys and values as {@link KvQuantizer} rounds them (each (token, kv head) row
     * quantized with its own scale and dequantized), so the same 1e-5 tolerance checks that the cache stores codes and
     * scales where attention finds them and dequantizes them exactly.
     */
    @ParameterizedTest(name = "window {0}, {1} cache")
    @CsvSource({"0,AUTO", "5,AUTO", "0,FP8", "5,FP8", "0,INT8", "5,INT8"})
    void pagedAttentionMatchesDenseReference(int window, KvCacheDtype dtype) {
        AttentionShape shape = new AttentionShape(4, 2, 8, 0.3f, window == 0 ? OptionalInt.empty() : OptionalInt.of(window));
        int blockSize = 4;
        int maxPositions = 32;
        float[] ropeTable = new float[maxPositions * shape.headDim()];
        for (int p = 0; p < maxPositions; p++) {
            for (int i = 0; i < shape.headDim() / 2; i++) {
                double angle = p * Math.pow(100, -2.0 * i / shape.headDim());
                ropeTable[p * shape.headDim() + i] = (float) Math.cos(angle);
                ropeTable[p * shape.headDim() + shape.headDim() / 2 + i] = (float) Math.sin(angle);
            }
        }
        Tensor rope = backend.upload(ropeTable, maxPositions, shape.headDim());
        KvCache cache = backend.allocateKvCache(1, 16, blockSize, shape.numKvHeads(), shape.headDim(), dtype);
        int[][] tables = {{3, 9, 1, 12}, {0, 5}, {7, 2, 11, 4}};
        int[] lengths = {11, 6, 14};        // full sequence lengths
        int[] cachedBefore = {10, 0, 9};    // prefix already in the cache before the step
        float[][] qkvRows = new float[3][];
        for (int s = 0; s < 3; s++) {
            qkvRows[s] = randoms(lengths[s] * shape.qkvSize());
        }
        // Step 1 fills the cached prefixes; step 2 is the mixed batch under test.
        runStep(shape, rope, cache, tables, qkvRows, new int[] {0, 0, 0}, cachedBefore, blockSize);
        float[] actual = runStep(shape, rope, cache, tables, qkvRows, cachedBefore, lengths, blockSize);

        int row = 0;
        for (int s = 0; s < 3; s++) {
            float[] rotated = rotate(qkvRows[s], lengths[s], shape, ropeTable);
            if (dtype.quantized()) {
                roundTripKeysAndValues(rotated, lengths[s], shape, dtype);
            }
            for (int p = cachedBefore[s]; p < lengths[s]; p++, row++) {
                for (int h = 0; h < shape.numHeads(); h++) {
                    float[] expected = naiveAttention(rotated, p, h, shape);
                    for (int d = 0; d < shape.headDim(); d++) {
                        assertThat(actual[row * shape.qSize() + h * shape.headDim() + d])
                                .as("sequence %d position %d head %d dim %d", s, p, h, d)
                                .isCloseTo(expected[d], org.assertj.core.data.Offset.offset(1e-5f));
                    }
                }
            }
        }
    }

    @Test
    void embeddingRejectsTokensOutsideTheVocabulary() {
        Tensor table = backend.upload(view("embed", DType.F32, randoms(4 * 8), 4, 8));
        ForwardBatch batch = new ForwardBatch(4, 1, 4, 1, 1);
        batch.addSequence(new int[] {1, 4}, 0, 2, 0, new int[] {0}, 1, ForwardBatch.Logits.LAST);
        assertThatThrownBy(() -> backend.embedding(table, batch, backend.allocate(DType.F32, 4, 8)))
                .hasMessageContaining("token id 4 is outside the vocabulary of 4");
    }

    private float[] runStep(AttentionShape shape, Tensor rope, KvCache cache, int[][] tables, float[][] qkvRows,
                            int[] from, int[] to, int blockSize) {
        ForwardBatch batch = new ForwardBatch(64, 3, blockSize, 4, 64);
        int tokens = 0;
        for (int s = 0; s < 3; s++) {
            tokens += to[s] - from[s];
        }
        float[] qkv = new float[tokens * shape.qkvSize()];
        int row = 0;
        for (int s = 0; s < 3; s++) {
            int count = to[s] - from[s];
            if (count == 0) {
                continue;
            }
            batch.addSequence(new int[to[s]], from[s], count, from[s], tables[s], tables[s].length,
                    ForwardBatch.Logits.LAST);
            System.arraycopy(qkvRows[s], from[s] * shape.qkvSize(), qkv, row * shape.qkvSize(), count * shape.qkvSize());
            row += count;
        }
        Tensor qkvTensor = backend.upload(qkv, tokens, shape.qkvSize());
        Tensor out = poisoned(tokens, shape.qSize());
        backend.ropeAndWriteKv(qkvTensor, rope, shape, cache, 0, batch);
        backend.attention(qkvTensor, cache, 0, shape, batch, out);
        return host(out, tokens * shape.qSize());
    }

    /** Rotate-half RoPE applied to the q and k heads of every row. */
    private static float[] rotate(float[] qkv, int rows, AttentionShape shape, float[] table) {
        float[] result = qkv.clone();
        int d = shape.headDim();
        for (int p = 0; p < rows; p++) {
            for (int h = 0; h < shape.numHeads() + shape.numKvHeads(); h++) {
                int offset = p * shape.qkvSize() + h * d;
                for (int i = 0; i < d / 2; i++) {
                    double cos = table[p * d + i];
                    double sin = table[p * d + d / 2 + i];
                    double x1 = qkv[offset + i];
                    double x2 = qkv[offset + d / 2 + i];
                    result[offset + i] = (float) (x1 * cos - x2 * sin);
                    result[offset + d / 2 + i] = (float) (x2 * cos + x1 * sin);
                }
            }
        }
        return result;
    }

    /** Replaces every (token, kv head) row of keys and values by its 8-bit quantized and dequantized value. */
    private static void roundTripKeysAndValues(float[] qkv, int rows, AttentionShape shape, KvCacheDtype dtype) {
        int d = shape.headDim();
        byte[] codes = new byte[d];
        for (int p = 0; p < rows; p++) {
            for (int h = 0; h < 2 * shape.numKvHeads(); h++) {
                int offset = p * shape.qkvSize() + shape.qSize() + h * d;
                float scale = KvQuantizer.quantize(dtype, qkv, offset, d, codes, 0);
                for (int i = 0; i < d; i++) {
                    qkv[offset + i] = KvQuantizer.decode(dtype, codes[i]) * scale;
                }
            }
        }
    }

    private static float[] naiveAttention(float[] rotated, int position, int head, AttentionShape shape) {
        int d = shape.headDim();
        int kvHead = head / shape.groupSize();
        int first = shape.slidingWindow().isPresent() ? Math.max(0, position - shape.slidingWindow().getAsInt() + 1) : 0;
        double[] weights = new double[position + 1];
        double max = Double.NEGATIVE_INFINITY;
        for (int j = first; j <= position; j++) {
            double score = 0;
            for (int i = 0; i < d; i++) {
                score += rotated[position * shape.qkvSize() + head * d + i]
                        * rotated[j * shape.qkvSize() + shape.qSize() + kvHead * d + i];
            }
            weights[j] = score * shape.scale();
            max = Math.max(max, weights[j]);
        }
        double total = 0;
        for (int j = first; j <= position; j++) {
            weights[j] = Math.exp(weights[j] - max);
            total += weights[j];
        }
        float[] out = new float[d];
        for (int i = 0; i < d; i++) {
            double sum = 0;
            for (int j = first; j <= position; j++) {
                sum += weights[j] / total * rotated[j * shape.qkvSize() + shape.qSize() + shape.kvSize() + kvHead * d + i];
            }
            out[i] = (float) sum;
        }
        return out;
    }

    private static float[] naiveNorm(float[] x, float[] weight, int rows, int width, float eps) {
        float[] out = new float[x.length];
        for (int r = 0; r < rows; r++) {
            double sum = 0;
            for (int i = 0; i < width; i++) {
                sum += (double) x[r * width + i] * x[r * width + i];
            }
            double scale = 1 / Math.sqrt(sum / width + eps);
            for (int i = 0; i < width; i++) {
                out[r * width + i] = (float) (weight[i] * x[r * width + i] * scale);
            }
        }
        return out;
    }

    private static void assertRows(float[] actual, float[] expected, float tolerance) {
        for (int i = 0; i < expected.length; i++) {
            assertThat(actual[i]).as("element %d", i).isCloseTo(expected[i], org.assertj.core.data.Offset.offset(tolerance));
        }
    }

    /** float32 accumulation over n products of values in [-1, 1]. */
    private static org.assertj.core.data.Offset<Float> within(int n) {
        return org.assertj.core.data.Offset.offset(1e-6f * n + 1e-6f);
    }

    private Tensor poisoned(int rows, int width) {
        float[] nan = new float[rows * width];
        java.util.Arrays.fill(nan, Float.NaN);
        return backend.upload(nan, rows, width);
    }

    private float[] host(Tensor tensor, int elements) {
        float[] result = new float[elements];
        long[] shape = tensor.shape();
        backend.copyToHost(tensor, (int) shape[0], result);
        return result;
    }

    private float[] randoms(int n) {
        float[] values = new float[n];
        for (int i = 0; i < n; i++) {
            values[i] = random.nextFloat() * 2 - 1;
        }
        return values;
    }

    private static float rounded(float value, DType dtype) {
        return switch (dtype) {
            case BF16 -> Float.intBitsToFloat(bf16Bits(value) << 16);
            case F16 -> Float.float16ToFloat(Float.floatToFloat16(value));
            default -> value;
        };
    }

    /** Round to nearest even, as torch casts float32 to bfloat16. */
    private static int bf16Bits(float value) {
        int bits = Float.floatToRawIntBits(value);
        return (bits + 0x7FFF + ((bits >>> 16) & 1)) >>> 16;
    }

    private TensorView view(String name, DType dtype, float[] values, long... shape) {
        MemorySegment data = arena.allocate((long) values.length * dtype.byteSize());
        for (int i = 0; i < values.length; i++) {
            switch (dtype) {
                case F32 -> data.setAtIndex(ValueLayout.JAVA_FLOAT_UNALIGNED, i, values[i]);
                case BF16 -> data.setAtIndex(ValueLayout.JAVA_SHORT_UNALIGNED, i, (short) bf16Bits(values[i]));
                case F16 -> data.setAtIndex(ValueLayout.JAVA_SHORT_UNALIGNED, i, Float.floatToFloat16(values[i]));
                default -> throw new IllegalArgumentException(dtype.toString());
            }
        }
        return new TensorView(name, dtype, shape, data, Path.of("test-" + name + ".safetensors"));
    }
}
