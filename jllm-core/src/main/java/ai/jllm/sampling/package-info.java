/**
 * Choosing tokens: the request's {@link ai.jllm.sampling.SamplingParams}, the backend op that samples a whole step,
 * and the host-side helpers around it.
 *
 * <p>How a runtime drives it:
 * <ul>
 *   <li>Per request: a seed ({@code params.seed()}, or a random one), and for sample i of {@code n > 1}
 *       {@link ai.jllm.sampling.Philox#sampleSeed}; {@link ai.jllm.sampling.BadWords#of} once; a
 *       {@link ai.jllm.sampling.StopStringMatcher} per sequence when {@code params.stop()} is not empty.</li>
 *   <li>Per step, one {@link ai.jllm.sampling.SamplingBatch} row per token to choose: {@code clear()}, then per row
 *       {@code addRow(logitsRow, params, seed, outputLength)}; {@code maskToken} for the end-of-sequence and stop
 *       tokens while the output is shorter than {@code min_tokens}; {@code badWords.addMasks(...)};
 *       {@code penaltyTokens.addEntries(...)} (a {@link ai.jllm.sampling.PenaltyTokens} per runtime thread); for a
 *       beam, {@code setLogprobs(PENALIZED, 2 * beamWidth)}.</li>
 *   <li>{@code backend.sample(logits, batch, out)}: the tokens, logprobs, ranks and top entries land in the
 *       {@link ai.jllm.sampling.SampleOutput}. {@link ai.jllm.sampling.HostSampling} defines the result and is what
 *       the CPU backend runs.</li>
 *   <li>After the step: text deltas from the detokenizer go through the stop-string matcher; beams go through
 *       {@link ai.jllm.sampling.BeamSearch}; with {@code prompt_logprobs}, the prefill's {@code Logits.ALL} rows go
 *       through {@link ai.jllm.sampling.PromptLogprobs}.</li>
 * </ul>
 * Log probabilities mean the model's distribution, log-softmax of the raw logits (OpenAI's meaning), unless a row
 * asks for {@link ai.jllm.sampling.LogprobsMode#PENALIZED}.
 */
package ai.jllm.sampling;
