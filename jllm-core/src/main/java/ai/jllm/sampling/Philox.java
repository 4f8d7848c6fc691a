package ai.jllm.sampling;

/**
 * Philox4x32-10 (Salmon et al., "Parallel random numbers: as easy as 1, 2, 3", SC 2011): a counter-based generator.
 * The n-th random number of a request is a pure function of (seed, n), so a request's samples do not depend on what
 * else is in the batch or on which device computes them — the CUDA sampler uses the same function.
 */
public final class Philox {

    private static final int M0 = 0xD2511F53;
    private static final int M1 = 0xCD9E8D57;
    private static final int W0 = 0x9E3779B9;
    private static final int W1 = 0xBB67AE85;

    private Philox() {}

    /** A uniform float in [0, 1) for (seed, counter), with 24 random bits. */
    public static float uniform(long seed, long counter) {
        int bits = word((int) counter, (int) (counter >>> 32), 0, 0, (int) seed, (int) (seed >>> 32), 0);
        return (bits >>> 8) * 0x1.0p-24f;
    }

    /**
     * The seed of sample {@code sampleIndex} of a request with {@code n > 1}: sample 0 keeps the request's seed (so
     * n = 1 and the first of n samples agree), the others a seed made of a Philox block keyed by the request's seed
     * at a counter {@link #uniform} never uses.
     */
    public static long sampleSeed(long seed, int sampleIndex) {
        if (sampleIndex == 0) {
            return seed;
        }
        int k0 = (int) seed;
        int k1 = (int) (seed >>> 32);
        long low = word(sampleIndex, 0, 0, 1, k0, k1, 0) & 0xFFFFFFFFL;
        long high = word(sampleIndex, 0, 0, 1, k0, k1, 1) & 0xFFFFFFFFL;
        return (high << 32) | low;
    }

    /** Word {@code index} (0..3) of the Philox4x32-10 block for counter (c0..c3) and key (k0, k1). */
    static int word(int c0, int c1, int c2, int c3, int k0, int k1, int index) {
        for (int round = 0; round < 10; round++) {
            long p0 = (M0 & 0xFFFFFFFFL) * (c0 & 0xFFFFFFFFL);
            long p1 = (M1 & 0xFFFFFFFFL) * (c2 & 0xFFFFFFFFL);
            int n0 = (int) (p1 >>> 32) ^ c1 ^ k0;
            int n1 = (int) p1;
            int n2 = (int) (p0 >>> 32) ^ c3 ^ k1;
            int n3 = (int) p0;
            c0 = n0;
            c1 = n1;
            c2 = n2;
            c3 = n3;
            k0 += W0;
            k1 += W1;
        }
        return switch (index) {
            case 0 -> c0;
            case 1 -> c1;
            case 2 -> c2;
            case 3 -> c3;
            default -> throw new IllegalArgumentException("Philox4x32 has words 0..3, not " + index);
        };
    }
}
