package ai.jllm.kvcache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.Random;
import org.junit.jupiter.api.Test;

class PrefixIndexTest {

    @Test
    void agreesWithAHashMapOverRandomInsertsAndRemovals() {
        int maxEntries = 64;
        PrefixIndex index = new PrefixIndex(maxEntries);
        Map<Long, Integer> reference = new HashMap<>();
        List<Long> present = new ArrayList<>();
        Random random = new Random(7);
        for (int op = 0; op < 200_000; op++) {
            // Few distinct hashes in a small table: long probe runs, wrap-around, many backward shifts.
            long hash = random.nextInt(300) * 0x1000_0000_0000L + random.nextInt(3);
            if (random.nextBoolean() && !present.isEmpty()) {
                long victim = present.remove(random.nextInt(present.size()));
                index.remove(victim);
                reference.remove(victim);
            } else if (!reference.containsKey(hash) && reference.size() < maxEntries) {
                int block = random.nextInt(1000);
                index.put(hash, block);
                reference.put(hash, block);
                present.add(hash);
            }
            long probe = random.nextInt(300) * 0x1000_0000_0000L + random.nextInt(3);
            Integer expected = reference.get(probe);
            assertThat(index.get(probe)).isEqualTo(expected == null ? OptionalInt.empty() : OptionalInt.of(expected));
        }
        assertThat(index.size()).isEqualTo(reference.size());
        reference.forEach((hash, block) -> assertThat(index.get(hash)).hasValue(block));
    }

    @Test
    void refusesDuplicatesMissingEntriesAndOverflow() {
        PrefixIndex index = new PrefixIndex(2);
        index.put(1, 10);
        assertThatThrownBy(() -> index.put(1, 11)).hasMessageContaining("already maps to block 10");
        assertThatThrownBy(() -> index.remove(2)).hasMessageContaining("not in the prefix index");
        index.put(2, 20);
        assertThatThrownBy(() -> index.put(3, 30)).hasMessageContaining("full");
    }
}
