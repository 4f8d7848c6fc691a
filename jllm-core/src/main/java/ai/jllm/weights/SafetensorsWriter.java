package ai.jllm.weights;

import ai.jllm.JllmException;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Writes a safetensors file one tensor at a time, so a converter never holds more than one tensor in memory. The
 * header needs every tensor's shape up front, so the tensors are declared at {@link #create}; their data then follows
 * with {@link #write} (or in pieces with {@link #append}) in the declared order, back to back, as the format wants (no gaps, so Python's safetensors
 * reads the file too). The JSON header is padded with spaces to a multiple of 8 bytes, as the reference
 * implementation does, so the data region starts 8-byte aligned; tensors after the first are aligned only as far as
 * the sizes before them allow (declare wider dtypes first to keep every tensor aligned to its element size).
 *
 * <p>Data goes to {@code <file>.partial} and is renamed to {@code file} by {@link #close()} once every tensor is
 * written, so a crashed or failed conversion never leaves a file that looks complete.
 */
public final class SafetensorsWriter implements AutoCloseable {

    private static final JsonMapper MAPPER = new JsonMapper();
    private static final int HEADER_ALIGNMENT = 8;
    /** Heap segments of non-byte arrays cannot be viewed as a ByteBuffer, so they are copied through this much. */
    private static final int STAGING_BYTES = 1 << 20;
    /** Large segments are written in slices, since one ByteBuffer addresses at most 2 GiB. */
    private static final long WRITE_CHUNK_BYTES = 1L << 30;

    private final Path file;
    private final Path partialFile;
    private final List<TensorSpec> tensors;
    private final FileChannel channel;
    private ByteBuffer staging;
    private int written;
    /** Bytes of the next tensor appended so far. */
    private long appended;
    private boolean closed;

    private SafetensorsWriter(Path file, Path partialFile, List<TensorSpec> tensors, FileChannel channel) {
        this.file = file;
        this.partialFile = partialFile;
        this.tensors = tensors;
        this.channel = channel;
    }

    /** Starts {@code file} with the given tensors (in data order) and no metadata. */
    public static SafetensorsWriter create(Path file, List<TensorSpec> tensors) {
        return create(file, tensors, Map.of());
    }

    /**
     * Starts {@code file} with the given tensors, whose data must then be written in this order, and the
     * {@code __metadata__} string map (omitted when empty; Hugging Face writes {@code {"format": "pt"}}).
     */
    public static SafetensorsWriter create(Path file, List<TensorSpec> tensors, Map<String, String> metadata) {
        List<TensorSpec> specs = List.copyOf(tensors);
        byte[] header = header(specs, metadata);
        Path partialFile = file.resolveSibling(file.getFileName() + ".partial");
        FileChannel channel = null;
        try {
            channel = FileChannel.open(partialFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                    StandardOpenOption.TRUNCATE_EXISTING);
            ByteBuffer prefix = ByteBuffer.allocate(8 + header.length).order(ByteOrder.LITTLE_ENDIAN);
            prefix.putLong(header.length).put(header).flip();
            writeFully(channel, prefix);
            return new SafetensorsWriter(file, partialFile, specs, channel);
        } catch (IOException e) {
            closeQuietly(channel);
            deleteQuietly(partialFile);
            throw new JllmException("cannot write " + partialFile + ": " + e.getMessage(), e);
        }
    }

    /**
     * Appends the data of the next declared tensor: exactly its byte size, little-endian. Any segment works (mapped,
     * native or on-heap).
     */
    public void write(String name, MemorySegment data) {
        TensorSpec expected = next(name);
        if (appended != 0 || data.byteSize() != expected.byteSize()) {
            throw new IllegalArgumentException("tensor " + expected + " needs " + expected.byteSize()
                    + " bytes, got " + (appended + data.byteSize()));
        }
        append(name, data);
    }

    /**
     * Appends a piece of the next declared tensor's data; the pieces of consecutive calls follow each other, and the
     * tensor is complete when they add up to its byte size. For tensors converted a few rows at a time.
     */
    public void append(String name, MemorySegment chunk) {
        TensorSpec expected = next(name);
        if (appended + chunk.byteSize() > expected.byteSize()) {
            throw new IllegalArgumentException("tensor " + expected + " needs " + expected.byteSize()
                    + " bytes, got " + (appended + chunk.byteSize()));
        }
        try {
            if (isByteBufferCompatible(chunk)) {
                for (long offset = 0; offset < chunk.byteSize(); offset += WRITE_CHUNK_BYTES) {
                    long length = Math.min(WRITE_CHUNK_BYTES, chunk.byteSize() - offset);
                    writeFully(channel, chunk.asSlice(offset, length).asByteBuffer());
                }
            } else {
                writeStaged(chunk);
            }
        } catch (IOException e) {
            throw new JllmException("cannot write tensor " + name + " to " + partialFile + ": " + e.getMessage(), e);
        }
        appended += chunk.byteSize();
        if (appended == expected.byteSize()) {
            written++;
            appended = 0;
        }
    }

    private TensorSpec next(String name) {
        if (closed) {
            throw new IllegalStateException("writer for " + file + " is closed");
        }
        if (written == tensors.size()) {
            throw new IllegalStateException("all " + tensors.size() + " declared tensors of " + file
                    + " are written; " + name + " was not declared");
        }
        TensorSpec expected = tensors.get(written);
        if (!expected.name().equals(name)) {
            throw new IllegalStateException("tensor " + expected.name() + " is next in " + file + ", not " + name);
        }
        return expected;
    }

    /**
     * Finishes the file: renames it into place when every declared tensor was written. Otherwise deletes the partial
     * file and throws {@link IllegalStateException} naming the tensors that are missing.
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            channel.close();
        } catch (IOException e) {
            deleteQuietly(partialFile);
            throw new JllmException("cannot write " + partialFile + ": " + e.getMessage(), e);
        }
        if (written < tensors.size()) {
            deleteQuietly(partialFile);
            throw new IllegalStateException("writer for " + file + " closed before tensors "
                    + tensors.subList(written, tensors.size()).stream().map(TensorSpec::name).toList()
                    + " were written; the file was not created");
        }
        try {
            Files.move(partialFile, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            deleteQuietly(partialFile);
            throw new JllmException("cannot move " + partialFile + " to " + file + ": " + e.getMessage(), e);
        }
    }

    /** The JSON header, padded with spaces so the data region starts on an 8-byte boundary. */
    static byte[] header(List<TensorSpec> tensors, Map<String, String> metadata) {
        ObjectNode root = MAPPER.createObjectNode();
        if (!metadata.isEmpty()) {
            ObjectNode metadataNode = root.putObject(SafetensorsHeader.METADATA_KEY);
            metadata.forEach(metadataNode::put);
        }
        Set<String> names = new HashSet<>();
        long offset = 0;
        for (TensorSpec tensor : tensors) {
            if (tensor.name().equals(SafetensorsHeader.METADATA_KEY) || !names.add(tensor.name())) {
                throw new IllegalArgumentException("tensor name " + tensor.name() + " is reserved or declared twice");
            }
            long end = offset + tensor.byteSize();
            ObjectNode entry = root.putObject(tensor.name());
            entry.put("dtype", tensor.dtype().safetensorsName());
            Arrays.stream(tensor.shape()).forEach(entry.putArray("shape")::add);
            entry.putArray("data_offsets").add(offset).add(end);
            offset = end;
        }
        byte[] json;
        try {
            json = MAPPER.writeValueAsString(root).getBytes(StandardCharsets.UTF_8);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot serialize a safetensors header", e);
        }
        int padding = (HEADER_ALIGNMENT - json.length % HEADER_ALIGNMENT) % HEADER_ALIGNMENT;
        byte[] padded = Arrays.copyOf(json, json.length + padding);
        Arrays.fill(padded, json.length, padded.length, (byte) ' ');
        return padded;
    }

    private void writeStaged(MemorySegment data) throws IOException {
        if (staging == null) {
            staging = ByteBuffer.allocate(STAGING_BYTES);
        }
        // A view of the whole buffer: the last write left its position at the end.
        MemorySegment stagingSegment = MemorySegment.ofBuffer(staging.clear());
        for (long offset = 0; offset < data.byteSize(); offset += STAGING_BYTES) {
            int length = (int) Math.min(STAGING_BYTES, data.byteSize() - offset);
            MemorySegment.copy(data, offset, stagingSegment, 0, length);
            staging.clear().limit(length);
            writeFully(channel, staging);
        }
    }

    private static boolean isByteBufferCompatible(MemorySegment data) {
        return data.isNative() || data.heapBase().map(base -> base instanceof byte[]).orElse(false);
    }

    private static void writeFully(FileChannel channel, ByteBuffer buffer) throws IOException {
        while (buffer.hasRemaining()) {
            channel.write(buffer);
        }
    }

    private static void closeQuietly(FileChannel channel) {
        if (channel != null) {
            try {
                channel.close();
            } catch (IOException ignored) {
                // the original failure is the one worth reporting
            }
        }
    }

    private static void deleteQuietly(Path path) {
        try {
            Files.deleteIfExists(path);
        } catch (IOException ignored) {
            // best effort: a stale .partial file is harmless and is overwritten by the next attempt
        }
    }
}
