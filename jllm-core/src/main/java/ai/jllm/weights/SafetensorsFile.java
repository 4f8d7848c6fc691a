package ai.jllm.weights;

import ai.jllm.JllmException;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.channels.FileChannel;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One memory-mapped safetensors file. Opening maps the whole file read-only and validates its header (see
 * {@link SafetensorsHeader}); tensors are then zero-copy slices of the mapping, readable from any thread until
 * {@link #close()} unmaps it.
 */
public final class SafetensorsFile implements WeightSource {

    private final Path file;
    private final Arena arena;
    private final boolean ownsArena;
    private final Map<String, TensorView> tensors;
    private final Map<String, String> metadata;
    private final AtomicBoolean closed = new AtomicBoolean();

    private SafetensorsFile(Path file, Arena arena, boolean ownsArena) {
        this.file = file;
        this.arena = arena;
        this.ownsArena = ownsArena;
        MemorySegment contents = map(file, arena);
        SafetensorsHeader header = SafetensorsHeader.read(contents, file);
        Map<String, TensorView> views = new LinkedHashMap<>();
        for (SafetensorsHeader.Entry entry : header.tensors()) {
            TensorSpec spec = entry.spec();
            MemorySegment data = contents.asSlice(header.dataStart() + entry.begin(), entry.end() - entry.begin());
            views.put(spec.name(), new TensorView(spec.name(), spec.dtype(), spec.shape(), data, file));
        }
        this.tensors = Collections.unmodifiableMap(views);
        this.metadata = header.metadata();
    }

    /** Maps and validates {@code file}; the returned source owns the mapping. */
    public static SafetensorsFile open(Path file) {
        Arena arena = Arena.ofShared();
        try {
            return new SafetensorsFile(file, arena, true);
        } catch (RuntimeException | Error e) {
            arena.close();
            throw e;
        }
    }

    /** Maps {@code file} into {@code arena}, which the caller owns and closes (one arena for all shards of a model). */
    static SafetensorsFile openIn(Path file, Arena arena) {
        return new SafetensorsFile(file, arena, false);
    }

    public Path file() {
        return file;
    }

    /** The file's {@code __metadata__} string map (for example {@code {"format": "pt"}}); empty when absent. */
    public Map<String, String> metadata() {
        return metadata;
    }

    /** The tensor names, in header order. */
    @Override
    public Set<String> names() {
        return tensors.keySet();
    }

    @Override
    public boolean contains(String name) {
        return tensors.containsKey(name);
    }

    @Override
    public TensorView tensor(String name) {
        if (closed.get()) {
            throw new IllegalStateException(file + " is closed");
        }
        TensorView view = tensors.get(name);
        if (view == null) {
            throw new JllmException("tensor " + name + " not found in " + file);
        }
        return view;
    }

    @Override
    public void close() {
        if (closed.compareAndSet(false, true) && ownsArena) {
            arena.close();
        }
    }

    private static MemorySegment map(Path file, Arena arena) {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            return channel.map(FileChannel.MapMode.READ_ONLY, 0, channel.size(), arena);
        } catch (NoSuchFileException e) {
            throw new JllmException("safetensors file " + file + " does not exist", e);
        } catch (IOException e) {
            throw new JllmException("cannot map " + file + ": " + e.getMessage(), e);
        }
    }
}
