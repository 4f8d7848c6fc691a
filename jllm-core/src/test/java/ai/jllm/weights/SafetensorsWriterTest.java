package ai.jllm.weights;

import static ai.jllm.weights.TestData.bf16;
import static ai.jllm.weights.TestData.bytes;
import static ai.jllm.weights.TestData.f32;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.jllm.tensor.DType;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Writing files with {@link SafetensorsWriter} and reading them back. */
class SafetensorsWriterTest {

    private static TensorSpec spec(String name, DType dtype, long... shape) {
        return new TensorSpec(name, dtype, shape);
    }

    @Test
    void everyDtypeRoundTrips(@TempDir Path dir) {
        Random random = new Random(42);
        List<TensorSpec> specs = new ArrayList<>();
        List<MemorySegment> data = new ArrayList<>();
        for (DType dtype : DType.values()) {
            TensorSpec tensor = spec("t." + dtype.name().toLowerCase(), dtype, 3, 5);
            byte[] bytes = new byte[(int) tensor.byteSize()];
            random.nextBytes(bytes);
            specs.add(tensor);
            data.add(MemorySegment.ofArray(bytes));
        }
        Path file = dir.resolve("all.safetensors");
        try (SafetensorsWriter writer = SafetensorsWriter.create(file, specs)) {
            for (int i = 0; i < specs.size(); i++) {
                writer.write(specs.get(i).name(), data.get(i));
            }
        }
        try (SafetensorsFile source = SafetensorsFile.open(file)) {
            assertThat(source.metadata()).isEmpty();
            assertThat(source.names()).containsExactlyElementsOf(specs.stream().map(TensorSpec::name).toList());
            for (int i = 0; i < specs.size(); i++) {
                TensorView view = source.tensor(specs.get(i).name());
                assertThat(view.spec()).isEqualTo(specs.get(i));
                assertThat(view.data().mismatch(data.get(i))).isEqualTo(-1);
            }
        }
    }

    @Test
    void tensorsWrittenInPiecesReadBackWhole(@TempDir Path dir) {
        byte[] first = new byte[24];
        byte[] second = new byte[6];
        new Random(3).nextBytes(first);
        new Random(4).nextBytes(second);
        Path file = dir.resolve("pieces.safetensors");
        try (SafetensorsWriter writer = SafetensorsWriter.create(file,
                List.of(spec("a", DType.F32, 2, 3), spec("b", DType.U8, 6)))) {
            writer.append("a", MemorySegment.ofArray(Arrays.copyOfRange(first, 0, 10)));
            writer.append("a", MemorySegment.ofArray(Arrays.copyOfRange(first, 10, 24)));
            assertThatThrownBy(() -> writer.append("b", MemorySegment.ofArray(new byte[7])))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("needs 6 bytes, got 7");
            writer.append("b", MemorySegment.ofArray(second));
        }
        try (SafetensorsFile source = SafetensorsFile.open(file)) {
            assertThat(source.tensor("a").data().toArray(ValueLayout.JAVA_BYTE)).isEqualTo(first);
            assertThat(source.tensor("b").data().toArray(ValueLayout.JAVA_BYTE)).isEqualTo(second);
        }
    }

    @Test
    void severalFloatArraysInOneFile(@TempDir Path dir) {
        float[] first = {1f, 2f, 3f};
        float[] second = {4f, 5f};
        Path file = dir.resolve("floats.safetensors");
        try (SafetensorsWriter writer = SafetensorsWriter.create(file,
                List.of(spec("a", DType.F32, 3), spec("b", DType.F32, 2)))) {
            writer.write("a", MemorySegment.ofArray(first));
            writer.write("b", MemorySegment.ofArray(second));
        }
        try (SafetensorsFile source = SafetensorsFile.open(file)) {
            assertThat(source.tensor("a").toFloatArray()).containsExactly(first);
            assertThat(source.tensor("b").toFloatArray()).containsExactly(second);
        }
    }

    @Test
    void aWholeWriteAfterPiecesIsRefused(@TempDir Path dir) {
        try (SafetensorsWriter writer = SafetensorsWriter.create(dir.resolve("mixed.safetensors"),
                List.of(spec("a", DType.U8, 4)))) {
            writer.append("a", MemorySegment.ofArray(new byte[2]));
            assertThatThrownBy(() -> writer.write("a", MemorySegment.ofArray(new byte[4])))
                    .isInstanceOf(IllegalArgumentException.class);
            writer.append("a", MemorySegment.ofArray(new byte[2]));
        }
    }

    @Test
    void headerIsPaddedSoDataStartsEightByteAligned(@TempDir Path dir) throws IOException {
        for (int nameLength = 1; nameLength <= 8; nameLength++) {
            Path file = dir.resolve("pad" + nameLength + ".safetensors");
            String name = "n".repeat(nameLength);
            try (SafetensorsWriter writer = SafetensorsWriter.create(file, List.of(spec(name, DType.U8, 1)))) {
                writer.write(name, bytes(7));
            }
            byte[] contents = Files.readAllBytes(file);
            long headerLength = MemorySegment.ofArray(contents)
                    .get(ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), 0);
            assertThat(headerLength % 8).isZero();
            assertThat(contents).hasSize((int) (8 + headerLength + 1));
            String header = new String(contents, 8, (int) headerLength, StandardCharsets.UTF_8);
            String json = header.stripTrailing();
            assertThat(json).startsWith("{").endsWith("}");
            assertThat(header.substring(json.length())).as("padding").matches(" {0,7}");
        }
    }

    @Test
    void scalarsEmptyTensorsAndNonAsciiNames(@TempDir Path dir) {
        Path file = dir.resolve("odd.safetensors");
        try (SafetensorsWriter writer = SafetensorsWriter.create(file, List.of(
                spec("scalar", DType.F32), spec("empty", DType.BF16, 0, 4), spec("名前 \"quoted\"", DType.I8, 2)),
                Map.of("note", "ünïcode"))) {
            writer.write("scalar", f32(2.5f));
            writer.write("empty", MemorySegment.ofArray(new byte[0]));
            writer.write("名前 \"quoted\"", bytes(0xFF, 0x01));
        }
        try (SafetensorsFile source = SafetensorsFile.open(file)) {
            assertThat(source.metadata()).containsEntry("note", "ünïcode");
            assertThat(source.tensor("scalar").toFloatArray()).containsExactly(2.5f);
            assertThat(source.tensor("empty").elementCount()).isZero();
            assertThat(source.tensor("empty").toFloatArray()).isEmpty();
            assertThat(source.tensor("名前 \"quoted\"").data().toArray(ValueLayout.JAVA_BYTE))
                    .containsExactly((byte) 0xFF, (byte) 0x01);
        }
    }

    @Test
    void largeHeapNativeAndMappedSegmentsAreWrittenIntact(@TempDir Path dir) {
        int count = 3_000_000;
        float[] values = new float[count];
        for (int i = 0; i < count; i++) {
            values[i] = i * 0.5f - 7f;
        }
        Path first = dir.resolve("first.safetensors");
        try (Arena arena = Arena.ofConfined();
                SafetensorsWriter writer = SafetensorsWriter.create(first, List.of(
                        spec("heap", DType.F32, count), spec("native", DType.BF16, 3)))) {
            // a float[] segment is in native byte order, which is little-endian on the platforms jllm targets
            assertThat(ByteOrder.nativeOrder()).isEqualTo(ByteOrder.LITTLE_ENDIAN);
            writer.write("heap", MemorySegment.ofArray(values));
            MemorySegment nativeData = arena.allocate(6);
            MemorySegment.copy(bf16(1f, 2f, 3f), 0, nativeData, 0, 6);
            writer.write("native", nativeData);
        }
        Path second = dir.resolve("second.safetensors");
        try (SafetensorsFile source = SafetensorsFile.open(first);
                SafetensorsWriter writer = SafetensorsWriter.create(second, List.of(
                        source.tensor("native").spec(), source.tensor("heap").spec()))) {
            writer.write("native", source.tensor("native").data());
            writer.write("heap", source.tensor("heap").data());
        }
        try (SafetensorsFile source = SafetensorsFile.open(second)) {
            float[] heap = source.tensor("heap").toFloatArray();
            // Arrays.mismatch keeps a failure cheap to report; AssertJ's element diff is quadratic at this size
            assertThat(Arrays.mismatch(heap, values)).as("first differing index").isEqualTo(-1);
            assertThat(source.tensor("native").toFloatArray()).containsExactly(1f, 2f, 3f);
        }
    }

    @Test
    void tensorsMustComeInDeclaredOrderWithTheDeclaredSize(@TempDir Path dir) {
        Path file = dir.resolve("order.safetensors");
        try (SafetensorsWriter writer = SafetensorsWriter.create(file, List.of(
                spec("a", DType.F32, 2), spec("b", DType.F32, 1)))) {
            assertThatThrownBy(() -> writer.write("b", f32(1f)))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("tensor a is next");
            assertThatThrownBy(() -> writer.write("a", f32(1f)))
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("needs 8 bytes, got 4");
            writer.write("a", f32(1f, 2f));
            writer.write("b", f32(3f));
            assertThatThrownBy(() -> writer.write("c", f32(1f)))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("c was not declared");
        }
        assertThat(file).exists();
    }

    @Test
    void anUnfinishedFileIsNeverLeftBehind(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("unfinished.safetensors");
        SafetensorsWriter writer = SafetensorsWriter.create(file, List.of(
                spec("a", DType.F32, 1), spec("b", DType.F32, 1), spec("c", DType.F32, 1)));
        writer.write("a", f32(1f));
        assertThatThrownBy(writer::close)
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("closed before tensors [b, c] were written");
        try (var entries = Files.list(dir)) {
            assertThat(entries).isEmpty();
        }
    }

    @Test
    void replacesAnExistingFileOnlyWhenComplete(@TempDir Path dir) throws IOException {
        Path file = TestData.write(dir.resolve("model.safetensors"), new byte[] {1, 2, 3});
        try (SafetensorsWriter writer = SafetensorsWriter.create(file, List.of(spec("a", DType.U8, 1)))) {
            assertThat(Files.readAllBytes(file)).as("the old file stays until close").containsExactly(1, 2, 3);
            writer.write("a", bytes(9));
        }
        try (SafetensorsFile source = SafetensorsFile.open(file)) {
            assertThat(source.names()).containsExactly("a");
        }
    }

    @Test
    void duplicateAndReservedNamesAreRejected(@TempDir Path dir) {
        Path file = dir.resolve("dup.safetensors");
        assertThatThrownBy(() -> SafetensorsWriter.create(file, List.of(spec("a", DType.U8, 1), spec("a", DType.U8, 1))))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> SafetensorsWriter.create(file, List.of(spec("__metadata__", DType.U8, 1))))
                .isInstanceOf(IllegalArgumentException.class);
        assertThat(file).doesNotExist();
    }
}
