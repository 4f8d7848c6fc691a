package ai.jllm.sampling;

/**
 * One token's log probability.
 *
 * @param rank 1-based: for a chosen or prompt token, the number of tokens at least as likely (vLLM's rank); for a
 *             top entry, its place in the list
 */
public record Logprob(int tokenId, float logprob, int rank) {}
