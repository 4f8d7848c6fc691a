package ai.jllm.kvcache;

/**
 * The standard {@link BlockHasher}: a 64-bit chain hash. Each token is folded in with a full-avalanche 64-bit mixer
 * (the SplitMix64 finalizer), so the hash of a block depends on every bit of its tokens and of its parent's hash, and
 * through the parent on the whole prefix and the sequence's {@link BlockHashKey}.
 *
 * <p>Why 64 bits are enough: the hash only finds a candidate block. A hit is served only after the candidate's stored
 * tokens, key and exact parent block have been compared with the request's (see {@link BlockPool#holds}), so two
 * prefixes that collide cost a cache miss, never wrong keys and values.
 */
final class ChainHash implements BlockHasher {

    private static final long GOLDEN = 0x9E3779B97F4A7C15L;
    private static final long TOKEN_SCALE = 0xC2B2AE3D27D4EB4FL;
    private static final long SALT_TAG = 0x5A17L;
    private static final long LORA_TAG = 0x10A4L;

    @Override
    public long hash(long parentHash, int[] tokens, int offset, int count) {
        long h = mix(parentHash ^ (count * GOLDEN));
        for (int i = offset; i < offset + count; i++) {
            h = mix(h ^ ((tokens[i] & 0xFFFFFFFFL) + 1) * TOKEN_SCALE);
        }
        return h;
    }

    /** The parent hash of a sequence's first block: a digest of everything in its key. */
    static long root(BlockHashKey key) {
        long h = mix(GOLDEN);
        if (key.cacheSalt().isPresent()) {
            String salt = key.cacheSalt().get();
            h = mix(h ^ SALT_TAG ^ ((long) salt.length() << 16));
            for (int i = 0; i < salt.length(); i++) {
                h = mix(h ^ (salt.charAt(i) + 1L) * TOKEN_SCALE);
            }
        }
        if (key.loraId().isPresent()) {
            h = mix(h ^ LORA_TAG);
            h = mix(h ^ ((key.loraId().getAsInt() & 0xFFFFFFFFL) + 1) * TOKEN_SCALE);
        }
        return h;
    }

    /** SplitMix64's finalizer: a bijection on 64-bit values in which every input bit flips each output bit with p ≈ ½. */
    static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
