package ai.jllm.kvcache;

import static org.assertj.core.api.Assertions.assertThat;

import ai.jllm.config.KvCacheDtype;
import ai.jllm.tensor.Fp8E4m3;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * One (token, kv head) row through the 8-bit cache's quantization and back, against plain references: int8 symmetric
 * (scale amax / 127, round half to even in BigDecimal, clamp ±127) and E4M3 (scale amax / 448, the format's rounding,
 * tested on its own in Fp8E4m3Test), with the error each rounding allows.
 */
class KvQuantizerTest {

    private static final int HEAD_DIM = 128;

    @Test
    void int8IsSymmetricRoundHalfEvenWithTheRowsAmaxAt127() {
        SplittableRandom random = new SplittableRandom(11);
        byte[] codes = new byte[HEAD_DIM + 3];
        for (int trial = 0; trial < 500; trial++) {
            float[] row = row(random, trial);
            float scale = KvQuantizer.quantize(KvCacheDtype.INT8, row, 1, HEAD_DIM, codes, 3);
            float amax = amax(row, 1);
            assertThat(scale).isEqualTo(amax / 127f);
            for (int i = 0; i < HEAD_DIM; i++) {
                float x = row[1 + i];
                int expected = new BigDecimal(x / scale).setScale(0, RoundingMode.HALF_EVEN).intValueExact();
                expected = Math.max(-127, Math.min(127, expected));
                assertThat((int) codes[3 + i]).as("trial %d element %d", trial, i).isEqualTo(expected);
                float dequantized = KvQuantizer.decode(KvCacheDtype.INT8, codes[3 + i]) * scale;
                assertThat(Math.abs(dequantized - x)).isLessThanOrEqualTo(scale * 0.5f * (1 + 1e-5f));
            }
        }
    }

    @Test
    void fp8ScalesTheRowsAmaxTo448AndRoundsEachValueToThreeMantissaBits() {
        SplittableRandom random = new SplittableRandom(12);
        byte[] codes = new byte[HEAD_DIM];
        for (int trial = 0; trial < 500; trial++) {
            float[] row = row(random, trial);
            float scale = KvQuantizer.quantize(KvCacheDtype.FP8, row, 1, HEAD_DIM, codes, 0);
            float amax = amax(row, 1);
            assertThat(scale).isEqualTo(amax / 448f);
            for (int i = 0; i < HEAD_DIM; i++) {
                float x = row[1 + i];
                assertThat(codes[i]).isEqualTo(Fp8E4m3.encode(x / scale));
                float dequantized = KvQuantizer.decode(KvCacheDtype.FP8, codes[i]) * scale;
                // Normal codes: half a step of a 3-bit mantissa, 2^-4 relative; subnormals: half of 2^-9, absolute.
                float bound = Math.max(Math.abs(x) * 0x1p-4f, 0x1p-10f * scale) * (1 + 1e-5f);
                assertThat(Math.abs(dequantized - x)).as("trial %d element %d", trial, i).isLessThanOrEqualTo(bound);
                if (Math.abs(x) == amax) {
                    assertThat(codes[i] & 0x7f).isEqualTo(0x7e);
                }
            }
        }
    }

    @Test
    void anAllZeroRowHasScaleZeroAndZeroCodes() {
        for (KvCacheDtype dtype : new KvCacheDtype[] {KvCacheDtype.FP8, KvCacheDtype.INT8}) {
            byte[] codes = {9, 9, 9, 9};
            assertThat(KvQuantizer.quantize(dtype, new float[4], 0, 4, codes, 0)).isZero();
            assertThat(codes).containsOnly(0);
        }
    }

    /** Gaussian rows, every fifth with an outlier 30× the rest, and a random overall magnitude 2^-8 to 2^8. */
    private static float[] row(SplittableRandom random, int trial) {
        float[] row = new float[HEAD_DIM + 2];
        double magnitude = Math.pow(2, random.nextDouble(-8, 8));
        for (int i = 0; i < row.length; i++) {
            row[i] = (float) (gaussian(random) * magnitude);
        }
        if (trial % 5 == 0) {
            row[1 + random.nextInt(HEAD_DIM)] *= 30;
        }
        return row;
    }

    private static double gaussian(SplittableRandom random) {
        return Math.sqrt(-2 * Math.log(1 - random.nextDouble())) * Math.cos(2 * Math.PI * random.nextDouble());
    }

    private static float amax(float[] row, int offset) {
        float amax = 0;
        for (int i = 0; i < HEAD_DIM; i++) {
            amax = Math.max(amax, Math.abs(row[offset + i]));
        }
        return amax;
    }
}
