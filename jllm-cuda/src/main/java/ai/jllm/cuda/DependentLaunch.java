package ai.jllm.cuda;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * The CUlaunchConfig of a programmatic dependent launch (sm_90), reused for every launch: the kernel may start while
 * the previous kernel of the stream still runs, and waits inside (griddepcontrol.wait, see common.cuh) before it
 * touches what earlier kernels write. CUDA graphs keep the relation as a programmatic edge. Not thread-safe: one per
 * stream.
 */
final class DependentLaunch {

    private static final int CU_LAUNCH_ATTRIBUTE_PROGRAMMATIC_STREAM_SERIALIZATION = 6;
    // CUlaunchConfig: grid x, y, z, block x, y, z, sharedMemBytes (uint32 each), hStream at 32, attrs at 40,
    // numAttrs at 48; 56 bytes. CUlaunchAttribute: id (int) at 0, value (a 64-byte union) at 8; 72 bytes.
    private static final long CONFIG_BYTES = 56;
    private static final long ATTRIBUTE_BYTES = 72;

    private final MemorySegment config;

    DependentLaunch(Arena arena) {
        config = arena.allocate(CONFIG_BYTES, 8);
        MemorySegment attribute = arena.allocate(ATTRIBUTE_BYTES, 8);
        attribute.set(JAVA_INT, 0, CU_LAUNCH_ATTRIBUTE_PROGRAMMATIC_STREAM_SERIALIZATION);
        attribute.set(JAVA_INT, 8, 1);
        config.set(ADDRESS, 40, attribute);
        config.set(JAVA_INT, 48, 1);
    }

    /** The configuration for one launch (valid until the next call). */
    MemorySegment configure(int gridX, int gridY, int gridZ, int threads, int sharedBytes, long stream) {
        config.set(JAVA_INT, 0, gridX);
        config.set(JAVA_INT, 4, gridY);
        config.set(JAVA_INT, 8, gridZ);
        config.set(JAVA_INT, 12, threads);
        config.set(JAVA_INT, 16, 1);
        config.set(JAVA_INT, 20, 1);
        config.set(JAVA_INT, 24, sharedBytes);
        config.set(JAVA_LONG, 32, stream);
        return config;
    }
}
