package ai.jllm.weights;

import static ai.jllm.weights.TestData.f32;
import static ai.jllm.weights.TestData.rawFile;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.jllm.JllmException;
import ai.jllm.tensor.DType;
import java.io.IOException;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Broken files fail at open with a message naming the file and what is wrong; never a crash, never garbage. */
class SafetensorsValidationTest {

    @TempDir
    Path dir;

    private Path file() {
        return dir.resolve("bad.safetensors");
    }

    private void assertRefused(Path file, String expectedMessagePart) {
        assertThatThrownBy(() -> SafetensorsFile.open(file))
                .isInstanceOf(JllmException.class)
                .hasMessageContaining(file.toString())
                .hasMessageContaining(expectedMessagePart);
    }

    private static String tensor(String name, String dtype, String shape, String offsets) {
        return "\"" + name + "\":{\"dtype\":\"" + dtype + "\",\"shape\":" + shape + ",\"data_offsets\":" + offsets + "}";
    }

    @Test
    void fileShorterThanTheLengthPrefix() {
        assertRefused(TestData.write(file(), new byte[0]), "is too short to be safetensors: 0 bytes");
        assertRefused(TestData.write(file(), new byte[5]), "is too short to be safetensors: 5 bytes");
    }

    @Test
    void headerLengthBeyondTheFormatLimit() {
        assertRefused(rawFile(file(), -1L, "{}", new byte[0]),
                "its header length 18446744073709551615 exceeds the format's limit of 100000000");
        assertRefused(rawFile(file(), 200_000_000L, "{}", new byte[0]), "exceeds the format's limit");
    }

    @Test
    void headerLengthBeyondTheEndOfTheFile() {
        Path file = rawFile(file(), 64, "{}", new byte[0]);
        assertThatThrownBy(() -> SafetensorsFile.open(file))
                .isInstanceOf(JllmException.class)
                .hasMessage("file " + file + " is truncated: its header ends at byte 72 but the file has 10 bytes");
    }

    @Test
    void headerThatIsNotAJsonObject() {
        assertRefused(rawFile(file(), 0, "", new byte[0]), "its header does not start with '{'");
        assertRefused(rawFile(file(), "PK\u0003\u0004 zip", new byte[0]), "its header does not start with '{'");
        assertRefused(rawFile(file(), "{\"a\":", new byte[0]), "has a malformed header");
        assertRefused(rawFile(file(), "{} {}", new byte[0]), "has a malformed header");
    }

    @Test
    void duplicateTensorNames() {
        String header = "{" + tensor("a", "F32", "[1]", "[0,4]") + "," + tensor("a", "F32", "[1]", "[4,8]") + "}";
        assertRefused(rawFile(file(), header, new byte[8]), "Duplicate field 'a'");
    }

    @Test
    void malformedTensorEntries() {
        assertRefused(rawFile(file(), "{\"a\":3}", new byte[0]), "tensor a must be described by an object, got 3");
        assertRefused(rawFile(file(), "{\"a\":{\"shape\":[1],\"data_offsets\":[0,4]}}", new byte[4]),
                "tensor a has no dtype string");
        assertRefused(rawFile(file(), "{\"a\":{\"dtype\":\"F32\",\"data_offsets\":[0,4]}}", new byte[4]),
                "tensor a has no shape list");
        assertRefused(rawFile(file(), "{\"a\":{\"dtype\":\"F32\",\"shape\":[1]}}", new byte[4]),
                "tensor a has no data_offsets list");
        assertRefused(rawFile(file(), "{" + tensor("a", "F32", "[-1]", "[0,4]") + "}", new byte[4]),
                "tensor a has shape [-1]; expected non-negative integers");
        assertRefused(rawFile(file(), "{" + tensor("a", "F32", "[1.5]", "[0,4]") + "}", new byte[4]),
                "tensor a has shape [1.5]; expected non-negative integers");
        assertRefused(rawFile(file(), "{" + tensor("a", "F32", "[1]", "[0,4,8]") + "}", new byte[8]),
                "tensor a has data_offsets [0, 4, 8]; expected [begin, end]");
        assertRefused(rawFile(file(), "{" + tensor("a", "F32", "[1]", "[0,99999999999999999999]") + "}",
                new byte[4]), "expected non-negative integers");
    }

    @Test
    void unknownDtypeIsNamed() {
        assertRefused(rawFile(file(), "{" + tensor("w", "F4", "[2]", "[0,1]") + "}", new byte[1]),
                "tensor w: unsupported safetensors dtype 'F4'");
        assertRefused(rawFile(file(), "{" + tensor("w", "bf16", "[2]", "[0,4]") + "}", new byte[4]),
                "unsupported safetensors dtype 'bf16'");
    }

    @Test
    void offsetsThatBeginAfterTheyEnd() {
        assertRefused(rawFile(file(), "{" + tensor("a", "F32", "[0]", "[8,4]") + "}", new byte[8]),
                "tensor a has data_offsets [8, 4] that begin after they end");
    }

    @Test
    void byteRangeMustMatchShapeAndDtype() {
        Path file = rawFile(file(), "{" + tensor("a", "BF16", "[2,3]", "[0,8]") + "}", new byte[8]);
        assertThatThrownBy(() -> SafetensorsFile.open(file))
                .isInstanceOf(JllmException.class)
                .hasMessage("file " + file + ": tensor a has 8 bytes in data_offsets [0, 8], but shape [2, 3] of BF16"
                        + " needs 12");
    }

    @Test
    void shapesTooLargeToAddress() {
        assertRefused(rawFile(file(), "{" + tensor("a", "F32", "[4611686018427387904,4]", "[0,4]") + "}",
                new byte[4]), "too large to address");
    }

    @Test
    void truncatedFileNamesTheTensorAndTheByte() throws IOException {
        Path file = dir.resolve("model.safetensors");
        try (SafetensorsWriter writer = SafetensorsWriter.create(file, List.of(
                new TensorSpec("a", DType.F32, new long[] {2}), new TensorSpec("b", DType.F32, new long[] {4})))) {
            writer.write("a", f32(1, 2));
            writer.write("b", f32(3, 4, 5, 6));
        }
        byte[] whole = Files.readAllBytes(file);
        TestData.write(file, Arrays.copyOf(whole, whole.length - 5));
        assertThatThrownBy(() -> SafetensorsFile.open(file))
                .isInstanceOf(JllmException.class)
                .hasMessage("file " + file + " is truncated: tensor b ends at byte " + whole.length
                        + " but the file has " + (whole.length - 5) + " bytes");
    }

    @Test
    void overlappingTensors() {
        String header = "{" + tensor("a", "F32", "[2]", "[0,8]") + "," + tensor("b", "F32", "[2]", "[4,12]") + "}";
        Path file = rawFile(file(), header, new byte[12]);
        assertThatThrownBy(() -> SafetensorsFile.open(file))
                .isInstanceOf(JllmException.class)
                .hasMessage("file " + file + ": tensors a (bytes 0..8) and b (bytes 4..12) overlap");
    }

    @Test
    void gapsBetweenTensorsAreTolerated() {
        String header = "{" + tensor("b", "U8", "[1]", "[7,8]") + "," + tensor("a", "U8", "[2]", "[0,2]") + "}";
        byte[] data = {10, 11, 0, 0, 0, 0, 0, 12};
        try (SafetensorsFile source = SafetensorsFile.open(rawFile(file(), header, data))) {
            assertThat(source.tensor("a").data().toArray(ValueLayout.JAVA_BYTE))
                    .containsExactly(10, 11);
            assertThat(source.tensor("b").data().toArray(ValueLayout.JAVA_BYTE))
                    .containsExactly(12);
        }
    }

    @Test
    void metadataMustBeAStringMap() {
        assertRefused(rawFile(file(), "{\"__metadata__\":{\"total\":3}}", new byte[0]),
                "__metadata__ entry 'total' must be a string, got 3");
        assertRefused(rawFile(file(), "{\"__metadata__\":[]}", new byte[0]), "__metadata__ must be an object");
    }

    @Test
    void missingFileAndDirectory() {
        Path missing = dir.resolve("missing.safetensors");
        assertThatThrownBy(() -> SafetensorsFile.open(missing))
                .isInstanceOf(JllmException.class)
                .hasMessage("safetensors file " + missing + " does not exist");
        assertThatThrownBy(() -> SafetensorsFile.open(dir))
                .isInstanceOf(JllmException.class)
                .hasMessageContaining(dir.toString());
    }

    @Test
    void missingTensorNamesTheFile() {
        Path file = rawFile(file(), "{" + tensor("a", "F32", "[1]", "[0,4]") + "}", new byte[4]);
        try (SafetensorsFile source = SafetensorsFile.open(file)) {
            assertThat(source.contains("a")).isTrue();
            assertThat(source.contains("b")).isFalse();
            assertThatThrownBy(() -> source.tensor("b"))
                    .isInstanceOf(JllmException.class)
                    .hasMessage("tensor b not found in " + file);
        }
    }

    @Test
    void closedSourcesRefuseReadsInsteadOfCrashing() {
        Path file = rawFile(file(), "{" + tensor("a", "F32", "[1]", "[0,4]") + "}", f32(1.5f).toArray(
                ValueLayout.JAVA_BYTE));
        SafetensorsFile source = SafetensorsFile.open(file);
        TensorView view = source.tensor("a");
        assertThat(view.toFloatArray()).containsExactly(1.5f);
        source.close();
        source.close();
        assertThatThrownBy(view::toFloatArray).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> source.tensor("a")).isInstanceOf(IllegalStateException.class);
    }
}
