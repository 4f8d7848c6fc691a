package ai.jllm.kvcache;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.List;
import java.util.OptionalInt;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Random workloads (admissions with shared prefixes, chunked prefill, decode, forks, finishes, preemptions) driven
 * through the manager the way an engine would, checked after every operation against a reference model:
 * <ul>
 *   <li>the reference counts are exactly the number of block tables holding each block, nothing leaks, and
 *       free + used == total;</li>
 *   <li>the free queue holds each free block once, plain blocks before cached ones;</li>
 *   <li>a fake device memory, in which the "keys and values" of a token are a fingerprint of its sequence's key and
 *       whole prefix, shows every sequence reading exactly its own prefix at every computed position: a prefix hit
 *       on the wrong block, a write into a shared block or a missed copy-on-write all break it;</li>
 *   <li>every block written in a step belongs to the writer alone and holds no cached prefix;</li>
 *   <li>every cached block's parent is still cached (no orphaned chain links).</li>
 * </ul>
 * Weak hash functions (eight values in all; blind to the tokens) make collisions constant, to show they only cost hits.
 */
class KvCachePropertyTest {

    private static final int BLOCK = 4;
    private static final int NUM_BLOCKS = 40;
    private static final int MAX_RUNNING = 8;
    private static final int MAX_WAITING = 12;
    private static final int MAX_LENGTH = 48;
    private static final int VOCABULARY = 6;
    private static final int OPERATIONS = 4000;
    private static final BlockHashKey SALTED = BlockHashKey.ofSalt("tenant");

    private final long[] device = new long[NUM_BLOCKS * BLOCK];
    private final List<Request> running = new ArrayList<>();
    private final ArrayDeque<Request> waiting = new ArrayDeque<>();
    private KvCacheManager kv;
    private Random random;
    private int[][] stems;
    private long admissions;
    private long preemptions;
    private long forks;
    private long copies;
    private long finished;

    /** A request as the test's scheduler sees it: its tokens and their fingerprints. */
    private static final class Request {
        final KvSequence sequence;
        final int[] tokens = new int[MAX_LENGTH];
        final long[] fingerprints = new long[MAX_LENGTH];
        int length;

        Request(KvSequence sequence) {
            this.sequence = sequence;
        }

        void append(int token) {
            long previous = length == 0 ? 17 + sequence.key().hashCode() : fingerprints[length - 1];
            tokens[length] = token;
            fingerprints[length] = previous * 1_000_003 + token + 1;
            length++;
        }
    }

    @ParameterizedTest(name = "seed {0}, {1} hash, block reuse {2}")
    @CsvSource({
        "1, standard, true", "2, standard, true", "3, standard, true",
        "4, eight-valued, true", "5, eight-valued, true",
        "6, token-blind, true", "7, token-blind, true",
        "8, standard, false"})
    void randomWorkloadsKeepTheBookkeepingExact(long seed, String hash, boolean reuse) {
        BlockHasher hasher = switch (hash) {
            case "standard" -> new ChainHash();
            case "eight-valued" -> (parent, tokens, offset, count) -> (parent * 31 + tokens[offset]) & 7;
            case "token-blind" -> (parent, tokens, offset, count) -> parent + 1;
            default -> throw new IllegalArgumentException(hash);
        };
        kv = new KvCacheManager(new KvCacheConfig(BLOCK, 0.9, OptionalInt.empty(), reuse), NUM_BLOCKS, hasher);
        random = new Random(seed);
        stems = new int[4][24];
        for (int[] stem : stems) {
            Arrays.setAll(stem, i -> random.nextInt(VOCABULARY));
        }

        for (int operation = 0; operation < OPERATIONS; operation++) {
            int choice = random.nextInt(10);
            if (choice < 3) {
                submit();
            } else if (choice < 8) {
                step();
            } else if (choice == 8) {
                fork();
            } else {
                finishOne();
            }
            checkInvariants();
        }
        while (!running.isEmpty()) {
            kv.free(running.removeLast().sequence);
        }
        checkInvariants();
        KvCacheStats stats = kv.stats();
        assertThat(stats.usedBlocks()).isZero();
        assertThat(stats.freeBlocks()).isEqualTo(NUM_BLOCKS);

        System.out.printf("kvcache property run (seed %d, %s hash, reuse %s): %d operations, %d admissions, "
                        + "%d finished, %d preemptions, %d forks, %d block copies, hit rate %.3f (%d of %d tokens), "
                        + "%d evictions%n", seed, hash, reuse, OPERATIONS, admissions, finished, preemptions, forks,
                copies, stats.hitRate(), stats.hitTokens(), stats.queriedTokens(), stats.evictions());
        assertThat(admissions).isGreaterThan(300);
        assertThat(preemptions).isPositive();
        assertThat(forks).isPositive();
        assertThat(copies).isPositive();
        if (reuse) {
            assertThat(stats.hitTokens()).isPositive();
            assertThat(stats.evictions()).isPositive();
        } else {
            assertThat(stats.cachedBlocks()).isZero();
        }
    }

    private void submit() {
        if (waiting.size() >= MAX_WAITING) {
            return;
        }
        Request request = new Request(kv.newSequence(random.nextInt(4) == 0 ? SALTED : BlockHashKey.NONE));
        int[] stem = stems[random.nextInt(stems.length)];
        int shared = random.nextInt(stem.length + 1);
        for (int i = 0; i < shared; i++) {
            request.append(stem[i]);
        }
        int tail = 1 + random.nextInt(8);
        for (int i = 0; i < tail; i++) {
            request.append(random.nextInt(VOCABULARY));
        }
        waiting.addLast(request);
    }

    /** One engine step: schedule (allocate, preempting what does not fit), copy, forward, commit, sample. */
    private void step() {
        List<Request> scheduled = new ArrayList<>();
        List<Integer> counts = new ArrayList<>();
        for (Request request : List.copyOf(running)) {
            int count = chunk(request.length - request.sequence.numComputedTokens());
            if (kv.canAllocate(request.sequence, count)) {
                kv.allocate(request.sequence, count);
                scheduled.add(request);
                counts.add(count);
            } else {
                kv.free(request.sequence);
                running.remove(request);
                waiting.addFirst(request);
                preemptions++;
            }
        }
        while (!waiting.isEmpty() && running.size() < MAX_RUNNING) {
            Request request = waiting.peekFirst();
            int cached = kv.matchPrefix(request.sequence, request.tokens, request.length);
            assertThat(cached % BLOCK).isZero();
            assertThat(cached).isLessThan(request.length);
            assertThat(cached).isEqualTo(kv.cachedPrefix(request.tokens, request.length, request.sequence.key()));
            int count = chunk(request.length - cached);
            if (!kv.canAllocate(request.sequence, count)) {
                break;
            }
            kv.allocate(request.sequence, count);
            waiting.removeFirst();
            running.add(request);
            scheduled.add(request);
            counts.add(count);
            admissions++;
        }

        BlockCopies pending = kv.drainPendingCopies();
        for (int i = 0; i < pending.size(); i++) {
            System.arraycopy(device, pending.sources()[i] * BLOCK, device, pending.destinations()[i] * BLOCK, BLOCK);
        }
        copies += pending.size();

        BitSet written = new BitSet(device.length);
        for (int i = 0; i < scheduled.size(); i++) {
            Request request = scheduled.get(i);
            int start = request.sequence.numComputedTokens();
            for (int position = start; position < start + counts.get(i); position++) {
                int block = request.sequence.blockTable()[position / BLOCK];
                assertThat(kv.pool().refCount(block)).as("a written block has one owner").isEqualTo(1);
                assertThat(kv.pool().isCached(block)).as("a written block holds no cached prefix").isFalse();
                int slot = block * BLOCK + position % BLOCK;
                assertThat(written.get(slot)).as("slot %d written twice in a step", slot).isFalse();
                written.set(slot);
                device[slot] = request.fingerprints[position];
            }
        }

        for (int i = 0; i < scheduled.size(); i++) {
            Request request = scheduled.get(i);
            int computed = request.sequence.numComputedTokens() + counts.get(i);
            kv.commit(request.sequence, request.tokens, computed);
            if (computed == request.length) {
                if (request.length == MAX_LENGTH) {
                    kv.free(request.sequence);
                    running.remove(request);
                    finished++;
                } else {
                    request.append(random.nextInt(VOCABULARY));
                }
            }
        }
    }

    private int chunk(int remaining) {
        return Math.min(remaining, 1 + random.nextInt(10));
    }

    private void fork() {
        if (running.isEmpty() || running.size() >= MAX_RUNNING) {
            return;
        }
        Request parent = running.get(random.nextInt(running.size()));
        Request child = new Request(kv.fork(parent.sequence));
        for (int i = 0; i < parent.length; i++) {
            child.append(parent.tokens[i]);
        }
        if (parent.sequence.numComputedTokens() == parent.length - 1) {
            // A second sample from the same logits: the last token may differ.
            child.length--;
            child.append(random.nextInt(VOCABULARY));
        }
        running.add(child);
        forks++;
    }

    private void finishOne() {
        if (!running.isEmpty()) {
            kv.free(running.remove(random.nextInt(running.size())).sequence);
            finished++;
        }
    }

    private void checkInvariants() {
        BlockPool pool = kv.pool();
        int[] holders = new int[NUM_BLOCKS];
        for (Request request : running) {
            KvSequence sequence = request.sequence;
            assertThat(sequence.numBlocks()).isEqualTo(kv.blocksFor(sequence.numComputedTokens()));
            for (int i = 0; i < sequence.numBlocks(); i++) {
                holders[sequence.blockTable()[i]]++;
            }
            for (int position = 0; position < sequence.numComputedTokens(); position++) {
                int slot = sequence.blockTable()[position / BLOCK] * BLOCK + position % BLOCK;
                assertThat(device[slot]).as("%s reads its own prefix at position %d", sequence, position)
                        .isEqualTo(request.fingerprints[position]);
            }
        }
        for (Request request : waiting) {
            assertThat(request.sequence.numBlocks()).isZero();
        }
        int free = 0;
        int cached = 0;
        for (int block = 0; block < NUM_BLOCKS; block++) {
            assertThat(pool.refCount(block)).as("reference count of block %d", block).isEqualTo(holders[block]);
            assertThat(pool.isFree(block)).as("block %d is free", block).isEqualTo(holders[block] == 0);
            if (holders[block] == 0) {
                free++;
                if (pool.isCached(block)) {
                    cached++;
                }
            }
            if (pool.isCached(block)) {
                assertThat(pool.cachedBlock(pool.hash(block))).hasValue(block);
                assertThat(pool.hasLiveParent(block)).as("cached block %d has its parent cached", block).isTrue();
            }
        }
        KvCacheStats stats = kv.stats();
        assertThat(stats.freeBlocks()).isEqualTo(free);
        assertThat(stats.freeBlocks() + stats.usedBlocks()).isEqualTo(NUM_BLOCKS);
        assertThat(stats.cachedBlocks()).isEqualTo(cached);

        int[] queue = pool.freeQueueOrder();
        assertThat(queue).hasSize(free).doesNotHaveDuplicates();
        boolean seenCached = false;
        for (int block : queue) {
            assertThat(holders[block]).isZero();
            if (pool.isCached(block)) {
                seenCached = true;
            } else {
                assertThat(seenCached).as("plain block %d queued behind a cached one", block).isFalse();
            }
        }
    }
}
