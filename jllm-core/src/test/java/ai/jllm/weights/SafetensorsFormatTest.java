package ai.jllm.weights;

import static ai.jllm.weights.TestData.bf16;
import static ai.jllm.weights.TestData.f32;
import static org.assertj.core.api.Assertions.assertThat;

import ai.jllm.tensor.DType;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Files assembled byte by byte from the safetensors format description (8-byte little-endian header length, JSON
 * header padded with spaces, little-endian data), so reader and writer are each checked against the format and not
 * only against one another.
 */
class SafetensorsFormatTest {

    /** 150 bytes of JSON plus 2 spaces of padding: 152 = 0x98. */
    private static final String HEADER = "{\"__metadata__\":{\"format\":\"pt\"},"
            + "\"weight\":{\"dtype\":\"BF16\",\"shape\":[2,2],\"data_offsets\":[0,8]},"
            + "\"bias\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[8,16]}}  ";
    private static final byte[] LENGTH = {(byte) 0x98, 0, 0, 0, 0, 0, 0, 0};
    /** weight = BF16 [[1, -2], [0.5, 3]] then bias = F32 [0.25, -1.5], little-endian. */
    private static final byte[] DATA = {
        (byte) 0x80, 0x3F, 0x00, (byte) 0xC0, 0x00, 0x3F, 0x40, 0x40,
        0x00, 0x00, (byte) 0x80, 0x3E, 0x00, 0x00, (byte) 0xC0, (byte) 0xBF,
    };

    private static byte[] handMadeFile() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(LENGTH);
        out.writeBytes(HEADER.getBytes(StandardCharsets.US_ASCII));
        out.writeBytes(DATA);
        return out.toByteArray();
    }

    @Test
    void readsAHandMadeFile(@TempDir Path dir) {
        Path file = TestData.write(dir.resolve("hand.safetensors"), handMadeFile());
        try (SafetensorsFile source = SafetensorsFile.open(file)) {
            assertThat(source.names()).containsExactly("weight", "bias");
            assertThat(source.metadata()).isEqualTo(Map.of("format", "pt"));

            TensorView weight = source.tensor("weight");
            assertThat(weight.dtype()).isEqualTo(DType.BF16);
            assertThat(weight.shape()).containsExactly(2, 2);
            assertThat(weight.elementCount()).isEqualTo(4);
            assertThat(weight.file()).isEqualTo(file);
            assertThat(weight.toFloatArray()).containsExactly(1f, -2f, 0.5f, 3f);
            assertThat(weight.data().toArray(ValueLayout.JAVA_BYTE)).containsExactly(java.util.Arrays.copyOf(DATA, 8));

            TensorView bias = source.tensor("bias").expectShape(2);
            assertThat(bias.dtype()).isEqualTo(DType.F32);
            assertThat(bias.toFloatArray()).containsExactly(0.25f, -1.5f);
            assertThat(bias.data().address() - weight.data().address()).as("tensors are packed back to back")
                    .isEqualTo(8);
        }
    }

    @Test
    void writerProducesTheHandMadeBytesExactly(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("written.safetensors");
        try (SafetensorsWriter writer = SafetensorsWriter.create(file, List.of(
                new TensorSpec("weight", DType.BF16, new long[] {2, 2}),
                new TensorSpec("bias", DType.F32, new long[] {2})), Map.of("format", "pt"))) {
            writer.write("weight", bf16(1f, -2f, 0.5f, 3f));
            writer.write("bias", f32(0.25f, -1.5f));
        }
        assertThat(Files.readAllBytes(file)).containsExactly(handMadeFile());
    }

    @Test
    void readsUnpaddedHeadersAndUnalignedData(@TempDir Path dir) {
        // 110 bytes of JSON, no padding: data starts at byte 118 and the F32 tensor at byte 119.
        String header = "{\"flag\":{\"dtype\":\"U8\",\"shape\":[],\"data_offsets\":[0,1]},"
                + "\"x\":{\"dtype\":\"F32\",\"shape\":[1,2],\"data_offsets\":[1,9]}}";
        byte[] data = {0x01, 0x00, 0x00, (byte) 0x80, 0x3F, 0x00, 0x00, 0x00, (byte) 0xBF};
        Path file = TestData.rawFile(dir.resolve("odd.safetensors"), 110, header, data);
        try (SafetensorsFile source = SafetensorsFile.open(file)) {
            TensorView flag = source.tensor("flag");
            assertThat(flag.shape()).isEmpty();
            assertThat(flag.elementCount()).as("a scalar has one element").isEqualTo(1);
            assertThat(flag.data().get(ValueLayout.JAVA_BYTE, 0)).isEqualTo((byte) 1);
            TensorView x = source.tensor("x");
            assertThat(x.data().address() % 4).isNotZero();
            assertThat(x.toFloatArray()).containsExactly(1f, -0.5f);
            assertThat(x.data().get(TensorView.F32_LE, 4)).isEqualTo(-0.5f);
        }
    }
}
