package ai.jllm.kvcache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import ai.jllm.JllmException;
import ai.jllm.config.KvCacheDtype;
import ai.jllm.tensor.DType;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;

class KvCacheConfigTest {

    // Qwen2.5-0.5B in bf16: 24 layers, 2 KV heads of 64 dims.
    private static final long QWEN_05B_BYTES_PER_TOKEN = 2L * 24 * 2 * 64 * 2;

    @Test
    void defaultsAreTensorRtLlms() {
        KvCacheConfig config = KvCacheConfig.defaults();
        assertThat(config.blockSize()).isEqualTo(32);
        assertThat(config.freeGpuMemoryFraction()).isEqualTo(0.9);
        assertThat(config.maxTokens()).isEmpty();
        assertThat(config.enableBlockReuse()).isTrue();
    }

    @Test
    void rejectsBadValuesNamingTheField() {
        assertThatThrownBy(() -> KvCacheConfig.defaults().withBlockSize(0))
                .isInstanceOf(JllmException.class).hasMessage("kv-cache block_size must be 1 to 65536 tokens, got 0");
        assertThatThrownBy(() -> KvCacheConfig.defaults().withFreeGpuMemoryFraction(0))
                .isInstanceOf(JllmException.class).hasMessageContaining("free_gpu_memory_fraction must be in (0, 1]");
        assertThatThrownBy(() -> KvCacheConfig.defaults().withFreeGpuMemoryFraction(1.01))
                .isInstanceOf(JllmException.class).hasMessageContaining("got 1.01");
        assertThatThrownBy(() -> KvCacheConfig.defaults().withFreeGpuMemoryFraction(Double.NaN))
                .isInstanceOf(JllmException.class).hasMessageContaining("got NaN");
        assertThatThrownBy(() -> KvCacheConfig.defaults().withMaxTokens(-5))
                .isInstanceOf(JllmException.class).hasMessage("kv-cache max_tokens must be a positive number of tokens, got -5");
    }

    @Test
    void bytesPerTokenCountsKeysAndValuesOfEveryLayer() {
        assertThat(KvCacheConfig.bytesPerToken(24, 2, 64, 2, 0)).isEqualTo(QWEN_05B_BYTES_PER_TOKEN).isEqualTo(12_288);
        // Llama-3-8B in bf16: 32 layers, 8 KV heads of 128 dims, 128 KiB per token.
        assertThat(KvCacheConfig.bytesPerToken(32, 8, 128, 2, 0)).isEqualTo(128 * 1024);
    }

    @Test
    void anEightBitCacheHoldsTwiceTheBlocksLessItsScales() {
        // Llama-3-8B: 32 layers, 8 KV heads of 128 dims. bf16: 2 × 32 × 8 × 256 = 131,072 B per token; fp8 and int8:
        // 2 × 32 × 8 × (128 + 4) = 67,584 B, so 128 / 66 = 1.939× the tokens (the fp32 scales cost 4 of 132 bytes).
        long bf16 = KvCacheConfig.bytesPerToken(32, 8, 128, KvCacheDtype.AUTO.elementBytes(DType.BF16),
                KvCacheDtype.AUTO.scaleBytesPerHead());
        for (KvCacheDtype dtype : new KvCacheDtype[] {KvCacheDtype.FP8, KvCacheDtype.INT8}) {
            long eightBit = KvCacheConfig.bytesPerToken(32, 8, 128, dtype.elementBytes(DType.BF16),
                    dtype.scaleBytesPerHead());
            assertThat(bf16).isEqualTo(131_072);
            assertThat(eightBit).isEqualTo(67_584);
            KvCacheConfig config = KvCacheConfig.defaults();
            long memory = 100L << 30;
            int bf16Blocks = config.numBlocks(memory, bf16);
            int eightBitBlocks = config.numBlocks(memory, eightBit);
            // 0.9 × 100 GiB / 4 MiB-blocks = 23,040 blocks; / 2,162,688-byte blocks = 44,683 blocks.
            assertThat(bf16Blocks).isEqualTo(23_040);
            assertThat(eightBitBlocks).isEqualTo(44_683);
            assertThat((double) eightBitBlocks / bf16Blocks).isCloseTo(128.0 / 66, within(1e-3));
        }
        // With no scale storage the element size alone sets the count: exactly twice the blocks of bf16.
        assertThat(KvCacheConfig.defaults().numBlocks(100L << 30, KvCacheConfig.bytesPerToken(32, 8, 128, 1, 0)))
                .isEqualTo(2 * 23_040);
    }

    @Test
    void numBlocksTakesTheSmallerOfTheMemoryShareAndTheTokenCap() {
        long tenGiB = 10L << 30;
        KvCacheConfig half = KvCacheConfig.defaults().withFreeGpuMemoryFraction(0.5);
        // 5 GiB / (12,288 B × 32 tokens) = 13,653.33 blocks
        assertThat(half.numBlocks(tenGiB, QWEN_05B_BYTES_PER_TOKEN)).isEqualTo(13_653);
        // 100,000 tokens round up to 3,125 blocks of 32
        assertThat(half.withMaxTokens(100_000).numBlocks(tenGiB, QWEN_05B_BYTES_PER_TOKEN)).isEqualTo(3_125);
        assertThat(half.withMaxTokens(100_001).numBlocks(tenGiB, QWEN_05B_BYTES_PER_TOKEN)).isEqualTo(3_126);
        assertThat(half.withMaxTokens(1).numBlocks(tenGiB, QWEN_05B_BYTES_PER_TOKEN)).isEqualTo(1);
        // A cap above what memory holds changes nothing.
        assertThat(half.withMaxTokens(1 << 29).numBlocks(tenGiB, QWEN_05B_BYTES_PER_TOKEN)).isEqualTo(13_653);
        assertThat(half.withBlockSize(16).numBlocks(tenGiB, QWEN_05B_BYTES_PER_TOKEN)).isEqualTo(27_306);
    }

    @Test
    void numBlocksStaysWithinTheIntBookkeepingForTinyModelsOnHugeMemory() {
        KvCacheConfig config = KvCacheConfig.defaults();
        assertThat(config.numBlocks(1L << 50, 1)).isEqualTo(KvCacheConfig.MAX_CACHE_TOKENS / 32);
    }

    @Test
    void numBlocksFailsLoudlyWhenNotOneBlockFits() {
        assertThatThrownBy(() -> KvCacheConfig.defaults().numBlocks(300_000, QWEN_05B_BYTES_PER_TOKEN))
                .isInstanceOf(JllmException.class)
                .hasMessageContaining("no room for one block")
                .hasMessageContaining("393216 bytes of a 32-token block");
    }

    @Test
    void blocksForRoundsUp() {
        KvCacheConfig config = new KvCacheConfig(4, 0.9, OptionalInt.empty(), true);
        assertThat(config.blocksFor(0)).isZero();
        assertThat(config.blocksFor(1)).isEqualTo(1);
        assertThat(config.blocksFor(4)).isEqualTo(1);
        assertThat(config.blocksFor(5)).isEqualTo(2);
        assertThat(config.blocksFor(Integer.MAX_VALUE)).isEqualTo(536_870_912);
    }
}
