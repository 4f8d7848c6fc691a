package ai.jllm.sampling;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class PhiloxTest {

    /** Known-answer vectors of Philox4x32-10 from the Random123 distribution (kat_vectors). */
    @Test
    void matchesRandom123KnownAnswers() {
        assertBlock(new int[] {0, 0, 0, 0}, new int[] {0, 0},
                new int[] {0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8});
        assertBlock(new int[] {-1, -1, -1, -1}, new int[] {-1, -1},
                new int[] {0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd});
        assertBlock(new int[] {0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344}, new int[] {0xa4093822, 0x299f31d0},
                new int[] {0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1});
    }

    @Test
    void uniformIsAPureFunctionOfSeedAndCounterInTheUnitInterval() {
        for (long counter = 0; counter < 10_000; counter++) {
            float u = Philox.uniform(7, counter);
            assertThat(u).isGreaterThanOrEqualTo(0f).isLessThan(1f);
            assertThat(Philox.uniform(7, counter)).isEqualTo(u);
        }
        assertThat(Philox.uniform(7, 1)).isNotEqualTo(Philox.uniform(8, 1));
    }

    @Test
    void sampleSeedsKeepTheFirstAndSpreadTheOthers() {
        assertThat(Philox.sampleSeed(1234, 0)).isEqualTo(1234);
        java.util.Set<Long> seeds = new java.util.HashSet<>();
        for (int index = 0; index < 1000; index++) {
            seeds.add(Philox.sampleSeed(1234, index));
            assertThat(Philox.sampleSeed(1234, index)).isEqualTo(Philox.sampleSeed(1234, index));
        }
        assertThat(seeds).hasSize(1000);
        assertThat(Philox.sampleSeed(1234, 1)).isNotEqualTo(Philox.sampleSeed(1235, 1));
    }

    private static void assertBlock(int[] counter, int[] key, int[] expected) {
        for (int word = 0; word < 4; word++) {
            assertThat(Philox.word(counter[0], counter[1], counter[2], counter[3], key[0], key[1], word))
                    .as("word %d", word).isEqualTo(expected[word]);
        }
    }
}
