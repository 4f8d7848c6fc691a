package ai.jllm.engine;

/** Receives each generated token as soon as it is sampled, for streaming. */
@FunctionalInterface
public interface TokenListener {

    /** @param prompt the index of the prompt in the generate call */
    void onToken(int prompt, int tokenId);

    TokenListener NONE = (prompt, tokenId) -> {};
}
