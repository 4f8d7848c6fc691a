package ai.jllm.scheduler;

/**
 * One sequence's share of a step: {@code numTokens} tokens starting at {@code startPosition} (a whole prompt, a prompt
 * chunk, or one decode token).
 *
 * @param samples   how many tokens to sample from this chunk's last position: 0 for a prompt chunk that does not end
 *                  the prompt, 1 normally, n when a request's first sample also draws for its n-1 siblings
 * @param allLogits whether every position's logits are wanted (a prompt chunk of a request with prompt logprobs)
 */
public record ScheduledChunk(Sequence sequence, int startPosition, int numTokens, int samples, boolean allLogits) {

    /** Whether this chunk completes the sequence's known tokens, so its last position yields the next token. */
    public boolean completes() {
        return startPosition + numTokens == sequence.length();
    }
}
