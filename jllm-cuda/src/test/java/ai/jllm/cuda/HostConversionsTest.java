package ai.jllm.cuda;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import org.junit.jupiter.api.Test;

/** bf16 rounding on the host and the kernel-argument block; no GPU needed. */
class HostConversionsTest {

    @Test
    void bf16RoundsToNearestEven() {
        // 1 + 2^-8 lies halfway between 1 and 1 + 2^-7: ties go to the even mantissa (1).
        assertThat(Bf16.round(1f + 0x1p-8f)).isEqualTo(1f);
        // 1 + 3 * 2^-8 lies halfway between 1 + 2^-7 and 1 + 2^-6: the even one is 1 + 2^-6.
        assertThat(Bf16.round(1f + 3 * 0x1p-8f)).isEqualTo(1f + 0x1p-6f);
        assertThat(Bf16.round(1f + 0x1p-8f + 0x1p-20f)).isEqualTo(1f + 0x1p-7f);
        assertThat(Bf16.round(-2.5f)).isEqualTo(-2.5f);
        assertThat(Bf16.round(Float.MAX_VALUE)).isEqualTo(Float.POSITIVE_INFINITY);
        assertThat(Bf16.round(Float.NaN)).isNaN();
        assertThat(Bf16.toFloat(Bf16.fromFloat(3.140625f))).isEqualTo(3.140625f);
    }

    @Test
    void kernelArgumentPointersAddressTheirValues() {
        try (Arena arena = Arena.ofConfined()) {
            KernelArgs args = new KernelArgs(arena);
            args.start().pointer(0x1234_5678_9abcL).i32(-7).f32(0.5f);
            assertThat(args.count()).isEqualTo(3);
            MemorySegment parameters = args.parameters();
            MemorySegment first = parameters.getAtIndex(ValueLayout.ADDRESS, 0).reinterpret(8);
            MemorySegment second = parameters.getAtIndex(ValueLayout.ADDRESS, 1).reinterpret(8);
            MemorySegment third = parameters.getAtIndex(ValueLayout.ADDRESS, 2).reinterpret(8);
            assertThat(first.get(ValueLayout.JAVA_LONG, 0)).isEqualTo(0x1234_5678_9abcL);
            assertThat(second.get(ValueLayout.JAVA_INT, 0)).isEqualTo(-7);
            assertThat(third.get(ValueLayout.JAVA_FLOAT, 0)).isEqualTo(0.5f);
            assertThat(args.start().count()).isZero();
        }
    }
}
