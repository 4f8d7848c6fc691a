package ai.jllm.tensor;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.SplittableRandom;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.Test;

/**
 * E4M3 against a plain reference written from the format's definition: the 127 non-negative finite values listed in
 * double precision, encoding by searching the nearest of them (ties to the even code, beyond 448 saturated to 448).
 */
class Fp8E4m3Test {

    /** REFERENCE[code] for codes 0..126 (0x7f is NaN). */
    private static final double[] REFERENCE = new double[127];

    static {
        for (int code = 0; code < 127; code++) {
            int exponent = code >> 3;
            int mantissa = code & 7;
            REFERENCE[code] = exponent == 0 ? mantissa * Math.pow(2, -9)
                    : Math.pow(2, exponent - 7) * (1 + mantissa / 8.0);
        }
    }

    private static int referenceEncode(float x) {
        int sign = Float.floatToRawIntBits(x) < 0 ? 0x80 : 0;
        double magnitude = Math.abs((double) x);
        int best = 0;
        for (int code = 1; code < 127; code++) {
            double distance = Math.abs(REFERENCE[code] - magnitude);
            double bestDistance = Math.abs(REFERENCE[best] - magnitude);
            if (distance < bestDistance || (distance == bestDistance && (code & 1) == 0)) {
                best = code;
            }
        }
        return sign | best;
    }

    @Test
    void decodesEveryCodeAsTheFormatDefines() {
        for (int code = 0; code < 256; code++) {
            float value = Fp8E4m3.decode((byte) code);
            if ((code & 0x7f) == 0x7f) {
                assertThat(value).as("code %02x", code).isNaN();
            } else {
                double expected = (code & 0x80) != 0 ? -REFERENCE[code & 0x7f] : REFERENCE[code & 0x7f];
                assertThat((double) value).as("code %02x", code).isEqualTo(expected);
            }
        }
        assertThat(Fp8E4m3.decode((byte) 0x7e)).isEqualTo(448f);
        assertThat(Fp8E4m3.decode((byte) 0x01)).isEqualTo(0x1p-9f);
    }

    @Test
    void everyValueAndEveryMidpointRoundsToNearestEven() {
        for (int code = 0; code < 127; code++) {
            for (float sign : new float[] {1f, -1f}) {
                float value = sign * (float) REFERENCE[code];
                assertThat(Fp8E4m3.encode(value) & 0xff).as("value %s", value).isEqualTo(referenceEncode(value));
                if (code < 126) {
                    // The midpoint to the next value is exact in float: a tie, which goes to the even code.
                    float midpoint = sign * (float) ((REFERENCE[code] + REFERENCE[code + 1]) / 2);
                    for (float x : new float[] {midpoint, Math.nextUp(midpoint), Math.nextDown(midpoint)}) {
                        assertThat(Fp8E4m3.encode(x) & 0xff).as("x %s", x).isEqualTo(referenceEncode(x));
                    }
                }
            }
        }
    }

    @Test
    void randomValuesOverTheWholeRangeAndBeyondSaturate() {
        SplittableRandom random = new SplittableRandom(7);
        for (int i = 0; i < 200_000; i++) {
            // log-uniform from 2^-12 (below the smallest subnormal) to 2^10 (beyond 448)
            float x = (float) (Math.pow(2, random.nextDouble(-12, 10)) * (random.nextBoolean() ? 1 : -1));
            assertThat(Fp8E4m3.encode(x) & 0xff).as("x %s", x).isEqualTo(referenceEncode(x));
        }
        assertThat(Fp8E4m3.encode(1e9f)).isEqualTo((byte) 0x7e);
        assertThat(Fp8E4m3.encode(Float.NEGATIVE_INFINITY)).isEqualTo((byte) 0xfe);
        assertThat(Fp8E4m3.decode(Fp8E4m3.encode(Float.NaN))).isNaN();
    }

    @Test
    void valuesPyTorchGives() {
        // torch.tensor([...]).clamp(-448, 448).to(torch.float8_e4m3fn).float()
        assertThat(Fp8E4m3.decode(Fp8E4m3.encode(0.1f))).isEqualTo(0.1015625f);
        assertThat(Fp8E4m3.decode(Fp8E4m3.encode(3.3f))).isEqualTo(3.25f);
        assertThat(Fp8E4m3.decode(Fp8E4m3.encode(-17f))).isEqualTo(-16f);
        assertThat(Fp8E4m3.decode(Fp8E4m3.encode(460f))).isEqualTo(448f);
        assertThat(Fp8E4m3.decode(Fp8E4m3.encode(1e6f))).isEqualTo(448f);
        assertThat(Fp8E4m3.decode(Fp8E4m3.encode(Float.NEGATIVE_INFINITY))).isEqualTo(-448f);
        assertThat(Fp8E4m3.decode(Fp8E4m3.encode(0.001f))).isEqualTo(0.001953125f);
        assertThat(Fp8E4m3.decode(Fp8E4m3.encode(0.0009f))).isEqualTo(0f);
        assertThat(Fp8E4m3.encode(Float.NaN)).isEqualTo(Fp8E4m3.NAN);
    }

    @Test
    void aRowIsScaledToItsLargestMagnitude() {
        float[] row = {0.5f, -2f, 0.25f, 0f, 1.3f};
        byte[] codes = new byte[7];
        float scale = Fp8E4m3.quantizeRow(row, row.length, codes, 2);
        assertThat(scale).isEqualTo(2f / 448f);
        assertThat(Fp8E4m3.decode(codes[3])).isEqualTo(-448f);
        for (int i = 0; i < row.length; i++) {
            assertThat(Fp8E4m3.decode(codes[2 + i])).isEqualTo(Fp8E4m3.decode(Fp8E4m3.encode(row[i] / scale)));
            assertThat(Fp8E4m3.decode(codes[2 + i]) * scale).isCloseTo(row[i], Offset.offset(
                    Math.abs(row[i]) / 16 + 1e-6f));
        }
        assertThat(Fp8E4m3.quantizeRow(new float[3], 3, new byte[3], 0)).isEqualTo(1f);
    }
}
