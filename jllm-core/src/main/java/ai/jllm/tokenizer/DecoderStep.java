package ai.jllm.tokenizer;

/**
 * One stage of a running decode. The Hugging Face decoders work on the list of token strings, some per token
 * and some across tokens; here each stage sees the tokens as a stream and passes on whatever text can no longer
 * change, which is what makes streaming detokenization exact. A token may arrive in several {@link #append}s
 * (after a stage that fuses tokens) and is closed by {@link #endToken}; no append splits a character.
 */
interface DecoderStep {

    void append(String text);

    void endToken();

    /** No more tokens: pass on everything still held back. */
    void finish();
}
