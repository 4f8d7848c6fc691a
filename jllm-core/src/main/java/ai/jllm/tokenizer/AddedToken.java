package ai.jllm.tokenizer;

/**
 * An entry of {@code added_tokens} in tokenizer.json: text matched as a whole before normalization and
 * pre-tokenization.
 *
 * @param singleWord only matches when no word character touches it on either side
 * @param lstrip swallows the whitespace on its left
 * @param rstrip swallows the whitespace on its right
 * @param normalized matched against the normalized text instead of the raw input
 * @param special skipped by {@code decode(ids, skipSpecialTokens = true)}
 */
record AddedToken(String content, boolean singleWord, boolean lstrip, boolean rstrip, boolean normalized,
                  boolean special) {}
