package ai.jllm.tensor;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.SplittableRandom;
import org.assertj.core.data.Offset;
import org.junit.jupiter.api.Test;

/**
 * E4M3 against its definition: the 254 finite codes' values computed from the bit fields, and encoding as the nearest
 * of them found by search (ties to the even code, beyond 448 saturated): PyTorch's rounding for float8_e4m3fn after
 * a clamp to ±448. Plus values PyTorch gives, written down.
 */
class Fp8E4m3Test {

    @Test
    void decodeFollowsTheBitFields() {
        assertThat(Fp8E4m3.decode((byte) 0x00)).isEqualTo(0f);
        assertThat(Fp8E4m3.decode((byte) 0x80)).isEqualTo(-0f);
        assertThat(Fp8E4m3.decode((byte) 0x01)).isEqualTo(0x1p-9f);
        assertThat(Fp8E4m3.decode((byte) 0x07)).isEqualTo(7 * 0x1p-9f);
        assertThat(Fp8E4m3.decode((byte) 0x08)).isEqualTo(0x1p-6f);
        assertThat(Fp8E4m3.decode((byte) 0x38)).isEqualTo(1f);
        assertThat(Fp8E4m3.decode((byte) 0x7e)).isEqualTo(448f);
        assertThat(Fp8E4m3.decode((byte) 0xfe)).isEqualTo(-448f);
        assertThat(Fp8E4m3.decode((byte) 0x7f)).isNaN();
        assertThat(Fp8E4m3.decode((byte) 0xff)).isNaN();
        float previous = -1f;
        for (int code = 0; code < 0x7f; code++) {
            float value = Fp8E4m3.decode((byte) code);
            assertThat(value).as("code %d", code).isGreaterThan(previous);
            assertThat(Fp8E4m3.decode((byte) (code | 0x80))).isEqualTo(-value);
            previous = value;
        }
    }

    @Test
    void everyCodeRoundTrips() {
        for (int code = 0; code < 256; code++) {
            if ((code & 0x7f) == 0x7f) {
                continue;
            }
            assertThat(Fp8E4m3.encode(Fp8E4m3.decode((byte) code)) & 0xff).as("code %d", code).isEqualTo(code);
        }
    }

    @Test
    void encodingIsTheNearestCodeTiesToEven() {
        SplittableRandom random = new SplittableRandom(7);
        for (int i = 0; i < 200_000; i++) {
            float value = (float) (Math.scalb(random.nextDouble(), random.nextInt(-14, 10)) * (random.nextBoolean()
                    ? 1 : -1));
            assertThat(Fp8E4m3.encode(value)).as("%s", value).isEqualTo(nearest(value));
        }
        // Every midpoint between neighbours is a tie: it goes to the code with an even mantissa.
        for (int code = 0; code < 0x7e; code++) {
            float midpoint = (Fp8E4m3.decode((byte) code) + Fp8E4m3.decode((byte) (code + 1))) / 2;
            int even = (code & 1) == 0 ? code : code + 1;
            assertThat(Fp8E4m3.encode(midpoint) & 0xff).as("midpoint above code %d", code).isEqualTo(even);
            assertThat(Fp8E4m3.encode(-midpoint) & 0xff).isEqualTo(even | 0x80);
        }
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

    /** The code of the nearest finite value by search; ties to the even code; beyond ±448 saturates. */
    private static byte nearest(float value) {
        double magnitude = Math.min(Math.abs((double) value), 448);
        int best = 0;
        double bestDistance = Double.MAX_VALUE;
        for (int code = 0; code < 0x7f; code++) {
            double distance = Math.abs(Fp8E4m3.decode((byte) code) - magnitude);
            if (distance < bestDistance || distance == bestDistance && (code & 1) == 0) {
                best = code;
                bestDistance = distance;
            }
        }
        return (byte) (value < 0 || (value == 0 && 1 / value < 0) ? best | 0x80 : best);
    }
}
