package ai.jllm.kvcache;

import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * What besides the tokens decides the keys and values a block holds, so that blocks are shared only between
 * sequences that agree on all of it. Every block of a sequence carries its sequence's key: it is mixed into the first
 * block's hash and reaches every later block through the hash chain.
 *
 * @param cacheSalt a per-tenant or per-request salt: requests with different salts never share blocks, so one
 *                  tenant cannot learn another's prompts from cache timing (OpenAI's and vLLM's {@code cache_salt})
 * @param loraId    the LoRA adapter the sequence runs with, whose weights change every key and value
 */
public record BlockHashKey(Optional<String> cacheSalt, OptionalInt loraId) {

    /** No salt, no adapter: every such sequence may share blocks with every other. */
    public static final BlockHashKey NONE = new BlockHashKey(Optional.empty(), OptionalInt.empty());

    public BlockHashKey {
        Objects.requireNonNull(cacheSalt, "cacheSalt");
        Objects.requireNonNull(loraId, "loraId");
    }

    public static BlockHashKey ofSalt(String cacheSalt) {
        return new BlockHashKey(Optional.of(cacheSalt), OptionalInt.empty());
    }

    public BlockHashKey withLoraId(int loraId) {
        return new BlockHashKey(cacheSalt, OptionalInt.of(loraId));
    }
}
