package ai.jllm.weights;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** Little-endian tensor bytes and raw safetensors files built byte by byte, independent of the code under test. */
final class TestData {

    private TestData() {}

    static MemorySegment f32(float... values) {
        ByteBuffer buffer = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (float value : values) {
            buffer.putFloat(value);
        }
        return MemorySegment.ofArray(buffer.array());
    }

    /** BF16 is the upper half of the float32 bits; the test values are exact in BF16. */
    static MemorySegment bf16(float... values) {
        ByteBuffer buffer = ByteBuffer.allocate(values.length * 2).order(ByteOrder.LITTLE_ENDIAN);
        for (float value : values) {
            buffer.putShort((short) (Float.floatToRawIntBits(value) >>> 16));
        }
        return MemorySegment.ofArray(buffer.array());
    }

    static MemorySegment bytes(int... unsignedBytes) {
        byte[] data = new byte[unsignedBytes.length];
        for (int i = 0; i < data.length; i++) {
            data[i] = (byte) unsignedBytes[i];
        }
        return MemorySegment.ofArray(data);
    }

    /** A file made of an explicit 8-byte length, the header text exactly as given, and the data. */
    static Path rawFile(Path file, long headerLength, String header, byte[] data) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(headerLength).array());
        out.writeBytes(header.getBytes(StandardCharsets.UTF_8));
        out.writeBytes(data);
        return write(file, out.toByteArray());
    }

    /** A file whose length prefix matches the header text. */
    static Path rawFile(Path file, String header, byte[] data) {
        return rawFile(file, header.getBytes(StandardCharsets.UTF_8).length, header, data);
    }

    static Path write(Path file, byte[] contents) {
        try {
            return Files.write(file, contents);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
