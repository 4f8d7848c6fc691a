package ai.jllm.cuda;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_FLOAT;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;

/**
 * The argument block of one kernel launch, reused for every launch so that enqueueing a kernel allocates nothing:
 * argument i's value lives in an 8-byte slot, and the kernelParams array that cuLaunchKernel reads points at the
 * slots once and for all. Not thread-safe: one per stream.
 */
final class KernelArgs {

    static final int MAX_ARGUMENTS = 28;

    private final MemorySegment values;
    private final MemorySegment pointers;
    private int count;

    KernelArgs(Arena arena) {
        values = arena.allocate(8L * MAX_ARGUMENTS, 8);
        pointers = arena.allocate(ADDRESS, MAX_ARGUMENTS);
        for (int i = 0; i < MAX_ARGUMENTS; i++) {
            pointers.setAtIndex(ADDRESS, i, values.asSlice(8L * i, 8));
        }
    }

    KernelArgs start() {
        count = 0;
        return this;
    }

    /** A device pointer (or any 64-bit value). */
    KernelArgs pointer(long devicePointer) {
        values.set(JAVA_LONG, slot(), devicePointer);
        return this;
    }

    KernelArgs i32(int value) {
        values.set(JAVA_INT, slot(), value);
        return this;
    }

    KernelArgs f32(float value) {
        values.set(JAVA_FLOAT, slot(), value);
        return this;
    }

    /** The kernelParams array for cuLaunchKernel. */
    MemorySegment parameters() {
        return pointers;
    }

    int count() {
        return count;
    }

    private long slot() {
        if (count == MAX_ARGUMENTS) {
            throw new IllegalStateException("a kernel takes at most " + MAX_ARGUMENTS + " arguments");
        }
        return 8L * count++;
    }
}
